//! Incremental scanning of one direction of one flow.

use crate::{DataType, Engine, Finding, http};

/// Scans a byte stream chunk by chunk. Keeps the tail of the previous chunk so that a value
/// straddling two contiguous chunks is found, reports each match once, and forgets the tail when
/// a gap (lost or skipped bytes) is seen. Findings carry absolute stream offsets. `Debug` shows
/// offsets only, never the carried bytes.
///
/// HTTP messages are framed by their own heads: a chunk that starts a message starts afresh, and
/// while the chunked or compressed body of the last message is still arriving, the whole message
/// is kept (up to `EngineConfig::stream_message_bytes`) and scanned again with each chunk, so
/// that its body is de-chunked or inflated whole.
#[derive(Default)]
pub struct StreamScanner {
    /// Bytes kept from the chunks fed so far: the tail of the last buffer scanned (at most
    /// `EngineConfig::stream_carry_bytes`), or a whole HTTP message (see [`Self::held_bytes`]).
    carry: Vec<u8>,
    /// Stream offset of `carry[0]`.
    carry_offset: u64,
    /// `carry` is an HTTP message from its head whose decoded body is still arriving.
    holds_message: bool,
    /// Stream offset one past the last byte fed; `None` before the first chunk.
    next_offset: Option<u64>,
    /// Findings already reported that reach into the carried bytes: (type, start, end).
    reported: Vec<(DataType, u64, u64)>,
}

impl std::fmt::Debug for StreamScanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamScanner")
            .field("carry_len", &self.carry.len())
            .field("carry_offset", &self.carry_offset)
            .field("holds_message", &self.holds_message)
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
        // A gap, a retransmission or the first chunk: nothing carries over. Nor does it into a
        // chunk that starts an HTTP message (the next request on a kept-alive connection): no
        // value spans two messages, and the engine frames the message's body by its head only
        // when the buffer starts with it.
        if self.next_offset != Some(offset) || http::head_end(bytes).is_some() {
            self.carry.clear();
            self.reported.clear();
            self.carry_offset = offset;
            self.holds_message = false;
        }
        let carried = self.carry.len();
        self.carry.extend_from_slice(bytes);
        let buffer = std::mem::take(&mut self.carry);
        let base = self.carry_offset;
        let mut fresh = Vec::new();
        for mut f in engine.scan(&buffer) {
            // Entirely inside the carried bytes: it was seen with the previous chunk.
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
        let config = engine.config();
        let message = http::unfinished_decoded_message(&buffer)
            .filter(|&start| buffer.len() - start <= config.stream_message_bytes);
        self.holds_message = message.is_some();
        let keep_from =
            message.unwrap_or_else(|| buffer.len() - config.stream_carry_bytes.min(buffer.len()));
        self.carry = buffer.get(keep_from..).unwrap_or_default().to_vec();
        self.carry_offset = base.saturating_add(keep_from as u64);
        self.next_offset = Some(offset.saturating_add(bytes.len() as u64));
        let carry_offset = self.carry_offset;
        self.reported.retain(|&(_, _, e)| e > carry_offset);
        fresh
    }

    /// Bytes of an HTTP message kept until its decoded body has arrived (0 when none is): memory
    /// a caller bounding many scanners may reclaim with [`Self::release_message`]. The few
    /// bytes of the carried tail are not counted.
    #[must_use]
    pub fn held_bytes(&self) -> usize {
        if self.holds_message {
            self.carry.len()
        } else {
            0
        }
    }

    /// Stops keeping a held HTTP message, already scanned as far as it arrived; only its tail
    /// carries into the next chunk, as after any other.
    pub fn release_message(&mut self, engine: &Engine) {
        if !self.holds_message {
            return;
        }
        self.holds_message = false;
        let keep = engine.config().stream_carry_bytes.min(self.carry.len());
        let tail_start = self.carry.len() - keep;
        self.carry.drain(..tail_start);
        self.carry_offset = self.carry_offset.saturating_add(tail_start as u64);
        let carry_offset = self.carry_offset;
        self.reported.retain(|&(_, _, e)| e > carry_offset);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::{EngineConfig, decode::inflate::gzip};

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
    fn a_kept_alive_request_is_framed_by_its_own_head() {
        let engine = engine();
        let mut s = StreamScanner::new();
        // Longer than the carried tail, which starts inside its body.
        let readings = vec!["21.5"; 100].join(",");
        let first = format!(
            "POST /a HTTP/1.1\r\nHost: api\r\nContent-Length: {}\r\n\r\n[{readings}]",
            readings.len() + 2
        );
        let first = first.as_bytes();
        assert!(s.feed(&engine, 0, first).is_empty());
        let body = gzip(br#"{"contact":"anna.schmidt@example.com"}"#);
        let (second, second_body_start) =
            http::message_with_body("POST /b HTTP/1.1\r\nContent-Encoding: gzip\r\n", &body);
        let body_start = first.len() + second_body_start;
        let found = s.feed(&engine, first.len() as u64, &second);
        assert_eq!(
            found
                .iter()
                .map(|f| (f.data_type, f.start, f.end))
                .collect::<Vec<_>>(),
            vec![(DataType::Email, body_start, first.len() + second.len())]
        );
    }

    /// A response whose gzip body ends with an e-mail address behind `filler_len` hex digits
    /// that hardly compress, and where the body starts.
    fn gzip_response(filler_len: usize) -> (Vec<u8>, usize) {
        let filler: String = (0_u32..)
            .flat_map(|i| format!("{:08x}", i.wrapping_mul(0x9E37_79B1)).into_bytes())
            .take(filler_len)
            .map(char::from)
            .collect();
        let json = format!(r#"{{"trace":"{filler}","contact":"anna.schmidt@example.com"}}"#);
        let body = gzip(json.as_bytes());
        http::message_with_body("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n", &body)
    }

    #[test]
    fn a_compressed_body_over_several_chunks_is_inflated_whole() {
        let engine = engine();
        let (message, body_start) = gzip_response(4000);
        let mut s = StreamScanner::new();
        let mut found = Vec::new();
        let mut offset = 0;
        for chunk in message.chunks(1000) {
            found.extend(s.feed(&engine, offset as u64, chunk));
            offset += chunk.len();
            if offset < message.len() {
                assert_eq!(
                    s.held_bytes(),
                    offset,
                    "the message is kept until it is whole"
                );
            }
        }
        assert_eq!(
            found
                .iter()
                .map(|f| (f.data_type, f.start, f.end))
                .collect::<Vec<_>>(),
            vec![(DataType::Email, body_start, message.len())]
        );
        // Whole: nothing is held any more, only the tail carries on.
        assert_eq!(s.held_bytes(), 0);
        assert!(s.feed(&engine, offset as u64, b" ").is_empty());
    }

    #[test]
    fn a_held_message_is_bounded_and_can_be_released() {
        let engine = Engine::new(EngineConfig {
            stream_message_bytes: 1500,
            ..EngineConfig::default()
        })
        .unwrap();
        let (message, _) = gzip_response(4000);
        let mut s = StreamScanner::new();
        assert!(s.feed(&engine, 0, &message[..1000]).is_empty());
        assert_eq!(s.held_bytes(), 1000);
        // Past the bound the message is let go: decoded as far as its first bytes reach.
        assert!(s.feed(&engine, 1000, &message[1000..2000]).is_empty());
        assert_eq!(s.held_bytes(), 0);
        let mut s = StreamScanner::new();
        assert!(s.feed(&engine, 0, &message[..1000]).is_empty());
        s.release_message(&engine);
        assert_eq!(s.held_bytes(), 0);
        assert!(format!("{s:?}").contains("carry_len: 256"));
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
