//! Cutting messages out of a byte stream (TCP, TLS): RFC 3261 §18.3 and
//! the CRLF keep-alives of RFC 5626 §3.5.1.

use crate::error::{ErrorKind, ParseError};
use crate::text::{is_wsp, parse_decimal};

/// What the front of a stream buffer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame {
    /// Not enough bytes yet to decide; read more and ask again.
    NeedMore,
    /// A keep-alive `ping` (CRLF CRLF, RFC 5626 §3.5.1) of 4 bytes; consume
    /// it and answer with a `pong` (one CRLF).
    Ping,
    /// A keep-alive `pong` (one CRLF) of 2 bytes, or a stray CRLF before a
    /// start line (RFC 3261 §7.5); consume it.
    Pong,
    /// One complete message of this many bytes; pass them to
    /// [`Message::parse_stream`](crate::Message::parse_stream).
    Message(usize),
}

impl Frame {
    /// How many bytes this frame occupies at the front of the buffer.
    pub fn len(&self) -> usize {
        match self {
            Self::NeedMore => 0,
            Self::Ping => 4,
            Self::Pong => 2,
            Self::Message(n) => *n,
        }
    }

    /// Whether the frame occupies no bytes (only [`Frame::NeedMore`]).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Frames SIP messages on a stream transport, where Content-Length is
/// mandatory and bounds every message (RFC 3261 §18.3).
///
/// The framer only finds boundaries; it checks what it needs for that
/// (the end of the head, Content-Length, the size limit). After an error
/// the stream cannot be resynchronised and the connection should be closed.
///
/// ```
/// use sip_message::{Frame, StreamFramer};
/// let framer = StreamFramer::new(4096);
/// let msg = b"OPTIONS sip:a@b SIP/2.0\r\nl: 2\r\n\r\nhi";
/// assert_eq!(framer.check(&msg[..10]).unwrap(), Frame::NeedMore);
/// assert_eq!(framer.check(msg).unwrap(), Frame::Message(msg.len()));
/// assert_eq!(framer.check(b"\r\n\r\nINV").unwrap(), Frame::Ping);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamFramer {
    max_size: usize,
}

impl Default for StreamFramer {
    /// A framer with a 64 KiB limit.
    fn default() -> Self {
        Self::new(crate::message::DEFAULT_MAX_SIZE)
    }
}

impl StreamFramer {
    /// A framer that refuses messages longer than `max_size` bytes.
    pub fn new(max_size: usize) -> Self {
        Self { max_size }
    }

    /// The size limit.
    pub fn max_size(&self) -> usize {
        self.max_size
    }

    /// Looks at the front of `buf` and says what it holds.
    ///
    /// # Errors
    /// [`ErrorKind::TooLarge`] when the head or the whole message exceeds
    /// the limit, [`ErrorKind::MissingContentLength`] and
    /// [`ErrorKind::InvalidContentLength`] when the length cannot be known.
    pub fn check(&self, buf: &[u8]) -> Result<Frame, ParseError> {
        if buf.starts_with(b"\r\n") {
            return Ok(match buf.get(2..4) {
                Some(b"\r\n") => Frame::Ping,
                Some([b'\r']) | None if buf.len() < 4 && buf.get(2) == Some(&b'\r') => {
                    Frame::NeedMore
                }
                _ => Frame::Pong,
            });
        }
        let Some(blank) = memchr::memmem::find(buf, b"\r\n\r\n") else {
            if buf.len() > self.max_size {
                return Err(ParseError::at(ErrorKind::TooLarge, buf, self.max_size));
            }
            return Ok(Frame::NeedMore);
        };
        let head_len = blank + 4;
        if head_len > self.max_size {
            return Err(ParseError::at(ErrorKind::TooLarge, buf, self.max_size));
        }
        let cl = content_length(&buf[..blank + 2])?
            .ok_or_else(|| ParseError::at(ErrorKind::MissingContentLength, buf, blank))?;
        let total = head_len + cl;
        if total > self.max_size {
            return Err(ParseError::at(ErrorKind::TooLarge, buf, self.max_size));
        }
        Ok(if buf.len() < total {
            Frame::NeedMore
        } else {
            Frame::Message(total)
        })
    }
}

/// Finds the Content-Length (or `l`) header in a head and reads its value.
fn content_length(head: &[u8]) -> Result<Option<usize>, ParseError> {
    let mut found: Option<usize> = None;
    let mut line_start = match memchr::memmem::find(head, b"\r\n") {
        Some(i) => i + 2,
        None => return Ok(None),
    };
    while line_start < head.len() {
        let mut end = line_start;
        // The logical line ends at a CRLF not followed by whitespace.
        loop {
            match memchr::memmem::find(&head[end..], b"\r\n") {
                Some(i) => {
                    end += i;
                    if head.get(end + 2).is_some_and(|&b| is_wsp(b)) {
                        end += 2;
                        continue;
                    }
                    break;
                }
                None => {
                    end = head.len();
                    break;
                }
            }
        }
        let line = &head[line_start..end];
        if let Some(colon) = memchr::memchr(b':', line) {
            let name = trim(&line[..colon]);
            if name.eq_ignore_ascii_case(b"content-length") || name.eq_ignore_ascii_case(b"l") {
                let v = trim(&line[colon + 1..]);
                let n = parse_decimal(v, u64::from(u32::MAX)).ok_or_else(|| {
                    ParseError::at(
                        ErrorKind::InvalidContentLength,
                        head,
                        line_start + colon + 1,
                    )
                })? as usize;
                if found.is_some_and(|m| m != n) {
                    return Err(ParseError::at(
                        ErrorKind::ConflictingContentLength,
                        head,
                        line_start,
                    ));
                }
                found = Some(n);
            }
        }
        line_start = end + 2;
    }
    Ok(found)
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t' | b'\r' | b'\n', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t' | b'\r' | b'\n'] = s {
        s = rest;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSG: &[u8] = b"MESSAGE sip:b@c SIP/2.0\r\nContent-Length:  5\r\nVia: x\r\n\r\nhello";

    #[test]
    fn grows_until_complete() {
        let f = StreamFramer::new(1024);
        for n in 0..MSG.len() {
            assert_eq!(f.check(&MSG[..n]).unwrap(), Frame::NeedMore, "{n}");
        }
        assert_eq!(f.check(MSG).unwrap(), Frame::Message(MSG.len()));
        let mut two = MSG.to_vec();
        two.extend_from_slice(MSG);
        assert_eq!(f.check(&two).unwrap(), Frame::Message(MSG.len()));
    }

    /// RFC 5626 §3.5.1: CRLFCRLF is a ping, CRLF a pong.
    #[test]
    fn rfc5626_keepalives() {
        let f = StreamFramer::default();
        assert_eq!(f.check(b"\r\n\r\n").unwrap(), Frame::Ping);
        assert_eq!(f.check(b"\r\n").unwrap(), Frame::Pong);
        assert_eq!(f.check(b"\r\nINVITE").unwrap(), Frame::Pong);
        assert_eq!(f.check(b"\r\n\r").unwrap(), Frame::NeedMore);
    }

    /// RFC 3261 §18.3: "In the case of stream-oriented transports such as
    /// TCP, the Content-Length header field indicates the size of the body.
    /// All stream-oriented transports MUST use Content-Length."
    #[test]
    fn rfc3261_18_3_stream_requires_content_length() {
        let f = StreamFramer::default();
        let e = f
            .check(b"BYE sip:a@b SIP/2.0\r\nVia: x\r\n\r\n")
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::MissingContentLength);
        let e = f
            .check(b"BYE sip:a@b SIP/2.0\r\nl: -3\r\n\r\n")
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidContentLength);
    }

    #[test]
    fn size_limit() {
        let f = StreamFramer::new(40);
        assert_eq!(f.check(MSG).unwrap_err().kind(), ErrorKind::TooLarge);
        assert_eq!(
            f.check(&[b'A'; 41]).unwrap_err().kind(),
            ErrorKind::TooLarge
        );
        assert_eq!(f.check(&[b'A'; 40]).unwrap(), Frame::NeedMore);
    }
}
