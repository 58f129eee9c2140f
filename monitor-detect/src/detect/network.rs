//! IPv4, IPv6 and MAC address shapes.

use std::net::Ipv6Addr;

/// Length of a dotted-quad IPv4 address at the start of `s` (each part 0..=255, no leading
/// zeros), or `None`.
pub(crate) fn ipv4_len(s: &[u8]) -> Option<usize> {
    let mut pos = 0;
    for part in 0..4 {
        if part > 0 {
            if s.get(pos) != Some(&b'.') {
                return None;
            }
            pos += 1;
        }
        let digits = s
            .get(pos..)?
            .iter()
            .take(4)
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 || digits > 3 {
            return None;
        }
        let text = s.get(pos..pos + digits)?;
        if digits > 1 && text.first() == Some(&b'0') {
            return None;
        }
        let value: u32 = text
            .iter()
            .fold(0, |acc, &d| acc * 10 + u32::from(d - b'0'));
        if value > 255 {
            return None;
        }
        pos += digits;
    }
    Some(pos)
}

/// Whether `address` (an IPv4 or IPv6 address as written) can name no device of a person's:
/// "this network" (`0.0.0.0/8`, `::`), loopback (`127.0.0.0/8`, `::1`), multicast and the
/// reserved and broadcast space above it (`224.0.0.0/3`, `ff00::/8`). A server binds to them and
/// announces them (`"bound_address": "0.0.0.0:9200"`); no traffic comes from a person there.
pub(crate) fn names_no_device(address: &[u8]) -> bool {
    let text = std::str::from_utf8(address).unwrap_or_default();
    if let Ok(v4) = text.parse::<std::net::Ipv4Addr>() {
        let first = v4.octets()[0];
        return first == 0 || first == 127 || first >= 224;
    }
    text.parse::<Ipv6Addr>()
        .is_ok_and(|v6| v6.is_unspecified() || v6.is_loopback() || v6.segments()[0] >> 8 == 0xff)
}

/// Length of an IPv6 address at the start of `s` (full or `::`-compressed, any case, optional
/// `%zone`), or `None`.
pub(crate) fn ipv6_len(s: &[u8]) -> Option<usize> {
    let len = s
        .iter()
        .take(45)
        .take_while(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.'))
        .count();
    let mut candidate = s.get(..len)?;
    // Trailing ':' or '.' belong to the surrounding text, except a final "::".
    while candidate.len() > 2
        && (candidate.ends_with(b".") || (candidate.ends_with(b":") && !candidate.ends_with(b"::")))
    {
        candidate = candidate.get(..candidate.len() - 1)?;
    }
    let colons = memchr::memchr_iter(b':', candidate).count();
    if colons < 2 {
        return None;
    }
    let text = std::str::from_utf8(candidate).ok()?;
    // Require either compression or all eight groups: "12:30:45" is a time. Checked before the
    // parse, which most times and version strings would reach otherwise.
    let groups = text.split(':').count();
    if !text.contains("::") && groups < 8 {
        return None;
    }
    text.parse::<Ipv6Addr>().ok()?;
    // Bare "::" and "::1" are not a person's address, nor is any address written with fewer
    // than four hex digits (`e::8`, `1::2`): every routed or link-local prefix (`2001:db8`,
    // `fe80`) has more, and such short runs turn up by chance in binary payloads.
    if candidate.iter().filter(|b| b.is_ascii_hexdigit()).count() < 4 {
        return None;
    }
    let mut end = candidate.len();
    if s.get(end) == Some(&b'%') {
        end += 1 + s
            .get(end + 1..)?
            .iter()
            .take(16)
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
    }
    Some(end)
}

/// Length of a MAC address at the start of `s`: `aa:bb:cc:dd:ee:ff`, `aa-bb-...` or Cisco
/// `aabb.ccdd.eeff`.
pub(crate) fn mac_len(s: &[u8]) -> Option<usize> {
    let hex = |i: usize| s.get(i).is_some_and(u8::is_ascii_hexdigit);
    let sep = s.get(2).copied();
    if matches!(sep, Some(b':' | b'-')) {
        let ok = (0..6)
            .all(|g| hex(g * 3) && hex(g * 3 + 1) && (g == 5 || s.get(g * 3 + 2).copied() == sep));
        if ok {
            // Mixed case within one address is not how devices print MACs.
            let text = s.get(..17)?;
            let upper = text.iter().any(u8::is_ascii_uppercase);
            let lower = text.iter().any(u8::is_ascii_lowercase);
            return (!(upper && lower)).then_some(17);
        }
        return None;
    }
    if s.get(4) == Some(&b'.') {
        let ok = (0..3)
            .all(|g| (0..4).all(|k| hex(g * 5 + k)) && (g == 2 || s.get(g * 5 + 4) == Some(&b'.')));
        return ok.then_some(14);
    }
    None
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn addresses_no_person_s_device_has() {
        for address in [
            "0.0.0.0",
            "127.0.0.1",
            "127.1.2.3",
            "224.0.0.251",
            "255.255.255.255",
            "::",
            "::1",
            "ff02::fb",
        ] {
            assert!(names_no_device(address.as_bytes()), "{address}");
        }
        for address in [
            "10.0.0.5",
            "81.2.69.160",
            "192.168.1.20",
            "169.254.10.1",
            "2001:db8::1",
            "fe80::1",
        ] {
            assert!(!names_no_device(address.as_bytes()), "{address}");
        }
    }

    #[test]
    fn shapes() {
        assert_eq!(ipv4_len(b"192.168.1.10 x"), Some(12));
        assert_eq!(ipv4_len(b"256.1.1.1"), None);
        assert_eq!(ipv4_len(b"01.2.3.4"), None);
        assert_eq!(ipv6_len(b"2001:db8::1 x"), Some(11));
        assert_eq!(ipv6_len(b"FE80::1C2D:3E4F:5A6B:7C8D%eth0"), Some(30));
        assert_eq!(ipv6_len(b"12:30:45"), None);
        assert_eq!(ipv6_len(b"fe80::1"), Some(7));
        // Too few hex digits for a routed or link-local address: chance bytes of a binary
        // payload.
        assert_eq!(ipv6_len(b"e::8"), None);
        assert_eq!(ipv6_len(b"::1"), None);
        assert_eq!(mac_len(b"ee:dc:6c:30:0c:86"), Some(17));
        assert_eq!(mac_len(b"00-17-88-E1-BB-97"), Some(17));
        assert_eq!(mac_len(b"0017.88e1.bb97"), Some(14));
        assert_eq!(mac_len(b"ee:dc:6c:30:0c"), None);
    }

    proptest! {
        #[test]
        fn ipv4_round_trip(a: u8, b: u8, c: u8, d: u8) {
            let s = format!("{a}.{b}.{c}.{d}");
            prop_assert_eq!(ipv4_len(s.as_bytes()), Some(s.len()));
        }

        #[test]
        fn ipv6_round_trip(words: [u16; 8]) {
            let addr = Ipv6Addr::from(words);
            let s = addr.to_string();
            let hex_digits = s.bytes().filter(u8::is_ascii_hexdigit).count();
            if !s.contains('.') {
                let expected = (hex_digits >= 4).then_some(s.len());
                prop_assert_eq!(ipv6_len(s.as_bytes()), expected);
            }
        }

        #[test]
        fn never_panic(input in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = (ipv4_len(&input), ipv6_len(&input), mac_len(&input));
        }
    }
}
