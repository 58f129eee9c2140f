//! (e) On SIGTERM or SIGINT the daemon exits 0 and leaves no program on the interface.

use std::time::Duration;

use tests::kernel::{self, HeldObjects};
use tests::lab::{Options, STOP_TIMEOUT, TestLab};
use tests::netns::CLIENT_IF;
use tests::wait;

fn attachments(lab: &TestLab) -> Vec<String> {
    let ns = lab.topo.client.handle();
    let mut seen = kernel::tc_filters(&ns, CLIENT_IF).expect("tc filter show");
    if kernel::has_bpftool() {
        seen.extend(
            kernel::bpftool_net(&ns, CLIENT_IF)
                .expect("bpftool net show")
                .into_iter()
                .map(|l| format!("bpftool: {l}")),
        );
    }
    seen
}

fn detaches_cleanly_on(signal: libc::c_int, name: &str) {
    let Some(mut lab) = TestLab::start(name, Options::default()) else {
        return;
    };
    if !kernel::has_bpftool() {
        eprintln!(
            "{name}: bpftool not installed (apt-get install bpftool); checking tc and BPF ids only"
        );
    }
    lab.send_cleartext_personal_data()
        .expect("some traffic before the stop");

    // Before: something must be observable, or the "nothing left" check proves nothing.
    let before = attachments(&lab);
    let held: HeldObjects = kernel::held_objects(lab.daemon.proc.pid()).expect("daemon fdinfo");
    let ifindex = kernel::ifindex(&lab.topo.client.handle(), CLIENT_IF).expect("ifindex");
    let on_iface = held
        .links
        .iter()
        .filter(|l| l.ifindex == Some(ifindex))
        .count();
    assert!(
        !before.is_empty() || on_iface > 0,
        "daemon is ready but no program is visible on {CLIENT_IF} (tc, bpftool, tcx links of the daemon); \
         it holds {held:?}"
    );
    eprintln!("{name}: before stop: {before:?}; daemon holds {held:?}");

    let status = lab
        .daemon
        .stop(signal, STOP_TIMEOUT)
        .expect("daemon exits after the signal");
    assert!(
        status.success(),
        "daemon exited with {status} after signal {signal}; stderr:\n{}",
        lab.daemon.proc.stderr_tail(30)
    );

    let left = attachments(&lab);
    assert!(
        left.is_empty(),
        "programs left on {CLIENT_IF} after exit: {left:?}"
    );
    // The kernel frees links and programs asynchronously after the last reference goes.
    wait::until(
        "the daemon's BPF links and programs to be freed",
        Duration::from_secs(15),
        Duration::from_millis(200),
        || {
            let links: Vec<u32> = held
                .links
                .iter()
                .map(|l| l.id)
                .filter(|id| kernel::link_exists(*id).unwrap_or(true))
                .collect();
            let progs: Vec<u32> = held
                .progs
                .iter()
                .copied()
                .filter(|id| kernel::prog_exists(*id).unwrap_or(true))
                .collect();
            if links.is_empty() && progs.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "still present: links {links:?}, programs {progs:?}"
                ))
            }
        },
    )
    .expect("no BPF link or program of the daemon survives it");
}

#[test]
fn sigterm_detaches_cleanly() {
    detaches_cleanly_on(libc::SIGTERM, "detach_sigterm");
}

#[test]
fn sigint_detaches_cleanly() {
    detaches_cleanly_on(libc::SIGINT, "detach_sigint");
}
