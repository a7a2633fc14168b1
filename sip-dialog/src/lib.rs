//! SIP dialogs and the UA core, digest authentication, registration, a
//! registrar, a stateful proxy and a redirect server (RFC 3261 §8-16).
//!
//! (The guide grows with the crate; see the issue notes.)

mod dialog;
mod ua;

pub use dialog::{Dialog, DialogError, DialogId, DialogState, InDialogRequest};
pub use ua::{Body, CallHandle, CallState, RequestHandle, UaConfig, UaError, UaEvent, UserAgent};
