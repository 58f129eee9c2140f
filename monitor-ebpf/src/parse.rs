//! Bounds-checked header parsing over a [`PacketBytes`] source: direct packet access when the
//! headers are in the skb's linear area (the common case, and much cheaper), or
//! `bpf_skb_load_bytes` for non-linear skbs and for program types without direct access.

use core::mem::size_of;

use aya_ebpf::programs::sk_buff::SkBuff;
use monitor_common::{FAMILY_IPV4, FAMILY_IPV6, FlowKey, IPPROTO_TCP, IPPROTO_UDP};

const ETH_HDR_LEN: usize = 14;
const ETH_P_IPV4: u16 = 0x0800;
const ETH_P_IPV6: u16 = 0x86DD;
const ETH_P_8021Q: u16 = 0x8100;
const ETH_P_8021AD: u16 = 0x88A8;
const IPV6_HDR_LEN: usize = 40;
const UDP_HDR_LEN: usize = 8;
// IPv6 extension headers (RFC 8200, RFC 4302).
const IPPROTO_HOPOPTS: u8 = 0;
const IPPROTO_ROUTING: u8 = 43;
const IPPROTO_FRAGMENT: u8 = 44;
const IPPROTO_AH: u8 = 51;
const IPPROTO_DSTOPTS: u8 = 60;
/// Most IPv6 extension headers walked before the transport header; a packet with more is not
/// parsed. Hop-by-hop, destination options (twice), routing and fragment headers make five.
const MAX_IPV6_EXTENSIONS: usize = 5;

/// A packet's flow key and where its transport payload is.
pub struct Parsed {
    pub key: FlowKey,
    /// Offset of the first payload byte from the start of the packet data.
    pub payload_offset: usize,
    /// Payload bytes according to the IP/UDP length fields (trailing link padding excluded).
    pub payload_len: u32,
    pub tcp_seq: u32,
    pub tcp_flags: u8,
}

/// Where header bytes come from.
pub trait PacketBytes {
    /// The `T` at `offset` from the start of the packet, or `None` past the end.
    fn read<T: Copy>(&self, offset: usize) -> Option<T>;
}

/// Direct packet access to the skb's linear area (`data .. data_end`): a plain load after a
/// bounds check the verifier can follow (the blixt `ptr_at` pattern).
pub struct Linear {
    start: usize,
    end: usize,
}

impl Linear {
    #[inline(always)]
    pub fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }
}

impl PacketBytes for Linear {
    #[inline(always)]
    fn read<T: Copy>(&self, offset: usize) -> Option<T> {
        let at = self.start + offset;
        if at + size_of::<T>() > self.end {
            return None;
        }
        // SAFETY: `at .. at + size_of::<T>()` lies inside the packet's linear area, checked just
        // above; `read_unaligned` copes with any alignment.
        Some(unsafe { (at as *const T).read_unaligned() })
    }
}

impl PacketBytes for SkBuff {
    #[inline(always)]
    fn read<T: Copy>(&self, offset: usize) -> Option<T> {
        self.load::<T>(offset).ok()
    }
}

#[inline(always)]
fn load<T: Copy>(skb: &impl PacketBytes, offset: usize) -> Option<T> {
    skb.read::<T>(offset)
}

#[inline(always)]
fn load_be16(skb: &impl PacketBytes, offset: usize) -> Option<u16> {
    load::<u16>(skb, offset).map(u16::from_be)
}

/// Parses an Ethernet frame (with up to two VLAN tags).
#[inline(always)]
pub fn ethernet(skb: &impl PacketBytes) -> Option<Parsed> {
    let mut ethertype = load_be16(skb, 12)?;
    let mut l3 = ETH_HDR_LEN;
    // Two iterations cover 802.1ad outer + 802.1Q inner tags; written out so the loop is bounded.
    if ethertype == ETH_P_8021Q || ethertype == ETH_P_8021AD {
        ethertype = load_be16(skb, l3 + 2)?;
        l3 += 4;
        if ethertype == ETH_P_8021Q || ethertype == ETH_P_8021AD {
            ethertype = load_be16(skb, l3 + 2)?;
            l3 += 4;
        }
    }
    match ethertype {
        ETH_P_IPV4 => ipv4(skb, l3),
        ETH_P_IPV6 => ipv6(skb, l3),
        _ => None,
    }
}

/// Parses from an IP header at offset 0 (`cgroup_skb` programs see the network header first).
#[inline(always)]
pub fn ip(skb: &impl PacketBytes) -> Option<Parsed> {
    match load::<u8>(skb, 0)? >> 4 {
        4 => ipv4(skb, 0),
        6 => ipv6(skb, 0),
        _ => None,
    }
}

#[inline(always)]
fn ipv4(skb: &impl PacketBytes, l3: usize) -> Option<Parsed> {
    let version_ihl = load::<u8>(skb, l3)?;
    if version_ihl >> 4 != 4 {
        return None;
    }
    let ihl = usize::from(version_ihl & 0x0f) * 4;
    if ihl < 20 {
        return None;
    }
    let total_len = usize::from(load_be16(skb, l3 + 2)?);
    // Later fragments carry no transport header.
    if load_be16(skb, l3 + 6)? & 0x1fff != 0 {
        return None;
    }
    let protocol = load::<u8>(skb, l3 + 9)?;
    let src = load::<[u8; 4]>(skb, l3 + 12)?;
    let dst = load::<[u8; 4]>(skb, l3 + 16)?;
    let mut key = FlowKey::ZERO;
    key.family = FAMILY_IPV4;
    key.protocol = protocol;
    key.src_addr[..4].copy_from_slice(&src);
    key.dst_addr[..4].copy_from_slice(&dst);
    let l4_len = total_len.checked_sub(ihl)?;
    transport(skb, key, l3 + ihl, l4_len)
}

#[inline(always)]
fn ipv6(skb: &impl PacketBytes, l3: usize) -> Option<Parsed> {
    if load::<u8>(skb, l3)? >> 4 != 6 {
        return None;
    }
    let payload_len = usize::from(load_be16(skb, l3 + 4)?);
    let mut protocol = load::<u8>(skb, l3 + 6)?;
    // Extension headers between the fixed header and TCP/UDP, each naming the next; ESP and
    // "no next header" end the walk with no transport header to parse.
    let mut l4 = l3 + IPV6_HDR_LEN;
    let mut extensions_len = 0;
    for _ in 0..MAX_IPV6_EXTENSIONS {
        if !matches!(
            protocol,
            IPPROTO_HOPOPTS | IPPROTO_ROUTING | IPPROTO_DSTOPTS | IPPROTO_FRAGMENT | IPPROTO_AH
        ) {
            break;
        }
        // The next header and the length byte, read as one: at a variable offset a one-byte
        // read compiles to a bounds check the verifier cannot follow.
        let [next, length] = load::<[u8; 2]>(skb, l4)?;
        let len = match protocol {
            IPPROTO_FRAGMENT => {
                // Later fragments carry no transport header.
                if load_be16(skb, l4 + 2)? & 0xfff8 != 0 {
                    return None;
                }
                8
            }
            IPPROTO_AH => (usize::from(length) + 2) * 4,
            _ => (usize::from(length) + 1) * 8,
        };
        protocol = next;
        l4 += len;
        extensions_len += len;
    }
    let mut key = FlowKey::ZERO;
    key.family = FAMILY_IPV6;
    key.protocol = protocol;
    key.src_addr = load::<[u8; 16]>(skb, l3 + 8)?;
    key.dst_addr = load::<[u8; 16]>(skb, l3 + 24)?;
    transport(skb, key, l4, payload_len.checked_sub(extensions_len)?)
}

#[inline(always)]
fn transport(skb: &impl PacketBytes, mut key: FlowKey, l4: usize, l4_len: usize) -> Option<Parsed> {
    key.src_port = load_be16(skb, l4)?;
    key.dst_port = load_be16(skb, l4 + 2)?;
    match key.protocol {
        IPPROTO_TCP => {
            let tcp_seq = u32::from_be(load::<u32>(skb, l4 + 4)?);
            let header_len = usize::from(load::<u8>(skb, l4 + 12)? >> 4) * 4;
            let tcp_flags = load::<u8>(skb, l4 + 13)?;
            let payload_len = l4_len.checked_sub(header_len)?;
            Some(Parsed {
                key,
                payload_offset: l4 + header_len,
                payload_len: payload_len as u32,
                tcp_seq,
                tcp_flags,
            })
        }
        IPPROTO_UDP => Some(Parsed {
            key,
            payload_offset: l4 + UDP_HDR_LEN,
            payload_len: l4_len.checked_sub(UDP_HDR_LEN)? as u32,
            tcp_seq: 0,
            tcp_flags: 0,
        }),
        _ => None,
    }
}
