//! Criterion benchmark: the sans-IO transaction layer of `sip-transaction`,
//! in memory (no sockets), on a fake clock.
//!
//! Every iteration is one whole transaction, so Criterion's time per
//! iteration is the cost of one transaction on one core, and its
//! throughput (elements/s) is transactions per second per core. Both
//! layers, the client's and the server's, run on the same core, so the
//! pair benchmarks count the work of both ends.
//!
//! Ids:
//! - `pair/non_invite_tcp`: a REGISTER from a client `TransactionLayer` to
//!   a server `TransactionLayer` over TCP: `send_request`, the transmit
//!   into the server's `handle`, `response_to(200)` and `send_response`
//!   on the new server transaction, the 200 into the client's `handle`,
//!   every event drained. Timers J and K are zero on TCP, so both
//!   transactions end at once.
//! - `pair/non_invite_udp`: the same over UDP in steady state: the fake
//!   clock advances by [`STEP`] per transaction and `handle_timeout` runs,
//!   so Timer K (T4 = 5 s) ends client transactions and Timer J (64*T1 =
//!   32 s) server ones, and the number of live transactions stays flat
//!   (printed before the run).
//! - `pair/invite_udp`: INVITE, 180, 200 and the 2xx ACK (a new request
//!   sent with `send_stateless`, RFC 3261 §13.2.2.4), in steady state like
//!   `non_invite_udp` (RFC 6026 Timers L and M, 64*T1, keep both INVITE
//!   transactions in Accepted for 32 s).
//! - `server/register_udp`: the server side alone, what a registrar's or a
//!   proxy's server transaction costs: a pre-serialized REGISTER datagram
//!   with a new branch each iteration (copied out of a template, as the
//!   driver copies out of its receive buffer) into `handle`, then
//!   `response_to(200)`, `send_response` and the transmit, in steady state
//!   (Timer J).
//! - `server/register_tcp`: the same from a TCP source (Timer J zero).
//! - `parts/parse/register`, `parts/validate/register`,
//!   `parts/response_build/register`: pieces of the above that are not the
//!   layer's own work (parsing the datagram, `Message::validate`, which
//!   the layer runs on every new request, and the transaction user
//!   building its 200), so the layer's own share can be read off.
//!
//! The steady-state benchmarks first run 33 s of simulated time (330 000
//! transactions, a few seconds) before Criterion starts, and print the
//! number of live transactions they reached.

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use sip_message::{Message, Method};
use sip_transaction::{
    Event, IdGenerator, LayerConfig, Source, Target, TransactionLayer, Transmit, Transport, TxId,
};

/// How far the fake clock moves per transaction in the steady-state
/// benchmarks: 100 µs, i.e. 10 000 transactions per second of simulated
/// time. With the RFC timers that keeps 5 s / STEP = 50 000 client and
/// 32 s / STEP = 320 000 server non-INVITE transactions alive.
const STEP: Duration = Duration::from_micros(100);

const UAC: &str = "127.0.0.1:5061";
const UAS: &str = "127.0.0.1:5070";

/// A REGISTER as a UAC hands it to the layer (the layer adds the Via); the
/// headers of the `bench-registrar.sh` SIPp scenario.
const REGISTER: &str = "REGISTER sip:127.0.0.1:5070 SIP/2.0\r\n\
Max-Forwards: 70\r\n\
From: <sip:r1@127.0.0.1:5070>;tag=4711SIPpTag001\r\n\
To: <sip:r1@127.0.0.1:5070>\r\n\
Call-ID: 1-4711@127.0.0.1\r\n\
CSeq: 1 REGISTER\r\n\
Contact: <sip:r1@127.0.0.1:5061;transport=UDP>\r\n\
Expires: 3600\r\n\
User-Agent: sipp-bench\r\n\
Content-Length: 0\r\n\r\n";

/// The same REGISTER as it arrives at a registrar, with a Via whose branch
/// digits (the 16 zeros) are rewritten per iteration.
const REGISTER_WIRE: &str = "REGISTER sip:127.0.0.1:5070 SIP/2.0\r\n\
Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-0000000000000000\r\n\
Max-Forwards: 70\r\n\
From: <sip:r1@127.0.0.1:5070>;tag=4711SIPpTag001\r\n\
To: <sip:r1@127.0.0.1:5070>\r\n\
Call-ID: 1-4711@127.0.0.1\r\n\
CSeq: 1 REGISTER\r\n\
Contact: <sip:r1@127.0.0.1:5061;transport=UDP>\r\n\
Expires: 3600\r\n\
User-Agent: sipp-bench\r\n\
Content-Length: 0\r\n\r\n";

const SDP: &str = "v=0\r\n\
o=alice 2890844526 2890844526 IN IP4 127.0.0.1\r\n\
s=-\r\n\
c=IN IP4 127.0.0.1\r\n\
t=0 0\r\n\
m=audio 49170 RTP/AVP 0 8 101\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\n";

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn invite() -> Message {
    let head = format!(
        "INVITE sip:bob@127.0.0.1:5070 SIP/2.0\r\n\
Max-Forwards: 70\r\n\
From: Alice <sip:alice@127.0.0.1:5061>;tag=1928301774\r\n\
To: Bob <sip:bob@127.0.0.1:5070>\r\n\
Call-ID: a84b4c76e66710@127.0.0.1\r\n\
CSeq: 314159 INVITE\r\n\
Contact: <sip:alice@127.0.0.1:5061>\r\n\
Content-Type: application/sdp\r\n\
Content-Length: {}\r\n\r\n{SDP}",
        SDP.len()
    );
    Message::parse(Bytes::from(head)).unwrap()
}

/// Drains a layer as its contract asks, appending to `tx` and `ev`.
fn drain(l: &mut TransactionLayer, tx: &mut Vec<Transmit>, ev: &mut Vec<Event>) {
    while let Some(t) = l.poll_transmit() {
        tx.push(t);
    }
    while let Some(e) = l.poll_event() {
        ev.push(e);
    }
}

/// A client layer and a server layer wired back to back, on a fake clock.
struct Pair {
    client: TransactionLayer,
    server: TransactionLayer,
    transport: Transport,
    now: Instant,
    /// What the server sees as the source of requests, and the client as
    /// the source of responses.
    at_server: Source,
    at_client: Source,
    tx: Vec<Transmit>,
    ev: Vec<Event>,
    tag: u64,
}

impl Pair {
    fn new(transport: Transport) -> Self {
        let mut client = TransactionLayer::new(LayerConfig::default(), IdGenerator::seeded(1));
        client.add_listener(transport, addr(UAC));
        let mut server = TransactionLayer::new(LayerConfig::default(), IdGenerator::seeded(2));
        server.add_listener(transport, addr(UAS));
        Self {
            client,
            server,
            transport,
            now: Instant::now(),
            at_server: Source {
                transport,
                remote: addr(UAC),
                local: addr(UAS),
            },
            at_client: Source {
                transport,
                remote: addr(UAS),
                local: addr(UAC),
            },
            tx: Vec::with_capacity(4),
            ev: Vec::with_capacity(8),
            tag: 0,
        }
    }

    fn target(&self) -> Target {
        Target {
            transport: self.transport,
            addr: addr(UAS),
        }
    }

    /// Hands every client transmit to the server; the server's events
    /// stay in `self.ev`.
    fn deliver_to_server(&mut self) {
        self.tx.clear();
        self.ev.clear();
        drain(&mut self.client, &mut self.tx, &mut self.ev);
        for t in self.tx.drain(..) {
            self.server.handle(self.now, self.at_server, t.payload);
        }
        self.ev.clear(); // client events (Terminated after a stateless send)
        drain(&mut self.server, &mut self.tx, &mut self.ev);
        debug_assert!(self.tx.is_empty());
    }

    /// Hands every server transmit to the client; the client's events stay
    /// in `self.ev`.
    fn deliver_to_client(&mut self) {
        self.tx.clear();
        self.ev.clear();
        drain(&mut self.server, &mut self.tx, &mut self.ev);
        for t in self.tx.drain(..) {
            self.client.handle(self.now, self.at_client, t.payload);
        }
        self.ev.clear();
        drain(&mut self.client, &mut self.tx, &mut self.ev);
        debug_assert!(self.tx.is_empty());
    }

    /// The new server transaction among the server's events.
    fn incoming(&self) -> (TxId, &Message) {
        self.ev
            .iter()
            .find_map(|e| match e {
                Event::Request(r) => Some((r.id, &r.request)),
                _ => None,
            })
            .expect("a new server transaction")
    }

    fn next_tag(&mut self) -> String {
        self.tag += 1;
        format!("t{}", self.tag)
    }

    /// Advances the fake clock and fires whatever is due on both sides.
    fn tick(&mut self) {
        self.now += STEP;
        self.client.handle_timeout(self.now);
        self.server.handle_timeout(self.now);
        self.tx.clear();
        self.ev.clear();
        drain(&mut self.client, &mut self.tx, &mut self.ev);
        drain(&mut self.server, &mut self.tx, &mut self.ev);
        debug_assert!(self.tx.is_empty(), "a retransmission in steady state");
    }

    /// One non-INVITE transaction; `request` is sent as is.
    fn non_invite(&mut self, request: Message) {
        let target = self.target();
        self.client.send_request(self.now, request, target).unwrap();
        self.deliver_to_server();
        let tag = self.next_tag();
        let (id, req) = self.incoming();
        let ok = req.response_to(200, Some(&tag)).unwrap().build().unwrap();
        self.server.send_response(self.now, id, ok).unwrap();
        self.deliver_to_client();
        debug_assert!(self.ev.iter().any(
            |e| matches!(e, Event::Response { response, .. } if response.status() == Some(200))
        ));
        self.tick();
    }

    /// One INVITE transaction: 180, 200, and the ACK for the 200.
    fn invite(&mut self, request: Message) {
        let target = self.target();
        self.client.send_request(self.now, request, target).unwrap();
        self.deliver_to_server();
        let tag = self.next_tag();
        let (id, req) = self.incoming();
        let ringing = req.response_to(180, Some(&tag)).unwrap().build().unwrap();
        let ok = req
            .response_to(200, Some(&tag))
            .unwrap()
            .header("Contact", "<sip:bob@127.0.0.1:5070>")
            .body(Bytes::from_static(SDP.as_bytes()), "application/sdp")
            .build()
            .unwrap();
        self.server.send_response(self.now, id, ringing).unwrap();
        self.deliver_to_client();
        self.server.send_response(self.now, id, ok).unwrap();
        self.deliver_to_client();
        let ok = self
            .ev
            .iter()
            .find_map(|e| match e {
                Event::Response { response, .. } if response.status() == Some(200) => {
                    Some(response)
                }
                _ => None,
            })
            .expect("the 200");
        let ack = ack_for(ok);
        self.client.send_stateless(self.now, ack, target).unwrap();
        self.deliver_to_server();
        debug_assert!(self
            .ev
            .iter()
            .any(|e| matches!(e, Event::Ack { id: None, .. })));
        self.tick();
    }

    fn live(&self) -> (usize, usize) {
        (self.client.len(), self.server.len())
    }
}

/// The ACK a UAC's dialog layer sends for a 2xx (RFC 3261 §13.2.2.4): the
/// Call-ID, From and To of the 200, the INVITE's CSeq number with ACK.
fn ack_for(ok: &Message) -> Message {
    let cseq = ok.typed::<sip_message::CSeq>().unwrap();
    Message::request(
        Method::Ack,
        sip_message::Uri::parse("sip:bob@127.0.0.1:5070").unwrap(),
    )
    .header("Max-Forwards", "70")
    .header("From", ok.header(&sip_message::HeaderName::From).unwrap())
    .header("To", ok.header(&sip_message::HeaderName::To).unwrap())
    .header("Call-ID", ok.call_id().unwrap())
    .header("CSeq", &format!("{} ACK", cseq.seq))
    .build()
    .unwrap()
}

/// Runs `one` until the live transactions are in steady state (every
/// timer of the first transactions has fired), and prints the counts.
fn warm(name: &str, pair: &mut Pair, mut one: impl FnMut(&mut Pair)) {
    let n = (Duration::from_secs(33).as_nanos() / STEP.as_nanos()) as usize;
    for _ in 0..n {
        one(pair);
    }
    let (c, s) = pair.live();
    eprintln!(
        "{name}: steady state after {n} transactions at one per {STEP:?}: \
         {c} live client, {s} live server transactions"
    );
}

fn pair(c: &mut Criterion) {
    let register = Message::parse(Bytes::from_static(REGISTER.as_bytes())).unwrap();
    let invite = invite();
    let mut g = c.benchmark_group("pair");
    g.throughput(Throughput::Elements(1));
    // The state is built, and brought to steady state, only when Criterion
    // runs the benchmark (not when a filter skips it).
    macro_rules! bench {
        ($name:literal, $transport:expr, $one:ident, $msg:ident) => {
            let mut p: Option<Pair> = None;
            g.bench_function($name, |b| {
                let p = p.get_or_insert_with(|| {
                    let mut p = Pair::new($transport);
                    warm(concat!("pair/", $name), &mut p, |p| p.$one($msg.clone()));
                    p
                });
                b.iter_batched(|| $msg.clone(), |m| p.$one(m), BatchSize::SmallInput)
            });
        };
    }
    bench!("non_invite_tcp", Transport::Tcp, non_invite, register);
    bench!("non_invite_udp", Transport::Udp, non_invite, register);
    bench!("invite_udp", Transport::Udp, invite, invite);
    g.finish();
}

/// The server half alone: a registrar's view.
struct Server {
    layer: TransactionLayer,
    source: Source,
    now: Instant,
    template: BytesMut,
    /// Where the branch digits sit in `template`.
    digits: std::ops::Range<usize>,
    n: u64,
    tick: bool,
}

impl Server {
    fn new(transport: Transport) -> Self {
        let mut layer = TransactionLayer::new(LayerConfig::default(), IdGenerator::seeded(2));
        layer.add_listener(transport, addr(UAS));
        let template = BytesMut::from(REGISTER_WIRE.as_bytes());
        let at = REGISTER_WIRE.find("z9hG4bK-").unwrap() + 8;
        Self {
            layer,
            source: Source {
                transport,
                remote: addr(UAC),
                local: addr(UAS),
            },
            now: Instant::now(),
            template,
            digits: at..at + 16,
            n: 0,
            tick: !transport.is_reliable(),
        }
    }

    /// The next datagram: the template with a new branch.
    fn datagram(&mut self) -> Bytes {
        self.n += 1;
        let mut d = self.template.clone();
        let mut v = self.n;
        for b in d[self.digits.clone()].iter_mut().rev() {
            *b = b'0' + (v % 10) as u8;
            v /= 10;
        }
        d.freeze()
    }

    fn one(&mut self) {
        let data = self.datagram();
        self.layer.handle(self.now, self.source, data);
        let mut id_req = None;
        while let Some(e) = self.layer.poll_event() {
            if let Event::Request(r) = e {
                id_req = Some((r.id, r.request));
            }
        }
        let (id, req) = id_req.expect("a new server transaction");
        let ok = req
            .response_to(200, Some("a1b2c3"))
            .unwrap()
            .build()
            .unwrap();
        self.layer.send_response(self.now, id, ok).unwrap();
        let t = self.layer.poll_transmit().expect("the 200");
        black_box(t);
        while let Some(e) = self.layer.poll_event() {
            black_box(e);
        }
        if self.tick {
            self.now += STEP;
            self.layer.handle_timeout(self.now);
            while let Some(e) = self.layer.poll_event() {
                black_box(e);
            }
        }
    }
}

fn server(c: &mut Criterion) {
    let mut g = c.benchmark_group("server");
    g.throughput(Throughput::Elements(1));
    for (name, transport) in [
        ("register_udp", Transport::Udp),
        ("register_tcp", Transport::Tcp),
    ] {
        let mut s: Option<Server> = None;
        g.bench_function(name, |b| {
            let s = s.get_or_insert_with(|| {
                let mut s = Server::new(transport);
                let n = (Duration::from_secs(33).as_nanos() / STEP.as_nanos()) as usize;
                for _ in 0..n {
                    s.one();
                }
                eprintln!(
                    "server/{name}: steady state after {n} transactions at one per {STEP:?}: \
                     {} live server transactions",
                    s.layer.len()
                );
                s
            });
            b.iter(|| s.one())
        });
    }
    g.finish();
}

/// The parts of `server/register_udp` that are not the transaction layer.
fn parts(c: &mut Criterion) {
    let mut g = c.benchmark_group("parts");
    g.throughput(Throughput::Elements(1));
    let mut s = Server::new(Transport::Udp);
    g.bench_function("parse/register", |b| {
        b.iter(|| black_box(Message::parse(s.datagram()).unwrap()))
    });
    let req = Message::parse(s.datagram()).unwrap();
    g.bench_function("response_build/register", |b| {
        b.iter(|| {
            black_box(
                black_box(&req)
                    .response_to(200, Some("a1b2c3"))
                    .unwrap()
                    .build()
                    .unwrap(),
            )
        })
    });
    g.bench_function("validate/register", |b| {
        b.iter(|| black_box(black_box(&req).validate()))
    });
    g.finish();
}

fn config() -> Criterion {
    // As the parser benchmark: short runs so the suite fits in a few
    // minutes on a 2-core box. Override on the command line
    // (--warm-up-time, --measurement-time, --sample-size).
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(2000))
        .sample_size(40)
}

criterion_group! {
    name = benches;
    config = config();
    targets = pair, server, parts
}
criterion_main!(benches);
