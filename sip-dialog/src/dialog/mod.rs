//! Dialogs (RFC 3261 §12): the peer-to-peer relationship that an INVITE
//! (or SUBSCRIBE, REFER) sets up, and the state every request inside it
//! is built from.

use std::fmt;

use sip_message::{
    ByteString, CSeq, CallId, Contact, From, HeaderName, Message, MessageBuilder, Method, NameAddr,
    RecordRoute, To, TypedHeader, Uri,
};

/// A dialog's identity (§12): Call-ID, local tag and remote tag.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DialogId {
    /// The Call-ID.
    pub call_id: ByteString,
    /// Our tag: the From tag of requests we send.
    pub local_tag: ByteString,
    /// The peer's tag: the To tag of requests we send.
    pub remote_tag: ByteString,
}

impl DialogId {
    /// The id of the dialog a request we received belongs to, seen from
    /// our side: local tag from To, remote tag from From (§12.2.2).
    /// `None` when To has no tag (the request is not in a dialog).
    pub fn of_incoming_request(req: &Message) -> Option<Self> {
        let to = req.typed::<To>().ok()?;
        let from = req.typed::<From>().ok()?;
        Some(Self {
            call_id: ByteString::from(req.call_id()?),
            local_tag: to.tag_slice()?,
            remote_tag: from.tag_slice().unwrap_or_default(),
        })
    }

    /// The id of the dialog a response we received belongs to: local tag
    /// from From, remote tag from To. `None` without a To tag.
    pub fn of_incoming_response(resp: &Message) -> Option<Self> {
        let to = resp.typed::<To>().ok()?;
        let from = resp.typed::<From>().ok()?;
        Some(Self {
            call_id: ByteString::from(resp.call_id()?),
            local_tag: from.tag_slice().unwrap_or_default(),
            remote_tag: to.tag_slice()?,
        })
    }
}

impl fmt::Display for DialogId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{};local={};remote={}",
            self.call_id, self.local_tag, self.remote_tag
        )
    }
}

/// The state of a dialog (§12: "early" after a provisional response with a
/// To tag, "confirmed" after a 2xx).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum DialogState {
    /// Created by a 1xx with a To tag; a 2xx confirms it, a non-2xx final
    /// response ends it.
    Early,
    /// Created or confirmed by a 2xx.
    Confirmed,
    /// Ended (BYE, or an early dialog's failure).
    Terminated,
}

/// Why a message cannot create or update a dialog.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DialogError {
    /// A header the dialog needs is missing or malformed.
    #[error("{0}: missing or malformed")]
    Header(&'static str),
    /// The response carries no To tag, so no dialog can be formed.
    #[error("the response has no To tag")]
    NoRemoteTag,
    /// The message does not belong to this dialog.
    #[error("the message belongs to another dialog")]
    WrongDialog,
    /// RFC 3261 §12.2.2: "If the remote sequence number was not empty, but
    /// the sequence number of the request is lower than the remote sequence
    /// number, the request is out of order and MUST be rejected with a 500".
    #[error("CSeq {got} is lower than the remote sequence number {remote}")]
    OutOfOrder {
        /// The request's CSeq number.
        got: u32,
        /// The dialog's remote sequence number.
        remote: u32,
    },
}

/// A request to send within a dialog, built by [`Dialog::request`]: the
/// message under construction and the URI of the next hop (§12.2.1.1: the
/// first route, or the remote target when the route set is empty), which
/// the caller locates with RFC 3263.
#[derive(Debug)]
pub struct InDialogRequest {
    /// The request, with Request-URI, To, From, Call-ID, CSeq, Route and
    /// Max-Forwards set. Add Contact, body and other headers, then build.
    pub builder: MessageBuilder,
    /// Where to send it.
    pub next_hop: Uri,
}

/// One dialog's state (§12.1), from either side.
///
/// The UA core keeps one per call leg and builds every request of the
/// leg from it; the mobility layer re-INVITEs through it with a new
/// Contact when the device moves.
///
/// ```
/// use bytes::Bytes;
/// use sip_message::{Message, Method};
/// use sip_dialog::{Dialog, DialogState};
///
/// let invite = Message::parse(Bytes::from_static(b"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
/// Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\r\n\
/// Max-Forwards: 70\r\nFrom: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n\
/// To: Bob <sip:bob@biloxi.example.com>\r\nCall-ID: 3848276298220188511@atlanta.example.com\r\n\
/// CSeq: 1 INVITE\r\nContact: <sip:alice@client.atlanta.example.com;transport=tcp>\r\n\
/// Content-Length: 0\r\n\r\n")).unwrap();
/// let ok = invite.response_to(200, Some("8321234356")).unwrap()
///     .header("Record-Route", "<sip:ss2.biloxi.example.com;lr>, <sip:ss1.atlanta.example.com;lr>")
///     .header("Contact", "<sip:bob@client.biloxi.example.com;transport=tcp>")
///     .build().unwrap();
/// let mut dialog = Dialog::uac(&invite, &ok).unwrap();
/// assert_eq!(dialog.state(), DialogState::Confirmed);
/// let bye = dialog.request(Method::Bye).unwrap();
/// assert_eq!(bye.next_hop.as_str(), "sip:ss1.atlanta.example.com;lr"); // reversed Record-Route
/// let bye = bye.builder.build().unwrap();
/// assert_eq!(bye.request_uri_str(), Some("sip:bob@client.biloxi.example.com;transport=tcp"));
/// ```
#[derive(Clone, Debug)]
pub struct Dialog {
    id: DialogId,
    state: DialogState,
    local_seq: Option<u32>,
    remote_seq: Option<u32>,
    /// Our address with our tag, as written in From of our requests.
    local: NameAddr,
    /// The peer's address with its tag, as written in To of our requests.
    remote: NameAddr,
    remote_target: Uri,
    /// Route header values (name-addrs), in the order they go into a request.
    route_set: Vec<NameAddr>,
    secure: bool,
}

impl Dialog {
    /// The UAC side (§12.1.2): from the request we sent and a 1xx (with a
    /// To tag: an early dialog) or 2xx response (a confirmed one).
    ///
    /// "The route set MUST be set to the list of URIs in the Record-Route
    /// header field from the response, taken in reverse order"; "the
    /// remote target MUST be set to the URI from the Contact header field
    /// of the response"; "the local sequence number MUST be set to the
    /// value of the sequence number in the CSeq header field of the
    /// request"; "the remote sequence number MUST be empty".
    ///
    /// # Errors
    /// [`DialogError::NoRemoteTag`], or [`DialogError::Header`] for a
    /// missing Call-ID, From, To, CSeq or (in a 2xx) Contact.
    pub fn uac(request: &Message, response: &Message) -> Result<Self, DialogError> {
        let to = header::<To>(response, "To")?;
        let remote_tag = to.tag_slice().ok_or(DialogError::NoRemoteTag)?;
        let from = header::<From>(request, "From")?;
        let cseq = header::<CSeq>(request, "CSeq")?;
        let call_id = header::<CallId>(request, "Call-ID")?;
        let mut route_set = record_route(response)?;
        route_set.reverse();
        let remote_target = match contact(response) {
            Some(uri) => uri,
            // A 1xx may lack Contact (RFC 3261 §12.1.2 asks for one, real
            // peers omit it): until a 2xx supplies it, target the Request-URI.
            None if response.status().is_some_and(|s| s < 200) => request
                .request_uri()
                .and_then(Result::ok)
                .ok_or(DialogError::Header("Request-URI"))?,
            None => return Err(DialogError::Header("Contact")),
        };
        let secure = is_secure_request(request);
        Ok(Self {
            id: DialogId {
                call_id: ByteString::from(call_id.as_str()),
                local_tag: from.tag_slice().unwrap_or_default(),
                remote_tag,
            },
            state: if response.status().is_some_and(|s| (200..300).contains(&s)) {
                DialogState::Confirmed
            } else {
                DialogState::Early
            },
            local_seq: Some(cseq.seq),
            remote_seq: None,
            local: from.0,
            remote: to.0,
            remote_target,
            route_set,
            secure,
        })
    }

    /// The UAS side (§12.1.1): from the request we received and the To tag
    /// of our response. `confirmed` says whether that response is a 2xx.
    ///
    /// "The route set MUST be set to the list of URIs in the Record-Route
    /// header field from the request, taken in order"; "the remote target
    /// MUST be set to the URI from the Contact header field of the
    /// request"; "the remote sequence number MUST be set to the value of
    /// the sequence number in the CSeq header field of the request"; "the
    /// local sequence number MUST be empty".
    ///
    /// # Errors
    /// [`DialogError::Header`] for a missing Call-ID, From, To, CSeq or Contact.
    pub fn uas(request: &Message, local_tag: &str, confirmed: bool) -> Result<Self, DialogError> {
        let to = header::<To>(request, "To")?;
        let from = header::<From>(request, "From")?;
        let cseq = header::<CSeq>(request, "CSeq")?;
        let call_id = header::<CallId>(request, "Call-ID")?;
        let remote_target = contact(request).ok_or(DialogError::Header("Contact"))?;
        let local = match to.tag() {
            Some(_) => to.0.clone(),
            None => {
                to.0.with_param("tag", Some(local_tag))
                    .map_err(|_| DialogError::Header("To"))?
            }
        };
        let secure = is_secure_request(request);
        Ok(Self {
            id: DialogId {
                call_id: ByteString::from(call_id.as_str()),
                local_tag: ByteString::from(local.tag().unwrap_or(local_tag)),
                remote_tag: from.tag_slice().unwrap_or_default(),
            },
            state: if confirmed {
                DialogState::Confirmed
            } else {
                DialogState::Early
            },
            local_seq: None,
            remote_seq: Some(cseq.seq),
            local,
            remote: from.0,
            remote_target,
            route_set: record_route(request)?,
            secure,
        })
    }

    // ----------------------------------------------------------------- getters

    /// The dialog id.
    pub fn id(&self) -> &DialogId {
        &self.id
    }

    /// The state.
    pub fn state(&self) -> DialogState {
        self.state
    }

    /// The URI requests are addressed to (the peer's Contact).
    pub fn remote_target(&self) -> &Uri {
        &self.remote_target
    }

    /// The route set, in the order Route headers are written.
    pub fn route_set(&self) -> &[NameAddr] {
        &self.route_set
    }

    /// The last CSeq number we used, if any.
    pub fn local_seq(&self) -> Option<u32> {
        self.local_seq
    }

    /// The last CSeq number the peer used, if any.
    pub fn remote_seq(&self) -> Option<u32> {
        self.remote_seq
    }

    /// Our address with our tag (From of our requests).
    pub fn local(&self) -> &NameAddr {
        &self.local
    }

    /// The peer's address with its tag (To of our requests).
    pub fn remote(&self) -> &NameAddr {
        &self.remote
    }

    /// Whether the dialog is secure (a `sips` Request-URI, §12.1).
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    // ------------------------------------------------------------- transitions

    /// A 2xx for the request that created this early dialog: the dialog
    /// becomes confirmed and, RFC 3261 §13.2.2.4, "the route set for the
    /// dialog MUST be recomputed based on the 2xx response", as must the
    /// remote target.
    ///
    /// # Errors
    /// [`DialogError::WrongDialog`] if the tags differ (another fork's 2xx
    /// makes a dialog of its own), [`DialogError::Header`].
    pub fn confirm(&mut self, response: &Message) -> Result<(), DialogError> {
        if DialogId::of_incoming_response(response).as_ref() != Some(&self.id) {
            return Err(DialogError::WrongDialog);
        }
        let mut routes = record_route(response)?;
        routes.reverse();
        self.route_set = routes;
        if let Some(uri) = contact(response) {
            self.remote_target = uri;
        }
        self.state = DialogState::Confirmed;
        Ok(())
    }

    /// Ends the dialog (a BYE sent or received, an early dialog's failure).
    pub fn terminate(&mut self) {
        self.state = DialogState::Terminated;
    }

    /// Checks and records a request received in this dialog (§12.2.2):
    /// the CSeq order rule, and for a target refresh request (re-INVITE,
    /// UPDATE) a new remote target from its Contact.
    ///
    /// # Errors
    /// [`DialogError::OutOfOrder`] (answer 500), [`DialogError::WrongDialog`].
    pub fn handle_request(&mut self, req: &Message) -> Result<(), DialogError> {
        if DialogId::of_incoming_request(req).as_ref() != Some(&self.id) {
            return Err(DialogError::WrongDialog);
        }
        let cseq = header::<CSeq>(req, "CSeq")?;
        if matches!(cseq.method, Method::Ack | Method::Cancel) {
            return Ok(()); // same CSeq as the INVITE
        }
        if let Some(remote) = self.remote_seq {
            if cseq.seq < remote {
                return Err(DialogError::OutOfOrder {
                    got: cseq.seq,
                    remote,
                });
            }
        }
        self.remote_seq = Some(cseq.seq);
        if is_target_refresh(&cseq.method) {
            if let Some(uri) = contact(req) {
                self.remote_target = uri;
            }
        }
        Ok(())
    }

    /// Records a response to a request we sent in this dialog: §12.2.1.2,
    /// "When a UAC receives a 2xx response to a target refresh request, it
    /// MUST replace the dialog's remote target URI with the URI from the
    /// Contact header field in that response, if present."
    pub fn handle_response(&mut self, resp: &Message) {
        let refresh = resp
            .typed::<CSeq>()
            .is_ok_and(|c| is_target_refresh(&c.method));
        if refresh && resp.status().is_some_and(|s| (200..300).contains(&s)) {
            if let Some(uri) = contact(resp) {
                self.remote_target = uri;
            }
        }
    }

    // ---------------------------------------------------------------- requests

    /// Builds a request within the dialog (§12.2.1.1), with the next local
    /// CSeq number. For an ACK (which reuses the INVITE's number) use
    /// [`ack`](Self::ack); for a CANCEL use the transaction layer.
    ///
    /// "If the route set is empty, the UAC MUST place the remote target URI
    /// into the Request-URI". With a loose router first ("the URI in the
    /// first route ... contains the lr parameter"), the Request-URI is the
    /// remote target and the Route headers are the route set; with a strict
    /// router, "the UAC MUST place the first URI from the route set into
    /// the Request-URI, stripping any parameters that are not allowed in a
    /// Request-URI", and the remote target goes last in the Route headers.
    ///
    /// # Errors
    /// [`DialogError::Header`] if the route set holds an unusable URI.
    pub fn request(&mut self, method: Method) -> Result<InDialogRequest, DialogError> {
        let seq = self.next_local_seq();
        self.build(method, seq)
    }

    /// Takes the next local sequence number, for a request built another
    /// way: the resubmission of a challenged request (§22.2: "the client
    /// SHOULD re-originate the request ... with the CSeq incremented",
    /// and inside a dialog only the dialog knows the next number).
    pub fn next_local_seq(&mut self) -> u32 {
        let seq = match self.local_seq {
            Some(n) => n.wrapping_add(1),
            // §12.2.1.1: an empty local sequence number takes a fresh
            // value; §8.1.1.5 asks for one below 2**31.
            None => 1,
        };
        self.local_seq = Some(seq);
        seq
    }

    /// The ACK for a 2xx to the INVITE with CSeq number `invite_seq`
    /// (§13.2.2.4: "The sequence number of the CSeq header field MUST be
    /// the same as the INVITE being acknowledged").
    ///
    /// # Errors
    /// As [`request`](Self::request).
    pub fn ack(&self, invite_seq: u32) -> Result<InDialogRequest, DialogError> {
        self.build(Method::Ack, invite_seq)
    }

    fn build(&self, method: Method, seq: u32) -> Result<InDialogRequest, DialogError> {
        let (ruri, routes, next_hop) = match self.route_set.first() {
            None => (
                self.remote_target.clone(),
                Vec::new(),
                self.remote_target.clone(),
            ),
            Some(first) if is_loose(first.uri()) => (
                self.remote_target.clone(),
                self.route_set
                    .iter()
                    .map(|r| r.as_str().to_owned())
                    .collect(),
                first.uri().clone(),
            ),
            Some(first) => {
                // Strict router: its URI becomes the Request-URI.
                let ruri = strip_for_request_uri(first.uri())?;
                let mut routes: Vec<String> = self.route_set[1..]
                    .iter()
                    .map(|r| r.as_str().to_owned())
                    .collect();
                routes.push(format!("<{}>", self.remote_target));
                (ruri.clone(), routes, ruri)
            }
        };
        let mut b = Message::request(method.clone(), ruri)
            .header(HeaderName::To, self.remote.as_str())
            .header(HeaderName::From, self.local.as_str())
            .header(HeaderName::CallId, &self.id.call_id)
            .header(HeaderName::CSeq, &format!("{seq} {method}"))
            .header(HeaderName::MaxForwards, "70");
        for r in routes {
            b = b.header(HeaderName::Route, &r);
        }
        Ok(InDialogRequest {
            builder: b,
            next_hop,
        })
    }
}

/// Target refresh requests (§12.2, RFC 3311 for UPDATE): they may change
/// the remote target.
fn is_target_refresh(m: &Method) -> bool {
    matches!(
        m,
        Method::Invite | Method::Update | Method::Subscribe | Method::Notify | Method::Refer
    )
}

fn is_loose(uri: &Uri) -> bool {
    uri.as_sip().is_none_or(|s| s.lr())
}

/// §12.2.1.1 strict routing: "stripping any parameters that are not allowed
/// in a Request-URI" (§19.1.1 table 1: `method`, `ttl` and URI headers are
/// not allowed there; `maddr` and `lr` are).
fn strip_for_request_uri(uri: &Uri) -> Result<Uri, DialogError> {
    let Some(sip) = uri.as_sip() else {
        return Ok(uri.clone());
    };
    let mut s = format!("{}:", sip.scheme());
    if let Some(u) = sip.user_raw() {
        s.push_str(u);
        if let Some(p) = sip.password() {
            s.push(':');
            s.push_str(p);
        }
        s.push('@');
    }
    s.push_str(sip.host());
    if let Some(p) = sip.port() {
        s.push_str(&format!(":{p}"));
    }
    for (name, value) in sip.params() {
        if name.eq_ignore_ascii_case("method") || name.eq_ignore_ascii_case("ttl") {
            continue;
        }
        s.push(';');
        s.push_str(name);
        if let Some(v) = value {
            s.push('=');
            s.push_str(v);
        }
    }
    Uri::parse(&s).map_err(|_| DialogError::Header("Route"))
}

/// Header `H` of `msg`, or [`DialogError::Header`] naming it.
fn header<H: TypedHeader>(msg: &Message, name: &'static str) -> Result<H, DialogError> {
    msg.typed::<H>().map_err(|_| DialogError::Header(name))
}

/// §12.1.1/§12.1.2: a dialog is secure when the request went to a `sips` URI.
fn is_secure_request(request: &Message) -> bool {
    request
        .request_uri()
        .and_then(Result::ok)
        .is_some_and(|u| u.as_sip().is_some_and(|s| s.is_secure()))
}

/// Every Record-Route value, in message order.
fn record_route(msg: &Message) -> Result<Vec<NameAddr>, DialogError> {
    msg.typed_all::<RecordRoute>()
        .map(|r| {
            r.map(|r| r.0)
                .map_err(|_| DialogError::Header("Record-Route"))
        })
        .collect()
}

/// The URI of the first Contact.
fn contact(msg: &Message) -> Option<Uri> {
    msg.typed_all::<Contact>()
        .next()?
        .ok()?
        .address()
        .map(|a| a.uri().clone())
}

#[cfg(test)]
mod tests;
