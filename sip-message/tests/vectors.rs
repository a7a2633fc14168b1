//! The crate's own test messages (`tests/vectors/`), one or more per
//! RFC 4475 category (valid torture, invalid, transaction, application,
//! RFC 2543 compatibility) and per RFC 5118 theme, with the outcome each
//! must have: `ok`, or the [`ErrorKind`] it must fail with.

use std::path::Path;

use bytes::Bytes;
use sip_message::{ErrorKind, Message, ParseError};

fn kind_name(k: ErrorKind) -> String {
    let s = format!("{k:?}");
    s.split('(').next().unwrap_or(&s).to_owned()
}

fn check(bytes: Bytes) -> Result<Message, ParseError> {
    let m = Message::parse(bytes)?;
    m.check_typed_headers()?;
    m.validate()?;
    Ok(m)
}

#[test]
fn vectors_have_their_expected_outcome() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    let mut n = 0;
    for line in manifest.lines().skip(1) {
        let (file, expect) = line.split_once('\t').unwrap();
        let bytes = Bytes::from(std::fs::read(dir.join(file)).unwrap());
        let got = check(bytes.clone());
        match (expect, &got) {
            ("ok", Ok(m)) => {
                // An accepted message serializes back to its input.
                assert!(bytes.starts_with(&m.to_bytes()), "{file}");
            }
            ("ok", Err(e)) => panic!("{file}: expected ok, got {e}"),
            (kind, Err(e)) => assert_eq!(kind_name(e.kind()), kind, "{file}: {e}"),
            (kind, Ok(_)) => panic!("{file}: expected {kind}, but it was accepted"),
        }
        n += 1;
    }
    assert!(n >= 20, "only {n} vectors");
}
