//! Kernel programs of the M2M Privacy Monitor.
//!
//! - `tc_ingress` / `tc_egress` (TC classifiers, attached with tcx on Linux >= 6.6, netlink clsact
//!   before): parse Ethernet/VLAN/IPv4/IPv6/TCP/UDP, count packets and bytes per flow direction,
//!   and copy payload samples into the `SAMPLES` ring buffer. They never change or drop traffic.
//! - `socket_egress` (`cgroup_skb` egress on the cgroup v2 root): records the socket cookie and
//!   cgroup id of each flow so userspace can tie traffic to processes and pods.
//!
//! Minimum kernel: 5.8 (BPF ring buffer); BTF and tcx make 6.6 the comfortable floor.

#![no_std]
#![no_main]
#![warn(clippy::pedantic)]
#![expect(
    clippy::inline_always,
    reason = "BPF-to-BPF calls cost stack and verifier work; the packet path is inlined on purpose"
)]
#![expect(
    clippy::needless_pass_by_value,
    reason = "program entry points take their context by value, as the aya macros generate them"
)]
#![expect(
    clippy::cast_possible_truncation,
    reason = "lengths and offsets come from 16-bit IP length fields and fit in u32"
)]

mod cgroup;
mod maps;
mod parse;
mod sampling;
mod tc;

#[cfg(not(test))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    // Unreachable: the verifier rejects any program with a reachable panic.
    loop {}
}

#[unsafe(link_section = "license")]
#[unsafe(no_mangle)]
static LICENSE: [u8; 13] = *b"Dual MIT/GPL\0";
