//! `cargo xtask setup`: installs everything the build, the demo and the tests need, on a fresh
//! machine, idempotently (each step checks first and does nothing when already done).
//!
//! - Debian packages the tests and the demo start (Alertmanager, curl, openssl, iproute2, ...)
//!   and the C compiler the build needs;
//! - the nightly toolchain's `rust-src` (the eBPF crate builds `core` for the bpf target);
//! - bpf-linker 0.13, built against nightly's own LLVM 22 (its default, LLVM 23, is not on these
//!   machines). Its binary keeps an rpath to the LLVM prefix, so the prefix lives in a durable
//!   place beside cargo's own files, not in /tmp.

use std::{
    env,
    os::unix::fs::symlink,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context as _, bail};

/// Debian packages: real peers and tools the integration tests and the demo start, and the C
/// compiler that links every Rust binary and builds rustls's cryptography (`ring`).
pub const DEBIAN_PACKAGES: &[&str] = &[
    "amqp-tools",
    "bpftool",
    "curl",
    "dcmtk",
    "gcc",
    "iproute2",
    "kcat",
    "ldap-utils",
    "libdbd-mariadb-perl",
    "libmemcached-tools",
    "mariadb-client",
    "mariadb-server",
    "memcached",
    "mosquitto",
    "mosquitto-clients",
    "nats-server",
    "nghttp2-server",
    "openssl",
    "postgresql",
    "procps",
    "prometheus-alertmanager",
    "python3",
    "python3-pymongo",
    "python3-venv",
    "python3-websockets",
    "rabbitmq-server",
    "redis-server",
    "redis-tools",
    "slapd",
    "tinyproxy",
    "util-linux",
];

const NIGHTLY: &str = "nightly";

pub fn run() -> anyhow::Result<()> {
    debian_packages()?;
    rust_src()?;
    bpf_linker()?;
    otel_python()?;
    println!("setup: done");
    Ok(())
}

fn status(cmd: &mut Command) -> anyhow::Result<bool> {
    Ok(cmd
        .status()
        .with_context(|| format!("running {cmd:?}"))?
        .success())
}

fn quiet(cmd: &mut Command) -> bool {
    cmd.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn debian_packages() -> anyhow::Result<()> {
    let missing: Vec<&str> = DEBIAN_PACKAGES
        .iter()
        .copied()
        .filter(|p| {
            let out = Command::new("dpkg-query")
                .args(["-W", "-f=${Status}", p])
                .output();
            !out.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        })
        .collect();
    if missing.is_empty() {
        println!("setup: Debian packages present");
        return Ok(());
    }
    println!("setup: installing Debian packages: {}", missing.join(" "));
    if !status(Command::new("apt-get").args(["update", "-qq"]))? {
        bail!("apt-get update failed");
    }
    let ok = status(
        Command::new("apt-get")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(&missing),
    )?;
    if !ok {
        bail!("apt-get install {} failed", missing.join(" "));
    }
    Ok(())
}

fn rust_src() -> anyhow::Result<()> {
    let installed = Command::new("rustup")
        .args(["component", "list", "--installed", "--toolchain", NIGHTLY])
        .output()
        .context("running rustup (is the nightly toolchain installed?)")?;
    if String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|l| l.starts_with("rust-src"))
    {
        println!("setup: nightly rust-src present");
        return Ok(());
    }
    println!("setup: adding rust-src to the nightly toolchain");
    if !status(Command::new("rustup").args([
        "component",
        "add",
        "rust-src",
        "--toolchain",
        NIGHTLY,
    ]))? {
        bail!("rustup component add rust-src --toolchain nightly failed");
    }
    Ok(())
}

fn cargo_home() -> PathBuf {
    env::var_os("CARGO_HOME").map_or_else(
        || PathBuf::from(env::var_os("HOME").unwrap_or_else(|| "/root".into())).join(".cargo"),
        PathBuf::from,
    )
}

fn bpf_linker() -> anyhow::Result<()> {
    if quiet(Command::new("bpf-linker").arg("--version")) {
        println!("setup: bpf-linker present");
        return Ok(());
    }
    let sysroot = Command::new("rustc")
        .args([&format!("+{NIGHTLY}"), "--print", "sysroot"])
        .output()
        .context("asking nightly rustc for its sysroot")?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    let lib = sysroot.join("lib");
    let llvm = std::fs::read_dir(&lib)
        .with_context(|| format!("reading {}", lib.display()))?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with("libLLVM.so."))
        .with_context(|| format!("no libLLVM.so.* in {}", lib.display()))?;
    let major = llvm
        .trim_start_matches("libLLVM.so.")
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok())
        .with_context(|| format!("cannot read the LLVM version from {llvm}"))?;
    let prefix = cargo_home().join("bpf-linker-llvm");
    let prefix_lib = prefix.join("lib");
    std::fs::create_dir_all(&prefix_lib)
        .with_context(|| format!("creating {}", prefix_lib.display()))?;
    for name in ["libLLVM.so", llvm.as_str()] {
        link(&lib.join(&llvm), &prefix_lib.join(name))?;
    }
    println!("setup: building bpf-linker against nightly's LLVM {major} (about two minutes)");
    let ok = status(
        Command::new("cargo")
            .env("LLVM_PREFIX", &prefix)
            .args([
                "install",
                "bpf-linker",
                "--version",
                "0.13.0",
                "--no-default-features",
            ])
            .args(["--features", &format!("llvm-{major}")]),
    )?;
    if !ok || !quiet(Command::new("bpf-linker").arg("--version")) {
        bail!(
            "building bpf-linker failed (LLVM_PREFIX={})",
            prefix.display()
        );
    }
    Ok(())
}

/// OpenTelemetry's Python SDK and OTLP/HTTP exporter, which no Debian package holds, in a
/// virtual environment of Debian's Python: the OTLP test's client. Pinned to the versions whose
/// request the engine's OTLP fixture is.
const OTEL_PACKAGES: [&str; 2] = [
    "opentelemetry-sdk==1.45.2",
    "opentelemetry-exporter-otlp-proto-http==1.45.2",
];

/// Where the environment lives: `tests::otel::PYTHON` looks there too.
fn otel_env() -> PathBuf {
    PathBuf::from(env::var_os("HOME").unwrap_or_else(|| "/root".into()))
        .join(".cache/m2m-privacy-monitor/otel-python")
}

fn otel_python() -> anyhow::Result<()> {
    let env_dir = otel_env();
    let python = env_dir.join("bin/python");
    let importable = || {
        quiet(Command::new(&python).args([
            "-c",
            "import opentelemetry.sdk.trace, opentelemetry.exporter.otlp.proto.http.trace_exporter",
        ]))
    };
    if importable() {
        println!("setup: OpenTelemetry's Python SDK present");
        return Ok(());
    }
    println!(
        "setup: installing OpenTelemetry's Python SDK in {}",
        env_dir.display()
    );
    if !status(
        Command::new("/usr/bin/python3")
            .args(["-m", "venv"])
            .arg(&env_dir),
    )? {
        bail!("python3 -m venv {} failed", env_dir.display());
    }
    let ok = status(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(OTEL_PACKAGES),
    )?;
    if !ok || !importable() {
        bail!("installing {} failed", OTEL_PACKAGES.join(" "));
    }
    Ok(())
}

fn link(target: &Path, at: &Path) -> anyhow::Result<()> {
    if std::fs::read_link(at).is_ok_and(|current| current == target) {
        return Ok(());
    }
    let _ = std::fs::remove_file(at);
    symlink(target, at).with_context(|| format!("linking {} -> {}", at.display(), target.display()))
}
