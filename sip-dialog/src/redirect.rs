//! The redirect server ([RFC 3261 §8.3]): it answers requests for its
//! domains with the bindings of the location service as a 3xx, and takes
//! itself out of the path of everything that follows.
//!
//! [RFC 3261 §8.3]: https://www.rfc-editor.org/rfc/rfc3261#section-8.3

use std::fmt;
use std::time::Instant;

use sip_message::{HeaderName, Message, Method, Uri};
use sip_transaction::IdGenerator;

use crate::registrar::{
    canonical_aor, LocationService, MemoryLocation, RegisterContext, Registrar,
};

/// The configuration of a [`RedirectServer`]: the domains it answers for,
/// and the permanent moves it answers 301 for.
///
/// # 301 or 302
///
/// [§21.3.2] 301 (Moved Permanently): "The user can no longer be found at
/// the address in the Request-URI, and the requesting client SHOULD retry
/// at the new address given by the Contact header field ... The requestor
/// SHOULD update any local directories, address books, and user location
/// caches with this new value". [§21.3.3] 302 (Moved Temporarily): "The
/// requesting client SHOULD retry the request at the new address(es) given
/// by the Contact header field ... The duration of the validity of the
/// Contact URI can be indicated through an Expires header field or an
/// expires parameter in the Contact header field."
///
/// Registered bindings are soft state that expires, so they are always
/// returned in a 302 with their remaining `expires`; a client must not
/// write them into an address book. A 301 is for moves an administrator
/// declares ([`add_permanent_move`](Self::add_permanent_move)): an old
/// address-of-record that now lives elsewhere for good. Several bindings go
/// in one 302 with their `q` (the caller tries them "in the order of their
/// q-value", §8.1.3.4) rather than in a 300 (Multiple Choices), which asks
/// the user to choose.
///
/// [§21.3.2]: https://www.rfc-editor.org/rfc/rfc3261#section-21.3.2
/// [§21.3.3]: https://www.rfc-editor.org/rfc/rfc3261#section-21.3.3
#[derive(Clone, Debug)]
pub struct RedirectConfig {
    domains: Vec<String>,
    moves: Vec<(String, Uri)>,
    no_binding_status: u16,
}

impl Default for RedirectConfig {
    fn default() -> Self {
        Self {
            domains: Vec::new(),
            moves: Vec::new(),
            no_binding_status: 480,
        }
    }
}

impl RedirectConfig {
    /// Adds a domain the server answers for (compared case-insensitively);
    /// a request for any other gets 404 (§21.4.5: "This status is also
    /// returned if the domain in the Request-URI does not match any of the
    /// domains handled by the recipient of the request").
    pub fn add_domain(&mut self, domain: &str) -> &mut Self {
        self.domains
            .push(domain.trim_end_matches('.').to_ascii_lowercase());
        self
    }

    /// Declares that address-of-record `aor` has moved to `to` for good:
    /// requests for it get 301 with `to` as the Contact, whatever the
    /// location service holds.
    ///
    /// # Panics
    /// If `aor` is not a SIP or SIPS URI.
    pub fn add_permanent_move(&mut self, aor: &Uri, to: Uri) -> &mut Self {
        let key = canonical_aor(aor).expect("a SIP or SIPS address-of-record");
        self.moves.push((key, to));
        self
    }

    /// The status for an address-of-record of our domains without a
    /// binding: 480 (Temporarily Unavailable) by default, as a proxy gives
    /// when its target set is empty (§16.5); 404 where the location service
    /// knows every user, so that no binding means no such user.
    ///
    /// # Panics
    /// If `status` is not an error status (400-699).
    pub fn no_binding_status(&mut self, status: u16) -> &mut Self {
        assert!(
            (400..700).contains(&status),
            "not an error status: {status}"
        );
        self.no_binding_status = status;
        self
    }

    /// Whether `host` is one of the configured domains.
    pub fn is_local_domain(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.');
        self.domains.iter().any(|d| d.eq_ignore_ascii_case(host))
    }
}

/// Where the redirect server reads bindings.
enum Store<L: LocationService> {
    Registrar(Box<Registrar<L>>),
    Location(L),
}

/// A redirect server ([RFC 3261 §8.3]): "After receiving a request other
/// than CANCEL, the server either refuses the request or gathers the list
/// of alternative locations from the location service and returns a final
/// response of class 3xx."
///
/// Like the [`Registrar`] it is a sans-IO core with no transaction layer of
/// its own: [`handle`](Self::handle) takes a request and returns the
/// response for the server transaction to send. It may run the registrar of
/// its domains too ([`with_registrar`](Self::with_registrar)), so that one
/// process registers users and redirects calls to them.
///
/// - A request for one of its domains gets 302 with every live binding as
///   a Contact, most preferred first, each with its `q` and remaining
///   `expires` ("An "expires" parameter to the Contact header field values
///   may also be supplied to indicate the lifetime of the Contact data"),
///   or 301 for a [permanent move](RedirectConfig::add_permanent_move).
/// - A binding equal to the Request-URI is left out ("redirect servers
///   MUST NOT redirect a request to a URI equal to the one in the
///   Request-URI"); with no binding left, the answer is the configured
///   status (480).
/// - Other domains get 404, a Request-URI that is not SIP or SIPS 416,
///   CANCEL 200 ("For well-formed CANCEL requests, it SHOULD return a 2xx
///   response"), ACK nothing. Unknown headers, Require tags and methods are
///   ignored ("Redirect servers MUST ignore features that are not
///   understood").
///
/// ```
/// use std::time::{Duration, Instant};
/// use bytes::Bytes;
/// use sip_dialog::{
///     Binding, BindingChange, LocationService, MemoryLocation, RedirectConfig, RedirectServer,
/// };
/// use sip_message::{Contact, Message, NameAddr, Uri};
///
/// let t0 = Instant::now();
/// let mut location = MemoryLocation::new();
/// let contact = NameAddr::parse(&"<sip:bob@192.0.2.4>".into()).unwrap();
/// location.apply(t0, "sip:bob@biloxi.example.com", &[BindingChange::Upsert(Binding {
///     contact,
///     expires_at: t0 + Duration::from_secs(3600),
///     q: 700,
///     call_id: "c1".into(),
///     cseq: 1,
///     path: Vec::new(),
///     source: None,
///     registered_at: t0,
/// })]).unwrap();
/// let mut cfg = RedirectConfig::default();
/// cfg.add_domain("biloxi.example.com");
/// let mut server = RedirectServer::new(cfg, location);
///
/// let invite = Message::parse(Bytes::from_static(b"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
/// Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8\r\nMax-Forwards: 70\r\n\
/// To: Bob <sip:bob@biloxi.example.com>\r\nFrom: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
/// Call-ID: a84b4c76e66710\r\nCSeq: 314159 INVITE\r\nContent-Length: 0\r\n\r\n")).unwrap();
/// let moved = server.handle(t0, &invite).unwrap();
/// assert_eq!(moved.status(), Some(302));
/// let contact: Contact = moved.typed().unwrap();
/// assert_eq!(contact.to_value_string(), "<sip:bob@192.0.2.4>;q=0.7;expires=3600");
/// # use sip_message::TypedHeader;
/// ```
///
/// [RFC 3261 §8.3]: https://www.rfc-editor.org/rfc/rfc3261#section-8.3
pub struct RedirectServer<L: LocationService = MemoryLocation> {
    cfg: RedirectConfig,
    store: Store<L>,
    ids: IdGenerator,
}

impl<L: LocationService> fmt::Debug for RedirectServer<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedirectServer")
            .field("cfg", &self.cfg)
            .field("registrar", &matches!(self.store, Store::Registrar(_)))
            .finish_non_exhaustive()
    }
}

impl<L: LocationService> RedirectServer<L> {
    /// A redirect server reading `location`, drawing To tags from an
    /// OS-seeded RNG.
    pub fn new(cfg: RedirectConfig, location: L) -> Self {
        Self {
            cfg,
            store: Store::Location(location),
            ids: IdGenerator::default(),
        }
    }

    /// A redirect server that is also the registrar of `registrar`'s
    /// domains: REGISTERs for them are answered by it, and their bindings
    /// are what the 3xx responses list.
    pub fn with_registrar(cfg: RedirectConfig, registrar: Registrar<L>) -> Self {
        Self {
            cfg,
            store: Store::Registrar(Box::new(registrar)),
            ids: IdGenerator::default(),
        }
    }

    /// Replaces the source of To tags (a seeded one makes tests
    /// reproducible).
    pub fn with_ids(mut self, ids: IdGenerator) -> Self {
        self.ids = ids;
        self
    }

    /// The configuration.
    pub fn config(&self) -> &RedirectConfig {
        &self.cfg
    }

    /// The location service.
    pub fn location(&self) -> &L {
        match &self.store {
            Store::Registrar(r) => r.location(),
            Store::Location(l) => l,
        }
    }

    /// The location service, mutably.
    pub fn location_mut(&mut self) -> &mut L {
        match &mut self.store {
            Store::Registrar(r) => r.location_mut(),
            Store::Location(l) => l,
        }
    }

    /// The registrar, when the server runs one.
    pub fn registrar(&self) -> Option<&Registrar<L>> {
        match &self.store {
            Store::Registrar(r) => Some(r),
            Store::Location(_) => None,
        }
    }

    /// The registrar, mutably.
    pub fn registrar_mut(&mut self) -> Option<&mut Registrar<L>> {
        match &mut self.store {
            Store::Registrar(r) => Some(r),
            Store::Location(_) => None,
        }
    }

    /// When expired bindings are next due to be purged.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match &self.store {
            Store::Registrar(r) => r.poll_timeout(),
            Store::Location(l) => l.poll_timeout(),
        }
    }

    /// Purges the bindings expired by `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        match &mut self.store {
            Store::Registrar(r) => r.handle_timeout(now),
            Store::Location(l) => {
                l.purge(now);
            }
        }
    }

    /// The response to `request`, or `None` for an ACK (never answered).
    /// See [`handle_with`](Self::handle_with) to pass a REGISTER's source
    /// and authenticated user to the registrar.
    ///
    /// # Panics
    /// If `request` is a response.
    pub fn handle(&mut self, now: Instant, request: &Message) -> Option<Message> {
        self.handle_with(now, request, &RegisterContext::default())
    }

    /// The response to `request`, with what the driver knows of a REGISTER
    /// (authenticate it first, §10.3 step 3); `None` for an ACK.
    ///
    /// # Panics
    /// If `request` is a response.
    pub fn handle_with(
        &mut self,
        now: Instant,
        request: &Message,
        ctx: &RegisterContext<'_>,
    ) -> Option<Message> {
        assert!(
            request.is_request(),
            "RedirectServer::handle given a response"
        );
        let method = request.method()?.clone();
        match method {
            Method::Ack => return None,
            Method::Cancel => return self.respond(request, 200, &[]),
            Method::Register => {
                if let Store::Registrar(r) = &mut self.store {
                    if r.is_responsible_for(request) {
                        return Some(r.handle_with(now, request, ctx));
                    }
                }
            }
            _ => {}
        }
        let uri = match request.request_uri() {
            Some(Ok(uri)) => uri,
            _ => return self.respond(request, 400, &[]),
        };
        let Some(sip) = uri.as_sip() else {
            // §8.2.2.1: "If the Request-URI uses a scheme not supported by
            // the UAS, it SHOULD reject the request with a 416".
            return self.respond(request, 416, &[]);
        };
        if !self.cfg.is_local_domain(sip.host()) {
            return self.respond(request, 404, &[]);
        }
        let Some(aor) = canonical_aor(&uri) else {
            return self.respond(request, 404, &[]);
        };
        if let Some((_, to)) = self.cfg.moves.iter().find(|(k, _)| *k == aor) {
            let contact = format!("<{to}>");
            return self.respond(request, 301, &[contact]);
        }
        let contacts: Vec<String> = self
            .location()
            .lookup_by_preference(now, &aor)
            .into_iter()
            .filter(|b| *b.uri() != uri)
            .map(|b| {
                let expires = b.remaining_secs(now).to_string();
                let q = qvalue(b.q);
                let value = b
                    .contact
                    .with_param("q", Some(&q))
                    .and_then(|c| c.with_param("expires", Some(&expires)));
                match value {
                    Ok(c) => c.as_str().to_owned(),
                    Err(_) => format!("<{}>;q={q};expires={expires}", b.uri()),
                }
            })
            .collect();
        if contacts.is_empty() {
            let code = self.cfg.no_binding_status;
            return self.respond(request, code, &[]);
        }
        self.respond(request, 302, &contacts)
    }

    /// A response to `request` with a To tag and `contacts`.
    fn respond(&mut self, request: &Message, code: u16, contacts: &[String]) -> Option<Message> {
        let tag = self.ids.tag();
        let mut b = request.response_to(code, Some(&tag)).ok()?;
        for c in contacts {
            b = b.header(HeaderName::Contact, c);
        }
        b.build().ok()
    }
}

/// A `q` in thousandths as RFC 3261 writes it (`qvalue`): `1.0`, `0.5`,
/// `0.25`, `0.125`, `0.0`.
fn qvalue(q: u16) -> String {
    if q >= 1000 {
        return "1.0".to_owned();
    }
    let frac = format!("{q:03}");
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        "0.0".to_owned()
    } else {
        format!("0.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use bytes::Bytes;
    use sip_message::{Contact, NameAddr};

    use super::*;
    use crate::registrar::{Binding, BindingChange, RegistrarConfig};

    #[allow(clippy::disallowed_methods)]
    fn t0() -> Instant {
        Instant::now()
    }

    fn request(method: &str, ruri: &str) -> Message {
        // A REGISTER is the registrar's, which does check Require.
        let require = if method == "REGISTER" {
            ""
        } else {
            "Require: no-such-extension\r\n"
        };
        Message::parse(Bytes::from(format!(
            "{method} {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n\
             Max-Forwards: 70\r\nTo: <sip:bob@biloxi.example.com>\r\n\
             From: <sip:alice@atlanta.example.com>;tag=a\r\nCall-ID: r1\r\nCSeq: 1 {method}\r\n\
             {require}Contact: <sip:bob@192.0.2.4>\r\n\
             Content-Length: 0\r\n\r\n"
        )))
        .unwrap()
    }

    fn bind(loc: &mut MemoryLocation, now: Instant, aor: &str, contact: &str, q: u16, secs: u64) {
        let contact = NameAddr::parse(&contact.into()).unwrap();
        loc.apply(
            now,
            aor,
            &[BindingChange::Upsert(Binding {
                contact,
                expires_at: now + Duration::from_secs(secs),
                q,
                call_id: format!("c{q}"),
                cseq: 1,
                path: Vec::new(),
                source: None,
                registered_at: now,
            })],
        )
        .unwrap();
    }

    fn server(now: Instant) -> RedirectServer {
        let mut loc = MemoryLocation::new();
        bind(
            &mut loc,
            now,
            "sip:bob@biloxi.example.com",
            "<sip:bob@192.0.2.4>",
            500,
            600,
        );
        bind(
            &mut loc,
            now,
            "sip:bob@biloxi.example.com",
            "\"Bob\" <sip:bob@192.0.2.5;transport=tcp>",
            1000,
            3600,
        );
        let mut cfg = RedirectConfig::default();
        cfg.add_domain("biloxi.example.com");
        RedirectServer::new(cfg, loc).with_ids(IdGenerator::seeded(1))
    }

    fn contacts(m: &Message) -> Vec<String> {
        m.typed_all::<Contact>()
            .map(|c| sip_message::TypedHeader::to_value_string(&c.unwrap()))
            .collect()
    }

    /// RFC 3261 §8.3: "When a redirect server returns a 3xx response to a
    /// request, it populates the list of (one or more) alternative
    /// locations into the Contact header field. An "expires" parameter to
    /// the Contact header field values may also be supplied to indicate the
    /// lifetime of the Contact data." Most preferred first, with q; and
    /// "Redirect servers MUST ignore features that are not understood
    /// (including ... any unknown option tags in Require".
    #[test]
    fn rfc3261_8_3_302_lists_every_binding_with_q_and_expires() {
        let now = t0();
        let mut s = server(now);
        let r = s
            .handle(
                now + Duration::from_secs(100),
                &request("INVITE", "sip:bob@biloxi.example.com"),
            )
            .unwrap();
        assert_eq!(r.status(), Some(302));
        assert_eq!(
            contacts(&r),
            [
                "\"Bob\" <sip:bob@192.0.2.5;transport=tcp>;q=1.0;expires=3500",
                "<sip:bob@192.0.2.4>;q=0.5;expires=500"
            ]
        );
        assert!(r.typed::<sip_message::To>().unwrap().tag().is_some());
    }

    /// §8.3: "redirect servers MUST NOT redirect a request to a URI equal
    /// to the one in the Request-URI"; with nothing else left, the
    /// no-binding status (480, or 404 when configured).
    #[test]
    fn rfc3261_8_3_never_redirects_to_the_request_uri() {
        let now = t0();
        let mut loc = MemoryLocation::new();
        bind(
            &mut loc,
            now,
            "sip:bob@biloxi.example.com",
            "<sip:bob@biloxi.example.com>",
            1000,
            60,
        );
        let mut cfg = RedirectConfig::default();
        cfg.add_domain("biloxi.example.com");
        let mut s = RedirectServer::new(cfg.clone(), loc);
        let req = request("INVITE", "sip:bob@biloxi.example.com");
        assert_eq!(s.handle(now, &req).unwrap().status(), Some(480));
        cfg.no_binding_status(404);
        let mut s = RedirectServer::new(cfg, MemoryLocation::new());
        assert_eq!(s.handle(now, &req).unwrap().status(), Some(404));
    }

    /// §21.3.2 301 for an administrator's permanent move; §21.4.5 404 for a
    /// domain not served; §8.2.2.1 416; §8.3 "For well-formed CANCEL
    /// requests, it SHOULD return a 2xx response"; an ACK is never answered.
    #[test]
    fn rfc3261_21_3_permanent_moves_and_other_answers() {
        let now = t0();
        let mut s = server(now);
        let mut cfg = s.config().clone();
        cfg.add_permanent_move(
            &Uri::parse("sip:carol@biloxi.example.com").unwrap(),
            Uri::parse("sip:carol@chicago.example.com").unwrap(),
        );
        s.cfg = cfg;
        let r = s
            .handle(now, &request("INVITE", "sip:carol@BILOXI.example.com"))
            .unwrap();
        assert_eq!(r.status(), Some(301));
        assert_eq!(contacts(&r), ["<sip:carol@chicago.example.com>"]);
        let status = |s: &mut RedirectServer, m: &str, u: &str| {
            s.handle(now, &request(m, u)).and_then(|r| r.status())
        };
        assert_eq!(
            status(&mut s, "INVITE", "sip:bob@atlanta.example.com"),
            Some(404)
        );
        assert_eq!(status(&mut s, "INVITE", "tel:+15551234"), Some(416));
        assert_eq!(
            status(&mut s, "CANCEL", "sip:bob@biloxi.example.com"),
            Some(200)
        );
        assert_eq!(status(&mut s, "ACK", "sip:bob@biloxi.example.com"), None);
        // Unknown methods are redirected like any other.
        assert_eq!(
            status(&mut s, "FOO", "sip:bob@biloxi.example.com"),
            Some(302)
        );
    }

    /// One process as registrar and redirect server: the REGISTER binds,
    /// and the next INVITE is redirected to that binding.
    #[test]
    fn registrar_and_redirect_server_share_the_bindings() {
        let now = t0();
        let mut reg = RegistrarConfig::default();
        reg.add_domain("biloxi.example.com");
        let mut cfg = RedirectConfig::default();
        cfg.add_domain("biloxi.example.com");
        let mut s = RedirectServer::with_registrar(cfg, Registrar::new(reg, MemoryLocation::new()));
        let r = s
            .handle(now, &request("REGISTER", "sip:biloxi.example.com"))
            .unwrap();
        assert_eq!(r.status(), Some(200));
        let r = s
            .handle(now, &request("INVITE", "sip:bob@biloxi.example.com"))
            .unwrap();
        assert_eq!(r.status(), Some(302));
        assert_eq!(contacts(&r), ["<sip:bob@192.0.2.4>;q=1.0;expires=3600"]);
        assert!(s.registrar().is_some());
    }

    #[test]
    fn qvalues_are_written_as_the_grammar_wants() {
        assert_eq!(qvalue(1000), "1.0");
        assert_eq!(qvalue(500), "0.5");
        assert_eq!(qvalue(250), "0.25");
        assert_eq!(qvalue(125), "0.125");
        assert_eq!(qvalue(0), "0.0");
    }
}
