//! MIME bodies in a transfer encoding (RFC 2045, section 6): e-mail a service hands its relay
//! over SMTP, and multipart messages. `quoted-printable` writes every byte beyond ASCII as `=XX`
//! and breaks lines longer than 76 bytes with a soft `=` line break, which can cut an e-mail
//! address or an IBAN in two; `base64` bodies come in 76-byte lines, each decoded on its own
//! by the base64-run scan, so a value across two lines or a field name on another line is
//! lost. Each part whose header names one of them is decoded whole.

use super::{Decoded, base64, hex_value};
use crate::text::SpanMap;

/// The header that names a part's transfer encoding, in lowercase.
const TRANSFER_ENCODING_HEADER: &str = "content-transfer-encoding";

/// The encodings decoded here, as the header names them.
const DECODED_ENCODINGS: [&str; 2] = ["quoted-printable", "base64"];

/// The same names with their words joined, as the quiet check matches compound words: a
/// payload that holds one goes to the full scan. (Not the header's name: its words are those
/// of `Content-Type`, which every HTTP message has, up to the ninth letter.)
pub(crate) const ENCODING_WORDS: [&str; 2] = ["quotedprintable", "base64"];

/// How a part's body is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    QuotedPrintable,
    Base64,
}

/// The bodies of the parts of `b` whose `Content-Transfer-Encoding` is `quoted-printable` or
/// `base64`, decoded, each byte mapped to the wire bytes it came from; at most `limit` decoded
/// bytes in all. A base64 body that does not decode to text (an attachment) is left out.
pub(crate) fn transfer_decoded_parts(b: &[u8], limit: usize) -> Vec<Decoded> {
    let mut parts = Vec::new();
    let mut budget = limit;
    let mut line_start = 0;
    while let Some(header) = next_header(b, line_start) {
        let (encoding, body_start) = header;
        let body_end = body_end(b, body_start);
        line_start = body_end;
        let body = body_start..body_end;
        let decoded = match encoding {
            Encoding::QuotedPrintable => quoted_printable(b, body, budget),
            Encoding::Base64 => base64_lines(b, body, budget),
        };
        if let Some((bytes, map)) = decoded {
            budget = budget.saturating_sub(bytes.len());
            parts.push((bytes, map));
        }
        if budget == 0 {
            break;
        }
    }
    parts
}

/// The next `Content-Transfer-Encoding` header line at or after `from` naming an encoding this
/// module decodes, and where its part's body starts (after the blank line that ends the
/// part's header).
fn next_header(b: &[u8], from: usize) -> Option<(Encoding, usize)> {
    let mut at = from;
    loop {
        let rest = b.get(at..)?;
        let line_len = memchr::memchr(b'\n', rest).map_or(rest.len(), |n| n + 1);
        let line = rest.get(..line_len)?;
        at += line_len;
        let name_len = TRANSFER_ENCODING_HEADER.len();
        let named = line
            .get(..name_len)
            .is_some_and(|name| name.eq_ignore_ascii_case(TRANSFER_ENCODING_HEADER.as_bytes()))
            && line.get(name_len) == Some(&b':');
        if !named {
            if line_len == 0 {
                return None;
            }
            continue;
        }
        let value = line.get(name_len + 1..).unwrap_or_default().trim_ascii();
        let [quoted_printable, base64] = DECODED_ENCODINGS.map(str::as_bytes);
        let encoding = if value.eq_ignore_ascii_case(quoted_printable) {
            Encoding::QuotedPrintable
        } else if value.eq_ignore_ascii_case(base64) {
            Encoding::Base64
        } else {
            continue;
        };
        // The rest of the part's header, up to a blank line.
        loop {
            let rest = b.get(at..)?;
            let len = memchr::memchr(b'\n', rest).map(|n| n + 1)?;
            let blank = matches!(rest.get(..len)?, b"\n" | b"\r\n");
            at += len;
            if blank {
                return Some((encoding, at));
            }
        }
    }
}

/// Where the body starting at `start` ends: at the next line that opens a MIME boundary (`--`),
/// at SMTP's end of data (a line of a single `.`), or at the buffer's end.
fn body_end(b: &[u8], start: usize) -> usize {
    let mut at = start;
    while let Some(rest) = b.get(at..).filter(|rest| !rest.is_empty()) {
        if rest.starts_with(b"--") || rest.starts_with(b".\r\n") || rest.starts_with(b".\n") {
            return at;
        }
        match memchr::memchr(b'\n', rest) {
            Some(n) => at += n + 1,
            None => return b.len(),
        }
    }
    b.len()
}

/// Decodes quoted-printable `b[body]`: `=XX` is the byte `XX`, a `=` before a line break joins
/// the lines (a soft line break), every other byte is itself. `None` when nothing is encoded.
fn quoted_printable(b: &[u8], body: std::ops::Range<usize>, limit: usize) -> Option<Decoded> {
    let text = b.get(body.clone())?;
    memchr::memchr(b'=', text)?;
    let mut out = Vec::with_capacity(text.len().min(limit));
    let mut map = SpanMap::with_capacity(text.len().min(limit));
    let mut i = 0;
    while i < text.len() && out.len() < limit {
        let at = body.start + i;
        let c = text.get(i).copied().unwrap_or(0);
        if c == b'=' {
            let next = text.get(i + 1..(i + 3).min(text.len())).unwrap_or_default();
            if let [hi, lo] = *next
                && let (Some(hi), Some(lo)) = (hex_value(hi), hex_value(lo))
            {
                out.push(hi << 4 | lo);
                map.push(at..at + 3);
                i += 3;
                continue;
            }
            match next {
                [b'\r', b'\n'] => {
                    i += 3;
                    continue;
                }
                [b'\n', ..] => {
                    i += 2;
                    continue;
                }
                _ => {}
            }
        }
        out.push(c);
        map.push(at..at + 1);
        i += 1;
    }
    Some((out, map))
}

/// Decodes a base64 body written in lines: the base64 characters of `b[body]` in groups of
/// four, line breaks and other whitespace skipped, up to the padding. Each decoded byte maps to
/// the wire span of its group. `None` when a byte is not base64 or the bytes are no text.
fn base64_lines(b: &[u8], body: std::ops::Range<usize>, limit: usize) -> Option<Decoded> {
    let text = b.get(body.clone())?;
    let mut out = Vec::with_capacity((text.len() / 4 * 3).min(limit));
    let mut map = SpanMap::with_capacity((text.len() / 4 * 3).min(limit));
    // The group being read: its 6-bit values and where its first character sits.
    let mut group = [0_u8; 4];
    let mut filled = 0;
    let mut group_start = 0;
    for (i, &c) in text.iter().enumerate() {
        if c.is_ascii_whitespace() {
            continue;
        }
        if c == b'=' {
            break;
        }
        let value = base64::sextet(c)?;
        if filled == 0 {
            group_start = body.start + i;
        }
        group[filled] = value;
        filled += 1;
        if filled == 4 {
            let wire = group_start..body.start + i + 1;
            let [a, b1, c1, d] = group;
            for byte in [a << 2 | b1 >> 4, b1 << 4 | c1 >> 2, c1 << 6 | d] {
                out.push(byte);
                map.push(wire.clone());
            }
            filled = 0;
            if out.len() >= limit {
                break;
            }
        }
    }
    // A last group cut short by padding: two characters give one byte, three give two.
    if (2..4).contains(&filled) && out.len() < limit {
        let wire = group_start..body.end;
        let [a, b1, c1, _] = group;
        out.push(a << 2 | b1 >> 4);
        map.push(wire.clone());
        if filled == 3 {
            out.push(b1 << 4 | c1 >> 2);
            map.push(wire);
        }
    }
    out.truncate(limit);
    let keep = out.len();
    map.starts.truncate(keep);
    map.ends.truncate(keep);
    (!out.is_empty() && base64::looks_like_text(&out)).then_some((out, map))
}

#[cfg(test)]
mod tests {
    use ::base64::{Engine as _, engine::general_purpose::STANDARD};
    use proptest::prelude::*;

    use super::*;

    fn decoded_texts(b: &[u8]) -> Vec<String> {
        transfer_decoded_parts(b, 1 << 20)
            .into_iter()
            .map(|(bytes, _)| String::from_utf8(bytes).unwrap())
            .collect()
    }

    #[test]
    fn quoted_printable_bodies_are_joined_and_decoded() {
        let mail = b"From: shop@example.com\r\nContent-Type: text/plain; charset=UTF-8\r\n\
            Content-Transfer-Encoding: Quoted-Printable\r\n\r\n\
            Hallo Anna M=C3=BCller,\r\nR=C3=BCckfragen: anna.mueller@exa=\r\nmple.de\r\n.\r\nQUIT\r\n";
        assert_eq!(
            decoded_texts(mail),
            ["Hallo Anna Müller,\r\nRückfragen: anna.mueller@example.de\r\n"]
        );
        let (bytes, map) = transfer_decoded_parts(mail, 1 << 20).remove(0);
        // `ü` is two bytes, each from its own `=XX`; the joined address maps around the break.
        let u = bytes.iter().position(|&c| c == 0xc3).unwrap();
        assert_eq!(&mail[map.starts[u]..map.ends[u]], b"=C3");
        let m = bytes.windows(3).position(|w| w == b"mpl").unwrap();
        assert_eq!(&mail[map.starts[m]..map.ends[m]], b"m");
        assert_eq!(&mail[map.starts[m - 1]..map.ends[m - 1]], b"a");
    }

    #[test]
    fn base64_bodies_are_decoded_across_lines() {
        let text = "Kunde: Anna Berg, IBAN DE89 3704 0044 0532 0130 00, Telefon 030 1234567, \
                    Geburtsdatum 12.03.1985";
        let encoded = STANDARD.encode(text);
        let lines: Vec<&str> = encoded
            .as_bytes()
            .chunks(76)
            .map(|l| std::str::from_utf8(l).unwrap())
            .collect();
        let mail = format!(
            "--b1\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--b1--\r\n",
            lines.join("\r\n")
        );
        assert_eq!(decoded_texts(mail.as_bytes()), [text]);
        let (bytes, map) = transfer_decoded_parts(mail.as_bytes(), 1 << 20).remove(0);
        // Each byte maps to its group of four characters.
        for (i, (&s, &e)) in map.starts.iter().zip(&map.ends).enumerate() {
            let group = STANDARD.decode(&mail.as_bytes()[s..e]).unwrap();
            assert_eq!(group[i % 3], bytes[i]);
        }
        // An attachment that is not text, and an encoding not decoded here: nothing.
        let image = format!(
            "Content-Transfer-Encoding: base64\r\n\r\n{}\r\n",
            STANDARD.encode([0_u8, 159, 146, 150, 255, 0, 1, 2, 3, 200, 201, 202])
        );
        assert!(decoded_texts(image.as_bytes()).is_empty());
        assert!(
            decoded_texts(b"Content-Transfer-Encoding: 7bit\r\n\r\nHallo=20Anna\r\n").is_empty()
        );
        // The header's name alone, in a body or a value: no part.
        assert!(decoded_texts(b"x: Content-Transfer-Encoding: base64\r\n\r\nQW5uYQ==").is_empty());
    }

    #[test]
    fn the_quiet_words_are_the_encodings_joined() {
        assert_eq!(
            DECODED_ENCODINGS.map(|e| e.replace('-', "")),
            ENCODING_WORDS
        );
    }

    #[test]
    fn the_limit_bounds_the_output() {
        let mail =
            b"Content-Transfer-Encoding: quoted-printable\r\n\r\nM=C3=BCller M=C3=BCller\r\n";
        let parts = transfer_decoded_parts(mail, 4);
        assert_eq!(parts.iter().map(|(b, _)| b.len()).sum::<usize>(), 4);
    }

    proptest! {
        #[test]
        fn never_panics(input in proptest::collection::vec(any::<u8>(), 0..400)) {
            let mut mail = b"Content-Transfer-Encoding: quoted-printable\r\n\r\n".to_vec();
            mail.extend(&input);
            for (bytes, map) in transfer_decoded_parts(&mail, 256) {
                prop_assert!(bytes.len() <= 256);
                prop_assert!(map.ends.iter().all(|&e| e <= mail.len()));
            }
            let _ = transfer_decoded_parts(&input, 256);
        }

        /// Any text, written in quoted-printable lines as a mail client writes them, comes back
        /// (without `-` and `.`, which may open a boundary or end the data at a line's start).
        #[test]
        fn quoted_printable_round_trips(text in "[ -,/-~äöüßé]{1,200}") {
            let mut encoded = String::new();
            let mut line = 0;
            for byte in text.bytes() {
                let piece = if byte == b'=' || !byte.is_ascii() {
                    format!("={byte:02X}")
                } else {
                    char::from(byte).to_string()
                };
                if line + piece.len() > 75 {
                    encoded.push_str("=\r\n");
                    line = 0;
                }
                line += piece.len();
                encoded.push_str(&piece);
            }
            let mail = format!("Content-Transfer-Encoding: quoted-printable\r\n\r\n{encoded}");
            // A body with nothing encoded is scanned as it is, not again.
            let expected = if encoded.contains('=') { vec![text] } else { Vec::new() };
            prop_assert_eq!(decoded_texts(mail.as_bytes()), expected);
        }
    }
}
