//! MongoDB's compressed messages (`OP_COMPRESSED`, opcode 2012). A driver configured with
//! `compressors` (zlib, snappy or zstd), and the server answering it, wrap every message after
//! the handshake: compressed, no document's name or value is visible to the scan.
//!
//! A compressed message is found by its opcode wherever it sits, and read by its header: its
//! length, request id, the id it answers, the opcode, then the original opcode (`OP_MSG`,
//! `OP_QUERY` or `OP_REPLY`), the uncompressed size (at most 48 MB, MongoDB's largest message)
//! and the compressor's id, then the compressed message. The last one may be cut by sampling.

use super::inflate::{Codec, Compressed};

/// The header's length, and where `OP_COMPRESSED`'s own fields end.
const HEADER_LEN: usize = 16;
const COMPRESSED_HEADER_LEN: usize = HEADER_LEN + 9;
const OP_COMPRESSED: i32 = 2012;
/// The opcodes a compressed message may wrap: `OP_REPLY`, `OP_QUERY`, `OP_MSG`.
const WRAPPED: [i32; 3] = [1, 2004, 2013];
/// MongoDB's largest message.
const MAX_MESSAGE: usize = 48_000_000;

fn i32_at(b: &[u8], at: usize) -> Option<i32> {
    Some(i32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The compressed message whose opcode sits at `opcode_at`, if its header holds together: a
/// length of at least its own fields and at most 48 MB, an opcode it may wrap, an uncompressed
/// size of at most 48 MB and a known compressor.
fn message_at(payload: &[u8], opcode_at: usize) -> Option<(Compressed, usize)> {
    let at = opcode_at.checked_sub(12)?;
    let length = usize::try_from(i32_at(payload, at)?).ok()?;
    let wrapped = i32_at(payload, at + HEADER_LEN)?;
    let size = usize::try_from(i32_at(payload, at + HEADER_LEN + 4)?).ok()?;
    // The compressor's id: snappy, zlib, zstd.
    let codec = match payload.get(at + HEADER_LEN + 8)? {
        1 => Codec::Snappy,
        2 => Codec::Deflate,
        3 => Codec::Zstd,
        _ => return None,
    };
    let fits = (COMPRESSED_HEADER_LEN + 1..=MAX_MESSAGE).contains(&length)
        && WRAPPED.contains(&wrapped)
        && size <= MAX_MESSAGE;
    let end = at.checked_add(length)?.min(payload.len());
    fits.then_some((
        Compressed {
            codec,
            range: at + COMPRESSED_HEADER_LEN..end,
        },
        end,
    ))
}

/// The compressed messages of `payload`, found by their opcode wherever they sit: a sample, or a
/// stream scanner's buffer, may start inside a message.
pub(crate) fn compressed_messages(payload: &[u8]) -> impl Iterator<Item = Compressed> + '_ {
    let opcode = OP_COMPRESSED.to_le_bytes();
    let mut from = 0;
    std::iter::from_fn(move || {
        while let Some(found) = payload
            .get(from..)
            .and_then(|rest| memchr::memmem::find(rest, &opcode))
        {
            let opcode_at = from + found;
            from = opcode_at + 1;
            if let Some((message, end)) = message_at(payload, opcode_at) {
                from = end.max(from);
                return Some(message);
            }
        }
        from = payload.len();
        None
    })
}

/// Whether `payload` holds a compressed message: the quiet check's question.
pub(crate) fn has_compressed_message(payload: &[u8]) -> bool {
    compressed_messages(payload).next().is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::inflate::decompress;

    /// `PyMongo`'s (3.11, `compressors="zlib"`) `insert`, and the server's compressed answer to
    /// its `find`, as sent.
    const INSERT: &[u8] = include_bytes!("../testdata/mongodb_insert_zlib.bin");
    const FIND_REPLY: &[u8] = include_bytes!("../testdata/mongodb_find_reply_zlib.bin");

    #[test]
    fn pymongo_s_compressed_messages_are_found_and_inflate() {
        for (message, needle) in [(INSERT, &b"first_name"[..]), (FIND_REPLY, b"firstBatch")] {
            let found: Vec<_> = compressed_messages(message).collect();
            assert_eq!(
                found,
                [Compressed {
                    codec: Codec::Deflate,
                    range: COMPRESSED_HEADER_LEN..message.len(),
                }]
            );
            let inflated = decompress(Codec::Deflate, &message[found[0].range.clone()], 1 << 20)
                .expect("inflates");
            assert!(memchr::memmem::find(&inflated, needle).is_some());
            // Cut by sampling: the start still inflates.
            let cut = &message[..message.len() - 20];
            let found: Vec<_> = compressed_messages(cut).collect();
            assert_eq!(found[0].range.end, cut.len());
            // After the tail of an earlier message, as a stream scanner's buffer holds it.
            let tail = b"\x00\x02ismaster\x00\x01";
            let mut shifted = tail.to_vec();
            shifted.extend_from_slice(message);
            let found: Vec<_> = compressed_messages(&shifted).collect();
            assert_eq!(found.len(), 1);
            assert_eq!(found[0].range.start, tail.len() + COMPRESSED_HEADER_LEN);
        }
    }

    #[test]
    fn other_messages_and_other_bytes_hold_none() {
        let plain = include_bytes!("../testdata/mongodb_insert.bin");
        assert!(!has_compressed_message(plain));
        for junk in [&b""[..], b"GET / HTTP/1.1\r\n\r\n", &[0xff; 40]] {
            assert!(!has_compressed_message(junk));
        }
        // An unknown compressor, an opcode it cannot wrap.
        let mut bent = INSERT.to_vec();
        bent[HEADER_LEN + 8] = 9;
        assert!(!has_compressed_message(&bent));
        let mut bent = INSERT.to_vec();
        bent[HEADER_LEN] = 0x10;
        assert!(!has_compressed_message(&bent));
    }
}
