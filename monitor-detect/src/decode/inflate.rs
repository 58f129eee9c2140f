//! Compressed bodies, decompressed up to a byte limit (a zip bomb costs at most the limit): gzip
//! and deflate, and snappy.

use std::io::Read;

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

/// The snappy framing format's stream identifier chunk.
const SNAPPY_STREAM_START: &[u8] = b"\xff\x06\x00\x00sNaPpY";

/// Decompresses a snappy body: the framing format when it opens with its stream identifier,
/// else the raw block format (Prometheus remote write, Loki push, librdkafka's record batches).
/// Returns at most `limit` bytes; a raw block cut by sampling, or longer than `limit`, is
/// decoded as far as it goes ([`partial::snappy_block`]). `None` when the body does not
/// decompress.
pub(crate) fn unsnappy(body: &[u8], limit: usize) -> Option<Vec<u8>> {
    if body.starts_with(SNAPPY_STREAM_START) {
        let mut out = Vec::new();
        let result = snap::read::FrameDecoder::new(body)
            .take(u64::try_from(limit).unwrap_or(u64::MAX))
            .read_to_end(&mut out);
        // A cut stream (sampled traffic) still yields the frames before the cut.
        return (!out.is_empty() || result.is_ok()).then_some(out);
    }
    let len = snap::raw::decompress_len(body).ok()?;
    let whole = (len <= limit)
        .then(|| snap::raw::Decoder::new().decompress_vec(body).ok())
        .flatten();
    whole.or_else(|| partial::snappy_block(body, limit))
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
