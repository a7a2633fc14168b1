//! Tests of the RFC 3263 locator: plans, NAPTR and SRV ordering, and the
//! whole procedure against a fake DNS.
use std::collections::HashMap;

use rand::rngs::StdRng;
use rand::SeedableRng;

use super::*;

fn uri(s: &str) -> SipUri {
    SipUri::parse(s).unwrap()
}

fn plan(s: &str) -> Plan {
    Plan::for_uri(&uri(s)).unwrap()
}

fn naptr(order: u16, pref: u16, flags: &str, services: &str, repl: &str) -> NaptrRecord {
    NaptrRecord {
        order,
        preference: pref,
        flags: flags.into(),
        services: services.into(),
        regexp: String::new(),
        replacement: repl.into(),
    }
}

fn srv(priority: u16, weight: u16, port: u16, target: &str) -> SrvRecord {
    SrvRecord {
        priority,
        weight,
        port,
        target: target.into(),
    }
}

fn svc(transport: Transport, srv: &str) -> NaptrService {
    NaptrService {
        transport,
        srv: srv.into(),
    }
}

/// A fake DNS: answers by (name, kind), records every question asked.
#[derive(Default)]
struct Dns {
    naptr: HashMap<String, Vec<NaptrRecord>>,
    srv: HashMap<String, Vec<SrvRecord>>,
    addrs: HashMap<(String, QueryKind), Vec<IpAddr>>,
    failing: Vec<String>,
    asked: Vec<Query>,
}

impl Dns {
    fn naptr(mut self, name: &str, records: Vec<NaptrRecord>) -> Self {
        self.naptr.insert(name.into(), records);
        self
    }
    fn srv(mut self, name: &str, records: Vec<SrvRecord>) -> Self {
        self.srv.insert(name.into(), records);
        self
    }
    fn a(mut self, name: &str, ips: &[&str]) -> Self {
        let kind = if ips.iter().any(|i| i.contains(':')) {
            QueryKind::Aaaa
        } else {
            QueryKind::A
        };
        self.addrs.insert(
            (name.into(), kind),
            ips.iter().map(|i| i.parse().unwrap()).collect(),
        );
        self
    }
    fn failing(mut self, name: &str) -> Self {
        self.failing.push(name.into());
        self
    }

    fn answer(&mut self, q: &Query) -> Answer {
        self.asked.push(q.clone());
        if self.failing.contains(&q.name) {
            return Answer::Failed("timed out".into());
        }
        let found = match q.kind {
            QueryKind::Naptr => self.naptr.get(&q.name).cloned().map(Answer::Naptr),
            QueryKind::Srv => self.srv.get(&q.name).cloned().map(Answer::Srv),
            k => self
                .addrs
                .get(&(q.name.clone(), k))
                .cloned()
                .map(Answer::Addresses),
        };
        found.unwrap_or(Answer::NoRecords)
    }

    /// Runs the locator for `u` to the end.
    fn locate(&mut self, u: &str) -> Result<Vec<Target>, ResolveError> {
        let mut loc = Locator::new(&uri(u))?;
        let mut rng = StdRng::seed_from_u64(7);
        let mut rounds = 0;
        while !loc.is_finished() {
            rounds += 1;
            assert!(rounds <= 3, "more than NAPTR, SRV and address rounds");
            let round: Vec<Query> = std::iter::from_fn(|| loc.poll_query()).collect();
            assert!(!round.is_empty(), "unfinished locator with nothing to ask");
            for q in round {
                let a = self.answer(&q);
                loc.handle_answer(&q, a, &mut rng);
            }
        }
        loc.finish()
    }

    fn asked(&self, kind: QueryKind) -> Vec<&str> {
        self.asked
            .iter()
            .filter(|q| q.kind == kind)
            .map(|q| q.name.as_str())
            .collect()
    }
}

fn udp(s: &str) -> Target {
    Target::udp(s.parse().unwrap())
}

fn tcp(s: &str) -> Target {
    Target::tcp(s.parse().unwrap())
}

// ---- Plan (§4.1, §4.2) -------------------------------------------------

/// RFC 3263 §4.1: "if no transport protocol is specified, but the TARGET
/// is a numeric IP address, the client SHOULD use UDP for a SIP URI, and
/// TCP for a SIPS URI." §4.2: "If no port is specified, it uses the
/// default port for the particular transport protocol."
#[test]
fn rfc3263_numeric_target_uses_default_transport_and_port() {
    assert_eq!(
        plan("sip:alice@192.0.2.1"),
        Plan::Numeric {
            target: udp("192.0.2.1:5060"),
            secure: false
        }
    );
    assert_eq!(
        plan("sips:alice@192.0.2.1"),
        Plan::Numeric {
            target: tcp("192.0.2.1:5061"),
            secure: true
        }
    );
    assert_eq!(
        plan("sip:[2001:db8::1]"),
        Plan::Numeric {
            target: udp("[2001:db8::1]:5060"),
            secure: false
        }
    );
}

/// RFC 3263 §4.2: "If TARGET is a numeric IP address, the client uses
/// that address. If the URI also contains a port, it uses that port."
#[test]
fn rfc3263_numeric_target_with_port_and_transport() {
    assert_eq!(
        plan("sip:bob@[2001:db8::1]:5070;transport=TCP"),
        Plan::Numeric {
            target: tcp("[2001:db8::1]:5070"),
            secure: false
        }
    );
    assert_eq!(
        plan("sip:bob@192.0.2.1:5080;transport=udp"),
        Plan::Numeric {
            target: udp("192.0.2.1:5080"),
            secure: false
        }
    );
}

/// RFC 3263 §4.2: "If the TARGET was not a numeric IP address, but a port
/// is present in the URI, the client performs an A or AAAA record lookup
/// of the domain name." §4.1: with "an explicit port ... the client
/// SHOULD use UDP for a SIP URI, and TCP for a SIPS URI."
#[test]
fn rfc3263_explicit_port_means_address_lookup_only() {
    assert_eq!(
        plan("sip:bob@pbx.example.com:5070"),
        Plan::Address {
            host: "pbx.example.com".into(),
            port: 5070,
            transport: Transport::Udp,
            secure: false
        }
    );
    assert_eq!(
        plan("sips:bob@pbx.example.com:5071"),
        Plan::Address {
            host: "pbx.example.com".into(),
            port: 5071,
            transport: Transport::Tcp,
            secure: true
        }
    );
}

/// RFC 3263 §4.2: "If it was not, because a transport was specified
/// explicitly, the client performs an SRV query for that specific
/// transport".
#[test]
fn rfc3263_explicit_transport_means_srv_for_it() {
    assert_eq!(
        plan("sip:bob@example.com;transport=tcp"),
        Plan::Srv {
            host: "example.com".into(),
            transport: Transport::Tcp,
            secure: false
        }
    );
}

/// RFC 3263 §4.1: "Otherwise, if no transport protocol or port is
/// specified, and the target is not a numeric IP address, the client
/// SHOULD perform a NAPTR query for the domain in the URI."
#[test]
fn rfc3263_neither_port_nor_transport_means_naptr() {
    assert_eq!(
        plan("sip:bob@example.com"),
        Plan::Naptr {
            host: "example.com".into(),
            secure: false
        }
    );
}

/// RFC 3263 §4: "We define TARGET as the value of the maddr parameter of
/// the URI, if present, otherwise, the host value of the hostport
/// component of the URI."
#[test]
fn rfc3263_maddr_overrides_host() {
    assert_eq!(
        plan("sip:bob@example.com;maddr=192.0.2.9"),
        Plan::Numeric {
            target: udp("192.0.2.9:5060"),
            secure: false
        }
    );
    assert_eq!(
        plan("sip:bob@example.com:5070;maddr=[::1]"),
        Plan::Numeric {
            target: udp("[::1]:5070"),
            secure: false
        }
    );
    assert_eq!(
        plan("sip:bob@example.com;maddr=proxy.example.net"),
        Plan::Naptr {
            host: "proxy.example.net".into(),
            secure: false
        }
    );
    assert_eq!(plan("sip:bob@example.com;maddr=::1").target_host(), "::1");
}

/// RFC 3263 §4.1: "it is not possible to use TLS over UDP"; and a
/// transport this crate does not implement is an error, not a guess.
#[test]
fn rfc3263_unsupported_transports_are_refused() {
    for u in [
        "sip:bob@example.com;transport=sctp",
        "sip:bob@example.com;transport=ws",
        "sips:bob@example.com;transport=udp",
        "sip:bob@192.0.2.1;transport=sctp",
    ] {
        assert!(
            matches!(
                Plan::for_uri(&uri(u)),
                Err(ResolveError::UnsupportedTransport(_))
            ),
            "{u}"
        );
    }
}

/// RFC 3263 §4.2: "For a SIP URI, if the client wishes to use TLS, it
/// also uses the service identifier "_sips" for that specific
/// transport".
#[test]
fn rfc3263_transport_tls_is_located_as_sips() {
    assert_eq!(
        plan("sip:bob@example.com;transport=tls"),
        Plan::Srv {
            host: "example.com".into(),
            transport: Transport::Tcp,
            secure: true
        }
    );
    let mut dns = Dns::default()
        .srv(
            "_sips._tcp.example.com",
            vec![srv(0, 0, 5061, "tls.example.com.")],
        )
        .a("tls.example.com.", &["192.0.2.5"]);
    let r = dns.locate("sip:bob@example.com;transport=tls");
    assert!(
        matches!(&r, Err(ResolveError::TlsRequired(t)) if *t == [tcp("192.0.2.5:5061")]),
        "{r:?}"
    );
}

// ---- NAPTR selection (§4.1, RFC 3403) --------------------------------

/// RFC 3263 §4.1's example: "This indicates that the server supports TLS
/// over TCP, TCP, and UDP, in that order of preference. Since the client
/// supports TCP and UDP, TCP will be used".
#[test]
fn rfc3263_naptr_example_picks_tcp_for_a_client_without_tls() {
    let records = [
        naptr(50, 50, "s", "SIPS+D2T", "_sips._tcp.example.com."),
        naptr(90, 50, "s", "SIP+D2T", "_sip._tcp.example.com"),
        naptr(100, 50, "s", "SIP+D2U", "_sip._udp.example.com."),
    ];
    assert_eq!(
        select_naptr(&records, false),
        [svc(Transport::Tcp, "_sip._tcp.example.com")]
    );
    // RFC 3263 §4.1: "a client resolving a SIPS URI MUST discard any
    // services that do not contain "SIPS" as the protocol".
    assert_eq!(
        select_naptr(&records, true),
        [svc(Transport::Tcp, "_sips._tcp.example.com.")]
    );
}

/// RFC 3403 §4.1: "Low numbers are processed before high numbers, and
/// once a NAPTR is found whose rule "matches" the target, the client MUST
/// NOT consider any NAPTRs with a higher value for order". Preference
/// "specifies the order in which NAPTR records with equal Order values
/// SHOULD be processed, low numbers being processed before high numbers".
#[test]
fn rfc3403_naptr_order_then_preference() {
    let records = [
        naptr(20, 1, "s", "SIP+D2U", "_sip._udp.other.example."),
        naptr(10, 20, "s", "SIP+D2T", "_sip._tcp.example.com."),
        naptr(10, 10, "s", "SIP+D2U", "_sip._udp.example.com."),
    ];
    assert_eq!(
        select_naptr(&records, false),
        [
            svc(Transport::Udp, "_sip._udp.example.com."),
            svc(Transport::Tcp, "_sip._tcp.example.com."),
        ]
    );
}

/// RFC 3263 §4.1: "a client MUST discard any service fields that identify
/// a resolution service whose value is not "D2X", for values of X that
/// indicate transport protocols supported by the client." Flags other
/// than "s" and root replacements are not usable either; service and
/// flag matching ignores case.
#[test]
fn rfc3263_naptr_unusable_records_are_discarded() {
    let records = [
        naptr(1, 1, "s", "SIP+D2S", "_sip._sctp.example.com."),
        naptr(1, 1, "s", "SIP+D2W", "_sip._ws.example.com."),
        naptr(1, 1, "a", "SIP+D2U", "a.example.com."),
        naptr(1, 1, "", "SIP+D2U", "next.example.com."),
        naptr(1, 1, "s", "SIP+D2U", "."),
        naptr(1, 1, "s", "http+N2L", "www.example.com."),
        naptr(2, 1, "S", "sip+d2u", "_sip._udp.example.com."),
        naptr(2, 1, "S", "sip+d2u", "_sip._udp.example.com."),
    ];
    assert_eq!(
        select_naptr(&records, false),
        [svc(Transport::Udp, "_sip._udp.example.com.")]
    );
    assert!(select_naptr(&records, true).is_empty());
    assert!(select_naptr(&[], false).is_empty());
}

// ---- SRV order (RFC 2782) --------------------------------------------

/// RFC 2782: "A client MUST attempt to contact the target host with the
/// lowest-numbered priority it can reach".
#[test]
fn rfc2782_lowest_priority_first() {
    let mut rng = StdRng::seed_from_u64(1);
    for _ in 0..100 {
        let out = order_srv(
            vec![
                srv(20, 1000, 1, "c."),
                srv(10, 1, 2, "a."),
                srv(30, 0, 3, "d."),
                srv(10, 1, 4, "b."),
            ],
            &mut rng,
        );
        let prios: Vec<u16> = out.iter().map(|r| r.priority).collect();
        assert_eq!(prios, [10, 10, 20, 30]);
    }
}

/// RFC 2782: "A Target of "." means that the service is decidedly not
/// available at this domain."
#[test]
fn rfc2782_root_target_is_dropped() {
    let mut rng = StdRng::seed_from_u64(1);
    assert!(order_srv(vec![srv(0, 0, 0, ".")], &mut rng).is_empty());
    assert_eq!(
        order_srv(vec![srv(0, 0, 0, "."), srv(1, 0, 5060, "a.")], &mut rng),
        [srv(1, 0, 5060, "a.")]
    );
}

/// RFC 2782: "Larger weights SHOULD be given a proportionately higher
/// probability of being selected." Weights 60/30/10 come first 60, 30 and
/// 10 times in 100.
#[test]
fn rfc2782_weights_are_proportional() {
    let mut rng = StdRng::seed_from_u64(3263);
    let records = vec![
        srv(0, 60, 1, "a."),
        srv(0, 30, 2, "b."),
        srv(0, 10, 3, "c."),
    ];
    let draws = 10_000;
    let mut first = [0u32; 3];
    for _ in 0..draws {
        let out = order_srv(records.clone(), &mut rng);
        assert_eq!(out.len(), 3);
        first[usize::from(out[0].port - 1)] += 1;
    }
    for (count, expected) in first.iter().zip([0.6, 0.3, 0.1]) {
        let share = f64::from(*count) / f64::from(draws);
        assert!(
            (share - expected).abs() < 0.02,
            "share {share} expected {expected} ({first:?})"
        );
    }
}

/// RFC 2782: a weight-2 target is chosen about twice as often as a
/// weight-1 target of the same priority, whichever of the two the DNS
/// answer lists first (the RFC's literal draw from 0 would give the first
/// listed one an extra chance: 3:1 one way, 1:1 the other).
#[test]
fn rfc2782_weight_two_is_chosen_twice_as_often_as_weight_one() {
    let mut rng = StdRng::seed_from_u64(2);
    let draws = 9_000;
    for records in [
        vec![srv(0, 2, 1, "two."), srv(0, 1, 2, "one.")],
        vec![srv(0, 1, 2, "one."), srv(0, 2, 1, "two.")],
    ] {
        let two_first = (0..draws)
            .filter(|_| order_srv(records.clone(), &mut rng)[0].port == 1)
            .count();
        // 6,000 expected; a standard deviation is about 45.
        assert!(
            (5_800..=6_200).contains(&two_first),
            "{two_first} of {draws}"
        );
    }
}

/// RFC 2782: "all those with weight 0 are placed at the beginning of the
/// list" and "records with weight 0 should have a very small chance of
/// being selected": drawn 0 of 0..=100, 1 time in 101.
#[test]
fn rfc2782_zero_weight_rarely_first() {
    let mut rng = StdRng::seed_from_u64(2782);
    let records = vec![srv(0, 100, 1, "heavy."), srv(0, 0, 2, "zero.")];
    let draws = 10_000;
    let zero_first = (0..draws)
        .filter(|_| order_srv(records.clone(), &mut rng)[0].port == 2)
        .count();
    let share = zero_first as f64 / f64::from(draws);
    assert!((share - 1.0 / 101.0).abs() < 0.005, "share {share}");
    // All-zero weights: every order is possible, none is lost.
    let out = order_srv(vec![srv(0, 0, 1, "a."), srv(0, 0, 2, "b.")], &mut rng);
    assert_eq!(out.len(), 2);
}

// ---- The whole procedure, on a fake DNS ------------------------------

/// RFC 3263 §4.1 then §4.2: NAPTR names the SRV domains, "the client
/// performs an SRV query on the record returned from the NAPTR
/// processing", and each SRV target is looked up with A and AAAA.
#[test]
fn rfc3263_naptr_srv_address_chain() {
    let mut dns = Dns::default()
        .naptr(
            "example.com",
            vec![
                naptr(10, 20, "s", "SIP+D2T", "_sip._tcp.example.com."),
                naptr(10, 10, "s", "SIP+D2U", "_sip._udp.example.com."),
            ],
        )
        .srv(
            "_sip._udp.example.com.",
            vec![
                srv(20, 0, 5062, "b.example.com."),
                srv(10, 0, 5060, "a.example.com."),
            ],
        )
        .srv(
            "_sip._tcp.example.com.",
            vec![srv(0, 0, 5070, "a.example.com.")],
        )
        .a("a.example.com.", &["192.0.2.1"])
        .a("a.example.com.", &["2001:db8::1"])
        .a("b.example.com.", &["192.0.2.2"]);
    let targets = dns.locate("sip:alice@example.com").unwrap();
    assert_eq!(
        targets,
        [
            udp("192.0.2.1:5060"),
            udp("[2001:db8::1]:5060"),
            udp("192.0.2.2:5062"),
            tcp("192.0.2.1:5070"),
            tcp("[2001:db8::1]:5070"),
        ]
    );
    // a.example.com. is asked once although two SRV records name it.
    assert_eq!(
        dns.asked(QueryKind::A),
        ["a.example.com.", "b.example.com."]
    );
    assert!(dns.asked(QueryKind::Srv).len() == 2);
}

/// RFC 3263 §4.1: "If no NAPTR records are found, the client constructs
/// SRV queries for those transport protocols it supports, and does a
/// query for each. [...] A particular transport is supported if the query
/// is successful."
#[test]
fn rfc3263_no_naptr_means_srv_for_each_transport() {
    let mut dns = Dns::default()
        .srv(
            "_sip._tcp.example.com",
            vec![srv(0, 0, 5070, "t.example.com.")],
        )
        .srv(
            "_sip._udp.example.com",
            vec![srv(0, 0, 5060, "u.example.com.")],
        )
        .a("t.example.com.", &["192.0.2.20"])
        .a("u.example.com.", &["192.0.2.10"]);
    let targets = dns.locate("sip:alice@example.com").unwrap();
    assert_eq!(targets, [udp("192.0.2.10:5060"), tcp("192.0.2.20:5070")]);
    assert_eq!(
        dns.asked(QueryKind::Srv),
        ["_sip._udp.example.com", "_sip._tcp.example.com"]
    );
}

/// RFC 3263 §4.2: "If no SRV records were found, the client performs an
/// A or AAAA record lookup of the domain name." §4.1: "If no SRV records
/// are found, the client SHOULD use TCP for a SIPS URI, and UDP for a SIP
/// URI."
#[test]
fn rfc3263_no_srv_means_addresses_on_default_port() {
    let mut dns = Dns::default()
        .a("pbx.example.com", &["192.0.2.5"])
        .a("pbx.example.com", &["2001:db8::5"]);
    let targets = dns.locate("sip:bob@pbx.example.com").unwrap();
    assert_eq!(targets, [udp("192.0.2.5:5060"), udp("[2001:db8::5]:5060")]);
    assert_eq!(dns.asked(QueryKind::Naptr), ["pbx.example.com"]);
}

/// RFC 3263 §4.2: an explicit port means "an A or AAAA record lookup",
/// so neither NAPTR nor SRV is asked.
#[test]
fn rfc3263_explicit_port_asks_only_addresses() {
    let mut dns = Dns::default().a("pbx.example.com", &["192.0.2.5"]);
    let targets = dns.locate("sip:bob@pbx.example.com:5080").unwrap();
    assert_eq!(targets, [udp("192.0.2.5:5080")]);
    assert!(dns.asked(QueryKind::Naptr).is_empty());
    assert!(dns.asked(QueryKind::Srv).is_empty());
}

/// RFC 3263 §4.2: an explicit transport means an SRV query "for that
/// specific transport" and no NAPTR; without SRV records, A/AAAA on the
/// default port.
#[test]
fn rfc3263_explicit_transport_skips_naptr() {
    let mut dns = Dns::default().a("pbx.example.com", &["192.0.2.5"]);
    let targets = dns.locate("sip:bob@pbx.example.com;transport=tcp").unwrap();
    assert_eq!(targets, [tcp("192.0.2.5:5060")]);
    assert!(dns.asked(QueryKind::Naptr).is_empty());
    assert_eq!(dns.asked(QueryKind::Srv), ["_sip._tcp.pbx.example.com"]);
}

/// A numeric TARGET never asks DNS.
#[test]
fn rfc3263_numeric_target_asks_nothing() {
    let mut dns = Dns::default();
    let targets = dns.locate("sip:bob@192.0.2.1:5070").unwrap();
    assert_eq!(targets, [udp("192.0.2.1:5070")]);
    assert!(dns.asked.is_empty());
}

/// RFC 2782: "A Target of "." means that the service is decidedly not
/// available at this domain" — so no A/AAAA fallback either.
#[test]
fn rfc2782_root_target_stops_the_fallback() {
    let mut dns = Dns::default()
        .srv("_sip._udp.example.com", vec![srv(0, 0, 0, ".")])
        .a("example.com", &["192.0.2.1"]);
    let r = dns.locate("sip:bob@example.com;transport=udp");
    assert!(
        matches!(&r, Err(ResolveError::NotFound(h)) if h == "example.com"),
        "{r:?}"
    );
    assert!(dns.asked(QueryKind::A).is_empty());
}

/// SIPS: `SIPS+D2T` NAPTR and `_sips._tcp` SRV are followed, and the TLS
/// targets are reported as [`ResolveError::TlsRequired`].
#[test]
fn rfc3263_sips_is_located_but_needs_tls() {
    let mut dns = Dns::default()
        .naptr(
            "example.com",
            vec![
                naptr(50, 50, "s", "SIPS+D2T", "_sips._tcp.example.com."),
                naptr(90, 50, "s", "SIP+D2T", "_sip._tcp.example.com."),
            ],
        )
        .srv(
            "_sips._tcp.example.com.",
            vec![srv(0, 0, 5061, "tls.example.com.")],
        )
        .a("tls.example.com.", &["192.0.2.7"]);
    let r = dns.locate("sips:bob@example.com");
    assert!(
        matches!(&r, Err(ResolveError::TlsRequired(t)) if *t == [tcp("192.0.2.7:5061")]),
        "{r:?}"
    );
    let r = Dns::default().locate("sips:bob@192.0.2.1");
    assert!(
        matches!(&r, Err(ResolveError::TlsRequired(t)) if *t == [tcp("192.0.2.1:5061")]),
        "{r:?}"
    );
    // No NAPTR: `_sips._tcp` only, then A/AAAA on 5061.
    let mut dns = Dns::default().a("example.com", &["192.0.2.8"]);
    let r = dns.locate("sips:bob@example.com");
    assert!(
        matches!(&r, Err(ResolveError::TlsRequired(t)) if *t == [tcp("192.0.2.8:5061")]),
        "{r:?}"
    );
    assert_eq!(dns.asked(QueryKind::Srv), ["_sips._tcp.example.com"]);
}

/// A failed query does not block the fallback; when nothing is found the
/// failure, not "not found", is reported.
#[test]
fn failures_fall_back_and_are_reported() {
    let mut dns = Dns::default()
        .failing("example.com")
        .srv(
            "_sip._udp.example.com",
            vec![srv(0, 0, 5060, "u.example.com.")],
        )
        .a("u.example.com.", &["192.0.2.10"]);
    let targets = dns.locate("sip:bob@example.com").unwrap();
    assert_eq!(targets, [udp("192.0.2.10:5060")]);

    let mut dns = Dns::default().failing("example.com");
    let r = dns.locate("sip:bob@example.com");
    assert!(
        matches!(&r, Err(ResolveError::Dns { name, .. }) if name == "example.com"),
        "{r:?}"
    );
    let r = Dns::default().locate("sip:bob@nowhere.example.com");
    assert!(
        matches!(&r, Err(ResolveError::NotFound(h)) if h == "nowhere.example.com"),
        "{r:?}"
    );
}

/// Answers the locator did not ask for, repeated answers and answers of
/// the wrong type are ignored or count as empty; nothing panics.
#[test]
fn stray_and_mistyped_answers_are_harmless() {
    let mut rng = StdRng::seed_from_u64(0);
    let mut loc = Locator::new(&uri("sip:bob@example.com")).unwrap();
    let q = loc.poll_query().unwrap();
    assert_eq!(loc.poll_query(), None);
    let stray = Query {
        name: "other.example.".into(),
        kind: QueryKind::A,
    };
    loc.handle_answer(&stray, Answer::NoRecords, &mut rng);
    assert!(!loc.is_finished());
    // The NAPTR question answered with addresses: no NAPTR records.
    loc.handle_answer(&q, Answer::Addresses(vec![]), &mut rng);
    loc.handle_answer(&q, Answer::NoRecords, &mut rng);
    let round: Vec<Query> = std::iter::from_fn(|| loc.poll_query()).collect();
    assert_eq!(round.len(), 2);
    for q in &round {
        loc.handle_answer(q, Answer::Srv(vec![srv(0, 0, 5060, "")]), &mut rng);
    }
    // Empty targets mean "." (unavailable), so nothing more to ask.
    assert!(loc.is_finished());
    assert!(matches!(loc.finish(), Err(ResolveError::NotFound(_))));
}
