//! Phone numbers, validated against libphonenumber's numbering plans (`phonenumber` crate).

use phonenumber::country::Id;

use super::numbering_plan;

/// Regions tried for numbers in national format when the payload gives no country.
pub(crate) const DEFAULT_REGIONS: &[&str] = &[
    "DE", "FR", "GB", "IT", "ES", "NL", "PL", "SE", "BE", "AT", "US", "CH", "DK", "NO", "FI", "PT",
    "IE", "CZ",
];

/// Loads libphonenumber's metadata (parsed from XML on first use, tens of milliseconds) when the
/// engine is built rather than on the first phone number a flow carries.
pub(crate) fn warm_up() {
    let _ = phonenumber::metadata::DATABASE.by_code(&49);
}

/// Longest phone text considered (digits, separators, extension).
const MAX_LEN: usize = 32;

/// Whether `text` is shaped like a phone number: optional `+`, digits with single separators
/// (space, `-`, `.`, `/`, parentheses), 7 to 15 digits, optional `x123` extension.
pub(crate) fn phone_shape(text: &[u8]) -> bool {
    if text.len() > MAX_LEN || text.len() < 7 {
        return false;
    }
    // A plain digit run (epochs, counters) is shaped by its length alone.
    if text.iter().all(u8::is_ascii_digit) {
        return text.len() <= 15;
    }
    let body = text.strip_prefix(b"+").unwrap_or(text);
    let body = match body.iter().position(|&b| b == b'x' || b == b'X') {
        Some(x)
            if body
                .get(x + 1..)
                .is_some_and(|e| !e.is_empty() && e.iter().all(u8::is_ascii_digit)) =>
        {
            body.get(..x).unwrap_or_default()
        }
        _ => body,
    };
    let digits = body.iter().filter(|b| b.is_ascii_digit()).count();
    let allowed = body
        .iter()
        .all(|&b| b.is_ascii_digit() || matches!(b, b' ' | b'-' | b'.' | b'/' | b'(' | b')'));
    let doubled = body
        .windows(2)
        .any(|w| !w[0].is_ascii_digit() && !w[1].is_ascii_digit() && w != b") " && w != b" (");
    allowed
        && !doubled
        && (7..=15).contains(&digits)
        && body
            .first()
            .is_some_and(|&b| b.is_ascii_digit() || b == b'(')
}

/// Whether the number is written internationally (`+CC` or `00CC`).
pub(crate) fn is_international(text: &[u8]) -> bool {
    text.starts_with(b"+") || (text.starts_with(b"00") && text.get(2).is_some_and(|&b| b != b'0'))
}

/// `text` without a trailing extension (` ext. 445`, ` x123`, ` ext 7`).
pub(crate) fn strip_extension(text: &[u8]) -> &[u8] {
    let digits_tail = text.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    let head = text.get(..text.len() - digits_tail).unwrap_or(text);
    for marker in [&b" ext. "[..], b" ext ", b" x", b" ext.", b"x"] {
        if digits_tail > 0
            && let Some(rest) = head.strip_suffix(marker)
        {
            return rest.trim_ascii_end();
        }
    }
    text
}

/// Validates a phone-shaped `text`; returns the region it is valid in. International forms are
/// checked on their own; national forms against `regions`, in order.
pub(crate) fn valid_phone(text: &[u8], regions: &[&str]) -> Option<String> {
    /// Numbers remembered per thread: the same subscribers recur in a flow's traffic, and a
    /// numbering-plan check costs microseconds.
    const MEMO_LIMIT: usize = 4096;
    thread_local! {
        static MEMO: std::cell::RefCell<crate::memo::Memo<Option<String>>> =
            std::cell::RefCell::new(crate::memo::Memo::new(MEMO_LIMIT));
    }
    let question = std::iter::once(text).chain(regions.iter().map(|r| r.as_bytes()));
    let hash = MEMO.with(|m| m.borrow().hash(question));
    if let Some(known) = MEMO.with(|m| m.borrow().get(hash)) {
        return known;
    }
    let result = validate(text, regions);
    MEMO.with(|m| m.borrow_mut().insert(hash, result.clone()));
    result
}

fn validate(text: &[u8], regions: &[&str]) -> Option<String> {
    let text = strip_extension(text);
    // Dates and dotted quads are phone-shaped too.
    if !phone_shape(text)
        || super::dates::is_birth_date(text)
        || super::network::ipv4_len(text) == Some(text.len())
    {
        return None;
    }
    let s = std::str::from_utf8(text).ok()?;
    // "+33 (0)4 30..." writes the national trunk prefix in parentheses; dialling omits it.
    let without_trunk;
    let s = if s.starts_with('+') && s.contains("(0)") {
        without_trunk = s.replacen("(0)", "", 1);
        without_trunk.as_str()
    } else {
        s
    };
    if is_international(text) {
        let international = if let Some(rest) = s.strip_prefix("00") {
            format!("+{rest}")
        } else {
            s.to_owned()
        };
        let number = numbering_plan::parse(None, &international)?;
        return numbering_plan::is_valid(&number).then(|| region_of(&number));
    }
    regions.iter().find_map(|region| {
        let id: Id = region.parse().ok()?;
        let number = numbering_plan::parse(Some(id), s)?;
        numbering_plan::is_valid(&number).then(|| (*region).to_owned())
    })
}

fn region_of(number: &numbering_plan::Parsed) -> String {
    numbering_plan::region(number)
        .map_or_else(|| format!("+{}", number.code), |id| id.as_ref().to_owned())
}

/// Length of the phone-shaped run at the start of `s` (used to find numbers in free text).
pub(crate) fn phone_run_len(s: &[u8]) -> usize {
    let mut len = s
        .iter()
        .take(MAX_LEN)
        .take_while(|&&b| {
            b.is_ascii_digit() || matches!(b, b'+' | b' ' | b'-' | b'.' | b'/' | b'(' | b')')
        })
        .count();
    while len > 0 && s.get(len - 1).is_some_and(|b| !b.is_ascii_digit()) {
        len -= 1;
    }
    len
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn validates_with_numbering_plans() {
        assert_eq!(valid_phone(b"+49 30 901820", &[]).as_deref(), Some("DE"));
        assert_eq!(valid_phone(b"0031624254350", &[]).as_deref(), Some("NL"));
        assert_eq!(valid_phone(b"506 415 608", &["PL"]).as_deref(), Some("PL"));
        assert_eq!(valid_phone(b"+49 12", &[]), None);
        assert_eq!(valid_phone(b"1234567890", &["DE"]), None);
    }

    #[test]
    fn runs() {
        assert_eq!(phone_run_len(b"+44 161 496 0411\","), 16);
    }

    proptest! {
        #[test]
        fn never_panics(s in "[0-9 +()./-]{0,40}") {
            let _ = valid_phone(s.as_bytes(), DEFAULT_REGIONS);
        }
    }
}
