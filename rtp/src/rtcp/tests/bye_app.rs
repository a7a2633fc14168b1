//! BYE (RFC 3550 §6.6) and APP (§6.7).

use super::*;

/// RFC 3550 §6.6: "If the string fills the packet to the next 32-bit
/// boundary, the string is not null terminated. If not, the BYE packet MUST
/// be padded with null octets to the next 32-bit boundary."
#[test]
fn bye_reason_is_padded_to_32_bits() {
    // 1 + 3 octets fill the word exactly: no null octet.
    let fills = Goodbye::new(0x10).reason("bye").to_bytes().unwrap();
    assert_eq!(fills, bytes(&[&[0x81, 203, 0, 2], &w(0x10), &[3], b"bye"]));
    // 1 + 18 octets: one null octet pads to 20.
    let padded = Goodbye::new(0x10)
        .source(0x20)
        .reason("camera malfunction")
        .to_bytes()
        .unwrap();
    assert_eq!(
        padded,
        bytes(&[
            &[0x82, 203, 0, 7],
            &w(0x10),
            &w(0x20),
            &[18],
            b"camera malfunction",
            &[0]
        ])
    );
    // Every remainder: the null octets after the reason number 0-3.
    for (reason, nulls) in [
        ("bye", 0),
        ("camera malfunction", 1),
        ("RTP loop detected", 2),
        ("RTP loop", 3),
    ] {
        let buf = Goodbye::new(1).reason(reason).to_bytes().unwrap();
        let end = 4 + 4 + 1 + reason.len();
        assert_eq!(buf.len(), end + nulls, "{reason}");
        assert!(buf[end..].iter().all(|b| *b == 0));
        let RtcpPacket::Goodbye(bye) = only(&buf) else {
            panic!()
        };
        assert_eq!(bye.reason_str(), Some(reason));
    }
    let RtcpPacket::Goodbye(bye) = only(&padded) else {
        panic!()
    };
    assert_eq!(bye.source_count(), 2);
    assert_eq!(bye.sources().collect::<Vec<_>>(), [0x10, 0x20]);
    assert_eq!(bye.reason_str(), Some("camera malfunction"));
}

/// RFC 3550 §6.6: "Optionally, the BYE packet may include an 8-bit octet
/// count followed by that many octets of text indicating the reason for
/// leaving".
#[test]
fn bye_without_reason_has_only_sources() {
    let buf = Goodbye::new(0x77).to_bytes().unwrap();
    assert_eq!(buf, bytes(&[&[0x81, 203, 0, 1], &w(0x77)]));
    let RtcpPacket::Goodbye(bye) = only(&buf) else {
        panic!()
    };
    assert_eq!(bye.reason(), None);
    assert_eq!(bye.sources().len(), 1);
    assert_eq!(Goodbye::from(bye), Goodbye::new(0x77));
}

/// RFC 3550 §6.6, SC: "A count value of zero is valid, but useless."
#[test]
fn bye_with_zero_sources_is_valid() {
    let buf = Goodbye::default().to_bytes().unwrap();
    assert_eq!(buf, [0x80, 203, 0, 0]);
    let RtcpPacket::Goodbye(bye) = only(&buf) else {
        panic!()
    };
    assert_eq!(bye.sources().count(), 0);
}

/// RFC 3550 §6.6, SC: "The number of SSRC/CSRC identifiers included in this
/// BYE packet." Identifiers and the reason must fit in the packet.
#[test]
fn bye_count_and_reason_beyond_the_packet_are_rejected() {
    let buf = bytes(&[&[0x83, 203, 0, 2], &w(1), &w(2)]);
    assert_eq!(
        RtcpPacket::parse(&buf),
        Err(RtcpError::BadByeCount { offset: 12 })
    );
    let buf = bytes(&[&[0x81, 203, 0, 2], &w(1), &[9, b'a', b'b', b'c']]);
    assert_eq!(
        RtcpPacket::parse(&buf),
        Err(RtcpError::BadByeReason { offset: 8 })
    );
}

// ------------------------------------------------------------------- APP

/// RFC 3550 §6.7: subtype "May be used as a subtype to allow a set of APP
/// packets to be defined under one unique name"; name "is interpreted as a
/// sequence of four ASCII characters".
#[test]
fn app_fields_match_the_6_7_diagram() {
    let buf = bytes(&[
        &[0x85, 204, 0, 3], // subtype 5, length 3
        &w(0x0bad_cafe),
        b"SIPM",
        &w(0x0102_0304),
    ]);
    let RtcpPacket::App(app) = only(&buf) else {
        panic!()
    };
    assert_eq!(app.subtype(), 5);
    assert_eq!(app.ssrc(), 0x0bad_cafe);
    assert_eq!(&app.name(), b"SIPM");
    assert_eq!(app.data(), [1, 2, 3, 4]);
    let built = App::new(0x0bad_cafe, *b"SIPM", 5).data(vec![1, 2, 3, 4]);
    assert_eq!(built.to_bytes().unwrap(), buf);
    assert_eq!(App::from(app), built);
}

/// RFC 3550 §6.7: the header, SSRC/CSRC and name are always present.
#[test]
fn app_without_name_is_too_short() {
    let buf = bytes(&[&[0x80, 204, 0, 1], &w(1)]);
    assert_eq!(
        RtcpPacket::parse(&buf),
        Err(RtcpError::TooShort { offset: 0 })
    );
}
