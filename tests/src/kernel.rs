//! What the kernel has attached to an interface: legacy tc filters, tcx/netlink programs as
//! `bpftool net` shows them, and the BPF links/programs a process holds.
//!
//! `tc filter show` does not list tcx attachments (kernel >= 6.6) and older `bpftool` does
//! not either, so the detach test also records the BPF link and program ids the daemon
//! holds (from `/proc/PID/fdinfo`) and checks by id that they are gone after it exits.

use std::process::Command;
use std::time::Duration;

use crate::netns::NsRef;
use crate::preflight::{tool, which};
use crate::process::run_ok;
use crate::{Error, Result};

const CMD_TIMEOUT: Duration = Duration::from_secs(20);

/// BPF objects held by a process, read from its fdinfo.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeldObjects {
    /// BPF links (tcx, cgroup, ...).
    pub links: Vec<HeldLink>,
    /// Ids of BPF programs.
    pub progs: Vec<u32>,
}

/// One BPF link as its fdinfo describes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct HeldLink {
    /// Kernel-wide link id.
    pub id: u32,
    /// `link_type` (e.g. "tcx", "cgroup").
    pub link_type: String,
    /// `ifindex`, for links on an interface (tcx, netkit, xdp).
    pub ifindex: Option<u32>,
}

/// `tc filter show dev IFACE ingress` and `egress`, inside `ns`: the non-empty lines.
///
/// # Errors
/// When `tc` fails for a reason other than "no clsact qdisc".
pub fn tc_filters(ns: &NsRef, iface: &str) -> Result<Vec<String>> {
    let mut lines = Vec::new();
    for dir in ["ingress", "egress"] {
        let mut cmd = ns.exec("tc")?;
        cmd.args(["filter", "show", "dev", iface, dir]);
        let out = crate::process::run_bounded(&mut cmd, CMD_TIMEOUT)?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        // Without a clsact qdisc tc may complain instead of listing nothing: that is "empty".
        if !out.status.success()
            && !stderr.contains("Invalid argument")
            && !stderr.contains("No such file")
        {
            return Err(Error(format!(
                "tc filter show dev {iface} {dir}: {}",
                stderr.trim()
            )));
        }
        lines.extend(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| format!("{dir}: {}", l.trim())),
        );
    }
    Ok(lines)
}

/// Whether `bpftool` is installed.
#[must_use]
pub fn has_bpftool() -> bool {
    which("bpftool").is_some()
}

/// `bpftool net show dev IFACE` inside `ns`: the lines that name the interface.
///
/// # Errors
/// When bpftool is missing or fails.
pub fn bpftool_net(ns: &NsRef, iface: &str) -> Result<Vec<String>> {
    let mut cmd = ns.exec("bpftool")?;
    cmd.args(["net", "show", "dev", iface]);
    let out = run_ok(&mut cmd, CMD_TIMEOUT)?;
    Ok(out
        .lines()
        .filter(|l| l.contains(iface))
        .map(|l| l.trim().to_owned())
        .collect())
}

/// The ifindex of `iface` inside `ns`.
///
/// # Errors
/// When `ip` fails or prints no index.
pub fn ifindex(ns: &NsRef, iface: &str) -> Result<u32> {
    let out = run_ok(
        Command::new(tool("ip")?).args(["-n", ns.name(), "-o", "link", "show", "dev", iface]),
        CMD_TIMEOUT,
    )?;
    out.split(':')
        .next()
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| Error(format!("no ifindex in {out:?}")))
}

/// BPF links and programs held open by process `pid`.
///
/// # Errors
/// When `/proc/PID/fd` cannot be read.
pub fn held_objects(pid: u32) -> Result<HeldObjects> {
    let dir = format!("/proc/{pid}/fd");
    let entries = std::fs::read_dir(&dir).map_err(|e| Error(format!("reading {dir}: {e}")))?;
    let mut held = HeldObjects::default();
    for entry in entries.flatten() {
        let Ok(target) = std::fs::read_link(entry.path()) else {
            continue;
        };
        let target = target.to_string_lossy().into_owned();
        let fd = entry.file_name().to_string_lossy().into_owned();
        let Ok(info) = std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{fd}")) else {
            continue;
        };
        let field = |name: &str| {
            info.lines().find_map(|l| {
                l.strip_prefix(name)
                    .and_then(|v| v.strip_prefix(':'))
                    .map(|v| v.trim().to_owned())
            })
        };
        if target.contains("bpf_link") {
            if let Some(id) = field("link_id").and_then(|v| v.parse().ok()) {
                held.links.push(HeldLink {
                    id,
                    link_type: field("link_type").unwrap_or_default(),
                    ifindex: field("ifindex").and_then(|v| v.parse().ok()),
                });
            }
        } else if target.contains("bpf-prog")
            && let Some(id) = field("prog_id").and_then(|v| v.parse().ok())
        {
            held.progs.push(id);
        }
    }
    held.links.sort_unstable();
    held.progs.sort_unstable();
    held.progs.dedup();
    Ok(held)
}

const BPF_PROG_GET_FD_BY_ID: libc::c_long = 13;
const BPF_LINK_GET_FD_BY_ID: libc::c_long = 30;

fn bpf_object_exists(cmd: libc::c_long, id: u32) -> Result<bool> {
    // union bpf_attr for *_GET_FD_BY_ID: { u32 id; u32 next_id; u32 open_flags; }
    let attr: [u32; 3] = [id, 0, 0];
    // SAFETY: attr is a valid, initialised buffer of the size we pass; the kernel only reads it.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            cmd,
            attr.as_ptr(),
            std::mem::size_of_val(&attr),
        )
    };
    if fd >= 0 {
        // SAFETY: the kernel just returned this fd to us; closing it once is correct.
        #[expect(
            clippy::cast_possible_truncation,
            reason = "a file descriptor the kernel returned fits a c_int"
        )]
        unsafe {
            libc::close(fd as libc::c_int)
        };
        return Ok(true);
    }
    let err = std::io::Error::last_os_error();
    if err.raw_os_error() == Some(libc::ENOENT) {
        Ok(false)
    } else {
        Err(Error(format!("bpf(GET_FD_BY_ID {id}): {err}")))
    }
}

/// Whether the BPF link with `id` still exists anywhere in the kernel.
///
/// # Errors
/// When the bpf syscall fails other than with ENOENT.
pub fn link_exists(id: u32) -> Result<bool> {
    bpf_object_exists(BPF_LINK_GET_FD_BY_ID, id)
}

/// Whether the BPF program with `id` still exists anywhere in the kernel.
///
/// # Errors
/// When the bpf syscall fails other than with ENOENT.
pub fn prog_exists(id: u32) -> Result<bool> {
    bpf_object_exists(BPF_PROG_GET_FD_BY_ID, id)
}
