//! Typed headers, one file per header or family of headers.

mod auth;
mod cseq;
mod date;
mod etag;
mod event;
mod media_type;
mod name_addr;
mod params;
mod product;
mod replaces;
mod retry_after;
mod simple;
mod tokens;
mod via;
mod warning;

pub use auth::{
    AuthParamIter, AuthParams, AuthenticationInfo, AuthenticationInfoBuilder, Authorization,
    Challenge, ChallengeBuilder, Credentials, CredentialsBuilder, ProxyAuthenticate,
    ProxyAuthorization, WwwAuthenticate,
};
pub use cseq::CSeq;
pub use date::{Date, Weekday};
pub use etag::{SipETag, SipIfMatch};
pub use event::{Event, SubscriptionState, Substate};
pub use media_type::{Accept, ContentType, MediaType};
pub use name_addr::{
    Contact, From, NameAddr, Path, RecordRoute, ReferTo, ReferredBy, Route, ServiceRoute, To,
};
pub use params::{ParamIter, Params};
pub use product::{Product, ProductList, Server, ServerVal, ServerValIter, UserAgent};
pub use replaces::Replaces;
pub use retry_after::RetryAfter;
pub use simple::{CallId, ContentLength, Expires, MaxForwards, MinExpires};
pub use tokens::{
    Allow, AllowEvents, AllowIter, ProxyRequire, Require, Supported, TokenIter, Unsupported,
};
pub use via::{Via, MAGIC_COOKIE};
pub use warning::Warning;

/// Round-trip assertions the typed headers' tests share.
#[cfg(test)]
pub(crate) mod testing {
    use crate::header::TypedHeader;

    /// `encode` then `parse` gives back an equal value.
    pub(crate) fn round_trip<H: TypedHeader + PartialEq + core::fmt::Debug>(h: &H) {
        let text = h.to_value_string();
        let back = H::parse_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(&back, h, "{text}");
    }

    /// [`round_trip`], and encoding the parsed value gives the same text.
    pub(crate) fn round_trip_stable<H: TypedHeader + PartialEq + core::fmt::Debug>(h: &H) {
        round_trip(h);
        let text = h.to_value_string();
        let back = H::parse_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(back.to_value_string(), text);
    }
}
