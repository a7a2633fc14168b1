//! The offer/answer model of [RFC 3264]: building offers and answers from
//! local [`Capabilities`], checking answers (§6) and modified descriptions
//! (§8), and reading what an exchange negotiated.
//!
//! [RFC 3264]: https://www.rfc-editor.org/rfc/rfc3264

use std::borrow::Cow;

use super::attrs::{Direction, RtpMap};
use super::error::{OfferAnswerError, SdpError};
use super::fields::{Attribute, Connection, Origin};
use super::media::Media;
use super::session::Sdp;

/// A codec this end can send and receive.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Codec {
    /// The payload type this end puts in its offers. In answers the
    /// offerer's number is used instead (§6.1).
    pub payload_type: u8,
    /// The encoding name, compared case-insensitively.
    pub encoding_name: String,
    /// The RTP clock rate in Hz.
    pub clock_rate: u32,
    /// The channel count (1 for mono audio and for video).
    pub channels: u16,
    /// The `a=fmtp` parameters to send with it, if any.
    pub fmtp: Option<String>,
}

impl Codec {
    /// A mono codec without format parameters.
    pub fn new(payload_type: u8, encoding_name: impl Into<String>, clock_rate: u32) -> Self {
        Self {
            payload_type,
            encoding_name: encoding_name.into(),
            clock_rate,
            channels: 1,
            fmtp: None,
        }
    }

    /// G.711 µ-law, static payload type 0.
    pub fn pcmu() -> Self {
        Self::new(0, "PCMU", 8000)
    }

    /// G.711 A-law, static payload type 8.
    pub fn pcma() -> Self {
        Self::new(8, "PCMA", 8000)
    }

    /// RFC 4733 telephone events at 8 kHz on dynamic payload type `pt`;
    /// to offer/answer it is just another codec.
    pub fn telephone_event(pt: u8) -> Self {
        Self::new(pt, "telephone-event", 8000)
    }

    /// Sets the channel count.
    #[must_use]
    pub fn with_channels(mut self, channels: u16) -> Self {
        self.channels = channels;
        self
    }

    /// Sets the `a=fmtp` parameters.
    #[must_use]
    pub fn with_fmtp(mut self, fmtp: impl Into<String>) -> Self {
        self.fmtp = Some(fmtp.into());
        self
    }

    /// The `rtpmap` of this codec under payload type `pt` (channels written
    /// only when not 1).
    pub fn rtpmap(&self, pt: u8) -> RtpMap<'_> {
        RtpMap {
            payload_type: pt,
            encoding_name: &self.encoding_name,
            clock_rate: self.clock_rate,
            channels: (self.channels != 1).then_some(self.channels),
        }
    }

    /// Whether `map` names this codec: encoding name (case-insensitive),
    /// clock rate and channel count.
    pub fn matches(&self, map: &RtpMap<'_>) -> bool {
        map.is_codec(&self.encoding_name, self.clock_rate, self.channels)
    }
}

/// What this end does with one media type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MediaCapability {
    /// The media type: `audio`, `video`...
    pub media: String,
    /// The port of the first stream of this type. When an offer has several
    /// streams of the type, the k-th one accepted (from 0) gets
    /// `port + 2k`, keeping RTP even and RTCP the odd port above.
    pub port: u16,
    /// The transports accepted, the first one used in offers. Default:
    /// `RTP/AVP`.
    pub protos: Vec<String>,
    /// A media-level `c=` overriding the session's (RFC 4317 §2.8: video to
    /// another host than audio).
    pub connection: Option<Connection<'static>>,
    /// The codecs, in order of preference.
    pub codecs: Vec<Codec>,
    /// The direction this end wants; an answer narrows it to what the
    /// offer allows (§6.1).
    pub direction: Direction,
    /// The `a=ptime` to send, in milliseconds.
    pub ptime: Option<u32>,
}

impl MediaCapability {
    /// `RTP/AVP` media of type `media` on `port`, `sendrecv`, no codecs yet.
    pub fn new(media: impl Into<String>, port: u16) -> Self {
        Self {
            media: media.into(),
            port,
            protos: vec!["RTP/AVP".to_owned()],
            connection: None,
            codecs: Vec::new(),
            direction: Direction::SendRecv,
            ptime: None,
        }
    }

    /// Appends a codec (lower preference than those before).
    #[must_use]
    pub fn with_codec(mut self, codec: Codec) -> Self {
        self.codecs.push(codec);
        self
    }

    /// Sets the direction this end wants.
    #[must_use]
    pub fn with_direction(mut self, direction: Direction) -> Self {
        self.direction = direction;
        self
    }

    /// Sets the media-level connection.
    #[must_use]
    pub fn with_connection(mut self, connection: Connection<'static>) -> Self {
        self.connection = Some(connection);
        self
    }

    /// Replaces the accepted transports.
    #[must_use]
    pub fn with_protos<S: Into<String>>(mut self, protos: impl IntoIterator<Item = S>) -> Self {
        self.protos = protos.into_iter().map(Into::into).collect();
        self
    }

    /// Sets `a=ptime`.
    #[must_use]
    pub fn with_ptime(mut self, ms: u32) -> Self {
        self.ptime = Some(ms);
        self
    }

    fn accepts(&self, media: &Media<'_>) -> bool {
        self.media.eq_ignore_ascii_case(&media.media)
            && self
                .protos
                .iter()
                .any(|p| p.eq_ignore_ascii_case(&media.proto))
    }
}

/// What this end offers and accepts: its origin, address and media.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Capabilities {
    /// The `o=` line of this end's descriptions.
    /// [`OfferAnswer`](super::OfferAnswer) keeps it identical but for the
    /// version across a session (§8).
    pub origin: Origin<'static>,
    /// The `s=` text. Default `-` (RFC 8866 §5.3: "s= " or "s=-" is
    /// RECOMMENDED when there is no name).
    pub session_name: Cow<'static, str>,
    /// The session-level `c=`: where this end receives media.
    pub connection: Connection<'static>,
    /// One entry per media type supported.
    pub media: Vec<MediaCapability>,
}

impl Capabilities {
    /// Capabilities with no media yet.
    pub fn new(origin: Origin<'static>, connection: Connection<'static>) -> Self {
        Self {
            origin,
            session_name: Cow::Borrowed("-"),
            connection,
            media: Vec::new(),
        }
    }

    /// Adds a media type.
    #[must_use]
    pub fn with_media(mut self, media: MediaCapability) -> Self {
        self.media.push(media);
        self
    }

    /// Sets the session name.
    #[must_use]
    pub fn with_session_name(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.session_name = name.into();
        self
    }

    fn session(&self) -> Sdp<'static> {
        let mut sdp = Sdp::new(self.origin.clone(), self.session_name.clone());
        sdp.connection = Some(self.connection.clone());
        sdp
    }
}

/// Builds an initial offer
/// ([RFC 3264 §5](https://www.rfc-editor.org/rfc/rfc3264#section-5)): one
/// `m=` line per media capability, each codec with its preferred payload
/// type, an `a=rtpmap` for every payload type (static ones included, as
/// §5.1 recommends) and its `a=fmtp`, `a=ptime`, and the direction when it
/// is not `sendrecv`.
pub fn offer(local: &Capabilities) -> Sdp<'static> {
    let mut sdp = local.session();
    for cap in &local.media {
        let proto = cap.protos.first().map_or("RTP/AVP", String::as_str);
        let mut media = Media::new(cap.media.clone(), cap.port, proto.to_owned());
        media.connections.extend(cap.connection.clone());
        for codec in &cap.codecs {
            media.add_codec(codec.rtpmap(codec.payload_type), codec.fmtp.as_deref());
        }
        finish_media(&mut media, cap, cap.direction);
        sdp.media.push(media);
    }
    sdp
}

/// `a=ptime` and the direction, after the codecs.
fn finish_media(media: &mut Media<'static>, cap: &MediaCapability, direction: Direction) {
    if let Some(ms) = cap.ptime {
        media.push_attribute(Attribute::new("ptime", ms.to_string()));
    }
    if direction != Direction::SendRecv {
        media.push_attribute(Attribute::property(direction.as_str()));
    }
}

/// Builds the answer to `offer` from `local` capabilities
/// ([RFC 3264 §6](https://www.rfc-editor.org/rfc/rfc3264#section-6)).
///
/// For each offered `m=` line, in order ("The answer MUST contain exactly
/// the same number of "m=" lines as the offer"):
///
/// - A stream offered with port 0 is answered with port 0 (§8.2).
/// - A stream whose media type and transport no [`MediaCapability`]
///   accepts, or with no codec in common, is refused with port 0 ("If the
///   answerer has no media formats in common for a particular offered
///   stream, the answerer MUST reject that media stream by setting the port
///   to zero"), listing the first offered format.
/// - Otherwise the answer lists the offered payload types whose codec
///   (from `a=rtpmap`, or RFC 3551 for a static type without one) this end
///   supports, in the offer's order, under the offer's numbers: §6.1 says
///   "that same payload type number SHOULD be used" (a SHOULD: RFC 4317
///   §2.3 answers iLBC offered as 97 with 99, which stays legal, but keeping
///   the number avoids asymmetric mappings). Each gets an `a=rtpmap` ("the
///   answer MUST contain rtpmap attributes to define the payload type
///   mappings for dynamic payload types, and SHOULD contain mappings for
///   static payload types"), and the local `a=fmtp` if any.
/// - The direction is [`Direction::answer_to`] of the offered one and the
///   local preference; `a=mid` is echoed.
///
/// The answer has the `t=` lines of the offer (§6: "The "t=" line in the
/// answer MUST equal that of the offer"), the origin and connection of
/// `local`. Format parameters are not negotiated (an `fmtp` does not stop
/// two codecs from matching).
///
/// # Errors
///
/// [`OfferAnswerError::Sdp`] when an offered `a=rtpmap` is malformed.
pub fn answer(offer: &Sdp<'_>, local: &Capabilities) -> Result<Sdp<'static>, OfferAnswerError> {
    let mut sdp = local.session();
    sdp.times.clone_from(&offer.times);
    sdp.media.reserve_exact(offer.media.len());
    // How many streams of each capability were accepted so far.
    let mut used = vec![0u16; local.media.len()];
    for offered in &offer.media {
        let answered = match answer_media(offer, offered, local, &mut used)? {
            Some(media) => media,
            None => refuse(offered),
        };
        sdp.media.push(answered);
    }
    Ok(sdp)
}

fn answer_media(
    offer: &Sdp<'_>,
    offered: &Media<'_>,
    local: &Capabilities,
    used: &mut [u16],
) -> Result<Option<Media<'static>>, SdpError> {
    if offered.is_disabled() || !offered.is_rtp() {
        return Ok(None);
    }
    // The first capability for this media type and transport that shares a
    // codec with the offer.
    let mut chosen = None;
    for (index, cap) in local
        .media
        .iter()
        .enumerate()
        .filter(|(_, c)| c.accepts(offered))
    {
        let mut common: Vec<(RtpMap<'_>, &Codec)> = Vec::new();
        for pt in offered.payload_types() {
            let Some(map) = offered.codec(pt)? else {
                // A dynamic payload type without an rtpmap names no codec.
                continue;
            };
            if let Some(codec) = cap.codecs.iter().find(|c| c.matches(&map)) {
                common.push((map, codec));
            }
        }
        if !common.is_empty() {
            chosen = Some((index, cap, common));
            break;
        }
    }
    let Some((index, cap, common)) = chosen else {
        return Ok(None);
    };
    let Some(port) = used
        .get(index)
        .and_then(|k| cap.port.checked_add(k.checked_mul(2)?))
    else {
        return Ok(None);
    };
    if let Some(k) = used.get_mut(index) {
        *k += 1;
    }
    let mut media = Media::new(offered.media.to_string(), port, offered.proto.to_string());
    media.connections.extend(cap.connection.clone());
    for (map, codec) in &common {
        media.add_codec(*map, codec.fmtp.as_deref());
    }
    if let Some(mid) = offered.mid() {
        media.push_attribute(Attribute::new("mid", mid.to_owned()));
    }
    let direction = Direction::answer_to(offer.media_direction(offered), cap.direction);
    finish_media(&mut media, cap, direction);
    Ok(Some(media))
}

/// A refused stream: port 0, the offer's media type and transport, and its
/// first format with that format's `a=rtpmap` (as RFC 4317 §2.2 writes it).
fn refuse(offered: &Media<'_>) -> Media<'static> {
    let mut media = Media::new(offered.media.to_string(), 0, offered.proto.to_string());
    if let Some(first) = offered.formats().next() {
        media.push_format(first);
        let rtpmap = offered
            .attributes_named("rtpmap")
            .find(|a| a.value.as_deref().and_then(|v| v.split(' ').next()) == Some(first));
        if let Some(rtpmap) = rtpmap {
            media.push_attribute(rtpmap.clone().into_owned());
        }
    }
    media
}

/// Checks that `answer` is a legal answer to `offer`
/// ([RFC 3264 §6](https://www.rfc-editor.org/rfc/rfc3264#section-6) and
/// §8.2): the same number of `m=` lines, the same `t=`, the same media
/// types, port 0 where the offer had port 0, and directions §6.1 allows.
///
/// # Errors
///
/// The first rule broken, as an [`OfferAnswerError`].
pub fn check_answer(offer: &Sdp<'_>, answer: &Sdp<'_>) -> Result<(), OfferAnswerError> {
    // §6: "The answer MUST contain exactly the same number of "m=" lines as
    // the offer."
    if offer.media.len() != answer.media.len() {
        return Err(OfferAnswerError::MediaCountMismatch {
            offered: offer.media.len(),
            answered: answer.media.len(),
        });
    }
    if offer.times != answer.times {
        return Err(OfferAnswerError::TimingMismatch);
    }
    for (index, (o, a)) in offer.media.iter().zip(&answer.media).enumerate() {
        if !o.media.eq_ignore_ascii_case(&a.media) {
            return Err(OfferAnswerError::MediaTypeMismatch { index });
        }
        if a.is_disabled() {
            continue;
        }
        if o.is_disabled() {
            return Err(OfferAnswerError::DisabledStreamAccepted { index });
        }
        let offered = offer.media_direction(o);
        let answered = answer.media_direction(a);
        if !Direction::allows_answer(offered, answered) {
            return Err(OfferAnswerError::IllegalDirection {
                index,
                offered,
                answered,
            });
        }
    }
    Ok(())
}

/// Checks that `new` is a legal successor of `previous`, the last
/// description the same party sent
/// ([RFC 3264 §8](https://www.rfc-editor.org/rfc/rfc3264#section-8)).
///
/// "When issuing an offer that modifies the session, the "o=" line of the
/// new SDP MUST be identical to that in the previous SDP, except that the
/// version in the origin field MUST increment by one from the previous SDP.
/// If the version in the origin line does not increment, the SDP MUST be
/// identical to the SDP with that version number." Also: "the new SDP MUST
/// have at least N "m=" lines", and a dynamic payload type keeps its codec
/// in a stream that stays enabled (§8.3.2).
///
/// # Errors
///
/// [`OfferAnswerError::OriginChanged`],
/// [`OfferAnswerError::VersionNotIncremented`],
/// [`OfferAnswerError::MediaRemoved`] or
/// [`OfferAnswerError::PayloadTypeRemapped`].
pub fn check_modification(previous: &Sdp<'_>, new: &Sdp<'_>) -> Result<(), OfferAnswerError> {
    let (p, n) = (&previous.origin, &new.origin);
    if p.username != n.username
        || p.session_id != n.session_id
        || p.nettype != n.nettype
        || p.addrtype != n.addrtype
        || p.unicast_address != n.unicast_address
    {
        return Err(OfferAnswerError::OriginChanged);
    }
    let not_incremented = OfferAnswerError::VersionNotIncremented {
        previous: p.session_version,
        new: n.session_version,
    };
    if n.session_version == p.session_version {
        if previous != new {
            return Err(not_incremented);
        }
        return Ok(());
    }
    if Some(n.session_version) != p.session_version.checked_add(1) {
        return Err(not_incremented);
    }
    if new.media.len() < previous.media.len() {
        return Err(OfferAnswerError::MediaRemoved {
            previous: previous.media.len(),
            new: new.media.len(),
        });
    }
    for (index, (before, after)) in previous.media.iter().zip(&new.media).enumerate() {
        // §8.1 lets a new stream reuse the slot of a disabled one.
        if before.is_disabled() || after.is_disabled() {
            continue;
        }
        for map in after.rtpmaps() {
            let map = map?;
            if map.payload_type < 96 {
                continue;
            }
            if let Some(old) = before.rtpmap(map.payload_type)? {
                if !old.is_codec(map.encoding_name, map.clock_rate, map.channel_count()) {
                    return Err(OfferAnswerError::PayloadTypeRemapped {
                        index,
                        payload_type: map.payload_type,
                    });
                }
            }
        }
    }
    Ok(())
}

impl Sdp<'_> {
    /// The starting point of a modified offer
    /// ([RFC 3264 §8](https://www.rfc-editor.org/rfc/rfc3264#section-8)):
    /// this description, owned, with the origin's version incremented by
    /// one (saturating at `u64::MAX`). Edit it (ports, `c=`, codecs,
    /// directions, new `m=` lines at the end), then send it.
    pub fn next_version(&self) -> Sdp<'static> {
        let mut next = self.to_owned_sdp();
        next.origin.session_version = next.origin.session_version.saturating_add(1);
        next
    }

    /// Puts every enabled stream on hold
    /// ([RFC 3264 §8.4](https://www.rfc-editor.org/rfc/rfc3264#section-8.4)):
    /// each gets [`Direction::held`] of the direction it had.
    pub fn hold(&mut self) {
        let session = self.direction();
        self.attributes.retain(|a| a.direction().is_none());
        for media in self.media.iter_mut().filter(|m| !m.is_disabled()) {
            let current = media.direction().or(session).unwrap_or_default();
            media.set_direction(current.held());
        }
    }

    /// Takes every enabled stream off hold: sets `direction` on each. For
    /// [`Direction::SendRecv`], the default, the direction attributes are
    /// removed instead (as RFC 4317 §3.1 writes its resuming offer).
    pub fn resume(&mut self, direction: Direction) {
        self.attributes.retain(|a| a.direction().is_none());
        for media in self.media.iter_mut().filter(|m| !m.is_disabled()) {
            if direction == Direction::SendRecv {
                media.attributes.retain(|a| a.direction().is_none());
            } else {
                media.set_direction(direction);
            }
        }
    }

    /// Moves the media to a new address (a mobility hand-off, or RFC 4317
    /// §2.5's "Bob changes his address for media"): the session `c=` is
    /// replaced and media-level `c=` lines removed, so that all streams use
    /// `connection` (RFC 3264 §8.3.1: "To change the IP address where media
    /// is sent to, the same procedure is followed for changing the port
    /// number").
    pub fn set_connection(&mut self, connection: Connection<'static>) {
        self.connection = Some(connection);
        for media in &mut self.media {
            media.connections.clear();
        }
    }
}

/// A codec both ends listed for a stream.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NegotiatedCodec {
    /// The encoding name, as the answer spells it.
    pub encoding_name: String,
    /// The clock rate.
    pub clock_rate: u32,
    /// The channel count.
    pub channels: u16,
    /// Its payload type in the offer: what the answerer sends with.
    pub offer_payload_type: u8,
    /// Its payload type in the answer: what the offerer sends with.
    pub answer_payload_type: u8,
}

/// What one `m=` line of an offer/answer exchange settled on.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NegotiatedStream {
    /// The media type.
    pub media: String,
    /// Whether both ports are non-zero.
    pub accepted: bool,
    /// The offerer's address (its media or session `c=`), if any.
    pub offerer_address: Option<String>,
    /// The offerer's port.
    pub offerer_port: u16,
    /// The answerer's address, if any.
    pub answerer_address: Option<String>,
    /// The answerer's port.
    pub answerer_port: u16,
    /// The offerer's direction.
    pub offerer_direction: Direction,
    /// The answerer's direction.
    pub answerer_direction: Direction,
    /// The codecs of the answer that the offer also listed, in the answer's
    /// order (§6.1: the answerer "MUST NOT send using any formats that are
    /// not in the offer"); empty for a refused stream.
    pub codecs: Vec<NegotiatedCodec>,
}

/// Reads what `offer` and `answer` settled on, stream by stream.
///
/// # Errors
///
/// [`OfferAnswerError::MediaCountMismatch`] when the `m=` lines do not
/// pair up, [`OfferAnswerError::Sdp`] on a malformed `a=rtpmap`.
pub fn negotiated(
    offer: &Sdp<'_>,
    answer: &Sdp<'_>,
) -> Result<Vec<NegotiatedStream>, OfferAnswerError> {
    if offer.media.len() != answer.media.len() {
        return Err(OfferAnswerError::MediaCountMismatch {
            offered: offer.media.len(),
            answered: answer.media.len(),
        });
    }
    let mut streams = Vec::with_capacity(offer.media.len());
    for (o, a) in offer.media.iter().zip(&answer.media) {
        let accepted = !o.is_disabled() && !a.is_disabled();
        let mut codecs = Vec::new();
        if accepted {
            for apt in a.payload_types() {
                let Some(map) = a.codec(apt)? else { continue };
                // The offer's number for the same codec, the same number
                // first.
                let mut opt = None;
                for pt in o.payload_types() {
                    if o.codec(pt)?.is_some_and(|m| {
                        m.is_codec(map.encoding_name, map.clock_rate, map.channel_count())
                    }) {
                        if pt == apt || opt.is_none() {
                            opt = Some(pt);
                        }
                        if pt == apt {
                            break;
                        }
                    }
                }
                if let Some(opt) = opt {
                    codecs.push(NegotiatedCodec {
                        encoding_name: map.encoding_name.to_owned(),
                        clock_rate: map.clock_rate,
                        channels: map.channel_count(),
                        offer_payload_type: opt,
                        answer_payload_type: apt,
                    });
                }
            }
        }
        streams.push(NegotiatedStream {
            media: a.media.to_string(),
            accepted,
            offerer_address: offer.media_connection(o).map(|c| c.address.to_string()),
            offerer_port: o.port,
            answerer_address: answer.media_connection(a).map(|c| c.address.to_string()),
            answerer_port: a.port,
            offerer_direction: offer.media_direction(o),
            answerer_direction: answer.media_direction(a),
            codecs,
        });
    }
    Ok(streams)
}
