//! RFC 3263 resolution against a real DNS server: hickory-server with an
//! in-memory `example.test.` zone, on 127.0.0.1 (UDP and TCP on one port),
//! behind a handler that records every question it is asked.
//!
//! All DNS traffic stays on loopback, and every address in the zone is a
//! loopback address.

#![cfg(feature = "tokio")]

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hickory_server::net::runtime::{Time, TokioRuntimeProvider};
use hickory_server::proto::rr::rdata::{A, AAAA, NAPTR, SOA, SRV};
use hickory_server::proto::rr::{LowerName, Name, RData, Record, RecordType};
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, ZoneType};
use hickory_server::Server;
use sip_message::Message;
use sip_message::SipUri;
use sip_transaction::{
    Endpoint, Error, Incoming, Received, ResolveError, Resolver, Target, Transport,
};
use tokio::net::{TcpListener, UdpSocket};

/// The questions the server was asked: (lower-case name without the final
/// dot, type).
type Log = Arc<Mutex<Vec<(String, RecordType)>>>;

/// Records each question, then lets the catalog answer it.
struct Counting {
    catalog: Catalog,
    log: Log,
}

// `RequestHandler` is an `#[async_trait]` trait; this is the signature that
// macro produces, written out so the test needs no async-trait dependency.
impl RequestHandler for Counting {
    fn handle_request<'life0, 'life1, 'async_trait, R, T>(
        &'life0 self,
        request: &'life1 Request,
        response_handle: R,
    ) -> Pin<Box<dyn Future<Output = ResponseInfo> + Send + 'async_trait>>
    where
        R: 'async_trait + ResponseHandler,
        T: 'async_trait + Time,
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        if let Ok(info) = request.request_info() {
            let name = info.query.name().to_string();
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            let mut log = self.log.lock().unwrap();
            log.push((name, info.query.query_type()));
        }
        self.catalog
            .handle_request::<R, T>(request, response_handle)
    }
}

/// The DNS server of one test.
struct TestDns {
    addr: SocketAddr,
    log: Log,
    // Dropping the server stops it.
    _server: Server<Counting>,
}

impl TestDns {
    async fn start() -> Self {
        Self::start_with(Vec::new()).await
    }

    /// A server whose zone also holds `extra` records.
    async fn start_with(extra: Vec<Record>) -> Self {
        let log = Log::default();
        let mut catalog = Catalog::new();
        let mut zone = zone();
        for record in extra {
            assert!(zone.upsert_mut(record, 1));
        }
        catalog.upsert(LowerName::new(&name(ORIGIN)), vec![Arc::new(zone)]);
        let mut server = Server::new(Counting {
            catalog,
            log: log.clone(),
        });
        // UDP and TCP on the same port, as `Resolver::with_name_server`
        // expects; retry if the TCP port happens to be taken.
        let (udp, tcp) = loop {
            let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let addr = udp.local_addr().unwrap();
            if let Ok(tcp) = TcpListener::bind(addr).await {
                break (udp, tcp);
            }
        };
        let addr = udp.local_addr().unwrap();
        server.register_socket(udp);
        server.register_listener(tcp, Duration::from_secs(5), 16);
        Self {
            addr,
            log,
            _server: server,
        }
    }

    fn resolver(&self) -> Resolver {
        Resolver::with_name_server(self.addr)
            .unwrap()
            .with_rng_seed(3263)
    }

    fn total(&self) -> usize {
        self.log.lock().unwrap().len()
    }

    fn count(&self, name: &str, rtype: RecordType) -> usize {
        let log = self.log.lock().unwrap();
        log.iter().filter(|(n, t)| n == name && *t == rtype).count()
    }

    fn count_type(&self, rtype: RecordType) -> usize {
        let log = self.log.lock().unwrap();
        log.iter().filter(|(_, t)| *t == rtype).count()
    }

    fn log_since(&self, from: usize) -> Vec<(String, RecordType)> {
        self.log.lock().unwrap()[from..].to_vec()
    }
}

const ORIGIN: &str = "example.test.";
/// The TTL of every record but those of `ttl.example.test`.
const TTL: u32 = 300;

fn name(s: &str) -> Name {
    Name::from_ascii(s).unwrap()
}

fn naptr(owner: &str, order: u16, pref: u16, services: &str, replacement: &str) -> Record {
    let rdata = NAPTR::new(
        order,
        pref,
        b"s".to_vec().into_boxed_slice(),
        services.as_bytes().to_vec().into_boxed_slice(),
        Vec::new().into_boxed_slice(),
        name(replacement),
    );
    Record::from_rdata(name(owner), TTL, RData::NAPTR(rdata))
}

fn srv(owner: &str, priority: u16, weight: u16, port: u16, target: &str) -> Record {
    let rdata = SRV::new(priority, weight, port, name(target));
    Record::from_rdata(name(owner), TTL, RData::SRV(rdata))
}

fn a(owner: &str, ip: &str, ttl: u32) -> Record {
    Record::from_rdata(name(owner), ttl, RData::A(A(ip.parse().unwrap())))
}

fn aaaa(owner: &str, ip: &str, ttl: u32) -> Record {
    Record::from_rdata(name(owner), ttl, RData::AAAA(AAAA(ip.parse().unwrap())))
}

/// The test zone.
fn zone() -> InMemoryZoneHandler<TokioRuntimeProvider> {
    let mut zone = InMemoryZoneHandler::empty(name(ORIGIN), ZoneType::Primary, AxfrPolicy::Deny);
    let soa = SOA::new(
        name("ns.example.test."),
        name("hostmaster.example.test."),
        1,
        3600,
        600,
        86_400,
        // The negative TTL (RFC 2308): NODATA and NXDOMAIN stay cached 60 s.
        60,
    );
    let records = [
        Record::from_rdata(name(ORIGIN), 3600, RData::SOA(soa)),
        // chain: NAPTR -> SRV -> A/AAAA. Same order, so both SIP records
        // are used, UDP first by preference. SIPS+D2T is ranked first but
        // this crate has no TLS, so a `sip:` URI skips it.
        naptr(
            "chain.example.test.",
            10,
            5,
            "SIPS+D2T",
            "_sips._tcp.chain.example.test.",
        ),
        naptr(
            "chain.example.test.",
            10,
            10,
            "SIP+D2U",
            "_sip._udp.chain.example.test.",
        ),
        naptr(
            "chain.example.test.",
            10,
            20,
            "SIP+D2T",
            "_sip._tcp.chain.example.test.",
        ),
        srv(
            "_sip._udp.chain.example.test.",
            10,
            60,
            5060,
            "a.chain.example.test.",
        ),
        srv(
            "_sip._udp.chain.example.test.",
            10,
            40,
            5062,
            "b.chain.example.test.",
        ),
        srv(
            "_sip._udp.chain.example.test.",
            20,
            0,
            5064,
            "c.chain.example.test.",
        ),
        srv(
            "_sip._tcp.chain.example.test.",
            10,
            0,
            5070,
            "a.chain.example.test.",
        ),
        srv(
            "_sips._tcp.chain.example.test.",
            0,
            0,
            5061,
            "a.chain.example.test.",
        ),
        a("a.chain.example.test.", "127.0.0.11", TTL),
        aaaa("a.chain.example.test.", "::1", TTL),
        a("b.chain.example.test.", "127.0.0.12", TTL),
        a("c.chain.example.test.", "127.0.0.13", TTL),
        // weights: two UDP servers of one priority, weights 2 and 1.
        srv(
            "_sip._udp.weights.example.test.",
            10,
            1,
            5060,
            "light.weights.example.test.",
        ),
        srv(
            "_sip._udp.weights.example.test.",
            10,
            2,
            5060,
            "heavy.weights.example.test.",
        ),
        a("light.weights.example.test.", "127.0.0.61", TTL),
        a("heavy.weights.example.test.", "127.0.0.62", TTL),
        // srvonly: no NAPTR, SRV for UDP and TCP.
        srv(
            "_sip._udp.srvonly.example.test.",
            0,
            0,
            5080,
            "host.srvonly.example.test.",
        ),
        srv(
            "_sip._tcp.srvonly.example.test.",
            0,
            0,
            5081,
            "host.srvonly.example.test.",
        ),
        a("host.srvonly.example.test.", "127.0.0.21", TTL),
        // aonly: no NAPTR, no SRV.
        a("aonly.example.test.", "127.0.0.31", TTL),
        // dual: A and AAAA; v6only: AAAA only.
        a("dual.example.test.", "127.0.0.41", TTL),
        aaaa("dual.example.test.", "::1", TTL),
        aaaa("v6only.example.test.", "::1", TTL),
        // ttl: a one-second TTL for the cache test.
        a("ttl.example.test.", "127.0.0.51", 1),
        aaaa("ttl.example.test.", "::1", 1),
    ];
    for record in records {
        assert!(zone.upsert_mut(record, 1));
    }
    zone
}

fn uri(s: &str) -> SipUri {
    SipUri::parse(s).unwrap()
}

fn udp(s: &str) -> Target {
    Target::udp(s.parse().unwrap())
}

fn tcp(s: &str) -> Target {
    Target::tcp(s.parse().unwrap())
}

/// RFC 3263 §4.1: "The NAPTR processing as described in RFC 2915 will result
/// in the discovery of the most preferred transport protocol of the server
/// that is supported by the client, as well as an SRV record for the
/// server." Then §4.2: "the client performs an SRV query on the record
/// returned from the NAPTR processing", ordered by RFC 2782, and each SRV
/// target is looked up with A and AAAA.
#[tokio::test]
async fn rfc3263_naptr_srv_address_chain() {
    let dns = TestDns::start().await;
    let targets = dns
        .resolver()
        .resolve(&uri("sip:alice@chain.example.test"))
        .await
        .unwrap();
    assert_eq!(targets.len(), 6, "{targets:?}");
    // UDP first (NAPTR preference 10), its priority-10 SRV records in
    // weighted order, a.chain's A before its AAAA.
    let mut head = targets[..3].to_vec();
    head.sort_by_key(|t| t.addr);
    let mut expected = vec![
        udp("127.0.0.11:5060"),
        udp("[::1]:5060"),
        udp("127.0.0.12:5062"),
    ];
    expected.sort_by_key(|t| t.addr);
    assert_eq!(head, expected, "{targets:?}");
    let v4 = targets.iter().position(|t| *t == udp("127.0.0.11:5060"));
    let v6 = targets.iter().position(|t| *t == udp("[::1]:5060"));
    assert_eq!(v4.map(|i| i + 1), v6, "A before AAAA: {targets:?}");
    // Then the priority-20 record, then TCP (NAPTR preference 20).
    assert_eq!(
        targets[3..],
        [
            udp("127.0.0.13:5064"),
            tcp("127.0.0.11:5070"),
            tcp("[::1]:5070"),
        ]
    );
    // The SIPS+D2T record was not followed for a `sip:` URI.
    assert_eq!(
        dns.count("_sips._tcp.chain.example.test", RecordType::SRV),
        0
    );
    assert_eq!(dns.count("chain.example.test", RecordType::NAPTR), 1);
}

/// RFC 2782: "Larger weights SHOULD be given a proportionately higher
/// probability of being selected": over many seeds both priority-10 UDP
/// servers come first, the weight-60 one more often.
#[tokio::test]
async fn rfc2782_weighted_order_varies_by_seed() {
    let dns = TestDns::start().await;
    let u = uri("sip:alice@chain.example.test");
    let mut a_first = 0;
    let runs = 200;
    for seed in 0..runs {
        let resolver = Resolver::with_name_server(dns.addr)
            .unwrap()
            .with_rng_seed(seed);
        let targets = resolver.resolve(&u).await.unwrap();
        if targets[0] == udp("127.0.0.11:5060") {
            a_first += 1;
        } else {
            assert_eq!(targets[0], udp("127.0.0.12:5062"));
        }
    }
    // Expected 60/100 of the runs; allow for 200 samples.
    assert!((90..=150).contains(&a_first), "{a_first} of {runs}");
}

/// RFC 2782 through a real DNS server: of two SRV targets of the same
/// priority, the weight-2 one comes first about twice as often as the
/// weight-1 one over many draws (one resolver, so one random stream,
/// per draw; the answer is cached after the first).
#[tokio::test]
async fn rfc2782_weight_two_target_first_twice_as_often_as_weight_one() {
    let dns = TestDns::start().await;
    let u = uri("sip:alice@weights.example.test;transport=udp");
    let (mut heavy, mut light) = (0u32, 0u32);
    for seed in 0..600 {
        let resolver = Resolver::with_name_server(dns.addr)
            .unwrap()
            .with_rng_seed(seed);
        let targets = resolver.resolve(&u).await.unwrap();
        assert_eq!(targets.len(), 2, "{targets:?}");
        if targets[0] == udp("127.0.0.62:5060") {
            heavy += 1;
        } else {
            assert_eq!(targets[0], udp("127.0.0.61:5060"));
            light += 1;
        }
    }
    eprintln!("weight 2 first {heavy} times, weight 1 first {light} times");
    // 400 and 200 expected; a standard deviation is about 11.5.
    assert!(
        (350..=450).contains(&heavy),
        "weight 2 first {heavy} times, weight 1 {light}"
    );
    let ratio = f64::from(heavy) / f64::from(light);
    assert!((1.6..=2.5).contains(&ratio), "ratio {ratio}");
}

/// RFC 3263 §4.1: "If no NAPTR records are found, the client constructs SRV
/// queries for those transport protocols it supports, and does a query for
/// each."
#[tokio::test]
async fn rfc3263_srv_only_domain() {
    let dns = TestDns::start().await;
    let targets = dns
        .resolver()
        .resolve(&uri("sip:bob@srvonly.example.test"))
        .await
        .unwrap();
    assert_eq!(targets, [udp("127.0.0.21:5080"), tcp("127.0.0.21:5081")]);
    assert_eq!(dns.count("srvonly.example.test", RecordType::NAPTR), 1);
    assert_eq!(
        dns.count("_sip._udp.srvonly.example.test", RecordType::SRV),
        1
    );
    assert_eq!(
        dns.count("_sip._tcp.srvonly.example.test", RecordType::SRV),
        1
    );
}

/// RFC 3263 §4.2: "If no SRV records were found, the client performs an A
/// or AAAA record lookup of the domain name. The result will be a list of IP
/// addresses, each of which can be contacted using the transport protocol
/// determined previously, at the default port for that transport." §4.1:
/// "If no SRV records are found, the client SHOULD use [...] UDP for a SIP
/// URI."
#[tokio::test]
async fn rfc3263_a_only_domain_falls_back_to_5060_udp() {
    let dns = TestDns::start().await;
    let targets = dns
        .resolver()
        .resolve(&uri("sip:bob@aonly.example.test"))
        .await
        .unwrap();
    assert_eq!(targets, [udp("127.0.0.31:5060")]);
    assert_eq!(dns.count("aonly.example.test", RecordType::A), 1);
    assert_eq!(dns.count("aonly.example.test", RecordType::AAAA), 1);
}

/// AAAA answers are targets too, after the A answers of the same host.
#[tokio::test]
async fn rfc3263_aaaa_results_are_included() {
    let dns = TestDns::start().await;
    let resolver = dns.resolver();
    let targets = resolver
        .resolve(&uri("sip:bob@dual.example.test"))
        .await
        .unwrap();
    assert_eq!(targets, [udp("127.0.0.41:5060"), udp("[::1]:5060")]);
    let targets = resolver
        .resolve(&uri("sip:bob@v6only.example.test:5070;transport=tcp"))
        .await
        .unwrap();
    assert_eq!(targets, [tcp("[::1]:5070")]);
}

/// RFC 3263 §4.2: "If TARGET is a numeric IP address, the client uses that
/// address" — no DNS query at all, whatever the URI carries.
#[tokio::test]
async fn rfc3263_numeric_uris_never_touch_dns() {
    let dns = TestDns::start().await;
    let resolver = dns.resolver();
    for (u, expected) in [
        ("sip:alice@127.0.0.1", udp("127.0.0.1:5060")),
        (
            "sip:alice@127.0.0.1:5070;transport=tcp",
            tcp("127.0.0.1:5070"),
        ),
        ("sip:alice@[::1]", udp("[::1]:5060")),
        ("sip:alice@[::1]:5080", udp("[::1]:5080")),
        (
            "sip:alice@chain.example.test;maddr=127.0.0.1",
            udp("127.0.0.1:5060"),
        ),
    ] {
        assert_eq!(resolver.resolve(&uri(u)).await.unwrap(), [expected], "{u}");
    }
    assert_eq!(dns.total(), 0);
}

/// RFC 3263 §4.2: "If it was not, because a transport was specified
/// explicitly, the client performs an SRV query for that specific
/// transport" — no NAPTR query.
#[tokio::test]
async fn rfc3263_transport_param_skips_naptr() {
    let dns = TestDns::start().await;
    let targets = dns
        .resolver()
        .resolve(&uri("sip:alice@chain.example.test;transport=tcp"))
        .await
        .unwrap();
    assert_eq!(targets, [tcp("127.0.0.11:5070"), tcp("[::1]:5070")]);
    assert_eq!(dns.count_type(RecordType::NAPTR), 0);
    assert_eq!(dns.count_type(RecordType::SRV), 1);
    assert_eq!(
        dns.count("_sip._tcp.chain.example.test", RecordType::SRV),
        1
    );
}

/// RFC 3263 §4.2: "If the TARGET was not a numeric IP address, but a port
/// is present in the URI, the client performs an A or AAAA record lookup of
/// the domain name." — no NAPTR, no SRV.
#[tokio::test]
async fn rfc3263_explicit_port_skips_naptr_and_srv() {
    let dns = TestDns::start().await;
    let targets = dns
        .resolver()
        .resolve(&uri("sip:bob@aonly.example.test:5099"))
        .await
        .unwrap();
    assert_eq!(targets, [udp("127.0.0.31:5099")]);
    assert_eq!(dns.count_type(RecordType::NAPTR), 0);
    assert_eq!(dns.count_type(RecordType::SRV), 0);
    assert_eq!(dns.total(), 2, "{:?}", dns.log_since(0));
}

/// The resolver can be shared between tasks and its future spawned.
#[tokio::test]
async fn resolver_is_shareable_and_its_future_is_send() {
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    fn assert_send<T: Send>(t: T) -> T {
        t
    }
    let dns = TestDns::start().await;
    let resolver = Arc::new(dns.resolver());
    assert_send_sync(&*resolver);
    let task = tokio::spawn(assert_send(async move {
        resolver.resolve(&uri("sip:bob@aonly.example.test")).await
    }));
    assert_eq!(task.await.unwrap().unwrap(), [udp("127.0.0.31:5060")]);
}

/// The system configuration is read (no query is sent: the URI is numeric).
#[tokio::test]
async fn from_system_builds() {
    match Resolver::from_system() {
        Ok(resolver) => {
            let targets = resolver.resolve(&uri("sip:bob@127.0.0.1")).await.unwrap();
            assert_eq!(targets, [udp("127.0.0.1:5060")]);
        }
        // A sandbox without /etc/resolv.conf: the error is the typed one.
        Err(ResolveError::Config(e)) => eprintln!("NOTE: no system DNS configuration: {e}"),
        Err(e) => panic!("unexpected error {e:?}"),
    }
}

/// A name with no records at all is `NotFound`, naming TARGET.
#[tokio::test]
async fn unknown_name_is_not_found() {
    let dns = TestDns::start().await;
    let err = dns
        .resolver()
        .resolve(&uri("sip:nobody@nobody.example.test"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ResolveError::NotFound(h) if h == "nobody.example.test"),
        "{err:?}"
    );
}

/// A server that refuses (here: a name outside its zones) is a DNS error,
/// not "not found", and nothing panics.
#[tokio::test]
async fn refused_queries_are_dns_errors() {
    let dns = TestDns::start().await;
    let err = dns
        .resolver()
        .resolve(&uri("sip:bob@elsewhere.test"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ResolveError::Dns { name, .. } if name == "elsewhere.test"),
        "{err:?}"
    );
}

/// `sips:` is located by `SIPS+D2T` and `_sips._tcp` on port 5061; without
/// TLS in this crate the targets come back as `TlsRequired`.
#[tokio::test]
async fn rfc3263_sips_targets_need_tls() {
    let dns = TestDns::start().await;
    let err = dns
        .resolver()
        .resolve(&uri("sips:alice@chain.example.test"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ResolveError::TlsRequired(t)
            if *t == [tcp("127.0.0.11:5061"), tcp("[::1]:5061")]),
        "{err:?}"
    );
    assert_eq!(
        dns.count("_sips._tcp.chain.example.test", RecordType::SRV),
        1
    );
}

/// Answers are cached for their TTL (RFC 1035 §3.2.1: TTL is "the time
/// interval that the resource record may be cached before the source of the
/// information should again be consulted"): a second resolve within the TTL
/// sends nothing; once the 1 s TTL has passed, the addresses are asked
/// again.
#[tokio::test]
async fn answers_are_cached_for_their_ttl() {
    let dns = TestDns::start().await;
    let resolver = dns.resolver();
    let u = uri("sip:bob@ttl.example.test:5060");
    let expected = [udp("127.0.0.51:5060"), udp("[::1]:5060")];

    assert_eq!(resolver.resolve(&u).await.unwrap(), expected);
    let first = dns.total();
    assert_eq!(first, 2, "{:?}", dns.log_since(0));

    assert_eq!(resolver.resolve(&u).await.unwrap(), expected);
    assert_eq!(dns.log_since(first), [], "second resolve within the TTL");

    // A real sleep: hickory's cache reads the system clock.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(resolver.resolve(&u).await.unwrap(), expected);
    let mut again = dns.log_since(first);
    again.sort_by_key(|(_, t)| u16::from(*t));
    assert_eq!(
        again,
        [
            ("ttl.example.test".to_owned(), RecordType::A),
            ("ttl.example.test".to_owned(), RecordType::AAAA),
        ],
        "after the TTL"
    );

    // Negative answers are cached too, for the SOA's negative TTL (60 s).
    let u = uri("sip:bob@aonly.example.test");
    resolver.resolve(&u).await.unwrap();
    let before = dns.total();
    resolver.resolve(&u).await.unwrap();
    assert_eq!(dns.total(), before, "{:?}", dns.log_since(before));
}

/// A UAS on loopback answering every request with `status`.
async fn uas(status: u16) -> (Endpoint, u16, u16) {
    let (ep, mut incoming): (Endpoint, Incoming) = Endpoint::builder()
        .udp("127.0.0.1:0".parse().unwrap())
        .tcp("127.0.0.1:0".parse().unwrap())
        .bind()
        .await
        .unwrap();
    tokio::spawn(async move {
        while let Some(r) = incoming.recv().await {
            if let Received::Request(tx) = r {
                let resp = tx
                    .request()
                    .response_to(status, Some("x"))
                    .unwrap()
                    .build()
                    .unwrap();
                let _ = tx.respond(resp).await;
            }
        }
    });
    let udp = ep.local_addr(Transport::Udp).unwrap().port();
    let tcp = ep.local_addr(Transport::Tcp).unwrap().port();
    (ep, udp, tcp)
}

fn options(to: &str) -> Message {
    Message::request(
        sip_message::Method::Options,
        sip_message::Uri::parse(to).unwrap(),
    )
    .header("To", &format!("<{to}>"))
    .header("From", "<sip:tester@example.test>;tag=f")
    .header("Call-ID", "failover@test")
    .header("CSeq", "1 OPTIONS")
    .header("Max-Forwards", "70")
    .build()
    .unwrap()
}

/// RFC 3263 §4.3: "If a failure occurs ... the client SHOULD create a new
/// request ... and send it to the next element", here from end to end: the
/// SRV records of the loopback DNS server put a dead TCP port first and a
/// live UAS second; the request goes to the live one.
#[tokio::test]
async fn rfc3263_4_3_send_fails_over_along_the_srv_order() {
    let (live, _, live_tcp) = uas(200).await;
    let dead_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dns = TestDns::start_with(vec![
        srv(
            "_sip._tcp.failover.example.test.",
            10,
            0,
            dead_port,
            "host.failover.example.test.",
        ),
        srv(
            "_sip._tcp.failover.example.test.",
            20,
            0,
            live_tcp,
            "host.failover.example.test.",
        ),
        a("host.failover.example.test.", "127.0.0.1", TTL),
    ])
    .await;
    let resolver = dns.resolver();
    let (client, _inc) = Endpoint::builder()
        .udp("127.0.0.1:0".parse().unwrap())
        .tcp("127.0.0.1:0".parse().unwrap())
        .bind()
        .await
        .unwrap();
    let to = uri("sip:svc@failover.example.test;transport=tcp");
    let (target, response) = tokio::time::timeout(
        Duration::from_secs(10),
        client.send_to_uri(
            options("sip:svc@failover.example.test"),
            &to,
            &resolver,
            true,
        ),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(target, tcp(&format!("127.0.0.1:{live_tcp}")));
    assert_eq!(response.status(), Some(200));
    live.shutdown().await;
}

/// RFC 3263 §4.3: a 503 from the first server makes the client try the
/// next one when the caller asks for it; without, the 503 is the answer.
#[tokio::test]
async fn rfc3263_4_3_a_503_fails_over_when_asked() {
    let (busy, busy_udp, _) = uas(503).await;
    let (live, live_udp, _) = uas(200).await;
    let dns = TestDns::start_with(vec![
        srv(
            "_sip._udp.busy.example.test.",
            10,
            0,
            busy_udp,
            "host.busy.example.test.",
        ),
        srv(
            "_sip._udp.busy.example.test.",
            20,
            0,
            live_udp,
            "host.busy.example.test.",
        ),
        a("host.busy.example.test.", "127.0.0.1", TTL),
    ])
    .await;
    let resolver = dns.resolver();
    let (client, _inc) = Endpoint::builder()
        .udp("127.0.0.1:0".parse().unwrap())
        .bind()
        .await
        .unwrap();
    let to = uri("sip:svc@busy.example.test;transport=udp");
    let (target, r) = client
        .send_to_uri(options("sip:svc@busy.example.test"), &to, &resolver, true)
        .await
        .unwrap();
    assert_eq!(
        (target, r.status()),
        (udp(&format!("127.0.0.1:{live_udp}")), Some(200))
    );
    let (target, r) = client
        .send_to_uri(options("sip:svc@busy.example.test"), &to, &resolver, false)
        .await
        .unwrap();
    assert_eq!(
        (target, r.status()),
        (udp(&format!("127.0.0.1:{busy_udp}")), Some(503))
    );
    // And a name with no records is a resolve error, not a hang.
    let none = uri("sip:svc@nowhere.example.test");
    let e = client
        .send_to_uri(
            options("sip:svc@nowhere.example.test"),
            &none,
            &resolver,
            true,
        )
        .await;
    assert!(matches!(e, Err(Error::Resolve(_))), "{e:?}");
    busy.shutdown().await;
    live.shutdown().await;
}
