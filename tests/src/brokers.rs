//! Real brokers and caches from Debian's packages in a namespace, in clear text as they talk
//! without a TLS listener: Redis (`redis-server`, `redis-cli`), MQTT (`mosquitto`,
//! `mosquitto_pub`, `mosquitto_sub`), memcached (`memcached`, and `memccp`/`memccat` from
//! libmemcached), NATS (`nats-server`, with a minimal client of the harness's own: no NATS
//! client is packaged) and AMQP (`rabbitmq-server`, and `amqp-publish`/`amqp-consume` from
//! librabbitmq's tools).

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use crate::error::Context as _;
use crate::netns::NsRef;
use crate::process::{Proc, run_ok, user_ids};
use crate::servers::wait_listening;
use crate::{Error, Result};

/// How long a client command may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// The programs [`Redis`] and its client need.
pub const REDIS_TOOLS: &[&str] = &["redis-server", "redis-cli"];
/// The programs [`Mosquitto`] and its clients need.
pub const MQTT_TOOLS: &[&str] = &["mosquitto", "mosquitto_pub", "mosquitto_sub"];
/// The programs [`Memcached`] and its clients need.
pub const MEMCACHED_TOOLS: &[&str] = &["memcached", "memccp", "memccat"];
/// The program [`Nats`] needs.
pub const NATS_TOOLS: &[&str] = &["nats-server"];
/// The programs [`RabbitMq`] and its clients need (the broker itself is [`RABBITMQ_SERVER`]).
pub const AMQP_TOOLS: &[&str] = &["epmd", "setpriv", "amqp-publish", "amqp-consume"];
/// RabbitMQ's start script, which execs the Erlang node (Debian's `rabbitmq-server` package).
pub const RABBITMQ_SERVER: &str = "/usr/lib/rabbitmq/bin/rabbitmq-server";

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

    /// Starts a one-node cluster in `ns` on `port`, announcing itself as `announced` (as
    /// Kubernetes charts announce a pod's address), and gives it every hash slot.
    ///
    /// # Errors
    /// When the server cannot start, does not listen in time, or refuses the slots.
    pub fn start_cluster(
        ns: &NsRef,
        port: u16,
        announced: SocketAddr,
        log_dir: &Path,
    ) -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("m2m-redis-cluster-")
            .tempdir()
            .context("Redis dir")?;
        let mut cmd = ns.exec("redis-server")?;
        cmd.args(["--port", &port.to_string()])
            .args(["--bind", "0.0.0.0", "--protected-mode", "no"])
            .args(["--save", "", "--appendonly", "no"])
            .args(["--cluster-enabled", "yes"])
            .args(["--cluster-announce-ip", &announced.ip().to_string()])
            .arg("--cluster-config-file")
            .arg(dir.path().join("nodes.conf"))
            .arg("--dir")
            .arg(dir.path());
        let mut proc = Proc::spawn(&format!("redis-cluster-{port}"), &mut cmd, log_dir)?;
        wait_listening(ns, port, Some(&mut proc))?;
        redis_cli(
            ns,
            announced,
            false,
            &["CLUSTER", "ADDSLOTSRANGE", "0", "16383"],
        )?;
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

/// A memcached server listening on every address of its namespace (TCP only). Stopped (by PID)
/// when dropped.
pub struct Memcached {
    /// The server process.
    pub proc: Proc,
}

impl Memcached {
    /// Starts the server in `ns` on `port`.
    ///
    /// # Errors
    /// When the server cannot start or does not listen in time.
    pub fn start(ns: &NsRef, port: u16, log_dir: &Path) -> Result<Self> {
        let mut cmd = ns.exec("memcached")?;
        cmd.args([
            "-p",
            &port.to_string(),
            "-l",
            "0.0.0.0",
            "-U",
            "0",
            "-u",
            "root",
        ]);
        let mut proc = Proc::spawn(&format!("memcached-{port}"), &mut cmd, log_dir)?;
        wait_listening(ns, port, Some(&mut proc))?;
        Ok(Self { proc })
    }
}

/// Stores `value` under `key` with `memccp` from `ns` (which names the item by its file's
/// name).
///
/// # Errors
/// When the file cannot be written or the client fails.
pub fn memcached_store(ns: &NsRef, server: SocketAddr, key: &str, value: &str) -> Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("m2m-memccp-")
        .tempdir()
        .context("memccp dir")?;
    let file = dir.path().join(key);
    std::fs::write(&file, value).context(format!("writing {}", file.display()))?;
    let mut cmd = ns.exec("memccp")?;
    cmd.arg(format!("--servers={server}")).arg(&file);
    run_ok(&mut cmd, COMMAND_TIMEOUT).map(drop)
}

/// The value stored under `key`, fetched with `memccat` from `ns`.
///
/// # Errors
/// When the client fails.
pub fn memcached_fetch(ns: &NsRef, server: SocketAddr, key: &str) -> Result<String> {
    let mut cmd = ns.exec("memccat")?;
    cmd.arg(format!("--servers={server}")).arg(key);
    run_ok(&mut cmd, COMMAND_TIMEOUT)
}

/// A NATS server listening on every address of its namespace. Stopped (by PID) when dropped.
pub struct Nats {
    /// The server process.
    pub proc: Proc,
}

impl Nats {
    /// Starts the server in `ns` on `port`.
    ///
    /// # Errors
    /// When the server cannot start or does not listen in time.
    pub fn start(ns: &NsRef, port: u16, log_dir: &Path) -> Result<Self> {
        let mut cmd = ns.exec("nats-server")?;
        cmd.args(["-a", "0.0.0.0", "-p", &port.to_string()]);
        let mut proc = Proc::spawn(&format!("nats-{port}"), &mut cmd, log_dir)?;
        wait_listening(ns, port, Some(&mut proc))?;
        Ok(Self { proc })
    }
}

/// From `ns`, subscribes to `subject` and publishes `payload` to it on one connection, as a
/// NATS client does (`CONNECT`, `SUB`, `PUB`, `PING`), and returns the payload the server
/// delivers back (`MSG`): the publish crosses the network once each way.
///
/// # Errors
/// On connection or protocol failure, an `-ERR` from the server, or no delivery in time.
pub fn nats_round_trip(
    ns: &NsRef,
    server: SocketAddr,
    subject: &str,
    payload: &str,
) -> Result<String> {
    let commands = format!(
        "CONNECT {{\"verbose\":false,\"pedantic\":false,\"name\":\"m2m-lab\"}}\r\n\
         SUB {subject} 1\r\nPUB {subject} {}\r\n{payload}\r\nPING\r\n",
        payload.len()
    );
    ns.run_in(move || -> Result<String> {
        let mut stream = TcpStream::connect_timeout(&server, COMMAND_TIMEOUT)
            .context(format!("connecting to {server}"))?;
        stream
            .set_read_timeout(Some(COMMAND_TIMEOUT))
            .context("read timeout")?;
        let mut reader = BufReader::new(stream.try_clone().context("cloning the stream")?);
        let mut line = String::new();
        reader.read_line(&mut line).context("reading INFO")?;
        if !line.starts_with("INFO ") {
            return Err(Error::msg(format!("expected INFO, got {line:?}")));
        }
        stream
            .write_all(commands.as_bytes())
            .context("publishing")?;
        // INFO, MSG and its payload, PONG: a handful of lines; bounded all the same.
        let mut delivered = None;
        for _ in 0..32 {
            line.clear();
            reader
                .read_line(&mut line)
                .context("reading the server's answer")?;
            if line.starts_with("-ERR") {
                return Err(Error::msg(format!("server error: {}", line.trim())));
            }
            if line.starts_with("MSG ") {
                let mut body = String::new();
                reader.read_line(&mut body).context("reading the message")?;
                delivered = Some(body.trim_end().to_owned());
            }
            if line.starts_with("PONG") && delivered.is_some() {
                break;
            }
        }
        delivered.ok_or_else(|| Error::msg("no MSG delivered"))
    })?
}

/// A RabbitMQ broker with a throw-away node directory, listening on every address of its
/// namespace, its `guest` user allowed from the lab's client (by default only from loopback).
/// The broker, and the Erlang port mapper it registers with (started here in the foreground,
/// not left behind as a daemon), are stopped by PID when dropped.
pub struct RabbitMq {
    /// The broker process (the Erlang node: the start script and `setpriv` exec it).
    pub proc: Proc,
    // Dropped after the broker: the port mapper, then the node's files.
    _epmd: Proc,
    _dir: tempfile::TempDir,
}

impl RabbitMq {
    /// Starts the broker in `ns` on `port`, as the `rabbitmq` user (its files are made its).
    ///
    /// # Errors
    /// When the directory or configuration cannot be made, or the broker does not listen in
    /// time.
    pub fn start(ns: &NsRef, port: u16, log_dir: &Path) -> Result<Self> {
        const USER: &str = "rabbitmq";
        let dir = tempfile::Builder::new()
            .prefix("m2m-rabbitmq-")
            .tempdir()
            .context("RabbitMQ dir")?;
        let config = dir.path().join("rabbitmq.conf");
        std::fs::write(
            &config,
            format!("loopback_users = none\nlisteners.tcp.default = {port}\n"),
        )
        .context(format!("writing {}", config.display()))?;
        let (uid, gid) = user_ids(USER)?;
        for sub in ["", "mnesia", "home"] {
            let path = dir.path().join(sub);
            std::fs::create_dir_all(&path).context(format!("creating {}", path.display()))?;
            std::os::unix::fs::chown(&path, Some(uid), Some(gid))
                .context(format!("chown {} to {USER}", path.display()))?;
        }
        let mut epmd = ns.exec("epmd")?;
        let mut epmd = Proc::spawn("epmd", &mut epmd, log_dir)?;
        wait_listening(ns, 4369, Some(&mut epmd))?;
        let mut cmd = ns.exec("setpriv")?;
        cmd.args([
            &format!("--reuid={USER}"),
            &format!("--regid={USER}"),
            "--init-groups",
            RABBITMQ_SERVER,
        ])
        .env("HOME", dir.path().join("home"))
        .env("RABBITMQ_NODENAME", "rabbit@localhost")
        .env("RABBITMQ_CONFIG_FILE", &config)
        .env("RABBITMQ_MNESIA_BASE", dir.path().join("mnesia"))
        .env("RABBITMQ_LOG_BASE", dir.path())
        .env("RABBITMQ_LOGS", "-")
        .env(
            "RABBITMQ_ENABLED_PLUGINS_FILE",
            dir.path().join("enabled_plugins"),
        );
        let mut proc = Proc::spawn(&format!("rabbitmq-{port}"), &mut cmd, log_dir)?;
        wait_listening(ns, port, Some(&mut proc))?;
        Ok(Self {
            proc,
            _epmd: epmd,
            _dir: dir,
        })
    }
}

/// The URL of `broker` with RabbitMQ's default user.
fn amqp_url(broker: SocketAddr) -> String {
    format!("amqp://guest:guest@{broker}")
}

/// `amqp-publish` from `ns`: `body` to the topic exchange `amq.topic` with `routing_key` and
/// application `headers` (string values).
///
/// # Errors
/// When the client fails.
pub fn amqp_publish(
    ns: &NsRef,
    broker: SocketAddr,
    routing_key: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<()> {
    let mut cmd = ns.exec("amqp-publish")?;
    cmd.args([
        "-u",
        &amqp_url(broker),
        "-e",
        "amq.topic",
        "-r",
        routing_key,
    ]);
    for (name, value) in headers {
        cmd.args(["-H", &format!("{name}: {value}")]);
    }
    cmd.args(["-b", body]);
    run_ok(&mut cmd, COMMAND_TIMEOUT).map(drop)
}

/// An `amqp-consume` in `ns` on a queue of its own bound to `amq.topic` with `binding`,
/// handing each message to `true` (nothing of it is printed). Stopped (by PID) when dropped.
///
/// # Errors
/// When the client cannot start.
pub fn amqp_consumer(
    ns: &NsRef,
    broker: SocketAddr,
    binding: &str,
    log_dir: &Path,
) -> Result<Proc> {
    let mut cmd = ns.exec("amqp-consume")?;
    cmd.args(["-u", &amqp_url(broker), "-e", "amq.topic", "-r", binding])
        .arg(crate::preflight::tool("true")?);
    Proc::spawn("amqp-consume", &mut cmd, log_dir)
}
