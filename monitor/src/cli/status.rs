//! `monitor status`: health and counters of a running daemon.

use std::{fmt::Write as _, process::ExitCode};

use crate::{api::types::StatusJson, cli::ClientArgs, sinks::timefmt};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub client: ClientArgs,
}

/// Exits with failure when the daemon answers but is not ready (no kernel program attached), so
/// scripts can wait on it.
///
/// # Errors
/// When the daemon cannot be reached or answers something else than the status document.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let status = args.client.fetch_and_print("/api/v1/status", text)?;
    Ok(if status.ready {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn text(status: &StatusJson) -> String {
    let list = |items: &[String]| {
        if items.is_empty() {
            "-".to_owned()
        } else {
            items.join(", ")
        }
    };
    let mut out = String::new();
    let mut line = |name: &str, value: String| {
        let _ = writeln!(out, "{name:<20} {value}");
    };
    line("version", status.version.clone());
    line(
        "ready",
        if status.ready {
            "yes"
        } else {
            "no (kernel programs not attached)"
        }
        .to_owned(),
    );
    line(
        "started",
        format!(
            "{} (up {} s)",
            timefmt::seconds(status.started_at),
            status.uptime_seconds
        ),
    );
    line(
        "kernel",
        status
            .kernel_version
            .clone()
            .unwrap_or_else(|| "-".to_owned()),
    );
    line("interfaces", list(&status.interfaces));
    line("programs", list(&status.programs_attached));
    line(
        "flows",
        format!(
            "{} active, {} total",
            status.flows.active, status.flows.total
        ),
    );
    line(
        "findings",
        format!(
            "{} stored, {} evicted",
            status.findings.stored, status.findings.evicted
        ),
    );
    let dropped: Vec<String> = status
        .samples
        .dropped
        .iter()
        .map(|(reason, n)| format!("{reason} {n}"))
        .collect();
    line(
        "samples",
        format!(
            "{} delivered, {} from kernel, dropped: {}",
            status.samples.delivered,
            status.samples.kernel,
            list(&dropped)
        ),
    );
    line("alertmanagers", list(&status.alerts.alertmanagers));
    line(
        "alerts",
        format!(
            "{} active, {} pending, {} sends ok, {} failed",
            status.alerts.active,
            status.alerts.pending,
            status.alerts.sends_succeeded,
            status.alerts.sends_failed
        ),
    );
    let saved = status
        .store
        .last_saved
        .map_or_else(|| "never".to_owned(), timefmt::seconds);
    line(
        "state dir",
        format!(
            "{} (last saved {saved}, {} errors)",
            status.store.state_dir, status.store.errors
        ),
    );
    if let Some(error) = &status.store.last_error {
        line("store error", error.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sinks::{DaemonStatus, testing::TestDaemon};
    use crate::{
        api::client::{block_on, fetch},
        cli::Output,
    };

    #[test]
    fn exit_code_follows_readiness() {
        let waiting = TestDaemon::start(DaemonStatus::default());
        let args = Args {
            client: ClientArgs {
                endpoint: waiting.endpoint.clone(),
                output: Output::Table,
            },
        };
        assert_eq!(run(&args).expect("runs"), ExitCode::FAILURE);
        drop(waiting);

        let ready = TestDaemon::start(DaemonStatus {
            interfaces: vec!["eth0".to_owned()],
            programs_attached: vec!["tc_egress".to_owned()],
            ..DaemonStatus::default()
        });
        let fetched = block_on(fetch::<StatusJson>(&ready.endpoint, "/api/v1/status"))
            .expect("runtime")
            .expect("status");
        let shown = text(&fetched.typed);
        assert!(shown.contains("ready                yes"), "{shown}");
        assert!(shown.contains("interfaces           eth0"), "{shown}");
        assert!(
            shown.contains("findings             1 stored, 0 evicted"),
            "{shown}"
        );
        let args = Args {
            client: ClientArgs {
                endpoint: ready.endpoint.clone(),
                output: Output::Json,
            },
        };
        assert_eq!(run(&args).expect("runs"), ExitCode::SUCCESS);
    }
}
