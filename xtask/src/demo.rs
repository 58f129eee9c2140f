//! `cargo xtask demo`: the main job, with no configuration. Sets up the machine, builds the
//! daemon and the demo driver, then runs the driver: throw-away network namespaces joined by a
//! veth pair, the monitor attached there, example machine-to-machine traffic (personal data in
//! clear text, telemetry, TLS 1.2/1.3), and the flows, findings and alert it produced. Needs root.

use std::{path::PathBuf, process::Command};

use anyhow::{Context as _, bail};

use crate::{setup, test::cargo};

pub fn run() -> anyhow::Result<()> {
    setup::run()?;
    cargo(&[
        "build",
        "--package",
        "monitor",
        "--package",
        "tests",
        "--bins",
    ])?;
    let target = target_dir();
    let monitor = target.join("debug/monitor");
    let demo = target.join("debug/demo");
    let status = Command::new(&demo)
        .env("MONITOR_BIN", &monitor)
        .status()
        .with_context(|| format!("running {}", demo.display()))?;
    if !status.success() {
        bail!("the demo failed ({status})");
    }
    Ok(())
}

/// Cargo's target directory: `CARGO_TARGET_DIR`, or `target/` at the workspace root.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    )
}
