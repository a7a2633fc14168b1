//! SIP dialogs and the UA core, digest authentication, registration, a
//! registrar, a stateful proxy and a redirect server (RFC 3261 §8-16).
//!
//! (The guide grows with the crate; see the issue notes.)

mod dialog;

pub use dialog::{Dialog, DialogError, DialogId, DialogState, InDialogRequest};
