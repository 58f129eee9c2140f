//! Bounded per-thread memos of costly answers (a field name's kind, a number's numbering-plan
//! check), keyed by a secret-keyed hash of the question.
//!
//! The hash is a polynomial over the prime field of 2^61 - 1, evaluated at a point drawn at
//! random for each memo ([`PolyKey`]): for any two different questions chosen without knowing
//! that point, the chance that their hashes are equal is at most their length in 7-byte chunks
//! (plus one per part) in 2^61 (a nonzero polynomial of that degree has at most that many
//! roots). A sender never sees the hashes, so it cannot craft a collision: with a public hash
//! such as FNV, a field name made to share `phone`'s hash and sent first would have `phone` read
//! as that name's kind. It costs a multiplication per 7 bytes, a fraction of `SipHash`'s
//! rounds, and the memos are asked once per field and per phone-shaped number. Only the hash
//! is kept, never the question: the memo holds no field value or number.

use std::hash::{BuildHasher, RandomState};

use crate::fnv::PrehashedMap;

/// The Mersenne prime 2^61 - 1: reducing modulo it is two shifts and adds.
const PRIME: u64 = (1 << 61) - 1;

/// `x * y` modulo [`PRIME`], for `x` below 2^63 and `y` below 2^61; the result is at most
/// 2^61 + 4 (not always fully reduced: equal results still mean equal residues).
#[expect(
    clippy::cast_possible_truncation,
    reason = "the low 61 bits and the high bits of a product below 2^124 are taken apart"
)]
const fn mul_mod(x: u64, y: u64) -> u64 {
    let product = x as u128 * y as u128;
    let folded = (product as u64 & PRIME) + (product >> 61) as u64;
    (folded & PRIME) + (folded >> 61)
}

/// A keyed polynomial hash of a list of byte strings: each string's 7-byte chunks, then its
/// length, are the coefficients of a polynomial evaluated at a secret point, after a leading
/// coefficient 1. The coefficients spell the list unambiguously (read from the end, a length
/// says how many chunks come before it), and the leading 1 keeps lists of different lengths
/// apart, so different lists give different polynomials.
#[derive(Clone, Copy)]
pub(crate) struct PolyKey {
    point: u64,
}

impl PolyKey {
    /// A point drawn from the standard library's per-process random keys: different for each
    /// key made, never 0 or 1 (which would make the polynomial ignore its coefficients' order).
    pub(crate) fn random() -> Self {
        let drawn = RandomState::new().hash_one(0_u64) % PRIME;
        Self {
            point: drawn.max(2),
        }
    }

    /// The hash of `parts`.
    pub(crate) fn hash<'a>(self, parts: impl IntoIterator<Item = &'a [u8]>) -> u64 {
        let mut accumulator = mul_mod(1, self.point);
        let mut absorb = |coefficient: u64| {
            accumulator = mul_mod(accumulator + coefficient, self.point);
        };
        // The bytes of `s` (at most 8) as a little-endian number.
        let little_endian = |s: &[u8]| {
            let mut word = [0_u8; 8];
            for (slot, &byte) in word.iter_mut().zip(s) {
                *slot = byte;
            }
            u64::from_le_bytes(word)
        };
        for part in parts {
            let mut rest = part;
            while let Some(chunk) = rest.get(..7) {
                // Eight bytes read at once where there are eight, the last masked off.
                let word = rest
                    .get(..8)
                    .and_then(|eight| <[u8; 8]>::try_from(eight).ok())
                    .map_or_else(
                        || little_endian(chunk),
                        |eight| u64::from_le_bytes(eight) & ((1 << 56) - 1),
                    );
                absorb(word);
                rest = rest.get(7..).unwrap_or_default();
            }
            if !rest.is_empty() {
                absorb(little_endian(rest));
            }
            // Below 2^56 (a chunk's size) for anything held in memory.
            absorb(part.len() as u64 & ((1 << 56) - 1));
        }
        // An odd multiplier is a bijection of u64: it spreads the residue (below 2^62) over all
        // 64 bits, which the hash map's buckets and tags are taken from, and adds no collision.
        accumulator.wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }
}

/// Answers by the keyed hash of their question; at most `limit`, forgotten all at once when full.
pub(crate) struct Memo<V> {
    key: PolyKey,
    answers: PrehashedMap<V>,
    limit: usize,
}

impl<V: Clone> Memo<V> {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            key: PolyKey::random(),
            answers: PrehashedMap::default(),
            limit,
        }
    }

    /// The keyed hash of a question spelt as `parts`, to look it up and then remember its
    /// answer.
    pub(crate) fn hash<'a>(&self, parts: impl IntoIterator<Item = &'a [u8]>) -> u64 {
        self.key.hash(parts)
    }

    pub(crate) fn get(&self, hash: u64) -> Option<V> {
        self.answers.get(&hash).cloned()
    }

    /// Remembers `answer` for the question hashed to `hash`; forgets everything when full.
    pub(crate) fn insert(&mut self, hash: u64, answer: V) {
        if self.answers.len() >= self.limit {
            self.answers.clear();
        }
        self.answers.insert(hash, answer);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The hash by its definition: a leading 1, then each part's chunks and length as
    /// coefficients, Horner's rule in `u128`, fully reduced.
    fn reference(point: u64, parts: &[Vec<u8>]) -> u64 {
        let p = u128::from(PRIME);
        let mut coefficients = vec![1_u128];
        for part in parts {
            coefficients.extend(part.chunks(7).map(|chunk| {
                let mut word = [0_u8; 8];
                word[..chunk.len()].copy_from_slice(chunk);
                u128::from(u64::from_le_bytes(word))
            }));
            coefficients.push(part.len() as u128);
        }
        let mut acc: u128 = 0;
        for c in coefficients {
            acc = (acc + c) * u128::from(point) % p;
        }
        u64::try_from(acc).unwrap()
    }

    /// The residue behind a hash: the final multiplier undone (by its inverse modulo 2^64),
    /// then fully reduced.
    fn residue(hash: u64) -> u64 {
        let inverse = (0..6).fold(1_u64, |x: u64, _| {
            x.wrapping_mul(2_u64.wrapping_sub(0x9e37_79b9_7f4a_7c15_u64.wrapping_mul(x)))
        });
        hash.wrapping_mul(inverse) % PRIME
    }

    fn hash_of(key: PolyKey, parts: &[Vec<u8>]) -> u64 {
        key.hash(parts.iter().map(Vec::as_slice))
    }

    proptest! {
        #[test]
        fn mul_mod_is_multiplication_modulo_the_prime(x in 0..1_u64 << 63, y in 0..PRIME) {
            let expected = u128::from(x) * u128::from(y) % u128::from(PRIME);
            prop_assert_eq!(u128::from(mul_mod(x, y) % PRIME), expected);
            prop_assert!(mul_mod(x, y) <= PRIME + 5);
        }

        #[test]
        fn hash_is_the_polynomial(
            parts in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..20), 0..6),
            point in 2..PRIME,
        ) {
            let key = PolyKey { point };
            prop_assert_eq!(residue(hash_of(key, &parts)), reference(point, &parts));
        }

        #[test]
        fn different_questions_do_not_collide(
            a in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..16), 0..4),
            b in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..16), 0..4),
        ) {
            prop_assume!(a != b);
            let key = PolyKey::random();
            prop_assert_ne!(hash_of(key, &a), hash_of(key, &b));
        }
    }

    #[test]
    fn parts_and_their_lengths_count() {
        let key = PolyKey::random();
        let hash = |parts: &[&[u8]]| key.hash(parts.iter().copied());
        // Zero bytes, empty parts and where parts split all change the question.
        assert_ne!(hash(&[b"phone"]), hash(&[b"phone\0"]));
        assert_ne!(hash(&[b""]), hash(&[]));
        assert_ne!(hash(&[b"", b"x"]), hash(&[b"x"]));
        assert_ne!(hash(&[b"\0\0\0\0\0\0\0", b"x"]), hash(&[b"x"]));
        assert_ne!(hash(&[b"pho", b"ne"]), hash(&[b"phone"]));
        assert_eq!(hash(&[b"phone", b"user"]), hash(&[b"phone", b"user"]));
    }

    #[test]
    fn answers_by_question_and_forgets_when_full() {
        let mut memo: Memo<u8> = Memo::new(2);
        let phone = memo.hash([&b"phone"[..]]);
        assert_ne!(phone, memo.hash([&b"phone"[..], b"user"]));
        assert_ne!(phone, memo.hash([&b"phon"[..]]));
        memo.insert(phone, 1);
        assert_eq!(memo.get(phone), Some(1));
        assert_eq!(memo.get(memo.hash([&b"zzz"[..]])), None);
        memo.insert(memo.hash([&b"a"[..]]), 2);
        memo.insert(memo.hash([&b"b"[..]]), 3);
        assert_eq!(memo.get(phone), None, "cleared when full");
    }

    #[test]
    fn each_memo_has_its_own_key() {
        // Keys are drawn per memo: hashes learnt of one say nothing of another.
        let (a, b) = (Memo::<u8>::new(1), Memo::<u8>::new(1));
        assert_ne!(a.hash([&b"phone"[..]]), b.hash([&b"phone"[..]]));
    }
}
