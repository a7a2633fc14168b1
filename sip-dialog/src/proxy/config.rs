//! The proxy's configuration: its domains, Record-Route, Timer C,
//! forking, static next hops and the option tags it understands.

use std::time::Duration;

use sip_message::Uri;
use sip_transaction::Target;

/// How the targets of one request are tried (RFC 3261 §16.6: "A stateful
/// proxy MAY process the set in any order. It MAY process multiple
/// targets serially ... It MAY start client transactions with every
/// target in parallel").
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum Forking {
    /// Every target at once.
    #[default]
    Parallel,
    /// By q-value, highest first, one group of equal q at a time (§16.6:
    /// "Targets are processed from highest qvalue to lowest. Targets with
    /// equal qvalues may be processed in parallel"). The next group starts
    /// when every branch of the current one failed, or when
    /// [`ProxyConfig::sequential_timeout`] passes without a final response.
    Sequential,
}

/// The configuration of a [`Proxy`](super::Proxy).
///
/// `Default` holds the RFC values (Timer C of 181 s, parallel forking,
/// Record-Route off) and no domain: add the domains the proxy is
/// responsible for (§16.5) with [`add_domain`](Self::add_domain).
#[derive(Clone, Debug)]
pub struct ProxyConfig {
    pub(super) domains: Vec<String>,
    pub(super) aliases: Vec<String>,
    pub(super) record_route: bool,
    pub(super) record_route_uri: Option<Uri>,
    pub(super) timer_c: Duration,
    pub(super) forking: Forking,
    pub(super) max_branches: usize,
    pub(super) sequential_timeout: Option<Duration>,
    pub(super) routes: Vec<(String, Target)>,
    pub(super) default_route: Option<Target>,
    pub(super) supported: Vec<String>,
    pub(super) no_binding_status: u16,
    pub(super) loop_detection: bool,
}

impl Default for ProxyConfig {
    fn default() -> Self {
        Self {
            domains: Vec::new(),
            aliases: Vec::new(),
            record_route: false,
            record_route_uri: None,
            // §16.6 step 11: "The timer MUST be larger than 3 minutes."
            timer_c: Duration::from_secs(181),
            forking: Forking::Parallel,
            max_branches: 10,
            sequential_timeout: Some(Duration::from_secs(30)),
            routes: Vec::new(),
            default_route: None,
            supported: Vec::new(),
            no_binding_status: 480,
            loop_detection: true,
        }
    }
}

impl ProxyConfig {
    /// Adds a domain the proxy is responsible for (§16.5), compared
    /// case-insensitively: requests whose Request-URI names it are sent to
    /// the bindings of the location service; others are forwarded to their
    /// Request-URI.
    pub fn add_domain(&mut self, domain: &str) -> &mut Self {
        self.domains.push(normalize(domain));
        self
    }

    /// Adds a host name the proxy is known by besides its listening
    /// addresses (`ss1.atlanta.example.com`): a Route or Request-URI naming
    /// it names this proxy (§16.4).
    pub fn add_alias(&mut self, host: &str) -> &mut Self {
        self.aliases.push(normalize(host));
        self
    }

    /// Whether the proxy inserts Record-Route (§16.6 step 4) into requests
    /// that may create a dialog (requests without a To tag, other than
    /// REGISTER), to stay on the path of the dialog's later requests.
    pub fn record_route(&mut self, on: bool) -> &mut Self {
        self.record_route = on;
        self
    }

    /// The URI put in Record-Route. By default it is built from the first
    /// UDP listener (or the first listener) as `sip:<address>:<port>;lr`,
    /// with the transaction layer's sent-by host when one is configured.
    /// It must name this proxy (a listening address or an
    /// [alias](Self::add_alias)) and carry `lr` (§16.6 step 4: "This URI
    /// MUST contain an lr parameter").
    pub fn record_route_uri(&mut self, uri: Uri) -> &mut Self {
        self.record_route_uri = Some(uri);
        self
    }

    /// Timer C (§16.6 step 11), the longest an INVITE branch may go without
    /// a final response; reset by each provisional other than 100
    /// (§16.7 step 2). Default 181 s: "The timer MUST be larger than 3
    /// minutes." Shorter values are accepted for tests.
    pub fn timer_c(&mut self, d: Duration) -> &mut Self {
        self.timer_c = d;
        self
    }

    /// How targets are tried (default [`Forking::Parallel`]).
    pub fn forking(&mut self, forking: Forking) -> &mut Self {
        self.forking = forking;
        self
    }

    /// The most branches one request is forked to (default 10): the most
    /// preferred targets are kept.
    pub fn max_branches(&mut self, n: usize) -> &mut Self {
        self.max_branches = n.max(1);
        self
    }

    /// With [`Forking::Sequential`], how long an INVITE group may ring
    /// before it is cancelled and the next group tried (default 30 s);
    /// `None` waits for Timer C. A group cancelled this way counts as
    /// having answered 408, like a branch whose Timer C fired.
    pub fn sequential_timeout(&mut self, d: Option<Duration>) -> &mut Self {
        self.sequential_timeout = d;
        self
    }

    /// Sends requests for `domain` (a Request-URI or Route whose host is
    /// `domain`) to `target`: the static next hop of §16.6 step 7 for names
    /// this sans-IO core cannot resolve (RFC 3263 belongs to the driver).
    pub fn add_route(&mut self, domain: &str, target: Target) -> &mut Self {
        self.routes.push((normalize(domain), target));
        self
    }

    /// Where requests go whose next hop is a name with no
    /// [route](Self::add_route) (an outbound proxy). Without one they fail
    /// as unresolvable (a 408 for that target, §16.6 step 7).
    pub fn default_route(&mut self, target: Option<Target>) -> &mut Self {
        self.default_route = target;
        self
    }

    /// Adds an option tag the proxy understands in Proxy-Require (§16.3
    /// step 5); others get 420 with Unsupported.
    pub fn add_supported(&mut self, option_tag: &str) -> &mut Self {
        self.supported.push(option_tag.to_owned());
        self
    }

    /// The status answered when the Request-URI is in one of our domains
    /// and the location service has no binding for it: 480 by default
    /// (§16.5: "If the target set remains empty after applying all of the
    /// above, the proxy MUST return an error response, which SHOULD be the
    /// 480 (Temporarily Unavailable) response"); 404 suits a deployment
    /// whose location service knows every user and so "has definitive
    /// information that the user does not exist" (§21.4.5).
    ///
    /// # Panics
    /// If `status` is not a final error status (400-699).
    pub fn no_binding_status(&mut self, status: u16) -> &mut Self {
        assert!(
            (400..700).contains(&status),
            "not an error status: {status}"
        );
        self.no_binding_status = status;
        self
    }

    /// Whether loops are detected (§16.3 step 4, default on): a request
    /// that comes back with our Via and the same routing fields is refused
    /// with 482.
    pub fn loop_detection(&mut self, on: bool) -> &mut Self {
        self.loop_detection = on;
        self
    }

    /// Whether `host` is one of the configured domains.
    pub fn is_local_domain(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.');
        self.domains.iter().any(|d| d.eq_ignore_ascii_case(host))
    }

    pub(super) fn is_alias(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.');
        self.aliases.iter().any(|d| d.eq_ignore_ascii_case(host))
    }

    pub(super) fn supports(&self, option_tag: &str) -> bool {
        self.supported
            .iter()
            .any(|s| s.eq_ignore_ascii_case(option_tag))
    }

    pub(super) fn route_for(&self, host: &str) -> Option<Target> {
        let host = host.trim_end_matches('.');
        self.routes
            .iter()
            .find(|(d, _)| d.eq_ignore_ascii_case(host))
            .map(|(_, t)| *t)
    }
}

fn normalize(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}
