//! Building requests and responses (RFC 3261 §8.1.1, §8.2.6).

use bytes::{Bytes, BytesMut};

use crate::error::ParseError;
use crate::header::{HeaderName, TypedHeader};
use crate::message::Message;
use crate::method::Method;
use crate::uri::Uri;

/// The reason phrase RFC 3261 §21 (and the RFCs after it) gives a status code.
pub fn reason_phrase(code: u16) -> &'static str {
    match code {
        100 => "Trying",
        180 => "Ringing",
        181 => "Call Is Being Forwarded",
        182 => "Queued",
        183 => "Session Progress",
        199 => "Early Dialog Terminated",
        200 => "OK",
        202 => "Accepted",
        204 => "No Notification",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Moved Temporarily",
        305 => "Use Proxy",
        380 => "Alternative Service",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        410 => "Gone",
        412 => "Conditional Request Failed",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Unsupported URI Scheme",
        420 => "Bad Extension",
        421 => "Extension Required",
        423 => "Interval Too Brief",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        482 => "Loop Detected",
        483 => "Too Many Hops",
        484 => "Address Incomplete",
        485 => "Ambiguous",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        489 => "Bad Event",
        491 => "Request Pending",
        493 => "Undecipherable",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Server Time-out",
        505 => "Version Not Supported",
        513 => "Message Too Large",
        600 => "Busy Everywhere",
        603 => "Decline",
        604 => "Does Not Exist Anywhere",
        606 => "Not Acceptable",
        _ => "",
    }
}

/// Builds a message line by line; `build` writes Content-Length itself,
/// so it always matches the body.
///
/// ```
/// use sip_message::{Message, Method, Uri, HeaderName, CSeq, Via};
/// let req = Message::request(Method::Register, Uri::parse("sip:registrar.biloxi.com").unwrap())
///     .header(HeaderName::Via, "SIP/2.0/UDP bobspc.biloxi.com:5060;branch=z9hG4bKnashds7")
///     .header(HeaderName::MaxForwards, "70")
///     .header(HeaderName::To, "Bob <sip:bob@biloxi.com>")
///     .header(HeaderName::From, "Bob <sip:bob@biloxi.com>;tag=456248")
///     .header(HeaderName::CallId, "843817637684230@998sdasdh09")
///     .typed(&CSeq::new(1826, Method::Register))
///     .header(HeaderName::Contact, "<sip:bob@192.0.2.4>")
///     .header(HeaderName::Expires, "7200")
///     .build()
///     .unwrap();
/// assert_eq!(req.typed::<Via>().unwrap().branch(), Some("z9hG4bKnashds7"));
/// assert_eq!(req.header(&HeaderName::ContentLength), Some("0"));
/// req.validate().unwrap();
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until build() is called"]
pub struct MessageBuilder {
    start: String,
    headers: Vec<(HeaderName, String)>,
    body: Bytes,
}

impl Message {
    /// Starts a request: `METHOD uri SIP/2.0`.
    pub fn request(method: Method, uri: Uri) -> MessageBuilder {
        MessageBuilder {
            start: format!("{method} {uri} SIP/2.0"),
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// Starts a response with the standard reason phrase of `code`.
    ///
    /// # Panics
    /// If `code` is not in 100-699.
    pub fn response(code: u16) -> MessageBuilder {
        Self::response_with_reason(code, reason_phrase(code))
    }

    /// Starts a response with a reason phrase of the caller's.
    ///
    /// # Panics
    /// If `code` is not in 100-699.
    pub fn response_with_reason(code: u16, reason: &str) -> MessageBuilder {
        assert!(
            (100..=699).contains(&code),
            "status code {code} outside 100-699"
        );
        MessageBuilder {
            start: format!("SIP/2.0 {code} {reason}"),
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// Starts a response to this request as RFC 3261 §8.2.6 says: Via
    /// lines (in order), From, To, Call-ID and CSeq are copied; when the To
    /// has no tag and `to_tag` is given, the tag is added (§8.2.6.2). A
    /// 100 (Trying) also copies Timestamp (§8.2.6.1).
    ///
    /// # Errors
    /// If the request's To header is malformed and a tag must be added.
    ///
    /// # Panics
    /// If this message is a response or `code` is not in 100-699.
    pub fn response_to(
        &self,
        code: u16,
        to_tag: Option<&str>,
    ) -> Result<MessageBuilder, ParseError> {
        assert!(self.is_request(), "response_to on a response");
        let mut b = Self::response(code);
        for h in self.headers() {
            match &h.name {
                HeaderName::Via | HeaderName::From | HeaderName::CallId | HeaderName::CSeq => {
                    b = b.header(h.name.clone(), h.value)
                }
                HeaderName::Timestamp if code == 100 => b = b.header(h.name.clone(), h.value),
                HeaderName::To => {
                    let to = crate::header::typed::To::parse_str(h.value)
                        .map_err(|e| e.rebase(h.value.as_bytes(), 0))?;
                    match (to.tag(), to_tag) {
                        (None, Some(tag)) => {
                            let t = to.0.with_param("tag", Some(tag))?;
                            b = b.typed(&crate::header::typed::To(t));
                        }
                        _ => b = b.header(HeaderName::To, h.value),
                    }
                }
                _ => {}
            }
        }
        Ok(b)
    }
}

/// Unfolds `CRLF 1*WSP` to one space (§7.3.1); any other CR or LF is an
/// error at its offset.
fn unfold(v: &str) -> Result<String, usize> {
    let b = v.as_bytes();
    let mut out = String::with_capacity(v.len());
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\r' if b.get(i + 1) == Some(&b'\n') && matches!(b.get(i + 2), Some(b' ' | b'\t')) => {
                out.push_str(v[start..i].trim_end_matches([' ', '\t']));
                out.push(' ');
                i += 2;
                while matches!(b.get(i), Some(b' ' | b'\t')) {
                    i += 1;
                }
                start = i;
            }
            b'\r' | b'\n' => return Err(i),
            _ => i += 1,
        }
    }
    out.push_str(&v[start..]);
    Ok(out)
}

impl MessageBuilder {
    /// Appends a header line. A Content-Length given here is ignored;
    /// `build` writes the right one.
    pub fn header(mut self, name: impl Into<HeaderName>, value: &str) -> Self {
        let name = name.into();
        if name != HeaderName::ContentLength {
            self.headers.push((name, value.to_owned()));
        }
        self
    }

    /// Appends a typed header line.
    pub fn typed<H: TypedHeader>(self, h: &H) -> Self {
        let v = h.to_value_string();
        self.header(H::NAME, &v)
    }

    /// Sets the body and its Content-Type.
    pub fn body(mut self, body: impl Into<Bytes>, content_type: &str) -> Self {
        self.headers.retain(|(n, _)| *n != HeaderName::ContentType);
        self.headers
            .push((HeaderName::ContentType, content_type.to_owned()));
        self.body = body.into();
        self
    }

    /// Writes the message in wire form into `out`.
    pub fn write_to(&self, out: &mut BytesMut) {
        out.reserve(self.start.len() + 32 * self.headers.len() + self.body.len() + 24);
        out.extend_from_slice(self.start.as_bytes());
        out.extend_from_slice(b"\r\n");
        for (n, v) in &self.headers {
            out.extend_from_slice(n.as_str().as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(v.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"Content-Length: ");
        out.extend_from_slice(self.body.len().to_string().as_bytes());
        out.extend_from_slice(b"\r\n\r\n");
        out.extend_from_slice(&self.body);
    }

    /// Builds the message (serialized once and parsed back, so what comes
    /// out is exactly what a peer will see).
    ///
    /// A value folded over lines (CRLF followed by whitespace, RFC 3261
    /// §7.3.1, as copied from a received request) is unfolded to one line
    /// with a single space, which §7.3.1 says is equivalent.
    ///
    /// # Errors
    /// If a header value the caller gave breaks the message grammar (for
    /// example contains a bare CR or LF, or a CRLF not followed by
    /// whitespace: a header injection).
    pub fn build(mut self) -> Result<Message, ParseError> {
        for (_, v) in &mut self.headers {
            if v.bytes().any(|b| b == b'\r' || b == b'\n') {
                *v = unfold(v).map_err(|i| {
                    ParseError::at(crate::ErrorKind::InvalidHeaderValue, v.as_bytes(), i)
                })?;
            }
        }
        let mut out = BytesMut::new();
        self.write_to(&mut out);
        Message::parse_datagram_limited(out.freeze(), usize::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::typed::{CSeq, To, Via};

    fn invite() -> Message {
        Message::parse(Bytes::from_static(
            b"INVITE sip:bob@biloxi.com SIP/2.0\r\n\
Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n\
Via: SIP/2.0/UDP bigbox3.site3.atlanta.com;branch=z9hG4bK77ef4c2312983.1\r\n\
Max-Forwards: 70\r\n\
To: Bob <sip:bob@biloxi.com>\r\n\
From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n\
CSeq: 314159 INVITE\r\n\
Timestamp: 54\r\n\
Contact: <sip:alice@pc33.atlanta.com>\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 4\r\n\r\nv=0\n",
        ))
        .unwrap()
    }

    /// RFC 3261 §8.2.6.2: "the From field of the response MUST equal the
    /// From header field of the request. The Call-ID header field of the
    /// response MUST equal the Call-ID header field of the request. The
    /// CSeq header field of the response MUST equal the CSeq field of the
    /// request. The Via header field values in the response MUST equal the
    /// Via header field values in the request and MUST maintain the same
    /// ordering." and a UAS adds a To tag.
    #[test]
    fn rfc3261_8_2_6_2_response_copies_headers() {
        let req = invite();
        let resp = req
            .response_to(180, Some("a6c85cf"))
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(resp.status(), Some(180));
        assert_eq!(resp.reason(), Some("Ringing"));
        let vias: Vec<_> = resp.header_values(&HeaderName::Via).collect();
        assert_eq!(
            vias,
            req.header_values(&HeaderName::Via).collect::<Vec<_>>()
        );
        assert_eq!(
            resp.header(&HeaderName::From),
            req.header(&HeaderName::From)
        );
        assert_eq!(resp.call_id(), req.call_id());
        assert_eq!(resp.typed::<CSeq>().unwrap(), req.typed::<CSeq>().unwrap());
        assert_eq!(resp.typed::<To>().unwrap().tag(), Some("a6c85cf"));
        assert!(!resp.has_header(&HeaderName::Timestamp));
        assert_eq!(resp.header(&HeaderName::ContentLength), Some("0"));
        resp.validate().unwrap();
    }

    /// RFC 3261 §8.2.6.1: a 100 (Trying) copies Timestamp.
    #[test]
    fn rfc3261_8_2_6_1_trying_copies_timestamp() {
        let resp = invite().response_to(100, None).unwrap().build().unwrap();
        assert_eq!(resp.header(&HeaderName::Timestamp), Some("54"));
        assert_eq!(resp.typed::<To>().unwrap().tag(), None);
    }

    #[test]
    fn builder_content_length_always_matches() {
        let m = Message::request(Method::Message, Uri::parse("sip:user2@domain.com").unwrap())
            .header(HeaderName::ContentLength, "999")
            .body(&b"Watson, come here."[..], "text/plain")
            .build()
            .unwrap();
        assert_eq!(m.header(&HeaderName::ContentLength), Some("18"));
        assert_eq!(&m.body()[..], b"Watson, come here.");
        // A value cannot smuggle in a header line of its own.
        let e = Message::request(Method::Info, Uri::parse("sip:a@b").unwrap())
            .header(HeaderName::Subject, "bad\r\nInjected: yes")
            .build()
            .unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidHeaderValue);
        for bad in ["a\nInjected: yes", "a\r", "a\r\n", "a\r\nX: 1"] {
            let e = Message::request(Method::Info, Uri::parse("sip:a@b").unwrap())
                .header(HeaderName::Subject, bad)
                .build();
            assert!(e.is_err(), "{bad:?}");
        }
    }

    /// RFC 3261 §7.3.1: a folded value ("CRLF followed by whitespace") is
    /// the same as one line with a single space, so a response can copy the
    /// folded From of a request (RFC 4475 §3.1.1.1 `wsinv`).
    #[test]
    fn rfc3261_7_3_1_folded_values_are_unfolded() {
        let req = Message::parse(Bytes::from_static(
            b"INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKf\r\nMax-Forwards: 70\r\nTo: <sip:bob@example.com>\r\nFrom: <sip:alice@example.com>\r\n \t;tag=a1\r\nCall-ID: f\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
        ))
        .unwrap();
        let resp = req.response_to(486, Some("b1")).unwrap().build().unwrap();
        assert_eq!(
            resp.header(&HeaderName::From),
            Some("<sip:alice@example.com> ;tag=a1")
        );
        assert_eq!(resp.typed::<crate::From>().unwrap().tag(), Some("a1"));
    }

    /// RFC 3261 §16.4: "the proxy MUST remove that value from the Route
    /// header field" when the first Route names it; the rest of a
    /// comma-separated line stays.
    #[test]
    fn rfc3261_16_4_pop_first_route_value() {
        let mut m = Message::parse(Bytes::from_static(
            b"BYE sip:bob@192.0.2.4 SIP/2.0\r\n\
Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n\
Route: <sip:p3.example.com;lr>\r\n\
Content-Length: 0\r\n\r\n",
        ))
        .unwrap();
        assert_eq!(
            m.remove_first_value(&HeaderName::Route).as_deref(),
            Some("<sip:p1.example.com;lr>")
        );
        let lines: Vec<_> = m.header_values(&HeaderName::Route).collect();
        assert_eq!(
            lines,
            ["<sip:p2.example.com;lr>", "<sip:p3.example.com;lr>"]
        );
        m.remove_first_value(&HeaderName::Route);
        m.remove_first_value(&HeaderName::Route);
        assert!(!m.has_header(&HeaderName::Route));
        assert_eq!(m.remove_first_value(&HeaderName::Route), None);
        let again = Message::parse(m.to_bytes()).unwrap();
        assert_eq!(again.header_count(), 1);
    }

    /// A proxy's edits (RFC 3261 §16.6, §16.4) leave other lines byte for byte.
    #[test]
    fn proxy_edits_keep_untouched_lines() {
        let mut m = invite();
        let via = Via::new("UDP", "p1.example.com", None, "z9hG4bKp1").unwrap();
        m.prepend_header(HeaderName::Via, &via.to_value_string());
        m.prepend_header(HeaderName::RecordRoute, "<sip:p1.example.com;lr>");
        let mut out = BytesMut::new();
        m.write_to(&mut out);
        let text = String::from_utf8(out.to_vec()).unwrap();
        assert!(text.starts_with(
            "INVITE sip:bob@biloxi.com SIP/2.0\r\nRecord-Route: <sip:p1.example.com;lr>\r\nVia: SIP/2.0/UDP p1.example.com;branch=z9hG4bKp1\r\nVia: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n"
        ));
        let again = Message::parse(out.freeze()).unwrap();
        assert_eq!(again.typed::<Via>().unwrap().branch(), Some("z9hG4bKp1"));
        assert_eq!(again.typed_all::<Via>().count(), 3);
        assert_eq!(&again.body()[..], b"v=0\n");
    }
}
