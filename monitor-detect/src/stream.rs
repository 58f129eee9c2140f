//! Incremental scanning of one direction of one flow.

use crate::{
    DataType, Engine, Finding,
    decode::{framing, http2},
    fields, http,
};

/// Longest result set head kept for the rows of later segments: column definitions only.
const MAX_RESULT_HEAD: usize = 4096;

/// Most PostgreSQL statements kept per direction for the `Bind`s of later segments (a driver's
/// statement cache holds a few dozen: pgx and pgJDBC keep 256 by default, of which a flow's
/// hot path binds a few).
const MAX_STATEMENTS: usize = 32;

/// Scans a byte stream chunk by chunk. Keeps the tail of the previous chunk so that a value
/// straddling two contiguous chunks is found, reports each match once, and forgets the tail when
/// a gap (lost or skipped bytes) is seen. Findings carry absolute stream offsets. `Debug` shows
/// offsets only, never the carried bytes.
///
/// HTTP messages are framed by their own heads: a chunk that starts a message starts afresh, and
/// while the chunked or compressed body of the last message is still arriving, the whole message
/// is kept (up to `EngineConfig::stream_message_bytes`) and scanned again with each chunk, so
/// that its body is de-chunked or inflated whole.
#[derive(Default)]
pub struct StreamScanner {
    /// Bytes kept from the chunks fed so far: the tail of the last buffer scanned (at most
    /// `EngineConfig::stream_carry_bytes`), or a whole HTTP message (see [`Self::held_bytes`]).
    carry: Vec<u8>,
    /// Stream offset of `carry[0]`.
    carry_offset: u64,
    /// `carry` is an HTTP message from its head whose decoded body is still arriving.
    holds_message: bool,
    /// Stream offset one past the last byte fed; `None` before the first chunk.
    next_offset: Option<u64>,
    /// Findings already reported that reach into the carried bytes: (type, start, end).
    reported: Vec<(DataType, u64, u64)>,
    /// The head of a database result set whose rows are still arriving (a PostgreSQL
    /// `RowDescription`, or MySQL's column count and definitions): its column names (the
    /// table's schema, never a value) name the rows of later segments, also after a gap (the
    /// capture samples long flows). A row counts only when it fits the head (PostgreSQL: the
    /// columns' count and types; MySQL: the count and, in a binary row, the types, and
    /// sequence numbers one apart), and the packet that ends the result set or a new head ends
    /// it. A MySQL `COM_STMT_PREPARE` answer's head names the binary rows of every execution
    /// of the statement (a MariaDB client caches it, and the server sends no definitions
    /// again): only a new head ends it.
    result_head: Option<(Database, Vec<u8>)>,
    /// PostgreSQL `Parse` messages (a statement's name and SQL, whose placeholders name its
    /// parameters; the values come with each `Bind`) for the `Bind`s of later segments: a
    /// driver parses a statement once and binds it again and again (pgx's statement cache,
    /// pgJDBC from a statement's fifth execution on, both under a name; a `Parse` of the
    /// unnamed statement, then its `Bind` in another write). The latest `Parse` of a name
    /// replaces the one before, and the oldest goes when [`MAX_STATEMENTS`] are kept. They are
    /// kept across gaps: a name says which statement a `Bind` is for.
    statements: Vec<Vec<u8>>,
}

/// Whether `bytes` opens with the frames of a protocol the engine decodes only from a buffer's
/// first byte: WebSocket frames that hide their payload (masked or compressed), HTTP/2 frames
/// with header strings, MQTT packets with a publish, AMQP frames with a message.
fn opens_frames(bytes: &[u8]) -> bool {
    framing::websocket_payloads(bytes, 0).is_some()
        || http2::hides_text(bytes)
        || fields::mqtt::has_publish(bytes)
        || fields::amqp::has_message(bytes)
}

/// Whose result set a kept head is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Database {
    Postgres,
    Mysql,
}

impl std::fmt::Debug for StreamScanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamScanner")
            .field("carry_len", &self.carry.len())
            .field("carry_offset", &self.carry_offset)
            .field("holds_message", &self.holds_message)
            .field("next_offset", &self.next_offset)
            .field("reported", &self.reported.len())
            .field(
                "result_head_len",
                &self.result_head.as_ref().map(|(_, head)| head.len()),
            )
            .field("statements", &self.statements.len())
            .finish()
    }
}

impl StreamScanner {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the chunk that starts at stream offset `offset`; returns the findings not reported
    /// before, with absolute stream offsets in `start`/`end`.
    pub fn feed(&mut self, engine: &Engine, offset: u64, bytes: &[u8]) -> Vec<Finding> {
        // A gap, a retransmission or the first chunk: nothing carries over. Nor does it into a
        // chunk that starts an HTTP message (the next request on a kept-alive connection): no
        // value spans two messages, and the engine frames the message's body by its head only
        // when the buffer starts with it.
        if self.next_offset != Some(offset) || http::head_end(bytes).is_some() {
            self.carry.clear();
            self.reported.clear();
            self.carry_offset = offset;
            self.holds_message = false;
        }
        let carried = self.carry.len();
        self.carry.extend_from_slice(bytes);
        let buffer = std::mem::take(&mut self.carry);
        let base = self.carry_offset;
        let mut fresh = Vec::new();
        for f in engine.scan(&buffer) {
            self.report(f, 0, base, carried, &mut fresh);
        }
        // Framed protocols are decoded only from a buffer's first byte, which the carried tail
        // hides: a chunk that opens with their frames is also read alone.
        if carried > 0 && opens_frames(bytes) {
            for f in engine.scan(bytes) {
                self.report(f, carried, base, carried, &mut fresh);
            }
        }
        // Every message of either database protocol holds a NUL in its length (PostgreSQL's
        // under 16 MiB, MySQL's packets under 64 KiB): a chunk of text without one, most chunks
        // of most flows, holds none, and costs one `memchr`.
        if memchr::memchr(0, &buffer).is_some() {
            self.result_rows(engine, &buffer, base, &mut fresh);
            self.bound_parameters(engine, &buffer, base, &mut fresh);
        }
        let config = engine.config();
        let message = http::unfinished_decoded_message(&buffer)
            .filter(|&start| buffer.len() - start <= config.stream_message_bytes);
        self.holds_message = message.is_some();
        let keep_from =
            message.unwrap_or_else(|| buffer.len() - config.stream_carry_bytes.min(buffer.len()));
        self.carry = buffer.get(keep_from..).unwrap_or_default().to_vec();
        self.carry_offset = base.saturating_add(keep_from as u64);
        self.next_offset = Some(offset.saturating_add(bytes.len() as u64));
        let carry_offset = self.carry_offset;
        self.reported.retain(|&(_, _, e)| e > carry_offset);
        fresh
    }

    /// Reports `f`, found at `shift` bytes into the buffer that starts at stream offset `base`,
    /// unless it lies in the `carried` bytes or was reported before.
    fn report(
        &mut self,
        mut f: Finding,
        shift: usize,
        base: u64,
        carried: usize,
        fresh: &mut Vec<Finding>,
    ) {
        let (start, end) = (f.start + shift, f.end + shift);
        // Entirely inside the carried bytes: it was seen with the previous chunk.
        if end <= carried {
            return;
        }
        let start = base.saturating_add(start as u64);
        let end = base.saturating_add(end as u64);
        let seen = self
            .reported
            .iter()
            .any(|&(t, s, e)| t == f.data_type && s < end && start < e);
        if seen {
            return;
        }
        self.reported.push((f.data_type, start, end));
        f.start = usize::try_from(start).unwrap_or(usize::MAX);
        f.end = usize::try_from(end).unwrap_or(usize::MAX);
        fresh.push(f);
    }

    /// Database rows in `buffer` whose result set head came in an earlier segment: scanned
    /// again behind the kept head, from the first whole row on. A head in `buffer` replaces
    /// the kept one while its result set is open at the buffer's end; a result set that ends is
    /// forgotten.
    fn result_rows(&mut self, engine: &Engine, buffer: &[u8], base: u64, fresh: &mut Vec<Finding>) {
        let head = fields::pg_stream::last_description(buffer)
            .map(|head| (Database::Postgres, head))
            .or_else(|| {
                fields::mysql::stream::last_header(buffer).map(|head| (Database::Mysql, head))
            });
        if let Some((database, (span, completed))) = head {
            self.result_head = (!completed && span.len() <= MAX_RESULT_HEAD)
                .then(|| (database, buffer.get(span).unwrap_or_default().to_vec()));
            return;
        }
        let Some((database, kept)) = self.result_head.take() else {
            return;
        };
        // A MySQL head of a prepared statement names the rows of each of its executions.
        let mut prepared = false;
        let first = match database {
            Database::Postgres => fields::pg_stream::shapes(&kept, 0)
                .and_then(|shapes| fields::pg_stream::first_row(buffer, &shapes)),
            Database::Mysql => fields::mysql::stream::kept(&kept).and_then(|head| {
                prepared = head.prepared;
                fields::mysql::stream::first_row(buffer, &head)
            }),
        };
        // No whole row (a segment inside one long row): the head waits for the next.
        let Some((first, completed)) = first else {
            self.result_head = Some((database, kept));
            return;
        };
        let mut described = kept;
        let kept_len = described.len();
        described.extend_from_slice(buffer.get(first..).unwrap_or_default());
        for f in engine.scan(&described) {
            if f.start >= kept_len {
                let f = Finding {
                    start: f.start - kept_len,
                    end: f.end - kept_len,
                    ..f
                };
                // A row cut at the end of the previous chunk was not read there, though its
                // bytes are carried: only what was reported counts as seen.
                self.report(f, first, base, 0, fresh);
            }
        }
        if !completed || prepared {
            described.truncate(kept_len);
            self.result_head = Some((database, described));
        }
    }

    /// PostgreSQL `Bind`s in `buffer` that the engine does not read behind a `Parse` of the
    /// buffer itself, each scanned behind the `Parse` of its statement: the latest one before
    /// it in `buffer` (out of the engine's reach), else the one kept from an earlier segment.
    /// Then the buffer's `Parse` messages are kept.
    fn bound_parameters(
        &mut self,
        engine: &Engine,
        buffer: &[u8],
        base: u64,
        fresh: &mut Vec<Finding>,
    ) {
        let (parses, binds) = fields::pg_stream::statements(buffer);
        if parses.is_empty() && binds.is_empty() {
            return;
        }
        let name_of = |message: &fields::pg_stream::StatementMessage| {
            buffer.get(message.name.clone()).unwrap_or_default()
        };
        for bind in &binds {
            let name = name_of(bind);
            let parsed_here = parses
                .iter()
                .rev()
                .find(|parse| parse.message.end <= bind.message.start && name_of(parse) == name)
                .and_then(|parse| buffer.get(parse.message.clone()));
            let Some(parse) = parsed_here.or_else(|| {
                self.statements
                    .iter()
                    .find(|kept| fields::pg_stream::statement_name(kept) == Some(name))
                    .map(Vec::as_slice)
            }) else {
                continue;
            };
            let mut described = parse.to_vec();
            let parse_len = described.len();
            described.extend_from_slice(buffer.get(bind.message.clone()).unwrap_or_default());
            for f in engine.scan(&described) {
                if f.start >= parse_len {
                    let f = Finding {
                        start: f.start - parse_len,
                        end: f.end - parse_len,
                        ..f
                    };
                    self.report(f, bind.message.start, base, 0, fresh);
                }
            }
        }
        for parse in &parses {
            let Some(message) = buffer.get(parse.message.clone()) else {
                continue;
            };
            if message.len() > MAX_RESULT_HEAD {
                continue;
            }
            let name = name_of(parse);
            self.statements
                .retain(|kept| fields::pg_stream::statement_name(kept) != Some(name));
            if self.statements.len() >= MAX_STATEMENTS {
                self.statements.remove(0);
            }
            self.statements.push(message.to_vec());
        }
    }

    /// Bytes kept for later chunks that a caller bounding many scanners may reclaim with
    /// [`Self::release_held`]: an HTTP message kept until its decoded body has arrived, and the
    /// database schema kept for later segments (a result set's head, prepared statements). The
    /// few bytes of the carried tail are not counted.
    #[must_use]
    pub fn held_bytes(&self) -> usize {
        let message = if self.holds_message {
            self.carry.len()
        } else {
            0
        };
        let head = self.result_head.as_ref().map_or(0, |(_, head)| head.len());
        let statements: usize = self.statements.iter().map(Vec::len).sum();
        message + head + statements
    }

    /// Stops keeping what [`Self::held_bytes`] counts: a held HTTP message, already scanned as
    /// far as it arrived (only its tail carries into the next chunk, as after any other), and
    /// the kept database schema (later rows and bound parameters are read as after a gap in
    /// which their head or statement was lost).
    pub fn release_held(&mut self, engine: &Engine) {
        self.result_head = None;
        self.statements.clear();
        if !self.holds_message {
            return;
        }
        self.holds_message = false;
        let keep = engine.config().stream_carry_bytes.min(self.carry.len());
        let tail_start = self.carry.len() - keep;
        self.carry.drain(..tail_start);
        self.carry_offset = self.carry_offset.saturating_add(tail_start as u64);
        let carry_offset = self.carry_offset;
        self.reported.retain(|&(_, _, e)| e > carry_offset);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::{EngineConfig, decode::inflate::gzip};

    fn engine() -> Engine {
        Engine::new(EngineConfig::default()).unwrap()
    }

    #[test]
    fn finds_value_straddling_chunks_once() {
        let engine = engine();
        let mut s = StreamScanner::new();
        let a = b"log: mail to anna.sch";
        let b = b"midt@example.com done, again anna.schmidt@example.com";
        assert!(s.feed(&engine, 1000, a).is_empty());
        let found = s.feed(&engine, 1000 + a.len() as u64, b);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].data_type, DataType::Email);
        assert_eq!(found[0].start, 1013);
        assert_eq!(found[0].end, 1000 + a.len() + 16);
        // Feeding an unrelated contiguous chunk reports nothing again.
        let next = 1000 + (a.len() + b.len()) as u64;
        assert!(s.feed(&engine, next, b" bye").is_empty());
    }

    /// `(type, stream bytes)` of each finding of `stream` fed in chunks of `size` bytes.
    fn fed_in_chunks(stream: &[u8], size: usize) -> Vec<(DataType, Vec<u8>)> {
        let engine = engine();
        let mut s = StreamScanner::new();
        let mut found = Vec::new();
        for (i, chunk) in stream.chunks(size).enumerate() {
            for f in s.feed(&engine, (i * size) as u64, chunk) {
                found.push((f.data_type, stream[f.start..f.end].to_vec()));
            }
        }
        found
    }

    /// `count` rows of an id, a name and a birth date.
    fn customer_rows(count: usize) -> Vec<Vec<Option<String>>> {
        let names = [
            "Ottilie Wennerström",
            "Jonas Berg",
            "Anna Müller",
            "Lena Vogt",
        ];
        (0..count)
            .map(|i| {
                vec![
                    Some(format!("{}", 1000 + i)),
                    Some(names[i % names.len()].to_owned()),
                    Some(format!("19{:02}-0{}-1{}", 50 + i % 40, 1 + i % 9, i % 10)),
                ]
            })
            .collect()
    }

    #[test]
    fn postgres_parameters_bound_in_later_segments_are_read_under_their_columns() {
        let engine = engine();
        let insert = "INSERT INTO customers (full_name, birth_date, plan) VALUES ($1, $2, $3)";
        let select = "SELECT id FROM customers WHERE city = $1";
        let person = [Some("Jonas Berg"), Some("1985-04-12"), Some("pro")];
        // What one segment gives: (type, value) of each finding.
        let feed = |s: &mut StreamScanner, offset: &mut u64, bytes: &[u8]| {
            let found: Vec<(DataType, String)> = s
                .feed(&engine, *offset, bytes)
                .into_iter()
                .map(|f| {
                    let at = f.start - usize::try_from(*offset).unwrap();
                    let end = f.end - usize::try_from(*offset).unwrap();
                    (
                        f.data_type,
                        String::from_utf8_lossy(&bytes[at..end]).into_owned(),
                    )
                })
                .collect();
            *offset += bytes.len() as u64;
            found
        };
        let named = [
            (DataType::PersonName, "Jonas Berg".to_owned()),
            (DataType::DateOfBirth, "1985-04-12".to_owned()),
        ];
        for name in ["stmtcache_4f1e", ""] {
            let (prepare, execute) = fields::tests::pg_prepare_then_bind(name, insert, &person);
            // Alone, an execution's values have no names.
            assert_eq!(engine.scan(&execute), vec![], "{name:?}");
            let mut s = StreamScanner::new();
            let mut offset = 0;
            assert_eq!(feed(&mut s, &mut offset, &prepare), vec![]);
            assert_eq!(feed(&mut s, &mut offset, &execute), named, "{name:?}");
            // Every later execution, also after a gap.
            offset += 5000;
            assert_eq!(
                feed(&mut s, &mut offset, &execute),
                named,
                "{name:?} after a gap"
            );
            // The name parsed again for another statement: its columns, not the old ones.
            let (other, other_execute) =
                fields::tests::pg_prepare_then_bind(name, select, &[Some("Jonas Berg")]);
            assert_eq!(feed(&mut s, &mut offset, &other), vec![]);
            assert_eq!(
                feed(&mut s, &mut offset, &other_execute),
                vec![],
                "{name:?}"
            );
        }
        // A statement another flow prepared, or one no longer kept, names nothing.
        let mut s = StreamScanner::new();
        let mut offset = 0;
        for i in 0..=MAX_STATEMENTS {
            let (prepare, _) =
                fields::tests::pg_prepare_then_bind(&format!("s{i}"), insert, &person);
            feed(&mut s, &mut offset, &prepare);
        }
        let (_, first) = fields::tests::pg_prepare_then_bind("s0", insert, &person);
        let (_, last) =
            fields::tests::pg_prepare_then_bind(&format!("s{MAX_STATEMENTS}"), insert, &person);
        assert_eq!(feed(&mut s, &mut offset, &first), vec![], "the oldest went");
        assert_eq!(feed(&mut s, &mut offset, &last), named);
        let (_, unknown) = fields::tests::pg_prepare_then_bind("elsewhere", insert, &person);
        assert_eq!(feed(&mut s, &mut offset, &unknown), vec![]);
        // Kept statements count as held, and a caller bounding memory may take them back.
        let kept: usize = (1..=MAX_STATEMENTS)
            .map(|i| {
                let (prepare, _) =
                    fields::tests::pg_prepare_then_bind(&format!("s{i}"), insert, &person);
                // The `Parse` message: its type byte and its length.
                1 + usize::try_from(u32::from_be_bytes(prepare[1..5].try_into().unwrap())).unwrap()
            })
            .sum();
        assert_eq!(s.held_bytes(), kept);
        s.release_held(&engine);
        assert_eq!(s.held_bytes(), 0);
        assert_eq!(feed(&mut s, &mut offset, &last), vec![], "released");
    }

    #[test]
    fn postgres_rows_in_later_segments_are_read_under_their_columns() {
        let rows = customer_rows(60);
        let rows: Vec<Vec<Option<&str>>> = rows
            .iter()
            .map(|r| r.iter().map(Option::as_deref).collect())
            .collect();
        let rows: Vec<&[Option<&str>]> = rows.iter().map(Vec::as_slice).collect();
        let result = fields::tests::pg_result_typed(
            &[("customer_id", 23), ("full_name", 25), ("birth_date", 1082)],
            &rows,
        );
        let whole = fed_in_chunks(&result, result.len());
        assert_eq!(whole.len(), 120, "{whole:?}");
        // In TCP segments (and in smaller pieces, which cut more rows): every row still named.
        for size in [1460, 500, 97] {
            assert_eq!(fed_in_chunks(&result, size), whole, "segments of {size}");
        }
        // After the result set ends, rows of another shape are not read under its columns.
        let mut next = result.clone();
        next.extend(fields::tests::pg_result(
            &["sensor", "reading", "note"],
            &rows[..1],
        ));
        let mut later = fed_in_chunks(&next, 1460);
        assert_eq!(later.split_off(120), vec![], "no names from `sensor` rows");
    }

    #[test]
    fn framed_chunks_are_read_from_their_own_first_byte() {
        // A WebSocket upgrade, then a client's masked, compressed message in the next segment:
        // the carried tail of the upgrade would hide the frame's start.
        let engine = engine();
        let upgrade =
            b"GET /live HTTP/1.1\r\nHost: gw\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
            Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
            Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n";
        let message = br#"{"email":"anna.berg@example.org","full_name":"Anna Berg"}"#;
        let compressed = crate::decode::framing::tests::deflate_messages(&[message]);
        let frame =
            crate::decode::framing::tests::ws_frame(0xc1, &compressed[0], Some([9, 8, 7, 6]));
        let mut s = StreamScanner::new();
        assert!(s.feed(&engine, 0, upgrade).is_empty());
        let found = s.feed(&engine, upgrade.len() as u64, &frame);
        let mut types: Vec<DataType> = found.iter().map(|f| f.data_type).collect();
        types.sort_by_key(|t| t.as_str());
        assert_eq!(types, [DataType::Email, DataType::PersonName]);
        assert!(found.iter().all(|f| f.start >= upgrade.len()));
        // An MQTT publish after a CONNECT longer than the carried tail.
        let connect = [
            &[0x10, 0xb8, 0x02, 0, 4][..],
            b"MQTT",
            &[4, 2, 0, 60, 0x01, 0x2c],
            &[b'c'; 300],
        ]
        .concat();
        let publish = crate::fields::mqtt::tests::publish_bytes(
            "crm/customers/17/date_of_birth",
            b"1979-05-23",
            None,
            None,
        );
        let mut s = StreamScanner::new();
        assert!(s.feed(&engine, 0, &connect).is_empty());
        let found = s.feed(&engine, connect.len() as u64, &publish);
        assert_eq!(
            found.iter().map(|f| f.data_type).collect::<Vec<_>>(),
            [DataType::DateOfBirth]
        );
        // An AMQP publish after the connection's set-up, a method frame longer than the carried
        // tail (`connection.start-ok`, its client properties).
        let channel_open = [
            &[1, 0, 0, 0, 0, 1, 48, 0, 10, 0, 11][..],
            &[b'p'; 300],
            &[0xce],
        ]
        .concat();
        let publish = crate::fields::amqp::tests::publish_bytes(
            "crm.customers.17.date_of_birth",
            b"1979-05-23",
        );
        let mut s = StreamScanner::new();
        assert!(s.feed(&engine, 0, &channel_open).is_empty());
        let found = s.feed(&engine, channel_open.len() as u64, &publish);
        assert_eq!(
            found.iter().map(|f| f.data_type).collect::<Vec<_>>(),
            [DataType::DateOfBirth]
        );
        // A gzip-compressed gRPC message (an OpenTelemetry Collector forwarding spans) in the
        // DATA frame of a segment after a header block longer than the carried tail.
        let attribute = crate::fields::protobuf::tests::key_value("user.full_name", "Anna Berg");
        let message = crate::decode::inflate::gzip(&attribute);
        let mut data = vec![1];
        data.extend(u32::try_from(message.len()).unwrap().to_be_bytes());
        data.extend(message);
        let data_frame = crate::decode::http2::tests::frame(0x0, 0x1, 1, &data);
        let headers =
            crate::decode::http2::tests::headers_frame(&[("x-pad", &"p".repeat(300))], false);
        let mut s = StreamScanner::new();
        assert!(s.feed(&engine, 0, &headers).is_empty());
        let found = s.feed(&engine, headers.len() as u64, &data_frame);
        assert_eq!(
            found.iter().map(|f| f.data_type).collect::<Vec<_>>(),
            [DataType::PersonName]
        );
    }

    #[test]
    fn mysql_prepared_rows_are_read_under_the_prepare_answer() {
        use fields::mysql::tests::{
            CUSTOMER_COLUMNS, MARIADB, binary_date, binary_row_body, customer_row, execute_answer,
            lenenc, prepare_answer,
        };
        let engine = engine();
        let mut s = StreamScanner::new();
        let mut offset = 0_u64;
        let mut feed = |bytes: &[u8], gap: u64| {
            offset += gap;
            let found: Vec<DataType> = s
                .feed(&engine, offset, bytes)
                .iter()
                .map(|f| f.data_type)
                .collect();
            offset += bytes.len() as u64;
            found
        };
        // A MariaDB client caches the definitions of the `COM_STMT_PREPARE` answer: each
        // execution's answer, a segment of its own, holds only the count and the rows.
        assert!(feed(&prepare_answer(1, &CUSTOMER_COLUMNS, MARIADB), 0).is_empty());
        for (i, name) in ["Ottilie Wennerström", "Jonas Berg"]
            .into_iter()
            .enumerate()
        {
            let id = u32::try_from(i).expect("small");
            let row = customer_row(id, Some(name), (1979, 5, 23));
            let answer = execute_answer(&CUSTOMER_COLUMNS, &[row], MARIADB, false);
            // The second one after a gap, as the capture samples long flows.
            let found = feed(&answer, u64::from(id) * 500);
            assert_eq!(
                found,
                [DataType::PersonName, DataType::DateOfBirth],
                "execution {i}"
            );
        }
        // Another statement's rows, of other types, are not read under these columns.
        let readings = [
            ("device_label", 0xfd),
            ("reading", 0x05),
            ("taken_on", 0x0a),
        ];
        let row = binary_row_body(&[
            Some(lenenc(b"Anna Berg")),
            Some(21.5_f64.to_le_bytes().to_vec()),
            Some(binary_date(2026, 11, 24)),
        ]);
        assert!(feed(&execute_answer(&readings, &[row], MARIADB, false), 0).is_empty());
    }

    #[test]
    fn mysql_rows_in_later_segments_are_read_under_their_columns() {
        let rows = customer_rows(300);
        let rows: Vec<Vec<Option<&str>>> = rows
            .iter()
            .map(|r| r.iter().map(Option::as_deref).collect())
            .collect();
        let rows: Vec<&[Option<&str>]> = rows.iter().map(Vec::as_slice).collect();
        for eof in [true, false] {
            let result = fields::mysql::tests::result(
                &["customer_id", "full_name", "birth_date"],
                &rows,
                eof,
            );
            let whole = fed_in_chunks(&result, result.len());
            // 300 rows: sequence numbers wrap past 255.
            assert_eq!(whole.len(), 600, "{whole:?}");
            for size in [1460, 500, 97] {
                assert_eq!(fed_in_chunks(&result, size), whole, "segments of {size}");
            }
        }
    }

    #[test]
    fn postgres_rows_after_a_gap_are_named_when_they_fit() {
        let rows: Vec<&[Option<&str>]> = vec![&[Some("7"), Some("Jonas Berg")]; 40];
        let result = fields::tests::pg_result_typed(&[("id", 23), ("full_name", 25)], &rows);
        let engine = engine();
        let mut s = StreamScanner::new();
        let first = s.feed(&engine, 0, &result[..300]);
        assert!(!first.is_empty());
        // Sampled: a segment after a gap, rows of the same result set.
        let later = s.feed(&engine, 400, &result[400..700]);
        assert!(!later.is_empty() && later.iter().all(|f| f.data_type == DataType::PersonName));
        // Rows of another shape after a gap (the description of their own was lost): the first
        // column is no integer, so not read under these names.
        let other: Vec<&[Option<&str>]> = vec![&[Some("Jonas Berg"), Some("Lena Vogt")]; 10];
        let other = fields::tests::pg_result_typed(&[("a", 25), ("b", 25)], &other);
        let rows_only = &other[other.iter().position(|&c| c == b'D').unwrap()..];
        assert_eq!(s.feed(&engine, 5000, rows_only), vec![]);
    }

    #[test]
    fn a_kept_alive_request_is_framed_by_its_own_head() {
        let engine = engine();
        let mut s = StreamScanner::new();
        // Longer than the carried tail, which starts inside its body.
        let readings = vec!["21.5"; 100].join(",");
        let first = format!(
            "POST /a HTTP/1.1\r\nHost: api\r\nContent-Length: {}\r\n\r\n[{readings}]",
            readings.len() + 2
        );
        let first = first.as_bytes();
        assert!(s.feed(&engine, 0, first).is_empty());
        let body = gzip(br#"{"contact":"anna.schmidt@example.com"}"#);
        let (second, second_body_start) =
            http::message_with_body("POST /b HTTP/1.1\r\nContent-Encoding: gzip\r\n", &body);
        let body_start = first.len() + second_body_start;
        let found = s.feed(&engine, first.len() as u64, &second);
        assert_eq!(
            found
                .iter()
                .map(|f| (f.data_type, f.start, f.end))
                .collect::<Vec<_>>(),
            vec![(DataType::Email, body_start, first.len() + second.len())]
        );
    }

    /// A response whose gzip body ends with an e-mail address behind `filler_len` hex digits
    /// that hardly compress, and where the body starts.
    fn gzip_response(filler_len: usize) -> (Vec<u8>, usize) {
        let filler: String = (0_u32..)
            .flat_map(|i| format!("{:08x}", i.wrapping_mul(0x9E37_79B1)).into_bytes())
            .take(filler_len)
            .map(char::from)
            .collect();
        let json = format!(r#"{{"trace":"{filler}","contact":"anna.schmidt@example.com"}}"#);
        let body = gzip(json.as_bytes());
        http::message_with_body("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n", &body)
    }

    #[test]
    fn a_compressed_body_over_several_chunks_is_inflated_whole() {
        let engine = engine();
        let (message, body_start) = gzip_response(4000);
        let mut s = StreamScanner::new();
        let mut found = Vec::new();
        let mut offset = 0;
        for chunk in message.chunks(1000) {
            found.extend(s.feed(&engine, offset as u64, chunk));
            offset += chunk.len();
            if offset < message.len() {
                assert_eq!(
                    s.held_bytes(),
                    offset,
                    "the message is kept until it is whole"
                );
            }
        }
        assert_eq!(
            found
                .iter()
                .map(|f| (f.data_type, f.start, f.end))
                .collect::<Vec<_>>(),
            vec![(DataType::Email, body_start, message.len())]
        );
        // Whole: nothing is held any more, only the tail carries on.
        assert_eq!(s.held_bytes(), 0);
        assert!(s.feed(&engine, offset as u64, b" ").is_empty());
    }

    #[test]
    fn a_held_message_is_bounded_and_can_be_released() {
        let engine = Engine::new(EngineConfig {
            stream_message_bytes: 1500,
            ..EngineConfig::default()
        })
        .unwrap();
        let (message, _) = gzip_response(4000);
        let mut s = StreamScanner::new();
        assert!(s.feed(&engine, 0, &message[..1000]).is_empty());
        assert_eq!(s.held_bytes(), 1000);
        // Past the bound the message is let go: decoded as far as its first bytes reach.
        assert!(s.feed(&engine, 1000, &message[1000..2000]).is_empty());
        assert_eq!(s.held_bytes(), 0);
        let mut s = StreamScanner::new();
        assert!(s.feed(&engine, 0, &message[..1000]).is_empty());
        s.release_held(&engine);
        assert_eq!(s.held_bytes(), 0);
        assert!(format!("{s:?}").contains("carry_len: 256"));
    }

    #[test]
    fn gap_resets_the_window() {
        let engine = engine();
        let mut s = StreamScanner::new();
        assert!(s.feed(&engine, 0, b"mail anna.sch").is_empty());
        // Bytes 13..20 were lost: the halves must not be glued together.
        assert!(
            s.feed(&engine, 20, b"midt@example.com")
                .iter()
                .all(|f| f.start >= 20)
        );
    }

    proptest! {
        #[test]
        fn chunking_never_duplicates(split in 1_usize..60) {
            let engine = engine();
            let data = b"a: anna@web.de b: 192.168.1.20 c: ee:dc:6c:30:0c:86 d: bob@x.org";
            let mut s = StreamScanner::new();
            let mut all = Vec::new();
            let mut off = 0;
            for chunk in data.chunks(split) {
                all.extend(s.feed(&engine, off as u64, chunk));
                off += chunk.len();
            }
            for (i, a) in all.iter().enumerate() {
                for b in &all[i + 1..] {
                    prop_assert!(!(a.data_type == b.data_type && a.start < b.end && b.start < a.end));
                }
            }
        }
    }
}
