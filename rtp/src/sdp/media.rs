//! A media description: the `m=` line and the `i=`, `c=`, `b=`, `k=` and
//! `a=` lines under it.

use std::borrow::Cow;

use super::attrs::{
    digits, parse_milliseconds, static_payload_type, Direction, Fmtp, Rtcp, RtpMap,
};
use super::error::{SdpError, SdpErrorKind};
use super::fields::{own, AttrKind, Attribute, Bandwidth, Connection, UnknownLine};

/// A media description
/// ([RFC 8866 §5.14](https://www.rfc-editor.org/rfc/rfc8866#section-5.14)):
/// `m=<media> <port>[/<number of ports>] <proto> <fmt> ...` and the lines
/// that follow it up to the next `m=`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Media<'a> {
    /// The media type: `audio`, `video`, `text`, `application`, `message`,
    /// `image`...
    pub media: Cow<'a, str>,
    /// The transport port; 0 disables the stream
    /// ([RFC 3264 §8.2](https://www.rfc-editor.org/rfc/rfc3264#section-8.2)).
    pub port: u16,
    /// The `/<number of ports>` of hierarchical encodings, when given.
    pub port_count: Option<u16>,
    /// The transport protocol: `RTP/AVP`, `RTP/SAVP`, `UDP/TLS/RTP/SAVPF`...
    pub proto: Cow<'a, str>,
    /// The formats as written after the proto, separated by spaces (for RTP,
    /// payload type numbers in order of preference). Read them with
    /// [`formats`](Self::formats).
    pub formats: Cow<'a, str>,
    /// The media title (`i=`).
    pub title: Option<Cow<'a, str>>,
    /// The `c=` lines (more than one only for layered multicast).
    pub connections: Vec<Connection<'a>>,
    /// The `b=` lines.
    pub bandwidths: Vec<Bandwidth<'a>>,
    /// The obsolete `k=` line, kept as text.
    pub key: Option<Cow<'a, str>>,
    /// The `a=` lines, in order.
    pub attributes: Vec<Attribute<'a>>,
    /// Lines of unknown type, in place.
    pub unknown: Vec<UnknownLine<'a>>,
}

impl<'a> Media<'a> {
    /// A media description with no formats or attributes yet.
    pub fn new(media: impl Into<Cow<'a, str>>, port: u16, proto: impl Into<Cow<'a, str>>) -> Self {
        Self {
            media: media.into(),
            port,
            port_count: None,
            proto: proto.into(),
            formats: Cow::Borrowed(""),
            title: None,
            connections: Vec::new(),
            bandwidths: Vec::new(),
            key: None,
            attributes: Vec::new(),
            unknown: Vec::new(),
        }
    }

    /// The formats of the `m=` line, in order.
    pub fn formats(&self) -> impl Iterator<Item = &str> + '_ {
        Formats {
            rest: &self.formats,
        }
    }

    /// The formats that are RTP payload type numbers, in order.
    pub fn payload_types(&self) -> impl Iterator<Item = u8> + '_ {
        self.formats().filter_map(|f| {
            digits(f)
                .and_then(|n| u8::try_from(n).ok())
                .filter(|pt| *pt <= 127)
        })
    }

    /// Whether the `m=` line lists `format`.
    pub fn has_format(&self, format: &str) -> bool {
        self.formats().any(|f| f == format)
    }

    /// Whether the transport is RTP (`RTP/AVP`, `RTP/SAVPF`,
    /// `UDP/TLS/RTP/SAVPF`...), so that the formats are payload types.
    pub fn is_rtp(&self) -> bool {
        self.proto.split('/').any(|p| p.eq_ignore_ascii_case("RTP"))
    }

    /// Whether the port is 0: the stream is disabled or refused.
    pub fn is_disabled(&self) -> bool {
        self.port == 0
    }

    /// The first attribute called `name`.
    pub fn attribute(&self, name: &str) -> Option<&Attribute<'a>> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// The attributes called `name`, in order.
    pub fn attributes_named<'s>(
        &'s self,
        name: &'s str,
    ) -> impl Iterator<Item = &'s Attribute<'a>> + 's {
        self.attributes.iter().filter(move |a| a.name == name)
    }

    /// The value of the first attribute called `name` (`None` for a property
    /// attribute or when absent).
    pub fn attribute_value(&self, name: &str) -> Option<&str> {
        self.attribute(name)?.value.as_deref()
    }

    /// The media-level direction attribute (the last one, if several), or
    /// `None` when there is none and the session level decides (see
    /// [`Sdp::media_direction`](super::Sdp::media_direction)).
    pub fn direction(&self) -> Option<Direction> {
        self.attributes.iter().rev().find_map(Attribute::direction)
    }

    /// The `a=rtpmap` lines, typed, in order.
    pub fn rtpmaps(&self) -> impl Iterator<Item = Result<RtpMap<'_>, SdpError>> + '_ {
        self.attributes
            .iter()
            .filter_map(|a| a.rtpmap().transpose())
    }

    /// The `a=rtpmap` of payload type `pt`.
    ///
    /// # Errors
    ///
    /// [`SdpErrorKind::BadRtpmap`] when an `rtpmap` line does not parse.
    pub fn rtpmap(&self, pt: u8) -> Result<Option<RtpMap<'_>>, SdpError> {
        for map in self.rtpmaps() {
            let map = map?;
            if map.payload_type == pt {
                return Ok(Some(map));
            }
        }
        Ok(None)
    }

    /// The codec payload type `pt` stands for: its `a=rtpmap`, or for a
    /// static payload type without one the RFC 3551 mapping.
    ///
    /// # Errors
    ///
    /// [`SdpErrorKind::BadRtpmap`] when an `rtpmap` line does not parse.
    pub fn codec(&self, pt: u8) -> Result<Option<RtpMap<'_>>, SdpError> {
        Ok(self.rtpmap(pt)?.or_else(|| static_payload_type(pt)))
    }

    /// The `a=fmtp` lines, typed, in order.
    pub fn fmtps(&self) -> impl Iterator<Item = Result<Fmtp<'_>, SdpError>> + '_ {
        self.attributes.iter().filter_map(|a| a.fmtp().transpose())
    }

    /// The `a=fmtp` of `format` (for RTP, a payload type number).
    ///
    /// # Errors
    ///
    /// [`SdpErrorKind::BadFmtp`] when an `fmtp` line does not parse.
    pub fn fmtp(&self, format: &str) -> Result<Option<Fmtp<'_>>, SdpError> {
        for fmtp in self.fmtps() {
            let fmtp = fmtp?;
            if fmtp.format == format {
                return Ok(Some(fmtp));
            }
        }
        Ok(None)
    }

    /// `a=ptime`: the packet time in milliseconds
    /// ([RFC 8866 §6.4](https://www.rfc-editor.org/rfc/rfc8866#section-6.4);
    /// the grammar allows a fraction).
    ///
    /// # Errors
    ///
    /// [`SdpErrorKind::BadPtime`] when the value is not a positive number.
    pub fn ptime(&self) -> Result<Option<f64>, SdpError> {
        self.milliseconds(AttrKind::Ptime, SdpErrorKind::BadPtime)
    }

    /// `a=maxptime`: the longest packet time in milliseconds
    /// ([RFC 8866 §6.5](https://www.rfc-editor.org/rfc/rfc8866#section-6.5)).
    ///
    /// # Errors
    ///
    /// [`SdpErrorKind::BadMaxptime`] when the value is not a positive number.
    pub fn maxptime(&self) -> Result<Option<f64>, SdpError> {
        self.milliseconds(AttrKind::Maxptime, SdpErrorKind::BadMaxptime)
    }

    /// The first attribute of kind `kind`.
    #[inline]
    fn first(&self, kind: AttrKind) -> Option<&Attribute<'a>> {
        self.attributes.iter().find(|a| a.kind == kind)
    }

    fn milliseconds(&self, name: AttrKind, kind: SdpErrorKind) -> Result<Option<f64>, SdpError> {
        let Some(a) = self.first(name) else {
            return Ok(None);
        };
        match a.value.as_deref().and_then(parse_milliseconds) {
            Some(ms) => Ok(Some(ms)),
            None => Err(SdpError::new(a.line, kind)),
        }
    }

    /// `a=rtcp` ([RFC 3605](https://www.rfc-editor.org/rfc/rfc3605)): the
    /// RTCP port and address when they are not the RTP port plus one.
    ///
    /// # Errors
    ///
    /// [`SdpErrorKind::BadRtcp`] when the value does not parse.
    pub fn rtcp(&self) -> Result<Option<Rtcp<'_>>, SdpError> {
        match self.first(AttrKind::Rtcp) {
            Some(a) => a.rtcp(),
            None => Ok(None),
        }
    }

    /// `a=mid` ([RFC 5888 §4](https://www.rfc-editor.org/rfc/rfc5888#section-4)):
    /// the media stream's identification tag.
    pub fn mid(&self) -> Option<&str> {
        self.first(AttrKind::Mid)?.value.as_deref()
    }

    /// Appends an attribute.
    pub fn push_attribute(&mut self, attribute: Attribute<'a>) {
        self.attributes.push(attribute);
    }

    /// Appends a format to the `m=` line.
    pub fn push_format(&mut self, format: &str) {
        let formats = self.formats.to_mut();
        if !formats.is_empty() {
            formats.push(' ');
        }
        formats.push_str(format);
    }

    /// Replaces the media-level direction attributes with `direction`
    /// (written in place of the first one, or appended).
    pub fn set_direction(&mut self, direction: Direction) {
        let mut at = None;
        let mut i = 0;
        self.attributes.retain(|a| {
            let keep = a.direction().is_none();
            if !keep && at.is_none() {
                at = Some(i);
            }
            i += 1;
            keep
        });
        let attribute = Attribute::property(direction.as_str());
        match at {
            // Removing the ones before `at` did not shift it: it is the first.
            Some(at) => self.attributes.insert(at, attribute),
            None => self.attributes.push(attribute),
        }
    }

    /// Adds an RTP payload type to the `m=` line with its `a=rtpmap` and,
    /// when given, `a=fmtp` (RFC 3264 §8.3.2, adding a codec).
    pub fn add_codec(&mut self, map: RtpMap<'_>, fmtp: Option<&str>) {
        let pt = map.payload_type.to_string();
        self.push_format(&pt);
        let rtpmap = Attribute::new("rtpmap", map.to_string());
        // Keep the rtpmap lines together, after the last one.
        let at = self
            .attributes
            .iter()
            .rposition(|a| matches!(a.kind, AttrKind::Rtpmap | AttrKind::Fmtp))
            .map_or(self.attributes.len(), |i| i + 1);
        self.attributes.insert(at, rtpmap);
        if let Some(parameters) = fmtp {
            self.attributes
                .insert(at + 1, Attribute::new("fmtp", format!("{pt} {parameters}")));
        }
    }

    /// Keeps only the formats `keep` accepts, with the `a=rtpmap` and
    /// `a=fmtp` lines of the others removed (RFC 3264 §8.3.2, removing
    /// codecs).
    pub fn retain_formats(&mut self, mut keep: impl FnMut(&str) -> bool) {
        let kept: Vec<&str> = self.formats().filter(|f| keep(f)).collect();
        let removed: Vec<String> = self
            .formats()
            .filter(|f| !kept.contains(f))
            .map(str::to_owned)
            .collect();
        let joined = kept.join(" ");
        self.formats = Cow::Owned(joined);
        self.attributes.retain(|a| {
            if !matches!(a.kind, AttrKind::Rtpmap | AttrKind::Fmtp) {
                return true;
            }
            let format = a
                .value
                .as_deref()
                .and_then(|v| v.split(' ').next())
                .unwrap_or("");
            !removed.iter().any(|r| r == format)
        });
    }

    /// Removes one format (and its `a=rtpmap`/`a=fmtp`).
    pub fn remove_format(&mut self, format: &str) {
        self.retain_formats(|f| f != format);
    }

    /// Disables the stream: port 0
    /// ([RFC 3264 §8.2](https://www.rfc-editor.org/rfc/rfc3264#section-8.2):
    /// "Existing media streams are removed by creating a new SDP with the
    /// port number for that stream set to zero").
    pub fn disable(&mut self) {
        self.port = 0;
    }

    /// The same media description, owning its text.
    pub fn into_owned(self) -> Media<'static> {
        Media {
            media: own(self.media),
            port: self.port,
            port_count: self.port_count,
            proto: own(self.proto),
            formats: own(self.formats),
            title: self.title.map(own),
            connections: self
                .connections
                .into_iter()
                .map(Connection::into_owned)
                .collect(),
            bandwidths: self
                .bandwidths
                .into_iter()
                .map(Bandwidth::into_owned)
                .collect(),
            key: self.key.map(own),
            attributes: self
                .attributes
                .into_iter()
                .map(Attribute::into_owned)
                .collect(),
            unknown: self
                .unknown
                .into_iter()
                .map(UnknownLine::into_owned)
                .collect(),
        }
    }
}

/// The space-separated formats of an `m=` line, split with a byte loop.
struct Formats<'s> {
    rest: &'s str,
}

impl<'s> Iterator for Formats<'s> {
    type Item = &'s str;

    #[inline]
    fn next(&mut self) -> Option<&'s str> {
        let rest = self.rest.trim_start_matches(' ');
        if rest.is_empty() {
            self.rest = rest;
            return None;
        }
        let end = rest.bytes().position(|b| b == b' ').unwrap_or(rest.len());
        self.rest = &rest[end..];
        Some(&rest[..end])
    }
}
