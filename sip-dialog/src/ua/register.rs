//! The registration client (RFC 3261 §10.2): REGISTER with refresh
//! before expiry, 423 handling, several contacts, fetching and removing
//! bindings, and "register again now" for the mobility layer.

use std::time::{Duration, Instant};

use sip_message::{Contact, HeaderName, Message, Method, MinExpires, Uri};
use sip_transaction::Target;

use super::{Purpose, UaError, UaEvent, UaTimer, UserAgent};

/// A registration of a [`UserAgent`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegistrationHandle(pub(super) u64);

/// What to register.
#[derive(Clone, Debug)]
pub struct RegisterConfig {
    /// The registrar's URI: the Request-URI of every REGISTER (§10.2:
    /// "the domain of the location service", e.g. `sip:example.com`).
    pub registrar: Uri,
    /// Where the REGISTERs go (the registrar's address, or an outbound proxy).
    pub target: Target,
    /// Extra contacts to bind besides the UA's own Contact.
    pub extra_contacts: Vec<Uri>,
    /// The expiry asked for, in seconds (default 3600).
    pub expires: u32,
    /// How long to wait before trying again after a failure that may pass
    /// (408, 5xx, transport error); default 30 s.
    pub retry_after: Duration,
}

impl RegisterConfig {
    /// Registers at `registrar`, sending to `target`, for an hour.
    pub fn new(registrar: Uri, target: Target) -> Self {
        Self {
            registrar,
            target,
            extra_contacts: Vec::new(),
            expires: 3600,
            retry_after: Duration::from_secs(30),
        }
    }
}

/// One binding the registrar reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisteredContact {
    /// The contact URI.
    pub uri: Uri,
    /// Seconds left, as the registrar said.
    pub expires: u32,
}

/// What a REGISTER in flight is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RegisterKind {
    /// Add or refresh our contacts.
    Bind,
    /// Remove our contacts (expires=0).
    Unbind,
    /// Remove every binding of the AOR (`*`).
    UnbindAll,
    /// Only ask for the current bindings (no Contact).
    Fetch,
}

#[derive(Debug)]
pub(super) struct Registration {
    cfg: RegisterConfig,
    call_id: String,
    from_tag: String,
    cseq: u32,
    expires: u32,
    /// The contacts bound by the last successful REGISTER.
    bound: Vec<Uri>,
    /// The REGISTER in flight (as built, without Via) and what it is for.
    pending: Option<(Message, RegisterKind)>,
    /// Whether the registration should be kept alive by refreshes.
    active: bool,
    /// Bumped whenever a new refresh is scheduled, so old timers are void.
    generation: u64,
}

impl UserAgent {
    /// Starts registering the UA's Contact (and `cfg.extra_contacts`) for
    /// its AOR, and keeps the bindings refreshed at half their expiry
    /// until [`unregister`](Self::unregister). Each outcome is an event:
    /// [`UaEvent::Registered`], [`UaEvent::RegistrationFailed`].
    ///
    /// A 401/407 is answered with the UA's credentials
    /// ([`set_credential`](Self::set_credential)) once per challenge; a 423
    /// is retried with the registrar's Min-Expires (§10.2.8).
    ///
    /// # Errors
    /// [`UaError::Send`] if the transaction layer refuses.
    pub fn register(
        &mut self,
        now: Instant,
        cfg: RegisterConfig,
    ) -> Result<RegistrationHandle, UaError> {
        let h = RegistrationHandle(self.next_id());
        let host = self.cfg.aor.as_sip().map(|s| s.host().to_owned());
        // §10.2: "A UA SHOULD use the same Call-ID for all registrations
        // during a single boot cycle."
        let reg = Registration {
            expires: cfg.expires,
            cfg,
            call_id: self.layer.ids().call_id(host.as_deref()),
            from_tag: self.layer.ids().tag(),
            cseq: 0,
            bound: Vec::new(),
            pending: None,
            active: true,
            generation: 0,
        };
        self.registrations.insert(h, reg);
        self.send_register(now, h, RegisterKind::Bind)?;
        Ok(h)
    }

    /// Registers again right now, without waiting for the refresh: what the
    /// mobility layer calls after the address changed. Contacts bound
    /// before and no longer ours (the old address) are removed in the same
    /// REGISTER with `expires=0`.
    ///
    /// # Errors
    /// [`UaError::NoSuchCall`] for an unknown handle, [`UaError::Send`].
    pub fn reregister(&mut self, now: Instant, reg: RegistrationHandle) -> Result<(), UaError> {
        let r = self
            .registrations
            .get_mut(&reg)
            .ok_or(UaError::NoSuchCall)?;
        r.active = true;
        self.send_register(now, reg, RegisterKind::Bind)
    }

    /// Removes our contacts (`expires=0`) and stops refreshing.
    ///
    /// # Errors
    /// As [`reregister`](Self::reregister).
    pub fn unregister(&mut self, now: Instant, reg: RegistrationHandle) -> Result<(), UaError> {
        let r = self
            .registrations
            .get_mut(&reg)
            .ok_or(UaError::NoSuchCall)?;
        r.active = false;
        self.send_register(now, reg, RegisterKind::Unbind)
    }

    /// Removes every binding of the AOR, ours or not (`Contact: *` with
    /// `Expires: 0`, §10.2.2), and stops refreshing.
    ///
    /// # Errors
    /// As [`reregister`](Self::reregister).
    pub fn unregister_all(&mut self, now: Instant, reg: RegistrationHandle) -> Result<(), UaError> {
        let r = self
            .registrations
            .get_mut(&reg)
            .ok_or(UaError::NoSuchCall)?;
        r.active = false;
        self.send_register(now, reg, RegisterKind::UnbindAll)
    }

    /// Asks for the current bindings without changing them (§10.2.3); the
    /// answer comes as [`UaEvent::Bindings`].
    ///
    /// # Errors
    /// As [`reregister`](Self::reregister).
    pub fn fetch_bindings(&mut self, now: Instant, reg: RegistrationHandle) -> Result<(), UaError> {
        if !self.registrations.contains_key(&reg) {
            return Err(UaError::NoSuchCall);
        }
        self.send_register(now, reg, RegisterKind::Fetch)
    }

    /// The contacts the last successful REGISTER bound.
    pub fn registered_contacts(&self, reg: RegistrationHandle) -> Option<&[Uri]> {
        self.registrations.get(&reg).map(|r| r.bound.as_slice())
    }

    fn send_register(
        &mut self,
        now: Instant,
        h: RegistrationHandle,
        kind: RegisterKind,
    ) -> Result<(), UaError> {
        let contact = self.cfg.contact.clone();
        let aor = self.cfg.aor.clone();
        let from = self.our_from("");
        let r = self.registrations.get_mut(&h).ok_or(UaError::NoSuchCall)?;
        r.cseq += 1;
        let from = format!("{from}{}", r.from_tag);
        let mut b = Message::request(Method::Register, r.cfg.registrar.clone())
            .header(HeaderName::To, &format!("<{aor}>"))
            .header(HeaderName::From, &from)
            .header(HeaderName::CallId, &r.call_id)
            .header(HeaderName::CSeq, &format!("{} REGISTER", r.cseq))
            .header(HeaderName::MaxForwards, "70");
        let ours: Vec<Uri> = std::iter::once(contact)
            .chain(r.cfg.extra_contacts.iter().cloned())
            .collect();
        match kind {
            RegisterKind::Bind => {
                for c in &ours {
                    b = b.header(HeaderName::Contact, &format!("<{c}>"));
                }
                // The old address after a move: remove it in the same request.
                for old in r.bound.iter().filter(|u| !ours.contains(u)) {
                    b = b.header(HeaderName::Contact, &format!("<{old}>;expires=0"));
                }
                b = b.header(HeaderName::Expires, &r.expires.to_string());
            }
            RegisterKind::Unbind => {
                let mut all = ours.clone();
                all.extend(r.bound.iter().filter(|u| !ours.contains(u)).cloned());
                for c in &all {
                    b = b.header(HeaderName::Contact, &format!("<{c}>"));
                }
                b = b.header(HeaderName::Expires, "0");
            }
            RegisterKind::UnbindAll => {
                b = b
                    .header(HeaderName::Contact, "*")
                    .header(HeaderName::Expires, "0");
            }
            RegisterKind::Fetch => {}
        }
        let target = r.cfg.target;
        let mut msg = b.build().map_err(|e| UaError::Invalid(e.to_string()))?;
        // Later REGISTERs go out authorized with the cached challenge.
        self.auth.authorize(&mut msg);
        self.send_register_msg(now, h, msg, kind, target)
    }

    fn send_register_msg(
        &mut self,
        now: Instant,
        h: RegistrationHandle,
        msg: Message,
        kind: RegisterKind,
        target: Target,
    ) -> Result<(), UaError> {
        let tx = self.layer.send_request(now, msg.clone(), target)?;
        self.txs.insert(tx, Purpose::Register(h));
        if let Some(r) = self.registrations.get_mut(&h) {
            r.pending = Some((msg, kind));
        }
        Ok(())
    }

    /// A response to a REGISTER of ours.
    pub(super) fn register_response(&mut self, now: Instant, h: RegistrationHandle, resp: Message) {
        let status = resp.status().unwrap_or(0);
        if status < 200 {
            return;
        }
        let Some(r) = self.registrations.get_mut(&h) else {
            return;
        };
        let Some((sent, kind)) = r.pending.take() else {
            return;
        };
        match status {
            200..=299 => {
                let contacts: Vec<RegisteredContact> = resp
                    .typed_all::<Contact>()
                    .filter_map(Result::ok)
                    .filter_map(|c| {
                        let expires = c.expires().or_else(|| {
                            resp.typed_opt::<sip_message::Expires>()
                                .ok()
                                .flatten()
                                .map(|e| e.0)
                        })?;
                        Some(RegisteredContact {
                            uri: c.address()?.uri().clone(),
                            expires,
                        })
                    })
                    .collect();
                let ours: Vec<Uri> = std::iter::once(self.cfg.contact.clone())
                    .chain(r.cfg.extra_contacts.iter().cloned())
                    .collect();
                match kind {
                    RegisterKind::Bind => {
                        // §10.2.4: the registrar may shorten the expiry; refresh
                        // by what it granted for our contact.
                        let granted = contacts
                            .iter()
                            .filter(|c| ours.contains(&c.uri))
                            .map(|c| c.expires)
                            .min()
                            .unwrap_or(r.expires);
                        r.bound = ours;
                        if r.active && granted > 0 {
                            r.generation += 1;
                            let g = r.generation;
                            let at =
                                now + Duration::from_secs(u64::from(granted.div_ceil(2)).max(1));
                            self.schedule(
                                at,
                                UaTimer::Refresh {
                                    reg: h,
                                    generation: g,
                                },
                            );
                        }
                        self.events.push_back(UaEvent::Registered {
                            reg: h,
                            expires: granted,
                            contacts,
                        });
                    }
                    RegisterKind::Unbind | RegisterKind::UnbindAll => {
                        r.bound.clear();
                        r.generation += 1;
                        self.events.push_back(UaEvent::Unregistered { reg: h });
                    }
                    RegisterKind::Fetch => self
                        .events
                        .push_back(UaEvent::Bindings { reg: h, contacts }),
                }
            }
            401 | 407 => match self.auth.authorize_retry(&sent, &resp) {
                Ok(retry) => {
                    let target = r.cfg.target;
                    if let Some(r) = self.registrations.get_mut(&h) {
                        r.cseq += 1;
                    }
                    if self.send_register_msg(now, h, retry, kind, target).is_err() {
                        self.events
                            .push_back(UaEvent::RegistrationFailed { reg: h, status });
                    }
                }
                Err(_) => self
                    .events
                    .push_back(UaEvent::RegistrationFailed { reg: h, status }),
            },
            // §10.2.8: "the UA MAY retry the registration with an expiration
            // interval ... equal to the value of the Min-Expires header field".
            423 => {
                let min = resp.typed::<MinExpires>().map(|m| m.0).ok();
                match min {
                    Some(min) if min > r.expires => {
                        r.expires = min;
                        let _ = self.send_register(now, h, kind);
                    }
                    _ => self
                        .events
                        .push_back(UaEvent::RegistrationFailed { reg: h, status }),
                }
            }
            _ => {
                let transient = status == 408 || status >= 500;
                if transient && r.active {
                    r.generation += 1;
                    let g = r.generation;
                    let at = now + r.cfg.retry_after;
                    self.schedule(
                        at,
                        UaTimer::Refresh {
                            reg: h,
                            generation: g,
                        },
                    );
                }
                self.events
                    .push_back(UaEvent::RegistrationFailed { reg: h, status });
            }
        }
    }

    /// The refresh timer: register again unless a newer timer replaced this one.
    pub(super) fn refresh(&mut self, now: Instant, reg: RegistrationHandle, generation: u64) {
        let due = self
            .registrations
            .get(&reg)
            .is_some_and(|r| r.active && r.generation == generation && r.pending.is_none());
        if due {
            let _ = self.send_register(now, reg, RegisterKind::Bind);
        }
    }

    /// A REGISTER that timed out (408) or could not be sent (503).
    pub(super) fn register_failed(&mut self, now: Instant, h: RegistrationHandle, status: u16) {
        if let Some(r) = self.registrations.get_mut(&h) {
            r.pending = None;
            if r.active {
                r.generation += 1;
                let g = r.generation;
                let at = now + r.cfg.retry_after;
                self.schedule(
                    at,
                    UaTimer::Refresh {
                        reg: h,
                        generation: g,
                    },
                );
            }
        }
        self.events
            .push_back(UaEvent::RegistrationFailed { reg: h, status });
    }
}
