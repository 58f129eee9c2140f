//! (b) TLS 1.2 and 1.3 flows are recognised as encrypted with their version, and personal
//! data carried inside them yields no unencrypted finding and no alert.

use std::time::Duration;

use tests::contract::metric_sum;
use tests::expect;
use tests::fixtures::ALL;
use tests::lab::{
    ALERT_TIMEOUT, FINDINGS_TIMEOUT, HTTP_PORT, Lab, Options, TLS12_PORT, TLS13_PORT, TestLab,
};
use tests::servers::TlsVersion;

#[test]
fn tls_flows_are_encrypted_with_version_and_raise_nothing() {
    let Some(mut lab) = TestLab::start("tls", Options::default()) else {
        return;
    };
    let tls12 = Lab::server_endpoint(TLS12_PORT);
    let tls13 = Lab::server_endpoint(TLS13_PORT);
    lab.drive_until_flows(
        "tls flows with versions 1.2 and 1.3",
        FINDINGS_TIMEOUT,
        |lab| {
            lab.send_tls(TlsVersion::V1_2)?;
            lab.send_tls(TlsVersion::V1_3)
        },
        |flows| {
            expect::flow(flows, &tls12, "tls", true, Some("1.2"))?;
            expect::flow(flows, &tls13, "tls", true, Some("1.3")).map(drop)
        },
    )
    .expect("TLS flows are listed with protocol tls, encrypted, and their version");
    let cli_flows = lab.daemon.cli_flows().expect("monitor flows --output json");
    expect::flow(&cli_flows, &tls12, "tls", true, Some("1.2")).expect("CLI: TLS 1.2 flow");
    expect::flow(&cli_flows, &tls13, "tls", true, Some("1.3")).expect("CLI: TLS 1.3 flow");

    // Control: clear-text data afterwards must be alerted on. Once that alert is in, the
    // daemon has had every chance to (wrongly) report the earlier TLS traffic.
    let http = Lab::server_endpoint(HTTP_PORT);
    lab.drive_until(
        "control findings over http",
        FINDINGS_TIMEOUT,
        tests::lab::Lab::send_cleartext_personal_data,
        |lab| {
            expect::cleartext_findings(&lab.daemon.findings().map_err(|e| e.0)?, &ALL[..1], &http)
        },
    )
    .expect("control: clear-text email is found");
    let am = lab.am().expect("alertmanager");
    tests::wait::until(
        "control alert",
        ALERT_TIMEOUT,
        Duration::from_secs(1),
        || expect::alerts_for(&am.alerts().map_err(|e| e.0)?, &ALL[..1], &http),
    )
    .expect("control: alert for the clear-text email arrives");

    let findings = lab.daemon.findings().expect("findings");
    let bad: Vec<_> = findings
        .iter()
        .filter(|f| (f.involves(&tls12) || f.involves(&tls13)) && !f.encrypted)
        .collect();
    assert!(bad.is_empty(), "unencrypted findings on TLS flows: {bad:?}");
    let alerts = am.alerts().expect("alerts");
    let bad: Vec<_> = alerts
        .iter()
        .filter(|a| {
            [&tls12, &tls13]
                .iter()
                .any(|s| a.label("destination") == s.as_str() || a.label("source") == s.as_str())
        })
        .collect();
    assert!(bad.is_empty(), "alerts for TLS flows: {bad:?}");
    let (text, samples) = lab.daemon.metrics().expect("metrics");
    let tls_unencrypted = metric_sum(
        &samples,
        "monitor_findings_total",
        &[("protocol", "tls"), ("encrypted", "false")],
    )
    .unwrap_or(0.0);
    assert!(
        tls_unencrypted == 0.0,
        "unencrypted TLS findings counted: {tls_unencrypted}; metrics:\n{text}"
    );
}
