//! Context-free pattern scan: finds values by their own shape and check digits anywhere in a
//! buffer (free text, binary framing, values of any field). Work happens only at token starts
//! whose first byte can begin a value; everything else is skipped by a table lookup.

use std::ops::Range;

use crate::{
    DataType,
    decode::base64::is_base64_byte,
    detect::{email, financial, gps, jwt, national_id, network, phone},
    keywords::{self, FieldKind},
};

/// How much a candidate can be trusted without field context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Strength {
    /// Checksum or shape settles it (IBAN, e-mail, formatted national ID).
    Strong,
    /// Valid, but only field context or a nearby keyword makes it personal data.
    NeedsContext,
}

#[derive(Clone, Debug)]
pub(crate) struct Candidate {
    pub data_type: DataType,
    pub span: Range<usize>,
    pub strength: Strength,
    pub country: Option<String>,
    /// JWT claim names.
    pub claims: Vec<String>,
}

/// Bytes at which a value can begin.
static START: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        #[expect(clippy::cast_possible_truncation, reason = "c < 256")]
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'(';
        c += 1;
    }
    t
};

/// [`CLASS`] of an ASCII digit.
const DIGIT: u8 = 2;

/// 0 for bytes that are not ASCII alphanumeric, 1 for letters, [`DIGIT`] for digits.
static CLASS: [u8; 256] = {
    let mut t = [0; 256];
    let mut c = 0;
    while c < 256 {
        #[expect(clippy::cast_possible_truncation, reason = "c < 256")]
        let b = c as u8;
        t[c] = if b.is_ascii_digit() {
            DIGIT
        } else if b.is_ascii_alphabetic() {
            1
        } else {
            0
        };
        c += 1;
    }
    t
};

/// [`CLASS`] for the bytes a grouped value is written with: 1 also for the separators and
/// brackets between its groups.
static VALUE_CLASS: [u8; 256] = {
    let mut t = CLASS;
    let mut c = 0;
    while c < 256 {
        #[expect(clippy::cast_possible_truncation, reason = "c < 256")]
        let b = c as u8;
        if is_group_sep(b) || matches!(b, b'(' | b')' | b'+') {
            t[c] = 1;
        }
        c += 1;
    }
    t
};

/// Shortest base64 run handed to the decoder.
pub(crate) const MIN_BASE64_RUN: usize = 20;

/// What the tries at one token start collect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Every candidate: the engine's scan.
    All,
    /// Only [`Strong`](Strength::Strong) candidates: the quiet check's question at one token
    /// ([`strong_at`]). It skips the work that can only yield candidates needing context
    /// (they need a field name from the vocabulary, which the quiet check looks for on its own).
    FirstStrong,
}

/// Scans `b`; pushes candidates and base64 runs worth decoding.
pub(crate) fn scan(b: &[u8], out: &mut Vec<Candidate>, base64_runs: &mut Vec<Range<usize>>) {
    for at in memchr::memchr_iter(b'@', b) {
        if let Some((s, e)) = email::email_at(b, at) {
            if email::is_sip_telephone_user(b, s, at) {
                // `sip:+4930123456@pbx.example.net`: a phone line, not a mailbox; its number
                // is tried as any number is.
                continue;
            }
            out.push(Candidate {
                data_type: DataType::Email,
                span: s..e,
                strength: Strength::Strong,
                country: None,
                claims: Vec::new(),
            });
        }
    }
    let mut i = 0;
    let n = b.len();
    while i < n {
        let c = b.get(i).copied().unwrap_or(0);
        let boundary = i == 0 || b.get(i - 1).is_some_and(|p| !p.is_ascii_alphanumeric());
        if !START[usize::from(c)] || !boundary {
            i += 1;
            continue;
        }
        i += scan_at(b, i, Mode::All, out, base64_runs).max(1);
    }
}

/// Alphanumeric length of the token at `i`.
fn token_len_at(b: &[u8], i: usize) -> usize {
    b.get(i..)
        .unwrap_or_default()
        .iter()
        .take_while(|&&x| CLASS[usize::from(x)] != 0)
        .count()
}

fn push(
    out: &mut Vec<Candidate>,
    data_type: DataType,
    span: Range<usize>,
    strength: Strength,
    country: Option<String>,
) {
    out.push(Candidate {
        data_type,
        span,
        strength,
        country,
        claims: Vec::new(),
    });
}

/// Whether a short word of `len` bytes at the start of `s` may go on into a value
/// (`ee:dc:...`, `fe80::1`, `aabb.ccdd.eeff`, `AB 12 34 56 C`); if not, no pattern starts there.
fn continues_after(s: &[u8], len: usize) -> bool {
    match s.get(len) {
        Some(b':' | b'-' | b'.') => true,
        Some(b' ') => s.get(len + 1).is_some_and(u8::is_ascii_digit),
        _ => false,
    }
}

/// Whether a strong candidate starts at token start `i` ([`Mode::FirstStrong`] at one token);
/// base64 runs starting there go to `base64_runs`.
///
/// Most machine-to-machine tokens are settled from their first bytes, by the same guards that
/// open each pattern in `scan_at`; the rest get the full try:
/// - a word, unless it starts `eyJ` (JWT), looks like the start of a MAC or IPv6 address (two
///   hex digits and `:`/`-`, four and `.`, or hex digits up to a `:` within 5), or is capitalised
///   with a digit within 7 bytes (IBAN, national IDs with letters): only its base64 run is left;
/// - a plain number followed by a byte no pattern continues with (`,`, a quote, a bracket, a
///   line end), with no `:`, `.` or `-` in its first five bytes: too plain for an address,
///   coordinate or grouped value, no base64 text, and as an unseparated digit run never a
///   strong national ID. It can only be a card or IMEI (checked here) or an international
///   phone number in `00` form (left to the full try);
/// - a short decimal number followed by such a byte, or by a space and such a number (a sample
///   line's `value timestamp`), and the fraction of a decimal number;
/// - a sign with no dot after it (no coordinate), `+` with no digit soon (no phone), and `(`.
///
/// Where only a grouped value can start (a capitalised word with a digit within 7 bytes and no
/// address shape, a number with no `:`, `.` or `-` in its first five bytes and not in `00`
/// form), that try is made alone.
pub(crate) fn strong_at(b: &[u8], i: usize, base64_runs: &mut Vec<Range<usize>>) -> bool {
    let s = b.get(i..).unwrap_or_default();
    let c = s.first().copied().unwrap_or(0);
    if c.is_ascii_alphabetic() {
        let len = token_len_at(b, i);
        let has_digit = s
            .get(..len)
            .is_some_and(|t| t.iter().any(u8::is_ascii_digit));
        if len < 8 && !has_digit && !continues_after(s, len) {
            return false;
        }
        let hex = c.is_ascii_hexdigit();
        let hex_at = |k: usize| s.get(k).is_some_and(u8::is_ascii_hexdigit);
        let jwt_or_address = s.starts_with(b"eyJ")
            || (hex
                && ((matches!(s.get(2), Some(b':' | b'-')) && hex_at(1))
                    || (s.get(4) == Some(&b'.') && (1..4).all(hex_at))
                    || first_non_hex_within_5(s) == Some(b':')));
        if !jwt_or_address {
            if c.is_ascii_uppercase() && s.iter().take(7).any(u8::is_ascii_digit) {
                return grouped_strong_at(b, i, len, base64_runs);
            }
            base64_run_at(b, i, len, base64_runs);
            return false;
        }
    } else if c.is_ascii_digit() {
        let len = s.iter().take_while(|x| x.is_ascii_digit()).count();
        let zero_zero = is_zero_zero(s);
        let guarded = s.iter().take(5).any(|&x| matches!(x, b':' | b'.' | b'-'));
        if stops_every_pattern(s.get(len).copied()) && !guarded && !zero_zero {
            let number = s.get(..len).unwrap_or_default();
            return financial::valid_card(number) || financial::valid_imei(number);
        }
        // A decimal number (`13.49`, `1028.6`): `int.frac` and then a stop.
        if s.get(len) == Some(&b'.') {
            let frac = s
                .get(len + 1..)
                .unwrap_or_default()
                .iter()
                .take_while(|x| x.is_ascii_digit())
                .count();
            let after = s.get(len + 1 + frac).copied();
            // Too few digits for a dotted national ID, no `00` phone.
            let short = frac > 0 && len + frac < 9 && !zero_zero;
            // Not an NMEA `ddmm.` start (2 to 6 fraction digits), not a decimal degree (1 to 3
            // and 5 to 7 digits), and no further dot for an IPv4 address.
            let plain = short
                && (len != 4 || frac == 1)
                && !((1..=3).contains(&len) && (5..=7).contains(&frac))
                && stops_every_pattern(after);
            if plain {
                return false;
            }
            // A sample line's `value timestamp` (`1162.324 1783137248924`): one dot and one
            // space mix two separators (no card or IMEI), one dot is no address or NMEA field,
            // the timestamp ends in a stop (no coordinate pair), and neither `int.frac` nor all
            // three groups have the length of a separated national ID.
            if after == Some(b' ') {
                let from = len + 1 + frac + 1;
                let tail = s
                    .get(from..)
                    .unwrap_or_default()
                    .iter()
                    .take_while(|x| x.is_ascii_digit())
                    .count();
                let sample = short
                    && tail > 0
                    && !matches!(len + frac + tail, 9..=13 | 15)
                    && stops_every_pattern(s.get(from + tail).copied());
                if sample {
                    return false;
                }
            }
        }
        // The fraction of a decimal number (`.324` of `1162.324`): the pattern scan tries no
        // grouped value there, and with no `:`, `.` or `-` in its first five bytes no address,
        // coordinate or NMEA field starts; short, it holds no base64 run.
        if in_decimal(b, i) && !guarded && token_len_at(b, i) < 8 {
            return false;
        }
        // Every other pattern opening with a digit has a `:`, `.` or `-` in its first five
        // bytes (MAC, IPv6, IPv4, NMEA, a decimal degree), or is a `00` phone number.
        if !guarded && !zero_zero {
            return grouped_strong_at(b, i, token_len_at(b, i), base64_runs);
        }
    } else if c == b'-' {
        // Only a coordinate starts with a sign, and its degree has a dot within 5 bytes.
        if !s.iter().take(5).skip(1).any(|&x| x == b'.') {
            return false;
        }
    } else if c == b'(' {
        // Only a phone number opens with a bracket, in national format: never strong (an
        // international number inside, `(+49) ...`, starts at its `+`).
        return false;
    } else if c == b'+' && !s.iter().take(7).any(u8::is_ascii_digit) {
        // A phone number opening: without a digit soon it is none.
        return false;
    }
    let mut out = Vec::new();
    scan_at(b, i, Mode::FirstStrong, &mut out, base64_runs);
    !out.is_empty()
}

/// The first byte of `s` that is not a hex digit, if it is among the first five: an IPv6
/// address starting with a hex digit has its first `:` there (a `.` before it would make its
/// first group an IPv4 address, which only the last groups may be).
fn first_non_hex_within_5(s: &[u8]) -> Option<u8> {
    s.iter().take(5).find(|x| !x.is_ascii_hexdigit()).copied()
}

/// An international number's `00` opening (not `000`).
pub(crate) fn is_zero_zero(s: &[u8]) -> bool {
    s.starts_with(b"00") && s.get(2).is_some_and(|&x| x != b'0')
}

/// What `scan_at` (first strong) tries at token start `i` (of `token_len` alphanumerics) where
/// no pattern but a grouped value can start: its base64 run, then the grouped value.
fn grouped_strong_at(
    b: &[u8],
    i: usize,
    token_len: usize,
    base64_runs: &mut Vec<Range<usize>>,
) -> bool {
    base64_run_at(b, i, token_len, base64_runs);
    if in_decimal(b, i) {
        return false;
    }
    let mut out = Vec::new();
    grouped_value(b, i, Mode::FirstStrong, &mut out);
    !out.is_empty()
}

/// Length of an ISO 8601 UTC timestamp at token start `i` (`2026-05-06T14:39:03.727Z`:
/// `YYYY-MM-DDThh:mm`, optional `:ss` and `.fff`, optional `Z`) followed by a byte that ends
/// every pattern (or a space after the `Z`): no token start inside it begins a strong
/// candidate, so the quiet check skips them all. Why, token by token (`scan_at`'s guards):
/// - `YYYY`: its groups `YYYY`, `MM`, `DDThh` give at most 11 compact bytes with a letter (no
///   card, IMEI, IBAN or strong national ID), no `.` or `:` within 5 bytes, no `00` phone;
/// - `MM`: `MM-DD` then `T` is no MAC, 7 compact bytes are too few;
/// - `DDThh`, `mm`, `ss`, `fff`: one colon is no IPv6 address, one dot no IPv4, three fraction
///   digits no coordinate, and at most 5 digits in a row of groups no grouped value.
///
/// Offsets (`+01:00`) are left to the token-by-token check.
pub(crate) fn iso_timestamp_len(b: &[u8], i: usize) -> Option<usize> {
    let s = b.get(i..)?;
    let digits = |from: usize, n: usize| {
        s.get(from..from + n)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    let at = |k: usize, c: u8| s.get(k) == Some(&c);
    let shape = digits(0, 4)
        && s.first() != Some(&b'0')
        && at(4, b'-')
        && digits(5, 2)
        && at(7, b'-')
        && digits(8, 2)
        && at(10, b'T')
        && digits(11, 2)
        && at(13, b':')
        && digits(14, 2);
    if !shape {
        return None;
    }
    let mut len = 16;
    if at(len, b':') && digits(len + 1, 2) {
        len += 3;
        if at(len, b'.') && digits(len + 1, 3) {
            len += 4;
        }
    }
    let utc = at(len, b'Z');
    len += usize::from(utc);
    // After a `Z` a space may follow too (`...916Z INFO`): the groups a space joins to
    // `ss.fffZ` keep a letter at a place no national ID has one.
    let next = s.get(len).copied();
    (stops_every_pattern(next) || (utc && next == Some(b' '))).then_some(len)
}

/// Whether the token at `i` is the fraction of a decimal number (right after `<digit>.`).
pub(crate) fn in_decimal(b: &[u8], i: usize) -> bool {
    i >= 2 && b.get(i - 1) == Some(&b'.') && b.get(i - 2).is_some_and(u8::is_ascii_digit)
}

/// Whether `next` (the byte after a number, `None` at the end) ends every pattern: no pattern
/// goes on with it, as a separator, digit group, address part or base64 character.
fn stops_every_pattern(next: Option<u8>) -> bool {
    next.is_none_or(|x| {
        !x.is_ascii_alphanumeric()
            && !matches!(
                x,
                b'+' | b' ' | b'-' | b'.' | b'/' | b'(' | b')' | b'_' | b'=' | b':'
            )
    })
}

/// Pushes the base64 run starting at token start `i` (of `token_len` alphanumerics), if any.
pub(crate) fn base64_run_at(
    b: &[u8],
    i: usize,
    token_len: usize,
    base64_runs: &mut Vec<Range<usize>>,
) {
    // A base64 run of MIN_BASE64_RUN characters has a long alphanumeric stretch at its start in
    // all but contrived cases; checking that first keeps ordinary words cheap.
    if token_len >= 8
        && (i == 0
            || b.get(i - 1)
                .is_some_and(|&p| !is_base64_byte(p) || p == b'='))
    {
        let run = b
            .get(i..)
            .unwrap_or_default()
            .iter()
            .take(1 << 20)
            .take_while(|&&x| is_base64_byte(x))
            .count();
        if run >= MIN_BASE64_RUN {
            base64_runs.push(i..i + run);
        }
    }
}

/// Tries every pattern at token start `i`; returns how many bytes to skip.
fn scan_at(
    b: &[u8],
    i: usize,
    mode: Mode,
    out: &mut Vec<Candidate>,
    base64_runs: &mut Vec<Range<usize>>,
) -> usize {
    let s = b.get(i..).unwrap_or_default();
    let c = s.first().copied().unwrap_or(0);
    // Alphanumeric length of this token, and whether it holds a digit: one pass decides most
    // tokens. A short word without digits can only begin a value if the value goes on past it
    // (`ee:dc:...`, `fe80::1`, `aabb.ccdd.eeff`, `AB 12 34 56 C`).
    let mut token_len = 0;
    let mut has_digit = false;
    for &x in s {
        let class = CLASS[usize::from(x)];
        if class == 0 {
            break;
        }
        has_digit |= class == DIGIT;
        token_len += 1;
    }
    if token_len > 0 && token_len < 8 && !has_digit && !continues_after(s, token_len) {
        return token_len;
    }
    if s.starts_with(b"eyJ")
        && let Some((len, claims)) = jwt::jwt_at(s)
    {
        if !claims.is_empty() {
            out.push(Candidate {
                data_type: DataType::Jwt,
                span: i..i + len,
                strength: Strength::Strong,
                country: None,
                claims,
            });
        }
        return len;
    }
    base64_run_at(b, i, token_len, base64_runs);
    let next_is = |len: usize, f: fn(u8) -> bool| s.get(len).is_some_and(|&x| f(x));
    if c.is_ascii_hexdigit() {
        if let Some(len) = network::mac_len(s)
            && !next_is(len, |x| x.is_ascii_alphanumeric() || x == b':' || x == b'-')
        {
            push(
                out,
                DataType::MacAddress,
                i..i + len,
                Strength::Strong,
                None,
            );
            return len;
        }
        // An IPv6 address has a ':' within its first five bytes.
        if s.iter().take(5).any(|&x| x == b':')
            && let Some(len) = network::ipv6_len(s)
            && !next_is(len, |x| x.is_ascii_alphanumeric())
            && b.get(i.wrapping_sub(1)) != Some(&b':')
        {
            push(out, DataType::Ipv6, i..i + len, Strength::Strong, None);
            return len;
        }
    }
    if c == b':' {
        return 1;
    }
    if c.is_ascii_digit() {
        // An address's first part is 1 to 3 digits and a dot.
        if s.get(1..4).is_some_and(|w| w.contains(&b'.'))
            && let Some(len) = network::ipv4_len(s)
            && !(next_is(len, |x| x.is_ascii_alphanumeric())
                || (s.get(len) == Some(&b'.') && next_is(len + 1, |x| x.is_ascii_digit())))
            && b.get(i.wrapping_sub(1)) != Some(&b'.')
        {
            push(out, DataType::Ipv4, i..i + len, Strength::Strong, None);
            return len;
        }
        if let Some(len) = gps::nmea_len(s) {
            push(
                out,
                DataType::GpsCoordinates,
                i..i + len,
                Strength::Strong,
                None,
            );
            return len;
        }
    }
    // Both orders of a pair start with a decimal degree; most numbers are not one.
    if (c.is_ascii_digit() || c == b'-')
        // A degree's dot comes after an optional sign and 1 to 3 digits.
        && s.get(1..5).is_some_and(|w| w.contains(&b'.'))
        && gps::degrees(s).is_some()
        && let Some(len) = gps::pair_len(s, false).or_else(|| gps::pair_len(s, true))
        && !next_is(len, |x| x.is_ascii_digit())
        && !in_tuple(b, i, i + len)
    {
        push(
            out,
            DataType::GpsCoordinates,
            i..i + len,
            Strength::Strong,
            None,
        );
        return len;
    }
    // A digit run right after "<digit>." is the fraction of a decimal number.
    if !in_decimal(b, i)
        && (c.is_ascii_digit() || c.is_ascii_uppercase() || c == b'+' || c == b'(')
        && let Some(len) = grouped_value(b, i, mode, out)
    {
        return len;
    }
    // Skip the rest of this alphanumeric token.
    token_len.max(1)
}

/// Whether the number pair at `start..end` is part of a longer number tuple (an accelerometer's
/// `x,y,z`), which a position never is.
fn in_tuple(b: &[u8], start: usize, end: usize) -> bool {
    let number_at = |i: usize| {
        b.get(i).is_some_and(u8::is_ascii_digit)
            || (b.get(i) == Some(&b'-') && b.get(i + 1).is_some_and(u8::is_ascii_digit))
    };
    let mut after = end;
    if b.get(after) == Some(&b',') {
        after += 1;
        while b.get(after) == Some(&b' ') {
            after += 1;
        }
        if number_at(after) {
            return true;
        }
    }
    let mut before = start;
    // A sign before the first digit belongs to the number.
    if before > 0 && b.get(before - 1) == Some(&b'-') {
        before -= 1;
    }
    while before > 0 && b.get(before - 1) == Some(&b' ') {
        before -= 1;
    }
    before >= 2
        && b.get(before - 1) == Some(&b',')
        && b.get(before - 2).is_some_and(u8::is_ascii_digit)
}

/// Separators allowed between groups of a number or identifier.
const fn is_group_sep(b: u8) -> bool {
    matches!(b, b' ' | b'-' | b'.' | b'/')
}

/// Alphanumeric groups separated by single separators, starting at `s[0]` (after a leading
/// `+`), with what every prefix of them is made of: one pass, however many prefixes are tried.
struct Groups {
    /// End of each group in `s` (below 82: groups start before byte 48 and hold at most 34).
    ends: [u8; MAX_GROUPS],
    count: usize,
    /// The alphanumerics of all groups, as far as they fit: a prefix's compact form is a prefix
    /// of it.
    compact: [u8; MAX_COMPACT],
    /// Length of the compact form up to each group's end (at most [`MAX_COMPACT`]).
    compact_ends: [u8; MAX_GROUPS],
    /// Index in `compact` of its first byte that is not a digit.
    first_non_digit: usize,
    /// Groups up to which every byte that is not alphanumeric (a leading `+` and the
    /// separators) is the same one.
    same_sep_count: usize,
    /// Groups after which a `.` or `/` has come.
    plain_sep_count: usize,
}

/// Longest compact form a grouped value is tried with.
const MAX_COMPACT: usize = 48;

impl Groups {
    fn of(s: &[u8]) -> Self {
        let mut groups = Self {
            ends: [0; MAX_GROUPS],
            count: 0,
            compact: [0; MAX_COMPACT],
            compact_ends: [0; MAX_GROUPS],
            first_non_digit: MAX_COMPACT,
            same_sep_count: MAX_GROUPS,
            plain_sep_count: MAX_GROUPS,
        };
        let plus = s.first() == Some(&b'+');
        let mut first_sep = plus.then_some(b'+');
        let mut filled = 0;
        let mut pos = usize::from(plus);
        while pos < s.len() && groups.count < MAX_GROUPS && pos < 48 {
            let start = pos;
            for &c in s.get(start..s.len().min(start + 34)).unwrap_or_default() {
                let class = CLASS[usize::from(c)];
                if class == 0 {
                    break;
                }
                if let Some(slot) = groups.compact.get_mut(filled) {
                    *slot = c;
                    if class != DIGIT {
                        groups.first_non_digit = groups.first_non_digit.min(filled);
                    }
                    filled += 1;
                }
                pos += 1;
            }
            if pos == start {
                break;
            }
            if let (Some(end), Some(compact_end)) = (
                groups.ends.get_mut(groups.count),
                groups.compact_ends.get_mut(groups.count),
            ) {
                *end = u8::try_from(pos).unwrap_or(u8::MAX);
                *compact_end = u8::try_from(filled).unwrap_or(u8::MAX);
            }
            groups.count += 1;
            let Some(&sep) = s.get(pos).filter(|&&x| is_group_sep(x)) else {
                break;
            };
            if s.get(pos + 1).is_none_or(|&x| CLASS[usize::from(x)] == 0) {
                break;
            }
            // This separator belongs to every prefix with more groups.
            if *first_sep.get_or_insert(sep) != sep {
                groups.same_sep_count = groups.same_sep_count.min(groups.count);
            }
            if matches!(sep, b'.' | b'/') {
                groups.plain_sep_count = groups.plain_sep_count.min(groups.count);
            }
            pos += 1;
        }
        groups
    }

    /// The compact form (alphanumerics, at most [`MAX_COMPACT`]) of groups `0..=k`.
    fn compact(&self, k: usize) -> &[u8] {
        let len = self.compact_ends.get(k).copied().unwrap_or(0);
        self.compact.get(..usize::from(len)).unwrap_or_default()
    }

    /// End of group `k` in `s`.
    fn end(&self, k: usize) -> usize {
        usize::from(self.ends.get(k).copied().unwrap_or(0))
    }

    fn digits_only(&self, k: usize) -> bool {
        usize::from(self.compact_ends.get(k).copied().unwrap_or(0)) <= self.first_non_digit
    }

    /// Whether groups `0..=k` are joined by one separator only (a leading `+` counts as one).
    fn single_sep(&self, k: usize) -> bool {
        k < self.same_sep_count
    }

    /// Whether groups `0..=k` are joined by a `.` or `/` somewhere.
    fn dot_or_slash(&self, k: usize) -> bool {
        k >= self.plain_sep_count
    }
}

/// Most groups a grouped value is made of.
const MAX_GROUPS: usize = 10;

/// Numbers and identifiers made of groups: cards, IMEIs, IBANs, national IDs, phones.
#[expect(
    clippy::too_many_lines,
    reason = "the grouped types share one walk over group boundaries"
)]
fn grouped_value(b: &[u8], i: usize, mode: Mode, out: &mut Vec<Candidate>) -> Option<usize> {
    let s = b.get(i..).unwrap_or_default();
    // Every value made of groups holds at least 6 digits within its first 48 bytes; most
    // capitalised words and short numbers stop here without further work.
    // IBANs, national IDs with letters and all numbers have a digit within their first 7 bytes.
    if !s.iter().take(7).any(u8::is_ascii_digit) {
        return None;
    }
    let mut digits = 0;
    for &c in s.iter().take(48) {
        let class = VALUE_CLASS[usize::from(c)];
        if class == 0 {
            break;
        }
        // Counted without a branch: digits and letters alternate unpredictably.
        digits += usize::from(class == DIGIT);
    }
    if digits < 6 {
        return None;
    }
    // Only an international number is a strong phone candidate: the first-strong scan looks at
    // no other phone shape.
    let phone_may_count = mode == Mode::All || phone::is_international(s.get(..3).unwrap_or(s));
    if phone_may_count
        && s.first()
            .is_some_and(|&c| c.is_ascii_digit() || c == b'(' || c == b'+')
    {
        let len = phone::phone_run_len(s);
        if len >= 7 && !s.get(len).is_some_and(u8::is_ascii_alphanumeric) {
            let text = s.get(..len)?;
            if phone::is_international(text) {
                if let Some(region) = phone::valid_phone(text, &[]) {
                    push(
                        out,
                        DataType::Phone,
                        i..i + len,
                        Strength::Strong,
                        Some(region),
                    );
                    return Some(len);
                }
            } else if mode == Mode::All
                && phone::phone_shape(text)
                && keywords::preceding_kind(b, i) == FieldKind::Phone
            {
                push(
                    out,
                    DataType::Phone,
                    i..i + len,
                    Strength::NeedsContext,
                    None,
                );
            }
        }
    }
    let groups = Groups::of(s);
    for k in (0..groups.count).rev() {
        let end = groups.end(k);
        if s.get(end).is_some_and(u8::is_ascii_alphanumeric) {
            continue;
        }
        let text = s.get(..end)?;
        let compact = groups.compact(k);
        if compact.len() < 9 {
            break;
        }
        let digits_only = groups.digits_only(k);
        if digits_only && groups.single_sep(k) && !groups.dot_or_slash(k) {
            if compact.len() == 15
                && financial::valid_imei(compact)
                && financial::imei_grouping(text)
            {
                push(out, DataType::Imei, i..i + end, Strength::Strong, None);
                return Some(end);
            }
            if financial::valid_card(compact) && financial::card_grouping(text) {
                push(
                    out,
                    DataType::CreditCard,
                    i..i + end,
                    Strength::Strong,
                    None,
                );
                return Some(end);
            }
        }
        if !digits_only
            && compact.len() >= 15
            && compact.iter().take(2).all(u8::is_ascii_uppercase)
            && financial::valid_iban(compact)
        {
            push(
                out,
                DataType::Iban,
                i..i + end,
                Strength::Strong,
                Some(String::from_utf8_lossy(compact.get(..2)?).into_owned()),
            );
            return Some(end);
        }
        let separated = compact.len() != text.len();
        if mode == Mode::FirstStrong && !national_id::may_be_strong(compact, separated) {
            continue;
        }
        if let Some(id) = national_id::identify(text, None) {
            let strength = if id.strong {
                Strength::Strong
            } else {
                Strength::NeedsContext
            };
            push(
                out,
                DataType::NationalId,
                i..i + end,
                strength,
                Some(id.scheme.to_owned()),
            );
            return Some(end);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Candidates that need no context.
    fn found(s: &str) -> Vec<(DataType, String)> {
        let mut out = Vec::new();
        scan(s.as_bytes(), &mut out, &mut Vec::new());
        out.into_iter()
            .filter(|c| c.strength == Strength::Strong)
            .map(|c| (c.data_type, s[c.span].to_owned()))
            .collect()
    }

    #[test]
    fn finds_values_in_text() {
        let got = found(
            "lease 192.168.32.212 -> ee:dc:6c:30:0c:86 card 4111 1111 1111 1111, iban DE89 3704 0044 0532 0130 00 to +49 30 901820.",
        );
        assert!(got.contains(&(DataType::Ipv4, "192.168.32.212".into())));
        assert!(got.contains(&(DataType::MacAddress, "ee:dc:6c:30:0c:86".into())));
        assert!(got.contains(&(DataType::CreditCard, "4111 1111 1111 1111".into())));
        assert!(got.contains(&(DataType::Iban, "DE89 3704 0044 0532 0130 00".into())));
        assert!(got.contains(&(DataType::Phone, "+49 30 901820".into())));
    }

    #[test]
    fn positions_not_sensor_tuples() {
        assert_eq!(found("pos=59.73261,22.07267 ok").len(), 1);
        assert!(found("acc=-1.625572,-1.637138,9.427413").is_empty());
        assert!(found("acc=9.427413,-1.625572,-1.637138").is_empty());
    }

    #[test]
    fn imei_is_not_a_card() {
        let got = found("imei 490154203237518 x");
        assert_eq!(got, vec![(DataType::Imei, "490154203237518".into())]);
    }

    #[test]
    fn skips_version_like_long_quads() {
        assert!(found("Chrome/120.0.6099.109").is_empty());
    }

    proptest! {
        #[test]
        fn never_panics_and_spans_in_bounds(input in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut out = Vec::new();
            let mut runs = Vec::new();
            scan(&input, &mut out, &mut runs);
            for c in out { prop_assert!(c.span.start < c.span.end && c.span.end <= input.len()); }
        }

        #[test]
        fn never_panics_on_texty(input in "[0-9A-Za-z .:@+()/-]{0,200}") {
            let mut out = Vec::new();
            scan(input.as_bytes(), &mut out, &mut Vec::new());
        }
    }
}
