//! Alert delivery to Alertmanager (API v2).
//!
//! The [`AlertBook`] holds one entry per label set (deduplication) and, per Alertmanager, when each
//! entry was last delivered and how that Alertmanager's retries are backing off. It is plain data
//! driven by explicit times, so its rules are tested with a fake clock, and it is persisted with
//! the findings so alerts queued while an Alertmanager is down survive a restart.
//!
//! Timing: an active alert is re-sent every `resend_interval` with `endsAt = now + 4 ×
//! resend_interval`, so Alertmanager keeps it firing across three missed re-sends and resolves it
//! by itself once the daemon stops re-sending. An alert is active while it recurred within
//! `resolve_after`; after that it is re-sent no more. An alert that went stale before it could be
//! delivered at all is still delivered once, with `endsAt` in the past (as resolved), so an
//! outage does not hide that it happened.
//!
//! Delivery uses HTTP or HTTPS (rustls: the system's CA certificates plus an optional PEM file
//! of the operator's, `--alertmanager-ca`); the server's certificate and name are always
//! checked.

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    path::PathBuf,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, SystemTime},
};

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};

use crate::sinks::{
    metrics::{Metrics, SendResult},
    timefmt,
};

/// Most alerts sent in one POST; the rest go in the following rounds.
const MAX_ALERTS_PER_POST: usize = 500;
/// `endsAt` is this many re-send intervals ahead.
const ENDS_AFTER_RESENDS: u32 = 4;
/// Longest Alertmanager error body quoted in logs.
const MAX_ERROR_BODY: usize = 256;

/// An alert raised by the policy. Labels identify it; annotations describe it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alert {
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// When the detection behind it happened.
    pub occurred_at: SystemTime,
}

/// Timing rules of delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlertTiming {
    pub resend_interval: Duration,
    /// An alert that did not recur for this long is re-sent no more and resolves.
    pub resolve_after: Duration,
    /// First retry delay after a failed POST; doubled per further failure.
    pub backoff_initial: Duration,
    /// Cap of the retry delay.
    pub backoff_max: Duration,
}

impl Default for AlertTiming {
    fn default() -> Self {
        Self {
            resend_interval: Duration::from_mins(1),
            resolve_after: Duration::from_hours(1),
            backoff_initial: Duration::from_secs(1),
            backoff_max: Duration::from_mins(1),
        }
    }
}

impl AlertTiming {
    fn ends_after(&self) -> Duration {
        self.resend_interval.saturating_mul(ENDS_AFTER_RESENDS)
    }

    /// Retry delay after `failures` consecutive failures (at least one).
    #[must_use]
    pub fn backoff(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(31);
        self.backoff_initial
            .saturating_mul(1_u32 << doublings)
            .min(self.backoff_max)
    }
}

/// Errors of alert delivery.
#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error("invalid Alertmanager URL `{url}`: {reason}")]
    InvalidTarget { url: String, reason: String },
    #[error("building the HTTP client for Alertmanager: {0}")]
    Client(#[source] reqwest::Error),
    #[error("reading Alertmanager CA certificates from {path}: {reason}")]
    Ca { path: String, reason: String },
    #[error("reading the client certificate for Alertmanager from {path}: {reason}")]
    ClientIdentity { path: String, reason: String },
    #[error("posting {count} alert(s) to {url}: {source}")]
    Send {
        url: String,
        count: usize,
        #[source]
        source: reqwest::Error,
    },
    #[error("{url} rejected {count} alert(s) with HTTP {status}: {body}")]
    Rejected {
        url: String,
        count: usize,
        status: u16,
        body: String,
    },
}

/// One Alertmanager, by its base URL as configured (trailing `/` removed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    base: String,
    post_url: reqwest::Url,
}

impl Target {
    /// Parses a base URL such as `http://127.0.0.1:9093` or `https://alertmanager:9093`.
    ///
    /// # Errors
    /// [`AlertError::InvalidTarget`] unless it is an absolute `http://` or `https://` URL without
    /// query.
    pub fn parse(url: &str) -> Result<Self, AlertError> {
        let invalid = |reason: &str| AlertError::InvalidTarget {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        let base = url.trim().trim_end_matches('/');
        let parsed = reqwest::Url::parse(base).map_err(|error| invalid(&error.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(invalid("scheme must be http or https"));
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(invalid("must not have a query or fragment"));
        }
        let post_url = reqwest::Url::parse(&format!("{base}/api/v2/alerts"))
            .map_err(|error| invalid(&error.to_string()))?;
        Ok(Self {
            base: base.to_owned(),
            post_url,
        })
    }

    /// The base URL, which also keys the target's delivery state.
    #[must_use]
    pub fn base(&self) -> &str {
        &self.base
    }
}

/// An alert as Alertmanager's `POST /api/v2/alerts` takes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostableAlert {
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub starts_at: String,
    pub ends_at: String,
    #[serde(
        rename = "generatorURL",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub generator_url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct TrackedAlert {
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
    starts_at: SystemTime,
    last_occurrence: SystemTime,
    /// Per target base URL: when it last accepted this alert.
    delivered_at: BTreeMap<String, SystemTime>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct TargetState {
    failures: u32,
    retry_at: Option<SystemTime>,
}

/// What [`AlertBook::upsert`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upserted {
    /// A new label set; delivered on the next round.
    New { evicted_one: bool },
    /// A known label set: annotations refreshed, delivered with the next re-send.
    Refreshed,
}

/// Deduplicated alerts and their delivery state; see the module documentation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertBook {
    alerts: BTreeMap<String, TrackedAlert>,
    targets: BTreeMap<String, TargetState>,
}

fn fingerprint(labels: &BTreeMap<String, String>) -> String {
    // Debug formatting quotes and escapes names and values, so distinct label sets never collide.
    let mut id = String::new();
    for (name, value) in labels {
        let _ = write!(id, "{name:?}={value:?};");
    }
    id
}

impl AlertBook {
    /// Keeps delivery state for exactly these targets: new ones start with nothing delivered,
    /// removed ones are forgotten.
    pub fn set_targets<'a>(&mut self, targets: impl IntoIterator<Item = &'a str>) {
        let wanted: BTreeMap<String, TargetState> = targets
            .into_iter()
            .map(|base| {
                (
                    base.to_owned(),
                    self.targets.get(base).cloned().unwrap_or_default(),
                )
            })
            .collect();
        for alert in self.alerts.values_mut() {
            alert
                .delivered_at
                .retain(|base, _| wanted.contains_key(base));
        }
        self.targets = wanted;
    }

    /// Adds or refreshes the alert with `alert`'s labels, keeping at most `max_alerts` (the one that
    /// recurred least recently goes).
    pub fn upsert(&mut self, alert: Alert, max_alerts: usize, timing: &AlertTiming) -> Upserted {
        let id = fingerprint(&alert.labels);
        if let Some(tracked) = self.alerts.get_mut(&id) {
            let resolved_meanwhile =
                alert.occurred_at > tracked.last_occurrence + timing.resolve_after;
            if resolved_meanwhile {
                // Alertmanager resolved the earlier episode; this is a new one.
                tracked.starts_at = alert.occurred_at;
                tracked.delivered_at.clear();
            }
            tracked.annotations = alert.annotations;
            tracked.last_occurrence = tracked.last_occurrence.max(alert.occurred_at);
            return Upserted::Refreshed;
        }
        let mut evicted_one = false;
        if self.alerts.len() >= max_alerts.max(1) {
            let oldest = self
                .alerts
                .iter()
                .min_by_key(|(_, tracked)| tracked.last_occurrence)
                .map(|(id, _)| id.clone());
            if let Some(oldest) = oldest {
                self.alerts.remove(&oldest);
                evicted_one = true;
            }
        }
        self.alerts.insert(
            id,
            TrackedAlert {
                labels: alert.labels,
                annotations: alert.annotations,
                starts_at: alert.occurred_at,
                last_occurrence: alert.occurred_at,
                delivered_at: BTreeMap::new(),
            },
        );
        Upserted::New { evicted_one }
    }

    /// The alerts due for `target` at `now`, as ids and payloads; nothing while the target backs off.
    #[must_use]
    pub fn due(
        &self,
        target: &str,
        now: SystemTime,
        timing: &AlertTiming,
        generator_url: Option<&str>,
    ) -> Vec<(String, PostableAlert)> {
        if let Some(state) = self.targets.get(target)
            && state.retry_at.is_some_and(|retry_at| now < retry_at)
        {
            return Vec::new();
        }
        self.alerts
            .iter()
            .filter_map(|(id, tracked)| {
                let delivered_at = tracked.delivered_at.get(target).copied();
                let stale_at = tracked.last_occurrence + timing.resolve_after;
                let ends_at = if now >= stale_at {
                    // Stale: deliver once, as resolved, if it never reached this target.
                    if delivered_at.is_some() {
                        return None;
                    }
                    stale_at
                } else {
                    if delivered_at.is_some_and(|at| now < at + timing.resend_interval) {
                        return None;
                    }
                    now + timing.ends_after()
                };
                let payload = PostableAlert {
                    labels: tracked.labels.clone(),
                    annotations: tracked.annotations.clone(),
                    starts_at: timefmt::millis(tracked.starts_at),
                    ends_at: timefmt::millis(ends_at),
                    generator_url: generator_url.map(str::to_owned),
                };
                Some((id.clone(), payload))
            })
            .take(MAX_ALERTS_PER_POST)
            .collect()
    }

    /// Records that `target` accepted the alerts `ids` at `now`.
    pub fn delivered(&mut self, target: &str, ids: &[String], now: SystemTime) {
        for id in ids {
            if let Some(tracked) = self.alerts.get_mut(id) {
                tracked.delivered_at.insert(target.to_owned(), now);
            }
        }
        self.targets
            .insert(target.to_owned(), TargetState::default());
    }

    /// Records a failed POST to `target` at `now`; returns the delay before the next attempt.
    pub fn failed(&mut self, target: &str, now: SystemTime, timing: &AlertTiming) -> Duration {
        let state = self.targets.entry(target.to_owned()).or_default();
        state.failures = state.failures.saturating_add(1);
        let delay = timing.backoff(state.failures);
        state.retry_at = Some(now + delay);
        delay
    }

    /// Forgets alerts that are stale and were delivered to every target; returns how many.
    pub fn prune(&mut self, now: SystemTime, timing: &AlertTiming) -> usize {
        let before = self.alerts.len();
        let targets = &self.targets;
        self.alerts.retain(|_, tracked| {
            let stale = now >= tracked.last_occurrence + timing.resolve_after;
            let delivered_everywhere = targets
                .keys()
                .all(|base| tracked.delivered_at.contains_key(base));
            !(stale && delivered_everywhere)
        });
        before - self.alerts.len()
    }

    /// Alerts not yet delivered to at least one target.
    #[must_use]
    pub fn pending(&self) -> usize {
        self.alerts
            .values()
            .filter(|tracked| {
                self.targets
                    .keys()
                    .any(|base| !tracked.delivered_at.contains_key(base))
            })
            .count()
    }

    /// Alerts held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.alerts.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.alerts.is_empty()
    }
}

/// Delivery configuration.
#[derive(Clone, Debug)]
pub struct AlertsConfig {
    pub targets: Vec<Target>,
    pub timing: AlertTiming,
    pub max_alerts: usize,
    /// Per POST.
    pub request_timeout: Duration,
    /// `generatorURL` of every alert (for example the daemon's findings API), if set.
    pub generator_url: Option<String>,
}

/// How the daemon connects to `https://` Alertmanagers, besides the system's CA certificates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsSettings {
    /// PEM file of CA certificates to trust.
    pub ca_file: Option<PathBuf>,
    /// PEM file holding the client certificate (chain) and its private key, for Alertmanagers
    /// that require client certificates (mutual TLS).
    pub client_identity: Option<PathBuf>,
}

/// Posts alert batches to Alertmanagers.
#[derive(Clone, Debug)]
pub struct AlertClient {
    http: reqwest::Client,
}

impl AlertClient {
    /// A client for `http://` and `https://` Alertmanagers. Over HTTPS it trusts the system's
    /// CA certificates and those in `tls.ca_file` (a private CA), checks the server's name
    /// against its certificate, and presents `tls.client_identity` when the server asks.
    ///
    /// # Errors
    /// [`AlertError::Ca`] if the CA file cannot be read or holds no certificate,
    /// [`AlertError::ClientIdentity`] if the client certificate file cannot be read or lacks a
    /// certificate or key, [`AlertError::Client`] if the HTTP client cannot be built.
    pub fn new(request_timeout: Duration, tls: &TlsSettings) -> Result<Self, AlertError> {
        let mut builder = reqwest::Client::builder()
            .timeout(request_timeout)
            .connect_timeout(request_timeout)
            .user_agent(concat!("m2m-privacy-monitor/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &tls.client_identity {
            let identity_error = |reason: String| AlertError::ClientIdentity {
                path: path.display().to_string(),
                reason,
            };
            let pem = std::fs::read(path).map_err(|error| identity_error(error.to_string()))?;
            let identity = reqwest::Identity::from_pem(&pem)
                .map_err(|error| identity_error(error.to_string()))?;
            builder = builder.identity(identity);
        }
        if let Some(path) = &tls.ca_file {
            let ca_error = |reason: String| AlertError::Ca {
                path: path.display().to_string(),
                reason,
            };
            let pem = std::fs::read(path).map_err(|error| ca_error(error.to_string()))?;
            let certificates = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|error| ca_error(error.to_string()))?;
            if certificates.is_empty() {
                return Err(ca_error("no PEM certificate in the file".to_owned()));
            }
            for certificate in certificates {
                builder = builder.add_root_certificate(certificate);
            }
        }
        let http = builder.build().map_err(AlertError::Client)?;
        Ok(Self { http })
    }

    /// Posts `alerts` to `target`.
    ///
    /// # Errors
    /// [`AlertError::Send`] when the request fails, [`AlertError::Rejected`] on a non-2xx answer.
    pub async fn post(&self, target: &Target, alerts: &[PostableAlert]) -> Result<(), AlertError> {
        let count = alerts.len();
        let response = self
            .http
            .post(target.post_url.clone())
            .json(alerts)
            .send()
            .await
            .map_err(|source| AlertError::Send {
                url: target.base.clone(),
                count,
                source,
            })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let mut body = response.text().await.unwrap_or_default();
        if let Some((cut, _)) = body.char_indices().nth(MAX_ERROR_BODY) {
            body.truncate(cut);
        }
        Err(AlertError::Rejected {
            url: target.base.clone(),
            count,
            status: status.as_u16(),
            body,
        })
    }
}

fn lock(book: &Mutex<AlertBook>) -> std::sync::MutexGuard<'_, AlertBook> {
    book.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The alert task: takes alerts from the pipeline, delivers what is due, and on shutdown makes
/// one last delivery round bounded by `flush_timeout`.
pub(crate) struct AlertTask {
    pub config: AlertsConfig,
    pub client: AlertClient,
    pub book: Arc<Mutex<AlertBook>>,
    pub metrics: Arc<Metrics>,
    pub flush_timeout: Duration,
}

impl AlertTask {
    pub(crate) async fn run(
        self,
        mut alerts: mpsc::Receiver<Alert>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let timing = self.config.timing;
        // Wake often enough to honour the shortest of the re-send and retry delays.
        let tick = timing
            .resend_interval
            .min(timing.backoff_initial)
            .div_f32(2.0)
            .clamp(Duration::from_millis(10), Duration::from_secs(1));
        loop {
            tokio::select! {
                biased;
                changed = shutdown.changed() => {
                    if changed.is_err() || *shutdown.borrow() {
                        break;
                    }
                }
                received = alerts.recv() => match received {
                    Some(alert) => {
                        self.take(alert);
                        while let Ok(alert) = alerts.try_recv() {
                            self.take(alert);
                        }
                    }
                    None => break,
                },
                () = tokio::time::sleep(tick) => {}
            }
            self.deliver_round().await;
        }
        while let Ok(alert) = alerts.try_recv() {
            self.take(alert);
        }
        if tokio::time::timeout(self.flush_timeout, self.deliver_round())
            .await
            .is_err()
        {
            tracing::warn!(
                pending = lock(&self.book).pending(),
                "alert flush timed out at shutdown; pending alerts stay in the state directory"
            );
        }
    }

    fn take(&self, alert: Alert) {
        let upserted = lock(&self.book).upsert(alert, self.config.max_alerts, &self.config.timing);
        if upserted == (Upserted::New { evicted_one: true }) {
            self.metrics.alert_dropped("book_full");
        }
    }

    async fn deliver_round(&self) {
        for target in &self.config.targets {
            let now = SystemTime::now();
            let due = lock(&self.book).due(
                target.base(),
                now,
                &self.config.timing,
                self.config.generator_url.as_deref(),
            );
            if due.is_empty() {
                continue;
            }
            let (ids, payloads): (Vec<String>, Vec<PostableAlert>) = due.into_iter().unzip();
            match self.client.post(target, &payloads).await {
                Ok(()) => {
                    self.metrics.alert_send(SendResult::Success);
                    lock(&self.book).delivered(target.base(), &ids, now);
                    tracing::debug!(
                        target = target.base(),
                        count = ids.len(),
                        "alerts delivered"
                    );
                }
                Err(error) => {
                    self.metrics.alert_send(SendResult::Failure);
                    let retry_in = lock(&self.book).failed(
                        target.base(),
                        SystemTime::now(),
                        &self.config.timing,
                    );
                    tracing::warn!(target = target.base(), count = ids.len(), %error, ?retry_in, "alert delivery failed; will retry");
                }
            }
        }
        let mut book = lock(&self.book);
        book.prune(SystemTime::now(), &self.config.timing);
        self.metrics.set_alerts_pending(book.pending());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sinks::findings::tests::at;

    const AM1: &str = "http://127.0.0.1:1";
    const AM2: &str = "http://127.0.0.1:2";

    fn timing() -> AlertTiming {
        AlertTiming {
            resend_interval: Duration::from_mins(1),
            resolve_after: Duration::from_mins(10),
            backoff_initial: Duration::from_secs(1),
            backoff_max: Duration::from_secs(30),
        }
    }

    fn alert(source: &str, secs: u64, description: &str) -> Alert {
        Alert {
            labels: BTreeMap::from([
                ("alertname".to_owned(), "PersonalDataUnencrypted".to_owned()),
                ("source".to_owned(), source.to_owned()),
            ]),
            annotations: BTreeMap::from([("description".to_owned(), description.to_owned())]),
            occurred_at: at(secs),
        }
    }

    fn book() -> AlertBook {
        let mut book = AlertBook::default();
        book.set_targets([AM1, AM2]);
        book
    }

    #[test]
    fn targets_are_validated() {
        assert_eq!(
            Target::parse("http://127.0.0.1:9093/")
                .map(|t| t.post_url.to_string())
                .ok()
                .as_deref(),
            Some("http://127.0.0.1:9093/api/v2/alerts")
        );
        assert_eq!(
            Target::parse("http://am.local/prefix")
                .map(|t| t.post_url.to_string())
                .ok()
                .as_deref(),
            Some("http://am.local/prefix/api/v2/alerts")
        );
        assert_eq!(
            Target::parse("https://am:9093")
                .map(|t| t.post_url.to_string())
                .ok()
                .as_deref(),
            Some("https://am:9093/api/v2/alerts")
        );
        assert!(matches!(
            Target::parse("ftp://am:9093"),
            Err(AlertError::InvalidTarget { .. })
        ));
        assert!(matches!(
            Target::parse("https://am:9093/?x=1"),
            Err(AlertError::InvalidTarget { .. })
        ));
        assert!(matches!(
            Target::parse("am:9093"),
            Err(AlertError::InvalidTarget { .. })
        ));
        assert!(matches!(
            Target::parse("not a url"),
            Err(AlertError::InvalidTarget { .. })
        ));
    }

    #[test]
    fn one_alert_per_label_set() {
        let mut book = book();
        let t = timing();
        assert_eq!(
            book.upsert(alert("10.0.0.1", 0, "seen 1"), 10, &t),
            Upserted::New { evicted_one: false }
        );
        assert_eq!(
            book.upsert(alert("10.0.0.1", 5, "seen 2"), 10, &t),
            Upserted::Refreshed
        );
        assert_eq!(
            book.upsert(alert("10.0.0.2", 5, "seen 1"), 10, &t),
            Upserted::New { evicted_one: false }
        );
        assert_eq!(book.len(), 2);
        let due = book.due(AM1, at(6), &t, None);
        assert_eq!(due.len(), 2);
        let first = &due
            .iter()
            .find(|(_, a)| a.labels["source"] == "10.0.0.1")
            .expect("due")
            .1;
        assert_eq!(first.annotations["description"], "seen 2");
        assert_eq!(
            first.starts_at,
            humantime::format_rfc3339_millis(at(0)).to_string()
        );
        assert_eq!(
            first.ends_at,
            humantime::format_rfc3339_millis(at(6 + 240)).to_string()
        );
    }

    #[test]
    fn delivered_alerts_are_resent_after_the_interval_only() {
        let mut book = book();
        let t = timing();
        book.upsert(alert("10.0.0.1", 0, "d"), 10, &t);
        let ids: Vec<String> = book
            .due(AM1, at(1), &t, None)
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        book.delivered(AM1, &ids, at(1));
        assert!(book.due(AM1, at(30), &t, None).is_empty());
        // A recurrence refreshes annotations but does not force an early re-send.
        book.upsert(alert("10.0.0.1", 40, "d2"), 10, &t);
        assert!(book.due(AM1, at(60), &t, None).is_empty());
        let resent = book.due(AM1, at(61), &t, None);
        assert_eq!(resent.len(), 1);
        assert_eq!(resent[0].1.annotations["description"], "d2");
        // The other Alertmanager never got it: due regardless.
        assert_eq!(book.due(AM2, at(30), &t, None).len(), 1);
        assert_eq!(book.pending(), 1);
        book.delivered(AM2, &ids, at(30));
        assert_eq!(book.pending(), 0);
    }

    #[test]
    fn failures_back_off_exponentially_up_to_the_cap() {
        let t = timing();
        let delays: Vec<u64> = (1..=8).map(|n| t.backoff(n).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(t.backoff(u32::MAX), Duration::from_secs(30));

        let mut book = book();
        book.upsert(alert("10.0.0.1", 0, "d"), 10, &t);
        assert_eq!(book.failed(AM1, at(1), &t), Duration::from_secs(1));
        assert_eq!(book.failed(AM1, at(2), &t), Duration::from_secs(2));
        assert!(
            book.due(AM1, at(3), &t, None).is_empty(),
            "backing off until 4"
        );
        assert_eq!(
            book.due(AM2, at(3), &t, None).len(),
            1,
            "other targets are not held back"
        );
        let due = book.due(AM1, at(4), &t, None);
        assert_eq!(due.len(), 1);
        book.delivered(AM1, &[due[0].0.clone()], at(4));
        assert_eq!(
            book.failed(AM1, at(5), &t),
            Duration::from_secs(1),
            "success resets the backoff"
        );
    }

    #[test]
    fn stale_alerts_stop_and_undelivered_ones_go_once_as_resolved() {
        let mut book = book();
        let t = timing();
        book.upsert(alert("10.0.0.1", 0, "d"), 10, &t);
        let ids: Vec<String> = book
            .due(AM1, at(1), &t, None)
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        book.delivered(AM1, &ids, at(1));
        // Long after resolve_after: AM1 had it and gets nothing more; AM2 gets it once, resolved.
        assert!(book.due(AM1, at(5000), &t, None).is_empty());
        let late = book.due(AM2, at(5000), &t, None);
        assert_eq!(late.len(), 1);
        assert_eq!(
            late[0].1.ends_at,
            humantime::format_rfc3339_millis(at(600)).to_string()
        );
        assert_eq!(book.prune(at(5000), &t), 0, "not yet delivered everywhere");
        book.delivered(AM2, &ids, at(5000));
        assert_eq!(book.prune(at(5000), &t), 1);
        assert!(book.is_empty());
    }

    #[test]
    fn a_recurrence_after_resolution_starts_a_new_episode() {
        let mut book = book();
        let t = timing();
        book.upsert(alert("10.0.0.1", 0, "d"), 10, &t);
        let ids: Vec<String> = book
            .due(AM1, at(1), &t, None)
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        book.delivered(AM1, &ids, at(1));
        book.upsert(alert("10.0.0.1", 2000, "d"), 10, &t);
        let due = book.due(AM1, at(2001), &t, None);
        assert_eq!(due.len(), 1);
        assert_eq!(
            due[0].1.starts_at,
            humantime::format_rfc3339_millis(at(2000)).to_string()
        );
    }

    #[test]
    fn the_book_is_bounded_and_survives_serialisation() {
        let mut book = book();
        let t = timing();
        for i in 0..5 {
            book.upsert(alert(&format!("10.0.0.{i}"), i, "d"), 3, &t);
        }
        assert_eq!(book.len(), 3);
        let sources: Vec<String> = book
            .due(AM1, at(10), &t, None)
            .into_iter()
            .map(|(_, a)| a.labels["source"].clone())
            .collect();
        assert_eq!(sources, ["10.0.0.2", "10.0.0.3", "10.0.0.4"]);
        let json = serde_json::to_string(&book).expect("serialises");
        let back: AlertBook = serde_json::from_str(&json).expect("deserialises");
        assert_eq!(back, book);
        let mut moved = back;
        moved.set_targets([AM2]);
        assert_eq!(
            moved.due(AM1, at(10), &t, None).len(),
            3,
            "unknown targets have no state"
        );
        assert_eq!(moved.pending(), 3);
    }

    #[test]
    fn postable_alerts_have_the_alertmanager_field_names() {
        let payload = PostableAlert {
            labels: BTreeMap::from([("alertname".to_owned(), "X".to_owned())]),
            annotations: BTreeMap::new(),
            starts_at: "2026-01-01T00:00:00.000Z".to_owned(),
            ends_at: "2026-01-01T00:04:00.000Z".to_owned(),
            generator_url: Some("http://127.0.0.1:9842/api/v1/findings".to_owned()),
        };
        let json = serde_json::to_value(&payload).expect("serialises");
        let mut keys: Vec<&str> = json
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "annotations",
                "endsAt",
                "generatorURL",
                "labels",
                "startsAt"
            ]
        );
    }
}
