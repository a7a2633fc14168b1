//! Typed headers, one file per header or family of headers.

mod cseq;
mod media_type;
mod name_addr;
mod params;
mod simple;
mod via;

pub use cseq::CSeq;
pub use media_type::{Accept, ContentType, MediaType};
pub use name_addr::{
    Contact, From, NameAddr, Path, RecordRoute, ReferTo, ReferredBy, Route, ServiceRoute, To,
};
pub use params::{ParamIter, Params};
pub use simple::{CallId, ContentLength, Expires, MaxForwards, MinExpires};
pub use via::{Via, MAGIC_COOKIE};
