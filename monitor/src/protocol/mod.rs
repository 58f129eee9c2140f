//! Protocol decoding: which application protocol one flow direction speaks, what its clear-text
//! start reveals (TLS hellos, HTTP heads), and which of its bytes may be scanned.
//!
//! TLS and HTTP/1.x are modules with a `signature` (does a stream start like this protocol?) and
//! a reader for the start of a stream; [`StreamDecoder`] dispatches between them. The protocols
//! whose payloads the detection engine reads field by field (PostgreSQL, MySQL, Redis,
//! memcached, MQTT, NATS, AMQP, LDAP, HTTP/2, SMTP, DICOM, Kafka, MongoDB) have a signature
//! only, in `signatures`, that names the flow; their bytes are clear text until a TLS handshake
//! starts on them (STARTTLS).
//! A new protocol is one signature, one entry in `SIGNATURES` and one [`Protocol`] variant, and
//! a reader with its own decoder stage when the daemon needs more than its name.

mod decoder;
mod error;
pub mod http;
mod reader;
mod sensitive;
mod signatures;
pub mod tls;

pub use decoder::{DecodeEvent, Decoded, StreamDecoder};
pub use error::ProtocolError;
pub use sensitive::Sensitive;

use crate::model::Protocol;

/// How many leading bytes classification may need: an LDAP message with four-byte length and
/// message ID needs 13 before its operation.
pub const CLASSIFY_PREFIX_LEN: usize = 16;

/// Whether a stream prefix matches one protocol's signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Signature {
    Match,
    NoMatch,
    /// The prefix is too short to tell, and is a prefix of a match.
    NeedMore,
}

/// Tells whether a stream prefix starts like one protocol.
type SignatureFn = fn(&[u8]) -> Signature;

/// The signatures [`classify`] tries, in order. More specific signatures go first: NATS's
/// `CONNECT {` before HTTP's `CONNECT` method, HTTP/2's preface before anything reading `PRI`.
const SIGNATURES: [(Protocol, SignatureFn); 15] = [
    (Protocol::Tls, tls::signature),
    (Protocol::Http2, signatures::http2),
    (Protocol::Nats, signatures::nats),
    (Protocol::Http, http::signature),
    (Protocol::Postgresql, signatures::postgresql),
    // Before MySQL: a MongoDB message's length ends in a zero byte, which MySQL reads as a
    // packet's sequence number; its opcode, 12 bytes on, tells them apart.
    (Protocol::Mongodb, signatures::mongodb),
    (Protocol::Mysql, signatures::mysql),
    (Protocol::Mqtt, signatures::mqtt),
    (Protocol::Ldap, signatures::ldap),
    (Protocol::Amqp, signatures::amqp),
    (Protocol::Redis, signatures::redis),
    (Protocol::Memcached, signatures::memcached),
    (Protocol::Smtp, signatures::smtp),
    (Protocol::Dicom, signatures::dicom),
    // Last: its request's size and two small numbers are how several binary protocols open.
    (Protocol::Kafka, signatures::kafka),
];

/// The outcome of classifying a stream prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Classification {
    Decided(Protocol),
    /// Every byte so far fits some signature; more are needed to decide.
    NeedMore,
}

/// Classifies a flow direction from its first bytes. Signatures are tried in order; the first
/// match wins. A prefix that can still match one is `NeedMore` while it is shorter than
/// [`CLASSIFY_PREFIX_LEN`]; anything else is [`Protocol::Unknown`].
#[must_use]
pub fn classify(prefix: &[u8]) -> Classification {
    let mut need_more = false;
    for (protocol, signature) in SIGNATURES {
        match signature(prefix) {
            Signature::Match => return Classification::Decided(protocol),
            Signature::NeedMore => need_more = true,
            Signature::NoMatch => {}
        }
    }
    if need_more && prefix.len() < CLASSIFY_PREFIX_LEN {
        Classification::NeedMore
    } else {
        Classification::Decided(Protocol::Unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::{Classification, classify};
    use crate::model::Protocol;

    fn decided(prefix: &[u8]) -> Protocol {
        match classify(prefix) {
            Classification::Decided(p) => p,
            Classification::NeedMore => panic!("undecided"),
        }
    }

    #[test]
    fn tls_records_are_recognised_by_header() {
        assert_eq!(
            decided(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01]),
            Protocol::Tls
        );
        assert_eq!(decided(&[0x16, 0x03, 0x03, 0x00, 0x7a]), Protocol::Tls);
        // Application data of a connection first seen mid-stream.
        assert_eq!(
            decided(&[0x17, 0x03, 0x03, 0x01, 0xb8, 0x95]),
            Protocol::Tls
        );
        // Version 3.5 does not exist; a zero-length record is no signature.
        assert_eq!(decided(&[0x16, 0x03, 0x05, 0x00, 0x10]), Protocol::Unknown);
        assert_eq!(decided(&[0x16, 0x03, 0x01, 0x00, 0x00]), Protocol::Unknown);
        // Oversized record.
        assert_eq!(decided(&[0x17, 0x03, 0x03, 0xff, 0xff]), Protocol::Unknown);
        // SSLv2-compatible hello.
        assert_eq!(
            decided(&[0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15]),
            Protocol::Unknown
        );
    }

    #[test]
    fn http_methods_and_responses_are_recognised() {
        for head in [
            &b"GET / HTTP/1.1\r\n"[..],
            b"HEAD /x HTTP/1.1",
            b"POST /api HTTP/1.1",
            b"PUT /a HTTP/1.0",
            b"PATCH /a HTTP/1.1",
            b"DELETE /a HTTP/1.1",
            b"OPTIONS * HTTP/1.1",
            b"CONNECT host:443 HTTP/1.1",
            b"TRACE / HTTP/1.1",
            b"HTTP/1.1 200 OK",
            b"HTTP/1.0 404 Not Found",
        ] {
            assert_eq!(
                decided(head),
                Protocol::Http,
                "{}",
                String::from_utf8_lossy(head)
            );
        }
        assert_eq!(decided(b"GETX / HTTP/1.1"), Protocol::Unknown);
        assert_eq!(decided(b"HTTP/2.0 200"), Protocol::Unknown);
    }

    #[test]
    fn protocols_known_by_signature_are_named_from_either_side() {
        for (prefix, protocol) in [
            (&b"\x10\x1f\x00\x04MQTT\x04"[..], Protocol::Mqtt),
            (b"CONNECT {\"verbose\":false}", Protocol::Nats),
            (b"CONNECT host:443 HTTP/1.1", Protocol::Http),
            (b"PRI * HTTP/2.0\r\n\r\nSM", Protocol::Http2),
            (&[0, 0, 0, 8, 4, 210, 22, 47], Protocol::Postgresql),
            (b"\x5b\x00\x00\x00\x0a5.5.5-10.11", Protocol::Mysql),
            (b"*3\r\n$4\r\nHSET\r\n", Protocol::Redis),
            (b"set k 0 0 5\r\n", Protocol::Memcached),
            (b"AMQP\x00\x00\x09\x01", Protocol::Amqp),
            (&[0x30, 0x0c, 0x02, 0x01, 0x01, 0x60, 0x07], Protocol::Ldap),
            (b"EHLO relay\r\n", Protocol::Smtp),
            (
                b"\x01\x00\x00\x00\x25\x89\x00\x01\x00\x00ANY-SCP",
                Protocol::Dicom,
            ),
            (
                b"\x00\x00\x00\x24\x00\x12\x00\x03\x00\x00\x00\x01\x00\x07rdkafka",
                Protocol::Kafka,
            ),
            (
                b"\x00\x00\x00\x20\x00\x00\x00\x01\x00\x00\x06\x00\x00\x00\x00\x00",
                Protocol::Kafka,
            ),
            (
                b"\x07\x01\x00\x00\x69\x98\x3c\x64\x00\x00\x00\x00\xdd\x07\x00\x00",
                Protocol::Mongodb,
            ),
            // PostgreSQL's startup packet reads as a Kafka request too: it is tried first.
            (
                b"\x00\x00\x00\x54\x00\x03\x00\x00user\x00app\x00",
                Protocol::Postgresql,
            ),
            (b"220 mail.example ESMTP\r\n", Protocol::Unknown),
        ] {
            assert_eq!(decided(prefix), protocol, "{prefix:?}");
        }
    }

    #[test]
    fn short_prefixes_wait_only_while_they_can_still_match() {
        assert_eq!(classify(b""), Classification::NeedMore);
        assert_eq!(classify(b"OPTIO"), Classification::NeedMore);
        assert_eq!(classify(b"GET"), Classification::NeedMore);
        assert_eq!(classify(&[0x16, 0x03]), Classification::NeedMore);
        assert_eq!(classify(b"GEX"), Classification::Decided(Protocol::Unknown));
        // A MySQL packet may still start with a length of 0x0416; its third byte is not 0.
        assert_eq!(classify(&[0x16, 0x04]), Classification::NeedMore);
        assert_eq!(
            classify(&[0x16, 0x04, 0x01]),
            Classification::Decided(Protocol::Unknown)
        );
    }
}
