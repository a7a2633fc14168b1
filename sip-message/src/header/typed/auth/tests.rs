use proptest::prelude::*;

use super::*;

fn www(s: &str) -> WwwAuthenticate {
    WwwAuthenticate::parse_str(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn authz(s: &str) -> Authorization {
    Authorization::parse_str(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

use crate::header::typed::testing::round_trip_stable as round_trip;

/// RFC 3261 §20.44: `WWW-Authenticate: Digest realm="atlanta.com",
/// domain="sip:boxesbybob.com", qop="auth", nonce="f84f1cec41e6cbe5aea9c8e88d359",
/// opaque="", stale=FALSE, algorithm=MD5`
#[test]
fn rfc3261_20_44_www_authenticate_example() {
    let h = www(
        "Digest realm=\"atlanta.com\",\r\n domain=\"sip:boxesbybob.com\", qop=\"auth\",\r\n \
         nonce=\"f84f1cec41e6cbe5aea9c8e88d359\",\r\n opaque=\"\", stale=FALSE, algorithm=MD5",
    );
    assert_eq!(h.scheme(), "Digest");
    assert!(h.is_digest());
    assert_eq!(h.realm().as_deref(), Some("atlanta.com"));
    assert_eq!(h.domain().collect::<Vec<_>>(), ["sip:boxesbybob.com"]);
    assert_eq!(h.qop_options().collect::<Vec<_>>(), ["auth"]);
    assert_eq!(h.nonce().as_deref(), Some("f84f1cec41e6cbe5aea9c8e88d359"));
    assert_eq!(h.opaque().as_deref(), Some(""));
    assert!(!h.stale());
    assert_eq!(h.algorithm().as_deref(), Some("MD5"));
    assert_eq!(h.params().count(), 7);
    // Folding is whitespace and goes away on encode.
    assert_eq!(
        h.to_value_string(),
        "Digest realm=\"atlanta.com\", domain=\"sip:boxesbybob.com\", qop=\"auth\", \
         nonce=\"f84f1cec41e6cbe5aea9c8e88d359\", opaque=\"\", stale=FALSE, algorithm=MD5"
    );
    round_trip(&h);
}

/// RFC 3665 §2.1 F2: the 401 challenge, folded over three lines.
#[test]
fn rfc3665_2_1_f2_folded_challenge() {
    let h = www("Digest realm=\"atlanta.example.com\", qop=\"auth\",\r\n \
         nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\",\r\n opaque=\"\", stale=FALSE, algorithm=MD5");
    assert_eq!(h.realm().as_deref(), Some("atlanta.example.com"));
    assert_eq!(
        h.nonce().as_deref(),
        Some("ea9c8e88df84f1cec4341ae6cbe5a359")
    );
    let built = Challenge::digest("atlanta.example.com", "ea9c8e88df84f1cec4341ae6cbe5a359")
        .qop(&["auth"])
        .opaque("")
        .stale(false)
        .algorithm("MD5")
        .build()
        .unwrap();
    // Same fields, different order: not equal field by field, but every
    // typed getter agrees.
    assert_eq!(built.realm(), h.realm());
    assert_eq!(built.nonce(), h.nonce());
    assert_eq!(built.opaque(), h.opaque());
    assert_eq!(built.stale(), h.stale());
    assert_eq!(built.algorithm(), h.algorithm());
    assert!(built.qop_options().eq(h.qop_options()));
    round_trip(&h);
}

/// RFC 3665 §2.1 F3: the REGISTER's Authorization, folded; its response
/// has 31 hex digits, so the length of `response` is not enforced.
#[test]
fn rfc3665_2_1_f3_folded_credentials() {
    let h = authz(
        "Digest username=\"bob\", realm=\"atlanta.example.com\",\r\n \
         nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", opaque=\"\",\r\n \
         uri=\"sips:ss2.biloxi.example.com\",\r\n response=\"dfe56131d1958046689d83306477ecc\"",
    );
    assert_eq!(h.username().as_deref(), Some("bob"));
    assert_eq!(h.realm().as_deref(), Some("atlanta.example.com"));
    assert_eq!(h.uri().as_deref(), Some("sips:ss2.biloxi.example.com"));
    assert_eq!(h.response(), Some("dfe56131d1958046689d83306477ecc"));
    assert_eq!(h.opaque().as_deref(), Some(""));
    assert_eq!(h.algorithm(), None);
    assert_eq!(h.nc(), None);
    round_trip(&h);
}

/// RFC 3261 §20.7: `Authorization: Digest username="Alice", realm="atlanta.com",
/// nonce="84a4cc6f3082121f32b42a2187831a9e", response="7587245234b3434cc3412213e5f113a5432"`
#[test]
fn rfc3261_20_7_authorization_example() {
    let h = authz(
        "Digest username=\"Alice\", realm=\"atlanta.com\",\r\n \
         nonce=\"84a4cc6f3082121f32b42a2187831a9e\", response=\"7587245234b3434cc3412213e5f113a5432\"",
    );
    assert_eq!(h.username().as_deref(), Some("Alice"));
    assert_eq!(h.response(), Some("7587245234b3434cc3412213e5f113a5432"));
    let built = Credentials::digest(
        "Alice",
        "atlanta.com",
        "84a4cc6f3082121f32b42a2187831a9e",
        "sip:bob@biloxi.com",
        "7587245234b3434cc3412213e5f113a5432",
    )
    .build()
    .unwrap();
    assert_eq!(built.username(), h.username());
    round_trip(&Authorization(built));
}

/// RFC 3261 §20.27 and §20.28: Proxy-Authenticate / Proxy-Authorization examples.
#[test]
fn rfc3261_20_27_20_28_proxy_examples() {
    let pa = ProxyAuthenticate::parse_str(
        "Digest realm=\"atlanta.com\",\r\n domain=\"sip:ss1.carrier.com\", qop=\"auth\",\r\n \
         nonce=\"f84f1cec41e6cbe5aea9c8e88d359\",\r\n opaque=\"\", stale=FALSE, algorithm=MD5",
    )
    .unwrap();
    assert_eq!(pa.domain().collect::<Vec<_>>(), ["sip:ss1.carrier.com"]);
    round_trip(&pa);
    let pz = ProxyAuthorization::parse_str(
        "Digest username=\"Alice\", realm=\"atlanta.com\",\r\n \
         nonce=\"c60f3082ee1212b402a21831ae\",\r\n response=\"245f23415f11432b3434341c022\"",
    )
    .unwrap();
    assert_eq!(pz.nonce().as_deref(), Some("c60f3082ee1212b402a21831ae"));
    round_trip(&pz);
}

/// RFC 4475 §3.3.7 (regaut01): an Authorization header with an unknown
/// scheme is well formed; a parser must not fail on it (a registrar that
/// authenticates answers 401 with a scheme it knows).
#[test]
fn rfc4475_regaut01_unknown_scheme_parses() {
    let h = authz("NoOneKnowsThisScheme opaque-data=here");
    assert_eq!(h.scheme(), "NoOneKnowsThisScheme");
    assert!(!h.is_digest());
    assert_eq!(h.param("opaque-data").as_deref(), Some("here"));
    assert_eq!(h.username(), None);
    round_trip(&h);
}

/// RFC 2617 §3.2.1: "If stale is TRUE (case-insensitive), the client may
/// wish to simply retry the request with a new encrypted response";
/// RFC 3261 §25.1: `stale = "stale" EQUAL ( "true" / "false" )`.
#[test]
fn rfc2617_stale_is_case_insensitive() {
    assert!(www("Digest realm=\"a\", nonce=\"b\", stale=TRUE").stale());
    assert!(www("Digest realm=\"a\", nonce=\"b\", stale=true").stale());
    assert!(!www("Digest realm=\"a\", nonce=\"b\", stale=False").stale());
    assert!(!www("Digest realm=\"a\", nonce=\"b\"").stale());
    assert!(WwwAuthenticate::parse_str("Digest realm=\"a\", nonce=\"b\", stale=maybe").is_err());
}

/// RFC 2617 §3.2.1: `qop-options = "qop" "=" <"> 1#qop-value <">`.
#[test]
fn rfc2617_qop_options_list() {
    let h = www("Digest realm=\"a\", nonce=\"b\", qop=\"auth,auth-int\"");
    assert_eq!(h.qop_options().collect::<Vec<_>>(), ["auth", "auth-int"]);
    let h = www("Digest realm=\"a\", nonce=\"b\", qop=\"auth, auth-int\"");
    assert_eq!(h.qop_options().collect::<Vec<_>>(), ["auth", "auth-int"]);
    let b = Challenge::digest("a", "b")
        .qop(&["auth", "auth-int"])
        .build()
        .unwrap();
    assert_eq!(b.param_raw("qop"), Some("\"auth,auth-int\""));
}

/// RFC 3261 §25.1: `nonce-count = "nc" EQUAL nc-value; nc-value = 8LHEX`.
#[test]
fn rfc3261_nc_is_eight_hex_digits() {
    let h = authz(
        "Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", \
         response=\"0a\", qop=auth, nc=0000002f, cnonce=\"c\"",
    );
    assert_eq!(h.nc(), Some(0x2f));
    assert_eq!(h.qop().as_deref(), Some("auth"));
    assert_eq!(h.cnonce().as_deref(), Some("c"));
    for bad in ["nc=1", "nc=000000001", "nc=0000000g"] {
        let s = format!("Digest username=\"a\", response=\"0a\", {bad}");
        assert!(Authorization::parse_str(&s).is_err(), "{s}");
    }
}

/// RFC 3261 §20.6: `Authentication-Info: nextnonce="47364c23432d2e131a5fb210812c"`.
#[test]
fn rfc3261_20_6_authentication_info_example() {
    let h = AuthenticationInfo::parse_str("nextnonce=\"47364c23432d2e131a5fb210812c\"").unwrap();
    assert_eq!(
        h.nextnonce().as_deref(),
        Some("47364c23432d2e131a5fb210812c")
    );
    round_trip(&h);
    let full = AuthenticationInfo::parse_str(
        "qop=auth, rspauth=\"6629fae49393a05397450978507c4ef1\", cnonce=\"0a4f113b\", nc=00000001",
    )
    .unwrap();
    assert_eq!(full.qop().as_deref(), Some("auth"));
    assert_eq!(full.rspauth(), Some("6629fae49393a05397450978507c4ef1"));
    assert_eq!(full.cnonce().as_deref(), Some("0a4f113b"));
    assert_eq!(full.nc(), Some(1));
    let built = AuthenticationInfo::builder()
        .qop("auth")
        .rspauth("6629fae49393a05397450978507c4ef1")
        .cnonce("0a4f113b")
        .nc(1)
        .build()
        .unwrap();
    assert_eq!(built, full);
    round_trip(&built);
    assert!(AuthenticationInfo::parse_str("").is_err());
    assert!(AuthenticationInfo::parse_str("rspauth=\"xyz\"").is_err());
}

/// RFC 8898 §2.1 uses `Authorization: Bearer <token68>` (RFC 7235 §2.1).
#[test]
fn rfc8898_bearer_token68() {
    let h = authz("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl==");
    assert_eq!(h.scheme(), "Bearer");
    assert_eq!(
        h.token68(),
        Some("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl==")
    );
    assert_eq!(h.params().count(), 0);
    round_trip(&h);
    // Digest has no token68 form.
    assert!(Authorization::parse_str("Digest abc==").is_err());
}

/// Real-world 401 from the corpus: duplicate `algorithm` and lowercase
/// `md5`; the first value wins.
#[test]
fn real_world_duplicate_params() {
    let h = ProxyAuthenticate::parse_str(
        "Digest realm=\"IndigoSw\", domain=\"sip:indigosw.com\", \
         nonce=\"V2VkIEF1ZyAxNSAxODoxMzozMiBCU1QgMjAwMVtCQDJkYjE5ZA==\", \
         opaque=\"NzA3ZjJhYzU4MGY3MzU0MQ==\", stale=false, algorithm=md5, algorithm=sha1, qop=\"auth\"",
    )
    .unwrap();
    assert_eq!(h.algorithm().as_deref(), Some("md5"));
    round_trip(&h);
    // Quoted algorithm (pingtel) is tolerated.
    let a = authz(
        "Digest realm=\"iptel.org\", uri=\"sip:iptel.org\", response=\"82a0\", algorithm=\"MD5\"",
    );
    assert_eq!(a.algorithm().as_deref(), Some("MD5"));
}

#[test]
fn quoted_pairs_are_unescaped() {
    let h = authz(r#"Digest username="a\"b\\c", realm="r", response="00""#);
    assert_eq!(h.username().as_deref(), Some(r#"a"b\c"#));
    let built = Credentials::digest(r#"a"b\c"#, "r", "n", "sip:x", "00")
        .build()
        .unwrap();
    assert_eq!(built.username().as_deref(), Some(r#"a"b\c"#));
    round_trip(&Authorization(built));
}

#[test]
fn equality_is_case_insensitive_where_tokens() {
    assert_eq!(
        www("digest REALM=\"a\", nonce=\"b\", algorithm=md5"),
        www("Digest realm=\"a\",nonce=\"b\",algorithm=MD5")
    );
    // Quoted-strings are case-sensitive.
    assert_ne!(
        www("Digest realm=\"A\", nonce=\"b\""),
        www("Digest realm=\"a\", nonce=\"b\"")
    );
}

#[test]
fn malformed_auth_values() {
    for bad in [
        "",
        "Digest",
        "Digest ",
        "Digest realm",
        "Digest realm=",
        "Digest realm=\"unterminated",
        "Digest realm=\"a\",",
        "Digest realm=\"a\",, nonce=\"b\"",
        "Digest realm=\"a\" nonce=\"b\"",
        "Digest realm=a b",
        "Digest realm=<sip:x>",
        "Digest, realm=\"a\"",
        "Digest realm=\"a\"junk",
        "Basic",
        "Basic a b",
        "\"Digest\" realm=\"a\"",
    ] {
        assert!(WwwAuthenticate::parse_str(bad).is_err(), "{bad:?}");
        assert!(Authorization::parse_str(bad).is_err(), "{bad:?}");
    }
    assert!(Authorization::parse_str("Digest username=\"a\", response=\"xyz\"").is_err());
    assert!(Challenge::digest("a\r\nb", "n").build().is_err());
    assert!(Challenge::builder("Digest")
        .param("realm", "not a token")
        .build()
        .is_err());
}

#[test]
fn parse_errors_point_at_the_problem() {
    let e = WwwAuthenticate::parse_str("Digest realm=\"a\", stale=maybe").unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::InvalidValue("stale=TRUE or stale=FALSE")
    );
    assert_eq!(e.offset(), 24);
}

#[test]
fn typed_from_message() {
    let msg = crate::Message::parse(bytes::Bytes::from_static(
        b"SIP/2.0 401 Unauthorized\r\n\
Via: SIP/2.0/TLS client.biloxi.example.com:5061;branch=z9hG4bKnashds7\r\n\
From: Bob <sips:bob@biloxi.example.com>;tag=a73kszlfl\r\n\
To: Bob <sips:bob@biloxi.example.com>;tag=1410948204\r\n\
Call-ID: 1j9FpLxk3uxtm8tn@biloxi.example.com\r\n\
CSeq: 1 REGISTER\r\n\
WWW-Authenticate: Digest realm=\"atlanta.example.com\", qop=\"auth\",\r\n \
nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\",\r\n opaque=\"\", stale=FALSE, algorithm=MD5\r\n\
Content-Length: 0\r\n\r\n",
    ))
    .unwrap();
    let h: WwwAuthenticate = msg.typed().unwrap();
    assert_eq!(h.algorithm().as_deref(), Some("MD5"));
    assert_eq!(msg.typed_all::<WwwAuthenticate>().count(), 1);
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    /// Parsing never panics, and what parses encodes to text that parses
    /// back to an equal value.
    #[test]
    fn parse_never_panics_and_round_trips(
        s in "(Digest|digest|Bearer|X-y) (\r\n )?[a-z]{1,5} ?= ?(\"[a-z ,\\\\\"]{0,6}\"|[a-z0-9]{1,4})\
              ( ?, ?(\r\n )?(stale|nc|[a-z]{1,5}) ?= ?(\"[a-z0-9 ,\\\\\"]{0,8}\"|[a-z0-9=]{1,8})){0,4}\
              |(Bearer|X) [A-Za-z0-9+/]{1,8}={0,2}"
    ) {
        if let Ok(h) = WwwAuthenticate::parse_str(&s) {
            round_trip(&h);
        }
        if let Ok(h) = Authorization::parse_str(&s) {
            round_trip(&h);
        }
        if let Ok(h) = AuthenticationInfo::parse_str(s.split_once(' ').map_or("", |(_, p)| p)) {
            round_trip(&h);
        }
    }
}
