//! TCP reassembly from arbitrary samples (any sequence numbers, flags, truncation, timing), with
//! every emitted chunk decoded by a `StreamDecoder`. Must never panic; held data must stay within
//! the configured bounds; until a SYN restarts the stream, chunks never overlap and a chunk not
//! flagged `after_gap` continues the previous one exactly.

#![no_main]

use std::time::{Duration, SystemTime};

use arbitrary::Arbitrary;
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use monitor::{
    flow::{Reassembler, ReassemblyConfig},
    model::{FlowKey, PacketSample, SampleKind, TcpMeta, Transport},
    protocol::StreamDecoder,
};

#[derive(Debug, Arbitrary)]
struct Input {
    isn: u32,
    /// Keep sequence numbers within 64 KiB of the ISN, so that segments interact.
    near: bool,
    samples: Vec<Sample>,
}

#[derive(Debug, Arbitrary)]
struct Sample {
    seq: u32,
    flags: u8,
    payload: Vec<u8>,
    /// Bytes on the wire beyond the captured payload (a truncated capture).
    uncaptured: u16,
    periodic: bool,
    /// Milliseconds since the previous sample.
    step_ms: u16,
}

fuzz_target!(|input: Input| {
    let config = ReassemblyConfig {
        max_pending_bytes: 8 * 1024,
        max_pending_segments: 8,
        max_hold: Duration::from_millis(500),
    };
    let key = FlowKey {
        src: "192.0.2.1:40000".parse().expect("literal"),
        dst: "192.0.2.2:443".parse().expect("literal"),
        transport: Transport::Tcp,
    };
    let mut reassembler = Reassembler::new(Transport::Tcp, config);
    let mut decoder = StreamDecoder::new();
    let mut at = SystemTime::UNIX_EPOCH;
    let mut last_end: Option<u64> = None;
    let mut largest_payload = 0;
    for s in input.samples.iter().take(256) {
        at += Duration::from_millis(u64::from(s.step_ms));
        let seq = if input.near {
            input.isn.wrapping_add(s.seq % 65_536)
        } else {
            s.seq
        };
        let captured = u32::try_from(s.payload.len()).unwrap_or(u32::MAX);
        largest_payload = largest_payload.max(s.payload.len());
        let sample = PacketSample {
            key,
            at,
            tcp: Some(TcpMeta {
                seq,
                flags: s.flags,
            }),
            wire_len: captured.saturating_add(u32::from(s.uncaptured)),
            payload: Bytes::copy_from_slice(&s.payload),
            kind: if s.periodic {
                SampleKind::Periodic
            } else {
                SampleKind::Head
            },
            part: 0,
        };
        for chunk in reassembler.push(&sample) {
            assert!(!chunk.bytes.is_empty());
            if let (0, Some(end)) = (reassembler.stats().restarts, last_end) {
                assert!(chunk.offset >= end, "chunks overlap");
                assert!(chunk.after_gap || chunk.offset == end, "unflagged gap");
            }
            last_end = Some(chunk.end());
            let decoded = decoder.feed(chunk.offset, &chunk.bytes, chunk.after_gap);
            assert!(decoded.clear_text.start <= decoded.clear_text.end);
            assert!(decoded.clear_text.end <= chunk.bytes.len());
        }
        assert!(reassembler.pending_bytes() <= config.max_pending_bytes + largest_payload);
    }
    for chunk in reassembler.flush() {
        assert!(!chunk.bytes.is_empty());
    }
    assert_eq!(reassembler.pending_bytes(), 0);
});
