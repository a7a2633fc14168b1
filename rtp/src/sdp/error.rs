//! The errors of the SDP parser ([`SdpError`]) and of offer/answer
//! ([`OfferAnswerError`]).

use super::attrs::Direction;

/// A malformed session description: which line, and what is wrong with it.
///
/// Small and `Copy`, as parse errors are on the hot path. `line` counts from
/// 1; it is 0 for an attribute that was not parsed from text (one built with
/// [`Attribute::new`](super::Attribute::new)) and whose typed form was
/// asked for.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[error("SDP line {line}: {kind}")]
pub struct SdpError {
    /// The line, counted from 1 (0: not from parsed text).
    pub line: u32,
    /// What is wrong.
    pub kind: SdpErrorKind,
}

impl SdpError {
    #[cold]
    #[inline(never)]
    pub(super) const fn new(line: u32, kind: SdpErrorKind) -> Self {
        Self { line, kind }
    }
}

/// What is wrong with a line of a session description.
///
/// The order and the required lines are those of
/// [RFC 8866 §5](https://www.rfc-editor.org/rfc/rfc8866#section-5); the
/// field syntax is its [§9](https://www.rfc-editor.org/rfc/rfc8866#section-9)
/// grammar.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum SdpErrorKind {
    /// Nothing but white space.
    #[error("empty session description")]
    Empty,
    /// The bytes are not UTF-8 (`a=charset` other than UTF-8 is not
    /// supported).
    #[error("not UTF-8")]
    NotUtf8,
    /// A line that is not `<type>=<value>` with a one-character type.
    #[error("not a <type>=<value> line")]
    BadLine,
    /// The first line is not `v=`.
    #[error("the description does not start with v=")]
    MissingVersion,
    /// `v=` is not `0`, the only version there is.
    #[error("v= is not 0")]
    BadVersion,
    /// The line after `v=` is not `o=`.
    #[error("o= missing after v=")]
    MissingOrigin,
    /// `o=` does not have its six fields.
    #[error("o= does not have six fields")]
    OriginFieldCount,
    /// An `o=` field is malformed (the session version is not a number).
    #[error("bad o= field")]
    BadOrigin,
    /// The line after `o=` is not `s=`.
    #[error("s= missing after o=")]
    MissingSessionName,
    /// No `t=` line before the attributes, media or end.
    #[error("t= missing")]
    MissingTime,
    /// `t=` is not two decimal times.
    #[error("bad t=")]
    BadTime,
    /// `r=` is not an interval, a duration and one or more offsets.
    #[error("bad r=")]
    BadRepeat,
    /// `z=` is not pairs of adjustment time and offset.
    #[error("bad z=")]
    BadZone,
    /// A line of a known type where RFC 8866 §5 does not allow it (out of
    /// order, or repeated where only one may be).
    #[error("{0}= is out of the RFC 8866 §5 order")]
    OutOfOrder(char),
    /// `c=` is malformed: field count, an address that is not of its
    /// address type, a multicast TTL missing or out of range, or the slash
    /// notation on a unicast address.
    #[error("bad c=")]
    BadConnection,
    /// A media description with a port has no `c=` and there is none at
    /// session level.
    #[error("no c= for this media description or the session")]
    MissingConnection,
    /// `b=` is not `<bwtype>:<bandwidth>`.
    #[error("bad b=")]
    BadBandwidth,
    /// `m=` does not have media, port, proto and at least one format.
    #[error("bad m=")]
    BadMedia,
    /// The `m=` port (or port count) is not a number that fits 16 bits.
    #[error("bad m= port")]
    BadPort,
    /// An attribute name that is not a token.
    #[error("bad attribute name")]
    BadAttribute,
    /// `a=rtpmap` is not `<payload type> <encoding name>/<clock rate>[/<encoding parameters>]`.
    #[error("bad a=rtpmap")]
    BadRtpmap,
    /// `a=fmtp` is not `<format> <format specific parameters>`.
    #[error("bad a=fmtp")]
    BadFmtp,
    /// `a=ptime` is not a positive number.
    #[error("bad a=ptime")]
    BadPtime,
    /// `a=maxptime` is not a positive number.
    #[error("bad a=maxptime")]
    BadMaxptime,
    /// `a=rtcp` is not `<port> [<nettype> <addrtype> <connection-address>]`.
    #[error("bad a=rtcp")]
    BadRtcp,
}

/// The state of an [`OfferAnswer`](super::OfferAnswer) exchange
/// ([RFC 3264 §4](https://www.rfc-editor.org/rfc/rfc3264#section-4)).
///
/// ```text
///              send_offer                 receive_answer
///   Stable ------------------> LocalOffer ---------------> Stable
///   Stable ------------------> RemoteOffer --------------> Stable
///              receive_offer              answer / send_answer
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum OfferAnswerState {
    /// No offer outstanding.
    #[default]
    Stable,
    /// We sent an offer and wait for its answer.
    LocalOffer,
    /// We received an offer and owe an answer.
    RemoteOffer,
}

/// An offer or answer that breaks a rule of
/// [RFC 3264](https://www.rfc-editor.org/rfc/rfc3264), or a call made in
/// the wrong [`OfferAnswerState`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OfferAnswerError {
    /// A typed attribute the negotiation needs is malformed.
    #[error(transparent)]
    Sdp(#[from] SdpError),
    /// The call does not fit the exchange's state.
    #[error("cannot {action} in state {state:?}")]
    WrongState {
        /// The state the exchange is in.
        state: OfferAnswerState,
        /// What was attempted.
        action: &'static str,
    },
    /// §6: "The answer MUST contain exactly the same number of "m=" lines
    /// as the offer."
    #[error("the offer has {offered} m= lines, the answer {answered}")]
    MediaCountMismatch {
        /// `m=` lines in the offer.
        offered: usize,
        /// `m=` lines in the answer.
        answered: usize,
    },
    /// §6: "The "t=" line in the answer MUST equal that of the offer."
    #[error("the answer's t= differs from the offer's")]
    TimingMismatch,
    /// §6: the media type of an answered stream differs from the offer's.
    #[error("m= line {index}: the answer's media type differs from the offer's")]
    MediaTypeMismatch {
        /// Index of the `m=` line, from 0.
        index: usize,
    },
    /// §8.2: "A stream that is offered with a port of zero MUST be marked
    /// with port zero in the answer."
    #[error("m= line {index}: offered with port 0 but answered with a port")]
    DisabledStreamAccepted {
        /// Index of the `m=` line, from 0.
        index: usize,
    },
    /// §6.1: a direction the offered direction does not allow.
    #[error("m= line {index}: {offered:?} answered with {answered:?}")]
    IllegalDirection {
        /// Index of the `m=` line, from 0.
        index: usize,
        /// The offered direction.
        offered: Direction,
        /// The answered direction.
        answered: Direction,
    },
    /// §8: the `o=` line changed other than in its version.
    #[error("the o= line changed other than in its version")]
    OriginChanged,
    /// §8: a changed description whose version did not go up by one.
    #[error("the description changed but its version went from {previous} to {new}")]
    VersionNotIncremented {
        /// The previous version.
        previous: u64,
        /// The new one.
        new: u64,
    },
    /// §8: "Deleted media streams from a previous SDP MUST NOT be removed in
    /// a new SDP".
    #[error("the previous description had {previous} m= lines, the new one {new}")]
    MediaRemoved {
        /// `m=` lines before.
        previous: usize,
        /// `m=` lines now.
        new: usize,
    },
    /// §8.3.2: "the mapping from a particular dynamic payload type number to
    /// a particular codec within that media stream MUST NOT change".
    #[error("m= line {index}: dynamic payload type {payload_type} now names another codec")]
    PayloadTypeRemapped {
        /// Index of the `m=` line, from 0.
        index: usize,
        /// The payload type.
        payload_type: u8,
    },
}
