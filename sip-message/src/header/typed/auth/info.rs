//! `Authentication-Info` (RFC 3261 §20.6, RFC 2617 §3.2.3).

use std::borrow::Cow;

use bytes::BytesMut;
use bytestring::ByteString;

use super::{
    check_digest, encode_params, find, param_list, params_eq, parse_nc, strip_quotes,
    AuthParamIter, ParamWriter,
};
use crate::error::{ErrorKind, ParseError};
use crate::header::{HeaderName, TypedHeader};
use crate::text::{unquote, Cursor, Span};

/// `Authentication-Info` (RFC 3261 §20.6, RFC 2617 §3.2.3): `ainfo
/// *(COMMA ainfo)` with no scheme, sent by a server after successful Digest
/// authentication.
///
/// ```
/// use sip_message::{AuthenticationInfo, TypedHeader};
/// let h = AuthenticationInfo::parse_str("nextnonce=\"47364c23432d2e131a5fb210812c\"").unwrap();
/// assert_eq!(h.nextnonce().as_deref(), Some("47364c23432d2e131a5fb210812c"));
/// ```
#[derive(Debug, Clone)]
pub struct AuthenticationInfo {
    raw: ByteString,
    params: Span,
}

impl AuthenticationInfo {
    /// Starts an Authentication-Info value.
    pub fn builder() -> AuthenticationInfoBuilder {
        AuthenticationInfoBuilder {
            w: ParamWriter::new(""),
        }
    }

    /// The value as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Iterates over the parameters as `(name, value as written)`.
    pub fn params(&self) -> AuthParamIter<'_> {
        AuthParamIter::new(&self.raw, self.params)
    }

    /// The first parameter named `name` (case-insensitive), as written.
    pub fn param_raw(&self, name: &str) -> Option<&str> {
        find(self.params(), name)
    }

    /// The first parameter named `name`, unquoted.
    pub fn param(&self, name: &str) -> Option<Cow<'_, str>> {
        self.param_raw(name).map(unquote)
    }

    /// `nextnonce`, unquoted: the nonce the client should use next.
    pub fn nextnonce(&self) -> Option<Cow<'_, str>> {
        self.param("nextnonce")
    }

    /// `qop`, unquoted.
    pub fn qop(&self) -> Option<Cow<'_, str>> {
        self.param("qop")
    }

    /// `rspauth`, the response-digest, without quotes.
    pub fn rspauth(&self) -> Option<&str> {
        self.param_raw("rspauth").map(strip_quotes)
    }

    /// `cnonce`, unquoted.
    pub fn cnonce(&self) -> Option<Cow<'_, str>> {
        self.param("cnonce")
    }

    /// `nc`, the nonce count.
    pub fn nc(&self) -> Option<u32> {
        parse_nc(self.param_raw("nc")?)
    }
}

impl TypedHeader for AuthenticationInfo {
    const NAME: HeaderName = HeaderName::AuthenticationInfo;

    fn parse(value: &ByteString) -> Result<Self, ParseError> {
        let mut c = Cursor::new(value);
        c.skip_sws();
        if c.at_end() {
            return Err(c.err(ErrorKind::EmptyValue));
        }
        let params = param_list(&mut c, check_digest)?;
        c.finish()?;
        Ok(Self {
            raw: value.clone(),
            params,
        })
    }

    fn encode(&self, out: &mut BytesMut) {
        encode_params(self.params(), out);
    }
}

impl PartialEq for AuthenticationInfo {
    /// Parameter names case-insensitively, values by their unquoted text, in order.
    fn eq(&self, other: &Self) -> bool {
        params_eq(self.params(), other.params())
    }
}

impl Eq for AuthenticationInfo {}

/// Builds an [`AuthenticationInfo`] one parameter at a time.
#[derive(Debug, Clone)]
pub struct AuthenticationInfoBuilder {
    w: ParamWriter,
}

impl AuthenticationInfoBuilder {
    /// Adds `name=value` with `value` written as a token.
    pub fn param(mut self, name: &str, value: &str) -> Self {
        self.w.token(name, value);
        self
    }

    /// Adds `name="value"`.
    pub fn quoted(mut self, name: &str, value: &str) -> Self {
        self.w.quoted(name, value);
        self
    }

    /// Adds `nextnonce="..."`.
    pub fn nextnonce(self, nonce: &str) -> Self {
        self.quoted("nextnonce", nonce)
    }

    /// Adds `qop=...`.
    pub fn qop(self, qop: &str) -> Self {
        self.param("qop", qop)
    }

    /// Adds `rspauth="..."` (hex).
    pub fn rspauth(self, digest: &str) -> Self {
        self.quoted("rspauth", digest)
    }

    /// Adds `cnonce="..."`.
    pub fn cnonce(self, cnonce: &str) -> Self {
        self.quoted("cnonce", cnonce)
    }

    /// Adds `nc=` with the count as 8 hex digits.
    pub fn nc(self, nc: u32) -> Self {
        self.param("nc", &format!("{nc:08x}"))
    }

    /// Finishes the value.
    ///
    /// # Errors
    /// If nothing was added, a name or token value is not a token, or
    /// `rspauth` is not hex.
    pub fn build(self) -> Result<AuthenticationInfo, ParseError> {
        AuthenticationInfo::parse(&self.w.finish()?)
    }
}
