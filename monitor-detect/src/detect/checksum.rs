//! Check-digit algorithms shared by several identifiers.

/// Luhn (mod 10) over ASCII digits; `false` for anything that is not all digits.
pub(crate) fn luhn(digits: &[u8]) -> bool {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let v = u32::from(d - b'0');
            if i % 2 == 1 {
                if v * 2 > 9 { v * 2 - 9 } else { v * 2 }
            } else {
                v
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// ISO 7064 mod 97-10 remainder of alphanumeric text (letters count as 10..35), as for IBAN.
pub(crate) fn mod97(chars: impl IntoIterator<Item = u8>) -> Option<u32> {
    let mut rem = 0_u32;
    for c in chars {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            b'a'..=b'z' => u32::from(c - b'a') + 10,
            _ => return None,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    Some(rem)
}

/// Numeric value of ASCII digits (at most 18 of them).
pub(crate) fn number(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    digits.iter().try_fold(0_u64, |acc, &d| {
        d.is_ascii_digit().then(|| acc * 10 + u64::from(d - b'0'))
    })
}

/// Whether `day`.`month`.`year` is a calendar date.
pub(crate) const fn valid_date(year: u32, month: u32, day: u32) -> bool {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    day >= 1 && day <= days
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn known_values() {
        assert!(luhn(b"4111111111111111"));
        assert!(!luhn(b"4111111111111112"));
        assert_eq!(mod97(*b"3214282912345698765432161182"), Some(1));
        assert!(valid_date(2024, 2, 29) && !valid_date(2023, 2, 29));
    }

    proptest! {
        #[test]
        fn luhn_detects_single_digit_errors(digits in "[0-9]{12,18}", pos in 0_usize..12, delta in 1_u8..10) {
            let mut d: Vec<u8> = digits.into_bytes();
            // Make it valid by choosing the check digit.
            let check = (0..10).map(|c| { let mut v = d.clone(); v.push(b'0' + c); v }).find(|v| luhn(v)).unwrap();
            prop_assert!(luhn(&check));
            d = check;
            d[pos] = b'0' + (d[pos] - b'0' + delta) % 10;
            prop_assert!(!luhn(&d));
        }

        #[test]
        fn mod97_never_panics(s in "[0-9A-Za-z]{0,60}") {
            prop_assert!(mod97(s.bytes()).is_some_and(|r| r < 97));
        }
    }
}
