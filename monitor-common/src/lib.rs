//! Types shared by the kernel programs (`monitor-ebpf`) and the userspace daemon (`monitor`).
//!
//! Everything here is `#[repr(C)]`, `Copy` and free of padding the compiler could choose, because
//! the same bytes are written by BPF code and read by userspace through maps and the ring buffer.
//! With the `user` feature the types implement `aya::Pod` so userspace can read them from maps.

#![no_std]

/// Most payload bytes one sample record carries: a full Ethernet MTU's worth of payload.
pub const SAMPLE_BYTES_MAX: usize = 1500;

/// Most sample records one packet is copied into. TC sees a segmentation-offload packet (GSO,
/// up to 64 KiB) before the NIC or the stack cuts it into wire-sized segments: a write of a few
/// KiB (an HTTP request with its body) is one such packet, copied in parts of
/// [`SAMPLE_BYTES_MAX`], up to this many (12,000 bytes).
pub const SAMPLE_PARTS_MAX: u32 = 8;

/// Default number of leading payload packets copied from every new flow direction: enough for a
/// TLS ClientHello/ServerHello or an HTTP request head.
pub const DEFAULT_HEAD_PACKETS: u32 = 4;

/// Default number of leading payload bytes of every new flow direction whose packets are copied
/// however many came before: a protocol's set-up (AMQP's connection and channel opening, a
/// database's authentication and a driver's session queries) is a handful of small packets of a
/// few hundred bytes, and the first message that matters comes after it. A connection opened per
/// message sends nothing later, so this is where the message is copied or never.
pub const DEFAULT_HEAD_BYTES: u32 = 4096;

/// Default 1-in-N sampling of later payload packets.
pub const DEFAULT_SAMPLE_EVERY: u32 = 16;

/// Default per-CPU budget of copied payload bytes per second.
pub const DEFAULT_BUDGET_BYTES_PER_SEC: u64 = 16 * 1024 * 1024;

/// `FlowKey::family` for IPv4.
pub const FAMILY_IPV4: u8 = 4;
/// `FlowKey::family` for IPv6.
pub const FAMILY_IPV6: u8 = 6;

/// IP protocol numbers the programs understand.
pub const IPPROTO_TCP: u8 = 6;
pub const IPPROTO_UDP: u8 = 17;

/// One direction of a transport connection, as the packet carries it (source = sender).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FlowKey {
    /// IPv4 addresses use the first 4 bytes; the rest stays zero.
    pub src_addr: [u8; 16],
    pub dst_addr: [u8; 16],
    /// Host byte order.
    pub src_port: u16,
    /// Host byte order.
    pub dst_port: u16,
    /// `IPPROTO_TCP` or `IPPROTO_UDP`.
    pub protocol: u8,
    /// `FAMILY_IPV4` or `FAMILY_IPV6`.
    pub family: u8,
    pub padding: [u8; 2],
}

impl FlowKey {
    pub const ZERO: Self = Self {
        src_addr: [0; 16],
        dst_addr: [0; 16],
        src_port: 0,
        dst_port: 0,
        protocol: 0,
        family: 0,
        padding: [0; 2],
    };
}

/// Per-direction counters kept by the TC program in an LRU hash map.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlowStats {
    pub packets: u64,
    pub bytes: u64,
    /// Packets that carried transport payload; drives head and 1-in-N sampling.
    pub payload_packets: u64,
    /// Transport payload bytes of those packets (retransmissions counted again); drives the
    /// head by bytes.
    pub payload_bytes: u64,
    /// `bpf_ktime_get_ns` (`CLOCK_MONOTONIC`) of the first and last packet.
    pub first_seen_ns: u64,
    pub last_seen_ns: u64,
    /// Interface index the direction was last seen on.
    pub ifindex: u32,
    /// OR of the TCP flags seen in this direction.
    pub tcp_flags_seen: u8,
    pub padding: [u8; 3],
}

/// Why a sample was taken.
pub const SAMPLE_KIND_HEAD: u8 = 0;
pub const SAMPLE_KIND_PERIODIC: u8 = 1;
/// A TCP SYN (no payload): tells userspace the initial sequence number and who is the client.
pub const SAMPLE_KIND_SYN: u8 = 2;

/// Which TC hook saw the packet.
pub const DIRECTION_INGRESS: u8 = 0;
pub const DIRECTION_EGRESS: u8 = 1;

/// Header of every ring-buffer record, followed by `captured_len` payload bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SampleHeader {
    pub key: FlowKey,
    /// `bpf_ktime_get_ns` (`CLOCK_MONOTONIC`).
    pub ts_ns: u64,
    pub ifindex: u32,
    /// TCP sequence number of the first payload byte this record carries (0 for UDP).
    pub tcp_seq: u32,
    /// Payload length on the wire from this record's first byte: this part's own length, or for
    /// the last part everything left of the packet (more than it carries when cut short).
    pub wire_len: u32,
    /// Payload bytes that follow the header (`<= SAMPLE_BYTES_MAX`).
    pub captured_len: u16,
    pub tcp_flags: u8,
    /// `SAMPLE_KIND_*`.
    pub kind: u8,
    /// `DIRECTION_*`.
    pub direction: u8,
    /// Index of this record among the parts of one packet (0 for its first bytes).
    pub part: u8,
    pub padding: [u8; 6],
}

/// A full ring-buffer record. The kernel reserves this fixed size (the verifier needs a
/// constant) and fills `captured_len` bytes of `payload`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Sample {
    pub header: SampleHeader,
    pub payload: [u8; SAMPLE_BYTES_MAX],
}

/// Runtime configuration of the TC program, in a one-entry array map written by userspace.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaptureConfig {
    /// Leading payload packets copied per flow direction.
    pub head_packets: u32,
    /// 1-in-N sampling of later payload packets; 0 disables periodic samples.
    pub sample_every: u32,
    /// Per-CPU budget of copied payload bytes per second; 0 means no budget.
    pub budget_bytes_per_sec: u64,
    /// A payload packet that starts within the flow direction's first `head_bytes` payload
    /// bytes is copied too, whatever its index; 0 turns this off.
    pub head_bytes: u32,
    pub padding: u32,
}

impl Default for CaptureConfig {
    fn default() -> Self {
        Self {
            head_packets: DEFAULT_HEAD_PACKETS,
            sample_every: DEFAULT_SAMPLE_EVERY,
            budget_bytes_per_sec: DEFAULT_BUDGET_BYTES_PER_SEC,
            head_bytes: DEFAULT_HEAD_BYTES,
            padding: 0,
        }
    }
}

/// Per-CPU token bucket state of the byte budget.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BudgetState {
    pub tokens: u64,
    pub last_refill_ns: u64,
}

/// Socket attribution recorded by the `cgroup_skb` egress program.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SocketInfo {
    pub socket_cookie: u64,
    pub cgroup_id: u64,
}

/// Indexes of the per-CPU `COUNTERS` array. Every sample that is not delivered is counted here.
pub mod counter {
    /// Packets the TC programs looked at.
    pub const PACKETS: u32 = 0;
    /// Samples written to the ring buffer.
    pub const SAMPLES: u32 = 1;
    /// Samples lost because the ring buffer was full.
    pub const DROP_RINGBUF_FULL: u32 = 2;
    /// Samples not taken because the per-CPU byte budget was spent.
    pub const DROP_BUDGET: u32 = 3;
    /// Samples lost because copying the payload failed.
    pub const DROP_LOAD_FAILED: u32 = 4;
    /// Packets that were not IPv4/IPv6 TCP/UDP, or whose headers could not be read.
    pub const NOT_PARSED: u32 = 5;
    /// Flow-map insertions that failed.
    pub const FLOW_MAP_FULL: u32 = 6;
    /// Number of counters.
    pub const COUNT: u32 = 7;
}

#[cfg(feature = "user")]
mod user {
    // SAFETY: all of these are `repr(C)`, `Copy`, have explicit padding fields and no pointers, so
    // any byte pattern is a valid value.
    unsafe impl aya::Pod for super::FlowKey {}
    unsafe impl aya::Pod for super::FlowStats {}
    unsafe impl aya::Pod for super::CaptureConfig {}
    unsafe impl aya::Pod for super::SocketInfo {}
    unsafe impl aya::Pod for super::BudgetState {}
}

#[cfg(test)]
mod tests {
    use core::mem::{align_of, size_of};

    use super::*;

    #[test]
    fn layouts_have_no_hidden_padding() {
        assert_eq!(size_of::<FlowKey>(), 40);
        assert_eq!(size_of::<FlowStats>(), 56);
        assert_eq!(size_of::<SampleHeader>(), 72);
        assert_eq!(size_of::<SampleHeader>() % 8, 0);
        assert!(
            align_of::<Sample>() <= 8,
            "ring buffer records are 8-byte aligned"
        );
        assert_eq!(size_of::<CaptureConfig>(), 24);
    }
}
