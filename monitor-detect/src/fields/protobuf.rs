//! Protocol Buffers key/value pairs: a message whose field 1 is a string key and whose field 2
//! is its value, the shape in which protobuf carries names with values.
//!
//! - OpenTelemetry's `KeyValue` (OTLP over gRPC or HTTP: span, log and resource attributes):
//!   `key = 1`, `value = 2` an `AnyValue` whose `string_value = 1` holds the text
//!   (`0a 0e "user.full_name" 12 0b 0a 09 "Anna Berg"`);
//! - a `map<string, string>` entry (labels, tags, metadata: Zipkin's tags, Kubernetes' labels)
//!   and Prometheus remote write's `Label`: the value is the string itself
//!   (`0a 05 "email" 12 0f "anna@example.com"`).
//!
//! The rest of a protobuf message names nothing (fields are numbers), so only these pairs give
//! values a name. Keys are identifiers (`user.email`, `enduser.id`); values must be UTF-8 text.

use std::ops::Range;

use super::{Field, MAX_FIELDS, Syntax, is_binary_key};

/// Longest key read: a one-byte length (keys are names, far shorter).
const MAX_KEY_LEN: usize = 127;

/// A base-128 varint of at most two bytes at `b[at]` (lengths of up to 16 KiB): its value and
/// its length in bytes.
fn short_varint(b: &[u8], at: usize) -> Option<(usize, usize)> {
    let first = *b.get(at)?;
    if first < 0x80 {
        return Some((usize::from(first), 1));
    }
    let second = *b.get(at + 1)?;
    (second < 0x80).then(|| (usize::from(first & 0x7f) | usize::from(second) << 7, 2))
}

/// The key of a pair whose value tag (`0x12`) is at `b[tag]`: `0x0a`, the key's length in one
/// byte, then the key, right before the tag.
fn key_before(b: &[u8], tag: usize) -> Option<Range<usize>> {
    // Walk back over the bytes a key is made of; the length byte may be one of them (a key of
    // 48 bytes has `0`), so each start within the run is tried.
    let mut start = tag;
    while start > 0
        && tag - start < MAX_KEY_LEN
        && b.get(start - 1)
            .is_some_and(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
    {
        start -= 1;
    }
    (start.max(2)..tag).find_map(|s| {
        let len = tag - s;
        let opened =
            b.get(s - 2) == Some(&0x0a) && b.get(s - 1).map(|&l| usize::from(l)) == Some(len);
        (opened && b.get(s..tag).is_some_and(is_binary_key)).then_some(s..tag)
    })
}

/// The text value of a pair at `b[tag]` (the value's tag, `0x12`): an `AnyValue` holding a
/// string, or a string. Other `AnyValue`s (numbers, lists) and bytes that are not text give
/// none.
fn value_at(b: &[u8], tag: usize) -> Option<Range<usize>> {
    let (len, len_bytes) = short_varint(b, tag + 1)?;
    let start = tag + 1 + len_bytes;
    let value = start..start + len;
    let bytes = b.get(value.clone())?;
    if bytes.first() == Some(&0x0a)
        && let Some((inner, inner_bytes)) = short_varint(b, start + 1)
        && 1 + inner_bytes + inner == len
    {
        let text = start + 1 + inner_bytes..value.end;
        return is_text(b.get(text.clone())?).then_some(text);
    }
    is_text(bytes).then_some(value)
}

/// UTF-8 text with no control bytes but tab: what a name, an address or a number is written as.
fn is_text(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && std::str::from_utf8(bytes).is_ok()
        && bytes.iter().all(|&c| c >= 0x20 || c == b'\t')
}

/// Every key/value pair of `b`: (key, value).
pub(crate) fn pairs(b: &[u8]) -> impl Iterator<Item = (Range<usize>, Range<usize>)> + '_ {
    memchr::memchr_iter(0x12, b).filter_map(|tag| Some((key_before(b, tag)?, value_at(b, tag)?)))
}

/// The framing of each pair of `b`: its key's tag and length, its value's tag and lengths, and
/// the byte after its value, the next field's tag.
pub(crate) fn framing(b: &[u8]) -> impl Iterator<Item = Range<usize>> + '_ {
    pairs(b).flat_map(|(key, value)| {
        [
            key.start.saturating_sub(2)..key.start,
            key.end..value.start,
            value.end..(value.end + 1).min(b.len()),
        ]
    })
}

/// The pairs of `b` as fields: the value under its key.
pub(crate) fn protobuf_fields(b: &[u8], out: &mut Vec<Field>) {
    for (key, value) in pairs(b) {
        if out.len() >= MAX_FIELDS {
            return;
        }
        out.push(Field {
            key,
            kind_hint: None,
            parent: None,
            value,
            syntax: Syntax::Raw,
            label: None,
        });
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// `0a <len> key 12 <len> (0a <len> value)`: an OTLP `KeyValue` with a string `AnyValue`.
    pub(crate) fn key_value(key: &str, value: &str) -> Vec<u8> {
        let mut any = vec![0x0a];
        varint(&mut any, value.len());
        any.extend_from_slice(value.as_bytes());
        entry(key, &any)
    }

    /// `0a <len> key 12 <len> value`: a map entry.
    pub(crate) fn entry(key: &str, value: &[u8]) -> Vec<u8> {
        let mut out = vec![0x0a];
        varint(&mut out, key.len());
        out.extend_from_slice(key.as_bytes());
        out.push(0x12);
        varint(&mut out, value.len());
        out.extend_from_slice(value);
        out
    }

    fn varint(out: &mut Vec<u8>, mut n: usize) {
        while n >= 0x80 {
            out.push(u8::try_from(n & 0x7f).unwrap() | 0x80);
            n >>= 7;
        }
        out.push(u8::try_from(n).unwrap());
    }

    fn texts(b: &[u8]) -> Vec<(String, String)> {
        pairs(b)
            .map(|(k, v)| {
                (
                    String::from_utf8_lossy(&b[k]).into_owned(),
                    String::from_utf8_lossy(&b[v]).into_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn reads_otlp_attributes_and_map_entries() {
        // A span's attributes (field 9, `J`) after other fields, as the OTLP exporter writes.
        let mut span = b"\x2a\x0fupdate customer".to_vec();
        for (k, v) in [
            ("user.full_name", "Anna Berg"),
            ("enduser.birth_date", "1985-03-12"),
        ] {
            let kv = key_value(k, v);
            span.push(b'J');
            varint(&mut span, kv.len());
            span.extend(kv);
        }
        span.extend(entry("email", b"anna@example.com"));
        assert_eq!(
            texts(&span),
            [
                ("user.full_name".into(), "Anna Berg".into()),
                ("enduser.birth_date".into(), "1985-03-12".into()),
                ("email".into(), "anna@example.com".into()),
            ]
        );
    }

    #[test]
    fn long_keys_and_values_use_two_byte_lengths() {
        let long_value = "Hauptstraße 5, 10115 Berlin ".repeat(6);
        let key = "http.request.header.x-customer-address";
        assert_eq!(
            texts(&key_value(key, &long_value)),
            [(key.into(), long_value)]
        );
        // A key of 48 bytes: its length byte is `0`, glued to it.
        let glued = format!("customer.{}", "a".repeat(39));
        let b = key_value(&glued, "Anna Berg");
        assert_eq!(b[1], b'0');
        assert_eq!(texts(&b), [(glued, "Anna Berg".into())]);
    }

    #[test]
    fn numbers_lists_bytes_and_broken_lengths_give_nothing() {
        // An `AnyValue` with an `int_value` (field 3).
        assert!(texts(&entry("user.id", &[0x18, 0x2a])).is_empty());
        // Binary bytes, a control byte, an empty value.
        assert!(texts(&entry("blob", &[0x00, 0xff, 0x10])).is_empty());
        assert!(texts(&entry("note", b"a\x01b")).is_empty());
        assert!(texts(&entry("note", b"")).is_empty());
        // A value length past the end, a key that is no identifier, a wrong key length.
        assert!(texts(b"\x0a\x05email\x12\x40anna@").is_empty());
        assert!(texts(b"\x0a\x05e mai\x12\x03abc").is_empty());
        assert!(texts(b"\x0a\x04email\x12\x03abc").is_empty());
        // An `AnyValue` whose inner string does not fill it is read as a string, which its
        // tag byte (a line feed) makes no text.
        assert!(texts(b"\x0a\x04name\x12\x05\x0a\x02Annaa").is_empty());
    }

    #[test]
    fn framing_is_every_byte_around_keys_and_values() {
        let mut b = key_value("user.email", "anna@example.com");
        b.push(b'J');
        b.push(0x1d);
        let framing: Vec<_> = framing(&b).collect();
        assert_eq!(framing, [0..2, 12..16, 32..33]);
        assert_eq!(&b[16..32], b"anna@example.com");
        assert_eq!(b[32], b'J');
    }

    #[test]
    fn every_prefix_and_stray_tag_is_safe() {
        let mut b = key_value("user.full_name", "Anna Berg");
        b.extend(entry("user.email", b"anna@example.com"));
        for end in 0..=b.len() {
            let _ = texts(&b[..end]);
        }
        let _ = texts(&[0x12; 64]);
        let _ = texts(&[0x0a, 0x01, b'a', 0x12, 0xff, 0xff, 0xff]);
    }
}
