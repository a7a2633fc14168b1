//! What the interop tests share: starting our programs and the real
//! peers (SIPp, baresip, Kamailio) on loopback, and stopping them by PID.

// Each test file uses its own subset.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub(crate) fn peers_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/tools/peers");
    assert!(
        dir.join("scenarios/uac-call.xml").exists(),
        "../shared/tools/peers is missing (expected beside the repository at {})",
        dir.display()
    );
    dir
}

pub(crate) fn scenario(name: &str) -> String {
    peers_dir()
        .join("scenarios")
        .join(name)
        .display()
        .to_string()
}

pub(crate) fn require(tool: &str) {
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
pub(crate) fn free_port() -> u16 {
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
pub(crate) fn wait_bound(port: u16, tcp: bool) {
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
pub(crate) struct Program {
    child: Child,
    /// The `... listening on ...` line it printed once bound.
    banner: String,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

impl Program {
    pub(crate) fn start(bin: &str, args: &[&str]) -> Self {
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
    pub(crate) fn port(&self) -> u16 {
        let addr = self
            .banner
            .split("listening on ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .unwrap();
        addr.rsplit(':').next().unwrap().parse().unwrap()
    }

    /// Waits up to `limit` for the program to exit on its own.
    pub(crate) fn wait(&mut self, limit: Duration) -> Option<ExitStatus> {
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
    pub(crate) fn interrupt(&mut self) -> Option<ExitStatus> {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        self.wait(Duration::from_secs(10))
    }

    pub(crate) fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    pub(crate) fn stdout(&self) -> String {
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
pub(crate) struct Sipp {
    child: Child,
    dir: PathBuf,
    args: Vec<String>,
}

/// What a SIPp run ended with.
#[derive(Debug)]
pub(crate) struct SippOutcome {
    pub(crate) exit: Option<i32>,
    pub(crate) successful: u64,
    pub(crate) failed: u64,
    pub(crate) log: String,
}

impl Sipp {
    pub(crate) fn start(name: &str, args: &[String]) -> Self {
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

    pub(crate) fn finish(mut self, limit: Duration) -> SippOutcome {
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
pub(crate) fn last_counts(csv: &str) -> (u64, u64) {
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

pub(crate) fn strings(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| (*s).to_owned()).collect()
}

/// The proxy's closing counters line (`final: requests=...`).
pub(crate) fn final_line(stderr: &str) -> String {
    stderr
        .lines()
        .find(|l| l.contains("final: "))
        .unwrap_or_default()
        .to_owned()
}

/// A counter from the proxy's closing line.
pub(crate) fn counter(line: &str, name: &str) -> u64 {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// A headless baresip agent run by `../shared/tools/peers/baresip-peer.sh`,
/// stopped by it (by PID) on drop.
pub(crate) struct Baresip {
    name: String,
}

impl Baresip {
    pub(crate) fn start(
        name: &str,
        user: &str,
        password: &str,
        sip_port: u16,
        proxy_port: u16,
    ) -> Self {
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

    pub(crate) fn cmd(&self, command: &str) -> String {
        let out = Command::new("bash")
            .arg(peers_dir().join("baresip-peer.sh"))
            .args(["cmd", &self.name, command])
            .output()
            .expect("baresip-peer.sh runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(format!("/tmp/baresip-{}/log", self.name)).unwrap_or_default()
    }

    /// Waits up to `secs` for `pred` to hold on the log.
    pub(crate) fn wait_log(&self, secs: u64, pred: impl Fn(&str) -> bool) -> bool {
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

/// A Kamailio 5.6 started by `../shared/tools/peers/kamailio.sh` on its
/// own port, stopped by it (by PID) on drop.
pub(crate) struct Kamailio {
    port: u16,
}

impl Kamailio {
    pub(crate) fn start(port: u16) -> Self {
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
