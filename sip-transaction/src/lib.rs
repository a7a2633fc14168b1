//! RFC 3261 SIP transactions as sans-IO state machines, with UDP and TCP
//! transports on tokio and RFC 3263 server location.
//!
//! (The guide is written in full once the layer and driver land.)

mod config;
#[cfg(feature = "tokio")]
mod driver;
mod error;
mod ids;
mod layer;
mod locate;
#[cfg(feature = "tokio")]
mod resolver;
pub mod sim;
mod timer;
mod transaction;
mod transport;

pub use config::TimerConfig;
#[cfg(feature = "tokio")]
pub use driver::{
    ClientTransaction, ClientUpdate, Endpoint, EndpointBuilder, Incoming, Received,
    ServerTransaction, Stats, TcpConfig,
};
pub use error::{Error, SendError};
pub use ids::IdGenerator;
pub use layer::{
    Event, Incoming as IncomingRequest, LayerConfig, LayerStats, Source, TransactionLayer, TxId,
};
pub use locate::{
    order_srv, select_naptr, Answer, Locator, NaptrRecord, NaptrService, Plan, Query, QueryKind,
    ResolveError, SrvRecord,
};
#[cfg(feature = "tokio")]
pub use resolver::Resolver;
pub use timer::{Timer, Timers};
pub use transaction::{
    ClientEvent, ClientInvite, ClientInviteState, ClientNonInvite, ClientNonInviteState,
    InvalidResponse, ServerEvent, ServerInvite, ServerInviteState, ServerNonInvite,
    ServerNonInviteState,
};
pub use transport::{Target, Transmit, Transport};
