//! Percent-escapes (`escaped = "%" HEXDIG HEXDIG`, RFC 3261 §25.1).

use std::borrow::Cow;

use crate::error::{ErrorKind, ParseError};

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Checks that every `%` in `s` starts a valid escape.
pub(crate) fn check(s: &[u8], base: usize, input: &[u8]) -> Result<(), ParseError> {
    // Components are short: a plain scan beats memchr's setup cost here.
    let mut i = 0;
    while let Some(p) = s[i..].iter().position(|&b| b == b'%') {
        let at = i + p;
        match (
            s.get(at + 1).copied().and_then(hex),
            s.get(at + 2).copied().and_then(hex),
        ) {
            (Some(_), Some(_)) => i = at + 3,
            _ => return Err(ParseError::at(ErrorKind::InvalidEscape, input, base + at)),
        }
    }
    Ok(())
}

/// Decodes escapes into bytes; `%00` stays a zero byte (RFC 4475 §3.1.1.4).
pub(crate) fn decode_bytes(s: &str) -> Cow<'_, [u8]> {
    if !s.contains('%') {
        return Cow::Borrowed(s.as_bytes());
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            ) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    Cow::Owned(out)
}

/// Decodes escapes into text; invalid UTF-8 after decoding is replaced with U+FFFD.
pub(crate) fn decode(s: &str) -> Cow<'_, str> {
    match decode_bytes(s) {
        Cow::Borrowed(_) => Cow::Borrowed(s),
        Cow::Owned(v) => Cow::Owned(match String::from_utf8(v) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }),
    }
}

/// The canonical form for comparison (RFC 3261 §19.1.4): escapes of
/// unreserved characters are decoded, escapes of reserved characters stay
/// escaped (in upper-case hex), and with `fold` letters are lower-cased.
pub(crate) fn canonical(s: &str, fold: bool) -> Cow<'_, str> {
    if !s.contains('%') && (!fold || !s.bytes().any(|b| b.is_ascii_uppercase())) {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            ) {
                let c = h << 4 | l;
                // reserved = ";" / "/" / "?" / ":" / "@" / "&" / "=" / "+" / "$" / ","
                if matches!(
                    c,
                    b';' | b'/' | b'?' | b':' | b'@' | b'&' | b'=' | b'+' | b'$' | b','
                ) || !c.is_ascii()
                    || c.is_ascii_control()
                    || c == b' '
                    || c == b'%'
                {
                    out.extend_from_slice(format!("%{c:02X}").as_bytes());
                } else {
                    out.push(if fold { c.to_ascii_lowercase() } else { c });
                }
                i += 3;
                continue;
            }
        }
        out.push(if fold {
            b[i].to_ascii_lowercase()
        } else {
            b[i]
        });
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_keeps_nul() {
        assert_eq!(decode("sips%3Auser%40example.com"), "sips:user@example.com");
        assert_eq!(&*decode_bytes("a%00b"), b"a\0b");
    }

    #[test]
    fn canonical_keeps_reserved_escaped() {
        assert_eq!(canonical("%61lice", false), "alice");
        assert_eq!(canonical("a%3bb", false), "a%3Bb");
        assert_eq!(canonical("A%42", true), "ab");
    }

    #[test]
    fn bad_escape_is_an_error() {
        assert!(check(b"a%4", 0, b"a%4").is_err());
        assert!(check(b"a%zz", 0, b"a%zz").is_err());
        assert!(check(b"a%41", 0, b"a%41").is_ok());
    }
}
