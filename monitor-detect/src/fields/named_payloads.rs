//! Text protocols that send a payload after a command line naming it by a key or subject and
//! giving its length, in clear text wherever no TLS is configured (the default of both):
//!
//! - **memcached**, a cache: the storage commands a client sends (`set <key> <flags> <exptime>
//!   <bytes>`, `add`, `replace`, `append`, `prepend`, `cas`, and the meta command `ms <key>
//!   <bytes>`) and the values a server returns (`VALUE <key> <flags> <bytes>`);
//! - **NATS**, a message bus: the messages a client publishes (`PUB <subject> [reply-to]
//!   <bytes>`, `HPUB` with headers) and those the server delivers (`MSG <subject> <sid>
//!   [reply-to] <bytes>`, `HMSG`).
//!
//! The key or subject is read as a path (see [`super::path`]; memcached keys split at `:`,
//! `/`, `.`, NATS subjects at `.`): `session:8f2c:email`, `crm.customers.17.date_of_birth`. A
//! command counts only at a line's start, with its fields in the protocol's order and a length
//! that is a number; its payload is the bytes that length gives (cut by the end of a sample,
//! as far as it goes), after which the next line is read.

use std::ops::Range;

use super::{
    Field, MAX_FIELDS,
    path::{self, PathParents},
};

/// Longest command line read (memcached keys are at most 250 bytes).
const MAX_LINE: usize = 1024;

/// Where memcached keys and NATS subjects split into segments.
const MEMCACHED: &[u8] = b":/.";
const NATS: &[u8] = b".";

/// The command words [`command`] reads, with the space after them.
const COMMAND_WORDS: [&[u8]; 12] = [
    b"set ",
    b"add ",
    b"replace ",
    b"append ",
    b"prepend ",
    b"cas ",
    b"ms ",
    b"VALUE ",
    b"PUB ",
    b"HPUB ",
    b"MSG ",
    b"HMSG ",
];

/// Longest payload length believed (memcached's default item size limit is 1 MiB).
const MAX_PAYLOAD: usize = 64 << 20;

/// The fields of every command line in `b` that names a payload.
pub(super) fn named_payload_fields(b: &[u8], out: &mut Vec<Field>, parents: &mut PathParents) {
    let mut at = 0;
    while at < b.len() && out.len() < MAX_FIELDS {
        let Some(newline) = memchr::memchr(b'\n', b.get(at..).unwrap_or_default()) else {
            return;
        };
        let line_end = at + newline;
        let next_line = line_end + 1;
        let line = b.get(at..line_end).unwrap_or_default();
        // Most lines of most payloads are no such command: their first word tells, before the
        // line is split into tokens.
        let Some(line) = line
            .strip_suffix(b"\r")
            .filter(|line| COMMAND_WORDS.iter().any(|word| line.starts_with(word)))
        else {
            at = next_line;
            continue;
        };
        let Some(command) = (line.len() <= MAX_LINE).then(|| command(line)).flatten() else {
            at = next_line;
            continue;
        };
        let payload_start = next_line + command.skip;
        let payload = payload_start..(payload_start + command.len).min(b.len());
        let path = at + command.path.start..at + command.path.end;
        // The line's end (a space or `\r`) bounds the path for the quiet check's word walk, and
        // a line's start follows a `\n` or the buffer's start.
        path::push_named(b, &path, command.separators, payload, true, out, parents);
        at = next_line + command.skip + command.len + 2;
    }
}

/// What a command line says of the payload after it.
struct Command {
    /// The key or subject, within the line.
    path: Range<usize>,
    separators: &'static [u8],
    /// Bytes before the payload proper (NATS headers, `HPUB`/`HMSG`).
    skip: usize,
    len: usize,
}

/// The command of `line` (without its `\r\n`), if it names a payload.
fn command(line: &[u8]) -> Option<Command> {
    let mut tokens = Vec::with_capacity(8);
    let mut start = 0;
    for (i, &c) in line.iter().enumerate() {
        if c == b' ' {
            tokens.push(start..i);
            start = i + 1;
        }
        if tokens.len() > 7 {
            return None;
        }
    }
    tokens.push(start..line.len());
    if tokens.iter().any(Range::is_empty) {
        return None;
    }
    let text = |i: usize| tokens.get(i).and_then(|r| line.get(r.clone()));
    let number = |i: usize| {
        text(i)
            .filter(|t| t.len() <= 10 && t.iter().all(u8::is_ascii_digit))
            .and_then(|t| std::str::from_utf8(t).ok()?.parse::<usize>().ok())
            .filter(|&n| n <= MAX_PAYLOAD)
    };
    let path_at = |i: usize| {
        let path = tokens.get(i)?.clone();
        let bytes = line.get(path.clone())?;
        bytes.iter().all(|&c| c > b' ' && c != 0x7f).then_some(path)
    };
    let count = tokens.len();
    let (path, separators, skip, len) = match text(0)? {
        // `<cmd> <key> <flags> <exptime> <bytes> [noreply]`; `cas` has its unique before
        // `noreply`.
        b"set" | b"add" | b"replace" | b"append" | b"prepend"
            if (5..=6).contains(&count)
                && number(2).is_some()
                && number(3).is_some()
                && (count == 5 || text(5) == Some(b"noreply")) =>
        {
            (path_at(1)?, MEMCACHED, 0, number(4)?)
        }
        b"cas"
            if (6..=7).contains(&count)
                && number(2).is_some()
                && number(3).is_some()
                && number(5).is_some()
                && (count == 6 || text(6) == Some(b"noreply")) =>
        {
            (path_at(1)?, MEMCACHED, 0, number(4)?)
        }
        // `VALUE <key> <flags> <bytes> [<cas unique>]`.
        b"VALUE"
            if (4..=5).contains(&count)
                && number(2).is_some()
                && (count == 4 || number(4).is_some()) =>
        {
            (path_at(1)?, MEMCACHED, 0, number(3)?)
        }
        // The meta command `ms <key> <datalen> <flags>*`: flags are single letters with an
        // optional token.
        b"ms" if count >= 3 => (path_at(1)?, MEMCACHED, 0, number(2)?),
        // `PUB <subject> [reply-to] <bytes>`.
        b"PUB" if (3..=4).contains(&count) => (path_at(1)?, NATS, 0, number(count - 1)?),
        // `HPUB <subject> [reply-to] <#header bytes> <#total bytes>`.
        b"HPUB" if (4..=5).contains(&count) => {
            let (headers, total) = (number(count - 2)?, number(count - 1)?);
            (path_at(1)?, NATS, headers, total.checked_sub(headers)?)
        }
        // `MSG <subject> <sid> [reply-to] <bytes>`.
        b"MSG" if (4..=5).contains(&count) => (path_at(1)?, NATS, 0, number(count - 1)?),
        // `HMSG <subject> <sid> [reply-to] <#header bytes> <#total bytes>`.
        b"HMSG" if (5..=6).contains(&count) => {
            let (headers, total) = (number(count - 2)?, number(count - 1)?);
            (path_at(1)?, NATS, headers, total.checked_sub(headers)?)
        }
        _ => return None,
    };
    Some(Command {
        path,
        separators,
        skip,
        len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::path::tests::{Named, named, read_with};

    fn read(b: &[u8]) -> Vec<Named> {
        read_with(b, named_payload_fields)
    }

    #[test]
    fn memcached_storage_commands_and_values() {
        let b = b"set customer:17:full_name 0 3600 9\r\nAnna Berg\r\n\
                  cas customer:17:dob 0 0 10 77 noreply\r\n1984-03-12\r\n\
                  ms session/8f2c.phone 11 T3600\r\n030 1234567\r\n\
                  VALUE customer:17:full_name 0 9 12\r\nAnna Berg\r\nEND\r\n";
        assert_eq!(
            read(b),
            [
                named("full_name", Some("customer"), "Anna Berg"),
                named("dob", Some("customer"), "1984-03-12"),
                named("phone", Some("session"), "030 1234567"),
                named("full_name", Some("customer"), "Anna Berg"),
            ]
        );
    }

    #[test]
    fn nats_messages_with_and_without_headers() {
        let b = b"PUB crm.customers.17.date_of_birth _INBOX.x 10\r\n1979-05-23\r\n\
                  HMSG crm.customers.17.full_name 1 23 32\r\nNATS/1.0\r\nTrace: a1\r\n\r\nAnna Berg\r\n\
                  MSG crm.users.17 1 15\r\n{\"name\":\"Anna\"}\r\n";
        assert_eq!(
            read(b),
            [
                named("date_of_birth", Some("customers"), "1979-05-23"),
                named("full_name", Some("customers"), "Anna Berg"),
            ]
        );
    }

    #[test]
    fn a_payload_line_that_looks_like_a_command_is_payload() {
        // The value of the first `set` holds a line that would be a command of its own.
        let b = b"set note 0 0 20\r\nset dob 0 0 1\r\nx\r\nok\r\n";
        assert_eq!(read(b), [named("note", None, "set dob 0 0 1\r\nx\r\nok")]);
    }

    #[test]
    fn lines_that_are_no_command_give_nothing() {
        for b in [
            &b"set the table 0 0 5\r\nhello\r\n"[..],
            b"PUB crm.customers.17.name ten\r\nAnna Berg\r\n",
            b"VALUE customer:17:full_name 0\r\nAnna Berg\r\n",
            b"reset customer:17:full_name 0 0 9\r\nAnna Berg\r\n",
            b"set customer:17:full_name 0 0 9\nAnna Berg\n",
        ] {
            assert!(read(b).is_empty(), "{:?}", String::from_utf8_lossy(b));
        }
    }
}
