//! Walking a datagram: the common header, [`RtcpPacket`], [`Compound`].
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |V=2|P|  count  |       PT      |             length            |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use std::iter::FusedIterator;

use super::app::AppView;
use super::bye::ByeView;
use super::error::{at, RtcpError};
use super::report::{RrView, SrView};
use super::sdes::SdesView;
use super::{PT_APP, PT_BYE, PT_RR, PT_SDES, PT_SR};

/// One RTCP packet of a parsed datagram, as a typed view.
///
/// Every accessor of every view is infallible: the structure was checked
/// when the datagram was parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RtcpPacket<'a> {
    /// Sender report (PT=200).
    SenderReport(SrView<'a>),
    /// Receiver report (PT=201).
    ReceiverReport(RrView<'a>),
    /// Source description (PT=202).
    SourceDescription(SdesView<'a>),
    /// Goodbye (PT=203).
    Goodbye(ByeView<'a>),
    /// Application-defined (PT=204).
    App(AppView<'a>),
    /// Any other packet type, such as the RFC 4585 feedback types 205
    /// (RTPFB) and 206 (PSFB). RFC 3550 §6.1: "An implementation SHOULD
    /// ignore incoming RTCP packets with types unknown to it"; the bytes are
    /// here for those that know them.
    Unknown {
        /// The PT field.
        packet_type: u8,
        /// The 5-bit count field (FMT for RFC 4585 feedback).
        count: u8,
        /// The bytes after the 4-byte common header, RTCP padding excluded.
        payload: &'a [u8],
        /// The whole packet, header and padding included.
        raw: &'a [u8],
    },
}

impl<'a> RtcpPacket<'a> {
    /// Parses a datagram holding exactly one RTCP packet of any type, such
    /// as a reduced-size (RFC 5506) feedback packet. The compound rules of
    /// §6.1 are not applied; the packet's own structure is.
    ///
    /// # Errors
    ///
    /// The [`RtcpError`] of the first problem found, with its offset;
    /// [`RtcpError::TrailingBytes`] if `buf` holds more than the packet.
    pub fn parse(buf: &'a [u8]) -> Result<Self, RtcpError> {
        let (packet, len) = read_packet(buf, 0, false, true)?;
        if len != buf.len() {
            return Err(RtcpError::TrailingBytes { offset: at(len) });
        }
        Ok(packet)
    }

    /// The PT field.
    #[inline]
    pub fn packet_type(&self) -> u8 {
        match self {
            Self::SenderReport(_) => PT_SR,
            Self::ReceiverReport(_) => PT_RR,
            Self::SourceDescription(_) => PT_SDES,
            Self::Goodbye(_) => PT_BYE,
            Self::App(_) => PT_APP,
            Self::Unknown { packet_type, .. } => *packet_type,
        }
    }

    /// The whole packet, header and padding included.
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        match self {
            Self::SenderReport(p) => p.as_bytes(),
            Self::ReceiverReport(p) => p.as_bytes(),
            Self::SourceDescription(p) => p.as_bytes(),
            Self::Goodbye(p) => p.as_bytes(),
            Self::App(p) => p.as_bytes(),
            Self::Unknown { raw, .. } => raw,
        }
    }
}

/// Reads the packet at `offset` of `buf` and returns it with its length.
///
/// `first_report` applies the §6.1 rule for the first packet of a compound
/// packet; `deep` walks SDES chunks and items (done once, at parse time,
/// and skipped when iterating over an already parsed datagram).
///
/// Always inlined: in [`Packets::next`] the caller's `match` on the
/// returned view then folds into this one's, and in [`Compound::parse`]
/// the unused views vanish.
#[inline(always)]
fn read_packet(
    buf: &[u8],
    offset: usize,
    first_report: bool,
    deep: bool,
) -> Result<(RtcpPacket<'_>, usize), RtcpError> {
    let rest = buf.get(offset..).unwrap_or_default();
    let Some(header) = rest.first_chunk::<4>() else {
        return Err(RtcpError::TooShort { offset: at(offset) });
    };
    // A.2: "RTP version field must equal 2."
    let version = header[0] >> 6;
    if version != 2 {
        return Err(RtcpError::BadVersion {
            offset: at(offset),
            version,
        });
    }
    // §6.1: "The first RTCP packet in the compound packet MUST always be a
    // report packet to facilitate header validation as described in
    // Appendix A.2."
    let packet_type = header[1];
    if first_report && packet_type != PT_SR && packet_type != PT_RR {
        return Err(RtcpError::FirstNotReport { packet_type });
    }
    // §6.4.1: length is "in 32-bit words minus one, including the header
    // and any padding"; A.2: the lengths "must add up to the overall length
    // of the compound RTCP packet as received".
    let len = (usize::from(u16::from_be_bytes([header[2], header[3]])) + 1) * 4;
    let Some(raw) = rest.get(..len) else {
        return Err(RtcpError::BadLength { offset: at(offset) });
    };
    let content = if header[0] & 0x20 == 0 {
        raw
    } else {
        // §6.4.1: "padding MUST only be added to the last individual
        // packet, and if padding is added to that packet, the padding bit
        // MUST be set only on that packet."
        if len != rest.len() {
            return Err(RtcpError::PaddingNotLast { offset: at(offset) });
        }
        // "The last octet of the padding is a count of how many padding
        // octets should be ignored, including itself": never zero, and it
        // cannot eat into the common header.
        let padding = usize::from(raw[len - 1]);
        if padding == 0 || padding > len - 4 {
            return Err(RtcpError::BadPadding {
                offset: at(offset + len - 1),
            });
        }
        &raw[..len - padding]
    };
    let packet = match packet_type {
        PT_SR => RtcpPacket::SenderReport(SrView::new(raw, content, offset)?),
        PT_RR => RtcpPacket::ReceiverReport(RrView::new(raw, content, offset)?),
        PT_SDES => {
            let sdes = SdesView::new(raw, content);
            if deep {
                sdes.validate(offset)?;
            }
            RtcpPacket::SourceDescription(sdes)
        }
        PT_BYE => RtcpPacket::Goodbye(ByeView::new(raw, content, offset)?),
        PT_APP => RtcpPacket::App(AppView::new(raw, content, offset)?),
        packet_type => RtcpPacket::Unknown {
            packet_type,
            count: header[0] & 0x1f,
            payload: content.get(4..).unwrap_or_default(),
            raw,
        },
    };
    Ok((packet, len))
}

/// A validated compound RTCP datagram
/// ([RFC 3550 §6.1](https://www.rfc-editor.org/rfc/rfc3550#section-6.1)),
/// borrowed, not copied.
///
/// [`Compound::parse`] applies the header validity checks of
/// [Appendix A.2](https://www.rfc-editor.org/rfc/rfc3550#appendix-A.2)
/// (version 2 everywhere, an SR or RR first, lengths adding up exactly to
/// the datagram, padding only on the last packet) and checks the structure
/// of every SR, RR, SDES, BYE and APP packet, so that [`Compound::packets`]
/// and the views it yields never fail. Nothing is allocated.
///
/// The §6.1 rule that an SDES CNAME be present is a SHOULD-level matter
/// for the receiver (A.2 does not check it, and §9.1 split encryption
/// omits it), so it is a separate question: [`Compound::has_cname`].
///
/// ```
/// use sipmob_rtp::rtcp::{Compound, RtcpPacket};
///
/// // An empty RR from SSRC 0x01020304, then SDES with CNAME "a@b".
/// let datagram = [
///     0x80, 201, 0, 1, 1, 2, 3, 4, // RR, RC=0, length 1
///     0x81, 202, 0, 3, 1, 2, 3, 4, // SDES, SC=1, length 3
///     1, 3, b'a', b'@', b'b', 0, 0, 0, // CNAME "a@b", END, padding
/// ];
/// let compound = Compound::parse(&datagram).unwrap();
/// assert!(compound.has_cname());
/// for packet in compound.packets() {
///     if let RtcpPacket::ReceiverReport(rr) = packet {
///         assert_eq!(rr.ssrc(), 0x0102_0304);
///         assert_eq!(rr.report_blocks().len(), 0);
///     }
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compound<'a> {
    buf: &'a [u8],
}

impl<'a> Compound<'a> {
    /// Validates `buf` as a compound RTCP packet.
    ///
    /// # Errors
    ///
    /// The [`RtcpError`] of the first problem found, with its offset.
    #[inline]
    pub fn parse(buf: &'a [u8]) -> Result<Self, RtcpError> {
        Self::walk(buf, true)
    }

    /// Validates `buf` as a reduced-size RTCP datagram (RFC 5506): one or
    /// more packets of any type, the first need not be a report. Every
    /// other check of [`Compound::parse`] applies.
    ///
    /// # Errors
    ///
    /// As [`Compound::parse`], never [`RtcpError::FirstNotReport`].
    #[inline]
    pub fn parse_reduced_size(buf: &'a [u8]) -> Result<Self, RtcpError> {
        Self::walk(buf, false)
    }

    #[inline]
    fn walk(buf: &'a [u8], first_report: bool) -> Result<Self, RtcpError> {
        let (_, mut offset) = read_packet(buf, 0, first_report, true)?;
        while offset < buf.len() {
            let (_, len) = read_packet(buf, offset, false, true)?;
            offset += len;
        }
        Ok(Self { buf })
    }

    /// The packets, in order.
    #[inline]
    pub fn packets(&self) -> Packets<'a> {
        Packets {
            buf: self.buf,
            offset: 0,
        }
    }

    /// Whether an SDES packet carries a CNAME item, as §6.1 asks of every
    /// compound packet: "each compound RTCP packet MUST also include the
    /// SDES CNAME except when the compound RTCP packet is split for partial
    /// encryption as described in Section 9.1".
    pub fn has_cname(&self) -> bool {
        self.packets()
            .any(|p| matches!(p, RtcpPacket::SourceDescription(sdes) if sdes.has_cname()))
    }

    /// The whole datagram.
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }
}

impl<'a> IntoIterator for Compound<'a> {
    type Item = RtcpPacket<'a>;
    type IntoIter = Packets<'a>;

    #[inline]
    fn into_iter(self) -> Packets<'a> {
        self.packets()
    }
}

impl<'a> IntoIterator for &Compound<'a> {
    type Item = RtcpPacket<'a>;
    type IntoIter = Packets<'a>;

    #[inline]
    fn into_iter(self) -> Packets<'a> {
        self.packets()
    }
}

/// Iterator over the packets of a [`Compound`].
#[derive(Debug, Clone)]
pub struct Packets<'a> {
    buf: &'a [u8],
    offset: usize,
}

impl<'a> Iterator for Packets<'a> {
    type Item = RtcpPacket<'a>;

    #[inline]
    fn next(&mut self) -> Option<RtcpPacket<'a>> {
        if self.offset >= self.buf.len() {
            return None;
        }
        match read_packet(self.buf, self.offset, false, false) {
            Ok((packet, len)) => {
                self.offset += len;
                Some(packet)
            }
            // Unreachable for a parsed datagram; end rather than panic.
            Err(_) => {
                self.offset = self.buf.len();
                None
            }
        }
    }
}

impl FusedIterator for Packets<'_> {}
