//! The two RTCP error types: one for received datagrams, one for building.

/// Why a received RTCP datagram was rejected, and at which byte.
///
/// Every `offset` counts bytes from the start of the buffer given to
/// [`Compound::parse`](super::Compound::parse) or
/// [`RtcpPacket::parse`](super::RtcpPacket::parse). The checks are those of
/// [RFC 3550 Appendix A.2](https://www.rfc-editor.org/rfc/rfc3550#appendix-A.2)
/// plus the structure of each packet type (§6.4-6.7), so a datagram that
/// parses can be read through infallible accessors.
///
/// The type is `Copy`, 8 bytes, and allocation-free: rejecting a flood of
/// bad datagrams costs no heap traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum RtcpError {
    /// The datagram ends inside a 4-byte common header (an empty datagram
    /// gives offset 0), or a packet is shorter than the fixed part of its
    /// type (28 bytes for SR, 8 for RR, 12 for APP); `offset` is where the
    /// header or the packet starts.
    #[error("RTCP packet too short at byte {offset}")]
    TooShort {
        /// Start of the truncated header or packet.
        offset: u32,
    },
    /// The version field is not 2 (A.2: "RTP version field must equal 2").
    #[error("RTCP version {version} at byte {offset}, expected 2")]
    BadVersion {
        /// Start of the packet.
        offset: u32,
        /// The version found.
        version: u8,
    },
    /// A packet's length field runs past the end of the datagram (A.2: "the
    /// length fields of the individual RTCP packets must add up to the
    /// overall length of the compound RTCP packet as received").
    #[error("RTCP length field of the packet at byte {offset} runs past the datagram")]
    BadLength {
        /// Start of the packet whose length field is wrong.
        offset: u32,
    },
    /// [`RtcpPacket::parse`](super::RtcpPacket::parse) found bytes after the
    /// one packet it was given.
    #[error("{offset} bytes of RTCP packet followed by trailing bytes")]
    TrailingBytes {
        /// Where the trailing bytes start (the length of the packet).
        offset: u32,
    },
    /// The padding bit is set on a packet that is not the last of the
    /// compound packet (§6.4.1: "padding MUST only be added to the last
    /// individual packet").
    #[error("RTCP padding bit set on the packet at byte {offset}, which is not the last")]
    PaddingNotLast {
        /// Start of the padded packet.
        offset: u32,
    },
    /// The padding count octet is zero or larger than the packet's body.
    #[error("RTCP padding count at byte {offset} is zero or too large")]
    BadPadding {
        /// The padding count octet (the last octet of the packet).
        offset: u32,
    },
    /// The first packet of a compound packet is neither SR nor RR (§6.1: "The
    /// first RTCP packet in the compound packet MUST always be a report
    /// packet"). Its offset is always 0.
    #[error("compound RTCP packet starts with packet type {packet_type}, not SR or RR")]
    FirstNotReport {
        /// The packet type found first.
        packet_type: u8,
    },
    /// The report count (RC) of an SR or RR promises more report blocks than
    /// the packet holds.
    #[error("RTCP report block at byte {offset} runs past its packet")]
    BadReportCount {
        /// Where the first missing report block would start.
        offset: u32,
    },
    /// The source count (SC) of an SDES packet promises more chunks than the
    /// packet holds.
    #[error("SDES chunk at byte {offset} runs past its packet")]
    BadSdesChunk {
        /// Where the missing chunk would start.
        offset: u32,
    },
    /// An SDES item runs past its packet, or a chunk's item list has no
    /// terminating null octet (§6.5).
    #[error("SDES item at byte {offset} runs past its packet or is not terminated")]
    BadSdesItem {
        /// Start of the faulty item (or where the missing END would be).
        offset: u32,
    },
    /// The source count (SC) of a BYE promises more SSRC/CSRC identifiers
    /// than the packet holds.
    #[error("BYE source at byte {offset} runs past its packet")]
    BadByeCount {
        /// Where the first missing identifier would start.
        offset: u32,
    },
    /// The length octet of a BYE reason runs past its packet.
    #[error("BYE reason at byte {offset} runs past its packet")]
    BadByeReason {
        /// The reason's length octet.
        offset: u32,
    },
}

impl RtcpError {
    /// Byte offset of the problem from the start of the parsed buffer (0 for
    /// [`RtcpError::FirstNotReport`]).
    pub fn offset(&self) -> usize {
        let offset = match *self {
            Self::TooShort { offset }
            | Self::BadVersion { offset, .. }
            | Self::BadLength { offset }
            | Self::TrailingBytes { offset }
            | Self::PaddingNotLast { offset }
            | Self::BadPadding { offset }
            | Self::BadReportCount { offset }
            | Self::BadSdesChunk { offset }
            | Self::BadSdesItem { offset }
            | Self::BadByeCount { offset }
            | Self::BadByeReason { offset } => offset,
            Self::FirstNotReport { .. } => 0,
        };
        offset as usize
    }
}

/// Saturating `usize` to `u32` for error offsets (a datagram is far below
/// 4 GiB; a caller's oversized buffer reports `u32::MAX`).
#[inline]
pub(super) fn at(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
}

/// Why a builder refused to write an RTCP packet.
///
/// These are caller mistakes (a field out of the range the wire format can
/// carry) or a too-small output buffer; nothing is written when one is
/// returned, and a `Vec` is left as it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum RtcpBuildError {
    /// The output slice is shorter than the encoded packet.
    #[error("RTCP output buffer holds {available} bytes, {needed} needed")]
    BufferTooSmall {
        /// Bytes the packet needs.
        needed: usize,
        /// Bytes the buffer has.
        available: usize,
    },
    /// More than 31 report blocks in one SR or RR (the RC field is 5 bits;
    /// §6.4 stacks further RR packets instead).
    #[error("{count} report blocks, at most 31 fit in one SR or RR")]
    TooManyReportBlocks {
        /// Report blocks given.
        count: usize,
    },
    /// More than 31 chunks in one SDES packet (the SC field is 5 bits).
    #[error("{count} SDES chunks, at most 31 fit in one packet")]
    TooManySdesChunks {
        /// Chunks given.
        count: usize,
    },
    /// More than 31 sources in one BYE packet (the SC field is 5 bits).
    #[error("{count} BYE sources, at most 31 fit in one packet")]
    TooManyByeSources {
        /// Sources given.
        count: usize,
    },
    /// An SDES item's text is longer than 255 octets (§6.5: "the text can be
    /// no longer than 255 octets").
    #[error("SDES item of {len} octets, at most 255")]
    SdesItemTooLong {
        /// Length given.
        len: usize,
    },
    /// An SDES item of type 0, which is END and cannot carry text.
    #[error("SDES item type 0 is END and cannot be written as an item")]
    SdesItemIsEnd,
    /// A BYE reason longer than 255 octets (its length field is one octet).
    #[error("BYE reason of {len} octets, at most 255")]
    ByeReasonTooLong {
        /// Length given.
        len: usize,
    },
    /// Profile-specific extension bytes, APP data or a raw packet whose
    /// length is not a multiple of 4 (§6.1: packets "MUST end on a 32-bit
    /// boundary"; §6.7: APP data "must be a multiple of 32 bits long").
    #[error("{len} bytes is not a multiple of 32 bits")]
    NotWordAligned {
        /// Length given.
        len: usize,
    },
    /// An APP subtype above 31 (the field is 5 bits).
    #[error("APP subtype {subtype} does not fit in 5 bits")]
    AppSubtypeTooLarge {
        /// Subtype given.
        subtype: u8,
    },
    /// A packet longer than the 16-bit length field can describe
    /// (65536 words).
    #[error("RTCP packet of {len} bytes is longer than 262144")]
    PacketTooLong {
        /// Encoded length.
        len: usize,
    },
    /// A padding request that is not a non-zero multiple of 4 octets, or an
    /// alignment that is not a multiple of 4 between 4 and 256.
    #[error("RTCP padding of {octets} octets is not a non-zero multiple of 4 up to 252")]
    BadPadding {
        /// The padding or alignment asked for.
        octets: usize,
    },
    /// A compound packet that does not start with SR or RR (§6.1), or has
    /// no packet at all.
    #[error("compound RTCP packet must start with SR or RR")]
    FirstNotReport,
    /// A raw packet handed to [`CompoundBuilder::raw_packet`](super::CompoundBuilder::raw_packet)
    /// whose header is not version 2, has the padding bit set, or whose
    /// length field disagrees with its size.
    #[error("raw RTCP packet has a bad common header")]
    BadRawPacket,
}
