//! Delivery to a real Alertmanager (Debian's `prometheus-alertmanager`), on loopback only. Skips,
//! saying why, only when the binary is absent; CI installs it.

use std::{
    fmt::Write as _,
    fs,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, SystemTime},
};

use monitor_detect::DataType;
use serde_json::Value;

use crate::{
    model::{FlowView, Protocol},
    sinks::{
        Sinks, SinksConfig,
        alerts::TlsSettings,
        findings::tests::flow,
        store::{STATE_FILE, tests::TempDir},
        testing::{detect, wait_until},
    },
};

const BINARY: &str = "/usr/bin/prometheus-alertmanager";
const RAW_EMAIL: &str = "jane.doe@example.com";
const RAW_IBAN: &str = "DE89370400440532013000";

/// A running Alertmanager, killed (by its PID) and reaped on drop, also when a test fails.
struct Alertmanager {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Alertmanager {
    fn start(dir: &Path, port: u16) -> Self {
        Self::start_with(dir, port, None, None)
    }

    /// Serves HTTPS with `tls` (certificate and key PEM files), and with `client_ca` requires
    /// client certificates that CA issued.
    fn start_with(
        dir: &Path,
        port: u16,
        tls: Option<(&Path, &Path)>,
        client_ca: Option<&Path>,
    ) -> Self {
        let config = dir.join("alertmanager.yml");
        fs::write(
            &config,
            "route:\n  receiver: blackhole\n  group_wait: 1s\nreceivers:\n  - name: blackhole\n",
        )
        .expect("write config");
        let storage = dir.join("am-data");
        fs::create_dir_all(&storage).expect("storage dir");
        let log = dir.join("alertmanager.log");
        let log_file = fs::File::create(&log).expect("log file");
        let mut command = Command::new(BINARY);
        command
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.path={}", storage.display()))
            .arg("--cluster.listen-address=")
            .arg(format!("--web.listen-address=127.0.0.1:{port}"));
        let scheme = if let Some((cert, key)) = tls {
            let web = dir.join("web.yml");
            let mut web_config = format!(
                "tls_server_config:\n  cert_file: {}\n  key_file: {}\n",
                cert.display(),
                key.display()
            );
            if let Some(client_ca) = client_ca {
                let _ = write!(
                    web_config,
                    "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: {}\n",
                    client_ca.display()
                );
            }
            fs::write(&web, web_config).expect("write web config");
            command.arg(format!("--web.config.file={}", web.display()));
            "https"
        } else {
            "http"
        };
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("spawn alertmanager");
        Self {
            child,
            base: format!("{scheme}://127.0.0.1:{port}"),
            log,
        }
    }

    async fn wait_ready(&self, http: &reqwest::Client) {
        let url = format!("{}/-/ready", self.base);
        for _ in 0..600 {
            if let Ok(response) = http.get(&url).send().await
                && response.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "alertmanager not ready in 30 s; log:\n{}",
            fs::read_to_string(&self.log).unwrap_or_default()
        );
    }

    /// What Alertmanager holds once an alert of `data_type` is among it (or after 20 s).
    async fn wait_for(&self, http: &reqwest::Client, data_type: &str) -> Vec<Value> {
        let mut received = Vec::new();
        for _ in 0..200 {
            received = self.alerts(http).await;
            if !of_type(&received, data_type).is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        received
    }

    async fn alerts(&self, http: &reqwest::Client) -> Vec<Value> {
        let url = format!("{}/api/v2/alerts", self.base);
        match http.get(&url).send().await {
            Ok(response) => response.json().await.unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    }
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

fn config(dir: &Path, alertmanager: &str) -> SinksConfig {
    SinksConfig {
        alertmanagers: vec![alertmanager.to_owned()],
        resend_interval: Duration::from_secs(2),
        backoff_initial: Duration::from_millis(100),
        backoff_max: Duration::from_millis(400),
        request_timeout: Duration::from_secs(2),
        flush_timeout: Duration::from_secs(1),
        persist_interval: Duration::from_hours(1),
        ..SinksConfig::new(dir)
    }
}

fn http_flow(src: &str) -> FlowView {
    flow(src, "10.0.0.9:8080", Protocol::Http)
}

fn of_type<'a>(alerts: &'a [Value], data_type: &str) -> Vec<&'a Value> {
    alerts
        .iter()
        .filter(|a| {
            a["labels"]["alertname"] == "PersonalDataUnencrypted"
                && a["labels"]["data_type"] == data_type
        })
        .collect()
}

/// The one e-mail alert among `received`, from `source`.
fn the_email_alert<'a>(received: &'a [Value], source: &str) -> &'a Value {
    let email = of_type(received, "email");
    assert_eq!(email.len(), 1, "{received:?}");
    assert_eq!(email[0]["labels"]["source"], source);
    email[0]
}

/// Asserts that nothing stays pending for long: every queued alert is delivered.
async fn assert_all_delivered(sinks: &Sinks) {
    let delivered = wait_until(Duration::from_secs(5), || {
        sinks.alerts_summary().pending == 0
    })
    .await;
    assert!(delivered, "{:?}", sinks.alerts_summary());
}

#[tokio::test]
#[expect(
    clippy::too_many_lines,
    reason = "one end-to-end scenario, read top to bottom"
)]
async fn alerts_queued_while_alertmanager_is_down_arrive_once_it_is_up() {
    if !Path::new(BINARY).exists() {
        eprintln!("skipping: {BINARY} is not installed (apt-get install prometheus-alertmanager)");
        return;
    }
    let dir = TempDir::new("alertmanager");
    let state_dir = dir.0.join("state");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .expect("client");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let payload = format!(r#"{{"user":{{"email":"{RAW_EMAIL}"}}}}"#);

    // 1. Alertmanager is down: the alert fails, is retried, and stays pending through a restart.
    let (sinks, tasks) = Sinks::start(config(&state_dir, &base))
        .await
        .expect("start");
    sinks.on_detections(detect(
        &http_flow("10.0.0.5:40000"),
        payload.as_bytes(),
        RAW_EMAIL.as_bytes(),
        DataType::Email,
        SystemTime::now(),
    ));
    let failed = wait_until(Duration::from_secs(5), || {
        sinks.metrics_summary().alert_sends_failed_total >= 2
    })
    .await;
    assert!(failed, "{:?}", sinks.metrics_summary());
    assert_eq!(sinks.alerts_summary().pending, 1);
    sinks.shutdown(tasks).await;
    let state = fs::read_to_string(state_dir.join(STATE_FILE)).expect("state file");
    assert!(
        state.contains("PersonalDataUnencrypted"),
        "the pending alert is persisted"
    );
    assert!(!state.contains(RAW_EMAIL), "no raw value in the state file");

    // 2. Alertmanager comes up; a restarted daemon delivers the persisted alert without any new
    //    detection.
    let alertmanager = Alertmanager::start(&dir.0, port);
    alertmanager.wait_ready(&http).await;
    let (sinks, tasks) = Sinks::start(config(&state_dir, &base))
        .await
        .expect("restart");
    let mut received = alertmanager.wait_for(&http, "email").await;
    let email = the_email_alert(&received, "10.0.0.5");
    let labels = &email["labels"];
    assert_eq!(labels["protocol"], "http");
    assert_eq!(labels["severity"], "warning");
    assert_eq!(labels["destination"], "10.0.0.9:8080");
    let description = email["annotations"]["description"]
        .as_str()
        .unwrap_or_default();
    assert!(description.contains("j***@e***.com"), "{description}");
    assert!(email["annotations"]["summary"].is_string());

    // Re-sent before it expires: Alertmanager's endsAt moves forward with each re-send.
    let first_ends_at = email["endsAt"].as_str().unwrap_or_default().to_owned();
    let mut resent = false;
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = alertmanager.alerts(&http).await;
        let ends_at = of_type(&now, "email")
            .first()
            .and_then(|a| a["endsAt"].as_str())
            .map(str::to_owned);
        if ends_at.is_some_and(|ends_at| ends_at > first_ends_at) {
            resent = true;
            break;
        }
    }
    assert!(resent, "endsAt {first_ends_at} never moved: not re-sent");

    // 3. New detections: a new type arrives as its own alert; a repeat of the email from a new
    //    ephemeral port stays one alert.
    sinks.on_detections(detect(
        &http_flow("10.0.0.5:40001"),
        payload.as_bytes(),
        RAW_EMAIL.as_bytes(),
        DataType::Email,
        SystemTime::now(),
    ));
    let iban_payload = format!("iban={RAW_IBAN}");
    sinks.on_detections(detect(
        &http_flow("10.0.0.5:40002"),
        iban_payload.as_bytes(),
        RAW_IBAN.as_bytes(),
        DataType::Iban,
        SystemTime::now(),
    ));
    received = alertmanager.wait_for(&http, "iban").await;
    assert_eq!(of_type(&received, "iban").len(), 1, "{received:?}");
    assert_eq!(
        of_type(&received, "iban")[0]["labels"]["severity"],
        "critical"
    );
    assert_eq!(
        of_type(&received, "email").len(),
        1,
        "deduplicated: {received:?}"
    );
    assert_all_delivered(&sinks).await;

    let everything = serde_json::to_string(&received).expect("json");
    for raw in [RAW_EMAIL, RAW_IBAN] {
        assert!(
            !everything.contains(raw),
            "raw value in Alertmanager: {everything}"
        );
        assert!(!sinks.render_metrics().contains(raw));
    }
    sinks.shutdown(tasks).await;
    let state = fs::read_to_string(state_dir.join(STATE_FILE)).expect("state file");
    assert!(
        !state.contains(RAW_EMAIL) && !state.contains(RAW_IBAN),
        "no raw value in the state file"
    );
    drop(alertmanager);
}

#[tokio::test]
async fn a_running_daemon_delivers_once_alertmanager_comes_up() {
    if !Path::new(BINARY).exists() {
        eprintln!("skipping: {BINARY} is not installed (apt-get install prometheus-alertmanager)");
        return;
    }
    let dir = TempDir::new("alertmanager-late");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .expect("client");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let (sinks, tasks) = Sinks::start(config(&dir.0.join("state"), &base))
        .await
        .expect("start");
    let payload = format!("to={RAW_EMAIL}");
    sinks.on_detections(detect(
        &http_flow("10.0.0.7:50000"),
        payload.as_bytes(),
        RAW_EMAIL.as_bytes(),
        DataType::Email,
        SystemTime::now(),
    ));
    let failed = wait_until(Duration::from_secs(5), || {
        sinks.metrics_summary().alert_sends_failed_total >= 2
    })
    .await;
    assert!(failed, "{:?}", sinks.metrics_summary());

    let alertmanager = Alertmanager::start(&dir.0, port);
    alertmanager.wait_ready(&http).await;
    let received = alertmanager.wait_for(&http, "email").await;
    the_email_alert(&received, "10.0.0.7");
    assert_all_delivered(&sinks).await;
    assert!(sinks.metrics_summary().alert_sends_succeeded_total >= 1);
    sinks.shutdown(tasks).await;
    drop(alertmanager);
}

/// Runs openssl in `dir`.
fn openssl(dir: &Path, args: &[&str]) {
    let status = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run openssl");
    assert!(status.success(), "openssl {args:?} failed");
}

/// A private CA made by openssl in `dir`: `ca.pem` and `ca-key.pem`.
fn private_ca(dir: &Path) -> PathBuf {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=monitor test CA",
            "-keyout",
            "ca-key.pem",
            "-out",
            "ca.pem",
        ],
    );
    dir.join("ca.pem")
}

/// A certificate the CA of [`private_ca`] issued as `name` (`name.pem`, `name-key.pem`):
/// for the server `127.0.0.1`, or for a client.
fn issue(dir: &Path, name: &str, server: bool) -> (PathBuf, PathBuf) {
    let (cert, key, csr, ext) = (
        format!("{name}.pem"),
        format!("{name}-key.pem"),
        format!("{name}.csr"),
        format!("{name}.cnf"),
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-subj",
            &format!("/CN={name}"),
            "-keyout",
            &key,
            "-out",
            &csr,
        ],
    );
    let usage = if server {
        "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"
    } else {
        "extendedKeyUsage=clientAuth\n"
    };
    fs::write(
        dir.join(&ext),
        format!("basicConstraints=critical,CA:FALSE\n{usage}"),
    )
    .expect("write extensions");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca-key.pem",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            &ext,
            "-out",
            &cert,
        ],
    );
    (dir.join(cert), dir.join(key))
}

#[tokio::test]
async fn an_https_alertmanager_gets_alerts_from_a_daemon_that_trusts_its_ca_only() {
    if !Path::new(BINARY).exists() {
        eprintln!("skipping: {BINARY} is not installed (apt-get install prometheus-alertmanager)");
        return;
    }
    let dir = TempDir::new("alertmanager-tls");
    let ca_file = private_ca(&dir.0);
    let (cert, key) = issue(&dir.0, "alertmanager", true);
    let port = free_port();
    let alertmanager = Alertmanager::start_with(&dir.0, port, Some((&cert, &key)), None);
    assert!(alertmanager.base.starts_with("https://"));
    let ca = reqwest::Certificate::from_pem(&fs::read(&ca_file).expect("read CA")).expect("pem");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .add_root_certificate(ca)
        .build()
        .expect("client");
    alertmanager.wait_ready(&http).await;

    // A daemon without the CA cannot verify the certificate: nothing is delivered.
    let untrusting = config(&dir.0.join("state-untrusting"), &alertmanager.base);
    iban_alert_is_not_delivered(untrusting).await;

    // With the CA it is delivered over HTTPS.
    let trusting = SinksConfig {
        alertmanager_tls: TlsSettings {
            ca_file: Some(ca_file.clone()),
            client_identity: None,
        },
        ..config(&dir.0.join("state-trusting"), &alertmanager.base)
    };
    let received = email_alert_arrives(trusting, &alertmanager, &http).await;
    assert!(
        of_type(&received, "iban").is_empty(),
        "the untrusting daemon delivered nothing: {received:?}"
    );
    drop(alertmanager);
}

#[tokio::test]
async fn an_alertmanager_requiring_client_certificates_gets_alerts_from_a_daemon_with_one() {
    if !Path::new(BINARY).exists() {
        eprintln!("skipping: {BINARY} is not installed (apt-get install prometheus-alertmanager)");
        return;
    }
    let dir = TempDir::new("alertmanager-mtls");
    let ca_file = private_ca(&dir.0);
    let (cert, key) = issue(&dir.0, "alertmanager", true);
    let (client_cert, client_key) = issue(&dir.0, "monitor", false);
    // What --alertmanager-client-cert takes: the certificate and its key in one PEM file.
    let identity_file = dir.0.join("monitor-identity.pem");
    let identity = [
        fs::read(&client_cert).expect("cert"),
        fs::read(&client_key).expect("key"),
    ]
    .concat();
    fs::write(&identity_file, &identity).expect("write identity");
    let port = free_port();
    let alertmanager = Alertmanager::start_with(&dir.0, port, Some((&cert, &key)), Some(&ca_file));
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .add_root_certificate(
            reqwest::Certificate::from_pem(&fs::read(&ca_file).expect("CA")).expect("pem"),
        )
        .identity(reqwest::Identity::from_pem(&identity).expect("identity"))
        .build()
        .expect("client");
    alertmanager.wait_ready(&http).await;

    let tls = |client_identity: Option<PathBuf>| TlsSettings {
        ca_file: Some(ca_file.clone()),
        client_identity,
    };
    // Trusting the server is not enough: without a client certificate the handshake fails.
    let anonymous = SinksConfig {
        alertmanager_tls: tls(None),
        ..config(&dir.0.join("state-anonymous"), &alertmanager.base)
    };
    iban_alert_is_not_delivered(anonymous).await;

    let identified = SinksConfig {
        alertmanager_tls: tls(Some(identity_file)),
        ..config(&dir.0.join("state-identified"), &alertmanager.base)
    };
    let received = email_alert_arrives(identified, &alertmanager, &http).await;
    assert!(of_type(&received, "iban").is_empty(), "{received:?}");
    drop(alertmanager);
}

/// Starts a daemon with `config` and detects an IBAN; its alert cannot be delivered (the TLS
/// handshake fails): sends fail, none succeeds, and the alert stays pending.
async fn iban_alert_is_not_delivered(config: SinksConfig) {
    let (sinks, tasks) = Sinks::start(config).await.expect("start");
    let payload = format!("iban={RAW_IBAN}");
    sinks.on_detections(detect(
        &http_flow("10.0.0.8:40000"),
        payload.as_bytes(),
        RAW_IBAN.as_bytes(),
        DataType::Iban,
        SystemTime::now(),
    ));
    let failed = wait_until(Duration::from_secs(5), || {
        sinks.metrics_summary().alert_sends_failed_total >= 1
    })
    .await;
    assert!(failed, "{:?}", sinks.metrics_summary());
    assert_eq!(sinks.metrics_summary().alert_sends_succeeded_total, 0);
    assert_eq!(sinks.alerts_summary().pending, 1);
    sinks.shutdown(tasks).await;
}

/// Starts a daemon with `config` and detects an e-mail address sent from 10.0.0.9; its one
/// alert arrives in `alertmanager`, redacted, and nothing stays pending. Returns what
/// Alertmanager holds.
async fn email_alert_arrives(
    config: SinksConfig,
    alertmanager: &Alertmanager,
    http: &reqwest::Client,
) -> Vec<Value> {
    let (sinks, tasks) = Sinks::start(config).await.expect("start");
    let payload = format!(r#"{{"user":{{"email":"{RAW_EMAIL}"}}}}"#);
    sinks.on_detections(detect(
        &http_flow("10.0.0.9:40000"),
        payload.as_bytes(),
        RAW_EMAIL.as_bytes(),
        DataType::Email,
        SystemTime::now(),
    ));
    let received = alertmanager.wait_for(http, "email").await;
    the_email_alert(&received, "10.0.0.9");
    assert_all_delivered(&sinks).await;
    let everything = serde_json::to_string(&received).expect("json");
    assert!(!everything.contains(RAW_EMAIL), "raw value in Alertmanager");
    sinks.shutdown(tasks).await;
    received
}
