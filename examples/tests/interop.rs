//! The `sip-proxy` and `sip-ua` programs against real peers on loopback
//! (issue 4, "Real peers"): SIPp calls through our proxy to a SIPp UAS
//! over UDP and TCP; two baresip agents register with digest at our
//! registrar and call each other through our proxy; our user agent
//! registers with Kamailio and calls a SIPp UAS through it.
//!
//! The peers come from Debian (`sip-tester`, `baresip`, `kamailio`);
//! `scripts/test` installs them with `../shared/tools/peers/install.sh`,
//! and the scenarios and start scripts are those of
//! `../shared/tools/peers/`. Every process a test starts is stopped by its
//! PID when the test ends, and every run is bounded in calls and time.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn peers_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/tools/peers");
    assert!(
        dir.join("scenarios/uac-call.xml").exists(),
        "../shared/tools/peers is missing (expected beside the repository at {})",
        dir.display()
    );
    dir
}

fn scenario(name: &str) -> String {
    peers_dir()
        .join("scenarios")
        .join(name)
        .display()
        .to_string()
}

fn require(tool: &str) {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).exists()))
        .unwrap_or(false)
        || Path::new("/usr/sbin").join(tool).exists();
    assert!(
        found,
        "{tool} is not installed: run scripts/test (it runs ../shared/tools/peers/install.sh)"
    );
}

/// A UDP and TCP port free on 127.0.0.1 at the time of asking.
fn free_port() -> u16 {
    loop {
        let u = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = u.local_addr().unwrap().port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// Waits until something listens on `port` (UDP, or TCP with `tcp`),
/// reading the kernel's socket tables so the probe never takes the port.
fn wait_bound(port: u16, tcp: bool) {
    let (files, state) = if tcp {
        (["/proc/net/tcp", "/proc/net/tcp6"], "0A")
    } else {
        (["/proc/net/udp", "/proc/net/udp6"], "07")
    };
    let needle = format!(":{port:04X}");
    let until = Instant::now() + Duration::from_secs(10);
    while Instant::now() < until {
        let bound = files.iter().any(|f| {
            std::fs::read_to_string(f)
                .unwrap_or_default()
                .lines()
                .any(|l| {
                    let cols: Vec<&str> = l.split_whitespace().collect();
                    cols.len() > 3 && cols[1].ends_with(&needle) && cols[3] == state
                })
        });
        if bound {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("nothing bound port {port} within 10 s");
}

/// One of our programs, started as a user would, killed by PID on drop.
struct Program {
    child: Child,
    /// The `... listening on ...` line it printed once bound.
    banner: String,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

impl Program {
    fn start(bin: &str, args: &[&str]) -> Self {
        let mut child = Command::new(bin)
            .args(args)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{bin} starts: {e}"));
        let stderr = Arc::new(Mutex::new(String::new()));
        let err_pipe = child.stderr.take().unwrap();
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut r = BufReader::new(err_pipe);
            let mut line = String::new();
            while r.read_line(&mut line).unwrap_or(0) > 0 {
                sink.lock().unwrap().push_str(&line);
                line.clear();
            }
        });
        let (tx, rx) = std::sync::mpsc::channel();
        let out_pipe = child.stdout.take().unwrap();
        let stdout = Arc::new(Mutex::new(String::new()));
        let sink = stdout.clone();
        std::thread::spawn(move || {
            let mut r = BufReader::new(out_pipe);
            let mut first = String::new();
            let _ = r.read_line(&mut first);
            let _ = tx.send(first.trim().to_owned());
            let mut rest = String::new();
            let _ = r.read_to_string(&mut rest);
            sink.lock().unwrap().push_str(&rest);
        });
        let banner = rx.recv_timeout(Duration::from_secs(20)).unwrap_or_default();
        assert!(
            banner.contains("listening on"),
            "{bin} did not start: {banner:?}\n{}",
            stderr.lock().unwrap()
        );
        Self {
            child,
            banner,
            stdout,
            stderr,
        }
    }

    /// The UDP port of the first listening address in the banner.
    fn port(&self) -> u16 {
        let addr = self
            .banner
            .split("listening on ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .unwrap();
        addr.rsplit(':').next().unwrap().parse().unwrap()
    }

    /// Waits up to `limit` for the program to exit on its own.
    fn wait(&mut self, limit: Duration) -> Option<ExitStatus> {
        let until = Instant::now() + limit;
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                // Let the pipe readers catch the last lines.
                std::thread::sleep(Duration::from_millis(50));
                return Some(s);
            }
            if Instant::now() > until {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGINT, as Ctrl-C would; then waits for the exit.
    fn interrupt(&mut self) -> Option<ExitStatus> {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        self.wait(Duration::from_secs(10))
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    fn stdout(&self) -> String {
        format!("{}\n{}", self.banner, self.stdout.lock().unwrap())
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A SIPp process in its own directory, killed by PID on drop.
struct Sipp {
    child: Child,
    dir: PathBuf,
    args: Vec<String>,
}

/// What a SIPp run ended with.
#[derive(Debug)]
struct SippOutcome {
    exit: Option<i32>,
    successful: u64,
    failed: u64,
    log: String,
}

impl Sipp {
    fn start(name: &str, args: &[String]) -> Self {
        let dir = std::env::temp_dir().join(format!("interop-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let out = std::fs::File::create(dir.join("stdout.txt")).unwrap();
        let child = Command::new("sipp")
            .args(args)
            .args(["-nostdin", "-trace_stat", "-stf", "stat.csv"])
            .args(["-trace_err", "-error_file", "errors.log"])
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(Stdio::null())
            .spawn()
            .expect("sipp starts");
        Self {
            child,
            dir,
            args: args.to_vec(),
        }
    }

    fn finish(mut self, limit: Duration) -> SippOutcome {
        let until = Instant::now() + limit;
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break Some(s);
            }
            if Instant::now() > until {
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let stat = std::fs::read_to_string(self.dir.join("stat.csv")).unwrap_or_default();
        let (successful, failed) = last_counts(&stat);
        let log = format!(
            "sipp {}\nexit {status:?}\n--- errors ---\n{}",
            self.args.join(" "),
            std::fs::read_to_string(self.dir.join("errors.log"))
                .unwrap_or_default()
                .chars()
                .take(4000)
                .collect::<String>()
        );
        SippOutcome {
            exit: status.and_then(|s| s.code()),
            successful,
            failed,
            log,
        }
    }
}

impl Drop for Sipp {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// SuccessfulCall(C) and FailedCall(C) of the last row of a SIPp
/// `-trace_stat` file.
fn last_counts(csv: &str) -> (u64, u64) {
    let mut lines = csv.lines().filter(|l| !l.trim().is_empty());
    let (Some(header), Some(last)) = (lines.next(), lines.next_back()) else {
        return (0, 0);
    };
    let cols: Vec<&str> = header.split(';').collect();
    let vals: Vec<&str> = last.split(';').collect();
    let get = |name: &str| {
        cols.iter()
            .position(|c| *c == name)
            .and_then(|i| vals.get(i))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    (get("SuccessfulCall(C)"), get("FailedCall(C)"))
}

fn strings(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| (*s).to_owned()).collect()
}

/// The proxy's closing counters line (`final: requests=...`).
fn final_line(stderr: &str) -> String {
    stderr
        .lines()
        .find(|l| l.contains("final: "))
        .unwrap_or_default()
        .to_owned()
}

/// A counter from the proxy's closing line.
fn counter(line: &str, name: &str) -> u64 {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// SIPp's shared UAC calls a SIPp UAS registered at our proxy, `calls`
/// times over `transport` (`u1` or `t1`), and every call completes; the
/// proxy forwarded each INVITE, ACK and BYE and shuts down cleanly.
fn sipp_through_our_proxy(transport: &str, calls: u32) {
    require("sipp");
    let mut proxy = Program::start(
        env!("CARGO_BIN_EXE_sip-proxy"),
        &["--listen", "127.0.0.1:0", "--log", "info"],
    );
    let p = proxy.port();
    let target = format!("127.0.0.1:{p}");
    let uas_port = free_port();
    let n = calls.to_string();
    let uas = Sipp::start(
        &format!("uas-{transport}"),
        &strings(&[
            "-sf",
            &scenario("uas-call.xml"),
            "-i",
            "127.0.0.1",
            "-p",
            &uas_port.to_string(),
            "-t",
            transport,
            "-m",
            &n,
            "-timeout",
            "60s",
        ]),
    );
    wait_bound(uas_port, transport == "t1");
    let reg = Sipp::start(
        &format!("register-{transport}"),
        &strings(&[
            "-sf",
            &scenario("register-contact.xml"),
            "-m",
            "1",
            "-s",
            "uas",
            "-key",
            "contact_host",
            "127.0.0.1",
            "-key",
            "contact_port",
            &uas_port.to_string(),
            "-key",
            "expires",
            "3600",
            "-i",
            "127.0.0.1",
            "-t",
            transport,
            "-recv_timeout",
            "5000",
            "-timeout",
            "20s",
            &target,
        ]),
    )
    .finish(Duration::from_secs(30));
    assert_eq!(reg.exit, Some(0), "REGISTER of the UAS: {}", reg.log);
    let uac = Sipp::start(
        &format!("uac-{transport}"),
        &strings(&[
            "-sf",
            &scenario("uac-call.xml"),
            "-s",
            "uas",
            "-d",
            "100",
            "-m",
            &n,
            "-r",
            "25",
            "-l",
            "20",
            "-i",
            "127.0.0.1",
            "-p",
            &free_port().to_string(),
            "-t",
            transport,
            "-timeout",
            "60s",
            "-recv_timeout",
            "10000",
            &target,
        ]),
    )
    .finish(Duration::from_secs(90));
    let uas = uas.finish(Duration::from_secs(20));
    println!(
        "SIPp UAC -> our proxy -> SIPp UAS ({transport}): UAC {} successful, {} failed; UAS {} successful, {} failed",
        uac.successful, uac.failed, uas.successful, uas.failed
    );
    assert_eq!(uac.exit, Some(0), "{}", uac.log);
    assert_eq!(
        (uac.successful, uac.failed),
        (u64::from(calls), 0),
        "{}",
        uac.log
    );
    assert_eq!(
        (uas.successful, uas.failed),
        (u64::from(calls), 0),
        "{}",
        uas.log
    );

    let status = proxy.interrupt();
    assert!(
        matches!(status, Some(s) if s.success()),
        "{status:?}\n{}",
        proxy.stderr()
    );
    let line = final_line(&proxy.stderr());
    println!("proxy {line}");
    // REGISTER, and per call INVITE and BYE statefully and the ACK for
    // the 2xx statelessly (RFC 3261 §16.11: it is a request of its own).
    assert!(counter(&line, "requests") > 2 * u64::from(calls), "{line}");
    assert!(counter(&line, "stateless") >= u64::from(calls), "{line}");
    // 180, 200 (INVITE) and 200 (BYE) per call.
    assert!(
        counter(&line, "responses_forwarded") >= 3 * u64::from(calls),
        "{line}"
    );
    assert_eq!(counter(&line, "bindings"), 1, "{line}");
}

/// RFC 3665 §3.1 with SIPp on both ends, over UDP: `uac-call.xml` →
/// sip-proxy (location lookup of the UAS registered by
/// `register-contact.xml`, Record-Route) → `uas-call.xml`.
#[test]
fn sipp_uac_calls_sipp_uas_through_our_proxy_over_udp() {
    sipp_through_our_proxy("u1", 50);
}

/// The same over TCP: one connection from each SIPp, reused for every
/// call, the proxy opening its own connection to the UAS's Contact
/// (`transport=tcp`).
#[test]
fn sipp_uac_calls_sipp_uas_through_our_proxy_over_tcp() {
    sipp_through_our_proxy("t1", 30);
}

/// A headless baresip agent run by `../shared/tools/peers/baresip-peer.sh`,
/// stopped by it (by PID) on drop.
struct Baresip {
    name: String,
}

impl Baresip {
    fn start(name: &str, user: &str, password: &str, sip_port: u16, proxy_port: u16) -> Self {
        let script = peers_dir().join("baresip-peer.sh");
        let out = Command::new("bash")
            .arg(&script)
            .args([
                "start",
                name,
                user,
                &sip_port.to_string(),
                "127.0.0.1",
                &proxy_port.to_string(),
                &(free_port()).to_string(),
            ])
            .env("BARESIP_ACCOUNT_PARAMS", format!(";auth_pass={password}"))
            .env("BARESIP_MAX_SECONDS", "120")
            .output()
            .expect("baresip-peer.sh runs");
        assert!(
            out.status.success(),
            "baresip {name} did not start: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Self {
            name: name.to_owned(),
        }
    }

    fn cmd(&self, command: &str) -> String {
        let out = Command::new("bash")
            .arg(peers_dir().join("baresip-peer.sh"))
            .args(["cmd", &self.name, command])
            .output()
            .expect("baresip-peer.sh runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(format!("/tmp/baresip-{}/log", self.name)).unwrap_or_default()
    }

    /// Waits up to `secs` for `pred` to hold on the log.
    fn wait_log(&self, secs: u64, pred: impl Fn(&str) -> bool) -> bool {
        let until = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < until {
            if pred(&self.log()) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }
}

impl Drop for Baresip {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(peers_dir().join("baresip-peer.sh"))
            .args(["stop", &self.name])
            .output();
    }
}

/// RFC 3665 §2.1 and §3.1 with baresip: two baresip agents register with
/// digest at our registrar (401, then 200), alice calls bob through our
/// record-routing proxy, bob answers automatically, RTP flows both ways
/// on loopback, alice hangs up and the BYE reaches bob along the route
/// set; when they quit, their un-REGISTERs empty the location service.
#[test]
fn baresip_agents_register_with_digest_and_call_through_our_proxy() {
    require("baresip");
    let mut proxy = Program::start(
        env!("CARGO_BIN_EXE_sip-proxy"),
        &[
            "--listen",
            "127.0.0.1:0",
            "--user",
            "alice:wonderland",
            "--user",
            "bob:zanzibar",
            "--log",
            "debug",
        ],
    );
    let p = proxy.port();
    let tag = std::process::id();
    let alice = Baresip::start(&format!("it{tag}a"), "alice", "wonderland", free_port(), p);
    let bob = Baresip::start(&format!("it{tag}b"), "bob", "zanzibar", free_port(), p);
    let registered = |log: &str| log.contains("200 OK") && log.contains("401 Unauthorized");
    assert!(
        alice.wait_log(10, registered),
        "alice did not register:\n{}",
        alice.log()
    );
    assert!(
        bob.wait_log(10, registered),
        "bob did not register:\n{}",
        bob.log()
    );
    // The REGISTERs carried digest credentials.
    assert!(
        alice.log().contains("Authorization: Digest"),
        "{}",
        alice.log()
    );

    alice.cmd(&format!("/dial sip:bob@127.0.0.1:{p}"));
    let established = |log: &str| log.contains("Call established");
    assert!(
        alice.wait_log(10, established),
        "alice's call was not established:\n{}\n--- proxy ---\n{}",
        alice.log(),
        proxy.stderr()
    );
    assert!(bob.wait_log(5, established), "{}", bob.log());
    let rtp = |log: &str| log.contains("incoming rtp for 'audio' established");
    assert!(alice.wait_log(10, rtp), "no RTP at alice:\n{}", alice.log());
    assert!(bob.wait_log(10, rtp), "no RTP at bob:\n{}", bob.log());
    // Our Record-Route reached bob in the INVITE.
    assert!(
        bob.log()
            .contains(&format!("Record-Route: <sip:127.0.0.1:{p};lr>")),
        "{}",
        bob.log()
    );
    alice.cmd("/hangup");
    assert!(
        bob.wait_log(10, |l| l.contains("terminated (duration")),
        "bob's call did not end:\n{}",
        bob.log()
    );
    assert!(bob.log().contains("\nBYE sip:bob"), "{}", bob.log());

    drop(alice);
    drop(bob);
    let status = proxy.interrupt();
    assert!(matches!(status, Some(s) if s.success()), "{status:?}");
    let line = final_line(&proxy.stderr());
    println!("proxy {line}");
    // Both un-REGISTERed when they quit.
    assert_eq!(counter(&line, "bindings"), 0, "{line}");
    // The two 401 challenges were ours.
    assert!(counter(&line, "local_responses") >= 2, "{line}");
}

/// A Kamailio 5.6 started by `../shared/tools/peers/kamailio.sh` on its
/// own port, stopped by it (by PID) on drop.
struct Kamailio {
    port: u16,
}

impl Kamailio {
    fn start(port: u16) -> Self {
        let out = Command::new("bash")
            .arg(peers_dir().join("kamailio.sh"))
            .args(["start", &port.to_string()])
            .env("KAM_SHM", "64")
            .env("KAM_CHILDREN", "2")
            .output()
            .expect("kamailio.sh runs");
        assert!(
            out.status.success(),
            "kamailio did not start: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        wait_bound(port, false);
        Self { port }
    }
}

impl Drop for Kamailio {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(peers_dir().join("kamailio.sh"))
            .args(["stop", &self.port.to_string()])
            .env("KAM_STOP_WAIT", "10")
            .output();
    }
}

/// Our user agent against Kamailio: `sip-ua` registers at Kamailio's
/// registrar, sends OPTIONS to Kamailio itself, and calls a SIPp UAS
/// registered there; the INVITE, ACK and BYE go through Kamailio (which
/// record-routes), and the un-REGISTER on exit removes the binding.
#[test]
fn our_ua_registers_with_kamailio_and_calls_a_sipp_uas_through_it() {
    require("sipp");
    require("kamailio");
    let kport = free_port();
    let _kamailio = Kamailio::start(kport);
    let target = format!("127.0.0.1:{kport}");
    let uas_port = free_port();
    let uas = Sipp::start(
        "kam-uas",
        &strings(&[
            "-sf",
            &scenario("uas-call.xml"),
            "-i",
            "127.0.0.1",
            "-p",
            &uas_port.to_string(),
            "-t",
            "u1",
            "-m",
            "2",
            "-timeout",
            "60s",
        ]),
    );
    wait_bound(uas_port, false);
    let reg = Sipp::start(
        "kam-register",
        &strings(&[
            "-sf",
            &scenario("register-contact.xml"),
            "-m",
            "1",
            "-s",
            "uas",
            "-key",
            "contact_host",
            "127.0.0.1",
            "-key",
            "contact_port",
            &uas_port.to_string(),
            "-key",
            "expires",
            "3600",
            "-i",
            "127.0.0.1",
            "-recv_timeout",
            "5000",
            "-timeout",
            "20s",
            &target,
        ]),
    )
    .finish(Duration::from_secs(30));
    assert_eq!(reg.exit, Some(0), "{}", reg.log);

    let aor = format!("sip:alice@127.0.0.1:{kport}");
    let proxy = format!("udp:{target}");
    let callee = format!("sip:uas@127.0.0.1:{kport}");
    let ping = format!("sip:127.0.0.1:{kport}");
    for round in 0..2 {
        let mut ua = Program::start(
            env!("CARGO_BIN_EXE_sip-ua"),
            &[
                "--aor",
                &aor,
                "--proxy",
                &proxy,
                "--register",
                "--options",
                &ping,
                "--call",
                &callee,
                "--hold",
                "0.3",
            ],
        );
        let status = ua.wait(Duration::from_secs(30));
        let out = ua.stdout();
        println!("sip-ua round {round}: {status:?}\n{out}");
        assert!(
            matches!(status, Some(s) if s.success()),
            "{status:?}\n{out}\n{}",
            ua.stderr()
        );
        assert!(out.contains(&format!("OPTIONS {ping}: 200")), "{out}");
        assert!(out.contains(&format!("call {callee}: answered")), "{out}");
        assert!(out.contains(&format!("call {callee}: hung up")), "{out}");
        let log = ua.stderr();
        assert!(log.contains("registered"), "{log}");
        assert!(log.contains("unregistered"), "{log}");
    }
    let uas = uas.finish(Duration::from_secs(20));
    assert_eq!((uas.successful, uas.failed), (2, 0), "{}", uas.log);
}
