//! Character classes of the RFC 3261 §25.1 grammar and a small cursor that
//! the header and URI parsers share.
//!
//! The cursor works on bytes and hands out [`Span`]s, so a parser can record
//! where each field is without copying it; the typed values keep one
//! [`ByteString`] of the whole value and resolve spans on access.

use bytestring::ByteString;
use nom::bytes::complete::{take_while, take_while1};
use nom::Parser;

use crate::error::{ErrorKind, ParseError};

/// A range of a value's bytes, `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) struct Span {
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Span {
    pub(crate) fn new(start: usize, end: usize) -> Self {
        // Inputs are bounded by the message size limit (well under 4 GiB).
        Self {
            start: start as u32,
            end: end as u32,
        }
    }

    pub(crate) fn range(self) -> core::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    pub(crate) fn is_empty(self) -> bool {
        self.start == self.end
    }

    pub(crate) fn of(self, s: &str) -> &str {
        s.get(self.range()).unwrap_or("")
    }
}

/// An optional [`Span`] in eight bytes (`Option<Span>` takes twelve): the
/// typed headers that hold several stay small enough to move without a
/// `memcpy` call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct OptSpan(Span);

impl OptSpan {
    pub(crate) const NONE: Self = Self(Span {
        start: u32::MAX,
        end: u32::MAX,
    });

    #[inline]
    pub(crate) fn get(self) -> Option<Span> {
        (self.0.start != u32::MAX).then_some(self.0)
    }
}

impl From<Option<Span>> for OptSpan {
    #[inline]
    fn from(s: Option<Span>) -> Self {
        s.map_or(Self::NONE, Self)
    }
}

const TOKEN: u8 = 1;
const WORD: u8 = 2;
const UNRESERVED: u8 = 4;
const USER: u8 = 8;
const PASSWORD: u8 = 16;
const PARAM: u8 = 32;
const HNV: u8 = 64;

const fn class_table() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut c = 0usize;
    while c < 256 {
        let b = c as u8;
        let alnum = b.is_ascii_alphanumeric();
        let mut f = 0u8;
        // token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
        if alnum
            || matches!(
                b,
                b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~'
            )
        {
            f |= TOKEN | WORD;
        }
        // word adds "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}"
        if matches!(
            b,
            b'(' | b')'
                | b'<'
                | b'>'
                | b':'
                | b'\\'
                | b'"'
                | b'/'
                | b'['
                | b']'
                | b'?'
                | b'{'
                | b'}'
        ) {
            f |= WORD;
        }
        // unreserved = alphanum / mark
        let unreserved = alnum
            || matches!(
                b,
                b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
            );
        if unreserved {
            f |= UNRESERVED | USER | PASSWORD | PARAM | HNV;
        }
        if matches!(b, b'&' | b'=' | b'+' | b'$' | b',' | b';' | b'?' | b'/') {
            f |= USER;
        }
        if matches!(b, b'&' | b'=' | b'+' | b'$' | b',') {
            f |= PASSWORD;
        }
        if matches!(b, b'[' | b']' | b'/' | b':' | b'&' | b'+' | b'$') {
            f |= PARAM;
        }
        if matches!(b, b'[' | b']' | b'/' | b'?' | b':' | b'+' | b'$') {
            f |= HNV;
        }
        t[c] = f;
        c += 1;
    }
    t
}

static CLASS: [u8; 256] = class_table();

const PARAM_ESC: u8 = 2;
const HNV_ESC: u8 = 4;
const LIST_SPECIAL: u8 = 8;
const TOKEN_COLON: u8 = 16;
const USER_ESC: u8 = 32;
const PASSWORD_ESC: u8 = 64;

const fn class2_table() -> [u8; 256] {
    let base = class_table();
    let mut t = [0u8; 256];
    let mut c = 0usize;
    while c < 256 {
        let f = base[c];
        let b = c as u8;
        let mut g = 0u8;
        if f & PARAM != 0 || b == b'%' {
            g |= PARAM_ESC;
        }
        if f & HNV != 0 || b == b'%' {
            g |= HNV_ESC;
        }
        if matches!(b, b',' | b'"' | b'<' | b'>' | b'\\') {
            g |= LIST_SPECIAL;
        }
        if f & TOKEN != 0 || b == b':' {
            g |= TOKEN_COLON;
        }
        if f & USER != 0 || b == b'%' {
            g |= USER_ESC;
        }
        if f & PASSWORD != 0 || b == b'%' {
            g |= PASSWORD_ESC;
        }
        t[c] = g;
        c += 1;
    }
    t
}

static CLASS2: [u8; 256] = class2_table();

/// `paramchar` including the `%` of escapes.
#[inline]
pub(crate) fn is_param_esc(b: u8) -> bool {
    CLASS2[b as usize] & PARAM_ESC != 0
}
/// `hname`/`hvalue` characters including the `%` of escapes.
#[inline]
pub(crate) fn is_hnv_esc(b: u8) -> bool {
    CLASS2[b as usize] & HNV_ESC != 0
}
/// Characters of a URI user part, escapes included.
#[inline]
pub(crate) fn is_user_esc(b: u8) -> bool {
    CLASS2[b as usize] & USER_ESC != 0
}
/// Characters of a URI password, escapes included.
#[inline]
pub(crate) fn is_password_esc(b: u8) -> bool {
    CLASS2[b as usize] & PASSWORD_ESC != 0
}
/// Token characters and `:` (an unbracketed IPv6 address in a parameter).
#[inline]
pub(crate) fn is_token_or_colon(b: u8) -> bool {
    CLASS2[b as usize] & TOKEN_COLON != 0
}
/// Characters that matter when splitting a list at commas.
#[inline]
pub(crate) fn is_list_special(b: u8) -> bool {
    CLASS2[b as usize] & LIST_SPECIAL != 0
}

/// Index of the first byte at or after `i` that fails `pred`.
#[inline(always)]
pub(crate) fn skip(b: &[u8], mut i: usize, pred: impl Fn(u8) -> bool) -> usize {
    while i < b.len() && pred(b[i]) {
        i += 1;
    }
    i
}

/// `token` characters (RFC 3261 §25.1).
#[inline]
pub(crate) fn is_token(b: u8) -> bool {
    CLASS[b as usize] & TOKEN != 0
}
/// `word` characters (RFC 3261 §25.1), used by Call-ID.
#[inline]
pub(crate) fn is_word(b: u8) -> bool {
    CLASS[b as usize] & WORD != 0
}
/// `unreserved` characters (RFC 3261 §25.1).
#[inline]
pub(crate) fn is_unreserved(b: u8) -> bool {
    CLASS[b as usize] & UNRESERVED != 0
}
#[inline]
pub(crate) fn is_wsp(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Is `s` a non-empty `token`?
pub(crate) fn is_token_str(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_token)
}

type NomErr<'a> = nom::Err<nom::error::Error<&'a [u8]>>;

/// A read position in a value, with the helpers every header grammar needs.
pub(crate) struct Cursor<'a> {
    pub(crate) input: &'a [u8],
    pub(crate) pos: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(input: &'a str) -> Self {
        Self {
            input: input.as_bytes(),
            pos: 0,
        }
    }

    #[inline]
    pub(crate) fn rest(&self) -> &'a [u8] {
        &self.input[self.pos..]
    }

    #[inline]
    pub(crate) fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    #[inline]
    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.input.len()
    }

    #[inline]
    pub(crate) fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// An error at the current position. Line and column are left for the
    /// public entry points to compute ([`ParseError::rebase`]): grammars
    /// also use failures to try alternatives, and that must stay cheap.
    pub(crate) fn err(&self, kind: ErrorKind) -> ParseError {
        ParseError::new(kind, self.pos)
    }

    pub(crate) fn err_at(&self, kind: ErrorKind, pos: usize) -> ParseError {
        ParseError::new(kind, pos)
    }

    pub(crate) fn expect(&mut self, b: u8, kind: ErrorKind) -> Result<(), ParseError> {
        if self.eat(b) {
            Ok(())
        } else {
            Err(self.err(kind))
        }
    }

    /// Skips `SWS` = `[LWS]`, where `LWS = [*WSP CRLF] 1*WSP` (line folding).
    #[inline]
    pub(crate) fn skip_sws(&mut self) {
        if matches!(self.peek(), Some(b' ' | b'\t' | b'\r')) {
            self.skip_sws_slow();
        }
    }

    fn skip_sws_slow(&mut self) {
        loop {
            match self.peek() {
                Some(b' ' | b'\t') => self.pos += 1,
                Some(b'\r')
                    if self.input.get(self.pos + 1) == Some(&b'\n')
                        && self.input.get(self.pos + 2).is_some_and(|&b| is_wsp(b)) =>
                {
                    self.pos += 3
                }
                _ => return,
            }
        }
    }

    /// Skips `SWS` and reports whether anything was skipped.
    pub(crate) fn skip_sws_any(&mut self) -> bool {
        let p = self.pos;
        self.skip_sws();
        self.pos != p
    }

    /// `SWS c SWS` around a separator such as `;`, `=`, `,` or `/`.
    #[inline]
    pub(crate) fn eat_sep(&mut self, c: u8) -> bool {
        // Fast path: the separator with no whitespace before it.
        if self.peek() == Some(c) {
            self.pos += 1;
            self.skip_sws();
            return true;
        }
        let save = self.pos;
        self.skip_sws();
        if self.eat(c) {
            self.skip_sws();
            true
        } else {
            self.pos = save;
            false
        }
    }

    /// Takes `1*pred`.
    #[inline]
    pub(crate) fn take1(
        &mut self,
        pred: impl Fn(u8) -> bool,
        kind: ErrorKind,
    ) -> Result<Span, ParseError> {
        let r: Result<(&[u8], &[u8]), NomErr<'_>> = take_while1(pred).parse(self.rest());
        match r {
            Ok((_, taken)) => {
                let start = self.pos;
                self.pos += taken.len();
                Ok(Span::new(start, self.pos))
            }
            Err(_) => Err(self.err(kind)),
        }
    }

    /// Takes `*pred` (possibly empty).
    #[inline]
    pub(crate) fn take0(&mut self, pred: impl Fn(u8) -> bool) -> Span {
        let r: Result<(&[u8], &[u8]), NomErr<'_>> = take_while(pred).parse(self.rest());
        let n = r.map_or(0, |(_, t)| t.len());
        let start = self.pos;
        self.pos += n;
        Span::new(start, self.pos)
    }

    /// Takes a `token`.
    #[inline]
    pub(crate) fn token(&mut self) -> Result<Span, ParseError> {
        self.take1(is_token, ErrorKind::ExpectedToken)
    }

    /// Takes a `quoted-string` and returns the span *inside* the quotes.
    ///
    /// `quoted-string = SWS DQUOTE *(qdtext / quoted-pair) DQUOTE`; the
    /// caller skips the leading SWS.
    pub(crate) fn quoted(&mut self) -> Result<Span, ParseError> {
        let open = self.pos;
        self.expect(b'"', ErrorKind::UnterminatedQuote)?;
        let start = self.pos;
        loop {
            match self.peek() {
                None => return Err(self.err_at(ErrorKind::UnterminatedQuote, open)),
                Some(b'"') => {
                    let span = Span::new(start, self.pos);
                    self.pos += 1;
                    return Ok(span);
                }
                // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
                Some(b'\\') => match self.input.get(self.pos + 1) {
                    Some(&c) if c <= 0x7f && c != b'\r' && c != b'\n' => self.pos += 2,
                    _ => return Err(self.err(ErrorKind::InvalidHeaderValue)),
                },
                Some(b'\r') => {
                    // Folding inside a quoted string is LWS.
                    let save = self.pos;
                    self.skip_sws();
                    if self.pos == save {
                        return Err(self.err(ErrorKind::UnterminatedQuote));
                    }
                }
                Some(c) if c < 0x20 && c != b'\t' || c == 0x7f => {
                    return Err(self.err(ErrorKind::InvalidHeaderValue))
                }
                Some(_) => self.pos += 1,
            }
        }
    }

    /// Takes a decimal number of at most `max` value.
    #[inline]
    pub(crate) fn number(&mut self, max: u64) -> Result<u64, ParseError> {
        let start = self.pos;
        let mut n: u64 = 0;
        let mut i = start;
        while let Some(&d) = self.input.get(i) {
            if !d.is_ascii_digit() {
                break;
            }
            // Saturate instead of overflowing; the range check below rejects it.
            n = n.saturating_mul(10).saturating_add(u64::from(d - b'0'));
            i += 1;
        }
        if i == start {
            return Err(self.err(ErrorKind::ExpectedNumber));
        }
        if n > max {
            return Err(self.err_at(ErrorKind::NumberOutOfRange, start));
        }
        self.pos = i;
        Ok(n)
    }

    /// Fails unless only SWS remains.
    pub(crate) fn finish(&mut self) -> Result<(), ParseError> {
        self.skip_sws();
        if self.at_end() {
            Ok(())
        } else {
            Err(self.err(ErrorKind::TrailingCharacters))
        }
    }

    /// Takes a generic parameter value: `token / host / quoted-string`
    /// (RFC 3261 `gen-value`). Bracketed IPv6 references are accepted, as
    /// RFC 5118 §4.5 asks for `received`. Quoted values keep their quotes.
    #[inline]
    pub(crate) fn gen_value(&mut self) -> Result<Span, ParseError> {
        let start = self.pos;
        match self.peek() {
            Some(b'"') => {
                self.quoted()?;
                Ok(Span::new(start, self.pos))
            }
            Some(b'[') => {
                self.pos += 1;
                let end = skip(self.input, self.pos, |b| {
                    b.is_ascii_hexdigit() || b == b':' || b == b'.'
                });
                if end == self.pos {
                    return Err(self.err(ErrorKind::InvalidHost));
                }
                self.pos = end;
                self.expect(b']', ErrorKind::InvalidHost)?;
                Ok(Span::new(start, self.pos))
            }
            // IPv6 addresses without brackets (RFC 5118 §4.5, received=2001:db8::9:255)
            // consist of token characters and ':'.
            _ => {
                let end = skip(self.input, start, is_token_or_colon);
                if end == start {
                    return Err(self.err(ErrorKind::InvalidParam));
                }
                self.pos = end;
                Ok(Span::new(start, end))
            }
        }
    }

    /// Parses `*( SEMI generic-param )`, calling `f` for each parameter.
    /// Returns the span of the whole parameter list, from the first `;`.
    #[inline]
    pub(crate) fn params(
        &mut self,
        mut f: impl FnMut(&Self, Span, Option<Span>) -> Result<(), ParseError>,
    ) -> Result<Span, ParseError> {
        let mut start = usize::MAX;
        let mut end = self.pos;
        loop {
            // SEMI = SWS ";" SWS
            let save = self.pos;
            self.skip_sws();
            if !self.eat(b';') {
                self.pos = save;
                break;
            }
            if start == usize::MAX {
                start = self.pos - 1;
            }
            self.skip_sws();
            let ns = self.pos;
            let ne = skip(self.input, ns, is_token);
            if ne == ns {
                return Err(self.err(ErrorKind::InvalidParam));
            }
            self.pos = ne;
            let value = if self.eat_sep(b'=') {
                Some(self.gen_value()?)
            } else {
                None
            };
            f(self, Span::new(ns, ne), value)?;
            end = self.pos;
        }
        Ok(if start == usize::MAX {
            Span::new(end, end)
        } else {
            Span::new(start, end)
        })
    }
}

/// Parses ASCII digits as a decimal no larger than `max`.
pub(crate) fn parse_decimal(digits: &[u8], max: u64) -> Option<u64> {
    let mut n: u64 = 0;
    if digits.is_empty() {
        return None;
    }
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
        if n > max {
            return None;
        }
    }
    Some(n)
}

/// Slices `raw` by `span` into a new zero-copy `ByteString`.
pub(crate) fn slice(raw: &ByteString, span: Span) -> ByteString {
    match raw.get(span.range()) {
        Some(s) => raw.slice_ref(s),
        None => ByteString::new(),
    }
}

/// Removes the quotes and quoted-pair backslashes of a quoted string.
pub(crate) fn unquote(s: &str) -> std::borrow::Cow<'_, str> {
    let inner = s
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s);
    if !inner.contains('\\') {
        return std::borrow::Cow::Borrowed(inner);
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Writes `s` as a quoted-string, escaping `"` and `\`.
pub(crate) fn write_quoted(out: &mut bytes::BytesMut, s: &str) {
    out.extend_from_slice(b"\"");
    for b in s.bytes() {
        if b == b'"' || b == b'\\' {
            out.extend_from_slice(b"\\");
        }
        out.extend_from_slice(&[b]);
    }
    out.extend_from_slice(b"\"");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3261_token_and_word_classes() {
        assert!("INVITE".bytes().all(is_token));
        assert!(!is_token(b':'));
        assert!(is_word(b':') && is_word(b'"') && !is_word(b' '));
        assert!(is_user_esc(b';') && is_user_esc(b'%') && !is_user_esc(b'@') && !is_user_esc(b':'));
        assert!(!is_password_esc(b';') && is_password_esc(b'&'));
    }

    #[test]
    fn folding_is_whitespace() {
        let mut c = Cursor::new(" \r\n\t x");
        c.skip_sws();
        assert_eq!(c.peek(), Some(b'x'));
        // A CRLF not followed by WSP ends the header and is not LWS.
        let mut c = Cursor::new("\r\nx");
        c.skip_sws();
        assert_eq!(c.pos, 0);
    }

    #[test]
    fn quoted_string_with_pairs() {
        let mut c = Cursor::new(r#""a \"b\" c" rest"#);
        let s = c.quoted().unwrap();
        assert_eq!(s.of(r#""a \"b\" c" rest"#), r#"a \"b\" c"#);
        assert_eq!(unquote(r#""a \"b\" c""#), r#"a "b" c"#);
        let mut c = Cursor::new("\"open");
        assert_eq!(c.quoted().unwrap_err().kind(), ErrorKind::UnterminatedQuote);
    }

    #[test]
    fn decimal_range() {
        assert_eq!(
            parse_decimal(b"4294967295", u32::MAX as u64),
            Some(4294967295)
        );
        assert_eq!(parse_decimal(b"4294967296", u32::MAX as u64), None);
        assert_eq!(parse_decimal(b"99999999999999999999999", u64::MAX), None);
    }
}
