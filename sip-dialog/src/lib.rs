//! SIP dialogs and the user agent core, digest authentication,
//! registration, a registrar, a stateful proxy and a redirect server
//! ([RFC 3261] sections 8 to 16, 22), as sans-IO cores on top of
//! `sip-transaction`'s [`TransactionLayer`], with a tokio driver.
//!
//! Every core here takes `now` as an argument, never reads a clock and
//! never touches a socket. They run the same way in three places: on the
//! simulated network of [`sip_transaction::sim`] in tests (where the RFC
//! 3665 call flows of this crate run in microseconds, deterministically),
//! on real sockets through [`sip_transaction::Runner`] (module
//! [`driver`]), and inside a layer above that owns them (the mobility
//! layer re-registers and re-INVITEs through the same commands).
//!
//! # The user agent core
//!
//! [`UserAgent`] is a UAC and a UAS (§8), keeps dialogs (§12; [`Dialog`]
//! on its own for other transaction users), and runs calls: INVITE with
//! its early and forked dialogs, the 2xx/ACK handshake in both directions
//! (§13.2.2.4, §13.3.1.4), CANCEL (§9), BYE (§15), re-INVITE with glare
//! handling (§14), UPDATE, INFO, OPTIONS, MESSAGE, REFER with its implicit
//! subscription (RFC 3515), registration with refreshes, and digest
//! answers to 401 and 407 ([`DigestClient`]). The application drives it
//! with commands ([`UserAgent::call`], [`UserAgent::answer`],
//! [`UserAgent::hangup`], [`UserAgent::register`], ...) and reads
//! [`UaEvent`]s; the network side is [`UserAgent::handle`],
//! [`UserAgent::handle_timeout`], [`UserAgent::poll_transmit`] and
//! [`UserAgent::poll_timeout`].
//!
//! ```
//! use std::time::Instant;
//! use sip_dialog::{Body, UaConfig, UserAgent};
//! use sip_message::{Method, Uri};
//! use sip_transaction::{IdGenerator, LayerConfig, Target, TransactionLayer, Transport};
//!
//! let mut layer = TransactionLayer::new(LayerConfig::default(), IdGenerator::seeded(1));
//! layer.add_listener(Transport::Udp, "192.0.2.1:5060".parse().unwrap());
//! let mut cfg = UaConfig::new(
//!     Uri::parse("sip:alice@atlanta.example.com").unwrap(),
//!     Uri::parse("sip:alice@192.0.2.1:5060").unwrap(),
//! );
//! cfg.outbound_proxy = Some(Target::udp("192.0.2.10:5060".parse().unwrap()));
//! let mut alice = UserAgent::new(cfg, layer);
//!
//! # #[allow(clippy::disallowed_methods)] let now = Instant::now();
//! let offer = Body::sdp("v=0\r\no=alice 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n");
//! let call = alice.call(now, Uri::parse("sip:bob@biloxi.example.com").unwrap(), Some(offer)).unwrap();
//! // The INVITE goes to the outbound proxy; its answers come back through
//! // handle() and surface as UaEvent::Progress / Answered / Failed.
//! let invite = alice.poll_transmit().unwrap();
//! assert_eq!(invite.target, Target::udp("192.0.2.10:5060".parse().unwrap()));
//! assert!(invite.payload.starts_with(b"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"));
//! assert!(alice.call_state(call).is_some());
//! ```
//!
//! # Registration and the registrar
//!
//! The client side is [`UserAgent::register`] with a [`RegisterConfig`]:
//! REGISTER with Expires, refreshes at half the granted interval, 423
//! Min-Expires handling, several contacts, [`UserAgent::fetch_bindings`],
//! [`UserAgent::unregister`] and [`UserAgent::unregister_all`], and
//! [`UserAgent::reregister`], the "register again now" a mobile device
//! needs after its address changed.
//!
//! The server side is [`Registrar`], §10.3 in full (domain check,
//! authorization, AOR from To, `*`, per-contact expires and q, Call-ID and
//! CSeq ordering, the 200 listing every binding), over a
//! [`LocationService`]. [`MemoryLocation`] is the in-memory one: expired
//! bindings leave through an expiry heap, without a scan of the table.
//! Its example shows a REGISTER handled without any network at all.
//!
//! # Digest authentication
//!
//! [`DigestClient`] answers challenges (several realms, `qop=auth` and the
//! RFC 2069 form, `stale=true`, never twice for one challenge).
//! [`Authenticator`] challenges, verifies and keeps nonces that expire and
//! cannot be replayed, over a [`CredentialStore`] of passwords or HA1s
//! ([`MemoryCredentials`]).
//!
//! # The proxy and the redirect server
//!
//! [`Proxy`] is the stateful proxy of §16: validation (483, 482, 420,
//! 416), loose and strict routing, Record-Route, targets from the
//! location service or static routes, parallel and sequential forking by
//! q, the response context with best-response selection and CANCEL of the
//! other branches, Timer C. [`Proxy::with_registrar`] makes one process
//! registrar and proxy of its domains, [`Proxy::with_auth`] adds 401 and
//! 407 challenges. [`ProxyHooks`] is where a layer above rewrites what is
//! forwarded: the mobility layer's outbound-proxy intercept rewrites the
//! Contact and From of visiting users there. [`RedirectServer`] answers
//! 302 with the bindings, or 404.
//!
//! # On tokio
//!
//! [`driver`] makes the cores runnable by [`sip_transaction::Runner`]:
//! bind [`sip_transaction::Sockets`], build the layer on them with
//! [`driver::layer_on`], spawn the core, then send it commands with
//! `runner.with(|core, now| ...)` and read its events from a channel. The
//! programs `sip-proxy` and `sip-ua` in the repository's `examples/` are
//! complete servers and agents built that way.
//!
//! [RFC 3261]: https://www.rfc-editor.org/rfc/rfc3261
//! [`TransactionLayer`]: sip_transaction::TransactionLayer

mod auth;
mod dialog;
#[cfg(feature = "tokio")]
pub mod driver;
mod proxy;
mod redirect;
mod registrar;
mod timers;
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
