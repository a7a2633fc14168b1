//! Shared inputs for the benchmarks: the five-message corpus of
//! `parser-peers` (copied here, so nothing outside the workspace is read at
//! build time), the transaction fields every parser must find in it, and the
//! sip-message side of the comparison.
//!
//! The peer adapters (rsip, rsipstack) and the memchr baseline live in
//! `benches/peers/mod.rs`, because those crates are dev-dependencies; the
//! `parser` benchmark and the `agree` test both include that file.

use bytes::Bytes;

/// What a transaction layer reads from a message (top Via branch, CSeq
/// number and method, Call-ID, From tag, To tag), spelled out for one
/// well-formed message so every parser's answer can be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expected {
    /// `branch` parameter of the top Via.
    pub branch: &'static str,
    /// CSeq sequence number.
    pub cseq: u32,
    /// CSeq method, as written.
    pub method: &'static str,
    /// Call-ID value.
    pub call_id: &'static str,
    /// `tag` parameter of From.
    pub from_tag: Option<&'static str>,
    /// `tag` parameter of To.
    pub to_tag: Option<&'static str>,
}

/// One corpus message.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Short id, used in benchmark names (`invite`, `ok_200`, ...).
    pub id: &'static str,
    /// One-line description.
    pub description: &'static str,
    /// The datagram.
    pub bytes: Bytes,
    /// The fields every parser must read from it.
    pub expected: Expected,
}

/// Borrowed views of the transaction fields, as one parser read them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fields<'a> {
    /// `branch` parameter of the top Via.
    pub branch: Option<&'a str>,
    /// CSeq sequence number.
    pub cseq: u32,
    /// CSeq method.
    pub method: &'a str,
    /// Call-ID value.
    pub call_id: &'a str,
    /// `tag` parameter of From.
    pub from_tag: Option<&'a str>,
    /// `tag` parameter of To.
    pub to_tag: Option<&'a str>,
}

impl Fields<'_> {
    /// Whether these are exactly the expected fields.
    pub fn matches(&self, e: &Expected) -> bool {
        self.branch == Some(e.branch)
            && self.cseq == e.cseq
            && self.method == e.method
            && self.call_id == e.call_id
            && self.from_tag == e.from_tag
            && self.to_tag == e.to_tag
    }
}

/// Result type of the adapters; the error is a printable description.
pub type Res<T> = Result<T, String>;

/// Formats an error for [`Res`] (only on the failure path).
pub fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// Appends a computed `Content-Length` and the blank line to a head, then
/// the body, so the framing is always exact.
fn with_body(head_without_length: &str, body: &str) -> Bytes {
    let mut s = String::with_capacity(head_without_length.len() + body.len() + 32);
    s.push_str(head_without_length);
    s.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    s.push_str(body);
    Bytes::from(s.into_bytes())
}

/// Head of the INVITE, without Content-Length (14 headers with it).
pub const INVITE_HEAD: &str = "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport\r\n\
Max-Forwards: 70\r\n\
Route: <sip:p1.atlanta.example.com;lr>\r\n\
Record-Route: <sip:p2.biloxi.example.com;lr>\r\n\
To: Bob <sip:bob@biloxi.example.com>\r\n\
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n\
CSeq: 314159 INVITE\r\n\
Contact: <sip:alice@pc33.atlanta.example.com:5060;transport=udp>\r\n\
Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, SUBSCRIBE, INFO, UPDATE, PRACK\r\n\
Supported: replaces, timer, 100rel, path\r\n\
User-Agent: ExamplePhone/4.2\r\n\
Content-Type: application/sdp\r\n";

/// SDP offer carried by the INVITE.
pub const INVITE_SDP: &str = "v=0\r\n\
o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\n\
s=-\r\n\
c=IN IP4 192.0.2.101\r\n\
t=0 0\r\n\
m=audio 49172 RTP/AVP 0 8 101\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-16\r\n\
a=ptime:20\r\n\
a=sendrecv\r\n";

const OK_HEAD: &str = "SIP/2.0 200 OK\r\n\
Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport=5060;received=192.0.2.101\r\n\
Record-Route: <sip:p2.biloxi.example.com;lr>\r\n\
To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n\
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n\
CSeq: 314159 INVITE\r\n\
Contact: <sip:bob@192.0.2.4:5060;transport=udp>\r\n\
Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, UPDATE, PRACK\r\n\
Supported: replaces, timer\r\n\
Content-Type: application/sdp\r\n";

const OK_SDP: &str = "v=0\r\n\
o=bob 2808844564 2808844564 IN IP4 192.0.2.4\r\n\
s=-\r\n\
c=IN IP4 192.0.2.4\r\n\
t=0 0\r\n\
m=audio 3456 RTP/AVP 0 101\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-16\r\n\
a=ptime:20\r\n\
a=sendrecv\r\n";

const REGISTER: &str = "REGISTER sip:registrar.biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP bobspc.biloxi.example.com:5060;branch=z9hG4bKnashds7;rport\r\n\
Max-Forwards: 70\r\n\
To: Bob <sip:bob@biloxi.example.com>\r\n\
From: Bob <sip:bob@biloxi.example.com>;tag=456248\r\n\
Call-ID: 843817637684230@998sdasdh09\r\n\
CSeq: 1826 REGISTER\r\n\
Contact: <sip:bob@192.0.2.4:5060;transport=udp>;expires=3600\r\n\
Authorization: Digest username=\"bob\", realm=\"biloxi.example.com\", \
nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"sip:registrar.biloxi.example.com\", \
response=\"6629fae49393a05397450978507c4ef1\", algorithm=MD5, cnonce=\"0a4f113b\", \
qop=auth, nc=00000001, opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"\r\n\
Expires: 3600\r\n\
User-Agent: ExamplePhone/4.2\r\n\
Content-Length: 0\r\n\
\r\n";

const NOTIFY_HEAD: &str = "NOTIFY sip:alice@pc33.atlanta.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP ps.biloxi.example.com:5060;branch=z9hG4bKna998sk;rport\r\n\
Max-Forwards: 70\r\n\
To: Alice <sip:alice@atlanta.example.com>;tag=78923\r\n\
From: <sip:bob@biloxi.example.com>;tag=ffd2\r\n\
Call-ID: 2010@pc33.atlanta.example.com\r\n\
CSeq: 8 NOTIFY\r\n\
Contact: <sip:ps.biloxi.example.com>\r\n\
Event: presence\r\n\
Subscription-State: active;expires=599\r\n\
Content-Type: application/pidf+xml\r\n";

const NOTIFY_PIDF: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n\
<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:bob@biloxi.example.com\">\r\n\
<tuple id=\"a1\"><status><basic>open</basic></status><contact>sip:bob@192.0.2.4</contact></tuple>\r\n\
</presence>\r\n";

const BYE: &str = "BYE sip:alice@pc33.atlanta.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKnashds10;rport\r\n\
Max-Forwards: 70\r\n\
From: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n\
To: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n\
CSeq: 231 BYE\r\n\
Content-Length: 0\r\n\
\r\n";

/// The five well-formed messages, in table order: `invite` (937 bytes),
/// `ok_200`, `register`, `notify`, `bye`.
pub fn samples() -> Vec<Sample> {
    vec![
        Sample {
            id: "invite",
            description: "INVITE with SDP offer (14 headers)",
            bytes: with_body(INVITE_HEAD, INVITE_SDP),
            expected: Expected {
                branch: "z9hG4bK776asdhds",
                cseq: 314159,
                method: "INVITE",
                call_id: "a84b4c76e66710@pc33.atlanta.example.com",
                from_tag: Some("1928301774"),
                to_tag: None,
            },
        },
        Sample {
            id: "ok_200",
            description: "200 OK to the INVITE, SDP answer (11 headers)",
            bytes: with_body(OK_HEAD, OK_SDP),
            expected: Expected {
                branch: "z9hG4bK776asdhds",
                cseq: 314159,
                method: "INVITE",
                call_id: "a84b4c76e66710@pc33.atlanta.example.com",
                from_tag: Some("1928301774"),
                to_tag: Some("a6c85cf"),
            },
        },
        Sample {
            id: "register",
            description: "REGISTER with digest Authorization (11 headers)",
            bytes: Bytes::from_static(REGISTER.as_bytes()),
            expected: Expected {
                branch: "z9hG4bKnashds7",
                cseq: 1826,
                method: "REGISTER",
                call_id: "843817637684230@998sdasdh09",
                from_tag: Some("456248"),
                to_tag: None,
            },
        },
        Sample {
            id: "notify",
            description: "NOTIFY with PIDF body (12 headers)",
            bytes: with_body(NOTIFY_HEAD, NOTIFY_PIDF),
            expected: Expected {
                branch: "z9hG4bKna998sk",
                cseq: 8,
                method: "NOTIFY",
                call_id: "2010@pc33.atlanta.example.com",
                from_tag: Some("ffd2"),
                to_tag: Some("78923"),
            },
        },
        Sample {
            id: "bye",
            description: "in-dialog BYE, no body (7 headers)",
            bytes: Bytes::from_static(BYE.as_bytes()),
            expected: Expected {
                branch: "z9hG4bKnashds10",
                cseq: 231,
                method: "BYE",
                call_id: "a84b4c76e66710@pc33.atlanta.example.com",
                from_tag: Some("a6c85cf"),
                to_tag: Some("1928301774"),
            },
        },
    ]
}

/// The sip-message side: parse, the transaction-field read, the proxy edit
/// and the builder, exactly as the benchmark times them.
pub mod ours {
    use bytes::{Bytes, BytesMut};
    use sip_message::{CSeq, From, HeaderName, Message, Method, To, Uri, Via};

    use crate::{err, Fields, Res};

    /// The Via line the proxy benchmark prepends.
    pub const PROXY_VIA: &str = "SIP/2.0/UDP p1.example.com;branch=z9hG4bKp1";

    /// Bytes -> [`Message`]. The input is cloned (a refcount increment),
    /// because the message keeps the datagram.
    pub fn parse(buf: &Bytes) -> Res<Message> {
        Message::parse(buf.clone()).map_err(err)
    }

    /// Parses, reads the transaction fields through the typed-header API
    /// and hands borrowed views of them to `f`.
    pub fn fields<R>(buf: &Bytes, f: impl FnOnce(&Fields<'_>) -> R) -> Res<R> {
        let msg = parse(buf)?;
        let via: Via = msg.typed().map_err(err)?;
        let cseq: CSeq = msg.typed().map_err(err)?;
        let call_id = msg.call_id().ok_or("no Call-ID")?;
        let from: From = msg.typed().map_err(err)?;
        let to: To = msg.typed().map_err(err)?;
        Ok(f(&Fields {
            branch: via.branch(),
            cseq: cseq.seq,
            method: cseq.method.as_str(),
            call_id,
            from_tag: from.tag(),
            to_tag: to.tag(),
        }))
    }

    /// The edit a proxy makes on a request it forwards (RFC 3261 §16.6):
    /// its own Via on top and its Route entry popped.
    pub fn proxy_edit(msg: &mut Message) {
        msg.prepend_header(HeaderName::Via, PROXY_VIA);
        msg.remove_first_value(&HeaderName::Route);
    }

    /// Parse, [`proxy_edit`], serialize into `out` (cleared first).
    pub fn proxy_forward(buf: &Bytes, out: &mut BytesMut) -> Res<()> {
        let mut msg = parse(buf)?;
        proxy_edit(&mut msg);
        out.clear();
        msg.write_to(out);
        Ok(())
    }

    /// Builds the corpus INVITE from its parts with [`Message::request`]
    /// (Request-URI parse included); the result is byte-identical to the
    /// corpus message.
    pub fn build_invite() -> Res<Message> {
        let uri = Uri::parse("sip:bob@biloxi.example.com").map_err(err)?;
        Message::request(Method::Invite, uri)
            .header(
                HeaderName::Via,
                "SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport",
            )
            .header(HeaderName::MaxForwards, "70")
            .header(HeaderName::Route, "<sip:p1.atlanta.example.com;lr>")
            .header(HeaderName::RecordRoute, "<sip:p2.biloxi.example.com;lr>")
            .header(HeaderName::To, "Bob <sip:bob@biloxi.example.com>")
            .header(
                HeaderName::From,
                "Alice <sip:alice@atlanta.example.com>;tag=1928301774",
            )
            .header(HeaderName::CallId, "a84b4c76e66710@pc33.atlanta.example.com")
            .header(HeaderName::CSeq, "314159 INVITE")
            .header(
                HeaderName::Contact,
                "<sip:alice@pc33.atlanta.example.com:5060;transport=udp>",
            )
            .header(
                HeaderName::Allow,
                "INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, SUBSCRIBE, INFO, UPDATE, PRACK",
            )
            .header(HeaderName::Supported, "replaces, timer, 100rel, path")
            .header(HeaderName::UserAgent, "ExamplePhone/4.2")
            .body(Bytes::from_static(crate::INVITE_SDP.as_bytes()), "application/sdp")
            .build()
            .map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sip_message::{HeaderName, Via};

    #[test]
    fn corpus_framing() {
        let ids: Vec<_> = samples().iter().map(|s| s.id).collect();
        assert_eq!(ids, ["invite", "ok_200", "register", "notify", "bye"]);
        for s in samples() {
            let text = std::str::from_utf8(&s.bytes).unwrap();
            let head_end = text.find("\r\n\r\n").unwrap() + 4;
            let cl: usize = text
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .unwrap()
                .trim()
                .parse()
                .unwrap();
            assert_eq!(cl, s.bytes.len() - head_end, "{}", s.id);
        }
        assert_eq!(samples()[0].bytes.len(), 937);
    }

    #[test]
    fn unedited_message_serializes_to_its_input() {
        for s in samples() {
            let msg = ours::parse(&s.bytes).unwrap();
            assert_eq!(msg.to_bytes(), s.bytes, "{}", s.id);
        }
    }

    #[test]
    fn proxy_edit_adds_via_and_pops_route() {
        let invite = samples()[0].bytes.clone();
        let mut out = bytes::BytesMut::new();
        ours::proxy_forward(&invite, &mut out).unwrap();
        let msg = ours::parse(&out.freeze()).unwrap();
        let top: Via = msg.typed().unwrap();
        assert_eq!(top.branch(), Some("z9hG4bKp1"));
        assert_eq!(msg.header_values(&HeaderName::Via).count(), 2);
        assert!(!msg.has_header(&HeaderName::Route));
    }

    #[test]
    fn builder_reproduces_the_invite() {
        let built = ours::build_invite().unwrap();
        assert_eq!(built.to_bytes(), samples()[0].bytes);
    }
}
