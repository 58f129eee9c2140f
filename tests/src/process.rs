//! Child processes owned by guards: output to log files, killed by PID on drop.
//!
//! `ip netns exec` and `nsenter` (without `--fork`) exec the target program, so the PID we
//! hold is the PID of the server or daemon itself and signals reach it directly.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::error::Context as _;
use crate::{Error, Result};

/// How long a process gets to exit after SIGTERM before SIGKILL, when dropped.
const DROP_GRACE: Duration = Duration::from_secs(5);

/// A started child process; killed by PID when dropped.
#[derive(Debug)]
pub struct Proc {
    name: String,
    child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
    exited: Option<ExitStatus>,
}

impl Proc {
    /// Spawns `cmd` with stdin closed and stdout/stderr written to `log_dir/NAME.{stdout,stderr}`.
    ///
    /// # Errors
    /// When the log files cannot be created or the program cannot be started.
    pub fn spawn(name: &str, cmd: &mut Command, log_dir: &Path) -> Result<Self> {
        let stdout = log_dir.join(format!("{name}.stdout"));
        let stderr = log_dir.join(format!("{name}.stderr"));
        let out = File::create(&stdout).context(format!("creating {}", stdout.display()))?;
        let err = File::create(&stderr).context(format!("creating {}", stderr.display()))?;
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .context(format!("starting {name} ({cmd:?})"))?;
        Ok(Self {
            name: name.to_owned(),
            child,
            stdout,
            stderr,
            exited: None,
        })
    }

    /// The process id (of the exec'ed program itself, see the module docs).
    #[must_use]
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The name given at spawn time.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Paths of the stdout and stderr log files.
    #[must_use]
    pub fn log_paths(&self) -> [&Path; 2] {
        [&self.stdout, &self.stderr]
    }

    /// Everything the process wrote to stdout so far.
    #[must_use]
    pub fn stdout(&self) -> String {
        read_lossy(&self.stdout)
    }

    /// Everything the process wrote to stderr so far.
    #[must_use]
    pub fn stderr(&self) -> String {
        read_lossy(&self.stderr)
    }

    /// The last `lines` lines of stderr, for error messages.
    #[must_use]
    pub fn stderr_tail(&self, lines: usize) -> String {
        tail(&self.stderr(), lines)
    }

    /// `Some(status)` once the process has exited.
    ///
    /// # Errors
    /// When waiting on the child fails.
    pub fn exit_status(&mut self) -> Result<Option<ExitStatus>> {
        if self.exited.is_none() {
            self.exited = self
                .child
                .try_wait()
                .context(format!("checking {}", self.name))?;
        }
        Ok(self.exited)
    }

    /// Whether the process is still running.
    #[must_use]
    pub fn is_running(&mut self) -> bool {
        matches!(self.exit_status(), Ok(None))
    }

    /// Sends `signal` to the process by PID (no-op once it has exited).
    ///
    /// # Errors
    /// When `kill(2)` fails for a still-running process.
    pub fn signal(&mut self, signal: libc::c_int) -> Result<()> {
        if self.exit_status()?.is_some() {
            return Ok(());
        }
        let pid = libc::pid_t::try_from(self.pid()).context("pid out of range")?;
        // SAFETY: kill has no memory-safety preconditions; the PID is our own unreaped child,
        // so it cannot have been recycled for another process.
        if unsafe { libc::kill(pid, signal) } != 0 {
            return Err(Error(format!(
                "kill({pid}, {signal}) for {}: {}",
                self.name,
                std::io::Error::last_os_error()
            )));
        }
        Ok(())
    }

    /// Waits up to `timeout` for the process to exit.
    ///
    /// # Errors
    /// When it is still running after `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Result<ExitStatus> {
        let start = Instant::now();
        loop {
            if let Some(status) = self.exit_status()? {
                return Ok(status);
            }
            if start.elapsed() >= timeout {
                return Err(Error(format!(
                    "{} (pid {}) still running after {timeout:?}",
                    self.name,
                    self.pid()
                )));
            }
            sleep(Duration::from_millis(50));
        }
    }

    /// Sends `signal` and waits up to `timeout` for the exit; SIGKILLs the process if it
    /// does not exit in time (and reports that as an error).
    ///
    /// # Errors
    /// When signalling fails or the process needed SIGKILL.
    pub fn stop_with(&mut self, signal: libc::c_int, timeout: Duration) -> Result<ExitStatus> {
        self.signal(signal)?;
        match self.wait_exit(timeout) {
            Ok(status) => Ok(status),
            Err(e) => {
                self.signal(libc::SIGKILL)?;
                let _ = self.wait_exit(Duration::from_secs(5));
                Err(Error(format!("{e}; killed with SIGKILL")))
            }
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if self.is_running()
            && let Err(e) = self.stop_with(libc::SIGTERM, DROP_GRACE)
        {
            eprintln!("harness: stopping {}: {e}", self.name);
        }
    }
}

/// Runs `cmd` to completion, killing it after `timeout`; output is captured.
///
/// Output goes through temporary files rather than pipes, so a chatty child cannot block
/// on a full pipe while we wait with a deadline.
///
/// # Errors
/// When the program cannot start or runs longer than `timeout`.
pub fn run_bounded(cmd: &mut Command, timeout: Duration) -> Result<Output> {
    let dir = tempfile::Builder::new()
        .prefix("m2m-run-")
        .tempdir()
        .context("temp dir for command output")?;
    let mut proc = Proc::spawn("cmd", cmd, dir.path())?;
    let status = match proc.wait_exit(timeout) {
        Ok(status) => status,
        Err(e) => {
            let _ = proc.stop_with(libc::SIGKILL, Duration::from_secs(5));
            return Err(Error(format!("{cmd:?}: {e}")));
        }
    };
    let stdout = std::fs::read(&proc.stdout).unwrap_or_default();
    let stderr = std::fs::read(&proc.stderr).unwrap_or_default();
    Ok(Output {
        status,
        stdout,
        stderr,
    })
}

/// Like [`run_bounded`], but a non-zero exit is an error carrying stderr.
///
/// # Errors
/// When the command fails to run, times out or exits non-zero.
pub fn run_ok(cmd: &mut Command, timeout: Duration) -> Result<String> {
    let out = run_bounded(cmd, timeout)?;
    if !out.status.success() {
        return Err(Error(format!(
            "{cmd:?} exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn read_lossy(path: &Path) -> String {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// The last `lines` lines of `text`.
#[must_use]
pub fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// The user and group ids of the system user `user` (a server that refuses to run as root
/// runs as it).
///
/// # Errors
/// When `id` fails or prints no number.
pub fn user_ids(user: &str) -> Result<(u32, u32)> {
    let id = |flag: &str| -> Result<u32> {
        run_ok(
            Command::new(crate::preflight::tool("id")?).args([flag, user]),
            Duration::from_secs(10),
        )?
        .trim()
        .parse()
        .map_err(|e| Error(format!("id {flag} {user}: {e}")))
    };
    Ok((id("-u")?, id("-g")?))
}
