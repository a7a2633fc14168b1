//! `Retry-After` ([RFC 3261 §20.33]).
//!
//! [RFC 3261 §20.33]: https://www.rfc-editor.org/rfc/rfc3261#section-20.33

use bytes::BytesMut;
use bytestring::ByteString;

use super::product::comment;
use super::Params;
use crate::error::{ErrorKind, ParseError};
use crate::header::{HeaderName, TypedHeader};
use crate::text::{parse_decimal, Cursor, Span};

/// `Retry-After = "Retry-After" HCOLON delta-seconds [ comment ]
/// *( SEMI retry-param )` (RFC 3261 §20.33): when to try again, with an
/// optional comment and `duration` of availability.
///
/// ```
/// use sip_message::{RetryAfter, TypedHeader};
/// let r = RetryAfter::parse_str("120 (I'm in a meeting)").unwrap();
/// assert_eq!(r.seconds(), 120);
/// assert_eq!(r.comment(), Some("I'm in a meeting"));
/// // RFC 4475 §3.1.2.5: delta-seconds beyond 2^32-1 are out of range.
/// assert!(RetryAfter::parse_str("949302838503028349304023988").is_err());
/// ```
#[derive(Debug, Clone)]
pub struct RetryAfter {
    raw: ByteString,
    seconds: u32,
    comment: Option<Span>,
    duration: Option<u32>,
    params: Span,
}

impl RetryAfter {
    /// `<seconds>[;duration=<duration>]`.
    pub fn new(seconds: u32, duration: Option<u32>) -> Self {
        let mut s = seconds.to_string();
        let start = s.len();
        if let Some(d) = duration {
            s.push_str(&format!(";duration={d}"));
        }
        let end = s.len();
        Self {
            raw: ByteString::from(s),
            seconds,
            comment: None,
            duration,
            params: Span::new(start, end),
        }
    }

    /// The value as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// `delta-seconds`: how long to wait before retrying.
    pub fn seconds(&self) -> u32 {
        self.seconds
    }

    /// The comment, without its outer parentheses.
    pub fn comment(&self) -> Option<&str> {
        self.comment.map(|s| s.of(&self.raw))
    }

    /// `duration`: how long the callee will be reachable, in seconds.
    pub fn duration(&self) -> Option<u32> {
        self.duration
    }

    /// All parameters, in order.
    pub fn params(&self) -> Params<'_> {
        Params::new(self.params.of(&self.raw))
    }
}

impl TypedHeader for RetryAfter {
    const NAME: HeaderName = HeaderName::RetryAfter;

    fn parse(value: &ByteString) -> Result<Self, ParseError> {
        let mut c = Cursor::new(value);
        c.skip_sws();
        // delta-seconds = 1*DIGIT, which RFC 3261 §20.19 caps at 2^32-1.
        let seconds = c.number(u64::from(u32::MAX))? as u32;
        let save = c.pos;
        c.skip_sws();
        let comment = if c.peek() == Some(b'(') {
            Some(comment(&mut c)?)
        } else {
            c.pos = save;
            None
        };
        let mut duration = None;
        let params = c.params(|c, n, v| {
            if c.input[n.range()].eq_ignore_ascii_case(b"duration") {
                // "duration" EQUAL delta-seconds
                match v.and_then(|v| parse_decimal(&c.input[v.range()], u64::from(u32::MAX))) {
                    Some(d) => duration = Some(d as u32),
                    None => {
                        return Err(c.err_at(
                            ErrorKind::InvalidValue("delta-seconds in duration"),
                            n.start as usize,
                        ))
                    }
                }
            }
            Ok(())
        })?;
        c.finish()?;
        Ok(Self {
            raw: value.clone(),
            seconds,
            comment,
            duration,
            params,
        })
    }

    fn encode(&self, out: &mut BytesMut) {
        out.extend_from_slice(self.seconds.to_string().as_bytes());
        if let Some(comment) = self.comment() {
            out.extend_from_slice(b" (");
            out.extend_from_slice(comment.as_bytes());
            out.extend_from_slice(b")");
        }
        self.params().encode(out);
    }
}

impl PartialEq for RetryAfter {
    /// Seconds, the comment exactly, and the parameters in order.
    fn eq(&self, other: &Self) -> bool {
        self.seconds == other.seconds
            && self.comment() == other.comment()
            && self.params().iter().eq(other.params().iter())
    }
}

impl Eq for RetryAfter {}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::header::typed::testing::round_trip_stable as round_trip;

    /// RFC 3261 §20.33: `Retry-After: 18000;duration=3600` and
    /// `Retry-After: 120 (I'm in a meeting)`.
    #[test]
    fn rfc3261_20_33_examples() {
        let r = RetryAfter::parse_str("18000;duration=3600").unwrap();
        assert_eq!(
            (r.seconds(), r.duration(), r.comment()),
            (18000, Some(3600), None)
        );
        assert_eq!(r, RetryAfter::new(18000, Some(3600)));
        round_trip(&r);
        let r = RetryAfter::parse_str("120 (I'm in a meeting)").unwrap();
        assert_eq!(r.comment(), Some("I'm in a meeting"));
        assert_eq!(r.duration(), None);
        round_trip(&r);
        let r = RetryAfter::parse_str("300\r\n (back (soon)) ; duration = 60 ; x").unwrap();
        assert_eq!(r.comment(), Some("back (soon)"));
        assert_eq!(r.duration(), Some(60));
        assert!(r.params().contains("x"));
        assert_eq!(r.to_value_string(), "300 (back (soon));duration=60;x");
        round_trip(&r);
        round_trip(&RetryAfter::new(0, None));
    }

    /// RFC 4475 §3.1.2.5 (scalarlg): `Retry-After: 949302838503028349304023988`
    /// is far beyond 2^32-1, as is 18446744073709551625 (2^64 + 9).
    #[test]
    fn rfc4475_scalarlg_retry_after_out_of_range() {
        for big in [
            "949302838503028349304023988",
            "18446744073709551625",
            "4294967296",
        ] {
            assert_eq!(
                RetryAfter::parse_str(big).unwrap_err().kind(),
                ErrorKind::NumberOutOfRange,
                "{big}"
            );
        }
        assert_eq!(
            RetryAfter::parse_str("4294967295").unwrap().seconds(),
            u32::MAX
        );
        assert!(RetryAfter::parse_str("5;duration=4294967296").is_err());
    }

    #[test]
    fn malformed_retry_after() {
        for bad in [
            "",
            "-1",
            "soon",
            "12a",
            "120 (unterminated",
            "120 (a) (b)",
            "120 junk",
            "120;duration",
            "120;duration=x",
            "120;",
            "(comment) 120",
        ] {
            assert!(RetryAfter::parse_str(bad).is_err(), "{bad:?}");
        }
    }

    use proptest::prelude::*;

    proptest::proptest! {
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        /// Parsing never panics; what parses round-trips.
        #[test]
        fn parse_never_panics_and_round_trips(
            s in "[0-9]{0,11}( ?\\(([a-z ()\\\\]|\r\n ){0,8}\\))?( ?; ?(duration|x)(=[0-9a-z]{0,3})?){0,2}"
        ) {
            if let Ok(h) = RetryAfter::parse_str(&s) { round_trip(&h); }
        }
    }
}
