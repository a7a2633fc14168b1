//! The tokio driver on real loopback sockets: UDP and TCP, IPv4 and IPv6,
//! connection reuse, the 1300-byte switch to TCP, idle timeout, caps,
//! failover and shutdown.

// Loopback tests of the tokio driver read the real clock.
#![allow(clippy::disallowed_methods)]

use std::net::SocketAddr;
use std::time::Duration;

use sip_message::{HeaderName, Message, Method, Uri};
use sip_transaction::{
    ClientUpdate, Endpoint, Error, Incoming, LayerConfig, Received, Sockets, Target, TcpConfig,
    TimerConfig, Transport,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

const WAIT: Duration = Duration::from_secs(10);

fn request(method: Method, to: SocketAddr, extra: &[(&str, &str)]) -> Message {
    let host = match to {
        SocketAddr::V4(a) => a.to_string(),
        SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
    };
    let mut b = Message::request(
        method.clone(),
        Uri::parse(&format!("sip:echo@{host}")).unwrap(),
    )
    .header("To", "<sip:echo@example.test>")
    .header("From", "<sip:tester@example.test>;tag=t1")
    .header("Call-ID", &format!("{}@driver-test", rand_id()))
    .header("CSeq", &format!("1 {method}"))
    .header("Max-Forwards", "70");
    for (n, v) in extra {
        b = b.header(*n, v);
    }
    b.build().unwrap()
}

fn rand_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    N.fetch_add(1, Ordering::Relaxed)
}

async fn bind(ip: &str, tcp_cfg: TcpConfig, cfg: LayerConfig) -> (Endpoint, Incoming) {
    let addr: SocketAddr = format!("{ip}:0").parse().unwrap();
    // Bind UDP first, then TCP on the same port number when possible.
    let (ep, inc) = Endpoint::builder()
        .udp(addr)
        .tcp(addr)
        .tcp_config(tcp_cfg)
        .config(cfg)
        .bind()
        .await
        .unwrap();
    (ep, inc)
}

/// A UAS that answers every request 200, echoing the request body length
/// in a header, until its endpoint shuts down.
fn serve(mut incoming: Incoming) -> tokio::task::JoinHandle<usize> {
    tokio::spawn(async move {
        let mut served = 0;
        while let Some(r) = incoming.recv().await {
            if let Received::Request(tx) = r {
                let len = tx.request().body().len().to_string();
                let ok = tx
                    .request()
                    .response_to(200, Some("uas"))
                    .unwrap()
                    .header("X-Body-Length", &len)
                    .header("X-Transport", tx.source().transport.as_str())
                    .build()
                    .unwrap();
                tx.respond(ok).await.unwrap();
                served += 1;
            }
        }
        served
    })
}

async fn options_roundtrip(client: &Endpoint, target: Target) -> Message {
    let mut tx = client
        .send_request(request(Method::Options, target.addr, &[]), target)
        .await
        .unwrap();
    tokio::time::timeout(WAIT, tx.final_response())
        .await
        .expect("answered in time")
        .unwrap()
}

#[tokio::test]
async fn udp_ipv4_request_and_response() {
    let (server, inc) = bind("127.0.0.1", TcpConfig::default(), LayerConfig::default()).await;
    let served = serve(inc);
    let (client, _ci) = bind("127.0.0.1", TcpConfig::default(), LayerConfig::default()).await;
    let to = Target::udp(server.local_addr(Transport::Udp).unwrap());
    let r = options_roundtrip(&client, to).await;
    assert_eq!(r.status(), Some(200));
    assert_eq!(r.header(&HeaderName::from("X-Transport")), Some("UDP"));
    server.shutdown().await;
    assert_eq!(served.await.unwrap(), 1);
}

#[tokio::test]
async fn tcp_ipv6_request_and_response_reuse_one_connection() {
    let (server, inc) = bind("[::1]", TcpConfig::default(), LayerConfig::default()).await;
    let _served = serve(inc);
    let (client, _ci) = bind("[::1]", TcpConfig::default(), LayerConfig::default()).await;
    let to = Target::tcp(server.local_addr(Transport::Tcp).unwrap());
    for _ in 0..5 {
        let r = options_roundtrip(&client, to).await;
        assert_eq!(r.header(&HeaderName::from("X-Transport")), Some("TCP"));
    }
    // Five requests, their responses, one connection each side (RFC 3261
    // §18.1.1 reuse for requests, §18.2.2 for responses).
    assert_eq!(client.stats().await.unwrap().connections, 1);
    assert_eq!(server.stats().await.unwrap().connections, 1);
    server.shutdown().await;
    client.shutdown().await;
}

#[tokio::test]
async fn udp_ipv6_works_too() {
    let (server, inc) = bind("[::1]", TcpConfig::default(), LayerConfig::default()).await;
    let _served = serve(inc);
    let (client, _ci) = bind("[::1]", TcpConfig::default(), LayerConfig::default()).await;
    let r = options_roundtrip(
        &client,
        Target::udp(server.local_addr(Transport::Udp).unwrap()),
    )
    .await;
    assert_eq!(r.status(), Some(200));
}

/// RFC 3261 §18.1.1: a request over 1300 bytes aimed at UDP goes over TCP.
#[tokio::test]
async fn large_request_switches_to_tcp() {
    let (server, inc) = bind("127.0.0.1", TcpConfig::default(), LayerConfig::default()).await;
    let _served = serve(inc);
    let (client, _ci) = bind("127.0.0.1", TcpConfig::default(), LayerConfig::default()).await;
    // Same port number for UDP and TCP is not guaranteed with port 0, so
    // point the UDP target at the server's TCP port: the switch keeps the
    // address and changes the transport.
    let to = Target::udp(server.local_addr(Transport::Tcp).unwrap());
    let mut big = request(Method::Message, to.addr, &[]);
    big.set_body(vec![b'x'; 2000].into(), Some("text/plain"));
    let mut tx = client.send_request(big, to).await.unwrap();
    let r = tokio::time::timeout(WAIT, tx.final_response())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.header(&HeaderName::from("X-Transport")), Some("TCP"));
    assert_eq!(r.header(&HeaderName::from("X-Body-Length")), Some("2000"));
}

/// An idle connection is closed after the idle timeout.
#[tokio::test]
async fn idle_tcp_connections_close() {
    let cfg = TcpConfig {
        idle_timeout: Duration::from_millis(300),
        ..TcpConfig::default()
    };
    let (server, inc) = bind("127.0.0.1", cfg, LayerConfig::default()).await;
    let _served = serve(inc);
    let (client, _ci) = bind("127.0.0.1", cfg, LayerConfig::default()).await;
    options_roundtrip(
        &client,
        Target::tcp(server.local_addr(Transport::Tcp).unwrap()),
    )
    .await;
    assert_eq!(server.stats().await.unwrap().connections, 1);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(server.stats().await.unwrap().connections, 0);
    assert_eq!(client.stats().await.unwrap().connections, 0);
}

/// Connections beyond the cap are closed at once; a peer that sends half
/// a message and stalls is dropped at the idle timeout; one that sends an
/// oversized head is dropped at once. The server keeps serving throughout.
#[tokio::test]
async fn tcp_caps_hold_against_greedy_peers() {
    let cfg = TcpConfig {
        idle_timeout: Duration::from_millis(500),
        max_connections: 2,
        ..TcpConfig::default()
    };
    let layer = LayerConfig {
        max_message_size: 4096,
        ..LayerConfig::default()
    };
    let (server, inc) = bind("127.0.0.1", cfg, layer).await;
    let _served = serve(inc);
    let addr = server.local_addr(Transport::Tcp).unwrap();

    // A slow peer: half a request, then silence.
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP h")
        .await
        .unwrap();
    // An oversized head: closed as soon as it passes the limit.
    let mut big = TcpStream::connect(addr).await.unwrap();
    let _ = big.write_all(&vec![b'a'; 8192]).await;
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(WAIT, big.read(&mut buf))
        .await
        .unwrap();
    assert!(matches!(n, Ok(0) | Err(_)), "oversized peer closed: {n:?}");

    // The slow one fills a slot; with the big one gone there is room for one
    // more, and a third connection beyond the cap is refused.
    let _second = TcpStream::connect(addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut third = TcpStream::connect(addr).await.unwrap();
    let n = tokio::time::timeout(WAIT, third.read(&mut buf))
        .await
        .unwrap();
    assert!(
        matches!(n, Ok(0) | Err(_)),
        "connection over the cap closed: {n:?}"
    );

    // The slow peer is cut off by the idle timeout.
    let n = tokio::time::timeout(WAIT, slow.read(&mut buf))
        .await
        .unwrap();
    assert!(matches!(n, Ok(0) | Err(_)));

    // And the server still answers over UDP.
    let (client, _ci) = bind("127.0.0.1", TcpConfig::default(), LayerConfig::default()).await;
    let r = options_roundtrip(
        &client,
        Target::udp(server.local_addr(Transport::Udp).unwrap()),
    )
    .await;
    assert_eq!(r.status(), Some(200));
}

/// A peer that trickles a message one byte at a time is never idle, but
/// the message must be complete within `message_timeout` (slowloris); a
/// peer that streams whole messages is not cut off by it.
#[tokio::test]
async fn tcp_trickling_peer_is_cut_off_at_the_message_timeout() {
    let cfg = TcpConfig {
        idle_timeout: Duration::from_secs(30),
        message_timeout: Duration::from_millis(600),
        ..TcpConfig::default()
    };
    let (server, inc) = bind("127.0.0.1", cfg, LayerConfig::default()).await;
    let _served = serve(inc);
    let addr = server.local_addr(Transport::Tcp).unwrap();
    let mut slow = TcpStream::connect(addr).await.unwrap();
    let head =
        b"OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP host;branch=z9hG4bKtrickle\r\n";
    let started = tokio::time::Instant::now();
    let mut closed = false;
    for b in head.iter().cycle().take(200) {
        if slow.write_all(&[*b]).await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        let mut buf = [0u8; 1];
        if let Ok(r) = tokio::time::timeout(Duration::from_millis(1), slow.read(&mut buf)).await {
            assert!(matches!(r, Ok(0) | Err(_)), "no answer to half a message");
            closed = true;
            break;
        }
    }
    assert!(closed, "the trickling peer was cut off");
    // Well before the 30 s idle timeout, and not before the message timeout.
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(600), "{took:?}");
    assert!(took < Duration::from_secs(10), "{took:?}");

    // A peer sending whole requests, one every 200 ms for longer than the
    // message timeout, keeps its connection and gets every answer.
    let (client, _ci) = bind("127.0.0.1", TcpConfig::default(), LayerConfig::default()).await;
    for _ in 0..6 {
        let r = options_roundtrip(&client, Target::tcp(addr)).await;
        assert_eq!(r.status(), Some(200));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(client.stats().await.unwrap().connections, 1);
}

/// `recv_buffer` sets SO_RCVBUF on every UDP socket before it is bound
/// (Linux reports twice the size asked for, up to `net.core.rmem_max`).
#[tokio::test]
async fn udp_receive_buffer_is_the_one_asked_for() {
    let small = Sockets::builder()
        .udp("127.0.0.1:0".parse().unwrap())
        .recv_buffer(64 * 1024)
        .bind()
        .await
        .unwrap();
    let big = Sockets::builder()
        .udp_and_tcp("127.0.0.1:0".parse().unwrap())
        .recv_buffer(128 * 1024)
        .bind()
        .await
        .unwrap();
    let s = small.udp_recv_buffers();
    let b = big.udp_recv_buffers();
    assert_eq!(s.len(), 1);
    assert_eq!(b.len(), 1);
    assert!(s[0].1 >= 64 * 1024, "{s:?}");
    assert!(b[0].1 > s[0].1, "{b:?} vs {s:?}");
    // One port for both transports.
    let l = big.listeners();
    assert_eq!(l.len(), 2);
    assert_eq!(l[0].1, l[1].1);
}

/// A malformed datagram gets a 400 and the server keeps serving.
#[tokio::test]
async fn malformed_udp_gets_400_and_service_continues() {
    let (server, inc) = bind("127.0.0.1", TcpConfig::default(), LayerConfig::default()).await;
    let _served = serve(inc);
    let to = server.local_addr(Transport::Udp).unwrap();
    let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let me = sock.local_addr().unwrap();
    let bad = format!(
        "OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bKbad\r\nTo: <sip:x@y>\r\nFrom: <sip:a@b>;tag=1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
    );
    sock.send_to(bad.as_bytes(), to).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let (n, _) = tokio::time::timeout(WAIT, sock.recv_from(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let resp = Message::parse(buf[..n].to_vec().into()).unwrap();
    assert_eq!(resp.status(), Some(400));
    assert!(resp
        .header(&HeaderName::Warning)
        .unwrap()
        .contains("Call-ID"));
    sock.send_to(b"\x16\x03\x01 not sip at all", to)
        .await
        .unwrap();
    let (client, _ci) = bind("127.0.0.1", TcpConfig::default(), LayerConfig::default()).await;
    let r = options_roundtrip(&client, Target::udp(to)).await;
    assert_eq!(r.status(), Some(200));
}

/// RFC 3263 §4.3: on a transport error the client tries the next target.
#[tokio::test]
async fn failover_skips_a_dead_target() {
    let (server, inc) = bind("127.0.0.1", TcpConfig::default(), LayerConfig::default()).await;
    let _served = serve(inc);
    let (client, _ci) = bind("127.0.0.1", TcpConfig::default(), LayerConfig::default()).await;
    // A TCP port with nothing listening: connection refused at once.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let live = Target::udp(server.local_addr(Transport::Udp).unwrap());
    let req = request(Method::Options, live.addr, &[]);
    let (used, r) = tokio::time::timeout(
        WAIT,
        client.send_with_failover(req, &[Target::tcp(dead), live], true),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(used, live);
    assert_eq!(r.status(), Some(200));
}

/// A layer on a fast clock: T1 = 10 ms, so Timer F fires after 640 ms.
fn fast_timers() -> LayerConfig {
    let mut timers = TimerConfig::default();
    timers.t1(Duration::from_millis(10));
    LayerConfig {
        timers,
        ..LayerConfig::default()
    }
}

/// How many datagrams `sock` has queued (it stops at a 20 ms lull).
async fn datagrams_waiting(sock: &UdpSocket) -> usize {
    let mut buf = vec![0u8; 2048];
    let mut n = 0;
    while let Ok(Ok(_)) =
        tokio::time::timeout(Duration::from_millis(20), sock.recv_from(&mut buf)).await
    {
        n += 1;
    }
    n
}

/// RFC 3263 §4.3: on a timeout the client tries the next target too. The
/// first target is a UDP socket that never answers (so no ICMP error
/// either): the transaction retransmits to it (Timer E), times out at
/// 64*T1 (Timer F, T1 = 10 ms here), and the same request goes to the
/// second target, which answers.
#[tokio::test]
async fn failover_after_a_timeout_tries_the_next_target() {
    let (server, inc) = bind("127.0.0.1", TcpConfig::default(), LayerConfig::default()).await;
    let _served = serve(inc);
    let (client, _ci) = bind("127.0.0.1", TcpConfig::default(), fast_timers()).await;
    let silent = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let silent_target = Target::udp(silent.local_addr().unwrap());
    let live = Target::udp(server.local_addr(Transport::Udp).unwrap());
    let req = request(Method::Options, live.addr, &[]);
    let started = tokio::time::Instant::now();
    let (used, r) = tokio::time::timeout(
        WAIT,
        client.send_with_failover(req, &[silent_target, live], true),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(used, live);
    assert_eq!(r.status(), Some(200));
    assert!(
        started.elapsed() >= Duration::from_millis(640),
        "not before Timer F"
    );
    let copies = datagrams_waiting(&silent).await;
    assert!(copies >= 5, "the silent target got {copies} copies");
}

/// A TCP target that refuses the connection fails the transaction with a
/// transport error instead of waiting for Timer F.
#[tokio::test]
async fn refused_tcp_connection_is_a_transport_error() {
    let (client, _ci) = bind("127.0.0.1", TcpConfig::default(), LayerConfig::default()).await;
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let mut tx = client
        .send_request(request(Method::Options, dead, &[]), Target::tcp(dead))
        .await
        .unwrap();
    let u = tokio::time::timeout(WAIT, tx.next()).await.unwrap();
    assert!(matches!(u, Some(ClientUpdate::TransportError)), "{u:?}");
    assert!(tx.next().await.is_none(), "the transaction ended");
}

/// Timer F over UDP on a fast clock (T1 = 10 ms): a silent target gives
/// TimedOut after 64*T1.
#[tokio::test]
async fn silent_udp_target_times_out() {
    let (client, _ci) = bind("127.0.0.1", TcpConfig::default(), fast_timers()).await;
    let silent = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let to = Target::udp(silent.local_addr().unwrap());
    let mut tx = client
        .send_request(request(Method::Options, to.addr, &[]), to)
        .await
        .unwrap();
    let started = tokio::time::Instant::now();
    let r = tokio::time::timeout(WAIT, tx.final_response())
        .await
        .unwrap();
    assert!(matches!(r, Err(Error::TimedOut)), "{r:?}");
    assert!(started.elapsed() >= Duration::from_millis(640));
    // It retransmitted meanwhile (Timer E): several copies arrived.
    let copies = datagrams_waiting(&silent).await;
    assert!(copies >= 5, "{copies} copies");
}

/// After shutdown every call reports Closed.
#[tokio::test]
async fn shutdown_closes_the_endpoint() {
    let (client, _ci) = bind("127.0.0.1", TcpConfig::default(), LayerConfig::default()).await;
    let to = Target::udp("127.0.0.1:9".parse().unwrap());
    client.shutdown().await;
    let r = client
        .send_request(request(Method::Options, to.addr, &[]), to)
        .await;
    assert!(matches!(r, Err(Error::Closed)), "{r:?}");
}
