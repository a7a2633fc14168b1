//! One test per step of RFC 3261 §16, on the proxy core alone: messages in
//! through `handle`, transmits out.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sip_message::{
    HeaderName, MaxForwards, NameAddr, ProxyAuthenticate, Route, TypedHeader, WwwAuthenticate,
};

use super::*;
use crate::proxy::context::{best_response, Stored};
use crate::proxy::forward::{build_copy, numeric_target, Dest};
use crate::proxy::request::loop_key;
use crate::registrar::{Binding, BindingChange, LocationService};

/// Binds `contact` to `aor` in the proxy's location service with `q` (in
/// thousandths) for an hour.
pub(super) fn bind(proxy: &mut Proxy, now: Instant, aor: &str, contact: &str, q: u16) {
    let contact = NameAddr::parse(&format!("<{contact}>").into()).unwrap();
    proxy
        .location_mut()
        .apply(
            now,
            aor,
            &[BindingChange::Upsert(Binding {
                contact,
                expires_at: now + Duration::from_secs(3600),
                q,
                call_id: format!("bind-{q}"),
                cseq: 1,
                path: Vec::new(),
                source: None,
                registered_at: now,
            })],
        )
        .unwrap();
}

fn msg(text: &str) -> Message {
    Message::parse(Bytes::from(text.to_owned())).unwrap()
}

/// An INVITE from a UA at 127.0.0.1 with `extra` header lines, in a
/// transaction of its own (a fresh branch each time).
fn invite(ruri: &str, extra: &str) -> String {
    static BRANCH: AtomicU64 = AtomicU64::new(0);
    let branch = BRANCH.fetch_add(1, Ordering::Relaxed);
    format!(
        "INVITE {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-{branch}\r\n\
         Max-Forwards: 70\r\nTo: <sip:bob@biloxi.test>\r\nFrom: <sip:alice@atlanta.test>;tag=a1\r\n\
         Call-ID: steps@127.0.0.1\r\nCSeq: 1 INVITE\r\n{extra}Content-Length: 0\r\n\r\n"
    )
}

fn p2() -> Proxy {
    let mut cfg = ProxyConfig::default();
    cfg.add_domain("biloxi.test")
        .record_route(true)
        .add_route("atlanta.test", Target::udp(addr(P1)));
    Proxy::new(cfg, layer(P2, 7), MemoryLocation::new())
}

fn statuses(out: &[Message]) -> Vec<u16> {
    out.iter().filter_map(Message::status).collect()
}

/// RFC 3261 §16.3 step 2: "If the Request-URI has a URI whose scheme is not
/// understood by the proxy, the proxy SHOULD reject the request with a 416
/// (Unsupported URI Scheme) response."
#[test]
fn rfc3261_16_3_step_2_unknown_scheme_is_416() {
    let mut p = p2();
    let out = exchange(&mut p, t0(), ALICE, &invite("tel:+15551234", ""));
    assert_eq!(statuses(&out), [416]);
    let out = exchange(&mut p, t0(), ALICE, &invite("mailto:bob@biloxi.test", ""));
    assert_eq!(statuses(&out), [416]);
}

/// RFC 3261 §16.3 step 3 on the core: 483 for an INVITE, 200 with Allow for
/// an OPTIONS ("the element MAY act as the final recipient and respond per
/// Section 11").
#[test]
fn rfc3261_16_3_step_3_max_forwards_zero() {
    let mut p = p2();
    let text = invite("sip:bob@biloxi.test", "").replace("Max-Forwards: 70", "Max-Forwards: 0");
    assert_eq!(statuses(&exchange(&mut p, t0(), ALICE, &text)), [483]);
    let options = text
        .replace("INVITE", "OPTIONS")
        .replace("steps@", "options@");
    let out = exchange(&mut p, t0(), ALICE, &options);
    assert_eq!(statuses(&out), [200]);
    assert_eq!(out[0].header(&HeaderName::Allow), Some("OPTIONS"));
}

/// RFC 3261 §16.3 step 5: "the element MUST return a 420 (Bad Extension)
/// response. The response MUST include an Unsupported ... header field
/// listing those option-tags the element did not understand."
#[test]
fn rfc3261_16_3_step_5_proxy_require_is_420() {
    let mut cfg = ProxyConfig::default();
    cfg.add_supported("sec-agree");
    let mut p = Proxy::new(cfg, layer(P2, 7), MemoryLocation::new());
    let text = invite(
        "sip:bob@127.0.0.2",
        "Proxy-Require: sec-agree, foo\r\nProxy-Require: bar\r\n",
    );
    let out = exchange(&mut p, t0(), ALICE, &text);
    assert_eq!(statuses(&out), [420]);
    assert_eq!(out[0].header(&HeaderName::Unsupported), Some("foo, bar"));
    assert_eq!(p.stats().branches, 0);
}

/// RFC 3261 §16.3 step 6 with §22.3: a request from one of our users
/// without credentials gets 407 with a Proxy-Authenticate ("The proxy MUST
/// populate the 407 ... message with a Proxy-Authenticate header field
/// value applicable to the proxy"); one from another domain is forwarded.
#[test]
fn rfc3261_16_3_step_6_proxy_authorization_is_407() {
    let mut cfg = ProxyConfig::default();
    cfg.add_domain("atlanta.test");
    let auth = Authenticator::new("atlanta.test", credentials(), IdGenerator::seeded(3));
    let mut p = Proxy::new(cfg, layer(P1, 7), MemoryLocation::new()).with_auth(None, Some(auth));
    let out = exchange(&mut p, t0(), ALICE, &invite("sip:bob@127.0.0.2", ""));
    assert_eq!(statuses(&out), [407]);
    let challenge: ProxyAuthenticate = out[0].typed().unwrap();
    assert_eq!(challenge.0.realm().as_deref(), Some("atlanta.test"));
    // From another domain: forwarded (100 Trying, then the INVITE).
    let text = invite("sip:bob@127.0.0.2", "")
        .replace("alice@atlanta.test", "carol@chicago.test")
        .replace("steps@", "carol@");
    let out = exchange(&mut p, t0(), ALICE, &text);
    assert_eq!(statuses(&out), [100]);
    assert_eq!(out[1].method(), Some(&sip_message::Method::Invite));
}

/// RFC 3261 §16.3 step 4 on the core: the same request arriving again with
/// our Via in it is a loop (482); with a different Request-URI it is a
/// spiral and is forwarded.
#[test]
fn rfc3261_16_3_step_4_loop_and_spiral() {
    let mut p = p2();
    let now = t0();
    let first = invite("sip:bob@127.0.0.2:5060", "");
    let out = exchange(&mut p, now, ALICE, &first);
    assert_eq!(statuses(&out), [100]);
    let forwarded = out[1].clone();
    assert!(forwarded
        .typed::<sip_message::Via>()
        .unwrap()
        .as_str()
        .starts_with("SIP/2.0/UDP 127.0.0.12:5060"));
    // It comes back (routed to us by someone): loop.
    let looped = String::from_utf8(forwarded.to_bytes().to_vec()).unwrap();
    let out = exchange(&mut p, now, P2, &looped);
    assert_eq!(statuses(&out), [482]);
    // The same with a new Request-URI (retargeted by the next proxy, which
    // added its Via): a spiral, forwarded.
    let mut spiral = forwarded.clone();
    spiral.set_request_uri(&uri("sip:bob@127.0.0.3:5060"));
    spiral.prepend_header(
        HeaderName::Via,
        "SIP/2.0/UDP 127.0.0.13:5060;branch=z9hG4bKnext",
    );
    let spiral = String::from_utf8(spiral.to_bytes().to_vec()).unwrap();
    let out = exchange(&mut p, now, "127.0.0.13:5060", &spiral);
    assert_eq!(statuses(&out), [100]);
    assert_eq!(out[1].request_uri_str(), Some("sip:bob@127.0.0.3:5060"));
    assert_eq!(p.stats().loops, 1);
}

/// §16.6 step 8's hash ignores what every hop changes (Via, Max-Forwards,
/// Record-Route) and follows what routing depends on (Request-URI, Route).
#[test]
fn rfc3261_16_6_step_8_loop_hash_covers_the_routing_fields() {
    let a = msg(&invite("sip:bob@biloxi.test", ""));
    let mut b = a.clone();
    b.prepend_header(
        HeaderName::Via,
        "SIP/2.0/UDP 127.0.0.12:5060;branch=z9hG4bKx",
    );
    b.set_header(HeaderName::MaxForwards, "69");
    b.prepend_header(HeaderName::RecordRoute, "<sip:127.0.0.12;lr>");
    assert_eq!(loop_key(&a), loop_key(&b));
    let mut c = a.clone();
    c.set_request_uri(&uri("sip:bob@127.0.0.2"));
    assert_ne!(loop_key(&a), loop_key(&c));
    let mut d = a.clone();
    d.prepend_header(HeaderName::Route, "<sip:127.0.0.11;lr>");
    assert_ne!(loop_key(&a), loop_key(&d));
}

/// RFC 3261 §16.4: "If the Request-URI of the request contains a value this
/// proxy previously placed into a Record-Route header field ..., the proxy
/// MUST replace the Request-URI in the request with the last value from the
/// Route header field, and remove that value" (the request came from a
/// strict router); "If the first value in the Route header field indicates
/// this proxy, the proxy MUST remove that value".
#[test]
fn rfc3261_16_4_route_preprocessing() {
    let p = p2();
    // From a strict router: R-URI is our Record-Route URI.
    let mut strict = msg(&invite(
        "sip:127.0.0.12:5060;lr",
        "Route: <sip:127.0.0.11:5060;lr>, <sip:alice@127.0.0.1:5060>\r\n",
    ));
    p.preprocess(&mut strict).unwrap();
    assert_eq!(strict.request_uri_str(), Some("sip:alice@127.0.0.1:5060"));
    let routes: Vec<String> = strict
        .header_values(&HeaderName::Route)
        .map(str::to_owned)
        .collect();
    assert_eq!(routes, ["<sip:127.0.0.11:5060;lr>"]);
    // Our own top Route is popped, the next one stays.
    let mut loose = msg(&invite(
        "sip:alice@127.0.0.1:5060",
        "Route: <sip:127.0.0.12:5060;lr>\r\nRoute: <sip:127.0.0.11:5060;lr>\r\n",
    ));
    p.preprocess(&mut loose).unwrap();
    let top: Route = loose.typed().unwrap();
    assert_eq!(top.uri().as_str(), "sip:127.0.0.11:5060;lr");
    // A Route naming someone else is left alone.
    let mut other = msg(&invite(
        "sip:alice@127.0.0.1:5060",
        "Route: <sip:127.0.0.11:5060;lr>\r\n",
    ));
    p.preprocess(&mut other).unwrap();
    assert_eq!(other.header_values(&HeaderName::Route).count(), 1);
    // "If the Request-URI has a maddr parameter with a value the proxy is
    // responsible for ..., the proxy MUST strip the maddr".
    let mut maddr = msg(&invite(
        "sip:bob@biloxi.test;maddr=127.0.0.12;transport=udp",
        "",
    ));
    p.preprocess(&mut maddr).unwrap();
    assert_eq!(maddr.request_uri_str(), Some("sip:bob@biloxi.test"));
}

/// RFC 3261 §16.5: a Request-URI in our domain goes to its bindings; none
/// gives 480 ("which SHOULD be the 480 (Temporarily Unavailable)
/// response"); a request for the proxy itself that it does not serve gets
/// 404 ("If the Request-URI indicates a resource at this proxy that does
/// not exist, the proxy MUST return a 404").
#[test]
fn rfc3261_16_5_targets_from_the_location_service() {
    let mut p = p2();
    let now = t0();
    let out = exchange(&mut p, now, ALICE, &invite("sip:bob@biloxi.test", ""));
    assert_eq!(statuses(&out), [480]);
    bind(
        &mut p,
        now,
        "sip:bob@biloxi.test",
        "sip:bob@127.0.0.2:5060",
        1000,
    );
    let text = invite("sip:bob@BILOXI.test", "").replace("steps@", "two@");
    let out = exchange(&mut p, now, ALICE, &text);
    assert_eq!(statuses(&out), [100]);
    assert_eq!(out[1].request_uri_str(), Some("sip:bob@127.0.0.2:5060"));
    let text = invite("sip:127.0.0.12:5060", "").replace("steps@", "three@");
    assert_eq!(statuses(&exchange(&mut p, now, ALICE, &text)), [404]);
    // A domain we are not responsible for: forwarded as is, by the static
    // route.
    let text = invite("sip:carol@atlanta.test", "").replace("steps@", "four@");
    let out = exchange(&mut p, now, ALICE, &text);
    assert_eq!(out[1].request_uri_str(), Some("sip:carol@atlanta.test"));
}

/// RFC 3261 §16.6 steps 2-4: the Request-URI becomes the target, Max-Forwards
/// goes down by one (or is added as 70), our Record-Route goes on top.
#[test]
fn rfc3261_16_6_steps_2_to_4_copy() {
    let base = msg(&invite(
        "sip:bob@biloxi.test",
        "Record-Route: <sip:127.0.0.11:5060;lr>\r\n",
    ));
    let dest = Dest::new(uri("sip:bob@127.0.0.2:5060"));
    let (copy, hop) = build_copy(&base, &dest, Some("<sip:127.0.0.12:5060;lr>")).unwrap();
    assert_eq!(copy.request_uri_str(), Some("sip:bob@127.0.0.2:5060"));
    assert_eq!(copy.typed::<MaxForwards>().unwrap(), MaxForwards(69));
    let rr: Vec<&str> = copy.header_values(&HeaderName::RecordRoute).collect();
    assert_eq!(rr, ["<sip:127.0.0.12:5060;lr>", "<sip:127.0.0.11:5060;lr>"]);
    assert!(hop.is_dest);
    assert_eq!(hop.uri.as_str(), "sip:bob@127.0.0.2:5060");
    // "If the copy does not contain a Max-Forwards header field, the proxy
    // MUST add one with a field value, which SHOULD be 70."
    let mut no_mf = base.clone();
    no_mf.remove_header(&HeaderName::MaxForwards);
    let (copy, _) = build_copy(&no_mf, &dest, None).unwrap();
    assert_eq!(copy.typed::<MaxForwards>().unwrap(), MaxForwards(70));
    assert_eq!(copy.header_values(&HeaderName::RecordRoute).count(), 1);
    // The body is untouched (step 1: "The proxy MUST NOT add to, modify, or
    // remove the message body").
    assert_eq!(copy.body(), base.body());
}

/// RFC 3261 §16.6 step 6: a loose next hop is located from the first
/// Route; a strict one gets the Request-URI, and the old Request-URI goes
/// last into Route. RFC 3327: a binding's Path becomes the first Routes.
#[test]
fn rfc3261_16_6_step_6_route_postprocessing() {
    let base = msg(&invite(
        "sip:carol@127.0.0.7:5060",
        "Route: <sip:127.0.0.8:5060>, <sip:127.0.0.9:5060;lr>\r\n",
    ));
    let (copy, hop) = build_copy(&base, &Dest::new(uri("sip:carol@127.0.0.7:5060")), None).unwrap();
    assert_eq!(copy.request_uri_str(), Some("sip:127.0.0.8:5060"));
    let routes: Vec<Route> = copy.typed_all::<Route>().map(Result::unwrap).collect();
    let routes: Vec<&str> = routes.iter().map(|r| r.uri().as_str()).collect();
    assert_eq!(
        routes,
        ["sip:127.0.0.9:5060;lr", "sip:carol@127.0.0.7:5060"]
    );
    assert!(!hop.is_dest);
    assert_eq!(hop.uri.as_str(), "sip:127.0.0.8:5060");

    let plain = msg(&invite("sip:bob@biloxi.test", ""));
    let mut dest = Dest::new(uri("sip:bob@10.0.0.2:5060"));
    dest.path = vec![
        "<sip:127.0.0.20:5060;lr>".into(),
        "<sip:127.0.0.21;lr>".into(),
    ];
    let (copy, hop) = build_copy(&plain, &dest, None).unwrap();
    let routes: Vec<&str> = copy.header_values(&HeaderName::Route).collect();
    assert_eq!(routes, ["<sip:127.0.0.20:5060;lr>", "<sip:127.0.0.21;lr>"]);
    assert_eq!(hop.uri.as_str(), "sip:127.0.0.20:5060;lr");
    assert_eq!(copy.request_uri_str(), Some("sip:bob@10.0.0.2:5060"));
}

/// RFC 3261 §16.6 step 7 without DNS: numeric hosts and `maddr` with their
/// port and transport, SIPS defaults; names have no address here.
#[test]
fn rfc3261_16_6_step_7_numeric_next_hops() {
    let t = |s: &str| numeric_target(uri(s).as_sip().unwrap());
    assert_eq!(
        t("sip:bob@127.0.0.2"),
        Some(Target::udp(addr("127.0.0.2:5060")))
    );
    assert_eq!(
        t("sip:bob@127.0.0.2:5070;transport=tcp"),
        Some(Target::tcp(addr("127.0.0.2:5070")))
    );
    assert_eq!(
        t("sips:bob@127.0.0.2"),
        Some(Target::tcp(addr("127.0.0.2:5061")))
    );
    assert_eq!(
        t("sip:bob@biloxi.test;maddr=127.0.0.5"),
        Some(Target::udp(addr("127.0.0.5:5060")))
    );
    assert_eq!(
        t("sip:bob@[::1]:5062"),
        Some(Target::udp(addr("[::1]:5062")))
    );
    assert_eq!(t("sip:bob@biloxi.test"), None);
    assert_eq!(t("sip:bob@127.0.0.2;transport=sctp"), None);
}

fn stored(request: &Message, code: u16, synthetic: bool, extra: &[(&str, &str)]) -> Stored {
    let mut b = request.response_to(code, Some("t")).unwrap();
    for (n, v) in extra {
        b = b.header(*n, v);
    }
    Stored {
        response: b.build().unwrap(),
        synthetic,
    }
}

/// RFC 3261 §16.7 step 6: "It MUST choose from the 6xx class responses if
/// any exist in the context. If no 6xx class responses are present, the
/// proxy SHOULD choose from the lowest response class ... The proxy SHOULD
/// give preference to responses that provide information affecting
/// resubmission of this request, such as 401, 407, 415, 420, and 484";
/// "If there are no final responses in the context, the proxy MUST send a
/// 408"; "If the only response that was received is a 503, the proxy
/// SHOULD generate a 500".
#[test]
fn rfc3261_16_7_step_6_best_response() {
    let req = msg(&invite("sip:bob@biloxi.test", ""));
    let best = |s: &[Stored]| best_response(s, &req, "p").unwrap().status().unwrap();
    assert_eq!(best(&[]), 408);
    assert_eq!(
        best(&[
            stored(&req, 486, false, &[]),
            stored(&req, 603, false, &[]),
            stored(&req, 302, false, &[])
        ]),
        603
    );
    assert_eq!(
        best(&[stored(&req, 486, false, &[]), stored(&req, 302, false, &[])]),
        302
    );
    assert_eq!(
        best(&[
            stored(&req, 486, false, &[]),
            stored(&req, 404, false, &[]),
            stored(&req, 415, false, &[])
        ]),
        415
    );
    assert_eq!(
        best(&[stored(&req, 503, false, &[]), stored(&req, 500, false, &[])]),
        500
    );
    let only = best_response(&[stored(&req, 503, false, &[])], &req, "p").unwrap();
    assert_eq!(only.status(), Some(500));
    // A received response beats one the proxy made up in the same class.
    let r = best_response(
        &[stored(&req, 408, true, &[]), stored(&req, 486, false, &[])],
        &req,
        "p",
    );
    assert_eq!(r.unwrap().status(), Some(486));
}

/// RFC 3261 §16.7 step 7: "If the selected response is a 401 (Unauthorized)
/// or 407 (Proxy Authentication Required), the proxy MUST collect any
/// WWW-Authenticate and Proxy-Authenticate header field values from all
/// other 401 ... and 407 ... responses received so far in this response
/// context and add them to this response without modification".
#[test]
fn rfc3261_16_7_step_7_challenges_are_aggregated() {
    let req = msg(&invite("sip:bob@biloxi.test", ""));
    let a = "Digest realm=\"a.test\", nonce=\"1\"";
    let b = "Digest realm=\"b.test\", nonce=\"2\"";
    let c = "Digest realm=\"c.test\", nonce=\"3\"";
    let ctx = [
        stored(&req, 407, false, &[("Proxy-Authenticate", a)]),
        stored(&req, 486, false, &[]),
        stored(&req, 401, false, &[("WWW-Authenticate", b)]),
        stored(&req, 407, false, &[("Proxy-Authenticate", c)]),
    ];
    let best = best_response(&ctx, &req, "p").unwrap();
    assert_eq!(best.status(), Some(407));
    let proxy: Vec<String> = best
        .typed_all::<ProxyAuthenticate>()
        .map(|c| c.unwrap().0.realm().unwrap().into_owned())
        .collect();
    assert_eq!(proxy, ["a.test", "c.test"]);
    let www: Vec<WwwAuthenticate> = best.typed_all().map(Result::unwrap).collect();
    assert_eq!(www.len(), 1);
    assert_eq!(www[0].to_value_string(), b);
}

/// RFC 3261 §16.9: "If the transport layer notifies a proxy of an error when
/// it tries to forward a request ..., the proxy MUST behave as if the
/// forwarded request received a 503 (Service Unavailable) response", and a
/// lone 503 goes upstream as 500 (§16.7 step 6).
#[test]
fn rfc3261_16_9_transport_error_is_503_sent_on_as_500() {
    let mut p = p2();
    let now = t0();
    let out = exchange(&mut p, now, ALICE, &invite("sip:bob@127.0.0.9:5060", ""));
    assert_eq!(statuses(&out), [100]);
    p.handle_transport_error(now, Target::udp(addr("127.0.0.9:5060")));
    let mut answers = Vec::new();
    while let Some(t) = p.poll_transmit() {
        answers.push(Message::parse(t.payload).unwrap());
    }
    assert_eq!(statuses(&answers), [500]);
}

/// RFC 3261 §16.10: a CANCEL for which no response context exists. This
/// proxy answers 481 (§9.2: "If the UAS did not find a matching transaction
/// for the CANCEL ..., it SHOULD respond to the CANCEL with a 481"): it
/// forwards every INVITE statefully with its own branches, so a CANCEL
/// forwarded statelessly could match nothing downstream.
#[test]
fn rfc3261_16_10_cancel_without_context_is_481() {
    let mut p = p2();
    let cancel = invite("sip:bob@127.0.0.2:5060", "").replace("INVITE", "CANCEL");
    assert_eq!(statuses(&exchange(&mut p, t0(), ALICE, &cancel)), [481]);
    assert_eq!(p.stats().branches, 0);
}

/// "Input from the peer must never cause a panic": every message of the
/// shared corpus (the RFC 4475 torture tests, the RFC 5118 IPv6 tests,
/// real-world messages), fed to a proxy that would forward it, with its
/// timers run out afterwards. The corpus is read at run time from
/// `$SIP_CORPUS_DIR` or `../shared/corpus`; without it the test fails
/// loudly rather than check nothing.
#[test]
fn corpus_messages_never_panic_the_proxy() {
    let dir = std::env::var_os("SIP_CORPUS_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus")
        });
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap_or_else(|e| {
        panic!(
            "\n\n*** The shared SIP corpus is missing: cannot read {} ({e}).\n\
             *** Clone the project with ../shared beside it or set SIP_CORPUS_DIR.\n",
            dir.display()
        )
    });
    let now = t0();
    let mut p = p2();
    bind(
        &mut p,
        now,
        "sip:bob@biloxi.test",
        "sip:bob@127.0.0.2:5060",
        1000,
    );
    let mut fed = 0;
    for line in manifest.lines().skip(1) {
        let path = line.split('\t').next().unwrap_or_default();
        if path.starts_with("pidf/") || path.is_empty() {
            continue;
        }
        let raw = std::fs::read(dir.join(path)).unwrap();
        let bytes: Vec<u8> = if path.starts_with("rfc5118/") {
            // Bare LF in that archive: CRLF as the corpus README says.
            raw.iter()
                .flat_map(|&b| {
                    if b == b'\n' {
                        vec![b'\r', b'\n']
                    } else {
                        vec![b]
                    }
                })
                .collect()
        } else {
            raw
        };
        for transport in [Transport::Udp, Transport::Tcp] {
            let source = Source {
                transport,
                remote: addr(ALICE),
                local: addr(P2),
            };
            p.handle(now, source, Bytes::from(bytes.clone()));
            while p.poll_transmit().is_some() {}
        }
        fed += 1;
    }
    assert!(fed > 50, "only {fed} corpus messages");
    let mut at = now;
    for _ in 0..200 {
        let Some(next) = p.poll_timeout() else { break };
        at = at.max(next);
        p.handle_timeout(at);
        while p.poll_transmit().is_some() {}
    }
    assert!(p.stats().requests > 0);
}

/// RFC 3261 §10.3 step 8: the registrar's 200 "SHOULD include a Date
/// header field". The sans-IO proxy asks its hooks for the date (the
/// driver's wall clock); without one the 200 goes without a Date.
#[test]
fn rfc3261_10_3_step_8_the_200_carries_the_date_the_hooks_give() {
    struct Clock;
    impl ProxyHooks for Clock {
        fn date(&mut self, _now: Instant) -> Option<sip_message::Date> {
            // 2026-11-22 09:30:00 UTC.
            sip_message::Date::from_unix_seconds(1_795_339_800)
        }
    }
    let register = |branch: &str| {
        format!(
            "REGISTER sip:biloxi.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bK{branch}\r\n\
             Max-Forwards: 70\r\nTo: <sip:bob@biloxi.test>\r\nFrom: <sip:bob@biloxi.test>;tag=r1\r\n\
             Call-ID: date-{branch}@127.0.0.2\r\nCSeq: 1 REGISTER\r\nContact: <sip:bob@127.0.0.2:5060>\r\n\
             Content-Length: 0\r\n\r\n"
        )
    };
    let mut p = biloxi_proxy(ProxyConfig::default(), false);
    let out = exchange(&mut p, t0(), BOB, &register("nodate"));
    assert_eq!(statuses(&out), [200]);
    assert!(!out[0].has_header(&HeaderName::Date));
    p.set_hooks(Clock);
    let out = exchange(&mut p, t0(), BOB, &register("withdate"));
    assert_eq!(statuses(&out), [200]);
    assert_eq!(
        out[0].header(&HeaderName::Date),
        Some("Sun, 22 Nov 2026 09:30:00 GMT")
    );
}
