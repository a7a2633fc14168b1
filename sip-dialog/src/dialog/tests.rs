//! Dialog creation, routing and sequence rules (RFC 3261 §12, §13.2.2.4).

use bytes::Bytes;
use sip_message::{CSeq, HeaderName, Message, Method, Route};

use super::*;

/// The INVITE of RFC 3665 §3.2 (a session through two proxies), as Alice
/// sends it.
fn invite() -> Message {
    Message::parse(Bytes::from_static(
        b"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\r\n\
Max-Forwards: 70\r\n\
From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n\
To: Bob <sip:bob@biloxi.example.com>\r\n\
Call-ID: 3848276298220188511@atlanta.example.com\r\n\
CSeq: 1 INVITE\r\n\
Contact: <sip:alice@client.atlanta.example.com;transport=tcp>\r\n\
Content-Length: 0\r\n\r\n",
    ))
    .unwrap()
}

/// The INVITE as it reaches Bob: both proxies recorded their route.
fn invite_at_bob() -> Message {
    let mut m = invite();
    m.prepend_header(HeaderName::RecordRoute, "<sip:ss1.atlanta.example.com;lr>");
    m.prepend_header(HeaderName::RecordRoute, "<sip:ss2.biloxi.example.com;lr>");
    m
}

fn response(code: u16, tag: &str, contact: Option<&str>, rr: &[&str]) -> Message {
    let mut b = invite_at_bob().response_to(code, Some(tag)).unwrap();
    for r in rr {
        b = b.header("Record-Route", r);
    }
    if let Some(c) = contact {
        b = b.header("Contact", c);
    }
    b.build().unwrap()
}

fn ok_200() -> Message {
    response(
        200,
        "314159",
        Some("<sip:bob@client.biloxi.example.com;transport=tcp>"),
        &[
            "<sip:ss2.biloxi.example.com;lr>",
            "<sip:ss1.atlanta.example.com;lr>",
        ],
    )
}

fn routes(m: &Message) -> Vec<String> {
    m.typed_all::<Route>()
        .map(|r| r.unwrap().as_str().to_owned())
        .collect()
}

/// RFC 3261 §12.1.2: the UAC's route set is the Record-Route of the
/// response "taken in reverse order", the remote target its Contact, the
/// local sequence number the INVITE's; §12.2.1.1: a BYE uses "the local
/// sequence number ... incremented by one", Route headers from the route
/// set and the remote target as Request-URI when the first route is loose.
#[test]
fn rfc3261_12_1_2_uac_dialog_routes_in_reverse_and_bye_follows() {
    let mut d = Dialog::uac(&invite(), &ok_200()).unwrap();
    assert_eq!(d.state(), DialogState::Confirmed);
    assert_eq!(d.id().local_tag, "9fxced76sl");
    assert_eq!(d.id().remote_tag, "314159");
    assert_eq!(d.local_seq(), Some(1));
    assert_eq!(d.remote_seq(), None);
    let bye = d.request(Method::Bye).unwrap();
    assert_eq!(bye.next_hop.as_str(), "sip:ss1.atlanta.example.com;lr");
    let bye = bye.builder.build().unwrap();
    assert_eq!(
        bye.request_uri_str(),
        Some("sip:bob@client.biloxi.example.com;transport=tcp")
    );
    assert_eq!(
        routes(&bye),
        [
            "<sip:ss1.atlanta.example.com;lr>",
            "<sip:ss2.biloxi.example.com;lr>"
        ]
    );
    assert_eq!(bye.typed::<CSeq>().unwrap(), CSeq::new(2, Method::Bye));
    assert_eq!(
        bye.header(&HeaderName::From),
        Some("Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl")
    );
    assert_eq!(
        bye.header(&HeaderName::To),
        Some("\"Bob\" <sip:bob@biloxi.example.com>;tag=314159")
    );
    assert_eq!(
        bye.call_id(),
        Some("3848276298220188511@atlanta.example.com")
    );
    // With the Via the transaction layer adds, it passes a server's checks.
    let mut bye = bye;
    bye.prepend_header(
        HeaderName::Via,
        "SIP/2.0/TCP client.atlanta.example.com;branch=z9hG4bKb1",
    );
    bye.validate().unwrap();
}

/// RFC 3261 §12.1.1: the UAS's route set is the request's Record-Route
/// "taken in order", the remote target the request's Contact, the remote
/// sequence number its CSeq and the local one empty.
#[test]
fn rfc3261_12_1_1_uas_dialog_routes_in_order() {
    let mut d = Dialog::uas(&invite_at_bob(), "314159", true).unwrap();
    assert_eq!(d.id().local_tag, "314159");
    assert_eq!(d.id().remote_tag, "9fxced76sl");
    assert_eq!(d.remote_seq(), Some(1));
    assert_eq!(d.local_seq(), None);
    assert_eq!(
        d.remote_target().as_str(),
        "sip:alice@client.atlanta.example.com;transport=tcp"
    );
    let bye = d.request(Method::Bye).unwrap();
    assert_eq!(bye.next_hop.as_str(), "sip:ss2.biloxi.example.com;lr");
    let bye = bye.builder.build().unwrap();
    assert_eq!(
        routes(&bye),
        [
            "<sip:ss2.biloxi.example.com;lr>",
            "<sip:ss1.atlanta.example.com;lr>"
        ]
    );
    // Bob's BYE: From is Bob with his tag, To is Alice with hers.
    assert_eq!(
        bye.header(&HeaderName::From),
        Some("\"Bob\" <sip:bob@biloxi.example.com>;tag=314159")
    );
    assert_eq!(
        bye.header(&HeaderName::To),
        Some("Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl")
    );
    assert_eq!(bye.typed::<CSeq>().unwrap().seq, 1);
    // The ids of both sides mirror each other.
    let uac = Dialog::uac(&invite(), &ok_200()).unwrap();
    assert_eq!(uac.id().local_tag, d.id().remote_tag);
    assert_eq!(uac.id().remote_tag, d.id().local_tag);
}

/// RFC 3261 §12.1.2 and §13.2.2.4: a 1xx with a To tag makes an early
/// dialog; the 2xx confirms it and "the route set for the dialog MUST be
/// recomputed based on the 2xx response". Another fork's 2xx (another
/// tag) is another dialog.
#[test]
fn rfc3261_13_2_2_4_early_dialog_confirmed_and_recomputed() {
    let ringing = response(
        180,
        "314159",
        Some("<sip:bob@early.example.com>"),
        &["<sip:only-early.example.com;lr>"],
    );
    let mut d = Dialog::uac(&invite(), &ringing).unwrap();
    assert_eq!(d.state(), DialogState::Early);
    assert_eq!(d.remote_target().as_str(), "sip:bob@early.example.com");
    let other_fork = response(200, "271828", Some("<sip:bob@other.example.com>"), &[]);
    assert_eq!(d.confirm(&other_fork), Err(DialogError::WrongDialog));
    d.confirm(&ok_200()).unwrap();
    assert_eq!(d.state(), DialogState::Confirmed);
    assert_eq!(
        d.remote_target().as_str(),
        "sip:bob@client.biloxi.example.com;transport=tcp"
    );
    assert_eq!(d.route_set().len(), 2);
    assert_eq!(
        d.route_set()[0].as_str(),
        "<sip:ss1.atlanta.example.com;lr>"
    );
    // A 1xx without Contact still makes an early dialog, aimed at the
    // Request-URI until the 2xx says otherwise.
    let bare = response(180, "1", None, &[]);
    let d = Dialog::uac(&invite(), &bare).unwrap();
    assert_eq!(d.remote_target().as_str(), "sip:bob@biloxi.example.com");
    // Without a To tag there is no dialog.
    let trying = invite().response_to(100, None).unwrap().build().unwrap();
    assert_eq!(
        Dialog::uac(&invite(), &trying).unwrap_err(),
        DialogError::NoRemoteTag
    );
}

/// RFC 3261 §12.2.1.1: with a strict router first, "the UAC MUST place the
/// first URI from the route set into the Request-URI, stripping any
/// parameters that are not allowed in a Request-URI", put the rest of the
/// route set in Route headers "and then place the remote target URI into
/// the Route header field as the last value".
#[test]
fn rfc3261_12_2_1_1_strict_router_first() {
    let ok = response(
        200,
        "s1",
        Some("<sip:bob@client.biloxi.example.com>"),
        &[
            "<sip:loose.example.com;lr>",
            "<sip:strict.example.com;method=INVITE;maddr=192.0.2.1>",
        ],
    );
    let mut d = Dialog::uac(&invite(), &ok).unwrap();
    let r = d.request(Method::Bye).unwrap();
    assert_eq!(
        r.next_hop.as_str(),
        "sip:strict.example.com;maddr=192.0.2.1"
    );
    let bye = r.builder.build().unwrap();
    assert_eq!(
        bye.request_uri_str(),
        Some("sip:strict.example.com;maddr=192.0.2.1")
    );
    assert_eq!(
        routes(&bye),
        [
            "<sip:loose.example.com;lr>",
            "<sip:bob@client.biloxi.example.com>"
        ]
    );
}

/// RFC 3261 §12.2.1.1 with an empty route set: "the UAC MUST place the
/// remote target URI into the Request-URI" and add no Route.
#[test]
fn rfc3261_12_2_1_1_empty_route_set() {
    let ok = response(200, "e1", Some("<sip:bob@198.51.100.2:5062>"), &[]);
    let mut d = Dialog::uac(&invite(), &ok).unwrap();
    let r = d.request(Method::Info).unwrap();
    assert_eq!(r.next_hop.as_str(), "sip:bob@198.51.100.2:5062");
    let m = r.builder.build().unwrap();
    assert!(routes(&m).is_empty());
    assert_eq!(m.request_uri_str(), Some("sip:bob@198.51.100.2:5062"));
}

/// RFC 3261 §12.2.2: a request with a CSeq lower than the remote sequence
/// number "MUST be rejected with a 500"; a target refresh request changes
/// the remote target; ACK and CANCEL reuse the INVITE's number.
#[test]
fn rfc3261_12_2_2_cseq_order_and_target_refresh() {
    let mut d = Dialog::uas(&invite_at_bob(), "314159", true).unwrap();
    let in_dialog = |method: &str, seq: u32, contact: &str| {
        Message::parse(Bytes::from(format!(
            "{method} sip:bob@client.biloxi.example.com SIP/2.0\r\nVia: SIP/2.0/TCP client.atlanta.example.com;branch=z9hG4bK{seq}{method}\r\nMax-Forwards: 70\r\nFrom: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\nTo: Bob <sip:bob@biloxi.example.com>;tag=314159\r\nCall-ID: 3848276298220188511@atlanta.example.com\r\nCSeq: {seq} {method}\r\nContact: {contact}\r\nContent-Length: 0\r\n\r\n"
        )))
        .unwrap()
    };
    d.handle_request(&in_dialog("ACK", 1, "<sip:x@y>")).unwrap();
    d.handle_request(&in_dialog("INVITE", 2, "<sip:alice@moved.example.com>"))
        .unwrap();
    assert_eq!(d.remote_target().as_str(), "sip:alice@moved.example.com");
    assert_eq!(d.remote_seq(), Some(2));
    // INFO is not a target refresh.
    d.handle_request(&in_dialog("INFO", 3, "<sip:alice@elsewhere.example.com>"))
        .unwrap();
    assert_eq!(d.remote_target().as_str(), "sip:alice@moved.example.com");
    assert_eq!(
        d.handle_request(&in_dialog("BYE", 2, "<sip:x@y>")),
        Err(DialogError::OutOfOrder { got: 2, remote: 3 })
    );
    // A request of another dialog is refused.
    let other = String::from_utf8(in_dialog("BYE", 9, "<sip:x@y>").to_bytes().to_vec())
        .unwrap()
        .replace("tag=314159", "tag=nope");
    let other = Message::parse(Bytes::from(other)).unwrap();
    assert_eq!(d.handle_request(&other), Err(DialogError::WrongDialog));
}

/// RFC 3261 §12.2.1.2: a 2xx to a re-INVITE replaces the remote target;
/// §13.2.2.4: the ACK carries the INVITE's CSeq number and does not move
/// the local sequence number.
#[test]
fn rfc3261_12_2_1_2_reinvite_2xx_refreshes_target_and_ack_keeps_cseq() {
    let mut d = Dialog::uac(&invite(), &ok_200()).unwrap();
    let reinvite = d.request(Method::Invite).unwrap().builder.build().unwrap();
    assert_eq!(reinvite.typed::<CSeq>().unwrap().seq, 2);
    let ok = reinvite
        .response_to(200, None)
        .unwrap()
        .header("Contact", "<sip:bob@new-address.example.com>")
        .build()
        .unwrap();
    d.handle_response(&ok);
    assert_eq!(
        d.remote_target().as_str(),
        "sip:bob@new-address.example.com"
    );
    let ack = d.ack(2).unwrap().builder.build().unwrap();
    assert_eq!(ack.typed::<CSeq>().unwrap(), CSeq::new(2, Method::Ack));
    assert_eq!(
        ack.request_uri_str(),
        Some("sip:bob@new-address.example.com")
    );
    assert_eq!(d.local_seq(), Some(2));
    // A 2xx to a non-refresh request leaves the target alone.
    let info = d.request(Method::Info).unwrap().builder.build().unwrap();
    let ok = info
        .response_to(200, None)
        .unwrap()
        .header("Contact", "<sip:bob@ignored.example.com>")
        .build()
        .unwrap();
    d.handle_response(&ok);
    assert_eq!(
        d.remote_target().as_str(),
        "sip:bob@new-address.example.com"
    );
}

#[test]
fn dialog_ids_from_both_directions() {
    let ok = ok_200();
    let id = DialogId::of_incoming_response(&ok).unwrap();
    assert_eq!(id.local_tag, "9fxced76sl");
    assert_eq!(id.remote_tag, "314159");
    assert!(
        DialogId::of_incoming_request(&invite()).is_none(),
        "no To tag"
    );
    assert_eq!(
        id.to_string(),
        "3848276298220188511@atlanta.example.com;local=9fxced76sl;remote=314159"
    );
}
