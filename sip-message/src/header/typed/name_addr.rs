//! Addresses with parameters: From, To, Contact, Route, Record-Route, Path,
//! Service-Route, Refer-To and Referred-By (RFC 3261 §20.10, §20.20,
//! §20.30, §20.34, §20.39; RFC 3327; RFC 3608; RFC 3515; RFC 3892).

use std::borrow::Cow;

use bytes::BytesMut;
use bytestring::ByteString;

use super::Params;
use crate::error::{ErrorKind, ParseError};
use crate::header::{HeaderName, TypedHeader};
use crate::text::{is_token, slice, unquote, write_quoted, Cursor, OptSpan, Span};
use crate::uri::{SipUri, Uri};

/// An address: `[display-name] <URI>` (name-addr) or a bare URI
/// (addr-spec), followed by header parameters.
///
/// Without angle brackets, parameters after the URI belong to the header,
/// not the URI (RFC 3261 §20.10, RFC 4475 §3.3.12); a bare URI containing
/// `,`, `?` or `;` is therefore not allowed (RFC 4475 §3.1.2.13).
#[derive(Debug, Clone)]
pub struct NameAddr {
    // The header value's text is the URI's buffer (`uri.buffer()`), so a
    // parsed address holds one reference to it, not two.
    display: OptSpan,
    uri: Uri,
    angle: bool,
    params: Span,
    tag: OptSpan,
}

impl NameAddr {
    /// Parses a name-addr or addr-spec with parameters.
    ///
    /// # Errors
    /// A [`ParseError`] at the first character that breaks the grammar.
    pub fn parse(value: &ByteString) -> Result<Self, ParseError> {
        parse(value, false)
    }

    /// Builds `"display" <uri>` or `<uri>` with no parameters.
    pub fn new(display: Option<&str>, uri: &Uri) -> Self {
        let mut out = BytesMut::new();
        if let Some(d) = display {
            write_quoted(&mut out, d);
            out.extend_from_slice(b" ");
        }
        out.extend_from_slice(b"<");
        out.extend_from_slice(uri.as_str().as_bytes());
        out.extend_from_slice(b">");
        // The parts are already valid; re-parsing records the spans.
        let raw = ByteString::try_from(out.freeze()).unwrap_or_default();
        parse(&raw, false).unwrap_or_else(|_| Self {
            display: OptSpan::NONE,
            uri: uri.clone(),
            angle: true,
            params: Span::default(),
            tag: OptSpan::NONE,
        })
    }

    /// The same address in a buffer of its own, the size of its text.
    ///
    /// A parsed address slices the header value it was read from, and so
    /// keeps the whole message's buffer alive. An address kept long after
    /// its message, such as a registrar's binding, should be detached.
    #[must_use]
    pub fn detached(&self) -> Self {
        let copy = ByteString::from(self.as_str().to_owned());
        parse(&copy, false).unwrap_or_else(|_| self.clone())
    }

    /// The value as written.
    pub fn as_str(&self) -> &str {
        self.raw()
    }

    fn raw(&self) -> &ByteString {
        self.uri.buffer()
    }

    /// The display name with quotes and quoted-pairs removed.
    pub fn display_name(&self) -> Option<Cow<'_, str>> {
        self.display.get().map(|s| unquote(s.of(self.raw())))
    }

    /// The URI.
    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    /// Whether the URI was written in angle brackets.
    pub fn has_angle_brackets(&self) -> bool {
        self.angle
    }

    /// The header parameters (after the address), in order.
    pub fn params(&self) -> Params<'_> {
        Params::new(self.params.of(self.raw()))
    }

    /// The `tag` parameter (RFC 3261 §19.3).
    pub fn tag(&self) -> Option<&str> {
        self.tag.get().map(|s| s.of(self.raw()))
    }

    /// The tag as a zero-copy `ByteString`.
    pub fn tag_slice(&self) -> Option<ByteString> {
        self.tag.get().map(|s| slice(self.raw(), s))
    }

    /// A copy with parameter `name` set to `value`, replacing any old value
    /// (for example a UAS adding the To tag, §8.2.6.2).
    ///
    /// # Errors
    /// If the value does not fit the grammar.
    pub fn with_param(&self, name: &str, value: Option<&str>) -> Result<Self, ParseError> {
        let mut out = BytesMut::with_capacity(self.raw().len() + 24);
        self.encode_addr(&mut out);
        self.params().encode_except(&mut out, &[name]);
        out.extend_from_slice(b";");
        out.extend_from_slice(name.as_bytes());
        if let Some(v) = value {
            out.extend_from_slice(b"=");
            out.extend_from_slice(v.as_bytes());
        }
        let raw = ByteString::try_from(out.freeze())
            .map_err(|_| ParseError::new(ErrorKind::InvalidUtf8, 0))?;
        parse(&raw, false)
    }

    /// A copy with the URI replaced and display name and parameters kept
    /// (the mobility layer rewrites Contact this way).
    pub fn with_uri(&self, uri: &Uri) -> Self {
        let mut out = BytesMut::with_capacity(self.raw().len() + 24);
        if let Some(d) = self.display_name() {
            write_quoted(&mut out, &d);
            out.extend_from_slice(b" ");
        }
        out.extend_from_slice(b"<");
        out.extend_from_slice(uri.as_str().as_bytes());
        out.extend_from_slice(b">");
        self.params().encode(&mut out);
        let raw = ByteString::try_from(out.freeze()).unwrap_or_default();
        parse(&raw, false).unwrap_or_else(|_| Self::new(None, uri))
    }

    fn encode_addr(&self, out: &mut BytesMut) {
        if let Some(d) = self.display.get() {
            let d = d.of(self.raw());
            if d.starts_with('"') {
                out.extend_from_slice(d.as_bytes());
            } else {
                write_quoted(out, d);
            }
            out.extend_from_slice(b" ");
        }
        // Always write the angle brackets: they are never wrong, and a bare
        // URI would turn URI parameters into header parameters.
        out.extend_from_slice(b"<");
        out.extend_from_slice(self.uri.as_str().as_bytes());
        out.extend_from_slice(b">");
    }

    /// Writes the address and its parameters.
    pub fn encode(&self, out: &mut BytesMut) {
        self.encode_addr(out);
        self.params().encode(out);
    }
}

impl PartialEq for NameAddr {
    /// Display names by text, URIs by RFC 3261 §19.1.4, parameters in order.
    fn eq(&self, other: &Self) -> bool {
        self.display_name() == other.display_name()
            && self.uri == other.uri
            && self.params().iter().eq(other.params().iter())
    }
}

impl Eq for NameAddr {}

/// Parses `( name-addr / addr-spec ) *( SEMI param )`; with `require_angle`
/// only name-addr is accepted (Route, Record-Route, Path, Service-Route).
fn parse(value: &ByteString, require_angle: bool) -> Result<NameAddr, ParseError> {
    let mut c = Cursor::new(value);
    c.skip_sws();
    let start = c.pos;
    let mut display = None;
    let angle;
    match c.peek() {
        Some(b'"') => {
            let q0 = c.pos;
            c.quoted()?;
            display = Some(Span::new(q0, c.pos));
            c.skip_sws();
            if c.peek() != Some(b'<') {
                return Err(c.err(ErrorKind::InvalidAddress));
            }
            angle = true;
        }
        Some(b'<') => angle = true,
        _ => {
            // display-name = *(token LWS); if tokens are followed by '<' they
            // are a display name, otherwise this is an addr-spec.
            let mut end = c.pos;
            loop {
                let t = crate::text::skip(c.input, c.pos, is_token);
                if t == c.pos {
                    break;
                }
                c.pos = t;
                end = t;
                c.skip_sws();
            }
            if c.peek() == Some(b'<') && end > start {
                display = Some(Span::new(start, end));
                angle = true;
            } else {
                c.pos = start;
                angle = false;
            }
        }
    }
    let uri = if angle {
        let open = c.pos;
        c.expect(b'<', ErrorKind::InvalidAddress)?;
        let s = c.pos;
        // A SIP URI is parsed in place and must end at the '>'; any other
        // scheme is cut at the '>' and parsed on its own.
        let uri = match SipUri::parse_prefix(value, s) {
            Some(r) => {
                let (u, end) = r?;
                c.pos = end;
                Uri::Sip(u)
            }
            None => {
                let rest = c.rest();
                let n = rest.iter().position(|&b| b == b'>').unwrap_or(rest.len());
                let span = Span::new(s, s + n);
                c.pos = s + n;
                Uri::parse_in(value.clone(), span).map_err(|e| e.rebase(value.as_bytes(), 0))?
            }
        };
        if !c.eat(b'>') {
            let kind = if c.rest().contains(&b'>') {
                ErrorKind::InvalidUri
            } else {
                ErrorKind::UnterminatedAngle
            };
            return Err(c.err_at(
                kind,
                if kind == ErrorKind::UnterminatedAngle {
                    open
                } else {
                    c.pos
                },
            ));
        }
        uri
    } else {
        if require_angle {
            return Err(c.err(ErrorKind::InvalidAddress));
        }
        let s = c.pos;
        let n = c
            .rest()
            .iter()
            .position(|&b| matches!(b, b';' | b',' | b' ' | b'\t' | b'\r' | b'\n'))
            .unwrap_or(c.rest().len());
        let span = Span::new(s, s + n);
        // RFC 3261 §20.10: a URI with ',', '?' or ';' must be in brackets.
        if let Some(q) = c.input[span.range()].iter().position(|&b| b == b'?') {
            return Err(c.err_at(ErrorKind::InvalidAddress, s + q));
        }
        c.pos = s + n;
        Uri::parse_in(value.clone(), span).map_err(|e| e.rebase(value.as_bytes(), 0))?
    };
    let mut tag = None;
    let params = c.params(|c, n, v| {
        if c.input[n.range()].eq_ignore_ascii_case(b"tag") {
            // tag-param = "tag" EQUAL token
            match v {
                Some(v) if c.input[v.range()].iter().all(|&b| is_token(b)) => tag = Some(v),
                _ => return Err(c.err_at(ErrorKind::InvalidValue("a token tag"), n.start as usize)),
            }
        }
        Ok(())
    })?;
    c.finish()?;
    Ok(NameAddr {
        display: display.into(),
        uri,
        angle,
        params,
        tag: tag.into(),
    })
}

macro_rules! address_header {
    ($(#[$doc:meta])* $ty:ident, $name:ident, list = $list:expr, angle = $angle:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $ty(pub NameAddr);

        impl $ty {
            /// Wraps an address.
            pub fn new(addr: NameAddr) -> Self {
                Self(addr)
            }
        }

        impl core::ops::Deref for $ty {
            type Target = NameAddr;
            fn deref(&self) -> &NameAddr {
                &self.0
            }
        }

        impl TypedHeader for $ty {
            const NAME: HeaderName = HeaderName::$name;
            const LIST: bool = $list;
            #[inline]
            fn parse(value: &ByteString) -> Result<Self, ParseError> {
                parse(value, $angle).map(Self)
            }
            fn encode(&self, out: &mut BytesMut) {
                self.0.encode(out)
            }
        }
    };
}

address_header!(
    /// `From` (RFC 3261 §20.20): the initiator of the request, with its tag.
    ///
    /// ```
    /// use sip_message::{From, TypedHeader};
    /// let f = From::parse_str("\"A. G. Bell\" <sip:agb@bell-telephone.com> ;tag=a48s").unwrap();
    /// assert_eq!(f.display_name().as_deref(), Some("A. G. Bell"));
    /// assert_eq!(f.tag(), Some("a48s"));
    /// ```
    From, From, list = false, angle = false
);
address_header!(
    /// `To` (RFC 3261 §20.39): the logical recipient, with the UAS tag once a dialog exists.
    To, To, list = false, angle = false
);
address_header!(
    /// One `Route` value (RFC 3261 §20.34); name-addr form only.
    Route, Route, list = true, angle = true
);
address_header!(
    /// One `Record-Route` value (RFC 3261 §20.30); name-addr form only.
    RecordRoute, RecordRoute, list = true, angle = true
);
address_header!(
    /// One `Path` value (RFC 3327); name-addr form only.
    Path, Path, list = true, angle = true
);
address_header!(
    /// One `Service-Route` value (RFC 3608); name-addr form only.
    ServiceRoute, ServiceRoute, list = true, angle = true
);
address_header!(
    /// `Refer-To` (RFC 3515 §2.1): the URI to refer to, which may carry
    /// escaped headers such as `Replaces`.
    ReferTo, ReferTo, list = false, angle = false
);
address_header!(
    /// `Referred-By` (RFC 3892): who sent the REFER.
    ReferredBy, ReferredBy, list = false, angle = false
);

/// One `Contact` value (RFC 3261 §20.10): an address with `q` and
/// `expires`, or `*` to remove all bindings in a REGISTER (§10.2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contact {
    /// `Contact: *`.
    Star,
    /// An address.
    Address(NameAddr),
}

impl Contact {
    /// The address, unless this is `*`.
    pub fn address(&self) -> Option<&NameAddr> {
        match self {
            Self::Star => None,
            Self::Address(a) => Some(a),
        }
    }

    /// The `q` parameter in thousandths (RFC 3261 `qvalue`, 0 to 1000).
    /// `None` if absent or malformed.
    pub fn q(&self) -> Option<u16> {
        let v = self.address()?.params().get("q")??;
        parse_qvalue(v)
    }

    /// The `expires` parameter in seconds.
    pub fn expires(&self) -> Option<u32> {
        self.address()?.params().get("expires")??.parse().ok()
    }
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`, in thousandths.
pub(crate) fn parse_qvalue(v: &str) -> Option<u16> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut f: u16 = 0;
    for i in 0..3 {
        f = f * 10 + frac.as_bytes().get(i).map_or(0, |d| u16::from(d - b'0'));
    }
    match int {
        "0" => Some(f),
        "1" if f == 0 => Some(1000),
        _ => None,
    }
}

impl TypedHeader for Contact {
    const NAME: HeaderName = HeaderName::Contact;
    const LIST: bool = true;

    fn parse(value: &ByteString) -> Result<Self, ParseError> {
        if value.trim() == "*" {
            return Ok(Self::Star);
        }
        let a = parse(value, false)?;
        // c-p-q = "q" EQUAL qvalue; c-p-expires = "expires" EQUAL delta-seconds
        if let Some(q) = a.params().get("q") {
            if q.and_then(parse_qvalue).is_none() {
                return Err(ParseError::new(
                    ErrorKind::InvalidValue("a qvalue 0-1"),
                    a.params.start as usize,
                ));
            }
        }
        if let Some(e) = a.params().get("expires") {
            if e.and_then(|e| crate::text::parse_decimal(e.as_bytes(), u64::from(u32::MAX)))
                .is_none()
            {
                return Err(ParseError::new(
                    ErrorKind::InvalidValue("delta-seconds in expires"),
                    a.params.start as usize,
                ));
            }
        }
        Ok(Self::Address(a))
    }

    fn encode(&self, out: &mut BytesMut) {
        match self {
            Self::Star => out.extend_from_slice(b"*"),
            Self::Address(a) => a.encode(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let t = To::parse_str("The Operator <sip:operator@cs.columbia.edu>;tag=287447").unwrap();
        assert_eq!(t.display_name().as_deref(), Some("The Operator"));
        assert_eq!(t.tag(), Some("287447"));
        let t = To::parse_str("sip:+12125551212@server.phone2net.com;tag=887s").unwrap();
        assert!(!t.has_angle_brackets());
        assert_eq!(t.tag(), Some("887s"));
        assert_eq!(t.uri().as_str(), "sip:+12125551212@server.phone2net.com");
        // RFC 4475 §3.1.1.6: no space between display name and '<'.
        let f = From::parse_str("caller<sip:caller@example.com>;tag=323").unwrap();
        assert_eq!(f.display_name().as_deref(), Some("caller"));
    }

    #[test]
    fn detached_address_equals_and_frees_the_message() {
        let buffer = bytes::Bytes::from(
            "Contact: \"Bob\" <sip:bob@192.0.2.4:5060;transport=tcp>;q=0.7;expires=60\r\n"
                .to_owned(),
        );
        let value = ByteString::try_from(buffer.slice(9..buffer.len() - 2)).unwrap();
        let c = Contact::parse(&value).unwrap();
        let parsed = c.address().unwrap().clone();
        let detached = parsed.detached();
        assert_eq!(detached, parsed);
        assert_eq!(detached.as_str(), parsed.as_str());
        assert_eq!(detached.params().get("q"), Some(Some("0.7")));
        drop((value, c, parsed));
        assert!(
            buffer.is_unique(),
            "the detached address still shares the message's buffer"
        );
    }

    /// RFC 4475 §3.3.12 / §3.3.13: parameters of a bare URI belong to the header.
    #[test]
    fn rfc4475_cparam_header_vs_uri_params() {
        let c = Contact::parse_str("sip:+19725552222@gw1.example.net;unknownparam").unwrap();
        let a = c.address().unwrap();
        assert_eq!(a.uri().as_str(), "sip:+19725552222@gw1.example.net");
        assert!(a.params().contains("unknownparam"));
        let c = Contact::parse_str("<sip:+19725552222@gw1.example.net;unknownparam>").unwrap();
        assert!(c
            .address()
            .unwrap()
            .uri()
            .as_sip()
            .unwrap()
            .param("unknownparam")
            .is_some());
    }

    #[test]
    fn contact_q_expires_star() {
        let c = Contact::parse_str("<sip:a@b>;q=0.7;expires=3600").unwrap();
        assert_eq!(c.q(), Some(700));
        assert_eq!(c.expires(), Some(3600));
        assert_eq!(Contact::parse_str("*").unwrap(), Contact::Star);
        assert!(Contact::parse_str("<sip:a@b>;q=1.5").is_err());
        assert!(Contact::parse_str("<sip:a@b>;expires=-1").is_err());
    }

    #[test]
    fn strict_addresses() {
        for bad in [
            "\"unterminated <sip:a@b>",  // RFC 4475 §3.1.2.6
            "<sip:a@b",                  // '<' without '>'
            "Bell, Alexander <sip:a@b>", // RFC 4475 §3.1.2.15
            "<sip:a@b   >",              // RFC 4475 §3.1.2.14
            "sip:a@b?Route=%3Csip:c%3E", // RFC 4475 §3.1.2.13
            "<sip:a@b>;tag",
            "<sip:a@b>;tag=a b",
        ] {
            assert!(To::parse_str(bad).is_err(), "{bad}");
        }
        assert!(Route::parse_str("sip:p@q;lr").is_err());
    }

    #[test]
    fn rewrite_uri_and_tag() {
        let f = From::parse_str("\"Alice\" <sip:alice@atlanta.com>;tag=1").unwrap();
        let uri = Uri::parse("sip:alice%40wonderland.com@visited.net").unwrap();
        let g = f.with_uri(&uri);
        assert_eq!(
            g.to_string_value(),
            "\"Alice\" <sip:alice%40wonderland.com@visited.net>;tag=1"
        );
        let t = To::parse_str("<sip:bob@b.com>")
            .unwrap()
            .with_param("tag", Some("x9"))
            .unwrap();
        assert_eq!(t.tag(), Some("x9"));
    }

    trait Render {
        fn to_string_value(&self) -> String;
    }
    impl Render for NameAddr {
        fn to_string_value(&self) -> String {
            let mut b = BytesMut::new();
            self.encode(&mut b);
            String::from_utf8(b.to_vec()).unwrap()
        }
    }
}
