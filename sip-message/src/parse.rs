//! Splitting a datagram into start line, header lines and body (RFC 3261 §7, §18.3).
//!
//! The scan is one pass over the head. Lines are found eight bytes at a
//! time: any byte below 0x20 or equal to 0x7F stops the fast loop, and in a
//! well-formed line the first such byte is the CR of its CRLF.

use bytes::Bytes;
use bytestring::ByteString;

use crate::error::{ErrorKind, ParseError};
use crate::header::{known_index_at, Entry, HeaderName, OTHER};
use crate::method::Method;
use crate::text::{is_token, is_wsp, parse_decimal, Span};

/// Where the body's length comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// One UDP datagram: without Content-Length the body is the rest (§18.3).
    Datagram,
    /// A stream message already cut by the framer: Content-Length is required.
    Stream,
}

/// The start line, with spans into the head.
#[derive(Debug, Clone)]
pub(crate) enum StartLine {
    Request {
        method: Method,
        uri: Span,
        version: Span,
    },
    Response {
        version: Span,
        code: u16,
        reason: Span,
    },
}

pub(crate) struct Parsed {
    pub(crate) head: ByteString,
    pub(crate) start: StartLine,
    pub(crate) start_end: usize,
    pub(crate) headers: Vec<Entry>,
    pub(crate) body: Bytes,
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Index of the first byte in `b[from..]` that is a control character
/// (below 0x20, or DEL), or `b.len()` if none.
#[inline]
fn next_ctl(b: &[u8], mut i: usize) -> usize {
    #[inline(always)]
    fn mask(x: u64) -> u64 {
        // Bytes < 0x20 (high bit clear in x, set after subtracting 0x20), or == 0x7F.
        let lt = x.wrapping_sub(LO * 0x20) & !x & HI;
        let y = x ^ (LO * 0x7f);
        let del = y.wrapping_sub(LO) & !y & HI;
        lt | del
    }
    #[inline(always)]
    fn word(b: &[u8], i: usize) -> u64 {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[i..i + 8]);
        u64::from_le_bytes(w)
    }
    while i + 16 <= b.len() {
        let (m0, m1) = (mask(word(b, i)), mask(word(b, i + 8)));
        if m0 | m1 != 0 {
            return if m0 != 0 {
                i + (m0.trailing_zeros() / 8) as usize
            } else {
                i + 8 + (m1.trailing_zeros() / 8) as usize
            };
        }
        i += 16;
    }
    while i + 8 <= b.len() {
        let m = mask(word(b, i));
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() {
        let c = b[i];
        if c < 0x20 || c == 0x7f {
            return i;
        }
        i += 1;
    }
    b.len()
}

/// The first `:` at or after `i` within the next 32 bytes, found a word
/// at a time (header names are short; memchr's setup costs more).
#[inline]
fn find_colon(b: &[u8], i: usize) -> Option<usize> {
    let end = b.len().min(i + 32);
    let mut k = i;
    while k + 8 <= end {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[k..k + 8]);
        let x = u64::from_le_bytes(w) ^ (LO * u64::from(b':'));
        let m = x.wrapping_sub(LO) & !x & HI;
        if m != 0 {
            return Some(k + (m.trailing_zeros() / 8) as usize);
        }
        k += 8;
    }
    b[k..end].iter().position(|&c| c == b':').map(|p| k + p)
}

/// Parses a whole message from `buf`.
///
/// One pass over the head finds the start line and every header line; the
/// empty line ends it. The head is then checked as UTF-8 once, so every
/// later slice of it is a `str` without another check.
pub(crate) fn parse(buf: &Bytes, framing: Framing, max_size: usize) -> Result<Parsed, ParseError> {
    let b = &buf[..];
    if b.is_empty() {
        return Err(ParseError::at(ErrorKind::UnexpectedEnd, b, 0));
    }
    if b.len() > max_size {
        return Err(ParseError::at(ErrorKind::TooLarge, b, max_size));
    }
    let (start, start_end) = start_line(b)?;
    let cl_id = HeaderName::ContentLength.index().unwrap_or(OTHER);

    // Lines are collected in a stack array first and moved into the entry
    // vector in one go: pushing each entry as it is found reloads it through
    // a store the CPU cannot forward, which costs more than the copy.
    let mut lines = [RawLine::BLANK; 32];
    let mut n_lines = 0;
    let mut spill: Vec<RawLine> = Vec::new();
    let mut content_length: Option<(usize, usize)> = None;
    let mut pos = start_end;
    let n = b.len();
    let blank = loop {
        // The empty line ends the head.
        match b.get(pos) {
            Some(b'\r') if b.get(pos + 1) == Some(&b'\n') => break pos,
            None => return Err(ParseError::at(ErrorKind::NoEndOfHeaders, b, n)),
            _ => {}
        }
        let line_start = pos;
        // field-name = token. Fast path: the name before the next ':' is a
        // known name (which is a token by construction); otherwise check
        // every character.
        let mut id = OTHER;
        let mut i = pos;
        if let Some(colon) = find_colon(b, pos) {
            let mut end = colon;
            while end > pos && is_wsp(b[end - 1]) {
                end -= 1;
            }
            if let Some(k) = known_index_at(b, pos, end - pos) {
                id = k;
                i = end;
            }
        }
        if id == OTHER {
            while i < n && is_token(b[i]) {
                i += 1;
            }
        }
        let name_end = i;
        if name_end == line_start {
            return Err(ParseError::at(ErrorKind::InvalidHeaderName, b, line_start));
        }
        // HCOLON = *( SP / HTAB ) ":" SWS
        while i < n && is_wsp(b[i]) {
            i += 1;
        }
        if b.get(i) != Some(&b':') {
            if i >= n {
                return Err(ParseError::at(ErrorKind::NoEndOfHeaders, b, n));
            }
            return Err(ParseError::at(ErrorKind::MissingColon, b, i));
        }
        i += 1;
        // SWS before the value, which may include folding.
        loop {
            while i < n && is_wsp(b[i]) {
                i += 1;
            }
            if i + 2 < n && b[i] == b'\r' && b[i + 1] == b'\n' && is_wsp(b[i + 2]) {
                i += 3;
            } else {
                break;
            }
        }
        let value_start = i;
        // The value runs to the CRLF that is not followed by SP or HTAB.
        let line_end;
        loop {
            i = next_ctl(b, i);
            match b.get(i) {
                Some(b'\r') if b.get(i + 1) == Some(&b'\n') => {
                    if b.get(i + 2).is_some_and(|&c| is_wsp(c)) {
                        i += 3; // folded line: LWS, part of the value
                    } else {
                        line_end = i;
                        break;
                    }
                }
                Some(b'\t') => i += 1,
                // quoted-pair may escape %x00-09 / %x0B-0C / %x0E-7F (RFC 4475 §3.1.1.2).
                Some(&c) if c != b'\r' && c != b'\n' && b[i - 1] == b'\\' => i += 1,
                Some(b'\r' | b'\n') => return Err(ParseError::at(ErrorKind::ExpectedCrlf, b, i)),
                Some(_) => return Err(ParseError::at(ErrorKind::InvalidHeaderValue, b, i)),
                None => return Err(ParseError::at(ErrorKind::NoEndOfHeaders, b, i)),
            }
        }
        // Trailing LWS, folds included, is not part of the value (§7.3.1).
        let mut value_end = line_end;
        loop {
            while value_end > value_start && is_wsp(b[value_end - 1]) {
                value_end -= 1;
            }
            if value_end >= value_start + 2
                && b[value_end - 2] == b'\r'
                && b[value_end - 1] == b'\n'
            {
                value_end -= 2;
            } else {
                break;
            }
        }
        if id == cl_id {
            let n = parse_decimal(&b[value_start..value_end], u64::from(u32::MAX))
                .ok_or_else(|| ParseError::at(ErrorKind::InvalidContentLength, b, value_start))?
                as usize;
            match content_length {
                Some((m, _)) if m != n => {
                    return Err(ParseError::at(
                        ErrorKind::ConflictingContentLength,
                        b,
                        value_start,
                    ))
                }
                _ => content_length = Some((n, value_start)),
            }
        }
        let line = RawLine {
            id,
            line_start: line_start as u32,
            name_end: name_end as u32,
            value_start: value_start as u32,
            value_end: value_end as u32,
            line_end: line_end as u32,
        };
        if n_lines < lines.len() {
            lines[n_lines] = line;
            n_lines += 1;
        } else {
            spill.push(line);
        }
        pos = line_end + 2;
    };

    let mut headers = Vec::with_capacity(n_lines + spill.len());
    headers.extend(lines[..n_lines].iter().chain(&spill).map(|l| {
        Entry::from_head(
            l.id,
            l.line_start as usize,
            l.name_end as usize,
            l.value_start as usize,
            l.value_end as usize,
            l.line_end as usize,
        )
    }));
    // The head keeps the CRLF of its last line; the body starts after the blank line.
    let head_len = blank;
    let head = match ByteString::try_from(buf.slice(..head_len)) {
        Ok(h) => h,
        Err(_) => {
            let at = std::str::from_utf8(&b[..head_len])
                .err()
                .map_or(0, |e| e.valid_up_to());
            return Err(ParseError::at(ErrorKind::InvalidUtf8, b, at));
        }
    };
    let start = match start {
        RawStart::Request {
            method,
            uri,
            version,
        } => StartLine::Request {
            // Known methods need no slice of the head.
            method: Method::known(&b[method.range()])
                .unwrap_or_else(|| Method::Extension(crate::text::slice(&head, method))),
            uri,
            version,
        },
        RawStart::Response {
            version,
            code,
            reason,
        } => StartLine::Response {
            version,
            code,
            reason,
        },
    };

    let body_start = blank + 2;
    let body = match (content_length, framing) {
        (Some((n, at)), _) => {
            if body_start + n > b.len() {
                // RFC 3261 §18.3: a datagram body shorter than Content-Length
                // is an error; the message is discarded (or answered 400).
                return Err(ParseError::at(ErrorKind::BodyTooShort, b, at));
            }
            // Surplus octets after Content-Length are discarded (§18.3).
            buf.slice(body_start..body_start + n)
        }
        (None, Framing::Datagram) => buf.slice(body_start..),
        (None, Framing::Stream) => {
            return Err(ParseError::at(
                ErrorKind::MissingContentLength,
                b,
                start_end,
            ))
        }
    };
    Ok(Parsed {
        head,
        start,
        start_end,
        headers,
        body,
    })
}

/// One header line as the scan finds it.
#[derive(Clone, Copy)]
struct RawLine {
    id: u8,
    line_start: u32,
    name_end: u32,
    value_start: u32,
    value_end: u32,
    line_end: u32,
}

impl RawLine {
    const BLANK: Self = Self {
        id: 0,
        line_start: 0,
        name_end: 0,
        value_start: 0,
        value_end: 0,
        line_end: 0,
    };
}

/// The start line before the head is known to be UTF-8.
enum RawStart {
    Request {
        method: Span,
        uri: Span,
        version: Span,
    },
    Response {
        version: Span,
        code: u16,
        reason: Span,
    },
}

/// Parses the Request-Line or Status-Line; returns it and the offset after its CRLF.
fn start_line(h: &[u8]) -> Result<(RawStart, usize), ParseError> {
    // HTAB may appear in a Reason-Phrase; any other control ends the line.
    let mut eol = next_ctl(h, 0);
    let first_tab = (h.get(eol) == Some(&b'\t')).then_some(eol);
    while h.get(eol) == Some(&b'\t') {
        eol = next_ctl(h, eol + 1);
    }
    if h.get(eol) != Some(&b'\r') || h.get(eol + 1) != Some(&b'\n') {
        return Err(ParseError::at(ErrorKind::ExpectedCrlf, h, eol));
    }
    let line = &h[..eol];
    // "SIP" in SIP-Version is case-insensitive (RFC 3261 §7.1, §25).
    if line.len() >= 4 && line[..4].eq_ignore_ascii_case(b"SIP/") {
        // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF
        let v_end = version(line, 0)?;
        if line.get(v_end) != Some(&b' ') {
            return Err(ParseError::at(ErrorKind::ExpectedSpace, h, v_end));
        }
        let c = v_end + 1;
        let code = match line.get(c..c + 3) {
            Some(d)
                if d.iter().all(u8::is_ascii_digit)
                    && line.get(c + 3).is_none_or(|&b| b == b' ') =>
            {
                u16::from(d[0] - b'0') * 100 + u16::from(d[1] - b'0') * 10 + u16::from(d[2] - b'0')
            }
            _ => return Err(ParseError::at(ErrorKind::InvalidStatusCode, h, c)),
        };
        if !(100..=699).contains(&code) {
            return Err(ParseError::at(ErrorKind::InvalidStatusCode, h, c));
        }
        if line.get(c + 3) != Some(&b' ') {
            return Err(ParseError::at(ErrorKind::ExpectedSpace, h, c + 3));
        }
        // Reason-Phrase = *(reserved / unreserved / escaped / UTF8-NONASCII
        //                 / UTF8-CONT / SP / HTAB); control characters were
        // excluded by the line scan, UTF-8 validity by the head check.
        let reason = Span::new(c + 4, eol);
        return Ok((
            RawStart::Response {
                version: Span::new(0, v_end),
                code,
                reason,
            },
            eol + 2,
        ));
    }
    // Request-Line = Method SP Request-URI SP SIP-Version CRLF, no HTAB anywhere.
    if let Some(t) = first_tab {
        return Err(ParseError::at(ErrorKind::InvalidStartLine, h, t));
    }
    let m_end = line
        .iter()
        .position(|&b| !is_token(b))
        .unwrap_or(line.len());
    if m_end == 0 {
        return Err(ParseError::at(ErrorKind::InvalidStartLine, h, 0));
    }
    if line.get(m_end) != Some(&b' ') {
        return Err(ParseError::at(ErrorKind::ExpectedSpace, h, m_end));
    }
    let u_start = m_end + 1;
    let u_len = line[u_start..]
        .iter()
        .position(|&b| b == b' ')
        .unwrap_or(line.len() - u_start);
    let u_end = u_start + u_len;
    if u_len == 0 {
        // Two SPs in a row (RFC 4475 §3.1.2.9) or nothing after the method.
        return Err(ParseError::at(ErrorKind::InvalidUri, h, u_start));
    }
    // The Request-URI is parsed on access; its scheme is checked here so
    // that `<sip:...>` (RFC 4475 §3.1.2.7) fails at once.
    let uri = &line[u_start..u_end];
    let scheme_ok = uri[0].is_ascii_alphabetic()
        && uri
            .iter()
            .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
            .is_some_and(|i| uri[i] == b':');
    if !scheme_ok {
        return Err(ParseError::at(ErrorKind::InvalidUri, h, u_start));
    }
    if u_end == line.len() {
        return Err(ParseError::at(ErrorKind::InvalidVersion, h, u_end));
    }
    let v_start = u_end + 1;
    let v_end = version(line, v_start)?;
    if v_end != line.len() {
        // Trailing SP after the version (RFC 4475 §3.1.2.10) or other junk.
        return Err(ParseError::at(ErrorKind::ExpectedCrlf, h, v_end));
    }
    Ok((
        RawStart::Request {
            method: Span::new(0, m_end),
            uri: Span::new(u_start, u_end),
            version: Span::new(v_start, v_end),
        },
        eol + 2,
    ))
}

/// `SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT`; returns the end offset.
fn version(line: &[u8], at: usize) -> Result<usize, ParseError> {
    let err = |i| Err(ParseError::at(ErrorKind::InvalidVersion, line, i));
    let rest = &line[at..];
    if rest.len() < 4 || !rest[..4].eq_ignore_ascii_case(b"SIP/") {
        return err(at);
    }
    let mut i = 4;
    let d1 = rest[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    if d1 == 0 || rest.get(i + d1) != Some(&b'.') {
        return err(at + i + d1);
    }
    i += d1 + 1;
    let d2 = rest[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    if d2 == 0 {
        return err(at + i);
    }
    Ok(at + i + d2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctl_scan_finds_first_control() {
        let s = b"abcdefghijklmnop\r\n";
        assert_eq!(next_ctl(s, 0), 16);
        assert_eq!(next_ctl(b"ab\x7fcdefghij", 0), 2);
        assert_eq!(next_ctl(b"abcdefghij\tk", 3), 10);
        assert_eq!(next_ctl(b"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 0), 10);
    }
}
