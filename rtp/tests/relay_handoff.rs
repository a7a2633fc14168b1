//! The hand-off through the relay, on loopback: a sender streams 20 ms
//! G.711 packets to a receiver through the [`Relay`]; halfway through, the
//! relay's destination switches to a second receiver (the moving party's
//! new address). Across the switch no packet may be lost or duplicated:
//! every sequence number arrives exactly once, at the old receiver before
//! the switch and at the new one after it.

#![cfg(feature = "tokio")]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use sipmob_rtp::g711::Tone;
use sipmob_rtp::packet::{RtpHeader, RtpPacket};
use sipmob_rtp::relay::{Relay, Side};
use sipmob_rtp::session::ReceiverStats;
use tokio::net::UdpSocket;

/// A 20 ms PCMU packet of a 440 Hz tone: payload type 0, timestamp
/// seq * 160, SSRC 0x11223344.
fn pcmu(seq: u16) -> Vec<u8> {
    let mut tone = Tone::new(440.0, 8000, 8000);
    let mut frame = [0u8; 160];
    tone.fill_frame_ulaw(&mut frame);
    RtpHeader::new(0, seq, u32::from(seq) * 160, 0x1122_3344)
        .to_bytes(&frame)
        .unwrap()
}

/// Collects the sequence numbers arriving on `sock` until `quiet` passes
/// without a packet.
async fn collect(sock: UdpSocket, quiet: Duration) -> Vec<u16> {
    let mut seqs = Vec::new();
    let mut buf = [0u8; 2048];
    // The first packet may take the whole stream's length to come.
    let mut wait = Duration::from_secs(10);
    while let Ok(Ok((n, _))) = tokio::time::timeout(wait, sock.recv_from(&mut buf)).await {
        if let Ok(p) = RtpPacket::parse(&buf[..n]) {
            seqs.push(p.sequence_number());
        }
        wait = quiet;
    }
    seqs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_switch_mid_stream_loses_and_duplicates_nothing() {
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let relay = Relay::bind(any, any).await.unwrap();
    let (side_a, _side_b) = relay.local_addrs();
    let old = UdpSocket::bind(any).await.unwrap();
    let new = UdpSocket::bind(any).await.unwrap();
    let (old_addr, new_addr) = (old.local_addr().unwrap(), new.local_addr().unwrap());
    relay.set_peer(Side::B, old_addr);
    let sender = UdpSocket::bind(any).await.unwrap();

    let rx_old = tokio::spawn(collect(old, Duration::from_millis(500)));
    let rx_new = tokio::spawn(collect(new, Duration::from_millis(500)));

    const PACKETS: u16 = 150;
    const SWITCH_AT: u16 = 75;
    let start = tokio::time::Instant::now();
    for seq in 0..PACKETS {
        // Paced by the timestamps: one packet every 20 ms.
        tokio::time::sleep_until(start + Duration::from_millis(20 * u64::from(seq))).await;
        if seq == SWITCH_AT {
            // The hand-off: the relay learns the new address while packets
            // are on their way.
            relay.set_peer(Side::B, new_addr);
        }
        sender.send_to(&pcmu(seq), side_a).await.unwrap();
    }
    let old_seqs = rx_old.await.unwrap();
    let new_seqs = rx_new.await.unwrap();

    let mut count: BTreeMap<u16, u32> = BTreeMap::new();
    for s in old_seqs.iter().chain(&new_seqs) {
        *count.entry(*s).or_default() += 1;
    }
    let lost = (0..PACKETS).filter(|s| !count.contains_key(s)).count();
    let duplicated: u32 = count.values().map(|c| c - 1).sum();
    println!(
        "relay hand-off: {} packets sent, {} at the old address, {} at the new one, {} lost, {} duplicated; relay {:?}",
        PACKETS,
        old_seqs.len(),
        new_seqs.len(),
        lost,
        duplicated,
        relay.stats()
    );
    assert_eq!((lost, duplicated), (0, 0));
    // Everything before the switch went to the old address, everything
    // after to the new one.
    assert!(old_seqs.iter().all(|s| *s < SWITCH_AT), "{old_seqs:?}");
    assert!(new_seqs.iter().all(|s| *s >= SWITCH_AT), "{new_seqs:?}");
    assert_eq!(relay.stats().a_to_b, u64::from(PACKETS));
    assert_eq!(relay.stats().switches, 1);
    // The receiver's view of the stream across both legs: RFC 3550 A.1/A.3
    // statistics see no loss and no duplicate.
    let mut stats = ReceiverStats::new(8000);
    #[allow(clippy::disallowed_methods)]
    let t0 = Instant::now();
    for s in old_seqs.iter().chain(&new_seqs) {
        stats.on_packet(
            t0 + Duration::from_millis(20 * u64::from(*s)),
            *s,
            u32::from(*s) * 160,
        );
    }
    assert_eq!((stats.lost(), stats.duplicates()), (0, 0));
    relay.shutdown().await;
}

/// A side whose peer is not set learns it from the first packet that
/// arrives there (symmetric RTP), so the callee's answers find the caller
/// without being told; a peer set explicitly is not replaced by latching.
#[tokio::test]
async fn unset_peers_are_latched_from_the_first_packet() {
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let relay = Relay::bind(any, any).await.unwrap();
    let (a, b) = relay.local_addrs();
    let caller = UdpSocket::bind(any).await.unwrap();
    let callee = UdpSocket::bind(any).await.unwrap();
    relay.set_peer(Side::B, callee.local_addr().unwrap());
    // Nothing known about A yet: the callee's packet is dropped.
    callee.send_to(&pcmu(1), b).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(relay.stats().dropped, 1);
    // The caller speaks first on A: latched.
    caller.send_to(&pcmu(2), a).await.unwrap();
    let mut buf = [0u8; 2048];
    let (n, from) = tokio::time::timeout(Duration::from_secs(5), callee.recv_from(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((n, from), (172, b));
    assert_eq!(relay.peer(Side::A), Some(caller.local_addr().unwrap()));
    callee.send_to(&pcmu(3), b).await.unwrap();
    let (n, from) = tokio::time::timeout(Duration::from_secs(5), caller.recv_from(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((n, from), (172, a));
    // A stranger on side B does not take over the pinned peer.
    let stranger = UdpSocket::bind(any).await.unwrap();
    stranger.send_to(&pcmu(4), b).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(relay.peer(Side::B), Some(callee.local_addr().unwrap()));
    relay.shutdown().await;
}
