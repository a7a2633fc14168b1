//! Non-INVITE server transaction: RFC 3261 §17.2.2.

use super::*;
use crate::transaction::{InvalidResponse, ServerNonInvite, ServerNonInviteState};

const TAG: Option<&str> = Some("a6c85cf");

fn udp(t0: Instant) -> ServerNonInvite {
    ServerNonInvite::new(t0, register(), UDP, cfg())
}

/// Sends a response from the TU and returns what went out.
fn send(tx: &mut ServerNonInvite, at: Instant, code: u16) -> Vec<Bytes> {
    tx.send_response(at, response(&register(), code, TAG))
        .expect("the state allows it");
    transmits(tx)
}

/// RFC 3261 §17.2.2: "Once in the "Trying" state, any further request
/// retransmissions are discarded." Nothing is sent on the transaction's
/// own: no 100 for non-INVITE, no timer.
#[test]
fn rfc3261_17_2_2_trying_discards_retransmissions() {
    let t0 = t0();
    let mut tx = udp(t0);
    assert_eq!(tx.poll_timeout(), None);
    for at in [500, 1_500, 3_500] {
        tx.handle_request(t0 + ms!(at), register());
        assert_transmits!(tx, t0 + ms!(at), 0);
    }
    assert_events!(tx, []);
    assert_eq!(tx.state(), ServerNonInviteState::Trying);
}

/// RFC 3261 §17.2.2: "While in the "Trying" state, if the TU passes a
/// provisional response to the server transaction, the server transaction
/// MUST enter the "Proceeding" state. The response MUST be passed to the
/// transport layer for transmission. [...] If a retransmission of the
/// request is received while in the "Proceeding" state, the most recently
/// sent provisional response MUST be passed to the transport layer for
/// retransmission."
#[test]
fn rfc3261_17_2_2_provisional_enters_proceeding_and_is_resent() {
    let t0 = t0();
    let mut tx = udp(t0);
    assert_eq!(send(&mut tx, t0 + ms!(100), 100).len(), 1);
    assert_eq!(tx.state(), ServerNonInviteState::Proceeding);
    let latest = send(&mut tx, t0 + ms!(200), 183).remove(0);
    tx.handle_request(t0 + ms!(500), register());
    let again = transmits(&mut tx);
    assert_eq!(again.len(), 1);
    assert_eq!(parse(&again[0]).status(), Some(183));
    assert_eq!(again[0].as_ptr(), latest.as_ptr(), "the same bytes");
    assert_eq!(tx.poll_timeout(), None, "never retransmitted on its own");
}

/// RFC 3261 §17.2.2: "If the TU passes a final response (status codes
/// 200-699) to the server while in the "Proceeding" state, the transaction
/// MUST enter the "Completed" state" and "When the server transaction
/// enters the "Completed" state, it MUST set Timer J to fire in 64*T1
/// seconds for unreliable transports [...]. The server transaction remains
/// in this state until Timer J fires, at which point it MUST transition to
/// the "Terminated" state."
#[test]
fn rfc3261_17_2_2_final_enters_completed_with_timer_j_64_t1() {
    let t0 = t0();
    let mut tx = udp(t0);
    send(&mut tx, t0 + ms!(100), 180);
    let final_at = t0 + ms!(1_000);
    assert_eq!(send(&mut tx, final_at, 200).len(), 1);
    assert_eq!(tx.state(), ServerNonInviteState::Completed);
    assert_eq!(tx.poll_timeout(), Some((final_at + ms!(32_000), Timer::J)));
    // No timer resends the final: the client's retransmissions drive it.
    assert_transmits!(tx, final_at + ms!(32_000) - ms!(1), 0);
    assert_events!(tx, []);
    assert_transmits!(tx, final_at + ms!(32_000), 0);
    assert_events!(tx, ["Terminated"]);
}

/// RFC 3261 §17.2.2 (figure 8): a final response straight from Trying also
/// enters Completed.
#[test]
fn rfc3261_17_2_2_final_straight_from_trying() {
    let t0 = t0();
    let mut tx = udp(t0);
    assert_eq!(send(&mut tx, t0, 404).len(), 1);
    assert_eq!(tx.state(), ServerNonInviteState::Completed);
    assert_eq!(tx.poll_timeout(), Some((t0 + ms!(32_000), Timer::J)));
}

/// RFC 3261 §17.2.2: "While in the "Completed" state, the server
/// transaction MUST pass the final response to the transport layer for
/// retransmission whenever a retransmission of the request is received."
#[test]
fn rfc3261_17_2_2_completed_resends_final_on_retransmission() {
    let t0 = t0();
    let mut tx = udp(t0);
    let ok = send(&mut tx, t0, 200).remove(0);
    for at in [500, 1_500, 3_500, 7_500] {
        tx.handle_request(t0 + ms!(at), register());
        let again = transmits(&mut tx);
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].as_ptr(), ok.as_ptr());
    }
    assert_events!(tx, []);
}

/// RFC 3261 §17.2.2: Timer J fires in "zero seconds for reliable
/// transports".
#[test]
fn rfc3261_17_2_2_timer_j_zero_over_reliable_transport() {
    let t0 = t0();
    let mut tx = ServerNonInvite::new(t0, register(), TCP, cfg());
    assert_eq!(send(&mut tx, t0 + ms!(5), 200).len(), 1);
    assert_events!(tx, ["Terminated"]);
    assert_eq!(tx.state(), ServerNonInviteState::Terminated);
    assert_eq!(tx.poll_timeout(), None);
}

/// RFC 3261 §17.2.2: "Any other final responses passed by the TU to the
/// server transaction MUST be discarded while in the "Completed" state."
/// The TU is told with an error; nothing is sent.
#[test]
fn rfc3261_17_2_2_responses_after_final_refused() {
    let t0 = t0();
    let mut tx = udp(t0);
    send(&mut tx, t0, 486);
    for code in [100, 180, 200, 486, 500] {
        let err = tx
            .send_response(t0, response(&register(), code, TAG))
            .unwrap_err();
        assert_eq!(
            err,
            InvalidResponse {
                status: code,
                state: "Completed"
            }
        );
    }
    assert_eq!(transmits(&mut tx).len(), 0);
    assert_eq!(tx.state(), ServerNonInviteState::Completed);
    // A request is not a response.
    assert_eq!(tx.send_response(t0, register()).unwrap_err().status, 0);
}

/// RFC 3261 §17.1.1.1: T1 "defaults to 500 ms" and may be changed; Timer J
/// is 64*T1.
#[test]
fn rfc3261_17_1_1_1_custom_t1_scales_timer_j() {
    let t0 = t0();
    let mut c = cfg();
    c.t1(ms!(100));
    let mut tx = ServerNonInvite::new(t0, register(), UDP, c);
    send(&mut tx, t0, 200);
    assert_eq!(tx.poll_timeout(), Some((t0 + ms!(6_400), Timer::J)));
    assert_eq!(drive(&mut tx, t0, ms!(60_000)), [(6_400, Timer::J, 0)]);
    assert_events!(tx, ["Terminated"]);
}

/// RFC 3261 §17.2.4: the server transaction "SHOULD inform the TU that a
/// failure has occurred, and SHOULD transition to the terminated state".
#[test]
fn rfc3261_17_2_4_transport_error_terminates() {
    for code in [None, Some(180), Some(200)] {
        let t0 = t0();
        let mut tx = udp(t0);
        if let Some(code) = code {
            send(&mut tx, t0, code);
        }
        tx.handle_transport_error(t0 + ms!(1));
        assert_events!(tx, ["TransportError", "Terminated"]);
        assert!(tx.is_terminated());
        assert_eq!(tx.poll_timeout(), None);
        tx.handle_request(t0 + ms!(2), register());
        assert_eq!(transmits(&mut tx).len(), 0);
    }
}

/// The TU learns of the end exactly once, whatever arrives afterwards.
#[test]
fn terminated_event_emitted_once() {
    let t0 = t0();
    let mut tx = udp(t0);
    send(&mut tx, t0, 200);
    tx.handle_timeout(t0 + ms!(32_000));
    assert_events!(tx, ["Terminated"]);
    tx.handle_timeout(t0 + ms!(32_000));
    tx.handle_timeout(t0 + ms!(99_000));
    tx.handle_transport_error(t0 + ms!(99_000));
    tx.handle_request(t0 + ms!(99_000), register());
    assert!(tx
        .send_response(t0, response(&register(), 200, TAG))
        .is_err());
    assert_events!(tx, []);
    assert_eq!(transmits(&mut tx).len(), 0);
}

/// RFC 3261 §17.2.2: in Completed "the server transaction MUST pass the
/// final response to the transport layer for retransmission whenever a
/// retransmission of the request is received" — the response is all it
/// needs for the rest of Timer J, so the request is let go: the request
/// is there while the TU may still answer, gone once the final response
/// is sent, and retransmissions are still answered with the response.
#[test]
fn rfc3261_17_2_2_completed_keeps_only_the_response() {
    let t0 = t0();
    let mut tx = udp(t0);
    assert!(tx.request().is_some());
    send(&mut tx, t0, 100);
    assert!(tx.request().is_some(), "still needed while proceeding");
    let sent = send(&mut tx, t0 + ms!(10), 200);
    assert_eq!(tx.state(), ServerNonInviteState::Completed);
    assert!(tx.request().is_none());
    tx.handle_request(t0 + ms!(500), register());
    assert_eq!(transmits(&mut tx), sent);
}
