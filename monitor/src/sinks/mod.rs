//! Sinks: everything downstream of detection. Findings aggregation, policy, the state directory,
//! metrics, alert delivery and the data behind the HTTP API, behind one narrow hub, [`Sinks`], that
//! the pipeline calls. Nothing here ever sees a raw personal value: detection hands over
//! [`DetectionEvent`]s whose findings carry redacted evidence only.
//!
//! The pipeline-facing calls are synchronous and never wait on I/O: they take short in-memory
//! locks, and alerts go to the alert task through a bounded channel whose overflow is counted.

pub mod alerts;
pub mod args;
pub mod findings;
pub mod flows;
pub mod metrics;
pub mod policy;
pub mod store;
pub mod timefmt;

use std::{
    path::PathBuf,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::{Duration, SystemTime},
};

use tokio::{
    sync::{mpsc, watch},
    task::JoinHandle,
};

use crate::{
    model::{DetectionEvent, FlowView},
    sinks::{
        alerts::{
            Alert, AlertBook, AlertClient, AlertError, AlertTask, AlertTiming, AlertsConfig,
            Target, TlsSettings,
        },
        findings::{FindingAggregate, FindingsTable},
        flows::{FlowList, ListedFlow},
        metrics::{Metrics, MetricsSummary},
        policy::Policy,
        store::{PersistedState, Store, StoreError},
    },
};

/// Configuration of the sinks; [`SinksConfig::new`] gives the defaults.
#[derive(Clone, Debug)]
pub struct SinksConfig {
    /// Holds `state.json` (finding aggregates and the alert book).
    pub state_dir: PathBuf,
    /// Alertmanager base URLs (`http://host:port` or `https://...`); none disables delivery.
    pub alertmanagers: Vec<String>,
    /// CA certificates and client certificate for `https://` Alertmanagers.
    pub alertmanager_tls: TlsSettings,
    /// How often an active alert is re-sent.
    pub resend_interval: Duration,
    /// An alert that did not recur for this long resolves.
    pub resolve_after: Duration,
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    /// Timeout of one POST to an Alertmanager.
    pub request_timeout: Duration,
    /// How long shutdown waits for a last delivery round.
    pub flush_timeout: Duration,
    /// `generatorURL` of alerts, if set.
    pub generator_url: Option<String>,
    pub max_findings: usize,
    pub max_alerts: usize,
    /// Flows listed by the API: current ones, and recently expired ones.
    pub max_flows: usize,
    pub max_recent_flows: usize,
    /// Capacity of the channel from the pipeline to the alert task.
    pub alert_queue: usize,
    /// How often the state is written.
    pub persist_interval: Duration,
}

impl SinksConfig {
    /// Defaults: re-send every 60 s, resolve after 1 h without recurrence, retries from 1 s doubling
    /// up to 60 s, 10 000 findings and alerts, state written every 30 s.
    #[must_use]
    pub fn new(state_dir: impl Into<PathBuf>) -> Self {
        let timing = AlertTiming::default();
        Self {
            state_dir: state_dir.into(),
            alertmanagers: Vec::new(),
            alertmanager_tls: TlsSettings::default(),
            resend_interval: timing.resend_interval,
            resolve_after: timing.resolve_after,
            backoff_initial: timing.backoff_initial,
            backoff_max: timing.backoff_max,
            request_timeout: Duration::from_secs(5),
            flush_timeout: Duration::from_secs(5),
            generator_url: None,
            max_findings: 10_000,
            max_alerts: 10_000,
            max_flows: 10_000,
            max_recent_flows: 1_000,
            alert_queue: 1_024,
            persist_interval: Duration::from_secs(30),
        }
    }

    fn timing(&self) -> AlertTiming {
        AlertTiming {
            resend_interval: self.resend_interval,
            resolve_after: self.resolve_after,
            backoff_initial: self.backoff_initial,
            backoff_max: self.backoff_max,
        }
    }
}

/// Errors of starting the sinks.
#[derive(Debug, thiserror::Error)]
pub enum SinksError {
    #[error("invalid sinks setting `{field}`: {reason}")]
    InvalidConfig {
        field: &'static str,
        reason: &'static str,
    },
    #[error(transparent)]
    Alert(#[from] AlertError),
}

/// One cumulative reading of the kernel programs' counters (they only grow, except when the
/// programs are reloaded).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KernelCounters {
    pub packets_seen: u64,
    pub samples_total: u64,
    pub dropped_ringbuf_full: u64,
    pub dropped_budget: u64,
}

/// What the daemon tells about itself; shown by `GET /api/v1/status`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DaemonStatus {
    pub version: String,
    pub started_at: SystemTime,
    pub kernel_version: Option<String>,
    pub interfaces: Vec<String>,
    /// Names of the attached kernel programs; the daemon is ready (`/readyz`) once there is one.
    pub programs_attached: Vec<String>,
}

impl Default for DaemonStatus {
    fn default() -> Self {
        Self {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            started_at: SystemTime::now(),
            kernel_version: None,
            interfaces: Vec::new(),
            programs_attached: Vec::new(),
        }
    }
}

/// Health of the state directory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoreHealth {
    pub last_saved: Option<SystemTime>,
    /// The last error, cleared by the next successful save.
    pub last_error: Option<String>,
}

/// Alert delivery at a glance.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AlertsSummary {
    pub targets: Vec<String>,
    pub active: usize,
    pub pending: usize,
}

#[derive(Debug)]
struct Inner {
    config: SinksConfig,
    targets: Vec<String>,
    findings: Mutex<FindingsTable>,
    flows: Mutex<FlowList>,
    alert_book: Arc<Mutex<AlertBook>>,
    alert_tx: mpsc::Sender<Alert>,
    policy: Policy,
    metrics: Arc<Metrics>,
    status: Mutex<DaemonStatus>,
    store: Store,
    store_health: Mutex<StoreHealth>,
}

/// The hub the pipeline and the API share; cheap to clone.
#[derive(Clone, Debug)]
pub struct Sinks {
    inner: Arc<Inner>,
}

/// The background tasks of [`Sinks`]; hand them back to [`Sinks::shutdown`].
#[derive(Debug)]
pub struct SinksTasks {
    alerts: JoinHandle<()>,
    persist: JoinHandle<()>,
    shutdown: watch::Sender<bool>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere must not take the sinks down with it; the data stays consistent because
    // every critical section is a single update.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Sinks {
    /// Loads the state directory and spawns the alert and persistence tasks. A missing, unreadable
    /// or corrupt state file is logged and counted, and the daemon starts empty (a corrupt file is
    /// renamed aside first).
    ///
    /// # Errors
    /// [`SinksError`] for an invalid Alertmanager URL or setting.
    pub async fn start(config: SinksConfig) -> Result<(Self, SinksTasks), SinksError> {
        if config.resend_interval.is_zero() {
            return Err(SinksError::InvalidConfig {
                field: "resend_interval",
                reason: "must be positive",
            });
        }
        if config.persist_interval.is_zero() {
            return Err(SinksError::InvalidConfig {
                field: "persist_interval",
                reason: "must be positive",
            });
        }
        let targets = config
            .alertmanagers
            .iter()
            .map(|url| Target::parse(url))
            .collect::<Result<Vec<_>, _>>()?;
        let client = AlertClient::new(config.request_timeout, &config.alertmanager_tls)?;
        let metrics = Arc::new(Metrics::new());
        let store = Store::new(&config.state_dir);
        let loaded = load_state(&store, &metrics).await;
        let findings = FindingsTable::from_aggregates(config.max_findings, loaded.findings);
        metrics.set_findings_stored(findings.len());
        let mut book = loaded.alerts;
        book.set_targets(targets.iter().map(Target::base));
        metrics.set_alerts_pending(book.pending());
        let alert_book = Arc::new(Mutex::new(book));
        let (alert_tx, alert_rx) = mpsc::channel(config.alert_queue.max(1));
        let (shutdown, shutdown_rx) = watch::channel(false);
        let alert_task = AlertTask {
            config: AlertsConfig {
                targets: targets.clone(),
                timing: config.timing(),
                max_alerts: config.max_alerts,
                request_timeout: config.request_timeout,
                generator_url: config.generator_url.clone(),
            },
            client,
            book: Arc::clone(&alert_book),
            metrics: Arc::clone(&metrics),
            flush_timeout: config.flush_timeout,
        };
        let sinks = Self {
            inner: Arc::new(Inner {
                targets: targets.iter().map(|t| t.base().to_owned()).collect(),
                findings: Mutex::new(findings),
                flows: Mutex::new(FlowList::new(config.max_flows, config.max_recent_flows)),
                alert_book,
                alert_tx,
                policy: Policy::default(),
                metrics,
                status: Mutex::new(DaemonStatus::default()),
                store,
                store_health: Mutex::new(StoreHealth::default()),
                config,
            }),
        };
        tracing::info!(
            state_dir = %sinks.inner.store.dir().display(),
            findings = lock(&sinks.inner.findings).len(),
            alerts = lock(&sinks.inner.alert_book).len(),
            alertmanagers = sinks.inner.targets.len(),
            "sinks started"
        );
        let alerts = tokio::spawn(alert_task.run(alert_rx, shutdown_rx.clone()));
        let persist = tokio::spawn(sinks.clone().persist_loop(shutdown_rx));
        Ok((
            sinks,
            SinksTasks {
                alerts,
                persist,
                shutdown,
            },
        ))
    }

    /// A new flow direction appeared.
    pub fn on_new_flow(&self, flow: &FlowView) {
        let _ = flow;
        self.inner.metrics.new_flow();
    }

    /// The pipeline's current flow table (called periodically).
    pub fn on_flows(&self, flows: Vec<FlowView>) {
        let mut list = lock(&self.inner.flows);
        let left_out = list.replace(flows);
        self.inner.metrics.set_flows_active(list.active_len());
        if left_out > 0 {
            tracing::debug!(
                left_out,
                "flow snapshot over the API's bound; least recent flows not listed"
            );
        }
    }

    /// Detections: aggregated, counted, and checked against the policy.
    pub fn on_detections(&self, events: Vec<DetectionEvent>) {
        let inner = &self.inner;
        for event in events {
            inner.metrics.finding(
                event.finding.data_type.as_str(),
                event.flow.protocol.as_str(),
                event.flow.encrypted(),
            );
            let recorded = {
                let mut findings = lock(&inner.findings);
                let recorded = findings.record(&event);
                inner.metrics.set_findings_stored(findings.len());
                recorded
            };
            if recorded.evicted_one {
                inner.metrics.finding_evicted();
            }
            for alert in inner.policy.evaluate(&recorded.aggregate, event.at) {
                match inner.alert_tx.try_send(alert) {
                    Ok(()) => {}
                    Err(mpsc::error::TrySendError::Full(_)) => {
                        inner.metrics.alert_dropped("queue_full");
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => {
                        inner.metrics.alert_dropped("stopped");
                    }
                }
            }
        }
    }

    /// Samples delivered from the kernel to userspace.
    pub fn on_samples(&self, delivered: u64) {
        self.inner.metrics.samples_delivered(delivered);
    }

    /// A cumulative reading of the kernel counters.
    pub fn on_kernel_counters(&self, counters: &KernelCounters) {
        self.inner.metrics.kernel_counters(counters);
    }

    /// Samples userspace dropped (`reason` is a metric label: a fixed name such as `queue_full`).
    pub fn on_userspace_drop(&self, reason: &'static str, n: u64) {
        self.inner.metrics.samples_dropped(reason, n);
    }

    /// What flow directions hold back for reassembly now, and how many more were made to
    /// release it early since the last call.
    pub fn on_reassembly(&self, held_bytes: usize, new_budget_releases: u64) {
        self.inner
            .metrics
            .reassembly(held_bytes, new_budget_releases);
    }

    /// A payload that could not be decoded as `protocol` (a fixed name such as `http`).
    pub fn on_parse_error(&self, protocol: &'static str) {
        self.inner.metrics.parse_error(protocol);
    }

    pub fn set_status(&self, status: DaemonStatus) {
        *lock(&self.inner.status) = status;
    }

    #[must_use]
    pub fn status(&self) -> DaemonStatus {
        lock(&self.inner.status).clone()
    }

    /// Ready once kernel programs are attached.
    #[must_use]
    pub fn is_ready(&self) -> bool {
        !lock(&self.inner.status).programs_attached.is_empty()
    }

    #[must_use]
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// Metrics in the `OpenMetrics` text format ([`metrics::CONTENT_TYPE`]).
    #[must_use]
    pub fn render_metrics(&self) -> String {
        self.inner.metrics.render()
    }

    #[must_use]
    pub fn metrics_summary(&self) -> MetricsSummary {
        self.inner.metrics.summary()
    }

    /// Finding aggregates, most recently seen first.
    #[must_use]
    pub fn findings(&self) -> Vec<FindingAggregate> {
        lock(&self.inner.findings).snapshot()
    }

    /// Finding aggregates held.
    #[must_use]
    pub fn findings_len(&self) -> usize {
        lock(&self.inner.findings).len()
    }

    /// Flows currently in the pipeline's table.
    #[must_use]
    pub fn flows_active_len(&self) -> usize {
        lock(&self.inner.flows).active_len()
    }

    #[must_use]
    pub fn findings_evicted(&self) -> u64 {
        lock(&self.inner.findings).evicted()
    }

    /// Current flows, then recently expired ones.
    #[must_use]
    pub fn flows(&self) -> Vec<ListedFlow> {
        lock(&self.inner.flows).list()
    }

    #[must_use]
    pub fn alerts_summary(&self) -> AlertsSummary {
        let book = lock(&self.inner.alert_book);
        AlertsSummary {
            targets: self.inner.targets.clone(),
            active: book.len(),
            pending: book.pending(),
        }
    }

    #[must_use]
    pub fn store_health(&self) -> StoreHealth {
        lock(&self.inner.store_health).clone()
    }

    #[must_use]
    pub fn state_dir(&self) -> PathBuf {
        self.inner.config.state_dir.clone()
    }

    /// Writes the state now. A failure is logged, counted (`monitor_store_errors_total`) and
    /// remembered for the status endpoint; the in-memory state is untouched either way.
    ///
    /// # Errors
    /// The [`StoreError`], already logged and counted.
    pub async fn persist(&self) -> Result<(), StoreError> {
        let state = PersistedState {
            findings: lock(&self.inner.findings).snapshot(),
            alerts: lock(&self.inner.alert_book).clone(),
        };
        let store = self.inner.store.clone();
        let saved = match tokio::task::spawn_blocking(move || store.save(&state)).await {
            Ok(saved) => saved,
            Err(join_error) => Err(StoreError::Write {
                path: self.inner.store.state_path(),
                source: std::io::Error::other(join_error.to_string()),
            }),
        };
        let mut health = lock(&self.inner.store_health);
        match saved {
            Ok(()) => {
                health.last_saved = Some(SystemTime::now());
                health.last_error = None;
                Ok(())
            }
            Err(error) => {
                self.inner.metrics.store_error("save");
                tracing::error!(%error, "saving state failed; keeping it in memory and retrying at the next interval");
                health.last_error = Some(error.to_string());
                Err(error)
            }
        }
    }

    async fn persist_loop(self, mut shutdown: watch::Receiver<bool>) {
        let mut interval = tokio::time::interval(self.inner.config.persist_interval);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The first tick completes at once; the state was just loaded.
        interval.tick().await;
        loop {
            tokio::select! {
                changed = shutdown.changed() => {
                    if changed.is_err() || *shutdown.borrow() {
                        return;
                    }
                }
                _ = interval.tick() => {
                    let _ = self.persist().await;
                }
            }
        }
    }

    /// Stops the tasks: the alert task gets one last delivery round bounded by the flush timeout,
    /// then the state is written a last time.
    pub async fn shutdown(self, tasks: SinksTasks) {
        let _ = tasks.shutdown.send(true);
        let grace = self.inner.config.flush_timeout
            + self.inner.config.request_timeout
            + Duration::from_secs(1);
        let mut alerts = tasks.alerts;
        if tokio::time::timeout(grace, &mut alerts).await.is_err() {
            tracing::warn!("alert task did not stop in time; aborting it");
            alerts.abort();
        }
        let _ = tasks.persist.await;
        if self.persist().await.is_ok() {
            tracing::info!(state_dir = %self.inner.store.dir().display(), "state saved at shutdown");
        }
    }
}

async fn load_state(store: &Store, metrics: &Metrics) -> PersistedState {
    let reader = store.clone();
    let loaded = tokio::task::spawn_blocking(move || reader.load())
        .await
        .unwrap_or_else(|join_error| {
            Err(StoreError::Read {
                path: store.state_path(),
                source: std::io::Error::other(join_error.to_string()),
            })
        });
    match loaded {
        Ok(Some(state)) => state,
        Ok(None) => PersistedState::default(),
        Err(error @ StoreError::Corrupt { .. }) => {
            metrics.store_error("load");
            match store.set_aside() {
                Ok(aside) => {
                    tracing::error!(%error, aside = %aside.display(), "state file unreadable; set aside, starting empty");
                }
                Err(rename_error) => {
                    tracing::error!(%error, %rename_error, "state file unreadable and could not be set aside; starting empty");
                }
            }
            PersistedState::default()
        }
        Err(error) => {
            metrics.store_error("load");
            tracing::error!(%error, "loading state failed; starting empty");
            PersistedState::default()
        }
    }
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests_alertmanager;

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use monitor_detect::DataType;

    use super::*;
    use crate::{
        model::Protocol,
        sinks::{
            findings::tests::{event, flow},
            store::tests::TempDir,
            testing::wait_until,
        },
    };

    fn config(dir: &std::path::Path) -> SinksConfig {
        SinksConfig {
            persist_interval: Duration::from_hours(1),
            flush_timeout: Duration::from_millis(500),
            request_timeout: Duration::from_millis(500),
            ..SinksConfig::new(dir)
        }
    }

    fn http_flow(src: &str) -> FlowView {
        flow(src, "10.0.0.9:8080", Protocol::Http)
    }

    #[tokio::test]
    async fn findings_and_alerts_survive_a_restart() {
        let dir = TempDir::new("sinks-restart");
        let (sinks, tasks) = Sinks::start(config(&dir.0)).await.expect("start");
        sinks.on_new_flow(&http_flow("10.0.0.5:40000"));
        sinks.on_detections(vec![
            event(
                http_flow("10.0.0.5:40000"),
                DataType::Email,
                "j***@e***.com",
                1,
            ),
            event(
                http_flow("10.0.0.5:40001"),
                DataType::Email,
                "j***@e***.com",
                2,
            ),
            event(
                http_flow("10.0.0.5:40001"),
                DataType::Iban,
                "DE** **** **** **00",
                3,
            ),
        ]);
        let alerts_held = wait_until(Duration::from_secs(5), || {
            sinks.alerts_summary().active == 2
        })
        .await;
        assert!(alerts_held, "alerts: {:?}", sinks.alerts_summary());
        sinks.shutdown(tasks).await;
        assert!(dir.0.join(store::STATE_FILE).exists());

        let (again, tasks) = Sinks::start(config(&dir.0)).await.expect("restart");
        let findings = again.findings();
        assert_eq!(findings.len(), 2);
        let email = findings
            .iter()
            .find(|f| f.key.data_type == DataType::Email)
            .expect("email kept");
        assert_eq!(email.count, 2);
        assert_eq!(email.key.source, "10.0.0.5");
        assert_eq!(again.alerts_summary().active, 2);
        assert_eq!(again.metrics_summary().store_errors_total, 0);
        again.shutdown(tasks).await;
    }

    #[tokio::test]
    async fn an_unwritable_state_dir_keeps_serving_from_memory() {
        let dir = TempDir::new("sinks-unwritable");
        let blocker = dir.0.join("not-a-dir");
        std::fs::write(&blocker, b"").expect("write");
        let (sinks, tasks) = Sinks::start(config(&blocker.join("state")))
            .await
            .expect("start despite the dir");
        sinks.on_detections(vec![event(
            http_flow("10.0.0.5:40000"),
            DataType::Phone,
            "+** *** ***12",
            1,
        )]);
        assert!(matches!(
            sinks.persist().await,
            Err(StoreError::CreateDir { .. })
        ));
        assert_eq!(sinks.findings().len(), 1, "memory is untouched");
        let health = sinks.store_health();
        assert!(
            health
                .last_error
                .as_deref()
                .is_some_and(|e| e.contains("not-a-dir")),
            "{health:?}"
        );
        assert_eq!(health.last_saved, None);
        let text = sinks.render_metrics();
        assert!(
            text.contains("monitor_store_errors_total{operation=\"save\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("monitor_store_errors_total{operation=\"load\"} 1"),
            "{text}"
        );
        // Shutdown tries again, fails again, and still returns.
        sinks.shutdown(tasks).await;
    }

    #[tokio::test]
    async fn an_unreachable_alertmanager_is_retried_with_backoff() {
        let dir = TempDir::new("sinks-backoff");
        let config = SinksConfig {
            // Port 9 (discard) is closed on loopback: connections are refused at once.
            alertmanagers: vec!["http://127.0.0.1:9".to_owned()],
            backoff_initial: Duration::from_millis(50),
            backoff_max: Duration::from_millis(200),
            ..config(&dir.0)
        };
        let (sinks, tasks) = Sinks::start(config).await.expect("start");
        sinks.on_detections(vec![event(
            http_flow("10.0.0.5:40000"),
            DataType::Email,
            "j***@e***.com",
            1,
        )]);
        let retried = wait_until(Duration::from_secs(5), || {
            sinks.metrics_summary().alert_sends_failed_total >= 3
        })
        .await;
        assert!(retried, "{:?}", sinks.metrics_summary());
        let started = std::time::Instant::now();
        let before = sinks.metrics_summary().alert_sends_failed_total;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let during = sinks.metrics_summary().alert_sends_failed_total - before;
        // Capped at 200 ms: about 5 attempts a second, never a tight loop.
        assert!(
            (2..=9).contains(&during),
            "{during} attempts in {:?}",
            started.elapsed()
        );
        assert_eq!(sinks.alerts_summary().pending, 1);
        assert!(sinks.alerts_summary().targets == ["http://127.0.0.1:9"]);
        sinks.shutdown(tasks).await;
    }

    #[tokio::test]
    async fn a_full_alert_queue_drops_and_counts_instead_of_blocking() {
        let dir = TempDir::new("sinks-queue");
        let config = SinksConfig {
            alert_queue: 1,
            ..config(&dir.0)
        };
        let (sinks, tasks) = Sinks::start(config).await.expect("start");
        // A current-thread test runtime: the alert task cannot drain the queue before the next
        // await, so the second and third alerts find it full.
        sinks.on_detections(vec![
            event(http_flow("10.0.0.1:40000"), DataType::Email, "e", 1),
            event(http_flow("10.0.0.2:40000"), DataType::Email, "e", 1),
            event(http_flow("10.0.0.3:40000"), DataType::Email, "e", 1),
        ]);
        let text = sinks.render_metrics();
        assert!(
            text.contains("monitor_alerts_dropped_total{reason=\"queue_full\"} 2"),
            "{text}"
        );
        assert_eq!(sinks.findings().len(), 3, "findings are kept regardless");
        sinks.shutdown(tasks).await;
    }

    #[tokio::test]
    async fn state_is_written_periodically() {
        let dir = TempDir::new("sinks-periodic");
        let config = SinksConfig {
            persist_interval: Duration::from_millis(100),
            ..config(&dir.0)
        };
        let (sinks, tasks) = Sinks::start(config).await.expect("start");
        sinks.on_detections(vec![event(
            http_flow("10.0.0.1:40000"),
            DataType::Imei,
            "35209900*******",
            1,
        )]);
        let state_path = dir.0.join(store::STATE_FILE);
        // The file appears when the blocking write renames it; the health record is updated
        // once that write has returned, a moment later.
        let written = wait_until(Duration::from_secs(5), || {
            std::fs::read_to_string(&state_path)
                .is_ok_and(|state| state.contains("35209900*******"))
                && sinks.store_health().last_saved.is_some()
        })
        .await;
        assert!(written, "no periodic save recorded");
        sinks.shutdown(tasks).await;
    }

    #[tokio::test]
    async fn a_corrupt_state_file_is_set_aside_and_the_daemon_starts_empty() {
        let dir = TempDir::new("sinks-corrupt");
        std::fs::write(dir.0.join(store::STATE_FILE), b"{\"version\":1,").expect("write");
        let (sinks, tasks) = Sinks::start(config(&dir.0)).await.expect("start");
        assert!(sinks.findings().is_empty());
        assert!(
            sinks
                .render_metrics()
                .contains("monitor_store_errors_total{operation=\"load\"} 1")
        );
        let aside = std::fs::read_dir(&dir.0)
            .expect("list")
            .filter_map(Result::ok)
            .filter(|entry| {
                entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with("state.json.corrupt-")
            })
            .count();
        assert_eq!(aside, 1);
        sinks.shutdown(tasks).await;
    }

    #[tokio::test]
    async fn invalid_alertmanagers_are_refused_at_start() {
        let dir = TempDir::new("sinks-invalid");
        let config_with = |alertmanager: &str, ca: Option<PathBuf>| SinksConfig {
            alertmanagers: vec![alertmanager.to_owned()],
            alertmanager_tls: TlsSettings {
                ca_file: ca,
                client_identity: None,
            },
            ..config(&dir.0)
        };
        assert!(matches!(
            Sinks::start(config_with("ftp://127.0.0.1:9093", None)).await,
            Err(SinksError::Alert(AlertError::InvalidTarget { .. }))
        ));
        // A CA file that is missing or holds no certificate is a configuration error.
        let missing = dir.0.join("missing-ca.pem");
        let not_pem = dir.0.join("not-a-ca.pem");
        std::fs::write(&not_pem, "not a certificate\n").expect("write");
        for ca in [missing, not_pem] {
            let started = Sinks::start(config_with("https://127.0.0.1:9093", Some(ca))).await;
            let Err(SinksError::Alert(error @ AlertError::Ca { .. })) = started else {
                panic!("accepted a bad CA file");
            };
            assert!(error.to_string().contains("-ca.pem"), "{error}");
        }
        // So is a client certificate file without a certificate and key.
        let identity = SinksConfig {
            alertmanager_tls: TlsSettings {
                ca_file: None,
                client_identity: Some(dir.0.join("not-a-ca.pem")),
            },
            ..config_with("https://127.0.0.1:9093", None)
        };
        assert!(matches!(
            Sinks::start(identity).await,
            Err(SinksError::Alert(AlertError::ClientIdentity { .. }))
        ));
    }
}
