//! SDP ([RFC 8866]) and the offer/answer model ([RFC 3264]).
//!
//! # Session descriptions
//!
//! [`Sdp`] is a lossless, zero-copy description: [`Sdp::parse`] makes one
//! pass over the text and stores slices of it (`Cow::Borrowed`), every line
//! type of RFC 8866 §5 included (`v o s i u e p c b t r z k a m`, with
//! `i c b k a` under each `m=`), attributes in order and lines of unknown
//! type in place. Typed attributes are parsed on access:
//! [`Media::rtpmap`], [`Media::fmtp`], [`Media::ptime`],
//! [`Media::maxptime`], [`Media::direction`] (and
//! [`Sdp::media_direction`] with the session-level default),
//! [`Media::rtcp`] ([RFC 3605]) and [`Media::mid`].
//!
//! [`Sdp::write_to`] and `Display` write RFC 8866 text with CRLF line ends;
//! `Sdp::parse(&sdp.to_string()) == Ok(sdp)`. A malformed description is a
//! [`SdpError`] naming the 1-based line and the [`SdpErrorKind`]. The
//! parser is strict about what RFC 8866 requires and lenient, in a listed
//! set of places, where real devices are sloppy (see `parse.rs`).
//!
//! # Offer/answer
//!
//! [`Capabilities`] say what this end supports; [`offer`] and [`answer`]
//! build descriptions from them, [`check_answer`] (§6) and
//! [`check_modification`] (§8) check the other end's, [`negotiated`] reads
//! what an exchange settled on, and [`OfferAnswer`] tracks one end's side
//! of a session through its exchanges. Modified offers start from
//! [`Sdp::next_version`] and are edited with [`Sdp::set_connection`] (a
//! hand-off to a new address), [`Sdp::hold`] and [`Sdp::resume`],
//! [`Media::add_codec`], [`Media::remove_format`] and [`Media::disable`].
//!
//! Out of scope: multicast offer/answer (§6.2), `fmtp` negotiation, ICE,
//! BUNDLE and other extensions (their attributes are kept and written back,
//! not interpreted), and character sets other than UTF-8.
//!
//! [RFC 8866]: https://www.rfc-editor.org/rfc/rfc8866
//! [RFC 3264]: https://www.rfc-editor.org/rfc/rfc3264
//! [RFC 3605]: https://www.rfc-editor.org/rfc/rfc3605

mod attrs;
mod error;
mod fields;
mod media;
mod negotiation;
mod offer_answer;
mod parse;
mod session;
mod write;

#[cfg(test)]
mod tests;

pub use attrs::{static_payload_type, Direction, Fmtp, Rtcp, RtcpAddress, RtpMap};
pub use error::{OfferAnswerError, OfferAnswerState, SdpError, SdpErrorKind};
pub use fields::{
    Attribute, Bandwidth, Connection, Origin, Repeat, TimeUnit, Timing, TypedTime, UnknownLine,
    ZoneAdjustment,
};
pub use media::Media;
pub use negotiation::OfferAnswer;
pub use offer_answer::{
    answer, check_answer, check_modification, negotiated, offer, Capabilities, Codec,
    MediaCapability, NegotiatedCodec, NegotiatedStream,
};
pub use session::Sdp;
