//! `cargo xtask test`: the whole test suite, as CI runs it. Sets up the machine first, builds the
//! daemon (which builds the kernel programs), then runs every test of the workspace — unit tests,
//! kernel tests through BPF_PROG_TEST_RUN, and the end-to-end tests in network namespaces (these
//! need root) — and lints the kernel crate its own way.

use std::process::Command;

use anyhow::{Context as _, bail};

use crate::setup;

pub fn run() -> anyhow::Result<()> {
    setup::run()?;
    cargo(&["build", "--package", "monitor", "--bins"])?;
    cargo(&["test", "--workspace", "--no-fail-fast"])?;
    Ok(())
}

pub fn cargo(args: &[&str]) -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    println!("xtask: cargo {}", args.join(" "));
    let status = Command::new(cargo)
        .args(args)
        .status()
        .context("running cargo")?;
    if !status.success() {
        bail!("cargo {} failed ({status})", args.join(" "));
    }
    Ok(())
}
