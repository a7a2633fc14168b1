//! `sip-demo`: the workspace in one process, on loopback, with nothing
//! else to start.
//!
//! ```text
//! sip-demo [--calls N]
//! ```
//!
//! It starts a registrar + stateful proxy for `example.test` (digest
//! authentication, Record-Route), and two user agents, alice and bob, each
//! on its own UDP socket with the proxy as outbound proxy. Then:
//!
//! 1. both REGISTER, answering the registrar's 401 challenge (RFC 3665 §2.1);
//! 2. alice sends OPTIONS to bob's address-of-record, which the proxy
//!    routes to bob's binding (RFC 3261 §11);
//! 3. alice calls bob N times (default 1): INVITE through the proxy, 180,
//!    200 with SDP, ACK along the route set, BYE (RFC 3665 §3.1);
//! 4. both un-REGISTER, and the proxy's counters are printed.
//!
//! Every step prints one line with its outcome and how long it took; the
//! exit status is 0 when all of them succeeded.
//!
//! ```sh
//! cargo run --release --example sip-demo
//! ```

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use sip_dialog::{
    driver, Body, Credential, RegisterConfig, RegistrationHandle, UaConfig, UaEvent, UserAgent,
};
use sip_examples::server::ServerConfig;
use sip_message::{Method, Uri};
use sip_transaction::{IdGenerator, LayerConfig, Runner, Sockets, Target};
use tokio::sync::mpsc::UnboundedReceiver;

/// Registers two user agents at an in-process proxy and calls between them.
#[derive(Parser, Debug)]
#[command(name = "sip-demo", version, about)]
struct Args {
    /// How many calls alice makes to bob.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    calls: u32,
}

type Failure = String;

/// One user agent of the demo and its events.
struct Agent {
    name: &'static str,
    runner: Runner<UserAgent>,
    events: UnboundedReceiver<UaEvent>,
    addr: SocketAddr,
}

impl Agent {
    async fn start(name: &'static str, password: &str, proxy: SocketAddr) -> Result<Self, Failure> {
        let sockets = Sockets::builder()
            .udp("127.0.0.1:0".parse().expect("an address"))
            .bind()
            .await
            .map_err(|e| format!("{name}: cannot bind: {e}"))?;
        let addr = sockets.listeners()[0].1;
        let aor = uri(&format!("sip:{name}@example.test"))?;
        let mut cfg = UaConfig::new(aor, uri(&format!("sip:{name}@{addr}"))?);
        cfg.outbound_proxy = Some(Target::udp(proxy));
        cfg.user_agent = Some("sip-demo".into());
        let layer = driver::layer_on(&sockets, LayerConfig::default(), IdGenerator::default());
        let mut ua = UserAgent::new(cfg, layer);
        ua.set_credential(Credential::new(name, password));
        let (runner, events) = Runner::spawn(ua, sockets);
        Ok(Self {
            name,
            runner,
            events,
            addr,
        })
    }

    /// The first event `pick` accepts within 5 s.
    async fn wait<T>(
        &mut self,
        what: &str,
        mut pick: impl FnMut(&UaEvent) -> Option<Result<T, Failure>>,
    ) -> Result<T, Failure> {
        let name = self.name;
        let wait = async {
            while let Some(ev) = self.events.recv().await {
                if let Some(r) = pick(&ev) {
                    return r;
                }
            }
            Err(format!("{name}: the user agent stopped"))
        };
        tokio::time::timeout(Duration::from_secs(5), wait)
            .await
            .map_err(|_| format!("{name}: no {what} within 5 s"))?
    }

    async fn register(&mut self, proxy: SocketAddr) -> Result<RegistrationHandle, Failure> {
        let cfg = RegisterConfig::new(uri("sip:example.test")?, Target::udp(proxy));
        let reg = self
            .runner
            .with(move |ua, now| ua.register(now, cfg))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("{}: REGISTER: {e}", self.name))?;
        let name = self.name;
        self.wait("answer to REGISTER", |e| match e {
            UaEvent::Registered { expires, .. } => Some(Ok(*expires)),
            UaEvent::RegistrationFailed { status, .. } => {
                Some(Err(format!("{name}: registration failed with {status}")))
            }
            _ => None,
        })
        .await?;
        Ok(reg)
    }
}

fn uri(s: &str) -> Result<Uri, Failure> {
    Uri::parse(s).map_err(|e| format!("{s}: {e}"))
}

fn sdp(addr: SocketAddr, who: &str) -> Body {
    Body::sdp(format!(
        "v=0\r\no={who} 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\nm=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n",
        ip = addr.ip(),
        port = addr.port() + 2
    ))
}

/// Prints one step's outcome with its duration.
fn step(started: Instant, what: &str) {
    println!("{:>8.2} ms  {what}", started.elapsed().as_secs_f64() * 1e3);
}

async fn demo(calls: u32) -> Result<(), Failure> {
    // The registrar + proxy, as `sip-proxy --user alice:wonderland
    // --user bob:zanzibar --domain example.test` would run it.
    let mut server = ServerConfig {
        domains: vec!["example.test".into()],
        ..ServerConfig::default()
    };
    server
        .add_user("alice:wonderland")
        .map_err(|e| e.to_string())?;
    server.add_user("bob:zanzibar").map_err(|e| e.to_string())?;
    let sockets = Sockets::builder()
        .udp_and_tcp("127.0.0.1:0".parse().expect("an address"))
        .bind()
        .await
        .map_err(|e| format!("proxy: cannot bind: {e}"))?;
    let bound = sockets.listeners().to_vec();
    let proxy_addr = bound[0].1;
    let layer = driver::layer_on(&sockets, LayerConfig::default(), IdGenerator::default());
    let proxy = server.build(layer, &bound).map_err(|e| e.to_string())?;
    let (proxy, _) = Runner::spawn(proxy, sockets);
    println!("proxy and registrar for example.test on udp/tcp {proxy_addr}");

    let mut alice = Agent::start("alice", "wonderland", proxy_addr).await?;
    let mut bob = Agent::start("bob", "zanzibar", proxy_addr).await?;
    println!("alice on {}, bob on {}", alice.addr, bob.addr);

    let t = Instant::now();
    let reg_a = alice.register(proxy_addr).await?;
    let reg_b = bob.register(proxy_addr).await?;
    step(
        t,
        "alice and bob registered (401 challenge answered with digest)",
    );

    let t = Instant::now();
    let opt = alice
        .runner
        .with(|ua, now| {
            ua.request(
                now,
                Method::Options,
                Uri::parse("sip:bob@example.test").expect("a URI"),
                None,
            )
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("OPTIONS: {e}"))?;
    let status = alice
        .wait("answer to OPTIONS", |e| match e {
            UaEvent::Response { request, response } if *request == opt => {
                response.status().filter(|s| *s >= 200).map(Ok)
            }
            UaEvent::RequestFailed { request, status } if *request == opt => Some(Ok(*status)),
            _ => None,
        })
        .await?;
    if status != 200 {
        return Err(format!("OPTIONS to bob answered {status}"));
    }
    step(
        t,
        "OPTIONS sip:bob@example.test -> 200 from bob's UA, routed by the proxy",
    );

    for n in 1..=calls {
        let t = Instant::now();
        let offer = sdp(alice.addr, "alice");
        let call = alice
            .runner
            .with(move |ua, now| {
                ua.call(
                    now,
                    Uri::parse("sip:bob@example.test").expect("a URI"),
                    Some(offer),
                )
            })
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("INVITE: {e}"))?;
        let incoming = bob
            .wait("INVITE", |e| match e {
                UaEvent::IncomingCall { call, .. } => Some(Ok(*call)),
                _ => None,
            })
            .await?;
        let answer = sdp(bob.addr, "bob");
        bob.runner
            .with(move |ua, now| {
                ua.ring(now, incoming)?;
                ua.answer(now, incoming, Some(answer))
            })
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("bob cannot answer: {e}"))?;
        alice
            .wait("answer to INVITE", |e| match e {
                UaEvent::Answered { call: c, .. } if *c == call => Some(Ok(())),
                UaEvent::Failed {
                    call: c, status, ..
                } if *c == call => Some(Err(format!("the call failed with {status}"))),
                _ => None,
            })
            .await?;
        bob.wait("ACK", |e| {
            matches!(e, UaEvent::Confirmed { .. }).then_some(Ok(()))
        })
        .await?;
        let route = alice
            .runner
            .with(move |ua, _| {
                ua.dialog(call)
                    .map(|d| {
                        d.route_set()
                            .iter()
                            .map(|r| r.uri().to_string())
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default()
            })
            .await
            .map_err(|e| e.to_string())?;
        step(
            t,
            &format!("call {n}: INVITE -> 180 -> 200 -> ACK, route set {route:?}"),
        );
        let t = Instant::now();
        alice
            .runner
            .with(move |ua, now| ua.hangup(now, call))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("BYE: {e}"))?;
        bob.wait("BYE", |e| match e {
            UaEvent::Ended { by_peer: true, .. } => Some(Ok(())),
            _ => None,
        })
        .await?;
        step(t, &format!("call {n}: BYE -> 200 along the route set"));
    }

    let t = Instant::now();
    for (agent, reg) in [(&mut alice, reg_a), (&mut bob, reg_b)] {
        agent
            .runner
            .with(move |ua, now| ua.unregister(now, reg))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("un-REGISTER: {e}"))?;
        agent
            .wait("answer to the un-REGISTER", |e| {
                matches!(e, UaEvent::Unregistered { .. }).then_some(Ok(()))
            })
            .await?;
    }
    step(t, "alice and bob unregistered");

    let (stats, bindings) = proxy
        .with(|p, _| (p.stats(), p.registrar().map_or(0, |r| r.location().len())))
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "proxy: {} requests, {} forwarded branches, {} responses forwarded, {} answered itself, {} bindings left",
        stats.requests, stats.branches, stats.responses_forwarded, stats.local_responses, bindings
    );
    for a in [alice, bob] {
        a.runner.shutdown().await;
    }
    proxy.shutdown().await;
    Ok(())
}

fn main() -> ExitCode {
    let args = Args::parse();
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("sip-demo: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(demo(args.calls)) {
        Ok(()) => {
            println!("ok");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sip-demo: {e}");
            ExitCode::FAILURE
        }
    }
}
