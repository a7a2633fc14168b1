//! Splitting a datagram into start line, header lines and body (RFC 3261 §7, §18.3).
//!
//! The scan is one pass over the head. Lines are found eight bytes at a
//! time: any byte below 0x20 or equal to 0x7F stops the fast loop, and in a
//! well-formed line the first such byte is the CR of its CRLF.

use bytes::Bytes;
use bytestring::ByteString;

use crate::error::{ErrorKind, ParseError};
use crate::header::{Entry, HeaderName};
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
    while i + 8 <= b.len() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[i..i + 8]);
        let x = u64::from_le_bytes(w);
        // Bytes < 0x20 (high bit clear in x, set after subtracting 0x20), or == 0x7F.
        let lt = x.wrapping_sub(LO * 0x20) & !x & HI;
        let y = x ^ (LO * 0x7f);
        let del = y.wrapping_sub(LO) & !y & HI;
        let m = lt | del;
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

/// Parses a whole message from `buf`.
pub(crate) fn parse(buf: &Bytes, framing: Framing, max_size: usize) -> Result<Parsed, ParseError> {
    let b = &buf[..];
    if b.is_empty() {
        return Err(ParseError::at(ErrorKind::UnexpectedEnd, b, 0));
    }
    if b.len() > max_size {
        return Err(ParseError::at(ErrorKind::TooLarge, b, max_size));
    }
    let Some(blank) = memchr::memmem::find(b, b"\r\n\r\n") else {
        return Err(ParseError::at(ErrorKind::NoEndOfHeaders, b, b.len()));
    };
    // The head keeps the CRLF of its last line; the body starts after the blank line.
    let head_len = blank + 2;
    // The head is checked as UTF-8 once; every later slice of it is a str for free.
    let head = match ByteString::try_from(buf.slice(..head_len)) {
        Ok(h) => h,
        Err(_) => {
            let at = std::str::from_utf8(&b[..head_len])
                .err()
                .map_or(0, |e| e.valid_up_to());
            return Err(ParseError::at(ErrorKind::InvalidUtf8, b, at));
        }
    };
    let h = head.as_bytes();

    let (start, start_end) = start_line(&head)?;

    let mut headers = Vec::with_capacity(16);
    let mut content_length: Option<(usize, usize)> = None;
    let mut pos = start_end;
    while pos < head_len {
        let line_start = pos;
        // field-name = token
        let mut i = pos;
        while i < head_len && is_token(h[i]) {
            i += 1;
        }
        let name_end = i;
        if name_end == line_start {
            return Err(ParseError::at(ErrorKind::InvalidHeaderName, h, line_start));
        }
        // HCOLON = *( SP / HTAB ) ":" SWS
        while i < head_len && is_wsp(h[i]) {
            i += 1;
        }
        if h.get(i) != Some(&b':') {
            return Err(ParseError::at(ErrorKind::MissingColon, h, i));
        }
        i += 1;
        // Skip SWS, which may include folding, before the value.
        loop {
            while i < head_len && is_wsp(h[i]) {
                i += 1;
            }
            if i + 2 < head_len && h[i] == b'\r' && h[i + 1] == b'\n' && is_wsp(h[i + 2]) {
                i += 3;
            } else {
                break;
            }
        }
        let value_start = i;
        // The value runs to the CRLF that is not followed by SP or HTAB.
        let line_end;
        loop {
            i = next_ctl(h, i);
            match h.get(i) {
                Some(b'\r') if h.get(i + 1) == Some(&b'\n') => {
                    if h.get(i + 2).is_some_and(|&c| is_wsp(c)) {
                        i += 3; // folded line: LWS, part of the value
                    } else {
                        line_end = i;
                        break;
                    }
                }
                Some(b'\t') => i += 1,
                // quoted-pair may escape %x00-09 / %x0B-0C / %x0E-7F (RFC 4475 §3.1.1.2).
                Some(&c) if c != b'\r' && c != b'\n' && i > 0 && h[i - 1] == b'\\' => i += 1,
                Some(b'\r' | b'\n') => return Err(ParseError::at(ErrorKind::ExpectedCrlf, h, i)),
                Some(_) => return Err(ParseError::at(ErrorKind::InvalidHeaderValue, h, i)),
                None => return Err(ParseError::at(ErrorKind::ExpectedCrlf, h, i)),
            }
        }
        let mut value_end = line_end;
        while value_end > value_start && is_wsp(h[value_end - 1]) {
            value_end -= 1;
        }
        let name = match HeaderName::known(&h[line_start..name_end]) {
            Some(n) => n,
            None => HeaderName::Other(head.slice_ref(&head[line_start..name_end])),
        };
        if matches!(name, HeaderName::ContentLength) {
            let digits = &h[value_start..value_end];
            let n = parse_decimal(digits, u64::from(u32::MAX))
                .ok_or_else(|| ParseError::at(ErrorKind::InvalidContentLength, h, value_start))?
                as usize;
            match content_length {
                Some((m, _)) if m != n => {
                    return Err(ParseError::at(
                        ErrorKind::ConflictingContentLength,
                        h,
                        value_start,
                    ))
                }
                _ => content_length = Some((n, value_start)),
            }
        }
        headers.push(Entry::from_head(
            name,
            line_start,
            name_end,
            value_start,
            value_end,
            line_end,
        ));
        pos = line_end + 2;
    }

    let body_start = blank + 4;
    let body = match (content_length, framing) {
        (Some((n, at)), _) => {
            if body_start + n > b.len() {
                // RFC 3261 §18.3: a datagram body shorter than Content-Length
                // is an error; the message is discarded (or answered 400).
                return Err(ParseError::at(ErrorKind::BodyTooShort, h, at));
            }
            // Surplus octets after Content-Length are discarded (§18.3).
            buf.slice(body_start..body_start + n)
        }
        (None, Framing::Datagram) => buf.slice(body_start..),
        (None, Framing::Stream) => {
            return Err(ParseError::at(
                ErrorKind::MissingContentLength,
                h,
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

/// Parses the Request-Line or Status-Line; returns it and the offset after its CRLF.
fn start_line(head: &ByteString) -> Result<(StartLine, usize), ParseError> {
    let h = head.as_bytes();
    let eol = next_ctl(h, 0);
    if h.get(eol) != Some(&b'\r') || h.get(eol + 1) != Some(&b'\n') {
        return Err(ParseError::at(ErrorKind::ExpectedCrlf, h, eol));
    }
    let line = &h[..eol];
    if line.starts_with(b"SIP/") {
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
            StartLine::Response {
                version: Span::new(0, v_end),
                code,
                reason,
            },
            eol + 2,
        ));
    }
    // Request-Line = Method SP Request-URI SP SIP-Version CRLF
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
    let method = Method::from_slice(head.slice_ref(&head[..m_end]));
    Ok((
        StartLine::Request {
            method,
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
