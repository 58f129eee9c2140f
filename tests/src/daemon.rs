//! The `monitor` binary: locating it, running the daemon in a namespace, and querying it
//! through its HTTP API and its own CLI.
//!
//! # Which binary is tested
//! 1. `MONITOR_BIN`, if set, is used as is and never rebuilt (`cargo xtask test`/`demo`
//!    build first and set it).
//! 2. Otherwise, with [`Build::IfNeeded`] (the integration tests), `cargo build -p monitor`
//!    runs once per test process, a no-op when it is fresh, so `cargo test -p tests` never
//!    tests a stale daemon; the result is `<target>/debug/monitor`.
//! 3. With [`Build::Never`] (the demo, which builds nothing), the newest of
//!    `<target>/{debug,release}/monitor`.
//!
//! `<target>` is `CARGO_TARGET_DIR` or `target/` at the workspace root.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::sync::OnceLock;
use std::time::Duration;

use crate::contract::{Finding, Flow, Sample, parse_findings, parse_flows, parse_metrics};
use crate::error::Context as _;
use crate::netns::NsRef;
use crate::process::{Proc, run_bounded};
use crate::{Error, Result, http, wait};

/// Where the daemon's API listens inside the client namespace.
pub const LISTEN: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 9842);

/// Whether [`monitor_bin`] may build the binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Build {
    /// Run `cargo build -p monitor` unless `MONITOR_BIN` is set.
    IfNeeded,
    /// Only look for an existing binary.
    Never,
}

fn workspace_root() -> PathBuf {
    // This crate lives at <workspace>/tests.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace_root().join("target"), PathBuf::from)
}

/// The `monitor` binary to test (see the module docs for the order).
///
/// # Errors
/// When `MONITOR_BIN` points nowhere, the build fails, or no binary exists.
pub fn monitor_bin(build: Build) -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("MONITOR_BIN") {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(Error(format!(
                "MONITOR_BIN={} is not a file",
                path.display()
            )))
        };
    }
    if build == Build::IfNeeded {
        static BUILT: OnceLock<std::result::Result<PathBuf, String>> = OnceLock::new();
        return BUILT
            .get_or_init(|| build_monitor().map_err(|e| e.0))
            .clone()
            .map_err(Error);
    }
    ["debug", "release"]
        .iter()
        .map(|profile| target_dir().join(profile).join("monitor"))
        .filter(|p| p.is_file())
        .max_by_key(|p| p.metadata().and_then(|m| m.modified()).ok())
        .ok_or_else(|| {
            Error(format!(
                "no monitor binary under {}/{{debug,release}}; build it (`cargo build -p monitor`) or set MONITOR_BIN",
                target_dir().display()
            ))
        })
}

fn build_monitor() -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!("harness: cargo build -p monitor (set MONITOR_BIN to skip)");
    let out = run_bounded(
        Command::new(cargo)
            .current_dir(workspace_root())
            .args(["build", "-p", "monitor"]),
        Duration::from_mins(30),
    )?;
    if !out.status.success() {
        return Err(Error(format!(
            "`cargo build -p monitor` failed ({}):\n{}",
            out.status,
            crate::process::tail(&String::from_utf8_lossy(&out.stderr), 30)
        )));
    }
    let bin = target_dir().join("debug").join("monitor");
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(Error(format!(
            "build succeeded but {} is missing",
            bin.display()
        )))
    }
}

/// How to run the daemon.
#[derive(Debug, Clone)]
pub struct Config {
    /// `--iface`, repeatable.
    pub ifaces: Vec<String>,
    /// `--alertmanager`, repeatable.
    pub alertmanagers: Vec<String>,
    /// `--listen`.
    pub listen: SocketAddr,
    /// `--state-dir`.
    pub state_dir: PathBuf,
}

/// A running `monitor run`, in the host mount namespace but the lab's network namespace.
#[derive(Debug)]
pub struct Daemon {
    /// The daemon process (`nsenter` execs it, so this is the daemon's PID).
    pub proc: Proc,
    bin: PathBuf,
    ns: NsRef,
    config: Config,
}

impl Daemon {
    /// Starts `BIN run ...` under `nsenter --net` (not `ip netns exec`, which would hide
    /// bpffs and the cgroup v2 mount). Logs at debug level for the daemon's own crates, so
    /// the privacy test also covers verbose logging.
    ///
    /// # Errors
    /// When the process cannot start.
    pub fn start(bin: &Path, ns: &NsRef, config: Config, log_dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(&config.state_dir).context("creating state dir")?;
        let mut cmd = ns.nsenter(bin)?;
        cmd.arg("run");
        for iface in &config.ifaces {
            cmd.args(["--iface", iface]);
        }
        for am in &config.alertmanagers {
            cmd.args(["--alertmanager", am]);
        }
        cmd.arg("--listen")
            .arg(config.listen.to_string())
            .arg("--state-dir")
            .arg(&config.state_dir);
        cmd.env(
            "RUST_LOG",
            std::env::var("M2M_DAEMON_LOG")
                .unwrap_or_else(|_| "info,monitor=debug,monitor_detect=debug".into()),
        );
        cmd.env("RUST_BACKTRACE", "1");
        let proc = Proc::spawn("monitor-daemon", &mut cmd, log_dir)?;
        Ok(Self {
            proc,
            bin: bin.to_path_buf(),
            ns: ns.clone(),
            config,
        })
    }

    /// The API base URL, as the CLI's `--endpoint` wants it.
    #[must_use]
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.config.listen)
    }

    /// The configuration it was started with.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// An error with the daemon's log tail if it has exited.
    ///
    /// # Errors
    /// When the daemon is no longer running.
    pub fn check_alive(&mut self) -> Result<()> {
        match self.proc.exit_status()? {
            None => Ok(()),
            Some(status) => Err(Error(format!(
                "monitor run exited with {status}; stderr tail:\n{}",
                self.proc.stderr_tail(30)
            ))),
        }
    }

    /// Waits until `/readyz` answers 200 (programs attached).
    ///
    /// # Errors
    /// When the daemon exits or is not ready within `timeout`.
    pub fn wait_ready(&mut self, timeout: Duration) -> Result<()> {
        let (ns, addr) = (self.ns.clone(), self.config.listen);
        wait::until(
            "monitor /readyz to answer 200",
            timeout,
            Duration::from_millis(250),
            || {
                self.check_alive().map_err(wait::fatal)?;
                let resp = ns
                    .run_in(move || http::get(addr, "/readyz"))
                    .map_err(|e| e.0)?
                    .map_err(|e| e.0)?;
                if resp.status == 200 {
                    Ok(())
                } else {
                    Err(format!("HTTP {}: {:.200}", resp.status, resp.body))
                }
            },
        )
    }

    /// `GET path` on the daemon's API, from inside its namespace.
    ///
    /// # Errors
    /// When the request fails.
    pub fn get(&self, path: &str) -> Result<http::Response> {
        let addr = self.config.listen;
        let path = path.to_owned();
        self.ns.run_in(move || http::get(addr, &path))?
    }

    /// `GET /api/v1/flows`, parsed.
    ///
    /// # Errors
    /// When the request fails or the JSON breaks the contract.
    pub fn flows(&self) -> Result<Vec<Flow>> {
        parse_flows(&self.get("/api/v1/flows")?.ok()?.body)
    }

    /// `GET /api/v1/findings`, parsed.
    ///
    /// # Errors
    /// When the request fails or the JSON breaks the contract.
    pub fn findings(&self) -> Result<Vec<Finding>> {
        parse_findings(&self.get("/api/v1/findings")?.ok()?.body)
    }

    /// `GET /metrics`, raw and parsed.
    ///
    /// # Errors
    /// When the request fails or the text is not Prometheus exposition.
    pub fn metrics(&self) -> Result<(String, Vec<Sample>)> {
        let text = self.get("/metrics")?.ok()?.body;
        let samples = parse_metrics(&text)?;
        Ok((text, samples))
    }

    /// Runs the CLI (`monitor ARGS... --endpoint URL`) inside the namespace; returns stdout.
    ///
    /// # Errors
    /// When the CLI fails or exits non-zero.
    pub fn cli(&self, args: &[&str]) -> Result<String> {
        let mut cmd = self.ns.nsenter(&self.bin)?;
        cmd.args(args).arg("--endpoint").arg(self.endpoint());
        let out = run_bounded(&mut cmd, Duration::from_secs(30))?;
        if !out.status.success() {
            return Err(Error(format!(
                "monitor {} exited with {}: {}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `monitor flows --output json`, parsed (tests the CLI contract).
    ///
    /// # Errors
    /// When the CLI fails or its JSON breaks the contract.
    pub fn cli_flows(&self) -> Result<Vec<Flow>> {
        parse_flows(&self.cli(&["flows", "--output", "json"])?)
    }

    /// `monitor findings --output json`, parsed (tests the CLI contract).
    ///
    /// # Errors
    /// When the CLI fails or its JSON breaks the contract.
    pub fn cli_findings(&self) -> Result<Vec<Finding>> {
        parse_findings(&self.cli(&["findings", "--output", "json"])?)
    }

    /// Sends `signal` and waits up to `timeout` for the exit.
    ///
    /// # Errors
    /// When it does not exit in time (it is then `SIGKILLed`).
    pub fn stop(&mut self, signal: libc::c_int, timeout: Duration) -> Result<ExitStatus> {
        self.proc.stop_with(signal, timeout)
    }

    /// stdout and stderr of the daemon so far.
    #[must_use]
    pub fn logs(&self) -> String {
        format!("{}{}", self.proc.stdout(), self.proc.stderr())
    }
}
