//! `Compound::parse` (and the reduced-size form of RFC 5506) on arbitrary
//! bytes: what is accepted yields packets whose every accessor, report
//! block, SDES item and BYE source can be read without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sipmob_rtp::rtcp::{Compound, RtcpPacket};

fn walk(c: &Compound<'_>) {
    let _ = c.has_cname();
    for p in c.packets() {
        let _ = p.packet_type();
        match p {
            RtcpPacket::SenderReport(sr) => {
                let _ = (sr.ssrc(), sr.ntp_timestamp(), sr.rtp_timestamp());
                let _ = (sr.packet_count(), sr.octet_count(), sr.extension());
                for b in sr.report_blocks() {
                    let _ = (b.ssrc(), b.fraction_lost(), b.cumulative_lost(), b.jitter());
                }
            }
            RtcpPacket::ReceiverReport(rr) => {
                let _ = (rr.ssrc(), rr.extension());
                for b in rr.report_blocks() {
                    let _ = (b.extended_highest_sequence(), b.cumulative_lost());
                }
            }
            RtcpPacket::SourceDescription(sdes) => {
                for chunk in sdes.chunks() {
                    let _ = chunk.cname();
                }
            }
            other => {
                let _ = other.as_bytes();
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = Compound::parse(data) {
        assert_eq!(c.as_bytes().len(), data.len());
        walk(&c);
    }
    if let Ok(c) = Compound::parse_reduced_size(data) {
        walk(&c);
    }
});
