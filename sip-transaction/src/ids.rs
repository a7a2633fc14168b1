//! Branch, tag and Call-ID generation from an injected RNG.

use std::fmt;

use rand::rngs::StdRng;
use rand::Rng;
use sip_message::MAGIC_COOKIE;

/// 32 symbols, 5 bits each, lowercase only. Mixed case would pack more
/// bits into a character, but peers exist that look for header names as
/// plain substrings anywhere in a message (SIPp 3.6 finds the CSeq method
/// of a response with `strstr(msg, "CSeq")`): a mixed-case To tag that
/// happened to contain `CSeq`, about one in 800,000, made it misread the
/// response. No header name is all lowercase.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";

/// Makes the random identifiers of RFC 3261: Via branches (§8.1.1.7),
/// From/To tags (§19.3) and Call-IDs (§8.1.1.4).
///
/// Every identifier is drawn from the RNG given at construction, so a
/// test or a simulation seeds it and replays the same run; a deployment
/// uses [`IdGenerator::default`], a ChaCha generator seeded from the OS.
/// Branches carry 96 random bits after the magic cookie, tags 64 and
/// Call-IDs 128, written in base 32 (digits and lowercase letters), so
/// collisions are negligible ("unique across space and time", §8.1.1.4).
///
/// ```
/// use rand::SeedableRng;
/// use sip_transaction::IdGenerator;
/// let mut ids = IdGenerator::new(rand::rngs::StdRng::seed_from_u64(7));
/// let branch = ids.branch();
/// assert!(branch.starts_with("z9hG4bK"));
/// assert_ne!(branch, ids.branch());
/// ```
pub struct IdGenerator {
    rng: Box<dyn Rng + Send>,
}

impl IdGenerator {
    /// Draws identifiers from `rng`.
    pub fn new(rng: impl Rng + Send + 'static) -> Self {
        Self { rng: Box::new(rng) }
    }

    /// A deterministic generator for tests and simulations.
    pub fn seeded(seed: u64) -> Self {
        use rand::SeedableRng;
        Self::new(StdRng::seed_from_u64(seed))
    }

    /// A Via branch: the magic cookie `z9hG4bK` and 96 random bits.
    pub fn branch(&mut self) -> String {
        let mut s = String::with_capacity(MAGIC_COOKIE.len() + 17);
        s.push_str(MAGIC_COOKIE);
        self.push_random(&mut s, 96);
        s
    }

    /// A From or To tag: 64 random bits (§19.3 asks for at least 32).
    pub fn tag(&mut self) -> String {
        let mut s = String::with_capacity(11);
        self.push_random(&mut s, 64);
        s
    }

    /// A Call-ID: 128 random bits, with `@host` appended when given.
    pub fn call_id(&mut self, host: Option<&str>) -> String {
        let mut s = String::with_capacity(22 + host.map_or(0, |h| h.len() + 1));
        self.push_random(&mut s, 128);
        if let Some(h) = host {
            s.push('@');
            s.push_str(h);
        }
        s
    }

    /// A random `u32`, for CSeq starting values (§8.1.1.5 allows any
    /// value below 2**31) and the like.
    pub fn next_u32(&mut self) -> u32 {
        self.rng.next_u32()
    }

    /// Appends `bits` random bits (rounded up to a multiple of 5) in base
    /// 32, 5 bits a digit.
    fn push_random(&mut self, out: &mut String, bits: u32) {
        let digits = bits.div_ceil(5);
        let mut word = 0u64;
        let mut left = 0u32;
        for _ in 0..digits {
            if left < 5 {
                word = self.rng.next_u64();
                left = 64;
            }
            out.push(ALPHABET[(word & 31) as usize] as char);
            word >>= 5;
            left -= 5;
        }
    }
}

impl Default for IdGenerator {
    fn default() -> Self {
        Self::new(rand::make_rng::<StdRng>())
    }
}

impl fmt::Debug for IdGenerator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdGenerator").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sip_message::{TypedHeader, Via};
    use std::collections::HashSet;

    /// RFC 3261 §8.1.1.7: "The branch ID inserted by an element compliant
    /// with this specification MUST always begin with the characters
    /// "z9hG4bK"" and "MUST be unique across space and time for all
    /// requests sent by the UA".
    #[test]
    fn rfc3261_8_1_1_7_branches_have_the_cookie_and_are_unique() {
        let mut ids = IdGenerator::seeded(1);
        let mut seen = HashSet::new();
        for _ in 0..100_000 {
            let b = ids.branch();
            assert!(b.starts_with(MAGIC_COOKIE));
            assert!(b.len() > MAGIC_COOKIE.len() + 16);
            let via = Via::parse_str(&format!("SIP/2.0/UDP h;branch={b}")).unwrap();
            assert!(via.is_rfc3261_branch());
            assert!(seen.insert(b));
        }
    }

    /// RFC 3261 §19.3: tags "MUST be globally unique and cryptographically
    /// random with at least 32 bits of randomness".
    #[test]
    fn rfc3261_19_3_tags_and_call_ids_are_unique_tokens() {
        let mut ids = IdGenerator::default();
        let mut tags = HashSet::new();
        let mut calls = HashSet::new();
        for _ in 0..50_000 {
            let t = ids.tag();
            assert!(t.len() >= 13);
            assert!(t
                .bytes()
                .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase()));
            assert!(tags.insert(t));
            assert!(calls.insert(ids.call_id(Some("host.example"))));
        }
        assert!(calls.iter().all(|c| c.ends_with("@host.example")));
    }

    #[test]
    fn same_seed_same_identifiers() {
        let mut a = IdGenerator::seeded(42);
        let mut b = IdGenerator::seeded(42);
        for _ in 0..10 {
            assert_eq!(a.branch(), b.branch());
            assert_eq!(a.tag(), b.tag());
        }
        assert_ne!(
            IdGenerator::seeded(1).branch(),
            IdGenerator::seeded(2).branch()
        );
    }
}
