//! Adapters for the peer parsers (dev-dependencies, so they cannot live in
//! the library) and the memchr floor baseline. Included by the `parser`
//! benchmark and by the `agree` test with `#[path]`, so both measure and
//! check the same code. Copied from `parser-peers` (src/peers.rs).
//!
//! Each adapter has `parse(&Bytes) -> Res<CrateMessage>` and
//! `fields(&Bytes, f) -> Res<R>`: parse, read the transaction fields through
//! the crate's public API, and hand borrowed views of them to `f`.

/// rsip 0.4: nom; every header becomes an owned `String` inside a `Header`
/// enum at parse time, typed parsing is lazy (`.typed()` clones then parses).
pub(crate) mod rsip_peer {
    use bytes::Bytes;
    use rsip::prelude::*;
    use sip_benches::{err, Fields, Res};

    fn meth(m: &rsip::Method) -> &'static str {
        use rsip::Method as M;
        match m {
            M::Ack => "ACK",
            M::Bye => "BYE",
            M::Cancel => "CANCEL",
            M::Info => "INFO",
            M::Invite => "INVITE",
            M::Message => "MESSAGE",
            M::Notify => "NOTIFY",
            M::Options => "OPTIONS",
            M::PRack => "PRACK",
            M::Publish => "PUBLISH",
            M::Refer => "REFER",
            M::Register => "REGISTER",
            M::Subscribe => "SUBSCRIBE",
            M::Update => "UPDATE",
        }
    }

    /// Bytes -> `rsip::SipMessage`.
    pub(crate) fn parse(buf: &Bytes) -> Res<rsip::SipMessage> {
        rsip::SipMessage::try_from(&buf[..]).map_err(err)
    }

    /// Parse, then read the fields the cheapest idiomatic way.
    pub(crate) fn fields<R>(buf: &Bytes, f: impl FnOnce(&Fields<'_>) -> R) -> Res<R> {
        let msg = parse(buf)?;
        let via = msg.via_header().map_err(err)?.typed().map_err(err)?;
        let cseq = msg.cseq_header().map_err(err)?.typed().map_err(err)?;
        let call_id = msg.call_id_header().map_err(err)?.value();
        let from_tag = msg.from_header().map_err(err)?.tag().map_err(err)?;
        let to_tag = msg.to_header().map_err(err)?.tag().map_err(err)?;
        Ok(f(&Fields {
            branch: via.branch().map(|b| b.value()),
            cseq: cseq.seq,
            method: meth(&cseq.method),
            call_id,
            from_tag: from_tag.as_ref().map(|t| t.value()),
            to_tag: to_tag.as_ref().map(|t| t.value()),
        }))
    }
}

/// rsipstack 0.7 (its own `sip::` module, no longer rsip): memchr line
/// splitting, an owned `String` per header, lazy typed headers with rsip's
/// API shape.
pub(crate) mod rsipstack_peer {
    use bytes::Bytes;
    use rsipstack::sip::prelude::*;
    use rsipstack::sip::{Method, SipMessage};
    use sip_benches::{err, Fields, Res};

    fn meth(m: &Method) -> &'static str {
        match m {
            Method::Ack => "ACK",
            Method::Bye => "BYE",
            Method::Cancel => "CANCEL",
            Method::Info => "INFO",
            Method::Invite => "INVITE",
            Method::Message => "MESSAGE",
            Method::Notify => "NOTIFY",
            Method::Options => "OPTIONS",
            Method::PRack => "PRACK",
            Method::Publish => "PUBLISH",
            Method::Refer => "REFER",
            Method::Register => "REGISTER",
            Method::Subscribe => "SUBSCRIBE",
            Method::Update => "UPDATE",
        }
    }

    /// Bytes -> `rsipstack::sip::SipMessage`.
    pub(crate) fn parse(buf: &Bytes) -> Res<SipMessage> {
        SipMessage::try_from(&buf[..]).map_err(err)
    }

    /// Parse, then read the fields the cheapest idiomatic way.
    pub(crate) fn fields<R>(buf: &Bytes, f: impl FnOnce(&Fields<'_>) -> R) -> Res<R> {
        let msg = parse(buf)?;
        let via = msg.via_header().map_err(err)?.typed().map_err(err)?;
        let cseq = msg.cseq_header().map_err(err)?.typed().map_err(err)?;
        let call_id = msg.call_id_header().map_err(err)?.value();
        let from_tag = msg.from_header().map_err(err)?.tag().map_err(err)?;
        let to_tag = msg.to_header().map_err(err)?.tag().map_err(err)?;
        Ok(f(&Fields {
            branch: via.branch().map(|b| b.value()),
            cseq: cseq.seq,
            method: meth(&cseq.method),
            call_id,
            from_tag: from_tag.as_ref().map(|t| t.value()),
            to_tag: to_tag.as_ref().map(|t| t.value()),
        }))
    }
}

/// The floor: no parser can frame a message faster than finding its lines.
pub(crate) mod baseline {
    use memchr::memmem::Finder;
    use std::sync::LazyLock;

    static CRLFCRLF: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\r\n\r\n"));

    /// memmem finds the end of the head (CRLFCRLF), then memchr_iter
    /// records every LF position inside it. Returns (line count, head
    /// length) so nothing is optimised away.
    #[inline(never)]
    pub(crate) fn memchr_scan(buf: &[u8]) -> Option<(usize, usize)> {
        let end = CRLFCRLF.find(buf)?;
        let mut lines = [0u32; 64];
        let mut n = 0;
        for pos in memchr::memchr_iter(b'\n', &buf[..end + 2]) {
            if n < lines.len() {
                lines[n] = pos as u32;
            }
            n += 1;
        }
        std::hint::black_box(&lines);
        Some((n, end + 4))
    }
}
