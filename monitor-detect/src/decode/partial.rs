//! Block decoders that keep what a cut block held. Sampling copies a packet's first 12,000
//! bytes, and a compressed record batch or body is often longer: a stream compressor (gzip)
//! yields its output as it goes, but snappy and LZ4 compress a block at a time (LZ4 frames of
//! the Kafka clients hold up to 64 KiB each), and their crates decode a block whole or not at
//! all. The two formats are plain sequences of literals and back-references, so a cut block
//! decodes, in order, up to its last whole element; that prefix is what these give. A block
//! with an element that refers before the start of the output gives nothing: bytes that are no
//! such block (a mislabelled body) are told apart so, and left to be read as they are. Output
//! never exceeds the limit given.

/// Appends a back-reference's bytes (`offset` back, `len` long, overlapping allowed) to `out`,
/// at most up to `limit` bytes in all; `false` when `offset` does not point into `out`.
fn copy_back(out: &mut Vec<u8>, offset: usize, len: usize, limit: usize) -> bool {
    if offset == 0 || offset > out.len() {
        return false;
    }
    let start = out.len() - offset;
    for i in 0..len.min(limit.saturating_sub(out.len())) {
        let byte = out.get(start + i).copied().unwrap_or(0);
        out.push(byte);
    }
    true
}

/// Appends `bytes` to `out`, at most up to `limit` bytes in all.
fn copy_literal(out: &mut Vec<u8>, bytes: &[u8], limit: usize) {
    let room = limit.saturating_sub(out.len());
    out.extend_from_slice(bytes.get(..room).unwrap_or(bytes));
}

/// Reads a little-endian number of `n` bytes at `at`.
fn le(b: &[u8], at: usize, n: usize) -> Option<usize> {
    let bytes = b.get(at..at.checked_add(n)?)?;
    Some(
        bytes
            .iter()
            .rev()
            .fold(0, |acc, &byte| acc << 8 | usize::from(byte)),
    )
}

/// The output of a raw snappy block (the format librdkafka writes, and Prometheus's remote
/// write bodies), as far as `block` holds it: its length varint, then literals and copies.
/// `None` when it is malformed or gives nothing.
pub(crate) fn snappy_block(block: &[u8], limit: usize) -> Option<Vec<u8>> {
    // The uncompressed length, a varint of at most 5 bytes: skipped, as a cut block's output
    // is shorter anyway.
    let mut at = block.iter().take(5).position(|&b| b & 0x80 == 0)? + 1;
    let mut out = Vec::new();
    while out.len() < limit {
        let Some(&tag) = block.get(at) else { break };
        at += 1;
        let kind = tag & 0x03;
        let upper = usize::from(tag >> 2);
        let ok = match kind {
            0 => {
                let (len, extra) = match upper {
                    0..=59 => (upper + 1, 0),
                    n => match le(block, at, n - 59) {
                        Some(len) => (len + 1, n - 59),
                        None => break,
                    },
                };
                at += extra;
                let literal = block.get(at..).unwrap_or_default();
                copy_literal(&mut out, literal.get(..len).unwrap_or(literal), limit);
                at = at.saturating_add(len);
                true
            }
            1 => {
                let Some(&low) = block.get(at) else { break };
                at += 1;
                let offset = (upper >> 3) << 8 | usize::from(low);
                copy_back(&mut out, offset, (upper & 0x07) + 4, limit)
            }
            _ => {
                let n = if kind == 2 { 2 } else { 4 };
                let Some(offset) = le(block, at, n) else {
                    break;
                };
                at += n;
                copy_back(&mut out, offset, upper + 1, limit)
            }
        };
        if !ok {
            return None;
        }
    }
    (!out.is_empty()).then_some(out)
}

/// An LZ4 sequence's length: `nibble`, and when it is 15, the bytes from `at` added while they
/// are 255. Returns the length and where the next byte is; `None` when cut.
fn lz4_len(b: &[u8], mut at: usize, nibble: u8) -> Option<(usize, usize)> {
    let mut len = usize::from(nibble);
    if nibble == 15 {
        loop {
            let byte = *b.get(at)?;
            at += 1;
            len = len.checked_add(usize::from(byte))?;
            if byte != 255 {
                break;
            }
        }
    }
    Some((len, at))
}

/// How decoding a block ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BlockEnd {
    /// Its last element decoded, or the limit was reached.
    Whole,
    /// Its bytes ran out within an element.
    Cut,
    /// An element referred before the start of the output.
    Malformed,
}

/// Decodes one LZ4 block (sequences of literals and matches) onto `out`, as far as `block`
/// holds it.
fn lz4_block(block: &[u8], out: &mut Vec<u8>, limit: usize) -> BlockEnd {
    let mut at = 0;
    while out.len() < limit {
        let Some(&token) = block.get(at) else {
            return BlockEnd::Whole;
        };
        let Some((literals, next)) = lz4_len(block, at + 1, token >> 4) else {
            return BlockEnd::Cut;
        };
        at = next;
        let bytes = block.get(at..).unwrap_or_default();
        copy_literal(out, bytes.get(..literals).unwrap_or(bytes), limit);
        at = at.saturating_add(literals);
        if out.len() >= limit {
            // The limit cut the literals: the match's offset counts from their end.
            return BlockEnd::Whole;
        }
        if at >= block.len() {
            // The last sequence has literals only; one cut inside its literals ends here too.
            return if at == block.len() {
                BlockEnd::Whole
            } else {
                BlockEnd::Cut
            };
        }
        let Some(offset) = le(block, at, 2) else {
            return BlockEnd::Cut;
        };
        let Some((len, next)) = lz4_len(block, at + 2, token & 0x0f) else {
            return BlockEnd::Cut;
        };
        at = next;
        if !copy_back(out, offset, len + 4, limit) {
            return BlockEnd::Malformed;
        }
    }
    BlockEnd::Whole
}

/// The LZ4 frame's magic number, little-endian.
const LZ4_MAGIC: [u8; 4] = [0x04, 0x22, 0x4d, 0x18];

/// The output of an LZ4 frame (the format Kafka's clients compress record batches with), as far
/// as `frame` holds it: its header, then blocks, each a little-endian size (its high bit set
/// when stored uncompressed; none larger than the header's block size) and, with the header's
/// flag, a checksum after it; checksums are not checked. Linked blocks refer back into the blocks before them, which the one output
/// buffer holds. `None` when not an LZ4 frame, malformed, or nothing decodes.
pub(crate) fn lz4_frame(frame: &[u8], limit: usize) -> Option<Vec<u8>> {
    if !frame.starts_with(&LZ4_MAGIC) {
        return None;
    }
    let flags = *frame.get(4)?;
    // Version 01; the block descriptor's largest block: 64 KiB to 4 MiB.
    let max_block = match frame.get(5)? >> 4 & 0x07 {
        code @ 4..=7 => 1_usize << (8 + 2 * code),
        _ => return None,
    };
    if flags & 0xc0 != 0x40 {
        return None;
    }
    let content_size = if flags & 0x08 == 0 { 0 } else { 8 };
    let dictionary = if flags & 0x01 == 0 { 0 } else { 4 };
    let block_checksums = if flags & 0x10 == 0 { 0 } else { 4 };
    // Magic, flags, block descriptor, the optional fields, the header checksum.
    let mut at = 4 + 2 + content_size + dictionary + 1;
    let mut out = Vec::new();
    while out.len() < limit {
        let Some(size) = le(frame, at, 4) else { break };
        at += 4;
        if size == 0 {
            break;
        }
        let stored = size & 0x8000_0000 != 0;
        let size = size & 0x7fff_ffff;
        if size > max_block {
            return None;
        }
        let data = frame.get(at..).unwrap_or_default();
        let data = data.get(..size).unwrap_or(data);
        if stored {
            copy_literal(&mut out, data, limit);
        } else {
            match lz4_block(data, &mut out, limit) {
                BlockEnd::Whole => {}
                BlockEnd::Cut => break,
                BlockEnd::Malformed => return None,
            }
        }
        if data.len() < size {
            break;
        }
        at = at.saturating_add(size).saturating_add(block_checksums);
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Text with repeats, as records are: it compresses to literals and back-references alike.
    fn records() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(
            prop_oneof![
                Just(br#"{"device":"th-2829","temp_c":21.5},"#.to_vec()),
                Just(br#"{"email":"anna.berg@example.com"},"#.to_vec()),
                proptest::collection::vec(any::<u8>(), 0..40),
            ],
            0..200,
        )
        .prop_map(|parts| parts.concat())
    }

    fn lz4_compressed(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write as _;
        let mut encoder = lz4_flex::frame::FrameEncoder::new(Vec::new());
        encoder.write_all(bytes).expect("to a Vec");
        encoder.finish().expect("to a Vec")
    }

    proptest! {
        /// Whole, each decodes to what was compressed; cut anywhere, to a prefix of it; never
        /// past the limit.
        #[test]
        fn decodes_whole_blocks_and_prefixes_of_cut_ones(
            bytes in records(),
            cut in 0.0_f64..1.0,
            limit in prop_oneof![Just(usize::MAX), 0_usize..5000],
        ) {
            let snappy = snap::raw::Encoder::new().compress_vec(&bytes).expect("compresses");
            let lz4 = lz4_compressed(&bytes);
            let expected = &bytes[..bytes.len().min(limit)];
            for (name, compressed, decode) in [
                ("snappy", &snappy, snappy_block as fn(&[u8], usize) -> Option<Vec<u8>>),
                ("lz4", &lz4, lz4_frame),
            ] {
                let whole = decode(compressed, limit).unwrap_or_default();
                prop_assert_eq!(&whole[..], expected, "{}", name);
                #[expect(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    clippy::cast_precision_loss,
                    reason = "a fraction of a small length"
                )]
                let at = (compressed.len() as f64 * cut) as usize;
                let part = decode(&compressed[..at], limit).unwrap_or_default();
                prop_assert!(expected.starts_with(&part), "{}: not a prefix", name);
            }
        }

        /// Any bytes: no panic, and never more than the limit.
        #[test]
        fn hostile_blocks_stay_bounded(
            bytes in proptest::collection::vec(any::<u8>(), 0..300),
            limit in 0_usize..2000,
        ) {
            let mut framed = LZ4_MAGIC.to_vec();
            framed.extend([0x60, 0x40, 0x82]);
            framed.extend(bytes.iter().copied());
            for out in [snappy_block(&bytes, limit), lz4_frame(&framed, limit)] {
                prop_assert!(out.is_none_or(|o| o.len() <= limit));
            }
        }
    }

    #[test]
    fn a_cut_block_yields_most_of_its_records() {
        // Records that differ in a few bytes each, as a batch's do.
        let bytes: Vec<u8> = (0..300)
            .flat_map(|i| format!(r#"{{"email":"user{i}@example.com","seq":{i}}},"#).into_bytes())
            .collect();
        let lz4 = lz4_compressed(&bytes);
        let snappy = snap::raw::Encoder::new()
            .compress_vec(&bytes)
            .expect("compresses");
        for (name, compressed) in [("lz4", &lz4[..]), ("snappy", &snappy[..])] {
            // The crates give nothing for a block cut in its middle.
            let half = &compressed[..compressed.len() / 2];
            let mut from_crate = Vec::new();
            if name == "lz4" {
                let mut decoder = lz4_flex::frame::FrameDecoder::new(half);
                let _ = std::io::Read::read_to_end(&mut decoder, &mut from_crate);
            } else {
                from_crate = snap::raw::Decoder::new()
                    .decompress_vec(half)
                    .unwrap_or_default();
            }
            assert!(from_crate.is_empty(), "{name}");
            let part = if name == "lz4" {
                lz4_frame(half, 1 << 20)
            } else {
                snappy_block(half, 1 << 20)
            }
            .unwrap_or_default();
            assert!(part.len() > bytes.len() / 3, "{name}: {}", part.len());
            assert!(bytes.starts_with(&part), "{name}");
        }
    }
}
