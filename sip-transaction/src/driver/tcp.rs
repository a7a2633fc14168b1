//! TCP connections: accept, connect, frame, write, idle out.
//!
//! Each connection is one task that owns the socket. It cuts messages out
//! of the stream with [`StreamFramer`] and hands them to the core loop; the
//! core loop hands it bytes to write through a channel. The task ends on
//! EOF, an I/O or framing error, or when nothing moved for the idle
//! timeout, and then tells the core so the connection is forgotten.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use sip_message::{Frame, StreamFramer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

use crate::layer::Source;

/// The driver's clock (tokio's, so paused-time tests work).
#[allow(clippy::disallowed_methods)]
fn clock() -> tokio::time::Instant {
    tokio::time::Instant::now()
}
use crate::transport::Transport;

/// Limits of the TCP transport.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpConfig {
    /// A connection on which nothing was read or written for this long is
    /// closed (default 120 s). It also bounds how long a peer that sends
    /// half a message, byte by byte or not at all, can hold a connection.
    pub idle_timeout: Duration,
    /// How long an outgoing connection may take to establish (default 5 s);
    /// a failure is a transport error for the transactions sending there.
    pub connect_timeout: Duration,
    /// The most connections open at once, accepted and outgoing together
    /// (default 1024). Connections accepted beyond it are closed at once.
    pub max_connections: usize,
    /// How long a message may take to arrive once its first byte did
    /// (default 30 s). A peer trickling a message byte by byte keeps the
    /// connection from being idle, but not past this: the connection
    /// closes (slowloris).
    pub message_timeout: Duration,
}

impl Default for TcpConfig {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(120),
            connect_timeout: Duration::from_secs(5),
            max_connections: 1024,
            message_timeout: Duration::from_secs(30),
        }
    }
}

/// What connection tasks tell the core loop.
#[derive(Debug)]
pub(crate) enum ConnEvent {
    /// A connection was accepted; responses to `remote` use it.
    Accepted {
        id: u64,
        remote: SocketAddr,
        writer: mpsc::UnboundedSender<Bytes>,
    },
    /// A connection ended; `failed` if it never got established.
    Closed {
        id: u64,
        remote: SocketAddr,
        failed: bool,
    },
}

struct Conn {
    id: u64,
    writer: mpsc::UnboundedSender<Bytes>,
}

/// The connection table of the core loop, keyed by remote address.
pub(crate) struct Connections {
    cfg: TcpConfig,
    max_message: usize,
    map: HashMap<SocketAddr, Conn>,
    next_id: Arc<AtomicU64>,
    count: Arc<AtomicUsize>,
    net_tx: mpsc::Sender<(Source, Bytes)>,
    ev_tx: mpsc::UnboundedSender<ConnEvent>,
    shutdown: watch::Receiver<bool>,
    /// The local TCP listener addresses, by family, for the `local` of a
    /// [`Source`] on outgoing connections.
    locals: Vec<SocketAddr>,
}

impl Connections {
    pub(crate) fn new(
        cfg: TcpConfig,
        max_message: usize,
        net_tx: mpsc::Sender<(Source, Bytes)>,
        ev_tx: mpsc::UnboundedSender<ConnEvent>,
        shutdown: watch::Receiver<bool>,
        locals: Vec<SocketAddr>,
    ) -> Self {
        Self {
            cfg,
            max_message,
            map: HashMap::new(),
            next_id: Arc::new(AtomicU64::new(1)),
            count: Arc::new(AtomicUsize::new(0)),
            net_tx,
            ev_tx,
            shutdown,
            locals,
        }
    }

    /// The number of open connections.
    pub(crate) fn len(&self) -> usize {
        self.count.load(Ordering::Relaxed)
    }

    /// Starts accepting on `listener`.
    pub(crate) fn listen(&self, listener: TcpListener) {
        let local = listener.local_addr().ok();
        let count = self.count.clone();
        let ids = self.next_id.clone();
        let (cfg, max, net_tx, ev_tx) = (
            self.cfg,
            self.max_message,
            self.net_tx.clone(),
            self.ev_tx.clone(),
        );
        let mut shutdown = self.shutdown.clone();
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    r = listener.accept() => r,
                    _ = shutdown.changed() => return,
                };
                let Ok((stream, remote)) = accepted else {
                    continue;
                };
                if count.load(Ordering::Relaxed) >= cfg.max_connections {
                    drop(stream);
                    continue;
                }
                let id = ids.fetch_add(1, Ordering::Relaxed);
                let (writer, rx) = mpsc::unbounded_channel();
                if ev_tx
                    .send(ConnEvent::Accepted { id, remote, writer })
                    .is_err()
                {
                    return;
                }
                let source = Source {
                    transport: Transport::Tcp,
                    remote,
                    local: local.unwrap_or(remote),
                };
                let task = ConnTask::new(
                    id,
                    source,
                    cfg,
                    max,
                    net_tx.clone(),
                    ev_tx.clone(),
                    count.clone(),
                );
                tokio::spawn(task.run(stream, rx, shutdown.clone()));
            }
        });
    }

    /// Registers an accepted connection.
    pub(crate) fn accepted(
        &mut self,
        id: u64,
        remote: SocketAddr,
        writer: mpsc::UnboundedSender<Bytes>,
    ) {
        self.map.insert(remote, Conn { id, writer });
    }

    /// Forgets a closed connection (unless a newer one took its place).
    pub(crate) fn closed(&mut self, id: u64, remote: SocketAddr) {
        if self.map.get(&remote).is_some_and(|c| c.id == id) {
            self.map.remove(&remote);
        }
    }

    /// Sends `payload` to `remote`, over the open connection if there is
    /// one (connection reuse, RFC 3261 §18.1.1 and §18.2.2), else over a
    /// new one; bytes queue while it connects. Returns `false` when no
    /// connection can be opened (the cap is reached).
    pub(crate) fn send(&mut self, remote: SocketAddr, payload: Bytes) -> bool {
        if let Some(c) = self.map.get(&remote) {
            match c.writer.send(payload) {
                Ok(()) => return true,
                Err(e) => {
                    self.map.remove(&remote);
                    return self.connect(remote, e.0);
                }
            }
        }
        self.connect(remote, payload)
    }

    fn connect(&mut self, remote: SocketAddr, first: Bytes) -> bool {
        if self.len() >= self.cfg.max_connections {
            return false;
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (writer, rx) = mpsc::unbounded_channel();
        let _ = writer.send(first);
        self.map.insert(remote, Conn { id, writer });
        let local = self
            .locals
            .iter()
            .find(|a| a.is_ipv4() == remote.is_ipv4())
            .copied()
            .unwrap_or(remote);
        let source = Source {
            transport: Transport::Tcp,
            remote,
            local,
        };
        let task = ConnTask::new(
            id,
            source,
            self.cfg,
            self.max_message,
            self.net_tx.clone(),
            self.ev_tx.clone(),
            self.count.clone(),
        );
        let timeout = self.cfg.connect_timeout;
        let shutdown = self.shutdown.clone();
        tokio::spawn(async move {
            match tokio::time::timeout(timeout, TcpStream::connect(remote)).await {
                Ok(Ok(stream)) => task.run(stream, rx, shutdown).await,
                _ => task.fail(),
            }
        });
        true
    }
}

/// One connection's task.
struct ConnTask {
    id: u64,
    source: Source,
    cfg: TcpConfig,
    framer: StreamFramer,
    net_tx: mpsc::Sender<(Source, Bytes)>,
    ev_tx: mpsc::UnboundedSender<ConnEvent>,
    count: Arc<AtomicUsize>,
}

impl ConnTask {
    fn new(
        id: u64,
        source: Source,
        cfg: TcpConfig,
        max_message: usize,
        net_tx: mpsc::Sender<(Source, Bytes)>,
        ev_tx: mpsc::UnboundedSender<ConnEvent>,
        count: Arc<AtomicUsize>,
    ) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Self {
            id,
            source,
            cfg,
            framer: StreamFramer::new(max_message),
            net_tx,
            ev_tx,
            count,
        }
    }

    fn fail(self) {
        self.finish(true);
    }

    fn finish(self, failed: bool) {
        self.count.fetch_sub(1, Ordering::Relaxed);
        let _ = self.ev_tx.send(ConnEvent::Closed {
            id: self.id,
            remote: self.source.remote,
            failed,
        });
    }

    async fn run(
        self,
        stream: TcpStream,
        mut rx: mpsc::UnboundedReceiver<Bytes>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let _ = stream.set_nodelay(true);
        let result = self.serve(stream, &mut rx, &mut shutdown).await;
        // Bytes still queued for this connection are lost with it; the
        // transactions that sent them retransmit or time out.
        self.finish(result.is_err());
    }

    async fn serve(
        &self,
        stream: TcpStream,
        rx: &mut mpsc::UnboundedReceiver<Bytes>,
        shutdown: &mut watch::Receiver<bool>,
    ) -> io::Result<()> {
        let (mut rd, mut wr) = stream.into_split();
        let mut buf = BytesMut::with_capacity(8 * 1024);
        let idle = tokio::time::sleep(self.cfg.idle_timeout);
        tokio::pin!(idle);
        // When the partial message at the front of `buf` must be complete.
        let mut partial_until: Option<tokio::time::Instant> = None;
        loop {
            let partial = async {
                match partial_until {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                r = rd.read_buf(&mut buf) => {
                    if r? == 0 {
                        return Ok(());
                    }
                    idle.as_mut().reset(clock() + self.cfg.idle_timeout);
                    let before = buf.len();
                    if !self.deliver(&mut buf, &mut wr).await? {
                        return Ok(());
                    }
                    // A message that completed restarts the clock for the
                    // next one; bytes that completed nothing do not.
                    let progressed = buf.len() < before;
                    partial_until = match (buf.is_empty(), partial_until) {
                        (true, _) => None,
                        (false, Some(at)) if !progressed => Some(at),
                        (false, _) => Some(clock() + self.cfg.message_timeout),
                    };
                }
                _ = partial => return Ok(()),
                m = rx.recv() => match m {
                    Some(bytes) => {
                        wr.write_all(&bytes).await?;
                        idle.as_mut().reset(clock() + self.cfg.idle_timeout);
                    }
                    None => return Ok(()),
                },
                _ = &mut idle => return Ok(()),
                _ = shutdown.changed() => return Ok(()),
            }
        }
    }

    /// Cuts every complete message off the front of `buf` and hands it to
    /// the core. Returns `false` when the stream broke the framing rules
    /// (too large, no usable Content-Length): the stream cannot be
    /// resynchronised, so the connection closes (§18.3).
    async fn deliver(
        &self,
        buf: &mut BytesMut,
        wr: &mut tokio::net::tcp::OwnedWriteHalf,
    ) -> io::Result<bool> {
        loop {
            match self.framer.check(buf) {
                Ok(Frame::NeedMore) => return Ok(true),
                Ok(Frame::Ping) => {
                    buf.advance(4);
                    wr.write_all(b"\r\n").await?; // RFC 5626 §3.5.1 pong
                }
                Ok(Frame::Pong) => buf.advance(2),
                Ok(Frame::Message(n)) => {
                    let msg = buf.split_to(n).freeze();
                    if self.net_tx.send((self.source, msg)).await.is_err() {
                        return Ok(false);
                    }
                }
                Err(_) => return Ok(false),
            }
        }
    }
}
