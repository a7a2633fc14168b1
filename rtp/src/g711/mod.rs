//! ITU-T G.711 µ-law (PCMU) and A-law (PCMA) companding, and a test tone.
//!
//! Decoding is one lookup in a 256-entry `const` table; encoding finds the
//! segment from the position of the highest set bit, with no loop and no
//! table. The results are bit-exact with the classic Sun Microsystems
//! `g711.c` (`ulaw2linear`, `alaw2linear`, `linear2ulaw`) and with the ITU-T
//! G.191 reference (`alaw_compress`), on 16-bit linear samples:
//!
//! - **µ-law** encodes the 16-bit magnitude plus a bias of `0x84`, clipped at
//!   32635, and inverts all bits (`0xFF`).
//! - **A-law** encodes the 13 most significant bits (G.711 defines A-law on
//!   13-bit samples; the low three bits are dropped by an arithmetic shift,
//!   as in Sun's later 13-bit `g711.c` and in G.191), and inverts the even
//!   bits (`0x55`). For every non-negative sample and every negative multiple
//!   of 8 this equals the older 16-bit Sun `linear2alaw`; for other negative
//!   samples that routine, which subtracts 8 without truncating first, lands
//!   up to one step away (and encodes -1 to -7 as `0x5A`, -248).
//!
//! | code | µ-law | A-law |
//! |------|-------|-------|
//! | `0x00` | -32124 | -5504 |
//! | `0x2A` | -5372 | -32256 |
//! | `0x55` | -716 | -8 |
//! | `0x7F` | 0 | -848 |
//! | `0x80` | 32124 | 5504 |
//! | `0xAA` | 5372 | 32256 |
//! | `0xD5` | 716 | 8 |
//! | `0xFF` | 0 | 848 |
//!
//! The [`Law`] enum names the two codecs by their [RFC 3551] payload types
//! (PCMU 0, PCMA 8). [`Tone`] makes sine waves for tests and examples.
//!
//! [RFC 3551]: https://www.rfc-editor.org/rfc/rfc3551#section-6

/// µ-law bias: 0x84 = 132, added to the magnitude before the segment search.
const ULAW_BIAS: i32 = 0x84;
/// µ-law clip: the largest magnitude before the bias (32635 + 132 = 32767).
const ULAW_CLIP: i32 = 32635;

/// Samples in 20 ms at 8000 Hz: one PCMU or PCMA frame of the usual
/// `ptime` (RFC 3551 §4.5).
pub const SAMPLES_PER_20MS: usize = 160;

const fn ulaw_decode(code: u8) -> i16 {
    // Sun g711.c ulaw2linear: invert, rebuild the biased magnitude, unbias.
    let u = !code;
    let t = ((((u & 0x0F) as i32) << 3) + ULAW_BIAS) << ((u & 0x70) >> 4);
    (if u & 0x80 != 0 {
        ULAW_BIAS - t
    } else {
        t - ULAW_BIAS
    }) as i16
}

const fn alaw_decode(code: u8) -> i16 {
    // Sun g711.c alaw2linear.
    let a = code ^ 0x55;
    let mut t = ((a & 0x0F) as i32) << 4;
    let seg = (a & 0x70) >> 4;
    t += if seg == 0 { 8 } else { 0x108 };
    if seg > 1 {
        t <<= seg - 1;
    }
    (if a & 0x80 != 0 { t } else { -t }) as i16
}

const fn ulaw_table() -> [i16; 256] {
    let mut t = [0; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = ulaw_decode(i as u8);
        i += 1;
    }
    t
}

const fn alaw_table() -> [i16; 256] {
    let mut t = [0; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = alaw_decode(i as u8);
        i += 1;
    }
    t
}

/// µ-law code to 16-bit linear sample, indexed by the code.
pub const ULAW_TO_LINEAR: [i16; 256] = ulaw_table();

/// A-law code to 16-bit linear sample, indexed by the code.
pub const ALAW_TO_LINEAR: [i16; 256] = alaw_table();

/// Decodes one µ-law code to a 16-bit linear sample.
#[inline]
pub const fn ulaw_to_linear(code: u8) -> i16 {
    ULAW_TO_LINEAR[code as usize]
}

/// Decodes one A-law code to a 16-bit linear sample.
#[inline]
pub const fn alaw_to_linear(code: u8) -> i16 {
    ALAW_TO_LINEAR[code as usize]
}

/// Encodes one 16-bit linear sample to µ-law.
///
/// Bit-exact with Sun's `linear2ulaw` (bias `0x84`, clip 32635): 0 encodes
/// to `0xFF` and -1 to `0x7F`, both decoding to 0.
#[inline]
pub const fn linear_to_ulaw(sample: i16) -> u8 {
    let x = sample as i32;
    let (mag, mask) = if x < 0 {
        (ULAW_BIAS - x, 0x7F)
    } else {
        (x + ULAW_BIAS, 0xFF)
    };
    // Clipping here gives the same code as Sun's "seg >= 8" case.
    let mag = if mag > ULAW_CLIP + ULAW_BIAS {
        ULAW_CLIP + ULAW_BIAS
    } else {
        mag
    };
    // Segment s holds magnitudes 0x80 << s ..= (0x100 << s) - 1: the highest
    // set bit is bit 7 + s (mag >= 0x84 so it is at least bit 7).
    let seg = 24 - (mag as u32).leading_zeros();
    let code = (seg << 4) | ((mag as u32 >> (seg + 3)) & 0x0F);
    (code as u8) ^ mask
}

/// Encodes one 16-bit linear sample to A-law.
///
/// The sample is first truncated to the 13 bits G.711 A-law is defined on
/// (see the [module docs](self)).
#[inline]
pub const fn linear_to_alaw(sample: i16) -> u8 {
    let x = (sample as i32) & !7;
    let (mag, mask) = if x >= 0 { (x, 0xD5) } else { (-x - 8, 0x55) };
    // mag <= 32760: segment 0 below 0x100, else the highest set bit is bit
    // 7 + s. Segments 0 and 1 share the step of 16.
    let seg = 24 - ((mag as u32) | 0x80).leading_zeros();
    let shift = if seg < 2 { 4 } else { seg + 3 };
    let code = (seg << 4) | ((mag as u32 >> shift) & 0x0F);
    (code as u8) ^ mask
}

/// Encodes `samples` to µ-law into `out`, converting
/// `min(samples.len(), out.len())` samples, and returns that count.
#[inline]
pub fn encode_ulaw(samples: &[i16], out: &mut [u8]) -> usize {
    let n = samples.len().min(out.len());
    for (o, &s) in out.iter_mut().zip(samples) {
        *o = linear_to_ulaw(s);
    }
    n
}

/// Decodes µ-law `codes` into `out`, converting
/// `min(codes.len(), out.len())` codes, and returns that count.
#[inline]
pub fn decode_ulaw(codes: &[u8], out: &mut [i16]) -> usize {
    let n = codes.len().min(out.len());
    for (o, &c) in out.iter_mut().zip(codes) {
        *o = ULAW_TO_LINEAR[usize::from(c)];
    }
    n
}

/// Encodes `samples` to A-law into `out`, converting
/// `min(samples.len(), out.len())` samples, and returns that count.
#[inline]
pub fn encode_alaw(samples: &[i16], out: &mut [u8]) -> usize {
    let n = samples.len().min(out.len());
    for (o, &s) in out.iter_mut().zip(samples) {
        *o = linear_to_alaw(s);
    }
    n
}

/// Decodes A-law `codes` into `out`, converting
/// `min(codes.len(), out.len())` codes, and returns that count.
#[inline]
pub fn decode_alaw(codes: &[u8], out: &mut [i16]) -> usize {
    let n = codes.len().min(out.len());
    for (o, &c) in out.iter_mut().zip(codes) {
        *o = ALAW_TO_LINEAR[usize::from(c)];
    }
    n
}

/// One of the two G.711 companding laws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Law {
    /// µ-law, RTP payload type 0, encoding name `PCMU`.
    MuLaw,
    /// A-law, RTP payload type 8, encoding name `PCMA`.
    ALaw,
}

impl Law {
    /// The static payload type ([RFC 3551 §6], table 4): 0 for PCMU, 8 for
    /// PCMA.
    ///
    /// [RFC 3551 §6]: https://www.rfc-editor.org/rfc/rfc3551#section-6
    pub const fn payload_type(self) -> u8 {
        match self {
            Self::MuLaw => 0,
            Self::ALaw => 8,
        }
    }

    /// The law of static payload type 0 or 8.
    pub const fn from_payload_type(payload_type: u8) -> Option<Self> {
        match payload_type {
            0 => Some(Self::MuLaw),
            8 => Some(Self::ALaw),
            _ => None,
        }
    }

    /// The SDP encoding name: `PCMU` or `PCMA`.
    pub const fn encoding_name(self) -> &'static str {
        match self {
            Self::MuLaw => "PCMU",
            Self::ALaw => "PCMA",
        }
    }

    /// The code a silent (0) sample encodes to: `0xFF` or `0xD5`.
    pub const fn silence(self) -> u8 {
        self.encode(0)
    }

    /// Encodes one sample.
    #[inline]
    pub const fn encode(self, sample: i16) -> u8 {
        match self {
            Self::MuLaw => linear_to_ulaw(sample),
            Self::ALaw => linear_to_alaw(sample),
        }
    }

    /// Decodes one code.
    #[inline]
    pub const fn decode(self, code: u8) -> i16 {
        match self {
            Self::MuLaw => ulaw_to_linear(code),
            Self::ALaw => alaw_to_linear(code),
        }
    }

    /// Encodes `min(samples.len(), out.len())` samples into `out` and
    /// returns that count.
    #[inline]
    pub fn encode_slice(self, samples: &[i16], out: &mut [u8]) -> usize {
        match self {
            Self::MuLaw => encode_ulaw(samples, out),
            Self::ALaw => encode_alaw(samples, out),
        }
    }

    /// Decodes `min(codes.len(), out.len())` codes into `out` and returns
    /// that count.
    #[inline]
    pub fn decode_slice(self, codes: &[u8], out: &mut [i16]) -> usize {
        match self {
            Self::MuLaw => decode_ulaw(codes, out),
            Self::ALaw => decode_alaw(codes, out),
        }
    }
}

/// A sine wave source, an endless iterator of 16-bit samples.
///
/// ```
/// use sipmob_rtp::g711::{Tone, SAMPLES_PER_20MS};
///
/// let mut tone = Tone::new(440.0, 8000, 8000);
/// let mut frame = [0u8; SAMPLES_PER_20MS];
/// tone.fill_frame_ulaw(&mut frame); // one 20 ms PCMU payload
/// assert_eq!(frame[0], 0xFF); // sin(0) = 0
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Tone {
    /// Phase in cycles, in `0.0..1.0`.
    phase: f64,
    /// Cycles per sample.
    step: f64,
    amplitude: f64,
}

impl Tone {
    /// A tone of `freq_hz` sampled at `sample_rate` Hz with peak
    /// `amplitude`, starting at phase 0. A `sample_rate` of 0 gives
    /// silence.
    pub fn new(freq_hz: f64, sample_rate: u32, amplitude: i16) -> Self {
        let step = if sample_rate == 0 {
            0.0
        } else {
            (freq_hz / f64::from(sample_rate)).rem_euclid(1.0)
        };
        Self {
            phase: 0.0,
            step: if step.is_finite() { step } else { 0.0 },
            amplitude: f64::from(amplitude),
        }
    }

    /// The next sample.
    #[inline]
    pub fn next_sample(&mut self) -> i16 {
        let s = (self.amplitude * (core::f64::consts::TAU * self.phase).sin()).round();
        self.phase += self.step;
        if self.phase >= 1.0 {
            self.phase -= 1.0;
        }
        // `as` saturates; |s| <= |amplitude| <= 32768 anyway.
        s as i16
    }

    /// Fills `out` with the next `out.len()` samples.
    pub fn fill(&mut self, out: &mut [i16]) {
        for o in out {
            *o = self.next_sample();
        }
    }

    /// Fills `out` with the next `out.len()` samples encoded as µ-law: pass
    /// a [`SAMPLES_PER_20MS`]-byte buffer for one 20 ms PCMU frame at 8 kHz.
    pub fn fill_frame_ulaw(&mut self, out: &mut [u8]) {
        for o in out {
            *o = linear_to_ulaw(self.next_sample());
        }
    }

    /// Fills `out` with the next `out.len()` samples encoded as A-law (PCMA).
    pub fn fill_frame_alaw(&mut self, out: &mut [u8]) {
        for o in out {
            *o = linear_to_alaw(self.next_sample());
        }
    }
}

impl Iterator for Tone {
    type Item = i16;

    #[inline]
    fn next(&mut self) -> Option<i16> {
        Some(self.next_sample())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (usize::MAX, None)
    }
}

impl core::iter::FusedIterator for Tone {}

#[cfg(test)]
mod tests;
