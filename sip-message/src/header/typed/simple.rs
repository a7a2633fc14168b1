//! Headers whose value is a single number or word: Call-ID, Max-Forwards,
//! Expires, Min-Expires and Content-Length.

use bytes::BytesMut;
use bytestring::ByteString;

use crate::error::{ErrorKind, ParseError};
use crate::header::{HeaderName, TypedHeader};
use crate::text::{is_word, Cursor};

/// `Call-ID = word [ "@" word ]` (RFC 3261 §20.8), compared byte for byte.
///
/// ```
/// use sip_message::{CallId, TypedHeader};
/// let id = CallId::parse_str("f81d4fae-7dec-11d0-a765-00a0c91e6bf6@foo.bar.com").unwrap();
/// assert_eq!(id.as_str(), "f81d4fae-7dec-11d0-a765-00a0c91e6bf6@foo.bar.com");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CallId(ByteString);

impl CallId {
    /// Wraps an identifier that is already valid `word [ "@" word ]`.
    ///
    /// # Errors
    /// If `id` does not fit the grammar.
    pub fn new(id: &str) -> Result<Self, ParseError> {
        Self::parse(&ByteString::from(id))
    }

    /// The identifier.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The identifier as a zero-copy `ByteString`.
    pub fn as_byte_string(&self) -> &ByteString {
        &self.0
    }
}

impl TypedHeader for CallId {
    const NAME: HeaderName = HeaderName::CallId;

    fn parse(value: &ByteString) -> Result<Self, ParseError> {
        let mut c = Cursor::new(value);
        c.take1(is_word, ErrorKind::InvalidValue("a Call-ID word"))?;
        if c.eat(b'@') {
            c.take1(
                is_word,
                ErrorKind::InvalidValue("a word after '@' in Call-ID"),
            )?;
        }
        if !c.at_end() {
            return Err(c.err(ErrorKind::TrailingCharacters));
        }
        Ok(Self(value.clone()))
    }

    fn encode(&self, out: &mut BytesMut) {
        out.extend_from_slice(self.0.as_bytes());
    }
}

macro_rules! number_header {
    ($(#[$doc:meta])* $ty:ident, $name:ident, $int:ty, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $ty(pub $int);

        impl TypedHeader for $ty {
            const NAME: HeaderName = HeaderName::$name;

            fn parse(value: &ByteString) -> Result<Self, ParseError> {
                let mut c = Cursor::new(value);
                let n = c.number($max)?;
                c.finish()?;
                Ok(Self(n as $int))
            }

            fn encode(&self, out: &mut BytesMut) {
                out.extend_from_slice(self.0.to_string().as_bytes());
            }
        }
    };
}

number_header!(
    /// `Max-Forwards = 1*DIGIT` (RFC 3261 §20.22). Values above 255 are
    /// rejected: the RFC says "0-255" and RFC 4475 §3.1.2.4 treats 300 as out of range.
    MaxForwards, MaxForwards, u8, 255
);
number_header!(
    /// `Expires = delta-seconds` (RFC 3261 §20.19), at most 2^32-1.
    Expires, Expires, u32, u64::from(u32::MAX)
);
number_header!(
    /// `Min-Expires = delta-seconds` (RFC 3261 §20.23).
    MinExpires, MinExpires, u32, u64::from(u32::MAX)
);
number_header!(
    /// `Content-Length = 1*DIGIT` (RFC 3261 §20.14), at most 2^32-1.
    ContentLength, ContentLength, u32, u64::from(u32::MAX)
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_ranges() {
        assert_eq!(MaxForwards::parse_str("70").unwrap(), MaxForwards(70));
        assert!(MaxForwards::parse_str("300").is_err());
        assert_eq!(Expires::parse_str("4294967295").unwrap(), Expires(u32::MAX));
        assert!(Expires::parse_str("4294967296").is_err());
        assert!(ContentLength::parse_str("-1").is_err());
        assert!(ContentLength::parse_str("12a").is_err());
    }

    #[test]
    fn call_id_grammar() {
        assert!(CallId::parse_str("a@b@c").is_err());
        assert!(CallId::parse_str("a b").is_err());
        assert!(CallId::parse_str("0ha0isndaksdj@10.0.0.1").is_ok());
    }
}
