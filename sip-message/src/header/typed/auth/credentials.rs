//! Credentials: the value of Authorization and Proxy-Authorization.

use std::borrow::Cow;

use bytestring::ByteString;

use super::{parse_nc, strip_quotes, AuthParams, ParamWriter};
use crate::error::ParseError;

/// Credentials (RFC 3261 §25.1 `credentials`), the value of Authorization
/// and Proxy-Authorization, with getters for the Digest fields of RFC 2617
/// §3.2.2.
///
/// Schemes other than Digest parse with any parameters, such as the
/// `NoOneKnowsThisScheme opaque-data=here` of RFC 4475 §3.3.7.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials(AuthParams);

impl core::ops::Deref for Credentials {
    type Target = AuthParams;
    fn deref(&self) -> &AuthParams {
        &self.0
    }
}

impl Credentials {
    /// Parses credentials.
    ///
    /// # Errors
    /// A [`ParseError`] at the first character that breaks the grammar, or
    /// at a Digest `nc` that is not 8 hex digits or a `response` that is
    /// not hex.
    pub fn parse(value: &ByteString) -> Result<Self, ParseError> {
        AuthParams::parse(value).map(Self)
    }

    /// Starts credentials of any scheme.
    pub fn builder(scheme: &str) -> CredentialsBuilder {
        CredentialsBuilder {
            w: ParamWriter::new(scheme),
        }
    }

    /// Starts Digest credentials with the fields every Digest response
    /// carries (RFC 3261 §22.4): `username`, `realm`, `nonce`, `uri` and
    /// `response`.
    pub fn digest(
        username: &str,
        realm: &str,
        nonce: &str,
        uri: &str,
        response: &str,
    ) -> CredentialsBuilder {
        Self::builder("Digest")
            .quoted("username", username)
            .quoted("realm", realm)
            .quoted("nonce", nonce)
            .quoted("uri", uri)
            .quoted("response", response)
    }

    /// The shared view of the scheme and parameters.
    pub fn as_params(&self) -> &AuthParams {
        &self.0
    }

    /// `username`, unquoted.
    pub fn username(&self) -> Option<Cow<'_, str>> {
        self.param("username")
    }

    /// `realm`, unquoted.
    pub fn realm(&self) -> Option<Cow<'_, str>> {
        self.param("realm")
    }

    /// `nonce`, unquoted.
    pub fn nonce(&self) -> Option<Cow<'_, str>> {
        self.param("nonce")
    }

    /// `uri` (the digest-uri, a copy of the Request-URI), unquoted.
    pub fn uri(&self) -> Option<Cow<'_, str>> {
        self.param("uri")
    }

    /// `response`, the request-digest, without quotes.
    pub fn response(&self) -> Option<&str> {
        self.param_raw("response").map(strip_quotes)
    }

    /// `algorithm`, unquoted. Absent means MD5.
    pub fn algorithm(&self) -> Option<Cow<'_, str>> {
        self.param("algorithm")
    }

    /// `cnonce`, unquoted.
    pub fn cnonce(&self) -> Option<Cow<'_, str>> {
        self.param("cnonce")
    }

    /// `opaque`, unquoted.
    pub fn opaque(&self) -> Option<Cow<'_, str>> {
        self.param("opaque")
    }

    /// `qop` (the message-qop chosen, `auth` or `auth-int`), unquoted.
    pub fn qop(&self) -> Option<Cow<'_, str>> {
        self.param("qop")
    }

    /// `nc`, the nonce count (8 hex digits on the wire).
    pub fn nc(&self) -> Option<u32> {
        parse_nc(self.param_raw("nc")?)
    }
}

/// Builds [`Credentials`] one parameter at a time.
#[derive(Debug, Clone)]
pub struct CredentialsBuilder {
    w: ParamWriter,
}

impl CredentialsBuilder {
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

    /// Adds `algorithm=...`.
    pub fn algorithm(self, algorithm: &str) -> Self {
        self.param("algorithm", algorithm)
    }

    /// Adds `cnonce="..."`.
    pub fn cnonce(self, cnonce: &str) -> Self {
        self.quoted("cnonce", cnonce)
    }

    /// Adds `opaque="..."`, echoing the challenge's (RFC 2617 §3.2.2).
    pub fn opaque(self, opaque: &str) -> Self {
        self.quoted("opaque", opaque)
    }

    /// Adds `qop=...` (a token, as `message-qop` is).
    pub fn qop(self, qop: &str) -> Self {
        self.param("qop", qop)
    }

    /// Adds `nc=` with the count as 8 hex digits.
    pub fn nc(self, nc: u32) -> Self {
        self.param("nc", &format!("{nc:08x}"))
    }

    /// Finishes the credentials.
    ///
    /// # Errors
    /// If a name or token value is not a token, a value holds control
    /// characters or the response is not hex.
    pub fn build(self) -> Result<Credentials, ParseError> {
        Credentials::parse(&self.w.finish()?)
    }
}
