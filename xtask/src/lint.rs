//! `cargo xtask lint`: formatting and clippy, for the host crates and for the kernel crate its own
//! way (nightly, bpf target, `core` built from source).

use std::process::Command;

use anyhow::{Context as _, bail};

use crate::test::cargo;

pub fn run() -> anyhow::Result<()> {
    cargo(&["fmt", "--all", "--", "--check"])?;
    cargo(&[
        "clippy",
        "--workspace",
        "--exclude",
        "monitor-ebpf",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../monitor-ebpf/Cargo.toml");
    // `$CARGO` is the stable cargo binary itself; the nightly one is reached through rustup.
    let status = Command::new("rustup")
        .args(["run", "nightly", "cargo"])
        .args([
            "clippy",
            "--manifest-path",
            manifest,
            "--release",
            "--target",
            "bpfel-unknown-none",
            "-Z",
            "build-std=core",
            "--",
            "-D",
            "warnings",
        ])
        .status()
        .context("running rustup")?;
    if !status.success() {
        bail!("clippy on monitor-ebpf failed ({status})");
    }
    Ok(())
}
