//! Building Ethernet frames for `BPF_PROG_TEST_RUN`: used by the kernel benchmark and by the
//! tests that run the real TC program on crafted packets.

use std::net::Ipv4Addr;

const ETH_IPV4: [u8; 14] = [0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00];
const ETH_IPV6: [u8; 14] = [0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x86, 0xdd];

fn be16(n: usize) -> [u8; 2] {
    u16::try_from(n).unwrap_or(u16::MAX).to_be_bytes()
}

/// Ethernet and IPv4 headers for `l4_len` bytes of `protocol`.
fn ipv4_frame(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, l4_len: usize) -> Vec<u8> {
    let mut frame = Vec::with_capacity(14 + 20 + l4_len);
    frame.extend_from_slice(&ETH_IPV4);
    frame.extend_from_slice(&[0x45, 0]);
    frame.extend_from_slice(&be16(20 + l4_len));
    frame.extend_from_slice(&[0, 1, 0x40, 0, 64, protocol, 0, 0]);
    frame.extend_from_slice(&src.octets());
    frame.extend_from_slice(&dst.octets());
    frame
}

/// A 20-byte TCP header (no options) followed by `payload`.
fn tcp_segment(frame: &mut Vec<u8>, ports: (u16, u16), seq: u32, flags: u8, payload: &[u8]) {
    frame.extend_from_slice(&ports.0.to_be_bytes());
    frame.extend_from_slice(&ports.1.to_be_bytes());
    frame.extend_from_slice(&seq.to_be_bytes());
    frame.extend_from_slice(&0u32.to_be_bytes());
    frame.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    frame.extend_from_slice(payload);
}

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
    let mut frame = ipv4_frame(src.0, dst.0, 6, 20 + payload.len());
    tcp_segment(&mut frame, (src.1, dst.1), seq, flags, payload);
    frame
}

/// One IPv4 UDP datagram in an Ethernet frame.
#[must_use]
pub fn udp_v4(src: (Ipv4Addr, u16), dst: (Ipv4Addr, u16), payload: &[u8]) -> Vec<u8> {
    let udp_len = 8 + payload.len();
    let mut frame = ipv4_frame(src.0, dst.0, 17, udp_len);
    frame.extend_from_slice(&src.1.to_be_bytes());
    frame.extend_from_slice(&dst.1.to_be_bytes());
    frame.extend_from_slice(&be16(udp_len));
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
    frame.extend_from_slice(&ETH_IPV6);
    frame.extend_from_slice(&[0x60, 0, 0, 0]);
    frame.extend_from_slice(&be16(l4_len));
    frame.extend_from_slice(&[6, 64]);
    frame.extend_from_slice(&src.0.octets());
    frame.extend_from_slice(&dst.0.octets());
    tcp_segment(&mut frame, (src.1, dst.1), seq, flags, payload);
    frame
}

/// An IPv6 frame (untagged, as [`tcp_v6`] makes it) with extension headers inserted after its
/// fixed header. Each header is given whole; its first byte (the next header) is filled in so
/// that the headers chain in order to the frame's transport protocol, and the payload length
/// grows by their size.
#[must_use]
pub fn with_ipv6_extensions(frame: &[u8], headers: &[(u8, Vec<u8>)]) -> Vec<u8> {
    const FIXED_END: usize = 14 + 40;
    let mut out = frame.get(..FIXED_END).unwrap_or(frame).to_vec();
    let transport = out.get(20).copied().unwrap_or(0);
    let mut next_slot = 20;
    let mut added = 0;
    for (kind, header) in headers {
        if let Some(slot) = out.get_mut(next_slot) {
            *slot = *kind;
        }
        next_slot = out.len();
        out.extend_from_slice(header);
        added += header.len();
    }
    if let Some(slot) = out.get_mut(next_slot) {
        *slot = transport;
    }
    let payload_len = frame
        .get(18..20)
        .map_or(0, |b| usize::from(u16::from_be_bytes([b[0], b[1]])));
    if let Some(field) = out.get_mut(18..20) {
        field.copy_from_slice(&be16(payload_len + added));
    }
    out.extend_from_slice(frame.get(FIXED_END..).unwrap_or_default());
    out
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
