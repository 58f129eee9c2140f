//! The TC program's cost per packet (`BPF_PROG_TEST_RUN` on its own loaded instance): runs the
//! `tc_program` bench of the monitor crate, which prints the machine and the figures.

use crate::{setup, test::cargo};

pub fn run() -> anyhow::Result<()> {
    setup::run()?;
    cargo(&["bench", "--package", "monitor", "--bench", "tc_program"])
}
