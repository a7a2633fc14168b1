//! `CSeq` (RFC 3261 §20.16).

use bytes::BytesMut;
use bytestring::ByteString;

use crate::error::{ErrorKind, ParseError};
use crate::header::{HeaderName, TypedHeader};
use crate::method::Method;
use crate::text::{slice, Cursor};

/// `CSeq = 1*DIGIT LWS Method`: the sequence number (below 2^31 when a UA
/// picks it, any 32-bit value when it arrives, §8.1.1.5) and the method.
///
/// ```
/// use sip_message::{CSeq, Method, TypedHeader};
/// let c = CSeq::parse_str("4711 INVITE").unwrap();
/// assert_eq!((c.seq, c.method), (4711, Method::Invite));
/// assert!(CSeq::parse_str("4294967296 INVITE").is_err()); // RFC 4475 §3.1.2.4
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CSeq {
    /// The sequence number.
    pub seq: u32,
    /// The method of the request.
    pub method: Method,
}

impl CSeq {
    /// A CSeq value.
    pub fn new(seq: u32, method: Method) -> Self {
        Self { seq, method }
    }
}

impl TypedHeader for CSeq {
    const NAME: HeaderName = HeaderName::CSeq;

    fn parse(value: &ByteString) -> Result<Self, ParseError> {
        let mut c = Cursor::new(value);
        let seq = c.number(u64::from(u32::MAX))? as u32;
        if !c.skip_sws_any() {
            return Err(c.err(ErrorKind::ExpectedSpace));
        }
        let m = c.take1(crate::text::is_token, ErrorKind::InvalidMethod)?;
        c.finish()?;
        Ok(Self {
            seq,
            method: Method::known(m.of(value).as_bytes())
                .unwrap_or_else(|| Method::Extension(slice(value, m))),
        })
    }

    fn encode(&self, out: &mut BytesMut) {
        out.extend_from_slice(self.seq.to_string().as_bytes());
        out.extend_from_slice(b" ");
        out.extend_from_slice(self.method.as_str().as_bytes());
    }
}
