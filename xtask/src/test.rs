//! `cargo xtask test`: the whole test suite, as CI runs it. Sets up the machine first, builds the
//! daemon (which builds the kernel programs), then runs every test of the workspace: unit tests,
//! kernel tests through BPF_PROG_TEST_RUN, and the end-to-end tests in network namespaces (these
//! need root).

use std::{ffi::OsStr, process::Command};

use anyhow::{Context as _, bail};

use crate::setup;

pub fn run() -> anyhow::Result<()> {
    setup::run()?;
    cargo(&["build", "--package", "monitor", "--bins"])?;
    // The end-to-end tests drive exactly the binary just built.
    let monitor = crate::demo::target_dir().join("debug/monitor");
    cargo_with_env(
        &["test", "--workspace", "--exclude", "monitor-ebpf", "--no-fail-fast"],
        &[("MONITOR_BIN", monitor.as_os_str())],
    )
}

pub fn cargo(args: &[&str]) -> anyhow::Result<()> {
    cargo_with_env(args, &[])
}

pub fn cargo_with_env(args: &[&str], env: &[(&str, &OsStr)]) -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    println!("xtask: cargo {}", args.join(" "));
    let status = Command::new(cargo)
        .args(args)
        .envs(env.iter().copied())
        .status()
        .context("running cargo")?;
    if !status.success() {
        bail!("cargo {} failed ({status})", args.join(" "));
    }
    Ok(())
}
