//! SDES (RFC 3550 §6.5).

use super::*;

/// RFC 3550 §6.5: "The SDES packet is a three-level structure composed of a
/// header and zero or more chunks, each of which is composed of items
/// describing the source identified in that chunk."
#[test]
fn sdes_chunks_and_items_match_the_6_5_diagram() {
    let buf = bytes(&[
        &[0x83, 202, 0, 9], // SC=3, length 9 (40 bytes)
        &w(0x0000_0001),
        &[1, 5],
        b"a@b.c", // CNAME
        &[2, 3],
        b"Bob",        // NAME
        &[0, 0, 0, 0], // END + padding: 4 + 7 + 5 = 16 -> 20
        &w(0x0000_0002),
        &[0, 0, 0, 0], // a chunk with zero items
        &w(0x0000_0003),
        &[4, 1],
        b"+", // PHONE
        &[0], // END: 4 + 3 + 1 = 8
    ]);
    let RtcpPacket::SourceDescription(sdes) = only(&buf) else {
        panic!("not SDES")
    };
    assert_eq!(sdes.source_count(), 3);
    assert!(sdes.has_cname());
    let chunks: Vec<_> = sdes.chunks().collect();
    assert_eq!(chunks.len(), 3);
    assert_eq!(chunks[0].ssrc(), 1);
    let items: Vec<_> = chunks[0].items().collect();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].item_type(), SdesItemType::Cname);
    assert_eq!(items[0].as_str(), Some("a@b.c"));
    assert_eq!(items[1].item_type(), SdesItemType::Name);
    assert_eq!(items[1].value(), b"Bob");
    assert_eq!(chunks[0].cname(), Some(&b"a@b.c"[..]));
    assert_eq!(chunks[1].ssrc(), 2);
    assert_eq!(chunks[1].items().count(), 0);
    assert_eq!(chunks[1].cname(), None);
    assert_eq!(
        chunks[2].items().next().unwrap().item_type(),
        SdesItemType::Phone
    );
    // Reading back into owned builders writes the same octets.
    assert_eq!(Sdes::from(sdes).to_bytes().unwrap(), buf);
}

/// RFC 3550 §6.5: "The list of items in each chunk MUST be terminated by one
/// or more null octets, the first of which is interpreted as an item type of
/// zero to denote the end of the list. No length octet follows the null
/// item type octet, but additional null octets MUST be included if needed
/// to pad until the next 32-bit boundary."
#[test]
fn sdes_chunk_is_null_terminated_and_padded_to_32_bits() {
    // Item text lengths giving 4, 3, 2 and 1 null octets after the items.
    for (text_len, nulls) in [(2usize, 4usize), (3, 3), (4, 2), (5, 1)] {
        let text = vec![b'x'; text_len];
        let buf = Sdes::cname(0x55, text.clone()).to_bytes().unwrap();
        let items_end = 4 + 4 + 2 + text_len;
        assert_eq!(buf.len(), items_end + nulls, "text of {text_len}");
        assert_eq!(buf.len() % 4, 0);
        assert!(buf[items_end..].iter().all(|b| *b == 0));
        assert_eq!(
            usize::from(u16::from_be_bytes([buf[2], buf[3]])),
            buf.len() / 4 - 1
        );
        let RtcpPacket::SourceDescription(sdes) = only(&buf) else {
            panic!()
        };
        assert_eq!(sdes.chunks().next().unwrap().cname(), Some(&text[..]));
    }
}

/// RFC 3550 §6.5: "A chunk with zero items (four null octets) is valid but
/// useless."
#[test]
fn sdes_chunk_with_zero_items_is_four_null_octets() {
    let buf = Sdes::new().chunk(SdesChunk::new(9)).to_bytes().unwrap();
    assert_eq!(buf, [0x81, 202, 0, 2, 0, 0, 0, 9, 0, 0, 0, 0]);
    let RtcpPacket::SourceDescription(sdes) = only(&buf) else {
        panic!()
    };
    assert!(!sdes.has_cname());
    assert_eq!(sdes.chunks().next().unwrap().items().count(), 0);
}

/// RFC 3550 §6.5, source count: "A value of zero is valid but useless."
#[test]
fn sdes_with_zero_chunks_is_valid() {
    let buf = Sdes::new().to_bytes().unwrap();
    assert_eq!(buf, [0x80, 202, 0, 0]);
    let RtcpPacket::SourceDescription(sdes) = only(&buf) else {
        panic!()
    };
    assert_eq!(sdes.chunks().count(), 0);
}

/// RFC 3550 §6.5: the list "MUST be terminated by one or more null octets";
/// a chunk whose items run to the end of the packet has no END.
#[test]
fn sdes_chunk_without_end_is_rejected() {
    // SSRC, then CNAME of 2 octets filling the word: no room for END.
    let buf = bytes(&[&[0x81, 202, 0, 2], &w(1), &[1, 2, b'a', b'b']]);
    assert_eq!(
        RtcpPacket::parse(&buf),
        Err(RtcpError::BadSdesItem { offset: 12 })
    );
}

/// RFC 3550 §6.5: "Each item consists of an 8-bit type field, an 8-bit octet
/// count describing the length of the text ..., and the text itself." A
/// count running past the packet is rejected at the item.
#[test]
fn sdes_item_running_past_the_packet_is_rejected() {
    let buf = bytes(&[&[0x81, 202, 0, 2], &w(1), &[1, 9, b'a', 0]]);
    assert_eq!(
        RtcpPacket::parse(&buf),
        Err(RtcpError::BadSdesItem { offset: 8 })
    );
    // A type octet with no length octet after it.
    let buf = bytes(&[&[0x81, 202, 0, 2], &w(1), &[2, 1, b'a', 3]]);
    assert_eq!(
        RtcpPacket::parse(&buf),
        Err(RtcpError::BadSdesItem { offset: 11 })
    );
}

/// RFC 3550 §6.5, SC: "The number of SSRC/CSRC chunks contained in this
/// SDES packet." A count beyond the chunks present is rejected where the
/// missing chunk would start.
#[test]
fn sdes_source_count_beyond_the_packet_is_rejected() {
    let buf = bytes(&[&[0x82, 202, 0, 2], &w(1), &[0, 0, 0, 0]]);
    assert_eq!(
        RtcpPacket::parse(&buf),
        Err(RtcpError::BadSdesChunk { offset: 12 })
    );
}

/// RFC 3550 §6.5.8: "The item contains a prefix consisting of a
/// length-string pair, followed by the value string filling the remainder
/// of the item".
#[test]
fn sdes_priv_item_splits_prefix_and_value() {
    let item = SdesItem::private(b"sipmob", b"v1");
    assert_eq!(item.value, b"\x06sipmobv1");
    let buf = Sdes::new()
        .chunk(SdesChunk::new(1).item(SdesItem::cname("x")).item(item))
        .to_bytes()
        .unwrap();
    let RtcpPacket::SourceDescription(sdes) = only(&buf) else {
        panic!()
    };
    let items: Vec<_> = sdes.chunks().next().unwrap().items().collect();
    assert_eq!(items[0].priv_prefix_and_value(), None);
    assert_eq!(items[1].item_type(), SdesItemType::Priv);
    assert_eq!(
        items[1].priv_prefix_and_value(),
        Some((&b"sipmob"[..], &b"v1"[..]))
    );
}

/// RFC 3550 §6.5: "Text is not null terminated because some multi-octet
/// encodings include null octets." Non-UTF-8 text is still readable as
/// octets.
#[test]
fn sdes_text_is_octets_with_optional_utf8() {
    let buf = Sdes::new()
        .chunk(
            SdesChunk::new(1)
                .item(SdesItem::new(SdesItemType::Note, vec![0xff, 0x00, 0x41]))
                .item(SdesItem::new(SdesItemType::Loc, "Zürich")),
        )
        .to_bytes()
        .unwrap();
    let RtcpPacket::SourceDescription(sdes) = only(&buf) else {
        panic!()
    };
    let items: Vec<_> = sdes.chunks().next().unwrap().items().collect();
    assert_eq!(items[0].value(), [0xff, 0x00, 0x41]);
    assert_eq!(items[0].as_str(), None);
    assert_eq!(items[1].as_str(), Some("Zürich"));
    assert_eq!(SdesItemType::from(9), SdesItemType::Other(9));
    assert_eq!(u8::from(SdesItemType::Tool), 6);
}
