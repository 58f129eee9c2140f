//! FNV-1a hashing for the engine's small per-thread memo tables, where keys are short field
//! names and numbers: far cheaper than `SipHash`. A sender can craft keys whose hashes collide,
//! so a memo keeps each key and compares it ([`Memo`]): a collision costs a miss, never another
//! key's answer, and a memo is bounded (cleared when full).

use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

/// 64-bit FNV-1a.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Hasher for maps keyed by an FNV hash already: the key is its own hash (no second pass).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)).rotate_left(8);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A map keyed by [`hash_one`] values.
pub(crate) type PrehashedMap<V> = std::collections::HashMap<u64, V, BuildHasherDefault<Prehashed>>;

/// Hash of one value.
pub(crate) fn hash_one(value: impl std::hash::Hash) -> u64 {
    BuildHasherDefault::<Fnv>::default().hash_one(value)
}

/// A memo of at most `limit` entries keyed by a [`hash_one`] value that keeps each entry's key
/// and compares it on a hit: a key with a colliding hash (which a sender can craft for a 64-bit
/// FNV hash, to have a field name read as another) is a miss, never another key's answer.
pub(crate) struct Memo<K, V> {
    entries: PrehashedMap<(K, V)>,
    limit: usize,
}

impl<K, V: Clone> Memo<K, V> {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            entries: PrehashedMap::default(),
            limit,
        }
    }

    /// The value remembered under `hash`, if its key is the one `is_key` accepts.
    pub(crate) fn get(&self, hash: u64, is_key: impl FnOnce(&K) -> bool) -> Option<V> {
        self.entries
            .get(&hash)
            .filter(|(key, _)| is_key(key))
            .map(|(_, value)| value.clone())
    }

    /// Remembers `value` for `key` (hashed to `hash`); forgets everything when full.
    pub(crate) fn insert(&mut self, hash: u64, key: K, value: V) {
        if self.entries.len() >= self.limit {
            self.entries.clear();
        }
        self.entries.insert(hash, (key, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_memo_answers_only_for_its_own_key() {
        let mut memo: Memo<String, u8> = Memo::new(2);
        memo.insert(7, "phone".to_owned(), 1);
        assert_eq!(memo.get(7, |k| k == "phone"), Some(1));
        // Another key under the same hash (a crafted collision) is a miss.
        assert_eq!(memo.get(7, |k| k == "zzz"), None);
        memo.insert(8, "a".to_owned(), 2);
        memo.insert(9, "b".to_owned(), 3);
        assert_eq!(memo.get(7, |k| k == "phone"), None, "cleared when full");
    }

    #[test]
    fn distinguishes_names() {
        assert_ne!(
            hash_one(("name", None::<&str>)),
            hash_one(("nome", None::<&str>))
        );
        assert_eq!(hash_one(("a", Some("b"))), hash_one(("a", Some("b"))));
    }
}
