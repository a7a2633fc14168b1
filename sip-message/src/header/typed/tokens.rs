//! Comma-separated token lists: Allow, Supported, Require, Proxy-Require,
//! Unsupported ([RFC 3261 §20.5, §20.29, §20.32, §20.37, §20.40]) and
//! Allow-Events ([RFC 6665 §8.4]).
//!
//! Each type holds one header line's whole list rather than one element,
//! because a consumer asks "is `100rel` in Supported?" of the set, not of
//! one item. A message with several lines yields one value per line from
//! [`Message::typed_all`](crate::Message::typed_all).
//!
//! [RFC 3261 §20.5, §20.29, §20.32, §20.37, §20.40]: https://www.rfc-editor.org/rfc/rfc3261#section-20.37
//! [RFC 6665 §8.4]: https://www.rfc-editor.org/rfc/rfc6665#section-8.4

use bytes::BytesMut;
use bytestring::ByteString;

use crate::error::{ErrorKind, ParseError};
use crate::header::{HeaderName, TypedHeader};
use crate::method::Method;
use crate::text::{Cursor, Span};

const LWS: [char; 4] = [' ', '\t', '\r', '\n'];

/// Iterator over the items of a token list, as written.
#[derive(Debug, Clone)]
pub struct TokenIter<'a> {
    rest: &'a str,
}

impl<'a> Iterator for TokenIter<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        // The list was validated when parsed: items are tokens, so a comma
        // always separates items.
        while !self.rest.is_empty() {
            let (item, rest) = self.rest.split_once(',').unwrap_or((self.rest, ""));
            self.rest = rest;
            let item = item.trim_matches(LWS);
            if !item.is_empty() {
                return Some(item);
            }
        }
        None
    }
}

/// Checks `[item *(COMMA item)]` (or `item *(COMMA item)` when `empty` is
/// false) over the whole value.
fn check_list(
    value: &str,
    empty: bool,
    item: fn(&mut Cursor<'_>) -> Result<Span, ParseError>,
) -> Result<(), ParseError> {
    let mut c = Cursor::new(value);
    c.skip_sws();
    if c.at_end() {
        return if empty {
            Ok(())
        } else {
            Err(c.err(ErrorKind::EmptyValue))
        };
    }
    loop {
        item(&mut c)?;
        if !c.eat_sep(b',') {
            break;
        }
    }
    c.finish()
}

fn option_tag(c: &mut Cursor<'_>) -> Result<Span, ParseError> {
    c.token()
}

/// Checks each item on its own (so `"a,b"` is not taken for two), joins
/// them with `", "` and parses the result as `T`.
fn build<T: TypedHeader, S: AsRef<str>>(
    items: impl IntoIterator<Item = S>,
    item: fn(&mut Cursor<'_>) -> Result<Span, ParseError>,
) -> Result<T, ParseError> {
    let mut s = String::new();
    for (i, it) in items.into_iter().enumerate() {
        let it = it.as_ref();
        let mut c = Cursor::new(it);
        item(&mut c)?;
        if !c.at_end() {
            return Err(c.err(ErrorKind::TrailingCharacters));
        }
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(it);
    }
    T::parse(&ByteString::from(s))
}

fn method(c: &mut Cursor<'_>) -> Result<Span, ParseError> {
    c.take1(crate::text::is_token, ErrorKind::InvalidMethod)
}

fn encode_items<'a>(items: impl Iterator<Item = &'a str>, out: &mut BytesMut) {
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        out.extend_from_slice(item.as_bytes());
    }
}

macro_rules! token_list {
    (
        $(#[$doc:meta])* $ty:ident, $name:ident,
        empty = $empty:expr, item = $item:path, eq = $eq:path, what = $what:literal
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $ty {
            raw: ByteString,
        }

        impl $ty {
            #[doc = concat!("A list of the given ", $what, "s.")]
            ///
            /// # Errors
            #[doc = concat!("If an item is not a valid ", $what, ", or the list is empty where the grammar needs one item.")]
            pub fn new<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Result<Self, ParseError> {
                build(items, $item)
            }

            /// The value as written.
            pub fn as_str(&self) -> &str {
                &self.raw
            }

            #[doc = concat!("Iterates over the ", $what, "s, as written.")]
            pub fn iter(&self) -> TokenIter<'_> {
                TokenIter { rest: &self.raw }
            }

            #[doc = concat!("Whether the list holds `item` (", stringify!($eq), ").")]
            pub fn contains(&self, item: &str) -> bool {
                self.iter().any(|t| $eq(t, item))
            }

            /// The number of items.
            pub fn len(&self) -> usize {
                self.iter().count()
            }

            /// Whether the list is empty.
            pub fn is_empty(&self) -> bool {
                self.iter().next().is_none()
            }
        }

        impl<'a> IntoIterator for &'a $ty {
            type Item = &'a str;
            type IntoIter = TokenIter<'a>;
            fn into_iter(self) -> TokenIter<'a> {
                self.iter()
            }
        }

        impl TypedHeader for $ty {
            const NAME: HeaderName = HeaderName::$name;

            fn parse(value: &ByteString) -> Result<Self, ParseError> {
                check_list(value, $empty, $item)?;
                Ok(Self { raw: value.clone() })
            }

            fn encode(&self, out: &mut BytesMut) {
                encode_items(self.iter(), out);
            }
        }

        impl PartialEq for $ty {
            #[doc = concat!("The items in order (", stringify!($eq), ").")]
            fn eq(&self, other: &Self) -> bool {
                let mut a = self.iter();
                let mut b = other.iter();
                loop {
                    match (a.next(), b.next()) {
                        (None, None) => return true,
                        (Some(x), Some(y)) if $eq(x, y) => {}
                        _ => return false,
                    }
                }
            }
        }

        impl Eq for $ty {}
    };
}

/// Option-tags are tokens, and "Tokens are always case-insensitive" (RFC 3261 §7.3.1).
fn case_insensitive(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Event-types are "compared byte by byte" (RFC 6665 §8.2.1).
fn byte_by_byte(a: &str, b: &str) -> bool {
    a == b
}

token_list!(
    /// `Supported = ( "Supported" / "k" ) HCOLON [option-tag *(COMMA option-tag)]`
    /// (RFC 3261 §20.37): the extensions a UA supports. The list may be empty.
    ///
    /// ```
    /// use sip_message::{Supported, TypedHeader};
    /// let s = Supported::parse_str("100rel, timer").unwrap();
    /// assert!(s.contains("100REL"));
    /// assert_eq!(s.iter().collect::<Vec<_>>(), ["100rel", "timer"]);
    /// assert!(Supported::parse_str("").unwrap().is_empty());
    /// ```
    Supported, Supported, empty = true, item = option_tag, eq = case_insensitive, what = "option-tag"
);
token_list!(
    /// `Require = "Require" HCOLON option-tag *(COMMA option-tag)`
    /// (RFC 3261 §20.32): extensions the UAS must support. At least one tag.
    Require, Require, empty = false, item = option_tag, eq = case_insensitive, what = "option-tag"
);
token_list!(
    /// `Proxy-Require = "Proxy-Require" HCOLON option-tag *(COMMA option-tag)`
    /// (RFC 3261 §20.29): extensions proxies must support. At least one tag.
    ProxyRequire, ProxyRequire, empty = false, item = option_tag, eq = case_insensitive, what = "option-tag"
);
token_list!(
    /// `Unsupported = "Unsupported" HCOLON option-tag *(COMMA option-tag)`
    /// (RFC 3261 §20.40): the extensions a 420 response names. At least one tag.
    Unsupported, Unsupported, empty = false, item = option_tag, eq = case_insensitive, what = "option-tag"
);
token_list!(
    /// `Allow-Events = ( "Allow-Events" / "u" ) HCOLON event-type
    /// *(COMMA event-type)` (RFC 6665 §8.4): the event packages a UA
    /// accepts. At least one; event-types compare byte by byte (§8.2.1).
    AllowEvents, AllowEvents, empty = false, item = super::event::event_type, eq = byte_by_byte, what = "event-type"
);

/// `Allow = "Allow" HCOLON [Method *(COMMA Method)]` (RFC 3261 §20.5): the
/// methods a UA supports. The list may be empty; methods are
/// case-sensitive (§7.1).
///
/// ```
/// use sip_message::{Allow, Method, TypedHeader};
/// let a = Allow::parse_str("INVITE, ACK, OPTIONS, CANCEL, BYE").unwrap();
/// assert!(a.contains(&Method::Options));
/// assert!(!a.contains(&Method::Subscribe));
/// assert_eq!(a.iter().next(), Some(Method::Invite));
/// ```
#[derive(Debug, Clone)]
pub struct Allow {
    raw: ByteString,
}

impl Allow {
    /// A list of the given methods.
    ///
    /// # Errors
    /// If a [`Method::Extension`] is not a token.
    pub fn new<'m>(methods: impl IntoIterator<Item = &'m Method>) -> Result<Self, ParseError> {
        build(methods.into_iter().map(Method::as_str), method)
    }

    /// The value as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Iterates over the methods; extension methods are zero-copy slices.
    pub fn iter(&self) -> AllowIter<'_> {
        AllowIter {
            raw: &self.raw,
            tokens: TokenIter { rest: &self.raw },
        }
    }

    /// Whether `method` is in the list.
    pub fn contains(&self, method: &Method) -> bool {
        let m = method.as_str();
        TokenIter { rest: &self.raw }.any(|t| t == m)
    }

    /// The number of methods.
    pub fn len(&self) -> usize {
        TokenIter { rest: &self.raw }.count()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        TokenIter { rest: &self.raw }.next().is_none()
    }
}

/// Iterator over the methods of an [`Allow`].
#[derive(Debug, Clone)]
pub struct AllowIter<'a> {
    raw: &'a ByteString,
    tokens: TokenIter<'a>,
}

impl Iterator for AllowIter<'_> {
    type Item = Method;

    fn next(&mut self) -> Option<Method> {
        self.tokens
            .next()
            .map(|t| Method::from_slice(self.raw.slice_ref(t)))
    }
}

impl<'a> IntoIterator for &'a Allow {
    type Item = Method;
    type IntoIter = AllowIter<'a>;
    fn into_iter(self) -> AllowIter<'a> {
        self.iter()
    }
}

impl TypedHeader for Allow {
    const NAME: HeaderName = HeaderName::Allow;

    fn parse(value: &ByteString) -> Result<Self, ParseError> {
        check_list(value, true, method)?;
        Ok(Self { raw: value.clone() })
    }

    fn encode(&self, out: &mut BytesMut) {
        encode_items(TokenIter { rest: &self.raw }, out);
    }
}

impl PartialEq for Allow {
    /// The methods in order, case-sensitively.
    fn eq(&self, other: &Self) -> bool {
        TokenIter { rest: &self.raw }.eq(TokenIter { rest: &other.raw })
    }
}

impl Eq for Allow {}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::header::typed::testing::round_trip;

    /// RFC 3261 §20.5: `Allow: INVITE, ACK, OPTIONS, CANCEL, BYE`.
    #[test]
    fn rfc3261_20_5_allow_example() {
        let a = Allow::parse_str("INVITE, ACK, OPTIONS, CANCEL, BYE").unwrap();
        assert_eq!(
            a.iter().collect::<Vec<_>>(),
            [
                Method::Invite,
                Method::Ack,
                Method::Options,
                Method::Cancel,
                Method::Bye
            ]
        );
        assert_eq!(a.len(), 5);
        // §7.1: "The method is case-sensitive".
        assert!(!a.contains(&Method::parse("invite").unwrap()));
        let built = Allow::new(&[
            Method::Invite,
            Method::Ack,
            Method::Options,
            Method::Cancel,
            Method::Bye,
        ])
        .unwrap();
        assert_eq!(built, a);
        round_trip(&a);
        let x = Allow::parse_str("INVITE,\r\n FOO").unwrap();
        assert_eq!(x.iter().nth(1), Some(Method::Extension("FOO".into())));
        assert_eq!(x.to_value_string(), "INVITE, FOO");
    }

    /// RFC 3261 §20.5: `Allow = "Allow" HCOLON [Method *(COMMA Method)]`,
    /// so an empty Allow is valid.
    #[test]
    fn rfc3261_empty_allow_and_supported_are_valid() {
        assert!(Allow::parse_str("").unwrap().is_empty());
        assert!(Supported::parse_str("  ").unwrap().is_empty());
        assert_eq!(Supported::parse_str("").unwrap().to_value_string(), "");
        round_trip(&Supported::new(Vec::<&str>::new()).unwrap());
    }

    /// RFC 3261 §20.32: `Require = "Require" HCOLON option-tag *(COMMA
    /// option-tag)` needs at least one tag; so do Proxy-Require,
    /// Unsupported and Allow-Events.
    #[test]
    fn rfc3261_require_needs_a_tag() {
        assert_eq!(
            Require::parse_str("").unwrap_err().kind(),
            ErrorKind::EmptyValue
        );
        assert!(ProxyRequire::parse_str("").is_err());
        assert!(Unsupported::parse_str("").is_err());
        assert!(AllowEvents::parse_str("").is_err());
        assert!(Require::new(Vec::<&str>::new()).is_err());
    }

    /// RFC 3261 §20.32, §20.29, §20.37, §20.40 examples: `Require: 100rel`,
    /// `Proxy-Require: foo`, `Supported: 100rel`, `Unsupported: foo`.
    #[test]
    fn rfc3261_option_tag_examples() {
        let r = Require::parse_str("100rel").unwrap();
        assert!(r.contains("100rel"));
        round_trip(&r);
        let p = ProxyRequire::parse_str("foo").unwrap();
        assert_eq!(p.iter().collect::<Vec<_>>(), ["foo"]);
        round_trip(&p);
        let s = Supported::parse_str("100rel").unwrap();
        round_trip(&s);
        let u = Unsupported::new(["foo"]).unwrap();
        assert_eq!(u, Unsupported::parse_str("FOO").unwrap());
        round_trip(&u);
    }

    /// RFC 4475 §3.3.5 (bext01): `Require: nothingSupportsThis,
    /// nothingSupportsThisEither` and the same shape in Proxy-Require.
    #[test]
    fn rfc4475_bext01_unknown_extensions() {
        let r = Require::parse_str("nothingSupportsThis, nothingSupportsThisEither").unwrap();
        assert_eq!(r.len(), 2);
        assert!(r.contains("nothingsupportsthiseither"));
        let p =
            ProxyRequire::parse_str("noProxiesSupportThis, norDoAnyProxiesSupportThis").unwrap();
        assert!(p.contains("noProxiesSupportThis"));
        round_trip(&p);
    }

    /// RFC 6665 §8.4: `Allow-Events = ( "Allow-Events" / "u" ) HCOLON
    /// event-type *(COMMA event-type)`.
    #[test]
    fn rfc6665_allow_events() {
        let a = AllowEvents::parse_str("presence, presence.winfo ,dialog").unwrap();
        assert_eq!(
            a.iter().collect::<Vec<_>>(),
            ["presence", "presence.winfo", "dialog"]
        );
        assert!(a.contains("presence.winfo"));
        assert!(!a.contains("Presence"));
        round_trip(&a);
        assert!(AllowEvents::parse_str("presence, .winfo").is_err());
    }

    #[test]
    fn malformed_token_lists() {
        for bad in ["a,", ",a", "a,,b", "a b", "a;b", "\"a\"", "a, <b>"] {
            assert!(Supported::parse_str(bad).is_err(), "{bad:?}");
            assert!(Require::parse_str(bad).is_err(), "{bad:?}");
            assert!(Allow::parse_str(bad).is_err(), "{bad:?}");
        }
        assert!(Supported::new(["a b"]).is_err());
        assert!(Supported::new(["a,b"]).is_err());
        assert!(Allow::new(&[Method::Extension("A,B".into())]).is_err());
    }

    #[test]
    fn several_lines_in_a_message() {
        let msg = crate::Message::parse(bytes::Bytes::from_static(
            b"SUBSCRIBE sip:bob@example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n\
From: <sip:a@example.com>;tag=1\r\n\
To: <sip:bob@example.com>\r\n\
Call-ID: c1\r\n\
CSeq: 1 SUBSCRIBE\r\n\
Event: presence\r\n\
k: com.microsoft.autoextend\r\n\
Supported: ms-benotify, timer\r\n\
Content-Length: 0\r\n\r\n",
        ))
        .unwrap();
        let all: Vec<Supported> = msg.typed_all().collect::<Result<_, _>>().unwrap();
        assert_eq!(all.len(), 2);
        assert!(all.iter().any(|s| s.contains("timer")));
        assert!(all[0].contains("com.microsoft.autoextend"));
    }

    use proptest::prelude::*;

    proptest::proptest! {
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        /// Parsing never panics; what parses round-trips.
        #[test]
        fn parse_never_panics_and_round_trips(s in "( ?[a-zA-Z0-9.]{0,4} ?,?(\r\n )?){0,5}") {
            if let Ok(h) = Supported::parse_str(&s) { round_trip(&h); }
            if let Ok(h) = Require::parse_str(&s) { round_trip(&h); }
            if let Ok(h) = AllowEvents::parse_str(&s) { round_trip(&h); }
            if let Ok(h) = Allow::parse_str(&s) { round_trip(&h); }
        }
    }
}
