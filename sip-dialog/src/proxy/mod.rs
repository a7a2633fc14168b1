//! The stateful proxy ([RFC 3261 §16]) as a sans-IO transaction user.
//!
//! A [`Proxy`] owns a [`TransactionLayer`] and, for every request it
//! routes, a *response context* (§16.6) tying the request's server
//! transaction to the client transactions of its branches. It follows the
//! steps of §16 in order:
//!
//! - **§16.3 validation**: the layer answers 400 to what fails
//!   [`Message::validate`]; then 416 for a Request-URI that is not SIP or
//!   SIPS, 483 for `Max-Forwards: 0` (an OPTIONS gets 200 instead, "the
//!   element MAY act as the final recipient"), 482 for a loop (see below),
//!   420 with Unsupported for an unknown Proxy-Require tag, and 407 when
//!   proxy authentication is on (see [`Proxy::with_auth`]).
//! - **§16.4 route preprocessing**: a Request-URI holding our
//!   Record-Route value (a strict router sent it) is replaced by the last
//!   Route value; a `maddr` naming us is stripped; our own top Route is
//!   popped.
//! - **§16.5 targets**: a Request-URI in one of our domains (or naming the
//!   proxy itself) is looked up in the location service and retargeted to
//!   every binding (480 when there is none, see
//!   [`ProxyConfig::no_binding_status`]); any other is forwarded as it
//!   is. A request that still carries Route values after §16.4 follows
//!   them without a lookup (a dialog's route set or a preloaded route
//!   decided the path; deployed proxies do the same). REGISTERs for the
//!   registrar's domains go to the [`Registrar`] the proxy may own.
//! - **§16.6 forwarding** of each target, in parallel or by q-value
//!   ([`Forking`]): Request-URI, Max-Forwards, Record-Route, the Path of
//!   the binding as Route (RFC 3327), strict next hops, next-hop address,
//!   Via (the layer's, with a fresh branch), Timer C for INVITEs.
//! - **§16.7 responses**: 100 absorbed, other provisionals and every 2xx
//!   forwarded at once, the best final response chosen when every branch
//!   is done (6xx first, else the lowest class, 401/407/415/420/484
//!   preferred; 401/407 challenges aggregated; 503 sent on as 500),
//!   CANCEL of the pending branches after a 2xx or 6xx or the final
//!   response. Timeouts count as 408, transport errors as 503 (§16.9).
//! - **§16.8 Timer C** and **§16.10 CANCEL** (200, then the branches are
//!   cancelled and their 487 forwarded).
//! - ACKs for 2xx and responses that match no transaction (late 2xx
//!   retransmissions) are forwarded statelessly (§16.7, §16.11).
//!
//! # Loop detection
//!
//! §16.3 step 4 and §16.6 step 8 describe loop detection through a hash
//! of the routing fields carried in the branch parameter. The transaction
//! layer draws branches itself, so the proxy keeps that hash in the
//! response context instead: a request that arrives with one of our Via
//! sent-by values and the hash of a request we are still processing has
//! looped (482); with another hash it is spiraling. The hash covers the
//! Request-URI as received, the To and From tags, Call-ID, the CSeq
//! number, Route, Proxy-Require and Proxy-Authorization. It leaves out the
//! topmost Via that §16.6 step 8 lists: on a loop the topmost Via is
//! always the previous hop's, so with it no loop would ever match.
//!
//! # Next hops
//!
//! The core is sans-IO and does not resolve names (RFC 3263 is the
//! driver's). A next hop is the numeric host (or `maddr`) of the URI; for a
//! binding whose contact is a name, the address its REGISTER came from;
//! else a static route ([`ProxyConfig::add_route`]), the
//! [`ProxyHooks::locate`] hook, or the default route. A target with none
//! of these counts as having answered 408 (§16.6 step 7: "If the ordered
//! set is exhausted ... acts as if this element of the target set returned
//! a 408").
//!
//! [RFC 3261 §16]: https://www.rfc-editor.org/rfc/rfc3261#section-16

mod config;
mod context;
mod forward;
mod hooks;
mod request;

#[cfg(test)]
mod tests;

pub use config::{Forking, ProxyConfig};
pub use hooks::{NoHooks, ProxyHooks, RequestAction, RequestInfo};

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::net::SocketAddr;
use std::time::Instant;

use bytes::Bytes;
use sip_message::{HeaderName, Message, SipUri, Via};
use sip_transaction::sim::Host;
use sip_transaction::{Event, Source, Target, TransactionLayer, Transmit, Transport, TxId};

use crate::auth::{Authenticator, CredentialStore, MemoryCredentials};
use crate::registrar::{LocationService, MemoryLocation, Registrar};
use crate::timers::TimerQueue;
use context::Context;

/// Counters of a [`Proxy`] since it was created.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProxyStats {
    /// Requests that created a server transaction (CANCEL included).
    pub requests: u64,
    /// Branches started: client transactions forwarding a request.
    pub branches: u64,
    /// Responses forwarded upstream on a server transaction.
    pub responses_forwarded: u64,
    /// Responses the proxy generated itself (errors, challenges, the
    /// registrar's answers, 200 to CANCEL and OPTIONS); 100 not counted.
    pub local_responses: u64,
    /// Requests refused with 482 (Loop Detected).
    pub loops: u64,
    /// ACKs and responses forwarded statelessly.
    pub stateless: u64,
    /// CANCELs sent to pending branches.
    pub cancels: u64,
}

/// Where the proxy reads bindings: a registrar it runs, or a location
/// service written elsewhere.
enum Store<L: LocationService> {
    Registrar(Box<Registrar<L>>),
    Location(L),
}

/// A timer of the proxy core (not of a transaction).
#[derive(Clone, Copy, Debug)]
enum ProxyTimer {
    /// §16.8: Timer C of branch `branch`, void unless `gen` is current.
    C { ctx: TxId, branch: usize, gen: u32 },
    /// Sequential forking: group `group` rang too long.
    Group { ctx: TxId, group: u32 },
    /// §9.1: no final response 64*T1 after our CANCEL: "the client SHOULD
    /// then consider the original transaction cancelled".
    GiveUp { ctx: TxId, branch: usize },
}

/// What the proxy answers with when it acts as a UAS (§16.3: "the element
/// MUST behave as a user agent server (see Section 8.2) and respond with
/// an error code").
enum Refusal {
    /// A status and the headers explaining it.
    Status(u16, Vec<(HeaderName, String)>),
    /// A response built elsewhere (a challenge).
    Response(Box<Message>),
}

/// A stateful proxy ([RFC 3261 §16]), optionally with the registrar of its
/// domains, as a sans-IO transaction user on top of a [`TransactionLayer`].
///
/// Drive it like the layer: feed datagrams to [`handle`](Self::handle)
/// and the clock to [`handle_timeout`](Self::handle_timeout); after every
/// call drain [`poll_transmit`](Self::poll_transmit), then read
/// [`poll_timeout`](Self::poll_timeout). It implements [`Host`], so it runs
/// on the simulated network of [`sip_transaction::sim`].
///
/// One process can be registrar and proxy: [`with_registrar`](Self::with_registrar)
/// gives it a [`Registrar`] whose location service it reads, REGISTERs for
/// the registrar's domains are answered by it (after a 401 challenge when
/// [`with_auth`](Self::with_auth) set one), and those domains count as the
/// proxy's own.
///
/// ```
/// use std::time::Instant;
/// use sip_dialog::{MemoryLocation, Proxy, ProxyConfig, Registrar, RegistrarConfig};
/// use sip_transaction::{IdGenerator, LayerConfig, Target, TransactionLayer, Transport};
///
/// let mut layer = TransactionLayer::new(LayerConfig::default(), IdGenerator::seeded(1));
/// layer.add_listener(Transport::Udp, "192.0.2.10:5060".parse().unwrap());
/// let mut cfg = ProxyConfig::default();
/// cfg.record_route(true)
///     .add_route("atlanta.example.com", Target::udp("192.0.2.20:5060".parse().unwrap()));
/// let mut reg = RegistrarConfig::default();
/// reg.add_domain("biloxi.example.com");
/// let mut proxy = Proxy::with_registrar(cfg, layer, Registrar::new(reg, MemoryLocation::new()));
/// assert!(proxy.is_responsible_for_host("biloxi.example.com"));
/// assert_eq!(proxy.record_route_value(), "<sip:192.0.2.10:5060;lr>");
/// assert!(proxy.poll_transmit().is_none());
/// ```
///
/// [RFC 3261 §16]: https://www.rfc-editor.org/rfc/rfc3261#section-16
pub struct Proxy<L: LocationService = MemoryLocation, S: CredentialStore = MemoryCredentials> {
    layer: TransactionLayer,
    cfg: ProxyConfig,
    addr: SocketAddr,
    store: Store<L>,
    register_auth: Option<Authenticator<S>>,
    proxy_auth: Option<Authenticator<S>>,
    hooks: Box<dyn ProxyHooks + Send>,
    /// Response contexts, by their server transaction.
    contexts: HashMap<TxId, Context>,
    /// Client transactions of branches: (context, branch index).
    branches: HashMap<TxId, (TxId, usize)>,
    /// Client transactions of the CANCELs we sent.
    cancels: HashSet<TxId>,
    /// Loop-detection hashes of the requests being processed.
    loops: HashMap<[u8; 16], TxId>,
    timers: TimerQueue<ProxyTimer>,
    stats: ProxyStats,
}

impl<L: LocationService, S: CredentialStore> fmt::Debug for Proxy<L, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("addr", &self.addr)
            .field("contexts", &self.contexts.len())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl<L: LocationService> Proxy<L> {
    /// A proxy over `layer` (which must have a listener) reading bindings
    /// from `location`, without authentication.
    pub fn new(cfg: ProxyConfig, layer: TransactionLayer, location: L) -> Self {
        Self::build(cfg, layer, Store::Location(location))
    }

    /// A proxy that is also the registrar of `registrar`'s domains: it
    /// answers their REGISTERs and routes requests for them to the bindings
    /// the registrar keeps.
    pub fn with_registrar(
        cfg: ProxyConfig,
        layer: TransactionLayer,
        registrar: Registrar<L>,
    ) -> Self {
        Self::build(cfg, layer, Store::Registrar(Box::new(registrar)))
    }

    fn build(cfg: ProxyConfig, layer: TransactionLayer, store: Store<L>) -> Self {
        let addr = layer
            .listeners()
            .iter()
            .find(|(t, _)| *t == Transport::Udp)
            .or_else(|| layer.listeners().first())
            .map(|(_, a)| *a)
            .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
        Self {
            layer,
            cfg,
            addr,
            store,
            register_auth: None,
            proxy_auth: None,
            hooks: Box::new(NoHooks),
            contexts: HashMap::new(),
            branches: HashMap::new(),
            cancels: HashSet::new(),
            loops: HashMap::new(),
            timers: TimerQueue::default(),
            stats: ProxyStats::default(),
        }
    }
}

impl<L: LocationService, S: CredentialStore> Proxy<L, S> {
    /// Turns on digest authentication (§22): `register` challenges
    /// REGISTERs to the registrar with 401 (§22.2, §10.3 step 3) and passes
    /// the authenticated user to it (step 4); `proxy` challenges, with 407
    /// (§22.3, §16.3 step 6), the requests outside a dialog whose From is
    /// in one of our domains (our users calling out), and answers 403 when
    /// the authenticated user is not the From user. ACK and CANCEL are
    /// never challenged (§22.1: "Servers MUST NOT attempt to challenge an
    /// ACK"; CANCEL "cannot be resubmitted").
    ///
    /// Both share one credential store type (`Arc<MemoryCredentials>`
    /// shares one store); this replaces the authenticators set before.
    pub fn with_auth<T: CredentialStore>(
        self,
        register: Option<Authenticator<T>>,
        proxy: Option<Authenticator<T>>,
    ) -> Proxy<L, T> {
        Proxy {
            layer: self.layer,
            cfg: self.cfg,
            addr: self.addr,
            store: self.store,
            register_auth: register,
            proxy_auth: proxy,
            hooks: self.hooks,
            contexts: self.contexts,
            branches: self.branches,
            cancels: self.cancels,
            loops: self.loops,
            timers: self.timers,
            stats: self.stats,
        }
    }

    /// Installs the hooks a layer above steers the proxy with (replacing
    /// the previous ones; [`NoHooks`] by default).
    pub fn set_hooks(&mut self, hooks: impl ProxyHooks + Send + 'static) {
        self.hooks = Box::new(hooks);
    }

    // ------------------------------------------------------------------ getters

    /// The transaction layer underneath.
    pub fn layer(&self) -> &TransactionLayer {
        &self.layer
    }

    /// The configuration.
    pub fn config(&self) -> &ProxyConfig {
        &self.cfg
    }

    /// Counters since creation.
    pub fn stats(&self) -> ProxyStats {
        self.stats
    }

    /// The number of response contexts alive (requests being routed, or
    /// whose branches have not all ended yet).
    pub fn contexts(&self) -> usize {
        self.contexts.len()
    }

    /// Whether nothing is in progress: no response context and no
    /// transaction.
    pub fn is_idle(&self) -> bool {
        self.contexts.is_empty() && self.layer.is_empty()
    }

    /// The location service bindings are read from.
    pub fn location(&self) -> &L {
        match &self.store {
            Store::Registrar(r) => r.location(),
            Store::Location(l) => l,
        }
    }

    /// The location service, mutably (to write bindings the registrar did
    /// not, such as static ones).
    pub fn location_mut(&mut self) -> &mut L {
        match &mut self.store {
            Store::Registrar(r) => r.location_mut(),
            Store::Location(l) => l,
        }
    }

    /// The registrar, when the proxy runs one.
    pub fn registrar(&self) -> Option<&Registrar<L>> {
        match &self.store {
            Store::Registrar(r) => Some(r),
            Store::Location(_) => None,
        }
    }

    /// The registrar, mutably (to set its authorization policy).
    pub fn registrar_mut(&mut self) -> Option<&mut Registrar<L>> {
        match &mut self.store {
            Store::Registrar(r) => Some(r),
            Store::Location(_) => None,
        }
    }

    /// Whether `host` is a domain this proxy is responsible for (§16.5): one
    /// of its configured domains or of its registrar's.
    pub fn is_responsible_for_host(&self, host: &str) -> bool {
        self.cfg.is_local_domain(host)
            || self
                .registrar()
                .is_some_and(|r| r.config().is_local_domain(host))
    }

    /// The Record-Route value the proxy inserts (§16.6 step 4), such as
    /// `<sip:192.0.2.10:5060;lr>`.
    pub fn record_route_value(&self) -> String {
        match &self.cfg.record_route_uri {
            Some(uri) => format!("<{uri}>"),
            None => {
                let host = match &self.layer.config().sent_by_host {
                    Some(h) => h.clone(),
                    None => match self.addr.ip() {
                        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
                        v4 => v4.to_string(),
                    },
                };
                format!("<sip:{host}:{};lr>", self.addr.port())
            }
        }
    }

    // ------------------------------------------------------------------- output

    /// The next message to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.layer.poll_transmit()
    }

    /// When [`handle_timeout`](Self::handle_timeout) is next due (it may be
    /// early: a timer that was reset fires as a no-op).
    pub fn poll_timeout(&self) -> Option<Instant> {
        let ours = self.timers.next_deadline();
        let store = match &self.store {
            Store::Registrar(r) => r.poll_timeout(),
            Store::Location(l) => l.poll_timeout(),
        };
        [ours, self.layer.poll_timeout(), store]
            .into_iter()
            .flatten()
            .min()
    }

    // -------------------------------------------------------------------- input

    /// Handles one message from the network.
    pub fn handle(&mut self, now: Instant, source: Source, data: Bytes) {
        self.layer.handle(now, source, data);
        self.process(now);
    }

    /// Tells the proxy that the transport could not reach `target` (an ICMP
    /// error, a refused connection): the branches sending there end as if
    /// they had received 503 (§16.9: "the proxy MUST behave as if the
    /// forwarded request received a 503 (Service Unavailable) response").
    pub fn handle_transport_error(&mut self, now: Instant, target: Target) {
        self.layer.handle_transport_error(now, target);
        self.process(now);
    }

    /// Fires what is due at `now`: the layer's timers, Timer C, the
    /// sequential-forking timers, and the purge of expired bindings.
    /// Idempotent; early calls are no-ops.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.layer.handle_timeout(now);
        self.process(now);
        while let Some(t) = self.timers.pop_due(now) {
            self.fire(now, t);
            self.process(now);
        }
        match &mut self.store {
            Store::Registrar(r) => r.handle_timeout(now),
            Store::Location(l) => {
                l.purge(now);
            }
        }
    }

    /// Routes the layer's events.
    fn process(&mut self, now: Instant) {
        while let Some(ev) = self.layer.poll_event() {
            match ev {
                Event::Request(inc) => self.on_request(now, inc),
                Event::Response { id, response } => self.on_response(now, id, response),
                // §16.8/§16.9: a timeout is a 408, a transport error a 503.
                Event::TimedOut { id } => self.on_branch_failure(now, id, 408),
                Event::TransportError { id } => self.on_branch_failure(now, id, 503),
                Event::Ack { ack, source, .. } => self.on_ack(now, ack, source),
                Event::StrayResponse { response, .. } => self.on_stray_response(now, response),
                Event::Terminated { id } => self.on_terminated(id),
                _ => {}
            }
        }
    }

    fn fire(&mut self, now: Instant, t: ProxyTimer) {
        match t {
            ProxyTimer::C { ctx, branch, gen } => self.on_timer_c(now, ctx, branch, gen),
            ProxyTimer::Group { ctx, group } => self.on_group_timeout(now, ctx, group),
            ProxyTimer::GiveUp { ctx, branch } => self.on_give_up(now, ctx, branch),
        }
    }

    fn schedule(&mut self, at: Instant, t: ProxyTimer) {
        self.timers.schedule(at, t);
    }

    // ------------------------------------------------------------------ helpers

    /// Whether `uri` names this proxy: its host is a listening address (or
    /// the layer's sent-by host, or an alias) and its port, when written,
    /// one of the listening ports.
    fn is_us(&self, uri: &SipUri) -> bool {
        if let Some(rr) = self.cfg.record_route_uri.as_ref().and_then(|u| u.as_sip()) {
            if rr.host().eq_ignore_ascii_case(uri.host()) && rr.port() == uri.port() {
                return true;
            }
        }
        self.is_our_address(uri.host(), uri.port())
    }

    /// Whether a Via sent-by names this proxy (§16.3 step 4, §16.11).
    fn sent_by_is_us(&self, via: &Via) -> bool {
        self.is_our_address(via.host(), via.port())
    }

    fn is_our_address(&self, host: &str, port: Option<u16>) -> bool {
        let listeners = self.layer.listeners();
        let host_ok = match parse_ip(host) {
            Some(ip) => listeners.iter().any(|(_, a)| canonical(a.ip()) == ip),
            None => false,
        } || self.cfg.is_alias(host)
            || self
                .layer
                .config()
                .sent_by_host
                .as_deref()
                .is_some_and(|h| h.eq_ignore_ascii_case(host));
        host_ok && port.is_none_or(|p| self.listens_on_port(p))
    }

    /// Whether one of the proxy's listeners has port `port`.
    fn listens_on_port(&self, port: u16) -> bool {
        self.layer.listeners().iter().any(|(_, a)| a.port() == port)
    }

    /// Sends a response of ours on server transaction `tx`.
    fn respond(&mut self, now: Instant, tx: TxId, request: &Message, refusal: Refusal) {
        let response = match refusal {
            Refusal::Response(m) => Some(*m),
            Refusal::Status(code, headers) => {
                let tag = self.layer.ids().tag();
                build_response(request, code, &tag, &headers)
            }
        };
        if let Some(response) = response {
            if self.layer.send_response(now, tx, response).is_ok() {
                self.stats.local_responses += 1;
            }
        }
    }
}

/// A response to `request` (§8.2.6) with a To tag and `headers`.
fn build_response(
    request: &Message,
    code: u16,
    tag: &str,
    headers: &[(HeaderName, String)],
) -> Option<Message> {
    let mut b = request.response_to(code, Some(tag)).ok()?;
    for (name, value) in headers {
        b = b.header(name.clone(), value);
    }
    b.build().ok()
}

fn parse_ip(s: &str) -> Option<std::net::IpAddr> {
    let s = s
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(s);
    s.parse().ok().map(canonical)
}

/// An IPv4-mapped IPv6 address as the IPv4 address it is.
fn canonical(ip: std::net::IpAddr) -> std::net::IpAddr {
    match ip {
        std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, std::net::IpAddr::V4),
        v4 => v4,
    }
}

impl<L: LocationService, S: CredentialStore> Host for Proxy<L, S> {
    fn addr(&self) -> SocketAddr {
        self.addr
    }
    fn handle(&mut self, now: Instant, source: Source, data: Bytes) {
        Self::handle(self, now, source, data);
    }
    fn handle_timeout(&mut self, now: Instant) {
        Self::handle_timeout(self, now);
    }
    fn handle_transport_error(&mut self, now: Instant, target: Target) {
        Self::handle_transport_error(self, now, target);
    }
    fn poll_transmit(&mut self) -> Option<Transmit> {
        Self::poll_transmit(self)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        Self::poll_timeout(self)
    }
}
