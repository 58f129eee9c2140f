//! Kernel capture: loads the programs of `monitor-ebpf`, attaches them, and reads their maps and
//! ring buffer. This is the only stage that needs a kernel; everything after it takes
//! [`PacketSample`](crate::model::PacketSample)s.
//!
//! Minimum kernel: 5.8 (ring buffer), with tcx attachment from 6.6 (older kernels get a clsact
//! qdisc and netlink attachment).

mod cgroup;
pub mod packet;
pub mod sample;

use std::{
    fs::File,
    path::{Path, PathBuf},
};

use aya::{
    Ebpf, EbpfLoader,
    maps::{Array, HashMap, MapData, PerCpuArray, RingBuf},
    programs::{
        CgroupAttachMode, CgroupSkb, CgroupSkbAttachType, SchedClassifier, TcAttachType, tc,
    },
};
use monitor_common::{CaptureConfig, FlowKey, FlowStats, SocketInfo, counter};
use tokio::io::unix::AsyncFd;
use tracing::{debug, info, warn};

pub use self::cgroup::cgroup2_mount;

/// The compiled kernel programs, built by `build.rs` through aya-build.
static EBPF_OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/monitor"));

/// Errors of the capture stage, with the object they concern.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("loading the eBPF object failed (are you root, with CAP_BPF and CAP_PERFMON?)")]
    Load(#[source] Box<aya::EbpfError>),
    #[error("program `{0}` is missing from the eBPF object")]
    MissingProgram(&'static str),
    #[error("map `{0}` is missing from the eBPF object")]
    MissingMap(&'static str),
    #[error("program `{name}`: {source}")]
    Program {
        name: &'static str,
        #[source]
        source: Box<aya::programs::ProgramError>,
    },
    #[error("attaching `{program}` to interface `{iface}` ({direction}) failed")]
    AttachTc {
        program: &'static str,
        iface: String,
        direction: &'static str,
        #[source]
        source: Box<aya::programs::ProgramError>,
    },
    #[error("no cgroup v2 mount found in /proc/mounts (mount one, or pass --cgroup PATH)")]
    NoCgroup2,
    #[error("opening cgroup `{path}`")]
    OpenCgroup {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("map `{name}`: {source}")]
    Map {
        name: &'static str,
        #[source]
        source: Box<aya::maps::MapError>,
    },
    #[error("watching the ring buffer")]
    RingBufFd(#[source] std::io::Error),
}

/// What to attach and how much to sample.
#[derive(Clone, Debug)]
pub struct CaptureOptions {
    /// Interfaces watched in both directions.
    pub interfaces: Vec<String>,
    pub sampling: CaptureConfig,
    /// Ring buffer size in bytes (a power-of-two multiple of the page size).
    pub ringbuf_bytes: u32,
    /// cgroup v2 directory for the socket program; `None` finds the v2 root in /proc/mounts.
    pub cgroup: Option<PathBuf>,
    /// Skip the socket-layer program (for hosts that forbid cgroup attachment).
    pub without_cgroup: bool,
}

/// Summed values of the kernel's per-CPU counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KernelCounterValues {
    pub packets: u64,
    pub samples: u64,
    pub dropped_ringbuf_full: u64,
    pub dropped_budget: u64,
    pub dropped_load_failed: u64,
    pub not_parsed: u64,
    pub flow_map_full: u64,
}

/// Loaded and attached programs. Dropping it detaches everything (tcx and cgroup links are owned
/// by this process and go away with their file descriptors).
pub struct Capture {
    ebpf: Ebpf,
    /// Reader of the kernel programs' aya-log records, until [`Capture::take_kernel_log`].
    logger: Option<aya_log::EbpfLogger<&'static dyn log::Log>>,
    /// Interfaces attached, with the direction, for status and logs.
    attached: Vec<String>,
    cgroup: Option<PathBuf>,
}

const TC_PROGRAMS: [(&str, TcAttachType, &str); 2] = [
    ("tc_ingress", TcAttachType::Ingress, "ingress"),
    ("tc_egress", TcAttachType::Egress, "egress"),
];
const SOCKET_PROGRAM: &str = "socket_egress";

impl Capture {
    fn new(mut ebpf: Ebpf) -> Self {
        // The logger must be created before the programs are loaded, and kept: dropping it closes
        // the log map. Without it the programs still work; their rare log lines are lost.
        let logger = aya_log::EbpfLogger::init(&mut ebpf)
            .inspect_err(|err| warn!(error = %err, "kernel log records will not be read"))
            .ok();
        Self {
            ebpf,
            logger,
            attached: Vec::new(),
            cgroup: None,
        }
    }

    /// Loads the programs, writes the sampling configuration and attaches everything.
    ///
    /// # Errors
    /// Any load, map or attach failure; what was attached before the failure is detached again
    /// when the partially built value is dropped.
    pub fn start(options: &CaptureOptions) -> Result<Self, CaptureError> {
        raise_memlock_limit();
        let ebpf = EbpfLoader::new()
            .map_max_entries("SAMPLES", options.ringbuf_bytes)
            .load(EBPF_OBJECT)
            .map_err(|e| CaptureError::Load(Box::new(e)))?;
        let mut capture = Self::new(ebpf);
        capture.write_config(&options.sampling)?;
        for iface in &options.interfaces {
            capture.attach_tc(iface)?;
        }
        if !options.without_cgroup {
            let path = if let Some(p) = &options.cgroup {
                p.clone()
            } else {
                let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
                cgroup2_mount(&mounts).ok_or(CaptureError::NoCgroup2)?
            };
            capture.attach_cgroup(&path)?;
        }
        Ok(capture)
    }

    /// Loads the programs and writes the configuration without attaching anything: an instance
    /// of its own for `BPF_PROG_TEST_RUN` (benchmarks and kernel tests), invisible to traffic.
    ///
    /// # Errors
    /// Load or map failures.
    pub fn load_detached(
        sampling: &CaptureConfig,
        ringbuf_bytes: u32,
    ) -> Result<Self, CaptureError> {
        raise_memlock_limit();
        let ebpf = EbpfLoader::new()
            .map_max_entries("SAMPLES", ringbuf_bytes)
            .load(EBPF_OBJECT)
            .map_err(|e| CaptureError::Load(Box::new(e)))?;
        let mut capture = Self::new(ebpf);
        capture.write_config(sampling)?;
        for (name, _, _) in TC_PROGRAMS {
            let program = tc_program(&mut capture.ebpf, name)?;
            program.load().map_err(|source| CaptureError::Program {
                name,
                source: Box::new(source),
            })?;
        }
        Ok(capture)
    }

    /// Runs a loaded TC program (`tc_ingress` or `tc_egress`) on `frame`, `repeat` times, through
    /// `BPF_PROG_TEST_RUN`. Returns the kernel's mean duration per run.
    ///
    /// # Errors
    /// The program is missing or the test run fails.
    pub fn test_run(
        &mut self,
        name: &'static str,
        frame: &[u8],
        repeat: u32,
    ) -> Result<std::time::Duration, CaptureError> {
        use aya::programs::{TestRun as _, TestRunOptions};
        let program = tc_program(&mut self.ebpf, name)?;
        let result = program
            .test_run(TestRunOptions {
                data_in: Some(frame),
                repeat,
                ..Default::default()
            })
            .map_err(|source| CaptureError::Program {
                name,
                source: Box::new(source),
            })?;
        Ok(result.duration)
    }

    /// Reads every record currently in the ring buffer, synchronously (for test runs).
    ///
    /// # Errors
    /// The ring buffer map is missing or was taken.
    pub fn drain_samples(&mut self, mut each: impl FnMut(&[u8])) -> Result<usize, CaptureError> {
        let map = self
            .ebpf
            .map_mut("SAMPLES")
            .ok_or(CaptureError::MissingMap("SAMPLES"))?;
        let mut ring = RingBuf::try_from(map).map_err(|source| CaptureError::Map {
            name: "SAMPLES",
            source: Box::new(source),
        })?;
        let mut n = 0;
        while let Some(item) = ring.next() {
            each(&item);
            n += 1;
        }
        Ok(n)
    }

    fn write_config(&mut self, config: &CaptureConfig) -> Result<(), CaptureError> {
        let map = self
            .ebpf
            .map_mut("CONFIG")
            .ok_or(CaptureError::MissingMap("CONFIG"))?;
        let mut array: Array<&mut MapData, CaptureConfig> =
            Array::try_from(map).map_err(|source| CaptureError::Map {
                name: "CONFIG",
                source: Box::new(source),
            })?;
        array.set(0, config, 0).map_err(|source| CaptureError::Map {
            name: "CONFIG",
            source: Box::new(source),
        })
    }

    fn attach_tc(&mut self, iface: &str) -> Result<(), CaptureError> {
        for (name, attach_type, direction) in TC_PROGRAMS {
            let program = tc_program(&mut self.ebpf, name)?;
            if program.fd().is_err() {
                program.load().map_err(|source| CaptureError::Program {
                    name,
                    source: Box::new(source),
                })?;
            }
            let attached = program.attach(iface, attach_type).or_else(|first| {
                // Kernels before 6.6 attach through netlink and need a clsact qdisc; adding
                // one that exists already fails harmlessly.
                debug!(iface, error = %first, "tc attach failed; adding clsact qdisc and retrying");
                let _ = tc::qdisc_add_clsact(iface);
                program.attach(iface, attach_type)
            });
            attached.map_err(|source| CaptureError::AttachTc {
                program: name,
                iface: iface.to_owned(),
                direction,
                source: Box::new(source),
            })?;
            info!(iface, direction, "attached TC program");
        }
        self.attached.push(iface.to_owned());
        Ok(())
    }

    fn attach_cgroup(&mut self, path: &Path) -> Result<(), CaptureError> {
        let program: &mut CgroupSkb = self
            .ebpf
            .program_mut(SOCKET_PROGRAM)
            .ok_or(CaptureError::MissingProgram(SOCKET_PROGRAM))?
            .try_into()
            .map_err(|source| CaptureError::Program {
                name: SOCKET_PROGRAM,
                source: Box::new(source),
            })?;
        program.load().map_err(|source| CaptureError::Program {
            name: SOCKET_PROGRAM,
            source: Box::new(source),
        })?;
        let cgroup = File::open(path).map_err(|source| CaptureError::OpenCgroup {
            path: path.to_owned(),
            source,
        })?;
        program
            .attach(
                &cgroup,
                CgroupSkbAttachType::Egress,
                CgroupAttachMode::Single,
            )
            .map_err(|source| CaptureError::Program {
                name: SOCKET_PROGRAM,
                source: Box::new(source),
            })?;
        info!(cgroup = %path.display(), "attached socket-layer program");
        self.cgroup = Some(path.to_owned());
        Ok(())
    }

    /// Interfaces with TC programs attached.
    #[must_use]
    pub fn interfaces(&self) -> &[String] {
        &self.attached
    }

    /// The cgroup the socket program is attached to, if any.
    #[must_use]
    pub fn cgroup(&self) -> Option<&Path> {
        self.cgroup.as_deref()
    }

    /// Takes the ring buffer out of the object, ready for async reading.
    ///
    /// # Errors
    /// The map is missing (already taken) or cannot be registered with the reactor.
    pub fn take_samples(&mut self) -> Result<SampleReader, CaptureError> {
        let map = self
            .ebpf
            .take_map("SAMPLES")
            .ok_or(CaptureError::MissingMap("SAMPLES"))?;
        let ring = RingBuf::try_from(map).map_err(|source| CaptureError::Map {
            name: "SAMPLES",
            source: Box::new(source),
        })?;
        // SAFETY: the ring buffer owns its map fd and keeps it open, unchanged, for as long as
        // it lives, and the AsyncFd owns the ring buffer.
        let fd = unsafe { AsyncFd::register_with_interest(ring, tokio::io::Interest::READABLE) }
            .map_err(|e| CaptureError::RingBufFd(e.into_parts().1))?;
        Ok(SampleReader { fd })
    }

    /// Takes the reader of the kernel programs' log records, ready for async reading.
    ///
    /// # Errors
    /// The reader cannot be registered with the reactor.
    pub fn take_kernel_log(&mut self) -> Result<Option<KernelLog>, CaptureError> {
        let Some(logger) = self.logger.take() else {
            return Ok(None);
        };
        // SAFETY: the logger owns its ring buffer's fd and keeps it open, unchanged, for as long
        // as it lives, and the AsyncFd owns the logger.
        let fd = unsafe { AsyncFd::register_with_interest(logger, tokio::io::Interest::READABLE) }
            .map_err(|e| CaptureError::RingBufFd(e.into_parts().1))?;
        Ok(Some(KernelLog { fd }))
    }

    /// Sums the per-CPU counters.
    ///
    /// # Errors
    /// The counters map cannot be read.
    pub fn counters(&self) -> Result<KernelCounterValues, CaptureError> {
        let map = self
            .ebpf
            .map("COUNTERS")
            .ok_or(CaptureError::MissingMap("COUNTERS"))?;
        let array: PerCpuArray<&MapData, u64> =
            PerCpuArray::try_from(map).map_err(|source| CaptureError::Map {
                name: "COUNTERS",
                source: Box::new(source),
            })?;
        let read = |index: u32| -> Result<u64, CaptureError> {
            let values = array.get(&index, 0).map_err(|source| CaptureError::Map {
                name: "COUNTERS",
                source: Box::new(source),
            })?;
            Ok(values.iter().fold(0u64, |sum, v| sum.wrapping_add(*v)))
        };
        Ok(KernelCounterValues {
            packets: read(counter::PACKETS)?,
            samples: read(counter::SAMPLES)?,
            dropped_ringbuf_full: read(counter::DROP_RINGBUF_FULL)?,
            dropped_budget: read(counter::DROP_BUDGET)?,
            dropped_load_failed: read(counter::DROP_LOAD_FAILED)?,
            not_parsed: read(counter::NOT_PARSED)?,
            flow_map_full: read(counter::FLOW_MAP_FULL)?,
        })
    }

    /// Every flow direction the TC programs count, with the socket attribution when the
    /// socket-layer program recorded one.
    ///
    /// # Errors
    /// The flows map cannot be read. Entries evicted while iterating are skipped.
    pub fn flows(&self) -> Result<Vec<(FlowKey, FlowStats, Option<SocketInfo>)>, CaptureError> {
        let map = self
            .ebpf
            .map("FLOWS")
            .ok_or(CaptureError::MissingMap("FLOWS"))?;
        let flows: HashMap<&MapData, FlowKey, FlowStats> =
            HashMap::try_from(map).map_err(|source| CaptureError::Map {
                name: "FLOWS",
                source: Box::new(source),
            })?;
        let sockets: Option<HashMap<&MapData, FlowKey, SocketInfo>> = self
            .ebpf
            .map("SOCKETS")
            .and_then(|m| HashMap::try_from(m).ok());
        let mut out = Vec::new();
        for entry in &flows {
            let Ok((key, stats)) = entry else { continue };
            let socket = sockets.as_ref().and_then(|s| s.get(&key, 0).ok());
            out.push((key, stats, socket));
        }
        Ok(out)
    }
}

impl Capture {
    /// Removes flow directions from the kernel maps (counters and socket attribution), so that a
    /// later connection on the same 5-tuple is sampled from its head again.
    ///
    /// # Errors
    /// The flows map cannot be opened; keys already gone are not an error.
    pub fn forget_flows(&mut self, keys: &[FlowKey]) -> Result<(), CaptureError> {
        if keys.is_empty() {
            return Ok(());
        }
        remove_keys::<FlowStats>(&mut self.ebpf, "FLOWS", keys)?;
        remove_keys::<SocketInfo>(&mut self.ebpf, "SOCKETS", keys)
    }
}

/// Removes `keys` from the flow-keyed hash map `name` with values `V`, if the programs have it.
fn remove_keys<V: aya::Pod>(
    ebpf: &mut Ebpf,
    name: &'static str,
    keys: &[FlowKey],
) -> Result<(), CaptureError> {
    let Some(map) = ebpf.map_mut(name) else {
        return Ok(());
    };
    let mut map: HashMap<&mut MapData, FlowKey, V> =
        HashMap::try_from(map).map_err(|source| CaptureError::Map {
            name,
            source: Box::new(source),
        })?;
    for key in keys {
        let _ = map.remove(key);
    }
    Ok(())
}

impl Drop for Capture {
    fn drop(&mut self) {
        info!(interfaces = ?self.attached, "detaching kernel programs");
    }
}

/// One of the TC programs of the object, typed.
fn tc_program<'a>(
    ebpf: &'a mut Ebpf,
    name: &'static str,
) -> Result<&'a mut SchedClassifier, CaptureError> {
    ebpf.program_mut(name)
        .ok_or(CaptureError::MissingProgram(name))?
        .try_into()
        .map_err(|source| CaptureError::Program {
            name,
            source: Box::new(source),
        })
}

/// Async reader of the samples ring buffer.
pub struct SampleReader {
    fd: AsyncFd<RingBuf<MapData>>,
}

impl SampleReader {
    /// Waits until records are available, then hands every one of them to `each`. Drains the
    /// buffer completely before clearing readiness, so no wake-up is lost.
    ///
    /// # Errors
    /// The reactor failed.
    pub async fn read_batch(&mut self, mut each: impl FnMut(&[u8])) -> Result<usize, CaptureError> {
        let mut guard = self
            .fd
            .readable_mut()
            .await
            .map_err(CaptureError::RingBufFd)?;
        let ring = guard.get_inner_mut();
        let mut n = 0;
        while let Some(item) = ring.next() {
            each(&item);
            n += 1;
        }
        guard.clear_ready();
        Ok(n)
    }
}

/// Async reader of the kernel programs' aya-log records; forwards them to `tracing` through the
/// `log` bridge.
pub struct KernelLog {
    fd: AsyncFd<aya_log::EbpfLogger<&'static dyn log::Log>>,
}

impl KernelLog {
    /// Waits for records and forwards all of them.
    ///
    /// # Errors
    /// The reactor failed.
    pub async fn forward(&mut self) -> Result<(), CaptureError> {
        let mut guard = self
            .fd
            .readable_mut()
            .await
            .map_err(CaptureError::RingBufFd)?;
        let logger = guard.get_inner_mut();
        // aya-log's reader unwraps on a record it cannot decode; our own programs write every
        // record, but a bad one must not take the daemon down.
        let flushed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| logger.flush()));
        if flushed.is_err() {
            warn!("dropped an undecodable kernel log record");
        }
        guard.clear_ready();
        Ok(())
    }
}

/// Kernels before 5.11 charge BPF memory to `RLIMIT_MEMLOCK`; later ones use memory cgroups.
fn raise_memlock_limit() {
    let limit = libc::rlimit {
        rlim_cur: libc::RLIM_INFINITY,
        rlim_max: libc::RLIM_INFINITY,
    };
    // SAFETY: valid pointer to an initialised rlimit.
    let ret = unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &raw const limit) };
    if ret != 0 {
        warn!("could not raise RLIMIT_MEMLOCK; loading may fail on kernels before 5.11");
    }
}

/// Tests against the real kernel: the TC program loaded on its own (nothing attached), run on
/// crafted frames through `BPF_PROG_TEST_RUN`. They need root (`CAP_BPF`); outside CI they skip
/// with a message when not root, in CI (`CI` set) they fail.
#[cfg(test)]
mod kernel_tests {
    use std::net::Ipv4Addr;

    use monitor_common::SAMPLE_BYTES_MAX;

    use super::{
        sample::{MonotonicClock, decode},
        *,
    };
    use crate::model::SampleKind;

    const CLIENT: (Ipv4Addr, u16) = (Ipv4Addr::new(198, 18, 0, 1), 40_000);
    const SERVER: (Ipv4Addr, u16) = (Ipv4Addr::new(198, 18, 0, 2), 8080);

    fn load(config: CaptureConfig) -> Option<Capture> {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            assert!(
                std::env::var_os("CI").is_none(),
                "kernel tests must run as root in CI"
            );
            eprintln!("skipping kernel test: not root");
            return None;
        }
        Some(Capture::load_detached(&config, 1 << 20).expect("load TC programs"))
    }

    fn samples(capture: &mut Capture) -> Vec<crate::model::PacketSample> {
        let clock = MonotonicClock::now();
        let mut out = Vec::new();
        capture
            .drain_samples(|r| out.push(decode(r, &clock).expect("valid record")))
            .unwrap();
        out
    }

    #[test]
    fn samples_flow_heads_then_one_in_n() {
        let config = CaptureConfig {
            head_packets: 2,
            sample_every: 3,
            budget_bytes_per_sec: 0,
            head_bytes: 0,
            padding: 0,
        };
        let Some(mut capture) = load(config) else {
            return;
        };
        let syn = packet::tcp_v4(CLIENT, SERVER, 999, 0x02, &[]);
        capture.test_run("tc_egress", &syn, 1).unwrap();
        for i in 0..8u32 {
            let body = format!("POST /x HTTP/1.1\r\nX-Seq: {i}\r\n\r\n");
            let frame = packet::tcp_v4(CLIENT, SERVER, 1000 + i * 100, 0x18, body.as_bytes());
            capture.test_run("tc_egress", &frame, 1).unwrap();
        }
        let got = samples(&mut capture);
        // SYN, heads 0 and 1, then indexes 2, 5 (every third after the head).
        assert_eq!(got.len(), 5, "{got:?}");
        assert!(got[0].payload.is_empty());
        assert_eq!(got[0].tcp.unwrap().flags & 0x02, 0x02);
        assert_eq!(got[1].kind, SampleKind::Head);
        assert!(got[1].payload.starts_with(b"POST /x HTTP/1.1\r\nX-Seq: 0"));
        assert_eq!(got[2].tcp.unwrap().seq, 1100);
        assert_eq!(got[3].kind, SampleKind::Periodic);
        assert_eq!(got[3].tcp.unwrap().seq, 1200);
        assert_eq!(got[4].tcp.unwrap().seq, 1500);
        assert_eq!(got[1].key.src, "198.18.0.1:40000".parse().unwrap());
        let counters = capture.counters().unwrap();
        assert_eq!(counters.packets, 9);
        assert_eq!(counters.samples, 5);
        let flows = capture.flows().unwrap();
        assert_eq!(flows.len(), 1);
        assert_eq!(flows[0].1.packets, 9);
        assert_eq!(flows[0].1.payload_packets, 8);
        assert_eq!(flows[0].1.payload_bytes, 8 * 30, "eight 30-byte requests");
    }

    #[test]
    fn samples_every_packet_of_a_direction_s_leading_bytes() {
        // A set-up of small packets (AMQP's connection and channel opening, a database's
        // authentication) runs past the head by count; the message after it is still within the
        // head by bytes. Later packets fall back to 1 in N.
        let config = CaptureConfig {
            head_packets: 2,
            sample_every: 4,
            budget_bytes_per_sec: 0,
            head_bytes: 300,
            padding: 0,
        };
        let Some(mut capture) = load(config) else {
            return;
        };
        // Ten 40-byte packets (bytes 0 to 399), then one of 1000 bytes and two more small ones.
        let mut seq = 5000;
        let mut sizes = vec![40_u32; 10];
        sizes.extend([1000, 40, 40]);
        for (i, &size) in sizes.iter().enumerate() {
            let body = vec![b'a' + u8::try_from(i).unwrap(); size as usize];
            let frame = packet::tcp_v4(CLIENT, SERVER, seq, 0x18, &body);
            capture.test_run("tc_egress", &frame, 1).unwrap();
            seq += size;
        }
        let got = samples(&mut capture);
        let seqs: Vec<u32> = got.iter().map(|s| s.tcp.unwrap().seq - 5000).collect();
        // Packets starting at bytes 0 to 280 (under 300) are head samples; index 8 (byte 320) is
        // not; after the head of 2, indexes 2, 6 and 10 are periodic, of which only 10 (the
        // large packet, at byte 400) comes after the leading bytes.
        assert_eq!(seqs, [0, 40, 80, 120, 160, 200, 240, 280, 400], "{got:?}");
        assert!(got[..8].iter().all(|s| s.kind == SampleKind::Head));
        assert_eq!(got[8].kind, SampleKind::Periodic);
        let flows = capture.flows().unwrap();
        assert_eq!(flows[0].1.payload_bytes, 1480);
    }

    #[test]
    fn parses_ipv6_vlan_and_udp() {
        let Some(mut capture) = load(CaptureConfig::default()) else {
            return;
        };
        let a: std::net::Ipv6Addr = "2001:db8::1".parse().unwrap();
        let b: std::net::Ipv6Addr = "2001:db8::2".parse().unwrap();
        let v6 = packet::tcp_v6((a, 50_000), (b, 443), 7, 0x18, b"\x16\x03\x01hello");
        capture
            .test_run("tc_egress", &packet::with_vlan(&v6, 42), 1)
            .unwrap();
        let udp = packet::udp_v4(CLIENT, SERVER, b"{\"t\":21.5}");
        capture.test_run("tc_ingress", &udp, 1).unwrap();
        let got = samples(&mut capture);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].key.src, "[2001:db8::1]:50000".parse().unwrap());
        assert_eq!(got[0].key.dst, "[2001:db8::2]:443".parse().unwrap());
        assert_eq!(got[0].payload.as_ref(), b"\x16\x03\x01hello");
        assert_eq!(got[0].tcp.unwrap().seq, 7);
        assert_eq!(got[1].key.transport, crate::model::Transport::Udp);
        assert_eq!(got[1].payload.as_ref(), b"{\"t\":21.5}");
        assert_eq!(capture.counters().unwrap().not_parsed, 0);
    }

    #[test]
    fn ipv6_extension_headers_are_walked_to_the_transport_header() {
        let Some(mut capture) = load(CaptureConfig::default()) else {
            return;
        };
        let a: std::net::Ipv6Addr = "2001:db8::1".parse().unwrap();
        let b: std::net::Ipv6Addr = "2001:db8::2".parse().unwrap();
        let v6 = packet::tcp_v6((a, 50_000), (b, 80), 7, 0x18, b"GET / HTTP/1.1\r\n\r\n");
        // Options headers of 8 and 16 bytes (PadN), a routing header, a first fragment and an
        // authentication header (RFC 4302: 16 bytes, length field 2).
        let options = |len_units: u8| {
            let mut h = vec![0, len_units, 1, 4 + 8 * len_units];
            h.resize(8 * (usize::from(len_units) + 1), 0);
            (h.len(), h)
        };
        let (_, hop_by_hop) = options(0);
        let (_, destination) = options(1);
        let routing = vec![0, 0, 4, 0, 0, 0, 0, 0];
        let first_fragment = vec![0, 0, 0, 1, 0, 0, 0, 42];
        let mut authentication = vec![0, 2];
        authentication.resize(16, 0);
        let walked = packet::with_ipv6_extensions(
            &v6,
            &[
                (0, hop_by_hop.clone()),
                (60, destination),
                (43, routing),
                (44, first_fragment),
                (51, authentication),
            ],
        );
        capture.test_run("tc_egress", &walked, 1).unwrap();
        // A later fragment has no transport header, ESP hides it: neither is parsed.
        let later_fragment =
            packet::with_ipv6_extensions(&v6, &[(44, vec![0, 0, 0x05, 0x39, 0, 0, 0, 42])]);
        let esp = packet::with_ipv6_extensions(&v6, &[(0, hop_by_hop), (50, vec![0; 16])]);
        for frame in [&later_fragment, &esp] {
            capture.test_run("tc_egress", frame, 1).unwrap();
        }
        let got = samples(&mut capture);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].key.src, "[2001:db8::1]:50000".parse().unwrap());
        assert_eq!(got[0].key.dst, "[2001:db8::2]:80".parse().unwrap());
        assert_eq!(got[0].payload.as_ref(), b"GET / HTTP/1.1\r\n\r\n");
        assert_eq!(got[0].wire_len, 18);
        let c = capture.counters().unwrap();
        assert_eq!((c.packets, c.not_parsed), (3, 2), "{c:?}");
    }

    #[test]
    fn a_packet_larger_than_a_record_is_copied_in_parts() {
        let Some(mut capture) = load(CaptureConfig::default()) else {
            return;
        };
        // Test runs take at most about a page of packet data: 3,200 bytes make three parts.
        let big: Vec<u8> = (0..3200_u32).map(|i| (i % 251) as u8).collect();
        let frame = packet::tcp_v4(CLIENT, SERVER, 1, 0x18, &big);
        capture.test_run("tc_ingress", &frame, 1).unwrap();
        let got = samples(&mut capture);
        let parts: Vec<(u8, u32, u32, usize)> = got
            .iter()
            .map(|s| (s.part, s.tcp.unwrap().seq, s.wire_len, s.payload.len()))
            .collect();
        let max = SAMPLE_BYTES_MAX;
        let max_u32 = u32::try_from(max).unwrap();
        assert_eq!(
            parts,
            vec![
                (0, 1, max_u32, max),
                (1, 1 + max_u32, max_u32, max),
                (2, 1 + 2 * max_u32, 200, 200),
            ]
        );
        let joined: Vec<u8> = got.iter().flat_map(|s| s.payload.to_vec()).collect();
        assert_eq!(joined, big, "the parts are the packet's bytes, in order");
        let c = capture.counters().unwrap();
        assert_eq!((c.packets, c.samples), (1, 3), "{c:?}");
        let flows = capture.flows().unwrap();
        assert_eq!(
            flows[0].1.payload_packets, 1,
            "one packet, whatever its parts"
        );
    }

    #[test]
    fn budget_and_full_ring_are_counted_not_silent() {
        let config = CaptureConfig {
            head_packets: 1_000,
            sample_every: 1,
            budget_bytes_per_sec: 3_000,
            ..CaptureConfig::default()
        };
        let Some(mut capture) = load(config) else {
            return;
        };
        let frame = packet::tcp_v4(CLIENT, SERVER, 1, 0x18, &[b'x'; 1000]);
        // The bucket starts empty and refills at 3000 B/s: a burst of 50 runs in well under a
        // second can afford only a few samples.
        capture.test_run("tc_egress", &frame, 50).unwrap();
        let c = capture.counters().unwrap();
        assert_eq!(c.samples + c.dropped_budget, 50, "{c:?}");
        assert!(c.dropped_budget > 40, "{c:?}");

        // A 4 KiB ring holds only two full records: the rest must be counted as ringbuf_full.
        let config = CaptureConfig {
            head_packets: 1_000,
            sample_every: 1,
            budget_bytes_per_sec: 0,
            ..CaptureConfig::default()
        };
        let mut capture = Capture::load_detached(&config, 4096).unwrap();
        capture.test_run("tc_egress", &frame, 20).unwrap();
        let c = capture.counters().unwrap();
        assert_eq!(c.samples + c.dropped_ringbuf_full, 20, "{c:?}");
        assert!(c.dropped_ringbuf_full >= 17, "{c:?}");
    }

    #[test]
    fn malformed_frames_are_counted_and_pass() {
        let Some(mut capture) = load(CaptureConfig::default()) else {
            return;
        };
        let good = packet::tcp_v4(CLIENT, SERVER, 1, 0x18, b"hello");
        // Truncated inside the TCP header, a non-IP ethertype, an IPv4 header with IHL 3, and a
        // UDP datagram whose length field lies.
        let mut bad_ihl = good.clone();
        bad_ihl[14] = 0x43;
        let mut arp = good.clone();
        arp[12..14].copy_from_slice(&[0x08, 0x06]);
        let mut lying_udp = packet::udp_v4(CLIENT, SERVER, b"abc");
        lying_udp[16..18].copy_from_slice(&10u16.to_be_bytes());
        for frame in [
            &good[..40],
            &arp[..],
            &bad_ihl[..],
            &lying_udp[..],
            &[0u8; 14][..],
        ] {
            capture.test_run("tc_egress", frame, 1).unwrap();
        }
        let c = capture.counters().unwrap();
        assert_eq!(c.packets, 5);
        assert_eq!(c.not_parsed, 5, "{c:?}");
        assert_eq!(samples(&mut capture).len(), 0);
    }
}
