//! A tokio RTP endpoint: one stream out, any number in, RTCP beside them.
//!
//! It sends packets with consecutive sequence numbers and timestamps
//! advanced by the samples of each frame ([`RtpEndpoint::send`]), or a
//! whole stream paced by those timestamps ([`RtpEndpoint::stream`]); it
//! receives packets, keeps RFC 3550 appendix A statistics for each
//! source ([`ReceiverStats`]), and hands the payloads to the application.
//! [`RtpEndpoint::set_remote`] changes the destination of the running
//! stream — the hand-off after a move — without restarting it: sequence
//! numbers and timestamps go on, so the far end's statistics see one
//! continuous stream.
//!
//! RTCP uses the next port (RFC 3550 §11: "the RTCP port ... SHOULD be
//! the next higher (odd) port number") unless told otherwise; reports are
//! sent at the interval of [`RtcpScheduler`](crate::session::RtcpScheduler) (SR while we send, RR
//! otherwise, each with an SDES CNAME), and the SRs received are kept for
//! the LSR and DLSR fields of our report blocks.
//!
//! ```no_run
//! use std::time::Duration;
//! use sipmob_rtp::endpoint::{EndpointConfig, RtpEndpoint};
//! use sipmob_rtp::g711;
//!
//! # async fn demo() -> std::io::Result<()> {
//! let cfg = EndpointConfig::pcmu("127.0.0.1:40000".parse().unwrap());
//! let (ep, mut incoming) = RtpEndpoint::bind(cfg).await?;
//! ep.set_remote("127.0.0.1:40002".parse().unwrap());
//! // One second of a 440 Hz tone in 20 ms PCMU frames, paced.
//! let mut tone = g711::Tone::new(440.0, 8000, 8000);
//! let frames = (0..50).map(|_| { let mut f = vec![0u8; 160]; tone.fill_frame_ulaw(&mut f); f });
//! ep.stream(frames, Duration::from_millis(20), 160).await?;
//! while let Ok(Some(p)) = tokio::time::timeout(Duration::from_secs(1), incoming.recv()).await {
//!     println!("{} bytes from ssrc {:08x}", p.payload.len(), p.ssrc);
//! }
//! println!("{:?}", ep.stats());
//! ep.shutdown().await;
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::tasks::Tasks;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, watch};

use crate::packet::{RtpHeader, RtpPacket};
use crate::session::{Arrival, ReceiverStats, SenderStats};

mod rtcp;

use rtcp::run_rtcp;

/// The endpoint's clock: tokio's, so paused-time tests work.
#[allow(clippy::disallowed_methods)]
fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// How an endpoint is set up.
#[derive(Clone, Debug)]
pub struct EndpointConfig {
    /// Where RTP is received (port 0 picks one).
    pub local: SocketAddr,
    /// Where RTCP is received: `None` for the RTP port + 1 (RFC 3550 §11).
    pub local_rtcp: Option<SocketAddr>,
    /// The payload type of the stream we send.
    pub payload_type: u8,
    /// Its RTP clock rate, Hz.
    pub clock_rate: u32,
    /// Our SSRC; `None` picks a random one (§8.1: "chosen randomly").
    pub ssrc: Option<u32>,
    /// Our SDES CNAME (§6.5.1), e.g. `user@host`.
    pub cname: String,
    /// The session bandwidth in octets per second, for the RTCP interval
    /// (§6.2: RTCP gets 5 % of it).
    pub session_bandwidth: f64,
    /// How many received payloads may wait for the application before
    /// newer ones are dropped (statistics are kept regardless).
    pub queue: usize,
}

impl EndpointConfig {
    /// PCMU (payload type 0, 8 kHz, 64 kbit/s) on `local`.
    pub fn pcmu(local: SocketAddr) -> Self {
        Self {
            local,
            local_rtcp: None,
            payload_type: 0,
            clock_rate: 8000,
            ssrc: None,
            cname: format!("sipmob@{}", local.ip()),
            session_bandwidth: 8000.0,
            queue: 256,
        }
    }
}

/// A packet received from the network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// Where it came from.
    pub from: SocketAddr,
    /// Its source.
    pub ssrc: u32,
    /// Its sequence number.
    pub sequence_number: u16,
    /// Its timestamp.
    pub timestamp: u32,
    /// Its payload type.
    pub payload_type: u8,
    /// Its marker bit.
    pub marker: bool,
    /// Its payload.
    pub payload: Vec<u8>,
}

/// One remote source as seen by the endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceStats {
    /// Its SSRC.
    pub ssrc: u32,
    /// Packets counted as received (duplicates included, as RFC 3550 A.1).
    pub received: u32,
    /// Packets expected from the sequence numbers (A.3).
    pub expected: u32,
    /// Expected minus received (negative with duplicates).
    pub lost: i64,
    /// Copies of packets already received.
    pub duplicates: u64,
    /// Interarrival jitter, in timestamp units (A.8).
    pub jitter: u32,
    /// The extended highest sequence number.
    pub extended_highest_seq: u32,
}

/// What the endpoint has done so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointStats {
    /// Our SSRC.
    pub ssrc: u32,
    /// Data packets sent.
    pub packets_sent: u32,
    /// Payload octets sent.
    pub octets_sent: u32,
    /// Each remote source heard.
    pub sources: Vec<SourceStats>,
    /// RTP datagrams that did not parse.
    pub malformed: u64,
    /// RTCP packets sent and received.
    pub rtcp_sent: u64,
    /// RTCP packets received.
    pub rtcp_received: u64,
}

/// The sending side's state.
#[derive(Debug)]
struct Sender {
    remote: Option<SocketAddr>,
    remote_rtcp: Option<SocketAddr>,
    seq: u16,
    timestamp: u32,
    stats: SenderStats,
}

#[derive(Debug, Default)]
struct Receiving {
    sources: HashMap<u32, ReceiverStats>,
    /// The last SR of each source: the middle 32 bits of its NTP timestamp
    /// and when it arrived, for LSR and DLSR (§6.4.1).
    last_sr: HashMap<u32, (u32, Instant)>,
    malformed: u64,
    rtcp_received: u64,
    rtcp_sent: u64,
}

#[derive(Debug)]
struct Shared {
    cfg: EndpointConfig,
    ssrc: u32,
    sender: Mutex<Sender>,
    receiving: Mutex<Receiving>,
}

/// A running RTP endpoint (see the [module docs](self)).
#[derive(Debug)]
pub struct RtpEndpoint {
    rtp: Arc<UdpSocket>,
    rtcp: Arc<UdpSocket>,
    shared: Arc<Shared>,
    tasks: Tasks,
    buf: tokio::sync::Mutex<Vec<u8>>,
}

impl RtpEndpoint {
    /// Binds the RTP and RTCP sockets and starts receiving. Payloads come
    /// out of the returned channel.
    pub async fn bind(cfg: EndpointConfig) -> io::Result<(Self, mpsc::Receiver<Received>)> {
        let rtp = UdpSocket::bind(cfg.local).await?;
        let local = rtp.local_addr()?;
        let rtcp_addr = cfg.local_rtcp.unwrap_or_else(|| {
            let mut a = local;
            a.set_port(local.port().wrapping_add(1));
            a
        });
        let rtcp = UdpSocket::bind(rtcp_addr).await?;
        let mut rng = StdRng::from_rng(&mut rand::rng());
        let ssrc = cfg.ssrc.unwrap_or_else(|| rng.random());
        let shared = Arc::new(Shared {
            ssrc,
            sender: Mutex::new(Sender {
                remote: None,
                remote_rtcp: None,
                // §5.1: "The initial value of the sequence number SHOULD be
                // random", as SHOULD the timestamp's.
                seq: rng.random(),
                timestamp: rng.random(),
                stats: SenderStats::default(),
            }),
            receiving: Mutex::new(Receiving::default()),
            cfg,
        });
        let (tx, rx) = mpsc::channel(shared.cfg.queue.max(1));
        let (tasks, stop_rx) = Tasks::new();
        let rtp = Arc::new(rtp);
        let rtcp = Arc::new(rtcp);
        tasks.spawn(receive_rtp(
            rtp.clone(),
            shared.clone(),
            tx,
            stop_rx.clone(),
        ));
        tasks.spawn(run_rtcp(rtcp.clone(), shared.clone(), rng, stop_rx));
        Ok((
            Self {
                rtp,
                rtcp,
                shared,
                tasks,
                buf: tokio::sync::Mutex::new(Vec::with_capacity(1500)),
            },
            rx,
        ))
    }

    /// The RTP address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.rtp.local_addr()
    }

    /// The RTCP address.
    pub fn local_rtcp_addr(&self) -> io::Result<SocketAddr> {
        self.rtcp.local_addr()
    }

    /// Our SSRC.
    pub fn ssrc(&self) -> u32 {
        self.shared.ssrc
    }

    /// Sends to `addr` from the next packet on (RTCP to its port + 1): the
    /// hand-off after the far end moved. Sequence numbers and timestamps
    /// continue.
    pub fn set_remote(&self, addr: SocketAddr) {
        let mut rtcp = addr;
        rtcp.set_port(addr.port().wrapping_add(1));
        self.set_remotes(addr, Some(rtcp));
    }

    /// Sends RTP to `rtp` and RTCP to `rtcp` (`None`: no RTCP out).
    pub fn set_remotes(&self, rtp: SocketAddr, rtcp: Option<SocketAddr>) {
        if let Ok(mut s) = self.shared.sender.lock() {
            s.remote = Some(rtp);
            s.remote_rtcp = rtcp;
        }
    }

    /// Sends one packet carrying `payload`, which holds `samples` samples
    /// (160 for 20 ms of G.711): the timestamp advances by that much after
    /// it (§5.1: "The timestamp reflects the sampling instant of the first
    /// octet in the RTP data packet").
    pub async fn send(&self, payload: &[u8], samples: u32, marker: bool) -> io::Result<()> {
        let (remote, header) = {
            let mut s = self.shared.sender.lock().map_err(|_| poisoned())?;
            let remote = s.remote.ok_or_else(|| {
                io::Error::new(io::ErrorKind::NotConnected, "no remote address set")
            })?;
            let header = RtpHeader::new(
                self.shared.cfg.payload_type,
                s.seq,
                s.timestamp,
                self.shared.ssrc,
            )
            .with_marker(marker);
            s.seq = s.seq.wrapping_add(1);
            s.timestamp = s.timestamp.wrapping_add(samples);
            s.stats.on_sent(now(), header.timestamp, payload.len());
            (remote, header)
        };
        let mut buf = self.buf.lock().await;
        buf.clear();
        header
            .write_to(payload, &mut buf)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
        self.rtp.send_to(&buf, remote).await.map(|_| ())
    }

    /// Sends `frames`, each `samples` samples long, one every `interval`,
    /// paced by the clock (a late frame is sent at once, the next keeps the
    /// schedule). The first packet carries the marker bit (RFC 3551 §4.1:
    /// the first packet of a talkspurt).
    pub async fn stream<I>(&self, frames: I, interval: Duration, samples: u32) -> io::Result<u32>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let start = tokio::time::Instant::now();
        let mut sent = 0u32;
        for (i, frame) in frames.into_iter().enumerate() {
            tokio::time::sleep_until(start + interval * i as u32).await;
            self.send(frame.as_ref(), samples, i == 0).await?;
            sent += 1;
        }
        Ok(sent)
    }

    /// The statistics so far.
    pub fn stats(&self) -> EndpointStats {
        let (packets_sent, octets_sent) = self
            .shared
            .sender
            .lock()
            .map(|s| (s.stats.packets, s.stats.octets))
            .unwrap_or_default();
        let mut out = EndpointStats {
            ssrc: self.shared.ssrc,
            packets_sent,
            octets_sent,
            ..EndpointStats::default()
        };
        if let Ok(r) = self.shared.receiving.lock() {
            out.malformed = r.malformed;
            out.rtcp_sent = r.rtcp_sent;
            out.rtcp_received = r.rtcp_received;
            out.sources = r
                .sources
                .iter()
                .map(|(ssrc, s)| SourceStats {
                    ssrc: *ssrc,
                    received: s.received(),
                    expected: s.expected(),
                    lost: s.lost(),
                    duplicates: s.duplicates(),
                    jitter: s.jitter(),
                    extended_highest_seq: s.extended_max(),
                })
                .collect();
            out.sources.sort_by_key(|s| s.ssrc);
        }
        out
    }

    /// Stops the receiving and RTCP tasks.
    pub async fn shutdown(&self) {
        self.tasks.shutdown().await;
    }
}

fn poisoned() -> io::Error {
    io::Error::other("endpoint state poisoned")
}

async fn receive_rtp(
    sock: Arc<UdpSocket>,
    shared: Arc<Shared>,
    out: mpsc::Sender<Received>,
    mut stop: watch::Receiver<bool>,
) {
    let mut buf = vec![0u8; 65_535];
    loop {
        let got = tokio::select! {
            r = sock.recv_from(&mut buf) => r,
            _ = stop.changed() => return,
        };
        let Ok((n, from)) = got else { continue };
        let Ok(p) = RtpPacket::parse(&buf[..n]) else {
            if let Ok(mut r) = shared.receiving.lock() {
                r.malformed += 1;
            }
            continue;
        };
        let arrival = {
            let Ok(mut r) = shared.receiving.lock() else {
                return;
            };
            let clock = shared.cfg.clock_rate;
            r.sources
                .entry(p.ssrc())
                .or_insert_with(|| ReceiverStats::new(clock))
                .on_packet(now(), p.sequence_number(), p.timestamp())
        };
        if arrival == Arrival::Duplicate {
            continue;
        }
        let _ = out.try_send(Received {
            from,
            ssrc: p.ssrc(),
            sequence_number: p.sequence_number(),
            timestamp: p.timestamp(),
            payload_type: p.payload_type(),
            marker: p.marker(),
            payload: p.payload().to_vec(),
        });
    }
}
