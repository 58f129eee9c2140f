//! `monitor run`: the daemon. Loads and attaches the kernel programs, runs the pipeline, serves
//! the API and metrics, sends alerts, and detaches everything on SIGINT or SIGTERM.
//!
//! Every flag can also come from the environment (`MONITOR_*`), which is how the Kubernetes
//! ConfigMap in `deploy/` configures it.

use std::{net::SocketAddr, path::PathBuf, process::ExitCode, time::Duration};

use anyhow::Context as _;
use monitor_common::{CaptureConfig, SAMPLE_BYTES_MAX};
use monitor_detect::{Engine, EngineConfig};
use tokio::{net::TcpListener, sync::watch};
use tracing::{error, info};

use crate::{
    api,
    capture::{Capture, CaptureOptions},
    pipeline::{self, PipelineConfig},
    sinks::{DaemonStatus, Sinks, args::SinksArgs},
};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Interface to watch, both directions (repeatable).
    #[arg(
        long = "iface",
        env = "MONITOR_IFACES",
        value_delimiter = ',',
        required = true
    )]
    pub ifaces: Vec<String>,
    /// Address of the JSON API, /metrics and health endpoints.
    #[arg(long, env = "MONITOR_LISTEN", default_value = "127.0.0.1:9842")]
    pub listen: SocketAddr,
    /// State directory, Alertmanager targets and alert timing.
    #[command(flatten)]
    pub sinks: SinksArgs,
    /// Leading payload packets copied from each new flow direction.
    #[arg(long, env = "MONITOR_HEAD_PACKETS", default_value_t = monitor_common::DEFAULT_HEAD_PACKETS)]
    pub head_packets: u32,
    /// Also copy every payload packet that starts within each new flow direction's first N
    /// payload bytes, however many packets came before (0: by count only). Covers a protocol's
    /// set-up of many small packets and the message after it, on a connection opened per message.
    #[arg(long, env = "MONITOR_HEAD_BYTES", default_value_t = monitor_common::DEFAULT_HEAD_BYTES)]
    pub head_bytes: u32,
    /// Copy 1 in N later payload packets (0: head only).
    #[arg(long, env = "MONITOR_SAMPLE_EVERY", default_value_t = monitor_common::DEFAULT_SAMPLE_EVERY)]
    pub sample_every: u32,
    /// Per-CPU budget of copied payload bytes per second (0: unlimited).
    #[arg(long, env = "MONITOR_BUDGET_BYTES_PER_SEC", default_value_t = monitor_common::DEFAULT_BUDGET_BYTES_PER_SEC)]
    pub budget_bytes_per_sec: u64,
    /// Ring buffer size in MiB (a power of two).
    #[arg(long, env = "MONITOR_RINGBUF_MIB", default_value_t = 8)]
    pub ringbuf_mib: u32,
    /// cgroup v2 directory for the socket-layer program (default: the v2 root from /proc/mounts).
    #[arg(long, env = "MONITOR_CGROUP")]
    pub cgroup: Option<PathBuf>,
    /// Do not attach the socket-layer program (no process or pod attribution).
    #[arg(long, env = "MONITOR_NO_CGROUP")]
    pub no_cgroup: bool,
    /// Findings below this confidence are ignored.
    #[arg(long, env = "MONITOR_MIN_CONFIDENCE", default_value_t = EngineConfig::default().min_confidence)]
    pub min_confidence: f32,
    /// Seconds without a packet after which a flow direction expires.
    #[arg(long, env = "MONITOR_FLOW_IDLE_SECS", default_value_t = 120)]
    pub flow_idle_secs: u64,
    /// MiB of payload all flow directions together may hold back (out of order for reassembly,
    /// HTTP messages whose compressed or chunked body is still arriving, database result heads
    /// and prepared statements kept for later segments); beyond it the least recently updated
    /// release theirs first (scanned, not dropped).
    #[arg(long, env = "MONITOR_MAX_HELD_MIB", default_value_t = 64)]
    pub max_held_mib: usize,
    /// Log format on stderr.
    #[arg(long, env = "MONITOR_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl Args {
    /// Checks what clap cannot, so a bad configuration fails before anything is loaded.
    fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.ringbuf_mib.is_power_of_two() && (1..=1024).contains(&self.ringbuf_mib),
            "--ringbuf-mib must be a power of two between 1 and 1024, not {}",
            self.ringbuf_mib
        );
        anyhow::ensure!(
            (0.0..=1.0).contains(&self.min_confidence),
            "--min-confidence must be between 0 and 1, not {}",
            self.min_confidence
        );
        anyhow::ensure!(
            self.flow_idle_secs > 0,
            "--flow-idle-secs must be at least 1"
        );
        anyhow::ensure!(
            (1..=1 << 20).contains(&self.max_held_mib),
            "--max-held-mib must be between 1 and 1048576, not {}",
            self.max_held_mib
        );
        for iface in &self.ifaces {
            anyhow::ensure!(
                !iface.is_empty() && iface.len() < 16 && !iface.contains('/'),
                "invalid interface name `{iface}`"
            );
        }
        Ok(())
    }

    fn capture_options(&self) -> CaptureOptions {
        CaptureOptions {
            interfaces: self.ifaces.clone(),
            sampling: CaptureConfig {
                head_packets: self.head_packets,
                sample_every: self.sample_every,
                budget_bytes_per_sec: self.budget_bytes_per_sec,
                head_bytes: self.head_bytes,
                padding: 0,
            },
            ringbuf_bytes: self.ringbuf_mib << 20,
            cgroup: self.cgroup.clone(),
            without_cgroup: self.no_cgroup,
        }
    }
}

/// Runs the daemon until SIGINT or SIGTERM.
///
/// # Errors
/// A bad configuration, or a failure to load, attach, bind or read: reported once, after
/// everything attached so far was detached.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    init_logging(args.log_format);
    args.validate()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("monitor")
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(daemon(args))?;
    Ok(ExitCode::SUCCESS)
}

async fn daemon(args: Args) -> anyhow::Result<()> {
    let (sinks, sink_tasks) = Sinks::start(args.sinks.to_config())
        .await
        .context("starting the sinks")?;

    let engine = Engine::new(EngineConfig {
        min_confidence: args.min_confidence,
        ..EngineConfig::default()
    })
    .context("building the detection engine")?;
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let listener = match TcpListener::bind(args.listen).await {
        Ok(l) => l,
        Err(err) => {
            sinks.shutdown(sink_tasks).await;
            return Err(err).with_context(|| format!("binding the API to {}", args.listen));
        }
    };
    let api_task = tokio::spawn(api::serve(
        listener,
        sinks.clone(),
        wait_for(shutdown_rx.clone()),
    ));
    info!(listen = %args.listen, "API listening");

    let started = Capture::start(&args.capture_options()).and_then(|mut capture| {
        let samples = capture.take_samples()?;
        let kernel_log = capture.take_kernel_log()?;
        Ok((capture, samples, kernel_log))
    });
    let (capture, samples, kernel_log) = match started {
        Ok(started) => started,
        Err(err) => {
            let _ = shutdown_tx.send(true);
            let _ = api_task.await;
            sinks.shutdown(sink_tasks).await;
            return Err(err).context("starting kernel capture");
        }
    };
    let mut programs = vec!["tc_ingress".to_owned(), "tc_egress".to_owned()];
    if capture.cgroup().is_some() {
        programs.push("socket_egress".to_owned());
    }
    sinks.set_status(DaemonStatus {
        kernel_version: std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .ok()
            .map(|v| v.trim().to_owned()),
        interfaces: capture.interfaces().to_vec(),
        programs_attached: programs,
        ..DaemonStatus::default()
    });
    info!(
        interfaces = ?capture.interfaces(),
        head_packets = args.head_packets,
        head_bytes = args.head_bytes,
        sample_every = args.sample_every,
        max_sample_bytes = SAMPLE_BYTES_MAX,
        "monitoring"
    );

    tokio::spawn(forward_signals(shutdown_tx.clone()));
    let config = PipelineConfig {
        flow_table: crate::flow::FlowTableConfig {
            idle_timeout: Duration::from_secs(args.flow_idle_secs),
            max_held_bytes: args.max_held_mib << 20,
            ..crate::flow::FlowTableConfig::default()
        },
        ..PipelineConfig::default()
    };
    let result = pipeline::run(
        capture,
        samples,
        kernel_log,
        engine,
        sinks.clone(),
        config,
        shutdown_rx,
    )
    .await;
    // Dropping the capture (returned on success, dropped inside on failure) detaches the TC and
    // cgroup programs.
    let result = result.map(drop);
    // The API stops too, also when the pipeline stopped on its own.
    let _ = shutdown_tx.send(true);
    if let Err(err) = &result {
        error!(error = %err, "pipeline stopped");
    }
    info!("kernel programs detached; flushing state and alerts");
    let _ = api_task.await;
    sinks.shutdown(sink_tasks).await;
    result.context("reading samples")
}

/// Turns SIGINT and SIGTERM into the shutdown signal.
async fn forward_signals(shutdown: watch::Sender<bool>) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        error!("cannot install signal handlers; stop the daemon with SIGKILL");
        return;
    };
    tokio::select! {
        _ = term.recv() => info!("SIGTERM received"),
        _ = int.recv() => info!("SIGINT received"),
    }
    let _ = shutdown.send(true);
}

async fn wait_for(mut shutdown: watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

fn init_logging(format: LogFormat) {
    use tracing_subscriber::{EnvFilter, fmt};
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
