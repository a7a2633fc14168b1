//! [`Sdp`]: a whole session description.

use std::borrow::Cow;
use std::str::FromStr;

use super::attrs::{parse_milliseconds, Direction};
use super::error::{SdpError, SdpErrorKind};
use super::fields::{own, Attribute, Bandwidth, Connection, Origin, Timing, UnknownLine};
use super::media::Media;

/// A session description
/// ([RFC 8866](https://www.rfc-editor.org/rfc/rfc8866)), lossless: every
/// line is kept, attributes in order, unknown lines in place, so that
/// [`Sdp::parse`] then [`Sdp::write_to`] gives the same description back
/// (with CRLF line ends).
///
/// Text fields are `Cow<'a, str>`: a parsed description borrows every field
/// from the input, and one built or edited in code owns what it changed.
/// [`into_owned`](Self::into_owned) turns either into an `Sdp<'static>`.
///
/// ```
/// use sipmob_rtp::sdp::{Direction, Sdp};
///
/// let text = "v=0\r\n\
///     o=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com\r\n\
///     s= \r\n\
///     c=IN IP4 host.atlanta.example.com\r\n\
///     t=0 0\r\n\
///     m=audio 49170 RTP/AVP 0 8 97\r\n\
///     a=rtpmap:0 PCMU/8000\r\n\
///     a=rtpmap:8 PCMA/8000\r\n\
///     a=rtpmap:97 iLBC/8000\r\n";
/// let sdp = Sdp::parse(text)?;
/// let audio = &sdp.media[0];
/// assert_eq!(audio.port, 49170);
/// assert_eq!(audio.payload_types().collect::<Vec<_>>(), [0, 8, 97]);
/// assert_eq!(audio.rtpmap(97)?.unwrap().encoding_name, "iLBC");
/// assert_eq!(sdp.media_direction(audio), Direction::SendRecv);
/// assert_eq!(sdp.to_string(), text);
/// # Ok::<(), sipmob_rtp::sdp::SdpError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Sdp<'a> {
    /// `o=`. (`v=` is always `0` and is not stored.)
    pub origin: Origin<'a>,
    /// `s=`: the session name.
    pub session_name: Cow<'a, str>,
    /// `i=`: session information.
    pub information: Option<Cow<'a, str>>,
    /// `u=`: a URI.
    pub uri: Option<Cow<'a, str>>,
    /// `e=` lines.
    pub emails: Vec<Cow<'a, str>>,
    /// `p=` lines.
    pub phones: Vec<Cow<'a, str>>,
    /// The session-level `c=`, the default for media without one.
    pub connection: Option<Connection<'a>>,
    /// Session-level `b=` lines.
    pub bandwidths: Vec<Bandwidth<'a>>,
    /// The time descriptions (`t=`, `r=`, `z=`); at least one.
    pub times: Vec<Timing>,
    /// The obsolete session-level `k=`, kept as text.
    pub key: Option<Cow<'a, str>>,
    /// Session-level `a=` lines, in order.
    pub attributes: Vec<Attribute<'a>>,
    /// The media descriptions, in order.
    pub media: Vec<Media<'a>>,
    /// Session-level lines of unknown type, in place.
    pub unknown: Vec<UnknownLine<'a>>,
}

impl<'a> Sdp<'a> {
    /// A description with `origin`, `session_name`, `t=0 0` and nothing
    /// else.
    pub fn new(origin: Origin<'a>, session_name: impl Into<Cow<'a, str>>) -> Self {
        Self {
            origin,
            session_name: session_name.into(),
            information: None,
            uri: None,
            emails: Vec::new(),
            phones: Vec::new(),
            connection: None,
            bandwidths: Vec::new(),
            times: vec![Timing::permanent()],
            key: None,
            attributes: Vec::new(),
            media: Vec::new(),
            unknown: Vec::new(),
        }
    }

    /// Parses a session description, borrowing every field from `text`.
    ///
    /// One pass over the lines; attributes are stored as text and typed on
    /// request. Lines may end in CRLF or a bare LF (RFC 8866 §5: "parsers
    /// SHOULD be tolerant and also accept lines terminated with a single
    /// newline character").
    ///
    /// # Errors
    ///
    /// [`SdpError`] with the 1-based line number and the kind of fault: a
    /// missing `v=`, `o=`, `s=` or `t=`, a line out of the §5 order, or a
    /// malformed `o=`, `c=`, `b=`, `t=`, `r=`, `z=` or `m=` line.
    pub fn parse(text: &'a str) -> Result<Self, SdpError> {
        super::parse::parse(text)
    }

    /// [`parse`](Self::parse) for bytes, such as a SIP message body.
    ///
    /// # Errors
    ///
    /// [`SdpErrorKind::NotUtf8`] on the line of the first invalid byte, or
    /// any error of [`parse`](Self::parse).
    pub fn parse_bytes(bytes: &'a [u8]) -> Result<Self, SdpError> {
        match std::str::from_utf8(bytes) {
            Ok(text) => Self::parse(text),
            Err(e) => {
                let before = &bytes[..e.valid_up_to()];
                let line = before.iter().filter(|b| **b == b'\n').count() + 1;
                Err(SdpError::new(
                    u32::try_from(line).unwrap_or(u32::MAX),
                    SdpErrorKind::NotUtf8,
                ))
            }
        }
    }

    /// The first session-level attribute called `name`.
    pub fn attribute(&self, name: &str) -> Option<&Attribute<'a>> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// The session-level direction attribute, if any.
    pub fn direction(&self) -> Option<Direction> {
        self.attributes.iter().rev().find_map(Attribute::direction)
    }

    /// The direction that applies to `media`: its own direction attribute,
    /// else the session-level one, else `sendrecv` (RFC 8866 §6.7: the
    /// session-level attribute applies to media without one; RFC 3264 §6.1:
    /// "if there is no direction attribute at the media or session level
    /// [...] the stream is sendrecv by default").
    pub fn media_direction(&self, media: &Media<'_>) -> Direction {
        media
            .direction()
            .or_else(|| self.direction())
            .unwrap_or_default()
    }

    /// The connection that applies to `media`: its first `c=`, else the
    /// session's (RFC 8866 §5.7).
    pub fn media_connection<'s>(&'s self, media: &'s Media<'a>) -> Option<&'s Connection<'a>> {
        media.connections.first().or(self.connection.as_ref())
    }

    /// Sets the direction attribute of every media description (hold is
    /// "an offer with all streams in the SDP indicating a direction of
    /// sendonly", RFC 3264 §8.4) and removes session-level ones, so that
    /// the media-level ones decide.
    pub fn set_direction(&mut self, direction: Direction) {
        self.attributes.retain(|a| a.direction().is_none());
        for media in &mut self.media {
            media.set_direction(direction);
        }
    }

    /// Parses every typed attribute this crate knows (`rtpmap`, `fmtp`,
    /// `ptime`, `maxptime`, `rtcp`), at session and media level, to refuse
    /// a description with a malformed one up front instead of on access.
    ///
    /// # Errors
    ///
    /// The first malformed attribute, with its line.
    pub fn check_attributes(&self) -> Result<(), SdpError> {
        let all = self
            .attributes
            .iter()
            .chain(self.media.iter().flat_map(|m| m.attributes.iter()));
        for a in all {
            a.rtpmap()?;
            a.fmtp()?;
            a.rtcp()?;
            let kind = match &*a.name {
                "ptime" => SdpErrorKind::BadPtime,
                "maxptime" => SdpErrorKind::BadMaxptime,
                _ => continue,
            };
            if a.value.as_deref().and_then(parse_milliseconds).is_none() {
                return Err(SdpError::new(a.line, kind));
            }
        }
        Ok(())
    }

    /// The same description, owning all its text.
    pub fn into_owned(self) -> Sdp<'static> {
        Sdp {
            origin: self.origin.into_owned(),
            session_name: own(self.session_name),
            information: self.information.map(own),
            uri: self.uri.map(own),
            emails: self.emails.into_iter().map(own).collect(),
            phones: self.phones.into_iter().map(own).collect(),
            connection: self.connection.map(Connection::into_owned),
            bandwidths: self
                .bandwidths
                .into_iter()
                .map(Bandwidth::into_owned)
                .collect(),
            times: self.times,
            key: self.key.map(own),
            attributes: self
                .attributes
                .into_iter()
                .map(Attribute::into_owned)
                .collect(),
            media: self.media.into_iter().map(Media::into_owned).collect(),
            unknown: self
                .unknown
                .into_iter()
                .map(UnknownLine::into_owned)
                .collect(),
        }
    }

    /// An owned copy of this description.
    pub fn to_owned_sdp(&self) -> Sdp<'static> {
        self.clone().into_owned()
    }
}

impl FromStr for Sdp<'static> {
    type Err = SdpError;

    /// Parses and takes ownership of the text.
    fn from_str(s: &str) -> Result<Self, SdpError> {
        Sdp::parse(s).map(Sdp::into_owned)
    }
}
