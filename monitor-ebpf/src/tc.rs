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
    SAMPLE_PARTS_MAX, Sample, SampleHeader, counter,
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
    let (payload_index, bytes_before) = account(&packet, ctx.len(), now, ifindex);
    if packet.payload_len == 0 {
        if packet.key.protocol == IPPROTO_TCP && packet.tcp_flags & TCP_SYN != 0 {
            emit_syn(&packet, now, ifindex, direction);
        }
        return;
    }
    let config = sampling::config();
    let Some(kind) = sampling::decide(&config, payload_index, bytes_before) else {
        return;
    };
    // A packet larger than one record (segmentation offload) is copied in parts, each with the
    // sequence number of its first byte, so reassembly joins them like wire segments. The
    // budget is taken once for all of them: fewer branches per part keep the verifier's paths
    // few.
    let copied = if packet.payload_len > SAMPLE_PARTS_MAX * SAMPLE_BYTES_MAX as u32 {
        SAMPLE_PARTS_MAX * SAMPLE_BYTES_MAX as u32
    } else {
        packet.payload_len
    };
    if !sampling::take_budget(&config, u64::from(copied)) {
        count(counter::DROP_BUDGET, 1);
        return;
    }
    let mut offset = 0;
    for index in 0..SAMPLE_PARTS_MAX {
        if offset >= copied {
            break;
        }
        let left = copied - offset;
        let captured = if left > SAMPLE_BYTES_MAX as u32 {
            SAMPLE_BYTES_MAX as u32
        } else {
            left
        };
        // The last part answers for the rest of the packet: what it does not carry is known
        // lost, not waited for.
        let wire_len = if captured == left {
            packet.payload_len - offset
        } else {
            captured
        };
        let part = Part {
            index: index as u8,
            offset,
            captured,
            wire_len,
        };
        if !emit_payload(ctx, &packet, &part, kind, now, ifindex, direction) {
            return;
        }
        offset += captured;
    }
}

/// One record's share of a packet's payload.
struct Part {
    index: u8,
    /// From the first payload byte.
    offset: u32,
    /// Bytes copied, `1..=SAMPLE_BYTES_MAX`.
    captured: u32,
    wire_len: u32,
}

/// Updates the flow's counters; returns the index of this packet among the flow direction's
/// payload packets and the payload bytes before it (0 and 0 for a packet without payload,
/// which is never sampled by index).
#[inline(always)]
fn account(packet: &Parsed, wire_len: u32, now: u64, ifindex: u32) -> (u64, u64) {
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
            let bytes_before = (*stats).payload_bytes;
            (*stats).payload_bytes = bytes_before + u64::from(packet.payload_len);
            (*stats).last_seen_ns = now;
            (*stats).ifindex = ifindex;
            (*stats).tcp_flags_seen |= packet.tcp_flags;
            return (index, bytes_before);
        }
    }
    let stats = FlowStats {
        packets: 1,
        bytes: u64::from(wire_len),
        payload_packets: has_payload,
        payload_bytes: u64::from(packet.payload_len),
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
    (0, 0)
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
        part: 0,
        padding: [0; 6],
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

/// Copies one part of the packet's payload into a ring-buffer record; false when it could not
/// (counted), which ends the packet's parts.
#[inline(always)]
fn emit_payload(
    ctx: &TcContext,
    packet: &Parsed,
    part: &Part,
    kind: u8,
    now: u64,
    ifindex: u32,
    direction: u8,
) -> bool {
    let Some(mut entry) = SAMPLES.reserve::<Sample>(0) else {
        count(counter::DROP_RINGBUF_FULL, 1);
        return false;
    };
    let sample = entry.as_mut_ptr();
    let mut head = header(packet, now, ifindex, direction, kind);
    head.tcp_seq = packet.tcp_seq.wrapping_add(part.offset);
    head.wire_len = part.wire_len;
    head.captured_len = part.captured as u16;
    head.part = part.index;
    // The verifier needs the copy length bounded by a constant and non-zero right at the call
    // (aya#1207): `captured` is in 1..=SAMPLE_BYTES_MAX by construction, which the compiler
    // knows too and would use to drop or reshape the checks. A mask and `+ 1` show the verifier
    // the lower bound (a `len == 0` test may be folded into a wrapping compare it cannot
    // follow); the length is then read back opaquely, so the compiler tests the very value the
    // call gets against the upper bound.
    // 64 bits wide: the verifier keeps a spilled 64-bit scalar's bounds exactly.
    let len = u64::from(part.captured.wrapping_sub(1) & 0x7ff) + 1;
    // SAFETY: a read of a local.
    let len = unsafe { core::ptr::read_volatile(&raw const len) };
    if len > SAMPLE_BYTES_MAX as u64 {
        entry.discard(0);
        return false;
    }
    let at = (packet.payload_offset as u32).wrapping_add(part.offset);
    // SAFETY: `sample` points at a reserved record of `size_of::<Sample>()` bytes; the payload
    // field holds SAMPLE_BYTES_MAX bytes and `len` is at most that.
    let ret = unsafe {
        (&raw mut (*sample).header).write(head);
        bpf_skb_load_bytes(
            ctx.skb.skb as *const c_void,
            at,
            (&raw mut (*sample).payload).cast::<c_void>(),
            len as u32,
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
            len as u32,
            at,
            ret
        );
        return false;
    }
    entry.submit(0);
    count(counter::SAMPLES, 1);
    true
}
