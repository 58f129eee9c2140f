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
