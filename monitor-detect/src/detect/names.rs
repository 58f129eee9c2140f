//! Person names and postal addresses: shapes that a field name then settles.

/// Words that mark an organisation, not a natural person.
const ORGANISATION_WORDS: &[&str] = &[
    "gmbh",
    "ag",
    "kg",
    "ohg",
    "ug",
    "ltd",
    "llc",
    "inc",
    "plc",
    "corp",
    "co",
    "sa",
    "sas",
    "sarl",
    "spa",
    "srl",
    "bv",
    "nv",
    "ab",
    "oy",
    "as",
    "aps",
    "and",
    "und",
    "et",
    "y",
    "e",
    "en",
    "og",
    "och",
    "&",
    "group",
    "holding",
    "holdings",
    "services",
    "solutions",
    "systems",
    "technologies",
    "consulting",
    "partners",
    "sons",
    "söhne",
    "industries",
    "international",
    "logistics",
    "gruppe",
    "ltda",
    "sp",
    "z",
    "o.o.",
    "limited",
    "company",
    "bank",
    "insurance",
    "versicherung",
];

/// Lower-case particles inside names (`van der`, `de la`, `von`).
const PARTICLES: &[&str] = &[
    "van", "der", "den", "de", "la", "le", "von", "zu", "da", "di", "del", "della", "dos", "das",
    "du", "af", "ten", "ter", "y", "bin", "al", "el", "st.", "het", "'s", "op", "in", "'t", "zum",
    "zur", "vom", "dei", "degli", "lo", "mac", "ap", "ibn",
];

/// Titles that may precede a name.
const TITLES: &[&str] = &[
    "dr.", "prof.", "mr.", "mrs.", "ms.", "herr", "frau", "mme", "m.", "sr.", "sra.",
];

/// Whether `text` looks like a person's name of `min_words..=max_words` capitalised words
/// (`Last, First` allowed).
pub(crate) fn name_shape(text: &[u8], min_words: usize, max_words: usize) -> bool {
    let Ok(text) = std::str::from_utf8(text) else {
        return false;
    };
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

/// [`name_shape`] for a field whose position says it holds a person's name, where names are
/// often written in capitals (`LINDQVIST`, `O'BRIEN`): each word is read as if only its first
/// letter were a capital.
pub(crate) fn capitals_name_shape(text: &[u8], min_words: usize, max_words: usize) -> bool {
    let Ok(text) = std::str::from_utf8(text) else {
        return false;
    };
    let mut titled = String::with_capacity(text.len());
    let mut word_start = true;
    for c in text.chars() {
        if word_start {
            titled.push(c);
        } else {
            titled.extend(c.to_lowercase());
        }
        word_start = matches!(c, ' ' | ',');
    }
    name_shape(titled.as_bytes(), min_words, max_words)
}

/// One capitalised name word: `Müller`, `O'Brien`, `Jean-Luc`, `McDonald`; not all-caps beyond
/// a short initialism.
fn name_word(word: &str) -> bool {
    let mut chars = word.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if !first.is_uppercase() {
        return false;
    }
    let rest: Vec<char> = chars.collect();
    if rest
        .iter()
        .any(|&c| !(c.is_alphabetic() || matches!(c, '\'' | '-' | '’' | '.')))
    {
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
    let Ok(text) = std::str::from_utf8(text) else {
        return false;
    };
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

/// Greetings after which a message names its recipient.
const GREETINGS: &[&str] = &[
    "Hallo ",
    "Hello ",
    "Hi ",
    "Hey ",
    "Dear ",
    "Hej ",
    "Hei ",
    "Hola ",
    "Bonjour ",
    "Ciao ",
    "Salut ",
    "Beste ",
    "Liebe ",
    "Lieber ",
    "Hoi ",
    "Moi ",
    "Olá ",
    "Ola ",
    "Buongiorno ",
    "Buenos días ",
    "Guten Tag ",
    "Geachte ",
    "Cześć ",
    "Dzień dobry ",
    "Witaj ",
    "Estimado ",
    "Estimada ",
    "Gentile ",
    "Cher ",
    "Chère ",
    "Sehr geehrte Frau ",
    "Sehr geehrter Herr ",
    "Bom dia ",
    "Goedemorgen ",
    "Goedendag ",
    "Tere ",
    "Sveiki ",
    "Ahoj ",
    "Szia ",
];

/// First word of every greeting, lowercase: a buffer without any of them as a word has no
/// greeted name (the quiet check relies on this).
pub(crate) fn greeting_first_words() -> impl Iterator<Item = &'static str> {
    GREETINGS
        .iter()
        .filter_map(|g| g.split(' ').next())
        .filter(|w| !w.is_empty())
}

/// Greetings by the byte before their final space: every greeting ends in one, so each space
/// in a buffer is checked against the few greetings its previous byte allows.
static GREETINGS_BY_LAST_BYTE: std::sync::LazyLock<Vec<Vec<&'static [u8]>>> =
    std::sync::LazyLock::new(|| {
        let mut table = vec![Vec::new(); 256];
        for greeting in GREETINGS {
            let bytes = greeting.as_bytes();
            if let [.., last, b' '] = bytes
                && let Some(slot) = table.get_mut(usize::from(*last))
            {
                slot.push(bytes);
            }
        }
        table
    });

/// Where a greeting ends (after its space), in order. No greeting overlaps another (each
/// starts with a capital, and none occurs inside another), so these are all occurrences.
fn greeting_ends(b: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let table = &*GREETINGS_BY_LAST_BYTE;
    memchr::memchr_iter(b' ', b).filter_map(move |space| {
        let last = *b.get(space.checked_sub(1)?)?;
        let end = space + 1;
        table
            .get(usize::from(last))?
            .iter()
            .find(|g| b.get(..end).is_some_and(|head| head.ends_with(g)))
            .map(|g| (end - g.len(), end))
    })
}

/// Span of 1–3 capitalised name words starting at `from`, ending before `,`, `!`, `:`, `.`,
/// `<`, a quote or the end of the line.
fn name_words_from(b: &[u8], from: usize) -> Option<std::ops::Range<usize>> {
    let rest = b.get(from..)?;
    let len = rest
        .iter()
        .take(60)
        .take_while(|&&c| c >= 0x80 || c.is_ascii_alphabetic() || matches!(c, b' ' | b'-' | b'\''))
        .count();
    let mut text = std::str::from_utf8(rest.get(..len)?).ok()?;
    // Keep only the leading capitalised words.
    let mut end = 0;
    let mut words = 0;
    for word in text.split(' ') {
        if words >= 3 || !name_word(word) {
            break;
        }
        end += word.len() + usize::from(words > 0);
        words += 1;
    }
    text = text.get(..end)?;
    let after = rest.get(text.len()).copied();
    let terminated = matches!(
        after,
        None | Some(b',' | b'!' | b':' | b'.' | b'<' | b'"' | b'\n' | b'\r' | b';')
    );
    (words >= 1 && terminated && name_shape(text.as_bytes(), 1, 3)).then(|| from..from + text.len())
}

/// Words that follow a greeting but address no one in particular ("Hello World", "Hi Team").
const NOT_ADDRESSEES: &[&str] = &[
    "World",
    "Team",
    "All",
    "There",
    "Everyone",
    "Everybody",
    "Folks",
    "Guys",
    "Sir",
    "Madam",
    "Customer",
    "User",
    "Admin",
    "Support",
    "Friend",
    "Friends",
    "Kunde",
    "Kundin",
    "Client",
    "Cliente",
    "Welt",
    "Zusammen",
    "Alle",
    "Allemaal",
    "Todos",
    "Tutti",
    "Tous",
    "Monde",
    "Mundo",
    "Mondo",
    "Wereld",
    "Again",
    "From",
    "Dear",
    "Hello",
    "Test",
    "Tester",
    "Bot",
];

/// Names right after a greeting word.
pub(crate) fn greeted_names(b: &[u8]) -> Vec<std::ops::Range<usize>> {
    greeting_ends(b)
        .filter(|&(start, _)| {
            start == 0 || b.get(start - 1).is_some_and(|c| !c.is_ascii_alphanumeric())
        })
        .filter_map(|(_, end)| name_words_from(b, end))
        .filter(|r| {
            let first = b
                .get(r.clone())
                .and_then(|n| n.split(|&c| c == b' ').next())
                .unwrap_or_default();
            !NOT_ADDRESSEES.iter().any(|w| w.as_bytes() == first)
        })
        .collect()
}

/// A name written just before an e-mail address: `Anna Schmidt <anna@...>` or the previous
/// cell of a delimited row (`Anna Schmidt;anna@...`).
pub(crate) fn name_before(b: &[u8], email_start: usize) -> Option<std::ops::Range<usize>> {
    let mut end = email_start;
    let prev = *b.get(end.checked_sub(1)?)?;
    if prev == b'<' {
        end -= 1;
        while end > 0 && b.get(end - 1) == Some(&b' ') {
            end -= 1;
        }
        // A quoted display name may hold a comma: `"Schmidt, Anna" <anna@...>` (RFC 5322
        // quotes it for that); unquoted, a comma ends the name (`a@x.com, Anna Berg <...>`).
        let quoted = b.get(end.checked_sub(1)?) == Some(&b'"');
        if quoted {
            end -= 1;
        }
        let mut comma_crossed = !quoted;
        // Take capitalised words backwards.
        let mut start = end;
        let mut words = 0;
        let mut cursor = end;
        loop {
            let mut s = cursor;
            while s > 0
                && cursor - s < 40
                && b.get(s - 1).is_some_and(|&c| {
                    c >= 0x80 || c.is_ascii_alphabetic() || matches!(c, b'-' | b'\'')
                })
            {
                s -= 1;
            }
            let Some(word) = b.get(s..cursor).and_then(|w| std::str::from_utf8(w).ok()) else {
                break;
            };
            if s == cursor || !name_word(word) {
                break;
            }
            start = s;
            words += 1;
            if words == 4 || s == 0 || b.get(s - 1) != Some(&b' ') {
                break;
            }
            cursor = s - 1;
            if !comma_crossed && cursor > 0 && b.get(cursor - 1) == Some(&b',') {
                comma_crossed = true;
                cursor -= 1;
            }
        }
        let span = start..end;
        return (words >= 2 && name_shape(b.get(span.clone())?, 2, 4)).then_some(span);
    }
    if !matches!(prev, b'\t' | b';' | b'|' | b',') {
        return None;
    }
    end -= 1;
    // The cell starts after the previous delimiter, at most 80 bytes back (or at byte 0).
    let base = end.saturating_sub(80);
    let delimiter = b
        .get(base..end)?
        .iter()
        .rposition(|&c| matches!(c, b'\t' | b';' | b'|' | b'\n' | b'"') || c == prev);
    let cell_start = match delimiter {
        Some(p) => base + p + 1,
        None if base == 0 => 0,
        None => return None,
    };
    let span = cell_start..end;
    let cell = b.get(span.clone())?;
    (name_shape(cell, 2, 3) && cell.contains(&b' ')).then_some(span)
}

/// A street name without a house number (`rue Joubert`, `avenue Caron`), accepted only where
/// the field name says it is an address.
pub(crate) fn street_name_shape(text: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(text) else {
        return false;
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    (2..=6).contains(&words.len())
        && text.len() <= 80
        && words.iter().all(|w| {
            w.chars()
                .all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '.' | ','))
        })
        && words.iter().any(|w| w.chars().count() >= 3)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Every greeting occurrence, found by an Aho-Corasick automaton: the reference for
    /// `greeting_ends`.
    fn greeting_ends_by_automaton(b: &[u8]) -> Vec<(usize, usize)> {
        aho_corasick::AhoCorasick::new(GREETINGS)
            .expect("greetings build an automaton")
            .find_iter(b)
            .map(|m| (m.start(), m.end()))
            .collect()
    }

    #[test]
    fn capitals_are_names_where_a_position_says_so() {
        for name in [
            "LINDQVIST",
            "O'BRIEN",
            "JEAN-LUC PICARD",
            "van der BERG",
            "Anna Berg",
        ] {
            assert!(capitals_name_shape(name.as_bytes(), 1, 3), "{name}");
        }
        assert!(!name_shape(b"LINDQVIST", 1, 3));
        // Codes and organisations stay what they are, in capitals too.
        for other in [
            "ACME GMBH",
            "X12",
            "A",
            "4711",
            "MAIN ST 1",
            "PURCHASING DEPT 2",
        ] {
            assert!(!capitals_name_shape(other.as_bytes(), 1, 3), "{other}");
        }
    }

    #[test]
    fn names() {
        for s in [
            "Jessica Padilla",
            "Stuivenberg, Thijmen",
            "Cortés",
            "Jean-Luc van der Berg",
            "O'Brien",
        ] {
            assert!(name_shape(s.as_bytes(), 1, 4), "{s}");
        }
        for s in [
            "Goodwin, White and Allen",
            "deploy",
            "Müller GmbH",
            "ACME",
            "th-9338",
            "a@b.de",
        ] {
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

    #[test]
    fn free_text_names() {
        let b = b"password reset requested for Kajetan Fal <k@x.pl>, sms";
        let at = b.iter().position(|&c| c == b'<').unwrap() + 1;
        assert_eq!(name_before(b, at).map(|r| &b[r]), Some(&b"Kajetan Fal"[..]));
        // A quoted display name may be "Last, First"; unquoted, the comma parts addresses.
        let b = b"From: \"Schmidt, Anna\" <anna@web.de>";
        let at = b.iter().position(|&c| c == b'<').unwrap() + 1;
        assert_eq!(
            name_before(b, at).map(|r| &b[r]),
            Some(&b"Schmidt, Anna"[..])
        );
        let b = b"To: Bob Ray, Anna Berg <anna@web.de>";
        let at = b.iter().position(|&c| c == b'<').unwrap() + 1;
        assert_eq!(name_before(b, at).map(|r| &b[r]), Some(&b"Anna Berg"[..]));
        let b = b"833\tWallace, Jay\tjay@yahoo.com";
        let at = b.iter().position(|&c| c == b'j').unwrap();
        assert_eq!(
            name_before(b, at).map(|r| &b[r]),
            Some(&b"Wallace, Jay"[..])
        );
        let b = "Hallo Gilles, Ihr Code lautet 4".as_bytes();
        assert_eq!(
            greeted_names(b)
                .into_iter()
                .map(|r| &b[r])
                .collect::<Vec<_>>(),
            vec![&b"Gilles"[..]]
        );
    }

    proptest! {
        #[test]
        fn never_panic(s in "\\PC{0,60}") {
            let _ = (name_shape(s.as_bytes(), 1, 4), address_shape(s.as_bytes()));
            for i in 0..=s.len() { let _ = name_before(s.as_bytes(), i); }
            let _ = greeted_names(s.as_bytes());
        }

        /// Greetings, their pieces and look-alikes in any order: the same occurrences as the
        /// automaton finds.
        #[test]
        fn greetings_found_as_the_automaton_finds_them(
            pieces in proptest::collection::vec(
                prop_oneof![
                    proptest::sample::select(GREETINGS).prop_map(str::to_owned),
                    proptest::sample::select(GREETINGS).prop_map(|g| g.trim_end().to_owned()),
                    proptest::sample::select(GREETINGS).prop_map(str::to_lowercase),
                    "[A-Za-z\u{e1}\u{e8}\u{ed}\u{144}\u{107}]{0,6}",
                    "[ ,.:!\n]",
                ],
                0..12,
            )
        ) {
            let text = pieces.concat();
            let b = text.as_bytes();
            prop_assert_eq!(greeting_ends(b).collect::<Vec<_>>(), greeting_ends_by_automaton(b));
        }
    }
}
