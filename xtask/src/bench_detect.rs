//! `cargo xtask bench --detect-only`: the detection engine against Microsoft Presidio, side by
//! side, on the same bytes, in one run.
//!
//! 1. Generates the `bench_corpus` mixes (mixed: ~15 % of records with personal data; clean) and
//!    writes them framed to `<target>/bench-detect/corpus-<mix>.bin`.
//! 2. Reads the files back and times `Engine::scan` record by record on one thread (release
//!    build: a debug xtask re-runs itself with `cargo run --release`).
//! 3. Installs Presidio and spaCy with pip if missing, and runs `xtask/presidio_bench.py` (its
//!    pattern recognizers, a blank spaCy pipeline, pinned to one CPU) on the same files, bounded
//!    by a time budget per mix: it analyses a prefix of the records.
//! 4. Times the engine again on exactly that prefix, and prints bytes, seconds and MB/s
//!    (10^6 bytes per second) for both, and their ratio.
//! 5. Times the engine once on each of [`UNSEEN_CORPORA`] corpora of the same mix with other
//!    seeds: values it has never seen, as on a live network. The repeated passes of step 2 scan
//!    the same records again, so their phone numbers and field names are answered from the
//!    engine's memos after the first pass; this figure has no such help.
//!
//! Every figure printed is measured in this run. Findings are printed as counts per type only.

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    fs,
    hint::black_box,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, bail, ensure};
use monitor_detect::{
    Engine, EngineConfig,
    bench_corpus::{self, Corpus, Mix, Spec},
};
use serde::Deserialize;

/// Minimum measured time for one engine figure (after one untimed warm-up pass).
const ENGINE_MIN_TIME: Duration = Duration::from_secs(3);
/// Minimum number of timed passes for one engine figure.
const ENGINE_MIN_PASSES: u32 = 3;
/// Presidio's time budget per mix: two mixes keep its part of the run under a minute.
const PRESIDIO_BUDGET_SECONDS: f64 = 25.0;
/// Corpora with other seeds, each scanned once, for the unseen-values figure.
const UNSEEN_CORPORA: u64 = 6;
/// Set in the release child so that it never re-executes itself again.
const CHILD_ENV: &str = "XTASK_BENCH_DETECT_RELEASE_CHILD";

/// One mix's figures: all records, the subset Presidio finished, Presidio, unseen values.
type Row = (Mix, EngineRun, EngineRun, PresidioRun, UnseenRun);

/// What `presidio_bench.py` prints.
#[derive(Debug, Deserialize)]
struct PresidioRun {
    presidio_version: String,
    spacy_version: String,
    python_version: String,
    cpu: usize,
    recognizers: Vec<String>,
    records: usize,
    bytes: u64,
    seconds: f64,
    findings: u64,
    findings_by_type: BTreeMap<String, u64>,
}

/// One engine figure.
#[derive(Debug)]
struct EngineRun {
    records: usize,
    bytes_per_pass: u64,
    passes: u32,
    seconds: f64,
    /// The fastest pass: on a shared machine, the closest to the engine's own speed.
    best_pass_seconds: f64,
    findings: u64,
    findings_by_type: BTreeMap<&'static str, u64>,
}

impl EngineRun {
    fn bytes(&self) -> u64 {
        self.bytes_per_pass * u64::from(self.passes)
    }
}

/// The engine once over each of several corpora it has not seen.
#[derive(Debug)]
struct UnseenRun {
    corpora: u64,
    records: usize,
    bytes: u64,
    seconds: f64,
    /// The fastest corpus, in MB/s.
    best_mb_per_s: f64,
    findings: u64,
}

pub fn run() -> anyhow::Result<()> {
    if cfg!(debug_assertions) && std::env::var_os(CHILD_ENV).is_none() {
        return rerun_in_release();
    }
    let root = workspace_root();
    let out_dir = target_dir(&root).join("bench-detect");
    fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;

    println!("== detection engine vs Presidio (one core each) ==");
    print_machine();
    if cfg!(debug_assertions) {
        println!("WARNING: debug build, engine figures are not representative");
    }
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    ensure_presidio(&python)?;

    let engine = Engine::new(EngineConfig::default()).context("building the engine")?;
    let mut rows = Vec::new();
    for mix in [Mix::Mixed, Mix::Clean] {
        let corpus = Corpus::generate(&Spec::new(mix));
        let path = out_dir.join(format!("corpus-{}.bin", mix.as_str()));
        let mut buf = Vec::with_capacity(corpus.total_bytes() + 4 * corpus.records.len());
        corpus.write_framed(&mut buf)?;
        fs::write(&path, &buf).with_context(|| format!("writing {}", path.display()))?;
        // Measure on what was written, the very bytes Presidio reads.
        let written = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let records = bench_corpus::read_framed(&written)?;
        println!(
            "corpus {}: {} records, {} bytes, {} with personal data -> {}",
            mix.as_str(),
            records.len(),
            corpus.total_bytes(),
            corpus.personal_records(),
            path.display()
        );

        let full = measure_engine(&engine, &records);
        let presidio = run_presidio(&python, &root, &path)?;
        ensure!(
            presidio.records > 0 && presidio.records <= records.len(),
            "Presidio analysed {} of {} records",
            presidio.records,
            records.len()
        );
        let subset = measure_engine(&engine, &records[..presidio.records]);
        ensure!(
            subset.bytes_per_pass == presidio.bytes,
            "engine subset ({} B) and Presidio subset ({} B) differ",
            subset.bytes_per_pass,
            presidio.bytes
        );
        let unseen = measure_unseen(&engine, mix);
        rows.push((mix, full, subset, presidio, unseen));
    }

    print_table(&rows);
    // Other work on the machine slows both tools; the load average tells how quiet the run was.
    println!("load average at the end: {}", load_average());
    write_results(&out_dir.join("results.json"), &rows)?;
    Ok(())
}

/// Engine figures only mean something optimised: run the same verb from a release build.
fn rerun_in_release() -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("bench-detect: building xtask in release for the engine measurement...");
    let status = Command::new(cargo)
        .args([
            "run",
            "--quiet",
            "--release",
            "--package",
            "xtask",
            "--",
            "bench",
            "--detect-only",
        ])
        .current_dir(workspace_root())
        .env(CHILD_ENV, "1")
        .status()
        .context("running cargo")?;
    ensure!(status.success(), "release bench-detect failed: {status}");
    Ok(())
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// One timed pass over each of [`UNSEEN_CORPORA`] corpora of `mix` with seeds other than the
/// default corpus's, each generated just before its pass (untimed), after one untimed pass over
/// yet another: what is compiled once per process (numbering plans of the calling codes met)
/// is not counted, what each new value costs is.
fn measure_unseen(engine: &Engine, mix: Mix) -> UnseenRun {
    let corpus = |k: u64| Corpus::generate(&Spec::unseen(mix, k));
    for record in &corpus(UNSEEN_CORPORA + 1).records {
        black_box(engine.scan(black_box(&record.bytes)));
    }
    let mut run = UnseenRun {
        corpora: UNSEEN_CORPORA,
        records: 0,
        bytes: 0,
        seconds: 0.0,
        best_mb_per_s: 0.0,
        findings: 0,
    };
    for k in 1..=UNSEEN_CORPORA {
        let corpus = corpus(k);
        let pass = Instant::now();
        let mut findings = 0;
        for record in &corpus.records {
            findings += engine.scan(black_box(&record.bytes)).len() as u64;
        }
        let seconds = pass.elapsed().as_secs_f64();
        let bytes = corpus.total_bytes() as u64;
        run.records += corpus.records.len();
        run.bytes += bytes;
        run.seconds += seconds;
        run.best_mb_per_s = run.best_mb_per_s.max(mb_per_s(bytes, seconds));
        run.findings += findings;
    }
    run
}

fn measure_engine(engine: &Engine, records: &[&[u8]]) -> EngineRun {
    // The untimed warm-up pass also collects the findings (counts per type only).
    let mut findings_by_type = BTreeMap::new();
    for record in records {
        for finding in engine.scan(record) {
            *findings_by_type
                .entry(finding.data_type.as_str())
                .or_insert(0) += 1;
        }
    }
    let start = Instant::now();
    let mut passes = 0;
    let mut best_pass_seconds = f64::INFINITY;
    while passes < ENGINE_MIN_PASSES || start.elapsed() < ENGINE_MIN_TIME {
        let pass = Instant::now();
        for record in records {
            black_box(engine.scan(black_box(record)));
        }
        best_pass_seconds = best_pass_seconds.min(pass.elapsed().as_secs_f64());
        passes += 1;
    }
    let seconds = start.elapsed().as_secs_f64();
    EngineRun {
        records: records.len(),
        bytes_per_pass: records.iter().map(|r| r.len() as u64).sum(),
        passes,
        seconds,
        best_pass_seconds,
        findings: findings_by_type.values().sum(),
        findings_by_type,
    }
}

fn ensure_presidio(python: &str) -> anyhow::Result<()> {
    let importable = |python: &str| {
        Command::new(python)
            .args(["-c", "import presidio_analyzer, spacy"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if importable(python) {
        return Ok(());
    }
    println!("installing presidio-analyzer and spacy with pip...");
    let status = Command::new(python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "presidio-analyzer",
            "spacy",
        ])
        .status()
        .with_context(|| format!("running {python} -m pip"))?;
    ensure!(
        status.success() && importable(python),
        "could not install presidio-analyzer and spacy"
    );
    Ok(())
}

fn run_presidio(python: &str, root: &Path, corpus: &Path) -> anyhow::Result<PresidioRun> {
    let script = root.join("xtask").join("presidio_bench.py");
    let output = Command::new(python)
        .arg(&script)
        .arg("--corpus")
        .arg(corpus)
        .arg("--budget-seconds")
        .arg(PRESIDIO_BUDGET_SECONDS.to_string())
        // One core means one thread: keep numpy/thinc from starting their own pools.
        .env("OMP_NUM_THREADS", "1")
        .env("OPENBLAS_NUM_THREADS", "1")
        .env("MKL_NUM_THREADS", "1")
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("running {}", script.display()))?;
    if !output.status.success() {
        bail!("{} failed: {}", script.display(), output.status);
    }
    let stdout =
        String::from_utf8(output.stdout).context("presidio_bench.py output is not UTF-8")?;
    let line = stdout
        .lines()
        .last()
        .context("presidio_bench.py printed nothing")?;
    serde_json::from_str(line).context("parsing presidio_bench.py output")
}

fn print_machine() {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .and_then(|rest| rest.split_once(':'))
                .map(|(_, v)| v.trim())
        })
        .unwrap_or("unknown");
    let logical = std::thread::available_parallelism().map_or(0, std::num::NonZeroUsize::get);
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    println!(
        "machine: CPU {model}, {logical} logical cores available, Linux {}; load average {}",
        kernel.trim(),
        load_average()
    );
}

/// The 1, 5 and 15 minute load averages.
fn load_average() -> String {
    fs::read_to_string("/proc/loadavg").map_or_else(
        |_| "unknown".to_owned(),
        |l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
    )
}

fn mb_per_s(bytes: u64, seconds: f64) -> f64 {
    #[expect(clippy::cast_precision_loss, reason = "byte counts far below 2^52")]
    let bytes = bytes as f64;
    bytes / 1e6 / seconds
}

fn print_table(rows: &[Row]) {
    if let Some((_, _, _, p, _)) = rows.first() {
        println!(
            "Presidio {} (spaCy {} blank \"en\", Python {}, pinned to CPU {}): {} recognizers: {}",
            p.presidio_version,
            p.spacy_version,
            p.python_version,
            p.cpu,
            p.recognizers.len(),
            p.recognizers.join(", ")
        );
    }
    println!(
        "monitor-detect {} (release, one thread, EngineConfig::default())",
        env!("CARGO_PKG_VERSION")
    );
    println!();
    println!(
        "{:<6} {:<26} {:>8} {:>6} {:>12} {:>8} {:>9} {:>9} {:>9}",
        "mix",
        "tool (records scanned)",
        "records",
        "passes",
        "bytes",
        "seconds",
        "MB/s",
        "best pass",
        "findings"
    );
    for (mix, full, subset, presidio, unseen) in rows {
        for (label, run) in [
            ("monitor-detect (all)", full),
            ("monitor-detect (subset)", subset),
        ] {
            println!(
                "{:<6} {:<26} {:>8} {:>6} {:>12} {:>8.3} {:>9.2} {:>9.2} {:>9}",
                mix.as_str(),
                label,
                run.records,
                run.passes,
                run.bytes(),
                run.seconds,
                mb_per_s(run.bytes(), run.seconds),
                mb_per_s(run.bytes_per_pass, run.best_pass_seconds),
                run.findings
            );
        }
        println!(
            "{:<6} {:<26} {:>8} {:>6} {:>12} {:>8.3} {:>9.3} {:>9} {:>9}",
            mix.as_str(),
            "presidio (subset)",
            presidio.records,
            1,
            presidio.bytes,
            presidio.seconds,
            mb_per_s(presidio.bytes, presidio.seconds),
            "-",
            presidio.findings
        );
        println!(
            "{:<6} {:<26} {:>8} {:>6} {:>12} {:>8.3} {:>9.2} {:>9.2} {:>9}",
            mix.as_str(),
            "monitor-detect (unseen)",
            unseen.records,
            unseen.corpora,
            unseen.bytes,
            unseen.seconds,
            mb_per_s(unseen.bytes, unseen.seconds),
            unseen.best_mb_per_s,
            unseen.findings
        );
        let engine_rate = mb_per_s(subset.bytes(), subset.seconds);
        let presidio_rate = mb_per_s(presidio.bytes, presidio.seconds);
        println!(
            "{:<6} ratio monitor-detect / presidio on the same subset (MB/s over all passes): {:.1}x",
            mix.as_str(),
            engine_rate / presidio_rate
        );
    }
    println!();
    println!(
        "(unseen: one pass over each of {UNSEEN_CORPORA} corpora of the same mix with other seeds, values the engine has not met before; best pass = fastest corpus)"
    );
    println!();
    for (mix, _, subset, presidio, _) in rows {
        println!("{} subset, findings per type (counts only):", mix.as_str());
        println!("  monitor-detect: {}", counts(&subset.findings_by_type));
        println!("  presidio:       {}", counts(&presidio.findings_by_type));
    }
}

fn counts<K: std::fmt::Display>(map: &BTreeMap<K, u64>) -> String {
    if map.is_empty() {
        return "none".to_owned();
    }
    map.iter().fold(String::new(), |mut s, (k, v)| {
        if !s.is_empty() {
            s.push_str(", ");
        }
        let _ = write!(s, "{k}={v}");
        s
    })
}

fn write_results(path: &Path, rows: &[Row]) -> anyhow::Result<()> {
    let json: Vec<_> = rows
        .iter()
        .map(|(mix, full, subset, presidio, unseen)| {
            serde_json::json!({
                "mix": mix.as_str(),
                "engine_all": { "records": full.records, "bytes": full.bytes(), "seconds": full.seconds,
                    "mb_per_s": mb_per_s(full.bytes(), full.seconds),
                    "best_pass_mb_per_s": mb_per_s(full.bytes_per_pass, full.best_pass_seconds),
                    "findings": full.findings },
                "engine_subset": { "records": subset.records, "bytes": subset.bytes(), "seconds": subset.seconds,
                    "mb_per_s": mb_per_s(subset.bytes(), subset.seconds),
                    "best_pass_mb_per_s": mb_per_s(subset.bytes_per_pass, subset.best_pass_seconds),
                    "findings": subset.findings },
                "presidio_subset": { "records": presidio.records, "bytes": presidio.bytes, "seconds": presidio.seconds,
                    "mb_per_s": mb_per_s(presidio.bytes, presidio.seconds), "findings": presidio.findings },
                "engine_unseen": { "corpora": unseen.corpora, "records": unseen.records, "bytes": unseen.bytes,
                    "seconds": unseen.seconds, "mb_per_s": mb_per_s(unseen.bytes, unseen.seconds),
                    "best_pass_mb_per_s": unseen.best_mb_per_s, "findings": unseen.findings },
                "ratio": mb_per_s(subset.bytes(), subset.seconds) / mb_per_s(presidio.bytes, presidio.seconds),
            })
        })
        .collect();
    fs::write(path, serde_json::to_string_pretty(&json)?)
        .with_context(|| format!("writing {}", path.display()))?;
    println!("results: {}", path.display());
    Ok(())
}
