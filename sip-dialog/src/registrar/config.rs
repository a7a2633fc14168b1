//! The registrar's configuration and the per-request context the driver
//! passes in.

use std::net::SocketAddr;

use sip_message::Date;

/// The configuration of a [`Registrar`](super::Registrar). `Default`
/// holds common values (min 60 s, max and default 3600 s, `path`
/// supported) and no domain: add the domains the registrar serves with
/// [`add_domain`](Self::add_domain).
#[derive(Clone, Debug)]
pub struct RegistrarConfig {
    pub(super) domains: Vec<String>,
    pub(super) min_expires: u32,
    pub(super) max_expires: u32,
    pub(super) default_expires: u32,
    pub(super) supported: Vec<String>,
}

impl Default for RegistrarConfig {
    fn default() -> Self {
        Self {
            domains: Vec::new(),
            min_expires: 60,
            max_expires: 3600,
            default_expires: 3600,
            supported: vec!["path".to_owned()],
        }
    }
}

impl RegistrarConfig {
    /// Adds a host the registrar accepts in the Request-URI (§10.3 step 1)
    /// and in the address-of-record (step 5), compared case-insensitively.
    /// List both the served domains (`biloxi.example.com`) and the names
    /// the registrar is addressed by (`ss2.biloxi.example.com`, as in the
    /// flows of RFC 3665 §2).
    pub fn add_domain(&mut self, domain: &str) -> &mut Self {
        self.domains
            .push(domain.trim_end_matches('.').to_ascii_lowercase());
        self
    }

    /// The shortest interval accepted, in seconds (default 60). A shorter
    /// one is refused with 423 and this value in Min-Expires, as long as
    /// it is also under an hour (§10.3 step 7: "If and only if the
    /// requested expiration interval is greater than zero AND smaller than
    /// one hour AND less than a registrar-configured minimum").
    pub fn min_expires(&mut self, secs: u32) -> &mut Self {
        self.min_expires = secs;
        self
    }

    /// The longest interval granted, in seconds (default 3600): longer
    /// requests are shortened ("The registrar MAY choose an expiration less
    /// than the requested expiration interval").
    pub fn max_expires(&mut self, secs: u32) -> &mut Self {
        self.max_expires = secs;
        self
    }

    /// The interval requested by a contact with neither an `expires`
    /// parameter nor an Expires header ("a locally-configured default
    /// value", default 3600).
    pub fn default_expires(&mut self, secs: u32) -> &mut Self {
        self.default_expires = secs;
        self
    }

    /// Adds an option tag the registrar supports, for the Require check
    /// (§8.2.2.3). `path` ([RFC 3327]) is supported by default.
    ///
    /// [RFC 3327]: https://www.rfc-editor.org/rfc/rfc3327
    pub fn add_supported(&mut self, option_tag: &str) -> &mut Self {
        self.supported.push(option_tag.to_owned());
        self
    }

    /// Forgets every supported option tag, `path` included.
    pub fn clear_supported(&mut self) -> &mut Self {
        self.supported.clear();
        self
    }

    /// Whether `host` is one of the configured domains.
    pub fn is_local_domain(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.');
        self.domains.iter().any(|d| d.eq_ignore_ascii_case(host))
    }

    pub(super) fn supports(&self, option_tag: &str) -> bool {
        self.supported
            .iter()
            .any(|s| s.eq_ignore_ascii_case(option_tag))
    }
}

/// What the driver knows about a REGISTER beyond its text.
#[derive(Clone, Copy, Debug, Default)]
pub struct RegisterContext<'a> {
    /// The user name the request authenticated as (the digest `username`),
    /// or `None` when the caller did not authenticate it or has already
    /// checked its authorization itself. With a name, the registrar checks
    /// that it may modify the address-of-record (§10.3 step 4) and answers
    /// 403 if not.
    pub authorized_user: Option<&'a str>,
    /// The address the request came from, recorded in the bindings.
    pub source: Option<SocketAddr>,
    /// The wall-clock time, for the Date header of the 200 ("The response
    /// SHOULD include a Date header field", §10.3 step 8). The sans-IO core
    /// does not read the clock: the driver passes it, or the 200 goes
    /// without a Date.
    pub date: Option<Date>,
}
