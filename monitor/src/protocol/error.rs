//! The one error type of protocol decoding.
//!
//! Errors name what was wrong and where (offsets into the stream prefix), never the bytes: they
//! are counted and may be logged, and payloads may hold personal data.

/// Why the start of a stream could not be decoded as the protocol it was classified as.
///
/// Incomplete input is not an error: parsers report "need more" instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// A TLS record header with an unknown content type or version.
    #[error("invalid TLS record header at stream offset {offset}")]
    TlsRecordHeader { offset: usize },
    /// A TLS record longer than any TLS version allows.
    #[error("oversized TLS record at stream offset {offset}")]
    TlsRecordTooLong { offset: usize },
    /// The first handshake message is neither a `ClientHello` nor a `ServerHello`.
    #[error("TLS handshake starts with message type {msg_type}, not a hello")]
    TlsUnexpectedHandshake { msg_type: u8 },
    /// A hello message whose fields do not fit its length.
    #[error("malformed TLS hello: field `{field}`")]
    TlsMalformedHello { field: &'static str },
    /// No complete hello within the bounded prefix a parser keeps.
    #[error("TLS hello not complete within the first {limit} bytes")]
    TlsHelloTooLarge { limit: usize },
    /// `httparse` rejected the head; its error names the offending part, not the bytes.
    #[error("malformed HTTP head: {0}")]
    HttpHead(httparse::Error),
    /// A request method outside the ones classification accepts.
    #[error("unknown HTTP request method")]
    HttpUnknownMethod,
    /// A `Content-Length` that is not a decimal number, or two that disagree.
    #[error("invalid HTTP Content-Length")]
    HttpContentLength,
    /// No complete head within the bounded prefix a parser keeps.
    #[error("HTTP head not complete within the first {limit} bytes")]
    HttpHeadTooLarge { limit: usize },
}

impl ProtocolError {
    /// A stable, low-cardinality name for metrics and stats.
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::TlsRecordHeader { .. } => "tls_record_header",
            Self::TlsRecordTooLong { .. } => "tls_record_too_long",
            Self::TlsUnexpectedHandshake { .. } => "tls_unexpected_handshake",
            Self::TlsMalformedHello { .. } => "tls_malformed_hello",
            Self::TlsHelloTooLarge { .. } => "tls_hello_too_large",
            Self::HttpHead(_) => "http_head",
            Self::HttpUnknownMethod => "http_unknown_method",
            Self::HttpContentLength => "http_content_length",
            Self::HttpHeadTooLarge { .. } => "http_head_too_large",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ProtocolError;

    #[test]
    fn messages_carry_kinds_and_offsets_only() {
        let e = ProtocolError::TlsRecordHeader { offset: 517 };
        assert_eq!(
            e.to_string(),
            "invalid TLS record header at stream offset 517"
        );
        assert_eq!(e.kind(), "tls_record_header");
        let h = ProtocolError::HttpHead(httparse::Error::HeaderValue);
        assert_eq!(h.to_string(), "malformed HTTP head: invalid header value");
    }
}
