//! An RTP relay: the translator of RFC 3550 §7, forwarding packets
//! between two sides without touching them, whose destinations can change
//! at any moment.
//!
//! The mobility layer puts one in the media path for the seconds of a
//! hand-off: the stream keeps flowing to the relay's fixed address while
//! the moving party's address changes, and the relay is told the new one
//! ([`Relay::set_peer`]). A packet is sent to the destination that is
//! current when it leaves the relay, so nothing queued in the relay is
//! lost or sent twice by a switch; §7.1: "a translator ... forwards RTP
//! packets with their SSRC identifier intact".
//!
//! Each side has its own UDP socket. A side whose peer is not set learns
//! it from the first packet that arrives there (symmetric RTP, the NAT
//! "latching" of RFC 7362 §4); a peer set explicitly is never replaced by
//! latching.
//!
//! ```no_run
//! use sipmob_rtp::relay::{Relay, Side};
//!
//! # async fn demo() -> std::io::Result<()> {
//! let relay = Relay::bind("127.0.0.1:0".parse().unwrap(), "127.0.0.1:0".parse().unwrap()).await?;
//! let (a, b) = relay.local_addrs();
//! // The caller sends to `a`, the callee to `b`; tell the relay where each is.
//! relay.set_peer(Side::A, "127.0.0.1:40000".parse().unwrap());
//! relay.set_peer(Side::B, "127.0.0.1:40002".parse().unwrap());
//! // ... the callee moves:
//! relay.set_peer(Side::B, "127.0.0.1:41000".parse().unwrap());
//! # let _ = (a, b);
//! relay.shutdown().await;
//! # Ok(()) }
//! ```

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::tasks::Tasks;
use tokio::net::UdpSocket;
use tokio::sync::watch;

/// One side of the relay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// The first socket: packets arriving here go out of side B.
    A,
    /// The second socket: packets arriving here go out of side A.
    B,
}

impl Side {
    fn other(self) -> Self {
        match self {
            Self::A => Self::B,
            Self::B => Self::A,
        }
    }

    fn index(self) -> usize {
        match self {
            Self::A => 0,
            Self::B => 1,
        }
    }
}

/// What the relay did, per direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RelayStats {
    /// Packets received on side A and sent out of side B.
    pub a_to_b: u64,
    /// Packets received on side B and sent out of side A.
    pub b_to_a: u64,
    /// Packets dropped because the other side had no peer yet, or the
    /// send failed.
    pub dropped: u64,
    /// How many times a destination was changed.
    pub switches: u64,
}

#[derive(Debug, Default)]
struct Peer {
    addr: Option<SocketAddr>,
    /// Set explicitly (never replaced by latching).
    pinned: bool,
}

#[derive(Debug, Default)]
struct Shared {
    peers: [Mutex<Peer>; 2],
    forwarded: [AtomicU64; 2],
    dropped: AtomicU64,
    switches: AtomicU64,
}

impl Shared {
    fn peer(&self, side: Side) -> Option<SocketAddr> {
        self.peers[side.index()].lock().ok()?.addr
    }

    fn latch(&self, side: Side, from: SocketAddr) {
        if let Ok(mut p) = self.peers[side.index()].lock() {
            if !p.pinned && p.addr != Some(from) {
                p.addr = Some(from);
            }
        }
    }
}

/// A running relay (see the [module docs](self)).
#[derive(Debug)]
pub struct Relay {
    locals: (SocketAddr, SocketAddr),
    shared: Arc<Shared>,
    tasks: Tasks,
}

impl Relay {
    /// Binds side A on `a` and side B on `b` (port 0 picks a free port)
    /// and starts forwarding.
    pub async fn bind(a: SocketAddr, b: SocketAddr) -> io::Result<Self> {
        let sa = Arc::new(UdpSocket::bind(a).await?);
        let sb = Arc::new(UdpSocket::bind(b).await?);
        let locals = (sa.local_addr()?, sb.local_addr()?);
        let shared = Arc::new(Shared::default());
        let (tasks, stop_rx) = Tasks::new();
        tasks.spawn(forward(
            Side::A,
            sa.clone(),
            sb.clone(),
            shared.clone(),
            stop_rx.clone(),
        ));
        tasks.spawn(forward(Side::B, sb, sa, shared.clone(), stop_rx));
        Ok(Self {
            locals,
            shared,
            tasks,
        })
    }

    /// The addresses of sides A and B.
    pub fn local_addrs(&self) -> (SocketAddr, SocketAddr) {
        self.locals
    }

    /// Where `side` sends from now on: packets arriving on the other side
    /// are forwarded to `addr`, including those already queued in the
    /// relay. Latching no longer changes it.
    pub fn set_peer(&self, side: Side, addr: SocketAddr) {
        if let Ok(mut p) = self.shared.peers[side.index()].lock() {
            if p.addr.is_some() && p.addr != Some(addr) {
                self.shared.switches.fetch_add(1, Ordering::Relaxed);
            }
            p.addr = Some(addr);
            p.pinned = true;
        }
    }

    /// The current peer of `side`, set or latched.
    pub fn peer(&self, side: Side) -> Option<SocketAddr> {
        self.shared.peer(side)
    }

    /// The counters so far.
    pub fn stats(&self) -> RelayStats {
        RelayStats {
            a_to_b: self.shared.forwarded[0].load(Ordering::Relaxed),
            b_to_a: self.shared.forwarded[1].load(Ordering::Relaxed),
            dropped: self.shared.dropped.load(Ordering::Relaxed),
            switches: self.shared.switches.load(Ordering::Relaxed),
        }
    }

    /// Stops forwarding and closes both sockets.
    pub async fn shutdown(&self) {
        self.tasks.shutdown().await;
    }
}

/// Forwards what arrives on `from_side` (socket `rx`) out of the other
/// side (socket `tx`) to that side's peer.
async fn forward(
    from_side: Side,
    rx: Arc<UdpSocket>,
    tx: Arc<UdpSocket>,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let mut buf = vec![0u8; 65_535];
    let to_side = from_side.other();
    loop {
        let got = tokio::select! {
            r = rx.recv_from(&mut buf) => r,
            _ = stop.changed() => return,
        };
        // An ICMP error from an earlier send surfaces here; skip it.
        let Ok((n, from)) = got else { continue };
        shared.latch(from_side, from);
        // The destination is read per packet: a switch applies to the
        // very next packet to leave.
        match shared.peer(to_side) {
            Some(dest) if tx.send_to(&buf[..n], dest).await.is_ok() => {
                shared.forwarded[from_side.index()].fetch_add(1, Ordering::Relaxed);
            }
            _ => {
                shared.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}
