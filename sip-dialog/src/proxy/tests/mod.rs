//! Proxy tests: each §16 step on its own (`steps`), and RFC 3665 §3
//! flows through one or two proxies on the simulated network of
//! `sip_transaction::sim` with `UserAgent`s as endpoints (`flows`,
//! `forking`, `routing`).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use sip_message::{Message, Uri};
use sip_transaction::sim::{Host, LinkConfig, Network, Node};
use sip_transaction::{
    Event, IdGenerator, LayerConfig, Source, Target, TransactionLayer, Transport,
};

use super::*;
use crate::auth::{Authenticator, Credential, MemoryCredentials};
use crate::registrar::{MemoryLocation, Registrar, RegistrarConfig};
use crate::ua::{Body, CallHandle, RegisterConfig, UaConfig, UaEvent, UserAgent};

mod flows;
mod forking;
mod routing;
mod steps;

#[allow(clippy::disallowed_methods)]
pub(super) fn t0() -> Instant {
    Instant::now()
}

/// Alice, in atlanta.test.
pub(super) const ALICE: &str = "127.0.0.1:5060";
/// Bob's first device, in biloxi.test.
pub(super) const BOB: &str = "127.0.0.2:5060";
/// Bob's second device.
pub(super) const BOB2: &str = "127.0.0.3:5060";
/// The atlanta.test proxy (ss1 of RFC 3665).
pub(super) const P1: &str = "127.0.0.11:5060";
/// The biloxi.test proxy and registrar (ss2 of RFC 3665).
pub(super) const P2: &str = "127.0.0.12:5060";

pub(super) fn addr(a: &str) -> SocketAddr {
    a.parse().unwrap()
}

pub(super) fn uri(s: &str) -> Uri {
    Uri::parse(s).unwrap()
}

pub(super) fn layer(a: &str, seed: u64) -> TransactionLayer {
    let mut layer = TransactionLayer::new(LayerConfig::default(), IdGenerator::seeded(seed));
    layer.add_listener(Transport::Udp, addr(a));
    layer.add_listener(Transport::Tcp, addr(a));
    layer
}

/// A UA for `user@domain` at `a`, sending requests outside dialogs to
/// `outbound` when given.
pub(super) fn ua(
    a: &str,
    user: &str,
    domain: &str,
    outbound: Option<&str>,
    seed: u64,
) -> UserAgent {
    let mut cfg = UaConfig::new(
        uri(&format!("sip:{user}@{domain}")),
        uri(&format!("sip:{user}@{a}")),
    );
    cfg.outbound_proxy = outbound.map(|o| Target::udp(addr(o)));
    UserAgent::new(cfg, layer(a, seed))
}

pub(super) fn sdp(who: &str) -> Option<Body> {
    Some(Body::sdp(format!(
        "v=0\r\no={who} 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
    )))
}

/// The users both proxies know, for digest authentication.
pub(super) fn credentials() -> MemoryCredentials {
    [("alice", "wonderland"), ("bob", "zanzibar")]
        .into_iter()
        .collect()
}

/// The atlanta.test proxy: not responsible for biloxi.test, which it
/// reaches through a static route to P2; record-routes; challenges its own
/// users with 407 when `auth`.
pub(super) fn atlanta_proxy(auth: bool) -> Proxy {
    let mut cfg = ProxyConfig::default();
    cfg.add_domain("atlanta.test")
        .record_route(true)
        .add_route("biloxi.test", Target::udp(addr(P2)));
    let p = Proxy::new(cfg, layer(P1, 101), MemoryLocation::new());
    let auth =
        auth.then(|| Authenticator::new("atlanta.test", credentials(), IdGenerator::seeded(102)));
    p.with_auth(None, auth)
}

/// The biloxi.test proxy, its registrar (401 challenges when `auth`), and
/// record-routing.
pub(super) fn biloxi_proxy(cfg: ProxyConfig, auth: bool) -> Proxy {
    let mut cfg = cfg;
    cfg.record_route(true);
    let mut reg = RegistrarConfig::default();
    reg.add_domain("biloxi.test");
    let registrar = Registrar::new(reg, MemoryLocation::new()).with_ids(IdGenerator::seeded(201));
    let p = Proxy::with_registrar(cfg, layer(P2, 202), registrar);
    let auth =
        auth.then(|| Authenticator::new("biloxi.test", credentials(), IdGenerator::seeded(203)));
    p.with_auth(auth, None)
}

/// A hook that records what the proxy forwards and hands back.
#[derive(Clone, Default)]
pub(super) struct Recorder(pub(super) Arc<Mutex<Vec<String>>>);

impl Recorder {
    pub(super) fn log(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }

    pub(super) fn count(&self, entry: &str) -> usize {
        self.log().iter().filter(|e| *e == entry).count()
    }
}

impl ProxyHooks for Recorder {
    fn on_forward(
        &mut self,
        _now: Instant,
        request: &mut Message,
        _next_hop: &mut Target,
        _info: &RequestInfo<'_>,
    ) {
        let m = request.method().map(|m| m.to_string()).unwrap_or_default();
        self.0.lock().unwrap().push(m);
    }

    fn on_response(&mut self, _now: Instant, _request: Option<&Message>, response: &mut Message) {
        let s = response.status().unwrap_or(0);
        self.0.lock().unwrap().push(s.to_string());
    }
}

/// UAs, proxies and bare transaction layers on one simulated network, with
/// the events each reported.
pub(super) struct World {
    pub(super) net: Network,
    pub(super) uas: Vec<UserAgent>,
    pub(super) events: Vec<Vec<UaEvent>>,
    pub(super) proxies: Vec<Proxy>,
    pub(super) raw: Vec<Node>,
    pub(super) raw_events: Vec<Vec<Event>>,
}

impl World {
    pub(super) fn new(seed: u64) -> Self {
        Self {
            net: Network::new(seed, t0(), LinkConfig::default()),
            uas: Vec::new(),
            events: Vec::new(),
            proxies: Vec::new(),
            raw: Vec::new(),
            raw_events: Vec::new(),
        }
    }

    /// Adds a UA; returns its index.
    pub(super) fn add_ua(&mut self, ua: UserAgent) -> usize {
        self.uas.push(ua);
        self.events.push(Vec::new());
        self.uas.len() - 1
    }

    /// Adds a proxy; returns its index.
    pub(super) fn add_proxy(&mut self, p: Proxy) -> usize {
        self.proxies.push(p);
        self.proxies.len() - 1
    }

    /// Adds a bare transaction layer at `a`; returns its index.
    pub(super) fn add_raw(&mut self, a: &str, seed: u64) -> usize {
        self.raw.push(Node::new(addr(a), seed));
        self.raw_events.push(Vec::new());
        self.raw.len() - 1
    }

    pub(super) fn now(&self) -> Instant {
        self.net.now()
    }

    /// Runs the network for `d` of simulated time, collecting events.
    pub(super) fn run_for(&mut self, d: Duration) {
        let end = self.net.now() + d;
        loop {
            let mut hosts: Vec<&mut dyn Host> = Vec::new();
            for u in &mut self.uas {
                hosts.push(u);
            }
            for p in &mut self.proxies {
                hosts.push(p);
            }
            for r in &mut self.raw {
                hosts.push(r);
            }
            let more = self.net.step(&mut hosts, Some(end));
            for (u, ev) in self.uas.iter_mut().zip(&mut self.events) {
                while let Some(e) = u.poll_event() {
                    ev.push(e);
                }
            }
            for (r, ev) in self.raw.iter_mut().zip(&mut self.raw_events) {
                while let Some(e) = r.layer.poll_event() {
                    ev.push(e);
                }
            }
            if !more || self.net.now() >= end {
                break;
            }
        }
    }

    /// The latest incoming call of UA `i`, and its INVITE.
    pub(super) fn incoming(&self, i: usize) -> Option<(CallHandle, Message)> {
        self.events[i].iter().rev().find_map(|e| match e {
            UaEvent::IncomingCall { call, invite } => Some((*call, invite.clone())),
            _ => None,
        })
    }

    /// The final status of UA `i`'s failed call, if it failed.
    pub(super) fn failed(&self, i: usize) -> Option<u16> {
        self.events[i].iter().find_map(|e| match e {
            UaEvent::Failed { status, .. } => Some(*status),
            _ => None,
        })
    }

    /// Registers UA `i` at P2 for biloxi.test and runs until it is done.
    pub(super) fn register_at_p2(&mut self, i: usize) {
        let now = self.now();
        let cfg = RegisterConfig::new(uri("sip:biloxi.test"), Target::udp(addr(P2)));
        self.uas[i].register(now, cfg).unwrap();
        self.run_for(Duration::from_secs(1));
        assert!(
            self.events[i]
                .iter()
                .any(|e| matches!(e, UaEvent::Registered { .. })),
            "{:?}",
            self.events[i]
        );
    }

    /// Sends `text` (a request with `$via` where the top Via goes) from raw
    /// node `i` to `to` outside any transaction: the replies come back as
    /// stray responses.
    pub(super) fn send_raw(&mut self, i: usize, to: &str, text: &str) {
        let from = self.raw[i].addr;
        let payload = Bytes::from(text.replace(
            "$via",
            &format!(
                "Via: SIP/2.0/UDP {from};branch=z9hG4bK-raw{}",
                self.raw_events[i].len()
            ),
        ));
        self.net.send(
            from,
            sip_transaction::Transmit {
                target: Target::udp(addr(to)),
                local: None,
                payload,
            },
        );
    }

    /// The statuses of the responses raw node `i` received.
    pub(super) fn raw_statuses(&self, i: usize) -> Vec<u16> {
        self.raw_events[i]
            .iter()
            .filter_map(|e| match e {
                Event::StrayResponse { response, .. } | Event::Response { response, .. } => {
                    response.status()
                }
                _ => None,
            })
            .collect()
    }

    /// The requests raw node `i` received.
    pub(super) fn raw_requests(&self, i: usize) -> Vec<Message> {
        self.raw_events[i]
            .iter()
            .filter_map(|e| match e {
                Event::Request(inc) => Some(inc.request.clone()),
                Event::Ack { ack, .. } => Some(ack.clone()),
                _ => None,
            })
            .collect()
    }
}

/// Feeds `text` to `proxy` as if from `from` and returns what it sends.
pub(super) fn exchange(proxy: &mut Proxy, now: Instant, from: &str, text: &str) -> Vec<Message> {
    let source = Source {
        transport: Transport::Udp,
        remote: addr(from),
        local: Host::addr(proxy),
    };
    proxy.handle(now, source, Bytes::from(text.to_owned()));
    let mut out = Vec::new();
    while let Some(t) = proxy.poll_transmit() {
        out.push(Message::parse(t.payload).unwrap());
    }
    out
}

/// The Credential Alice answers challenges with.
pub(super) fn alice_credential(password: &str) -> Credential {
    Credential::new("alice", password)
}
