//! Goodbye (BYE, PT=203): view and builder
//! ([RFC 3550 §6.6](https://www.rfc-editor.org/rfc/rfc3550#section-6.6)).
//!
//! ```text
//!        0                   1                   2                   3
//!        0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//!       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!       |V=2|P|    SC   |   PT=BYE=203  |             length            |
//!       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!       |                           SSRC/CSRC                           |
//!       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!       :                              ...                              :
//!       +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//! (opt) |     length    |               reason for leaving            ...
//!       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use std::iter::FusedIterator;

use super::build::{packet_writer, pad4, put32, Emit};
use super::error::{at, RtcpBuildError, RtcpError};
use super::PT_BYE;

/// A BYE packet inside a parsed datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByeView<'a> {
    raw: &'a [u8],
    sources: &'a [u8],
    reason: Option<&'a [u8]>,
}

impl<'a> ByeView<'a> {
    /// `raw` is the whole packet, `content` the same without RTCP padding;
    /// `offset` is the packet's position in the datagram.
    #[inline]
    pub(super) fn new(raw: &'a [u8], content: &'a [u8], offset: usize) -> Result<Self, RtcpError> {
        let body = content.get(4..).unwrap_or_default();
        let count = usize::from(raw.first().map_or(0, |b| b & 0x1f));
        let Some((sources, rest)) = body.split_at_checked(count * 4) else {
            return Err(RtcpError::BadByeCount {
                offset: at(offset + 4 + body.len() / 4 * 4),
            });
        };
        // §6.6: "Optionally, the BYE packet may include an 8-bit octet count
        // followed by that many octets of text"; null octets pad the rest.
        let reason = match rest.split_first() {
            None => None,
            Some((len, text)) => match text.get(..usize::from(*len)) {
                Some(reason) => Some(reason),
                None => {
                    return Err(RtcpError::BadByeReason {
                        offset: at(offset + 4 + count * 4),
                    })
                }
            },
        };
        Ok(Self {
            raw,
            sources,
            reason,
        })
    }

    /// The source count (SC), 0-31.
    #[inline]
    pub fn source_count(&self) -> u8 {
        self.raw.first().map_or(0, |b| b & 0x1f)
    }

    /// The SSRC/CSRC identifiers leaving.
    #[inline]
    pub fn sources(&self) -> ByeSources<'a> {
        ByeSources { rest: self.sources }
    }

    /// The reason for leaving: `None` when nothing follows the sources,
    /// otherwise the text its length octet announces (empty when a sender
    /// pads the sources with null octets).
    #[inline]
    pub fn reason(&self) -> Option<&'a [u8]> {
        self.reason
    }

    /// The reason as `&str` when present and valid UTF-8 (it "has the same
    /// encoding as that described for SDES").
    #[inline]
    pub fn reason_str(&self) -> Option<&'a str> {
        self.reason.and_then(|r| std::str::from_utf8(r).ok())
    }

    /// The whole packet, header and padding included.
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.raw
    }
}

/// Iterator over the SSRC/CSRC identifiers of a BYE.
#[derive(Debug, Clone)]
pub struct ByeSources<'a> {
    rest: &'a [u8],
}

impl Iterator for ByeSources<'_> {
    type Item = u32;

    #[inline]
    fn next(&mut self) -> Option<u32> {
        let (source, rest) = self.rest.split_first_chunk::<4>()?;
        self.rest = rest;
        Some(u32::from_be_bytes(*source))
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.rest.len() / 4;
        (n, Some(n))
    }
}

impl ExactSizeIterator for ByeSources<'_> {}
impl FusedIterator for ByeSources<'_> {}

/// An owned BYE packet to write.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Goodbye {
    /// At most 31 SSRC/CSRC identifiers.
    pub sources: Vec<u32>,
    /// Optional reason for leaving, at most 255 octets.
    pub reason: Option<Vec<u8>>,
}

impl Goodbye {
    /// A BYE for one source, without a reason.
    pub fn new(ssrc: u32) -> Self {
        Self {
            sources: vec![ssrc],
            reason: None,
        }
    }

    /// Adds another source (a mixer lists its contributing sources too).
    pub fn source(mut self, ssrc: u32) -> Self {
        self.sources.push(ssrc);
        self
    }

    /// Sets the reason, e.g. `"camera malfunction"`.
    pub fn reason(mut self, reason: impl Into<Vec<u8>>) -> Self {
        self.reason = Some(reason.into());
        self
    }
}

impl Emit for Goodbye {
    fn packet_type(&self) -> u8 {
        PT_BYE
    }

    fn count(&self) -> u8 {
        self.sources.len() as u8
    }

    fn body_len(&self) -> usize {
        self.sources.len() * 4 + self.reason.as_ref().map_or(0, |r| pad4(1 + r.len()))
    }

    fn check(&self) -> Result<(), RtcpBuildError> {
        if self.sources.len() > 31 {
            return Err(RtcpBuildError::TooManyByeSources {
                count: self.sources.len(),
            });
        }
        match &self.reason {
            Some(reason) if reason.len() > 255 => {
                Err(RtcpBuildError::ByeReasonTooLong { len: reason.len() })
            }
            _ => Ok(()),
        }
    }

    fn write_body(&self, body: &mut [u8]) {
        for (i, source) in self.sources.iter().enumerate() {
            put32(body, i * 4, *source);
        }
        if let Some(reason) = &self.reason {
            let tail = &mut body[self.sources.len() * 4..];
            tail[0] = reason.len() as u8;
            tail[1..1 + reason.len()].copy_from_slice(reason);
            // §6.6: "If not, the BYE packet MUST be padded with null octets
            // to the next 32-bit boundary."
            tail[1 + reason.len()..].fill(0);
        }
    }
}

packet_writer!(Goodbye, "BYE packet");

impl From<ByeView<'_>> for Goodbye {
    fn from(view: ByeView<'_>) -> Self {
        Self {
            sources: view.sources().collect(),
            reason: view.reason().map(<[u8]>::to_vec),
        }
    }
}
