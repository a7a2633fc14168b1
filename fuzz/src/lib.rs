//! Checks shared by the fuzz targets: read every typed view of an accepted
//! message and hold it to the round-trip invariants (a value this crate
//! accepts must survive its own serialization, as in hickory-dns's fuzzers).

use std::fmt::Debug;

use sip_message::{
    Accept, CSeq, CallId, Contact, ContentLength, ContentType, Expires, From, MaxForwards, Message,
    MinExpires, NameAddr, RecordRoute, Route, SipUri, To, TypedHeader, Uri, Via,
};

/// `u == u`, and the text re-parses to an equal URI.
#[allow(clippy::eq_op)] // `u == u`: reflexivity is what is checked
pub fn check_uri(u: &Uri) {
    let _ = (u.scheme(), u.to_string());
    assert_eq!(u, u, "URI equality is reflexive");
    let again = Uri::parse(u.as_str()).expect("a URI's text parses");
    assert_eq!(&again, u);
    match u {
        Uri::Sip(s) => check_sip_uri(s),
        Uri::Tel(t) => {
            let _ = (t.number(), t.is_global(), t.params().count());
        }
        _ => {}
    }
}

fn check_sip_uri(s: &SipUri) {
    let _ = (s.scheme(), s.user(), s.user_raw(), s.password(), s.host());
    let _ = (
        s.host_kind(),
        s.ip(),
        s.port(),
        s.transport(),
        s.user_param(),
    );
    let _ = (s.method_param(), s.ttl(), s.maddr(), s.lr(), s.params_raw());
    let _ = (s.params().count(), s.headers().count(), s.has_headers());
    let w = s.without_headers();
    assert!(!w.has_headers());
    let again = SipUri::parse(w.as_str()).expect("a URI without its headers parses");
    assert!(!again.has_headers());
}

fn check_name_addr(a: &NameAddr) {
    let _ = (
        a.as_str(),
        a.display_name(),
        a.has_angle_brackets(),
        a.tag(),
    );
    let _ = (
        a.tag_slice(),
        a.params().iter().count(),
        a.params().get("q"),
    );
    check_uri(a.uri());
    let t = a
        .with_param("tag", Some("fuzz1"))
        .expect("a valid address takes a new tag");
    assert_eq!(t.tag(), Some("fuzz1"));
    let _ = a.with_uri(a.uri());
}

/// A typed value written back by `encode` parses to an equal value.
fn survives_encoding<H: TypedHeader + PartialEq + Debug>(h: &H) {
    let text = h.to_value_string();
    match H::parse_str(&text) {
        Ok(back) => assert_eq!(&back, h, "{text:?}"),
        Err(e) => panic!("{h:?} encodes as {text:?}, which does not parse: {e}"),
    }
}

/// Every value of a typed header that parses: `read` reads it, then it
/// must survive its own encoding.
fn typed<H: TypedHeader + PartialEq + Debug>(msg: &Message, read: impl Fn(&H)) {
    let _ = msg.typed_opt::<H>();
    for h in msg.typed_all::<H>().flatten() {
        read(&h);
        survives_encoding(&h);
    }
}

/// Reads every typed header that exists, validates, and checks that the
/// message prints as a prefix of `input` and re-parses to itself.
pub fn check_message(input: &[u8], msg: &Message) {
    let _ = (msg.is_request(), msg.method(), msg.version(), msg.status());
    let _ = (
        msg.reason(),
        msg.request_uri_str(),
        msg.call_id(),
        msg.body().len(),
    );
    if let Some(Ok(u)) = msg.request_uri() {
        assert_eq!(Some(u.as_str()), msg.request_uri_str());
        check_uri(&u);
    }
    for h in msg.headers() {
        let _ = (h.name.as_str(), h.name.compact(), h.raw_name, h.value);
    }
    typed::<Via>(msg, |v| {
        let _ = (v.transport(), v.host(), v.ip(), v.port(), v.branch());
        let _ = (
            v.received(),
            v.rport(),
            v.maddr(),
            v.ttl(),
            v.is_rfc3261_branch(),
        );
        let r = v
            .with_param("received", Some("192.0.2.1"))
            .expect("a valid Via takes received");
        assert_eq!(r.received(), Some("192.0.2.1"));
    });
    typed::<From>(msg, |a| check_name_addr(a));
    typed::<To>(msg, |a| check_name_addr(a));
    typed::<Route>(msg, |a| check_name_addr(a));
    typed::<RecordRoute>(msg, |a| check_name_addr(a));
    typed::<Contact>(msg, |c| {
        let _ = (c.q(), c.expires());
        if let Some(a) = c.address() {
            check_name_addr(a);
        }
    });
    typed::<CSeq>(msg, |_| {});
    typed::<CallId>(msg, |_| {});
    typed::<MaxForwards>(msg, |_| {});
    typed::<Expires>(msg, |_| {});
    typed::<MinExpires>(msg, |_| {});
    typed::<ContentLength>(msg, |_| {});
    typed::<ContentType>(msg, |c| {
        let _ = (c.mtype(), c.subtype(), c.params().iter().count());
    });
    typed::<Accept>(msg, |a| {
        let _ = a.accepts("application", "sdp");
    });
    if let Err(e) = msg.validate() {
        let _ = (e.kind(), e.offset(), e.to_string());
    }
    let _ = format!("{msg:?}{msg}");

    let wire = msg.to_bytes();
    assert!(
        input.starts_with(&wire),
        "an unedited message prints a prefix of its input"
    );
    let again = match Message::parse(wire.clone()) {
        Ok(m) => m,
        Err(e) => panic!("an accepted message must re-parse: {e}"),
    };
    assert_eq!(&again, msg, "re-parse differs");
    assert_eq!(again.to_bytes(), wire);
}
