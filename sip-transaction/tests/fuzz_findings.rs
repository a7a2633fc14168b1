//! Findings of the `transaction_inputs` fuzz target (fuzz/README.md), kept
//! as regression tests.

use std::time::{Duration, Instant};

use bytes::Bytes;
use sip_message::{Message, Method, Uri};
use sip_transaction::{
    Event, IdGenerator, LayerConfig, Source, Target, TransactionLayer, Transmit, Transport,
};

const ME: &str = "127.0.0.10:5060";
const PEER: &str = "127.0.0.1:5060";

#[allow(clippy::disallowed_methods)] // a test's arbitrary epoch
fn t0() -> Instant {
    Instant::now()
}

fn layer() -> TransactionLayer {
    let mut l = TransactionLayer::new(LayerConfig::default(), IdGenerator::seeded(1));
    l.add_listener(Transport::Udp, ME.parse().unwrap());
    l
}

fn from_peer() -> Source {
    Source {
        transport: Transport::Udp,
        remote: PEER.parse().unwrap(),
        local: ME.parse().unwrap(),
    }
}

fn drain(l: &mut TransactionLayer) -> (Vec<Transmit>, Vec<Event>) {
    let (mut t, mut e) = (Vec::new(), Vec::new());
    while let Some(x) = l.poll_transmit() {
        t.push(x);
    }
    while let Some(x) = l.poll_event() {
        e.push(x);
    }
    (t, e)
}

/// Runs the clock through every timer; returns the events.
fn run_timers(l: &mut TransactionLayer, mut now: Instant) -> Vec<Event> {
    let mut events = Vec::new();
    for _ in 0..10_000 {
        let Some(t) = l.poll_timeout() else { break };
        now = now.max(t);
        l.handle_timeout(now);
        events.extend(drain(l).1);
    }
    events
}

fn invite() -> Message {
    Message::request(Method::Invite, Uri::parse("sip:bob@127.0.0.1").unwrap())
        .header("To", "<sip:bob@example.com>")
        .header("From", "<sip:alice@example.com>;tag=a1")
        .header("Call-ID", "call-1")
        .header("CSeq", "1 INVITE")
        .header("Max-Forwards", "70")
        .build()
        .unwrap()
}

/// The peer's answer to a request the layer sent.
fn answer(sent: &Transmit, code: u16) -> Bytes {
    let req = Message::parse(sent.payload.clone()).unwrap();
    req.response_to(code, Some("b1"))
        .unwrap()
        .build()
        .unwrap()
        .to_bytes()
}

/// RFC 3261 §9.1: "If there is no final response for the original request
/// in 64*T1 seconds (T1 is defined in Section 17.1.1.1), the client SHOULD
/// then consider the original transaction cancelled and SHOULD destroy the
/// client transaction handling the original request."
///
/// A peer that answers 180 and then nothing (not even to the CANCEL it
/// accepted) must not pin the INVITE client transaction in Proceeding.
#[test]
fn rfc3261_9_1_cancelled_invite_without_final_response_is_destroyed() {
    let now = t0();
    let mut l = layer();
    let inv = l
        .send_request(now, invite(), Target::udp(PEER.parse().unwrap()))
        .unwrap();
    let (t, _) = drain(&mut l);
    l.handle(now, from_peer(), answer(&t[0], 180));
    drain(&mut l);
    l.send_cancel(now, inv).unwrap();
    let (t, _) = drain(&mut l);
    l.handle(now, from_peer(), answer(&t[0], 200)); // the CANCEL's 200; no 487 follows
    drain(&mut l);
    // A later provisional does not stop the wait.
    l.handle(
        now + Duration::from_secs(1),
        from_peer(),
        answer(&t[0], 180),
    );
    let events = run_timers(&mut l, now);
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::TimedOut { id } if *id == inv)));
    assert!(
        !l.contains(inv),
        "the INVITE client transaction is destroyed"
    );
    assert_eq!(l.len(), 0);
}

/// RFC 3261 §17.1.3: a CANCEL's client transaction is identified by its
/// branch (the INVITE's, §9.1) and method; a second `send_cancel` for the
/// same INVITE returns the first CANCEL instead of orphaning it.
#[test]
fn rfc3261_17_1_3_second_cancel_does_not_orphan_the_first() {
    let now = t0();
    let mut l = layer();
    let inv = l
        .send_request(now, invite(), Target::udp(PEER.parse().unwrap()))
        .unwrap();
    let (t, _) = drain(&mut l);
    l.handle(now, from_peer(), answer(&t[0], 180));
    drain(&mut l);
    let first = l.send_cancel(now, inv).unwrap();
    let (t, _) = drain(&mut l);
    assert_eq!(l.send_cancel(now, inv), Ok(first));
    assert!(drain(&mut l).0.is_empty(), "no second CANCEL on the wire");
    l.handle(now, from_peer(), answer(&t[0], 200));
    let (_, ev) = drain(&mut l);
    assert!(ev
        .iter()
        .any(|e| matches!(e, Event::Response { id, .. } if *id == first)));
    let later = run_timers(&mut l, now);
    assert!(
        !later
            .iter()
            .any(|e| matches!(e, Event::TimedOut { id } if *id == first)),
        "an answered CANCEL timed out: {later:?}"
    );
}

/// RFC 3261 §7.3.1 allows a header value folded over lines, and RFC 4475
/// §3.1.1.1 (wsinv) says such a message must be accepted: the server
/// transaction's own 100 Trying and the TU's answer are built from it.
#[test]
fn rfc3261_17_2_1_folded_invite_gets_100_trying() {
    let now = t0();
    let mut l = layer();
    let wire = Bytes::from_static(
        b"INVITE sip:bob@127.0.0.10 SIP/2.0\r\n\
Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKfold\r\n\
Max-Forwards: 70\r\n\
To: <sip:bob@example.com>\r\n\
From: <sip:alice@example.com>\r\n ;tag=a1\r\n\
Call-ID: fold-1\r\n\
CSeq: 1 INVITE\r\n\
Content-Length: 0\r\n\r\n",
    );
    l.handle(now, from_peer(), wire);
    let (_, ev) = drain(&mut l);
    let Some(Event::Request(inc)) = ev.first() else {
        panic!("the folded INVITE is accepted: {ev:?}");
    };
    let request = inc.request.clone();
    l.handle_timeout(now + Duration::from_millis(200));
    let (t, _) = drain(&mut l);
    assert!(
        t.iter().any(|t| t.payload.starts_with(b"SIP/2.0 100 ")),
        "no 100 Trying after 200 ms"
    );
    assert!(request
        .response_to(486, Some("b1"))
        .and_then(|b| b.build())
        .is_ok());
}

/// The same in the stateless path: a request with a folded line that fails
/// `validate` still gets its 400.
#[test]
fn malformed_folded_request_gets_400() {
    let now = t0();
    let mut l = layer();
    let wire = Bytes::from_static(
        b"OPTIONS sip:bob@127.0.0.10?subject=x SIP/2.0\r\n\
Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKfold2\r\n\
Max-Forwards: 70\r\n\
To: <sip:bob@example.com>\r\n\
From: <sip:alice@example.com>\r\n ;tag=a1\r\n\
Call-ID: fold-2\r\n\
CSeq: 1 OPTIONS\r\n\
Content-Length: 0\r\n\r\n",
    );
    l.handle(now, from_peer(), wire);
    let (t, ev) = drain(&mut l);
    assert!(
        matches!(ev.first(), Some(Event::Malformed { .. })),
        "{ev:?}"
    );
    assert!(
        t.iter().any(|t| t.payload.starts_with(b"SIP/2.0 400 ")),
        "no 400 for a malformed request with a folded From"
    );
}
