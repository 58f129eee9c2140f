//! National identifiers with their check rules (as python-stdnum validates them).
//!
//! `identify` returns the scheme (`DE_STEUER_ID`...). `strong` tells whether the written form
//! alone (letters, separators, a date) makes the scheme clear; a bare 9- or 11-digit number needs
//! a field name to be believed.

use super::checksum::{luhn, number, valid_date};

/// A validated national identifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NationalId {
    pub scheme: &'static str,
    /// The written form is distinctive enough without field context.
    pub strong: bool,
}

/// Whether [`identify`] can call a value strong from its compact form (its alphanumerics) and
/// whether the written form had separators. Digit-only strong forms are separated and 9 to 13
/// or 15 long. Strong forms with letters are, by the place of their letters:
/// - 9 long: ES DNI (8 digits, then the letter), ES NIE and GB NINO (a letter first);
/// - 13 or 15 long: FR NIR born in Corsica (`2A`/`2B` as the department, bytes 5 and 6);
/// - 16 long: IT codice fiscale (letters first).
pub(crate) fn may_be_strong(compact: &[u8], separated: bool) -> bool {
    let digits_only = compact.iter().all(u8::is_ascii_digit);
    let letter_first = compact.first().is_some_and(u8::is_ascii_alphabetic);
    match compact.len() {
        9..=13 | 15 if digits_only => separated,
        9 => {
            letter_first
                || compact
                    .get(..8)
                    .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
        }
        13 | 15 => compact
            .get(5..7)
            .is_some_and(|d| d.eq_ignore_ascii_case(b"2A") || d.eq_ignore_ascii_case(b"2B")),
        16 => letter_first,
        _ => false,
    }
}

/// Checks `text` (the whole value) against every scheme; `hint` (ISO country) breaks ties.
pub(crate) fn identify(text: &[u8], hint: Option<&str>) -> Option<NationalId> {
    let text = text.trim_ascii();
    if text.len() < 9 || text.len() > 24 {
        return None;
    }
    // At most 24 bytes: fixed buffers, no allocation per candidate.
    let mut buffer = [0_u8; 24];
    let mut filled = 0;
    let kept = text
        .iter()
        .filter(|b| !matches!(b, b' ' | b'-' | b'.' | b'/' | b'+'));
    for (slot, b) in buffer.iter_mut().zip(kept) {
        *slot = b.to_ascii_uppercase();
        filled += 1;
    }
    let compact = buffer.get(..filled).unwrap_or_default();
    let separated = compact.len() != text.len();
    let digits_only = compact.iter().all(u8::is_ascii_digit);
    let mut found = [None::<NationalId>; 4];
    let mut count = 0;
    let mut push = |scheme, strong| {
        if let Some(slot) = found.get_mut(count) {
            *slot = Some(NationalId { scheme, strong });
            count += 1;
        }
    };
    if compact.len() == 16 && codice_fiscale(compact) {
        push("IT_CODICE_FISCALE", true);
    }
    if compact.len() == 9 && !digits_only {
        if dni(compact) && dni_layout(text) {
            push("ES_DNI", true);
        }
        if nie(compact) {
            push("ES_NIE", true);
        }
        if nino(compact) {
            push("GB_NINO", true);
        }
    }
    if digits_only {
        match compact.len() {
            9 => {
                if ssn(compact) && written_as(text, &[b"ddd-dd-dddd"]) {
                    push("US_SSN", true);
                }
                if bsn(compact) {
                    push("NL_BSN", written_as(text, &[b"dddd.dd.ddd"]));
                }
                if ssn(compact) && !separated {
                    push("US_SSN", false);
                }
            }
            10 | 12 => {
                if personnummer(compact) {
                    push(
                        "SE_PERSONNUMMER",
                        written_as(text, &[b"dddddd-dddd", b"dddddd+dddd", b"dddddddd-dddd"]),
                    );
                }
                if compact.len() == 10 && svnr(compact) {
                    push("AT_SVNR", false);
                }
            }
            11 => {
                if steuer_id(compact) {
                    push("DE_STEUER_ID", separated && text.get(2) == Some(&b' '));
                }
                if pesel(compact) {
                    push("PL_PESEL", false);
                }
                if belgian_nn(compact) {
                    push("BE_NN", written_as(text, &[b"dd.dd.dd-ddd.dd"]));
                }
            }
            13 | 15 if nir(compact) => push("FR_NIR", nir_written(text, compact)),
            _ => {}
        }
    } else if (compact.len() == 15 || compact.len() == 13)
        && compact.get(5..7).is_some_and(|d| d == b"2A" || d == b"2B")
        && nir(compact)
    {
        push("FR_NIR", nir_written(text, compact));
    }
    let hinted = hint.and_then(|h| {
        found
            .iter()
            .flatten()
            .find(|id| {
                id.scheme
                    .get(..2)
                    .is_some_and(|c| c.eq_ignore_ascii_case(h))
            })
            .copied()
    });
    hinted.or_else(|| found.iter().flatten().next().copied())
}

/// DE Steuerliche Identifikationsnummer: 11 digits, first not 0, one digit repeated (2 or 3
/// times, at most twice in a row), ISO 7064 mod 11,10 check digit.
fn steuer_id(d: &[u8]) -> bool {
    if d.first() == Some(&b'0') {
        return false;
    }
    let Some(body) = d.get(..10) else {
        return false;
    };
    let mut counts = [0_u8; 10];
    for &b in body {
        counts[usize::from(b - b'0')] += 1;
    }
    let repeated = counts.iter().filter(|&&c| c > 1).count();
    let max = counts.iter().copied().max().unwrap_or(0);
    if repeated != 1 || !(2..=3).contains(&max) {
        return false;
    }
    if body.windows(3).any(|w| w[0] == w[1] && w[1] == w[2]) {
        return false;
    }
    let mut product = 10_u32;
    for &b in body {
        let mut sum = (u32::from(b - b'0') + product) % 10;
        if sum == 0 {
            sum = 10;
        }
        product = (sum * 2) % 11;
    }
    let check = (11 - product) % 10;
    d.get(10).is_some_and(|&c| u32::from(c - b'0') == check)
}

/// Whether `text` is written in one of `layouts` (`d` a digit, any other byte itself): the
/// separated forms of digit-only IDs that are strong. A dotted number in another grouping is an
/// object identifier as often (DICOM's UIDs, `2.25.59844.9`, SNMP's and LDAP's OIDs).
fn written_as(text: &[u8], layouts: &[&[u8]]) -> bool {
    layouts.iter().any(|layout| {
        layout.len() == text.len()
            && layout.iter().zip(text).all(|(&l, &c)| {
                if l == b'd' {
                    c.is_ascii_digit()
                } else {
                    c == l
                }
            })
    })
}

/// Whether a valid NIR's written form alone makes it one: all 15 characters, the key with them
/// (13 have no check at all), separated only between its parts (sex, year, month, department,
/// commune, order, key: `1 85 05 78 006 084 91`). Dotted numbers in other groupings are object
/// identifiers (DICOM's UIDs, `1.2.840.10008.5.1.4.1.1.7`, SNMP's and LDAP's OIDs), whose digits
/// pass the NIR's few checks often.
fn nir_written(text: &[u8], compact: &[u8]) -> bool {
    /// Characters before each separator a NIR may have.
    const PART_ENDS: [usize; 6] = [1, 3, 5, 7, 10, 13];
    let mut before = 0;
    let mut separators = 0;
    for &c in text {
        if c.is_ascii_alphanumeric() {
            before += 1;
        } else {
            separators += 1;
            if !PART_ENDS.contains(&before) {
                return false;
            }
        }
    }
    compact.len() == 15 && separators > 0
}

/// FR NIR: 13 digits + 2-digit key = 97 - (number mod 97); Corsica 2A/2B count as 19/18.
fn nir(d: &[u8]) -> bool {
    let Some(body) = d.get(..13) else {
        return false;
    };
    if !matches!(body.first(), Some(b'1' | b'2' | b'3' | b'4' | b'7' | b'8')) {
        return false;
    }
    let month = number(body.get(3..5).unwrap_or_default()).unwrap_or(0);
    if !(1..=12).contains(&month) && !(20..=42).contains(&month) && !(50..=99).contains(&month) {
        return false;
    }
    let mut digits = [0_u8; 13];
    digits.copy_from_slice(body);
    let corsica = match body.get(5..7) {
        Some(b"2A") => Some(b"19"),
        Some(b"2B") => Some(b"18"),
        _ => None,
    };
    if let (Some(repl), Some(slot)) = (corsica, digits.get_mut(5..7)) {
        slot.copy_from_slice(repl);
    }
    let Some(n) = number(&digits) else {
        return false;
    };
    if d.len() == 13 {
        return true;
    }
    let key = number(d.get(13..15).unwrap_or_default());
    key == Some(97 - n % 97)
}

const CF_ODD: [u32; 36] = [
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, // 0-9
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
];

/// IT codice fiscale: 6 letters, 2 digits, month letter, 2 digits, letter, 3 digits, check
/// letter (omocodia letters allowed in digit places).
fn codice_fiscale(c: &[u8]) -> bool {
    let shape = c.iter().enumerate().all(|(i, &b)| match i {
        0..=5 | 8 | 11 | 15 => b.is_ascii_uppercase(),
        _ => b.is_ascii_digit() || b"LMNPQRSTUV".contains(&b),
    });
    if !shape || !c.get(8).is_some_and(|m| b"ABCDEHLMPRST".contains(m)) {
        return false;
    }
    let mut sum = 0_u32;
    for (i, &b) in c.iter().take(15).enumerate() {
        let idx = if b.is_ascii_digit() {
            usize::from(b - b'0')
        } else {
            usize::from(b - b'A') + 10
        };
        sum += if i % 2 == 0 {
            CF_ODD.get(idx).copied().unwrap_or(0)
        } else if b.is_ascii_digit() {
            u32::from(b - b'0')
        } else {
            u32::from(b - b'A')
        };
    }
    c.get(15)
        .is_some_and(|&last| u32::from(last - b'A') == sum % 26)
}

pub(crate) const DNI_LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";

/// Whether a DNI is written as DNIs are: its 8 digits whole or grouped `12.345.678` (or with
/// spaces), then the letter, after a `-` or a space or not. Other groupings are other values:
/// `1980-04-10D` is a date before a byte that follows it (a PostgreSQL `DataRow`'s type).
fn dni_layout(text: &[u8]) -> bool {
    let Some((_, digits)) = text.split_last() else {
        return false;
    };
    let digits = match digits.split_last() {
        Some((b'-' | b' ' | b'.', rest)) => rest,
        _ => digits,
    };
    let all_digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    match digits {
        [..] if digits.len() == 8 => all_digits(digits),
        // `12.345.678` or `12 345 678`.
        [high @ .., sep, _, _, _, sep2, _, _, _] if high.len() == 2 => {
            sep == sep2
                && matches!(sep, b'.' | b' ')
                && digits
                    .iter()
                    .enumerate()
                    .all(|(i, c)| matches!(i, 2 | 6) || c.is_ascii_digit())
        }
        _ => false,
    }
}

fn dni(c: &[u8]) -> bool {
    let (Some(num), Some(&letter)) = (c.get(..8), c.get(8)) else {
        return false;
    };
    let Some(n) = number(num) else { return false };
    DNI_LETTERS.get(usize::try_from(n % 23).unwrap_or(0)) == Some(&letter)
}

fn nie(c: &[u8]) -> bool {
    let prefix = match c.first() {
        Some(b'X') => b'0',
        Some(b'Y') => b'1',
        Some(b'Z') => b'2',
        _ => return false,
    };
    let mut v = c.to_vec();
    if let Some(first) = v.first_mut() {
        *first = prefix;
    }
    dni(&v)
}

/// GB National Insurance number: two prefix letters (with the excluded ones), 6 digits, A-D.
fn nino(c: &[u8]) -> bool {
    let (Some(&a), Some(&b)) = (c.first(), c.get(1)) else {
        return false;
    };
    let digits_ok = c
        .get(2..8)
        .is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let suffix_ok = c.get(8).is_some_and(|s| b"ABCD".contains(s));
    let prefix_ok = a.is_ascii_uppercase()
        && b.is_ascii_uppercase()
        && !b"DFIQUV".contains(&a)
        && !b"DFIQUVO".contains(&b)
        && ![b"BG", b"GB", b"NK", b"KN", b"TN", b"NT", b"ZZ"].contains(&&[a, b]);
    digits_ok && suffix_ok && prefix_ok
}

/// NL BSN: 9 digits, 11-proof with weights 9..2 and -1.
fn bsn(d: &[u8]) -> bool {
    if d.len() != 9 || d.iter().all(|&b| b == b'0') {
        return false;
    }
    let sum: i64 = d
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            let w = if i == 8 {
                -1
            } else {
                9 - i64::try_from(i).unwrap_or(0)
            };
            w * i64::from(b - b'0')
        })
        .sum();
    sum % 11 == 0
}

/// US SSN: area not 000, 666 or 9xx; group not 00; serial not 0000.
fn ssn(d: &[u8]) -> bool {
    let area = number(d.get(..3).unwrap_or_default()).unwrap_or(0);
    let group = number(d.get(3..5).unwrap_or_default()).unwrap_or(0);
    let serial = number(d.get(5..9).unwrap_or_default()).unwrap_or(0);
    area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
}

/// PL PESEL: 11 digits, weights 1 3 7 9, encoded birth date valid.
fn pesel(d: &[u8]) -> bool {
    const W: [u32; 10] = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
    let sum: u32 = d.iter().zip(W).map(|(&b, w)| u32::from(b - b'0') * w).sum();
    if d.get(10)
        .is_none_or(|&c| u32::from(c - b'0') != (10 - sum % 10) % 10)
    {
        return false;
    }
    let yy = number(d.get(..2).unwrap_or_default()).unwrap_or(0);
    let mm = number(d.get(2..4).unwrap_or_default()).unwrap_or(0);
    let dd = number(d.get(4..6).unwrap_or_default()).unwrap_or(0);
    let (century, month) = match mm {
        1..=12 => (1900, mm),
        21..=32 => (2000, mm - 20),
        41..=52 => (2100, mm - 40),
        61..=72 => (2200, mm - 60),
        81..=92 => (1800, mm - 80),
        _ => return false,
    };
    let year = u32::try_from(century + yy).unwrap_or(0);
    valid_date(
        year,
        u32::try_from(month).unwrap_or(0),
        u32::try_from(dd).unwrap_or(0),
    )
}

/// SE personnummer: (yy)yymmdd + 4 digits, Luhn over the last 10, valid date (day + 60 for
/// samordningsnummer).
fn personnummer(d: &[u8]) -> bool {
    let ten = if d.len() == 12 { d.get(2..) } else { Some(d) };
    let Some(ten) = ten else { return false };
    let yy = u32::try_from(number(ten.get(..2).unwrap_or_default()).unwrap_or(0)).unwrap_or(0);
    let mm = u32::try_from(number(ten.get(2..4).unwrap_or_default()).unwrap_or(0)).unwrap_or(0);
    let mut dd = u32::try_from(number(ten.get(4..6).unwrap_or_default()).unwrap_or(0)).unwrap_or(0);
    if dd > 60 {
        dd -= 60;
    }
    let year = if d.len() == 12 {
        u32::try_from(number(d.get(..4).unwrap_or_default()).unwrap_or(0)).unwrap_or(0)
    } else {
        1900 + yy
    };
    valid_date(year, mm, dd) && luhn(ten)
}

/// AT Sozialversicherungsnummer: 3 serial digits, check digit, ddmmyy birth date.
fn svnr(d: &[u8]) -> bool {
    const W: [u32; 10] = [3, 7, 9, 0, 5, 8, 4, 2, 1, 6];
    if d.first() == Some(&b'0') {
        return false;
    }
    let sum: u32 = d.iter().zip(W).map(|(&b, w)| u32::from(b - b'0') * w).sum();
    let check = sum % 11;
    if check == 10 || d.get(3).is_none_or(|&c| u32::from(c - b'0') != check) {
        return false;
    }
    let dd = u32::try_from(number(d.get(4..6).unwrap_or_default()).unwrap_or(0)).unwrap_or(0);
    let mm = u32::try_from(number(d.get(6..8).unwrap_or_default()).unwrap_or(0)).unwrap_or(0);
    (1..=31).contains(&dd) && (1..=12).contains(&mm)
}

/// BE national number (rijksregisternummer): yymmdd + serial + 2-digit check, 97 - mod 97,
/// with a leading 2 for births from 2000.
fn belgian_nn(d: &[u8]) -> bool {
    let (Some(body), Some(check)) = (d.get(..9), d.get(9..11)) else {
        return false;
    };
    let (Some(n), Some(check)) = (number(body), number(check)) else {
        return false;
    };
    let mm = number(body.get(2..4).unwrap_or_default()).unwrap_or(0);
    if mm > 12 && !(20..=32).contains(&mm) && !(40..=52).contains(&mm) {
        return false;
    }
    97 - n % 97 == check || 97 - (2_000_000_000 + n) % 97 == check
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn scheme(s: &str) -> Option<&'static str> {
        identify(s.as_bytes(), None).map(|id| id.scheme)
    }

    #[test]
    fn known_valid_numbers() {
        assert_eq!(scheme("86095742719"), Some("DE_STEUER_ID"));
        assert_eq!(scheme("1 85 05 78 006 084 91"), Some("FR_NIR"));
        assert_eq!(scheme("1 85 05 78 006 084 36"), None);
        assert_eq!(scheme("RSSMRA85T10A562S"), Some("IT_CODICE_FISCALE"));
        assert_eq!(scheme("12345678Z"), Some("ES_DNI"));
        for written in ["12345678-Z", "12.345.678-Z", "12 345 678 Z", "12.345.678Z"] {
            assert_eq!(scheme(written), Some("ES_DNI"), "{written}");
        }
        // The same check letter after a date or other groupings: no DNI.
        for other in ["1234-56-78Z", "1234.5678-Z", "12-345-678Z", "12.345 678Z"] {
            assert_eq!(scheme(other), None, "{other}");
        }
        assert_eq!(scheme("X1234567L"), Some("ES_NIE"));
        assert_eq!(scheme("AB 12 34 56 C"), Some("GB_NINO"));
        assert_eq!(scheme("QQ 12 34 56 C"), None);
        assert_eq!(scheme("123-45-6789"), Some("US_SSN"));
        assert_eq!(scheme("811228-9874"), Some("SE_PERSONNUMMER"));
        assert_eq!(scheme("44051401359"), Some("PL_PESEL"));
        assert_eq!(
            identify(b"111222333", Some("NL")).map(|i| i.scheme),
            Some("NL_BSN")
        );
        assert_eq!(scheme("1237010180"), Some("AT_SVNR"));
        assert_eq!(
            identify(b"85.07.30-033.28", Some("BE")).map(|i| i.scheme),
            Some("BE_NN")
        );
    }

    #[test]
    fn rejects_bad_checks() {
        assert_eq!(scheme("12345678A"), None);
        assert_eq!(scheme("RSSMRA85T10A562T"), None);
        assert_eq!(scheme("666-45-6789"), None);
    }

    /// Every strong form with letters (ES DNI and NIE, GB NINO, IT, FR NIR in Corsica) and the
    /// separated digit-only ones, written as they are, compact, spaced, dashed and in lowercase,
    /// pass `may_be_strong`: random strings rarely hit one, so they are built here. Each rule of
    /// `may_be_strong` fails some of them when broken.
    #[test]
    fn strong_forms_pass_the_shape_check() {
        let letter = |n: u32| char::from(DNI_LETTERS[usize::try_from(n % 23).unwrap_or(0)]);
        let mut values = vec![
            "RSSMRA85T10A562S".to_owned(),
            "X1234567L".to_owned(),
            "AB123456C".to_owned(),
            "123-45-6789".to_owned(),
            "1112.22.333".to_owned(),
            "811228-9874".to_owned(),
            "19811228-9874".to_owned(),
            "86 095 742 719".to_owned(),
            "85.07.30-033.28".to_owned(),
            "1 85 05 78 006 084 91".to_owned(),
        ];
        for n in (0..100_000_000_u32).step_by(7_654_321) {
            values.push(format!("{n:08}{}", letter(n)));
            let nie = n % 10_000_000;
            values.push(format!("Y{nie:07}{}", letter(10_000_000 + nie)));
        }
        // A birth in Corsica: the key is computed with 2A as 19, 2B as 18.
        for (department, as_number) in [("2A", "19"), ("2B", "18")] {
            let key = 97
                - format!("18505{as_number}006084")
                    .parse::<u64>()
                    .unwrap_or(0)
                    % 97;
            values.push(format!("1 85 05 {department} 006 084 {key:02}"));
        }
        for value in values {
            let spaced: String = value
                .chars()
                .enumerate()
                .flat_map(|(k, c)| (k > 0 && k % 3 == 0).then_some(' ').into_iter().chain([c]))
                .collect();
            let mut strong_forms = 0;
            for written in [
                value.clone(),
                spaced.clone(),
                spaced.replace(' ', "-"),
                value.to_lowercase(),
                spaced.to_lowercase(),
            ] {
                if identify(written.as_bytes(), None).is_some_and(|id| id.strong) {
                    strong_forms += 1;
                    let compact: Vec<u8> =
                        written.bytes().filter(u8::is_ascii_alphanumeric).collect();
                    assert!(
                        may_be_strong(&compact, compact.len() != written.len()),
                        "{written}"
                    );
                }
            }
            assert!(strong_forms > 0, "{value} is strong in some written form");
        }
    }

    #[test]
    fn object_identifiers_are_no_strong_nir() {
        // DICOM UIDs and SNMP OIDs compact to 13 or 15 digits that pass the NIR's few checks, to
        // 9 that pass the BSN's, to 12 that pass the personnummer's; each is strong only as it
        // is written (a NIR with its key).
        for oid in [
            "1.2.840.10008.5.1.4",
            "1.2.840.10008.1.2.1",
            "1.3.6.1.4.1.2021.10.1",
            "2.25.59844.9",
            "2.25.40511071.8",
            "1-85-05-780-06-084-91",
            "1 85 05 78 006 084",
        ] {
            assert!(
                !identify(oid.as_bytes(), None).is_some_and(|id| id.strong),
                "{oid}"
            );
        }
        let written = identify(b"1 85 05 78 006 084 91", None).unwrap();
        assert_eq!((written.scheme, written.strong), ("FR_NIR", true));
        // Unseparated, or without its key, it needs a field name.
        assert!(!identify(b"185057800608491", None).unwrap().strong);
        assert!(!identify(b"1 85 05 78 006 084", None).unwrap().strong);
    }

    proptest! {
        #[test]
        fn strong_ids_pass_the_shape_check(s in "[0-9A-Z]{2,8}([ .-]?[0-9A-Z]{1,6}){0,4}") {
            if let Some(id) = identify(s.as_bytes(), None).filter(|id| id.strong) {
                let compact: Vec<u8> = s.bytes().filter(u8::is_ascii_alphanumeric).collect();
                prop_assert!(
                    may_be_strong(&compact, compact.len() != s.len()),
                    "{} {}", id.scheme, s
                );
            }
        }

        #[test]
        fn never_panics(s in "[0-9A-Z .-]{0,30}") {
            let _ = identify(s.as_bytes(), Some("DE"));
        }

        #[test]
        fn dni_letter_is_unique(n in 0_u32..100_000_000) {
            let valid = DNI_LETTERS.iter().filter(|&&l| identify(format!("{n:08}{}", l as char).as_bytes(), None).is_some_and(|i| i.scheme == "ES_DNI")).count();
            prop_assert_eq!(valid, 1);
        }
    }
}
