//! (a) Personal data over plain HTTP is found, listed, counted and alerted on.
//! (c) No planted raw value appears in any output the daemon or Alertmanager produces.

use tests::contract::metric_sum;
use tests::expect;
use tests::fixtures::{self, ALL};
use tests::lab::{ALERT_TIMEOUT, FINDINGS_TIMEOUT, HTTP_PORT, Lab, Options, STOP_TIMEOUT, TestLab};
use tests::privacy;
use tests::servers::TlsVersion;

#[test]
fn http_cleartext_personal_data_gives_findings_flows_metrics_and_alerts() {
    let Some(mut lab) = TestLab::start("http_cleartext", Options::default()) else {
        return;
    };
    let server = Lab::server_endpoint(HTTP_PORT);

    // Findings, via the API, for every planted type.
    let findings = lab
        .drive_until(
            "findings for every planted type",
            FINDINGS_TIMEOUT,
            |lab| {
                lab.send_cleartext_personal_data()?;
                lab.send_plain_telemetry()
            },
            |lab| {
                expect::cleartext_findings(&lab.daemon.findings().map_err(|e| e.0)?, &ALL, &server)
            },
        )
        .expect("findings for email, credit_card, iban and phone over http");
    for f in &findings {
        expect::cleartext_finding_fields(f).expect("finding fields follow the contract");
    }

    // The same through the CLI.
    let cli_findings = lab
        .daemon
        .cli_findings()
        .expect("monitor findings --output json");
    expect::cleartext_findings(&cli_findings, &ALL, &server).expect("CLI lists the findings");

    // Flows: API and CLI. Flows may be listed a little after the findings (different
    // paths through the daemon), so poll for them, re-sending the traffic.
    lab.drive_until_flows(
        "an http flow to the server",
        FINDINGS_TIMEOUT,
        tests::lab::Lab::send_plain_telemetry,
        |flows| expect::flow(flows, &server, "http", false, None).map(drop),
    )
    .expect("an http flow to the server");
    let cli_flows = lab.daemon.cli_flows().expect("monitor flows --output json");
    expect::flow(&cli_flows, &server, "http", false, None).expect("CLI lists the http flow");

    // Metrics.
    let (text, samples) = lab.daemon.metrics().expect("GET /metrics");
    for p in ALL {
        let labels = [
            ("data_type", p.data_type),
            ("protocol", "http"),
            ("encrypted", "false"),
        ];
        let n = metric_sum(&samples, "monitor_findings_total", &labels).unwrap_or(0.0);
        assert!(
            n >= 1.0,
            "monitor_findings_total{labels:?} = {n}; metrics:\n{text}"
        );
    }
    for name in ["monitor_samples_total", "monitor_flows_total"] {
        let n = metric_sum(&samples, name, &[]).unwrap_or(0.0);
        assert!(n > 0.0, "{name} = {n}; metrics:\n{text}");
    }

    // Status: API and CLI, and the health endpoints.
    let status = lab
        .daemon
        .get("/api/v1/status")
        .and_then(tests::http::Response::ok)
        .expect("GET /api/v1/status");
    let status = status.json().expect("status is JSON");
    assert!(status.is_object(), "status is not a JSON object: {status}");
    if let Some(ready) = status.get("ready") {
        assert_eq!(
            ready,
            &serde_json::Value::Bool(true),
            "status says not ready: {status}"
        );
    }
    let cli_status = lab.daemon.cli(&["status"]).expect("monitor status");
    assert!(
        !cli_status.trim().is_empty(),
        "monitor status printed nothing"
    );
    for path in ["/healthz", "/readyz"] {
        let r = lab.daemon.get(path).expect("health endpoint");
        assert_eq!(r.status, 200, "{path}: {r:?}");
    }

    // Alerts in the real Alertmanager, one per data type, with the contract's labels.
    let am = lab.am().expect("alertmanager");
    let alerts = tests::wait::until(
        "PersonalDataUnencrypted alerts for every planted type",
        ALERT_TIMEOUT,
        std::time::Duration::from_secs(1),
        || expect::alerts_for(&am.alerts().map_err(|e| e.0)?, &ALL, &server),
    )
    .expect("alerts reach Alertmanager");
    for a in &alerts {
        expect::alert_fields(a, "http").expect("alert labels and annotations follow the contract");
    }
}

#[test]
fn no_planted_raw_value_in_any_output() {
    let Some(mut lab) = TestLab::start("privacy", Options::default()) else {
        return;
    };
    let server = Lab::server_endpoint(HTTP_PORT);
    lab.drive_until(
        "findings for every planted type",
        FINDINGS_TIMEOUT,
        |lab| {
            lab.send_cleartext_personal_data()?;
            lab.send_tls(TlsVersion::V1_2)?;
            lab.send_tls(TlsVersion::V1_3)
        },
        |lab| expect::cleartext_findings(&lab.daemon.findings().map_err(|e| e.0)?, &ALL, &server),
    )
    .expect("findings appear (otherwise the privacy scan would prove nothing)");
    let am = lab.am().expect("alertmanager");
    tests::wait::until(
        "alerts for every planted type",
        ALERT_TIMEOUT,
        std::time::Duration::from_secs(1),
        || expect::alerts_for(&am.alerts().map_err(|e| e.0)?, &ALL, &server),
    )
    .expect("alerts reach Alertmanager (otherwise their scan would prove nothing)");

    let needles = fixtures::needles();
    let outputs = lab.collect_outputs().expect("collect outputs");
    // The scan is only meaningful if the outputs are there and carry findings.
    let names: Vec<&str> = outputs.iter().map(|o| o.name.as_str()).collect();
    for required in [
        "GET /api/v1/findings",
        "GET /metrics",
        "alertmanager /api/v2/alerts",
        "daemon stderr",
    ] {
        let out = outputs
            .iter()
            .find(|o| o.name == required)
            .expect("output collected");
        assert!(
            !out.bytes.is_empty(),
            "{required} is empty; outputs: {names:?}"
        );
    }
    let leaks = privacy::scan(&outputs, &needles);
    assert!(
        leaks.is_empty(),
        "raw personal data leaked while running: {leaks:#?}"
    );

    // After shutdown: the final logs and whatever the daemon flushed to its state dir.
    let status = lab
        .daemon
        .stop(libc::SIGTERM, STOP_TIMEOUT)
        .expect("daemon stops");
    assert!(status.success(), "daemon exited with {status}");
    let after = lab
        .daemon_logs_and_state()
        .expect("logs and state after stop");
    let state_files = after
        .iter()
        .filter(|o| o.name.starts_with("state file"))
        .count();
    eprintln!(
        "privacy: scanned {} outputs while running and {state_files} state files after stop",
        outputs.len()
    );
    let leaks = privacy::scan(&after, &needles);
    assert!(
        leaks.is_empty(),
        "raw personal data leaked into logs or state: {leaks:#?}"
    );
}
