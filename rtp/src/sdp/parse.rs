//! The one-pass parser.
//!
//! Each line is found with one `memchr`-backed search for `\n`, classified
//! by its first byte, checked against the RFC 8866 §5 order with a small
//! rank counter, and stored as slices of the input. Attributes are split
//! into name and value only; their typed forms are parsed on access.
//!
//! Strict, as RFC 8866 §5 asks ("when present, they must appear in exactly
//! the order given here"), about: `v=0` first, `o=` and `s=` next, at least
//! one `t=` before `k=`, `a=` and `m=`, the order of the other lines, and
//! the syntax of `o=`, `c=`, `b=`, `t=`, `r=`, `z=` and `m=`.
//!
//! Lenient, where real devices are sloppy, in these places only:
//!
//! 1. Bare LF line ends are accepted ("parsers SHOULD be tolerant and also
//!    accept lines terminated with a single newline character"); so is a
//!    last line without any line end.
//! 2. Blank lines at the very end (an extra CRLF after a SIP body) are
//!    ignored. A blank line followed by more lines is an error.
//! 3. Structured lines (`o=`, `c=`, `t=`, `r=`, `z=`, `m=`) may separate
//!    their fields by more than one space or by tabs, and may end in
//!    white space.
//! 4. An empty `s=` is kept ("The "s=" line MUST NOT be empty", but several
//!    user agents send `s=`).
//! 5. `z=` directly after `t=` is accepted: RFC 8866 §9 puts it after `r=`
//!    only, but RFC 4566 allowed it after the time descriptions without any
//!    `r=`. It attaches to the time description before it.
//! 6. A disabled media description (port 0) needs no `c=`: it carries no
//!    media, and some user agents leave the address off refused streams.
//! 7. A property attribute with trailing white space (`a=sendrecv `) is
//!    read without it.
//! 8. Lines with a type letter RFC 8866 does not define are kept in place
//!    (see [`UnknownLine`]) rather than the whole description rejected.
//! 9. The session id of `o=` may be any non-space text.

use std::borrow::Cow;

use super::attrs::{digits, is_token, is_token_byte, split_at_byte, Fields};
use super::error::{SdpError, SdpErrorKind as K};
use super::fields::{
    Attribute, Bandwidth, Connection, Origin, Repeat, Timing, UnknownLine, ZoneAdjustment,
};
use super::media::Media;
use super::session::Sdp;

// Ranks of the session-level lines, in RFC 8866 §5 order.
const S_S: u8 = 2;
const S_I: u8 = 3;
const S_U: u8 = 4;
const S_E: u8 = 5;
const S_P: u8 = 6;
const S_C: u8 = 7;
const S_B: u8 = 8;
const S_T: u8 = 9;
const S_R: u8 = 10;
const S_Z: u8 = 11;
const S_K: u8 = 12;
const S_A: u8 = 13;

// Ranks of the media-level lines.
const M_M: u8 = 0;
const M_I: u8 = 1;
const M_C: u8 = 2;
const M_B: u8 = 3;
const M_K: u8 = 4;
const M_A: u8 = 5;

#[inline]
fn err<T>(line: u32, kind: K) -> Result<T, SdpError> {
    Err(SdpError::new(line, kind))
}

/// The lines of the input, numbered from 1, without their line ends.
struct Lines<'a> {
    rest: &'a str,
    line: u32,
}

impl<'a> Lines<'a> {
    #[inline(always)]
    fn next(&mut self) -> Result<Option<(u32, &'a str)>, SdpError> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let (line, rest) = match find_newline(self.rest.as_bytes()) {
            Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
            None => (self.rest, ""),
        };
        self.rest = rest;
        self.line = self.line.saturating_add(1);
        let line = match line.as_bytes().last() {
            Some(b'\r') => &line[..line.len() - 1],
            _ => line,
        };
        if line.is_empty() || line.bytes().all(|b| b.is_ascii_whitespace()) {
            // Leniency 2: blank lines may only end the description.
            if self.rest.bytes().all(|b| b.is_ascii_whitespace()) {
                self.rest = "";
                return Ok(None);
            }
            return err(self.line, K::BadLine);
        }
        Ok(Some((self.line, line)))
    }
}

/// The index of the first `\n`, eight bytes at a time: SDP lines are 10 to
/// 100 bytes long, too short for `memchr`'s setup to pay off.
#[inline]
fn find_newline(b: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    const NL: u64 = LO * b'\n' as u64;
    let mut i = 0;
    while let Some(chunk) = b.get(i..).and_then(<[u8]>::first_chunk::<8>) {
        let x = u64::from_le_bytes(*chunk) ^ NL;
        // The lowest set bit marks the first zero byte of `x` exactly (a
        // borrow only ever flags bytes above a true zero).
        let found = x.wrapping_sub(LO) & !x & HI;
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b.get(i..)?.iter().position(|&c| c == b'\n').map(|p| i + p)
}

/// Splits `<type>=<value>`.
#[inline]
fn split(n: u32, line: &str) -> Result<(u8, &str), SdpError> {
    match line.as_bytes() {
        [t, b'=', ..] if t.is_ascii_graphic() => Ok((*t, &line[2..])),
        _ => err(n, K::BadLine),
    }
}

/// The next line, which must be of type `want`; `missing` otherwise.
fn required<'a>(lines: &mut Lines<'a>, want: u8, missing: K) -> Result<(u32, &'a str), SdpError> {
    let Some((n, line)) = lines.next()? else {
        return err(lines.line.saturating_add(1), missing);
    };
    match split(n, line)? {
        (t, value) if t == want => Ok((n, value)),
        _ => err(n, missing),
    }
}

pub(super) fn parse(text: &str) -> Result<Sdp<'_>, SdpError> {
    let mut lines = Lines {
        rest: text,
        line: 0,
    };

    // RFC 8866 §5: "The session-level section starts with a "v=" line".
    let Some((n, line)) = lines.next()? else {
        return err(1, K::Empty);
    };
    match split(n, line) {
        Ok((b'v', value)) => {
            // §5.1: "This memo defines version 0."
            if value.trim_end() != "0" {
                return err(n, K::BadVersion);
            }
        }
        _ => return err(n, K::MissingVersion),
    }
    let (n, value) = required(&mut lines, b'o', K::MissingOrigin)?;
    let origin = match Origin::parse(value) {
        Ok(origin) => origin,
        Err(true) => return err(n, K::OriginFieldCount),
        Err(false) => return err(n, K::BadOrigin),
    };
    // §5.3: "There MUST be one and only one "s=" line per session
    // description." (Leniency 4: it may be empty.)
    let (_, session_name) = required(&mut lines, b's', K::MissingSessionName)?;

    let mut sdp = Sdp {
        origin,
        session_name: Cow::Borrowed(session_name),
        information: None,
        uri: None,
        emails: Vec::new(),
        phones: Vec::new(),
        connection: None,
        bandwidths: Vec::new(),
        times: Vec::with_capacity(1),
        key: None,
        attributes: Vec::new(),
        media: Vec::new(),
        unknown: Vec::new(),
    };

    let mut rank = S_S;
    let mut known: u16 = 3;
    let mut next_media = None;
    while let Some((n, line)) = lines.next()? {
        let (t, value) = split(n, line)?;
        // Whether `t` may come now: `once` lines must be above the current
        // rank, repeatable ones at or above it.
        let order = |ok: bool| {
            if ok {
                Ok(())
            } else {
                err(n, K::OutOfOrder(char::from(t)))
            }
        };
        let need_time = |rank: u8| {
            if rank >= S_T {
                Ok(())
            } else {
                err(n, K::MissingTime)
            }
        };
        match t {
            b'i' => {
                order(rank < S_I)?;
                rank = S_I;
                sdp.information = Some(Cow::Borrowed(value));
            }
            b'u' => {
                order(rank < S_U)?;
                rank = S_U;
                sdp.uri = Some(Cow::Borrowed(value));
            }
            b'e' => {
                order(rank <= S_E)?;
                rank = S_E;
                sdp.emails.push(Cow::Borrowed(value));
            }
            b'p' => {
                order(rank <= S_P)?;
                rank = S_P;
                sdp.phones.push(Cow::Borrowed(value));
            }
            b'c' => {
                // §5.7: "Multiple addresses or "c=" lines MUST NOT be
                // specified at session level."
                order(rank < S_C)?;
                rank = S_C;
                match Connection::parse(value) {
                    Some(c) => sdp.connection = Some(c),
                    None => return err(n, K::BadConnection),
                }
            }
            b'b' => {
                order(rank <= S_B)?;
                rank = S_B;
                match Bandwidth::parse(value) {
                    Some(b) => sdp.bandwidths.push(b),
                    None => return err(n, K::BadBandwidth),
                }
            }
            b't' => {
                order(rank <= S_Z)?;
                rank = S_T;
                match Timing::parse(value) {
                    Some(t) => sdp.times.push(t),
                    None => return err(n, K::BadTime),
                }
            }
            b'r' => {
                order(rank == S_T || rank == S_R)?;
                rank = S_R;
                let (Some(repeat), Some(time)) = (Repeat::parse(value), sdp.times.last_mut())
                else {
                    return err(n, K::BadRepeat);
                };
                time.repeats.push(repeat);
            }
            b'z' => {
                // Leniency 5: after `t=` as well as after `r=`.
                order(rank == S_T || rank == S_R)?;
                rank = S_Z;
                let (Some(zone), Some(time)) =
                    (ZoneAdjustment::parse_line(value), sdp.times.last_mut())
                else {
                    return err(n, K::BadZone);
                };
                time.zone = zone;
            }
            b'k' => {
                need_time(rank)?;
                order(rank < S_K)?;
                rank = S_K;
                sdp.key = Some(Cow::Borrowed(value));
            }
            b'a' => {
                need_time(rank)?;
                rank = S_A;
                sdp.attributes.push(attribute(n, value)?);
            }
            b'm' => {
                need_time(rank)?;
                next_media = Some((n, value));
                break;
            }
            b'v' | b'o' | b's' => return err(n, K::OutOfOrder(char::from(t))),
            _ => {
                sdp.unknown.push(unknown(t, value, known));
                continue;
            }
        }
        known = known.saturating_add(1);
    }
    if sdp.times.is_empty() {
        // §5: "One or more time descriptions".
        return err(lines.line.saturating_add(1), K::MissingTime);
    }

    let session_connection = sdp.connection.is_some();
    while let Some((m_line, value)) = next_media.take() {
        let mut media = media_line(m_line, value)?;
        let mut rank = M_M;
        let mut known: u16 = 1;
        while let Some((n, line)) = lines.next()? {
            let (t, value) = split(n, line)?;
            let order = |ok: bool| {
                if ok {
                    Ok(())
                } else {
                    err(n, K::OutOfOrder(char::from(t)))
                }
            };
            match t {
                b'm' => {
                    next_media = Some((n, value));
                    break;
                }
                b'i' => {
                    order(rank < M_I)?;
                    rank = M_I;
                    media.title = Some(Cow::Borrowed(value));
                }
                b'c' => {
                    // Several only for layered multicast (§5.7).
                    order(rank <= M_C)?;
                    rank = M_C;
                    match Connection::parse(value) {
                        Some(c) => media.connections.push(c),
                        None => return err(n, K::BadConnection),
                    }
                }
                b'b' => {
                    order(rank <= M_B)?;
                    rank = M_B;
                    match Bandwidth::parse(value) {
                        Some(b) => media.bandwidths.push(b),
                        None => return err(n, K::BadBandwidth),
                    }
                }
                b'k' => {
                    order(rank < M_K)?;
                    rank = M_K;
                    media.key = Some(Cow::Borrowed(value));
                }
                b'a' => {
                    rank = M_A;
                    media.attributes.push(attribute(n, value)?);
                }
                b'v' | b'o' | b's' | b'u' | b'e' | b'p' | b't' | b'r' | b'z' => {
                    return err(n, K::OutOfOrder(char::from(t)));
                }
                _ => {
                    media.unknown.push(unknown(t, value, known));
                    continue;
                }
            }
            known = known.saturating_add(1);
        }
        // §5.7: "A session description MUST contain either at least one
        // "c=" line in each media description or a single "c=" line at the
        // session level." (Leniency 6: not for a disabled stream.)
        if !session_connection && media.connections.is_empty() && media.port != 0 {
            return err(m_line, K::MissingConnection);
        }
        sdp.media.push(media);
    }
    Ok(sdp)
}

#[inline]
fn unknown(t: u8, value: &str, position: u16) -> UnknownLine<'_> {
    UnknownLine {
        letter: char::from(t),
        value: Cow::Borrowed(value),
        position,
    }
}

/// `a=<attribute-name>[:<attribute-value>]`: one pass over the name checks
/// it is a token and finds the colon.
#[inline(always)]
fn attribute(n: u32, value: &str) -> Result<Attribute<'_>, SdpError> {
    let bytes = value.as_bytes();
    let end = bytes
        .iter()
        .position(|&b| !is_token_byte(b))
        .unwrap_or(bytes.len());
    let (name, value) = match bytes.get(end) {
        None => (value, None),
        Some(b':') => (&value[..end], Some(&value[end + 1..])),
        // Leniency 7: trailing white space after a property attribute.
        Some(_) if value[end..].bytes().all(|b| b == b' ' || b == b'\t') => (&value[..end], None),
        Some(_) => return err(n, K::BadAttribute),
    };
    if name.is_empty() {
        return err(n, K::BadAttribute);
    }
    Ok(Attribute::parsed(name, value, n))
}

/// `m=<media> <port>[/<number of ports>] <proto> <fmt> ...`.
fn media_line(n: u32, value: &str) -> Result<Media<'_>, SdpError> {
    let bad = || SdpError::new(n, K::BadMedia);
    let mut fields = Fields::new(value);
    let media = fields.next().ok_or_else(bad)?;
    let port = fields.next().ok_or_else(bad)?;
    let proto = fields.next().ok_or_else(bad)?;
    let formats = fields.rest().trim_end_matches([' ', '\t']);
    // proto = token *("/" token); fmt = token
    if !is_token(media)
        || !is_proto(proto)
        || formats.is_empty()
        || !formats.bytes().all(|b| b == b' ' || is_token_byte(b))
    {
        return Err(bad());
    }
    let (port, port_count) = match split_at_byte(port, b'/') {
        None => (port, None),
        Some((port, count)) => {
            let count = digits(count)
                .and_then(|c| u16::try_from(c).ok())
                .filter(|c| *c > 0)
                .ok_or_else(|| SdpError::new(n, K::BadPort))?;
            (port, Some(count))
        }
    };
    let port = digits(port)
        .and_then(|p| u16::try_from(p).ok())
        .ok_or_else(|| SdpError::new(n, K::BadPort))?;
    Ok(Media {
        media: Cow::Borrowed(media),
        port,
        port_count,
        proto: Cow::Borrowed(proto),
        formats: Cow::Borrowed(formats),
        title: None,
        connections: Vec::new(),
        bandwidths: Vec::new(),
        key: None,
        attributes: Vec::with_capacity(8),
        unknown: Vec::new(),
    })
}

/// `proto = token *("/" token)`.
#[inline]
fn is_proto(proto: &str) -> bool {
    let mut previous = b'/';
    for b in proto.bytes() {
        if b == b'/' {
            if previous == b'/' {
                return false;
            }
        } else if !is_token_byte(b) {
            return false;
        }
        previous = b;
    }
    previous != b'/'
}
