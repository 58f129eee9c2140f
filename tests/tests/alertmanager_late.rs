//! (d) Alertmanager is down when the finding happens and started later: the queued alert
//! is still delivered (no new traffic is sent after it starts).

use std::time::Duration;

use tests::expect;
use tests::fixtures::ALL;
use tests::lab::{
    ALERT_TIMEOUT, AlertmanagerStart, FINDINGS_TIMEOUT, HTTP_PORT, Lab, Options, TestLab,
};

#[test]
fn alert_is_delivered_once_alertmanager_comes_up() {
    let opts = Options {
        alertmanager: AlertmanagerStart::Later,
        ..Options::default()
    };
    let Some(mut lab) = TestLab::start("alertmanager_late", opts) else {
        return;
    };
    let server = Lab::server_endpoint(HTTP_PORT);
    lab.drive_until(
        "findings while alertmanager is down",
        FINDINGS_TIMEOUT,
        tests::lab::Lab::send_cleartext_personal_data,
        |lab| expect::cleartext_findings(&lab.daemon.findings().map_err(|e| e.0)?, &ALL, &server),
    )
    .expect("findings appear while alertmanager is down");
    // Let the daemon try (and fail) to deliver at least once.
    std::thread::sleep(Duration::from_secs(5));
    lab.daemon
        .check_alive()
        .expect("daemon survives an unreachable alertmanager");

    let am = lab.start_alertmanager().expect("start alertmanager late");
    let alerts = tests::wait::until(
        "queued alerts",
        ALERT_TIMEOUT,
        Duration::from_secs(1),
        || expect::alerts_for(&am.alerts().map_err(|e| e.0)?, &ALL, &server),
    )
    .expect("the alerts arrive after alertmanager comes up");
    for a in &alerts {
        expect::alert_fields(a, "http").expect("alert follows the contract");
    }
}

/// Re-sending: an Alertmanager that restarts (and so forgets its alerts) gets the still
/// active alert again from the daemon's periodic re-send, without new traffic.
#[test]
fn active_alert_is_resent_after_alertmanager_restart() {
    let Some(mut lab) = TestLab::start("alert_resend", Options::default()) else {
        return;
    };
    let server = Lab::server_endpoint(HTTP_PORT);
    lab.drive_until(
        "an email finding",
        FINDINGS_TIMEOUT,
        tests::lab::Lab::send_cleartext_personal_data,
        |lab| {
            expect::cleartext_findings(&lab.daemon.findings().map_err(|e| e.0)?, &ALL[..1], &server)
        },
    )
    .expect("email finding");
    let am = lab.am().expect("alertmanager");
    tests::wait::until(
        "first delivery",
        ALERT_TIMEOUT,
        Duration::from_secs(1),
        || expect::alerts_for(&am.alerts().map_err(|e| e.0)?, &ALL[..1], &server),
    )
    .expect("alert delivered once");

    lab.stop_alertmanager().expect("stop alertmanager");
    let am = lab.start_alertmanager().expect("restart alertmanager");
    assert!(
        am.alerts().expect("alerts").is_empty(),
        "a restarted alertmanager starts empty"
    );
    // The daemon re-sends active alerts periodically (60 s by default): allow two rounds.
    tests::wait::until(
        "re-sent alert",
        Duration::from_secs(150),
        Duration::from_secs(2),
        || expect::alerts_for(&am.alerts().map_err(|e| e.0)?, &ALL[..1], &server),
    )
    .expect("the active alert is re-sent to the restarted alertmanager");
}
