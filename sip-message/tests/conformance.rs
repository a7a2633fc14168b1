//! Conformance against the shared corpus: the RFC 4475 torture tests, the
//! RFC 5118 IPv6 tests and real-world messages, each with the outcome
//! `../shared/corpus/MANIFEST.tsv` expects.
//!
//! The corpus is read at run time from `$SIP_CORPUS_DIR`, or from
//! `../shared/corpus` beside the repository. If it is missing the test
//! fails loudly: a conformance run that checked nothing must not pass.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use sip_message::{
    CSeq, Contact, ContentType, ErrorKind, From, HeaderName, MaxForwards, Message, Method,
    ParseError, ReferTo, To, Uri, Via,
};

fn corpus_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("SIP_CORPUS_DIR") {
        return PathBuf::from(d);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus")
}

struct Case {
    path: String,
    kind: String,
    expectation: String,
    bytes: Bytes,
}

fn load() -> Vec<Case> {
    let dir = corpus_dir();
    let manifest = dir.join("MANIFEST.tsv");
    let text = std::fs::read_to_string(&manifest).unwrap_or_else(|e| {
        panic!(
            "\n\n*** The shared SIP corpus is missing: cannot read {} ({e}).\n\
             *** Clone the project with ../shared beside it or set SIP_CORPUS_DIR.\n\
             *** The conformance test refuses to pass without checking anything.\n",
            manifest.display()
        )
    });
    let mut cases = Vec::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        assert!(cols.len() >= 3, "malformed manifest row: {line}");
        let path = cols[0].to_owned();
        if path.starts_with("pidf/") {
            continue; // bodies for the presence crate, not SIP messages
        }
        let raw = std::fs::read(dir.join(&path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        let bytes = if path.starts_with("rfc5118/") {
            // The RFC 5118 archive uses bare LF; the corpus README says to
            // make every LF a CRLF and end the head with CRLF CRLF.
            let mut v = Vec::with_capacity(raw.len() + 64);
            for &b in &raw {
                if b == b'\n' {
                    v.push(b'\r');
                }
                v.push(b);
            }
            while !v.ends_with(b"\r\n\r\n") {
                v.extend_from_slice(b"\r\n");
            }
            fix_content_length(v)
        } else {
            raw
        };
        cases.push(Case {
            path,
            kind: cols[1].to_owned(),
            expectation: cols[2].to_owned(),
            bytes: Bytes::from(bytes),
        });
    }
    cases
}

/// Three RFC 5118 files carry a Content-Length that fits neither the LF
/// nor the CRLF form of their body (the corpus README: "don't assert on
/// Content-Length there"); for those the wire form gets the CRLF body's length.
fn fix_content_length(v: Vec<u8>) -> Vec<u8> {
    let Some(blank) = v.windows(4).position(|w| w == b"\r\n\r\n") else {
        return v;
    };
    let body_len = v.len() - (blank + 4);
    let head = String::from_utf8_lossy(&v[..blank + 2]).into_owned();
    let mut out = String::new();
    for line in head.split_inclusive("\r\n") {
        if line.to_ascii_lowercase().starts_with("content-length") {
            out.push_str(&format!("Content-Length: {body_len}\r\n"));
        } else {
            out.push_str(line);
        }
    }
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&v[blank + 2..]);
    bytes
}

/// Everything an element reads before acting on a message: every header
/// that has a typed form, every URI, and the checks of [`Message::validate`].
fn deep_check(msg: &Message) -> Result<(), ParseError> {
    msg.check_typed_headers()?;
    msg.validate()
}

fn outcome(case: &Case) -> Result<Message, ParseError> {
    let msg = Message::parse(case.bytes.clone())?;
    deep_check(&msg)?;
    Ok(msg)
}

/// The manifest rows, checked against their expected outcome.
#[test]
fn corpus_manifest_outcomes() {
    let cases = load();
    let sip: Vec<&Case> = cases.iter().collect();
    assert_eq!(sip.len(), 73, "the manifest lists 73 SIP messages");
    let mut failures = Vec::new();
    for case in &sip {
        let parsed = Message::parse(case.bytes.clone());
        let result = outcome(case);
        match case.kind.as_str() {
            "valid" => {
                if let Err(e) = &result {
                    failures.push(format!("{}: valid but rejected: {e}", case.path));
                }
            }
            "valid-but-odd" => {
                // Must parse; the element-level checks come in the per-file tests.
                if let Err(e) = &parsed {
                    failures.push(format!(
                        "{}: valid-but-odd but parse failed: {e}",
                        case.path
                    ));
                }
            }
            "invalid" => {
                if result.is_ok() {
                    failures.push(format!(
                        "{}: invalid but accepted ({})",
                        case.path, case.expectation
                    ));
                }
            }
            other => failures.push(format!("{}: unknown kind {other}", case.path)),
        }
    }
    assert!(failures.is_empty(), "\n{}\n", failures.join("\n"));
}

fn case(name: &str) -> Case {
    load()
        .into_iter()
        .find(|c| c.path == name)
        .unwrap_or_else(|| panic!("{name} not in the manifest"))
}

fn msg(name: &str) -> Message {
    let c = case(name);
    Message::parse(c.bytes.clone()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn err(name: &str) -> ParseError {
    let c = case(name);
    outcome(&c).expect_err(name)
}

fn uri(s: &str) -> Uri {
    Uri::parse(s).unwrap()
}

/// RFC 4475 §3.1.1.1: the unknown header value is kept verbatim, and
/// folded values and odd LWS still yield their typed values.
#[test]
fn rfc4475_wsinv() {
    let m = msg("rfc4475/wsinv.dat");
    assert_eq!(m.method(), Some(&Method::Invite));
    let to: To = m.typed().unwrap();
    assert_eq!(to.uri(), &uri("sip:vivekg@chair-dnrc.example.com"));
    assert_eq!(to.tag(), Some("1918181833n"));
    let from: From = m.typed().unwrap();
    assert_eq!(from.display_name().as_deref(), Some("J Rosenberg \\\""));
    assert_eq!(from.tag(), Some("98asjd8"));
    let ruri = m.request_uri().unwrap().unwrap();
    assert_eq!(ruri.as_sip().unwrap().param("unknownparam"), Some(None));
    assert_eq!(m.typed::<CSeq>().unwrap(), CSeq::new(9, Method::Invite));
    assert_eq!(m.typed::<MaxForwards>().unwrap(), MaxForwards(68));
    assert_eq!(m.typed_all::<Via>().count(), 3);
    let v: Via = m.typed().unwrap();
    assert_eq!(v.host(), "192.0.2.2");
    assert_eq!(v.branch(), Some("390skdjuw"));
    let unknown = m
        .headers()
        .find(|h| h.raw_name == "NewFangledHeader")
        .expect("unknown header kept");
    assert_eq!(
        unknown.value,
        "newfangled value\r\n continued newfangled value"
    );
    assert_eq!(m.to_bytes(), case("rfc4475/wsinv.dat").bytes, "lossless");
}

/// RFC 4475 §3.1.1.2: every odd legal character in method, tags and Call-ID.
#[test]
fn rfc4475_intmeth() {
    let m = msg("rfc4475/intmeth.dat");
    assert_eq!(
        m.method().unwrap().as_str(),
        "!interesting-Method0123456789_*+`.%indeed'~"
    );
    let to: To = m.typed().unwrap();
    assert!(to.display_name().unwrap().contains('\0'));
    assert_eq!(
        m.call_id(),
        Some("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{")
    );
}

/// RFC 4475 §3.1.1.3: escaped URIs compare equal to their unescaped forms;
/// the Request-URI user is the text `sips:user@example.com`.
#[test]
fn rfc4475_esc01() {
    let m = msg("rfc4475/esc01.dat");
    let ruri = m.request_uri().unwrap().unwrap();
    let sip = ruri.as_sip().unwrap();
    assert_eq!(sip.user().as_deref(), Some("sips:user@example.com"));
    assert_eq!(sip.host(), "example.net");
    assert_eq!(m.typed::<To>().unwrap().uri(), &uri("sip:user@example.com"));
    assert_eq!(
        m.typed::<From>()
            .unwrap()
            .uri()
            .as_sip()
            .unwrap()
            .user()
            .as_deref(),
        Some("I have spaces")
    );
    let c: Contact = m.typed().unwrap();
    assert_eq!(
        c.address().unwrap().uri(),
        &uri("sip:caller@host5.example.net;lr;name=value%25%34%31")
    );
}

/// RFC 4475 §3.1.1.4: `%00` is data; the two Contacts differ.
#[test]
fn rfc4475_escnull() {
    let m = msg("rfc4475/escnull.dat");
    let c: Vec<Contact> = m.typed_all::<Contact>().map(Result::unwrap).collect();
    assert_eq!(c.len(), 2);
    assert_ne!(c[0], c[1]);
    let u = c[1].address().unwrap().uri().as_sip().unwrap().clone();
    assert_eq!(u.user().as_deref(), Some("\0\0"));
}

/// RFC 4475 §3.1.1.5: `RE%47IST%45R` is an extension method and
/// `C%6Fntact` an unknown header.
#[test]
fn rfc4475_esc02() {
    let m = msg("rfc4475/esc02.dat");
    assert_eq!(m.method(), Some(&Method::Extension("RE%47IST%45R".into())));
    assert!(m
        .headers()
        .any(|h| h.raw_name == "C%6Fntact" && matches!(h.name, HeaderName::Other(_))));
}

/// RFC 4475 §3.1.1.7: nothing long is truncated.
#[test]
fn rfc4475_longreq() {
    let m = msg("rfc4475/longreq.dat");
    assert_eq!(m.typed_all::<Via>().count(), 34);
    let long = m
        .headers()
        .find(|h| h.raw_name.starts_with("Unknown-LongLong"))
        .unwrap();
    assert!(long.raw_name.len() > 80 && long.value.len() > 80);
    let to: To = m.typed().unwrap();
    assert!(to.display_name().unwrap().ends_with("extreme proportion"));
    let u = to.uri().as_sip().unwrap();
    assert_eq!(u.port(), Some(6000));
    assert!(u.params().any(|(n, _)| n.len() > 100));
    assert_eq!(u.param("longparamnamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamename"), Some(Some("shortvalue")));
}

/// RFC 4475 §3.1.1.8 and RFC 3261 §18.3: the INVITE after the REGISTER's
/// zero-length body is surplus and discarded.
#[test]
fn rfc4475_dblreq() {
    let m = msg("rfc4475/dblreq.dat");
    assert_eq!(m.method(), Some(&Method::Register));
    assert!(m.body().is_empty());
}

/// RFC 4475 §3.1.1.9: the user part holds a semicolon.
#[test]
fn rfc4475_semiuri() {
    let m = msg("rfc4475/semiuri.dat");
    let u = m.request_uri().unwrap().unwrap();
    let u = u.as_sip().unwrap();
    assert_eq!(u.user_raw(), Some("user;par=u%40example.net"));
    assert_eq!(u.host(), "example.com");
    assert_eq!(u.params().count(), 0);
}

/// RFC 4475 §3.1.1.10: five Via transports.
#[test]
fn rfc4475_transports() {
    let m = msg("rfc4475/transports.dat");
    let t: Vec<String> = m
        .typed_all::<Via>()
        .map(|v| v.unwrap().transport().to_owned())
        .collect();
    assert_eq!(t, ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"]);
}

/// RFC 4475 §3.1.1.11: a binary multipart body taken by Content-Length.
#[test]
fn rfc4475_mpart01() {
    let m = msg("rfc4475/mpart01.dat");
    assert_eq!(m.body().len(), 553);
    assert!(m.typed::<ContentType>().unwrap().is("multipart", "mixed"));
}

/// RFC 4475 §3.1.1.12 and §3.1.1.13: UTF-8 and empty reason phrases.
#[test]
fn rfc4475_unreason_noreason() {
    let m = msg("rfc4475/unreason.dat");
    assert_eq!(m.status(), Some(200));
    let r = m.reason().unwrap();
    assert!(!r.is_ascii(), "{r}");
    assert!(r.starts_with("= 2**3 * 5**2"));
    let m = msg("rfc4475/noreason.dat");
    assert_eq!((m.status(), m.reason()), (Some(100), Some("")));
}

/// RFC 4475 §3.1.2: each invalid message fails where the RFC says it is broken.
#[test]
fn rfc4475_invalid_messages_fail_for_the_right_reason() {
    use ErrorKind as K;
    let kinds = [
        ("rfc4475/clerr.dat", K::BodyTooShort),
        ("rfc4475/ncl.dat", K::InvalidContentLength),
        ("rfc4475/ltgtruri.dat", K::InvalidUri),
        ("rfc4475/lwsstart.dat", K::InvalidUri),
        ("rfc4475/trws.dat", K::ExpectedCrlf),
        ("rfc4475/badvers.dat", K::UnsupportedVersion),
        ("rfc4475/mismatch01.dat", K::CSeqMethodMismatch),
        ("rfc4475/mismatch02.dat", K::CSeqMethodMismatch),
        ("rfc4475/bigcode.dat", K::InvalidStatusCode),
        ("rfc4475/mcl01.dat", K::ConflictingContentLength),
        ("rfc4475/insuf.dat", K::MissingHeader("To")),
        ("rfc4475/quotbal.dat", K::UnterminatedQuote),
        ("rfc4475/test.dat", K::InvalidVersion),
    ];
    for (name, kind) in kinds {
        assert_eq!(err(name).kind(), kind, "{name}");
    }
    // RFC 4475 §3.1.2.4: CSeq above 2^32-1.
    let e = err("rfc4475/scalar02.dat");
    assert!(
        matches!(e.kind(), K::NumberOutOfRange | K::RepeatedHeader(_)),
        "{e}"
    );
}

/// RFC 4475 §3.1.2.16: SIP/7.0 parses as a request, then fails validation (505).
#[test]
fn rfc4475_badvers_parses_then_fails_validation() {
    let m = msg("rfc4475/badvers.dat");
    assert_eq!(m.version(), "SIP/7.0");
    assert_eq!(
        m.validate().unwrap_err().kind(),
        ErrorKind::UnsupportedVersion
    );
}

/// RFC 4475 §3.3.1: the parser must not fail on a message missing Call-ID,
/// From and To; validation reports it.
#[test]
fn rfc4475_insuf_parses() {
    let m = msg("rfc4475/insuf.dat");
    assert!(!m.has_header(&HeaderName::CallId));
    assert!(m.validate().is_err());
}

/// RFC 4475 §3.3.2-§3.3.4: unknown URI schemes are kept opaque.
#[test]
fn rfc4475_unknown_schemes() {
    let m = msg("rfc4475/unkscm.dat");
    assert!(matches!(m.request_uri().unwrap().unwrap(), Uri::Other(_)));
    let m = msg("rfc4475/novelsc.dat");
    assert_eq!(m.request_uri().unwrap().unwrap().scheme(), "soap.beep");
    let m = msg("rfc4475/unksm2.dat");
    assert_eq!(m.typed::<To>().unwrap().uri().scheme(), "isbn");
}

/// RFC 4475 §3.3.12 and §3.3.13: where `;unknownparam` belongs.
#[test]
fn rfc4475_cparam() {
    let m = msg("rfc4475/cparam01.dat");
    let c: Contact = m.typed().unwrap();
    assert_eq!(
        c.address().unwrap().uri(),
        &uri("sip:+19725552222@gw1.example.net")
    );
    assert!(c.address().unwrap().params().contains("unknownparam"));
    let m = msg("rfc4475/cparam02.dat");
    let c: Contact = m.typed().unwrap();
    let u = c.address().unwrap().uri().as_sip().unwrap();
    assert!(u.param("unknownparam").is_some());
}

/// RFC 4475 §3.3.14: a Contact URI with an escaped header is kept intact.
#[test]
fn rfc4475_regescrt() {
    let m = msg("rfc4475/regescrt.dat");
    let c: Contact = m.typed().unwrap();
    let u = c.address().unwrap().uri().as_sip().unwrap();
    assert!(u.has_headers());
    assert_eq!(u.headers().next().map(|h| h.0), Some("Route"));
}

/// RFC 4475 §3.4.1: an RFC 2543 request without Content-Length takes the
/// rest of the datagram as its body.
#[test]
fn rfc4475_inv2543() {
    let c = case("rfc4475/inv2543.dat");
    let m = msg("rfc4475/inv2543.dat");
    assert!(!m.has_header(&HeaderName::ContentLength));
    assert!(!m.body().is_empty());
    assert!(c.bytes.ends_with(m.body()));
    assert!(!m.typed::<Via>().unwrap().is_rfc3261_branch());
}

/// RFC 4475 §3.2.1: a branch that is only the magic cookie.
#[test]
fn rfc4475_badbranch() {
    let m = msg("rfc4475/badbranch.dat");
    let v: Via = m.typed().unwrap();
    assert_eq!(v.branch(), Some("z9hG4bK"));
    assert!(!v.is_rfc3261_branch());
}

/// RFC 4475 §3.3.8 and §3.3.9: repeated single-value headers fail validation.
#[test]
fn rfc4475_multi01_mcl01() {
    let m = msg("rfc4475/multi01.dat");
    assert!(matches!(
        m.validate().unwrap_err().kind(),
        ErrorKind::RepeatedHeader(_)
    ));
    let c = case("rfc4475/mcl01.dat");
    assert_eq!(
        Message::parse(c.bytes).unwrap_err().kind(),
        ErrorKind::ConflictingContentLength
    );
}

/// RFC 5118 §4.1-§4.10: IPv6 in Request-URI, Via, Contact and received.
#[test]
fn rfc5118_ipv6() {
    let m = msg("rfc5118/ipv6-good.dat");
    let u = m.request_uri().unwrap().unwrap();
    assert_eq!(u.as_sip().unwrap().host_kind(), sip_message::HostKind::Ipv6);
    let e = err("rfc5118/ipv6-bad.dat");
    assert!(
        matches!(e.kind(), ErrorKind::InvalidHost | ErrorKind::InvalidPort),
        "{e}"
    );
    let m = msg("rfc5118/port-ambiguous.dat");
    assert_eq!(
        m.request_uri().unwrap().unwrap().as_sip().unwrap().port(),
        None
    );
    let m = msg("rfc5118/port-unambiguous.dat");
    assert_eq!(
        m.request_uri().unwrap().unwrap().as_sip().unwrap().port(),
        Some(5070)
    );
    let m = msg("rfc5118/via-received-param-with-delim.dat");
    assert_eq!(
        m.typed::<Via>().unwrap().received(),
        Some("[2001:db8::9:255]")
    );
    let m = msg("rfc5118/via-received-param-no-delim.dat");
    assert_eq!(
        m.typed::<Via>().unwrap().received(),
        Some("2001:db8::9:255")
    );
    let m = msg("rfc5118/mult-ip-in-header.dat");
    let kinds: Vec<_> = m
        .typed_all::<Via>()
        .map(|v| v.unwrap().host_kind())
        .collect();
    assert!(
        kinds.contains(&sip_message::HostKind::Ipv4)
            && kinds.contains(&sip_message::HostKind::Ipv6)
    );
}

/// Real-world messages keep their quirks and still read correctly.
#[test]
fn misc_real_world() {
    let m = msg("misc/rfc3428-message.sip");
    assert_eq!(&m.body()[..], b"Watson, come here.");
    let m = msg("misc/real-polycom-refer-replaces.sip");
    let r: ReferTo = m.typed().unwrap();
    let u = r.uri().as_sip().unwrap();
    assert!(u.headers().any(|(n, _)| n.eq_ignore_ascii_case("Replaces")));
    let m = msg("misc/draft-event-list-notify-rlmi-pidf.sip");
    assert_eq!(m.body().len(), 1560);
}

/// Every message in the corpus that parses serializes back to its input.
#[test]
fn corpus_round_trips_byte_for_byte() {
    for c in load() {
        if let Ok(m) = Message::parse(c.bytes.clone()) {
            let out = m.to_bytes();
            assert!(c.bytes.starts_with(&out), "{}", c.path);
            let again = Message::parse(out).unwrap();
            assert_eq!(again, m, "{}", c.path);
        }
    }
}
