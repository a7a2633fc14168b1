//! Sender and receiver reports: views, report blocks and builders
//! ([RFC 3550 §6.4](https://www.rfc-editor.org/rfc/rfc3550#section-6.4)).
//!
//! ```text
//!         0                   1                   2                   3
//!         0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//!        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! header |V=2|P|    RC   |   PT=SR=200   |             length            |
//!        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!        |                         SSRC of sender                        |
//!        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//! sender |              NTP timestamp, most significant word             |
//! info   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!        |             NTP timestamp, least significant word             |
//!        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!        |                         RTP timestamp                         |
//!        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!        |                     sender's packet count                     |
//!        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!        |                      sender's octet count                     |
//!        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//! report |                 SSRC_1 (SSRC of first source)                 |
//! block  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!   1    | fraction lost |       cumulative number of packets lost       |
//!        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!        |           extended highest sequence number received           |
//!        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!        |                      interarrival jitter                      |
//!        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!        |                         last SR (LSR)                         |
//!        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!        |                   delay since last SR (DLSR)                  |
//!        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//!        |                  profile-specific extensions                  |
//!        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! The RR is the same without the five words of sender info.

use std::iter::FusedIterator;
use std::time::Duration;

use super::build::{packet_writer, pad4, put32, Emit};
use super::error::{at, RtcpBuildError, RtcpError};
use super::ntp::{duration_from_dlsr, round_trip_time, NtpTimestamp};
use super::{be32, PT_RR, PT_SR};

/// Bytes of an SR before its report blocks: header, SSRC, sender info.
const SR_FIXED: usize = 28;
/// Bytes of an RR before its report blocks: header, SSRC.
const RR_FIXED: usize = 8;
/// Bytes of one reception report block.
const BLOCK: usize = 24;
/// The largest cumulative loss a report block can carry (A.3: "clamped at
/// 0x7fffff for positive loss or 0x800000 for negative loss").
const MAX_LOST: i32 = 0x7f_ffff;
/// The smallest (most negative) cumulative loss, 0x800000 as 24 bits.
const MIN_LOST: i32 = -0x80_0000;

/// Splits the report blocks off `rest` (the bytes after the fixed part,
/// padding excluded); `fixed_end` is the packet offset of `rest`.
#[inline]
fn split_blocks(
    rest: &[u8],
    count: u8,
    offset: usize,
    fixed_end: usize,
) -> Result<(&[u8], &[u8]), RtcpError> {
    rest.split_at_checked(usize::from(count) * BLOCK)
        .ok_or(RtcpError::BadReportCount {
            offset: at(offset + fixed_end + rest.len() / BLOCK * BLOCK),
        })
}

/// A sender report (SR, PT=200) inside a parsed datagram
/// ([RFC 3550 §6.4.1](https://www.rfc-editor.org/rfc/rfc3550#section-6.4.1)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SrView<'a> {
    raw: &'a [u8],
    fixed: &'a [u8; SR_FIXED],
    blocks: &'a [u8],
    extension: &'a [u8],
}

impl<'a> SrView<'a> {
    /// `raw` is the whole packet, `content` the same without RTCP padding.
    #[inline]
    pub(super) fn new(raw: &'a [u8], content: &'a [u8], offset: usize) -> Result<Self, RtcpError> {
        let Some((fixed, rest)) = content.split_first_chunk::<SR_FIXED>() else {
            return Err(RtcpError::TooShort { offset: at(offset) });
        };
        let (blocks, extension) = split_blocks(rest, fixed[0] & 0x1f, offset, SR_FIXED)?;
        Ok(Self {
            raw,
            fixed,
            blocks,
            extension,
        })
    }

    /// SSRC of the sender.
    #[inline]
    pub fn ssrc(&self) -> u32 {
        be32(self.fixed, 4)
    }

    /// The NTP timestamp: "the wallclock time (see Section 4) when this
    /// report was sent".
    #[inline]
    pub fn ntp_timestamp(&self) -> NtpTimestamp {
        NtpTimestamp::new(self.ntp_seconds(), self.ntp_fraction())
    }

    /// The most significant word of the NTP timestamp (seconds).
    #[inline]
    pub fn ntp_seconds(&self) -> u32 {
        be32(self.fixed, 8)
    }

    /// The least significant word of the NTP timestamp (fraction).
    #[inline]
    pub fn ntp_fraction(&self) -> u32 {
        be32(self.fixed, 12)
    }

    /// RTP timestamp corresponding to the NTP timestamp.
    #[inline]
    pub fn rtp_timestamp(&self) -> u32 {
        be32(self.fixed, 16)
    }

    /// Sender's packet count.
    #[inline]
    pub fn packet_count(&self) -> u32 {
        be32(self.fixed, 20)
    }

    /// Sender's octet count (payload octets only).
    #[inline]
    pub fn octet_count(&self) -> u32 {
        be32(self.fixed, 24)
    }

    /// The reception report count (RC), 0-31.
    #[inline]
    pub fn report_count(&self) -> u8 {
        self.fixed[0] & 0x1f
    }

    /// The reception report blocks.
    #[inline]
    pub fn report_blocks(&self) -> ReportBlocks<'a> {
        ReportBlocks { rest: self.blocks }
    }

    /// Profile-specific extension bytes after the report blocks (§6.4.3),
    /// RTCP padding excluded.
    #[inline]
    pub fn extension(&self) -> &'a [u8] {
        self.extension
    }

    /// The whole packet, header and padding included.
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.raw
    }
}

/// A receiver report (RR, PT=201) inside a parsed datagram
/// ([RFC 3550 §6.4.2](https://www.rfc-editor.org/rfc/rfc3550#section-6.4.2)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RrView<'a> {
    raw: &'a [u8],
    fixed: &'a [u8; RR_FIXED],
    blocks: &'a [u8],
    extension: &'a [u8],
}

impl<'a> RrView<'a> {
    /// `raw` is the whole packet, `content` the same without RTCP padding.
    #[inline]
    pub(super) fn new(raw: &'a [u8], content: &'a [u8], offset: usize) -> Result<Self, RtcpError> {
        let Some((fixed, rest)) = content.split_first_chunk::<RR_FIXED>() else {
            return Err(RtcpError::TooShort { offset: at(offset) });
        };
        let (blocks, extension) = split_blocks(rest, fixed[0] & 0x1f, offset, RR_FIXED)?;
        Ok(Self {
            raw,
            fixed,
            blocks,
            extension,
        })
    }

    /// SSRC of the packet sender.
    #[inline]
    pub fn ssrc(&self) -> u32 {
        be32(self.fixed, 4)
    }

    /// The reception report count (RC), 0-31.
    #[inline]
    pub fn report_count(&self) -> u8 {
        self.fixed[0] & 0x1f
    }

    /// The reception report blocks.
    #[inline]
    pub fn report_blocks(&self) -> ReportBlocks<'a> {
        ReportBlocks { rest: self.blocks }
    }

    /// Profile-specific extension bytes after the report blocks (§6.4.3),
    /// RTCP padding excluded.
    #[inline]
    pub fn extension(&self) -> &'a [u8] {
        self.extension
    }

    /// The whole packet, header and padding included.
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.raw
    }
}

/// One 24-byte reception report block of an SR or RR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportBlockView<'a> {
    block: &'a [u8; BLOCK],
}

impl<'a> ReportBlockView<'a> {
    /// SSRC_n, the source this block reports on.
    #[inline]
    pub fn ssrc(&self) -> u32 {
        be32(self.block, 0)
    }

    /// Fraction lost since the previous report, in 1/256 units.
    #[inline]
    pub fn fraction_lost(&self) -> u8 {
        self.block[4]
    }

    /// Cumulative number of packets lost, sign-extended from 24 bits: "the
    /// loss may be negative if there are duplicates" (§6.4.1).
    #[inline]
    pub fn cumulative_lost(&self) -> i32 {
        // Shift the 24-bit field to the top, then arithmetic-shift it back.
        ((be32(self.block, 4) << 8) as i32) >> 8
    }

    /// Extended highest sequence number received (cycles in the high 16
    /// bits).
    #[inline]
    pub fn extended_highest_sequence(&self) -> u32 {
        be32(self.block, 8)
    }

    /// Interarrival jitter in timestamp units.
    #[inline]
    pub fn jitter(&self) -> u32 {
        be32(self.block, 12)
    }

    /// Last SR timestamp (LSR): the middle 32 bits of the NTP timestamp of
    /// the last SR from this source, 0 if none.
    #[inline]
    pub fn last_sr(&self) -> u32 {
        be32(self.block, 16)
    }

    /// Delay since last SR (DLSR) in units of 1/65536 s.
    #[inline]
    pub fn delay_since_last_sr(&self) -> u32 {
        be32(self.block, 20)
    }

    /// DLSR as a duration.
    #[inline]
    pub fn delay_since_last_sr_duration(&self) -> Duration {
        duration_from_dlsr(self.delay_since_last_sr())
    }

    /// Round-trip time "(A - LSR - DLSR)" (§6.4.1), `arrival` being A, the
    /// time this block was received; `None` if no SR was reported (LSR 0)
    /// or clocks are skewed.
    #[inline]
    pub fn round_trip_time(&self, arrival: NtpTimestamp) -> Option<Duration> {
        round_trip_time(arrival, self.last_sr(), self.delay_since_last_sr())
    }

    /// The 24 bytes of the block.
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8; 24] {
        self.block
    }
}

/// Iterator over the report blocks of an SR or RR.
#[derive(Debug, Clone)]
pub struct ReportBlocks<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for ReportBlocks<'a> {
    type Item = ReportBlockView<'a>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let (block, rest) = self.rest.split_first_chunk::<BLOCK>()?;
        self.rest = rest;
        Some(ReportBlockView { block })
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.rest.len() / BLOCK;
        (n, Some(n))
    }
}

impl ExactSizeIterator for ReportBlocks<'_> {}
impl FusedIterator for ReportBlocks<'_> {}

/// An owned reception report block for the builders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ReportBlock {
    /// SSRC_n, the source reported on.
    pub ssrc: u32,
    /// Fraction lost since the previous report, in 1/256 units.
    pub fraction_lost: u8,
    /// Cumulative packets lost. Written as 24-bit two's complement, clamped
    /// to `-0x800000..=0x7fffff` per RFC 3550 A.3 ("it should be clamped at
    /// 0x7fffff for positive loss or 0x800000 for negative loss rather than
    /// wrapping around").
    pub cumulative_lost: i32,
    /// Extended highest sequence number received.
    pub extended_highest_sequence: u32,
    /// Interarrival jitter in timestamp units.
    pub jitter: u32,
    /// LSR: middle 32 bits of the last SR's NTP timestamp, 0 if none.
    pub last_sr: u32,
    /// DLSR in units of 1/65536 s, 0 if no SR was received.
    pub delay_since_last_sr: u32,
}

impl ReportBlock {
    fn write(&self, out: &mut [u8]) {
        let lost = self.cumulative_lost.clamp(MIN_LOST, MAX_LOST) as u32 & 0x00ff_ffff;
        put32(out, 0, self.ssrc);
        put32(out, 4, u32::from(self.fraction_lost) << 24 | lost);
        put32(out, 8, self.extended_highest_sequence);
        put32(out, 12, self.jitter);
        put32(out, 16, self.last_sr);
        put32(out, 20, self.delay_since_last_sr);
    }
}

impl From<ReportBlockView<'_>> for ReportBlock {
    fn from(view: ReportBlockView<'_>) -> Self {
        Self {
            ssrc: view.ssrc(),
            fraction_lost: view.fraction_lost(),
            cumulative_lost: view.cumulative_lost(),
            extended_highest_sequence: view.extended_highest_sequence(),
            jitter: view.jitter(),
            last_sr: view.last_sr(),
            delay_since_last_sr: view.delay_since_last_sr(),
        }
    }
}

/// Checks the parts shared by SR and RR builders.
fn check_report(blocks: &[ReportBlock], extension: &[u8]) -> Result<(), RtcpBuildError> {
    if blocks.len() > 31 {
        return Err(RtcpBuildError::TooManyReportBlocks {
            count: blocks.len(),
        });
    }
    if extension.len() % 4 != 0 {
        return Err(RtcpBuildError::NotWordAligned {
            len: extension.len(),
        });
    }
    Ok(())
}

/// Writes report blocks then extension bytes into `out`.
fn write_blocks(out: &mut [u8], blocks: &[ReportBlock], extension: &[u8]) {
    let (block_out, ext_out) = out.split_at_mut(blocks.len() * BLOCK);
    for (chunk, block) in block_out.chunks_exact_mut(BLOCK).zip(blocks) {
        block.write(chunk);
    }
    ext_out[..extension.len()].copy_from_slice(extension);
}

/// An owned sender report (SR) to write.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SenderReport {
    /// SSRC of the sender.
    pub ssrc: u32,
    /// Wallclock time the report is sent.
    pub ntp_timestamp: NtpTimestamp,
    /// RTP timestamp for the same instant.
    pub rtp_timestamp: u32,
    /// RTP data packets sent so far.
    pub packet_count: u32,
    /// RTP payload octets sent so far.
    pub octet_count: u32,
    /// At most 31 reception report blocks.
    pub report_blocks: Vec<ReportBlock>,
    /// Profile-specific extension, a multiple of 4 bytes.
    pub extension: Vec<u8>,
}

impl SenderReport {
    /// A report from `ssrc` with zero counters and no blocks.
    pub fn new(ssrc: u32) -> Self {
        Self {
            ssrc,
            ..Self::default()
        }
    }

    /// Adds a reception report block.
    pub fn report_block(mut self, block: ReportBlock) -> Self {
        self.report_blocks.push(block);
        self
    }
}

impl Emit for SenderReport {
    fn packet_type(&self) -> u8 {
        PT_SR
    }

    fn count(&self) -> u8 {
        self.report_blocks.len() as u8
    }

    fn body_len(&self) -> usize {
        SR_FIXED - 4 + self.report_blocks.len() * BLOCK + pad4(self.extension.len())
    }

    fn check(&self) -> Result<(), RtcpBuildError> {
        check_report(&self.report_blocks, &self.extension)
    }

    fn write_body(&self, body: &mut [u8]) {
        put32(body, 0, self.ssrc);
        put32(body, 4, self.ntp_timestamp.seconds());
        put32(body, 8, self.ntp_timestamp.fraction());
        put32(body, 12, self.rtp_timestamp);
        put32(body, 16, self.packet_count);
        put32(body, 20, self.octet_count);
        write_blocks(&mut body[24..], &self.report_blocks, &self.extension);
    }
}

packet_writer!(SenderReport, "sender report");

impl From<SrView<'_>> for SenderReport {
    fn from(view: SrView<'_>) -> Self {
        Self {
            ssrc: view.ssrc(),
            ntp_timestamp: view.ntp_timestamp(),
            rtp_timestamp: view.rtp_timestamp(),
            packet_count: view.packet_count(),
            octet_count: view.octet_count(),
            report_blocks: view.report_blocks().map(ReportBlock::from).collect(),
            extension: view.extension().to_vec(),
        }
    }
}

/// An owned receiver report (RR) to write. With no blocks it is the "empty
/// RR packet (RC = 0)" that §6.4.2 puts at the head of a compound packet
/// when there is nothing to report.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ReceiverReport {
    /// SSRC of the packet sender.
    pub ssrc: u32,
    /// At most 31 reception report blocks.
    pub report_blocks: Vec<ReportBlock>,
    /// Profile-specific extension, a multiple of 4 bytes.
    pub extension: Vec<u8>,
}

impl ReceiverReport {
    /// An empty report from `ssrc`.
    pub fn new(ssrc: u32) -> Self {
        Self {
            ssrc,
            ..Self::default()
        }
    }

    /// Adds a reception report block.
    pub fn report_block(mut self, block: ReportBlock) -> Self {
        self.report_blocks.push(block);
        self
    }
}

impl Emit for ReceiverReport {
    fn packet_type(&self) -> u8 {
        PT_RR
    }

    fn count(&self) -> u8 {
        self.report_blocks.len() as u8
    }

    fn body_len(&self) -> usize {
        RR_FIXED - 4 + self.report_blocks.len() * BLOCK + pad4(self.extension.len())
    }

    fn check(&self) -> Result<(), RtcpBuildError> {
        check_report(&self.report_blocks, &self.extension)
    }

    fn write_body(&self, body: &mut [u8]) {
        put32(body, 0, self.ssrc);
        write_blocks(&mut body[4..], &self.report_blocks, &self.extension);
    }
}

packet_writer!(ReceiverReport, "receiver report");

impl From<RrView<'_>> for ReceiverReport {
    fn from(view: RrView<'_>) -> Self {
        Self {
            ssrc: view.ssrc(),
            report_blocks: view.report_blocks().map(ReportBlock::from).collect(),
            extension: view.extension().to_vec(),
        }
    }
}
