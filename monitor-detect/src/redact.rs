//! Redaction: renders a value so that a human can tell what kind of value it was, but nobody can
//! recover it. Each rendering keeps at most a few characters that carry little information alone
//! (an initial, a top-level domain, the last digits of a card as printed on receipts).

use crate::DataType;

/// Redacted rendering of `value` (decoded or wire form) as the given type.
#[must_use]
pub fn redact(data_type: DataType, value: &[u8]) -> String {
    let text = String::from_utf8_lossy(value);
    let text = text.trim();
    match data_type {
        DataType::Email => redact_email(text),
        DataType::CreditCard => rendered("****-****-****-", last_digits(text, 4), ""),
        DataType::Iban => {
            let country = text.chars().filter(char::is_ascii_alphabetic).take(2);
            let masked = "** **** **** **".chars();
            rendered("", country.chain(masked).chain(last_digits(text, 2)), "")
        }
        DataType::Phone => rendered("+** *** ***", last_digits(text, 2), ""),
        DataType::Ipv4 => {
            let first = text.split('.').next().unwrap_or_default();
            rendered("", digits(first).take(3), ".*.*.*")
        }
        DataType::Ipv6 => {
            let first = text.split(':').next().unwrap_or_default();
            let first: String = first
                .chars()
                .filter(char::is_ascii_hexdigit)
                .take(4)
                .collect();
            format!("{first}:****:…")
        }
        DataType::MacAddress => {
            // The first three octets name the vendor (OUI), not the device.
            let hex: String = text
                .chars()
                .filter(char::is_ascii_hexdigit)
                .take(6)
                .collect();
            let mut out = String::new();
            for (i, pair) in hex.as_bytes().chunks(2).enumerate() {
                if i > 0 {
                    out.push(':');
                }
                out.push_str(&String::from_utf8_lossy(pair).to_ascii_uppercase());
            }
            out.push_str(":**:**:**");
            out
        }
        // The type allocation code (first 8 digits) names the device model, not the device.
        DataType::Imei => rendered("", digits(text).take(8), "*******"),
        DataType::GpsCoordinates => "**.*****,**.*****".to_owned(),
        DataType::PersonName => redact_name(text),
        DataType::DateOfBirth => "****-**-**".to_owned(),
        DataType::NationalId | DataType::PassportNumber => {
            rendered("******", last_chars(text, 2), "")
        }
        DataType::Jwt => format!("eyJ***.***.*** ({} bytes)", value.len()),
        DataType::PostalAddress => format!("*** ({} chars)", text.chars().count()),
    }
}

fn redact_email(text: &str) -> String {
    let Some((local, domain)) = text.rsplit_once('@') else {
        return "***@***".to_owned();
    };
    let initial = |s: &str| s.chars().find(char::is_ascii_alphanumeric).unwrap_or('*');
    let tld = domain.rsplit_once('.').map_or("", |(_, tld)| tld);
    let mut out = String::with_capacity(10 + tld.len());
    out.push(initial(local));
    out.push_str("***@");
    out.push(initial(domain));
    out.push_str("***.");
    // A top-level domain identifies nobody; keep it whole (the longest in use have 24 letters).
    out.extend(tld.chars().filter(char::is_ascii_alphabetic).take(24));
    out
}

fn redact_name(text: &str) -> String {
    let mut out = String::new();
    for word in text
        .split(|c: char| c.is_whitespace() || c == ',' || c == '+')
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push(word.chars().next().unwrap_or('*'));
        out.push_str("***");
    }
    if out.is_empty() {
        out.push_str("***");
    }
    out
}

/// `prefix`, the kept characters, then `suffix`, in one allocation.
fn rendered(prefix: &str, kept: impl Iterator<Item = char>, suffix: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + suffix.len() + 8);
    out.push_str(prefix);
    out.extend(kept);
    out.push_str(suffix);
    out
}

fn digits(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars().filter(char::is_ascii_digit)
}

/// The last `n` digits of `text`.
fn last_digits(text: &str, n: usize) -> impl Iterator<Item = char> + '_ {
    digits(text).skip(digits(text).count().saturating_sub(n))
}

/// The last `n` alphanumerics of `text`, none when it has at most `3 * n`.
fn last_chars(text: &str, n: usize) -> impl Iterator<Item = char> + '_ {
    let alphanumerics = || text.chars().filter(char::is_ascii_alphanumeric);
    let count = alphanumerics().count();
    let skip = if count <= n * 3 { count } else { count - n };
    alphanumerics().skip(skip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_keeps_initials_and_tld_only() {
        assert_eq!(
            redact(DataType::Email, b"john.doe@example.com"),
            "j***@e***.com"
        );
        assert_eq!(
            redact(DataType::Email, b"q.v@m2m-fixture.example"),
            "q***@m***.example"
        );
    }

    #[test]
    fn card_keeps_last_four() {
        assert_eq!(
            redact(DataType::CreditCard, b"4111 1111 1111 1111"),
            "****-****-****-1111"
        );
    }

    #[test]
    fn name_keeps_initials() {
        assert_eq!(
            redact(DataType::PersonName, "Jürgen Müller".as_bytes()),
            "J*** M***"
        );
    }

    #[test]
    fn short_ids_reveal_nothing() {
        assert_eq!(redact(DataType::NationalId, b"1234"), "******");
    }

    proptest::proptest! {
        /// Each rendering keeps what its type allows and nothing more, whatever the separators.
        #[test]
        fn renderings_keep_only_their_allowance(value in "[0-9A-Za-z .@,+-]{0,40}") {
            let kept = |filter: fn(&char) -> bool| -> Vec<char> {
                value.trim().chars().filter(filter).collect()
            };
            let digits = kept(char::is_ascii_digit);
            let last = |chars: &[char], n: usize| -> String {
                chars[chars.len().saturating_sub(n)..].iter().collect()
            };
            let bytes = value.as_bytes();
            proptest::prop_assert_eq!(
                redact(DataType::CreditCard, bytes),
                format!("****-****-****-{}", last(&digits, 4))
            );
            proptest::prop_assert_eq!(
                redact(DataType::Phone, bytes),
                format!("+** *** ***{}", last(&digits, 2))
            );
            let first: String = digits.iter().take(8).collect();
            proptest::prop_assert_eq!(redact(DataType::Imei, bytes), format!("{first}*******"));
            let alphanumerics = kept(char::is_ascii_alphanumeric);
            let tail = if alphanumerics.len() <= 6 { String::new() } else { last(&alphanumerics, 2) };
            proptest::prop_assert_eq!(redact(DataType::NationalId, bytes), format!("******{tail}"));
        }
    }
}
