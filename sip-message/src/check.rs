//! Parsing every header that has a typed form, for tools and strict elements.

use crate::error::ParseError;
use crate::header::typed::*;
use crate::header::{Entry, TypedHeader, OTHER};
use crate::message::Message;

impl Message {
    /// Parses every header line whose name has a typed form in this crate,
    /// and the Request-URI. Lines of other headers are not looked at.
    ///
    /// A proxy needs only the headers it acts on; a linter, a fuzzer or a
    /// strict element that wants to refuse any malformed header calls this.
    ///
    /// # Errors
    /// The first malformed value, positioned in the message.
    pub fn check_typed_headers(&self) -> Result<(), ParseError> {
        if let Some(uri) = self.request_uri() {
            uri?;
        }
        for e in self.entries() {
            check_entry(self, e)?;
        }
        Ok(())
    }
}

fn check_entry(m: &Message, e: &Entry) -> Result<(), ParseError> {
    macro_rules! dispatch {
        ($($ty:ty),* $(,)?) => {
            $( if Some(e.id) == <$ty as TypedHeader>::NAME.index() { return m.check_line::<$ty>(e); } )*
        };
    }
    if e.id == OTHER {
        return Ok(());
    }
    dispatch!(
        Via,
        From,
        To,
        Contact,
        CSeq,
        CallId,
        MaxForwards,
        Expires,
        MinExpires,
        ContentLength,
        ContentType,
        Accept,
        Route,
        RecordRoute,
        Path,
        ServiceRoute,
        ReferTo,
        ReferredBy,
        WwwAuthenticate,
        ProxyAuthenticate,
        Authorization,
        ProxyAuthorization,
        AuthenticationInfo,
        Allow,
        Supported,
        Require,
        ProxyRequire,
        Unsupported,
        AllowEvents,
        Event,
        SubscriptionState,
        Replaces,
        SipETag,
        SipIfMatch,
        RetryAfter,
        Warning,
        Date,
        UserAgent,
        Server,
    );
    Ok(())
}
