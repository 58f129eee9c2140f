//! `monitor`: the daemon and its command-line client, one binary.

use clap::Parser as _;

fn main() -> std::process::ExitCode {
    let cli = monitor::cli::Cli::parse();
    match monitor::cli::dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
