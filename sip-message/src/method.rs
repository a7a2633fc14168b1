//! SIP request methods.

use core::fmt;

use bytestring::ByteString;

use crate::error::{ErrorKind, ParseError};
use crate::text::is_token_str;

/// A SIP request method (RFC 3261 §7.1, `Method`).
///
/// Methods are case-sensitive tokens. The ones this workspace understands
/// have variants; every other token is kept as written in
/// [`Method::Extension`], so `RE%47IST%45R` (RFC 4475 §3.1.1.5) is an
/// unknown method, not REGISTER.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// INVITE (RFC 3261).
    Invite,
    /// ACK (RFC 3261).
    Ack,
    /// BYE (RFC 3261).
    Bye,
    /// CANCEL (RFC 3261).
    Cancel,
    /// OPTIONS (RFC 3261).
    Options,
    /// REGISTER (RFC 3261).
    Register,
    /// SUBSCRIBE (RFC 6665).
    Subscribe,
    /// NOTIFY (RFC 6665).
    Notify,
    /// PUBLISH (RFC 3903).
    Publish,
    /// MESSAGE (RFC 3428).
    Message,
    /// REFER (RFC 3515).
    Refer,
    /// INFO (RFC 6086).
    Info,
    /// UPDATE (RFC 3311).
    Update,
    /// PRACK (RFC 3262).
    Prack,
    /// Any other token, exactly as written.
    Extension(ByteString),
}

impl Method {
    /// Maps a token to a method without allocating for known methods.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidMethod`] if `s` is not a token.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        if let Some(m) = Self::known(s.as_bytes()) {
            return Ok(m);
        }
        if !is_token_str(s) {
            return Err(ParseError::new(ErrorKind::InvalidMethod, 0));
        }
        Ok(Self::Extension(ByteString::from(s)))
    }

    /// Like [`Method::parse`] but keeps an extension token as a zero-copy slice.
    pub(crate) fn from_slice(s: ByteString) -> Self {
        Self::known(s.as_bytes()).unwrap_or(Self::Extension(s))
    }

    pub(crate) fn known(s: &[u8]) -> Option<Self> {
        Some(match s {
            b"INVITE" => Self::Invite,
            b"ACK" => Self::Ack,
            b"BYE" => Self::Bye,
            b"CANCEL" => Self::Cancel,
            b"OPTIONS" => Self::Options,
            b"REGISTER" => Self::Register,
            b"SUBSCRIBE" => Self::Subscribe,
            b"NOTIFY" => Self::Notify,
            b"PUBLISH" => Self::Publish,
            b"MESSAGE" => Self::Message,
            b"REFER" => Self::Refer,
            b"INFO" => Self::Info,
            b"UPDATE" => Self::Update,
            b"PRACK" => Self::Prack,
            _ => return None,
        })
    }

    /// The method as it appears on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Invite => "INVITE",
            Self::Ack => "ACK",
            Self::Bye => "BYE",
            Self::Cancel => "CANCEL",
            Self::Options => "OPTIONS",
            Self::Register => "REGISTER",
            Self::Subscribe => "SUBSCRIBE",
            Self::Notify => "NOTIFY",
            Self::Publish => "PUBLISH",
            Self::Message => "MESSAGE",
            Self::Refer => "REFER",
            Self::Info => "INFO",
            Self::Update => "UPDATE",
            Self::Prack => "PRACK",
            Self::Extension(s) => s,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for Method {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4475 §3.1.1.5: "RE%47IST%45R" is an extension method, not REGISTER.
    #[test]
    fn rfc4475_esc02_escaped_method_is_extension() {
        let m = Method::parse("RE%47IST%45R").unwrap();
        assert_eq!(m, Method::Extension("RE%47IST%45R".into()));
        assert_eq!(m.as_str(), "RE%47IST%45R");
    }

    #[test]
    fn methods_are_case_sensitive() {
        assert_eq!(Method::parse("INVITE").unwrap(), Method::Invite);
        assert!(matches!(
            Method::parse("invite").unwrap(),
            Method::Extension(_)
        ));
        assert!(Method::parse("IN VITE").is_err());
    }
}
