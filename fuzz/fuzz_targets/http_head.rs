//! HTTP/1.x head parsing on arbitrary bytes: `parse_head` at once and a `HeadReader` fed the same
//! bytes in arbitrary pieces must never panic; a complete head must lie inside the input; `Debug`
//! of a request head must not show its path or `Host` value.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use monitor::protocol::{
    classify,
    http::{HeadReader, HttpHead, parse_head},
};

#[derive(Debug, Arbitrary)]
struct Input {
    bytes: Vec<u8>,
    /// Piece lengths for the incremental reader (0 is read as 1).
    cuts: Vec<u16>,
}

fuzz_target!(|input: Input| {
    let _ = classify(&input.bytes);
    if let Ok(Some(head)) = parse_head(&input.bytes) {
        let (head_len, debug) = match &head {
            HttpHead::Request(r) => {
                let debug = format!("{r:?}");
                // Only values long enough not to appear by chance in the field names.
                if r.path.len() >= 12 {
                    assert!(!debug.contains(r.path.expose()), "path in Debug output");
                }
                (r.head_len, debug)
            }
            HttpHead::Response(r) => (r.head_len, format!("{r:?}")),
        };
        assert!(head_len <= input.bytes.len());
        assert!(!debug.is_empty());
    }

    let mut reader = HeadReader::new();
    let mut rest = &input.bytes[..];
    let mut cuts = input
        .cuts
        .iter()
        .copied()
        .chain(std::iter::repeat(u16::MAX));
    while !rest.is_empty() {
        let len = usize::from(cuts.next().unwrap_or(u16::MAX).max(1)).min(rest.len());
        let (piece, later) = rest.split_at(len);
        let _ = reader.feed(piece, false);
        rest = later;
    }
});
