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

mod common;

use std::time::Duration;

use common::*;

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
