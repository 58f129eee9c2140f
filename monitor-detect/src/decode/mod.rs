//! Decoders that turn wire encodings into the bytes a detector can match, each recording for
//! every output byte the input range it came from (see [`SpanMap`]). All are bounded: they never
//! produce more than the limit they are given, and never panic on any input.

pub(crate) mod base64;
pub(crate) mod escapes;
pub(crate) mod framing;
pub(crate) mod http2;
pub(crate) mod inflate;
pub(crate) mod kafka;
pub(crate) mod mime;
pub(crate) mod mongodb;
pub(crate) mod partial;

use crate::text::SpanMap;

/// Output of a decoder: the decoded bytes and, per byte, its source range in the input.
pub(crate) type Decoded = (Vec<u8>, SpanMap);

/// Value of one hexadecimal digit.
pub(crate) const fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}
