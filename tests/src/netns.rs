//! Network namespaces and the client/server veth topology.
//!
//! Names are `m2m-<pid>-<n>-<role>`: unique per test process, and the PID lets a later run
//! recognise namespaces whose owner died (crash, SIGKILL) and remove them.

use std::fs::File;
use std::os::fd::AsRawFd as _;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::error::Context as _;
use crate::preflight::tool;
use crate::process::run_ok;
use crate::{Error, Result};

/// Prefix of every namespace the harness creates.
pub const PREFIX: &str = "m2m-";
/// Client side of the veth pair.
pub const CLIENT_IP: &str = "198.18.0.1";
/// Server side of the veth pair.
pub const SERVER_IP: &str = "198.18.0.2";
/// The veth end in the client namespace; the daemon watches this one.
pub const CLIENT_IF: &str = "veth-c";
/// The veth end in the server namespace.
pub const SERVER_IF: &str = "veth-s";

const IP_TIMEOUT: Duration = Duration::from_secs(20);

static NEXT: AtomicUsize = AtomicUsize::new(0);
static STALE_CLEANUP: Once = Once::new();

/// A cheap, clonable reference to a namespace (does not own it).
#[derive(Clone, Debug)]
pub struct NsRef {
    name: String,
}

impl NsRef {
    /// The namespace name as `ip netns` knows it.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `/run/netns/NAME`, the bind mount that `setns`/`nsenter` open.
    #[must_use]
    pub fn path(&self) -> PathBuf {
        PathBuf::from("/run/netns").join(&self.name)
    }

    /// `ip netns exec NAME PROGRAM`: the program gets its own mount namespace with a fresh
    /// /sys. Right for servers and clients; not for the daemon (see [`Self::nsenter`]).
    ///
    /// # Errors
    /// When `ip` or the program is not installed.
    pub fn exec(&self, program: &str) -> Result<Command> {
        let mut cmd = Command::new(tool("ip")?);
        cmd.args(["netns", "exec", &self.name]).arg(tool(program)?);
        scrub_proxy_env(&mut cmd);
        Ok(cmd)
    }

    /// `nsenter --net=/run/netns/NAME -- PROGRAM`: enters only the network namespace and
    /// keeps the host mounts (bpffs, cgroup v2) that the daemon needs.
    ///
    /// # Errors
    /// When `nsenter` is not installed.
    pub fn nsenter(&self, program: &std::path::Path) -> Result<Command> {
        let mut cmd = Command::new(tool("nsenter")?);
        cmd.arg(format!("--net={}", self.path().display()))
            .arg("--")
            .arg(program);
        scrub_proxy_env(&mut cmd);
        Ok(cmd)
    }

    /// Runs `ip -n NAME ARGS...` to completion.
    ///
    /// # Errors
    /// When the command fails.
    pub fn ip(&self, args: &[&str]) -> Result<String> {
        run_ok(
            Command::new(tool("ip")?)
                .args(["-n", &self.name])
                .args(args),
            IP_TIMEOUT,
        )
    }

    /// Spawns a long-running thread inside this namespace (see [`Self::run_in`]).
    ///
    /// # Errors
    /// When the thread cannot be spawned; joining the namespace fails inside the thread
    /// and is returned by `join`.
    pub fn spawn_in<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> Result<T> + Send + 'static,
    ) -> Result<std::thread::JoinHandle<Result<T>>> {
        let path = self.path();
        std::thread::Builder::new()
            .name(format!("in-{}", self.name))
            .spawn(move || {
                enter(&path)?;
                f()
            })
            .context("spawning namespace thread")
    }

    /// Runs `f` on a fresh thread that has joined this network namespace.
    ///
    /// `setns(CLONE_NEWNET)` changes only the calling thread, so the test's other threads
    /// stay in the host namespace. Sockets made by `f` live in this namespace.
    ///
    /// # Errors
    /// When the namespace cannot be opened or joined, or `f` panics.
    pub fn run_in<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        let path = self.path();
        let handle = std::thread::Builder::new()
            .name(format!("in-{}", self.name))
            .spawn(move || -> Result<T> {
                enter(&path)?;
                Ok(f())
            })
            .context("spawning namespace thread")?;
        handle
            .join()
            .map_err(|_| Error(format!("thread inside namespace {} panicked", self.name)))?
    }
}

/// Joins the network namespace at `path` for the calling thread only.
///
/// # Errors
/// When the namespace file cannot be opened or `setns` fails.
pub fn enter(path: &std::path::Path) -> Result<()> {
    let file = File::open(path).context(format!("opening {}", path.display()))?;
    // SAFETY: the fd is valid for the duration of the call; setns affects only this thread.
    if unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        return Err(Error(format!(
            "setns({}): {}",
            path.display(),
            std::io::Error::last_os_error()
        )));
    }
    Ok(())
}

/// Proxies would send our requests elsewhere; all traffic must stay inside the lab.
fn scrub_proxy_env(cmd: &mut Command) {
    for var in [
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("no_proxy", "*").env("NO_PROXY", "*");
}

/// An owned network namespace, deleted on drop.
#[derive(Debug)]
pub struct Netns {
    ns: NsRef,
}

impl Netns {
    /// Creates `m2m-<pid>-<n>-<role>` (after removing stale namespaces of dead runs, once
    /// per process) and brings its loopback up.
    ///
    /// # Errors
    /// When `ip netns add` fails.
    pub fn create(role: &str) -> Result<Self> {
        STALE_CLEANUP.call_once(|| {
            if let Err(e) = cleanup_stale() {
                eprintln!("harness: cleaning stale namespaces: {e}");
            }
        });
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("{PREFIX}{}-{n}-{role}", std::process::id());
        run_ok(
            Command::new(tool("ip")?).args(["netns", "add", &name]),
            IP_TIMEOUT,
        )?;
        let ns = Self { ns: NsRef { name } };
        ns.ip(&["link", "set", "lo", "up"])?;
        Ok(ns)
    }

    /// A non-owning reference for other guards to hold.
    #[must_use]
    pub fn handle(&self) -> NsRef {
        self.ns.clone()
    }
}

impl std::ops::Deref for Netns {
    type Target = NsRef;
    fn deref(&self) -> &NsRef {
        &self.ns
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        if let Err(e) = delete(&self.ns.name) {
            eprintln!("harness: {e}");
        }
    }
}

/// Kills what still runs in namespace `name` (by PID) and deletes it.
fn delete(name: &str) -> Result<()> {
    let ip = tool("ip")?;
    if let Ok(pids) = run_ok(Command::new(&ip).args(["netns", "pids", name]), IP_TIMEOUT) {
        for pid in pids
            .split_whitespace()
            .filter_map(|p| p.parse::<libc::pid_t>().ok())
        {
            // SAFETY: plain kill(2) of a process listed inside our own namespace.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
    run_ok(Command::new(&ip).args(["netns", "del", name]), IP_TIMEOUT)
        .map(drop)
        .map_err(|e| Error(format!("deleting namespace {name}: {e}")))
}

/// Names of all namespaces with the harness prefix.
///
/// # Errors
/// When `ip netns list` fails.
pub fn list_ours() -> Result<Vec<String>> {
    let out = run_ok(
        Command::new(tool("ip")?).args(["netns", "list"]),
        IP_TIMEOUT,
    )?;
    Ok(out
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| n.starts_with(PREFIX))
        .map(str::to_owned)
        .collect())
}

/// Deletes namespaces left by harness processes that no longer exist.
///
/// Namespaces of live processes (another test binary running now) are left alone.
///
/// # Errors
/// When listing fails; failures to delete single namespaces are reported and skipped.
pub fn cleanup_stale() -> Result<usize> {
    let mut removed = 0;
    for name in list_ours()? {
        let owner = name[PREFIX.len()..]
            .split('-')
            .next()
            .and_then(|p| p.parse::<u32>().ok());
        let alive = owner.is_some_and(|pid| PathBuf::from(format!("/proc/{pid}")).exists());
        if owner.is_some() && !alive {
            match delete(&name) {
                Ok(()) => removed += 1,
                Err(e) => eprintln!("harness: stale namespace: {e}"),
            }
        }
    }
    Ok(removed)
}

/// Two namespaces joined by a veth pair: client 198.18.0.1/24, server 198.18.0.2/24.
///
/// Fields drop in order: the server namespace first, then the client one.
#[derive(Debug)]
pub struct Topology {
    /// The server namespace (servers listen here).
    pub server: Netns,
    /// The client namespace (clients, Alertmanager and the daemon run here).
    pub client: Netns,
}

impl Topology {
    /// Creates both namespaces and the veth pair, addresses and links up.
    ///
    /// The pair is created inside the client namespace with its peer placed straight in the
    /// server namespace, so the fixed interface names never collide in the host namespace.
    ///
    /// # Errors
    /// When any `ip` command fails.
    pub fn create() -> Result<Self> {
        let client = Netns::create("client")?;
        let server = Netns::create("server")?;
        client.ip(&[
            "link",
            "add",
            CLIENT_IF,
            "type",
            "veth",
            "peer",
            "name",
            SERVER_IF,
            "netns",
            server.name(),
        ])?;
        client.ip(&["addr", "add", &format!("{CLIENT_IP}/24"), "dev", CLIENT_IF])?;
        server.ip(&["addr", "add", &format!("{SERVER_IP}/24"), "dev", SERVER_IF])?;
        client.ip(&["link", "set", CLIENT_IF, "up"])?;
        server.ip(&["link", "set", SERVER_IF, "up"])?;
        Ok(Self { server, client })
    }
}
