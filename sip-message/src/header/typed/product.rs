//! `User-Agent` and `Server` ([RFC 3261 §20.35, §20.41]), and the
//! `comment` rule they share with Retry-After.
//!
//! [RFC 3261 §20.35, §20.41]: https://www.rfc-editor.org/rfc/rfc3261#section-20.41

use bytes::BytesMut;
use bytestring::ByteString;

use crate::error::{ErrorKind, ParseError};
use crate::header::{HeaderName, TypedHeader};
use crate::text::{is_token, Cursor, Span};

/// `comment = LPAREN *(ctext / quoted-pair / comment) RPAREN`, with the
/// cursor on `(`. Returns the span inside the outer parentheses.
///
/// `ctext` is `%x21-27 / %x2A-5B / %x5D-7E / UTF8-NONASCII / LWS`; nesting
/// is counted rather than recursed into, so no input can exhaust the stack.
pub(super) fn comment(c: &mut Cursor<'_>) -> Result<Span, ParseError> {
    let open = c.pos;
    c.expect(b'(', ErrorKind::UnterminatedComment)?;
    let start = c.pos;
    let mut depth = 1usize;
    loop {
        match c.peek() {
            None => return Err(c.err_at(ErrorKind::UnterminatedComment, open)),
            Some(b'(') => {
                depth += 1;
                c.pos += 1;
            }
            Some(b')') => {
                depth -= 1;
                if depth == 0 {
                    let inner = Span::new(start, c.pos);
                    c.pos += 1;
                    return Ok(inner);
                }
                c.pos += 1;
            }
            // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
            Some(b'\\') => match c.input.get(c.pos + 1) {
                Some(&b) if b <= 0x7f && b != b'\r' && b != b'\n' => c.pos += 2,
                _ => return Err(c.err(ErrorKind::InvalidHeaderValue)),
            },
            Some(b'\r') => {
                // Folding is LWS, which ctext allows; a bare CR is not.
                if !c.skip_sws_any() {
                    return Err(c.err(ErrorKind::InvalidHeaderValue));
                }
            }
            Some(b) if (b < 0x20 && b != b'\t') || b == 0x7f => {
                return Err(c.err(ErrorKind::InvalidHeaderValue))
            }
            Some(_) => c.pos += 1,
        }
    }
}

/// One `server-val`: a product or a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerVal<'a> {
    /// `product = token [SLASH product-version]`.
    Product(Product<'a>),
    /// A comment, without its outer parentheses; nested comments and
    /// quoted-pairs are kept as written.
    Comment(&'a str),
}

/// `product = token [SLASH product-version]`, such as `Softphone` or
/// `Pingtel/2.0.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Product<'a> {
    /// The product name.
    pub name: &'a str,
    /// The `product-version`, if written.
    pub version: Option<&'a str>,
}

/// `server-val *(LWS server-val)`: the products and comments that name a
/// UA or server software (RFC 3261 §20.35, §20.41).
///
/// LWS is optional next to a comment's parentheses (`Foo/1.0(bar)`), as
/// the `LPAREN` and `RPAREN` rules carry their own `SWS`.
#[derive(Debug, Clone)]
pub struct ProductList {
    raw: ByteString,
}

impl ProductList {
    /// The value as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Iterates over the products and comments in order.
    pub fn iter(&self) -> ServerValIter<'_> {
        ServerValIter {
            input: &self.raw,
            pos: 0,
        }
    }

    /// The products only, skipping comments.
    pub fn products(&self) -> impl Iterator<Item = Product<'_>> + '_ {
        self.iter().filter_map(|v| match v {
            ServerVal::Product(p) => Some(p),
            ServerVal::Comment(_) => None,
        })
    }

    /// `server-val *(LWS server-val)`.
    fn parse(value: &ByteString) -> Result<Self, ParseError> {
        let mut c = Cursor::new(value);
        c.skip_sws();
        if c.at_end() {
            return Err(c.err(ErrorKind::EmptyValue));
        }
        loop {
            let was_comment = server_val(&mut c)?.1;
            let spaced = c.skip_sws_any();
            if c.at_end() {
                return Ok(Self { raw: value.clone() });
            }
            if !spaced && !was_comment && c.peek() != Some(b'(') {
                return Err(c.err(ErrorKind::ExpectedSpace));
            }
        }
    }

    /// Writes the items separated by one SP.
    fn encode(&self, out: &mut BytesMut) {
        for (i, v) in self.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(b" ");
            }
            match v {
                ServerVal::Product(p) => {
                    out.extend_from_slice(p.name.as_bytes());
                    if let Some(ver) = p.version {
                        out.extend_from_slice(b"/");
                        out.extend_from_slice(ver.as_bytes());
                    }
                }
                ServerVal::Comment(s) => {
                    out.extend_from_slice(b"(");
                    out.extend_from_slice(s.as_bytes());
                    out.extend_from_slice(b")");
                }
            }
        }
    }
}

/// One product or comment; the flag says which.
fn server_val(c: &mut Cursor<'_>) -> Result<((Span, Option<Span>), bool), ParseError> {
    if c.peek() == Some(b'(') {
        return Ok(((comment(c)?, None), true));
    }
    let name = c.take1(
        is_token,
        ErrorKind::InvalidValue("a product token or a comment"),
    )?;
    let version = if c.eat_sep(b'/') {
        Some(c.take1(is_token, ErrorKind::InvalidValue("a product-version token"))?)
    } else {
        None
    };
    Ok(((name, version), false))
}

impl PartialEq for ProductList {
    /// Product names and versions case-insensitively (tokens, RFC 3261
    /// §7.3.1), comments exactly, in order.
    fn eq(&self, other: &Self) -> bool {
        let mut a = self.iter();
        let mut b = other.iter();
        loop {
            match (a.next(), b.next()) {
                (None, None) => return true,
                (Some(ServerVal::Comment(x)), Some(ServerVal::Comment(y))) if x == y => {}
                (Some(ServerVal::Product(x)), Some(ServerVal::Product(y)))
                    if x.name.eq_ignore_ascii_case(y.name)
                        && match (x.version, y.version) {
                            (None, None) => true,
                            (Some(v), Some(w)) => v.eq_ignore_ascii_case(w),
                            _ => false,
                        } => {}
                _ => return false,
            }
        }
    }
}

impl Eq for ProductList {}

/// Iterator over the [`ServerVal`]s of a [`ProductList`].
#[derive(Debug, Clone)]
pub struct ServerValIter<'a> {
    input: &'a str,
    pos: usize,
}

impl<'a> Iterator for ServerValIter<'a> {
    type Item = ServerVal<'a>;

    fn next(&mut self) -> Option<ServerVal<'a>> {
        let mut c = Cursor {
            input: self.input.as_bytes(),
            pos: self.pos,
        };
        c.skip_sws();
        if c.at_end() {
            self.pos = c.pos;
            return None;
        }
        // The value was validated when parsed; an error can only end it.
        let Ok(((first, second), is_comment)) = server_val(&mut c) else {
            self.pos = self.input.len();
            return None;
        };
        self.pos = c.pos;
        Some(if is_comment {
            ServerVal::Comment(first.of(self.input))
        } else {
            ServerVal::Product(Product {
                name: first.of(self.input),
                version: second.map(|s| s.of(self.input)),
            })
        })
    }
}

impl<'a> IntoIterator for &'a ProductList {
    type Item = ServerVal<'a>;
    type IntoIter = ServerValIter<'a>;
    fn into_iter(self) -> ServerValIter<'a> {
        self.iter()
    }
}

macro_rules! product_header {
    ($(#[$doc:meta])* $ty:ident, $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $ty(pub ProductList);

        impl $ty {
            /// Parses a product list given as text, such as `Softphone Beta1.5`.
            ///
            /// # Errors
            /// If `text` is not `server-val *(LWS server-val)`.
            pub fn new(text: &str) -> Result<Self, ParseError> {
                ProductList::parse(&ByteString::from(text)).map(Self)
            }
        }

        impl core::ops::Deref for $ty {
            type Target = ProductList;
            fn deref(&self) -> &ProductList {
                &self.0
            }
        }

        impl TypedHeader for $ty {
            const NAME: HeaderName = HeaderName::$name;
            fn parse(value: &ByteString) -> Result<Self, ParseError> {
                ProductList::parse(value).map(Self)
            }
            fn encode(&self, out: &mut BytesMut) {
                self.0.encode(out)
            }
        }
    };
}

product_header!(
    /// `User-Agent = "User-Agent" HCOLON server-val *(LWS server-val)`
    /// (RFC 3261 §20.41): the software of the UAC.
    ///
    /// ```
    /// use sip_message::{Product, ServerVal, TypedHeader, UserAgent};
    /// let ua = UserAgent::parse_str("Pingtel/2.0.0 (WinNT)").unwrap();
    /// let items: Vec<_> = ua.iter().collect();
    /// assert_eq!(items, [
    ///     ServerVal::Product(Product { name: "Pingtel", version: Some("2.0.0") }),
    ///     ServerVal::Comment("WinNT"),
    /// ]);
    /// ```
    UserAgent, UserAgent
);
product_header!(
    /// `Server = "Server" HCOLON server-val *(LWS server-val)` (RFC 3261
    /// §20.35): the software of the UAS.
    Server, Server
);

#[cfg(test)]
mod tests {
    use super::*;

    fn p<'a>(name: &'a str, version: Option<&'a str>) -> ServerVal<'a> {
        ServerVal::Product(Product { name, version })
    }

    use crate::header::typed::testing::round_trip_stable as round_trip;

    /// RFC 3261 §20.41: `User-Agent: Softphone Beta1.5`.
    #[test]
    fn rfc3261_20_41_user_agent_example() {
        let ua = UserAgent::parse_str("Softphone Beta1.5").unwrap();
        assert_eq!(
            ua.iter().collect::<Vec<_>>(),
            [p("Softphone", None), p("Beta1.5", None)]
        );
        assert_eq!(ua.as_str(), "Softphone Beta1.5");
        round_trip(&ua);
    }

    /// RFC 3261 §20.35: `Server: HomeServer v2`.
    #[test]
    fn rfc3261_20_35_server_example() {
        let s = Server::parse_str("HomeServer v2").unwrap();
        assert_eq!(
            s.products().map(|p| p.name).collect::<Vec<_>>(),
            ["HomeServer", "v2"]
        );
        round_trip(&s);
    }

    /// RFC 3261 §25.1: `comment = LPAREN *(ctext / quoted-pair / comment)
    /// RPAREN`, nested and with quoted-pairs.
    #[test]
    fn rfc3261_comments_nest_and_escape() {
        let ua = UserAgent::parse_str(r"Foo/1.0 (a (nested \) one) b)(x)Bar / 2").unwrap();
        assert_eq!(
            ua.iter().collect::<Vec<_>>(),
            [
                p("Foo", Some("1.0")),
                ServerVal::Comment(r"a (nested \) one) b"),
                ServerVal::Comment("x"),
                p("Bar", Some("2")),
            ]
        );
        assert_eq!(
            ua.to_value_string(),
            r"Foo/1.0 (a (nested \) one) b) (x) Bar/2"
        );
        round_trip(&ua);
        // Folding inside a comment is LWS; UTF-8 is ctext.
        let ua = UserAgent::parse_str("X (line\r\n two, été)").unwrap();
        assert_eq!(
            ua.iter().nth(1),
            Some(ServerVal::Comment("line\r\n two, été"))
        );
    }

    #[test]
    fn malformed_product_lists() {
        for bad in [
            "",
            "Foo/",
            "Foo/ (c)",
            "(open",
            "Foo (a (b)",
            "Foo) bar",
            "Foo\"bar\"",
            "Foo;bar",
            "Foo, Bar",
            "Foo (a\r\nb)",
            "Foo (\\\r\n)",
            "/1.0",
        ] {
            assert!(UserAgent::parse_str(bad).is_err(), "{bad:?}");
            assert!(Server::parse_str(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            UserAgent::parse_str("Foo (abc").unwrap_err().kind(),
            ErrorKind::UnterminatedComment
        );
    }

    #[test]
    fn equality_and_constructor() {
        assert_eq!(
            Server::new("homeserver V2").unwrap(),
            Server::parse_str("HomeServer  v2").unwrap()
        );
        assert_ne!(Server::new("X (A)").unwrap(), Server::new("X (a)").unwrap());
        assert_ne!(Server::new("X/1").unwrap(), Server::new("X").unwrap());
    }

    use proptest::prelude::*;

    proptest::proptest! {
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        /// Parsing never panics; what parses round-trips.
        #[test]
        fn parse_never_panics_and_round_trips(
            s in "([A-Za-z0-9]{1,4}( ?/ ?[0-9.]{0,3})?|\\(([a-z ()\\\\]|\r\n ){0,6}\\)| |\r\n ){0,6}"
        ) {
            if let Ok(h) = UserAgent::parse_str(&s) { round_trip(&h); }
        }
    }
}
