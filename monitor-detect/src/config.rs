//! Engine configuration: the confidence threshold and the bounds that keep hostile input cheap.

/// Settings of an [`Engine`](crate::Engine). Every bound caps memory or time spent on one payload.
#[derive(Clone, Debug, PartialEq)]
pub struct EngineConfig {
    /// Findings below this confidence (0.0 ..= 1.0) are dropped.
    pub min_confidence: f32,
    /// Most bytes one payload may decode to, over all decoders (URL, JSON, base64, gzip, chunked).
    pub max_decoded_bytes: usize,
    /// Longest base64 run that is decoded and scanned.
    pub max_base64_field: usize,
    /// Most bytes one compressed body (gzip, deflate, snappy; a Kafka record batch's records)
    /// may decompress to.
    pub max_gzip_output: usize,
    /// How many decoding layers may nest (base64 inside JSON inside gzip...).
    pub max_decode_depth: usize,
    /// Bytes a [`StreamScanner`](crate::StreamScanner) keeps from one chunk to find matches that
    /// straddle into the next.
    pub stream_carry_bytes: usize,
    /// Most bytes of one HTTP message a [`StreamScanner`](crate::StreamScanner) keeps while the
    /// chunked or compressed body it decodes is still arriving, so that a body spanning several
    /// chunks is decoded whole; a longer one is decoded as far as its first bytes reach.
    pub stream_message_bytes: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            min_confidence: 0.5,
            max_decoded_bytes: 4 << 20,
            max_base64_field: 256 << 10,
            max_gzip_output: 2 << 20,
            max_decode_depth: 4,
            stream_carry_bytes: 256,
            stream_message_bytes: 64 << 10,
        }
    }
}
