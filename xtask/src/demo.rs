//! `cargo xtask demo`: builds the daemon and the demo driver, then runs the demo (being wired).

use crate::{setup, test::cargo};

pub fn run() -> anyhow::Result<()> {
    setup::run()?;
    cargo(&["build", "--package", "monitor", "--bins"])?;
    anyhow::bail!("the demo driver is being written")
}
