//! Field extraction: finds `name -> value` pairs in the structures M2M payloads use (JSON,
//! `key=value` forms/queries/logs, `key: 'value'` object literals and GraphQL arguments, header
//! lines, CSV with a header row, SQL, Redis RESP, XML, MessagePack, CBOR, HL7 v2, X12 and
//! EDIFACT, DICOM, vCard, LDAP, PostgreSQL, MySQL, BSON, protobuf key/value pairs (OpenTelemetry
//! attributes, map entries), and payloads named by a path: MQTT topics,
//! NATS subjects, memcached keys).
//! Every extractor is tolerant (binary framing around JSON is fine), bounded and never panics.
//! Ranges index the scanned buffer.

use std::{cell::OnceCell, ops::Range, sync::LazyLock};

use memchr::memchr2;

use crate::{
    detect::{dates, email, names, national_id, network, phone},
    keywords::FieldKind,
};

pub(crate) mod amqp;
pub(crate) mod dicom;
mod edi;
pub(crate) mod mqtt;
pub(crate) mod mysql;
mod named_payloads;
mod path;
pub(crate) mod protobuf;

pub(crate) use edi::{X12_IMPLIED_US, opens_segment as opens_edi_segment};

/// How a field was written; decides which unescaping its value needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Syntax {
    JsonString,
    JsonNumber,
    /// The inside of a JSON array of 2–3 numbers (`[lon, lat]`).
    JsonNumberArray,
    /// `key=value` in a form, query string, log line or SQL (`col = 'v'`).
    KeyValue {
        quote: Option<u8>,
    },
    /// `Name: value` header line (HTTP, STOMP, SMTP).
    Header,
    Csv {
        quoted: bool,
    },
    /// A length-prefixed value of a binary protocol, taken as sent: Redis bulk strings, MessagePack,
    /// LDAP's BER, PostgreSQL's rows and parameters.
    Raw,
    /// Redis `GEOADD key lon lat member`: `value` spans from lon to lat.
    GeoPair,
    Xml,
    /// A component of an HL7 v2 field; `escape` is the escape character `MSH-2` declares
    /// (`\F\`, `\S\`, `\XFC\`).
    Hl7 {
        escape: u8,
    },
    /// A vCard property's value or component: folded lines (a line break before a space) and
    /// backslash escapes (`\,`, `\;`, `\n`).
    VCard,
    /// A value its syntax declares base64 (LDIF's `cn:: ...`).
    Base64,
    /// An element or component of an X12 or EDIFACT segment; EDIFACT's release character
    /// (`?`) keeps a separator in a value (`O?'Brien`).
    Edi {
        release: Option<u8>,
    },
    /// A DICOM data element's value, taken as sent, at a position (its tag) that decides its
    /// kind.
    Dicom,
    /// A `DATE`, `DATETIME` or `TIMESTAMP` of a MySQL binary row (year in 2 bytes, month, day,
    /// then the time of day), read as `YYYY-MM-DD`.
    MysqlDate,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Field {
    /// Empty for columns of a table without a header row (see `kind_hint`).
    pub key: Range<usize>,
    /// What the column holds, inferred from its cells when there is no field name.
    pub kind_hint: Option<FieldKind>,
    pub parent: Option<Range<usize>>,
    pub value: Range<usize>,
    pub syntax: Syntax,
    /// The field's name where the payload does not write one: its position in a positional
    /// format (`PID-5`, the patient name of an HL7 v2 message).
    pub label: Option<&'static str>,
}

/// Most fields kept per buffer; beyond it a payload is scanned without context.
const MAX_FIELDS: usize = 4096;
/// Deepest JSON nesting followed.
const MAX_DEPTH: usize = 32;

/// The lines of `b`: the span of each, without its `\n`.
fn line_spans(b: &[u8]) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut line_start = 0;
    memchr::memchr_iter(b'\n', b)
        .chain(std::iter::once(b.len()))
        .map(move |nl| {
            let line = line_start..nl;
            line_start = nl + 1;
            line
        })
}

/// All fields of `b`, sorted by value start.
pub(crate) fn extract(b: &[u8]) -> Vec<Field> {
    // About one field in 32 bytes of the payloads that reach the full scan: sized once rather
    // than grown several times.
    let mut out = Vec::with_capacity((b.len() / 32).min(1024));
    json_fields(b, &mut out);
    key_values(b, &mut out);
    bare_key_values(b, &mut out);
    header_lines(b, &mut out);
    csv_fields(b, &mut out);
    sql_inserts(b, &mut out);
    resp_fields(b, &mut out);
    xml_fields(b, &mut out);
    msgpack_fields(b, &mut out);
    cbor_fields(b, &mut out);
    hl7_fields(b, &mut out);
    dicom::dicom_fields(b, &mut out);
    edi::edi_fields(b, &mut out);
    vcard_fields(b, &mut out);
    ldap_fields(b, &mut out);
    ldif_fields(b, &mut out);
    postgres_fields(b, &mut out);
    bson_fields(b, &mut out);
    protobuf::protobuf_fields(b, &mut out);
    mysql::mysql_fields(b, &mut out);
    let mut path_parents = path::PathParents::default();
    mqtt::mqtt_fields(b, &mut out, &mut path_parents);
    amqp::amqp_fields(b, &mut out, &mut path_parents);
    named_payloads::named_payload_fields(b, &mut out, &mut path_parents);
    path_parents.apply(&mut out);
    out.truncate(MAX_FIELDS);
    out.sort_by_key(|f| (f.value.start, std::cmp::Reverse(f.value.end)));
    out
}

/// The innermost field whose value contains `span`: the shortest among the 256 fields starting
/// last at or before it (the latest of equals).
pub(crate) fn field_around(fields: &[Field], span: &Range<usize>) -> Option<usize> {
    let upto = fields.partition_point(|f| f.value.start <= span.start);
    let mut best: Option<(usize, usize)> = None;
    for (i, f) in fields.get(..upto)?.iter().enumerate().rev().take(256) {
        // Fields are sorted by start: one starting here or earlier that contains `span` is at
        // least this long, so none further back can be shorter than the best.
        if best.is_some_and(|(_, len)| span.end.saturating_sub(f.value.start) >= len) {
            break;
        }
        if f.value.end >= span.end && best.is_none_or(|(_, len)| f.value.len() < len) {
            best = Some((i, f.value.len()));
        }
    }
    best.map(|(i, _)| i)
}

// ---------------------------------------------------------------- JSON

#[derive(Clone)]
struct Container {
    is_object: bool,
    key: Option<Range<usize>>,
    start: usize,
    numbers: usize,
    others: usize,
}

fn json_fields(b: &[u8], out: &mut Vec<Field>) {
    // One stack for all top-level values.
    let mut stack = Vec::new();
    let mut i = 0;
    while let Some(p) = b.get(i..).and_then(|rest| memchr2(b'{', b'[', rest)) {
        let start = i + p;
        stack.clear();
        let end = json_walk(b, start, &mut stack, out);
        i = end.max(start + 1);
        if out.len() >= MAX_FIELDS {
            return;
        }
    }
}

fn parent_key(stack: &[Container]) -> Option<Range<usize>> {
    stack
        .iter()
        .rev()
        .find_map(|c| if c.is_object { c.key.clone() } else { None })
}

/// Walks one JSON value starting at `start` with an empty `stack`; returns where it stopped.
#[expect(
    clippy::too_many_lines,
    reason = "a single tolerant state machine over JSON tokens"
)]
fn json_walk(b: &[u8], start: usize, stack: &mut Vec<Container>, out: &mut Vec<Field>) -> usize {
    let mut pending: Option<Range<usize>> = None;
    let mut i = start;
    while let Some(&c) = b.get(i) {
        match c {
            b' ' | b'\t' | b'\r' | b'\n' | b',' | b':' => i += 1,
            b'{' | b'[' => {
                if stack.len() >= MAX_DEPTH {
                    return i;
                }
                if let Some(top) = stack.last_mut() {
                    top.others += 1;
                }
                let key = pending.take().or_else(|| {
                    stack
                        .last()
                        .filter(|t| !t.is_object)
                        .and_then(|t| t.key.clone())
                });
                stack.push(Container {
                    is_object: c == b'{',
                    key,
                    start: i + 1,
                    numbers: 0,
                    others: 0,
                });
                i += 1;
            }
            b'}' | b']' => {
                let Some(top) = stack.pop() else { return i };
                if top.is_object != (c == b'}') {
                    return i;
                }
                if !top.is_object
                    && top.others == 0
                    && (2..=3).contains(&top.numbers)
                    && let Some(key) = top.key.clone()
                {
                    out.push(Field {
                        kind_hint: None,
                        label: None,
                        key,
                        parent: parent_key(stack),
                        value: top.start..i,
                        syntax: Syntax::JsonNumberArray,
                    });
                }
                i += 1;
                if stack.is_empty() {
                    return i;
                }
            }
            b'"' => {
                let Some(end) = string_end(b, i + 1) else {
                    return i;
                };
                let inner = i + 1..end;
                let mut j = end + 1;
                while matches!(b.get(j), Some(b' ' | b'\t' | b'\r' | b'\n')) {
                    j += 1;
                }
                let Some(top) = stack.last_mut() else {
                    return i;
                };
                if top.is_object && b.get(j) == Some(&b':') && pending.is_none() {
                    pending = Some(inner);
                } else {
                    top.others += 1;
                    let key = pending
                        .take()
                        .or_else(|| (!top.is_object).then(|| top.key.clone()).flatten());
                    if let Some(key) = key {
                        let parent = parent_key(stack);
                        out.push(Field {
                            kind_hint: None,
                            label: None,
                            key,
                            parent,
                            value: inner,
                            syntax: Syntax::JsonString,
                        });
                    }
                }
                i = end + 1;
            }
            b'-' | b'0'..=b'9' => {
                let len = b.get(i..).map_or(0, |r| {
                    r.iter()
                        .take(40)
                        .take_while(|&&d| {
                            d.is_ascii_digit() || matches!(d, b'-' | b'+' | b'.' | b'e' | b'E')
                        })
                        .count()
                });
                let Some(top) = stack.last_mut() else {
                    return i;
                };
                top.numbers += 1;
                let key = pending
                    .take()
                    .or_else(|| (!top.is_object).then(|| top.key.clone()).flatten());
                if let Some(key) = key {
                    let parent = parent_key(stack);
                    out.push(Field {
                        kind_hint: None,
                        label: None,
                        key,
                        parent,
                        value: i..i + len,
                        syntax: Syntax::JsonNumber,
                    });
                }
                i += len.max(1);
            }
            b't' | b'f' | b'n' => {
                pending = None;
                if let Some(top) = stack.last_mut() {
                    top.others += 1;
                }
                i += b.get(i..).map_or(1, |r| {
                    r.iter()
                        .take(5)
                        .take_while(|c| c.is_ascii_lowercase())
                        .count()
                });
            }
            _ => return i,
        }
        if out.len() >= MAX_FIELDS {
            return i;
        }
    }
    i
}

/// Index of the closing quote of a JSON string whose content starts at `from`.
fn string_end(b: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    loop {
        let p = memchr2(b'"', b'\\', b.get(i..)?)?;
        let at = i + p;
        if b.get(at) == Some(&b'\\') {
            i = at + 2;
        } else {
            return Some(at);
        }
        if i - from > 1 << 20 {
            return None;
        }
    }
}

// ---------------------------------------------------------------- key=value

const fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'[' | b']' | b'%')
}

fn key_values(b: &[u8], out: &mut Vec<Field>) {
    // '=' inside a value already taken is not a new pair; skipping them keeps this linear.
    let mut resume = 0;
    let mut query_parent: Option<Range<usize>> = None;
    for eq in memchr::memchr_iter(b'=', b) {
        if out.len() >= MAX_FIELDS {
            return;
        }
        if eq < resume {
            continue;
        }
        // Skip spaces before '=' (SQL style), then read the key backwards.
        let mut key_end = eq;
        while key_end > 0 && b.get(key_end - 1) == Some(&b' ') && eq - key_end < 2 {
            key_end -= 1;
        }
        let key_len = b.get(..key_end).map_or(0, |k| {
            k.iter()
                .rev()
                .take(64)
                .take_while(|&&c| is_key_byte(c))
                .count()
        });
        if key_len == 0
            || matches!(b.get(eq + 1), Some(b'='))
            || matches!(b.get(eq.wrapping_sub(1)), Some(b'!' | b'<' | b'>' | b'='))
        {
            continue;
        }
        let key = key_end - key_len..key_end;
        if !b.get(key.start).is_some_and(u8::is_ascii_alphabetic) {
            continue;
        }
        // Query strings: the path's last segment (`/v2/users?name=...`) names the record.
        match b.get(key.start.wrapping_sub(1)) {
            Some(b'?') => query_parent = path_segment(b, key.start - 1),
            Some(b'&') => {}
            _ => query_parent = None,
        }
        let mut v = eq + 1;
        while b.get(v) == Some(&b' ') && v - eq < 3 {
            v += 1;
        }
        let quote = b.get(v).copied().filter(|q| matches!(q, b'\'' | b'"'));
        let value = if let Some(q) = quote {
            let Some(end) = quoted_end(b, v + 1, q) else {
                continue;
            };
            v + 1..end
        } else {
            let len = b.get(v..).map_or(0, |r| {
                r.iter()
                    .enumerate()
                    .take(2048)
                    .take_while(|&(k, &c)| {
                        !(matches!(
                            c,
                            b'&' | b' '
                                | b'\r'
                                | b'\n'
                                | b'\t'
                                | b';'
                                | b'"'
                                | b'\''
                                | b'>'
                                | b')'
                                | b']'
                                | b'}'
                                | b'<'
                                | 0..=8
                        ) || (c == b','
                            && !r
                                .get(k + 1)
                                .is_some_and(|n| n.is_ascii_digit() || *n == b'-')))
                    })
                    .count()
            });
            v..v + len
        };
        resume = value.end;
        if !value.is_empty() {
            out.push(Field {
                kind_hint: None,
                label: None,
                key,
                parent: query_parent.clone(),
                value,
                syntax: Syntax::KeyValue { quote },
            });
        }
    }
}

// ---------------------------------------------------------------- key: 'value'

/// `key: "value"` and `key: 'value'` with a bare key, within a line: object literals as
/// Node.js and Python print them in logs (`{ name: 'Anna Berg', plan: 'pro' }`), GraphQL
/// arguments (`createUser(input: {name: "Anna Berg"})`), JSON5 and YAML flow mappings. Only
/// quoted values are taken: after a bare `word:` in prose or a time (`12:30`) comes no quote.
/// A key right after a quote is a JSON key, left to the JSON reader.
fn bare_key_values(b: &[u8], out: &mut Vec<Field>) {
    /// Longest bare key, in bytes.
    const MAX_KEY: usize = 64;
    let mut resume = 0;
    for colon in memchr::memchr_iter(b':', b) {
        if out.len() >= MAX_FIELDS {
            return;
        }
        if colon < resume {
            continue;
        }
        let key_len = b.get(..colon).map_or(0, |k| {
            k.iter()
                .rev()
                .take(MAX_KEY + 1)
                .take_while(|&&c| c.is_ascii_alphanumeric() || c == b'_')
                .count()
        });
        let key = colon - key_len..colon;
        if key_len == 0
            || key_len > MAX_KEY
            || !b
                .get(key.start)
                .is_some_and(|&c| c.is_ascii_alphabetic() || c == b'_')
            || key
                .start
                .checked_sub(1)
                .and_then(|i| b.get(i))
                .is_some_and(|&c| matches!(c, b'"' | b'\'' | b'.' | b'/' | b'-' | b':'))
        {
            continue;
        }
        let mut v = colon + 1;
        while b.get(v) == Some(&b' ') && v - colon < 3 {
            v += 1;
        }
        let Some(&quote) = b.get(v).filter(|&&q| q == b'\'' || q == b'"') else {
            continue;
        };
        let Some(end) = quoted_end(b, v + 1, quote) else {
            continue;
        };
        resume = end + 1;
        if end > v + 1 {
            out.push(Field {
                kind_hint: None,
                label: None,
                key,
                parent: None,
                value: v + 1..end,
                syntax: Syntax::KeyValue { quote: Some(quote) },
            });
        }
    }
}

/// The URL path that ends at `question_mark` (`/api/v1/customers/search`): its segments name
/// the records the query is about.
fn path_segment(b: &[u8], question_mark: usize) -> Option<Range<usize>> {
    let before = b.get(question_mark.saturating_sub(128)..question_mark)?;
    let len = before
        .iter()
        .rev()
        .take_while(|&&c| {
            c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'/' | b'%')
        })
        .count();
    let start = question_mark - len;
    (len > 1 && b.get(start) == Some(&b'/')).then_some(start..question_mark)
}

/// End of a quoted value whose content starts at `from` (doubled quotes and backslashes escape).
fn quoted_end(b: &[u8], from: usize, q: u8) -> Option<usize> {
    /// Longest quoted value followed.
    const MAX_QUOTED: usize = 4096;
    let mut i = from;
    while i < b.len() && i - from < MAX_QUOTED {
        // Jump to the next byte that matters.
        let window = b.get(i..(from + MAX_QUOTED).min(b.len()))?;
        i += memchr::memchr3(q, b'\\', b'\n', window)?;
        let c = *b.get(i)?;
        if c == b'\\' {
            i += 2;
            continue;
        }
        if c == q {
            if b.get(i + 1) == Some(&q) {
                i += 2;
                continue;
            }
            return Some(i);
        }
        if c == b'\n' {
            return None;
        }
        i += 1;
    }
    None
}

// ---------------------------------------------------------------- header lines

fn header_lines(b: &[u8], out: &mut Vec<Field>) {
    for line in line_spans(b) {
        let Some(text) = b.get(line.clone()) else {
            continue;
        };
        // A proxy's `CONNECT host:port HTTP/1.1` names the server to tunnel to, as `Host` does.
        if let Some(target) = connect_target(text) {
            out.push(Field {
                kind_hint: Some(FieldKind::Server),
                label: None,
                key: line.start..line.start + CONNECT.len() - 1,
                parent: None,
                value: line.start + target.start..line.start + target.end,
                syntax: Syntax::Header,
            });
            continue;
        }
        // Indented `key: value` lines are YAML.
        let indent = text.iter().take(32).take_while(|&&c| c == b' ').count();
        let text = text.get(indent..).unwrap_or_default();
        let line_start_key = line.start + indent;
        let name_len = text
            .iter()
            .take(64)
            .take_while(|&&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
            .count();
        if name_len == 0
            || text.get(name_len) != Some(&b':')
            || !text.first().is_some_and(u8::is_ascii_alphabetic)
        {
            continue;
        }
        let mut v = name_len + 1;
        while text.get(v) == Some(&b' ') {
            v += 1;
        }
        let mut end = text.len();
        while end > v && matches!(text.get(end - 1), Some(b'\r' | b' ')) {
            end -= 1;
        }
        // YAML quotes the value.
        if end > v + 1
            && matches!(text.get(v), Some(b'"' | b'\''))
            && text.get(end - 1) == text.get(v)
        {
            v += 1;
            end -= 1;
        }
        if end > v {
            out.push(Field {
                kind_hint: None,
                label: None,
                key: line_start_key..line_start_key + name_len,
                parent: None,
                value: line_start_key + v..line_start_key + end,
                syntax: Syntax::Header,
            });
        }
        if out.len() >= MAX_FIELDS {
            return;
        }
    }
    multipart_parts(b, out);
}

/// The request line of a tunnel through a proxy (RFC 9110, 9.3.6).
const CONNECT: &[u8] = b"CONNECT ";

/// The authority (`host:port`) of a `CONNECT` request line, as a range of `line`.
fn connect_target(line: &[u8]) -> Option<Range<usize>> {
    let rest = line.strip_prefix(CONNECT)?;
    let len = rest.iter().take(256).position(|&c| c == b' ')?;
    rest.get(len + 1..)?
        .starts_with(b"HTTP/1.")
        .then_some(CONNECT.len()..CONNECT.len() + len)
        .filter(|target| !target.is_empty())
}

/// `multipart/form-data` parts: `Content-Disposition: form-data; name="field"`, a blank line,
/// then the value up to the next boundary line.
fn multipart_parts(b: &[u8], out: &mut Vec<Field>) {
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"form-data; name=\""));
    for at in FINDER.find_iter(b) {
        let key_start = at + 17;
        let Some(key_len) = b
            .get(key_start..)
            .and_then(|r| r.iter().take(128).position(|&c| c == b'"'))
        else {
            continue;
        };
        let Some(blank) = b
            .get(key_start..)
            .and_then(|r| memchr::memmem::find(r, b"\r\n\r\n"))
            .map(|p| key_start + p + 4)
        else {
            continue;
        };
        if blank - key_start > 1024 {
            continue;
        }
        let Some(value_len) = b
            .get(blank..)
            .and_then(|r| memchr::memmem::find(r, b"\r\n--"))
        else {
            continue;
        };
        if value_len > 0 && value_len <= 4096 {
            out.push(Field {
                kind_hint: None,
                label: None,
                key: key_start..key_start + key_len,
                parent: None,
                value: blank..blank + value_len,
                syntax: Syntax::KeyValue { quote: None },
            });
        }
    }
}

// ---------------------------------------------------------------- CSV

fn csv_fields(b: &[u8], out: &mut Vec<Field>) {
    let Some(first_nl) = memchr::memchr(b'\n', b) else {
        return;
    };
    let header_line = 0..first_nl;
    let header = b.get(header_line.clone()).unwrap_or_default();
    let header = header.strip_suffix(b"\r").unwrap_or(header);
    let Some(delim) = [b',', b';', b'\t', b'|']
        .into_iter()
        .max_by_key(|&d| memchr::memchr_iter(d, header).count())
    else {
        return;
    };
    let header_cells = split_csv(header, delim, 0);
    let is_header = header_cells.len() >= 2
        && header_cells.iter().all(|(r, quoted)| {
            let cell = header.get(r.clone()).unwrap_or_default();
            !quoted
                && !cell.is_empty()
                && cell.len() <= 40
                && cell.first().is_some_and(u8::is_ascii_alphabetic)
                && cell
                    .iter()
                    .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b' ' | b'-' | b'.'))
        });
    if !is_header {
        headerless_table(b, delim, out);
        return;
    }
    if header_cells.len() < 2
        || !header_cells.iter().all(|(r, _)| {
            let cell = header.get(r.clone()).unwrap_or_default();
            !cell.is_empty()
                && cell.len() <= 40
                && cell.first().is_some_and(u8::is_ascii_alphabetic)
                && cell
                    .iter()
                    .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b' ' | b'-' | b'.'))
        })
    {
        return;
    }
    let mut line_start = first_nl + 1;
    let mut cells = Vec::new();
    while line_start < b.len() && out.len() < MAX_FIELDS {
        let nl = b
            .get(line_start..)
            .and_then(|r| memchr::memchr(b'\n', r))
            .map_or(b.len(), |p| line_start + p);
        let line = b.get(line_start..nl).unwrap_or_default();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        cells.clear();
        if split_csv_into(line, delim, line_start, &mut cells) == header_cells.len() {
            for ((key, _), (value, quoted)) in header_cells.iter().zip(cells.drain(..)) {
                if !value.is_empty() {
                    out.push(Field {
                        kind_hint: None,
                        label: None,
                        key: key.clone(),
                        parent: None,
                        value,
                        syntax: Syntax::Csv { quoted },
                    });
                }
            }
        }
        line_start = nl + 1;
    }
}

/// Share of a column's cells that must pass a check for the column to get that kind.
const COLUMN_QUORUM: f64 = 0.6;

/// A delimited table without a header row (a flow sampled mid-stream): infers each column's kind
/// from its cells, but only in tables of person records (a column of e-mail addresses).
fn headerless_table(b: &[u8], delim: u8, out: &mut Vec<Field>) {
    // A table is read only with a column of e-mail addresses (below): with no `@` in the
    // payload there is none, and no line needs splitting.
    if memchr::memchr(b'@', b).is_none() {
        return;
    }
    // The cells of all lines in one buffer; each row is a range of it.
    let mut cells: Vec<Cell> = Vec::new();
    let mut rows: Vec<Range<usize>> = Vec::new();
    let mut line_start = 0;
    while line_start < b.len() && rows.len() < 1024 {
        let nl = b
            .get(line_start..)
            .and_then(|r| memchr::memchr(b'\n', r))
            .map_or(b.len(), |p| line_start + p);
        let line = b.get(line_start..nl).unwrap_or_default();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let first = cells.len();
        if split_csv_into(line, delim, line_start, &mut cells) >= 3 {
            rows.push(first..cells.len());
        } else {
            cells.truncate(first);
        }
        line_start = nl + 1;
    }
    let Some(width) = rows.first().map(ExactSizeIterator::len) else {
        return;
    };
    rows.retain(|r| r.len() == width);
    if rows.len() < 2 {
        return;
    }
    let cell = |r: &Range<usize>| b.get(r.clone()).unwrap_or_default();
    let row_cells = |row: &Range<usize>| cells.get(row.clone()).unwrap_or_default();
    // Column kinds are inferred from the first rows (each check may run a phone validation).
    let sample = rows.get(..rows.len().min(64)).unwrap_or_default();
    let column = |j: usize| sample.iter().filter_map(move |row| row_cells(row).get(j));
    let share = |j: usize, check: &dyn Fn(&[u8]) -> bool| {
        let pass = column(j).filter(|(r, _)| check(cell(r))).count();
        #[expect(clippy::cast_precision_loss, reason = "row counts are small")]
        let ratio = pass as f64 / sample.len() as f64;
        ratio
    };
    // A column of e-mail addresses (the delimiters are no address bytes, so a cell's address
    // is the payload's too: the quiet check relies on it).
    let is_email = |c: &[u8]| {
        !c.contains(&b' ')
            && memchr::memchr(b'@', c).is_some_and(|at| email::email_at(c, at).is_some())
    };
    let has_emails = (0..width).any(|j| share(j, &is_email) >= COLUMN_QUORUM);
    if !has_emails {
        return;
    }
    // Birth dates: the date column whose median year is oldest, and before 2000 (adults).
    let mut dob_column: Option<(usize, u32)> = None;
    let mut kinds: Vec<Option<FieldKind>> = vec![None; width];
    for (j, kind) in kinds.iter_mut().enumerate() {
        if share(j, &|c| names::name_shape(c, 2, 3)) >= COLUMN_QUORUM {
            *kind = Some(FieldKind::FullName);
        } else if share(j, &dates::is_birth_date) >= COLUMN_QUORUM {
            let mut years: Vec<u32> = column(j)
                .filter_map(|(r, _)| dates::year_of(cell(r)))
                .collect();
            years.sort_unstable();
            if let Some(&median) = years.get(years.len() / 2)
                && median < 2000
                && dob_column.is_none_or(|(_, y)| median < y)
            {
                dob_column = Some((j, median));
            }
        } else if share(j, &|c| national_id::identify(c, None).is_some()) >= COLUMN_QUORUM {
            *kind = Some(FieldKind::NationalId);
        } else if share(j, &|c| {
            network::ipv4_len(c).is_none()
                && phone::valid_phone(c, phone::DEFAULT_REGIONS).is_some()
        }) >= COLUMN_QUORUM
        {
            *kind = Some(FieldKind::Phone);
        } else if share(j, &|c| {
            names::address_shape(c) && c.iter().filter(|b| b.is_ascii_alphabetic()).count() >= 6
        }) >= COLUMN_QUORUM
        {
            *kind = Some(FieldKind::Address);
        }
    }
    if let Some((j, _)) = dob_column
        && let Some(k) = kinds.get_mut(j)
    {
        *k = Some(FieldKind::DateOfBirth);
    }
    for row in &rows {
        for ((value, quoted), kind) in row_cells(row).iter().zip(&kinds) {
            if let Some(kind) = kind
                && !value.is_empty()
            {
                out.push(Field {
                    kind_hint: Some(*kind),
                    label: None,
                    key: 0..0,
                    parent: None,
                    value: value.clone(),
                    syntax: Syntax::Csv { quoted: *quoted },
                });
            }
        }
    }
}

/// One CSV cell: the range of its content without quotes, and whether it was quoted.
type Cell = (Range<usize>, bool);

/// Cells of one CSV line.
fn split_csv(line: &[u8], delim: u8, base: usize) -> Vec<Cell> {
    let mut cells = Vec::new();
    split_csv_into(line, delim, base, &mut cells);
    cells
}

/// Appends the cells of one CSV line to `cells` (at most 256); returns how many, 0 (and
/// nothing appended) for a malformed line. Lets a table's lines share one buffer.
fn split_csv_into(line: &[u8], delim: u8, base: usize, cells: &mut Vec<Cell>) -> usize {
    let first = cells.len();
    let mut i = 0;
    while i <= line.len() && cells.len() - first < 256 {
        if line.get(i) == Some(&b'"') {
            let Some(end) = quoted_end(line, i + 1, b'"') else {
                cells.truncate(first);
                return 0;
            };
            cells.push((base + i + 1..base + end, true));
            i = end + 1;
            if i < line.len() && line.get(i) != Some(&delim) {
                cells.truncate(first);
                return 0;
            }
            i += 1;
        } else {
            let len = line
                .get(i..)
                .map_or(0, |r| memchr::memchr(delim, r).unwrap_or(r.len()));
            cells.push((base + i..base + i + len, false));
            i += len + 1;
        }
    }
    cells.len() - first
}

// ---------------------------------------------------------------- SQL

fn sql_inserts(b: &[u8], out: &mut Vec<Field>) {
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"INSERT INTO"));
    for at in FINDER.find_iter(b) {
        let Some(open) = b
            .get(at..)
            .and_then(|r| r.iter().take(200).position(|&c| c == b'('))
            .map(|p| at + p)
        else {
            continue;
        };
        let Some(close) = b
            .get(open..)
            .and_then(|r| memchr::memchr(b')', r))
            .map(|p| open + p)
        else {
            continue;
        };
        let columns: Vec<Range<usize>> = split_sql_list(b, open + 1, close)
            .into_iter()
            .map(|(r, _)| {
                let text = b.get(r.clone()).unwrap_or_default();
                let lead = text
                    .iter()
                    .take_while(|c| matches!(c, b' ' | b'`' | b'"'))
                    .count();
                let trail = text
                    .iter()
                    .rev()
                    .take_while(|c| matches!(c, b' ' | b'`' | b'"'))
                    .count();
                r.start + lead..r.end.saturating_sub(trail).max(r.start + lead)
            })
            .collect();
        let rest = b.get(close..).unwrap_or_default();
        let Some(values_at) = memchr::memmem::find(
            rest.get(..rest.len().min(64)).unwrap_or_default(),
            b"VALUES",
        )
        .map(|p| close + p) else {
            continue;
        };
        let mut pos = values_at + 6;
        while let Some(open) = b
            .get(pos..)
            .and_then(|r| r.iter().take(8).position(|&c| c == b'('))
            .map(|p| pos + p)
        {
            let values = split_sql_list(b, open + 1, b.len());
            let Some(last) = values.last() else { break };
            let end = last.0.end + usize::from(last.1);
            for (col, (value, quoted)) in columns.iter().zip(values.iter()) {
                if !value.is_empty() {
                    out.push(Field {
                        kind_hint: None,
                        label: None,
                        key: col.clone(),
                        parent: None,
                        value: value.clone(),
                        syntax: Syntax::KeyValue {
                            quote: quoted.then_some(b'\''),
                        },
                    });
                }
            }
            pos = end + 1;
            if out.len() >= MAX_FIELDS {
                return;
            }
        }
    }
}

/// Items of a SQL list starting at `from`, until the closing `)`: (content range, quoted).
fn split_sql_list(b: &[u8], from: usize, limit: usize) -> Vec<(Range<usize>, bool)> {
    let mut items = Vec::new();
    let mut i = from;
    while i < limit && items.len() < 256 {
        while b.get(i) == Some(&b' ') {
            i += 1;
        }
        if b.get(i) == Some(&b'\'') {
            let Some(end) = quoted_end(b, i + 1, b'\'') else {
                break;
            };
            items.push((i + 1..end, true));
            i = end + 1;
        } else {
            let len = b.get(i..limit).map_or(0, |r| {
                r.iter().take_while(|&&c| c != b',' && c != b')').count()
            });
            items.push((i..i + len, false));
            i += len;
        }
        while b.get(i) == Some(&b' ') {
            i += 1;
        }
        match b.get(i) {
            Some(b',') => i += 1,
            _ => break,
        }
    }
    items
}

// ---------------------------------------------------------------- Redis RESP

/// Redis's protocol (RESP): the commands a client sends (arrays of bulk strings), and the
/// server's replies that pair field names with values: a RESP2 array of an even count of bulk
/// strings whose every other one, from the first, is shaped as a field name (`HGETALL`,
/// `XRANGE` entries, `CONFIG GET`), and a RESP3 map (`%`, the same replies to a client that said
/// `HELLO 3`, as Lettuce and redis-py 5 do). Replies are read from the buffer's first byte on,
/// as a segment of a Redis connection starts with one.
fn resp_fields(b: &[u8], out: &mut Vec<Field>) {
    let mut pos = 0;
    while out.len() < MAX_FIELDS {
        let next = match b.get(pos) {
            Some(b'*') => {
                let Some((items, next)) = resp_array(b, pos) else {
                    return;
                };
                let all_bulk =
                    resp_number(b, pos + 1).is_some_and(|(count, _)| count == items.len());
                if !redis_command(b, &items, Syntax::Raw, out) && all_bulk {
                    resp_reply_pairs(b, &items, out);
                }
                next
            }
            Some(b'%') => {
                let Some((items, next)) = resp_map(b, pos) else {
                    return;
                };
                resp_reply_pairs(b, &items, out);
                next
            }
            _ => break,
        };
        pos = next;
    }
    if !matches!(b.first(), Some(b'*' | b'%')) {
        redis_inline(b, out);
    }
}

/// Pairs of a reply's items (`[name, value, name, value...]`) as fields, when there is an even
/// count of them and every name is shaped as one: 1 to 64 ASCII letters, digits and `_ - . :`,
/// opening with a letter or `_`. A list of values (`LRANGE`, `SMEMBERS`) rarely has that shape,
/// and a value read under a name that is none is judged by nothing.
fn resp_reply_pairs(b: &[u8], items: &[Range<usize>], out: &mut Vec<Field>) {
    let is_name = |r: &Range<usize>| {
        b.get(r.clone()).is_some_and(|name| {
            (1..=64).contains(&name.len())
                && (name[0].is_ascii_alphabetic() || name[0] == b'_')
                && name
                    .iter()
                    .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b':'))
        })
    };
    if items.is_empty() || !items.len().is_multiple_of(2) || !items.iter().step_by(2).all(is_name) {
        return;
    }
    for pair in items.chunks(2) {
        if let [key, value] = pair
            && !value.is_empty()
        {
            out.push(Field {
                kind_hint: None,
                label: None,
                key: key.clone(),
                parent: None,
                value: value.clone(),
                syntax: Syntax::Raw,
            });
        }
    }
}

/// One RESP3 map at `pos` whose keys are strings (bulk `$` or simple `+`): their ranges in
/// order (key, value, key, value...; a value that is no string, such as a number or a nested
/// array, as an empty range) and the position after it.
fn resp_map(b: &[u8], pos: usize) -> Option<(Vec<Range<usize>>, usize)> {
    let (pairs, mut i) = resp_number(b, pos + 1)?;
    let mut items = Vec::new();
    for k in 0..pairs.min(512) * 2 {
        if let Some((string, next)) = resp_string(b, i) {
            items.push(string);
            i = next;
        } else if k % 2 == 1 {
            i = resp_skip(b, i, 0)?;
            items.push(i..i);
        } else {
            return None;
        }
    }
    Some((items, i))
}

/// A RESP string at `i` (bulk `$` or simple `+`): its range and the position after it.
fn resp_string(b: &[u8], i: usize) -> Option<(Range<usize>, usize)> {
    match b.get(i)? {
        b'$' => {
            let (len, start) = resp_number(b, i + 1)?;
            let end = start.checked_add(len)?;
            (b.get(end..end + 2)? == b"\r\n").then_some((start..end, end + 2))
        }
        b'+' => {
            let end = i + 1 + memchr::memchr(b'\r', b.get(i + 1..)?)?;
            (b.get(end + 1) == Some(&b'\n')).then_some((i + 1..end, end + 2))
        }
        _ => None,
    }
}

/// The position after the RESP value at `i`, nested at most 8 deep: strings, numbers, null,
/// booleans and doubles, and arrays, sets, pushes and maps of them.
fn resp_skip(b: &[u8], i: usize, depth: usize) -> Option<usize> {
    if let Some((_, next)) = resp_string(b, i) {
        return Some(next);
    }
    match b.get(i)? {
        b':' | b'_' | b'#' | b',' | b'(' => {
            let end = i + memchr::memchr(b'\n', b.get(i..)?)?;
            Some(end + 1)
        }
        kind @ (b'*' | b'~' | b'>' | b'%') if depth < 8 => {
            let (count, mut next) = resp_number(b, i + 1)?;
            let elements = if *kind == b'%' {
                count.checked_mul(2)?
            } else {
                count
            };
            for _ in 0..elements.min(1024) {
                next = resp_skip(b, next, depth + 1)?;
            }
            (elements <= 1024).then_some(next)
        }
        _ => None,
    }
}

/// Redis commands written as text: inline commands (`HSET user:1 name "Anna B"`) and
/// `MONITOR` lines (`1700000000.1 [0 10.0.0.1:5000] "HSET" "user:1" ...`), with quoted
/// arguments and backslash escapes.
fn redis_inline(b: &[u8], out: &mut Vec<Field>) {
    for line in line_spans(b) {
        let Some(text) = b.get(line.clone()) else {
            continue;
        };
        // MONITOR lines: the command follows "] ".
        let offset = MONITOR_COMMAND_OPENING
            .find(text.get(..text.len().min(80)).unwrap_or_default())
            .map_or(0, |p| p + 2);
        let mut items = Vec::new();
        let mut i = offset;
        let mut quoted_args = false;
        while i < text.len() && items.len() < 256 {
            while text.get(i) == Some(&b' ') {
                i += 1;
            }
            // A line is read on only when it opens with a command whose arguments are fields:
            // most lines of a payload are no Redis command at all, and their first word is
            // read no further than the longest command name.
            let longest = if items.is_empty() {
                RedisCommand::LONGEST_NAME + 1
            } else {
                usize::MAX
            };
            let Some((item, next, quoted)) = inline_item(text, i, longest) else {
                break;
            };
            if items.is_empty() && text.get(item.clone()).and_then(RedisCommand::of).is_none() {
                break;
            }
            items.push(line.start + item.start..line.start + item.end);
            quoted_args |= quoted;
            i = next;
        }
        if items.len() >= 3 {
            let syntax = if quoted_args {
                Syntax::KeyValue { quote: Some(b'"') }
            } else {
                Syntax::Raw
            };
            let _ = redis_command(b, &items, syntax, out);
        }
        if out.len() >= MAX_FIELDS {
            return;
        }
    }
}

/// `"] "` before the command of a `MONITOR` line.
static MONITOR_COMMAND_OPENING: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new(b"] \""));

/// The inline item of a Redis command line starting at `text[i]` (a quoted argument or a word
/// of at most `limit` bytes): its range in `text`, where the next one may start, and whether it
/// was quoted.
fn inline_item(text: &[u8], i: usize, limit: usize) -> Option<(Range<usize>, usize, bool)> {
    match text.get(i) {
        None | Some(b'\r') => None,
        Some(b'"') => {
            let end = quoted_end(text, i + 1, b'"')?;
            Some((i + 1..end, end + 1, true))
        }
        Some(_) => {
            let len = text.get(i..).map_or(0, |r| {
                r.iter()
                    .take(limit)
                    .take_while(|&&c| c != b' ' && c != b'\r')
                    .count()
            });
            Some((i..i + len, i + len, false))
        }
    }
}

/// The Redis commands whose arguments are fields, by what their arguments hold.
#[derive(Clone, Copy)]
enum RedisCommand {
    /// `HSET key field value...`: fields under the key.
    Hash,
    /// `XADD key id field value...`: fields under the key, after the entry ID.
    Stream,
    /// `GEOADD key lon lat member...`: coordinates by position.
    Geo,
    /// `SET key value` and the like: the value under the key.
    Value,
}

/// The commands by name.
const REDIS_COMMANDS: [(&[u8], RedisCommand); 14] = [
    (b"HSET", RedisCommand::Hash),
    (b"HMSET", RedisCommand::Hash),
    (b"HSETNX", RedisCommand::Hash),
    (b"XADD", RedisCommand::Stream),
    (b"GEOADD", RedisCommand::Geo),
    (b"SET", RedisCommand::Value),
    (b"SETEX", RedisCommand::Value),
    (b"SETNX", RedisCommand::Value),
    (b"PUBLISH", RedisCommand::Value),
    (b"LPUSH", RedisCommand::Value),
    (b"RPUSH", RedisCommand::Value),
    (b"SADD", RedisCommand::Value),
    (b"APPEND", RedisCommand::Value),
    (b"GETSET", RedisCommand::Value),
];

/// Redis commands whose arguments get a field kind by position, without a field name: the quiet
/// check looks for their names as it looks for field names.
pub(crate) fn kind_by_position_commands() -> impl Iterator<Item = &'static [u8]> {
    REDIS_COMMANDS
        .iter()
        .filter(|(_, command)| matches!(command, RedisCommand::Geo))
        .map(|&(name, _)| name)
}

impl RedisCommand {
    /// Length of the longest command name.
    const LONGEST_NAME: usize = {
        let mut longest = 0;
        let mut k = 0;
        while k < REDIS_COMMANDS.len() {
            if REDIS_COMMANDS[k].0.len() > longest {
                longest = REDIS_COMMANDS[k].0.len();
            }
            k += 1;
        }
        longest
    };

    /// The command named `name` (any case), if its arguments are fields.
    fn of(name: &[u8]) -> Option<Self> {
        REDIS_COMMANDS
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
            .map(|&(_, command)| command)
    }
}

/// Fields of one Redis command given its argument ranges; whether it is a command whose
/// arguments are fields.
fn redis_command(b: &[u8], items: &[Range<usize>], syntax: Syntax, out: &mut Vec<Field>) -> bool {
    let command = items
        .first()
        .and_then(|r| b.get(r.clone()))
        .and_then(RedisCommand::of);
    let Some(command) = command else {
        return false;
    };
    let key = items.get(1).cloned();
    match command {
        RedisCommand::Hash => {
            for pair in items.get(2..).unwrap_or_default().chunks(2) {
                if let [f, v] = pair {
                    out.push(Field {
                        kind_hint: None,
                        label: None,
                        key: f.clone(),
                        parent: key.clone(),
                        value: v.clone(),
                        syntax,
                    });
                }
            }
        }
        RedisCommand::Stream => {
            let start = items
                .iter()
                .skip(2)
                .position(|r| {
                    b.get(r.clone())
                        .is_some_and(|t| t == b"*" || t.contains(&b'-'))
                })
                .map_or(3, |p| p + 3);
            for pair in items.get(start..).unwrap_or_default().chunks(2) {
                if let [f, v] = pair {
                    out.push(Field {
                        kind_hint: None,
                        label: None,
                        key: f.clone(),
                        parent: key.clone(),
                        value: v.clone(),
                        syntax,
                    });
                }
            }
        }
        RedisCommand::Geo => {
            let coords: Vec<&Range<usize>> = items
                .iter()
                .skip(2)
                .filter(|r| {
                    b.get((*r).clone()).is_some_and(|t| {
                        t.iter()
                            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'-'))
                    })
                })
                .collect();
            for pair in coords.chunks(2) {
                if let ([lon, lat], Some(key)) = (pair, key.clone()) {
                    out.push(Field {
                        kind_hint: Some(FieldKind::Coordinates),
                        label: None,
                        key,
                        parent: None,
                        value: lon.start..lat.end,
                        syntax: Syntax::GeoPair,
                    });
                }
            }
        }
        RedisCommand::Value => {
            if let (Some(key), Some(value)) = (key, items.last()) {
                out.push(Field {
                    kind_hint: None,
                    label: None,
                    key,
                    parent: None,
                    value: value.clone(),
                    syntax,
                });
            }
        }
    }
    true
}

/// One RESP array of bulk strings at `pos`: item ranges and the position after it.
fn resp_array(b: &[u8], pos: usize) -> Option<(Vec<Range<usize>>, usize)> {
    let (count, mut i) = resp_number(b, pos + 1)?;
    let mut items = Vec::new();
    for _ in 0..count.min(1024) {
        match b.get(i)? {
            b'$' => {
                let (len, start) = resp_number(b, i + 1)?;
                let end = start.checked_add(len)?;
                b.get(start..end)?;
                items.push(start..end);
                i = end + 2;
            }
            b':' | b'+' => {
                let (_, next) = resp_number(b, i + 1)
                    .or_else(|| Some((0, i + 1 + memchr::memchr(b'\n', b.get(i..)?)?)))?;
                i = next;
            }
            _ => return None,
        }
    }
    Some((items, i))
}

fn resp_number(b: &[u8], pos: usize) -> Option<(usize, usize)> {
    let digits = b
        .get(pos..)?
        .iter()
        .take(10)
        .take_while(|c| c.is_ascii_digit())
        .count();
    let n: usize = std::str::from_utf8(b.get(pos..pos + digits)?)
        .ok()?
        .parse()
        .ok()?;
    if b.get(pos + digits..pos + digits + 2)? != b"\r\n" {
        return None;
    }
    Some((n, pos + digits + 2))
}

// ---------------------------------------------------------------- XML

fn xml_fields(b: &[u8], out: &mut Vec<Field>) {
    for lt in memchr::memchr_iter(b'<', b) {
        if out.len() >= MAX_FIELDS {
            return;
        }
        let name_len = b.get(lt + 1..).map_or(0, |r| {
            r.iter()
                .take(64)
                .take_while(|&&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b':'))
                .count()
        });
        if name_len == 0 || !b.get(lt + 1).is_some_and(u8::is_ascii_alphabetic) {
            continue;
        }
        let Some(gt) = b
            .get(lt..)
            .and_then(|r| r.iter().take(512).position(|&c| c == b'>'))
            .map(|p| lt + p)
        else {
            continue;
        };
        if b.get(gt.wrapping_sub(1)) == Some(&b'/') {
            continue;
        }
        let content_start = gt + 1;
        let Some(close) = b
            .get(content_start..)
            .and_then(|r| r.iter().take(1024).position(|&c| c == b'<'))
            .map(|p| content_start + p)
        else {
            continue;
        };
        let name = lt + 1..lt + 1 + name_len;
        if b.get(close + 1) == Some(&b'/')
            && b.get(close + 2..close + 2 + name_len) == b.get(name.clone())
            && close > content_start
        {
            out.push(Field {
                kind_hint: None,
                label: None,
                key: name,
                parent: None,
                value: content_start..close,
                syntax: Syntax::Xml,
            });
        }
    }
}

// ---------------------------------------------------------------- msgpack

/// A msgpack string header at `b[at]`: (content start, content length).
fn msgpack_str(b: &[u8], at: usize) -> Option<(usize, usize)> {
    match *b.get(at)? {
        h @ 0xa0..=0xbf => Some((at + 1, usize::from(h & 0x1f))),
        0xd9 => Some((at + 2, usize::from(*b.get(at + 1)?))),
        0xda => Some((
            at + 3,
            usize::from(u16::from_be_bytes([*b.get(at + 1)?, *b.get(at + 2)?])),
        )),
        _ => None,
    }
}

/// Position of the first byte of `r` in `headers` (a range of bytes of 0x80 and above: msgpack
/// and CBOR headers), eight bytes at a time while they are all ASCII, as most M2M text is.
fn next_binary_header(r: &[u8], headers: std::ops::RangeInclusive<u8>) -> Option<usize> {
    let is_header = |h: &u8| headers.contains(h);
    let mut at = 0;
    let mut chunks = r.chunks_exact(8);
    for chunk in chunks.by_ref() {
        let word = u64::from_ne_bytes(chunk.try_into().unwrap_or([0; 8]));
        if word & 0x8080_8080_8080_8080 != 0
            && let Some(p) = chunk.iter().position(is_header)
        {
            return Some(at + p);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(is_header)
        .map(|p| at + p)
}

/// Whether a binary map's text key is an identifier (`device_id`, `user.email`), as field names
/// are: most chance bytes that look like a key header are followed by none.
fn is_binary_key(key: &[u8]) -> bool {
    key.first().is_some_and(u8::is_ascii_alphabetic)
        && key
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
}

/// `str key -> str value` pairs of msgpack maps: a short identifier string followed directly by
/// a string value.
fn msgpack_fields(b: &[u8], out: &mut Vec<Field>) {
    let mut i = 0;
    while i < b.len() && out.len() < MAX_FIELDS {
        // Skip to the next fixstr header of 2 to 31 bytes, a key's (ASCII text has none).
        let Some(skip) = b.get(i..).and_then(|r| next_binary_header(r, 0xa2..=0xbf)) else {
            break;
        };
        i += skip;
        let Some(&h) = b.get(i) else { break };
        let key_len = usize::from(h & 0x1f);
        let key = i + 1..i + 1 + key_len;
        if !b.get(key.clone()).is_some_and(is_binary_key) {
            i += 1;
            continue;
        }
        if let Some((start, len)) = msgpack_str(b, key.end)
            && len > 0
            && let Some(value) = b.get(start..start + len)
            && std::str::from_utf8(value).is_ok()
        {
            out.push(Field {
                kind_hint: None,
                label: None,
                key,
                parent: None,
                value: start..start + len,
                syntax: Syntax::Raw,
            });
            i = start + len;
            continue;
        }
        i += 1;
    }
}

// ---------------------------------------------------------------- HL7 v2

/// Segments of HL7 v2 messages (hospital systems, lab devices, MLLP over TCP) that carry a
/// person's data, each field with its position, name and kind (HL7 v2.5, chapters 3 and 6).
/// Names are `family^given^middle` (XPN): the family name and the given names are fields of
/// their own. Addresses (XAD) give their street; phone numbers (XTN) their first component, the
/// number as written; timestamps (TS) their date.
const HL7_SEGMENTS: [(&[u8; 3], Hl7Positions); 6] = [
    // `MSH-1` is the field separator itself: `MSH-17` is the 16th field after the ID.
    (b"MSH", &[(16, COUNTRY_CODE, Hl7Value::Country)]),
    (
        b"PID",
        &[
            (5, "PID-5 patient name", Hl7Value::Name),
            (6, "PID-6 mother's maiden name", Hl7Value::Name),
            (7, "PID-7 date of birth", Hl7Value::Date),
            (11, "PID-11 patient address", Hl7Value::Address),
            (13, "PID-13 home phone", Hl7Value::Phone),
            (14, "PID-14 business phone", Hl7Value::Phone),
            (19, "PID-19 SSN", Hl7Value::NationalId),
        ],
    ),
    (
        b"NK1",
        &[
            (2, "NK1-2 next of kin name", Hl7Value::Name),
            (4, "NK1-4 next of kin address", Hl7Value::Address),
            (5, "NK1-5 next of kin phone", Hl7Value::Phone),
            (6, "NK1-6 next of kin business phone", Hl7Value::Phone),
        ],
    ),
    (
        b"GT1",
        &[
            (3, "GT1-3 guarantor name", Hl7Value::Name),
            (5, "GT1-5 guarantor address", Hl7Value::Address),
            (6, "GT1-6 guarantor home phone", Hl7Value::Phone),
            (7, "GT1-7 guarantor business phone", Hl7Value::Phone),
            (8, "GT1-8 guarantor date of birth", Hl7Value::Date),
            (12, "GT1-12 guarantor SSN", Hl7Value::NationalId),
        ],
    ),
    // A visit's doctors (XCN: an ID before the name).
    (
        b"PV1",
        &[
            (7, "PV1-7 attending doctor", Hl7Value::Staff),
            (8, "PV1-8 referring doctor", Hl7Value::Staff),
            (9, "PV1-9 consulting doctor", Hl7Value::Staff),
            (17, "PV1-17 admitting doctor", Hl7Value::Staff),
        ],
    ),
    (
        b"IN1",
        &[
            (16, "IN1-16 name of insured", Hl7Value::Name),
            (18, "IN1-18 insured's date of birth", Hl7Value::Date),
            (19, "IN1-19 insured's address", Hl7Value::Address),
        ],
    ),
];

/// The label of a positional format's country field (HL7's `MSH-17` and addresses, X12's `N404`,
/// EDIFACT's `NAD`): ISO 3166 alpha-3 or alpha-2, which tells the engine the region of
/// national-format phone numbers.
pub(crate) const COUNTRY_CODE: &str = "country code";

/// ISO 3166 alpha-2 of an alpha-3 country code, for the regions with numbering plans the
/// engine meets most (EU, EEA, the UK, Switzerland, North America, Australia).
pub(crate) fn alpha2_of(alpha3: &[u8]) -> Option<&'static str> {
    const CODES: [(&[u8; 3], &str); 38] = [
        (b"AUT", "AT"),
        (b"BEL", "BE"),
        (b"BGR", "BG"),
        (b"HRV", "HR"),
        (b"CYP", "CY"),
        (b"CZE", "CZ"),
        (b"DNK", "DK"),
        (b"EST", "EE"),
        (b"FIN", "FI"),
        (b"FRA", "FR"),
        (b"DEU", "DE"),
        (b"GRC", "GR"),
        (b"HUN", "HU"),
        (b"IRL", "IE"),
        (b"ITA", "IT"),
        (b"LVA", "LV"),
        (b"LTU", "LT"),
        (b"LUX", "LU"),
        (b"MLT", "MT"),
        (b"NLD", "NL"),
        (b"POL", "PL"),
        (b"PRT", "PT"),
        (b"ROU", "RO"),
        (b"SVK", "SK"),
        (b"SVN", "SI"),
        (b"ESP", "ES"),
        (b"SWE", "SE"),
        (b"ISL", "IS"),
        (b"LIE", "LI"),
        (b"NOR", "NO"),
        (b"GBR", "GB"),
        (b"CHE", "CH"),
        (b"USA", "US"),
        (b"CAN", "CA"),
        (b"AUS", "AU"),
        (b"NZL", "NZ"),
        (b"MEX", "MX"),
        (b"BRA", "BR"),
    ];
    CODES
        .iter()
        .find(|(code, _)| code.eq_ignore_ascii_case(alpha3))
        .map(|(_, alpha2)| *alpha2)
}

/// A segment's fields that hold a person's data: position, name, what it holds.
type Hl7Positions = &'static [(usize, &'static str, Hl7Value)];

/// What an HL7 field holds, which decides the components read.
#[derive(Clone, Copy)]
enum Hl7Value {
    Name,
    /// A person with an ID first (XCN: `1234^Smith^John`), as staff are named.
    Staff,
    Date,
    Address,
    Phone,
    NationalId,
    /// ISO 3166 alpha-3.
    Country,
}

/// HL7 v2 segments (see [`HL7_SEGMENTS`]): a segment starts the buffer or a line (segments end
/// in `\r`; `\n` and MLLP's `0x0b` start byte are taken too) with its three-letter ID and `|`.
/// Components are split at the separators the message's `MSH` header declares (`^~\&` when
/// there is none, as in a sample that starts mid-message).
fn hl7_fields(b: &[u8], out: &mut Vec<Field>) {
    if !has_hl7_segments(b) {
        return;
    }
    let [component, repetition, escape, subcomponent] = memchr::memmem::find(b, b"MSH|")
        .and_then(|at| b.get(at + 4..at + 8))
        .and_then(|chars| <[u8; 4]>::try_from(chars).ok())
        .unwrap_or(*b"^~\\&");
    let mut line_start = 0;
    for end in memchr::memchr3_iter(b'\r', b'\n', 0x0b, b).chain(std::iter::once(b.len())) {
        let line = b.get(line_start..end).unwrap_or_default();
        let segment_start = line_start;
        line_start = end + 1;
        let Some((_, positions)) = HL7_SEGMENTS.iter().find(|(id, _)| {
            line.get(..4)
                .is_some_and(|head| head[..3] == id[..] && head[3] == b'|')
        }) else {
            continue;
        };
        let mut start = 0;
        for (index, field) in line.split(|&c| c == b'|').enumerate() {
            let field_start = segment_start + start;
            start += field.len() + 1;
            let Some((_, label, value)) = positions.iter().find(|(at, ..)| *at == index) else {
                continue;
            };
            // The first repetition; its components up to their first subcomponent.
            let first = field.split(|&c| c == repetition).next().unwrap_or_default();
            let components: Vec<Range<usize>> = {
                let mut at = field_start;
                first
                    .split(|&c| c == component)
                    .map(|c| {
                        let whole = at..at + c.len();
                        at += c.len() + 1;
                        let cut = c.iter().position(|&x| x == subcomponent).unwrap_or(c.len());
                        whole.start..whole.start + cut
                    })
                    .collect()
            };
            let picked: &[(usize, FieldKind)] = match value {
                Hl7Value::Name => &[
                    (0, FieldKind::LastName),
                    (1, FieldKind::FirstName),
                    (2, FieldKind::FirstName),
                ],
                Hl7Value::Staff => &[
                    (1, FieldKind::LastName),
                    (2, FieldKind::FirstName),
                    (3, FieldKind::FirstName),
                ],
                Hl7Value::Date => &[(0, FieldKind::DateOfBirth)],
                // The street, and the country for the numbers' region.
                Hl7Value::Address => &[(0, FieldKind::Address), (5, FieldKind::Other)],
                Hl7Value::Phone => &[(0, FieldKind::Phone)],
                Hl7Value::NationalId => &[(0, FieldKind::NationalId)],
                Hl7Value::Country => &[(0, FieldKind::Other)],
            };
            for &(i, kind) in picked {
                let Some(mut span) = components.get(i).cloned() else {
                    continue;
                };
                // A timestamp's date: `YYYYMMDD` before the time of day.
                if matches!(value, Hl7Value::Date) && span.len() > 8 {
                    span.end = span.start + 8;
                }
                if !span.is_empty() {
                    out.push(Field {
                        key: 0..0,
                        kind_hint: Some(kind),
                        label: Some(if kind == FieldKind::Other {
                            COUNTRY_CODE
                        } else {
                            label
                        }),
                        parent: None,
                        value: span,
                        syntax: Syntax::Hl7 { escape },
                    });
                }
            }
        }
    }
}

/// Whether `b` may hold one of the HL7 segments [`hl7_fields`] reads (its ID and `|`
/// anywhere).
pub(crate) fn has_hl7_segments(b: &[u8]) -> bool {
    memchr::memchr_iter(b'|', b).any(|bar| hl7_id_before(b, bar))
}

/// Whether the three bytes before `bar` are the ID of a segment [`hl7_fields`] reads.
fn hl7_id_before(b: &[u8], bar: usize) -> bool {
    bar.checked_sub(3)
        .and_then(|start| b.get(start..bar))
        .is_some_and(|id| HL7_SEGMENTS.iter().any(|(segment, _)| id == &segment[..]))
}

/// Whether `b` may hold an HL7 segment [`hl7_fields`] reads or holds an LDAP attribute
/// [`ldap_fields`] reads, in one pass: the quiet check sends such payloads to the full scan, as
/// positions, codes (`cn`) or names glued to BER tags (`mail1`), not words, say what their
/// fields hold. (X12 and EDIFACT segments it finds in its block walk: [`opens_edi_segment`].)
pub(crate) fn has_positional_or_ber_fields(b: &[u8]) -> bool {
    memchr::memchr2_iter(b'|', 0x04, b).any(|at| {
        if b.get(at) == Some(&0x04) {
            ldap_attribute(b, at).is_some()
        } else {
            hl7_id_before(b, at)
        }
    })
}

// ---------------------------------------------------------------- vCard

/// vCard contacts (RFC 6350: CardDAV sync, contact exports), whose property names are codes no
/// vocabulary holds (`FN`, `N`, `ADR`, `TEL`, `BDAY`), read only in a payload that declares a
/// vCard (`BEGIN:VCARD`, as the tools that write them spell it). The quiet check sends payloads
/// with the word `vcard` to the full scan (it is in [`crate::keywords::personal_vocabulary`]).
fn vcard_fields(b: &[u8], out: &mut Vec<Field>) {
    /// Built once: every buffer the full scan reads is asked.
    static VCARD: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new("BEGIN:VCARD"));
    // The line that declares it, whole (so the quiet check's word `vcard` is there too).
    let declared = VCARD
        .find_iter(b)
        .any(|at| matches!(b.get(at + "BEGIN:VCARD".len()), None | Some(b'\r' | b'\n')));
    if !declared {
        return;
    }
    for line in unfolded_lines(b) {
        let text = b.get(line.clone()).unwrap_or_default();
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        let Some(colon) = text.iter().take(96).position(|&c| c == b':') else {
            continue;
        };
        // `item1.TEL;TYPE=cell:...`: a group before the name, parameters after it.
        let head = text.get(..colon).unwrap_or_default();
        let name_end = head.iter().position(|&c| c == b';').unwrap_or(head.len());
        let name_start = head
            .get(..name_end)
            .and_then(|n| n.iter().rposition(|&c| c == b'.'))
            .map_or(0, |dot| dot + 1);
        let name = head.get(name_start..name_end).unwrap_or_default();
        let value = line.start + colon + 1..line.start + text.len();
        let is = |code: &str| name.eq_ignore_ascii_case(code.as_bytes());
        let mut at = value.start;
        let parts: Vec<Range<usize>> = b
            .get(value.clone())
            .unwrap_or_default()
            .split(|&c| c == b';')
            .map(|c| {
                let part = at..at + c.len();
                at += c.len() + 1;
                part
            })
            .collect();
        let picked: Vec<(Option<Range<usize>>, FieldKind)> = if is("FN") {
            vec![(Some(value), FieldKind::FullName)]
        } else if is("N") {
            // Family; given; additional names; prefixes; suffixes.
            vec![
                (parts.first().cloned(), FieldKind::LastName),
                (parts.get(1).cloned(), FieldKind::FirstName),
                (parts.get(2).cloned(), FieldKind::FirstName),
            ]
        } else if is("ADR") {
            // PO box; extended address; street; locality; region; postal code; country.
            vec![(parts.get(2).cloned(), FieldKind::Address)]
        } else if is("TEL") {
            // vCard 4 writes a URI.
            let uri = b.get(value.start..value.start + 4) == Some(b"tel:");
            vec![(
                Some(value.start + 4 * usize::from(uri)..value.end),
                FieldKind::Phone,
            )]
        } else if is("BDAY") {
            vec![(Some(value), FieldKind::DateOfBirth)]
        } else {
            continue;
        };
        for (part, kind) in picked {
            if let Some(part) = part.filter(|p| !p.is_empty()) {
                out.push(Field {
                    key: line.start + name_start..line.start + name_end,
                    kind_hint: Some(kind),
                    label: None,
                    parent: None,
                    value: part,
                    syntax: Syntax::VCard,
                });
            }
        }
    }
}

/// The logical lines of `b` (RFC 6350, section 3.2): a line that starts with a space or a tab
/// goes on the one before it (a value folded at 75 bytes); each span still holds the folds.
fn unfolded_lines(b: &[u8]) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut lines = line_spans(b).peekable();
    std::iter::from_fn(move || {
        let mut line = lines.next()?;
        while let Some(next) = lines.next_if(|next| matches!(b.get(next.start), Some(b' ' | b'\t')))
        {
            line.end = next.end;
        }
        Some(line)
    })
}

// ---------------------------------------------------------------- LDAP

/// Attributes of LDAP messages (RFC 4511, BER): the entries a directory returns to a search
/// and those a client adds or modifies, sent in clear text on port 389 by many applications.
/// Each `PartialAttribute` is `SEQUENCE { type OCTET STRING, vals SET OF OCTET STRING }`; a
/// value is a field under its attribute's name, kept only when the lengths of the sequence,
/// the set and each value agree. LDAP's person attributes whose names no vocabulary holds take
/// their kind from RFC 4519 (`cn`, `sn`, `displayName`); the others (`mail`,
/// `telephoneNumber`, `postalAddress`, `givenName`...) are classified by name as any field is.
fn ldap_fields(b: &[u8], out: &mut Vec<Field>) {
    for at in memchr::memchr_iter(0x04, b) {
        if let Some(attribute) = ldap_attribute(b, at) {
            let kind_hint = ldap_kind(b.get(attribute.name.clone()).unwrap_or_default());
            out.extend(attribute.values.into_iter().map(|value| Field {
                key: attribute.name.clone(),
                kind_hint,
                label: None,
                parent: None,
                value,
                syntax: Syntax::Raw,
            }));
        }
    }
}

/// Directory entries in LDIF (RFC 2849: LDAP exports and sync feeds), `attribute: value` lines
/// after a `dn:` line. The header-line reader reads them as any `name: value` line; this gives
/// the attributes whose names are codes (`cn`, `sn`) their kind, in a payload with an entry
/// (a line that starts with `dn:`; `dn` is in [`crate::keywords::personal_vocabulary`], so the
/// quiet check sends such payloads to the full scan). Base64 values (`cn:: ...`, `mail:: ...`)
/// are read decoded, under their attribute's name.
fn ldif_fields(b: &[u8], out: &mut Vec<Field>) {
    /// Built once: every buffer the full scan reads is asked.
    static ENTRY: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new("\ndn:"));
    if !b.starts_with(b"dn:") && ENTRY.find(b).is_none() {
        return;
    }
    for line in line_spans(b) {
        let text = b.get(line.clone()).unwrap_or_default();
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        let Some(colon) = text.iter().take(64).position(|&c| c == b':') else {
            continue;
        };
        let name = text.get(..colon).unwrap_or_default();
        let kind = ldap_kind(name);
        // `cn:: ` is base64 (any value that is not plain ASCII: `TcO8bGxlcg==` is `Müller`),
        // read under the attribute's name whatever it is; `cn:< ` a URL.
        let (after, syntax) = match text.get(colon + 1) {
            Some(b':') => (colon + 2, Syntax::Base64),
            Some(b'<') => continue,
            _ if kind.is_some() => (colon + 1, Syntax::Header),
            _ => continue,
        };
        let value_start = after
            + text
                .get(after..)
                .map_or(0, |v| v.iter().take_while(|&&c| c == b' ').count());
        if value_start < text.len() {
            out.push(Field {
                key: line.start..line.start + colon,
                kind_hint: kind,
                label: None,
                parent: None,
                value: line.start + value_start..line.start + text.len(),
                syntax,
            });
        }
    }
}

/// The kind of an LDAP attribute whose name is a code (RFC 4519), compared without options
/// (`cn;lang-de`).
fn ldap_kind(name: &[u8]) -> Option<FieldKind> {
    let base = name.split(|&c| c == b';').next().unwrap_or_default();
    let is = |code: &str| base.eq_ignore_ascii_case(code.as_bytes());
    if is("cn") || is("displayName") || is("commonName") {
        Some(FieldKind::FullName)
    } else if is("sn") || is("surname") {
        Some(FieldKind::LastName)
    } else {
        None
    }
}

/// An LDAP attribute whose type (`0x04`, the OCTET STRING tag) starts at `at`.
struct LdapAttribute {
    name: Range<usize>,
    values: Vec<Range<usize>>,
    /// The tags and lengths around the name and the values.
    framing: Vec<Range<usize>>,
}

/// The tags and lengths of binary framing glued to names and values: LDAP attributes' BER
/// (`0x30` is `0`, `0x31` is `1`, a length may be a letter) and protobuf key/value pairs' (the
/// next field's tag after a value is often a letter: `J` opens an OpenTelemetry span's next
/// attribute). The pattern scan reads the buffer with them blanked, so that `030 1234567`
/// followed by the next attribute's `0x30` stays a number of its own, and `anna@example.com`
/// before `J` an address ending in `com`.
pub(crate) fn binary_framing(b: &[u8]) -> Vec<Range<usize>> {
    memchr::memchr_iter(0x04, b)
        .filter_map(|at| ldap_attribute(b, at))
        .flat_map(|attribute| attribute.framing)
        .chain(protobuf::framing(b))
        .collect()
}

/// Reads the `PartialAttribute` whose type starts at `at`, if the bytes around it are one.
fn ldap_attribute(b: &[u8], at: usize) -> Option<LdapAttribute> {
    /// A BER length in its short form or its long form of one or two bytes: the length and
    /// the bytes it took.
    fn length(b: &[u8], at: usize) -> Option<(usize, usize)> {
        match *b.get(at)? {
            short @ 0..=0x7f => Some((usize::from(short), 1)),
            0x81 => Some((usize::from(*b.get(at + 1)?), 2)),
            0x82 => Some((
                usize::from(u16::from_be_bytes([*b.get(at + 1)?, *b.get(at + 2)?])),
                3,
            )),
            _ => None,
        }
    }
    let name_len = usize::from(*b.get(at + 1)?);
    let name = at + 2..at + 2 + name_len;
    let name_bytes = b.get(name.clone())?;
    if !(1..=64).contains(&name_len)
        || !name_bytes.first()?.is_ascii_alphabetic()
        || !name_bytes
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b';')
    {
        return None;
    }
    // The SET of values right after the name, whole.
    if *b.get(name.end)? != 0x31 {
        return None;
    }
    let (set_len, set_header) = length(b, name.end + 1)?;
    let set = name.end + 1 + set_header..name.end + 1 + set_header + set_len;
    b.get(set.clone())?;
    // The SEQUENCE before the name spans the name and the set exactly.
    let inner = set.end - at;
    let sequence_start = (1..=3).find_map(|header| {
        at.checked_sub(header + 1).filter(|&start| {
            b.get(start) == Some(&0x30) && length(b, start + 1) == Some((inner, header))
        })
    })?;
    let mut framing = vec![sequence_start..name.start, name.end..set.start];
    let mut values = Vec::new();
    let mut i = set.start;
    while i < set.end {
        if *b.get(i)? != 0x04 {
            return None;
        }
        let (len, header) = length(b, i + 1)?;
        let value = i + 1 + header..i + 1 + header + len;
        if value.end > set.end {
            return None;
        }
        framing.push(i..value.start);
        if !value.is_empty() {
            values.push(value.clone());
        }
        i = value.end;
    }
    (!values.is_empty()).then_some(LdapAttribute {
        name,
        values,
        framing,
    })
}

// ---------------------------------------------------------------- PostgreSQL

/// Most columns of a PostgreSQL table (`MaxTupleAttributeNumber`).
const PG_MAX_COLUMNS: usize = 1664;

/// Column names (or values) by position, spans of `b`; `None` where none is read.
type Columns = Vec<Option<Range<usize>>>;

/// PostgreSQL's wire protocol (v3), in clear text wherever a client does not require TLS
/// (`sslmode` below `require`, the default `prefer` against a server without a certificate):
/// - result rows: a `RowDescription` names the columns of the `DataRow`s after it, so each
///   value is a field under its column's name;
/// - bound parameters: the statement of a `Parse` (`INSERT INTO t (a, b) VALUES ($1, $2)`,
///   `WHERE email = $1`) names the parameters of the `Bind` after it, as drivers send the two
///   together for a query with parameters.
///
/// A message counts only when its length agrees with what it holds. Simple queries (`Q`) need
/// no reader of their own: their SQL text is read as any SQL is. Values are taken as sent,
/// text or binary; binary ones (an integer, a `date` as days) hold nothing a detector reads.
/// The quiet check needs no test of its own for these messages: a value here is decided by a
/// column name, which sits between NUL bytes, where its vocabulary test sees words.
fn postgres_fields(b: &[u8], out: &mut Vec<Field>) {
    for at in memchr::memchr2_iter(b'T', b'P', b) {
        if out.len() >= MAX_FIELDS {
            return;
        }
        let Some((kind, body)) = pg_message(b, at) else {
            continue;
        };
        if kind == b'T' {
            if let Some(columns) = pg_row_description(b, body.clone()) {
                pg_data_rows(b, body.end, &columns, out);
            }
        } else if let Some((statement, parameters)) = pg_parse(b, body.clone()) {
            pg_bind(b, body.end, statement, &parameters, out);
        }
    }
}

/// The message whose type byte is at `at`: its type and its body, which must lie in `b` whole.
fn pg_message(b: &[u8], at: usize) -> Option<(u8, Range<usize>)> {
    let kind = *b.get(at)?;
    let len = u32::from_be_bytes(b.get(at + 1..at + 5)?.try_into().ok()?);
    let len = usize::try_from(len).ok()?;
    let body = at + 5..(at + 1).checked_add(len)?;
    (len >= 4 && body.end <= b.len()).then_some((kind, body))
}

fn pg_i16(b: &[u8], at: usize) -> Option<i16> {
    Some(i16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

/// A count (an `Int16` that must not be negative).
fn pg_count(b: &[u8], at: usize) -> Option<usize> {
    usize::try_from(pg_i16(b, at)?).ok()
}

fn pg_i32(b: &[u8], at: usize) -> Option<i32> {
    Some(i32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// A NUL-terminated string starting at `at`, within `limit`: its span (without the NUL).
fn pg_string(b: &[u8], at: usize, limit: usize) -> Option<Range<usize>> {
    let len = memchr::memchr(0, b.get(at..limit)?)?;
    Some(at..at + len)
}

/// The column names of a `RowDescription` body (`None` for a column whose name the quiet
/// check cannot see as a word: the first, when the column count's low byte before it is
/// printable), when every column's 18 bytes of types follow its name and the last one ends the
/// body exactly.
fn pg_row_description(b: &[u8], body: Range<usize>) -> Option<Columns> {
    let count = pg_count(b, body.start)?;
    if !(1..=PG_MAX_COLUMNS).contains(&count) {
        return None;
    }
    let mut columns = Vec::with_capacity(count);
    let mut i = body.start + 2;
    for _ in 0..count {
        let name = pg_string(b, i, body.end)?;
        let name_bytes = b.get(name.clone())?;
        // Format code: 0 text, 1 binary.
        let format = pg_i16(b, name.end + 17)?;
        if name_bytes.is_empty() || name_bytes.len() > 256 || !matches!(format, 0 | 1) {
            return None;
        }
        let seen_as_word = b.get(name.start - 1).is_some_and(|&c| c < 0x20);
        columns.push(seen_as_word.then_some(name.clone()));
        i = name.end + 19;
    }
    (i == body.end).then_some(columns)
}

/// Each value of the `DataRow`s that follow one another from `at` as a field under its
/// column's name. A row whose column count or lengths disagree ends the walk.
fn pg_data_rows(b: &[u8], mut at: usize, columns: &[Option<Range<usize>>], out: &mut Vec<Field>) {
    while let Some((b'D', body)) = pg_message(b, at) {
        if pg_count(b, body.start) != Some(columns.len()) {
            return;
        }
        let Some((values, end)) = pg_values(b, body.start + 2, columns.len(), body.end) else {
            return;
        };
        if end != body.end {
            return;
        }
        push_row(out, columns, values);
        if out.len() >= MAX_FIELDS {
            return;
        }
        at = body.end;
    }
}

/// A result set's rows go on in later segments than its `RowDescription` (a server streams
/// them as the query runs): what a stream scanner keeps of the server's side to read them.
pub(crate) mod pg_stream {
    use std::ops::Range;

    use std::sync::LazyLock;

    use super::{pg_count, pg_i16, pg_i32, pg_message, pg_row_description, pg_string};
    use crate::detect::checksum::valid_date;

    /// What a column's values must look like, by its type (`pg_type` OIDs), when the server
    /// sends them as text: a row of another result set rarely fits.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub(crate) enum Shape {
        /// `int2`, `int4`, `int8`, `oid`: an optional `-`, digits.
        Integer,
        /// `bool`: `t` or `f`.
        Bool,
        /// `date`: `YYYY-MM-DD` (ISO, the server's default `DateStyle`).
        Date,
        /// Any other type, or a binary value.
        Any,
    }

    impl Shape {
        fn of(type_oid: u32, format: i16) -> Self {
            match (type_oid, format) {
                (20 | 21 | 23 | 26, 0) => Self::Integer,
                (16, 0) => Self::Bool,
                (1082, 0) => Self::Date,
                _ => Self::Any,
            }
        }

        fn fits(self, value: &[u8]) -> bool {
            match self {
                Self::Integer => {
                    let digits = value.strip_prefix(b"-").unwrap_or(value);
                    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
                }
                Self::Bool => matches!(value, b"t" | b"f"),
                Self::Date => {
                    let num = |r: Range<usize>| {
                        let part = value.get(r)?;
                        part.iter()
                            .all(u8::is_ascii_digit)
                            .then(|| std::str::from_utf8(part).ok()?.parse::<u32>().ok())?
                    };
                    value.len() == 10
                        && value.get(4) == Some(&b'-')
                        && value.get(7) == Some(&b'-')
                        && matches!((num(0..4), num(5..7), num(8..10)), (Some(y), Some(m), Some(d)) if valid_date(y, m, d))
                }
                Self::Any => true,
            }
        }
    }

    /// The last `RowDescription` message in `b` (its whole span), and whether its result set
    /// ends in `b` (a `CommandComplete` follows its rows there). A stream scanner asks this of
    /// every chunk, so it looks only where `T` opens a length under 64 KiB (`T\0\0`), a rare
    /// needle, not at every `T` of a text (a description that long, thousands of columns, is
    /// not kept anyway).
    pub(crate) fn last_description(b: &[u8]) -> Option<(Range<usize>, bool)> {
        /// Built once: every chunk of every flow is asked.
        static OPENING: LazyLock<memchr::memmem::Finder<'static>> =
            LazyLock::new(|| memchr::memmem::Finder::new(b"T\0\0"));
        let mut last = None;
        for at in OPENING.find_iter(b) {
            let Some((b'T', body)) = pg_message(b, at) else {
                continue;
            };
            let Some(shapes) = shapes(b, at) else {
                continue;
            };
            let (_, completed) = rows_from(b, body.end, &shapes);
            last = Some((at..body.end, completed));
        }
        last
    }

    /// A `Parse` or `Bind` message in a buffer: its span and its statement's name (empty for
    /// the unnamed statement).
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub(crate) struct StatementMessage {
        pub(crate) message: Range<usize>,
        pub(crate) name: Range<usize>,
    }

    /// The `Parse` messages in `b` whose SQL names a parameter (`col = $1`, `INSERT ... VALUES
    /// ($1, ...)`), and the `Bind` messages the engine does not read behind a `Parse` of `b`
    /// (see `pg_binds_to`): those of statements parsed in an earlier segment. Only messages
    /// under 64 KiB are looked for (`P\0\0`, `B\0\0`: rare needles, as in
    /// [`last_description`]).
    pub(crate) fn statements(b: &[u8]) -> (Vec<StatementMessage>, Vec<StatementMessage>) {
        /// Built once: every chunk of every flow with a NUL byte is asked.
        static PARSE: LazyLock<memchr::memmem::Finder<'static>> =
            LazyLock::new(|| memchr::memmem::Finder::new(b"P\0\0"));
        static BIND: LazyLock<memchr::memmem::Finder<'static>> =
            LazyLock::new(|| memchr::memmem::Finder::new(b"B\0\0"));
        let parses: Vec<StatementMessage> = PARSE
            .find_iter(b)
            .filter_map(|at| {
                let (b'P', body) = pg_message(b, at)? else {
                    return None;
                };
                let (name, _) = super::pg_parse(b, body.clone())?;
                Some(StatementMessage {
                    message: at..body.end,
                    name,
                })
            })
            .collect();
        let read_by_the_engine: Vec<usize> = parses
            .iter()
            .flat_map(|parse| {
                let name = b.get(parse.name.clone()).unwrap_or_default();
                super::pg_binds_to(b, parse.message.end, name)
            })
            .map(|bind| bind.start)
            .collect();
        let binds = BIND
            .find_iter(b)
            .filter(|at| !read_by_the_engine.contains(at))
            .filter_map(|at| {
                let (b'B', body) = pg_message(b, at)? else {
                    return None;
                };
                let name = super::pg_bind_statement(b, &body)?;
                Some(StatementMessage {
                    message: at..body.end,
                    name,
                })
            })
            .collect();
        (parses, binds)
    }

    /// The statement name of a kept `Parse` message (one [`statements`] found).
    pub(crate) fn statement_name(message: &[u8]) -> Option<&[u8]> {
        let (b'P', body) = pg_message(message, 0)? else {
            return None;
        };
        message.get(pg_string(message, body.start, body.end)?)
    }

    /// The shapes of the columns of the `RowDescription` message at `at` in `b`.
    pub(crate) fn shapes(b: &[u8], at: usize) -> Option<Vec<Shape>> {
        let (b'T', body) = pg_message(b, at)? else {
            return None;
        };
        let count = pg_row_description(b, body.clone())?.len();
        let mut shapes = Vec::with_capacity(count);
        let mut i = body.start + 2;
        for _ in 0..count {
            let name = pg_string(b, i, body.end)?;
            let type_oid = u32::try_from(pg_i32(b, name.end + 7)?).unwrap_or(0);
            shapes.push(Shape::of(type_oid, pg_i16(b, name.end + 17)?));
            i = name.end + 19;
        }
        Some(shapes)
    }

    /// Where the first whole `DataRow` of `shapes` starts in `b` (a segment starts inside a
    /// row, or between two), its lengths agreeing with what it holds and its values with their
    /// columns' types; and whether the rows from there end in a `CommandComplete`.
    pub(crate) fn first_row(b: &[u8], shapes: &[Shape]) -> Option<(usize, bool)> {
        memchr::memchr_iter(b'D', b).find_map(|at| {
            let (rows, completed) = rows_from(b, at, shapes);
            (rows > 0).then_some((at, completed))
        })
    }

    /// How many whole `DataRow`s of `shapes` follow one another from `at`, and whether a
    /// `CommandComplete` ends them.
    fn rows_from(b: &[u8], mut at: usize, shapes: &[Shape]) -> (usize, bool) {
        let mut rows = 0;
        while let Some((kind, body)) = pg_message(b, at) {
            if kind == b'C' {
                return (rows, true);
            }
            if kind != b'D' || !row_fits(b, body.clone(), shapes) {
                break;
            }
            rows += 1;
            at = body.end;
        }
        (rows, false)
    }

    /// Whether the `DataRow` body `body` holds one value per shape, each fitting it, and ends
    /// with the last. (Not `pg_values`: it takes an empty value for NULL, and an empty value
    /// fits no typed column.)
    fn row_fits(b: &[u8], body: Range<usize>, shapes: &[Shape]) -> bool {
        if pg_count(b, body.start) != Some(shapes.len()) {
            return false;
        }
        let mut at = body.start + 2;
        for shape in shapes {
            let Some(len) = pg_i32(b, at) else {
                return false;
            };
            at += 4;
            // SQL NULL.
            if len == -1 {
                continue;
            }
            let Some(value) = usize::try_from(len)
                .ok()
                .and_then(|len| b.get(at..at + len))
            else {
                return false;
            };
            if at + value.len() > body.end || !shape.fits(value) {
                return false;
            }
            at += value.len();
        }
        at == body.end
    }
}

/// `count` length-prefixed values from `at` (`None` for SQL NULL or an empty value), none
/// past `limit`, and where they end.
fn pg_values(
    b: &[u8],
    mut at: usize,
    count: usize,
    limit: usize,
) -> Option<(Vec<Option<Range<usize>>>, usize)> {
    let mut values = Vec::with_capacity(count);
    for _ in 0..count {
        let len = pg_i32(b, at)?;
        at += 4;
        if len == -1 {
            values.push(None);
            continue;
        }
        let value = at..at.checked_add(usize::try_from(len).ok()?)?;
        if value.end > limit {
            return None;
        }
        at = value.end;
        values.push((!value.is_empty()).then_some(value));
    }
    Some((values, at))
}

/// A `Parse` body: the statement's name and, for each parameter `$n` (index `n - 1`), the
/// column its statement compares it with or inserts it into.
fn pg_parse(b: &[u8], body: Range<usize>) -> Option<(Range<usize>, Columns)> {
    let statement = pg_string(b, body.start, body.end)?;
    let query = pg_string(b, statement.end + 1, body.end)?;
    let types = pg_count(b, query.end + 1)?;
    if query.end + 3 + 4 * types != body.end {
        return None;
    }
    let text = b.get(query.clone())?;
    // The statement's own fields, in its SQL: `col = $1`, `INSERT ... VALUES ($1, ...)`.
    let mut fields = Vec::new();
    sql_inserts(text, &mut fields);
    key_values(text, &mut fields);
    let mut parameters = Columns::new();
    for field in fields {
        let Some(n) = text
            .get(field.value.clone())
            .and_then(|v| v.strip_prefix(b"$"))
            .and_then(|digits| std::str::from_utf8(digits).ok())
            .and_then(|digits| digits.parse::<usize>().ok())
            .filter(|n| (1..=PG_MAX_COLUMNS).contains(n))
        else {
            continue;
        };
        if parameters.len() < n {
            parameters.resize(n, None);
        }
        parameters[n - 1] = Some(query.start + field.key.start..query.start + field.key.end);
    }
    (!parameters.is_empty()).then_some((statement, parameters))
}

/// Most messages after a `Parse` walked for the `Bind`s of its statement.
const PG_BIND_WALK: usize = 256;

/// The statement a `Bind` body names (after its portal).
fn pg_bind_statement(b: &[u8], body: &Range<usize>) -> Option<Range<usize>> {
    let portal = pg_string(b, body.start, body.end)?;
    pg_string(b, portal.end + 1, body.end)
}

/// The `Bind` messages to `statement` (its name's bytes) among the messages that follow one
/// another from `at`, the end of its `Parse`: up to a `Parse` that defines the statement again,
/// the first bytes that are no message, or [`PG_BIND_WALK`] messages. A driver sends the
/// statement's executions there: a `Bind` right after the `Parse`, or a batch of them.
fn pg_binds_to(b: &[u8], mut at: usize, statement: &[u8]) -> Vec<Range<usize>> {
    let mut binds = Vec::new();
    for _ in 0..PG_BIND_WALK {
        let Some((kind, body)) = pg_message(b, at) else {
            break;
        };
        let names_statement =
            |name: Option<Range<usize>>| name.and_then(|name| b.get(name)) == Some(statement);
        match kind {
            b'P' if names_statement(pg_string(b, body.start, body.end)) => break,
            b'B' if names_statement(pg_bind_statement(b, &body)) => binds.push(at..body.end),
            _ => {}
        }
        at = body.end;
    }
    binds
}

/// The parameters of each `Bind` to `statement` after its `Parse` (see [`pg_binds_to`]), each a
/// field under the column [`pg_parse`] found for it.
fn pg_bind(
    b: &[u8],
    at: usize,
    statement: Range<usize>,
    columns: &[Option<Range<usize>>],
    out: &mut Vec<Field>,
) {
    for message in pg_binds_to(b, at, b.get(statement).unwrap_or_default()) {
        let body = message.start + 5..message.end;
        let Some(named) = pg_bind_statement(b, &body) else {
            continue;
        };
        let Some(formats) = pg_count(b, named.end + 1) else {
            continue;
        };
        let count_at = named.end + 3 + 2 * formats;
        let Some(count) = pg_count(b, count_at) else {
            continue;
        };
        let Some((values, end)) = pg_values(b, count_at + 2, count, body.end) else {
            continue;
        };
        // The result columns' formats close the message.
        let results = pg_count(b, end);
        if results.is_none_or(|n| end + 2 + 2 * n != body.end) {
            continue;
        }
        push_row(out, columns, values);
        if out.len() >= MAX_FIELDS {
            return;
        }
    }
}

/// The values of a row (or of bound parameters), each under its column's name where both are
/// read.
fn push_row(out: &mut Vec<Field>, columns: &[Option<Range<usize>>], values: Columns) {
    for (column, value) in columns.iter().zip(values) {
        if let (Some(key), Some(value)) = (column, value) {
            push_raw(out, key.clone(), value);
        }
    }
}

/// A field whose value is taken as sent (a length-prefixed value of a binary protocol).
fn push_raw(out: &mut Vec<Field>, key: Range<usize>, value: Range<usize>) {
    out.push(Field {
        key,
        kind_hint: None,
        label: None,
        parent: None,
        value,
        syntax: Syntax::Raw,
    });
}

// ---------------------------------------------------------------- BSON

/// Most embedded documents and arrays of one buffer looked at for parents.
const BSON_MAX_CONTAINERS: usize = 256;

/// An embedded document or array of a BSON document.
struct BsonContainer {
    key: Range<usize>,
    /// From its length to its closing NUL.
    span: Range<usize>,
    is_array: bool,
}

/// String values of BSON documents (MongoDB's wire protocol: inserts, updates, queries and
/// the documents a server returns, in clear text wherever TLS is not configured, the default
/// of a self-hosted server). A string element is `0x02`, its name (NUL-terminated), a
/// little-endian length and the value with its closing NUL; it counts only when that NUL sits
/// where the length says. An element of an array takes the array's name (`phones.0` is a
/// phone); an embedded document's name is the parent of its elements (`address.street`).
/// Names sit between a type byte and a NUL, where the quiet check's vocabulary test sees
/// words, and values after a length whose last byte is NUL for any value under 16 MiB.
fn bson_fields(b: &[u8], out: &mut Vec<Field>) {
    if memchr::memchr(0x02, b).is_none() {
        return;
    }
    let containers: Vec<BsonContainer> = memchr::memchr2_iter(0x03, 0x04, b)
        .filter_map(|at| {
            let (key, content) = bson_element(b, at)?;
            let len = usize::try_from(bson_i32(b, content)?).ok()?;
            let span = content..content.checked_add(len)?;
            (len >= 5 && b.get(span.end - 1) == Some(&0)).then_some(BsonContainer {
                key,
                span,
                is_array: b.get(at) == Some(&0x04),
            })
        })
        .take(BSON_MAX_CONTAINERS)
        .collect();
    // The innermost container around `at`.
    let around = |at: usize| {
        containers
            .iter()
            .filter(|c| c.span.start < at && at < c.span.end)
            .min_by_key(|c| c.span.len())
    };
    // A container's name: an array's element takes the array's.
    let name_of = |c: &BsonContainer| match around(c.key.start) {
        Some(array) if array.is_array && bson_is_index(b, &c.key) => array.key.clone(),
        _ => c.key.clone(),
    };
    let hello_answer = OnceCell::new();
    for at in memchr::memchr_iter(0x02, b) {
        if out.len() >= MAX_FIELDS {
            return;
        }
        let Some((key, content)) = bson_element(b, at) else {
            continue;
        };
        let Some(len) = bson_i32(b, content).and_then(|n| usize::try_from(n).ok()) else {
            continue;
        };
        let value = content + 4..(content + 3).saturating_add(len);
        let Some(text) = b.get(value.clone()) else {
            continue;
        };
        if len < 2 || b.get(value.end) != Some(&0) || memchr::memchr(0, text).is_some() {
            continue;
        }
        let inner = around(at);
        let (key, parent) = match inner {
            Some(array) if array.is_array => (
                if bson_is_index(b, &key) {
                    name_of(array)
                } else {
                    key
                },
                around(array.key.start).map(name_of),
            ),
            Some(document) => (key, Some(name_of(document))),
            None => (key, None),
        };
        let kind_hint = if inner.is_some_and(|document| is_driver_metadata(b, document, &around)) {
            Some(FieldKind::ThingName)
        } else if is_replica_set_member(b, &key, &hello_answer) {
            Some(FieldKind::Server)
        } else {
            None
        };
        out.push(Field {
            key,
            kind_hint,
            label: None,
            parent,
            value,
            syntax: Syntax::Raw,
        });
    }
}

/// Whether `key` names a replica set's members in a MongoDB server's handshake answer
/// (`isMaster`/`hello`, which a driver's monitor asks for every few seconds): `hosts`,
/// `passives`, `arbiters`, `primary` and `me` hold the servers' addresses, often IPs. Whether
/// `b` is such an answer is looked up once, for the first member key.
fn is_replica_set_member(b: &[u8], key: &Range<usize>, hello_answer: &OnceCell<bool>) -> bool {
    const MEMBERS: [&[u8]; 5] = [b"hosts", b"passives", b"arbiters", b"primary", b"me"];
    b.get(key.clone())
        .is_some_and(|name| MEMBERS.contains(&name))
        && *hello_answer.get_or_init(|| {
            memchr::memmem::find(b, b"\x08ismaster\x00").is_some()
                || memchr::memmem::find(b, b"\x08isWritablePrimary\x00").is_some()
        })
}

/// Whether `document` is the `driver` of the `client` metadata a MongoDB driver sends in its
/// handshake (`isMaster`/`hello`): its `name` is the driver's (`PyMongo`, `mongo-go-driver`),
/// where a `driver`'s name is otherwise a person's (a fleet's).
fn is_driver_metadata<'c>(
    b: &[u8],
    document: &BsonContainer,
    around: &impl Fn(usize) -> Option<&'c BsonContainer>,
) -> bool {
    b.get(document.key.clone()) == Some(b"driver")
        && around(document.key.start)
            .is_some_and(|client| b.get(client.key.clone()) == Some(b"client"))
}

/// The element whose type byte is at `at`: its name (an identifier, or an array index) and
/// where its content starts.
fn bson_element(b: &[u8], at: usize) -> Option<(Range<usize>, usize)> {
    let rest = b.get(at + 1..)?;
    let len = memchr::memchr(0, rest.get(..rest.len().min(65))?)?;
    let name = rest.get(..len)?;
    let identifier = name
        .first()
        .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'$')
        && name
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'$' | b'.' | b'-'));
    identifier.then_some((at + 1..at + 1 + len, at + 2 + len))
}

fn bson_i32(b: &[u8], at: usize) -> Option<i32> {
    Some(i32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Whether `key` is an array index (`0`, `1`, ...).
fn bson_is_index(b: &[u8], key: &Range<usize>) -> bool {
    b.get(key.clone())
        .is_some_and(|k| !k.is_empty() && k.iter().all(u8::is_ascii_digit))
}

// ---------------------------------------------------------------- CBOR

/// Text-keyed maps of CBOR (RFC 8949), the binary JSON of constrained devices (CoAP, LwM2M,
/// SenML-CBOR): each text value under a text key is a field, nested maps give their key as
/// parent. A map is read from a map header of 1 to 23 pairs (`0xa1..=0xb7`, bytes no ASCII
/// text holds) whose first key is an identifier; it counts only when it parses whole.
fn cbor_fields(b: &[u8], out: &mut Vec<Field>) {
    let mut walker = CborWalker {
        b,
        // Items read in all, failed attempts included: linear in the buffer.
        budget: 4 * b.len() + 64,
        fields: Vec::new(),
    };
    let mut i = 0;
    while let Some(skip) = b.get(i..).and_then(|r| next_binary_header(r, 0xa1..=0xb7)) {
        let at = i + skip;
        walker.fields.clear();
        match walker.map(at, None, 0) {
            Some(end) if !walker.fields.is_empty() => {
                let room = MAX_FIELDS.saturating_sub(out.len());
                out.extend(walker.fields.drain(..).take(room));
                i = end;
            }
            _ if walker.budget == 0 => return,
            _ => i = at + 1,
        }
    }
}

/// Whether `b` holds a CBOR map with a text value under a text key (what [`cbor_fields`]
/// reads): the quiet check sends such payloads to the full scan, as their keys sit glued to
/// their length bytes (`dname`), where no word boundary shows them.
pub(crate) fn has_cbor_fields(b: &[u8]) -> bool {
    let mut fields = Vec::new();
    cbor_fields(b, &mut fields);
    !fields.is_empty()
}

struct CborWalker<'b> {
    b: &'b [u8],
    budget: usize,
    fields: Vec<Field>,
}

impl CborWalker<'_> {
    /// Deepest nesting followed.
    const MAX_DEPTH: usize = 16;

    /// The item header at `at`: major type, argument, and where the item's content starts.
    /// Indefinite lengths and reserved values are refused.
    fn header(&mut self, at: usize) -> Option<(u8, u64, usize)> {
        self.budget = self.budget.checked_sub(1)?;
        let initial = *self.b.get(at)?;
        let (major, info) = (initial >> 5, initial & 0x1f);
        let extra = match info {
            0..=23 => return Some((major, u64::from(info), at + 1)),
            24 => 1,
            25 => 2,
            26 => 4,
            27 => 8,
            _ => return None,
        };
        let bytes = self.b.get(at + 1..at + 1 + extra)?;
        let argument = bytes.iter().fold(0, |v, &c| v << 8 | u64::from(c));
        Some((major, argument, at + 1 + extra))
    }

    /// The item at `at`; returns its end. A text value under `key` is a field.
    fn item(
        &mut self,
        at: usize,
        key: Option<&Range<usize>>,
        parent: Option<&Range<usize>>,
        depth: usize,
    ) -> Option<usize> {
        if depth > Self::MAX_DEPTH {
            return None;
        }
        let (major, argument, content) = self.header(at)?;
        match major {
            0 | 1 | 7 => Some(content),
            2 | 3 => {
                let end = content.checked_add(usize::try_from(argument).ok()?)?;
                let value = self.b.get(content..end)?;
                if major == 3 {
                    std::str::from_utf8(value).ok()?;
                    if let Some(key) = key.filter(|_| !value.is_empty()) {
                        self.fields.push(Field {
                            kind_hint: None,
                            label: None,
                            key: key.clone(),
                            parent: parent.cloned(),
                            value: content..end,
                            syntax: Syntax::Raw,
                        });
                    }
                }
                Some(end)
            }
            4 => {
                let mut next = content;
                for _ in 0..argument.min(self.b.len() as u64) {
                    next = self.item(next, key, parent, depth + 1)?;
                }
                Some(next)
            }
            5 => self.map(at, key, depth + 1),
            // A tag: its one item follows.
            6 => self.item(content, key, parent, depth + 1),
            _ => None,
        }
    }

    /// The map whose header is at `at`: text keys that are identifiers, then any item.
    fn map(&mut self, at: usize, parent: Option<&Range<usize>>, depth: usize) -> Option<usize> {
        let (major, pairs, mut next) = self.header(at)?;
        if major != 5 {
            return None;
        }
        for _ in 0..pairs.min(self.b.len() as u64) {
            let (key_major, key_len, key_start) = self.header(next)?;
            let key = key_start..key_start.checked_add(usize::try_from(key_len).ok()?)?;
            let is_key = self
                .b
                .get(key.clone())
                .is_some_and(|k| k.len() <= 64 && is_binary_key(k));
            if key_major != 3 || !is_key {
                return None;
            }
            next = self.item(key.end, Some(&key), parent, depth)?;
        }
        Some(next)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use proptest::prelude::*;

    use super::*;

    fn pairs(b: &[u8]) -> Vec<(String, String)> {
        extract(b)
            .into_iter()
            .map(|f| {
                (
                    String::from_utf8_lossy(&b[f.key]).into_owned(),
                    String::from_utf8_lossy(&b[f.value]).into_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn cbor_maps() {
        // {"device": {"owner": "Anna Berg", "n": 3, "t": 1.5}, "tags": ["a", "b"], "x": true}
        let mut cbor = vec![0xa3, 0x66];
        cbor.extend(b"device");
        cbor.extend([0xa3, 0x65]);
        cbor.extend(b"owner");
        cbor.push(0x69);
        cbor.extend(b"Anna Berg");
        cbor.extend([0x61, b'n', 0x03, 0x61, b't', 0xf9, 0x3e, 0x00, 0x64]);
        cbor.extend(b"tags");
        cbor.extend([0x82, 0x61, b'a', 0x61, b'b', 0x61, b'x', 0xf5]);
        let fields = extract(&cbor);
        let owner = fields.iter().find(|f| &cbor[f.key.clone()] == b"owner");
        let owner = owner.expect("the nested text value is a field");
        assert_eq!(&cbor[owner.value.clone()], b"Anna Berg");
        assert_eq!(owner.parent.clone().map(|p| &cbor[p]), Some(&b"device"[..]));
        assert!(fields.iter().any(|f| &cbor[f.value.clone()] == b"b"));
        assert!(has_cbor_fields(&cbor));
        // Cut short, the outer map is no map; the inner one, whole, still is. Cut inside the
        // inner one, or a key that is no identifier: no map, no field.
        let cut = extract(&cbor[..cbor.len() - 1]);
        assert!(
            cut.iter().any(|f| &cbor[f.key.clone()] == b"owner")
                && cut.iter().all(|f| &cbor[f.key.clone()] != b"tags"),
            "{cut:?}"
        );
        assert!(!has_cbor_fields(&cbor[..20]));
        assert!(!has_cbor_fields(&[0xa1, 0x62, b'1', b'a', 0x61, b'v']));
        // Text with UTF-8 continuation bytes in the map-header range is no CBOR.
        assert!(!has_cbor_fields("Très bien, café crème".as_bytes()));
    }

    #[test]
    fn hl7_segments() {
        let message = b"\x0bMSH|^~\\&|LAB|HOSP|||20240101120000||ADT^A01|1|P|2.5\r\
            PID|1||4711^^^HOSP^MR||Berg^Anna^Maria~Alias^Ann||19850312120000|F|||\
            Hauptstr. 5&Hauptstr.&5^^Berlin^^10115^DEU||030 1234567||||||123-45-6789\r\
            OBX|1|NM|8867-4^Heart rate||72|/min\r\x1c\r";
        let fields = extract(message);
        let got: Vec<(&str, &[u8], Option<FieldKind>)> = fields
            .iter()
            .map(|f| {
                (
                    f.label.unwrap_or(""),
                    &message[f.value.clone()],
                    f.kind_hint,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "PID-5 patient name",
                    &b"Berg"[..],
                    Some(FieldKind::LastName)
                ),
                ("PID-5 patient name", b"Anna", Some(FieldKind::FirstName)),
                ("PID-5 patient name", b"Maria", Some(FieldKind::FirstName)),
                (
                    "PID-7 date of birth",
                    b"19850312",
                    Some(FieldKind::DateOfBirth)
                ),
                (
                    "PID-11 patient address",
                    b"Hauptstr. 5",
                    Some(FieldKind::Address)
                ),
                (COUNTRY_CODE, b"DEU", Some(FieldKind::Other)),
                ("PID-13 home phone", b"030 1234567", Some(FieldKind::Phone)),
                ("PID-19 SSN", b"123-45-6789", Some(FieldKind::NationalId)),
            ]
        );
        assert!(has_hl7_segments(message));
        // The separators the header declares; a sample that starts mid-message (no header)
        // is read with the standard ones.
        let declared = b"MSH|#~\\&|A\rNK1|1|Berg#Jonas|||030 7654321";
        let got: Vec<&[u8]> = extract(declared)
            .iter()
            .map(|f| &declared[f.value.clone()])
            .collect();
        assert_eq!(got, vec![&b"Berg"[..], b"Jonas", b"030 7654321"]);
        let sampled = b"e|F\nGT1|1||Berg^Jonas";
        let got: Vec<&[u8]> = extract(sampled)
            .iter()
            .map(|f| &sampled[f.value.clone()])
            .collect();
        assert_eq!(got, vec![&b"Berg"[..], b"Jonas"]);
        // Pipes elsewhere: no segment at a line start, no field.
        for other in [
            &b"a|b|c|PID|x|y|z|w|v"[..],
            b"level=info msg=PID|1||x",
            b"PID1|a|b",
        ] {
            assert!(
                extract(other).iter().all(|f| f.label.is_none()),
                "{other:?}"
            );
        }
        assert!(!has_hl7_segments(b"a|b|c"));
    }

    #[test]
    fn vcard_properties() {
        let card = b"BEGIN:VCARD\r\nVERSION:4.0\r\nN:Berg;Anna;Maria;;\r\nFN:Anna Berg\r\n\
            item1.TEL;TYPE=cell:tel:+49-151-23456789\r\nADR;TYPE=home:;;Hauptstr. 5;Berlin;;10115;DE\r\n\
            BDAY:19850312\r\nNOTE:N:ot a name\r\nEND:VCARD\r\n";
        let got: Vec<(&[u8], &[u8], Option<FieldKind>)> = extract(card)
            .iter()
            .filter(|f| f.kind_hint.is_some())
            .map(|f| (&card[f.key.clone()], &card[f.value.clone()], f.kind_hint))
            .collect();
        assert_eq!(
            got,
            vec![
                (&b"N"[..], &b"Berg"[..], Some(FieldKind::LastName)),
                (b"N", b"Anna", Some(FieldKind::FirstName)),
                (b"N", b"Maria", Some(FieldKind::FirstName)),
                (b"FN", b"Anna Berg", Some(FieldKind::FullName)),
                (b"TEL", b"+49-151-23456789", Some(FieldKind::Phone)),
                (b"ADR", b"Hauptstr. 5", Some(FieldKind::Address)),
                (b"BDAY", b"19850312", Some(FieldKind::DateOfBirth)),
            ]
        );
        // The same lines without the vCard around them are no vCard.
        let loose = b"N:Berg;Anna\r\nFN:Anna Berg\r\n";
        assert!(extract(loose).iter().all(|f| f.kind_hint.is_none()));
    }

    /// A BER element: tag, length (short or long form), content.
    pub(crate) fn ber(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        match u8::try_from(content.len()) {
            Ok(len) if len < 0x80 => out.push(len),
            Ok(len) => out.extend([0x81, len]),
            Err(_) => {
                let len = u16::try_from(content.len()).expect("test elements under 64 KiB");
                out.push(0x82);
                out.extend(len.to_be_bytes());
            }
        }
        out.extend_from_slice(content);
        out
    }

    /// An LDAP `SearchResultEntry` (RFC 4511) for `dn` with `attributes`.
    pub(crate) fn ldap_entry(dn: &str, attributes: &[(&str, &[&str])]) -> Vec<u8> {
        let list: Vec<u8> = attributes
            .iter()
            .flat_map(|(name, values)| {
                let set: Vec<u8> = values
                    .iter()
                    .flat_map(|v| ber(0x04, v.as_bytes()))
                    .collect();
                ber(
                    0x30,
                    &[ber(0x04, name.as_bytes()), ber(0x31, &set)].concat(),
                )
            })
            .collect();
        let entry = ber(0x64, &[ber(0x04, dn.as_bytes()), ber(0x30, &list)].concat());
        ber(0x30, &[ber(0x02, &[7]), entry].concat())
    }

    #[test]
    fn ldap_attributes() {
        let long = "x".repeat(300);
        let message = ldap_entry(
            "uid=aberg,ou=people,dc=example,dc=com",
            &[
                ("objectClass", &["top", "inetOrgPerson"]),
                ("cn", &["Anna Berg"]),
                ("sn", &["Berg"]),
                ("telephoneNumber", &["+49 30 901820", "030 1234567"]),
                ("description", &[long.as_str()]),
            ],
        );
        // (The DN's `ou=people` and `dc=example` are read as key-value pairs too.)
        let got: Vec<(&[u8], &[u8], Option<FieldKind>)> = extract(&message)
            .iter()
            .filter(|f| f.syntax == Syntax::Raw)
            .map(|f| {
                (
                    &message[f.key.clone()],
                    &message[f.value.clone()],
                    f.kind_hint,
                )
            })
            .filter(|(key, ..)| *key != b"objectClass")
            .collect();
        assert_eq!(
            got,
            vec![
                (&b"cn"[..], &b"Anna Berg"[..], Some(FieldKind::FullName)),
                (b"sn", b"Berg", Some(FieldKind::LastName)),
                (b"telephoneNumber", b"+49 30 901820", None),
                (b"telephoneNumber", b"030 1234567", None),
                (b"description", long.as_bytes(), None),
            ]
        );
        assert!(has_positional_or_ber_fields(&message));
        // Cut inside a value (as a sample may be), that attribute's set no longer fits and
        // none of its values is read; the whole attributes before it still are.
        let cut = &message[..message.len() - 10];
        let keys: Vec<&[u8]> = extract(cut).iter().map(|f| &cut[f.key.clone()]).collect();
        assert!(keys.contains(&&b"telephoneNumber"[..]) && !keys.contains(&&b"description"[..]));
        // A length that disagrees with its sequence: no attribute.
        let mut wrong = message.clone();
        let cn = memchr::memmem::find(&wrong, b"\x04\x02cn").expect("cn");
        wrong[cn - 1] += 1;
        assert!(
            extract(&wrong)
                .iter()
                .all(|f| &wrong[f.key.clone()] != b"cn")
        );
        assert!(!has_positional_or_ber_fields(
            b"\x04\x02cn1\x02\x04\x00 text"
        ));
    }

    #[test]
    fn bare_keys_with_quoted_values() {
        let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        let logged = b"created { name: 'Anna Berg', plan: \"pro\", n: 3 }";
        assert_eq!(
            pairs(logged),
            vec![pair("name", "Anna Berg"), pair("plan", "pro")]
        );
        let graphql = br#"mutation { createUser(input: {email: "a@b.de"}) { id } }"#;
        assert_eq!(pairs(graphql), vec![pair("email", "a@b.de")]);
        // Times, URLs and prose: no quote after the colon. A JSON key is read once.
        assert!(pairs(b"at 12:30 'x' see http://'y'").is_empty());
        assert_eq!(pairs(br#"{"name":"Anna"}"#), vec![pair("name", "Anna")]);
    }

    #[test]
    fn json_with_framing() {
        let p = b"\x00\x12{\"a\":{\"email\":\"x@y.de\",\"n\":1.5},\"c\":[6.81, 52.1],\"v\":[[\"1\",\"log line\"]]}\xce";
        let got = pairs(p);
        assert!(got.contains(&("email".into(), "x@y.de".into())));
        assert!(got.contains(&("n".into(), "1.5".into())));
        assert!(got.contains(&("c".into(), "6.81, 52.1".into())));
        assert!(got.contains(&("v".into(), "log line".into())));
    }

    #[test]
    fn redis_replies_pair_names_with_values() {
        // `HGETALL` in RESP2: an array of names and values.
        let hgetall =
            b"*4\r\n$9\r\nfull_name\r\n$9\r\nAnna Berg\r\n$3\r\ndob\r\n$10\r\n1990-01-01\r\n";
        assert_eq!(
            pairs(hgetall),
            [
                ("full_name".to_owned(), "Anna Berg".to_owned()),
                ("dob".to_owned(), "1990-01-01".to_owned())
            ]
        );
        // RESP3: the `HELLO 3` reply (a map with a number and an empty array among its
        // values), then `HGETALL`'s map with a simple string.
        let resp3 = b"%3\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:3\r\n$7\r\nmodules\r\n*0\r\n\
                      %2\r\n$9\r\nfull_name\r\n+Anna Berg\r\n$5\r\nphone\r\n$12\r\n030 12345678\r\n";
        let got = pairs(resp3);
        assert!(
            got.contains(&("full_name".into(), "Anna Berg".into())),
            "{got:?}"
        );
        assert!(
            got.contains(&("phone".into(), "030 12345678".into())),
            "{got:?}"
        );
        // Lists of values (`LRANGE`) and commands that are not field writes pair nothing.
        for b in [
            &b"*2\r\n$9\r\nAnna Berg\r\n$10\r\nJonas Berg\r\n"[..],
            b"*3\r\n$4\r\nHGET\r\n$3\r\nu17\r\n$9\r\nfull_name\r\n",
            b"*3\r\n$9\r\nfull_name\r\n:17\r\n$9\r\nAnna Berg\r\n",
        ] {
            assert!(pairs(b).is_empty(), "{:?}", String::from_utf8_lossy(b));
        }
    }

    #[test]
    fn forms_headers_sql_csv_resp_xml() {
        let got = pairs(b"GET /a?name=Anna%20B&x=1 HTTP/1.1\r\nX-Real-IP: 1.2.3.4\r\n\r\n");
        assert!(got.contains(&("name".into(), "Anna%20B".into())));
        assert!(got.contains(&("X-Real-IP".into(), "1.2.3.4".into())));
        let got = pairs(b"UPDATE t SET iban = 'DE89', note = 'O''Brien' WHERE id = 3;");
        assert!(got.contains(&("iban".into(), "DE89".into())));
        assert!(got.contains(&("note".into(), "O''Brien".into())));
        let got = pairs(b"INSERT INTO c (name, dob) VALUES ('A B', '1990-01-01'), ('C D', NULL);");
        assert!(got.contains(&("dob".into(), "1990-01-01".into())));
        assert!(got.contains(&("name".into(), "C D".into())));
        let got = pairs(b"name;email\n\"Doe, J\";j@x.de\n");
        assert!(got.contains(&("name".into(), "Doe, J".into())));
        let got = pairs(b"*4\r\n$4\r\nHSET\r\n$3\r\nu:1\r\n$3\r\ndob\r\n$10\r\n1990-01-01\r\n");
        assert!(got.contains(&("dob".into(), "1990-01-01".into())));
        let table = b"1;Anna Berg;anna@x.se;1961-02-03;2020-01-01\n2;Olof Lind;olof@y.se;1970-05-06;2021-02-02\n";
        let hinted: Vec<_> = extract(table)
            .into_iter()
            .filter_map(|f| {
                f.kind_hint
                    .map(|k| (k, String::from_utf8_lossy(&table[f.value]).into_owned()))
            })
            .collect();
        assert!(hinted.contains(&(FieldKind::FullName, "Anna Berg".into())));
        assert!(hinted.contains(&(FieldKind::DateOfBirth, "1970-05-06".into())));
        assert!(!hinted.iter().any(|(_, v)| v == "2020-01-01"));
        let got = pairs(b"\x83\xa4name\xaaLena Vogel\xa3dob\xd9\x0a1990-02-03");
        assert!(got.contains(&("name".into(), "Lena Vogel".into())));
        assert!(got.contains(&("dob".into(), "1990-02-03".into())));
        let got = pairs(b"1700000000.1 [0 10.0.0.7:5123] \"HSET\" \"u:1\" \"name\" \"Anna B\"\r\nHSET u:2 dob 1980-01-02\r\n");
        assert!(got.contains(&("name".into(), "Anna B".into())));
        assert!(got.contains(&("dob".into(), "1980-01-02".into())));
        // Commands in any case; other first words (however long) are no command.
        let got = pairs(b"hset u:3 email a@b.de\r\nGETSETX k v w\r\nHSETNXXXXX u:4 phone 1\r\nx HSET u:5 dob 1\r\n");
        assert_eq!(got, vec![("email".to_owned(), "a@b.de".to_owned())]);
        let got = pairs(b"<person><name>Anna</name></person>");
        assert!(got.contains(&("name".into(), "Anna".into())));
    }

    proptest! {
        #[test]
        fn never_panics_and_ranges_are_in_bounds(input in proptest::collection::vec(any::<u8>(), 0..400)) {
            for f in extract(&input) {
                prop_assert!(f.key.end <= input.len() && f.value.end <= input.len());
                prop_assert!(f.key.start <= f.key.end && f.value.start <= f.value.end);
            }
        }

        #[test]
        fn never_panics_on_jsonish(input in "[{}\\[\\]\":,a-z0-9 =&;\n*$\r\\\\-]{0,200}") {
            let _ = extract(input.as_bytes());
        }

        /// CBOR headers of every major type, lengths and identifier bytes, in any order.
        #[test]
        fn never_panics_on_cbor_like(input in proptest::collection::vec(
            proptest::sample::select(vec![
                0xa1_u8, 0xa2, 0xb7, 0xb8, 0x61, 0x62, 0x63, 0x78, 0x79, 0x7b, 0x7f, 0x82, 0x9f,
                0xc1, 0xf5, 0xf9, 0x1b, 0x00, b'a', b'b', b'n',
            ]),
            0..300,
        )) {
            for f in extract(&input) {
                prop_assert!(f.key.end <= input.len() && f.value.end <= input.len());
            }
        }

        /// The early stop of `field_around` gives what the full search over its 256 fields gives.
        #[test]
        fn field_around_is_the_shortest_containing_field(
            values in proptest::collection::vec((0_usize..60, 0_usize..40), 0..300),
            span in (0_usize..70, 0_usize..10),
        ) {
            let mut fields: Vec<Field> = values
                .into_iter()
                .map(|(start, len)| Field {
                    key: 0..0,
                    kind_hint: None,
                    label: None,
                    parent: None,
                    value: start..start + len,
                    syntax: Syntax::Raw,
                })
                .collect();
            fields.sort_by_key(|f| (f.value.start, std::cmp::Reverse(f.value.end)));
            let span = span.0..span.0 + span.1;
            let upto = fields.partition_point(|f| f.value.start <= span.start);
            let reference = fields[..upto]
                .iter()
                .enumerate()
                .rev()
                .take(256)
                .filter(|(_, f)| f.value.end >= span.end)
                .min_by_key(|(_, f)| f.value.len())
                .map(|(i, _)| i);
            prop_assert_eq!(field_around(&fields, &span), reference);
        }
    }

    /// A PostgreSQL message: its type, its length and `body`.
    pub(crate) fn pg_message_bytes(kind: u8, body: &[u8]) -> Vec<u8> {
        let len = u32::try_from(body.len() + 4).expect("test messages are small");
        [&[kind][..], &len.to_be_bytes(), body].concat()
    }

    /// Length-prefixed values (`None` is SQL NULL).
    fn pg_value_bytes(values: &[Option<&str>]) -> Vec<u8> {
        values
            .iter()
            .flat_map(|v| match v {
                Some(v) => [
                    &i32::try_from(v.len()).expect("short").to_be_bytes()[..],
                    v.as_bytes(),
                ]
                .concat(),
                None => (-1i32).to_be_bytes().to_vec(),
            })
            .collect()
    }

    fn pg_count_bytes(n: usize) -> [u8; 2] {
        i16::try_from(n).expect("few").to_be_bytes()
    }

    /// A server's answer to a query: `RowDescription`, a `DataRow` per row, `CommandComplete`
    /// and `ReadyForQuery`, as PostgreSQL 15 sends them (text columns of table OID 16384).
    pub(crate) fn pg_result(columns: &[&str], rows: &[&[Option<&str>]]) -> Vec<u8> {
        let text: Vec<(&str, u32)> = columns.iter().map(|&name| (name, 25)).collect();
        pg_result_typed(&text, rows)
    }

    /// [`pg_result`] with each column's type OID (`23` int4, `25` text, `1082` date...).
    pub(crate) fn pg_result_typed(columns: &[(&str, u32)], rows: &[&[Option<&str>]]) -> Vec<u8> {
        let mut description = pg_count_bytes(columns.len()).to_vec();
        for (i, (name, type_oid)) in columns.iter().enumerate() {
            description.extend(name.as_bytes());
            description.push(0);
            description.extend(16384u32.to_be_bytes());
            description.extend(pg_count_bytes(i + 1));
            description.extend(type_oid.to_be_bytes());
            description.extend((-1i16).to_be_bytes());
            description.extend((-1i32).to_be_bytes());
            description.extend(0i16.to_be_bytes());
        }
        let mut out = pg_message_bytes(b'T', &description);
        for row in rows {
            let body = [&pg_count_bytes(row.len())[..], &pg_value_bytes(row)].concat();
            out.extend(pg_message_bytes(b'D', &body));
        }
        let tag = format!("SELECT {}\0", rows.len());
        out.extend(pg_message_bytes(b'C', tag.as_bytes()));
        out.extend(pg_message_bytes(b'Z', b"I"));
        out
    }

    /// What a driver sends for a query with parameters: `Parse`, `Bind`, `Describe`,
    /// `Execute`, `Sync`, for the statement `name`.
    pub(crate) fn pg_extended_query(
        name: &str,
        query: &str,
        parameters: &[Option<&str>],
    ) -> Vec<u8> {
        let parse = [
            name.as_bytes(),
            b"\0",
            query.as_bytes(),
            b"\0",
            &pg_count_bytes(0),
        ]
        .concat();
        let bind = [
            b"\0",
            name.as_bytes(),
            b"\0",
            &pg_count_bytes(0),
            &pg_count_bytes(parameters.len()),
            &pg_value_bytes(parameters),
            &pg_count_bytes(0),
        ]
        .concat();
        [
            pg_message_bytes(b'P', &parse),
            pg_message_bytes(b'B', &bind),
            pg_message_bytes(b'D', b"P\0"),
            pg_message_bytes(b'E', &[0, 0, 0, 0, 0]),
            pg_message_bytes(b'S', b""),
        ]
        .concat()
    }

    /// [`pg_extended_query`] as a driver with a statement cache sends it, in two writes: the
    /// `Parse` (with a `Describe` of the statement and a `Sync`) once, then each execution's
    /// `Bind`, `Execute` and `Sync`.
    pub(crate) fn pg_prepare_then_bind(
        name: &str,
        query: &str,
        parameters: &[Option<&str>],
    ) -> (Vec<u8>, Vec<u8>) {
        let whole = pg_extended_query(name, query, parameters);
        let parse_len = 5 + name.len() + query.len() + 4;
        let bind_len = 5 + 2 + name.len() + 2 + 2 + pg_value_bytes(parameters).len() + 2;
        let (parse, rest) = whole.split_at(parse_len);
        let bind = &rest[..bind_len];
        let describe = [b"S", name.as_bytes(), b"\0"].concat();
        let prepare = [
            parse,
            &pg_message_bytes(b'D', &describe),
            &pg_message_bytes(b'S', b""),
        ]
        .concat();
        let execute = [
            bind,
            &pg_message_bytes(b'E', &[0, 0, 0, 0, 0]),
            &pg_message_bytes(b'S', b""),
        ]
        .concat();
        (prepare, execute)
    }

    fn raw_pairs(b: &[u8]) -> Vec<(String, String)> {
        extract(b)
            .into_iter()
            .filter(|f| f.syntax == Syntax::Raw)
            .map(|f| {
                (
                    String::from_utf8_lossy(&b[f.key]).into_owned(),
                    String::from_utf8_lossy(&b[f.value]).into_owned(),
                )
            })
            .collect()
    }

    pub(crate) fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn postgres_result_rows() {
        let result = pg_result(
            &["id", "full_name", "birth_date"],
            &[
                &[Some("1"), Some("Anna Berg"), Some("1984-03-12")],
                &[Some("2"), None, Some("")],
            ],
        );
        assert_eq!(
            raw_pairs(&result),
            owned(&[
                ("id", "1"),
                ("full_name", "Anna Berg"),
                ("birth_date", "1984-03-12"),
                ("id", "2"),
            ])
        );
        // After other messages, and cut in the second row: the first row still counts.
        let mut late = pg_message_bytes(b'1', b"");
        late.extend(&result[..result.len() - 30]);
        assert_eq!(raw_pairs(&late).len(), 3);
        // A row whose column count or lengths disagree with the description is not read.
        let one_column = pg_result(&["full_name"], &[&[Some("Anna Berg"), Some("x")]]);
        assert!(raw_pairs(&one_column).is_empty());
        let mut wrong_length = pg_result(&["full_name"], &[&[Some("Anna Berg")]]);
        let at = wrong_length
            .iter()
            .rposition(|&c| c == 9)
            .expect("length of the value");
        wrong_length[at] = 8;
        assert!(raw_pairs(&wrong_length).is_empty());
        // A description whose types do not end it exactly is none.
        let mut description = pg_result(&["full_name"], &[&[Some("Anna Berg")]]);
        assert_eq!(raw_pairs(&description).len(), 1);
        description[4] += 1;
        description.insert(5 + 2 + 10 + 18, 0);
        assert!(raw_pairs(&description).is_empty());
        // The letter T in text is no message.
        assert!(raw_pairs(b"The full_name\0 Anna Berg").is_empty());
    }

    #[test]
    fn postgres_first_column_glued_to_a_printable_count_has_no_name() {
        let names: Vec<String> = (0..65).map(|i| format!("c{i}")).collect();
        let mut columns: Vec<&str> = names.iter().map(String::as_str).collect();
        columns[0] = "full_name";
        columns[1] = "last_name";
        let mut row = vec![Some("x"); 65];
        row[0] = Some("Anna Berg");
        row[1] = Some("Berg");
        let result = pg_result(&columns, &[&row]);
        // 65 columns: the count's low byte is `A`, glued to the first name (`Afull_name`).
        assert_eq!(result[6], b'A');
        let pairs = raw_pairs(&result);
        assert!(!pairs.iter().any(|(k, _)| k == "full_name"));
        assert!(pairs.contains(&("last_name".to_owned(), "Berg".to_owned())));
    }

    #[test]
    fn postgres_bound_parameters() {
        let insert = pg_extended_query(
            "",
            "INSERT INTO customers (first_name, last_name, dob) VALUES ($1, $2, $3)",
            &[Some("Anna"), Some("Berg"), Some("1984-03-12")],
        );
        assert_eq!(
            raw_pairs(&insert),
            owned(&[
                ("first_name", "Anna"),
                ("last_name", "Berg"),
                ("dob", "1984-03-12")
            ])
        );
        let lookup = pg_extended_query(
            "s1",
            "SELECT id FROM accounts WHERE c.email = $2 AND last_name = $1 AND n > $3",
            &[Some("Berg"), Some("anna@example.com"), Some("5")],
        );
        assert_eq!(
            raw_pairs(&lookup),
            owned(&[("last_name", "Berg"), ("c.email", "anna@example.com")])
        );
        // A Bind to another statement takes nothing from this Parse.
        let mut other = pg_extended_query("s1", "SELECT 1 WHERE last_name = $1", &[]);
        let bind_other = pg_extended_query("s2", "SELECT 1", &[Some("Berg")]);
        let bind_at = bind_other.iter().position(|&c| c == b'B').expect("Bind");
        other.truncate(other.iter().position(|&c| c == b'B').expect("Bind"));
        other.extend(&bind_other[bind_at..]);
        assert!(raw_pairs(&other).is_empty());
        // A batch: one Parse, then an execution per row, all read, and none left to a stream
        // scanner.
        let insert = "INSERT INTO customers (full_name, dob) VALUES ($1, $2)";
        let (prepare, first) =
            pg_prepare_then_bind("s3", insert, &[Some("Anna Berg"), Some("1984-03-12")]);
        let (_, second) =
            pg_prepare_then_bind("s3", insert, &[Some("Jonas Berg"), Some("1985-04-12")]);
        let batch = [prepare, first, second].concat();
        assert_eq!(
            raw_pairs(&batch),
            owned(&[
                ("full_name", "Anna Berg"),
                ("dob", "1984-03-12"),
                ("full_name", "Jonas Berg"),
                ("dob", "1985-04-12"),
            ])
        );
        let (parses, binds) = pg_stream::statements(&batch);
        assert_eq!((parses.len(), binds.len()), (1, 0));
    }

    /// `document` as MongoDB's own encoder writes it.
    pub(crate) fn bson_bytes(document: &bson::Document) -> Vec<u8> {
        let mut out = Vec::new();
        document.to_writer(&mut out).expect("a document encodes");
        out
    }

    /// An `OP_MSG` (MongoDB 3.6+) inserting `documents` into `collection`.
    pub(crate) fn mongo_insert(collection: &str, documents: &[bson::Document]) -> Vec<u8> {
        let command = bson_bytes(&bson::doc! { "insert": collection, "$db": "crm" });
        let mut sequence = b"documents\0".to_vec();
        for d in documents {
            sequence.extend(bson_bytes(d));
        }
        let sequence_len = i32::try_from(sequence.len() + 4).expect("small");
        let mut body = 0u32.to_le_bytes().to_vec();
        body.push(0);
        body.extend(command);
        body.push(1);
        body.extend(sequence_len.to_le_bytes());
        body.extend(sequence);
        let len = i32::try_from(body.len() + 16).expect("small");
        [
            &len.to_le_bytes()[..],
            &1i32.to_le_bytes(),
            &0i32.to_le_bytes(),
            &2013i32.to_le_bytes(),
            &body,
        ]
        .concat()
    }

    #[test]
    fn bson_documents() {
        let customer = bson::doc! {
            "_id": bson::oid::ObjectId::parse_str("65a1f0c2e4b0a1b2c3d4e5f6").expect("oid"),
            "first_name": "Anna",
            "age": 41,
            "score": 0.5,
            "address": { "street": "Hauptstr. 5", "zip": "10115" },
            "phones": ["030 1234567", "+49 170 1234567"],
            "contacts": [{ "name": "Bob Berg" }],
            "empty": "",
            "tags": [],
        };
        let message = mongo_insert("customers", &[customer]);
        let got: Vec<(String, Option<String>, String)> = extract(&message)
            .into_iter()
            .filter(|f| f.syntax == Syntax::Raw)
            .map(|f| {
                let text = |r: Range<usize>| String::from_utf8_lossy(&message[r]).into_owned();
                (text(f.key), f.parent.map(text), text(f.value))
            })
            .collect();
        let want =
            |k: &str, p: Option<&str>, v: &str| (k.to_owned(), p.map(str::to_owned), v.to_owned());
        assert_eq!(
            got,
            vec![
                want("insert", None, "customers"),
                want("$db", None, "crm"),
                want("first_name", None, "Anna"),
                want("street", Some("address"), "Hauptstr. 5"),
                want("zip", Some("address"), "10115"),
                want("phones", None, "030 1234567"),
                want("phones", None, "+49 170 1234567"),
                want("name", Some("contacts"), "Bob Berg"),
            ]
        );
        // A length that disagrees with the closing NUL is no string.
        let mut wrong = bson_bytes(&bson::doc! { "first_name": "Anna" });
        let at = wrong
            .iter()
            .position(|&c| c == 5)
            .expect("the value's length");
        wrong[at] = 4;
        assert!(extract(&wrong).iter().all(|f| f.syntax != Syntax::Raw));
        // Cut within the value: nothing.
        let whole = bson_bytes(&bson::doc! { "first_name": "Anna Berg" });
        assert!(
            extract(&whole[..whole.len() - 4])
                .iter()
                .all(|f| f.syntax != Syntax::Raw)
        );
    }
}
