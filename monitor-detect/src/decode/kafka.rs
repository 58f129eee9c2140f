//! Kafka record batches (message format v2, magic 2, Kafka 0.11 and later) whose records are
//! compressed. A producer's `Produce` request and a broker's `Fetch` response carry its
//! messages in such batches, and most producers compress them (the Java client and librdkafka
//! with gzip, snappy, lz4 or zstd): compressed, no value of any record is visible to a pattern.
//! An uncompressed batch needs nothing: its keys, values and headers are the wire's bytes.
//!
//! A batch is found by its fixed header, wherever it sits in the payload: 61 bytes, with the
//! magic byte 2 at offset 16, the attributes (codec in the low three bits) at 21 and the CRC-32C
//! of everything from the attributes on at 17. A whole batch must match its CRC; one that runs
//! past the payload's end (a sample cut it) must have a plausible record count and open its
//! records with its codec's own magic. Reading the request or response itself would need the
//! version of every API that carries batches; the header alone needs none.

use super::inflate::{Codec, Compressed, XERIAL_MAGIC};

/// Offsets in a batch's header.
const LENGTH_AT: usize = 8;
const MAGIC_AT: usize = 16;
const CRC_AT: usize = 17;
const ATTRIBUTES_AT: usize = 21;
const LAST_OFFSET_DELTA_AT: usize = 23;
const RECORD_COUNT_AT: usize = 57;
/// The header's length: the records start here.
const HEADER_LEN: usize = 61;
/// The `batchLength` field counts from after itself.
const LENGTH_END: usize = 12;
/// The most records a cut batch is believed to hold.
const MAX_RECORDS: i32 = 1 << 20;

/// The CRC the batches carry: CRC-32C (Castagnoli).
const CRC32C: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISCSI);

/// How a batch's records are compressed: its attributes' low three bits.
const fn codec_of(attributes: u8) -> Option<Codec> {
    match attributes & 0x07 {
        1 => Some(Codec::Deflate),
        2 => Some(Codec::Snappy),
        3 => Some(Codec::Lz4),
        4 => Some(Codec::Zstd),
        _ => None,
    }
}

/// Whether `records` open as `codec`'s output does: gzip's, lz4's and zstd's frame magic
/// numbers, or the Java client's (xerial) snappy header; librdkafka's raw snappy has no magic,
/// only its length, which must be that of some output.
fn opens(codec: Codec, records: &[u8]) -> bool {
    match codec {
        Codec::Deflate => records.starts_with(&[0x1f, 0x8b]),
        Codec::Lz4 => records.starts_with(&[0x04, 0x22, 0x4d, 0x18]),
        Codec::Zstd => records.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]),
        Codec::Snappy => {
            records.starts_with(XERIAL_MAGIC)
                || snap::raw::decompress_len(records).is_ok_and(|len| len > 0)
        }
    }
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn i32_at(b: &[u8], at: usize) -> Option<i32> {
    Some(i32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The compressed batch whose header starts at `start`, if one does.
fn batch_at(payload: &[u8], start: usize) -> Option<(Compressed, usize)> {
    let header = payload.get(start..start + HEADER_LEN)?;
    if header.get(MAGIC_AT) != Some(&2) {
        return None;
    }
    // Attributes: codec, timestamp type, transactional, control, delete horizon; the high bits
    // are unused and 0. A control batch holds no compressed records.
    let [high, low] = [*header.get(ATTRIBUTES_AT)?, *header.get(ATTRIBUTES_AT + 1)?];
    if high != 0 || low & 0xa0 != 0 {
        return None;
    }
    let codec = codec_of(low)?;
    let length = usize::try_from(u32_at(header, LENGTH_AT)?).ok()?;
    if length < HEADER_LEN - LENGTH_END {
        return None;
    }
    let end = (start + LENGTH_END).checked_add(length)?;
    let records_start = start + HEADER_LEN;
    let batch = if let Some(whole) = payload.get(start..end) {
        let crc = u32_at(whole, CRC_AT)?;
        (CRC32C.checksum(whole.get(ATTRIBUTES_AT..)?) == crc).then_some(Compressed {
            codec,
            range: records_start..end,
        })?
    } else {
        // Cut by the sample's end: no CRC to check, so the header must look like a producer's
        // and the records like the codec's.
        let count = i32_at(header, RECORD_COUNT_AT)?;
        let last_delta = i32_at(header, LAST_OFFSET_DELTA_AT)?;
        let plausible = (1..=MAX_RECORDS).contains(&count) && last_delta == count - 1;
        let records = payload.get(records_start..)?;
        if !plausible || !opens(codec, records) {
            return None;
        }
        Compressed {
            codec,
            range: records_start..payload.len(),
        }
    };
    Some((batch, end.min(payload.len())))
}

/// The compressed record batches of `payload`, in order. Each position where a magic byte 2
/// could sit is tried; bytes inside a batch found are not tried again.
pub(crate) fn compressed_batches(payload: &[u8]) -> impl Iterator<Item = Compressed> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        while let Some(found) = payload
            .get(from + MAGIC_AT..)
            .and_then(|rest| memchr::memchr(2, rest))
        {
            let start = from + found;
            if let Some((batch, end)) = batch_at(payload, start) {
                from = end;
                return Some(batch);
            }
            from = start + 1;
        }
        from = payload.len();
        None
    })
}

/// Whether `payload` holds a compressed record batch: the quiet check's question.
pub(crate) fn has_compressed_batch(payload: &[u8]) -> bool {
    compressed_batches(payload).next().is_some()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::decode::inflate::decompress;

    /// A zigzag varint, as records write their lengths.
    fn varint(out: &mut Vec<u8>, v: i64) {
        let mut z = (v << 1 ^ v >> 63).cast_unsigned();
        while z >= 0x80 {
            out.push(u8::try_from(z & 0x7f).unwrap_or(0) | 0x80);
            z >>= 7;
        }
        out.push(u8::try_from(z).unwrap_or(0));
    }

    /// A batch of one record holding `value`, compressed with gzip or raw snappy, as a producer
    /// writes it (offset 0, leader epoch -1, CRC-32C over the attributes on).
    pub(crate) fn batch(codec: Codec, value: &[u8]) -> Vec<u8> {
        let mut body = vec![0];
        varint(&mut body, 0);
        varint(&mut body, 0);
        varint(&mut body, -1);
        varint(&mut body, i64::try_from(value.len()).expect("small"));
        body.extend_from_slice(value);
        varint(&mut body, 0);
        let mut record = Vec::new();
        varint(&mut record, i64::try_from(body.len()).expect("small"));
        record.extend(body);
        let records = match codec {
            Codec::Deflate => crate::decode::inflate::gzip(&record),
            Codec::Snappy => snap::raw::Encoder::new()
                .compress_vec(&record)
                .expect("compresses"),
            Codec::Lz4 | Codec::Zstd => unreachable!("no encoder in the tests"),
        };
        let attributes: u16 = if codec == Codec::Deflate { 1 } else { 2 };
        let mut tail = attributes.to_be_bytes().to_vec();
        tail.extend([0, 0, 0, 0]);
        tail.extend([0; 16]);
        tail.extend([0xff; 10]);
        tail.extend([0xff; 4]);
        tail.extend(1_i32.to_be_bytes());
        tail.extend(records);
        let mut out = vec![0; 8];
        out.extend(u32::try_from(tail.len() + 9).expect("small").to_be_bytes());
        out.extend([0xff; 4]);
        out.push(2);
        out.extend(CRC32C.checksum(&tail).to_be_bytes());
        out.extend(tail);
        out
    }

    #[test]
    fn a_built_batch_is_found() {
        for codec in [Codec::Deflate, Codec::Snappy] {
            let b = batch(codec, br#"{"email":"a@b.example"}"#);
            let found: Vec<_> = compressed_batches(&b).collect();
            assert_eq!(
                found,
                [Compressed {
                    codec,
                    range: HEADER_LEN..b.len()
                }]
            );
        }
    }

    /// librdkafka 2.0.2's (`kcat`) `Produce` request (v7) of one message, a JSON array of six
    /// customers, to a broker of the test harness, with each codec: the bytes as sent.
    const REQUESTS: [(&str, Option<Codec>, &[u8]); 5] = [
        (
            "none",
            None,
            include_bytes!("../testdata/kafka_produce_none.bin"),
        ),
        (
            "gzip",
            Some(Codec::Deflate),
            include_bytes!("../testdata/kafka_produce_gzip.bin"),
        ),
        (
            "snappy",
            Some(Codec::Snappy),
            include_bytes!("../testdata/kafka_produce_snappy.bin"),
        ),
        (
            "lz4",
            Some(Codec::Lz4),
            include_bytes!("../testdata/kafka_produce_lz4.bin"),
        ),
        (
            "zstd",
            Some(Codec::Zstd),
            include_bytes!("../testdata/kafka_produce_zstd.bin"),
        ),
    ];

    fn uncompressed_records() -> Vec<u8> {
        let (_, _, request) = REQUESTS[0];
        // The one batch starts after the request's topic and partition (`records` length).
        let start = request.len() - 1985;
        request[start + HEADER_LEN..].to_vec()
    }

    #[test]
    fn every_codec_s_batch_is_found_and_decompresses_to_the_records() {
        let plain = uncompressed_records();
        for (name, codec, request) in REQUESTS {
            let batches: Vec<_> = compressed_batches(request).collect();
            let Some(codec) = codec else {
                assert!(batches.is_empty(), "{name}: {batches:?}");
                continue;
            };
            assert_eq!(batches.len(), 1, "{name}");
            assert_eq!(batches[0].codec, codec, "{name}");
            assert_eq!(batches[0].range.end, request.len(), "{name}");
            let records = &request[batches[0].range.clone()];
            assert_eq!(
                decompress(codec, records, 1 << 20).as_deref(),
                Some(&plain[..]),
                "{name}"
            );
            // Bounded: never more than the limit.
            let cut = decompress(codec, records, 100).unwrap_or_default();
            assert!(cut.len() <= 100, "{name}");
        }
    }

    #[test]
    fn a_cut_batch_is_found_by_its_header_and_decompresses_in_part() {
        for (name, codec, request) in REQUESTS {
            let Some(codec) = codec else { continue };
            // Sampling cut the batch after its first 160 compressed bytes.
            let full = compressed_batches(request).next().expect("a batch");
            let cut = &request[..full.range.start + 160];
            let batches: Vec<_> = compressed_batches(cut).collect();
            assert_eq!(batches.len(), 1, "{name}");
            assert_eq!(batches[0].range, full.range.start..cut.len(), "{name}");
            // Gzip streams, and an lz4 or snappy block decodes up to the cut; a zstd block is
            // entropy-coded from its end, and gives nothing.
            if codec != Codec::Zstd {
                let part = decompress(codec, &cut[batches[0].range.clone()], 1 << 20);
                assert!(part.is_some_and(|p| !p.is_empty()), "{name}");
            }
        }
    }

    #[test]
    fn a_batch_whose_crc_does_not_match_is_not_one() {
        let (_, _, request) = REQUESTS[1];
        let mut bent = request.to_vec();
        let last = bent.len() - 1;
        bent[last] ^= 1;
        assert_eq!(compressed_batches(&bent).count(), 0);
    }

    #[test]
    fn the_java_client_s_snappy_framing_is_read() {
        let plain = uncompressed_records();
        let (first, second) = plain.split_at(700);
        let mut framed = XERIAL_MAGIC.to_vec();
        framed.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1]);
        for part in [first, second] {
            let block = snap::raw::Encoder::new()
                .compress_vec(part)
                .expect("compresses");
            framed.extend_from_slice(&u32::try_from(block.len()).expect("small").to_be_bytes());
            framed.extend_from_slice(&block);
        }
        assert!(opens(Codec::Snappy, &framed));
        assert_eq!(
            decompress(Codec::Snappy, &framed, 1 << 20).as_deref(),
            Some(&plain[..])
        );
        // Bounded: the first block and the start of the second.
        assert_eq!(
            decompress(Codec::Snappy, &framed, 800).as_deref(),
            Some(&plain[..800])
        );
    }

    #[test]
    fn hostile_bytes_give_nothing_and_never_panic() {
        let (_, _, request) = REQUESTS[4];
        let batch = compressed_batches(request).next().expect("a batch");
        let mut bytes = request.to_vec();
        for i in batch.range.clone().step_by(7) {
            bytes[i] = bytes[i].wrapping_mul(31).wrapping_add(7);
            for codec in [Codec::Deflate, Codec::Snappy, Codec::Lz4, Codec::Zstd] {
                let out = decompress(codec, &bytes[batch.range.clone()], 4096);
                assert!(out.is_none_or(|o| o.len() <= 4096));
            }
        }
        for junk in [&b""[..], &[2; 80], &[0; 200]] {
            assert_eq!(compressed_batches(junk).count(), 0);
        }
    }
}
