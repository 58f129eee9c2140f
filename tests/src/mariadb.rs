//! A real MariaDB server (Debian's `mariadb-server`) in a namespace, and two real clients, both
//! on MariaDB Connector/C, that talk to it in clear text: the `mariadb` command (queries, text
//! result sets) and Perl's `DBD::MariaDB` with server-side prepared statements
//! (`COM_STMT_PREPARE` and `COM_STMT_EXECUTE`, binary result sets), as Go's and Java's drivers
//! send queries with parameters.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::Result;
use crate::error::Context as _;
use crate::netns::NsRef;
use crate::preflight::tool;
use crate::process::{Proc, run_ok};
use crate::servers::wait_listening;

/// How long `mariadb-install-db` and a client may take.
const COMMAND_TIMEOUT: Duration = Duration::from_mins(1);

/// The database, user and password the lab's clients use (a throw-away server).
pub const DATABASE: &str = "crm";
const USER: &str = "app";
const PASSWORD: &str = "lab-only";

/// The programs the server and the clients need.
pub const TOOLS: &[&str] = &["mariadbd", "mariadb-install-db", "mariadb", "perl"];

/// A MariaDB server with a throw-away data directory, listening on every address of its
/// namespace, without TLS, with database [`DATABASE`] and a user that may log in from the lab's
/// client. Stopped (by PID) when dropped; its data directory is removed after.
pub struct MariaDb {
    /// The server process.
    pub proc: Proc,
    /// The port it listens on.
    pub port: u16,
    socket: PathBuf,
    // Dropped after `proc`: the server is stopped before its files go.
    _data: tempfile::TempDir,
}

impl MariaDb {
    /// Creates the data directory and starts the server in `ns`.
    ///
    /// # Errors
    /// When the package is missing, the data directory cannot be created, the server does not
    /// listen in time, or the database and user cannot be created.
    pub fn start(ns: &NsRef, port: u16, log_dir: &Path) -> Result<Self> {
        let data = tempfile::Builder::new()
            .prefix("m2m-mariadb-")
            .tempdir()
            .context("MariaDB data dir")?;
        let datadir = data.path().join("data");
        run_ok(
            Command::new(tool("mariadb-install-db")?)
                .args([
                    "--no-defaults",
                    "--user=root",
                    "--auth-root-authentication-method=normal",
                    "--skip-test-db",
                ])
                .arg(format!("--datadir={}", datadir.display())),
            COMMAND_TIMEOUT,
        )?;
        let socket = data.path().join("mariadbd.sock");
        let mut cmd = ns.exec("mariadbd")?;
        cmd.args([
            "--no-defaults",
            "--user=root",
            "--skip-name-resolve",
            "--bind-address=0.0.0.0",
            "--innodb-flush-log-at-trx-commit=0",
        ])
        .arg(format!("--port={port}"))
        .arg(format!("--datadir={}", datadir.display()))
        .arg(format!("--socket={}", socket.display()))
        .arg(format!(
            "--pid-file={}",
            data.path().join("mariadbd.pid").display()
        ));
        let mut proc = Proc::spawn(&format!("mariadbd-{port}"), &mut cmd, log_dir)?;
        wait_listening(ns, port, Some(&mut proc))?;
        let server = Self {
            proc,
            port,
            socket,
            _data: data,
        };
        server.admin(&format!(
            "CREATE DATABASE {DATABASE}; \
             CREATE USER '{USER}'@'%' IDENTIFIED BY '{PASSWORD}'; \
             GRANT ALL ON {DATABASE}.* TO '{USER}'@'%';"
        ))?;
        Ok(server)
    }

    /// Runs `sql` in [`DATABASE`] as root over the server's Unix socket: set-up that does not
    /// cross the lab's network, so the monitor never sees it.
    ///
    /// # Errors
    /// When the client fails or a statement fails.
    pub fn admin(&self, sql: &str) -> Result<String> {
        run_ok(
            Command::new(tool("mariadb")?)
                .args([
                    "--no-defaults",
                    "--user=root",
                    "--batch",
                    "--skip-column-names",
                ])
                .arg(format!("--socket={}", self.socket.display()))
                .args(["-e", sql]),
            COMMAND_TIMEOUT,
        )
    }
}

/// Runs `sql` in [`DATABASE`] with the `mariadb` command from `ns` against `server` (a text
/// query, TLS off); returns its rows, tab-separated.
///
/// # Errors
/// When the client fails or the statement fails.
pub fn query(ns: &NsRef, server: SocketAddr, sql: &str) -> Result<String> {
    let mut cmd = ns.exec("mariadb")?;
    cmd.args([
        "--no-defaults",
        "--batch",
        "--skip-column-names",
        "--skip-ssl",
    ])
    .arg(format!("--host={}", server.ip()))
    .arg(format!("--port={}", server.port()))
    .arg(format!("--user={USER}"))
    .arg(format!("--password={PASSWORD}"))
    .arg(DATABASE)
    .args(["-e", sql]);
    run_ok(&mut cmd, COMMAND_TIMEOUT)
}

/// Prepares `sql` on the server and executes it with `parameters`, from `ns`, with Perl's
/// `DBD::MariaDB` (`mariadb_server_prepare`: the binary protocol); returns its rows,
/// tab-separated.
///
/// # Errors
/// When Perl, the driver or the statement fails.
pub fn prepared(ns: &NsRef, server: SocketAddr, sql: &str, parameters: &[&str]) -> Result<String> {
    let mut cmd = ns.exec("perl")?;
    cmd.args(["-e", PREPARED_SCRIPT, "--"])
        .arg(server.ip().to_string())
        .arg(server.port().to_string())
        .args([USER, PASSWORD, DATABASE, sql])
        .args(parameters);
    run_ok(&mut cmd, COMMAND_TIMEOUT)
}

/// Connects, prepares the statement server-side, executes it and prints its rows.
const PREPARED_SCRIPT: &str = r#"
use strict;
use warnings;
use DBI;
binmode STDOUT, ':encoding(UTF-8)';
my @args = map { my $s = $_; utf8::decode($s); $s } @ARGV;
my ($host, $port, $user, $password, $database, $sql, @parameters) = @args;
my $dbh = DBI->connect(
    "DBI:MariaDB:database=$database;host=$host;port=$port;mariadb_server_prepare=1",
    $user, $password, { RaiseError => 1, PrintError => 0 });
my $sth = $dbh->prepare($sql);
$sth->execute(@parameters);
if ($sth->{NUM_OF_FIELDS}) {
    while (my @row = $sth->fetchrow_array) {
        print join("\t", map { defined $_ ? $_ : 'NULL' } @row), "\n";
    }
}
$dbh->disconnect;
"#;
