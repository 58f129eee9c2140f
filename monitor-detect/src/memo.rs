//! Bounded per-thread memos of costly answers (a field name's kind, a number's numbering-plan
//! check), keyed by a secret-keyed hash of the question.
//!
//! The hash is `SipHash` with a key drawn at random for each memo, so a sender cannot compute a
//! question that collides with another (with a public hash such as FNV, a field name crafted to
//! share `phone`'s hash and sent first would have `phone` read as that name's kind). Only the
//! hash is kept, never the question: the memo holds no field value or number.

use std::hash::{BuildHasher, Hash, RandomState};

use crate::fnv::PrehashedMap;

/// Answers by the keyed hash of their question; at most `limit`, forgotten all at once when full.
pub(crate) struct Memo<V> {
    hasher: RandomState,
    answers: PrehashedMap<V>,
    limit: usize,
}

impl<V: Clone> Memo<V> {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            hasher: RandomState::new(),
            answers: PrehashedMap::default(),
            limit,
        }
    }

    /// The keyed hash of `question`, to look it up and then remember its answer.
    pub(crate) fn hash(&self, question: impl Hash) -> u64 {
        self.hasher.hash_one(question)
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
    use super::*;

    #[test]
    fn answers_by_question_and_forgets_when_full() {
        let mut memo: Memo<u8> = Memo::new(2);
        let phone = memo.hash(("phone", None::<&str>));
        assert_ne!(phone, memo.hash(("phone", Some("user"))));
        assert_ne!(phone, memo.hash(("phon", None::<&str>)));
        memo.insert(phone, 1);
        assert_eq!(memo.get(phone), Some(1));
        assert_eq!(memo.get(memo.hash(("zzz", None::<&str>))), None);
        memo.insert(memo.hash("a"), 2);
        memo.insert(memo.hash("b"), 3);
        assert_eq!(memo.get(phone), None, "cleared when full");
    }

    #[test]
    fn each_memo_has_its_own_key() {
        // Keys are drawn per memo: hashes learnt of one say nothing of another.
        let (a, b) = (Memo::<u8>::new(1), Memo::<u8>::new(1));
        assert_ne!(a.hash("phone"), b.hash("phone"));
    }
}
