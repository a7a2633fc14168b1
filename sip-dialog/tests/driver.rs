//! The cores on real loopback sockets through [`Runner`]: two user agents
//! register with digest at a proxy + registrar, call each other through
//! it, exchange OPTIONS and hang up.

use std::net::SocketAddr;
use std::time::Duration;

use sip_dialog::{
    driver, Authenticator, Body, Credential, MemoryCredentials, MemoryLocation, Proxy, ProxyConfig,
    RegisterConfig, Registrar, RegistrarConfig, RegistrationHandle, UaConfig, UaEvent, UserAgent,
};
use sip_message::{HeaderName, Method, Uri};
use sip_transaction::{IdGenerator, LayerConfig, Runner, Sockets, Target};
use tokio::sync::mpsc::UnboundedReceiver;

type Server = Proxy<MemoryLocation, MemoryCredentials>;

fn uri(s: &str) -> Uri {
    Uri::parse(s).unwrap()
}

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

async fn server(seed: u64) -> (Runner<Server>, SocketAddr) {
    let sockets = Sockets::builder()
        .udp(loopback())
        .tcp(loopback())
        .bind()
        .await
        .unwrap();
    let addr = sockets.listeners()[0].1;
    let layer = driver::layer_on(&sockets, LayerConfig::default(), IdGenerator::seeded(seed));
    let mut cfg = ProxyConfig::default();
    cfg.record_route(true);
    let mut reg = RegistrarConfig::default();
    reg.add_domain("example.test");
    let registrar = Registrar::new(reg, MemoryLocation::new());
    let users: MemoryCredentials = [("alice", "wonderland"), ("bob", "zanzibar")]
        .into_iter()
        .collect();
    let auth = Authenticator::new("example.test", users, IdGenerator::seeded(seed + 1));
    let proxy = Proxy::with_registrar(cfg, layer, registrar).with_auth(Some(auth), None);
    let (runner, _events) = Runner::spawn(proxy, sockets);
    (runner, addr)
}

async fn agent(
    user: &str,
    password: &str,
    proxy: SocketAddr,
    seed: u64,
) -> (Runner<UserAgent>, UnboundedReceiver<UaEvent>) {
    let sockets = Sockets::builder().udp(loopback()).bind().await.unwrap();
    let addr = sockets.listeners()[0].1;
    let layer = driver::layer_on(&sockets, LayerConfig::default(), IdGenerator::seeded(seed));
    let mut cfg = UaConfig::new(
        uri(&format!("sip:{user}@example.test")),
        uri(&format!("sip:{user}@{addr}")),
    );
    cfg.outbound_proxy = Some(Target::udp(proxy));
    let mut ua = UserAgent::new(cfg, layer);
    ua.set_credential(Credential::new(user, password));
    Runner::spawn(ua, sockets)
}

/// The next event `pick` accepts, skipping others; panics after 5 s.
async fn expect<T>(
    events: &mut UnboundedReceiver<UaEvent>,
    what: &str,
    mut pick: impl FnMut(&UaEvent) -> Option<T>,
) -> T {
    let wait = async {
        while let Some(ev) = events.recv().await {
            if let Some(t) = pick(&ev) {
                return t;
            }
        }
        panic!("event stream ended before {what}");
    };
    tokio::time::timeout(Duration::from_secs(5), wait)
        .await
        .unwrap_or_else(|_| panic!("no {what} within 5 s"))
}

fn sdp(who: &str) -> Option<Body> {
    Some(Body::sdp(format!(
        "v=0\r\no={who} 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
    )))
}

async fn register(
    ua: &Runner<UserAgent>,
    events: &mut UnboundedReceiver<UaEvent>,
    proxy: SocketAddr,
) -> RegistrationHandle {
    let cfg = RegisterConfig::new(uri("sip:example.test"), Target::udp(proxy));
    let reg = ua
        .with(move |ua, now| ua.register(now, cfg))
        .await
        .unwrap()
        .unwrap();
    let expires = expect(events, "Registered", |e| match e {
        UaEvent::Registered { expires, .. } => Some(*expires),
        UaEvent::RegistrationFailed { status, .. } => panic!("registration failed: {status}"),
        _ => None,
    })
    .await;
    assert_eq!(expires, 3600);
    reg
}

/// RFC 3665 §2.1 and §3.1 on real sockets: registration through a 401
/// challenge, a call through the record-routing proxy, OPTIONS routed to
/// the callee's binding, BYE, and removal of the binding.
#[tokio::test]
async fn register_call_options_and_hang_up_through_our_proxy_on_loopback() {
    let (proxy, paddr) = server(10).await;
    let (alice, mut ae) = agent("alice", "wonderland", paddr, 20).await;
    let (bob, mut be) = agent("bob", "zanzibar", paddr, 30).await;
    let reg = register(&alice, &mut ae, paddr).await;
    register(&bob, &mut be, paddr).await;
    let bound = proxy
        .with(|p, now| {
            p.registrar()
                .unwrap()
                .bindings(now, &uri("sip:bob@example.test"))
                .len()
        })
        .await
        .unwrap();
    assert_eq!(bound, 1);

    let ca = alice
        .with(|ua, now| ua.call(now, uri("sip:bob@example.test"), sdp("alice")))
        .await
        .unwrap()
        .unwrap();
    let (cb, invite) = expect(&mut be, "IncomingCall", |e| match e {
        UaEvent::IncomingCall { call, invite } => Some((*call, invite.clone())),
        _ => None,
    })
    .await;
    // Retargeted to Bob's binding, with the proxy's Record-Route.
    assert!(invite
        .request_uri_str()
        .unwrap()
        .starts_with("sip:bob@127.0.0.1:"));
    assert!(invite.has_header(&HeaderName::RecordRoute));
    bob.with(move |ua, now| {
        ua.ring(now, cb)?;
        ua.answer(now, cb, sdp("bob"))
    })
    .await
    .unwrap()
    .unwrap();
    let answered = expect(&mut ae, "Answered", |e| match e {
        UaEvent::Answered { call, response } => Some((*call, response.status())),
        UaEvent::Failed { status, .. } => panic!("call failed: {status}"),
        _ => None,
    })
    .await;
    assert_eq!(answered.0, ca);
    expect(&mut be, "Confirmed", |e| {
        matches!(e, UaEvent::Confirmed { .. }).then_some(())
    })
    .await;

    // OPTIONS to Bob's address-of-record: routed by the proxy, answered
    // 200 by Bob's UA core (RFC 3261 §11.2).
    let opt = alice
        .with(|ua, now| ua.request(now, Method::Options, uri("sip:bob@example.test"), None))
        .await
        .unwrap()
        .unwrap();
    let status = expect(&mut ae, "OPTIONS response", |e| match e {
        UaEvent::Response { request, response } if *request == opt => response.status(),
        UaEvent::RequestFailed { request, status } if *request == opt => Some(*status),
        _ => None,
    })
    .await;
    assert_eq!(status, 200);

    alice
        .with(move |ua, now| ua.hangup(now, ca))
        .await
        .unwrap()
        .unwrap();
    let by_peer = expect(&mut be, "Ended", |e| match e {
        UaEvent::Ended { call, by_peer } if *call == cb => Some(*by_peer),
        _ => None,
    })
    .await;
    assert!(by_peer);

    // Removal (RFC 3665 §2.3): alice's binding goes, bob's stays.
    alice
        .with(move |ua, now| ua.unregister(now, reg))
        .await
        .unwrap()
        .unwrap();
    expect(&mut ae, "Unregistered", |e| {
        matches!(e, UaEvent::Unregistered { .. }).then_some(())
    })
    .await;
    let left = proxy
        .with(|p, now| {
            let r = p.registrar().unwrap();
            (
                r.bindings(now, &uri("sip:alice@example.test")).len(),
                r.bindings(now, &uri("sip:bob@example.test")).len(),
            )
        })
        .await
        .unwrap();
    assert_eq!(left, (0, 1));

    let stats = proxy.with(|p, _| p.stats()).await.unwrap();
    assert!(stats.local_responses >= 2, "{stats:?}"); // at least the two 401s
                                                      // INVITE, OPTIONS and BYE went through; 180, 200, 200 and 200 came back.
    assert!(stats.branches >= 3, "{stats:?}");
    assert!(stats.responses_forwarded >= 4, "{stats:?}");
    for r in [alice, bob] {
        assert!(r.shutdown().await.is_some());
    }
    assert!(proxy.shutdown().await.is_some());
}
