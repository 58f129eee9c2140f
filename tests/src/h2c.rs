//! HTTP/2 in clear text ("prior knowledge", h2c): a real server (`nghttpd` from Debian's
//! `nghttp2-server`) in a namespace, and `curl` speaking HTTP/2 to it without TLS, as gRPC and
//! REST clients talk to services inside a cluster.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use crate::Result;
use crate::error::Context as _;
use crate::netns::NsRef;
use crate::process::{Proc, run_ok};
use crate::servers::wait_listening;

/// How long a request may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// The programs the server and the client need.
pub const TOOLS: &[&str] = &["nghttpd", "curl"];

/// An `nghttpd` serving a directory of one JSON file, `status.json`, without TLS. Stopped (by
/// PID) when dropped.
pub struct H2cServer {
    /// The server process.
    pub proc: Proc,
    // The served directory, removed after the server stops.
    _dir: tempfile::TempDir,
}

impl H2cServer {
    /// Starts the server in `ns` on `port`.
    ///
    /// # Errors
    /// When the file cannot be written, or the server does not listen in time.
    pub fn start(ns: &NsRef, port: u16, log_dir: &Path) -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("m2m-h2c-")
            .tempdir()
            .context("nghttpd dir")?;
        std::fs::write(dir.path().join("status.json"), "{\"status\":\"ok\"}\n")
            .context("writing status.json")?;
        let mut cmd = ns.exec("nghttpd")?;
        cmd.args(["--no-tls", "--address=0.0.0.0", "-d"])
            .arg(dir.path())
            .arg(port.to_string());
        let mut proc = Proc::spawn(&format!("nghttpd-{port}"), &mut cmd, log_dir)?;
        wait_listening(ns, port, Some(&mut proc))?;
        Ok(Self { proc, _dir: dir })
    }
}

/// GETs `/status.json` from `server` with `curl --http2-prior-knowledge` from `ns`, sending
/// `headers` (`name: value`); returns the body.
///
/// # Errors
/// When curl fails or the server answers with an error.
pub fn get(ns: &NsRef, server: SocketAddr, headers: &[String]) -> Result<String> {
    let mut cmd = ns.exec("curl")?;
    cmd.args([
        "--silent",
        "--show-error",
        "--fail",
        "--http2-prior-knowledge",
    ]);
    for header in headers {
        cmd.args(["-H", header]);
    }
    cmd.arg(format!("http://{server}/status.json"));
    run_ok(&mut cmd, COMMAND_TIMEOUT)
}
