//! A simulated network for deterministic tests of everything built on
//! [`TransactionLayer`]: delay, jitter (and so reordering), loss and
//! duplication, all drawn from one seed, on a clock that jumps from event
//! to event.
//!
//! The layers above (dialogs, registration, proxies, mobility) run their
//! RFC 3665-style flows over it: a 32-second Timer F takes microseconds and
//! a failing seed replays exactly.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use sip_transaction::sim::{Host, LinkConfig, Network, Node};
//!
//! # #[allow(clippy::disallowed_methods)] fn start() -> Instant { Instant::now() }
//! let mut net = Network::new(7, start(), LinkConfig::lossy(0.3));
//! let mut a = Node::new("127.0.0.1:5060".parse().unwrap(), 1);
//! let mut b = Node::new("127.0.0.2:5060".parse().unwrap(), 2);
//! // ... a.layer.send_request(net.now(), ...), then:
//! while net.step(&mut [&mut a as &mut dyn Host, &mut b], None) {
//!     // drain a.layer.poll_event() and b.layer.poll_event(), act as the TUs
//! #   break;
//! }
//! ```

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::ids::IdGenerator;
use crate::layer::{LayerConfig, Source, TransactionLayer};
use crate::transport::{Target, Transmit, Transport};

/// How a link treats datagrams. TCP segments see only the delay: the
/// stream is reliable and ordered, which is what makes the transaction
/// layer skip its retransmissions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinkConfig {
    /// One-way delay of every packet.
    pub delay: Duration,
    /// An extra delay drawn uniformly from `0..=jitter` per datagram, which
    /// reorders datagrams sent closer together than it.
    pub jitter: Duration,
    /// Probability that a datagram is lost.
    pub loss: f64,
    /// Probability that a datagram that is not lost arrives twice.
    pub duplicate: f64,
}

impl Default for LinkConfig {
    /// A clean 10 ms link.
    fn default() -> Self {
        Self {
            delay: Duration::from_millis(10),
            jitter: Duration::ZERO,
            loss: 0.0,
            duplicate: 0.0,
        }
    }
}

impl LinkConfig {
    /// A 10-60 ms link losing `loss` of its datagrams and duplicating 5 %.
    pub fn lossy(loss: f64) -> Self {
        Self {
            delay: Duration::from_millis(10),
            jitter: Duration::from_millis(50),
            loss,
            duplicate: 0.05,
        }
    }
}

/// What happened to the datagrams and segments offered to the network.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetStats {
    /// Messages handed to the network.
    pub sent: u64,
    /// Datagrams dropped.
    pub lost: u64,
    /// Extra copies delivered.
    pub duplicated: u64,
    /// Messages delivered (copies included).
    pub delivered: u64,
}

#[derive(Debug)]
struct InFlight {
    source: Source,
    to: SocketAddr,
    payload: Bytes,
}

/// Anything that can sit on the simulated network: a sans-IO core with an
/// address. [`Node`] is the bare transaction layer; the layers above (a UA
/// core, a proxy) implement it for their own cores.
pub trait Host {
    /// The address it listens on (UDP and TCP).
    fn addr(&self) -> SocketAddr;
    /// Takes one delivered message.
    fn handle(&mut self, now: Instant, source: Source, data: Bytes);
    /// Fires what is due at `now`.
    fn handle_timeout(&mut self, now: Instant);
    /// Learns that `target` could not be reached (a refused or timed-out
    /// connection, no socket for its address family): the transactions
    /// sending there fail over or end (RFC 3261 §18.4). The simulated
    /// network never calls it; the tokio driver does.
    fn handle_transport_error(&mut self, now: Instant, target: Target);
    /// The next message to put on the network.
    fn poll_transmit(&mut self) -> Option<Transmit>;
    /// When `handle_timeout` is next due.
    fn poll_timeout(&self) -> Option<Instant>;
}

/// One endpoint of a simulation: a transaction layer listening on one
/// address for both UDP and TCP.
#[derive(Debug)]
pub struct Node {
    /// The endpoint's address.
    pub addr: SocketAddr,
    /// Its transaction layer.
    pub layer: TransactionLayer,
}

impl Node {
    /// A node with the default configuration whose identifiers come from `seed`.
    pub fn new(addr: SocketAddr, seed: u64) -> Self {
        Self::with_config(addr, LayerConfig::default(), seed)
    }

    /// A node with a configuration of the caller's.
    pub fn with_config(addr: SocketAddr, cfg: LayerConfig, seed: u64) -> Self {
        let mut layer = TransactionLayer::new(cfg, IdGenerator::seeded(seed));
        layer.add_listener(Transport::Udp, addr);
        layer.add_listener(Transport::Tcp, addr);
        Self { addr, layer }
    }
}

impl Host for Node {
    fn addr(&self) -> SocketAddr {
        self.addr
    }
    fn handle(&mut self, now: Instant, source: Source, data: Bytes) {
        self.layer.handle(now, source, data);
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.layer.handle_timeout(now);
    }
    fn handle_transport_error(&mut self, now: Instant, target: Target) {
        self.layer.handle_transport_error(now, target);
    }
    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.layer.poll_transmit()
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.layer.poll_timeout()
    }
}

/// The simulated network and its clock.
#[derive(Debug)]
pub struct Network {
    now: Instant,
    rng: StdRng,
    default_link: LinkConfig,
    links: HashMap<(SocketAddr, SocketAddr), LinkConfig>,
    /// The latest arrival on each TCP path, so segments stay in order.
    stream_tail: HashMap<(SocketAddr, SocketAddr), Instant>,
    queue: BinaryHeap<Reverse<(Instant, u64)>>,
    packets: HashMap<u64, InFlight>,
    seq: u64,
    stats: NetStats,
}

impl Network {
    /// A network whose random choices all come from `seed`, starting at
    /// `start`, with `link` on every path.
    pub fn new(seed: u64, start: Instant, link: LinkConfig) -> Self {
        Self {
            now: start,
            rng: StdRng::seed_from_u64(seed),
            default_link: link,
            links: HashMap::new(),
            stream_tail: HashMap::new(),
            queue: BinaryHeap::new(),
            packets: HashMap::new(),
            seq: 0,
            stats: NetStats::default(),
        }
    }

    /// The simulated clock.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// Counters of what the network did.
    pub fn stats(&self) -> NetStats {
        self.stats
    }

    /// Sets the link from `from` to `to` (one direction).
    pub fn set_link(&mut self, from: SocketAddr, to: SocketAddr, link: LinkConfig) {
        self.links.insert((from, to), link);
    }

    /// Whether anything is still in flight.
    pub fn is_idle(&self) -> bool {
        self.queue.is_empty()
    }

    /// Offers one transmit from `from` to the network.
    pub fn send(&mut self, from: SocketAddr, t: Transmit) {
        self.stats.sent += 1;
        let Target { transport, addr } = t.target;
        let link = *self.links.get(&(from, addr)).unwrap_or(&self.default_link);
        let source = Source {
            transport,
            remote: from,
            local: addr,
        };
        if transport.is_reliable() {
            let tail = self.stream_tail.entry((from, addr)).or_insert(self.now);
            let at = (self.now + link.delay).max(*tail);
            *tail = at;
            return self.enqueue(at, source, addr, t.payload);
        }
        if self.rng.random_bool(link.loss.clamp(0.0, 1.0)) {
            self.stats.lost += 1;
            return;
        }
        let copies = if self.rng.random_bool(link.duplicate.clamp(0.0, 1.0)) {
            self.stats.duplicated += 1;
            2
        } else {
            1
        };
        for _ in 0..copies {
            let jitter = if link.jitter.is_zero() {
                Duration::ZERO
            } else {
                Duration::from_micros(self.rng.random_range(0..=link.jitter.as_micros() as u64))
            };
            let at = self.now + link.delay + jitter;
            self.enqueue(at, source, addr, t.payload.clone());
        }
    }

    fn enqueue(&mut self, at: Instant, source: Source, to: SocketAddr, payload: Bytes) {
        self.seq += 1;
        self.queue.push(Reverse((at, self.seq)));
        self.packets.insert(
            self.seq,
            InFlight {
                source,
                to,
                payload,
            },
        );
    }

    /// Moves every pending transmit of `host` into the network.
    pub fn flush(&mut self, host: &mut dyn Host) {
        let from = host.addr();
        while let Some(t) = host.poll_transmit() {
            self.send(from, t);
        }
    }

    /// Advances to the next thing that happens among the network, the
    /// nodes' timers and `extra` (a deadline of the test's own, such as a
    /// TU's answer delay), and does it: delivers every packet due, fires
    /// every timer due, and flushes the nodes' transmits. Returns `false`
    /// when nothing is left to happen. Drain the nodes' events after each
    /// step.
    pub fn step(&mut self, nodes: &mut [&mut dyn Host], extra: Option<Instant>) -> bool {
        for n in nodes.iter_mut() {
            self.flush(*n);
        }
        let next_packet = self.queue.peek().map(|Reverse((at, _))| *at);
        let next = nodes
            .iter()
            .filter_map(|n| n.poll_timeout())
            .chain(next_packet)
            .chain(extra)
            .min();
        let Some(next) = next else { return false };
        self.now = self.now.max(next);
        let now = self.now;
        while let Some(&Reverse((at, seq))) = self.queue.peek() {
            if at > now {
                break;
            }
            self.queue.pop();
            let Some(p) = self.packets.remove(&seq) else {
                continue;
            };
            self.stats.delivered += 1;
            // A packet for an address no node has is lost in the void.
            if let Some(n) = nodes.iter_mut().find(|n| n.addr() == p.to) {
                n.handle(now, p.source, p.payload);
            }
        }
        for n in nodes.iter_mut() {
            n.handle_timeout(now);
            self.flush(*n);
        }
        true
    }

    /// Jumps the clock forward to `at` without doing anything (nothing may
    /// be due before it).
    pub fn advance_to(&mut self, at: Instant) {
        self.now = self.now.max(at);
    }
}
