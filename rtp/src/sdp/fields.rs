//! The structured values of the SDP lines other than `m=`: origin,
//! connection, bandwidth, timing, attributes, and the unknown lines kept
//! verbatim.

use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::attrs::{digits, is_token, split_at_byte, Direction, Fields};

/// Turns a borrowed text into an owned one with no lifetime.
#[inline]
pub(super) fn own(text: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(text.into_owned())
}

/// `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>`
/// ([RFC 8866 §5.2](https://www.rfc-editor.org/rfc/rfc8866#section-5.2)).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin<'a> {
    /// The user's login, or `-`; no spaces.
    pub username: Cow<'a, str>,
    /// The session id: a numeric string, kept as text since the grammar
    /// gives it no upper bound (and since it is only ever compared).
    pub session_id: Cow<'a, str>,
    /// The version of this description, incremented by one on each
    /// modification ([RFC 3264 §8](https://www.rfc-editor.org/rfc/rfc3264#section-8)).
    pub session_version: u64,
    /// The network type, `IN`.
    pub nettype: Cow<'a, str>,
    /// The address type, `IP4` or `IP6`.
    pub addrtype: Cow<'a, str>,
    /// The address (or FQDN) of the machine that created the session.
    pub unicast_address: Cow<'a, str>,
}

impl<'a> Origin<'a> {
    /// An `IN` origin for `address`, with the address type of the address.
    pub fn new(
        username: impl Into<Cow<'a, str>>,
        session_id: u64,
        session_version: u64,
        address: IpAddr,
    ) -> Self {
        Self {
            username: username.into(),
            session_id: Cow::Owned(session_id.to_string()),
            session_version,
            nettype: Cow::Borrowed("IN"),
            addrtype: Cow::Borrowed(addrtype_of(address)),
            unicast_address: Cow::Owned(address.to_string()),
        }
    }

    pub(super) fn parse(value: &'a str) -> Result<Self, bool> {
        // Err(true): wrong field count; Err(false): a bad field.
        let mut f = Fields::new(value);
        let (
            Some(username),
            Some(session_id),
            Some(version),
            Some(nettype),
            Some(addrtype),
            Some(addr),
            None,
        ) = (
            f.next(),
            f.next(),
            f.next(),
            f.next(),
            f.next(),
            f.next(),
            f.next(),
        )
        else {
            return Err(true);
        };
        let session_version = digits(version).ok_or(false)?;
        // Leniency: sess-id is "1*DIGIT", but it is only ever compared, so
        // any non-space text is kept as it is rather than refused.
        Ok(Self {
            username: Cow::Borrowed(username),
            session_id: Cow::Borrowed(session_id),
            session_version,
            nettype: Cow::Borrowed(nettype),
            addrtype: Cow::Borrowed(addrtype),
            unicast_address: Cow::Borrowed(addr),
        })
    }

    /// The same origin, owning its text.
    pub fn into_owned(self) -> Origin<'static> {
        Origin {
            username: own(self.username),
            session_id: own(self.session_id),
            session_version: self.session_version,
            nettype: own(self.nettype),
            addrtype: own(self.addrtype),
            unicast_address: own(self.unicast_address),
        }
    }
}

impl fmt::Display for Origin<'_> {
    /// The `o=` value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {} {} {}",
            self.username,
            self.session_id,
            self.session_version,
            self.nettype,
            self.addrtype,
            self.unicast_address
        )
    }
}

/// `IP4` or `IP6`.
pub(super) const fn addrtype_of(address: IpAddr) -> &'static str {
    match address {
        IpAddr::V4(_) => "IP4",
        IpAddr::V6(_) => "IP6",
    }
}

/// `c=<nettype> <addrtype> <connection-address>`
/// ([RFC 8866 §5.7](https://www.rfc-editor.org/rfc/rfc8866#section-5.7)).
///
/// For `IN IP4` and `IN IP6` the address is checked when parsed: an IP
/// address of that family or an FQDN; a multicast IPv4 address carries a TTL
/// (`233.252.0.1/127`, optionally `/<number of addresses>`), a multicast
/// IPv6 address optionally a number of addresses (`ff00::db8:0:101/3`), and
/// a unicast address neither.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Connection<'a> {
    /// The network type, `IN`.
    pub nettype: Cow<'a, str>,
    /// The address type, `IP4` or `IP6`.
    pub addrtype: Cow<'a, str>,
    /// The address or FQDN, without the `/ttl` and `/number` suffixes.
    pub address: Cow<'a, str>,
    /// The multicast TTL (IPv4 multicast only).
    pub ttl: Option<u8>,
    /// The number of contiguous multicast addresses, when given.
    pub num_addresses: Option<u32>,
}

impl<'a> Connection<'a> {
    /// An `IN IP4` or `IN IP6` unicast connection to `address`.
    pub fn new(address: IpAddr) -> Connection<'static> {
        Connection {
            nettype: Cow::Borrowed("IN"),
            addrtype: Cow::Borrowed(addrtype_of(address)),
            address: Cow::Owned(address.to_string()),
            ttl: None,
            num_addresses: None,
        }
    }

    /// An `IN` connection to a host name (or address text) of the address
    /// type `addrtype` (`IP4` or `IP6`).
    pub fn host(addrtype: impl Into<Cow<'a, str>>, host: impl Into<Cow<'a, str>>) -> Self {
        Self {
            nettype: Cow::Borrowed("IN"),
            addrtype: addrtype.into(),
            address: host.into(),
            ttl: None,
            num_addresses: None,
        }
    }

    /// The address as an IP address, when it is one (not an FQDN).
    pub fn ip(&self) -> Option<IpAddr> {
        match &*self.addrtype {
            "IP4" => self.address.parse::<Ipv4Addr>().ok().map(IpAddr::V4),
            "IP6" => self.address.parse::<Ipv6Addr>().ok().map(IpAddr::V6),
            _ => None,
        }
    }

    /// Whether the address is an IP multicast address.
    pub fn is_multicast(&self) -> bool {
        self.ip().is_some_and(|ip| ip.is_multicast())
    }

    /// Whether the address is `0.0.0.0` (or `::`), which
    /// [RFC 3264 §8.4](https://www.rfc-editor.org/rfc/rfc3264#section-8.4)
    /// reads as "neither RTP nor RTCP should be sent to the peer".
    pub fn is_unspecified(&self) -> bool {
        self.ip().is_some_and(|ip| ip.is_unspecified())
    }

    pub(super) fn parse(value: &'a str) -> Option<Self> {
        let mut f = Fields::new(value);
        let (Some(nettype), Some(addrtype), Some(full), None) =
            (f.next(), f.next(), f.next(), f.next())
        else {
            return None;
        };
        let (address, first, second) = match split_at_byte(full, b'/') {
            None => (full, None, None),
            Some((address, suffix)) => match split_at_byte(suffix, b'/') {
                None => (address, Some(suffix), None),
                Some((first, second)) => (address, Some(first), Some(second)),
            },
        };
        if address.is_empty() || second.is_some_and(|s| s.contains('/')) {
            return None;
        }
        // A unicast IP address, or a name (`is_ip` false, then it must be
        // an FQDN): "The slash notation for multiple addresses described
        // above MUST NOT be used for IP unicast addresses."
        let unicast =
            |is_ip: bool| (first.is_none() && (is_ip || is_fqdn(address))).then_some((None, None));
        let (ttl, num_addresses) = match (nettype, addrtype) {
            ("IN", "IP4") => match parse_ipv4(address).ok_or(()) {
                // §5.7: "Sessions using an "IP4" multicast connection
                // address MUST also have a time to live (TTL) value present
                // [...] TTL values MUST be in the range 0-255."
                Ok(ip) if ip.is_multicast() => {
                    let ttl = u8::try_from(digits(first?)?).ok()?;
                    (Some(ttl), count(second)?)
                }
                Ok(_) => unicast(true)?,
                Err(_) => unicast(false)?,
            },
            ("IN", "IP6") => match address.parse::<Ipv6Addr>() {
                // "IP6 multicast does not use TTL scoping, and hence the TTL
                // value MUST NOT be present for IP6 multicast."
                Ok(ip) if ip.is_multicast() => {
                    if second.is_some() {
                        return None;
                    }
                    (None, count(first)?)
                }
                Ok(_) => unicast(true)?,
                Err(_) => unicast(false)?,
            },
            // Another network or address type (§8.2.6 registry): the
            // address is an `extn-addr`, kept whole.
            _ => {
                return Some(Self {
                    nettype: Cow::Borrowed(nettype),
                    addrtype: Cow::Borrowed(addrtype),
                    address: Cow::Borrowed(full),
                    ttl: None,
                    num_addresses: None,
                })
            }
        };
        Some(Self {
            nettype: Cow::Borrowed(nettype),
            addrtype: Cow::Borrowed(addrtype),
            address: Cow::Borrowed(address),
            ttl,
            num_addresses,
        })
    }

    /// The same connection, owning its text.
    pub fn into_owned(self) -> Connection<'static> {
        Connection {
            nettype: own(self.nettype),
            addrtype: own(self.addrtype),
            address: own(self.address),
            ttl: self.ttl,
            num_addresses: self.num_addresses,
        }
    }
}

/// The optional `/<number of addresses>` suffix: `Some(None)` when absent,
/// `None` when present but not a positive integer.
fn count(suffix: Option<&str>) -> Option<Option<u32>> {
    match suffix {
        None => Some(None),
        Some(s) => digits(s)
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| *n > 0)
            .map(Some),
    }
}

/// A dotted-quad IPv4 address (RFC 8866 §9 `IP4-address`: no leading
/// zeros beyond a single `0`), by hand: `Ipv4Addr::from_str` is several
/// times slower on this hot path.
#[inline]
fn parse_ipv4(s: &str) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut i = 0;
    let mut value: u16 = 0;
    let mut digits_in_octet = 0;
    let mut leading_zero = false;
    for b in s.bytes() {
        if b == b'.' {
            if digits_in_octet == 0 || i == 3 {
                return None;
            }
            octets[i] = u8::try_from(value).ok()?;
            i += 1;
            value = 0;
            digits_in_octet = 0;
            continue;
        }
        let d = b.wrapping_sub(b'0');
        if d > 9 || digits_in_octet == 3 || leading_zero && digits_in_octet == 1 {
            return None;
        }
        leading_zero = digits_in_octet == 0 && d == 0;
        value = value * 10 + u16::from(d);
        digits_in_octet += 1;
    }
    if i != 3 || digits_in_octet == 0 {
        return None;
    }
    octets[3] = u8::try_from(value).ok()?;
    Some(Ipv4Addr::from(octets))
}

/// RFC 8866 §9 `FQDN = 4*(alpha-numeric / "-" / ".")`. Shorter names are
/// accepted too (`c=IN IP4 pbx` is seen from real devices).
fn is_fqdn(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

impl fmt::Display for Connection<'_> {
    /// The `c=` value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.nettype, self.addrtype, self.address)?;
        if let Some(ttl) = self.ttl {
            write!(f, "/{ttl}")?;
        }
        if let Some(n) = self.num_addresses {
            write!(f, "/{n}")?;
        }
        Ok(())
    }
}

/// `b=<bwtype>:<bandwidth>`
/// ([RFC 8866 §5.8](https://www.rfc-editor.org/rfc/rfc8866#section-5.8)).
/// Unknown types are kept (the RFC asks parsers to ignore them; a proxy
/// passes them on).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Bandwidth<'a> {
    /// The modifier: `CT`, `AS`, `TIAS`, `RS`, `RR`...
    pub bwtype: Cow<'a, str>,
    /// The bandwidth, in kilobits per second for `CT` and `AS`.
    pub bandwidth: u64,
}

impl<'a> Bandwidth<'a> {
    /// A bandwidth line.
    pub fn new(bwtype: impl Into<Cow<'a, str>>, bandwidth: u64) -> Self {
        Self {
            bwtype: bwtype.into(),
            bandwidth,
        }
    }

    pub(super) fn parse(value: &'a str) -> Option<Self> {
        let (bwtype, bandwidth) = split_at_byte(value, b':')?;
        if !is_token(bwtype) {
            return None;
        }
        Some(Self {
            bwtype: Cow::Borrowed(bwtype),
            bandwidth: digits(bandwidth.trim_end())?,
        })
    }

    /// The same bandwidth, owning its text.
    pub fn into_owned(self) -> Bandwidth<'static> {
        Bandwidth {
            bwtype: own(self.bwtype),
            bandwidth: self.bandwidth,
        }
    }
}

/// A time description: `t=` with its `r=` and `z=` lines
/// ([RFC 8866 §5.9-5.11](https://www.rfc-editor.org/rfc/rfc8866#section-5.9)).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Timing {
    /// Start, in seconds since 1900 (NTP); 0 for unbounded.
    pub start: u64,
    /// Stop, in seconds since 1900; 0 for unbounded.
    pub stop: u64,
    /// The `r=` lines.
    pub repeats: Vec<Repeat>,
    /// The `z=` adjustments; empty when there is no `z=` line.
    pub zone: Vec<ZoneAdjustment>,
}

impl Timing {
    /// `t=0 0`: a permanent session, what SIP uses.
    pub const fn permanent() -> Self {
        Self {
            start: 0,
            stop: 0,
            repeats: Vec::new(),
            zone: Vec::new(),
        }
    }

    pub(super) fn parse(value: &str) -> Option<Self> {
        let mut f = Fields::new(value);
        let (Some(start), Some(stop), None) = (f.next(), f.next(), f.next()) else {
            return None;
        };
        Some(Self {
            start: digits(start)?,
            stop: digits(stop)?,
            repeats: Vec::new(),
            zone: Vec::new(),
        })
    }
}

/// The unit suffix of a typed time ([RFC 8866 §5.10], Table 1).
///
/// [RFC 8866 §5.10]: https://www.rfc-editor.org/rfc/rfc8866#section-5.10
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum TimeUnit {
    /// No suffix: seconds.
    #[default]
    None,
    /// `d`: days.
    Days,
    /// `h`: hours.
    Hours,
    /// `m`: minutes.
    Minutes,
    /// `s`: seconds, written out.
    Seconds,
}

/// A number of seconds, days, hours or minutes as written in `r=` and `z=`
/// (`604800`, `7d`, `1h`), kept in the form it was written.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct TypedTime {
    /// The number.
    pub value: u64,
    /// Its unit.
    pub unit: TimeUnit,
}

impl TypedTime {
    /// A number of plain seconds.
    pub const fn seconds(value: u64) -> Self {
        Self {
            value,
            unit: TimeUnit::None,
        }
    }

    /// The duration in seconds (saturating).
    pub const fn as_seconds(self) -> u64 {
        let factor = match self.unit {
            TimeUnit::None | TimeUnit::Seconds => 1,
            TimeUnit::Days => 86_400,
            TimeUnit::Hours => 3_600,
            TimeUnit::Minutes => 60,
        };
        self.value.saturating_mul(factor)
    }

    pub(super) fn parse(s: &str) -> Option<Self> {
        let (number, unit) = match s.as_bytes().last()? {
            b'd' => (&s[..s.len() - 1], TimeUnit::Days),
            b'h' => (&s[..s.len() - 1], TimeUnit::Hours),
            b'm' => (&s[..s.len() - 1], TimeUnit::Minutes),
            b's' => (&s[..s.len() - 1], TimeUnit::Seconds),
            _ => (s, TimeUnit::None),
        };
        Some(Self {
            value: digits(number)?,
            unit,
        })
    }
}

impl fmt::Display for TypedTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.value)?;
        f.write_str(match self.unit {
            TimeUnit::None => "",
            TimeUnit::Days => "d",
            TimeUnit::Hours => "h",
            TimeUnit::Minutes => "m",
            TimeUnit::Seconds => "s",
        })
    }
}

/// `r=<repeat interval> <active duration> <offsets from start-time>`
/// ([RFC 8866 §5.10](https://www.rfc-editor.org/rfc/rfc8866#section-5.10)).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Repeat {
    /// The repeat interval.
    pub interval: TypedTime,
    /// The active duration.
    pub duration: TypedTime,
    /// The offsets from the start time (at least one).
    pub offsets: Vec<TypedTime>,
}

impl Repeat {
    pub(super) fn parse(value: &str) -> Option<Self> {
        let mut f = Fields::new(value);
        let interval = TypedTime::parse(f.next()?)?;
        let duration = TypedTime::parse(f.next()?)?;
        // repeat-field = %s"r" "=" repeat-interval SP typed-time
        //                1*(SP typed-time) CRLF
        let offsets = f.map(TypedTime::parse).collect::<Option<Vec<_>>>()?;
        if offsets.is_empty() {
            return None;
        }
        Some(Self {
            interval,
            duration,
            offsets,
        })
    }
}

impl fmt::Display for Repeat {
    /// The `r=` value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.interval, self.duration)?;
        for offset in &self.offsets {
            write!(f, " {offset}")?;
        }
        Ok(())
    }
}

/// One `<adjustment time> <offset>` pair of a `z=` line
/// ([RFC 8866 §5.11](https://www.rfc-editor.org/rfc/rfc8866#section-5.11)).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct ZoneAdjustment {
    /// When the adjustment happens, in seconds since 1900.
    pub time: u64,
    /// Whether the offset is negative (`-1h`).
    pub negative: bool,
    /// The offset's magnitude.
    pub offset: TypedTime,
}

impl ZoneAdjustment {
    pub(super) fn parse_line(value: &str) -> Option<Vec<Self>> {
        let mut f = Fields::new(value);
        let mut out = Vec::with_capacity(2);
        while let Some(time) = f.next() {
            let offset = f.next()?;
            let (negative, offset) = match offset.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, offset),
            };
            out.push(Self {
                time: digits(time)?,
                negative,
                offset: TypedTime::parse(offset)?,
            });
        }
        (!out.is_empty()).then_some(out)
    }
}

impl fmt::Display for ZoneAdjustment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.negative { "-" } else { "" };
        write!(f, "{} {sign}{}", self.time, self.offset)
    }
}

/// What an attribute name is, decided once when the attribute is made, so
/// that typed access compares a byte instead of a string.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum AttrKind {
    Other,
    Rtpmap,
    Fmtp,
    Ptime,
    Maxptime,
    Rtcp,
    Mid,
    Direction(Direction),
}

impl AttrKind {
    #[inline]
    fn of(name: &str, has_value: bool) -> Self {
        match name {
            "rtpmap" => Self::Rtpmap,
            "fmtp" => Self::Fmtp,
            "ptime" => Self::Ptime,
            "maxptime" => Self::Maxptime,
            "rtcp" => Self::Rtcp,
            "mid" => Self::Mid,
            // The direction attributes are property attributes.
            _ if !has_value => match Direction::from_name(name) {
                Some(d) => Self::Direction(d),
                None => Self::Other,
            },
            _ => Self::Other,
        }
    }
}

/// An `a=` line ([RFC 8866 §5.13](https://www.rfc-editor.org/rfc/rfc8866#section-5.13)):
/// a property attribute (`a=recvonly`) has no value, a value attribute
/// (`a=rtpmap:0 PCMU/8000`) has one.
///
/// Every attribute is kept, in order, known or not ("An SDP parser MUST
/// ignore any attribute it doesn't understand": ignoring it here means not
/// interpreting it, and writing it back unchanged). The typed accessors
/// ([`rtpmap`](Self::rtpmap), [`fmtp`](Self::fmtp), [`rtcp`](Self::rtcp),
/// [`direction`](Self::direction)) parse the value on request.
///
/// Two attributes are equal when their names and values are; the line they
/// came from is not compared.
#[derive(Clone, Debug)]
pub struct Attribute<'a> {
    pub(super) name: Cow<'a, str>,
    pub(super) value: Option<Cow<'a, str>>,
    pub(super) line: u32,
    pub(super) kind: AttrKind,
}

impl PartialEq for Attribute<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.value == other.value
    }
}

impl Eq for Attribute<'_> {}

impl Hash for Attribute<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
        self.value.hash(state);
    }
}

impl<'a> Attribute<'a> {
    /// A value attribute `a=<name>:<value>`.
    pub fn new(name: impl Into<Cow<'a, str>>, value: impl Into<Cow<'a, str>>) -> Self {
        let name = name.into();
        Self {
            kind: AttrKind::of(&name, true),
            name,
            value: Some(value.into()),
            line: 0,
        }
    }

    /// A property attribute `a=<name>`.
    pub fn property(name: impl Into<Cow<'a, str>>) -> Self {
        let name = name.into();
        Self {
            kind: AttrKind::of(&name, false),
            name,
            value: None,
            line: 0,
        }
    }

    /// An attribute parsed from line `line`.
    #[inline(always)]
    pub(super) fn parsed(name: &'a str, value: Option<&'a str>, line: u32) -> Self {
        Self {
            kind: AttrKind::of(name, value.is_some()),
            name: Cow::Borrowed(name),
            value: value.map(Cow::Borrowed),
            line,
        }
    }

    /// The attribute name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value after the first `:`, if there is one.
    pub fn value(&self) -> Option<&str> {
        self.value.as_deref()
    }

    /// The line it was parsed from, counted from 1 (0 when built); typed
    /// accessors report it in their errors.
    pub fn line(&self) -> u32 {
        self.line
    }

    /// The same attribute, owning its text.
    pub fn into_owned(self) -> Attribute<'static> {
        Attribute {
            name: own(self.name),
            value: self.value.map(own),
            line: self.line,
            kind: self.kind,
        }
    }
}

impl fmt::Display for Attribute<'_> {
    /// The `a=` value: `name` or `name:value`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(value) = &self.value {
            f.write_str(":")?;
            f.write_str(value)?;
        }
        Ok(())
    }
}

/// A line whose type letter RFC 8866 does not define (`y=`, `f=`, `w=`...),
/// kept so that it is written back unchanged and in place.
///
/// RFC 8866 §5 lets a parser "completely ignore or reject any session
/// description that contains a type letter that it does not understand".
/// This parser does neither: such lines come from real devices (GB28181
/// cameras send `y=` and `f=`), and a B2BUA or a moving user agent that
/// relays a description must not lose them. A caller that wants the strict
/// behaviour rejects descriptions whose `unknown` lists are not empty.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UnknownLine<'a> {
    /// The type letter.
    pub letter: char,
    /// Everything after the `=`.
    pub value: Cow<'a, str>,
    /// How many known lines of its section (the session part from `v=`, or
    /// one media description from its `m=`) come before it. The writer puts
    /// it back after that many known lines.
    pub position: u16,
}

impl UnknownLine<'_> {
    /// The same line, owning its text.
    pub fn into_owned(self) -> UnknownLine<'static> {
        UnknownLine {
            letter: self.letter,
            value: own(self.value),
            position: self.position,
        }
    }
}
