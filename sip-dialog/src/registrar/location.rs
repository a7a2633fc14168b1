//! The location service (RFC 3261 §10.1): the bindings from an
//! address-of-record to contact addresses that the registrar writes and the
//! proxy and redirect server read.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use sip_transaction::ShardedMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use sip_message::{percent_decode, NameAddr, Uri};

/// The key of an address-of-record in a [`LocationService`]: its canonical
/// form, as [RFC 3261 §10.3] step 5 defines it.
///
/// "The URI MUST then be converted to a canonical form. To do that, all
/// URI parameters MUST be removed (including the user-param), and any
/// escaped characters MUST be converted to their unescaped form. The
/// result serves as an index into the list of bindings."
///
/// The result is `scheme:user@host[:port]`: the scheme in lower case, the
/// user part unescaped and otherwise as written (userinfo compares
/// case-sensitively, §19.1.4), the host in lower case, the port only when
/// written. URI headers go with the parameters, and so does the password:
/// it is a credential, not part of anyone's identity. `sip:` and `sips:`
/// give different keys ("A SIP and SIPS URI are never equivalent",
/// §19.1.4). `None` for a URI that is not SIP or SIPS: "This
/// address-of-record MUST be a SIP URI or SIPS URI" (§10.2).
///
/// ```
/// use sip_dialog::canonical_aor;
/// use sip_message::Uri;
/// let uri = Uri::parse("sip:%62ob@BILOXI.example.com;user=phone?subject=x").unwrap();
/// assert_eq!(canonical_aor(&uri).as_deref(), Some("sip:bob@biloxi.example.com"));
/// let uri = Uri::parse("SIPS:bob:secret@biloxi.example.com:5061;transport=tcp").unwrap();
/// assert_eq!(canonical_aor(&uri).as_deref(), Some("sips:bob@biloxi.example.com:5061"));
/// assert_eq!(canonical_aor(&Uri::parse("tel:+15551234").unwrap()), None);
/// ```
///
/// [RFC 3261 §10.3]: https://www.rfc-editor.org/rfc/rfc3261#section-10.3
pub fn canonical_aor(uri: &Uri) -> Option<String> {
    let sip = uri.as_sip()?;
    let mut key = String::with_capacity(sip.as_str().len());
    key.push_str(sip.scheme());
    key.push(':');
    if let Some(user) = sip.user_raw() {
        key.push_str(&percent_decode(user));
        key.push('@');
    }
    key.push_str(&sip.host().to_ascii_lowercase());
    if let Some(port) = sip.port() {
        key.push(':');
        key.push_str(&port.to_string());
    }
    Some(key)
}

/// One binding of an address-of-record to a contact address (RFC 3261
/// §10.3 step 7: "Each binding record records the Call-ID and CSeq values
/// from the request").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    /// The Contact value as the UA wrote it (display name, URI and
    /// parameters such as `q` or `+sip.instance`), echoed back in the 200
    /// with `expires` rewritten. Its URI is the binding's contact address,
    /// compared by §19.1.4.
    pub contact: NameAddr,
    /// When the binding expires. At or after this instant it is gone.
    pub expires_at: Instant,
    /// The `q` preference in thousandths (0-1000); 1000 when the Contact
    /// carried none.
    pub q: u16,
    /// The Call-ID of the REGISTER that last created or refreshed it.
    pub call_id: String,
    /// The CSeq number of that REGISTER.
    pub cseq: u32,
    /// The Path header values of that REGISTER, in order ([RFC 3327]): the
    /// route a request to this contact takes back to the UA. Empty when
    /// the REGISTER had none or the registrar does not support `path`.
    ///
    /// [RFC 3327]: https://www.rfc-editor.org/rfc/rfc3327
    pub path: Vec<String>,
    /// Where that REGISTER came from, when the driver told the registrar
    /// (for a UA behind a NAT, the address to reach it at).
    pub source: Option<SocketAddr>,
    /// When the REGISTER that last created or refreshed it was processed.
    pub registered_at: Instant,
}

impl Binding {
    /// The contact address.
    pub fn uri(&self) -> &Uri {
        self.contact.uri()
    }

    /// Whether the binding has expired at `now`.
    pub fn is_expired(&self, now: Instant) -> bool {
        now >= self.expires_at
    }

    /// The time left at `now` (zero once expired).
    pub fn remaining(&self, now: Instant) -> Duration {
        self.expires_at.saturating_duration_since(now)
    }

    /// The time left at `now` in whole seconds, rounded up so that a live
    /// binding never reports `expires=0` (which a UA reads as "removed").
    pub fn remaining_secs(&self, now: Instant) -> u32 {
        let left = self.remaining(now);
        let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
        u32::try_from(secs).unwrap_or(u32::MAX)
    }
}

/// Orders bindings by preference: highest `q` first (RFC 3261 §16.6,
/// §8.1.3.4), then the most recently registered, then by contact text so
/// the order is deterministic.
pub fn sort_by_preference(bindings: &mut [Binding]) {
    bindings.sort_by(|a, b| {
        b.q.cmp(&a.q)
            .then(b.registered_at.cmp(&a.registered_at))
            .then_with(|| a.contact.uri().as_str().cmp(b.contact.uri().as_str()))
    });
}

/// One change to the bindings of an address-of-record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BindingChange {
    /// Adds the binding, or replaces the binding whose contact URI equals
    /// its URI (§19.1.4).
    Upsert(Binding),
    /// Removes the binding with this contact URI, if there is one.
    Remove(Uri),
}

/// Why a [`LocationService`] could not apply an update. The registrar
/// answers 500: "If any one of them fails (for example, because the
/// back-end database commit failed), the request MUST fail with a 500
/// (Server Error) response and all tentative binding updates MUST be
/// removed" (§10.3 step 7).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LocationError {
    /// The store cannot be reached or failed to commit.
    #[error("the location store is unavailable")]
    Unavailable,
    /// The store refused the update (a quota, a policy).
    #[error("the location store refused the update: {0}")]
    Refused(&'static str),
}

/// The abstract location service of RFC 3261 §10.1: bindings keyed by the
/// canonical address-of-record ([`canonical_aor`]).
///
/// The registrar writes it; the proxy (§16.5) and the redirect server
/// (§8.3) read it with [`lookup`](Self::lookup). Every call takes `now`
/// because bindings are soft state: an implementation never returns a
/// binding whose `expires_at` is at or before `now`, whether or not it
/// has purged it yet.
///
/// Writes are per address-of-record and all-or-nothing: §10.3 step 7,
/// "The binding updates MUST be committed (that is, made visible to the
/// proxy or redirect server) if and only if all binding updates and
/// additions succeed."
pub trait LocationService {
    /// The live bindings of `aor` at `now`, in no particular order.
    fn lookup(&self, now: Instant, aor: &str) -> Vec<Binding>;

    /// The live bindings of `aor` at `now`, most preferred first
    /// ([`sort_by_preference`]): the order a proxy forks in or a redirect
    /// server lists them in.
    fn lookup_by_preference(&self, now: Instant, aor: &str) -> Vec<Binding> {
        let mut bindings = self.lookup(now, aor);
        sort_by_preference(&mut bindings);
        bindings
    }

    /// Applies `changes` to the bindings of `aor`, in order, atomically:
    /// either all of them become visible or none does.
    ///
    /// # Errors
    /// A [`LocationError`] when the store fails; nothing has changed then.
    fn apply(
        &mut self,
        now: Instant,
        aor: &str,
        changes: &[BindingChange],
    ) -> Result<(), LocationError>;

    /// Removes every binding of `aor` (a REGISTER with `Contact: *`,
    /// §10.2.2).
    ///
    /// # Errors
    /// A [`LocationError`] when the store fails; nothing has changed then.
    fn remove_all(&mut self, now: Instant, aor: &str) -> Result<(), LocationError>;

    /// Forgets the bindings that have expired by `now` and returns how many.
    /// A store that expires entries on its own keeps the default, which
    /// does nothing.
    fn purge(&mut self, now: Instant) -> usize {
        let _ = now;
        0
    }

    /// When [`purge`](Self::purge) next has work to do, if ever (it may be
    /// early, never late). The driver sleeps until then.
    fn poll_timeout(&self) -> Option<Instant> {
        None
    }
}

/// A binding as [`MemoryLocation`] holds it: the binding and the id of its
/// entry in the expiry heap.
#[derive(Clone, Debug)]
struct Stored {
    id: u64,
    binding: Binding,
}

/// An entry of the expiry heap. Ordered by time, then id (unique), so the
/// AOR never takes part in the comparison.
#[derive(Clone, Debug)]
struct Expiry {
    at: Instant,
    id: u64,
    aor: String,
}

impl PartialEq for Expiry {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.id) == (other.at, other.id)
    }
}

impl Eq for Expiry {}

impl PartialOrd for Expiry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Expiry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.id).cmp(&(other.at, other.id))
    }
}

/// Counters of a [`MemoryLocation`], for tests and monitoring.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemoryStats {
    /// Bindings held, expired ones not yet purged included.
    pub bindings: usize,
    /// Addresses-of-record with at least one binding held.
    pub aors: usize,
    /// Entries in the expiry heap, stale ones (of refreshed or removed
    /// bindings) included.
    pub heap_entries: usize,
    /// Heap entries purges have examined since the store was made.
    pub examined: u64,
}

/// An in-memory [`LocationService`].
///
/// Expiry costs what expires, not what is stored: every binding version
/// has an entry `(expires_at, id, aor)` in a min-heap, and
/// [`purge`](LocationService::purge) pops entries only while they are due.
/// A refresh or removal leaves the old entry in the heap (lazy deletion):
/// when it comes up, its id no longer matches a stored binding and it is
/// dropped. So that refreshes cannot grow the heap without bound, it is
/// rebuilt from the live bindings when stale entries outnumber them
/// (amortized O(1) per write). Every write purges first; reads filter, so
/// an expired binding is never returned even before a purge.
///
/// ```
/// use std::time::{Duration, Instant};
/// use sip_dialog::{LocationService, MemoryLocation};
///
/// let mut loc = MemoryLocation::new();
/// let t0 = Instant::now();
/// assert!(loc.lookup(t0, "sip:bob@biloxi.example.com").is_empty());
/// assert_eq!(loc.purge(t0 + Duration::from_secs(3600)), 0);
/// ```
#[derive(Clone, Debug, Default)]
pub struct MemoryLocation {
    /// Sharded so that a growing table never rehashes every AOR at once.
    table: ShardedMap<String, Vec<Stored>>,
    heap: BinaryHeap<Reverse<Expiry>>,
    next_id: u64,
    len: usize,
    examined: u64,
}

impl MemoryLocation {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of bindings held (expired ones not yet purged included).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no binding is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The store's counters.
    pub fn stats(&self) -> MemoryStats {
        MemoryStats {
            bindings: self.len,
            aors: self.table.len(),
            heap_entries: self.heap.len(),
            examined: self.examined,
        }
    }

    fn insert(&mut self, aor: &str, binding: Binding) {
        let id = self.next_id;
        self.next_id += 1;
        self.heap.push(Reverse(Expiry {
            at: binding.expires_at,
            id,
            aor: aor.to_owned(),
        }));
        // Most AORs have one contact: a new list holds exactly one binding
        // (a `Vec` would otherwise start with room for four, about 1 KB).
        let list = self
            .table
            .entry(aor.to_owned())
            .or_insert_with(|| Vec::with_capacity(1));
        match list.iter_mut().find(|s| s.binding.uri() == binding.uri()) {
            Some(old) => *old = Stored { id, binding },
            None => {
                list.push(Stored { id, binding });
                self.len += 1;
            }
        }
    }

    fn remove(&mut self, aor: &str, uri: &Uri) {
        if let Some(list) = self.table.get_mut(aor) {
            let before = list.len();
            list.retain(|s| s.binding.uri() != uri);
            self.len -= before - list.len();
            if list.is_empty() {
                self.table.remove(aor);
            }
        }
    }

    /// Rebuilds the heap from the live bindings once stale entries
    /// outnumber them.
    fn compact(&mut self) {
        if self.heap.len() <= 2 * self.len + 64 {
            return;
        }
        self.heap = self
            .table
            .iter()
            .flat_map(|(aor, list)| {
                list.iter().map(|s| {
                    Reverse(Expiry {
                        at: s.binding.expires_at,
                        id: s.id,
                        aor: aor.clone(),
                    })
                })
            })
            .collect();
    }
}

impl LocationService for MemoryLocation {
    fn lookup(&self, now: Instant, aor: &str) -> Vec<Binding> {
        self.table.get(aor).map_or_else(Vec::new, |list| {
            list.iter()
                .filter(|s| !s.binding.is_expired(now))
                .map(|s| s.binding.clone())
                .collect()
        })
    }

    fn apply(
        &mut self,
        now: Instant,
        aor: &str,
        changes: &[BindingChange],
    ) -> Result<(), LocationError> {
        self.purge(now);
        // Nothing below can fail, so applying in order is atomic.
        for change in changes {
            match change {
                BindingChange::Upsert(b) => self.insert(aor, b.clone()),
                BindingChange::Remove(uri) => self.remove(aor, uri),
            }
        }
        self.compact();
        Ok(())
    }

    fn remove_all(&mut self, now: Instant, aor: &str) -> Result<(), LocationError> {
        self.purge(now);
        if let Some(list) = self.table.remove(aor) {
            self.len -= list.len();
        }
        self.compact();
        Ok(())
    }

    fn purge(&mut self, now: Instant) -> usize {
        let mut removed = 0;
        while self.heap.peek().is_some_and(|e| e.0.at <= now) {
            let Some(Reverse(e)) = self.heap.pop() else {
                break;
            };
            self.examined += 1;
            let Some(list) = self.table.get_mut(&e.aor) else {
                continue; // stale: the AOR was removed
            };
            // Stale unless the binding still has this entry's id (a refresh
            // gives it a new id and a new entry).
            if let Some(i) = list.iter().position(|s| s.id == e.id) {
                list.swap_remove(i);
                self.len -= 1;
                removed += 1;
                if list.is_empty() {
                    self.table.remove(&e.aor);
                }
            }
        }
        removed
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.heap.peek().map(|e| e.0.at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sip_message::NameAddr;

    #[allow(clippy::disallowed_methods)]
    fn t0() -> Instant {
        Instant::now()
    }

    fn binding(uri: &str, t0: Instant) -> Binding {
        Binding {
            contact: NameAddr::new(None, &Uri::parse(uri).unwrap()),
            expires_at: t0 + std::time::Duration::from_secs(3600),
            q: 1000,
            call_id: "c".to_owned(),
            cseq: 1,
            path: Vec::new(),
            source: None,
            registered_at: t0,
        }
    }

    /// A registrar holds one list per address-of-record for the binding's
    /// lifetime (an hour by default), and most have a single contact: the
    /// list holds exactly what it stores, not room for four.
    #[test]
    fn a_single_binding_takes_one_slot() {
        let t0 = t0();
        let mut loc = MemoryLocation::new();
        let aor = "sip:bob@biloxi.example.com";
        let one = [BindingChange::Upsert(binding("sip:bob@192.0.2.4", t0))];
        loc.apply(t0, aor, &one).unwrap();
        assert_eq!(loc.table.get(aor).map(Vec::capacity), Some(1));
        let two = [BindingChange::Upsert(binding("sip:bob@192.0.2.5", t0))];
        loc.apply(t0, aor, &two).unwrap();
        assert_eq!(loc.lookup(t0, aor).len(), 2);
    }
}
