//! `StreamScanner::feed` on an arbitrary sequence of chunks, as flow assembly hands them over:
//! mostly contiguous, sometimes after a gap (lost bytes), rarely overlapping (a retransmission).
//! It must never panic; every finding must lie inside the bytes fed so far; and while the stream
//! is contiguous, no match may be reported twice.

#![no_main]

use std::{collections::HashSet, sync::LazyLock};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use monitor_detect::{Engine, EngineConfig, StreamScanner};

static ENGINE: LazyLock<Engine> =
    LazyLock::new(|| Engine::new(EngineConfig::default()).expect("default engine config is valid"));

#[derive(Debug, Arbitrary)]
struct Input {
    /// Stream offset of the first chunk; a flow may be picked up mid-stream.
    first_offset: u32,
    chunks: Vec<Chunk>,
}

#[derive(Debug, Arbitrary)]
struct Chunk {
    /// How this chunk's offset relates to the end of the previous one (see `next_offset`).
    jump: u8,
    bytes: Vec<u8>,
}

fuzz_target!(|input: Input| {
    let mut scanner = StreamScanner::new();
    let mut end = u64::from(input.first_offset);
    let mut lowest = end;
    let mut contiguous = true;
    let mut reported = HashSet::new();
    for chunk in &input.chunks {
        let offset = next_offset(end, chunk.jump);
        contiguous &= offset == end;
        lowest = lowest.min(offset);
        let chunk_end = offset + chunk.bytes.len() as u64;
        for f in scanner.feed(&ENGINE, offset, &chunk.bytes) {
            let (start, stop) = (f.start as u64, f.end as u64);
            assert!(
                start < stop,
                "empty or reversed span {start}..{stop} ({})",
                f.data_type
            );
            assert!(
                lowest <= start && stop <= end.max(chunk_end),
                "span {start}..{stop} outside the bytes fed ({lowest}..{})",
                end.max(chunk_end)
            );
            assert!(
                (0.0..=1.0).contains(&f.confidence),
                "confidence {}",
                f.confidence
            );
            if contiguous {
                assert!(
                    reported.insert((f.data_type, start, stop)),
                    "{} at {start}..{stop} reported twice on a contiguous stream",
                    f.data_type
                );
            }
        }
        end = end.max(chunk_end);
    }
});

/// Mostly contiguous; `jump` 224..=247 leaves a gap, 248..=255 steps back (overlap).
fn next_offset(end: u64, jump: u8) -> u64 {
    match jump {
        0..=223 => end,
        224..=247 => end + u64::from(jump - 223) * 97,
        _ => end.saturating_sub(u64::from(jump - 247) * 7),
    }
}
