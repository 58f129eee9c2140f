//! `cargo xtask demo`: a self-contained run of the M2M Privacy Monitor on throw-away
//! network namespaces. Needs root; builds nothing (xtask builds `monitor` first; set
//! `MONITOR_BIN` to pick a binary, else the newest `target/{debug,release}/monitor`).
//!
//! Exits 0 when the expected findings and alerts showed up, 1 when not, 2 when it could
//! not run at all.

use std::process::ExitCode;
use std::time::Duration;

use tests::alertmanager::Alert;
use tests::daemon::Build;
use tests::fixtures::ALL;
use tests::lab::{
    ALERT_TIMEOUT, FINDINGS_TIMEOUT, HTTP_PORT, Lab, Options, TLS12_PORT, TLS13_PORT,
};
use tests::servers::TlsVersion;
use tests::{expect, preflight, wait};

fn step(msg: &str) {
    println!("==> {msg}");
}

fn drive(lab: &Lab) -> tests::Result<()> {
    lab.send_cleartext_personal_data()?;
    lab.send_plain_telemetry()?;
    lab.send_tls(TlsVersion::V1_2)?;
    lab.send_tls(TlsVersion::V1_3)
}

/// TLS flows must be listed as encrypted, with no unencrypted finding or alert on them.
fn check_tls_quiet(lab: &Lab) -> Result<(), String> {
    // A finding or alert on a TLS flow will not go away by waiting: fail at once then.
    let flows = lab.daemon.flows().map_err(|e| e.0)?;
    let findings = lab.daemon.findings().map_err(|e| e.0)?;
    let alerts = lab
        .am()
        .and_then(tests::alertmanager::Alertmanager::alerts)
        .map_err(|e| e.0)?;
    for (port, version) in [(TLS12_PORT, "1.2"), (TLS13_PORT, "1.3")] {
        let server = Lab::server_endpoint(port);
        expect::flow(&flows, &server, "tls", true, Some(version))?;
        if let Some(f) = findings
            .iter()
            .find(|f| f.involves(&server) && !f.encrypted)
        {
            return Err(wait::fatal(format!(
                "unencrypted finding on a TLS flow: {f:?}"
            )));
        }
        if let Some(a) = alerts.iter().find(|a| a.label("destination") == server) {
            return Err(wait::fatal(format!("alert for a TLS flow: {a:?}")));
        }
    }
    Ok(())
}

fn print_alert(a: &Alert) {
    println!("  alert {}", a.label("alertname"));
    for (k, v) in a.labels.iter().filter(|(k, _)| k.as_str() != "alertname") {
        println!("    label      {k} = {v}");
    }
    for (k, v) in &a.annotations {
        println!("    annotation {k} = {v}");
    }
}

fn run() -> Result<bool, tests::Error> {
    let opts = Options {
        build: Build::Never,
        progress: Some(step),
        ..Options::default()
    };
    let mut lab = Lab::start(opts)?;
    let server = Lab::server_endpoint(HTTP_PORT);

    step(
        "sending machine-to-machine traffic: IoT telemetry (email, phone) and a payment webhook (IBAN, card) over plain HTTP, telemetry without personal data, TLS 1.2 and TLS 1.3 requests",
    );
    drive(&lab)?;
    step("waiting for findings (re-sending the traffic every 2 s, at most 60 s)");
    let found = lab.drive_until(
        "findings for every planted data type",
        FINDINGS_TIMEOUT,
        drive,
        |lab| expect::cleartext_findings(&lab.daemon.findings().map_err(|e| e.0)?, &ALL, &server),
    );
    if let Err(e) = &found {
        println!("!! {e}");
    }

    step("waiting for alerts in Alertmanager (at most 90 s)");
    let am = lab.am()?;
    let alerts = wait::until(
        "PersonalDataUnencrypted alerts",
        ALERT_TIMEOUT,
        Duration::from_secs(1),
        || expect::alerts_for(&am.alerts().map_err(|e| e.0)?, &ALL, &server),
    );
    if let Err(e) = &alerts {
        println!("!! {e}");
    }

    // Flows can be listed a moment after findings: poll (bounded) before judging.
    let tls_ok = wait::until(
        "TLS flows listed as encrypted, with no finding or alert",
        Duration::from_secs(30),
        Duration::from_secs(1),
        || check_tls_quiet(&lab),
    );
    if let Err(e) = &tls_ok {
        println!("!! {e}");
    }

    step("flows (`monitor flows --output table`)");
    println!("{}", lab.daemon.cli(&["flows", "--output", "table"])?);
    step("findings (`monitor findings --output table`)");
    println!("{}", lab.daemon.cli(&["findings", "--output", "table"])?);
    step("alerts received by Alertmanager (GET /api/v2/alerts)");
    let all_alerts = am.alerts()?;
    if all_alerts.is_empty() {
        println!("  (none)");
    }
    for a in &all_alerts {
        print_alert(a);
    }
    step("stopping the daemon and removing namespaces and processes");
    let status = lab.daemon.stop(libc::SIGTERM, Duration::from_secs(20))?;
    println!("  monitor run exited with {status}");
    drop(lab);
    println!("  namespaces, servers and Alertmanager removed");
    Ok(found.is_ok() && alerts.is_ok() && tls_ok.is_ok() && status.success())
}

fn main() -> ExitCode {
    if !preflight::is_root() {
        eprintln!("demo: needs root (network namespaces and eBPF); run it with sudo or as root");
        return ExitCode::from(2);
    }
    for tool in preflight::BASE_TOOLS
        .iter()
        .chain(&[tests::alertmanager::BINARY])
    {
        if let Err(e) = preflight::tool(tool) {
            eprintln!("demo: {e}");
            return ExitCode::from(2);
        }
    }
    match run() {
        Ok(true) => {
            step(
                "demo finished: personal data in clear text was found and alerted on; TLS traffic was not",
            );
            ExitCode::SUCCESS
        }
        Ok(false) => {
            eprintln!("demo: the expected findings or alerts did not show up (see above)");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("demo: {e}");
            ExitCode::FAILURE
        }
    }
}
