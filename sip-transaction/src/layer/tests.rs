//! Matching, routing and transport rules of the transaction layer.

use std::time::{Duration, Instant};

use bytes::Bytes;
use sip_message::{CSeq, HeaderName, Message, Method, Via};

use super::*;
use crate::error::SendError;

#[allow(clippy::disallowed_methods)]
fn t0() -> Instant {
    Instant::now()
}

const UAC: &str = "192.0.2.1:5060";
const UAS: &str = "192.0.2.2:5060";

fn layer(local: &str) -> TransactionLayer {
    let mut l = TransactionLayer::new(LayerConfig::default(), IdGenerator::seeded(9));
    l.add_listener(Transport::Udp, local.parse().unwrap());
    l.add_listener(Transport::Tcp, local.parse().unwrap());
    l
}

fn udp_from(remote: &str) -> Source {
    Source {
        transport: Transport::Udp,
        remote: remote.parse().unwrap(),
        local: UAS.parse().unwrap(),
    }
}

fn req(method: &str, extra: &str) -> Message {
    Message::parse(Bytes::from(format!(
        "{method} sip:bob@192.0.2.2 SIP/2.0\r\nTo: <sip:bob@example.com>\r\nFrom: <sip:alice@example.com>;tag=88\r\nCall-ID: call-1\r\nCSeq: 7 {method}\r\nMax-Forwards: 70\r\n{extra}Content-Length: 0\r\n\r\n"
    )))
    .unwrap()
}

fn wire(method: &str, via: &str, extra: &str) -> Bytes {
    Bytes::from(format!(
        "{method} sip:bob@192.0.2.2 SIP/2.0\r\nVia: {via}\r\nTo: <sip:bob@example.com>{extra}\r\nFrom: <sip:alice@example.com>;tag=88\r\nCall-ID: call-1\r\nCSeq: 7 {}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
        if method == "ACK" { "ACK" } else { method }
    ))
}

fn response_to(request: &Message, code: u16, tag: Option<&str>) -> Message {
    request.response_to(code, tag).unwrap().build().unwrap()
}

fn drain(l: &mut TransactionLayer) -> (Vec<Transmit>, Vec<Event>) {
    let mut t = Vec::new();
    let mut e = Vec::new();
    while let Some(x) = l.poll_transmit() {
        t.push(x);
    }
    while let Some(x) = l.poll_event() {
        e.push(x);
    }
    (t, e)
}

fn sent_message(t: &Transmit) -> Message {
    Message::parse(t.payload.clone()).unwrap()
}

fn new_request(events: &[Event]) -> &IncomingRequest {
    events
        .iter()
        .find_map(|e| match e {
            Event::Request(i) => Some(i),
            _ => None,
        })
        .expect("a new server transaction")
}

/// RFC 3261 §8.1.1.7 and RFC 3581 §3: the UAC's Via carries its sent-by,
/// a branch starting with the magic cookie, and an empty rport.
#[test]
fn rfc3261_8_1_1_7_client_via_has_sent_by_branch_and_rport() {
    let now = t0();
    let mut l = layer(UAC);
    l.send_request(now, req("OPTIONS", ""), Target::udp(UAS.parse().unwrap()))
        .unwrap();
    let (t, _) = drain(&mut l);
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].target, Target::udp(UAS.parse().unwrap()));
    assert_eq!(t[0].local, Some(UAC.parse().unwrap()));
    let via = sent_message(&t[0]).typed::<Via>().unwrap();
    assert_eq!(via.transport(), "UDP");
    assert_eq!((via.host(), via.port()), ("192.0.2.1", Some(5060)));
    assert!(via.is_rfc3261_branch());
    assert_eq!(via.rport(), Some(None));
}

/// RFC 3261 §17.1.3: a response matches a client transaction when "the
/// response has the same value of the branch parameter in the top Via
/// header field as the branch parameter in the top Via header field of the
/// request that created the transaction" and "the method parameter in the
/// CSeq header field matches the method of the request".
#[test]
fn rfc3261_17_1_3_responses_match_by_branch_and_cseq_method() {
    let now = t0();
    let mut l = layer(UAC);
    let id = l
        .send_request(now, req("OPTIONS", ""), Target::udp(UAS.parse().unwrap()))
        .unwrap();
    let (t, _) = drain(&mut l);
    let sent = sent_message(&t[0]);
    let ok = response_to(&sent, 200, Some("b1"));
    l.handle(now, udp_from(UAS), ok.to_bytes());
    let (_, ev) = drain(&mut l);
    assert!(
        matches!(&ev[0], Event::Response { id: got, response } if *got == id && response.status() == Some(200))
    );

    // Same branch, other CSeq method: no match, so it goes up as stray.
    let other = String::from_utf8(ok.to_bytes().to_vec())
        .unwrap()
        .replace("7 OPTIONS", "7 INFO");
    l.handle(now, udp_from(UAS), Bytes::from(other));
    let (_, ev) = drain(&mut l);
    assert!(matches!(&ev[0], Event::StrayResponse { .. }));
}

/// RFC 3261 §17.2.3: a request with the same branch, sent-by and method is
/// a retransmission: it goes to the existing transaction, not to the TU.
#[test]
fn rfc3261_17_2_3_retransmission_matches_the_server_transaction() {
    let now = t0();
    let mut l = layer(UAS);
    let via = "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKretr";
    l.handle(now, udp_from(UAC), wire("OPTIONS", via, ""));
    let (_, ev) = drain(&mut l);
    let inc = new_request(&ev).clone();
    l.send_response(now, inc.id, response_to(&inc.request, 200, Some("x")))
        .unwrap();
    let (t, _) = drain(&mut l);
    assert_eq!(t.len(), 1);
    // The retransmission gets the final response again and makes no event.
    l.handle(
        now + Duration::from_millis(500),
        udp_from(UAC),
        wire("OPTIONS", via, ""),
    );
    let (t2, ev2) = drain(&mut l);
    assert!(ev2.is_empty(), "{ev2:?}");
    assert_eq!(t2.len(), 1);
    assert_eq!(t2[0].payload, t[0].payload);
    assert_eq!(l.len(), 1);
}

/// RFC 3261 §17.2.3: the sent-by is part of the key, "since a different
/// client could have used the same branch".
#[test]
fn rfc3261_17_2_3_same_branch_other_sent_by_is_another_transaction() {
    let now = t0();
    let mut l = layer(UAS);
    l.handle(
        now,
        udp_from(UAC),
        wire(
            "OPTIONS",
            "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKsame",
            "",
        ),
    );
    l.handle(
        now,
        udp_from("192.0.2.9:5060"),
        wire(
            "OPTIONS",
            "SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKsame",
            "",
        ),
    );
    let (_, ev) = drain(&mut l);
    assert_eq!(
        ev.iter().filter(|e| matches!(e, Event::Request(_))).count(),
        2
    );
    assert_eq!(l.len(), 2);
}

/// RFC 3261 §17.2.3: an ACK for a non-2xx matches the INVITE server
/// transaction ("the method of the request that created the transaction is
/// INVITE") and is absorbed; an ACK for a 2xx has its own branch, matches
/// nothing, and goes to the TU.
#[test]
fn rfc3261_17_2_3_ack_matches_invite_and_2xx_ack_goes_up() {
    let now = t0();
    let mut l = layer(UAS);
    let via = "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKinv1";
    l.handle(now, udp_from(UAC), wire("INVITE", via, ""));
    let (_, ev) = drain(&mut l);
    let inc = new_request(&ev).clone();
    l.send_response(now, inc.id, response_to(&inc.request, 486, Some("u1")))
        .unwrap();
    drain(&mut l);
    l.handle(now, udp_from(UAC), wire("ACK", via, ";tag=u1"));
    let (t, ev) = drain(&mut l);
    assert!(t.is_empty() && ev.is_empty(), "{t:?} {ev:?}");

    let via2 = "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKack2";
    l.handle(now, udp_from(UAC), wire("ACK", via2, ";tag=u1"));
    let (_, ev) = drain(&mut l);
    assert!(matches!(&ev[0], Event::Ack { id: None, .. }));
}

/// RFC 6026 §8.7: an ACK that matches an INVITE server transaction in the
/// Accepted state is "passed up to the TU".
#[test]
fn rfc6026_8_7_ack_in_accepted_goes_up_with_the_transaction() {
    let now = t0();
    let mut l = layer(UAS);
    let via = "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKacc";
    l.handle(now, udp_from(UAC), wire("INVITE", via, ""));
    let (_, ev) = drain(&mut l);
    let inc = new_request(&ev).clone();
    l.send_response(now, inc.id, response_to(&inc.request, 200, Some("u1")))
        .unwrap();
    drain(&mut l);
    l.handle(now, udp_from(UAC), wire("ACK", via, ";tag=u1"));
    let (_, ev) = drain(&mut l);
    assert!(matches!(&ev[0], Event::Ack { id: Some(id), .. } if *id == inc.id));
}

/// RFC 3261 §9.2: a CANCEL is a transaction of its own, and the server
/// finds the INVITE it cancels with "the same matching procedures ... with
/// the method of the request ... INVITE".
#[test]
fn rfc3261_9_2_cancel_finds_the_invite() {
    let now = t0();
    let mut l = layer(UAS);
    let via = "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKcan";
    l.handle(now, udp_from(UAC), wire("INVITE", via, ""));
    let (_, ev) = drain(&mut l);
    let invite = new_request(&ev).id;
    l.handle(now, udp_from(UAC), wire("CANCEL", via, ""));
    let (_, ev) = drain(&mut l);
    let cancel = new_request(&ev);
    assert_ne!(cancel.id, invite);
    assert_eq!(cancel.cancels, Some(invite));
    // A CANCEL for an unknown INVITE: cancels = None, so the TU answers 481.
    l.handle(
        now,
        udp_from(UAC),
        wire(
            "CANCEL",
            "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKnone",
            "",
        ),
    );
    let (_, ev) = drain(&mut l);
    assert_eq!(new_request(&ev).cancels, None);
}

/// RFC 3261 §9.1: "the CANCEL request MUST NOT be sent" before a
/// provisional response; once sent, its Request-URI, Call-ID, To, From and
/// CSeq number equal the INVITE's and its single Via equals the INVITE's
/// top Via.
#[test]
fn rfc3261_9_1_cancel_waits_for_a_provisional_and_copies_the_invite() {
    let now = t0();
    let mut l = layer(UAC);
    let inv = req("INVITE", "Route: <sip:proxy.example;lr>\r\n");
    let id = l
        .send_request(now, inv, Target::udp(UAS.parse().unwrap()))
        .unwrap();
    assert_eq!(l.send_cancel(now, id), Err(SendError::NotCancellable));
    let (t, _) = drain(&mut l);
    let sent = sent_message(&t[0]);
    l.handle(
        now,
        udp_from(UAS),
        response_to(&sent, 180, Some("r")).to_bytes(),
    );
    drain(&mut l);
    let cid = l.send_cancel(now, id).unwrap();
    assert_ne!(cid, id);
    let (t, _) = drain(&mut l);
    let cancel = sent_message(&t[0]);
    assert_eq!(cancel.method(), Some(&Method::Cancel));
    assert_eq!(cancel.request_uri_str(), sent.request_uri_str());
    assert_eq!(cancel.header_values(&HeaderName::Via).count(), 1);
    assert_eq!(
        cancel.header(&HeaderName::Via),
        sent.header(&HeaderName::Via)
    );
    assert_eq!(cancel.header(&HeaderName::To), sent.header(&HeaderName::To));
    assert_eq!(
        cancel.header(&HeaderName::From),
        sent.header(&HeaderName::From)
    );
    assert_eq!(
        cancel.header(&HeaderName::CallId),
        sent.header(&HeaderName::CallId)
    );
    assert_eq!(
        cancel.header(&HeaderName::Route),
        sent.header(&HeaderName::Route)
    );
    assert_eq!(
        cancel.typed::<CSeq>().unwrap(),
        CSeq::new(7, Method::Cancel)
    );
    // Its 200 matches the CANCEL transaction, not the INVITE (CSeq method).
    l.handle(
        now,
        udp_from(UAS),
        response_to(&cancel, 200, Some("r")).to_bytes(),
    );
    let (_, ev) = drain(&mut l);
    assert!(matches!(&ev[0], Event::Response { id, .. } if *id == cid));
}

/// RFC 3261 §17.2.3: requests whose branch lacks the magic cookie are
/// matched the RFC 2543 way, and the ACK's To tag must equal the tag of the
/// response.
#[test]
fn rfc3261_17_2_3_rfc2543_fallback_matching() {
    let now = t0();
    let mut l = layer(UAS);
    let via = "SIP/2.0/UDP 192.0.2.1:5060;branch=old2543";
    l.handle(now, udp_from(UAC), wire("INVITE", via, ""));
    let (_, ev) = drain(&mut l);
    let inc = new_request(&ev).clone();
    // The retransmission matches.
    l.handle(now, udp_from(UAC), wire("INVITE", via, ""));
    let (_, ev) = drain(&mut l);
    assert!(ev.is_empty());
    l.send_response(now, inc.id, response_to(&inc.request, 404, Some("t404")))
        .unwrap();
    drain(&mut l);
    // An ACK with another To tag is not this transaction's.
    l.handle(now, udp_from(UAC), wire("ACK", via, ";tag=other"));
    let (_, ev) = drain(&mut l);
    assert!(matches!(&ev[0], Event::Ack { id: None, .. }));
    // The right one is absorbed: Timer G stops (no more 404s).
    l.handle(now, udp_from(UAC), wire("ACK", via, ";tag=t404"));
    let (_, ev) = drain(&mut l);
    assert!(ev.is_empty());
    l.handle_timeout(now + Duration::from_secs(4));
    let (t, _) = drain(&mut l);
    assert!(t.is_empty(), "no 404 retransmission after the ACK");
}

/// RFC 3261 §18.1.1: "If a request is ... larger than 1300 bytes and the
/// path MTU is unknown, the request MUST be sent using ... TCP. If this
/// causes a change in the transport protocol from the one indicated in the
/// top Via, the value in the top Via MUST be changed."
#[test]
fn rfc3261_18_1_1_large_requests_go_over_tcp() {
    let now = t0();
    let mut l = layer(UAC);
    let big = format!("X-Pad: {}\r\n", "a".repeat(1400));
    l.send_request(now, req("MESSAGE", &big), Target::udp(UAS.parse().unwrap()))
        .unwrap();
    let (t, _) = drain(&mut l);
    assert_eq!(t[0].target, Target::tcp(UAS.parse().unwrap()));
    let m = sent_message(&t[0]);
    assert_eq!(m.typed::<Via>().unwrap().transport(), "TCP");
    assert_eq!(m.header_values(&HeaderName::Via).count(), 1);
    // Reliable: no Timer E retransmission.
    l.handle_timeout(now + Duration::from_secs(2));
    assert!(l.poll_transmit().is_none());
    // A small one stays on UDP.
    l.send_request(now, req("MESSAGE", ""), Target::udp(UAS.parse().unwrap()))
        .unwrap();
    assert_eq!(l.poll_transmit().unwrap().target.transport, Transport::Udp);
}

/// RFC 3261 §18.2.2 with RFC 3581 §4: the response to a request from behind
/// a NAT goes to the source address and port, and the request the TU sees
/// carries `received` and `rport`.
#[test]
fn rfc3581_4_responses_go_to_received_and_rport() {
    let now = t0();
    let mut l = layer(UAS);
    let via = "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKnat;rport";
    l.handle(now, udp_from("203.0.113.7:61000"), wire("OPTIONS", via, ""));
    let (_, ev) = drain(&mut l);
    let inc = new_request(&ev).clone();
    let top = inc.request.typed::<Via>().unwrap();
    assert_eq!(top.received(), Some("203.0.113.7"));
    assert_eq!(top.rport(), Some(Some(61000)));
    l.send_response(now, inc.id, response_to(&inc.request, 200, Some("n")))
        .unwrap();
    let (t, _) = drain(&mut l);
    assert_eq!(
        t[0].target,
        Target::udp("203.0.113.7:61000".parse().unwrap())
    );
    assert_eq!(t[0].local, Some(UAS.parse().unwrap()));
}

/// RFC 3261 §18.3: "If the transport packet ends before the end of the
/// message body, this is considered an error. If the message is a
/// response, it MUST be discarded. If the message is a request, the
/// element SHOULD generate a 400 (Bad Request) response." The same for a
/// Content-Length that is not a number: the message does not parse, but
/// its request line, Via, From, To, Call-ID and CSeq do, so it is
/// answered 400 with the parser's error, from the request's own headers.
/// An ACK and a response in that state are dropped.
#[test]
fn rfc3261_18_3_request_shorter_than_its_content_length_gets_400() {
    let now = t0();
    let mut l = layer(UAS);
    let head = "MESSAGE sip:bob@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKshort;rport\r\nMax-Forwards: 70\r\nTo: <sip:bob@example.com>\r\nFrom: <sip:a@example.com>;tag=1\r\nCall-ID: short@x\r\nCSeq: 7 MESSAGE\r\nContent-Type: text/plain\r\n";
    for cl in [
        "Content-Length: 500\r\n\r\nhello",
        "Content-Length: abc\r\n\r\n",
    ] {
        l.handle(now, udp_from(UAC), Bytes::from(format!("{head}{cl}")));
        let (t, ev) = drain(&mut l);
        assert!(matches!(&ev[..], [Event::Malformed { .. }]), "{ev:?}");
        assert_eq!(t.len(), 1, "{cl}");
        let resp = sent_message(&t[0]);
        assert_eq!(resp.status(), Some(400));
        assert_eq!(resp.call_id(), Some("short@x"));
        assert_eq!(resp.typed::<CSeq>().unwrap().seq, 7);
        assert!(resp.header(&HeaderName::Warning).is_some(), "{resp:?}");
        // §18.2.2 with RFC 3581: back to the source address and port.
        assert_eq!(t[0].target, Target::udp(UAC.parse().unwrap()));
        let via = resp.typed::<Via>().unwrap();
        assert!(via.params().get("received").is_some(), "{resp:?}");
    }
    let ack = head.replace("MESSAGE", "ACK");
    l.handle(
        now,
        udp_from(UAC),
        Bytes::from(format!("{ack}Content-Length: 500\r\n\r\n")),
    );
    let response = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKx\r\nTo: <sip:b@x>;tag=1\r\nFrom: <sip:a@x>;tag=2\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 90\r\n\r\n";
    l.handle(now, udp_from(UAC), Bytes::from(response));
    let (t, ev) = drain(&mut l);
    assert!(t.is_empty(), "{t:?}");
    assert_eq!(ev.len(), 2);
    assert!(l.is_empty());
}

/// RFC 3261 §21.5.6: "505 Version Not Supported: The server does not
/// support, or refuses to support, the SIP protocol version that was used
/// in the request." RFC 4475 §3.1.2.16 (badvers): SIP/7.0 in the request
/// line and the Via.
#[test]
fn rfc3261_21_5_6_unsupported_version_gets_505() {
    let now = t0();
    let mut l = layer(UAS);
    let badvers = "OPTIONS sip:t.watson@example.org SIP/7.0\r\nVia:     SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw\r\nMax-Forwards:     70\r\nFrom:    A. Bell <sip:a.g.bell@example.com>;tag=qweoiqpe\r\nTo:      T. Watson <sip:t.watson@example.org>\r\nCall-ID: badvers.31417@c.example.com\r\nCSeq:    1 OPTIONS\r\nl: 0\r\n\r\n";
    l.handle(now, udp_from(UAC), Bytes::from(badvers));
    let (t, ev) = drain(&mut l);
    assert!(matches!(&ev[..], [Event::Malformed { .. }]), "{ev:?}");
    assert_eq!(t.len(), 1, "{t:?}");
    let resp = sent_message(&t[0]);
    assert_eq!(resp.status(), Some(505), "{resp:?}");
    assert_eq!(resp.call_id(), Some("badvers.31417@c.example.com"));
    assert!(l.is_empty());
}

/// A request missing a mandatory header gets a stateless 400 whose Warning
/// says what is wrong, and the layer keeps serving.
#[test]
fn malformed_request_gets_400_with_the_reason() {
    let now = t0();
    let mut l = layer(UAS);
    let bad = "OPTIONS sip:bob@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKbad\r\nTo: <sip:bob@example.com>\r\nFrom: <sip:a@example.com>;tag=1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    l.handle(now, udp_from(UAC), Bytes::from(bad));
    let (t, ev) = drain(&mut l);
    assert!(matches!(&ev[0], Event::Malformed { .. }));
    assert_eq!(t.len(), 1);
    let resp = sent_message(&t[0]);
    assert_eq!(resp.status(), Some(400));
    assert!(
        resp.header(&HeaderName::Warning)
            .unwrap()
            .contains("Call-ID"),
        "{resp:?}"
    );
    assert_eq!(t[0].target, Target::udp(UAC.parse().unwrap()));
    assert!(l.is_empty());
    // Garbage and a request without Via are dropped without an answer.
    l.handle(now, udp_from(UAC), Bytes::from_static(b"\x00\x01garbage"));
    l.handle(
        now,
        udp_from(UAC),
        Bytes::from(bad.replace("Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKbad\r\n", "")),
    );
    let (t, ev) = drain(&mut l);
    assert!(t.is_empty());
    assert_eq!(ev.len(), 2);
    // And a good request right after is served.
    l.handle(
        now,
        udp_from(UAC),
        wire(
            "OPTIONS",
            "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKgood",
            "",
        ),
    );
    let (_, ev) = drain(&mut l);
    new_request(&ev);
}

/// Past `max_transactions`, new requests get 503 with Retry-After.
#[test]
fn overload_gets_503() {
    let now = t0();
    let cfg = LayerConfig {
        max_transactions: 1,
        ..LayerConfig::default()
    };
    let mut l = TransactionLayer::new(cfg, IdGenerator::seeded(1));
    l.add_listener(Transport::Udp, UAS.parse().unwrap());
    l.handle(
        now,
        udp_from(UAC),
        wire("OPTIONS", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1", ""),
    );
    l.handle(
        now,
        udp_from(UAC),
        wire("OPTIONS", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK2", ""),
    );
    let (t, _) = drain(&mut l);
    let resp = sent_message(&t[0]);
    assert_eq!(resp.status(), Some(503));
    assert_eq!(resp.header(&HeaderName::RetryAfter), Some("5"));
}

/// Transactions leave the layer when they terminate: ids go stale and the
/// slab is reused, so memory stays flat over many transactions.
#[test]
fn terminated_transactions_are_removed_and_slots_reused() {
    let mut now = t0();
    let mut l = layer(UAS);
    let mut first = None;
    for i in 0..10_000 {
        let via = format!("SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKm{i}");
        let src = Source {
            transport: Transport::Tcp,
            ..udp_from(UAC)
        };
        l.handle(now, src, wire("OPTIONS", &via, ""));
        let (_, ev) = drain(&mut l);
        let inc = new_request(&ev).clone();
        first.get_or_insert(inc.id);
        l.send_response(now, inc.id, response_to(&inc.request, 200, Some("m")))
            .unwrap();
        // Over TCP Timer J is zero, so the transaction ends at once.
        let (_, ev) = drain(&mut l);
        assert!(ev
            .iter()
            .any(|e| matches!(e, Event::Terminated { id } if *id == inc.id)));
        now += Duration::from_millis(1);
    }
    assert!(l.is_empty());
    assert_eq!(l.slots.len(), 1, "one slot reused 10,000 times");
    assert!(l.clients.is_empty() && l.servers.is_empty());
    let stale = first.unwrap();
    assert!(!l.contains(stale));
    assert_eq!(
        l.send_response(now, stale, req("OPTIONS", "")),
        Err(SendError::NoSuchTransaction)
    );
}

/// §17.1.4: a transport failure reaches the client transaction's TU.
#[test]
fn rfc3261_17_1_4_transport_error_reaches_the_tu() {
    let now = t0();
    let mut l = layer(UAC);
    let target = Target::tcp(UAS.parse().unwrap());
    let id = l.send_request(now, req("OPTIONS", ""), target).unwrap();
    drain(&mut l);
    l.handle_transport_error(now, target);
    let (_, ev) = drain(&mut l);
    assert!(matches!(ev[0], Event::TransportError { id: got } if got == id));
    assert!(matches!(ev[1], Event::Terminated { id: got } if got == id));
    assert!(l.is_empty());
}

/// The ACK for a 2xx is sent statelessly with a Via of its own.
#[test]
fn stateless_ack_gets_a_fresh_branch() {
    let now = t0();
    let mut l = layer(UAC);
    let target = Target::udp(UAS.parse().unwrap());
    l.send_stateless(now, req("ACK", ""), target).unwrap();
    l.send_stateless(now, req("ACK", ""), target).unwrap();
    let (t, _) = drain(&mut l);
    let b: Vec<String> = t
        .iter()
        .map(|t| {
            sent_message(t)
                .typed::<Via>()
                .unwrap()
                .branch()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_ne!(b[0], b[1]);
    assert!(l.is_empty());
    assert_eq!(
        l.send_request(now, req("ACK", ""), target),
        Err(SendError::InvalidRequest("ACK is sent statelessly"))
    );
}

/// A mobile node's address changes: new requests carry the new sent-by,
/// while a running transaction retransmits its request unchanged.
#[test]
fn new_sent_by_applies_to_new_requests_only() {
    let now = t0();
    let mut l = layer(UAC);
    l.send_request(now, req("OPTIONS", ""), Target::udp(UAS.parse().unwrap()))
        .unwrap();
    let (first, _) = drain(&mut l);
    l.set_sent_by_host(Some("198.51.100.7".into()));
    l.send_request(now, req("INFO", ""), Target::udp(UAS.parse().unwrap()))
        .unwrap();
    let (second, _) = drain(&mut l);
    let via = sent_message(&second[0]).typed::<Via>().unwrap();
    assert_eq!((via.host(), via.port()), ("198.51.100.7", Some(5060)));
    l.handle_timeout(now + Duration::from_millis(500));
    let (retrans, _) = drain(&mut l);
    assert_eq!(retrans.len(), 2);
    assert!(retrans.iter().any(|t| t.payload == first[0].payload));
    l.remove_listener(Transport::Udp, UAC.parse().unwrap());
    l.remove_listener(Transport::Tcp, UAC.parse().unwrap());
    assert!(l.listeners().is_empty());
}

/// Sending without any listener cannot write a Via.
#[test]
fn no_listener_is_an_error() {
    let mut l = TransactionLayer::new(LayerConfig::default(), IdGenerator::seeded(1));
    assert_eq!(
        l.send_request(t0(), req("OPTIONS", ""), Target::udp(UAS.parse().unwrap())),
        Err(SendError::NoListener(Transport::Udp))
    );
}

/// A response whose top Via was stamped by us on the way in goes to the
/// stamped address when sent statelessly (a proxy forwarding a 2xx).
#[test]
fn stateless_response_follows_the_via() {
    let now = t0();
    let mut l = layer(UAS);
    let m = Message::parse(Bytes::from_static(
        b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.1.1.1:5060;branch=z9hG4bKs;received=198.51.100.3;rport=4000\r\nTo: <sip:b@x>;tag=1\r\nFrom: <sip:a@x>;tag=2\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
    ))
    .unwrap();
    l.send_stateless_response(now, m).unwrap();
    assert_eq!(
        l.poll_transmit().unwrap().target,
        Target::udp("198.51.100.3:4000".parse().unwrap())
    );
}

/// RFC 3261 §17.1.3 is about the branch; a response to a request we never
/// sent is passed up, never panics, and never creates state.
#[test]
fn responses_without_a_transaction_are_stray() {
    let now = t0();
    let mut l = layer(UAC);
    let mut r = req("OPTIONS", "");
    r.prepend_header(
        HeaderName::Via,
        "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKnope",
    );
    l.handle(
        now,
        udp_from(UAS),
        response_to(&r, 200, Some("z")).to_bytes(),
    );
    let (_, ev) = drain(&mut l);
    assert!(matches!(&ev[0], Event::StrayResponse { .. }));
    assert!(l.is_empty());
}

/// Memory per live transaction: under a REGISTER flood over UDP a registrar
/// holds every request of the last 64*T1 = 32 s as a completed non-INVITE
/// server transaction (§17.2.2, Timer J). The slab entry carries the
/// bookkeeping and that machine inline, which holds the response it
/// repeats and its one timer; the larger machines are boxed. This guards
/// the layout against growing back (it was 920 bytes of slab entry with
/// every machine inline).
#[test]
fn a_completed_non_invite_server_transaction_stays_small() {
    use std::mem::size_of;
    let machine = size_of::<crate::ServerNonInvite>();
    assert!(machine <= 160, "ServerNonInvite is {machine} bytes");
    assert!(
        size_of::<Tx>() <= machine + 8,
        "Tx is {} bytes",
        size_of::<Tx>()
    );
    assert!(
        size_of::<Slot>() <= 440,
        "Slot is {} bytes",
        size_of::<Slot>()
    );
}

/// §17.2.2: a completed non-INVITE server transaction lives on for Timer
/// J (32 s over UDP) only to repeat its final response. Nothing it keeps
/// for that time, its matching key included, may hold on to the request's
/// datagram: under a REGISTER flood that would be every request of the
/// last 32 s.
#[test]
fn rfc3261_17_2_2_a_completed_transaction_does_not_hold_the_request() {
    let now = t0();
    let mut l = layer(UAS);
    // sent-by equals the source and there is no rport, so the layer adds
    // nothing to the Via and the request keeps the datagram's buffer.
    let datagram = wire(
        "REGISTER",
        "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKheld",
        "",
    );
    l.handle(now, udp_from(UAC), datagram.clone());
    let (_, events) = drain(&mut l);
    let (id, response) = {
        let incoming = new_request(&events);
        (incoming.id, response_to(&incoming.request, 200, Some("t1")))
    };
    drop(events);
    l.send_response(now, id, response).unwrap();
    let (sent, _) = drain(&mut l);
    assert_eq!(sent.len(), 1);
    assert!(
        datagram.is_unique(),
        "the completed transaction still references the request's datagram"
    );
    // The stored key still matches a retransmission, which gets the 200.
    l.handle(
        now + Duration::from_secs(1),
        udp_from(UAC),
        datagram.clone(),
    );
    let (again, events) = drain(&mut l);
    assert!(events.is_empty());
    assert_eq!(again.len(), 1);
    assert_eq!(sent_message(&again[0]).status(), Some(200));
}
