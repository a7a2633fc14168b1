//! Zero-copy SIP messages: a strict RFC 3261 parser, typed headers parsed
//! on demand, SIP/SIPS/tel URIs, builders and an editor that leaves
//! untouched lines alone.
//!
//! This crate is the bottom layer of the `sip-mobility` workspace. The
//! transaction, dialog, proxy, mobility and presence layers read and
//! rewrite every message through it.
//!
//! # What it parses
//!
//! - The message grammar of [RFC 3261 §7 and §25]: Request-Line and
//!   Status-Line, header fields with line folding and every compact form,
//!   bodies framed by Content-Length (§18.3) for datagrams ([`Message::parse`])
//!   and streams ([`StreamFramer`], [`Message::parse_stream`]).
//! - URIs of §19.1 ([`SipUri`]), RFC 3966 ([`TelUri`]) and any other
//!   scheme kept opaque ([`Uri::Other`]); equality as §19.1.4 defines it.
//! - Typed headers, each a [`TypedHeader`]: Via, From, To, Contact, CSeq,
//!   Call-ID, Route, Record-Route and the rest listed under *Typed headers*
//!   below.
//! - The torture tests of RFC 4475 and the IPv6 tests of RFC 5118: the
//!   conformance test in `tests/` runs all of them.
//!
//! Out of scope: SDP (the `rtp` crate), multipart bodies, S/MIME, and the
//! semantics above the message (transactions, dialogs: other crates).
//!
//! [RFC 3261 §7 and §25]: https://www.rfc-editor.org/rfc/rfc3261#section-7
//!
//! # The zero-copy model
//!
//! A [`Message`] owns one [`bytes::Bytes`], the datagram it came from. The
//! parse is a single pass that records where the start line, each header
//! name and value and the body are; it copies no header text and makes one
//! allocation, the list of header positions. Header values come back as
//! `&str` borrowed from the message, or as zero-copy `ByteString` slices.
//! Typed headers are parsed only when asked for ([`Message::typed`]); they
//! too keep slices of the message rather than copies. Nothing is cached,
//! because re-parsing one header is cheap: on the benchmark machine about
//! 15 ns for a Call-ID, 45 ns for a CSeq and 100-130 ns for a Via or a
//! From with its URI (see `benches/`).
//!
//! The message stays lossless: header order, unknown headers, compact and
//! odd-case names and folding are all kept, and an unedited message
//! serializes to its input byte for byte.
//!
//! # Strictness
//!
//! The parser follows the grammar rather than guessing: a header line
//! without a colon, a body shorter than Content-Length, a head with no
//! blank line, a status code like `2x0`, a Request-Line with no version, a
//! CSeq above 2^32-1, a negative Content-Length, an unterminated quoted
//! string or a `<` without `>` are all errors. Every error is a small
//! `Copy` [`ParseError`]: a kind and a position, printed as line and column.
//! No input can make the parser panic.
//!
//! [`Message::validate`] adds the checks an element makes before it acts
//! on a message (mandatory headers, repeated single-value headers, CSeq
//! method, version).
//!
//! # Reading a message
//!
//! The INVITE of RFC 3261 §24.2 (F1):
//!
//! ```
//! use bytes::Bytes;
//! use sip_message::{CSeq, Contact, From, HeaderName, Message, Method, To, TypedHeader, Uri, Via};
//!
//! let msg = Message::parse(Bytes::from_static(b"\
//! INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
//! Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\r\n\
//! Max-Forwards: 70\r\n\
//! From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n\
//! To: Bob <sip:bob@biloxi.example.com>\r\n\
//! Call-ID: 3848276298220188511@atlanta.example.com\r\n\
//! CSeq: 1 INVITE\r\n\
//! Contact: <sip:alice@client.atlanta.example.com;transport=tcp>\r\n\
//! Content-Type: application/sdp\r\n\
//! Content-Length: 0\r\n\
//! \r\n")).unwrap();
//!
//! assert_eq!(msg.method(), Some(&Method::Invite));
//! let via: Via = msg.typed().unwrap();
//! assert_eq!((via.transport(), via.branch()), ("TCP", Some("z9hG4bK74bf9")));
//! assert_eq!(msg.typed::<CSeq>().unwrap(), CSeq::new(1, Method::Invite));
//! assert_eq!(msg.typed::<From>().unwrap().tag(), Some("9fxced76sl"));
//! assert_eq!(msg.typed::<To>().unwrap().tag(), None);
//! let contact: Contact = msg.typed().unwrap();
//! let uri = contact.address().unwrap().uri().as_sip().unwrap();
//! assert_eq!(uri.transport(), Some("tcp"));
//! // URIs compare by RFC 3261 §19.1.4: escapes and host case do not matter.
//! assert_eq!(
//!     msg.request_uri().unwrap().unwrap(),
//!     Uri::parse("sip:%62ob@BILOXI.example.com").unwrap()
//! );
//! msg.validate().unwrap();
//! ```
//!
//! # Building a request
//!
//! ```
//! use bytes::BytesMut;
//! use sip_message::{CSeq, HeaderName, Message, Method, Uri, Via};
//!
//! let via = Via::new("UDP", "pc33.atlanta.example.com", Some(5060), "z9hG4bK776asdhds").unwrap();
//! let msg = Message::request(Method::Message, Uri::parse("sip:bob@biloxi.example.com").unwrap())
//!     .typed(&via)
//!     .header(HeaderName::MaxForwards, "70")
//!     .header(HeaderName::From, "<sip:alice@atlanta.example.com>;tag=49583")
//!     .header(HeaderName::To, "<sip:bob@biloxi.example.com>")
//!     .header(HeaderName::CallId, "asd88asd77a@1.2.3.4")
//!     .typed(&CSeq::new(1, Method::Message))
//!     .body("Watson, come here.", "text/plain")
//!     .build()
//!     .unwrap();
//! assert_eq!(msg.header(&HeaderName::ContentLength), Some("18"));
//!
//! let mut wire = BytesMut::new();
//! msg.write_to(&mut wire);
//! assert!(wire.starts_with(b"MESSAGE sip:bob@biloxi.example.com SIP/2.0\r\n"));
//! ```
//!
//! # Typed headers
//!
//! | header | type | | header | type |
//! |---|---|---|---|---|
//! | Via | [`Via`] | | Contact | [`Contact`] |
//! | From, To | [`From`], [`To`] | | Route, Record-Route | [`Route`], [`RecordRoute`] |
//! | Path, Service-Route | [`Path`], [`ServiceRoute`] | | Refer-To, Referred-By | [`ReferTo`], [`ReferredBy`] |
//! | Call-ID | [`CallId`] | | CSeq | [`CSeq`] |
//! | Max-Forwards | [`MaxForwards`] | | Expires, Min-Expires | [`Expires`], [`MinExpires`] |
//! | Content-Length | [`ContentLength`] | | Content-Type, Accept | [`ContentType`], [`Accept`] |
//! | WWW-Authenticate, Proxy-Authenticate | [`WwwAuthenticate`], [`ProxyAuthenticate`] ([`Challenge`]) | | Authorization, Proxy-Authorization | [`Authorization`], [`ProxyAuthorization`] ([`Credentials`]) |
//! | Authentication-Info | [`AuthenticationInfo`] | | Allow | [`Allow`] |
//! | Supported, Require | [`Supported`], [`Require`] | | Proxy-Require, Unsupported | [`ProxyRequire`], [`Unsupported`] |
//! | Event, Allow-Events | [`Event`], [`AllowEvents`] | | Subscription-State | [`SubscriptionState`] |
//! | Replaces | [`Replaces`] | | SIP-ETag, SIP-If-Match | [`SipETag`], [`SipIfMatch`] |
//! | Retry-After | [`RetryAfter`] | | Warning | [`Warning`] |
//! | Date | [`Date`] | | User-Agent, Server | [`UserAgent`], [`Server`] |

mod builder;
mod check;
mod error;
mod framer;
mod header;
mod message;
mod method;
mod parse;
mod text;
mod uri;

pub use builder::{reason_phrase, MessageBuilder};
pub use error::{ErrorKind, ParseError};
pub use framer::{Frame, StreamFramer};
pub use header::typed::*;
pub use header::{HeaderField, HeaderName, TypedHeader};
pub use message::{Message, DEFAULT_MAX_SIZE};
pub use method::Method;
pub use uri::{percent_decode, AbsoluteUri, HostKind, SipUri, TelUri, Uri, UriParams};

pub use bytes;
pub use bytestring::ByteString;
