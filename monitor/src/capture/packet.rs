//! Building Ethernet frames for `BPF_PROG_TEST_RUN`: used by the kernel benchmark and by the
//! tests that run the real TC program on crafted packets.

use std::net::Ipv4Addr;

/// One IPv4 TCP segment in an Ethernet frame. Checksums are left zero: the TC program does not
/// verify them and the test run does not transmit.
#[must_use]
pub fn tcp_v4(
    src: (Ipv4Addr, u16),
    dst: (Ipv4Addr, u16),
    seq: u32,
    flags: u8,
    payload: &[u8],
) -> Vec<u8> {
    let ip_total = 20 + 20 + payload.len();
    let mut frame = Vec::with_capacity(14 + ip_total);
    frame.extend_from_slice(&[0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00]);
    frame.extend_from_slice(&[0x45, 0]);
    frame.extend_from_slice(&u16::try_from(ip_total).unwrap_or(u16::MAX).to_be_bytes());
    frame.extend_from_slice(&[0, 1, 0x40, 0, 64, 6, 0, 0]);
    frame.extend_from_slice(&src.0.octets());
    frame.extend_from_slice(&dst.0.octets());
    frame.extend_from_slice(&src.1.to_be_bytes());
    frame.extend_from_slice(&dst.1.to_be_bytes());
    frame.extend_from_slice(&seq.to_be_bytes());
    frame.extend_from_slice(&0u32.to_be_bytes());
    frame.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    frame.extend_from_slice(payload);
    frame
}

/// One IPv4 UDP datagram in an Ethernet frame.
#[must_use]
pub fn udp_v4(src: (Ipv4Addr, u16), dst: (Ipv4Addr, u16), payload: &[u8]) -> Vec<u8> {
    let udp_len = 8 + payload.len();
    let ip_total = 20 + udp_len;
    let mut frame = Vec::with_capacity(14 + ip_total);
    frame.extend_from_slice(&[0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00]);
    frame.extend_from_slice(&[0x45, 0]);
    frame.extend_from_slice(&u16::try_from(ip_total).unwrap_or(u16::MAX).to_be_bytes());
    frame.extend_from_slice(&[0, 1, 0x40, 0, 64, 17, 0, 0]);
    frame.extend_from_slice(&src.0.octets());
    frame.extend_from_slice(&dst.0.octets());
    frame.extend_from_slice(&src.1.to_be_bytes());
    frame.extend_from_slice(&dst.1.to_be_bytes());
    frame.extend_from_slice(&u16::try_from(udp_len).unwrap_or(u16::MAX).to_be_bytes());
    frame.extend_from_slice(&[0, 0]);
    frame.extend_from_slice(payload);
    frame
}

/// One IPv6 TCP segment in an Ethernet frame.
#[must_use]
pub fn tcp_v6(
    src: (std::net::Ipv6Addr, u16),
    dst: (std::net::Ipv6Addr, u16),
    seq: u32,
    flags: u8,
    payload: &[u8],
) -> Vec<u8> {
    let l4_len = 20 + payload.len();
    let mut frame = Vec::with_capacity(14 + 40 + l4_len);
    frame.extend_from_slice(&[0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x86, 0xdd]);
    frame.extend_from_slice(&[0x60, 0, 0, 0]);
    frame.extend_from_slice(&u16::try_from(l4_len).unwrap_or(u16::MAX).to_be_bytes());
    frame.extend_from_slice(&[6, 64]);
    frame.extend_from_slice(&src.0.octets());
    frame.extend_from_slice(&dst.0.octets());
    frame.extend_from_slice(&src.1.to_be_bytes());
    frame.extend_from_slice(&dst.1.to_be_bytes());
    frame.extend_from_slice(&seq.to_be_bytes());
    frame.extend_from_slice(&0u32.to_be_bytes());
    frame.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    frame.extend_from_slice(payload);
    frame
}

/// Inserts an 802.1Q tag with `vlan` after the MAC addresses of an Ethernet frame.
#[must_use]
pub fn with_vlan(frame: &[u8], vlan: u16) -> Vec<u8> {
    let mut out = Vec::with_capacity(frame.len() + 4);
    out.extend_from_slice(frame.get(..12).unwrap_or(frame));
    out.extend_from_slice(&[0x81, 0x00]);
    out.extend_from_slice(&(vlan & 0x0fff).to_be_bytes());
    out.extend_from_slice(frame.get(12..).unwrap_or_default());
    out
}
