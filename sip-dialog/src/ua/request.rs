//! Requests other than INVITE, and the routing of every incoming message
//! to its call or request (RFC 3261 §8.1, §8.2, §11, §12.2).

use std::time::Instant;

use sip_message::{HeaderName, Message, Method, Uri};
use sip_transaction::{Source, TxId};

use super::{Body, CallHandle, Purpose, RequestHandle, UaError, UaEvent, UserAgent};
use crate::dialog::DialogId;

impl UserAgent {
    /// Sends a request outside any dialog (OPTIONS, MESSAGE, ...) to `to`.
    /// Its responses come as [`UaEvent::Response`].
    ///
    /// # Errors
    /// [`UaError::Invalid`] for INVITE, ACK or CANCEL (they have their own
    /// commands), [`UaError::NoRoute`], [`UaError::Send`].
    pub fn request(
        &mut self,
        now: Instant,
        method: Method,
        to: Uri,
        body: Option<Body>,
    ) -> Result<RequestHandle, UaError> {
        if matches!(method, Method::Invite | Method::Ack | Method::Cancel) {
            return Err(UaError::Invalid(format!("{method} has its own command")));
        }
        let target = self.target_for(&to)?;
        let tag = self.layer.ids().tag();
        let host = self.cfg.aor.as_sip().map(|s| s.host().to_owned());
        let call_id = self.layer.ids().call_id(host.as_deref());
        let b = Message::request(method.clone(), to.clone())
            .header(HeaderName::To, &format!("<{to}>"))
            .header(HeaderName::From, &self.our_from(&tag))
            .header(HeaderName::CallId, &call_id)
            .header(HeaderName::CSeq, &format!("1 {method}"))
            .header(HeaderName::MaxForwards, "70");
        let contact = matches!(method, Method::Subscribe | Method::Refer | Method::Register);
        let msg = self.finish(b, contact, body.as_ref())?;
        self.send_tracked(now, msg, target)
    }

    /// Sends a request within `call`'s dialog (INFO, UPDATE, MESSAGE,
    /// REFER, ...). Its responses come as [`UaEvent::Response`].
    ///
    /// # Errors
    /// [`UaError::WrongState`] without a dialog, [`UaError::Invalid`] for
    /// INVITE (use [`reinvite`](Self::reinvite)), ACK or CANCEL.
    pub fn request_in_dialog(
        &mut self,
        now: Instant,
        call: CallHandle,
        method: Method,
        body: Option<Body>,
    ) -> Result<RequestHandle, UaError> {
        if matches!(method, Method::Invite | Method::Ack | Method::Cancel) {
            return Err(UaError::Invalid(format!("{method} has its own command")));
        }
        let contact = matches!(method, Method::Update | Method::Refer | Method::Subscribe);
        let mut c = self.calls.remove(&call).ok_or(UaError::NoSuchCall)?;
        let built = (|| {
            let d = c.dialog.as_mut().ok_or(UaError::WrongState)?;
            let r = d.request(method)?;
            let target = self.hop_target(&r.next_hop)?;
            Ok::<_, UaError>((self.finish(r.builder, contact, body.as_ref())?, target))
        })();
        self.calls.insert(call, c);
        let (msg, target) = built?;
        self.send_tracked(now, msg, target)
    }

    fn send_tracked(
        &mut self,
        now: Instant,
        msg: Message,
        target: sip_transaction::Target,
    ) -> Result<RequestHandle, UaError> {
        let tx = self.layer.send_request(now, msg.clone(), target)?;
        let h = RequestHandle(self.next_id());
        self.txs.insert(tx, Purpose::Request(h));
        self.requests.insert(h, msg);
        Ok(h)
    }

    /// Answers a request handed up as [`UaEvent::Request`] with `status`
    /// and an optional body. A 2xx to a request outside a dialog gets a To
    /// tag of ours.
    ///
    /// # Errors
    /// [`UaError::Send`] if the transaction is gone or already answered.
    pub fn respond(
        &mut self,
        now: Instant,
        tx: TxId,
        status: u16,
        body: Option<Body>,
    ) -> Result<(), UaError> {
        let req = self
            .layer
            .request(tx)
            .cloned()
            .ok_or(UaError::Send(sip_transaction::SendError::NoSuchTransaction))?;
        let tag = (status >= 200).then(|| self.layer.ids().tag());
        let b = req
            .response_to(status, tag.as_deref())
            .map_err(|e| UaError::Invalid(e.to_string()))?;
        let resp = self.finish(b, false, body.as_ref())?;
        self.layer.send_response(now, tx, resp)?;
        Ok(())
    }

    // ========================================================= dispatching

    /// A request that created a server transaction.
    pub(super) fn on_request(
        &mut self,
        now: Instant,
        tx: TxId,
        req: Message,
        source: Source,
        cancels: Option<TxId>,
    ) {
        let Some(method) = req.method().cloned() else {
            return;
        };
        if method == Method::Cancel {
            return self.incoming_cancel(now, tx, &req, cancels);
        }
        // §8.2.2.1: "If the Request-URI uses a scheme not supported by the
        // UAS, it SHOULD reject the request with a 416".
        let scheme_ok = req
            .request_uri()
            .and_then(Result::ok)
            .is_some_and(|u| u.as_sip().is_some() || u.scheme().eq_ignore_ascii_case("tel"));
        if !scheme_ok {
            return self.reply(now, tx, &req, 416);
        }
        if let Some(id) = DialogId::of_incoming_request(&req) {
            match self.dialogs.get(&id).copied() {
                Some(call) => self.in_dialog_request(now, call, tx, req),
                // §12.2.2: "If the UAS wishes to reject the request because
                // it does not wish to recreate the dialog, it MUST respond to
                // the request with a 481".
                None => self.reply(now, tx, &req, 481),
            }
            return;
        }
        // §8.2.1: "If the UAS does not support the method ... it MUST
        // generate a 405 ... [and] MUST also add an Allow header field".
        if !self.cfg.methods.contains(&method) {
            let allow = self.allow_value();
            return self.reply_with(now, tx, &req, 405, &[("Allow", &allow)]);
        }
        // §8.2.2.3: unknown option-tags in Require get 420 with Unsupported.
        let unsupported = self.unsupported(&req);
        if !unsupported.is_empty() {
            let list = unsupported.join(", ");
            return self.reply_with(now, tx, &req, 420, &[("Unsupported", &list)]);
        }
        // §8.2.3: a body of a type we do not understand gets 415 with Accept.
        if !req.body().is_empty() {
            let ct = req.header(&HeaderName::ContentType).unwrap_or("");
            let ct = ct.split(';').next().unwrap_or("").trim();
            if !self.cfg.accept.iter().any(|a| a.eq_ignore_ascii_case(ct)) {
                let accept = self.cfg.accept.join(", ");
                return self.reply_with(now, tx, &req, 415, &[("Accept", &accept)]);
            }
        }
        match method {
            Method::Invite => self.incoming_invite(tx, req, source),
            // §11.2: OPTIONS is answered as an INVITE would be, with the
            // capabilities.
            Method::Options => {
                let allow = self.allow_value();
                let accept = self.cfg.accept.join(", ");
                let supported = self.cfg.supported.join(", ");
                let mut extra = vec![("Allow", allow.as_str()), ("Accept", accept.as_str())];
                if !supported.is_empty() {
                    extra.push(("Supported", supported.as_str()));
                }
                self.reply_with(now, tx, &req, 200, &extra);
            }
            _ => self.events.push_back(UaEvent::Request {
                tx,
                call: None,
                request: req,
            }),
        }
    }

    /// A response to one of our client transactions.
    pub(super) fn on_response(&mut self, now: Instant, tx: TxId, resp: Message) {
        match self.txs.get(&tx).copied() {
            Some(Purpose::Invite(call)) => self.invite_response(now, call, tx, resp),
            Some(Purpose::Reinvite(call)) => self.reinvite_response(now, call, resp),
            Some(Purpose::Register(h)) => self.register_response(now, h, resp),
            // §22.2: a challenged BYE goes again, once, with credentials;
            // the call is over for us either way (§15.1.1).
            Some(Purpose::Bye { authorized: false })
                if matches!(resp.status(), Some(401 | 407)) =>
            {
                self.bye_authorized(now, tx, &resp);
            }
            Some(Purpose::Request(h)) => {
                // §22.2: a challenge is answered once with credentials, in a
                // new transaction with the next CSeq.
                if matches!(resp.status(), Some(401 | 407))
                    && self.retry_authorized(now, tx, h, &resp)
                {
                    return;
                }
                if resp.status().is_some_and(|s| s >= 200) {
                    self.requests.remove(&h);
                }
                self.events.push_back(UaEvent::Response {
                    request: h,
                    response: resp,
                });
            }
            _ => {}
        }
    }

    /// Re-sends request `h` with credentials for the challenge in `resp`;
    /// `false` when it cannot be answered (no credential, wrong password).
    fn retry_authorized(
        &mut self,
        now: Instant,
        tx: TxId,
        h: RequestHandle,
        resp: &Message,
    ) -> bool {
        let Some(sent) = self.requests.get(&h).cloned() else {
            return false;
        };
        let Ok(mut retry) = self.auth.authorize_retry(&sent, resp) else {
            return false;
        };
        // Inside a dialog the CSeq is the dialog's next number, not simply
        // one more than the challenged request's (§12.2.1.1, §22.2).
        if let Some(call) =
            DialogId::of_incoming_response(resp).and_then(|id| self.dialogs.get(&id))
        {
            if let Some(d) = self.calls.get_mut(call).and_then(|c| c.dialog.as_mut()) {
                let method = sent.method().cloned().unwrap_or(Method::Options);
                retry.set_typed(&sip_message::CSeq::new(d.next_local_seq(), method));
            }
        }
        let Some(target) = self.layer.target(tx) else {
            return false;
        };
        match self.layer.send_request(now, retry.clone(), target) {
            Ok(new_tx) => {
                self.txs.insert(new_tx, Purpose::Request(h));
                self.requests.insert(h, retry);
                true
            }
            Err(_) => false,
        }
    }

    /// A client transaction that got no response (408) or could not be
    /// sent (503), §8.1.3.1.
    pub(super) fn on_failure(&mut self, now: Instant, tx: TxId, status: u16) {
        match self.txs.get(&tx).copied() {
            Some(Purpose::Invite(call)) => {
                if let Some(mut c) = self.calls.remove(&call) {
                    self.next_target_or_fail(now, call, &mut c, status, None);
                    let ended = c.state == super::CallState::Terminated;
                    self.calls.insert(call, c);
                    if ended {
                        self.report_to_referrer(now, call, status);
                    }
                }
            }
            Some(Purpose::Reinvite(call)) => {
                let resp = self
                    .calls
                    .get(&call)
                    .map(|c| c.invite.clone())
                    .and_then(|m| m.response_to(status, None).ok()?.build().ok());
                if let Some(resp) = resp {
                    self.reinvite_response(now, call, resp);
                }
            }
            Some(Purpose::Request(h)) => {
                self.requests.remove(&h);
                self.events
                    .push_back(UaEvent::RequestFailed { request: h, status });
            }
            Some(Purpose::Register(h)) => self.register_failed(now, h, status),
            _ => {}
        }
    }

    /// A stateless-looking answer on a server transaction.
    pub(super) fn reply(&mut self, now: Instant, tx: TxId, req: &Message, status: u16) {
        self.reply_with(now, tx, req, status, &[]);
    }

    pub(super) fn reply_with(
        &mut self,
        now: Instant,
        tx: TxId,
        req: &Message,
        status: u16,
        extra: &[(&str, &str)],
    ) {
        let tag = (status >= 200 && DialogId::of_incoming_request(req).is_none())
            .then(|| self.layer.ids().tag());
        let Ok(mut b) = req.response_to(status, tag.as_deref()) else {
            return;
        };
        for (n, v) in extra {
            b = b.header(*n, v);
        }
        if let Ok(resp) = b.build() {
            let _ = self.layer.send_response(now, tx, resp);
        }
    }
}
