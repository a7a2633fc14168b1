//! The UAC side of Digest authentication (RFC 3261 §22.2, §22.3): answer
//! 401 and 407 challenges, and send cached credentials on later requests.

use std::fmt;

use sip_message::{
    ByteString, CSeq, Challenge, Credentials, HeaderName, Message, ProxyAuthenticate,
    WwwAuthenticate,
};
use sip_transaction::IdGenerator;

use super::digest::{digest_response, ha1, ha1_sess, Algorithm, QopParams};
use super::AuthError;

/// A username and its secret, for one realm or for any.
///
/// The secret is a password, or an HA1 (`MD5(user:realm:password)`, see
/// [`ha1`](crate::ha1)) so that the password itself need not be stored;
/// an HA1 is bound to its realm. `Debug` does not print the secret.
///
/// ```
/// use sip_dialog::Credential;
/// let any = Credential::new("bob", "zanzibar");
/// assert_eq!(any.realm(), None);
/// let one = Credential::new("alice", "secret").for_realm("atlanta.example.com");
/// assert_eq!(one.realm(), Some("atlanta.example.com"));
/// assert!(!format!("{one:?}").contains("secret"));
/// ```
#[derive(Clone)]
pub struct Credential {
    username: String,
    realm: Option<String>,
    secret: Secret,
}

#[derive(Clone)]
enum Secret {
    Password(String),
    Ha1(String),
}

impl Credential {
    /// A username and password offered to any realm that challenges.
    ///
    /// Answering any realm tells every challenger the username (never the
    /// password); restrict it with [`for_realm`](Self::for_realm) when the
    /// realms are known.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            realm: None,
            secret: Secret::Password(password.into()),
        }
    }

    /// A username and a precomputed HA1 for `realm`.
    pub fn from_ha1(
        username: impl Into<String>,
        realm: impl Into<String>,
        ha1: impl Into<String>,
    ) -> Self {
        Self {
            username: username.into(),
            realm: Some(realm.into()),
            secret: Secret::Ha1(ha1.into()),
        }
    }

    /// Restricts the credential to `realm` (compared exactly).
    pub fn for_realm(mut self, realm: impl Into<String>) -> Self {
        self.realm = Some(realm.into());
        self
    }

    /// The username.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The realm it answers, or `None` for any.
    pub fn realm(&self) -> Option<&str> {
        self.realm.as_deref()
    }

    fn ha1(&self, realm: &str) -> String {
        match &self.secret {
            Secret::Password(p) => ha1(&self.username, realm, p),
            Secret::Ha1(h) => h.clone(),
        }
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("username", &self.username)
            .field("realm", &self.realm)
            .finish_non_exhaustive()
    }
}

/// Which pair of headers a challenge came in (RFC 3261 §22.2 vs §22.3).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Kind {
    /// WWW-Authenticate in, Authorization out: a UAS or registrar.
    Www,
    /// Proxy-Authenticate in, Proxy-Authorization out: a proxy.
    Proxy,
}

impl Kind {
    fn credentials_header(self) -> HeaderName {
        match self {
            Self::Www => HeaderName::Authorization,
            Self::Proxy => HeaderName::ProxyAuthorization,
        }
    }
}

/// A Digest challenge this client can answer.
#[derive(Debug)]
struct Offer {
    kind: Kind,
    realm: String,
    nonce: String,
    opaque: Option<String>,
    algorithm: Algorithm,
    qop: bool,
    stale: bool,
}

impl Offer {
    /// The challenge's fields, or `None` when it is not Digest, lacks a
    /// realm or nonce, or asks for an algorithm or qop this crate does not
    /// compute.
    fn of(kind: Kind, c: &Challenge) -> Option<Self> {
        if !c.is_digest() {
            return None;
        }
        let algorithm = Algorithm::from_param(c.algorithm().as_deref())?;
        // RFC 3261 §22.4 item 8: "If a client receives a "qop" parameter in
        // a challenge header field, it MUST send the "qop" parameter in any
        // resulting authorization header field": auth, or not at all.
        let qop = if c.contains("qop") {
            if !c.qop_options().any(|q| q.eq_ignore_ascii_case("auth")) {
                return None;
            }
            true
        } else {
            false
        };
        // MD5-sess hashes the cnonce, and "a cnonce value MUST NOT be sent
        // in an Authorization ... header field if no qop directive has been
        // sent" (§22.4 item 8).
        if algorithm == Algorithm::Md5Sess && !qop {
            return None;
        }
        Some(Self {
            kind,
            realm: c.realm()?.into_owned(),
            nonce: c.nonce()?.into_owned(),
            opaque: c.opaque().map(|o| o.into_owned()),
            algorithm,
            qop,
            stale: c.stale(),
        })
    }
}

/// The last challenge of one realm, with what is needed to answer it again.
#[derive(Debug)]
struct Session {
    kind: Kind,
    realm: String,
    username: String,
    /// The MD5 HA1 (before MD5-sess).
    ha1: String,
    nonce: String,
    opaque: Option<String>,
    algorithm: Algorithm,
    qop: bool,
    /// The last nonce count sent with `nonce` (0: none yet).
    nc: u32,
    /// MD5-sess: the cnonce the session key was made with, reused so the
    /// key stays the one the server derived first (RFC 2617 §3.2.2.2: "A1
    /// is calculated only once").
    sess_cnonce: Option<String>,
    /// The Call-ID and CSeq number of the request this session last
    /// answered a challenge for, to notice the same request coming back.
    answered: Option<(String, u32)>,
    /// The `response` of the credentials that answered the last challenge
    /// (as opposed to those `authorize` sent ahead of one).
    direct_response: Option<String>,
}

impl Session {
    fn matches(&self, kind: Kind, realm: &str) -> bool {
        self.kind == kind && self.realm == realm
    }

    /// Builds the next credentials: nonce count + 1, a fresh cnonce.
    fn credentials(
        &mut self,
        ids: &mut IdGenerator,
        method: &str,
        uri: &str,
    ) -> Result<Credentials, AuthError> {
        self.nc = self.nc.saturating_add(1);
        let mut b;
        if self.qop {
            let cnonce = match (&self.sess_cnonce, self.algorithm) {
                (Some(c), Algorithm::Md5Sess) => c.clone(),
                _ => ids.tag(),
            };
            let key = match self.algorithm {
                Algorithm::Md5 => self.ha1.clone(),
                Algorithm::Md5Sess => {
                    self.sess_cnonce = Some(cnonce.clone());
                    ha1_sess(&self.ha1, &self.nonce, &cnonce)
                }
            };
            let nc = format!("{:08x}", self.nc);
            let qop = QopParams {
                nc: &nc,
                cnonce: &cnonce,
                qop: "auth",
            };
            let response = digest_response(&key, &self.nonce, method, uri, Some(qop));
            b = Credentials::digest(&self.username, &self.realm, &self.nonce, uri, &response)
                .algorithm(self.algorithm.as_str())
                .cnonce(&cnonce)
                .qop("auth")
                .nc(self.nc);
        } else {
            // The RFC 2069 form (RFC 2617 §3.2.2.1), when the challenge
            // offered no qop.
            let response = digest_response(&self.ha1, &self.nonce, method, uri, None);
            b = Credentials::digest(&self.username, &self.realm, &self.nonce, uri, &response)
                .algorithm(self.algorithm.as_str());
        }
        if let Some(o) = &self.opaque {
            // RFC 2617 §3.2.2: the opaque "MUST be returned by the client unchanged".
            b = b.opaque(o);
        }
        b.build().map_err(AuthError::Header)
    }
}

/// Answers Digest challenges for a UAC (RFC 3261 §22.2, §22.3).
///
/// It holds the [`Credential`]s and, per challenged realm, the last
/// nonce with its opaque, algorithm, qop and nonce count, so that:
///
/// - [`authorize_challenge`](Self::authorize_challenge) turns a request
///   and the 401/407 it got into the request to send again, with one
///   Authorization or Proxy-Authorization per realm;
/// - [`authorize`](Self::authorize) puts the cached credentials on a new
///   request (a REGISTER refresh, the next INVITE through the same proxy),
///   with the next nonce count and a fresh cnonce, saving a round trip.
///
/// It never loops on a wrong password: a realm that refuses the
/// credentials it was sent gives [`AuthError::Rejected`].
///
/// # Which request to pass
///
/// Pass the request exactly as the UA core handed it to the transaction
/// layer, without the Via the layer adds on send
/// ([`TransactionLayer::send_request`](sip_transaction::TransactionLayer::send_request)
/// puts its own Via on top, so a request carrying the previous attempt's
/// Via would go out with two). For a retry, that is the authorized copy
/// this client returned, not the first attempt: the credentials it
/// carries are how a refusal is recognized.
///
/// The copy returned keeps the CSeq. §22.2: "When a UAC resubmits a
/// request with its credentials after receiving a 401 (Unauthorized) or
/// 407 (Proxy Authentication Required) response, it MUST increment the
/// CSeq header field value as it would normally when sending an updated
/// request", and the resubmission is a new transaction.
/// [`authorize_retry`](Self::authorize_retry) does both steps for a
/// request outside a dialog; inside one, take the CSeq from the
/// [`Dialog`](crate::Dialog).
pub struct DigestClient {
    credentials: Vec<Credential>,
    sessions: Vec<Session>,
    ids: IdGenerator,
}

impl DigestClient {
    /// A client without credentials, drawing cnonces from `ids`.
    pub fn new(ids: IdGenerator) -> Self {
        Self {
            credentials: Vec::new(),
            sessions: Vec::new(),
            ids,
        }
    }

    /// Adds a credential (builder style).
    pub fn with_credential(mut self, credential: Credential) -> Self {
        self.add_credential(credential);
        self
    }

    /// Adds a credential. A realm-specific credential is preferred over
    /// one for any realm; among equals, the first added wins.
    pub fn add_credential(&mut self, credential: Credential) -> &mut Self {
        self.credentials.push(credential);
        self
    }

    /// The realms with a cached challenge, which [`authorize`](Self::authorize)
    /// answers preemptively.
    pub fn cached_realms(&self) -> impl Iterator<Item = &str> + '_ {
        self.sessions.iter().map(|s| s.realm.as_str())
    }

    /// Forgets every cached challenge (the credentials stay).
    pub fn clear_cache(&mut self) {
        self.sessions.clear();
    }

    /// Returns a copy of `request` with credentials for each challenge in
    /// `response`, a 401 or 407 (RFC 3261 §22.2, §22.3).
    ///
    /// Every WWW-Authenticate and Proxy-Authenticate of the response is
    /// read, whatever the status: a forking proxy gathers both kinds into
    /// one response (§22.3). Each realm is answered once, from its first
    /// challenge this client can compute (MD5 or MD5-sess, `qop=auth` when
    /// offered, else the RFC 2069 form), with a new Authorization or
    /// Proxy-Authorization replacing any the request had for that realm;
    /// credentials for other realms stay. A realm without a credential is
    /// skipped when another realm can be answered.
    ///
    /// The copy keeps the CSeq and any Via of `request`: see the type's
    /// documentation.
    ///
    /// # Errors
    /// - [`AuthError::NotARequest`], [`AuthError::NotAChallenge`] for the
    ///   wrong kind of message;
    /// - [`AuthError::Unsupported`] if no challenge can be computed;
    /// - [`AuthError::Rejected`] if a realm refused credentials already
    ///   sent: `request` carried credentials for the realm whose nonce the
    ///   new challenge repeats; or it carried the credentials this client
    ///   built to answer the realm's last challenge and the new challenge
    ///   is not stale; or this client already answered a challenge for
    ///   this same request (Call-ID and CSeq) and the realm challenges
    ///   again without `stale`. Credentials that
    ///   [`authorize`](Self::authorize) sent ahead of a challenge get one
    ///   retry even without `stale`, since a server may forget a nonce
    ///   without saying so. The realm's cached challenge is dropped.
    /// - [`AuthError::NoCredentials`] if no challenged realm has a credential;
    /// - [`AuthError::Header`] if a value cannot be written.
    pub fn authorize_challenge(
        &mut self,
        request: &Message,
        response: &Message,
    ) -> Result<Message, AuthError> {
        let method = request.method().ok_or(AuthError::NotARequest)?.as_str();
        let uri = request.request_uri_str().ok_or(AuthError::NotARequest)?;
        if !matches!(response.status(), Some(401 | 407)) {
            return Err(AuthError::NotAChallenge);
        }
        let id = request_id(request);

        // §22.3: one credential per realm, even when the realm sent several
        // challenges (say MD5 and SHA-256): the first this client computes.
        let mut offers: Vec<Offer> = Vec::new();
        let www = response
            .typed_all::<WwwAuthenticate>()
            .filter_map(Result::ok)
            .map(|h| (Kind::Www, h.0));
        let proxy = response
            .typed_all::<ProxyAuthenticate>()
            .filter_map(Result::ok)
            .map(|h| (Kind::Proxy, h.0));
        for (kind, c) in www.chain(proxy) {
            if let Some(o) = Offer::of(kind, &c) {
                if !offers.iter().any(|x| x.kind == kind && x.realm == o.realm) {
                    offers.push(o);
                }
            }
        }
        if offers.is_empty() {
            return Err(AuthError::Unsupported);
        }

        let mut missing = None;
        let mut answers: Vec<(Offer, usize)> = Vec::new();
        for o in offers {
            if self.refused(request, id.as_ref(), &o) {
                self.sessions.retain(|s| !s.matches(o.kind, &o.realm));
                return Err(AuthError::Rejected { realm: o.realm });
            }
            match self.credential_for(&o.realm) {
                Some(i) => answers.push((o, i)),
                None => {
                    missing.get_or_insert(o.realm);
                }
            }
        }
        if answers.is_empty() {
            return Err(AuthError::NoCredentials {
                realm: missing.unwrap_or_default(),
            });
        }

        // Build everything before touching the cache, so an error leaves it as it was.
        let mut out = request.clone();
        let mut updated = Vec::with_capacity(answers.len());
        for (o, i) in answers {
            let mut s = self.session_for(o, i);
            s.answered = id.clone();
            let creds = s.credentials(&mut self.ids, method, uri)?;
            s.direct_response = creds.response().map(str::to_owned);
            put_credentials(&mut out, s.kind, &s.realm, &creds);
            updated.push(s);
        }
        for s in updated {
            self.sessions.retain(|x| !x.matches(s.kind, &s.realm));
            self.sessions.push(s);
        }
        Ok(out)
    }

    /// [`authorize_challenge`](Self::authorize_challenge), then the two
    /// steps of a resubmission outside a dialog: the CSeq number goes up by
    /// one (§22.2) and every Via is removed, so the transaction layer's
    /// Via is the only one.
    ///
    /// Do not use it for a request a proxy forwards (its Vias are the
    /// path) or inside a dialog (the [`Dialog`](crate::Dialog) owns the
    /// CSeq).
    ///
    /// # Errors
    /// As [`authorize_challenge`](Self::authorize_challenge), and
    /// [`AuthError::Header`] if the request has no valid CSeq.
    pub fn authorize_retry(
        &mut self,
        request: &Message,
        response: &Message,
    ) -> Result<Message, AuthError> {
        let cseq = request.typed::<CSeq>().map_err(AuthError::Header)?;
        let mut out = self.authorize_challenge(request, response)?;
        out.set_typed(&CSeq::new(cseq.seq.wrapping_add(1), cseq.method));
        out.remove_header(&HeaderName::Via);
        Ok(out)
    }

    /// Adds credentials for every cached realm to a new request: the next
    /// nonce count with a fresh cnonce, the digest-uri being the request's
    /// Request-URI. Returns how many were added (0 for a response).
    ///
    /// RFC 2617 §3.3 lets a client reuse a nonce on later requests, with
    /// the nonce count going up; if the nonce has expired, the server
    /// answers with a `stale=true` challenge, which
    /// [`authorize_challenge`](Self::authorize_challenge) answers with no
    /// further question.
    ///
    /// Every cached realm is answered, so this suits a registrar that
    /// refreshes or an outbound proxy that sees every request; a UA that
    /// talks to several servers should keep one client per server.
    pub fn authorize(&mut self, request: &mut Message) -> usize {
        let (Some(method), Some(uri)) = (request.method(), request.request_uri_str()) else {
            return 0;
        };
        let (method, uri) = (method.as_str().to_owned(), uri.to_owned());
        let mut added = 0;
        for s in &mut self.sessions {
            // A session's values were writable when it was made, so this
            // does not fail; if it ever did, the request simply goes
            // without that realm's credentials and gets challenged.
            if let Ok(creds) = s.credentials(&mut self.ids, &method, &uri) {
                put_credentials(request, s.kind, &s.realm, &creds);
                added += 1;
            }
        }
        added
    }

    /// Whether `o` shows that credentials already sent to its realm were
    /// refused (see [`authorize_challenge`](Self::authorize_challenge)).
    fn refused(&self, request: &Message, id: Option<&(String, u32)>, o: &Offer) -> bool {
        let session = self.sessions.iter().find(|s| s.matches(o.kind, &o.realm));
        if let Some(sent) = find_credentials(request, o.kind, &o.realm) {
            // The nonce just answered comes back: the answer failed,
            // whatever `stale` says.
            if sent.nonce().unwrap_or_default() == o.nonce {
                return true;
            }
            if o.stale {
                return false;
            }
            // RFC 2617 §3.2.1: without stale=true, "the username and/or
            // password are invalid". That is certain for credentials that
            // answered a challenge. Credentials sent ahead of any challenge
            // (`authorize`) may instead have met a server that forgot their
            // nonce and did not say stale: they get one retry, and that
            // retry is itself a direct answer.
            return session.is_some_and(|s| {
                s.direct_response.is_some() && s.direct_response.as_deref() == sent.response()
            });
        }
        // The request carries no credentials for the realm, but this very
        // request was answered before: the caller passed the first attempt
        // instead of the authorized copy.
        !o.stale && id.is_some() && session.is_some_and(|s| s.answered.as_ref() == id)
    }

    /// The credential for `realm`: the first for exactly that realm, else
    /// the first for any realm.
    fn credential_for(&self, realm: &str) -> Option<usize> {
        self.credentials
            .iter()
            .position(|c| c.realm() == Some(realm))
            .or_else(|| self.credentials.iter().position(|c| c.realm.is_none()))
    }

    /// The session that answers `o` with credential `i`: the cached one
    /// when the nonce is the same (its count goes on), else a new one.
    fn session_for(&self, o: Offer, i: usize) -> Session {
        let cred = &self.credentials[i];
        let (nc, sess_cnonce) = self
            .sessions
            .iter()
            .find(|s| s.matches(o.kind, &o.realm) && s.nonce == o.nonce)
            .map_or((0, None), |s| (s.nc, s.sess_cnonce.clone()));
        Session {
            kind: o.kind,
            username: cred.username.clone(),
            ha1: cred.ha1(&o.realm),
            realm: o.realm,
            nonce: o.nonce,
            opaque: o.opaque,
            algorithm: o.algorithm,
            qop: o.qop,
            nc,
            sess_cnonce,
            answered: None,
            direct_response: None,
        }
    }
}

impl Default for DigestClient {
    /// A client without credentials, with OS-seeded cnonces.
    fn default() -> Self {
        Self::new(IdGenerator::default())
    }
}

impl fmt::Debug for DigestClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DigestClient")
            .field("credentials", &self.credentials)
            .field("realms", &self.cached_realms().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// Call-ID and CSeq number: which request this is.
fn request_id(request: &Message) -> Option<(String, u32)> {
    let cseq = request.typed::<CSeq>().ok()?;
    Some((request.call_id()?.to_owned(), cseq.seq))
}

/// The Digest credentials of `kind` for `realm` in `msg`, if any.
fn find_credentials(msg: &Message, kind: Kind, realm: &str) -> Option<Credentials> {
    let name = kind.credentials_header();
    let found = msg
        .header_values(&name)
        .filter_map(|v| Credentials::parse(&ByteString::from(v)).ok())
        .find(|c| c.is_digest() && c.realm().as_deref() == Some(realm));
    found
}

/// Replaces the credentials `msg` has for (`kind`, `realm`) with `creds`,
/// keeping those for other realms (§22.3: a Proxy-Authorization "MUST NOT
/// be consumed by any proxy whose realm does not match").
fn put_credentials(msg: &mut Message, kind: Kind, realm: &str, creds: &Credentials) {
    let name = kind.credentials_header();
    let keep: Vec<String> = msg
        .header_values(&name)
        .filter(|v| {
            Credentials::parse(&ByteString::from(*v)).map_or(true, |c| {
                !(c.is_digest() && c.realm().as_deref() == Some(realm))
            })
        })
        .map(str::to_owned)
        .collect();
    msg.remove_header(&name);
    for v in &keep {
        msg.push_header(name.clone(), v);
    }
    msg.push_header(name, creds.as_str());
}

#[cfg(test)]
impl DigestClient {
    /// The nonce count last sent to `realm`.
    pub(crate) fn nonce_count(&self, realm: &str) -> Option<u32> {
        self.sessions
            .iter()
            .find(|s| s.realm == realm)
            .map(|s| s.nc)
    }
}
