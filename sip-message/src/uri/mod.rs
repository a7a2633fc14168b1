//! URIs: `sip:`, `sips:`, `tel:` and any other absolute URI.

mod escape;
mod sip;

use core::fmt;
use std::borrow::Cow;

use bytestring::ByteString;

use crate::error::{ErrorKind, ParseError};
use crate::text::{is_unreserved, Cursor, Span};

pub use sip::{HostKind, SipUri, UriParams};

pub(crate) use sip::{host as parse_host, host_ip};

/// Decodes percent-escapes in `s` (RFC 3261 §19.1.2); invalid UTF-8 after
/// decoding becomes U+FFFD.
pub fn percent_decode(s: &str) -> Cow<'_, str> {
    escape::decode(s)
}

/// Any URI a SIP message can carry.
///
/// `PartialEq` compares SIP URIs by RFC 3261 §19.1.4, tel URIs by RFC 3966
/// §4, and other URIs by their text with a case-insensitive scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Uri {
    /// `sip:` or `sips:` (RFC 3261 §19.1).
    Sip(SipUri),
    /// `tel:` (RFC 3966).
    Tel(TelUri),
    /// Any other `absoluteURI` (RFC 3261 §25.1), kept opaque.
    Other(AbsoluteUri),
}

impl Uri {
    /// Parses a URI of any scheme.
    ///
    /// # Errors
    /// A [`ParseError`] where the text breaks the grammar of its scheme.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        Self::parse_slice(ByteString::from(s)).map_err(|e| e.rebase(s.as_bytes(), 0))
    }

    pub(crate) fn parse_slice(raw: ByteString) -> Result<Self, ParseError> {
        let text = Span::new(0, raw.len());
        Self::parse_in(raw, text)
    }

    /// Parses the URI at `text` of `raw`, sharing the buffer.
    pub(crate) fn parse_in(raw: ByteString, text: Span) -> Result<Self, ParseError> {
        let b = &raw.as_bytes()[text.range()];
        // Fast path for the schemes nearly every message uses.
        if b.len() > 4 && b[..4].eq_ignore_ascii_case(b"sip:") {
            return SipUri::parse_known(raw, text, false, 4).map(Self::Sip);
        }
        if b.len() > 5 && b[..5].eq_ignore_ascii_case(b"sips:") {
            return SipUri::parse_known(raw, text, true, 5).map(Self::Sip);
        }
        let colon = match scheme_end(b) {
            Ok(n) => n + text.start as usize,
            Err(e) => return Err(e.rebase(raw.as_bytes(), text.start as usize)),
        };
        let scheme = &raw[text.start as usize..colon];
        if scheme.eq_ignore_ascii_case("tel") {
            TelUri::parse_in(raw, text).map(Self::Tel)
        } else {
            AbsoluteUri::parse_in(raw, text, colon).map(Self::Other)
        }
    }

    /// The buffer the URI's text lives in.
    pub(crate) fn buffer(&self) -> &ByteString {
        match self {
            Self::Sip(u) => u.buffer(),
            Self::Tel(u) => &u.raw,
            Self::Other(u) => &u.raw,
        }
    }

    /// The URI as written.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Sip(u) => u.as_str(),
            Self::Tel(u) => u.as_str(),
            Self::Other(u) => u.as_str(),
        }
    }

    /// The scheme as written (`sip`, `sips`, `tel`, `http`, ...).
    pub fn scheme(&self) -> &str {
        let s = self.as_str();
        &s[..s.find(':').unwrap_or(0)]
    }

    /// The SIP or SIPS URI, if this is one.
    pub fn as_sip(&self) -> Option<&SipUri> {
        match self {
            Self::Sip(u) => Some(u),
            _ => None,
        }
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for Uri {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        Self::parse(s)
    }
}

/// `scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`; returns the index of the colon.
fn scheme_end(b: &[u8]) -> Result<usize, ParseError> {
    if !b.first().is_some_and(u8::is_ascii_alphabetic) {
        return Err(ParseError::at(ErrorKind::InvalidScheme, b, 0));
    }
    let n = b
        .iter()
        .position(|&c| !(c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.')))
        .unwrap_or(b.len());
    if b.get(n) != Some(&b':') {
        return Err(ParseError::at(ErrorKind::InvalidScheme, b, n));
    }
    Ok(n)
}

/// A `tel:` URI (RFC 3966): a telephone number and parameters.
#[derive(Debug, Clone)]
pub struct TelUri {
    /// The buffer the URI lives in (see [`SipUri`]'s).
    raw: ByteString,
    text: Span,
    number_end: usize,
}

impl TelUri {
    /// Parses a `tel:` URI.
    ///
    /// # Errors
    /// A [`ParseError`] if the number or a parameter is malformed.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        if !(s.len() >= 4 && s.as_bytes()[..4].eq_ignore_ascii_case(b"tel:")) {
            return Err(ParseError::at(ErrorKind::InvalidScheme, s.as_bytes(), 0));
        }
        let raw = ByteString::from(s);
        let text = Span::new(0, raw.len());
        Self::parse_in(raw, text).map_err(|e| e.rebase(s.as_bytes(), 0))
    }

    /// Parses the `tel:` URI at `text` of `raw` (its scheme already checked).
    fn parse_in(raw: ByteString, text: Span) -> Result<Self, ParseError> {
        let mut c = Cursor::new(&raw[..text.end as usize]);
        c.pos = text.start as usize + 4; // "tel:"
                                         // global-number-digits / local-number-digits with visual separators.
        let n = c.take0(|b| {
            b.is_ascii_hexdigit() || matches!(b, b'+' | b'*' | b'#' | b'-' | b'.' | b'(' | b')')
        });
        if !c.input[n.range()]
            .iter()
            .any(|b| b.is_ascii_hexdigit() || *b == b'*' || *b == b'#')
        {
            return Err(c.err_at(ErrorKind::InvalidUri, text.start as usize + 4));
        }
        let number_end = c.pos;
        if c.peek() == Some(b';') {
            sip::uri_params(&mut c, b';', true)?;
        }
        if !c.at_end() {
            return Err(c.err(ErrorKind::InvalidUri));
        }
        Ok(Self {
            raw,
            text,
            number_end,
        })
    }

    /// The URI as written.
    pub fn as_str(&self) -> &str {
        self.text.of(&self.raw)
    }

    /// The number as written, visual separators included.
    pub fn number(&self) -> &str {
        &self.raw[self.text.start as usize + 4..self.number_end]
    }

    /// Whether the number is global (`+` and a country code).
    pub fn is_global(&self) -> bool {
        self.number().starts_with('+')
    }

    /// The parameters as `(name, value)`.
    pub fn params(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.raw[self.number_end..self.text.end as usize]
            .split(';')
            .filter(|s| !s.is_empty())
            .map(|p| match p.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (p, None),
            })
    }

    fn digits(&self) -> String {
        self.number()
            .chars()
            .filter(|c| !matches!(c, '-' | '.' | '(' | ')'))
            .map(|c| c.to_ascii_lowercase())
            .collect()
    }
}

impl PartialEq for TelUri {
    /// RFC 3966 §4: numbers compare without visual separators, parameters
    /// compare as sets with case-insensitive names and values.
    fn eq(&self, other: &Self) -> bool {
        let params = |u: &Self| {
            let mut v: Vec<(String, Option<String>)> = u
                .params()
                .map(|(n, v)| (n.to_ascii_lowercase(), v.map(str::to_ascii_lowercase)))
                .collect();
            v.sort();
            v
        };
        self.digits() == other.digits() && params(self) == params(other)
    }
}

impl Eq for TelUri {}

/// A URI of a scheme this crate does not interpret, kept as written.
#[derive(Debug, Clone)]
pub struct AbsoluteUri {
    /// The buffer the URI lives in (see [`SipUri`]'s).
    raw: ByteString,
    text: Span,
    colon: usize,
}

impl AbsoluteUri {
    /// Parses the URI at `text` of `raw`, whose scheme ends at `colon`.
    fn parse_in(raw: ByteString, text: Span, colon: usize) -> Result<Self, ParseError> {
        // absoluteURI = scheme ":" ( hier-part / opaque-part ), made of uric
        // characters: reserved / unreserved / escaped.
        let b = raw.as_bytes();
        let body = &b[colon + 1..text.end as usize];
        if body.is_empty() {
            return Err(ParseError::new(ErrorKind::InvalidUri, colon + 1));
        }
        if let Some(i) = body.iter().position(|&c| {
            !(is_unreserved(c)
                || c == b'%'
                || matches!(
                    c,
                    b';' | b'/' | b'?' | b':' | b'@' | b'&' | b'=' | b'+' | b'$' | b','
                ))
        }) {
            return Err(ParseError::new(ErrorKind::InvalidUri, colon + 1 + i));
        }
        escape::check(body, colon + 1, b)?;
        Ok(Self { raw, text, colon })
    }

    /// The URI as written.
    pub fn as_str(&self) -> &str {
        self.text.of(&self.raw)
    }

    /// The scheme as written.
    pub fn scheme(&self) -> &str {
        &self.raw[self.text.start as usize..self.colon]
    }

    fn rest(&self) -> &str {
        &self.raw[self.colon..self.text.end as usize]
    }
}

impl PartialEq for AbsoluteUri {
    fn eq(&self, other: &Self) -> bool {
        self.scheme().eq_ignore_ascii_case(other.scheme()) && self.rest() == other.rest()
    }
}

impl Eq for AbsoluteUri {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes() {
        assert!(matches!(Uri::parse("sips:a@b.com").unwrap(), Uri::Sip(u) if u.is_secure()));
        let t = Uri::parse("tel:+1-201-555-0123;ext=45").unwrap();
        assert!(matches!(&t, Uri::Tel(t) if t.is_global() && t.number() == "+1-201-555-0123"));
        // RFC 4475 §3.3.2 / §3.3.3: unknown schemes stay opaque.
        let o = Uri::parse("soap.beep://192.0.2.103:3002").unwrap();
        assert_eq!(o.scheme(), "soap.beep");
        assert!(Uri::parse("<sip:a@b>").is_err());
        assert!(Uri::parse("nocolon").is_err());
    }

    /// RFC 3966 §4: visual separators do not matter.
    #[test]
    fn rfc3966_tel_equality() {
        assert_eq!(
            Uri::parse("tel:+1-201-555-0123").unwrap(),
            Uri::parse("tel:+1.201.555.0123").unwrap()
        );
        assert_ne!(
            Uri::parse("tel:7042;phone-context=example.com").unwrap(),
            Uri::parse("tel:7042;phone-context=example.org").unwrap()
        );
    }
}
