//! New requests: validation (RFC 3261 §16.3), route preprocessing
//! (§16.4), target determination (§16.5), the requests the proxy answers
//! itself (REGISTER, OPTIONS), CANCEL (§16.10), and the ACKs and responses
//! it forwards statelessly (§16.7, §16.11).

use std::time::Instant;

use md5::{Digest, Md5};
use sip_message::{
    CSeq, From, HeaderName, MaxForwards, Message, Method, ProxyRequire, Route, To, Uri, Via,
};
use sip_transaction::{IncomingRequest, Source, TxId};

use super::forward::{build_copy, Dest};
use super::hooks::{RequestAction, RequestInfo};
use super::{Proxy, Refusal, Store};
use crate::auth::{AuthResult, CredentialStore};
use crate::registrar::{canonical_aor, LocationService, RegisterContext};

/// What §16.3-§16.5 made of a request before a context is created.
pub(super) struct Routed {
    /// The request after §16.4 and the hooks: what every branch copies.
    pub(super) base: Message,
    /// The authenticated user (§16.3 step 6).
    pub(super) user: Option<String>,
    pub(super) responsible: bool,
    pub(super) in_dialog: bool,
    pub(super) loop_key: Option<[u8; 16]>,
}

impl<L: LocationService, S: CredentialStore> Proxy<L, S> {
    /// A request that created a server transaction.
    pub(super) fn on_request(&mut self, now: Instant, inc: IncomingRequest) {
        self.stats.requests += 1;
        let IncomingRequest {
            id,
            request,
            source,
            cancels,
        } = inc;
        if request.method() == Some(&Method::Cancel) {
            return self.on_cancel(now, id, &request, cancels);
        }
        // §16.3: "If any of these checks fail, the element MUST behave as a
        // user agent server (see Section 8.2) and respond with an error code."
        let user = match self.validate(now, &request) {
            Ok(v) => v,
            Err(refusal) => return self.respond(now, id, &request, refusal),
        };
        let mut base = request.clone();
        if let Err(code) = self.preprocess(&mut base) {
            return self.respond(now, id, &request, Refusal::Status(code, Vec::new()));
        }
        let (_, responsible, _) = match self.classify(&base) {
            Ok(c) => c,
            Err(code) => return self.respond(now, id, &request, Refusal::Status(code, Vec::new())),
        };
        let in_dialog = base.typed::<To>().is_ok_and(|t| t.tag().is_some());
        let info = RequestInfo {
            source,
            user: user.as_deref(),
            responsible,
            in_dialog,
        };
        let mut targets = None;
        match self.hooks.on_request(now, &mut base, &info) {
            RequestAction::Continue => {}
            RequestAction::Reject(code) if (300..700).contains(&code) => {
                return self.respond(now, id, &request, Refusal::Status(code, Vec::new()))
            }
            RequestAction::Reject(_) => {
                return self.respond(now, id, &request, Refusal::Status(500, Vec::new()))
            }
            RequestAction::Respond(m) => {
                return self.respond(now, id, &request, Refusal::Response(Box::new(m)))
            }
            RequestAction::Targets(t) => targets = Some(t),
        }
        // The hook may have rewritten the request.
        let (ruri, responsible, has_route) = match self.classify(&base) {
            Ok(c) => c,
            Err(code) => return self.respond(now, id, &request, Refusal::Status(code, Vec::new())),
        };
        let Some(sip) = ruri.as_sip() else {
            return self.respond(now, id, &request, Refusal::Status(416, Vec::new()));
        };
        let method = base.method().cloned().unwrap_or(Method::Options);
        if targets.is_none() && !has_route {
            if method == Method::Register && self.registrar_is_responsible(sip) {
                return self.register(now, id, &base, source);
            }
            // A Request-URI without a user naming the proxy or its domain
            // is a resource of the proxy itself.
            if sip.user_raw().is_none() && responsible {
                let refusal = if method == Method::Options {
                    // §11.2: the answer a UAS gives to OPTIONS.
                    Refusal::Status(200, vec![(HeaderName::Allow, self.allow())])
                } else {
                    // §16.5: "If the Request-URI indicates a resource at this
                    // proxy that does not exist, the proxy MUST return a 404".
                    Refusal::Status(404, Vec::new())
                };
                return self.respond(now, id, &request, refusal);
            }
        }
        let dests = match targets {
            Some(uris) => dedup(uris.into_iter().map(Dest::new).collect()),
            // §16.5: not ours (or a path already chosen): the Request-URI is
            // "the only target".
            None if !responsible || has_route => vec![Dest::new(ruri.clone())],
            None => self.lookup(now, &ruri),
        };
        if dests.is_empty() {
            let code = self.cfg.no_binding_status;
            return self.respond(now, id, &request, Refusal::Status(code, Vec::new()));
        }
        let routed = Routed {
            base,
            user,
            responsible,
            in_dialog,
            loop_key: self.cfg.loop_detection.then(|| loop_key(&request)),
        };
        self.start_context(now, id, request, source, routed, dests);
    }

    /// The Request-URI of `req` (416 unless SIP or SIPS), whether the proxy
    /// is responsible for it (§16.5: one of our domains or the proxy
    /// itself; "If the Request-URI of the request contains an maddr
    /// parameter, the Request-URI MUST be placed into the target set as the
    /// only target URI"), and whether Route values remain.
    fn classify(&self, req: &Message) -> Result<(Uri, bool, bool), u16> {
        let ruri = req.request_uri().and_then(Result::ok).ok_or(400u16)?;
        let sip = ruri.as_sip().ok_or(416u16)?;
        // A URI of one of our domains with a port we do not listen on names
        // another server in that domain (`sip:bob@127.0.0.1:5092` when we
        // are 127.0.0.1:5060 and serve "127.0.0.1"), not a user of ours.
        let our_port = sip.port().is_none_or(|p| self.listens_on_port(p));
        let responsible = sip.maddr().is_none()
            && (self.is_us(sip) || (our_port && self.is_responsible_for_host(sip.host())));
        let has_route = req.has_header(&HeaderName::Route);
        Ok((ruri, responsible, has_route))
    }

    /// §16.3 steps 2-6. Returns the authenticated user, or the answer to
    /// send.
    fn validate(&mut self, now: Instant, req: &Message) -> Result<Option<String>, Refusal> {
        let status = |code| Refusal::Status(code, Vec::new());
        // Step 1 ("Reasonable Syntax") was the layer's: it answered 400 to
        // what fails `Message::validate`.
        // Step 2: "If the Request-URI has a URI whose scheme is not
        // understood by the proxy, the proxy SHOULD reject the request with
        // a 416 (Unsupported URI Scheme) response."
        match req.request_uri() {
            Some(Ok(uri)) if uri.as_sip().is_some() => {}
            Some(Ok(_)) => return Err(status(416)),
            _ => return Err(status(400)),
        }
        // Step 3: "If the request contains a Max-Forwards header field with
        // a field value of zero (0), the element MUST NOT forward the
        // request. If the request was for OPTIONS, the element MAY act as
        // the final recipient and respond per Section 11. Otherwise, the
        // element MUST return a 483 (Too many hops) response."
        match req.typed_opt::<MaxForwards>() {
            Ok(Some(MaxForwards(0))) if req.method() == Some(&Method::Options) => {
                return Err(Refusal::Status(
                    200,
                    vec![(HeaderName::Allow, self.allow())],
                ))
            }
            Ok(Some(MaxForwards(0))) => return Err(status(483)),
            Ok(_) => {}
            Err(_) => return Err(status(400)),
        }
        // Step 4: "If the request contains a Via header field with a
        // sent-by value that equals a value placed into previous requests
        // by the proxy, the request has been forwarded by this element
        // before. ... If the parameters match, the request has looped."
        // The hash is only needed when the request passed here before;
        // a request that is forwarded gets its key when its context is
        // created.
        if self.cfg.loop_detection && !self.loops.is_empty() {
            let ours = req
                .typed_all::<Via>()
                .any(|v| v.is_ok_and(|v| self.sent_by_is_us(&v)));
            if ours && self.loops.contains_key(&loop_key(req)) {
                self.stats.loops += 1;
                // "If a loop is detected, the element MAY return a 482 (Loop
                // Detected) response."
                return Err(status(482));
            }
        }
        // Step 5: "If the request contains a Proxy-Require header field ...
        // with one or more option-tags this element does not understand,
        // the element MUST return a 420 (Bad Extension) response. The
        // response MUST include an Unsupported ... header field listing
        // those option-tags".
        let mut unsupported: Vec<String> = Vec::new();
        for pr in req.typed_all::<ProxyRequire>() {
            let pr = pr.map_err(|_| status(400))?;
            for tag in pr.iter() {
                if !self.cfg.supports(tag) && !unsupported.iter().any(|u| u == tag) {
                    unsupported.push(tag.to_owned());
                }
            }
        }
        if !unsupported.is_empty() {
            return Err(Refusal::Status(
                420,
                vec![(HeaderName::Unsupported, unsupported.join(", "))],
            ));
        }
        // Step 6: "If an element requires credentials before forwarding a
        // request, the request MUST be inspected as described in Section 22.3."
        self.authenticate(now, req)
    }

    /// §22.3 for the requests our policy challenges (see
    /// [`Proxy::with_auth`]).
    fn authenticate(&mut self, now: Instant, req: &Message) -> Result<Option<String>, Refusal> {
        let Some(from) = req.typed::<From>().ok() else {
            return Ok(None);
        };
        let from_ours = from
            .uri()
            .as_sip()
            .is_some_and(|s| self.is_responsible_for_host(s.host()));
        let in_dialog = req.typed::<To>().is_ok_and(|t| t.tag().is_some());
        let exempt = matches!(
            req.method(),
            Some(Method::Ack | Method::Cancel | Method::Register)
        );
        let Some(auth) = self.proxy_auth.as_mut() else {
            return Ok(None);
        };
        if exempt || in_dialog || !from_ours {
            return Ok(None);
        }
        match auth.verify(now, req, true) {
            AuthResult::Authorized { username } => {
                // The credentials must be those of the identity the request
                // claims; anyone else's are refused (§22.1: "a server may
                // repeat its challenge, or it may respond with a 403").
                match from.uri().as_sip() {
                    Some(s) if owns(&username, s) => Ok(Some(username)),
                    _ => Err(Refusal::Status(403, Vec::new())),
                }
            }
            AuthResult::Challenge { stale } => match auth.challenge_response(now, req, true, stale)
            {
                Ok(m) => Err(Refusal::Response(Box::new(m))),
                Err(_) => Err(Refusal::Status(400, Vec::new())),
            },
            AuthResult::Forbidden => Err(Refusal::Status(403, Vec::new())),
            AuthResult::BadRequest { .. } => Err(Refusal::Status(400, Vec::new())),
        }
    }

    /// §16.4 on `req`, in place. `Err` carries the status to answer with.
    pub(super) fn preprocess(&self, req: &mut Message) -> Result<(), u16> {
        let ruri = req.request_uri().and_then(Result::ok).ok_or(400u16)?;
        let routes: Vec<Route> = req
            .typed_all::<Route>()
            .collect::<Result<_, _>>()
            .map_err(|_| 400u16)?;
        // "If the Request-URI of the request contains a value this proxy
        // previously placed into a Record-Route header field ..., the proxy
        // MUST replace the Request-URI in the request with the last value
        // from the Route header field, and remove that value from the Route
        // header field." Our Record-Route URI has no user part.
        if let (Some(sip), Some(last)) = (ruri.as_sip(), routes.last()) {
            if sip.user_raw().is_none() && self.is_us(sip) {
                req.set_request_uri(last.uri());
                let rest: Vec<&str> = routes[..routes.len() - 1]
                    .iter()
                    .map(|r| r.as_str())
                    .collect();
                set_routes(req, &rest);
            }
        }
        // "If the Request-URI has a maddr parameter with a value the proxy
        // is responsible for, and the request was received using the port
        // and transport indicated ... in the Request-URI, the proxy MUST
        // strip the maddr and any non-default port or transport parameter".
        let ruri = req.request_uri().and_then(Result::ok).ok_or(400u16)?;
        if let Some(sip) = ruri.as_sip() {
            if let Some(maddr) = sip.maddr() {
                let ours =
                    self.is_our_address(maddr, sip.port()) || self.is_responsible_for_host(maddr);
                if ours {
                    if let Some(stripped) = without_maddr(sip) {
                        req.set_request_uri(&stripped);
                    }
                }
            }
        }
        // "If the first value in the Route header field indicates this
        // proxy, the proxy MUST remove that value from the request."
        let top_is_us = req
            .typed_opt::<Route>()
            .ok()
            .flatten()
            .and_then(|r| r.uri().as_sip().map(|s| self.is_us(s)))
            .unwrap_or(false);
        if top_is_us {
            req.remove_first_value(&HeaderName::Route);
        }
        Ok(())
    }

    /// §16.5 with the location service: every binding of the canonical
    /// address-of-record, most preferred first ("the Request-URI MUST first
    /// be canonicalized as described in Section 10.3 before being used as
    /// an index").
    fn lookup(&self, now: Instant, ruri: &Uri) -> Vec<Dest> {
        let Some(aor) = canonical_aor(ruri) else {
            return Vec::new();
        };
        let dests = self
            .location()
            .lookup_by_preference(now, &aor)
            .into_iter()
            .map(|b| Dest {
                uri: b.uri().clone(),
                q: b.q,
                path: b.path.clone(),
                source: b.source,
            })
            .collect();
        dedup(dests)
    }

    fn registrar_is_responsible(&self, ruri: &sip_message::SipUri) -> bool {
        match &self.store {
            Store::Registrar(r) => r.config().is_local_domain(ruri.host()) || self.is_us(ruri),
            Store::Location(_) => false,
        }
    }

    /// A REGISTER for the registrar (§10.3), challenged first when
    /// registration authentication is on (step 3).
    fn register(&mut self, now: Instant, tx: TxId, req: &Message, source: Source) {
        let user = match self.register_auth.as_mut() {
            None => None,
            Some(auth) => match auth.verify(now, req, false) {
                AuthResult::Authorized { username } => Some(username),
                AuthResult::Challenge { stale } => {
                    let refusal = match auth.challenge_response(now, req, false, stale) {
                        Ok(m) => Refusal::Response(Box::new(m)),
                        Err(_) => Refusal::Status(400, Vec::new()),
                    };
                    return self.respond(now, tx, req, refusal);
                }
                AuthResult::Forbidden => {
                    return self.respond(now, tx, req, Refusal::Status(403, Vec::new()))
                }
                AuthResult::BadRequest { .. } => {
                    return self.respond(now, tx, req, Refusal::Status(400, Vec::new()))
                }
            },
        };
        let Store::Registrar(registrar) = &mut self.store else {
            return;
        };
        let ctx = RegisterContext {
            authorized_user: user.as_deref(),
            source: Some(source.remote),
            date: self.hooks.date(now),
        };
        let response = registrar.handle_with(now, req, &ctx);
        self.respond(now, tx, req, Refusal::Response(Box::new(response)));
    }

    /// §16.10: "If a matching response context is found, the element MUST
    /// immediately return a 200 (OK) response to the CANCEL request" and
    /// "MUST generate CANCEL requests for all pending client transactions
    /// in the context".
    ///
    /// A CANCEL matching no INVITE server transaction gets 481 rather than
    /// being forwarded statelessly as §16.10 says: this proxy forwards every
    /// INVITE statefully, with branch parameters of its own, so no element
    /// downstream could match a CANCEL it did not build itself.
    fn on_cancel(&mut self, now: Instant, tx: TxId, req: &Message, cancels: Option<TxId>) {
        let Some(invite) = cancels else {
            return self.respond(now, tx, req, Refusal::Status(481, Vec::new()));
        };
        self.respond(now, tx, req, Refusal::Status(200, Vec::new()));
        if self.contexts.contains_key(&invite) {
            self.cancel_context(now, invite);
        }
    }

    /// An ACK for a 2xx (a request of its own, §17.1.1.3): routed like any
    /// request (§16.4, §16.5 without forking, §16.6) and sent statelessly.
    /// "Servers MUST NOT attempt to challenge an ACK" (§22.1), and an ACK
    /// is never answered, so one that cannot be routed is dropped.
    pub(super) fn on_ack(&mut self, now: Instant, ack: Message, source: Source) {
        // §16.3 step 3: the element "MUST NOT forward" at Max-Forwards 0.
        if matches!(
            ack.typed_opt::<MaxForwards>(),
            Ok(Some(MaxForwards(0))) | Err(_)
        ) {
            return;
        }
        let mut base = ack;
        if self.preprocess(&mut base).is_err() {
            return;
        }
        let Ok((ruri, responsible, has_route)) = self.classify(&base) else {
            return;
        };
        let has_user = ruri.as_sip().is_some_and(|s| s.user_raw().is_some());
        let info = RequestInfo {
            source,
            user: None,
            responsible,
            in_dialog: true,
        };
        let dest = match self.hooks.on_request(now, &mut base, &info) {
            RequestAction::Targets(t) => t.into_iter().next().map(Dest::new),
            _ if responsible && !has_route && has_user => {
                self.lookup(now, &ruri).into_iter().next()
            }
            _ => Some(Dest::new(ruri.clone())),
        };
        let Some(dest) = dest else { return };
        let Ok((mut copy, hop)) = build_copy(&base, &dest, None) else {
            return;
        };
        let source_hint = hop.is_dest.then_some(dest.source).flatten();
        let Some(mut target) = self.next_hop(now, &hop.uri, source_hint) else {
            return;
        };
        self.hooks.on_forward(now, &mut copy, &mut target, &info);
        if self.layer.send_stateless(now, copy, target).is_ok() {
            self.stats.stateless += 1;
        }
    }

    /// §16.7: a response matching no client transaction is processed "as a
    /// stateless proxy": §16.11, "If that address matches the proxy ... the
    /// proxy MUST remove that header field value from the response and
    /// forward the result to the location indicated in the next Via header
    /// field value. ... If the address does not match the proxy, the
    /// message MUST be silently discarded." This is how a 2xx retransmitted
    /// after its client transaction ended still reaches the caller.
    pub(super) fn on_stray_response(&mut self, now: Instant, mut response: Message) {
        let ours = response
            .typed::<Via>()
            .is_ok_and(|v| self.sent_by_is_us(&v));
        if !ours {
            return;
        }
        response.remove_first_value(&HeaderName::Via);
        if !response.has_header(&HeaderName::Via) {
            return;
        }
        self.hooks.on_response(now, None, &mut response);
        if self.layer.send_stateless_response(now, response).is_ok() {
            self.stats.stateless += 1;
        }
    }

    /// The Allow of our OPTIONS answers: what we answer as a UAS.
    fn allow(&self) -> String {
        if self.registrar().is_some() {
            "OPTIONS, REGISTER".to_owned()
        } else {
            "OPTIONS".to_owned()
        }
    }
}

/// The loop-detection hash of §16.6 step 8 (see the module docs): MD5 over
/// "the To tag, From tag, Call-ID header field, the Request-URI of the
/// request received (before translation) ... and the sequence number from
/// the CSeq header field, in addition to any Proxy-Require and
/// Proxy-Authorization header fields", and the Route values ("including
/// any Route, Proxy-Require and Proxy-Authorization header fields").
pub(super) fn loop_key(req: &Message) -> [u8; 16] {
    let mut h = Md5::new();
    let mut field = |name: &str, value: &str| {
        h.update(name.as_bytes());
        h.update(b"\0");
        h.update(value.as_bytes());
        h.update(b"\0");
    };
    field("ruri", req.request_uri_str().unwrap_or_default());
    let to_tag = req
        .typed::<To>()
        .ok()
        .and_then(|t| t.tag().map(str::to_owned));
    field("to", to_tag.as_deref().unwrap_or_default());
    let from_tag = req
        .typed::<From>()
        .ok()
        .and_then(|t| t.tag().map(str::to_owned));
    field("from", from_tag.as_deref().unwrap_or_default());
    field("call-id", req.call_id().unwrap_or_default());
    let seq = req.typed::<CSeq>().map(|c| c.seq).unwrap_or_default();
    field("cseq", &seq.to_string());
    for name in [
        HeaderName::Route,
        HeaderName::ProxyRequire,
        HeaderName::ProxyAuthorization,
    ] {
        for v in req.header_values(&name) {
            field(name.as_str(), v);
        }
    }
    h.finalize().into()
}

/// Whether the authenticated `user` may use the From identity `from`: its
/// user part, `user@host`, or the whole canonical URI.
fn owns(user: &str, from: &sip_message::SipUri) -> bool {
    let Some(from_user) = from.user() else {
        return false;
    };
    match user.split_once('@') {
        None => user == from_user,
        Some((u, host)) => u == from_user && host.eq_ignore_ascii_case(from.host()),
    }
}

/// Replaces every Route line by one line holding `values` in order, where
/// the first Route line was (§7.3.1: the combined line is equivalent).
pub(super) fn set_routes(req: &mut Message, values: &[&str]) {
    let at = req
        .headers()
        .position(|h| h.name == HeaderName::Route)
        .unwrap_or(0);
    req.remove_header(&HeaderName::Route);
    if !values.is_empty() {
        let at = at.min(req.header_count());
        req.insert_header(at, HeaderName::Route, &values.join(", "));
    }
}

/// The URI without `maddr`, its port and `transport`.
fn without_maddr(sip: &sip_message::SipUri) -> Option<Uri> {
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
    for (name, value) in sip.params() {
        if name.eq_ignore_ascii_case("maddr") || name.eq_ignore_ascii_case("transport") {
            continue;
        }
        s.push(';');
        s.push_str(name);
        if let Some(v) = value {
            s.push('=');
            s.push_str(v);
        }
    }
    Uri::parse(&s).ok()
}

/// §16.5: "If a target URI is already present in the set (based on the
/// definition of equality for the URI type), it MUST NOT be added again."
fn dedup(dests: Vec<Dest>) -> Vec<Dest> {
    let mut out: Vec<Dest> = Vec::with_capacity(dests.len());
    for d in dests {
        if !out.iter().any(|o| o.uri == d.uri) {
            out.push(d);
        }
    }
    out
}
