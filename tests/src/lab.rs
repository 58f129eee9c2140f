//! The whole lab assembled: topology, servers, Alertmanager and the daemon, torn down in
//! the right order on drop (processes first, namespaces last). If the test is panicking
//! the log directory is kept and its path printed, for the post-mortem.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use crate::alertmanager::Alertmanager;
use crate::contract::{Finding, Flow};
use crate::daemon::{self, Build, Daemon};
use crate::error::Context as _;
use crate::expect::{self, Direction, findings_by_direction};
use crate::netns::{CLIENT_IF, SERVER_IP, Topology};
use crate::privacy::{self, Output};
use crate::servers::{Cert, HttpServer, Sink, TlsServer, TlsVersion};
use crate::{Error, Result, clients, fixtures, wait};

/// Plain HTTP server port (server namespace).
pub const HTTP_PORT: u16 = 8080;
/// TLS 1.2-only server port.
pub const TLS12_PORT: u16 = 8443;
/// TLS 1.3-only server port.
pub const TLS13_PORT: u16 = 9443;
/// Raw TCP sink port (random bytes).
pub const SINK_TCP_PORT: u16 = 7000;
/// Second raw TCP sink port (truncated TLS hello).
pub const SINK_TCP_PORT_2: u16 = 7002;
/// Raw UDP sink port.
pub const SINK_UDP_PORT: u16 = 7001;
/// Alertmanager port (127.0.0.1 in the client namespace).
pub const ALERTMANAGER_PORT: u16 = 9093;
/// The alert name of the contract.
pub const ALERT_NAME: &str = "PersonalDataUnencrypted";

/// How long the daemon may take to attach and answer /readyz.
pub const READY_TIMEOUT: Duration = Duration::from_mins(1);
/// How long findings/flows may take to show up while traffic is re-sent.
pub const FINDINGS_TIMEOUT: Duration = Duration::from_mins(1);
/// How long an alert may take to reach Alertmanager (batching, retries).
pub const ALERT_TIMEOUT: Duration = Duration::from_secs(90);
/// How long the daemon may take to exit after SIGTERM/SIGINT.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(20);

/// When Alertmanager starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlertmanagerStart {
    /// Before the daemon.
    Now,
    /// Not yet: the daemon is configured with its URL, [`Lab::start_alertmanager`] starts it.
    Later,
}

/// Options of [`Lab::start`].
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// When Alertmanager starts.
    pub alertmanager: AlertmanagerStart,
    /// Whether to locate/build the binary (tests) or only look for it (demo).
    pub build: Build,
    /// Called with a short message before each start-up step (the demo prints them).
    pub progress: Option<fn(&str)>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            alertmanager: AlertmanagerStart::Now,
            build: Build::IfNeeded,
            progress: None,
        }
    }
}

/// Serialises labs within one test binary: they share the machine's two cores, and
/// timing-sensitive waits are more reliable one at a time.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A running lab. Field order is drop order.
#[derive(Debug)]
pub struct Lab {
    /// The daemon under test.
    pub daemon: Daemon,
    /// Alertmanager, once started.
    pub alertmanager: Option<Alertmanager>,
    /// Plain HTTP server on [`HTTP_PORT`].
    pub http: HttpServer,
    /// TLS 1.2 server on [`TLS12_PORT`].
    pub tls12: TlsServer,
    /// TLS 1.3 server on [`TLS13_PORT`].
    pub tls13: TlsServer,
    /// Raw TCP/UDP sink.
    pub sink: Sink,
    /// The namespaces.
    pub topo: Topology,
    dir: Option<tempfile::TempDir>,
}

impl Lab {
    /// Builds the topology, starts the servers, Alertmanager (per `opts`) and the daemon,
    /// and waits until the daemon is ready.
    ///
    /// # Errors
    /// When any part fails to start; everything started so far is torn down.
    pub fn start(opts: Options) -> Result<Self> {
        let say = |msg: &str| {
            if let Some(progress) = opts.progress {
                progress(msg);
            }
        };
        let bin = daemon::monitor_bin(opts.build)?;
        say(&format!("using {}", bin.display()));
        let dir = tempfile::Builder::new()
            .prefix("m2m-lab-")
            .tempdir()
            .context("lab temp dir")?;
        let logs = dir.path().join("logs");
        std::fs::create_dir_all(&logs).context("creating log dir")?;
        say(
            "creating namespaces client (198.18.0.1) and server (198.18.0.2) joined by a veth pair",
        );
        let topo = Topology::create()?;
        let (client, server) = (topo.client.handle(), topo.server.handle());
        say(&format!(
            "starting servers: HTTP :{HTTP_PORT}, TLS 1.2 :{TLS12_PORT}, TLS 1.3 :{TLS13_PORT}, raw sink"
        ));
        let cert = Cert::generate(dir.path())?;
        let http = HttpServer::start(&server, HTTP_PORT, &logs)?;
        let tls12 = TlsServer::start(&server, TLS12_PORT, TlsVersion::V1_2, &cert, &logs)?;
        let tls13 = TlsServer::start(&server, TLS13_PORT, TlsVersion::V1_3, &cert, &logs)?;
        let sink = Sink::start(&server, &[SINK_TCP_PORT, SINK_TCP_PORT_2], SINK_UDP_PORT)?;
        let alertmanager = match opts.alertmanager {
            AlertmanagerStart::Now => {
                say(&format!(
                    "starting Alertmanager on 127.0.0.1:{ALERTMANAGER_PORT} (client namespace)"
                ));
                Some(Alertmanager::start(&client, ALERTMANAGER_PORT, &logs)?)
            }
            AlertmanagerStart::Later => None,
        };
        let config = daemon::Config {
            ifaces: vec![CLIENT_IF.to_owned()],
            alertmanagers: vec![format!("http://127.0.0.1:{ALERTMANAGER_PORT}")],
            listen: daemon::LISTEN,
            state_dir: dir.path().join("state"),
        };
        say(&format!(
            "starting `monitor run --iface {CLIENT_IF}` and waiting until it is ready"
        ));
        let mut daemon = Daemon::start(&bin, &client, config, &logs)?;
        daemon.wait_ready(READY_TIMEOUT)?;
        Ok(Self {
            daemon,
            alertmanager,
            http,
            tls12,
            tls13,
            sink,
            topo,
            dir: Some(dir),
        })
    }

    /// The lab's temp dir (logs/, state/, certificates).
    #[must_use]
    pub fn dir(&self) -> PathBuf {
        self.dir
            .as_ref()
            .map_or_else(PathBuf::new, |d| d.path().to_path_buf())
    }

    /// `198.18.0.2:PORT`, the server side as the contract writes it.
    #[must_use]
    pub fn server_endpoint(port: u16) -> String {
        format!("{SERVER_IP}:{port}")
    }

    /// The server namespace's address on `port`, for clients to connect to.
    #[must_use]
    pub fn server_addr(port: u16) -> SocketAddr {
        let ip: Ipv4Addr = SERVER_IP.parse().unwrap_or(Ipv4Addr::UNSPECIFIED);
        SocketAddr::from((ip, port))
    }

    /// Starts Alertmanager (for [`AlertmanagerStart::Later`]).
    ///
    /// # Errors
    /// When it is already running or fails to start.
    pub fn start_alertmanager(&mut self) -> Result<&Alertmanager> {
        if self.alertmanager.is_some() {
            return Err(Error::msg("alertmanager already running"));
        }
        let am = Alertmanager::start(
            &self.topo.client.handle(),
            ALERTMANAGER_PORT,
            &self.dir().join("logs"),
        )?;
        Ok(self.alertmanager.insert(am))
    }

    /// Stops the running Alertmanager (if any). Its alerts live in memory, so a later
    /// [`Self::start_alertmanager`] starts empty.
    ///
    /// # Errors
    /// When it does not exit in time.
    pub fn stop_alertmanager(&mut self) -> Result<()> {
        if let Some(mut am) = self.alertmanager.take() {
            am.proc.stop_with(libc::SIGTERM, STOP_TIMEOUT)?;
        }
        Ok(())
    }

    /// The running Alertmanager.
    ///
    /// # Errors
    /// When it has not been started.
    pub fn am(&self) -> Result<&Alertmanager> {
        self.alertmanager
            .as_ref()
            .ok_or_else(|| Error::msg("alertmanager not started"))
    }

    /// POSTs the `IoT` telemetry (email, phone) and the payment webhook (IBAN, card, email)
    /// in clear text to the HTTP server.
    ///
    /// # Errors
    /// When a request fails.
    pub fn send_cleartext_personal_data(&self) -> Result<()> {
        let client = self.topo.client.handle();
        let base = format!("http://{SERVER_IP}:{HTTP_PORT}");
        clients::post_json(
            &client,
            &format!("{base}/v1/telemetry"),
            &fixtures::iot_telemetry_json(),
        )?;
        clients::post_json(
            &client,
            &format!("{base}/webhooks/payment"),
            &fixtures::payment_webhook_json(),
        )
    }

    /// Over one kept-alive connection, POSTs a batch of plain telemetry and then a user record
    /// (the planted e-mail address) with a gzip-compressed body.
    ///
    /// # Errors
    /// When the body cannot be compressed or a request fails.
    pub fn send_kept_alive_gzip_request(&self) -> Result<()> {
        use std::io::Write as _;
        let gzipped = self.dir().join("user-record.json.gz");
        if !gzipped.exists() {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            encoder
                .write_all(fixtures::user_record_json().as_bytes())
                .and_then(|()| encoder.finish())
                .and_then(|body| std::fs::write(&gzipped, body))
                .context("writing the compressed record")?;
        }
        let base = format!("http://{SERVER_IP}:{HTTP_PORT}");
        clients::post_json_then_gzip(
            &self.topo.client.handle(),
            &format!("{base}/v1/metrics"),
            &fixtures::plain_telemetry_batch_json(),
            &format!("{base}/v1/users"),
            &gzipped,
        )
    }

    /// POSTs and GETs telemetry without personal data.
    ///
    /// # Errors
    /// When a request fails.
    pub fn send_plain_telemetry(&self) -> Result<()> {
        let client = self.topo.client.handle();
        let base = format!("http://{SERVER_IP}:{HTTP_PORT}");
        clients::post_json(
            &client,
            &format!("{base}/v1/metrics"),
            &fixtures::plain_telemetry_json(),
        )?;
        clients::get(&client, &format!("{base}/v1/config"))
    }

    /// TLS 1.2 and 1.3 traffic: `curl` requests whose headers carry personal data (it
    /// travels encrypted, so nothing may be reported) and `openssl s_client` handshakes.
    ///
    /// # Errors
    /// When a handshake or request fails.
    pub fn send_tls(&self, version: TlsVersion) -> Result<()> {
        let client = self.topo.client.handle();
        let port = match version {
            TlsVersion::V1_2 => TLS12_PORT,
            TlsVersion::V1_3 => TLS13_PORT,
        };
        let email = format!("X-Customer-Email: {}", fixtures::EMAIL.raw);
        let card = format!("X-Card: {}", fixtures::CARD.raw);
        clients::https_get(
            &client,
            &format!("https://{SERVER_IP}:{port}/"),
            version,
            &[&email, &card],
        )?;
        clients::s_client(&client, SocketAddr::from(([198, 18, 0, 2], port)), version)
    }

    /// Repeats `drive` (traffic) and `check` every 2 s until `check` holds or `timeout`.
    ///
    /// The daemon samples traffic, so one exchange may not be enough; repeating it keeps
    /// the test about what the daemon reports, not about a single packet's luck.
    ///
    /// # Errors
    /// On timeout (with `check`'s last reason), when driving fails, or the daemon dies.
    pub fn drive_until<T>(
        &mut self,
        what: &str,
        timeout: Duration,
        mut drive: impl FnMut(&Self) -> Result<()>,
        mut check: impl FnMut(&Self) -> std::result::Result<T, String>,
    ) -> Result<T> {
        wait::until(what, timeout, Duration::from_secs(2), || {
            self.daemon.check_alive().map_err(wait::fatal)?;
            drive(self).map_err(|e| format!("driving traffic: {e}"))?;
            check(self)
        })
    }

    /// Re-sends traffic with `drive` until, for each `(data_type, direction)` of `wanted`, the
    /// daemon reports an unencrypted finding of that type sent that way between the client
    /// and the server on `port`.
    ///
    /// # Errors
    /// On timeout (naming what is missing), when driving fails, or the daemon dies.
    pub fn drive_until_found(
        &mut self,
        what: &str,
        port: u16,
        drive: impl FnMut(&Self) -> Result<()>,
        wanted: &[(&str, Direction)],
    ) -> Result<()> {
        let server = Self::server_endpoint(port);
        self.drive_until(what, FINDINGS_TIMEOUT, drive, |lab| {
            findings_by_direction(&lab.daemon.findings().map_err(|e| e.0)?, &server, wanted)
        })
    }

    /// Waits until the findings satisfy `check` (no traffic is sent).
    ///
    /// # Errors
    /// On timeout or API failure.
    pub fn wait_findings<T>(
        &mut self,
        what: &str,
        timeout: Duration,
        check: impl Fn(&[Finding]) -> std::result::Result<T, String>,
    ) -> Result<T> {
        self.drive_until(
            what,
            timeout,
            |_| Ok(()),
            |lab| check(&lab.daemon.findings().map_err(|e| e.0)?),
        )
    }

    /// Waits until the flows satisfy `check`, re-sending traffic with `drive`.
    ///
    /// # Errors
    /// On timeout or API failure.
    pub fn drive_until_flows<T>(
        &mut self,
        what: &str,
        timeout: Duration,
        drive: impl FnMut(&Self) -> Result<()>,
        check: impl Fn(&[Flow]) -> std::result::Result<T, String>,
    ) -> Result<T> {
        self.drive_until(what, timeout, drive, |lab| {
            check(&lab.daemon.flows().map_err(|e| e.0)?)
        })
    }

    /// Every output a person or a machine can read from the lab: all API endpoints, the
    /// metrics, the CLI outputs, Alertmanager's alerts, the daemon's logs and every file
    /// in its state dir. Unreachable endpoints are recorded as such (not skipped silently).
    ///
    /// # Errors
    /// When the state dir cannot be read.
    pub fn collect_outputs(&self) -> Result<Vec<Output>> {
        let mut outs = Vec::new();
        for path in [
            "/api/v1/flows",
            "/api/v1/findings",
            "/api/v1/status",
            "/metrics",
            "/healthz",
            "/readyz",
        ] {
            let body = self
                .daemon
                .get(path)
                .map_or_else(|e| format!("<unreachable: {e}>"), |r| r.body);
            outs.push(Output::text(format!("GET {path}"), body));
        }
        for args in [
            &["flows", "--output", "json"][..],
            &["flows", "--output", "table"],
            &["findings", "--output", "json"],
            &["findings", "--output", "table"],
            &["status"],
        ] {
            let text = self
                .daemon
                .cli(args)
                .unwrap_or_else(|e| format!("<failed: {e}>"));
            outs.push(Output::text(format!("monitor {}", args.join(" ")), text));
        }
        if let Some(am) = &self.alertmanager {
            outs.push(Output::text(
                "alertmanager /api/v2/alerts",
                am.alerts_json().unwrap_or_else(|e| e.0),
            ));
        }
        outs.extend(self.daemon_logs_and_state()?);
        Ok(outs)
    }

    /// Checks every output (see [`Self::collect_outputs`]) for the planted `needles`.
    ///
    /// # Panics
    /// When an output cannot be collected or holds one of them.
    pub fn assert_no_leaks(&self, needles: &[&str]) {
        let outputs = self.collect_outputs().expect("collect outputs");
        let leaks = privacy::scan(&outputs, needles);
        assert!(leaks.is_empty(), "raw personal data leaked: {leaks:#?}");
    }

    /// Asserts that no IP address was reported between the client and the server on `port`:
    /// the addresses a protocol's handshake or topology answer names (a broker's, a cluster
    /// node's, the server's own) are servers', where no test plants a person's.
    ///
    /// # Panics
    /// When the findings cannot be read, or one of them is an address.
    pub fn assert_no_address_findings(&self, port: u16) {
        let server = Self::server_endpoint(port);
        let findings = self.daemon.findings().expect("findings");
        let addresses: Vec<_> = findings
            .iter()
            .filter(|f| f.src == server || f.dst == server)
            .filter(|f| f.data_types.iter().any(|t| t == "ipv4" || t == "ipv6"))
            .collect();
        assert!(
            addresses.is_empty(),
            "servers' addresses reported for {server}: {addresses:?}"
        );
    }

    /// Asserts that every finding sent to or from the lab's server on `port` names `protocol`,
    /// and that there is one; and when some was sent to the server, that the alerts for the
    /// server's traffic come (within [`FINDINGS_TIMEOUT`]) and each meets the alert contract
    /// with `protocol` as its label.
    ///
    /// # Panics
    /// When the findings or alerts cannot be read, none involves the server, one names another
    /// protocol, or no alert comes.
    pub fn assert_protocol_labels(&self, port: u16, protocol: &str) {
        let server = Self::server_endpoint(port);
        let findings = self.daemon.findings().expect("findings");
        let of_server: Vec<_> = findings
            .iter()
            .filter(|f| f.src == server || f.dst == server)
            .collect();
        assert!(!of_server.is_empty(), "no finding involves {server}");
        let others: Vec<_> = of_server
            .iter()
            .filter(|f| f.protocol != protocol)
            .collect();
        assert!(
            others.is_empty(),
            "findings of {server} not labelled {protocol}: {others:?}"
        );
        if !of_server.iter().any(|f| f.dst == server) {
            return;
        }
        let am = self.am().expect("alertmanager");
        let alerts = wait::until(
            &format!("alerts for traffic to {server}"),
            FINDINGS_TIMEOUT,
            Duration::from_millis(500),
            || {
                let alerts = am.alerts().map_err(|e| e.0)?;
                let to_server: Vec<_> = alerts
                    .into_iter()
                    .filter(|a| a.label("destination") == server)
                    .collect();
                if to_server.is_empty() {
                    Err("no alert yet".to_owned())
                } else {
                    Ok(to_server)
                }
            },
        )
        .expect("alerts for the traffic to the server");
        for alert in &alerts {
            expect::alert_fields(alert, protocol).expect("the alert contract, with the protocol");
        }
    }

    /// The daemon's stdout/stderr and every state file (also valid after it stopped).
    ///
    /// # Errors
    /// When the state dir cannot be read.
    pub fn daemon_logs_and_state(&self) -> Result<Vec<Output>> {
        let mut outs = vec![
            Output::text("daemon stdout", self.daemon.proc.stdout()),
            Output::text("daemon stderr", self.daemon.proc.stderr()),
        ];
        let state = &self.daemon.config().state_dir;
        if state.exists() {
            outs.extend(privacy::files_under(state)?);
        }
        Ok(outs)
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if std::thread::panicking()
            && let Some(dir) = self.dir.take()
        {
            eprintln!(
                "harness: test failed; lab logs and state kept in {}",
                dir.keep().display()
            );
        }
    }
}

/// A lab for one integration test: holds the serialisation lock for its lifetime.
/// Field order is drop order: the lab goes first, then the lock is released.
#[derive(Debug)]
pub struct TestLab {
    lab: Lab,
    _serial: MutexGuard<'static, ()>,
}

impl TestLab {
    /// Checks prerequisites (see [`crate::preflight::require`]) and starts a lab.
    ///
    /// Returns `None` when the test is skipped (outside CI only).
    ///
    /// # Panics
    /// When a prerequisite is missing in CI or the lab cannot start.
    #[must_use]
    pub fn start(test: &str, opts: Options) -> Option<Self> {
        if !crate::preflight::require(test, &[crate::alertmanager::BINARY]) {
            return None;
        }
        let serial = serial();
        let lab = Lab::start(opts).unwrap_or_else(|e| panic!("{test}: starting the lab: {e}"));
        Some(Self {
            lab,
            _serial: serial,
        })
    }
}

impl std::ops::Deref for TestLab {
    type Target = Lab;
    fn deref(&self) -> &Lab {
        &self.lab
    }
}

impl std::ops::DerefMut for TestLab {
    fn deref_mut(&mut self) -> &mut Lab {
        &mut self.lab
    }
}
