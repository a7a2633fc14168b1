//! The user agent core (RFC 3261 §8, §12-15): calls and the requests
//! around them, as a sans-IO transaction user on top of
//! [`TransactionLayer`].

mod invite;
mod refer;
mod register;
mod request;

pub use register::{RegisterConfig, RegisteredContact, RegistrationHandle};

#[cfg(test)]
mod tests;

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use sip_message::{HeaderName, Message, Method, Uri};
use sip_transaction::sim::Host;
use sip_transaction::{
    Event, SendError, Source, Target, TimerConfig, TransactionLayer, Transmit, Transport, TxId,
};

use crate::auth::{Credential, DigestClient};
use crate::dialog::{Dialog, DialogError, DialogId};
use crate::timers::TimerQueue;
use register::Registration;

/// A message body and its Content-Type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Body {
    /// The media type, such as `application/sdp`.
    pub content_type: String,
    /// The bytes.
    pub bytes: Bytes,
}

impl Body {
    /// An SDP body.
    pub fn sdp(bytes: impl Into<Bytes>) -> Self {
        Self {
            content_type: "application/sdp".into(),
            bytes: bytes.into(),
        }
    }
}

/// Settings of a [`UserAgent`].
#[derive(Clone, Debug)]
pub struct UaConfig {
    /// Our address of record: the From of requests outside dialogs.
    pub aor: Uri,
    /// The display name put in From.
    pub display_name: Option<String>,
    /// Our Contact: where the peer sends requests within dialogs. The
    /// mobility layer changes it with [`UserAgent::set_contact`].
    pub contact: Uri,
    /// Where requests outside a dialog go (an outbound proxy). Without it
    /// the Request-URI must carry a numeric host; names are resolved by
    /// the driver (RFC 3263), not by this sans-IO core.
    pub outbound_proxy: Option<Target>,
    /// The methods this UA accepts (the Allow of 405 and OPTIONS answers).
    pub methods: Vec<Method>,
    /// Option-tags this UA supports (RFC 3261 §8.2.2.3; others in Require get 420).
    pub supported: Vec<String>,
    /// Body types this UA accepts (§8.2.3; others get 415).
    pub accept: Vec<String>,
    /// The `User-Agent` header value, if any.
    pub user_agent: Option<String>,
    /// T1 and T2, for the 2xx retransmissions of §13.3.1.4.
    pub timers: TimerConfig,
}

impl UaConfig {
    /// A configuration for `aor` reachable at `contact`, accepting INVITE,
    /// ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE, MESSAGE, REFER and NOTIFY
    /// with SDP bodies.
    pub fn new(aor: Uri, contact: Uri) -> Self {
        Self {
            aor,
            display_name: None,
            contact,
            outbound_proxy: None,
            methods: vec![
                Method::Invite,
                Method::Ack,
                Method::Bye,
                Method::Cancel,
                Method::Options,
                Method::Info,
                Method::Update,
                Method::Message,
                Method::Refer,
                Method::Notify,
            ],
            supported: Vec::new(),
            accept: vec!["application/sdp".into()],
            user_agent: None,
            timers: TimerConfig::default(),
        }
    }
}

/// A call (an INVITE session, caller or callee side) of a [`UserAgent`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallHandle(u64);

impl fmt::Display for CallHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "call{}", self.0)
    }
}

/// A request sent with [`UserAgent::request`] or
/// [`UserAgent::request_in_dialog`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestHandle(u64);

/// Where a call stands.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum CallState {
    /// Caller: the INVITE is out, no provisional response with a tag yet.
    Calling,
    /// Caller: early dialog(s) exist (180, 183). Callee: the INVITE arrived
    /// and is not answered yet.
    Early,
    /// Callee: the 2xx is sent and retransmitted until the ACK arrives.
    Answered,
    /// The dialog is confirmed: the caller got the 2xx and sent the ACK, or
    /// the callee got the ACK.
    Established,
    /// Over: BYE, CANCEL, a failure, or a 2xx never acknowledged.
    Terminated,
}

/// What the UA core tells the application.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum UaEvent {
    /// A new INVITE: answer it with [`UserAgent::ring`],
    /// [`UserAgent::answer`] or [`UserAgent::reject`].
    IncomingCall {
        /// The call.
        call: CallHandle,
        /// The INVITE.
        invite: Message,
    },
    /// Caller: a provisional response.
    Progress {
        /// The call.
        call: CallHandle,
        /// The 1xx.
        response: Message,
    },
    /// Caller: the 2xx arrived and was acknowledged; the call is established.
    Answered {
        /// The call.
        call: CallHandle,
        /// The 2xx (its body is the answer or the offer).
        response: Message,
    },
    /// Callee: the ACK for our 2xx arrived; the call is established.
    Confirmed {
        /// The call.
        call: CallHandle,
        /// The ACK (it may carry an answer).
        ack: Message,
    },
    /// Caller: the call failed with a final response, a timeout (408) or a
    /// transport error (503).
    Failed {
        /// The call.
        call: CallHandle,
        /// The final status.
        status: u16,
        /// The response, when there was one.
        response: Option<Message>,
    },
    /// Callee: the caller cancelled before the answer (we sent 487).
    Cancelled {
        /// The call.
        call: CallHandle,
    },
    /// The call ended.
    Ended {
        /// The call.
        call: CallHandle,
        /// Whether the peer ended it (its BYE), or we did.
        by_peer: bool,
    },
    /// The peer sent a re-INVITE (a new offer, or a new remote target after
    /// a move): answer with [`UserAgent::accept_reinvite`] or
    /// [`UserAgent::reject_reinvite`].
    Reinvite {
        /// The call.
        call: CallHandle,
        /// The re-INVITE.
        request: Message,
    },
    /// Our re-INVITE was answered 2xx and acknowledged.
    ReinviteDone {
        /// The call.
        call: CallHandle,
        /// The 2xx.
        response: Message,
    },
    /// Our re-INVITE failed (the call goes on as before, §14.1).
    ReinviteFailed {
        /// The call.
        call: CallHandle,
        /// The final status.
        status: u16,
    },
    /// A request for the application to answer with
    /// [`UserAgent::respond`]: INFO, UPDATE, MESSAGE, NOTIFY, REFER...
    Request {
        /// Its server transaction.
        tx: TxId,
        /// The call it belongs to, if any.
        call: Option<CallHandle>,
        /// The request.
        request: Message,
    },
    /// A response to a request of [`UserAgent::request`] (each provisional
    /// and the final one).
    Response {
        /// The request.
        request: RequestHandle,
        /// The response.
        response: Message,
    },
    /// A request of [`UserAgent::request`] got no response: 408 for a
    /// timeout, 503 for a transport error (§8.1.3.1).
    RequestFailed {
        /// The request.
        request: RequestHandle,
        /// 408 or 503.
        status: u16,
    },
    /// The peer of `call` sent a REFER (RFC 3515): accept with
    /// [`UserAgent::accept_refer`] and place the call with
    /// [`UserAgent::call_for_refer`], or refuse with [`UserAgent::respond`].
    Refer {
        /// The call the REFER came in.
        call: CallHandle,
        /// The REFER's server transaction.
        tx: TxId,
        /// Whom to call.
        refer_to: Uri,
        /// The Referred-By value, if any (RFC 3892).
        referred_by: Option<String>,
    },
    /// Progress of a call we asked the peer to make with
    /// [`UserAgent::refer`]: the status line of a NOTIFY's sipfrag.
    ReferNotify {
        /// The call we sent the REFER in.
        call: CallHandle,
        /// The referred call's status (100, 180, 200, 486...).
        status: u16,
        /// Whether the subscription ended (a final status).
        terminated: bool,
    },
    /// A REGISTER succeeded: our contacts are bound for `expires` seconds
    /// (the registrar's grant), and these are all the AOR's bindings.
    Registered {
        /// The registration.
        reg: RegistrationHandle,
        /// Seconds granted for our contact.
        expires: u32,
        /// Every binding of the AOR, as the 200 listed them.
        contacts: Vec<RegisteredContact>,
    },
    /// Our contacts (or all bindings) were removed.
    Unregistered {
        /// The registration.
        reg: RegistrationHandle,
    },
    /// The answer to [`UserAgent::fetch_bindings`].
    Bindings {
        /// The registration.
        reg: RegistrationHandle,
        /// Every binding of the AOR.
        contacts: Vec<RegisteredContact>,
    },
    /// A REGISTER failed; transient failures (408, 5xx) are retried after
    /// [`RegisterConfig::retry_after`].
    RegistrationFailed {
        /// The registration.
        reg: RegistrationHandle,
        /// The final status (408 or 503 without a response).
        status: u16,
    },
}

/// Why the UA core refused a command.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UaError {
    /// No such call (ended, or never existed).
    #[error("no such call")]
    NoSuchCall,
    /// The call's state does not allow the command.
    #[error("not allowed in the call's current state")]
    WrongState,
    /// A re-INVITE is already in progress on this call (§14.1).
    #[error("a re-INVITE is already pending")]
    Pending,
    /// No address to send to: the URI's host is a name and no outbound
    /// proxy is set (names are resolved by the driver).
    #[error("no address for {0}")]
    NoRoute(String),
    /// The message could not be built.
    #[error("invalid message: {0}")]
    Invalid(String),
    /// The transaction layer refused.
    #[error(transparent)]
    Send(#[from] SendError),
    /// The dialog refused.
    #[error(transparent)]
    Dialog(#[from] DialogError),
}

/// What a client transaction of ours is for.
#[derive(Clone, Copy, Debug)]
enum Purpose {
    Invite(CallHandle),
    Cancel,
    /// A BYE; whether it was already resent with credentials.
    Bye {
        authorized: bool,
    },
    Reinvite(CallHandle),
    Request(RequestHandle),
    Register(RegistrationHandle),
    /// A NOTIFY we sent; its answer needs no action.
    Notify,
    /// A server INVITE transaction and its call.
    ServerInvite(CallHandle),
}

/// A timer of the UA core (not of a transaction).
#[derive(Clone, Copy, Debug)]
enum UaTimer {
    /// §13.3.1.4: retransmit the 2xx, then wait `interval` (doubling to T2).
    Retransmit2xx {
        call: CallHandle,
        interval: Duration,
    },
    /// §14.1: retry a re-INVITE refused with 491.
    GlareRetry { call: CallHandle },
    /// Refresh (or retry) a registration; void if a newer one was set.
    Refresh {
        reg: RegistrationHandle,
        generation: u64,
    },
}

/// A re-INVITE of ours in progress.
#[derive(Clone, Debug)]
struct OurReinvite {
    body: Option<Body>,
    tx: Option<TxId>,
    seq: u32,
    /// The re-INVITE as sent (without Via), for a resubmission with
    /// credentials (§22.2).
    sent: Option<Message>,
}

/// One call.
#[derive(Debug)]
struct Call {
    caller: bool,
    state: CallState,
    /// Caller: the INVITE as built (no Via), for retries. Callee: the INVITE received.
    invite: Message,
    invite_tx: Option<TxId>,
    invite_seq: u32,
    /// Caller: early dialogs, one per remote tag (forking).
    early: Vec<Dialog>,
    /// The confirmed dialog (or the callee's dialog once it sent a To tag).
    dialog: Option<Dialog>,
    /// Caller: the 3xx contacts left to try (§8.1.3.4), best q first.
    redirects: Vec<Uri>,
    tried: Vec<Uri>,
    cancel_pending: bool,
    /// Caller: the ACK last sent for the 2xx, re-sent for each retransmission.
    ack: Option<(Message, Target)>,
    /// Callee: our To tag, and the 2xx we retransmit until the ACK.
    local_tag: String,
    ok: Option<Message>,
    ok_since: Option<Instant>,
    /// Callee: where the INVITE came from (§18.2.2 target of the 2xx).
    source: Option<Source>,
    our_reinvite: Option<OurReinvite>,
    /// The peer's re-INVITE we have not answered.
    their_reinvite: Option<(TxId, Message)>,
    /// The body we last offered or answered with.
    local_body: Option<Body>,
    /// The application hung up; finish as soon as the state allows.
    hangup: bool,
    /// For a call placed for a REFER: the call whose peer to NOTIFY.
    referrer: Option<CallHandle>,
}

/// The user agent core of RFC 3261 §8 and §12-15 as a sans-IO transaction
/// user: it owns a [`TransactionLayer`] and the calls (INVITE sessions)
/// and requests built on it.
///
/// Like the layer it is driven from outside: feed it datagrams with
/// [`handle`](Self::handle) and the clock with
/// [`handle_timeout`](Self::handle_timeout); after every call drain
/// [`poll_transmit`](Self::poll_transmit) and [`poll_event`](Self::poll_event),
/// then read [`poll_timeout`](Self::poll_timeout). It implements
/// [`Host`], so it runs on the simulated network of
/// [`sip_transaction::sim`].
///
/// What it does by itself: the ACK for a 2xx and its re-sending on every
/// retransmitted 2xx (§13.2.2.4); retransmission of its own 2xx until the
/// ACK, and a BYE when none comes (§13.3.1.4); 487 on CANCEL (§9.2); 491
/// for a re-INVITE during its own, and the retry timer of §14.1; 481 for
/// requests matching no dialog (§12.2.2), 500 for out-of-order CSeq, 405
/// with Allow, 415 with Accept, 416 and 420 with Unsupported (§8.2.2);
/// recursion on 3xx in q order (§8.1.3.4); 200 to OPTIONS (§11.2); ACK and
/// BYE for an extra 2xx from another fork (§13.2.2.4).
pub struct UserAgent {
    layer: TransactionLayer,
    cfg: UaConfig,
    addr: SocketAddr,
    next_id: u64,
    calls: HashMap<CallHandle, Call>,
    dialogs: HashMap<DialogId, CallHandle>,
    txs: HashMap<TxId, Purpose>,
    requests: HashMap<RequestHandle, Message>,
    /// The BYEs in flight (as built), for a resubmission with credentials.
    byes: HashMap<TxId, Message>,
    registrations: HashMap<RegistrationHandle, Registration>,
    auth: DigestClient,
    timers: TimerQueue<UaTimer>,
    events: VecDeque<UaEvent>,
}

impl fmt::Debug for UserAgent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserAgent")
            .field("aor", &self.cfg.aor.as_str())
            .field("calls", &self.calls.len())
            .finish_non_exhaustive()
    }
}

impl UserAgent {
    /// A UA core over `layer`, which must have at least one listener.
    /// `addr` is the address it is reached at (for the simulated network).
    pub fn new(cfg: UaConfig, mut layer: TransactionLayer) -> Self {
        let seed = u64::from(layer.ids().next_u32()) << 32 | u64::from(layer.ids().next_u32());
        let addr = layer
            .listeners()
            .first()
            .map(|(_, a)| *a)
            .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
        Self {
            layer,
            cfg,
            addr,
            next_id: 1,
            calls: HashMap::new(),
            dialogs: HashMap::new(),
            txs: HashMap::new(),
            requests: HashMap::new(),
            byes: HashMap::new(),
            registrations: HashMap::new(),
            auth: DigestClient::new(sip_transaction::IdGenerator::seeded(seed)),
            timers: TimerQueue::default(),
            events: VecDeque::new(),
        }
    }

    // ------------------------------------------------------------------ getters

    /// The transaction layer underneath.
    pub fn layer(&self) -> &TransactionLayer {
        &self.layer
    }

    /// The configuration.
    pub fn config(&self) -> &UaConfig {
        &self.cfg
    }

    /// The state of `call`, or `None` once it is forgotten.
    pub fn call_state(&self, call: CallHandle) -> Option<CallState> {
        self.calls.get(&call).map(|c| c.state)
    }

    /// The confirmed (or callee-side) dialog of `call`.
    pub fn dialog(&self, call: CallHandle) -> Option<&Dialog> {
        self.calls.get(&call)?.dialog.as_ref()
    }

    /// The number of calls not yet terminated.
    pub fn active_calls(&self) -> usize {
        self.calls
            .values()
            .filter(|c| c.state != CallState::Terminated)
            .count()
    }

    // ------------------------------------------------------------ configuration

    /// Adds a credential for digest authentication (RFC 3261 §22): 401 and
    /// 407 challenges to our INVITEs, REGISTERs and other requests outside
    /// dialogs are answered with it, once per challenge, and later
    /// REGISTERs go out authorized.
    pub fn set_credential(&mut self, credential: Credential) {
        self.auth.add_credential(credential);
    }

    /// Changes our Contact: requests and answers from now on carry it, so a
    /// re-INVITE after a move tells the peer the new address (§12.2: the
    /// re-INVITE is a target refresh request).
    pub fn set_contact(&mut self, contact: Uri) {
        self.cfg.contact = contact;
    }

    // ------------------------------------------------------------------- output

    /// The next message to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.layer.poll_transmit()
    }

    /// The next event for the application.
    pub fn poll_event(&mut self) -> Option<UaEvent> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) is next due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let ours = self.timers.next_deadline();
        match (ours, self.layer.poll_timeout()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    // -------------------------------------------------------------------- input

    /// Handles one message from the network.
    pub fn handle(&mut self, now: Instant, source: Source, data: Bytes) {
        self.layer.handle(now, source, data);
        self.process(now);
    }

    /// Tells the UA that the transport could not reach `target` (a refused
    /// connection, no socket for its address family): the transactions
    /// sending there end with a transport error, reported like a timeout
    /// (RFC 3261 §8.1.3.1: treated as a 503).
    pub fn handle_transport_error(&mut self, now: Instant, target: Target) {
        self.layer.handle_transport_error(now, target);
        self.process(now);
    }

    /// Fires what is due at `now`: the layer's timers and the UA's own.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.layer.handle_timeout(now);
        self.process(now);
        while let Some(t) = self.timers.pop_due(now) {
            self.fire(now, t);
        }
        self.process(now);
    }

    /// Routes the layer's events to calls and requests.
    fn process(&mut self, now: Instant) {
        while let Some(ev) = self.layer.poll_event() {
            match ev {
                Event::Request(inc) => {
                    self.on_request(now, inc.id, inc.request, inc.source, inc.cancels)
                }
                Event::Response { id, response } => self.on_response(now, id, response),
                Event::TimedOut { id } => self.on_failure(now, id, 408),
                Event::TransportError { id } => self.on_failure(now, id, 503),
                Event::Ack { ack, .. } => self.on_ack(now, ack),
                Event::StrayResponse { response, .. } => self.on_stray_response(now, &response),
                Event::Terminated { id } => {
                    self.txs.remove(&id);
                    self.byes.remove(&id);
                }
                _ => {}
            }
        }
    }

    fn fire(&mut self, now: Instant, t: UaTimer) {
        match t {
            UaTimer::Retransmit2xx { call, interval } => self.retransmit_2xx(now, call, interval),
            UaTimer::Refresh { reg, generation } => self.refresh(now, reg, generation),
            UaTimer::GlareRetry { call } => {
                let body = self
                    .calls
                    .get_mut(&call)
                    .and_then(|c| c.our_reinvite.take())
                    .map(|r| r.body);
                if let Some(body) = body {
                    let _ = self.reinvite(now, call, body);
                }
            }
        }
    }

    fn schedule(&mut self, at: Instant, t: UaTimer) {
        self.timers.schedule(at, t);
    }

    fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    // ---------------------------------------------------------------- helpers

    /// Where a request for `uri` goes: the outbound proxy, or the URI's own
    /// numeric host (port and `transport` from the URI, else 5060/UDP).
    fn target_for(&self, uri: &Uri) -> Result<Target, UaError> {
        if let Some(t) = self.cfg.outbound_proxy {
            return Ok(t);
        }
        numeric_target(uri).ok_or_else(|| UaError::NoRoute(uri.to_string()))
    }

    /// The next hop of an in-dialog request: its own numeric address, else
    /// the outbound proxy.
    fn hop_target(&self, uri: &Uri) -> Result<Target, UaError> {
        numeric_target(uri)
            .or(self.cfg.outbound_proxy)
            .ok_or_else(|| UaError::NoRoute(uri.to_string()))
    }

    fn our_from(&self, tag: &str) -> String {
        match &self.cfg.display_name {
            Some(d) => format!(
                "\"{}\" <{}>;tag={tag}",
                d.replace(['"', '\\'], ""),
                self.cfg.aor
            ),
            None => format!("<{}>;tag={tag}", self.cfg.aor),
        }
    }

    fn contact_value(&self) -> String {
        format!("<{}>", self.cfg.contact)
    }

    fn allow_value(&self) -> String {
        self.cfg
            .methods
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Adds Contact, User-Agent and a body to a request or response builder.
    fn finish(
        &self,
        mut b: sip_message::MessageBuilder,
        contact: bool,
        body: Option<&Body>,
    ) -> Result<Message, UaError> {
        if contact {
            b = b.header(HeaderName::Contact, &self.contact_value());
        }
        if let Some(ua) = &self.cfg.user_agent {
            b = b.header(HeaderName::UserAgent, ua);
        }
        if let Some(body) = body {
            b = b.body(body.bytes.clone(), &body.content_type);
        }
        b.build().map_err(|e| UaError::Invalid(e.to_string()))
    }
}

/// A numeric-host URI as a target: port from the URI or 5060, transport
/// from its `transport` parameter or UDP.
pub(crate) fn numeric_target(uri: &Uri) -> Option<Target> {
    let sip = uri.as_sip()?;
    let ip = sip.ip()?;
    let port = sip
        .port()
        .unwrap_or(if sip.is_secure() { 5061 } else { 5060 });
    let transport = match sip.transport() {
        Some(t) => Transport::parse(t)?,
        None if sip.is_secure() => Transport::Tcp,
        None => Transport::Udp,
    };
    Some(Target {
        transport,
        addr: SocketAddr::new(ip, port),
    })
}

impl Host for UserAgent {
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
