//! The transaction layer: one sans-IO core that owns every transaction of
//! an endpoint and routes each message to the one it belongs to.

mod key;
mod send;
mod slab;
mod via;

#[cfg(test)]
mod tests;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use crate::sharded::ShardedMap;
use std::fmt;
use std::net::SocketAddr;
use std::time::Instant;

use bytes::Bytes;
use sip_message::{ErrorKind, HeaderName, Message, Method, ParseError, Via, DEFAULT_MAX_SIZE};

use crate::config::TimerConfig;
use crate::ids::IdGenerator;
use crate::timer::Timer;
use crate::transaction::{
    ClientEvent, ClientInvite, ClientNonInvite, ServerEvent, ServerInvite, ServerNonInvite,
};
use crate::transport::{Target, Transmit, Transport};

use key::{ClientKey, ServerKey};
pub(crate) use via::{ip_text, response_target};

/// Settings of a [`TransactionLayer`]. `Default` gives the RFC values.
#[derive(Clone, Debug)]
pub struct LayerConfig {
    /// T1, T2, T4 and the derived timers.
    pub timers: TimerConfig,
    /// RFC 3261 §18.1.1: a request larger than this (1300 bytes when the
    /// path MTU is unknown) that would go over UDP goes over TCP instead.
    pub max_udp_request: usize,
    /// The host written as sent-by in our Via headers instead of the
    /// listener's IP address (a name, or the public address when listening
    /// on `0.0.0.0`). The port stays the listener's.
    pub sent_by_host: Option<String>,
    /// Whether our Via headers carry an empty `rport` (RFC 3581 §3), so
    /// responses come back through NATs to the port we sent from.
    pub rport: bool,
    /// The largest datagram accepted; larger ones are dropped.
    pub max_message_size: usize,
    /// The most transactions alive at once. A new request beyond it is
    /// answered `503 Service Unavailable` with `Retry-After`, statelessly.
    pub max_transactions: usize,
}

impl Default for LayerConfig {
    fn default() -> Self {
        Self {
            timers: TimerConfig::default(),
            max_udp_request: 1300,
            sent_by_host: None,
            rport: true,
            max_message_size: DEFAULT_MAX_SIZE,
            max_transactions: 1 << 20,
        }
    }
}

/// A handle to one transaction: a `Copy` id into the layer's slab, never a
/// shared lock. An id outlives its transaction harmlessly: commands with a
/// stale id fail with [`SendError::NoSuchTransaction`](crate::SendError::NoSuchTransaction).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TxId {
    index: u32,
    gen: u32,
}

impl fmt::Display for TxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tx{}.{}", self.index, self.gen)
    }
}

/// Where a message came from.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Source {
    /// The transport it arrived on.
    pub transport: Transport,
    /// The peer's address (for TCP, the connection's remote address).
    pub remote: SocketAddr,
    /// The local address it arrived at.
    pub local: SocketAddr,
}

/// A request that created a new server transaction.
#[derive(Clone, Debug)]
pub struct IncomingRequest {
    /// The new server transaction; answer with
    /// [`TransactionLayer::send_response`].
    pub id: TxId,
    /// The request, with `received` and `rport` filled in its top Via.
    pub request: Message,
    /// Where it came from.
    pub source: Source,
    /// For a CANCEL, the INVITE server transaction it cancels (RFC 3261
    /// §9.2), if one matches. The TU answers the CANCEL (200, or 481 when
    /// this is `None`) and then the INVITE (487).
    pub cancels: Option<TxId>,
}

/// What the layer tells the transaction user.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Event {
    /// A new request: a new server transaction to answer.
    Request(IncomingRequest),
    /// A response to a client transaction: each provisional, the final,
    /// and for an INVITE every 2xx while Accepted (RFC 6026).
    Response {
        /// The client transaction.
        id: TxId,
        /// The response.
        response: Message,
    },
    /// A client transaction got no final response (Timer B or F), or a
    /// server INVITE transaction got no ACK (Timer H).
    TimedOut {
        /// The transaction.
        id: TxId,
    },
    /// The transport failed for this transaction (§17.1.4, §17.2.4).
    TransportError {
        /// The transaction.
        id: TxId,
    },
    /// An ACK for a 2xx: the ACK of RFC 3261 §17.1.1.3 for a 2xx is a
    /// request of its own (new branch), so it matches no transaction
    /// (`id: None`) and goes to the TU, as does an ACK matched to an
    /// INVITE server transaction in the Accepted state (RFC 6026 §8.7).
    Ack {
        /// The INVITE server transaction it matched, if any.
        id: Option<TxId>,
        /// The ACK.
        ack: Message,
        /// Where it came from.
        source: Source,
    },
    /// A response that matches no client transaction (§18.1.2: "passed to
    /// the core"): a 2xx retransmission after the transaction ended, or a
    /// response a stateless proxy forwards.
    StrayResponse {
        /// The response.
        response: Message,
        /// Where it came from.
        source: Source,
    },
    /// Bytes that are not a SIP message, or a message without what the
    /// layer needs to route it. Requests that can be answered got a 400.
    Malformed {
        /// Where they came from.
        source: Source,
        /// What was wrong, with its position.
        error: ParseError,
    },
    /// The transaction ended and its id is now stale.
    Terminated {
        /// The transaction.
        id: TxId,
    },
}

/// Counters of a [`TransactionLayer`] since it was created.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LayerStats {
    /// Transactions created, client and server.
    pub transactions: u64,
    /// Requests that matched a live server transaction: retransmissions
    /// from the peer (ACKs not counted).
    pub retransmissions_received: u64,
    /// Messages re-sent: requests on Timer A or E, final responses on
    /// Timer G, and responses re-sent for a retransmitted request.
    pub retransmissions_sent: u64,
    /// Datagrams or messages dropped or answered 400 (or 505) as malformed.
    pub malformed: u64,
    /// Responses that matched no client transaction.
    pub stray_responses: u64,
}

/// The four machines behind one enum. The three large ones are boxed, so
/// a slab entry is the size of the bookkeeping around a machine rather
/// than of the largest machine. The common long-lived transaction, a
/// completed non-INVITE server transaction waiting out Timer J, is the
/// smallest (144 bytes): it sits inline, which costs no more memory than a
/// box would and saves an allocation per REGISTER.
#[derive(Debug)]
#[allow(clippy::enum_variant_names)] // named after the RFC's four machines
enum Tx {
    ClientInvite(Box<ClientInvite>),
    ClientNonInvite(Box<ClientNonInvite>),
    ServerInvite(Box<ServerInvite>),
    ServerNonInvite(ServerNonInvite),
}

#[derive(Debug)]
enum Key {
    Client(ClientKey),
    Server(ServerKey),
}

#[derive(Debug)]
struct Entry {
    tx: Tx,
    key: Key,
    /// Where this transaction's messages go: the request's destination for
    /// a client transaction, the §18.2.2 address for a server one.
    target: Target,
    /// The local address to send from.
    local: Option<SocketAddr>,
    /// Where the last request of a server transaction came from.
    source: Option<Source>,
    /// The instant under which this transaction sits in the timer heap.
    scheduled: Option<Instant>,
}

#[derive(Debug, Default)]
struct Slot {
    gen: u32,
    entry: Option<Entry>,
}

/// The transaction layer of RFC 3261 §17 and the transport rules of §18.
///
/// It owns every transaction of an endpoint in a slab, keyed for matching:
/// responses by branch and CSeq method (§17.1.3), requests by branch,
/// sent-by and method, with the RFC 2543 fallback for branches without the
/// magic cookie (§17.2.3). A transaction leaves the slab when it
/// terminates, so memory follows the number of live transactions.
///
/// Like each machine it drives, the layer is sans-IO: feed it datagrams
/// with [`handle`](Self::handle) and the clock with
/// [`handle_timeout`](Self::handle_timeout); after every call, drain
/// [`poll_transmit`](Self::poll_transmit) and
/// [`poll_event`](Self::poll_event) to `None`, then read
/// [`poll_timeout`](Self::poll_timeout).
///
/// ```
/// use std::time::Instant;
/// use sip_message::{Message, Method, Uri};
/// use sip_transaction::{Event, LayerConfig, Target, TransactionLayer, Transport};
///
/// let now = Instant::now();
/// let mut layer = TransactionLayer::new(LayerConfig::default(), Default::default());
/// layer.add_listener(Transport::Udp, "192.0.2.1:5060".parse().unwrap());
/// let req = Message::request(Method::Options, Uri::parse("sip:bob@192.0.2.2").unwrap())
///     .header("To", "<sip:bob@192.0.2.2>")
///     .header("From", "<sip:alice@192.0.2.1>;tag=1928301774")
///     .header("Call-ID", "a84b4c76e66710")
///     .header("CSeq", "1 OPTIONS")
///     .header("Max-Forwards", "70")
///     .build()
///     .unwrap();
/// let id = layer.send_request(now, req, Target::udp("192.0.2.2:5060".parse().unwrap())).unwrap();
/// let out = layer.poll_transmit().unwrap();
/// assert!(out.payload.starts_with(b"OPTIONS sip:bob@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK"));
/// // Timer E: the first retransmission is due T1 later.
/// assert_eq!(layer.poll_timeout(), Some(now + std::time::Duration::from_millis(500)));
/// # let _ = id;
/// ```
pub struct TransactionLayer {
    cfg: LayerConfig,
    ids: IdGenerator,
    listeners: Vec<(Transport, SocketAddr)>,
    slots: slab::Chunked<Slot>,
    free: Vec<u32>,
    live: usize,
    clients: ShardedMap<ClientKey, TxId>,
    servers: ShardedMap<ServerKey, TxId>,
    timers: BinaryHeap<Reverse<(Instant, TxId)>>,
    /// Scratch space of `handle_timeout`, kept to save an allocation.
    due: Vec<(Instant, TxId)>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<Event>,
    stats: LayerStats,
}

impl fmt::Debug for TransactionLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransactionLayer")
            .field("live", &self.live)
            .field("listeners", &self.listeners)
            .finish_non_exhaustive()
    }
}

impl TransactionLayer {
    /// A layer with no transactions. Branches come from `ids`.
    pub fn new(cfg: LayerConfig, ids: IdGenerator) -> Self {
        Self {
            cfg,
            ids,
            listeners: Vec::new(),
            slots: slab::Chunked::default(),
            free: Vec::new(),
            live: 0,
            clients: ShardedMap::new(),
            servers: ShardedMap::new(),
            timers: BinaryHeap::new(),
            due: Vec::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            stats: LayerStats::default(),
        }
    }

    // ------------------------------------------------------------------ getters

    /// The configuration.
    pub fn config(&self) -> &LayerConfig {
        &self.cfg
    }

    /// The identifier generator, shared with the layers above for tags and
    /// Call-IDs so one seed drives a whole simulation.
    pub fn ids(&mut self) -> &mut IdGenerator {
        &mut self.ids
    }

    /// The local addresses Via headers are written from.
    pub fn listeners(&self) -> &[(Transport, SocketAddr)] {
        &self.listeners
    }

    /// Counters since creation.
    pub fn stats(&self) -> LayerStats {
        self.stats
    }

    /// The number of live transactions.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether no transaction is alive.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Whether `id` names a live transaction.
    pub fn contains(&self, id: TxId) -> bool {
        self.entry(id).is_some()
    }

    /// The request that created transaction `id` (for a non-INVITE server
    /// transaction, only until its final response was sent).
    pub fn request(&self, id: TxId) -> Option<&Message> {
        self.entry(id).and_then(|e| match &e.tx {
            Tx::ClientInvite(t) => Some(t.request()),
            Tx::ClientNonInvite(t) => Some(t.request()),
            Tx::ServerInvite(t) => Some(t.request()),
            Tx::ServerNonInvite(t) => t.request(),
        })
    }

    /// Where transaction `id` sends: the destination of a client
    /// transaction, the response address of a server one.
    pub fn target(&self, id: TxId) -> Option<Target> {
        self.entry(id).map(|e| e.target)
    }

    // ------------------------------------------------------------- configuration

    /// Registers a local address the driver listens on; the first one of a
    /// transport and address family becomes the sent-by of requests sent
    /// over it.
    pub fn add_listener(&mut self, transport: Transport, addr: SocketAddr) {
        if !self.listeners.contains(&(transport, addr)) {
            self.listeners.push((transport, addr));
        }
    }

    /// Stops writing `addr` into Via headers (its interface went away).
    pub fn remove_listener(&mut self, transport: Transport, addr: SocketAddr) {
        self.listeners.retain(|&l| l != (transport, addr));
    }

    /// Changes the host written as sent-by in the Via of requests sent from
    /// now on: what a mobile node does when its address changes (the
    /// mobility layer then re-registers and re-INVITEs). Transactions
    /// already running keep retransmitting the Via they were sent with, as
    /// RFC 3261 §17.1.1.2 requires retransmissions to be identical.
    pub fn set_sent_by_host(&mut self, host: Option<String>) {
        self.cfg.sent_by_host = host;
    }

    // ------------------------------------------------------------ network input

    /// Handles one datagram, or one message cut from a stream by
    /// [`StreamFramer`](sip_message::StreamFramer), from `source`.
    ///
    /// Requests get `received`/`rport` (§18.2.1, RFC 3581) and go to their
    /// server transaction or create one; a request that fails the checks of
    /// [`Message::validate`] is answered 400 statelessly (505 when its
    /// version is not SIP/2.0). Responses go to
    /// their client transaction or up as stray. Nothing the peer sends can
    /// make this panic.
    pub fn handle(&mut self, now: Instant, source: Source, data: Bytes) {
        // A clone of the handle (a reference count), kept so that a
        // request that does not parse can still be answered.
        let raw = data.clone();
        let parsed = if source.transport.is_reliable() {
            Message::parse_stream(data)
        } else {
            Message::parse_datagram_limited(data, self.cfg.max_message_size)
        };
        match parsed {
            Ok(msg) if msg.is_request() => self.handle_request(now, source, msg),
            Ok(msg) => self.handle_response(now, source, msg),
            Err(error) => self.salvage(now, source, &raw, error),
        }
    }

    /// A message that does not parse. §18.3: "If the transport packet ends
    /// before the end of the message body, this is considered an error. If
    /// the message is a response, it MUST be discarded. If the message is
    /// a request, the element SHOULD generate a 400 (Bad Request)
    /// response." The same goes for a Content-Length that is not a number
    /// and any other header the parser refuses: if the request line and
    /// the headers a response copies (§8.2.6: Via, From, To, Call-ID,
    /// CSeq) can be read on their own, the request is answered 400 with
    /// the parser's error in a Warning; otherwise it is dropped.
    fn salvage(&mut self, now: Instant, source: Source, raw: &[u8], error: ParseError) {
        let Some(msg) = salvage_head(raw) else {
            return self.malformed(source, error);
        };
        if msg.method() == Some(&Method::Ack) {
            // An ACK is never answered (§17.2.1).
            return self.malformed(source, error);
        }
        let mut msg = msg;
        let via = match msg.typed::<Via>() {
            Ok(v) => v,
            Err(_) => return self.malformed(source, error),
        };
        let via = match via::stamp_received(&mut msg, via, &source) {
            Ok(v) => v,
            Err(_) => return self.malformed(source, error),
        };
        self.reject(now, source, &msg, &via, error);
    }

    fn handle_request(&mut self, now: Instant, source: Source, mut msg: Message) {
        // Without a readable top Via there is nowhere to send even a 400
        // (§18.2.2), so the request is dropped.
        let via = match msg.typed::<Via>() {
            Ok(v) => v,
            Err(error) => return self.malformed(source, error),
        };
        let via = match via::stamp_received(&mut msg, via, &source) {
            Ok(v) => v,
            Err(error) => return self.malformed(source, error),
        };
        let method = msg.method().cloned().unwrap_or(Method::Options);
        if method == Method::Ack {
            return self.handle_ack(now, source, msg, &via);
        }
        let key = match ServerKey::of_request(&msg, &via, method.clone()) {
            Ok(k) => k,
            Err(error) => return self.reject(now, source, &msg, &via, error),
        };
        if let Some(&id) = self.servers.get(&key) {
            // A retransmission (§17.2.3).
            if let Some(e) = self.entry_mut(id) {
                e.source = Some(source);
                match &mut e.tx {
                    Tx::ServerInvite(t) => t.handle_request(now, msg),
                    Tx::ServerNonInvite(t) => t.handle_request(now, msg),
                    _ => {}
                }
            }
            self.stats.retransmissions_received += 1;
            return self.drive(id, true);
        }
        if let Err(error) = msg.validate() {
            return self.reject(now, source, &msg, &via, error);
        }
        if self.live >= self.cfg.max_transactions {
            return self.overloaded(now, source, &msg, &via);
        }
        let cancels = if method == Method::Cancel {
            self.servers.get(&key.with_method(Method::Invite)).copied()
        } else {
            None
        };
        let reliable = source.transport.is_reliable();
        let timers = self.cfg.timers;
        let tx = if method == Method::Invite {
            Tx::ServerInvite(Box::new(ServerInvite::new(
                now,
                msg.clone(),
                reliable,
                timers,
            )))
        } else {
            Tx::ServerNonInvite(ServerNonInvite::new(now, msg.clone(), reliable, timers))
        };
        let target = via::reply_target(&via, &source);
        // Only a non-INVITE server transaction over UDP outlives its
        // request (Timer J); an INVITE one keeps its request anyway, and
        // over TCP Timer J is zero. There a stored key slicing the
        // datagram costs nothing, and a copy would.
        let key = if method == Method::Invite || reliable {
            key
        } else {
            key.detached()
        };
        let id = self.insert(Entry {
            tx,
            key: Key::Server(key.clone()),
            target,
            local: Some(source.local),
            source: Some(source),
            scheduled: None,
        });
        self.servers.insert(key, id);
        self.events.push_back(Event::Request(IncomingRequest {
            id,
            request: msg,
            source,
            cancels,
        }));
        self.drive(id, false);
    }

    /// §17.2.3: "the ACK request matches a transaction if the ... method of
    /// the request that created the transaction is INVITE". An ACK that
    /// matches none is for a 2xx and goes to the TU.
    fn handle_ack(&mut self, now: Instant, source: Source, msg: Message, via: &Via) {
        let id = ServerKey::of_request(&msg, via, Method::Invite)
            .ok()
            .and_then(|k| Some((self.servers.get(&k).copied()?, k.is_rfc2543())))
            .filter(|&(id, rfc2543)| !rfc2543 || self.ack_to_tag_matches(id, &msg))
            .map(|(id, _)| id);
        match id {
            Some(id) => {
                if let Some(e) = self.entry_mut(id) {
                    e.source = Some(source);
                    if let Tx::ServerInvite(t) = &mut e.tx {
                        t.handle_request(now, msg);
                    }
                }
                self.drive(id, false);
            }
            None => self.events.push_back(Event::Ack {
                id: None,
                ack: msg,
                source,
            }),
        }
    }

    /// RFC 2543 matching of an ACK: "the To tag of the ACK matches the To
    /// tag of the response sent by the server transaction" (§17.2.3).
    fn ack_to_tag_matches(&self, id: TxId, ack: &Message) -> bool {
        let Some(Entry {
            tx: Tx::ServerInvite(t),
            ..
        }) = self.entry(id)
        else {
            return false;
        };
        let ack_tag = ack
            .typed::<sip_message::To>()
            .ok()
            .and_then(|to| to.tag_slice());
        t.final_to_tag() == ack_tag.as_deref()
    }

    fn handle_response(&mut self, now: Instant, source: Source, msg: Message) {
        // §18.1.2 drops responses it cannot route; a response whose Via or
        // CSeq does not parse cannot match anything.
        let key = match ClientKey::of_response(&msg) {
            Ok(Some(k)) => k,
            Ok(None) => {
                self.stats.stray_responses += 1;
                return self.events.push_back(Event::StrayResponse {
                    response: msg,
                    source,
                });
            }
            Err(error) => return self.malformed(source, error),
        };
        match self.clients.get(&key).copied() {
            Some(id) => {
                if let Some(e) = self.entry_mut(id) {
                    match &mut e.tx {
                        Tx::ClientInvite(t) => t.handle_response(now, msg),
                        Tx::ClientNonInvite(t) => t.handle_response(now, msg),
                        _ => {}
                    }
                }
                self.drive(id, false);
            }
            None => {
                self.stats.stray_responses += 1;
                self.events.push_back(Event::StrayResponse {
                    response: msg,
                    source,
                });
            }
        }
    }

    /// Answers a request that cannot be processed with 400 and a Warning
    /// carrying the parse error (RFC 3261 §8.2.2 leaves the details to the
    /// server; §21.4.1 is 400), or with 505 when its version is not
    /// SIP/2.0 (§21.5.6). An ACK is never answered (§17.2.3 would make it
    /// stray anyway).
    fn reject(
        &mut self,
        now: Instant,
        source: Source,
        msg: &Message,
        via: &Via,
        error: ParseError,
    ) {
        self.malformed(source, error);
        let text = error.to_string().replace(['"', '\\'], "'");
        let warning = format!("399 {} \"{}\"", self.warn_agent(source.local), text);
        let code = match error.kind() {
            ErrorKind::UnsupportedVersion => 505,
            _ => 400,
        };
        self.stateless_reply(now, source, msg, via, code, &[("Warning", &warning)]);
    }

    fn malformed(&mut self, source: Source, error: ParseError) {
        self.stats.malformed += 1;
        self.events.push_back(Event::Malformed { source, error });
    }

    fn overloaded(&mut self, now: Instant, source: Source, msg: &Message, via: &Via) {
        self.stateless_reply(now, source, msg, via, 503, &[("Retry-After", "5")]);
    }

    fn warn_agent(&self, local: SocketAddr) -> String {
        match &self.cfg.sent_by_host {
            Some(h) => h.clone(),
            None => format!("{}:{}", ip_text(local.ip()), local.port()),
        }
    }

    /// A response built from the raw Via, From, To, Call-ID and CSeq lines
    /// (§8.2.6), so even a request whose To does not parse is answered.
    fn stateless_reply(
        &mut self,
        _now: Instant,
        source: Source,
        msg: &Message,
        via: &Via,
        code: u16,
        extra: &[(&str, &str)],
    ) {
        let mut b = Message::response(code);
        for h in msg.headers() {
            match h.name {
                HeaderName::Via
                | HeaderName::From
                | HeaderName::To
                | HeaderName::CallId
                | HeaderName::CSeq => b = b.header(h.name.clone(), h.value),
                _ => {}
            }
        }
        for (name, value) in extra {
            b = b.header(*name, value);
        }
        if let Ok(resp) = b.build() {
            self.transmits.push_back(Transmit {
                target: via::reply_target(via, &source),
                local: Some(source.local),
                payload: resp.to_bytes(),
            });
        }
    }

    /// Tells the layer that the transport could not reach `target` (an ICMP
    /// error, a refused or reset connection). Every transaction sending
    /// there fails with [`Event::TransportError`] (§17.1.4, §17.2.4).
    /// This scans all transactions; transport failures are rare.
    pub fn handle_transport_error(&mut self, now: Instant, target: Target) {
        let hit: Vec<TxId> = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let e = s.entry.as_ref()?;
                (e.target == target).then_some(TxId {
                    index: i as u32,
                    gen: s.gen,
                })
            })
            .collect();
        for id in hit {
            if let Some(e) = self.entry_mut(id) {
                match &mut e.tx {
                    Tx::ClientInvite(t) => t.handle_transport_error(now),
                    Tx::ClientNonInvite(t) => t.handle_transport_error(now),
                    Tx::ServerInvite(t) => t.handle_transport_error(now),
                    Tx::ServerNonInvite(t) => t.handle_transport_error(now),
                }
            }
            self.drive(id, false);
        }
    }

    /// Fires every timer due at `now`. Calls before the next deadline are
    /// no-ops.
    pub fn handle_timeout(&mut self, now: Instant) {
        // Take what is due first: a deadline a transaction sets while being
        // handled waits for the next call, so this loop always ends.
        // The buffer is kept between calls: this runs on every wake-up.
        let mut due = std::mem::take(&mut self.due);
        while let Some(&Reverse((at, id))) = self.timers.peek() {
            if at > now {
                break;
            }
            self.timers.pop();
            due.push((at, id));
        }
        for &(at, id) in &due {
            let Some(e) = self.entry_mut(id) else {
                continue;
            };
            if e.scheduled != Some(at) {
                continue; // superseded by a later schedule
            }
            e.scheduled = None;
            let timer = match &mut e.tx {
                Tx::ClientInvite(t) => t.poll_timeout().map(|(_, k)| k),
                Tx::ClientNonInvite(t) => t.poll_timeout().map(|(_, k)| k),
                Tx::ServerInvite(t) => t.poll_timeout().map(|(_, k)| k),
                Tx::ServerNonInvite(t) => t.poll_timeout().map(|(_, k)| k),
            };
            match &mut e.tx {
                Tx::ClientInvite(t) => t.handle_timeout(now),
                Tx::ClientNonInvite(t) => t.handle_timeout(now),
                Tx::ServerInvite(t) => t.handle_timeout(now),
                Tx::ServerNonInvite(t) => t.handle_timeout(now),
            }
            // Timers A, E and G retransmit; the others end states or send 100.
            let retransmits = matches!(timer, Some(Timer::A | Timer::E | Timer::G));
            self.drive(id, retransmits);
        }
        due.clear();
        self.due = due;
    }

    // -------------------------------------------------------------------- output

    /// The next message to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event for the transaction user.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next be called.
    /// It may name an instant whose timer was since moved; that call is
    /// then a cheap no-op.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.peek().map(|Reverse((at, _))| *at)
    }

    // ----------------------------------------------------------------- internals

    fn insert(&mut self, entry: Entry) -> TxId {
        self.live += 1;
        self.stats.transactions += 1;
        if let Some(index) = self.free.pop() {
            if let Some(slot) = self.slots.get_mut(index as usize) {
                slot.entry = Some(entry);
                return TxId {
                    index,
                    gen: slot.gen,
                };
            }
        }
        let index = self.slots.len() as u32;
        self.slots.push(Slot {
            gen: 0,
            entry: Some(entry),
        });
        TxId { index, gen: 0 }
    }

    fn entry(&self, id: TxId) -> Option<&Entry> {
        let s = self.slots.get(id.index as usize)?;
        if s.gen == id.gen {
            s.entry.as_ref()
        } else {
            None
        }
    }

    fn entry_mut(&mut self, id: TxId) -> Option<&mut Entry> {
        let s = self.slots.get_mut(id.index as usize)?;
        if s.gen == id.gen {
            s.entry.as_mut()
        } else {
            None
        }
    }

    /// Drains a transaction after a mutation: its transmits get addresses,
    /// its events become layer events, its next deadline goes on the heap,
    /// and a terminated transaction leaves the slab.
    fn drive(&mut self, id: TxId, retransmits: bool) {
        let Some(e) = self.slots.get_mut(id.index as usize).and_then(|s| {
            if s.gen == id.gen {
                s.entry.as_mut()
            } else {
                None
            }
        }) else {
            return;
        };
        let (target, local) = (e.target, e.local);
        let terminated;
        macro_rules! drain {
            ($t:expr, $map:expr) => {{
                while let Some(payload) = $t.poll_transmit() {
                    if retransmits {
                        self.stats.retransmissions_sent += 1;
                    }
                    self.transmits.push_back(Transmit {
                        target,
                        local,
                        payload,
                    });
                }
                while let Some(ev) = $t.poll_event() {
                    if let Some(ev) = $map(ev) {
                        self.events.push_back(ev);
                    }
                }
                terminated = $t.is_terminated();
                $t.poll_timeout().map(|(at, _)| at)
            }};
        }
        let client = |ev: ClientEvent| match ev {
            ClientEvent::Response(response) => Some(Event::Response { id, response }),
            ClientEvent::TimedOut => Some(Event::TimedOut { id }),
            ClientEvent::TransportError => Some(Event::TransportError { id }),
            ClientEvent::Terminated => None,
        };
        let source = e.source;
        let server = |ev: ServerEvent| match ev {
            ServerEvent::Ack(ack) => source.map(|source| Event::Ack {
                id: Some(id),
                ack,
                source,
            }),
            ServerEvent::TimedOut => Some(Event::TimedOut { id }),
            ServerEvent::TransportError => Some(Event::TransportError { id }),
            ServerEvent::Terminated => None,
        };
        let next = match &mut e.tx {
            Tx::ClientInvite(t) => drain!(t, client),
            Tx::ClientNonInvite(t) => drain!(t, client),
            Tx::ServerInvite(t) => drain!(t, server),
            Tx::ServerNonInvite(t) => drain!(t, server),
        };
        if terminated {
            self.remove(id);
            self.events.push_back(Event::Terminated { id });
            return;
        }
        if next != e.scheduled {
            e.scheduled = next;
            if let Some(at) = next {
                self.timers.push(Reverse((at, id)));
            }
        }
    }

    fn remove(&mut self, id: TxId) {
        let Some(slot) = self.slots.get_mut(id.index as usize) else {
            return;
        };
        let Some(e) = slot.entry.take() else { return };
        slot.gen = slot.gen.wrapping_add(1);
        self.free.push(id.index);
        self.live -= 1;
        // One hash and one probe: the key is read once, when it is cold.
        match e.key {
            Key::Client(k) => {
                self.clients.entry(k).remove_if(|v| *v == id);
            }
            Key::Server(k) => {
                self.servers.entry(k).remove_if(|v| *v == id);
            }
        }
    }
}

/// The request line and the Via, From, To, Call-ID and CSeq lines of a
/// request that failed to parse, as a request of their own with no body;
/// `None` for a response or when even those do not parse.
fn salvage_head(raw: &[u8]) -> Option<Message> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(raw.len());
    let head = std::str::from_utf8(raw.get(..end)?).ok()?;
    let mut lines = head.split("\r\n");
    let start = lines.next()?;
    if start.starts_with("SIP/") || !start.ends_with(" SIP/2.0") {
        return None;
    }
    let mut out = String::with_capacity(end + 24);
    out.push_str(start);
    out.push_str("\r\n");
    let mut keep = false;
    for line in lines {
        if line.starts_with([' ', '\t']) {
            // A folded continuation of the header above.
            if keep {
                out.push_str(line);
                out.push_str("\r\n");
            }
            continue;
        }
        let name = line.split(':').next().unwrap_or("").trim();
        keep = ["via", "v", "from", "f", "to", "t", "call-id", "i", "cseq"]
            .iter()
            .any(|n| name.eq_ignore_ascii_case(n));
        if keep {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str("Content-Length: 0\r\n\r\n");
    Message::parse(Bytes::from(out))
        .ok()
        .filter(Message::is_request)
}
