//! The client's rules: no retry loops, realm selection, unsupported
//! challenges.

use proptest::prelude::*;

use super::*;

/// A server that re-challenges after a wrong password instead of sending
/// 403. RFC 2617 §3.2.1: "If stale is FALSE, or anything other than TRUE,
/// or the stale directive is not present, the username and/or password
/// are invalid, and new values must be obtained." The client refuses to
/// retry, so there is no loop, whether the new challenge repeats the
/// nonce or brings a new one.
#[test]
fn wrong_password_is_not_retried() {
    let now = t0();
    let mut registrar = server(REGISTRAR, 30);
    let mut bob = client("bob", "not-zanzibar");
    let f1 = register();
    let f2 = registrar
        .challenge_response(now, &f1, false, false)
        .unwrap();
    let f3 = bob.authorize_retry(&f1, &f2).unwrap();
    assert_eq!(registrar.verify(now, &f3, false), AuthResult::Forbidden);

    // The same nonce again.
    let same = challenge_with(
        &f3,
        401,
        &[f2.header(&HeaderName::WwwAuthenticate).unwrap()],
    );
    assert_eq!(
        bob.authorize_challenge(&f3, &same),
        Err(AuthError::Rejected {
            realm: REGISTRAR.into()
        })
    );
    // A new nonce, not stale.
    let mut bob = client("bob", "not-zanzibar");
    let f3 = bob.authorize_retry(&f1, &f2).unwrap();
    let fresh = registrar
        .challenge_response(now, &f3, false, false)
        .unwrap();
    assert_eq!(
        bob.authorize_challenge(&f3, &fresh),
        Err(AuthError::Rejected {
            realm: REGISTRAR.into()
        })
    );
    // The rejected realm is no longer sent preemptively.
    assert_eq!(bob.cached_realms().count(), 0);
}

/// The brief's rule, when the caller passes the first attempt again
/// rather than the authorized copy: a challenge to the same request
/// (Call-ID and CSeq) that this client already answered, not stale, is a
/// refusal too.
#[test]
fn same_request_challenged_twice_is_rejected() {
    let now = t0();
    let mut registrar = server(REGISTRAR, 31);
    let mut bob = client("bob", "not-zanzibar");
    let f1 = register();
    let f2 = registrar
        .challenge_response(now, &f1, false, false)
        .unwrap();
    bob.authorize_challenge(&f1, &f2).unwrap();
    let again = registrar
        .challenge_response(now, &f1, false, false)
        .unwrap();
    assert_eq!(
        bob.authorize_challenge(&f1, &again),
        Err(AuthError::Rejected {
            realm: REGISTRAR.into()
        })
    );
}

/// Credentials sent ahead of a challenge ([`DigestClient::authorize`])
/// that meet a server which forgot the nonce without saying stale get one
/// retry; if the retry, a direct answer, is refused too, the client stops
/// (RFC 2617 §3.2.1: without stale=TRUE "the username and/or password are
/// invalid, and new values must be obtained").
#[test]
fn preemptive_credentials_refused_without_stale_get_one_retry() {
    let mut bob = client("bob", "zanzibar");
    let f1 = register();
    let c1 = format!(r#"Digest realm="{REGISTRAR}", nonce="n1", qop="auth""#);
    let f3 = bob
        .authorize_retry(&f1, &challenge_with(&f1, 401, &[&c1]))
        .unwrap();

    let mut refresh = f3.clone();
    refresh.set_typed(&CSeq::new(3, sip_message::Method::Register));
    assert_eq!(bob.authorize(&mut refresh), 1);
    let c2 = format!(r#"Digest realm="{REGISTRAR}", nonce="n2", qop="auth""#);
    let retry = bob
        .authorize_retry(&refresh, &challenge_with(&refresh, 401, &[&c2]))
        .unwrap();
    assert_eq!(authorizations(&retry)[0].nonce().as_deref(), Some("n2"));

    let c3 = format!(r#"Digest realm="{REGISTRAR}", nonce="n3", qop="auth""#);
    assert_eq!(
        bob.authorize_retry(&retry, &challenge_with(&retry, 401, &[&c3])),
        Err(AuthError::Rejected {
            realm: REGISTRAR.into()
        })
    );
}

/// A new request challenged with a nonce the client already used is not
/// a refusal: the request carried no credentials. The count goes on.
#[test]
fn new_request_challenged_with_a_known_nonce_is_answered() {
    let mut bob = client("bob", "zanzibar");
    let nonce = "ea9c8e88df84f1cec4341ae6cbe5a359";
    let challenge = format!(r#"Digest realm="{REGISTRAR}", nonce="{nonce}", qop="auth""#);
    let f1 = register();
    let f2 = challenge_with(&f1, 401, &[&challenge]);
    let f3 = bob.authorize_retry(&f1, &f2).unwrap();
    assert_eq!(authorizations(&f3)[0].nc(), Some(1));

    let mut refresh = register();
    refresh.set_typed(&CSeq::new(7, sip_message::Method::Register));
    let f5 = challenge_with(&refresh, 401, &[&challenge]);
    let f6 = bob.authorize_retry(&refresh, &f5).unwrap();
    assert_eq!(authorizations(&f6)[0].nc(), Some(2));
}

/// A stale challenge that repeats the nonce just answered is a broken
/// server: retrying would loop.
#[test]
fn stale_challenge_with_the_same_nonce_is_rejected() {
    let mut bob = client("bob", "zanzibar");
    let c = format!(r#"Digest realm="{REGISTRAR}", nonce="n1", qop="auth""#);
    let f1 = register();
    let f3 = bob
        .authorize_retry(&f1, &challenge_with(&f1, 401, &[&c]))
        .unwrap();
    let stale = format!(r#"Digest realm="{REGISTRAR}", nonce="n1", qop="auth", stale=TRUE"#);
    assert_eq!(
        bob.authorize_challenge(&f3, &challenge_with(&f3, 401, &[&stale])),
        Err(AuthError::Rejected {
            realm: REGISTRAR.into()
        })
    );
}

/// A realm without a credential, and no credential for any realm:
/// nothing to send.
#[test]
fn unknown_realm_without_a_wildcard_credential() {
    let mut bob = DigestClient::new(IdGenerator::seeded(1))
        .with_credential(Credential::new("bob", "zanzibar").for_realm(REGISTRAR));
    let f1 = invite();
    let f2 = challenge_with(
        &f1,
        407,
        &[r#"Digest realm="elsewhere.example.com", nonce="n""#],
    );
    assert_eq!(
        bob.authorize_challenge(&f1, &f2),
        Err(AuthError::NoCredentials {
            realm: "elsewhere.example.com".into()
        })
    );
    // With one known realm among two, the known one is answered.
    let f2 = challenge_with(
        &f1,
        407,
        &[
            r#"Digest realm="elsewhere.example.com", nonce="n""#,
            &format!(r#"Digest realm="{REGISTRAR}", nonce="m""#),
        ],
    );
    let f3 = bob.authorize_challenge(&f1, &f2).unwrap();
    let creds = proxy_authorizations(&f3);
    assert_eq!(creds.len(), 1);
    assert_eq!(creds[0].realm().as_deref(), Some(REGISTRAR));
}

/// A realm-specific credential wins over the wildcard; an HA1 credential
/// answers as the password would.
#[test]
fn realm_specific_and_ha1_credentials() {
    let now = t0();
    let mut registrar = server(REGISTRAR, 32);
    let mut bob = DigestClient::new(IdGenerator::seeded(2))
        .with_credential(Credential::new("anybody", "wrong"))
        .with_credential(Credential::from_ha1(
            "bob",
            REGISTRAR,
            ha1("bob", REGISTRAR, "zanzibar"),
        ));
    let f1 = register();
    let f2 = registrar
        .challenge_response(now, &f1, false, false)
        .unwrap();
    let f3 = bob.authorize_retry(&f1, &f2).unwrap();
    assert_eq!(registrar.verify(now, &f3, false), authorized("bob"));
}

/// RFC 2617 §3.2.1 (algorithm): "If the algorithm is not understood, the
/// challenge should be ignored (and a different one used, if there is
/// more than one)." RFC 3261 §22.1: "Basic" is never used.
#[test]
fn unsupported_challenges_are_skipped() {
    let mut bob = client("bob", "zanzibar");
    let f1 = register();
    for only in [
        r#"Basic realm="biloxi.example.com""#,
        r#"Digest realm="biloxi.example.com", nonce="n", algorithm=SHA-256"#,
        r#"Digest realm="biloxi.example.com", nonce="n", qop="auth-int""#,
        r#"Digest realm="biloxi.example.com", nonce="n", algorithm=MD5-sess"#,
        r#"Digest realm="biloxi.example.com""#,
        r#"Digest nonce="n""#,
    ] {
        assert_eq!(
            bob.authorize_challenge(&f1, &challenge_with(&f1, 401, &[only])),
            Err(AuthError::Unsupported),
            "{only}"
        );
    }
    // SHA-256 first, then MD5 for the same realm (RFC 8760 §2.4 order):
    // the MD5 one is answered, once.
    let f2 = challenge_with(
        &f1,
        401,
        &[
            r#"Digest realm="biloxi.example.com", nonce="a", algorithm=SHA-256, qop="auth""#,
            r#"Digest realm="biloxi.example.com", nonce="b", algorithm=MD5, qop="auth-int,auth""#,
        ],
    );
    let f3 = bob.authorize_challenge(&f1, &f2).unwrap();
    let creds = authorizations(&f3);
    assert_eq!(creds.len(), 1);
    assert_eq!(creds[0].nonce().as_deref(), Some("b"));
    assert_eq!(creds[0].algorithm().as_deref(), Some("MD5"));
    assert_eq!(creds[0].qop().as_deref(), Some("auth"));
}

/// RFC 2617 §3.2.2.2: with MD5-sess, "A1 = H( unq(username-value) ":"
/// unq(realm-value) ":" passwd ) ":" unq(nonce-value) ":" unq(cnonce-value)";
/// and §3.2.2 (opaque) "MUST be returned by the client unchanged".
#[test]
fn md5_sess_and_opaque() {
    let mut bob = client("bob", "zanzibar");
    let f1 = register();
    let f2 = challenge_with(
        &f1,
        401,
        &[
            r#"Digest realm="biloxi.example.com", nonce="n1", opaque="5ccc069c403ebaf9f0171e9517f40e41", algorithm=MD5-sess, qop="auth""#,
        ],
    );
    let f3 = bob.authorize_challenge(&f1, &f2).unwrap();
    let c = authorizations(&f3).remove(0);
    assert_eq!(c.algorithm().as_deref(), Some("MD5-sess"));
    assert_eq!(
        c.opaque().as_deref(),
        Some("5ccc069c403ebaf9f0171e9517f40e41")
    );
    let cnonce = c.cnonce().unwrap();
    let key = ha1_sess(&ha1("bob", REGISTRAR, "zanzibar"), "n1", &cnonce);
    let q = QopParams {
        nc: "00000001",
        cnonce: &cnonce,
        qop: "auth",
    };
    let expected = digest_response(
        &key,
        "n1",
        "REGISTER",
        "sips:ss2.biloxi.example.com",
        Some(q),
    );
    assert_eq!(c.response(), Some(expected.as_str()));
}

/// Only a 401 or 407 is a challenge; only a request can be authorized.
#[test]
fn wrong_messages_are_refused() {
    let mut bob = client("bob", "zanzibar");
    let f1 = register();
    let ok = f1.response_to(200, Some("x")).unwrap().build().unwrap();
    assert_eq!(
        bob.authorize_challenge(&f1, &ok),
        Err(AuthError::NotAChallenge)
    );
    let bare = f1.response_to(401, Some("x")).unwrap().build().unwrap();
    assert_eq!(
        bob.authorize_challenge(&f1, &bare),
        Err(AuthError::Unsupported)
    );
    assert_eq!(
        bob.authorize_challenge(&ok, &bare),
        Err(AuthError::NotARequest)
    );
    let mut ok = ok;
    assert_eq!(bob.authorize(&mut ok), 0);
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, cases: 512, ..ProptestConfig::default() })]

    /// Input from the peer never panics the client: any challenge value
    /// gives a request or a clean error.
    #[test]
    fn authorize_challenge_never_panics(value in "[ -~]{0,200}", status in prop::sample::select(vec![401u16, 407])) {
        let f1 = register();
        let mut bob = client("bob", "zanzibar");
        let mut b = f1.response_to(status, Some("x")).unwrap();
        b = b.header("WWW-Authenticate", &value);
        b = b.header("Proxy-Authenticate", &format!("Digest realm=\"r\", {value}"));
        if let Ok(resp) = b.build() {
            let _ = bob.authorize_challenge(&f1, &resp);
        }
    }
}
