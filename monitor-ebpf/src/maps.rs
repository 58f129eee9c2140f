//! Maps shared with userspace. Names are a contract with `monitor::capture`.

use aya_ebpf::{
    macros::map,
    maps::{Array, LruHashMap, PerCpuArray, RingBuf},
};
use monitor_common::{BudgetState, CaptureConfig, FlowKey, FlowStats, SocketInfo, counter};

/// Payload samples. Userspace may resize it at load time.
#[map]
pub static SAMPLES: RingBuf = RingBuf::with_byte_size(8 * 1024 * 1024, 0);

/// Per-direction packet and byte counters; LRU so a flood of flows evicts the oldest.
#[map]
pub static FLOWS: LruHashMap<FlowKey, FlowStats> = LruHashMap::with_max_entries(65_536, 0);

/// Socket attribution recorded at the socket layer.
#[map]
pub static SOCKETS: LruHashMap<FlowKey, SocketInfo> = LruHashMap::with_max_entries(65_536, 0);

/// Written by userspace before attaching; index 0.
#[map]
pub static CONFIG: Array<CaptureConfig> = Array::with_max_entries(1, 0);

/// Per-CPU byte budget state; index 0.
#[map]
pub static BUDGET: PerCpuArray<BudgetState> = PerCpuArray::with_max_entries(1, 0);

/// Per-CPU counters, indexed by `monitor_common::counter`.
#[map]
pub static COUNTERS: PerCpuArray<u64> = PerCpuArray::with_max_entries(counter::COUNT, 0);

/// Adds `n` to a per-CPU counter (per-CPU, so no atomics are needed).
#[inline(always)]
pub fn count(index: u32, n: u64) {
    if let Some(slot) = COUNTERS.get_ptr_mut(index) {
        // SAFETY: the pointer comes from the map and stays valid for this program run; the
        // per-CPU slot is not shared with another CPU.
        unsafe { *slot += n };
    }
}
