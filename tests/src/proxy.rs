//! A real forward proxy (Debian's `tinyproxy`) in a namespace, for clients that send HTTPS
//! through it with `CONNECT`, as clients behind an egress proxy do (`HTTPS_PROXY`; see
//! [`crate::clients::https_get_via`]).

use std::io::Write as _;
use std::path::Path;

use crate::Result;
use crate::error::Context as _;
use crate::netns::NsRef;
use crate::process::Proc;
use crate::servers::wait_listening;

/// The programs [`Tinyproxy`] and its client need.
pub const PROXY_TOOLS: &[&str] = &["tinyproxy", "curl"];

/// `tinyproxy` in the foreground on every address of its namespace, allowing the lab's
/// addresses and `CONNECT` to `connect_port` only. Stopped (by PID) when dropped.
pub struct Tinyproxy {
    /// The proxy process.
    pub proc: Proc,
    // Its configuration, removed after the proxy stops.
    _dir: tempfile::TempDir,
}

impl Tinyproxy {
    /// Starts the proxy in `ns` on `port`.
    ///
    /// # Errors
    /// When the configuration cannot be written, or the proxy does not listen in time.
    pub fn start(ns: &NsRef, port: u16, connect_port: u16, log_dir: &Path) -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("m2m-tinyproxy-")
            .tempdir()
            .context("tinyproxy dir")?;
        let config = dir.path().join("tinyproxy.conf");
        let mut file = std::fs::File::create(&config).context("tinyproxy.conf")?;
        write!(
            file,
            "Port {port}\nTimeout 60\nAllow 198.18.0.0/15\nConnectPort {connect_port}\n\
             MaxClients 20\nLogLevel Info\n"
        )
        .context("writing tinyproxy.conf")?;
        let mut cmd = ns.exec("tinyproxy")?;
        // `-d`: in the foreground, logging to stderr.
        cmd.args(["-d", "-c"]).arg(&config);
        let mut proc = Proc::spawn(&format!("tinyproxy-{port}"), &mut cmd, log_dir)?;
        wait_listening(ns, port, Some(&mut proc))?;
        Ok(Self { proc, _dir: dir })
    }
}
