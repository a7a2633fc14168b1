//! Writing RTCP packets: the shared header writer and [`CompoundBuilder`].

use super::app::App;
use super::bye::Goodbye;
use super::error::RtcpBuildError;
use super::report::{ReceiverReport, SenderReport};
use super::sdes::Sdes;
use super::{PT_RR, PT_SR};

/// The longest packet the 16-bit length field can describe: 65536 words.
pub(super) const MAX_PACKET_LEN: usize = 65_536 * 4;

/// What each packet builder supplies to the shared header writer.
pub(super) trait Emit {
    /// The PT field.
    fn packet_type(&self) -> u8;
    /// The 5-bit count field (RC, SC or APP subtype); valid after `check`.
    fn count(&self) -> u8;
    /// Bytes after the 4-byte common header, a multiple of 4.
    fn body_len(&self) -> usize;
    /// Rejects field values the wire format cannot carry.
    fn check(&self) -> Result<(), RtcpBuildError>;
    /// Writes the body; `body.len() == self.body_len()`.
    fn write_body(&self, body: &mut [u8]);
}

/// Checks `packet` and returns its length with `padding` octets added.
fn planned_len<P: Emit + ?Sized>(packet: &P, padding: usize) -> Result<usize, RtcpBuildError> {
    packet.check()?;
    let len = 4 + packet.body_len() + padding;
    if len > MAX_PACKET_LEN {
        return Err(RtcpBuildError::PacketTooLong { len });
    }
    Ok(len)
}

/// Writes `packet` with `padding` octets of RTCP padding (0, or a multiple
/// of 4 up to 252, checked by the caller) at the start of `out`.
pub(super) fn emit<P: Emit + ?Sized>(
    packet: &P,
    out: &mut [u8],
    padding: usize,
) -> Result<usize, RtcpBuildError> {
    let len = planned_len(packet, padding)?;
    let available = out.len();
    let Some(out) = out.get_mut(..len) else {
        return Err(RtcpBuildError::BufferTooSmall {
            needed: len,
            available,
        });
    };
    let (header, rest) = out.split_at_mut(4);
    let (body, pad) = rest.split_at_mut(len - 4 - padding);
    // §6.4.1: "The length of this RTCP packet in 32-bit words minus one,
    // including the header and any padding."
    let words = u16::try_from(len / 4 - 1).unwrap_or(u16::MAX);
    let p_bit = if padding > 0 { 0x20 } else { 0 };
    header[0] = 0x80 | p_bit | (packet.count() & 0x1f);
    header[1] = packet.packet_type();
    header[2..4].copy_from_slice(&words.to_be_bytes());
    packet.write_body(body);
    // §6.4.1: "The last octet of the padding is a count of how many padding
    // octets should be ignored, including itself".
    if let Some((count, zeros)) = pad.split_last_mut() {
        zeros.fill(0);
        *count = u8::try_from(padding).unwrap_or(u8::MAX);
    }
    Ok(len)
}

/// Appends `packet` (with `padding`) to `out`; on error `out` is unchanged.
pub(super) fn append<P: Emit + ?Sized>(
    packet: &P,
    out: &mut Vec<u8>,
    padding: usize,
) -> Result<usize, RtcpBuildError> {
    let len = planned_len(packet, padding)?;
    let start = out.len();
    out.resize(start + len, 0);
    emit(packet, &mut out[start..], padding).inspect_err(|_| out.truncate(start))
}

/// Writes a big-endian `u32` at `at`.
#[inline]
pub(super) fn put32(buf: &mut [u8], at: usize, value: u32) {
    buf[at..at + 4].copy_from_slice(&value.to_be_bytes());
}

/// `len` rounded up to the next multiple of 4.
#[inline]
pub(super) const fn pad4(len: usize) -> usize {
    (len + 3) & !3
}

/// The inherent `encoded_len` / `write_into` / `write_to_vec` / `to_bytes`
/// methods of a packet builder.
macro_rules! packet_writer {
    ($ty:ident, $what:literal) => {
        impl $ty {
            #[doc = concat!("Bytes this ", $what, " takes on the wire, common header included.")]
            pub fn encoded_len(&self) -> usize {
                4 + super::build::Emit::body_len(self)
            }

            #[doc = concat!("Writes this ", $what, " alone at the start of `buf`; returns its length.")]
            ///
            /// # Errors
            ///
            /// [`RtcpBuildError::BufferTooSmall`](super::RtcpBuildError::BufferTooSmall)
            /// if `buf` is shorter than [`encoded_len`](Self::encoded_len), or
            /// the error for a field the wire format cannot carry.
            pub fn write_into(&self, buf: &mut [u8]) -> Result<usize, super::RtcpBuildError> {
                super::build::emit(self, buf, 0)
            }

            #[doc = concat!("Appends this ", $what, " to `out`; returns its length.")]
            ///
            /// # Errors
            ///
            /// The error for a field the wire format cannot carry; `out` is
            /// then left unchanged.
            pub fn write_to_vec(&self, out: &mut Vec<u8>) -> Result<usize, super::RtcpBuildError> {
                super::build::append(self, out, 0)
            }

            #[doc = concat!("This ", $what, " as a new byte vector.")]
            ///
            /// # Errors
            ///
            /// The error for a field the wire format cannot carry.
            pub fn to_bytes(&self) -> Result<Vec<u8>, super::RtcpBuildError> {
                let mut out = Vec::with_capacity(self.encoded_len());
                self.write_to_vec(&mut out)?;
                Ok(out)
            }
        }
    };
}

pub(super) use packet_writer;

/// A prebuilt packet (for example an RFC 4585 feedback message) passed
/// through a [`CompoundBuilder`] verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct RawPacket(Vec<u8>);

impl Emit for RawPacket {
    fn packet_type(&self) -> u8 {
        self.0.get(1).copied().unwrap_or(0)
    }

    fn count(&self) -> u8 {
        self.0.first().map_or(0, |b| b & 0x1f)
    }

    fn body_len(&self) -> usize {
        self.0.len().saturating_sub(4)
    }

    fn check(&self) -> Result<(), RtcpBuildError> {
        let bytes = &self.0;
        if bytes.len() % 4 != 0 {
            return Err(RtcpBuildError::NotWordAligned { len: bytes.len() });
        }
        let Some(header) = bytes.first_chunk::<4>() else {
            return Err(RtcpBuildError::BadRawPacket);
        };
        let words = usize::from(u16::from_be_bytes([header[2], header[3]]));
        // Version 2, no padding (padding belongs to the compound's last
        // packet and is added by the builder), length field matching.
        if header[0] & 0xe0 != 0x80 || (words + 1) * 4 != bytes.len() {
            return Err(RtcpBuildError::BadRawPacket);
        }
        Ok(())
    }

    fn write_body(&self, body: &mut [u8]) {
        body.copy_from_slice(&self.0[4..]);
    }
}

/// One packet of a [`CompoundBuilder`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Part {
    SenderReport(SenderReport),
    ReceiverReport(ReceiverReport),
    Sdes(Sdes),
    Goodbye(Goodbye),
    App(App),
    Raw(RawPacket),
}

impl Part {
    fn emit(&self) -> &dyn Emit {
        match self {
            Self::SenderReport(p) => p,
            Self::ReceiverReport(p) => p,
            Self::Sdes(p) => p,
            Self::Goodbye(p) => p,
            Self::App(p) => p,
            Self::Raw(p) => p,
        }
    }
}

/// How the last packet of a compound packet is padded (the P bit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
enum Padding {
    #[default]
    None,
    Octets(usize),
    Multiple(usize),
}

/// Builds a compound RTCP packet ([RFC 3550 §6.1](https://www.rfc-editor.org/rfc/rfc3550#section-6.1))
/// from owned packet builders, computing every length field and padding.
///
/// The first packet must be an SR or RR: "The first RTCP packet in the
/// compound packet MUST always be a report packet" (§6.1); `write_*` refuse
/// anything else. SDES chunk padding and BYE reason padding are part of
/// each packet; the optional RTCP padding (P bit) goes on the last packet
/// only, as §6.4.1 requires.
///
/// ```
/// use sipmob_rtp::rtcp::{Compound, CompoundBuilder, ReceiverReport, Sdes};
///
/// let bytes = CompoundBuilder::new()
///     .receiver_report(ReceiverReport::new(0x1234_5678))
///     .sdes(Sdes::cname(0x1234_5678, "alice@example.com"))
///     .to_bytes()
///     .unwrap();
/// let compound = Compound::parse(&bytes).unwrap();
/// assert!(compound.has_cname());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CompoundBuilder {
    parts: Vec<Part>,
    padding: Padding,
}

impl CompoundBuilder {
    /// An empty builder; add an SR or RR first.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a sender report.
    pub fn sender_report(mut self, packet: SenderReport) -> Self {
        self.parts.push(Part::SenderReport(packet));
        self
    }

    /// Appends a receiver report (also how reports beyond 31 sources are
    /// stacked, §6.4).
    pub fn receiver_report(mut self, packet: ReceiverReport) -> Self {
        self.parts.push(Part::ReceiverReport(packet));
        self
    }

    /// Appends a source description packet.
    pub fn sdes(mut self, packet: Sdes) -> Self {
        self.parts.push(Part::Sdes(packet));
        self
    }

    /// Appends a BYE packet.
    pub fn goodbye(mut self, packet: Goodbye) -> Self {
        self.parts.push(Part::Goodbye(packet));
        self
    }

    /// Appends an APP packet.
    pub fn app(mut self, packet: App) -> Self {
        self.parts.push(Part::App(packet));
        self
    }

    /// Appends a complete packet built elsewhere (for example an RFC 4585
    /// feedback message), copied verbatim. It must be version 2, a multiple
    /// of 4 bytes, without the padding bit, and its length field must match
    /// its size; `write_*` report
    /// [`RtcpBuildError::BadRawPacket`] otherwise.
    pub fn raw_packet(mut self, packet: Vec<u8>) -> Self {
        self.parts.push(Part::Raw(RawPacket(packet)));
        self
    }

    /// Adds `octets` of RTCP padding to the last packet and sets its P bit
    /// (§6.4.1); `octets` must be a non-zero multiple of 4 up to 252.
    pub fn padding(mut self, octets: u8) -> Self {
        self.padding = Padding::Octets(usize::from(octets));
        self
    }

    /// Pads the last packet so the compound length is a multiple of
    /// `block` bytes (a multiple of 4 from 4 to 256), as a block cipher
    /// needs (§6.4.1: "Padding may be needed by some encryption algorithms
    /// with fixed block sizes"). No padding is added when the length is
    /// already a multiple.
    pub fn pad_to_multiple_of(mut self, block: u16) -> Self {
        self.padding = Padding::Multiple(usize::from(block));
        self
    }

    /// Number of packets added so far.
    pub fn packet_count(&self) -> usize {
        self.parts.len()
    }

    /// Bytes of the compound packet, padding included (valid when the
    /// packets and the padding request are).
    pub fn encoded_len(&self) -> usize {
        let unpadded = self.unpadded_len();
        unpadded + self.padding_for(unpadded).unwrap_or(0)
    }

    fn unpadded_len(&self) -> usize {
        self.parts.iter().map(|p| 4 + p.emit().body_len()).sum()
    }

    fn padding_for(&self, unpadded: usize) -> Result<usize, RtcpBuildError> {
        match self.padding {
            Padding::None => Ok(0),
            Padding::Octets(octets) if octets % 4 == 0 && (4..=252).contains(&octets) => Ok(octets),
            Padding::Multiple(block) if block % 4 == 0 && (4..=256).contains(&block) => {
                Ok((block - unpadded % block) % block)
            }
            Padding::Octets(octets) | Padding::Multiple(octets) => {
                Err(RtcpBuildError::BadPadding { octets })
            }
        }
    }

    fn check(&self) -> Result<usize, RtcpBuildError> {
        match self.parts.first() {
            Some(Part::SenderReport(_) | Part::ReceiverReport(_)) => {}
            // A raw report packet is a report too.
            Some(Part::Raw(raw)) if matches!(raw.packet_type(), PT_SR | PT_RR) => {}
            _ => return Err(RtcpBuildError::FirstNotReport),
        }
        for part in &self.parts {
            part.emit().check()?;
        }
        self.padding_for(self.unpadded_len())
    }

    /// Writes the compound packet at the start of `buf`; returns its length.
    ///
    /// # Errors
    ///
    /// [`RtcpBuildError::FirstNotReport`] if the first packet is not an SR
    /// or RR, [`RtcpBuildError::BufferTooSmall`] if `buf` is too short, or
    /// the error of the first packet (or padding request) the wire format
    /// cannot carry. Bytes of `buf` may have been overwritten on error.
    pub fn write_into(&self, buf: &mut [u8]) -> Result<usize, RtcpBuildError> {
        let padding = self.check()?;
        let needed = self.unpadded_len() + padding;
        if buf.len() < needed {
            return Err(RtcpBuildError::BufferTooSmall {
                needed,
                available: buf.len(),
            });
        }
        let mut at = 0;
        let last = self.parts.len() - 1;
        for (i, part) in self.parts.iter().enumerate() {
            let pad = if i == last { padding } else { 0 };
            at += emit(part.emit(), &mut buf[at..], pad)?;
        }
        Ok(at)
    }

    /// Appends the compound packet to `out`; returns its length.
    ///
    /// # Errors
    ///
    /// As [`write_into`](Self::write_into) except for a short buffer; `out`
    /// is left unchanged on error.
    pub fn write_to_vec(&self, out: &mut Vec<u8>) -> Result<usize, RtcpBuildError> {
        let padding = self.check()?;
        let start = out.len();
        out.resize(start + self.unpadded_len() + padding, 0);
        self.write_into(&mut out[start..])
            .inspect_err(|_| out.truncate(start))
    }

    /// The compound packet as a new byte vector.
    ///
    /// # Errors
    ///
    /// As [`write_to_vec`](Self::write_to_vec).
    pub fn to_bytes(&self) -> Result<Vec<u8>, RtcpBuildError> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.write_to_vec(&mut out)?;
        Ok(out)
    }
}
