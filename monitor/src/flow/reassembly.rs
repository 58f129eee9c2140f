//! Per-direction stream reassembly from payload samples.
//!
//! Samples are sparse by design: the kernel copies the first few payload packets of a direction
//! (`SampleKind::Head`) and then one packet in N (`SampleKind::Periodic`), and may truncate a
//! packet to its first bytes. So holes are normal. The reassembler turns TCP sequence numbers
//! into 64-bit stream offsets, drops bytes it already emitted (retransmissions, overlaps), waits
//! a bounded time and amount of memory for reordered head packets to fill a hole, and otherwise
//! emits what it has with `after_gap` set. It never waits for a hole that no sample can fill.

use std::{collections::BTreeMap, fmt, time::Duration, time::SystemTime};

use bytes::Bytes;

use crate::model::{PacketSample, SampleKind, TcpMeta, Transport};

const TCP_SYN: u8 = 0x02;

/// Bounds on what one direction may hold back while waiting for a hole to fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReassemblyConfig {
    /// Most out-of-order payload bytes held.
    pub max_pending_bytes: usize,
    /// Most out-of-order segments held.
    pub max_pending_segments: usize,
    /// Longest a hole is waited for, measured on sample timestamps. Reordering between the
    /// kernel and the ring buffer is sub-millisecond; a hole older than this is a lost sample.
    pub max_hold: Duration,
}

impl Default for ReassemblyConfig {
    fn default() -> Self {
        Self {
            max_pending_bytes: 32 * 1024,
            max_pending_segments: 16,
            max_hold: Duration::from_millis(500),
        }
    }
}

/// Contiguous bytes of one direction's stream.
#[derive(Clone, PartialEq, Eq)]
pub struct Chunk {
    /// Stream offset of the first byte (0 = first byte after the SYN, or first byte seen).
    pub offset: u64,
    pub bytes: Bytes,
    /// Bytes before `offset` were lost or never seen: this chunk does not continue the last one.
    pub after_gap: bool,
}

impl Chunk {
    /// Stream offset one past the last byte.
    #[must_use]
    pub fn end(&self) -> u64 {
        self.offset.saturating_add(len_u64(self.bytes.len()))
    }
}

impl fmt::Debug for Chunk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Lengths only: the bytes are payload.
        f.debug_struct("Chunk")
            .field("offset", &self.offset)
            .field("len", &self.bytes.len())
            .field("after_gap", &self.after_gap)
            .finish()
    }
}

/// What reassembly did with the bytes it was given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReassemblyStats {
    /// Holes skipped: chunks emitted after lost bytes (not counting a flow picked up mid-stream).
    pub gaps: u64,
    /// Bytes dropped because they had been emitted already (retransmissions, overlaps).
    pub duplicate_bytes: u64,
    /// A SYN with a new initial sequence number restarted the stream (4-tuple reuse).
    pub restarts: u64,
    /// TCP samples without TCP metadata, ignored.
    pub malformed_samples: u64,
}

/// Reassembly for one flow direction, by transport.
#[derive(Debug)]
pub enum Reassembler {
    Tcp(TcpReassembler),
    /// Each datagram is its own chunk, in its own offset space (offset 0, after a gap).
    Udp(ReassemblyStats),
}

impl Reassembler {
    #[must_use]
    pub fn new(transport: Transport, config: ReassemblyConfig) -> Self {
        match transport {
            Transport::Tcp => Self::Tcp(TcpReassembler::new(config)),
            Transport::Udp => Self::Udp(ReassemblyStats::default()),
        }
    }

    /// Takes one sample of this direction; returns the chunks it completes, in stream order.
    pub fn push(&mut self, sample: &PacketSample) -> Vec<Chunk> {
        match self {
            Self::Tcp(tcp) => {
                let Some(meta) = sample.tcp else {
                    tcp.stats.malformed_samples = tcp.stats.malformed_samples.saturating_add(1);
                    return Vec::new();
                };
                tcp.push(
                    meta,
                    &sample.payload,
                    sample.wire_len,
                    sample.kind,
                    sample.at,
                )
            }
            Self::Udp(_) if sample.payload.is_empty() => Vec::new(),
            Self::Udp(_) => {
                vec![Chunk {
                    offset: 0,
                    bytes: sample.payload.clone(),
                    after_gap: true,
                }]
            }
        }
    }

    /// Releases everything held back (the connection is closing: no sample will fill a hole).
    pub fn flush(&mut self) -> Vec<Chunk> {
        match self {
            Self::Tcp(tcp) => tcp.flush(),
            Self::Udp(_) => Vec::new(),
        }
    }

    /// Releases what has waited longer than `max_hold` by `now`, when no new sample came to
    /// release it: the hole before it is a lost sample.
    pub fn release_stale(&mut self, now: SystemTime) -> Vec<Chunk> {
        let mut out = Vec::new();
        if let Self::Tcp(tcp) = self {
            tcp.release_stale(now, &mut out);
        }
        out
    }

    #[must_use]
    pub const fn stats(&self) -> ReassemblyStats {
        match self {
            Self::Tcp(tcp) => tcp.stats,
            Self::Udp(stats) => *stats,
        }
    }

    /// Payload bytes currently held back.
    #[must_use]
    pub const fn pending_bytes(&self) -> usize {
        match self {
            Self::Tcp(tcp) => tcp.pending_bytes,
            Self::Udp(_) => 0,
        }
    }
}

/// A segment that arrived ahead of a hole.
struct Pending {
    bytes: Bytes,
    /// Stream offset one past the segment's last byte on the wire (beyond `bytes` if truncated).
    wire_end: u64,
    arrived: SystemTime,
}

/// TCP reassembly for one direction.
pub struct TcpReassembler {
    config: ReassemblyConfig,
    /// Sequence number of stream offset 0: ISN + 1 after a SYN, else the first sample's.
    base: Option<u32>,
    /// `base` came from a SYN (so offset 0 is the true start of the stream).
    base_from_syn: bool,
    /// Offset one past the last byte emitted.
    next: u64,
    /// Bytes in `[next, known_lost_until)` were on the wire but not captured (truncated samples):
    /// no sample can supply them, so no one waits for them.
    known_lost_until: u64,
    /// The next chunk emitted starts after lost or unseen bytes.
    gap_before_next: bool,
    /// Out-of-order segments by offset.
    pending: BTreeMap<u64, Pending>,
    pending_bytes: usize,
    stats: ReassemblyStats,
}

impl fmt::Debug for TcpReassembler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpReassembler")
            .field("next", &self.next)
            .field("pending_segments", &self.pending.len())
            .field("pending_bytes", &self.pending_bytes)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl TcpReassembler {
    #[must_use]
    pub const fn new(config: ReassemblyConfig) -> Self {
        Self {
            config,
            base: None,
            base_from_syn: false,
            next: 0,
            known_lost_until: 0,
            gap_before_next: false,
            pending: BTreeMap::new(),
            pending_bytes: 0,
            stats: ReassemblyStats {
                gaps: 0,
                duplicate_bytes: 0,
                restarts: 0,
                malformed_samples: 0,
            },
        }
    }

    /// Takes one TCP sample: `payload` is the captured prefix of a `wire_len`-byte payload.
    pub fn push(
        &mut self,
        meta: TcpMeta,
        payload: &Bytes,
        wire_len: u32,
        kind: SampleKind,
        at: SystemTime,
    ) -> Vec<Chunk> {
        let syn = meta.flags & TCP_SYN != 0;
        // A SYN occupies one sequence number; its payload (TCP Fast Open) follows it.
        let data_seq = if syn {
            meta.seq.wrapping_add(1)
        } else {
            meta.seq
        };
        if syn {
            self.on_syn(data_seq);
        }
        let mut out = Vec::new();
        if payload.is_empty() {
            return out;
        }
        if self.base.is_none() {
            // Picked up mid-stream: offsets count from the first byte seen.
            self.base = Some(data_seq);
            self.gap_before_next = true;
        }
        let Some(offset) = self.offset_of(data_seq) else {
            // Before the start of the stream: a stale retransmission.
            self.count_duplicates(payload.len());
            return out;
        };
        let captured_end = offset.saturating_add(len_u64(payload.len()));
        let wire_end = offset.saturating_add(u64::from(wire_len)).max(captured_end);
        if captured_end <= self.next {
            self.count_duplicates(payload.len());
        } else if offset <= self.frontier() {
            self.emit(offset, payload.clone(), wire_end, &mut out);
            self.drain(&mut out);
        } else {
            self.hold(
                offset,
                Pending {
                    bytes: payload.clone(),
                    wire_end,
                    arrived: at,
                },
            );
            if kind == SampleKind::Periodic {
                // Head samples are all sent first: nothing will fill a hole before a periodic one.
                self.release_all(&mut out);
            }
        }
        self.release_stale(at, &mut out);
        out
    }

    /// Releases everything held back, in order, with gaps where holes remain.
    pub fn flush(&mut self) -> Vec<Chunk> {
        let mut out = Vec::new();
        self.release_all(&mut out);
        out
    }

    fn on_syn(&mut self, data_seq: u32) {
        match self.base {
            Some(base) if base == data_seq => {}
            Some(_) if self.base_from_syn => {
                // A new connection on the same 4-tuple: start over.
                let stats = self.stats;
                *self = Self::new(self.config);
                self.stats = ReassemblyStats {
                    restarts: stats.restarts.saturating_add(1),
                    ..stats
                };
                self.base = Some(data_seq);
                self.base_from_syn = true;
            }
            // Without a SYN, offsets were counted from the first sample; keep them consistent.
            Some(_) => {}
            None => {
                self.base = Some(data_seq);
                self.base_from_syn = true;
            }
        }
    }

    /// The stream offset of `seq`, unwrapped around `next` (sequence numbers wrap at 2^32; a
    /// sample more than 2 GiB away from the expected one is taken to be behind it).
    fn offset_of(&self, seq: u32) -> Option<u64> {
        let base = self.base?;
        #[expect(
            clippy::cast_possible_truncation,
            reason = "sequence numbers are stream offsets modulo 2^32"
        )]
        let expected_seq = base.wrapping_add(self.next as u32);
        let delta = seq.wrapping_sub(expected_seq).cast_signed();
        self.next.checked_add_signed(i64::from(delta))
    }

    /// Offsets up to here can be emitted without waiting: everything before is emitted or lost.
    fn frontier(&self) -> u64 {
        self.next.max(self.known_lost_until)
    }

    /// Emits the part of a segment past `next`; a segment starting beyond `next` is after a gap.
    /// Bytes between the end of `bytes` and `wire_end` were not captured and count as lost.
    fn emit(&mut self, offset: u64, mut bytes: Bytes, wire_end: u64, out: &mut Vec<Chunk>) {
        self.known_lost_until = self.known_lost_until.max(wire_end);
        let mut offset = offset;
        if offset < self.next {
            let overlap = usize::try_from(self.next - offset).unwrap_or(usize::MAX);
            if overlap >= bytes.len() {
                self.count_duplicates(bytes.len());
                return;
            }
            self.count_duplicates(overlap);
            bytes = bytes.slice(overlap..);
            offset = self.next;
        }
        if bytes.is_empty() {
            return;
        }
        let after_gap = self.gap_before_next || offset > self.next;
        if offset > self.next {
            self.stats.gaps = self.stats.gaps.saturating_add(1);
        }
        let chunk = Chunk {
            offset,
            bytes,
            after_gap,
        };
        self.next = chunk.end();
        self.gap_before_next = false;
        out.push(chunk);
    }

    /// Emits held segments that the frontier has reached.
    fn drain(&mut self, out: &mut Vec<Chunk>) {
        // Each pass removes one segment, so this ends.
        loop {
            let frontier = self.frontier();
            let Some(entry) = self.pending.first_entry() else {
                break;
            };
            if *entry.key() > frontier {
                break;
            }
            let (offset, held) = entry.remove_entry();
            self.pending_bytes = self.pending_bytes.saturating_sub(held.bytes.len());
            self.emit(offset, held.bytes, held.wire_end, out);
        }
    }

    fn hold(&mut self, offset: u64, segment: Pending) {
        let len = segment.bytes.len();
        match self.pending.get_mut(&offset) {
            // A retransmission of a held segment: keep the longer copy.
            Some(held) if held.bytes.len() >= len => self.count_duplicates(len),
            Some(held) => {
                let replaced = held.bytes.len();
                *held = segment;
                self.count_duplicates(replaced);
                self.pending_bytes = self
                    .pending_bytes
                    .saturating_sub(replaced)
                    .saturating_add(len);
            }
            None => {
                self.pending_bytes = self.pending_bytes.saturating_add(len);
                self.pending.insert(offset, segment);
            }
        }
    }

    /// Gives up on the first hole: emits the first held segment after a gap, then what follows.
    fn release_first(&mut self, out: &mut Vec<Chunk>) {
        if let Some((offset, held)) = self.pending.pop_first() {
            self.pending_bytes = self.pending_bytes.saturating_sub(held.bytes.len());
            self.emit(offset, held.bytes, held.wire_end, out);
            self.drain(out);
        }
    }

    fn release_all(&mut self, out: &mut Vec<Chunk>) {
        // Each pass removes at least one segment.
        while !self.pending.is_empty() {
            self.release_first(out);
        }
    }

    /// Enforces the memory and time bounds on held segments.
    fn release_stale(&mut self, now: SystemTime, out: &mut Vec<Chunk>) {
        let max_hold = self.config.max_hold;
        // Each pass removes at least one segment.
        while let Some((_, oldest)) = self.pending.iter().min_by_key(|(_, p)| p.arrived) {
            let waited = now.duration_since(oldest.arrived).unwrap_or_default();
            let over_bounds = self.pending_bytes > self.config.max_pending_bytes
                || self.pending.len() > self.config.max_pending_segments;
            if !over_bounds && waited < max_hold {
                break;
            }
            self.release_first(out);
        }
    }

    fn count_duplicates(&mut self, len: usize) {
        self.stats.duplicate_bytes = self.stats.duplicate_bytes.saturating_add(len_u64(len));
    }
}

fn len_u64(len: usize) -> u64 {
    u64::try_from(len).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::model::FlowKey;

    const SYN: u8 = 0x02;
    const ACK: u8 = 0x10;
    const PSH_ACK: u8 = 0x18;

    fn t(ms: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_millis(ms)
    }

    fn key(transport: Transport) -> FlowKey {
        FlowKey {
            src: "192.0.2.10:40000".parse().unwrap(),
            dst: "192.0.2.20:8883".parse().unwrap(),
            transport,
        }
    }

    fn sample(
        seq: u32,
        flags: u8,
        payload: &[u8],
        kind: SampleKind,
        at: SystemTime,
    ) -> PacketSample {
        PacketSample {
            key: key(Transport::Tcp),
            at,
            tcp: Some(TcpMeta { seq, flags }),
            wire_len: u32::try_from(payload.len()).unwrap(),
            payload: Bytes::copy_from_slice(payload),
            kind,
            part: 0,
        }
    }

    fn head(seq: u32, payload: &[u8]) -> PacketSample {
        sample(seq, PSH_ACK, payload, SampleKind::Head, t(0))
    }

    fn tcp() -> Reassembler {
        Reassembler::new(Transport::Tcp, ReassemblyConfig::default())
    }

    /// `(offset, bytes, after_gap)` of each chunk, for compact assertions.
    fn summary(chunks: &[Chunk]) -> Vec<(u64, &[u8], bool)> {
        chunks
            .iter()
            .map(|c| (c.offset, &c.bytes[..], c.after_gap))
            .collect()
    }

    #[test]
    fn in_order_segments_after_a_syn_start_at_offset_zero() {
        let mut r = tcp();
        assert!(
            r.push(&sample(1000, SYN, b"", SampleKind::Head, t(0)))
                .is_empty()
        );
        let a = r.push(&head(1001, b"hello "));
        let b = r.push(&head(1007, b"world"));
        assert_eq!(summary(&a), vec![(0, &b"hello "[..], false)]);
        assert_eq!(summary(&b), vec![(6, &b"world"[..], false)]);
        assert_eq!(r.stats(), ReassemblyStats::default());
    }

    #[test]
    fn reordered_head_segments_are_held_then_emitted_in_order() {
        let mut r = tcp();
        r.push(&sample(1000, SYN, b"", SampleKind::Head, t(0)));
        assert!(r.push(&head(1007, b"world")).is_empty());
        assert!(r.push(&head(1012, b"!")).is_empty());
        assert_eq!(r.pending_bytes(), 6);
        let out = r.push(&head(1001, b"hello "));
        assert_eq!(
            summary(&out),
            vec![
                (0, &b"hello "[..], false),
                (6, &b"world"[..], false),
                (11, &b"!"[..], false)
            ]
        );
        assert_eq!(r.pending_bytes(), 0);
        assert_eq!(r.stats().gaps, 0);
    }

    #[test]
    fn retransmitted_and_overlapping_bytes_are_dropped() {
        let mut r = tcp();
        r.push(&sample(99, SYN, b"", SampleKind::Head, t(0)));
        r.push(&head(100, b"abcdef"));
        assert!(
            r.push(&head(100, b"abcdef")).is_empty(),
            "full retransmission"
        );
        let out = r.push(&head(103, b"defghi"));
        assert_eq!(
            summary(&out),
            vec![(6, &b"ghi"[..], false)],
            "overlap trimmed"
        );
        // A held segment retransmitted with more bytes keeps the longer copy.
        assert!(r.push(&head(112, b"mn")).is_empty());
        assert!(r.push(&head(112, b"mnop")).is_empty());
        let out = r.push(&head(109, b"jkl"));
        assert_eq!(
            summary(&out),
            vec![(9, &b"jkl"[..], false), (12, &b"mnop"[..], false)]
        );
        assert_eq!(r.stats().duplicate_bytes, 6 + 3 + 2);
    }

    #[test]
    fn sequence_numbers_wrap_around() {
        let mut r = tcp();
        let isn = u32::MAX - 3;
        r.push(&sample(isn, SYN, b"", SampleKind::Head, t(0)));
        let a = r.push(&head(isn.wrapping_add(1), b"0123"));
        let b = r.push(&head(isn.wrapping_add(5), b"4567"));
        assert_eq!(
            isn.wrapping_add(5),
            1,
            "the second segment starts after the wrap"
        );
        assert_eq!(summary(&a), vec![(0, &b"0123"[..], false)]);
        assert_eq!(summary(&b), vec![(4, &b"4567"[..], false)]);
        // An old segment from before the wrap is still recognised as a duplicate.
        assert!(r.push(&head(isn.wrapping_add(3), b"23")).is_empty());
    }

    #[test]
    fn a_periodic_sample_past_a_hole_is_emitted_at_once_after_a_gap() {
        let mut r = tcp();
        r.push(&sample(0, SYN, b"", SampleKind::Head, t(0)));
        r.push(&head(1, b"head"));
        let later = sample(50_001, ACK, b"sampled", SampleKind::Periodic, t(10));
        assert_eq!(
            summary(&r.push(&later)),
            vec![(50_000, &b"sampled"[..], true)]
        );
        assert_eq!(r.stats().gaps, 1);
        let next = sample(50_008, ACK, b"next", SampleKind::Periodic, t(11));
        assert_eq!(summary(&r.push(&next)), vec![(50_007, &b"next"[..], false)]);
    }

    #[test]
    fn a_hole_left_by_a_truncated_capture_is_not_waited_for() {
        let mut r = tcp();
        r.push(&sample(0, SYN, b"", SampleKind::Head, t(0)));
        let mut truncated = head(1, &[b'a'; 100]);
        truncated.wire_len = 3000;
        assert_eq!(r.push(&truncated).len(), 1);
        let out = r.push(&head(3001, b"after"));
        assert_eq!(summary(&out), vec![(3000, &b"after"[..], true)]);
    }

    #[test]
    fn holes_are_given_up_on_after_the_hold_time() {
        let mut r = tcp();
        r.push(&sample(0, SYN, b"", SampleKind::Head, t(0)));
        assert!(
            r.push(&sample(101, PSH_ACK, b"late", SampleKind::Head, t(0)))
                .is_empty()
        );
        let out = r.push(&sample(201, PSH_ACK, b"later", SampleKind::Head, t(600)));
        assert_eq!(
            summary(&out),
            vec![(100, &b"late"[..], true)],
            "only the stale one"
        );
        assert_eq!(r.pending_bytes(), 5);
        assert_eq!(summary(&r.flush()), vec![(200, &b"later"[..], true)]);
        assert_eq!(r.stats().gaps, 2);
    }

    #[test]
    fn held_data_is_bounded() {
        let config = ReassemblyConfig {
            max_pending_bytes: 1000,
            max_pending_segments: 4,
            ..Default::default()
        };
        let mut r = Reassembler::new(Transport::Tcp, config);
        r.push(&sample(0, SYN, b"", SampleKind::Head, t(0)));
        let mut emitted = 0;
        for i in 0..50u32 {
            emitted += r.push(&head(1 + 1000 + i * 300, &[0; 300])).len();
            assert!(r.pending_bytes() <= 1000);
        }
        assert!(
            emitted >= 46,
            "all but the held ones were released, got {emitted}"
        );
    }

    #[test]
    fn a_flow_first_seen_mid_stream_starts_at_its_first_sample() {
        let mut r = tcp();
        let a = r.push(&head(7_000_000, b"mid"));
        let b = r.push(&head(7_000_003, b"stream"));
        assert_eq!(summary(&a), vec![(0, &b"mid"[..], true)]);
        assert_eq!(summary(&b), vec![(3, &b"stream"[..], false)]);
        assert_eq!(r.stats().gaps, 0, "not seeing the start is not a lost byte");
    }

    #[test]
    fn syn_payload_and_syn_ack_are_placed_after_the_syn() {
        let mut r = tcp();
        let out = r.push(&sample(500, SYN | ACK, b"fastopen", SampleKind::Head, t(0)));
        assert_eq!(summary(&out), vec![(0, &b"fastopen"[..], false)]);
        // The retransmitted SYN does not restart the stream.
        assert!(
            r.push(&sample(500, SYN | ACK, b"fastopen", SampleKind::Head, t(1)))
                .is_empty()
        );
        assert_eq!(r.stats().restarts, 0);
    }

    #[test]
    fn a_new_syn_on_the_same_tuple_restarts_the_stream() {
        let mut r = tcp();
        r.push(&sample(10, SYN, b"", SampleKind::Head, t(0)));
        r.push(&head(11, b"first connection"));
        r.push(&sample(90_000, SYN, b"", SampleKind::Head, t(5)));
        assert_eq!(
            summary(&r.push(&head(90_001, b"second"))),
            vec![(0, &b"second"[..], false)]
        );
        assert_eq!(r.stats().restarts, 1);
    }

    #[test]
    fn udp_datagrams_are_separate_chunks() {
        let mut r = Reassembler::new(Transport::Udp, ReassemblyConfig::default());
        let mut d = head(0, b"datagram");
        d.key = key(Transport::Udp);
        d.tcp = None;
        for _ in 0..2 {
            assert_eq!(summary(&r.push(&d)), vec![(0, &b"datagram"[..], true)]);
        }
    }

    #[test]
    fn chunk_debug_shows_no_bytes() {
        let c = Chunk {
            offset: 3,
            bytes: Bytes::from_static(b"secret@example.com"),
            after_gap: false,
        };
        assert_eq!(
            format!("{c:?}"),
            "Chunk { offset: 3, len: 18, after_gap: false }"
        );
    }

    /// Arbitrary TCP samples: (seq delta from a base, flags, payload length, truncation, periodic).
    fn arbitrary_samples() -> impl Strategy<Value = Vec<(u32, u8, usize, u32, bool, u64)>> {
        proptest::collection::vec(
            (
                any::<u32>(),
                any::<u8>(),
                0usize..1600,
                0u32..2000,
                any::<bool>(),
                0u64..2000,
            ),
            0..60,
        )
    }

    proptest! {
        #[test]
        fn arbitrary_samples_never_panic_and_keep_chunks_ordered(
            isn in any::<u32>(),
            samples in arbitrary_samples(),
            near in any::<bool>(),
        ) {
            let config = ReassemblyConfig::default();
            let mut r = Reassembler::new(Transport::Tcp, config);
            let mut last_end: Option<u64> = None;
            let mut clock = 0;
            for (seq, flags, len, extra, periodic, step) in samples {
                // Half the runs keep sequence numbers near the ISN so segments interact.
                let seq = if near { isn.wrapping_add(seq % 20_000) } else { seq };
                clock += step;
                let mut s = sample(seq, flags, &vec![7; len], if periodic { SampleKind::Periodic } else { SampleKind::Head }, t(clock));
                s.wire_len = s.wire_len.saturating_add(extra);
                for chunk in r.push(&s) {
                    prop_assert!(!chunk.bytes.is_empty());
                    if let (0, Some(end)) = (r.stats().restarts, last_end) {
                        prop_assert!(chunk.offset >= end, "chunks never overlap");
                        prop_assert!(chunk.after_gap || chunk.offset == end);
                    }
                    last_end = Some(chunk.end());
                }
                prop_assert!(r.pending_bytes() <= config.max_pending_bytes + 1600);
                if let Reassembler::Tcp(tcp) = &r {
                    prop_assert!(tcp.pending.len() <= config.max_pending_segments + 1);
                }
            }
        }

        #[test]
        fn any_order_of_head_segments_reassembles_the_stream(
            lens in proptest::collection::vec(1usize..200, 1..8),
            order_seed in any::<u64>(),
            isn in any::<u32>(),
        ) {
            let stream: Vec<u8> = (0..lens.iter().sum::<usize>()).map(|i| u8::try_from(i % 251).unwrap()).collect();
            let mut segments = Vec::new();
            let mut at = 0;
            for len in &lens {
                segments.push((at, &stream[at..at + len]));
                at += len;
            }
            // A deterministic shuffle from the seed.
            let mut seed = order_seed;
            for i in (1..segments.len()).rev() {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                segments.swap(i, usize::try_from(seed >> 33).unwrap() % (i + 1));
            }
            let mut r = tcp();
            r.push(&sample(isn, SYN, b"", SampleKind::Head, t(0)));
            let mut out = Vec::new();
            for (offset, bytes) in segments {
                let seq = isn.wrapping_add(1).wrapping_add(u32::try_from(offset).unwrap());
                for chunk in r.push(&head(seq, bytes)) {
                    prop_assert!(!chunk.after_gap);
                    out.extend_from_slice(&chunk.bytes);
                }
            }
            prop_assert_eq!(out, stream);
        }
    }
}
