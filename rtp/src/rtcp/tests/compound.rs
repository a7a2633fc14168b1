//! The compound rules of RFC 3550 §6.1 and the A.2 validity checks.

use super::*;

/// RFC 3550 §6.1: "The first RTCP packet in the compound packet MUST always
/// be a report packet to facilitate header validation as described in
/// Appendix A.2. This is true even if no data has been sent or received, in
/// which case an empty RR MUST be sent, and even if the only other RTCP
/// packet in the compound packet is a BYE."
#[test]
fn first_packet_must_be_sr_or_rr() {
    let sdes_first = bytes(&[
        &hand_sdes_cname(1),
        &ReceiverReport::new(1).to_bytes().unwrap(),
    ]);
    assert_eq!(
        Compound::parse(&sdes_first),
        Err(RtcpError::FirstNotReport { packet_type: 202 })
    );
    let bye_only = Goodbye::new(1).to_bytes().unwrap();
    assert_eq!(
        Compound::parse(&bye_only),
        Err(RtcpError::FirstNotReport { packet_type: 203 })
    );
    assert_eq!(RtcpError::FirstNotReport { packet_type: 203 }.offset(), 0);
    // A misaddressed RTP packet (PCMU with the marker bit) fails here too.
    let rtp = bytes(&[&[0x80, 0x80, 0x12, 0x34], &w(160), &w(0x9999)]);
    assert_eq!(
        Compound::parse(&rtp),
        Err(RtcpError::FirstNotReport { packet_type: 0x80 })
    );
    // SR first, RR first: both fine.
    let sr_first = bytes(&[&hand_sr(), &hand_sdes_cname(1)]);
    assert!(Compound::parse(&sr_first).is_ok());
}

/// RFC 5506 reduced-size RTCP lifts the report-first rule, and only that.
#[test]
fn reduced_size_allows_any_first_packet() {
    let bye_only = Goodbye::new(1).to_bytes().unwrap();
    let compound = Compound::parse_reduced_size(&bye_only).unwrap();
    assert_eq!(compound.packets().count(), 1);
    assert_eq!(
        Compound::parse_reduced_size(&[0x40, 203, 0, 0]),
        Err(RtcpError::BadVersion {
            offset: 0,
            version: 1
        })
    );
}

/// RFC 3550 §6.4.1: "padding MUST only be added to the last individual
/// packet, and if padding is added to that packet, the padding bit MUST be
/// set only on that packet."
#[test]
fn padding_only_in_the_last_packet() {
    // P on the first of two packets.
    let mut first = ReceiverReport::new(1).to_bytes().unwrap();
    first[0] |= 0x20;
    first[3] += 1;
    first.extend_from_slice(&[0, 0, 0, 4]);
    let bad = bytes(&[&first, &hand_sdes_cname(1)]);
    assert_eq!(
        Compound::parse(&bad),
        Err(RtcpError::PaddingNotLast { offset: 0 })
    );
    // P on the second of three packets.
    let mut middle = hand_sdes_cname(1);
    middle[0] |= 0x20;
    let bad = bytes(&[&hand_sr(), &middle, &Goodbye::new(1).to_bytes().unwrap()]);
    assert_eq!(
        Compound::parse(&bad),
        Err(RtcpError::PaddingNotLast { offset: 56 })
    );
    // P on the last packet: the padding is not part of its content.
    let good = CompoundBuilder::new()
        .receiver_report(ReceiverReport::new(1))
        .sdes(Sdes::cname(1, "a@b"))
        .padding(8)
        .to_bytes()
        .unwrap();
    assert_eq!(good.len(), 8 + 16 + 8);
    assert_eq!(good[8] & 0x20, 0x20);
    assert_eq!(good[good.len() - 1], 8);
    let compound = Compound::parse(&good).unwrap();
    let RtcpPacket::SourceDescription(sdes) = compound.packets().nth(1).unwrap() else {
        panic!()
    };
    assert_eq!(sdes.as_bytes().len(), 24);
    assert_eq!(sdes.chunks().next().unwrap().cname(), Some(&b"a@b"[..]));
}

/// RFC 3550 §6.4.1: "The last octet of the padding is a count of how many
/// padding octets should be ignored, including itself". A count of zero, or
/// one reaching into the common header, is rejected at the count octet.
#[test]
fn padding_count_must_be_within_the_packet() {
    let mut zero = Goodbye::new(1).to_bytes().unwrap();
    zero[0] |= 0x20;
    zero[3] += 1;
    zero.extend_from_slice(&[0, 0, 0, 0]);
    assert_eq!(
        RtcpPacket::parse(&zero),
        Err(RtcpError::BadPadding { offset: 11 })
    );
    let mut huge = zero.clone();
    huge[11] = 9; // the packet body is only 8 bytes
    assert_eq!(
        RtcpPacket::parse(&huge),
        Err(RtcpError::BadPadding { offset: 11 })
    );
    huge[11] = 8; // all of the body: the BYE then has SC=1 but no source
    assert_eq!(
        RtcpPacket::parse(&huge),
        Err(RtcpError::BadByeCount { offset: 4 })
    );
    huge[11] = 4;
    assert!(RtcpPacket::parse(&huge).is_ok());
}

/// RFC 3550 A.2: "The length fields of the individual RTCP packets must add
/// up to the overall length of the compound RTCP packet as received. This
/// is a fairly strong check."
#[test]
fn lengths_must_add_up_to_the_datagram() {
    let good = bytes(&[&hand_sr(), &hand_sdes_cname(0x1122_3344)]);
    assert_eq!(Compound::parse(&good).unwrap().packets().count(), 2);
    // The SDES length field one word too long.
    let mut long = good.clone();
    long[56 + 3] += 1;
    assert_eq!(
        Compound::parse(&long),
        Err(RtcpError::BadLength { offset: 56 })
    );
    // The SDES length one word too short: its CNAME then fills the packet
    // and the terminating null octet is missing.
    let mut short = good.clone();
    short[56 + 3] -= 1;
    assert_eq!(
        Compound::parse(&short),
        Err(RtcpError::BadSdesItem { offset: 56 + 32 })
    );
    // Two stray octets after the last packet.
    let mut tail = good.clone();
    tail.extend_from_slice(&[0x80, 201]);
    assert_eq!(
        Compound::parse(&tail),
        Err(RtcpError::TooShort { offset: 92 })
    );
    // A datagram truncated inside the SDES packet.
    assert_eq!(
        Compound::parse(&good[..80]),
        Err(RtcpError::BadLength { offset: 56 })
    );
    assert_eq!(Compound::parse(&[]), Err(RtcpError::TooShort { offset: 0 }));
    assert_eq!(
        Compound::parse(&[0x80, 201]),
        Err(RtcpError::TooShort { offset: 0 })
    );
}

/// RFC 3550 A.2: "RTP version field must equal 2." It is checked for every
/// packet ("while (r < end && r->common.version == 2)").
#[test]
fn version_must_equal_2_in_every_packet() {
    let mut buf = bytes(&[&hand_sr(), &hand_sdes_cname(1)]);
    buf[56] = 0xc1; // version 3
    assert_eq!(
        Compound::parse(&buf),
        Err(RtcpError::BadVersion {
            offset: 56,
            version: 3
        })
    );
    buf[0] = 0x01; // version 0
    assert_eq!(
        Compound::parse(&buf),
        Err(RtcpError::BadVersion {
            offset: 0,
            version: 0
        })
    );
}

/// A single-packet parse must consume the whole datagram.
#[test]
fn single_packet_parse_rejects_trailing_bytes() {
    let buf = bytes(&[
        &ReceiverReport::new(1).to_bytes().unwrap(),
        &[0x80, 201, 0, 1],
    ]);
    assert_eq!(
        Packet::parse(&buf),
        Err(RtcpError::TrailingBytes { offset: 8 })
    );
    assert_eq!(RtcpError::TrailingBytes { offset: 8 }.offset(), 8);
}

/// RFC 3550 §6.1: "An implementation SHOULD ignore incoming RTCP packets
/// with types unknown to it." They are skipped over by length, and their
/// bytes kept for RFC 4585 feedback.
#[test]
fn unknown_packet_types_are_kept_and_skipped() {
    // A PLI (RFC 4585 PSFB, FMT=1): sender SSRC, media SSRC.
    let pli = bytes(&[&[0x81, PT_PSFB, 0, 2], &w(1), &w(2)]);
    let buf = bytes(&[
        &ReceiverReport::new(1).to_bytes().unwrap(),
        &pli,
        &hand_sdes_cname(1),
    ]);
    let compound = Compound::parse(&buf).unwrap();
    let packets: Vec<_> = compound.packets().collect();
    assert_eq!(packets.len(), 3);
    assert_eq!(
        packets[1],
        RtcpPacket::Unknown {
            packet_type: 206,
            count: 1,
            payload: &pli[4..],
            raw: &pli[..],
        }
    );
    assert_eq!(packets[1].packet_type(), PT_PSFB);
    assert_eq!(packets[1].as_bytes(), &pli[..]);
    assert!(compound.has_cname());
    // The builder passes such a packet through verbatim.
    let rebuilt = CompoundBuilder::new()
        .receiver_report(ReceiverReport::new(1))
        .raw_packet(pli.clone())
        .sdes(Sdes::new().chunk(SdesChunk::new(1).item(SdesItem::cname("doe@sleepy.example.com"))))
        .to_bytes()
        .unwrap();
    assert_eq!(rebuilt, buf);
}

/// RFC 3550 §6.1: "each compound RTCP packet MUST also include the SDES
/// CNAME except when the compound RTCP packet is split for partial
/// encryption as described in Section 9.1." A.2 does not check it, so it is
/// a question asked of a parsed datagram, not a parse failure.
#[test]
fn cname_presence_is_a_separate_check() {
    let rr_only = ReceiverReport::new(1).to_bytes().unwrap();
    let compound = Compound::parse(&rr_only).unwrap();
    assert!(!compound.has_cname());
    let name_only = CompoundBuilder::new()
        .receiver_report(ReceiverReport::new(1))
        .sdes(Sdes::new().chunk(SdesChunk::new(1).item(SdesItem::new(SdesItemType::Name, "Bob"))))
        .to_bytes()
        .unwrap();
    assert!(!Compound::parse(&name_only).unwrap().has_cname());
    let with_cname = bytes(&[&hand_sr(), &hand_sdes_cname(0x1122_3344)]);
    let compound = Compound::parse(&with_cname).unwrap();
    assert!(compound.has_cname());
    assert_eq!(compound.as_bytes(), &with_cname[..]);
    assert_eq!((&compound).into_iter().count(), 2);
}

/// RFC 3550 §6.4.1: padding "may be needed by some encryption algorithms
/// with fixed block sizes"; the builder pads the last packet to a block.
#[test]
fn compound_builder_pads_to_a_block_multiple() {
    let builder = CompoundBuilder::new()
        .sender_report(SenderReport::new(1))
        .sdes(Sdes::cname(1, "a"))
        .pad_to_multiple_of(64);
    let buf = builder.to_bytes().unwrap();
    assert_eq!(buf.len(), 64);
    assert_eq!(builder.encoded_len(), 64);
    assert_eq!(builder.packet_count(), 2);
    assert_eq!(buf[63], 64 - 28 - 12);
    assert_eq!(buf[0] & 0x20, 0, "the SR carries no padding");
    assert_eq!(buf[28] & 0x20, 0x20, "the SDES carries the padding");
    assert!(Compound::parse(&buf).unwrap().has_cname());
    // Already a multiple: no padding and no P bit.
    let exact = CompoundBuilder::new()
        .sender_report(SenderReport::new(1))
        .sdes(Sdes::cname(1, "a"))
        .pad_to_multiple_of(40)
        .to_bytes()
        .unwrap();
    assert_eq!(exact.len(), 40);
    assert_eq!(exact[28] & 0x20, 0);
}
