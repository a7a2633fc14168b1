//! Transaction matching keys (RFC 3261 §17.1.3, §17.2.3).

use sip_message::{ByteString, CSeq, CallId, From, Message, Method, ParseError, Via};

/// Identifies a client transaction: "the branch parameter in the top Via
/// header field" and "the method parameter in the CSeq header field"
/// (§17.1.3).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ClientKey {
    branch: ByteString,
    method: Method,
}

impl ClientKey {
    pub(crate) fn new(branch: ByteString, method: Method) -> Self {
        Self { branch, method }
    }

    /// The key a response is matched with, or `None` if its top Via has
    /// no branch (such a response cannot match anything we sent).
    pub(crate) fn of_response(msg: &Message) -> Result<Option<Self>, ParseError> {
        let via = msg.typed::<Via>()?;
        let cseq = msg.typed::<CSeq>()?;
        Ok(via.branch_slice().map(|b| Self::new(b, cseq.method)))
    }
}

/// Identifies a server transaction (§17.2.3).
///
/// The rare RFC 2543 form is boxed so that the common one, and with it
/// every bucket of the layer's map and every slab entry, stays small.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ServerKey {
    /// A branch with the magic cookie: branch, sent-by and method, where an
    /// ACK is looked up under INVITE.
    Rfc3261 {
        branch: ByteString,
        /// The sent-by host, lower-cased, and port as written.
        host: ByteString,
        port: Option<u16>,
        method: Method,
    },
    /// The RFC 2543 procedure for requests without the cookie.
    Rfc2543(Box<Rfc2543Key>),
}

/// The RFC 2543 matching key (§17.2.3: Request-URI, From tag, Call-ID,
/// CSeq number, top Via and method; the To tag of an ACK is checked
/// against the response separately).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Rfc2543Key {
    request_uri: ByteString,
    from_tag: Option<ByteString>,
    call_id: ByteString,
    cseq: u32,
    top_via: ByteString,
    method: Method,
}

impl ServerKey {
    /// The key of request `msg` whose top Via is `via`, looked up under
    /// `method` (INVITE for an ACK or for the INVITE a CANCEL cancels).
    pub(crate) fn of_request(msg: &Message, via: &Via, method: Method) -> Result<Self, ParseError> {
        if via.is_rfc3261_branch() {
            let branch = via.branch_slice().unwrap_or_default();
            let host = via.host();
            let host = if host.bytes().any(|c| c.is_ascii_uppercase()) {
                ByteString::from(host.to_ascii_lowercase())
            } else {
                ByteString::from(host)
            };
            return Ok(Self::Rfc3261 {
                branch,
                host,
                port: via.port(),
                method,
            });
        }
        let from = msg.typed::<From>()?;
        let cseq = msg.typed::<CSeq>()?;
        let call_id = msg.typed::<CallId>()?;
        Ok(Self::Rfc2543(Box::new(Rfc2543Key {
            request_uri: ByteString::from(msg.request_uri_str().unwrap_or_default()),
            from_tag: from.tag_slice(),
            call_id: ByteString::from(call_id.as_str()),
            cseq: cseq.seq,
            top_via: ByteString::from(via.as_str()),
            method,
        })))
    }

    /// The same key owning copies of its text, for storing.
    ///
    /// A key read from a request slices the request's datagram, and a
    /// slice keeps the whole datagram alive. A completed non-INVITE server
    /// transaction drops its request but lives on for Timer J (32 s over
    /// UDP): under a REGISTER flood a stored slicing key would hold every
    /// request of the last 32 s in memory. The RFC 3261 form copies branch
    /// and host into one allocation the size of the two.
    pub(crate) fn detached(&self) -> Self {
        match self {
            Self::Rfc3261 {
                branch,
                host,
                port,
                method,
            } => {
                let mut text = String::with_capacity(branch.len() + host.len());
                text.push_str(branch);
                text.push_str(host);
                let (branch, host) = ByteString::from(text).split_at(branch.len());
                Self::Rfc3261 {
                    branch,
                    host,
                    port: *port,
                    method: detach_method(method),
                }
            }
            // `of_request` already copied the Request-URI, Call-ID and top
            // Via; the From tag and an extension method still slice.
            Self::Rfc2543(k) => Self::Rfc2543(Box::new(Rfc2543Key {
                from_tag: k.from_tag.as_deref().map(detach),
                method: detach_method(&k.method),
                ..(**k).clone()
            })),
        }
    }

    /// The same key under another method.
    pub(crate) fn with_method(&self, m: Method) -> Self {
        let mut k = self.clone();
        match &mut k {
            Self::Rfc3261 { method, .. } => *method = m,
            Self::Rfc2543(k) => k.method = m,
        }
        k
    }

    /// Whether this is an RFC 2543 key.
    pub(crate) fn is_rfc2543(&self) -> bool {
        matches!(self, Self::Rfc2543(_))
    }
}

/// A copy of `s` in an allocation of its own.
fn detach(s: &str) -> ByteString {
    ByteString::from(s.to_owned())
}

/// An extension method's token copied out of the message it was read from.
fn detach_method(m: &Method) -> Method {
    match m {
        Method::Extension(token) => Method::Extension(detach(token)),
        known => known.clone(),
    }
}
