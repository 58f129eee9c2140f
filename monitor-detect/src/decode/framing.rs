//! Protocol framing that can split a value: HTTP chunked transfer coding and AMQP 0-9-1 body
//! frames. Removing the framing maps each body byte to its own wire byte.

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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

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
