//! The INVITE server transaction ([RFC 3261 §17.2.1], with the Accepted
//! state of [RFC 6026 §7.1 and §8.5-8.7]).
//!
//! [RFC 3261 §17.2.1]: https://www.rfc-editor.org/rfc/rfc3261#section-17.2.1
//! [RFC 6026 §7.1 and §8.5-8.7]: https://www.rfc-editor.org/rfc/rfc6026#section-7.1

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::Bytes;
use sip_message::{Message, Method, To};

use super::client_non_invite::next_retransmit;
use super::{InvalidResponse, ServerEvent};
use crate::{Timer, TimerConfig, Timers};

/// The states of an INVITE server transaction: RFC 3261 figure 7 as
/// replaced by [RFC 6026 §8.7] (figure 7 there), which adds Accepted.
///
/// ```text
///                                    |INVITE
///                                    |pass INV to TU
///                 INVITE             V send 100 if TU won't in 200 ms
///                 send response+------------+
///                     +--------|            |--------+ 101-199 from TU
///                     |        |            |        | send response
///                     +------->|            |<-------+
///                              | Proceeding |
///                              |            |--------+ Transport Err.
///                              |            |        | Inform TU
///                              |            |<-------+
///                              +------------+
///                 300-699 from TU |    |2xx from TU
///                 send response   |    |send response
///                  +--------------+    +------------+
///                  |                                |
/// INVITE           V          Timer G fires         |
/// send response +-----------+ send response         |
///      +--------|           |--------+              |
///      |        |           |        |              |
///      +------->| Completed |<-------+      INVITE  |  Transport Err.
///               |           |               -       |  Inform TU
///      +--------|           |----+          +-----+ |  +---+
///      |        +-----------+    | ACK      |     | v  |   v
///      |          ^   |          | -        |  +------------+
///      |          |   |          |          |  |            |---+ ACK
///      +----------+   |          |          +->|  Accepted  |   | to TU
///      Transport Err. |          |             |            |<--+
///      Inform TU      |          V             +------------+
///                     |      +-----------+        |  ^     |
///                     |      |           |        |  |     |
///                     |      | Confirmed |        |  +-----+
///                     |      |           |        |  2xx from TU
///       Timer H fires |      +-----------+        |  send response
///       -             |          |                |
///                     |          | Timer I fires  |
///                     |          | -              | Timer L fires
///                     |          V                | -
///                     |        +------------+     |
///                     |        |            |<----+
///                     +------->| Terminated |
///                              |            |
///                              +------------+
/// ```
///
/// On a reliable transport Timer G is never set and Timer I is zero, so
/// Confirmed is left as soon as the ACK arrives. Timer H and Timer L run
/// on every transport.
///
/// The figure draws a transport error as a loop that only informs the TU;
/// this implementation follows the text of [RFC 3261 §17.2.4], which also
/// says the transaction "SHOULD transition to the terminated state", so a
/// transport error ends the transaction in every state.
///
/// [RFC 6026 §8.7]: https://www.rfc-editor.org/rfc/rfc6026#section-8.7
/// [RFC 3261 §17.2.4]: https://www.rfc-editor.org/rfc/rfc3261#section-17.2.4
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ServerInviteState {
    /// The INVITE arrived and went up to the TU; provisional responses are
    /// sent, and `100 Trying` goes out by itself if the TU is silent for
    /// 200 ms.
    Proceeding,
    /// A 300-699 final response was sent; Timer G retransmits it (on an
    /// unreliable transport) until the ACK arrives or Timer H fires.
    Completed,
    /// The ACK for the non-2xx response arrived; Timer I absorbs ACK
    /// retransmissions.
    Confirmed,
    /// A 2xx was sent (RFC 6026): INVITE retransmissions are absorbed, the
    /// TU's 2xx retransmissions are sent and ACKs go up, until Timer L
    /// fires.
    Accepted,
    /// Done: the transaction can be dropped.
    Terminated,
}

impl ServerInviteState {
    fn name(self) -> &'static str {
        match self {
            Self::Proceeding => "Proceeding",
            Self::Completed => "Completed",
            Self::Confirmed => "Confirmed",
            Self::Accepted => "Accepted",
            Self::Terminated => "Terminated",
        }
    }
}

/// An INVITE server transaction ([RFC 3261 §17.2.1], [RFC 6026 §8.5-8.7]):
/// sends the TU's responses to a received INVITE, answers INVITE
/// retransmissions, retransmits a non-2xx final response on an unreliable
/// transport until the ACK arrives, and keeps absorbing INVITE
/// retransmissions after a 2xx.
///
/// The INVITE itself goes up to the TU when the transaction layer creates
/// the transaction, not as an event.
///
/// Sans-IO: time comes in as `now`, responses leave through
/// [`poll_transmit`](Self::poll_transmit) and what the TU must see through
/// [`poll_event`](Self::poll_event). **After every call that mutates the
/// transaction, drain `poll_transmit` and `poll_event` to `None`, then
/// read [`poll_timeout`](Self::poll_timeout).**
///
/// Each response is serialized once; every retransmission is a cheap clone
/// of the same [`Bytes`].
///
/// [RFC 3261 §17.2.1]: https://www.rfc-editor.org/rfc/rfc3261#section-17.2.1
/// [RFC 6026 §8.5-8.7]: https://www.rfc-editor.org/rfc/rfc6026#section-8.5
#[derive(Clone, Debug)]
pub struct ServerInvite {
    state: ServerInviteState,
    request: Message,
    reliable: bool,
    cfg: TimerConfig,
    timers: Timers,
    /// The most recent provisional response sent, for INVITE
    /// retransmissions in Proceeding.
    provisional: Option<Bytes>,
    /// The non-2xx final response, retransmitted by Timer G and on INVITE
    /// retransmissions in Completed.
    final_response: Option<Bytes>,
    /// The To tag of the last final response sent.
    final_to_tag: Option<String>,
    /// The current Timer G interval.
    interval: Duration,
    transmits: VecDeque<Bytes>,
    events: VecDeque<ServerEvent>,
}

impl ServerInvite {
    /// Starts the transaction in the Proceeding state for a received
    /// INVITE and arms the 200 ms `100 Trying` timer
    /// ([`TimerConfig::trying`](crate::TimerConfig::trying)).
    ///
    /// `reliable` says whether the transport the INVITE came over is
    /// reliable (TCP): then Timer G is not set and Timer I is zero.
    pub fn new(now: Instant, request: Message, reliable: bool, cfg: TimerConfig) -> Self {
        let mut timers = Timers::default();
        // §17.2.1: "The server transaction MUST generate a 100 (Trying)
        // response unless it knows that the TU will generate a provisional
        // or final response within 200 ms, in which case it MAY generate a
        // 100 (Trying) response." The TU gets `cfg.trying` to answer first.
        timers.set(Timer::Trying, now + cfg.trying);
        Self {
            state: ServerInviteState::Proceeding,
            request,
            reliable,
            cfg,
            timers,
            provisional: None,
            final_response: None,
            final_to_tag: None,
            interval: cfg.t1,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// The current state.
    pub fn state(&self) -> ServerInviteState {
        self.state
    }

    /// The INVITE this transaction answers.
    pub fn request(&self) -> &Message {
        &self.request
    }

    /// A retransmitted INVITE or an ACK that the layer matched to this
    /// transaction (§17.2.3). Other messages are ignored.
    pub fn handle_request(&mut self, now: Instant, request: Message) {
        use ServerInviteState::{Accepted, Completed, Proceeding};
        match (request.method(), self.state) {
            (Some(Method::Invite), Proceeding) => {
                // §17.2.1: "If a request retransmission is received while in
                // the "Proceeding" state, the most recent provisional
                // response that was received from the TU MUST be passed to
                // the transport layer for retransmission." (our own 100
                // Trying counts: it is what the peer has not heard).
                if let Some(p) = &self.provisional {
                    self.transmits.push_back(p.clone());
                }
            }
            (Some(Method::Invite), Completed) => {
                // §17.2.1: "Furthermore, while in the "Completed" state, if
                // a request retransmission is received, the server SHOULD
                // pass the response to the transport for retransmission."
                if let Some(f) = &self.final_response {
                    self.transmits.push_back(f.clone());
                }
            }
            (Some(Method::Ack), Completed) => {
                // §17.2.1: "If an ACK is received while the server
                // transaction is in the "Completed" state, the server
                // transaction MUST transition to the "Confirmed" state. As
                // Timer G is ignored in this state, any retransmissions of
                // the response will cease."
                self.state = ServerInviteState::Confirmed;
                self.timers.stop(Timer::G);
                self.timers.stop(Timer::H);
                // §17.2.1: "When this state is entered, timer I is set to
                // fire in T4 seconds for unreliable transports, and zero
                // seconds for reliable transports."
                if self.reliable {
                    self.terminate();
                } else {
                    self.timers.set(Timer::I, now + self.cfg.t4);
                }
            }
            (Some(Method::Ack), Accepted) => {
                // RFC 6026 §7.1: "Any ACKs received from the network while
                // in the "Accepted" state MUST be passed directly to the TU
                // and not absorbed."
                self.events.push_back(ServerEvent::Ack(request));
            }
            // RFC 6026 §7.1: "While in the "Accepted" state, any
            // retransmissions of the INVITE received will match this
            // transaction state machine and will be absorbed by the machine
            // without changing its state. These retransmissions are not
            // passed onto the TU." Confirmed absorbs INVITEs and ACKs alike
            // (§17.2.1: "The purpose of the "Confirmed" state is to absorb
            // any additional ACK messages"). An ACK in Proceeding answers
            // nothing this transaction sent.
            _ => {}
        }
    }

    /// Sends a response from the TU.
    ///
    /// # Errors
    ///
    /// [`InvalidResponse`] when the state does not allow this response:
    /// anything after a non-2xx final response, anything but a 2xx after a
    /// 2xx, anything once Terminated. A message that is not a response is
    /// refused with status 0. The transaction is unchanged.
    pub fn send_response(
        &mut self,
        now: Instant,
        response: Message,
    ) -> Result<(), InvalidResponse> {
        use ServerInviteState::{Accepted, Completed, Proceeding};
        let status = response.status().unwrap_or(0);
        match (self.state, status) {
            (Proceeding, 100..=199) => {
                // §17.2.1: "So long as the server transaction is in the
                // "Proceeding" state, each of these MUST be passed to the
                // transport layer for transmission. They are not sent
                // reliably by the transaction layer (they are not
                // retransmitted by it) and do not cause a change in the state
                // of the server transaction."
                let wire = response.to_bytes();
                self.timers.stop(Timer::Trying);
                self.transmits.push_back(wire.clone());
                self.provisional = Some(wire);
            }
            (Proceeding, 200..=299) => {
                // RFC 6026 §8.5: "If, while in the "Proceeding" state, the
                // TU passes a 2xx response to the server transaction, the
                // server transaction MUST pass this response to the
                // transport layer for transmission. It is not retransmitted
                // by the server transaction; retransmissions of 2xx
                // responses are handled by the TU. The server transaction
                // MUST then transition to the "Accepted" state."
                self.timers.stop(Timer::Trying);
                self.final_to_tag = to_tag(&response);
                self.transmits.push_back(response.to_bytes());
                self.state = Accepted;
                // RFC 6026 §8.7: "When the INVITE server transaction enters
                // the "Accepted" state, Timer L MUST be set to fire in 64*T1
                // for all transports."
                self.timers.set(Timer::L, now + self.cfg.timeout());
            }
            (Accepted, 200..=299) => {
                // RFC 6026 §7.1: "Any retransmission of the 2xx response
                // passed from the TU to the transaction while in the
                // "Accepted" state MUST be passed to the transport layer for
                // transmission."
                self.final_to_tag = to_tag(&response);
                self.transmits.push_back(response.to_bytes());
            }
            (Proceeding, 300..=699) => {
                // §17.2.1: "While in the "Proceeding" state, if the TU passes
                // a response with status code from 300 to 699 to the server
                // transaction, the response MUST be passed to the transport
                // layer for transmission, and the state machine MUST enter
                // the "Completed" state. For unreliable transports, timer G
                // is set to fire in T1 seconds, and is not set to fire for
                // reliable transports."
                let wire = response.to_bytes();
                self.timers.stop(Timer::Trying);
                self.final_to_tag = to_tag(&response);
                self.transmits.push_back(wire.clone());
                self.final_response = Some(wire);
                self.state = Completed;
                if !self.reliable {
                    self.interval = self.cfg.t1;
                    self.timers.set(Timer::G, now + self.cfg.t1);
                }
                // §17.2.1: "When the "Completed" state is entered, timer H
                // MUST be set to fire in 64*T1 seconds for all transports."
                self.timers.set(Timer::H, now + self.cfg.timeout());
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

    /// The To tag of the last final response sent (the layer uses it to
    /// match RFC 2543 ACKs, §17.2.3); `None` before a final response or if
    /// it had no tag.
    pub fn final_to_tag(&self) -> Option<&str> {
        self.final_to_tag.as_deref()
    }

    /// Fires every timer due at `now`. Idempotent; a call before the next
    /// [`poll_timeout`](Self::poll_timeout) instant does nothing.
    ///
    /// Timer G is rescheduled from the instant it was due, not from `now`,
    /// so a late call does not shift the schedule, and one late call sends
    /// one retransmission rather than a burst.
    pub fn handle_timeout(&mut self, now: Instant) {
        use ServerInviteState::{Accepted, Completed, Confirmed, Proceeding};
        while let Some((at, timer)) = self.timers.next().filter(|&(at, _)| at <= now) {
            self.timers.stop(timer);
            match (timer, self.state) {
                (Timer::Trying, Proceeding) if self.provisional.is_none() => {
                    // §17.2.1: "The server transaction MUST generate a 100
                    // (Trying) response unless it knows that the TU will
                    // generate a provisional or final response within 200
                    // ms".
                    self.send_trying();
                }
                (Timer::G, Completed) => {
                    // §17.2.1: "If timer G fires, the response is passed to
                    // the transport layer once more for retransmission, and
                    // timer G is set to fire in MIN(2*T1, T2) seconds. From
                    // then on, when timer G fires, the response is passed to
                    // the transport again for transmission, and timer G is
                    // reset with a value that doubles, unless that value
                    // exceeds T2, in which case it is reset with the value of
                    // T2."
                    if let Some(f) = &self.final_response {
                        self.transmits.push_back(f.clone());
                    }
                    let t2 = self.cfg.t2;
                    if let Some(next) = next_retransmit(at, now, &mut self.interval, |d| {
                        d.saturating_mul(2).min(t2)
                    }) {
                        self.timers.set(Timer::G, next);
                    }
                }
                (Timer::H, Completed) => {
                    // §17.2.1: "If timer H fires while in the "Completed"
                    // state, it implies that the ACK was never received. In
                    // this case, the server transaction MUST transition to
                    // the "Terminated" state, and MUST indicate to the TU
                    // that a transaction failure has occurred."
                    self.events.push_back(ServerEvent::TimedOut);
                    self.terminate();
                }
                (Timer::I, Confirmed) => {
                    // §17.2.1: "Once timer I fires, the server MUST
                    // transition to the "Terminated" state."
                    self.terminate();
                }
                (Timer::L, Accepted) => {
                    // RFC 6026 §7.1: "When Timer L fires and the state
                    // machine is in the "Accepted" state, the machine MUST
                    // transition to the "Terminated" state."
                    self.terminate();
                }
                // A timer that no longer applies to the state.
                _ => {}
            }
        }
    }

    /// Handles a failure the transport reported while sending a response:
    /// §17.2.4, the transaction "SHOULD inform the TU that a failure has
    /// occurred, and SHOULD transition to the terminated state". In the
    /// Accepted state RFC 6026 (figure 7, "Transport Err. Inform TU")
    /// informs the TU and stays, so retransmitted INVITEs keep being
    /// absorbed until Timer L instead of reaching the TU as new requests.
    pub fn handle_transport_error(&mut self, _now: Instant) {
        match self.state {
            ServerInviteState::Terminated => {}
            ServerInviteState::Accepted => self.events.push_back(ServerEvent::TransportError),
            _ => {
                self.events.push_back(ServerEvent::TransportError);
                self.terminate();
            }
        }
    }

    /// The next response to send, if any.
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        self.transmits.pop_front()
    }

    /// The next event for the TU, if any.
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next be called,
    /// and for which timer; `None` when no timer is armed.
    pub fn poll_timeout(&self) -> Option<(Instant, Timer)> {
        self.timers.next()
    }

    /// Whether the transaction reached the Terminated state.
    pub fn is_terminated(&self) -> bool {
        self.state == ServerInviteState::Terminated
    }

    /// Sends the transaction's own `100 Trying`, built per §8.2.6.1 (which
    /// copies Timestamp). A request whose To cannot be parsed gets no 100:
    /// no response can be built for it, and the TU's answer will fail the
    /// same way.
    fn send_trying(&mut self) {
        if !self.request.is_request() {
            return;
        }
        if let Ok(trying) = self.request.response_to(100, None).and_then(|b| b.build()) {
            let wire = trying.to_bytes();
            self.transmits.push_back(wire.clone());
            self.provisional = Some(wire);
        }
    }

    /// Enters Terminated (once): disarms every timer and tells the TU.
    fn terminate(&mut self) {
        if self.state != ServerInviteState::Terminated {
            self.state = ServerInviteState::Terminated;
            self.timers.clear();
            self.events.push_back(ServerEvent::Terminated);
        }
    }
}

/// The To tag of a response, if it has one that parses.
fn to_tag(response: &Message) -> Option<String> {
    response
        .typed::<To>()
        .ok()
        .and_then(|to| to.tag().map(str::to_owned))
}
