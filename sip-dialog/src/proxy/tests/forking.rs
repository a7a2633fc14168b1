//! Forking (RFC 3261 §16.6, §16.7): Bob has two devices registered at P2,
//! and Alice uses P2 as her outbound proxy.

use std::time::Duration;

use super::steps::bind;
use super::*;
use crate::ua::CallState;

struct Fork {
    w: World,
    alice: usize,
    bob1: usize,
    bob2: usize,
}

impl Fork {
    /// Both devices registered through the UA core (equal q), or bound
    /// with q 1.0 (BOB) and 0.5 (BOB2) when `q`.
    fn new(seed: u64, cfg: ProxyConfig, q: bool) -> Self {
        let mut w = World::new(seed);
        let alice = w.add_ua(ua(ALICE, "alice", "atlanta.test", Some(P2), seed * 10 + 1));
        let bob1 = w.add_ua(ua(BOB, "bob", "biloxi.test", None, seed * 10 + 2));
        let bob2 = w.add_ua(ua(BOB2, "bob", "biloxi.test", None, seed * 10 + 3));
        let p = w.add_proxy(biloxi_proxy(cfg, false));
        if q {
            let now = w.now();
            bind(
                &mut w.proxies[p],
                now,
                "sip:bob@biloxi.test",
                "sip:bob@127.0.0.2:5060",
                1000,
            );
            bind(
                &mut w.proxies[p],
                now,
                "sip:bob@biloxi.test",
                "sip:bob@127.0.0.3:5060",
                500,
            );
        } else {
            w.register_at_p2(bob1);
            w.register_at_p2(bob2);
        }
        Self {
            w,
            alice,
            bob1,
            bob2,
        }
    }

    fn call(&mut self) -> CallHandle {
        let now = self.w.now();
        let ca = self.w.uas[self.alice]
            .call(now, uri("sip:bob@biloxi.test"), sdp("alice"))
            .unwrap();
        self.w.run_for(Duration::from_millis(200));
        ca
    }
}

fn count(ev: &[UaEvent], f: impl Fn(&UaEvent) -> bool) -> usize {
    ev.iter().filter(|e| f(e)).count()
}

/// RFC 3261 §16.7 step 5 and §13.2.2.4 with a parallel fork: both devices
/// answer 200 at the same moment. The proxy forwards both 2xx ("Any 2xx
/// response to an INVITE request" must be forwarded even after a final
/// response), and the caller's UA core confirms one dialog and sends ACK
/// then BYE on the other ("the UAC core MUST ... generate an ACK ... and
/// then send a BYE").
#[test]
fn rfc3261_16_7_parallel_fork_both_answer_200() {
    let mut f = Fork::new(1, ProxyConfig::default(), false);
    let ca = f.call();
    let (c1, _) = f.w.incoming(f.bob1).expect("fork 1");
    let (c2, _) = f.w.incoming(f.bob2).expect("fork 2");
    let now = f.w.now();
    f.w.uas[f.bob1].answer(now, c1, sdp("bob1")).unwrap();
    f.w.uas[f.bob2].answer(now, c2, sdp("bob2")).unwrap();
    f.w.run_for(Duration::from_secs(1));
    assert_eq!(
        f.w.uas[f.alice].call_state(ca),
        Some(CallState::Established)
    );
    assert_eq!(
        count(&f.w.events[f.alice], |e| matches!(
            e,
            UaEvent::Answered { .. }
        )),
        1
    );
    // Each device got its ACK; the one not chosen then got a BYE.
    let state = |i: usize, c| f.w.uas[i].call_state(c);
    let (kept, dropped) = if state(f.bob1, c1) == Some(CallState::Established) {
        ((f.bob1, c1), (f.bob2, c2))
    } else {
        ((f.bob2, c2), (f.bob1, c1))
    };
    assert_eq!(state(kept.0, kept.1), Some(CallState::Established));
    assert_eq!(state(dropped.0, dropped.1), Some(CallState::Terminated));
    assert_eq!(
        count(&f.w.events[dropped.0], |e| matches!(
            e,
            UaEvent::Confirmed { .. }
        )),
        1
    );
    assert_eq!(
        count(&f.w.events[dropped.0], |e| matches!(
            e,
            UaEvent::Ended { by_peer: true, .. }
        )),
        1
    );
    // The proxy forwarded two 2xx on one server transaction, then the 200
    // to the BYE, which follows the route set through it (§12.1.1).
    assert_eq!(f.w.proxies[0].stats().responses_forwarded, 3);
    f.w.run_for(Duration::from_secs(40));
    assert!(f.w.proxies[0].is_idle());
}

/// RFC 3261 §16.6: "Targets are processed from highest qvalue to lowest."
/// Sequential forking: the q=1.0 device answers 486, then (and only then)
/// the q=0.5 device rings and answers.
#[test]
fn rfc3261_16_6_sequential_forking_by_q() {
    let mut cfg = ProxyConfig::default();
    cfg.forking(Forking::Sequential);
    let mut f = Fork::new(2, cfg, true);
    let ca = f.call();
    let (c1, _) = f.w.incoming(f.bob1).expect("the q=1.0 device first");
    assert!(f.w.incoming(f.bob2).is_none(), "not the q=0.5 one yet");
    let now = f.w.now();
    f.w.uas[f.bob1].reject(now, c1, 486).unwrap();
    f.w.run_for(Duration::from_millis(200));
    let (c2, _) = f.w.incoming(f.bob2).expect("then the q=0.5 device");
    let now = f.w.now();
    f.w.uas[f.bob2].answer(now, c2, sdp("bob2")).unwrap();
    f.w.run_for(Duration::from_millis(200));
    assert_eq!(
        f.w.uas[f.alice].call_state(ca),
        Some(CallState::Established)
    );
    assert_eq!(f.w.failed(f.alice), None, "the 486 was not forwarded");
}

/// Sequential forking with a group that only rings: after
/// `sequential_timeout` it is cancelled and the next group is tried.
#[test]
fn sequential_forking_moves_on_after_the_ring_timeout() {
    let mut cfg = ProxyConfig::default();
    cfg.forking(Forking::Sequential)
        .sequential_timeout(Some(Duration::from_secs(10)));
    let mut f = Fork::new(3, cfg, true);
    let ca = f.call();
    let (c1, _) = f.w.incoming(f.bob1).unwrap();
    let now = f.w.now();
    f.w.uas[f.bob1].ring(now, c1).unwrap();
    f.w.run_for(Duration::from_secs(9));
    assert!(f.w.incoming(f.bob2).is_none());
    f.w.run_for(Duration::from_secs(2));
    assert!(f.w.events[f.bob1]
        .iter()
        .any(|e| matches!(e, UaEvent::Cancelled { .. })));
    let (c2, _) = f.w.incoming(f.bob2).expect("the next group");
    let now = f.w.now();
    f.w.uas[f.bob2].answer(now, c2, None).unwrap();
    f.w.run_for(Duration::from_millis(200));
    assert_eq!(
        f.w.uas[f.alice].call_state(ca),
        Some(CallState::Established)
    );
}

/// RFC 3261 §16.7 step 5: "If a 6xx response is received, it is not
/// immediately forwarded, but the stateful proxy SHOULD cancel all client
/// pending transactions ..., and it MUST NOT create any new branches";
/// once the cancelled branch answers 487, the 6xx goes upstream ("It MUST
/// choose from the 6xx class responses if any exist").
#[test]
fn rfc3261_16_7_6xx_cancels_the_other_branches() {
    let mut f = Fork::new(4, ProxyConfig::default(), false);
    f.call();
    let (c1, _) = f.w.incoming(f.bob1).unwrap();
    let (c2, _) = f.w.incoming(f.bob2).unwrap();
    let now = f.w.now();
    f.w.uas[f.bob1].ring(now, c1).unwrap();
    f.w.run_for(Duration::from_millis(100));
    let now = f.w.now();
    f.w.uas[f.bob2].reject(now, c2, 603).unwrap();
    f.w.run_for(Duration::from_millis(300));
    assert!(f.w.events[f.bob1]
        .iter()
        .any(|e| matches!(e, UaEvent::Cancelled { .. })));
    assert_eq!(f.w.failed(f.alice), Some(603));
}

/// RFC 3261 §16.10 when no branch has answered yet: the CANCEL gets 200
/// and, as nothing downstream can be cancelled before it sends a
/// provisional (§9.1), the INVITE gets 487 from the proxy at once.
#[test]
fn rfc3261_16_10_cancel_before_any_provisional_is_487_at_once() {
    let mut w = World::new(5);
    let p = w.add_proxy(biloxi_proxy(ProxyConfig::default(), false));
    let caller = w.add_raw(ALICE, 51);
    let now = w.now();
    // A device that is gone: nothing answers there.
    bind(
        &mut w.proxies[p],
        now,
        "sip:bob@biloxi.test",
        "sip:bob@127.0.0.9:5060",
        1000,
    );
    let invite = Message::parse(Bytes::from_static(
        b"INVITE sip:bob@biloxi.test SIP/2.0\r\nMax-Forwards: 70\r\n\
          To: <sip:bob@biloxi.test>\r\nFrom: <sip:alice@atlanta.test>;tag=a1\r\n\
          Call-ID: cancel-early\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
    ))
    .unwrap();
    let tx = w.raw[caller]
        .layer
        .send_request(now, invite, Target::udp(addr(P2)))
        .unwrap();
    // The proxy's 100 Trying lets the caller's CANCEL go (§9.1).
    w.run_for(Duration::from_millis(100));
    assert_eq!(w.raw_statuses(caller), [100]);
    let now = w.now();
    w.raw[caller].layer.send_cancel(now, tx).unwrap();
    w.run_for(Duration::from_millis(100));
    let mut got = w.raw_statuses(caller);
    got.sort_unstable();
    assert_eq!(got, [100, 200, 487]);
    assert_eq!(
        w.proxies[p].stats().cancels,
        0,
        "nothing to cancel downstream yet"
    );
}

/// RFC 3261 §16.7 step 5: after a final response "Any 2xx response to an
/// INVITE request" MUST still be forwarded. The callee answers 200 just
/// after the caller's CANCEL made the proxy answer 487: the server
/// transaction refuses a 2xx after a 487, so the 2xx goes upstream
/// statelessly.
#[test]
fn rfc3261_16_7_2xx_after_our_487_still_goes_upstream() {
    let mut w = World::new(6);
    let p = w.add_proxy(biloxi_proxy(ProxyConfig::default(), false));
    let caller = w.add_raw(ALICE, 61);
    let callee = w.add_raw("127.0.0.9:5060", 62);
    let now = w.now();
    bind(
        &mut w.proxies[p],
        now,
        "sip:bob@biloxi.test",
        "sip:bob@127.0.0.9:5060",
        1000,
    );
    let invite = Message::parse(Bytes::from_static(
        b"INVITE sip:bob@biloxi.test SIP/2.0\r\nMax-Forwards: 70\r\n\
          To: <sip:bob@biloxi.test>\r\nFrom: <sip:alice@atlanta.test>;tag=a1\r\n\
          Call-ID: late-200\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1:5060>\r\n\
          Content-Length: 0\r\n\r\n",
    ))
    .unwrap();
    let tx = w.raw[caller]
        .layer
        .send_request(now, invite, Target::udp(addr(P2)))
        .unwrap();
    w.run_for(Duration::from_millis(100));
    let Some(Event::Request(inc)) = w.raw_events[callee].first().cloned() else {
        panic!("the INVITE reached the callee")
    };
    let now = w.now();
    w.raw[caller].layer.send_cancel(now, tx).unwrap();
    w.run_for(Duration::from_millis(100));
    assert!(w.raw_statuses(caller).contains(&487));
    let now = w.now();
    let ok = inc
        .request
        .response_to(200, Some("late"))
        .unwrap()
        .header("Contact", "<sip:bob@127.0.0.9:5060>")
        .build()
        .unwrap();
    w.raw[callee].layer.send_response(now, inc.id, ok).unwrap();
    w.run_for(Duration::from_millis(100));
    assert_eq!(w.proxies[p].stats().stateless, 1);
}
