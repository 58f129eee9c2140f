//! The daemon's HTTP API: flows, findings, status, Prometheus metrics, liveness and readiness.
//! Read-only; the JSON shapes are in [`types`], shared with the CLI verbs.

pub mod client;
pub mod types;

use std::{collections::BTreeMap, future::Future, time::SystemTime};

use axum::{
    Json, Router,
    extract::State,
    http::{StatusCode, header},
    response::IntoResponse,
    routing::get,
};
use tokio::net::TcpListener;

use crate::{
    api::types::{
        AlertStatusJson, FindingCountsJson, FindingJson, FlowCountsJson, FlowJson,
        SampleCountsJson, StatusJson, StoreStatusJson,
    },
    sinks::{Sinks, metrics::CONTENT_TYPE},
};

/// Errors of serving the API.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("serving the HTTP API on {addr}: {source}")]
    Serve {
        addr: String,
        source: std::io::Error,
    },
}

/// The API's routes over `sinks`.
pub fn router(sinks: Sinks) -> Router {
    Router::new()
        .route("/api/v1/flows", get(flows))
        .route("/api/v1/findings", get(findings))
        .route("/api/v1/status", get(status))
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(sinks)
}

/// Serves the API on `listener` until `shutdown` completes.
///
/// # Errors
/// [`ApiError::Serve`] when the server fails.
pub async fn serve(
    listener: TcpListener,
    sinks: Sinks,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ApiError> {
    let addr = listener
        .local_addr()
        .map_or_else(|_| "?".to_owned(), |addr| addr.to_string());
    tracing::info!(%addr, "HTTP API listening");
    axum::serve(listener, router(sinks))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|source| ApiError::Serve { addr, source })
}

async fn flows(State(sinks): State<Sinks>) -> Json<Vec<FlowJson>> {
    Json(sinks.flows().iter().map(FlowJson::from).collect())
}

async fn findings(State(sinks): State<Sinks>) -> Json<Vec<FindingJson>> {
    Json(sinks.findings().iter().map(FindingJson::from).collect())
}

async fn status(State(sinks): State<Sinks>) -> Json<StatusJson> {
    Json(status_json(&sinks))
}

/// The status document of `sinks`.
#[must_use]
pub fn status_json(sinks: &Sinks) -> StatusJson {
    let daemon = sinks.status();
    let counters = sinks.metrics_summary();
    let alerts = sinks.alerts_summary();
    let store = sinks.store_health();
    let to_u64 = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
    let active_flows = sinks.flows().iter().filter(|flow| flow.active).count();
    StatusJson {
        version: daemon.version,
        started_at: daemon.started_at,
        uptime_seconds: SystemTime::now()
            .duration_since(daemon.started_at)
            .map(|d| d.as_secs())
            .unwrap_or_default(),
        ready: !daemon.programs_attached.is_empty(),
        kernel_version: daemon.kernel_version,
        interfaces: daemon.interfaces,
        programs_attached: daemon.programs_attached,
        flows: FlowCountsJson {
            active: to_u64(active_flows),
            total: counters.flows_total,
        },
        findings: FindingCountsJson {
            stored: to_u64(sinks.findings().len()),
            evicted: sinks.findings_evicted(),
        },
        samples: SampleCountsJson {
            delivered: counters.samples_total,
            kernel: counters.kernel_samples_total,
            dropped: counters
                .samples_dropped
                .into_iter()
                .collect::<BTreeMap<_, _>>(),
        },
        alerts: AlertStatusJson {
            alertmanagers: alerts.targets,
            active: to_u64(alerts.active),
            pending: to_u64(alerts.pending),
            sends_succeeded: counters.alert_sends_succeeded_total,
            sends_failed: counters.alert_sends_failed_total,
        },
        store: StoreStatusJson {
            state_dir: sinks.state_dir().display().to_string(),
            last_saved: store.last_saved,
            last_error: store.last_error,
            errors: counters.store_errors_total,
        },
    }
}

async fn metrics(State(sinks): State<Sinks>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, CONTENT_TYPE)],
        sinks.render_metrics(),
    )
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(sinks): State<Sinks>) -> (StatusCode, &'static str) {
    if sinks.is_ready() {
        (StatusCode::OK, "ready\n")
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "kernel programs not attached yet\n",
        )
    }
}
