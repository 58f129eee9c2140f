//! E-mail addresses (RFC 5321 dot-atoms as they occur in traffic).

/// Bytes allowed in the local part of an address.
/// UTF-8 bytes (>= 0x80) are allowed: internationalised addresses (RFC 6531) occur.
const fn is_local(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80 || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-' | b'\'')
}

const fn is_domain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80 || matches!(b, b'.' | b'-')
}

/// The address around the `@` at `at`, as a span of `s`; `None` if it is not an address or is a
/// Message-ID (`<uuid@host>`).
pub(crate) fn email_at(s: &[u8], at: usize) -> Option<(usize, usize)> {
    let before = s.get(..at)?;
    let local_len = before
        .iter()
        .rev()
        .take(64)
        .take_while(|&&b| is_local(b))
        .count();
    let mut start = at - local_len;
    // Leading dots, quotes or escapes belong to the surrounding text.
    while start < at && matches!(s.get(start), Some(b'.' | b'\'' | b'%' | b'+' | b'-')) {
        start += 1;
    }
    // Bytes >= 0x80 count only as whole UTF-8 letters: binary framing (a msgpack length byte)
    // before the address is not part of it.
    while start < at
        && s.get(start..at)
            .and_then(|l| std::str::from_utf8(l).ok())
            .and_then(|l| l.chars().next())
            .is_none_or(|c| !c.is_alphanumeric())
    {
        start += 1;
    }
    let local = s.get(start..at)?;
    if local.is_empty() || local.ends_with(b".") || local.windows(2).any(|w| w == b"..") {
        return None;
    }
    let after = s.get(at + 1..)?;
    let mut domain_len = after
        .iter()
        .take(253)
        .take_while(|&&b| is_domain(b))
        .count();
    // Trailing dots, dashes and bytes that are not whole UTF-8 letters (binary framing after
    // the address) are not part of the domain.
    while domain_len > 0
        && after
            .get(..domain_len)
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| d.chars().next_back())
            .is_none_or(|c| !c.is_alphanumeric())
    {
        domain_len -= 1;
    }
    let domain = after.get(..domain_len)?;
    let tld_start = domain.iter().rposition(|&b| b == b'.')? + 1;
    let tld = domain.get(tld_start..)?;
    if tld.len() < 2 || !tld.iter().all(u8::is_ascii_alphabetic) || domain.starts_with(b".") {
        return None;
    }
    if domain
        .windows(2)
        .any(|w| w == b".." || w == b".-" || w == b"-.")
    {
        return None;
    }
    if is_message_id(local) {
        return None;
    }
    Some((start, at + 1 + domain_len))
}

/// Whether the local part `start..at` of an address is the telephone subscriber of a SIP URI
/// (RFC 3261 19.1.1, `sip:+4930123456@pbx.example.net;user=phone`): a number, written with
/// digits, `+` and visual separators, right after `sip:` or `sips:`.
pub(crate) fn is_sip_telephone_user(s: &[u8], start: usize, at: usize) -> bool {
    // The address leaves a leading `+` out.
    let start = start - usize::from(start > 0 && s.get(start - 1) == Some(&b'+'));
    let user = s.get(start..at).unwrap_or_default();
    let scheme = |name: &[u8]| {
        start
            .checked_sub(name.len())
            .and_then(|from| s.get(from..start))
            .is_some_and(|written| written.eq_ignore_ascii_case(name))
    };
    (scheme(b"sip:") || scheme(b"sips:"))
        && user.iter().filter(|c| c.is_ascii_digit()).count() >= 3
        && user
            .iter()
            .all(|&c| c.is_ascii_digit() || matches!(c, b'+' | b'-' | b'.' | b'(' | b')'))
}

/// Message-IDs and similar tokens: a UUID or a long hex/random run as the local part.
fn is_message_id(local: &[u8]) -> bool {
    let hex_or_dash = local.iter().all(|b| b.is_ascii_hexdigit() || *b == b'-');
    let hex_digits = local.iter().filter(|b| b.is_ascii_hexdigit()).count();
    hex_or_dash && hex_digits >= 16 && local.iter().any(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn find(s: &str) -> Option<&str> {
        let at = s.find('@')?;
        email_at(s.as_bytes(), at).map(|(a, b)| &s[a..b])
    }

    #[test]
    fn addresses() {
        assert_eq!(find("\u{b1}lena@web.de"), Some("lena@web.de"));
        assert_eq!(find("jürgen@example.com"), Some("jürgen@example.com"));
        let framed = b"\x22p.paffrath@gmx.de\xfc\x04{";
        assert_eq!(email_at(framed, 11), Some((1, 18)));
        assert_eq!(find("to=anna.schmidt@web.de,"), Some("anna.schmidt@web.de"));
        assert_eq!(
            find("<m.jacobi+test@hotmail.nl>"),
            Some("m.jacobi+test@hotmail.nl")
        );
        assert_eq!(
            find("<55e25f4e-ef1a-420f-a819-0f038f9187d1@mx.example.net>"),
            None
        );
        assert_eq!(find("trace-id@7b4243746f8cb3a0"), None);
        assert_eq!(find("user@localhost"), None);
    }

    proptest! {
        #[test]
        fn never_panics(s in "[a-z0-9.@%+-]{0,40}") {
            for (i, b) in s.bytes().enumerate() {
                if b == b'@'
                    && let Some((a, e)) = email_at(s.as_bytes(), i)
                {
                    prop_assert!(a < i && e <= s.len());
                }
            }
        }

        #[test]
        fn finds_generated(local in "[a-z][a-z0-9._]{0,10}[a-z0-9]", domain in "[a-z]{2,10}", tld in "[a-z]{2,4}") {
            let s = format!(" {local}@{domain}.{tld} ");
            let at = s.find('@').unwrap();
            prop_assume!(!local.contains(".."));
            prop_assert_eq!(email_at(s.as_bytes(), at), Some((1, s.len() - 1)));
        }
    }
}
