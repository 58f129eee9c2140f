//! IBAN, payment card and IMEI validation.

use super::checksum::{luhn, mod97};

/// BBAN structure per country (the SWIFT IBAN registry, as python-stdnum 2.2's `iban.dat`
/// spells it): groups of `<count>!<class>`, class `n` digits, `a` uppercase letters, `c` both.
/// The IBAN's length is 4 plus the counts.
const IBAN_FORMATS: &[(&[u8; 2], &[u8])] = &[
    (b"AD", b"4!n4!n12!c"),
    (b"AE", b"3!n16!n"),
    (b"AL", b"8!n16!c"),
    (b"AT", b"5!n11!n"),
    (b"AZ", b"4!a20!c"),
    (b"BA", b"3!n3!n8!n2!n"),
    (b"BE", b"3!n7!n2!n"),
    (b"BG", b"4!a4!n2!n8!c"),
    (b"BH", b"4!a14!c"),
    (b"BI", b"5!n5!n11!n2!n"),
    (b"BR", b"8!n5!n10!n1!a1!c"),
    (b"BY", b"4!c4!n16!c"),
    (b"CH", b"5!n12!c"),
    (b"CR", b"4!n14!n"),
    (b"CY", b"3!n5!n16!c"),
    (b"CZ", b"4!n16!n"),
    (b"DE", b"8!n10!n"),
    (b"DJ", b"5!n5!n11!n2!n"),
    (b"DK", b"4!n9!n1!n"),
    (b"DO", b"4!c20!n"),
    (b"EE", b"2!n14!n"),
    (b"EG", b"4!n4!n17!n"),
    (b"ES", b"4!n4!n1!n1!n10!n"),
    (b"FI", b"3!n11!n"),
    (b"FK", b"2!a12!n"),
    (b"FO", b"4!n9!n1!n"),
    (b"FR", b"5!n5!n11!c2!n"),
    (b"GB", b"4!a6!n8!n"),
    (b"GE", b"2!a16!n"),
    (b"GI", b"4!a15!c"),
    (b"GL", b"4!n9!n1!n"),
    (b"GR", b"3!n4!n16!c"),
    (b"GT", b"4!c20!c"),
    (b"HN", b"4!a20!n"),
    (b"HR", b"7!n10!n"),
    (b"HU", b"3!n4!n1!n15!n1!n"),
    (b"IE", b"4!a6!n8!n"),
    (b"IL", b"3!n3!n13!n"),
    (b"IQ", b"4!a3!n12!n"),
    (b"IS", b"4!n2!n6!n10!n"),
    (b"IT", b"1!a5!n5!n12!c"),
    (b"JO", b"4!a4!n18!c"),
    (b"KW", b"4!a22!c"),
    (b"KZ", b"3!n13!c"),
    (b"LB", b"4!n20!c"),
    (b"LC", b"4!a24!c"),
    (b"LI", b"5!n12!c"),
    (b"LT", b"5!n11!n"),
    (b"LU", b"3!n13!c"),
    (b"LV", b"4!a13!c"),
    (b"LY", b"3!n3!n15!n"),
    (b"MC", b"5!n5!n11!c2!n"),
    (b"MD", b"2!c18!c"),
    (b"ME", b"3!n13!n2!n"),
    (b"MK", b"3!n10!c2!n"),
    (b"MN", b"4!n12!n"),
    (b"MR", b"5!n5!n11!n2!n"),
    (b"MT", b"4!a5!n18!c"),
    (b"MU", b"4!a2!n2!n12!n3!n3!a"),
    (b"NI", b"4!a20!n"),
    (b"NL", b"4!a10!n"),
    (b"NO", b"4!n6!n1!n"),
    (b"OM", b"3!n16!c"),
    (b"PK", b"4!a16!c"),
    (b"PL", b"8!n16!n"),
    (b"PS", b"4!a21!c"),
    (b"PT", b"4!n4!n11!n2!n"),
    (b"QA", b"4!a21!c"),
    (b"RO", b"4!a16!c"),
    (b"RS", b"3!n13!n2!n"),
    (b"RU", b"9!n5!n15!c"),
    (b"SA", b"2!n18!c"),
    (b"SC", b"4!a2!n2!n16!n3!a"),
    (b"SD", b"2!n12!n"),
    (b"SE", b"3!n16!n1!n"),
    (b"SI", b"5!n8!n2!n"),
    (b"SK", b"4!n6!n10!n"),
    (b"SM", b"1!a5!n5!n12!c"),
    (b"SO", b"4!n3!n12!n"),
    (b"ST", b"4!n4!n11!n2!n"),
    (b"SV", b"4!a20!n"),
    (b"TL", b"3!n14!n2!n"),
    (b"TN", b"2!n3!n13!n2!n"),
    (b"TR", b"5!n1!n16!c"),
    (b"UA", b"6!n19!c"),
    (b"VA", b"3!n15!n"),
    (b"VG", b"4!a16!n"),
    (b"XK", b"4!n10!n2!n"),
    (b"YE", b"4!a4!n18!c"),
];

/// Validates a compact IBAN (no spaces) as python-stdnum's `iban.validate` does: a country of
/// the registry, its BBAN structure, mod 97 == 1 (ISO 7064), and for Belgium, Spain,
/// Montenegro and Norway the national account number's own check digits. Stdnum's further
/// look-up of Belgian bank codes in its bank list is left out. Check digits outside 02..=98,
/// which no IBAN is issued with, are refused too.
///
/// Random telemetry identifiers that open with a country code pass mod 97 once in 97 tries
/// (`"tracking":"EE36C867C031E110D2F1"`); an Estonian BBAN is digits only.
pub(crate) fn valid_iban(compact: &[u8]) -> bool {
    let (Some(cc), Some(check)) = (compact.get(..2), compact.get(2..4)) else {
        return false;
    };
    let Some(&(_, structure)) = IBAN_FORMATS.iter().find(|(c, _)| c.as_slice() == cc) else {
        return false;
    };
    let bban = compact.get(4..).unwrap_or_default();
    check.iter().all(u8::is_ascii_digit)
        && !matches!(check, b"00" | b"01" | b"99")
        && bban_has_structure(bban, structure)
        && mod97(bban.iter().chain(cc).chain(check).copied()) == Some(1)
        && national_check(cc, bban)
}

/// Whether `bban` is exactly the groups `structure` lists (see [`IBAN_FORMATS`]).
fn bban_has_structure(bban: &[u8], structure: &[u8]) -> bool {
    let mut at = 0;
    let mut count = 0;
    for &s in structure {
        match s {
            b'0'..=b'9' => count = count * 10 + usize::from(s - b'0'),
            b'!' => {}
            class => {
                let Some(group) = bban.get(at..at + count) else {
                    return false;
                };
                let fits = |b: &u8| match class {
                    b'n' => b.is_ascii_digit(),
                    b'a' => b.is_ascii_uppercase(),
                    _ => b.is_ascii_digit() || b.is_ascii_uppercase(),
                };
                if !group.iter().all(fits) {
                    return false;
                }
                at += count;
                count = 0;
            }
        }
    }
    at == bban.len()
}

/// The national account number's check digits inside the BBAN, where python-stdnum checks them
/// (`stdnum.be.iban`, `es.ccc`, `me.iban`, `no.kontonr`); every BBAN digit is already checked
/// to be one.
fn national_check(cc: &[u8], bban: &[u8]) -> bool {
    let digit = |i: usize| bban.get(i).map_or(0, |&b| u32::from(b.wrapping_sub(b'0')));
    let value =
        |range: std::ops::Range<usize>| range.fold(0_u64, |v, i| v * 10 + u64::from(digit(i)));
    match cc {
        // Account number mod 97, 0 written as 97, in the last two digits.
        b"BE" => {
            let rest = value(0..10) % 97;
            value(10..12) == if rest == 0 { 97 } else { rest }
        }
        // The CCC's two check digits, over `00` and bank and branch, then over the account, each
        // with weights 2^i mod 11.
        b"ES" => {
            let check = |digits: &mut dyn Iterator<Item = u32>| {
                let sum: u32 = digits.zip(0..).map(|(d, i)| d * (1 << i)).sum::<u32>() % 11;
                if sum < 2 { sum } else { 11 - sum }
            };
            check(&mut [0, 0].into_iter().chain((0..8).map(digit))) == digit(8)
                && check(&mut (10..20).map(digit)) == digit(9)
        }
        b"ME" => mod97(bban.iter().copied()) == Some(1),
        // Kontonummer: weights 6, 7, 8, 9, 4, 5, 6, 7, 8, 9 mod 11 (10 is no check digit).
        b"NO" => {
            let sum: u32 = [6, 7, 8, 9, 4, 5, 6, 7, 8, 9]
                .into_iter()
                .enumerate()
                .map(|(i, w)| w * digit(i))
                .sum();
            sum % 11 == digit(10)
        }
        _ => true,
    }
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

    /// `cc` and `bban` with the IBAN check digits that make mod 97 come out right.
    fn with_check_digits(cc: &str, bban: &str) -> String {
        let rest = mod97(format!("{bban}{cc}00").bytes()).unwrap_or(0);
        format!("{cc}{:02}{bban}", 98 - rest)
    }

    #[test]
    fn bban_structure_and_national_check_digits() {
        // The registry's examples: letters where the structure allows them, and the national
        // check digits of Belgium, Spain, Montenegro and Norway.
        for iban in [
            "BE68539007547034",
            "ES9121000418450200051332",
            "ME25505000012345678951",
            "NO9386011117947",
            "EE382200221020145685",
            "FR1420041010050500013M02606",
            "RU0204452560040702810412345678901",
        ] {
            assert!(valid_iban(iban.as_bytes()), "{iban}");
        }
        // A tracking number that passes mod 97 for Estonia, whose BBAN is digits only.
        assert!(!valid_iban(b"EE36C867C031E110D2F1"));
        // A letter where the structure wants a digit, with mod 97 made right.
        assert!(!valid_iban(
            with_check_digits("DE", "3704004405320130A0").as_bytes()
        ));
        // National check digits wrong, mod 97 made right.
        for (cc, bban) in [
            ("BE", "539007547035"),
            ("ES", "21000418460200051332"),
            ("ES", "21000418450200051333"),
            ("ME", "505000012345678952"),
            ("NO", "86011117948"),
        ] {
            let iban = with_check_digits(cc, bban);
            assert!(mod97(format!("{bban}{}", &iban[..4]).bytes()) == Some(1));
            assert!(!valid_iban(iban.as_bytes()), "{iban}");
        }
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
