//! REFER (RFC 3515): asking the peer of a call to send a request to a
//! third party, and the NOTIFYs of the implicit subscription that report
//! how it went. Session mobility and call transfer use it.

use std::time::Instant;

use bytes::Bytes;
use sip_message::{HeaderName, Message, Method, ReferTo, SubscriptionState, Uri};
use sip_transaction::TxId;

use super::{Body, CallHandle, Purpose, RequestHandle, UaError, UaEvent, UserAgent};

/// How long the implicit subscription of an accepted REFER lasts
/// (RFC 3515 §2.4.4 leaves it to the notifier; 60 s is common).
const REFER_EXPIRES: u32 = 60;

impl UserAgent {
    /// Sends a REFER in `call`'s dialog asking the peer to call
    /// `refer_to` (RFC 3515 §2.4.1), with a Referred-By of our AOR (RFC
    /// 3892). The 202 comes as [`UaEvent::Response`]; the progress of the
    /// referred call as [`UaEvent::ReferNotify`].
    ///
    /// # Errors
    /// As [`request_in_dialog`](Self::request_in_dialog).
    pub fn refer(
        &mut self,
        now: Instant,
        call: CallHandle,
        refer_to: &Uri,
    ) -> Result<RequestHandle, UaError> {
        let mut c = self.calls.remove(&call).ok_or(UaError::NoSuchCall)?;
        let built = (|| {
            let d = c.dialog.as_mut().ok_or(UaError::WrongState)?;
            let r = d.request(Method::Refer)?;
            let target = self.hop_target(&r.next_hop)?;
            let b = r
                .builder
                .header(HeaderName::ReferTo, &format!("<{refer_to}>"))
                .header(HeaderName::ReferredBy, &format!("<{}>", self.cfg.aor));
            Ok::<_, UaError>((self.finish(b, true, None)?, target))
        })();
        self.calls.insert(call, c);
        let (msg, target) = built?;
        let tx = self.layer.send_request(now, msg.clone(), target)?;
        let h = RequestHandle(self.next_id());
        self.txs.insert(tx, Purpose::Request(h));
        self.requests.insert(h, msg);
        Ok(h)
    }

    /// Accepts a REFER handed up as [`UaEvent::Refer`]: 202 Accepted, then
    /// the first NOTIFY of the implicit subscription, `SIP/2.0 100 Trying`
    /// (RFC 3515 §2.4.4: the notifier "MUST" send one immediately).
    ///
    /// # Errors
    /// [`UaError::Send`] if the REFER's transaction is gone.
    pub fn accept_refer(
        &mut self,
        now: Instant,
        call: CallHandle,
        tx: TxId,
    ) -> Result<(), UaError> {
        self.respond(now, tx, 202, None)?;
        self.notify_refer(now, call, 100)
    }

    /// Calls the target of an accepted REFER (with its Referred-By) and
    /// reports the new call's progress to the referrer as NOTIFYs: each
    /// provisional and the final status, the final one ending the
    /// subscription (RFC 3515 §2.4.5).
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub fn call_for_refer(
        &mut self,
        now: Instant,
        referrer: CallHandle,
        refer_to: Uri,
        referred_by: Option<&str>,
        body: Option<Body>,
    ) -> Result<CallHandle, UaError> {
        let new = self.call_with(now, refer_to, body, referred_by)?;
        if let Some(c) = self.calls.get_mut(&new) {
            c.referrer = Some(referrer);
        }
        Ok(new)
    }

    /// Sends a NOTIFY with a `message/sipfrag` body `SIP/2.0 <status>` in
    /// `call`'s dialog; a final status (200 and above) terminates the
    /// implicit subscription.
    ///
    /// # Errors
    /// [`UaError::WrongState`] without a dialog.
    pub fn notify_refer(
        &mut self,
        now: Instant,
        call: CallHandle,
        status: u16,
    ) -> Result<(), UaError> {
        let mut c = self.calls.remove(&call).ok_or(UaError::NoSuchCall)?;
        let built = (|| {
            let d = c.dialog.as_mut().ok_or(UaError::WrongState)?;
            let r = d.request(Method::Notify)?;
            let target = self.hop_target(&r.next_hop)?;
            let state = if status >= 200 {
                "terminated;reason=noresource".to_owned()
            } else {
                format!("active;expires={REFER_EXPIRES}")
            };
            let b = r
                .builder
                .header(HeaderName::Event, "refer")
                .header(HeaderName::SubscriptionState, &state);
            let frag = Body {
                content_type: "message/sipfrag;version=2.0".into(),
                bytes: Bytes::from(format!(
                    "SIP/2.0 {status} {}\r\n",
                    sip_message::reason_phrase(status)
                )),
            };
            Ok::<_, UaError>((self.finish(b, true, Some(&frag))?, target))
        })();
        self.calls.insert(call, c);
        let (msg, target) = built?;
        let tx = self.layer.send_request(now, msg, target)?;
        self.txs.insert(tx, Purpose::Notify);
        Ok(())
    }

    /// A REFER within a call: handed up for the application to accept.
    pub(super) fn incoming_refer(
        &mut self,
        now: Instant,
        call: CallHandle,
        tx: TxId,
        req: Message,
    ) {
        // RFC 3515 §2.4.1: "An agent responding to a REFER method MUST return
        // a 400 (Bad Request) if the request contained zero or more than one
        // Refer-To header field values."
        let mut tos = req.typed_all::<ReferTo>();
        let refer_to = match (tos.next(), tos.next()) {
            (Some(Ok(to)), None) => to.uri().clone(),
            _ => return self.reply(now, tx, &req, 400),
        };
        let referred_by = req.header(&HeaderName::ReferredBy).map(str::to_owned);
        self.events.push_back(UaEvent::Refer {
            call,
            tx,
            refer_to,
            referred_by,
        });
    }

    /// A NOTIFY of a REFER's implicit subscription: 200, and the sipfrag's
    /// status handed up.
    pub(super) fn incoming_refer_notify(
        &mut self,
        now: Instant,
        call: CallHandle,
        tx: TxId,
        req: &Message,
    ) {
        self.reply(now, tx, req, 200);
        let status = std::str::from_utf8(req.body())
            .ok()
            .and_then(|b| b.split_whitespace().nth(1))
            .and_then(|s| s.parse::<u16>().ok());
        let terminated = req
            .typed::<SubscriptionState>()
            .is_ok_and(|s| s.substate_str().eq_ignore_ascii_case("terminated"));
        if let Some(status) = status {
            self.events.push_back(UaEvent::ReferNotify {
                call,
                status,
                terminated,
            });
        }
    }

    /// Reports a referred call's progress to its referrer.
    pub(super) fn report_to_referrer(&mut self, now: Instant, call: CallHandle, status: u16) {
        let Some(referrer) = self.calls.get(&call).and_then(|c| c.referrer) else {
            return;
        };
        if status >= 200 {
            if let Some(c) = self.calls.get_mut(&call) {
                c.referrer = None;
            }
        }
        let _ = self.notify_refer(now, referrer, status);
    }
}
