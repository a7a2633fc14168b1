//! `sip-responder`: a load-test responder on the tokio [`Endpoint`] of
//! `sip-transaction`.
//!
//! ```text
//! sip-responder [--udp ADDR] [--tcp ADDR] [--code CODE] [--recv-buffer BYTES]
//!               [--pidfile PATH] [--threads N]
//! ```
//!
//! It answers every request it receives with `CODE` (default 200) through
//! the transaction layer: each request creates a server transaction
//! (RFC 3261 §17.2), the response copies Via, From, To (plus a fresh
//! random To tag), Call-ID and CSeq (§8.2.6), and the layer absorbs and
//! answers the client's retransmissions until Timer J or H ends the
//! transaction. ACKs, stray responses and failed transactions are
//! ignored. Nothing is stored: a REGISTER gets its 200 without a binding,
//! so this measures the transaction layer and its driver, not a registrar.
//!
//! - `--udp ADDR`: the UDP listener (default `127.0.0.1:5070`).
//! - `--tcp ADDR`: also listen for TCP there.
//! - `--code CODE`: the final response, 200 to 699 (default 200).
//! - `--recv-buffer BYTES`: `SO_RCVBUF` of the UDP socket (default 4 MiB,
//!   what the peers harness gives SIPp and Kamailio; the kernel caps it at
//!   `net.core.rmem_max`). With the kernel default of about 200 KB a burst
//!   of a few hundred requests overflows it and the clients retransmit.
//! - `--pidfile PATH`: write the process id there once bound, remove it on
//!   exit (for `SUT_PIDFILE` of `bench-registrar.sh`).
//! - `--threads N`: tokio worker threads (default 1). The endpoint's
//!   driver is one task that owns the transaction layer, so more threads
//!   only spread the building of responses, and every hand-over between
//!   threads costs a wake-up; on the 2-core benchmark box, shared with
//!   SIPp, one thread answered about a third more REGISTERs per second
//!   than two (see `benches/README.md`).
//!
//! Ctrl-C (SIGINT) or SIGTERM shuts the endpoint down cleanly; the
//! endpoint's counters are printed to standard error on the way out.
//!
//! ```sh
//! cargo run --release -p sip-examples --example sip-responder -- --pidfile /tmp/sip-responder-5070.pid &
//! SUT_PIDFILE=/tmp/sip-responder-5070.pid ../shared/tools/peers/bench-registrar.sh 127.0.0.1 5070 10
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use sip_transaction::{Endpoint, IdGenerator, Received, ServerTransaction};

/// Answers every SIP request with one status code, through the
/// transaction layer.
#[derive(Parser, Debug)]
#[command(name = "sip-responder", version, about)]
struct Args {
    /// The UDP address to listen on.
    #[arg(long, default_value = "127.0.0.1:5070")]
    udp: SocketAddr,
    /// Also listen for TCP on this address.
    #[arg(long)]
    tcp: Option<SocketAddr>,
    /// The status code of the final response sent to every request.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u16).range(200..=699))]
    code: u16,
    /// The receive buffer of the UDP socket, in bytes (the kernel caps it
    /// at net.core.rmem_max).
    #[arg(long, default_value_t = 4 * 1024 * 1024)]
    recv_buffer: usize,
    /// Write the process id to this file once bound; removed on exit.
    #[arg(long)]
    pidfile: Option<PathBuf>,
    /// Tokio worker threads.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    threads: u16,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(usize::from(args.threads))
        .enable_all()
        .build();
    let rt = match rt {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("sip-responder: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let pidfile = args.pidfile.clone();
    // The loop runs as a task on the workers, not on this thread, so
    // with one worker everything stays on one thread.
    let result = rt.block_on(async move {
        match tokio::spawn(run(args)).await {
            Ok(r) => r,
            Err(e) => Err(e.to_string().into()),
        }
    });
    if let Some(p) = &pidfile {
        let _ = std::fs::remove_file(p);
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sip-responder: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut builder = Endpoint::builder()
        .udp(args.udp)
        .recv_buffer(args.recv_buffer);
    if let Some(tcp) = args.tcp {
        builder = builder.tcp(tcp);
    }
    let (endpoint, mut incoming) = builder.bind().await?;
    if let Some(p) = &args.pidfile {
        std::fs::write(p, format!("{}\n", std::process::id()))?;
    }
    for (transport, addr) in endpoint.local_addrs() {
        eprintln!("sip-responder: {transport} {addr}, answering {}", args.code);
    }

    let mut ids = IdGenerator::default();
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            r = incoming.recv() => match r {
                Some(Received::Request(tx)) => {
                    // The response is built and handed back to the driver
                    // in a task of its own, so this loop goes straight back
                    // to the next request (measured: about 10% more
                    // REGISTERs per second than answering inline).
                    let tag = ids.tag();
                    let code = args.code;
                    tokio::spawn(async move { answer(tx, code, &tag).await });
                }
                Some(_) => {} // ACKs, stray responses, failed transactions
                None => break,
            },
            () = &mut shutdown => break,
        }
    }
    if let Ok(stats) = endpoint.stats().await {
        eprintln!("sip-responder: shutting down; {stats:?}");
    }
    endpoint.shutdown().await;
    Ok(())
}

/// Sends `code` on server transaction `tx`. A request whose To header does
/// not parse cannot be answered with a tag, so it gets no response; the
/// layer already answered unparseable requests with 400.
async fn answer(tx: ServerTransaction, code: u16, tag: &str) {
    let Ok(response) = tx
        .request()
        .response_to(code, Some(tag))
        .and_then(|b| b.build())
    else {
        return;
    };
    // Fails only if the transaction already ended (a transport error) or
    // the endpoint is shutting down; neither needs more than dropping it.
    let _ = tx.respond(response).await;
}

/// Resolves on Ctrl-C (SIGINT) or, on Unix, SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
