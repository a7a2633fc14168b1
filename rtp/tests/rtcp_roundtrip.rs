//! Properties of the RTCP codec: what the builders write parses back to the
//! same values, and no input makes the parser or the views panic.

use proptest::collection::vec;
use proptest::prelude::*;
use sipmob_rtp::rtcp::{
    App, Compound, CompoundBuilder, Goodbye, NtpTimestamp, ReceiverReport, ReportBlock, RtcpPacket,
    Sdes, SdesChunk, SdesItem, SdesItemType, SenderReport,
};

/// One owned packet of any built type, to compare before and after.
#[derive(Debug, Clone, PartialEq)]
enum Owned {
    Sr(SenderReport),
    Rr(ReceiverReport),
    Sdes(Sdes),
    Bye(Goodbye),
    App(App),
}

fn add(builder: CompoundBuilder, packet: Owned) -> CompoundBuilder {
    match packet {
        Owned::Sr(p) => builder.sender_report(p),
        Owned::Rr(p) => builder.receiver_report(p),
        Owned::Sdes(p) => builder.sdes(p),
        Owned::Bye(p) => builder.goodbye(p),
        Owned::App(p) => builder.app(p),
    }
}

fn owned(packet: RtcpPacket<'_>) -> Owned {
    match packet {
        RtcpPacket::SenderReport(v) => Owned::Sr(v.into()),
        RtcpPacket::ReceiverReport(v) => Owned::Rr(v.into()),
        RtcpPacket::SourceDescription(v) => Owned::Sdes(v.into()),
        RtcpPacket::Goodbye(v) => Owned::Bye(v.into()),
        RtcpPacket::App(v) => Owned::App(v.into()),
        other => panic!("unexpected packet {other:?}"),
    }
}

fn words(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<[u8; 4]>(), 0..=max).prop_map(|w| w.concat())
}

fn report_block() -> impl Strategy<Value = ReportBlock> {
    (
        any::<u32>(),
        any::<u8>(),
        -0x80_0000i32..=0x7f_ffff,
        any::<[u32; 4]>(),
    )
        .prop_map(
            |(ssrc, fraction_lost, cumulative_lost, [seq, jitter, lsr, dlsr])| ReportBlock {
                ssrc,
                fraction_lost,
                cumulative_lost,
                extended_highest_sequence: seq,
                jitter,
                last_sr: lsr,
                delay_since_last_sr: dlsr,
            },
        )
}

fn sender_report() -> impl Strategy<Value = SenderReport> {
    (
        any::<u32>(),
        any::<u64>(),
        any::<[u32; 3]>(),
        vec(report_block(), 0..=31),
        words(4),
    )
        .prop_map(
            |(ssrc, ntp, [rtp, packets, octets], report_blocks, extension)| SenderReport {
                ssrc,
                ntp_timestamp: NtpTimestamp(ntp),
                rtp_timestamp: rtp,
                packet_count: packets,
                octet_count: octets,
                report_blocks,
                extension,
            },
        )
}

fn receiver_report() -> impl Strategy<Value = ReceiverReport> {
    (any::<u32>(), vec(report_block(), 0..=31), words(4)).prop_map(
        |(ssrc, report_blocks, extension)| ReceiverReport {
            ssrc,
            report_blocks,
            extension,
        },
    )
}

fn sdes_item() -> impl Strategy<Value = SdesItem> {
    let text = prop_oneof![
        4 => vec(any::<u8>(), 0..=24),
        1 => vec(any::<u8>(), 0..=255),
    ];
    // Types 1-255 (0 is END); from_u8 gives the canonical variant.
    (1u8..=255, text).prop_map(|(t, value)| SdesItem::new(SdesItemType::from_u8(t), value))
}

fn sdes() -> impl Strategy<Value = Sdes> {
    vec(
        (any::<u32>(), vec(sdes_item(), 0..=4)).prop_map(|(ssrc, items)| SdesChunk { ssrc, items }),
        0..=31,
    )
    .prop_map(|chunks| Sdes { chunks })
}

fn goodbye() -> impl Strategy<Value = Goodbye> {
    (
        vec(any::<u32>(), 0..=31),
        proptest::option::of(vec(any::<u8>(), 0..=255)),
    )
        .prop_map(|(sources, reason)| Goodbye { sources, reason })
}

fn app() -> impl Strategy<Value = App> {
    (0u8..=31, any::<u32>(), any::<[u8; 4]>(), words(16)).prop_map(|(subtype, ssrc, name, data)| {
        App {
            subtype,
            ssrc,
            name,
            data,
        }
    })
}

fn report() -> impl Strategy<Value = Owned> {
    prop_oneof![
        sender_report().prop_map(Owned::Sr),
        receiver_report().prop_map(Owned::Rr),
    ]
}

fn any_packet() -> impl Strategy<Value = Owned> {
    prop_oneof![
        sender_report().prop_map(Owned::Sr),
        receiver_report().prop_map(Owned::Rr),
        sdes().prop_map(Owned::Sdes),
        goodbye().prop_map(Owned::Bye),
        app().prop_map(Owned::App),
    ]
}

/// A report first (§6.1), then up to five packets of any type, and
/// optionally RTCP padding on the last.
fn compound() -> impl Strategy<Value = (Vec<Owned>, Option<u8>)> {
    (
        report(),
        vec(any_packet(), 0..=5),
        proptest::option::of(1u8..=63),
    )
        .prop_map(|(first, rest, padding)| {
            let mut packets = vec![first];
            packets.extend(rest);
            (packets, padding.map(|words| words * 4))
        })
}

fn build(packets: &[Owned], padding: Option<u8>) -> Vec<u8> {
    let mut builder = packets.iter().cloned().fold(CompoundBuilder::new(), add);
    if let Some(octets) = padding {
        builder = builder.padding(octets);
    }
    let bytes = builder.to_bytes().expect("valid packets build");
    assert_eq!(bytes.len(), builder.encoded_len());
    bytes
}

/// Reads every field of every view, the way a session would.
fn read_everything(compound: &Compound<'_>) -> u64 {
    let mut sum = 0u64;
    let mut add = |v: u64| sum = sum.wrapping_add(v);
    add(u64::from(compound.has_cname()));
    for packet in compound.packets() {
        add(u64::from(packet.packet_type()) ^ packet.as_bytes().len() as u64);
        match packet {
            RtcpPacket::SenderReport(sr) => {
                add(u64::from(sr.ssrc()) ^ sr.ntp_timestamp().as_u64());
                add(u64::from(sr.rtp_timestamp()) ^ u64::from(sr.packet_count()));
                add(u64::from(sr.octet_count()) ^ u64::from(sr.report_count()));
                add(sr.extension().len() as u64);
                for b in sr.report_blocks() {
                    add(u64::from(b.ssrc()) ^ u64::from(b.fraction_lost()));
                    add(b.cumulative_lost() as u64 ^ u64::from(b.jitter()));
                    add(u64::from(b.extended_highest_sequence()) ^ u64::from(b.last_sr()));
                    add(u64::from(b.delay_since_last_sr()));
                }
            }
            RtcpPacket::ReceiverReport(rr) => {
                add(u64::from(rr.ssrc()) ^ rr.extension().len() as u64);
                for b in rr.report_blocks() {
                    add(u64::from(b.ssrc()) ^ b.cumulative_lost() as u64);
                }
            }
            RtcpPacket::SourceDescription(sdes) => {
                for chunk in sdes.chunks() {
                    add(u64::from(chunk.ssrc()));
                    for item in chunk.items() {
                        add(u64::from(item.raw_type()) ^ item.value().len() as u64);
                        add(item.as_str().map_or(0, |s| s.len() as u64));
                        add(item
                            .priv_prefix_and_value()
                            .map_or(0, |(p, _)| p.len() as u64));
                    }
                }
            }
            RtcpPacket::Goodbye(bye) => {
                add(bye.sources().map(u64::from).sum::<u64>());
                add(bye.reason().map_or(0, |r| r.len() as u64));
                add(bye.reason_str().map_or(0, |r| r.len() as u64));
            }
            RtcpPacket::App(app) => {
                add(u64::from(app.subtype()) ^ u64::from(app.ssrc()));
                add(u64::from(u32::from_be_bytes(app.name())) ^ app.data().len() as u64);
            }
            RtcpPacket::Unknown { payload, raw, .. } => {
                add(payload.len() as u64 ^ raw.len() as u64);
            }
            _ => {}
        }
    }
    sum
}

proptest! {
    /// Build, parse, read back: the same values, and the same packets as
    /// each builder writes alone.
    #[test]
    fn built_compounds_parse_back_equal((packets, padding) in compound()) {
        let bytes = build(&packets, padding);
        let compound = Compound::parse(&bytes).expect("built compound parses");
        let parsed: Vec<Owned> = compound.packets().map(owned).collect();
        prop_assert_eq!(&parsed, &packets);
        prop_assert_eq!(bytes.len() % 4, 0);
        let last = compound.packets().count() - 1;
        for (i, packet) in compound.packets().enumerate() {
            let alone = match &packets[i] {
                Owned::Sr(p) => p.to_bytes(),
                Owned::Rr(p) => p.to_bytes(),
                Owned::Sdes(p) => p.to_bytes(),
                Owned::Bye(p) => p.to_bytes(),
                Owned::App(p) => p.to_bytes(),
            }
            .unwrap();
            if i == last && padding.is_some() {
                let raw = packet.as_bytes();
                prop_assert_eq!(raw[0] & 0x20, 0x20);
                prop_assert_eq!(&raw[1..2], &alone[1..2]);
                prop_assert_eq!(&raw[4..alone.len()], &alone[4..]);
            } else {
                prop_assert_eq!(packet.as_bytes(), &alone[..]);
            }
        }
        read_everything(&compound);
    }

    /// Each packet type written alone parses alone.
    #[test]
    fn single_packets_parse_back_equal(packet in any_packet()) {
        let bytes = match &packet {
            Owned::Sr(p) => p.to_bytes(),
            Owned::Rr(p) => p.to_bytes(),
            Owned::Sdes(p) => p.to_bytes(),
            Owned::Bye(p) => p.to_bytes(),
            Owned::App(p) => p.to_bytes(),
        }
        .unwrap();
        let parsed = RtcpPacket::parse(&bytes).expect("built packet parses");
        prop_assert_eq!(owned(parsed), packet);
    }

    /// Arbitrary bytes: `Ok` or `Err`, never a panic, and a parsed datagram
    /// reads without panicking.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..=600)) {
        if let Ok(compound) = Compound::parse(&bytes) {
            read_everything(&compound);
        }
        if let Ok(compound) = Compound::parse_reduced_size(&bytes) {
            read_everything(&compound);
        }
        let _ = RtcpPacket::parse(&bytes);
    }

    /// Arbitrary bytes that look like RTCP (version 2 headers with small,
    /// plausible lengths) reach the per-type checks more often.
    #[test]
    fn rtcp_shaped_bytes_never_panic(
        packets in vec((any::<u8>(), 200u8..=206, vec(any::<[u8; 4]>(), 0..=12)), 1..=5),
        padded in any::<bool>(),
    ) {
        let mut bytes = Vec::new();
        for (first, pt, body) in &packets {
            bytes.push(0x80 | (first & 0x1f));
            bytes.push(*pt);
            bytes.extend_from_slice(&(body.len() as u16).to_be_bytes());
            bytes.extend_from_slice(&body.concat());
        }
        if padded {
            let last = bytes.len() - 4 * (packets.last().unwrap().2.len() + 1);
            bytes[last] |= 0x20;
        }
        if let Ok(compound) = Compound::parse(&bytes) {
            read_everything(&compound);
        }
        if let Ok(compound) = Compound::parse_reduced_size(&bytes) {
            read_everything(&compound);
        }
    }

    /// A valid datagram with bytes overwritten: `Ok` or `Err`, never a
    /// panic.
    #[test]
    fn mutated_compounds_never_panic(
        (packets, padding) in compound(),
        edits in vec((any::<usize>(), any::<u8>()), 1..=8),
    ) {
        let mut bytes = build(&packets, padding);
        for (at, value) in edits {
            let len = bytes.len();
            bytes[at % len] = value;
        }
        if let Ok(compound) = Compound::parse(&bytes) {
            read_everything(&compound);
        }
    }
}
