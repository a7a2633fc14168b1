//! Sanity check for the benchmark: on every corpus message, sip-message,
//! rsipstack and rsip all parse it and read the same transaction fields
//! (the `Expected` table in the library), and the memchr baseline finds the
//! end of the head. Fast and offline: it runs in `cargo test --workspace`.

#[path = "../benches/peers/mod.rs"]
mod peers;

use peers::{baseline, rsip_peer, rsipstack_peer};
use sip_benches::{ours, samples, Expected, Fields};

/// Owned copy of what one parser read, for readable assertion failures.
#[derive(Debug, PartialEq, Eq)]
struct Got {
    branch: Option<String>,
    cseq: u32,
    method: String,
    call_id: String,
    from_tag: Option<String>,
    to_tag: Option<String>,
}

impl Got {
    fn of(f: &Fields<'_>) -> Self {
        Self {
            branch: f.branch.map(str::to_owned),
            cseq: f.cseq,
            method: f.method.to_owned(),
            call_id: f.call_id.to_owned(),
            from_tag: f.from_tag.map(str::to_owned),
            to_tag: f.to_tag.map(str::to_owned),
        }
    }

    fn expected(e: &Expected) -> Self {
        Self {
            branch: Some(e.branch.to_owned()),
            cseq: e.cseq,
            method: e.method.to_owned(),
            call_id: e.call_id.to_owned(),
            from_tag: e.from_tag.map(str::to_owned),
            to_tag: e.to_tag.map(str::to_owned),
        }
    }
}

#[test]
fn every_parser_reads_the_expected_fields() {
    for s in samples() {
        let want = Got::expected(&s.expected);

        ours::parse(&s.bytes).unwrap_or_else(|e| panic!("sip-message rejects {}: {e}", s.id));
        rsipstack_peer::parse(&s.bytes)
            .unwrap_or_else(|e| panic!("rsipstack rejects {}: {e}", s.id));
        rsip_peer::parse(&s.bytes).unwrap_or_else(|e| panic!("rsip rejects {}: {e}", s.id));

        let got = ours::fields(&s.bytes, Got::of).unwrap();
        assert_eq!(got, want, "sip-message on {}", s.id);
        let got = rsipstack_peer::fields(&s.bytes, Got::of).unwrap();
        assert_eq!(got, want, "rsipstack on {}", s.id);
        let got = rsip_peer::fields(&s.bytes, Got::of).unwrap();
        assert_eq!(got, want, "rsip on {}", s.id);
        assert!(
            ours::fields(&s.bytes, |f| f.matches(&s.expected)).unwrap(),
            "{}",
            s.id
        );
    }
}

#[test]
fn memchr_baseline_finds_the_head() {
    for s in samples() {
        let head = s.bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        let (lines, end) = baseline::memchr_scan(&s.bytes).unwrap();
        assert_eq!(end, head, "{}", s.id);
        // Start line + headers: one LF each, the blank line not counted.
        let expected_lines = s.bytes[..head - 2].iter().filter(|&&b| b == b'\n').count();
        assert_eq!(lines, expected_lines, "{}", s.id);
    }
}
