//! Property tests for RTP packets: what the writer writes the parser reads
//! back field for field, and no input makes the parser panic.

use proptest::prelude::*;
use sipmob_rtp::packet::{
    ExtensionElementBuf, HeaderExtension, RtpError, RtpHeader, RtpPacket, ONE_BYTE_PROFILE,
    TWO_BYTE_PROFILE,
};

fn element() -> impl Strategy<Value = ExtensionElementBuf> {
    prop_oneof![
        // Fits the one-byte form.
        (1u8..=14, prop::collection::vec(any::<u8>(), 1..=16)),
        // Anything the two-byte form takes.
        (1u8..=255, prop::collection::vec(any::<u8>(), 0..=255)),
    ]
    .prop_map(|(id, data)| ExtensionElementBuf { id, data })
}

fn extension() -> impl Strategy<Value = HeaderExtension> {
    prop_oneof![
        // Mostly one-byte-only element lists, sometimes mixed.
        prop::collection::vec(
            (1u8..=14, prop::collection::vec(any::<u8>(), 1..=16))
                .prop_map(|(id, data)| ExtensionElementBuf { id, data }),
            0..6
        )
        .prop_map(HeaderExtension::Elements),
        prop::collection::vec(element(), 0..6).prop_map(HeaderExtension::Elements),
        (
            any::<u16>().prop_filter("not RFC 8285", |p| {
                *p != ONE_BYTE_PROFILE && *p != TWO_BYTE_PROFILE
            }),
            prop::collection::vec(any::<[u8; 4]>(), 0..8),
        )
            .prop_map(|(profile, words)| HeaderExtension::Raw {
                profile,
                data: words.concat(),
            }),
    ]
}

prop_compose! {
    fn header()(
        marker in any::<bool>(),
        payload_type in 0u8..=127,
        sequence_number in any::<u16>(),
        timestamp in any::<u32>(),
        ssrc in any::<u32>(),
        csrcs in prop::collection::vec(any::<u32>(), 0..=15),
        extension in prop::option::of(extension()),
        padding in prop_oneof![Just(0u8), any::<u8>()],
    ) -> RtpHeader {
        RtpHeader { marker, payload_type, sequence_number, timestamp, ssrc, csrcs, extension, padding }
    }
}

/// Bytes that often get past the version check, to reach the deeper ones.
fn packet_like_bytes() -> impl Strategy<Value = Vec<u8>> {
    (prop::collection::vec(any::<u8>(), 0..120), any::<bool>()).prop_map(|(mut bytes, force_v2)| {
        if force_v2 {
            if let Some(b0) = bytes.first_mut() {
                *b0 = (*b0 & 0x3F) | 0x80;
            }
        }
        bytes
    })
}

/// Valid packets with a few bytes overwritten and maybe cut short: these
/// reach the extension, padding and element checks far more often than
/// random bytes do.
fn mutated_packet() -> impl Strategy<Value = Vec<u8>> {
    (
        header(),
        prop::collection::vec(any::<u8>(), 0..40),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        prop::option::of(any::<prop::sample::Index>()),
    )
        .prop_map(|(h, payload, edits, cut)| {
            let mut bytes = h.to_bytes(&payload).unwrap();
            for (at, value) in edits {
                let i = at.index(bytes.len());
                bytes[i] = value;
            }
            if let Some(cut) = cut {
                bytes.truncate(cut.index(bytes.len() + 1));
            }
            bytes
        })
}

fn any_input() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![packet_like_bytes(), mutated_packet()]
}

/// Reads every field and walks every element; returns the error count.
fn touch_everything(p: &RtpPacket<&[u8]>) -> usize {
    let mut sink = u64::from(p.version())
        + u64::from(p.has_padding())
        + u64::from(p.has_extension())
        + u64::from(p.csrc_count())
        + u64::from(p.marker())
        + u64::from(p.payload_type())
        + u64::from(p.sequence_number())
        + u64::from(p.timestamp())
        + u64::from(p.ssrc())
        + p.csrcs().map(u64::from).sum::<u64>()
        + p.payload().len() as u64;
    let mut errors = 0;
    if let Some(ext) = p.extension() {
        sink += u64::from(ext.profile()) + ext.data().len() as u64;
        for e in ext.elements() {
            match e {
                Ok(e) => sink += u64::from(e.id) + e.data.len() as u64,
                Err(RtpError::BadExtensionElement { offset }) => {
                    assert!(offset >= p.header_len() - ext.data().len());
                    assert!(offset < p.header_len());
                    errors += 1;
                }
                Err(other) => panic!("unexpected element error {other:?}"),
            }
        }
        let _ = ext.get(1);
    }
    std::hint::black_box(sink);
    errors
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// build -> parse -> the same header, payload and padding.
    #[test]
    fn build_parse_round_trip(h in header(), payload in prop::collection::vec(any::<u8>(), 0..300)) {
        let bytes = h.to_bytes(&payload).unwrap();
        prop_assert_eq!(bytes.len(), h.header_len().unwrap() + payload.len() + usize::from(h.padding));
        let p = RtpPacket::parse(&bytes[..]).unwrap();
        prop_assert_eq!(p.version(), 2);
        prop_assert_eq!(p.has_padding(), h.padding > 0);
        prop_assert_eq!(p.padding_len(), h.padding);
        prop_assert_eq!(p.has_extension(), h.extension.is_some());
        prop_assert_eq!(usize::from(p.csrc_count()), h.csrcs.len());
        prop_assert_eq!(p.payload(), &payload[..]);
        prop_assert_eq!(p.header_len(), h.header_len().unwrap());
        if let Some(HeaderExtension::Elements(elements)) = &h.extension {
            let ext = p.extension().unwrap();
            prop_assert_eq!(ext.data().len() % 4, 0);
            let read: Vec<_> = ext.elements().collect::<Result<_, _>>().unwrap();
            prop_assert_eq!(read.len(), elements.len());
            for (r, e) in read.iter().zip(elements) {
                prop_assert_eq!(r.id, e.id);
                prop_assert_eq!(r.data, &e.data[..]);
            }
        }
        prop_assert_eq!(p.to_owned_header(), h);
    }

    /// Any bytes give Ok or Err, never a panic; when Ok, the accessors and
    /// the element walk are panic-free and the parts add up.
    #[test]
    fn parse_never_panics(bytes in any_input()) {
        match RtpPacket::parse(&bytes[..]) {
            Ok(p) => {
                prop_assert_eq!(p.header_len() + p.payload().len() + usize::from(p.padding_len()), bytes.len());
                touch_everything(&p);
                let _ = format!("{p:?}");
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }

    /// Whatever parses can be copied out, written again and parsed back to
    /// the same owned header and payload.
    #[test]
    fn parsed_packets_rewrite(bytes in any_input()) {
        if let Ok(p) = RtpPacket::parse(&bytes[..]) {
            let h = p.to_owned_header();
            let again = h.to_bytes(p.payload()).unwrap();
            let q = RtpPacket::parse(&again[..]).unwrap();
            prop_assert_eq!(q.to_owned_header(), h);
            prop_assert_eq!(q.payload(), p.payload());
        }
    }

    /// Valid packets with arbitrary extension bytes: the element walk may
    /// fail but never panics, and reports offsets inside the extension.
    #[test]
    fn element_walk_never_panics(
        one_byte in any::<bool>(),
        words in prop::collection::vec(any::<[u8; 4]>(), 0..10),
        payload in prop::collection::vec(any::<u8>(), 0..20),
    ) {
        let profile = if one_byte { ONE_BYTE_PROFILE } else { TWO_BYTE_PROFILE };
        let h = RtpHeader {
            extension: Some(HeaderExtension::Raw { profile, data: words.concat() }),
            ..RtpHeader::default()
        };
        let bytes = h.to_bytes(&payload).unwrap();
        let p = RtpPacket::parse(&bytes[..]).unwrap();
        prop_assert!(touch_everything(&p) <= 1);
    }

    /// In-place setters change only their field.
    #[test]
    fn setters_change_one_field(
        h in header(),
        payload in prop::collection::vec(any::<u8>(), 0..50),
        marker in any::<bool>(),
        pt in 0u8..=127,
        seq in any::<u16>(),
        ts in any::<u32>(),
        ssrc in any::<u32>(),
    ) {
        let mut bytes = h.to_bytes(&payload).unwrap();
        let mut p = RtpPacket::parse(&mut bytes[..]).unwrap();
        p.set_marker(marker);
        p.set_payload_type(pt).unwrap();
        p.set_sequence_number(seq);
        p.set_timestamp(ts);
        p.set_ssrc(ssrc);
        for b in p.payload_mut() {
            *b = !*b;
        }
        let expected = RtpHeader {
            marker,
            payload_type: pt,
            sequence_number: seq,
            timestamp: ts,
            ssrc,
            ..h
        };
        let q = RtpPacket::parse(&bytes[..]).unwrap();
        prop_assert_eq!(q.to_owned_header(), expected);
        let flipped: Vec<u8> = payload.iter().map(|b| !b).collect();
        prop_assert_eq!(q.payload(), &flipped[..]);
    }
}
