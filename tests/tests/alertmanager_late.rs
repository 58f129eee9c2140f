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
        |lab| lab.send_cleartext_personal_data(),
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
