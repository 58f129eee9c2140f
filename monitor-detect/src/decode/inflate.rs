//! Compressed bodies, decompressed up to a byte limit (a zip bomb costs at most the limit): gzip
//! and deflate, snappy, LZ4 and zstd. Protocols that name a compressed region of a payload
//! (Kafka's record batches, MongoDB's `OP_COMPRESSED`) hand it over as a [`Compressed`].

use std::{io::Read, ops::Range};

use flate2::read::{DeflateDecoder, GzDecoder, ZlibDecoder};

use super::partial;

/// Inflates a gzip (`1f 8b`), zlib or raw deflate body. Returns at most `limit` bytes; `None`
/// when the body does not inflate at all.
pub(crate) fn inflate(body: &[u8], limit: usize) -> Option<Vec<u8>> {
    let limit = u64::try_from(limit).unwrap_or(u64::MAX);
    let mut out = Vec::new();
    let result = if body.starts_with(&[0x1f, 0x8b]) {
        GzDecoder::new(body).take(limit).read_to_end(&mut out)
    } else if body.first().is_some_and(|&b| b & 0x0f == 8) && body.len() > 2 {
        ZlibDecoder::new(body).take(limit).read_to_end(&mut out)
    } else {
        DeflateDecoder::new(body).take(limit).read_to_end(&mut out)
    };
    // A truncated stream (sampled traffic) still yields what inflated before the cut.
    if out.is_empty() && result.is_err() {
        None
    } else {
        Some(out)
    }
}

/// How a region of a payload is compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Codec {
    /// gzip, zlib or raw deflate, told apart by their first bytes.
    Deflate,
    Snappy,
    Lz4,
    Zstd,
}

/// A compressed region of a payload, as a protocol's framing names it: its codec, and where its
/// compressed bytes lie (to the payload's end when a sample cut them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Compressed {
    pub(crate) codec: Codec,
    pub(crate) range: Range<usize>,
}

/// Decompresses `bytes` compressed with `codec`, at most `limit` bytes. Bytes cut by sampling
/// yield what decompressed before the cut (deflate streams; LZ4 and snappy decode to their last
/// whole element, see [`partial`]; a cut zstd block gives nothing). `None` when nothing does.
pub(crate) fn decompress(codec: Codec, bytes: &[u8], limit: usize) -> Option<Vec<u8>> {
    match codec {
        Codec::Deflate => inflate(bytes, limit),
        Codec::Snappy => unsnappy(bytes, limit),
        Codec::Lz4 => partial::lz4_frame(bytes, limit),
        Codec::Zstd => unzstd(bytes, limit),
    }
}

/// The snappy framing format's stream identifier chunk.
const SNAPPY_STREAM_START: &[u8] = b"\xff\x06\x00\x00sNaPpY";

/// The Java client's snappy framing (xerial's `SnappyOutputStream`, Kafka's record batches): this
/// magic, a version and a compatible version (4 bytes each), then blocks, each a big-endian
/// length and a raw snappy block.
pub(crate) const XERIAL_MAGIC: &[u8] = b"\x82SNAPPY\x00";
const XERIAL_HEADER_LEN: usize = 16;

/// Decompresses a snappy body: the framing format when it opens with its stream identifier, the
/// xerial framing when it opens with its magic, else the raw block format (Prometheus remote
/// write, Loki push, librdkafka's record batches). Returns at most `limit` bytes; a raw block
/// cut by sampling, or longer than `limit`, is decoded as far as it goes
/// ([`partial::snappy_block`]). `None` when the body does not decompress.
pub(crate) fn unsnappy(body: &[u8], limit: usize) -> Option<Vec<u8>> {
    if body.starts_with(XERIAL_MAGIC) {
        let mut out = Vec::new();
        let mut at = XERIAL_HEADER_LEN;
        while let Some(len) = body
            .get(at..at + 4)
            .and_then(|l| usize::try_from(u32::from_be_bytes(l.try_into().ok()?)).ok())
        {
            let block = body.get(at + 4..).unwrap_or_default();
            let block = block.get(..len).unwrap_or(block);
            let left = limit.saturating_sub(out.len());
            match raw_snappy(block, left) {
                Some(bytes) if left > 0 => out.extend(bytes),
                _ => break,
            }
            at = at.saturating_add(4).saturating_add(len);
        }
        return (!out.is_empty()).then_some(out);
    }
    if body.starts_with(SNAPPY_STREAM_START) {
        let mut out = Vec::new();
        let result = snap::read::FrameDecoder::new(body)
            .take(u64::try_from(limit).unwrap_or(u64::MAX))
            .read_to_end(&mut out);
        // A cut stream (sampled traffic) still yields the frames before the cut.
        return (!out.is_empty() || result.is_ok()).then_some(out);
    }
    raw_snappy(body, limit)
}

/// A raw snappy block, whole when it fits `limit`, else as far as it goes.
fn raw_snappy(block: &[u8], limit: usize) -> Option<Vec<u8>> {
    let len = snap::raw::decompress_len(block).ok()?;
    let whole = (len <= limit)
        .then(|| snap::raw::Decoder::new().decompress_vec(block).ok())
        .flatten();
    whole.or_else(|| partial::snappy_block(block, limit))
}

/// Decompresses a zstd frame (Kafka record batches, MongoDB messages), at most `limit` bytes,
/// with `ruzstd` (pure Rust: the input is hostile). A frame cut by sampling yields the blocks
/// before the cut: a zstd block is entropy-coded from its end, so a cut one gives nothing.
pub(crate) fn unzstd(body: &[u8], limit: usize) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let result = ruzstd::decoding::StreamingDecoder::new(body)
        .ok()?
        .take(u64::try_from(limit).unwrap_or(u64::MAX))
        .read_to_end(&mut out);
    (!out.is_empty() || result.is_ok()).then_some(out)
}

/// `bytes` gzip-compressed: test payloads.
#[cfg(test)]
pub(crate) fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).expect("writing to a Vec");
    enc.finish().expect("writing to a Vec")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn gzip_round_trip_and_limit() {
        let body = gzip(&[b'a'; 10_000]);
        assert_eq!(inflate(&body, 1 << 20).unwrap().len(), 10_000);
        assert_eq!(inflate(&body, 100).unwrap().len(), 100);
    }

    #[test]
    fn snappy_blocks_and_frames_within_the_limit() {
        use std::io::Write;
        let text = b"{\"user\":\"anna.schmidt@example.com\"}".repeat(20);
        let block = snap::raw::Encoder::new().compress_vec(&text).unwrap();
        assert_eq!(unsnappy(&block, 1 << 20).unwrap(), text);
        // The claimed length is over the limit: the block is decoded as far as the limit.
        assert_eq!(unsnappy(&block, 100).as_deref(), Some(&text[..100]));
        // Cut by sampling: decoded as far as it goes.
        let cut = unsnappy(&block[..block.len() - 3], 1 << 20).unwrap();
        assert!(text.starts_with(&cut) && cut.len() > 100, "{}", cut.len());
        let mut framed = snap::write::FrameEncoder::new(Vec::new());
        framed.write_all(&text).unwrap();
        let framed = framed.into_inner().unwrap();
        assert_eq!(unsnappy(&framed, 1 << 20).unwrap(), text);
        assert_eq!(unsnappy(&framed, 100).unwrap().len(), 100);
        assert_eq!(unsnappy(b"\xff\xff\xff\xff\xff\xff", 1 << 20), None);
    }

    proptest! {
        #[test]
        fn never_panics(input in proptest::collection::vec(any::<u8>(), 0..300)) {
            if let Some(out) = inflate(&input, 1000) {
                prop_assert!(out.len() <= 1000);
            }
            if let Some(out) = unsnappy(&input, 1000) {
                prop_assert!(out.len() <= 1000);
            }
        }
    }
}
