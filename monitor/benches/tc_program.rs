//! Cost per packet of the TC program, measured by the kernel itself through `BPF_PROG_TEST_RUN`
//! on an instance of its own (loaded, never attached). Needs root. Run with `cargo xtask bench`
//! or `cargo bench -p monitor --bench tc_program`.
//!
//! Scenarios: a payload packet of a flow past its head that is not sampled; a payload packet that
//! is sampled (copied into the ring buffer), in one record or, larger than one (a
//! segmentation-offload packet), in two; a pure ACK; a frame the parser rejects.

use std::{net::Ipv4Addr, time::Duration};

use monitor::capture::{Capture, packet};
use monitor_common::CaptureConfig;

const CLIENT: (Ipv4Addr, u16) = (Ipv4Addr::new(198, 18, 0, 1), 40_000);
const SERVER: (Ipv4Addr, u16) = (Ipv4Addr::new(198, 18, 0, 2), 8080);
/// Runs per `BPF_PROG_TEST_RUN` call; the kernel reports the mean.
const REPEAT: u32 = 20_000;
/// Calls per scenario; the median is reported.
const ROUNDS: usize = 15;
const RING_BYTES: u32 = 64 << 20;

fn main() -> anyhow::Result<()> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        anyhow::bail!("the TC benchmark loads BPF programs: run it as root");
    }
    let payload = b"POST /api/v1/telemetry HTTP/1.1\r\nHost: 198.18.0.2:8080\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n{\"device\":\"d-17\",\"temperature\":21.5,\"humidity\":40.2,\"ok\":true}";
    let data = packet::tcp_v4(CLIENT, SERVER, 1, 0x18, payload);
    let full = packet::tcp_v4(CLIENT, SERVER, 1, 0x18, &[b'x'; 1400]);
    // Test runs take at most about a page of packet data.
    let large = packet::tcp_v4(CLIENT, SERVER, 1, 0x18, &[b'x'; 3000]);
    let ack = packet::tcp_v4(CLIENT, SERVER, 1, 0x10, &[]);
    let mut arp = data.clone();
    arp[12..14].copy_from_slice(&[0x08, 0x06]);

    let never = CaptureConfig {
        head_packets: 0,
        sample_every: 0,
        budget_bytes_per_sec: 0,
        head_bytes: 0,
        padding: 0,
    };
    let always = CaptureConfig {
        head_packets: u32::MAX,
        sample_every: 1,
        budget_bytes_per_sec: 0,
        head_bytes: 0,
        padding: 0,
    };
    let scenarios: [(&str, CaptureConfig, &[u8]); 6] = [
        ("payload packet, not sampled", never, &data),
        ("payload packet, sampled (191 B copied)", always, &data),
        ("payload packet, sampled (1400 B copied)", always, &full),
        ("large packet, sampled (3000 B, 2 records)", always, &large),
        ("pure ACK (counters only)", never, &ack),
        ("non-IP frame (rejected by the parser)", never, &arp),
    ];

    println!("{}", machine());
    println!("BPF_PROG_TEST_RUN, tc_egress, {REPEAT} runs per call, median of {ROUNDS} calls");
    println!("{:<42} {:>12}", "scenario", "ns/packet");
    for (name, config, frame) in scenarios {
        let mut capture = Capture::load_detached(&config, RING_BYTES)?;
        // Warm up: creates the flow entry so the measured runs see an established flow.
        capture.test_run("tc_egress", frame, 1)?;
        let mut means = Vec::with_capacity(ROUNDS);
        for _ in 0..ROUNDS {
            means.push(capture.test_run("tc_egress", frame, REPEAT)?);
            // Keep the ring buffer empty so every sampled run really copies.
            capture.drain_samples(|_| {})?;
        }
        means.sort();
        let median = means.get(ROUNDS / 2).copied().unwrap_or(Duration::ZERO);
        let c = capture.counters()?;
        anyhow::ensure!(
            c.dropped_ringbuf_full == 0,
            "{name}: ring buffer overflowed: {c:?}"
        );
        println!("{name:<42} {:>12}", median.as_nanos());
    }
    Ok(())
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .and_then(|r| r.split(':').nth(1))
        })
        .map_or("unknown CPU", str::trim)
        .to_owned();
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("machine: {model}, {cores} cores, Linux {}", kernel.trim())
}
