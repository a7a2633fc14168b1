//! Client and server together: the flows of RFC 3261 §22.2 and §22.3.

use super::*;

/// RFC 3261 §22.2: "When a UAC resubmits a request with its credentials
/// after receiving a 401 (Unauthorized) or 407 (Proxy Authentication
/// Required) response, it MUST increment the CSeq header field value as
/// it would normally when sending an updated request." The RFC 3665 §2.1
/// registration: F1 REGISTER, F2 401, F3 REGISTER with Authorization.
#[test]
fn www_authenticate_401_round_trip_with_qop_auth() {
    let now = t0();
    let mut registrar = server(REGISTRAR, 1);
    let mut bob = client("bob", "zanzibar");

    let f1 = register();
    assert_eq!(
        registrar.verify(now, &f1, false),
        AuthResult::Challenge { stale: false }
    );
    let f2 = registrar
        .challenge_response(now, &f1, false, false)
        .unwrap();
    assert_eq!(f2.status(), Some(401));
    let challenge = f2.typed::<WwwAuthenticate>().unwrap();
    assert_eq!(challenge.qop_options().collect::<Vec<_>>(), ["auth"]);
    assert!(f2.typed::<sip_message::To>().unwrap().tag().is_some());

    let f3 = bob.authorize_retry(&f1, &f2).unwrap();
    assert_eq!(cseq(&f3), 2);
    assert!(!f3.has_header(&HeaderName::Via));
    let creds = authorizations(&f3);
    assert_eq!(creds.len(), 1);
    assert_eq!(creds[0].username().as_deref(), Some("bob"));
    assert_eq!(creds[0].realm().as_deref(), Some(REGISTRAR));
    assert_eq!(
        creds[0].uri().as_deref(),
        Some("sips:ss2.biloxi.example.com")
    );
    assert_eq!(creds[0].qop().as_deref(), Some("auth"));
    assert_eq!(creds[0].nc(), Some(1));
    assert_eq!(creds[0].nonce().unwrap(), challenge.nonce().unwrap());
    assert!(creds[0].cnonce().is_some());

    assert_eq!(registrar.verify(now, &f3, false), authorized("bob"));
}

/// RFC 3261 §22.3: a proxy challenges with 407 and Proxy-Authenticate;
/// the UAC ACKs it (the transaction layer does) and sends the INVITE again
/// with Proxy-Authorization, as in RFC 3665's flows through proxies.
#[test]
fn proxy_authenticate_407_round_trip() {
    let now = t0();
    let mut proxy = server(ATLANTA, 2);
    let mut alice = client("alice", "wonderland");

    let f1 = invite();
    assert_eq!(
        proxy.verify(now, &f1, true),
        AuthResult::Challenge { stale: false }
    );
    let f2 = proxy.challenge_response(now, &f1, true, false).unwrap();
    assert_eq!(f2.status(), Some(407));
    assert!(f2.has_header(&HeaderName::ProxyAuthenticate));
    assert!(!f2.has_header(&HeaderName::WwwAuthenticate));

    let f4 = alice.authorize_retry(&f1, &f2).unwrap();
    assert_eq!(cseq(&f4), 2);
    assert_eq!(proxy_authorizations(&f4).len(), 1);
    assert!(authorizations(&f4).is_empty());
    // A UAS of the same realm looks at Authorization, not at the proxy's header.
    assert_eq!(
        proxy.verify(now, &f4, false),
        AuthResult::Challenge { stale: false }
    );
    assert_eq!(proxy.verify(now, &f4, true), authorized("alice"));
}

/// RFC 2617 §3.2.2.1: without qop the request-digest is the RFC 2069 form,
/// and RFC 3261 §22.4 item 8: "the "qop" parameter must unfortunately
/// remain optional for clients and servers to receive". A server that
/// offers no qop gets the RFC 2069 form; this server accepts it once per
/// nonce (nothing else tells a replay apart), then answers stale=TRUE.
#[test]
fn rfc2069_form_without_qop_is_accepted_once_per_nonce() {
    let now = t0();
    let mut registrar = server(REGISTRAR, 3);
    let mut bob = client("bob", "zanzibar");

    // A challenge without qop, with a nonce the registrar issued.
    let nonce = registrar
        .challenge(now, false)
        .nonce()
        .unwrap()
        .into_owned();
    let old_style = Challenge::digest(REGISTRAR, &nonce).build().unwrap();
    let f1 = register();
    let f2 = challenge_with(&f1, 401, &[old_style.as_str()]);

    let f3 = bob.authorize_retry(&f1, &f2).unwrap();
    let creds = authorizations(&f3);
    assert_eq!(creds[0].qop(), None);
    assert_eq!(creds[0].nc(), None);
    assert_eq!(creds[0].cnonce(), None);
    assert_eq!(registrar.verify(now, &f3, false), authorized("bob"));

    // The same nonce again (a refresh, preemptively): stale, new nonce.
    let mut refresh = f3.clone();
    refresh.set_typed(&CSeq::new(3, sip_message::Method::Register));
    assert_eq!(bob.authorize(&mut refresh), 1);
    assert_eq!(
        registrar.verify(now, &refresh, false),
        AuthResult::Challenge { stale: true }
    );
    let stale = registrar
        .challenge_response(now, &refresh, false, true)
        .unwrap();
    let retry = bob.authorize_retry(&refresh, &stale).unwrap();
    assert_eq!(authorizations(&retry)[0].qop().as_deref(), Some("auth"));
    assert_eq!(registrar.verify(now, &retry, false), authorized("bob"));
}

/// RFC 3261 §22.3: "When resubmitting its request in response to a 401
/// (Unauthorized) or 407 (Proxy Authentication Required) that contains
/// multiple challenges, a UAC MAY include an Authorization value for each
/// WWW-Authenticate value and a Proxy-Authorization value for each
/// Proxy-Authenticate value"; one per realm, and "a Proxy-Authorization
/// header field value MUST NOT be consumed by any proxy whose realm does
/// not match the "realm" parameter specified in that value".
#[test]
fn two_realms_get_one_credential_each() {
    let now = t0();
    let mut outbound = server(ATLANTA, 4);
    let mut carrier = server(CARRIER, 5);
    let mut alice = DigestClient::new(IdGenerator::seeded(6))
        .with_credential(Credential::new("alice", "wonderland").for_realm(ATLANTA))
        .with_credential(Credential::new("alice", "wonderland").for_realm(CARRIER));

    // A forking proxy gathered both proxies' challenges into one 407 (§22.3).
    let f1 = invite();
    let a = outbound.challenge(now, false);
    let c = carrier.challenge(now, false);
    let f2 = challenge_with(&f1, 407, &[a.as_str(), c.as_str()]);

    let f3 = alice.authorize_retry(&f1, &f2).unwrap();
    let creds = proxy_authorizations(&f3);
    assert_eq!(creds.len(), 2);
    let realms: Vec<_> = creds
        .iter()
        .map(|c| c.realm().unwrap().into_owned())
        .collect();
    assert_eq!(realms, [ATLANTA, CARRIER]);
    // Each proxy takes its own and ignores the other's.
    assert_eq!(outbound.verify(now, &f3, true), authorized("alice"));
    assert_eq!(carrier.verify(now, &f3, true), authorized("alice"));

    // Later the carrier alone challenges again (stale): the outbound
    // proxy's credentials stay, the carrier's are replaced.
    let stale = carrier.challenge(now, true);
    let f5 = challenge_with(&f3, 407, &[stale.as_str()]);
    let f6 = alice.authorize_retry(&f3, &f5).unwrap();
    let creds = proxy_authorizations(&f6);
    assert_eq!(creds.len(), 2);
    assert_eq!(
        creds
            .iter()
            .filter(|c| c.realm().as_deref() == Some(CARRIER))
            .count(),
        1
    );
    assert_eq!(carrier.verify(now, &f6, true), authorized("alice"));
}

/// RFC 2617 §3.2.1: "stale ... If stale is TRUE (case-insensitive), the
/// client may wish to simply retry the request with a new encrypted
/// response, without reprompting the user for a new username and
/// password. The server should only set stale to TRUE if it receives a
/// request for which the nonce is invalid but with a valid digest for that
/// nonce".
#[test]
fn expired_nonce_with_correct_digest_gets_stale_and_the_retry_succeeds() {
    let now = t0();
    let mut registrar = server(REGISTRAR, 7);
    let mut bob = client("bob", "zanzibar");

    let f1 = register();
    let f2 = registrar
        .challenge_response(now, &f1, false, false)
        .unwrap();
    let f3 = bob.authorize_retry(&f1, &f2).unwrap();
    assert_eq!(registrar.verify(now, &f3, false), authorized("bob"));

    // An hour later the REGISTER refresh reuses the cached nonce.
    let later = now + secs(3600);
    let mut refresh = f3.clone();
    refresh.set_typed(&CSeq::new(3, sip_message::Method::Register));
    bob.authorize(&mut refresh);
    assert_eq!(authorizations(&refresh)[0].nc(), Some(2));
    assert_eq!(
        registrar.verify(later, &refresh, false),
        AuthResult::Challenge { stale: true }
    );
    let stale = registrar
        .challenge_response(later, &refresh, false, true)
        .unwrap();
    assert!(stale.typed::<WwwAuthenticate>().unwrap().stale());

    let retry = bob.authorize_retry(&refresh, &stale).unwrap();
    assert_eq!(cseq(&retry), 4);
    let creds = authorizations(&retry);
    assert_eq!(creds.len(), 1);
    assert_eq!(creds[0].nonce().unwrap(), nonce_of(&stale));
    assert_eq!(creds[0].nc(), Some(1));
    assert_eq!(registrar.verify(later, &retry, false), authorized("bob"));
}

/// RFC 2617 §3.2.2: "The nc-value is the hexadecimal count of the number
/// of requests (including the current request) that the client has sent
/// with the nonce value in this request. For example, in the first
/// request sent in response to a given nonce value, the client sends
/// "nc=00000001"." A later request goes out authorized with the cached
/// nonce, nc=00000002 and a new cnonce, its digest-uri its own Request-URI.
#[test]
fn preemptive_authorize_sends_the_next_nonce_count() {
    let now = t0();
    let mut proxy = server(ATLANTA, 8);
    let mut alice = client("alice", "wonderland");

    let f1 = invite();
    let f2 = proxy.challenge_response(now, &f1, true, false).unwrap();
    let f3 = alice.authorize_retry(&f1, &f2).unwrap();
    assert_eq!(proxy.verify(now, &f3, true), authorized("alice"));
    let first = proxy_authorizations(&f3).remove(0);

    // A new request (an OPTIONS to someone else) through the same proxy.
    let mut options = Message::parse(Bytes::from_static(
        b"OPTIONS sips:carol@chicago.example.com SIP/2.0\r\n\
          Max-Forwards: 70\r\n\
          From: Alice <sips:alice@atlanta.example.com>;tag=1928301774\r\n\
          To: <sips:carol@chicago.example.com>\r\n\
          Call-ID: a84b4c76e66710\r\n\
          CSeq: 63104 OPTIONS\r\n\
          Content-Length: 0\r\n\r\n",
    ))
    .unwrap();
    assert_eq!(alice.authorize(&mut options), 1);
    let creds = proxy_authorizations(&options);
    assert_eq!(creds.len(), 1);
    assert_eq!(creds[0].param_raw("nc"), Some("00000002"));
    assert_eq!(creds[0].nonce(), first.nonce());
    assert_ne!(creds[0].cnonce(), first.cnonce());
    assert_eq!(
        creds[0].uri().as_deref(),
        Some("sips:carol@chicago.example.com")
    );
    assert_eq!(alice.nonce_count(ATLANTA), Some(2));
    assert_eq!(proxy.verify(now, &options, true), authorized("alice"));
}
