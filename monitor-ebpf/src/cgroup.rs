//! `cgroup_skb` egress on the cgroup v2 root: ties each flow to its socket and cgroup.

use aya_ebpf::{
    bindings::BPF_NOEXIST,
    helpers::{bpf_get_socket_cookie, bpf_skb_cgroup_id},
    macros::cgroup_skb,
    programs::SkBuffContext,
};
use monitor_common::SocketInfo;

use crate::{maps::SOCKETS, parse};

/// Verdict "let the packet pass": this program only observes.
const ALLOW: i32 = 1;

#[cgroup_skb]
pub fn socket_egress(ctx: SkBuffContext) -> i32 {
    record(&ctx);
    ALLOW
}

#[inline(always)]
fn record(ctx: &SkBuffContext) {
    let Some(packet) = parse::ip(&ctx.skb) else {
        return;
    };
    // Only the first packet of a flow pays for the map write.
    if SOCKETS.get_ptr(packet.key).is_some() {
        return;
    }
    // SAFETY: `skb` is the program's context pointer, valid for the whole run.
    let info = unsafe {
        SocketInfo {
            socket_cookie: bpf_get_socket_cookie(ctx.skb.skb.cast()),
            cgroup_id: bpf_skb_cgroup_id(ctx.skb.skb),
        }
    };
    // A full LRU map evicts; a racing insert of the same key is harmless.
    let _ = SOCKETS.insert(packet.key, info, u64::from(BPF_NOEXIST));
}
