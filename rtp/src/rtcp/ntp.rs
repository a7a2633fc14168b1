//! NTP wallclock timestamps and the 16.16 "compact" form used by LSR and
//! DLSR ([RFC 3550 §4](https://www.rfc-editor.org/rfc/rfc3550#section-4),
//! [§6.4.1](https://www.rfc-editor.org/rfc/rfc3550#section-6.4.1)).
//!
//! Nothing here reads the clock: the caller passes a `SystemTime` (or a
//! duration since the Unix epoch) in, as the sans-IO core requires.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds from the NTP epoch (1 January 1900) to the Unix epoch.
const NTP_UNIX_OFFSET: i128 = 2_208_988_800;

/// A 64-bit NTP timestamp: seconds since 0h UTC on 1 January 1900 in the
/// high 32 bits, the fraction of a second in the low 32 bits.
///
/// RFC 3550 §4: "The full resolution NTP timestamp is a 64-bit unsigned
/// fixed-point number with the integer part in the first 32 bits and the
/// fractional part in the last 32 bits." The seconds wrap in 2036; RTCP only
/// ever subtracts timestamps, so the wrap is harmless (§4: "using modular
/// arithmetic for subtractions and comparisons makes the wraparound
/// irrelevant").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct NtpTimestamp(pub u64);

impl NtpTimestamp {
    /// The timestamp with these seconds and fraction (1/2^32 s units).
    #[inline]
    pub const fn new(seconds: u32, fraction: u32) -> Self {
        Self(((seconds as u64) << 32) | fraction as u64)
    }

    /// The 64-bit value as carried in an SR.
    #[inline]
    pub const fn as_u64(self) -> u64 {
        self.0
    }

    /// Whole seconds since the NTP epoch (modulo 2^32).
    #[inline]
    pub const fn seconds(self) -> u32 {
        (self.0 >> 32) as u32
    }

    /// Fraction of a second in units of 1/2^32 s.
    #[inline]
    pub const fn fraction(self) -> u32 {
        self.0 as u32
    }

    /// The middle 32 bits, which a receiver echoes as LSR.
    ///
    /// RFC 3550 §4: "only the middle 32 bits are used; that is, the low 16
    /// bits of the integer part and the high 16 bits of the fractional
    /// part."
    #[inline]
    pub const fn middle_32(self) -> u32 {
        (self.0 >> 16) as u32
    }

    /// The NTP timestamp of a wallclock instant.
    ///
    /// Instants before 1970 are handled; instants outside the first NTP era
    /// wrap modulo 2^32 seconds as the wire format does.
    pub fn from_system_time(time: SystemTime) -> Self {
        match time.duration_since(UNIX_EPOCH) {
            Ok(since) => Self::from_unix(i128::from(since.as_secs()), since.subsec_nanos()),
            Err(before) => {
                let before = before.duration();
                let secs = -i128::from(before.as_secs());
                match before.subsec_nanos() {
                    0 => Self::from_unix(secs, 0),
                    nanos => Self::from_unix(secs - 1, 1_000_000_000 - nanos),
                }
            }
        }
    }

    /// The NTP timestamp `since` after the Unix epoch.
    pub fn from_unix_duration(since: Duration) -> Self {
        Self::from_unix(i128::from(since.as_secs()), since.subsec_nanos())
    }

    fn from_unix(secs: i128, nanos: u32) -> Self {
        // Modulo 2^32: the seconds field wraps in 2036 (era 1) by design.
        let seconds = (secs + NTP_UNIX_OFFSET).rem_euclid(1 << 32) as u32;
        // nanos < 10^9, so (nanos << 32) / 10^9 < 2^32.
        let fraction = ((u64::from(nanos) << 32) / 1_000_000_000) as u32;
        Self::new(seconds, fraction)
    }
}

impl From<u64> for NtpTimestamp {
    #[inline]
    fn from(value: u64) -> Self {
        Self(value)
    }
}

impl From<NtpTimestamp> for u64 {
    #[inline]
    fn from(value: NtpTimestamp) -> Self {
        value.0
    }
}

/// A delay as DLSR: "expressed in units of 1/65536 seconds" (RFC 3550
/// §6.4.1), saturating at `u32::MAX` (about 18 hours).
pub fn dlsr_from_duration(delay: Duration) -> u32 {
    let units = u128::from(delay.as_secs()) * 65_536
        + u128::from(delay.subsec_nanos()) * 65_536 / 1_000_000_000;
    u32::try_from(units).unwrap_or(u32::MAX)
}

/// A 16.16 compact NTP value (DLSR, or a difference of middle-32 values)
/// as a duration.
pub fn duration_from_dlsr(units: u32) -> Duration {
    let secs = u64::from(units >> 16);
    let nanos = (u64::from(units & 0xffff) * 1_000_000_000) >> 16;
    // nanos < 10^9 because the fraction is below 65536.
    Duration::new(secs, nanos as u32)
}

/// Round-trip propagation delay from a report block, per RFC 3550 §6.4.1:
/// "the round-trip propagation delay as (A - LSR - DLSR)", where `arrival`
/// is A, the time the report block arrived.
///
/// Returns `None` when LSR is zero (no SR was received, so "the field is set
/// to zero") or when clock skew makes the result negative.
pub fn round_trip_time(arrival: NtpTimestamp, lsr: u32, dlsr: u32) -> Option<Duration> {
    if lsr == 0 {
        return None;
    }
    // Modular arithmetic across the 16-bit seconds wrap (§4); a "negative"
    // difference (A before LSR) means skewed clocks, not a 9-hour trip.
    let elapsed = arrival.middle_32().wrapping_sub(lsr);
    if elapsed >= 1 << 31 {
        return None;
    }
    elapsed.checked_sub(dlsr).map(duration_from_dlsr)
}
