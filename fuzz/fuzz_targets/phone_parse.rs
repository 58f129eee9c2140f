//! The engine's numbering-plan parser against the `phonenumber` crate's: for texts of the
//! alphabet the engine's fast path reads (digits, `+`, ` -./()`), the parsed number, its
//! validity and its region must be the crate's.

#![no_main]

use libfuzzer_sys::fuzz_target;

/// The characters phone candidates are made of when they reach the parser.
const ALPHABET: &[u8; 17] = b"0123456789 +-./()";

fuzz_target!(|data: &[u8]| {
    let Some((&region, rest)) = data.split_first() else {
        return;
    };
    // Digits weighted as in real numbers: each byte picks a digit unless its top bits say
    // separator.
    let text: String = rest
        .iter()
        .take(40)
        .map(|&b| {
            let pick = if b < 0xc0 { b % 10 } else { b % 17 };
            char::from(ALPHABET[usize::from(pick)])
        })
        .collect();
    monitor_detect::fuzzing::phone_parse_agrees(region, &text);
});
