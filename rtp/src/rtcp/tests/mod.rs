//! RFC 3550 §6 rules, one test each, on datagrams built by hand from the
//! packet diagrams.

use std::time::{Duration, UNIX_EPOCH};

use super::*;

mod build;
mod bye_app;
mod compound;
mod ntp;
mod report;
mod sdes;

/// Concatenates big-endian words and raw byte runs into a datagram.
fn bytes(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn w(value: u32) -> [u8; 4] {
    value.to_be_bytes()
}

/// An SR from 0x11223344 with one report block and one extension word,
/// laid out as in §6.4.1.
fn hand_sr() -> Vec<u8> {
    bytes(&[
        &[0x81, 200, 0, 13],       // V=2 P=0 RC=1, PT=200, length 13 (56 bytes)
        &w(0x1122_3344),           // SSRC of sender
        &w(0xb44d_b705),           // NTP timestamp, most significant word
        &w(0x2000_0000),           // NTP timestamp, least significant word
        &w(0x0001_0000),           // RTP timestamp
        &w(500),                   // sender's packet count
        &w(80_000),                // sender's octet count
        &w(0xaabb_ccdd),           // SSRC_1
        &[0x40, 0xff, 0xff, 0xfe], // fraction lost 64/256, cumulative -2
        &w(0x0002_0010),           // extended highest sequence number
        &w(77),                    // interarrival jitter
        &w(0xb705_2000),           // LSR
        &w(0x0005_4000),           // DLSR
        &w(0xcafe_f00d),           // profile-specific extension
    ])
}

/// SDES with one chunk: CNAME "doe@sleepy.example.com" (22 octets).
fn hand_sdes_cname(ssrc: u32) -> Vec<u8> {
    let cname = b"doe@sleepy.example.com";
    // 4 SSRC + 2 + 22 + END = 29, padded to 32: length (4 + 32) / 4 - 1 = 8.
    bytes(&[&[0x81, 202, 0, 8], &w(ssrc), &[1, 22], cname, &[0, 0, 0, 0]])
}

fn only(buf: &[u8]) -> RtcpPacket<'_> {
    RtcpPacket::parse(buf).expect("valid packet")
}
