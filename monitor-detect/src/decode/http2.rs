//! HTTP/2 in clear text (h2c: "prior knowledge", as gRPC and REST clients talk to services
//! without TLS inside a cluster): its header blocks are HPACK-compressed (RFC 7541), most
//! strings in its Huffman code, which hides an `authorization: Bearer` JWT, a cookie or an
//! `x-user-email` from every reader and pattern. The header blocks of a buffer of HTTP/2 frames
//! are decoded here into `name: value` lines, each byte's span the wire bytes that code it.
//! DATA frames need nothing: their bytes are the body as sent.
//!
//! The buffer must be frames from its first byte (after the client's connection preface,
//! when it holds it) to its last, the last possibly cut by sampling: each frame of a known
//! type, with the flags and stream its type allows and a length within the default maximum
//! (16,384 bytes). A header field whose name is in the dynamic table (set by an earlier block
//! of the connection, which a sample may not hold) is written without its name, and a field
//! wholly from a table (`:method GET`, a repeated header) is skipped: neither holds a string of
//! this block.

use crate::{decode::Decoded, text::SpanMap};

/// The client's connection preface (RFC 9113, 3.4).
const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// The largest frame payload a peer accepts before it raises `SETTINGS_MAX_FRAME_SIZE`.
const MAX_FRAME: usize = 16_384;
/// Most frames of one buffer walked.
const MAX_FRAMES: usize = 1024;

const DATA: u8 = 0x0;
const HEADERS: u8 = 0x1;
const PUSH_PROMISE: u8 = 0x5;
const CONTINUATION: u8 = 0x9;
const PADDED: u8 = 0x8;
const PRIORITY: u8 = 0x20;

/// The header block fragments of the frames of `payload` (see the module docs), as byte
/// ranges; `None` when it is not a buffer of HTTP/2 frames.
fn header_fragments(payload: &[u8]) -> Option<Vec<std::ops::Range<usize>>> {
    let mut fragments = Vec::new();
    walk_frames(payload, |kind, content| {
        if matches!(kind, HEADERS | PUSH_PROMISE | CONTINUATION) && !content.is_empty() {
            fragments.push(content);
        }
    })?;
    (!fragments.is_empty()).then_some(fragments)
}

/// Calls `visit` with each frame's type and content (a header block fragment, or a DATA
/// frame's data, without padding and priority fields; cut by the end of `payload`); `None`
/// when `payload` is not a buffer of HTTP/2 frames.
fn walk_frames(payload: &[u8], mut visit: impl FnMut(u8, std::ops::Range<usize>)) -> Option<()> {
    // A frame's length, at most 16,384, opens with a zero byte; the preface with `P`.
    if !matches!(payload.first(), Some(0 | b'P')) {
        return None;
    }
    let mut pos = if payload.starts_with(PREFACE) {
        PREFACE.len()
    } else {
        0
    };
    let mut frames = 0;
    while pos < payload.len() && frames < MAX_FRAMES {
        frames += 1;
        let Some(head) = payload.get(pos..pos + 9) else {
            // A frame header cut by the end of the sample.
            break;
        };
        let len = usize::from(head[0]) << 16 | usize::from(head[1]) << 8 | usize::from(head[2]);
        let (kind, flags) = (head[3], head[4]);
        let stream = u32::from_be_bytes([head[5], head[6], head[7], head[8]]);
        if len > MAX_FRAME || stream & 0x8000_0000 != 0 || !valid_frame(kind, flags, stream, len) {
            return None;
        }
        let start = pos + 9;
        let end = (start + len).min(payload.len());
        if matches!(kind, DATA | HEADERS | PUSH_PROMISE | CONTINUATION) {
            let mut from = start;
            let mut to = end;
            if kind != CONTINUATION && flags & PADDED != 0 {
                let pad = usize::from(*payload.get(start)?);
                from += 1;
                // Padding cut by the sample is no content either.
                to = (start + len).checked_sub(pad)?.min(end);
            }
            if kind == HEADERS && flags & PRIORITY != 0 {
                from += 5;
            }
            if kind == PUSH_PROMISE {
                from += 4;
            }
            visit(kind, from..to.max(from));
        }
        pos = start + len;
    }
    Some(())
}

/// The compressed messages of gRPC calls in the DATA frames of `payload`: each after its
/// five-byte prefix (a compressed flag of 1, then its length), as far as the frame holds it,
/// when it is gzip (`grpc-encoding: gzip`, the OpenTelemetry Collector's default for OTLP).
/// Their bytes show nothing of the message; the engine inflates them.
pub(crate) fn grpc_compressed_messages(payload: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut messages = Vec::new();
    let _ = walk_frames(payload, |kind, content| {
        if kind == DATA {
            gzip_messages(payload, content, &mut |message| messages.push(message));
        }
    });
    messages
}

/// Calls `found` with each gzip message of the gRPC messages in a DATA frame's `content` (a
/// frame may hold several messages of a stream, each behind its prefix).
fn gzip_messages(
    payload: &[u8],
    content: std::ops::Range<usize>,
    found: &mut impl FnMut(std::ops::Range<usize>),
) {
    let mut at = content.start;
    while let Some(prefix) = payload.get(at..at + 5).filter(|_| at + 5 <= content.end) {
        let len = u32::from_be_bytes([prefix[1], prefix[2], prefix[3], prefix[4]]) as usize;
        let message = at + 5..(at + 5).saturating_add(len).min(content.end);
        match prefix[0] {
            0 => {}
            1 if payload
                .get(message.clone())
                .is_some_and(|m| m.starts_with(&[0x1f, 0x8b])) =>
            {
                found(message.clone());
            }
            // Neither a plain nor a gzip message: no gRPC framing to follow.
            _ => return,
        }
        at = message.end;
    }
}

/// Whether a frame header's type, flags, stream and length are ones RFC 9113 allows.
fn valid_frame(kind: u8, flags: u8, stream: u32, len: usize) -> bool {
    let on_stream = stream != 0;
    match kind {
        // DATA: END_STREAM, PADDED.
        DATA => on_stream && flags & !0x09 == 0,
        // HEADERS: END_STREAM, END_HEADERS, PADDED, PRIORITY.
        HEADERS => on_stream && flags & !0x2d == 0,
        // PRIORITY, RST_STREAM.
        0x2 => on_stream && flags == 0 && len == 5,
        0x3 => on_stream && flags == 0 && len == 4,
        // SETTINGS (ACK), PING (ACK), GOAWAY.
        0x4 => !on_stream && flags & !0x1 == 0 && len.is_multiple_of(6),
        0x6 => !on_stream && flags & !0x1 == 0 && len == 8,
        0x7 => !on_stream && flags == 0 && len >= 8,
        // PUSH_PROMISE: END_HEADERS, PADDED.
        PUSH_PROMISE => on_stream && flags & !0x0c == 0,
        // WINDOW_UPDATE.
        0x8 => flags == 0 && len == 4,
        // CONTINUATION: END_HEADERS.
        CONTINUATION => on_stream && flags & !0x04 == 0,
        _ => false,
    }
}

/// Whether `payload` is HTTP/2 frames whose wire bytes hide text the engine decodes: a header
/// block that holds a literal string, or a gzip-compressed gRPC message. One walk over the
/// frames, for the quiet check and the stream scanner; as [`header_lines`] decodes header blocks
/// only of a buffer that is frames to its end, and [`grpc_compressed_messages`] inflates the
/// messages of the frames before any that is not one.
pub(crate) fn hides_text(payload: &[u8]) -> bool {
    let (mut strings, mut compressed) = (false, false);
    let frames = walk_frames(payload, |kind, content| {
        if kind == DATA {
            gzip_messages(payload, content, &mut |_| compressed = true);
        } else if !strings && let Some(block) = payload.get(content) {
            strings = block.iter().any(|&c| c & 0x80 == 0);
        }
    });
    compressed || (frames.is_some() && strings)
}

/// The header fields of the header blocks of `payload` as `name: value` lines, at most
/// `limit` bytes; `None` when it is not HTTP/2 frames or holds no literal field.
pub(crate) fn header_lines(payload: &[u8], limit: usize) -> Option<Decoded> {
    let fragments = header_fragments(payload)?;
    let mut out = Lines {
        bytes: Vec::new(),
        map: SpanMap::default(),
        limit,
    };
    for fragment in fragments {
        decode_block(payload, fragment, &mut out);
    }
    (!out.bytes.is_empty()).then_some((out.bytes, out.map))
}

/// Decoded lines and their spans.
struct Lines {
    bytes: Vec<u8>,
    map: SpanMap,
    limit: usize,
}

impl Lines {
    /// Appends `bytes`, each from `span`; false when the limit is reached.
    fn push_from(&mut self, bytes: &[u8], span: &std::ops::Range<usize>) -> bool {
        for &c in bytes {
            if self.bytes.len() >= self.limit {
                return false;
            }
            self.bytes.push(c);
            self.map.push(span.clone());
        }
        true
    }

    /// Appends a decoded string.
    fn push_decoded(&mut self, (bytes, map): &Decoded) -> bool {
        for (k, &c) in bytes.iter().enumerate() {
            if self.bytes.len() >= self.limit {
                return false;
            }
            self.bytes.push(c);
            self.map.push(map.starts[k]..map.ends[k]);
        }
        true
    }
}

/// The header field representations of one block fragment (RFC 7541, 6), up to the first that
/// does not fit in it.
fn decode_block(b: &[u8], fragment: std::ops::Range<usize>, out: &mut Lines) {
    let mut at = fragment.start;
    let end = fragment.end;
    while at < end {
        let first = b[at];
        let start = at;
        let prefix = if first & 0x80 != 0 {
            // Indexed: a whole field from a table.
            let Some((_, next)) = integer(b, at, end, 7) else {
                return;
            };
            at = next;
            continue;
        } else if first & 0xe0 == 0x20 {
            // A dynamic table size update.
            let Some((_, next)) = integer(b, at, end, 5) else {
                return;
            };
            at = next;
            continue;
        } else if first & 0xc0 == 0x40 {
            6
        } else {
            4
        };
        let Some((index, next)) = integer(b, at, end, prefix) else {
            return;
        };
        at = next;
        let name = if index == 0 {
            let Some((name, next)) = string(b, at, end) else {
                return;
            };
            at = next;
            Some(name)
        } else {
            STATIC_NAMES.get(index - 1).map(|&name| {
                let mut map = SpanMap::with_capacity(name.len());
                for _ in name {
                    map.push(start..start + 1);
                }
                (name.to_vec(), map)
            })
        };
        let Some((value, next)) = string(b, at, end) else {
            return;
        };
        at = next;
        let line = start..at;
        let complete = match &name {
            Some(name) => out.push_decoded(name) && out.push_from(b": ", &line),
            None => true,
        } && out.push_decoded(&value)
            && out.push_from(b"\r\n", &line);
        if !complete {
            return;
        }
    }
}

/// An integer of `prefix` bits at `at` (RFC 7541, 5.1): its value and where it ends.
fn integer(b: &[u8], at: usize, end: usize, prefix: u32) -> Option<(usize, usize)> {
    let mask = (1_usize << prefix) - 1;
    let mut value = usize::from(*b.get(at)?) & mask;
    let mut i = at + 1;
    if value < mask {
        return Some((value, i));
    }
    for shift in (0..28).step_by(7) {
        if i >= end {
            return None;
        }
        let byte = *b.get(i)?;
        i += 1;
        value += usize::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some((value, i));
        }
    }
    None
}

/// A string literal at `at` (RFC 7541, 5.2), Huffman-decoded when it says so: its bytes with
/// their spans, and where it ends.
fn string(b: &[u8], at: usize, end: usize) -> Option<(Decoded, usize)> {
    let huffman = *b.get(at)? & 0x80 != 0;
    let (len, start) = integer(b, at, end, 7)?;
    let stop = start.checked_add(len).filter(|&stop| stop <= end)?;
    let raw = b.get(start..stop)?;
    let decoded = if huffman {
        huffman_decode(raw, start)?
    } else {
        let mut map = SpanMap::with_capacity(raw.len());
        for i in start..stop {
            map.push(i..i + 1);
        }
        (raw.to_vec(), map)
    };
    Some((decoded, stop))
}

/// The names of the static table (RFC 7541, Appendix A), by index from 1.
const STATIC_NAMES: [&[u8]; 61] = [
    b":authority",
    b":method",
    b":method",
    b":path",
    b":path",
    b":scheme",
    b":scheme",
    b":status",
    b":status",
    b":status",
    b":status",
    b":status",
    b":status",
    b":status",
    b"accept-charset",
    b"accept-encoding",
    b"accept-language",
    b"accept-ranges",
    b"accept",
    b"access-control-allow-origin",
    b"age",
    b"allow",
    b"authorization",
    b"cache-control",
    b"content-disposition",
    b"content-encoding",
    b"content-language",
    b"content-length",
    b"content-location",
    b"content-range",
    b"content-type",
    b"cookie",
    b"date",
    b"etag",
    b"expect",
    b"expires",
    b"from",
    b"host",
    b"if-match",
    b"if-modified-since",
    b"if-none-match",
    b"if-range",
    b"if-unmodified-since",
    b"last-modified",
    b"link",
    b"location",
    b"max-forwards",
    b"proxy-authenticate",
    b"proxy-authorization",
    b"range",
    b"referer",
    b"refresh",
    b"retry-after",
    b"server",
    b"set-cookie",
    b"strict-transport-security",
    b"transfer-encoding",
    b"user-agent",
    b"vary",
    b"via",
    b"www-authenticate",
];

/// The bit length of each symbol's code in HPACK's Huffman code (RFC 7541, Appendix B),
/// symbols 0 to 255 and EOS (256). The code is canonical: codes follow from the lengths alone,
/// assigned in the order of (length, symbol).
const CODE_LENGTHS: [u8; 257] = [
    13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28,
    28, 28, 28, 28, 28, 28, 28, 28, 6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5,
    5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, 13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
    7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, 15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6,
    6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, 20, 22, 20, 20, 22, 22, 22, 23, 22,
    23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, 22,
    21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20,
    22, 22, 22, 23, 22, 22, 23, 26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19,
    21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, 20, 24, 20, 21, 22, 21, 21, 23, 22,
    22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, 30,
];

/// The canonical code's decoding table: for each length, the first code, and where its
/// symbols start in `symbols` (sorted by length, then symbol).
struct Canonical {
    first_code: [u32; 31],
    first_index: [usize; 31],
    count: [usize; 31],
    symbols: [u16; 257],
}

static CANONICAL: std::sync::LazyLock<Canonical> = std::sync::LazyLock::new(|| {
    let mut table = Canonical {
        first_code: [0; 31],
        first_index: [0; 31],
        count: [0; 31],
        symbols: [0; 257],
    };
    for &len in &CODE_LENGTHS {
        table.count[usize::from(len)] += 1;
    }
    let (mut code, mut index) = (0_u32, 0_usize);
    for len in 1..31 {
        code <<= 1;
        table.first_code[len] = code;
        table.first_index[len] = index;
        code += u32::try_from(table.count[len]).unwrap_or(0);
        index += table.count[len];
    }
    let mut next = table.first_index;
    for (symbol, &len) in (0_u16..).zip(&CODE_LENGTHS) {
        let slot = &mut next[usize::from(len)];
        table.symbols[*slot] = symbol;
        *slot += 1;
    }
    table
});

/// Decodes a Huffman-coded string at wire offset `base`; each output byte's span is the bytes
/// its code's bits lie in. `None` for an EOS symbol, or padding that is longer than 7 bits or
/// not all ones.
fn huffman_decode(raw: &[u8], base: usize) -> Option<Decoded> {
    let table = &*CANONICAL;
    let mut out = Vec::with_capacity(raw.len() * 8 / 5);
    let mut map = SpanMap::with_capacity(raw.len() * 8 / 5);
    let (mut code, mut len, mut symbol_start) = (0_u32, 0_usize, 0_usize);
    let bits = raw.len() * 8;
    for bit in 0..bits {
        let value = u32::from(raw[bit / 8] >> (7 - bit % 8) & 1);
        code = code << 1 | value;
        len += 1;
        if len > 30 {
            return None;
        }
        let offset = code.wrapping_sub(table.first_code[len]);
        if usize::try_from(offset).is_ok_and(|offset| offset < table.count[len]) {
            let symbol = table.symbols[table.first_index[len] + offset as usize];
            let byte = u8::try_from(symbol).ok()?;
            out.push(byte);
            map.push(base + symbol_start / 8..base + bit / 8 + 1);
            (code, len, symbol_start) = (0, 0, bit + 1);
        }
    }
    // Padding: the most significant bits of EOS, all ones, shorter than a byte.
    (len < 8 && code == (1 << len) - 1).then_some((out, map))
}

#[cfg(test)]
pub(crate) mod tests {
    use proptest::prelude::*;

    use super::*;

    /// `text` in HPACK's Huffman code, padded with ones.
    pub(crate) fn huffman_encode(text: &[u8]) -> Vec<u8> {
        let table = &*CANONICAL;
        let mut codes = [(0_u32, 0_u8); 257];
        for len in 1..31 {
            for k in 0..table.count[len] {
                let symbol = usize::from(table.symbols[table.first_index[len] + k]);
                let offset = u32::try_from(k).expect("few");
                codes[symbol] = (
                    table.first_code[len] + offset,
                    u8::try_from(len).expect("short"),
                );
            }
        }
        let (mut out, mut acc, mut bits) = (Vec::new(), 0_u64, 0_u32);
        for &c in text {
            let (code, len) = codes[usize::from(c)];
            acc = acc << len | u64::from(code);
            bits += u32::from(len);
            while bits >= 8 {
                bits -= 8;
                out.push(u8::try_from(acc >> bits & 0xff).expect("a byte"));
            }
        }
        if bits > 0 {
            let pad = 8 - bits;
            out.push(u8::try_from((acc << pad | ((1 << pad) - 1)) & 0xff).expect("a byte"));
        }
        out
    }

    /// A string literal: its length (7-bit prefix, with the Huffman flag) and its bytes.
    fn literal(text: &[u8], huffman: bool) -> Vec<u8> {
        let bytes = if huffman {
            huffman_encode(text)
        } else {
            text.to_vec()
        };
        let flag = if huffman { 0x80 } else { 0 };
        let mut out = Vec::new();
        if bytes.len() < 127 {
            out.push(flag | u8::try_from(bytes.len()).expect("short"));
        } else {
            out.push(flag | 0x7f);
            let mut rest = bytes.len() - 127;
            while rest >= 128 {
                out.push(u8::try_from(rest & 0x7f).expect("7 bits") | 0x80);
                rest >>= 7;
            }
            out.push(u8::try_from(rest).expect("7 bits"));
        }
        out.extend(bytes);
        out
    }

    /// A HEADERS frame (stream 1, the whole block) of a GET from the static table and
    /// `fields` as literals without indexing, each name and value Huffman-coded or not.
    pub(crate) fn headers_frame(fields: &[(&str, &str)], huffman: bool) -> Vec<u8> {
        let mut block = vec![0x82, 0x86, 0x84];
        for (name, value) in fields {
            block.push(0x00);
            block.extend(literal(name.as_bytes(), huffman));
            block.extend(literal(value.as_bytes(), huffman));
        }
        frame(HEADERS, 0x05, 1, &block)
    }

    /// The client's preface and its SETTINGS frame.
    pub(crate) fn client_preface() -> Vec<u8> {
        [PREFACE, &frame(0x4, 0, 0, &[0, 3, 0, 0, 0, 100])].concat()
    }

    proptest! {
        #[test]
        fn huffman_round_trip(text in proptest::collection::vec(any::<u8>(), 0..200)) {
            let coded = huffman_encode(&text);
            let (decoded, map) = huffman_decode(&coded, 7).expect("decodes");
            prop_assert_eq!(&decoded, &text);
            prop_assert!(map.ends.iter().all(|&e| e <= 7 + coded.len()));
        }

        #[test]
        fn header_lines_of_any_fields(
            fields in proptest::collection::vec(("[a-z-]{1,20}", "[ -~]{0,40}"), 1..6),
            huffman in any::<bool>(),
        ) {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            let wire = [client_preface(), headers_frame(&fields, huffman)].concat();
            let (lines, _) = header_lines(&wire, usize::MAX).expect("lines");
            let expected: String = fields.iter().map(|(n, v)| [n, ": ", v, "\r\n"].concat()).collect();
            prop_assert_eq!(String::from_utf8_lossy(&lines), expected);
        }
    }

    fn hex(text: &str) -> Vec<u8> {
        let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
        digits
            .chunks(2)
            .map(|pair| {
                u8::from_str_radix(std::str::from_utf8(pair).unwrap_or("00"), 16).unwrap_or(0)
            })
            .collect()
    }

    #[test]
    fn huffman_strings_of_rfc_7541() {
        // Appendix C.4 and C.6.
        for (coded, text) in [
            ("f1e3 c2e5 f23a 6ba0 ab90 f4ff", "www.example.com"),
            ("a8eb 1064 9cbf", "no-cache"),
            ("25a8 49e9 5ba9 7d7f", "custom-key"),
            ("25a8 49e9 5bb8 e8b4 bf", "custom-value"),
            ("6402", "302"),
            ("aec3 771a 4b", "private"),
            (
                "d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff",
                "Mon, 21 Oct 2013 20:13:21 GMT",
            ),
            (
                "9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3",
                "https://www.example.com",
            ),
        ] {
            let (out, map) = huffman_decode(&hex(coded), 100).expect(text);
            assert_eq!(out, text.as_bytes());
            assert_eq!(map.starts.len(), text.len());
            assert!(
                map.starts
                    .iter()
                    .zip(&map.ends)
                    .all(|(s, e)| 100 <= *s && s < e)
            );
        }
        // Padding of zeros, or of a whole byte, is an error.
        assert!(
            huffman_decode(
                &[
                    0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab, 0x90, 0xf4, 0x00
                ],
                0
            )
            .is_none()
        );
        assert!(huffman_decode(&[0x64, 0x02, 0xff], 0).is_none());
    }

    /// A frame of `kind` with `flags` on stream 1 (or 0 for connection frames).
    pub(crate) fn frame(kind: u8, flags: u8, stream: u32, body: &[u8]) -> Vec<u8> {
        let len = u32::try_from(body.len()).expect("short").to_be_bytes();
        [&len[1..], &[kind, flags], &stream.to_be_bytes(), body].concat()
    }

    #[test]
    fn header_blocks_of_a_request_become_lines() {
        // RFC 7541 C.4.1's request (`:method GET`, `:scheme http`, `:path /`, `:authority
        // www.example.com`), then literal fields: `authorization` by static name with a
        // Huffman value, a new name and value in plain text, one never indexed.
        let mut block = hex("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff");
        block.extend([0x57, 0x05]);
        block.extend(b"Basic");
        block.extend([0x00, 0x0c]);
        block.extend(b"x-user-email");
        block.extend([0x0a]);
        block.extend(b"anna@x.org");
        block.extend([0x10, 0x06]);
        block.extend(b"x-note");
        block.extend([0x89]);
        block.extend(hex("25a8 49e9 5bb8 e8b4 bf"));
        let settings = frame(0x4, 0, 0, &[0, 3, 0, 0, 0, 100]);
        let headers = frame(HEADERS, 0x05, 1, &block);
        let wire = [PREFACE, &settings[..], &headers[..]].concat();
        let (lines, map) = header_lines(&wire, 1 << 20).expect("header lines");
        assert_eq!(
            String::from_utf8_lossy(&lines),
            ":authority: www.example.com\r\nauthorization: Basic\r\nx-user-email: anna@x.org\r\nx-note: custom-value\r\n"
        );
        assert_eq!(map.starts.len(), lines.len());
        // Every byte maps into the HEADERS frame's block.
        let block_start = wire.len() - block.len();
        assert!(
            map.starts.iter().all(|&s| s >= block_start)
                && map.ends.iter().all(|&e| e <= wire.len())
        );
        assert!(hides_text(&wire));
    }

    #[test]
    fn what_is_no_http2_gives_nothing() {
        for bytes in [
            &b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"[..],
            // A frame longer than the default maximum, and a HEADERS frame on stream 0.
            &frame(HEADERS, 0x04, 1, &vec![0; 16_385]),
            &frame(HEADERS, 0x04, 0, &[0x40, 0x01, b'a', 0x01, b'b']),
            // Fields from the tables only: nothing to read.
            &frame(HEADERS, 0x04, 1, &[0x82, 0x86, 0x84, 0xbe]),
        ] {
            assert!(header_lines(bytes, 1 << 20).is_none(), "{bytes:?}");
        }
    }

    #[test]
    fn hostile_blocks_stop_where_they_stop_fitting() {
        // A string longer than its block, an integer that never ends, padding longer than the
        // frame: no panic, and what fit before is kept.
        let mut block = vec![0x00, 0x01, b'a', 0x01, b'b'];
        block.extend([0x00, 0x7f, 0xff, 0xff, 0xff, 0xff]);
        let (lines, _) = header_lines(&frame(HEADERS, 0x04, 1, &block), 1 << 20).expect("one line");
        assert_eq!(lines, b"a: b\r\n");
        assert!(
            header_lines(&frame(HEADERS, 0x0c, 1, &[200, 0x00, 0x01, b'a']), 1 << 20).is_none()
        );
        // The limit holds.
        let (lines, _) = header_lines(&frame(HEADERS, 0x04, 1, &block), 3).expect("cut");
        assert_eq!(lines, b"a: ");
    }
}
