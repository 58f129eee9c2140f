//! libphonenumber's parsing, validity check and region of a number, with the numbering-plan
//! regexes compiled once per thread and searched anchored.
//!
//! `phonenumber::PhoneNumber::is_valid` looks every regex up by its source in one shared LRU
//! (a `SipHash` of sources up to kilobytes long, under a mutex), searches it unanchored and keeps
//! the match only when it starts at 0. The crate's parser adds nom combinators over Unicode
//! character lists, a dozen Unicode regexes and several allocations a number. Together they cost
//! 2 to 7 µs for each number the engine had not met (the memo in `phone::valid_phone` answers
//! repeats only), a third of the engine's time on a mixed stream of new values. Here the same
//! regexes, built without Unicode classes (see [`compile`]), are searched anchored at 0, which
//! finds a match exactly when the leftmost unanchored match starts there, and [`parse`] follows
//! the crate's parser step by step for the texts the engine hands it (ASCII digits, `+` and the
//! separators ` -./()`), quirks included; any other text goes to the crate's parser. The rules
//! after parsing are the crate's own too (`validator::source_for`: which region of a calling
//! code the number belongs to; `validator::number_type`: the general pattern and one of the
//! number types, each with its possible lengths). The tests below hold every answer to the
//! crate's: the parsed number, its validity and its region, on generated numbers of every
//! calling code and on random texts.

use std::{cell::OnceCell, sync::LazyLock};

use phonenumber::{
    country::Id,
    metadata::{DATABASE, Descriptor, Metadata},
};
use regex_automata::{
    Anchored, Input,
    meta::Regex,
    util::{captures::Captures, syntax},
};

/// Shortest national significant number the crate accepts (`consts::MIN_LENGTH_FOR_NSN`).
const MIN_NATIONAL: usize = 2;
/// Longest national significant number the crate accepts (`consts::MAX_LENGTH_FOR_NSN`).
const MAX_NATIONAL: usize = 17;

/// A parsed number: calling code and national significant number, as the crate's
/// `PhoneNumber` holds them (`code().value()`, `national().to_string()`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub(crate) code: u16,
    /// ASCII digits, leading zeros kept (Italian fixed lines).
    pub(crate) national: String,
}

/// `phonenumber::parse(region, text)`, or `None` where it returns an error.
pub(crate) fn parse(region: Option<Id>, text: &str) -> Option<Parsed> {
    if text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b' ' | b'-' | b'.' | b'/' | b'(' | b')'))
    {
        return parse_ascii(region, text);
    }
    let number = phonenumber::parse(region, text).ok()?;
    Some(Parsed {
        code: number.code().value(),
        national: number.national().to_string(),
    })
}

/// Whether the number is valid in the numbering plan of its calling code
/// (`phonenumber::PhoneNumber::is_valid`).
pub(crate) fn is_valid(number: &Parsed) -> bool {
    with_plan(number.code, |plan| {
        plan.source(&number.national)
            .is_some_and(|region| region.checks().is_valid(&number.national))
    })
}

/// The region the number belongs to (`phonenumber::PhoneNumber::country().id()`), which the
/// crate decides from the national number without its leading zeros.
pub(crate) fn region(number: &Parsed) -> Option<Id> {
    let national = number.national.trim_start_matches('0');
    with_plan(number.code, |plan| {
        plan.source(national).and_then(|region| region.id)
    })
}

/// The number in the making (`parser::helper::Number`): the national part and the calling
/// code, once found.
struct Draft {
    /// Written with a calling code (a `+`, an RFC 3966 prefix, a dialling prefix): the crate's
    /// `country::Source` other than `Default`.
    international: bool,
    national: String,
    prefix: Option<u16>,
}

/// `phonenumber::parse` for a text of ASCII digits, `+` and ` -./()` (no letters, so no
/// extension and no alpha number), step by step. With a region, its metadata reads the calling
/// code and strips the national prefix; without one, the region the number's calling code and
/// leading digits name strips it.
fn parse_ascii(region: Option<Id>, text: &str) -> Option<Parsed> {
    let (national, prefix) = split_number(text)?;
    if !is_viable(national) {
        return None;
    }
    let (code, national) = if let Some(id) = region {
        with_region_parsing(id, |found| {
            let draft = country_code(draft(national, prefix, found.map(|(p, _)| p))?, found)?;
            let national = match found {
                Some((parsing, checks)) => parsing.strip_national_prefix(checks, draft.national),
                None => draft.national,
            };
            Some((draft.prefix?, national))
        })?
    } else {
        let draft = country_code(draft(national, prefix, None)?, None)?;
        let code = draft.prefix?;
        let national = with_plan(code, |plan| {
            match plan.source(draft.national.trim_start_matches('0')) {
                Some(region) => region
                    .parsing()
                    .strip_national_prefix(region.checks(), draft.national),
                None => draft.national,
            }
        });
        (code, national)
    };
    if !(MIN_NATIONAL..=MAX_NATIONAL).contains(&national.len()) {
        return None;
    }
    // `NationalNumber::from_str`: leading zeros counted, the rest a u64 below 2^56.
    let zeros = national.bytes().take_while(|&b| b == b'0').count();
    let value: u64 = national.get(zeros..)?.parse().ok()?;
    (value < 1 << 56).then_some(Parsed { code, national })
}

/// The text's digits.
fn digits(text: &str) -> String {
    text.bytes()
        .filter(u8::is_ascii_digit)
        .map(char::from)
        .collect()
}

/// `helper::international_prefix`: the national part's digits, where the number came from,
/// and the international dialling prefix of the given region (`parsing`) stripped.
fn draft(national: &str, prefix: Option<&str>, parsing: Option<&Parsing>) -> Option<Draft> {
    if let Some(prefix) = prefix {
        return Some(Draft {
            international: true,
            national: digits(national),
            prefix: Some(digits(prefix).parse().ok()?),
        });
    }
    let pluses = national.bytes().take_while(|&b| b == b'+').count();
    let mut draft = Draft {
        international: pluses > 0,
        national: digits(national.get(pluses..)?),
        prefix: None,
    };
    let idd = parsing.and_then(|parsing| parsing.idd.as_ref());
    // A zero after the dialling prefix is no calling code: the prefix stays.
    if let Some(end) = idd.and_then(|idd| idd.match_end(&draft.national))
        && !draft.national.get(end..)?.starts_with('0')
    {
        draft.international = true;
        draft.national.drain(..end);
    }
    Some(draft)
}

/// `helper::country_code`: the calling code, read from the number or taken from the given
/// region (`parsing`, with its checks).
fn country_code(mut draft: Draft, parsing: Option<(&Parsing, &Checks)>) -> Option<Draft> {
    if !draft.international {
        let (parsing, checks) = parsing?;
        let code = &parsing.code;
        // A national number written with the calling code in front but no `+`.
        if draft.national.starts_with(code.as_str())
            && (!checks.general.is_match(&draft.national)
                || !parsing.length(draft.national.len()).is_possible())
        {
            draft.national.drain(..code.len());
        }
        draft.prefix = code.parse().ok();
        return Some(draft);
    }
    if draft.national.len() <= MIN_NATIONAL {
        return None;
    }
    if let Some(prefix) = draft.prefix {
        return has_code(prefix).then_some(draft);
    }
    if draft.national.starts_with('0') {
        return None;
    }
    // The shortest leading digits that are a calling code.
    let len = (1..=3).find(|&len| {
        draft
            .national
            .get(..len)
            .and_then(|code| code.parse().ok())
            .is_some_and(has_code)
    })?;
    draft.prefix = draft.national.get(..len)?.parse().ok();
    draft.national.drain(..len);
    Some(draft)
}

/// `alt((rfc3966::phone_number, natural::phone_number))` for an ASCII text: the national part
/// and, for an RFC 3966 global number, the calling code as written.
fn split_number(text: &str) -> Option<(&str, Option<&str>)> {
    let rfc_separator = |b: u8| matches!(b, b'-' | b'.' | b'(' | b')');
    // RFC 3966 (tried first; spaces are not its separators): an optional `+` and everything
    // up to the first separator as the calling code, then digits and separators to the end.
    if !text.contains(' ') {
        let (prefix, rest) = match text.strip_prefix('+') {
            Some(after) => {
                let len = after.bytes().take_while(|&b| !rfc_separator(b)).count();
                if len == 0 {
                    (None, text)
                } else {
                    (after.get(..len), after.get(len..)?)
                }
            }
            None => (None, text),
        };
        if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit() || rfc_separator(b)) {
            return Some((rest, prefix));
        }
    }
    // Natural text (`helper::extract`): from the first `+` or digit, without trailing
    // characters that are neither digits nor letters.
    let start = text.find(|c: char| c == '+' || c.is_ascii_digit())?;
    let national = text
        .get(start..)?
        .trim_end_matches(|c: char| !c.is_ascii_digit());
    (!national.is_empty()).then_some((national, None))
}

/// `validator::is_viable` for an ASCII text: two digits alone, or leading `+` signs and then
/// at least three digits among separators.
fn is_viable(national: &str) -> bool {
    let b = national.as_bytes();
    if b.len() < MIN_NATIONAL {
        return false;
    }
    if b.len() == 2 && b.iter().all(u8::is_ascii_digit) {
        return true;
    }
    let body = national.trim_start_matches('+');
    !body.contains('+') && body.bytes().filter(u8::is_ascii_digit).count() >= 3
}

/// Whether the metadata has a region (or a non-geographic entry) for calling code `code`.
fn has_code(code: u16) -> bool {
    static CODES: LazyLock<Vec<bool>> = LazyLock::new(|| {
        (0..1000_u16)
            .map(|code| DATABASE.by_code(&code).is_some())
            .collect()
    });
    CODES.get(usize::from(code)).copied().unwrap_or(false)
}

/// Calls `f` with region `id`'s parsing data and checks (`None` for a region whose calling
/// code's plan lacks it); `None` for a region the metadata does not know.
fn with_region_parsing<T>(
    id: Id,
    f: impl FnOnce(Option<(&Parsing, &Checks)>) -> Option<T>,
) -> Option<T> {
    let code = DATABASE.by_id(id.as_ref()).map(Metadata::country_code)?;
    with_plan(code, |plan| {
        let found = plan.regions.iter().find(|region| region.id == Some(id));
        f(found.map(|region| (region.parsing(), region.checks())))
    })
}

/// Calls `f` with this thread's plan of calling code `code`, built on first use.
fn with_plan<T>(code: u16, f: impl FnOnce(&CodePlan) -> T) -> T {
    /// Calling codes are at most three digits.
    const CODES: usize = 1000;
    thread_local! {
        static PLANS: Vec<OnceCell<CodePlan>> = (0..CODES).map(|_| OnceCell::new()).collect();
    }
    PLANS.with(|plans| match plans.get(usize::from(code)) {
        Some(cell) => f(cell.get_or_init(|| CodePlan::of(code))),
        None => f(&CodePlan::default()),
    })
}

/// The regions sharing one calling code, in the metadata's order.
#[derive(Default)]
struct CodePlan {
    /// More than one region: the number's region is the first whose leading digits match it,
    /// or, for a region without leading digits, whose plan the number is valid in.
    shared: bool,
    regions: Vec<Region>,
}

impl CodePlan {
    fn of(code: u16) -> Self {
        let Some(ids) = DATABASE.region(&code) else {
            return Self::default();
        };
        let shared = ids.len() > 1;
        let metadata: Vec<&Metadata> = match ids.as_slice() {
            // A non-geographic code (`+800`, `+882`): the code's first entry.
            ["001"] => DATABASE
                .by_code(&code)
                .and_then(|entries| entries.into_iter().next())
                .into_iter()
                .collect(),
            // One region: only one the crate's region type knows.
            [id] if id.parse::<Id>().is_err() => Vec::new(),
            _ => ids.iter().filter_map(|id| DATABASE.by_id(*id)).collect(),
        };
        Self {
            shared,
            regions: metadata.into_iter().map(Region::of).collect(),
        }
    }

    /// `validator::source_for`: the region whose plan decides the number.
    fn source(&self, national: &str) -> Option<&Region> {
        if !self.shared {
            return self.regions.first();
        }
        self.regions
            .iter()
            .find(|region| match &region.leading_digits {
                Some(leading) => leading.matches_at_start(national),
                None => region.checks().is_valid(national),
            })
    }
}

/// One region's metadata.
struct Region {
    metadata: &'static Metadata,
    id: Option<Id>,
    leading_digits: Option<Pattern>,
    /// Gathered when a number first reaches this region's plan.
    checks: OnceCell<Checks>,
    /// Gathered when a number is first parsed with this region's metadata.
    parsing: OnceCell<Parsing>,
}

impl Region {
    fn of(metadata: &'static Metadata) -> Self {
        Self {
            metadata,
            id: metadata.id().parse().ok(),
            leading_digits: metadata
                .leading_digits()
                .map(|regex| Pattern::new(regex.as_str())),
            checks: OnceCell::new(),
            parsing: OnceCell::new(),
        }
    }

    fn checks(&self) -> &Checks {
        self.checks.get_or_init(|| Checks::of(self.metadata))
    }

    fn parsing(&self) -> &Parsing {
        self.parsing.get_or_init(|| Parsing::of(self.metadata))
    }
}

/// What the crate's parser reads from a region's metadata.
struct Parsing {
    /// The calling code as written.
    code: String,
    /// International dialling prefix (`00`, `011`, ...).
    idd: Option<Pattern>,
    /// National (trunk) prefix (`0`, `1`, `8`, ...).
    national_prefix: Option<&'static str>,
    /// National prefix and carrier codes as a pattern, with the rule some regions rewrite the
    /// number with.
    prefix_pattern: Option<Pattern>,
    transform: Option<&'static str>,
    /// The general descriptor's possible lengths, and those valid only for local dialling.
    possible: &'static [u16],
    local: &'static [u16],
}

/// `validator::Validation` of a national number's length.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Length {
    Possible,
    PossibleLocalOnly,
    TooShort,
    TooLong,
    Invalid,
}

impl Length {
    const fn is_possible(self) -> bool {
        matches!(self, Self::Possible | Self::PossibleLocalOnly)
    }
}

impl Parsing {
    fn of(metadata: &'static Metadata) -> Self {
        let general = metadata.descriptors().general();
        Self {
            code: metadata.country_code().to_string(),
            idd: metadata
                .international_prefix()
                .map(|regex| Pattern::new(regex.as_str())),
            national_prefix: metadata.national_prefix(),
            prefix_pattern: metadata
                .national_prefix_for_parsing()
                .map(|regex| Pattern::new(regex.as_str())),
            transform: metadata.national_prefix_transform_rule(),
            possible: general.possible_length(),
            local: general.possible_local_length(),
        }
    }

    /// `validator::length(meta, number, Type::Unknown)`.
    fn length(&self, len: usize) -> Length {
        let (Some(&minimum), Some(&maximum)) = (self.possible.first(), self.possible.last()) else {
            return Length::Invalid;
        };
        let Ok(len) = u16::try_from(len) else {
            return Length::TooLong;
        };
        if self.local.contains(&len) {
            Length::PossibleLocalOnly
        } else if len == minimum {
            Length::Possible
        } else if len < minimum {
            Length::TooShort
        } else if len > maximum {
            Length::TooLong
        } else if self.possible.contains(&len) {
            Length::Possible
        } else {
            Length::Invalid
        }
    }

    /// The national number without its national prefix, as `parse` keeps it: stripped by
    /// [`Self::national_number`], then of the national prefix once more (so the crate does),
    /// unless that leaves it too short for the region.
    fn strip_national_prefix(&self, checks: &Checks, national: String) -> String {
        let mut potential = self.national_number(checks, &national);
        if let Some(prefix) = self.national_prefix
            && potential.starts_with(prefix)
        {
            potential.drain(..prefix.len());
        }
        if self.length(potential.len()) == Length::TooShort {
            national
        } else {
            potential
        }
    }

    /// `helper::national_number`: the national number without its national prefix or carrier
    /// code, or rewritten by the region's transform rule.
    fn national_number(&self, checks: &Checks, national: &str) -> String {
        let Some(prefix_pattern) = &self.prefix_pattern else {
            return match self.national_prefix {
                Some(prefix) if national.starts_with(prefix) => {
                    national.get(prefix.len()..).unwrap_or_default().to_owned()
                }
                _ => national.to_owned(),
            };
        };
        let Some(captures) = prefix_pattern.captures_at_start(national) else {
            return national.to_owned();
        };
        let end = captures.get_match().map_or(0, |m| m.end());
        let rest = national.get(end..).unwrap_or_default();
        // The crate takes the last group, the whole match when the pattern has none.
        let last_group = captures.group_len().saturating_sub(1);
        match self.transform {
            Some(transform) if captures.get_group(last_group).is_some() => {
                let viable = checks.general.is_match(national);
                let mut transformed = String::new();
                captures.interpolate_string_into(national, transform, &mut transformed);
                transformed.push_str(rest);
                if viable && !checks.general.is_match(&transformed) {
                    national.to_owned()
                } else {
                    transformed
                }
            }
            // The crate's check here compares the number with itself, so it never keeps it.
            _ => rest.to_owned(),
        }
    }
}

/// The descriptors `validator::number_type` tries.
struct Checks {
    general: Check,
    /// Premium rate, toll free, shared cost, `VoIP`, personal number, pager, UAN, voicemail, fixed
    /// line and mobile: any of them makes the number's type known.
    types: Vec<Check>,
}

impl Checks {
    fn of(metadata: &'static Metadata) -> Self {
        let descriptors = metadata.descriptors();
        Self {
            general: Check::of(descriptors.general()),
            types: [
                descriptors.premium_rate(),
                descriptors.toll_free(),
                descriptors.shared_cost(),
                descriptors.voip(),
                descriptors.personal_number(),
                descriptors.pager(),
                descriptors.uan(),
                descriptors.voicemail(),
                descriptors.fixed_line(),
                descriptors.mobile(),
            ]
            .into_iter()
            .flatten()
            .map(Check::of)
            .collect(),
        }
    }

    /// `validator::number_type(..) != Type::Unknown`.
    fn is_valid(&self, national: &str) -> bool {
        self.general.is_match(national) && self.types.iter().any(|check| check.is_match(national))
    }
}

/// One descriptor: its possible lengths and its national-number pattern.
struct Check {
    lengths: &'static [u16],
    pattern: Pattern,
}

impl Check {
    fn of(descriptor: &'static Descriptor) -> Self {
        Self {
            lengths: descriptor.possible_length(),
            pattern: Pattern::new(descriptor.national_number().as_str()),
        }
    }

    /// `Descriptor::is_match`: the length first, so that a pattern no number of its lengths has
    /// reached is never compiled.
    fn is_match(&self, national: &str) -> bool {
        (self.lengths.is_empty()
            || u16::try_from(national.len()).is_ok_and(|len| self.lengths.contains(&len)))
            && self.pattern.matches_at_start(national)
    }
}

/// One of the metadata's regexes, compiled on first use: a thread meets few of the plans'
/// thousands of patterns, and most numbers fail a region's general pattern or its lengths
/// before any number type is tried.
struct Pattern {
    source: &'static str,
    regex: OnceCell<Option<Regex>>,
}

impl Pattern {
    const fn new(source: &'static str) -> Self {
        Self {
            source,
            regex: OnceCell::new(),
        }
    }

    fn regex(&self) -> Option<&Regex> {
        self.regex.get_or_init(|| compile(self.source)).as_ref()
    }

    /// Whether the pattern matches a prefix of `text`.
    fn matches_at_start(&self, text: &str) -> bool {
        self.regex()
            .is_some_and(|regex| regex.is_match(Input::new(text).anchored(Anchored::Yes)))
    }

    /// The end of the pattern's (leftmost-first) match at the start of `text`.
    fn match_end(&self, text: &str) -> Option<usize> {
        self.regex()?
            .search(&Input::new(text).anchored(Anchored::Yes))
            .map(|m| m.end())
    }

    /// The groups of the pattern's (leftmost-first) match at the start of `text`.
    fn captures_at_start(&self, text: &str) -> Option<Captures> {
        let regex = self.regex()?;
        let mut captures = regex.create_captures();
        regex.search_captures(&Input::new(text).anchored(Anchored::Yes), &mut captures);
        captures.is_match().then_some(captures)
    }
}

/// The metadata's regex, with the syntax option the crate builds it with (whitespace ignored);
/// `None` if it does not compile (the crate checks every one when it loads).
///
/// The crate's regexes are Unicode-aware, so its `\d` compiles to every script's digits. The
/// texts matched here are national numbers written by `NationalNumber`'s `Display`, ASCII digits
/// only, on which ASCII classes match exactly as Unicode ones do: built without Unicode, a
/// region's patterns compile several times faster into smaller automata.
///
/// Nor is a full DFA or a prefilter built: the searches are anchored and a few digits long,
/// which the lazy DFA answers as fast, and a thread meets new regions as new numbers come, so
/// building costs more than matching (on values not met before, 12M of 150M instructions a
/// round of clean traffic went to compiling).
fn compile(source: &str) -> Option<Regex> {
    Regex::builder()
        .configure(Regex::config().dfa(false).auto_prefilter(false))
        .syntax(
            syntax::Config::new()
                .ignore_whitespace(true)
                .unicode(false)
                .utf8(false),
        )
        .build(source)
        .ok()
}

/// Where our parse of `text` differs from the crate's, or the validity or region of the number
/// it parses to: a description of the difference. For the tests and the `phone_parse` fuzz
/// target.
#[cfg(any(test, fuzzing))]
pub(crate) fn differs_from_crate(region: Option<Id>, text: &str) -> Option<String> {
    let theirs = phonenumber::parse(region, text).ok();
    let ours = parse(region, text);
    let theirs_parsed = theirs.as_ref().map(|number| Parsed {
        code: number.code().value(),
        national: number.national().to_string(),
    });
    if ours != theirs_parsed {
        return Some(format!(
            "{text:?} in {region:?}: parsed {ours:?}, crate {theirs_parsed:?}"
        ));
    }
    let (number, ours) = (theirs?, ours?);
    let (valid, crate_valid) = (is_valid(&ours), number.is_valid());
    if valid != crate_valid {
        return Some(format!("{text}: valid {valid}, crate {crate_valid}"));
    }
    let (found, crate_found) = (self::region(&ours), number.country().id());
    (found != crate_found).then(|| format!("{text}: region {found:?}, crate {crate_found:?}"))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn same_as_crate(region: Option<Id>, text: &str) -> Result<(), String> {
        differs_from_crate(region, text).map_or(Ok(()), Err)
    }

    /// The ways the engine meets a region's national number: international with the calling
    /// code (spaces, RFC 3966 dashes, `00`), national with the trunk prefix (plain, with
    /// parentheses, dotted), and with the calling code but no `+`.
    fn writings(metadata: &Metadata, national: &str) -> Vec<(Option<Id>, String)> {
        let code = metadata.country_code();
        let region: Option<Id> = metadata.id().parse().ok();
        let trunk = metadata.national_prefix().unwrap_or_default();
        let (head, tail) = national.split_at(national.len().min(3));
        let mut writings = vec![
            (None, format!("+{code} {national}")),
            (None, format!("+{code}-{head}-{tail}")),
            (None, format!("+{code}{national}")),
        ];
        if region.is_some() {
            writings.extend([
                (region, national.to_owned()),
                (region, format!("{trunk}{national}")),
                (region, format!("({trunk}{head}) {tail}")),
                (region, format!("{trunk}{head}.{tail}")),
                (region, format!("{trunk}{head}/{tail}")),
                (region, format!("{code}{national}")),
                (region, format!("00{code} {national}")),
                (region, format!("011 {code} {national}")),
                (region, format!("+{code} ({trunk}) {national}")),
            ]);
        }
        writings
    }

    /// Every calling code in the metadata, with each region's example numbers and their
    /// neighbours (one digit changed, one added, one removed), written in the ways above:
    /// valid and invalid numbers of every plan, shared codes (`+1`, `+7`, `+44`), non-
    /// geographic ones and transform rules (Argentina's `15`) included.
    #[test]
    fn examples_of_every_plan_agree_with_the_crate() {
        let mut checked = 0;
        for metadata in DATABASE.iter() {
            let descriptors = metadata.descriptors();
            let examples = [
                Some(descriptors.general()),
                descriptors.fixed_line(),
                descriptors.mobile(),
                descriptors.toll_free(),
                descriptors.premium_rate(),
                descriptors.voip(),
                descriptors.uan(),
            ]
            .into_iter()
            .flatten()
            .filter_map(Descriptor::example);
            for example in examples {
                let mut variants = vec![example.to_owned(), format!("{example}0")];
                for (i, c) in example.char_indices() {
                    let digit = c.to_digit(10).unwrap_or(0);
                    let mut changed = example.to_owned();
                    changed.replace_range(i..=i, &((digit + 1) % 10).to_string());
                    variants.push(changed);
                }
                variants.push(
                    example
                        .get(..example.len().saturating_sub(1))
                        .unwrap_or_default()
                        .to_owned(),
                );
                for national in variants {
                    for (region, text) in writings(metadata, &national) {
                        if let Err(error) = same_as_crate(region, &text) {
                            panic!("{}: {error}", metadata.id());
                        }
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 100_000, "only {checked} numbers checked");
    }

    /// Every region the metadata knows by a country id.
    fn any_region() -> impl Strategy<Value = Option<Id>> {
        let ids: Vec<Id> = DATABASE
            .iter()
            .filter_map(|m| m.id().parse().ok())
            .collect();
        proptest::option::weighted(0.8, proptest::sample::select(ids))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// Random digits after random calling codes, as the engine writes international numbers.
        #[test]
        fn random_international_numbers_agree(code in 1_u16..1000, national in "[0-9]{4,14}") {
            same_as_crate(None, &format!("+{code}{national}")).map_err(TestCaseError::fail)?;
        }

        /// Random national numbers in the engine's default regions.
        #[test]
        fn random_national_numbers_agree(
            region in proptest::sample::select(crate::detect::phone::DEFAULT_REGIONS),
            national in "0?[0-9]{5,12}",
        ) {
            same_as_crate(region.parse().ok(), &national).map_err(TestCaseError::fail)?;
        }

        /// Random texts of digits, `+` and separators in any region or none: the RFC 3966
        /// and natural readings, dialling prefixes, trunk prefixes and their quirks.
        #[test]
        fn random_texts_agree(region in any_region(), text in "[+]?[0-9 ().\\-/+]{0,24}") {
            same_as_crate(region, &text).map_err(TestCaseError::fail)?;
        }

        /// Random numbers shaped as people write them.
        #[test]
        fn random_written_numbers_agree(
            region in any_region(),
            text in "(\\+|00|011|0)?[0-9]{1,3}[ ./-]?\\(?[0-9]{1,4}\\)?[ ./-]?[0-9]{2,8}([ .-][0-9]{1,5})?",
        ) {
            same_as_crate(region, &text).map_err(TestCaseError::fail)?;
        }
    }
}
