//! Protocol framing that can split or hide a value: HTTP chunked transfer coding, AMQP 0-9-1
//! body frames and WebSocket frames (fragmented messages, and the masking every client applies).
//! Removing the framing maps each body byte to its own wire byte.

use std::ops::Range;

use super::{Decoded, hex_value};
use crate::text::SpanMap;

/// The size on a chunk-size line (`1a;ext=1`), hex, at most 8 digits.
fn chunk_size(line: &[u8]) -> Option<usize> {
    let size_text = line
        .split(|&b| b == b';')
        .next()
        .unwrap_or(line)
        .trim_ascii();
    if size_text.is_empty() || size_text.len() > 8 {
        return None;
    }
    size_text.iter().try_fold(0_usize, |acc, &b| {
        Some(acc * 16 + usize::from(hex_value(b)?))
    })
}

/// Position after the line break ending the line at `pos`, and the line without it.
fn line_at(body: &[u8], pos: usize) -> Option<(&[u8], usize)> {
    let rest = body.get(pos..)?;
    let len = memchr::memchr(b'\n', rest)?;
    Some((rest.get(..len)?, pos + len + 1))
}

/// De-chunks an HTTP chunked body (`body` starts at the first chunk-size line). Stops at the
/// last chunk, at the first malformed size line, or at `limit` bytes; `None` when not chunked.
pub(crate) fn dechunk(body: &[u8], limit: usize) -> Option<Decoded> {
    let mut out = Vec::with_capacity(body.len().min(limit));
    let mut map = SpanMap::with_capacity(body.len().min(limit));
    let mut pos = 0;
    let mut chunks = 0;
    while pos < body.len() && out.len() < limit {
        let (line, data_start) = line_at(body, pos)?;
        let Some(size) = chunk_size(line) else { break };
        if size == 0 {
            break;
        }
        let data_end = (data_start + size).min(body.len());
        for i in data_start..data_end {
            if out.len() >= limit {
                break;
            }
            out.push(body.get(i).copied().unwrap_or(0));
            map.push(i..i + 1);
        }
        chunks += 1;
        pos = data_end;
        if body.get(pos) == Some(&b'\r') {
            pos += 1;
        }
        if body.get(pos) == Some(&b'\n') {
            pos += 1;
        }
    }
    (chunks > 0).then_some((out, map))
}

/// Length of a whole chunked body at the start of `body`: its chunks, the last (zero-size)
/// chunk, the trailer fields and the blank line that ends them (RFC 9112, section 7.1). `None`
/// when it is cut short or malformed.
pub(crate) fn chunked_len(body: &[u8]) -> Option<usize> {
    let mut pos = 0;
    loop {
        let (line, data_start) = line_at(body, pos)?;
        let size = chunk_size(line)?;
        if size == 0 {
            pos = data_start;
            break;
        }
        let data_end = data_start.checked_add(size)?;
        let (rest_of_line, next) = line_at(body, data_end)?;
        // The chunk's data ends with its line break (`CRLF`, or a bare `LF`).
        if !matches!(rest_of_line, b"" | b"\r") {
            return None;
        }
        pos = next;
    }
    // Trailer fields, up to a blank line.
    loop {
        let (line, next) = line_at(body, pos)?;
        pos = next;
        if matches!(line, b"" | b"\r") {
            return Some(pos);
        }
    }
}

/// Frame type of AMQP 0-9-1 content bodies.
const AMQP_BODY: u8 = 3;
const AMQP_FRAME_END: u8 = 0xce;

/// Joins the body frames of an AMQP 0-9-1 stream; `None` when `payload` is not a sequence of
/// well-formed frames or has no body frame.
pub(crate) fn amqp_bodies(payload: &[u8], limit: usize) -> Option<Decoded> {
    let mut out = Vec::new();
    let mut map = SpanMap::default();
    let mut pos = 0;
    let mut bodies = 0;
    while pos + 7 <= payload.len() {
        let header = payload.get(pos..pos + 7)?;
        let kind = header.first().copied()?;
        if !matches!(kind, 1..=4 | 8) {
            return None;
        }
        let size = u32::from_be_bytes([header[3], header[4], header[5], header[6]]);
        let size = usize::try_from(size).ok()?;
        let data_start = pos + 7;
        let data_end = data_start.checked_add(size)?;
        let complete = payload.get(data_end) == Some(&AMQP_FRAME_END);
        if !complete && data_end < payload.len() {
            return None;
        }
        if kind == AMQP_BODY {
            bodies += 1;
            for i in data_start..data_end.min(payload.len()) {
                if out.len() >= limit {
                    break;
                }
                out.push(payload.get(i).copied().unwrap_or(0));
                map.push(i..i + 1);
            }
        }
        pos = data_end + 1;
    }
    (bodies > 1).then_some((out, map))
}

/// One WebSocket frame's header (RFC 6455, section 5.2).
struct WsHeader {
    fin: bool,
    /// RSV1 on a message's first frame: its payload is compressed (`permessage-deflate`,
    /// RFC 7692).
    compressed: bool,
    opcode: u8,
    /// The masking key, when the frame is masked (a client's always is).
    key: Option<[u8; 4]>,
    /// Where the payload starts and its length as the header gives it.
    data_start: usize,
    len: usize,
}

/// The header of the frame at `pos`; `None` when it is not one: reserved bits set (but RSV1 on
/// the first frame of a data message, which `permessage-deflate` sets), an undefined opcode, a
/// control frame fragmented or longer than 125 bytes, a length not in its shortest form, or
/// cut.
fn ws_header(payload: &[u8], pos: usize) -> Option<WsHeader> {
    let first = *payload.get(pos)?;
    let second = *payload.get(pos + 1)?;
    let (fin, reserved, opcode) = (first & 0x80 != 0, first & 0x70, first & 0x0f);
    let short_len = usize::from(second & 0x7f);
    let control = opcode >= 8;
    let compressed = reserved == 0x40 && matches!(opcode, 1 | 2);
    if (reserved != 0 && !compressed)
        || !matches!(opcode, 0..=2 | 8..=10)
        || (control && (!fin || short_len > 125))
    {
        return None;
    }
    let (len, mut data_start) = match short_len {
        126 => {
            let len = u16::from_be_bytes(payload.get(pos + 2..pos + 4)?.try_into().ok()?);
            (usize::from(len), pos + 4)
        }
        127 => {
            let len = u64::from_be_bytes(payload.get(pos + 2..pos + 10)?.try_into().ok()?);
            (usize::try_from(len).ok()?, pos + 10)
        }
        len => (len, pos + 2),
    };
    let shortest = match short_len {
        126 => len >= 126,
        127 => len > usize::from(u16::MAX),
        _ => true,
    };
    if !shortest {
        return None;
    }
    let key = if second & 0x80 == 0 {
        None
    } else {
        let key: [u8; 4] = payload.get(data_start..data_start + 4)?.try_into().ok()?;
        data_start += 4;
        Some(key)
    };
    Some(WsHeader {
        fin,
        compressed,
        opcode,
        key,
        data_start,
        len,
    })
}

/// Joins the data frames' payloads of a buffer of WebSocket frames (RFC 6455), unmasked: a
/// client masks every frame it sends with a 4-byte key, which hides the text from any pattern.
/// A compressed message (`permessage-deflate`, RFC 7692, which browsers and most libraries
/// negotiate) is inflated, each output byte's span the message's wire bytes; one inflater runs
/// through the buffer's messages, as the sender's window carries over between them (context
/// takeover, the default), so a sample that starts after a connection's first messages may not
/// inflate, and is then left as it is. The buffer must be frames from its first byte to its
/// last, all masked or none (one direction), the last one possibly cut by sampling. `None` when
/// it is not, or when the framing hides nothing (one unmasked, uncompressed data frame, whose
/// payload the scan reads as it is). With `limit` 0 nothing is decoded: only whether the
/// framing hides something is told.
pub(crate) fn websocket_payloads(payload: &[u8], limit: usize) -> Option<Decoded> {
    let mut out = Vec::new();
    let mut map = SpanMap::default();
    let mut pos = 0;
    let (mut data_frames, mut masked, mut any_compressed) = (0, None, false);
    // The compressed message being assembled: its payload so far and its wire span.
    let mut message: Option<(Vec<u8>, Range<usize>)> = None;
    // Made at the first compressed message (its state is tens of KiB), and only when there is
    // room for output: most buffers asked have none.
    let mut inflater: Option<MessageInflater> = None;
    while pos < payload.len() {
        let header = ws_header(payload, pos)?;
        if *masked.get_or_insert(header.key.is_some()) != header.key.is_some() {
            return None;
        }
        let data_end = header.data_start.checked_add(header.len)?;
        if header.opcode <= 2 {
            data_frames += 1;
            let key = header.key.unwrap_or_default();
            let wire = header.data_start..data_end.min(payload.len());
            let data = wire
                .clone()
                .zip(key.iter().cycle())
                .map(|(i, k)| payload.get(i).copied().unwrap_or(0) ^ k);
            if header.compressed || (header.opcode == 0 && message.is_some()) {
                any_compressed = true;
                let (bytes, span) = message.get_or_insert_with(|| (Vec::new(), wire.clone()));
                // With no room for output (the quiet check's question) nothing is kept.
                if limit > 0 && bytes.len() < MAX_COMPRESSED_MESSAGE {
                    bytes.extend(data);
                }
                span.end = wire.end;
                if header.fin {
                    let (bytes, span) = message.take().unwrap_or_default();
                    if limit > 0 {
                        inflater
                            .get_or_insert_with(MessageInflater::new)
                            .inflate(&bytes, &span, limit, &mut out, &mut map);
                    }
                }
            } else {
                for (i, byte) in wire.zip(data) {
                    if out.len() >= limit {
                        break;
                    }
                    out.push(byte);
                    map.push(i..i + 1);
                }
            }
        }
        pos = data_end;
    }
    // A message cut by the end of the sample inflates as far as it goes.
    if let Some((bytes, span)) = message
        && limit > 0
    {
        inflater
            .get_or_insert_with(MessageInflater::new)
            .inflate(&bytes, &span, limit, &mut out, &mut map);
    }
    (data_frames > 1 || (data_frames == 1 && masked == Some(true)) || any_compressed)
        .then_some((out, map))
}

/// Longest compressed message inflated.
const MAX_COMPRESSED_MESSAGE: usize = 1 << 20;

/// The inflater of one direction's `permessage-deflate` messages.
struct MessageInflater {
    inner: flate2::Decompress,
    /// A message did not inflate (its window is not in the sample): no later one can.
    stopped: bool,
}

impl MessageInflater {
    fn new() -> Self {
        Self {
            inner: flate2::Decompress::new(false),
            stopped: false,
        }
    }

    /// Inflates one message (its payload, then the 4 bytes the sender removed), appending at
    /// most `limit - out.len()` bytes, each from `span`.
    fn inflate(
        &mut self,
        data: &[u8],
        span: &Range<usize>,
        limit: usize,
        out: &mut Vec<u8>,
        map: &mut SpanMap,
    ) {
        if self.stopped {
            return;
        }
        let input = [data, &[0, 0, 0xff, 0xff]].concat();
        let mut inflated = Vec::new();
        let mut consumed = 0;
        while consumed < input.len() && out.len() + inflated.len() < limit {
            let room = (limit - out.len() - inflated.len()).min(64 << 10);
            inflated.reserve(room);
            let (before_in, before_out) = (self.inner.total_in(), inflated.len());
            let status = self.inner.decompress_vec(
                input.get(consumed..).unwrap_or_default(),
                &mut inflated,
                flate2::FlushDecompress::Sync,
            );
            let used = usize::try_from(self.inner.total_in() - before_in).unwrap_or(usize::MAX);
            consumed = consumed.saturating_add(used);
            if status.is_err() {
                self.stopped = true;
                break;
            }
            if used == 0 && inflated.len() == before_out {
                break;
            }
        }
        inflated.truncate(limit.saturating_sub(out.len()));
        for byte in inflated {
            out.push(byte);
            map.push(span.clone());
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use proptest::prelude::*;

    use super::*;

    /// One WebSocket frame as RFC 6455 lays it out: `first` (FIN and opcode), the length in its
    /// shortest form, the key when masked, the payload masked with it.
    pub(crate) fn ws_frame(first: u8, data: &[u8], key: Option<[u8; 4]>) -> Vec<u8> {
        let mask_bit = if key.is_some() { 0x80 } else { 0 };
        let mut frame = vec![first];
        match data.len() {
            len @ 0..=125 => frame.push(mask_bit | u8::try_from(len).unwrap()),
            len @ 126..=0xffff => {
                frame.push(mask_bit | 0x7e);
                frame.extend(u16::try_from(len).unwrap().to_be_bytes());
            }
            len => {
                frame.push(mask_bit | 0x7f);
                frame.extend((len as u64).to_be_bytes());
            }
        }
        let key = key.map_or([0; 4], |key| {
            frame.extend(key);
            key
        });
        frame.extend(data.iter().zip(key.iter().cycle()).map(|(b, k)| b ^ k));
        frame
    }

    /// `messages` compressed as `permessage-deflate` sends them: one raw deflate stream whose
    /// window carries over, each message ended by a sync flush without its last 4 bytes.
    pub(crate) fn deflate_messages(messages: &[&[u8]]) -> Vec<Vec<u8>> {
        let mut compress = flate2::Compress::new(flate2::Compression::default(), false);
        messages
            .iter()
            .map(|message| {
                let mut out = Vec::with_capacity(message.len() + 64);
                let mut consumed = 0;
                loop {
                    out.reserve(256);
                    let before = compress.total_in();
                    compress
                        .compress_vec(&message[consumed..], &mut out, flate2::FlushCompress::Sync)
                        .expect("compresses");
                    consumed += usize::try_from(compress.total_in() - before).expect("small");
                    if consumed == message.len() && out.ends_with(&[0, 0, 0xff, 0xff]) {
                        break;
                    }
                }
                out.truncate(out.len() - 4);
                out
            })
            .collect()
    }

    #[test]
    fn compressed_messages_are_inflated_with_their_window() {
        let first = br#"{"type":"profile","email":"anna.berg@example.org","name":"Anna Berg"}"#;
        let second = br#"{"type":"profile","email":"jonas.lind@example.org","name":"Jonas Lind"}"#;
        let compressed = deflate_messages(&[first, second]);
        let key = Some([0x12, 0x34, 0x56, 0x78]);
        // RSV1 on each message's first frame; the second message in two fragments.
        let (head, tail) = compressed[1].split_at(compressed[1].len() / 2);
        let wire = [
            ws_frame(0xc1, &compressed[0], key),
            ws_frame(0x41, head, key),
            ws_frame(0x80, tail, key),
        ]
        .concat();
        let (out, map) = websocket_payloads(&wire, 1 << 20).expect("decoded");
        assert_eq!(out, [&first[..], &second[..]].concat());
        assert!(map.ends.iter().all(|&e| e <= wire.len()));
        // The second message refers to the first's window, which a sample starting there
        // lacks: what it sent anew comes out, each copy from the missing window as NUL bytes.
        let later = ws_frame(0xc1, &compressed[1], key);
        let (out, _) = websocket_payloads(&later, 1 << 20).expect("framing hides something");
        let second_text = String::from_utf8_lossy(second);
        for piece in out.split(|&c| c == 0).filter(|piece| !piece.is_empty()) {
            let piece = String::from_utf8_lossy(piece);
            assert!(second_text.contains(piece.as_ref()), "{piece:?}");
        }
        // The limit holds, and 0 decodes nothing.
        assert_eq!(websocket_payloads(&wire, 10).expect("cut").0.len(), 10);
        assert!(websocket_payloads(&wire, 0).expect("hidden").0.is_empty());
        // RSV1 on a continuation or control frame, or RSV2, is no frame.
        for first_byte in [0x40, 0xc9, 0xa1] {
            assert!(websocket_payloads(&ws_frame(first_byte, b"x", key), 1 << 20).is_none());
        }
    }

    /// Where the payload of the frame holding wire byte `at` starts.
    fn header_start(wire: &[u8], at: usize) -> usize {
        let mut pos = 0;
        loop {
            let header = ws_header(wire, pos).unwrap();
            let end = header.data_start + header.len;
            if at < end {
                return header.data_start;
            }
            pos = end;
        }
    }

    #[test]
    fn websocket_frames_are_unmasked_and_joined() {
        let key = Some([0x37, 0xfa, 0x21, 0x3d]);
        let text = br#"{"email":"anna@web.de"}"#;
        // A client's message: masked, whole.
        let masked = ws_frame(0x81, text, key);
        let (out, map) = websocket_payloads(&masked, 1 << 20).unwrap();
        assert_eq!(out, text);
        assert_eq!((map.starts[0], map.ends[0]), (6, 7));
        // Fragments, with a ping between them (control frames may interleave).
        let mut fragmented = ws_frame(0x01, &text[..10], key);
        fragmented.extend(ws_frame(0x89, b"ping", key));
        fragmented.extend(ws_frame(0x80, &text[10..], key));
        assert_eq!(websocket_payloads(&fragmented, 1 << 20).unwrap().0, text);
        // A server's fragments: not masked, joined all the same.
        let mut unmasked = ws_frame(0x01, &text[..10], None);
        unmasked.extend(ws_frame(0x80, &text[10..], None));
        assert_eq!(websocket_payloads(&unmasked, 1 << 20).unwrap().0, text);
        // The last frame cut by sampling: what is there.
        let long = [b'a'; 300];
        let cut = ws_frame(0x82, &long, key);
        assert_eq!(
            websocket_payloads(&cut[..100], 1 << 20).unwrap().0,
            &long[..92]
        );
        // The limit bounds the copy.
        assert_eq!(websocket_payloads(&masked, 5).unwrap().0, &text[..5]);
    }

    #[test]
    fn other_bytes_are_no_websocket_frames() {
        let key = Some([1, 2, 3, 4]);
        let text = b"anna@web.de";
        let mut mixed = ws_frame(0x01, text, key);
        mixed.extend(ws_frame(0x80, text, None));
        let mut padded_length = ws_frame(0x81, text, None);
        padded_length.splice(1..2, [126, 0, 11]);
        let mut long_ping = ws_frame(0x89, &[b'x'; 126], key);
        long_ping[1] = 0x80 | 0x7e;
        for bytes in [
            // One unmasked frame: its payload is scanned as it is.
            ws_frame(0x81, text, None),
            mixed,
            padded_length,
            long_ping,
            ws_frame(0x09, b"ping", None),
            ws_frame(0x83, text, key),
            b"GET / HTTP/1.1\r\n".to_vec(),
            vec![0x81],
            Vec::new(),
        ] {
            assert!(websocket_payloads(&bytes, 1 << 20).is_none(), "{bytes:?}");
        }
    }

    #[test]
    fn dechunks_split_value() {
        let body = b"5\r\nanna@\r\n6\r\nweb.de\r\n0\r\n\r\n";
        let (out, map) = dechunk(body, 1 << 20).unwrap();
        assert_eq!(out, b"anna@web.de");
        assert_eq!(map.starts[5], 13);
    }

    #[test]
    fn chunked_body_length() {
        let body = b"5\r\nanna@\r\n6\r\nweb.de\r\n0\r\n\r\nGET / HTTP/1.1";
        assert_eq!(chunked_len(body), Some(body.len() - 14));
        let trailers = b"1;x=y\na\n0\nExpires: never\r\n\r\nnext";
        assert_eq!(chunked_len(trailers), Some(trailers.len() - 4));
        // Cut before the blank line, a chunk longer than its size, no size line.
        assert_eq!(chunked_len(b"5\r\nanna@\r\n0\r\n"), None);
        assert_eq!(chunked_len(b"2\r\nanna@\r\n0\r\n\r\n"), None);
        assert_eq!(chunked_len(b"anna@\r\n"), None);
    }

    #[test]
    fn joins_amqp_bodies() {
        let mut p = Vec::new();
        for part in [&b"{\"a\":\"x"[..], &b"y\"}"[..]] {
            p.extend_from_slice(&[3, 0, 1]);
            p.extend_from_slice(&u32::try_from(part.len()).unwrap().to_be_bytes());
            p.extend_from_slice(part);
            p.push(0xce);
        }
        assert_eq!(amqp_bodies(&p, 1000).unwrap().0, b"{\"a\":\"xy\"}");
    }

    proptest! {
        /// Any message, cut into fragments and masked with any key, comes back whole, each byte
        /// from the wire byte the map names.
        #[test]
        fn websocket_messages_round_trip(
            data in proptest::collection::vec(any::<u8>(), 1..400),
            cuts in proptest::collection::vec(any::<usize>(), 0..4),
            key in any::<[u8; 4]>(),
        ) {
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % data.len()).collect();
            cuts.extend([0, data.len()]);
            cuts.sort_unstable();
            cuts.dedup();
            let mut wire = Vec::new();
            let pieces = cuts.windows(2).count();
            for (n, w) in cuts.windows(2).enumerate() {
                let opcode = if n == 0 { 0x02 } else { 0x00 };
                let fin = if n + 1 == pieces { 0x80 } else { 0 };
                wire.extend(ws_frame(fin | opcode, &data[w[0]..w[1]], Some(key)));
            }
            let (out, map) = websocket_payloads(&wire, usize::MAX).unwrap();
            prop_assert_eq!(&out, &data);
            for (i, &start) in map.starts.iter().enumerate() {
                prop_assert_eq!(wire[start] ^ key[(start - header_start(&wire, start)) % 4], data[i]);
            }
        }

        #[test]
        fn websocket_never_panics(input in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = websocket_payloads(&input, 256);
        }

        #[test]
        fn never_panic(input in proptest::collection::vec(any::<u8>(), 0..300)) {
            if let Some((out, map)) = dechunk(&input, 100) {
                prop_assert!(out.len() <= 100 && map.ends.iter().all(|&e| e <= input.len()));
            }
            if let Some(len) = chunked_len(&input) {
                prop_assert!(len <= input.len());
            }
            if let Some((out, map)) = amqp_bodies(&input, 100) {
                prop_assert!(out.len() <= 100 && map.ends.iter().all(|&e| e <= input.len()));
            }
        }
    }
}
