//! SIP and SIPS URIs (RFC 3261 §19.1).

use std::borrow::Cow;
use std::net::IpAddr;

use bytestring::ByteString;

use super::escape;
use crate::error::{ErrorKind, ParseError};
use crate::text::{
    is_hnv_esc, is_param_esc, is_password_esc, is_user_esc, skip, slice, Cursor, OptSpan, Span,
};

/// What kind of host a URI or Via names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HostKind {
    /// A DNS name.
    Domain,
    /// A dotted-quad IPv4 address.
    Ipv4,
    /// A bracketed IPv6 reference (`[2001:db8::1]`).
    Ipv6,
}

/// A SIP or SIPS URI: `sip:user:password@host:port;params?headers`.
///
/// The URI keeps its text as written and records where each part is, so
/// reading a part is a slice and printing the URI reproduces its input.
/// Percent-escapes are decoded by the accessors that say so.
/// [`PartialEq`] follows the comparison rules of RFC 3261 §19.1.4.
#[derive(Debug, Clone)]
pub struct SipUri {
    /// The buffer the URI lives in: the URI itself, or the whole header
    /// value it was parsed from (a name-addr shares its buffer with its URI).
    raw: ByteString,
    /// Where the URI is in `raw`; every other span is relative to `raw` too.
    text: Span,
    secure: bool,
    user: OptSpan,
    password: OptSpan,
    host: Span,
    host_kind: HostKind,
    port: Option<u16>,
    params: Span,
    headers: Span,
}

impl SipUri {
    /// Parses a complete SIP or SIPS URI.
    ///
    /// # Errors
    /// A [`ParseError`] with the offset of the first character that breaks
    /// the `SIP-URI` / `SIPS-URI` grammar.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        Self::parse_slice(ByteString::from(s)).map_err(|e| e.rebase(s.as_bytes(), 0))
    }

    pub(crate) fn parse_slice(raw: ByteString) -> Result<Self, ParseError> {
        let b = raw.as_bytes();
        let (secure, at) = if b.len() >= 4 && b[..4].eq_ignore_ascii_case(b"sip:") {
            (false, 4)
        } else if b.len() >= 5 && b[..5].eq_ignore_ascii_case(b"sips:") {
            (true, 5)
        } else {
            return Err(ParseError::new(ErrorKind::InvalidScheme, 0));
        };
        let text = Span::new(0, raw.len());
        Self::parse_known(raw, text, secure, at)
    }

    /// Parses the URI at `text` of `raw` whose scheme (`sip:` or `sips:`)
    /// is `at` bytes long.
    pub(crate) fn parse_known(
        raw: ByteString,
        text: Span,
        secure: bool,
        at: usize,
    ) -> Result<Self, ParseError> {
        let mut c = Cursor::new(&raw[..text.end as usize]);
        c.pos = text.start as usize + at;
        let parts = parse_after_scheme(&mut c)?;
        if !c.at_end() {
            return Err(c.err(ErrorKind::InvalidUri));
        }
        Ok(Self {
            raw,
            text,
            secure,
            user: parts.user.into(),
            password: parts.password.into(),
            host: parts.host,
            host_kind: parts.host_kind,
            port: parts.port,
            params: parts.params,
            headers: parts.headers,
        })
    }

    /// Parses a SIP or SIPS URI that starts at `start` of `value` and ends
    /// at the first character that cannot continue it (the `>` of a
    /// name-addr). Returns `None` if `value` has no `sip:`/`sips:` there.
    /// Errors are positioned in `value`.
    pub(crate) fn parse_prefix(
        value: &ByteString,
        start: usize,
    ) -> Option<Result<(Self, usize), ParseError>> {
        let b = &value.as_bytes()[start..];
        let (secure, at) = if b.len() > 4 && b[..4].eq_ignore_ascii_case(b"sip:") {
            (false, 4)
        } else if b.len() > 5 && b[..5].eq_ignore_ascii_case(b"sips:") {
            (true, 5)
        } else {
            return None;
        };
        let mut c = Cursor::new(value);
        c.pos = start + at;
        let parts = match parse_after_scheme(&mut c) {
            Ok(p) => p,
            Err(e) => return Some(Err(e)),
        };
        let end = c.pos;
        Some(Ok((
            Self {
                raw: value.clone(),
                text: Span::new(start, end),
                secure,
                user: parts.user.into(),
                password: parts.password.into(),
                host: parts.host,
                host_kind: parts.host_kind,
                port: parts.port,
                params: parts.params,
                headers: parts.headers,
            },
            end,
        )))
    }

    /// The URI as written.
    pub fn as_str(&self) -> &str {
        self.text.of(&self.raw)
    }

    /// The URI text as a zero-copy `ByteString`.
    pub fn to_byte_string(&self) -> ByteString {
        slice(&self.raw, self.text)
    }

    /// The buffer the URI's spans index (see the `raw` field).
    pub(crate) fn buffer(&self) -> &ByteString {
        &self.raw
    }

    /// `true` for `sips:`.
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// The scheme in lower case: `"sip"` or `"sips"`.
    pub fn scheme(&self) -> &'static str {
        if self.secure {
            "sips"
        } else {
            "sip"
        }
    }

    /// The user part as written (escapes not decoded).
    pub fn user_raw(&self) -> Option<&str> {
        self.user.get().map(|s| s.of(&self.raw))
    }

    /// The user part with escapes decoded (`%40` becomes `@`).
    pub fn user(&self) -> Option<Cow<'_, str>> {
        self.user_raw().map(escape::decode)
    }

    /// The password as written, if the URI has one (RFC 3261 discourages it).
    pub fn password(&self) -> Option<&str> {
        self.password.get().map(|s| s.of(&self.raw))
    }

    /// The host as written; an IPv6 reference keeps its brackets.
    pub fn host(&self) -> &str {
        self.host.of(&self.raw)
    }

    /// Whether the host is a domain name, IPv4 or IPv6 address.
    pub fn host_kind(&self) -> HostKind {
        self.host_kind
    }

    /// The host as an IP address when it is one that parses as such.
    pub fn ip(&self) -> Option<IpAddr> {
        host_ip(self.host(), self.host_kind)
    }

    /// The port, if one is written.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// Iterates over the URI parameters as `(name, value)`, escapes kept.
    pub fn params(&self) -> UriParams<'_> {
        UriParams {
            rest: self.params.of(&self.raw),
            sep: b';',
        }
    }

    /// Looks a parameter up by name, case-insensitively. `Some(None)` means
    /// present without a value (as `lr`).
    pub fn param(&self, name: &str) -> Option<Option<&str>> {
        self.params()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The `transport` parameter.
    pub fn transport(&self) -> Option<&str> {
        self.param("transport").flatten()
    }

    /// The `user` parameter (`phone`, `ip`, ...).
    pub fn user_param(&self) -> Option<&str> {
        self.param("user").flatten()
    }

    /// The `method` parameter.
    pub fn method_param(&self) -> Option<&str> {
        self.param("method").flatten()
    }

    /// The `ttl` parameter, if it is a number 0-255.
    pub fn ttl(&self) -> Option<u8> {
        self.param("ttl").flatten().and_then(|v| v.parse().ok())
    }

    /// The `maddr` parameter.
    pub fn maddr(&self) -> Option<&str> {
        self.param("maddr").flatten()
    }

    /// Whether the `lr` parameter (loose routing, RFC 3261 §19.1.1) is present.
    pub fn lr(&self) -> bool {
        self.param("lr").is_some()
    }

    /// The raw parameter text, starting with `;` (empty if none).
    pub fn params_raw(&self) -> &str {
        self.params.of(&self.raw)
    }

    /// Iterates over the URI headers after `?` as `(hname, hvalue)`, escapes kept.
    pub fn headers(&self) -> UriParams<'_> {
        UriParams {
            rest: self.headers.of(&self.raw),
            sep: b'&',
        }
    }

    /// Whether the URI has a `?headers` part.
    pub fn has_headers(&self) -> bool {
        !self.headers.is_empty()
    }

    /// The URI without its header part, as a new URI (what a registrar
    /// binds and what a Request-URI may carry, RFC 3261 §19.1.5).
    pub fn without_headers(&self) -> Self {
        if self.headers.is_empty() {
            return self.clone();
        }
        let end = self.headers.start as usize - 1;
        Self {
            text: Span::new(self.text.start as usize, end),
            headers: Span::new(end, end),
            ..self.clone()
        }
    }
}

/// Parsed parts of a SIP URI after `scheme:`.
pub(crate) struct SipParts {
    pub(crate) user: Option<Span>,
    pub(crate) password: Option<Span>,
    pub(crate) host: Span,
    pub(crate) host_kind: HostKind,
    pub(crate) port: Option<u16>,
    pub(crate) params: Span,
    pub(crate) headers: Span,
}

/// `[ userinfo ] hostport uri-parameters [ headers ]`, stopping at the first
/// character that cannot continue the URI.
pub(crate) fn parse_after_scheme(c: &mut Cursor<'_>) -> Result<SipParts, ParseError> {
    let b = c.input;
    // userinfo = ( user / telephone-subscriber ) [ ":" password ] "@".
    // The user part may hold ';', '?' and '/', so the '@' decides whether
    // there is a userinfo at all; the password charset is a subset of the
    // user's, so one scan of each part suffices.
    let start = c.pos;
    let user_end = skip(b, start, is_user_esc);
    let (user, password, info_end) = match b.get(user_end) {
        Some(b'@') if user_end > start => (Some(Span::new(start, user_end)), None, user_end),
        Some(b'@') => return Err(c.err_at(ErrorKind::InvalidUri, start)),
        Some(b':') if user_end > start => {
            let pass_end = skip(b, user_end + 1, is_password_esc);
            if b.get(pass_end) == Some(&b'@') {
                (
                    Some(Span::new(start, user_end)),
                    Some(Span::new(user_end + 1, pass_end)),
                    pass_end,
                )
            } else {
                (None, None, start)
            }
        }
        _ => (None, None, start),
    };
    if user.is_some() {
        let info = &b[start..info_end];
        if info.contains(&b'%') {
            escape::check(info, start, b)?;
        }
        c.pos = info_end + 1;
    }
    let (host, host_kind) = host(c)?;
    let port = if c.eat(b':') {
        let at = c.pos;
        let end = skip(b, at, |x| x.is_ascii_digit());
        match crate::text::parse_decimal(&b[at..end], u64::from(u16::MAX)) {
            Some(p) => {
                c.pos = end;
                Some(p as u16)
            }
            None => return Err(c.err_at(ErrorKind::InvalidPort, at)),
        }
    } else {
        None
    };
    let params = if c.peek() == Some(b';') {
        uri_params(c, b';', true)?
    } else {
        Span::new(c.pos, c.pos)
    };
    let headers = if c.eat(b'?') {
        let s = c.pos;
        // header = hname "=" hvalue; headers = "?" header *( "&" header )
        loop {
            let ne = skip(b, c.pos, is_hnv_esc);
            if ne == c.pos {
                return Err(c.err(ErrorKind::InvalidUri));
            }
            c.pos = ne;
            c.expect(b'=', ErrorKind::InvalidUri)?;
            c.pos = skip(b, c.pos, is_hnv_esc);
            if !c.eat(b'&') {
                break;
            }
        }
        escape::check(&b[s..c.pos], s, b)?;
        Span::new(s, c.pos)
    } else {
        Span::new(c.pos, c.pos)
    };
    Ok(SipParts {
        user,
        password,
        host,
        host_kind,
        port,
        params,
        headers,
    })
}

/// `*( ";" pname [ "=" pvalue ] )` of `paramchar`s; returns the span from
/// the first `;`. With `leading` false the list starts without a `;`.
pub(crate) fn uri_params(c: &mut Cursor<'_>, sep: u8, leading: bool) -> Result<Span, ParseError> {
    let b = c.input;
    let start = c.pos;
    let mut first = !leading;
    let mut escaped = false;
    // Names seen so far, to refuse a repeated one: RFC 3261 §19.1.1 allows
    // each parameter once, and URI equality (§19.1.4) depends on it.
    let mut names: [Span; 8] = [Span::default(); 8];
    let mut more: Vec<Span> = Vec::new();
    let mut n_names = 0;
    while first || c.peek() == Some(sep) {
        if !first {
            c.pos += 1;
        }
        first = false;
        let ne = skip(b, c.pos, is_param_esc);
        if ne == c.pos {
            return Err(c.err(ErrorKind::InvalidParam));
        }
        let name = Span::new(c.pos, ne);
        let name_escaped = b[c.pos..ne].contains(&b'%');
        escaped |= name_escaped;
        let same = |other: &Span| same_param_name(b, *other, name, name_escaped);
        if names[..n_names.min(names.len())].iter().any(same) || more.iter().any(same) {
            return Err(c.err_at(ErrorKind::InvalidValue("each URI parameter once"), c.pos));
        }
        if n_names < names.len() {
            names[n_names] = name;
        } else {
            more.push(name);
        }
        n_names += 1;
        c.pos = ne;
        if c.eat(b'=') {
            let ve = skip(b, c.pos, is_param_esc);
            if ve == c.pos {
                return Err(c.err(ErrorKind::InvalidParam));
            }
            escaped |= b[c.pos..ve].contains(&b'%');
            c.pos = ve;
        }
    }
    if escaped {
        escape::check(&b[start..c.pos], start, b)?;
    }
    Ok(Span::new(start, c.pos))
}

/// Whether two parameter names are the same name: case-insensitively, and
/// with escapes decoded when either has one.
fn same_param_name(b: &[u8], a: Span, n: Span, n_escaped: bool) -> bool {
    let (x, y) = (&b[a.range()], &b[n.range()]);
    if !n_escaped && !x.contains(&b'%') {
        return x.eq_ignore_ascii_case(y);
    }
    let text = |s: &[u8]| String::from_utf8_lossy(s).into_owned();
    escape::canonical(&text(x), true) == escape::canonical(&text(y), true)
}

/// `host = hostname / IPv4address / IPv6reference`.
pub(crate) fn host(c: &mut Cursor<'_>) -> Result<(Span, HostKind), ParseError> {
    let b = c.input;
    let start = c.pos;
    if c.eat(b'[') {
        // IPv6reference = "[" IPv6address "]"; checked lexically so the
        // three-colon form of RFC 5118 §4.10 is tolerated as that RFC asks.
        let end = skip(b, c.pos, |x| {
            x.is_ascii_hexdigit() || x == b':' || x == b'.'
        });
        let colons = b[c.pos..end].iter().filter(|&&x| x == b':').count();
        c.pos = end;
        if colons < 2 {
            return Err(c.err_at(ErrorKind::InvalidHost, start));
        }
        c.expect(b']', ErrorKind::InvalidHost)?;
        return Ok((Span::new(start, c.pos), HostKind::Ipv6));
    }
    let (end, kind) = scan_host(b, start);
    let kind = kind.ok_or_else(|| c.err_at(ErrorKind::InvalidHost, start))?;
    c.pos = end;
    Ok((Span::new(start, end), kind))
}

const H_ALPHA: u8 = 1;
const H_DIGIT: u8 = 2;
const H_DASH: u8 = 4;
const H_DOT: u8 = 8;

/// Host character classes; 0 for characters that end a host.
static HOST_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = if b.is_ascii_alphabetic() {
            H_ALPHA
        } else if b.is_ascii_digit() {
            H_DIGIT
        } else if b == b'-' {
            H_DASH
        } else if b == b'.' {
            H_DOT
        } else {
            0
        };
        c += 1;
    }
    t
};

/// Scans a `hostname` or `IPv4address` starting at `start` and classifies
/// it; returns where it ends and its kind, `None` if the characters there
/// do not form a valid host.
///
/// ```text
/// hostname    = *( domainlabel "." ) toplabel [ "." ]
/// domainlabel = alphanum / alphanum *( alphanum / "-" ) alphanum
/// toplabel    = ALPHA / ALPHA *( alphanum / "-" ) alphanum
/// IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT
/// ```
#[inline]
fn scan_host(b: &[u8], start: usize) -> (usize, Option<HostKind>) {
    const ALNUM: u8 = H_ALPHA | H_DIGIT;
    let n = b.len();
    let mut i = start;
    let mut seen = 0u8;
    // Start of the last label (its first character decides toplabel).
    let mut label = start;
    loop {
        // A label is runs of alphanumerics joined by dashes; every run is
        // non-empty, so a label neither starts nor ends with '-'.
        let run = i;
        while i < n {
            let k = HOST_CLASS[b[i] as usize];
            if k & ALNUM == 0 {
                break;
            }
            seen |= k;
            i += 1;
        }
        if i == run {
            return (i, None);
        }
        match b.get(i) {
            Some(b'-') => {
                while i < n && b[i] == b'-' {
                    i += 1;
                }
                seen |= H_DASH;
            }
            Some(b'.')
                if b.get(i + 1)
                    .is_some_and(|&c| HOST_CLASS[c as usize] & ALNUM != 0) =>
            {
                i += 1;
                label = i;
            }
            Some(b'.') => {
                // A trailing dot ends a fully qualified name.
                i += 1;
                break;
            }
            _ => break,
        }
    }
    if seen & (H_ALPHA | H_DASH) == 0 {
        let h = &b[start..i];
        let mut parts = 0;
        for p in h.split(|&c| c == b'.') {
            if p.is_empty() || p.len() > 3 {
                return (i, None);
            }
            parts += 1;
        }
        return (i, (parts == 4).then_some(HostKind::Ipv4));
    }
    // toplabel = ALPHA / ALPHA *( alphanum / "-" ) alphanum
    (
        i,
        b[label].is_ascii_alphabetic().then_some(HostKind::Domain),
    )
}

pub(crate) fn host_ip(host: &str, kind: HostKind) -> Option<IpAddr> {
    match kind {
        HostKind::Domain => None,
        HostKind::Ipv4 => host.parse().ok(),
        HostKind::Ipv6 => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .ok(),
    }
}

/// Iterator over `name[=value]` pairs of a URI parameter or header list.
#[derive(Debug, Clone)]
pub struct UriParams<'a> {
    rest: &'a str,
    sep: u8,
}

impl<'a> Iterator for UriParams<'a> {
    type Item = (&'a str, Option<&'a str>);

    fn next(&mut self) -> Option<Self::Item> {
        let s = self
            .rest
            .strip_prefix(self.sep as char)
            .unwrap_or(self.rest);
        if s.is_empty() {
            return None;
        }
        let end = memchr::memchr(self.sep, s.as_bytes()).unwrap_or(s.len());
        let item = &s[..end];
        self.rest = &s[end..];
        Some(match item.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (item, None),
        })
    }
}

/// The URI parameters whose presence in only one URI makes two URIs differ
/// (RFC 3261 §19.1.4).
const SIGNIFICANT: [&str; 5] = ["user", "ttl", "method", "maddr", "transport"];

impl PartialEq for SipUri {
    /// URI comparison as RFC 3261 §19.1.4 defines it.
    fn eq(&self, other: &Self) -> bool {
        // "A SIP and SIPS URI are never equivalent."
        if self.secure != other.secure {
            return false;
        }
        // "Comparison of the userinfo of SIP and SIPS URIs is case-sensitive.
        // This includes userinfo containing passwords or formatted as
        // telephone-subscribers."
        let canon = |s: Option<&str>| s.map(|s| escape::canonical(s, false).into_owned());
        if canon(self.user_raw()) != canon(other.user_raw())
            || canon(self.password()) != canon(other.password())
        {
            return false;
        }
        // Hosts compare case-insensitively; a port that is present in one
        // and absent in the other is a difference ("A URI omitting any
        // component with a default value will not match a URI explicitly
        // containing that component with its default value").
        if !self.host().eq_ignore_ascii_case(other.host()) || self.port != other.port {
            return false;
        }
        // "URI uri-parameter components are compared as follows: Any
        // uri-parameter appearing in both URIs must match. A user, ttl, or
        // method uri-parameter appearing in only one URI never matches, even
        // if it contains the default value. A URI that includes an maddr
        // parameter will not match a URI that contains no maddr parameter.
        // All other uri-parameters appearing in only one URI are ignored."
        let lookup = |u: &Self, name: &str| {
            u.params()
                .find(|(n, _)| escape::canonical(n, true) == name)
                .map(|(_, v)| v.map(|v| escape::canonical(v, true).into_owned()))
        };
        for (n, v) in self.params() {
            let n = escape::canonical(n, true);
            match lookup(other, &n) {
                Some(ov) if ov != v.map(|v| escape::canonical(v, true).into_owned()) => {
                    return false
                }
                Some(_) => {}
                None if SIGNIFICANT.contains(&&*n) => return false,
                None => {}
            }
        }
        for (n, _) in other.params() {
            let n = escape::canonical(n, true);
            if SIGNIFICANT.contains(&&*n) && lookup(self, &n).is_none() {
                return false;
            }
        }
        // "URI header components are never ignored. Any present header
        // component MUST be present in both URIs and match."
        let headers = |u: &Self| {
            let mut v: Vec<(String, String)> = u
                .headers()
                .map(|(n, v)| {
                    (
                        escape::canonical(n, true).into_owned(),
                        escape::canonical(v.unwrap_or(""), false).into_owned(),
                    )
                })
                .collect();
            v.sort();
            v
        };
        headers(self) == headers(other)
    }
}

impl Eq for SipUri {}

impl core::fmt::Display for SipUri {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> SipUri {
        SipUri::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parts() {
        let x = u("sip:alice:secret@atlanta.com:5061;transport=tcp;lr?subject=project%20x&priority=urgent");
        assert_eq!(x.user_raw(), Some("alice"));
        assert_eq!(x.password(), Some("secret"));
        assert_eq!(x.host(), "atlanta.com");
        assert_eq!(x.port(), Some(5061));
        assert_eq!(x.transport(), Some("tcp"));
        assert!(x.lr());
        assert_eq!(
            x.headers().collect::<Vec<_>>(),
            vec![
                ("subject", Some("project%20x")),
                ("priority", Some("urgent"))
            ]
        );
    }

    /// RFC 4475 §3.1.1.9: the user part holds a semicolon.
    #[test]
    fn rfc4475_semiuri_user_with_semicolon() {
        let x = u("sip:user;par=u%40example.net@example.com");
        assert_eq!(x.user_raw(), Some("user;par=u%40example.net"));
        assert_eq!(x.user().as_deref(), Some("user;par=u@example.net"));
        assert_eq!(x.host(), "example.com");
        assert_eq!(x.params().count(), 0);
    }

    /// RFC 5118 §4.2 and §4.4: IPv6 hosts need brackets; a port follows them.
    #[test]
    fn rfc5118_ipv6_references() {
        let x = u("sip:[2001:db8::10]:5070");
        assert_eq!(x.host(), "[2001:db8::10]");
        assert_eq!(x.port(), Some(5070));
        assert_eq!(x.ip(), Some("2001:db8::10".parse().unwrap()));
        assert!(SipUri::parse("sip:user@2001:db8::10").is_err());
        let amb = u("sip:[2001:db8::10:5070]");
        assert_eq!(amb.port(), None);
    }

    /// RFC 3261 §19.1.4 examples of equivalent URIs.
    #[test]
    fn rfc3261_19_1_4_equal() {
        for (a, b) in [
            (
                "sip:%61lice@atlanta.com;transport=TCP",
                "sip:alice@AtLanTa.CoM;Transport=tcp",
            ),
            ("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"),
            ("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"),
            (
                "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
                "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com",
            ),
            (
                "sip:alice@atlanta.com?subject=project%20x&priority=urgent",
                "sip:alice@atlanta.com?priority=urgent&subject=project%20x",
            ),
        ] {
            assert_eq!(u(a), u(b), "{a} == {b}");
        }
    }

    /// RFC 3261 §19.1.4 examples of URIs that are not equivalent.
    #[test]
    fn rfc3261_19_1_4_not_equal() {
        for (a, b) in [
            (
                "SIP:ALICE@AtLanTa.CoM;Transport=udp",
                "sip:alice@AtLanTa.CoM;Transport=UDP",
            ),
            ("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"),
            ("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"),
            (
                "sip:bob@biloxi.com",
                "sip:bob@biloxi.com:6000;transport=tcp",
            ),
            (
                "sip:carol@chicago.com",
                "sip:carol@chicago.com?Subject=next%20meeting",
            ),
            ("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"),
            ("sip:alice@atlanta.com", "sips:alice@atlanta.com"),
            ("sip:a%3bb@x.com", "sip:a;b@x.com"),
        ] {
            assert_ne!(u(a), u(b), "{a} != {b}");
        }
    }

    #[test]
    fn malformed() {
        for bad in [
            "sip:",
            "sip:@host",
            "sip:host:99999",
            "sip:host;",
            "sip:host;;a",
            "sip:a b",
            "sip:[::1",
            "sip:host?",
            "sip:us%zzer@host",
            "sip:-bad-.com",
            "sip:1.2.3",
        ] {
            assert!(SipUri::parse(bad).is_err(), "{bad}");
        }
    }

    /// RFC 3261 §19.1.1: each URI parameter appears at most once (found by
    /// the `uri` fuzz target: with a repeat, equality was not reflexive).
    #[test]
    fn rfc3261_19_1_1_parameter_at_most_once() {
        for bad in [
            "sip:a@b;lr;lr",
            "sip:a@b;transport=udp;TRANSPORT=tcp",
            "sip:a@b;lr;%6cr",
            "sip:a@b;p1;p2;p3;p4;p5;p6;p7;p8;p9;p10;p1",
        ] {
            assert!(SipUri::parse(bad).is_err(), "{bad}");
        }
        let u = u("sip:a@b;p1;p2;p3;p4;p5;p6;p7;p8;p9;p10;p11");
        assert_eq!(u, u.clone());
    }
}
