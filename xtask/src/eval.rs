//! `cargo xtask eval`: scores `monitor scan --corpus` predictions against the labelled corpus and
//! prints precision, recall and F1 per type and overall (micro-averaged).

use std::{
    fs::File,
    io::BufReader,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context as _, bail};
use monitor_detect::eval;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Labelled corpus (JSONL). Default: ../shared/corpus/pii-dev.jsonl next to the workspace.
    #[arg(long)]
    pub corpus: Option<PathBuf>,
    /// Predictions to score. Default: build and run `monitor scan --corpus` (release) first.
    #[arg(long)]
    pub predictions: Option<PathBuf>,
    /// Fail unless the targets are met: overall precision >= 0.99, recall >= 0.97, every type
    /// F1 >= 0.95.
    #[arg(long)]
    pub check: bool,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The shared labelled corpus beside the workspace.
pub fn default_corpus() -> PathBuf {
    workspace_root().join("../shared/corpus/pii-dev.jsonl")
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let root = workspace_root();
    let corpus = args.corpus.clone().unwrap_or_else(default_corpus);
    if !corpus.is_file() {
        bail!(
            "corpus {} not found: pass --corpus PATH (the labelled JSONL described in shared/corpus/README.md)",
            corpus.display()
        );
    }
    let predictions = match &args.predictions {
        Some(p) => p.clone(),
        None => predict(&root, &corpus)?,
    };
    let records = eval::read_corpus(BufReader::new(
        File::open(&corpus).with_context(|| format!("opening {}", corpus.display()))?,
    ))
    .with_context(|| format!("reading corpus {}", corpus.display()))?;
    let predicted = eval::read_predictions(BufReader::new(
        File::open(&predictions).with_context(|| format!("opening {}", predictions.display()))?,
    ))
    .with_context(|| format!("reading predictions {}", predictions.display()))?;
    let (scores, _) = eval::score(&records, &predicted);
    println!(
        "corpus: {} ({} records)\npredictions: {}\n",
        corpus.display(),
        records.len(),
        predictions.display()
    );
    print!("{}", eval::format_table(&scores));
    if args.check {
        let missed = eval::missed_targets(&scores);
        if !missed.is_empty() {
            bail!("accuracy targets missed: {}", missed.join("; "));
        }
        println!("\naccuracy targets met");
    }
    Ok(())
}

/// Builds the `monitor` binary (release) and writes its predictions for `corpus`.
fn predict(root: &Path, corpus: &Path) -> anyhow::Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(&cargo)
        .args(["build", "--release", "-p", "monitor", "--bin", "monitor"])
        .current_dir(root)
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("building `monitor` failed ({status})");
    }
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let binary = target.join("release/monitor");
    let output = target.join("eval-predictions.jsonl");
    let status = Command::new(&binary)
        .arg("scan")
        .arg("--corpus")
        .arg(corpus)
        .arg("--output")
        .arg(&output)
        .status()
        .with_context(|| format!("running {}", binary.display()))?;
    if !status.success() {
        bail!("`monitor scan --corpus` failed ({status})");
    }
    Ok(output)
}
