//! Digest authentication ([RFC 3261 §22], [RFC 2617]): the client that
//! answers 401/407 challenges and the server side that issues and checks
//! them.
//!
//! - [`DigestClient`] (UAC side, §22.2, §22.3): given a request and the
//!   401 or 407 it got, builds the request again with one Authorization or
//!   Proxy-Authorization per challenged realm; caches each realm's nonce so
//!   later requests go out authorized ([`DigestClient::authorize`]); never
//!   retries a refused password.
//! - [`Authenticator`] (UAS, registrar and proxy side, §22.1, §22.3):
//!   issues nonces, checks credentials against a [`CredentialStore`], and
//!   tells the caller whether to accept, challenge (with `stale` or not),
//!   answer 403 or answer 400 ([`AuthResult`]).
//! - [`ha1`], [`ha1_sess`], [`digest_response`], [`digest_matches`]: the
//!   arithmetic of RFC 2617 §3.2.2.1.
//!
//! Only the MD5 and MD5-sess algorithms and `qop=auth` (or no qop, the
//! RFC 2069 form) are computed. `auth-int`, RFC 8760's SHA-256 and other
//! schemes are skipped by the client and refused by the server; "Basic" is
//! never used (§22.1: "servers MUST NOT accept credentials using the
//! "Basic" authorization scheme").
//!
//! Both sides are sans-IO: the client needs no clock, the server takes
//! `now` for nonce expiry. Random values (cnonces, nonces, To tags) come
//! from an injected [`IdGenerator`](sip_transaction::IdGenerator).
//!
//! ```
//! use std::time::Instant;
//! use bytes::Bytes;
//! use sip_dialog::{AuthResult, Authenticator, Credential, DigestClient, MemoryCredentials};
//! use sip_message::{CSeq, Message};
//! use sip_transaction::IdGenerator;
//!
//! let register = Message::parse(Bytes::from_static(b"REGISTER sips:ss2.biloxi.example.com SIP/2.0\r\n\
//! Max-Forwards: 70\r\nFrom: Bob <sips:bob@biloxi.example.com>;tag=a73kszlfl\r\n\
//! To: Bob <sips:bob@biloxi.example.com>\r\nCall-ID: 1j9FpLxk3uxtm8tn@biloxi.example.com\r\n\
//! CSeq: 1 REGISTER\r\nContact: <sips:bob@client.biloxi.example.com>\r\nContent-Length: 0\r\n\r\n")).unwrap();
//!
//! let now = Instant::now();
//! let users: MemoryCredentials = [("bob", "zanzibar")].into_iter().collect();
//! let mut registrar = Authenticator::new("biloxi.example.com", users, IdGenerator::seeded(1));
//! let mut bob = DigestClient::new(IdGenerator::seeded(2))
//!     .with_credential(Credential::new("bob", "zanzibar"));
//!
//! // F1/F2: no credentials yet, so a 401 with a fresh nonce.
//! let AuthResult::Challenge { stale } = registrar.verify(now, &register, false) else { panic!() };
//! let unauthorized = registrar.challenge_response(now, &register, false, stale).unwrap();
//! assert_eq!(unauthorized.status(), Some(401));
//!
//! // F3: the same request with Authorization and CSeq 2 (§22.2), in a new transaction.
//! let retry = bob.authorize_retry(&register, &unauthorized).unwrap();
//! assert_eq!(retry.typed::<CSeq>().unwrap().seq, 2);
//! assert_eq!(
//!     registrar.verify(now, &retry, false),
//!     AuthResult::Authorized { username: "bob".into() }
//! );
//! ```
//!
//! [RFC 3261 §22]: https://www.rfc-editor.org/rfc/rfc3261#section-22
//! [RFC 2617]: https://www.rfc-editor.org/rfc/rfc2617

mod client;
mod digest;
mod server;

#[cfg(test)]
mod tests;

pub use client::{Credential, DigestClient};
pub use digest::{digest_matches, digest_response, ha1, ha1_sess, Algorithm, QopParams};
pub use server::{AuthResult, Authenticator, CredentialStore, MemoryCredentials};

use sip_message::ParseError;

/// Why [`DigestClient`] cannot answer a challenge.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The message to authorize is a response.
    #[error("not a request")]
    NotARequest,
    /// The response is neither a 401 nor a 407.
    #[error("the response is not a 401 or 407 challenge")]
    NotAChallenge,
    /// The response carries no challenge this client can answer: none at
    /// all, or only other schemes, algorithms or qop values (RFC 2617
    /// §3.2.1: "If the algorithm is not understood, the challenge should be
    /// ignored").
    #[error("no Digest challenge this client can answer")]
    Unsupported,
    /// A challenge names a realm for which no credential is configured.
    #[error("no credentials for realm {realm:?}")]
    NoCredentials {
        /// The challenged realm.
        realm: String,
    },
    /// The realm refused the credentials already sent: its new challenge is
    /// not stale (RFC 2617 §3.2.1: "If stale is FALSE, or anything other
    /// than TRUE, or the stale directive is not present, the username
    /// and/or password are invalid, and new values must be obtained"), or
    /// repeats a nonce the client already answered. Retrying would loop.
    #[error("the credentials for realm {realm:?} were rejected")]
    Rejected {
        /// The realm that refused them.
        realm: String,
    },
    /// A credentials header could not be written: a username or a
    /// challenge value holds characters a quoted-string cannot carry.
    #[error("cannot write the credentials: {0}")]
    Header(ParseError),
}
