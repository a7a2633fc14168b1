//! The non-INVITE server transaction ([RFC 3261 §17.2.2]).
//!
//! [RFC 3261 §17.2.2]: https://www.rfc-editor.org/rfc/rfc3261#section-17.2.2

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::Bytes;
use sip_message::Message;

use super::{InvalidResponse, ServerEvent};
use crate::{Timer, TimerConfig};

/// The states of a non-INVITE server transaction ([RFC 3261 §17.2.2],
/// figure 8).
///
/// ```text
///                               |Request received
///                               |pass to TU
///                               V
///                         +-----------+
///                         |           |
///                         | Trying    |-------------+
///                         |           |             |
///                         +-----------+             |200-699 from TU
///                               |                   |send response
///                               |1xx from TU        |
///                               |send response      |
///                               |                   |
///            Request            V      1xx from TU  |
///            send response+-----------+send response|
///                +--------|           |--------+    |
///                |        | Proceeding|        |    |
///                +------->|           |<-------+    |
///         +<--------------|           |             |
///         |Trnsprt Err    +-----------+             |
///         |Inform TU            |                   |
///         |                     |                   |
///         |                     |200-699 from TU    |
///         |                     |send response      |
///         |  Request            V                   |
///         |  send response+-----------+             |
///         |      +--------|           |             |
///         |      |        | Completed |<------------+
///         |      +------->|           |
///         +<--------------|           |
///         |Trnsprt Err    +-----------+
///         |Inform TU            |
///         |                     |Timer J fires
///         |                     |-
///         |                     |
///         |                     V
///         |               +-----------+
///         |               |           |
///         +-------------->| Terminated|
///                         |           |
///                         +-----------+
/// ```
///
/// On a reliable transport Timer J is zero, so Completed is left as soon
/// as the final response is queued.
///
/// [RFC 3261 §17.2.2]: https://www.rfc-editor.org/rfc/rfc3261#section-17.2.2
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ServerNonInviteState {
    /// The request arrived and went up to the TU; retransmissions of it
    /// are absorbed until the TU answers.
    Trying,
    /// A provisional response was sent; a request retransmission gets it
    /// again.
    Proceeding,
    /// The final response was sent; a request retransmission gets it again
    /// until Timer J fires.
    Completed,
    /// Done: the transaction can be dropped.
    Terminated,
}

impl ServerNonInviteState {
    fn name(self) -> &'static str {
        match self {
            Self::Trying => "Trying",
            Self::Proceeding => "Proceeding",
            Self::Completed => "Completed",
            Self::Terminated => "Terminated",
        }
    }
}

/// A non-INVITE server transaction ([RFC 3261 §17.2.2]): sends the TU's
/// responses to a received request and answers retransmissions of it with
/// the last response sent. It never retransmits on its own: the client
/// retransmits the request and each copy is answered.
///
/// The request itself goes up to the TU when the transaction layer creates
/// the transaction, not as an event.
///
/// Sans-IO: time comes in as `now`, responses leave through
/// [`poll_transmit`](Self::poll_transmit) and what the TU must see through
/// [`poll_event`](Self::poll_event). **After every call that mutates the
/// transaction, drain `poll_transmit` and `poll_event` to `None`, then
/// read [`poll_timeout`](Self::poll_timeout).**
///
/// [RFC 3261 §17.2.2]: https://www.rfc-editor.org/rfc/rfc3261#section-17.2.2
#[derive(Clone, Debug)]
pub struct ServerNonInvite {
    state: ServerNonInviteState,
    /// Dropped once the final response is sent: a completed transaction
    /// only answers retransmissions, and under a REGISTER flood Timer J
    /// keeps hundreds of thousands of them alive. Boxed, so that the
    /// Completed state does not carry a message's worth of empty space.
    request: Option<Box<Message>>,
    reliable: bool,
    /// Timer J's duration on an unreliable transport, 64*T1. The machine
    /// keeps this and its one timer rather than a whole [`TimerConfig`]
    /// and [`Timers`](crate::Timers) table: it is the transaction a
    /// registrar or proxy holds by the hundred thousand.
    timer_j: Duration,
    /// When Timer J fires, once armed.
    j_at: Option<Instant>,
    /// The last response sent, serialized once: what a request
    /// retransmission gets in Proceeding and Completed.
    last_response: Option<Bytes>,
    transmits: VecDeque<Bytes>,
    events: VecDeque<ServerEvent>,
}

impl ServerNonInvite {
    /// Starts the transaction in the Trying state for a received request.
    ///
    /// `reliable` says whether the transport the request came over is
    /// reliable (TCP): then Timer J is zero.
    pub fn new(_now: Instant, request: Message, reliable: bool, cfg: TimerConfig) -> Self {
        // §17.2.2: "The state machine is initialized in the "Trying" state
        // and is passed a request other than INVITE or ACK when
        // initialized." No timer runs until the final response.
        Self {
            state: ServerNonInviteState::Trying,
            request: Some(Box::new(request)),
            reliable,
            timer_j: cfg.timeout(),
            j_at: None,
            last_response: None,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// The current state.
    pub fn state(&self) -> ServerNonInviteState {
        self.state
    }

    /// The request this transaction answers, until its final response
    /// was sent (then `None`: the transaction keeps only the response it
    /// repeats to retransmissions).
    pub fn request(&self) -> Option<&Message> {
        self.request.as_deref()
    }

    /// A retransmission of the request that the layer matched to this
    /// transaction (§17.2.3). A message that is not a request is ignored.
    pub fn handle_request(&mut self, _now: Instant, request: Message) {
        if !request.is_request() {
            return;
        }
        match self.state {
            // §17.2.2: "Once in the "Trying" state, any further request
            // retransmissions are discarded."
            ServerNonInviteState::Trying | ServerNonInviteState::Terminated => {}
            // §17.2.2: "If a retransmission of the request is received while
            // in the "Proceeding" state, the most recently sent provisional
            // response MUST be passed to the transport layer for
            // retransmission." and "While in the "Completed" state, the
            // server transaction MUST pass the final response to the
            // transport layer for retransmission whenever a retransmission of
            // the request is received."
            ServerNonInviteState::Proceeding | ServerNonInviteState::Completed => {
                if let Some(r) = &self.last_response {
                    self.transmits.push_back(r.clone());
                }
            }
        }
    }

    /// Sends a response from the TU.
    ///
    /// # Errors
    ///
    /// [`InvalidResponse`] once a final response was sent (§17.2.2: "Any
    /// other final responses passed by the TU to the server transaction
    /// MUST be discarded while in the "Completed" state"). A message that
    /// is not a response is refused with status 0. The transaction is
    /// unchanged.
    pub fn send_response(
        &mut self,
        now: Instant,
        response: Message,
    ) -> Result<(), InvalidResponse> {
        use ServerNonInviteState::{Completed, Proceeding, Trying};
        let status = response.status().unwrap_or(0);
        match (self.state, status) {
            (Trying | Proceeding, 100..=199) => {
                // §17.2.2: "While in the "Trying" state, if the TU passes a
                // provisional response to the server transaction, the server
                // transaction MUST enter the "Proceeding" state. The response
                // MUST be passed to the transport layer for transmission.
                // Any further provisional responses that are received from
                // the TU while in the "Proceeding" state MUST be passed to
                // the transport layer for transmission."
                self.state = Proceeding;
                self.send(response.to_bytes());
            }
            (Trying | Proceeding, 200..=699) => {
                // §17.2.2: "If the TU passes a final response (status codes
                // 200-699) to the server while in the "Proceeding" state, the
                // transaction MUST enter the "Completed" state, and the
                // response MUST be passed to the transport layer for
                // transmission." (figure 8: the same from Trying).
                self.state = Completed;
                self.request = None;
                self.send(response.to_bytes());
                // §17.2.2: "When the server transaction enters the
                // "Completed" state, it MUST set Timer J to fire in 64*T1
                // seconds for unreliable transports, and zero seconds for
                // reliable transports."
                if self.reliable {
                    self.terminate();
                } else {
                    self.j_at = Some(now + self.timer_j);
                }
            }
            _ => {
                return Err(InvalidResponse {
                    status,
                    state: self.state.name(),
                })
            }
        }
        Ok(())
    }

    /// Fires every timer due at `now`. Idempotent; a call before the next
    /// [`poll_timeout`](Self::poll_timeout) instant does nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.j_at.is_some_and(|at| at <= now) {
            self.j_at = None;
            if self.state == ServerNonInviteState::Completed {
                // §17.2.2: "The server transaction remains in this state
                // until Timer J fires, at which point it MUST transition to
                // the "Terminated" state."
                self.terminate();
            }
        }
    }

    /// Handles a failure the transport reported while sending a response:
    /// §17.2.4, the transaction "SHOULD inform the TU that a failure has
    /// occurred, and SHOULD transition to the terminated state".
    pub fn handle_transport_error(&mut self, _now: Instant) {
        if self.state != ServerNonInviteState::Terminated {
            self.events.push_back(ServerEvent::TransportError);
            self.terminate();
        }
    }

    /// The next response to send, if any.
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        let next = self.transmits.pop_front();
        if self.state == ServerNonInviteState::Completed && self.transmits.is_empty() {
            // Completed lasts 32 s over UDP (Timer J) and sends again only
            // if the request is retransmitted: the queue's buffer goes back
            // to the allocator instead of staying with every transaction.
            self.transmits = VecDeque::new();
        }
        next
    }

    /// The next event for the TU, if any.
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next be called,
    /// and for which timer; `None` when no timer is armed.
    pub fn poll_timeout(&self) -> Option<(Instant, Timer)> {
        self.j_at.map(|at| (at, Timer::J))
    }

    /// Whether the transaction reached the Terminated state.
    pub fn is_terminated(&self) -> bool {
        self.state == ServerNonInviteState::Terminated
    }

    fn send(&mut self, wire: Bytes) {
        self.transmits.push_back(wire.clone());
        self.last_response = Some(wire);
    }

    /// Enters Terminated (once): disarms every timer and tells the TU.
    fn terminate(&mut self) {
        if self.state != ServerNonInviteState::Terminated {
            self.state = ServerNonInviteState::Terminated;
            self.j_at = None;
            self.events.push_back(ServerEvent::Terminated);
        }
    }
}
