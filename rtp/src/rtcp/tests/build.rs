//! What the builders refuse to write.

use super::*;

#[test]
fn builders_refuse_what_the_wire_cannot_carry() {
    let too_many_blocks = ReceiverReport {
        ssrc: 1,
        report_blocks: vec![ReportBlock::default(); 32],
        extension: Vec::new(),
    };
    assert_eq!(
        too_many_blocks.to_bytes(),
        Err(RtcpBuildError::TooManyReportBlocks { count: 32 })
    );
    let odd_extension = SenderReport {
        extension: vec![1, 2, 3],
        ..SenderReport::new(1)
    };
    assert_eq!(
        odd_extension.to_bytes(),
        Err(RtcpBuildError::NotWordAligned { len: 3 })
    );
    let too_many_chunks = Sdes {
        chunks: vec![SdesChunk::new(1); 32],
    };
    assert_eq!(
        too_many_chunks.to_bytes(),
        Err(RtcpBuildError::TooManySdesChunks { count: 32 })
    );
    let long_item = Sdes::cname(1, vec![b'x'; 256]);
    assert_eq!(
        long_item.to_bytes(),
        Err(RtcpBuildError::SdesItemTooLong { len: 256 })
    );
    let end_item =
        Sdes::new().chunk(SdesChunk::new(1).item(SdesItem::new(SdesItemType::Other(0), "x")));
    assert_eq!(end_item.to_bytes(), Err(RtcpBuildError::SdesItemIsEnd));
    let too_long = Sdes::new().chunk(SdesChunk {
        ssrc: 1,
        items: vec![SdesItem::cname(vec![b'x'; 255]); 1100],
    });
    assert_eq!(
        too_long.to_bytes(),
        Err(RtcpBuildError::PacketTooLong {
            len: 4 + 4 + 1100 * 257 + 4
        })
    );
    let many_sources = Goodbye {
        sources: vec![1; 32],
        reason: None,
    };
    assert_eq!(
        many_sources.to_bytes(),
        Err(RtcpBuildError::TooManyByeSources { count: 32 })
    );
    let long_reason = Goodbye::new(1).reason(vec![b'r'; 256]);
    assert_eq!(
        long_reason.to_bytes(),
        Err(RtcpBuildError::ByeReasonTooLong { len: 256 })
    );
    assert_eq!(
        App::new(1, *b"TEST", 32).to_bytes(),
        Err(RtcpBuildError::AppSubtypeTooLarge { subtype: 32 })
    );
    assert_eq!(
        App::new(1, *b"TEST", 0).data(vec![0; 6]).to_bytes(),
        Err(RtcpBuildError::NotWordAligned { len: 6 })
    );
    let mut small = [0u8; 7];
    assert_eq!(
        ReceiverReport::new(1).write_into(&mut small),
        Err(RtcpBuildError::BufferTooSmall {
            needed: 8,
            available: 7
        })
    );
}

#[test]
fn compound_builder_refuses_bad_compounds() {
    assert_eq!(
        CompoundBuilder::new().to_bytes(),
        Err(RtcpBuildError::FirstNotReport)
    );
    assert_eq!(
        CompoundBuilder::new().sdes(Sdes::cname(1, "a")).to_bytes(),
        Err(RtcpBuildError::FirstNotReport)
    );
    let rr = || CompoundBuilder::new().receiver_report(ReceiverReport::new(1));
    assert_eq!(
        rr().padding(3).to_bytes(),
        Err(RtcpBuildError::BadPadding { octets: 3 })
    );
    assert_eq!(
        rr().padding(0).to_bytes(),
        Err(RtcpBuildError::BadPadding { octets: 0 })
    );
    assert_eq!(
        rr().pad_to_multiple_of(6).to_bytes(),
        Err(RtcpBuildError::BadPadding { octets: 6 })
    );
    assert_eq!(
        rr().raw_packet(vec![0x80, 205, 0, 2, 0, 0, 0, 1])
            .to_bytes(),
        Err(RtcpBuildError::BadRawPacket)
    );
    assert_eq!(
        rr().raw_packet(vec![0x80, 205, 0]).to_bytes(),
        Err(RtcpBuildError::NotWordAligned { len: 3 })
    );
    assert_eq!(
        rr().raw_packet(vec![0xa0, 205, 0, 0]).to_bytes(),
        Err(RtcpBuildError::BadRawPacket)
    );
    // A raw RR may lead.
    let raw_rr = ReceiverReport::new(5).to_bytes().unwrap();
    assert!(CompoundBuilder::new().raw_packet(raw_rr).to_bytes().is_ok());
    // A failed append leaves the vector as it was; a short slice is refused.
    let mut out = vec![9u8; 3];
    assert!(rr()
        .app(App::new(1, *b"TEST", 99))
        .write_to_vec(&mut out)
        .is_err());
    assert_eq!(out, [9, 9, 9]);
    let mut short = [0u8; 8];
    assert_eq!(
        rr().goodbye(Goodbye::new(1)).write_into(&mut short),
        Err(RtcpBuildError::BufferTooSmall {
            needed: 16,
            available: 8
        })
    );
}
