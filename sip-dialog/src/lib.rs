//! SIP dialogs and the UA core, digest authentication, registration, a
//! registrar, a stateful proxy and a redirect server (RFC 3261 §8-16).
//!
//! (The guide grows with the crate; see the issue notes.)

mod auth;
mod dialog;
#[cfg(feature = "tokio")]
pub mod driver;
mod proxy;
mod redirect;
mod registrar;
mod ua;

pub use auth::{
    digest_matches, digest_response, ha1, ha1_sess, Algorithm, AuthError, AuthResult,
    Authenticator, Credential, CredentialStore, DigestClient, MemoryCredentials, QopParams,
};
pub use dialog::{Dialog, DialogError, DialogId, DialogState, InDialogRequest};
pub use proxy::{
    Forking, NoHooks, Proxy, ProxyConfig, ProxyHooks, ProxyStats, RequestAction, RequestInfo,
};
pub use redirect::{RedirectConfig, RedirectServer};
pub use registrar::{
    canonical_aor, sort_by_preference, Binding, BindingChange, LocationError, LocationService,
    MemoryLocation, MemoryStats, RegisterContext, Registrar, RegistrarConfig,
};
pub use ua::{
    Body, CallHandle, CallState, RegisterConfig, RegisteredContact, RegistrationHandle,
    RequestHandle, UaConfig, UaError, UaEvent, UserAgent,
};
