//! The tokio driver: sockets, a thin loop around [`TransactionLayer`], and
//! the async API the layers above use.
//!
//! ```no_run
//! # async fn run() -> Result<(), sip_transaction::Error> {
//! use sip_message::{Message, SipUri};
//! use sip_transaction::{Endpoint, Received};
//!
//! let (endpoint, mut incoming) = Endpoint::builder()
//!     .udp("127.0.0.1:5060".parse().unwrap())
//!     .tcp("127.0.0.1:5060".parse().unwrap())
//!     .bind()
//!     .await?;
//! while let Some(r) = incoming.recv().await {
//!     if let Received::Request(tx) = r {
//!         let ok = tx.request().response_to(200, Some("a1b2")).unwrap().build().unwrap();
//!         tx.respond(ok).await?;
//!     }
//! }
//! endpoint.shutdown().await;
//! # Ok(()) }
//! ```

mod run;
mod runner;
mod sockets;
mod tcp;

pub use runner::{Core, Runner, Stopped};
pub use sockets::{Inbound, Sockets, SocketsBuilder};
pub use tcp::TcpConfig;

use std::net::SocketAddr;
use std::sync::Arc;

use sip_message::{Message, SipUri};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch, Mutex};
use tokio::task::JoinHandle;

use crate::error::{Error, SendError};
use crate::ids::IdGenerator;
use crate::layer::{LayerConfig, LayerStats, Source, TransactionLayer, TxId};
use crate::resolver::Resolver;
use crate::transport::{Target, Transport};

/// Builds an [`Endpoint`]: which addresses to listen on and with what limits.
#[derive(Debug, Default)]
pub struct EndpointBuilder {
    cfg: LayerConfig,
    tcp_cfg: TcpConfig,
    udp: Vec<SocketAddr>,
    tcp: Vec<SocketAddr>,
    ids: Option<IdGenerator>,
    recv_buffer: Option<usize>,
}

impl EndpointBuilder {
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

    /// The transaction layer's settings (timers, sizes, sent-by).
    pub fn config(mut self, cfg: LayerConfig) -> Self {
        self.cfg = cfg;
        self
    }

    /// The receive buffer of each UDP socket (`SO_RCVBUF`), in bytes; see
    /// [`SocketsBuilder::recv_buffer`].
    pub fn recv_buffer(mut self, bytes: usize) -> Self {
        self.recv_buffer = Some(bytes);
        self
    }

    /// The TCP limits (idle timeout, connect timeout, connection cap).
    pub fn tcp_config(mut self, cfg: TcpConfig) -> Self {
        self.tcp_cfg = cfg;
        self
    }

    /// Where branches, tags and Call-IDs come from (default: seeded from the OS).
    pub fn ids(mut self, ids: IdGenerator) -> Self {
        self.ids = Some(ids);
        self
    }

    /// Binds every address and starts the driver task. Must be called
    /// inside a tokio runtime.
    ///
    /// # Errors
    /// [`Error::Io`] if an address cannot be bound.
    pub async fn bind(self) -> Result<(Endpoint, Incoming), Error> {
        let mut layer = TransactionLayer::new(self.cfg, self.ids.unwrap_or_default());
        let mut udp = Vec::new();
        for addr in &self.udp {
            let sock = sockets::bind_udp(*addr, self.recv_buffer)?;
            let local = sock.local_addr()?;
            layer.add_listener(Transport::Udp, local);
            udp.push(Arc::new(sock));
        }
        let mut tcp = Vec::new();
        for addr in &self.tcp {
            let l = TcpListener::bind(addr).await?;
            layer.add_listener(Transport::Tcp, l.local_addr()?);
            tcp.push(l);
        }
        let locals = layer.listeners().to_vec();
        let sockets = Sockets::new(udp, tcp, self.tcp_cfg, layer.config().max_message_size);
        let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
        let (in_tx, in_rx) = mpsc::unbounded_channel();
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let driver = run::Driver::new(
            layer,
            sockets,
            cmd_tx.downgrade(),
            cmd_rx,
            in_tx,
            shutdown_rx,
        );
        let task = tokio::spawn(driver.run());
        let endpoint = Endpoint {
            handle: Handle { cmd: cmd_tx },
            inner: Arc::new(Shared {
                locals,
                shutdown: shutdown_tx,
                task: Mutex::new(Some(task)),
            }),
        };
        Ok((endpoint, Incoming { rx: in_rx }))
    }
}

/// Commands from the handles to the driver task.
#[derive(Debug)]
pub(crate) enum Command {
    Request {
        request: Message,
        target: Target,
        updates: mpsc::UnboundedSender<ClientUpdate>,
        reply: oneshot::Sender<Result<TxId, SendError>>,
    },
    Cancel {
        invite: TxId,
        updates: mpsc::UnboundedSender<ClientUpdate>,
        reply: oneshot::Sender<Result<TxId, SendError>>,
    },
    Respond {
        id: TxId,
        response: Message,
        reply: oneshot::Sender<Result<(), SendError>>,
    },
    Stateless {
        request: Message,
        target: Target,
        reply: oneshot::Sender<Result<(), SendError>>,
    },
    StatelessResponse {
        response: Message,
        reply: oneshot::Sender<Result<(), SendError>>,
    },
    Stats {
        reply: oneshot::Sender<Stats>,
    },
    SentBy {
        host: Option<String>,
        reply: oneshot::Sender<()>,
    },
}

/// A sender of commands to the driver task.
#[derive(Clone, Debug)]
pub(crate) struct Handle {
    cmd: mpsc::UnboundedSender<Command>,
}

impl Handle {
    async fn call<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Command) -> Result<T, Error> {
        let (tx, rx) = oneshot::channel();
        self.cmd.send(make(tx)).map_err(|_| Error::Closed)?;
        rx.await.map_err(|_| Error::Closed)
    }
}

#[derive(Debug)]
struct Shared {
    locals: Vec<(Transport, SocketAddr)>,
    shutdown: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
}

/// A running SIP endpoint: the transaction layer on real sockets. Cheap to
/// clone; every clone drives the same layer.
///
/// The driver task ends on [`shutdown`](Self::shutdown), or once every
/// `Endpoint` and [`ServerTransaction`] handle is dropped.
#[derive(Clone, Debug)]
pub struct Endpoint {
    handle: Handle,
    inner: Arc<Shared>,
}

/// Counters of a running endpoint.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Live transactions.
    pub transactions: usize,
    /// Open TCP connections.
    pub connections: usize,
    /// The transaction layer's counters.
    pub layer: LayerStats,
}

impl Endpoint {
    /// Starts building an endpoint.
    pub fn builder() -> EndpointBuilder {
        EndpointBuilder::default()
    }

    /// The bound addresses, with the ports the OS chose for port 0.
    pub fn local_addrs(&self) -> &[(Transport, SocketAddr)] {
        &self.inner.locals
    }

    /// The first bound address of `transport`.
    pub fn local_addr(&self, transport: Transport) -> Option<SocketAddr> {
        self.inner
            .locals
            .iter()
            .find(|(t, _)| *t == transport)
            .map(|(_, a)| *a)
    }

    async fn call<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Command) -> Result<T, Error> {
        self.handle.call(make).await
    }

    /// Sends `request` to `target` in a new client transaction and returns
    /// its handle, from which the responses come.
    ///
    /// # Errors
    /// [`Error::Send`] if the layer refuses the request, [`Error::Closed`]
    /// after shutdown.
    pub async fn send_request(
        &self,
        request: Message,
        target: Target,
    ) -> Result<ClientTransaction, Error> {
        let (updates, rx) = mpsc::unbounded_channel();
        let id = self
            .call(|reply| Command::Request {
                request,
                target,
                updates,
                reply,
            })
            .await??;
        Ok(ClientTransaction {
            id,
            target,
            rx,
            handle: self.handle.clone(),
        })
    }

    /// Sends `request` to each target in turn until one answers, failing
    /// over on a transport error or a timeout (RFC 3263 §4.3) and, if
    /// `on_503` is set, on a 503 (§4.3: "if a 503 ... the client SHOULD
    /// try the next element"). Returns the final response and the target
    /// that gave it. Provisional responses are skipped: use
    /// [`send_request`](Self::send_request) per target to see them.
    ///
    /// # Errors
    /// The last target's failure, or [`Error::NoTargets`].
    pub async fn send_with_failover(
        &self,
        request: Message,
        targets: &[Target],
        on_503: bool,
    ) -> Result<(Target, Message), Error> {
        let mut last = Error::NoTargets;
        for (i, &target) in targets.iter().enumerate() {
            let mut tx = self.send_request(request.clone(), target).await?;
            match tx.final_response().await {
                Ok(r) if on_503 && r.status() == Some(503) && i + 1 < targets.len() => {
                    last = Error::Rejected(503);
                }
                Ok(r) => return Ok((target, r)),
                Err(e @ (Error::TimedOut | Error::TransportFailed)) => last = e,
                Err(e) => return Err(e),
            }
        }
        Err(last)
    }

    /// RFC 3263 from end to end: locates the servers for `uri` with
    /// `resolver` (NAPTR, SRV, A/AAAA) and sends `request` along the
    /// ordered targets with [`send_with_failover`](Self::send_with_failover).
    ///
    /// ```no_run
    /// # async fn f(ep: sip_transaction::Endpoint, req: sip_message::Message) -> Result<(), sip_transaction::Error> {
    /// use sip_message::SipUri;
    /// use sip_transaction::Resolver;
    /// let resolver = Resolver::from_system()?;
    /// let uri = SipUri::parse("sip:registrar.example.com").unwrap();
    /// let (target, response) = ep.send_to_uri(req, &uri, &resolver, true).await?;
    /// println!("{} answered {:?}", target, response.status());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Resolve`] if no target is found, else as
    /// [`send_with_failover`](Self::send_with_failover).
    pub async fn send_to_uri(
        &self,
        request: Message,
        uri: &SipUri,
        resolver: &Resolver,
        on_503: bool,
    ) -> Result<(Target, Message), Error> {
        let targets = resolver.resolve(uri).await?;
        self.send_with_failover(request, &targets, on_503).await
    }

    /// Sends a request without a transaction (the ACK for a 2xx).
    ///
    /// # Errors
    /// [`Error::Send`], [`Error::Closed`].
    pub async fn send_stateless(&self, request: Message, target: Target) -> Result<(), Error> {
        Ok(self
            .call(|reply| Command::Stateless {
                request,
                target,
                reply,
            })
            .await??)
    }

    /// Sends a response without a transaction, to the address its top Via
    /// names (§18.2.2).
    ///
    /// # Errors
    /// [`Error::Send`], [`Error::Closed`].
    pub async fn send_stateless_response(&self, response: Message) -> Result<(), Error> {
        Ok(self
            .call(|reply| Command::StatelessResponse { response, reply })
            .await??)
    }

    /// Sends a response on server transaction `id`.
    ///
    /// # Errors
    /// [`Error::Send`], [`Error::Closed`].
    pub async fn respond(&self, id: TxId, response: Message) -> Result<(), Error> {
        Ok(self
            .call(|reply| Command::Respond {
                id,
                response,
                reply,
            })
            .await??)
    }

    /// Changes the sent-by host of the Via of requests sent from now on
    /// (see [`TransactionLayer::set_sent_by_host`]): the hook the mobility
    /// layer uses when the device's address changes.
    ///
    /// # Errors
    /// [`Error::Closed`] after shutdown.
    pub async fn set_sent_by_host(&self, host: Option<String>) -> Result<(), Error> {
        self.call(|reply| Command::SentBy { host, reply }).await
    }

    /// Counters: live transactions and open connections.
    ///
    /// # Errors
    /// [`Error::Closed`] after shutdown.
    pub async fn stats(&self) -> Result<Stats, Error> {
        self.call(|reply| Command::Stats { reply }).await
    }

    /// Stops the driver: sockets close, connection tasks end, and every
    /// handle's next call returns [`Error::Closed`]. Waits for the driver
    /// task to finish.
    pub async fn shutdown(&self) {
        let _ = self.inner.shutdown.send(true);
        if let Some(task) = self.inner.task.lock().await.take() {
            let _ = task.await;
        }
    }
}

/// What a client transaction reports, in order.
#[derive(Clone, Debug)]
pub enum ClientUpdate {
    /// A provisional or final response (for an INVITE, also every later
    /// 2xx while the transaction is Accepted, RFC 6026).
    Response(Message),
    /// Timer B or F fired: no final response.
    TimedOut,
    /// The transport failed.
    TransportError,
}

/// A client transaction's handle.
#[derive(Debug)]
pub struct ClientTransaction {
    id: TxId,
    target: Target,
    rx: mpsc::UnboundedReceiver<ClientUpdate>,
    handle: Handle,
}

impl ClientTransaction {
    /// The transaction id.
    pub fn id(&self) -> TxId {
        self.id
    }

    /// Where the request went.
    pub fn target(&self) -> Target {
        self.target
    }

    /// The next update; `None` once the transaction has terminated and
    /// everything was read.
    pub async fn next(&mut self) -> Option<ClientUpdate> {
        self.rx.recv().await
    }

    /// Waits for the final response, skipping provisional ones.
    ///
    /// # Errors
    /// [`Error::TimedOut`] (Timer B/F), [`Error::TransportFailed`], or
    /// [`Error::Closed`] if the endpoint shut down first.
    pub async fn final_response(&mut self) -> Result<Message, Error> {
        loop {
            match self.next().await {
                Some(ClientUpdate::Response(r)) if r.status().is_some_and(|s| s >= 200) => {
                    return Ok(r)
                }
                Some(ClientUpdate::Response(_)) => {}
                Some(ClientUpdate::TimedOut) => return Err(Error::TimedOut),
                Some(ClientUpdate::TransportError) => return Err(Error::TransportFailed),
                None => return Err(Error::Closed),
            }
        }
    }

    /// Cancels this INVITE (RFC 3261 §9.1); the CANCEL's own transaction
    /// is returned. The INVITE then normally ends with a 487.
    ///
    /// # Errors
    /// [`SendError::NotCancellable`] before a provisional response or after
    /// a final one.
    pub async fn cancel(&self) -> Result<Self, Error> {
        let (updates, rx) = mpsc::unbounded_channel();
        let id = self
            .handle
            .call(|reply| Command::Cancel {
                invite: self.id,
                updates,
                reply,
            })
            .await??;
        Ok(Self {
            id,
            target: self.target,
            rx,
            handle: self.handle.clone(),
        })
    }
}

/// A new server transaction, handed out by [`Incoming`].
#[derive(Debug)]
pub struct ServerTransaction {
    id: TxId,
    request: Message,
    source: Source,
    cancels: Option<TxId>,
    handle: Handle,
}

impl ServerTransaction {
    /// The transaction id.
    pub fn id(&self) -> TxId {
        self.id
    }

    /// The request (its top Via carries `received`/`rport`).
    pub fn request(&self) -> &Message {
        &self.request
    }

    /// Where it came from.
    pub fn source(&self) -> Source {
        self.source
    }

    /// For a CANCEL, the INVITE server transaction it cancels.
    pub fn cancels(&self) -> Option<TxId> {
        self.cancels
    }

    /// Sends a response (any number of provisional ones, then a final one;
    /// for an INVITE, 2xx retransmissions too, RFC 6026).
    ///
    /// # Errors
    /// [`Error::Send`] if the state does not allow it, [`Error::Closed`].
    pub async fn respond(&self, response: Message) -> Result<(), Error> {
        let id = self.id;
        Ok(self
            .handle
            .call(|reply| Command::Respond {
                id,
                response,
                reply,
            })
            .await??)
    }
}

/// What arrives at an endpoint outside the client transactions it started.
#[derive(Debug)]
#[non_exhaustive]
pub enum Received {
    /// A new request in a new server transaction.
    Request(ServerTransaction),
    /// An ACK for a 2xx (see [`Event::Ack`](crate::Event::Ack)).
    Ack {
        /// The INVITE server transaction it matched, if any.
        id: Option<TxId>,
        /// The ACK.
        ack: Message,
        /// Where it came from.
        source: Source,
    },
    /// A response matching no client transaction.
    StrayResponse {
        /// The response.
        response: Message,
        /// Where it came from.
        source: Source,
    },
    /// A server INVITE transaction's final response was never acknowledged
    /// (Timer H), or its transport failed.
    ServerFailed {
        /// The server transaction.
        id: TxId,
    },
}

/// The stream of [`Received`] items of an endpoint.
#[derive(Debug)]
pub struct Incoming {
    rx: mpsc::UnboundedReceiver<Received>,
}

impl Incoming {
    /// The next item; `None` after shutdown.
    pub async fn recv(&mut self) -> Option<Received> {
        self.rx.recv().await
    }
}
