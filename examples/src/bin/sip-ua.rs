//! `sip-ua`: a SIP user agent on the sans-IO UA core of `sip-dialog`,
//! driven by `sip-transaction`'s [`Runner`]: it registers, calls, answers,
//! hangs up and sends OPTIONS.
//!
//! ```text
//! sip-ua [--config FILE] [--aor URI] [--user NAME] [--password PW]
//!        [--proxy udp:IP:PORT|tcp:IP:PORT] [--registrar URI] [--listen ADDR]
//!        [--tcp] [--expires SECS]
//!        [--register] [--options URI] [--call URI [--hold SECS]]
//!        [--answer [--calls N]] [--log FILTER]
//! ```
//!
//! The actions run in this order and each must succeed:
//!
//! 1. `--register`: REGISTER (answering a 401/407 with the credentials)
//!    and keep the binding refreshed while running;
//! 2. `--options URI`: send OPTIONS and report the status;
//! 3. `--call URI`: INVITE with an SDP offer, wait for the answer (30 s at
//!    most), stay in the call `--hold` seconds (default 2), then BYE;
//! 4. `--answer`: ring and answer every incoming call with an SDP answer;
//!    the caller hangs up. With `--calls N` it exits after N calls ended,
//!    otherwise it runs until Ctrl-C.
//!
//! Ctrl-C or SIGTERM ends it cleanly at any point: calls are hung up, the
//! registration removed (REGISTER with Expires 0), then the sockets close.
//! The exit status is 0 when every action succeeded, 1 otherwise, 2 for a
//! bad configuration. Once bound it prints `sip-ua listening on ADDR` to
//! standard output; events are logged to standard error via `tracing`.
//!
//! ```sh
//! cargo run --release -p sip-examples --bin sip-proxy -- --user alice:wonderland --user bob:zanzibar &
//! cargo run --release -p sip-examples --bin sip-ua -- --aor sip:bob@127.0.0.1 --password zanzibar \
//!     --proxy udp:127.0.0.1:5060 --register --answer --calls 1 &
//! cargo run --release -p sip-examples --bin sip-ua -- --aor sip:alice@127.0.0.1 --password wonderland \
//!     --proxy udp:127.0.0.1:5060 --register --call sip:bob@127.0.0.1
//! ```

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use sip_dialog::{driver, Body, CallHandle, RegistrationHandle, UaEvent, UserAgent};
use sip_examples::ua::UaFileConfig;
use sip_message::{Method, Uri};
use sip_transaction::{IdGenerator, LayerConfig, Runner, Sockets, Transport};
use tokio::sync::mpsc::UnboundedReceiver;
use tracing::{error, info, warn};

/// A SIP user agent: register, call, answer, hang up, OPTIONS.
#[derive(Parser, Debug)]
#[command(name = "sip-ua", version, about)]
struct Args {
    /// A TOML configuration file (see the crate docs for its keys).
    #[arg(long)]
    config: Option<PathBuf>,
    /// The address-of-record, e.g. sip:alice@example.com.
    #[arg(long)]
    aor: Option<String>,
    /// The digest user name (default: the AOR's user).
    #[arg(long)]
    user: Option<String>,
    /// The digest password.
    #[arg(long)]
    password: Option<String>,
    /// The outbound proxy, udp:IP:PORT or tcp:IP:PORT.
    #[arg(long)]
    proxy: Option<String>,
    /// The registrar's URI (default: the AOR's domain).
    #[arg(long)]
    registrar: Option<String>,
    /// The local address (default 127.0.0.1:0).
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Listen on TCP as well, and put transport=tcp in the Contact.
    #[arg(long)]
    tcp: bool,
    /// The registration interval asked for, in seconds.
    #[arg(long)]
    expires: Option<u32>,
    /// Register (and stay registered while running).
    #[arg(long)]
    register: bool,
    /// Send OPTIONS to this URI.
    #[arg(long)]
    options: Option<String>,
    /// Call this URI.
    #[arg(long)]
    call: Option<String>,
    /// Seconds to stay in the call before hanging up.
    #[arg(long, default_value_t = 2.0)]
    hold: f64,
    /// Answer incoming calls.
    #[arg(long)]
    answer: bool,
    /// With --answer: exit after this many calls ended (0: until Ctrl-C).
    #[arg(long, default_value_t = 0)]
    calls: u32,
    /// The log filter; RUST_LOG wins when set.
    #[arg(long, default_value = "info")]
    log: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    sip_examples::init_tracing(&args.log);
    let file = match config(&args) {
        Ok(f) => f,
        Err(e) => {
            error!("configuration: {e}");
            return ExitCode::from(2);
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    match rt {
        Ok(rt) => rt.block_on(run(file, args)),
        Err(e) => {
            error!("cannot start the runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

fn config(args: &Args) -> Result<UaFileConfig, Box<dyn std::error::Error>> {
    let mut f = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            UaFileConfig::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => UaFileConfig::default(),
    };
    let set = |dst: &mut Option<String>, src: &Option<String>| {
        if src.is_some() {
            dst.clone_from(src);
        }
    };
    set(&mut f.aor, &args.aor);
    set(&mut f.user, &args.user);
    set(&mut f.password, &args.password);
    set(&mut f.proxy, &args.proxy);
    set(&mut f.registrar, &args.registrar);
    if args.listen.is_some() {
        f.listen = args.listen;
    }
    if args.expires.is_some() {
        f.expires = args.expires;
    }
    // Check everything that can be checked before binding.
    f.aor_uri()?;
    f.proxy_target()?;
    if args.register {
        f.register_config()?;
    }
    for u in [&args.options, &args.call].into_iter().flatten() {
        Uri::parse(u).map_err(|e| format!("{u:?} is not a URI: {e}"))?;
    }
    Ok(f)
}

/// The running UA and what it has seen.
struct Agent {
    runner: Runner<UserAgent>,
    events: UnboundedReceiver<UaEvent>,
    registration: Option<RegistrationHandle>,
    live: HashSet<CallHandle>,
    local: SocketAddr,
}

/// Why an action did not complete.
enum Stop {
    /// Ctrl-C or SIGTERM.
    Signal,
    /// The action failed; the message says how.
    Failed(String),
}

async fn run(file: UaFileConfig, args: Args) -> ExitCode {
    let local = file.listen_addr();
    let builder = if args.tcp {
        Sockets::builder().udp_and_tcp(local)
    } else {
        Sockets::builder().udp(local)
    };
    let sockets = match builder.bind().await {
        Ok(s) => s,
        Err(e) => {
            error!("cannot bind {local}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let local = sockets.listeners()[0].1;
    let transport = if args.tcp {
        Transport::Tcp
    } else {
        Transport::Udp
    };
    let built = file
        .ua_config(local, transport)
        .and_then(|c| Ok((c, file.credential()?)));
    let (cfg, credential) = match built {
        Ok(x) => x,
        Err(e) => {
            error!("configuration: {e}");
            return ExitCode::from(2);
        }
    };
    let layer = driver::layer_on(&sockets, LayerConfig::default(), IdGenerator::default());
    let mut ua = UserAgent::new(cfg, layer);
    if let Some(c) = credential {
        ua.set_credential(c);
    }
    let (runner, events) = Runner::spawn(ua, sockets);
    println!("sip-ua listening on {local}");
    let mut agent = Agent {
        runner,
        events,
        registration: None,
        live: HashSet::new(),
        local,
    };

    let stop = sip_examples::shutdown_signal();
    tokio::pin!(stop);
    let outcome = tokio::select! {
        r = agent.actions(&file, &args) => r,
        _ = &mut stop => Err(Stop::Signal),
    };
    let ok = match outcome {
        Ok(()) => true,
        Err(Stop::Signal) => {
            info!("interrupted");
            true
        }
        Err(Stop::Failed(why)) => {
            error!("{why}");
            false
        }
    };
    agent.close().await;
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

impl Agent {
    async fn actions(&mut self, file: &UaFileConfig, args: &Args) -> Result<(), Stop> {
        if args.register {
            self.register(file).await?;
        }
        if let Some(to) = &args.options {
            self.options(to).await?;
        }
        if let Some(to) = &args.call {
            self.call(to, args.hold).await?;
        }
        if args.answer {
            self.answer(args.calls).await?;
        }
        Ok(())
    }

    /// The next event, logged; `Failed` after `secs` without one.
    async fn next(&mut self, secs: u64, waiting_for: &str) -> Result<UaEvent, Stop> {
        match tokio::time::timeout(Duration::from_secs(secs), self.events.recv()).await {
            Ok(Some(ev)) => {
                self.note(&ev);
                Ok(ev)
            }
            Ok(None) => Err(Stop::Failed("the UA stopped".into())),
            Err(_) => Err(Stop::Failed(format!("no {waiting_for} within {secs} s"))),
        }
    }

    /// Logs an event and keeps the set of live calls.
    fn note(&mut self, ev: &UaEvent) {
        match ev {
            UaEvent::IncomingCall { call, invite } => {
                self.live.insert(*call);
                let from = invite.header(&sip_message::HeaderName::From).unwrap_or("");
                info!(%call, from, "incoming call");
            }
            UaEvent::Progress { call, response } => {
                info!(%call, status = response.status().unwrap_or(0), "progress");
            }
            UaEvent::Answered { call, .. } => info!(%call, "answered"),
            UaEvent::Confirmed { call, .. } => info!(%call, "confirmed"),
            UaEvent::Failed { call, status, .. } => {
                self.live.remove(call);
                warn!(%call, status, "call failed");
            }
            UaEvent::Cancelled { call } => {
                self.live.remove(call);
                info!(%call, "cancelled by the caller");
            }
            UaEvent::Ended { call, by_peer } => {
                self.live.remove(call);
                info!(%call, by_peer, "call ended");
            }
            UaEvent::Registered {
                expires, contacts, ..
            } => {
                info!(expires, bindings = contacts.len(), "registered");
            }
            UaEvent::Unregistered { .. } => info!("unregistered"),
            UaEvent::RegistrationFailed { status, .. } => warn!(status, "registration failed"),
            UaEvent::Request { request, .. } => {
                let method = request.method().map(|m| m.to_string()).unwrap_or_default();
                info!(method, "request");
            }
            other => tracing::debug!(?other, "event"),
        }
    }

    async fn register(&mut self, file: &UaFileConfig) -> Result<(), Stop> {
        let cfg = file
            .register_config()
            .map_err(|e| Stop::Failed(e.to_string()))?;
        info!(registrar = %cfg.registrar, via = %cfg.target, "registering");
        let reg = self
            .runner
            .with(move |ua, now| ua.register(now, cfg))
            .await
            .map_err(|e| Stop::Failed(e.to_string()))?
            .map_err(|e| Stop::Failed(format!("REGISTER: {e}")))?;
        self.registration = Some(reg);
        loop {
            match self.next(10, "answer to REGISTER").await? {
                UaEvent::Registered { reg: r, .. } if r == reg => return Ok(()),
                UaEvent::RegistrationFailed { reg: r, status } if r == reg => {
                    self.registration = None;
                    return Err(Stop::Failed(format!("registration failed with {status}")));
                }
                _ => {}
            }
        }
    }

    async fn options(&mut self, to: &str) -> Result<(), Stop> {
        let uri = Uri::parse(to).map_err(|e| Stop::Failed(e.to_string()))?;
        let h = self
            .runner
            .with(move |ua, now| ua.request(now, Method::Options, uri, None))
            .await
            .map_err(|e| Stop::Failed(e.to_string()))?
            .map_err(|e| Stop::Failed(format!("OPTIONS: {e}")))?;
        loop {
            match self.next(35, "answer to OPTIONS").await? {
                UaEvent::Response { request, response } if request == h => {
                    let status = response.status().unwrap_or(0);
                    if status < 200 {
                        continue;
                    }
                    println!("OPTIONS {to}: {status}");
                    return if status < 300 {
                        Ok(())
                    } else {
                        Err(Stop::Failed(format!("OPTIONS answered {status}")))
                    };
                }
                UaEvent::RequestFailed { request, status } if request == h => {
                    println!("OPTIONS {to}: {status}");
                    return Err(Stop::Failed(format!("OPTIONS failed with {status}")));
                }
                _ => {}
            }
        }
    }

    async fn call(&mut self, to: &str, hold: f64) -> Result<(), Stop> {
        let uri = Uri::parse(to).map_err(|e| Stop::Failed(e.to_string()))?;
        let offer = sdp(self.local);
        let call = self
            .runner
            .with(move |ua, now| ua.call(now, uri, Some(offer)))
            .await
            .map_err(|e| Stop::Failed(e.to_string()))?
            .map_err(|e| Stop::Failed(format!("INVITE: {e}")))?;
        self.live.insert(call);
        info!(%call, to, "calling");
        loop {
            match self.next(30, "answer to the INVITE").await? {
                UaEvent::Answered { call: c, .. } if c == call => break,
                UaEvent::Failed {
                    call: c, status, ..
                } if c == call => {
                    return Err(Stop::Failed(format!("the call failed with {status}")));
                }
                UaEvent::Ended { call: c, .. } if c == call => {
                    return Err(Stop::Failed("the call ended before it was answered".into()));
                }
                _ => {}
            }
        }
        println!("call {to}: answered");
        // Stay in the call; the peer may hang up first.
        let until = tokio::time::Instant::now() + Duration::from_secs_f64(hold.max(0.0));
        loop {
            let left = until.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                break;
            }
            match tokio::time::timeout(left, self.events.recv()).await {
                Ok(Some(ev)) => {
                    self.note(&ev);
                    if matches!(ev, UaEvent::Ended { call: c, .. } if c == call) {
                        println!("call {to}: ended by the peer");
                        return Ok(());
                    }
                }
                Ok(None) => return Err(Stop::Failed("the UA stopped".into())),
                Err(_) => break,
            }
        }
        self.runner
            .with(move |ua, now| ua.hangup(now, call))
            .await
            .map_err(|e| Stop::Failed(e.to_string()))?
            .map_err(|e| Stop::Failed(format!("BYE: {e}")))?;
        loop {
            if let UaEvent::Ended { call: c, .. } = self.next(35, "answer to the BYE").await? {
                if c == call {
                    println!("call {to}: hung up");
                    return Ok(());
                }
            }
        }
    }

    async fn answer(&mut self, calls: u32) -> Result<(), Stop> {
        info!("answering calls");
        let mut ended = 0;
        loop {
            let Some(ev) = self.events.recv().await else {
                return Err(Stop::Failed("the UA stopped".into()));
            };
            self.note(&ev);
            match ev {
                UaEvent::IncomingCall { call, .. } => {
                    let answer = sdp(self.local);
                    let r = self
                        .runner
                        .with(move |ua, now| {
                            ua.ring(now, call)?;
                            ua.answer(now, call, Some(answer))
                        })
                        .await
                        .map_err(|e| Stop::Failed(e.to_string()))?;
                    if let Err(e) = r {
                        warn!(%call, "cannot answer: {e}");
                    }
                }
                UaEvent::Ended { .. } | UaEvent::Cancelled { .. } | UaEvent::Failed { .. } => {
                    ended += 1;
                    if calls > 0 && ended >= calls {
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
    }

    /// Hangs up what is live, removes the registration, stops the driver.
    async fn close(mut self) {
        let live: Vec<CallHandle> = self.live.drain().collect();
        for call in &live {
            let call = *call;
            let _ = self.runner.with(move |ua, now| ua.hangup(now, call)).await;
        }
        if let Some(reg) = self.registration.take() {
            let sent = self
                .runner
                .with(move |ua, now| ua.unregister(now, reg))
                .await;
            if matches!(sent, Ok(Ok(()))) {
                let wait = async {
                    while let Some(ev) = self.events.recv().await {
                        self.note(&ev);
                        if matches!(
                            ev,
                            UaEvent::Unregistered { .. } | UaEvent::RegistrationFailed { .. }
                        ) {
                            break;
                        }
                    }
                };
                if tokio::time::timeout(Duration::from_secs(3), wait)
                    .await
                    .is_err()
                {
                    warn!("no answer to the un-REGISTER within 3 s");
                }
            }
        }
        if !live.is_empty() {
            // Let the BYEs and CANCELs go out and be answered.
            let _ = tokio::time::timeout(Duration::from_millis(500), async {
                while self.events.recv().await.is_some() {}
            })
            .await;
        }
        let _ = self.runner.shutdown().await;
    }
}

/// A minimal audio offer or answer (PCMU) naming our address; the example
/// sends no media.
fn sdp(local: SocketAddr) -> Body {
    let (net, ip) = match local.ip() {
        std::net::IpAddr::V4(v4) => ("IP4", v4.to_string()),
        std::net::IpAddr::V6(v6) => ("IP6", v6.to_string()),
    };
    let port = local.port().wrapping_add(2) & !1;
    Body::sdp(format!(
        "v=0\r\no=sip-ua 1 1 IN {net} {ip}\r\ns=-\r\nc=IN {net} {ip}\r\nt=0 0\r\nm=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
    ))
}
