//! Source description (SDES, PT=202): views and builders
//! ([RFC 3550 §6.5](https://www.rfc-editor.org/rfc/rfc3550#section-6.5)).
//!
//! ```text
//!         0                   1                   2                   3
//!         0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//!        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! header |V=2|P|    SC   |  PT=SDES=202  |             length            |
//!        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//! chunk  |                          SSRC/CSRC_1                          |
//!   1    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!        |                           SDES items                          |
//!        |                              ...                              |
//!        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//! chunk  |                          SSRC/CSRC_2                          |
//!   2    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!        |                           SDES items                          |
//!        |                              ...                              |
//!        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//! ```
//!
//! Each item is a type octet, a length octet and that many octets of text.
//! "The list of items in each chunk MUST be terminated by one or more null
//! octets, the first of which is interpreted as an item type of zero to
//! denote the end of the list. No length octet follows the null item type
//! octet, but additional null octets MUST be included if needed to pad
//! until the next 32-bit boundary."

use std::iter::FusedIterator;

use super::build::{packet_writer, pad4, put32, Emit};
use super::error::{at, RtcpBuildError, RtcpError};
use super::PT_SDES;

/// The SDES item types of RFC 3550 §6.5.1-6.5.8 (END, type 0, is not an
/// item: it ends a chunk's list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SdesItemType {
    /// CNAME=1, canonical end-point identifier, the one mandatory item.
    Cname,
    /// NAME=2, user name.
    Name,
    /// EMAIL=3, electronic mail address.
    Email,
    /// PHONE=4, phone number.
    Phone,
    /// LOC=5, geographic user location.
    Loc,
    /// TOOL=6, application or tool name.
    Tool,
    /// NOTE=7, notice/status.
    Note,
    /// PRIV=8, private extension: a prefix length, prefix, then the value.
    Priv,
    /// Any other type (9 and up are registered by later RFCs). `Other(0)`
    /// is END and cannot be written; `Other(1..=8)` writes that type but
    /// reads back as the named variant.
    Other(u8),
}

impl SdesItemType {
    /// The type for an item type octet.
    #[inline]
    pub const fn from_u8(value: u8) -> Self {
        match value {
            1 => Self::Cname,
            2 => Self::Name,
            3 => Self::Email,
            4 => Self::Phone,
            5 => Self::Loc,
            6 => Self::Tool,
            7 => Self::Note,
            8 => Self::Priv,
            other => Self::Other(other),
        }
    }

    /// The item type octet.
    #[inline]
    pub const fn to_u8(self) -> u8 {
        match self {
            Self::Cname => 1,
            Self::Name => 2,
            Self::Email => 3,
            Self::Phone => 4,
            Self::Loc => 5,
            Self::Tool => 6,
            Self::Note => 7,
            Self::Priv => 8,
            Self::Other(other) => other,
        }
    }
}

impl From<u8> for SdesItemType {
    #[inline]
    fn from(value: u8) -> Self {
        Self::from_u8(value)
    }
}

impl From<SdesItemType> for u8 {
    #[inline]
    fn from(value: SdesItemType) -> Self {
        value.to_u8()
    }
}

/// Where a chunk walk failed, as a position in the SDES body.
enum Fault {
    Chunk(usize),
    Item(usize),
}

/// Reads the chunk at `pos` of `body` (the bytes after the common header,
/// RTCP padding excluded): its SSRC/CSRC, its items up to (not including)
/// the END octet, and where the next chunk starts.
#[inline]
fn read_chunk(body: &[u8], pos: usize) -> Result<(u32, &[u8], usize), Fault> {
    let Some(&[a, b, c, d]) = body.get(pos..pos + 4) else {
        return Err(Fault::Chunk(pos));
    };
    let items_start = pos + 4;
    let mut p = items_start;
    loop {
        match body.get(p) {
            // The list ran out before its terminating null octet.
            None => return Err(Fault::Item(p)),
            Some(0) => break,
            Some(_) => {
                let Some(&len) = body.get(p + 1) else {
                    return Err(Fault::Item(p));
                };
                let next = p + 2 + usize::from(len);
                if next > body.len() {
                    return Err(Fault::Item(p));
                }
                p = next;
            }
        }
    }
    // The END octet, then null octets to the next 32-bit boundary. The body
    // starts 4 bytes into a word-aligned packet, so body positions share
    // the packet's alignment. A body cut short by odd RTCP padding ends
    // the last chunk early rather than failing.
    let next = pad4(p + 1).min(body.len());
    let items = body.get(items_start..p).unwrap_or_default();
    Ok((u32::from_be_bytes([a, b, c, d]), items, next))
}

/// A source description packet inside a parsed datagram.
///
/// Parsing checked that the SC chunks are present and that each item list
/// fits and ends with a null octet. Like the A.5 reference parser, it
/// ignores what follows the last chunk and does not insist that the chunk
/// padding after END is null.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdesView<'a> {
    raw: &'a [u8],
    body: &'a [u8],
}

impl<'a> SdesView<'a> {
    /// `raw` is the whole packet, `content` the same without RTCP padding.
    #[inline]
    pub(super) fn new(raw: &'a [u8], content: &'a [u8]) -> Self {
        Self {
            raw,
            body: content.get(4..).unwrap_or_default(),
        }
    }

    /// Walks every chunk and item once, so the iterators never meet a bad
    /// one; `offset` is the packet's position in the datagram.
    #[inline]
    pub(super) fn validate(&self, offset: usize) -> Result<(), RtcpError> {
        let mut pos = 0;
        for _ in 0..self.source_count() {
            match read_chunk(self.body, pos) {
                Ok((_, _, next)) => pos = next,
                Err(Fault::Chunk(p)) => {
                    return Err(RtcpError::BadSdesChunk {
                        offset: at(offset + 4 + p),
                    })
                }
                Err(Fault::Item(p)) => {
                    return Err(RtcpError::BadSdesItem {
                        offset: at(offset + 4 + p),
                    })
                }
            }
        }
        Ok(())
    }

    /// The source count (SC): how many chunks follow, 0-31.
    #[inline]
    pub fn source_count(&self) -> u8 {
        self.raw.first().map_or(0, |b| b & 0x1f)
    }

    /// The chunks, one per SSRC/CSRC.
    #[inline]
    pub fn chunks(&self) -> SdesChunks<'a> {
        SdesChunks {
            body: self.body,
            pos: 0,
            remaining: self.source_count(),
        }
    }

    /// Whether any chunk carries a CNAME item.
    pub fn has_cname(&self) -> bool {
        self.chunks().any(|chunk| chunk.cname().is_some())
    }

    /// The whole packet, header and padding included.
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.raw
    }
}

/// Iterator over the chunks of an SDES packet.
#[derive(Debug, Clone)]
pub struct SdesChunks<'a> {
    body: &'a [u8],
    pos: usize,
    remaining: u8,
}

impl<'a> Iterator for SdesChunks<'a> {
    type Item = SdesChunkView<'a>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        match read_chunk(self.body, self.pos) {
            Ok((ssrc, items, next)) => {
                self.pos = next;
                Some(SdesChunkView { ssrc, items })
            }
            // Unreachable after validation; end the walk rather than panic.
            Err(_) => {
                self.remaining = 0;
                None
            }
        }
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = usize::from(self.remaining);
        (n, Some(n))
    }
}

impl ExactSizeIterator for SdesChunks<'_> {}
impl FusedIterator for SdesChunks<'_> {}

/// One chunk of an SDES packet: a source and its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdesChunkView<'a> {
    ssrc: u32,
    items: &'a [u8],
}

impl<'a> SdesChunkView<'a> {
    /// The SSRC or CSRC described.
    #[inline]
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// The items, END and chunk padding excluded.
    #[inline]
    pub fn items(&self) -> SdesItems<'a> {
        SdesItems { rest: self.items }
    }

    /// The text of the first CNAME item, if any.
    #[inline]
    pub fn cname(&self) -> Option<&'a [u8]> {
        self.items()
            .find(|item| item.raw_type() == 1)
            .map(|item| item.value())
    }
}

/// Iterator over the items of one SDES chunk.
#[derive(Debug, Clone)]
pub struct SdesItems<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for SdesItems<'a> {
    type Item = SdesItemView<'a>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let [item_type, len, rest @ ..] = self.rest else {
            return None;
        };
        let (value, rest) = rest.split_at_checked(usize::from(*len))?;
        self.rest = rest;
        Some(SdesItemView {
            item_type: *item_type,
            value,
        })
    }
}

impl FusedIterator for SdesItems<'_> {}

/// One SDES item: a type and its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdesItemView<'a> {
    item_type: u8,
    value: &'a [u8],
}

impl<'a> SdesItemView<'a> {
    /// The item type.
    #[inline]
    pub fn item_type(&self) -> SdesItemType {
        SdesItemType::from_u8(self.item_type)
    }

    /// The item type octet.
    #[inline]
    pub fn raw_type(&self) -> u8 {
        self.item_type
    }

    /// The text octets (§6.5: "Text is not null terminated").
    #[inline]
    pub fn value(&self) -> &'a [u8] {
        self.value
    }

    /// The text as `&str` when it is valid UTF-8 (§6.5: "The text is
    /// encoded according to the UTF-8 encoding").
    #[inline]
    pub fn as_str(&self) -> Option<&'a str> {
        std::str::from_utf8(self.value).ok()
    }

    /// For a PRIV item (§6.5.8), its prefix string and value string; `None`
    /// for other items or a prefix length running past the item.
    pub fn priv_prefix_and_value(&self) -> Option<(&'a [u8], &'a [u8])> {
        if self.item_type != 8 {
            return None;
        }
        let (len, rest) = self.value.split_first()?;
        rest.split_at_checked(usize::from(*len))
    }
}

/// An owned SDES item to write.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SdesItem {
    /// The item type (not END).
    pub item_type: SdesItemType,
    /// The text, at most 255 octets.
    pub value: Vec<u8>,
}

impl SdesItem {
    /// An item of `item_type` with `value`.
    pub fn new(item_type: SdesItemType, value: impl Into<Vec<u8>>) -> Self {
        Self {
            item_type,
            value: value.into(),
        }
    }

    /// A CNAME item (§6.5.1), e.g. `"user@host"`.
    pub fn cname(value: impl Into<Vec<u8>>) -> Self {
        Self::new(SdesItemType::Cname, value)
    }

    /// A PRIV item (§6.5.8): the prefix length, `prefix`, then `value`.
    /// Prefix and value together must stay within 254 octets.
    pub fn private(prefix: &[u8], value: &[u8]) -> Self {
        let mut text = Vec::with_capacity(1 + prefix.len() + value.len());
        // A longer prefix makes the item too long, which writing rejects.
        text.push(u8::try_from(prefix.len()).unwrap_or(u8::MAX));
        text.extend_from_slice(prefix);
        text.extend_from_slice(value);
        Self::new(SdesItemType::Priv, text)
    }
}

impl From<SdesItemView<'_>> for SdesItem {
    fn from(view: SdesItemView<'_>) -> Self {
        Self::new(view.item_type(), view.value())
    }
}

/// An owned SDES chunk: a source and its items.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SdesChunk {
    /// The SSRC or CSRC described.
    pub ssrc: u32,
    /// Its items, CNAME first by convention.
    pub items: Vec<SdesItem>,
}

impl SdesChunk {
    /// A chunk for `ssrc` with no items.
    pub fn new(ssrc: u32) -> Self {
        Self {
            ssrc,
            items: Vec::new(),
        }
    }

    /// Adds an item.
    pub fn item(mut self, item: SdesItem) -> Self {
        self.items.push(item);
        self
    }

    /// Bytes on the wire: SSRC, items, END and padding to 32 bits.
    fn encoded_len(&self) -> usize {
        let items: usize = self.items.iter().map(|i| 2 + i.value.len()).sum();
        // At least one null octet ends the list (A.4 writes 1-4).
        pad4(4 + items + 1)
    }

    /// Writes the chunk into `out`, which is exactly `encoded_len` long.
    fn write(&self, out: &mut [u8]) {
        put32(out, 0, self.ssrc);
        let mut p = 4;
        for item in &self.items {
            let len = item.value.len();
            out[p] = item.item_type.to_u8();
            out[p + 1] = len as u8;
            out[p + 2..p + 2 + len].copy_from_slice(&item.value);
            p += 2 + len;
        }
        // END and the null padding after it.
        out[p..].fill(0);
    }
}

impl From<SdesChunkView<'_>> for SdesChunk {
    fn from(view: SdesChunkView<'_>) -> Self {
        Self {
            ssrc: view.ssrc(),
            items: view.items().map(SdesItem::from).collect(),
        }
    }
}

/// An owned SDES packet to write.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Sdes {
    /// At most 31 chunks.
    pub chunks: Vec<SdesChunk>,
}

impl Sdes {
    /// An SDES packet with no chunks.
    pub fn new() -> Self {
        Self::default()
    }

    /// The usual end-system SDES: one chunk for `ssrc` with its CNAME.
    pub fn cname(ssrc: u32, cname: impl Into<Vec<u8>>) -> Self {
        Self::new().chunk(SdesChunk::new(ssrc).item(SdesItem::cname(cname)))
    }

    /// Adds a chunk.
    pub fn chunk(mut self, chunk: SdesChunk) -> Self {
        self.chunks.push(chunk);
        self
    }
}

impl Emit for Sdes {
    fn packet_type(&self) -> u8 {
        PT_SDES
    }

    fn count(&self) -> u8 {
        self.chunks.len() as u8
    }

    fn body_len(&self) -> usize {
        self.chunks.iter().map(SdesChunk::encoded_len).sum()
    }

    fn check(&self) -> Result<(), RtcpBuildError> {
        if self.chunks.len() > 31 {
            return Err(RtcpBuildError::TooManySdesChunks {
                count: self.chunks.len(),
            });
        }
        for item in self.chunks.iter().flat_map(|c| &c.items) {
            if item.item_type.to_u8() == 0 {
                return Err(RtcpBuildError::SdesItemIsEnd);
            }
            if item.value.len() > 255 {
                return Err(RtcpBuildError::SdesItemTooLong {
                    len: item.value.len(),
                });
            }
        }
        Ok(())
    }

    fn write_body(&self, body: &mut [u8]) {
        let mut at = 0;
        for chunk in &self.chunks {
            let len = chunk.encoded_len();
            chunk.write(&mut body[at..at + len]);
            at += len;
        }
    }
}

packet_writer!(Sdes, "SDES packet");

impl From<SdesView<'_>> for Sdes {
    fn from(view: SdesView<'_>) -> Self {
        Self {
            chunks: view.chunks().map(SdesChunk::from).collect(),
        }
    }
}
