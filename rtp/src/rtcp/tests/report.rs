//! SR and RR (RFC 3550 §6.4) and report blocks.

use super::*;

/// RFC 3550 §6.4.1: "The sender report packet consists of three sections,
/// possibly followed by a fourth profile-specific extension section if
/// defined."
#[test]
fn sr_fields_match_the_6_4_1_diagram() {
    let buf = hand_sr();
    let RtcpPacket::SenderReport(sr) = only(&buf) else {
        panic!("not an SR")
    };
    assert_eq!(sr.ssrc(), 0x1122_3344);
    assert_eq!(sr.ntp_seconds(), 0xb44d_b705);
    assert_eq!(sr.ntp_fraction(), 0x2000_0000);
    assert_eq!(sr.ntp_timestamp(), NtpTimestamp(0xb44d_b705_2000_0000));
    assert_eq!(sr.rtp_timestamp(), 0x0001_0000);
    assert_eq!(sr.packet_count(), 500);
    assert_eq!(sr.octet_count(), 80_000);
    assert_eq!(sr.report_count(), 1);
    assert_eq!(sr.extension(), &w(0xcafe_f00d));
    assert_eq!(sr.as_bytes(), &buf[..]);
    let blocks: Vec<_> = sr.report_blocks().collect();
    assert_eq!(blocks.len(), 1);
    let b = blocks[0];
    assert_eq!(b.ssrc(), 0xaabb_ccdd);
    assert_eq!(b.fraction_lost(), 0x40);
    assert_eq!(b.cumulative_lost(), -2);
    assert_eq!(b.extended_highest_sequence(), 0x0002_0010);
    assert_eq!(b.jitter(), 77);
    assert_eq!(b.last_sr(), 0xb705_2000);
    assert_eq!(b.delay_since_last_sr(), 0x0005_4000);
    assert_eq!(
        b.delay_since_last_sr_duration(),
        Duration::from_millis(5250)
    );
}

/// The builder writes the same octets as the hand-made §6.4.1 layout.
#[test]
fn sr_builder_writes_the_6_4_1_layout() {
    let sr = SenderReport {
        ssrc: 0x1122_3344,
        ntp_timestamp: NtpTimestamp::new(0xb44d_b705, 0x2000_0000),
        rtp_timestamp: 0x0001_0000,
        packet_count: 500,
        octet_count: 80_000,
        report_blocks: vec![ReportBlock {
            ssrc: 0xaabb_ccdd,
            fraction_lost: 0x40,
            cumulative_lost: -2,
            extended_highest_sequence: 0x0002_0010,
            jitter: 77,
            last_sr: 0xb705_2000,
            delay_since_last_sr: 0x0005_4000,
        }],
        extension: w(0xcafe_f00d).to_vec(),
    };
    assert_eq!(sr.encoded_len(), 56);
    assert_eq!(sr.to_bytes().unwrap(), hand_sr());
    let mut slice = [0u8; 60];
    assert_eq!(sr.write_into(&mut slice), Ok(56));
    assert_eq!(&slice[..56], &hand_sr()[..]);
}

/// RFC 3550 §6.4.2: "The format of the receiver report (RR) packet is the
/// same as that of the SR packet except that the packet type field contains
/// the constant 201 and the five words of sender information are omitted".
#[test]
fn rr_omits_the_sender_info() {
    let buf = bytes(&[
        &[0x82, 201, 0, 13], // RC=2, length 13 (56 bytes)
        &w(0x0102_0304),
        &w(1),
        &[0, 0, 0, 3],
        &w(10),
        &w(11),
        &w(12),
        &w(13),
        &w(2),
        &[255, 0x7f, 0xff, 0xff],
        &w(20),
        &w(21),
        &w(22),
        &w(23),
    ]);
    let RtcpPacket::ReceiverReport(rr) = only(&buf) else {
        panic!("not an RR")
    };
    assert_eq!(rr.ssrc(), 0x0102_0304);
    assert_eq!(rr.report_count(), 2);
    assert!(rr.extension().is_empty());
    let blocks: Vec<ReportBlock> = rr.report_blocks().map(ReportBlock::from).collect();
    assert_eq!(blocks[0].ssrc, 1);
    assert_eq!(blocks[0].cumulative_lost, 3);
    assert_eq!(blocks[0].delay_since_last_sr, 13);
    assert_eq!(blocks[1].fraction_lost, 255);
    assert_eq!(blocks[1].cumulative_lost, 0x7f_ffff);
    let rebuilt = ReceiverReport::from(rr).to_bytes().unwrap();
    assert_eq!(rebuilt, buf);
}

/// RFC 3550 §6.4.2: "An empty RR packet (RC = 0) MUST be put at the head of
/// a compound RTCP packet when there is no data transmission or reception
/// to report."
#[test]
fn empty_rr_is_header_and_ssrc() {
    let rr = ReceiverReport::new(0x0a0b_0c0d).to_bytes().unwrap();
    assert_eq!(rr, [0x80, 201, 0, 1, 0x0a, 0x0b, 0x0c, 0x0d]);
    let compound = CompoundBuilder::new()
        .receiver_report(ReceiverReport::new(7))
        .goodbye(Goodbye::new(7))
        .to_bytes()
        .unwrap();
    assert!(Compound::parse(&compound).is_ok());
}

/// RFC 3550 §6.4.1, cumulative number of packets lost: "the loss may be
/// negative if there are duplicates" — a 24-bit signed field, sign-extended.
#[test]
fn cumulative_lost_is_24_bit_signed() {
    for (field, lost) in [
        ([0x00, 0x00, 0x00], 0),
        ([0x00, 0x00, 0x01], 1),
        ([0xff, 0xff, 0xff], -1),
        ([0x7f, 0xff, 0xff], 0x7f_ffff),
        ([0x80, 0x00, 0x00], -0x80_0000),
        ([0xff, 0xff, 0xfe], -2),
    ] {
        let buf = bytes(&[&[0x81, 201, 0, 7], &w(9), &w(1), &[0xab], &field, &[0; 16]]);
        let RtcpPacket::ReceiverReport(rr) = only(&buf) else {
            panic!()
        };
        let block = rr.report_blocks().next().unwrap();
        assert_eq!(block.cumulative_lost(), lost, "{field:02x?}");
        assert_eq!(
            block.fraction_lost(),
            0xab,
            "the fraction octet is separate"
        );
    }
}

/// RFC 3550 A.3: "Since this signed number is carried in 24 bits, it should
/// be clamped at 0x7fffff for positive loss or 0x800000 for negative loss
/// rather than wrapping around."
#[test]
fn cumulative_lost_is_clamped_not_wrapped() {
    for (lost, field, read) in [
        (i32::MAX, [0x7f, 0xff, 0xff], 0x7f_ffff),
        (0x80_0000, [0x7f, 0xff, 0xff], 0x7f_ffff),
        (i32::MIN, [0x80, 0x00, 0x00], -0x80_0000),
        (-0x80_0001, [0x80, 0x00, 0x00], -0x80_0000),
        (-1, [0xff, 0xff, 0xff], -1),
    ] {
        let rr = ReceiverReport::new(1).report_block(ReportBlock {
            cumulative_lost: lost,
            fraction_lost: 3,
            ..ReportBlock::default()
        });
        let buf = rr.to_bytes().unwrap();
        assert_eq!(buf[12], 3);
        assert_eq!(&buf[13..16], &field);
        let RtcpPacket::ReceiverReport(view) = only(&buf) else {
            panic!()
        };
        assert_eq!(view.report_blocks().next().unwrap().cumulative_lost(), read);
    }
}

/// RFC 3550 §6.4.1, RC: "The number of reception report blocks contained
/// in this packet."  A count that promises more blocks than the length
/// field holds is rejected at the first missing block.
#[test]
fn report_count_beyond_the_packet_is_rejected() {
    // RC=2 but room for one block: block 2 would start at 8 + 24 = 32.
    let mut buf = bytes(&[&[0x82, 201, 0, 7], &w(1), &[0; 24]]);
    assert_eq!(
        RtcpPacket::parse(&buf),
        Err(RtcpError::BadReportCount { offset: 32 })
    );
    // The same RR behind an SR: offsets count from the datagram start.
    let mut compound = hand_sr();
    compound.append(&mut buf);
    assert_eq!(
        Compound::parse(&compound),
        Err(RtcpError::BadReportCount { offset: 56 + 32 })
    );
}

/// RFC 3550 §6.4.1: "The second section, the sender information, is 20
/// octets long and is present in every sender report packet."
#[test]
fn sr_without_sender_info_is_too_short() {
    let buf = bytes(&[&[0x80, 200, 0, 1], &w(1)]);
    assert_eq!(
        RtcpPacket::parse(&buf),
        Err(RtcpError::TooShort { offset: 0 })
    );
    let rr = bytes(&[&[0x80, 201, 0, 0]]);
    assert_eq!(
        RtcpPacket::parse(&rr),
        Err(RtcpError::TooShort { offset: 0 })
    );
}
