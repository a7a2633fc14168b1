//! RFC 3550 appendix A, tested at its edges on exact instants.

use rand::rngs::StdRng;
use rand::SeedableRng;

use super::*;

#[allow(clippy::disallowed_methods)]
fn t0() -> Instant {
    Instant::now()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Feeds `seqs` as 20 ms G.711 packets sent at seq*20 ms and arriving
/// with the given extra delays (ms).
fn feed(rx: &mut ReceiverStats, t0: Instant, seqs: &[(u16, u64)]) -> Vec<Arrival> {
    seqs.iter()
        .map(|&(seq, delay)| {
            let sent = u64::from(seq) * 20;
            rx.on_packet(t0 + ms(sent + delay), seq, u32::from(seq) * 160)
        })
        .collect()
}

/// RFC 3550 A.1: "a source is declared valid only after MIN_SEQUENTIAL
/// packets have been received in sequence" — the first packet is held,
/// the second validates the source and is the first one counted.
#[test]
fn rfc3550_a1_probation_needs_two_in_sequence() {
    let t0 = t0();
    let mut rx = ReceiverStats::new(8000);
    assert_eq!(feed(&mut rx, t0, &[(10, 0)]), [Arrival::Held]);
    assert!(!rx.is_valid());
    // Out of sequence during probation: probation restarts.
    assert_eq!(feed(&mut rx, t0, &[(20, 0)]), [Arrival::Held]);
    assert_eq!(feed(&mut rx, t0, &[(21, 0)]), [Arrival::Accepted]);
    assert!(rx.is_valid());
    assert_eq!((rx.received(), rx.expected()), (1, 1));
    assert_eq!(feed(&mut rx, t0, &[(22, 0)]), [Arrival::Accepted]);
    assert_eq!((rx.received(), rx.expected(), rx.lost()), (2, 2, 0));
}

/// A.1: "Sequence number wrapped - count another 64K cycle." The
/// extended highest sequence number carries the cycle count in its
/// high 16 bits (§6.4.1), and loss across the wrap is counted.
#[test]
fn rfc3550_a1_sequence_wrap_counts_a_cycle() {
    let t0 = t0();
    let mut rx = ReceiverStats::new(8000);
    let seqs: Vec<(u16, u64)> = (65530u16..=65535)
        .chain(0..=3)
        .filter(|s| *s != 1)
        .map(|s| (s, 0))
        .collect();
    feed(&mut rx, t0, &seqs);
    assert_eq!(rx.extended_max(), (1 << 16) | 3);
    // 65531..=65535 and 0..=3 after probation: 9 expected, 1 missing.
    assert_eq!(rx.expected(), 9);
    assert_eq!(rx.lost(), 1);
    let r = rx.report(t0);
    assert_eq!(r.extended_highest_seq, 65539);
    assert_eq!(r.cumulative_lost, 1);
}

/// A.1: "the sequence number made a very large jump ... Two sequential
/// packets -- assume that the other side restarted without telling us
/// so just re-sync": one far packet is held, a second in sequence
/// re-synchronizes and counting starts over.
#[test]
fn rfc3550_a1_restarted_source_resyncs_after_two_packets() {
    let t0 = t0();
    let mut rx = ReceiverStats::new(8000);
    feed(&mut rx, t0, &[(100, 0), (101, 0), (102, 0)]);
    assert_eq!(rx.received(), 2);
    // A jump of 30,000: held.
    assert_eq!(feed(&mut rx, t0, &[(30_102, 0)]), [Arrival::Held]);
    assert_eq!(rx.received(), 2);
    // The next in sequence: re-sync, as if it were the first packet.
    assert_eq!(feed(&mut rx, t0, &[(30_103, 0)]), [Arrival::Accepted]);
    assert_eq!((rx.received(), rx.expected(), rx.lost()), (1, 1, 0));
    assert_eq!(rx.extended_max(), 30_103);
}

/// A.1: reordered packets within MAX_MISORDER are counted, not taken as
/// a restart; a duplicate is counted as received (A.1 makes no
/// difference) and so can make the loss negative (A.3: "the number of
/// packets lost ... will be negative if there are duplicates"), and is
/// reported separately.
#[test]
fn rfc3550_a1_reordered_and_duplicated_packets() {
    let t0 = t0();
    let mut rx = ReceiverStats::new(8000);
    let got = feed(
        &mut rx,
        t0,
        &[(1, 0), (2, 0), (4, 0), (3, 5), (5, 0), (5, 1), (2, 9)],
    );
    assert_eq!(
        got,
        [
            Arrival::Held,
            Arrival::Accepted,
            Arrival::Accepted,
            Arrival::Accepted,
            Arrival::Accepted,
            Arrival::Duplicate,
            Arrival::Duplicate
        ]
    );
    assert_eq!(rx.duplicates(), 2);
    assert_eq!(rx.extended_max(), 5);
    // 2..=5 expected (4), 6 counted as received.
    assert_eq!(rx.lost(), -2);
    assert_eq!(rx.report(t0).cumulative_lost, -2);
}

/// A.3: "The fraction of packets lost during the last reporting
/// interval ... fraction = (lost_interval << 8) / expected_interval",
/// zero when nothing was lost in the interval, and "expected_prior" and
/// "received_prior" move on with each report.
#[test]
fn rfc3550_a3_fraction_lost_per_interval() {
    let t0 = t0();
    let mut rx = ReceiverStats::new(8000);
    // 1..=101: probation takes 1; 2..=101 with 25 missing of 100.
    let seqs: Vec<(u16, u64)> = (1u16..=101)
        .filter(|s| s % 4 != 0)
        .map(|s| (s, 0))
        .collect();
    feed(&mut rx, t0, &seqs);
    let r = rx.report(t0);
    assert_eq!(r.cumulative_lost, 25);
    assert_eq!(r.fraction_lost, 64); // 25/100 of 256
                                     // The next interval loses nothing.
    let seqs: Vec<(u16, u64)> = (102u16..=150).map(|s| (s, 0)).collect();
    feed(&mut rx, t0, &seqs);
    let r = rx.report(t0);
    assert_eq!((r.fraction_lost, r.cumulative_lost), (0, 25));
    // An interval with nothing expected reports zero too.
    assert_eq!(rx.report(t0).fraction_lost, 0);
}

/// A.3: the cumulative loss is "clamped at 0x7fffff for positive loss
/// or 0x800000 for negative loss" to fit its 24-bit field.
#[test]
fn rfc3550_a3_cumulative_loss_is_clamped_to_24_bits() {
    let t0 = t0();
    let mut rx = ReceiverStats::new(8000);
    feed(&mut rx, t0, &[(0, 0), (1, 0)]);
    // Jump ahead 2999 at a time (under MAX_DROPOUT) for ~9 million
    // sequence numbers, one packet per step.
    let mut seq: u16 = 1;
    for _ in 0..3_000 {
        seq = seq.wrapping_add(2_999);
        rx.on_packet(t0, seq, 0);
    }
    assert!(rx.lost() > 0x7F_FFFF, "{}", rx.lost());
    assert_eq!(rx.report(t0).cumulative_lost, 0x7F_FFFF);
}

/// A.8: packets that arrive exactly as paced add no jitter; a known
/// arrival pattern gives the estimate the recurrence "J(i) = J(i-1) +
/// (|D(i-1,i)| - J(i-1))/16" predicts, in timestamp units.
#[test]
fn rfc3550_a8_jitter_on_a_known_arrival_pattern() {
    let t0 = t0();
    let mut rx = ReceiverStats::new(8000);
    let even: Vec<(u16, u64)> = (0u16..50).map(|s| (s, 0)).collect();
    feed(&mut rx, t0, &even);
    assert_eq!(rx.jitter(), 0);

    // Now every other packet is 10 ms late: |D| alternates 80, 80
    // timestamp units (10 ms at 8 kHz), so J converges to 80.
    let mut rx = ReceiverStats::new(8000);
    let pattern: Vec<(u16, u64)> = (0u16..400)
        .map(|s| (s, if s % 2 == 1 { 10 } else { 0 }))
        .collect();
    feed(&mut rx, t0, &pattern);
    // Reference: the integer recurrence of A.8 run by hand.
    let mut j: u32 = 0;
    for i in 2..400u32 {
        let _ = i;
        let d = 80u32;
        j = j + d - ((j + 8) >> 4);
    }
    assert_eq!(rx.jitter(), j >> 4);
    assert!((78..=80).contains(&rx.jitter()), "{}", rx.jitter());
    assert_eq!(
        rx.jitter_duration(),
        Duration::from_nanos(u64::from(rx.jitter()) * 125_000)
    );
}

/// §6.4.1: the sender's packet and octet counts, and an RTP timestamp
/// for the SR that advances with the media clock.
#[test]
fn rfc3550_6_4_1_sender_counts_and_sr_timestamp() {
    let t0 = t0();
    let mut tx = SenderStats::default();
    assert_eq!(tx.rtp_timestamp_at(t0, 8000), None);
    for i in 0..50u32 {
        tx.on_sent(t0 + ms(u64::from(i) * 20), 1000 + i * 160, 160);
    }
    assert_eq!((tx.packets, tx.octets), (50, 8000));
    // 30 ms after the last packet: 240 more ticks at 8 kHz.
    let last = t0 + ms(49 * 20);
    assert_eq!(
        tx.rtp_timestamp_at(last + ms(30), 8000),
        Some(1000 + 49 * 160 + 240)
    );
}

/// A.7 and §6.2: the interval has the 5 s minimum (halved before the
/// first report), is randomized over [0.5, 1.5] of the computed value
/// and divided by e - 3/2; with many members it grows with their
/// number (the bandwidth share per member).
#[test]
fn rfc3550_a7_interval_minimum_randomization_and_scaling() {
    let t0 = t0();
    let mut s = RtcpScheduler::new(t0, 8000.0, 100, StdRng::seed_from_u64(7));
    let lo = Duration::from_secs_f64(2.5 * 0.5 / COMPENSATION);
    let hi = Duration::from_secs_f64(2.5 * 1.5 / COMPENSATION);
    let first = s.next_due() - t0;
    assert!(first >= lo && first <= hi, "{first:?}");
    s.on_sent(s.next_due(), 100);
    let mut seen = Vec::new();
    for _ in 0..200 {
        let t = s.interval();
        assert!(
            t >= Duration::from_secs_f64(5.0 * 0.5 / COMPENSATION)
                && t <= Duration::from_secs_f64(5.0 * 1.5 / COMPENSATION),
            "{t:?}"
        );
        seen.push(t);
    }
    let spread =
        seen.iter().max().unwrap().as_secs_f64() - seen.iter().min().unwrap().as_secs_f64();
    assert!(spread > 2.0, "randomized: {spread}");
    // 1000 receivers sharing 400 octets/s (75 % of 5 % of 8000) with
    // 100-octet reports: 1000 * 100 / 300 = 333 s deterministic.
    s.set_membership(1000, 0, false);
    let t = s.interval().as_secs_f64() * COMPENSATION;
    assert!((333.0 * 0.5..=333.4 * 1.5).contains(&t), "{t}");
}

/// §6.3.6 / A.7 OnExpire: when the group grew since the timer was set,
/// the recomputed interval puts tp + T after now, so nothing is sent
/// and the timer moves to tp + T (timer reconsideration); when it did
/// not, the report goes.
#[test]
fn rfc3550_a7_timer_reconsideration_defers_when_the_group_grew() {
    let t0 = t0();
    let mut s = RtcpScheduler::new(t0, 8000.0, 100, StdRng::seed_from_u64(3));
    let due = s.next_due();
    // Nothing changed: at the deadline the report goes (the new random
    // interval may still exceed the old one; allow a later retry).
    let mut now = due;
    let mut tries = 0;
    while !s.on_timer(now) {
        now = s.next_due();
        tries += 1;
        assert!(tries < 20);
    }
    s.on_sent(now, 100);
    // 10,000 members joined: the deadline set for a two-party session
    // is far too early now.
    let due = s.next_due();
    s.set_membership(10_000, 1, false);
    assert!(!s.on_timer(due));
    assert!(
        s.next_due() > due + Duration::from_secs(60),
        "moved to tp + T"
    );
    // Too early: never sends.
    assert!(!s.on_timer(due));
}

/// §6.3.4: "the value for tn is updated according to the following
/// formula: tn = tc + (members/pmembers) * (tn - tc)" when members
/// leave: from 100 members to 10 the remaining wait shrinks tenfold,
/// and the value of tp likewise moves toward now.
#[test]
fn rfc3550_6_3_4_reverse_reconsideration_when_members_leave() {
    let t0 = t0();
    let mut s = RtcpScheduler::new(t0, 8000.0, 100, StdRng::seed_from_u64(9));
    s.set_membership(100, 1, false);
    s.on_sent(t0, 100);
    let now = t0 + Duration::from_secs(10);
    let before = s.next_due() - now;
    s.set_membership(10, 1, false);
    s.on_members_left(now, 100);
    let after = s.next_due() - now;
    let expected = before.mul_f64(0.1);
    assert!(
        after.abs_diff(expected) < Duration::from_millis(1),
        "{after:?} vs {expected:?}"
    );
    // Members joining is not a reverse reconsideration: nothing moves.
    let due = s.next_due();
    s.set_membership(50, 1, false);
    s.on_members_left(now, 10);
    assert_eq!(s.next_due(), due);
}

/// §6.3.3: "avg_rtcp_size = (1/16) * packet_size + (15/16) *
/// avg_rtcp_size" on every packet sent or received.
#[test]
fn rfc3550_6_3_3_average_rtcp_size() {
    let t0 = t0();
    let mut s = RtcpScheduler::new(t0, 8000.0, 160, StdRng::seed_from_u64(1));
    s.on_received(320);
    assert!((s.avg_rtcp_size() - 170.0).abs() < 1e-9);
    s.on_sent(t0, 170);
    assert!((s.avg_rtcp_size() - 170.0).abs() < 1e-9);
}
