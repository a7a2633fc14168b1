//! RFC 3263 server location as a sans-IO state machine: which DNS questions
//! to ask for a SIP URI, and how to turn the answers into the ordered list of
//! [`Target`]s a client fails over along.
//!
//! Nothing here does I/O; [`Locator`] documents the RFC 3263 steps and the
//! choices made where the RFCs leave room. The tokio driver on
//! hickory-resolver is `Resolver` (feature `tokio`, `resolver.rs`); a test or
//! another DNS library can drive the same logic with canned answers.

use std::collections::VecDeque;
use std::error::Error as StdError;
use std::net::{IpAddr, SocketAddr};

use rand::{Rng, RngExt};
use sip_message::SipUri;

use crate::transport::{Target, Transport};

/// The SIP port over UDP and TCP (RFC 3261 §19.1.2).
const SIP_PORT: u16 = 5060;
/// The SIP port over TLS (RFC 3261 §19.1.2).
const SIPS_PORT: u16 = 5061;

/// Why a URI could not be resolved to targets.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// No DNS record led to an address for this TARGET (the `maddr` or host).
    #[error("no SIP server found for {0}")]
    NotFound(String),
    /// The URI asks for a transport this crate does not implement (the
    /// `transport` parameter's value, or `udp` for a `sips:` URI, since TLS
    /// over UDP does not exist).
    #[error("unsupported transport {0:?}")]
    UnsupportedTransport(String),
    /// The URI needs TLS (`sips:` or `transport=tls`), which this crate does
    /// not implement yet. The targets are the ones RFC 3263 locates for TLS
    /// (each [`Transport::Tcp`] stands for TLS over that TCP address), given
    /// so a caller with its own TLS can still use them. Never send a `sips:`
    /// request to them over plain TCP.
    #[error("TLS is required but not supported ({} targets located)", .0.len())]
    TlsRequired(Vec<Target>),
    /// Nothing was found and at least one DNS query failed (timeout,
    /// SERVFAIL, unreachable server); the first failure.
    #[error("DNS lookup of {name} failed")]
    Dns {
        /// The name that was queried.
        name: String,
        /// What the DNS library reported.
        #[source]
        source: Box<dyn StdError + Send + Sync>,
    },
    /// The resolver could not be set up (for example, the system DNS
    /// configuration could not be read).
    #[error("resolver configuration")]
    Config(#[source] Box<dyn StdError + Send + Sync>),
}

/// What RFC 3263 §4.1/§4.2 says to look up first for a URI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// TARGET is an IP address: use it, no DNS.
    Numeric {
        /// Where to send.
        target: Target,
        /// Whether TLS is required (`sips:` or `transport=tls`).
        secure: bool,
    },
    /// TARGET is a name and the URI has a port: A/AAAA only.
    Address {
        /// The name to look up.
        host: String,
        /// The URI's port.
        port: u16,
        /// The `transport` parameter, else UDP (`sip:`) or TCP (`sips:`).
        transport: Transport,
        /// Whether TLS is required.
        secure: bool,
    },
    /// TARGET is a name, the URI has a `transport` parameter and no port:
    /// SRV for that transport, then A/AAAA on its default port.
    Srv {
        /// The domain whose SRV records are queried.
        host: String,
        /// The `transport` parameter.
        transport: Transport,
        /// Whether TLS is required.
        secure: bool,
    },
    /// TARGET is a name, with neither port nor transport: NAPTR, then SRV,
    /// then A/AAAA.
    Naptr {
        /// The domain whose NAPTR records are queried.
        host: String,
        /// Whether TLS is required.
        secure: bool,
    },
}

impl Plan {
    /// Decides the first step for `uri` by RFC 3263 §4.1 and §4.2.
    ///
    /// # Errors
    /// [`ResolveError::UnsupportedTransport`] for a `transport` parameter
    /// other than `udp`, `tcp` or `tls`, and for `udp` on a `sips:` URI.
    pub fn for_uri(uri: &SipUri) -> Result<Self, ResolveError> {
        // §4: "We define TARGET as the value of the maddr parameter of the
        // URI, if present, otherwise, the host value of the hostport
        // component of the URI."
        let maddr = uri.maddr().filter(|m| !m.is_empty());
        let (host, ip) = match maddr {
            Some(m) => (m, parse_ip(m)),
            None => (uri.host(), uri.ip()),
        };
        let mut secure = uri.is_secure();
        // §4.1: "If the URI specifies a transport protocol in the transport
        // parameter, that transport protocol SHOULD be used."
        let explicit = match uri.transport() {
            None => None,
            Some(t) if t.eq_ignore_ascii_case("tls") => {
                // RFC 3261 §26.2.2 deprecates `transport=tls`; it means TLS
                // over TCP, located like a `sips:` URI (§4.2: "if the client
                // wishes to use TLS, it also uses the service identifier
                // "_sips"").
                secure = true;
                Some(Transport::Tcp)
            }
            Some(t) => match Transport::parse(t) {
                Some(Transport::Udp) if secure => {
                    // §4.1: "it is not possible to use TLS over UDP".
                    return Err(ResolveError::UnsupportedTransport(t.to_owned()));
                }
                Some(tp) => Some(tp),
                None => return Err(ResolveError::UnsupportedTransport(t.to_owned())),
            },
        };
        // §4.1: "if no transport protocol is specified, but the TARGET is a
        // numeric IP address, the client SHOULD use UDP for a SIP URI, and
        // TCP for a SIPS URI." The same default applies with an explicit port.
        let default = if secure {
            Transport::Tcp
        } else {
            Transport::Udp
        };
        let port = uri.port();
        Ok(match (ip, port, explicit) {
            (Some(ip), _, _) => Self::Numeric {
                // §4.2: "If no port is specified, it uses the default port
                // for the particular transport protocol."
                target: Target {
                    transport: explicit.unwrap_or(default),
                    addr: SocketAddr::new(ip, port.unwrap_or(default_port(secure))),
                },
                secure,
            },
            (None, Some(port), _) => Self::Address {
                host: host.to_owned(),
                port,
                transport: explicit.unwrap_or(default),
                secure,
            },
            (None, None, Some(transport)) => Self::Srv {
                host: host.to_owned(),
                transport,
                secure,
            },
            (None, None, None) => Self::Naptr {
                host: host.to_owned(),
                secure,
            },
        })
    }

    /// Whether the URI requires TLS (`sips:` or `transport=tls`).
    pub fn is_secure(&self) -> bool {
        match self {
            Self::Numeric { secure, .. }
            | Self::Address { secure, .. }
            | Self::Srv { secure, .. }
            | Self::Naptr { secure, .. } => *secure,
        }
    }

    /// TARGET: the IP address, or the name DNS is asked about.
    pub fn target_host(&self) -> String {
        match self {
            Self::Numeric { target, .. } => target.addr.ip().to_string(),
            Self::Address { host, .. } | Self::Srv { host, .. } | Self::Naptr { host, .. } => {
                host.clone()
            }
        }
    }
}

/// The port RFC 3261 §19.1.2 assigns when neither URI nor SRV names one.
fn default_port(secure: bool) -> u16 {
    if secure {
        SIPS_PORT
    } else {
        SIP_PORT
    }
}

/// An IPv4 or IPv6 address, the latter with or without brackets (an
/// `maddr` value may be either).
fn parse_ip(s: &str) -> Option<IpAddr> {
    let bare = s
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(s);
    bare.parse().ok()
}

/// The SRV owner name for a transport (§4.1: "Queries are done using the
/// service identifier "_sip" for SIP URIs and "_sips" for SIPS URIs").
fn srv_name(secure: bool, transport: Transport, host: &str) -> String {
    let service = if secure { "_sips" } else { "_sip" };
    let proto = match transport {
        Transport::Udp => "_udp",
        Transport::Tcp => "_tcp",
    };
    format!("{service}.{proto}.{host}")
}

/// A NAPTR record ([RFC 3403 §4.1]) as plain data.
///
/// [RFC 3403 §4.1]: https://www.rfc-editor.org/rfc/rfc3403#section-4.1
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NaptrRecord {
    /// The order in which records MUST be processed, low first.
    pub order: u16,
    /// The order among records of equal `order`, low first.
    pub preference: u16,
    /// The flags; SIP uses `"s"`: the replacement is an SRV domain.
    pub flags: String,
    /// The service, such as `"SIP+D2U"`.
    pub services: String,
    /// The substitution expression; empty for SIP.
    pub regexp: String,
    /// The next domain to query (for SIP, the SRV domain).
    pub replacement: String,
}

/// An SRV record ([RFC 2782]) as plain data.
///
/// [RFC 2782]: https://www.rfc-editor.org/rfc/rfc2782
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SrvRecord {
    /// Lower is tried first.
    pub priority: u16,
    /// Relative chance among records of equal priority.
    pub weight: u16,
    /// The port the service listens on.
    pub port: u16,
    /// The host; `"."` means the service is not available.
    pub target: String,
}

impl SrvRecord {
    /// RFC 2782: "A Target of "." means that the service is decidedly not
    /// available at this domain."
    pub fn is_unavailable(&self) -> bool {
        self.target.is_empty() || self.target == "."
    }
}

/// A SIP service a NAPTR record offers: the transport and the SRV domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NaptrService {
    /// The transport the record's service field names.
    pub transport: Transport,
    /// The SRV domain to query (the record's replacement).
    pub srv: String,
}

/// Picks the NAPTR records a client of this crate can use, in the order to
/// use them (RFC 3263 §4.1).
///
/// Kept: flags `"s"`, a non-root replacement, and a service this crate
/// speaks: `SIP+D2U` and `SIP+D2T` for `sip:` (TLS being unsupported,
/// `SIPS+D2T` is dropped: "A client resolving a SIP URI SHOULD retain records
/// with "SIPS" as the protocol, if the client supports TLS"), only `SIPS+D2T`
/// for `sips:` ("a client resolving a SIPS URI MUST discard any services that
/// do not contain "SIPS" as the protocol in the service field"). Services
/// and flags compare case-insensitively. Of those, only the lowest `order` is
/// kept (RFC 3403 §4.1), sorted by `preference`; repeats are dropped.
pub fn select_naptr(records: &[NaptrRecord], secure: bool) -> Vec<NaptrService> {
    let mut usable: Vec<(&NaptrRecord, Transport)> = records
        .iter()
        .filter(|r| r.flags.eq_ignore_ascii_case("s"))
        .filter(|r| !r.replacement.is_empty() && r.replacement != ".")
        .filter_map(|r| naptr_transport(&r.services, secure).map(|t| (r, t)))
        .collect();
    // Stable, so records of equal rank keep the order DNS gave them.
    usable.sort_by_key(|(r, _)| (r.order, r.preference));
    let Some(first_order) = usable.first().map(|(r, _)| r.order) else {
        return Vec::new();
    };
    let mut out: Vec<NaptrService> = Vec::new();
    for (r, transport) in usable
        .into_iter()
        .take_while(|(r, _)| r.order == first_order)
    {
        let service = NaptrService {
            transport,
            srv: r.replacement.clone(),
        };
        if !out.contains(&service) {
            out.push(service);
        }
    }
    out
}

/// The transport a NAPTR service field maps to, if this crate can use it for
/// a URI of this security (§4.1: "a client MUST discard any service fields
/// that identify a resolution service whose value is not "D2X", for values
/// of X that indicate transport protocols supported by the client").
fn naptr_transport(services: &str, secure: bool) -> Option<Transport> {
    let is = |s: &str| services.eq_ignore_ascii_case(s);
    if secure {
        is("SIPS+D2T").then_some(Transport::Tcp)
    } else if is("SIP+D2U") {
        Some(Transport::Udp)
    } else if is("SIP+D2T") {
        Some(Transport::Tcp)
    } else {
        None
    }
}

/// Orders SRV records the way [RFC 2782] says to contact them, dropping
/// targets of `"."`.
///
/// Records are grouped by priority, lowest first ("A client MUST attempt to
/// contact the target host with the lowest-numbered priority it can reach").
/// Within a priority the RFC's selection runs until the group is empty:
/// "arrange all SRV RRs (that have not been ordered yet) in any order, except
/// that all those with weight 0 are placed at the beginning of the list.
/// Compute the sum of the weights of those RRs, and with each RR associate
/// the running sum in the selected order. Then choose a uniform random number
/// between 0 and the sum computed (inclusive), and select the RR whose
/// running sum value is the first in the selected order which is greater
/// than or equal to the random number selected."
///
/// The draw's lower end is 0 only when the group has a weight-0 record:
/// the 0 is what gives such records their "very small chance" (1 in
/// sum + 1). Without one, a draw of 0 would go to whichever record the
/// DNS answer happened to list first, on top of its weight: with weights
/// 2 and 1 the heavier record would come first 3 times in 4 or 2 in 4
/// depending on the answer's order, instead of 2 in 3. So the draw is
/// 1..=sum then, and every weighted record comes first in proportion to
/// its weight, in either case.
///
/// [RFC 2782]: https://www.rfc-editor.org/rfc/rfc2782
pub fn order_srv<R: Rng + ?Sized>(mut records: Vec<SrvRecord>, rng: &mut R) -> Vec<SrvRecord> {
    records.retain(|r| !r.is_unavailable());
    // Stable sorts: priority groups, zero weights first within each.
    records.sort_by_key(|r| (r.priority, r.weight != 0));
    let mut out = Vec::with_capacity(records.len());
    let mut rest = records.as_slice();
    while let Some(first) = rest.first() {
        let len = rest
            .iter()
            .position(|r| r.priority != first.priority)
            .unwrap_or(rest.len());
        let (group, tail) = rest.split_at(len);
        let mut group = group.to_vec();
        while !group.is_empty() {
            // u64: a 64 KiB DNS message holds a few thousand records of
            // weight at most 65535, far below 2^64.
            let sum: u64 = group.iter().map(|r| u64::from(r.weight)).sum();
            // Zero weights sort first, so the group's first record tells.
            let low = u64::from(group[0].weight != 0 && sum > 0);
            let pick = rng.random_range(low..=sum);
            let mut running = 0u64;
            let at = group
                .iter()
                .position(|r| {
                    running += u64::from(r.weight);
                    running >= pick
                })
                .unwrap_or(0);
            // `Vec::remove` keeps the zero-weight records at the front.
            out.push(group.remove(at));
        }
        rest = tail;
    }
    out
}

/// The type of a DNS question.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum QueryKind {
    /// NAPTR ([RFC 3403](https://www.rfc-editor.org/rfc/rfc3403)).
    Naptr,
    /// SRV ([RFC 2782](https://www.rfc-editor.org/rfc/rfc2782)).
    Srv,
    /// IPv4 addresses.
    A,
    /// IPv6 addresses.
    Aaaa,
}

/// A DNS question the [`Locator`] needs answered.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Query {
    /// The name to ask about. A trailing dot marks a name that came from DNS
    /// (a NAPTR replacement or SRV target) and is already absolute; names
    /// from the URI have none, so a resolver may apply its search rules.
    pub name: String,
    /// The record type.
    pub kind: QueryKind,
}

/// The answer to a [`Query`], in plain data.
#[derive(Debug)]
pub enum Answer {
    /// NAPTR records.
    Naptr(Vec<NaptrRecord>),
    /// SRV records.
    Srv(Vec<SrvRecord>),
    /// The addresses of an A or AAAA answer.
    Addresses(Vec<IpAddr>),
    /// The name does not exist or has no records of the type (NXDOMAIN or
    /// NODATA).
    NoRecords,
    /// The query failed: timeout, SERVFAIL, unreachable server.
    Failed(Box<dyn StdError + Send + Sync>),
}

/// Where an SRV answer leads.
#[derive(Clone, Debug)]
struct HostPort {
    host: String,
    port: u16,
    transport: Transport,
}

/// The questions in flight and what comes of their answers.
#[derive(Debug)]
enum Stage {
    /// Waiting for the NAPTR answer for TARGET.
    Naptr,
    /// Waiting for one SRV answer per service; `fallback` is the transport
    /// for the A/AAAA lookup of TARGET if none has records.
    Srv {
        services: Vec<NaptrService>,
        fallback: Transport,
    },
    /// Waiting for the A and AAAA answers of every host.
    Address { hosts: Vec<HostPort> },
    /// Nothing more to ask.
    Done,
}

/// The RFC 3263 procedure for one URI, as a sans-IO state machine.
///
/// Drive it in rounds: take every [`poll_query`](Self::poll_query) until
/// `None` (the queries of one round are independent and may run
/// concurrently), feed each answer to
/// [`handle_answer`](Self::handle_answer), and repeat until
/// [`is_finished`](Self::is_finished); then call [`finish`](Self::finish).
/// With the `tokio` feature, `Resolver` does exactly that on hickory-resolver.
///
/// # The steps ([RFC 3263 §4])
///
/// "We define TARGET as the value of the maddr parameter of the URI, if
/// present, otherwise, the host value of the hostport component of the URI."
/// Then, in the order [`Plan::for_uri`] checks them:
///
/// 1. **Numeric TARGET** (§4.1, §4.2): no DNS at all. The transport is the
///    `transport` parameter, else UDP for `sip:` and TCP (TLS) for `sips:`; the
///    port is the URI's, else 5060 (5061 for TLS). [`Plan::Numeric`].
/// 2. **Explicit port** (§4.2): "the client performs an A or AAAA record
///    lookup of the domain name", each address at that port, over the
///    `transport` parameter's protocol or the scheme's default. No NAPTR, no
///    SRV. [`Plan::Address`].
/// 3. **Explicit transport, no port** (§4.2): "the client performs an SRV
///    query for that specific transport"; without SRV records, A/AAAA on the
///    transport's default port. [`Plan::Srv`].
/// 4. **Otherwise** (§4.1): a NAPTR query for TARGET. Usable records
///    ([`select_naptr`]) name the SRV domains to query, most preferred first.
///    "If no NAPTR records are found, the client constructs SRV queries for
///    those transport protocols it supports, and does a query for each"
///    (`_sip._udp`, `_sip._tcp` for `sip:`, `_sips._tcp` for `sips:`); "If no
///    SRV records were found, the client performs an A or AAAA record lookup of
///    the domain name" on the default port, UDP for `sip:`. [`Plan::Naptr`].
///
/// SRV records are ordered by [RFC 2782] ([`order_srv`]): lowest priority
/// first, weighted random order within a priority, a target of `"."` meaning
/// the service is "decidedly not available". Every SRV target is then looked
/// up with A and AAAA; the addresses of one host are listed **A before AAAA**
/// (IPv4 is the family every SIP deployment reaches; a dual-stack peer is
/// still tried on IPv6 when its IPv4 addresses fail). Duplicate targets are
/// listed once, at their first position.
///
/// # Decisions the RFCs leave open
///
/// - A failed query (timeout, SERVFAIL) is treated like an empty answer for
///   the fallback rules, so a broken NAPTR set does not hide working SRV or
///   A records. If nothing at all is found, the first failure is reported as
///   [`ResolveError::Dns`] rather than [`ResolveError::NotFound`].
/// - NAPTR: only the lowest `order` among the usable records is kept, as
///   [RFC 3403 §4.1] requires ("once a NAPTR is found whose rule "matches" the
///   target, the client MUST NOT consider any NAPTRs with a higher value for
///   order"); records of that order are sorted by `preference`.
/// - When the SRV domains a NAPTR set names have no SRV records, the A/AAAA
///   fallback of §4.2 uses the most preferred NAPTR transport.
/// - TLS is not implemented yet. `sips:` URIs (and `transport=tls`) are still
///   located by the RFC's rules (`SIPS+D2T`, `_sips._tcp`, port 5061), but
///   the result is [`ResolveError::TlsRequired`] carrying the targets, so no
///   caller can send a `sips:` request over plain TCP by mistake.
///
/// [RFC 3263 §4]: https://www.rfc-editor.org/rfc/rfc3263#section-4
/// [RFC 2782]: https://www.rfc-editor.org/rfc/rfc2782
/// [RFC 3403 §4.1]: https://www.rfc-editor.org/rfc/rfc3403#section-4.1
///
/// # Example
///
/// ```
/// use sip_message::SipUri;
/// use sip_transaction::{Answer, Locator, QueryKind, Target};
///
/// let uri = SipUri::parse("sip:alice@pbx.example.com:5070").unwrap();
/// let mut loc = Locator::new(&uri).unwrap();
/// let mut rng = rand::rng();
/// while !loc.is_finished() {
///     let round: Vec<_> = std::iter::from_fn(|| loc.poll_query()).collect();
///     for q in round {
///         let answer = match q.kind {
///             QueryKind::A => Answer::Addresses(vec!["192.0.2.7".parse().unwrap()]),
///             _ => Answer::NoRecords,
///         };
///         loc.handle_answer(&q, answer, &mut rng);
///     }
/// }
/// let targets = loc.finish().unwrap();
/// assert_eq!(targets, [Target::udp("192.0.2.7:5070".parse().unwrap())]);
/// ```
#[derive(Debug)]
pub struct Locator {
    /// TARGET, for the A/AAAA fallback and error messages.
    host: String,
    secure: bool,
    stage: Stage,
    /// This round's questions not yet handed out.
    queue: VecDeque<Query>,
    /// This round's questions and their answers so far.
    round: Vec<(Query, Option<Answer>)>,
    targets: Vec<Target>,
    /// The first failed query and its error.
    failure: Option<(String, Box<dyn StdError + Send + Sync>)>,
}

impl Locator {
    /// Starts locating `uri` by [`Plan::for_uri`].
    ///
    /// # Errors
    /// As [`Plan::for_uri`].
    pub fn new(uri: &SipUri) -> Result<Self, ResolveError> {
        Plan::for_uri(uri).map(Self::from_plan)
    }

    /// Starts from a plan.
    pub fn from_plan(plan: Plan) -> Self {
        let secure = plan.is_secure();
        let mut this = Self {
            host: plan.target_host(),
            secure,
            stage: Stage::Done,
            queue: VecDeque::new(),
            round: Vec::new(),
            targets: Vec::new(),
            failure: None,
        };
        match plan {
            Plan::Numeric { target, .. } => this.targets.push(target),
            Plan::Address {
                host,
                port,
                transport,
                ..
            } => this.start_address(vec![HostPort {
                host,
                port,
                transport,
            }]),
            Plan::Srv {
                host, transport, ..
            } => this.start_srv(
                vec![NaptrService {
                    transport,
                    srv: srv_name(secure, transport, &host),
                }],
                transport,
            ),
            Plan::Naptr { host, .. } => {
                this.stage = Stage::Naptr;
                this.ask(vec![Query {
                    name: host,
                    kind: QueryKind::Naptr,
                }]);
            }
        }
        this
    }

    /// The next question of the current round, or `None` once all of them
    /// have been handed out (the next round starts when their answers are
    /// in).
    pub fn poll_query(&mut self) -> Option<Query> {
        self.queue.pop_front()
    }

    /// Takes the answer to a query this locator asked. Answers to questions
    /// it did not ask, or already has an answer for, are ignored; an answer
    /// of the wrong type counts as [`Answer::NoRecords`].
    ///
    /// `rng` drives the weighted SRV order (RFC 2782).
    pub fn handle_answer<R: Rng + ?Sized>(&mut self, query: &Query, answer: Answer, rng: &mut R) {
        let Some(slot) = self
            .round
            .iter_mut()
            .find(|(q, a)| q == query && a.is_none())
        else {
            return;
        };
        let answer = match answer {
            Answer::Failed(e) => {
                self.failure.get_or_insert((query.name.clone(), e));
                Answer::NoRecords
            }
            a => a,
        };
        slot.1 = Some(answer);
        if self.round.iter().all(|(_, a)| a.is_some()) {
            self.advance(rng);
        }
    }

    /// Whether every round is done, so [`finish`](Self::finish) has the
    /// final list.
    pub fn is_finished(&self) -> bool {
        matches!(self.stage, Stage::Done)
    }

    /// The targets, in the order to try them (RFC 3263 §4.3: on failure,
    /// "the client SHOULD try the next" one). Called before
    /// [`is_finished`](Self::is_finished), it gives what is known so far.
    ///
    /// # Errors
    /// - [`ResolveError::TlsRequired`] with the targets if the URI needs TLS.
    /// - [`ResolveError::Dns`] if nothing was found and a query failed.
    /// - [`ResolveError::NotFound`] if nothing was found otherwise.
    pub fn finish(self) -> Result<Vec<Target>, ResolveError> {
        if self.targets.is_empty() {
            return Err(match self.failure {
                Some((name, source)) => ResolveError::Dns { name, source },
                None => ResolveError::NotFound(self.host),
            });
        }
        if self.secure {
            return Err(ResolveError::TlsRequired(self.targets));
        }
        Ok(self.targets)
    }

    /// Starts a round with these questions, each asked once.
    fn ask(&mut self, queries: Vec<Query>) {
        self.round.clear();
        for q in queries {
            if !self.round.iter().any(|(r, _)| *r == q) {
                self.queue.push_back(q.clone());
                self.round.push((q, None));
            }
        }
    }

    fn start_srv(&mut self, services: Vec<NaptrService>, fallback: Transport) {
        let queries = services
            .iter()
            .map(|s| Query {
                name: s.srv.clone(),
                kind: QueryKind::Srv,
            })
            .collect();
        self.stage = Stage::Srv { services, fallback };
        self.ask(queries);
    }

    fn start_address(&mut self, hosts: Vec<HostPort>) {
        if hosts.is_empty() {
            self.stage = Stage::Done;
            return;
        }
        let queries = hosts
            .iter()
            .flat_map(|h| {
                [QueryKind::A, QueryKind::Aaaa].map(|kind| Query {
                    name: h.host.clone(),
                    kind,
                })
            })
            .collect();
        self.stage = Stage::Address { hosts };
        self.ask(queries);
    }

    /// Every answer of the round is in: decide the next round.
    fn advance<R: Rng + ?Sized>(&mut self, rng: &mut R) {
        let round = std::mem::take(&mut self.round);
        let answer = |name: &str, kind: QueryKind| {
            round
                .iter()
                .find(|(q, _)| q.name == name && q.kind == kind)
                .and_then(|(_, a)| a.as_ref())
        };
        match std::mem::replace(&mut self.stage, Stage::Done) {
            Stage::Naptr => {
                let records = match answer(&self.host, QueryKind::Naptr) {
                    Some(Answer::Naptr(r)) => r.as_slice(),
                    _ => &[],
                };
                let services = select_naptr(records, self.secure);
                match services.first() {
                    Some(first) => {
                        // §4.2: without SRV records, A/AAAA "using the
                        // transport protocol determined previously".
                        let fallback = first.transport;
                        self.start_srv(services, fallback);
                    }
                    None => {
                        // §4.1: "If no NAPTR records are found, the client
                        // constructs SRV queries for those transport
                        // protocols it supports, and does a query for each."
                        // UDP first: RFC 3261 §18 makes it the one every
                        // element implements.
                        let transports: &[Transport] = if self.secure {
                            &[Transport::Tcp]
                        } else {
                            &[Transport::Udp, Transport::Tcp]
                        };
                        let services = transports
                            .iter()
                            .map(|&transport| NaptrService {
                                transport,
                                srv: srv_name(self.secure, transport, &self.host),
                            })
                            .collect();
                        // §4.1: "If no SRV records are found, the client
                        // SHOULD use TCP for a SIPS URI, and UDP for a SIP
                        // URI."
                        self.start_srv(services, transports[0]);
                    }
                }
            }
            Stage::Srv { services, fallback } => {
                let mut any_records = false;
                let mut hosts = Vec::new();
                for s in &services {
                    let records = match answer(&s.srv, QueryKind::Srv) {
                        Some(Answer::Srv(r)) => r.clone(),
                        _ => Vec::new(),
                    };
                    // Records that all say "." still count as found: the
                    // service is "decidedly not available", so no fallback.
                    any_records |= !records.is_empty();
                    hosts.extend(order_srv(records, rng).into_iter().map(|r| HostPort {
                        host: r.target,
                        port: r.port,
                        transport: s.transport,
                    }));
                }
                if !any_records {
                    // §4.2: "If no SRV records were found, the client
                    // performs an A or AAAA record lookup of the domain name.
                    // The result will be a list of IP addresses, each of
                    // which can be contacted using the transport protocol
                    // determined previously, at the default port for that
                    // transport."
                    hosts.push(HostPort {
                        host: self.host.clone(),
                        port: default_port(self.secure),
                        transport: fallback,
                    });
                }
                self.start_address(hosts);
            }
            Stage::Address { hosts } => {
                for h in &hosts {
                    // A before AAAA (see the module docs).
                    for kind in [QueryKind::A, QueryKind::Aaaa] {
                        let Some(Answer::Addresses(ips)) = answer(&h.host, kind) else {
                            continue;
                        };
                        for &ip in ips {
                            let target = Target {
                                transport: h.transport,
                                addr: SocketAddr::new(ip, h.port),
                            };
                            if !self.targets.contains(&target) {
                                self.targets.push(target);
                            }
                        }
                    }
                }
            }
            Stage::Done => {}
        }
    }
}

#[cfg(test)]
mod tests;
