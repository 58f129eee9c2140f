//! `monitor findings`: the personal data a running daemon has seen, by sender, receiver and type.

use std::process::ExitCode;

use crate::{
    api::{client::render_table, types::FindingJson},
    cli::ClientArgs,
    sinks::timefmt,
};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub client: ClientArgs,
}

/// # Errors
/// When the daemon cannot be reached or answers something else than the findings array.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    args.client
        .fetch_and_print("/api/v1/findings", |found: &Vec<FindingJson>| table(found))?;
    Ok(ExitCode::SUCCESS)
}

fn table(findings: &[FindingJson]) -> String {
    let rows: Vec<Vec<String>> = findings
        .iter()
        .map(|finding| {
            let types: Vec<&str> = finding.data_types.iter().map(|t| t.as_str()).collect();
            vec![
                types.join(","),
                finding.severity.clone(),
                finding.src.clone(),
                finding.dst.clone(),
                finding.protocol.as_str().to_owned(),
                if finding.encrypted { "yes" } else { "NO" }.to_owned(),
                finding.count.to_string(),
                timefmt::seconds(finding.last_seen),
                finding.evidence.clone(),
            ]
        })
        .collect();
    render_table(
        &[
            "TYPE",
            "SEVERITY",
            "SRC",
            "DST",
            "PROTOCOL",
            "ENCRYPTED",
            "COUNT",
            "LAST SEEN",
            "EVIDENCE",
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
    fn lists_the_findings_of_a_running_daemon() {
        let daemon = TestDaemon::start(DaemonStatus::default());
        let fetched = block_on(fetch::<Vec<FindingJson>>(
            &daemon.endpoint,
            "/api/v1/findings",
        ))
        .expect("runtime")
        .expect("findings");
        let table = table(&fetched.typed);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 2, "{table}");
        assert!(lines[0].starts_with("TYPE"), "{table}");
        for cell in [
            "email",
            "warning",
            "10.0.0.5",
            "10.0.0.9:8080",
            "http",
            "NO",
            "j***@e***.com",
        ] {
            assert!(lines[1].contains(cell), "{cell} missing: {table}");
        }
        assert!(!table.contains("jane.doe@example.com"));
        for output in [Output::Json, Output::Table] {
            let args = Args {
                client: ClientArgs {
                    endpoint: daemon.endpoint.clone(),
                    output,
                },
            };
            assert_eq!(run(&args).expect("runs"), ExitCode::SUCCESS);
        }
    }

    #[test]
    fn an_unreachable_daemon_is_a_clear_error() {
        let args = Args {
            client: ClientArgs {
                endpoint: "http://127.0.0.1:9".to_owned(),
                output: Output::Json,
            },
        };
        let error = run(&args).expect_err("nothing listens on port 9");
        assert!(
            format!("{error:#}").contains("cannot reach the monitor daemon at http://127.0.0.1:9"),
            "{error:#}"
        );
    }
}
