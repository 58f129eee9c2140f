//! `cargo xtask fuzz [--seconds N] [--target T]`: every cargo-fuzz target in `fuzz/`, each for a
//! bounded time with a bounded RSS; fails on any crash.
//!
//! Installs cargo-fuzz from crates.io if missing (libFuzzer needs the nightly toolchain, which
//! must already be installed: it cannot be fetched here). Before the run, each target's corpus
//! (`fuzz/corpus/<target>/`, not committed) is seeded with synthetic traffic from
//! `monitor_detect::bench_corpus`, and the committed crashers of `fuzz/regressions/<target>/` are
//! replayed as part of the corpus.

use std::{
    fmt::Write as _,
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, bail, ensure};
use monitor_detect::bench_corpus::{Corpus, Mix, Spec};

/// Seeds per mix: enough to show every record kind, few enough to keep start-up quick.
const SEEDS_PER_MIX: usize = 48;
/// Bytes of hex printed per crashing input (the file itself stays in `fuzz/artifacts/`).
const HEX_PREVIEW: usize = 512;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Fuzzing time per target, in seconds (`-max_total_time`).
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    /// Run only this target (default: every target `cargo fuzz list` reports).
    #[arg(long)]
    target: Option<String>,
    /// Memory limit per target in MB (`-rss_limit_mb`); exceeding it fails the run.
    #[arg(long, default_value_t = 2048)]
    rss_limit_mb: u64,
    /// Sanitizer (`cargo fuzz -s`): `none` runs several times more inputs in the same time on
    /// safe Rust (debug assertions stay on); `address` for code with `unsafe`.
    #[arg(long, default_value = "none")]
    sanitizer: String,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("xtask has no parent directory")?
        .to_path_buf();
    let fuzz_dir = root.join("fuzz");
    ensure_cargo_fuzz()?;
    ensure_nightly()?;

    let all = list_targets(&root)?;
    let targets: Vec<String> = match &args.target {
        Some(t) if all.contains(t) => vec![t.clone()],
        Some(t) => bail!("no fuzz target `{t}`; targets: {}", all.join(", ")),
        None => all,
    };

    // Build every selected target first, so build time never eats into fuzzing time.
    for target in &targets {
        let status = fuzz_command(&root)
            .args(["build", "--fuzz-dir", "fuzz", "-s", &args.sanitizer, target])
            .status()
            .context("running cargo fuzz build")?;
        ensure!(
            status.success(),
            "cargo fuzz build {target} failed: {status}"
        );
    }

    let mut failed = Vec::new();
    for target in &targets {
        let corpus = fuzz_dir.join("corpus").join(target);
        seed(&corpus)?;
        let regressions = fuzz_dir.join("regressions").join(target);
        let artifacts = fuzz_dir.join("artifacts").join(target);
        let before = list_files(&artifacts);
        println!(
            "== fuzz {target}: {} s, rss limit {} MB ==",
            args.seconds, args.rss_limit_mb
        );
        let mut cmd = fuzz_command(&root);
        cmd.args(["run", "--fuzz-dir", "fuzz", "-s", &args.sanitizer, target])
            .arg(&corpus);
        if regressions.is_dir() {
            cmd.arg(&regressions);
        }
        let status = cmd
            .arg("--")
            .arg(format!("-max_total_time={}", args.seconds))
            .arg(format!("-rss_limit_mb={}", args.rss_limit_mb))
            // A single input taking over 10 s is a hang worth reporting, not a slow path.
            .arg("-timeout=10")
            .arg("-print_final_stats=1")
            .status()
            .context("running cargo fuzz run")?;
        if !status.success() {
            let new: Vec<PathBuf> = list_files(&artifacts)
                .into_iter()
                .filter(|p| !before.contains(p))
                .collect();
            report_crash(target, &new);
            failed.push(target.clone());
        }
    }
    ensure!(
        failed.is_empty(),
        "fuzz targets failed: {}",
        failed.join(", ")
    );
    println!(
        "fuzz: {} target(s) ran {} s each without a crash",
        targets.len(),
        args.seconds
    );
    Ok(())
}

/// `rustup run nightly cargo fuzz ...`, run from the repository root, with the stable toolchain's
/// variables (set by `cargo run`) removed so that they cannot override nightly.
fn fuzz_command(root: &Path) -> Command {
    let mut cmd = Command::new("rustup");
    cmd.args(["run", "nightly", "cargo", "fuzz"])
        .current_dir(root)
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("RUSTC")
        .env_remove("RUSTDOC")
        .env_remove("CARGO")
        // The fuzz crate is its own workspace with its own target dir (fuzz/target).
        .env_remove("CARGO_TARGET_DIR");
    cmd
}

fn ensure_cargo_fuzz() -> anyhow::Result<()> {
    let installed = Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if installed {
        return Ok(());
    }
    println!("installing cargo-fuzz from crates.io...");
    let status = Command::new("cargo")
        .args(["install", "--locked", "cargo-fuzz"])
        .status()
        .context("running cargo install")?;
    ensure!(
        status.success(),
        "cargo install cargo-fuzz failed: {status}"
    );
    Ok(())
}

fn ensure_nightly() -> anyhow::Result<()> {
    let ok = Command::new("rustup")
        .args(["run", "nightly", "rustc", "--version"])
        .env_remove("RUSTUP_TOOLCHAIN")
        .output()
        .is_ok_and(|o| o.status.success());
    ensure!(
        ok,
        "cargo fuzz needs the nightly toolchain (`rustup toolchain install nightly`)"
    );
    Ok(())
}

fn list_targets(root: &Path) -> anyhow::Result<Vec<String>> {
    let out = fuzz_command(root)
        .args(["list", "--fuzz-dir", "fuzz"])
        .output()
        .context("running cargo fuzz list")?;
    ensure!(
        out.status.success(),
        "cargo fuzz list failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let targets: Vec<String> = String::from_utf8(out.stdout)?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    ensure!(!targets.is_empty(), "cargo fuzz list reported no target");
    Ok(targets)
}

/// Writes synthetic records as seed files (idempotent: same names, same bytes). For
/// `engine_scan` a record is the input as is; for structured targets libFuzzer treats the bytes
/// as raw material, which still starts them from realistic content.
fn seed(corpus: &Path) -> anyhow::Result<()> {
    fs::create_dir_all(corpus).with_context(|| format!("creating {}", corpus.display()))?;
    for mix in [Mix::Mixed, Mix::Clean] {
        let spec = Spec {
            target_bytes: 64 << 10,
            ..Spec::new(mix)
        };
        for (i, record) in Corpus::generate(&spec)
            .records
            .iter()
            .take(SEEDS_PER_MIX)
            .enumerate()
        {
            let path = corpus.join(format!("seed-{}-{i:03}", mix.as_str()));
            fs::write(&path, &record.bytes)
                .with_context(|| format!("writing {}", path.display()))?;
        }
    }
    Ok(())
}

fn list_files(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default()
}

/// Prints where each new crashing input is and a hex preview of it (inputs are fuzzer-made
/// bytes, not personal data; check before committing one under `fuzz/regressions/`).
fn report_crash(target: &str, artifacts: &[PathBuf]) {
    eprintln!("fuzz {target}: FAILED");
    for path in artifacts {
        let bytes = fs::read(path).unwrap_or_default();
        let hex = bytes
            .iter()
            .take(HEX_PREVIEW)
            .fold(String::new(), |mut s, b| {
                let _ = write!(s, "{b:02x}");
                s
            });
        let more = if bytes.len() > HEX_PREVIEW { "..." } else { "" };
        eprintln!("  {} ({} bytes): {hex}{more}", path.display(), bytes.len());
        eprintln!(
            "  reproduce: cargo +nightly fuzz run --fuzz-dir fuzz {target} {}",
            path.display()
        );
    }
}
