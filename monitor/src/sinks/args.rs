//! Command-line flags of the sinks, for `monitor run` to flatten (`#[command(flatten)]`), so the
//! flag names, defaults and help live beside the settings they fill.

use std::{path::PathBuf, time::Duration};

use crate::sinks::{SinksConfig, alerts::TlsSettings};

#[derive(Clone, Debug, clap::Args)]
pub struct SinksArgs {
    /// Directory for findings and pending alerts (aggregates only, never raw values).
    #[arg(
        long,
        env = "MONITOR_STATE_DIR",
        default_value = "/var/lib/m2m-privacy-monitor"
    )]
    pub state_dir: PathBuf,
    /// Alertmanager base URL (http:// or https://); repeat for several.
    #[arg(
        long = "alertmanager",
        value_name = "URL",
        env = "MONITOR_ALERTMANAGERS",
        value_delimiter = ','
    )]
    pub alertmanagers: Vec<String>,
    /// PEM file of CA certificates to trust for https:// Alertmanagers, besides the system's.
    #[arg(long, value_name = "FILE", env = "MONITOR_ALERTMANAGER_CA")]
    pub alertmanager_ca: Option<PathBuf>,
    /// PEM file with a client certificate and its private key, for https:// Alertmanagers that
    /// require client certificates (mutual TLS).
    #[arg(long, value_name = "FILE", env = "MONITOR_ALERTMANAGER_CLIENT_CERT")]
    pub alertmanager_client_cert: Option<PathBuf>,
    /// How often an active alert is re-sent to Alertmanager.
    #[arg(long, env = "MONITOR_ALERT_RESEND_INTERVAL", default_value = "60s", value_parser = humantime::parse_duration)]
    pub alert_resend_interval: Duration,
    /// An alert whose finding did not recur for this long resolves.
    #[arg(long, env = "MONITOR_ALERT_RESOLVE_AFTER", default_value = "1h", value_parser = humantime::parse_duration)]
    pub alert_resolve_after: Duration,
    /// Most finding aggregates kept; the least recently seen go first.
    #[arg(long, env = "MONITOR_MAX_FINDINGS", default_value_t = 10_000)]
    pub max_findings: usize,
    /// How often the state directory is written.
    #[arg(long, env = "MONITOR_PERSIST_INTERVAL", default_value = "30s", value_parser = humantime::parse_duration)]
    pub persist_interval: Duration,
}

impl SinksArgs {
    /// The configuration these flags describe; other settings keep [`SinksConfig::new`]'s defaults.
    #[must_use]
    pub fn to_config(&self) -> SinksConfig {
        SinksConfig {
            alertmanagers: self.alertmanagers.clone(),
            alertmanager_tls: TlsSettings {
                ca_file: self.alertmanager_ca.clone(),
                client_identity: self.alertmanager_client_cert.clone(),
            },
            resend_interval: self.alert_resend_interval,
            resolve_after: self.alert_resolve_after,
            max_findings: self.max_findings,
            persist_interval: self.persist_interval,
            ..SinksConfig::new(self.state_dir.clone())
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        sinks: SinksArgs,
    }

    #[test]
    fn flags_fill_the_config() {
        let cli = Cli::try_parse_from([
            "monitor",
            "--state-dir",
            "/tmp/state",
            "--alertmanager",
            "http://127.0.0.1:9093",
            "--alertmanager",
            "https://127.0.0.1:9094",
            "--alertmanager-ca",
            "/etc/monitor/ca.pem",
            "--alertmanager-client-cert",
            "/etc/monitor/client.pem",
            "--alert-resend-interval",
            "15s",
            "--max-findings",
            "50",
        ])
        .expect("parses");
        let config = cli.sinks.to_config();
        assert_eq!(config.state_dir, PathBuf::from("/tmp/state"));
        assert_eq!(
            config.alertmanagers,
            ["http://127.0.0.1:9093", "https://127.0.0.1:9094"]
        );
        assert_eq!(
            config.alertmanager_tls,
            TlsSettings {
                ca_file: Some(PathBuf::from("/etc/monitor/ca.pem")),
                client_identity: Some(PathBuf::from("/etc/monitor/client.pem")),
            }
        );
        assert_eq!(config.resend_interval, Duration::from_secs(15));
        assert_eq!(config.resolve_after, Duration::from_hours(1));
        assert_eq!(config.max_findings, 50);
        assert!(Cli::try_parse_from(["monitor", "--alert-resend-interval", "soon"]).is_err());
    }
}
