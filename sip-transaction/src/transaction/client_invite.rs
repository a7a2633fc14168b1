//! The INVITE client transaction ([RFC 3261 §17.1.1], with the Accepted
//! state of [RFC 6026 §7.2 and §8.4]).
//!
//! [RFC 3261 §17.1.1]: https://www.rfc-editor.org/rfc/rfc3261#section-17.1.1
//! [RFC 6026 §7.2 and §8.4]: https://www.rfc-editor.org/rfc/rfc6026#section-7.2

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use sip_message::{CSeq, HeaderName, Message, Via};

use super::client_non_invite::next_retransmit;
use super::ClientEvent;
use crate::{Timer, TimerConfig, Timers};

/// The states of an INVITE client transaction: RFC 3261 figure 5 as
/// replaced by [RFC 6026 §8.4] (figure 5 there), which adds Accepted.
///
/// ```text
///                                  |INVITE from TU
///                Timer A fires     |INVITE sent      Timer B fires
///                Reset A,          V                 or Transport Err.
///                INVITE sent +-----------+           inform TU
///                  +---------|           |--------------------------+
///                  |         |  Calling  |                          |
///                  +-------->|           |-----------+              |
/// 300-699                    +-----------+ 2xx       |              |
/// ACK sent                      |  |       2xx to TU |              |
/// resp. to TU                   |  |1xx              |              |
/// +-----------------------------+  |1xx to TU        |              |
/// |                                |                 |              |
/// |                1xx             V                 |              |
/// |                1xx to TU +-----------+           |              |
/// |                +---------|           |           |              |
/// |                |         |Proceeding |           |              |
/// |                +-------->|           |           |              |
/// |                          +-----------+ 2xx       |              |
/// |         300-699             |    |     2xx to TU |              |
/// |         ACK sent,  +--------+    +---------------+              |
/// |         resp. to TU|                             |              |
/// |                    |                             |              |
/// |                    V                             V              |
/// |              +-----------+                   +----------+       |
/// +------------->|           |Transport Err.     |          |       |
///                | Completed |Inform TU          | Accepted |       |
///             +--|           |-------+           |          |-+     |
///     300-699 |  +-----------+       |           +----------+ |     |
///     ACK sent|    ^  |              |               |  ^     |     |
///             |    |  |              |               |  |     |     |
///             +----+  |              |               |  +-----+     |
///                     |Timer D fires |  Timer M fires|    2xx       |
///                     |-             |             - |    2xx to TU |
///                     +--------+     |   +-----------+              |
///    NOTE:                     V     V   V                          |
/// Transitions                 +------------+                        |
/// are labeled                 |            |                        |
/// with the event              | Terminated |<-----------------------+
/// over the action             |            |
/// to take.                    +------------+
/// ```
///
/// On a reliable transport Timer A is never set and Timer D is zero, so
/// Completed is left as soon as the ACK is queued. Timer B only matters in
/// Calling: once a provisional response arrives there is no timeout at
/// this layer (the TU ends a stuck call with CANCEL, §9.1).
///
/// [RFC 6026 §8.4]: https://www.rfc-editor.org/rfc/rfc6026#section-8.4
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ClientInviteState {
    /// The INVITE was sent; no response yet. Timer A retransmits (on an
    /// unreliable transport) and Timer B bounds the wait.
    Calling,
    /// A provisional response arrived: no more retransmissions.
    Proceeding,
    /// A 300-699 final response arrived and was acknowledged; Timer D
    /// absorbs its retransmissions, each answered with the same ACK.
    Completed,
    /// A 2xx arrived (RFC 6026): every further 2xx, a retransmission or
    /// another fork's answer, goes up to the TU until Timer M fires.
    Accepted,
    /// Done: the transaction can be dropped.
    Terminated,
}

/// An INVITE client transaction ([RFC 3261 §17.1.1], [RFC 6026 §8.4]):
/// sends an INVITE, retransmits it on an unreliable transport until a
/// response arrives, acknowledges a non-2xx final response itself, and
/// passes every provisional response and every 2xx up to the TU.
///
/// Sans-IO: time comes in as `now`, messages leave through
/// [`poll_transmit`](Self::poll_transmit) and what the TU must see through
/// [`poll_event`](Self::poll_event). **After every call that mutates the
/// transaction, drain `poll_transmit` and `poll_event` to `None`, then
/// read [`poll_timeout`](Self::poll_timeout).**
///
/// The INVITE and the ACK are each serialized once; every retransmission
/// is a cheap clone of the same [`Bytes`].
///
/// [RFC 3261 §17.1.1]: https://www.rfc-editor.org/rfc/rfc3261#section-17.1.1
/// [RFC 6026 §8.4]: https://www.rfc-editor.org/rfc/rfc6026#section-8.4
#[derive(Clone, Debug)]
pub struct ClientInvite {
    state: ClientInviteState,
    request: Message,
    /// The INVITE as sent, serialized once and retransmitted verbatim.
    wire: Bytes,
    /// The ACK for the non-2xx final response (§17.1.1.3), built once.
    ack: Option<Bytes>,
    reliable: bool,
    cfg: TimerConfig,
    timers: Timers,
    /// The current Timer A interval.
    interval: Duration,
    transmits: VecDeque<Bytes>,
    events: VecDeque<ClientEvent>,
}

impl ClientInvite {
    /// Starts the transaction in the Calling state and queues the first
    /// transmission of the INVITE.
    ///
    /// `request` is the INVITE exactly as sent: its top Via already carries
    /// the branch. `reliable` says whether the transport is reliable (TCP):
    /// then Timer A is not set and Timer D is zero.
    pub fn new(now: Instant, request: Message, reliable: bool, cfg: TimerConfig) -> Self {
        let wire = request.to_bytes();
        let mut timers = Timers::default();
        // §17.1.1.2: "If an unreliable transport is being used, the client
        // transaction MUST start timer A with a value of T1. If a reliable
        // transport is being used, the client transaction SHOULD NOT start
        // timer A (Timer A controls request retransmissions)."
        if !reliable {
            timers.set(Timer::A, now + cfg.t1);
        }
        // §17.1.1.2: "For any transport, the client transaction MUST start
        // timer B with a value of 64*T1 seconds (Timer B controls
        // transaction timeouts)."
        timers.set(Timer::B, now + cfg.timeout());
        // §17.1.1.2: "The client transaction MUST pass the request to the
        // transport layer for transmission."
        let mut transmits = VecDeque::with_capacity(1);
        transmits.push_back(wire.clone());
        Self {
            state: ClientInviteState::Calling,
            request,
            wire,
            ack: None,
            reliable,
            cfg,
            timers,
            interval: cfg.t1,
            transmits,
            events: VecDeque::new(),
        }
    }

    /// The current state.
    pub fn state(&self) -> ClientInviteState {
        self.state
    }

    /// The INVITE this transaction sends.
    pub fn request(&self) -> &Message {
        &self.request
    }

    /// Handles a response that the transaction layer matched to this
    /// transaction (§17.1.3). A message that is not a response is ignored.
    pub fn handle_response(&mut self, now: Instant, response: Message) {
        use ClientInviteState::{Accepted, Calling, Completed, Proceeding, Terminated};
        let Some(code) = response.status() else {
            return;
        };
        match (self.state, code) {
            (Calling | Proceeding, 100..=199) => {
                // §17.1.1.2: "If the client transaction receives a
                // provisional response while in the "Calling" state, it
                // transitions to the "Proceeding" state. In the "Proceeding"
                // state, the client transaction SHOULD NOT retransmit the
                // request any longer. Furthermore, the provisional response
                // MUST be passed to the TU. Any further provisional responses
                // MUST be passed up to the TU while in the "Proceeding"
                // state." Timer B only fires in Calling (figure 5).
                // Timer B stops on entering Proceeding; once there it is
                // only the §9.1 wait after a CANCEL, which stays armed.
                if self.state == Calling {
                    self.timers.stop(Timer::B);
                }
                self.state = Proceeding;
                self.timers.stop(Timer::A);
                self.events.push_back(ClientEvent::Response(response));
            }
            (Calling | Proceeding, 200..=299) => {
                // RFC 6026 §8.4: "When in either the "Calling" or
                // "Proceeding" states, reception of a 2xx response MUST cause
                // the client transaction to enter the "Accepted" state, and
                // Timer M must be started with a value of 64*T1. The 2xx
                // response MUST be passed up to the TU. The client
                // transaction MUST NOT generate an ACK to the 2xx response --
                // its handling is delegated to the TU."
                self.state = Accepted;
                self.timers.stop(Timer::A);
                self.timers.stop(Timer::B);
                self.timers.set(Timer::M, now + self.cfg.timeout());
                self.events.push_back(ClientEvent::Response(response));
            }
            (Calling | Proceeding, _) => {
                // §17.1.1.2: "reception of a response with status code from
                // 300-699 MUST cause the client transaction to transition to
                // "Completed". The client transaction MUST pass the received
                // response up to the TU, and the client transaction MUST
                // generate an ACK request, even if the transport is reliable
                // [...] and then pass the ACK to the transport layer for
                // transmission."
                let ack = build_ack(&self.request, &response);
                self.state = Completed;
                self.timers.stop(Timer::A);
                self.timers.stop(Timer::B);
                self.events.push_back(ClientEvent::Response(response));
                self.transmits.push_back(ack.clone());
                self.ack = Some(ack);
                // §17.1.1.2: "The client transaction SHOULD start timer D
                // when it enters the "Completed" state, with a value of at
                // least 32 seconds for unreliable transports, and a value of
                // zero seconds for reliable transports."
                if self.reliable {
                    self.terminate();
                } else {
                    self.timers.set(Timer::D, now + self.cfg.timer_d);
                }
            }
            (Completed, 300..=699) => {
                // §17.1.1.2: "Any retransmissions of the final response that
                // are received while in the "Completed" state MUST cause the
                // ACK to be re-passed to the transport layer for
                // retransmission, but the newly received response MUST NOT
                // be passed up to the TU."
                if let Some(ack) = &self.ack {
                    self.transmits.push_back(ack.clone());
                }
            }
            (Accepted, 200..=299) => {
                // RFC 6026 §8.4: "Any 2xx responses that match this client
                // transaction and that are received while in the "Accepted"
                // state MUST be passed up to the TU. The client transaction
                // MUST NOT generate an ACK to the 2xx response."
                self.events.push_back(ClientEvent::Response(response));
            }
            // A late 1xx, a 2xx after a non-2xx or a non-2xx after a 2xx:
            // nothing the TU can act on, absorbed.
            (Completed | Accepted | Terminated, _) => {}
        }
    }

    /// Fires every timer due at `now`. Idempotent; a call before the next
    /// [`poll_timeout`](Self::poll_timeout) instant does nothing.
    ///
    /// Timer A is rescheduled from the instant it was due, not from `now`,
    /// so a late call does not shift the schedule, and one late call sends
    /// one retransmission rather than a burst.
    pub fn handle_timeout(&mut self, now: Instant) {
        use ClientInviteState::{Accepted, Calling, Completed, Proceeding};
        while let Some((at, timer)) = self.timers.next().filter(|&(at, _)| at <= now) {
            self.timers.stop(timer);
            match (timer, self.state) {
                (Timer::A, Calling) => {
                    // §17.1.1.2: "When timer A fires, the client transaction
                    // MUST retransmit the request by passing it to the
                    // transport layer, and MUST reset the timer with a value
                    // of 2*T1. [...] This process MUST continue so that the
                    // request is retransmitted with intervals that double
                    // after each transmission." No T2 cap for INVITE.
                    self.transmits.push_back(self.wire.clone());
                    if let Some(next) =
                        next_retransmit(at, now, &mut self.interval, |d| d.saturating_mul(2))
                    {
                        self.timers.set(Timer::A, next);
                    }
                }
                (Timer::B, Proceeding) => {
                    // Armed only by `cancelled`: §9.1's 64*T1 after a CANCEL.
                    self.events.push_back(ClientEvent::TimedOut);
                    self.terminate();
                }
                (Timer::B, Calling) => {
                    // §17.1.1.2: "If the client transaction is still in the
                    // "Calling" state when timer B fires, the client
                    // transaction SHOULD inform the TU that a timeout has
                    // occurred. The client transaction MUST NOT generate an
                    // ACK."
                    self.events.push_back(ClientEvent::TimedOut);
                    self.terminate();
                }
                (Timer::D, Completed) => {
                    // §17.1.1.2: "If timer D fires while the client
                    // transaction is in the "Completed" state, the client
                    // transaction MUST move to the terminated state."
                    self.terminate();
                }
                (Timer::M, Accepted) => {
                    // RFC 6026 §8.4: "If Timer M fires while the client
                    // transaction is in the "Accepted" state, the client
                    // transaction MUST move to the "Terminated" state."
                    self.terminate();
                }
                // A timer that no longer applies to the state.
                _ => {}
            }
        }
    }

    /// Handles a failure the transport reported for this transaction's
    /// INVITE or ACK: §17.1.4, "the client transaction SHOULD inform the TU
    /// that a transport failure has occurred, and the client transaction
    /// SHOULD transition directly to the "Terminated" state."
    pub fn handle_transport_error(&mut self, _now: Instant) {
        if self.state != ClientInviteState::Terminated {
            self.events.push_back(ClientEvent::TransportError);
            self.terminate();
        }
    }

    /// The next message to send (the INVITE, a retransmission of it, or
    /// the ACK), if any.
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        self.transmits.pop_front()
    }

    /// The next event for the TU, if any.
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next be called,
    /// and for which timer; `None` when no timer is armed.
    pub fn poll_timeout(&self) -> Option<(Instant, Timer)> {
        self.timers.next()
    }

    /// Tells the transaction that the TU sent a CANCEL for it (RFC 3261
    /// §9.1): "If there is no final response for the original request in
    /// 64*T1 seconds ... the client SHOULD then consider the original
    /// transaction cancelled and SHOULD destroy the client transaction
    /// handling the original request." Timer B is re-armed for that wait;
    /// when it fires in Proceeding the TU sees a timeout and the
    /// transaction ends, so a peer that never answers cannot pin it.
    pub fn cancelled(&mut self, now: Instant) {
        if matches!(
            self.state,
            ClientInviteState::Calling | ClientInviteState::Proceeding
        ) {
            self.timers.set(Timer::B, now + self.cfg.timeout());
        }
    }

    /// Whether the transaction reached the Terminated state.
    pub fn is_terminated(&self) -> bool {
        self.state == ClientInviteState::Terminated
    }

    /// Enters Terminated (once): disarms every timer and tells the TU.
    fn terminate(&mut self) {
        if self.state != ClientInviteState::Terminated {
            self.state = ClientInviteState::Terminated;
            self.timers.clear();
            self.events.push_back(ClientEvent::Terminated);
        }
    }
}

/// Builds the ACK for a non-2xx final response as [RFC 3261 §17.1.1.3]
/// says.
///
/// The ACK is written out line by line rather than through
/// `MessageBuilder`: the Request-URI and the copied header values go out
/// byte for byte as the INVITE and the response carry them, and nothing a
/// peer puts in the response can make building fail.
///
/// [RFC 3261 §17.1.1.3]: https://www.rfc-editor.org/rfc/rfc3261#section-17.1.1.3
fn build_ack(invite: &Message, response: &Message) -> Bytes {
    fn line(out: &mut BytesMut, name: &str, value: &str) {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    let mut out = BytesMut::with_capacity(512);
    // §17.1.1.3: "The ACK request constructed by the client transaction
    // MUST contain values for the Call-ID, From, and Request-URI that are
    // equal to the values of those header fields in the request passed to
    // the transport by the client transaction (call this the "original
    // request")."
    out.extend_from_slice(b"ACK ");
    out.extend_from_slice(invite.request_uri_str().unwrap_or_default().as_bytes());
    out.extend_from_slice(b" SIP/2.0\r\n");
    // §17.1.1.3: "The ACK MUST contain a single Via header field, and this
    // MUST be equal to the top Via header field of the original request."
    // The typed Via is the first element even of a comma-separated line.
    match invite.typed::<Via>() {
        Ok(via) => line(&mut out, "Via", via.as_str()),
        Err(_) => {
            if let Some(raw) = invite.header(&HeaderName::Via) {
                line(&mut out, "Via", raw);
            }
        }
    }
    // §17.1.1.3: "If the INVITE request whose response is being
    // acknowledged had Route header fields, those header fields MUST appear
    // in the ACK."
    for route in invite.header_values(&HeaderName::Route) {
        line(&mut out, "Route", route);
    }
    line(&mut out, "Max-Forwards", "70");
    if let Some(from) = invite.header(&HeaderName::From) {
        line(&mut out, "From", from);
    }
    // §17.1.1.3: "The To header field in the ACK MUST equal the To header
    // field in the response being acknowledged, and therefore will usually
    // differ from the To header field in the original request by the
    // addition of the tag parameter." A response without a To (which the
    // layer should not have matched) falls back to the INVITE's.
    if let Some(to) = response
        .header(&HeaderName::To)
        .or_else(|| invite.header(&HeaderName::To))
    {
        line(&mut out, "To", to);
    }
    if let Some(call_id) = invite.header(&HeaderName::CallId) {
        line(&mut out, "Call-ID", call_id);
    }
    // §17.1.1.3: "The CSeq header field in the ACK MUST contain the same
    // value for the sequence number as was present in the original request,
    // but the method parameter MUST be equal to "ACK"."
    let seq = match invite.typed::<CSeq>() {
        Ok(cseq) => Some(cseq.seq.to_string()),
        Err(_) => invite
            .header(&HeaderName::CSeq)
            .and_then(|v| v.split_whitespace().next())
            .map(str::to_owned),
    };
    if let Some(seq) = seq {
        line(&mut out, "CSeq", &format!("{seq} ACK"));
    }
    line(&mut out, "Content-Length", "0");
    out.extend_from_slice(b"\r\n");
    out.freeze()
}
