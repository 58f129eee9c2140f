//! Which packets to copy, and the per-CPU byte budget that bounds the kernel's cost.

use aya_ebpf::helpers::bpf_ktime_get_ns;
use monitor_common::{CaptureConfig, SAMPLE_KIND_HEAD, SAMPLE_KIND_PERIODIC};

use crate::maps::{BUDGET, CONFIG};

const NANOS_PER_SEC: u64 = 1_000_000_000;

/// The configuration userspace wrote, or the defaults when it wrote none.
#[inline(always)]
pub fn config() -> CaptureConfig {
    match CONFIG.get(0) {
        Some(c) => *c,
        None => CaptureConfig::default(),
    }
}

/// Decides whether the payload packet with index `index` (0-based, per flow direction), after
/// `bytes_before` payload bytes of its direction, is sampled, and why.
#[inline(always)]
pub fn decide(config: &CaptureConfig, index: u64, bytes_before: u64) -> Option<u8> {
    let head = u64::from(config.head_packets);
    if index < head || bytes_before < u64::from(config.head_bytes) {
        return Some(SAMPLE_KIND_HEAD);
    }
    let every = u64::from(config.sample_every);
    if every != 0 && (index - head).is_multiple_of(every) {
        return Some(SAMPLE_KIND_PERIODIC);
    }
    None
}

/// Takes `cost` bytes from this CPU's token bucket (refilled at `budget_bytes_per_sec`, holding at
/// most one second's worth). Returns false when the budget is spent.
#[inline(always)]
pub fn take_budget(config: &CaptureConfig, cost: u64) -> bool {
    let rate = config.budget_bytes_per_sec;
    if rate == 0 {
        return true;
    }
    let Some(state) = BUDGET.get_ptr_mut(0) else {
        return true;
    };
    // SAFETY: per-CPU slot from the map, valid for this program run, not shared across CPUs.
    let state = unsafe { &mut *state };
    // SAFETY: helper without preconditions.
    let now = unsafe { bpf_ktime_get_ns() };
    let elapsed = now.saturating_sub(state.last_refill_ns);
    // Cap the elapsed time at one second so the product below cannot overflow for any rate up to
    // 2^34 bytes/s, and the bucket never holds more than one second of budget.
    let elapsed = if elapsed > NANOS_PER_SEC {
        NANOS_PER_SEC
    } else {
        elapsed
    };
    let refill = elapsed * (rate & 0x3_ffff_ffff) / NANOS_PER_SEC;
    if refill > 0 {
        let tokens = state.tokens + refill;
        state.tokens = if tokens > rate { rate } else { tokens };
        state.last_refill_ns = now;
    }
    if state.tokens < cost {
        return false;
    }
    state.tokens -= cost;
    true
}
