//! The daemon's main loop: ring-buffer samples into the flow table (assembly, decoding,
//! detection), kernel counters polled once a second, and everything handed to the sinks.
//!
//! One task owns the flow table and the capture maps, so no lock is taken per packet.

use std::{
    collections::BTreeMap,
    time::{Duration, SystemTime},
};

use monitor_detect::Engine;
use tokio::sync::watch;
use tracing::{debug, warn};

use crate::{
    capture::{
        Capture, CaptureError, KernelCounterValues, KernelLog, SampleReader,
        sample::{self, MonotonicClock},
    },
    flow::{FlowTable, FlowTableConfig},
    model::Attribution,
    sinks::{KernelCounters, Sinks},
};

/// Settings of the main loop.
#[derive(Clone, Debug)]
pub struct PipelineConfig {
    /// How often kernel counters and the flow list are refreshed.
    pub poll_interval: Duration,
    pub flow_table: FlowTableConfig,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(1),
            flow_table: FlowTableConfig::default(),
        }
    }
}

/// Runs until `shutdown` turns true.
///
/// # Errors
/// The ring buffer cannot be read any more (the reactor failed).
pub async fn run(
    mut capture: Capture,
    mut samples: SampleReader,
    mut kernel_log: Option<KernelLog>,
    engine: Engine,
    sinks: Sinks,
    config: PipelineConfig,
    mut shutdown: watch::Receiver<bool>,
) -> Result<Capture, CaptureError> {
    let mut stage = Stage::new(&config, sinks);
    let mut poll = tokio::time::interval(config.poll_interval);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            _ = shutdown.changed() => break,
            batch = samples.read_batch(|record| stage.on_record(record, &engine)) => {
                let n = batch?;
                stage.flush(n);
            }
            _ = poll.tick() => stage.on_poll(&mut capture, &config, &engine),
            forwarded = forward_log(kernel_log.as_mut()) => {
                if let Err(err) = forwarded {
                    warn!(error = %err, "kernel log reader failed; kernel log lines are no longer read");
                    kernel_log = None;
                }
            }
        }
    }
    Ok(capture)
}

/// Forwards kernel log records, or never completes when there is no reader.
async fn forward_log(log: Option<&mut KernelLog>) -> Result<(), CaptureError> {
    match log {
        Some(log) => log.forward().await,
        None => std::future::pending().await,
    }
}

/// State of the loop, separate from the I/O so each step is a plain method.
struct Stage {
    table: FlowTable,
    sinks: Sinks,
    clock: MonotonicClock,
    pending: Vec<crate::model::DetectionEvent>,
    previous: KernelCounterValues,
    previous_parse_errors: BTreeMap<&'static str, u64>,
    previous_budget_releases: u64,
}

impl Stage {
    fn new(config: &PipelineConfig, sinks: Sinks) -> Self {
        Self {
            table: FlowTable::new(config.flow_table),
            sinks,
            clock: MonotonicClock::now(),
            pending: Vec::new(),
            previous: KernelCounterValues::default(),
            previous_parse_errors: BTreeMap::new(),
            previous_budget_releases: 0,
        }
    }

    fn on_record(&mut self, record: &[u8], engine: &Engine) {
        match sample::decode(record, &self.clock) {
            Ok(sample) => {
                let ingested = self.table.ingest(sample, engine);
                if let Some(view) = ingested.new_flow {
                    self.sinks.on_new_flow(&view);
                }
                self.pending.extend(ingested.detections);
            }
            Err(err) => {
                debug!(error = %err, "undecodable ring buffer record");
                self.sinks.on_userspace_drop(err.reason(), 1);
            }
        }
    }

    fn flush(&mut self, delivered: usize) {
        self.sinks.on_samples(delivered as u64);
        if !self.pending.is_empty() {
            self.sinks.on_detections(std::mem::take(&mut self.pending));
        }
    }

    fn on_poll(&mut self, capture: &mut Capture, config: &PipelineConfig, engine: &Engine) {
        match capture.counters() {
            Ok(c) => {
                self.sinks.on_kernel_counters(&KernelCounters {
                    packets_seen: c.packets,
                    samples_total: c.samples,
                    dropped_ringbuf_full: c.dropped_ringbuf_full,
                    dropped_budget: c.dropped_budget,
                });
                let load_failed = c
                    .dropped_load_failed
                    .saturating_sub(self.previous.dropped_load_failed);
                if load_failed > 0 {
                    self.sinks.on_userspace_drop("load_failed", load_failed);
                }
                self.previous = c;
            }
            Err(err) => warn!(error = %err, "reading kernel counters failed"),
        }
        let now = SystemTime::now();
        let idle = config.flow_table.idle_timeout;
        match capture.flows() {
            Ok(flows) => {
                let mut stale = Vec::new();
                for (kernel_key, stats, socket) in flows {
                    let last_seen = self.clock.to_system(stats.last_seen_ns);
                    if now.duration_since(last_seen).is_ok_and(|age| age > idle) {
                        stale.push(kernel_key);
                        continue;
                    }
                    let Ok(key) = sample::flow_key(&kernel_key) else {
                        continue;
                    };
                    let attribution = socket.map(|s| Attribution {
                        socket_cookie: Some(s.socket_cookie),
                        cgroup_id: Some(s.cgroup_id),
                    });
                    let updated = self.table.update_counters(
                        key,
                        (stats.packets, stats.bytes),
                        attribution,
                        last_seen,
                        engine,
                    );
                    if let Some(view) = updated.new_flow {
                        self.sinks.on_new_flow(&view);
                    }
                    self.pending.extend(updated.detections);
                }
                if let Err(err) = capture.forget_flows(&stale) {
                    warn!(error = %err, "removing idle flows from the kernel map failed");
                }
            }
            Err(err) => warn!(error = %err, "reading the kernel flow map failed"),
        }
        let expired = self.table.expire(now, engine);
        if !expired.views.is_empty() {
            debug!(expired = expired.views.len(), "flow directions expired");
            // The kernel forgets them too, so the next connection on the same 5-tuple is sampled
            // from its head again and is not re-created here from stale counters.
            let keys: Vec<_> = expired
                .views
                .iter()
                .map(|v| sample::kernel_key(&v.key))
                .collect();
            if let Err(err) = capture.forget_flows(&keys) {
                warn!(error = %err, "removing expired flows from the kernel map failed");
            }
        }
        // What expiry and eviction released goes out with this poll, not with the next batch.
        self.pending.extend(expired.detections);
        if !self.pending.is_empty() {
            self.sinks.on_detections(std::mem::take(&mut self.pending));
        }
        let stats = self.table.stats();
        self.sinks.on_reassembly(
            stats.held_bytes,
            stats
                .budget_releases
                .saturating_sub(self.previous_budget_releases),
        );
        self.previous_budget_releases = stats.budget_releases;
        for (kind, total) in &stats.parse_errors {
            let before = self.previous_parse_errors.insert(kind, *total).unwrap_or(0);
            for _ in before..*total {
                self.sinks.on_parse_error(kind);
            }
        }
        self.sinks.on_flows(self.table.snapshot());
    }
}
