//! The server side of Digest authentication (RFC 3261 §22.1, §22.3, RFC
//! 2617 §3.2): issue nonces, check credentials.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sip_message::{
    Challenge, Credentials, Message, ParseError, ProxyAuthenticate, ProxyAuthorization, Uri,
    WwwAuthenticate,
};
use sip_transaction::IdGenerator;

use super::digest::{digest_matches, digest_response, ha1, Algorithm, QopParams};

/// Where an [`Authenticator`] finds a user's secret: the HA1 of RFC 2617
/// §3.2.2.2, `MD5(username ":" realm ":" password)` in lowercase hex.
///
/// A registrar and a proxy share one store; a database-backed store keeps
/// HA1s rather than passwords.
pub trait CredentialStore {
    /// The HA1 of `username` in `realm`, or `None` if the user is unknown.
    fn ha1(&self, username: &str, realm: &str) -> Option<String>;
}

impl<S: CredentialStore + ?Sized> CredentialStore for &S {
    fn ha1(&self, username: &str, realm: &str) -> Option<String> {
        (**self).ha1(username, realm)
    }
}

impl<S: CredentialStore + ?Sized> CredentialStore for Arc<S> {
    fn ha1(&self, username: &str, realm: &str) -> Option<String> {
        (**self).ha1(username, realm)
    }
}

/// An in-memory [`CredentialStore`]: passwords (valid in any realm) and
/// HA1s (for one realm). `Debug` prints the usernames only.
///
/// ```
/// use sip_dialog::{ha1, CredentialStore, MemoryCredentials};
/// let mut users: MemoryCredentials = [("bob", "zanzibar")].into_iter().collect();
/// users.insert_ha1("alice", "atlanta.example.com", ha1("alice", "atlanta.example.com", "x"));
/// assert_eq!(users.ha1("bob", "biloxi.example.com").unwrap(), ha1("bob", "biloxi.example.com", "zanzibar"));
/// assert!(users.ha1("alice", "biloxi.example.com").is_none());
/// assert!(users.ha1("carol", "biloxi.example.com").is_none());
/// ```
#[derive(Clone, Default)]
pub struct MemoryCredentials {
    passwords: HashMap<String, String>,
    /// (username, realm) -> HA1.
    ha1s: HashMap<(String, String), String>,
}

impl MemoryCredentials {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a user's password.
    pub fn insert(&mut self, username: impl Into<String>, password: impl Into<String>) {
        self.passwords.insert(username.into(), password.into());
    }

    /// Adds or replaces a user's HA1 for one realm (it wins over a password).
    pub fn insert_ha1(
        &mut self,
        username: impl Into<String>,
        realm: impl Into<String>,
        ha1: impl Into<String>,
    ) {
        self.ha1s
            .insert((username.into(), realm.into()), ha1.into());
    }

    /// Removes a user (password and HA1s); returns whether it was known.
    pub fn remove(&mut self, username: &str) -> bool {
        let before = self.ha1s.len();
        self.ha1s.retain(|(u, _), _| u != username);
        self.passwords.remove(username).is_some() || self.ha1s.len() != before
    }

    /// The number of entries (passwords plus HA1s).
    pub fn len(&self) -> usize {
        self.passwords.len() + self.ha1s.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl CredentialStore for MemoryCredentials {
    fn ha1(&self, username: &str, realm: &str) -> Option<String> {
        if let Some(h) = self.ha1s.get(&(username.to_owned(), realm.to_owned())) {
            return Some(h.clone());
        }
        self.passwords
            .get(username)
            .map(|p| ha1(username, realm, p))
    }
}

impl<U: Into<String>, P: Into<String>> FromIterator<(U, P)> for MemoryCredentials {
    /// A store of `(username, password)` pairs.
    fn from_iter<I: IntoIterator<Item = (U, P)>>(iter: I) -> Self {
        let mut s = Self::new();
        for (u, p) in iter {
            s.insert(u, p);
        }
        s
    }
}

impl fmt::Debug for MemoryCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut users: Vec<&str> = self.passwords.keys().map(String::as_str).collect();
        users.extend(self.ha1s.keys().map(|(u, _)| u.as_str()));
        users.sort_unstable();
        users.dedup();
        f.debug_struct("MemoryCredentials")
            .field("users", &users)
            .finish()
    }
}

/// What [`Authenticator::verify`] decided about a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthResult {
    /// The credentials are right: process the request as `username`.
    Authorized {
        /// The authenticated username.
        username: String,
    },
    /// Answer 401 or 407 with a new challenge
    /// ([`Authenticator::challenge_response`]). `stale` is true when the
    /// digest was right but its nonce is no longer accepted (expired,
    /// forgotten, or an RFC 2069-form nonce used before), so the client
    /// retries without asking its user (RFC 2617 §3.2.1). `stale` is false
    /// when the request has no credentials for this realm.
    Challenge {
        /// Whether to send `stale=TRUE`.
        stale: bool,
    },
    /// Answer 403 (Forbidden): the digest is wrong, the username is
    /// unknown, or the nonce count did not increase (a replay).
    Forbidden,
    /// Answer 400 (Bad Request): the credentials for this realm are
    /// malformed or ask for what was not offered (RFC 2617 §3.2.2: "If a
    /// directive or its value is improper, or required directives are
    /// missing, the proper response is 400 Bad Request").
    BadRequest {
        /// What is wrong, for the reason phrase or a log.
        reason: &'static str,
    },
}

/// What is remembered of an issued nonce.
#[derive(Debug)]
struct NonceState {
    expires: Instant,
    /// The highest nonce count accepted so far (0: none).
    last_nc: u32,
}

/// Issues Digest challenges and checks credentials for one realm (RFC
/// 3261 §22.1 for a UAS or registrar, §22.3 for a proxy).
///
/// Sans-IO: every call that depends on time takes `now`. Nonces are
/// random (128 bits from the injected [`IdGenerator`]) and remembered
/// with their expiry and highest nonce count; they are forgotten when
/// they expire, found through a min-heap of expiry times so that no call
/// scans the table. The table also has a size cap: when it is full, the
/// oldest nonce is forgotten to make room (its client then gets a
/// `stale=TRUE` challenge and retries), so a flood of unauthenticated
/// requests cannot grow memory without bound.
///
/// The challenges offer `qop="auth"` (§22.4 item 8: "servers MUST always
/// send a "qop" parameter") with `algorithm=MD5`. Credentials in the RFC
/// 2069 form (without qop) are still accepted, as §22.4 item 8 requires
/// ("the "qop" parameter must unfortunately remain optional for clients
/// and servers to receive"), but without a nonce count nothing tells a
/// replay apart, so such a nonce is good for one request: its second use
/// gets a `stale=TRUE` challenge with a fresh nonce.
///
/// ```
/// use std::time::Instant;
/// use sip_dialog::{Authenticator, MemoryCredentials};
/// use sip_transaction::IdGenerator;
///
/// let users: MemoryCredentials = [("alice", "secret")].into_iter().collect();
/// let mut auth = Authenticator::new("atlanta.example.com", users, IdGenerator::seeded(7));
/// let challenge = auth.challenge(Instant::now(), false);
/// assert_eq!(challenge.realm().as_deref(), Some("atlanta.example.com"));
/// assert_eq!(challenge.qop_options().collect::<Vec<_>>(), ["auth"]);
/// assert_eq!(auth.nonces_remembered(), 1);
/// ```
pub struct Authenticator<S> {
    realm: String,
    store: S,
    ids: IdGenerator,
    nonce_lifetime: Duration,
    max_nonces: usize,
    check_digest_uri: bool,
    nonces: HashMap<String, NonceState>,
    /// Expiry times, earliest on top; an entry whose nonce is no longer in
    /// `nonces` (consumed) is dropped when it surfaces.
    expiries: BinaryHeap<Reverse<(Instant, String)>>,
}

impl<S: CredentialStore> Authenticator<S> {
    /// The default nonce lifetime: 300 s, long enough for a user to answer
    /// a prompt, short enough to limit replays of a captured nonce.
    pub const DEFAULT_NONCE_LIFETIME: Duration = Duration::from_secs(300);

    /// The default cap on remembered nonces.
    pub const DEFAULT_MAX_NONCES: usize = 65_536;

    /// An authenticator for `realm` (§22.1: the realm "MUST be globally
    /// unique" for a server, e.g. its domain), with users from `store` and
    /// nonces from `ids`.
    ///
    /// # Panics
    /// If `realm` holds characters a quoted-string cannot carry (control
    /// characters): a configuration error.
    pub fn new(realm: impl Into<String>, store: S, ids: IdGenerator) -> Self {
        let realm = realm.into();
        assert!(
            Challenge::digest(&realm, "x").build().is_ok(),
            "realm {realm:?} cannot be written in a challenge"
        );
        Self {
            realm,
            store,
            ids,
            nonce_lifetime: Self::DEFAULT_NONCE_LIFETIME,
            max_nonces: Self::DEFAULT_MAX_NONCES,
            check_digest_uri: true,
            nonces: HashMap::new(),
            expiries: BinaryHeap::new(),
        }
    }

    /// Sets how long a nonce is accepted after it is issued (at most a
    /// day, so that `now + lifetime` cannot overflow).
    pub fn set_nonce_lifetime(&mut self, lifetime: Duration) -> &mut Self {
        self.nonce_lifetime = lifetime.min(Duration::from_secs(24 * 3600));
        self
    }

    /// Sets the cap on remembered nonces (at least 1).
    pub fn set_max_nonces(&mut self, max: usize) -> &mut Self {
        self.max_nonces = max.max(1);
        self
    }

    /// Whether the digest-uri must equal the Request-URI (default: yes).
    ///
    /// RFC 2617 §3.2.2.5 asks for the check and a 400 on a mismatch; RFC
    /// 3261 §22.4 item 6 relaxes it because a proxy before this server may
    /// have retargeted the request ("it is not necessarily a failure if the
    /// two fields are not equivalent"). Turn it off for a server behind
    /// such a proxy. The digest still covers the digest-uri either way.
    pub fn set_check_digest_uri(&mut self, check: bool) -> &mut Self {
        self.check_digest_uri = check;
        self
    }

    /// The realm.
    pub fn realm(&self) -> &str {
        &self.realm
    }

    /// The credential store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The credential store, to add or remove users.
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    /// How many nonces are remembered: issued, not yet expired, including
    /// consumed ones whose expiry has not come yet. Bounded by the cap.
    pub fn nonces_remembered(&self) -> usize {
        self.expiries.len().max(self.nonces.len())
    }

    /// A new challenge with a fresh nonce, remembered until `now` plus the
    /// nonce lifetime: `Digest realm="...", nonce="...", qop="auth",
    /// algorithm=MD5`, and `stale=TRUE` when `stale`.
    pub fn challenge(&mut self, now: Instant, stale: bool) -> Challenge {
        self.forget_expired(now);
        while self.expiries.len() >= self.max_nonces {
            if let Some(Reverse((_, n))) = self.expiries.pop() {
                self.nonces.remove(&n);
            }
        }
        let nonce = format!("{}{}", self.ids.tag(), self.ids.tag());
        let expires = now + self.nonce_lifetime;
        self.nonces.insert(
            nonce.clone(),
            NonceState {
                expires,
                last_nc: 0,
            },
        );
        self.expiries.push(Reverse((expires, nonce.clone())));
        let mut b = Challenge::digest(&self.realm, &nonce).qop(&["auth"]);
        if stale {
            b = b.stale(true);
        }
        // The realm was checked in `new`; the nonce is two tags (digits and
        // lowercase letters).
        b.algorithm(Algorithm::Md5.as_str())
            .build()
            .expect("realm checked in Authenticator::new")
    }

    /// The 401 (WWW-Authenticate) or, with `proxy`, 407
    /// (Proxy-Authenticate) for `request`, with a fresh challenge and a To
    /// tag (§8.2.6.2).
    ///
    /// # Errors
    /// If the request's To header is malformed.
    ///
    /// # Panics
    /// If `request` is a response.
    pub fn challenge_response(
        &mut self,
        now: Instant,
        request: &Message,
        proxy: bool,
        stale: bool,
    ) -> Result<Message, ParseError> {
        let challenge = self.challenge(now, stale);
        let tag = self.ids.tag();
        let b = if proxy {
            request
                .response_to(407, Some(&tag))?
                .typed(&ProxyAuthenticate(challenge))
        } else {
            request
                .response_to(401, Some(&tag))?
                .typed(&WwwAuthenticate(challenge))
        };
        b.build()
    }

    /// Checks the credentials `request` carries for this realm: those of
    /// Authorization, or of Proxy-Authorization when `proxy` (§22.3: a
    /// value "MUST NOT be consumed by any proxy whose realm does not match
    /// the "realm" parameter specified in that value").
    ///
    /// The rules, in order:
    /// 1. no Digest credentials for this realm: challenge;
    /// 2. a missing `username`, `nonce`, `uri` or `response`, an algorithm
    ///    other than MD5, a qop other than `auth`, `qop` without `cnonce`
    ///    and `nc`, or a digest-uri other than the Request-URI (RFC 2617
    ///    §3.2.2.5, see [`set_check_digest_uri`](Self::set_check_digest_uri)):
    ///    bad request;
    /// 3. a username unknown to the store, or a wrong digest: forbidden;
    /// 4. a nonce not issued, expired or forgotten, with a right digest:
    ///    challenge with `stale` (RFC 2617 §3.2.1: the server "should only
    ///    set stale to TRUE if it receives a request for which the nonce is
    ///    invalid but with a valid digest for that nonce");
    /// 5. with qop, a nonce count not above the last accepted for the
    ///    nonce: forbidden (a replay, RFC 2617 §3.2.2); without qop, the
    ///    nonce is consumed, so its next use is stale;
    /// 6. otherwise authorized.
    pub fn verify(&mut self, now: Instant, request: &Message, proxy: bool) -> AuthResult {
        self.forget_expired(now);
        let (Some(method), Some(request_uri)) = (request.method(), request.request_uri_str())
        else {
            return AuthResult::BadRequest {
                reason: "not a request",
            };
        };
        let Some(creds) = self.credentials_in(request, proxy) else {
            return AuthResult::Challenge { stale: false };
        };
        let (Some(username), Some(nonce), Some(uri), Some(response)) = (
            creds.username(),
            creds.nonce(),
            creds.uri(),
            creds.response(),
        ) else {
            return AuthResult::BadRequest {
                reason: "credentials lack username, nonce, uri or response",
            };
        };
        if Algorithm::from_param(creds.algorithm().as_deref()) != Some(Algorithm::Md5) {
            return AuthResult::BadRequest {
                reason: "algorithm not offered",
            };
        }
        let qop = creds.qop();
        let cnonce = creds.cnonce();
        let nc_raw = creds.param_raw("nc");
        let qop_params = match (qop.as_deref(), cnonce.as_deref(), nc_raw, creds.nc()) {
            (None, _, _, _) => None,
            (Some(q), Some(cnonce), Some(nc), Some(count)) if q.eq_ignore_ascii_case("auth") => {
                Some((
                    QopParams {
                        nc: nc.trim_matches('"'),
                        cnonce,
                        qop: q,
                    },
                    count,
                ))
            }
            (Some(q), _, _, _) if q.eq_ignore_ascii_case("auth") => {
                return AuthResult::BadRequest {
                    reason: "qop=auth without cnonce and nc",
                }
            }
            (Some(_), _, _, _) => {
                return AuthResult::BadRequest {
                    reason: "qop not offered",
                }
            }
        };
        // RFC 2617 §3.2.2.5: the server "must assure that the resource
        // designated by the "uri" directive is the same as the resource
        // specified in the Request-Line; if they are not, the server SHOULD
        // return a 400 Bad Request error".
        if self.check_digest_uri && !same_uri(&uri, request_uri) {
            return AuthResult::BadRequest {
                reason: "digest-uri is not the Request-URI",
            };
        }
        let Some(ha1) = self.store.ha1(&username, &self.realm) else {
            return AuthResult::Forbidden;
        };
        let expected = digest_response(
            &ha1,
            &nonce,
            method.as_str(),
            &uri,
            qop_params.map(|(q, _)| q),
        );
        if !digest_matches(&expected, response) {
            return AuthResult::Forbidden;
        }
        let Some(state) = self.nonces.get_mut(nonce.as_ref()) else {
            return AuthResult::Challenge { stale: true };
        };
        if state.expires <= now {
            // Not yet purged only if `now` went backwards; treat it as expired.
            return AuthResult::Challenge { stale: true };
        }
        match qop_params {
            Some((_, count)) => {
                // RFC 2617 §3.2.2: "if the same nc-value is seen twice, then
                // the request is a replay". A count that does not go up is
                // refused; the transaction layer has already absorbed
                // retransmissions, so each count reaches here once.
                if count <= state.last_nc {
                    return AuthResult::Forbidden;
                }
                state.last_nc = count;
            }
            None => {
                // RFC 2069 form: single use (the heap entry goes at expiry).
                self.nonces.remove(nonce.as_ref());
            }
        }
        AuthResult::Authorized {
            username: username.into_owned(),
        }
    }

    /// The first Digest credentials of the right header for this realm.
    fn credentials_in(&self, request: &Message, proxy: bool) -> Option<Credentials> {
        let mine = |c: &Credentials| c.is_digest() && c.realm().as_deref() == Some(&*self.realm);
        if proxy {
            request
                .typed_all::<ProxyAuthorization>()
                .filter_map(Result::ok)
                .map(|h| h.0)
                .find(mine)
        } else {
            request
                .typed_all::<sip_message::Authorization>()
                .filter_map(Result::ok)
                .map(|h| h.0)
                .find(mine)
        }
    }

    /// Drops the nonces whose expiry is at or before `now`: pops the heap
    /// while its earliest entry is due, so the cost is the number dropped.
    fn forget_expired(&mut self, now: Instant) {
        while let Some(Reverse((at, _))) = self.expiries.peek() {
            if *at > now {
                break;
            }
            if let Some(Reverse((_, n))) = self.expiries.pop() {
                self.nonces.remove(&n);
            }
        }
    }
}

impl<S: fmt::Debug> fmt::Debug for Authenticator<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("realm", &self.realm)
            .field("store", &self.store)
            .field("nonce_lifetime", &self.nonce_lifetime)
            .field("nonces", &self.nonces.len())
            .finish_non_exhaustive()
    }
}

/// Whether the digest-uri names the Request-URI: the same text, or URIs
/// equal under RFC 3261 §19.1.4.
fn same_uri(digest_uri: &str, request_uri: &str) -> bool {
    if digest_uri == request_uri {
        return true;
    }
    match (Uri::parse(digest_uri), Uri::parse(request_uri)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
