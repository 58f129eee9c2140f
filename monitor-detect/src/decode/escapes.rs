//! Text escapes: URL/form encoding, JSON string escapes, doubled quotes (SQL, CSV), `MySQL`
//! backslash escapes, XML entities, RFC 2047 Q-words and STOMP header escapes.

use super::{Decoded, hex_value};
use crate::text::SpanMap;

/// `=?`, the opening of an RFC 2047 encoded word: searched in every payload, so the searcher
/// is built once.
pub(crate) static ENCODED_WORD_OPENING: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"=?"));

/// URL/form decoding: `%XX` and `+` for space. `None` when there is nothing to decode.
pub(crate) fn url_decode(input: &[u8]) -> Option<Decoded> {
    if !input.iter().any(|&b| b == b'%' || b == b'+') {
        return None;
    }
    let mut out = Vec::with_capacity(input.len());
    let mut map = SpanMap::with_capacity(input.len());
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        if b == b'%'
            && let (Some(h), Some(l)) = (
                input.get(i + 1).copied().and_then(hex_value),
                input.get(i + 2).copied().and_then(hex_value),
            )
        {
            out.push(h << 4 | l);
            map.push(i..i + 3);
            i += 3;
            continue;
        }
        out.push(if b == b'+' { b' ' } else { b });
        map.push(i..i + 1);
        i += 1;
    }
    Some((out, map))
}

/// The bytes a backslash escapes in at least one decoder here (JSON, MySQL/Redis quotes,
/// STOMP). Before any other byte, every decoder keeps the backslash as it is.
pub(crate) const BACKSLASH_ESCAPED: &[u8] = b"ntrbfuc\"'\\/";

/// JSON string unescaping (`\uXXXX` including surrogate pairs, `\/`, `\n`...).
pub(crate) fn json_unescape(input: &[u8]) -> Option<Decoded> {
    memchr::memchr(b'\\', input)?;
    let mut out = Vec::with_capacity(input.len());
    let mut map = SpanMap::with_capacity(input.len());
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        if b != b'\\' {
            out.push(b);
            map.push(i..i + 1);
            i += 1;
            continue;
        }
        let Some(&esc) = input.get(i + 1) else {
            out.push(b);
            map.push(i..i + 1);
            break;
        };
        let simple = match esc {
            b'n' => Some(b'\n'),
            b't' => Some(b'\t'),
            b'r' => Some(b'\r'),
            b'b' => Some(8),
            b'f' => Some(12),
            b'"' | b'\\' | b'/' | b'\'' => Some(esc),
            _ => None,
        };
        if let Some(c) = simple {
            out.push(c);
            map.push(i..i + 2);
            i += 2;
            continue;
        }
        if esc == b'u'
            && let Some(unit) = hex4(input, i + 2)
        {
            let (ch, used) = if (0xD800..0xDC00).contains(&unit)
                && input.get(i + 6) == Some(&b'\\')
                && input.get(i + 7) == Some(&b'u')
                && let Some(low) = hex4(input, i + 8)
                && (0xDC00..0xE000).contains(&low)
            {
                let c = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                (char::from_u32(c), 12)
            } else {
                (char::from_u32(unit), 6)
            };
            let ch = ch.unwrap_or(char::REPLACEMENT_CHARACTER);
            let mut buf = [0_u8; 4];
            for &byte in ch.encode_utf8(&mut buf).as_bytes() {
                out.push(byte);
                map.push(i..i + used);
            }
            i += used;
            continue;
        }
        out.push(b);
        map.push(i..i + 1);
        i += 1;
    }
    Some((out, map))
}

fn hex4(input: &[u8], at: usize) -> Option<u32> {
    let digits = input.get(at..at + 4)?;
    digits
        .iter()
        .try_fold(0_u32, |acc, &d| Some(acc << 4 | u32::from(hex_value(d)?)))
}

/// Doubled quote (`''` in SQL, `""` in CSV) and MySQL/Redis backslash escapes (`\'`, `\"`,
/// `\\`, `\n`).
pub(crate) fn unquote(input: &[u8], quote: u8) -> Option<Decoded> {
    if !input.iter().any(|&b| b == quote || b == b'\\') {
        return None;
    }
    let mut out = Vec::with_capacity(input.len());
    let mut map = SpanMap::with_capacity(input.len());
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        let next = input.get(i + 1).copied();
        let decoded = match (b, next) {
            (q, Some(n)) if q == quote && n == quote => Some(quote),
            (b'\\', Some(b'n')) => Some(b'\n'),
            (b'\\', Some(b't')) => Some(b'\t'),
            (b'\\', Some(b'r')) => Some(b'\r'),
            (b'\\', Some(n @ (b'\'' | b'"' | b'\\'))) => Some(n),
            _ => None,
        };
        if let Some(c) = decoded {
            out.push(c);
            map.push(i..i + 2);
            i += 2;
        } else {
            out.push(b);
            map.push(i..i + 1);
            i += 1;
        }
    }
    Some((out, map))
}

/// XML/HTML entities: the five named ones plus numeric `&#NNN;` and `&#xHH;`.
pub(crate) fn xml_unescape(input: &[u8]) -> Option<Decoded> {
    memchr::memchr(b'&', input)?;
    let mut out = Vec::with_capacity(input.len());
    let mut map = SpanMap::with_capacity(input.len());
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        if b == b'&'
            && let Some(len) = input
                .get(i..)
                .and_then(|rest| rest.iter().take(12).position(|&c| c == b';'))
            && let Some(name) = input.get(i + 1..i + len)
            && let Some(ch) = entity(name)
        {
            let mut buf = [0_u8; 4];
            for &byte in ch.encode_utf8(&mut buf).as_bytes() {
                out.push(byte);
                map.push(i..i + len + 1);
            }
            i += len + 1;
            continue;
        }
        out.push(b);
        map.push(i..i + 1);
        i += 1;
    }
    Some((out, map))
}

fn entity(name: &[u8]) -> Option<char> {
    match name {
        b"amp" => Some('&'),
        b"lt" => Some('<'),
        b"gt" => Some('>'),
        b"quot" => Some('"'),
        b"apos" => Some('\''),
        [b'#', b'x' | b'X', hex @ ..] => {
            let s = std::str::from_utf8(hex).ok()?;
            char::from_u32(u32::from_str_radix(s, 16).ok()?)
        }
        [b'#', dec @ ..] => {
            let s = std::str::from_utf8(dec).ok()?;
            char::from_u32(s.parse().ok()?)
        }
        _ => None,
    }
}

/// RFC 2047 encoded words in Q encoding (`=?UTF-8?Q?J=C3=BCrgen?=`): `=XX` and `_` for space.
/// Only the encoded text between the third `?` and `?=` is decoded; the wrapper maps to nothing.
pub(crate) fn rfc2047_q_decode(input: &[u8]) -> Option<Decoded> {
    let start = ENCODED_WORD_OPENING.find(input)?;
    let mut out = Vec::with_capacity(input.len());
    let mut map = SpanMap::with_capacity(input.len());
    for (i, &b) in input.iter().enumerate().take(start) {
        out.push(b);
        map.push(i..i + 1);
    }
    let mut i = start;
    while i < input.len() {
        if input.get(i..i + 2) == Some(b"=?".as_slice())
            && let Some(word) = q_word(input, i)
        {
            let (text_start, text_end, word_end) = word;
            let mut j = text_start;
            while j < text_end {
                let b = input.get(j).copied().unwrap_or(b'?');
                if b == b'='
                    && let (Some(h), Some(l)) = (
                        input.get(j + 1).copied().and_then(hex_value),
                        input.get(j + 2).copied().and_then(hex_value),
                    )
                {
                    out.push(h << 4 | l);
                    map.push(j..j + 3);
                    j += 3;
                } else {
                    out.push(if b == b'_' { b' ' } else { b });
                    map.push(j..j + 1);
                    j += 1;
                }
            }
            i = word_end;
            continue;
        }
        out.push(input.get(i).copied().unwrap_or(b' '));
        map.push(i..i + 1);
        i += 1;
    }
    Some((out, map))
}

/// Finds `=?charset?Q?text?=` at `at`: (text start, text end, word end).
fn q_word(input: &[u8], at: usize) -> Option<(usize, usize, usize)> {
    let rest = input.get(at + 2..)?;
    let charset_len = rest.iter().take(40).position(|&b| b == b'?')?;
    let enc = rest.get(charset_len + 1)?;
    if !enc.eq_ignore_ascii_case(&b'q') || rest.get(charset_len + 2) != Some(&b'?') {
        return None;
    }
    let text_start = at + 2 + charset_len + 3;
    let text = input.get(text_start..)?;
    let text_len = memchr::memmem::find(text, b"?=")?;
    Some((text_start, text_start + text_len, text_start + text_len + 2))
}

/// STOMP header escapes: `\c` colon, `\n`, `\r`, `\\`.
pub(crate) fn stomp_unescape(input: &[u8]) -> Option<Decoded> {
    memchr::memchr(b'\\', input)?;
    Some(unescape_by(input, |i| {
        let c = match (input.get(i), input.get(i + 1)) {
            (Some(b'\\'), Some(b'c')) => b':',
            (Some(b'\\'), Some(b'n')) => b'\n',
            (Some(b'\\'), Some(b'r')) => b'\r',
            (Some(b'\\'), Some(b'\\')) => b'\\',
            _ => return None,
        };
        Some((vec![c], i + 2))
    }))
}

/// A vCard value (RFC 6350, sections 3.2 and 3.4): folds (a line break and the space or tab
/// after it) removed, `\,` `\;` `\\` unescaped, `\n` a line break. `None` when there is
/// neither.
pub(crate) fn vcard_unescape(input: &[u8]) -> Option<Decoded> {
    memchr::memchr2(b'\\', b'\n', input)?;
    Some(unescape_by(input, |i| {
        match (input.get(i), input.get(i + 1), input.get(i + 2)) {
            (Some(b'\r'), Some(b'\n'), Some(b' ' | b'\t')) => Some((Vec::new(), i + 3)),
            (Some(b'\n'), Some(b' ' | b'\t'), _) => Some((Vec::new(), i + 2)),
            (Some(b'\\'), Some(&c @ (b',' | b';' | b'\\')), _) => Some((vec![c], i + 2)),
            (Some(b'\\'), Some(b'n' | b'N'), _) => Some((vec![b'\n'], i + 2)),
            _ => None,
        }
    }))
}

/// HL7 v2 escape sequences (HL7 v2.5, section 2.7), between two `escape` characters (`\`
/// unless `MSH-2` declares another): `F` `S` `T` `R` `E` the separators and the escape itself
/// (as the standard ones), `.br` a line break, `H` and `N` (highlighting) nothing, and
/// `Xhhhh` bytes in hex, read as ISO 8859-1 (`M\XFC\ller` is `Müller`). Each decoded byte
/// maps to its whole sequence. `None` when there is none.
pub(crate) fn hl7_unescape(input: &[u8], escape: u8) -> Option<Decoded> {
    memchr::memchr(escape, input)?;
    Some(unescape_by(input, |i| {
        if input.get(i) != Some(&escape) {
            return None;
        }
        let close = memchr::memchr(escape, input.get(i + 1..)?)?;
        let end = i + close + 2;
        let decoded = match input.get(i + 1..i + 1 + close)? {
            b"F" => b"|".to_vec(),
            b"S" => b"^".to_vec(),
            b"T" => b"&".to_vec(),
            b"R" => b"~".to_vec(),
            b"E" => vec![escape],
            b".br" => b"\n".to_vec(),
            b"H" | b"N" => Vec::new(),
            [b'X', hex @ ..] if !hex.is_empty() && hex.len() % 2 == 0 => hex
                .chunks(2)
                .map(|pair| Some(char::from(hex_value(pair[0])? << 4 | hex_value(pair[1])?)))
                .collect::<Option<String>>()?
                .into_bytes(),
            _ => return None,
        };
        Some((decoded, end))
    }))
}

/// EDIFACT's release character (`?`, or the one an `UNA` header declares): the byte after it is
/// data (`O?'Brien` is `O'Brien`, `??` is `?`).
pub(crate) fn release_unescape(input: &[u8], release: u8) -> Option<Decoded> {
    memchr::memchr(release, input)?;
    Some(unescape_by(input, |i| {
        let next = *input.get(i + 1)?;
        (input.get(i) == Some(&release)).then(|| (vec![next], i + 2))
    }))
}

/// Decodes `input` where `sequence_at(i)` finds an escape sequence at byte `i`: the bytes it
/// stands for (none for a fold) and where it ends. Every other byte stands for itself. Each
/// output byte maps to its whole sequence, or to itself.
fn unescape_by(
    input: &[u8],
    mut sequence_at: impl FnMut(usize) -> Option<(Vec<u8>, usize)>,
) -> Decoded {
    let mut out = Vec::with_capacity(input.len());
    let mut map = SpanMap::with_capacity(input.len());
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        if let Some((bytes, end)) = sequence_at(i).filter(|&(_, end)| end > i) {
            for c in bytes {
                out.push(c);
                map.push(i..end);
            }
            i = end;
        } else {
            out.push(b);
            map.push(i..i + 1);
            i += 1;
        }
    }
    (out, map)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn text((bytes, _): Decoded) -> String {
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn hl7_escapes_are_decoded() {
        let (bytes, map) =
            hl7_unescape(b"M\\XFC\\ller\\T\\Co \\H\\Berg\\N\\ \\Q\\", b'\\').unwrap();
        assert_eq!(
            String::from_utf8(bytes.clone()).unwrap(),
            "Müller&Co Berg \\Q\\"
        );
        // Both bytes of `ü` map to the whole `\XFC\`.
        assert_eq!((map.starts[1], map.ends[1]), (1, 6));
        assert_eq!((map.starts[2], map.ends[2]), (1, 6));
        // Another escape character, as `MSH-2` may declare; an unclosed one is kept.
        let (bytes, _) = hl7_unescape(b"Berg#F#Anna#X4", b'#').unwrap();
        assert_eq!(bytes, b"Berg|Anna#X4");
        assert!(hl7_unescape(b"Berg", b'\\').is_none());
    }

    #[test]
    fn vcard_values_are_unfolded_and_unescaped() {
        let (bytes, map) =
            vcard_unescape(b"Haupt\r\n stra\n\t\xc3\x9fe 5\\, Hinterhaus\\nBerlin").unwrap();
        assert_eq!(bytes, "Hauptstraße 5, Hinterhaus\nBerlin".as_bytes());
        // `s` after the first fold comes from byte 8; `,` from the two bytes of `\,`.
        assert_eq!((map.starts[5], map.ends[5]), (8, 9));
        let comma = bytes.iter().position(|&c| c == b',').unwrap();
        assert_eq!(map.ends[comma] - map.starts[comma], 2);
        assert!(vcard_unescape(b"plain value").is_none());
    }

    proptest! {
        /// A backslash before a byte outside `BACKSLASH_ESCAPED` changes nothing.
        #[test]
        fn other_backslashes_are_kept(
            before in "[a-z0-9 ]{0,8}",
            next in any::<u8>().prop_filter("not escaped", |b| !BACKSLASH_ESCAPED.contains(b)),
            after in "[a-z0-9 ]{0,8}",
        ) {
            let mut input = before.into_bytes();
            input.push(b'\\');
            input.push(next);
            input.extend(after.into_bytes());
            let kept = |decoded: Option<Decoded>| decoded.is_none_or(|(out, _)| out == input);
            prop_assert!(kept(json_unescape(&input)));
            prop_assert!(kept(unquote(&input, b'\'')));
            prop_assert!(kept(unquote(&input, b'"')));
            prop_assert!(kept(stomp_unescape(&input)));
        }
    }

    #[test]
    fn url() {
        assert_eq!(text(url_decode(b"a.b%40c.de+x").unwrap()), "a.b@c.de x");
        assert_eq!(text(url_decode(b"M%C3%BCller").unwrap()), "Müller");
        assert!(url_decode(b"plain").is_none());
    }

    #[test]
    fn json() {
        assert_eq!(
            text(json_unescape(br"M\u00fcller \/ \ud83d\ude00").unwrap()),
            "Müller / 😀"
        );
        let (_, map) = json_unescape(br"a\u00fcb").unwrap();
        assert_eq!(map.starts, vec![0, 1, 1, 7]);
        assert_eq!(map.ends, vec![1, 7, 7, 8]);
    }

    #[test]
    fn quotes_entities_q_stomp() {
        assert_eq!(text(unquote(b"O''Brien", b'\'').unwrap()), "O'Brien");
        assert_eq!(
            text(xml_unescape(b"M&#252;ller &amp; S&#xF6;hne").unwrap()),
            "Müller & Söhne"
        );
        assert_eq!(
            text(rfc2047_q_decode(b"=?UTF-8?Q?J=C3=BCrgen_M?= <x>").unwrap()),
            "Jürgen M <x>"
        );
        assert_eq!(text(stomp_unescape(br"a\cb\\c").unwrap()), r"a:b\c");
    }

    proptest! {
        #[test]
        fn decoders_never_panic_and_map_every_byte(input in proptest::collection::vec(any::<u8>(), 0..200)) {
            for decoded in [
                url_decode(&input), json_unescape(&input), unquote(&input, b'\''),
                xml_unescape(&input), rfc2047_q_decode(&input), stomp_unescape(&input),
            ].into_iter().flatten() {
                let (bytes, map) = decoded;
                prop_assert_eq!(bytes.len(), map.starts.len());
                prop_assert!(map.ends.iter().all(|&e| e <= input.len()));
                prop_assert!(map.starts.iter().zip(&map.ends).all(|(s, e)| s < e));
            }
        }

        #[test]
        fn url_round_trip(s in "[a-zA-Z0-9@. äöü]{0,40}") {
            let encoded: String = s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect();
            let decoded = url_decode(encoded.as_bytes()).map_or(encoded.clone().into_bytes(), |d| d.0);
            prop_assert_eq!(decoded, s.into_bytes());
        }
    }
}
