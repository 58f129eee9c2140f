//! Person names and postal addresses: shapes that a field name then settles.

/// Words that mark an organisation, not a natural person.
const ORGANISATION_WORDS: &[&str] = &[
    "gmbh", "ag", "kg", "ohg", "ug", "ltd", "llc", "inc", "plc", "corp", "co", "sa", "sas", "sarl",
    "spa", "srl", "bv", "nv", "ab", "oy", "as", "aps", "and", "und", "et", "y", "e", "en", "og",
    "och", "&", "group", "holding", "holdings", "services", "solutions", "systems", "technologies",
    "consulting", "partners", "sons", "söhne", "industries", "international", "logistics",
    "gruppe", "ltda", "sp", "z", "o.o.", "limited", "company", "bank", "insurance", "versicherung",
];

/// Lower-case particles inside names (`van der`, `de la`, `von`).
const PARTICLES: &[&str] = &[
    "van", "der", "den", "de", "la", "le", "von", "zu", "da", "di", "del", "della", "dos", "das",
    "du", "af", "ten", "ter", "y", "bin", "al", "el", "st.",
];

/// Titles that may precede a name.
const TITLES: &[&str] = &["dr.", "prof.", "mr.", "mrs.", "ms.", "herr", "frau", "mme", "m.", "sr.", "sra."];

/// Whether `text` looks like a person's name of `min_words..=max_words` capitalised words
/// (`Last, First` allowed).
pub(crate) fn name_shape(text: &[u8], min_words: usize, max_words: usize) -> bool {
    let Ok(text) = std::str::from_utf8(text) else { return false };
    let text = text.trim();
    if text.is_empty() || text.len() > 80 {
        return false;
    }
    let comma_parts = text.split(", ").count();
    if comma_parts > 2 {
        return false;
    }
    let mut words = 0;
    for word in text.split([' ', ',']).filter(|w| !w.is_empty()) {
        let lower = word.to_lowercase();
        if ORGANISATION_WORDS.contains(&lower.as_str()) {
            return false;
        }
        if PARTICLES.contains(&lower.as_str()) || TITLES.contains(&lower.as_str()) {
            continue;
        }
        if !name_word(word) {
            return false;
        }
        words += 1;
    }
    (min_words..=max_words).contains(&words)
}

/// One capitalised name word: `Müller`, `O'Brien`, `Jean-Luc`, `McDonald`; not all-caps beyond
/// a short initialism.
fn name_word(word: &str) -> bool {
    let mut chars = word.chars();
    let Some(first) = chars.next() else { return false };
    if !first.is_uppercase() {
        return false;
    }
    let rest: Vec<char> = chars.collect();
    if rest.iter().any(|&c| !(c.is_alphabetic() || matches!(c, '\'' | '-' | '’' | '.'))) {
        return false;
    }
    let letters = rest.iter().filter(|c| c.is_alphabetic()).count();
    let upper = rest.iter().filter(|c| c.is_uppercase()).count();
    // "JOHN" could be a name, but all-caps words are far more often codes and constants.
    if letters >= 2 && upper == letters {
        return false;
    }
    !(rest.is_empty() && word.len() == 1)
}

/// Whether `text` looks like a street address (street and number), possibly with postcode and
/// city on further lines.
pub(crate) fn address_shape(text: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(text) else { return false };
    let text = text.trim();
    if !(6..=200).contains(&text.len()) || text.contains('@') || text.contains("://") {
        return false;
    }
    let has_digit = text.chars().any(|c| c.is_ascii_digit());
    let has_word = text
        .split(|c: char| !c.is_alphabetic())
        .any(|w| w.chars().count() >= 3);
    let words = text.split_whitespace().count();
    let digits = text.chars().filter(char::is_ascii_digit).count();
    has_digit && has_word && words >= 2 && digits * 2 < text.len()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn names() {
        for s in ["Jessica Padilla", "Stuivenberg, Thijmen", "Cortés", "Jean-Luc van der Berg", "O'Brien"] {
            assert!(name_shape(s.as_bytes(), 1, 4), "{s}");
        }
        for s in ["Goodwin, White and Allen", "deploy", "Müller GmbH", "ACME", "th-9338", "a@b.de"] {
            assert!(!name_shape(s.as_bytes(), 1, 4), "{s}");
        }
    }

    #[test]
    fn addresses() {
        assert!(address_shape("Vlado-Hauffer-Straße 67/93".as_bytes()));
        assert!(address_shape(b"ulica Jana Pawla II 269\n84-966 Opole"));
        assert!(!address_shape(b"60751"));
        assert!(!address_shape(b"Wanzleben"));
    }

    proptest! {
        #[test]
        fn never_panic(s in "\\PC{0,60}") {
            let _ = (name_shape(s.as_bytes(), 1, 4), address_shape(s.as_bytes()));
        }
    }
}
