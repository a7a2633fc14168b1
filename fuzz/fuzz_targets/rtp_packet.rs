//! `RtpPacket::parse` on arbitrary bytes: what is accepted reads every
//! field and walks every extension element without panicking, writes back
//! (through the owned header) to a packet that parses to the same fields.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sipmob_rtp::packet::RtpPacket;

fuzz_target!(|data: &[u8]| {
    let Ok(p) = RtpPacket::parse(data) else {
        return;
    };
    let _ = (p.version(), p.has_padding(), p.padding_len(), p.marker());
    let _ = (p.payload_type(), p.sequence_number(), p.timestamp(), p.ssrc());
    assert_eq!(p.csrcs().count(), usize::from(p.csrc_count()));
    if let Some(ext) = p.extension() {
        let _ = (ext.profile(), ext.data(), ext.form());
        for e in ext.elements() {
            let _ = e;
        }
    }
    assert!(p.header_len() + p.payload().len() <= data.len());
    let header = p.to_owned_header();
    if let Ok(bytes) = header.to_bytes(p.payload()) {
        let q = RtpPacket::parse(&bytes[..]).expect("what we write parses");
        assert_eq!(q.sequence_number(), p.sequence_number());
        assert_eq!(q.timestamp(), p.timestamp());
        assert_eq!(q.ssrc(), p.ssrc());
        assert_eq!(q.payload(), p.payload());
        assert!(q.csrcs().eq(p.csrcs()));
    }
});
