//! Interop with SIPp (Debian `sip-tester`) on loopback: SIPp as UAC
//! against our UAS and as UAS for our UAC, over UDP and TCP, and with
//! SIPp's `-lost` dropping packets so that both sides retransmit.
//!
//! The clean runs use the scenarios of `../shared/tools/peers/scenarios/`
//! as they are; the lossy runs use `tests/sipp/*.xml`, the same calls with
//! a closing `timewait` so a retransmission after the last message still
//! finds its call. SIPp must be installed (`scripts/test` installs it; so
//! does `.ci/run`): these tests fail, not skip, without it.

// Loopback tests of the tokio driver and external processes read the real clock.
#![allow(clippy::disallowed_methods)]

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sip_message::{Contact, Message, Method, To, Uri};
use sip_transaction::{ClientUpdate, Endpoint, Incoming, Received, Target, TimerConfig, Transport};

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn shared_scenarios() -> PathBuf {
    let dir = manifest().join("../../shared/tools/peers/scenarios");
    assert!(
        dir.join("uac-call.xml").exists(),
        "../shared/tools/peers/scenarios is missing (expected beside the repository at {})",
        dir.display()
    );
    dir
}

fn own_scenarios() -> PathBuf {
    manifest().join("tests/sipp")
}

fn require_sipp() {
    let ok = Command::new("sipp")
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    assert!(
        ok,
        "SIPp is not installed: run scripts/test, or apt-get install sip-tester"
    );
}

/// A port free for both UDP and TCP on 127.0.0.1 (checked, then released).
fn free_port() -> u16 {
    loop {
        let u = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = u.local_addr().unwrap().port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// What one SIPp run ended with, from its `-trace_stat` file.
#[derive(Debug)]
struct SippResult {
    exit: Option<i32>,
    successful: u64,
    failed: u64,
    retransmissions: u64,
    log: String,
}

/// Runs SIPp with `args` and waits at most `limit`; a SIPp still running
/// then is killed (by its PID, which this test started).
fn run_sipp(name: &str, args: &[String], limit: Duration) -> SippResult {
    let dir = std::env::temp_dir().join(format!("sipp-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let stat = dir.join("stat.csv");
    let err = dir.join("errors.log");
    let out = std::fs::File::create(dir.join("stdout.txt")).unwrap();
    let mut child = Command::new("sipp")
        .args(args)
        .args(["-nostdin", "-trace_stat", "-stf"])
        .arg(&stat)
        .args(["-trace_err", "-error_file"])
        .arg(&err)
        .current_dir(&dir)
        .stdout(out)
        .stderr(Stdio::null())
        .spawn()
        .expect("sipp starts");
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let (successful, failed, retransmissions) = parse_stat(&stat);
    let log = format!(
        "sipp {}\nexit {:?}\n--- errors ---\n{}\n",
        args.join(" "),
        status,
        std::fs::read_to_string(&err)
            .unwrap_or_default()
            .chars()
            .take(4000)
            .collect::<String>()
    );
    SippResult {
        exit: status.and_then(|s| s.code()),
        successful,
        failed,
        retransmissions,
        log,
    }
}

/// The last row of SIPp's statistics CSV: successful and failed calls and
/// retransmissions, cumulated.
fn parse_stat(path: &Path) -> (u64, u64, u64) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let Some(header) = lines.next() else {
        return (0, 0, 0);
    };
    let Some(last) = lines.next_back() else {
        return (0, 0, 0);
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
    (
        get("SuccessfulCall(C)"),
        get("FailedCall(C)"),
        get("Retransmissions(C)"),
    )
}

// ------------------------------------------------------------------ our UAS

/// Counters of the UAS under test.
#[derive(Debug, Default)]
struct UasCounts {
    invites: usize,
    byes: usize,
    acks: usize,
    retransmitted_2xx: usize,
}

/// A UAS core just thick enough for a call: 180 and 200 to INVITE with the
/// 2xx retransmitted until its ACK (RFC 3261 §13.3.1.4: "starting at T1 ...
/// doubled ... until it reaches T2", for 64*T1), 200 to everything else.
fn uas(endpoint: Endpoint, mut incoming: Incoming) -> Arc<Mutex<UasCounts>> {
    let counts = Arc::new(Mutex::new(UasCounts::default()));
    let acked: Arc<Mutex<HashSet<String>>> = Arc::default();
    let c = counts.clone();
    tokio::spawn(async move {
        while let Some(r) = incoming.recv().await {
            match r {
                Received::Request(tx) => {
                    let req = tx.request().clone();
                    let source = tx.source();
                    let contact = format!(
                        "<sip:uas@{};transport={}>",
                        source.local,
                        source.transport.as_str().to_lowercase()
                    );
                    if req.method() == Some(&Method::Invite) {
                        c.lock().unwrap().invites += 1;
                        let ringing = req.response_to(180, Some("uas1")).unwrap().build().unwrap();
                        let _ = tx.respond(ringing).await;
                        let ok = req
                            .response_to(200, Some("uas1"))
                            .unwrap()
                            .header("Contact", &contact)
                            .body(
                                "v=0\r\no=uas 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n",
                                "application/sdp",
                            )
                            .build()
                            .unwrap();
                        let _ = tx.respond(ok.clone()).await;
                        let call = req.call_id().unwrap_or_default().to_owned();
                        let (acked, c, ep) = (acked.clone(), c.clone(), endpoint.clone());
                        let reliable = source.transport.is_reliable();
                        tokio::spawn(async move {
                            if reliable {
                                return; // §13.3.1.4: only over unreliable transports
                            }
                            let cfg = TimerConfig::default();
                            let mut interval = cfg.t1;
                            let start = tokio::time::Instant::now();
                            loop {
                                tokio::time::sleep(interval).await;
                                if acked.lock().unwrap().contains(&call)
                                    || start.elapsed() >= cfg.timeout()
                                {
                                    return;
                                }
                                c.lock().unwrap().retransmitted_2xx += 1;
                                if tx.respond(ok.clone()).await.is_err() {
                                    let _ = ep.send_stateless_response(ok.clone()).await;
                                }
                                interval = (interval * 2).min(cfg.t2);
                            }
                        });
                    } else {
                        if req.method() == Some(&Method::Bye) {
                            c.lock().unwrap().byes += 1;
                        }
                        let ok = req.response_to(200, Some("uas1")).unwrap().build().unwrap();
                        let _ = tx.respond(ok).await;
                    }
                }
                Received::Ack { ack, .. } => {
                    c.lock().unwrap().acks += 1;
                    if let Some(call) = ack.call_id() {
                        acked.lock().unwrap().insert(call.to_owned());
                    }
                }
                _ => {}
            }
        }
    });
    counts
}

async fn our_uas() -> (Endpoint, Arc<Mutex<UasCounts>>, u16) {
    let port = free_port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let (ep, inc) = Endpoint::builder()
        .udp(addr)
        .tcp(addr)
        .bind()
        .await
        .unwrap();
    let counts = uas(ep.clone(), inc);
    (ep, counts, port)
}

fn uac_args(
    scenario: PathBuf,
    transport: &str,
    calls: u32,
    lost: Option<u32>,
    uas_port: u16,
) -> Vec<String> {
    let mut a: Vec<String> = vec![
        "-sf".into(),
        scenario.display().to_string(),
        "-s".into(),
        "echo".into(),
        "-i".into(),
        "127.0.0.1".into(),
        "-p".into(),
        free_port().to_string(),
        "-t".into(),
        transport.into(),
        "-m".into(),
        calls.to_string(),
        "-r".into(),
        "20".into(),
        "-l".into(),
        "20".into(),
        "-d".into(),
        "0".into(),
        "-timeout".into(),
        "90s".into(),
        "-recv_timeout".into(),
        "40000".into(),
    ];
    if let Some(l) = lost {
        a.extend(["-lost".into(), l.to_string()]);
    }
    a.push(format!("127.0.0.1:{uas_port}"));
    a
}

async fn sipp_uac_against_our_uas(
    name: &str,
    scenario: PathBuf,
    transport: &str,
    calls: u32,
    lost: Option<u32>,
) {
    require_sipp();
    let (ep, counts, port) = our_uas().await;
    let args = uac_args(scenario, transport, calls, lost, port);
    let name = name.to_owned();
    let r = tokio::task::spawn_blocking(move || run_sipp(&name, &args, Duration::from_secs(120)))
        .await
        .unwrap();
    let c = std::mem::take(&mut *counts.lock().unwrap());
    let ours = ep.stats().await.unwrap().layer;
    println!(
        "SIPp UAC -> our UAS ({transport}, lost {lost:?}): {} successful, {} failed, SIPp retransmissions {}; our UAS saw {} INVITE, {} ACK, {} BYE, {} retransmitted requests, re-sent {} responses and retransmitted its 2xx {} times",
        r.successful, r.failed, r.retransmissions, c.invites, c.acks, c.byes, ours.retransmissions_received, ours.retransmissions_sent, c.retransmitted_2xx
    );
    assert_eq!(r.exit, Some(0), "{}", r.log);
    assert_eq!((r.successful, r.failed), (calls as u64, 0), "{}", r.log);
    assert!(c.byes >= calls as usize);
    if lost.is_some() {
        assert!(
            r.retransmissions > 0,
            "SIPp retransmitted through the losses"
        );
        assert!(c.retransmitted_2xx > 0, "our UAS retransmitted its 2xx");
        assert!(
            ours.retransmissions_received > 0,
            "SIPp's retransmissions reached our transactions"
        );
    }
    ep.shutdown().await;
}

/// SIPp's `uac-call.xml` (the shared harness scenario) calls our UAS over UDP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sipp_uac_calls_our_uas_over_udp() {
    sipp_uac_against_our_uas(
        "uac-udp",
        shared_scenarios().join("uac-call.xml"),
        "u1",
        50,
        None,
    )
    .await;
}

/// The same over one TCP connection (`-t t1`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sipp_uac_calls_our_uas_over_tcp() {
    sipp_uac_against_our_uas(
        "uac-tcp",
        shared_scenarios().join("uac-call.xml"),
        "t1",
        50,
        None,
    )
    .await;
}

/// SIPp drops 15 % of what it sends and receives: SIPp retransmits its
/// INVITE and BYE, our UAS its 2xx and its BYE responses, and every call
/// completes. SIPp's losses are random and unseeded, so the run is long
/// enough (80 calls) that every kind of retransmission the test asserts
/// on happens at least once except with negligible probability (30 calls
/// at 10 % missed one about once in ten runs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sipp_uac_with_loss_calls_our_uas() {
    sipp_uac_against_our_uas(
        "uac-lost",
        own_scenarios().join("uac-lossy.xml"),
        "u1",
        80,
        Some(15),
    )
    .await;
}

// ------------------------------------------------------------------ our UAC

/// Our UAC's counts.
#[derive(Debug, Default)]
struct UacCounts {
    ok: usize,
    failed: Vec<String>,
    reacked_2xx: usize,
}

/// One call from our UAC: INVITE, the ACK for its 2xx (sent again for
/// every retransmitted 2xx, §13.2.2.4), BYE in the dialog.
async fn call(ep: Endpoint, target: Target, n: usize, counts: Arc<Mutex<UacCounts>>) {
    let local = ep.local_addr(target.transport).unwrap();
    let tp = target.transport.as_str().to_lowercase();
    let ruri = format!("sip:service@{};transport={tp}", target.addr);
    let from = format!("<sip:uac@{local}>;tag=c{n}");
    let call_id = format!("call{n}-{}@uac", std::process::id());
    let invite = Message::request(Method::Invite, Uri::parse(&ruri).unwrap())
        .header("To", &format!("<sip:service@{}>", target.addr))
        .header("From", &from)
        .header("Call-ID", &call_id)
        .header("CSeq", "1 INVITE")
        .header("Contact", &format!("<sip:uac@{local};transport={tp}>"))
        .header("Max-Forwards", "70")
        .body(
            "v=0\r\no=uac 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 41000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n",
            "application/sdp",
        )
        .build()
        .unwrap();
    let mut tx = match ep.send_request(invite, target).await {
        Ok(tx) => tx,
        Err(e) => return counts.lock().unwrap().failed.push(format!("{n}: send {e}")),
    };
    // Wait for the first 2xx.
    let ok = loop {
        match tx.next().await {
            Some(ClientUpdate::Response(r)) if r.status() == Some(200) => break r,
            Some(ClientUpdate::Response(r)) if r.status().is_some_and(|s| s >= 300) => {
                return counts.lock().unwrap().failed.push(format!("{n}: {r:?}"));
            }
            Some(ClientUpdate::Response(_)) => {}
            other => {
                return counts
                    .lock()
                    .unwrap()
                    .failed
                    .push(format!("{n}: {other:?}"))
            }
        }
    };
    let to = ok.typed::<To>().unwrap();
    let remote_target = ok
        .typed::<Contact>()
        .ok()
        .and_then(|c| c.address().map(|a| a.uri().clone()))
        .unwrap_or_else(|| Uri::parse(&ruri).unwrap());
    let in_dialog = |method: Method, cseq: &str| {
        Message::request(method, remote_target.clone())
            .header("To", to.as_str())
            .header("From", &from)
            .header("Call-ID", &call_id)
            .header("CSeq", cseq)
            .header("Max-Forwards", "70")
            .build()
            .unwrap()
    };
    let ack = in_dialog(Method::Ack, "1 ACK");
    ep.send_stateless(ack.clone(), target).await.unwrap();
    // RFC 6026: the Accepted transaction passes each 2xx retransmission up;
    // each gets the same ACK again, in the background while the call goes on.
    let (ep2, counts2) = (ep.clone(), counts.clone());
    tokio::spawn(async move {
        while let Some(u) = tx.next().await {
            if let ClientUpdate::Response(r) = u {
                if r.status() == Some(200) {
                    counts2.lock().unwrap().reacked_2xx += 1;
                    let _ = ep2.send_stateless(ack.clone(), target).await;
                }
            }
        }
    });
    let bye = in_dialog(Method::Bye, "2 BYE");
    let mut btx = ep.send_request(bye, target).await.unwrap();
    match btx.final_response().await {
        Ok(r) if r.status() == Some(200) => counts.lock().unwrap().ok += 1,
        other => counts
            .lock()
            .unwrap()
            .failed
            .push(format!("{n}: BYE {other:?}")),
    }
}

async fn our_uac_against_sipp_uas(
    name: &str,
    scenario: PathBuf,
    transport: Transport,
    calls: usize,
    lost: Option<u32>,
) {
    require_sipp();
    let sipp_port = free_port();
    let mut args: Vec<String> = vec![
        "-sf".into(),
        scenario.display().to_string(),
        "-i".into(),
        "127.0.0.1".into(),
        "-p".into(),
        sipp_port.to_string(),
        "-t".into(),
        if transport == Transport::Tcp {
            "t1"
        } else {
            "u1"
        }
        .into(),
        "-m".into(),
        calls.to_string(),
        "-timeout".into(),
        "90s".into(),
    ];
    if let Some(l) = lost {
        args.extend(["-lost".into(), l.to_string()]);
    }
    let name = name.to_owned();
    let sipp =
        tokio::task::spawn_blocking(move || run_sipp(&name, &args, Duration::from_secs(120)));
    // Give SIPp a moment to bind.
    let target = Target {
        transport,
        addr: format!("127.0.0.1:{sipp_port}").parse().unwrap(),
    };
    let port = free_port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let (ep, _incoming) = Endpoint::builder()
        .udp(addr)
        .tcp(addr)
        .bind()
        .await
        .unwrap();
    wait_for_port(target).await;
    let counts: Arc<Mutex<UacCounts>> = Arc::default();
    let mut set = tokio::task::JoinSet::new();
    for n in 0..calls {
        set.spawn(call(ep.clone(), target, n, counts.clone()));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    while set.join_next().await.is_some() {}
    let r = sipp.await.unwrap();
    let c = std::mem::take(&mut *counts.lock().unwrap());
    let ours = ep.stats().await.unwrap().layer;
    println!(
        "our UAC -> SIPp UAS ({transport}, lost {lost:?}): {} calls ok, {} failed; SIPp: {} successful, {} failed, {} retransmissions; our UAC retransmitted {} requests (Timers A and E) and re-ACKed {} retransmitted 2xx",
        c.ok,
        c.failed.len(),
        r.successful,
        r.failed,
        r.retransmissions,
        ours.retransmissions_sent,
        c.reacked_2xx
    );
    assert!(c.failed.is_empty(), "{:?}\n{}", c.failed, r.log);
    assert_eq!(c.ok, calls);
    assert_eq!(r.exit, Some(0), "{}", r.log);
    assert_eq!((r.successful, r.failed), (calls as u64, 0), "{}", r.log);
    if lost.is_some() {
        assert!(
            r.retransmissions > 0,
            "SIPp retransmitted its 2xx through the losses"
        );
    }
    drop(c);
    ep.shutdown().await;
}

/// Waits until SIPp listens on the target's port, reading the kernel's
/// socket tables (/proc/net/{tcp,udp}{,6}) so the probe never touches the
/// port SIPp is about to bind.
async fn wait_for_port(target: Target) {
    let (files, state) = match target.transport {
        Transport::Tcp => (["/proc/net/tcp", "/proc/net/tcp6"], "0A"), // LISTEN
        Transport::Udp => (["/proc/net/udp", "/proc/net/udp6"], "07"), // unconnected
    };
    let port = format!(":{:04X}", target.addr.port());
    let until = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio::time::Instant::now() < until {
        let bound = files.iter().any(|f| {
            std::fs::read_to_string(f)
                .unwrap_or_default()
                .lines()
                .any(|l| {
                    let cols: Vec<&str> = l.split_whitespace().collect();
                    cols.len() > 3 && cols[1].ends_with(&port) && cols[3] == state
                })
        });
        if bound {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("SIPp did not bind {}", target.addr);
}

/// Our UAC calls SIPp's `uas-call.xml` (the shared harness scenario) over UDP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_uac_calls_sipp_uas_over_udp() {
    our_uac_against_sipp_uas(
        "uas-udp",
        shared_scenarios().join("uas-call.xml"),
        Transport::Udp,
        30,
        None,
    )
    .await;
}

/// The same over TCP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_uac_calls_sipp_uas_over_tcp() {
    our_uac_against_sipp_uas(
        "uas-tcp",
        shared_scenarios().join("uas-call.xml"),
        Transport::Tcp,
        30,
        None,
    )
    .await;
}

/// SIPp as UAS drops 10 % of packets: our INVITE and BYE retransmit
/// (Timers A and E), SIPp retransmits its 2xx (asserted), a retransmitted
/// 2xx that reaches us is ACKed again (counted, not asserted: it needs
/// SIPp to drop our ACK rather than its own 2xx), and every call
/// completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_uac_with_loss_calls_sipp_uas() {
    our_uac_against_sipp_uas(
        "uas-lost",
        own_scenarios().join("uas-lossy.xml"),
        Transport::Udp,
        30,
        Some(10),
    )
    .await;
}
