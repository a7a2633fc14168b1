//! The lossless message: start line, header lines in order, body.

use core::fmt;

use bytes::{Bytes, BytesMut};
use bytestring::ByteString;

use crate::error::{ErrorKind, ParseError};
use crate::header::{split_list, Entry, HeaderField, HeaderName, TypedHeader, Want};
use crate::method::Method;
use crate::parse::{self, Framing, StartLine};
use crate::uri::Uri;

/// The default largest message [`Message::parse`] accepts: 64 KiB, the
/// largest UDP payload.
pub const DEFAULT_MAX_SIZE: usize = 65_535;

/// A SIP request or response (RFC 3261 §7).
///
/// A parsed `Message` owns the received bytes and nothing else: the start
/// line, header names and values and the body are slices of that buffer.
/// Typed headers are parsed from the raw values when asked for, so a proxy
/// that only reads the top Via and forwards the rest never parses the rest.
///
/// Editing ([`push_header`](Self::push_header),
/// [`prepend_header`](Self::prepend_header),
/// [`remove_first_value`](Self::remove_first_value), ...) changes only the
/// lines it touches; [`write_to`](Self::write_to) copies every other line
/// verbatim.
///
/// ```
/// use bytes::Bytes;
/// use sip_message::{CSeq, Message, Method, Via};
///
/// let msg = Message::parse(Bytes::from_static(
///     b"OPTIONS sip:carol@chicago.com SIP/2.0\r\n\
///       Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKhjhs8ass877\r\n\
///       Max-Forwards: 70\r\n\
///       To: <sip:carol@chicago.com>\r\n\
///       From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n\
///       Call-ID: a84b4c76e66710\r\n\
///       CSeq: 63104 OPTIONS\r\n\
///       Content-Length: 0\r\n\r\n",
/// )).unwrap();
/// assert_eq!(msg.method(), Some(&Method::Options));
/// assert_eq!(msg.typed::<Via>().unwrap().branch(), Some("z9hG4bKhjhs8ass877"));
/// assert_eq!(msg.typed::<CSeq>().unwrap(), CSeq::new(63104, Method::Options));
/// assert_eq!(msg.call_id(), Some("a84b4c76e66710"));
/// ```
#[derive(Clone)]
pub struct Message {
    head: ByteString,
    start: StartLine,
    /// The start line as written, or rewritten by `set_request_uri`.
    start_text: Option<ByteString>,
    headers: Vec<Entry>,
    body: Bytes,
    /// Whether any line changed since parsing (else the head is copied whole).
    edited: bool,
}

impl Message {
    /// Parses one message from a datagram (RFC 3261 §18.3).
    ///
    /// Without a Content-Length the body is the rest of the datagram; with
    /// one, a shorter body is an error and octets past it are discarded.
    ///
    /// # Errors
    /// A [`ParseError`] with the position of the first byte that breaks the grammar.
    pub fn parse(buf: Bytes) -> Result<Self, ParseError> {
        Self::parse_with(buf, Framing::Datagram, DEFAULT_MAX_SIZE)
    }

    /// Parses one message cut from a stream by [`StreamFramer`](crate::StreamFramer):
    /// Content-Length is required (RFC 3261 §18.3).
    ///
    /// # Errors
    /// As [`Message::parse`], and [`ErrorKind::MissingContentLength`].
    pub fn parse_stream(buf: Bytes) -> Result<Self, ParseError> {
        Self::parse_with(buf, Framing::Stream, usize::MAX)
    }

    /// Parses a datagram with a size limit other than [`DEFAULT_MAX_SIZE`].
    ///
    /// # Errors
    /// As [`Message::parse`], and [`ErrorKind::TooLarge`].
    pub fn parse_datagram_limited(buf: Bytes, max_size: usize) -> Result<Self, ParseError> {
        Self::parse_with(buf, Framing::Datagram, max_size)
    }

    fn parse_with(buf: Bytes, framing: Framing, max: usize) -> Result<Self, ParseError> {
        let p = parse::parse(&buf, framing, max)?;
        let _ = p.start_end;
        Ok(Self {
            head: p.head,
            start: p.start,
            start_text: None,
            headers: p.headers,
            body: p.body,
            edited: false,
        })
    }

    // ----------------------------------------------------------------- start line

    /// Whether this is a request.
    pub fn is_request(&self) -> bool {
        matches!(self.start, StartLine::Request { .. })
    }

    /// Whether this is a response.
    pub fn is_response(&self) -> bool {
        !self.is_request()
    }

    /// The request method, for a request.
    pub fn method(&self) -> Option<&Method> {
        match &self.start {
            StartLine::Request { method, .. } => Some(method),
            StartLine::Response { .. } => None,
        }
    }

    fn start_str(&self) -> &str {
        self.start_text.as_deref().unwrap_or(&self.head)
    }

    /// The Request-URI as written, for a request.
    pub fn request_uri_str(&self) -> Option<&str> {
        match &self.start {
            StartLine::Request { uri, .. } => Some(uri.of(self.start_str())),
            StartLine::Response { .. } => None,
        }
    }

    /// The Request-URI, parsed; `None` for a response.
    ///
    /// # Errors
    /// If the URI is malformed, positioned in the message.
    pub fn request_uri(&self) -> Option<Result<Uri, ParseError>> {
        let StartLine::Request { uri, .. } = &self.start else {
            return None;
        };
        let text = match &self.start_text {
            Some(t) => t,
            None => &self.head,
        };
        let s = crate::text::slice(text, *uri);
        Some(Uri::parse_slice(s).map_err(|e| e.rebase(text.as_bytes(), uri.start as usize)))
    }

    /// The SIP-Version as written (`SIP/2.0`).
    pub fn version(&self) -> &str {
        match &self.start {
            StartLine::Request { version, .. } | StartLine::Response { version, .. } => {
                version.of(self.start_str())
            }
        }
    }

    /// The status code, for a response (always 100-699).
    pub fn status(&self) -> Option<u16> {
        match &self.start {
            StartLine::Response { code, .. } => Some(*code),
            StartLine::Request { .. } => None,
        }
    }

    /// The reason phrase, for a response (possibly empty).
    pub fn reason(&self) -> Option<&str> {
        match &self.start {
            StartLine::Response { reason, .. } => Some(reason.of(self.start_str())),
            StartLine::Request { .. } => None,
        }
    }

    /// Replaces the Request-URI (a proxy retargeting, RFC 3261 §16.6 step 2).
    ///
    /// # Panics
    /// If the message is a response.
    pub fn set_request_uri(&mut self, new: &Uri) {
        let StartLine::Request { method, .. } = &self.start else {
            panic!("set_request_uri on a response");
        };
        let m = method.as_str();
        let text = format!("{m} {new} SIP/2.0");
        let uri = crate::text::Span::new(m.len() + 1, m.len() + 1 + new.as_str().len());
        let version = crate::text::Span::new(uri.end as usize + 1, text.len());
        self.start = StartLine::Request {
            method: method.clone(),
            uri,
            version,
        };
        self.start_text = Some(ByteString::from(text));
        self.edited = true;
    }

    // -------------------------------------------------------------------- headers

    /// Iterates over the header lines in order, as written.
    pub fn headers(&self) -> impl Iterator<Item = HeaderField<'_>> {
        self.headers.iter().map(move |e| HeaderField {
            name: e.name(&self.head),
            raw_name: e.raw_name(&self.head),
            value: e.value(&self.head),
        })
    }

    /// The number of header lines.
    pub fn header_count(&self) -> usize {
        self.headers.len()
    }

    /// The raw value of the first line of header `name`.
    pub fn header(&self, name: &HeaderName) -> Option<&str> {
        let want = Want::new(name);
        self.headers
            .iter()
            .find(|e| e.is(want, &self.head))
            .map(|e| e.value(&self.head))
    }

    /// The raw values of every line of header `name`, in order.
    pub fn header_values<'a>(&'a self, name: &'a HeaderName) -> impl Iterator<Item = &'a str> + 'a {
        let want = Want::new(name);
        self.headers
            .iter()
            .filter(move |e| e.is(want, &self.head))
            .map(move |e| e.value(&self.head))
    }

    /// Whether the message has header `name`.
    pub fn has_header(&self, name: &HeaderName) -> bool {
        let want = Want::new(name);
        self.headers.iter().any(|e| e.is(want, &self.head))
    }

    /// The first value of a typed header (the topmost Via, the first Contact, ...).
    ///
    /// # Errors
    /// [`ErrorKind::MissingHeader`] if there is none, or the value's parse error,
    /// positioned in the message.
    #[inline]
    pub fn typed<H: TypedHeader>(&self) -> Result<H, ParseError> {
        match self.typed_opt::<H>() {
            Ok(Some(h)) => Ok(h),
            Ok(None) => Err(ParseError::new(
                ErrorKind::MissingHeader(canonical(&H::NAME)),
                0,
            )),
            Err(e) => Err(e),
        }
    }

    /// The first value of a typed header, or `None` if the header is absent.
    ///
    /// # Errors
    /// The value's parse error, positioned in the message.
    #[inline]
    pub fn typed_opt<H: TypedHeader>(&self) -> Result<Option<H>, ParseError> {
        // Typed headers always have known names: compare indexes only.
        let Some(id) = H::NAME.index() else {
            return Ok(None);
        };
        let Some(e) = self.headers.iter().find(|e| e.id == id) else {
            return Ok(None);
        };
        let (value, base) = if H::LIST {
            // Slice the first element straight out of the head: one refcount, not two.
            let text = e.value(&self.head);
            // Values are short: a plain scan beats memchr's dispatch here.
            if !text.as_bytes().contains(&b',') {
                // No comma at all (the common case): the line is one element.
                e.value_slice(&self.head)
            } else {
                let (off, s) = split_list(text).next().unwrap_or((0, ""));
                (e.slice(&self.head, s), e.value_offset().map(|b| b + off))
            }
        } else {
            e.value_slice(&self.head)
        };
        self.parse_value::<H>(&value, base).map(Some)
    }

    /// Every value of a typed header: each line, and for list headers each
    /// comma-separated element of each line.
    pub fn typed_all<H: TypedHeader>(&self) -> impl Iterator<Item = Result<H, ParseError>> + '_ {
        // Typed headers always have known names.
        let id = H::NAME.index();
        self.headers
            .iter()
            .filter(move |e| Some(e.id) == id)
            .flat_map(move |e| {
                let (value, base) = e.value_slice(&self.head);
                let items: Vec<(usize, ByteString)> = if H::LIST {
                    split_list(&value)
                        .map(|(off, s)| (off, value.slice_ref(s)))
                        .collect()
                } else {
                    vec![(0, value.clone())]
                };
                items
                    .into_iter()
                    .map(move |(off, v)| self.parse_value::<H>(&v, base.map(|b| b + off)))
            })
    }

    pub(crate) fn entries(&self) -> &[Entry] {
        &self.headers
    }

    /// Parses every value of one header line as `H`.
    pub(crate) fn check_line<H: TypedHeader>(&self, e: &Entry) -> Result<(), ParseError> {
        let (value, base) = e.value_slice(&self.head);
        if H::LIST {
            for (off, s) in split_list(&value) {
                self.parse_value::<H>(&value.slice_ref(s), base.map(|b| b + off))?;
            }
        } else {
            self.parse_value::<H>(&value, base)?;
        }
        Ok(())
    }

    #[inline]
    fn parse_value<H: TypedHeader>(
        &self,
        v: &ByteString,
        base: Option<usize>,
    ) -> Result<H, ParseError> {
        if v.is_empty() && H::LIST {
            return Err(self.rebase(ParseError::new(ErrorKind::EmptyValue, 0), base));
        }
        H::parse(v).map_err(|e| self.rebase(e, base))
    }

    fn rebase(&self, e: ParseError, base: Option<usize>) -> ParseError {
        match base {
            Some(b) => e.rebase(self.head.as_bytes(), b),
            None => e,
        }
    }

    /// The Call-ID, as written.
    pub fn call_id(&self) -> Option<&str> {
        self.header(&HeaderName::CallId)
    }

    // ----------------------------------------------------------------------- body

    /// The body (possibly empty).
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// Replaces the body and rewrites Content-Length to match; with
    /// `content_type`, also sets Content-Type (removed when the body is empty).
    pub fn set_body(&mut self, body: Bytes, content_type: Option<&str>) {
        if let Some(ct) = content_type {
            self.set_header(HeaderName::ContentType, ct);
        } else if body.is_empty() {
            self.remove_header(&HeaderName::ContentType);
        }
        self.body = body;
        let len = self.body.len().to_string();
        self.set_header(HeaderName::ContentLength, &len);
    }

    // -------------------------------------------------------------------- editing

    /// Appends a header line at the end of the header section.
    pub fn push_header(&mut self, name: HeaderName, value: &str) {
        self.headers.push(Entry::owned(&name, value));
        self.edited = true;
    }

    /// Inserts a header line above the first line of the same header, or
    /// at the top of the header section if there is none (a proxy adding
    /// its Via or Record-Route, RFC 3261 §16.6 steps 4 and 8).
    pub fn prepend_header(&mut self, name: HeaderName, value: &str) {
        let want = Want::new(&name);
        let at = self
            .headers
            .iter()
            .position(|e| e.is(want, &self.head))
            .unwrap_or(0);
        self.headers.insert(at, Entry::owned(&name, value));
        self.edited = true;
    }

    /// Inserts a header line at index `index` of the header list.
    ///
    /// # Panics
    /// If `index > self.header_count()`.
    pub fn insert_header(&mut self, index: usize, name: HeaderName, value: &str) {
        self.headers.insert(index, Entry::owned(&name, value));
        self.edited = true;
    }

    /// Replaces every line of header `name` with one line holding `value`,
    /// at the position of the first (or at the end if absent).
    pub fn set_header(&mut self, name: HeaderName, value: &str) {
        let entry = Entry::owned(&name, value);
        let want = Want::new(&name);
        match self.headers.iter().position(|e| e.is(want, &self.head)) {
            Some(i) => {
                self.headers[i] = entry;
                let mut j = i + 1;
                while j < self.headers.len() {
                    if self.headers[j].is(want, &self.head) {
                        self.headers.remove(j);
                    } else {
                        j += 1;
                    }
                }
            }
            None => self.headers.push(entry),
        }
        self.edited = true;
    }

    /// Writes a typed header in place of every line of its name.
    pub fn set_typed<H: TypedHeader>(&mut self, h: &H) {
        self.set_header(H::NAME, &h.to_value_string());
    }

    /// Removes every line of header `name`; returns how many were removed.
    pub fn remove_header(&mut self, name: &HeaderName) -> usize {
        let before = self.headers.len();
        let want = Want::new(name);
        let head = &self.head;
        self.headers.retain(|e| !e.is(want, head));
        let n = before - self.headers.len();
        if n > 0 {
            self.edited = true;
        }
        n
    }

    /// Removes the first value of a list header and returns it: the first
    /// element of its first line, leaving the rest of that line (a proxy
    /// popping its own Route, RFC 3261 §16.4; a response losing its top Via, §16.7).
    pub fn remove_first_value(&mut self, name: &HeaderName) -> Option<String> {
        let want = Want::new(name);
        let i = self.headers.iter().position(|e| e.is(want, &self.head))?;
        let value = self.headers[i].value(&self.head);
        let mut parts = split_list(value);
        let (_, first) = parts.next()?;
        let first_owned = first.to_owned();
        // The rest of the line stays as written, from its second element on.
        match parts.next().map(|(off, _)| off) {
            None => {
                self.headers.remove(i);
            }
            Some(off) => {
                let rest = value[off..].to_owned();
                let n = self.headers[i].name(&self.head);
                self.headers[i] = Entry::owned(&n, &rest);
            }
        }
        self.edited = true;
        Some(first_owned)
    }

    // ---------------------------------------------------------------- serializing

    /// Writes the message in wire form into `out`. Lines that were not
    /// edited are copied byte for byte.
    pub fn write_to(&self, out: &mut BytesMut) {
        if !self.edited {
            out.reserve(self.head.len() + 2 + self.body.len());
            out.extend_from_slice(self.head.as_bytes());
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(&self.body);
            return;
        }
        let start = match (&self.start_text, &self.start) {
            (Some(t), _) => &t[..],
            (None, _) => {
                let end = self.head.find("\r\n").unwrap_or(self.head.len());
                &self.head[..end]
            }
        };
        out.reserve(self.head.len() + 64 * 2 + self.body.len());
        out.extend_from_slice(start.as_bytes());
        out.extend_from_slice(b"\r\n");
        for e in &self.headers {
            e.write(&self.head, out);
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
    }

    /// The message in wire form.
    pub fn to_bytes(&self) -> Bytes {
        let mut out = BytesMut::with_capacity(self.head.len() + 2 + self.body.len());
        self.write_to(&mut out);
        out.freeze()
    }

    // ----------------------------------------------------------------- validation

    /// The checks an element applies before it processes a message
    /// (RFC 3261 §8.1.1, §8.2.2, §16.3, §18.3):
    ///
    /// - the version is `SIP/2.0` ([`ErrorKind::UnsupportedVersion`]: answer 505);
    /// - To, From, Call-ID, CSeq and Via are present, and Max-Forwards in a request;
    /// - single-value headers appear once ([`HeaderName::is_single_value`]);
    /// - To, From, Call-ID, CSeq, Via, Max-Forwards, Content-Length,
    ///   Content-Type, Expires and Contact parse as their types;
    /// - the CSeq method matches the request method;
    /// - the Request-URI parses and carries no `?headers` (RFC 3261 §19.1.5).
    ///
    /// Max-Forwards is not required: RFC 2543 requests lack it (RFC 4475 §3.4.1).
    ///
    /// # Errors
    /// The first failed check, positioned in the message where it can be.
    pub fn validate(&self) -> Result<(), ParseError> {
        if !self.version().eq_ignore_ascii_case("SIP/2.0") {
            return Err(ParseError::new(ErrorKind::UnsupportedVersion, 0));
        }
        for (name, label) in [
            (HeaderName::To, "To"),
            (HeaderName::From, "From"),
            (HeaderName::CallId, "Call-ID"),
            (HeaderName::CSeq, "CSeq"),
            (HeaderName::Via, "Via"),
        ] {
            if !self.has_header(&name) {
                return Err(ParseError::new(ErrorKind::MissingHeader(label), 0));
            }
        }
        for (i, e) in self.headers.iter().enumerate() {
            if e.id == crate::header::OTHER || !HeaderName::from_index(e.id).is_single_value() {
                continue;
            }
            if let Some(f) = self.headers[i + 1..]
                .iter()
                .find(|f| f.same_name(e, &self.head))
            {
                let pos = f.value_slice(&self.head).1.unwrap_or(0);
                return Err(ParseError::at(
                    ErrorKind::RepeatedHeader(canonical(&HeaderName::from_index(e.id))),
                    self.head.as_bytes(),
                    pos,
                ));
            }
        }
        use crate::header::typed::*;
        self.typed::<To>()?;
        self.typed::<From>()?;
        self.typed::<CallId>()?;
        let cseq = self.typed::<CSeq>()?;
        for v in self.typed_all::<Via>() {
            v?;
        }
        self.typed_opt::<MaxForwards>()?;
        self.typed_opt::<ContentLength>()?;
        self.typed_opt::<ContentType>()?;
        self.typed_opt::<Expires>()?;
        for c in self.typed_all::<Contact>() {
            c?;
        }
        if let Some(m) = self.method() {
            if *m != cseq.method {
                let pos = self
                    .headers
                    .iter()
                    .find(|e| e.is(Want::new(&HeaderName::CSeq), &self.head))
                    .and_then(|e| e.value_slice(&self.head).1)
                    .unwrap_or(0);
                return Err(ParseError::at(
                    ErrorKind::CSeqMethodMismatch,
                    self.head.as_bytes(),
                    pos,
                ));
            }
            if let Some(uri) = self.request_uri() {
                let uri = uri?;
                if uri.as_sip().is_some_and(|u| u.has_headers()) {
                    let start = match &self.start {
                        StartLine::Request { uri: span, .. } => span.start as usize,
                        StartLine::Response { .. } => 0,
                    };
                    let at = start + uri.as_str().find('?').unwrap_or(0);
                    return Err(ParseError::at(
                        ErrorKind::InvalidValue("a Request-URI without ?headers"),
                        self.start_str().as_bytes(),
                        at,
                    ));
                }
            }
        }
        Ok(())
    }
}

fn canonical(name: &HeaderName) -> &'static str {
    name.static_name().unwrap_or("header")
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Message");
        match &self.start {
            StartLine::Request { method, .. } => {
                d.field("method", method);
                d.field("uri", &self.request_uri_str());
            }
            StartLine::Response { code, .. } => {
                d.field("status", code);
                d.field("reason", &self.reason());
            }
        }
        d.field(
            "headers",
            &self
                .headers()
                .map(|h| (h.raw_name, h.value))
                .collect::<Vec<_>>(),
        );
        d.field("body_len", &self.body.len());
        d.finish()
    }
}

impl fmt::Display for Message {
    /// The wire form; a binary body is shown lossily.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.to_bytes()))
    }
}

impl PartialEq for Message {
    /// Field by field: start line, header names and values as written, and body.
    fn eq(&self, other: &Self) -> bool {
        self.method() == other.method()
            && self.request_uri_str() == other.request_uri_str()
            && self.status() == other.status()
            && self.reason() == other.reason()
            && self.version() == other.version()
            && self.headers().eq(other.headers())
            && self.body == other.body
    }
}

impl Eq for Message {}

#[cfg(test)]
mod size_tests {
    use core::mem::size_of;

    /// Typed values move through `Result`s on every access; above 128
    /// bytes the compiler moves them with a `memcpy` call, which showed up
    /// in profiles. Keep the hot ones under that.
    #[test]
    fn hot_types_stay_small() {
        assert!(
            size_of::<crate::NameAddr>() <= 128,
            "{}",
            size_of::<crate::NameAddr>()
        );
        assert!(
            size_of::<crate::Via>() <= 128,
            "{}",
            size_of::<crate::Via>()
        );
        assert!(size_of::<crate::Uri>() <= 96, "{}", size_of::<crate::Uri>());
        assert!(size_of::<crate::header::Entry>() <= 32);
    }
}
