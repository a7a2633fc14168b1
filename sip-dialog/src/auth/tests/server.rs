//! The server's rules: wrong passwords, replays, nonce expiry, malformed
//! credentials.

use proptest::prelude::*;

use super::*;

/// REGISTER F1 answered by Bob with `password`.
fn answered(
    registrar: &mut Authenticator<MemoryCredentials>,
    now: Instant,
    password: &str,
) -> Message {
    let f1 = register();
    let f2 = registrar
        .challenge_response(now, &f1, false, false)
        .unwrap();
    client("bob", password).authorize_retry(&f1, &f2).unwrap()
}

/// RFC 2617 §3.2.1: "If stale is FALSE, or anything other than TRUE, or
/// the stale directive is not present, the username and/or password are
/// invalid". A wrong digest is refused outright (403), not re-challenged.
#[test]
fn wrong_password_is_forbidden() {
    let now = t0();
    let mut registrar = server(REGISTRAR, 10);
    let f3 = answered(&mut registrar, now, "not-zanzibar");
    assert_eq!(registrar.verify(now, &f3, false), AuthResult::Forbidden);
    // Even once the nonce has expired: stale is only for a right digest.
    let mut registrar = server(REGISTRAR, 11);
    let f3 = answered(&mut registrar, now, "not-zanzibar");
    assert_eq!(
        registrar.verify(now + secs(3600), &f3, false),
        AuthResult::Forbidden
    );
}

/// A username the store does not know cannot be authenticated: 403.
#[test]
fn unknown_username_is_forbidden() {
    let now = t0();
    let mut registrar = server(REGISTRAR, 12);
    let f1 = register();
    let f2 = registrar
        .challenge_response(now, &f1, false, false)
        .unwrap();
    let f3 = client("mallory", "x").authorize_retry(&f1, &f2).unwrap();
    assert_eq!(registrar.verify(now, &f3, false), AuthResult::Forbidden);
}

/// RFC 2617 §3.2.2: "The purpose of this directive is to allow the server
/// to detect request replays by maintaining its own copy of this count -
/// if the same nc-value is seen twice, then the request is a replay."
#[test]
fn replayed_nonce_count_is_forbidden() {
    let now = t0();
    let mut registrar = server(REGISTRAR, 13);
    let f3 = answered(&mut registrar, now, "zanzibar");
    assert_eq!(registrar.verify(now, &f3, false), authorized("bob"));
    // The same message again: same nc.
    assert_eq!(registrar.verify(now, &f3, false), AuthResult::Forbidden);

    // A count that goes backwards is refused as well.
    let mut bob = client("bob", "zanzibar");
    let f1 = register();
    let f2 = registrar
        .challenge_response(now, &f1, false, false)
        .unwrap();
    let first = bob.authorize_retry(&f1, &f2).unwrap(); // nc=1
    let mut second = first.clone();
    bob.authorize(&mut second); // nc=2
    assert_eq!(registrar.verify(now, &second, false), authorized("bob"));
    assert_eq!(registrar.verify(now, &first, false), AuthResult::Forbidden);
}

/// RFC 2617 §3.2.1 (nonce): the server chooses "the time of the nonce's
/// validity"; an expired nonce is forgotten. Forgetting costs the number
/// of nonces dropped, and the table does not grow without bound.
#[test]
fn expired_nonces_are_forgotten_and_the_table_stays_small() {
    let now = t0();
    let mut registrar = server(REGISTRAR, 14);
    for i in 0..10_000u64 {
        registrar.challenge(now + Duration::from_millis(i), false);
    }
    assert_eq!(registrar.nonces_remembered(), 10_000);
    let later = now + Authenticator::<MemoryCredentials>::DEFAULT_NONCE_LIFETIME + secs(11);
    registrar.challenge(later, false);
    assert_eq!(registrar.nonces_remembered(), 1);
}

/// The size cap: a flood of unauthenticated requests within one nonce
/// lifetime evicts the oldest nonces instead of growing the table.
#[test]
fn nonce_table_is_capped() {
    let now = t0();
    let mut registrar = server(REGISTRAR, 15);
    registrar.set_max_nonces(100);
    let f3 = answered(&mut registrar, now, "zanzibar"); // the oldest nonce
    for _ in 0..1_000 {
        registrar.challenge(now, false);
    }
    assert_eq!(registrar.nonces_remembered(), 100);
    // Bob's nonce was evicted: his right digest gets a stale challenge.
    assert_eq!(
        registrar.verify(now, &f3, false),
        AuthResult::Challenge { stale: true }
    );
}

/// The nonce lifetime is a setting: a nonce is good until it expires.
#[test]
fn nonce_is_accepted_until_its_lifetime_ends() {
    let now = t0();
    let mut registrar = server(REGISTRAR, 16);
    registrar.set_nonce_lifetime(secs(30));
    let f3 = answered(&mut registrar, now, "zanzibar");
    assert_eq!(
        registrar.verify(now + secs(30), &f3, false),
        AuthResult::Challenge { stale: true }
    );
    let mut registrar = server(REGISTRAR, 16);
    registrar.set_nonce_lifetime(secs(30));
    let f3 = answered(&mut registrar, now, "zanzibar");
    assert_eq!(
        registrar.verify(now + secs(29), &f3, false),
        authorized("bob")
    );
}

/// RFC 2617 §3.2.2.5: the server "must assure that the resource designated
/// by the "uri" directive is the same as the resource specified in the
/// Request-Line; if they are not, the server SHOULD return a 400 Bad
/// Request error". RFC 3261 §22.4 item 6 lets a server behind a
/// retargeting proxy relax this ("it is not necessarily a failure if the
/// two fields are not equivalent").
#[test]
fn digest_uri_must_match_the_request_uri() {
    let now = t0();
    let mut registrar = server(REGISTRAR, 17);
    let f3 = answered(&mut registrar, now, "zanzibar");
    let mut moved = f3.clone();
    moved.set_request_uri(&sip_message::Uri::parse("sips:other.biloxi.example.com").unwrap());
    assert!(matches!(
        registrar.verify(now, &moved, false),
        AuthResult::BadRequest { .. }
    ));
    registrar.set_check_digest_uri(false);
    assert_eq!(registrar.verify(now, &moved, false), authorized("bob"));

    // Equal URIs written differently (§19.1.4: scheme and host are
    // case-insensitive) are the same resource.
    let mut registrar = server(REGISTRAR, 18);
    let f3 = answered(&mut registrar, now, "zanzibar");
    let mut cased = f3.clone();
    cased.set_request_uri(&sip_message::Uri::parse("SIPS:SS2.Biloxi.Example.COM").unwrap());
    assert_eq!(registrar.verify(now, &cased, false), authorized("bob"));
}

/// RFC 3261 §22.3: a credentials value "MUST NOT be consumed by any proxy
/// whose realm does not match". Credentials for another realm leave the
/// request unauthenticated here: a plain challenge.
#[test]
fn credentials_for_another_realm_get_a_challenge() {
    let now = t0();
    let mut other = server("chicago.example.com", 19);
    let mut registrar = server(REGISTRAR, 20);
    let f3 = answered(&mut registrar, now, "zanzibar");
    assert_eq!(
        other.verify(now, &f3, false),
        AuthResult::Challenge { stale: false }
    );
}

/// RFC 2617 §3.2.2: "If a directive or its value is improper, or required
/// directives are missing, the proper response is 400 Bad Request." A
/// nonce the server never issued, with a wrong digest, is a 403; with a
/// digest right for it, a stale challenge.
#[test]
fn malformed_credentials_get_clean_answers() {
    let now = t0();
    let mut registrar = server(REGISTRAR, 21);
    let nonce = registrar
        .challenge(now, false)
        .nonce()
        .unwrap()
        .into_owned();
    let uri = "sips:ss2.biloxi.example.com";
    let with = |value: &str| {
        let mut m = register();
        m.push_header(HeaderName::Authorization, value);
        m
    };
    let cases = [
        // Missing response.
        format!(r#"Digest username="bob", realm="{REGISTRAR}", nonce="{nonce}", uri="{uri}""#),
        // qop=auth without nc and cnonce.
        format!(
            r#"Digest username="bob", realm="{REGISTRAR}", nonce="{nonce}", uri="{uri}", response="00000000000000000000000000000000", qop=auth"#
        ),
        // An algorithm not offered.
        format!(
            r#"Digest username="bob", realm="{REGISTRAR}", nonce="{nonce}", uri="{uri}", response="00000000000000000000000000000000", algorithm=SHA-256"#
        ),
        // auth-int was not offered.
        format!(
            r#"Digest username="bob", realm="{REGISTRAR}", nonce="{nonce}", uri="{uri}", response="00000000000000000000000000000000", qop=auth-int, nc=00000001, cnonce="x""#
        ),
    ];
    for c in &cases {
        match registrar.verify(now, &with(c), false) {
            AuthResult::BadRequest { reason } => assert!(!reason.is_empty()),
            other => panic!("{c}: {other:?}"),
        }
    }
    // Well formed, wrong digest, nonce never issued.
    let forged = format!(
        r#"Digest username="bob", realm="{REGISTRAR}", nonce="forged", uri="{uri}", response="00000000000000000000000000000000", qop=auth, nc=00000001, cnonce="x""#
    );
    assert_eq!(
        registrar.verify(now, &with(&forged), false),
        AuthResult::Forbidden
    );
    // Right digest for a nonce never issued: stale, so the client retries.
    let ha1 = ha1("bob", REGISTRAR, "zanzibar");
    let q = QopParams {
        nc: "00000001",
        cnonce: "x",
        qop: "auth",
    };
    let response = digest_response(&ha1, "forged", "REGISTER", uri, Some(q));
    let unknown = format!(
        r#"Digest username="bob", realm="{REGISTRAR}", nonce="forged", uri="{uri}", response="{response}", qop=auth, nc=00000001, cnonce="x""#
    );
    assert_eq!(
        registrar.verify(now, &with(&unknown), false),
        AuthResult::Challenge { stale: true }
    );
    // Values that do not parse as credentials at all, or other schemes:
    // the request has no credentials for the realm.
    for garbage in [
        "",
        "Digest",
        "Digest ,,,",
        "Digest username=",
        "Digest nc=zzzz, realm=\"biloxi.example.com\"",
        "Digest response=\"not hex\", realm=\"biloxi.example.com\"",
        "Basic Ym9iOnphbnppYmFy",
        "NoOneKnowsThisScheme opaque-data=here",
        "Digest realm=\"biloxi.example.com\", username=\"\u{1F600}\", nonce=\"\", uri=\"\", response=\"0\"",
        "Digest realm=\"biloxi.example.com\", nc=ffffffff, qop=auth, cnonce=\"\", username=\"bob\", nonce=\"x\", uri=\"x\", response=\"0\"",
    ] {
        let r = registrar.verify(now, &with(garbage), false);
        assert!(
            matches!(
                r,
                AuthResult::Challenge { stale: false }
                    | AuthResult::BadRequest { .. }
                    | AuthResult::Forbidden
            ),
            "{garbage:?}: {r:?}"
        );
    }
}

/// A response is not a request: no panic, a clean 400 verdict.
#[test]
fn verify_of_a_response_is_a_bad_request() {
    let now = t0();
    let mut registrar = server(REGISTRAR, 22);
    let resp = register()
        .response_to(200, Some("x"))
        .unwrap()
        .build()
        .unwrap();
    assert!(matches!(
        registrar.verify(now, &resp, false),
        AuthResult::BadRequest { .. }
    ));
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, cases: 512, ..ProptestConfig::default() })]

    /// Input from the peer never panics the server (STYLE §6): any
    /// Authorization or Proxy-Authorization value gets a verdict.
    #[test]
    fn verify_never_panics(value in "[ -~]{0,200}", proxy in any::<bool>()) {
        let now = t0();
        let mut registrar = server(REGISTRAR, 23);
        let mut m = register();
        m.push_header(
            if proxy { HeaderName::ProxyAuthorization } else { HeaderName::Authorization },
            &value,
        );
        let _ = registrar.verify(now, &m, proxy);
        // Digest-shaped values with random fields.
        let digest = format!("Digest realm=\"{REGISTRAR}\", {value}");
        let mut m = register();
        m.push_header(HeaderName::Authorization, &digest);
        let _ = registrar.verify(now, &m, false);
    }
}
