//! The timers of the cores above the transaction layer (the UA's 2xx
//! retransmission, glare and refresh timers, the proxy's Timer C and
//! sequential-forking timers): one min-heap of deadlines carrying their
//! payload, in the order they were set when deadlines are equal.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::time::Instant;

/// One deadline and what it is for; ordered by deadline, then by the
/// order of scheduling.
#[derive(Debug)]
struct Entry<T> {
    at: Instant,
    seq: u64,
    timer: T,
}

impl<T> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}

impl<T> Eq for Entry<T> {}

impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> Ord for Entry<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// Timers keyed by deadline. A timer that no longer applies stays queued
/// and is ignored when it fires (its payload says what it was for).
#[derive(Debug)]
pub(crate) struct TimerQueue<T> {
    heap: BinaryHeap<Reverse<Entry<T>>>,
    next_seq: u64,
}

impl<T> Default for TimerQueue<T> {
    fn default() -> Self {
        Self {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }
}

impl<T> TimerQueue<T> {
    /// Fires `timer` at `at`.
    pub(crate) fn schedule(&mut self, at: Instant, timer: T) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Reverse(Entry { at, seq, timer }));
    }

    /// The earliest deadline.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.heap.peek().map(|Reverse(e)| e.at)
    }

    /// The earliest timer due at `now`, removed from the queue.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<T> {
        if self.next_deadline()? > now {
            return None;
        }
        self.heap.pop().map(|Reverse(e)| e.timer)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[allow(clippy::disallowed_methods)]
    fn t0() -> Instant {
        Instant::now()
    }

    #[test]
    fn timers_fire_in_deadline_order_then_scheduling_order() {
        let t0 = t0();
        let mut q = TimerQueue::default();
        q.schedule(t0 + Duration::from_secs(2), "b");
        q.schedule(t0 + Duration::from_secs(1), "a1");
        q.schedule(t0 + Duration::from_secs(1), "a2");
        assert_eq!(q.next_deadline(), Some(t0 + Duration::from_secs(1)));
        assert_eq!(q.pop_due(t0), None);
        let at1 = t0 + Duration::from_secs(1);
        assert_eq!(
            (q.pop_due(at1), q.pop_due(at1), q.pop_due(at1)),
            (Some("a1"), Some("a2"), None)
        );
        assert_eq!(q.pop_due(t0 + Duration::from_secs(5)), Some("b"));
        assert_eq!(q.next_deadline(), None);
    }
}
