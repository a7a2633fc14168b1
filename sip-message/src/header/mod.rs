//! Header fields: the raw, lossless list a message keeps, and the typed
//! views parsed from it on demand.

mod name;
pub(crate) mod typed;

use bytes::BytesMut;
use bytestring::ByteString;

use crate::error::ParseError;
use crate::text::{is_list_special, skip, Span};

pub(crate) use name::known_index_at;
pub use name::HeaderName;

/// A header with a typed form: parsed from one raw value on demand and
/// rendered back to wire text.
///
/// For headers that RFC 3261 §7.3.1 lets carry a comma-separated list
/// ([`LIST`](Self::LIST) is `true`: Via, Contact, Route, ...), one value of
/// the type is one element of that list; [`Message::typed_all`] yields
/// every element of every line.
///
/// [`Message::typed_all`]: crate::Message::typed_all
pub trait TypedHeader: Sized {
    /// The header this type reads.
    const NAME: HeaderName;

    /// Whether one header line may hold several comma-separated values.
    const LIST: bool = false;

    /// Parses one value (one list element when [`LIST`](Self::LIST) is true).
    /// Leading and trailing whitespace has been removed; line folding
    /// inside the value is still there and counts as whitespace.
    ///
    /// # Errors
    /// A [`ParseError`] whose offset is relative to `value`.
    fn parse(value: &ByteString) -> Result<Self, ParseError>;

    /// Writes the value (without the header name) as wire text.
    fn encode(&self, out: &mut BytesMut);

    /// Renders the value to a new string.
    fn to_value_string(&self) -> String {
        let mut out = BytesMut::new();
        self.encode(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Parses a value given as text.
    ///
    /// # Errors
    /// As [`TypedHeader::parse`].
    fn parse_str(value: &str) -> Result<Self, ParseError> {
        let value = value.trim();
        Self::parse(&ByteString::from(value)).map_err(|e| e.rebase(value.as_bytes(), 0))
    }
}

/// Where one header line's text lives.
#[derive(Debug, Clone)]
pub(crate) enum Line {
    /// Offsets into the message head, as parsed.
    Head {
        line_start: u32,
        name_end: u32,
        value_start: u32,
        value_end: u32,
        line_end: u32,
    },
    /// A line added or rewritten after parsing (boxed: rare, and it keeps
    /// parsed entries small).
    Owned(Box<OwnedLine>),
}

/// The text of a line added after parsing: `Name: value`.
#[derive(Debug, Clone)]
pub(crate) struct OwnedLine {
    text: ByteString,
    name_end: u32,
    value_start: u32,
}

/// `Entry::id` of a name that is not a known [`HeaderName`].
pub(crate) const OTHER: u8 = u8::MAX;

/// One header line of a message: the index of its known name (or
/// [`OTHER`]) and where its text is.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) id: u8,
    pub(crate) line: Line,
}

/// A header name prepared for matching entries.
#[derive(Clone, Copy)]
pub(crate) enum Want<'a> {
    Id(u8),
    Other(&'a str),
}

impl<'a> Want<'a> {
    #[inline]
    pub(crate) fn new(name: &'a HeaderName) -> Self {
        match name.index() {
            Some(i) => Self::Id(i),
            None => Self::Other(name.as_str()),
        }
    }
}

impl Entry {
    pub(crate) fn from_head(
        id: u8,
        line_start: usize,
        name_end: usize,
        value_start: usize,
        value_end: usize,
        line_end: usize,
    ) -> Self {
        Self {
            id,
            line: Line::Head {
                line_start: line_start as u32,
                name_end: name_end as u32,
                value_start: value_start as u32,
                value_end: value_end as u32,
                line_end: line_end as u32,
            },
        }
    }

    /// A new line `Name: value`, the name written in its canonical form.
    pub(crate) fn owned(name: &HeaderName, value: &str) -> Self {
        let n = name.as_str();
        let mut s = String::with_capacity(n.len() + 2 + value.len());
        s.push_str(n);
        s.push_str(": ");
        s.push_str(value);
        Self {
            id: name.index().unwrap_or(OTHER),
            line: Line::Owned(Box::new(OwnedLine {
                text: ByteString::from(s),
                name_end: n.len() as u32,
                value_start: n.len() as u32 + 2,
            })),
        }
    }

    /// Whether this line is of the header `want` names.
    #[inline]
    pub(crate) fn is(&self, want: Want<'_>, head: &str) -> bool {
        match want {
            Want::Id(i) => self.id == i,
            Want::Other(n) => self.id == OTHER && self.raw_name(head).eq_ignore_ascii_case(n),
        }
    }

    /// Whether two lines are of the same header.
    pub(crate) fn same_name(&self, other: &Self, head: &str) -> bool {
        if self.id == OTHER {
            other.id == OTHER
                && self
                    .raw_name(head)
                    .eq_ignore_ascii_case(other.raw_name(head))
        } else {
            self.id == other.id
        }
    }

    /// The header name; an unknown name is a zero-copy slice of its text.
    pub(crate) fn name(&self, head: &ByteString) -> HeaderName {
        if self.id != OTHER {
            return HeaderName::from_index(self.id);
        }
        match &self.line {
            Line::Head { .. } => HeaderName::Other(head.slice_ref(self.raw_name(head))),
            Line::Owned(o) => HeaderName::Other(o.text.slice_ref(&o.text[..o.name_end as usize])),
        }
    }

    /// The header name as written.
    pub(crate) fn raw_name<'a>(&'a self, head: &'a str) -> &'a str {
        match &self.line {
            Line::Head {
                line_start,
                name_end,
                ..
            } => Span::new(*line_start as usize, *name_end as usize).of(head),
            Line::Owned(o) => &o.text[..o.name_end as usize],
        }
    }

    /// The value, trimmed, as written.
    #[inline]
    pub(crate) fn value<'a>(&'a self, head: &'a str) -> &'a str {
        match &self.line {
            Line::Head {
                value_start,
                value_end,
                ..
            } => Span::new(*value_start as usize, *value_end as usize).of(head),
            Line::Owned(o) => &o.text[o.value_start as usize..],
        }
    }

    /// The value as a zero-copy `ByteString`, and its offset in the head
    /// (`None` for lines added after parsing).
    #[inline]
    pub(crate) fn value_slice(&self, head: &ByteString) -> (ByteString, Option<usize>) {
        match &self.line {
            Line::Head {
                value_start,
                value_end,
                ..
            } => {
                let s = Span::new(*value_start as usize, *value_end as usize).of(head);
                (head.slice_ref(s), Some(*value_start as usize))
            }
            Line::Owned(o) => (o.text.slice_ref(&o.text[o.value_start as usize..]), None),
        }
    }

    /// Where the value starts in the head (`None` for lines added after parsing).
    #[inline]
    pub(crate) fn value_offset(&self) -> Option<usize> {
        match &self.line {
            Line::Head { value_start, .. } => Some(*value_start as usize),
            Line::Owned(_) => None,
        }
    }

    /// A zero-copy `ByteString` of `part`, which must be a slice of this
    /// line's [`value`](Self::value).
    #[inline]
    pub(crate) fn slice(&self, head: &ByteString, part: &str) -> ByteString {
        match &self.line {
            Line::Head { .. } => head.slice_ref(part),
            Line::Owned(o) => o.text.slice_ref(part),
        }
    }

    /// Writes the whole line, CRLF included. Parsed lines are copied verbatim.
    pub(crate) fn write(&self, head: &str, out: &mut BytesMut) {
        match &self.line {
            Line::Head {
                line_start,
                line_end,
                ..
            } => out.extend_from_slice(
                Span::new(*line_start as usize, *line_end as usize)
                    .of(head)
                    .as_bytes(),
            ),
            Line::Owned(o) => out.extend_from_slice(o.text.as_bytes()),
        }
        out.extend_from_slice(b"\r\n");
    }
}

/// A borrowed view of one header line, as [`Message::headers`](crate::Message::headers) yields it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderField<'a> {
    /// The header's name (compact forms mapped to the long form).
    pub name: HeaderName,
    /// The name exactly as written (`v`, `VIA`, ...).
    pub raw_name: &'a str,
    /// The value as written, without leading and trailing whitespace;
    /// folded lines keep their CRLF and indentation.
    pub value: &'a str,
}

/// Splits a header value at the commas that separate list elements
/// (RFC 3261 §7.3.1), skipping commas inside quoted strings, `<...>` and
/// comments. Yields each element with its offset, trimmed of whitespace.
pub(crate) fn split_list(value: &str) -> ListIter<'_> {
    ListIter { value, pos: 0 }
}

pub(crate) struct ListIter<'a> {
    value: &'a str,
    pos: usize,
}

impl<'a> Iterator for ListIter<'a> {
    /// `(offset, element)`; an empty element is returned as such so callers can reject it.
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let b = self.value.as_bytes();
        if self.pos > b.len() {
            return None;
        }
        let start = self.pos;
        let mut i = start;
        // No list header this crate splits has comments, and '(' and ')' are
        // legal in a bare URI, so only quotes and angle brackets matter.
        let mut quoted = false;
        let mut angle = false;
        while i < b.len() {
            // Jump over the characters that cannot open or close anything.
            i = skip(b, i, |x| !is_list_special(x));
            if i >= b.len() {
                break;
            }
            match b[i] {
                b'\\' if quoted => i += 1,
                b'"' => quoted = !quoted,
                b'<' if !quoted => angle = true,
                b'>' if !quoted => angle = false,
                b',' if !quoted && !angle => break,
                _ => {}
            }
            i += 1;
        }
        let end = i.min(b.len());
        self.pos = end + 1;
        let raw = &self.value[start..end];
        let lead = raw.len() - raw.trim_start_matches([' ', '\t', '\r', '\n']).len();
        Some((start + lead, raw.trim_matches([' ', '\t', '\r', '\n'])))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_split_respects_quotes_and_angles() {
        let v = r#""Doe, J" <sip:a,b@x>;q=1, <sip:c@y> ,sip:d@z"#;
        let parts: Vec<_> = split_list(v).map(|(_, s)| s).collect();
        assert_eq!(
            parts,
            vec![r#""Doe, J" <sip:a,b@x>;q=1"#, "<sip:c@y>", "sip:d@z"]
        );
        let empties: Vec<_> = split_list("a,,b").map(|(_, s)| s).collect();
        assert_eq!(empties, vec!["a", "", "b"]);
    }
}
