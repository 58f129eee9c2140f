//! `Engine::scan` on arbitrary bytes: it must never panic, and every finding must respect the
//! `Finding` contract (a non-empty span inside the input, a confidence in 0..=1, redacted
//! evidence).

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use monitor_detect::{Engine, EngineConfig, Finding, redact};

/// Built once: the engine is immutable, and building it per input would dominate the run.
static ENGINE: LazyLock<Engine> =
    LazyLock::new(|| Engine::new(EngineConfig::default()).expect("default engine config is valid"));

/// Spans at least this long must not appear verbatim in `evidence` (shorter ones can collide
/// with the redacted rendering by chance, e.g. a country code kept in clear).
const MIN_SECRET_LEN: usize = 8;

fuzz_target!(|data: &[u8]| {
    for finding in ENGINE.scan(data) {
        check(&finding, data);
    }
});

fn check(f: &Finding, data: &[u8]) {
    assert!(
        f.start < f.end,
        "empty or reversed span {}..{} ({})",
        f.start,
        f.end,
        f.data_type
    );
    assert!(
        f.end <= data.len(),
        "span {}..{} past input of {} bytes",
        f.start,
        f.end,
        data.len()
    );
    assert!(
        (0.0..=1.0).contains(&f.confidence),
        "confidence {} ({})",
        f.confidence,
        f.data_type
    );
    let raw = &data[f.start..f.end];
    // A value that is itself masked (`*`) may legitimately coincide with its redaction: the
    // fuzzer learns the evidence format (e.g. `*** (14 chars)`) and feeds it back as a value.
    if raw.len() >= MIN_SECRET_LEN && !raw.contains(&b'*') && contains(f.evidence.as_bytes(), raw) {
        // So may a value spelled like the redaction's own words (`(10 chars)` as a street):
        // a leak only if the redaction of other characters, as many, would not show it too.
        let others = "x".repeat(String::from_utf8_lossy(raw).chars().count());
        assert!(
            contains(redact(f.data_type, others.as_bytes()).as_bytes(), raw),
            "evidence repeats the raw {} value ({} bytes)",
            f.data_type,
            raw.len()
        );
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
