//! The quiet check against the full scan: `Engine::scan` (which skips payloads the quiet check
//! proves hold nothing to report) must return exactly what `Engine::scan_full` returns.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use monitor_detect::{Engine, EngineConfig};

/// Built once: the engine is immutable, and building it per input would dominate the run.
static ENGINE: LazyLock<Engine> =
    LazyLock::new(|| Engine::new(EngineConfig::default()).expect("default engine config is valid"));

fuzz_target!(|data: &[u8]| {
    let gated = ENGINE.scan(data);
    let full = ENGINE.scan_full(data);
    assert_eq!(
        gated,
        full,
        "the quiet check changed the findings ({} gated, {} full)",
        gated.len(),
        full.len()
    );
});
