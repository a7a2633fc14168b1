//! The timers of RFC 3261 §17 and RFC 6026, as one small array per transaction.

use std::time::Instant;

/// Which timer a transaction is waiting for (RFC 3261 appendix A, RFC 6026 §8.4,
/// and the 200 ms provisional-response rule of §17.2.1).
///
/// `poll_timeout` returns it beside the instant so a trace says why the
/// driver woke.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Timer {
    /// INVITE request retransmit interval, UDP only (§17.1.1.2).
    A,
    /// INVITE transaction timeout (§17.1.1.2).
    B,
    /// Wait time for response retransmits after a non-2xx final response (§17.1.1.2).
    D,
    /// Non-INVITE request retransmit interval, UDP only (§17.1.2.2).
    E,
    /// Non-INVITE transaction timeout (§17.1.2.2).
    F,
    /// INVITE response retransmit interval (§17.2.1).
    G,
    /// Wait time for ACK receipt (§17.2.1).
    H,
    /// Wait time for ACK retransmits (§17.2.1).
    I,
    /// Wait time for non-INVITE request retransmits (§17.2.2).
    J,
    /// Wait time for response retransmits (§17.1.2.2).
    K,
    /// Wait time for accepted INVITE request retransmits (RFC 6026 §8.4).
    L,
    /// Wait time for retransmission of 2xx to INVITE or additional 2xx
    /// from other branches of a forked INVITE (RFC 6026 §8.4).
    M,
    /// The 200 ms after which a server INVITE transaction sends
    /// `100 Trying` itself (§17.2.1).
    Trying,
}

impl Timer {
    const ALL: [Self; 13] = [
        Self::A,
        Self::B,
        Self::D,
        Self::E,
        Self::F,
        Self::G,
        Self::H,
        Self::I,
        Self::J,
        Self::K,
        Self::L,
        Self::M,
        Self::Trying,
    ];

    fn index(self) -> usize {
        self as usize
    }
}

/// The armed timers of one transaction: an array indexed by [`Timer`]
/// (quinn's `TimerTable`).
#[derive(Clone, Debug, Default)]
pub struct Timers {
    at: [Option<Instant>; 13],
}

impl Timers {
    /// Arms `timer` to fire at `at`, replacing any earlier setting.
    pub fn set(&mut self, timer: Timer, at: Instant) {
        self.at[timer.index()] = Some(at);
    }

    /// Disarms `timer`.
    pub fn stop(&mut self, timer: Timer) {
        self.at[timer.index()] = None;
    }

    /// Disarms every timer.
    pub fn clear(&mut self) {
        self.at = [None; 13];
    }

    /// When `timer` fires, if armed.
    pub fn get(&self, timer: Timer) -> Option<Instant> {
        self.at[timer.index()]
    }

    /// Whether `timer` is armed and due at `now`.
    pub fn is_due(&self, timer: Timer, now: Instant) -> bool {
        self.get(timer).is_some_and(|at| at <= now)
    }

    /// The earliest armed timer.
    pub fn next(&self) -> Option<(Instant, Timer)> {
        Timer::ALL
            .iter()
            .filter_map(|&t| self.get(t).map(|at| (at, t)))
            .min_by_key(|&(at, _)| at)
    }

    /// Disarms and returns the earliest timer due at `now`, if any.
    pub fn take_due(&mut self, now: Instant) -> Option<Timer> {
        let (at, t) = self.next()?;
        if at <= now {
            self.stop(t);
            Some(t)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    #[allow(clippy::disallowed_methods)] // a test's arbitrary epoch
    fn earliest_timer_wins_and_due_timers_come_out_in_order() {
        let t0 = Instant::now();
        let mut t = Timers::default();
        assert_eq!(t.next(), None);
        t.set(Timer::F, t0 + Duration::from_secs(32));
        t.set(Timer::E, t0 + Duration::from_millis(500));
        assert_eq!(t.next(), Some((t0 + Duration::from_millis(500), Timer::E)));
        assert_eq!(t.take_due(t0), None);
        assert_eq!(t.take_due(t0 + Duration::from_secs(40)), Some(Timer::E));
        assert_eq!(t.take_due(t0 + Duration::from_secs(40)), Some(Timer::F));
        assert_eq!(t.take_due(t0 + Duration::from_secs(40)), None);
    }
}
