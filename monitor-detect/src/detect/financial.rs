//! IBAN, payment card and IMEI validation.

use super::checksum::{luhn, mod97};

/// IBAN length per country (ISO 13616 registry).
const IBAN_LENGTHS: &[(&[u8; 2], usize)] = &[
    (b"AD", 24),
    (b"AE", 23),
    (b"AL", 28),
    (b"AT", 20),
    (b"AZ", 28),
    (b"BA", 20),
    (b"BE", 16),
    (b"BG", 22),
    (b"BH", 22),
    (b"BR", 29),
    (b"BY", 28),
    (b"CH", 21),
    (b"CR", 22),
    (b"CY", 28),
    (b"CZ", 24),
    (b"DE", 22),
    (b"DK", 18),
    (b"DO", 28),
    (b"EE", 20),
    (b"EG", 29),
    (b"ES", 24),
    (b"FI", 18),
    (b"FO", 18),
    (b"FR", 27),
    (b"GB", 22),
    (b"GE", 22),
    (b"GI", 23),
    (b"GL", 18),
    (b"GR", 27),
    (b"GT", 28),
    (b"HR", 21),
    (b"HU", 28),
    (b"IE", 22),
    (b"IL", 23),
    (b"IQ", 23),
    (b"IS", 26),
    (b"IT", 27),
    (b"JO", 30),
    (b"KW", 30),
    (b"KZ", 20),
    (b"LB", 28),
    (b"LC", 32),
    (b"LI", 21),
    (b"LT", 20),
    (b"LU", 20),
    (b"LV", 21),
    (b"MC", 27),
    (b"MD", 24),
    (b"ME", 22),
    (b"MK", 19),
    (b"MR", 27),
    (b"MT", 31),
    (b"MU", 30),
    (b"NL", 18),
    (b"NO", 15),
    (b"PK", 24),
    (b"PL", 28),
    (b"PS", 29),
    (b"PT", 25),
    (b"QA", 29),
    (b"RO", 24),
    (b"RS", 22),
    (b"SA", 24),
    (b"SC", 31),
    (b"SE", 24),
    (b"SI", 19),
    (b"SK", 24),
    (b"SM", 27),
    (b"ST", 25),
    (b"SV", 28),
    (b"TL", 23),
    (b"TN", 24),
    (b"TR", 26),
    (b"UA", 29),
    (b"VA", 22),
    (b"VG", 24),
    (b"XK", 20),
];

/// Validates a compact IBAN (no spaces): country length, check digits, mod 97 == 1.
pub(crate) fn valid_iban(compact: &[u8]) -> bool {
    let (Some(cc), Some(check)) = (compact.get(..2), compact.get(2..4)) else {
        return false;
    };
    let Some(&(_, len)) = IBAN_LENGTHS.iter().find(|(c, _)| c.as_slice() == cc) else {
        return false;
    };
    // Check digits run 02..=98 (ISO 7064 MOD 97-10).
    if compact.len() != len
        || !check.iter().all(u8::is_ascii_digit)
        || matches!(check, b"00" | b"01" | b"99")
    {
        return false;
    }
    let bban = compact.get(4..).unwrap_or_default();
    if !bban
        .iter()
        .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
    {
        return false;
    }
    mod97(bban.iter().chain(cc).chain(check).copied()) == Some(1)
}

/// Card issuer of a digit string, by IIN range and length; `None` for unknown ranges.
pub(crate) fn card_issuer(digits: &[u8]) -> Option<&'static str> {
    // Every range below opens with 2 to 6 (epoch timestamps, which open with 1, end here).
    if !matches!(digits.first(), Some(b'2'..=b'6')) {
        return None;
    }
    let len = digits.len();
    // The first `n` digits as a number (0 when there are fewer).
    let prefix = |n: usize| -> u32 {
        digits.get(..n).map_or(0, |p| {
            p.iter()
                .fold(0, |acc, &d| acc * 10 + u32::from(d.wrapping_sub(b'0')))
        })
    };
    let p2 = prefix(2);
    let p3 = prefix(3);
    let p4 = prefix(4);
    let p6 = prefix(6);
    if digits.first() == Some(&b'4') && matches!(len, 13 | 16 | 19) {
        return Some("visa");
    }
    if ((51..=55).contains(&p2) || (222_100..=272_099).contains(&p6)) && len == 16 {
        return Some("mastercard");
    }
    if matches!(p2, 34 | 37) && len == 15 {
        return Some("amex");
    }
    if (p4 == 6011 || p2 == 65 || (644..=649).contains(&p3) || (622_126..=622_925).contains(&p6))
        && (16..=19).contains(&len)
    {
        return Some("discover");
    }
    if (3528..=3589).contains(&p4) && (16..=19).contains(&len) {
        return Some("jcb");
    }
    if (matches!(
        p4,
        5018 | 5020 | 5038 | 5893 | 6304 | 6759 | 6761 | 6762 | 6763
    )) && (12..=19).contains(&len)
    {
        return Some("maestro");
    }
    if (300..=305).contains(&p3) || matches!(p2, 36 | 38) && (14..=19).contains(&len) {
        return Some("diners");
    }
    None
}

/// Validates a card number written compact or grouped by single spaces or dashes.
pub(crate) fn valid_card(digits: &[u8]) -> bool {
    (MIN_CARD_DIGITS..=19).contains(&digits.len()) && card_issuer(digits).is_some() && luhn(digits)
}

/// Fewest digits of a card number; an IMEI has more (15).
pub(crate) const MIN_CARD_DIGITS: usize = 13;

/// Reporting-body identifiers (first two TAC digits) that real type allocation codes use.
const TAC_REPORTING_BODIES: &[&[u8; 2]] = &[
    b"01", b"10", b"30", b"33", b"35", b"44", b"45", b"49", b"50", b"51", b"52", b"53", b"54",
    b"86", b"91", b"98", b"99",
];

/// Validates an IMEI: 15 digits, Luhn, and a TAC from a real reporting body.
pub(crate) fn valid_imei(digits: &[u8]) -> bool {
    digits.len() == 15
        && digits
            .get(..2)
            .is_some_and(|rb| TAC_REPORTING_BODIES.iter().any(|t| t.as_slice() == rb))
        && luhn(digits)
}

/// Lengths of the digit groups of `text` (separators are any non-digits).
fn group_lengths(text: &[u8]) -> Vec<usize> {
    text.split(|b| !b.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .map(<[u8]>::len)
        .collect()
}

/// Whether a card number is written as cards are printed: compact, 4-4-4-4(-3), or Amex 4-6-5.
pub(crate) fn card_grouping(text: &[u8]) -> bool {
    let groups = group_lengths(text);
    matches!(
        groups.as_slice(),
        [_] | [4, 4, 4, 1..=4] | [4, 4, 4, 4, 3] | [4, 6, 4 | 5]
    )
}

/// Whether an IMEI is written compact or as `AA-BBBBBB-CCCCCC-D`.
pub(crate) fn imei_grouping(text: &[u8]) -> bool {
    matches!(
        group_lengths(text).as_slice(),
        [15] | [2, 6, 6, 1] | [8, 6, 1]
    )
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn ibans() {
        assert!(valid_iban(b"DE89370400440532013000"));
        assert!(valid_iban(b"GB29NWBK60161331926819"));
        assert!(!valid_iban(b"DE89370400440532013001"));
        assert!(!valid_iban(b"DE8937040044053201300"));
    }

    #[test]
    fn cards_and_imeis() {
        assert!(valid_card(b"4111111111111111"));
        assert!(valid_card(b"378282246310005"));
        assert!(!valid_card(b"1234567812345670"));
        assert!(valid_imei(b"490154203237518"));
        assert!(!valid_imei(b"490154203237519"));
        assert!(card_grouping(b"4111 1111 1111 1111"));
        assert!(!card_grouping(b"41 1111111111111 11"));
        assert!(imei_grouping(b"49-015420-323751-8"));
    }

    proptest! {
        #[test]
        fn iban_never_panics(s in "[A-Z0-9]{0,40}") {
            let _ = valid_iban(s.as_bytes());
        }

        #[test]
        fn iban_rejects_swapped_check_digits(s in "DE[0-9]{20}") {
            // At most one of the 100 check-digit values is right.
            let valid = (0..100).filter(|c| {
                let mut v = s.clone().into_bytes();
                v[2] = b'0' + c / 10; v[3] = b'0' + c % 10;
                valid_iban(&v)
            }).count();
            prop_assert!(valid <= 1);
        }

        #[test]
        fn card_and_imei_never_panic(s in "[0-9 -]{0,25}") {
            let d: Vec<u8> = s.bytes().filter(u8::is_ascii_digit).collect();
            let _ = (valid_card(&d), valid_imei(&d), card_grouping(s.as_bytes()), imei_grouping(s.as_bytes()));
        }
    }
}
