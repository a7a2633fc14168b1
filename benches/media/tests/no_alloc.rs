//! "No allocation on the RTP and RTCP paths": sipmob-rtp parses and reads
//! every field of the two RTP and the two RTCP inputs of the media
//! benchmark (media-peers' corpus) without one call to the allocator.
//!
//! A counting wrapper around the system allocator is this test binary's
//! global allocator. The workspace forbids `unsafe`, which a `GlobalAlloc`
//! impl needs, so the wrapper is `stats_alloc::StatsAlloc<System>`. Its
//! counters are process-wide; everything runs in one `#[test]`, in
//! sequence, so no other test's allocations land in a measured region (a
//! stray one would fail the test, never pass it). A positive control first
//! checks that the counter sees an allocation, including one made deep in
//! a peer parser, so a zero cannot come from a counter that is not
//! installed.
//!
//! The benchmark's own `read/sipmob` functions are measured, by including
//! the benchmark file, plus readers here that go through every accessor of
//! the views (and the error paths of truncated inputs).

use std::alloc::System;
use std::hint::black_box;

use media_peers::corpus::{samples, Kind, RTCP_RR_SDES_BYE, RTCP_SR_SDES, RTP_EXT, RTP_PLAIN};
use media_peers::peers::{baseline, webrtc_rtcp, webrtc_rtp};
use sipmob_rtp::rtcp::{Compound, ReportBlockView, SdesItemType};
use sipmob_rtp::{RtcpPacket, RtpPacket};
use stats_alloc::{Region, StatsAlloc};

/// Counts every call to the system allocator made by this test binary.
#[global_allocator]
static GLOBAL: StatsAlloc<System> = StatsAlloc::system();

/// The media benchmark, for its `read/sipmob` readers (`media::sipmob`).
#[allow(dead_code)] // its `main` and the criterion set-up are not used here
#[path = "../benches/media.rs"]
mod media;

/// Allocator calls (allocations, reallocations, deallocations) made by `f`,
/// run `runs` times.
fn allocator_calls(runs: usize, mut f: impl FnMut()) -> usize {
    let region = Region::new(&GLOBAL);
    for _ in 0..runs {
        f();
    }
    let s = region.change();
    s.allocations + s.reallocations + s.deallocations
}

/// Every accessor of a parsed RTP packet, folded into a checksum.
fn read_all_rtp(buf: &[u8]) -> u64 {
    let Ok(p) = RtpPacket::parse(buf) else {
        return u64::MAX;
    };
    let mut sum = u64::from(p.version())
        + u64::from(p.has_padding())
        + u64::from(p.padding_len())
        + u64::from(p.has_extension())
        + u64::from(p.csrc_count())
        + u64::from(p.marker())
        + u64::from(p.payload_type())
        + u64::from(p.sequence_number())
        + u64::from(p.timestamp())
        + u64::from(p.ssrc())
        + p.header_len() as u64
        + p.as_bytes().len() as u64;
    sum += p.csrcs().map(u64::from).sum::<u64>();
    if let Some(ext) = p.extension() {
        sum += u64::from(ext.profile()) + ext.data().len() as u64;
        sum += u64::from(ext.form().is_some());
        for e in ext.elements() {
            match e {
                Ok(e) => sum += u64::from(e.id) + e.data.iter().map(|&b| u64::from(b)).sum::<u64>(),
                Err(_) => sum += 1,
            }
        }
        for id in 1..=14 {
            sum += ext.get(id).map_or(0, |d| d.len() as u64);
        }
    }
    let payload = p.payload();
    sum + payload.len() as u64 + payload.iter().map(|&b| u64::from(b)).sum::<u64>()
}

/// Every field of a report block.
fn block_sum(r: ReportBlockView<'_>) -> u64 {
    u64::from(r.ssrc())
        + u64::from(r.fraction_lost())
        + r.cumulative_lost() as u64
        + u64::from(r.extended_highest_sequence())
        + u64::from(r.jitter())
        + u64::from(r.last_sr())
        + u64::from(r.delay_since_last_sr())
        + r.delay_since_last_sr_duration().as_nanos() as u64
        + r.as_bytes().len() as u64
}

/// Every accessor of every packet of a parsed RTCP compound, folded into a
/// checksum.
fn read_all_rtcp(buf: &[u8]) -> u64 {
    let Ok(c) = Compound::parse(buf) else {
        return u64::MAX;
    };
    let mut sum = u64::from(c.has_cname()) + c.as_bytes().len() as u64;
    for p in &c {
        sum += u64::from(p.packet_type()) + p.as_bytes().len() as u64;
        match p {
            RtcpPacket::SenderReport(sr) => {
                sum += u64::from(sr.ssrc())
                    + sr.ntp_timestamp().as_u64()
                    + u64::from(sr.ntp_seconds())
                    + u64::from(sr.ntp_fraction())
                    + u64::from(sr.rtp_timestamp())
                    + u64::from(sr.packet_count())
                    + u64::from(sr.octet_count())
                    + u64::from(sr.report_count())
                    + sr.extension().len() as u64;
                sum += sr.report_blocks().map(block_sum).sum::<u64>();
            }
            RtcpPacket::ReceiverReport(rr) => {
                sum += u64::from(rr.ssrc())
                    + u64::from(rr.report_count())
                    + rr.extension().len() as u64;
                sum += rr.report_blocks().map(block_sum).sum::<u64>();
            }
            RtcpPacket::SourceDescription(sd) => {
                sum += u64::from(sd.source_count()) + u64::from(sd.has_cname());
                for ch in sd.chunks() {
                    sum += u64::from(ch.ssrc()) + ch.cname().map_or(0, |c| c.len() as u64);
                    for it in ch.items() {
                        sum += u64::from(it.raw_type())
                            + u64::from(it.item_type() == SdesItemType::Cname)
                            + it.value().len() as u64
                            + it.as_str().map_or(0, |s| s.len() as u64)
                            + u64::from(it.priv_prefix_and_value().is_some());
                    }
                }
            }
            RtcpPacket::Goodbye(b) => {
                sum += u64::from(b.source_count())
                    + b.sources().map(u64::from).sum::<u64>()
                    + b.reason().map_or(0, |r| r.len() as u64)
                    + b.reason_str().map_or(0, |r| r.len() as u64);
            }
            _ => sum += 1,
        }
    }
    // Each packet alone, as one reads a reduced-size RTCP datagram.
    for p in &c {
        sum += u64::from(RtcpPacket::parse(p.as_bytes()).is_ok());
    }
    sum + u64::from(Compound::parse_reduced_size(buf).is_ok())
}

/// Both RTP and both RTCP inputs, parsed and read in full, and every
/// truncation of them rejected, with no allocator call.
#[test]
fn rtp_and_rtcp_paths_do_not_allocate() {
    // The inputs are media-peers' statics: nothing to copy.
    let rtp: [&[u8]; 2] = [&RTP_PLAIN, &RTP_EXT];
    let rtcp: [&[u8]; 2] = [&RTCP_SR_SDES, &RTCP_RR_SDES_BYE];
    let corpus = samples();
    assert_eq!(
        corpus.iter().filter(|s| s.kind == Kind::Rtp).count(),
        rtp.len()
    );
    assert_eq!(
        corpus.iter().filter(|s| s.kind == Kind::Rtcp).count(),
        rtcp.len()
    );

    // Positive controls: the counter is installed and sees allocations,
    // also those made inside a parser (webrtc-rs collects CSRCs and
    // extensions in `Vec`s, its RTCP packets in `Box`es).
    let n = allocator_calls(1, || {
        drop(black_box(Vec::<u8>::with_capacity(black_box(16))))
    });
    assert!(n >= 2, "the counting allocator saw {n} calls for a Vec");
    let rtp_peer = |b: &[u8]| drop(black_box(webrtc_rtp::parse_slice(b)));
    assert!(allocator_calls(1, || rtp_peer(black_box(&RTP_EXT))) > 0);
    let rtcp_peer = |b: &[u8]| drop(black_box(webrtc_rtcp::parse_slice(b)));
    assert!(allocator_calls(1, || rtcp_peer(black_box(&RTCP_SR_SDES))) > 0);

    // The answers are right (so the zero below is for real work) ...
    for b in rtp {
        let got = media::sipmob::rtp_facts(b).expect("sipmob-rtp reads the RTP input");
        assert_eq!(Some(got), baseline::rtp_full(b));
        assert_ne!(read_all_rtp(b), u64::MAX);
    }
    for b in rtcp {
        let got = media::sipmob::rtcp_facts(b).expect("sipmob-rtp reads the RTCP input");
        assert_eq!(Some(got), baseline::rtcp_full(b));
        assert_ne!(read_all_rtcp(b), u64::MAX);
    }

    // ... and take no allocator call: the benchmark's readers, every
    // accessor, and the error paths of every truncation of each input.
    for b in rtp {
        let n = allocator_calls(100, || {
            black_box(media::sipmob::rtp_facts(black_box(b)).ok());
            black_box(read_all_rtp(black_box(b)));
        });
        assert_eq!(n, 0, "RTP read of a {}-byte packet", b.len());
        let n = allocator_calls(1, || {
            for len in 0..b.len() {
                black_box(RtpPacket::parse(black_box(&b[..len])).err());
            }
        });
        assert_eq!(n, 0, "RTP rejection of truncated packets");
    }
    for b in rtcp {
        let n = allocator_calls(100, || {
            black_box(media::sipmob::rtcp_facts(black_box(b)).ok());
            black_box(read_all_rtcp(black_box(b)));
        });
        assert_eq!(n, 0, "RTCP read of a {}-byte compound", b.len());
        let n = allocator_calls(1, || {
            for len in 0..b.len() {
                black_box(Compound::parse(black_box(&b[..len])).err());
            }
        });
        assert_eq!(n, 0, "RTCP rejection of truncated compounds");
    }
}
