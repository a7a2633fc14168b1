//! The RFC 3263 resolver: drives a [`Locator`] with DNS answers from
//! hickory-resolver.
//!
//! It makes no protocol decisions: it asks what the locator asks (each round
//! concurrently), converts hickory's records into the locator's plain ones,
//! and hands back what the locator concludes. See [`crate::Locator`] for the
//! RFC 3263 steps.
//!
//! Answers are cached for their TTL by hickory's response cache, which this
//! module enables with the server's TTLs unclamped (no minimum, no maximum
//! below hickory's one-day cap). Negative answers (NXDOMAIN, NODATA) are
//! cached for the zone's negative TTL ([RFC 2308]).
//!
//! [RFC 2308]: https://www.rfc-editor.org/rfc/rfc2308

use std::fmt;
use std::future::{poll_fn, Future};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::task::Poll;
use std::time::Duration;

use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::{Name, RData, Record, RecordType};
use hickory_resolver::TokioResolver;
use rand::rngs::StdRng;
use rand::SeedableRng;
use sip_message::SipUri;

use crate::locate::{Answer, Locator, NaptrRecord, Query, QueryKind, ResolveError, SrvRecord};
use crate::transport::Target;

/// How many responses the cache holds.
const CACHE_SIZE: u64 = 1024;
/// Per-query timeout towards an explicit name server.
const TIMEOUT: Duration = Duration::from_secs(1);
/// Tries per query towards an explicit name server.
const ATTEMPTS: usize = 2;

/// Locates SIP servers by [RFC 3263] over DNS (hickory-resolver on tokio).
///
/// Cheap to share behind an `Arc`; one resolver keeps one answer cache.
///
/// ```no_run
/// # async fn run() -> Result<(), sip_transaction::ResolveError> {
/// use sip_message::SipUri;
/// use sip_transaction::Resolver;
///
/// let resolver = Resolver::from_system()?;
/// let uri = SipUri::parse("sip:alice@example.com").unwrap();
/// for target in resolver.resolve(&uri).await? {
///     println!("try {target}");
/// }
/// # Ok(())
/// # }
/// ```
///
/// [RFC 3263]: https://www.rfc-editor.org/rfc/rfc3263
pub struct Resolver {
    dns: TokioResolver,
    /// Drives the RFC 2782 weighted order; only locked between awaits.
    rng: Mutex<StdRng>,
}

impl fmt::Debug for Resolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolver").finish_non_exhaustive()
    }
}

impl Resolver {
    /// A resolver with the system's DNS configuration (`/etc/resolv.conf` on
    /// Unix, the registry on Windows), its search domains and hosts file.
    ///
    /// # Errors
    /// [`ResolveError::Config`] if the configuration cannot be read.
    #[cfg(any(unix, windows))]
    pub fn from_system() -> Result<Self, ResolveError> {
        let mut builder =
            TokioResolver::builder_tokio().map_err(|e| ResolveError::Config(Box::new(e)))?;
        cache_by_ttl(builder.options_mut());
        let dns = builder
            .build()
            .map_err(|e| ResolveError::Config(Box::new(e)))?;
        Ok(Self::new(dns))
    }

    /// A resolver that asks only the name server at `addr`, over UDP and
    /// (for truncated answers) TCP on the same port, with no search domains,
    /// no hosts file, and a 1 s timeout with 2 tries per query.
    ///
    /// # Errors
    /// [`ResolveError::Config`] if hickory refuses the configuration.
    pub fn with_name_server(addr: SocketAddr) -> Result<Self, ResolveError> {
        let mut udp = ConnectionConfig::udp();
        udp.port = addr.port();
        let mut tcp = ConnectionConfig::tcp();
        tcp.port = addr.port();
        let server = NameServerConfig::new(addr.ip(), true, vec![udp, tcp]);
        let mut builder = TokioResolver::builder_with_config(
            ResolverConfig::from_name_servers(vec![server]),
            TokioRuntimeProvider::new(),
        );
        let opts = builder.options_mut();
        opts.timeout = TIMEOUT;
        opts.attempts = ATTEMPTS;
        opts.use_hosts_file = ResolveHosts::Never;
        cache_by_ttl(opts);
        let dns = builder
            .build()
            .map_err(|e| ResolveError::Config(Box::new(e)))?;
        Ok(Self::new(dns))
    }

    /// Seeds the RNG behind the RFC 2782 weighted SRV order, so tests get a
    /// reproducible order. The default seed comes from the OS.
    pub fn with_rng_seed(self, seed: u64) -> Self {
        Self {
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            ..self
        }
    }

    fn new(dns: TokioResolver) -> Self {
        Self {
            dns,
            rng: Mutex::new(StdRng::from_rng(&mut rand::rng())),
        }
    }

    /// The targets for `uri`, in the order to try them ([RFC 3263 §4]).
    ///
    /// [RFC 3263 §4]: https://www.rfc-editor.org/rfc/rfc3263#section-4
    ///
    /// # Errors
    /// See [`Locator::finish`] and [`Plan::for_uri`](crate::Plan::for_uri):
    /// [`ResolveError::NotFound`], [`ResolveError::Dns`],
    /// [`ResolveError::UnsupportedTransport`], and
    /// [`ResolveError::TlsRequired`] for `sips:` URIs.
    pub async fn resolve(&self, uri: &SipUri) -> Result<Vec<Target>, ResolveError> {
        let mut locator = Locator::new(uri)?;
        while !locator.is_finished() {
            let round: Vec<Query> = std::iter::from_fn(|| locator.poll_query()).collect();
            if round.is_empty() {
                // Cannot happen with a locator that is not finished; leave
                // rather than spin.
                break;
            }
            let answers = join_all(round.iter().map(|q| self.query(q)).collect()).await;
            let mut rng = self.rng.lock().unwrap_or_else(PoisonError::into_inner);
            for (q, a) in round.iter().zip(answers) {
                locator.handle_answer(q, a, &mut *rng);
            }
        }
        locator.finish()
    }

    /// Drops every cached answer.
    pub fn clear_cache(&self) {
        self.dns.clear_cache();
    }

    /// Asks one question and converts the answer.
    async fn query(&self, q: &Query) -> Answer {
        let name = match Name::from_ascii(&q.name) {
            Ok(n) => n,
            Err(e) => return Answer::Failed(Box::new(e)),
        };
        let rtype = match q.kind {
            QueryKind::Naptr => RecordType::NAPTR,
            QueryKind::Srv => RecordType::SRV,
            QueryKind::A => RecordType::A,
            QueryKind::Aaaa => RecordType::AAAA,
        };
        match self.dns.lookup(name, rtype).await {
            Ok(lookup) => convert(q.kind, lookup.answers()),
            Err(e) if e.is_no_records_found() => Answer::NoRecords,
            Err(e) => Answer::Failed(Box::new(e)),
        }
    }
}

/// Turns the answer section into the locator's records, keeping only the
/// asked type (a CNAME chain's records are dropped).
fn convert(kind: QueryKind, records: &[Record]) -> Answer {
    let data = records.iter().map(|r| &r.data);
    match kind {
        QueryKind::Naptr => Answer::Naptr(
            data.filter_map(|d| match d {
                RData::NAPTR(n) => Some(NaptrRecord {
                    order: n.order,
                    preference: n.preference,
                    flags: String::from_utf8_lossy(&n.flags).into_owned(),
                    services: String::from_utf8_lossy(&n.services).into_owned(),
                    regexp: String::from_utf8_lossy(&n.regexp).into_owned(),
                    replacement: name_text(&n.replacement),
                }),
                _ => None,
            })
            .collect(),
        ),
        QueryKind::Srv => Answer::Srv(
            data.filter_map(|d| match d {
                RData::SRV(s) => Some(SrvRecord {
                    priority: s.priority,
                    weight: s.weight,
                    port: s.port,
                    target: name_text(&s.target),
                }),
                _ => None,
            })
            .collect(),
        ),
        QueryKind::A | QueryKind::Aaaa => Answer::Addresses(
            data.filter_map(|d| match d {
                RData::A(a) if kind == QueryKind::A => Some(a.0.into()),
                RData::AAAA(a) if kind == QueryKind::Aaaa => Some(a.0.into()),
                _ => None,
            })
            .collect(),
        ),
    }
}

/// A name from DNS as text: `"."` for the root, else absolute with a
/// trailing dot so no search domain is applied to it.
fn name_text(name: &Name) -> String {
    if name.is_root() {
        return ".".to_owned();
    }
    let mut name = name.clone();
    name.set_fqdn(true);
    name.to_ascii()
}

/// Cache on, for exactly the TTLs the server gives.
fn cache_by_ttl(opts: &mut ResolverOpts) {
    opts.cache_size = CACHE_SIZE;
    opts.positive_min_ttl = None;
    opts.positive_max_ttl = None;
}

/// Runs the futures concurrently on the current task, outputs in input order.
async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    poll_fn(|cx| {
        let mut pending = false;
        for (f, out) in futures.iter_mut().zip(outputs.iter_mut()) {
            if out.is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => *out = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}
