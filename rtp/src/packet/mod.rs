//! RTP data packets ([RFC 3550 §5.1]) with [RFC 8285] header extensions.
//!
//! Three layers, as in smoltcp's `Packet<T>` plus `Repr`:
//!
//! - [`RtpPacket`] is a zero-copy view over any `B: AsRef<[u8]>`.
//!   [`RtpPacket::parse`] checks the whole layout once (version, CSRC list,
//!   extension length, padding); every accessor after that reads the bytes
//!   directly and allocates nothing.
//! - With `B: AsMut<[u8]>` the same view edits a packet in place
//!   ([`RtpPacket::set_sequence_number`], [`RtpPacket::payload_mut`], ...),
//!   which is how a relay rewrites a stream without copying it.
//! - [`RtpHeader`] is the owned form. It writes whole packets
//!   ([`RtpHeader::write_to`]), choosing the one-byte or two-byte RFC 8285
//!   extension form from the elements it carries.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |V=2|P|X|  CC   |M|     PT      |       sequence number         |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                           timestamp                           |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |           synchronization source (SSRC) identifier            |
//! +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//! |            contributing source (CSRC) identifiers             |
//! |                             ....                              |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |      defined by profile       |           length              |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                        header extension                       |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    payload ...    | padding ... | pad count   |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! [RFC 3550 §5.1]: https://www.rfc-editor.org/rfc/rfc3550#section-5.1
//! [RFC 8285]: https://www.rfc-editor.org/rfc/rfc8285

use core::fmt;
use core::iter::FusedIterator;
use core::slice::ChunksExact;

/// The RTP version this module reads and writes ([RFC 3550 §5.1]: "The
/// version defined by this specification is two (2).").
///
/// [RFC 3550 §5.1]: https://www.rfc-editor.org/rfc/rfc3550#section-5.1
pub const RTP_VERSION: u8 = 2;

/// Length of the fixed RTP header: 12 octets, before any CSRC.
pub const FIXED_HEADER_LEN: usize = 12;

/// The most CSRC identifiers a packet can list (the 4-bit CC field).
pub const MAX_CSRCS: usize = 15;

/// The "defined by profile" value of a one-byte-header extension
/// ([RFC 8285 §4.2]).
///
/// [RFC 8285 §4.2]: https://www.rfc-editor.org/rfc/rfc8285#section-4.2
pub const ONE_BYTE_PROFILE: u16 = 0xBEDE;

/// The "defined by profile" value of a two-byte-header extension with
/// `appbits` zero ([RFC 8285 §4.3]: `0x100` in the top 12 bits).
///
/// [RFC 8285 §4.3]: https://www.rfc-editor.org/rfc/rfc8285#section-4.3
pub const TWO_BYTE_PROFILE: u16 = 0x1000;

// Bits of the first octet.
const PADDING_BIT: u8 = 0x20;
const EXTENSION_BIT: u8 = 0x10;
const CC_MASK: u8 = 0x0F;

/// Why bytes are not an RTP packet; each variant says where.
///
/// Offsets count from the first byte of the buffer given to
/// [`RtpPacket::parse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum RtpError {
    /// Fewer bytes than the 12-octet fixed header.
    #[error("RTP packet too short: {needed} bytes needed, {len} present")]
    TooShort {
        /// Bytes the fixed header needs.
        needed: usize,
        /// Bytes present.
        len: usize,
    },
    /// The version field (offset 0, top two bits) is not 2.
    #[error("RTP version {0} at offset 0, expected 2")]
    BadVersion(u8),
    /// The CC field lists more CSRCs than the packet holds.
    #[error("CSRC list of {count} entries at offset {offset} runs past the end of the packet")]
    CsrcOverflow {
        /// Where the CSRC list starts (always 12).
        offset: usize,
        /// The CC field.
        count: u8,
    },
    /// The X bit is set but the extension header or its data runs past the
    /// end of the packet.
    #[error("header extension at offset {offset} runs past the end of the packet")]
    ExtensionOverflow {
        /// Where the extension header ("defined by profile") starts.
        offset: usize,
    },
    /// The P bit is set but the padding count (the last octet) is zero or
    /// larger than what follows the header.
    #[error("bad padding count at offset {offset}")]
    BadPadding {
        /// Where the padding count is (the last octet).
        offset: usize,
    },
    /// An RFC 8285 extension element runs past the end of the extension.
    #[error("header extension element at offset {offset} runs past the end of the extension")]
    BadExtensionElement {
        /// Where the element's ID octet is.
        offset: usize,
    },
}

/// Why an [`RtpHeader`] cannot be written, or a setter refused a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The payload type does not fit its 7 bits (0..=127).
    #[error("payload type {0} is not in 0..=127")]
    PayloadTypeOutOfRange(u8),
    /// More than 15 CSRCs (the CC field has 4 bits).
    #[error("{0} CSRCs, at most 15 fit")]
    TooManyCsrcs(usize),
    /// An extension element ID of 0, which RFC 8285 reserves for padding.
    #[error("extension element ID {0} is reserved")]
    BadExtensionId(u8),
    /// An extension element longer than the two-byte form's 255 bytes.
    #[error("extension element {id} has {len} bytes, at most 255 fit")]
    ExtensionElementTooLong {
        /// The element's ID.
        id: u8,
        /// Its data length.
        len: usize,
    },
    /// The whole extension is longer than 65535 32-bit words.
    #[error("header extension of {len} bytes exceeds 65535 words")]
    ExtensionTooLong {
        /// The extension data length in bytes, before alignment.
        len: usize,
    },
}

#[cold]
#[inline(never)]
const fn too_short(len: usize) -> RtpError {
    RtpError::TooShort {
        needed: FIXED_HEADER_LEN,
        len,
    }
}

#[cold]
#[inline(never)]
const fn bad_version(b0: u8) -> RtpError {
    RtpError::BadVersion(b0 >> 6)
}

#[cold]
#[inline(never)]
const fn csrc_overflow(b0: u8) -> RtpError {
    RtpError::CsrcOverflow {
        offset: FIXED_HEADER_LEN,
        count: b0 & CC_MASK,
    }
}

#[cold]
#[inline(never)]
const fn extension_overflow(offset: usize) -> RtpError {
    RtpError::ExtensionOverflow { offset }
}

#[cold]
#[inline(never)]
const fn bad_padding(len: usize) -> RtpError {
    RtpError::BadPadding { offset: len - 1 }
}

/// Placeholder the accessors read if `B::as_ref` ever returns fewer bytes
/// than `parse` saw (a broken `AsRef`): they return zeros rather than panic.
const EMPTY_HEADER: [u8; FIXED_HEADER_LEN] = [0; FIXED_HEADER_LEN];

/// A validated, zero-copy view of one RTP packet.
///
/// Build one with [`RtpPacket::parse`]; the accessors then read the fields
/// straight from the buffer. `B` is anything that derefs to bytes: `&[u8]`,
/// `&mut [u8]`, `Vec<u8>`, `Bytes`. With a mutable buffer the setters edit
/// the packet in place.
///
/// The view assumes `B::as_ref` returns the same bytes every time, as every
/// std and `bytes` type does; if it did not, accessors return zeros or empty
/// slices rather than panic.
#[derive(Clone, Copy)]
pub struct RtpPacket<B> {
    buf: B,
    /// First payload byte: 12 + 4·CC + extension.
    payload_start: usize,
    /// One past the last payload byte: the length less the padding.
    payload_end: usize,
}

impl<B: AsRef<[u8]>> RtpPacket<B> {
    /// Checks that `buf` holds one well-formed RTP packet and wraps it.
    ///
    /// Everything the accessors rely on is checked here, once: the fixed
    /// header is present, the version is 2, the CSRC list and the header
    /// extension (when X is set) fit, and, when P is set, the padding count
    /// is between 1 and the number of octets after the header. RFC 8285
    /// extension elements are checked lazily by
    /// [`Extension::elements`], since a packet may carry a profile-specific
    /// extension of another format.
    ///
    /// # Errors
    ///
    /// [`RtpError::TooShort`], [`RtpError::BadVersion`],
    /// [`RtpError::CsrcOverflow`], [`RtpError::ExtensionOverflow`] or
    /// [`RtpError::BadPadding`], each with the offset of the fault.
    #[inline]
    pub fn parse(buf: B) -> Result<Self, RtpError> {
        let b = buf.as_ref();
        let len = b.len();
        let Some(&[b0, ..]) = b.first_chunk::<FIXED_HEADER_LEN>() else {
            return Err(too_short(len));
        };
        if b0 >> 6 != RTP_VERSION {
            return Err(bad_version(b0));
        }
        let mut start = FIXED_HEADER_LEN + 4 * usize::from(b0 & CC_MASK);
        if start > len {
            return Err(csrc_overflow(b0));
        }
        if b0 & EXTENSION_BIT != 0 {
            // RFC 3550 §5.3.1: the length "counts the number of 32-bit words
            // in the extension, excluding the four-octet extension header".
            let Some(&[_, _, hi, lo]) = b.get(start..).and_then(<[u8]>::first_chunk::<4>) else {
                return Err(extension_overflow(start));
            };
            let end = start + 4 + 4 * usize::from(u16::from_be_bytes([hi, lo]));
            if end > len {
                return Err(extension_overflow(start));
            }
            start = end;
        }
        let mut end = len;
        if b0 & PADDING_BIT != 0 {
            // RFC 3550 §5.1: "The last octet of the padding contains a count
            // of how many padding octets should be ignored, including
            // itself." A count of 0 cannot include itself; one past the
            // header would eat it. `wrapping_sub` folds both into one test.
            let pad = usize::from(b.last().copied().unwrap_or(0));
            if pad.wrapping_sub(1) >= len - start {
                return Err(bad_padding(len));
            }
            end = len - pad;
        }
        Ok(Self {
            buf,
            payload_start: start,
            payload_end: end,
        })
    }

    #[inline(always)]
    fn fixed(&self) -> &[u8; FIXED_HEADER_LEN] {
        self.buf
            .as_ref()
            .first_chunk::<FIXED_HEADER_LEN>()
            .unwrap_or(&EMPTY_HEADER)
    }

    /// The whole packet, header, payload and padding.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.as_ref()
    }

    /// A reference to the underlying buffer.
    #[inline]
    pub fn buffer(&self) -> &B {
        &self.buf
    }

    /// Gives the underlying buffer back.
    #[inline]
    pub fn into_inner(self) -> B {
        self.buf
    }

    /// The version field: always 2 for a parsed packet.
    #[inline]
    pub fn version(&self) -> u8 {
        self.fixed()[0] >> 6
    }

    /// The P bit: whether padding octets follow the payload.
    #[inline]
    pub fn has_padding(&self) -> bool {
        self.fixed()[0] & PADDING_BIT != 0
    }

    /// How many padding octets follow the payload, the count octet included
    /// (0 when P is clear).
    #[inline]
    pub fn padding_len(&self) -> u8 {
        // `parse` took the count from one octet, so it fits a u8.
        self.as_bytes().len().saturating_sub(self.payload_end) as u8
    }

    /// The X bit: whether a header extension follows the CSRC list.
    #[inline]
    pub fn has_extension(&self) -> bool {
        self.fixed()[0] & EXTENSION_BIT != 0
    }

    /// The CC field: how many CSRC identifiers follow the fixed header.
    #[inline]
    pub fn csrc_count(&self) -> u8 {
        self.fixed()[0] & CC_MASK
    }

    /// The M bit, whose meaning the profile defines (for audio, the first
    /// packet of a talkspurt, [RFC 3551 §4.1]).
    ///
    /// [RFC 3551 §4.1]: https://www.rfc-editor.org/rfc/rfc3551#section-4.1
    #[inline]
    pub fn marker(&self) -> bool {
        self.fixed()[1] & 0x80 != 0
    }

    /// The 7-bit payload type.
    #[inline]
    pub fn payload_type(&self) -> u8 {
        self.fixed()[1] & 0x7F
    }

    /// The 16-bit sequence number.
    #[inline]
    pub fn sequence_number(&self) -> u16 {
        let h = self.fixed();
        u16::from_be_bytes([h[2], h[3]])
    }

    /// The 32-bit media timestamp.
    #[inline]
    pub fn timestamp(&self) -> u32 {
        let h = self.fixed();
        u32::from_be_bytes([h[4], h[5], h[6], h[7]])
    }

    /// The synchronization source identifier.
    #[inline]
    pub fn ssrc(&self) -> u32 {
        let h = self.fixed();
        u32::from_be_bytes([h[8], h[9], h[10], h[11]])
    }

    /// The contributing source identifiers, in packet order.
    #[inline]
    pub fn csrcs(&self) -> Csrcs<'_> {
        let end = FIXED_HEADER_LEN + 4 * usize::from(self.csrc_count());
        let list = self
            .as_bytes()
            .get(FIXED_HEADER_LEN..end)
            .unwrap_or_default();
        Csrcs {
            chunks: list.chunks_exact(4),
        }
    }

    /// The header extension, when the X bit is set.
    #[inline]
    pub fn extension(&self) -> Option<Extension<'_>> {
        if !self.has_extension() {
            return None;
        }
        let b = self.as_bytes();
        let at = FIXED_HEADER_LEN + 4 * usize::from(self.csrc_count());
        let &[p0, p1, _, _] = b.get(at..)?.first_chunk::<4>()?;
        let data = b.get(at + 4..self.payload_start)?;
        Some(Extension {
            profile: u16::from_be_bytes([p0, p1]),
            data,
            offset: at + 4,
        })
    }

    /// Length of the header: fixed part, CSRCs and extension. The payload
    /// starts at this offset.
    #[inline]
    pub fn header_len(&self) -> usize {
        self.payload_start
    }

    /// The payload, without the header and without padding.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        self.as_bytes()
            .get(self.payload_start..self.payload_end)
            .unwrap_or_default()
    }

    /// Copies the header into its owned form. The payload stays here: read
    /// it with [`payload`](Self::payload).
    ///
    /// An extension with the profile [`ONE_BYTE_PROFILE`] or
    /// [`TWO_BYTE_PROFILE`] whose elements all parse becomes
    /// [`HeaderExtension::Elements`] (padding between elements is not kept);
    /// any other becomes [`HeaderExtension::Raw`].
    pub fn to_owned_header(&self) -> RtpHeader {
        RtpHeader {
            marker: self.marker(),
            payload_type: self.payload_type(),
            sequence_number: self.sequence_number(),
            timestamp: self.timestamp(),
            ssrc: self.ssrc(),
            csrcs: self.csrcs().collect(),
            extension: self.extension().map(|e| e.to_owned_extension()),
            padding: self.padding_len(),
        }
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> RtpPacket<B> {
    #[inline(always)]
    fn fixed_mut(&mut self) -> Option<&mut [u8; FIXED_HEADER_LEN]> {
        self.buf.as_mut().first_chunk_mut::<FIXED_HEADER_LEN>()
    }

    /// Sets the M bit.
    #[inline]
    pub fn set_marker(&mut self, marker: bool) {
        if let Some(h) = self.fixed_mut() {
            h[1] = (h[1] & 0x7F) | (u8::from(marker) << 7);
        }
    }

    /// Sets the payload type, keeping the M bit.
    ///
    /// # Errors
    ///
    /// [`WriteError::PayloadTypeOutOfRange`] when `payload_type > 127`; the
    /// packet is then unchanged.
    #[inline]
    pub fn set_payload_type(&mut self, payload_type: u8) -> Result<(), WriteError> {
        if payload_type > 0x7F {
            return Err(WriteError::PayloadTypeOutOfRange(payload_type));
        }
        if let Some(h) = self.fixed_mut() {
            h[1] = (h[1] & 0x80) | payload_type;
        }
        Ok(())
    }

    /// Sets the sequence number.
    #[inline]
    pub fn set_sequence_number(&mut self, sequence_number: u16) {
        if let Some(h) = self.fixed_mut() {
            h[2..4].copy_from_slice(&sequence_number.to_be_bytes());
        }
    }

    /// Sets the timestamp.
    #[inline]
    pub fn set_timestamp(&mut self, timestamp: u32) {
        if let Some(h) = self.fixed_mut() {
            h[4..8].copy_from_slice(&timestamp.to_be_bytes());
        }
    }

    /// Sets the SSRC.
    #[inline]
    pub fn set_ssrc(&mut self, ssrc: u32) {
        if let Some(h) = self.fixed_mut() {
            h[8..12].copy_from_slice(&ssrc.to_be_bytes());
        }
    }

    /// The payload, writable in place (its length cannot change).
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let (start, end) = (self.payload_start, self.payload_end);
        self.buf.as_mut().get_mut(start..end).unwrap_or_default()
    }
}

impl<B: AsRef<[u8]>> fmt::Debug for RtpPacket<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RtpPacket")
            .field("marker", &self.marker())
            .field("payload_type", &self.payload_type())
            .field("sequence_number", &self.sequence_number())
            .field("timestamp", &self.timestamp())
            .field("ssrc", &format_args!("{:#010x}", self.ssrc()))
            .field("csrc_count", &self.csrc_count())
            .field("extension", &self.extension())
            .field("payload_len", &self.payload().len())
            .field("padding_len", &self.padding_len())
            .finish()
    }
}

/// Iterator over a packet's CSRC identifiers, from [`RtpPacket::csrcs`].
#[derive(Debug, Clone)]
pub struct Csrcs<'a> {
    chunks: ChunksExact<'a, u8>,
}

impl Iterator for Csrcs<'_> {
    type Item = u32;

    #[inline]
    fn next(&mut self) -> Option<u32> {
        match *self.chunks.next()? {
            [a, b, c, d] => Some(u32::from_be_bytes([a, b, c, d])),
            _ => None,
        }
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.chunks.size_hint()
    }
}

impl ExactSizeIterator for Csrcs<'_> {}
impl FusedIterator for Csrcs<'_> {}

mod extension;
mod header;
#[cfg(test)]
mod tests;

pub use extension::{
    Extension, ExtensionElement, ExtensionElementBuf, ExtensionElements, ExtensionForm,
    HeaderExtension,
};
pub use header::RtpHeader;

/// How far sequence number `a` is ahead of `b`, modulo 2^16: positive when
/// `a` is newer, negative when older.
///
/// Sequence numbers wrap ([RFC 3550 §5.1]: "The sequence number increments by
/// one for each RTP data packet sent"), so the nearer of the two ways round
/// is taken: `seq_diff(2, 65534) == 4`, `seq_diff(65534, 2) == -4`. Two
/// numbers exactly 32768 apart give `-32768`.
///
/// [RFC 3550 §5.1]: https://www.rfc-editor.org/rfc/rfc3550#section-5.1
#[inline]
pub const fn seq_diff(a: u16, b: u16) -> i16 {
    a.wrapping_sub(b) as i16
}

/// Whether sequence number `a` comes after `b` under wrapping
/// ([`seq_diff`]`(a, b) > 0`).
#[inline]
pub const fn is_seq_newer(a: u16, b: u16) -> bool {
    seq_diff(a, b) > 0
}

/// How far RTP timestamp `a` is ahead of `b`, modulo 2^32, in clock ticks
/// (negative when `a` is older), as [`seq_diff`] is for sequence numbers.
#[inline]
pub const fn timestamp_diff(a: u32, b: u32) -> i32 {
    a.wrapping_sub(b) as i32
}
