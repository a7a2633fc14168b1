//! A thin tokio driver for any sans-IO core above the transaction layer.
//!
//! The cores of the layers above (a user agent, a proxy, a registrar)
//! implement [`Host`], the same trait the [simulated network](crate::sim)
//! drives. [`Runner`] drives them over real [`Sockets`] instead: it feeds
//! them datagrams, stream messages, connection failures and the clock,
//! puts their transmits on the wire, passes their events up a channel, and
//! runs the application's commands on the core between two of those steps.
//! It makes no protocol decision of its own.
//!
//! ```no_run
//! # use std::convert::Infallible;
//! # use std::time::Instant;
//! # use bytes::Bytes;
//! # use sip_transaction::sim::{Host, Node};
//! # use sip_transaction::{Source, Target, Transmit};
//! use sip_transaction::{Core, Runner, Sockets};
//!
//! /// A core that counts what it receives.
//! struct Counter { node: Node, seen: u64 }
//! # impl Host for Counter {
//! #     fn addr(&self) -> std::net::SocketAddr { self.node.addr }
//! #     fn handle(&mut self, now: Instant, s: Source, d: Bytes) { self.seen += 1; self.node.handle(now, s, d) }
//! #     fn handle_timeout(&mut self, now: Instant) { self.node.handle_timeout(now) }
//! #     fn handle_transport_error(&mut self, now: Instant, t: Target) { self.node.handle_transport_error(now, t) }
//! #     fn poll_transmit(&mut self) -> Option<Transmit> { self.node.poll_transmit() }
//! #     fn poll_timeout(&self) -> Option<Instant> { self.node.poll_timeout() }
//! # }
//! impl Core for Counter {
//!     type Event = Infallible;
//!     fn poll_event(&mut self) -> Option<Infallible> { None }
//! }
//!
//! # async fn demo() -> std::io::Result<()> {
//! let sockets = Sockets::builder().udp("127.0.0.1:0".parse().unwrap()).bind().await?;
//! let addr = sockets.listeners()[0].1;
//! let (runner, _events) = Runner::spawn(Counter { node: Node::new(addr, 1), seen: 0 }, sockets);
//! // Commands run on the core inside the driver task, with its clock.
//! let seen = runner.with(|core, _now| core.seen).await.unwrap();
//! assert_eq!(seen, 0);
//! let _core = runner.shutdown().await; // the core comes back for inspection
//! # Ok(()) }
//! ```

use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use super::sockets::{Inbound, Sockets};
use crate::sim::Host;
use crate::transport::Transport;

/// How many queued messages one wake-up handles before output is flushed.
const BATCH: usize = 64;

/// The clock of the driver: tokio's, so `tokio::time::pause` drives tests.
#[allow(clippy::disallowed_methods)]
fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// A sans-IO core that [`Runner`] can drive: a [`Host`] that also reports
/// events to its application.
pub trait Core: Host + Send + 'static {
    /// What the core tells its application (a call was answered, a
    /// registration failed, ...). A core with nothing to say uses
    /// [`std::convert::Infallible`].
    type Event: Send + 'static;
    /// The next event, if any.
    fn poll_event(&mut self) -> Option<Self::Event>;
}

/// The runner's task has ended (it was shut down or its core panicked),
/// so the command did not run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the driver task has stopped")]
pub struct Stopped;

type Job<C> = Box<dyn FnOnce(&mut C, Instant) + Send>;

struct Shared<C> {
    listeners: Vec<(Transport, SocketAddr)>,
    stop: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<C>>>,
}

/// A handle to a core running in its own tokio task over [`Sockets`].
/// Clones share the task.
pub struct Runner<C: Core> {
    jobs: mpsc::UnboundedSender<Job<C>>,
    shared: Arc<Shared<C>>,
}

impl<C: Core> Clone for Runner<C> {
    fn clone(&self) -> Self {
        Self {
            jobs: self.jobs.clone(),
            shared: self.shared.clone(),
        }
    }
}

impl<C: Core> fmt::Debug for Runner<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runner")
            .field("listeners", &self.shared.listeners)
            .finish_non_exhaustive()
    }
}

impl<C: Core> Runner<C> {
    /// Starts driving `core` over `sockets` in a new task. The core's
    /// transaction layer should listen on `sockets.listeners()`. Events
    /// arrive on the returned receiver; dropping it discards them.
    pub fn spawn(core: C, sockets: Sockets) -> (Self, mpsc::UnboundedReceiver<C::Event>) {
        let (jobs, jobs_rx) = mpsc::unbounded_channel();
        let (events, events_rx) = mpsc::unbounded_channel();
        let (stop, stop_rx) = watch::channel(false);
        let listeners = sockets.listeners().to_vec();
        let task = tokio::spawn(
            Loop {
                core,
                sockets,
                jobs: jobs_rx,
                events,
                stop: stop_rx,
            }
            .run(),
        );
        let shared = Arc::new(Shared {
            listeners,
            stop,
            task: Mutex::new(Some(task)),
        });
        (Self { jobs, shared }, events_rx)
    }

    /// The addresses the sockets are bound to.
    pub fn listeners(&self) -> &[(Transport, SocketAddr)] {
        &self.shared.listeners
    }

    /// Runs `f` on the core inside the driver task, with the driver's
    /// clock, and returns its result. What `f` queues (requests,
    /// responses, timers) goes out before the task waits again.
    pub async fn with<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut C, Instant) -> R + Send + 'static,
    ) -> Result<R, Stopped> {
        let (tx, rx) = oneshot::channel();
        let job: Job<C> = Box::new(move |core, now| {
            let _ = tx.send(f(core, now));
        });
        self.jobs.send(job).map_err(|_| Stopped)?;
        rx.await.map_err(|_| Stopped)
    }

    /// Stops the task: nothing more is read or sent, connections close.
    /// Returns the core to the first caller, for a last look at its state
    /// (`None` to later callers or if the task panicked). A clean
    /// application shutdown first asks the core to finish its business
    /// (unregister, hang up) through [`with`](Self::with) and waits for
    /// the events that say it is done.
    pub async fn shutdown(&self) -> Option<C> {
        let _ = self.shared.stop.send(true);
        let task = self.shared.task.lock().ok()?.take()?;
        task.await.ok()
    }
}

/// The loop inside the task.
struct Loop<C: Core> {
    core: C,
    sockets: Sockets,
    jobs: mpsc::UnboundedReceiver<Job<C>>,
    events: mpsc::UnboundedSender<C::Event>,
    stop: watch::Receiver<bool>,
}

impl<C: Core> Loop<C> {
    async fn run(mut self) -> C {
        loop {
            self.flush().await;
            let deadline = self.core.poll_timeout().map(tokio::time::Instant::from_std);
            let sleep = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                Some(inbound) = self.sockets.recv() => {
                    let t = now();
                    self.inbound(t, inbound);
                    for _ in 1..BATCH {
                        match self.sockets.try_recv() {
                            Some(inbound) => self.inbound(t, inbound),
                            None => break,
                        }
                    }
                }
                job = self.jobs.recv() => match job {
                    Some(job) => job(&mut self.core, now()),
                    None => return self.core, // every handle was dropped
                },
                _ = sleep => {}
                _ = self.stop.changed() => return self.core,
            }
            // A sleep can wake early or late; the core checks the clock
            // itself and fires only what is due.
            self.core.handle_timeout(now());
        }
    }

    fn inbound(&mut self, t: Instant, inbound: Inbound) {
        match inbound {
            Inbound::Message(source, data) => self.core.handle(t, source, data),
            Inbound::Unreachable(target) => self.core.handle_transport_error(t, target),
        }
    }

    /// Executes the core's output: transmits onto sockets, events into the
    /// channel. A send that fails goes back to the core as a transport
    /// error, which may queue more output, hence the loop.
    async fn flush(&mut self) {
        loop {
            let mut any = false;
            while let Some(t) = self.core.poll_transmit() {
                any = true;
                if self.sockets.send(&t).await.is_err() {
                    self.core.handle_transport_error(now(), t.target);
                }
            }
            while let Some(ev) = self.core.poll_event() {
                any = true;
                let _ = self.events.send(ev);
            }
            if !any {
                return;
            }
        }
    }
}
