//! Unit tests of the RTP packet view, the writer and the extensions.

use super::*;

/// A PCMU packet: V=2, M=1, PT=0, seq 0x1234, ts 0xDEADBEEF,
/// SSRC 0x01020304, then `payload`.
fn pcmu(payload: &[u8]) -> Vec<u8> {
    let mut p = vec![
        0x80, 0x80, 0x12, 0x34, 0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x02, 0x03, 0x04,
    ];
    p.extend_from_slice(payload);
    p
}

/// RFC 3550 §5.1: "version (V): 2 bits ... The version defined by this
/// specification is two (2)." and the fixed fields that follow it.
#[test]
fn rfc3550_5_1_fixed_header_fields() {
    let bytes = pcmu(&[1, 2, 3]);
    let p = RtpPacket::parse(&bytes[..]).unwrap();
    assert_eq!(p.version(), 2);
    assert!(!p.has_padding());
    assert_eq!(p.padding_len(), 0);
    assert!(!p.has_extension());
    assert!(p.extension().is_none());
    assert_eq!(p.csrc_count(), 0);
    assert_eq!(p.csrcs().len(), 0);
    assert!(p.marker());
    assert_eq!(p.payload_type(), 0);
    assert_eq!(p.sequence_number(), 0x1234);
    assert_eq!(p.timestamp(), 0xDEAD_BEEF);
    assert_eq!(p.ssrc(), 0x0102_0304);
    assert_eq!(p.header_len(), 12);
    assert_eq!(p.payload(), &[1, 2, 3]);
    assert_eq!(p.as_bytes(), &bytes[..]);
}

/// RFC 3550 §5.1: "payload type (PT): 7 bits" — the M bit above it is
/// not part of the payload type.
#[test]
fn rfc3550_5_1_payload_type_is_seven_bits() {
    let mut bytes = pcmu(&[]);
    bytes[1] = 0x7F;
    let p = RtpPacket::parse(&bytes[..]).unwrap();
    assert!(!p.marker());
    assert_eq!(p.payload_type(), 127);
    assert!(p.payload().is_empty());
}

/// RFC 3550 §5.1: "The version defined by this specification is two
/// (2)." Any other value is refused at offset 0.
#[test]
fn rfc3550_5_1_version_must_be_two() {
    for (b0, v) in [(0x00, 0), (0x40, 1), (0xC0, 3)] {
        let mut bytes = pcmu(&[]);
        bytes[0] = b0;
        assert_eq!(
            RtpPacket::parse(&bytes[..]).unwrap_err(),
            RtpError::BadVersion(v)
        );
    }
}

/// RFC 3550 §5.1: the fixed header is 12 octets; anything shorter is no
/// RTP packet.
#[test]
fn rfc3550_5_1_fixed_header_is_twelve_octets() {
    let bytes = pcmu(&[]);
    for len in 0..12 {
        assert_eq!(
            RtpPacket::parse(&bytes[..len]).unwrap_err(),
            RtpError::TooShort { needed: 12, len }
        );
    }
    assert!(RtpPacket::parse(&bytes[..12]).is_ok());
}

/// RFC 3550 §5.1: "CSRC count (CC): 4 bits. The CSRC count contains the
/// number of CSRC identifiers that follow the fixed header." and "CSRC
/// list: 0 to 15 items, 32 bits each."
#[test]
fn rfc3550_5_1_csrc_list() {
    let mut bytes = pcmu(&[]);
    bytes[0] |= 2;
    bytes.extend_from_slice(&[0xAA, 0xBB, 0xCC, 0xDD, 0, 0, 0, 7, 9]);
    let p = RtpPacket::parse(&bytes[..]).unwrap();
    assert_eq!(p.csrc_count(), 2);
    let csrcs = p.csrcs();
    assert_eq!(csrcs.len(), 2);
    assert_eq!(csrcs.collect::<Vec<_>>(), [0xAABB_CCDD, 7]);
    assert_eq!(p.header_len(), 20);
    assert_eq!(p.payload(), &[9]);
}

/// RFC 3550 §5.1: the CC field says how many CSRCs "follow the fixed
/// header"; a count the packet cannot hold is refused at the list's
/// offset, 12.
#[test]
fn rfc3550_5_1_csrc_count_must_fit() {
    let mut bytes = pcmu(&[0; 8]);
    bytes[0] |= 3;
    assert_eq!(
        RtpPacket::parse(&bytes[..]).unwrap_err(),
        RtpError::CsrcOverflow {
            offset: 12,
            count: 3
        }
    );
    bytes.extend_from_slice(&[0; 4]);
    assert_eq!(RtpPacket::parse(&bytes[..]).unwrap().csrcs().len(), 3);
}

/// RFC 3550 §5.3.1: "The header extension contains a 16-bit length field
/// that counts the number of 32-bit words in the extension, excluding the
/// four-octet extension header (therefore zero is a valid length)."
#[test]
fn rfc3550_5_3_1_extension_length_counts_words() {
    let mut bytes = pcmu(&[]);
    bytes[0] |= EXTENSION_BIT;
    bytes.extend_from_slice(&[0x12, 0x34, 0, 0, 0xEE]);
    let p = RtpPacket::parse(&bytes[..]).unwrap();
    let ext = p.extension().unwrap();
    assert_eq!(ext.profile(), 0x1234);
    assert!(ext.data().is_empty());
    assert_eq!(ext.form(), None);
    assert_eq!(ext.elements().count(), 0);
    assert_eq!(p.payload(), &[0xEE]);

    let mut bytes = pcmu(&[]);
    bytes[0] |= EXTENSION_BIT;
    bytes.extend_from_slice(&[0x12, 0x34, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8, 0xEE]);
    let p = RtpPacket::parse(&bytes[..]).unwrap();
    assert_eq!(p.extension().unwrap().data(), &[1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(p.header_len(), 24);
    assert_eq!(p.payload(), &[0xEE]);
    assert_eq!(
        p.to_owned_header().extension,
        Some(HeaderExtension::Raw {
            profile: 0x1234,
            data: vec![1, 2, 3, 4, 5, 6, 7, 8]
        })
    );
}

/// RFC 3550 §5.1: "If the extension bit is set, the fixed header MUST be
/// followed by exactly one header extension". A missing or overlong one
/// is refused at the extension header's offset.
#[test]
fn rfc3550_5_1_extension_must_fit() {
    // X set, header cut after two octets.
    let mut bytes = pcmu(&[0xBE, 0xDE]);
    bytes[0] |= EXTENSION_BIT;
    assert_eq!(
        RtpPacket::parse(&bytes[..]).unwrap_err(),
        RtpError::ExtensionOverflow { offset: 12 }
    );
    // One CSRC, then an extension claiming 2 words with only 1 present.
    let mut bytes = pcmu(&[0, 0, 0, 1, 0xBE, 0xDE, 0, 2, 0x10, 0xAA, 0, 0]);
    bytes[0] |= EXTENSION_BIT | 1;
    assert_eq!(
        RtpPacket::parse(&bytes[..]).unwrap_err(),
        RtpError::ExtensionOverflow { offset: 16 }
    );
}

/// The one-byte figure of RFC 8285 §4.2, with two padding bytes between
/// elements: "In both forms, padding bytes have the value of 0 (zero).
/// They MAY be placed between extension elements, if desired for
/// alignment, or after the last extension element" and "The 4-bit length
/// is the number, minus one, of data bytes of this header extension
/// element following the one-byte header."
#[test]
fn rfc8285_4_2_one_byte_elements_with_padding() {
    let mut bytes = pcmu(&[]);
    bytes[0] |= EXTENSION_BIT;
    #[rustfmt::skip]
    bytes.extend_from_slice(&[
        0xBE, 0xDE, 0x00, 0x03,
        0x10, 0xAA, 0x21, 0xBB,
        0xCC, 0x00, 0x00, 0x33,
        0x01, 0x02, 0x03, 0x04,
        0x77, // payload
    ]);
    let p = RtpPacket::parse(&bytes[..]).unwrap();
    let ext = p.extension().unwrap();
    assert_eq!(ext.profile(), ONE_BYTE_PROFILE);
    assert_eq!(ext.form(), Some(ExtensionForm::OneByte));
    let elements: Vec<_> = ext.elements().collect::<Result<_, _>>().unwrap();
    assert_eq!(
        elements,
        [
            ExtensionElement {
                id: 1,
                data: &[0xAA]
            },
            ExtensionElement {
                id: 2,
                data: &[0xBB, 0xCC]
            },
            ExtensionElement {
                id: 3,
                data: &[1, 2, 3, 4]
            },
        ]
    );
    assert_eq!(ext.get(2), Some(&[0xBB, 0xCC][..]));
    assert_eq!(ext.get(4), None);
    assert_eq!(p.payload(), &[0x77]);
}

/// RFC 8285 §4.2: "The local identifier value 15 is reserved for future
/// extension and MUST NOT be used as an identifier. If the ID value 15 is
/// encountered, its length field MUST be ignored, processing of the
/// entire extension MUST terminate at that point, and only the extension
/// elements present prior to the element with ID 15 SHOULD be
/// considered."
#[test]
fn rfc8285_4_2_id_15_stops_processing() {
    let mut bytes = pcmu(&[]);
    bytes[0] |= EXTENSION_BIT;
    // Element 1, then ID 15 with a length that would overrun, then bytes
    // that would be a valid element 2 if processing went on.
    bytes.extend_from_slice(&[0xBE, 0xDE, 0, 2, 0x10, 0xAA, 0xFF, 0x20, 0xBB, 0, 0, 0]);
    let p = RtpPacket::parse(&bytes[..]).unwrap();
    let ext = p.extension().unwrap();
    let mut it = ext.elements();
    assert_eq!(
        it.next(),
        Some(Ok(ExtensionElement {
            id: 1,
            data: &[0xAA]
        }))
    );
    assert_eq!(it.next(), None);
    assert_eq!(it.next(), None);
    assert_eq!(ext.get(2), None);
    assert_eq!(
        p.to_owned_header().extension,
        Some(HeaderExtension::Elements(vec![ExtensionElementBuf::new(
            1,
            &[0xAA]
        )]))
    );
}

/// RFC 8285 §4.2: "The local identifier value 0 is reserved for padding
/// and MUST NOT be used as a local identifier." A non-zero length nibble
/// under ID 0 is skipped as one padding byte, as libwebrtc does.
#[test]
fn rfc8285_4_2_id_0_is_padding() {
    let mut bytes = pcmu(&[]);
    bytes[0] |= EXTENSION_BIT;
    bytes.extend_from_slice(&[0xBE, 0xDE, 0, 1, 0x00, 0x05, 0x10, 0xAA]);
    let p = RtpPacket::parse(&bytes[..]).unwrap();
    let elements: Vec<_> = p.extension().unwrap().elements().collect();
    assert_eq!(
        elements,
        [Ok(ExtensionElement {
            id: 1,
            data: &[0xAA]
        })]
    );
}

/// The two-byte figure of RFC 8285 §4.3: "The 8-bit length field is the
/// length of extension data in bytes not including the ID and length
/// fields. The value zero (0) indicates that there is no subsequent
/// data." with a padding byte between elements.
#[test]
fn rfc8285_4_3_two_byte_elements() {
    let mut bytes = pcmu(&[]);
    bytes[0] |= EXTENSION_BIT;
    #[rustfmt::skip]
    bytes.extend_from_slice(&[
        0x10, 0x00, 0x00, 0x03,
        0x01, 0x00, 0x02, 0x01,
        0xAA, 0x00, 0xF0, 0x04,
        0x01, 0x02, 0x03, 0x04,
    ]);
    let p = RtpPacket::parse(&bytes[..]).unwrap();
    let ext = p.extension().unwrap();
    assert_eq!(ext.form(), Some(ExtensionForm::TwoByte { appbits: 0 }));
    let elements: Vec<_> = ext.elements().collect::<Result<_, _>>().unwrap();
    assert_eq!(
        elements,
        [
            ExtensionElement { id: 1, data: &[] },
            ExtensionElement {
                id: 2,
                data: &[0xAA]
            },
            ExtensionElement {
                id: 240,
                data: &[1, 2, 3, 4]
            },
        ]
    );
    assert!(p.payload().is_empty());
}

/// RFC 8285 §4.3: the profile value is "0x100" in the top 12 bits and
/// "appbits" in the low 4, which "may be used for application-specific
/// information".
#[test]
fn rfc8285_4_3_appbits() {
    let mut bytes = pcmu(&[]);
    bytes[0] |= EXTENSION_BIT;
    bytes.extend_from_slice(&[0x10, 0x0A, 0, 1, 0x07, 0x01, 0x55, 0x00]);
    let p = RtpPacket::parse(&bytes[..]).unwrap();
    let ext = p.extension().unwrap();
    assert_eq!(ext.form(), Some(ExtensionForm::TwoByte { appbits: 0xA }));
    assert_eq!(ext.get(7), Some(&[0x55][..]));
    // Appbits are kept by the raw form.
    assert_eq!(
        ext.to_owned_extension(),
        HeaderExtension::Raw {
            profile: 0x100A,
            data: vec![0x07, 0x01, 0x55, 0x00]
        }
    );
}

/// RFC 8285 §4.1.2: "There are as many extension elements as will fit in
/// the RTP header extension". An element longer than what is left is
/// refused at its ID byte's offset and ends the walk.
#[test]
fn rfc8285_4_1_2_element_must_fit() {
    // One-byte: element 2 says 4 data bytes (L=3), 2 are left.
    let mut bytes = pcmu(&[]);
    bytes[0] |= EXTENSION_BIT;
    bytes.extend_from_slice(&[0xBE, 0xDE, 0, 1, 0x10, 0xAA, 0x23, 0xBB]);
    let p = RtpPacket::parse(&bytes[..]).unwrap();
    let ext = p.extension().unwrap();
    let mut it = ext.elements();
    assert!(it.next().unwrap().is_ok());
    assert_eq!(
        it.next(),
        Some(Err(RtpError::BadExtensionElement { offset: 18 }))
    );
    assert_eq!(it.next(), None);
    assert_eq!(ext.get(2), None);
    assert!(matches!(
        ext.to_owned_extension(),
        HeaderExtension::Raw { .. }
    ));

    // Two-byte: the ID is the last byte, its length byte is missing.
    let mut bytes = pcmu(&[]);
    bytes[0] |= EXTENSION_BIT;
    bytes.extend_from_slice(&[0x10, 0x00, 0, 1, 0x00, 0x00, 0x00, 0x09]);
    let p = RtpPacket::parse(&bytes[..]).unwrap();
    let errors: Vec<_> = p.extension().unwrap().elements().collect();
    assert_eq!(errors, [Err(RtpError::BadExtensionElement { offset: 19 })]);

    // Two-byte: length 5 with 1 byte left.
    let mut bytes = pcmu(&[]);
    bytes[0] |= EXTENSION_BIT;
    bytes.extend_from_slice(&[0x10, 0x00, 0, 1, 0x00, 0x03, 0x05, 0x00]);
    let p = RtpPacket::parse(&bytes[..]).unwrap();
    let errors: Vec<_> = p.extension().unwrap().elements().collect();
    assert_eq!(errors, [Err(RtpError::BadExtensionElement { offset: 17 })]);
}

/// RFC 3550 §5.1: "If the padding bit is set, the packet contains one or
/// more additional padding octets at the end which are not part of the
/// payload. The last octet of the padding contains a count of how many
/// padding octets should be ignored, including itself."
#[test]
fn rfc3550_5_1_padding_count_includes_itself() {
    let mut bytes = pcmu(&[1, 2, 3, 0, 0, 3]);
    bytes[0] |= PADDING_BIT;
    let p = RtpPacket::parse(&bytes[..]).unwrap();
    assert!(p.has_padding());
    assert_eq!(p.padding_len(), 3);
    assert_eq!(p.payload(), &[1, 2, 3]);

    // All of it padding: an empty payload.
    let mut bytes = pcmu(&[0, 0, 0, 4]);
    bytes[0] |= PADDING_BIT;
    let p = RtpPacket::parse(&bytes[..]).unwrap();
    assert_eq!(p.padding_len(), 4);
    assert!(p.payload().is_empty());
}

/// RFC 3550 §5.1: the count includes itself, so it is at least 1, and
/// padding is "at the end" after the header, so it cannot reach into
/// the header. Both faults point at the count octet.
#[test]
fn rfc3550_5_1_bad_padding() {
    let mut bytes = pcmu(&[1, 2, 0]);
    bytes[0] |= PADDING_BIT;
    assert_eq!(
        RtpPacket::parse(&bytes[..]).unwrap_err(),
        RtpError::BadPadding { offset: 14 }
    );
    let mut bytes = pcmu(&[1, 2, 4]);
    bytes[0] |= PADDING_BIT;
    assert_eq!(
        RtpPacket::parse(&bytes[..]).unwrap_err(),
        RtpError::BadPadding { offset: 14 }
    );
    // P set on a bare header: the count octet would be the SSRC's last.
    let mut bytes = pcmu(&[]);
    bytes[0] |= PADDING_BIT;
    assert_eq!(
        RtpPacket::parse(&bytes[..]).unwrap_err(),
        RtpError::BadPadding { offset: 11 }
    );
    // Padding may not eat into the extension either.
    let mut bytes = pcmu(&[0x12, 0x34, 0, 0, 2]);
    bytes[0] |= PADDING_BIT | EXTENSION_BIT;
    assert_eq!(
        RtpPacket::parse(&bytes[..]).unwrap_err(),
        RtpError::BadPadding { offset: 16 }
    );
}

/// Every error prints its position.
#[test]
fn errors_display_their_offset() {
    let e = RtpError::BadExtensionElement { offset: 21 };
    assert!(e.to_string().contains("21"), "{e}");
    let e = RtpError::CsrcOverflow {
        offset: 12,
        count: 15,
    };
    assert!(e.to_string().contains("12"), "{e}");
    assert!(WriteError::PayloadTypeOutOfRange(200)
        .to_string()
        .contains("200"));
}

/// The relay rewrites SSRC, sequence number and timestamp in place; the
/// other fields and the payload stay as they were.
#[test]
fn in_place_setters() {
    let mut bytes = pcmu(&[1, 2, 3, 0, 2]);
    bytes[0] |= PADDING_BIT;
    let mut p = RtpPacket::parse(&mut bytes[..]).unwrap();
    p.set_marker(false);
    p.set_payload_type(8).unwrap();
    p.set_sequence_number(0xFFFF);
    p.set_timestamp(7);
    p.set_ssrc(0xCAFE_F00D);
    p.payload_mut().copy_from_slice(&[9, 8, 7]);
    assert!(!p.marker());
    assert_eq!(p.payload_type(), 8);
    assert_eq!(p.sequence_number(), 0xFFFF);
    assert_eq!(p.timestamp(), 7);
    assert_eq!(p.ssrc(), 0xCAFE_F00D);
    assert_eq!(p.payload(), &[9, 8, 7]);
    assert_eq!(p.padding_len(), 2);
    assert_eq!(
        bytes,
        [0xA0, 8, 0xFF, 0xFF, 0, 0, 0, 7, 0xCA, 0xFE, 0xF0, 0x0D, 9, 8, 7, 0, 2]
    );

    // Owned buffers work the same way; the marker survives a PT change.
    let mut p = RtpPacket::parse(pcmu(&[5])).unwrap();
    p.set_payload_type(127).unwrap();
    assert!(p.marker());
    assert_eq!(
        p.set_payload_type(128),
        Err(WriteError::PayloadTypeOutOfRange(128))
    );
    assert_eq!(p.payload_type(), 127);
    p.set_marker(true);
    assert_eq!(p.into_inner()[1], 0xFF);
}

/// The writer picks the one-byte form when every element fits it
/// (RFC 8285 §4.2: IDs "in the range 1-14 inclusive", 1 to 16 bytes) and
/// pads the extension to 32 bits with zero bytes.
#[test]
fn writer_one_byte_form() {
    let h = RtpHeader::new(96, 1, 2, 3)
        .with_extension_element(1, &[0xAA])
        .with_extension_element(14, &[0; 16]);
    let bytes = h.to_bytes(&[0x55]).unwrap();
    assert_eq!(&bytes[12..18], &[0xBE, 0xDE, 0, 5, 0x10, 0xAA]);
    assert_eq!(bytes[18], 0xEF);
    assert_eq!(&bytes[35..], &[0, 0x55]);
    assert_eq!(h.header_len(), Ok(bytes.len() - 1));
    let p = RtpPacket::parse(&bytes[..]).unwrap();
    assert_eq!(p.to_owned_header(), h);
    assert_eq!(p.payload(), &[0x55]);
}

/// The writer switches to the two-byte form (RFC 8285 §4.3) for an ID
/// above 14, an empty element or one longer than 16 bytes.
#[test]
fn writer_two_byte_form() {
    for (id, len) in [(15, 1), (200, 3), (1, 0), (1, 17), (255, 255)] {
        let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
        let h = RtpHeader::new(0, 0, 0, 0)
            .with_extension_element(2, &[1])
            .with_extension_element(id, &data);
        let bytes = h.to_bytes(&[]).unwrap();
        let p = RtpPacket::parse(&bytes[..]).unwrap();
        let ext = p.extension().unwrap();
        assert_eq!(ext.profile(), TWO_BYTE_PROFILE);
        assert_eq!(&ext.data()[..3], &[2, 1, 1]);
        assert_eq!(ext.data().len() % 4, 0);
        assert_eq!(ext.get(id), Some(&data[..]));
        assert_eq!(p.to_owned_header(), h);
    }
}

/// RFC 3550 §5.1 padding and CSRCs written and read back.
#[test]
fn writer_csrcs_and_padding() {
    let h = RtpHeader::new(8, 65535, u32::MAX, 1)
        .with_marker(true)
        .with_csrc(10)
        .with_csrc(11)
        .with_padding(5);
    let mut out = vec![0xEE];
    let n = h.write_to(&[1, 2], &mut out).unwrap();
    assert_eq!(n, 12 + 8 + 2 + 5);
    assert_eq!(out[0], 0xEE);
    assert_eq!(&out[out.len() - 5..], &[0, 0, 0, 0, 5]);
    let p = RtpPacket::parse(&out[1..]).unwrap();
    assert_eq!(p.csrcs().collect::<Vec<_>>(), [10, 11]);
    assert_eq!(p.payload(), &[1, 2]);
    assert_eq!(p.to_owned_header(), h);
}

/// Values the wire format cannot carry are refused and nothing is
/// written.
#[test]
fn writer_errors() {
    let mut out = Vec::new();
    let cases = [
        (
            RtpHeader::new(128, 0, 0, 0),
            WriteError::PayloadTypeOutOfRange(128),
        ),
        (
            RtpHeader {
                csrcs: vec![0; 16],
                ..RtpHeader::default()
            },
            WriteError::TooManyCsrcs(16),
        ),
        (
            RtpHeader::default().with_extension_element(0, &[1]),
            WriteError::BadExtensionId(0),
        ),
        (
            RtpHeader::default().with_extension_element(3, &[0; 256]),
            WriteError::ExtensionElementTooLong { id: 3, len: 256 },
        ),
        (
            RtpHeader {
                extension: Some(HeaderExtension::Raw {
                    profile: 1,
                    data: vec![0; 4 * 65535 + 1],
                }),
                ..RtpHeader::default()
            },
            WriteError::ExtensionTooLong { len: 4 * 65535 + 1 },
        ),
    ];
    for (h, e) in cases {
        assert_eq!(h.write_to(&[1], &mut out), Err(e));
        assert_eq!(h.header_len(), Err(e));
        assert!(out.is_empty());
    }
}

/// A raw extension is padded to a multiple of 4 bytes; the longest one
/// (65535 words) still fits.
#[test]
fn writer_raw_extension() {
    let h = RtpHeader {
        extension: Some(HeaderExtension::Raw {
            profile: 0xABCD,
            data: vec![1, 2, 3, 4, 5],
        }),
        ..RtpHeader::default()
    };
    let bytes = h.to_bytes(&[]).unwrap();
    assert_eq!(&bytes[12..], &[0xAB, 0xCD, 0, 2, 1, 2, 3, 4, 5, 0, 0, 0]);
    let h = RtpHeader {
        extension: Some(HeaderExtension::Raw {
            profile: 1,
            data: vec![7; 4 * 65535],
        }),
        ..RtpHeader::default()
    };
    let bytes = h.to_bytes(&[]).unwrap();
    let p = RtpPacket::parse(&bytes[..]).unwrap();
    assert_eq!(p.extension().unwrap().data().len(), 4 * 65535);
    // with_extension_element replaces a raw extension.
    let h = h.with_extension_element(1, &[2]);
    assert_eq!(
        h.extension,
        Some(HeaderExtension::Elements(vec![ExtensionElementBuf::new(
            1,
            &[2]
        )]))
    );
}

/// RFC 3550 §5.1: "The sequence number increments by one for each RTP
/// data packet sent" and wraps at 2^16; comparisons go the short way
/// round.
#[test]
fn rfc3550_5_1_sequence_numbers_wrap() {
    assert_eq!(seq_diff(2, 65534), 4);
    assert_eq!(seq_diff(65534, 2), -4);
    assert_eq!(seq_diff(7, 7), 0);
    assert_eq!(seq_diff(0x8000, 0), i16::MIN);
    assert!(is_seq_newer(0, 65535));
    assert!(!is_seq_newer(65535, 0));
    assert!(!is_seq_newer(5, 5));
    assert_eq!(timestamp_diff(80, u32::MAX - 79), 160);
    assert_eq!(timestamp_diff(u32::MAX - 79, 80), -160);
}

#[test]
fn debug_shows_fields() {
    let h = RtpHeader::new(0, 42, 0, 0xABCDEF).with_extension_element(1, &[1]);
    let bytes = h.to_bytes(&[]).unwrap();
    let s = format!("{:?}", RtpPacket::parse(&bytes[..]).unwrap());
    assert!(s.contains("sequence_number: 42"), "{s}");
    assert!(s.contains("0x00abcdef"), "{s}");
}
