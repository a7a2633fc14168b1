//! RFC 8285 header extensions: the borrowed view, its element iterator,
//! and the owned form the writer uses.

use super::*;

/// Which [RFC 8285] layout an extension uses, read from its profile value.
///
/// [RFC 8285]: https://www.rfc-editor.org/rfc/rfc8285
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExtensionForm {
    /// One-byte headers: profile `0xBEDE`, IDs 1-14, 1-16 data bytes.
    OneByte,
    /// Two-byte headers: profile `0x100X`, IDs 1-255, 0-255 data bytes.
    TwoByte {
        /// The low four bits of the profile ("appbits", [RFC 8285 §4.3]),
        /// for the application's use.
        ///
        /// [RFC 8285 §4.3]: https://www.rfc-editor.org/rfc/rfc8285#section-4.3
        appbits: u8,
    },
}

/// A packet's header extension ([RFC 3550 §5.3.1]), borrowed from the packet.
///
/// [RFC 3550 §5.3.1]: https://www.rfc-editor.org/rfc/rfc3550#section-5.3.1
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extension<'a> {
    pub(super) profile: u16,
    pub(super) data: &'a [u8],
    /// Offset of `data` in the packet, for error positions.
    pub(super) offset: usize,
}

impl<'a> Extension<'a> {
    /// The 16-bit "defined by profile" value.
    #[inline]
    pub fn profile(&self) -> u16 {
        self.profile
    }

    /// The extension data after its 4-octet header (a multiple of 4 bytes).
    #[inline]
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// The RFC 8285 form the profile value announces, or `None` for another
    /// profile-specific format.
    #[inline]
    pub fn form(&self) -> Option<ExtensionForm> {
        match self.profile {
            ONE_BYTE_PROFILE => Some(ExtensionForm::OneByte),
            p if p & 0xFFF0 == TWO_BYTE_PROFILE => Some(ExtensionForm::TwoByte {
                appbits: (p & 0x0F) as u8,
            }),
            _ => None,
        }
    }

    /// The RFC 8285 elements, in order. Empty when [`form`](Self::form) is
    /// `None`.
    ///
    /// Padding octets are skipped. In the one-byte form an octet whose ID is
    /// 0 is skipped as one padding octet whatever its length nibble (as
    /// libwebrtc does), and an ID of 15 ends the walk. An element that runs
    /// past the end of the extension is yielded as
    /// [`RtpError::BadExtensionElement`], after which the iterator ends.
    #[inline]
    pub fn elements(&self) -> ExtensionElements<'a> {
        ExtensionElements {
            data: self.data,
            pos: 0,
            base: self.offset,
            form: self.form(),
        }
    }

    /// The data of the first element with ID `id`, if the walk reaches one
    /// before any malformed element.
    #[inline]
    pub fn get(&self, id: u8) -> Option<&'a [u8]> {
        self.elements()
            .map_while(Result::ok)
            .find(|e| e.id == id)
            .map(|e| e.data)
    }

    /// The owned form; see [`RtpPacket::to_owned_header`].
    pub fn to_owned_extension(&self) -> HeaderExtension {
        if matches!(self.profile, ONE_BYTE_PROFILE | TWO_BYTE_PROFILE) {
            let elements: Result<Vec<_>, _> = self
                .elements()
                .map(|e| e.map(|e| ExtensionElementBuf::new(e.id, e.data)))
                .collect();
            if let Ok(elements) = elements {
                return HeaderExtension::Elements(elements);
            }
        }
        HeaderExtension::Raw {
            profile: self.profile,
            data: self.data.to_vec(),
        }
    }
}

/// One RFC 8285 extension element, borrowed from the packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExtensionElement<'a> {
    /// The local identifier (1-14 one-byte, 1-255 two-byte).
    pub id: u8,
    /// The element's data.
    pub data: &'a [u8],
}

/// Iterator over RFC 8285 elements, from [`Extension::elements`].
#[derive(Debug, Clone)]
pub struct ExtensionElements<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
    /// `None` once the walk has ended (or for a non-RFC 8285 profile).
    form: Option<ExtensionForm>,
}

impl<'a> ExtensionElements<'a> {
    #[cold]
    fn malformed(&mut self, at: usize) -> Option<Result<ExtensionElement<'a>, RtpError>> {
        self.form = None;
        Some(Err(RtpError::BadExtensionElement {
            offset: self.base + at,
        }))
    }
}

impl<'a> Iterator for ExtensionElements<'a> {
    type Item = Result<ExtensionElement<'a>, RtpError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let form = self.form?;
        loop {
            let at = self.pos;
            let Some(&first) = self.data.get(at) else {
                self.form = None;
                return None;
            };
            // RFC 8285 §4.1.2: "When a padding byte is found, it is ignored,
            // and the parser moves on to interpreting the next byte."
            let (id, len, start) = match form {
                ExtensionForm::OneByte => {
                    let id = first >> 4;
                    if id == 0 {
                        self.pos += 1;
                        continue;
                    }
                    if id == 15 {
                        // RFC 8285 §4.2: "If the ID value 15 is encountered,
                        // its length field MUST be ignored, processing of the
                        // entire extension MUST terminate at that point".
                        self.form = None;
                        return None;
                    }
                    (id, usize::from(first & 0x0F) + 1, at + 1)
                }
                ExtensionForm::TwoByte { .. } => {
                    if first == 0 {
                        self.pos += 1;
                        continue;
                    }
                    let Some(&len) = self.data.get(at + 1) else {
                        return self.malformed(at);
                    };
                    (first, usize::from(len), at + 2)
                }
            };
            let Some(data) = self.data.get(start..start + len) else {
                return self.malformed(at);
            };
            self.pos = start + len;
            return Some(Ok(ExtensionElement { id, data }));
        }
    }
}

impl FusedIterator for ExtensionElements<'_> {}

/// An owned RFC 8285 extension element, for [`HeaderExtension::Elements`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ExtensionElementBuf {
    /// The local identifier: 1-255 (0 is padding).
    pub id: u8,
    /// The element's data, 0-255 bytes.
    pub data: Vec<u8>,
}

impl ExtensionElementBuf {
    /// An element with ID `id` carrying a copy of `data`.
    pub fn new(id: u8, data: &[u8]) -> Self {
        Self {
            id,
            data: data.to_vec(),
        }
    }
}

/// An owned header extension.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HeaderExtension {
    /// RFC 8285 elements. The writer uses the one-byte form when every ID is
    /// in 1-14 and every element has 1-16 bytes, and the two-byte form
    /// (profile `0x1000`) otherwise, then pads with zeros to 32 bits.
    Elements(Vec<ExtensionElementBuf>),
    /// Any other extension: the profile value and the data, written as is
    /// and padded with zeros to a multiple of 4 bytes.
    Raw {
        /// The "defined by profile" value.
        profile: u16,
        /// The extension data.
        data: Vec<u8>,
    },
}

impl HeaderExtension {
    /// The profile value and unpadded data length this extension writes.
    pub(super) fn plan(&self) -> Result<(u16, usize), WriteError> {
        let (profile, len) = match self {
            Self::Raw { profile, data } => (*profile, data.len()),
            Self::Elements(elements) => {
                let mut one_byte = true;
                let mut len = 0usize;
                for e in elements {
                    if e.id == 0 {
                        return Err(WriteError::BadExtensionId(0));
                    }
                    if e.data.len() > 255 {
                        return Err(WriteError::ExtensionElementTooLong {
                            id: e.id,
                            len: e.data.len(),
                        });
                    }
                    // RFC 8285 §4.2: one-byte IDs are "in the range 1-14
                    // inclusive" and carry 1 to 16 data bytes.
                    one_byte &= e.id <= 14 && (1..=16).contains(&e.data.len());
                    len += e.data.len();
                }
                let headers = if one_byte { 1 } else { 2 };
                let profile = if one_byte {
                    ONE_BYTE_PROFILE
                } else {
                    TWO_BYTE_PROFILE
                };
                (profile, len + headers * elements.len())
            }
        };
        if len > 4 * usize::from(u16::MAX) {
            return Err(WriteError::ExtensionTooLong { len });
        }
        Ok((profile, len))
    }
}
