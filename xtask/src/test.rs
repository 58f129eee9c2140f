//! `cargo xtask test`: the whole test suite, as CI runs it. Sets up the machine first, builds the
//! daemon (which builds the kernel programs), then runs every test of the workspace: unit tests,
//! kernel tests through `BPF_PROG_TEST_RUN`, and the end-to-end tests in network namespaces (these
//! need root).

use std::{
    ffi::OsStr,
    io::{BufRead as _, BufReader},
    process::{Command, Stdio},
};

use anyhow::{Context as _, bail};

use crate::setup;

pub fn run() -> anyhow::Result<()> {
    setup::run()?;
    cargo(&["build", "--package", "monitor", "--bins"])?;
    // The end-to-end tests drive exactly the binary just built.
    let monitor = crate::demo::target_dir().join("debug/monitor");
    accuracy(&monitor)?;
    let args = [
        "test",
        "--workspace",
        "--exclude",
        "monitor-ebpf",
        "--no-fail-fast",
    ];
    println!("xtask: cargo {}", args.join(" "));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut child = Command::new(cargo)
        .args(args)
        .env("MONITOR_BIN", &monitor)
        .stdout(Stdio::piped())
        .spawn()
        .context("running cargo test")?;
    // Forward the output as it comes, and add up the test binaries' results: the last binaries
    // cargo runs (doc tests) hold no test, so their closing line alone would say nothing.
    let mut total = TestTotals::default();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line.context("reading cargo test output")?;
            println!("{line}");
            total.add(&line);
        }
    }
    let status = child.wait().context("waiting for cargo test")?;
    println!(
        "xtask test: {} passed, {} failed, {} skipped",
        total.passed, total.failed, total.ignored
    );
    if !status.success() {
        bail!("cargo test failed ({status})");
    }
    Ok(())
}

/// When the labelled corpus is beside the project (as in CI), `monitor scan --corpus` must keep
/// meeting the accuracy targets: a regression guard, not a tuning loop.
fn accuracy(monitor: &std::path::Path) -> anyhow::Result<()> {
    let corpus = crate::eval::default_corpus();
    if !corpus.is_file() {
        println!(
            "xtask: no labelled corpus at {}; accuracy check skipped",
            corpus.display()
        );
        return Ok(());
    }
    let predictions = crate::demo::target_dir().join("eval-predictions.jsonl");
    let status = Command::new(monitor)
        .arg("scan")
        .arg("--corpus")
        .arg(&corpus)
        .arg("--output")
        .arg(&predictions)
        .status()
        .context("running monitor scan --corpus")?;
    if !status.success() {
        bail!("monitor scan --corpus failed ({status})");
    }
    crate::eval::run(&crate::eval::Args {
        corpus: Some(corpus),
        predictions: Some(predictions),
        check: true,
    })
}

/// Sums of libtest's `test result:` lines.
#[derive(Debug, Default, PartialEq, Eq)]
struct TestTotals {
    passed: u64,
    failed: u64,
    ignored: u64,
}

impl TestTotals {
    fn add(&mut self, line: &str) {
        let Some(rest) = line.strip_prefix("test result: ") else {
            return;
        };
        for part in rest.split(';') {
            let mut words = part.split_whitespace().rev();
            let (Some(name), Some(count)) = (words.next(), words.next()) else {
                continue;
            };
            let Ok(count) = count.parse::<u64>() else {
                continue;
            };
            match name {
                "passed" => self.passed += count,
                "failed" => self.failed += count,
                "ignored" => self.ignored += count,
                _ => {}
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_up_libtest_results() {
        let mut t = TestTotals::default();
        t.add("test result: ok. 134 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 5.90s");
        t.add("test result: FAILED. 2 passed; 1 failed; 3 ignored; 0 measured; 0 filtered out");
        t.add("running 3 tests");
        assert_eq!(
            t,
            TestTotals {
                passed: 136,
                failed: 1,
                ignored: 3
            }
        );
    }
}
