//! The registration client against the registrar and digest
//! authenticator of this crate, on the simulated network: the RFC 3665 §2
//! registration flows.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use sip_message::Uri;
use sip_transaction::sim::{Host, LinkConfig, Network, Node};
use sip_transaction::{Event, IdGenerator, Source, Target, Transmit};

use super::{t0, ua, A};
use crate::auth::{AuthResult, Authenticator, Credential, MemoryCredentials};
use crate::registrar::{MemoryLocation, Registrar, RegistrarConfig};
use crate::ua::{RegisterConfig, UaEvent, UserAgent};

const REG: &str = "127.0.0.5:5060";

/// A registrar on the simulated network: digest authentication first
/// (§10.3 step 3), then §10.3 processing.
struct RegistrarNode {
    node: Node,
    registrar: Registrar,
    auth: Authenticator<MemoryCredentials>,
    registers: usize,
    challenges: usize,
}

impl RegistrarNode {
    fn new(min_expires: u32) -> Self {
        let mut cfg = RegistrarConfig::default();
        cfg.add_domain("example.test").min_expires(min_expires);
        let mut creds = MemoryCredentials::new();
        creds.insert("alice", "wonderland");
        Self {
            node: Node::new(REG.parse().unwrap(), 500),
            registrar: Registrar::new(cfg, MemoryLocation::new()),
            auth: Authenticator::new("example.test", creds, IdGenerator::seeded(501)),
            registers: 0,
            challenges: 0,
        }
    }

    fn process(&mut self, now: Instant) {
        while let Some(ev) = self.node.layer.poll_event() {
            let Event::Request(inc) = ev else { continue };
            self.registers += 1;
            let resp = match self.auth.verify(now, &inc.request, false) {
                AuthResult::Authorized { username } => {
                    self.registrar.handle(now, &inc.request, Some(&username))
                }
                AuthResult::Challenge { stale } => {
                    self.challenges += 1;
                    self.auth
                        .challenge_response(now, &inc.request, false, stale)
                        .unwrap()
                }
                _ => inc
                    .request
                    .response_to(403, Some("reg"))
                    .unwrap()
                    .build()
                    .unwrap(),
            };
            self.node.layer.send_response(now, inc.id, resp).unwrap();
        }
    }

    fn bindings(&self, now: Instant) -> Vec<String> {
        self.registrar
            .bindings(now, &Uri::parse("sip:alice@example.test").unwrap())
            .iter()
            .map(|b| b.uri().to_string())
            .collect()
    }
}

impl Host for RegistrarNode {
    fn addr(&self) -> SocketAddr {
        self.node.addr
    }
    fn handle(&mut self, now: Instant, source: Source, data: Bytes) {
        self.node.layer.handle(now, source, data);
        self.process(now);
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.node.layer.handle_timeout(now);
        self.process(now);
    }
    fn handle_transport_error(&mut self, now: Instant, target: sip_transaction::Target) {
        self.node.layer.handle_transport_error(now, target);
        self.process(now);
    }
    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.node.layer.poll_transmit()
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.node.layer.poll_timeout()
    }
}

struct World {
    net: Network,
    alice: UserAgent,
    reg: RegistrarNode,
    events: Vec<UaEvent>,
}

impl World {
    fn new(password: &str, min_expires: u32) -> Self {
        let mut alice = ua(A, "alice", 3);
        alice.set_credential(Credential::new("alice", password));
        Self {
            net: Network::new(9, t0(), LinkConfig::default()),
            alice,
            reg: RegistrarNode::new(min_expires),
            events: Vec::new(),
        }
    }

    fn run_for(&mut self, d: Duration) {
        let end = self.net.now() + d;
        while self.net.step(
            &mut [&mut self.alice as &mut dyn Host, &mut self.reg],
            Some(end),
        ) {
            while let Some(e) = self.alice.poll_event() {
                self.events.push(e);
            }
            if self.net.now() >= end {
                break;
            }
        }
    }

    fn config(&self, expires: u32) -> RegisterConfig {
        let mut c = RegisterConfig::new(
            Uri::parse("sip:example.test").unwrap(),
            Target::udp(REG.parse().unwrap()),
        );
        c.expires = expires;
        c
    }
}

/// RFC 3665 §2.1 (successful new registration): REGISTER, 401 with a
/// challenge, REGISTER with credentials, 200 listing the binding.
#[test]
fn rfc3665_2_1_successful_registration_with_digest() {
    let mut w = World::new("wonderland", 60);
    let now = w.net.now();
    let cfg = w.config(3600);
    let reg = w.alice.register(now, cfg).unwrap();
    w.run_for(Duration::from_secs(1));
    assert_eq!((w.reg.registers, w.reg.challenges), (2, 1));
    match w.events.as_slice() {
        [UaEvent::Registered {
            reg: r,
            expires,
            contacts,
        }] => {
            assert_eq!(*r, reg);
            assert_eq!(*expires, 3600);
            assert_eq!(contacts.len(), 1);
            assert_eq!(contacts[0].uri.as_str(), "sip:alice@127.0.0.1:5060");
        }
        e => panic!("{e:?}"),
    }
    assert_eq!(w.reg.bindings(w.net.now()), ["sip:alice@127.0.0.1:5060"]);
}

/// RFC 3665 §2.2 (update of contact list) as the mobility layer uses it:
/// after a move, "register again now" binds the new address and removes
/// the old one in the same REGISTER; it goes out already authorized.
#[test]
fn rfc3665_2_2_update_after_a_move() {
    let mut w = World::new("wonderland", 60);
    let now = w.net.now();
    let cfg = w.config(3600);
    let reg = w.alice.register(now, cfg).unwrap();
    w.run_for(Duration::from_secs(1));
    w.alice
        .set_contact(Uri::parse("sip:alice@127.0.0.1:6060").unwrap());
    let now = w.net.now();
    w.alice.reregister(now, reg).unwrap();
    w.run_for(Duration::from_secs(1));
    assert_eq!(w.reg.bindings(w.net.now()), ["sip:alice@127.0.0.1:6060"]);
    assert_eq!(
        w.reg.challenges, 1,
        "the second REGISTER carried cached credentials"
    );
    assert_eq!(
        w.alice.registered_contacts(reg).unwrap()[0].as_str(),
        "sip:alice@127.0.0.1:6060"
    );
}

/// RFC 3665 §2.3 (request for current contact list) and §2.4
/// (cancellation of registration).
#[test]
fn rfc3665_2_3_and_2_4_fetch_then_cancel() {
    let mut w = World::new("wonderland", 60);
    let now = w.net.now();
    let cfg = w.config(3600);
    let reg = w.alice.register(now, cfg).unwrap();
    w.run_for(Duration::from_secs(1));
    let now = w.net.now();
    w.alice.fetch_bindings(now, reg).unwrap();
    w.run_for(Duration::from_secs(1));
    assert!(
        matches!(w.events.last(), Some(UaEvent::Bindings { contacts, .. }) if contacts.len() == 1)
    );
    let now = w.net.now();
    w.alice.unregister(now, reg).unwrap();
    w.run_for(Duration::from_secs(1));
    assert!(matches!(
        w.events.last(),
        Some(UaEvent::Unregistered { .. })
    ));
    assert!(w.reg.bindings(w.net.now()).is_empty());
    // No refresh follows an unregistration.
    let before = w.reg.registers;
    w.run_for(Duration::from_secs(4000));
    assert_eq!(w.reg.registers, before);
}

/// RFC 3665 §2.5 (unsuccessful registration): a wrong password gets one
/// authorized attempt, refused, and the client does not loop.
#[test]
fn rfc3665_2_5_wrong_password_does_not_loop() {
    let mut w = World::new("not-the-password", 60);
    let now = w.net.now();
    let cfg = w.config(3600);
    w.alice.register(now, cfg).unwrap();
    w.run_for(Duration::from_secs(5));
    assert_eq!(w.reg.registers, 2, "one plain and one authorized REGISTER");
    assert!(matches!(
        w.events.as_slice(),
        [UaEvent::RegistrationFailed { status: 403, .. }]
    ));
    assert!(w.reg.bindings(w.net.now()).is_empty());
}

/// The binding is refreshed before it expires (at half its lifetime), with
/// the cached credentials (no new challenge while the nonce lives).
#[test]
fn registration_is_refreshed_before_expiry() {
    let mut w = World::new("wonderland", 60);
    let now = w.net.now();
    let cfg = w.config(120);
    w.alice.register(now, cfg).unwrap();
    w.run_for(Duration::from_secs(61));
    let registered = w
        .events
        .iter()
        .filter(|e| matches!(e, UaEvent::Registered { .. }))
        .count();
    assert_eq!(registered, 2, "{:?}", w.events);
    w.run_for(Duration::from_secs(600));
    assert!(
        !w.reg.bindings(w.net.now()).is_empty(),
        "still bound after five lifetimes"
    );
}

/// RFC 3261 §10.2.8: a 423 is retried with the registrar's Min-Expires.
#[test]
fn rfc3261_10_2_8_423_retried_with_min_expires() {
    let mut w = World::new("wonderland", 600);
    let now = w.net.now();
    let cfg = w.config(60);
    w.alice.register(now, cfg).unwrap();
    w.run_for(Duration::from_secs(1));
    assert!(
        matches!(
            w.events.last(),
            Some(UaEvent::Registered { expires: 600, .. })
        ),
        "{:?}",
        w.events
    );
}
