//! MySQL's and MariaDB's client/server protocol, in clear text wherever a client does not
//! require TLS: the rows of a result set, read under the columns its `ColumnDefinition41`
//! packets name.
//!
//! - **Text result sets** (the answer to a `COM_QUERY`): a column count packet, the
//!   definitions, then rows of length-encoded values.
//! - **Binary result sets** (the answer to a `COM_STMT_EXECUTE`: a prepared statement, as Go's
//!   driver, Connector/J with server-side statements and MariaDB's connectors send queries with
//!   parameters): rows of a NULL bitmap and values laid out by each column's type. Strings are
//!   taken as sent; `DATE`, `DATETIME` and `TIMESTAMP` values, binary there, are read as
//!   `YYYY-MM-DD` ([`Syntax::MysqlDate`]); numbers are skipped. The definitions come with the
//!   answer, or, where a MariaDB client caches them (`MARIADB_CLIENT_CACHE_METADATA`, which
//!   MariaDB Connector/C asks for), only with the `COM_STMT_PREPARE` answer before it, whose
//!   head a flow's stream scanner keeps ([`stream`]).
//!
//! MariaDB's additions to the head are read: the count packet's "metadata follows" byte and a
//! definition's extended type information (`MARIADB_CLIENT_EXTENDED_METADATA`), both sent to
//! every MariaDB Connector/C client (the `mariadb` command, `DBD::MariaDB`, the Python and Node
//! connectors).
//!
//! A result set counts only when its head (the count packet or the `COM_STMT_PREPARE` answer,
//! and every definition from the catalog `def` on) and each row fill their packets exactly; a
//! binary row also only when its NULL bitmap's unused bits are 0 and every value has the length
//! its type allows. A name counts only between bytes the quiet check sees as word boundaries
//! (its length byte before it and the next one after it, below 0x20: names under 32 bytes), as
//! the PostgreSQL reader's first column does.
//!
//! Not read: the parameters of a `COM_STMT_EXECUTE` (the statement that names them was
//! prepared in an earlier round trip, under an ID only the server's answer gives).

use std::{ops::Range, sync::LazyLock};

use super::{Field, MAX_FIELDS, Syntax};
use crate::{decode::Decoded, text::SpanMap};

/// The rows of every result set in `b`, as fields under their columns' names.
pub(super) fn mysql_fields(b: &[u8], out: &mut Vec<Field>) {
    let mut resume = 0;
    for at in CATALOG.find_iter(b) {
        if at < resume || out.len() >= MAX_FIELDS {
            continue;
        }
        let Some(head) = ResultHead::at(b, at) else {
            continue;
        };
        let mut next = head.rows;
        while let Some(body) = packet(b, next) {
            let Some(values) = row(b, body.clone(), &head.columns) else {
                // A MariaDB client's next execution of the prepared statement, answered
                // without definitions: its rows follow under this head.
                if head.prepared && cached_answer(b, &body, head.columns.len()) {
                    next = skip_eof(b, body.end);
                    continue;
                }
                break;
            };
            for (column, value) in head.columns.iter().zip(values) {
                if let (Some(key), Some((value, syntax))) = (&column.name, value) {
                    out.push(Field {
                        key: key.clone(),
                        kind_hint: None,
                        label: None,
                        parent: None,
                        value,
                        syntax,
                    });
                }
            }
            next = body.end;
            if out.len() >= MAX_FIELDS {
                return;
            }
        }
        resume = next;
    }
}

/// The catalog every `ColumnDefinition41` opens with (`def`, length-encoded). Built once:
/// every buffer the full scan reads is asked.
static CATALOG: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new(b"\x03def"));

/// Body length of a `COM_STMT_PREPARE` answer (`COM_STMT_PREPARE_OK`).
const PREPARE_OK_LEN: usize = 12;

/// Most columns a head is read with.
const MAX_COLUMNS: usize = 4096;

/// One column of a result set head.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Column {
    /// `None` for a name the quiet check cannot see as a word.
    name: Option<Range<usize>>,
    /// Its `MYSQL_TYPE_*`, which lays out its values in a binary row.
    field_type: u8,
}

/// The head of a result set: the column count packet (or the `COM_STMT_PREPARE` answer), the
/// definitions and the EOF packet after them (unless the client deprecated it).
struct ResultHead {
    /// Where the head's first packet header starts.
    start: usize,
    columns: Vec<Column>,
    /// Where the rows start.
    rows: usize,
    /// A `COM_STMT_PREPARE` answer: its columns name the rows of every execution of the
    /// statement, not of one result set.
    prepared: bool,
}

impl ResultHead {
    /// The head whose first definition's catalog (`\x03def`) is at `at`, when the packet before
    /// that definition opens one and every definition fills its packet exactly.
    fn at(b: &[u8], at: usize) -> Option<Self> {
        let first = at.checked_sub(4)?;
        // A column count (length-encoded, and MariaDB's "metadata follows" byte), or a
        // `COM_STMT_PREPARE` answer: each length whose packet ends right before the definition
        // is tried, as a few bytes of a longer opening may read as a short packet's header.
        [1, 2, 3, 4, 5, PREPARE_OK_LEN].into_iter().find_map(|len| {
            let start = first.checked_sub(4 + len)?;
            let opening = packet(b, start).filter(|body| body.end == first)?;
            Self::after_opening(b, start, opening)
        })
    }

    /// The head that opens with the packet `opening` (its header at `start`).
    fn after_opening(b: &[u8], start: usize, opening: Range<usize>) -> Option<Self> {
        let mut next = opening.end;
        let prepared = opening.len() == PREPARE_OK_LEN;
        let count = if prepared {
            // Status 0, the statement's ID, its column and parameter counts, a reserved 0 and
            // the warning count.
            let ok = b.get(opening)?;
            if ok.first() != Some(&0) || ok.get(9) != Some(&0) {
                return None;
            }
            let u16_at = |i: usize| {
                Some(usize::from(u16::from_le_bytes([
                    *ok.get(i)?,
                    *ok.get(i + 1)?,
                ])))
            };
            let (columns, parameters) = (u16_at(5)?, u16_at(7)?);
            // The parameters' definitions (named `?`) come first.
            for _ in 0..parameters {
                let body = packet(b, next)?;
                column(b, body.clone())?;
                next = body.end;
            }
            if parameters > 0 {
                next = skip_eof(b, next);
            }
            columns
        } else {
            let (count, used) = lenenc_int(b, opening.start)?;
            let follows = b.get(opening.start + used..opening.end)?;
            if !matches!(follows, [] | [1]) {
                return None;
            }
            usize::try_from(count).ok()?
        };
        if !(1..=MAX_COLUMNS).contains(&count) {
            return None;
        }
        let mut columns = Vec::with_capacity(count.min(64));
        for _ in 0..count {
            let body = packet(b, next)?;
            columns.push(column(b, body.clone())?);
            next = body.end;
        }
        Some(Self {
            start,
            columns,
            rows: skip_eof(b, next),
            prepared,
        })
    }
}

/// Whether `body` is the column count packet of a MariaDB answer to `COM_STMT_EXECUTE` with
/// `count` columns whose definitions the client caches: the count, then "metadata follows" 0.
fn cached_answer(b: &[u8], body: &Range<usize>, count: usize) -> bool {
    b.get(body.clone())
        .is_some_and(|bytes| bytes.len() == 2 && usize::from(bytes[0]) == count && bytes[1] == 0)
}

/// Past the EOF packet at `at`, when one is there.
fn skip_eof(b: &[u8], at: usize) -> usize {
    packet(b, at)
        .filter(|body| is_eof(b, body))
        .map_or(at, |body| body.end)
}

/// Whether the packet `body` is an EOF packet (or the OK packet that ends a result set when the
/// client deprecated EOF: it opens with `0xfe` too).
fn is_eof(b: &[u8], body: &Range<usize>) -> bool {
    b.get(body.start) == Some(&0xfe) && body.len() < 9
}

/// A result set's rows go on in later segments than its column definitions, and a prepared
/// statement's rows come in later answers than its definitions: what a stream scanner keeps of
/// the server's side to read them (see `pg_stream`).
pub(crate) mod stream {
    use std::ops::Range;

    use super::{CATALOG, Column, ResultHead, is_eof, packet, row};

    /// A head kept for the rows of later segments.
    pub(crate) struct KeptHead {
        columns: Vec<Column>,
        /// It names every execution of a prepared statement: kept after a result set ends.
        pub(crate) prepared: bool,
    }

    /// The last result set head in `b` (its whole span, from its first packet to the rows),
    /// and whether its rows end in `b` (an EOF, OK or error packet after them). A
    /// `COM_STMT_PREPARE` answer's rows never end: each execution sends more.
    pub(crate) fn last_header(b: &[u8]) -> Option<(Range<usize>, bool)> {
        let mut last = None;
        for at in CATALOG.find_iter(b) {
            if let Some(head) = ResultHead::at(b, at) {
                let (_, completed) = rows_from(b, head.rows, &head.columns);
                last = Some((head.start..head.rows, completed && !head.prepared));
            }
        }
        last
    }

    /// The columns of a kept head (its bytes, as [`last_header`] spans them).
    pub(crate) fn kept(head: &[u8]) -> Option<KeptHead> {
        let at = CATALOG.find(head)?;
        let head = ResultHead::at(head, at)?;
        Some(KeptHead {
            columns: head.columns,
            prepared: head.prepared,
        })
    }

    /// Where the first of the rows of `head` in `b` starts (a segment starts inside a row, or
    /// between two, or holds a new answer's count packet): two whole rows in a row, or a row
    /// and the packet that ends the result set, their sequence numbers one apart; and whether
    /// the rows end in `b`.
    pub(crate) fn first_row(b: &[u8], head: &KeptHead) -> Option<(usize, bool)> {
        (0..b.len()).find_map(|at| {
            let (rows, completed) = rows_from(b, at, &head.columns);
            (rows >= 2 || (rows == 1 && completed)).then_some((at, completed))
        })
    }

    /// How many whole rows of `columns` follow one another from `at`, each packet's sequence
    /// number one past the one before, and whether a packet that ends a result set (EOF or OK:
    /// `0xfe`; an error: `0xff`) follows them.
    fn rows_from(b: &[u8], mut at: usize, columns: &[Column]) -> (usize, bool) {
        let mut rows = 0;
        let mut sequence: Option<u8> = None;
        while let Some(body) = packet(b, at) {
            let this = b.get(at + 3).copied().unwrap_or(0);
            if sequence.is_some_and(|s| s.wrapping_add(1) != this) {
                break;
            }
            if is_eof(b, &body) || b.get(body.start) == Some(&0xff) {
                return (rows, true);
            }
            if row(b, body.clone(), columns).is_none() {
                break;
            }
            rows += 1;
            sequence = Some(this);
            at = body.end;
        }
        (rows, false)
    }
}

/// The body of the packet whose 4-byte header starts at `at`, when it lies in `b` whole.
fn packet(b: &[u8], at: usize) -> Option<Range<usize>> {
    let header = b.get(at..at + 4)?;
    let len = usize::from(header[0]) | usize::from(header[1]) << 8 | usize::from(header[2]) << 16;
    let body = at + 4..at + 4 + len;
    (len > 0 && body.end <= b.len()).then_some(body)
}

/// A length-encoded integer at `at`: its value and the bytes it took (`0xfb`, NULL, is none).
fn lenenc_int(b: &[u8], at: usize) -> Option<(u64, usize)> {
    let first = *b.get(at)?;
    let wide = |n: usize| {
        let bytes = b.get(at + 1..at + 1 + n)?;
        Some((
            bytes
                .iter()
                .rev()
                .fold(0_u64, |v, &c| v << 8 | u64::from(c)),
            n + 1,
        ))
    };
    match first {
        0..=0xfa => Some((u64::from(first), 1)),
        0xfc => wide(2),
        0xfd => wide(3),
        0xfe => wide(8),
        _ => None,
    }
}

/// A length-encoded string at `at` within `limit`: its span and where it ends.
fn lenenc_str(b: &[u8], at: usize, limit: usize) -> Option<(Range<usize>, usize)> {
    let (len, used) = lenenc_int(b, at)?;
    let start = at + used;
    let end = start.checked_add(usize::try_from(len).ok()?)?;
    (end <= limit).then_some((start..end, end))
}

/// A `ColumnDefinition41` body, when it is one: the catalog `def`, schema, table, original
/// table, name and original name; MariaDB's extended type information when the client asked
/// for it (a length-encoded block); then the 13 fixed bytes announced by `0x0c` (character set,
/// length, type, flags, decimals, 2 reserved bytes).
fn column(b: &[u8], body: Range<usize>) -> Option<Column> {
    let mut at = body.start;
    let mut strings = [0..0, 0..0, 0..0, 0..0, 0..0, 0..0];
    for slot in &mut strings {
        let (span, end) = lenenc_str(b, at, body.end)?;
        *slot = span;
        at = end;
    }
    if b.get(strings[0].clone())? != b"def" {
        return None;
    }
    let fixed_fields = |at: usize| b.get(at) == Some(&0x0c) && at + 13 == body.end;
    if !fixed_fields(at) {
        at = lenenc_str(b, at, body.end)?.1;
        if !fixed_fields(at) {
            return None;
        }
    }
    let name = strings[4].clone();
    let bounded = |i: usize| b.get(i).is_some_and(|&c| c < 0x20);
    Some(Column {
        name: (!name.is_empty() && bounded(name.start - 1) && bounded(name.end)).then_some(name),
        field_type: *b.get(at + 7)?,
    })
}

/// A value of a row: its span and the syntax it is read in.
type Value = Option<(Range<usize>, Syntax)>;

/// The values of a row filling `body` exactly (`None` for NULL, an empty value or a number):
/// a text row's, else a binary row's.
fn row(b: &[u8], body: Range<usize>, columns: &[Column]) -> Option<Vec<Value>> {
    text_row(b, body.clone(), columns.len()).or_else(|| binary_row(b, body, columns))
}

/// A text row: `count` length-encoded strings (`0xfb` for NULL).
fn text_row(b: &[u8], body: Range<usize>, count: usize) -> Option<Vec<Value>> {
    let mut at = body.start;
    let mut values = Vec::with_capacity(count.min(64));
    for _ in 0..count {
        if b.get(at) == Some(&0xfb) {
            values.push(None);
            at += 1;
            continue;
        }
        let (value, end) = lenenc_str(b, at, body.end)?;
        values.push((!value.is_empty()).then_some((value, Syntax::Raw)));
        at = end;
    }
    (at == body.end).then_some(values)
}

/// How a binary row lays out a value of one `MYSQL_TYPE_*`.
#[derive(Clone, Copy)]
enum Layout {
    /// A number of this many bytes.
    Fixed(usize),
    /// A length byte (one of these) and a date, a time of day after it in the longer forms.
    Temporal(&'static [usize]),
    /// `TIME`: a length byte (one of these) and a duration.
    Duration(&'static [usize]),
    /// A length-encoded string: text, decimals, blobs, JSON, enumerations, bits, geometry.
    LengthEncoded,
}

impl Layout {
    /// The layout of a column type; `None` for a type no server sends.
    fn of(field_type: u8) -> Option<Self> {
        Some(match field_type {
            // TINY, SHORT and YEAR, LONG, FLOAT and INT24, DOUBLE and LONGLONG, NULL.
            0x01 => Self::Fixed(1),
            0x02 | 0x0d => Self::Fixed(2),
            0x03 | 0x04 | 0x09 => Self::Fixed(4),
            0x05 | 0x08 => Self::Fixed(8),
            0x06 => Self::Fixed(0),
            // TIMESTAMP, DATE, DATETIME, NEWDATE.
            0x07 | 0x0a | 0x0c | 0x0e => Self::Temporal(&[0, 4, 7, 11]),
            0x0b => Self::Duration(&[0, 8, 12]),
            // DECIMAL, VARCHAR, BIT, and VECTOR to GEOMETRY (JSON, NEWDECIMAL, ENUM, SET,
            // the BLOBs, VAR_STRING, STRING).
            0x00 | 0x0f | 0x10 | 0xf2..=0xff => Self::LengthEncoded,
            _ => return None,
        })
    }
}

/// A binary row: `0x00`, a NULL bitmap (a bit per column, offset by 2), then each value that is
/// not NULL as its column's type lays it out.
fn binary_row(b: &[u8], body: Range<usize>, columns: &[Column]) -> Option<Vec<Value>> {
    if b.get(body.start) != Some(&0) {
        return None;
    }
    let bitmap_len = (columns.len() + 9) / 8;
    let bitmap = b.get(body.start + 1..body.start + 1 + bitmap_len)?;
    let is_set = |bit: usize| {
        bitmap
            .get(bit / 8)
            .is_some_and(|&c| c >> (bit % 8) & 1 == 1)
    };
    // The two bits before the first column's and those after the last one's are 0.
    if is_set(0) || is_set(1) || (columns.len() + 2..bitmap_len * 8).any(is_set) {
        return None;
    }
    let mut at = body.start + 1 + bitmap_len;
    let mut values = Vec::with_capacity(columns.len().min(64));
    for (i, column) in columns.iter().enumerate() {
        if is_set(i + 2) {
            values.push(None);
            continue;
        }
        let layout = Layout::of(column.field_type)?;
        let value = match layout {
            Layout::Fixed(width) => {
                at += width;
                None
            }
            Layout::Temporal(lengths) | Layout::Duration(lengths) => {
                let len = usize::from(*b.get(at)?);
                if !lengths.contains(&len) {
                    return None;
                }
                let span = at + 1..at + 1 + len;
                at = span.end;
                let is_date = matches!(layout, Layout::Temporal(_));
                (is_date && len > 0).then_some((span, Syntax::MysqlDate))
            }
            Layout::LengthEncoded => {
                let (span, end) = lenenc_str(b, at, body.end)?;
                at = end;
                (!span.is_empty()).then_some((span, Syntax::Raw))
            }
        };
        if at > body.end {
            return None;
        }
        values.push(value);
    }
    (at == body.end).then_some(values)
}

/// The date of a binary row's `DATE`, `DATETIME` or `TIMESTAMP` value (year in 2 bytes, month,
/// day, then the time of day), as `YYYY-MM-DD`; every byte of it spans the whole value.
pub(crate) fn date_text(value: &[u8]) -> Option<Decoded> {
    let [year_low, year_high, month, day, ..] = *value else {
        return None;
    };
    let year = u16::from_le_bytes([year_low, year_high]);
    if year > 9999 || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let text = format!("{year:04}-{month:02}-{day:02}").into_bytes();
    let mut map = SpanMap::with_capacity(text.len());
    for _ in 0..text.len() {
        map.push(0..value.len());
    }
    Some((text, map))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::fields::{extract, tests::owned};

    /// `(name, value, syntax)` of every field read from a MySQL result set in `b`.
    fn read(b: &[u8]) -> Vec<(String, Vec<u8>, Syntax)> {
        let mut out = Vec::new();
        mysql_fields(b, &mut out);
        out.into_iter()
            .map(|f| {
                (
                    String::from_utf8_lossy(&b[f.key]).into_owned(),
                    b[f.value].to_vec(),
                    f.syntax,
                )
            })
            .collect()
    }

    fn text_pairs(b: &[u8]) -> Vec<(String, String)> {
        read(b)
            .into_iter()
            .map(|(k, v, _)| (k, String::from_utf8_lossy(&v).into_owned()))
            .collect()
    }

    /// A MySQL packet: its 3-byte length, sequence number and `body`.
    pub(crate) fn packet_bytes(sequence: u8, body: &[u8]) -> Vec<u8> {
        let len = u32::try_from(body.len()).expect("small").to_le_bytes();
        [&len[..3], &[sequence], body].concat()
    }

    pub(crate) fn lenenc(bytes: &[u8]) -> Vec<u8> {
        let len = bytes.len();
        let mut out = match u8::try_from(len) {
            Ok(short) if short < 0xfb => vec![short],
            _ => [
                &[0xfc][..],
                &u16::try_from(len).expect("short").to_le_bytes(),
            ]
            .concat(),
        };
        out.extend(bytes);
        out
    }

    /// Which server and client options shape a head.
    #[derive(Clone, Copy)]
    pub(crate) struct Dialect {
        /// An EOF packet after the definitions (no `CLIENT_DEPRECATE_EOF`).
        pub(crate) eof: bool,
        /// MariaDB with a Connector/C client: the count packet's "metadata follows" byte and a
        /// definition's (empty) extended type information.
        pub(crate) mariadb: bool,
    }

    pub(crate) const MYSQL: Dialect = Dialect {
        eof: true,
        mariadb: false,
    };
    pub(crate) const MARIADB: Dialect = Dialect {
        eof: true,
        mariadb: true,
    };

    /// A column definition of `name` and `field_type`.
    fn definition(name: &str, field_type: u8, dialect: Dialect) -> Vec<u8> {
        let mut body: Vec<u8> = ["def", "crm", "customers", "customers", name, name]
            .iter()
            .flat_map(|s| lenenc(s.as_bytes()))
            .collect();
        if dialect.mariadb {
            body.push(0);
        }
        body.push(0x0c);
        body.extend([
            0x21, 0x00, 0xfc, 0x03, 0x00, 0x00, field_type, 0x00, 0x00, 0x00, 0x00, 0x00,
        ]);
        body
    }

    /// Packets numbered from `sequence` on.
    struct Packets {
        bytes: Vec<u8>,
        sequence: u8,
    }

    impl Packets {
        fn new(sequence: u8) -> Self {
            Self {
                bytes: Vec::new(),
                sequence,
            }
        }

        fn push(&mut self, body: &[u8]) {
            self.bytes.extend(packet_bytes(self.sequence, body));
            self.sequence = self.sequence.wrapping_add(1);
        }
    }

    /// A column count packet's body: MariaDB says whether definitions follow.
    fn count_body(count: u8, dialect: Dialect, metadata: bool) -> Vec<u8> {
        if dialect.mariadb {
            vec![count, u8::from(metadata)]
        } else {
            vec![count]
        }
    }

    const EOF: [u8; 5] = [0xfe, 0x00, 0x00, 0x22, 0x00];

    /// A server's text result set, with the EOF packet after the column definitions or without
    /// it (`CLIENT_DEPRECATE_EOF`).
    pub(crate) fn result(columns: &[&str], rows: &[&[Option<&str>]], eof: bool) -> Vec<u8> {
        text_result(
            columns,
            rows,
            Dialect {
                eof,
                mariadb: false,
            },
        )
    }

    /// A text result set of `VAR_STRING` columns as `dialect` writes it.
    pub(crate) fn text_result(
        columns: &[&str],
        rows: &[&[Option<&str>]],
        dialect: Dialect,
    ) -> Vec<u8> {
        let mut packets = Packets::new(1);
        let count = u8::try_from(columns.len()).expect("few");
        packets.push(&count_body(count, dialect, true));
        for name in columns {
            packets.push(&definition(name, 0xfd, dialect));
        }
        if dialect.eof {
            packets.push(&EOF);
        }
        for row in rows {
            let body: Vec<u8> = row
                .iter()
                .flat_map(|v| v.map_or_else(|| vec![0xfb], |v| lenenc(v.as_bytes())))
                .collect();
            packets.push(&body);
        }
        packets.push(&EOF);
        packets.bytes
    }

    /// A binary row of `values` (`None`: NULL), each already laid out for its column's type.
    pub(crate) fn binary_row_body(values: &[Option<Vec<u8>>]) -> Vec<u8> {
        let mut bitmap = vec![0_u8; (values.len() + 9) / 8];
        let mut body = Vec::new();
        for (i, value) in values.iter().enumerate() {
            match value {
                Some(v) => body.extend(v),
                None => bitmap[(i + 2) / 8] |= 1 << ((i + 2) % 8),
            }
        }
        [&[0][..], &bitmap, &body].concat()
    }

    /// A `DATE` value as a binary row writes it.
    pub(crate) fn binary_date(year: u16, month: u8, day: u8) -> Vec<u8> {
        let [low, high] = year.to_le_bytes();
        vec![4, low, high, month, day]
    }

    /// The customers table of the binary tests: `id` INT, `full_name` VARCHAR, `birth_date`
    /// DATE, `created_at` DATETIME.
    pub(crate) const CUSTOMER_COLUMNS: [(&str, u8); 4] = [
        ("id", 0x03),
        ("full_name", 0xfd),
        ("birth_date", 0x0a),
        ("created_at", 0x0c),
    ];

    /// A customer's binary row.
    pub(crate) fn customer_row(id: u32, name: Option<&str>, birth: (u16, u8, u8)) -> Vec<u8> {
        let created = {
            let mut v = binary_date(2026, 11, 24);
            v[0] = 7;
            v.extend([10, 11, 12]);
            v
        };
        binary_row_body(&[
            Some(id.to_le_bytes().to_vec()),
            name.map(|n| lenenc(n.as_bytes())),
            Some(binary_date(birth.0, birth.1, birth.2)),
            Some(created),
        ])
    }

    /// A server's answer to `COM_STMT_PREPARE` of a statement with `parameters` and `columns`.
    pub(crate) fn prepare_answer(
        parameters: u16,
        columns: &[(&str, u8)],
        dialect: Dialect,
    ) -> Vec<u8> {
        let mut packets = Packets::new(1);
        let mut ok = vec![0, 7, 0, 0, 0];
        ok.extend(u16::try_from(columns.len()).expect("few").to_le_bytes());
        ok.extend(parameters.to_le_bytes());
        ok.extend([0, 0, 0]);
        packets.push(&ok);
        for _ in 0..parameters {
            packets.push(&definition("?", 0xfd, dialect));
        }
        if parameters > 0 && dialect.eof {
            packets.push(&EOF);
        }
        for (name, field_type) in columns {
            packets.push(&definition(name, *field_type, dialect));
        }
        if dialect.eof {
            packets.push(&EOF);
        }
        packets.bytes
    }

    /// A server's answer to `COM_STMT_EXECUTE`: a binary result set of `rows` (row bodies), with
    /// its column definitions, or without them where a MariaDB client caches them.
    pub(crate) fn execute_answer(
        columns: &[(&str, u8)],
        rows: &[Vec<u8>],
        dialect: Dialect,
        metadata: bool,
    ) -> Vec<u8> {
        let mut packets = Packets::new(1);
        let count = u8::try_from(columns.len()).expect("few");
        packets.push(&count_body(count, dialect, metadata));
        if metadata {
            for (name, field_type) in columns {
                packets.push(&definition(name, *field_type, dialect));
            }
        }
        if dialect.eof {
            packets.push(&EOF);
        }
        for row in rows {
            packets.push(row);
        }
        packets.push(&EOF);
        packets.bytes
    }

    #[test]
    fn text_rows() {
        let long = "x".repeat(300);
        for dialect in [
            MYSQL,
            MARIADB,
            Dialect {
                eof: false,
                mariadb: false,
            },
            Dialect {
                eof: false,
                mariadb: true,
            },
        ] {
            let result = text_result(
                &["id", "full_name", "birth_date", "notes"],
                &[
                    &[
                        Some("1"),
                        Some("Anna Berg"),
                        Some("1984-03-12"),
                        Some(long.as_str()),
                    ],
                    &[Some("2"), None, Some(""), None],
                ],
                dialect,
            );
            assert_eq!(
                text_pairs(&result),
                owned(&[
                    ("id", "1"),
                    ("full_name", "Anna Berg"),
                    ("birth_date", "1984-03-12"),
                    ("notes", long.as_str()),
                    ("id", "2"),
                ]),
                "eof {}, mariadb {}",
                dialect.eof,
                dialect.mariadb
            );
        }
        // A row that does not fill its packet, or a count that disagrees: nothing.
        let mut short = result(&["full_name"], &[&[Some("Anna Berg")]], false);
        let at = short
            .iter()
            .rposition(|&c| c == 9)
            .expect("the value's length");
        short[at] = 8;
        assert!(text_pairs(&short).is_empty());
        let mut count = result(&["full_name"], &[&[Some("Anna Berg")]], false);
        count[4] = 2;
        assert!(text_pairs(&count).is_empty());
        // MariaDB's "metadata follows" byte is 1 where definitions follow.
        let mut follows = text_result(&["full_name"], &[&[Some("Anna Berg")]], MARIADB);
        follows[5] = 2;
        assert!(text_pairs(&follows).is_empty());
        // A name of 48 bytes or more sits glued to a printable length byte: unnamed.
        let wide = "customer_full_name_as_printed_on_the_loyalty_card";
        let glued = result(&[wide], &[&[Some("Anna Berg")]], false);
        assert!(text_pairs(&glued).is_empty());
    }

    #[test]
    fn binary_rows_with_their_definitions() {
        let rows = [
            customer_row(1, Some("Anna Berg"), (1984, 3, 12)),
            customer_row(2, None, (1979, 5, 23)),
        ];
        for dialect in [MYSQL, MARIADB] {
            let answer = execute_answer(&CUSTOMER_COLUMNS, &rows, dialect, true);
            let fields = read(&answer);
            let names: Vec<(&str, Syntax)> = fields
                .iter()
                .map(|(k, _, syntax)| (k.as_str(), *syntax))
                .collect();
            assert_eq!(
                names,
                [
                    ("full_name", Syntax::Raw),
                    ("birth_date", Syntax::MysqlDate),
                    ("created_at", Syntax::MysqlDate),
                    ("birth_date", Syntax::MysqlDate),
                    ("created_at", Syntax::MysqlDate),
                ]
            );
            assert_eq!(fields[0].1, b"Anna Berg");
            let dates: Vec<String> = fields
                .iter()
                .filter(|(_, _, syntax)| *syntax == Syntax::MysqlDate)
                .map(|(_, v, _)| String::from_utf8(date_text(v).expect("a date").0).expect("ASCII"))
                .collect();
            assert_eq!(
                dates,
                ["1984-03-12", "2026-11-24", "1979-05-23", "2026-11-24"]
            );
        }
    }

    #[test]
    fn binary_rows_that_do_not_fit_their_types_are_not_read() {
        let good = customer_row(1, Some("Anna Berg"), (1984, 3, 12));
        let answer = |row: Vec<u8>| execute_answer(&CUSTOMER_COLUMNS, &[row], MYSQL, true);
        assert_eq!(read(&answer(good.clone())).len(), 3);
        // A date of a length no temporal value has.
        let mut odd_date = good.clone();
        let at = odd_date
            .iter()
            .position(|&c| c == 4)
            .expect("the date's length");
        odd_date[at] = 5;
        assert!(read(&answer(odd_date)).is_empty());
        // A bit set past the last column.
        let mut stray = good.clone();
        stray[1] |= 0x80;
        assert!(read(&answer(stray)).is_empty());
        // A byte too many.
        let mut long = good;
        long.push(0);
        assert!(read(&answer(long)).is_empty());
    }

    #[test]
    fn prepared_heads_name_rows_after_them() {
        for dialect in [MYSQL, MARIADB] {
            let mut bytes = prepare_answer(1, &CUSTOMER_COLUMNS, dialect);
            let head_len = bytes.len();
            bytes.extend(packet_bytes(
                3,
                &customer_row(5, Some("Jürgen Müller"), (1990, 1, 2)),
            ));
            bytes.extend(packet_bytes(4, &EOF));
            let fields = read(&bytes);
            assert_eq!(fields.len(), 3, "mariadb {}", dialect.mariadb);
            assert_eq!(fields[0].1, "Jürgen Müller".as_bytes());
            // The head alone, as a stream scanner keeps it.
            let kept = stream::kept(&bytes[..head_len]).expect("a head");
            assert!(kept.prepared);
            let (span, completed) = stream::last_header(&bytes).expect("a head");
            assert_eq!(span, 0..head_len);
            assert!(!completed, "a prepared head names later executions too");
        }
        // A statement without columns (an INSERT) has no head.
        assert!(stream::last_header(&prepare_answer(3, &[], MARIADB)).is_none());
    }

    #[test]
    fn dates_are_read_as_iso() {
        let (text, map) = date_text(&[0xbb, 0x07, 5, 23]).expect("a date");
        assert_eq!(text, b"1979-05-23");
        assert!(map.starts.iter().all(|&s| s == 0) && map.ends.iter().all(|&e| e == 4));
        assert!(date_text(&[0xbb, 0x07, 13, 23]).is_none());
        assert!(date_text(&[0xbb, 0x07, 5, 0]).is_none());
        assert!(date_text(&[0xbb, 0x07, 5]).is_none());
        let (datetime, _) = date_text(&[0xea, 0x07, 11, 24, 10, 11, 12]).expect("a datetime");
        assert_eq!(datetime, b"2026-11-24");
    }

    #[test]
    fn the_full_reader_list_calls_this_one() {
        let answer = execute_answer(
            &CUSTOMER_COLUMNS,
            &[customer_row(1, Some("Anna Berg"), (1984, 3, 12))],
            MARIADB,
            true,
        );
        assert!(
            extract(&answer)
                .iter()
                .any(|f| f.syntax == Syntax::MysqlDate)
        );
    }
}
