//! TC classifiers: per-flow counters and payload sampling, both directions. They always return
//! `TC_ACT_UNSPEC` (continue with the next program/default action): traffic is never changed.

use core::ffi::c_void;

use aya_ebpf::{
    bindings::{BPF_NOEXIST, TC_ACT_UNSPEC},
    helpers::{bpf_ktime_get_ns, bpf_skb_load_bytes},
    macros::classifier,
    programs::TcContext,
};
use monitor_common::{
    DIRECTION_EGRESS, DIRECTION_INGRESS, FlowStats, IPPROTO_TCP, SAMPLE_BYTES_MAX, SAMPLE_KIND_SYN,
    Sample, SampleHeader, counter,
};

use crate::{
    maps::{FLOWS, SAMPLES, count},
    parse::{self, Parsed},
    sampling,
};

const TCP_SYN: u8 = 0x02;

#[classifier]
pub fn tc_ingress(ctx: TcContext) -> i32 {
    handle(&ctx, DIRECTION_INGRESS);
    TC_ACT_UNSPEC
}

#[classifier]
pub fn tc_egress(ctx: TcContext) -> i32 {
    handle(&ctx, DIRECTION_EGRESS);
    TC_ACT_UNSPEC
}

#[inline(always)]
fn handle(ctx: &TcContext, direction: u8) {
    count(counter::PACKETS, 1);
    // Headers normally sit in the linear area, read directly; only when they do not (a
    // non-linear skb whose linear part ends early) are they read through the helper.
    let linear_len = ctx.data_end() - ctx.data();
    let parsed = parse::ethernet(&parse::Linear::new(ctx.data(), ctx.data_end())).or_else(|| {
        if linear_len < ctx.len() as usize {
            parse::ethernet(&ctx.skb)
        } else {
            None
        }
    });
    let Some(packet) = parsed else {
        count(counter::NOT_PARSED, 1);
        return;
    };
    // SAFETY: helper without preconditions.
    let now = unsafe { bpf_ktime_get_ns() };
    // SAFETY: `skb` is the program's context pointer, valid for the whole run.
    let ifindex = unsafe { (*ctx.skb.skb).ifindex };
    let payload_index = account(&packet, ctx.len(), now, ifindex);
    if packet.payload_len == 0 {
        if packet.key.protocol == IPPROTO_TCP && packet.tcp_flags & TCP_SYN != 0 {
            emit_syn(&packet, now, ifindex, direction);
        }
        return;
    }
    let config = sampling::config();
    let Some(kind) = sampling::decide(&config, payload_index) else {
        return;
    };
    let captured = if packet.payload_len as usize > SAMPLE_BYTES_MAX {
        SAMPLE_BYTES_MAX as u32
    } else {
        packet.payload_len
    };
    if !sampling::take_budget(&config, u64::from(captured)) {
        count(counter::DROP_BUDGET, 1);
        return;
    }
    emit_payload(ctx, &packet, captured, kind, now, ifindex, direction);
}

/// Updates the flow's counters; returns the index of this packet among the flow direction's
/// payload packets (0 for a packet without payload, which is never sampled by index).
#[inline(always)]
fn account(packet: &Parsed, wire_len: u32, now: u64, ifindex: u32) -> u64 {
    let has_payload = u64::from(packet.payload_len != 0);
    if let Some(stats) = FLOWS.get_ptr_mut(packet.key) {
        // SAFETY: map value pointer, valid for this run. The bpf target offers no atomic
        // read-modify-write in `core`; one flow direction is normally handled by one CPU at a
        // time (RSS/XPS keep a flow on one queue), so a race at worst loses one increment.
        unsafe {
            (*stats).packets += 1;
            (*stats).bytes += u64::from(wire_len);
            let index = (*stats).payload_packets;
            (*stats).payload_packets = index + has_payload;
            (*stats).last_seen_ns = now;
            (*stats).ifindex = ifindex;
            (*stats).tcp_flags_seen |= packet.tcp_flags;
            return index;
        }
    }
    let stats = FlowStats {
        packets: 1,
        bytes: u64::from(wire_len),
        payload_packets: has_payload,
        first_seen_ns: now,
        last_seen_ns: now,
        ifindex,
        tcp_flags_seen: packet.tcp_flags,
        padding: [0; 3],
    };
    if FLOWS
        .insert(packet.key, stats, u64::from(BPF_NOEXIST))
        .is_err()
    {
        count(counter::FLOW_MAP_FULL, 1);
    }
    0
}

#[inline(always)]
fn header(packet: &Parsed, now: u64, ifindex: u32, direction: u8, kind: u8) -> SampleHeader {
    SampleHeader {
        key: packet.key,
        ts_ns: now,
        ifindex,
        tcp_seq: packet.tcp_seq,
        wire_len: packet.payload_len,
        captured_len: 0,
        tcp_flags: packet.tcp_flags,
        kind,
        direction,
        padding: [0; 7],
    }
}

#[inline(always)]
fn emit_syn(packet: &Parsed, now: u64, ifindex: u32, direction: u8) {
    let Some(mut entry) = SAMPLES.reserve::<SampleHeader>(0) else {
        count(counter::DROP_RINGBUF_FULL, 1);
        return;
    };
    entry.write(header(packet, now, ifindex, direction, SAMPLE_KIND_SYN));
    entry.submit(0);
    count(counter::SAMPLES, 1);
}

#[inline(always)]
fn emit_payload(
    ctx: &TcContext,
    packet: &Parsed,
    captured: u32,
    kind: u8,
    now: u64,
    ifindex: u32,
    direction: u8,
) {
    let Some(mut entry) = SAMPLES.reserve::<Sample>(0) else {
        count(counter::DROP_RINGBUF_FULL, 1);
        return;
    };
    let sample = entry.as_mut_ptr();
    let mut head = header(packet, now, ifindex, direction, kind);
    head.captured_len = captured as u16;
    // The verifier needs the copy length bounded by a constant and non-zero right at the call
    // (aya#1207): `captured` is in 1..=SAMPLE_BYTES_MAX by construction, and the mask plus the
    // checks below make that visible to it.
    let len = captured & 0x7ff;
    if len == 0 || len > SAMPLE_BYTES_MAX as u32 {
        entry.discard(0);
        return;
    }
    // SAFETY: `sample` points at a reserved record of `size_of::<Sample>()` bytes; the payload
    // field holds SAMPLE_BYTES_MAX bytes and `len` is at most that.
    let ret = unsafe {
        (&raw mut (*sample).header).write(head);
        bpf_skb_load_bytes(
            ctx.skb.skb as *const c_void,
            packet.payload_offset as u32,
            (&raw mut (*sample).payload).cast::<c_void>(),
            len,
        )
    };
    if ret != 0 {
        entry.discard(0);
        count(counter::DROP_LOAD_FAILED, 1);
        // Rare (the length comes from the headers just parsed): worth a log line for the
        // operator, on top of the counter.
        aya_log_ebpf::warn!(
            ctx,
            "payload copy of {} bytes at offset {} failed: {}",
            len,
            packet.payload_offset as u32,
            ret
        );
        return;
    }
    entry.submit(0);
    count(counter::SAMPLES, 1);
}
