//! Kafka record batches, MongoDB compressed messages and their decoders on arbitrary bytes: every
//! output within its limit, no panic; and where `snap` and `lz4_flex` decode a whole block or
//! frame, the engine's cut-block decoders give the same bytes (for LZ4, where both go).

#![no_main]

use std::io::Read as _;

use libfuzzer_sys::fuzz_target;

/// The most a block may claim to decode to here: `snap` allocates it up front.
const MAX_CLAIMED: usize = 1 << 20;

fuzz_target!(|data: &[u8]| {
    monitor_detect::fuzzing::decompression_is_bounded(data, 4096);
    if snap::raw::decompress_len(data).is_ok_and(|len| len <= MAX_CLAIMED)
        && let Ok(whole) = snap::raw::Decoder::new().decompress_vec(data)
    {
        let ours = monitor_detect::fuzzing::snappy_block(data, usize::MAX).unwrap_or_default();
        assert_eq!(ours, whole, "snappy block decoded differently");
    }
    let mut whole = Vec::new();
    let decoded = lz4_flex::frame::FrameDecoder::new(data)
        .take(MAX_CLAIMED as u64)
        .read_to_end(&mut whole);
    if decoded.is_ok() {
        // One is a prefix of the other: `lz4_flex` goes on into a frame after the first, and
        // stops at a block that decodes to nothing (a read of 0 bytes ends `read_to_end`).
        let ours = monitor_detect::fuzzing::lz4_frame(data, MAX_CLAIMED).unwrap_or_default();
        assert!(
            whole.starts_with(&ours) || ours.starts_with(&whole),
            "lz4 frame decoded differently"
        );
    }
});
