//! Property tests for G.711: every sample decodes back to within half a
//! quantization step of its segment, and the slice helpers agree with the
//! per-sample functions.

use proptest::prelude::*;
use sipmob_rtp::g711::{
    alaw_to_linear, decode_alaw, decode_ulaw, encode_alaw, encode_ulaw, linear_to_alaw,
    linear_to_ulaw, ulaw_to_linear,
};

/// µ-law step of the segment a code is in: 8 << segment on 16 bits.
fn ulaw_step(code: u8) -> i32 {
    8 << ((!code & 0x70) >> 4)
}

/// A-law step: 16 in segments 0 and 1, doubling after.
fn alaw_step(code: u8) -> i32 {
    let seg = ((code ^ 0x55) & 0x70) >> 4;
    16 << seg.saturating_sub(1)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    /// µ-law: the decoded value is the middle of the encoded interval, so
    /// it is within half a step; only samples beyond the largest level
    /// (±32124) are clipped to it.
    #[test]
    fn ulaw_error_within_half_step(x in any::<i16>()) {
        let code = linear_to_ulaw(x);
        let err = (i32::from(ulaw_to_linear(code)) - i32::from(x)).abs();
        let clipped = (x >= 32124 && code == 0x80) || (x <= -32124 && code == 0x00);
        prop_assert!(err <= ulaw_step(code) / 2 || clipped, "x={} code={:#x} err={}", x, code, err);
        prop_assert!(err < ulaw_step(code), "x={} code={:#x} err={}", x, code, err);
    }

    /// A-law: within half a step everywhere, the extremes included.
    #[test]
    fn alaw_error_within_half_step(x in any::<i16>()) {
        let code = linear_to_alaw(x);
        let err = (i32::from(alaw_to_linear(code)) - i32::from(x)).abs();
        prop_assert!(err <= alaw_step(code) / 2, "x={} code={:#x} err={}", x, code, err);
    }

    /// Encoding keeps the sign (µ-law's zero codes aside).
    #[test]
    fn sign_is_kept(x in any::<i16>()) {
        let u = ulaw_to_linear(linear_to_ulaw(x));
        let a = alaw_to_linear(linear_to_alaw(x));
        prop_assert!(u == 0 || (u > 0) == (x >= 0));
        prop_assert_eq!(a > 0, x >= 0);
    }

    /// The slice helpers are the per-sample functions, over the shorter
    /// length.
    #[test]
    fn slices_match_samples(
        samples in prop::collection::vec(any::<i16>(), 0..400),
        out_len in 0usize..400,
    ) {
        let n = samples.len().min(out_len);
        let mut u = vec![0u8; out_len];
        let mut a = vec![0u8; out_len];
        prop_assert_eq!(encode_ulaw(&samples, &mut u), n);
        prop_assert_eq!(encode_alaw(&samples, &mut a), n);
        let mut du = vec![0i16; n];
        let mut da = vec![0i16; n];
        prop_assert_eq!(decode_ulaw(&u[..n], &mut du), n);
        prop_assert_eq!(decode_alaw(&a[..n], &mut da), n);
        for i in 0..n {
            prop_assert_eq!(u[i], linear_to_ulaw(samples[i]));
            prop_assert_eq!(a[i], linear_to_alaw(samples[i]));
            prop_assert_eq!(du[i], ulaw_to_linear(u[i]));
            prop_assert_eq!(da[i], alaw_to_linear(a[i]));
        }
    }
}
