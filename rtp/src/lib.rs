//! The media side of a moving SIP user agent: RTP and RTCP packets (RFC
//! 3550), RTP sessions with the statistics of RFC 3550 appendix A, SDP
//! (RFC 8866) with offer/answer (RFC 3264), G.711, and, with the default
//! `tokio` feature, an RTP endpoint and a relay that bridges a hand-off.
//!
//! The crate stands alone: it depends on no SIP crate, so a media server
//! or a test tool can use it by itself.
//!
//! # Packets
//!
//! [`RtpPacket`] is a view over any byte buffer: [`RtpPacket::parse`]
//! checks the header once (version, CSRC count, extension and padding
//! lengths), then every accessor reads straight from the bytes, without
//! allocating. Over a mutable buffer it edits the header in place, which
//! is how a relay rewrites packets. [`RtpHeader`] is the owned form that
//! writes packets, RFC 8285 header extensions included.
//!
//! ```
//! use sipmob_rtp::{RtpHeader, RtpPacket};
//!
//! let bytes = RtpHeader::new(0, 1000, 160_000, 0x1a2b_3c4d)
//!     .with_marker(true)
//!     .with_extension_element(1, &[0x80 | 30]) // RFC 6464 audio level
//!     .to_bytes(&[0xff; 160])?;
//! let packet = RtpPacket::parse(&bytes[..])?;
//! assert_eq!((packet.sequence_number(), packet.timestamp()), (1000, 160_000));
//! assert_eq!(packet.extension().unwrap().get(1), Some(&[0x80 | 30][..]));
//! assert_eq!(packet.payload().len(), 160);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`rtcp`] does the same for RTCP compound packets: [`rtcp::Compound`]
//! checks a datagram once (RFC 3550 A.2), then yields views of its SR, RR,
//! SDES, BYE and APP packets; [`rtcp::CompoundBuilder`] writes them.
//!
//! # Sessions
//!
//! [`session`] holds the sans-IO state of RFC 3550 appendix A, with time
//! passed in: [`ReceiverStats`] tracks a source's sequence numbers (wrap,
//! probation, restarts), loss and jitter; [`SenderStats`] counts what an
//! SR reports; [`RtcpScheduler`] computes the RTCP interval with its
//! randomization and reconsideration.
//!
//! # SDP and offer/answer
//!
//! [`Sdp`] parses a session description in one pass, borrowing from the
//! input, keeps every line (unknown ones too) in order and writes it back
//! unchanged; typed access to rtpmap, fmtp, ptime, rtcp, mid and the
//! direction is parsed on demand. [`OfferAnswer`] runs RFC 3264: it builds
//! an answer from an offer and local [`Capabilities`] (codec intersection
//! keeping the offerer's payload types, port 0 to refuse a stream,
//! direction negotiation), and new offers for a session that changes — a
//! new address after a move, hold and resume, codecs added or removed —
//! with the origin version incremented (§8).
//!
//! ```
//! use sipmob_rtp::{Direction, Sdp};
//!
//! let offer = Sdp::parse(
//!     "v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.10\r\ns=-\r\n\
//!      c=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0 8\r\na=sendrecv\r\n",
//! )?;
//! let audio = &offer.media[0];
//! assert_eq!(audio.port, 49170);
//! let pcma = audio.codec(8)?.expect("a static payload type");
//! assert_eq!((pcma.encoding_name, pcma.clock_rate), ("PCMA", 8000)); // RFC 3551
//! assert_eq!(offer.media_direction(audio), Direction::SendRecv);
//! # Ok::<(), sipmob_rtp::SdpError>(())
//! ```
//!
//! # G.711
//!
//! [`g711`] encodes and decodes mu-law and A-law bit-exactly, and
//! [`Tone`] makes test audio.
//!
//! # On tokio
//!
//! [`endpoint::RtpEndpoint`] sends a stream paced by its timestamps,
//! receives streams with their statistics, exchanges RTCP, and moves a
//! running stream to a new address ([`endpoint::RtpEndpoint::set_remote`]).
//! [`relay::Relay`] forwards between two sides and switches a side's
//! destination at any moment without losing or duplicating a packet: the
//! bridge for the seconds of a hand-off.

#[cfg(feature = "tokio")]
pub mod endpoint;
pub mod g711;
pub mod packet;
#[cfg(feature = "tokio")]
pub mod relay;
pub mod rtcp;
pub mod sdp;
pub mod session;
#[cfg(feature = "tokio")]
mod tasks;

pub use g711::{Law, Tone};
pub use packet::{
    is_seq_newer, seq_diff, timestamp_diff, Csrcs, Extension, ExtensionElement,
    ExtensionElementBuf, ExtensionElements, ExtensionForm, HeaderExtension, RtpError, RtpHeader,
    RtpPacket, WriteError,
};
pub use rtcp::{RtcpError, RtcpPacket};
pub use sdp::{
    Capabilities, Codec, Direction, Media, MediaCapability, OfferAnswer, OfferAnswerError, Sdp,
    SdpError,
};
pub use session::{Arrival, ReceiverStats, ReceptionReport, RtcpScheduler, SenderStats};
