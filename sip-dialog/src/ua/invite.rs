//! Calls: INVITE, ACK, CANCEL, BYE and re-INVITE on both sides
//! (RFC 3261 §9, §13, §14, §15).

use std::time::{Duration, Instant};

use sip_message::{CSeq, Contact, HeaderName, Message, Method, Require, Uri};
use sip_transaction::{Source, Target, Transport, TxId};

use super::{
    Body, Call, CallHandle, CallState, OurReinvite, Purpose, UaError, UaEvent, UaTimer, UserAgent,
};
use crate::dialog::{Dialog, DialogError, DialogId};

impl Call {
    fn new(caller: bool, invite: Message, seq: u32, local_tag: String) -> Self {
        Self {
            caller,
            state: if caller {
                CallState::Calling
            } else {
                CallState::Early
            },
            invite,
            invite_tx: None,
            invite_seq: seq,
            early: Vec::new(),
            dialog: None,
            redirects: Vec::new(),
            tried: Vec::new(),
            cancel_pending: false,
            ack: None,
            local_tag,
            ok: None,
            ok_since: None,
            source: None,
            our_reinvite: None,
            their_reinvite: None,
            local_body: None,
            hangup: false,
            referrer: None,
        }
    }
}

impl UserAgent {
    // ================================================================ caller

    /// Calls `to`: sends an INVITE (with `body`, normally an SDP offer)
    /// outside any dialog, to the outbound proxy or the URI's address.
    ///
    /// # Errors
    /// [`UaError::NoRoute`] if there is nowhere to send it,
    /// [`UaError::Send`] if the transaction layer refuses.
    pub fn call(
        &mut self,
        now: Instant,
        to: Uri,
        body: Option<Body>,
    ) -> Result<CallHandle, UaError> {
        self.call_with(now, to, body, None)
    }

    pub(super) fn call_with(
        &mut self,
        now: Instant,
        to: Uri,
        body: Option<Body>,
        referred_by: Option<&str>,
    ) -> Result<CallHandle, UaError> {
        let target = self.target_for(&to)?;
        let tag = self.layer.ids().tag();
        let host = self.cfg.aor.as_sip().map(|s| s.host().to_owned());
        let call_id = self.layer.ids().call_id(host.as_deref());
        let b = Message::request(Method::Invite, to.clone())
            .header(HeaderName::To, &format!("<{to}>"))
            .header(HeaderName::From, &self.our_from(&tag))
            .header(HeaderName::CallId, &call_id)
            .header(HeaderName::CSeq, "1 INVITE")
            .header(HeaderName::MaxForwards, "70")
            .header(HeaderName::Allow, &self.allow_value());
        let b = match referred_by {
            Some(by) => b.header(HeaderName::ReferredBy, by),
            None => b,
        };
        let invite = self.finish(b, true, body.as_ref())?;
        let tx = self.layer.send_request(now, invite.clone(), target)?;
        let call = CallHandle(self.next_id());
        let mut c = Call::new(true, invite, 1, tag);
        c.invite_tx = Some(tx);
        c.tried.push(to);
        c.local_body = body;
        self.txs.insert(tx, Purpose::Invite(call));
        self.calls.insert(call, c);
        Ok(call)
    }

    /// Ends `call` the way its state allows: a BYE once established (§15);
    /// a CANCEL while the INVITE is pending (§9.1, held back until a
    /// provisional response arrives, and followed by ACK and BYE if a 2xx
    /// crosses it); a 603 for an unanswered incoming call; after our 2xx, a
    /// BYE as soon as the ACK arrives (§15: not before).
    ///
    /// # Errors
    /// [`UaError::NoSuchCall`], or [`UaError::WrongState`] once terminated.
    pub fn hangup(&mut self, now: Instant, call: CallHandle) -> Result<(), UaError> {
        let mut c = self.calls.remove(&call).ok_or(UaError::NoSuchCall)?;
        let r = self.hangup_call(now, call, &mut c);
        self.calls.insert(call, c);
        r
    }

    fn hangup_call(&mut self, now: Instant, call: CallHandle, c: &mut Call) -> Result<(), UaError> {
        match (c.caller, c.state) {
            (_, CallState::Terminated) => Err(UaError::WrongState),
            (_, CallState::Established) => {
                self.end_with_bye(now, c);
                self.events.push_back(UaEvent::Ended {
                    call,
                    by_peer: false,
                });
                Ok(())
            }
            (true, CallState::Calling) => {
                c.hangup = true;
                c.cancel_pending = true;
                Ok(())
            }
            (true, _) => {
                c.hangup = true;
                if let Some(tx) = c.invite_tx {
                    match self.layer.send_cancel(now, tx) {
                        Ok(ctx) => {
                            self.txs.insert(ctx, Purpose::Cancel);
                        }
                        Err(_) => c.cancel_pending = true,
                    }
                }
                Ok(())
            }
            (false, CallState::Answered) => {
                c.hangup = true;
                Ok(())
            }
            (false, _) => {
                self.send_final(now, c, 603, None)?;
                c.state = CallState::Terminated;
                self.forget_dialog(c);
                Ok(())
            }
        }
    }

    // ================================================================ callee

    /// Sends `180 Ringing` for an incoming call, which makes the early
    /// dialog (§12.1.1).
    ///
    /// # Errors
    /// [`UaError::WrongState`] unless the call is incoming and unanswered.
    pub fn ring(&mut self, now: Instant, call: CallHandle) -> Result<(), UaError> {
        let mut c = self.calls.remove(&call).ok_or(UaError::NoSuchCall)?;
        let r = (|| {
            if c.caller || c.state != CallState::Early {
                return Err(UaError::WrongState);
            }
            let tx = c.invite_tx.ok_or(UaError::WrongState)?;
            let b = c
                .invite
                .response_to(180, Some(&c.local_tag))
                .map_err(|e| UaError::Invalid(e.to_string()))?;
            let b = copy_record_route(&c.invite, b);
            let resp = self.finish(b, true, None)?;
            self.layer.send_response(now, tx, resp)?;
            if c.dialog.is_none() {
                let d = Dialog::uas(&c.invite, &c.local_tag, false)?;
                self.dialogs.insert(d.id().clone(), call);
                c.dialog = Some(d);
            }
            Ok(())
        })();
        self.calls.insert(call, c);
        r
    }

    /// Answers an incoming call with 200 and `body` (normally the SDP
    /// answer). The 2xx is retransmitted until the ACK arrives (§13.3.1.4:
    /// "starting at T1 seconds and doubles for each retransmission until it
    /// reaches T2 seconds"); without an ACK after 64*T1 the call is ended
    /// with a BYE.
    ///
    /// # Errors
    /// [`UaError::WrongState`] unless the call is incoming and unanswered.
    pub fn answer(
        &mut self,
        now: Instant,
        call: CallHandle,
        body: Option<Body>,
    ) -> Result<(), UaError> {
        let mut c = self.calls.remove(&call).ok_or(UaError::NoSuchCall)?;
        let r = (|| {
            if c.caller || c.state != CallState::Early {
                return Err(UaError::WrongState);
            }
            let tx = c.invite_tx.ok_or(UaError::WrongState)?;
            let b = c
                .invite
                .response_to(200, Some(&c.local_tag))
                .map_err(|e| UaError::Invalid(e.to_string()))?
                .header(HeaderName::Allow, &self.allow_value());
            let b = copy_record_route(&c.invite, b);
            let ok = self.finish(b, true, body.as_ref())?;
            self.layer.send_response(now, tx, ok.clone())?;
            let d = Dialog::uas(&c.invite, &c.local_tag, true)?;
            self.dialogs.insert(d.id().clone(), call);
            c.dialog = Some(d);
            c.state = CallState::Answered;
            c.ok = Some(ok);
            c.ok_since = Some(now);
            c.local_body = body;
            let t1 = self.cfg.timers.t1;
            self.schedule(now + t1, UaTimer::Retransmit2xx { call, interval: t1 });
            Ok(())
        })();
        self.calls.insert(call, c);
        r
    }

    /// Refuses an incoming call with a final `status` of 300-699.
    ///
    /// # Errors
    /// [`UaError::WrongState`] unless the call is incoming and unanswered.
    pub fn reject(&mut self, now: Instant, call: CallHandle, status: u16) -> Result<(), UaError> {
        let mut c = self.calls.remove(&call).ok_or(UaError::NoSuchCall)?;
        let r = if c.caller || c.state != CallState::Early || !(300..700).contains(&status) {
            Err(UaError::WrongState)
        } else {
            self.send_final(now, &mut c, status, None).map(|()| {
                c.state = CallState::Terminated;
            })
        };
        if c.state == CallState::Terminated {
            self.forget_dialog(&c);
        }
        self.calls.insert(call, c);
        r
    }

    fn send_final(
        &mut self,
        now: Instant,
        c: &mut Call,
        status: u16,
        body: Option<&Body>,
    ) -> Result<(), UaError> {
        let tx = c.invite_tx.ok_or(UaError::WrongState)?;
        let b = c
            .invite
            .response_to(status, Some(&c.local_tag))
            .map_err(|e| UaError::Invalid(e.to_string()))?;
        let resp = self.finish(b, false, body)?;
        self.layer.send_response(now, tx, resp)?;
        Ok(())
    }

    // ============================================================ re-INVITE

    /// Sends a re-INVITE on an established call (§14.1): a new offer in
    /// `body`, and our current Contact, so after a move the peer learns the
    /// new address. A 491 (glare) makes it retry after the random wait of
    /// §14.1.
    ///
    /// # Errors
    /// [`UaError::Pending`] while another re-INVITE is in progress (either
    /// direction), [`UaError::WrongState`] unless established.
    pub fn reinvite(
        &mut self,
        now: Instant,
        call: CallHandle,
        body: Option<Body>,
    ) -> Result<(), UaError> {
        let mut c = self.calls.remove(&call).ok_or(UaError::NoSuchCall)?;
        let r = (|| {
            if c.state != CallState::Established {
                return Err(UaError::WrongState);
            }
            if c.our_reinvite.is_some() || c.their_reinvite.is_some() {
                return Err(UaError::Pending);
            }
            let d = c.dialog.as_mut().ok_or(UaError::WrongState)?;
            let r = d.request(Method::Invite)?;
            let seq = d.local_seq().unwrap_or(1);
            let target = self.hop_target(&r.next_hop)?;
            let msg = self.finish(r.builder, true, body.as_ref())?;
            let tx = self.layer.send_request(now, msg.clone(), target)?;
            self.txs.insert(tx, Purpose::Reinvite(call));
            c.our_reinvite = Some(OurReinvite {
                body: body.clone(),
                tx: Some(tx),
                seq,
                sent: Some(msg),
            });
            c.local_body = body;
            Ok(())
        })();
        self.calls.insert(call, c);
        r
    }

    /// Accepts the peer's re-INVITE with 200 and `body` (the answer).
    ///
    /// # Errors
    /// [`UaError::WrongState`] if no re-INVITE is waiting.
    pub fn accept_reinvite(
        &mut self,
        now: Instant,
        call: CallHandle,
        body: Option<Body>,
    ) -> Result<(), UaError> {
        let mut c = self.calls.remove(&call).ok_or(UaError::NoSuchCall)?;
        let r = (|| {
            let (tx, req) = c.their_reinvite.take().ok_or(UaError::WrongState)?;
            let b = req
                .response_to(200, None)
                .map_err(|e| UaError::Invalid(e.to_string()))?;
            let ok = self.finish(b, true, body.as_ref())?;
            self.layer.send_response(now, tx, ok.clone())?;
            c.ok = Some(ok);
            c.ok_since = Some(now);
            c.local_body = body;
            let t1 = self.cfg.timers.t1;
            self.schedule(now + t1, UaTimer::Retransmit2xx { call, interval: t1 });
            Ok(())
        })();
        self.calls.insert(call, c);
        r
    }

    /// Refuses the peer's re-INVITE; the call goes on as before.
    ///
    /// # Errors
    /// [`UaError::WrongState`] if no re-INVITE is waiting.
    pub fn reject_reinvite(
        &mut self,
        now: Instant,
        call: CallHandle,
        status: u16,
    ) -> Result<(), UaError> {
        let mut c = self.calls.remove(&call).ok_or(UaError::NoSuchCall)?;
        let r = (|| {
            let (tx, req) = c.their_reinvite.take().ok_or(UaError::WrongState)?;
            let b = req
                .response_to(status, None)
                .map_err(|e| UaError::Invalid(e.to_string()))?;
            let resp = self.finish(b, false, None)?;
            self.layer.send_response(now, tx, resp)?;
            Ok(())
        })();
        self.calls.insert(call, c);
        r
    }

    // ======================================================= network input

    /// A response to our INVITE (§13.2.2).
    pub(super) fn invite_response(
        &mut self,
        now: Instant,
        call: CallHandle,
        tx: TxId,
        resp: Message,
    ) {
        let Some(mut c) = self.calls.remove(&call) else {
            return;
        };
        let status = resp.status().unwrap_or(0);
        match status {
            0..=99 => {}
            // §9.1: a CANCEL may go once any provisional response arrived,
            // the 100 a proxy sends at once included.
            100 => {
                if c.cancel_pending {
                    if let Ok(ctx) = self.layer.send_cancel(now, tx) {
                        self.txs.insert(ctx, Purpose::Cancel);
                        c.cancel_pending = false;
                    }
                }
            }
            101..=199 => {
                if let Some(id) = DialogId::of_incoming_response(&resp) {
                    if !c.early.iter().any(|d| *d.id() == id) {
                        if let Ok(d) = Dialog::uac(&c.invite, &resp) {
                            self.dialogs.insert(id, call);
                            c.early.push(d);
                        }
                    }
                }
                if c.state == CallState::Calling {
                    c.state = CallState::Early;
                }
                if c.cancel_pending {
                    if let Ok(ctx) = self.layer.send_cancel(now, tx) {
                        self.txs.insert(ctx, Purpose::Cancel);
                        c.cancel_pending = false;
                    }
                }
                self.events.push_back(UaEvent::Progress {
                    call,
                    response: resp,
                });
            }
            200..=299 => self.invite_2xx(now, call, &mut c, resp),
            401 | 407 if !c.hangup => {
                // §22.2: answer the challenge once, with the next CSeq.
                let retry = self.auth.authorize_retry(&c.invite, &resp).ok();
                let target = self.layer.target(tx);
                let sent = retry.zip(target).and_then(|(m, t)| {
                    let id = self.layer.send_request(now, m.clone(), t).ok()?;
                    Some((m, id))
                });
                match sent {
                    Some((invite, id)) => {
                        self.txs.insert(id, Purpose::Invite(call));
                        c.invite_seq = invite.typed::<CSeq>().map_or(c.invite_seq + 1, |s| s.seq);
                        c.invite = invite;
                        c.invite_tx = Some(id);
                        self.forget_early(call, &mut c);
                        c.state = CallState::Calling;
                    }
                    None => self.next_target_or_fail(now, call, &mut c, status, Some(resp)),
                }
            }
            300..=399 if !c.hangup => {
                let mut contacts: Vec<(u16, Uri)> = resp
                    .typed_all::<Contact>()
                    .filter_map(Result::ok)
                    .filter_map(|ct| Some((ct.q().unwrap_or(1000), ct.address()?.uri().clone())))
                    .filter(|(_, u)| !c.tried.contains(u) && !c.redirects.contains(u))
                    .collect();
                // §8.1.3.4: "in the order of their q-value", stable for ties.
                contacts.sort_by_key(|c| std::cmp::Reverse(c.0));
                c.redirects.extend(contacts.into_iter().map(|(_, u)| u));
                self.next_target_or_fail(now, call, &mut c, status, Some(resp));
            }
            _ => self.next_target_or_fail(now, call, &mut c, status, Some(resp)),
        }
        let state = c.state;
        self.calls.insert(call, c);
        // A call placed for a REFER reports its progress to the referrer:
        // provisional responses, and the outcome once the call has one.
        let report = match status {
            101..=199 => true,
            200..=299 => state == CallState::Established,
            _ => state == CallState::Terminated,
        };
        if report {
            self.report_to_referrer(now, call, status);
        }
    }

    /// §13.2.2.4: the 2xx confirms a dialog and gets an ACK; a
    /// retransmitted 2xx gets the same ACK again; a 2xx from another fork
    /// is acknowledged and its dialog ended with a BYE.
    fn invite_2xx(&mut self, now: Instant, call: CallHandle, c: &mut Call, resp: Message) {
        let Some(id) = DialogId::of_incoming_response(&resp) else {
            return;
        };
        if let Some(d) = &c.dialog {
            if *d.id() == id {
                if let Some((ack, target)) = c.ack.clone() {
                    let _ = self.layer.send_stateless(now, ack, target);
                }
            } else if let Ok(mut extra) = Dialog::uac(&c.invite, &resp) {
                // Another fork answered too: ACK it, then BYE it.
                self.send_ack(now, &extra, c.invite_seq);
                let _ = self.send_bye(now, &mut extra);
            }
            return;
        }
        let dialog = match c.early.iter().position(|d| *d.id() == id) {
            Some(i) => {
                let mut d = c.early.swap_remove(i);
                d.confirm(&resp).ok().map(|()| d)
            }
            None => Dialog::uac(&c.invite, &resp).ok(),
        };
        let Some(mut dialog) = dialog else { return };
        for d in c.early.drain(..) {
            if self.dialogs.get(d.id()) == Some(&call) {
                self.dialogs.remove(d.id());
            }
        }
        c.ack = self.send_ack(now, &dialog, c.invite_seq);
        self.dialogs.insert(dialog.id().clone(), call);
        if c.hangup {
            // Hung up while ringing and the 2xx crossed the CANCEL (§9.1).
            let _ = self.send_bye(now, &mut dialog);
            c.dialog = Some(dialog);
            c.state = CallState::Terminated;
            self.forget_dialog(c);
            self.events.push_back(UaEvent::Ended {
                call,
                by_peer: false,
            });
            return;
        }
        c.dialog = Some(dialog);
        c.state = CallState::Established;
        self.events.push_back(UaEvent::Answered {
            call,
            response: resp,
        });
    }

    /// Tries the next redirect target (§8.1.3.4), or ends the call.
    pub(super) fn next_target_or_fail(
        &mut self,
        now: Instant,
        call: CallHandle,
        c: &mut Call,
        status: u16,
        resp: Option<Message>,
    ) {
        self.forget_early(call, c);
        while !c.hangup && !c.redirects.is_empty() {
            let uri = c.redirects.remove(0);
            c.tried.push(uri.clone());
            let Ok(target) = self.target_for(&uri) else {
                continue;
            };
            let mut invite = c.invite.clone();
            invite.set_request_uri(&uri);
            c.invite_seq += 1;
            invite.set_header(HeaderName::CSeq, &format!("{} INVITE", c.invite_seq));
            if let Ok(tx) = self.layer.send_request(now, invite.clone(), target) {
                self.txs.insert(tx, Purpose::Invite(call));
                c.invite = invite;
                c.invite_tx = Some(tx);
                c.state = CallState::Calling;
                return;
            }
        }
        c.state = CallState::Terminated;
        self.events.push_back(UaEvent::Failed {
            call,
            status,
            response: resp,
        });
    }

    /// A response to our re-INVITE (§14.1).
    pub(super) fn reinvite_response(&mut self, now: Instant, call: CallHandle, resp: Message) {
        let Some(mut c) = self.calls.remove(&call) else {
            return;
        };
        let status = resp.status().unwrap_or(0);
        match status {
            0..=199 => {}
            200..=299 => {
                if let Some(d) = c.dialog.as_mut() {
                    d.handle_response(&resp);
                }
                let seq = c.our_reinvite.as_ref().map_or(c.invite_seq, |r| r.seq);
                if let Some(d) = c.dialog.clone() {
                    c.ack = self.send_ack(now, &d, seq);
                }
                if c.our_reinvite.take().is_some() {
                    self.events.push_back(UaEvent::ReinviteDone {
                        call,
                        response: resp,
                    });
                }
            }
            401 | 407 if self.reinvite_authorized(now, &mut c, call, &resp) => {}
            491 => {
                // §14.1: "If the UAC ... is the owner of the Call-ID ... T has a
                // randomly chosen value between 2.1 and 4 seconds in units of 10
                // ms. If the UAC ... is not the owner of the Call-ID, T has a
                // randomly chosen value of between 0 and 2 seconds".
                let r = self.layer.ids().next_u32();
                let ms = if c.caller {
                    2100 + (r % 191) * 10
                } else {
                    (r % 201) * 10
                };
                if let Some(our) = c.our_reinvite.as_mut() {
                    our.tx = None;
                }
                self.schedule(
                    now + Duration::from_millis(u64::from(ms)),
                    UaTimer::GlareRetry { call },
                );
            }
            _ => {
                c.our_reinvite = None;
                self.events
                    .push_back(UaEvent::ReinviteFailed { call, status });
                // §12.2.1.2: "If the response for a request within a dialog is
                // a 481 (Call/Transaction Does Not Exist) or a 408 (Request
                // Timeout), the UAC SHOULD terminate the dialog."
                if matches!(status, 408 | 481) && c.state == CallState::Established {
                    self.end_with_bye(now, &mut c);
                    self.events.push_back(UaEvent::Ended {
                        call,
                        by_peer: true,
                    });
                }
            }
        }
        self.calls.insert(call, c);
    }

    /// An INVITE outside any dialog: a new incoming call.
    pub(super) fn incoming_invite(&mut self, tx: TxId, req: Message, source: Source) {
        let call = CallHandle(self.next_id());
        let seq = req.typed::<CSeq>().map(|c| c.seq).unwrap_or(1);
        let tag = self.layer.ids().tag();
        let mut c = Call::new(false, req.clone(), seq, tag);
        c.invite_tx = Some(tx);
        c.source = Some(source);
        self.txs.insert(tx, Purpose::ServerInvite(call));
        self.calls.insert(call, c);
        self.events
            .push_back(UaEvent::IncomingCall { call, invite: req });
    }

    /// A CANCEL (§9.2): 200 for the CANCEL, then 487 for the INVITE if it
    /// is still unanswered; 481 if it matches nothing.
    pub(super) fn incoming_cancel(
        &mut self,
        now: Instant,
        tx: TxId,
        req: &Message,
        cancels: Option<TxId>,
    ) {
        let call = cancels.and_then(|inv| match self.txs.get(&inv) {
            Some(Purpose::ServerInvite(call)) => Some(*call),
            _ => None,
        });
        let Some(call) = call else {
            self.reply(now, tx, req, 481);
            return;
        };
        self.reply(now, tx, req, 200);
        let Some(mut c) = self.calls.remove(&call) else {
            return;
        };
        if c.state == CallState::Early {
            let _ = self.send_final(now, &mut c, 487, None);
            c.state = CallState::Terminated;
            self.forget_dialog(&c);
            self.events.push_back(UaEvent::Cancelled { call });
        }
        self.calls.insert(call, c);
    }

    /// A request within one of our dialogs (§12.2.2).
    pub(super) fn in_dialog_request(
        &mut self,
        now: Instant,
        call: CallHandle,
        tx: TxId,
        req: Message,
    ) {
        let Some(mut c) = self.calls.remove(&call) else {
            self.reply(now, tx, &req, 481);
            return;
        };
        let check = match c.dialog.as_mut() {
            Some(d) => d.handle_request(&req),
            None => match c
                .early
                .iter_mut()
                .find(|d| Some(d.id()) == DialogId::of_incoming_request(&req).as_ref())
            {
                Some(d) => d.handle_request(&req),
                None => Err(DialogError::WrongDialog),
            },
        };
        match check {
            Err(DialogError::OutOfOrder { .. }) => self.reply(now, tx, &req, 500),
            Err(_) => self.reply(now, tx, &req, 481),
            Ok(()) => match req.method() {
                Some(Method::Bye) => {
                    self.reply(now, tx, &req, 200);
                    let was = c.state;
                    c.state = CallState::Terminated;
                    c.ok = None;
                    self.forget_dialog(&c);
                    if was != CallState::Terminated {
                        self.events.push_back(UaEvent::Ended {
                            call,
                            by_peer: true,
                        });
                    }
                }
                Some(Method::Invite) => {
                    if c.our_reinvite.as_ref().is_some_and(|r| r.tx.is_some()) {
                        // §14.2: "a UAS that receives an INVITE on a dialog while
                        // an INVITE it had sent on that dialog is in progress
                        // MUST return a 491 (Request Pending)".
                        self.reply(now, tx, &req, 491);
                    } else if c.their_reinvite.is_some() || c.ok.is_some() {
                        // §14.2: a second INVITE before the final response to
                        // the first "MUST return a 500 ... with a Retry-After".
                        self.reply_with(now, tx, &req, 500, &[("Retry-After", "1")]);
                    } else {
                        c.their_reinvite = Some((tx, req.clone()));
                        self.events
                            .push_back(UaEvent::Reinvite { call, request: req });
                    }
                }
                Some(Method::Refer) => {
                    self.calls.insert(call, c);
                    return self.incoming_refer(now, call, tx, req);
                }
                Some(Method::Notify)
                    if req
                        .header(&HeaderName::Event)
                        .is_some_and(|e| e.trim().to_ascii_lowercase().starts_with("refer")) =>
                {
                    self.calls.insert(call, c);
                    return self.incoming_refer_notify(now, call, tx, &req);
                }
                _ => self.events.push_back(UaEvent::Request {
                    tx,
                    call: Some(call),
                    request: req,
                }),
            },
        }
        self.calls.insert(call, c);
    }

    /// An ACK for one of our 2xx: the callee's call is established
    /// (§13.3.1.4), or a re-INVITE's answer is acknowledged.
    pub(super) fn on_ack(&mut self, now: Instant, ack: Message) {
        let Some(id) = DialogId::of_incoming_request(&ack) else {
            return;
        };
        let Some(&call) = self.dialogs.get(&id) else {
            return;
        };
        let Some(mut c) = self.calls.remove(&call) else {
            return;
        };
        let seq = ack.typed::<CSeq>().map(|c| c.seq).ok();
        let acks_ok =
            c.ok.as_ref()
                .is_some_and(|ok| ok.typed::<CSeq>().ok().map(|c| c.seq) == seq);
        if acks_ok {
            c.ok = None;
            if c.state == CallState::Answered {
                c.state = CallState::Established;
                self.events.push_back(UaEvent::Confirmed { call, ack });
                if c.hangup {
                    self.end_with_bye(now, &mut c);
                    self.events.push_back(UaEvent::Ended {
                        call,
                        by_peer: false,
                    });
                }
            }
        }
        self.calls.insert(call, c);
    }

    /// A 2xx after the INVITE transaction ended (§13.2.2.4: the UAC core
    /// "MUST ... generate an ACK" for each retransmission).
    pub(super) fn on_stray_response(&mut self, now: Instant, resp: &Message) {
        let is_invite_2xx = resp.status().is_some_and(|s| (200..300).contains(&s))
            && resp
                .typed::<CSeq>()
                .is_ok_and(|c| c.method == Method::Invite);
        if !is_invite_2xx {
            return;
        }
        let Some(id) = DialogId::of_incoming_response(resp) else {
            return;
        };
        let ack = self
            .dialogs
            .get(&id)
            .and_then(|call| self.calls.get(call))
            .and_then(|c| c.ack.clone());
        if let Some((ack, target)) = ack {
            let _ = self.layer.send_stateless(now, ack, target);
        }
    }

    /// §13.3.1.4: the next 2xx retransmission, or the BYE when 64*T1 passed
    /// without an ACK.
    pub(super) fn retransmit_2xx(&mut self, now: Instant, call: CallHandle, interval: Duration) {
        let Some(mut c) = self.calls.remove(&call) else {
            return;
        };
        if let (Some(ok), Some(since)) = (c.ok.clone(), c.ok_since) {
            if now >= since + self.cfg.timers.timeout() {
                // "If the server retransmits the 2xx response for 64*T1 seconds
                // without receiving an ACK, the dialog is confirmed, but the
                // session SHOULD be terminated. This is accomplished with a BYE."
                c.ok = None;
                c.state = CallState::Established;
                self.end_with_bye(now, &mut c);
                self.events.push_back(UaEvent::Ended {
                    call,
                    by_peer: false,
                });
            } else {
                let reliable = c.source.is_some_and(|s| s.transport == Transport::Tcp);
                if !reliable {
                    let sent = c
                        .invite_tx
                        .filter(|_| c.their_reinvite.is_none())
                        .is_some_and(|tx| self.layer.send_response(now, tx, ok.clone()).is_ok());
                    if !sent {
                        let _ = self.layer.send_stateless_response(now, ok);
                    }
                }
                // The last wait ends at 64*T1, when the BYE goes out.
                let next = (interval * 2).min(self.cfg.timers.t2);
                let at = (now + next).min(since + self.cfg.timers.timeout());
                self.schedule(
                    at,
                    UaTimer::Retransmit2xx {
                        call,
                        interval: next,
                    },
                );
            }
        }
        self.calls.insert(call, c);
    }

    // ============================================================== helpers

    /// Sends the ACK for a 2xx in `dialog` and returns it for re-sending.
    fn send_ack(&mut self, now: Instant, dialog: &Dialog, seq: u32) -> Option<(Message, Target)> {
        let r = dialog.ack(seq).ok()?;
        let target = self.hop_target(&r.next_hop).ok()?;
        let ack = self.finish(r.builder, false, None).ok()?;
        self.layer.send_stateless(now, ack.clone(), target).ok()?;
        Some((ack, target))
    }

    fn send_bye(&mut self, now: Instant, dialog: &mut Dialog) -> Result<(), UaError> {
        let r = dialog.request(Method::Bye)?;
        let target = self.hop_target(&r.next_hop)?;
        let bye = self.finish(r.builder, false, None)?;
        let tx = self.layer.send_request(now, bye.clone(), target)?;
        self.txs.insert(tx, Purpose::Bye { authorized: false });
        self.byes.insert(tx, bye);
        dialog.terminate();
        Ok(())
    }

    /// §22.2 inside a dialog: re-sends our challenged re-INVITE with
    /// credentials and the dialog's next CSeq. `false` when it cannot be
    /// answered (no credential, the same challenge again, a wrong
    /// password), and the re-INVITE fails.
    fn reinvite_authorized(
        &mut self,
        now: Instant,
        c: &mut Call,
        call: CallHandle,
        resp: &Message,
    ) -> bool {
        let Some(our) = c.our_reinvite.as_mut() else {
            return false;
        };
        let (Some(sent), Some(old_tx)) = (our.sent.as_ref(), our.tx) else {
            return false;
        };
        let Ok(mut retry) = self.auth.authorize_challenge(sent, resp) else {
            return false;
        };
        let (Some(d), Some(target)) = (c.dialog.as_mut(), self.layer.target(old_tx)) else {
            return false;
        };
        let seq = d.next_local_seq();
        retry.set_typed(&sip_message::CSeq::new(seq, Method::Invite));
        retry.remove_header(&sip_message::HeaderName::Via);
        let Ok(tx) = self.layer.send_request(now, retry.clone(), target) else {
            return false;
        };
        self.txs.insert(tx, Purpose::Reinvite(call));
        our.tx = Some(tx);
        our.seq = seq;
        our.sent = Some(retry);
        true
    }

    /// §22.2 for a BYE: resent once with credentials and the next CSeq
    /// (nothing else is sent in the dialog after a BYE, so that is the
    /// dialog's next number too).
    pub(super) fn bye_authorized(&mut self, now: Instant, tx: TxId, resp: &Message) -> bool {
        let Some(sent) = self.byes.get(&tx) else {
            return false;
        };
        let Ok(retry) = self.auth.authorize_retry(sent, resp) else {
            return false;
        };
        let Some(target) = self.layer.target(tx) else {
            return false;
        };
        let Ok(new_tx) = self.layer.send_request(now, retry.clone(), target) else {
            return false;
        };
        self.txs.insert(new_tx, Purpose::Bye { authorized: true });
        self.byes.insert(new_tx, retry);
        true
    }

    fn end_with_bye(&mut self, now: Instant, c: &mut Call) {
        if let Some(mut d) = c.dialog.take() {
            let _ = self.send_bye(now, &mut d);
            c.dialog = Some(d);
        }
        c.state = CallState::Terminated;
        c.ok = None;
        self.forget_dialog(c);
    }

    fn forget_early(&mut self, call: CallHandle, c: &mut Call) {
        for d in c.early.drain(..) {
            if self.dialogs.get(d.id()) == Some(&call) {
                self.dialogs.remove(d.id());
            }
        }
    }

    /// Drops the dialog's routing entry (the call stays, terminated).
    pub(super) fn forget_dialog(&mut self, c: &Call) {
        if let Some(d) = &c.dialog {
            self.dialogs.remove(d.id());
        }
        for d in &c.early {
            self.dialogs.remove(d.id());
        }
    }

    /// Option-tags in Require that we do not support (§8.2.2.3).
    pub(super) fn unsupported(&self, req: &Message) -> Vec<String> {
        req.typed_all::<Require>()
            .filter_map(Result::ok)
            .flat_map(|r| r.iter().map(str::to_owned).collect::<Vec<_>>())
            .filter(|t| !self.cfg.supported.iter().any(|s| s.eq_ignore_ascii_case(t)))
            .collect()
    }
}

/// §12.1.1: "When a UAS responds to a request with a response that
/// establishes a dialog (such as a 2xx to INVITE), the UAS MUST copy all
/// Record-Route header field values from the request into the response
/// (including the URIs, URI parameters, and any Record-Route header field
/// parameters, whether they are known or unknown to the UAS) and MUST
/// maintain the order of those values."
fn copy_record_route(
    req: &Message,
    mut b: sip_message::MessageBuilder,
) -> sip_message::MessageBuilder {
    for v in req.header_values(&HeaderName::RecordRoute) {
        b = b.header(HeaderName::RecordRoute, v);
    }
    b
}
