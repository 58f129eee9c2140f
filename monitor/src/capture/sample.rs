//! Decoding of ring-buffer records into [`PacketSample`]s: pure bytes in, values out, so it is
//! tested without a kernel.

use std::{
    mem::size_of,
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    time::{Duration, SystemTime},
};

use bytes::Bytes;
use monitor_common::{
    FAMILY_IPV4, FAMILY_IPV6, IPPROTO_TCP, IPPROTO_UDP, SAMPLE_BYTES_MAX, SAMPLE_KIND_HEAD,
    SAMPLE_KIND_PERIODIC, SAMPLE_KIND_SYN, SampleHeader,
};

use crate::model::{FlowKey, PacketSample, SampleKind, TcpMeta, Transport};

/// Why a record could not be decoded. Carries sizes and codes, never payload bytes.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SampleError {
    #[error("record of {0} bytes is shorter than a sample header")]
    Short(usize),
    #[error("record claims {claimed} payload bytes but holds {available}")]
    Truncated { claimed: usize, available: usize },
    #[error("unknown address family {0}")]
    Family(u8),
    #[error("unknown transport protocol {0}")]
    Transport(u8),
    #[error("unknown sample kind {0}")]
    Kind(u8),
}

impl SampleError {
    /// Short label for the parse-error metric.
    #[must_use]
    pub const fn reason(&self) -> &'static str {
        match self {
            Self::Short(_) | Self::Truncated { .. } => "sample_truncated",
            Self::Family(_) | Self::Transport(_) | Self::Kind(_) => "sample_invalid",
        }
    }
}

/// Converts the kernel's `bpf_ktime_get_ns` (`CLOCK_MONOTONIC`) to wall-clock time.
#[derive(Clone, Copy, Debug)]
pub struct MonotonicClock {
    /// Wall-clock time at monotonic zero.
    epoch: SystemTime,
}

impl MonotonicClock {
    /// Reads both clocks now.
    #[must_use]
    pub fn now() -> Self {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: valid pointer to a timespec; CLOCK_MONOTONIC always exists on Linux.
        unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &raw mut ts) };
        let mono = Duration::new(
            u64::try_from(ts.tv_sec).unwrap_or(0),
            u32::try_from(ts.tv_nsec).unwrap_or(0),
        );
        Self::at(SystemTime::now(), mono)
    }

    /// A clock where monotonic time `mono` corresponds to wall-clock `wall`.
    #[must_use]
    pub fn at(wall: SystemTime, mono: Duration) -> Self {
        Self {
            epoch: wall.checked_sub(mono).unwrap_or(SystemTime::UNIX_EPOCH),
        }
    }

    #[must_use]
    pub fn to_system(&self, mono_ns: u64) -> SystemTime {
        self.epoch + Duration::from_nanos(mono_ns)
    }
}

/// Converts a kernel flow key to the model's.
///
/// # Errors
/// Unknown family or transport.
pub fn flow_key(key: &monitor_common::FlowKey) -> Result<FlowKey, SampleError> {
    let (src, dst) = match key.family {
        FAMILY_IPV4 => {
            let ip = |a: &[u8; 16]| IpAddr::V4(Ipv4Addr::new(a[0], a[1], a[2], a[3]));
            (ip(&key.src_addr), ip(&key.dst_addr))
        }
        FAMILY_IPV6 => (
            IpAddr::V6(Ipv6Addr::from(key.src_addr)),
            IpAddr::V6(Ipv6Addr::from(key.dst_addr)),
        ),
        other => return Err(SampleError::Family(other)),
    };
    let transport = match key.protocol {
        IPPROTO_TCP => Transport::Tcp,
        IPPROTO_UDP => Transport::Udp,
        other => return Err(SampleError::Transport(other)),
    };
    Ok(FlowKey {
        src: SocketAddr::new(src, key.src_port),
        dst: SocketAddr::new(dst, key.dst_port),
        transport,
    })
}

/// Converts a model flow key back to the kernel's layout (for map lookups and removal).
#[must_use]
pub fn kernel_key(key: &FlowKey) -> monitor_common::FlowKey {
    let mut out = monitor_common::FlowKey::ZERO;
    let put = |addr: IpAddr, slot: &mut [u8; 16]| match addr {
        IpAddr::V4(ip) => {
            slot[..4].copy_from_slice(&ip.octets());
            FAMILY_IPV4
        }
        IpAddr::V6(ip) => {
            *slot = ip.octets();
            FAMILY_IPV6
        }
    };
    out.family = put(key.src.ip(), &mut out.src_addr);
    put(key.dst.ip(), &mut out.dst_addr);
    out.src_port = key.src.port();
    out.dst_port = key.dst.port();
    out.protocol = match key.transport {
        Transport::Tcp => IPPROTO_TCP,
        Transport::Udp => IPPROTO_UDP,
    };
    out
}

/// Decodes one ring-buffer record (a [`SampleHeader`] followed by payload bytes).
///
/// # Errors
/// A record too short for its header or its claimed payload, or with unknown codes.
pub fn decode(record: &[u8], clock: &MonotonicClock) -> Result<PacketSample, SampleError> {
    let header_len = size_of::<SampleHeader>();
    if record.len() < header_len {
        return Err(SampleError::Short(record.len()));
    }
    // SAFETY: the length was checked; `read_unaligned` copes with any alignment, and every bit
    // pattern is a valid `SampleHeader` (integers and byte arrays only).
    let header: SampleHeader = unsafe { record.as_ptr().cast::<SampleHeader>().read_unaligned() };
    let claimed = usize::from(header.captured_len);
    let available = record.len() - header_len;
    if claimed > available || claimed > SAMPLE_BYTES_MAX {
        return Err(SampleError::Truncated { claimed, available });
    }
    let key = flow_key(&header.key)?;
    let kind = match header.kind {
        SAMPLE_KIND_HEAD | SAMPLE_KIND_SYN => SampleKind::Head,
        SAMPLE_KIND_PERIODIC => SampleKind::Periodic,
        other => return Err(SampleError::Kind(other)),
    };
    let tcp = (key.transport == Transport::Tcp).then_some(TcpMeta {
        seq: header.tcp_seq,
        flags: header.tcp_flags,
    });
    let payload = record
        .get(header_len..header_len + claimed)
        .map(Bytes::copy_from_slice)
        .unwrap_or_default();
    Ok(PacketSample {
        key,
        at: clock.to_system(header.ts_ns),
        tcp,
        wire_len: header.wire_len,
        payload,
        kind,
        part: header.part,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use monitor_common::{DIRECTION_EGRESS, FlowKey as KernelKey};

    use super::*;

    pub(crate) fn record(header: &SampleHeader, payload: &[u8]) -> Vec<u8> {
        // SAFETY: SampleHeader is repr(C) plain data without implicit padding.
        let bytes = unsafe {
            std::slice::from_raw_parts(
                std::ptr::from_ref(header).cast::<u8>(),
                size_of::<SampleHeader>(),
            )
        };
        let mut out = bytes.to_vec();
        out.extend_from_slice(payload);
        out
    }

    pub(crate) fn header(payload_len: u16) -> SampleHeader {
        let mut key = KernelKey::ZERO;
        key.family = FAMILY_IPV4;
        key.protocol = IPPROTO_TCP;
        key.src_addr[..4].copy_from_slice(&[198, 18, 0, 1]);
        key.dst_addr[..4].copy_from_slice(&[198, 18, 0, 2]);
        key.src_port = 40_000;
        key.dst_port = 80;
        SampleHeader {
            key,
            ts_ns: 5_000_000_000,
            ifindex: 3,
            tcp_seq: 1000,
            wire_len: u32::from(payload_len),
            captured_len: payload_len,
            tcp_flags: 0x18,
            kind: SAMPLE_KIND_HEAD,
            direction: DIRECTION_EGRESS,
            part: 0,
            padding: [0; 6],
        }
    }

    #[test]
    fn decodes_a_tcp_sample() {
        let clock = MonotonicClock::at(
            SystemTime::UNIX_EPOCH + Duration::from_secs(100),
            Duration::from_secs(10),
        );
        let rec = record(&header(5), b"hello");
        let s = decode(&rec, &clock).unwrap();
        assert_eq!(s.key.src, "198.18.0.1:40000".parse().unwrap());
        assert_eq!(s.key.dst, "198.18.0.2:80".parse().unwrap());
        assert_eq!(s.key.transport, Transport::Tcp);
        assert_eq!(s.payload.as_ref(), b"hello");
        assert_eq!(
            s.tcp,
            Some(TcpMeta {
                seq: 1000,
                flags: 0x18
            })
        );
        assert_eq!(s.kind, SampleKind::Head);
        assert_eq!(s.at, SystemTime::UNIX_EPOCH + Duration::from_secs(95));
    }

    #[test]
    fn ipv6_and_udp() {
        let mut h = header(0);
        h.key.family = FAMILY_IPV6;
        h.key.protocol = IPPROTO_UDP;
        h.key.src_addr = "2001:db8::1".parse::<Ipv6Addr>().unwrap().octets();
        let s = decode(&record(&h, &[]), &MonotonicClock::now()).unwrap();
        assert_eq!(s.key.src.ip(), "2001:db8::1".parse::<IpAddr>().unwrap());
        assert_eq!(s.key.transport, Transport::Udp);
        assert_eq!(s.tcp, None);
    }

    #[test]
    fn kernel_keys_round_trip() {
        for h in [header(0), {
            let mut h = header(0);
            h.key.family = FAMILY_IPV6;
            h.key.src_addr = "2001:db8::7".parse::<Ipv6Addr>().unwrap().octets();
            h.key.dst_addr = "fe80::1".parse::<Ipv6Addr>().unwrap().octets();
            h.key.protocol = IPPROTO_UDP;
            h
        }] {
            let model = flow_key(&h.key).unwrap();
            assert_eq!(kernel_key(&model), h.key);
        }
    }

    #[test]
    fn rejects_short_and_lying_records() {
        let clock = MonotonicClock::now();
        assert_eq!(decode(&[0; 10], &clock), Err(SampleError::Short(10)));
        let rec = record(&header(100), b"only this");
        assert_eq!(
            decode(&rec, &clock),
            Err(SampleError::Truncated {
                claimed: 100,
                available: 9
            })
        );
        let mut h = header(0);
        h.key.family = 9;
        assert_eq!(
            decode(&record(&h, &[]), &clock),
            Err(SampleError::Family(9))
        );
        let mut h = header(0);
        h.kind = 77;
        assert_eq!(decode(&record(&h, &[]), &clock), Err(SampleError::Kind(77)));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_records_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2000)) {
            let _ = decode(&bytes, &MonotonicClock::now());
        }
    }
}
