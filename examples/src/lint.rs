//! What `sip-lint` checks and prints, kept apart from its command line so
//! tests can drive it.

use bytes::Bytes;
use serde_json::{json, Value};
use sip_message::{Message, ParseError};

/// The outcome of linting one message.
#[derive(Debug)]
pub struct Report {
    /// The message, if it parsed as a datagram.
    pub message: Option<Message>,
    /// `Ok` when every check passed, else the first failure.
    pub result: Result<(), ParseError>,
}

/// Parses `bytes` as one datagram (RFC 3261 §18.3), then every header that
/// has a typed form and every URI, then the checks an element applies
/// before it acts on a message ([`Message::validate`]).
pub fn lint(bytes: Bytes) -> Report {
    match Message::parse(bytes) {
        Err(e) => Report {
            message: None,
            result: Err(e),
        },
        Ok(m) => {
            let result = m.check_typed_headers().and_then(|()| m.validate());
            Report {
                message: Some(m),
                result,
            }
        }
    }
}

/// The one-line text form: `PATH: ok` or `PATH: error: <what> at line L column C`.
pub fn line(path: &str, report: &Report) -> String {
    match &report.result {
        Ok(()) => format!("{path}: ok"),
        Err(e) => format!("{path}: error: {e}"),
    }
}

/// The JSON form: the verdict, the error's position, and the parsed start
/// line, headers (name, raw name, value) and body length when it parsed.
pub fn to_json(path: &str, report: &Report) -> Value {
    let mut v = json!({ "path": path, "ok": report.result.is_ok() });
    if let Err(e) = &report.result {
        v["error"] = json!({
            "message": e.to_string(),
            "kind": format!("{:?}", e.kind()),
            "line": e.line(),
            "column": e.column(),
            "offset": e.offset(),
        });
    }
    if let Some(m) = &report.message {
        v["start_line"] = if m.is_request() {
            json!({
                "method": m.method().map(|x| x.as_str()),
                "request_uri": m.request_uri_str(),
                "version": m.version(),
            })
        } else {
            json!({
                "version": m.version(),
                "status": m.status(),
                "reason": m.reason(),
            })
        };
        v["headers"] = m
            .headers()
            .map(|h| json!({ "name": h.name.as_str(), "raw_name": h.raw_name, "value": h.value }))
            .collect();
        v["body_length"] = json!(m.body().len());
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> Bytes {
        let path = format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR"));
        Bytes::from(std::fs::read(path).unwrap())
    }

    #[test]
    fn shipped_sample_is_ok() {
        let r = lint(sample("invite.sip"));
        assert_eq!(line("invite.sip", &r), "invite.sip: ok");
        let j = to_json("invite.sip", &r);
        assert_eq!(j["ok"], true);
        assert_eq!(j["start_line"]["method"], "INVITE");
        assert_eq!(j["headers"][0]["name"], "Via");
        assert_eq!(j["headers"].as_array().unwrap().len(), 9);
        assert_eq!(j["body_length"], 149);
    }

    #[test]
    fn broken_sample_reports_line_and_column() {
        let r = lint(sample("broken-options.sip"));
        assert_eq!(
            line("b.sip", &r),
            "b.sip: error: expected a closing '>' at line 5 column 13"
        );
        let j = to_json("b.sip", &r);
        assert_eq!(j["ok"], false);
        assert_eq!(j["error"]["line"], 5);
        assert_eq!(j["error"]["kind"], "UnterminatedAngle");
        // It parsed as a datagram, so the start line is still shown.
        assert_eq!(j["start_line"]["method"], "OPTIONS");
    }

    /// The element checks run after the typed ones: RFC 3261 §8.1.1.5.
    #[test]
    fn cseq_method_mismatch_is_reported() {
        let msg = b"BYE sip:bob@biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds10\r\n\
Max-Forwards: 70\r\nFrom: <sip:alice@atlanta.example.com>;tag=1\r\n\
To: <sip:bob@biloxi.example.com>;tag=2\r\nCall-ID: x\r\nCSeq: 231 INVITE\r\n\
Content-Length: 0\r\n\r\n";
        let r = lint(Bytes::from_static(msg));
        assert!(line("m", &r).contains("CSeq method equal to the request method at line 7"));
    }

    #[test]
    fn unparseable_input_has_no_start_line() {
        let r = lint(Bytes::from_static(b"\x00\x01garbage"));
        let j = to_json("g", &r);
        assert_eq!(j["ok"], false);
        assert!(j.get("start_line").is_none());
    }
}
