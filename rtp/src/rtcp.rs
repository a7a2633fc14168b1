//! RTCP packets ([RFC 3550 §6](https://www.rfc-editor.org/rfc/rfc3550#section-6)):
//! zero-copy views of received datagrams and owned builders for sending.
//!
//! In scope: the common header and compound rules (§6.1, Appendix A.2), SR
//! and RR with report blocks (§6.4), SDES (§6.5), BYE (§6.6), APP (§6.7),
//! NTP timestamps and the LSR/DLSR round-trip arithmetic (§4, §6.4.1), and
//! reduced-size datagrams (RFC 5506). Out of scope here: the transmission
//! interval and member tables (§6.2-6.3, the session's job), SRTCP and the
//! §9.1 encryption prefix (strip it before parsing), and the bodies of RFC
//! 4585 feedback packets, which arrive as [`RtcpPacket::Unknown`].
//!
//! # Sans-IO
//!
//! Nothing here touches a socket or the clock: bytes come in as `&[u8]`,
//! time as a `SystemTime` or `NtpTimestamp` the caller read.
//!
//! # Reading
//!
//! [`Compound::parse`] checks the whole datagram once (Appendix A.2 plus the
//! layout of each packet type), then [`Compound::packets`] yields
//! [`RtcpPacket`] views whose accessors read fixed big-endian offsets of the
//! borrowed buffer. Parsing and reading allocate nothing.
//!
//! ```
//! use sipmob_rtp::rtcp::{
//!     Compound, CompoundBuilder, NtpTimestamp, ReportBlock, RtcpPacket, Sdes, SenderReport,
//! };
//!
//! let sr = SenderReport {
//!     ssrc: 0xdead_beef,
//!     ntp_timestamp: NtpTimestamp::new(0xb44d_b705, 0x2000_0000),
//!     rtp_timestamp: 160_000,
//!     packet_count: 1000,
//!     octet_count: 160_000,
//!     report_blocks: vec![ReportBlock { ssrc: 0x1234, cumulative_lost: -2, ..Default::default() }],
//!     extension: Vec::new(),
//! };
//! let datagram = CompoundBuilder::new()
//!     .sender_report(sr)
//!     .sdes(Sdes::cname(0xdead_beef, "alice@192.0.2.89"))
//!     .to_bytes()?;
//!
//! let compound = Compound::parse(&datagram)?;
//! for packet in compound.packets() {
//!     match packet {
//!         RtcpPacket::SenderReport(sr) => {
//!             assert_eq!(sr.ntp_timestamp().middle_32(), 0xb705_2000); // the LSR to echo
//!             let block = sr.report_blocks().next().unwrap();
//!             assert_eq!(block.cumulative_lost(), -2); // 24-bit signed
//!         }
//!         RtcpPacket::SourceDescription(sdes) => {
//!             let chunk = sdes.chunks().next().unwrap();
//!             assert_eq!(chunk.cname(), Some(&b"alice@192.0.2.89"[..]));
//!         }
//!         _ => {}
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Writing
//!
//! [`SenderReport`], [`ReceiverReport`], [`Sdes`], [`Goodbye`] and [`App`]
//! are plain owned structs; each writes itself into a `&mut [u8]` or
//! appends to a `Vec<u8>`, and [`CompoundBuilder`] stacks them, computing
//! length fields, SDES chunk and BYE reason padding, and optional RTCP
//! padding on the last packet.

mod app;
mod build;
mod bye;
mod compound;
mod error;
mod ntp;
mod report;
mod sdes;
#[cfg(test)]
mod tests;

pub use app::{App, AppView};
pub use build::CompoundBuilder;
pub use bye::{ByeSources, ByeView, Goodbye};
pub use compound::{Compound, Packets, RtcpPacket};
pub use error::{RtcpBuildError, RtcpError};
pub use ntp::{dlsr_from_duration, duration_from_dlsr, round_trip_time, NtpTimestamp};
pub use report::{
    ReceiverReport, ReportBlock, ReportBlockView, ReportBlocks, RrView, SenderReport, SrView,
};
pub use sdes::{
    Sdes, SdesChunk, SdesChunkView, SdesChunks, SdesItem, SdesItemType, SdesItemView, SdesItems,
    SdesView,
};

/// The single-packet parser under the name `rtcp::Packet`:
/// `rtcp::Packet::parse(buf)` is [`RtcpPacket::parse`]. Re-export
/// [`RtcpPacket`] rather than this alias at the crate root, where `Packet`
/// would read as an RTP packet.
pub type Packet<'a> = RtcpPacket<'a>;

/// Packet type of a sender report (SR).
pub const PT_SR: u8 = 200;
/// Packet type of a receiver report (RR).
pub const PT_RR: u8 = 201;
/// Packet type of a source description (SDES).
pub const PT_SDES: u8 = 202;
/// Packet type of a goodbye (BYE).
pub const PT_BYE: u8 = 203;
/// Packet type of an application-defined packet (APP).
pub const PT_APP: u8 = 204;
/// Packet type of an RFC 4585 transport-layer feedback message (RTPFB).
pub const PT_RTPFB: u8 = 205;
/// Packet type of an RFC 4585 payload-specific feedback message (PSFB).
pub const PT_PSFB: u8 = 206;

/// The big-endian word at `at` of a fixed-size array; with `at` a constant
/// the bounds checks fold away.
#[inline(always)]
fn be32<const N: usize>(bytes: &[u8; N], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}
