//! FNV-1a hashing for the engine's small per-thread memo tables, where keys are short field
//! names and numbers: far cheaper than `SipHash`, and the tables are not exposed to an attacker
//! who could choose colliding keys (they only memoize, and are cleared when full).

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinguishes_names() {
        assert_ne!(
            hash_one(("name", None::<&str>)),
            hash_one(("nome", None::<&str>))
        );
        assert_eq!(hash_one(("a", Some("b"))), hash_one(("a", Some("b"))));
    }
}
