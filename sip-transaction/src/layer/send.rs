//! The commands of the transaction user: requests, CANCEL, responses,
//! and what is sent outside any transaction.

use std::net::SocketAddr;
use std::time::Instant;

use sip_message::{ByteString, CSeq, HeaderName, Message, Method, Via};

use super::{ip_text, response_target, via, ClientKey, Entry, Key, TransactionLayer, Tx, TxId};
use crate::error::SendError;
use crate::transaction::{ClientInvite, ClientInviteState, ClientNonInvite};
use crate::transport::{Target, Transmit, Transport};

impl TransactionLayer {
    /// Sends `request` to `target` in a new client transaction.
    ///
    /// The layer puts its Via on top (§8.1.1.7: sent-by from the listener,
    /// a fresh branch with the magic cookie, and an empty `rport` per RFC
    /// 3581 unless configured off), and sends a UDP request larger than
    /// [`LayerConfig::max_udp_request`](super::LayerConfig::max_udp_request) over TCP instead (§18.1.1: "the
    /// request MUST be sent using an RFC 2914 congestion controlled
    /// transport protocol, such as TCP. If this causes a change in the
    /// transport protocol from the one indicated in the top Via, the value
    /// in the top Via MUST be changed").
    ///
    /// # Errors
    /// [`SendError::InvalidRequest`] for a response, an ACK (use
    /// [`send_stateless`](Self::send_stateless)), a CANCEL (use
    /// [`send_cancel`](Self::send_cancel)) or a request without CSeq;
    /// [`SendError::NoListener`] if no Via can be written.
    pub fn send_request(
        &mut self,
        now: Instant,
        mut request: Message,
        target: Target,
    ) -> Result<TxId, SendError> {
        let method = match request.method() {
            None => return Err(SendError::InvalidRequest("not a request")),
            Some(Method::Ack) => return Err(SendError::InvalidRequest("ACK is sent statelessly")),
            Some(Method::Cancel) => return Err(SendError::InvalidRequest("use send_cancel")),
            Some(m) => m.clone(),
        };
        if request
            .typed::<CSeq>()
            .map(|c| c.method != method)
            .unwrap_or(true)
        {
            return Err(SendError::InvalidRequest(
                "CSeq missing or not matching the method",
            ));
        }
        let branch = self.ids.branch();
        let mut target = target;
        self.push_via(&mut request, target, &branch)?;
        if target.transport == Transport::Udp && request.to_bytes().len() > self.cfg.max_udp_request
        {
            target.transport = Transport::Tcp;
            request.remove_first_value(&HeaderName::Via);
            self.push_via(&mut request, target, &branch)?;
        }
        Ok(self.start_client(now, request, target, ByteString::from(branch), method))
    }

    /// Sends a CANCEL for client INVITE transaction `invite`, built as
    /// RFC 3261 §9.1 says: the same Request-URI, Call-ID, To, From, CSeq
    /// number and Route headers, and a single Via equal to the INVITE's top
    /// Via, so it shares the INVITE's branch. It goes to the same target in
    /// a client transaction of its own.
    ///
    /// # Errors
    /// [`SendError::NotCancellable`] unless the INVITE is in the Proceeding
    /// state (a provisional response arrived, §9.1);
    /// [`SendError::NoSuchTransaction`], [`SendError::WrongKind`].
    pub fn send_cancel(&mut self, now: Instant, invite: TxId) -> Result<TxId, SendError> {
        let e = self.entry(invite).ok_or(SendError::NoSuchTransaction)?;
        let Tx::ClientInvite(t) = &e.tx else {
            return Err(SendError::WrongKind);
        };
        if t.state() != ClientInviteState::Proceeding {
            return Err(SendError::NotCancellable);
        }
        let target = e.target;
        let inv = t.request();
        let cseq = inv
            .typed::<CSeq>()
            .map_err(|_| SendError::InvalidRequest("INVITE without CSeq"))?;
        let via = inv
            .typed::<Via>()
            .map_err(|_| SendError::InvalidRequest("INVITE without Via"))?;
        let uri = inv
            .request_uri()
            .and_then(Result::ok)
            .ok_or(SendError::InvalidRequest("INVITE without Request-URI"))?;
        let mut b = Message::request(Method::Cancel, uri).header(HeaderName::Via, via.as_str());
        for h in inv.headers() {
            match h.name {
                HeaderName::Route | HeaderName::From | HeaderName::To | HeaderName::CallId => {
                    b = b.header(h.name.clone(), h.value)
                }
                _ => {}
            }
        }
        let branch = via.branch_slice().unwrap_or_default();
        // One CANCEL per INVITE: it shares the INVITE's branch, so a second
        // one would share the first one's key. Asking again returns it.
        if let Some(&id) = self
            .clients
            .get(&ClientKey::new(branch.clone(), Method::Cancel))
        {
            return Ok(id);
        }
        let cancel = b
            .header(HeaderName::CSeq, &format!("{} CANCEL", cseq.seq))
            .header(HeaderName::MaxForwards, "70")
            .build()
            .map_err(|_| SendError::InvalidRequest("INVITE headers do not fit a CANCEL"))?;
        let id = self.start_client(now, cancel, target, branch, Method::Cancel);
        // §9.1: "If there is no final response for the original request in
        // 64*T1 seconds ... the client SHOULD then consider the original
        // transaction cancelled and SHOULD destroy the client transaction".
        if let Some(Entry {
            tx: Tx::ClientInvite(t),
            ..
        }) = self.entry_mut(invite)
        {
            t.cancelled(now);
        }
        self.drive(invite, false);
        Ok(id)
    }

    /// Sends a request outside any transaction: the ACK for a 2xx (§13.2.2.4,
    /// §17.1.1.3), or an ACK a proxy forwards. It gets a Via with a fresh
    /// branch like any request; nothing retransmits it.
    ///
    /// # Errors
    /// [`SendError::NoListener`], or [`SendError::InvalidRequest`] for a
    /// response.
    pub fn send_stateless(
        &mut self,
        _now: Instant,
        mut request: Message,
        target: Target,
    ) -> Result<(), SendError> {
        if !request.is_request() {
            return Err(SendError::InvalidRequest("not a request"));
        }
        let branch = self.ids.branch();
        let local = self.push_via(&mut request, target, &branch)?;
        self.transmits.push_back(Transmit {
            target,
            local,
            payload: request.to_bytes(),
        });
        Ok(())
    }

    /// Sends a response on server transaction `id`.
    ///
    /// # Errors
    /// [`SendError::InvalidResponse`] if the state does not allow it (a
    /// second final response, say); [`SendError::NoSuchTransaction`],
    /// [`SendError::WrongKind`].
    pub fn send_response(
        &mut self,
        now: Instant,
        id: TxId,
        response: Message,
    ) -> Result<(), SendError> {
        let e = self.entry_mut(id).ok_or(SendError::NoSuchTransaction)?;
        match &mut e.tx {
            Tx::ServerInvite(t) => t.send_response(now, response)?,
            Tx::ServerNonInvite(t) => t.send_response(now, response)?,
            _ => return Err(SendError::WrongKind),
        }
        self.drive(id, false);
        Ok(())
    }

    /// Sends a response outside any transaction, to the address its top
    /// Via names (§18.2.2): a stateless proxy forwarding a response, or a
    /// TU retransmitting a 2xx after its transaction ended.
    ///
    /// # Errors
    /// [`SendError::NoRoute`] if the top Via is missing or names no address.
    pub fn send_stateless_response(
        &mut self,
        _now: Instant,
        response: Message,
    ) -> Result<(), SendError> {
        let via = response.typed::<Via>().map_err(|_| SendError::NoRoute)?;
        let target = response_target(&via).ok_or(SendError::NoRoute)?;
        let local = self.listener_for(target).map(|(_, a)| a);
        self.transmits.push_back(Transmit {
            target,
            local,
            payload: response.to_bytes(),
        });
        Ok(())
    }

    fn listener_for(&self, target: Target) -> Option<(Transport, SocketAddr)> {
        let family = |a: &SocketAddr| a.is_ipv4() == target.addr.is_ipv4();
        self.listeners
            .iter()
            .find(|(t, a)| *t == target.transport && family(a))
            .or_else(|| self.listeners.iter().find(|(_, a)| family(a)))
            .or_else(|| self.listeners.first())
            .copied()
    }

    /// Puts our Via on top of `request`; returns the local address to send from.
    fn push_via(
        &self,
        request: &mut Message,
        target: Target,
        branch: &str,
    ) -> Result<Option<SocketAddr>, SendError> {
        let (_, local) = self
            .listener_for(target)
            .ok_or(SendError::NoListener(target.transport))?;
        let host = match &self.cfg.sent_by_host {
            Some(h) => h.clone(),
            None => ip_text(local.ip()),
        };
        let v = via::own_via(
            target.transport,
            &host,
            Some(local.port()),
            branch,
            self.cfg.rport,
        );
        request.prepend_header(HeaderName::Via, &v);
        Ok(Some(local).filter(|_| target.transport == Transport::Udp))
    }

    fn start_client(
        &mut self,
        now: Instant,
        request: Message,
        target: Target,
        branch: ByteString,
        method: Method,
    ) -> TxId {
        let reliable = target.transport.is_reliable();
        let timers = self.cfg.timers;
        let local = self.listener_for(target).map(|(_, a)| a);
        let key = ClientKey::new(branch, method.clone());
        let tx = if method == Method::Invite {
            Tx::ClientInvite(Box::new(ClientInvite::new(now, request, reliable, timers)))
        } else {
            Tx::ClientNonInvite(Box::new(ClientNonInvite::new(
                now, request, reliable, timers,
            )))
        };
        let id = self.insert(Entry {
            tx,
            key: Key::Client(key.clone()),
            target,
            local: local.filter(|_| !reliable),
            source: None,
            scheduled: None,
        });
        self.clients.insert(key, id);
        self.drive(id, false);
        id
    }
}
