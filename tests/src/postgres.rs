//! A real PostgreSQL server (Debian's `postgresql` package) in a namespace, and two real
//! clients: `psql` (simple queries) and a minimal wire-protocol client that sends a query with
//! parameters as drivers do (`Parse`, `Bind`, `Describe`, `Execute`, `Sync`), so that the
//! server itself checks the messages the monitor reads.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::error::Context as _;
use crate::netns::NsRef;
use crate::preflight::tool;
use crate::process::{Proc, run_ok, user_ids};
use crate::servers::{Cert, wait_listening};
use crate::{Error, Result};

/// The system user the server runs as (it refuses to run as root).
const USER: &str = "postgres";
/// How long `initdb` and `psql` may take.
const COMMAND_TIMEOUT: Duration = Duration::from_mins(1);
/// How long the wire-protocol client waits for the server's answer.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

/// The server binary of the newest installed major version
/// (`/usr/lib/postgresql/VERSION/bin/postgres`), or `None`.
#[must_use]
pub fn server_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin/postgres");
            bin.is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// A PostgreSQL server with a throw-away cluster, listening on every address of its namespace,
/// without TLS unless started with a certificate, and trusting the lab's clients. Stopped (by PID) when dropped; its data
/// directory is removed after.
pub struct Postgres {
    /// The server process (the postmaster itself: `setpriv` execs it).
    pub proc: Proc,
    /// The port it listens on.
    pub port: u16,
    // Dropped after `proc`: the server is stopped before its files go.
    _data: tempfile::TempDir,
}

impl Postgres {
    /// Creates a cluster and starts the server in `ns`.
    ///
    /// # Errors
    /// When the package is missing, the cluster cannot be created, or the server does not
    /// listen in time.
    pub fn start(ns: &NsRef, port: u16, log_dir: &Path) -> Result<Self> {
        Self::start_with(ns, port, log_dir, None)
    }

    /// [`Self::start`] with TLS on (`ssl=on`) when `cert` is given: clients that ask for it with
    /// an SSL request (`sslmode=require`) get a TLS session, others stay in clear text.
    ///
    /// # Errors
    /// As [`Self::start`]; also when the certificate cannot be handed to the server's user.
    pub fn start_with(ns: &NsRef, port: u16, log_dir: &Path, cert: Option<&Cert>) -> Result<Self> {
        let bin = server_bin().ok_or_else(|| {
            Error::msg("PostgreSQL server not found (apt-get install postgresql)")
        })?;
        let bin_dir = bin.parent().unwrap_or_else(|| Path::new("/"));
        let data = tempfile::Builder::new()
            .prefix("m2m-pg-")
            .tempdir()
            .context("PostgreSQL data dir")?;
        let cluster = data.path().join("cluster");
        std::fs::create_dir(&cluster).context("creating the cluster dir")?;
        let (uid, gid) = user_ids(USER)?;
        for dir in [data.path(), &cluster] {
            std::os::unix::fs::chown(dir, Some(uid), Some(gid))
                .context(format!("chown {} to {USER}", dir.display()))?;
        }
        let mut initdb = as_user(Command::new(tool("setpriv")?));
        initdb
            .arg(bin_dir.join("initdb"))
            .args(["--auth=trust", "--no-sync", "--encoding=UTF8", "--username"])
            .arg(USER)
            .arg("-D")
            .arg(&cluster);
        run_ok(&mut initdb, COMMAND_TIMEOUT)?;
        // The lab's client is not on loopback: trust it too (initdb trusts local ones only).
        let hba = cluster.join("pg_hba.conf");
        let mut rules = std::fs::OpenOptions::new()
            .append(true)
            .open(&hba)
            .context(format!("opening {}", hba.display()))?;
        writeln!(rules, "host all all 198.18.0.0/15 trust")
            .context(format!("writing {}", hba.display()))?;
        // The server reads its key only when the server's user owns it and no one else may.
        let mut ssl = vec!["ssl=off".to_owned()];
        if let Some(cert) = cert {
            let (cert_file, key_file) = (cluster.join("server.crt"), cluster.join("server.key"));
            for (from, to) in [(&cert.cert, &cert_file), (&cert.key, &key_file)] {
                std::fs::copy(from, to).context(format!("copying {}", from.display()))?;
                std::os::unix::fs::chown(to, Some(uid), Some(gid))
                    .context(format!("chown {}", to.display()))?;
            }
            std::fs::set_permissions(
                &key_file,
                std::os::unix::fs::PermissionsExt::from_mode(0o600),
            )
            .context("key file mode")?;
            ssl = vec![
                "ssl=on".to_owned(),
                format!("ssl_cert_file={}", cert_file.display()),
                format!("ssl_key_file={}", key_file.display()),
            ];
        }

        let mut cmd = as_user(ns.exec("setpriv")?);
        cmd.arg(&bin)
            .arg("-D")
            .arg(&cluster)
            .args(["-p", &port.to_string(), "-k"])
            .arg(&cluster)
            .args(["-c", "listen_addresses=*", "-c", "fsync=off"]);
        for setting in &ssl {
            cmd.arg("-c").arg(setting);
        }
        let mut proc = Proc::spawn(&format!("postgres-{port}"), &mut cmd, log_dir)?;
        wait_listening(ns, port, Some(&mut proc))?;
        Ok(Self {
            proc,
            port,
            _data: data,
        })
    }
}

/// `setpriv` switched to the server's user (it execs the program: no process in between).
fn as_user(mut setpriv: Command) -> Command {
    setpriv.args([
        &format!("--reuid={USER}"),
        &format!("--regid={USER}"),
        "--init-groups",
    ]);
    setpriv
}

/// Runs `sql` with `psql` from `ns` against `server` (TLS off, as a client with
/// `sslmode=disable` or `prefer` against a server without a certificate talks); returns
/// psql's output (unaligned, tuples only).
///
/// # Errors
/// When psql fails or the statement fails.
pub fn psql(ns: &NsRef, server: SocketAddr, sql: &str) -> Result<String> {
    psql_with(ns, server, "disable", sql)
}

/// [`psql`] with libpq's `sslmode` (`require`: an SSL request first, then TLS, or failure).
///
/// # Errors
/// When psql fails or the statement fails.
pub fn psql_with(ns: &NsRef, server: SocketAddr, sslmode: &str, sql: &str) -> Result<String> {
    let mut cmd = ns.exec("psql")?;
    cmd.args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d"])
        .arg(format!(
            "host={} port={} user={USER} dbname=postgres sslmode={sslmode} connect_timeout=5",
            server.ip(),
            server.port()
        ))
        .args(["-c", sql]);
    run_ok(&mut cmd, COMMAND_TIMEOUT)
}

/// Runs `query` with `parameters` (text format) from `ns` as drivers do with the extended
/// query protocol, in one write; fails when the server answers with an error.
///
/// # Errors
/// On connection or protocol failure, or an `ErrorResponse` (with its message).
pub fn extended_query(
    ns: &NsRef,
    server: SocketAddr,
    query: &str,
    parameters: &[&str],
) -> Result<()> {
    round_trips(ns, server, vec![extended_query_messages(query, parameters)])
}

/// Connects from `ns` to `server`, starts a session, sends each of `writes` after the server is
/// ready for it (its answer to the one before read up to `ReadyForQuery`), then terminates.
///
/// # Errors
/// On connection or protocol failure, or an `ErrorResponse` (with its message).
fn round_trips(ns: &NsRef, server: SocketAddr, writes: Vec<Vec<u8>>) -> Result<()> {
    ns.run_in(move || -> Result<()> {
        let mut stream = TcpStream::connect_timeout(&server, ANSWER_TIMEOUT)
            .context(format!("connecting to {server}"))?;
        stream
            .set_read_timeout(Some(ANSWER_TIMEOUT))
            .context("read timeout")?;
        stream
            .write_all(&startup_message())
            .context("sending the startup message")?;
        read_until_ready(&mut stream)?;
        for write in &writes {
            stream.write_all(write).context("sending messages")?;
            read_until_ready(&mut stream)?;
        }
        stream
            .write_all(&message(b'X', &[]))
            .context("sending Terminate")
    })?
}

/// One frontend message: type, length, body.
fn message(kind: u8, body: &[u8]) -> Vec<u8> {
    let len = u32::try_from(body.len() + 4).unwrap_or(u32::MAX);
    [&[kind][..], &len.to_be_bytes(), body].concat()
}

/// Protocol 3.0, user and database `postgres`.
fn startup_message() -> Vec<u8> {
    let body = [
        &196_608_u32.to_be_bytes()[..],
        b"user\0postgres\0database\0postgres\0\0",
    ]
    .concat();
    let len = u32::try_from(body.len() + 4).unwrap_or(u32::MAX);
    [&len.to_be_bytes()[..], &body].concat()
}

/// `Parse`, `Bind`, `Describe`, `Execute` and `Sync` of the unnamed statement and portal.
fn extended_query_messages(query: &str, parameters: &[&str]) -> Vec<u8> {
    [parse_message("", query), bind_messages("", parameters)].concat()
}

fn count(n: usize) -> [u8; 2] {
    i16::try_from(n).unwrap_or(i16::MAX).to_be_bytes()
}

/// `Parse` of `query` as the statement `name` (no parameter types: the server infers them).
fn parse_message(name: &str, query: &str) -> Vec<u8> {
    let parse = [name.as_bytes(), b"\0", query.as_bytes(), b"\0", &count(0)].concat();
    message(b'P', &parse)
}

/// `Bind` of `parameters` (text) to the statement `name`, `Describe` of the portal, `Execute`,
/// `Sync`.
fn bind_messages(name: &str, parameters: &[&str]) -> Vec<u8> {
    let mut bind = [
        b"\0",
        name.as_bytes(),
        b"\0",
        &count(0),
        &count(parameters.len()),
    ]
    .concat();
    for value in parameters {
        bind.extend(i32::try_from(value.len()).unwrap_or(i32::MAX).to_be_bytes());
        bind.extend(value.as_bytes());
    }
    bind.extend(count(0));
    [
        message(b'B', &bind),
        message(b'D', b"P\0"),
        message(b'E', &[0, 0, 0, 0, 0]),
        message(b'S', &[]),
    ]
    .concat()
}

/// Prepares `query` as the statement `name` in one round trip (`Parse`, `Describe` of the
/// statement, `Sync`), then executes it once per parameter set, each in a round trip of its own
/// (`Bind`, `Describe`, `Execute`, `Sync`), on one connection: what a driver with a statement
/// cache sends (pgx's default mode, pgJDBC from a statement's fifth execution on). Fails when
/// the server answers any of them with an error.
///
/// # Errors
/// On connection or protocol failure, or an `ErrorResponse` (with its message).
pub fn prepared_then_bound(
    ns: &NsRef,
    server: SocketAddr,
    name: &str,
    query: &str,
    parameter_sets: &[&[&str]],
) -> Result<()> {
    let prepare = [
        parse_message(name, query),
        message(b'D', &[b"S", name.as_bytes(), b"\0"].concat()),
        message(b'S', &[]),
    ]
    .concat();
    let writes = std::iter::once(prepare)
        .chain(
            parameter_sets
                .iter()
                .map(|parameters| bind_messages(name, parameters)),
        )
        .collect();
    round_trips(ns, server, writes)
}

/// Reads the server's messages up to `ReadyForQuery`; an `ErrorResponse` or an authentication
/// request other than "ok" is an error.
fn read_until_ready(stream: &mut TcpStream) -> Result<()> {
    // A few dozen messages at most for these exchanges; bounded all the same.
    for _ in 0..1000 {
        let mut head = [0_u8; 5];
        stream
            .read_exact(&mut head)
            .context("reading the server's answer")?;
        let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]);
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        if !(4..=1 << 20).contains(&len) {
            return Err(Error::msg(format!("bad message length {len}")));
        }
        let mut body = vec![0_u8; len - 4];
        stream
            .read_exact(&mut body)
            .context("reading the server's answer")?;
        match head[0] {
            b'Z' => return Ok(()),
            b'E' => {
                let text: Vec<String> = body
                    .split(|&c| c == 0)
                    .filter(|field| field.len() > 1)
                    .map(|field| String::from_utf8_lossy(field).into_owned())
                    .collect();
                return Err(Error::msg(format!("server error: {}", text.join(" "))));
            }
            b'R' if body.get(..4) != Some(&[0, 0, 0, 0][..]) => {
                return Err(Error::msg(
                    "server asks for a password; the lab trusts clients",
                ));
            }
            _ => {}
        }
    }
    Err(Error::msg("no ReadyForQuery after 1000 messages"))
}
