//! The registrar's steps (RFC 3261 §10.3) and the location service's
//! expiry, on a fake clock.

use std::time::{Duration, Instant};

use bytes::Bytes;
use sip_message::{Contact, Date, HeaderName, Message, MinExpires, To, TypedHeader, Uri};
use sip_transaction::IdGenerator;

use super::*;

const CALL_ID: &str = "1j9FpLxk3uxtm8tn@biloxi.example.com";

/// The fake clock's epoch: every test moves time by adding Durations to it.
#[allow(clippy::disallowed_methods)] // a test's arbitrary epoch
fn t0() -> Instant {
    Instant::now()
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn config() -> RegistrarConfig {
    let mut c = RegistrarConfig::default();
    c.add_domain("biloxi.example.com")
        .add_domain("ss2.biloxi.example.com");
    c
}

fn registrar() -> Registrar {
    Registrar::new(config(), MemoryLocation::new()).with_ids(IdGenerator::seeded(3261))
}

fn bob() -> Uri {
    Uri::parse("sips:bob@biloxi.example.com").unwrap()
}

/// A REGISTER for Bob as in RFC 3665 §2.1, with `headers` added after CSeq.
fn register_as(call_id: &str, cseq: u32, headers: &[&str]) -> Message {
    let mut s = format!(
        "REGISTER sips:ss2.biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/TLS client.biloxi.example.com:5061;branch=z9hG4bKnashd{cseq}\r\n\
Max-Forwards: 70\r\n\
From: Bob <sips:bob@biloxi.example.com>;tag=ja743ks76zlflH\r\n\
To: Bob <sips:bob@biloxi.example.com>\r\n\
Call-ID: {call_id}\r\n\
CSeq: {cseq} REGISTER\r\n"
    );
    for h in headers {
        s.push_str(h);
        s.push_str("\r\n");
    }
    s.push_str("Content-Length: 0\r\n\r\n");
    Message::parse(Bytes::from(s)).unwrap()
}

fn register(cseq: u32, headers: &[&str]) -> Message {
    register_as(CALL_ID, cseq, headers)
}

fn raw(text: &str) -> Message {
    Message::parse(Bytes::from(text.to_owned())).unwrap()
}

/// The Contact values of a response, as written.
fn contacts(m: &Message) -> Vec<String> {
    m.typed_all::<Contact>()
        .map(|c| c.unwrap().to_value_string())
        .collect()
}

/// The contact URIs bound to Bob at `now`, in preference order.
fn bound(r: &Registrar, now: Instant) -> Vec<String> {
    r.bindings(now, &bob())
        .iter()
        .map(|b| b.uri().as_str().to_owned())
        .collect()
}

// ------------------------------------------------------------ registration

/// RFC 3261 §10.3 step 8: "The registrar returns a 200 (OK) response. The
/// response MUST contain Contact header field values enumerating all
/// current bindings. Each Contact value MUST feature an "expires" parameter
/// indicating its expiration interval chosen by the registrar. The response
/// SHOULD include a Date header field."
#[test]
fn rfc3261_10_3_step8_successful_registration() {
    let mut r = registrar();
    let t0 = t0();
    let date = Date::new(2024, 3, 1, 12, 0, 0).unwrap();
    let ctx = RegisterContext {
        authorized_user: Some("bob"),
        source: Some("192.0.2.4:5061".parse().unwrap()),
        date: Some(date),
    };
    let req = register(1, &["Contact: <sips:bob@client.biloxi.example.com>"]);
    let ok = r.handle_with(t0, &req, &ctx);
    assert_eq!(ok.status(), Some(200));
    assert_eq!(
        contacts(&ok),
        ["<sips:bob@client.biloxi.example.com>;expires=3600"]
    );
    assert_eq!(ok.typed::<Date>().unwrap(), date);
    // §8.2.6.2: the UAS adds a To tag; Call-ID and CSeq are copied.
    assert!(ok.typed::<To>().unwrap().tag().is_some());
    assert_eq!(ok.call_id(), Some(CALL_ID));
    let b = &r.bindings(t0, &bob())[0];
    assert_eq!(b.expires_at, t0 + secs(3600));
    assert_eq!((b.call_id.as_str(), b.cseq, b.q), (CALL_ID, 1, 1000));
    assert_eq!(b.source, ctx.source);
    assert_eq!(b.registered_at, t0);
}

/// A binding lives for its expiration interval (an hour by default), its
/// REGISTER for microseconds: what the location service stores must not
/// keep the REGISTER's buffer alive (a parsed Contact slices it).
#[test]
fn rfc3261_10_3_step7_a_binding_does_not_hold_its_register() {
    let mut r = registrar();
    let t0 = t0();
    let wire = register(
        1,
        &["Contact: \"Bob\" <sips:bob@client.biloxi.example.com>;q=0.5"],
    )
    .to_bytes();
    let req = Message::parse(wire.clone()).unwrap();
    let ok = r.handle(t0, &req, None);
    assert_eq!(ok.status(), Some(200));
    drop((req, ok));
    let b = &r.bindings(t0, &bob())[0];
    assert_eq!(b.contact.display_name().as_deref(), Some("Bob"));
    assert_eq!(b.q, 500);
    assert!(
        wire.is_unique(),
        "the binding still references the REGISTER"
    );
}

/// RFC 3261 §10.2.4: "A UA refreshes a binding by sending a REGISTER"; §10.3
/// step 7: if the Call-ID is the same and the CSeq "is higher than that of
/// the existing binding, it MUST update ... the binding".
#[test]
fn rfc3261_10_3_refresh_extends_the_binding() {
    let mut r = registrar();
    let t0 = t0();
    let c = "Contact: <sips:bob@client.biloxi.example.com>";
    assert_eq!(r.handle(t0, &register(1, &[c]), None).status(), Some(200));
    let t1 = t0 + secs(1800);
    let ok = r.handle(t1, &register(2, &[c]), None);
    assert_eq!(
        contacts(&ok),
        ["<sips:bob@client.biloxi.example.com>;expires=3600"]
    );
    let b = r.bindings(t1, &bob());
    assert_eq!(b.len(), 1);
    assert_eq!((b[0].cseq, b[0].expires_at), (2, t1 + secs(3600)));
    assert_eq!(
        bound(&r, t0 + secs(3601)),
        ["sips:bob@client.biloxi.example.com"]
    );
    assert_eq!(r.location().len(), 1);
}

/// RFC 3261 §10.3 step 7: "For each address, the registrar then searches
/// the list of current bindings using the URI comparison rules. If the
/// binding does not exist, it is tentatively added."
#[test]
fn rfc3261_10_3_new_contact_is_added_next_to_the_old() {
    let mut r = registrar();
    let t0 = t0();
    r.handle(
        t0,
        &register(1, &["Contact: <sips:bob@desk.biloxi.example.com>"]),
        None,
    );
    // The same URI written differently (§19.1.4: host case, escapes) is
    // the same binding.
    let ok = r.handle(
        t0 + secs(10),
        &register(
            2,
            &["Contact: <sips:%62ob@DESK.biloxi.example.com>, <sips:bob@phone.biloxi.example.com>"],
        ),
        None,
    );
    assert_eq!(ok.status(), Some(200));
    assert_eq!(contacts(&ok).len(), 2);
    assert_eq!(r.location().len(), 2);
}

/// RFC 3261 §10.2.2: "A UA requests the immediate removal of a binding by
/// specifying an expiration interval of "0" for that contact address in a
/// REGISTER request."
#[test]
fn rfc3261_10_2_2_expires_zero_removes_one_binding() {
    let mut r = registrar();
    let t0 = t0();
    r.handle(
        t0,
        &register(
            1,
            &["Contact: <sips:bob@desk.biloxi.example.com>, <sips:bob@phone.biloxi.example.com>"],
        ),
        None,
    );
    let ok = r.handle(
        t0 + secs(5),
        &register(
            2,
            &["Contact: <sips:bob@desk.biloxi.example.com>;expires=0"],
        ),
        None,
    );
    assert_eq!(ok.status(), Some(200));
    assert_eq!(
        contacts(&ok),
        ["<sips:bob@phone.biloxi.example.com>;expires=3595"]
    );
    assert_eq!(
        bound(&r, t0 + secs(5)),
        ["sips:bob@phone.biloxi.example.com"]
    );
}

/// RFC 3261 §10.2.2: "The REGISTER-specific Contact header field value of
/// "*" applies to all registrations, but it MUST NOT be used unless the
/// Expires header field is present with a value of "0"."
#[test]
fn rfc3261_10_2_2_star_with_expires_zero_removes_all() {
    let mut r = registrar();
    let t0 = t0();
    r.handle(
        t0,
        &register(
            1,
            &["Contact: <sips:bob@desk.biloxi.example.com>, <sips:bob@phone.biloxi.example.com>"],
        ),
        None,
    );
    // Another UA's binding (another Call-ID) goes too.
    r.handle(
        t0,
        &register_as(
            "other@x",
            7,
            &["Contact: <sips:bob@tablet.biloxi.example.com>"],
        ),
        None,
    );
    assert_eq!(r.location().len(), 3);
    let ok = r.handle(
        t0 + secs(1),
        &register(2, &["Contact: *", "Expires: 0"]),
        None,
    );
    assert_eq!(ok.status(), Some(200));
    assert!(contacts(&ok).is_empty());
    assert!(r.bindings(t0 + secs(1), &bob()).is_empty());
    assert!(r.location().is_empty());
}

/// RFC 3261 §10.3 step 6: "If the request has additional Contact fields or
/// an expiration time other than zero, the request is invalid, and the
/// server MUST return a 400 (Invalid Request) and skip the remaining steps."
#[test]
fn rfc3261_10_3_step6_star_with_nonzero_expires_is_400() {
    let mut r = registrar();
    let t0 = t0();
    r.handle(
        t0,
        &register(1, &["Contact: <sips:bob@desk.biloxi.example.com>"]),
        None,
    );
    for headers in [
        &["Contact: *", "Expires: 3600"][..],
        &["Contact: *"][..],
        &["Contact: *", "Expires: soon"][..],
    ] {
        let resp = r.handle(t0, &register(2, headers), None);
        assert_eq!(resp.status(), Some(400), "{headers:?}");
    }
    assert_eq!(r.location().len(), 1);
}

/// RFC 3261 §10.3 step 6: a `*` with "additional Contact fields" is
/// invalid: 400.
#[test]
fn rfc3261_10_3_step6_star_with_another_contact_is_400() {
    let mut r = registrar();
    let t0 = t0();
    r.handle(
        t0,
        &register(1, &["Contact: <sips:bob@desk.biloxi.example.com>"]),
        None,
    );
    for headers in [
        &[
            "Contact: *, <sips:bob@phone.biloxi.example.com>",
            "Expires: 0",
        ][..],
        &[
            "Contact: <sips:bob@phone.biloxi.example.com>",
            "Contact: *",
            "Expires: 0",
        ][..],
    ] {
        assert_eq!(
            r.handle(t0, &register(2, headers), None).status(),
            Some(400)
        );
    }
    assert_eq!(bound(&r, t0), ["sips:bob@desk.biloxi.example.com"]);
}

/// RFC 3261 §10.3 step 6: with `*`, "If it does agree, it MUST remove the
/// binding only if the CSeq in the request is higher than the value stored
/// for that binding. Otherwise, the update MUST be aborted and the request
/// fails."
#[test]
fn rfc3261_10_3_step6_stale_star_is_refused() {
    let mut r = registrar();
    let t0 = t0();
    r.handle(
        t0,
        &register(5, &["Contact: <sips:bob@desk.biloxi.example.com>"]),
        None,
    );
    let resp = r.handle(t0, &register(4, &["Contact: *", "Expires: 0"]), None);
    assert_eq!(resp.status(), Some(500));
    assert_eq!(r.location().len(), 1);
}

// ------------------------------------------------------------------ expiry

/// RFC 3261 §10.3 step 7: "If and only if the requested expiration interval
/// is greater than zero AND smaller than one hour AND less than a
/// registrar-configured minimum, the registrar MAY reject the registration
/// with a response of 423 (Interval Too Brief). This response MUST contain
/// a Min-Expires header field that states the minimum expiration interval
/// the registrar is willing to honor."
#[test]
fn rfc3261_10_3_step7_too_brief_is_423_with_min_expires() {
    let mut r = registrar();
    let t0 = t0();
    let resp = r.handle(
        t0,
        &register(
            1,
            &["Contact: <sips:bob@desk.biloxi.example.com>", "Expires: 30"],
        ),
        None,
    );
    assert_eq!(resp.status(), Some(423));
    assert_eq!(resp.typed::<MinExpires>().unwrap(), MinExpires(60));
    assert!(r.location().is_empty());
    // One brief contact refuses the whole request.
    let resp = r.handle(
        t0,
        &register(
            2,
            &["Contact: <sips:bob@desk.biloxi.example.com>, <sips:bob@phone.biloxi.example.com>;expires=1"],
        ),
        None,
    );
    assert_eq!(resp.status(), Some(423));
    assert!(r.location().is_empty());
    // Zero is a removal, not a brief interval; the minimum itself is fine.
    let resp = r.handle(
        t0,
        &register(
            3,
            &["Contact: <sips:bob@desk.biloxi.example.com>;expires=0"],
        ),
        None,
    );
    assert_eq!(resp.status(), Some(200));
    let resp = r.handle(
        t0,
        &register(
            4,
            &["Contact: <sips:bob@desk.biloxi.example.com>;expires=60"],
        ),
        None,
    );
    assert_eq!(
        contacts(&resp),
        ["<sips:bob@desk.biloxi.example.com>;expires=60"]
    );
}

/// RFC 3261 §10.3 step 7: only an interval "smaller than one hour" may be
/// refused, whatever the configured minimum.
#[test]
fn rfc3261_10_3_step7_an_hour_is_never_too_brief() {
    let mut cfg = config();
    cfg.min_expires(7200).max_expires(7200);
    let mut r = Registrar::new(cfg, MemoryLocation::new());
    let t0 = t0();
    let c = "Contact: <sips:bob@desk.biloxi.example.com>";
    assert_eq!(
        r.handle(t0, &register(1, &[c, "Expires: 3599"]), None)
            .status(),
        Some(423)
    );
    let ok = r.handle(t0, &register(2, &[c, "Expires: 3600"]), None);
    assert_eq!(
        contacts(&ok),
        ["<sips:bob@desk.biloxi.example.com>;expires=3600"]
    );
}

/// RFC 3261 §10.3 step 7: "The registrar MAY choose an expiration less than
/// the requested expiration interval."
#[test]
fn rfc3261_10_3_step7_long_intervals_are_capped() {
    let mut r = registrar();
    let t0 = t0();
    let ok = r.handle(
        t0,
        &register(
            1,
            &["Contact: <sips:bob@desk.biloxi.example.com>;expires=86400"],
        ),
        None,
    );
    assert_eq!(
        contacts(&ok),
        ["<sips:bob@desk.biloxi.example.com>;expires=3600"]
    );
}

/// RFC 3261 §10.3 step 7: "If the field value has an "expires" parameter,
/// that value MUST be taken as the requested expiration. If there is no
/// such parameter, but the request has an Expires header field, that value
/// MUST be taken as the requested expiration. If there is neither, a
/// locally-configured default value MUST be taken".
#[test]
fn rfc3261_10_3_step7_contact_expires_overrides_the_header() {
    let mut cfg = config();
    cfg.default_expires(1200);
    let mut r = Registrar::new(cfg, MemoryLocation::new());
    let t0 = t0();
    let ok = r.handle(
        t0,
        &register(
            1,
            &[
                "Contact: <sips:bob@desk.biloxi.example.com>;expires=120",
                "Contact: <sips:bob@phone.biloxi.example.com>",
                "Expires: 600",
            ],
        ),
        None,
    );
    let mut got = contacts(&ok);
    got.sort();
    assert_eq!(
        got,
        [
            "<sips:bob@desk.biloxi.example.com>;expires=120",
            "<sips:bob@phone.biloxi.example.com>;expires=600",
        ]
    );
    let ok = r.handle(
        t0,
        &register(2, &["Contact: <sips:bob@tablet.biloxi.example.com>"]),
        None,
    );
    assert!(contacts(&ok).contains(&"<sips:bob@tablet.biloxi.example.com>;expires=1200".to_owned()));
}

/// RFC 3261 §10.2.1: "Bindings are soft state and expire unless
/// refreshed"; a lookup at or after the expiry finds nothing.
#[test]
fn rfc3261_10_2_1_bindings_expire_on_time() {
    let mut r = registrar();
    let t0 = t0();
    r.handle(
        t0,
        &register(
            1,
            &["Contact: <sips:bob@desk.biloxi.example.com>;expires=120"],
        ),
        None,
    );
    assert_eq!(bound(&r, t0 + secs(119)).len(), 1);
    assert!(bound(&r, t0 + secs(120)).is_empty());
    // A fetch after the expiry lists nothing, and the purge frees it.
    let ok = r.handle(t0 + secs(121), &register(2, &[]), None);
    assert!(contacts(&ok).is_empty());
    assert!(r.location().is_empty());
    assert_eq!(r.poll_timeout(), None);
}

// ---------------------------------------------------------- Call-ID / CSeq

/// RFC 3261 §10.3 step 7: "If they are the same, the registrar compares the
/// CSeq value. If the value is higher than that of the existing binding, it
/// MUST update or remove the binding as above. If not, the update MUST be
/// aborted and the request fails." §10.2: "a registrar could not detect
/// whether a delayed REGISTER request might have arrived out of order".
#[test]
fn rfc3261_10_3_step7_out_of_order_cseq_is_refused_and_changes_nothing() {
    let mut r = registrar();
    let t0 = t0();
    r.handle(
        t0,
        &register(
            10,
            &["Contact: <sips:bob@desk.biloxi.example.com>;expires=600"],
        ),
        None,
    );
    let before = r.bindings(t0, &bob());
    for (cseq, contact) in [
        (9, "Contact: <sips:bob@desk.biloxi.example.com>;expires=0"),
        (
            10,
            "Contact: <sips:bob@desk.biloxi.example.com>;expires=1800",
        ),
        // Atomic: the new phone is not added either.
        (
            9,
            "Contact: <sips:bob@phone.biloxi.example.com>, <sips:bob@desk.biloxi.example.com>",
        ),
    ] {
        let resp = r.handle(t0 + secs(1), &register(cseq, &[contact]), None);
        assert_eq!(resp.status(), Some(500), "{cseq} {contact}");
        assert!(contacts(&resp).is_empty());
        assert_eq!(r.bindings(t0, &bob()), before);
    }
    assert_eq!(r.location().len(), 1);
}

/// RFC 3261 §10.3 step 7: "If the Call-ID value in the existing binding
/// differs from the Call-ID value in the request, the binding MUST be
/// removed if the expiration time is zero and updated otherwise."
#[test]
fn rfc3261_10_3_step7_another_call_id_replaces_the_binding() {
    let mut r = registrar();
    let t0 = t0();
    let c = "Contact: <sips:bob@desk.biloxi.example.com>";
    r.handle(t0, &register(50, &[c]), None);
    // A rebooted phone: new Call-ID, lower CSeq.
    let ok = r.handle(t0 + secs(60), &register_as("reboot@desk", 1, &[c]), None);
    assert_eq!(ok.status(), Some(200));
    let b = r.bindings(t0 + secs(60), &bob());
    assert_eq!(b.len(), 1);
    assert_eq!((b[0].call_id.as_str(), b[0].cseq), ("reboot@desk", 1));
    assert_eq!(b[0].expires_at, t0 + secs(3660));
    // ... and removed by zero from yet another Call-ID.
    let ok = r.handle(
        t0 + secs(61),
        &register_as("third@x", 1, &[&format!("{c};expires=0")]),
        None,
    );
    assert_eq!(ok.status(), Some(200));
    assert!(r.location().is_empty());
}

// ----------------------------------------------------------------- fetching

/// RFC 3261 §10.2.3: "A success response to any REGISTER request contains
/// the complete list of existing bindings, regardless of whether the
/// request contained a Contact header field. If no Contact header field is
/// present in a REGISTER request, the list of bindings is left unchanged."
#[test]
fn rfc3261_10_2_3_register_without_contact_fetches() {
    let mut r = registrar();
    let t0 = t0();
    r.handle(
        t0,
        &register(
            1,
            &["Contact: <sips:bob@desk.biloxi.example.com>;q=0.5, <sips:bob@phone.biloxi.example.com>;expires=1200"],
        ),
        None,
    );
    // The same CSeq, even: a fetch changes nothing, so nothing is refused.
    let ok = r.handle(t0 + secs(200), &register(1, &[]), None);
    assert_eq!(ok.status(), Some(200));
    assert_eq!(
        contacts(&ok),
        [
            "<sips:bob@phone.biloxi.example.com>;expires=1000",
            "<sips:bob@desk.biloxi.example.com>;q=0.5;expires=3400",
        ]
    );
    assert_eq!(r.location().len(), 2);
}

/// RFC 3261 §10.3 step 8: each Contact of the 200 has the "expiration
/// interval chosen by the registrar": what is left of it, for every
/// current binding, with the UA's own parameters (q) kept.
#[test]
fn rfc3261_10_3_step8_contacts_match_bindings_with_remaining_expires() {
    let mut r = registrar();
    let t0 = t0();
    r.handle(
        t0,
        &register(
            1,
            &["Contact: \"Desk\" <sips:bob@desk.biloxi.example.com;transport=tcp>;q=0.7;+sip.instance=\"<urn:uuid:1>\""],
        ),
        None,
    );
    r.handle(
        t0 + secs(1000),
        &register(
            2,
            &["Contact: <sips:bob@phone.biloxi.example.com>;expires=1800"],
        ),
        None,
    );
    let now = t0 + secs(1500);
    let ok = r.handle(now, &register(3, &[]), None);
    let got: Vec<Contact> = ok.typed_all::<Contact>().map(Result::unwrap).collect();
    let bindings = r.bindings(now, &bob());
    assert_eq!(got.len(), bindings.len());
    for (c, b) in got.iter().zip(&bindings) {
        assert_eq!(c.address().unwrap().uri(), b.uri());
        assert_eq!(c.expires(), Some(b.remaining_secs(now)));
        assert_eq!(c.q().unwrap_or(1000), b.q);
    }
    assert_eq!(
        contacts(&ok),
        [
            "<sips:bob@phone.biloxi.example.com>;expires=1300",
            "\"Desk\" <sips:bob@desk.biloxi.example.com;transport=tcp>;q=0.7;+sip.instance=\"<urn:uuid:1>\";expires=2100",
        ]
    );
    // Part-way through a second, the interval rounds up, never to 0.
    let ok = r.handle(
        t0 + Duration::from_millis(3_599_500),
        &register(4, &[]),
        None,
    );
    assert!(contacts(&ok)[0].ends_with(";expires=1"));
}

/// RFC 3261 §10.2.1.2: "This list can be prioritized with the "q" parameter
/// in the Contact header field"; bindings come out highest q first, the
/// order a proxy (§16.6) or redirect server uses them in.
#[test]
fn rfc3261_10_2_1_2_bindings_sorted_by_q() {
    let mut r = registrar();
    let t0 = t0();
    r.handle(
        t0,
        &register(
            1,
            &[
                "Contact: <sips:bob@a.biloxi.example.com>;q=0.1",
                "Contact: <sips:bob@b.biloxi.example.com>",
                "Contact: <sips:bob@c.biloxi.example.com>;q=0.9, <sips:bob@d.biloxi.example.com>;q=0.5",
            ],
        ),
        None,
    );
    assert_eq!(
        bound(&r, t0),
        [
            "sips:bob@b.biloxi.example.com",
            "sips:bob@c.biloxi.example.com",
            "sips:bob@d.biloxi.example.com",
            "sips:bob@a.biloxi.example.com",
        ]
    );
    let q: Vec<u16> = r.bindings(t0, &bob()).iter().map(|b| b.q).collect();
    assert_eq!(q, [1000, 900, 500, 100]);
    let ok = r.handle(t0, &register(2, &[]), None);
    assert!(contacts(&ok)[1].contains(";q=0.9"));
    // A q outside 0-1 is malformed: 400.
    let resp = r.handle(
        t0,
        &register(3, &["Contact: <sips:bob@e.biloxi.example.com>;q=2"]),
        None,
    );
    assert_eq!(resp.status(), Some(400));
}

// ------------------------------------------------------- domains, Require

/// RFC 3261 §10.3 step 1: "The registrar inspects the Request-URI to
/// determine whether it has access to bindings for the domain identified in
/// the Request-URI"; step 5: "If the address-of-record is not valid for the
/// domain in the Request-URI, the registrar MUST send a 404 (Not Found)".
#[test]
fn rfc3261_10_3_steps_1_and_5_other_domains_are_refused() {
    let mut r = registrar();
    let t0 = t0();
    let text = register(1, &["Contact: <sips:bob@client.biloxi.example.com>"]).to_string();
    let other_ruri = raw(&text.replace(
        "REGISTER sips:ss2.biloxi.example.com",
        "REGISTER sips:atlanta.example.com",
    ));
    assert!(!r.is_responsible_for(&other_ruri));
    assert_eq!(r.handle(t0, &other_ruri, None).status(), Some(404));
    let other_aor = raw(&text.replace(
        "To: Bob <sips:bob@biloxi.example.com>",
        "To: Bob <sips:bob@atlanta.example.com>",
    ));
    assert!(r.is_responsible_for(&other_aor));
    assert_eq!(r.handle(t0, &other_aor, None).status(), Some(404));
    // §10.2: the AOR "MUST be a SIP URI or SIPS URI".
    let tel_aor = raw(&text.replace(
        "To: Bob <sips:bob@biloxi.example.com>",
        "To: <tel:+15551234567>",
    ));
    assert_eq!(r.handle(t0, &tel_aor, None).status(), Some(404));
    // §8.2.2.1: "If the Request-URI uses a scheme not supported by the
    // UAS, it SHOULD reject the request with a 416".
    let tel_ruri = raw(&text.replace(
        "REGISTER sips:ss2.biloxi.example.com",
        "REGISTER tel:+15551234567",
    ));
    assert_eq!(r.handle(t0, &tel_ruri, None).status(), Some(416));
    assert!(r.location().is_empty());
    // Host names compare case-insensitively.
    let upper = raw(&text.replace("sips:ss2.biloxi", "sips:SS2.Biloxi"));
    assert_eq!(r.handle(t0, &upper, None).status(), Some(200));
}

/// RFC 3261 §10.3 step 2: "the registrar MUST process the Require header
/// field values as described for UASs in Section 8.2.2"; §8.2.2.3: "it
/// MUST respond by generating a response with status code 420 (Bad
/// Extension). The UAS MUST add an Unsupported header field, and list in
/// it those options it does not understand amongst those in the Require
/// header field of the request."
#[test]
fn rfc3261_10_3_step2_unsupported_require_is_420() {
    let mut r = registrar();
    let t0 = t0();
    let resp = r.handle(
        t0,
        &register(
            1,
            &[
                "Contact: <sips:bob@client.biloxi.example.com>",
                "Require: path, gruu",
                "Require: foo, gruu",
            ],
        ),
        None,
    );
    assert_eq!(resp.status(), Some(420));
    assert_eq!(resp.header(&HeaderName::Unsupported), Some("gruu, foo"));
    assert!(r.location().is_empty());
    let ok = r.handle(
        t0,
        &register(
            2,
            &[
                "Contact: <sips:bob@client.biloxi.example.com>",
                "Require: path",
            ],
        ),
        None,
    );
    assert_eq!(ok.status(), Some(200));
}

/// RFC 3327 §5.3: the registrar stores the Path of the REGISTER with the
/// binding and returns it to a UA that supports `path`.
#[test]
fn rfc3327_path_is_stored_and_echoed() {
    let mut r = registrar();
    let t0 = t0();
    let ok = r.handle(
        t0,
        &register(
            1,
            &[
                "Contact: <sips:bob@client.biloxi.example.com>",
                "Path: <sip:p1.example.com;lr>",
                "Path: <sip:p2.example.com;lr>",
                "Supported: path",
            ],
        ),
        None,
    );
    assert_eq!(
        ok.header_values(&HeaderName::Path).collect::<Vec<_>>(),
        ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"]
    );
    assert_eq!(
        r.bindings(t0, &bob())[0].path,
        ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"]
    );
}

// ------------------------------------------------------------ authorization

/// RFC 3261 §10.3 step 4: "The registrar SHOULD determine if the
/// authenticated user is authorized to modify registrations for this
/// address-of-record. ... If the authenticated user is not authorized to
/// modify bindings, the registrar MUST return a 403 (Forbidden) and skip
/// the remaining steps."
#[test]
fn rfc3261_10_3_step4_unauthorized_user_is_403() {
    let mut r = registrar();
    let t0 = t0();
    let req = register(1, &["Contact: <sips:bob@client.biloxi.example.com>"]);
    assert_eq!(r.handle(t0, &req, Some("alice")).status(), Some(403));
    assert_eq!(
        r.handle(t0, &req, Some("bob@atlanta.example.com")).status(),
        Some(403)
    );
    assert!(r.location().is_empty());
    for user in [
        "bob",
        "bob@BILOXI.example.com",
        "sips:bob@biloxi.example.com",
    ] {
        let req = register(2, &["Contact: <sips:bob@client.biloxi.example.com>"]);
        let mut r = registrar();
        assert_eq!(r.handle(t0, &req, Some(user)).status(), Some(200), "{user}");
    }
    // "In architectures that support third-party registration, one entity
    // may be responsible for updating the registrations associated with
    // multiple addresses-of-record."
    r.set_authorizer(|user, aor| user == "secretary" && aor.ends_with("@biloxi.example.com"));
    assert_eq!(r.handle(t0, &req, Some("secretary")).status(), Some(200));
    assert_eq!(
        r.handle(t0, &register(2, &[]), Some("bob")).status(),
        Some(403)
    );
}

// -------------------------------------------------------------- robustness

/// RFC 3261 §10.2.1: "Implementations MAY treat values larger than 2**32-1
/// (4294967295 seconds or 136 years) as equivalent to 2**32-1. Malformed
/// values SHOULD be treated as equivalent to 3600."
#[test]
fn rfc3261_10_2_1_huge_and_malformed_expires() {
    let mut r = registrar();
    let t0 = t0();
    let ok = r.handle(
        t0,
        &register(
            1,
            &[
                "Contact: <sips:bob@a.biloxi.example.com>;expires=99999999999999999999999",
                "Contact: <sips:bob@b.biloxi.example.com>;expires=tomorrow",
                "Contact: <sips:bob@c.biloxi.example.com>",
                "Expires: 4294967296",
            ],
        ),
        None,
    );
    assert_eq!(ok.status(), Some(200));
    let mut got = contacts(&ok);
    got.sort();
    assert_eq!(
        got,
        [
            "<sips:bob@a.biloxi.example.com>;expires=3600",
            "<sips:bob@b.biloxi.example.com>;expires=3600",
            "<sips:bob@c.biloxi.example.com>;expires=3600",
        ]
    );
}

/// Input from the peer never panics (STYLE §6): malformed REGISTERs get a
/// 4xx and change nothing.
#[test]
fn malformed_registers_are_refused_without_panic() {
    let mut r = registrar();
    let t0 = t0();
    let base = register(1, &["Contact: <sips:bob@client.biloxi.example.com>"]).to_string();
    let cases = [
        // No To.
        base.replace("To: Bob <sips:bob@biloxi.example.com>\r\n", ""),
        // A To that does not parse.
        base.replace(
            "To: Bob <sips:bob@biloxi.example.com>",
            "To: Bob <sips:bob@",
        ),
        // No Call-ID, no CSeq, a CSeq of another method.
        base.replace(&format!("Call-ID: {CALL_ID}\r\n"), ""),
        base.replace("CSeq: 1 REGISTER\r\n", ""),
        base.replace("CSeq: 1 REGISTER", "CSeq: 1 INVITE"),
        // Garbage Contacts.
        base.replace("<sips:bob@client.biloxi.example.com>", "<<<>>>"),
        base.replace("<sips:bob@client.biloxi.example.com>", "<sips:bob@client"),
        base.replace("<sips:bob@client.biloxi.example.com>", ",,"),
        // A broken Require, a broken Path.
        base.replace("Contact:", "Require: ,\r\nContact:"),
        base.replace("Contact:", "Path: sip:no-brackets\r\nContact:"),
    ];
    for text in &cases {
        let msg = raw(text);
        let resp = r.handle(t0, &msg, Some("bob"));
        assert_eq!(resp.status(), Some(400), "{text}");
    }
    assert!(r.location().is_empty());
    // Folded header lines are copied into the response unfolded.
    let folded = base.replace(
        "Via: SIP/2.0/TLS client.biloxi.example.com:5061;",
        "Via: SIP/2.0/TLS client.biloxi.example.com:5061\r\n ;",
    );
    let ok = r.handle(t0, &raw(&folded), None);
    assert_eq!(ok.status(), Some(200));
    assert_eq!(
        ok.header(&HeaderName::Via),
        Some("SIP/2.0/TLS client.biloxi.example.com:5061 ;branch=z9hG4bKnashd1")
    );
    assert!(ok.typed::<To>().unwrap().tag().is_some());
}

/// RFC 3261 §8.2.1: a method the server does not support gets 405 with
/// Allow.
#[test]
fn rfc3261_8_2_1_other_methods_are_405() {
    let mut r = registrar();
    let text = register(1, &[])
        .to_string()
        .replace("REGISTER sips:", "OPTIONS sips:")
        .replace("1 REGISTER", "1 OPTIONS");
    let resp = r.handle(t0(), &raw(&text), None);
    assert_eq!(resp.status(), Some(405));
    assert_eq!(resp.header(&HeaderName::Allow), Some("REGISTER"));
}

/// A store that fails every write: the registrar answers 500 and no
/// binding is visible.
#[derive(Debug, Default)]
struct BrokenStore;

impl LocationService for BrokenStore {
    fn lookup(&self, _: Instant, _: &str) -> Vec<Binding> {
        Vec::new()
    }
    fn apply(&mut self, _: Instant, _: &str, _: &[BindingChange]) -> Result<(), LocationError> {
        Err(LocationError::Unavailable)
    }
    fn remove_all(&mut self, _: Instant, _: &str) -> Result<(), LocationError> {
        Err(LocationError::Unavailable)
    }
}

/// RFC 3261 §10.3 step 7: "If any one of them fails (for example, because
/// the back-end database commit failed), the request MUST fail with a 500
/// (Server Error) response".
#[test]
fn rfc3261_10_3_step7_store_failure_is_500() {
    let mut r = Registrar::new(config(), BrokenStore);
    let t0 = t0();
    let resp = r.handle(
        t0,
        &register(1, &["Contact: <sips:bob@client.biloxi.example.com>"]),
        None,
    );
    assert_eq!(resp.status(), Some(500));
    assert!(contacts(&resp).is_empty());
    let resp = r.handle(t0, &register(2, &["Contact: *", "Expires: 0"]), None);
    assert_eq!(resp.status(), Some(500));
}

// -------------------------------------------------------- location service

/// RFC 3261 §10.3 step 5: "all URI parameters MUST be removed (including
/// the user-param), and any escaped characters MUST be converted to their
/// unescaped form. The result serves as an index into the list of
/// bindings."
#[test]
fn rfc3261_10_3_step5_canonical_aor() {
    let key = |s: &str| canonical_aor(&Uri::parse(s).unwrap());
    assert_eq!(
        key("sip:%2B1555@Biloxi.Example.COM;user=phone;transport=udp?x=y").as_deref(),
        Some("sip:+1555@biloxi.example.com")
    );
    assert_eq!(key("sip:bob@biloxi.com"), key("sip:b%6Fb@BILOXI.com;lr"));
    // Userinfo is case-sensitive (§19.1.4); ports and schemes count.
    assert_ne!(key("sip:Bob@biloxi.com"), key("sip:bob@biloxi.com"));
    assert_ne!(key("sip:bob@biloxi.com:5060"), key("sip:bob@biloxi.com"));
    assert_ne!(key("sips:bob@biloxi.com"), key("sip:bob@biloxi.com"));
    assert_eq!(key("sip:biloxi.com").as_deref(), Some("sip:biloxi.com"));
    assert_eq!(key("tel:+15551234"), None);
    // The registrar uses the To URI's canonical form.
    let mut r = registrar();
    let t0 = t0();
    let text = register(1, &["Contact: <sips:bob@client.biloxi.example.com>"]).to_string();
    let escaped = raw(&text.replace(
        "To: Bob <sips:bob@biloxi.example.com>",
        "To: <sips:%62ob@BILOXI.example.com;user=ip>",
    ));
    assert_eq!(r.handle(t0, &escaped, None).status(), Some(200));
    assert_eq!(bound(&r, t0), ["sips:bob@client.biloxi.example.com"]);
}

fn binding(contact: &NameAddr, at: Instant, expires_at: Instant) -> Binding {
    Binding {
        contact: contact.clone(),
        expires_at,
        q: 1000,
        call_id: "c".to_owned(),
        cseq: 1,
        path: Vec::new(),
        source: None,
        registered_at: at,
    }
}

fn desk() -> NameAddr {
    NameAddr::new(None, &Uri::parse("sip:desk@192.0.2.1").unwrap())
}

/// RFC 3261 §10.2.1: bindings are soft state. After 100,000 bindings
/// expire, one purge leaves the table and the expiry heap empty, having
/// examined each entry once.
#[test]
fn memory_location_purges_100k_expired_bindings() {
    let mut loc = MemoryLocation::new();
    let t0 = t0();
    let contact = desk();
    for i in 0..100_000u64 {
        let at = t0 + Duration::from_millis(i);
        let b = binding(&contact, at, at + secs(200));
        loc.apply(
            at,
            &format!("sip:u{i}@biloxi.example.com"),
            &[BindingChange::Upsert(b)],
        )
        .unwrap();
    }
    let s = loc.stats();
    assert_eq!(
        (s.bindings, s.aors, s.heap_entries, s.examined),
        (100_000, 100_000, 100_000, 0)
    );
    let end = t0 + secs(200) + Duration::from_millis(100_000);
    assert!(loc.lookup(end, "sip:u99999@biloxi.example.com").is_empty());
    assert_eq!(loc.purge(end), 100_000);
    assert_eq!(
        loc.stats(),
        MemoryStats {
            bindings: 0,
            aors: 0,
            heap_entries: 0,
            examined: 100_000
        }
    );
    assert!(loc.is_empty());
    assert_eq!(loc.poll_timeout(), None);
}

/// Purging costs what expired, not what is stored: with 100,000 long-lived
/// bindings and 10 short ones, the purge at the short expiry examines 10
/// heap entries, and a purge with nothing due examines none.
#[test]
fn memory_location_purge_cost_is_proportional_to_what_expired() {
    let mut loc = MemoryLocation::new();
    let t0 = t0();
    let contact = desk();
    for i in 0..100_000u32 {
        let b = binding(&contact, t0, t0 + secs(3600));
        loc.apply(t0, &format!("sip:long{i}@x"), &[BindingChange::Upsert(b)])
            .unwrap();
    }
    for i in 0..10u32 {
        let b = binding(&contact, t0, t0 + secs(60));
        loc.apply(t0, &format!("sip:short{i}@x"), &[BindingChange::Upsert(b)])
            .unwrap();
    }
    assert_eq!(loc.poll_timeout(), Some(t0 + secs(60)));
    assert_eq!(loc.purge(t0 + secs(59)), 0);
    assert_eq!(loc.stats().examined, 0);
    assert_eq!(loc.purge(t0 + secs(60)), 10);
    assert_eq!(loc.stats().examined, 10);
    assert_eq!(loc.purge(t0 + secs(61)), 0);
    assert_eq!(loc.stats().examined, 10);
    assert_eq!(loc.len(), 100_000);
    assert_eq!(loc.poll_timeout(), Some(t0 + secs(3600)));
}

/// A lookup never returns an expired binding, purged or not, and a refresh
/// leaves a stale heap entry that a purge discards without removing the
/// refreshed binding.
#[test]
fn memory_location_refresh_and_lazy_deletion() {
    let mut loc = MemoryLocation::new();
    let t0 = t0();
    let aor = "sip:bob@biloxi.example.com";
    let contact = desk();
    loc.apply(
        t0,
        aor,
        &[BindingChange::Upsert(binding(&contact, t0, t0 + secs(60)))],
    )
    .unwrap();
    assert_eq!(loc.lookup(t0 + secs(59), aor).len(), 1);
    assert!(loc.lookup(t0 + secs(60), aor).is_empty());
    // Refresh at 30 s for 60 s more: two heap entries, one binding.
    let t1 = t0 + secs(30);
    loc.apply(
        t1,
        aor,
        &[BindingChange::Upsert(binding(&contact, t1, t1 + secs(60)))],
    )
    .unwrap();
    assert_eq!((loc.len(), loc.stats().heap_entries), (1, 2));
    assert_eq!(loc.purge(t0 + secs(60)), 0);
    assert_eq!(loc.lookup(t0 + secs(60), aor).len(), 1);
    assert_eq!(loc.purge(t1 + secs(60)), 1);
    assert_eq!(loc.stats().heap_entries, 0);
    // Many refreshes do not grow the heap without bound.
    for i in 0..10_000u64 {
        let at = t1 + Duration::from_millis(i);
        loc.apply(
            at,
            aor,
            &[BindingChange::Upsert(binding(
                &contact,
                at,
                at + secs(3600),
            ))],
        )
        .unwrap();
    }
    assert_eq!(loc.len(), 1);
    assert!(loc.stats().heap_entries <= 2 * loc.len() + 65);
    // Remove and remove_all.
    loc.apply(t1, aor, &[BindingChange::Remove(contact.uri().clone())])
        .unwrap();
    assert!(loc.is_empty());
    loc.apply(
        t1,
        aor,
        &[BindingChange::Upsert(binding(&contact, t1, t1 + secs(60)))],
    )
    .unwrap();
    loc.remove_all(t1, aor).unwrap();
    assert!(loc.lookup(t1, aor).is_empty());
    assert_eq!(loc.purge(t1 + secs(7200)), 0);
    assert_eq!(loc.stats().heap_entries, 0);
}
