//! Application-defined (APP, PT=204): view and builder
//! ([RFC 3550 §6.7](https://www.rfc-editor.org/rfc/rfc3550#section-6.7)).
//!
//! ```text
//!     0                   1                   2                   3
//!     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//!    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!    |V=2|P| subtype |   PT=APP=204  |             length            |
//!    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!    |                           SSRC/CSRC                           |
//!    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!    |                          name (ASCII)                         |
//!    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!    |                   application-dependent data                ...
//!    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use super::build::{packet_writer, pad4, put32, Emit};
use super::error::{at, RtcpBuildError, RtcpError};
use super::{be32, PT_APP};

/// Bytes of an APP packet before its data: header, SSRC/CSRC, name.
const APP_FIXED: usize = 12;

/// An APP packet inside a parsed datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppView<'a> {
    raw: &'a [u8],
    fixed: &'a [u8; APP_FIXED],
    data: &'a [u8],
}

impl<'a> AppView<'a> {
    /// `raw` is the whole packet, `content` the same without RTCP padding.
    #[inline]
    pub(super) fn new(raw: &'a [u8], content: &'a [u8], offset: usize) -> Result<Self, RtcpError> {
        let Some((fixed, data)) = content.split_first_chunk::<APP_FIXED>() else {
            return Err(RtcpError::TooShort { offset: at(offset) });
        };
        Ok(Self { raw, fixed, data })
    }

    /// The 5-bit subtype.
    #[inline]
    pub fn subtype(&self) -> u8 {
        self.fixed[0] & 0x1f
    }

    /// The SSRC/CSRC of the sender.
    #[inline]
    pub fn ssrc(&self) -> u32 {
        be32(self.fixed, 4)
    }

    /// The four-octet name ("interpreted as a sequence of four ASCII
    /// characters, with uppercase and lowercase characters treated as
    /// distinct").
    #[inline]
    pub fn name(&self) -> [u8; 4] {
        [self.fixed[8], self.fixed[9], self.fixed[10], self.fixed[11]]
    }

    /// The application-dependent data, RTCP padding excluded.
    #[inline]
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// The whole packet, header and padding included.
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.raw
    }
}

/// An owned APP packet to write.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct App {
    /// Subtype, 0-31.
    pub subtype: u8,
    /// SSRC/CSRC of the sender.
    pub ssrc: u32,
    /// Four ASCII characters naming the application.
    pub name: [u8; 4],
    /// Application data, a multiple of 4 bytes (§6.7: "It must be a
    /// multiple of 32 bits long").
    pub data: Vec<u8>,
}

impl App {
    /// An APP packet with no data.
    pub fn new(ssrc: u32, name: [u8; 4], subtype: u8) -> Self {
        Self {
            subtype,
            ssrc,
            name,
            data: Vec::new(),
        }
    }

    /// Sets the application data.
    pub fn data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = data.into();
        self
    }
}

impl Emit for App {
    fn packet_type(&self) -> u8 {
        PT_APP
    }

    fn count(&self) -> u8 {
        self.subtype
    }

    fn body_len(&self) -> usize {
        APP_FIXED - 4 + pad4(self.data.len())
    }

    fn check(&self) -> Result<(), RtcpBuildError> {
        if self.subtype > 31 {
            return Err(RtcpBuildError::AppSubtypeTooLarge {
                subtype: self.subtype,
            });
        }
        if self.data.len() % 4 != 0 {
            return Err(RtcpBuildError::NotWordAligned {
                len: self.data.len(),
            });
        }
        Ok(())
    }

    fn write_body(&self, body: &mut [u8]) {
        put32(body, 0, self.ssrc);
        body[4..8].copy_from_slice(&self.name);
        body[8..8 + self.data.len()].copy_from_slice(&self.data);
    }
}

packet_writer!(App, "APP packet");

impl From<AppView<'_>> for App {
    fn from(view: AppView<'_>) -> Self {
        Self {
            subtype: view.subtype(),
            ssrc: view.ssrc(),
            name: view.name(),
            data: view.data().to_vec(),
        }
    }
}
