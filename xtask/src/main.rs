//! `cargo xtask VERB`: everything a developer or CI does, one file per verb.

use clap::{Parser, Subcommand};

mod bench_detect;
mod bench_kernel;
mod demo;
mod eval;
mod fuzz;
mod lint;
mod setup;
mod test;

#[derive(Debug, Parser)]
#[command(name = "xtask")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Install what building and testing need (idempotent): Debian packages, rust-src, bpf-linker.
    Setup,
    /// The main job: a self-contained demo in throw-away network namespaces.
    Demo,
    /// Every test, as CI runs them (needs root for the kernel and namespace tests).
    Test,
    /// rustfmt and clippy (-D warnings), host crates and the kernel crate.
    Lint,
    /// Benchmarks: the TC program's cost per packet, and the detection engine against Presidio.
    Bench(BenchArgs),
    /// Score `monitor scan --corpus` predictions against a labelled corpus.
    Eval(eval::Args),
    /// Run the fuzz targets for a bounded time.
    Fuzz(fuzz::Args),
}

#[derive(Debug, clap::Args)]
struct BenchArgs {
    /// Only the kernel benchmark.
    #[arg(long, conflicts_with = "detect_only")]
    kernel_only: bool,
    /// Only the detection-engine benchmark.
    #[arg(long)]
    detect_only: bool,
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Setup => setup::run(),
        Command::Demo => demo::run(),
        Command::Test => test::run(),
        Command::Lint => lint::run(),
        Command::Bench(args) => {
            if !args.detect_only {
                bench_kernel::run()?;
            }
            if !args.kernel_only {
                bench_detect::run()?;
            }
            Ok(())
        }
        Command::Eval(args) => eval::run(&args),
        Command::Fuzz(args) => fuzz::run(&args),
    }
}
