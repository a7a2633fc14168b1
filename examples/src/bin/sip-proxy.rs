//! `sip-proxy`: a registrar and stateful proxy (RFC 3261 §10 and §16) on
//! the sans-IO cores of `sip-dialog`, driven by `sip-transaction`'s
//! [`Runner`] over UDP and TCP.
//!
//! ```text
//! sip-proxy [--config FILE] [--listen ADDR]... [--domain NAME]...
//!           [--user NAME:PASSWORD]... [--realm REALM] [--challenge-calls]
//!           [--no-record-route] [--route DOMAIN=TARGET]... [--pidfile PATH]
//!           [--stats SECS] [--log FILTER] [--threads N] [--tcp-idle SECS]
//!           [--tcp-message-timeout SECS] [--max-connections N]
//!           [--recv-buffer BYTES]
//! ```
//!
//! It answers REGISTERs for its domains (and for its own addresses, like
//! Kamailio's `myself`) into an in-memory location service, and proxies
//! every other request: to the bindings of an address-of-record it serves
//! (forking in parallel by q), along the Route set of in-dialog requests,
//! or to the static route of another domain. It record-routes by default.
//! With users (`--user` or `[users]`), REGISTERs are challenged with 401;
//! `--challenge-calls` also challenges our users' other requests with 407.
//!
//! With no arguments it listens on `127.0.0.1:5060` (UDP and TCP) and
//! serves that address without authentication. The file format is in
//! [`sip_examples::server`]; command-line values add to the file's.
//!
//! Once bound it prints one line to standard output,
//! `sip-proxy listening on udp:ADDR tcp:ADDR ...`, with the real ports
//! (port 0 picks one). Logs go to standard error through `tracing`:
//! `--log debug` (or `RUST_LOG`) shows every request routed and response
//! returned. Ctrl-C or SIGTERM stops it cleanly: the sockets close, the
//! counters are logged, the pidfile is removed.
//!
//! ```sh
//! cargo run --release -p sip-examples --bin sip-proxy -- --user alice:wonderland --user bob:zanzibar --domain example.com
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use sip_dialog::{driver, ProxyHooks, RequestAction, RequestInfo};
use sip_examples::server::ServerConfig;
use sip_message::Message;
use sip_transaction::{IdGenerator, LayerConfig, Runner, Sockets, Target, TcpConfig};
use tracing::{debug, error, info};

/// A SIP registrar and stateful proxy.
#[derive(Parser, Debug)]
#[command(name = "sip-proxy", version, about)]
struct Args {
    /// A TOML configuration file (see the crate docs for its keys).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Listen for UDP and TCP on this address (repeatable; default
    /// 127.0.0.1:5060).
    #[arg(long)]
    listen: Vec<SocketAddr>,
    /// A domain served by the registrar and proxy (repeatable).
    #[arg(long = "domain")]
    domains: Vec<String>,
    /// A user for digest authentication, as NAME:PASSWORD (repeatable).
    #[arg(long = "user")]
    users: Vec<String>,
    /// The digest realm (default: the first domain).
    #[arg(long)]
    realm: Option<String>,
    /// Challenge our users' requests outside dialogs with 407.
    #[arg(long)]
    challenge_calls: bool,
    /// Do not insert Record-Route.
    #[arg(long)]
    no_record_route: bool,
    /// A static next hop for another domain, DOMAIN=udp:IP:PORT or
    /// DOMAIN=tcp:IP:PORT (repeatable).
    #[arg(long = "route")]
    routes: Vec<String>,
    /// Close a TCP connection on which nothing moved for SECS seconds.
    #[arg(long, default_value_t = 120)]
    tcp_idle: u64,
    /// Close a TCP connection whose message takes longer than SECS
    /// seconds to arrive after its first byte (slow peers).
    #[arg(long, default_value_t = 30)]
    tcp_message_timeout: u64,
    /// The most TCP connections open at once.
    #[arg(long, default_value_t = 1024)]
    max_connections: usize,
    /// The receive buffer of each UDP socket, in bytes (the kernel caps it
    /// at net.core.rmem_max). A burst larger than it is dropped.
    #[arg(long, default_value_t = 4 * 1024 * 1024)]
    recv_buffer: usize,
    /// Write the process id here once bound; removed on exit.
    #[arg(long)]
    pidfile: Option<PathBuf>,
    /// Log the counters every SECS seconds (0: only at exit).
    #[arg(long, default_value_t = 0)]
    stats: u64,
    /// The log filter (`info`, `debug`, `sip_dialog=debug`, ...); RUST_LOG
    /// wins when set.
    #[arg(long, default_value = "info")]
    log: String,
    /// Tokio worker threads. The proxy core is one task; more threads
    /// only help the socket readers.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    threads: u16,
}

fn main() -> ExitCode {
    let args = Args::parse();
    sip_examples::init_tracing(&args.log);
    let cfg = match config(&args) {
        Ok(c) => c,
        Err(e) => {
            error!("configuration: {e}");
            return ExitCode::from(2);
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(usize::from(args.threads))
        .enable_all()
        .build();
    let rt = match rt {
        Ok(rt) => rt,
        Err(e) => {
            error!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = rt.block_on(serve(cfg, args));
    rt.shutdown_timeout(Duration::from_secs(1));
    code
}

fn config(args: &Args) -> Result<ServerConfig, Box<dyn std::error::Error>> {
    let mut cfg = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            ServerConfig::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => ServerConfig::default(),
    };
    cfg.listen.extend(&args.listen);
    cfg.domains.extend(args.domains.iter().cloned());
    for u in &args.users {
        cfg.add_user(u)?;
    }
    for r in &args.routes {
        cfg.add_route(r)?;
    }
    if args.realm.is_some() {
        cfg.realm.clone_from(&args.realm);
    }
    if args.challenge_calls {
        cfg.challenge_calls = true;
    }
    if args.no_record_route {
        cfg.record_route = Some(false);
    }
    Ok(cfg)
}

async fn serve(cfg: ServerConfig, args: Args) -> ExitCode {
    let tcp = TcpConfig {
        idle_timeout: Duration::from_secs(args.tcp_idle),
        message_timeout: Duration::from_secs(args.tcp_message_timeout),
        max_connections: args.max_connections,
        ..TcpConfig::default()
    };
    let mut builder = Sockets::builder()
        .tcp_config(tcp)
        .recv_buffer(args.recv_buffer);
    for a in cfg.listen_addrs() {
        builder = builder.udp_and_tcp(a);
    }
    let sockets = match builder.bind().await {
        Ok(s) => s,
        Err(e) => {
            error!("cannot bind {:?}: {e}", cfg.listen_addrs());
            return ExitCode::FAILURE;
        }
    };
    let bound = sockets.listeners().to_vec();
    for (addr, size) in sockets.udp_recv_buffers() {
        debug!(%addr, bytes = size, "UDP receive buffer");
    }
    let layer = driver::layer_on(&sockets, LayerConfig::default(), IdGenerator::default());
    let mut proxy = match cfg.build(layer, &bound) {
        Ok(p) => p,
        Err(e) => {
            error!("configuration: {e}");
            return ExitCode::from(2);
        }
    };
    proxy.set_hooks(LogHooks);
    let (runner, _events) = Runner::spawn(proxy, sockets);
    let listening: Vec<String> = bound.iter().map(|(t, a)| format!("{t}:{a}")).collect();
    println!("sip-proxy listening on {}", listening.join(" "));
    info!(
        domains = ?cfg.served_domains(&bound),
        users = cfg.users.len(),
        record_route = cfg.record_route.unwrap_or(true),
        "serving"
    );
    if let Some(p) = &args.pidfile {
        if let Err(e) = std::fs::write(p, format!("{}\n", std::process::id())) {
            error!("cannot write {}: {e}", p.display());
        }
    }

    let mut tick = (args.stats > 0).then(|| {
        let mut i = tokio::time::interval(Duration::from_secs(args.stats));
        i.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        i
    });
    let stop = sip_examples::shutdown_signal();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = async {
                match tick.as_mut() {
                    Some(t) => { t.tick().await; }
                    None => std::future::pending::<()>().await,
                }
            } => log_stats(&runner, "stats").await,
        }
    }
    info!("shutting down");
    log_stats(&runner, "final").await;
    let _ = runner.shutdown().await;
    if let Some(p) = &args.pidfile {
        let _ = std::fs::remove_file(p);
    }
    ExitCode::SUCCESS
}

async fn log_stats<C>(runner: &Runner<C>, what: &'static str)
where
    C: sip_transaction::Core + Stats,
{
    if let Ok(line) = runner.with(|p, now| p.line(now)).await {
        info!("{what}: {line}");
    }
}

/// One log line of the proxy's counters.
trait Stats {
    fn line(&self, now: Instant) -> String;
}

impl<S: sip_dialog::CredentialStore> Stats for sip_dialog::Proxy<sip_dialog::MemoryLocation, S> {
    fn line(&self, _now: Instant) -> String {
        let s = self.stats();
        let bindings = self.registrar().map_or(0, |r| r.location().len());
        format!(
            "requests={} stateless={} branches={} responses_forwarded={} local_responses={} loops={} cancels={} contexts={} transactions={} bindings={}",
            s.requests,
            s.stateless,
            s.branches,
            s.responses_forwarded,
            s.local_responses,
            s.loops,
            s.cancels,
            self.contexts(),
            self.layer().len(),
            bindings
        )
    }
}

/// Logs what the proxy routes, at debug level (free when it is off).
struct LogHooks;

impl ProxyHooks for LogHooks {
    fn on_request(
        &mut self,
        _now: Instant,
        request: &mut Message,
        info: &RequestInfo<'_>,
    ) -> RequestAction {
        debug!(
            method = %request.method().map(|m| m.to_string()).unwrap_or_default(),
            uri = request.request_uri_str().unwrap_or(""),
            from = %info.source.remote,
            in_dialog = info.in_dialog,
            "request"
        );
        RequestAction::Continue
    }

    fn on_forward(
        &mut self,
        _now: Instant,
        request: &mut Message,
        next_hop: &mut Target,
        _info: &RequestInfo<'_>,
    ) {
        debug!(
            uri = request.request_uri_str().unwrap_or(""),
            to = %next_hop,
            "forward"
        );
    }

    fn on_response(&mut self, _now: Instant, _request: Option<&Message>, response: &mut Message) {
        debug!(status = response.status().unwrap_or(0), "response");
    }

    /// The wall clock for the registrar's Date header (RFC 3261 §10.3
    /// step 8).
    fn date(&mut self, _now: Instant) -> Option<sip_message::Date> {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        sip_message::Date::from_unix_seconds(i64::try_from(since.as_secs()).ok()?)
    }
}
