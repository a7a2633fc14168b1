//! RTP session state, sans-IO: what RFC 3550 appendix A computes.
//!
//! - [`ReceiverStats`]: one remote source as a receiver sees it. Sequence
//!   numbers are tracked with wrap-around and probation (A.1), loss is
//!   counted cumulatively and per report interval (A.3), interarrival
//!   jitter is estimated (A.8), and duplicates are counted besides.
//! - [`SenderStats`]: what a sender puts in its SR (§6.4.1).
//! - [`RtcpScheduler`]: the RTCP transmission interval (A.7, §6.3), with its
//!   randomization, the initial halving, and timer reconsideration.
//!
//! Every method takes the time as an argument, like the SIP cores, so the
//! RFC's edge cases are tested on exact instants.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use sipmob_rtp::session::ReceiverStats;
//!
//! # #[allow(clippy::disallowed_methods)] let t0 = Instant::now();
//! let mut rx = ReceiverStats::new(8000);
//! // 20 ms PCMU packets, sequence 100..=105, 103 lost. The first packet
//! // only starts the probation of A.1.
//! for seq in [100u16, 101, 102, 104, 105] {
//!     let ts = 160 * u32::from(seq);
//!     rx.on_packet(t0 + Duration::from_millis(20 * u64::from(seq)), seq, ts);
//! }
//! let report = rx.report(t0 + Duration::from_secs(5));
//! assert_eq!(report.extended_highest_seq, 105);
//! assert_eq!(report.cumulative_lost, 1);
//! assert_eq!(report.fraction_lost, 51); // 1 of 5 expected (101..=105), in 1/256
//! assert_eq!(report.jitter, 0); // perfectly paced
//! ```

use std::time::{Duration, Instant};

use rand::RngExt;

/// A.1: "a source is declared valid only after MIN_SEQUENTIAL packets have
/// been received in sequence".
const MIN_SEQUENTIAL: u32 = 2;
/// A.1: the largest forward jump taken as loss rather than a restart.
const MAX_DROPOUT: u16 = 3000;
/// A.1: the largest backward step taken as reordering.
const MAX_MISORDER: u16 = 100;
/// 2^16.
const SEQ_MOD: u32 = 1 << 16;

/// What [`ReceiverStats::on_packet`] made of a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrival {
    /// Valid and new (or reordered within the window), counted.
    Accepted,
    /// A copy of a packet already received (still counted as received, as
    /// A.1 does, and in [`ReceiverStats::duplicates`]).
    Duplicate,
    /// Not counted: the source is on probation (A.1) and this packet was
    /// not in sequence yet, or the sequence number jumped so far that the
    /// source may have restarted (the next packet in sequence after it
    /// re-synchronizes).
    Held,
}

/// One reception report's worth of numbers (§6.4.1), computed by
/// [`ReceiverStats::report`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReceptionReport {
    /// Lost since the previous report, in 1/256 (A.3).
    pub fraction_lost: u8,
    /// Cumulative packets lost, clamped to the 24-bit signed field; negative
    /// when duplicates outnumber losses.
    pub cumulative_lost: i32,
    /// The extended highest sequence number received: cycles in the high
    /// 16 bits.
    pub extended_highest_seq: u32,
    /// Interarrival jitter, in timestamp units (A.8).
    pub jitter: u32,
}

/// A remote source as a receiver tracks it (RFC 3550 A.1, A.3, A.8).
#[derive(Clone, Debug)]
pub struct ReceiverStats {
    clock_rate: u32,
    max_seq: u16,
    /// Shifted count of sequence number cycles.
    cycles: u32,
    base_seq: u32,
    /// The last "bad" sequence number + 1.
    bad_seq: u32,
    probation: u32,
    received: u32,
    expected_prior: u32,
    received_prior: u32,
    /// Relative transit time of the previous packet, in timestamp units.
    transit: Option<i64>,
    /// Jitter scaled by 16 (the integer form of A.8).
    jitter_q4: u32,
    /// The clock reference for arrival times in timestamp units.
    epoch: Option<Instant>,
    /// Which of the last 128 extended sequence numbers were seen.
    window: u128,
    window_top: u32,
    duplicates: u64,
    initialized: bool,
}

impl ReceiverStats {
    /// A source not heard from yet, whose RTP clock runs at `clock_rate`
    /// Hz (8000 for G.711).
    pub fn new(clock_rate: u32) -> Self {
        Self {
            clock_rate: clock_rate.max(1),
            max_seq: 0,
            cycles: 0,
            base_seq: 0,
            bad_seq: SEQ_MOD + 1,
            probation: MIN_SEQUENTIAL,
            received: 0,
            expected_prior: 0,
            received_prior: 0,
            transit: None,
            jitter_q4: 0,
            epoch: None,
            window: 0,
            window_top: 0,
            duplicates: 0,
            initialized: false,
        }
    }

    /// A.1 `init_seq`.
    fn init_seq(&mut self, seq: u16) {
        self.base_seq = u32::from(seq);
        self.max_seq = seq;
        self.bad_seq = SEQ_MOD + 1;
        self.cycles = 0;
        self.received = 0;
        self.received_prior = 0;
        self.expected_prior = 0;
        self.window = 0;
        self.window_top = u32::from(seq);
    }

    /// Takes one packet with sequence number `seq` and RTP timestamp
    /// `timestamp`, arrived at `now`.
    pub fn on_packet(&mut self, now: Instant, seq: u16, timestamp: u32) -> Arrival {
        if !self.initialized {
            // A.1: "When a new source is heard for the first time ...
            // init_seq(s, seq); s->max_seq = seq - 1; s->probation =
            // MIN_SEQUENTIAL;"
            self.init_seq(seq);
            self.max_seq = seq.wrapping_sub(1);
            self.probation = MIN_SEQUENTIAL;
            self.initialized = true;
        }
        let arrival = self.update_seq(seq);
        if arrival != Arrival::Held {
            self.update_jitter(now, timestamp);
        }
        arrival
    }

    /// A.1 `update_seq`, plus the duplicate window.
    fn update_seq(&mut self, seq: u16) -> Arrival {
        let udelta = seq.wrapping_sub(self.max_seq);
        if self.probation > 0 {
            // "packet is in sequence"
            if seq == self.max_seq.wrapping_add(1) {
                self.probation -= 1;
                self.max_seq = seq;
                if self.probation == 0 {
                    self.init_seq(seq);
                    self.received += 1;
                    self.mark(u32::from(seq));
                    return Arrival::Accepted;
                }
            } else {
                self.probation = MIN_SEQUENTIAL - 1;
                self.max_seq = seq;
            }
            return Arrival::Held;
        } else if udelta < MAX_DROPOUT {
            // "in order, with permissible gap"
            if seq < self.max_seq {
                // "Sequence number wrapped - count another 64K cycle."
                self.cycles = self.cycles.wrapping_add(SEQ_MOD);
            }
            self.max_seq = seq;
        } else if u32::from(udelta) <= SEQ_MOD - u32::from(MAX_MISORDER) {
            // "the sequence number made a very large jump"
            if u32::from(seq) == self.bad_seq {
                // "Two sequential packets -- assume that the other side
                // restarted without telling us so just re-sync (i.e.,
                // pretend this was the first packet)."
                self.init_seq(seq);
                self.transit = None;
            } else {
                self.bad_seq = (u32::from(seq) + 1) & (SEQ_MOD - 1);
                return Arrival::Held;
            }
        }
        // else: "duplicate or reordered packet"
        self.received += 1;
        let ext = self.extend(seq);
        if self.mark(ext) {
            Arrival::Accepted
        } else {
            self.duplicates += 1;
            Arrival::Duplicate
        }
    }

    /// The extended sequence number of `seq`, near the highest seen.
    fn extend(&self, seq: u16) -> u32 {
        let top = self.cycles | u32::from(self.max_seq);
        let diff = i32::from(seq.wrapping_sub(self.max_seq) as i16);
        top.wrapping_add_signed(diff)
    }

    /// Records `ext` in the window; `false` if it was already there.
    fn mark(&mut self, ext: u32) -> bool {
        let ahead = ext.wrapping_sub(self.window_top) as i32;
        if ahead > 0 {
            self.window = if ahead >= 128 {
                0
            } else {
                self.window << ahead
            };
            self.window_top = ext;
            self.window |= 1;
            return true;
        }
        let back = ahead.unsigned_abs();
        if back >= 128 {
            // Too old to tell; counted as new.
            return true;
        }
        let bit = 1u128 << back;
        let seen = self.window & bit != 0;
        self.window |= bit;
        !seen
    }

    /// A.8: "J(i) = J(i-1) + (|D(i-1,i)| - J(i-1))/16", in the integer form
    /// the appendix gives ("s->jitter += d - ((s->jitter + 8) >> 4)").
    fn update_jitter(&mut self, now: Instant, timestamp: u32) {
        let epoch = *self.epoch.get_or_insert(now);
        let since = now.saturating_duration_since(epoch);
        let arrival = (since.as_nanos() * u128::from(self.clock_rate) / 1_000_000_000) as i64;
        // "int transit = arrival - r->ts;" with the timestamp unwrapped
        // relative to the arrival clock, so a 32-bit wrap is not a jump.
        let transit = arrival.wrapping_sub(i64::from(timestamp)) & 0xFFFF_FFFF;
        if let Some(prev) = self.transit {
            let mut d = transit - prev;
            // Bring the difference into the 32-bit signed range.
            if d > i64::from(i32::MAX) {
                d -= 1 << 32;
            } else if d < i64::from(i32::MIN) {
                d += 1 << 32;
            }
            let d = d.unsigned_abs().min(u64::from(u32::MAX >> 4)) as u32;
            self.jitter_q4 = self
                .jitter_q4
                .wrapping_add(d)
                .wrapping_sub((self.jitter_q4 + 8) >> 4);
        }
        self.transit = Some(transit);
    }

    /// Whether the source has passed probation (A.1).
    pub fn is_valid(&self) -> bool {
        self.initialized && self.probation == 0
    }

    /// Packets counted as received (A.1: duplicates included).
    pub fn received(&self) -> u32 {
        self.received
    }

    /// Copies of packets already received.
    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }

    /// The extended highest sequence number received.
    pub fn extended_max(&self) -> u32 {
        self.cycles | u32::from(self.max_seq)
    }

    /// A.3: "expected = extended_max - s->base_seq + 1".
    pub fn expected(&self) -> u32 {
        if !self.is_valid() {
            return 0;
        }
        self.extended_max()
            .wrapping_sub(self.base_seq)
            .wrapping_add(1)
    }

    /// A.3: cumulative loss, expected minus received (negative with
    /// duplicates), not yet clamped.
    pub fn lost(&self) -> i64 {
        i64::from(self.expected()) - i64::from(self.received)
    }

    /// The interarrival jitter estimate, in timestamp units.
    pub fn jitter(&self) -> u32 {
        self.jitter_q4 >> 4
    }

    /// The jitter as a duration.
    pub fn jitter_duration(&self) -> Duration {
        Duration::from_nanos(u64::from(self.jitter()) * 1_000_000_000 / u64::from(self.clock_rate))
    }

    /// The numbers of a reception report, and the start of the next
    /// interval (A.3: `expected_prior` and `received_prior` move on).
    pub fn report(&mut self, _now: Instant) -> ReceptionReport {
        let expected = self.expected();
        let lost = self.lost();
        // A.3: "the cumulative number of packets lost ... clamped at
        // 0x7fffff for positive loss or 0x800000 for negative loss".
        let cumulative_lost = lost.clamp(-0x80_0000, 0x7F_FFFF) as i32;
        let expected_interval = expected.wrapping_sub(self.expected_prior);
        self.expected_prior = expected;
        let received_interval = self.received.wrapping_sub(self.received_prior);
        self.received_prior = self.received;
        let lost_interval = i64::from(expected_interval) - i64::from(received_interval);
        let fraction_lost = if expected_interval == 0 || lost_interval <= 0 {
            0
        } else {
            ((lost_interval << 8) / i64::from(expected_interval)).min(255) as u8
        };
        ReceptionReport {
            fraction_lost,
            cumulative_lost,
            extended_highest_seq: self.extended_max(),
            jitter: self.jitter(),
        }
    }
}

/// What a sender counts for its sender reports (§6.4.1: "sender's packet
/// count" and "sender's octet count", payload octets only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SenderStats {
    /// RTP data packets sent.
    pub packets: u32,
    /// Payload octets sent ("not including header or padding").
    pub octets: u32,
    /// The RTP timestamp and instant of the last packet sent, to compute
    /// the SR's RTP timestamp for any instant.
    last: Option<(u32, Instant)>,
}

impl SenderStats {
    /// Counts one data packet with `payload_len` payload octets and RTP
    /// timestamp `timestamp`, sent at `now`.
    pub fn on_sent(&mut self, now: Instant, timestamp: u32, payload_len: usize) {
        self.packets = self.packets.wrapping_add(1);
        self.octets = self.octets.wrapping_add(payload_len as u32);
        self.last = Some((timestamp, now));
    }

    /// The RTP timestamp that corresponds to `now` (§6.4.1: "the same time
    /// as the NTP timestamp ... but in the same units and with the same
    /// random offset as the RTP timestamps in data packets"), from the
    /// last packet sent and the clock rate.
    pub fn rtp_timestamp_at(&self, now: Instant, clock_rate: u32) -> Option<u32> {
        let (ts, at) = self.last?;
        let ticks = if now >= at {
            (now - at).as_nanos() * u128::from(clock_rate) / 1_000_000_000
        } else {
            0
        };
        Some(ts.wrapping_add(ticks as u32))
    }
}

/// The RTCP transmission interval of RFC 3550 §6.3 and appendix A.7, with
/// timer reconsideration.
///
/// Keep one per session; call [`on_timer`](Self::on_timer) at
/// [`next_due`](Self::next_due): it says whether to send a report now, or
/// has moved the deadline (reconsideration). Tell it the size of every
/// RTCP packet sent ([`on_sent`](Self::on_sent)) and received
/// ([`on_received`](Self::on_received)), and the member and sender counts.
#[derive(Debug)]
pub struct RtcpScheduler<R> {
    rng: R,
    /// The RTCP bandwidth, octets per second (§6.2: 5 % of the session
    /// bandwidth).
    rtcp_bw: f64,
    members: u32,
    senders: u32,
    we_sent: bool,
    avg_rtcp_size: f64,
    initial: bool,
    /// The last transmission (`tp`) and the next scheduled one (`tn`).
    tp: Instant,
    tn: Instant,
}

/// §6.2: "RTCP_MIN_TIME" of 5 seconds.
const RTCP_MIN_TIME: f64 = 5.0;
/// A.7: the share of the RTCP bandwidth for senders.
const SENDER_BW_FRACTION: f64 = 0.25;
/// A.7: "e - 3/2", so the randomized interval averages to the computed
/// one after reconsideration.
const COMPENSATION: f64 = std::f64::consts::E - 1.5;

impl<R: rand::Rng> RtcpScheduler<R> {
    /// A scheduler starting at `now` for a session of `session_bw`
    /// octets per second (RTCP gets 5 % of it), with an initial average
    /// RTCP packet size of `initial_size` octets (§6.3.2: "the size of the
    /// first RTCP packet that will be constructed"). The first report is
    /// due after half the minimum interval, randomized (§6.2, A.7).
    pub fn new(now: Instant, session_bw: f64, initial_size: usize, rng: R) -> Self {
        let mut s = Self {
            rng,
            rtcp_bw: (session_bw * 0.05).max(1.0),
            members: 1,
            senders: 0,
            we_sent: false,
            avg_rtcp_size: initial_size as f64,
            initial: true,
            tp: now,
            tn: now,
        };
        s.tn = now + s.interval();
        s
    }

    /// A.7 `rtcp_interval`: the deterministic interval for the current
    /// membership, randomized by a factor in [0.5, 1.5] and divided by the
    /// compensation factor.
    pub fn interval(&mut self) -> Duration {
        let mut min_time = RTCP_MIN_TIME;
        if self.initial {
            min_time /= 2.0;
        }
        let mut bw = self.rtcp_bw;
        let mut n = f64::from(self.members.max(1));
        let senders = f64::from(self.senders);
        if senders <= f64::from(self.members) * SENDER_BW_FRACTION {
            if self.we_sent {
                bw *= SENDER_BW_FRACTION;
                n = senders.max(1.0);
            } else {
                bw *= 1.0 - SENDER_BW_FRACTION;
                n = (n - senders).max(1.0);
            }
        }
        let t = (self.avg_rtcp_size * n / bw).max(min_time);
        let factor: f64 = self.rng.random_range(0.5..1.5);
        Duration::from_secs_f64(t * factor / COMPENSATION)
    }

    /// When the next report is due.
    pub fn next_due(&self) -> Instant {
        self.tn
    }

    /// A.7 `OnExpire` for a report timer due at [`next_due`](Self::next_due):
    /// `true` means send a report now (then call [`on_sent`](Self::on_sent));
    /// `false` means reconsideration pushed the deadline further (§6.3.6:
    /// "If tp + T is less than or equal to tc, an RTCP packet is
    /// transmitted ... If tp + T is greater than tc, tn is set to tp + T").
    pub fn on_timer(&mut self, now: Instant) -> bool {
        if now < self.tn {
            return false;
        }
        let t = self.interval();
        if self.tp + t <= now {
            true
        } else {
            self.tn = self.tp + t;
            false
        }
    }

    /// A report of `size` octets was sent at `now`: the average size moves
    /// (§6.3.3: "avg_rtcp_size = (1/16) * packet_size + (15/16) *
    /// avg_rtcp_size") and the next report is scheduled.
    pub fn on_sent(&mut self, now: Instant, size: usize) {
        self.avg_rtcp_size = size as f64 / 16.0 + self.avg_rtcp_size * 15.0 / 16.0;
        self.initial = false;
        self.tp = now;
        self.tn = now + self.interval();
    }

    /// An RTCP packet of `size` octets was received (§6.3.3).
    pub fn on_received(&mut self, size: usize) {
        self.avg_rtcp_size = size as f64 / 16.0 + self.avg_rtcp_size * 15.0 / 16.0;
    }

    /// The session now has `members` participants (us included) of which
    /// `senders` sent data recently, and whether we are one of them.
    pub fn set_membership(&mut self, members: u32, senders: u32, we_sent: bool) {
        self.members = members.max(1);
        self.senders = senders.min(self.members);
        self.we_sent = we_sent;
    }

    /// §6.3.4 reverse reconsideration, when members left (a BYE, or
    /// members timed out) at `now`: with `pmembers` the member count when
    /// `tn` was last computed and the new count set by
    /// [`set_membership`](Self::set_membership),
    /// `tn = tc + (members/pmembers) * (tn - tc)` and
    /// `tp = tc - (members/pmembers) * (tc - tp)`, so a shrunken group does
    /// not wait out an interval sized for the old one.
    pub fn on_members_left(&mut self, now: Instant, pmembers: u32) {
        if pmembers == 0 || self.members >= pmembers {
            return;
        }
        let ratio = f64::from(self.members) / f64::from(pmembers);
        let ahead = self.tn.saturating_duration_since(now);
        self.tn = now + ahead.mul_f64(ratio);
        let behind = now.saturating_duration_since(self.tp);
        self.tp = now.checked_sub(behind.mul_f64(ratio)).unwrap_or(self.tp);
    }

    /// The average RTCP packet size the interval is computed with.
    pub fn avg_rtcp_size(&self) -> f64 {
        self.avg_rtcp_size
    }
}

#[cfg(test)]
mod tests;
