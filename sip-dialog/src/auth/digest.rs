//! The Digest computations of [RFC 2617 §3.2.2.1] and §3.2.2.2, MD5 and
//! MD5-sess, as SIP uses them ([RFC 3261 §22.4]).
//!
//! Every value is the lowercase hex text the protocol carries: HA1, HA2
//! and the request-digest are 32 hex digits.
//!
//! [RFC 2617 §3.2.2.1]: https://www.rfc-editor.org/rfc/rfc2617#section-3.2.2.1
//! [RFC 3261 §22.4]: https://www.rfc-editor.org/rfc/rfc3261#section-22.4

use md5::{Digest, Md5};

/// A Digest `algorithm` (RFC 2617 §3.2.1): the ones this crate computes.
///
/// RFC 8760's SHA-256 and SHA-512/256 are not supported: a challenge that
/// asks for them is skipped by [`DigestClient`](crate::DigestClient).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// `MD5`, also what an absent `algorithm` means: HA1 = MD5(user:realm:password).
    #[default]
    Md5,
    /// `MD5-sess`: HA1 = MD5(MD5(user:realm:password):nonce:cnonce), so a
    /// third-party server can hand out the session key. It needs a cnonce,
    /// hence `qop` (RFC 3261 §22.4 item 8).
    Md5Sess,
}

impl Algorithm {
    /// The algorithm named `name` (case-insensitive, RFC 2617 §1.2), or
    /// `None` for one this crate does not compute.
    pub fn parse(name: &str) -> Option<Self> {
        if name.eq_ignore_ascii_case("MD5") {
            Some(Self::Md5)
        } else if name.eq_ignore_ascii_case("MD5-sess") {
            Some(Self::Md5Sess)
        } else {
            None
        }
    }

    /// The algorithm of an optional `algorithm` parameter: absent means
    /// MD5 (RFC 2617 §3.2.1: "If this is not present it is assumed to be
    /// "MD5""); `None` for one this crate does not compute.
    pub fn from_param(param: Option<&str>) -> Option<Self> {
        param.map_or(Some(Self::Md5), Self::parse)
    }

    /// The name as written on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Md5Sess => "MD5-sess",
        }
    }
}

/// The `qop` part of a request-digest (RFC 2617 §3.2.2.1): present when
/// the challenge offered `qop` and the client chose `auth`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct QopParams<'a> {
    /// The `nc` exactly as sent, 8 hex digits (`00000001`): the digest
    /// covers the text, so a server passes the received value through.
    pub nc: &'a str,
    /// The client nonce, unquoted.
    pub cnonce: &'a str,
    /// The `message-qop`; this crate computes `auth` only (`auth-int`
    /// would need the body's hash in A2).
    pub qop: &'a str,
}

/// Lowercase hex of an MD5 over `parts` joined with `:`.
fn md5_hex(parts: &[&[u8]]) -> String {
    let mut h = Md5::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h.update(b":");
        }
        h.update(p);
    }
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

/// HA1 for MD5: `MD5(username ":" realm ":" password)` in hex (RFC 2617
/// §3.2.2.2, `A1 = unq(username-value) ":" unq(realm-value) ":" passwd`).
///
/// A registrar may store this instead of the password: it is all the
/// server side needs, and it is bound to one realm.
///
/// ```
/// // RFC 2617 §3.5.
/// assert_eq!(
///     sip_dialog::ha1("Mufasa", "testrealm@host.com", "Circle Of Life"),
///     "939e7578ed9e3c518a452acee763bce9"
/// );
/// ```
pub fn ha1(username: &str, realm: &str, password: &str) -> String {
    md5_hex(&[username.as_bytes(), realm.as_bytes(), password.as_bytes()])
}

/// HA1 for MD5-sess (RFC 2617 §3.2.2.2): `MD5(HA1 ":" nonce ":" cnonce)`,
/// with `ha1` the MD5 HA1 from [`ha1`].
pub fn ha1_sess(ha1: &str, nonce: &str, cnonce: &str) -> String {
    md5_hex(&[ha1.as_bytes(), nonce.as_bytes(), cnonce.as_bytes()])
}

/// The request-digest (RFC 2617 §3.2.2.1), the `response` parameter.
///
/// `ha1` is the HA1 of the algorithm in use ([`ha1`], or [`ha1_sess`] for
/// MD5-sess); `uri` is the digest-uri, the Request-URI as written (RFC 3261
/// §22.4 item 3). With `qop`:
/// `KD(HA1, nonce ":" nc ":" cnonce ":" qop ":" HA2)`; without, the RFC
/// 2069 form `KD(HA1, nonce ":" HA2)`, where `HA2 = MD5(method ":" uri)`
/// and `KD(secret, data) = MD5(secret ":" data)`.
///
/// ```
/// use sip_dialog::{digest_response, ha1, QopParams};
/// // RFC 2617 §3.5.
/// let ha1 = ha1("Mufasa", "testrealm@host.com", "Circle Of Life");
/// let qop = QopParams { nc: "00000001", cnonce: "0a4f113b", qop: "auth" };
/// assert_eq!(
///     digest_response(&ha1, "dcd98b7102dd2f0e8b11d0f600bfb0c093", "GET", "/dir/index.html", Some(qop)),
///     "6629fae49393a05397450978507c4ef1"
/// );
/// ```
pub fn digest_response(
    ha1: &str,
    nonce: &str,
    method: &str,
    uri: &str,
    qop: Option<QopParams<'_>>,
) -> String {
    let ha2 = md5_hex(&[method.as_bytes(), uri.as_bytes()]);
    match qop {
        Some(q) => md5_hex(&[
            ha1.as_bytes(),
            nonce.as_bytes(),
            q.nc.as_bytes(),
            q.cnonce.as_bytes(),
            q.qop.as_bytes(),
            ha2.as_bytes(),
        ]),
        None => md5_hex(&[ha1.as_bytes(), nonce.as_bytes(), ha2.as_bytes()]),
    }
}

/// Whether a received request-digest equals the expected one, in time that
/// depends only on the lengths (which are public: 32 hex digits), so a
/// peer cannot learn the expected digest digit by digit from response
/// times. Hex letters compare case-insensitively (`LHEX` asks for
/// lowercase; some clients send uppercase).
pub fn digest_matches(expected: &str, received: &str) -> bool {
    let (a, b) = (expected.as_bytes(), received.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| {
        acc | (x.to_ascii_lowercase() ^ y.to_ascii_lowercase())
    });
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONCE: &str = "dcd98b7102dd2f0e8b11d0f600bfb0c093";

    /// RFC 2617 §3.5: "Authorization: Digest username="Mufasa",
    /// realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",
    /// uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b",
    /// response="6629fae49393a05397450978507c4ef1"" (with the password
    /// "Circle Of Life").
    #[test]
    fn rfc2617_3_5_example() {
        let ha1 = ha1("Mufasa", "testrealm@host.com", "Circle Of Life");
        assert_eq!(ha1, "939e7578ed9e3c518a452acee763bce9");
        let qop = QopParams {
            nc: "00000001",
            cnonce: "0a4f113b",
            qop: "auth",
        };
        let response = digest_response(&ha1, NONCE, "GET", "/dir/index.html", Some(qop));
        assert_eq!(response, "6629fae49393a05397450978507c4ef1");
    }

    /// RFC 2617 §3.2.2.1: "If the "qop" directive is not present (this
    /// construction is for compatibility with RFC 2069): request-digest =
    /// <"> < KD ( H(A1), unq(nonce-value) ":" H(A2) ) > <">". The same
    /// inputs as §3.5 without qop, checked against the formula spelled out.
    #[test]
    fn rfc2069_form_without_qop() {
        let ha1 = ha1("Mufasa", "testrealm@host.com", "Circle Of Life");
        let ha2 = md5_hex(&[b"GET", b"/dir/index.html"]);
        let expected = md5_hex(&[ha1.as_bytes(), NONCE.as_bytes(), ha2.as_bytes()]);
        assert_eq!(
            digest_response(&ha1, NONCE, "GET", "/dir/index.html", None),
            expected
        );
        assert_eq!(expected, "670fd8c2df070c60b045671b8b24ff02");
    }

    /// A SIP REGISTER (RFC 3261 §22.4: "The BNF for digest-uri-value is:
    /// digest-uri-value = Request-URI"), with RFC 3665 §2.1's names: Bob
    /// registering at biloxi.example.com with the password "zanzibar". The
    /// expected values were computed independently (Python's hashlib).
    #[test]
    fn sip_register_example() {
        let ha1 = ha1("bob", "biloxi.example.com", "zanzibar");
        assert_eq!(ha1, "7fc33d266ff5f7fe764efb797bd4ba91");
        let qop = QopParams {
            nc: "00000001",
            cnonce: "0a4f113b",
            qop: "auth",
        };
        let got = digest_response(
            &ha1,
            "ea9c8e88df84f1cec4341ae6cbe5a359",
            "REGISTER",
            "sips:ss2.biloxi.example.com",
            Some(qop),
        );
        assert_eq!(got, "e85f574596134d2bb64f0e84f7902fa7");
    }

    /// RFC 2617 §3.2.2.2: "If the "algorithm" directive's value is
    /// "MD5-sess", then A1 is calculated only once ... A1 = H( unq(username-value)
    /// ":" unq(realm-value) ":" passwd ) ":" unq(nonce-value) ":" unq(cnonce-value)".
    #[test]
    fn md5_sess_ha1() {
        let base = ha1("Mufasa", "testrealm@host.com", "Circle Of Life");
        let sess = ha1_sess(&base, NONCE, "0a4f113b");
        assert_eq!(
            sess,
            md5_hex(&[base.as_bytes(), NONCE.as_bytes(), b"0a4f113b"])
        );
        assert_ne!(sess, base);
    }

    #[test]
    fn algorithm_names() {
        assert_eq!(Algorithm::from_param(None), Some(Algorithm::Md5));
        assert_eq!(Algorithm::from_param(Some("md5")), Some(Algorithm::Md5));
        assert_eq!(Algorithm::parse("MD5-SESS"), Some(Algorithm::Md5Sess));
        assert_eq!(Algorithm::parse("SHA-256"), None);
        assert_eq!(Algorithm::Md5Sess.as_str(), "MD5-sess");
    }

    #[test]
    fn digest_matches_is_exact_up_to_hex_case() {
        let d = "6629fae49393a05397450978507c4ef1";
        assert!(digest_matches(d, d));
        assert!(digest_matches(d, &d.to_ascii_uppercase()));
        assert!(!digest_matches(d, "6629fae49393a05397450978507c4ef2"));
        assert!(!digest_matches(d, &d[..31]));
        assert!(!digest_matches(d, ""));
    }
}
