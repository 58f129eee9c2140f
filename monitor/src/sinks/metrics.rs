//! Prometheus metrics of the daemon.
//!
//! Labels only ever hold names from closed vocabularies (data type, protocol, encrypted flag, drop
//! reason, store operation, send result), never an address or a personal value, so the series
//! count stays bounded and a scrape cannot leak what was detected.

use std::{
    collections::BTreeSet,
    sync::{Mutex, PoisonError},
};

use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, gauge::Gauge},
    registry::Registry,
};

use crate::sinks::KernelCounters;

/// Content type of [`Metrics::render`]: the `OpenMetrics` text format, which Prometheus scrapes.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Drop reasons the kernel reports.
pub const DROP_RINGBUF_FULL: &str = "ringbuf_full";
pub const DROP_BUDGET: &str = "budget";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FindingLabels {
    data_type: &'static str,
    protocol: &'static str,
    encrypted: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProtocolLabels {
    protocol: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    result: &'static str,
}

/// Outcome of one POST to an Alertmanager, the `result` label of `monitor_alert_sends_total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendResult {
    Success,
    Failure,
}

/// The daemon's metrics and the registry that renders them.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    findings: Family<FindingLabels, Counter>,
    findings_stored: Gauge,
    findings_evicted: Counter,
    flows: Counter,
    flows_active: Gauge,
    samples: Counter,
    samples_dropped: Family<ReasonLabels, Counter>,
    kernel_samples: Counter,
    kernel_packets: Counter,
    parse_errors: Family<ProtocolLabels, Counter>,
    store_errors: Family<OperationLabels, Counter>,
    alert_sends: Family<ResultLabels, Counter>,
    alerts_dropped: Family<ReasonLabels, Counter>,
    alerts_pending: Gauge,
    reassembly_held_bytes: Gauge,
    reassembly_budget_releases: Counter,
    /// Every drop reason counted so far (kernel and userspace), for the status summary.
    drop_reasons: Mutex<BTreeSet<&'static str>>,
    /// The last cumulative kernel reading, to turn readings into increments.
    kernel_last: Mutex<Option<KernelCounters>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric.
    #[expect(
        clippy::too_many_lines,
        reason = "one registration per metric, nothing to factor out"
    )]
    #[must_use]
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let findings = Family::<FindingLabels, Counter>::default();
        let findings_stored = Gauge::default();
        let findings_evicted = Counter::default();
        let flows = Counter::default();
        let flows_active = Gauge::default();
        let samples = Counter::default();
        let samples_dropped = Family::<ReasonLabels, Counter>::default();
        let kernel_samples = Counter::default();
        let kernel_packets = Counter::default();
        let parse_errors = Family::<ProtocolLabels, Counter>::default();
        let store_errors = Family::<OperationLabels, Counter>::default();
        let alert_sends = Family::<ResultLabels, Counter>::default();
        let alerts_dropped = Family::<ReasonLabels, Counter>::default();
        let alerts_pending = Gauge::default();
        let reassembly_held_bytes = Gauge::default();
        let reassembly_budget_releases = Counter::default();
        // Counter names get their `_total` suffix from the encoder.
        registry.register(
            "monitor_findings",
            "Personal-data detections, by data type, protocol and encryption",
            findings.clone(),
        );
        registry.register(
            "monitor_findings_stored",
            "Finding aggregates held (bounded by --max-findings)",
            findings_stored.clone(),
        );
        registry.register(
            "monitor_findings_evicted",
            "Finding aggregates evicted to stay within bounds",
            findings_evicted.clone(),
        );
        registry.register("monitor_flows", "Flow directions seen", flows.clone());
        registry.register(
            "monitor_flows_active",
            "Flow directions currently tracked",
            flows_active.clone(),
        );
        registry.register(
            "monitor_samples",
            "Payload samples delivered to userspace",
            samples.clone(),
        );
        registry.register(
            "monitor_samples_dropped",
            "Payload samples dropped, by reason",
            samples_dropped.clone(),
        );
        registry.register(
            "monitor_kernel_samples",
            "Payload samples the kernel programs produced",
            kernel_samples.clone(),
        );
        registry.register(
            "monitor_kernel_packets",
            "Packets the kernel programs saw",
            kernel_packets.clone(),
        );
        registry.register(
            "monitor_parse_errors",
            "Protocol decoding errors, by protocol",
            parse_errors.clone(),
        );
        registry.register(
            "monitor_store_errors",
            "State-directory errors, by operation",
            store_errors.clone(),
        );
        registry.register(
            "monitor_alert_sends",
            "POSTs to Alertmanagers, by result",
            alert_sends.clone(),
        );
        registry.register(
            "monitor_alerts_dropped",
            "Alerts not queued, by reason",
            alerts_dropped.clone(),
        );
        registry.register(
            "monitor_alerts_pending",
            "Active alerts not yet delivered to every Alertmanager",
            alerts_pending.clone(),
        );
        registry.register(
            "monitor_reassembly_held_bytes",
            "Payload bytes flow directions hold back for reassembly, for an HTTP body still arriving, or as database schema for later segments (bounded by --max-held-mib)",
            reassembly_held_bytes.clone(),
        );
        registry.register(
            "monitor_reassembly_budget_releases",
            "Flow directions made to release held bytes early to stay within --max-held-mib",
            reassembly_budget_releases.clone(),
        );
        // Create the kernel reasons up front so dashboards see zeros rather than gaps.
        for reason in [DROP_RINGBUF_FULL, DROP_BUDGET] {
            drop(samples_dropped.get_or_create(&ReasonLabels { reason }));
        }
        Self {
            registry,
            findings,
            findings_stored,
            findings_evicted,
            flows,
            flows_active,
            samples,
            samples_dropped,
            kernel_samples,
            kernel_packets,
            parse_errors,
            store_errors,
            alert_sends,
            alerts_dropped,
            alerts_pending,
            reassembly_held_bytes,
            reassembly_budget_releases,
            drop_reasons: Mutex::new(BTreeSet::from([DROP_RINGBUF_FULL, DROP_BUDGET])),
            kernel_last: Mutex::new(None),
        }
    }

    pub(crate) fn finding(&self, data_type: &'static str, protocol: &'static str, encrypted: bool) {
        let encrypted = if encrypted { "true" } else { "false" };
        self.findings
            .get_or_create(&FindingLabels {
                data_type,
                protocol,
                encrypted,
            })
            .inc();
    }

    pub(crate) fn set_findings_stored(&self, stored: usize) {
        self.findings_stored.set(saturating_i64(stored));
    }

    pub(crate) fn finding_evicted(&self) {
        self.findings_evicted.inc();
    }

    pub(crate) fn new_flow(&self) {
        self.flows.inc();
    }

    pub(crate) fn set_flows_active(&self, active: usize) {
        self.flows_active.set(saturating_i64(active));
    }

    pub(crate) fn samples_delivered(&self, delivered: u64) {
        self.samples.inc_by(delivered);
    }

    pub(crate) fn samples_dropped(&self, reason: &'static str, n: u64) {
        self.drop_reasons
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(reason);
        self.samples_dropped
            .get_or_create(&ReasonLabels { reason })
            .inc_by(n);
    }

    pub(crate) fn parse_error(&self, protocol: &'static str) {
        self.parse_errors
            .get_or_create(&ProtocolLabels { protocol })
            .inc();
    }

    pub(crate) fn store_error(&self, operation: &'static str) {
        self.store_errors
            .get_or_create(&OperationLabels { operation })
            .inc();
    }

    pub(crate) fn alert_send(&self, result: SendResult) {
        let result = match result {
            SendResult::Success => "success",
            SendResult::Failure => "failure",
        };
        self.alert_sends
            .get_or_create(&ResultLabels { result })
            .inc();
    }

    pub(crate) fn alert_dropped(&self, reason: &'static str) {
        self.alerts_dropped
            .get_or_create(&ReasonLabels { reason })
            .inc();
    }

    pub(crate) fn set_alerts_pending(&self, pending: usize) {
        self.alerts_pending.set(saturating_i64(pending));
    }

    pub(crate) fn reassembly(&self, held_bytes: usize, new_budget_releases: u64) {
        self.reassembly_held_bytes.set(saturating_i64(held_bytes));
        self.reassembly_budget_releases.inc_by(new_budget_releases);
    }

    /// Takes one cumulative reading of the kernel counters and adds what grew since the last one.
    /// A reading below the last one means the counters restarted (programs reloaded): the new
    /// reading is then all growth. The exported counters so stay monotonic.
    pub(crate) fn kernel_counters(&self, reading: &KernelCounters) {
        let mut last = self
            .kernel_last
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let previous = last.unwrap_or_default();
        let grown = |now: u64, before: u64| if now >= before { now - before } else { now };
        self.kernel_packets
            .inc_by(grown(reading.packets_seen, previous.packets_seen));
        self.kernel_samples
            .inc_by(grown(reading.samples_total, previous.samples_total));
        self.samples_dropped(
            DROP_RINGBUF_FULL,
            grown(reading.dropped_ringbuf_full, previous.dropped_ringbuf_full),
        );
        self.samples_dropped(
            DROP_BUDGET,
            grown(reading.dropped_budget, previous.dropped_budget),
        );
        *last = Some(*reading);
    }

    /// Renders every metric in the `OpenMetrics` text format ([`CONTENT_TYPE`]).
    #[must_use]
    pub fn render(&self) -> String {
        let mut text = String::new();
        if let Err(error) = prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            // Writing to a String only fails if an encoder reports an error itself.
            tracing::error!(%error, "rendering metrics failed");
        }
        text
    }

    /// Values the status endpoint reports.
    #[must_use]
    pub fn summary(&self) -> MetricsSummary {
        // Each read is its own statement: a family hands out a read guard, and holding one while
        // another call on the same family creates a series would deadlock.
        let reasons: Vec<&'static str> = self
            .drop_reasons
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .copied()
            .collect();
        let samples_dropped = reasons
            .into_iter()
            .map(|reason| {
                let count = self
                    .samples_dropped
                    .get_or_create(&ReasonLabels { reason })
                    .get();
                (reason.to_owned(), count)
            })
            .collect();
        let mut store_errors_total = 0;
        for operation in ["load", "save"] {
            let count = self
                .store_errors
                .get_or_create(&OperationLabels { operation })
                .get();
            store_errors_total += count;
        }
        let alert_sends_failed_total = self
            .alert_sends
            .get_or_create(&ResultLabels { result: "failure" })
            .get();
        let alert_sends_succeeded_total = self
            .alert_sends
            .get_or_create(&ResultLabels { result: "success" })
            .get();
        MetricsSummary {
            flows_total: self.flows.get(),
            samples_total: self.samples.get(),
            kernel_samples_total: self.kernel_samples.get(),
            samples_dropped,
            store_errors_total,
            alert_sends_failed_total,
            alert_sends_succeeded_total,
        }
    }
}

/// Counter values for `GET /api/v1/status`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MetricsSummary {
    pub flows_total: u64,
    pub samples_total: u64,
    pub kernel_samples_total: u64,
    /// Drop reasons (kernel and userspace) and their counts, by name.
    pub samples_dropped: Vec<(String, u64)>,
    pub store_errors_total: u64,
    pub alert_sends_failed_total: u64,
    pub alert_sends_succeeded_total: u64,
}

fn saturating_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value_of(text: &str, series: &str) -> Option<u64> {
        text.lines()
            .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
    }

    #[test]
    fn renders_the_contract_series() {
        let metrics = Metrics::new();
        metrics.finding("email", "http", false);
        metrics.finding("email", "http", false);
        metrics.new_flow();
        metrics.samples_delivered(7);
        metrics.samples_dropped("queue_full", 2);
        metrics.parse_error("http");
        metrics.store_error("save");
        metrics.alert_send(SendResult::Failure);
        metrics.set_flows_active(3);
        metrics.reassembly(4096, 2);
        let text = metrics.render();
        assert_eq!(value_of(&text, "monitor_reassembly_held_bytes"), Some(4096));
        assert_eq!(
            value_of(&text, "monitor_reassembly_budget_releases_total"),
            Some(2)
        );
        assert_eq!(
            value_of(
                &text,
                r#"monitor_findings_total{data_type="email",protocol="http",encrypted="false"}"#
            ),
            Some(2),
            "{text}"
        );
        assert_eq!(value_of(&text, "monitor_flows_total"), Some(1));
        assert_eq!(value_of(&text, "monitor_flows_active"), Some(3));
        assert_eq!(value_of(&text, "monitor_samples_total"), Some(7));
        assert_eq!(
            value_of(
                &text,
                r#"monitor_samples_dropped_total{reason="ringbuf_full"}"#
            ),
            Some(0)
        );
        assert_eq!(
            value_of(
                &text,
                r#"monitor_samples_dropped_total{reason="queue_full"}"#
            ),
            Some(2)
        );
        assert_eq!(
            value_of(&text, r#"monitor_parse_errors_total{protocol="http"}"#),
            Some(1)
        );
        assert_eq!(
            value_of(&text, r#"monitor_store_errors_total{operation="save"}"#),
            Some(1)
        );
        assert_eq!(
            value_of(&text, r#"monitor_alert_sends_total{result="failure"}"#),
            Some(1)
        );
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn kernel_readings_become_monotonic_counters() {
        let metrics = Metrics::new();
        let reading = |samples, ringbuf, budget| KernelCounters {
            packets_seen: samples * 10,
            samples_total: samples,
            dropped_ringbuf_full: ringbuf,
            dropped_budget: budget,
        };
        metrics.kernel_counters(&reading(10, 1, 0));
        metrics.kernel_counters(&reading(25, 4, 2));
        // Programs reloaded: the counters restart from zero.
        metrics.kernel_counters(&reading(5, 1, 0));
        let text = metrics.render();
        assert_eq!(
            value_of(&text, "monitor_kernel_samples_total"),
            Some(30),
            "{text}"
        );
        assert_eq!(value_of(&text, "monitor_kernel_packets_total"), Some(300));
        assert_eq!(
            value_of(
                &text,
                r#"monitor_samples_dropped_total{reason="ringbuf_full"}"#
            ),
            Some(5)
        );
        assert_eq!(
            value_of(&text, r#"monitor_samples_dropped_total{reason="budget"}"#),
            Some(2)
        );
        let summary = metrics.summary();
        assert_eq!(summary.kernel_samples_total, 30);
        assert_eq!(
            summary.samples_dropped,
            [("budget".to_owned(), 2), ("ringbuf_full".to_owned(), 5)]
        );
    }
}
