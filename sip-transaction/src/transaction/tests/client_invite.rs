//! INVITE client transaction: RFC 3261 §17.1.1 and RFC 6026 §7.2, §8.4.

use sip_message::{CSeq, HeaderName, Method, To, Via};

use super::*;
use crate::transaction::{ClientInvite, ClientInviteState};

const TAG: Option<&str> = Some("8321234356");

fn udp(t0: Instant) -> ClientInvite {
    let mut tx = ClientInvite::new(t0, invite(), UDP, cfg());
    assert_eq!(transmits(&mut tx).len(), 1, "the INVITE goes out at once");
    tx
}

/// RFC 3261 §17.1.1.2: "When timer A fires 2*T1 seconds later, the request
/// MUST be retransmitted again (assuming the client transaction is still in
/// this state). This process MUST continue so that the request is
/// retransmitted with intervals that double after each transmission."
/// There is no T2 cap for INVITE: 500 ms, 1.5 s, 3.5 s, 7.5 s, 15.5 s, 31.5 s.
#[test]
fn rfc3261_17_1_1_2_timer_a_doubles_without_cap() {
    let t0 = t0();
    let mut tx = ClientInvite::new(t0, invite(), UDP, cfg());
    let first = assert_transmits!(tx, t0, 1).remove(0);
    assert_eq!(tx.poll_timeout(), Some((t0 + ms!(500), Timer::A)));
    for at in [500, 1_500, 3_500, 7_500, 15_500, 31_500] {
        assert_transmits!(tx, t0 + ms!(at) - ms!(1), 0);
        let again = assert_transmits!(tx, t0 + ms!(at), 1).remove(0);
        // "retransmit [...] is to take the message previously sent to the
        // transport layer and pass it to the transport layer once more":
        // the very same bytes, not a re-serialization.
        assert_eq!(again, first);
        assert_eq!(again.as_ptr(), first.as_ptr());
        assert_eq!(tx.state(), ClientInviteState::Calling);
    }
    // The next A (63.5 s) is never reached: B ends the transaction at 32 s.
    assert_eq!(tx.poll_timeout(), Some((t0 + ms!(32_000), Timer::B)));
}

/// RFC 3261 §17.1.1.2: "If a reliable transport is being used, the client
/// transaction SHOULD NOT start timer A (Timer A controls request
/// retransmissions)."
#[test]
fn rfc3261_17_1_1_2_no_timer_a_over_reliable_transport() {
    let t0 = t0();
    let mut tx = ClientInvite::new(t0, invite(), TCP, cfg());
    assert_eq!(transmits(&mut tx).len(), 1);
    assert_eq!(tx.poll_timeout(), Some((t0 + ms!(32_000), Timer::B)));
    let log = drive(&mut tx, t0, ms!(60_000));
    assert_eq!(log, [(32_000, Timer::B, 0)], "only Timer B, nothing resent");
    assert_events!(tx, ["TimedOut", "Terminated"]);
}

/// RFC 3261 §17.1.1.2: "For any transport, the client transaction MUST
/// start timer B with a value of 64*T1 seconds" and "If the client
/// transaction is still in the "Calling" state when timer B fires, the
/// client transaction SHOULD inform the TU that a timeout has occurred.
/// The client transaction MUST NOT generate an ACK."
#[test]
fn rfc3261_17_1_1_2_timer_b_fires_at_64_t1_in_calling() {
    let t0 = t0();
    let mut tx = udp(t0);
    assert_eq!(
        drive(&mut tx, t0, ms!(31_999)).len(),
        6,
        "six Timer A fires"
    );
    assert_events!(tx, []);
    assert_transmits!(tx, t0 + ms!(32_000) - ms!(1), 0);
    assert_events!(tx, []);
    assert!(!tx.is_terminated());
    assert_transmits!(tx, t0 + ms!(32_000), 0); // no ACK
    assert_events!(tx, ["TimedOut", "Terminated"]);
    assert_eq!(tx.state(), ClientInviteState::Terminated);
    assert!(tx.is_terminated());
    assert_eq!(tx.poll_timeout(), None);
}

/// RFC 3261 §17.1.1.2: "If the client transaction receives a provisional
/// response while in the "Calling" state, it transitions to the
/// "Proceeding" state. In the "Proceeding" state, the client transaction
/// SHOULD NOT retransmit the request any longer. Furthermore, the
/// provisional response MUST be passed to the TU." Timer B only fires in
/// Calling (figure 5), so nothing times out here.
#[test]
fn rfc3261_17_1_1_2_provisional_enters_proceeding_and_stops_timer_a() {
    let t0 = t0();
    let mut tx = udp(t0);
    tx.handle_response(t0 + ms!(100), response(&invite(), 100, None));
    assert_eq!(tx.state(), ClientInviteState::Proceeding);
    assert_events!(tx, ["Response(100)"]);
    assert_eq!(tx.poll_timeout(), None);
    for at in [500, 1_500, 32_000, 100_000] {
        assert_transmits!(tx, t0 + ms!(at), 0);
    }
    assert_events!(tx, []);
    assert_eq!(tx.state(), ClientInviteState::Proceeding);
}

/// RFC 3261 §17.1.1.2: "Any further provisional responses MUST be passed up
/// to the TU while in the "Proceeding" state."
#[test]
fn rfc3261_17_1_1_2_every_provisional_passed_up() {
    let t0 = t0();
    let mut tx = udp(t0);
    for (i, code) in [100, 180, 180, 183].into_iter().enumerate() {
        tx.handle_response(t0 + ms!(100 * i as u64), response(&invite(), code, TAG));
    }
    assert_events!(
        tx,
        [
            "Response(100)",
            "Response(180)",
            "Response(180)",
            "Response(183)"
        ]
    );
    assert_eq!(transmits(&mut tx).len(), 0);
}

/// RFC 3261 §17.1.1.3: "The ACK request constructed by the client
/// transaction MUST contain values for the Call-ID, From, and Request-URI
/// that are equal to the values of those header fields in the request
/// passed to the transport by the client transaction [...]. The To header
/// field in the ACK MUST equal the To header field in the response being
/// acknowledged [...]. The ACK MUST contain a single Via header field, and
/// this MUST be equal to the top Via header field of the original request.
/// The CSeq header field in the ACK MUST contain the same value for the
/// sequence number as was present in the original request, but the method
/// parameter MUST be equal to "ACK"." and "If the INVITE request whose
/// response is being acknowledged had Route header fields, those header
/// fields MUST appear in the ACK."
#[test]
fn rfc3261_17_1_1_3_ack_for_non_2xx_built_field_by_field() {
    // A proxy's INVITE: its own Via on top of the UAC's, a route set with
    // a comma-separated line, and a body.
    let invite = msg("INVITE sip:bob@192.0.2.4;transport=udp SIP/2.0\r\n\
Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKp1a, SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKuac\r\n\
Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKold\r\n\
Max-Forwards: 69\r\n\
Route: <sip:p2.example.com;lr>, <sip:p3.example.com;lr>\r\n\
Route: <sip:p4.example.com;lr>\r\n\
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
To: Bob <sip:bob@biloxi.example.com>\r\n\
Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n\
CSeq: 314159 INVITE\r\n\
Contact: <sip:alice@pc33.atlanta.example.com>\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 4\r\n\
\r\n\
v=0\n");
    let t0 = t0();
    let mut tx = ClientInvite::new(t0, invite.clone(), UDP, cfg());
    transmits(&mut tx);
    let busy = response(&invite, 486, Some("a6c85cf"));
    tx.handle_response(t0 + ms!(40), busy.clone());
    let sent = transmits(&mut tx);
    assert_eq!(sent.len(), 1);
    let ack = parse(&sent[0]);
    ack.validate().expect("the ACK is a valid request");

    assert_eq!(ack.method(), Some(&Method::Ack));
    assert_eq!(ack.request_uri_str(), invite.request_uri_str());
    let vias: Vec<_> = ack.typed_all::<Via>().map(Result::unwrap).collect();
    assert_eq!(vias.len(), 1, "exactly one Via");
    assert_eq!(vias[0].as_str(), invite.typed::<Via>().unwrap().as_str());
    assert_eq!(vias[0].branch(), Some("z9hG4bKp1a"));
    assert_eq!(
        ack.header_values(&HeaderName::Route).collect::<Vec<_>>(),
        invite.header_values(&HeaderName::Route).collect::<Vec<_>>()
    );
    assert_eq!(
        ack.header(&HeaderName::From),
        invite.header(&HeaderName::From)
    );
    assert_eq!(ack.call_id(), invite.call_id());
    assert_eq!(ack.header(&HeaderName::To), busy.header(&HeaderName::To));
    assert_eq!(ack.typed::<To>().unwrap().tag(), Some("a6c85cf"));
    assert_eq!(ack.typed::<CSeq>().unwrap(), CSeq::new(314159, Method::Ack));
    assert_eq!(ack.header(&HeaderName::CSeq), Some("314159 ACK"));
    assert_eq!(ack.header(&HeaderName::MaxForwards), Some("70"));
    assert_eq!(ack.header(&HeaderName::ContentLength), Some("0"));
    assert!(ack.body().is_empty());
    assert!(!ack.has_header(&HeaderName::Contact));
    assert!(!ack.has_header(&HeaderName::ContentType));
}

/// RFC 3261 §17.1.1.2: "reception of a response with status code from
/// 300-699 MUST cause the client transaction to transition to "Completed".
/// The client transaction MUST pass the received response up to the TU,
/// and the client transaction MUST generate an ACK request [...]. The
/// client transaction SHOULD start timer D when it enters the "Completed"
/// state, with a value of at least 32 seconds for unreliable transports"
/// and "If timer D fires while the client transaction is in the
/// "Completed" state, the client transaction MUST move to the terminated
/// state."
#[test]
fn rfc3261_17_1_1_2_non_2xx_enters_completed_with_timer_d_32s_over_udp() {
    let t0 = t0();
    let mut tx = udp(t0);
    let final_at = t0 + ms!(2_000);
    tx.handle_response(final_at, response(&invite(), 486, TAG));
    assert_eq!(tx.state(), ClientInviteState::Completed);
    assert_events!(tx, ["Response(486)"]);
    let sent = transmits(&mut tx);
    assert_eq!(sent.len(), 1);
    assert_eq!(parse(&sent[0]).method(), Some(&Method::Ack));
    assert_eq!(tx.poll_timeout(), Some((final_at + ms!(32_000), Timer::D)));
    // Timer A and B are gone: nothing until D.
    assert_transmits!(tx, final_at + ms!(32_000) - ms!(1), 0);
    assert_events!(tx, []);
    assert_transmits!(tx, final_at + ms!(32_000), 0);
    assert_events!(tx, ["Terminated"]);
    assert!(tx.is_terminated());
}

/// RFC 3261 §17.1.1.2: timer D has "a value of zero seconds for reliable
/// transports", and the ACK is generated "even if the transport is
/// reliable".
#[test]
fn rfc3261_17_1_1_2_timer_d_zero_over_reliable_transport() {
    let t0 = t0();
    let mut tx = ClientInvite::new(t0, invite(), TCP, cfg());
    transmits(&mut tx);
    tx.handle_response(t0 + ms!(100), response(&invite(), 603, TAG));
    let sent = transmits(&mut tx);
    assert_eq!(sent.len(), 1);
    assert_eq!(parse(&sent[0]).method(), Some(&Method::Ack));
    assert_events!(tx, ["Response(603)", "Terminated"]);
    assert_eq!(tx.state(), ClientInviteState::Terminated);
    assert_eq!(tx.poll_timeout(), None);
}

/// RFC 3261 §17.1.1.2: "Any retransmissions of the final response that are
/// received while in the "Completed" state MUST cause the ACK to be
/// re-passed to the transport layer for retransmission, but the newly
/// received response MUST NOT be passed up to the TU."
#[test]
fn rfc3261_17_1_1_2_completed_resends_ack_and_absorbs_final() {
    let t0 = t0();
    let mut tx = udp(t0);
    let busy = response(&invite(), 486, TAG);
    tx.handle_response(t0 + ms!(100), busy.clone());
    assert_events!(tx, ["Response(486)"]);
    let ack = transmits(&mut tx).remove(0);
    for i in 1..=3 {
        tx.handle_response(t0 + ms!(100 + 500 * i), busy.clone());
        let again = transmits(&mut tx);
        assert_eq!(again.len(), 1, "one ACK per retransmitted final");
        assert_eq!(again[0].as_ptr(), ack.as_ptr(), "the same ACK bytes");
        assert_events!(tx, []);
    }
    // A stray provisional or 2xx in Completed is absorbed too.
    tx.handle_response(t0 + ms!(3_000), response(&invite(), 180, TAG));
    tx.handle_response(t0 + ms!(3_000), response(&invite(), 200, TAG));
    assert_eq!(transmits(&mut tx).len(), 0);
    assert_events!(tx, []);
    assert_eq!(tx.state(), ClientInviteState::Completed);
}

/// RFC 6026 §8.4: "When in either the "Calling" or "Proceeding" states,
/// reception of a 2xx response MUST cause the client transaction to enter
/// the "Accepted" state, and Timer M must be started with a value of 64*T1.
/// The 2xx response MUST be passed up to the TU. The client transaction
/// MUST NOT generate an ACK to the 2xx response" and "If Timer M fires
/// while the client transaction is in the "Accepted" state, the client
/// transaction MUST move to the "Terminated" state."
#[test]
fn rfc6026_8_4_2xx_enters_accepted_with_timer_m() {
    let t0 = t0();
    let mut tx = udp(t0);
    tx.handle_response(t0 + ms!(300), response(&invite(), 180, TAG));
    let ok_at = t0 + ms!(5_000);
    tx.handle_response(ok_at, response(&invite(), 200, TAG));
    assert_eq!(tx.state(), ClientInviteState::Accepted);
    assert_events!(tx, ["Response(180)", "Response(200)"]);
    assert_eq!(transmits(&mut tx).len(), 0, "no ACK for a 2xx");
    assert_eq!(tx.poll_timeout(), Some((ok_at + ms!(32_000), Timer::M)));
    assert_transmits!(tx, ok_at + ms!(32_000) - ms!(1), 0);
    assert_events!(tx, []);
    assert_transmits!(tx, ok_at + ms!(32_000), 0);
    assert_events!(tx, ["Terminated"]);
}

/// RFC 6026 §8.4: "Any 2xx responses that match this client transaction and
/// that are received while in the "Accepted" state MUST be passed up to the
/// TU. The client transaction MUST NOT generate an ACK to the 2xx
/// response." This covers retransmissions and the 2xx of other forks.
#[test]
fn rfc6026_8_4_accepted_passes_every_2xx_up() {
    let t0 = t0();
    let mut tx = udp(t0);
    let ok = response(&invite(), 200, TAG);
    tx.handle_response(t0 + ms!(100), ok.clone());
    let mut got = raw_events(&mut tx);
    for at in [600, 1_600, 3_600] {
        tx.handle_response(t0 + ms!(at), ok.clone()); // retransmissions
    }
    let fork = response(&invite(), 200, Some("other-fork"));
    tx.handle_response(t0 + ms!(4_000), fork);
    // Anything else is absorbed.
    tx.handle_response(t0 + ms!(4_100), response(&invite(), 180, TAG));
    tx.handle_response(t0 + ms!(4_200), response(&invite(), 486, TAG));
    got.extend(raw_events(&mut tx));
    let tags: Vec<_> = got
        .iter()
        .map(|e| match e {
            ClientEvent::Response(m) => (
                m.status().unwrap(),
                m.typed::<To>().unwrap().tag().unwrap().to_owned(),
            ),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        tags,
        [
            (200, "8321234356".to_owned()),
            (200, "8321234356".to_owned()),
            (200, "8321234356".to_owned()),
            (200, "8321234356".to_owned()),
            (200, "other-fork".to_owned()),
        ]
    );
    assert_eq!(transmits(&mut tx).len(), 0);
    assert_eq!(tx.state(), ClientInviteState::Accepted);
}

/// RFC 6026 §8.4: Timer M is "64*T1" with no transport distinction: a TCP
/// hop may still sit behind UDP hops that retransmit the 2xx.
#[test]
fn rfc6026_8_4_timer_m_runs_over_reliable_transport_too() {
    let t0 = t0();
    let mut tx = ClientInvite::new(t0, invite(), TCP, cfg());
    transmits(&mut tx);
    tx.handle_response(t0, response(&invite(), 200, TAG));
    assert_eq!(tx.poll_timeout(), Some((t0 + ms!(32_000), Timer::M)));
    assert_eq!(drive(&mut tx, t0, ms!(40_000)), [(32_000, Timer::M, 0)]);
    assert_events!(tx, ["Response(200)", "Terminated"]);
}

/// RFC 3261 §17.1.1.1: "T1 is an estimate of the round-trip time (RTT), and
/// it defaults to 500 ms." Timers A, B and M scale with T1, and Timer D
/// takes its configured value.
#[test]
fn rfc3261_17_1_1_1_custom_t1_scales_timers() {
    let t0 = t0();
    let mut c = cfg();
    c.t1(ms!(100)).timer_d(ms!(10_000));
    let mut tx = ClientInvite::new(t0, invite(), UDP, c);
    assert_transmits!(tx, t0, 1);
    for at in [100, 300, 700, 1_500, 3_100, 6_300] {
        assert_transmits!(tx, t0 + ms!(at) - ms!(1), 0);
        assert_transmits!(tx, t0 + ms!(at), 1);
    }
    assert_eq!(tx.poll_timeout(), Some((t0 + ms!(6_400), Timer::B)));
    assert_transmits!(tx, t0 + ms!(6_399), 0);
    assert_events!(tx, []);
    assert_transmits!(tx, t0 + ms!(6_400), 0);
    assert_events!(tx, ["TimedOut", "Terminated"]);

    let mut tx = ClientInvite::new(t0, invite(), UDP, c);
    tx.handle_response(t0 + ms!(50), response(&invite(), 404, TAG));
    assert_eq!(tx.poll_timeout(), Some((t0 + ms!(10_050), Timer::D)));

    let mut tx = ClientInvite::new(t0, invite(), UDP, c);
    tx.handle_response(t0 + ms!(50), response(&invite(), 200, TAG));
    assert_eq!(tx.poll_timeout(), Some((t0 + ms!(6_450), Timer::M)));
}

/// RFC 3261 §17.1.4: "the client transaction SHOULD inform the TU that a
/// transport failure has occurred, and the client transaction SHOULD
/// transition directly to the "Terminated" state."
#[test]
fn rfc3261_17_1_4_transport_error_terminates() {
    for state in ["Calling", "Proceeding", "Completed", "Accepted"] {
        let t0 = t0();
        let mut tx = udp(t0);
        match state {
            "Proceeding" => tx.handle_response(t0, response(&invite(), 180, TAG)),
            "Completed" => tx.handle_response(t0, response(&invite(), 500, TAG)),
            "Accepted" => tx.handle_response(t0, response(&invite(), 200, TAG)),
            _ => {}
        }
        assert_eq!(format!("{:?}", tx.state()), state);
        events(&mut tx);
        transmits(&mut tx);
        tx.handle_transport_error(t0 + ms!(10));
        assert_events!(tx, ["TransportError", "Terminated"]);
        assert_eq!(tx.poll_timeout(), None);
        assert!(drive(&mut tx, t0, ms!(100_000)).is_empty());
    }
}

/// The TU learns of the end exactly once, whatever arrives afterwards
/// (RFC 3261 §17.1.1.2: "The client transaction MUST be destroyed the
/// instant it enters the "Terminated" state").
#[test]
fn terminated_event_emitted_once() {
    let t0 = t0();
    let mut tx = udp(t0);
    tx.handle_timeout(t0 + ms!(32_000));
    transmits(&mut tx);
    assert_events!(tx, ["TimedOut", "Terminated"]);
    tx.handle_timeout(t0 + ms!(32_000));
    tx.handle_timeout(t0 + ms!(99_000));
    tx.handle_transport_error(t0 + ms!(99_000));
    tx.handle_response(t0 + ms!(99_000), response(&invite(), 486, TAG));
    tx.handle_response(t0 + ms!(99_000), response(&invite(), 200, TAG));
    assert_events!(tx, []);
    assert_eq!(transmits(&mut tx).len(), 0);
    assert_eq!(tx.state(), ClientInviteState::Terminated);
}

/// `handle_timeout` is idempotent and early calls are no-ops; a driver that
/// wakes late gets one retransmission, not a burst, and the schedule stays
/// on the RFC's grid (§17.1.1.2's doubling counted from the first send).
#[test]
fn late_and_repeated_handle_timeout_keep_the_schedule() {
    let t0 = t0();
    let mut tx = udp(t0);
    assert_transmits!(tx, t0 + ms!(499), 0);
    assert_transmits!(tx, t0 + ms!(500), 1);
    assert_transmits!(tx, t0 + ms!(500), 0);
    assert_transmits!(tx, t0 + ms!(1_000), 0);
    // Wake at 5 s: A was due at 1.5 s and 3.5 s; one copy goes out.
    assert_transmits!(tx, t0 + ms!(5_000), 1);
    assert_eq!(tx.poll_timeout(), Some((t0 + ms!(7_500), Timer::A)));
    assert_eq!(
        send_instants(&drive(&mut tx, t0, ms!(40_000))),
        [7_500, 15_500, 31_500]
    );
}

/// Peer input never panics: a response without To or CSeq, or a request
/// handed in as a response, is handled or ignored.
#[test]
fn odd_peer_input_does_not_panic() {
    let t0 = t0();
    let mut tx = udp(t0);
    tx.handle_response(t0, invite()); // a request: ignored
    assert_events!(tx, []);
    let bare = msg("SIP/2.0 404 Not Found\r\n\
Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\r\n\
Content-Length: 0\r\n\
\r\n");
    tx.handle_response(t0, bare);
    assert_events!(tx, ["Response(404)"]);
    let ack = parse(&transmits(&mut tx)[0]);
    // The To falls back to the INVITE's; everything else is the INVITE's.
    assert_eq!(
        ack.header(&HeaderName::To),
        invite().header(&HeaderName::To)
    );
    ack.validate().unwrap();
}
