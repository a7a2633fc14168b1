//! The non-INVITE client transaction ([RFC 3261 §17.1.2]).
//!
//! [RFC 3261 §17.1.2]: https://www.rfc-editor.org/rfc/rfc3261#section-17.1.2

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::Bytes;
use sip_message::Message;

use super::ClientEvent;
use crate::{Timer, TimerConfig, Timers};

/// The states of a non-INVITE client transaction ([RFC 3261 §17.1.2.2],
/// figure 6).
///
/// ```text
///                                |Request from TU
///                                |send request
///            Timer E             V
///            send request  +-----------+
///                +---------|           |-------------------+
///                |         |  Trying   |  Timer F          |
///                +-------->|           |  or Transport Err.|
///                          +-----------+  inform TU        |
///             200-699         |  |                         |
///             resp. to TU     |  |1xx                      |
///             +---------------+  |resp. to TU              |
///             |                  |                         |
///             |   Timer E        V       Timer F           |
///             |   send req +-----------+ or Transport Err. |
///             |  +---------|           | inform TU         |
///             |  |         |Proceeding |------------------>|
///             |  +-------->|           |-----+             |
///             |            +-----------+     |1xx          |
///             |              |      ^        |resp to TU   |
///             | 200-699      |      +--------+             |
///             | resp. to TU  |                             |
///             |              |                             |
///             |              V                             |
///             |            +-----------+                   |
///             |            |           |                   |
///             |            | Completed |                   |
///             |            |           |                   |
///             |            +-----------+                   |
///             |              ^   |                         |
///             |              |   | Timer K                 |
///             +--------------+   | -                       |
///                                |                         |
///                                V                         |
///          NOTE:           +-----------+                   |
///                          |           |                   |
///      transitions         | Terminated|<------------------+
///      labeled with        |           |
///      the event           +-----------+
///      over the action
///      to take
/// ```
///
/// On a reliable transport Timer E is never set and Timer K is zero, so
/// Completed is left at once.
///
/// [RFC 3261 §17.1.2.2]: https://www.rfc-editor.org/rfc/rfc3261#section-17.1.2.2
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ClientNonInviteState {
    /// The request was sent; no response yet. Timer E retransmits (on an
    /// unreliable transport) and Timer F bounds the wait.
    Trying,
    /// A provisional response arrived. Timer E keeps retransmitting, now
    /// every T2, and Timer F still bounds the wait.
    Proceeding,
    /// A final response arrived and went up; Timer K absorbs its
    /// retransmissions.
    Completed,
    /// Done: the transaction can be dropped.
    Terminated,
}

/// A non-INVITE client transaction: sends a request, retransmits it on an
/// unreliable transport, and passes the responses up ([RFC 3261 §17.1.2]).
///
/// Sans-IO: time comes in as `now`, the request leaves through
/// [`poll_transmit`](Self::poll_transmit) and what the TU must see through
/// [`poll_event`](Self::poll_event). **After every call that mutates the
/// transaction, drain `poll_transmit` and `poll_event` to `None`, then
/// read [`poll_timeout`](Self::poll_timeout).**
///
/// The request is serialized once; every retransmission is a cheap clone
/// of the same [`Bytes`].
///
/// [RFC 3261 §17.1.2]: https://www.rfc-editor.org/rfc/rfc3261#section-17.1.2
#[derive(Clone, Debug)]
pub struct ClientNonInvite {
    state: ClientNonInviteState,
    request: Message,
    /// The request as sent, serialized once and retransmitted verbatim.
    wire: Bytes,
    reliable: bool,
    cfg: TimerConfig,
    timers: Timers,
    /// The current Timer E interval.
    interval: Duration,
    transmits: VecDeque<Bytes>,
    events: VecDeque<ClientEvent>,
}

impl ClientNonInvite {
    /// Starts the transaction in the Trying state and queues the first
    /// transmission of `request`.
    ///
    /// `request` is the request exactly as it is sent: its top Via already
    /// carries the branch. `reliable` says whether the transport is
    /// reliable (TCP): then Timer E is not set and Timer K is zero.
    pub fn new(now: Instant, request: Message, reliable: bool, cfg: TimerConfig) -> Self {
        let wire = request.to_bytes();
        let mut timers = Timers::default();
        // §17.1.2.2: "When entering this state, the client transaction
        // SHOULD set timer F to fire in 64*T1 seconds."
        timers.set(Timer::F, now + cfg.timeout());
        // §17.1.2.2: "If an unreliable transport is in use, the client
        // transaction MUST set timer E to fire in T1 seconds."
        if !reliable {
            timers.set(Timer::E, now + cfg.t1);
        }
        // §17.1.2.2: "The request MUST be passed to the transport layer
        // for transmission."
        let mut transmits = VecDeque::with_capacity(1);
        transmits.push_back(wire.clone());
        Self {
            state: ClientNonInviteState::Trying,
            request,
            wire,
            reliable,
            cfg,
            timers,
            interval: cfg.t1,
            transmits,
            events: VecDeque::new(),
        }
    }

    /// The current state.
    pub fn state(&self) -> ClientNonInviteState {
        self.state
    }

    /// The request this transaction sends.
    pub fn request(&self) -> &Message {
        &self.request
    }

    /// Handles a response that the transaction layer matched to this
    /// transaction (§17.1.3). A message that is not a response is ignored.
    pub fn handle_response(&mut self, now: Instant, response: Message) {
        use ClientNonInviteState::{Completed, Proceeding, Trying};
        let Some(code) = response.status() else {
            return;
        };
        match (self.state, code) {
            (Trying | Proceeding, 100..=199) => {
                // §17.1.2.2: "If a provisional response is received while
                // in the "Trying" state, the response MUST be passed to the
                // TU, and then the client transaction SHOULD move to the
                // "Proceeding" state." Timer E keeps running: in Proceeding
                // it is reset with T2 when it next fires.
                self.state = Proceeding;
                self.events.push_back(ClientEvent::Response(response));
            }
            (Trying | Proceeding, _) => {
                // §17.1.2.2: "If a final response (status codes 200-699) is
                // received while in the "Trying" state, the response MUST be
                // passed to the TU, and the client transaction MUST
                // transition to the "Completed" state." (the same for
                // Proceeding).
                self.state = Completed;
                self.timers.stop(Timer::E);
                self.timers.stop(Timer::F);
                self.events.push_back(ClientEvent::Response(response));
                // §17.1.2.2: "Once the client transaction enters the
                // "Completed" state, it MUST set Timer K to fire in T4
                // seconds for unreliable transports, and zero seconds for
                // reliable transports."
                if self.reliable {
                    self.terminate();
                } else {
                    self.timers.set(Timer::K, now + self.cfg.t4);
                }
            }
            // Completed buffers response retransmissions; Terminated
            // ignores everything.
            (Completed | ClientNonInviteState::Terminated, _) => {}
        }
    }

    /// Fires every timer due at `now`. Idempotent; a call before the next
    /// [`poll_timeout`](Self::poll_timeout) instant does nothing.
    ///
    /// Timer E is rescheduled from the instant it was due, not from `now`,
    /// so a late call does not shift the schedule, and one late call sends
    /// one retransmission rather than a burst.
    pub fn handle_timeout(&mut self, now: Instant) {
        use ClientNonInviteState::{Completed, Proceeding, Trying};
        while let Some((at, timer)) = self.timers.next().filter(|&(at, _)| at <= now) {
            self.timers.stop(timer);
            match (timer, self.state) {
                (Timer::E, Trying | Proceeding) => {
                    self.transmits.push_back(self.wire.clone());
                    let t2 = self.cfg.t2;
                    let next = if self.state == Trying {
                        // §17.1.2.2: "If timer E fires while still in this
                        // state, the timer is reset, but this time with a
                        // value of MIN(2*T1, T2). When the timer fires
                        // again, it is reset to a MIN(4*T1, T2)."
                        next_retransmit(at, now, &mut self.interval, |d| {
                            d.saturating_mul(2).min(t2)
                        })
                    } else {
                        // §17.1.2.2: "If Timer E fires while in the
                        // "Proceeding" state, the request MUST be passed to
                        // the transport layer for retransmission, and Timer
                        // E MUST be reset with a value of T2 seconds."
                        next_retransmit(at, now, &mut self.interval, |_| t2)
                    };
                    if let Some(next) = next {
                        self.timers.set(Timer::E, next);
                    }
                }
                (Timer::F, Trying | Proceeding) => {
                    // §17.1.2.2: "If Timer F fires while the client
                    // transaction is still in the "Trying" state, the client
                    // transaction SHOULD inform the TU about the timeout, and
                    // then it SHOULD enter the "Terminated" state." (and in
                    // Proceeding "the TU MUST be informed of a timeout").
                    self.events.push_back(ClientEvent::TimedOut);
                    self.terminate();
                }
                (Timer::K, Completed) => {
                    // §17.1.2.2: "If Timer K fires while in this state, the
                    // client transaction MUST transition to the "Terminated"
                    // state."
                    self.terminate();
                }
                // A timer that no longer applies to the state.
                _ => {}
            }
        }
    }

    /// Handles a failure the transport reported for this transaction's
    /// request: §17.1.4, "the client transaction SHOULD inform the TU that
    /// a transport failure has occurred, and the client transaction SHOULD
    /// transition directly to the "Terminated" state."
    pub fn handle_transport_error(&mut self, _now: Instant) {
        if self.state != ClientNonInviteState::Terminated {
            self.events.push_back(ClientEvent::TransportError);
            self.terminate();
        }
    }

    /// The next message to send, if any.
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

    /// Whether the transaction reached the Terminated state.
    pub fn is_terminated(&self) -> bool {
        self.state == ClientNonInviteState::Terminated
    }

    /// Enters Terminated (once): disarms every timer and tells the TU.
    fn terminate(&mut self) {
        if self.state != ClientNonInviteState::Terminated {
            self.state = ClientNonInviteState::Terminated;
            self.timers.clear();
            self.events.push_back(ClientEvent::Terminated);
        }
    }
}

/// The next instant of a retransmission timer (A, E or G) that was due at
/// `at` and fired at `now`, advancing `interval` with `step`.
///
/// The schedule is kept on the grid the RFC defines from the transaction's
/// start: the next fire is `at + step(interval)`, not `now + ...`. When the
/// caller was so late that the next fire is also past, the grid is walked
/// forward (the interval growing as if each fire had happened) to the first
/// instant after `now`, so one late call sends one retransmission, not a
/// burst. A zero interval (a T1 or T2 of zero) disarms the timer instead of
/// spinning; so does an instant past what `Instant` can hold.
pub(super) fn next_retransmit(
    at: Instant,
    now: Instant,
    interval: &mut Duration,
    step: impl Fn(Duration) -> Duration,
) -> Option<Instant> {
    let mut at = at;
    loop {
        *interval = step(*interval);
        if interval.is_zero() {
            return None;
        }
        at = at.checked_add(*interval)?;
        if at > now {
            return Some(at);
        }
    }
}
