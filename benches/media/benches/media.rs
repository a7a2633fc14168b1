//! Criterion benchmark: sipmob-rtp against the RTP, RTCP and SDP parsers on
//! crates.io, in one run, on the inputs and with the adapters of
//! `media-peers` (`../shared/tools/media-peers`, a path dev-dependency).
//!
//! One group per corpus input (`media_peers::corpus::samples`): `rtp-plain`,
//! `rtp-ext`, `rtcp-sr-sdes`, `rtcp-rr-sdes-bye`, `sdp-offer`, `sdp-sip`.
//! Inside a group:
//!
//! - `read/sipmob`: sipmob-rtp parses the input and reads the field set of
//!   media-peers' `RtpFacts` / `RtcpFacts` / `SdpFacts` (the [`sipmob`]
//!   module below);
//! - `read/<peer>`: the peer's `facts` adapter from `media_peers::peers`,
//!   the same parse and the same reads into the same struct;
//! - `baseline/ref-full` (RTP and RTCP): media-peers' hand-written
//!   zero-copy reader, a floor for that work.
//!
//! Before a group is timed, every reader's facts are asserted equal to the
//! reference facts of media-peers (its hand-written readers for RTP and
//! RTCP, its hand-written table for SDP), so every row does the same work
//! and gets the same answer. The one known rejection (rtp-parse on an RTP
//! packet without an extension) is skipped, as media-peers does.
//!
//! Inputs are a heap-backed `Bytes`, as a socket read gives; slice APIs get
//! `&buf[..]`. Settings are media-peers': 0.5 s warm-up, 2 s measurement, 50
//! samples. Run with `RUST_BACKTRACE=0`, as media-peers does: rtp-parse
//! builds an `anyhow` error on every RTCP packet, which captures a backtrace
//! when it is set.

use std::hint::black_box;
use std::time::Duration;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use media_peers::corpus::{samples, Kind};
use media_peers::expected_sdp;
use media_peers::peers::{
    baseline, ezk_sdp, mozilla_sdp, rtcp_types_peer, rtp_parse_rtcp, rtp_parse_rtp, rtp_rs_peer,
    rtp_types_peer, sdp_types_peer, webrtc_rtcp, webrtc_rtp, webrtc_sdp_rs,
};

/// sipmob-rtp's side: parse, then read exactly the fields media-peers'
/// adapters read, into the same `Facts` structs.
///
/// The `Facts` helpers of media-peers are private, so the few lines that
/// fill the structs are repeated here, unchanged in what they compute.
pub(crate) mod sipmob {
    use media_peers::peers::{RtcpFacts, RtpFacts, SdpFacts};
    use sipmob_rtp::rtcp::{Compound, ReportBlockView};
    use sipmob_rtp::{RtcpError, RtcpPacket, RtpError, RtpPacket, Sdp, SdpError};

    /// `RtpFacts::push_ext`: the first two elements as (id, data length,
    /// data as a big-endian number of at most 4 bytes).
    #[inline]
    fn push_ext(f: &mut RtpFacts, n: &mut usize, id: u8, data: &[u8]) {
        if *n < 2 {
            let mut v = 0u32;
            for &b in data.iter().take(4) {
                v = (v << 8) | u32::from(b);
            }
            f.ext[*n] = (id, data.len() as u8, v);
        }
        *n += 1;
    }

    /// `RtpFacts::set_payload`: length, first and last byte.
    #[inline]
    fn set_payload(f: &mut RtpFacts, p: &[u8]) {
        f.payload_len = p.len();
        f.payload_first = p.first().copied().unwrap_or(0);
        f.payload_last = p.last().copied().unwrap_or(0);
    }

    /// RTP: `RtpPacket::parse`, the fixed header, the first CSRC, the
    /// extension profile and each RFC 8285 element, the payload.
    ///
    /// Elements come in packet order, as from rtp-types and rtp-rs (only
    /// the `HashMap`-backed peers need media-peers' `sort_ext`).
    ///
    /// # Errors
    ///
    /// The packet's or a malformed extension element's [`RtpError`].
    #[inline]
    pub(crate) fn rtp_facts(buf: &[u8]) -> Result<RtpFacts, RtpError> {
        let p = RtpPacket::parse(buf)?;
        let mut f = RtpFacts {
            pt: p.payload_type(),
            marker: p.marker(),
            seq: p.sequence_number(),
            ts: p.timestamp(),
            ssrc: p.ssrc(),
            csrc_count: p.csrc_count(),
            csrc0: p.csrcs().next().unwrap_or(0),
            ..Default::default()
        };
        if let Some(ext) = p.extension() {
            f.ext_profile = ext.profile();
            let mut n = 0;
            for e in ext.elements() {
                let e = e?;
                push_ext(&mut f, &mut n, e.id, e.data);
            }
        }
        set_payload(&mut f, p.payload());
        Ok(f)
    }

    /// `RtcpFacts::push`: a packet's type and first SSRC.
    #[inline]
    fn push(f: &mut RtcpFacts, pt: u8, ssrc: u32) {
        let i = usize::from(f.count);
        if i < 4 {
            f.types[i] = pt;
            f.ssrcs[i] = ssrc;
        }
        f.count += 1;
    }

    /// `RtcpFacts::block`: every field of a report block, summed. The
    /// cumulative loss is the 24-bit field as sent, as the peers report it
    /// (sipmob-rtp sign-extends it).
    #[inline]
    fn block(f: &mut RtcpFacts, r: ReportBlockView<'_>) {
        f.blocks += 1;
        let lost = (r.cumulative_lost() as u32) & 0x00FF_FFFF;
        for v in [
            r.ssrc(),
            u32::from(r.fraction_lost()),
            lost,
            r.extended_highest_sequence(),
            r.jitter(),
            r.last_sr(),
            r.delay_since_last_sr(),
        ] {
            f.block_sum = f.block_sum.wrapping_add(u64::from(v));
        }
    }

    /// `RtcpFacts::cname`: length, first and last byte.
    #[inline]
    fn cname(f: &mut RtcpFacts, c: &[u8]) {
        f.cname_len = c.len() as u8;
        f.cname_ends = (
            c.first().copied().unwrap_or(0),
            c.last().copied().unwrap_or(0),
        );
    }

    /// RTCP: `Compound::parse`, then for each packet its type and first
    /// SSRC; the SR sender info; every report-block field; the CNAME; the
    /// BYE reason length.
    ///
    /// # Errors
    ///
    /// The compound's [`RtcpError`].
    #[inline]
    pub(crate) fn rtcp_facts(buf: &[u8]) -> Result<RtcpFacts, RtcpError> {
        let c = Compound::parse(buf)?;
        let mut f = RtcpFacts::default();
        for p in c.packets() {
            match p {
                RtcpPacket::SenderReport(sr) => {
                    push(&mut f, 200, sr.ssrc());
                    f.sr = (
                        sr.ntp_timestamp().as_u64(),
                        sr.rtp_timestamp(),
                        sr.packet_count(),
                        sr.octet_count(),
                    );
                    for r in sr.report_blocks() {
                        block(&mut f, r);
                    }
                }
                RtcpPacket::ReceiverReport(rr) => {
                    push(&mut f, 201, rr.ssrc());
                    for r in rr.report_blocks() {
                        block(&mut f, r);
                    }
                }
                RtcpPacket::SourceDescription(sd) => {
                    let mut first = None;
                    for ch in sd.chunks() {
                        first.get_or_insert(ch.ssrc());
                        for it in ch.items() {
                            if it.raw_type() == 1 {
                                cname(&mut f, it.value());
                            }
                        }
                    }
                    push(&mut f, 202, first.unwrap_or(0));
                }
                RtcpPacket::Goodbye(b) => {
                    push(&mut f, 203, b.sources().next().unwrap_or(0));
                    f.bye_reason_len = b.reason().map_or(0, <[u8]>::len) as u8;
                }
                other => push(&mut f, other.packet_type(), 0),
            }
        }
        Ok(f)
    }

    /// SDP: `Sdp::parse_bytes` (UTF-8 check included, as webrtc-sdp's and
    /// ezk's adapters include theirs), then the session `c=`, each media's
    /// port and format count, and its `rtpmap`, `fmtp` and `rtcp-fb`
    /// attributes counted by name, as the sdp-types and webrtc-rs adapters
    /// do.
    ///
    /// # Errors
    ///
    /// The description's [`SdpError`].
    #[inline]
    pub(crate) fn sdp_facts(buf: &[u8]) -> Result<SdpFacts, SdpError> {
        let s = Sdp::parse_bytes(buf)?;
        let mut f = SdpFacts {
            has_session_conn: s.connection.is_some(),
            ..Default::default()
        };
        for m in &s.media {
            let i = usize::from(f.media);
            if i < 2 {
                f.ports[i] = m.port;
                f.fmt_counts[i] = m.formats().count() as u8;
            }
            f.media += 1;
            for a in &m.attributes {
                match a.name() {
                    "rtpmap" => f.rtpmaps += 1,
                    "fmtp" => f.fmtps += 1,
                    "rtcp-fb" => f.rtcp_fbs += 1,
                    _ => {}
                }
            }
        }
        Ok(f)
    }
}

/// One group per corpus input: `read/sipmob` next to `read/<peer>` for
/// every peer media-peers measures on that kind of input.
fn media(c: &mut Criterion) {
    for s in samples() {
        let mut g = c.benchmark_group(s.id);
        g.throughput(Throughput::Bytes(s.bytes.len() as u64));
        // A heap-backed, reference-counted `Bytes`, as a socket read would
        // give; slice APIs get `&buf[..]`.
        let buf = Bytes::copy_from_slice(s.bytes);
        let raw: &[u8] = &buf;

        // `$input` is what the reader gets (`&Bytes` or `&[u8]`); its facts
        // must equal `$want` before it is timed.
        macro_rules! timed {
            ($kind:literal, $name:literal, $want:expr, $input:expr, $f:expr) => {{
                let input = $input;
                let f = $f;
                match f(input) {
                    Ok(got) => assert_eq!(got, $want, "{} {} on {}", $kind, $name, s.id),
                    Err(e) => panic!("{} {} rejects {}: {e:?}", $kind, $name, s.id),
                }
                g.bench_function(BenchmarkId::new($kind, $name), |b| {
                    b.iter(|| black_box(f(black_box(input))))
                });
            }};
        }

        match s.kind {
            Kind::Rtp => {
                let want = baseline::rtp_full(raw).expect("reference reads the corpus");
                timed!("read", "sipmob", want, raw, sipmob::rtp_facts);
                timed!("read", "rtp-types", want, raw, rtp_types_peer::facts);
                timed!("read", "rtp-rs", want, raw, rtp_rs_peer::facts);
                timed!("read", "webrtc-rs", want, &buf, webrtc_rtp::facts);
                if rtp_parse_rtp::facts(&buf).is_ok() {
                    timed!("read", "rtp-parse", want, &buf, rtp_parse_rtp::facts);
                } else {
                    eprintln!("skip: rtp-parse rejects {} (see media-peers' README)", s.id);
                }
                timed!("baseline", "ref-full", want, raw, |b: &[u8]| {
                    baseline::rtp_full(b).ok_or(())
                });
            }
            Kind::Rtcp => {
                let want = baseline::rtcp_full(raw).expect("reference reads the corpus");
                timed!("read", "sipmob", want, raw, sipmob::rtcp_facts);
                timed!("read", "rtcp-types", want, raw, rtcp_types_peer::facts);
                timed!("read", "webrtc-rs", want, &buf, webrtc_rtcp::facts);
                timed!("read", "rtp-parse", want, &buf, rtp_parse_rtcp::facts);
                timed!("baseline", "ref-full", want, raw, |b: &[u8]| {
                    baseline::rtcp_full(b).ok_or(())
                });
            }
            Kind::Sdp => {
                let want = expected_sdp(s.id).expect("media-peers' expected SDP facts");
                timed!("read", "sipmob", want, raw, sipmob::sdp_facts);
                timed!("read", "sdp-types", want, raw, sdp_types_peer::facts);
                timed!("read", "webrtc-rs", want, raw, webrtc_sdp_rs::facts);
                timed!("read", "webrtc-sdp", want, raw, mozilla_sdp::facts);
                timed!("read", "ezk-sdp-types", want, &buf, ezk_sdp::facts);
            }
        }
        g.finish();
    }
}

/// media-peers' settings: short runs, so the suite fits in a couple of
/// minutes on a 2-core box. Command-line flags override them.
fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
}

criterion_group! {
    name = benches;
    config = config();
    targets = media
}
criterion_main!(benches);
