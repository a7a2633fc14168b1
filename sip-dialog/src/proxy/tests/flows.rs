//! RFC 3665 §3 session flows through the atlanta.test proxy (P1) and the
//! biloxi.test proxy and registrar (P2), both record-routing.

use std::time::Duration;

use sip_message::{HeaderName, MaxForwards, RecordRoute, Via};

use super::*;
use crate::ua::CallState;

/// Alice (outbound proxy P1), Bob registered at P2, both proxies
/// recording what they forward.
struct Trapezoid {
    w: World,
    alice: usize,
    bob: usize,
    p1: Recorder,
    p2: Recorder,
}

impl Trapezoid {
    fn new(seed: u64, p1_auth: bool, password: &str) -> Self {
        let mut w = World::new(seed);
        let mut alice = ua(ALICE, "alice", "atlanta.test", Some(P1), seed * 10 + 1);
        alice.set_credential(alice_credential(password));
        let mut bob = ua(BOB, "bob", "biloxi.test", None, seed * 10 + 2);
        bob.set_credential(Credential::new("bob", "zanzibar"));
        let alice = w.add_ua(alice);
        let bob = w.add_ua(bob);
        let (p1, p2) = (Recorder::default(), Recorder::default());
        let mut proxy1 = atlanta_proxy(p1_auth);
        proxy1.set_hooks(p1.clone());
        let mut proxy2 = biloxi_proxy(ProxyConfig::default(), true);
        proxy2.set_hooks(p2.clone());
        w.add_proxy(proxy1);
        w.add_proxy(proxy2);
        w.register_at_p2(bob);
        Self {
            w,
            alice,
            bob,
            p1,
            p2,
        }
    }

    /// Alice calls Bob's address-of-record; returns her call and, once it
    /// arrived, Bob's.
    fn call(&mut self) -> (CallHandle, CallHandle, Message) {
        let now = self.w.now();
        let ca = self.w.uas[self.alice]
            .call(now, uri("sip:bob@biloxi.test"), sdp("alice"))
            .unwrap();
        self.w.run_for(Duration::from_millis(300));
        let (cb, invite) = self.w.incoming(self.bob).expect("the INVITE reached Bob");
        (ca, cb, invite)
    }
}

/// RFC 3665 §3.2 (successful session with proxy authentication) over the
/// trapezoid of RFC 3261 §16.12.1.1: "P2 gets this. It is responsible for
/// domain.com so it runs a location service and rewrites the
/// Request-URI. It also adds a Record-Route header field value."
///
/// Bob registers with P2 through a 401 challenge; Alice's INVITE gets 407
/// from P1 and goes again with credentials; P1 forwards it to P2 by its
/// static route for biloxi.test, P2 to Bob's binding. Bob's dialog has the
/// route set (P2, P1) and his BYE goes through both proxies.
#[test]
fn rfc3665_3_2_session_through_two_record_routing_proxies() {
    let mut t = Trapezoid::new(1, true, "wonderland");
    let (ca, cb, invite) = t.call();
    // §16.6: R-URI retargeted, Max-Forwards decremented twice, both
    // Record-Route values on top of each other, three Vias.
    assert_eq!(invite.request_uri_str(), Some("sip:bob@127.0.0.2:5060"));
    assert_eq!(invite.typed::<MaxForwards>().unwrap(), MaxForwards(68));
    let rr: Vec<String> = invite
        .typed_all::<RecordRoute>()
        .map(|r| r.unwrap().uri().to_string())
        .collect();
    assert_eq!(rr, ["sip:127.0.0.12:5060;lr", "sip:127.0.0.11:5060;lr"]);
    assert_eq!(invite.typed_all::<Via>().count(), 3);
    assert!(invite.has_header(&HeaderName::ProxyAuthorization));
    // The 407 went back to Alice, who answered it once.
    assert_eq!(t.w.proxies[0].stats().local_responses, 1);

    let now = t.w.now();
    t.w.uas[t.bob].ring(now, cb).unwrap();
    t.w.uas[t.bob].answer(now, cb, sdp("bob")).unwrap();
    t.w.run_for(Duration::from_millis(300));
    assert_eq!(
        t.w.uas[t.alice].call_state(ca),
        Some(CallState::Established)
    );
    assert_eq!(t.w.uas[t.bob].call_state(cb), Some(CallState::Established));
    // 180 and 200 went back through both proxies; no 100 did.
    for rec in [&t.p1, &t.p2] {
        assert_eq!(rec.count("180"), 1, "{:?}", rec.log());
        assert_eq!(rec.count("200"), 1, "{:?}", rec.log());
        assert_eq!(rec.count("100"), 0);
    }
    // §12.1.1: the callee's route set is the Record-Route in order.
    let route: Vec<String> = t.w.uas[t.bob]
        .dialog(cb)
        .unwrap()
        .route_set()
        .iter()
        .map(|r| r.uri().to_string())
        .collect();
    assert_eq!(route, ["sip:127.0.0.12:5060;lr", "sip:127.0.0.11:5060;lr"]);

    let now = t.w.now();
    t.w.uas[t.bob].hangup(now, cb).unwrap();
    t.w.run_for(Duration::from_millis(300));
    assert!(t.w.events[t.alice]
        .iter()
        .any(|e| matches!(e, UaEvent::Ended { by_peer: true, .. })));
    assert_eq!(t.p1.count("BYE"), 1, "{:?}", t.p1.log());
    assert_eq!(t.p2.count("BYE"), 1, "{:?}", t.p2.log());
    // Once the transactions' timers have run out, nothing is left.
    t.w.run_for(Duration::from_secs(40));
    for p in &t.w.proxies {
        assert!(p.is_idle(), "{p:?}");
    }
}

/// The caller's side of §12.1.2: "The route set MUST be set to the list of
/// URIs in the Record-Route header field from the response, taken in
/// reverse order". This needs the callee's UA core to copy Record-Route
/// into its 1xx and 2xx (§12.1.1: "the UAS MUST copy all Record-Route
/// header field values from the request into the response"); the proxies'
/// part is checked above.
#[test]
fn rfc3261_16_12_1_1_caller_route_set_and_bye_through_both_proxies() {
    let mut t = Trapezoid::new(2, false, "wonderland");
    let (ca, cb, _) = t.call();
    let now = t.w.now();
    t.w.uas[t.bob].answer(now, cb, sdp("bob")).unwrap();
    t.w.run_for(Duration::from_millis(300));
    let route: Vec<String> = t.w.uas[t.alice]
        .dialog(ca)
        .unwrap()
        .route_set()
        .iter()
        .map(|r| r.uri().to_string())
        .collect();
    assert_eq!(route, ["sip:127.0.0.11:5060;lr", "sip:127.0.0.12:5060;lr"]);
    let now = t.w.now();
    t.w.uas[t.alice].hangup(now, ca).unwrap();
    t.w.run_for(Duration::from_millis(300));
    assert_eq!(t.p1.count("ACK"), 1);
    assert_eq!(t.p2.count("ACK"), 1);
    assert_eq!(t.p1.count("BYE"), 1);
    assert_eq!(t.p2.count("BYE"), 1);
}

/// RFC 3665 §3.4 (unsuccessful, busy) through two proxies: the 486 is
/// forwarded hop by hop, each hop acknowledging it (§17.1.1.3), and the
/// proxies forget the call once the transactions end.
#[test]
fn rfc3665_3_4_busy_through_two_proxies() {
    let mut t = Trapezoid::new(3, false, "wonderland");
    let (ca, cb, _) = t.call();
    let now = t.w.now();
    t.w.uas[t.bob].reject(now, cb, 486).unwrap();
    t.w.run_for(Duration::from_millis(300));
    assert_eq!(t.w.failed(t.alice), Some(486));
    assert_eq!(t.w.uas[t.alice].call_state(ca), Some(CallState::Terminated));
    assert_eq!(t.p1.count("486"), 1);
    assert_eq!(t.p2.count("486"), 1);
    t.w.run_for(Duration::from_secs(40));
    for p in &t.w.proxies {
        assert!(p.is_idle(), "{p:?}");
    }
}

/// RFC 3665 §3.8 (unsuccessful no answer) and RFC 3261 §16.10: the
/// caller's CANCEL is answered 200 by each proxy, which cancels its own
/// branch; the callee's 487 comes back to the caller.
#[test]
fn rfc3665_3_8_no_answer_cancel_through_two_proxies() {
    let mut t = Trapezoid::new(4, false, "wonderland");
    let (ca, cb, _) = t.call();
    let now = t.w.now();
    t.w.uas[t.bob].ring(now, cb).unwrap();
    t.w.run_for(Duration::from_secs(5));
    let now = t.w.now();
    t.w.uas[t.alice].hangup(now, ca).unwrap();
    t.w.run_for(Duration::from_secs(1));
    assert!(t.w.events[t.bob]
        .iter()
        .any(|e| matches!(e, UaEvent::Cancelled { .. })));
    assert_eq!(t.w.failed(t.alice), Some(487));
    for p in &t.w.proxies {
        assert_eq!(p.stats().cancels, 1, "{p:?}");
    }
    assert_eq!(t.p1.count("487"), 1);
    t.w.run_for(Duration::from_secs(40));
    for p in &t.w.proxies {
        assert!(p.is_idle(), "{p:?}");
    }
}

/// RFC 3665 §3.3 (unsuccessful with wrong credentials): the INVITE is
/// challenged with 407, the retry with a wrong password is refused with
/// 403, and the UA does not try again (§22.1: "A UAC MUST NOT re-attempt
/// requests with the credentials that have just been rejected").
#[test]
fn rfc3665_3_3_wrong_password_at_the_proxy_is_403() {
    let mut t = Trapezoid::new(5, true, "not-the-password");
    let now = t.w.now();
    t.w.uas[t.alice]
        .call(now, uri("sip:bob@biloxi.test"), None)
        .unwrap();
    t.w.run_for(Duration::from_secs(2));
    assert_eq!(t.w.failed(t.alice), Some(403));
    assert!(t.w.incoming(t.bob).is_none());
    // One 407 and one 403, nothing forwarded.
    assert_eq!(t.w.proxies[0].stats().local_responses, 2);
    assert_eq!(t.w.proxies[0].stats().branches, 0);
}

/// RFC 3261 §16.8: "If the client transaction has received a provisional
/// response, the proxy MUST generate a CANCEL request matching that
/// transaction." The callee rings past Timer C: P2 cancels it and the
/// caller gets 408.
#[test]
fn rfc3261_16_8_timer_c_cancels_a_ringing_branch() {
    let mut w = World::new(6);
    let alice = w.add_ua(ua(ALICE, "alice", "atlanta.test", Some(P2), 61));
    let bob = w.add_ua(ua(BOB, "bob", "biloxi.test", None, 62));
    let mut cfg = ProxyConfig::default();
    cfg.timer_c(Duration::from_secs(5));
    w.add_proxy(biloxi_proxy(cfg, false));
    w.register_at_p2(bob);
    let now = w.now();
    w.uas[alice]
        .call(now, uri("sip:bob@biloxi.test"), None)
        .unwrap();
    w.run_for(Duration::from_millis(200));
    let (cb, _) = w.incoming(bob).unwrap();
    let now = w.now();
    w.uas[bob].ring(now, cb).unwrap();
    // A 180 at 4 s resets Timer C (§16.7 step 2): nothing happens at 5 s.
    w.run_for(Duration::from_secs(4));
    let now = w.now();
    w.uas[bob].ring(now, cb).unwrap_or(());
    w.run_for(Duration::from_secs(3));
    assert_eq!(w.failed(alice), None, "Timer C was reset by the 180");
    w.run_for(Duration::from_secs(3));
    assert!(w.events[bob]
        .iter()
        .any(|e| matches!(e, UaEvent::Cancelled { .. })));
    assert_eq!(w.failed(alice), Some(408));
    assert_eq!(w.proxies[0].stats().cancels, 1);
}

/// RFC 3261 §16.8: "If the client transaction has not received a
/// provisional response, the proxy MUST behave as if the transaction
/// received a 408 (Request Timeout) response." A binding whose device is
/// gone never answers; with Timer C shorter than Timer B the caller gets
/// 408 at Timer C.
#[test]
fn rfc3261_16_8_timer_c_without_provisional_is_408() {
    let mut w = World::new(7);
    let alice = w.add_ua(ua(ALICE, "alice", "atlanta.test", Some(P2), 71));
    let mut cfg = ProxyConfig::default();
    cfg.timer_c(Duration::from_secs(5));
    let p = w.add_proxy(biloxi_proxy(cfg, false));
    let now = w.now();
    steps::bind(
        &mut w.proxies[p],
        now,
        "sip:bob@biloxi.test",
        "sip:bob@127.0.0.9:5060",
        1000,
    );
    w.uas[alice]
        .call(now, uri("sip:bob@biloxi.test"), None)
        .unwrap();
    w.run_for(Duration::from_secs(4));
    assert_eq!(w.failed(alice), None);
    w.run_for(Duration::from_secs(2));
    assert_eq!(w.failed(alice), Some(408));
    assert_eq!(w.proxies[p].stats().cancels, 0, "nothing to cancel yet");
}

/// RFC 3261 §16.3 step 3: "If the request contains a Max-Forwards header
/// field with a field value of zero (0), the element MUST NOT forward the
/// request. If the request was for OPTIONS, the element MAY act as the
/// final recipient and respond per Section 11. Otherwise, the element MUST
/// return a 483 (Too many hops) response."
#[test]
fn rfc3261_16_3_max_forwards_zero_is_483() {
    let mut w = World::new(8);
    let p = w.add_proxy(biloxi_proxy(ProxyConfig::default(), false));
    let raw = w.add_raw("127.0.0.7:5060", 81);
    for (method, mf) in [("INVITE", 0), ("OPTIONS", 0), ("MESSAGE", 1)] {
        let text = format!(
            "{method} sip:carol@127.0.0.8:5060 SIP/2.0\r\n$via\r\nMax-Forwards: {mf}\r\n\
             To: <sip:carol@biloxi.test>\r\nFrom: <sip:raw@biloxi.test>;tag=r1\r\n\
             Call-ID: mf-{method}\r\nCSeq: 1 {method}\r\nContent-Length: 0\r\n\r\n"
        );
        w.send_raw(raw, P2, &text);
    }
    w.run_for(Duration::from_millis(200));
    let mut got = w.raw_statuses(raw);
    got.sort_unstable();
    // The MESSAGE with Max-Forwards 1 was forwarded (to nobody): no answer yet.
    assert_eq!(got, [200, 483]);
    assert_eq!(w.proxies[p].stats().branches, 1);
}

/// RFC 3261 §16.3 step 4: a proxy whose static route for a domain points
/// at itself: the request comes back with our Via and unchanged routing
/// fields, "the request has looped", and "the element MAY return a 482
/// (Loop Detected) response". The 482 travels back to the caller.
#[test]
fn rfc3261_16_3_request_routed_to_itself_is_482() {
    let mut w = World::new(9);
    let alice = w.add_ua(ua(ALICE, "alice", "atlanta.test", Some(P1), 91));
    let mut cfg = ProxyConfig::default();
    cfg.record_route(true)
        .add_route("biloxi.test", Target::udp(addr(P1)));
    let p = w.add_proxy(Proxy::new(cfg, layer(P1, 92), MemoryLocation::new()));
    let now = w.now();
    w.uas[alice]
        .call(now, uri("sip:bob@biloxi.test"), None)
        .unwrap();
    w.run_for(Duration::from_secs(1));
    assert_eq!(w.failed(alice), Some(482));
    assert_eq!(w.proxies[p].stats().loops, 1);
    w.run_for(Duration::from_secs(40));
    assert!(w.proxies[p].is_idle());
}

/// RFC 3261 §16.3 step 4 across two proxies that route a domain to each
/// other: P1 sees the request again with its own Via, and the same
/// Request-URI, tags, Call-ID and CSeq: a loop, 482.
#[test]
fn rfc3261_16_3_two_proxies_routing_to_each_other_is_482() {
    let mut w = World::new(10);
    let alice = w.add_ua(ua(ALICE, "alice", "atlanta.test", Some(P1), 101));
    let mut c1 = ProxyConfig::default();
    c1.add_route("chicago.test", Target::udp(addr(P2)));
    let mut c2 = ProxyConfig::default();
    c2.add_route("chicago.test", Target::udp(addr(P1)));
    w.add_proxy(Proxy::new(c1, layer(P1, 102), MemoryLocation::new()));
    w.add_proxy(Proxy::new(c2, layer(P2, 103), MemoryLocation::new()));
    let now = w.now();
    w.uas[alice]
        .call(now, uri("sip:carol@chicago.test"), None)
        .unwrap();
    w.run_for(Duration::from_secs(1));
    assert_eq!(w.failed(alice), Some(482));
    assert_eq!(w.proxies[0].stats().loops, 1);
    assert_eq!(w.proxies[1].stats().loops, 0);
}

/// RFC 3261 §16.3 step 1: "The request MUST be well-formed enough to be
/// handled with a server transaction." A request without Call-ID is
/// refused with 400 by the transaction layer, bytes that are not SIP are
/// dropped, and the proxy goes on serving: a call right after goes
/// through.
#[test]
fn rfc3261_16_3_malformed_request_is_400_and_the_proxy_keeps_serving() {
    let mut w = World::new(11);
    let alice = w.add_ua(ua(ALICE, "alice", "atlanta.test", Some(P2), 111));
    let bob = w.add_ua(ua(BOB, "bob", "biloxi.test", None, 112));
    w.add_proxy(biloxi_proxy(ProxyConfig::default(), false));
    let raw = w.add_raw("127.0.0.7:5060", 113);
    w.register_at_p2(bob);
    w.send_raw(
        raw,
        P2,
        "INVITE sip:bob@biloxi.test SIP/2.0\r\n$via\r\nMax-Forwards: 70\r\n\
         To: <sip:bob@biloxi.test>\r\nFrom: <sip:raw@biloxi.test>;tag=r1\r\n\
         CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
    );
    let from = addr("127.0.0.7:5060");
    w.net.send(
        from,
        sip_transaction::Transmit {
            target: Target::udp(addr(P2)),
            local: None,
            payload: Bytes::from_static(b"\x00\x01 not SIP at all\r\n\r\n"),
        },
    );
    w.run_for(Duration::from_millis(200));
    assert_eq!(w.raw_statuses(raw), [400]);
    let now = w.now();
    let ca = w.uas[alice]
        .call(now, uri("sip:bob@biloxi.test"), None)
        .unwrap();
    w.run_for(Duration::from_millis(200));
    let (cb, _) = w.incoming(bob).unwrap();
    let now = w.now();
    w.uas[bob].answer(now, cb, None).unwrap();
    w.run_for(Duration::from_millis(200));
    assert_eq!(w.uas[alice].call_state(ca), Some(CallState::Established));
}

/// The whole trapezoid over links losing 15 % of datagrams (and
/// duplicating and reordering some): the proxies' transactions absorb and
/// repeat what is lost, every 2xx retransmission of the callee is forwarded
/// (§16.7 step 5), and the call is set up and torn down.
///
/// Why 15 % here and 30 % for a direct call: the 2xx and its ACK are
/// end to end (§13.3.1.4, §16.7), so with the callee's ACK routed through
/// both proxies one round of "2xx retransmission reaches the caller, ACK
/// reaches the callee" crosses six lossy hops. At 30 % per hop a round
/// succeeds 12 % of the time and the callee's 64*T1 of retransmissions
/// fail about one call in four, by the RFC's design; at 15 % a round
/// succeeds 38 % of the time and a failure is below 1 %.
#[test]
fn session_through_two_proxies_survives_fifteen_percent_loss() {
    let mut lost = 0;
    for seed in 20..26 {
        let mut w = World::new(seed);
        w.net = Network::new(seed, w.now(), LinkConfig::lossy(0.15));
        let alice = w.add_ua(ua(ALICE, "alice", "atlanta.test", Some(P1), seed * 10 + 1));
        let bob = w.add_ua(ua(BOB, "bob", "biloxi.test", None, seed * 10 + 2));
        w.add_proxy(atlanta_proxy(false));
        let p2 = w.add_proxy(biloxi_proxy(ProxyConfig::default(), false));
        let now = w.now();
        steps::bind(
            &mut w.proxies[p2],
            now,
            "sip:bob@biloxi.test",
            "sip:bob@127.0.0.2:5060",
            1000,
        );
        let ca = w.uas[alice]
            .call(now, uri("sip:bob@biloxi.test"), sdp("alice"))
            .unwrap();
        w.run_for(Duration::from_secs(10));
        let (cb, _) = w.incoming(bob).unwrap_or_else(|| panic!("seed {seed}"));
        let now = w.now();
        w.uas[bob].answer(now, cb, sdp("bob")).unwrap();
        w.run_for(Duration::from_secs(32));
        assert_eq!(
            w.uas[alice].call_state(ca),
            Some(CallState::Established),
            "seed {seed}"
        );
        assert_eq!(
            w.uas[bob].call_state(cb),
            Some(CallState::Established),
            "seed {seed}"
        );
        let now = w.now();
        w.uas[bob].hangup(now, cb).unwrap();
        w.run_for(Duration::from_secs(40));
        assert_eq!(
            w.uas[alice].call_state(ca),
            Some(CallState::Terminated),
            "seed {seed}"
        );
        w.run_for(Duration::from_secs(40));
        for p in &w.proxies {
            assert!(p.is_idle(), "seed {seed}: {p:?}");
        }
        lost += w.net.stats().lost;
    }
    assert!(lost > 10, "only {lost} datagrams lost");
}
