//! The tokio endpoint on loopback: a paced G.711 stream with RFC 3550
//! statistics and RTCP both ways, and a hand-off of the running stream to
//! a new address.

#![cfg(feature = "tokio")]

use std::net::SocketAddr;
use std::time::Duration;

use sipmob_rtp::endpoint::{EndpointConfig, RtpEndpoint};
use sipmob_rtp::g711::Tone;

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

fn tone_frames(n: usize) -> Vec<Vec<u8>> {
    let mut tone = Tone::new(440.0, 8000, 8000);
    (0..n)
        .map(|_| {
            let mut f = vec![0u8; 160];
            tone.fill_frame_ulaw(&mut f);
            f
        })
        .collect()
}

/// Binds an endpoint on a free even port (RTCP on the next one).
async fn endpoint() -> (
    RtpEndpoint,
    tokio::sync::mpsc::Receiver<sipmob_rtp::endpoint::Received>,
) {
    loop {
        let probe = std::net::UdpSocket::bind(loopback()).unwrap();
        let port = probe.local_addr().unwrap().port() & !1;
        drop(probe);
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        if let Ok(ep) = RtpEndpoint::bind(EndpointConfig::pcmu(addr)).await {
            return ep;
        }
    }
}

/// RFC 3550 A.1/A.3/A.8 on a real stream: 150 paced PCMU packets arrive
/// with no loss and little jitter (the first one only starts the source's
/// probation), each side's RTCP reaches the other (the first report is
/// due within 0.5-1.5 x 2.5 s / (e - 3/2), A.7), and payloads come out in
/// order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paced_stream_with_statistics_and_rtcp() {
    let (a, _a_in) = endpoint().await;
    let (b, mut b_in) = endpoint().await;
    a.set_remote(b.local_addr().unwrap());
    b.set_remote(a.local_addr().unwrap());
    let frames = tone_frames(150);
    let sent = a
        .stream(&frames, Duration::from_millis(20), 160)
        .await
        .unwrap();
    assert_eq!(sent, 150);
    // The last packets are still on their way.
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Let RTCP go both ways.
    let until = tokio::time::Instant::now() + Duration::from_secs(6);
    while tokio::time::Instant::now() < until
        && (b.stats().rtcp_received == 0 || a.stats().rtcp_received == 0)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut got = Vec::new();
    while let Ok(p) = b_in.try_recv() {
        got.push(p);
    }
    let bs = b.stats();
    println!("b: {bs:?}\na: {:?}", a.stats());
    assert_eq!(bs.sources.len(), 1);
    let src = bs.sources[0];
    assert_eq!(src.ssrc, a.ssrc());
    assert_eq!(
        (src.received, src.expected, src.lost, src.duplicates),
        (149, 149, 0, 0)
    );
    // Loopback pacing by tokio timers: well under 10 ms (80 units).
    assert!(src.jitter < 80, "jitter {}", src.jitter);
    // The application gets every payload, the one held for probation too.
    assert_eq!(got.len(), 150);
    assert!(got
        .windows(2)
        .all(|w| w[1].sequence_number == w[0].sequence_number.wrapping_add(1)));
    assert!(got
        .iter()
        .all(|p| p.payload.len() == 160 && p.payload_type == 0));
    assert_eq!(got[0].payload, frames[0]);
    assert!(got[0].marker && !got[1].marker);
    assert!(bs.rtcp_received >= 1, "b got a's SR");
    assert!(a.stats().rtcp_received >= 1, "a got b's RR");
    assert_eq!(a.stats().packets_sent, 150);
    assert_eq!(a.stats().octets_sent, 150 * 160);
    a.shutdown().await;
    b.shutdown().await;
}

/// The hand-off: the far end moved, `set_remote` points the running
/// stream at its new address, and the new address gets the continuation —
/// the next sequence number, the timestamp 160 further — with nothing lost
/// in between.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_remote_moves_a_running_stream_without_a_gap() {
    let (a, _a_in) = endpoint().await;
    let (old, mut old_in) = endpoint().await;
    let (new, mut new_in) = endpoint().await;
    a.set_remote(old.local_addr().unwrap());
    let frames = tone_frames(60);
    a.stream(&frames[..30], Duration::from_millis(20), 160)
        .await
        .unwrap();
    a.set_remote(new.local_addr().unwrap());
    a.stream(&frames[30..], Duration::from_millis(20), 160)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut before = Vec::new();
    while let Ok(p) = old_in.try_recv() {
        before.push(p);
    }
    let mut after = Vec::new();
    while let Ok(p) = new_in.try_recv() {
        after.push(p);
    }
    // The old address got packets 0..30, the new one 30..60.
    assert_eq!((before.len(), after.len()), (30, 30));
    let last = before.last().unwrap();
    let first = after.first().unwrap();
    assert_eq!(first.sequence_number, last.sequence_number.wrapping_add(1));
    assert_eq!(first.timestamp, last.timestamp.wrapping_add(160));
    assert_eq!(first.ssrc, last.ssrc);
    assert_eq!(old.stats().sources[0].lost, 0);
    assert_eq!(new.stats().sources[0].lost, 0);
    for e in [a, old, new] {
        e.shutdown().await;
    }
}
