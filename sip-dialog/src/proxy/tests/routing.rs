//! Routing that does not go through the location service: strict routers
//! (RFC 3261 §16.4, §16.6 step 6), stateless ACKs and responses (§16.7,
//! §16.11), the hooks of the mobility layer, and the redirect server.

use std::time::Duration;

use sip_message::{Contact, From, HeaderName, Method, Route};

use super::*;
use crate::redirect::{RedirectConfig, RedirectServer};
use crate::ua::CallState;

const CAROL: &str = "127.0.0.7:5060";
const STRICT: &str = "127.0.0.8:5060";

fn p2_with_raw(seed: u64) -> (World, usize, usize) {
    let mut w = World::new(seed);
    w.add_proxy(biloxi_proxy(ProxyConfig::default(), false));
    let carol = w.add_raw(CAROL, seed * 10 + 1);
    let strict = w.add_raw(STRICT, seed * 10 + 2);
    (w, carol, strict)
}

/// RFC 3261 §16.12.1.2 (traversing a strict-routing proxy): "P2 sees the
/// request-URI is a value it placed into a Record-Route header field, so
/// before further processing, it rewrites the request". A BYE from a
/// strict router carries our Record-Route URI as Request-URI and the
/// remote target as the last Route: it reaches Carol with her URI back in
/// the Request-URI and no Route left.
#[test]
fn rfc3261_16_4_request_from_a_strict_router() {
    let (mut w, carol, strict) = p2_with_raw(1);
    w.send_raw(
        strict,
        P2,
        "BYE sip:127.0.0.12:5060;lr SIP/2.0\r\n$via\r\nMax-Forwards: 69\r\n\
         Route: <sip:carol@127.0.0.7:5060>\r\n\
         To: <sip:carol@chicago.test>;tag=c1\r\nFrom: <sip:dave@biloxi.test>;tag=d1\r\n\
         Call-ID: strict-1\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
    );
    w.run_for(Duration::from_millis(100));
    let got = w.raw_requests(carol);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].request_uri_str(), Some("sip:carol@127.0.0.7:5060"));
    assert!(!got[0].has_header(&HeaderName::Route));
    // In-dialog: no Record-Route added.
    assert!(!got[0].has_header(&HeaderName::RecordRoute));
}

/// RFC 3261 §16.6 step 6 on the wire: the next hop is a strict router
/// (its Route URI has no `lr`), so it gets its own URI as Request-URI and
/// Carol's URI as the last Route; it answers 200 and the response comes
/// back to the sender.
#[test]
fn rfc3261_16_6_forwarding_to_a_strict_router() {
    let (mut w, carol, strict) = p2_with_raw(2);
    w.send_raw(
        carol,
        P2,
        "MESSAGE sip:carol@127.0.0.7:5060 SIP/2.0\r\n$via\r\nMax-Forwards: 70\r\n\
         Route: <sip:127.0.0.12:5060;lr>, <sip:127.0.0.8:5060>\r\n\
         To: <sip:carol@chicago.test>\r\nFrom: <sip:dave@biloxi.test>;tag=d1\r\n\
         Call-ID: strict-2\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n",
    );
    w.run_for(Duration::from_millis(100));
    let got = w.raw_requests(strict);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].request_uri_str(), Some("sip:127.0.0.8:5060"));
    let route: Route = got[0].typed().unwrap();
    assert_eq!(route.uri().as_str(), "sip:carol@127.0.0.7:5060");
    let Event::Request(inc) = w.raw_events[strict][0].clone() else {
        panic!()
    };
    let ok = inc
        .request
        .response_to(200, Some("s"))
        .unwrap()
        .build()
        .unwrap();
    let now = w.now();
    w.raw[strict].layer.send_response(now, inc.id, ok).unwrap();
    w.run_for(Duration::from_millis(100));
    assert_eq!(w.raw_statuses(carol), [200]);
}

/// An ACK for a 2xx is a request of its own (§17.1.1.3): the proxy pops
/// its Route and forwards it statelessly along the next Route or the
/// Request-URI, with its own Via and Max-Forwards one lower.
#[test]
fn ack_for_2xx_is_forwarded_statelessly() {
    let (mut w, carol, strict) = p2_with_raw(3);
    w.send_raw(
        strict,
        P2,
        "ACK sip:carol@127.0.0.7:5060 SIP/2.0\r\n$via\r\nMax-Forwards: 70\r\n\
         Route: <sip:127.0.0.12:5060;lr>\r\n\
         To: <sip:carol@chicago.test>;tag=c1\r\nFrom: <sip:dave@biloxi.test>;tag=d1\r\n\
         Call-ID: ack-1\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n",
    );
    w.run_for(Duration::from_millis(100));
    let got = w.raw_requests(carol);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].method(), Some(&Method::Ack));
    assert!(!got[0].has_header(&HeaderName::Route));
    assert_eq!(got[0].header(&HeaderName::MaxForwards), Some("69"));
    assert_eq!(got[0].header_values(&HeaderName::Via).count(), 2);
    assert_eq!(w.proxies[0].stats().stateless, 1);
    assert_eq!(w.proxies[0].layer().len(), 0, "no transaction for an ACK");
}

/// RFC 3261 §16.7: a response matching no client transaction is forwarded
/// as a stateless proxy would (§16.11) when its top Via is ours ("the
/// proxy MUST remove that header field value from the response and forward
/// the result to the location indicated in the next Via"), and dropped
/// otherwise ("the message MUST be silently discarded").
#[test]
fn rfc3261_16_11_stray_response_forwarded_only_with_our_via() {
    let mut p = biloxi_proxy(ProxyConfig::default(), false);
    let response = |top: &str| {
        format!(
            "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP {top};branch=z9hG4bKgone\r\n\
             Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKalice;received=127.0.0.1\r\n\
             To: <sip:bob@biloxi.test>;tag=b1\r\nFrom: <sip:alice@atlanta.test>;tag=a1\r\n\
             Call-ID: late-2xx\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
        )
    };
    let source = Source {
        transport: Transport::Udp,
        remote: addr(BOB),
        local: addr(P2),
    };
    p.handle(t0(), source, Bytes::from(response(P2)));
    let out = p.poll_transmit().expect("forwarded");
    assert_eq!(out.target, Target::udp(addr(ALICE)));
    let fwd = Message::parse(out.payload).unwrap();
    assert_eq!(fwd.header_values(&HeaderName::Via).count(), 1);
    p.handle(t0(), source, Bytes::from(response("127.0.0.99:5060")));
    assert!(p.poll_transmit().is_none());
}

/// The outbound-proxy intercept of the mobility layer, as hooks: on the way
/// out the visiting user's From and Contact are rewritten to the visited
/// domain's names, responses on the way back get the user's own From
/// again, and requests to the visitor's Contact at the proxy are retargeted
/// to the device.
struct Intercept;

const VISITOR: &str = "sip:visitor-alice@127.0.0.11:5060";

impl ProxyHooks for Intercept {
    fn on_request(
        &mut self,
        _now: Instant,
        request: &mut Message,
        _info: &RequestInfo<'_>,
    ) -> RequestAction {
        match request.request_uri() {
            Some(Ok(u)) if u == uri(VISITOR) => {
                RequestAction::Targets(vec![uri("sip:alice@127.0.0.1:5060")])
            }
            _ => RequestAction::Continue,
        }
    }

    fn on_forward(
        &mut self,
        _now: Instant,
        request: &mut Message,
        _next_hop: &mut Target,
        info: &RequestInfo<'_>,
    ) {
        if info.source.remote != addr(ALICE) || info.in_dialog {
            return;
        }
        let from: From = request.typed().unwrap();
        let visited = from
            .0
            .with_uri(&uri("sip:alice%40atlanta.test@visited.test"));
        request.set_header(HeaderName::From, visited.as_str());
        request.set_header(HeaderName::Contact, &format!("<{VISITOR}>"));
    }

    fn on_response(&mut self, _now: Instant, request: Option<&Message>, response: &mut Message) {
        let Some(request) = request else { return };
        if let Some(from) = request.header(&HeaderName::From) {
            let from = from.to_owned();
            response.set_header(HeaderName::From, &from);
        }
    }
}

#[test]
fn hooks_rewrite_contact_and_from_out_and_the_response_back() {
    let mut w = World::new(4);
    let alice = w.add_ua(ua(ALICE, "alice", "atlanta.test", Some(P1), 41));
    let bob = w.add_ua(ua(BOB, "bob", "biloxi.test", None, 42));
    let mut p1 = atlanta_proxy(false);
    p1.set_hooks(Intercept);
    w.add_proxy(p1);
    w.add_proxy(biloxi_proxy(ProxyConfig::default(), false));
    w.register_at_p2(bob);
    let now = w.now();
    let ca = w.uas[alice]
        .call(now, uri("sip:bob@biloxi.test"), None)
        .unwrap();
    w.run_for(Duration::from_millis(300));
    let (cb, invite) = w.incoming(bob).unwrap();
    let from: From = invite.typed().unwrap();
    assert_eq!(from.uri().as_str(), "sip:alice%40atlanta.test@visited.test");
    assert!(from.tag().is_some(), "the tag is kept");
    let contact: Contact = invite.typed().unwrap();
    assert_eq!(contact.address().unwrap().uri().as_str(), VISITOR);
    let now = w.now();
    w.uas[bob].ring(now, cb).unwrap();
    w.uas[bob].answer(now, cb, None).unwrap();
    w.run_for(Duration::from_millis(300));
    assert_eq!(w.uas[alice].call_state(ca), Some(CallState::Established));
    for e in &w.events[alice] {
        if let UaEvent::Progress { response, .. } | UaEvent::Answered { response, .. } = e {
            let from: From = response.typed().unwrap();
            assert_eq!(from.uri().as_str(), "sip:alice@atlanta.test");
        }
    }
    // Bob's BYE goes to the visitor Contact at P1, which retargets it to
    // Alice's device.
    let now = w.now();
    w.uas[bob].hangup(now, cb).unwrap();
    w.run_for(Duration::from_millis(300));
    assert!(w.events[alice]
        .iter()
        .any(|e| matches!(e, UaEvent::Ended { by_peer: true, .. })));
}

/// A redirect server on the simulated network: a bare transaction layer
/// whose requests are answered by [`RedirectServer`].
struct RedirectNode {
    node: Node,
    server: RedirectServer,
}

impl Host for RedirectNode {
    fn addr(&self) -> SocketAddr {
        self.node.addr
    }
    fn handle(&mut self, now: Instant, source: Source, data: Bytes) {
        self.node.layer.handle(now, source, data);
        while let Some(ev) = self.node.layer.poll_event() {
            if let Event::Request(inc) = ev {
                if let Some(r) = self.server.handle(now, &inc.request) {
                    self.node.layer.send_response(now, inc.id, r).unwrap();
                }
            }
        }
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.node.layer.handle_timeout(now);
    }
    fn handle_transport_error(&mut self, now: Instant, target: sip_transaction::Target) {
        self.node.layer.handle_transport_error(now, target);
    }
    fn poll_transmit(&mut self) -> Option<sip_transaction::Transmit> {
        self.node.layer.poll_transmit()
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.node.layer.poll_timeout()
    }
}

/// RFC 3261 §8.3 with §8.1.3.4: the redirect server answers 302 with Bob's
/// binding as Contact and the caller's UA core retries there.
#[test]
fn rfc3261_8_3_redirect_server_302_and_the_caller_follows() {
    let mut net = Network::new(5, t0(), LinkConfig::default());
    // The Request-URI names the redirect server itself (no outbound proxy:
    // the retry goes straight to the Contact).
    let mut alice = ua(ALICE, "alice", "atlanta.test", None, 51);
    let mut bob = ua(BOB, "bob", "biloxi.test", None, 52);
    let mut cfg = RedirectConfig::default();
    cfg.add_domain("127.0.0.30");
    let mut server =
        RedirectServer::new(cfg, MemoryLocation::new()).with_ids(IdGenerator::seeded(53));
    let now = net.now();
    let contact = sip_message::NameAddr::parse(&"<sip:bob@127.0.0.2:5060>".into()).unwrap();
    crate::registrar::LocationService::apply(
        server.location_mut(),
        now,
        "sip:bob@127.0.0.30:5060",
        &[crate::registrar::BindingChange::Upsert(
            crate::registrar::Binding {
                contact,
                expires_at: now + Duration::from_secs(600),
                q: 1000,
                call_id: "r".into(),
                cseq: 1,
                path: Vec::new(),
                source: None,
                registered_at: now,
            },
        )],
    )
    .unwrap();
    let mut redirect = RedirectNode {
        node: Node::new(addr("127.0.0.30:5060"), 54),
        server,
    };
    let ca = alice
        .call(now, uri("sip:bob@127.0.0.30:5060"), None)
        .unwrap();
    let end = now + Duration::from_secs(2);
    let mut answered = false;
    while net.step(
        &mut [&mut alice as &mut dyn Host, &mut bob, &mut redirect],
        Some(end),
    ) && net.now() < end
    {
        let now = net.now();
        while let Some(e) = bob.poll_event() {
            if let UaEvent::IncomingCall { call, invite } = e {
                assert_eq!(invite.request_uri_str(), Some("sip:bob@127.0.0.2:5060"));
                bob.answer(now, call, None).unwrap();
            }
        }
        while let Some(e) = alice.poll_event() {
            answered |= matches!(e, UaEvent::Answered { .. });
        }
    }
    assert!(answered);
    assert_eq!(alice.call_state(ca), Some(CallState::Established));
}
