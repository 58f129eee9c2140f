//! Command-line interface: one file per verb. `anyhow` is used only at this edge.

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

pub mod findings;
pub mod flows;
pub mod run;
pub mod scan;
pub mod status;

/// M2M Privacy Monitor: finds personal data in machine-to-machine traffic.
#[derive(Debug, Parser)]
#[command(name = "monitor", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load the kernel programs, watch interfaces and serve findings, metrics and alerts.
    Run(run::Args),
    /// List flows seen by a running daemon.
    Flows(flows::Args),
    /// List personal-data findings of a running daemon.
    Findings(findings::Args),
    /// Show the health and counters of a running daemon.
    Status(status::Args),
    /// Scan a file (or stdin, or a labelled corpus) for personal data; needs no root.
    Scan(scan::Args),
}

/// Output format of the client verbs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Output {
    #[default]
    Table,
    Json,
}

/// Address of the daemon's API, shared by the client verbs.
pub const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:9842";

/// Flags of the client verbs (`flows`, `findings`, `status`): where the daemon is, how to print.
#[derive(Debug, clap::Args)]
pub struct ClientArgs {
    /// Address of the daemon's API.
    #[arg(long, env = "MONITOR_ENDPOINT", default_value = DEFAULT_ENDPOINT)]
    pub endpoint: String,
    /// Output format; `json` prints the API's document unchanged.
    #[arg(long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

impl ClientArgs {
    /// Fetches `path` from the daemon and prints it: the API's JSON unchanged, or `text` of the
    /// typed document. Returns the typed document.
    ///
    /// # Errors
    /// The daemon cannot be reached or answers something else than a `T`.
    pub fn fetch_and_print<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        text: impl FnOnce(&T) -> String,
    ) -> anyhow::Result<T> {
        use anyhow::Context as _;
        let fetched =
            crate::api::client::block_on(crate::api::client::fetch::<T>(&self.endpoint, path))
                .context("starting the client runtime")??;
        match self.output {
            Output::Json => println!("{}", serde_json::to_string_pretty(&fetched.raw)?),
            Output::Table => print!("{}", text(&fetched.typed)),
        }
        Ok(fetched.typed)
    }
}

/// Runs one verb.
///
/// # Errors
/// Whatever the verb reports; printed by `main` at the binary's edge.
pub fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Flows(args) => flows::run(&args),
        Command::Findings(args) => findings::run(&args),
        Command::Status(args) => status::run(&args),
        Command::Scan(args) => scan::run(&args),
    }
}
