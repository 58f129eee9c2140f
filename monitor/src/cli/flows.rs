//! `monitor flows`: the flows a running daemon tracks, and those that expired recently.

use std::process::ExitCode;

use crate::{
    api::{client::render_table, types::FlowJson},
    cli::ClientArgs,
    sinks::timefmt,
};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub client: ClientArgs,
}

/// # Errors
/// When the daemon cannot be reached or answers something else than the flows array.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    args.client
        .fetch_and_print("/api/v1/flows", |flows: &Vec<FlowJson>| table(flows))?;
    Ok(ExitCode::SUCCESS)
}

fn table(flows: &[FlowJson]) -> String {
    let rows: Vec<Vec<String>> = flows
        .iter()
        .map(|flow| {
            vec![
                flow.src.clone(),
                flow.dst.clone(),
                format!("{:?}", flow.transport).to_lowercase(),
                flow.protocol.as_str().to_owned(),
                if flow.encrypted { "yes" } else { "NO" }.to_owned(),
                flow.tls_version.map_or("-", |v| v.as_str()).to_owned(),
                flow.bytes.to_string(),
                flow.packets.to_string(),
                timefmt::seconds(flow.last_seen),
                if flow.active { "active" } else { "expired" }.to_owned(),
            ]
        })
        .collect();
    render_table(
        &[
            "SRC",
            "DST",
            "TRANSPORT",
            "PROTOCOL",
            "ENCRYPTED",
            "TLS",
            "BYTES",
            "PACKETS",
            "LAST SEEN",
            "STATE",
        ],
        &rows,
    )
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
    fn lists_the_flows_of_a_running_daemon() {
        let daemon = TestDaemon::start(DaemonStatus::default());
        let fetched = block_on(fetch::<Vec<FlowJson>>(&daemon.endpoint, "/api/v1/flows"))
            .expect("runtime")
            .expect("flows");
        let table = table(&fetched.typed);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 2, "{table}");
        for cell in [
            "10.0.0.5:40000",
            "10.0.0.9:8080",
            "tcp",
            "http",
            "NO",
            "900",
            "active",
        ] {
            assert!(lines[1].contains(cell), "{cell} missing: {table}");
        }
        let args = Args {
            client: ClientArgs {
                endpoint: format!("{}/", daemon.endpoint),
                output: Output::Table,
            },
        };
        assert_eq!(run(&args).expect("runs"), ExitCode::SUCCESS);
    }
}
