//! Running the cores on tokio (the default `tokio` feature).
//!
//! The cores stay sans-IO; [`sip_transaction::Runner`] drives any of them
//! over real [`Sockets`]. This module makes [`UserAgent`] and [`Proxy`]
//! runnable ([`Core`]) and builds the transaction layer that listens
//! where the sockets are bound.
//!
//! ```no_run
//! use sip_dialog::{driver, UaConfig, UaEvent, UserAgent};
//! use sip_message::Uri;
//! use sip_transaction::{IdGenerator, LayerConfig, Runner, Sockets};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let sockets = Sockets::builder()
//!     .udp("127.0.0.1:0".parse()?)
//!     .tcp("127.0.0.1:0".parse()?)
//!     .bind()
//!     .await?;
//! let contact = Uri::parse(&format!("sip:alice@{}", sockets.listeners()[0].1))?;
//! let layer = driver::layer_on(&sockets, LayerConfig::default(), IdGenerator::default());
//! let ua = UserAgent::new(UaConfig::new(Uri::parse("sip:alice@example.com")?, contact), layer);
//! let (ua, mut events) = Runner::spawn(ua, sockets);
//! let options = ua
//!     .with(|ua, now| ua.request(now, sip_message::Method::Options, Uri::parse("sip:127.0.0.1:5060").unwrap(), None))
//!     .await??;
//! while let Some(ev) = events.recv().await {
//!     if let UaEvent::Response { request, response } = ev {
//!         if request == options {
//!             println!("{:?}", response.status());
//!             break;
//!         }
//!     }
//! }
//! ua.shutdown().await;
//! # Ok(()) }
//! ```

use std::convert::Infallible;

use sip_transaction::{Core, IdGenerator, LayerConfig, Sockets, TransactionLayer};

use crate::auth::CredentialStore;
use crate::proxy::Proxy;
use crate::registrar::LocationService;
use crate::ua::{UaEvent, UserAgent};

/// A transaction layer listening on every address `sockets` is bound to
/// (with the ports the system picked), ready for a core.
pub fn layer_on(sockets: &Sockets, cfg: LayerConfig, ids: IdGenerator) -> TransactionLayer {
    let mut layer = TransactionLayer::new(cfg, ids);
    for (transport, addr) in sockets.listeners() {
        layer.add_listener(*transport, *addr);
    }
    layer
}

impl Core for UserAgent {
    type Event = UaEvent;
    fn poll_event(&mut self) -> Option<UaEvent> {
        Self::poll_event(self)
    }
}

/// The proxy reports nothing to an application: what it did shows in its
/// [`stats`](Proxy::stats) and in the messages it sends.
impl<L, S> Core for Proxy<L, S>
where
    L: LocationService + Send + 'static,
    S: CredentialStore + Send + 'static,
{
    type Event = Infallible;
    fn poll_event(&mut self) -> Option<Infallible> {
        None
    }
}
