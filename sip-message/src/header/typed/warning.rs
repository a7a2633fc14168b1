//! `Warning` ([RFC 3261 §20.43]).
//!
//! [RFC 3261 §20.43]: https://www.rfc-editor.org/rfc/rfc3261#section-20.43

use std::borrow::Cow;

use bytes::BytesMut;
use bytestring::ByteString;

use crate::error::{ErrorKind, ParseError};
use crate::header::{HeaderName, TypedHeader};
use crate::text::{is_token, unquote, write_quoted, Cursor, Span};
use crate::uri::parse_host;

/// One `warning-value = warn-code SP warn-agent SP warn-text` (RFC 3261
/// §20.43): a three-digit code, the host or pseudonym that added it, and a
/// quoted text.
///
/// The separators are the single `SP`s of the grammar.
///
/// ```
/// use sip_message::{TypedHeader, Warning};
/// let w = Warning::parse_str("307 isi.edu \"Session parameter 'foo' not understood\"").unwrap();
/// assert_eq!(w.code(), 307);
/// assert_eq!(w.agent(), "isi.edu");
/// assert_eq!(w.text(), "Session parameter 'foo' not understood");
/// // RFC 4475 §3.1.2.5: a four-digit warn-code is malformed.
/// assert!(Warning::parse_str("1812 overture \"In Progress\"").is_err());
/// ```
#[derive(Debug, Clone)]
pub struct Warning {
    raw: ByteString,
    code: u16,
    agent: Span,
    /// Inside the quotes, quoted-pairs kept.
    text: Span,
}

impl Warning {
    /// A warning value; `text` is quoted and escaped as needed.
    ///
    /// # Errors
    /// If `code` is above 999, `agent` is neither a hostport nor a token,
    /// or `text` holds control characters.
    pub fn new(code: u16, agent: &str, text: &str) -> Result<Self, ParseError> {
        let mut out = BytesMut::new();
        out.extend_from_slice(format!("{code:03} {agent} ").as_bytes());
        write_quoted(&mut out, text);
        let raw = ByteString::try_from(out.freeze())
            .map_err(|_| ParseError::new(ErrorKind::InvalidUtf8, 0))?;
        Self::parse(&raw)
    }

    /// The value as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// `warn-code`, 0 to 999 (RFC 3261 defines 3xx codes).
    pub fn code(&self) -> u16 {
        self.code
    }

    /// `warn-agent`: the hostport or pseudonym of the element that added
    /// the warning, as written.
    pub fn agent(&self) -> &str {
        self.agent.of(&self.raw)
    }

    /// `warn-text` with quotes and quoted-pairs removed.
    pub fn text(&self) -> Cow<'_, str> {
        unquote(self.text.of(&self.raw))
    }
}

impl TypedHeader for Warning {
    const NAME: HeaderName = HeaderName::Warning;
    const LIST: bool = true;

    fn parse(value: &ByteString) -> Result<Self, ParseError> {
        let mut c = Cursor::new(value);
        c.skip_sws();
        // warn-code = 3DIGIT
        let code_span = c.take1(
            |b| b.is_ascii_digit(),
            ErrorKind::InvalidValue("a three-digit warn-code"),
        )?;
        if code_span.end - code_span.start != 3 {
            return Err(c.err_at(
                ErrorKind::InvalidValue("a three-digit warn-code"),
                code_span.start as usize,
            ));
        }
        let code = c.input[code_span.range()]
            .iter()
            .fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
        c.expect(b' ', ErrorKind::ExpectedSpace)?;
        let agent = warn_agent(&mut c)?;
        c.expect(b' ', ErrorKind::ExpectedSpace)?;
        // warn-text = quoted-string
        let text = c.quoted()?;
        c.finish()?;
        Ok(Self {
            raw: value.clone(),
            code,
            agent,
            text,
        })
    }

    fn encode(&self, out: &mut BytesMut) {
        out.extend_from_slice(format!("{:03} ", self.code).as_bytes());
        out.extend_from_slice(self.agent().as_bytes());
        out.extend_from_slice(b" \"");
        out.extend_from_slice(self.text.of(&self.raw).as_bytes());
        out.extend_from_slice(b"\"");
    }
}

/// `warn-agent = hostport / pseudonym`; `pseudonym = token`.
///
/// Hostnames and IPv4 addresses are tokens too, so a token is taken first
/// and, if a port follows, checked as a host.
fn warn_agent(c: &mut Cursor<'_>) -> Result<Span, ParseError> {
    let start = c.pos;
    if c.peek() == Some(b'[') {
        parse_host(c)?;
    } else {
        let name = c.take1(is_token, ErrorKind::InvalidValue("a warn-agent"))?;
        if c.peek() == Some(b':') {
            // With a port this is a hostport, so the token must be a host.
            c.pos = start;
            let host = parse_host(c).map(|(h, _)| h.end).unwrap_or(0);
            if host != name.end {
                return Err(c.err_at(ErrorKind::InvalidHost, start));
            }
            c.pos = name.end as usize;
        }
    }
    if c.eat(b':') {
        let at = c.pos;
        c.number(u64::from(u16::MAX))
            .map_err(|_| c.err_at(ErrorKind::InvalidPort, at))?;
    }
    Ok(Span::new(start, c.pos))
}

impl PartialEq for Warning {
    /// The code, the agent case-insensitively (a host or token) and the
    /// text exactly (a quoted-string, RFC 3261 §7.3.1).
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
            && self.agent().eq_ignore_ascii_case(other.agent())
            && self.text() == other.text()
    }
}

impl Eq for Warning {}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::header::typed::testing::round_trip_stable as round_trip;

    /// RFC 3261 §20.43: `Warning: 307 isi.edu "Session parameter 'foo' not
    /// understood"` and `Warning: 301 isi.edu "Incompatible network address
    /// type 'E.164'"`.
    #[test]
    fn rfc3261_20_43_examples() {
        let w =
            Warning::parse_str("307 isi.edu \"Session parameter 'foo' not understood\"").unwrap();
        assert_eq!((w.code(), w.agent()), (307, "isi.edu"));
        round_trip(&w);
        let w = Warning::parse_str("301 isi.edu \"Incompatible network address type 'E.164'\"")
            .unwrap();
        assert_eq!(w.text(), "Incompatible network address type 'E.164'");
        assert_eq!(
            w,
            Warning::new(301, "ISI.edu", "Incompatible network address type 'E.164'").unwrap()
        );
        round_trip(&w);
    }

    /// RFC 3261 §20.43: `Warning = "Warning" HCOLON warning-value
    /// *(COMMA warning-value)`: a list header, one value per element.
    #[test]
    fn rfc3261_20_43_warning_is_a_list_header() {
        let msg = crate::Message::parse(bytes::Bytes::from_static(
            b"SIP/2.0 488 Not Acceptable Here\r\n\
Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n\
From: <sip:a@example.com>;tag=1\r\n\
To: <sip:b@example.com>;tag=2\r\n\
Call-ID: c1\r\n\
CSeq: 1 INVITE\r\n\
Warning: 370 devnull \"Choose a bigger pipe\", 307 isi.edu \"a, b\"\r\n\
Content-Length: 0\r\n\r\n",
        ))
        .unwrap();
        let all: Vec<Warning> = msg.typed_all().collect::<Result<_, _>>().unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!((all[0].code(), all[0].agent()), (370, "devnull"));
        assert_eq!(all[1].text(), "a, b");
    }

    /// RFC 4475 §3.1.2.5 (scalarlg): `Warning: 1812 overture "In Progress"`;
    /// `warn-code = 3DIGIT`.
    #[test]
    fn rfc4475_scalarlg_four_digit_warn_code_is_rejected() {
        let e = Warning::parse_str("1812 overture \"In Progress\"").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidValue("a three-digit warn-code"));
        assert!(Warning::parse_str("18 overture \"In Progress\"").is_err());
        assert!(Warning::new(1812, "overture", "In Progress").is_err());
    }

    /// RFC 3261 §20.43: `warn-agent = hostport / pseudonym`.
    #[test]
    fn rfc3261_warn_agent_forms() {
        for (agent, ok) in [
            ("192.0.2.1:5060", true),
            ("[2001:db8::1]:5060", true),
            ("[2001:db8::1]", true),
            ("proxy.example.com:5061", true),
            ("pseudonym-7", true),
            ("a!b:5060", false),
            ("host:99999", false),
            ("host:", false),
            ("[zz]", false),
        ] {
            let s = format!("399 {agent} \"x\"");
            assert_eq!(Warning::parse_str(&s).is_ok(), ok, "{s}");
        }
        let w = Warning::new(399, "[2001:db8::1]:5060", "say \"hi\"").unwrap();
        assert_eq!(w.text(), "say \"hi\"");
        assert_eq!(
            w.to_value_string(),
            "399 [2001:db8::1]:5060 \"say \\\"hi\\\"\""
        );
        round_trip(&w);
    }

    #[test]
    fn malformed_warnings() {
        for bad in [
            "",
            "307",
            "307 isi.edu",
            "307 isi.edu unquoted",
            "307  isi.edu \"two spaces\"",
            "307 isi.edu  \"two spaces\"",
            "307isi.edu \"x\"",
            "307 isi.edu \"x\" junk",
            "307 isi.edu \"unterminated",
            "abc isi.edu \"x\"",
            "307 \"x\"",
        ] {
            assert!(Warning::parse_str(bad).is_err(), "{bad:?}");
        }
    }

    use proptest::prelude::*;

    proptest::proptest! {
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        /// Parsing never panics; what parses round-trips.
        #[test]
        fn parse_never_panics_and_round_trips(
            s in "([0-9]{3}|1812) ([a-z.!]{1,5}|\\[::1\\]|[0-9.]{1,7})(:[0-9]{0,6})? \"[a-z \\\\\"]{0,6}\""
        ) {
            if let Ok(h) = Warning::parse_str(&s) { round_trip(&h); }
        }
    }
}
