//! A real Prometheus Alertmanager (Debian's `prometheus-alertmanager`) in a namespace.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use crate::error::Context as _;
use crate::netns::NsRef;
use crate::process::Proc;
use crate::{Result, http, wait};

/// The Debian binary name.
pub const BINARY: &str = "prometheus-alertmanager";

/// Minimal config: one receiver that goes nowhere; we only read alerts back via the API.
const CONFIG: &str = "route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n";

/// One alert as returned by `GET /api/v2/alerts`.
#[derive(Debug, Clone, Deserialize)]
pub struct Alert {
    /// Label set, including `alertname`.
    pub labels: std::collections::BTreeMap<String, String>,
    /// Annotations (`summary`, `description`).
    #[serde(default)]
    pub annotations: std::collections::BTreeMap<String, String>,
    /// When Alertmanager considers the alert to start.
    #[serde(rename = "startsAt", default)]
    pub starts_at: String,
    /// When it ends (in the future while active).
    #[serde(rename = "endsAt", default)]
    pub ends_at: String,
}

impl Alert {
    /// A label value, or "" when absent.
    #[must_use]
    pub fn label(&self, name: &str) -> &str {
        self.labels.get(name).map_or("", String::as_str)
    }
}

/// A running Alertmanager, listening on 127.0.0.1:PORT inside its namespace.
#[derive(Debug)]
pub struct Alertmanager {
    /// The process.
    pub proc: Proc,
    ns: NsRef,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Alertmanager {
    /// Starts Alertmanager in `ns` with a temporary storage path and clustering disabled,
    /// and waits until `/-/ready` answers 200.
    ///
    /// # Errors
    /// When it cannot start or is not ready within 30 s.
    pub fn start(ns: &NsRef, port: u16, log_dir: &Path) -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("m2m-alertmanager-")
            .tempdir()
            .context("alertmanager temp dir")?;
        let config = dir.path().join("alertmanager.yml");
        std::fs::write(&config, CONFIG).context("writing alertmanager config")?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let mut cmd = ns.exec(BINARY)?;
        cmd.arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            // Empty: no gossip cluster, so nothing listens or sends beyond this address.
            .arg("--cluster.listen-address=");
        let proc = Proc::spawn(&format!("alertmanager-{port}"), &mut cmd, log_dir)?;
        let mut am = Self {
            proc,
            ns: ns.clone(),
            addr,
            _dir: dir,
        };
        am.wait_ready(Duration::from_secs(30))?;
        Ok(am)
    }

    fn wait_ready(&mut self, timeout: Duration) -> Result<()> {
        let (ns, addr) = (self.ns.clone(), self.addr);
        let proc = &mut self.proc;
        wait::until(
            "alertmanager /-/ready",
            timeout,
            Duration::from_millis(200),
            || {
                if let Ok(Some(status)) = proc.exit_status() {
                    return Err(wait::fatal(format!(
                        "alertmanager exited with {status}: {}",
                        proc.stderr_tail(10)
                    )));
                }
                let resp = ns
                    .run_in(move || http::get(addr, "/-/ready"))
                    .map_err(|e| e.0)?
                    .map_err(|e| e.0)?;
                if resp.status == 200 {
                    Ok(())
                } else {
                    Err(format!("HTTP {}", resp.status))
                }
            },
        )
    }

    /// The base URL to give the daemon (`--alertmanager`).
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Raw JSON of `GET /api/v2/alerts` (active alerts).
    ///
    /// # Errors
    /// When the request fails.
    pub fn alerts_json(&self) -> Result<String> {
        let addr = self.addr;
        Ok(self
            .ns
            .run_in(move || http::get(addr, "/api/v2/alerts"))??
            .ok()?
            .body)
    }

    /// Parsed active alerts.
    ///
    /// # Errors
    /// When the request fails or the JSON is not an alert list.
    pub fn alerts(&self) -> Result<Vec<Alert>> {
        let body = self.alerts_json()?;
        serde_json::from_str(&body).context(format!("alertmanager alerts JSON: {body:.300}"))
    }

    /// Posts one alert through the v2 API (used by the harness self-test).
    ///
    /// # Errors
    /// When the request fails or is rejected.
    pub fn post_alert(&self, labels: &[(&str, &str)], annotations: &[(&str, &str)]) -> Result<()> {
        let to_map = |pairs: &[(&str, &str)]| -> serde_json::Map<String, serde_json::Value> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v)))
                .collect()
        };
        let body =
            serde_json::json!([{ "labels": to_map(labels), "annotations": to_map(annotations) }])
                .to_string();
        let addr = self.addr;
        self.ns
            .run_in(move || http::post_json(addr, "/api/v2/alerts", &body))??
            .ok()
            .map(drop)
    }

    /// Waits until an alert satisfying `pred` is active.
    ///
    /// # Errors
    /// After `timeout`, listing what Alertmanager had.
    pub fn wait_alert(
        &self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&Alert) -> bool,
    ) -> Result<Vec<Alert>> {
        wait::until(what, timeout, Duration::from_secs(1), || {
            let alerts = self.alerts().map_err(|e| e.0)?;
            let hits: Vec<Alert> = alerts.iter().filter(|a| pred(a)).cloned().collect();
            if hits.is_empty() {
                Err(format!(
                    "alertmanager has {} alerts: {alerts:?}",
                    alerts.len()
                ))
            } else {
                Ok(hits)
            }
        })
    }
}
