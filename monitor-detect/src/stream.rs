//! Incremental scanning of one direction of one flow.

use crate::{DataType, Engine, Finding};

/// Scans a byte stream chunk by chunk. Keeps the tail of the previous chunk so that a value
/// straddling two contiguous chunks is found, reports each match once, and forgets the tail when
/// a gap (lost or skipped bytes) is seen. Findings carry absolute stream offsets. `Debug` shows
/// offsets only, never the carried bytes.
#[derive(Default)]
pub struct StreamScanner {
    /// Tail of the bytes fed so far (at most `EngineConfig::stream_carry_bytes`).
    carry: Vec<u8>,
    /// Stream offset of `carry[0]`.
    carry_offset: u64,
    /// Stream offset one past the last byte fed; `None` before the first chunk.
    next_offset: Option<u64>,
    /// Findings already reported that reach into the carried tail: (type, start, end).
    reported: Vec<(DataType, u64, u64)>,
}

impl std::fmt::Debug for StreamScanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamScanner")
            .field("carry_len", &self.carry.len())
            .field("carry_offset", &self.carry_offset)
            .field("next_offset", &self.next_offset)
            .field("reported", &self.reported.len())
            .finish()
    }
}

impl StreamScanner {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the chunk that starts at stream offset `offset`; returns the findings not reported
    /// before, with absolute stream offsets in `start`/`end`.
    pub fn feed(&mut self, engine: &Engine, offset: u64, bytes: &[u8]) -> Vec<Finding> {
        if self.next_offset != Some(offset) {
            // A gap, a retransmission or the first chunk: nothing carries over.
            self.carry.clear();
            self.reported.clear();
            self.carry_offset = offset;
        }
        let carried = self.carry.len();
        self.carry.extend_from_slice(bytes);
        let buffer = std::mem::take(&mut self.carry);
        let base = self.carry_offset;
        let mut fresh = Vec::new();
        for mut f in engine.scan(&buffer) {
            // Entirely inside the carried tail: it was seen with the previous chunk.
            if f.end <= carried {
                continue;
            }
            let start = base.saturating_add(f.start as u64);
            let end = base.saturating_add(f.end as u64);
            let seen = self
                .reported
                .iter()
                .any(|&(t, s, e)| t == f.data_type && s < end && start < e);
            if seen {
                continue;
            }
            self.reported.push((f.data_type, start, end));
            f.start = usize::try_from(start).unwrap_or(usize::MAX);
            f.end = usize::try_from(end).unwrap_or(usize::MAX);
            fresh.push(f);
        }
        let keep = engine.config().stream_carry_bytes.min(buffer.len());
        let tail_start = buffer.len() - keep;
        self.carry = buffer.get(tail_start..).unwrap_or_default().to_vec();
        self.carry_offset = base.saturating_add(tail_start as u64);
        self.next_offset = Some(offset.saturating_add(bytes.len() as u64));
        let carry_offset = self.carry_offset;
        self.reported.retain(|&(_, _, e)| e > carry_offset);
        fresh
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::EngineConfig;

    fn engine() -> Engine {
        Engine::new(EngineConfig::default()).unwrap()
    }

    #[test]
    fn finds_value_straddling_chunks_once() {
        let engine = engine();
        let mut s = StreamScanner::new();
        let a = b"log: mail to anna.sch";
        let b = b"midt@example.com done, again anna.schmidt@example.com";
        assert!(s.feed(&engine, 1000, a).is_empty());
        let found = s.feed(&engine, 1000 + a.len() as u64, b);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].data_type, DataType::Email);
        assert_eq!(found[0].start, 1013);
        assert_eq!(found[0].end, 1000 + a.len() + 16);
        // Feeding an unrelated contiguous chunk reports nothing again.
        let next = 1000 + (a.len() + b.len()) as u64;
        assert!(s.feed(&engine, next, b" bye").is_empty());
    }

    #[test]
    fn gap_resets_the_window() {
        let engine = engine();
        let mut s = StreamScanner::new();
        assert!(s.feed(&engine, 0, b"mail anna.sch").is_empty());
        // Bytes 13..20 were lost: the halves must not be glued together.
        assert!(
            s.feed(&engine, 20, b"midt@example.com")
                .iter()
                .all(|f| f.start >= 20)
        );
    }

    proptest! {
        #[test]
        fn chunking_never_duplicates(split in 1_usize..60) {
            let engine = engine();
            let data = b"a: anna@web.de b: 192.168.1.20 c: ee:dc:6c:30:0c:86 d: bob@x.org";
            let mut s = StreamScanner::new();
            let mut all = Vec::new();
            let mut off = 0;
            for chunk in data.chunks(split) {
                all.extend(s.feed(&engine, off as u64, chunk));
                off += chunk.len();
            }
            for (i, a) in all.iter().enumerate() {
                for b in &all[i + 1..] {
                    prop_assert!(!(a.data_type == b.data_type && a.start < b.end && b.start < a.end));
                }
            }
        }
    }
}
