//! Base64 fields (`CloudEvents` `data_base64`, Pub/Sub `message.data`, MQTT/Kafka blobs).
//!
//! A decoded byte maps to the whole 4-character group it came from, so a value's span is the
//! 4-character-aligned run of base64 text that covers it, as the corpus labels it.

use base64::{
    Engine as _,
    engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD},
};

use super::Decoded;
use crate::text::SpanMap;

/// Shortest run worth decoding: shorter ones rarely hold a whole personal value.
pub(crate) const MIN_RUN: usize = 16;

/// The 6-bit value of a character of the standard base64 alphabet.
pub(crate) const fn sextet(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

pub(crate) const fn is_base64_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_' | b'=')
}

/// Decodes one base64 (standard or URL-safe, padded or not) run of at most `max_len` bytes.
/// `None` when it is not base64, too long, or does not decode to mostly printable text.
pub(crate) fn decode_text_run(run: &[u8], max_len: usize) -> Option<Decoded> {
    if run.len() < MIN_RUN || run.len() > max_len {
        return None;
    }
    // Hex digests and plain words are base64-alphabet too; real base64 mixes cases and digits.
    let has_upper = run.iter().any(u8::is_ascii_uppercase);
    let has_lower = run.iter().any(u8::is_ascii_lowercase);
    if !(has_upper && has_lower) {
        return None;
    }
    let body_len = run.iter().position(|&b| b == b'=').unwrap_or(run.len());
    if run
        .get(body_len..)
        .is_some_and(|pad| pad.iter().any(|&b| b != b'=') || pad.len() > 2)
    {
        return None;
    }
    let decoded = [STANDARD, URL_SAFE]
        .iter()
        .find_map(|engine| engine.decode(run).ok())
        .or_else(|| {
            let body = run.get(..body_len)?;
            [STANDARD_NO_PAD, URL_SAFE_NO_PAD]
                .iter()
                .find_map(|engine| engine.decode(body).ok())
        })?;
    text_of(decoded, run.len())
}

/// Decodes a value its syntax declares base64 (LDIF's `cn:: ...`), of any length up to
/// `max_len`: standard alphabet, padded or not. `None` when it is not base64 or does not decode
/// to mostly printable text.
pub(crate) fn decode_value(value: &[u8], max_len: usize) -> Option<Decoded> {
    if value.is_empty() || value.len() > max_len {
        return None;
    }
    let decoded = STANDARD.decode(value).ok().or_else(|| {
        let body = value.get(..value.iter().position(|&b| b == b'=').unwrap_or(value.len()))?;
        STANDARD_NO_PAD.decode(body).ok()
    })?;
    text_of(decoded, value.len())
}

/// `decoded` with each byte mapped to the 4-character group of the `encoded_len` bytes it came
/// from, if it is text.
fn text_of(decoded: Vec<u8>, encoded_len: usize) -> Option<Decoded> {
    if !looks_like_text(&decoded) {
        return None;
    }
    let mut map = SpanMap::with_capacity(decoded.len());
    for i in 0..decoded.len() {
        let group = (i / 3) * 4;
        map.push(group..(group + 4).min(encoded_len));
    }
    Some((decoded, map))
}

/// Mostly printable UTF-8 (allowing a few control bytes from binary framing).
pub(crate) fn looks_like_text(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let control = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        .count();
    !text.is_empty() && control * 20 <= text.chars().count()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn decodes_json_and_maps_groups() {
        let run = STANDARD.encode(br#"{"email":"anna@web.de"}"#);
        let (bytes, map) = decode_text_run(run.as_bytes(), 1024).unwrap();
        assert_eq!(bytes, br#"{"email":"anna@web.de"}"#);
        assert_eq!((map.starts[4], map.ends[4]), (4, 8));
    }

    #[test]
    fn rejects_hex_and_binary() {
        assert!(decode_text_run(b"3a32449c9807479c3fd8a6bc4c1b3bc4", 1024).is_none());
        let binary = STANDARD.encode([0_u8, 1, 2, 3, 250, 251, 252, 253, 254, 255, 0, 1]);
        assert!(decode_text_run(binary.as_bytes(), 1024).is_none());
    }

    proptest! {
        #[test]
        fn round_trip(s in "[ -~]{12,120}") {
            let run = STANDARD.encode(s.as_bytes());
            if let Some((bytes, map)) = decode_text_run(run.as_bytes(), 4096) {
                prop_assert_eq!(&bytes, s.as_bytes());
                prop_assert!(map.ends.iter().all(|&e| e <= run.len()));
            }
        }

        #[test]
        fn never_panics(input in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = decode_text_run(&input, 256);
            let _ = decode_value(&input, 256);
        }

        /// A declared base64 value of any length decodes back, padded or not, each byte within
        /// its group.
        #[test]
        fn values_round_trip(s in "[ -~]{1,40}|\\PC{1,12}", padded in any::<bool>()) {
            let value = if padded { STANDARD.encode(&s) } else { STANDARD_NO_PAD.encode(&s) };
            let (bytes, map) = decode_value(value.as_bytes(), 4096).expect("text");
            prop_assert_eq!(&bytes, s.as_bytes());
            for (i, (&start, &end)) in map.starts.iter().zip(&map.ends).enumerate() {
                prop_assert_eq!(start, i / 3 * 4);
                prop_assert!(end <= value.len() && start < end);
            }
        }
    }
}
