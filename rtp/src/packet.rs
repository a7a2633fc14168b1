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

/// Which [RFC 8285] layout an extension uses, read from its profile value.
///
/// [RFC 8285]: https://www.rfc-editor.org/rfc/rfc8285
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExtensionForm {
    /// One-byte headers: profile `0xBEDE`, IDs 1-14, 1-16 data bytes.
    OneByte,
    /// Two-byte headers: profile `0x100X`, IDs 1-255, 0-255 data bytes.
    TwoByte {
        /// The low four bits of the profile ("appbits", [RFC 8285 §4.3]),
        /// for the application's use.
        ///
        /// [RFC 8285 §4.3]: https://www.rfc-editor.org/rfc/rfc8285#section-4.3
        appbits: u8,
    },
}

/// A packet's header extension ([RFC 3550 §5.3.1]), borrowed from the packet.
///
/// [RFC 3550 §5.3.1]: https://www.rfc-editor.org/rfc/rfc3550#section-5.3.1
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extension<'a> {
    profile: u16,
    data: &'a [u8],
    /// Offset of `data` in the packet, for error positions.
    offset: usize,
}

impl<'a> Extension<'a> {
    /// The 16-bit "defined by profile" value.
    #[inline]
    pub fn profile(&self) -> u16 {
        self.profile
    }

    /// The extension data after its 4-octet header (a multiple of 4 bytes).
    #[inline]
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// The RFC 8285 form the profile value announces, or `None` for another
    /// profile-specific format.
    #[inline]
    pub fn form(&self) -> Option<ExtensionForm> {
        match self.profile {
            ONE_BYTE_PROFILE => Some(ExtensionForm::OneByte),
            p if p & 0xFFF0 == TWO_BYTE_PROFILE => Some(ExtensionForm::TwoByte {
                appbits: (p & 0x0F) as u8,
            }),
            _ => None,
        }
    }

    /// The RFC 8285 elements, in order. Empty when [`form`](Self::form) is
    /// `None`.
    ///
    /// Padding octets are skipped. In the one-byte form an octet whose ID is
    /// 0 is skipped as one padding octet whatever its length nibble (as
    /// libwebrtc does), and an ID of 15 ends the walk. An element that runs
    /// past the end of the extension is yielded as
    /// [`RtpError::BadExtensionElement`], after which the iterator ends.
    #[inline]
    pub fn elements(&self) -> ExtensionElements<'a> {
        ExtensionElements {
            data: self.data,
            pos: 0,
            base: self.offset,
            form: self.form(),
        }
    }

    /// The data of the first element with ID `id`, if the walk reaches one
    /// before any malformed element.
    #[inline]
    pub fn get(&self, id: u8) -> Option<&'a [u8]> {
        self.elements()
            .map_while(Result::ok)
            .find(|e| e.id == id)
            .map(|e| e.data)
    }

    /// The owned form; see [`RtpPacket::to_owned_header`].
    pub fn to_owned_extension(&self) -> HeaderExtension {
        if matches!(self.profile, ONE_BYTE_PROFILE | TWO_BYTE_PROFILE) {
            let elements: Result<Vec<_>, _> = self
                .elements()
                .map(|e| e.map(|e| ExtensionElementBuf::new(e.id, e.data)))
                .collect();
            if let Ok(elements) = elements {
                return HeaderExtension::Elements(elements);
            }
        }
        HeaderExtension::Raw {
            profile: self.profile,
            data: self.data.to_vec(),
        }
    }
}

/// One RFC 8285 extension element, borrowed from the packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExtensionElement<'a> {
    /// The local identifier (1-14 one-byte, 1-255 two-byte).
    pub id: u8,
    /// The element's data.
    pub data: &'a [u8],
}

/// Iterator over RFC 8285 elements, from [`Extension::elements`].
#[derive(Debug, Clone)]
pub struct ExtensionElements<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
    /// `None` once the walk has ended (or for a non-RFC 8285 profile).
    form: Option<ExtensionForm>,
}

impl<'a> ExtensionElements<'a> {
    #[cold]
    fn malformed(&mut self, at: usize) -> Option<Result<ExtensionElement<'a>, RtpError>> {
        self.form = None;
        Some(Err(RtpError::BadExtensionElement {
            offset: self.base + at,
        }))
    }
}

impl<'a> Iterator for ExtensionElements<'a> {
    type Item = Result<ExtensionElement<'a>, RtpError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let form = self.form?;
        loop {
            let at = self.pos;
            let Some(&first) = self.data.get(at) else {
                self.form = None;
                return None;
            };
            // RFC 8285 §4.1.2: "When a padding byte is found, it is ignored,
            // and the parser moves on to interpreting the next byte."
            let (id, len, start) = match form {
                ExtensionForm::OneByte => {
                    let id = first >> 4;
                    if id == 0 {
                        self.pos += 1;
                        continue;
                    }
                    if id == 15 {
                        // RFC 8285 §4.2: "If the ID value 15 is encountered,
                        // its length field MUST be ignored, processing of the
                        // entire extension MUST terminate at that point".
                        self.form = None;
                        return None;
                    }
                    (id, usize::from(first & 0x0F) + 1, at + 1)
                }
                ExtensionForm::TwoByte { .. } => {
                    if first == 0 {
                        self.pos += 1;
                        continue;
                    }
                    let Some(&len) = self.data.get(at + 1) else {
                        return self.malformed(at);
                    };
                    (first, usize::from(len), at + 2)
                }
            };
            let Some(data) = self.data.get(start..start + len) else {
                return self.malformed(at);
            };
            self.pos = start + len;
            return Some(Ok(ExtensionElement { id, data }));
        }
    }
}

impl FusedIterator for ExtensionElements<'_> {}

/// An owned RFC 8285 extension element, for [`HeaderExtension::Elements`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ExtensionElementBuf {
    /// The local identifier: 1-255 (0 is padding).
    pub id: u8,
    /// The element's data, 0-255 bytes.
    pub data: Vec<u8>,
}

impl ExtensionElementBuf {
    /// An element with ID `id` carrying a copy of `data`.
    pub fn new(id: u8, data: &[u8]) -> Self {
        Self {
            id,
            data: data.to_vec(),
        }
    }
}

/// An owned header extension.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HeaderExtension {
    /// RFC 8285 elements. The writer uses the one-byte form when every ID is
    /// in 1-14 and every element has 1-16 bytes, and the two-byte form
    /// (profile `0x1000`) otherwise, then pads with zeros to 32 bits.
    Elements(Vec<ExtensionElementBuf>),
    /// Any other extension: the profile value and the data, written as is
    /// and padded with zeros to a multiple of 4 bytes.
    Raw {
        /// The "defined by profile" value.
        profile: u16,
        /// The extension data.
        data: Vec<u8>,
    },
}

impl HeaderExtension {
    /// The profile value and unpadded data length this extension writes.
    fn plan(&self) -> Result<(u16, usize), WriteError> {
        let (profile, len) = match self {
            Self::Raw { profile, data } => (*profile, data.len()),
            Self::Elements(elements) => {
                let mut one_byte = true;
                let mut len = 0usize;
                for e in elements {
                    if e.id == 0 {
                        return Err(WriteError::BadExtensionId(0));
                    }
                    if e.data.len() > 255 {
                        return Err(WriteError::ExtensionElementTooLong {
                            id: e.id,
                            len: e.data.len(),
                        });
                    }
                    // RFC 8285 §4.2: one-byte IDs are "in the range 1-14
                    // inclusive" and carry 1 to 16 data bytes.
                    one_byte &= e.id <= 14 && (1..=16).contains(&e.data.len());
                    len += e.data.len();
                }
                let headers = if one_byte { 1 } else { 2 };
                let profile = if one_byte {
                    ONE_BYTE_PROFILE
                } else {
                    TWO_BYTE_PROFILE
                };
                (profile, len + headers * elements.len())
            }
        };
        if len > 4 * usize::from(u16::MAX) {
            return Err(WriteError::ExtensionTooLong { len });
        }
        Ok((profile, len))
    }
}

/// The owned form of an RTP header, which writes packets.
///
/// The version is always 2 and the P, X and CC bits follow from `padding`,
/// `extension` and `csrcs`.
///
/// ```
/// use sipmob_rtp::packet::{RtpHeader, RtpPacket};
///
/// let header = RtpHeader::new(0, 1000, 160, 0x1234_5678)
///     .with_marker(true)
///     .with_extension_element(1, &[0x30]);
/// let bytes = header.to_bytes(&[0xFF; 160]).unwrap();
/// let packet = RtpPacket::parse(&bytes[..]).unwrap();
/// assert_eq!(packet.sequence_number(), 1000);
/// assert_eq!(packet.extension().unwrap().get(1), Some(&[0x30][..]));
/// assert_eq!(packet.to_owned_header(), header);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct RtpHeader {
    /// The M bit.
    pub marker: bool,
    /// The payload type, 0..=127.
    pub payload_type: u8,
    /// The sequence number.
    pub sequence_number: u16,
    /// The media timestamp.
    pub timestamp: u32,
    /// The synchronization source.
    pub ssrc: u32,
    /// Contributing sources, at most 15.
    pub csrcs: Vec<u32>,
    /// The header extension, if any (sets X).
    pub extension: Option<HeaderExtension>,
    /// Padding octets to append after the payload, the count octet included;
    /// 0 for none (clears P).
    pub padding: u8,
}

impl RtpHeader {
    /// A header with no marker, CSRCs, extension or padding.
    pub fn new(payload_type: u8, sequence_number: u16, timestamp: u32, ssrc: u32) -> Self {
        Self {
            payload_type,
            sequence_number,
            timestamp,
            ssrc,
            ..Self::default()
        }
    }

    /// Sets the M bit.
    #[must_use]
    pub fn with_marker(mut self, marker: bool) -> Self {
        self.marker = marker;
        self
    }

    /// Appends a CSRC.
    #[must_use]
    pub fn with_csrc(mut self, csrc: u32) -> Self {
        self.csrcs.push(csrc);
        self
    }

    /// Appends an RFC 8285 element, replacing a [`HeaderExtension::Raw`]
    /// extension if there was one.
    #[must_use]
    pub fn with_extension_element(mut self, id: u8, data: &[u8]) -> Self {
        let element = ExtensionElementBuf::new(id, data);
        match &mut self.extension {
            Some(HeaderExtension::Elements(elements)) => elements.push(element),
            _ => self.extension = Some(HeaderExtension::Elements(vec![element])),
        }
        self
    }

    /// Sets the padding length (count octet included, 0 for none).
    #[must_use]
    pub fn with_padding(mut self, padding: u8) -> Self {
        self.padding = padding;
        self
    }

    /// Checks the fields and returns the extension's profile and unpadded
    /// data length.
    fn validate(&self) -> Result<Option<(u16, usize)>, WriteError> {
        if self.payload_type > 0x7F {
            return Err(WriteError::PayloadTypeOutOfRange(self.payload_type));
        }
        if self.csrcs.len() > MAX_CSRCS {
            return Err(WriteError::TooManyCsrcs(self.csrcs.len()));
        }
        self.extension
            .as_ref()
            .map(HeaderExtension::plan)
            .transpose()
    }

    /// The length of the header this writes: fixed part, CSRCs, extension.
    ///
    /// # Errors
    ///
    /// As [`write_to`](Self::write_to).
    pub fn header_len(&self) -> Result<usize, WriteError> {
        let ext = self.validate()?;
        Ok(FIXED_HEADER_LEN
            + 4 * self.csrcs.len()
            + ext.map_or(0, |(_, len)| 4 + len.div_ceil(4) * 4))
    }

    /// Appends a packet with this header, `payload` and the padding to
    /// `out`, and returns how many bytes it appended.
    ///
    /// # Errors
    ///
    /// [`WriteError`] when a field does not fit its wire format; `out` is
    /// then unchanged.
    pub fn write_to(&self, payload: &[u8], out: &mut Vec<u8>) -> Result<usize, WriteError> {
        let ext = self.validate()?;
        let ext_len = ext.map_or(0, |(_, len)| len.div_ceil(4) * 4);
        let total = FIXED_HEADER_LEN
            + 4 * self.csrcs.len()
            + ext.map_or(0, |_| 4 + ext_len)
            + payload.len()
            + usize::from(self.padding);
        let begin = out.len();
        out.reserve(total);

        let b0 = (RTP_VERSION << 6)
            | if self.padding > 0 { PADDING_BIT } else { 0 }
            | if ext.is_some() { EXTENSION_BIT } else { 0 }
            // validate() checked there are at most 15.
            | self.csrcs.len() as u8;
        out.push(b0);
        out.push((u8::from(self.marker) << 7) | self.payload_type);
        out.extend_from_slice(&self.sequence_number.to_be_bytes());
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        for csrc in &self.csrcs {
            out.extend_from_slice(&csrc.to_be_bytes());
        }
        if let (Some((profile, _)), Some(extension)) = (ext, &self.extension) {
            out.extend_from_slice(&profile.to_be_bytes());
            // plan() checked the length fits 16 bits of words.
            out.extend_from_slice(&((ext_len / 4) as u16).to_be_bytes());
            let data_start = out.len();
            match extension {
                HeaderExtension::Raw { data, .. } => out.extend_from_slice(data),
                HeaderExtension::Elements(elements) => {
                    let one_byte = profile == ONE_BYTE_PROFILE;
                    for e in elements {
                        // plan() checked 1..=16 bytes for one-byte, <= 255.
                        let len = e.data.len() as u8;
                        if one_byte {
                            out.push((e.id << 4) | (len - 1));
                        } else {
                            out.extend_from_slice(&[e.id, len]);
                        }
                        out.extend_from_slice(&e.data);
                    }
                }
            }
            // RFC 8285 §4.1.2: padding bytes "MUST be placed after the last
            // extension element, if needed, to pad to a 32-bit boundary".
            out.resize(data_start + ext_len, 0);
        }
        out.extend_from_slice(payload);
        if self.padding > 0 {
            // RFC 3550 §5.1: the last octet counts the padding, itself
            // included.
            out.resize(out.len() + usize::from(self.padding) - 1, 0);
            out.push(self.padding);
        }
        debug_assert_eq!(out.len() - begin, total);
        Ok(total)
    }

    /// Writes a packet with this header and `payload` into a new `Vec`.
    ///
    /// # Errors
    ///
    /// As [`write_to`](Self::write_to).
    pub fn to_bytes(&self, payload: &[u8]) -> Result<Vec<u8>, WriteError> {
        let mut out = Vec::new();
        self.write_to(payload, &mut out)?;
        Ok(out)
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    /// A PCMU packet: V=2, M=1, PT=0, seq 0x1234, ts 0xDEADBEEF,
    /// SSRC 0x01020304, then `payload`.
    fn pcmu(payload: &[u8]) -> Vec<u8> {
        let mut p = vec![
            0x80, 0x80, 0x12, 0x34, 0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x02, 0x03, 0x04,
        ];
        p.extend_from_slice(payload);
        p
    }

    /// RFC 3550 §5.1: "version (V): 2 bits ... The version defined by this
    /// specification is two (2)." and the fixed fields that follow it.
    #[test]
    fn rfc3550_5_1_fixed_header_fields() {
        let bytes = pcmu(&[1, 2, 3]);
        let p = RtpPacket::parse(&bytes[..]).unwrap();
        assert_eq!(p.version(), 2);
        assert!(!p.has_padding());
        assert_eq!(p.padding_len(), 0);
        assert!(!p.has_extension());
        assert!(p.extension().is_none());
        assert_eq!(p.csrc_count(), 0);
        assert_eq!(p.csrcs().len(), 0);
        assert!(p.marker());
        assert_eq!(p.payload_type(), 0);
        assert_eq!(p.sequence_number(), 0x1234);
        assert_eq!(p.timestamp(), 0xDEAD_BEEF);
        assert_eq!(p.ssrc(), 0x0102_0304);
        assert_eq!(p.header_len(), 12);
        assert_eq!(p.payload(), &[1, 2, 3]);
        assert_eq!(p.as_bytes(), &bytes[..]);
    }

    /// RFC 3550 §5.1: "payload type (PT): 7 bits" — the M bit above it is
    /// not part of the payload type.
    #[test]
    fn rfc3550_5_1_payload_type_is_seven_bits() {
        let mut bytes = pcmu(&[]);
        bytes[1] = 0x7F;
        let p = RtpPacket::parse(&bytes[..]).unwrap();
        assert!(!p.marker());
        assert_eq!(p.payload_type(), 127);
        assert!(p.payload().is_empty());
    }

    /// RFC 3550 §5.1: "The version defined by this specification is two
    /// (2)." Any other value is refused at offset 0.
    #[test]
    fn rfc3550_5_1_version_must_be_two() {
        for (b0, v) in [(0x00, 0), (0x40, 1), (0xC0, 3)] {
            let mut bytes = pcmu(&[]);
            bytes[0] = b0;
            assert_eq!(
                RtpPacket::parse(&bytes[..]).unwrap_err(),
                RtpError::BadVersion(v)
            );
        }
    }

    /// RFC 3550 §5.1: the fixed header is 12 octets; anything shorter is no
    /// RTP packet.
    #[test]
    fn rfc3550_5_1_fixed_header_is_twelve_octets() {
        let bytes = pcmu(&[]);
        for len in 0..12 {
            assert_eq!(
                RtpPacket::parse(&bytes[..len]).unwrap_err(),
                RtpError::TooShort { needed: 12, len }
            );
        }
        assert!(RtpPacket::parse(&bytes[..12]).is_ok());
    }

    /// RFC 3550 §5.1: "CSRC count (CC): 4 bits. The CSRC count contains the
    /// number of CSRC identifiers that follow the fixed header." and "CSRC
    /// list: 0 to 15 items, 32 bits each."
    #[test]
    fn rfc3550_5_1_csrc_list() {
        let mut bytes = pcmu(&[]);
        bytes[0] |= 2;
        bytes.extend_from_slice(&[0xAA, 0xBB, 0xCC, 0xDD, 0, 0, 0, 7, 9]);
        let p = RtpPacket::parse(&bytes[..]).unwrap();
        assert_eq!(p.csrc_count(), 2);
        let csrcs = p.csrcs();
        assert_eq!(csrcs.len(), 2);
        assert_eq!(csrcs.collect::<Vec<_>>(), [0xAABB_CCDD, 7]);
        assert_eq!(p.header_len(), 20);
        assert_eq!(p.payload(), &[9]);
    }

    /// RFC 3550 §5.1: the CC field says how many CSRCs "follow the fixed
    /// header"; a count the packet cannot hold is refused at the list's
    /// offset, 12.
    #[test]
    fn rfc3550_5_1_csrc_count_must_fit() {
        let mut bytes = pcmu(&[0; 8]);
        bytes[0] |= 3;
        assert_eq!(
            RtpPacket::parse(&bytes[..]).unwrap_err(),
            RtpError::CsrcOverflow {
                offset: 12,
                count: 3
            }
        );
        bytes.extend_from_slice(&[0; 4]);
        assert_eq!(RtpPacket::parse(&bytes[..]).unwrap().csrcs().len(), 3);
    }

    /// RFC 3550 §5.3.1: "The header extension contains a 16-bit length field
    /// that counts the number of 32-bit words in the extension, excluding the
    /// four-octet extension header (therefore zero is a valid length)."
    #[test]
    fn rfc3550_5_3_1_extension_length_counts_words() {
        let mut bytes = pcmu(&[]);
        bytes[0] |= EXTENSION_BIT;
        bytes.extend_from_slice(&[0x12, 0x34, 0, 0, 0xEE]);
        let p = RtpPacket::parse(&bytes[..]).unwrap();
        let ext = p.extension().unwrap();
        assert_eq!(ext.profile(), 0x1234);
        assert!(ext.data().is_empty());
        assert_eq!(ext.form(), None);
        assert_eq!(ext.elements().count(), 0);
        assert_eq!(p.payload(), &[0xEE]);

        let mut bytes = pcmu(&[]);
        bytes[0] |= EXTENSION_BIT;
        bytes.extend_from_slice(&[0x12, 0x34, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8, 0xEE]);
        let p = RtpPacket::parse(&bytes[..]).unwrap();
        assert_eq!(p.extension().unwrap().data(), &[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(p.header_len(), 24);
        assert_eq!(p.payload(), &[0xEE]);
        assert_eq!(
            p.to_owned_header().extension,
            Some(HeaderExtension::Raw {
                profile: 0x1234,
                data: vec![1, 2, 3, 4, 5, 6, 7, 8]
            })
        );
    }

    /// RFC 3550 §5.1: "If the extension bit is set, the fixed header MUST be
    /// followed by exactly one header extension". A missing or overlong one
    /// is refused at the extension header's offset.
    #[test]
    fn rfc3550_5_1_extension_must_fit() {
        // X set, header cut after two octets.
        let mut bytes = pcmu(&[0xBE, 0xDE]);
        bytes[0] |= EXTENSION_BIT;
        assert_eq!(
            RtpPacket::parse(&bytes[..]).unwrap_err(),
            RtpError::ExtensionOverflow { offset: 12 }
        );
        // One CSRC, then an extension claiming 2 words with only 1 present.
        let mut bytes = pcmu(&[0, 0, 0, 1, 0xBE, 0xDE, 0, 2, 0x10, 0xAA, 0, 0]);
        bytes[0] |= EXTENSION_BIT | 1;
        assert_eq!(
            RtpPacket::parse(&bytes[..]).unwrap_err(),
            RtpError::ExtensionOverflow { offset: 16 }
        );
    }

    /// The one-byte figure of RFC 8285 §4.2, with two padding bytes between
    /// elements: "In both forms, padding bytes have the value of 0 (zero).
    /// They MAY be placed between extension elements, if desired for
    /// alignment, or after the last extension element" and "The 4-bit length
    /// is the number, minus one, of data bytes of this header extension
    /// element following the one-byte header."
    #[test]
    fn rfc8285_4_2_one_byte_elements_with_padding() {
        let mut bytes = pcmu(&[]);
        bytes[0] |= EXTENSION_BIT;
        #[rustfmt::skip]
        bytes.extend_from_slice(&[
            0xBE, 0xDE, 0x00, 0x03,
            0x10, 0xAA, 0x21, 0xBB,
            0xCC, 0x00, 0x00, 0x33,
            0x01, 0x02, 0x03, 0x04,
            0x77, // payload
        ]);
        let p = RtpPacket::parse(&bytes[..]).unwrap();
        let ext = p.extension().unwrap();
        assert_eq!(ext.profile(), ONE_BYTE_PROFILE);
        assert_eq!(ext.form(), Some(ExtensionForm::OneByte));
        let elements: Vec<_> = ext.elements().collect::<Result<_, _>>().unwrap();
        assert_eq!(
            elements,
            [
                ExtensionElement {
                    id: 1,
                    data: &[0xAA]
                },
                ExtensionElement {
                    id: 2,
                    data: &[0xBB, 0xCC]
                },
                ExtensionElement {
                    id: 3,
                    data: &[1, 2, 3, 4]
                },
            ]
        );
        assert_eq!(ext.get(2), Some(&[0xBB, 0xCC][..]));
        assert_eq!(ext.get(4), None);
        assert_eq!(p.payload(), &[0x77]);
    }

    /// RFC 8285 §4.2: "The local identifier value 15 is reserved for future
    /// extension and MUST NOT be used as an identifier. If the ID value 15 is
    /// encountered, its length field MUST be ignored, processing of the
    /// entire extension MUST terminate at that point, and only the extension
    /// elements present prior to the element with ID 15 SHOULD be
    /// considered."
    #[test]
    fn rfc8285_4_2_id_15_stops_processing() {
        let mut bytes = pcmu(&[]);
        bytes[0] |= EXTENSION_BIT;
        // Element 1, then ID 15 with a length that would overrun, then bytes
        // that would be a valid element 2 if processing went on.
        bytes.extend_from_slice(&[0xBE, 0xDE, 0, 2, 0x10, 0xAA, 0xFF, 0x20, 0xBB, 0, 0, 0]);
        let p = RtpPacket::parse(&bytes[..]).unwrap();
        let ext = p.extension().unwrap();
        let mut it = ext.elements();
        assert_eq!(
            it.next(),
            Some(Ok(ExtensionElement {
                id: 1,
                data: &[0xAA]
            }))
        );
        assert_eq!(it.next(), None);
        assert_eq!(it.next(), None);
        assert_eq!(ext.get(2), None);
        assert_eq!(
            p.to_owned_header().extension,
            Some(HeaderExtension::Elements(vec![ExtensionElementBuf::new(
                1,
                &[0xAA]
            )]))
        );
    }

    /// RFC 8285 §4.2: "The local identifier value 0 is reserved for padding
    /// and MUST NOT be used as a local identifier." A non-zero length nibble
    /// under ID 0 is skipped as one padding byte, as libwebrtc does.
    #[test]
    fn rfc8285_4_2_id_0_is_padding() {
        let mut bytes = pcmu(&[]);
        bytes[0] |= EXTENSION_BIT;
        bytes.extend_from_slice(&[0xBE, 0xDE, 0, 1, 0x00, 0x05, 0x10, 0xAA]);
        let p = RtpPacket::parse(&bytes[..]).unwrap();
        let elements: Vec<_> = p.extension().unwrap().elements().collect();
        assert_eq!(
            elements,
            [Ok(ExtensionElement {
                id: 1,
                data: &[0xAA]
            })]
        );
    }

    /// The two-byte figure of RFC 8285 §4.3: "The 8-bit length field is the
    /// length of extension data in bytes not including the ID and length
    /// fields. The value zero (0) indicates that there is no subsequent
    /// data." with a padding byte between elements.
    #[test]
    fn rfc8285_4_3_two_byte_elements() {
        let mut bytes = pcmu(&[]);
        bytes[0] |= EXTENSION_BIT;
        #[rustfmt::skip]
        bytes.extend_from_slice(&[
            0x10, 0x00, 0x00, 0x03,
            0x01, 0x00, 0x02, 0x01,
            0xAA, 0x00, 0xF0, 0x04,
            0x01, 0x02, 0x03, 0x04,
        ]);
        let p = RtpPacket::parse(&bytes[..]).unwrap();
        let ext = p.extension().unwrap();
        assert_eq!(ext.form(), Some(ExtensionForm::TwoByte { appbits: 0 }));
        let elements: Vec<_> = ext.elements().collect::<Result<_, _>>().unwrap();
        assert_eq!(
            elements,
            [
                ExtensionElement { id: 1, data: &[] },
                ExtensionElement {
                    id: 2,
                    data: &[0xAA]
                },
                ExtensionElement {
                    id: 240,
                    data: &[1, 2, 3, 4]
                },
            ]
        );
        assert!(p.payload().is_empty());
    }

    /// RFC 8285 §4.3: the profile value is "0x100" in the top 12 bits and
    /// "appbits" in the low 4, which "may be used for application-specific
    /// information".
    #[test]
    fn rfc8285_4_3_appbits() {
        let mut bytes = pcmu(&[]);
        bytes[0] |= EXTENSION_BIT;
        bytes.extend_from_slice(&[0x10, 0x0A, 0, 1, 0x07, 0x01, 0x55, 0x00]);
        let p = RtpPacket::parse(&bytes[..]).unwrap();
        let ext = p.extension().unwrap();
        assert_eq!(ext.form(), Some(ExtensionForm::TwoByte { appbits: 0xA }));
        assert_eq!(ext.get(7), Some(&[0x55][..]));
        // Appbits are kept by the raw form.
        assert_eq!(
            ext.to_owned_extension(),
            HeaderExtension::Raw {
                profile: 0x100A,
                data: vec![0x07, 0x01, 0x55, 0x00]
            }
        );
    }

    /// RFC 8285 §4.1.2: "There are as many extension elements as will fit in
    /// the RTP header extension". An element longer than what is left is
    /// refused at its ID byte's offset and ends the walk.
    #[test]
    fn rfc8285_4_1_2_element_must_fit() {
        // One-byte: element 2 says 4 data bytes (L=3), 2 are left.
        let mut bytes = pcmu(&[]);
        bytes[0] |= EXTENSION_BIT;
        bytes.extend_from_slice(&[0xBE, 0xDE, 0, 1, 0x10, 0xAA, 0x23, 0xBB]);
        let p = RtpPacket::parse(&bytes[..]).unwrap();
        let ext = p.extension().unwrap();
        let mut it = ext.elements();
        assert!(it.next().unwrap().is_ok());
        assert_eq!(
            it.next(),
            Some(Err(RtpError::BadExtensionElement { offset: 18 }))
        );
        assert_eq!(it.next(), None);
        assert_eq!(ext.get(2), None);
        assert!(matches!(
            ext.to_owned_extension(),
            HeaderExtension::Raw { .. }
        ));

        // Two-byte: the ID is the last byte, its length byte is missing.
        let mut bytes = pcmu(&[]);
        bytes[0] |= EXTENSION_BIT;
        bytes.extend_from_slice(&[0x10, 0x00, 0, 1, 0x00, 0x00, 0x00, 0x09]);
        let p = RtpPacket::parse(&bytes[..]).unwrap();
        let errors: Vec<_> = p.extension().unwrap().elements().collect();
        assert_eq!(errors, [Err(RtpError::BadExtensionElement { offset: 19 })]);

        // Two-byte: length 5 with 1 byte left.
        let mut bytes = pcmu(&[]);
        bytes[0] |= EXTENSION_BIT;
        bytes.extend_from_slice(&[0x10, 0x00, 0, 1, 0x00, 0x03, 0x05, 0x00]);
        let p = RtpPacket::parse(&bytes[..]).unwrap();
        let errors: Vec<_> = p.extension().unwrap().elements().collect();
        assert_eq!(errors, [Err(RtpError::BadExtensionElement { offset: 17 })]);
    }

    /// RFC 3550 §5.1: "If the padding bit is set, the packet contains one or
    /// more additional padding octets at the end which are not part of the
    /// payload. The last octet of the padding contains a count of how many
    /// padding octets should be ignored, including itself."
    #[test]
    fn rfc3550_5_1_padding_count_includes_itself() {
        let mut bytes = pcmu(&[1, 2, 3, 0, 0, 3]);
        bytes[0] |= PADDING_BIT;
        let p = RtpPacket::parse(&bytes[..]).unwrap();
        assert!(p.has_padding());
        assert_eq!(p.padding_len(), 3);
        assert_eq!(p.payload(), &[1, 2, 3]);

        // All of it padding: an empty payload.
        let mut bytes = pcmu(&[0, 0, 0, 4]);
        bytes[0] |= PADDING_BIT;
        let p = RtpPacket::parse(&bytes[..]).unwrap();
        assert_eq!(p.padding_len(), 4);
        assert!(p.payload().is_empty());
    }

    /// RFC 3550 §5.1: the count includes itself, so it is at least 1, and
    /// padding is "at the end" after the header, so it cannot reach into
    /// the header. Both faults point at the count octet.
    #[test]
    fn rfc3550_5_1_bad_padding() {
        let mut bytes = pcmu(&[1, 2, 0]);
        bytes[0] |= PADDING_BIT;
        assert_eq!(
            RtpPacket::parse(&bytes[..]).unwrap_err(),
            RtpError::BadPadding { offset: 14 }
        );
        let mut bytes = pcmu(&[1, 2, 4]);
        bytes[0] |= PADDING_BIT;
        assert_eq!(
            RtpPacket::parse(&bytes[..]).unwrap_err(),
            RtpError::BadPadding { offset: 14 }
        );
        // P set on a bare header: the count octet would be the SSRC's last.
        let mut bytes = pcmu(&[]);
        bytes[0] |= PADDING_BIT;
        assert_eq!(
            RtpPacket::parse(&bytes[..]).unwrap_err(),
            RtpError::BadPadding { offset: 11 }
        );
        // Padding may not eat into the extension either.
        let mut bytes = pcmu(&[0x12, 0x34, 0, 0, 2]);
        bytes[0] |= PADDING_BIT | EXTENSION_BIT;
        assert_eq!(
            RtpPacket::parse(&bytes[..]).unwrap_err(),
            RtpError::BadPadding { offset: 16 }
        );
    }

    /// Every error prints its position.
    #[test]
    fn errors_display_their_offset() {
        let e = RtpError::BadExtensionElement { offset: 21 };
        assert!(e.to_string().contains("21"), "{e}");
        let e = RtpError::CsrcOverflow {
            offset: 12,
            count: 15,
        };
        assert!(e.to_string().contains("12"), "{e}");
        assert!(WriteError::PayloadTypeOutOfRange(200)
            .to_string()
            .contains("200"));
    }

    /// The relay rewrites SSRC, sequence number and timestamp in place; the
    /// other fields and the payload stay as they were.
    #[test]
    fn in_place_setters() {
        let mut bytes = pcmu(&[1, 2, 3, 0, 2]);
        bytes[0] |= PADDING_BIT;
        let mut p = RtpPacket::parse(&mut bytes[..]).unwrap();
        p.set_marker(false);
        p.set_payload_type(8).unwrap();
        p.set_sequence_number(0xFFFF);
        p.set_timestamp(7);
        p.set_ssrc(0xCAFE_F00D);
        p.payload_mut().copy_from_slice(&[9, 8, 7]);
        assert!(!p.marker());
        assert_eq!(p.payload_type(), 8);
        assert_eq!(p.sequence_number(), 0xFFFF);
        assert_eq!(p.timestamp(), 7);
        assert_eq!(p.ssrc(), 0xCAFE_F00D);
        assert_eq!(p.payload(), &[9, 8, 7]);
        assert_eq!(p.padding_len(), 2);
        assert_eq!(
            bytes,
            [0xA0, 8, 0xFF, 0xFF, 0, 0, 0, 7, 0xCA, 0xFE, 0xF0, 0x0D, 9, 8, 7, 0, 2]
        );

        // Owned buffers work the same way; the marker survives a PT change.
        let mut p = RtpPacket::parse(pcmu(&[5])).unwrap();
        p.set_payload_type(127).unwrap();
        assert!(p.marker());
        assert_eq!(
            p.set_payload_type(128),
            Err(WriteError::PayloadTypeOutOfRange(128))
        );
        assert_eq!(p.payload_type(), 127);
        p.set_marker(true);
        assert_eq!(p.into_inner()[1], 0xFF);
    }

    /// The writer picks the one-byte form when every element fits it
    /// (RFC 8285 §4.2: IDs "in the range 1-14 inclusive", 1 to 16 bytes) and
    /// pads the extension to 32 bits with zero bytes.
    #[test]
    fn writer_one_byte_form() {
        let h = RtpHeader::new(96, 1, 2, 3)
            .with_extension_element(1, &[0xAA])
            .with_extension_element(14, &[0; 16]);
        let bytes = h.to_bytes(&[0x55]).unwrap();
        assert_eq!(&bytes[12..18], &[0xBE, 0xDE, 0, 5, 0x10, 0xAA]);
        assert_eq!(bytes[18], 0xEF);
        assert_eq!(&bytes[35..], &[0, 0x55]);
        assert_eq!(h.header_len(), Ok(bytes.len() - 1));
        let p = RtpPacket::parse(&bytes[..]).unwrap();
        assert_eq!(p.to_owned_header(), h);
        assert_eq!(p.payload(), &[0x55]);
    }

    /// The writer switches to the two-byte form (RFC 8285 §4.3) for an ID
    /// above 14, an empty element or one longer than 16 bytes.
    #[test]
    fn writer_two_byte_form() {
        for (id, len) in [(15, 1), (200, 3), (1, 0), (1, 17), (255, 255)] {
            let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let h = RtpHeader::new(0, 0, 0, 0)
                .with_extension_element(2, &[1])
                .with_extension_element(id, &data);
            let bytes = h.to_bytes(&[]).unwrap();
            let p = RtpPacket::parse(&bytes[..]).unwrap();
            let ext = p.extension().unwrap();
            assert_eq!(ext.profile(), TWO_BYTE_PROFILE);
            assert_eq!(&ext.data()[..3], &[2, 1, 1]);
            assert_eq!(ext.data().len() % 4, 0);
            assert_eq!(ext.get(id), Some(&data[..]));
            assert_eq!(p.to_owned_header(), h);
        }
    }

    /// RFC 3550 §5.1 padding and CSRCs written and read back.
    #[test]
    fn writer_csrcs_and_padding() {
        let h = RtpHeader::new(8, 65535, u32::MAX, 1)
            .with_marker(true)
            .with_csrc(10)
            .with_csrc(11)
            .with_padding(5);
        let mut out = vec![0xEE];
        let n = h.write_to(&[1, 2], &mut out).unwrap();
        assert_eq!(n, 12 + 8 + 2 + 5);
        assert_eq!(out[0], 0xEE);
        assert_eq!(&out[out.len() - 5..], &[0, 0, 0, 0, 5]);
        let p = RtpPacket::parse(&out[1..]).unwrap();
        assert_eq!(p.csrcs().collect::<Vec<_>>(), [10, 11]);
        assert_eq!(p.payload(), &[1, 2]);
        assert_eq!(p.to_owned_header(), h);
    }

    /// Values the wire format cannot carry are refused and nothing is
    /// written.
    #[test]
    fn writer_errors() {
        let mut out = Vec::new();
        let cases = [
            (
                RtpHeader::new(128, 0, 0, 0),
                WriteError::PayloadTypeOutOfRange(128),
            ),
            (
                RtpHeader {
                    csrcs: vec![0; 16],
                    ..RtpHeader::default()
                },
                WriteError::TooManyCsrcs(16),
            ),
            (
                RtpHeader::default().with_extension_element(0, &[1]),
                WriteError::BadExtensionId(0),
            ),
            (
                RtpHeader::default().with_extension_element(3, &[0; 256]),
                WriteError::ExtensionElementTooLong { id: 3, len: 256 },
            ),
            (
                RtpHeader {
                    extension: Some(HeaderExtension::Raw {
                        profile: 1,
                        data: vec![0; 4 * 65535 + 1],
                    }),
                    ..RtpHeader::default()
                },
                WriteError::ExtensionTooLong { len: 4 * 65535 + 1 },
            ),
        ];
        for (h, e) in cases {
            assert_eq!(h.write_to(&[1], &mut out), Err(e));
            assert_eq!(h.header_len(), Err(e));
            assert!(out.is_empty());
        }
    }

    /// A raw extension is padded to a multiple of 4 bytes; the longest one
    /// (65535 words) still fits.
    #[test]
    fn writer_raw_extension() {
        let h = RtpHeader {
            extension: Some(HeaderExtension::Raw {
                profile: 0xABCD,
                data: vec![1, 2, 3, 4, 5],
            }),
            ..RtpHeader::default()
        };
        let bytes = h.to_bytes(&[]).unwrap();
        assert_eq!(&bytes[12..], &[0xAB, 0xCD, 0, 2, 1, 2, 3, 4, 5, 0, 0, 0]);
        let h = RtpHeader {
            extension: Some(HeaderExtension::Raw {
                profile: 1,
                data: vec![7; 4 * 65535],
            }),
            ..RtpHeader::default()
        };
        let bytes = h.to_bytes(&[]).unwrap();
        let p = RtpPacket::parse(&bytes[..]).unwrap();
        assert_eq!(p.extension().unwrap().data().len(), 4 * 65535);
        // with_extension_element replaces a raw extension.
        let h = h.with_extension_element(1, &[2]);
        assert_eq!(
            h.extension,
            Some(HeaderExtension::Elements(vec![ExtensionElementBuf::new(
                1,
                &[2]
            )]))
        );
    }

    /// RFC 3550 §5.1: "The sequence number increments by one for each RTP
    /// data packet sent" and wraps at 2^16; comparisons go the short way
    /// round.
    #[test]
    fn rfc3550_5_1_sequence_numbers_wrap() {
        assert_eq!(seq_diff(2, 65534), 4);
        assert_eq!(seq_diff(65534, 2), -4);
        assert_eq!(seq_diff(7, 7), 0);
        assert_eq!(seq_diff(0x8000, 0), i16::MIN);
        assert!(is_seq_newer(0, 65535));
        assert!(!is_seq_newer(65535, 0));
        assert!(!is_seq_newer(5, 5));
        assert_eq!(timestamp_diff(80, u32::MAX - 79), 160);
        assert_eq!(timestamp_diff(u32::MAX - 79, 80), -160);
    }

    #[test]
    fn debug_shows_fields() {
        let h = RtpHeader::new(0, 42, 0, 0xABCDEF).with_extension_element(1, &[1]);
        let bytes = h.to_bytes(&[]).unwrap();
        let s = format!("{:?}", RtpPacket::parse(&bytes[..]).unwrap());
        assert!(s.contains("sequence_number: 42"), "{s}");
        assert!(s.contains("0x00abcdef"), "{s}");
    }
}
