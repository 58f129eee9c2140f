//! Helpers shared by the sinks and API tests.

use std::time::{Duration, Instant};

use monitor_detect::{DataType, Engine, EngineConfig, Finding};

use crate::model::{DetectionEvent, FlowView};

/// Polls `condition` every 20 ms until it holds or `timeout` passes; returns whether it held.
pub(crate) async fn wait_until(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Detections of `raw` (a value of `data_type` inside `payload`) as the daemon would make them:
/// through the engine when it finds the value, else (while the engine is being written) one
/// finding over the value's span, redacted by the engine's own redaction. Either way the raw bytes
/// stay here; the events carry spans and redacted evidence only.
pub(crate) fn detect(
    flow: &FlowView,
    payload: &[u8],
    raw: &[u8],
    data_type: DataType,
    at: std::time::SystemTime,
) -> Vec<DetectionEvent> {
    let mut findings = Engine::new(EngineConfig::default())
        .map(|engine| engine.scan(payload))
        .unwrap_or_default();
    findings.retain(|finding| finding.data_type == data_type);
    if findings.is_empty() {
        eprintln!(
            "note: the engine found no {data_type} here; using its redaction on the value's span"
        );
        let start = payload
            .windows(raw.len())
            .position(|w| w == raw)
            .unwrap_or(0);
        findings.push(Finding {
            data_type,
            start,
            end: start + raw.len(),
            confidence: 0.9,
            context: Some("email".to_owned()),
            country: None,
            evidence: monitor_detect::redact(data_type, raw),
        });
    }
    findings
        .into_iter()
        .map(|finding| DetectionEvent {
            flow: flow.clone(),
            finding,
            at,
        })
        .collect()
}

/// A daemon's sinks and API on a thread of their own (the CLI verbs build their own runtime, which
/// cannot nest inside a test's), stopped and joined on drop.
pub(crate) struct TestDaemon {
    pub(crate) endpoint: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    _dir: crate::sinks::store::tests::TempDir,
}

impl TestDaemon {
    /// Serves sinks that saw one unencrypted email, plus `status`.
    pub(crate) fn start(status: crate::sinks::DaemonStatus) -> Self {
        let dir = crate::sinks::store::tests::TempDir::new("test-daemon");
        let state_dir = dir.0.clone();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<String>();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let (sinks, tasks) =
                    crate::sinks::Sinks::start(crate::sinks::SinksConfig::new(state_dir))
                        .await
                        .expect("sinks");
                let flow = crate::sinks::findings::tests::flow(
                    "10.0.0.5:40000",
                    "10.0.0.9:8080",
                    crate::model::Protocol::Http,
                );
                sinks.on_flows(vec![flow.clone()]);
                let payload = br#"{"email":"jane.doe@example.com"}"#;
                sinks.on_detections(detect(
                    &flow,
                    payload,
                    b"jane.doe@example.com",
                    DataType::Email,
                    std::time::SystemTime::now(),
                ));
                sinks.set_status(status);
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind");
                let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
                let _ = ready_tx.send(endpoint);
                let _ = crate::api::serve(listener, sinks.clone(), async {
                    let _ = stopped.await;
                })
                .await;
                sinks.shutdown(tasks).await;
            });
        });
        let endpoint = ready_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("daemon thread started");
        Self {
            endpoint,
            stop: Some(stop),
            thread: Some(thread),
            _dir: dir,
        }
    }
}

impl Drop for TestDaemon {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
