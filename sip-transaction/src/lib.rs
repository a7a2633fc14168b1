//! RFC 3261 SIP transactions as sans-IO state machines, with UDP and TCP
//! transports on tokio and RFC 3263 server location.
//!
//! This is the layer that makes SIP reliable over lossy networks: it
//! retransmits requests and responses on the RFC's schedule, absorbs the
//! peer's retransmissions, matches every message to its transaction, and
//! tells the layers above (dialogs, registration, proxies, mobility) only
//! what they need to act on.
//!
//! # Scope
//!
//! - RFC 3261 §17: the client and server INVITE and non-INVITE transactions
//!   with every timer (A, B, D, E, F, G, H, I, J, K), matching of responses
//!   (§17.1.3) and requests (§17.2.3, with the RFC 2543 fallback), the ACK
//!   for a non-2xx built by the transaction (§17.1.1.3), CANCEL (§9).
//! - RFC 6026: the Accepted states and Timers L and M; 2xx retransmissions
//!   pass to the transaction user.
//! - RFC 3261 §18 and RFC 3581: the Via a client adds (sent-by, branch,
//!   `rport`), `received`/`rport` on receipt, where responses go, and the
//!   switch to TCP for requests over 1300 bytes.
//! - RFC 3263 (with RFC 2782): NAPTR, SRV and A/AAAA server location and
//!   failover.
//! - Out of scope here: TLS, SCTP and WebSocket transports (a `sips:` URI is
//!   located but refused with [`ResolveError::TlsRequired`]); the 2xx
//!   retransmission and ACK of RFC 3261 §13 belong to the dialog layer
//!   (`sip-dialog`), which this crate hands every 2xx and 2xx ACK to.
//!
//! # Sans-IO
//!
//! The core ([`TransactionLayer`] and the four machines it drives) opens no
//! socket, reads no clock and spawns nothing: time comes in as `now`, bytes
//! as [`Bytes`](bytes::Bytes), and everything it wants done comes out of
//! `poll_transmit`, `poll_event` and `poll_timeout`. **After every call
//! that mutates it, drain `poll_transmit` and `poll_event` to `None`, then
//! read `poll_timeout`.** A 32-second Timer B test takes microseconds, and
//! [`sim`] runs whole networks of layers on a simulated clock with loss,
//! duplication and reordering from one seed. The crate's `clippy.toml`
//! forbids `Instant::now` outside the driver. Without the default `tokio`
//! feature the crate is the core alone: no tokio, no hickory.
//!
//! ```no_run
//! # #[allow(clippy::disallowed_methods)]
//! # fn main() -> std::io::Result<()> {
//! use std::net::UdpSocket;
//! use std::time::Instant;
//! use bytes::Bytes;
//! use sip_transaction::{Event, IdGenerator, LayerConfig, Source, TransactionLayer, Transport};
//!
//! let sock = UdpSocket::bind("127.0.0.1:5060")?;
//! let local = sock.local_addr()?;
//! let mut layer = TransactionLayer::new(LayerConfig::default(), IdGenerator::default());
//! layer.add_listener(Transport::Udp, local);
//! let mut buf = [0u8; 65_535];
//! loop {
//!     while let Some(t) = layer.poll_transmit() {
//!         sock.send_to(&t.payload, t.target.addr)?;
//!     }
//!     while let Some(ev) = layer.poll_event() {
//!         if let Event::Request(req) = ev {
//!             let ok = req.request.response_to(200, Some("tag1")).unwrap().build().unwrap();
//!             layer.send_response(Instant::now(), req.id, ok).unwrap();
//!         }
//!     }
//!     let timeout = layer.poll_timeout().map(|at| at.saturating_duration_since(Instant::now()));
//!     sock.set_read_timeout(timeout.filter(|d| !d.is_zero()))?;
//!     match sock.recv_from(&mut buf) {
//!         Ok((n, remote)) => {
//!             let source = Source { transport: Transport::Udp, remote, local };
//!             layer.handle(Instant::now(), source, Bytes::copy_from_slice(&buf[..n]));
//!         }
//!         Err(_) => layer.handle_timeout(Instant::now()),
//!     }
//! }
//! # }
//! ```
//!
//! # The tokio driver
//!
//! With the `tokio` feature (on by default), [`Endpoint`] runs the layer on
//! UDP and TCP sockets, IPv4 and IPv6, with connection reuse, an idle
//! timeout, caps on connections and message size, and an async API:
//! [`Endpoint::send_request`] returns a [`ClientTransaction`] to await
//! responses from, [`Incoming`] yields [`ServerTransaction`]s to answer,
//! and [`Endpoint::send_to_uri`] locates the servers with the [`Resolver`]
//! and fails over along them.
//!
//! ```no_run
//! # async fn run() -> Result<(), sip_transaction::Error> {
//! use sip_message::{Message, Method, Uri};
//! use sip_transaction::{Endpoint, Target};
//!
//! let (endpoint, _incoming) = Endpoint::builder()
//!     .udp("0.0.0.0:5060".parse().unwrap())
//!     .bind()
//!     .await?;
//! let options = Message::request(Method::Options, Uri::parse("sip:192.0.2.7").unwrap())
//!     .header("To", "<sip:192.0.2.7>")
//!     .header("From", "<sip:me@192.0.2.1>;tag=a1")
//!     .header("Call-ID", "c1@192.0.2.1")
//!     .header("CSeq", "1 OPTIONS")
//!     .header("Max-Forwards", "70")
//!     .build()
//!     .unwrap();
//! let mut tx = endpoint.send_request(options, Target::udp("192.0.2.7:5060".parse().unwrap())).await?;
//! let response = tx.final_response().await?;
//! println!("{:?}", response.status());
//! # Ok(()) }
//! ```
//!
//! The layers above run their own sans-IO cores (a user agent, a proxy)
//! over the same transports: [`Sockets`] binds UDP and TCP and hides the
//! connection table behind one `recv` and one `send`, and [`Runner`] drives
//! any [`Core`] (a [`sim::Host`] with events) over them, the way the
//! simulated network drives it in tests.
//!
//! # Key types
//!
//! - [`TransactionLayer`]: the endpoint core; [`Event`] is what it reports,
//!   [`TxId`] names a transaction.
//! - [`ClientInvite`], [`ClientNonInvite`], [`ServerInvite`],
//!   [`ServerNonInvite`]: the four machines, usable on their own.
//! - [`TimerConfig`] (T1, T2, T4), [`LayerConfig`], [`IdGenerator`] (an
//!   injected RNG for branches, tags and Call-IDs).
//! - [`Locator`] (sans-IO RFC 3263) and [`Resolver`] (it, over hickory).
//! - [`sim`]: the simulated network for deterministic tests of the layers
//!   above.

// Without the driver, the guide's links to it have nothing to point at.
#![cfg_attr(not(feature = "tokio"), allow(rustdoc::broken_intra_doc_links))]

mod config;
#[cfg(feature = "tokio")]
mod driver;
mod error;
mod ids;
mod layer;
mod locate;
#[cfg(feature = "tokio")]
mod resolver;
pub mod sharded;
pub mod sim;
mod timer;
mod transaction;
mod transport;

pub use config::TimerConfig;
#[cfg(feature = "tokio")]
pub use driver::{
    ClientTransaction, ClientUpdate, Core, Endpoint, EndpointBuilder, Inbound, Incoming, Received,
    Runner, ServerTransaction, Sockets, SocketsBuilder, Stats, Stopped, TcpConfig,
};
pub use error::{Error, SendError};
pub use ids::IdGenerator;
pub use layer::{Event, IncomingRequest, LayerConfig, LayerStats, Source, TransactionLayer, TxId};
pub use locate::{
    order_srv, select_naptr, Answer, Locator, NaptrRecord, NaptrService, Plan, Query, QueryKind,
    ResolveError, SrvRecord,
};
#[cfg(feature = "tokio")]
pub use resolver::Resolver;
pub use sharded::ShardedMap;
pub use timer::{Timer, Timers};
pub use transaction::{
    ClientEvent, ClientInvite, ClientInviteState, ClientNonInvite, ClientNonInviteState,
    InvalidResponse, ServerEvent, ServerInvite, ServerInviteState, ServerNonInvite,
    ServerNonInviteState,
};
pub use transport::{Target, Transmit, Transport};
