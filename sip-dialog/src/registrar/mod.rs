//! The registrar ([RFC 3261 §10.3]) and the location service it writes.
//!
//! [`Registrar::handle`] takes a REGISTER and returns the response, having
//! updated the [`LocationService`]. It follows the steps of §10.3 in order:
//!
//! 1. The Request-URI must name a domain of [`RegistrarConfig`], else 404
//!    ("This status is also returned if the domain in the Request-URI does
//!    not match any of the domains handled by the recipient", §21.4.5); a
//!    scheme other than `sip`/`sips` gets 416 (§8.2.2.1). A registrar that
//!    is also a proxy asks [`Registrar::is_responsible_for`] first and
//!    proxies what it is not responsible for.
//! 2. Every option tag in Require must be supported, else 420 with
//!    Unsupported (§8.2.2.3).
//! 3. Authentication is the caller's: run the digest authenticator
//!    first and call `handle` only with requests it accepted (or with no
//!    authentication at all, where policy allows).
//! 4. Given the authenticated user name, the registrar checks that it may
//!    modify the address-of-record, else 403; see [`Registrar::set_authorizer`].
//! 5. The address-of-record is the To URI; not SIP/SIPS or not in a
//!    served domain gives 404. Its [`canonical_aor`] is the key.
//! 6. `Contact: *` must be alone and come with `Expires: 0`, else 400.
//! 7. Each contact's expiry: its `expires` parameter, else the Expires
//!    header, else the configured default; 423 with Min-Expires when too
//!    brief; capped at the configured maximum; 0 removes. The Call-ID and
//!    CSeq rule rejects out-of-order requests. The updates are applied all
//!    or none.
//! 8. 200 with every current binding as a Contact with `expires`, and a
//!    Date when the driver supplied one ([`RegisterContext::date`]).
//!
//! [RFC 3261 §10.3]: https://www.rfc-editor.org/rfc/rfc3261#section-10.3

mod config;
mod location;

use std::fmt;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use sip_message::{
    ByteString, CSeq, CallId, Contact, HeaderName, Message, Method, NameAddr, ParseError, Path,
    Require, Supported, To, TypedHeader, Uri,
};
use sip_transaction::IdGenerator;

pub use config::{RegisterContext, RegistrarConfig};
pub use location::{
    canonical_aor, sort_by_preference, Binding, BindingChange, LocationError, LocationService,
    MemoryLocation, MemoryStats,
};

/// The expiry RFC 3261 §10.2.1 assigns to a malformed `expires` value:
/// "Malformed values SHOULD be treated as equivalent to 3600."
const MALFORMED_EXPIRES: u32 = 3600;

/// §10.3 step 7 allows a 423 only for an interval "smaller than one hour".
const ONE_HOUR: u32 = 3600;

/// Decides whether an authenticated user may modify the bindings of an
/// address-of-record: `(user, canonical AOR) -> allowed`.
type Authorizer = Box<dyn Fn(&str, &str) -> bool + Send + Sync>;

/// A registrar ([RFC 3261 §10.3]): answers REGISTER requests and keeps the
/// bindings in a [`LocationService`].
///
/// It is a sans-IO core: [`handle`](Self::handle) takes the request and
/// the time and returns the response for the server transaction to send.
/// It assumes the request has been authenticated (step 3); pass the
/// authenticated user to have it authorized (step 4). Bindings expire on
/// their own: the driver calls [`handle_timeout`](Self::handle_timeout) at
/// [`poll_timeout`](Self::poll_timeout) to free their memory early, but a
/// lookup never returns an expired binding either way.
///
/// The REGISTER of RFC 3665 §2.1 (F3) and its 200 (F4):
///
/// ```
/// use std::time::{Duration, Instant};
/// use bytes::Bytes;
/// use sip_dialog::{MemoryLocation, Registrar, RegistrarConfig};
/// use sip_message::{Contact, Message, Uri};
///
/// let mut config = RegistrarConfig::default();
/// config.add_domain("biloxi.example.com").add_domain("ss2.biloxi.example.com");
/// let mut registrar = Registrar::new(config, MemoryLocation::new());
///
/// let register = Message::parse(Bytes::from_static(b"REGISTER sips:ss2.biloxi.example.com SIP/2.0\r\n\
/// Via: SIP/2.0/TLS client.biloxi.example.com:5061;branch=z9hG4bKnashd92\r\n\
/// Max-Forwards: 70\r\nFrom: Bob <sips:bob@biloxi.example.com>;tag=ja743ks76zlflH\r\n\
/// To: Bob <sips:bob@biloxi.example.com>\r\nCall-ID: 1j9FpLxk3uxtm8tn@biloxi.example.com\r\n\
/// CSeq: 2 REGISTER\r\nContact: <sips:bob@client.biloxi.example.com>\r\n\
/// Content-Length: 0\r\n\r\n")).unwrap();
///
/// let t0 = Instant::now();
/// let ok = registrar.handle(t0, &register, Some("bob"));
/// assert_eq!(ok.status(), Some(200));
/// let contact: Contact = ok.typed().unwrap();
/// assert_eq!(contact.to_value_string(), "<sips:bob@client.biloxi.example.com>;expires=3600");
///
/// let aor = Uri::parse("sips:bob@biloxi.example.com").unwrap();
/// assert_eq!(registrar.bindings(t0, &aor).len(), 1);
/// assert!(registrar.bindings(t0 + Duration::from_secs(3600), &aor).is_empty());
/// # use sip_message::TypedHeader;
/// ```
///
/// [RFC 3261 §10.3]: https://www.rfc-editor.org/rfc/rfc3261#section-10.3
pub struct Registrar<L: LocationService = MemoryLocation> {
    config: RegistrarConfig,
    location: L,
    ids: IdGenerator,
    authorizer: Option<Authorizer>,
}

impl<L: LocationService + fmt::Debug> fmt::Debug for Registrar<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registrar")
            .field("config", &self.config)
            .field("location", &self.location)
            .field("authorizer", &self.authorizer.is_some())
            .finish_non_exhaustive()
    }
}

/// A refusal: the status code and the headers that explain it.
struct Reject {
    code: u16,
    headers: Vec<(HeaderName, String)>,
}

impl Reject {
    fn new(code: u16) -> Self {
        Self {
            code,
            headers: Vec::new(),
        }
    }

    fn with(mut self, name: HeaderName, value: String) -> Self {
        self.headers.push((name, value));
        self
    }
}

/// A REGISTER's Contact value, parsed leniently: RFC 3261 §10.2.1 wants a
/// malformed `expires` treated as 3600 and allows one above 2^32-1 to be
/// taken as 2^32-1, where the strict [`Contact`] parser refuses the value.
struct RegisterContact(Contact);

impl TypedHeader for RegisterContact {
    const NAME: HeaderName = HeaderName::Contact;
    const LIST: bool = true;

    fn parse(value: &ByteString) -> Result<Self, ParseError> {
        if value.trim() == "*" {
            return Ok(Self(Contact::Star));
        }
        NameAddr::parse(value).map(|a| Self(Contact::Address(a)))
    }

    fn encode(&self, out: &mut BytesMut) {
        self.0.encode(out);
    }
}

/// A `delta-seconds` value as §10.2.1 wants it read: above 2^32-1 it is
/// 2^32-1 ("Implementations MAY treat values larger than 2**32-1 ... as
/// equivalent to 2**32-1"), malformed it is 3600.
fn delta_seconds(v: Option<&str>) -> u32 {
    match v.map(str::trim) {
        Some(d) if !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()) => d
            .parse::<u64>()
            .map_or(u32::MAX, |n| u32::try_from(n).unwrap_or(u32::MAX)),
        _ => MALFORMED_EXPIRES,
    }
}

/// Header values we copy must not carry the CRLF of line folding.
fn unfold(v: &str) -> String {
    v.chars().filter(|c| *c != '\r' && *c != '\n').collect()
}

/// What every binding a REGISTER creates records of it.
struct Origin<'a> {
    call_id: &'a str,
    cseq: u32,
    path: Vec<String>,
    source: Option<SocketAddr>,
}

/// What step 7 decided for one contact.
struct ContactUpdate {
    contact: NameAddr,
    q: u16,
    expires: u32,
}

impl<L: LocationService> Registrar<L> {
    /// A registrar over `location`, drawing To tags from an OS-seeded RNG.
    pub fn new(config: RegistrarConfig, location: L) -> Self {
        Self {
            config,
            location,
            ids: IdGenerator::default(),
            authorizer: None,
        }
    }

    /// Replaces the source of To tags (a seeded one makes tests
    /// reproducible).
    pub fn with_ids(mut self, ids: IdGenerator) -> Self {
        self.ids = ids;
        self
    }

    /// Sets the authorization policy of §10.3 step 4: "a registrar might
    /// consult an authorization database that maps user names to a list of
    /// addresses-of-record for which that user has authorization to modify
    /// bindings". `f(user, aor)` gets the authenticated user and the
    /// [`canonical_aor`] and says whether the user may modify it.
    ///
    /// Without one, a user may modify only its own address-of-record: the
    /// user name must equal the AOR's user part (unescaped), `user@host`
    /// or the canonical AOR. Third-party registration needs a policy.
    pub fn set_authorizer(&mut self, f: impl Fn(&str, &str) -> bool + Send + Sync + 'static) {
        self.authorizer = Some(Box::new(f));
    }

    // ----------------------------------------------------------------- getters

    /// The configuration.
    pub fn config(&self) -> &RegistrarConfig {
        &self.config
    }

    /// The location service (for the proxy or redirect server to read).
    pub fn location(&self) -> &L {
        &self.location
    }

    /// The location service, mutably.
    pub fn location_mut(&mut self) -> &mut L {
        &mut self.location
    }

    /// The location service, giving up the registrar.
    pub fn into_location(self) -> L {
        self.location
    }

    /// Whether the Request-URI of `request` names a domain this registrar
    /// has bindings for (§10.3 step 1: "If not, and if the server also acts
    /// as a proxy server, the server SHOULD forward the request to the
    /// addressed domain").
    pub fn is_responsible_for(&self, request: &Message) -> bool {
        match request.request_uri() {
            Some(Ok(uri)) => uri
                .as_sip()
                .is_some_and(|s| self.config.is_local_domain(s.host())),
            _ => false,
        }
    }

    /// The live bindings of `aor` at `now`, most preferred first (highest
    /// `q`, then the most recently registered). Empty for an AOR that is
    /// not a SIP or SIPS URI.
    pub fn bindings(&self, now: Instant, aor: &Uri) -> Vec<Binding> {
        match canonical_aor(aor) {
            Some(key) => self.location.lookup_by_preference(now, &key),
            None => Vec::new(),
        }
    }

    /// When expired bindings are next due to be purged.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.location.poll_timeout()
    }

    // ------------------------------------------------------------------ input

    /// Purges the bindings expired by `now`; idempotent, and early calls
    /// are no-ops.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.location.purge(now);
    }

    /// Processes a REGISTER (§10.3) and returns the response to send.
    /// `authorized_user` is the authenticated user name (§10.3 step 4);
    /// authenticate first (step 3). See [`handle_with`](Self::handle_with)
    /// to also pass the source address and the date.
    ///
    /// # Panics
    /// If `request` is a response.
    pub fn handle(
        &mut self,
        now: Instant,
        request: &Message,
        authorized_user: Option<&str>,
    ) -> Message {
        let ctx = RegisterContext {
            authorized_user,
            ..RegisterContext::default()
        };
        self.handle_with(now, request, &ctx)
    }

    /// Processes a REGISTER (§10.3) with what the driver knows about it,
    /// and returns the response to send: a 200 listing the bindings, or
    /// the refusal of the first step that failed (400, 403, 404, 405, 416,
    /// 420, 423, 500). A refusal changes no binding.
    ///
    /// An out-of-order request (its Call-ID equal to a binding's and its
    /// CSeq not higher) gets 500: §10.3 says only that "the update MUST be
    /// aborted and the request fails", and 500 is what §12.2.2 prescribes
    /// for a request that is out of order in a dialog. No Retry-After: a
    /// retry of the same request would fail the same way.
    ///
    /// # Panics
    /// If `request` is a response.
    pub fn handle_with(
        &mut self,
        now: Instant,
        request: &Message,
        ctx: &RegisterContext<'_>,
    ) -> Message {
        assert!(request.is_request(), "Registrar::handle given a response");
        self.location.purge(now);
        let (code, mut headers) = match self.process(now, request, ctx) {
            Ok(headers) => (200, headers),
            Err(r) => (r.code, r.headers),
        };
        if code == 200 {
            if let Some(date) = ctx.date {
                headers.push((HeaderName::Date, date.to_value_string()));
            }
        }
        self.respond(request, code, &headers)
    }

    /// §10.3 steps 1-8; the headers of the 200, or the refusal.
    fn process(
        &mut self,
        now: Instant,
        request: &Message,
        ctx: &RegisterContext<'_>,
    ) -> Result<Vec<(HeaderName, String)>, Reject> {
        if request.method() != Some(&Method::Register) {
            return Err(Reject::new(405).with(HeaderName::Allow, "REGISTER".to_owned()));
        }
        // Step 1: "The registrar inspects the Request-URI to determine
        // whether it has access to bindings for the domain identified in
        // the Request-URI."
        let ruri = match request.request_uri() {
            Some(Ok(uri)) => uri,
            _ => return Err(Reject::new(400)),
        };
        let Some(ruri) = ruri.as_sip() else {
            // §8.2.2.1: "If the Request-URI uses a scheme not supported by
            // the UAS, it SHOULD reject the request with a 416".
            return Err(Reject::new(416));
        };
        if !self.config.is_local_domain(ruri.host()) {
            return Err(Reject::new(404));
        }
        // Step 2: "the registrar MUST process the Require header field
        // values as described for UASs in Section 8.2.2" (§8.2.2.3).
        self.check_require(request)?;
        // Mandatory headers (§8.1.1) the steps below rely on.
        let to = request.typed::<To>().map_err(|_| Reject::new(400))?;
        let call_id = request
            .typed::<CallId>()
            .map_err(|_| Reject::new(400))?
            .as_str()
            .to_owned();
        let cseq = request.typed::<CSeq>().map_err(|_| Reject::new(400))?;
        if cseq.method != Method::Register {
            return Err(Reject::new(400));
        }
        // Step 5: "The registrar extracts the address-of-record from the
        // To header field of the request." The AOR "MUST be a SIP URI or
        // SIPS URI" (§10.2); one for another domain "is not valid for the
        // domain in the Request-URI, the registrar MUST send a 404".
        let aor_sip = to.uri().as_sip().ok_or_else(|| Reject::new(404))?;
        let aor = canonical_aor(to.uri()).ok_or_else(|| Reject::new(404))?;
        // Step 4: "If the authenticated user is not authorized to modify
        // bindings, the registrar MUST return a 403 (Forbidden) and skip
        // the remaining steps."
        if let Some(user) = ctx.authorized_user {
            let allowed = match &self.authorizer {
                Some(f) => f(user, &aor),
                None => owns(user, aor_sip, &aor),
            };
            if !allowed {
                return Err(Reject::new(403));
            }
        }
        if !self.config.is_local_domain(aor_sip.host()) {
            return Err(Reject::new(404));
        }
        // Step 6: "The registrar checks whether the request contains the
        // Contact header field. If not, it skips to the last step."
        let contacts = request
            .typed_all::<RegisterContact>()
            .map(|c| c.map(|c| c.0))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| Reject::new(400))?;
        let expires_header = request
            .header(&HeaderName::Expires)
            .map(|v| delta_seconds(Some(v)));
        if contacts.iter().any(|c| matches!(c, Contact::Star)) {
            // "If the request has additional Contact fields or an
            // expiration time other than zero, the request is invalid, and
            // the server MUST return a 400 (Invalid Request)"; §10.2.2: "*"
            // "MUST NOT be used unless the Expires header field is present
            // with a value of "0"".
            if contacts.len() != 1 || expires_header != Some(0) {
                return Err(Reject::new(400));
            }
            self.remove_all(now, &aor, &call_id, cseq.seq)?;
        } else if !contacts.is_empty() {
            let updates = self.expirations(&contacts, expires_header)?;
            let origin = Origin {
                call_id: &call_id,
                cseq: cseq.seq,
                path: self.path(request)?,
                source: ctx.source,
            };
            self.update(now, &aor, updates, &origin)?;
        }
        // Step 8: "The response MUST contain Contact header field values
        // enumerating all current bindings. Each Contact value MUST feature
        // an "expires" parameter indicating its expiration interval chosen
        // by the registrar."
        let mut headers = Vec::new();
        for b in self.location.lookup_by_preference(now, &aor) {
            let secs = b.remaining_secs(now).to_string();
            let value = match b.contact.with_param("expires", Some(&secs)) {
                Ok(c) => c.as_str().to_owned(),
                Err(_) => format!("<{}>;expires={secs}", b.uri()),
            };
            headers.push((HeaderName::Contact, unfold(&value)));
        }
        // RFC 3327 §5.3: the registrar returns the Path it stored to a UA
        // that indicated support for it.
        let ua_supports_path = request
            .typed_all::<Supported>()
            .any(|s| s.is_ok_and(|s| s.iter().any(|t| t.eq_ignore_ascii_case("path"))));
        if !contacts.is_empty() && ua_supports_path && self.config.supports("path") {
            for p in request.header_values(&HeaderName::Path) {
                headers.push((HeaderName::Path, unfold(p)));
            }
        }
        Ok(headers)
    }

    /// §8.2.2.3: "If a UAS does not understand an option-tag listed in a
    /// Require header field, it MUST respond by generating a response with
    /// status code 420 (Bad Extension). The UAS MUST add an Unsupported
    /// header field, and list in it those options it does not understand".
    fn check_require(&self, request: &Message) -> Result<(), Reject> {
        let mut unsupported: Vec<String> = Vec::new();
        for require in request.typed_all::<Require>() {
            let require = require.map_err(|_| Reject::new(400))?;
            for tag in require.iter() {
                if !self.config.supports(tag) && !unsupported.iter().any(|u| u == tag) {
                    unsupported.push(tag.to_owned());
                }
            }
        }
        if unsupported.is_empty() {
            Ok(())
        } else {
            Err(Reject::new(420).with(HeaderName::Unsupported, unsupported.join(", ")))
        }
    }

    /// Step 7, first half: the expiration interval of each contact.
    fn expirations(
        &self,
        contacts: &[Contact],
        expires_header: Option<u32>,
    ) -> Result<Vec<ContactUpdate>, Reject> {
        let cfg = &self.config;
        let mut updates = Vec::with_capacity(contacts.len());
        for c in contacts {
            let Contact::Address(addr) = c else {
                return Err(Reject::new(400));
            };
            // A q outside 0-1 is a malformed request, not a preference.
            let q = match addr.params().get("q") {
                None => 1000,
                Some(_) => c.q().ok_or_else(|| Reject::new(400))?,
            };
            // "If the field value has an "expires" parameter, that value
            // MUST be taken as the requested expiration. If there is no
            // such parameter, but the request has an Expires header field,
            // that value MUST be taken as the requested expiration. If
            // there is neither, a locally-configured default value MUST be
            // taken as the requested expiration."
            let requested = match addr.params().get("expires") {
                Some(v) => delta_seconds(v),
                None => expires_header.unwrap_or(cfg.default_expires),
            };
            // "If and only if the requested expiration interval is greater
            // than zero AND smaller than one hour AND less than a
            // registrar-configured minimum, the registrar MAY reject the
            // registration with a response of 423 (Interval Too Brief).
            // This response MUST contain a Min-Expires header field".
            if requested > 0 && requested < ONE_HOUR && requested < cfg.min_expires {
                return Err(
                    Reject::new(423).with(HeaderName::MinExpires, cfg.min_expires.to_string())
                );
            }
            // "The registrar MAY choose an expiration less than the
            // requested expiration interval."
            let expires = requested.min(cfg.max_expires);
            // Copied out of the request's buffer so that a binding does
            // not keep the whole REGISTER alive.
            let contact = addr.detached();
            updates.push(ContactUpdate {
                contact,
                q,
                expires,
            });
        }
        Ok(updates)
    }

    /// The Path values of the request (RFC 3327), when `path` is supported.
    fn path(&self, request: &Message) -> Result<Vec<String>, Reject> {
        if !self.config.supports("path") {
            return Ok(Vec::new());
        }
        request
            .typed_all::<Path>()
            .map(|p| p.map(|p| unfold(p.as_str())).map_err(|_| Reject::new(400)))
            .collect()
    }

    /// Step 6 for `Contact: *`: "the registrar checks whether the Call-ID
    /// agrees with the value stored for each binding. If not, it MUST
    /// remove the binding. If it does agree, it MUST remove the binding
    /// only if the CSeq in the request is higher than the value stored for
    /// that binding. Otherwise, the update MUST be aborted and the request
    /// fails."
    fn remove_all(
        &mut self,
        now: Instant,
        aor: &str,
        call_id: &str,
        cseq: u32,
    ) -> Result<(), Reject> {
        let existing = self.location.lookup(now, aor);
        if existing
            .iter()
            .any(|b| b.call_id == call_id && cseq <= b.cseq)
        {
            return Err(Reject::new(500));
        }
        self.location
            .remove_all(now, aor)
            .map_err(|_| Reject::new(500))
    }

    /// Step 7, second half: "For each address, the registrar then searches
    /// the list of current bindings using the URI comparison rules. If the
    /// binding does not exist, it is tentatively added. If the binding does
    /// exist, the registrar checks the Call-ID value. If the Call-ID value
    /// in the existing binding differs from the Call-ID value in the
    /// request, the binding MUST be removed if the expiration time is zero
    /// and updated otherwise. If they are the same, the registrar compares
    /// the CSeq value. If the value is higher than that of the existing
    /// binding, it MUST update or remove the binding as above. If not, the
    /// update MUST be aborted and the request fails."
    fn update(
        &mut self,
        now: Instant,
        aor: &str,
        updates: Vec<ContactUpdate>,
        origin: &Origin<'_>,
    ) -> Result<(), Reject> {
        let Origin {
            call_id,
            cseq,
            ref path,
            source,
        } = *origin;
        let existing = self.location.lookup(now, aor);
        let mut changes = Vec::with_capacity(updates.len());
        for u in updates {
            let uri = u.contact.uri();
            if let Some(b) = existing.iter().find(|b| b.uri() == uri) {
                if b.call_id == call_id && cseq <= b.cseq {
                    return Err(Reject::new(500));
                }
            }
            if u.expires == 0 {
                changes.push(BindingChange::Remove(uri.clone()));
                continue;
            }
            let expires_at = now
                .checked_add(Duration::from_secs(u64::from(u.expires)))
                .ok_or_else(|| Reject::new(500))?;
            changes.push(BindingChange::Upsert(Binding {
                contact: u.contact,
                expires_at,
                q: u.q,
                call_id: call_id.to_owned(),
                cseq,
                path: path.clone(),
                source,
                registered_at: now,
            }));
        }
        // "The binding updates MUST be committed (that is, made visible to
        // the proxy or redirect server) if and only if all binding updates
        // and additions succeed. If any one of them fails (for example,
        // because the back-end database commit failed), the request MUST
        // fail with a 500 (Server Error) response".
        self.location
            .apply(now, aor, &changes)
            .map_err(|_| Reject::new(500))
    }

    /// The response to `request` (§8.2.6), with a To tag (§8.2.6.2) and
    /// `headers`.
    fn respond(
        &mut self,
        request: &Message,
        code: u16,
        headers: &[(HeaderName, String)],
    ) -> Message {
        let tag = self.ids.tag();
        if let Ok(mut b) = request.response_to(code, Some(&tag)) {
            for (name, value) in headers {
                b = b.header(name.clone(), value);
            }
            if let Ok(m) = b.build() {
                return m;
            }
        }
        // A malformed To (no tag can be added) or a folded header line:
        // copy the §8.2.6.2 headers by hand, unfolded.
        let mut b = Message::response(code);
        for h in request.headers() {
            match h.name {
                HeaderName::Via | HeaderName::From | HeaderName::CallId | HeaderName::CSeq => {
                    b = b.header(h.name.clone(), &unfold(h.value));
                }
                HeaderName::To => {
                    let v = unfold(h.value);
                    let v = match To::parse_str(&v) {
                        Ok(to) if to.tag().is_none() => {
                            to.0.with_param("tag", Some(&tag))
                                .map_or(v, |t| t.as_str().to_owned())
                        }
                        _ => v,
                    };
                    b = b.header(HeaderName::To, &v);
                }
                _ => {}
            }
        }
        for (name, value) in headers {
            b = b.header(name.clone(), value);
        }
        b.build().unwrap_or_else(|_| {
            Message::response(code)
                .build()
                .expect("a status line alone always parses")
        })
    }
}

/// The default authorization rule of step 4: a user may modify its own
/// address-of-record only.
fn owns(user: &str, aor: &sip_message::SipUri, canonical: &str) -> bool {
    if user == canonical {
        return true;
    }
    let Some(aor_user) = aor.user() else {
        return false;
    };
    match user.split_once('@') {
        None => user == aor_user,
        Some((u, host)) => u == aor_user && host.eq_ignore_ascii_case(aor.host()),
    }
}

#[cfg(test)]
mod tests;
