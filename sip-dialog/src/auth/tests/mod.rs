//! Digest authentication between [`DigestClient`] and [`Authenticator`],
//! on a fake clock, with the rules of RFC 3261 §22 and RFC 2617.

use std::time::{Duration, Instant};

use bytes::Bytes;
use sip_message::{
    Authorization, CSeq, Challenge, HeaderName, Message, ProxyAuthenticate, ProxyAuthorization,
    WwwAuthenticate,
};
use sip_transaction::IdGenerator;

use super::*;

mod client;
mod round_trip;
mod server;

#[allow(clippy::disallowed_methods)]
fn t0() -> Instant {
    Instant::now()
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

const REGISTRAR: &str = "biloxi.example.com";
const ATLANTA: &str = "atlanta.example.com";
const CARRIER: &str = "carrier.example.com";

/// RFC 3665 §2.1 F1, as the UA core keeps it: without the Via the
/// transaction layer adds on send.
fn register() -> Message {
    Message::parse(Bytes::from_static(
        b"REGISTER sips:ss2.biloxi.example.com SIP/2.0\r\n\
          Max-Forwards: 70\r\n\
          From: Bob <sips:bob@biloxi.example.com>;tag=a73kszlfl\r\n\
          To: Bob <sips:bob@biloxi.example.com>\r\n\
          Call-ID: 1j9FpLxk3uxtm8tn@biloxi.example.com\r\n\
          CSeq: 1 REGISTER\r\n\
          Contact: <sips:bob@client.biloxi.example.com>\r\n\
          Content-Length: 0\r\n\r\n",
    ))
    .unwrap()
}

/// An INVITE in the style of RFC 3665 §3 (Alice calls Bob through proxies), without Via and body.
fn invite() -> Message {
    Message::parse(Bytes::from_static(
        b"INVITE sips:bob@biloxi.example.com SIP/2.0\r\n\
          Max-Forwards: 70\r\n\
          From: Alice <sips:alice@atlanta.example.com>;tag=9fxced76sl\r\n\
          To: Bob <sips:bob@biloxi.example.com>\r\n\
          Call-ID: 3848276298220188511@atlanta.example.com\r\n\
          CSeq: 1 INVITE\r\n\
          Contact: <sips:alice@client.atlanta.example.com>\r\n\
          Content-Length: 0\r\n\r\n",
    ))
    .unwrap()
}

fn users() -> MemoryCredentials {
    [("bob", "zanzibar"), ("alice", "wonderland")]
        .into_iter()
        .collect()
}

fn server(realm: &str, seed: u64) -> Authenticator<MemoryCredentials> {
    Authenticator::new(realm, users(), IdGenerator::seeded(seed))
}

fn client(user: &str, password: &str) -> DigestClient {
    DigestClient::new(IdGenerator::seeded(99)).with_credential(Credential::new(user, password))
}

/// A 401 or 407 for `request` carrying `challenges` as given (for servers
/// that are not [`Authenticator`]).
fn challenge_with(request: &Message, status: u16, challenges: &[&str]) -> Message {
    let name = if status == 407 {
        "Proxy-Authenticate"
    } else {
        "WWW-Authenticate"
    };
    let mut b = request.response_to(status, Some("srv1")).unwrap();
    for c in challenges {
        b = b.header(name, c);
    }
    b.build().unwrap()
}

/// The Authorization values of a request.
fn authorizations(msg: &Message) -> Vec<Authorization> {
    msg.typed_all::<Authorization>()
        .map(Result::unwrap)
        .collect()
}

/// The Proxy-Authorization values of a request.
fn proxy_authorizations(msg: &Message) -> Vec<ProxyAuthorization> {
    msg.typed_all::<ProxyAuthorization>()
        .map(Result::unwrap)
        .collect()
}

/// The nonce of the single challenge of a 401 or 407.
fn nonce_of(response: &Message) -> String {
    if let Ok(c) = response.typed::<WwwAuthenticate>() {
        return c.nonce().unwrap().into_owned();
    }
    let c = response.typed::<ProxyAuthenticate>().unwrap();
    c.nonce().unwrap().into_owned()
}

fn cseq(msg: &Message) -> u32 {
    msg.typed::<CSeq>().unwrap().seq
}

fn authorized(user: &str) -> AuthResult {
    AuthResult::Authorized {
        username: user.into(),
    }
}
