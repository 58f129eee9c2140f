//! Real Redis and MQTT brokers (Debian's `redis-server` and `mosquitto`) in a namespace, and
//! their own command-line clients (`redis-cli`, `mosquitto_pub`, `mosquitto_sub`), all in clear
//! text as a broker without a TLS listener talks.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use crate::Result;
use crate::error::Context as _;
use crate::netns::NsRef;
use crate::process::{Proc, run_ok};
use crate::servers::wait_listening;

/// How long a client command may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// The programs [`Redis`] and its client need.
pub const REDIS_TOOLS: &[&str] = &["redis-server", "redis-cli"];
/// The programs [`Mosquitto`] and its clients need.
pub const MQTT_TOOLS: &[&str] = &["mosquitto", "mosquitto_pub", "mosquitto_sub"];

/// A Redis server without persistence, listening on every address of its namespace (protected
/// mode off: the lab's client is not on loopback). Stopped (by PID) when dropped.
pub struct Redis {
    /// The server process.
    pub proc: Proc,
    // Its working directory, removed after the server stops.
    _dir: tempfile::TempDir,
}

impl Redis {
    /// Starts the server in `ns` on `port`.
    ///
    /// # Errors
    /// When the server cannot start or does not listen in time.
    pub fn start(ns: &NsRef, port: u16, log_dir: &Path) -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("m2m-redis-")
            .tempdir()
            .context("Redis dir")?;
        let mut cmd = ns.exec("redis-server")?;
        cmd.args(["--port", &port.to_string()])
            .args(["--bind", "0.0.0.0", "--protected-mode", "no"])
            .args(["--save", "", "--appendonly", "no", "--dir"])
            .arg(dir.path());
        let mut proc = Proc::spawn(&format!("redis-{port}"), &mut cmd, log_dir)?;
        wait_listening(ns, port, Some(&mut proc))?;
        Ok(Self { proc, _dir: dir })
    }
}

/// Runs one Redis command with `redis-cli` from `ns` against `server`, in RESP2 or, with
/// `resp3`, after `HELLO 3`; returns the reply as the client prints it.
///
/// # Errors
/// When the client fails.
pub fn redis_cli(ns: &NsRef, server: SocketAddr, resp3: bool, args: &[&str]) -> Result<String> {
    let mut cmd = ns.exec("redis-cli")?;
    cmd.args([
        "-h",
        &server.ip().to_string(),
        "-p",
        &server.port().to_string(),
    ]);
    if resp3 {
        cmd.arg("-3");
    }
    cmd.args(args);
    run_ok(&mut cmd, COMMAND_TIMEOUT)
}

/// A Mosquitto broker with a listener on every address of its namespace that lets anonymous
/// clients in (Mosquitto 2 listens on loopback only without one), without persistence.
/// Stopped (by PID) when dropped.
pub struct Mosquitto {
    /// The broker process.
    pub proc: Proc,
    // Its configuration file, removed after the broker stops.
    _dir: tempfile::TempDir,
}

impl Mosquitto {
    /// Starts the broker in `ns` on `port`.
    ///
    /// # Errors
    /// When the configuration cannot be written, or the broker does not listen in time.
    pub fn start(ns: &NsRef, port: u16, log_dir: &Path) -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("m2m-mosquitto-")
            .tempdir()
            .context("Mosquitto dir")?;
        let config = dir.path().join("mosquitto.conf");
        std::fs::write(
            &config,
            format!("listener {port} 0.0.0.0\nallow_anonymous true\npersistence false\n"),
        )
        .context(format!("writing {}", config.display()))?;
        let mut cmd = ns.exec("mosquitto")?;
        cmd.arg("-c").arg(&config);
        let mut proc = Proc::spawn(&format!("mosquitto-{port}"), &mut cmd, log_dir)?;
        wait_listening(ns, port, Some(&mut proc))?;
        Ok(Self { proc, _dir: dir })
    }
}

/// Publishes `message` to `topic` with `mosquitto_pub` from `ns` (`version`: `mqttv311` or
/// `mqttv5`; `QoS` 0).
///
/// # Errors
/// When the client fails.
pub fn mqtt_publish(
    ns: &NsRef,
    broker: SocketAddr,
    version: &str,
    topic: &str,
    message: &str,
) -> Result<()> {
    let mut cmd = ns.exec("mosquitto_pub")?;
    cmd.args([
        "-h",
        &broker.ip().to_string(),
        "-p",
        &broker.port().to_string(),
    ])
    .args(["-V", version, "-t", topic, "-m", message]);
    run_ok(&mut cmd, COMMAND_TIMEOUT).map(drop)
}

/// A `mosquitto_sub` in `ns` subscribed to `filter`, printing only the topics it receives
/// (not their payloads). Stopped (by PID) when dropped.
///
/// # Errors
/// When the client cannot start.
pub fn mqtt_subscriber(
    ns: &NsRef,
    broker: SocketAddr,
    filter: &str,
    log_dir: &Path,
) -> Result<Proc> {
    let mut cmd = ns.exec("mosquitto_sub")?;
    cmd.args([
        "-h",
        &broker.ip().to_string(),
        "-p",
        &broker.port().to_string(),
    ])
    .args(["-t", filter, "-F", "%t"]);
    Proc::spawn("mosquitto_sub", &mut cmd, log_dir)
}
