//! Challenges: the value of WWW-Authenticate and Proxy-Authenticate.

use std::borrow::Cow;

use bytestring::ByteString;

use super::{strip_quotes, AuthParams, ParamWriter};
use crate::error::ParseError;

/// A challenge (RFC 3261 §25.1 `challenge`), the value of WWW-Authenticate
/// and Proxy-Authenticate, with getters for the Digest fields of RFC 2617
/// §3.2.1.
///
/// It dereferences to [`AuthParams`] for the scheme and any parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge(AuthParams);

impl core::ops::Deref for Challenge {
    type Target = AuthParams;
    fn deref(&self) -> &AuthParams {
        &self.0
    }
}

impl Challenge {
    /// Parses a challenge.
    ///
    /// # Errors
    /// A [`ParseError`] at the first character that breaks the grammar, or
    /// at a Digest `stale` that is not TRUE or FALSE.
    pub fn parse(value: &ByteString) -> Result<Self, ParseError> {
        AuthParams::parse(value).map(Self)
    }

    /// Starts a challenge of any scheme.
    pub fn builder(scheme: &str) -> ChallengeBuilder {
        ChallengeBuilder {
            w: ParamWriter::new(scheme),
        }
    }

    /// Starts a Digest challenge: `Digest realm="...", nonce="..."`
    /// (RFC 3261 §22.4, RFC 2617 §3.2.1).
    pub fn digest(realm: &str, nonce: &str) -> ChallengeBuilder {
        Self::builder("Digest")
            .quoted("realm", realm)
            .quoted("nonce", nonce)
    }

    /// The shared view of the scheme and parameters.
    pub fn as_params(&self) -> &AuthParams {
        &self.0
    }

    /// `realm`, unquoted.
    pub fn realm(&self) -> Option<Cow<'_, str>> {
        self.param("realm")
    }

    /// The URIs of `domain` (space-separated inside the quotes).
    pub fn domain(&self) -> impl Iterator<Item = &str> + '_ {
        self.param_raw("domain")
            .map_or("", strip_quotes)
            .split_ascii_whitespace()
    }

    /// `nonce`, unquoted.
    pub fn nonce(&self) -> Option<Cow<'_, str>> {
        self.param("nonce")
    }

    /// `opaque`, unquoted.
    pub fn opaque(&self) -> Option<Cow<'_, str>> {
        self.param("opaque")
    }

    /// `stale`: whether the nonce was stale and the credentials otherwise
    /// right (RFC 2617 §3.2.1). `false` when absent.
    pub fn stale(&self) -> bool {
        self.param("stale")
            .is_some_and(|s| s.eq_ignore_ascii_case("true"))
    }

    /// `algorithm` (`MD5`, `MD5-sess`, ...), unquoted. Absent means MD5.
    pub fn algorithm(&self) -> Option<Cow<'_, str>> {
        self.param("algorithm")
    }

    /// The `qop-options`: each `qop-value` of `qop="auth,auth-int"`.
    pub fn qop_options(&self) -> impl Iterator<Item = &str> + '_ {
        self.param_raw("qop")
            .map_or("", strip_quotes)
            .split(',')
            .map(|s| s.trim_matches([' ', '\t', '\r', '\n']))
            .filter(|s| !s.is_empty())
    }
}

/// Builds a [`Challenge`] one parameter at a time.
///
/// Values given to [`quoted`](Self::quoted) and the Digest helpers are
/// quoted and escaped as needed; [`param`](Self::param) values are written
/// as given and must be tokens.
#[derive(Debug, Clone)]
pub struct ChallengeBuilder {
    w: ParamWriter,
}

impl ChallengeBuilder {
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

    /// Adds `opaque="..."`.
    pub fn opaque(self, opaque: &str) -> Self {
        self.quoted("opaque", opaque)
    }

    /// Adds `stale=TRUE` or `stale=FALSE`.
    pub fn stale(self, stale: bool) -> Self {
        self.param("stale", if stale { "TRUE" } else { "FALSE" })
    }

    /// Adds `algorithm=...` (`MD5`, `MD5-sess`, ...).
    pub fn algorithm(self, algorithm: &str) -> Self {
        self.param("algorithm", algorithm)
    }

    /// Adds `qop="auth,auth-int"` from the given qop-values.
    pub fn qop(self, qop: &[&str]) -> Self {
        self.quoted("qop", &qop.join(","))
    }

    /// Adds `domain="uri uri"`.
    pub fn domain(self, uris: &[&str]) -> Self {
        self.quoted("domain", &uris.join(" "))
    }

    /// Finishes the challenge.
    ///
    /// # Errors
    /// If a name or token value is not a token, or a value holds control
    /// characters.
    pub fn build(self) -> Result<Challenge, ParseError> {
        Challenge::parse(&self.w.finish()?)
    }
}
