//! `Via` (RFC 3261 §20.42, §18.2.1; RFC 3581 `rport`).

use std::net::IpAddr;

use bytes::BytesMut;
use bytestring::ByteString;

use super::Params;
use crate::error::{ErrorKind, ParseError};
use crate::header::{HeaderName, TypedHeader};
use crate::text::{is_token, slice, Cursor, OptSpan, Span};
use crate::uri::{host_ip, parse_host, HostKind};

/// The branch magic cookie that marks an RFC 3261 branch (§8.1.1.7).
pub const MAGIC_COOKIE: &str = "z9hG4bK";

/// One `via-parm`: `SIP/2.0/UDP host:port;branch=...;received=...;rport`.
///
/// ```
/// use sip_message::{TypedHeader, Via};
/// let via = Via::parse_str("SIP/2.0/UDP [2001:db8::9:1]:5060;branch=z9hG4bKas3;rport").unwrap();
/// assert_eq!(via.transport(), "UDP");
/// assert_eq!(via.host(), "[2001:db8::9:1]");
/// assert_eq!(via.port(), Some(5060));
/// assert_eq!(via.branch(), Some("z9hG4bKas3"));
/// assert_eq!(via.rport(), Some(None));
/// ```
#[derive(Debug, Clone)]
pub struct Via {
    raw: ByteString,
    name: Span,
    version: Span,
    transport: Span,
    host: Span,
    host_kind: HostKind,
    port: Option<u16>,
    params: Span,
    branch: OptSpan,
    received: OptSpan,
    rport: Option<Option<u16>>,
    maddr: OptSpan,
    ttl: Option<u8>,
}

impl Via {
    /// A Via for this element: `SIP/2.0/<transport> host[:port];branch=<branch>`.
    ///
    /// # Errors
    /// If `transport`, `host` or `branch` do not fit the grammar.
    pub fn new(
        transport: &str,
        host: &str,
        port: Option<u16>,
        branch: &str,
    ) -> Result<Self, ParseError> {
        let mut s = format!("SIP/2.0/{transport} {host}");
        if let Some(p) = port {
            s.push_str(&format!(":{p}"));
        }
        s.push_str(";branch=");
        s.push_str(branch);
        Self::parse(&ByteString::from(s))
    }

    /// The value as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// `protocol-name`, normally `SIP`.
    pub fn protocol_name(&self) -> &str {
        self.name.of(&self.raw)
    }

    /// `protocol-version`, normally `2.0`.
    pub fn protocol_version(&self) -> &str {
        self.version.of(&self.raw)
    }

    /// The transport token as written (`UDP`, `TCP`, `TLS`, `SCTP`, `WS`, ...).
    pub fn transport(&self) -> &str {
        self.transport.of(&self.raw)
    }

    /// The sent-by host as written (IPv6 with brackets).
    pub fn host(&self) -> &str {
        self.host.of(&self.raw)
    }

    /// Whether the sent-by host is a name, IPv4 or IPv6 address.
    pub fn host_kind(&self) -> HostKind {
        self.host_kind
    }

    /// The sent-by host as an IP address, when it is one.
    pub fn ip(&self) -> Option<IpAddr> {
        host_ip(self.host(), self.host_kind)
    }

    /// The sent-by port, if written.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The `branch` parameter.
    pub fn branch(&self) -> Option<&str> {
        self.branch.get().map(|s| s.of(&self.raw))
    }

    /// The branch as a zero-copy `ByteString`.
    pub fn branch_slice(&self) -> Option<ByteString> {
        self.branch.get().map(|s| slice(&self.raw, s))
    }

    /// Whether the branch starts with the RFC 3261 magic cookie and has
    /// something after it (RFC 4475 §3.2.1 shows a bare cookie).
    pub fn is_rfc3261_branch(&self) -> bool {
        self.branch()
            .is_some_and(|b| b.len() > MAGIC_COOKIE.len() && b.starts_with(MAGIC_COOKIE))
    }

    /// The `received` parameter (RFC 3261 §18.2.1), brackets kept if written.
    pub fn received(&self) -> Option<&str> {
        self.received.get().map(|s| s.of(&self.raw))
    }

    /// The `rport` parameter (RFC 3581): `Some(None)` when present without a value.
    pub fn rport(&self) -> Option<Option<u16>> {
        self.rport
    }

    /// The `maddr` parameter.
    pub fn maddr(&self) -> Option<&str> {
        self.maddr.get().map(|s| s.of(&self.raw))
    }

    /// The `ttl` parameter.
    pub fn ttl(&self) -> Option<u8> {
        self.ttl
    }

    /// All parameters, in order.
    pub fn params(&self) -> Params<'_> {
        Params::new(self.params.of(&self.raw))
    }

    /// A copy with parameter `name` set to `value` (replacing any old
    /// value), as a server does with `received` and `rport` (RFC 3581 §4).
    ///
    /// # Errors
    /// If the value does not fit the parameter's grammar.
    pub fn with_param(&self, name: &str, value: Option<&str>) -> Result<Self, ParseError> {
        let mut out = BytesMut::with_capacity(self.raw.len() + 32);
        self.encode_head(&mut out);
        self.params().encode_except(&mut out, &[name]);
        out.extend_from_slice(b";");
        out.extend_from_slice(name.as_bytes());
        if let Some(v) = value {
            out.extend_from_slice(b"=");
            out.extend_from_slice(v.as_bytes());
        }
        let raw = ByteString::try_from(out.freeze())
            .map_err(|_| ParseError::new(ErrorKind::InvalidUtf8, 0))?;
        Self::parse(&raw)
    }

    fn encode_head(&self, out: &mut BytesMut) {
        out.extend_from_slice(self.protocol_name().as_bytes());
        out.extend_from_slice(b"/");
        out.extend_from_slice(self.protocol_version().as_bytes());
        out.extend_from_slice(b"/");
        out.extend_from_slice(self.transport().as_bytes());
        out.extend_from_slice(b" ");
        out.extend_from_slice(self.host().as_bytes());
        if let Some(p) = self.port {
            out.extend_from_slice(format!(":{p}").as_bytes());
        }
    }
}

impl TypedHeader for Via {
    const NAME: HeaderName = HeaderName::Via;
    const LIST: bool = true;

    fn parse(value: &ByteString) -> Result<Self, ParseError> {
        let mut c = Cursor::new(value);
        // sent-protocol = protocol-name SLASH protocol-version SLASH transport
        let (name, version) =
            if value.len() > 8 && value.as_bytes()[..8].eq_ignore_ascii_case(b"SIP/2.0/") {
                // The form nearly every Via has, without LWS around the slashes.
                c.pos = 8;
                (Span::new(0, 3), Span::new(4, 7))
            } else {
                let name = c.token()?;
                if !c.eat_sep(b'/') {
                    return Err(c.err(ErrorKind::InvalidValue("'/' in the Via sent-protocol")));
                }
                let version = c.token()?;
                if !c.eat_sep(b'/') {
                    return Err(c.err(ErrorKind::InvalidValue("'/' in the Via sent-protocol")));
                }
                (name, version)
            };
        c.skip_sws();
        let transport = c.token()?;
        // LWS sent-by
        if !c.skip_sws_any() {
            return Err(c.err(ErrorKind::ExpectedSpace));
        }
        let (host, host_kind) = parse_host(&mut c)?;
        let port = if c.eat_sep(b':') {
            let at = c.pos;
            Some(
                c.number(u64::from(u16::MAX))
                    .map_err(|_| c.err_at(ErrorKind::InvalidPort, at))? as u16,
            )
        } else {
            None
        };
        let mut branch = None;
        let mut received = None;
        let mut rport = None;
        let mut maddr = None;
        let mut ttl = None;
        let params = c.params(|c, n, v| {
            let name = &c.input[n.range()];
            let val = v.map(|v| &c.input[v.range()]);
            let bad = |what| Err(c.err_at(ErrorKind::InvalidValue(what), n.start as usize));
            if name.eq_ignore_ascii_case(b"branch") {
                // via-branch = "branch" EQUAL token
                match (v, val) {
                    (Some(v), Some(t)) if t.iter().all(|&b| is_token(b)) => branch = Some(v),
                    _ => return bad("a token branch"),
                }
            } else if name.eq_ignore_ascii_case(b"received") {
                // via-received = "received" EQUAL (IPv4address / IPv6address)
                match (v, val) {
                    (Some(v), Some(t))
                        if t.iter()
                            .all(|&b| b.is_ascii_hexdigit() || b".:[]".contains(&b)) =>
                    {
                        received = Some(v)
                    }
                    _ => return bad("an IP address in received"),
                }
            } else if name.eq_ignore_ascii_case(b"rport") {
                // response-port = "rport" [EQUAL 1*DIGIT]
                rport = Some(match val {
                    None => None,
                    Some(t) => match crate::text::parse_decimal(t, u64::from(u16::MAX)) {
                        Some(p) => Some(p as u16),
                        None => return bad("a port number in rport"),
                    },
                });
            } else if name.eq_ignore_ascii_case(b"ttl") {
                // via-ttl = "ttl" EQUAL ttl; ttl = 1*3DIGIT ; 0 to 255
                match val.and_then(|t| crate::text::parse_decimal(t, 255).filter(|_| t.len() <= 3))
                {
                    Some(t) => ttl = Some(t as u8),
                    None => return bad("a ttl of 0-255"),
                }
            } else if name.eq_ignore_ascii_case(b"maddr") {
                match v {
                    Some(v) => maddr = Some(v),
                    None => return bad("a host in maddr"),
                }
            }
            Ok(())
        })?;
        c.finish()?;
        Ok(Self {
            raw: value.clone(),
            name,
            version,
            transport,
            host,
            host_kind,
            port,
            params,
            branch: branch.into(),
            received: received.into(),
            rport,
            maddr: maddr.into(),
            ttl,
        })
    }

    fn encode(&self, out: &mut BytesMut) {
        self.encode_head(out);
        self.params().encode(out);
    }
}

impl PartialEq for Via {
    /// Field by field: protocol, transport and host case-insensitively,
    /// parameters in order.
    fn eq(&self, other: &Self) -> bool {
        self.protocol_name()
            .eq_ignore_ascii_case(other.protocol_name())
            && self.protocol_version() == other.protocol_version()
            && self.transport().eq_ignore_ascii_case(other.transport())
            && self.host().eq_ignore_ascii_case(other.host())
            && self.port == other.port
            && self.params().iter().eq(other.params().iter())
    }
}

impl Eq for Via {}

#[cfg(test)]
mod tests {
    use super::*;

    fn via(s: &str) -> Via {
        Via::parse_str(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn rfc3261_20_42_example() {
        let v = via("SIP/2.0/UDP erlang.bell-telephone.com:5060;branch=z9hG4bK87asdks7");
        assert_eq!(v.protocol_name(), "SIP");
        assert_eq!(v.protocol_version(), "2.0");
        assert_eq!(v.host(), "erlang.bell-telephone.com");
        assert_eq!(v.port(), Some(5060));
        assert!(v.is_rfc3261_branch());
        let v = via("SIP/2.0/UDP 192.0.2.1:5060 ;received=192.0.2.207;branch=z9hG4bK77asjd");
        assert_eq!(v.received(), Some("192.0.2.207"));
        assert_eq!(v.ip(), Some("192.0.2.1".parse().unwrap()));
    }

    /// RFC 4475 §3.1.1.1: LWS and folding around `/`, `:` and `;`.
    #[test]
    fn rfc4475_wsinv_lws_everywhere() {
        let v = via("SIP  /   2.0\r\n  /  UDP\r\n    192.0.2.2;rport;branch=390skdjuw");
        assert_eq!(v.transport(), "UDP");
        assert_eq!(v.host(), "192.0.2.2");
        assert_eq!(v.branch(), Some("390skdjuw"));
        assert_eq!(v.rport(), Some(None));
        assert_eq!(
            v.to_value_string(),
            "SIP/2.0/UDP 192.0.2.2;rport;branch=390skdjuw"
        );
    }

    /// RFC 3581 §4: the server adds received and fills in rport.
    #[test]
    fn rfc3581_received_and_rport() {
        let v = via("SIP/2.0/UDP 10.1.1.1:4540;rport;branch=z9hG4bKkjshdyff");
        let v = v.with_param("received", Some("192.0.2.1")).unwrap();
        let v = v.with_param("rport", Some("9988")).unwrap();
        assert_eq!(v.rport(), Some(Some(9988)));
        assert_eq!(
            v.to_value_string(),
            "SIP/2.0/UDP 10.1.1.1:4540;branch=z9hG4bKkjshdyff;received=192.0.2.1;rport=9988"
        );
    }

    /// RFC 5118 §4.5: received with and without brackets.
    #[test]
    fn rfc5118_received_ipv6() {
        assert_eq!(
            via("SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255];branch=z9hG4bKas3")
                .received(),
            Some("[2001:db8::9:255]")
        );
        assert_eq!(
            via("SIP/2.0/UDP [2001:db8::9:1];received=2001:db8::9:255;branch=z9hG4bKas3")
                .received(),
            Some("2001:db8::9:255")
        );
    }

    #[test]
    fn malformed_vias() {
        for bad in [
            "SIP/2.0/UDP",
            "SIP/2.0 UDP host",
            "SIP/2.0/UDP host;;branch=x",
            "SIP/2.0/UDP host;branch",
            "SIP/2.0/UDP host;ttl=256",
            "SIP/2.0/UDP host:70000",
            "SIP/2.0/UDP host;rport=x",
            "SIP/2.0/UDP host junk",
        ] {
            assert!(Via::parse_str(bad).is_err(), "{bad}");
        }
    }
}
