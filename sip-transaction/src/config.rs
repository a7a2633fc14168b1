//! Timer values (RFC 3261 §17.1.1.1 and table 4 of appendix A).

use std::time::Duration;

/// The base timer values of RFC 3261 §17 and the 200 ms rule of §17.2.1.
///
/// `Default` gives the RFC values: T1 = 500 ms (an RTT estimate), T2 = 4 s
/// (the cap on non-INVITE request and INVITE response retransmission
/// intervals), T4 = 5 s (how long a message may stay in the network), and
/// 32 s for Timer D. RFC 3261 lets a deployment raise T1 on a slow path and
/// lower it only on a private network where the RTT is known, so every
/// value is a setting rather than a constant.
///
/// ```
/// use std::time::Duration;
/// use sip_transaction::TimerConfig;
/// let mut cfg = TimerConfig::default();
/// cfg.t1(Duration::from_millis(250));
/// assert_eq!(cfg.timeout(), Duration::from_secs(16)); // 64*T1: Timers B, F, H, J, L, M
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimerConfig {
    /// T1, the RTT estimate (default 500 ms).
    pub t1: Duration,
    /// T2, the maximum retransmit interval (default 4 s).
    pub t2: Duration,
    /// T4, the maximum duration a message remains in the network (default 5 s).
    pub t4: Duration,
    /// Timer D, the wait for response retransmissions after a non-2xx
    /// final response to an INVITE over an unreliable transport
    /// (default 32 s, "at least 32 seconds").
    pub timer_d: Duration,
    /// How long a server INVITE transaction waits for the transaction
    /// user's first response before it sends `100 Trying` itself (§17.2.1:
    /// "if the TU will not generate a provisional response within 200 ms").
    pub trying: Duration,
}

impl Default for TimerConfig {
    fn default() -> Self {
        Self {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
            timer_d: Duration::from_secs(32),
            trying: Duration::from_millis(200),
        }
    }
}

impl TimerConfig {
    /// Sets T1.
    pub fn t1(&mut self, t1: Duration) -> &mut Self {
        self.t1 = t1;
        self
    }

    /// Sets T2.
    pub fn t2(&mut self, t2: Duration) -> &mut Self {
        self.t2 = t2;
        self
    }

    /// Sets T4.
    pub fn t4(&mut self, t4: Duration) -> &mut Self {
        self.t4 = t4;
        self
    }

    /// Sets Timer D.
    pub fn timer_d(&mut self, d: Duration) -> &mut Self {
        self.timer_d = d;
        self
    }

    /// Sets the delay before an automatic `100 Trying`.
    pub fn trying(&mut self, d: Duration) -> &mut Self {
        self.trying = d;
        self
    }

    /// 64*T1: the transaction timeout of Timers B, F, H, J (unreliable),
    /// and RFC 6026's L and M.
    pub fn timeout(&self) -> Duration {
        self.t1 * 64
    }
}
