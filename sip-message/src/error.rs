//! The one error type of this crate: a kind and a position.

use core::fmt;

/// What went wrong while parsing or validating a SIP message or one of its parts.
///
/// Each kind knows what the parser expected at the failing position; the
/// [`Display`](fmt::Display) of [`ParseError`] prints it with the line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input ended where more was required.
    UnexpectedEnd,
    /// The head has no empty line (CRLF CRLF) that ends the header section.
    NoEndOfHeaders,
    /// A line did not end with CRLF (a bare LF or CR, RFC 3261 §7).
    ExpectedCrlf,
    /// The message is larger than the configured maximum.
    TooLarge,
    /// The start line is neither a Request-Line nor a Status-Line.
    InvalidStartLine,
    /// The method is not a token (RFC 3261 §25.1 `Method`).
    InvalidMethod,
    /// A single space was expected between start-line elements.
    ExpectedSpace,
    /// The SIP-Version is not `SIP/` digits `.` digits.
    InvalidVersion,
    /// The version is well-formed but not `SIP/2.0` (answer 505).
    UnsupportedVersion,
    /// The status code is not three digits in 100-699.
    InvalidStatusCode,
    /// The reason phrase contains a character the grammar does not allow.
    InvalidReasonPhrase,
    /// The head is not valid UTF-8.
    InvalidUtf8,
    /// A header name is not a token.
    InvalidHeaderName,
    /// A header line has no colon after its name.
    MissingColon,
    /// A header value contains a control character.
    InvalidHeaderValue,
    /// Content-Length is not a non-negative decimal that fits in 32 bits.
    InvalidContentLength,
    /// Two Content-Length headers disagree.
    ConflictingContentLength,
    /// The body is shorter than Content-Length says (RFC 3261 §18.3).
    BodyTooShort,
    /// A message on a stream transport has no Content-Length (RFC 3261 §18.3).
    MissingContentLength,
    /// A URI is malformed.
    InvalidUri,
    /// A URI scheme is not `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`.
    InvalidScheme,
    /// A host is not a hostname, IPv4 address or bracketed IPv6 reference.
    InvalidHost,
    /// A port is not a decimal number in 0-65535.
    InvalidPort,
    /// A `%` is not followed by two hexadecimal digits.
    InvalidEscape,
    /// A token was expected.
    ExpectedToken,
    /// A number was expected.
    ExpectedNumber,
    /// A number is larger than its field allows.
    NumberOutOfRange,
    /// A quoted string has no closing quote.
    UnterminatedQuote,
    /// A `<` has no matching `>`.
    UnterminatedAngle,
    /// A name-addr or addr-spec is malformed.
    InvalidAddress,
    /// A `;name=value` parameter is malformed (empty name, empty value after `=`).
    InvalidParam,
    /// A header value has characters after its end.
    TrailingCharacters,
    /// A required header value was empty.
    EmptyValue,
    /// A comment `( ... )` is not closed.
    UnterminatedComment,
    /// A date is not an RFC 1123 date in GMT.
    InvalidDate,
    /// A header the message needs is missing (RFC 3261 §8.1.1, §8.2.2).
    MissingHeader(&'static str),
    /// A header that takes one value appears more than once (RFC 3261 §7.3).
    RepeatedHeader(&'static str),
    /// The CSeq method differs from the Request-Line method (RFC 3261 §8.1.1.5).
    CSeqMethodMismatch,
    /// A header value is otherwise malformed for its type.
    InvalidValue(&'static str),
}

impl ErrorKind {
    /// A short description of what the parser expected, used in `Display`.
    pub fn expected(&self) -> &'static str {
        match self {
            Self::UnexpectedEnd => "more input",
            Self::NoEndOfHeaders => "an empty line (CRLF CRLF) ending the headers",
            Self::ExpectedCrlf => "CRLF at the end of the line",
            Self::TooLarge => "a message within the size limit",
            Self::InvalidStartLine => "a Request-Line or a Status-Line",
            Self::InvalidMethod => "a method token",
            Self::ExpectedSpace => "a single SP between start-line elements",
            Self::InvalidVersion => "SIP-Version (SIP/2.0)",
            Self::UnsupportedVersion => "version SIP/2.0",
            Self::InvalidStatusCode => "a three-digit status code 100-699",
            Self::InvalidReasonPhrase => "a reason phrase of UTF-8 text",
            Self::InvalidUtf8 => "UTF-8 text",
            Self::InvalidHeaderName => "a header name token",
            Self::MissingColon => "':' after the header name",
            Self::InvalidHeaderValue => "a header value without control characters",
            Self::InvalidContentLength => "a Content-Length of 0 to 4294967295",
            Self::ConflictingContentLength => "one Content-Length value",
            Self::BodyTooShort => "a body as long as Content-Length",
            Self::MissingContentLength => "a Content-Length header on a stream",
            Self::InvalidUri => "a URI",
            Self::InvalidScheme => "a URI scheme",
            Self::InvalidHost => "a hostname, IPv4 address or [IPv6] reference",
            Self::InvalidPort => "a port number 0-65535",
            Self::InvalidEscape => "'%' followed by two hex digits",
            Self::ExpectedToken => "a token",
            Self::ExpectedNumber => "a decimal number",
            Self::NumberOutOfRange => "a number within range",
            Self::UnterminatedQuote => "a closing '\"'",
            Self::UnterminatedAngle => "a closing '>'",
            Self::InvalidAddress => "a name-addr or addr-spec",
            Self::InvalidParam => "a parameter name[=value]",
            Self::TrailingCharacters => "the end of the value",
            Self::EmptyValue => "a non-empty value",
            Self::UnterminatedComment => "a closing ')'",
            Self::InvalidDate => "an RFC 1123 date in GMT",
            Self::MissingHeader(_) => "a required header",
            Self::RepeatedHeader(_) => "a single-value header at most once",
            Self::CSeqMethodMismatch => "a CSeq method equal to the request method",
            Self::InvalidValue(what) => what,
        }
    }
}

/// A parse or validation error: what went wrong and where.
///
/// `offset` counts bytes from the start of the input the failing call was
/// given (the datagram for [`Message::parse`](crate::Message::parse), the
/// value for a typed header parsed on its own). Errors raised by
/// [`Message`](crate::Message) accessors are rebased onto the whole message.
/// `line` and `column` are 1-based and computed from the same input.
///
/// The type is `Copy` and allocation-free, so rejecting a flood of bad
/// datagrams costs no heap traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParseError {
    kind: ErrorKind,
    offset: u32,
    line: u32,
    column: u32,
}

impl ParseError {
    /// Builds an error at `offset` of `input`, computing its line and column.
    pub fn at(kind: ErrorKind, input: &[u8], offset: usize) -> Self {
        let offset = offset.min(input.len());
        let before = &input[..offset];
        let line = 1 + memchr::memchr_iter(b'\n', before).count();
        let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
        let column = 1 + offset - line_start;
        Self {
            kind,
            offset: saturate(offset),
            line: saturate(line),
            column: saturate(column),
        }
    }

    /// Builds an error with a position that has no input to refer to (line 1).
    pub fn new(kind: ErrorKind, offset: usize) -> Self {
        Self {
            kind,
            offset: saturate(offset),
            line: 1,
            column: saturate(offset + 1),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Byte offset from the start of the input.
    pub fn offset(&self) -> usize {
        self.offset as usize
    }

    /// 1-based line number.
    pub fn line(&self) -> u32 {
        self.line
    }

    /// 1-based column (in bytes) within the line.
    pub fn column(&self) -> u32 {
        self.column
    }

    /// Moves an error found inside a sub-slice (`base` bytes into `input`)
    /// onto `input`, computing its line and column there.
    pub(crate) fn rebase(self, input: &[u8], base: usize) -> Self {
        Self::at(self.kind, input, base + self.offset as usize)
    }
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ErrorKind::MissingHeader(name) => write!(f, "missing {name} header")?,
            ErrorKind::RepeatedHeader(name) => write!(f, "{name} header repeated")?,
            kind => write!(f, "expected {}", kind.expected())?,
        }
        write!(f, " at line {} column {}", self.line, self.column)
    }
}

impl std::error::Error for ParseError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_is_line_and_column() {
        let input = b"INVITE sip:a@b SIP/2.0\r\nVia x\r\n";
        let e = ParseError::at(ErrorKind::MissingColon, input, 27);
        assert_eq!((e.line(), e.column()), (2, 4));
        assert_eq!(
            e.to_string(),
            "expected ':' after the header name at line 2 column 4"
        );
    }

    #[test]
    fn error_is_small_and_copy() {
        fn is_copy<T: Copy>() {}
        is_copy::<ParseError>();
        assert!(core::mem::size_of::<ParseError>() <= 40);
    }
}
