//! The quiet check: a cheap proof that the engine would report nothing in a payload.
//!
//! Most machine-to-machine bytes are telemetry with no personal data. The engine's full scan
//! (fields in ten syntaxes, field-name classification, context rules) costs far more than
//! deciding that it cannot report anything, which needs only three facts:
//!
//! 1. **No strong pattern candidate.** Everything the engine reports without a field name
//!    (e-mail, IBAN, card, IMEI, IPs, MAC, JWT with claims, international phone, formatted
//!    national ID, coordinates) is a strong candidate of the pattern scan. Here each token
//!    start is asked only whether a strong candidate begins there (`patterns::strong_at`),
//!    stopping at the first. Base64 runs that decode to text count too.
//! 2. **No personal field name.** Candidates needing context (a bare number that is a valid BSN
//!    or a national-format phone) and the field-decided detectors (names, birth dates,
//!    addresses, phones, national IDs, passports, coordinates) act only when a field name or a
//!    preceding word classifies as such a kind, which needs an entry of
//!    [`keywords::personal_vocabulary`] in the buffer, at a word boundary as its anchor says.
//!    Words are found as `keywords::words` splits them (case changes, separators, Unicode
//!    letters), and entries match across the separators that join compound names (`_ - .` and
//!    space), as joined names do. A pair rule (`billing` with `line`) needs its parent entry
//!    before its child entry, as every parent the engine assigns comes before the field.
//!    Greetings (a name after `Hallo`) and `GEOADD` (coordinates by position) are looked for
//!    the same way. CBOR maps hide their keys from word boundaries (`dname`: a length byte
//!    glued to `name`): a payload with bytes of 0x80 and above that holds one goes to the full
//!    scan.
//! 3. **Nothing to decode.** Escapes (`\` before a byte a decoder unescapes, `%XX`, `+` inside a
//!    value, XML entities, RFC 2047), chunked or compressed HTTP bodies, AMQP body frames,
//!    compressed Kafka record batches and MongoDB messages give the engine other bytes than the
//!    wire's, so any of them sends the payload to the full scan.
//!
//! The walk classifies each 64-byte block into bit masks (AVX-512BW where the CPU has it, else
//! SSE2 on x86-64; a portable loop elsewhere) and looks only at token starts, word starts and
//! word ends. Most tokens are settled from the masks (words, numbers, grouped values by where
//! their digits and letters sit) or their first bytes (`patterns::strong_at`); ISO 8601 UTC
//! timestamps are skipped whole (`patterns::iso_timestamp_len`). A base64 run without letters of
//! both cases cannot decode to text, so hex digests need none. Most words are looked up by
//! their first four bytes read straight from the buffer, short ones by their own bytes; a word
//! of lowercase letters and digits that ends before a byte no word goes on with is matched
//! against its entries in place, and a longer one is parted from them by its fifth byte, before
//! any stream is decoded. Escapes and word ends that may close a suffix entry are flagged by the
//! masks too.
//!
//! When all three hold the payload is quiet and the engine returns no findings without
//! extracting a single field. The tests beside this module check the promise against the full
//! scan on generated traffic and structured noise; if the vocabulary or a detector changes, they
//! fail before a finding can be lost.

use std::{hash::BuildHasherDefault, sync::LazyLock};

use crate::{
    decode::{base64, escapes, framing, http2, kafka, mime, mongodb},
    detect::{email, financial, names},
    fields,
    fnv::Fnv,
    http::{self, Part},
    keywords::{self, Anchor, Need},
    patterns,
};

/// One vocabulary entry: lowercase UTF-8, where it must sit, and when it counts.
type Entry = (&'static [u8], Anchor, Need);

/// Entries sharing their first four bytes (shorter ones padded with 0), with the longest length.
#[derive(Default)]
struct Bucket {
    entries: Vec<Entry>,
    max_len: usize,
    min_len: usize,
    /// Bit per byte at index 4 of the entries, when all are longer than 4.
    fifth: [u64; 4],
}

impl Bucket {
    /// Whether some entry may match a stream of which `text` (lowercase, `len` bytes) is read:
    /// none is longer than what the stream holds, and when every entry is longer than four
    /// bytes, one has the stream's fifth byte. Most words that share an entry's first four
    /// bytes (`telemetry` with `telefon`) part there.
    fn may_match(&self, text: &[u8], len: usize) -> bool {
        if len < 5 {
            return len >= self.min_len;
        }
        self.min_len < 5
            || text
                .get(4)
                .is_some_and(|&c| bit(&self.fifth, usize::from(c)))
    }
}

/// The vocabulary, ready for matching at word starts and ends.
struct Vocabulary {
    /// Entries anchored at a word start (`Word` and `Prefix`), lowercase UTF-8, by their
    /// first four bytes (FNV: the keys are the vocabulary's own, and a lookup runs per word).
    starts: std::collections::HashMap<[u8; 4], Bucket, BuildHasherDefault<Fnv>>,
    /// Bit per [`quad_index`] of the first four bytes of `starts` entries (shorter ones padded
    /// with 0).
    start_quads: Box<[u64; 1024]>,
    /// Entries anchored at a word end only, lowercase UTF-8, with the [`pair_index`] of their
    /// last two bytes.
    suffixes: Vec<(&'static [u8], Need, usize)>,
    /// The longest suffix entry, in bytes.
    max_suffix_len: usize,
    /// Bit per [`pair_index`] of the last two bytes of a suffix.
    suffix_pairs: Box<[u64; 1024]>,
}

static VOCABULARY: LazyLock<Vocabulary> = LazyLock::new(|| {
    let mut entries = keywords::personal_vocabulary();
    entries.extend(names::greeting_first_words().map(|w| (w, Anchor::Word, Need::Alone)));
    entries.extend(
        fields::kind_by_position_commands()
            .filter_map(|name| std::str::from_utf8(name).ok())
            .map(|w| (w, Anchor::Word, Need::Alone)),
    );
    // A mail body in a transfer encoding (`quoted-printable`, `base64`) is decoded whole by the
    // full scan: the encoding's name sends the payload there.
    entries.extend(
        mime::ENCODING_WORDS
            .iter()
            .map(|&w| (w, Anchor::Word, Need::Alone)),
    );
    let mut vocabulary = Vocabulary {
        starts: std::collections::HashMap::default(),
        start_quads: Box::new([0; 1024]),
        suffixes: Vec::new(),
        max_suffix_len: 0,
        suffix_pairs: Box::new([0; 1024]),
    };
    for (entry, anchor, need) in entries {
        // Greetings are capitalised; everything is compared in lowercase.
        let lower: &'static [u8] = Box::leak(entry.to_lowercase().into_bytes().into_boxed_slice());
        match anchor {
            Anchor::Suffix => {
                if let [.., before_last, last] = *lower {
                    let pair = pair_index(before_last, last);
                    set_bit(&mut vocabulary.suffix_pairs[..], pair);
                    vocabulary.suffixes.push((lower, need, pair));
                    vocabulary.max_suffix_len = vocabulary.max_suffix_len.max(lower.len());
                }
            }
            Anchor::Word | Anchor::Prefix => {
                if lower.len() >= 2 {
                    let mut quad = [0_u8; 4];
                    for (slot, &byte) in quad.iter_mut().zip(lower) {
                        *slot = byte;
                    }
                    set_bit(&mut vocabulary.start_quads[..], quad_index(quad));
                    let bucket = vocabulary.starts.entry(quad).or_insert_with(|| Bucket {
                        min_len: usize::MAX,
                        ..Bucket::default()
                    });
                    bucket.max_len = bucket.max_len.max(lower.len());
                    bucket.min_len = bucket.min_len.min(lower.len());
                    if let Some(&fifth) = lower.get(4) {
                        set_bit(&mut bucket.fifth, usize::from(fifth));
                    }
                    bucket.entries.push((lower, anchor, need));
                }
            }
        }
    }
    vocabulary
});

fn pair_index(a: u8, b: u8) -> usize {
    usize::from(a) << 8 | usize::from(b)
}

/// 16 bits from four bytes.
fn quad_index(quad: [u8; 4]) -> usize {
    let hashed = u32::from_le_bytes(quad).wrapping_mul(0x9E37_79B1) >> 16;
    hashed as usize
}

fn set_bit(bits: &mut [u64], index: usize) {
    if let Some(slot) = bits.get_mut(index / 64) {
        *slot |= 1 << (index % 64);
    }
}

fn bit(bits: &[u64], index: usize) -> bool {
    bits.get(index / 64)
        .is_some_and(|slot| slot & (1 << (index % 64)) != 0)
}

/// Whether the engine is certain to report nothing in `payload` (see the module docs).
pub(crate) fn is_quiet(payload: &[u8]) -> bool {
    // Whether the engine joins AMQP body frames or WebSocket payloads depends on the frames
    // alone, not on the limit: with 0 the walk decides it without copying a byte.
    if framing::amqp_bodies(payload, 0).is_some()
        || framing::websocket_payloads(payload, 0).is_some()
        || fields::mqtt::has_glued_topic(payload)
        || http2::hides_text(payload)
    {
        return false;
    }
    // The engine scans each HTTP message's head and body on their own; a body it de-chunks or
    // inflates goes to the full scan.
    let Some(mut parts) = http::parts(payload) else {
        return quiet_buffer(payload);
    };
    let first = parts.next();
    if let Some(Part::Message(message)) = &first
        && message.body.end == payload.len()
    {
        // One message, the common case: its head ends in a blank line, so no token, word or
        // escape spans head and body, and the whole payload is walked at once.
        return !message.framing.is_decoded() && quiet_buffer(payload);
    }
    first.into_iter().chain(parts).all(|part| match part {
        Part::Message(message) => {
            !message.framing.is_decoded()
                && quiet_window(payload, message.head)
                && quiet_window(payload, message.body)
        }
        Part::Rest(rest) => quiet_window(payload, rest),
    })
}

/// [`quiet_buffer`] on the bytes of `range`, which the engine scans as one buffer.
fn quiet_window(payload: &[u8], range: std::ops::Range<usize>) -> bool {
    range.is_empty() || quiet_buffer(payload.get(range).unwrap_or_default())
}

/// Whether the byte at `at`, one the block masks flag (`\`, `%`, `+`, `&`, `=`), opens an
/// escape some value decoder acts on: the checks `needs_decoding` (the test reference) makes
/// there, after the masks' own (`%` with two hex digits, `+` between alphanumerics, `=` before
/// `?`).
fn escape_at(b: &[u8], at: usize) -> bool {
    match b.get(at) {
        Some(b'+') => plus_is_decoded(b, at),
        Some(b'\\') => b
            .get(at + 1)
            .is_some_and(|next| escapes::BACKSLASH_ESCAPED.contains(next)),
        // An entity: `&amp;`, `&#64;`, `&#x40;`, with its `;` close by.
        Some(b'&') => {
            b.get(at + 1)
                .is_some_and(|&c| c == b'#' || c.is_ascii_alphabetic())
                && b.get(at + 2..)
                    .is_some_and(|rest| rest.iter().take(11).any(|&c| c == b';'))
        }
        _ => true,
    }
}

/// Whether a form value's `+` at `at` would decode to a space that changes what the engine
/// reads: between alphanumerics it splits a token (`4111+1111`, `Hallo+Anna`); next to a run of
/// base64 bytes long enough to be decoded on its own it ends or starts that run, which in the
/// wire bytes goes on through the `+` (`...QQ==+00`).
fn plus_is_decoded(b: &[u8], at: usize) -> bool {
    let alnum_at = |i: usize| b.get(i).is_some_and(u8::is_ascii_alphanumeric);
    let base64_run = |bytes: &mut dyn Iterator<Item = &u8>| {
        bytes
            .take(patterns::MIN_BASE64_RUN)
            .take_while(|&&c| base64::is_base64_byte(c))
            .count()
            >= patterns::MIN_BASE64_RUN
    };
    let before = b.get(..at).unwrap_or_default();
    let after = b.get(at + 1..).unwrap_or_default();
    (at > 0 && alnum_at(at - 1) && alnum_at(at + 1))
        || base64_run(&mut before.iter().rev())
        || base64_run(&mut after.iter())
}

/// Escapes any of the engine's value decoders would act on: the reference the block walk's
/// escape masks are tested against.
#[cfg(test)]
fn needs_decoding(b: &[u8]) -> bool {
    let hex_at = |i: usize| b.get(i).is_some_and(u8::is_ascii_hexdigit);
    escapes::ENCODED_WORD_OPENING.find(b).is_some()
        || b.iter().enumerate().any(|(at, &c)| match c {
            b'\\' | b'&' => escape_at(b, at),
            b'%' => hex_at(at + 1) && hex_at(at + 2),
            // A form value's space (`4111+1111+...`, `Hallo+Anna`, `...QQ==+00`).
            b'+' => plus_is_decoded(b, at),
            _ => false,
        })
}

/// One buffer with nothing to decode: no strong candidate, no text in base64, no vocabulary.
///
/// One walk over 64-byte blocks finds, from bit masks, the token starts the pattern scan visits,
/// the word starts where a vocabulary entry may begin and the word ends where a suffix may end;
/// only those positions are looked at.
///
/// The full scan's pattern scan reads the buffer with protobuf pairs' framing blanked (a value's
/// next tag is no part of it): a buffer with such pairs must be quiet as sent, for its field
/// names, and blanked, for its patterns. Blanked, a key of 48 bytes or more is parted from its
/// length byte (`0`, `A`, ... glued to its first word) too.
fn quiet_buffer(b: &[u8]) -> bool {
    let mut pair_tags = false;
    if !quiet_walk(b, &mut pair_tags) {
        return false;
    }
    if !pair_tags {
        return true;
    }
    let mut framing = fields::protobuf::framing(b).peekable();
    if framing.peek().is_none() {
        return true;
    }
    let mut blanked = b.to_vec();
    for range in framing {
        if let Some(bytes) = blanked.get_mut(range) {
            bytes.fill(0);
        }
    }
    quiet_walk(&blanked, &mut pair_tags)
}

/// [`quiet_buffer`] on `b` as it is; sets `pair_tags` when `b` has a byte `0x12`, which every
/// protobuf key/value pair has.
#[expect(
    clippy::too_many_lines,
    reason = "one walk whose per-block state (masks, carries, cursors) lives in its locals"
)]
fn quiet_walk(b: &[u8], pair_tags: &mut bool) -> bool {
    // The pattern scan tries every `@` first; a payload with an e-mail address ends here, before
    // the walk.
    if memchr::memchr_iter(b'@', b).any(|at| email::email_at(b, at).is_some()) {
        return false;
    }
    let vocabulary = &*VOCABULARY;
    let mut hits = Hits::default();
    let mut runs = Vec::new();
    let mut current = Masks::of_block(b, 0);
    // Bit 0 of the masks shifted in from the previous block.
    let mut carry_alnum = 0;
    let mut carry_base64 = 0;
    let mut carry_lower_or_digit = 0;
    let mut carry_dot = 0;
    // The last two bits of the digit mask.
    let mut carry_digit = 0;
    let mut base = 0;
    // End of a span (a timestamp) in which no strong candidate starts.
    let mut skip_until = 0;
    // Whether any byte is 0x80 or above: CBOR map headers are.
    let mut any_high = 0;
    let mut any_pair_tag = 0;
    let mut any_batch_magic = 0;
    while base < b.len() {
        let next = Masks::of_block(b, base + 64);
        any_high |= current.high;
        any_pair_tag |= current.pair_tag;
        any_batch_magic |= current.batch_magic;
        let alnum = current.lower | current.upper | current.digit;
        let alpha = current.lower | current.upper;
        let lower_or_digit = current.lower | current.digit;
        let prev_alnum = alnum << 1 | carry_alnum;
        let prev_lower_or_digit = lower_or_digit << 1 | carry_lower_or_digit;
        let wide = |f: fn(&Masks) -> u64| u128::from(f(&current)) | u128::from(f(&next)) << 64;
        let next_alnum = alnum >> 1 | (next.lower | next.upper | next.digit) << 63;
        let next_upper = current.upper >> 1 | next.upper << 63;
        // Where `patterns::scan` calls `scan_at` and a strong candidate may start: a value's
        // first byte after a byte that is not ASCII alphanumeric.
        let token_starts = (alnum | current.sign) & !prev_alnum;
        // Where `keywords::words` may start a word: after a separator (a non-ASCII byte may be
        // one) or at a case change.
        let word_starts = alpha & (!prev_alnum | (current.upper & prev_lower_or_digit));
        let word_ends = alnum & (!next_alnum | (next_upper & lower_or_digit));
        let window = Window::of(&current, &next);
        // Escapes (`%XX`, a form value's `+` between alphanumerics, `=?` of RFC 2047, `\`,
        // `&`): rare, each checked where the masks flag it.
        let plus = current.sign & !current.dash;
        let base64 = ahead(window.base64, 0);
        let prev_base64 = base64 << 1 | carry_base64;
        let flagged = current.backslash
            | current.amp
            | current.percent & ahead(window.hex, 1) & ahead(window.hex, 2)
            | plus & (prev_base64 | ahead(window.base64, 1))
            | current.equals & ahead(wide(|m| m.question), 1);
        if bits(flagged).any(|k| escape_at(b, base + k)) {
            return false;
        }
        // Words that `patterns::strong_at` would dismiss, decided here for a whole block: no
        // run of 20 base64 bytes opening with 8 alphanumerics (`patterns::MIN_BASE64_RUN`),
        // not `e` (JWT), not a hex letter opening a MAC or IPv6 address (hex, `:`/`-`; four
        // hex, `.`; hex up to a `:` within 5), not a capital with a digit within 7 (IBAN,
        // national IDs with letters).
        let digit_wide = window.digit;
        let digit7 = (0..7).fold(0, |acc, k| acc | ahead(digit_wide, k));
        let may_start =
            window.base64_start | window.hex_guard & current.hex_letter | digit7 & current.upper;
        let plain_words = alpha & !may_start & !current.e;
        let guard5 = window.guard5;
        // The fraction of a decimal number (after `<digit>.`), shorter than 8 alphanumerics,
        // with no `:`, `.` or `-` in its first five bytes (`patterns::strong_at`).
        let fractions = current.digit
            & (current.dot << 1 | carry_dot)
            & (current.digit << 2 | carry_digit)
            & !(window.alnum_run8 | guard5);
        for k in bits(token_starts & !plain_words & !fractions) {
            let at = base + k;
            if at < skip_until {
                continue;
            }
            // An ISO 8601 timestamp opens with four digits and a `-`: skipped whole, before the
            // masks try its first group.
            if window.digits_at(k) == 4
                && Window::bit(window.dash, k + 4)
                && let Some(len) = patterns::iso_timestamp_len(b, at)
            {
                skip_until = at + len;
                continue;
            }
            match window.settle(b, at, k, &mut runs) {
                Some(true) => return false,
                Some(false) => continue,
                None => {}
            }
            if let Some(len) = patterns::iso_timestamp_len(b, at) {
                skip_until = at + len;
                continue;
            }
            if patterns::strong_at(b, at, &mut runs) {
                return false;
            }
        }
        // X12 and EDIFACT segments (`NM1*`, `NAD+`) and interchange headers (`ISA`, `UNA`) name
        // their fields by position: a capital after a byte that is not alphanumeric, opening a
        // run of two or three alphanumerics, is asked whether one opens there.
        let then_alnum = |n: u32| ahead(window.alnum, n);
        let short_caps =
            current.upper & !prev_alnum & then_alnum(1) & (!then_alnum(2) | !then_alnum(3));
        if bits(short_caps).any(|k| fields::opens_edi_segment(b, base + k)) {
            return false;
        }
        // Words whose next three bytes are lowercase letters or digits (no case change, all
        // ASCII): their first four bytes in lowercase are the quad `may_start_entry` looks up.
        let lower_or_digit_wide = wide(|m| m.lower | m.digit);
        // Words that begin no entry: one letter before a byte after which no word goes on
        // (ASCII, not alphanumeric, not a joiner), or a letter before a digit (no entry has a
        // digit second).
        let stop = wide(|m| {
            !(m.lower | m.upper | m.digit | m.high | m.underscore | m.dash | m.dot | m.space)
        });
        let never = word_starts & (ahead(stop, 1) | ahead(digit_wide, 1));
        let simple_words = word_starts
            & !never
            & ahead(lower_or_digit_wide, 1)
            & ahead(lower_or_digit_wide, 2)
            & ahead(lower_or_digit_wide, 3);
        // Whole words of two or three bytes (lowercase letters or digits after the first) before
        // such a byte, or before a joiner and a digit (`th-2829`: no entry has a digit in its
        // first four bytes): what `may_start_entry` reads of them is their bytes alone.
        let joiner = wide(|m| m.underscore | m.dash | m.dot | m.space);
        let ends_at = |n: u32| ahead(stop, n) | ahead(joiner, n) & ahead(digit_wide, n + 1);
        let short2 = word_starts & !never & ahead(lower_or_digit_wide, 1) & ends_at(2);
        let short3 = word_starts
            & !never
            & ahead(lower_or_digit_wide, 1)
            & ahead(lower_or_digit_wide, 2)
            & ends_at(3);
        // The first byte of a word and the lowercase letters and digits after it. A plain word
        // (`plain_word_starts_entry`) ends there, before a byte after which no word goes on.
        let run_len = |k: usize| 1 + (!(lower_or_digit_wide >> (k + 1))).trailing_zeros() as usize;
        let plain_len = |k: usize| {
            let len = run_len(k);
            (k + len < 128 && Window::bit(stop, k + len)).then_some(len)
        };
        for k in bits(short2 | short3) {
            let at = base + k;
            let len = if short2 >> k & 1 == 1 { 2 } else { 3 };
            let mut quad = [0_u8; 4];
            for (slot, &c) in quad.iter_mut().zip(b.get(at..at + len).unwrap_or_default()) {
                *slot = c.to_ascii_lowercase();
            }
            if bit(&vocabulary.start_quads[..], quad_index(quad))
                && match plain_len(k) {
                    Some(len) => plain_word_starts_entry(vocabulary, b, at, len, quad, &mut hits),
                    None => starts_entry(vocabulary, b, at, &mut hits),
                }
            {
                return false;
            }
        }
        for k in bits(simple_words) {
            let at = base + k;
            let quad = b
                .get(at..at + 4)
                .and_then(|w| <[u8; 4]>::try_from(w).ok())
                .map_or(0, |w| u32::from_le_bytes(w) | 0x2020_2020)
                .to_le_bytes();
            if bit(&vocabulary.start_quads[..], quad_index(quad))
                && match plain_len(k) {
                    Some(len) => plain_word_starts_entry(vocabulary, b, at, len, quad, &mut hits),
                    // A run of five or more is the start of the stream whatever follows: its
                    // fifth byte parts most words from the entries sharing their first four
                    // (`Content-Type` from `contact`) without decoding the stream.
                    None if run_len(k) >= 5 => {
                        vocabulary.starts.get(&quad).is_some_and(|bucket| {
                            let fifth = b.get(at + 4).copied().unwrap_or(0);
                            bucket.may_match(&[quad[0], quad[1], quad[2], quad[3], fifth], 5)
                        }) && starts_entry(vocabulary, b, at, &mut hits)
                    }
                    None => starts_entry(vocabulary, b, at, &mut hits),
                }
            {
                return false;
            }
        }
        for at in bits(word_starts & !never & !simple_words & !short2 & !short3) {
            if may_start_entry(vocabulary, b, base + at)
                && starts_entry(vocabulary, b, base + at, &mut hits)
            {
                return false;
            }
        }
        for at in bits(word_ends & current.suffix_end) {
            if suffix_ends_before(vocabulary, b, base + at + 1, &mut hits) {
                return false;
            }
        }
        carry_alnum = alnum >> 63;
        carry_base64 = base64 >> 63;
        carry_lower_or_digit = lower_or_digit >> 63;
        carry_dot = current.dot >> 63;
        carry_digit = current.digit >> 62;
        current = next;
        base += 64;
    }
    *pair_tags = any_pair_tag != 0;
    // CBOR keys sit glued to their length bytes (`dname`), where no word boundary shows them:
    // a payload with a CBOR map of text values goes to the full scan.
    if any_high != 0 && fields::has_cbor_fields(b) {
        return false;
    }
    // A MongoDB `OP_COMPRESSED` message (its opcode's `0xdc` is such a byte) is decompressed by
    // the full scan.
    if any_high != 0 && mongodb::has_compressed_message(b) {
        return false;
    }
    // HL7 v2 segments and DICOM data elements name their fields by position, LDAP's BER glues
    // names to its tags.
    if fields::has_positional_or_ber_fields(b) || fields::dicom::has_elements(b) {
        return false;
    }
    // A Kafka record batch's compressed records are decompressed by the full scan.
    if any_batch_magic != 0 && kafka::has_compressed_batch(b) {
        return false;
    }
    !runs.iter().any(|r| {
        base64::decode_text_run(b.get(r.clone()).unwrap_or_default(), usize::MAX).is_some()
    })
}

/// Masks of a block and the next one (bit `k` = byte `k` of the block) that settle most
/// tokens without reading them: what `patterns::strong_at` decides from where a token's digits,
/// letters and separators sit and from the byte after them.
struct Window {
    digit: u128,
    dot: u128,
    space: u128,
    /// Bytes a pattern may go on with (`patterns::stops_every_pattern` is false).
    continues: u128,
    /// A `:`, `.` or `-` within 5 bytes from here.
    guard5: u64,
    colon: u128,
    dash: u128,
    /// Hex digits.
    hex: u128,
    /// Where a hex letter may open a MAC or IPv6 address (`patterns::strong_at`): hex, then
    /// `:`/`-`; four hex, then `.`; hex digits up to a `:` within 5 bytes.
    hex_guard: u64,
    /// Bytes a grouped value is written with: alphanumerics and ` -./()+`.
    value: u128,
    /// 8 alphanumerics from here.
    alnum_run8: u64,
    /// Where `patterns::base64_run_at` may find a run: 8 alphanumerics opening 20 base64
    /// bytes (`patterns::MIN_BASE64_RUN`).
    base64_start: u64,
    /// Base64 bytes, and the letters of each case.
    base64: u128,
    upper: u128,
    lower: u128,
    alnum: u128,
}

/// Alphanumerics of a first group too long for any strong value with letters (the longest,
/// the codice fiscale, has 16).
const LONG_GROUP: usize = 17;

/// What each byte of a block sees `k` bytes ahead in a window mask (bits `k..k + 64`): the masks
/// only token starts of the block read are computed this narrow.
#[expect(
    clippy::cast_possible_truncation,
    reason = "the low 64 bits: this block"
)]
const fn ahead(mask: u128, k: u32) -> u64 {
    (mask >> k) as u64
}

/// The low `n` bits.
const fn low_bits(n: u32) -> u128 {
    if n >= 128 { u128::MAX } else { (1 << n) - 1 }
}

impl Window {
    /// The window of block `current` and the `next` one.
    fn of(current: &Masks, next: &Masks) -> Self {
        let wide = |f: fn(&Masks) -> u64| u128::from(f(current)) | u128::from(f(next)) << 64;
        let colon = wide(|m| m.colon);
        let dash = wide(|m| m.dash);
        let dot = wide(|m| m.dot);
        let alnum = wide(|m| m.lower | m.upper | m.digit);
        let hex = wide(|m| m.hex_letter | m.digit);
        let alnum_run8 = (0..8).fold(u64::MAX, |acc, k| acc & ahead(alnum, k));
        let base64 = alnum | wide(|m| m.base64_punct | m.dash);
        let base64_run4 = base64 & base64 >> 1 & base64 >> 2 & base64 >> 3;
        let base64_run8 = base64_run4 & base64_run4 >> 4;
        let base64_run20 = ahead(base64_run8, 0) & ahead(base64_run8, 8) & ahead(base64_run4, 16);
        // An IPv6 address's first group: hex digits, then `:` within 5 bytes.
        let mut hex_run = ahead(hex, 0);
        let mut hex_then_colon = 0;
        for k in 1..5 {
            hex_then_colon |= hex_run & ahead(colon, k);
            hex_run &= ahead(hex, k);
        }
        let guards = colon | dash | dot;
        Self {
            value: alnum | wide(|m| m.sign | m.dot | m.space | m.paren | m.slash),
            alnum_run8,
            base64_start: alnum_run8 & base64_run20,
            base64,
            upper: wide(|m| m.upper),
            lower: wide(|m| m.lower),
            alnum,
            digit: wide(|m| m.digit),
            dot,
            space: wide(|m| m.space),
            continues: wide(|m| {
                m.lower
                    | m.upper
                    | m.digit
                    | m.sign
                    | m.dot
                    | m.colon
                    | m.base64_punct
                    | m.space
                    | m.paren
            }),
            guard5: (0..5).fold(0, |acc, k| acc | ahead(guards, k)),
            colon,
            dash,
            hex,
            hex_guard: ahead(colon | dash, 2) & ahead(hex, 1)
                | ahead(dot, 4) & ahead(hex, 1) & ahead(hex, 2) & ahead(hex, 3)
                | hex_then_colon,
        }
    }

    /// Digits among the bytes a grouped value at bit `k` is written with (at most 48).
    fn grouped_digits(&self, k: usize) -> u32 {
        let run = (!(self.value >> k)).trailing_zeros().min(48);
        ((self.digit >> k) & low_bits(run)).count_ones()
    }

    /// The bytes a grouped value at bit `k` is written with, as low bits from `k`; `None` when
    /// they run past the window, where the masks do not reach.
    fn value_run(&self, k: usize) -> Option<u128> {
        let run = (!(self.value >> k)).trailing_zeros();
        (k + (run as usize) < 128).then(|| low_bits(run))
    }

    /// Where the first letter sits among the `written` bytes from bit `k` (their length when
    /// none does), and how many digits come before it.
    fn digits_before_letter(&self, k: usize, written: u128) -> (u32, u32) {
        let first_letter = (((self.alnum ^ self.digit) >> k) & written).trailing_zeros();
        let digits = ((self.digit >> k) & written & low_bits(first_letter)).count_ones();
        (first_letter, digits)
    }

    /// Length of the digit run at bit `k` (at most to the end of the window).
    fn digits_at(&self, k: usize) -> usize {
        (!(self.digit >> k)).trailing_zeros() as usize
    }

    fn bit(mask: u128, k: usize) -> bool {
        k < 128 && (mask >> k) & 1 == 1
    }

    /// Whether a base64 run the pattern scan would hand to the decoder may start at bit `k`
    /// and decode to text: only a run with letters of both cases does
    /// (`base64::decode_text_run`), which hex digests and identifiers lack. A run past the
    /// window counts as one.
    fn base64_text_at(&self, k: usize) -> bool {
        if !Self::bit(u128::from(self.base64_start), k) {
            return false;
        }
        let run = (!(self.base64 >> k)).trailing_zeros();
        if k + run as usize >= 128 {
            return true;
        }
        let within = |mask: u128| (mask >> k) & low_bits(run) != 0;
        within(self.upper) && within(self.lower)
    }

    /// Whether an address or a coordinate may start at bit `k`, a digit (`patterns::scan_at`):
    /// - a `.` among the next four bytes: IPv4, a decimal degree, NMEA, a dotted MAC;
    /// - a `-` two and five bytes on: a MAC (`00-17-88-...`; a W3C `traceparent`, `00-<hex>`,
    ///   has one at two only);
    /// - a `:` among the next four bytes, and 5 colons (a MAC) or `::` or 7 colons (IPv6)
    ///   among the hex digits, colons and dots from here (`network::mac_len`,
    ///   `network::ipv6_len`).
    fn address_guarded(&self, k: usize) -> bool {
        // The next four bits after bit `k` (k < 64: a token start of the current block).
        let near = |mask: u128| (mask >> (k + 1)) & 0xf != 0;
        if near(self.dot) || Self::bit(self.dash, k + 2) && Self::bit(self.dash, k + 5) {
            return true;
        }
        if !near(self.colon) {
            return false;
        }
        let run = (!((self.hex | self.colon | self.dot) >> k)).trailing_zeros();
        if k + run as usize >= 128 {
            return true;
        }
        let colons = (self.colon >> k) & low_bits(run);
        colons.count_ones() >= 5 || colons & colons >> 1 != 0
    }

    /// Whether a grouped value starting at `b[at]` (bit `k`: a digit run of `first_digits`, or
    /// a capital when 0) is strong (`patterns::grouped_value`, first strong), as far as the
    /// masks decide it. Its compact form is a prefix of the alphanumerics of the bytes it may
    /// be written with, and every strong one has at least 9 of them and 6 digits among its first
    /// 48 bytes. By where its letters sit (`national_id::may_be_strong`, IBAN and phone rules):
    /// - opening with digits, 9 digits come before its first letter (a card, an IMEI, a
    ///   separated national ID), or 8 (ES DNI, whose letter ends it), or 6, the last a `2`
    ///   before `A`/`B` (FR NIR born in Corsica). When they are all in the first run, no
    ///   separated ID is left, only a card or an IMEI of that run;
    /// - opening with a capital, 1 letter comes before its first digit (ES NIE), 2 (IBAN,
    ///   GB NINO) or 6 (IT codice fiscale).
    fn grouped_strong(&self, b: &[u8], at: usize, k: usize, first_digits: usize) -> Option<bool> {
        // The pattern scan tries no grouped value in a decimal number's fraction.
        if patterns::in_decimal(b, at) || self.grouped_digits(k) < 6 {
            return Some(false);
        }
        let written = self.value_run(k)?;
        if ((self.alnum >> k) & written).count_ones() < 9 {
            return Some(false);
        }
        if first_digits == 0 {
            let first_digit = ((self.digit >> k) & written).trailing_zeros();
            let letters = ((self.alnum >> k) & low_bits(first_digit)).count_ones();
            return (!matches!(letters, 1 | 2 | 6)).then_some(false);
        }
        let (first_letter, digits) = self.digits_before_letter(k, written);
        let digits = digits as usize;
        if digits < 6 {
            return Some(false);
        }
        if digits != first_digits {
            return None;
        }
        match first_digits {
            6 => None,
            // ES DNI: its compact form is 9 long, so its letter stands alone.
            8 => {
                let letter_run = (!(self.alnum >> (k + first_letter as usize))).trailing_zeros();
                (letter_run != 1).then_some(false)
            }
            // A card or an IMEI is a group of its own: a letter right after the run joins it.
            financial::MIN_CARD_DIGITS.. => {
                let number = b.get(at..at + first_digits).unwrap_or_default();
                let own_group = !Self::bit(self.alnum, k + first_digits);
                Some(own_group && (financial::valid_card(number) || financial::valid_imei(number)))
            }
            _ => Some(false),
        }
    }

    /// `strong_at` at token start `b[at]` (bit `k`) for a number, a letter or a `-`, as far as the
    /// masks decide it: `Some(true)` for a card or IMEI, `Some(false)` for nothing strong,
    /// `None` when the full check must say.
    #[expect(
        clippy::too_many_lines,
        reason = "one decision over the masks, in the order `strong_at` tries its patterns"
    )]
    fn settle(
        &self,
        b: &[u8],
        at: usize,
        k: usize,
        runs: &mut Vec<std::ops::Range<usize>>,
    ) -> Option<bool> {
        let len = self.digits_at(k);
        let first = b.get(at).copied().unwrap_or(0);
        if first == b'-' {
            // Only a coordinate pair starts with a sign: its degree has 1 to 3 integer and 5 to
            // 7 fraction digits (`gps::degrees`).
            let int = self.digits_at(k + 1);
            let dot = k + 1 + int;
            let frac = if Self::bit(self.dot, dot) && dot + 1 < 128 {
                self.digits_at(dot + 1)
            } else {
                0
            };
            let degree = (1..=3).contains(&int) && (5..=7).contains(&frac);
            return (!degree && dot + 1 + frac < 128).then_some(false);
        }
        if len == 0 {
            // A letter that opens no address, no JWT and no base64 run: only a grouped value
            // is left, which opens with a capital.
            let left_to_check = !first.is_ascii_alphabetic()
                || first.is_ascii_hexdigit() && Self::bit(u128::from(self.hex_guard), k)
                || b.get(at..).is_some_and(|s| s.starts_with(b"eyJ"))
                || self.base64_text_at(k);
            if left_to_check {
                return None;
            }
            if first.is_ascii_lowercase() {
                return Some(false);
            }
            return self.grouped_strong(b, at, k, 0);
        }
        // Beyond the window the masks do not reach: left to the full check.
        if k + len >= 128 {
            return None;
        }
        let guarded = self.address_guarded(k);
        if patterns::is_zero_zero(b.get(at..).unwrap_or_default()) {
            // An international number in `00` form holds 6 digits among its first 48 bytes,
            // like every grouped value, and 7 before any letter (its run stops at one), where a
            // grouped value opening with digits has at least 6 (a W3C `traceparent`,
            // `00-<hex>-...`, has 2).
            let settled = !guarded
                && !self.base64_text_at(k)
                && (self.grouped_digits(k) < 6
                    || self
                        .value_run(k)
                        .is_some_and(|written| self.digits_before_letter(k, written).1 < 6));
            return settled.then_some(false);
        }
        let next = k + len;
        if !Self::bit(self.continues, next) {
            // A plain number, unless guarded (`patterns::strong_at`): only a card or an IMEI
            // can start there, and neither is this short.
            if guarded {
                return None;
            }
            if len < financial::MIN_CARD_DIGITS {
                return Some(false);
            }
            let number = b.get(at..at + len).unwrap_or_default();
            return Some(financial::valid_card(number) || financial::valid_imei(number));
        }
        if !Self::bit(self.dot, next) {
            // A number going on with something else than a dot: unguarded, only a grouped value
            // or a base64 run may start there (`patterns::grouped_strong_at`).
            if guarded {
                return None;
            }
            if !self.base64_text_at(k)
                && let Some(strong) = self.grouped_strong(b, at, k, len)
            {
                return Some(strong);
            }
            // A first group of 17 alphanumerics with a letter (a hex digest, a key) is longer
            // than every strong value with letters and is no card, IMEI or `00` number: only
            // its base64 run is left.
            let token_len = (!(self.alnum >> k)).trailing_zeros() as usize;
            if len < LONG_GROUP && token_len >= LONG_GROUP && k + token_len < 128 {
                if self.base64_text_at(k) {
                    patterns::base64_run_at(b, at, token_len, runs);
                }
                return Some(false);
            }
            return None;
        }
        // A decimal number: `int.frac`, then a stop or a sample line's space and timestamp.
        if next + 1 >= 128 {
            return None;
        }
        let frac = self.digits_at(next + 1);
        let after = next + 1 + frac;
        if after >= 128 {
            return None;
        }
        let short = frac > 0 && len + frac < 9;
        if short && !Self::bit(self.continues, after) {
            // Not an NMEA `ddmm.` start (2 to 6 fraction digits), not a decimal degree (1 to 3
            // and 5 to 7 digits).
            let plain =
                (len != 4 || frac == 1) && !((1..=3).contains(&len) && (5..=7).contains(&frac));
            return plain.then_some(false);
        }
        if short && Self::bit(self.space, after) && after + 1 < 128 {
            let tail = self.digits_at(after + 1);
            let sample = tail > 0
                && !matches!(len + frac + tail, 9..=13 | 15)
                && after + 1 + tail < 128
                && !Self::bit(self.continues, after + 1 + tail);
            if sample {
                return Some(false);
            }
        }
        // At most 4 fraction digits are no decimal degree. With 4 integer digits, a dotted MAC
        // has a hex letter or a `.` after its fraction (an NMEA field's `,` stops the number:
        // decided above). With no dot after the next group there is no IPv4 address (`a.b.c`
        // is a version), and no MAC or IPv6 address has a `.` in its first group: a grouped
        // value is left.
        let after_byte = b.get(at + after - k).copied().unwrap_or(0);
        let dotted_mac = len == 4 && (after_byte.is_ascii_hexdigit() || after_byte == b'.');
        let third = after + 1 + self.digits_at((after + 1).min(127));
        let ipv4 = Self::bit(self.dot, after) && (third >= 128 || Self::bit(self.dot, third));
        let only_grouped = frac <= 4 && !dotted_mac && !ipv4 && !self.base64_text_at(k);
        if only_grouped {
            return self.grouped_strong(b, at, k, len);
        }
        None
    }
}

// The block walk finds base64 runs of exactly this length from its masks.
const _: () = assert!(patterns::MIN_BASE64_RUN == 20);

/// Positions of the set bits of `mask`, lowest first.
fn bits(mut mask: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        if mask == 0 {
            return None;
        }
        let at = mask.trailing_zeros() as usize;
        mask &= mask - 1;
        Some(at)
    })
}

#[cfg(all(target_arch = "x86_64", not(target_feature = "sse2")))]
compile_error!("the quiet check's block classification needs SSE2, part of every x86-64 baseline");

/// Byte classes of one 64-byte block, a bit per byte.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Masks {
    lower: u64,
    upper: u64,
    digit: u64,
    /// `+`, `-`: bytes a strong candidate may start with besides alphanumerics (a phone
    /// number opening with `(` is never strong: it needs a field name).
    sign: u64,
    space: u64,
    /// `(`, `)`.
    paren: u64,
    /// `a`-`f`, `A`-`F`: a word starting with one may be a MAC or IPv6 address.
    hex_letter: u64,
    /// `:` and `-`, `.`, `e`: the bytes that make a hex word a MAC, IPv6 or JWT start.
    colon: u64,
    dash: u64,
    dot: u64,
    e: u64,
    /// `+`, `/`, `_`, `=`: with alphanumerics and `-`, the bytes of a base64 run.
    base64_punct: u64,
    slash: u64,
    /// Where the last two bytes of some suffix entry may end (see [`suffix_pair_ends`]).
    suffix_end: u64,
    /// Bytes of 0x80 and above (UTF-8 beyond ASCII), and `_`: with `-`, `.` and space, the
    /// bytes after which a word may go on.
    high: u64,
    underscore: u64,
    /// `\`, `%`, `&`, `=`, `?`: where an escape may be.
    backslash: u64,
    percent: u64,
    amp: u64,
    equals: u64,
    question: u64,
    /// `0x12`: the value tag of a protobuf key/value pair.
    pair_tag: u64,
    /// `0x02`: the magic byte of a Kafka record batch.
    batch_magic: u64,
}

/// The folded (`| 0x20`) bytes of the pairs that may end a suffix entry, in four groups: the
/// last bytes `e`, `s`, `n` and the bytes before them, `s`, `e`, `o` or a UTF-8 tail (`ß`, `ó`);
/// the last bytes `t`, `o` and the bytes before them, `a`, `f`, `z` (`adresse`, `adres`,
/// `straße`, `straat`, `anschrift`, `indirizzo`, `dirección`). Every suffix entry's pair is among
/// these (checked by a test); word ends elsewhere are skipped without a lookup.
const SUFFIX_PAIR_GROUPS: [&[u8]; 4] = [b"esn", b"to", b"seo\xBF\xB3", b"afz"];

/// A mask of the bytes in each of [`SUFFIX_PAIR_GROUPS`], from the mask of each folded byte.
#[expect(
    clippy::inline_always,
    reason = "inlined into the `target_feature` classifiers, so that its masks use their vector instructions"
)]
#[inline(always)]
fn suffix_group_masks(folded_eq: impl Fn(u8) -> u64) -> [u64; 4] {
    SUFFIX_PAIR_GROUPS.map(|group| group.iter().fold(0, |mask, &b| mask | folded_eq(b)))
}

/// [`Masks::suffix_end`] from the masks of [`SUFFIX_PAIR_GROUPS`]. Bit 0, whose byte before lies
/// in the previous block, counts as a pair end.
#[expect(
    clippy::inline_always,
    reason = "inlined into the `target_feature` classifiers, as `suffix_group_masks`"
)]
#[inline(always)]
const fn suffix_pair_ends([last1, last2, before1, before2]: [u64; 4]) -> u64 {
    last1 & (before1 << 1 | 1) | last2 & (before2 << 1 | 1)
}

impl Masks {
    /// Masks of `b[start..start + 64]`; bytes past the end read as 0 (a separator).
    fn of_block(b: &[u8], start: usize) -> Self {
        let rest = b.get(start..).unwrap_or_default();
        // A block wholly past the end (the walk's look-ahead from the last block) is all 0,
        // a byte of no class: no need to classify it.
        if rest.is_empty() {
            return Self::default();
        }
        match rest.get(..64).and_then(|w| <&[u8; 64]>::try_from(w).ok()) {
            // Full blocks are read in place.
            Some(block) => Self::classify_block(block),
            None => Self::classify_tail(rest),
        }
    }

    /// The masks of the last block, `tail` (shorter than 64 bytes) padded with 0.
    fn classify_tail(tail: &[u8]) -> Self {
        #[cfg(target_arch = "x86_64")]
        if tail.len() < 64 && std::arch::is_x86_feature_detected!("avx512bw") {
            // SAFETY: the CPU has AVX-512BW, checked just above (the answer is cached by std).
            return unsafe { Self::classify_avx512_tail(tail) };
        }
        let mut padded = [0_u8; 64];
        for (slot, &c) in padded.iter_mut().zip(tail) {
            *slot = c;
        }
        Self::classify_block(&padded)
    }

    /// The masks of one block, with the widest vectors this CPU has.
    #[cfg(target_arch = "x86_64")]
    fn classify_block(block: &[u8; 64]) -> Self {
        if std::arch::is_x86_feature_detected!("avx512bw") {
            // SAFETY: the CPU has AVX-512BW, checked just above (the answer is cached by std).
            unsafe { Self::classify_avx512(block) }
        } else {
            // SAFETY: `classify` needs SSE2 only, which every x86-64 CPU has: the x86-64
            // targets enable it in their baseline (checked at compile time above).
            unsafe { Self::classify(block) }
        }
    }

    #[cfg(not(target_arch = "x86_64"))]
    fn classify_block(block: &[u8; 64]) -> Self {
        Self::classify(block)
    }

    /// The masks of one block in one 64-byte register (AVX-512BW: x86-64 CPUs since Intel
    /// Skylake-SP and AMD Zen 4), each class a compare straight into a bit mask.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512bw")]
    fn classify_avx512(block: &[u8; 64]) -> Self {
        use std::arch::x86_64::{__m512i, _mm512_loadu_si512};
        // SAFETY: `block` is 64 readable bytes; the load has no alignment requirement.
        #[expect(
            clippy::cast_ptr_alignment,
            reason = "`_mm512_loadu_si512` is the unaligned load"
        )]
        let c = unsafe { _mm512_loadu_si512(block.as_ptr().cast::<__m512i>()) };
        Self::classify_avx512_register(c)
    }

    /// [`Self::classify_avx512`] of `tail` (shorter than 64 bytes) padded with 0: a masked load
    /// reads only its bytes and zeroes the rest, with no copy.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512bw")]
    fn classify_avx512_tail(tail: &[u8]) -> Self {
        use std::arch::x86_64::_mm512_maskz_loadu_epi8;
        let present = (1_u64 << tail.len().min(63)) - 1;
        // SAFETY: the mask selects the first `tail.len()` (below 64) bytes, all readable; the
        // other lanes are neither read nor faulted on, and come back 0.
        let c = unsafe { _mm512_maskz_loadu_epi8(present, tail.as_ptr().cast::<i8>()) };
        Self::classify_avx512_register(c)
    }

    /// The masks of the 64 bytes in `c`.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512bw")]
    fn classify_avx512_register(c: std::arch::x86_64::__m512i) -> Self {
        use std::arch::x86_64::{
            __m512i, _mm512_cmpeq_epi8_mask, _mm512_cmple_epu8_mask, _mm512_movepi8_mask,
            _mm512_or_si512, _mm512_set1_epi8, _mm512_sub_epi8,
        };
        #[expect(
            clippy::cast_possible_wrap,
            reason = "bytes as the signed lanes the intrinsics take"
        )]
        let splat = |b: u8| _mm512_set1_epi8(b as i8);
        let folded = _mm512_or_si512(c, splat(0x20));
        // `lo <= c <= hi`, unsigned: `c - lo <= hi - lo`.
        let in_range = |v: __m512i, lo: u8, hi: u8| {
            _mm512_cmple_epu8_mask(_mm512_sub_epi8(v, splat(lo)), splat(hi - lo))
        };
        let eq = |b: u8| _mm512_cmpeq_epi8_mask(c, splat(b));
        let folded_eq = |b: u8| _mm512_cmpeq_epi8_mask(folded, splat(b));
        // The groups of `SUFFIX_PAIR_GROUPS` written out: a loop over them here is 8 % slower
        // for the whole quiet check. `block_masks_match_the_portable_ones` holds them equal.
        let suffix_end = suffix_pair_ends([
            folded_eq(b'e') | folded_eq(b's') | folded_eq(b'n'),
            folded_eq(b't') | folded_eq(b'o'),
            folded_eq(b's') | folded_eq(b'e') | folded_eq(b'o') | folded_eq(0xBF) | folded_eq(0xB3),
            folded_eq(b'a') | folded_eq(b'f') | folded_eq(b'z'),
        ]);
        Self {
            lower: in_range(c, b'a', b'z'),
            upper: in_range(c, b'A', b'Z'),
            digit: in_range(c, b'0', b'9'),
            sign: eq(b'+') | eq(b'-'),
            space: eq(b' '),
            paren: eq(b'(') | eq(b')'),
            hex_letter: in_range(folded, b'a', b'f'),
            colon: eq(b':'),
            dash: eq(b'-'),
            dot: eq(b'.'),
            e: eq(b'e'),
            base64_punct: eq(b'+') | eq(b'/') | eq(b'_') | eq(b'='),
            slash: eq(b'/'),
            suffix_end,
            high: _mm512_movepi8_mask(c),
            underscore: eq(b'_'),
            backslash: eq(b'\\'),
            percent: eq(b'%'),
            amp: eq(b'&'),
            equals: eq(b'='),
            question: eq(b'?'),
            pair_tag: eq(0x12),
            batch_magic: eq(0x02),
        }
    }

    /// The masks of one block, 16 bytes at a time with SSE2 (part of every x86-64 CPU).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "sse2")]
    fn classify(block: &[u8; 64]) -> Self {
        use std::arch::x86_64::{
            __m128i, _mm_add_epi8, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_movemask_epi8, _mm_or_si128,
            _mm_set_epi64x, _mm_set1_epi8,
        };
        #[expect(
            clippy::cast_possible_wrap,
            reason = "bytes as the signed lanes SSE2 compares"
        )]
        let splat = |b: u8| _mm_set1_epi8(b as i8);
        // `lo <= c <= hi` as a signed compare: shift the range to start at -128.
        #[expect(
            clippy::cast_possible_wrap,
            reason = "bytes as the signed lanes SSE2 compares"
        )]
        let in_range = |c: __m128i, lo: u8, hi: u8| {
            let shifted = _mm_add_epi8(c, splat(0x80_u8.wrapping_sub(lo)));
            _mm_cmplt_epi8(
                shifted,
                _mm_set1_epi8((0x80_u8.wrapping_add(hi - lo + 1)) as i8),
            )
        };
        #[expect(
            clippy::cast_sign_loss,
            clippy::cast_possible_truncation,
            reason = "movemask sets the low 16 bits only"
        )]
        let bits = |v: __m128i| u64::from(_mm_movemask_epi8(v) as u16);
        let mut masks = Self::default();
        let mut suffix = [0; 4];
        for (k, chunk) in block.chunks_exact(16).enumerate() {
            let mut low = [0_u8; 8];
            let mut high = [0_u8; 8];
            low.copy_from_slice(chunk.get(..8).unwrap_or(&[0; 8]));
            high.copy_from_slice(chunk.get(8..).unwrap_or(&[0; 8]));
            #[expect(
                clippy::cast_possible_wrap,
                reason = "eight bytes as one lane of the register"
            )]
            let c = _mm_set_epi64x(
                u64::from_le_bytes(high) as i64,
                u64::from_le_bytes(low) as i64,
            );
            let folded = _mm_or_si128(c, splat(0x20));
            let eq = |b: u8| _mm_cmpeq_epi8(c, splat(b));
            let shift = 16 * k;
            masks.lower |= bits(in_range(c, b'a', b'z')) << shift;
            masks.upper |= bits(in_range(c, b'A', b'Z')) << shift;
            masks.digit |= bits(in_range(c, b'0', b'9')) << shift;
            masks.sign |= bits(_mm_or_si128(eq(b'+'), eq(b'-'))) << shift;
            masks.space |= bits(eq(b' ')) << shift;
            masks.paren |= bits(_mm_or_si128(eq(b'('), eq(b')'))) << shift;
            masks.hex_letter |= bits(in_range(folded, b'a', b'f')) << shift;
            masks.colon |= bits(eq(b':')) << shift;
            masks.dash |= bits(eq(b'-')) << shift;
            masks.dot |= bits(eq(b'.')) << shift;
            masks.e |= bits(eq(b'e')) << shift;
            let slash = eq(b'/');
            masks.slash |= bits(slash) << shift;
            let plus_slash = _mm_or_si128(eq(b'+'), slash);
            masks.base64_punct |=
                bits(_mm_or_si128(plus_slash, _mm_or_si128(eq(b'_'), eq(b'=')))) << shift;
            let folded_eq = |b: u8| bits(_mm_cmpeq_epi8(folded, splat(b)));
            for (group, chunk) in suffix.iter_mut().zip(suffix_group_masks(folded_eq)) {
                *group |= chunk << shift;
            }
            masks.high |= bits(c) << shift;
            masks.underscore |= bits(eq(b'_')) << shift;
            masks.backslash |= bits(eq(b'\\')) << shift;
            masks.percent |= bits(eq(b'%')) << shift;
            masks.amp |= bits(eq(b'&')) << shift;
            masks.equals |= bits(eq(b'=')) << shift;
            masks.question |= bits(eq(b'?')) << shift;
            masks.pair_tag |= bits(eq(0x12)) << shift;
            masks.batch_magic |= bits(eq(0x02)) << shift;
        }
        masks.suffix_end = suffix_pair_ends(suffix);
        masks
    }

    /// The masks of one block, a byte at a time (other architectures; the reference the SSE2
    /// version is tested against).
    #[cfg_attr(target_arch = "x86_64", cfg(test))]
    fn classify_portable(block: &[u8; 64]) -> Self {
        Self {
            lower: mask(block, |c| c.wrapping_sub(b'a') < 26),
            upper: mask(block, |c| c.wrapping_sub(b'A') < 26),
            digit: mask(block, |c| c.wrapping_sub(b'0') < 10),
            sign: mask(block, |c| c == b'+' || c == b'-'),
            space: mask(block, |c| c == b' '),
            paren: mask(block, |c| c == b'(' || c == b')'),
            hex_letter: mask(block, |c| (c | 0x20).wrapping_sub(b'a') < 6),
            colon: mask(block, |c| c == b':'),
            dash: mask(block, |c| c == b'-'),
            dot: mask(block, |c| c == b'.'),
            e: mask(block, |c| c == b'e'),
            base64_punct: mask(block, |c| matches!(c, b'+' | b'/' | b'_' | b'=')),
            slash: mask(block, |c| c == b'/'),
            suffix_end: suffix_pair_ends(suffix_group_masks(|b| mask(block, |c| c | 0x20 == b))),
            high: mask(block, |c| c >= 0x80),
            underscore: mask(block, |c| c == b'_'),
            backslash: mask(block, |c| c == b'\\'),
            percent: mask(block, |c| c == b'%'),
            amp: mask(block, |c| c == b'&'),
            equals: mask(block, |c| c == b'='),
            question: mask(block, |c| c == b'?'),
            pair_tag: mask(block, |c| c == 0x12),
            batch_magic: mask(block, |c| c == 0x02),
        }
    }

    #[cfg(not(target_arch = "x86_64"))]
    fn classify(block: &[u8; 64]) -> Self {
        Self::classify_portable(block)
    }
}

/// Bit mask of the bytes of `block` for which `is` holds (bit `k` = byte `k`).
#[cfg_attr(target_arch = "x86_64", cfg(test))]
fn mask(block: &[u8; 64], is: impl Fn(u8) -> bool) -> u64 {
    // One 0/1 byte per input byte first: this loop vectorises; then eight bytes at a time are
    // gathered into bits.
    let mut flags = [0_u8; 64];
    for (flag, &c) in flags.iter_mut().zip(block) {
        *flag = u8::from(is(c));
    }
    pack(&flags)
}

/// Packs 64 bytes of 0 or 1 into a bit mask (bit `k` = byte `k`).
#[cfg_attr(target_arch = "x86_64", cfg(test))]
fn pack(flags: &[u8; 64]) -> u64 {
    let mut out = 0;
    for (k, group) in flags.chunks_exact(8).enumerate() {
        let mut eight = [0_u8; 8];
        eight.copy_from_slice(group);
        // Each byte's low bit lands in bit 56 + its index: a multiply gathers eight flags.
        let gathered = u64::from_le_bytes(eight).wrapping_mul(0x0102_0408_1020_4080) >> 56;
        out |= gathered << (8 * k);
    }
    out
}

/// Whether the word at `i` may begin an entry anchored at a word start, from its first four
/// stream bytes (joiners skipped, as `starts_entry` reads them) and where words end among them:
/// the lookup that ends most words. A non-ASCII byte among them takes the full match.
#[expect(
    clippy::many_single_char_names,
    reason = "`b` and `i` are the payload and the index throughout this module"
)]
fn may_start_entry(vocabulary: &Vocabulary, b: &[u8], i: usize) -> bool {
    // Most words: four ASCII alphanumerics with no case change after the first.
    if let Some(&[first, second, third, fourth]) =
        b.get(i..i + 4).and_then(|w| <&[u8; 4]>::try_from(w).ok())
    {
        let case_change =
            |before: u8, at: u8| at.is_ascii_uppercase() && !before.is_ascii_uppercase();
        if second.is_ascii_alphanumeric()
            && third.is_ascii_alphanumeric()
            && fourth.is_ascii_alphanumeric()
            && !case_change(first, second)
            && !case_change(second, third)
            && !case_change(third, fourth)
        {
            let quad = [
                first.to_ascii_lowercase(),
                second.to_ascii_lowercase(),
                third.to_ascii_lowercase(),
                fourth.to_ascii_lowercase(),
            ];
            return bit(&vocabulary.start_quads[..], quad_index(quad));
        }
    }
    let mut quad = [0_u8; 4];
    // `ends[k]`: a word ends after stream byte `k`.
    let mut ends = [false; 4];
    let mut n = 0;
    let mut at = i;
    while n < 4 {
        match b.get(at).copied() {
            Some(c) if c.is_ascii_alphanumeric() => {
                if let Some(slot) = quad.get_mut(n) {
                    *slot = c.to_ascii_lowercase();
                }
                let next = b.get(at + 1).copied();
                let word_ends = match next {
                    Some(x) if x.is_ascii_alphanumeric() => {
                        x.is_ascii_uppercase() && !c.is_ascii_uppercase()
                    }
                    Some(x) if x >= 0x80 => return true,
                    _ => true,
                };
                if let Some(slot) = ends.get_mut(n) {
                    *slot = word_ends;
                }
                n += 1;
                at += 1;
            }
            Some(c) if joins_words(c) => at += 1,
            Some(c) if c >= 0x80 => return true,
            _ => break,
        }
    }
    let listed = |len: usize| {
        let mut q = [0_u8; 4];
        for (slot, &c) in q.iter_mut().zip(quad.iter().take(len)) {
            *slot = c;
        }
        bit(&vocabulary.start_quads[..], quad_index(q))
    };
    (n == 4 && listed(4))
        || (n >= 2 && ends.get(1) == Some(&true) && listed(2))
        || (n >= 3 && ends.get(2) == Some(&true) && listed(3))
}

/// Character classes as `keywords::words` sees them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Not alphanumeric: ends a word.
    Separator,
    /// Lowercase letter or digit: an uppercase letter after it starts a new word.
    LowerOrDigit,
    Upper,
    /// Alphanumeric without case.
    Other,
}

/// Decodes the character at `b[i]`: its class, its length in bytes and its lowercase form
/// (at most 4 bytes, in the returned buffer).
fn char_at(b: &[u8], i: usize) -> (Class, usize, [u8; 4], usize) {
    let Some(&c) = b.get(i) else {
        return (Class::Separator, 1, [0; 4], 0);
    };
    if c.is_ascii() {
        let class = if c.is_ascii_lowercase() || c.is_ascii_digit() {
            Class::LowerOrDigit
        } else if c.is_ascii_uppercase() {
            Class::Upper
        } else {
            Class::Separator
        };
        return (class, 1, [c.to_ascii_lowercase(), 0, 0, 0], 1);
    }
    let width = match c {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    };
    let decoded = b
        .get(i..i + width)
        .and_then(|s| std::str::from_utf8(s).ok())
        .and_then(|s| s.chars().next());
    let Some(ch) = decoded else {
        // Not UTF-8 (binary framing): `String::from_utf8_lossy` makes it U+FFFD, not
        // alphanumeric.
        return (Class::Separator, 1, [0; 4], 0);
    };
    if !ch.is_alphanumeric() {
        return (Class::Separator, width, [0; 4], 0);
    }
    let class = if ch.is_uppercase() {
        Class::Upper
    } else if ch.is_lowercase() {
        Class::LowerOrDigit
    } else {
        Class::Other
    };
    let lower = ch.to_lowercase().next().unwrap_or(ch);
    let mut out = [0; 4];
    let len = lower.encode_utf8(&mut out).len();
    (class, width, out, len)
}

/// Whether a word ends after a character of class `last` when `next` follows.
fn ends_word(last: Class, next: Class) -> bool {
    next == Class::Separator || (next == Class::Upper && last == Class::LowerOrDigit)
}

/// Pair rules of [`keywords::personal_vocabulary`] the quiet check tracks.
const PAIR_RULES: usize = 2;

/// Which entries have matched so far: an entry needed alone, or sides of pair rules.
///
/// A pair's first side is an enclosing object's name and its second a field inside it, and
/// every parent the engine gives a field (a JSON object's key, a query string's path segment,
/// a Redis key) comes before the field's name in the payload. So a pair counts only when some
/// first side starts before some second side: a `line` label before a `billing` value is none.
/// Hits may be recorded in any order.
struct Hits {
    /// Per rule, where its first side was seen first.
    first_parent: [usize; PAIR_RULES],
    /// Per rule, where its second side was seen last (plus one; 0 for never).
    last_child_end: [usize; PAIR_RULES],
}

impl Default for Hits {
    fn default() -> Self {
        Self {
            first_parent: [usize::MAX; PAIR_RULES],
            last_child_end: [0; PAIR_RULES],
        }
    }
}

impl Hits {
    /// Records a hit of an entry starting at `at`; true when it settles the question.
    fn hit(&mut self, need: Need, at: usize) -> bool {
        match need {
            Need::Alone => true,
            Need::Pair { rule, side } => {
                let rule = usize::from(rule);
                // A rule the walk does not know is taken as met: the cautious answer.
                let (Some(parent), Some(child_end)) = (
                    self.first_parent.get_mut(rule),
                    self.last_child_end.get_mut(rule),
                ) else {
                    return true;
                };
                if side == 0 {
                    *parent = (*parent).min(at);
                } else {
                    *child_end = (*child_end).max(at + 1);
                }
                *parent < *child_end
            }
        }
    }
}

/// Whether any vocabulary entry sits in `b` as its anchor requires, character by character: the
/// reference the block walk of [`quiet_buffer`] is tested against.
#[cfg(test)]
fn has_vocabulary(b: &[u8]) -> bool {
    let vocabulary = &*VOCABULARY;
    let mut hits = Hits::default();
    let mut previous = Class::Separator;
    let mut i = 0;
    while i < b.len() {
        let byte = b.get(i).copied().unwrap_or(0);
        // ASCII separators and digits are by far the most frequent bytes: decided by the byte.
        if byte.is_ascii() && !byte.is_ascii_alphabetic() {
            let class = if byte.is_ascii_digit() {
                Class::LowerOrDigit
            } else {
                Class::Separator
            };
            if class == Class::Separator
                && previous != Class::Separator
                && suffix_ends_before(vocabulary, b, i, &mut hits)
            {
                return true;
            }
            previous = class;
            i += 1;
            continue;
        }
        let (class, width, _, _) = char_at(b, i);
        if class == Class::Separator {
            if previous != Class::Separator && suffix_ends_before(vocabulary, b, i, &mut hits) {
                return true;
            }
        } else {
            if previous != Class::Separator
                && ends_word(previous, class)
                && suffix_ends_before(vocabulary, b, i, &mut hits)
            {
                return true;
            }
            let starts = previous == Class::Separator
                || (class == Class::Upper && previous == Class::LowerOrDigit);
            if starts && starts_entry(vocabulary, b, i, &mut hits) {
                return true;
            }
        }
        previous = class;
        i += width;
    }
    previous != Class::Separator && suffix_ends_before(vocabulary, b, b.len(), &mut hits)
}

/// Separators skipped between the words of one compound field name (`national_id`, `e-mail`,
/// `date of birth`), as [`keywords::joins_words`] says.
const fn joins_words(b: u8) -> bool {
    b.is_ascii() && keywords::joins_words(b as char)
}

/// Longest vocabulary entry, in bytes, that [`starts_entry`] compares.
const MAX_ENTRY_LEN: usize = 32;

/// Whether an entry anchored at a word start matches at the word starting at `b[i]` and
/// settles the question.
fn starts_entry(vocabulary: &Vocabulary, b: &[u8], i: usize, hits: &mut Hits) -> bool {
    let mut word = StreamPrefix::new(b, i);
    word.fill(4);
    // Entries of two or three bytes are whole words, so they are looked up where a word ends.
    let mut settled = false;
    for n in [4, 3, 2] {
        if word.len < n || (n < 4 && !word.ends(n - 1)) {
            continue;
        }
        let quad = word.quad(n);
        if !bit(&vocabulary.start_quads[..], quad_index(quad)) {
            continue;
        }
        let Some(bucket) = vocabulary.starts.get(&quad) else {
            continue;
        };
        word.fill(5);
        if !bucket.may_match(&word.text, word.len) {
            continue;
        }
        word.fill(bucket.max_len);
        for &(entry, anchor, need) in &bucket.entries {
            let matched = word
                .text
                .get(..word.len)
                .is_some_and(|t| t.starts_with(entry))
                && (anchor != Anchor::Word
                    || entry.len().checked_sub(1).is_some_and(|k| word.ends(k)));
            if matched {
                settled |= hits.hit(need, i);
            }
        }
    }
    settled
}

/// [`starts_entry`] for a plain word at `i`: `len` ASCII letters and digits, lowercase after
/// the first, before a byte after which no word goes on (ASCII, not alphanumeric, not a joiner).
/// Its stream is its own bytes in lowercase with one word end, at its last byte, so an entry
/// matches when it is a prefix of the word, and for [`Anchor::Word`] the whole word; `quad` is
/// its first four bytes in lowercase (padded with 0). Most words the quad table lets through
/// (`telemetry` for `telefon`, a `line` label) are settled here without decoding a stream.
fn plain_word_starts_entry(
    vocabulary: &Vocabulary,
    b: &[u8],
    i: usize,
    len: usize,
    quad: [u8; 4],
    hits: &mut Hits,
) -> bool {
    let Some(bucket) = vocabulary.starts.get(&quad) else {
        return false;
    };
    let rest = b.get(i + 1..i + len).unwrap_or_default();
    let mut settled = false;
    for &(entry, anchor, need) in &bucket.entries {
        let matched = entry.len() <= len
            && (anchor != Anchor::Word || entry.len() == len)
            && entry
                .split_first()
                .is_some_and(|(&first, tail)| first == quad[0] && rest.starts_with(tail));
        if matched {
            settled |= hits.hit(need, i);
        }
    }
    settled
}

/// The first bytes of a [`Stream`], with where its words end.
struct StreamPrefix<'b> {
    stream: Stream<'b>,
    text: [u8; MAX_ENTRY_LEN],
    word_end: [bool; MAX_ENTRY_LEN],
    len: usize,
}

impl<'b> StreamPrefix<'b> {
    const fn new(b: &'b [u8], start: usize) -> Self {
        Self {
            stream: Stream::new(b, start),
            text: [0; MAX_ENTRY_LEN],
            word_end: [false; MAX_ENTRY_LEN],
            len: 0,
        }
    }

    /// Reads up to `upto` bytes in all.
    fn fill(&mut self, upto: usize) {
        while self.len < upto.min(MAX_ENTRY_LEN) {
            // An ASCII character between ASCII bytes, the common case, without decoding.
            if let Some((byte, word_end)) = self.stream.next_ascii() {
                if let (Some(slot), Some(end)) =
                    (self.text.get_mut(self.len), self.word_end.get_mut(self.len))
                {
                    *slot = byte;
                    *end = word_end;
                }
                self.len += 1;
                continue;
            }
            let Some(byte) = self.stream.next() else {
                break;
            };
            if let (Some(slot), Some(end)) =
                (self.text.get_mut(self.len), self.word_end.get_mut(self.len))
            {
                *slot = byte;
                *end = self.stream.at_word_end();
            }
            self.len += 1;
        }
    }

    /// Whether a word ends at byte `k`.
    fn ends(&self, k: usize) -> bool {
        k < self.len && self.word_end.get(k).copied().unwrap_or(false)
    }

    /// The first `n` (at most 4) bytes, padded with 0.
    fn quad(&self, n: usize) -> [u8; 4] {
        let mut quad = [0; 4];
        for (slot, &byte) in quad.iter_mut().zip(self.text.iter().take(n.min(self.len))) {
            *slot = byte;
        }
        quad
    }
}

/// Whether a suffix entry ends right before `b[end]` (where a word ends) and settles the
/// question.
fn suffix_ends_before(vocabulary: &Vocabulary, b: &[u8], end: usize, hits: &mut Hits) -> bool {
    let (Some(&before_last), Some(&last)) = (
        end.checked_sub(2).and_then(|p| b.get(p)),
        end.checked_sub(1).and_then(|p| b.get(p)),
    ) else {
        return false;
    };
    // Every suffix ends in two bytes that are ASCII or the tail of a UTF-8 character.
    let pair = pair_index(before_last.to_ascii_lowercase(), last.to_ascii_lowercase());
    if !bit(&vocabulary.suffix_pairs[..], pair) {
        return false;
    }
    // Where the bytes a suffix may cover are ASCII, only a suffix ending in the same pair can
    // equal them, case folded; elsewhere every suffix is compared (a character's lowercase may
    // be other bytes).
    let ascii = b
        .get(end.saturating_sub(vocabulary.max_suffix_len)..end)
        .is_some_and(<[u8]>::is_ascii);
    let mut settled = false;
    for &(suffix, need, suffix_pair) in &vocabulary.suffixes {
        if ascii && suffix_pair != pair {
            continue;
        }
        let matched = end
            .checked_sub(suffix.len())
            .and_then(|start| b.get(start..end))
            .is_some_and(|word_end| eq_folded(word_end, suffix));
        if matched {
            settled |= hits.hit(need, end);
        }
    }
    settled
}

/// `text` equals the lowercase `entry`, folding case character by character.
fn eq_folded(text: &[u8], entry: &[u8]) -> bool {
    if text.len() == entry.len() && text.eq_ignore_ascii_case(entry) {
        return true;
    }
    if text.is_ascii() {
        return false;
    }
    let Ok(text) = std::str::from_utf8(text) else {
        return false;
    };
    text.to_lowercase().as_bytes() == entry
}

/// The lowercase bytes of the characters of `b` from `start`, skipping the separators that join
/// the words of one field name.
struct Stream<'b> {
    b: &'b [u8],
    /// Next character to decode.
    at: usize,
    /// Lowercase bytes of the current character not yet returned.
    pending: [u8; 4],
    pending_len: usize,
    pending_next: usize,
    /// Class of the last character returned from.
    current_class: Class,
}

impl<'b> Stream<'b> {
    const fn new(b: &'b [u8], start: usize) -> Self {
        Self {
            b,
            at: start,
            pending: [0; 4],
            pending_len: 0,
            pending_next: 0,
            current_class: Class::Separator,
        }
    }

    /// Whether the word of the last character returned ends there.
    fn at_word_end(&self) -> bool {
        if self.pending_next < self.pending_len {
            return false;
        }
        let (next, _, _, _) = char_at(self.b, self.at);
        ends_word(self.current_class, next)
    }

    /// [`Self::next`] and [`Self::at_word_end`] for an ASCII alphanumeric character followed
    /// by an ASCII byte (or the end), after any joiners; `None` (nothing consumed but joiners)
    /// for everything else, which `next` then reads.
    fn next_ascii(&mut self) -> Option<(u8, bool)> {
        if self.pending_next < self.pending_len {
            return None;
        }
        let mut at = self.at;
        while self.b.get(at).copied().is_some_and(joins_words) {
            at += 1;
        }
        let c = *self.b.get(at).filter(|c| c.is_ascii_alphanumeric())?;
        let next = self.b.get(at + 1).copied().unwrap_or(0);
        if !next.is_ascii() {
            return None;
        }
        let class = if c.is_ascii_uppercase() {
            Class::Upper
        } else {
            Class::LowerOrDigit
        };
        let lower = c.to_ascii_lowercase();
        self.at = at + 1;
        self.current_class = class;
        self.pending = [lower, 0, 0, 0];
        self.pending_len = 1;
        self.pending_next = 1;
        let word_end = !next.is_ascii_alphanumeric()
            || (next.is_ascii_uppercase() && class == Class::LowerOrDigit);
        Some((lower, word_end))
    }

    fn next(&mut self) -> Option<u8> {
        if self.pending_next < self.pending_len {
            let byte = self.pending.get(self.pending_next).copied();
            self.pending_next += 1;
            return byte;
        }
        loop {
            let byte = *self.b.get(self.at)?;
            if joins_words(byte) {
                self.at += 1;
                continue;
            }
            let (class, width, lower, len) = char_at(self.b, self.at);
            if class == Class::Separator {
                return None;
            }
            self.current_class = class;
            self.at += width;
            self.pending = lower;
            self.pending_len = len;
            self.pending_next = 1;
            return lower.first().copied();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use proptest::prelude::*;

    use super::*;
    use crate::{Engine, EngineConfig};

    fn engine() -> Engine {
        Engine::new(EngineConfig::default()).expect("default config")
    }

    /// The promise: a quiet payload is one the full scan reports nothing in.
    fn check(engine: &Engine, payload: &[u8]) -> Result<(), String> {
        if is_quiet(payload) {
            let found = engine.scan_full(payload);
            if !found.is_empty() {
                return Err(format!(
                    "quiet, yet the full scan finds {:?} in {:?}",
                    found.iter().map(|f| f.data_type).collect::<Vec<_>>(),
                    String::from_utf8_lossy(payload)
                ));
            }
        }
        Ok(())
    }

    #[test]
    fn vocabulary_at_word_boundaries() {
        for text in [
            &br#"{"firstName":"x"}"#[..],
            br#"{"national_id":"x"}"#,
            b"customer.phoneNumber=1",
            b"Lieferadresse: x",
            "{\"GEBURTSDATUM\":1}".as_bytes(),
            "{\"Empfänger\":1}".as_bytes(),
            "{\"EMPFÄNGER\":1}".as_bytes(),
            b"Hallo Anna, hier",
            b"*4\r\n$6\r\nGEOADD\r\n",
            br#"{"billing":{"line":"x"}}"#,
            br#"{"date of birth":"x"}"#,
        ] {
            assert!(has_vocabulary(text), "{}", String::from_utf8_lossy(text));
            assert!(!quiet_buffer(text), "{}", String::from_utf8_lossy(text));
        }
        // Inside other words, or one side of a pair alone, a vocabulary entry is no field name.
        for text in [
            &br#"{"hostname":"gw-1","battery_v":3.1}"#[..],
            b"pipeline stopped",
            br#"{"svc":"billing","latency_ms":3}"#,
            b"line-11/telemetry",
            b"plants/site-9/line-1/gw-2829/telemetry",
        ] {
            assert!(!has_vocabulary(text), "{}", String::from_utf8_lossy(text));
            assert!(quiet_buffer(text), "{}", String::from_utf8_lossy(text));
        }
    }

    #[test]
    fn compounds_join_only_across_name_separators() {
        let engine = engine();
        // `first_nam` and `e` around undecodable bytes are no compound `firstname`.
        let payload = b"{\"first_nam\xd6\xd6\xd6e\":\"Pieter\",\"k\":\"Anna Schmidt\"}";
        assert!(check(&engine, payload).is_ok());
        assert_eq!(engine.scan(payload), engine.scan_full(payload));
        // Joined across `_ - .` and spaces, however many.
        assert!(!quiet_buffer(b"{\"first__name\":\"Pieter\"}"));
        assert!(!quiet_buffer(b"{\"national  id\":\"x\"}"));
    }

    #[test]
    fn entries_split_early_by_a_joiner_are_found() {
        // A short first word is read on across a joiner: `id_number`, `tel-efon`, `nr.x`.
        let mut checked = 0;
        for (entry, _, _) in keywords::personal_vocabulary() {
            for split in
                (1..=3.min(entry.len().saturating_sub(1))).filter(|&k| entry.is_char_boundary(k))
            {
                let (head, tail) = entry.split_at(split);
                for joiner in ["_", "-", ".", " "] {
                    for spelled in [
                        format!("{head}{joiner}{tail}"),
                        format!("{head}{joiner}{tail}").to_uppercase(),
                    ] {
                        let payload = format!("{{\"{spelled}\":1}}");
                        if has_vocabulary(payload.as_bytes()) {
                            assert!(!quiet_buffer(payload.as_bytes()), "{payload}");
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 1000, "{checked}");
    }

    #[test]
    fn a_table_needs_real_addresses() {
        // A headerless table is read as person records only with a column of addresses: `@`
        // alone (`a@`, `@timestamp`) makes none.
        let engine = engine();
        let rows =
            "a@,Hauptstrasse 12 Berlin,x\nb@,Bahnhofstrasse 7 Bonn,y\nc@,Ringstrasse 3 Essen,z\n";
        assert!(check(&engine, rows.as_bytes()).is_ok());
        assert!(engine.scan_full(rows.as_bytes()).is_empty());
    }

    #[test]
    fn trace_contexts_are_quiet_and_dashed_addresses_are_not() {
        let engine = engine();
        let header = |name: &str, value: &str| format!("GET / HTTP/1.1\r\n{name}: {value}\r\n\r\n");
        let traced = header(
            "traceparent",
            "00-92cbf8405b5021f703789132edf05e97-7fd11b7c57b80716-01",
        );
        assert!(is_quiet(traced.as_bytes()));
        // A MAC and an international number in `00` form, written with dashes, are no
        // trace context (under a header that does not say what they are).
        for value in ["00-17-88-e1-bb-97", "00-49-30-901820"] {
            let payload = header("x-caller", value);
            assert!(!engine.scan_full(payload.as_bytes()).is_empty(), "{value}");
            assert!(!is_quiet(payload.as_bytes()), "{value}");
        }
    }

    #[test]
    fn suffixes_match_only_their_own_pair_in_ascii_and_any_elsewhere() {
        // A word ending in a suffix's pair but not in the suffix (`nations`: `on`s) stays
        // quiet; the suffix itself is found in ASCII and in other scripts' case forms.
        let engine = engine();
        for (payload, quiet) in [
            (r#"{"app_version":"x","json":"y"}"#, true),
            (r#"{"liefer_adresse":"x"}"#, false),
            (r#"{"LIEFERADRESSE":"x"}"#, false),
            (r#"{"lieferstraße":"x"}"#, false),
            (r#"{"envío_dirección":"x"}"#, false),
        ] {
            assert_eq!(is_quiet(payload.as_bytes()), quiet, "{payload}");
            assert!(check(&engine, payload.as_bytes()).is_ok(), "{payload}");
        }
    }

    #[test]
    fn every_entry_starts_with_an_ascii_letter() {
        // The block walk only looks for entries at ASCII letters, and compares at most
        // MAX_ENTRY_LEN bytes.
        for (entry, anchor, _) in keywords::personal_vocabulary() {
            assert!(entry.len() <= MAX_ENTRY_LEN, "{entry}");
            // Shorter ones are looked up as whole words only.
            assert!(anchor != Anchor::Prefix || entry.len() >= 4, "{entry}");
            if anchor != Anchor::Suffix {
                assert!(
                    entry
                        .bytes()
                        .next()
                        .is_some_and(|b| b.is_ascii_alphabetic()),
                    "{entry}"
                );
            }
        }
    }

    /// The block walk passes over words whose second byte is a digit, and reads short words
    /// before a digit by their own bytes.
    #[test]
    fn no_entry_has_a_digit_in_its_first_four_bytes() {
        for (entry, _, _) in keywords::personal_vocabulary() {
            assert!(
                !entry.bytes().take(4).any(|c| c.is_ascii_digit()),
                "{entry}"
            );
        }
    }

    #[test]
    fn every_suffix_ends_in_a_listed_pair() {
        for (entry, anchor, _) in keywords::personal_vocabulary() {
            if anchor == Anchor::Suffix {
                for entry in [entry.to_owned(), entry.to_uppercase()] {
                    let mut block = [b' '; 64];
                    block[20 - entry.len()..20].copy_from_slice(entry.as_bytes());
                    let masks = Masks::classify_portable(&block);
                    assert!(masks.suffix_end >> 19 & 1 == 1, "{entry}");
                }
            }
        }
    }

    /// `body` with the digit that makes it pass Luhn.
    fn luhn_completed(body: &str) -> String {
        (0..10)
            .map(|d| format!("{body}{d}"))
            .find(|n| crate::detect::checksum::luhn(n.as_bytes()))
            .unwrap_or_default()
    }

    /// A German IBAN with `bban` (18 digits) and the check digits that make it valid.
    fn iban_completed(bban: &str) -> String {
        let rearranged = format!("{bban}131400");
        let rest = rearranged
            .bytes()
            .fold(0_u32, |acc, d| (acc * 10 + u32::from(d - b'0')) % 97);
        format!("DE{:02}{bban}", 98 - rest)
    }

    /// Token-shaped text: plain and decimal numbers of every length, sample lines, cards and
    /// IMEIs that pass Luhn, values with letters (IBANs, national IDs), addresses, words, and
    /// the separators patterns go on with.
    /// Base64 of short texts with an e-mail address: runs that decode to text, opening with a
    /// letter, or with a digit (after a character whose first UTF-8 byte is 0xD0 to 0xF7).
    fn base64_text() -> impl Strategy<Value = String> {
        use ::base64::{
            Engine as _,
            engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD},
        };
        (
            proptest::sample::select(vec!["", "Жанна ", "€ ", "ש ", "Ђ "]),
            "[A-Za-z ,.]{0,12}[a-z]{2,8}@[a-z]{3,6}\\.de[A-Za-z ]{0,8}",
            0_usize..4,
        )
            .prop_map(|(prefix, text, engine)| {
                let text = format!("{prefix}{text}");
                [STANDARD, URL_SAFE, STANDARD_NO_PAD, URL_SAFE_NO_PAD][engine].encode(text)
            })
    }

    fn token_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            base64_text(),
            "[0-9]{1,20}",
            ("[0-9]{1,8}", "[0-9]{1,8}").prop_map(|(int, frac)| format!("{int}.{frac}")),
            ("[0-9]{1,4}", "[0-9]{1,4}", "[0-9]{1,16}")
                .prop_map(|(int, frac, tail)| format!("{int}.{frac} {tail}")),
            // Coordinates, NMEA positions, international numbers in `00` form.
            (
                "-?[1-8]?[0-9]\\.[0-9]{4,7}",
                "-?1?[0-7]?[0-9]\\.[0-9]{4,7}",
                any::<bool>(),
                "(,|, | )"
            )
                .prop_map(|(lat, lon, lon_first, sep)| if lon_first {
                    format!("{lon}{sep}{lat}")
                } else {
                    format!("{lat}{sep}{lon}")
                }),
            (
                "[0-8][0-9][0-5][0-9]\\.[0-9]{2,5}",
                "0[0-9]{2}[0-5][0-9]\\.[0-9]{2,5}"
            )
                .prop_map(|(lat, lon)| format!("{lat},N,{lon},E")),
            "00(49151|4930|3361|44207)[0-9]{6,8}",
            // `00` numbers in groups, with extensions or letters after a few digits; W3C
            // `traceparent` values; dashed MACs and their near misses.
            "00[-. ]?(49|31|44)[-. ]?[0-9]{2,4}[-. ]?[0-9]{3,8}(x[0-9]{1,4})?",
            "00[-. ]?[1-9][0-9]{0,6}[-. ]?[0-9a-f]{1,10}",
            "00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]",
            "[0-9]{2}-[0-9a-f]{2}[-:. ]?[0-9a-f]{2}(-[0-9a-f]{2}){0,3}",
            // ES DNI: 8 digits and their letter, compact or after a separator.
            (0_u32..100_000_000, "[ -]?").prop_map(|(n, sep)| {
                let letters = crate::detect::national_id::DNI_LETTERS;
                let letter = char::from(letters[usize::try_from(n % 23).unwrap_or(0)]);
                format!("{n:08}{sep}{letter}")
            }),
            // Base64 runs opening with digits; FR NIR written in groups.
            "[0-9]{1,8}[A-Za-z]{0,7}[A-Za-z0-9+/]{12,30}={0,2}",
            "[12] [0-9]{2} [0-9]{2} [0-9]{2} [0-9]{3} [0-9]{3}",
            // Hex digests and UUIDs, and numbers running into letters.
            "[0-9a-f]{12,40}",
            "[12][0-9]{2}(0[1-9]|1[0-2])2[AB][0-9]{6}([0-9]{2})?",
            "[0-9]{1,20}[A-Za-z][A-Za-z0-9]{0,20}",
            // Numbers before words and topic levels; FR NIR of Corsica in groups.
            "[0-9]{1,16} [A-Za-z]{1,8}",
            "[0-9]{1,3}/[a-z]{2}-[0-9]{4}/[a-z]{4}",
            "[12] [0-9]{2} [0-9]{2} 2[AB] [0-9]{3} [0-9]{3}( [0-9]{2})?",
            // Addresses opening with digits: MAC (both separators and dotted), IPv4, IPv6.
            "[0-9]{2}([:-][0-9a-f]{2}){5}",
            "[0-9][0-9a-f]{3}\\.[0-9a-f]{4}\\.[0-9a-f]{4}",
            "[0-9]{4}\\.[0-9]{0,4}[a-f]{0,4}\\.[0-9a-f]{4}",
            "[0-9]{1,3}(\\.[0-9]{1,3}){3}",
            "[0-9][0-9a-f]{0,3}(:[0-9a-f]{0,4}){2,7}",
            (
                "4|51|34|37|6011|35|36|86|35",
                "[0-9]{11,17}",
                "( [a-z]{1,6})?"
            )
                .prop_map(|(prefix, rest, word)| format!(
                    "{}{word}",
                    luhn_completed(&format!("{prefix}{rest}"))
                )),
            Just(".".to_owned()),
            Just(",".to_owned()),
            Just(" ".to_owned()),
            Just("-".to_owned()),
            Just(":".to_owned()),
            Just("/".to_owned()),
            Just("\"".to_owned()),
            Just(",N,".to_owned()),
            // Values opening with a capital: IBANs, ES NIE, GB NINO, IT codice fiscale, in
            // groups or not; capitals before numbers; addresses with hex capitals.
            ("[0-9]{18}", "( ?)").prop_map(|(bban, sep)| {
                let iban = iban_completed(&bban);
                iban.as_bytes()
                    .chunks(4)
                    .map(|c| String::from_utf8_lossy(c).into_owned())
                    .collect::<Vec<_>>()
                    .join(&sep)
            }),
            (0_u32..10_000_000, 0_u32..3, "[ -]?").prop_map(|(n, prefix, sep)| {
                let letters = crate::detect::national_id::DNI_LETTERS;
                let value = prefix * 10_000_000 + n;
                let letter = char::from(letters[usize::try_from(value % 23).unwrap_or(0)]);
                let first = ["X", "Y", "Z"][usize::try_from(prefix).unwrap_or(0)];
                format!("{first}{n:07}{sep}{letter}")
            }),
            "[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D]",
            Just("RSSMRA85T10A562S".to_owned()),
            Just("RSS MRA 85T10 A562S".to_owned()),
            "[A-Z]{1,7}[-/ ][0-9]{1,10}",
            "[A-Z]{1,4}/[0-9]\\.[0-9] [0-9]{3} [A-Z]{2}",
            "[A-F]{2}(:[0-9A-F]{2}){5}",
            "[A-F][0-9A-F]{0,3}::[0-9a-f]{1,4}",
            "[0-9]{1,4}::[0-9a-f]{1,4}",
            "[0-9]{2}:[0-9]{2}(:[0-9]{2})?",
            "[A-Z][A-Za-z0-9+/]{19,30}",
            // Words: JWT openings, hex addresses, a DNI's digits before other letters.
            "e[a-z]{0,8}",
            "eyJ[A-Za-z0-9]{10,20}\\.[A-Za-z0-9]{10,20}\\.[A-Za-z0-9]{5,10}",
            "[a-f]{2}([:-][0-9a-f]{2}){5}",
            "[a-f][0-9a-f]{0,3}::[0-9a-f]{1,4}",
            "[a-f]{4}\\.[0-9a-f]{4}\\.[0-9a-f]{4}",
            "[0-9]{8}[ -]?[A-Za-z]{1,3}",
            Just("a".to_owned()),
            Just("Z".to_owned()),
            Just("2A".to_owned()),
            Just("00".to_owned()),
        ];
        proptest::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        // Cheap cases, and the shapes that tell the rules apart are a small share of them.
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// Wherever the masks settle a token, `strong_at` says the same.
        #[test]
        fn tokens_settle_as_strong_at_does(text in token_text()) {
            let b = text.as_bytes();
            let window = Window::of(&Masks::of_block(b, 0), &Masks::of_block(b, 64));
            for k in 0..b.len().min(64) {
                let starts = (b[k].is_ascii_alphanumeric() || b[k] == b'-')
                    && (k == 0 || !b[k - 1].is_ascii_alphanumeric());
                let mut settled_runs = Vec::new();
                if let (true, Some(settled)) = (starts, window.settle(b, k, k, &mut settled_runs)) {
                    let mut runs = Vec::new();
                    prop_assert_eq!(settled, patterns::strong_at(b, k, &mut runs), "{} at {}", text, k);
                    // And the same base64 text is left to decode (runs of one letter case
                    // decode to none).
                    let text_runs = |runs: Vec<std::ops::Range<usize>>| -> Vec<_> {
                        runs.into_iter()
                            .filter(|r| base64::decode_text_run(&b[r.clone()], usize::MAX).is_some())
                            .collect()
                    };
                    prop_assert_eq!(text_runs(settled_runs), text_runs(runs), "{} at {}", text, k);
                }
            }
        }

        /// Every escape a decoder acts on, wherever it sits in the blocks, keeps the payload
        /// from being quiet.
        #[test]
        fn escapes_keep_payloads_loud(text in "[a-fA-F0-9 %+&=?;#x.\\\\-]{0,150}") {
            if needs_decoding(text.as_bytes()) {
                prop_assert!(!quiet_buffer(text.as_bytes()), "{}", text);
            }
        }

        #[test]
        fn block_masks_match_the_portable_ones(
            block in proptest::collection::vec(any::<u8>(), 64),
            len in 0_usize..=64,
        ) {
            let block: [u8; 64] = block.try_into().expect("64 bytes");
            prop_assert_eq!(Masks::classify_block(&block), Masks::classify_portable(&block));
            // A full block, the last (partial) one at any length, or one past the end.
            let start = usize::from(block[0] % 3).min(len);
            let padded = Masks::of_block(&block[..len], start);
            let mut shifted = [0_u8; 64];
            shifted[..len - start].copy_from_slice(&block[start..len]);
            prop_assert_eq!(padded, Masks::classify_portable(&shifted));
            // Whichever the CPU picks above, the SSE2 version too.
            #[cfg(target_arch = "x86_64")]
            // SAFETY: SSE2 is part of every x86-64 CPU.
            prop_assert_eq!(unsafe { Masks::classify(&shifted) }, Masks::classify_portable(&shifted));
        }
    }

    #[test]
    fn base64_text_keeps_payloads_loud_wherever_its_letters_sit() {
        use ::base64::{Engine as _, engine::general_purpose::STANDARD};
        // Runs of capitals and digits whose first lowercase letter comes late: among the run's
        // last bytes, or past the bytes the masks see from the run's block.
        for text in [
            format!("{}Anna", "4".repeat(45)),
            format!("{} anna@example.de", "4".repeat(60)),
        ] {
            let run = STANDARD.encode(&text);
            for offset in 0..70 {
                let payload = format!("{}{run}\n", " ".repeat(offset));
                assert!(!quiet_buffer(payload.as_bytes()), "{payload}");
            }
        }
    }

    #[test]
    fn escapes_need_decoding() {
        for escaped in [
            &br#"{"a":"\u0040"}"#[..],
            b"q=anna%40example.com",
            b"card=4111+1111",
            b"k=QWFhYUBhYWEuZGUgYSBBQWE=+00",
            b"k=x+QWFhYUBhYWEuZGUgYSBBQWE",
            b"<a>&#64;</a>",
            br#"{"a":"x\"y"}"#,
            br"CONNECT login:a\cb",
            b"Subject: =?utf-8?q?Anna?=",
        ] {
            assert!(
                !quiet_buffer(escaped),
                "{}",
                String::from_utf8_lossy(escaped)
            );
        }
        assert!(quiet_buffer(b"a=1&b=2 and 100% done"));
        assert!(quiet_buffer(b"\x01\\\xff C:\\data\\logs"));
        assert!(needs_decoding(br#"{"a":"\u0040"}"#));
        assert!(needs_decoding(b"q=anna%40example.com"));
        assert!(needs_decoding(b"card=4111+1111"));
        assert!(needs_decoding(b"<a>&#64;</a>"));
        assert!(!needs_decoding(b"a=1&b=2 and 100% done"));
        // A `+` next to short runs (an offset, a phone number) splits nothing a decoder reads.
        assert!(!needs_decoding(b"tel=+49 30 901820, sig=+ZXhhbXBsZQ"));
        assert!(needs_decoding(b"k=QWFhYUBhYWEuZGUgYSBBQWE=+00"));
        assert!(needs_decoding(br#"{"a":"x\"y"}"#));
        assert!(needs_decoding(br"CONNECT login:a\cb"));
        // Binary bytes and Windows paths: nothing any decoder would change.
        assert!(!needs_decoding(b"\x01\\\xff C:\\data\\logs"));
    }

    #[test]
    fn every_vocabulary_field_with_a_value_is_scanned() {
        // Each entry as a field name in several spellings, with values of every field-decided
        // type: whatever the full scan reports, the quiet check must not hide.
        let engine = engine();
        let values = [
            "Anna Schmidt",
            "Anna",
            "1984-03-12",
            "12.03.1984",
            "Hauptstraße 12, 10115 Berlin",
            "030 901820",
            "0612345678",
            "111222333",
            "52.520008",
            "13.404954",
            "52.520008,13.404954",
            "C01X00T47",
        ];
        let mut keys: Vec<String> = keywords::all_listed_words()
            .into_iter()
            .map(str::to_owned)
            .collect();
        keys.extend(names::greeting_first_words().map(str::to_owned));
        let mut checked = 0;
        for word in &keys {
            let camel: String = word
                .char_indices()
                .map(|(i, c)| if i == 0 { c.to_ascii_uppercase() } else { c })
                .collect();
            for key in [
                word.clone(),
                word.to_uppercase(),
                format!("contact{camel}"),
                format!("billing.{word}"),
                // A stem with more letters (`telnr`, `mobilnummer`), read as a plain word.
                format!("{word}nr"),
                // Joined after its fourth byte (`date_of_birth`): the walk reads four bytes
                // straight from the buffer before it decodes a stream.
                word.get(..4)
                    .zip(word.get(4..))
                    .map_or_else(|| word.clone(), |(head, tail)| format!("{head}_{tail}")),
            ] {
                for value in values {
                    for payload in [
                        format!(r#"{{"customer":{{"{key}":"{value}","email":"x"}}}}"#),
                        format!("{key}={value}&x=1"),
                        format!("{key} {value}"),
                    ] {
                        if let Err(e) = check(&engine, payload.as_bytes()) {
                            panic!("{e}");
                        }
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 10_000, "{checked}");
    }

    proptest! {
        /// A compressed Kafka record batch hides its record from the walk: whatever its value,
        /// the payload is quiet only where the full scan, which decompresses it, finds nothing.
        #[test]
        fn compressed_kafka_batches_are_not_quiet_when_their_records_speak(
            name in proptest::sample::select(vec!["first_name", "email", "dob", "device", "temp"]),
            value in prop_oneof![
                proptest::sample::select(vec![
                    "Ottilie",
                    "anna.berg@example.com",
                    "1985-03-12",
                    "+49 30 1234567",
                    "DE89370400440532013000",
                ])
                .prop_map(str::to_owned),
                "[A-Za-z0-9 .@-]{0,16}",
            ],
            snappy in proptest::bool::ANY,
            before in "[a-z0-9 ]{0,12}",
            cut in 0_usize..24,
        ) {
            use crate::decode::{inflate::Codec, kafka::tests::batch};
            let codec = if snappy { Codec::Snappy } else { Codec::Deflate };
            // A telemetry record long enough for gzip's output to look like any bytes.
            let record = format!(
                r#"{{"ts":1700000000000,"device":"th-2829","{name}":"{value}","temp":21.5}}"#
            );
            let mut payload = before.into_bytes();
            payload.extend(batch(codec, record.as_bytes()));
            payload.truncate(payload.len() - cut.min(8));
            prop_assert!(check(&engine(), &payload).is_ok(), "{:?}", check(&engine(), &payload));
        }
    }

    #[cfg(feature = "bench-corpus")]
    #[test]
    fn generated_traffic_scans_the_same_with_and_without_the_check() {
        use crate::bench_corpus::{Corpus, Mix, Spec};
        let engine = engine();
        let mut quiet = 0;
        let mut total = 0;
        for mix in [Mix::Mixed, Mix::Clean] {
            let mut spec = Spec::new(mix);
            spec.target_bytes = 1 << 20;
            for record in Corpus::generate(&spec).records {
                total += 1;
                quiet += usize::from(is_quiet(&record.bytes));
                assert_eq!(
                    engine.scan(&record.bytes),
                    engine.scan_full(&record.bytes),
                    "{}",
                    String::from_utf8_lossy(&record.bytes)
                );
            }
        }
        // Most telemetry is decided by the quiet check (the point of it).
        assert!(quiet * 2 > total, "{quiet} of {total} quiet");
    }

    /// Pieces of machine-to-machine payloads, near misses and personal data alike.
    fn piece() -> impl Strategy<Value = String> {
        let vocabulary: Vec<String> = keywords::all_listed_words()
            .into_iter()
            .map(str::to_owned)
            .collect();
        let shouted: Vec<String> = vocabulary.iter().map(|w| w.to_uppercase()).collect();
        prop_oneof![
            proptest::sample::select(vocabulary),
            proptest::sample::select(shouted),
            "[a-z]{1,9}",
            "[A-Z]{1,6}",
            "[a-zA-Z][a-zA-Z0-9]{0,3}",
            "[A-Z][a-z]{2,8}",
            "[0-9]{1,20}",
            "[0-9]{1,3}\\.[0-9]{1,8}",
            "[0-9]{1,5}\\.[0-9]{1,8} [0-9]{1,15}[ ,\\n.:-]?",
            "-?[0-9]{1,3}\\.[0-9]{5,7}",
            "[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,7})?)?Z?)?",
            "[0-9a-f]{2}(:[0-9a-f]{2}){5}",
            "[0-9]{1,3}(\\.[0-9]{1,3}){3}",
            "\\+?[0-9]{2,4}( [0-9]{2,4}){1,4}",
            "[0-9]{4}( [0-9]{4}){3}",
            "[A-Z]{2}[0-9]{2}( ?[0-9A-Z]{4}){3,5}",
            "[a-z]{2,6}@[a-z]{2,6}\\.(de|com|fr)",
            "eyJ[A-Za-z0-9]{4,20}\\.[A-Za-z0-9]{4,20}",
            "[A-Za-z0-9+/]{16,40}={0,2}",
            base64_text(),
            // HL7 v2 segment starts and separators.
            "(\r|\n|\x0b)?(PID|NK1|GT1|IN1|PV1|MSH|OBX)\\|",
            edi_segment_start(),
            // vCard lines.
            "(BEGIN:VCARD|N:|FN:|TEL:|ADR:;;|BDAY:|;|\ndn:|dn: |\ncn: |\nsn: )",
            wire_piece(),
            // SIP URIs, with a display name before them or not.
            "(\"?[A-Z][a-z]{2,6} [A-Z][a-z]{2,8}\"? )?<sips?:\\+?[0-9a-z.]{3,12}@",
            proptest::sample::select(vec![
                "\"", "\":\"", "\",\"", "{\"", "\"}", ":", ",", " ", "=", "&", "\r\n", "_", "-",
                ".", "/", "(", ")", "\n", ";", "<", ">", "'", "|", "||", "^", "~", "\r", "*", "+"
            ])
            .prop_map(str::to_owned),
        ]
    }

    /// X12 and EDIFACT segment starts (persons' and companies'), after a terminator or glued to
    /// what comes before.
    fn edi_segment_start() -> impl Strategy<Value = String> {
        "(~|'|\n)?(NM1\\*IL\\*1|NM1\\*BY\\*2|PER\\*IC|N3|DMG\\*D8|REF\\*SY|NAD\\+FL\\+\\+|\
         NAD\\+BY\\+\\+|CTA\\+IC\\+|COM|DTM\\+329|DOC\\+P|UNA:\\+\\.\\? ')(\\*|\\+|:)"
    }

    /// Records of binary protocols that name fields (LDAP's BER, PostgreSQL, BSON, MySQL),
    /// under names the vocabulary holds or not.
    fn wire_piece() -> impl Strategy<Value = String> {
        prop_oneof![
            // LDAP attributes (BER) with a name the vocabulary holds or not.
            (
                proptest::sample::select(vec!["cn", "sn", "mail", "uid", "l"]),
                "[A-Za-z0-9 .@]{0,12}"
            )
                .prop_map(|(name, value)| {
                    let attribute =
                        crate::fields::tests::ldap_entry("", &[(name, &[value.as_str()])]);
                    String::from_utf8_lossy(&attribute).into_owned()
                }),
            // PostgreSQL result rows (up to 65 columns: the count's low byte is then printable,
            // glued to the first name) and bound parameters, under names the vocabulary holds
            // or not.
            (
                proptest::sample::select(vec![
                    "full_name",
                    "birth_date",
                    "email",
                    "name",
                    "device_id",
                    "sn",
                    "temp"
                ]),
                "[A-Za-z0-9 .@-]{0,14}",
                proptest::sample::select(vec![0_usize, 1, 2, 65]),
            )
                .prop_map(|(column, value, columns)| {
                    let bytes = if columns == 0 {
                        crate::fields::tests::pg_extended_query(
                            "",
                            &format!("INSERT INTO t ({column}) VALUES ($1)"),
                            &[Some(value.as_str())],
                        )
                    } else {
                        let names: Vec<String> = std::iter::once(column.to_owned())
                            .chain((1..columns).map(|i| format!("c{i}")))
                            .collect();
                        let names: Vec<&str> = names.iter().map(String::as_str).collect();
                        let row: Vec<Option<&str>> = std::iter::once(Some(value.as_str()))
                            .chain((1..columns).map(|_| Some("x")))
                            .collect();
                        crate::fields::tests::pg_result(&names, &[&row])
                    };
                    String::from_utf8_lossy(&bytes).into_owned()
                }),
            // BSON documents (MongoDB), under names the vocabulary holds or not, alone, in an
            // embedded document or in an array.
            (
                proptest::sample::select(vec!["first_name", "street", "name", "sn", "device", "0"]),
                "[A-Za-z0-9 .@-]{0,14}",
                0_u8..3,
            )
                .prop_map(|(name, value, shape)| {
                    let document = match shape {
                        0 => bson::doc! { name: value },
                        1 => bson::doc! { "address": { name: value } },
                        _ => bson::doc! { name: [value] },
                    };
                    String::from_utf8_lossy(&crate::fields::tests::bson_bytes(&document))
                        .into_owned()
                }),
            // MySQL result sets, with names of any length (from 48 bytes on, glued to a
            // printable length byte).
            (
                proptest::sample::select(vec![
                    "first_name",
                    "dob",
                    "name",
                    "sn",
                    "device",
                    "customer_full_name_as_printed_on_the_loyalty_card"
                ]),
                "[A-Za-z0-9 .@-]{0,14}",
                proptest::bool::ANY,
            )
                .prop_map(|(name, value, eof)| {
                    let bytes = crate::fields::mysql::tests::result(
                        &[name],
                        &[&[Some(value.as_str())]],
                        eof,
                    );
                    String::from_utf8_lossy(&bytes).into_owned()
                }),
            protobuf_piece(),
            dicom_piece(),
        ]
    }

    /// DICOM data elements, explicit VR, of the patient or not, with any text value.
    fn dicom_piece() -> impl Strategy<Value = String> {
        (
            proptest::sample::select(vec![
                (0x0010_u16, 0x0010_u16, *b"PN"),
                (0x0010, 0x0030, *b"DA"),
                (0x0008, 0x0090, *b"PN"),
                (0x0008, 0x0060, *b"CS"),
                (0x0020, 0x000d, *b"UI"),
            ]),
            prop_oneof![
                "[A-Za-z0-9 .^-]{0,14}",
                Just("Berg^Anna".to_owned()),
                Just("19790523".to_owned())
            ],
        )
            .prop_map(|((group, element, vr), value)| {
                let bytes = crate::fields::dicom::tests::explicit(group, element, vr, &value);
                String::from_utf8_lossy(&bytes).into_owned()
            })
    }

    /// Protobuf key/value pairs (OpenTelemetry attributes in a span's field 9, `J`, and map
    /// entries), with keys of any length (from 48 bytes on, glued to a printable length byte).
    fn protobuf_piece() -> impl Strategy<Value = String> {
        (
            proptest::sample::select(vec![
                "user.full_name",
                "enduser.birth_date",
                "user.name",
                "device.id",
                "sn",
                // 48 and 65 bytes: length bytes `0` and `A`, glued to `dob`.
                "dob.00000000000000000000000000000000000000000000",
                "dob.0000000000000000000000000000000000000000000000000000000000000",
            ]),
            prop_oneof!["[A-Za-z0-9 .@-]{0,14}", Just("1985-03-12".to_owned())],
            proptest::bool::ANY,
        )
            .prop_map(|(key, value, any_value)| {
                use crate::fields::protobuf::tests::{entry, key_value};
                let pair = if any_value {
                    key_value(key, &value)
                } else {
                    entry(key, value.as_bytes())
                };
                let mut bytes = vec![b'J', u8::try_from(pair.len()).unwrap_or(0)];
                bytes.extend(pair);
                String::from_utf8_lossy(&bytes).into_owned()
            })
    }

    /// A segment of a path that names a payload (an MQTT topic, a NATS subject, a memcached
    /// key): IDs, record names and field names.
    fn path_segment() -> impl Strategy<Value = &'static str> {
        proptest::sample::select(vec![
            "crm",
            "customers",
            "users",
            "session",
            "devices",
            "8f2c",
            "17",
            "gw-2829",
            "telemetry",
            "date_of_birth",
            "dob",
            "birth",
            "full_name",
            "name",
            "lastName",
            "phone",
            "fw",
            "geburtsdatum",
        ])
    }

    /// A payload such a path names: a plain value of some detector's shape, or JSON.
    fn named_payload() -> impl Strategy<Value = String> {
        prop_oneof![
            "[A-Za-z0-9 .@+-]{0,16}",
            "(19[0-9]{2}-0[1-9]-1[0-9]|[A-Z][a-z]{2,7} [A-Z][a-z]{2,9}|\\+49 30 [0-9]{7}|030 [0-9]{7})",
            "\\{\"(name|plan|dob|phone)\":\"[A-Za-z0-9 -]{0,12}\"\\}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn quiet_edi_segments_have_no_findings(
            pieces in proptest::collection::vec(
                prop_oneof![
                    edi_segment_start(),
                    "[A-Z][A-Za-z]{1,8}( [A-Z][a-z]{1,8})?",
                    "[0-9]{6,10}",
                    proptest::sample::select(vec!["*", "+", ":", "~", "'", "\n", "?", " "])
                        .prop_map(str::to_owned),
                ],
                1..12,
            )
        ) {
            let payload = pieces.concat();
            let engine = engine();
            check(&engine, payload.as_bytes()).map_err(TestCaseError::fail)?;
        }

        /// MySQL and MariaDB result sets as their bytes: text rows, and binary rows (a date
        /// under the name) with their definitions or after a `COM_STMT_PREPARE` answer.
        #[test]
        fn quiet_mysql_results_have_no_findings(
            name in proptest::sample::select(vec![
                "first_name",
                "dob",
                "birth_date",
                "name",
                "sn",
                "device",
                "customer_full_name_as_printed_on_the_loyalty_card",
            ]),
            value in "[A-Za-z0-9 .@-]{0,14}",
            date in (1900_u16..2030, 1_u8..13, 1_u8..29),
            eof in any::<bool>(),
            mariadb in any::<bool>(),
            shape in 0_u8..3,
        ) {
            use crate::fields::mysql::tests::{
                Dialect, binary_date, binary_row_body, execute_answer, lenenc, prepare_answer,
                text_result,
            };
            let dialect = Dialect { eof, mariadb };
            let columns = [(name, 0x0a), ("note", 0xfd)];
            let row = binary_row_body(&[
                Some(binary_date(date.0, date.1, date.2)),
                Some(lenenc(value.as_bytes())),
            ]);
            let payload = match shape {
                0 => text_result(&[name, "note"], &[&[Some(value.as_str()), Some("x")]], dialect),
                1 => execute_answer(&columns, &[row], dialect, true),
                _ => [
                    prepare_answer(1, &columns, dialect),
                    execute_answer(&columns, &[row], dialect, false),
                ]
                .concat(),
            };
            let engine = engine();
            check(&engine, &payload).map_err(TestCaseError::fail)?;
        }

        /// Redis replies pairing names with values: RESP2 arrays and RESP3 maps.
        #[test]
        fn quiet_redis_replies_have_no_findings(
            pairs in proptest::collection::vec(
                (
                    proptest::sample::select(vec![
                        "full_name", "dob", "phone", "name", "status", "last_seen", "fw",
                        "lastName", "geburtsdatum",
                    ]),
                    "(19[0-9]{2}-0[1-9]-1[0-9]|[A-Z][a-z]{2,7} [A-Z][a-z]{2,9}|030 [0-9]{7}|[a-z0-9.]{0,9})",
                ),
                1..5,
            ),
            map in any::<bool>(),
        ) {
            let mut reply = if map {
                format!("%{}\r\n", pairs.len())
            } else {
                format!("*{}\r\n", pairs.len() * 2)
            };
            for (name, value) in &pairs {
                for item in [*name, value.as_str()] {
                    reply.push_str(&["$", &item.len().to_string(), "\r\n", item, "\r\n"].concat());
                }
            }
            let engine = engine();
            check(&engine, reply.as_bytes()).map_err(TestCaseError::fail)?;
        }

        /// MQTT publishes whose topic's last level names the payload, glued to it or not
        /// (3.1.1 at `QoS` 0 puts nothing between them), and JSON under a topic about a person.
        #[test]
        fn quiet_mqtt_publishes_have_no_findings(
            levels in proptest::collection::vec(path_segment(), 1..5),
            payload in named_payload(),
            packet_id in proptest::option::of(prop_oneof![Just([0_u8, 0x2a]), any::<[u8; 2]>()]),
            properties in proptest::option::of(Just(&b"\x01\x01"[..])),
        ) {
            let topic = levels.join("/");
            let packet = crate::fields::mqtt::tests::publish_bytes(
                &topic,
                payload.as_bytes(),
                packet_id,
                properties,
            );
            let engine = engine();
            check(&engine, &packet).map_err(TestCaseError::fail)?;
        }

        /// AMQP messages whose routing key's last segment names the body, as a client
        /// publishes them and a broker delivers them.
        #[test]
        fn quiet_amqp_messages_have_no_findings(
            segments in proptest::collection::vec(path_segment(), 1..5),
            payload in named_payload(),
            deliver in any::<bool>(),
        ) {
            let key = segments.join(".");
            let bytes = if deliver {
                crate::fields::amqp::tests::deliver_bytes(&key, payload.as_bytes())
            } else {
                crate::fields::amqp::tests::publish_bytes(&key, payload.as_bytes())
            };
            let engine = engine();
            check(&engine, &bytes).map_err(TestCaseError::fail)?;
        }

        /// AMQP application headers whose names name their values, under a routing key that
        /// names nothing: names glued to the type byte after them (`DOBS`) included.
        #[test]
        fn quiet_amqp_headers_have_no_findings(
            headers in proptest::collection::vec(
                (
                    proptest::sample::select(vec![
                        "x-customer-name", "x-email", "X-NAME", "full_name", "x-phone2", "trace",
                        "dob", "DOB", "x-Name", "GEBURTSDATUM", "x-userName", "PHONE",
                        "X-BIRTHDATE",
                    ]),
                    named_payload(),
                ),
                1..3,
            ),
        ) {
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(name, value)| (*name, value.as_str())).collect();
            let bytes = crate::fields::amqp::tests::publish_with_headers(
                "telemetry.gw-2829",
                &headers,
                b"ok",
            );
            let engine = engine();
            check(&engine, &bytes).map_err(TestCaseError::fail)?;
        }

        /// memcached and NATS payloads named by a key or subject whose last segment names
        /// them, in the commands a client sends and the replies a server returns.
        #[test]
        fn quiet_memcached_and_nats_payloads_have_no_findings(
            segments in proptest::collection::vec(path_segment(), 1..5),
            separator in proptest::sample::select(vec![":", ".", "/"]),
            payload in named_payload(),
            shape in 0_u8..4,
        ) {
            let path = segments.join(separator);
            let len = payload.len();
            let line = match shape {
                0 => format!("set {path} 0 0 {len}"),
                1 => format!("VALUE {path} 0 {len}"),
                2 => format!("PUB {path} {len}"),
                _ => format!("MSG {path} 1 {len}"),
            };
            let bytes = [line.as_str(), "\r\n", payload.as_str(), "\r\n"].concat();
            let engine = engine();
            check(&engine, bytes.as_bytes()).map_err(TestCaseError::fail)?;
        }

        /// HTTP/2 header blocks, whose Huffman-coded strings show none of their words.
        #[test]
        fn quiet_http2_headers_have_no_findings(
            fields in proptest::collection::vec(
                (
                    proptest::sample::select(vec![
                        "authorization", "x-user-email", "x-customer-phone", "cookie",
                        "user-agent", "x-request-id", "x-device", "x-full-name",
                    ]),
                    prop_oneof![
                        "[a-z]{2,8}@[a-z]{2,6}\\.(de|org)",
                        "Bearer eyJ[A-Za-z0-9_-]{10,30}\\.eyJ[A-Za-z0-9_-]{10,30}\\.[A-Za-z0-9_-]{4,12}",
                        "\\+49 30 [0-9]{7,8}",
                        "[A-Z][a-z]{2,7} [A-Z][a-z]{2,9}",
                        "[a-z0-9./-]{0,20}",
                    ],
                ),
                1..5,
            ),
            huffman in any::<bool>(),
            preface in any::<bool>(),
        ) {
            use crate::decode::http2::tests::{client_preface, headers_frame};
            let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
            let headers = headers_frame(&fields, huffman);
            let wire = if preface { [client_preface(), headers].concat() } else { headers };
            let engine = engine();
            check(&engine, &wire).map_err(TestCaseError::fail)?;
        }

        /// Mail bodies in a transfer encoding, with values cut by soft line breaks and written
        /// as `=XX`.
        #[test]
        fn quiet_mail_bodies_have_no_findings(
            pieces in proptest::collection::vec(
                prop_oneof![
                    "Content-Transfer-Encoding: (quoted-printable|base64)\r\n\r\n",
                    "[a-z]{2,6}@[a-z]{1,3}=\r\n[a-z]{1,3}\\.(de|com)",
                    "(Hallo|Dear) [A-Z][a-z]{1,5}=\r\n[a-z]{1,5}",
                    "M=C3=BCller|=3D|=20|=\r\n",
                    "[A-Za-z0-9+/]{4,12}",
                    "[a-z]{1,8}",
                    proptest::sample::select(vec![" ", "\r\n", ",", ":"]).prop_map(str::to_owned),
                ],
                1..12,
            )
        ) {
            let payload = pieces.concat();
            let engine = engine();
            check(&engine, payload.as_bytes()).map_err(TestCaseError::fail)?;
        }

        /// The same pieces sent as WebSocket frames: a client's masked message, or a message in
        /// fragments.
        #[test]
        fn quiet_websocket_frames_have_no_findings(
            pieces in proptest::collection::vec(piece(), 1..20),
            key in proptest::option::of(any::<[u8; 4]>()),
            cut in any::<prop::sample::Index>(),
        ) {
            let message = pieces.concat().into_bytes();
            let cut = cut.index(message.len() + 1);
            let frame = crate::decode::framing::tests::ws_frame;
            let mut wire = frame(0x01, &message[..cut], key);
            wire.extend(frame(0x80, &message[cut..], key));
            let engine = engine();
            check(&engine, &wire).map_err(TestCaseError::fail)?;
            check(&engine, &frame(0x81, &message, key)).map_err(TestCaseError::fail)?;
            // The same message compressed (`permessage-deflate`).
            let compressed = crate::decode::framing::tests::deflate_messages(&[&message]);
            check(&engine, &frame(0xc1, &compressed[0], key)).map_err(TestCaseError::fail)?;
        }

        #[test]
        fn quiet_payloads_have_no_findings(pieces in proptest::collection::vec(piece(), 1..40)) {
            let payload = pieces.concat();
            let engine = engine();
            check(&engine, payload.as_bytes()).map_err(TestCaseError::fail)?;
        }

        #[test]
        fn quiet_http_message_sequences_have_no_findings(
            messages in proptest::collection::vec(
                (
                    proptest::sample::select(vec![
                        "POST /v1/telemetry HTTP/1.1\r\nHost: gw\r\n",
                        "GET /status HTTP/1.1\r\n",
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n",
                        "HTTP/1.1 204 No Content\r\n",
                    ]),
                    // The body's length as sent: right, shorter, longer, or none at all.
                    proptest::option::of(-3_i32..3),
                    proptest::collection::vec(piece(), 0..12),
                ),
                1..5,
            )
        ) {
            let mut payload = String::new();
            for (head, length_error, body) in messages {
                let body = body.concat();
                payload.push_str(head);
                if let Some(error) = length_error {
                    let length = body.len().saturating_add_signed(error as isize);
                    let _ = write!(payload, "Content-Length: {length}\r\n");
                }
                payload.push_str("\r\n");
                payload.push_str(&body);
            }
            let engine = engine();
            check(&engine, payload.as_bytes()).map_err(TestCaseError::fail)?;
        }

        #[test]
        fn block_walk_finds_what_the_reference_finds(
            pieces in proptest::collection::vec(piece(), 1..30),
            noise in proptest::collection::vec(any::<u8>(), 0..8),
        ) {
            let mut payload = pieces.concat().into_bytes();
            payload.extend(noise);
            // The block walk may only be more cautious than the character-by-character walk.
            if has_vocabulary(&payload) {
                prop_assert!(!quiet_buffer(&payload));
            }
        }

        #[test]
        fn token_shortcuts_agree_with_the_pattern_scan(
            pieces in proptest::collection::vec(piece(), 1..30),
        ) {
            let payload = pieces.concat().into_bytes();
            let mut candidates = Vec::new();
            // The engine's own pattern scan: any strong candidate it finds, the check finds too.
            patterns::scan(&payload, &mut candidates, &mut Vec::new());
            if candidates.iter().any(|c| c.strength == patterns::Strength::Strong) {
                prop_assert!(!quiet_buffer(&payload));
            }
        }

        #[test]
        fn never_panics(input in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = is_quiet(&input);
        }
    }
}
