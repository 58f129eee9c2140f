//! Personal-data detection engine.
//!
//! Bytes (and optionally the field context they came from) in, [`Finding`]s out. This crate is the
//! only place where detection lives: the daemon, the CLI (`monitor scan`) and the benchmarks all
//! call it. It never needs the kernel and never stores a raw value: a [`Finding`] carries a byte
//! span into the caller's input and a redacted `evidence` string.
//!
//! How a payload is scanned ([`Engine::scan`]):
//!
//! 0. **Quiet check** (`quiet`): one walk over 64-byte blocks proves, for most telemetry, that
//!    the steps below would report nothing (no strong pattern candidate, no field-name
//!    vocabulary at a word boundary, nothing to decode); such a payload returns at once. Tests
//!    and a fuzz target hold it to the full scan's output.
//! 1. **Framing** (`http`, `decode::framing`, `decode::inflate`): each HTTP message (a payload
//!    may hold several: kept-alive or pipelined requests) is split into head and body, the body
//!    framed by its own head; a chunked body is de-chunked and a gzip, deflate or snappy body
//!    decompressed (bounded); AMQP body frames are joined. Every decoded byte keeps the wire span it came
//!    from (`text`), so findings always point at the caller's bytes.
//! 2. **Patterns** (`patterns`): values that prove themselves by shape and check digits are
//!    found anywhere (e-mail, IBAN, card, IMEI, IPs, MAC, JWT, international phone numbers,
//!    formatted national IDs, coordinates), working only at token starts.
//! 3. **Fields** (`fields`): `name -> value` pairs are extracted from JSON, forms and query
//!    strings, header/YAML lines, CSV (with a header row, or by inferring column kinds), SQL,
//!    Redis (RESP, inline, MONITOR), XML, multipart, msgpack, CBOR, vCard, LDAP (BER) and LDIF; HL7
//!    v2 segments give their fields by position (`PID-5`, the patient name). Field names are
//!    classified in several languages (`keywords`).
//! 4. **Context** (`engine`): each pattern candidate is judged by the field it sits in or the
//!    words before it (a version quad under `fw` is not an address, a Luhn-valid number under
//!    `order_id` is not a card); the field name decides the types that have no checksum (names,
//!    birth dates, street addresses, national-format phones, lat/lon pairs).
//! 5. **Nested encodings**: escaped values (URL, JSON, SQL/CSV quotes, XML entities, RFC 2047,
//!    STOMP) and base64 runs are decoded and scanned again with the field's context, within
//!    `EngineConfig` bounds.
//! 6. **Resolution**: overlapping findings are resolved by confidence, then
//!    `EngineConfig::min_confidence` applies.
//!
//! [`StreamScanner`] does the same over a byte stream fed chunk by chunk, and [`eval`] reads the
//! labelled corpus, writes predictions and scores them.

#[cfg(feature = "bench-corpus")]
pub mod bench_corpus;
mod config;
mod context;
mod decode;
mod detect;
mod engine;
mod error;
pub mod eval;
mod fields;
mod fnv;
mod http;
mod keywords;
mod memo;
mod patterns;
mod quiet;
mod redact;
mod stream;
mod text;
mod types;

pub use config::EngineConfig;
pub use context::FieldContext;
pub use engine::Engine;
pub use error::EngineError;
pub use redact::redact;
pub use stream::StreamScanner;
pub use types::{DataType, Finding, GdprCategory, ParseDataTypeError};

/// Hooks for the fuzz targets of `fuzz/`, which reach parsers behind the engine's interface
/// (`cargo fuzz` builds with `--cfg fuzzing`).
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing {
    use phonenumber::{country::Id, metadata::DATABASE};

    /// Parses `text` with the engine's numbering-plan parser and with the `phonenumber` crate's,
    /// in the metadata's region number `region` (no region past the last), and panics where
    /// the parsed number, its validity or its region differ.
    pub fn phone_parse_agrees(region: u8, text: &str) {
        let region: Option<Id> = DATABASE
            .iter()
            .filter_map(|metadata| metadata.id().parse().ok())
            .nth(usize::from(region));
        if let Some(difference) = crate::detect::numbering_plan::differs_from_crate(region, text) {
            panic!("numbering-plan parser differs from the crate: {difference}");
        }
    }

    /// Finds Kafka record batches and MongoDB compressed messages in `data` and decompresses
    /// each, then `data` itself with every codec, each within `limit` bytes; panics where an
    /// output is longer.
    pub fn decompression_is_bounded(data: &[u8], limit: usize) {
        use crate::decode::{
            inflate::{Codec, decompress},
            kafka, mongodb,
        };
        let regions = kafka::compressed_batches(data)
            .chain(mongodb::compressed_messages(data))
            .map(|region| (region.codec, data.get(region.range).unwrap_or_default()));
        let codecs = [Codec::Deflate, Codec::Snappy, Codec::Lz4, Codec::Zstd];
        for (codec, bytes) in regions.chain(codecs.into_iter().map(|codec| (codec, data))) {
            if let Some(out) = decompress(codec, bytes, limit) {
                assert!(
                    out.len() <= limit,
                    "{codec:?}: {} bytes of {limit}",
                    out.len()
                );
            }
        }
    }

    /// [`crate::decode::partial::snappy_block`], for a differential target.
    #[must_use]
    pub fn snappy_block(block: &[u8], limit: usize) -> Option<Vec<u8>> {
        crate::decode::partial::snappy_block(block, limit)
    }

    /// [`crate::decode::partial::lz4_frame`], for a differential target.
    #[must_use]
    pub fn lz4_frame(frame: &[u8], limit: usize) -> Option<Vec<u8>> {
        crate::decode::partial::lz4_frame(frame, limit)
    }
}
