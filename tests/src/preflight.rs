//! Pre-flight checks: root and the external programs a test needs.
//!
//! In CI (`CI=true`) a missing prerequisite is a test FAILURE with a clear message, so a
//! green CI never hides a test that did not run. Elsewhere the test prints why it is
//! skipped and returns early.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Programs every lab needs.
pub const BASE_TOOLS: &[&str] = &["ip", "nsenter", "curl", "openssl", "python3", "tc"];

/// Whether we run in CI (`CI` set to `true` or `1`).
#[must_use]
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Whether this process runs as root (needed for namespaces and eBPF).
#[must_use]
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Finds `name` on `PATH`, then in the sbin directories that a non-login root shell may miss.
#[must_use]
pub fn which(name: &str) -> Option<PathBuf> {
    if name.contains('/') {
        let path = Path::new(name);
        return is_executable(path).then(|| path.to_path_buf());
    }
    let path_var = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path_var)
        .chain(["/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

/// Like [`which`], but an error naming the missing program (and its Debian package).
///
/// # Errors
/// When the program is not found.
pub fn tool(name: &str) -> crate::Result<PathBuf> {
    which(name).ok_or_else(|| {
        crate::Error(format!(
            "required program `{name}` not found{}",
            install_hint(name)
        ))
    })
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn install_hint(name: &str) -> &'static str {
    match name {
        "prometheus-alertmanager" => " (apt-get install prometheus-alertmanager)",
        "bpftool" => " (apt-get install bpftool)",
        "ip" | "tc" => " (apt-get install iproute2)",
        "nsenter" => " (apt-get install util-linux)",
        "curl" => " (apt-get install curl)",
        "openssl" => " (apt-get install openssl)",
        "python3" => " (apt-get install python3)",
        "/usr/bin/python3" => " (apt-get install python3 python3-websockets python3-pymongo)",
        "psql" => " (apt-get install postgresql)",
        "mariadbd" | "mariadb-install-db" => " (apt-get install mariadb-server)",
        "mariadb" => " (apt-get install mariadb-client)",
        "perl" => " (apt-get install perl libdbd-mariadb-perl)",
        "slapd" | "slapadd" => " (apt-get install slapd)",
        "ldapadd" | "ldapdelete" | "ldapsearch" => " (apt-get install ldap-utils)",
        "nghttpd" => " (apt-get install nghttp2-server)",
        "memcached" => " (apt-get install memcached)",
        "memccp" | "memccat" => " (apt-get install libmemcached-tools)",
        "nats-server" => " (apt-get install nats-server)",
        "redis-server" => " (apt-get install redis-server)",
        "redis-cli" => " (apt-get install redis-tools)",
        "mosquitto" => " (apt-get install mosquitto)",
        "storescp" | "storescu" | "dump2dcm" => " (apt-get install dcmtk)",
        "kcat" => " (apt-get install kcat)",
        "mosquitto_pub" | "mosquitto_sub" => " (apt-get install mosquitto-clients)",
        name if name.ends_with("/postgres") || name == "postgres" => {
            " (apt-get install postgresql)"
        }
        name if name.contains("/otel-python/") => {
            " (OpenTelemetry's Python SDK: `cargo xtask setup` installs it)"
        }
        _ => "",
    }
}

/// Checks root and `tools` (in addition to [`BASE_TOOLS`]).
///
/// Returns `true` when the test can run. Returns `false` after printing the reason outside
/// CI.
///
/// # Panics
/// In CI, when a prerequisite is missing: the test must fail, not pass silently.
#[must_use]
pub fn require(test: &str, tools: &[&str]) -> bool {
    let mut missing = Vec::new();
    if !is_root() {
        missing.push(
            "root privileges (run the tests as root: namespaces and eBPF need them)".to_owned(),
        );
    }
    for name in BASE_TOOLS.iter().chain(tools) {
        if let Err(e) = tool(name) {
            missing.push(e.0);
        }
    }
    if missing.is_empty() {
        return true;
    }
    let reason = missing.join("; ");
    assert!(!in_ci(), "{test}: cannot run in CI: {reason}");
    // Straight to fd 2: libtest captures `eprintln!` of passing tests, and a skip must be seen.
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {reason}");
    false
}
