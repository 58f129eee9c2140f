//! libphonenumber's validity check and region of a parsed number, with the numbering-plan
//! regexes compiled once per thread and searched anchored.
//!
//! `phonenumber::PhoneNumber::is_valid` looks every regex up by its source in one shared LRU
//! (a SipHash of sources up to kilobytes long, under a mutex), searches it unanchored and keeps
//! the match only when it starts at 0. With the crate's parsing, a number cost 3 to 16 µs on
//! this project's machines: over a third of the engine's instructions on a mixed corpus of
//! values it had not seen before (the memo in `phone::valid_phone` answers repeats only). Here
//! the same regexes, built without Unicode classes (see [`compile`]), are searched anchored at
//! 0, which finds a match exactly when the leftmost unanchored match starts there: an eighth of
//! the crate's instructions for the check (callgrind). The rules around them are the
//! crate's own (`validator::source_for`: which region of a calling code the number belongs
//! to; `validator::number_type`: the general pattern and one of the number types, each with its
//! possible lengths); the tests below hold both answers to the crate's on generated numbers of
//! every calling code.

use std::cell::OnceCell;

use phonenumber::{
    PhoneNumber,
    country::Id,
    metadata::{DATABASE, Descriptor, Metadata},
};
use regex_automata::{Anchored, Input, meta::Regex, util::syntax};

/// Whether the number is valid in the numbering plan of its calling code
/// (`phonenumber::PhoneNumber::is_valid`).
pub(crate) fn is_valid(number: &PhoneNumber) -> bool {
    let national = number.national().to_string();
    with_plan(number.code().value(), |plan| {
        plan.source(&national)
            .is_some_and(|region| region.checks().is_valid(&national))
    })
}

/// The region the number belongs to (`phonenumber::PhoneNumber::country().id()`), which the
/// crate decides from the national number without its leading zeros.
pub(crate) fn region(number: &PhoneNumber) -> Option<Id> {
    let national = number.national().value().to_string();
    with_plan(number.code().value(), |plan| {
        plan.source(&national).and_then(|region| region.id)
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
        }
    }

    fn checks(&self) -> &Checks {
        self.checks.get_or_init(|| Checks::of(self.metadata))
    }
}

/// The descriptors `validator::number_type` tries.
struct Checks {
    general: Check,
    /// Premium rate, toll free, shared cost, VoIP, personal number, pager, UAN, voicemail, fixed
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

    /// Whether the pattern matches a prefix of `text`.
    fn matches_at_start(&self, text: &str) -> bool {
        self.regex
            .get_or_init(|| compile(self.source))
            .as_ref()
            .is_some_and(|regex| regex.is_match(Input::new(text).anchored(Anchored::Yes)))
    }
}

/// The metadata's regex, with the syntax option the crate builds it with (whitespace ignored);
/// `None` if it does not compile (the crate checks every one when it loads).
///
/// The crate's regexes are Unicode-aware, so its `\d` compiles to every script's digits. The
/// texts matched here are national numbers written by `NationalNumber`'s `Display`, ASCII digits
/// only, on which ASCII classes match exactly as Unicode ones do: built without Unicode, a
/// region's patterns compile several times faster into smaller automata.
fn compile(source: &str) -> Option<Regex> {
    Regex::builder()
        .syntax(
            syntax::Config::new()
                .ignore_whitespace(true)
                .unicode(false)
                .utf8(false),
        )
        .build(source)
        .ok()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Both answers equal the crate's for the number `text` parses to (if it parses).
    fn same_as_crate(region: Option<Id>, text: &str) -> Result<(), String> {
        let Ok(number) = phonenumber::parse(region, text) else {
            return Ok(());
        };
        let (ours, theirs) = (is_valid(&number), number.is_valid());
        if ours != theirs {
            return Err(format!("{text}: valid {ours}, crate {theirs}"));
        }
        let (ours, theirs) = (self::region(&number), number.country().id());
        if ours != theirs {
            return Err(format!("{text}: region {ours:?}, crate {theirs:?}"));
        }
        Ok(())
    }

    /// Every calling code in the metadata, with each region's example numbers and their
    /// neighbours (one digit changed, one added, one removed): valid and invalid numbers of
    /// every plan, shared codes (`+1`, `+7`, `+44`) and non-geographic ones included.
    #[test]
    fn examples_of_every_plan_agree_with_the_crate() {
        let mut checked = 0;
        for metadata in DATABASE.iter() {
            let code = metadata.country_code();
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
                    let result = same_as_crate(None, &format!("+{code} {national}"))
                        .and_then(|()| same_as_crate(metadata.id().parse().ok(), &national));
                    if let Err(error) = result {
                        panic!("{}: {error}", metadata.id());
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 10_000, "only {checked} numbers checked");
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
    }
}
