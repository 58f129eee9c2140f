//! gzip and deflate bodies, inflated up to a byte limit (a zip bomb costs at most the limit).

use std::io::Read;

use flate2::read::{DeflateDecoder, GzDecoder, ZlibDecoder};

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

    proptest! {
        #[test]
        fn never_panics(input in proptest::collection::vec(any::<u8>(), 0..300)) {
            if let Some(out) = inflate(&input, 1000) {
                prop_assert!(out.len() <= 1000);
            }
        }
    }
}
