//! Typed views of the attributes offer/answer needs: `rtpmap`, `fmtp`,
//! `ptime`, `maxptime`, the direction attributes, `rtcp` and `mid`.
//!
//! A parsed description keeps every attribute as text; these types are
//! built from that text on request and borrow from it.

use core::fmt;

use super::error::{SdpError, SdpErrorKind};
use super::fields::AttrKind;
use super::Attribute;

/// The direction of a media stream
/// ([RFC 8866 §6.7](https://www.rfc-editor.org/rfc/rfc8866#section-6.7)),
/// from the point of view of the description's writer.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    /// `a=sendrecv`: the writer sends and receives. The default when no
    /// direction attribute is present at media or session level.
    #[default]
    SendRecv,
    /// `a=sendonly`: the writer only sends.
    SendOnly,
    /// `a=recvonly`: the writer only receives.
    RecvOnly,
    /// `a=inactive`: neither.
    Inactive,
}

impl Direction {
    /// The direction a property attribute name stands for, if it is one.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "sendrecv" => Self::SendRecv,
            "sendonly" => Self::SendOnly,
            "recvonly" => Self::RecvOnly,
            "inactive" => Self::Inactive,
            _ => return None,
        })
    }

    /// The attribute name: `sendrecv`, `sendonly`, `recvonly` or `inactive`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::SendRecv => "sendrecv",
            Self::SendOnly => "sendonly",
            Self::RecvOnly => "recvonly",
            Self::Inactive => "inactive",
        }
    }

    /// Whether the writer sends media.
    pub const fn sends(self) -> bool {
        matches!(self, Self::SendRecv | Self::SendOnly)
    }

    /// Whether the writer receives media.
    pub const fn receives(self) -> bool {
        matches!(self, Self::SendRecv | Self::RecvOnly)
    }

    /// The direction seen from the other end: `sendonly` and `recvonly`
    /// swap.
    pub const fn reversed(self) -> Self {
        match self {
            Self::SendOnly => Self::RecvOnly,
            Self::RecvOnly => Self::SendOnly,
            other => other,
        }
    }

    /// The direction to answer an `offered` stream with, given the
    /// answerer's `preferred` one
    /// ([RFC 3264 §6.1](https://www.rfc-editor.org/rfc/rfc3264#section-6.1)).
    ///
    /// The offer bounds the answer and the preference chooses within it:
    /// the result sends only if both the answerer wants to send and the
    /// offerer receives, and receives only if both want it.
    pub const fn answer_to(offered: Self, preferred: Self) -> Self {
        // §6.1: "If a stream is offered as sendonly, the corresponding
        // stream MUST be marked as recvonly or inactive in the answer. If a
        // media stream is listed as recvonly in the offer, the answer MUST
        // be marked as sendonly or inactive in the answer. If an offered
        // media stream is listed as sendrecv (or if there is no direction
        // attribute at the media or session level, in which case the stream
        // is sendrecv by default), the corresponding stream in the answer
        // MAY be marked as sendonly, recvonly, sendrecv, or inactive. If an
        // offered media stream is listed as inactive, it MUST be marked as
        // inactive in the answer."
        let send = preferred.sends() && offered.receives();
        let recv = preferred.receives() && offered.sends();
        Self::from_flags(send, recv)
    }

    /// Whether `answered` is a direction §6.1 allows for an `offered` one.
    pub const fn allows_answer(offered: Self, answered: Self) -> bool {
        (!answered.sends() || offered.receives()) && (!answered.receives() || offered.sends())
    }

    /// The direction that puts a stream on hold
    /// ([RFC 3264 §8.4](https://www.rfc-editor.org/rfc/rfc3264#section-8.4)):
    /// "If the stream to be placed on hold was previously a sendrecv media
    /// stream, it is placed on hold by marking it as sendonly. If the stream
    /// to be placed on hold was previously a recvonly media stream, it is
    /// placed on hold by marking it inactive." A `sendonly` or `inactive`
    /// stream already receives nothing and stays as it is.
    pub const fn held(self) -> Self {
        Self::from_flags(self.sends(), false)
    }

    const fn from_flags(send: bool, recv: bool) -> Self {
        match (send, recv) {
            (true, true) => Self::SendRecv,
            (true, false) => Self::SendOnly,
            (false, true) => Self::RecvOnly,
            (false, false) => Self::Inactive,
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]`
/// ([RFC 8866 §6.6](https://www.rfc-editor.org/rfc/rfc8866#section-6.6)),
/// or the mapping [RFC 3551 §6](https://www.rfc-editor.org/rfc/rfc3551#section-6)
/// gives a static payload type.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct RtpMap<'b> {
    /// The RTP payload type, 0..=127.
    pub payload_type: u8,
    /// The encoding name (`PCMU`, `opus`, `telephone-event`...). Compare it
    /// case-insensitively: RFC 4855 §3 makes these names case-insensitive.
    pub encoding_name: &'b str,
    /// The RTP clock rate in Hz.
    pub clock_rate: u32,
    /// The encoding parameters, which for audio are the channel count
    /// ("This parameter is OPTIONAL and may be omitted if the number of
    /// channels is one").
    pub channels: Option<u16>,
}

impl<'b> RtpMap<'b> {
    /// Parses the value of an `rtpmap` attribute (what follows `a=rtpmap:`).
    pub fn parse(value: &'b str) -> Option<Self> {
        let value = match value.as_bytes().first() {
            Some(b' ') => value.trim_start_matches(' '),
            _ => value,
        };
        let (pt, rest) = split_at_byte(value, b' ')?;
        let payload_type = u8::try_from(digits(pt)?).ok().filter(|pt| *pt <= 127)?;
        let rest = rest.trim_start_matches(' ');
        let (encoding_name, rest) = split_at_byte(rest, b'/')?;
        if !is_token(encoding_name) {
            return None;
        }
        let (clock, channels) = match split_at_byte(rest, b'/') {
            Some((clock, channels)) => (
                clock,
                Some(u16::try_from(digits(channels.trim_end())?).ok()?),
            ),
            None => (rest.trim_end(), None),
        };
        Some(Self {
            payload_type,
            encoding_name,
            clock_rate: u32::try_from(digits(clock)?).ok()?,
            channels,
        })
    }

    /// The channel count, 1 when the encoding parameters are absent.
    pub fn channel_count(&self) -> u16 {
        self.channels.unwrap_or(1)
    }

    /// Whether this is the codec `encoding_name`/`clock_rate`/`channels`:
    /// the name compared case-insensitively (RFC 4855 §3), an absent
    /// channel count taken as 1.
    pub fn is_codec(&self, encoding_name: &str, clock_rate: u32, channels: u16) -> bool {
        self.clock_rate == clock_rate
            && self.channel_count() == channels
            && self.encoding_name.eq_ignore_ascii_case(encoding_name)
    }
}

impl fmt::Display for RtpMap<'_> {
    /// The attribute value: `0 PCMU/8000`, `111 opus/48000/2`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}/{}",
            self.payload_type, self.encoding_name, self.clock_rate
        )?;
        if let Some(channels) = self.channels {
            write!(f, "/{channels}")?;
        }
        Ok(())
    }
}

/// The static payload types of
/// [RFC 3551 §6](https://www.rfc-editor.org/rfc/rfc3551#section-6), Tables 4
/// and 5 (name, clock rate, channels for audio).
const STATIC_PAYLOAD_TYPES: [(u8, &str, u32, Option<u16>); 24] = [
    (0, "PCMU", 8000, Some(1)),
    (3, "GSM", 8000, Some(1)),
    (4, "G723", 8000, Some(1)),
    (5, "DVI4", 8000, Some(1)),
    (6, "DVI4", 16000, Some(1)),
    (7, "LPC", 8000, Some(1)),
    (8, "PCMA", 8000, Some(1)),
    (9, "G722", 8000, Some(1)),
    (10, "L16", 44100, Some(2)),
    (11, "L16", 44100, Some(1)),
    (12, "QCELP", 8000, Some(1)),
    (13, "CN", 8000, Some(1)),
    (14, "MPA", 90000, None),
    (15, "G728", 8000, Some(1)),
    (16, "DVI4", 11025, Some(1)),
    (17, "DVI4", 22050, Some(1)),
    (18, "G729", 8000, Some(1)),
    (25, "CelB", 90000, None),
    (26, "JPEG", 90000, None),
    (28, "nv", 90000, None),
    (31, "H261", 90000, None),
    (32, "MPV", 90000, None),
    (33, "MP2T", 90000, None),
    (34, "H263", 90000, None),
];

/// The mapping RFC 3551 gives a static payload type, used when an `m=` line
/// lists it without an `a=rtpmap`.
///
/// ```
/// use sipmob_rtp::sdp::static_payload_type;
///
/// let pcma = static_payload_type(8).unwrap();
/// assert_eq!((pcma.encoding_name, pcma.clock_rate), ("PCMA", 8000));
/// assert!(static_payload_type(96).is_none());
/// ```
pub fn static_payload_type(payload_type: u8) -> Option<RtpMap<'static>> {
    STATIC_PAYLOAD_TYPES
        .iter()
        .find(|entry| entry.0 == payload_type)
        .map(
            |&(payload_type, encoding_name, clock_rate, channels)| RtpMap {
                payload_type,
                encoding_name,
                clock_rate,
                channels,
            },
        )
}

/// `a=fmtp:<format> <format specific parameters>`
/// ([RFC 8866 §6.15](https://www.rfc-editor.org/rfc/rfc8866#section-6.15)).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Fmtp<'b> {
    /// The format (for RTP, a payload type number).
    pub format: &'b str,
    /// The parameters, as one string SDP does not interpret.
    pub parameters: &'b str,
}

impl<'b> Fmtp<'b> {
    /// Parses the value of an `fmtp` attribute.
    pub fn parse(value: &'b str) -> Option<Self> {
        let (format, parameters) = split_at_byte(value, b' ')?;
        if format.is_empty() || !format.bytes().all(is_token_byte) {
            return None;
        }
        Some(Self {
            format,
            parameters: parameters.trim(),
        })
    }

    /// The format as an RTP payload type, when it is one.
    pub fn payload_type(&self) -> Option<u8> {
        u8::try_from(digits(self.format)?)
            .ok()
            .filter(|pt| *pt <= 127)
    }
}

/// `a=rtcp:<port> [<nettype> <addrtype> <connection-address>]`
/// ([RFC 3605 §2.1](https://www.rfc-editor.org/rfc/rfc3605#section-2.1)).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Rtcp<'b> {
    /// The RTCP port.
    pub port: u16,
    /// The network type, address type and address, when given.
    pub address: Option<RtcpAddress<'b>>,
}

/// The optional address part of [`Rtcp`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct RtcpAddress<'b> {
    /// The network type, `IN`.
    pub nettype: &'b str,
    /// The address type, `IP4` or `IP6`.
    pub addrtype: &'b str,
    /// The address.
    pub address: &'b str,
}

impl<'b> Rtcp<'b> {
    /// Parses the value of an `rtcp` attribute.
    pub fn parse(value: &'b str) -> Option<Self> {
        let mut fields = Fields::new(value);
        let port = u16::try_from(digits(fields.next()?)?).ok()?;
        let address = match fields.next() {
            None => None,
            Some(nettype) => Some(RtcpAddress {
                nettype,
                addrtype: fields.next()?,
                address: fields.next()?,
            }),
        };
        if fields.next().is_some() {
            return None;
        }
        Some(Self { port, address })
    }
}

impl fmt::Display for Rtcp<'_> {
    /// The attribute value: `53020` or `53020 IN IP4 192.0.2.1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.port)?;
        if let Some(a) = self.address {
            write!(f, " {} {} {}", a.nettype, a.addrtype, a.address)?;
        }
        Ok(())
    }
}

/// Parses a `ptime` or `maxptime` value: "non-zero-int-or-real"
/// milliseconds.
pub(super) fn parse_milliseconds(value: &str) -> Option<f64> {
    let value = value.trim();
    if let Some(ms) = digits(value) {
        // The common case, an integer.
        return (ms > 0).then_some(ms as f64);
    }
    // `f64::from_str` also takes "inf", "NaN", "1e3" and a sign; the grammar
    // is digits with an optional fraction.
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    value.parse::<f64>().ok().filter(|ms| *ms > 0.0)
}

impl Attribute<'_> {
    /// The typed `rtpmap` of this attribute, if it is one.
    ///
    /// # Errors
    ///
    /// [`SdpErrorKind::BadRtpmap`] with the attribute's line when the value
    /// does not parse.
    pub fn rtpmap(&self) -> Result<Option<RtpMap<'_>>, SdpError> {
        self.typed(AttrKind::Rtpmap, SdpErrorKind::BadRtpmap, RtpMap::parse)
    }

    /// The typed `fmtp` of this attribute, if it is one.
    ///
    /// # Errors
    ///
    /// [`SdpErrorKind::BadFmtp`] with the attribute's line.
    pub fn fmtp(&self) -> Result<Option<Fmtp<'_>>, SdpError> {
        self.typed(AttrKind::Fmtp, SdpErrorKind::BadFmtp, Fmtp::parse)
    }

    /// The typed `rtcp` of this attribute, if it is one.
    ///
    /// # Errors
    ///
    /// [`SdpErrorKind::BadRtcp`] with the attribute's line.
    pub fn rtcp(&self) -> Result<Option<Rtcp<'_>>, SdpError> {
        self.typed(AttrKind::Rtcp, SdpErrorKind::BadRtcp, Rtcp::parse)
    }

    /// The direction this attribute sets, if it is a direction attribute.
    #[inline]
    pub fn direction(&self) -> Option<Direction> {
        match self.kind {
            AttrKind::Direction(d) => Some(d),
            _ => None,
        }
    }

    #[inline]
    fn typed<'s, T>(
        &'s self,
        want: AttrKind,
        kind: SdpErrorKind,
        parse: impl FnOnce(&'s str) -> Option<T>,
    ) -> Result<Option<T>, SdpError> {
        if self.kind != want {
            return Ok(None);
        }
        match self.value.as_deref().and_then(parse) {
            Some(typed) => Ok(Some(typed)),
            None => Err(SdpError::new(self.line, kind)),
        }
    }
}

/// RFC 8866 §9 `token-char`, as a 256-entry table.
static TOKEN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'{'
                    | b'|'
                    | b'}'
                    | b'~'
            );
        b += 1;
    }
    table
};

/// Whether `b` is an RFC 8866 §9 `token-char`.
#[inline]
pub(super) fn is_token_byte(b: u8) -> bool {
    TOKEN[usize::from(b)]
}

/// Whether `s` is a non-empty RFC 8866 §9 `token`.
#[inline]
pub(super) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_token_byte)
}

/// A decimal of ASCII digits only (no sign, unlike `u64::from_str`), that
/// fits 64 bits.
#[inline]
pub(super) fn digits(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for b in s.bytes() {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// Splits `s` around the first `byte` (an ASCII byte, so both halves are
/// `str`). A byte loop: the fields split here are a few bytes long, where
/// `memchr`'s setup costs more than it saves.
#[inline]
pub(super) fn split_at_byte(s: &str, byte: u8) -> Option<(&str, &str)> {
    let i = s.bytes().position(|b| b == byte)?;
    Some((&s[..i], &s[i + 1..]))
}

/// The fields of a structured line: runs of bytes between spaces or tabs
/// (RFC 8866 §9 uses single spaces; more, or tabs, are tolerated), split
/// with byte loops.
#[derive(Clone)]
pub(super) struct Fields<'a> {
    rest: &'a str,
}

impl<'a> Fields<'a> {
    #[inline]
    pub(super) fn new(s: &'a str) -> Self {
        Self { rest: s }
    }

    /// What is left after the fields read so far, without its leading
    /// white space.
    #[inline]
    pub(super) fn rest(&self) -> &'a str {
        let b = self.rest.as_bytes();
        let start = b
            .iter()
            .position(|&c| c != b' ' && c != b'\t')
            .unwrap_or(b.len());
        &self.rest[start..]
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest();
        if rest.is_empty() {
            self.rest = rest;
            return None;
        }
        let end = rest
            .bytes()
            .position(|c| c == b' ' || c == b'\t')
            .unwrap_or(rest.len());
        self.rest = &rest[end..];
        Some(&rest[..end])
    }
}
