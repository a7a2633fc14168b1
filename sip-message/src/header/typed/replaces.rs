//! `Replaces` ([RFC 3891 §6.1]).
//!
//! [RFC 3891 §6.1]: https://www.rfc-editor.org/rfc/rfc3891#section-6.1

use bytes::BytesMut;
use bytestring::ByteString;

use super::Params;
use crate::error::{ErrorKind, ParseError};
use crate::header::{HeaderName, TypedHeader};
use crate::text::{is_token, is_word, slice, Cursor, Span};

/// `Replaces = "Replaces" HCOLON callid *(SEMI replaces-param)` (RFC 3891
/// §6.1): the dialog an INVITE replaces, named by Call-ID, `to-tag` and
/// `from-tag`, and whether only an early dialog may be replaced.
///
/// ```
/// use sip_message::{Replaces, TypedHeader};
/// let r = Replaces::parse_str("12adf2f34456gs5;to-tag=12345;from-tag=54321;early-only").unwrap();
/// assert_eq!(r.call_id(), "12adf2f34456gs5");
/// assert_eq!((r.to_tag(), r.from_tag()), ("12345", "54321"));
/// assert!(r.early_only());
/// ```
#[derive(Debug, Clone)]
pub struct Replaces {
    raw: ByteString,
    call_id: Span,
    to_tag: Span,
    from_tag: Span,
    early_only: bool,
    params: Span,
}

/// The parameters that have fields of their own.
const KNOWN: [&str; 3] = ["to-tag", "from-tag", "early-only"];

impl Replaces {
    /// `call-id;to-tag=...;from-tag=...[;early-only]`.
    ///
    /// # Errors
    /// If `call_id` is not a Call-ID or a tag is not a token.
    pub fn new(
        call_id: &str,
        to_tag: &str,
        from_tag: &str,
        early_only: bool,
    ) -> Result<Self, ParseError> {
        let mut s = format!("{call_id};to-tag={to_tag};from-tag={from_tag}");
        if early_only {
            s.push_str(";early-only");
        }
        Self::parse(&ByteString::from(s))
    }

    /// The value as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The Call-ID of the dialog to replace.
    pub fn call_id(&self) -> &str {
        self.call_id.of(&self.raw)
    }

    /// The Call-ID as a zero-copy `ByteString`.
    pub fn call_id_slice(&self) -> ByteString {
        slice(&self.raw, self.call_id)
    }

    /// `to-tag`: the tag of the To header of the dialog, as seen by the
    /// sender of the INVITE.
    pub fn to_tag(&self) -> &str {
        self.to_tag.of(&self.raw)
    }

    /// `from-tag`: the tag of the From header of the dialog, as seen by the
    /// sender of the INVITE.
    pub fn from_tag(&self) -> &str {
        self.from_tag.of(&self.raw)
    }

    /// Whether `early-only` is present: replace only an early dialog (RFC 3891 §3).
    pub fn early_only(&self) -> bool {
        self.early_only
    }

    /// All parameters, tags included, in order.
    pub fn params(&self) -> Params<'_> {
        Params::new(self.params.of(&self.raw))
    }

    /// Whether this names the dialog with `call_id` and the two tags, as a
    /// UAS matches it (RFC 3891 §3): `local_tag` against `to-tag` and
    /// `remote_tag` against `from-tag`, byte by byte.
    pub fn matches(&self, call_id: &str, local_tag: &str, remote_tag: &str) -> bool {
        self.call_id() == call_id && self.to_tag() == local_tag && self.from_tag() == remote_tag
    }
}

impl TypedHeader for Replaces {
    const NAME: HeaderName = HeaderName::Replaces;

    fn parse(value: &ByteString) -> Result<Self, ParseError> {
        let mut c = Cursor::new(value);
        c.skip_sws();
        // callid = word [ "@" word ]
        let start = c.pos;
        c.take1(is_word, ErrorKind::InvalidValue("a Call-ID word"))?;
        if c.eat(b'@') {
            c.take1(
                is_word,
                ErrorKind::InvalidValue("a word after '@' in Call-ID"),
            )?;
        }
        let call_id = Span::new(start, c.pos);
        let mut to_tag = None;
        let mut from_tag = None;
        let mut early_only = false;
        let params = c.params(|c, n, v| {
            let name = &c.input[n.range()];
            let at = n.start as usize;
            let token =
                |v: Option<Span>| v.filter(|v| c.input[v.range()].iter().all(|&b| is_token(b)));
            // "A Replaces header field MUST contain exactly one to-tag and
            // exactly one from-tag" (RFC 3891 §6.1).
            if name.eq_ignore_ascii_case(b"to-tag") {
                match (to_tag, token(v)) {
                    (None, Some(v)) => to_tag = Some(v),
                    _ => return Err(c.err_at(ErrorKind::InvalidValue("one token to-tag"), at)),
                }
            } else if name.eq_ignore_ascii_case(b"from-tag") {
                match (from_tag, token(v)) {
                    (None, Some(v)) => from_tag = Some(v),
                    _ => return Err(c.err_at(ErrorKind::InvalidValue("one token from-tag"), at)),
                }
            } else if name.eq_ignore_ascii_case(b"early-only") {
                // early-flag = "early-only", without a value.
                if v.is_some() {
                    return Err(c.err_at(ErrorKind::InvalidValue("early-only without a value"), at));
                }
                early_only = true;
            }
            Ok(())
        })?;
        c.finish()?;
        let (Some(to_tag), Some(from_tag)) = (to_tag, from_tag) else {
            return Err(c.err(ErrorKind::InvalidValue("to-tag and from-tag parameters")));
        };
        Ok(Self {
            raw: value.clone(),
            call_id,
            to_tag,
            from_tag,
            early_only,
            params,
        })
    }

    fn encode(&self, out: &mut BytesMut) {
        out.extend_from_slice(self.call_id().as_bytes());
        out.extend_from_slice(b";to-tag=");
        out.extend_from_slice(self.to_tag().as_bytes());
        out.extend_from_slice(b";from-tag=");
        out.extend_from_slice(self.from_tag().as_bytes());
        if self.early_only {
            out.extend_from_slice(b";early-only");
        }
        self.params().encode_except(out, &KNOWN);
    }
}

impl PartialEq for Replaces {
    /// Call-ID and tags byte by byte (they name a dialog, RFC 3261 §12),
    /// `early-only`, and the other parameters in order.
    fn eq(&self, other: &Self) -> bool {
        fn others(r: &Replaces) -> impl Iterator<Item = (&str, Option<&str>)> {
            r.params()
                .into_iter()
                .filter(|(n, _)| !KNOWN.iter().any(|k| k.eq_ignore_ascii_case(n)))
        }
        self.call_id() == other.call_id()
            && self.to_tag() == other.to_tag()
            && self.from_tag() == other.from_tag()
            && self.early_only == other.early_only
            && others(self).eq(others(other))
    }
}

impl Eq for Replaces {}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::header::typed::testing::round_trip;

    /// RFC 3891 §6.1: `Replaces: 98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff`
    /// and `Replaces: 12adf2f34456gs5;to-tag=12345;from-tag=54321;early-only`.
    #[test]
    fn rfc3891_6_1_examples() {
        let r =
            Replaces::parse_str("98732@sip.example.com\r\n ;from-tag=r33th4x0r\r\n ;to-tag=ff87ff")
                .unwrap();
        assert_eq!(r.call_id(), "98732@sip.example.com");
        assert_eq!(r.to_tag(), "ff87ff");
        assert_eq!(r.from_tag(), "r33th4x0r");
        assert!(!r.early_only());
        assert_eq!(
            r.to_value_string(),
            "98732@sip.example.com;to-tag=ff87ff;from-tag=r33th4x0r"
        );
        assert_eq!(
            r,
            Replaces::new("98732@sip.example.com", "ff87ff", "r33th4x0r", false).unwrap()
        );
        round_trip(&r);
        let e =
            Replaces::parse_str("12adf2f34456gs5;to-tag=12345;from-tag=54321;early-only").unwrap();
        assert!(e.early_only());
        assert!(e.matches("12adf2f34456gs5", "12345", "54321"));
        assert!(!e.matches("12adf2f34456gs5", "54321", "12345"));
        round_trip(&e);
    }

    /// RFC 3891 §6.1: "A Replaces header field MUST contain exactly one
    /// to-tag and exactly one from-tag".
    #[test]
    fn rfc3891_6_1_exactly_one_to_tag_and_from_tag() {
        for bad in [
            "abc@x",
            "abc@x;to-tag=1",
            "abc@x;from-tag=1",
            "abc@x;to-tag=1;from-tag=2;to-tag=3",
            "abc@x;to-tag=1;from-tag=2;from-tag=3",
            "abc@x;to-tag;from-tag=2",
            "abc@x;to-tag=\"1\";from-tag=2",
            "abc@x;to-tag=1;from-tag=2;early-only=yes",
        ] {
            assert!(Replaces::parse_str(bad).is_err(), "{bad:?}");
        }
    }

    /// The Replaces value escaped inside a Refer-To URI (RFC 3891 §7.1), as
    /// a Polycom phone sends it, once unescaped.
    #[test]
    fn rfc3891_from_refer_to_header_parameter() {
        let escaped = "7d84c014-321368da-efa90f41%4010.3.3.8%3Bto-tag%3DpaNKgBB9vQe3D%3Bfrom-tag%3D93AC8D50-7CF6DAAF";
        let value = crate::percent_decode(escaped);
        let r = Replaces::parse_str(&value).unwrap();
        assert_eq!(r.call_id(), "7d84c014-321368da-efa90f41@10.3.3.8");
        assert_eq!(r.to_tag(), "paNKgBB9vQe3D");
        assert_eq!(r.from_tag(), "93AC8D50-7CF6DAAF");
    }

    #[test]
    fn malformed_call_ids_and_other_params() {
        for bad in [
            "",
            ";to-tag=1;from-tag=2",
            "a@b@c;to-tag=1;from-tag=2",
            "a b;to-tag=1;from-tag=2",
        ] {
            assert!(Replaces::parse_str(bad).is_err(), "{bad:?}");
        }
        let r = Replaces::parse_str("a@b;x=1;from-tag=2;to-tag=1").unwrap();
        assert_eq!(r.params().get("x"), Some(Some("1")));
        assert_eq!(r.to_value_string(), "a@b;to-tag=1;from-tag=2;x=1");
        round_trip(&r);
        assert!(Replaces::new("a@b", "t o", "f", false).is_err());
    }

    use proptest::prelude::*;

    proptest::proptest! {
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        /// Parsing never panics; what parses round-trips.
        #[test]
        fn parse_never_panics_and_round_trips(
            s in "[a-z0-9]{1,5}(@[a-z0-9.]{1,5})?( ?; ?(x|early-only)(=[a-z0-9\"]{0,3})?)?\
                  ;to-tag=[a-z0-9]{1,3}( ?; ?(x|early-only|to-tag)(=[a-z0-9]{0,3})?)?\
                  ;from-tag=[a-z0-9\"]{1,3}(;early-only)?"
        ) {
            if let Ok(h) = Replaces::parse_str(&s) { round_trip(&h); }
        }
    }
}
