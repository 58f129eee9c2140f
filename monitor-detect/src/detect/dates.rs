//! Birth-date shapes: ISO, `dd.mm.yyyy`, `dd/mm/yyyy`, US `mm/dd/yyyy`, `dd-mm-yyyy`, `yyyymmdd`.

use super::checksum::{number, valid_date};

/// Oldest and newest plausible birth years.
const YEARS: std::ops::RangeInclusive<u32> = 1900..=2026;

/// Whether the whole `text` is a calendar date in one of the birth-date formats.
pub(crate) fn is_birth_date(text: &[u8]) -> bool {
    let text = text.trim_ascii();
    let num = |r: std::ops::Range<usize>| {
        text.get(r)
            .and_then(number)
            .and_then(|n| u32::try_from(n).ok())
    };
    let ok = |y: Option<u32>, m: Option<u32>, d: Option<u32>| match (y, m, d) {
        (Some(y), Some(m), Some(d)) => YEARS.contains(&y) && valid_date(y, m, d),
        _ => false,
    };
    match text.len() {
        8 if text.iter().all(u8::is_ascii_digit) => ok(num(0..4), num(4..6), num(6..8)),
        10 => {
            let s1 = text.get(2).copied();
            let s2 = text.get(5).copied();
            if text.get(4) == Some(&b'-') && text.get(7) == Some(&b'-') {
                return ok(num(0..4), num(5..7), num(8..10));
            }
            if s1 != s2 || !matches!(s1, Some(b'.' | b'/' | b'-')) {
                return false;
            }
            ok(num(6..10), num(3..5), num(0..2))
                || (s1 == Some(b'/') && ok(num(6..10), num(0..2), num(3..5)))
        }
        _ => false,
    }
}

/// Whether the whole `text` is a `YYMMDD` calendar date (six digits), as EDIFACT writes a birth
/// date where a field's position already says it is one. The century is the latest that does
/// not put the year after [`YEARS`]' end.
pub(crate) fn is_short_birth_date(text: &[u8]) -> bool {
    let text = text.trim_ascii();
    if text.len() != 6 || !text.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let num = |r: std::ops::Range<usize>| {
        text.get(r)
            .and_then(number)
            .and_then(|n| u32::try_from(n).ok())
    };
    let (Some(yy), Some(m), Some(d)) = (num(0..2), num(2..4), num(4..6)) else {
        return false;
    };
    let newest = *YEARS.end();
    let year = if 2000 + yy <= newest {
        2000 + yy
    } else {
        1900 + yy
    };
    valid_date(year, m, d)
}

/// Year of a birth-date-shaped value.
pub(crate) fn year_of(text: &[u8]) -> Option<u32> {
    let text = text.trim_ascii();
    if !is_birth_date(text) {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| {
        text.get(r)
            .and_then(number)
            .and_then(|n| u32::try_from(n).ok())
    };
    match text.len() {
        8 => digits(0..4),
        _ if text.get(4) == Some(&b'-') => digits(0..4),
        _ => digits(6..10),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn short_birth_dates() {
        for date in ["840312", "000229", "260101", "991231"] {
            assert!(is_short_birth_date(date.as_bytes()), "{date}");
        }
        // 2027 is past the newest birth year: `27` is 1927, whose February had 28 days.
        for other in [
            "010229", "841312", "840230", "84031", "8403121", "84-312", "270229",
        ] {
            assert!(!is_short_birth_date(other.as_bytes()), "{other}");
        }
    }

    #[test]
    fn formats() {
        for s in [
            "1949-12-07",
            "30.06.1960",
            "13/12/1993",
            "12/31/1990",
            "08-09-1958",
            "19900628",
        ] {
            assert!(is_birth_date(s.as_bytes()), "{s}");
        }
        for s in [
            "2024-13-01",
            "31.02.1990",
            "1749225577",
            "1850-01-01",
            "2025-01-22T18",
        ] {
            assert!(!is_birth_date(s.as_bytes()), "{s}");
        }
    }

    proptest! {
        #[test]
        fn iso_dates(y in 1900_u32..2026, m in 1_u32..13, d in 1_u32..29) {
            let iso = format!("{y:04}-{m:02}-{d:02}");
            let de = format!("{d:02}.{m:02}.{y:04}");
            prop_assert!(is_birth_date(iso.as_bytes()));
            prop_assert!(is_birth_date(de.as_bytes()));
        }

        #[test]
        fn never_panics(s in "[0-9./-]{0,12}") {
            let _ = is_birth_date(s.as_bytes());
        }
    }
}
