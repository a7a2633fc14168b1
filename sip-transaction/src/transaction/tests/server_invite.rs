//! INVITE server transaction: RFC 3261 §17.2.1 and RFC 6026 §7.1, §8.5-8.7.

use sip_message::{HeaderName, To};

use super::*;
use crate::transaction::{InvalidResponse, ServerInvite, ServerInviteState};

const TAG: Option<&str> = Some("8321234356");

fn udp(t0: Instant) -> ServerInvite {
    ServerInvite::new(t0, invite(), UDP, cfg())
}

fn tcp(t0: Instant) -> ServerInvite {
    ServerInvite::new(t0, invite(), TCP, cfg())
}

/// Sends a response from the TU and returns what went out.
fn send(tx: &mut ServerInvite, at: Instant, code: u16) -> Vec<Bytes> {
    tx.send_response(at, response(&invite(), code, TAG))
        .expect("the state allows it");
    transmits(tx)
}

/// RFC 3261 §17.2.1: "The server transaction MUST generate a 100 (Trying)
/// response unless it knows that the TU will generate a provisional or
/// final response within 200 ms". A silent TU gets one at 200 ms, built per
/// §8.2.6.1 ("the Timestamp header field [...] MUST be copied") with no To
/// tag.
#[test]
fn rfc3261_17_2_1_trying_sent_at_200ms_when_tu_silent() {
    let t0 = t0();
    let mut tx = udp(t0);
    assert_eq!(transmits(&mut tx).len(), 0, "nothing before the timer");
    assert_eq!(tx.poll_timeout(), Some((t0 + ms!(200), Timer::Trying)));
    assert_transmits!(tx, t0 + ms!(199), 0);
    let sent = assert_transmits!(tx, t0 + ms!(200), 1);
    let trying = parse(&sent[0]);
    assert_eq!(trying.status(), Some(100));
    assert_eq!(trying.header(&HeaderName::Timestamp), Some("54"));
    assert_eq!(trying.typed::<To>().unwrap().tag(), None);
    assert_eq!(
        trying.header_values(&HeaderName::Via).collect::<Vec<_>>(),
        invite().header_values(&HeaderName::Via).collect::<Vec<_>>()
    );
    assert_eq!(trying.call_id(), invite().call_id());
    assert_eq!(tx.state(), ServerInviteState::Proceeding);
    assert_events!(tx, []);
    // Once only: the 100 is not retransmitted on its own.
    assert_eq!(tx.poll_timeout(), None);
    assert_transmits!(tx, t0 + ms!(10_000), 0);
}

/// RFC 3261 §17.2.1: "[...] unless it knows that the TU will generate a
/// provisional or final response within 200 ms, in which case it MAY
/// generate a 100 (Trying) response." A TU that answers at 150 ms
/// suppresses it.
#[test]
fn rfc3261_17_2_1_no_trying_when_tu_answers_within_200ms() {
    let t0 = t0();
    let mut tx = udp(t0);
    let sent = send(&mut tx, t0 + ms!(150), 180);
    assert_eq!(sent.len(), 1);
    assert_eq!(parse(&sent[0]).status(), Some(180));
    assert_eq!(tx.poll_timeout(), None);
    for at in [200, 1_000, 60_000] {
        assert_transmits!(tx, t0 + ms!(at), 0);
    }
    // A final answer within 200 ms suppresses it too.
    let mut tx = udp(t0);
    send(&mut tx, t0 + ms!(150), 486);
    assert_transmits!(tx, t0 + ms!(200), 0);
}

/// RFC 3261 §17.2.1: "So long as the server transaction is in the
/// "Proceeding" state, each of these MUST be passed to the transport layer
/// for transmission. [...] If a request retransmission is received while in
/// the "Proceeding" state, the most recent provisional response that was
/// received from the TU MUST be passed to the transport layer for
/// retransmission."
#[test]
fn rfc3261_17_2_1_retransmitted_invite_gets_latest_provisional() {
    let t0 = t0();
    let mut tx = udp(t0);
    tx.handle_request(t0 + ms!(50), invite());
    assert_eq!(transmits(&mut tx).len(), 0, "nothing to resend yet");
    assert_eq!(send(&mut tx, t0 + ms!(100), 180).len(), 1);
    let latest = send(&mut tx, t0 + ms!(120), 183).remove(0);
    assert_eq!(tx.state(), ServerInviteState::Proceeding);
    tx.handle_request(t0 + ms!(500), invite());
    let again = transmits(&mut tx);
    assert_eq!(again.len(), 1);
    assert_eq!(parse(&again[0]).status(), Some(183));
    assert_eq!(again[0].as_ptr(), latest.as_ptr(), "the same bytes");
    assert_events!(tx, []);
}

/// RFC 3261 §17.2.1: after the transaction's own 100 (Trying), an INVITE
/// retransmission gets that 100 again: it is the most recent provisional
/// response and the client evidently did not hear it.
#[test]
fn rfc3261_17_2_1_retransmitted_invite_gets_the_automatic_trying() {
    let t0 = t0();
    let mut tx = udp(t0);
    let trying = assert_transmits!(tx, t0 + ms!(200), 1).remove(0);
    tx.handle_request(t0 + ms!(500), invite());
    assert_eq!(transmits(&mut tx), [trying]);
}

/// RFC 3261 §17.2.1: "For unreliable transports, timer G is set to fire in
/// T1 seconds" and "If timer G fires, the response is passed to the
/// transport layer once more for retransmission, and timer G is set to fire
/// in MIN(2*T1, T2) seconds. From then on, when timer G fires, the response
/// is passed to the transport again for transmission, and timer G is reset
/// with a value that doubles, unless that value exceeds T2, in which case
/// it is reset with the value of T2."
#[test]
fn rfc3261_17_2_1_timer_g_doubles_until_t2() {
    let t0 = t0();
    let mut tx = udp(t0);
    let busy = send(&mut tx, t0, 486).remove(0);
    assert_eq!(tx.state(), ServerInviteState::Completed);
    assert_eq!(tx.poll_timeout(), Some((t0 + ms!(500), Timer::G)));
    for at in [500, 1_500, 3_500, 7_500, 11_500, 15_500] {
        assert_transmits!(tx, t0 + ms!(at) - ms!(1), 0);
        let again = assert_transmits!(tx, t0 + ms!(at), 1).remove(0);
        assert_eq!(again.as_ptr(), busy.as_ptr(), "the same bytes, resent");
    }
    let log = drive(&mut tx, t0, ms!(40_000));
    assert_eq!(send_instants(&log), [19_500, 23_500, 27_500, 31_500]);
    assert_eq!(log.last(), Some(&(32_000, Timer::H, 0)));
}

/// RFC 3261 §17.2.1: "When the "Completed" state is entered, timer H MUST
/// be set to fire in 64*T1 seconds for all transports." and "If timer H
/// fires while in the "Completed" state, it implies that the ACK was never
/// received. In this case, the server transaction MUST transition to the
/// "Terminated" state, and MUST indicate to the TU that a transaction
/// failure has occurred."
#[test]
fn rfc3261_17_2_1_timer_h_fires_at_64_t1() {
    for reliable in [UDP, TCP] {
        let t0 = t0();
        let mut tx = ServerInvite::new(t0, invite(), reliable, cfg());
        let final_at = t0 + ms!(1_000);
        send(&mut tx, final_at, 404);
        drive(&mut tx, t0, ms!(32_999));
        assert_events!(tx, []);
        assert_eq!(tx.poll_timeout(), Some((final_at + ms!(32_000), Timer::H)));
        assert_transmits!(tx, final_at + ms!(32_000) - ms!(1), 0);
        assert_events!(tx, []);
        assert_transmits!(tx, final_at + ms!(32_000), 0);
        assert_events!(tx, ["TimedOut", "Terminated"]);
        assert_eq!(tx.state(), ServerInviteState::Terminated);
    }
}

/// RFC 3261 §17.2.1: timer G "is not set to fire for reliable transports":
/// over TCP the final response goes out once.
#[test]
fn rfc3261_17_2_1_no_timer_g_over_reliable_transport() {
    let t0 = t0();
    let mut tx = tcp(t0);
    assert_eq!(send(&mut tx, t0 + ms!(10), 486).len(), 1);
    assert_eq!(tx.poll_timeout(), Some((t0 + ms!(32_010), Timer::H)));
    assert_eq!(drive(&mut tx, t0, ms!(60_000)), [(32_010, Timer::H, 0)]);
}

/// RFC 3261 §17.2.1: "Furthermore, while in the "Completed" state, if a
/// request retransmission is received, the server SHOULD pass the response
/// to the transport for retransmission."
#[test]
fn rfc3261_17_2_1_completed_resends_final_on_retransmitted_invite() {
    let t0 = t0();
    let mut tx = udp(t0);
    send(&mut tx, t0 + ms!(100), 180);
    let busy = send(&mut tx, t0 + ms!(200), 486).remove(0);
    tx.handle_request(t0 + ms!(300), invite());
    let again = transmits(&mut tx);
    assert_eq!(again.len(), 1);
    assert_eq!(parse(&again[0]).status(), Some(486));
    assert_eq!(again[0].as_ptr(), busy.as_ptr());
    assert_events!(tx, []);
}

/// RFC 3261 §17.2.1: "If an ACK is received while the server transaction
/// is in the "Completed" state, the server transaction MUST transition to
/// the "Confirmed" state. As Timer G is ignored in this state, any
/// retransmissions of the response will cease." and "When this state is
/// entered, timer I is set to fire in T4 seconds for unreliable transports
/// [...]. Once timer I fires, the server MUST transition to the
/// "Terminated" state."
#[test]
fn rfc3261_17_2_1_ack_enters_confirmed_and_timer_i_is_t4() {
    let t0 = t0();
    let mut tx = udp(t0);
    send(&mut tx, t0, 486);
    assert_transmits!(tx, t0 + ms!(500), 1); // one G retransmission
    let ack_at = t0 + ms!(600);
    tx.handle_request(ack_at, ack());
    assert_eq!(tx.state(), ServerInviteState::Confirmed);
    assert_events!(tx, []);
    assert_eq!(tx.poll_timeout(), Some((ack_at + ms!(5_000), Timer::I)));
    assert_transmits!(tx, t0 + ms!(1_500), 0); // G stopped
    assert_transmits!(tx, ack_at + ms!(5_000) - ms!(1), 0);
    assert_events!(tx, []);
    assert_transmits!(tx, ack_at + ms!(5_000), 0);
    assert_events!(tx, ["Terminated"]); // no TimedOut: H was stopped
}

/// RFC 3261 §17.2.1: timer I is set to fire in "zero seconds for reliable
/// transports".
#[test]
fn rfc3261_17_2_1_timer_i_zero_over_reliable_transport() {
    let t0 = t0();
    let mut tx = tcp(t0);
    send(&mut tx, t0, 603);
    tx.handle_request(t0 + ms!(50), ack());
    assert_events!(tx, ["Terminated"]);
    assert_eq!(tx.state(), ServerInviteState::Terminated);
    assert_eq!(tx.poll_timeout(), None);
}

/// RFC 3261 §17.2.1: "The purpose of the "Confirmed" state is to absorb any
/// additional ACK messages that arrive, triggered from retransmissions of
/// the final response."
#[test]
fn rfc3261_17_2_1_confirmed_absorbs_acks() {
    let t0 = t0();
    let mut tx = udp(t0);
    send(&mut tx, t0, 486);
    tx.handle_request(t0 + ms!(100), ack());
    for at in [200, 700, 1_700] {
        tx.handle_request(t0 + ms!(at), ack());
        tx.handle_request(t0 + ms!(at), invite());
    }
    assert_eq!(transmits(&mut tx).len(), 0);
    assert_events!(tx, []);
    assert_eq!(tx.state(), ServerInviteState::Confirmed);
    assert_eq!(tx.poll_timeout(), Some((t0 + ms!(5_100), Timer::I)));
}

/// RFC 6026 §8.5: "If, while in the "Proceeding" state, the TU passes a 2xx
/// response to the server transaction, the server transaction MUST pass
/// this response to the transport layer for transmission. It is not
/// retransmitted by the server transaction [...]. The server transaction
/// MUST then transition to the "Accepted" state." and §8.7: "Timer L MUST
/// be set to fire in 64*T1 for all transports." and §7.1: "When Timer L
/// fires and the state machine is in the "Accepted" state, the machine MUST
/// transition to the "Terminated" state."
#[test]
fn rfc6026_8_5_2xx_enters_accepted_with_timer_l() {
    for reliable in [UDP, TCP] {
        let t0 = t0();
        let mut tx = ServerInvite::new(t0, invite(), reliable, cfg());
        let ok_at = t0 + ms!(3_000);
        assert_eq!(send(&mut tx, ok_at, 200).len(), 1);
        assert_eq!(tx.state(), ServerInviteState::Accepted);
        assert_eq!(tx.poll_timeout(), Some((ok_at + ms!(32_000), Timer::L)));
        // No Trying (the 200 ms timer was due before the 2xx but nobody
        // called handle_timeout: the TU answered first).
        assert_eq!(drive(&mut tx, t0, ms!(60_000)), [(35_000, Timer::L, 0)]);
        assert_events!(tx, ["Terminated"]);
    }
}

/// RFC 6026 §7.1: "Any retransmission of the 2xx response passed from the
/// TU to the transaction while in the "Accepted" state MUST be passed to
/// the transport layer for transmission." and "Any ACKs received from the
/// network while in the "Accepted" state MUST be passed directly to the TU
/// and not absorbed." and "any retransmissions of the INVITE received will
/// match this transaction state machine and will be absorbed by the machine
/// without changing its state."
#[test]
fn rfc6026_7_1_accepted_sends_2xx_retransmissions_and_passes_acks_up() {
    let t0 = t0();
    let mut tx = udp(t0);
    send(&mut tx, t0, 200);
    // The TU (the UAS core, §13.3.1.4) retransmits its 2xx.
    for at in [500, 1_500, 3_500] {
        let again = send(&mut tx, t0 + ms!(at), 200);
        assert_eq!(again.len(), 1);
        assert_eq!(parse(&again[0]).status(), Some(200));
    }
    tx.handle_request(t0 + ms!(3_600), invite());
    assert_eq!(transmits(&mut tx).len(), 0, "INVITE absorbed");
    assert_events!(tx, []);
    let ack_2xx = ack();
    tx.handle_request(t0 + ms!(3_700), ack_2xx.clone());
    tx.handle_request(t0 + ms!(3_800), ack_2xx.clone());
    let got = raw_events(&mut tx);
    assert_eq!(got.len(), 2);
    for e in got {
        match e {
            ServerEvent::Ack(m) => assert_eq!(m, ack_2xx),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(tx.state(), ServerInviteState::Accepted);
    assert_eq!(tx.poll_timeout(), Some((t0 + ms!(32_000), Timer::L)));
}

/// What cannot be sent is refused and changes nothing: §17.2.1 allows
/// provisional responses only "so long as the server transaction is in the
/// "Proceeding" state", one non-2xx final response, and RFC 6026 §7.1 only
/// 2xx retransmissions in Accepted.
#[test]
fn send_response_refused_where_the_state_forbids_it() {
    let t0 = t0();
    let refused = |tx: &mut ServerInvite, code: u16| {
        tx.send_response(t0, response(&invite(), code, TAG))
            .unwrap_err()
    };

    let mut tx = udp(t0);
    send(&mut tx, t0, 486);
    for code in [180, 200, 486, 603] {
        assert_eq!(
            refused(&mut tx, code),
            InvalidResponse {
                status: code,
                state: "Completed"
            }
        );
    }
    tx.handle_request(t0, ack());
    assert_eq!(refused(&mut tx, 200).state, "Confirmed");

    let mut tx = udp(t0);
    send(&mut tx, t0, 200);
    for code in [100, 180, 404] {
        assert_eq!(
            refused(&mut tx, code),
            InvalidResponse {
                status: code,
                state: "Accepted"
            }
        );
    }
    assert_eq!(transmits(&mut tx).len(), 0);
    assert_eq!(tx.state(), ServerInviteState::Accepted);

    let mut tx = tcp(t0);
    tx.handle_transport_error(t0);
    assert_eq!(refused(&mut tx, 180).state, "Terminated");
    // A request is not a response.
    let err = tx.send_response(t0, invite()).unwrap_err();
    assert_eq!(err.status, 0);
    assert_eq!(
        err.to_string(),
        "a 0 response cannot be sent by a server transaction in the Terminated state"
    );
}

/// `final_to_tag` is the To tag of the last final response sent, which the
/// layer needs to match an ACK from an RFC 2543 client (§17.2.3).
#[test]
fn final_to_tag_is_the_tag_of_the_last_final_response() {
    let t0 = t0();
    let mut tx = udp(t0);
    assert_eq!(tx.final_to_tag(), None);
    tx.send_response(t0, response(&invite(), 180, Some("early")))
        .unwrap();
    assert_eq!(tx.final_to_tag(), None, "a provisional is not final");
    tx.send_response(t0, response(&invite(), 486, Some("busy-tag")))
        .unwrap();
    assert_eq!(tx.final_to_tag(), Some("busy-tag"));

    let mut tx = udp(t0);
    tx.send_response(t0, response(&invite(), 200, Some("ok-1")))
        .unwrap();
    assert_eq!(tx.final_to_tag(), Some("ok-1"));
    tx.send_response(t0, response(&invite(), 200, Some("ok-2")))
        .unwrap();
    assert_eq!(tx.final_to_tag(), Some("ok-2"));
}

/// RFC 3261 §17.2.4: the server transaction "SHOULD inform the TU that a
/// failure has occurred, and SHOULD transition to the terminated state".
#[test]
fn rfc3261_17_2_4_transport_error_terminates() {
    for code in [None, Some(180), Some(486)] {
        let t0 = t0();
        let mut tx = udp(t0);
        if let Some(code) = code {
            send(&mut tx, t0, code);
        }
        tx.handle_transport_error(t0 + ms!(10));
        assert_events!(tx, ["TransportError", "Terminated"]);
        assert!(tx.is_terminated());
        assert_eq!(tx.poll_timeout(), None);
        assert!(drive(&mut tx, t0, ms!(100_000)).is_empty());
    }
}

/// RFC 6026 §8.7 / figure 7: in the Accepted state a transport error is
/// "Inform TU" and the transaction stays Accepted, still absorbing
/// retransmitted INVITEs until Timer L.
#[test]
fn rfc6026_transport_error_in_accepted_informs_tu_and_stays() {
    let t0 = t0();
    let mut tx = udp(t0);
    send(&mut tx, t0, 200);
    tx.handle_transport_error(t0 + ms!(10));
    assert_events!(tx, ["TransportError"]);
    assert_eq!(tx.state(), ServerInviteState::Accepted);
    tx.handle_request(t0 + ms!(20), invite());
    assert!(
        tx.poll_transmit().is_none(),
        "the retransmitted INVITE is absorbed"
    );
    assert_events!(tx, []);
    tx.handle_timeout(t0 + ms!(32_000));
    assert!(tx.is_terminated(), "Timer L still ends it");
}

/// RFC 3261 §17.1.1.1: T1 "defaults to 500 ms" and may be changed: G
/// follows T1 and T2, H and L scale with T1, I follows T4 and the automatic
/// 100 follows its setting.
#[test]
fn rfc3261_17_1_1_1_custom_config_scales_timers() {
    let t0 = t0();
    let mut c = cfg();
    c.t1(ms!(100)).t2(ms!(1_000)).t4(ms!(1_000)).trying(ms!(50));
    let mut tx = ServerInvite::new(t0, invite(), UDP, c);
    assert_transmits!(tx, t0 + ms!(49), 0);
    assert_transmits!(tx, t0 + ms!(50), 1);
    send(&mut tx, t0, 500);
    // Intervals of 100, 200, 400, 800 ms, then capped at T2 = 1 s.
    for at in [100, 300, 700, 1_500, 2_500, 3_500, 4_500, 5_500] {
        assert_transmits!(tx, t0 + ms!(at) - ms!(1), 0);
        assert_transmits!(tx, t0 + ms!(at), 1);
    }
    assert_eq!(tx.poll_timeout(), Some((t0 + ms!(6_400), Timer::H)));
    assert_transmits!(tx, t0 + ms!(6_399), 0);
    assert_events!(tx, []);
    assert_transmits!(tx, t0 + ms!(6_400), 0);
    assert_events!(tx, ["TimedOut", "Terminated"]);

    let mut tx = ServerInvite::new(t0, invite(), UDP, c);
    send(&mut tx, t0, 500);
    tx.handle_request(t0 + ms!(10), ack());
    assert_eq!(tx.poll_timeout(), Some((t0 + ms!(1_010), Timer::I)));

    let mut tx = ServerInvite::new(t0, invite(), UDP, c);
    send(&mut tx, t0, 200);
    assert_eq!(tx.poll_timeout(), Some((t0 + ms!(6_400), Timer::L)));
}

/// The TU learns of the end exactly once, whatever arrives afterwards.
#[test]
fn terminated_event_emitted_once() {
    let t0 = t0();
    let mut tx = udp(t0);
    send(&mut tx, t0, 486);
    drive(&mut tx, t0, ms!(40_000));
    assert_events!(tx, ["TimedOut", "Terminated"]);
    tx.handle_timeout(t0 + ms!(99_000));
    tx.handle_transport_error(t0 + ms!(99_000));
    tx.handle_request(t0 + ms!(99_000), ack());
    tx.handle_request(t0 + ms!(99_000), invite());
    assert!(tx.send_response(t0, response(&invite(), 486, TAG)).is_err());
    assert_events!(tx, []);
    assert_eq!(transmits(&mut tx).len(), 0);
}

/// Peer input never panics: an INVITE whose To does not parse gets no
/// automatic 100 (one cannot be built), and a response handed in as a
/// request is ignored.
#[test]
fn odd_peer_input_does_not_panic() {
    let t0 = t0();
    let broken = msg("INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bKbroken\r\n\
From: <sip:alice@atlanta.example.com>;tag=1\r\n\
To: <sip:bob@biloxi.example.com\r\n\
Call-ID: broken\r\n\
CSeq: 1 INVITE\r\n\
Content-Length: 0\r\n\
\r\n");
    let mut tx = ServerInvite::new(t0, broken.clone(), UDP, cfg());
    assert_transmits!(tx, t0 + ms!(200), 0);
    tx.handle_request(t0 + ms!(300), broken);
    tx.handle_request(t0 + ms!(300), response(&invite(), 180, TAG));
    assert_eq!(transmits(&mut tx).len(), 0);
    assert_events!(tx, []);
    assert_eq!(tx.state(), ServerInviteState::Proceeding);
}
