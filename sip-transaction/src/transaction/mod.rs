//! The four RFC 3261 §17 transaction state machines, with INVITE handling
//! as updated by RFC 6026.
//!
//! Each machine is sans-IO: it is created with `now`, fed messages and
//! timeouts through `handle_*`, and drained through `poll_transmit`,
//! `poll_event` and `poll_timeout`. **After every call that mutates a
//! machine, drain `poll_transmit` and `poll_event` to `None`, then read
//! `poll_timeout`.** A machine knows nothing of addresses: the
//! [`TransactionLayer`](crate::TransactionLayer) that owns it attaches the
//! destination to every transmit.

mod client_invite;
mod client_non_invite;
mod server_invite;
mod server_non_invite;
#[cfg(test)]
mod tests;

pub use client_invite::{ClientInvite, ClientInviteState};
pub use client_non_invite::{ClientNonInvite, ClientNonInviteState};
pub use server_invite::{ServerInvite, ServerInviteState};
pub use server_non_invite::{ServerNonInvite, ServerNonInviteState};

use sip_message::Message;

/// What a client transaction tells its transaction user.
#[derive(Clone, Debug)]
pub enum ClientEvent {
    /// A response for the TU: each provisional response, the final
    /// response, and for an INVITE in the Accepted state (RFC 6026) every
    /// further 2xx, whether a retransmission or another fork's answer.
    Response(Message),
    /// Timer B or F fired with no final response (RFC 3261 §17.1.1.2,
    /// §17.1.2.2): the TU sees this as a 408.
    TimedOut,
    /// The transport reported a failure (§17.1.4): the TU sees this as a 503.
    TransportError,
    /// The transaction reached the Terminated state and can be dropped.
    Terminated,
}

/// What a server transaction tells its transaction user. The request
/// itself goes up when the transaction is created, not as an event.
#[derive(Clone, Debug)]
pub enum ServerEvent {
    /// An ACK that reached an INVITE server transaction in the Accepted
    /// state (RFC 6026 §8.7: "passed up to the TU").
    Ack(Message),
    /// Timer H fired without an ACK for a non-2xx final response
    /// (§17.2.1: "the server transaction ... MUST inform the TU that a
    /// failure has occurred").
    TimedOut,
    /// The transport failed to send a response (§17.2.4).
    TransportError,
    /// The transaction reached the Terminated state and can be dropped.
    Terminated,
}

/// A response the TU tried to send that the transaction cannot send in
/// its current state (caller misuse, not a protocol outcome).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a {status} response cannot be sent by a server transaction in the {state} state")]
pub struct InvalidResponse {
    /// The status code of the refused response.
    pub status: u16,
    /// The state the transaction was in.
    pub state: &'static str,
}
