//! The owned RTP header, which writes packets.

use super::*;

/// The owned form of an RTP header, which writes packets.
///
/// The version is always 2 and the P, X and CC bits follow from `padding`,
/// `extension` and `csrcs`.
///
/// ```
/// use sipmob_rtp::packet::{RtpHeader, RtpPacket};
///
/// let header = RtpHeader::new(0, 1000, 160, 0x1234_5678)
///     .with_marker(true)
///     .with_extension_element(1, &[0x30]);
/// let bytes = header.to_bytes(&[0xFF; 160]).unwrap();
/// let packet = RtpPacket::parse(&bytes[..]).unwrap();
/// assert_eq!(packet.sequence_number(), 1000);
/// assert_eq!(packet.extension().unwrap().get(1), Some(&[0x30][..]));
/// assert_eq!(packet.to_owned_header(), header);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct RtpHeader {
    /// The M bit.
    pub marker: bool,
    /// The payload type, 0..=127.
    pub payload_type: u8,
    /// The sequence number.
    pub sequence_number: u16,
    /// The media timestamp.
    pub timestamp: u32,
    /// The synchronization source.
    pub ssrc: u32,
    /// Contributing sources, at most 15.
    pub csrcs: Vec<u32>,
    /// The header extension, if any (sets X).
    pub extension: Option<HeaderExtension>,
    /// Padding octets to append after the payload, the count octet included;
    /// 0 for none (clears P).
    pub padding: u8,
}

impl RtpHeader {
    /// A header with no marker, CSRCs, extension or padding.
    pub fn new(payload_type: u8, sequence_number: u16, timestamp: u32, ssrc: u32) -> Self {
        Self {
            payload_type,
            sequence_number,
            timestamp,
            ssrc,
            ..Self::default()
        }
    }

    /// Sets the M bit.
    #[must_use]
    pub fn with_marker(mut self, marker: bool) -> Self {
        self.marker = marker;
        self
    }

    /// Appends a CSRC.
    #[must_use]
    pub fn with_csrc(mut self, csrc: u32) -> Self {
        self.csrcs.push(csrc);
        self
    }

    /// Appends an RFC 8285 element, replacing a [`HeaderExtension::Raw`]
    /// extension if there was one.
    #[must_use]
    pub fn with_extension_element(mut self, id: u8, data: &[u8]) -> Self {
        let element = ExtensionElementBuf::new(id, data);
        match &mut self.extension {
            Some(HeaderExtension::Elements(elements)) => elements.push(element),
            _ => self.extension = Some(HeaderExtension::Elements(vec![element])),
        }
        self
    }

    /// Sets the padding length (count octet included, 0 for none).
    #[must_use]
    pub fn with_padding(mut self, padding: u8) -> Self {
        self.padding = padding;
        self
    }

    /// Checks the fields and returns the extension's profile and unpadded
    /// data length.
    fn validate(&self) -> Result<Option<(u16, usize)>, WriteError> {
        if self.payload_type > 0x7F {
            return Err(WriteError::PayloadTypeOutOfRange(self.payload_type));
        }
        if self.csrcs.len() > MAX_CSRCS {
            return Err(WriteError::TooManyCsrcs(self.csrcs.len()));
        }
        self.extension
            .as_ref()
            .map(HeaderExtension::plan)
            .transpose()
    }

    /// The length of the header this writes: fixed part, CSRCs, extension.
    ///
    /// # Errors
    ///
    /// As [`write_to`](Self::write_to).
    pub fn header_len(&self) -> Result<usize, WriteError> {
        let ext = self.validate()?;
        Ok(FIXED_HEADER_LEN
            + 4 * self.csrcs.len()
            + ext.map_or(0, |(_, len)| 4 + len.div_ceil(4) * 4))
    }

    /// Appends a packet with this header, `payload` and the padding to
    /// `out`, and returns how many bytes it appended.
    ///
    /// # Errors
    ///
    /// [`WriteError`] when a field does not fit its wire format; `out` is
    /// then unchanged.
    pub fn write_to(&self, payload: &[u8], out: &mut Vec<u8>) -> Result<usize, WriteError> {
        let ext = self.validate()?;
        let ext_len = ext.map_or(0, |(_, len)| len.div_ceil(4) * 4);
        let total = FIXED_HEADER_LEN
            + 4 * self.csrcs.len()
            + ext.map_or(0, |_| 4 + ext_len)
            + payload.len()
            + usize::from(self.padding);
        let begin = out.len();
        out.reserve(total);

        let b0 = (RTP_VERSION << 6)
            | if self.padding > 0 { PADDING_BIT } else { 0 }
            | if ext.is_some() { EXTENSION_BIT } else { 0 }
            // validate() checked there are at most 15.
            | self.csrcs.len() as u8;
        out.push(b0);
        out.push((u8::from(self.marker) << 7) | self.payload_type);
        out.extend_from_slice(&self.sequence_number.to_be_bytes());
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        for csrc in &self.csrcs {
            out.extend_from_slice(&csrc.to_be_bytes());
        }
        if let (Some((profile, _)), Some(extension)) = (ext, &self.extension) {
            out.extend_from_slice(&profile.to_be_bytes());
            // plan() checked the length fits 16 bits of words.
            out.extend_from_slice(&((ext_len / 4) as u16).to_be_bytes());
            let data_start = out.len();
            match extension {
                HeaderExtension::Raw { data, .. } => out.extend_from_slice(data),
                HeaderExtension::Elements(elements) => {
                    let one_byte = profile == ONE_BYTE_PROFILE;
                    for e in elements {
                        // plan() checked 1..=16 bytes for one-byte, <= 255.
                        let len = e.data.len() as u8;
                        if one_byte {
                            out.push((e.id << 4) | (len - 1));
                        } else {
                            out.extend_from_slice(&[e.id, len]);
                        }
                        out.extend_from_slice(&e.data);
                    }
                }
            }
            // RFC 8285 §4.1.2: padding bytes "MUST be placed after the last
            // extension element, if needed, to pad to a 32-bit boundary".
            out.resize(data_start + ext_len, 0);
        }
        out.extend_from_slice(payload);
        if self.padding > 0 {
            // RFC 3550 §5.1: the last octet counts the padding, itself
            // included.
            out.resize(out.len() + usize::from(self.padding) - 1, 0);
            out.push(self.padding);
        }
        debug_assert_eq!(out.len() - begin, total);
        Ok(total)
    }

    /// Writes a packet with this header and `payload` into a new `Vec`.
    ///
    /// # Errors
    ///
    /// As [`write_to`](Self::write_to).
    pub fn to_bytes(&self, payload: &[u8]) -> Result<Vec<u8>, WriteError> {
        let mut out = Vec::new();
        self.write_to(payload, &mut out)?;
        Ok(out)
    }
}
