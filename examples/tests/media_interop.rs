//! The media side against a real peer: our user agent calls a baresip
//! agent through `sip-proxy`, negotiates PCMU with an SDP offer built by
//! `sipmob-rtp`'s offer/answer, then our RTP endpoint and baresip stream
//! to each other on loopback. Our receiver parses baresip's RTP and its
//! RFC 3550 statistics must show a clean stream; baresip must report our
//! stream as established.

mod common;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use common::*;
use sip_dialog::{driver, Body, UaConfig, UaEvent, UserAgent};
use sip_message::Uri;
use sip_transaction::{IdGenerator, LayerConfig, Runner, Sockets, Target};
use sipmob_rtp::endpoint::{EndpointConfig, RtpEndpoint};
use sipmob_rtp::sdp::{offer, Capabilities, Codec, Connection, MediaCapability, Origin};
use sipmob_rtp::{Sdp, Tone};

/// An RTP endpoint on a free even port (RTCP on the next one).
async fn rtp_endpoint() -> (
    RtpEndpoint,
    tokio::sync::mpsc::Receiver<sipmob_rtp::endpoint::Received>,
) {
    loop {
        let port = free_port() & !1;
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        if let Ok(ep) = RtpEndpoint::bind(EndpointConfig::pcmu(addr)).await {
            return ep;
        }
    }
}

/// RFC 3264 offer/answer and RFC 3550 RTP with baresip 1.0.0: a PCMU call,
/// three seconds of a 440 Hz tone each way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_endpoint_and_baresip_exchange_pcmu_with_clean_statistics() {
    require("baresip");
    let proxy = Program::start(
        env!("CARGO_BIN_EXE_sip-proxy"),
        &["--listen", "127.0.0.1:0", "--log", "info"],
    );
    let p = proxy.port();
    let bob = Baresip::start(
        &format!("media{}", std::process::id()),
        "bob",
        "",
        free_port(),
        p,
    );
    assert!(
        bob.wait_log(10, |l| l.contains("200 OK") && l.contains("binding")),
        "bob did not register:\n{}",
        bob.log()
    );

    // Our side: a UA core on its own socket, and an RTP endpoint.
    let sockets = Sockets::builder()
        .udp("127.0.0.1:0".parse().unwrap())
        .bind()
        .await
        .unwrap();
    let sip_addr = sockets.listeners()[0].1;
    let mut cfg = UaConfig::new(
        Uri::parse(&format!("sip:alice@127.0.0.1:{p}")).unwrap(),
        Uri::parse(&format!("sip:alice@{sip_addr}")).unwrap(),
    );
    cfg.outbound_proxy = Some(Target::udp(format!("127.0.0.1:{p}").parse().unwrap()));
    let layer = driver::layer_on(&sockets, LayerConfig::default(), IdGenerator::default());
    let (ua, mut events) = Runner::spawn(UserAgent::new(cfg, layer), sockets);
    let (rtp, mut incoming) = rtp_endpoint().await;
    let rtp_addr = rtp.local_addr().unwrap();

    // The offer: PCMU on our RTP port (RFC 3264 §5).
    let local: IpAddr = rtp_addr.ip();
    let mut caps = Capabilities::new(Origin::new("alice", 1, 1, local), Connection::new(local));
    caps.media.push(
        MediaCapability::new("audio", rtp_addr.port())
            .with_codec(Codec::pcmu())
            .with_ptime(20),
    );
    let our_offer = offer(&caps).to_string();
    let call = ua
        .with({
            let to = Uri::parse(&format!("sip:bob@127.0.0.1:{p}")).unwrap();
            let body = Body::sdp(our_offer.clone());
            move |ua, now| ua.call(now, to, Some(body))
        })
        .await
        .unwrap()
        .unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(ev) = events.recv().await {
            match ev {
                UaEvent::Answered { call: c, response } if c == call => {
                    return String::from_utf8(response.body().to_vec()).unwrap();
                }
                UaEvent::Failed { status, .. } => panic!("the call failed with {status}"),
                _ => {}
            }
        }
        panic!("the UA stopped");
    })
    .await
    .expect("baresip answered within 10 s");

    // Apply the answer: where baresip receives, and that PCMU was chosen.
    let sdp = Sdp::parse(&answer).expect("baresip's answer parses");
    let audio = sdp.media.first().expect("an audio stream");
    let conn = sdp
        .media_connection(audio)
        .and_then(|c| c.ip())
        .expect("a connection address");
    assert_ne!(audio.port, 0, "baresip accepted the stream:\n{answer}");
    assert!(audio.formats().any(|f| f == "0"), "PCMU kept:\n{answer}");
    rtp.set_remote(SocketAddr::new(conn, audio.port));

    let mut tone = Tone::new(440.0, 8000, 8000);
    let frames: Vec<Vec<u8>> = (0..150)
        .map(|_| {
            let mut f = vec![0u8; 160];
            tone.fill_frame_ulaw(&mut f);
            f
        })
        .collect();
    rtp.stream(&frames, Duration::from_millis(20), 160)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut payloads = 0;
    while let Ok(p) = incoming.try_recv() {
        assert_eq!((p.payload_type, p.payload.len()), (0, 160));
        payloads += 1;
    }
    let stats = rtp.stats();
    println!("our endpoint: {stats:?}; {payloads} payloads from baresip");
    let src = stats
        .sources
        .first()
        .copied()
        .expect("baresip's RTP reached our endpoint");
    // About 3 s of 20 ms packets (baresip starts when it answers).
    assert!(src.received >= 100, "{src:?}");
    assert_eq!((src.lost, src.duplicates), (0, 0), "{src:?}");
    // RFC 3550 A.8, in 1/8000 s: under 20 ms on loopback.
    assert!(src.jitter < 160, "{src:?}");
    assert!(
        bob.wait_log(5, |l| l.contains("incoming rtp for 'audio' established")),
        "baresip did not report our stream:\n{}",
        bob.log()
    );

    ua.with(move |ua, now| ua.hangup(now, call))
        .await
        .unwrap()
        .unwrap();
    assert!(
        bob.wait_log(10, |l| l.contains("terminated (duration")),
        "{}",
        bob.log()
    );
    rtp.shutdown().await;
    ua.shutdown().await;
}
