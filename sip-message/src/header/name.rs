//! Header names: a variant per known header, compact forms folded in.

use core::fmt;
use core::hash::{Hash, Hasher};

use bytestring::ByteString;

macro_rules! header_names {
    ($( $(#[$doc:meta])* $variant:ident => $canon:literal, $lower:literal $(, $compact:literal)? ;)*) => {
        /// A header field name (RFC 3261 §7.3, §20).
        ///
        /// Names compare case-insensitively, and a compact form (`v`, `f`,
        /// `i`, ...) is the same name as its long form. Names this crate does
        /// not know are kept in [`HeaderName::Other`] as written.
        #[derive(Debug, Clone)]
        #[non_exhaustive]
        pub enum HeaderName {
            $( $(#[$doc])* $variant, )*
            /// Any other header, with its name as written.
            Other(ByteString),
        }

        impl HeaderName {
            /// The canonical (long) form of the name.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $canon, )*
                    Self::Other(s) => s,
                }
            }

            /// The canonical name of a known header (`None` for [`HeaderName::Other`]).
            pub fn static_name(&self) -> Option<&'static str> {
                match self {
                    $( Self::$variant => Some($canon), )*
                    Self::Other(_) => None,
                }
            }

            /// The compact form (RFC 3261 §7.3.3 and later RFCs), if the name has one.
            pub fn compact(&self) -> Option<char> {
                match self {
                    $( $( Self::$variant => Some($compact), )? )*
                    _ => None,
                }
            }

            /// Looks a name up case-insensitively, long or compact form.
            pub(crate) fn known(name: &[u8]) -> Option<Self> {
                known_index(name).map(Self::from_index)
            }

            /// The index of a known name in [`KNOWN`], or `None` for `Other`.
            #[inline]
            pub(crate) fn index(&self) -> Option<u8> {
                match self {
                    $( Self::$variant => Some(Known::$variant as u8), )*
                    Self::Other(_) => None,
                }
            }

            /// The known name at `index` of [`KNOWN`].
            #[inline]
            pub(crate) fn from_index(index: u8) -> Self {
                KNOWN[index as usize].clone()
            }
        }

        /// Indexes of the known names, in declaration order.
        #[allow(dead_code)]
        #[repr(u8)]
        enum Known { $( $variant, )* }

        /// Every known name, indexed by [`HeaderName::index`].
        pub(crate) static KNOWN: &[HeaderName] = &[ $( HeaderName::$variant, )* ];

        /// Lower-case long names, indexed like [`KNOWN`].
        const LOWER: &[&[u8]] = &[ $( $lower, )* ];

        /// Compact forms: `(letter, index)`.
        const COMPACT: &[(char, u8)] = &[ $( $( ($compact, Known::$variant as u8), )? )* ];
    };
}

/// The longest known name (`Request-Disposition`, `Authentication-Info`, ...).
const MAX_LEN: usize = 24;
/// At most this many known names share one length.
const PER_LEN: usize = 8;

/// For each name length, the indexes of the known names of that length.
const BY_LEN: [[u8; PER_LEN]; MAX_LEN + 1] = {
    let mut t = [[u8::MAX; PER_LEN]; MAX_LEN + 1];
    let mut i = 0;
    while i < LOWER.len() {
        let len = LOWER[i].len();
        assert!(len <= MAX_LEN, "header name longer than MAX_LEN");
        let mut k = 0;
        while t[len][k] != u8::MAX {
            k += 1;
            assert!(k < PER_LEN, "too many header names of one length");
        }
        t[len][k] = i as u8;
        i += 1;
    }
    t
};

/// Compact letter (lower case) to index, `u8::MAX` where none.
const BY_LETTER: [u8; 128] = {
    let mut t = [u8::MAX; 128];
    let mut i = 0;
    while i < COMPACT.len() {
        t[COMPACT[i].0 as usize] = COMPACT[i].1; // ASCII letters only
        i += 1;
    }
    t
};

/// Lower-case names packed into little-endian words, zero padded.
const PACKED: [[u64; 3]; LOWER.len()] = {
    let mut t = [[0u64; 3]; LOWER.len()];
    let mut i = 0;
    while i < LOWER.len() {
        let name = LOWER[i];
        let mut k = 0;
        while k < name.len() {
            t[i][k / 8] |= (name[k] as u64) << (8 * (k % 8));
            k += 1;
        }
        i += 1;
    }
    t
};

/// For each length, 0x20 in every byte position below it: OR-ing it in
/// lower-cases ASCII letters. Known names hold only letters and `-`, and
/// `-` (0x2D) already has the bit, so a byte of another class (no token
/// character maps onto a letter or `-` this way) can never make a false match.
const CASE_MASK: [[u64; 3]; MAX_LEN + 1] = {
    let mut t = [[0u64; 3]; MAX_LEN + 1];
    let mut len = 0;
    while len <= MAX_LEN {
        let mut k = 0;
        while k < len {
            t[len][k / 8] |= 0x20u64 << (8 * (k % 8));
            k += 1;
        }
        len += 1;
    }
    t
};

/// For each length, 0xFF in every byte position below it.
const KEEP_MASK: [[u64; 3]; MAX_LEN + 1] = {
    let mut t = [[0u64; 3]; MAX_LEN + 1];
    let mut len = 0;
    while len <= MAX_LEN {
        let mut k = 0;
        while k < len {
            t[len][k / 8] |= 0xFFu64 << (8 * (k % 8));
            k += 1;
        }
        len += 1;
    }
    t
};

/// Finds a known name: by length, then three word compares per candidate.
#[inline]
pub(crate) fn known_index(name: &[u8]) -> Option<u8> {
    known_index_at(name, 0, name.len())
}

/// Like [`known_index`] for `buf[start..start + len]`, reading whole words
/// from `buf` when it is long enough (no copy of the name).
#[inline]
pub(crate) fn known_index_at(buf: &[u8], start: usize, len: usize) -> Option<u8> {
    if len == 1 {
        let c = buf[start].to_ascii_lowercase();
        return BY_LETTER.get(c as usize).copied().filter(|&i| i != u8::MAX);
    }
    let row = BY_LEN.get(len)?;
    if row[0] == u8::MAX {
        return None;
    }
    let keep = &KEEP_MASK[len];
    let case = &CASE_MASK[len];
    let words = match buf.get(start..start + MAX_LEN) {
        Some(w) => {
            let word = |k: usize| {
                let mut b = [0u8; 8];
                b.copy_from_slice(&w[k * 8..k * 8 + 8]);
                (u64::from_le_bytes(b) & keep[k]) | case[k]
            };
            [word(0), word(1), word(2)]
        }
        None => {
            let mut tmp = [0u8; MAX_LEN];
            tmp[..len].copy_from_slice(&buf[start..start + len]);
            let word = |k: usize| {
                let mut b = [0u8; 8];
                b.copy_from_slice(&tmp[k * 8..k * 8 + 8]);
                u64::from_le_bytes(b) | case[k]
            };
            [word(0), word(1), word(2)]
        }
    };
    let [w0, w1, w2] = words;
    for &i in row {
        if i == u8::MAX {
            break;
        }
        // Word by word in registers: comparing the arrays as a whole makes
        // the compiler reload `words` from the stack in one wide load, which
        // stalls on the narrower stores that just wrote it.
        let p = &PACKED[i as usize];
        if p[0] == w0 && p[1] == w1 && p[2] == w2 {
            return Some(i);
        }
    }
    None
}

header_names! {
    /// `Accept` (RFC 3261 §20.1).
    Accept => "Accept", b"accept";
    /// `Accept-Contact` (RFC 3841).
    AcceptContact => "Accept-Contact", b"accept-contact", 'a';
    /// `Accept-Encoding` (RFC 3261 §20.2).
    AcceptEncoding => "Accept-Encoding", b"accept-encoding";
    /// `Accept-Language` (RFC 3261 §20.3).
    AcceptLanguage => "Accept-Language", b"accept-language";
    /// `Alert-Info` (RFC 3261 §20.4).
    AlertInfo => "Alert-Info", b"alert-info";
    /// `Allow` (RFC 3261 §20.5).
    Allow => "Allow", b"allow";
    /// `Allow-Events` (RFC 6665).
    AllowEvents => "Allow-Events", b"allow-events", 'u';
    /// `Authentication-Info` (RFC 3261 §20.6).
    AuthenticationInfo => "Authentication-Info", b"authentication-info";
    /// `Authorization` (RFC 3261 §20.7).
    Authorization => "Authorization", b"authorization";
    /// `Call-ID` (RFC 3261 §20.8).
    CallId => "Call-ID", b"call-id", 'i';
    /// `Call-Info` (RFC 3261 §20.9).
    CallInfo => "Call-Info", b"call-info";
    /// `Contact` (RFC 3261 §20.10).
    Contact => "Contact", b"contact", 'm';
    /// `Content-Disposition` (RFC 3261 §20.11).
    ContentDisposition => "Content-Disposition", b"content-disposition";
    /// `Content-Encoding` (RFC 3261 §20.12).
    ContentEncoding => "Content-Encoding", b"content-encoding", 'e';
    /// `Content-Language` (RFC 3261 §20.13).
    ContentLanguage => "Content-Language", b"content-language";
    /// `Content-Length` (RFC 3261 §20.14).
    ContentLength => "Content-Length", b"content-length", 'l';
    /// `Content-Type` (RFC 3261 §20.15).
    ContentType => "Content-Type", b"content-type", 'c';
    /// `CSeq` (RFC 3261 §20.16).
    CSeq => "CSeq", b"cseq";
    /// `Date` (RFC 3261 §20.17).
    Date => "Date", b"date";
    /// `Error-Info` (RFC 3261 §20.18).
    ErrorInfo => "Error-Info", b"error-info";
    /// `Event` (RFC 6665).
    Event => "Event", b"event", 'o';
    /// `Expires` (RFC 3261 §20.19).
    Expires => "Expires", b"expires";
    /// `From` (RFC 3261 §20.20).
    From => "From", b"from", 'f';
    /// `Identity` (RFC 8224).
    Identity => "Identity", b"identity", 'y';
    /// `In-Reply-To` (RFC 3261 §20.21).
    InReplyTo => "In-Reply-To", b"in-reply-to";
    /// `Max-Forwards` (RFC 3261 §20.22).
    MaxForwards => "Max-Forwards", b"max-forwards";
    /// `MIME-Version` (RFC 3261 §20.24).
    MimeVersion => "MIME-Version", b"mime-version";
    /// `Min-Expires` (RFC 3261 §20.23).
    MinExpires => "Min-Expires", b"min-expires";
    /// `Organization` (RFC 3261 §20.25).
    Organization => "Organization", b"organization";
    /// `Path` (RFC 3327).
    Path => "Path", b"path";
    /// `Priority` (RFC 3261 §20.26).
    Priority => "Priority", b"priority";
    /// `Proxy-Authenticate` (RFC 3261 §20.27).
    ProxyAuthenticate => "Proxy-Authenticate", b"proxy-authenticate";
    /// `Proxy-Authorization` (RFC 3261 §20.28).
    ProxyAuthorization => "Proxy-Authorization", b"proxy-authorization";
    /// `Proxy-Require` (RFC 3261 §20.29).
    ProxyRequire => "Proxy-Require", b"proxy-require";
    /// `RAck` (RFC 3262).
    RAck => "RAck", b"rack";
    /// `Record-Route` (RFC 3261 §20.30).
    RecordRoute => "Record-Route", b"record-route";
    /// `Refer-Sub` (RFC 4488).
    ReferSub => "Refer-Sub", b"refer-sub";
    /// `Refer-To` (RFC 3515).
    ReferTo => "Refer-To", b"refer-to", 'r';
    /// `Referred-By` (RFC 3892).
    ReferredBy => "Referred-By", b"referred-by", 'b';
    /// `Reject-Contact` (RFC 3841).
    RejectContact => "Reject-Contact", b"reject-contact", 'j';
    /// `Replaces` (RFC 3891).
    Replaces => "Replaces", b"replaces";
    /// `Reply-To` (RFC 3261 §20.31).
    ReplyTo => "Reply-To", b"reply-to";
    /// `Request-Disposition` (RFC 3841).
    RequestDisposition => "Request-Disposition", b"request-disposition", 'd';
    /// `Require` (RFC 3261 §20.32).
    Require => "Require", b"require";
    /// `Retry-After` (RFC 3261 §20.33).
    RetryAfter => "Retry-After", b"retry-after";
    /// `Route` (RFC 3261 §20.34).
    Route => "Route", b"route";
    /// `RSeq` (RFC 3262).
    RSeq => "RSeq", b"rseq";
    /// `Server` (RFC 3261 §20.35).
    Server => "Server", b"server";
    /// `Service-Route` (RFC 3608).
    ServiceRoute => "Service-Route", b"service-route";
    /// `Session-Expires` (RFC 4028).
    SessionExpires => "Session-Expires", b"session-expires", 'x';
    /// `SIP-ETag` (RFC 3903).
    SipETag => "SIP-ETag", b"sip-etag";
    /// `SIP-If-Match` (RFC 3903).
    SipIfMatch => "SIP-If-Match", b"sip-if-match";
    /// `Subject` (RFC 3261 §20.36).
    Subject => "Subject", b"subject", 's';
    /// `Subscription-State` (RFC 6665).
    SubscriptionState => "Subscription-State", b"subscription-state";
    /// `Supported` (RFC 3261 §20.37).
    Supported => "Supported", b"supported", 'k';
    /// `Timestamp` (RFC 3261 §20.38).
    Timestamp => "Timestamp", b"timestamp";
    /// `To` (RFC 3261 §20.39).
    To => "To", b"to", 't';
    /// `Unsupported` (RFC 3261 §20.40).
    Unsupported => "Unsupported", b"unsupported";
    /// `User-Agent` (RFC 3261 §20.41).
    UserAgent => "User-Agent", b"user-agent";
    /// `Via` (RFC 3261 §20.42).
    Via => "Via", b"via", 'v';
    /// `Warning` (RFC 3261 §20.43).
    Warning => "Warning", b"warning";
    /// `WWW-Authenticate` (RFC 3261 §20.44).
    WwwAuthenticate => "WWW-Authenticate", b"www-authenticate";
}

impl HeaderName {
    /// Names a header from its text: a known variant when there is one,
    /// otherwise [`HeaderName::Other`] holding `name`.
    pub fn from_name(name: &str) -> Self {
        Self::known(name.as_bytes()).unwrap_or_else(|| Self::Other(ByteString::from(name)))
    }

    /// Whether RFC 3261 §7.3.1 forbids more than one value of this header
    /// in a message (it is not defined as a comma-separated list).
    ///
    /// The authentication headers are excluded: they may repeat, one per
    /// realm, though never combined on one line.
    pub fn is_single_value(&self) -> bool {
        matches!(
            self,
            Self::CallId
                | Self::ContentDisposition
                | Self::ContentLength
                | Self::ContentType
                | Self::CSeq
                | Self::Date
                | Self::Expires
                | Self::From
                | Self::MaxForwards
                | Self::MimeVersion
                | Self::MinExpires
                | Self::Organization
                | Self::Priority
                | Self::ReplyTo
                | Self::RetryAfter
                | Self::Server
                | Self::Subject
                | Self::Timestamp
                | Self::To
                | Self::UserAgent
                | Self::Event
                | Self::SubscriptionState
                | Self::ReferTo
                | Self::ReferredBy
                | Self::Replaces
                | Self::SipETag
                | Self::SipIfMatch
                | Self::RSeq
                | Self::RAck
                | Self::SessionExpires
        )
    }
}

impl PartialEq for HeaderName {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Other(a), Self::Other(b)) => a.eq_ignore_ascii_case(b),
            (a, b) => core::mem::discriminant(a) == core::mem::discriminant(b),
        }
    }
}

impl Eq for HeaderName {}

impl Hash for HeaderName {
    fn hash<H: Hasher>(&self, state: &mut H) {
        core::mem::discriminant(self).hash(state);
        if let Self::Other(s) = self {
            for b in s.bytes() {
                state.write_u8(b.to_ascii_lowercase());
            }
        }
    }
}

impl fmt::Display for HeaderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for HeaderName {
    fn from(s: &str) -> Self {
        Self::from_name(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 3261 §7.3.3: compact forms are equivalent to the long names.
    #[test]
    fn rfc3261_compact_forms() {
        for (c, long) in [
            ("i", "Call-ID"),
            ("m", "Contact"),
            ("e", "Content-Encoding"),
            ("l", "Content-Length"),
            ("c", "Content-Type"),
            ("f", "From"),
            ("s", "Subject"),
            ("k", "Supported"),
            ("t", "To"),
            ("v", "Via"),
            ("o", "Event"),
            ("u", "Allow-Events"),
            ("r", "Refer-To"),
            ("b", "Referred-By"),
            ("x", "Session-Expires"),
            ("y", "Identity"),
            ("a", "Accept-Contact"),
            ("j", "Reject-Contact"),
            ("d", "Request-Disposition"),
        ] {
            let a = HeaderName::from_name(c);
            assert!(!matches!(a, HeaderName::Other(_)), "{c}");
            assert_eq!(a, HeaderName::from_name(long));
            assert_eq!(a.as_str(), long);
            assert_eq!(HeaderName::from_name(&c.to_uppercase()), a);
        }
    }

    #[test]
    fn names_are_case_insensitive() {
        assert_eq!(HeaderName::from_name("cAlL-iD"), HeaderName::CallId);
        assert_eq!(
            HeaderName::from_name("X-Foo"),
            HeaderName::from_name("x-foo")
        );
        assert_ne!(
            HeaderName::from_name("X-Foo"),
            HeaderName::from_name("X-Bar")
        );
        // RFC 4475 §3.1.1.5: "C%6Fntact" is an unknown header, not Contact.
        assert!(matches!(
            HeaderName::from_name("C%6Fntact"),
            HeaderName::Other(_)
        ));
    }
}
