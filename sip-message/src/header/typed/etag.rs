//! `SIP-ETag` and `SIP-If-Match` ([RFC 3903 §11.3]).
//!
//! [RFC 3903 §11.3]: https://www.rfc-editor.org/rfc/rfc3903#section-11.3

use bytes::BytesMut;
use bytestring::ByteString;

use crate::error::ParseError;
use crate::header::{HeaderName, TypedHeader};
use crate::text::{slice, Cursor};

macro_rules! entity_tag_header {
    ($(#[$doc:meta])* $ty:ident, $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $ty(ByteString);

        impl $ty {
            /// Wraps an entity-tag.
            ///
            /// # Errors
            /// If `tag` is not a token.
            pub fn new(tag: &str) -> Result<Self, ParseError> {
                Self::parse(&ByteString::from(tag))
            }

            /// The entity-tag.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The entity-tag as a zero-copy `ByteString`.
            pub fn as_byte_string(&self) -> &ByteString {
                &self.0
            }
        }

        impl TypedHeader for $ty {
            const NAME: HeaderName = HeaderName::$name;

            fn parse(value: &ByteString) -> Result<Self, ParseError> {
                // entity-tag = token
                let mut c = Cursor::new(value);
                c.skip_sws();
                let tag = c.token()?;
                c.finish()?;
                Ok(Self(slice(value, tag)))
            }

            fn encode(&self, out: &mut BytesMut) {
                out.extend_from_slice(self.0.as_bytes());
            }
        }
    };
}

entity_tag_header!(
    /// `SIP-ETag = "SIP-ETag" HCOLON entity-tag` (RFC 3903 §11.3.1): the
    /// tag an event state compositor gives published state in a 2xx to
    /// PUBLISH. Entity-tags are opaque and compare byte by byte.
    ///
    /// ```
    /// use sip_message::{SipETag, SipIfMatch, TypedHeader};
    /// let etag = SipETag::parse_str("dx200xyz").unwrap();
    /// let next = SipIfMatch::new(etag.as_str()).unwrap();
    /// assert_eq!(next.to_value_string(), "dx200xyz");
    /// ```
    SipETag, SipETag
);
entity_tag_header!(
    /// `SIP-If-Match = "SIP-If-Match" HCOLON entity-tag` (RFC 3903
    /// §11.3.2): the tag of the state a PUBLISH refreshes, modifies or
    /// removes.
    SipIfMatch, SipIfMatch
);

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 3903 §10: the ESC answers `SIP-ETag: dx200xyz`, and the refresh
    /// carries `SIP-If-Match: dx200xyz`; the next answer is `SIP-ETag: kwj449x`.
    #[test]
    fn rfc3903_10_publish_flow_tags() {
        let e = SipETag::parse_str("dx200xyz").unwrap();
        assert_eq!(e.as_str(), "dx200xyz");
        let m = SipIfMatch::parse_str("dx200xyz").unwrap();
        assert_eq!(m.as_str(), e.as_str());
        let k = SipETag::parse_str("kwj449x").unwrap();
        assert_ne!(k, e);
        for h in [&e, &k] {
            assert_eq!(SipETag::parse_str(&h.to_value_string()).unwrap(), *h);
        }
        assert_eq!(SipIfMatch::parse_str(&m.to_value_string()).unwrap(), m);
    }

    /// RFC 3903 §11.3: `entity-tag = token`.
    #[test]
    fn rfc3903_11_3_entity_tag_is_a_token() {
        for bad in ["", "a b", "\"dx200xyz\"", "dx200xyz;x=1", "a,b", "<a>"] {
            assert!(SipETag::parse_str(bad).is_err(), "{bad:?}");
            assert!(SipIfMatch::parse_str(bad).is_err(), "{bad:?}");
        }
        assert!(SipIfMatch::new("a b").is_err());
        // Opaque: case matters.
        assert_ne!(SipETag::new("ABC").unwrap(), SipETag::new("abc").unwrap());
    }

    use proptest::prelude::*;

    proptest::proptest! {
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        /// Parsing never panics; what parses round-trips.
        #[test]
        fn parse_never_panics_and_round_trips(s in "[a-z0-9 \";]{0,6}") {
            if let Ok(h) = SipETag::parse_str(&s) {
                prop_assert_eq!(SipETag::parse_str(&h.to_value_string()).ok(), Some(h));
            }
        }
    }
}
