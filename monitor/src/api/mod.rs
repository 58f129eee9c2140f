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
            active: to_u64(sinks.flows_active_len()),
            total: counters.flows_total,
        },
        findings: FindingCountsJson {
            stored: to_u64(sinks.findings_len()),
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use monitor_detect::DataType;
    use serde_json::Value;

    use super::*;
    use crate::{
        api::{client, types::FindingJson},
        model::Protocol,
        sinks::{
            DaemonStatus, KernelCounters, SinksConfig, findings::tests::flow,
            store::tests::TempDir, testing::detect,
        },
    };

    const RAW_EMAIL: &str = "jane.doe@example.com";

    struct Server {
        base: String,
        stop: Option<tokio::sync::oneshot::Sender<()>>,
        task: tokio::task::JoinHandle<Result<(), ApiError>>,
    }

    async fn serve_sinks(sinks: Sinks) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, sinks, async {
            let _ = stopped.await;
        }));
        Server {
            base,
            stop: Some(stop),
            task,
        }
    }

    impl Server {
        async fn get(&self, path: &str) -> (u16, String, String) {
            let response = reqwest::get(format!("{}{path}", self.base))
                .await
                .expect("request");
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            (status, content_type, response.text().await.expect("body"))
        }

        async fn stop(mut self) {
            if let Some(stop) = self.stop.take() {
                let _ = stop.send(());
            }
            let stopped = tokio::time::timeout(Duration::from_secs(5), &mut self.task).await;
            assert!(
                matches!(stopped, Ok(Ok(Ok(())))),
                "server stops cleanly: {stopped:?}"
            );
        }
    }

    fn keys(value: &Value) -> Vec<&str> {
        let mut keys: Vec<&str> = value
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        keys
    }

    #[tokio::test]
    #[expect(
        clippy::too_many_lines,
        reason = "one scenario over every route, read top to bottom"
    )]
    async fn routes_answer_with_the_contract_shapes() {
        let dir = TempDir::new("api");
        let config = SinksConfig {
            persist_interval: Duration::from_hours(1),
            ..SinksConfig::new(&dir.0)
        };
        let (sinks, tasks) = Sinks::start(config).await.expect("start");
        let http = flow("10.0.0.5:40000", "10.0.0.9:8080", Protocol::Http);
        let tls = flow("10.0.0.5:40001", "10.0.0.9:443", Protocol::Tls);
        sinks.on_new_flow(&http);
        sinks.on_new_flow(&tls);
        sinks.on_flows(vec![http.clone(), tls]);
        let payload = format!(r#"{{"email":"{RAW_EMAIL}"}}"#);
        sinks.on_detections(detect(
            &http,
            payload.as_bytes(),
            RAW_EMAIL.as_bytes(),
            DataType::Email,
            SystemTime::now(),
        ));
        sinks.on_samples(12);
        sinks.on_userspace_drop("queue_full", 3);
        sinks.on_kernel_counters(&KernelCounters {
            packets_seen: 100,
            samples_total: 14,
            dropped_ringbuf_full: 2,
            dropped_budget: 0,
        });
        let server = serve_sinks(sinks.clone()).await;

        assert_eq!(server.get("/healthz").await.0, 200);
        assert_eq!(
            server.get("/readyz").await.0,
            503,
            "no programs attached yet"
        );

        let (status, content_type, body) = server.get("/api/v1/flows").await;
        assert_eq!((status, content_type.as_str()), (200, "application/json"));
        let flows: Value = serde_json::from_str(&body).expect("json");
        let flows = flows.as_array().expect("array");
        assert_eq!(flows.len(), 2);
        let tls_flow = flows
            .iter()
            .find(|f| f["protocol"] == "tls")
            .expect("tls flow");
        assert_eq!(tls_flow["src"], "10.0.0.5:40001");
        assert_eq!(tls_flow["dst"], "10.0.0.9:443");
        assert_eq!(tls_flow["encrypted"], true);
        assert_eq!(tls_flow["tls_version"], "1.3");
        assert_eq!(tls_flow["bytes"], 900);
        assert_eq!(tls_flow["packets"], 3);
        let http_flow = flows
            .iter()
            .find(|f| f["protocol"] == "http")
            .expect("http flow");
        assert_eq!(http_flow["tls_version"], Value::Null);
        assert_eq!(http_flow["encrypted"], false);
        assert_eq!(
            keys(http_flow),
            [
                "active",
                "bytes",
                "cgroup_id",
                "cipher_suite",
                "dst",
                "encrypted",
                "first_seen",
                "last_seen",
                "packets",
                "protocol",
                "sender_role",
                "sni",
                "socket_cookie",
                "src",
                "tls_version",
                "transport"
            ]
        );

        let (status, _, body) = server.get("/api/v1/findings").await;
        assert_eq!(status, 200);
        let findings: Value = serde_json::from_str(&body).expect("json");
        let finding = &findings.as_array().expect("array")[0];
        assert_eq!(finding["data_types"], serde_json::json!(["email"]));
        assert_eq!(finding["protocol"], "http");
        assert_eq!(finding["encrypted"], false);
        assert_eq!(finding["tls_version"], Value::Null);
        assert_eq!(finding["src"], "10.0.0.5");
        assert_eq!(finding["dst"], "10.0.0.9:8080");
        assert_eq!(finding["count"], 1);
        assert_eq!(finding["evidence"], "j***@e***.com");
        assert_eq!(finding["category"], "contact");
        assert!(humantime::parse_rfc3339(finding["first_seen"].as_str().expect("string")).is_ok());
        assert!(humantime::parse_rfc3339(finding["last_seen"].as_str().expect("string")).is_ok());
        let typed: Vec<FindingJson> = serde_json::from_str(&body).expect("the CLI's types read it");
        assert_eq!(typed.len(), 1);

        let (status, content_type, metrics) = server.get("/metrics").await;
        assert_eq!((status, content_type.as_str()), (200, CONTENT_TYPE));
        assert!(
            metrics.contains(
                r#"monitor_findings_total{data_type="email",protocol="http",encrypted="false"} 1"#
            ),
            "{metrics}"
        );
        assert!(metrics.contains("monitor_flows_total 2"));
        assert!(metrics.contains(r#"monitor_samples_dropped_total{reason="ringbuf_full"} 2"#));

        sinks.set_status(DaemonStatus {
            interfaces: vec!["eth0".to_owned()],
            programs_attached: vec!["tc_ingress".to_owned()],
            kernel_version: Some("6.12.0".to_owned()),
            ..DaemonStatus::default()
        });
        assert_eq!(server.get("/readyz").await.0, 200);
        let (status, _, body) = server.get("/api/v1/status").await;
        assert_eq!(status, 200);
        let status_doc: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(status_doc["ready"], true);
        assert_eq!(status_doc["interfaces"], serde_json::json!(["eth0"]));
        assert_eq!(status_doc["flows"]["active"], 2);
        assert_eq!(status_doc["samples"]["delivered"], 12);
        assert_eq!(status_doc["samples"]["kernel"], 14);
        assert_eq!(status_doc["samples"]["dropped"]["ringbuf_full"], 2);
        assert_eq!(status_doc["samples"]["dropped"]["queue_full"], 3);
        assert_eq!(status_doc["findings"]["stored"], 1);

        // The CLI's client reads every document back through the shared types.
        let fetched = client::fetch::<types::StatusJson>(&server.base, "/api/v1/status")
            .await
            .expect("status");
        assert!(fetched.typed.ready);
        assert_eq!(fetched.raw, status_doc);
        let flows_back = client::fetch::<Vec<FlowJson>>(&server.base, "/api/v1/flows")
            .await
            .expect("flows");
        assert_eq!(flows_back.typed.len(), 2);

        // No output holds the raw value that went through detection.
        for path in [
            "/api/v1/flows",
            "/api/v1/findings",
            "/api/v1/status",
            "/metrics",
        ] {
            assert!(
                !server.get(path).await.2.contains(RAW_EMAIL),
                "{path} leaks the raw value"
            );
        }
        server.stop().await;
        sinks.shutdown(tasks).await;
    }
}
