//! NTP timestamps, LSR/DLSR (RFC 3550 §4, §6.4.1) and error offsets.

use super::*;

/// RFC 3550 §6.4.1, Figure 2: an SR sent at ntp_sec=0xb44db705,
/// ntp_frac=0x20000000 ("10 Nov 1995 11:33:25.125 UTC") has LSR
/// 0xb705:2000; with A=0xb710:8000 and DLSR=0x0005:4000 the delay is
/// 0x0006:2000 (6.125 s).
#[test]
fn figure_2_round_trip_time() {
    let sent = UNIX_EPOCH + Duration::from_millis(816_003_205_125);
    let ntp = NtpTimestamp::from_system_time(sent);
    assert_eq!(ntp, NtpTimestamp::new(0xb44d_b705, 0x2000_0000));
    assert_eq!(ntp.middle_32(), 0xb705_2000);
    assert_eq!(dlsr_from_duration(Duration::from_millis(5250)), 0x0005_4000);
    assert_eq!(duration_from_dlsr(0x0005_4000), Duration::from_millis(5250));
    let arrival = NtpTimestamp::new(0xb44d_b710, 0x8000_0000);
    assert_eq!(
        round_trip_time(arrival, 0xb705_2000, 0x0005_4000),
        Some(Duration::from_millis(6125))
    );
    // Through a report block view.
    let rr = ReceiverReport::new(1)
        .report_block(ReportBlock {
            last_sr: 0xb705_2000,
            delay_since_last_sr: 0x0005_4000,
            ..ReportBlock::default()
        })
        .to_bytes()
        .unwrap();
    let RtcpPacket::ReceiverReport(view) = only(&rr) else {
        panic!()
    };
    let block = view.report_blocks().next().unwrap();
    assert_eq!(
        block.round_trip_time(arrival),
        Some(Duration::from_millis(6125))
    );
}

/// RFC 3550 §6.4.1, LSR: "If no SR has been received yet, the field is set
/// to zero." Such a block gives no round-trip time; neither does a DLSR
/// longer than the elapsed time (skewed clocks).
#[test]
fn round_trip_time_needs_an_sr() {
    let arrival = NtpTimestamp::new(0xb44d_b710, 0x8000_0000);
    assert_eq!(round_trip_time(arrival, 0, 0), None);
    assert_eq!(round_trip_time(arrival, 0xb705_2000, 0x00ff_0000), None);
    assert_eq!(round_trip_time(arrival, 0xb720_0000, 0), None);
    // Across the 16-bit seconds wrap of the compact form.
    let after_wrap = NtpTimestamp::new(0x0001_0000, 0x8000_0000);
    assert_eq!(
        round_trip_time(after_wrap, 0xffff_0000, 0x0001_0000),
        Some(Duration::from_millis(500))
    );
}

/// RFC 3550 §4: NTP time "is in seconds relative to 0h UTC on 1 January
/// 1900"; the fraction is "the fractional part in the last 32 bits".
#[test]
fn ntp_from_system_time_and_parts() {
    let epoch = NtpTimestamp::from_system_time(UNIX_EPOCH);
    assert_eq!(epoch.seconds(), 2_208_988_800);
    assert_eq!(epoch.fraction(), 0);
    let half = NtpTimestamp::from_unix_duration(Duration::from_millis(500));
    assert_eq!(half.fraction(), 0x8000_0000);
    assert_eq!(u64::from(half), half.as_u64());
    assert_eq!(NtpTimestamp::from(half.as_u64()), half);
    // Half a second before 1970.
    let before = NtpTimestamp::from_system_time(UNIX_EPOCH - Duration::from_millis(500));
    assert_eq!(before, NtpTimestamp::new(2_208_988_799, 0x8000_0000));
    // 2036: the seconds wrap to era 1.
    let era1 = NtpTimestamp::from_unix_duration(Duration::from_secs((1 << 32) - 2_208_988_800 + 5));
    assert_eq!(era1.seconds(), 5);
    assert_eq!(dlsr_from_duration(Duration::from_secs(1 << 20)), u32::MAX);
}

#[test]
fn every_parse_error_reports_its_offset() {
    for (err, offset) in [
        (RtcpError::TooShort { offset: 1 }, 1),
        (
            RtcpError::BadVersion {
                offset: 2,
                version: 1,
            },
            2,
        ),
        (RtcpError::BadLength { offset: 3 }, 3),
        (RtcpError::TrailingBytes { offset: 4 }, 4),
        (RtcpError::PaddingNotLast { offset: 5 }, 5),
        (RtcpError::BadPadding { offset: 6 }, 6),
        (RtcpError::FirstNotReport { packet_type: 202 }, 0),
        (RtcpError::BadReportCount { offset: 7 }, 7),
        (RtcpError::BadSdesChunk { offset: 8 }, 8),
        (RtcpError::BadSdesItem { offset: 9 }, 9),
        (RtcpError::BadByeCount { offset: 10 }, 10),
        (RtcpError::BadByeReason { offset: 11 }, 11),
    ] {
        assert_eq!(err.offset(), offset);
        assert!(!err.to_string().is_empty());
    }
    assert_eq!(std::mem::size_of::<RtcpError>(), 8);
}
