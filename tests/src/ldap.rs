//! A real LDAP directory (Debian's `slapd`) in a namespace, and the clients of the same
//! project (`ldapadd`, `ldapdelete`, `ldapsearch` from `ldap-utils`), in clear text on the LDAP
//! port as a directory without TLS (or before `StartTLS`) talks.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::error::Context as _;
use crate::netns::NsRef;
use crate::preflight::tool;
use crate::process::{Proc, run_bounded, run_ok};
use crate::servers::wait_listening;
use crate::{Error, Result};

/// How long a client or `slapadd` may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// The programs the directory and its clients need.
pub const TOOLS: &[&str] = &["slapd", "slapadd", "ldapadd", "ldapdelete", "ldapsearch"];

/// The directory's suffix and the container of its people.
pub const SUFFIX: &str = "dc=example,dc=org";
/// Where the lab's people live.
pub const PEOPLE: &str = "ou=people,dc=example,dc=org";
const ADMIN: &str = "cn=admin,dc=example,dc=org";
const ADMIN_PASSWORD: &str = "lab-only";

/// A `slapd` server with a throw-away database (the schemas of people: core, cosine,
/// `inetOrgPerson`), its suffix and people container loaded before it starts, listening on every
/// address of its namespace. Stopped (by PID) when dropped; its files are removed after.
pub struct Slapd {
    /// The server process (in the foreground: `-d 0`).
    pub proc: Proc,
    // Dropped after `proc`: the server is stopped before its files go.
    _dir: tempfile::TempDir,
}

impl Slapd {
    /// Writes the configuration, loads the base entries offline and starts the server in `ns`.
    ///
    /// # Errors
    /// When the package is missing, the base cannot be loaded, or the server does not listen in
    /// time.
    pub fn start(ns: &NsRef, port: u16, log_dir: &Path) -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("m2m-slapd-")
            .tempdir()
            .context("slapd dir")?;
        let data = dir.path().join("data");
        std::fs::create_dir(&data).context("creating the slapd data dir")?;
        let config = dir.path().join("slapd.conf");
        std::fs::write(
            &config,
            format!(
                "include /etc/ldap/schema/core.schema\n\
                 include /etc/ldap/schema/cosine.schema\n\
                 include /etc/ldap/schema/inetorgperson.schema\n\
                 modulepath /usr/lib/ldap\n\
                 moduleload back_mdb\n\
                 pidfile {pid}\n\
                 database mdb\n\
                 maxsize 10485760\n\
                 suffix \"{SUFFIX}\"\n\
                 rootdn \"{ADMIN}\"\n\
                 rootpw {ADMIN_PASSWORD}\n\
                 directory {data}\n",
                pid = dir.path().join("slapd.pid").display(),
                data = data.display(),
            ),
        )
        .context(format!("writing {}", config.display()))?;
        let base = dir.path().join("base.ldif");
        std::fs::write(
            &base,
            format!(
                "dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Example\n\
                 dc: example\n\n\
                 dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n"
            ),
        )
        .context(format!("writing {}", base.display()))?;
        run_ok(
            Command::new(tool("slapadd")?)
                .arg("-f")
                .arg(&config)
                .arg("-l")
                .arg(&base),
            COMMAND_TIMEOUT,
        )?;
        let mut cmd = ns.exec("slapd")?;
        cmd.arg("-f")
            .arg(&config)
            .args(["-h", &format!("ldap://0.0.0.0:{port}/"), "-d", "0"]);
        let mut proc = Proc::spawn(&format!("slapd-{port}"), &mut cmd, log_dir)?;
        wait_listening(ns, port, Some(&mut proc))?;
        Ok(Self { proc, _dir: dir })
    }
}

/// The URI of `server` for the clients.
fn uri(server: SocketAddr) -> String {
    format!("ldap://{server}")
}

/// Adds `ldif` (one entry) from `ns` with `ldapadd`, bound as the directory's administrator,
/// after deleting the entry `dn` if it is there (so that the add can be repeated).
///
/// # Errors
/// When a client cannot run or the add fails.
pub fn replace_entry(ns: &NsRef, server: SocketAddr, dn: &str, ldif: &str) -> Result<()> {
    let bind = ["-x", "-H", &uri(server), "-D", ADMIN, "-w", ADMIN_PASSWORD];
    let mut delete = ns.exec("ldapdelete")?;
    delete.args(bind).arg(dn);
    // "No such object" the first time: only the add has to succeed.
    run_bounded(&mut delete, COMMAND_TIMEOUT)?;
    let file = tempfile::NamedTempFile::new().context("LDIF file")?;
    std::fs::write(file.path(), ldif).context("writing the LDIF")?;
    let mut add = ns.exec("ldapadd")?;
    add.args(bind).arg("-f").arg(file.path());
    run_ok(&mut add, COMMAND_TIMEOUT).map(drop)
}

/// Searches `base` for `filter` from `ns` with `ldapsearch`, anonymously; returns the LDIF it
/// prints.
///
/// # Errors
/// When the client fails or finds nothing.
pub fn search(ns: &NsRef, server: SocketAddr, base: &str, filter: &str) -> Result<String> {
    let mut cmd = ns.exec("ldapsearch")?;
    cmd.args(["-x", "-LLL", "-H", &uri(server), "-b", base, filter]);
    let found = run_ok(&mut cmd, COMMAND_TIMEOUT)?;
    if found.trim().is_empty() {
        return Err(Error::msg(format!("ldapsearch {filter}: no entry")));
    }
    Ok(found)
}
