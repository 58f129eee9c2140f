//! TLS hello parsing on arbitrary bytes. `parse_stream_prefix` on the whole input and a
//! `HelloReader` fed the same bytes in arbitrary pieces must never panic, and, without gaps and
//! within the reader's bound, must agree: parsing a stream incrementally gives the same hello (or
//! the same error) as parsing it at once.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use monitor::protocol::{
    classify,
    tls::{
        HelloReader, MAX_HELLO_PREFIX, PrefixStatus, parse_client_hello, parse_server_hello,
        parse_stream_prefix,
    },
};

#[derive(Debug, Arbitrary)]
struct Input {
    bytes: Vec<u8>,
    /// Piece lengths for the incremental reader (0 is read as 1).
    cuts: Vec<u16>,
    /// Feed one piece as coming after a gap (index into the pieces), if any.
    gap_at: Option<u8>,
}

fuzz_target!(|input: Input| {
    let _ = classify(&input.bytes);
    let _ = parse_client_hello(&input.bytes);
    let _ = parse_server_hello(&input.bytes);
    let whole = parse_stream_prefix(&input.bytes);

    let mut reader = HelloReader::new();
    let mut rest = &input.bytes[..];
    let mut found = None;
    let mut error = None;
    let mut cuts = input
        .cuts
        .iter()
        .copied()
        .chain(std::iter::repeat(u16::MAX));
    let mut index = 0u8;
    while !rest.is_empty() {
        let len = usize::from(cuts.next().unwrap_or(u16::MAX).max(1)).min(rest.len());
        let (piece, later) = rest.split_at(len);
        match reader.feed(piece, input.gap_at == Some(index)) {
            Ok(Some(hello)) => {
                assert!(found.is_none(), "a reader reports one hello at most");
                found = Some(hello);
            }
            Ok(None) => {}
            Err(e) => {
                assert!(error.is_none(), "a reader reports one error at most");
                error = Some(e);
            }
        }
        rest = later;
        index = index.wrapping_add(1);
    }

    let gapless = input
        .gap_at
        .is_none_or(|g| usize::from(g) >= input.bytes.len());
    if gapless && input.bytes.len() < MAX_HELLO_PREFIX {
        match whole {
            Ok(PrefixStatus::Hello(hello)) => assert_eq!(found, Some(hello)),
            Ok(PrefixStatus::NeedMore | PrefixStatus::NoHello) => {
                assert_eq!((found, error), (None, None));
            }
            Err(e) => assert_eq!((found, error), (None, Some(e))),
        }
    }
});
