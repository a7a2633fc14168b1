//! Errors of caller misuse. Protocol outcomes (a timeout, a 486) are
//! events, not errors.

use crate::transaction::InvalidResponse;
use crate::transport::Transport;

/// Why the [`TransactionLayer`](crate::TransactionLayer) refused a command.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The transaction id names no live transaction (it terminated, or
    /// never existed).
    #[error("no such transaction")]
    NoSuchTransaction,
    /// The id names a transaction of the wrong kind for the command (a
    /// response sent on a client transaction, a CANCEL of a non-INVITE).
    #[error("the transaction is of the wrong kind for this command")]
    WrongKind,
    /// The message is not a request, lacks a header the layer needs, or
    /// is a method with its own command (ACK, CANCEL).
    #[error("invalid request: {0}")]
    InvalidRequest(&'static str),
    /// The response cannot be sent in the transaction's state.
    #[error(transparent)]
    InvalidResponse(#[from] InvalidResponse),
    /// RFC 3261 §9.1: "If no provisional response has been received, the
    /// CANCEL request MUST NOT be sent"; nor is there anything to cancel
    /// once a final response arrived. Retry on the first provisional.
    #[error("the INVITE cannot be cancelled in its current state")]
    NotCancellable,
    /// No local address is known for the transport, so no Via can be
    /// written ([`TransactionLayer::add_listener`](crate::TransactionLayer::add_listener)).
    #[error("no listener for {0}")]
    NoListener(Transport),
    /// A response's top Via names no address it can be sent to.
    #[error("the top Via gives no address to send the response to")]
    NoRoute,
}

/// What went wrong for a caller of the [`Endpoint`](crate::Endpoint) API.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The transaction layer refused the command.
    #[error(transparent)]
    Send(#[from] SendError),
    /// A socket could not be bound or used.
    #[error("I/O error: {0}")]
    Io(std::sync::Arc<std::io::Error>),
    /// Timer B or F fired without a final response (the TU's 408).
    #[error("the transaction timed out")]
    TimedOut,
    /// The transport failed for the transaction (the TU's 503).
    #[error("the transport failed")]
    TransportFailed,
    /// The last target of a failover answered with this status.
    #[error("rejected with status {0}")]
    Rejected(u16),
    /// Failover was given no target.
    #[error("no target to send to")]
    NoTargets,
    /// The endpoint has shut down.
    #[error("the endpoint is shut down")]
    Closed,
    /// RFC 3263 server location failed.
    #[error(transparent)]
    Resolve(std::sync::Arc<crate::locate::ResolveError>),
}

impl From<crate::locate::ResolveError> for Error {
    fn from(e: crate::locate::ResolveError) -> Self {
        Self::Resolve(std::sync::Arc::new(e))
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Self::Io(std::sync::Arc::new(e))
    }
}
