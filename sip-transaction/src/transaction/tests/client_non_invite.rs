//! Non-INVITE client transaction: RFC 3261 §17.1.2.

use super::*;
use crate::transaction::{ClientNonInvite, ClientNonInviteState};

const TAG: Option<&str> = Some("2493k59kd");

fn udp(t0: Instant) -> ClientNonInvite {
    let mut tx = ClientNonInvite::new(t0, register(), UDP, cfg());
    assert_eq!(transmits(&mut tx).len(), 1, "the request goes out at once");
    tx
}

/// RFC 3261 §17.1.2.2: "If timer E fires while still in this state, the
/// timer is reset, but this time with a value of MIN(2*T1, T2). When the
/// timer fires again, it is reset to a MIN(4*T1, T2). [...] For the default
/// values of T1 and T2, this results in intervals of 500 ms, 1 s, 2 s, 4 s,
/// 4 s, 4 s, etc."
#[test]
fn rfc3261_17_1_2_2_timer_e_doubles_until_t2() {
    let t0 = t0();
    let mut tx = ClientNonInvite::new(t0, register(), UDP, cfg());
    let first = assert_transmits!(tx, t0, 1).remove(0);
    assert_eq!(tx.poll_timeout(), Some((t0 + ms!(500), Timer::E)));
    for at in [500, 1_500, 3_500, 7_500, 11_500, 15_500, 19_500] {
        assert_transmits!(tx, t0 + ms!(at) - ms!(1), 0);
        let again = assert_transmits!(tx, t0 + ms!(at), 1).remove(0);
        assert_eq!(again.as_ptr(), first.as_ptr(), "the same bytes, resent");
    }
    assert_eq!(
        send_instants(&drive(&mut tx, t0, ms!(40_000))),
        [23_500, 27_500, 31_500]
    );
    assert_events!(tx, ["TimedOut", "Terminated"]);
}

/// RFC 3261 §17.1.2.2: "If Timer E fires while in the "Proceeding" state,
/// the request MUST be passed to the transport layer for retransmission,
/// and Timer E MUST be reset with a value of T2 seconds. If timer F fires
/// while in the "Proceeding" state, the TU MUST be informed of a timeout,
/// and the client transaction MUST transition to the terminated state."
#[test]
fn rfc3261_17_1_2_2_timer_e_fires_every_t2_in_proceeding() {
    let t0 = t0();
    let mut tx = udp(t0);
    tx.handle_response(t0 + ms!(100), response(&register(), 100, None));
    assert_eq!(tx.state(), ClientNonInviteState::Proceeding);
    assert_events!(tx, ["Response(100)"]);
    // The E set in Trying still fires at 500 ms; from then on, every T2.
    for at in [500, 4_500, 8_500, 12_500] {
        assert_transmits!(tx, t0 + ms!(at) - ms!(1), 0);
        assert_transmits!(tx, t0 + ms!(at), 1);
    }
    let log = drive(&mut tx, t0, ms!(40_000));
    assert_eq!(
        send_instants(&log),
        [16_500, 20_500, 24_500, 28_500],
        "every 4 s"
    );
    assert_eq!(log.last(), Some(&(32_000, Timer::F, 0)));
    assert_events!(tx, ["TimedOut", "Terminated"]);
}

/// RFC 3261 §17.1.2.2: "When entering this state, the client transaction
/// SHOULD set timer F to fire in 64*T1 seconds." and "If Timer F fires
/// while the client transaction is still in the "Trying" state, the client
/// transaction SHOULD inform the TU about the timeout, and then it SHOULD
/// enter the "Terminated" state."
#[test]
fn rfc3261_17_1_2_2_timer_f_fires_at_64_t1() {
    let t0 = t0();
    let mut tx = udp(t0);
    drive(&mut tx, t0, ms!(31_999));
    assert_transmits!(tx, t0 + ms!(31_999), 0);
    assert_events!(tx, []);
    assert_eq!(tx.state(), ClientNonInviteState::Trying);
    assert_transmits!(tx, t0 + ms!(32_000), 0);
    assert_events!(tx, ["TimedOut", "Terminated"]);
    assert!(tx.is_terminated());
    assert_eq!(tx.poll_timeout(), None);
}

/// RFC 3261 §17.1.2.2: "If an unreliable transport is in use, the client
/// transaction MUST set timer E to fire in T1 seconds." Over a reliable
/// one it does not: the only timer is F.
#[test]
fn rfc3261_17_1_2_2_no_timer_e_over_reliable_transport() {
    let t0 = t0();
    let mut tx = ClientNonInvite::new(t0, register(), TCP, cfg());
    assert_eq!(transmits(&mut tx).len(), 1);
    assert_eq!(tx.poll_timeout(), Some((t0 + ms!(32_000), Timer::F)));
    assert_eq!(drive(&mut tx, t0, ms!(60_000)), [(32_000, Timer::F, 0)]);
    assert_events!(tx, ["TimedOut", "Terminated"]);
}

/// RFC 3261 §17.1.2.2: "If a provisional response is received while in the
/// "Trying" state, the response MUST be passed to the TU, and then the
/// client transaction SHOULD move to the "Proceeding" state."
#[test]
fn rfc3261_17_1_2_2_provisional_enters_proceeding_and_goes_up() {
    let t0 = t0();
    let mut tx = udp(t0);
    tx.handle_response(t0 + ms!(10), response(&register(), 100, None));
    tx.handle_response(t0 + ms!(20), response(&register(), 183, TAG));
    assert_eq!(tx.state(), ClientNonInviteState::Proceeding);
    assert_events!(tx, ["Response(100)", "Response(183)"]);
    assert_eq!(transmits(&mut tx).len(), 0);
}

/// RFC 3261 §17.1.2.2: "If a final response (status codes 200-699) is
/// received while in the "Trying" state, the response MUST be passed to the
/// TU, and the client transaction MUST transition to the "Completed"
/// state." and "Once the client transaction enters the "Completed" state,
/// it MUST set Timer K to fire in T4 seconds for unreliable transports"
/// and "If Timer K fires while in this state, the client transaction MUST
/// transition to the "Terminated" state."
#[test]
fn rfc3261_17_1_2_2_final_enters_completed_with_timer_k_t4() {
    let t0 = t0();
    let mut tx = udp(t0);
    let ok_at = t0 + ms!(1_000);
    tx.handle_response(ok_at, response(&register(), 200, TAG));
    assert_eq!(tx.state(), ClientNonInviteState::Completed);
    assert_events!(tx, ["Response(200)"]);
    assert_eq!(tx.poll_timeout(), Some((ok_at + ms!(5_000), Timer::K)));
    // Timer E and F stopped: no retransmission at 1.5 s, no timeout.
    assert_transmits!(tx, t0 + ms!(1_500), 0);
    assert_transmits!(tx, ok_at + ms!(5_000) - ms!(1), 0);
    assert_events!(tx, []);
    assert_transmits!(tx, ok_at + ms!(5_000), 0);
    assert_events!(tx, ["Terminated"]);
}

/// RFC 3261 §17.1.2.2: Timer K fires in "zero seconds for reliable
/// transports": the transaction ends with the final response.
#[test]
fn rfc3261_17_1_2_2_timer_k_zero_over_reliable_transport() {
    let t0 = t0();
    let mut tx = ClientNonInvite::new(t0, register(), TCP, cfg());
    transmits(&mut tx);
    tx.handle_response(t0 + ms!(30), response(&register(), 100, None));
    tx.handle_response(t0 + ms!(40), response(&register(), 401, TAG));
    assert_events!(tx, ["Response(100)", "Response(401)", "Terminated"]);
    assert_eq!(tx.state(), ClientNonInviteState::Terminated);
    assert_eq!(tx.poll_timeout(), None);
}

/// RFC 3261 §17.1.2.2: "The "Completed" state exists to buffer any
/// additional response retransmissions that may be received": they are
/// neither passed up nor answered.
#[test]
fn rfc3261_17_1_2_2_completed_absorbs_retransmitted_responses() {
    let t0 = t0();
    let mut tx = udp(t0);
    tx.handle_response(t0 + ms!(100), response(&register(), 200, TAG));
    assert_events!(tx, ["Response(200)"]);
    for at in [600, 1_600, 3_600] {
        tx.handle_response(t0 + ms!(at), response(&register(), 200, TAG));
    }
    tx.handle_response(t0 + ms!(3_700), response(&register(), 180, TAG));
    assert_events!(tx, []);
    assert_eq!(transmits(&mut tx).len(), 0);
    assert_eq!(tx.state(), ClientNonInviteState::Completed);
}

/// RFC 3261 §17.1.2.2: the intervals follow T1 and T2 ("MIN(2*T1, T2)"),
/// and Timers F and K follow T1 and T4.
#[test]
fn rfc3261_17_1_2_2_custom_t1_t2_t4_scale_timers() {
    let t0 = t0();
    let mut c = cfg();
    c.t1(ms!(100)).t2(ms!(1_000)).t4(ms!(2_000));
    let mut tx = ClientNonInvite::new(t0, register(), UDP, c);
    assert_transmits!(tx, t0, 1);
    // 100 ms, 200 ms, 400 ms, 800 ms, then capped at T2 = 1 s.
    for at in [100, 300, 700, 1_500, 2_500, 3_500] {
        assert_transmits!(tx, t0 + ms!(at) - ms!(1), 0);
        assert_transmits!(tx, t0 + ms!(at), 1);
    }
    let log = drive(&mut tx, t0, ms!(10_000));
    assert_eq!(send_instants(&log), [4_500, 5_500]);
    assert_eq!(log.last(), Some(&(6_400, Timer::F, 0)));
    assert_events!(tx, ["TimedOut", "Terminated"]);

    let mut tx = ClientNonInvite::new(t0, register(), UDP, c);
    tx.handle_response(t0 + ms!(50), response(&register(), 202, TAG));
    assert_eq!(tx.poll_timeout(), Some((t0 + ms!(2_050), Timer::K)));
}

/// RFC 3261 §17.1.4: "the client transaction SHOULD inform the TU that a
/// transport failure has occurred, and the client transaction SHOULD
/// transition directly to the "Terminated" state."
#[test]
fn rfc3261_17_1_4_transport_error_terminates() {
    let t0 = t0();
    let mut tx = udp(t0);
    tx.handle_timeout(t0 + ms!(500));
    transmits(&mut tx);
    tx.handle_transport_error(t0 + ms!(600));
    assert_events!(tx, ["TransportError", "Terminated"]);
    assert!(tx.is_terminated());
    assert_eq!(tx.poll_timeout(), None);
    assert!(drive(&mut tx, t0, ms!(100_000)).is_empty());
}

/// The TU learns of the end exactly once, whatever arrives afterwards.
#[test]
fn terminated_event_emitted_once() {
    let t0 = t0();
    let mut tx = udp(t0);
    tx.handle_response(t0, response(&register(), 200, TAG));
    tx.handle_timeout(t0 + ms!(5_000));
    assert_events!(tx, ["Response(200)", "Terminated"]);
    tx.handle_timeout(t0 + ms!(5_000));
    tx.handle_timeout(t0 + ms!(64_000));
    tx.handle_transport_error(t0 + ms!(64_000));
    tx.handle_response(t0 + ms!(64_000), response(&register(), 200, TAG));
    assert_events!(tx, []);
    assert_eq!(transmits(&mut tx).len(), 0);
}

/// A driver that wakes late gets one retransmission, not a burst, and the
/// schedule stays on the §17.1.2.2 grid; a wake-up past F also reports the
/// timeout.
#[test]
fn late_handle_timeout_keeps_the_schedule() {
    let t0 = t0();
    let mut tx = udp(t0);
    // E was due at 0.5, 1.5, 3.5 and 7.5 s.
    assert_transmits!(tx, t0 + ms!(10_000), 1);
    assert_eq!(tx.poll_timeout(), Some((t0 + ms!(11_500), Timer::E)));
    assert_events!(tx, []);
    assert_transmits!(tx, t0 + ms!(11_500), 1);
    tx.handle_timeout(t0 + ms!(50_000));
    assert_events!(tx, ["TimedOut", "Terminated"]);
}
