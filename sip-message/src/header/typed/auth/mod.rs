//! Authentication headers: WWW-Authenticate, Proxy-Authenticate,
//! Authorization, Proxy-Authorization and Authentication-Info
//! ([RFC 3261 §20.6, §20.7, §20.27, §20.28, §20.44, §22], [RFC 2617 §3.2]).
//!
//! A challenge or credentials value is an `auth-scheme` followed by
//! comma-separated `auth-param`s (`name=token` or `name="quoted"`). The
//! commas separate parameters, not header values, so none of these headers
//! is a list header: one line holds one challenge or one set of credentials.
//!
//! [RFC 3261 §20.6, §20.7, §20.27, §20.28, §20.44, §22]: https://www.rfc-editor.org/rfc/rfc3261#section-22
//! [RFC 2617 §3.2]: https://www.rfc-editor.org/rfc/rfc2617#section-3.2

use std::borrow::Cow;

use bytes::BytesMut;
use bytestring::ByteString;

use crate::error::{ErrorKind, ParseError};
use crate::header::{HeaderName, TypedHeader};
use crate::text::{is_token, unquote, write_quoted, Cursor, Span};

mod challenge;
mod credentials;
mod info;

pub use challenge::{Challenge, ChallengeBuilder};
pub use credentials::{Credentials, CredentialsBuilder};
pub use info::{AuthenticationInfo, AuthenticationInfoBuilder};

/// An `auth-scheme` with its `auth-param`s: the common shape of a challenge
/// and of credentials.
///
/// Values are kept as written; [`AuthParams::param`] removes the quotes and
/// quoted-pairs. Parameter names and the scheme compare case-insensitively
/// (RFC 2617 §1.2, RFC 7235 §2.1).
///
/// Besides the RFC 3261 `auth-param` form, a scheme other than Digest may
/// carry a single `token68` (RFC 7235 §2.1), as the Bearer credentials of
/// [RFC 8898 §2.1](https://www.rfc-editor.org/rfc/rfc8898#section-2.1) do.
#[derive(Debug, Clone)]
pub struct AuthParams {
    raw: ByteString,
    scheme: Span,
    /// The parameter list, or the token68 when `token68` is set.
    params: Span,
    token68: bool,
}

impl AuthParams {
    /// The value as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The `auth-scheme` as written (`Digest`).
    pub fn scheme(&self) -> &str {
        self.scheme.of(&self.raw)
    }

    /// Whether the scheme is `scheme`, compared case-insensitively.
    pub fn is_scheme(&self, scheme: &str) -> bool {
        self.scheme().eq_ignore_ascii_case(scheme)
    }

    /// Whether this is the Digest scheme of RFC 2617 and RFC 3261 §22.4.
    pub fn is_digest(&self) -> bool {
        self.is_scheme("Digest")
    }

    /// The `token68` of a scheme written in that form (`Bearer eyJhbGci...`).
    pub fn token68(&self) -> Option<&str> {
        self.token68.then(|| self.params.of(&self.raw))
    }

    /// Iterates over the parameters as `(name, value)`, values as written
    /// (quoted-strings keep their quotes).
    pub fn params(&self) -> AuthParamIter<'_> {
        if self.token68 {
            return AuthParamIter::new("", Span::default());
        }
        AuthParamIter::new(&self.raw, self.params)
    }

    /// The first parameter named `name` (case-insensitive), as written.
    pub fn param_raw(&self, name: &str) -> Option<&str> {
        find(self.params(), name)
    }

    /// The first parameter named `name` (case-insensitive), with quotes and
    /// quoted-pairs removed.
    pub fn param(&self, name: &str) -> Option<Cow<'_, str>> {
        self.param_raw(name).map(unquote)
    }

    /// Whether a parameter named `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.param_raw(name).is_some()
    }

    /// Writes `scheme SP name=value, name=value` with values as written.
    pub fn encode(&self, out: &mut BytesMut) {
        out.extend_from_slice(self.scheme().as_bytes());
        out.extend_from_slice(b" ");
        if let Some(t) = self.token68() {
            out.extend_from_slice(t.as_bytes());
            return;
        }
        encode_params(self.params(), out);
    }

    /// `auth-scheme LWS auth-param *(COMMA auth-param)`, or
    /// `auth-scheme 1*SP token68` for a scheme other than Digest.
    fn parse(value: &ByteString) -> Result<Self, ParseError> {
        let mut c = Cursor::new(value);
        let scheme = c.take1(is_token, ErrorKind::InvalidValue("an auth-scheme token"))?;
        if !c.skip_sws_any() {
            return Err(c.err(ErrorKind::InvalidValue("auth-params after the auth-scheme")));
        }
        let digest = scheme.of(value).eq_ignore_ascii_case("Digest");
        let after_scheme = c.pos;
        let list = param_list(&mut c, |c, n, v| {
            if digest {
                check_digest(c, n, v)
            } else {
                Ok(())
            }
        })
        .and_then(|span| c.finish().map(|()| span));
        match list {
            Ok(params) => Ok(Self {
                raw: value.clone(),
                scheme,
                params,
                token68: false,
            }),
            // Digest has no token68 form (RFC 3261 §25.1 `challenge`, `credentials`).
            Err(e) if digest => Err(e),
            Err(e) => {
                c.pos = after_scheme;
                match token68(&mut c) {
                    Some(params) => Ok(Self {
                        raw: value.clone(),
                        scheme,
                        params,
                        token68: true,
                    }),
                    None => Err(e),
                }
            }
        }
    }
}

impl PartialEq for AuthParams {
    /// The scheme and parameter names case-insensitively; values by their
    /// unquoted text (two token values case-insensitively); in order.
    fn eq(&self, other: &Self) -> bool {
        self.is_scheme(other.scheme())
            && self.token68() == other.token68()
            && params_eq(self.params(), other.params())
    }
}

impl Eq for AuthParams {}

/// Iterator over `auth-param`s as `(name, value as written)`.
#[derive(Debug, Clone)]
pub struct AuthParamIter<'a> {
    input: &'a str,
    pos: usize,
    end: usize,
}

impl<'a> AuthParamIter<'a> {
    fn new(input: &'a str, span: Span) -> Self {
        Self {
            input,
            pos: span.start as usize,
            end: span.end as usize,
        }
    }
}

impl<'a> Iterator for AuthParamIter<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.end {
            return None;
        }
        // The list was validated when the header was parsed; a failure here
        // can only mean the end.
        let mut c = Cursor {
            input: self.input.get(..self.end)?.as_bytes(),
            pos: self.pos,
        };
        let item = one_param(&mut c).ok();
        c.eat_sep(b',');
        self.pos = if item.is_some() { c.pos } else { self.end };
        let (n, v) = item?;
        Some((n.of(self.input), v.of(self.input)))
    }
}

/// `auth-param-name EQUAL ( token / quoted-string )`; the value span keeps
/// the quotes of a quoted-string.
fn one_param(c: &mut Cursor<'_>) -> Result<(Span, Span), ParseError> {
    c.skip_sws();
    let name = c.take1(is_token, ErrorKind::InvalidParam)?;
    if !c.eat_sep(b'=') {
        return Err(c.err(ErrorKind::InvalidValue("'=' after an auth-param name")));
    }
    let value = if c.peek() == Some(b'"') {
        let start = c.pos;
        c.quoted()?;
        Span::new(start, c.pos)
    } else {
        c.take1(
            is_token,
            ErrorKind::InvalidValue("a token or quoted-string auth-param value"),
        )?
    };
    Ok((name, value))
}

/// `auth-param *(COMMA auth-param)`, calling `check` on each; returns the
/// span of the list.
fn param_list(
    c: &mut Cursor<'_>,
    check: impl Fn(&Cursor<'_>, Span, Span) -> Result<(), ParseError>,
) -> Result<Span, ParseError> {
    let start = c.pos;
    loop {
        let (name, value) = one_param(c)?;
        check(c, name, value)?;
        let end = c.pos;
        if !c.eat_sep(b',') {
            return Ok(Span::new(start, end));
        }
    }
}

/// `token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`
/// running to the end of the value.
fn token68(c: &mut Cursor<'_>) -> Option<Span> {
    let start = c.pos;
    c.take1(
        |b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b),
        ErrorKind::ExpectedToken,
    )
    .ok()?;
    c.take0(|b| b == b'=');
    let end = c.pos;
    c.finish().ok()?;
    Some(Span::new(start, end))
}

/// Removes the surrounding quotes of a quoted-string, leaving escapes alone.
fn strip_quotes(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
}

/// The values of the Digest parameters whose grammar is narrower than
/// `auth-param`. Quoting is not enforced, only the content is checked:
/// RFC 2617 quotes `qop` in a challenge but not in credentials, and real
/// implementations quote `algorithm` and `qop` either way.
fn check_digest(c: &Cursor<'_>, name: Span, value: Span) -> Result<(), ParseError> {
    let n = &c.input[name.range()];
    let v = &c.input[value.range()];
    let v = v
        .strip_prefix(b"\"")
        .and_then(|v| v.strip_suffix(b"\""))
        .unwrap_or(v);
    let hex = |v: &[u8]| v.iter().all(u8::is_ascii_hexdigit);
    let ok = if n.eq_ignore_ascii_case(b"stale") {
        // stale = "stale" EQUAL ( "true" / "false" )
        v.eq_ignore_ascii_case(b"true") || v.eq_ignore_ascii_case(b"false")
    } else if n.eq_ignore_ascii_case(b"nc") {
        // nonce-count = "nc" EQUAL nc-value; nc-value = 8LHEX
        v.len() == 8 && hex(v)
    } else if n.eq_ignore_ascii_case(b"response") {
        // request-digest = LDQUOT 32LHEX RDQUOT; the length is not checked
        // because RFC 3665 §2.1 F3 itself carries a 31-digit response and
        // RFC 8760 digests are longer.
        !v.is_empty() && hex(v)
    } else if n.eq_ignore_ascii_case(b"rspauth") {
        // response-digest = LDQUOT *LHEX RDQUOT
        hex(v)
    } else {
        true
    };
    if ok {
        Ok(())
    } else {
        let what = if n.eq_ignore_ascii_case(b"stale") {
            "stale=TRUE or stale=FALSE"
        } else if n.eq_ignore_ascii_case(b"nc") {
            "an nc of 8 hex digits"
        } else {
            "a hex digest"
        };
        Err(c.err_at(ErrorKind::InvalidValue(what), value.start as usize))
    }
}

/// `nc-value = 8LHEX` as a number.
fn parse_nc(v: &str) -> Option<u32> {
    u32::from_str_radix(strip_quotes(v), 16).ok()
}

fn find<'a>(mut params: AuthParamIter<'a>, name: &str) -> Option<&'a str> {
    params
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

fn params_eq(mut a: AuthParamIter<'_>, mut b: AuthParamIter<'_>) -> bool {
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some((an, av)), Some((bn, bv))) => {
                let values = if !av.starts_with('"') && !bv.starts_with('"') {
                    av.eq_ignore_ascii_case(bv)
                } else {
                    unquote(av) == unquote(bv)
                };
                if !an.eq_ignore_ascii_case(bn) || !values {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

fn encode_params(params: AuthParamIter<'_>, out: &mut BytesMut) {
    for (i, (n, v)) in params.enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        out.extend_from_slice(n.as_bytes());
        out.extend_from_slice(b"=");
        out.extend_from_slice(v.as_bytes());
    }
}

/// Accumulates `name=value` pairs for the builders.
#[derive(Debug, Clone)]
struct ParamWriter {
    out: BytesMut,
    count: usize,
}

impl ParamWriter {
    fn new(scheme: &str) -> Self {
        let mut out = BytesMut::with_capacity(128);
        if !scheme.is_empty() {
            out.extend_from_slice(scheme.as_bytes());
            out.extend_from_slice(b" ");
        }
        Self { out, count: 0 }
    }

    fn name(&mut self, name: &str) {
        if self.count > 0 {
            self.out.extend_from_slice(b", ");
        }
        self.count += 1;
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"=");
    }

    fn token(&mut self, name: &str, value: &str) {
        self.name(name);
        self.out.extend_from_slice(value.as_bytes());
    }

    fn quoted(&mut self, name: &str, value: &str) {
        self.name(name);
        write_quoted(&mut self.out, value);
    }

    fn finish(self) -> Result<ByteString, ParseError> {
        ByteString::try_from(self.out.freeze())
            .map_err(|_| ParseError::new(ErrorKind::InvalidUtf8, 0))
    }
}

macro_rules! auth_header {
    ($(#[$doc:meta])* $ty:ident, $name:ident, $inner:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $ty(pub $inner);

        impl $ty {
            /// Wraps a value.
            pub fn new(value: $inner) -> Self {
                Self(value)
            }
        }

        impl core::ops::Deref for $ty {
            type Target = $inner;
            fn deref(&self) -> &$inner {
                &self.0
            }
        }

        impl TypedHeader for $ty {
            const NAME: HeaderName = HeaderName::$name;
            fn parse(value: &ByteString) -> Result<Self, ParseError> {
                $inner::parse(value).map(Self)
            }
            fn encode(&self, out: &mut BytesMut) {
                self.0.encode(out)
            }
        }
    };
}

auth_header!(
    /// `WWW-Authenticate` (RFC 3261 §20.44): a UAS or registrar's challenge in a 401.
    ///
    /// The challenge of RFC 3665 §2.1 F2, folded over three lines:
    ///
    /// ```
    /// use sip_message::{TypedHeader, WwwAuthenticate};
    /// let h = WwwAuthenticate::parse_str(
    ///     "Digest realm=\"atlanta.example.com\", qop=\"auth\",\r\n \
    ///      nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\",\r\n \
    ///      opaque=\"\", stale=FALSE, algorithm=MD5",
    /// ).unwrap();
    /// assert!(h.is_digest());
    /// assert_eq!(h.realm().as_deref(), Some("atlanta.example.com"));
    /// assert_eq!(h.qop_options().collect::<Vec<_>>(), ["auth"]);
    /// assert_eq!(h.opaque().as_deref(), Some(""));
    /// assert!(!h.stale());
    /// ```
    WwwAuthenticate, WwwAuthenticate, Challenge
);
auth_header!(
    /// `Proxy-Authenticate` (RFC 3261 §20.27): a proxy's challenge in a 407.
    ///
    /// ```
    /// use sip_message::{Challenge, ProxyAuthenticate, TypedHeader};
    /// let h = ProxyAuthenticate::new(
    ///     Challenge::digest("atlanta.com", "f84f1cec41e6cbe5aea9c8e88d359")
    ///         .qop(&["auth"])
    ///         .opaque("")
    ///         .stale(false)
    ///         .algorithm("MD5")
    ///         .build()
    ///         .unwrap(),
    /// );
    /// assert_eq!(
    ///     h.to_value_string(),
    ///     "Digest realm=\"atlanta.com\", nonce=\"f84f1cec41e6cbe5aea9c8e88d359\", \
    ///      qop=\"auth\", opaque=\"\", stale=FALSE, algorithm=MD5"
    /// );
    /// ```
    ProxyAuthenticate, ProxyAuthenticate, Challenge
);
auth_header!(
    /// `Authorization` (RFC 3261 §20.7): a UA's credentials for a UAS or registrar.
    ///
    /// ```
    /// use sip_message::{Authorization, Credentials, TypedHeader};
    /// let h = Authorization::new(
    ///     Credentials::digest("bob", "biloxi.com", "dcd98b7102dd2f0e8b11d0f600bfb0c093",
    ///                         "sip:bob@biloxi.com", "245f23415f11432b3434341c022")
    ///         .qop("auth")
    ///         .nc(1)
    ///         .cnonce("0a4f113b")
    ///         .build()
    ///         .unwrap(),
    /// );
    /// let back = Authorization::parse_str(&h.to_value_string()).unwrap();
    /// assert_eq!(back.username().as_deref(), Some("bob"));
    /// assert_eq!(back.nc(), Some(1));
    /// assert_eq!(back.param_raw("nc"), Some("00000001"));
    /// assert_eq!(back, h);
    ///
    /// // RFC 4475 §3.3.7: an unknown scheme still parses.
    /// let odd = Authorization::parse_str("NoOneKnowsThisScheme opaque-data=here").unwrap();
    /// assert_eq!(odd.scheme(), "NoOneKnowsThisScheme");
    /// assert_eq!(odd.param("opaque-data").as_deref(), Some("here"));
    /// ```
    Authorization, Authorization, Credentials
);
auth_header!(
    /// `Proxy-Authorization` (RFC 3261 §20.28): a UA's credentials for a proxy.
    ProxyAuthorization, ProxyAuthorization, Credentials
);

#[cfg(test)]
mod tests;
