//! The transports of a driver, apart from any core: UDP sockets, TCP
//! listeners and connections, behind one receive queue and one send call.
//!
//! [`Endpoint`](super::Endpoint) runs a [`TransactionLayer`] over them;
//! [`Runner`](super::Runner) runs any other sans-IO core that implements
//! [`Host`](crate::sim::Host) (a user agent, a proxy) over them.
//!
//! [`TransactionLayer`]: crate::TransactionLayer

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::{mpsc, watch};

use super::tcp::{ConnEvent, Connections, TcpConfig};
use crate::layer::Source;
use crate::transport::{Target, Transmit, Transport};

/// The default cap on one message: a UDP datagram cannot be larger.
const DEFAULT_MAX_MESSAGE: usize = 65_535;

/// What the transports deliver.
#[derive(Debug)]
pub enum Inbound {
    /// A datagram, or a message cut out of a stream.
    Message(Source, Bytes),
    /// An outgoing connection to this target could not be established:
    /// the transactions sending there must fail over (RFC 3261 §18.4).
    Unreachable(Target),
}

/// Which addresses to bind and the limits of the TCP transport.
#[derive(Clone, Debug)]
#[must_use]
pub struct SocketsBuilder {
    udp: Vec<SocketAddr>,
    tcp: Vec<SocketAddr>,
    both: Vec<SocketAddr>,
    tcp_cfg: TcpConfig,
    max_message: usize,
    recv_buffer: Option<usize>,
}

impl SocketsBuilder {
    /// Listens for UDP on `addr` (port 0 picks a free port).
    pub fn udp(mut self, addr: SocketAddr) -> Self {
        self.udp.push(addr);
        self
    }

    /// Listens for TCP on `addr` (port 0 picks a free port).
    pub fn tcp(mut self, addr: SocketAddr) -> Self {
        self.tcp.push(addr);
        self
    }

    /// Listens for UDP and TCP on `addr`, on the same port: with port 0,
    /// the port the system picks for UDP is taken for TCP too (what a SIP
    /// server announces as its one address, RFC 3261 §18).
    pub fn udp_and_tcp(mut self, addr: SocketAddr) -> Self {
        self.both.push(addr);
        self
    }

    /// The TCP limits (idle timeout, connect timeout, connection cap).
    pub fn tcp_config(mut self, cfg: TcpConfig) -> Self {
        self.tcp_cfg = cfg;
        self
    }

    /// The largest message accepted from a stream, and the receive buffer
    /// of each UDP socket (default 65,535 bytes).
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message = bytes;
        self
    }

    /// The receive buffer of each UDP socket (`SO_RCVBUF`), in bytes. The
    /// kernel default (`net.core.rmem_default`, often 208 KiB) holds only
    /// a few hundred datagrams: a server under a burst drops the rest and
    /// its clients wait out a retransmission timer. Linux caps the value
    /// at `net.core.rmem_max`. Unset: the kernel default.
    pub fn recv_buffer(mut self, bytes: usize) -> Self {
        self.recv_buffer = Some(bytes);
        self
    }

    /// Binds every address. Nothing is read until the sockets are used by
    /// a driver ([`Sockets::recv`]).
    pub async fn bind(self) -> io::Result<Sockets> {
        let mut udp = Vec::new();
        for addr in &self.udp {
            udp.push(Arc::new(bind_udp(*addr, self.recv_buffer)?));
        }
        let mut tcp = Vec::new();
        for addr in &self.tcp {
            tcp.push(TcpListener::bind(addr).await?);
        }
        for addr in &self.both {
            let (u, t) = bind_pair(*addr, self.recv_buffer).await?;
            udp.push(Arc::new(u));
            tcp.push(t);
        }
        Ok(Sockets::new(udp, tcp, self.tcp_cfg, self.max_message))
    }
}

/// Bound UDP sockets and TCP listeners with their connection table.
///
/// Reading starts on the first [`recv`](Self::recv); dropping the value
/// stops every reader task and closes every connection.
pub struct Sockets {
    /// Each UDP socket with its local address, read once at start: asking
    /// the socket on every send costs a `getsockname` system call per
    /// datagram.
    udp: Vec<(Option<SocketAddr>, Arc<UdpSocket>)>,
    tcp: Vec<TcpListener>,
    listeners: Vec<(Transport, SocketAddr)>,
    started: bool,
    max_message: usize,
    conns: Connections,
    net_rx: mpsc::Receiver<(Source, Bytes)>,
    net_tx: mpsc::Sender<(Source, Bytes)>,
    conn_rx: mpsc::UnboundedReceiver<ConnEvent>,
    /// Dropped with the value, which ends the reader and connection tasks.
    _stop: watch::Sender<bool>,
    stop_rx: watch::Receiver<bool>,
}

impl std::fmt::Debug for Sockets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sockets")
            .field("listeners", &self.listeners)
            .field("connections", &self.conns.len())
            .finish_non_exhaustive()
    }
}

impl Sockets {
    /// A builder with no addresses, the default [`TcpConfig`] and a 65,535
    /// byte message cap.
    pub fn builder() -> SocketsBuilder {
        SocketsBuilder {
            udp: Vec::new(),
            tcp: Vec::new(),
            both: Vec::new(),
            tcp_cfg: TcpConfig::default(),
            max_message: DEFAULT_MAX_MESSAGE,
            recv_buffer: None,
        }
    }

    pub(super) fn new(
        udp: Vec<Arc<UdpSocket>>,
        tcp: Vec<TcpListener>,
        tcp_cfg: TcpConfig,
        max_message: usize,
    ) -> Self {
        let (net_tx, net_rx) = mpsc::channel(4096);
        let (conn_tx, conn_rx) = mpsc::unbounded_channel();
        let (stop, stop_rx) = watch::channel(false);
        let udp: Vec<_> = udp.into_iter().map(|s| (s.local_addr().ok(), s)).collect();
        let tcp_locals: Vec<SocketAddr> = tcp.iter().filter_map(|l| l.local_addr().ok()).collect();
        let listeners = udp
            .iter()
            .filter_map(|(a, _)| a.map(|a| (Transport::Udp, a)))
            .chain(tcp_locals.iter().map(|a| (Transport::Tcp, *a)))
            .collect();
        let conns = Connections::new(
            tcp_cfg,
            max_message,
            net_tx.clone(),
            conn_tx,
            stop_rx.clone(),
            tcp_locals,
        );
        Self {
            udp,
            tcp,
            listeners,
            started: false,
            max_message,
            conns,
            net_rx,
            net_tx,
            conn_rx,
            _stop: stop,
            stop_rx,
        }
    }

    /// The bound addresses, with the ports the system picked for port 0.
    /// A core's transaction layer needs them as its listeners
    /// ([`TransactionLayer::add_listener`](crate::TransactionLayer::add_listener)).
    pub fn listeners(&self) -> &[(Transport, SocketAddr)] {
        &self.listeners
    }

    /// The receive buffer each UDP socket got, in bytes, as the kernel
    /// reports it (Linux doubles what was asked, for its bookkeeping, and
    /// caps it at `net.core.rmem_max`).
    pub fn udp_recv_buffers(&self) -> Vec<(SocketAddr, usize)> {
        self.udp
            .iter()
            .filter_map(|(a, s)| {
                let size = socket2::SockRef::from(s.as_ref()).recv_buffer_size().ok()?;
                Some(((*a)?, size))
            })
            .collect()
    }

    /// The number of open TCP connections, accepted and outgoing.
    pub fn connections(&self) -> usize {
        self.conns.len()
    }

    fn start(&mut self) {
        if self.started {
            return;
        }
        self.started = true;
        for (_, sock) in &self.udp {
            spawn_udp_reader(
                sock.clone(),
                self.net_tx.clone(),
                self.stop_rx.clone(),
                self.max_message,
            );
        }
        for l in std::mem::take(&mut self.tcp) {
            self.conns.listen(l);
        }
    }

    /// The next message or connection failure. Connection bookkeeping
    /// (accepts, closes) happens in here. `None` only if every reader is
    /// gone, which does not happen while the value lives.
    pub async fn recv(&mut self) -> Option<Inbound> {
        self.start();
        loop {
            tokio::select! {
                m = self.net_rx.recv() => return m.map(|(s, d)| Inbound::Message(s, d)),
                Some(ev) = self.conn_rx.recv() => {
                    if let Some(failed) = self.connection(ev) {
                        return Some(Inbound::Unreachable(failed));
                    }
                }
            }
        }
    }

    /// A message already queued, without waiting: for handling a burst in
    /// one wake-up.
    pub fn try_recv(&mut self) -> Option<Inbound> {
        while let Ok(ev) = self.conn_rx.try_recv() {
            if let Some(failed) = self.connection(ev) {
                return Some(Inbound::Unreachable(failed));
            }
        }
        self.net_rx
            .try_recv()
            .ok()
            .map(|(s, d)| Inbound::Message(s, d))
    }

    fn connection(&mut self, ev: ConnEvent) -> Option<Target> {
        match ev {
            ConnEvent::Accepted { id, remote, writer } => {
                self.conns.accepted(id, remote, writer);
                None
            }
            ConnEvent::Closed { id, remote, failed } => {
                self.conns.closed(id, remote);
                failed.then(|| Target::tcp(remote))
            }
        }
    }

    /// Puts one message on the wire: a datagram from the UDP socket bound
    /// to `t.local` (else the first of the right address family), or bytes
    /// on the connection to the target, opened if there is none. An error
    /// means the message did not go and the core must hear of it as a
    /// transport error for `t.target`.
    pub async fn send(&mut self, t: &Transmit) -> io::Result<()> {
        self.start();
        match t.target.transport {
            Transport::Udp => {
                let Some(s) = self.udp_socket(t.local, t.target.addr) else {
                    return Err(io::Error::new(
                        io::ErrorKind::AddrNotAvailable,
                        "no UDP socket of the target's address family",
                    ));
                };
                match s.try_send_to(&t.payload, t.target.addr) {
                    Ok(_) => Ok(()),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        s.send_to(&t.payload, t.target.addr).await.map(|_| ())
                    }
                    Err(e) => Err(e),
                }
            }
            Transport::Tcp => {
                if self.conns.send(t.target.addr, t.payload.clone()) {
                    Ok(())
                } else {
                    Err(io::Error::other("TCP connection limit reached"))
                }
            }
        }
    }

    fn udp_socket(&self, local: Option<SocketAddr>, to: SocketAddr) -> Option<&Arc<UdpSocket>> {
        let by_local = local.and_then(|l| self.udp.iter().find(|(a, _)| *a == Some(l)));
        by_local
            .or_else(|| {
                self.udp
                    .iter()
                    .find(|(a, _)| a.is_some_and(|a| a.is_ipv4() == to.is_ipv4()))
            })
            .map(|(_, s)| s)
    }
}

/// A UDP socket and a TCP listener on one port. With port 0 the TCP port
/// may be taken by someone else between the two binds; a few fresh tries
/// get past that.
async fn bind_pair(
    addr: SocketAddr,
    recv_buffer: Option<usize>,
) -> io::Result<(UdpSocket, TcpListener)> {
    let mut tries = 0;
    loop {
        let udp = bind_udp(addr, recv_buffer)?;
        let mut at = addr;
        at.set_port(udp.local_addr()?.port());
        match TcpListener::bind(at).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(e) if addr.port() == 0 && e.kind() == io::ErrorKind::AddrInUse && tries < 8 => {
                tries += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// A UDP socket on `addr` with the receive buffer asked for (through
/// socket2: the option must be set before tokio takes the socket over).
pub(super) fn bind_udp(addr: SocketAddr, recv_buffer: Option<usize>) -> io::Result<UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let sock = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    if let Some(bytes) = recv_buffer {
        sock.set_recv_buffer_size(bytes)?;
    }
    sock.set_nonblocking(true)?;
    sock.bind(&addr.into())?;
    UdpSocket::from_std(sock.into())
}

/// Reads datagrams from one UDP socket into the core's queue. The one copy
/// of the receive path is here, out of the reused buffer.
fn spawn_udp_reader(
    sock: Arc<UdpSocket>,
    net_tx: mpsc::Sender<(Source, Bytes)>,
    mut stop: watch::Receiver<bool>,
    max: usize,
) {
    tokio::spawn(async move {
        let Ok(local) = sock.local_addr() else { return };
        let mut buf = vec![0u8; max.clamp(1500, 65_535)];
        loop {
            let r = tokio::select! {
                r = sock.recv_from(&mut buf) => r,
                _ = stop.changed() => return,
            };
            // Linux reports an earlier send's ICMP error on the next
            // receive; it names no transaction, so it is skipped.
            let Ok((n, remote)) = r else { continue };
            let source = Source {
                transport: Transport::Udp,
                remote,
                local,
            };
            if net_tx
                .send((source, Bytes::copy_from_slice(&buf[..n])))
                .await
                .is_err()
            {
                return;
            }
        }
    });
}
