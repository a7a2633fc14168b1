//! `Content-Type` and `Accept` (RFC 3261 §20.15, §20.1).

use bytes::BytesMut;
use bytestring::ByteString;

use super::Params;
use crate::error::{ErrorKind, ParseError};
use crate::header::{HeaderName, TypedHeader};
use crate::text::{Cursor, Span};

/// `m-type SLASH m-subtype *( SEMI m-parameter )`, such as
/// `application/sdp` or `multipart/signed; boundary=...`.
#[derive(Debug, Clone)]
pub struct MediaType {
    raw: ByteString,
    mtype: Span,
    subtype: Span,
    params: Span,
}

impl MediaType {
    /// The type (`application`), as written.
    pub fn mtype(&self) -> &str {
        self.mtype.of(&self.raw)
    }

    /// The subtype (`sdp`), as written.
    pub fn subtype(&self) -> &str {
        self.subtype.of(&self.raw)
    }

    /// The parameters.
    pub fn params(&self) -> Params<'_> {
        Params::new(self.params.of(&self.raw))
    }

    /// Whether this is `mtype/subtype`, compared case-insensitively.
    pub fn is(&self, mtype: &str, subtype: &str) -> bool {
        self.mtype().eq_ignore_ascii_case(mtype) && self.subtype().eq_ignore_ascii_case(subtype)
    }

    fn parse_value(value: &ByteString, allow_wildcard: bool) -> Result<Self, ParseError> {
        let mut c = Cursor::new(value);
        let mtype = c.token()?;
        if !c.eat_sep(b'/') {
            return Err(c.err(ErrorKind::InvalidValue("'/' between type and subtype")));
        }
        let subtype = c.token()?;
        if !allow_wildcard && (mtype.of(value) == "*" || subtype.of(value) == "*") {
            return Err(c.err_at(ErrorKind::InvalidValue("a concrete media type"), 0));
        }
        let params = c.params(|_, _, _| Ok(()))?;
        c.finish()?;
        Ok(Self {
            raw: value.clone(),
            mtype,
            subtype,
            params,
        })
    }

    fn encode(&self, out: &mut BytesMut) {
        out.extend_from_slice(self.mtype().as_bytes());
        out.extend_from_slice(b"/");
        out.extend_from_slice(self.subtype().as_bytes());
        self.params().encode(out);
    }
}

impl PartialEq for MediaType {
    fn eq(&self, other: &Self) -> bool {
        self.is(other.mtype(), other.subtype()) && self.params().iter().eq(other.params().iter())
    }
}

impl Eq for MediaType {}

/// `Content-Type` (RFC 3261 §20.15).
///
/// ```
/// use sip_message::{ContentType, TypedHeader};
/// let ct = ContentType::parse_str("multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=boundary42").unwrap();
/// assert!(ct.is("multipart", "signed"));
/// assert_eq!(ct.params().get("boundary"), Some(Some("boundary42")));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentType(pub MediaType);

impl core::ops::Deref for ContentType {
    type Target = MediaType;
    fn deref(&self) -> &MediaType {
        &self.0
    }
}

impl TypedHeader for ContentType {
    const NAME: HeaderName = HeaderName::ContentType;
    fn parse(value: &ByteString) -> Result<Self, ParseError> {
        MediaType::parse_value(value, false).map(Self)
    }
    fn encode(&self, out: &mut BytesMut) {
        self.0.encode(out)
    }
}

/// One `Accept` range (RFC 3261 §20.1): a media type, possibly `*/*` or `type/*`, with `q`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accept(pub MediaType);

impl core::ops::Deref for Accept {
    type Target = MediaType;
    fn deref(&self) -> &MediaType {
        &self.0
    }
}

impl Accept {
    /// Whether this range accepts `mtype/subtype`.
    pub fn accepts(&self, mtype: &str, subtype: &str) -> bool {
        (self.mtype() == "*" || self.mtype().eq_ignore_ascii_case(mtype))
            && (self.subtype() == "*" || self.subtype().eq_ignore_ascii_case(subtype))
    }
}

impl TypedHeader for Accept {
    const NAME: HeaderName = HeaderName::Accept;
    const LIST: bool = true;
    fn parse(value: &ByteString) -> Result<Self, ParseError> {
        MediaType::parse_value(value, true).map(Self)
    }
    fn encode(&self, out: &mut BytesMut) {
        self.0.encode(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_and_accept() {
        let ct = ContentType::parse_str("application/sdp").unwrap();
        assert!(ct.is("APPLICATION", "SDP"));
        assert!(ContentType::parse_str("application").is_err());
        assert!(ContentType::parse_str("*/*").is_err());
        let a = Accept::parse_str("application/*;q=0.5").unwrap();
        assert!(a.accepts("application", "pidf+xml"));
        assert!(!a.accepts("text", "plain"));
    }
}
