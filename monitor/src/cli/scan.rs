//! `monitor scan` (being written).

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {}

/// # Errors
/// Not written yet.
pub fn run(_args: &Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`monitor scan` is not written yet")
}
