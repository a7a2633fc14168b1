//! A hash map that grows one shard at a time.
//!
//! A `HashMap` doubles its table when it fills, rehashing every entry in
//! one call: with half a million transactions alive (a REGISTER flood
//! keeps each for Timer J, 32 s) that one insert takes a quarter of a
//! second, during which the event loop answers nothing and every client
//! waits. [`ShardedMap`] splits the entries over 64 maps by a hash of the
//! key, so a growth step rehashes 1/64 of them: the same total work, in
//! pauses 64 times shorter.
//!
//! The shard is chosen with FNV-1a over the key's `Hash` input; inside a
//! shard the standard library's randomly keyed SipHash keeps the table
//! safe from collision flooding. The layer's transaction tables and the
//! location service of `sip-dialog` use it.
//!
//! ```
//! use sip_transaction::ShardedMap;
//!
//! let mut m: ShardedMap<String, u32> = ShardedMap::new();
//! m.insert("alice".to_owned(), 1);
//! *m.entry("bob".to_owned()).or_default() += 2;
//! assert_eq!(m.get("alice"), Some(&1));
//! assert_eq!(m.get("bob"), Some(&2));
//! assert_eq!(m.len(), 2);
//! assert_eq!(m.remove("alice"), Some(1));
//! ```

use std::borrow::Borrow;
use std::collections::hash_map::{Entry, HashMap};
use std::fmt;
use std::hash::{Hash, Hasher};

/// The number of shards: a power of two.
const SHARDS: usize = 64;

/// A `HashMap` split into 64 shards (see the [module docs](self)).
pub struct ShardedMap<K, V> {
    shards: Vec<HashMap<K, V>>,
    len: usize,
}

impl<K, V> Default for ShardedMap<K, V> {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| HashMap::new()).collect(),
            len: 0,
        }
    }
}

impl<K: Clone, V: Clone> Clone for ShardedMap<K, V> {
    fn clone(&self) -> Self {
        Self {
            shards: self.shards.clone(),
            len: self.len,
        }
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for ShardedMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.shards.iter().flatten()).finish()
    }
}

/// FNV-1a, only to pick a shard.
struct Fnv(u64);

impl Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

fn shard_of<Q: Hash + ?Sized>(key: &Q) -> usize {
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    key.hash(&mut h);
    let x = h.finish();
    // Fold the high bits in: FNV's low bits mix least.
    ((x ^ (x >> 32) ^ (x >> 17)) as usize) & (SHARDS - 1)
}

impl<K: Hash + Eq, V> ShardedMap<K, V> {
    /// An empty map (64 empty shards; nothing is allocated per shard
    /// until it gets an entry).
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The value of `key`.
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.shards[shard_of(key)].get(key)
    }

    /// The value of `key`, mutably.
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.shards[shard_of(key)].get_mut(key)
    }

    /// Whether `key` has a value.
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.get(key).is_some()
    }

    /// Inserts, returning the value `key` had.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        let old = self.shards[shard_of(&key)].insert(key, value);
        if old.is_none() {
            self.len += 1;
        }
        old
    }

    /// Removes `key`, returning its value.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let old = self.shards[shard_of(key)].remove(key);
        if old.is_some() {
            self.len -= 1;
        }
        old
    }

    /// The entry of `key`, as [`HashMap::entry`]. Insertions and removals
    /// through it are counted.
    pub fn entry(&mut self, key: K) -> ShardEntry<'_, K, V> {
        let i = shard_of(&key);
        ShardEntry {
            entry: self.shards[i].entry(key),
            len: &mut self.len,
        }
    }

    /// Every entry, shard after shard.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.shards.iter().flatten()
    }
}

/// An entry of a [`ShardedMap`] that keeps its count right.
#[derive(Debug)]
pub struct ShardEntry<'a, K, V> {
    entry: Entry<'a, K, V>,
    len: &'a mut usize,
}

impl<'a, K, V> ShardEntry<'a, K, V> {
    /// The value, inserting `V::default()` if there is none.
    pub fn or_default(self) -> &'a mut V
    where
        V: Default,
    {
        self.or_insert_with(V::default)
    }

    /// The value, inserting `f()` if there is none.
    pub fn or_insert_with(self, f: impl FnOnce() -> V) -> &'a mut V {
        match self.entry {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(v) => {
                *self.len += 1;
                v.insert(f())
            }
        }
    }

    /// The value if there is one.
    pub fn get(&self) -> Option<&V> {
        match &self.entry {
            Entry::Occupied(o) => Some(o.get()),
            Entry::Vacant(_) => None,
        }
    }

    /// Removes the entry if `remove` says so of its value; returns the
    /// removed value.
    pub fn remove_if(self, remove: impl FnOnce(&V) -> bool) -> Option<V> {
        match self.entry {
            Entry::Occupied(o) if remove(o.get()) => {
                *self.len -= 1;
                Some(o.remove())
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_a_hash_map_and_spreads_keys_over_the_shards() {
        let mut m = ShardedMap::new();
        let mut reference = HashMap::new();
        for i in 0..10_000u32 {
            let k = format!("z9hG4bK{i:08x}");
            assert_eq!(m.insert(k.clone(), i), reference.insert(k, i));
        }
        for i in (0..10_000u32).step_by(3) {
            let k = format!("z9hG4bK{i:08x}");
            assert_eq!(m.remove(k.as_str()), reference.remove(&k));
        }
        assert_eq!(m.len(), reference.len());
        for (k, v) in &reference {
            assert_eq!(m.get(k.as_str()), Some(v));
        }
        assert_eq!(m.iter().count(), m.len());
        // Every shard got a fair share of sequential branch-like keys.
        let sizes: Vec<usize> = m.shards.iter().map(HashMap::len).collect();
        let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
        assert!(
            *min > m.len() / SHARDS / 2 && *max < m.len() / SHARDS * 2,
            "{sizes:?}"
        );
    }

    #[test]
    fn entries_keep_the_count() {
        let mut m: ShardedMap<&str, Vec<u8>> = ShardedMap::new();
        m.entry("a").or_default().push(1);
        m.entry("a").or_default().push(2);
        assert_eq!(m.len(), 1);
        assert_eq!(m.entry("a").get(), Some(&vec![1, 2]));
        assert_eq!(m.entry("a").remove_if(|v| v.len() > 5), None);
        assert_eq!(m.entry("a").remove_if(|v| v.len() == 2), Some(vec![1, 2]));
        assert_eq!(m.entry("b").remove_if(|_| true), None);
        assert!(m.is_empty());
    }
}
