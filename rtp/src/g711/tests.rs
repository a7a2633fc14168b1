//! G.711 against the ITU-T tables and the reference encoders.

use super::*;

/// Sun Microsystems g711.c, transcribed line by line as the reference.
mod sun {
    const SEG_END: [i32; 8] = [0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF, 0x3FFF, 0x7FFF];

    fn search(val: i32) -> i32 {
        for (i, &end) in SEG_END.iter().enumerate() {
            if val <= end {
                return i as i32;
            }
        }
        8
    }

    pub(super) fn linear2ulaw(mut pcm_val: i32) -> u8 {
        let mask: i32;
        if pcm_val < 0 {
            pcm_val = 0x84 - pcm_val;
            mask = 0x7F;
        } else {
            pcm_val += 0x84;
            mask = 0xFF;
        }
        let seg = search(pcm_val);
        if seg >= 8 {
            (0x7F ^ mask) as u8
        } else {
            let uval = (seg << 4) | ((pcm_val >> (seg + 3)) & 0xF);
            (uval ^ mask) as u8
        }
    }

    /// The older 16-bit linear2alaw, verbatim.
    pub(super) fn linear2alaw(mut pcm_val: i32) -> u8 {
        let mask;
        if pcm_val >= 0 {
            mask = 0xD5;
        } else {
            mask = 0x55;
            pcm_val = -pcm_val - 8;
        }
        let seg = search(pcm_val);
        if seg >= 8 {
            (0x7F ^ mask) as u8
        } else {
            let mut aval = seg << 4;
            if seg < 2 {
                aval |= (pcm_val >> 4) & 0xF;
            } else {
                aval |= (pcm_val >> (seg + 3)) & 0xF;
            }
            (aval ^ mask) as u8
        }
    }

    pub(super) fn ulaw2linear(u_val: u8) -> i32 {
        let u_val = !u_val;
        let mut t = (((u_val & 0xF) as i32) << 3) + 0x84;
        t <<= (u_val & 0x70) >> 4;
        if u_val & 0x80 != 0 {
            0x84 - t
        } else {
            t - 0x84
        }
    }

    pub(super) fn alaw2linear(a_val: u8) -> i32 {
        let a_val = a_val ^ 0x55;
        let mut t = ((a_val & 0xF) as i32) << 4;
        let seg = (a_val & 0x70) >> 4;
        match seg {
            0 => t += 8,
            1 => t += 0x108,
            _ => {
                t += 0x108;
                t <<= seg - 1;
            }
        }
        if a_val & 0x80 != 0 {
            t
        } else {
            -t
        }
    }
}

/// ITU-T G.191 (STL) g711.c `alaw_compress`, `alaw_expand` and
/// `ulaw_expand`, transcribed: an independent formulation.
mod stl {
    pub(super) fn alaw_compress(lin: i16) -> u8 {
        // 1's complement for negative values: 0 <= ix < 2048.
        let mut ix: i32 = if lin < 0 {
            i32::from(!lin) >> 4
        } else {
            i32::from(lin) >> 4
        };
        if ix > 15 {
            let mut iexp = 1;
            while ix > 16 + 15 {
                ix >>= 1;
                iexp += 1;
            }
            ix -= 16;
            ix += iexp << 4;
        }
        if lin >= 0 {
            ix |= 0x80;
        }
        (ix ^ 0x55) as u8
    }

    pub(super) fn alaw_expand(log: u8) -> i32 {
        let ix = i32::from(log ^ 0x55) & 0x7F;
        let iexp = ix >> 4;
        let mut mant = ix & 0xF;
        if iexp > 0 {
            mant += 16;
        }
        mant = (mant << 4) + 8;
        if iexp > 1 {
            mant <<= iexp - 1;
        }
        if log > 127 {
            mant
        } else {
            -mant
        }
    }

    pub(super) fn ulaw_expand(log: u8) -> i32 {
        let sign = if log < 0x80 { -1 } else { 1 };
        let mantissa = i32::from(!log);
        let exponent = (mantissa >> 4) & 7;
        let segment = exponent + 1;
        let mantissa = mantissa & 0xF;
        let step = 4 << segment;
        sign * ((0x80 << exponent) + step * mantissa + step / 2 - 4 * 33)
    }
}

/// ITU-T G.711 Table 2a (µ-law) end points: code 0xFF and 0x7F are the
/// positive and negative zero, 0x80/0x00 the largest magnitudes
/// (±8031 in 14-bit units, ±32124 on 16 bits).
#[test]
fn g711_ulaw_known_values() {
    assert_eq!(ulaw_to_linear(0xFF), 0);
    assert_eq!(ulaw_to_linear(0x7F), 0);
    assert_eq!(ulaw_to_linear(0x00), -32124);
    assert_eq!(ulaw_to_linear(0x80), 32124);
    assert_eq!(ulaw_to_linear(0xFE), 8);
    assert_eq!(ulaw_to_linear(0x7E), -8);
    assert_eq!(ulaw_to_linear(0xEF), 132);
    assert_eq!(linear_to_ulaw(0), 0xFF);
    assert_eq!(linear_to_ulaw(-1), 0x7F);
    assert_eq!(linear_to_ulaw(i16::MAX), 0x80);
    assert_eq!(linear_to_ulaw(i16::MIN), 0x00);
    // Sun decodes these the same as the STL formulation.
    assert_eq!(i32::from(ulaw_to_linear(0xEF)), stl::ulaw_expand(0xEF));
}

/// ITU-T G.711 Table 1a (A-law): even bits inverted, so the smallest
/// magnitudes ±8 are 0xD5 and 0x55 and the largest ±32256 are 0xAA and
/// 0x2A (0x2A is the negative one: its sign bit is clear).
#[test]
fn g711_alaw_known_values() {
    assert_eq!(alaw_to_linear(0xD5), 8);
    assert_eq!(alaw_to_linear(0x55), -8);
    assert_eq!(alaw_to_linear(0xAA), 32256);
    assert_eq!(alaw_to_linear(0x2A), -32256);
    assert_eq!(alaw_to_linear(0x80), 5504);
    assert_eq!(alaw_to_linear(0x00), -5504);
    assert_eq!(alaw_to_linear(0xFF), 848);
    assert_eq!(alaw_to_linear(0x7F), -848);
    assert_eq!(linear_to_alaw(0), 0xD5);
    assert_eq!(linear_to_alaw(-1), 0x55);
    assert_eq!(linear_to_alaw(-8), 0x55);
    assert_eq!(linear_to_alaw(i16::MAX), 0xAA);
    assert_eq!(linear_to_alaw(i16::MIN), 0x2A);
}

/// The module table of example codes is right.
#[test]
fn module_doc_table() {
    for (code, u, a) in [
        (0x00, -32124, -5504),
        (0x2A, -5372, -32256),
        (0x55, -716, -8),
        (0x7F, 0, -848),
        (0x80, 32124, 5504),
        (0xAA, 5372, 32256),
        (0xD5, 716, 8),
        (0xFF, 0, 848),
    ] {
        assert_eq!(
            (ulaw_to_linear(code), alaw_to_linear(code)),
            (u, a),
            "{code:#x}"
        );
    }
}

/// Both decode tables equal Sun's ulaw2linear/alaw2linear and the ITU
/// G.191 expanders for all 256 codes.
#[test]
fn g711_decode_tables_match_references() {
    for code in 0..=255u8 {
        let u = i32::from(ulaw_to_linear(code));
        let a = i32::from(alaw_to_linear(code));
        assert_eq!(u, sun::ulaw2linear(code), "µ-law {code:#x}");
        assert_eq!(u, stl::ulaw_expand(code), "µ-law {code:#x}");
        assert_eq!(a, sun::alaw2linear(code), "A-law {code:#x}");
        assert_eq!(a, stl::alaw_expand(code), "A-law {code:#x}");
    }
}

/// µ-law encoding equals Sun's linear2ulaw (BIAS 0x84, CLIP 32635) on
/// every 16-bit input.
#[test]
fn g711_ulaw_encode_matches_sun_for_all_inputs() {
    for x in i16::MIN..=i16::MAX {
        assert_eq!(linear_to_ulaw(x), sun::linear2ulaw(i32::from(x)), "{x}");
    }
}

/// A-law encoding equals ITU G.191 alaw_compress on every 16-bit input,
/// and Sun's 16-bit linear2alaw wherever that routine sees 13-bit input
/// (non-negative samples and negative multiples of 8).
#[test]
fn g711_alaw_encode_matches_references() {
    for x in i16::MIN..=i16::MAX {
        let ours = linear_to_alaw(x);
        assert_eq!(ours, stl::alaw_compress(x), "{x}");
        if x >= 0 || x % 8 == 0 {
            assert_eq!(ours, sun::linear2alaw(i32::from(x)), "{x}");
        }
    }
    // The older Sun routine's slip for -1..-7, which we do not copy.
    assert_eq!(sun::linear2alaw(-1), 0x5A);
    assert_eq!(alaw_to_linear(0x5A), -248);
}

/// encode(decode(c)) == c for every code, except µ-law 0x7F: it is the
/// negative zero, decodes to 0, and 0 encodes to the positive zero 0xFF.
#[test]
fn g711_codes_round_trip() {
    for code in 0..=255u8 {
        assert_eq!(
            linear_to_alaw(alaw_to_linear(code)),
            code,
            "A-law {code:#x}"
        );
        let back = linear_to_ulaw(ulaw_to_linear(code));
        if code == 0x7F {
            assert_eq!(back, 0xFF);
        } else {
            assert_eq!(back, code, "µ-law {code:#x}");
        }
    }
}

/// Decoding is monotonic in the quantization index: sorted by sign and
/// magnitude, the decoded values strictly increase (µ-law's two zeros
/// aside).
#[test]
fn g711_decode_is_monotonic() {
    // µ-law: 0x00..=0x7F runs from -32124 up to -0, 0xFF..=0x80 from +0
    // up to 32124.
    let ulaw: Vec<i16> = (0x00..=0x7Fu8)
        .chain((0x80..=0xFFu8).rev())
        .map(ulaw_to_linear)
        .collect();
    for w in ulaw.windows(2) {
        assert!(w[0] < w[1] || (w[0] == 0 && w[1] == 0), "{w:?}");
    }
    // A-law: after removing the even-bit inversion, sign-magnitude order.
    let alaw: Vec<i16> = (0x00..=0x7Fu8)
        .rev()
        .chain(0x80..=0xFFu8)
        .map(|c| alaw_to_linear(c ^ 0x55))
        .collect();
    for w in alaw.windows(2) {
        assert!(w[0] < w[1], "{w:?}");
    }
}

/// Encoding is monotonic too: a larger sample never decodes smaller.
#[test]
fn g711_encode_is_monotonic() {
    let mut last = (i16::MIN, i16::MIN);
    for x in i16::MIN..=i16::MAX {
        let d = (
            ulaw_to_linear(linear_to_ulaw(x)),
            alaw_to_linear(linear_to_alaw(x)),
        );
        assert!(d.0 >= last.0 && d.1 >= last.1, "{x}");
        last = d;
    }
}

#[test]
fn slice_helpers_convert_the_shorter_length() {
    let samples = [0i16, 1000, -1000, i16::MAX, i16::MIN];
    let mut codes = [0u8; 4];
    assert_eq!(encode_ulaw(&samples, &mut codes), 4);
    assert_eq!(
        codes,
        [0xFF, linear_to_ulaw(1000), linear_to_ulaw(-1000), 0x80]
    );
    let mut back = [0i16; 8];
    assert_eq!(decode_ulaw(&codes, &mut back), 4);
    assert_eq!(&back[..4], &[0, 988, -988, 32124]);
    assert_eq!(back[4], 0);

    assert_eq!(encode_alaw(&samples, &mut codes), 4);
    assert_eq!(decode_alaw(&codes, &mut back), 4);
    assert_eq!(&back[..4], &[8, 1008, -1008, 32256]);

    for law in [Law::MuLaw, Law::ALaw] {
        let mut c = [0u8; 5];
        let mut d = [0i16; 5];
        assert_eq!(law.encode_slice(&samples, &mut c), 5);
        assert_eq!(law.decode_slice(&c, &mut d), 5);
        for i in 0..5 {
            assert_eq!(c[i], law.encode(samples[i]));
            assert_eq!(d[i], law.decode(c[i]));
        }
    }
}

/// RFC 3551 §6, table 4: PCMU is static payload type 0, PCMA is 8.
#[test]
fn rfc3551_6_static_payload_types() {
    assert_eq!(Law::MuLaw.payload_type(), 0);
    assert_eq!(Law::ALaw.payload_type(), 8);
    assert_eq!(Law::from_payload_type(0), Some(Law::MuLaw));
    assert_eq!(Law::from_payload_type(8), Some(Law::ALaw));
    assert_eq!(Law::from_payload_type(3), None);
    assert_eq!(Law::MuLaw.encoding_name(), "PCMU");
    assert_eq!(Law::ALaw.encoding_name(), "PCMA");
    assert_eq!(Law::MuLaw.silence(), 0xFF);
    assert_eq!(Law::ALaw.silence(), 0xD5);
}

/// A 1 kHz tone at 8 kHz repeats every 8 samples; its peak is the
/// amplitude; 20 ms of PCMU is 160 bytes.
#[test]
fn tone_is_a_sine() {
    let mut tone = Tone::new(1000.0, 8000, 10000);
    let first: Vec<i16> = tone.by_ref().take(8).collect();
    assert_eq!(first, [0, 7071, 10000, 7071, 0, -7071, -10000, -7071]);
    let next: Vec<i16> = tone.by_ref().take(8).collect();
    assert_eq!(first, next);

    let mut tone = Tone::new(1000.0, 8000, 10000);
    let mut frame = [0u8; SAMPLES_PER_20MS];
    tone.fill_frame_ulaw(&mut frame);
    let mut decoded = [0i16; SAMPLES_PER_20MS];
    decode_ulaw(&frame, &mut decoded);
    for (i, d) in decoded.iter().enumerate() {
        assert!((d - first[i % 8]).abs() <= 256, "{i}: {d}");
    }
    let mut tone = Tone::new(1000.0, 8000, 10000);
    let mut frame = [0u8; 8];
    tone.fill_frame_alaw(&mut frame);
    assert_eq!(frame[0], 0xD5);
    assert_eq!(frame[2], linear_to_alaw(10000));

    let mut silent = Tone::new(440.0, 0, 1000);
    let mut buf = [1i16; 4];
    silent.fill(&mut buf);
    assert_eq!(buf, [0; 4]);
    assert_eq!(Tone::new(f64::NAN, 8000, 1000).next(), Some(0));
}
