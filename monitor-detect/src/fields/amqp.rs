//! AMQP 0-9-1 (RabbitMQ), in clear text on port 5672 wherever a broker has no TLS listener: a
//! message names its body by its routing key, read as a path (see [`super::path`]; segments
//! split at `.`, as topic exchanges do): `crm.customers.17.full_name`,
//! `billing.invoices.created`.
//!
//! Frames are read from the buffer's first byte on (after the protocol header, when a
//! connection starts there), as a segment of an AMQP connection starts with one, each checked
//! for its type and its frame-end byte, up to the first that is none. A message is a method
//! frame that carries a routing key (`basic.publish` from a client; `basic.deliver`,
//! `basic.get-ok` and `basic.return` from the broker), the content header on its channel, then
//! its body. A body sent in one frame is a field under the key (the last frame of the buffer may
//! be cut by the end of the sample); a longer one is joined by the decoder for the pattern
//! scan (`decode::framing::amqp_bodies`), not named. The content header's application headers
//! (a field table) give each string value a field under its name (`x-customer-name`), where
//! the quiet check sees the name as a word: not glued to the length byte before it, and not
//! ending in a capital, which its value's type byte (`S`) would run on.

use std::ops::Range;

use super::{
    Field, MAX_FIELDS,
    path::{self, PathParents},
};

/// Most frames of one buffer read.
const MAX_FRAMES: usize = 256;

/// What every AMQP 0-9-1 connection opens with.
const PROTOCOL_HEADER: &[u8] = b"AMQP\x00\x00\x09\x01";

const FRAME_METHOD: u8 = 1;
const FRAME_HEADER: u8 = 2;
const FRAME_BODY: u8 = 3;
const FRAME_HEARTBEAT: u8 = 8;
const FRAME_END: u8 = 0xce;

/// The `basic` class and the methods of it that carry a routing key before a message.
const BASIC: u16 = 60;
const PUBLISH: u16 = 40;
const RETURN: u16 = 50;
const DELIVER: u16 = 60;
const GET_OK: u16 = 71;

/// The fields of the messages from the start of `b` (see the module docs).
pub(super) fn amqp_fields(b: &[u8], out: &mut Vec<Field>, parents: &mut PathParents) {
    // Per channel, the routing key of the message whose content comes next, and, once its
    // header has come, the body size it gives.
    let mut pending: Vec<(u16, Range<usize>, Option<u64>)> = Vec::new();
    for frame in frames(b) {
        let slot = pending
            .iter()
            .position(|(channel, ..)| *channel == frame.channel);
        match frame.kind {
            FRAME_METHOD => {
                if let Some(i) = slot {
                    pending.swap_remove(i);
                }
                if let Some(key) = routing_key(b, frame.payload.clone()) {
                    pending.push((frame.channel, key, None));
                }
            }
            FRAME_HEADER => {
                header_fields(b, frame.payload.clone(), out);
                let size = content_size(b, frame.payload.start);
                match (slot, size) {
                    (Some(i), Some(size)) => {
                        if let Some((.., expected)) = pending.get_mut(i) {
                            *expected = Some(size);
                        }
                    }
                    (Some(i), None) => {
                        pending.swap_remove(i);
                    }
                    (None, _) => {}
                }
            }
            FRAME_BODY => {
                let Some(i) = slot else {
                    continue;
                };
                let (_, key, expected) = pending.swap_remove(i);
                let whole = usize::try_from(frame.declared_len).ok();
                if expected.and_then(|e| usize::try_from(e).ok()) != whole {
                    continue;
                }
                // A key of one segment follows its length byte, which the quiet check sees as
                // part of the word when it is alphanumeric (a key of 48 bytes or more).
                let glued_start = !b.get(key.clone()).unwrap_or_default().contains(&b'.')
                    && key
                        .start
                        .checked_sub(1)
                        .and_then(|i| b.get(i))
                        .is_some_and(u8::is_ascii_alphanumeric);
                path::push_named(b, &key, b".", frame.payload, !glued_start, out, parents);
                if out.len() >= MAX_FIELDS {
                    return;
                }
            }
            _ => {}
        }
    }
}

/// Whether the frames from the start of `b` hold a method that a message follows (a stream
/// scanner reads such a chunk alone too: the tail it carries from the chunk before hides the
/// first frame).
pub(crate) fn has_message(b: &[u8]) -> bool {
    frames(b).any(|frame| frame.kind == FRAME_METHOD && routing_key(b, frame.payload).is_some())
}

/// One frame: its type, channel, payload (cut by the end of the buffer for the last one) and
/// the payload length its header gives.
struct Frame {
    kind: u8,
    channel: u16,
    payload: Range<usize>,
    declared_len: u32,
}

/// The frames from the start of `b` (after the protocol header, when it opens `b`), up to the
/// first that is none: a type AMQP does not define, or no frame-end byte after a payload that
/// lies in `b` whole.
fn frames(b: &[u8]) -> impl Iterator<Item = Frame> + '_ {
    let mut at = if b.starts_with(PROTOCOL_HEADER) {
        PROTOCOL_HEADER.len()
    } else {
        0
    };
    std::iter::from_fn(move || {
        let header = b.get(at..at + 7)?;
        let kind = header[0];
        if !matches!(
            kind,
            FRAME_METHOD | FRAME_HEADER | FRAME_BODY | FRAME_HEARTBEAT
        ) {
            return None;
        }
        let channel = u16::from_be_bytes([header[1], header[2]]);
        let declared_len = u32::from_be_bytes([header[3], header[4], header[5], header[6]]);
        let start = at + 7;
        let end = start.checked_add(usize::try_from(declared_len).ok()?)?;
        match b.get(end) {
            Some(&FRAME_END) => at = end + 1,
            // Cut by the end of the sample: the last frame.
            None => at = b.len(),
            Some(_) => return None,
        }
        Some(Frame {
            kind,
            channel,
            payload: start..end.min(b.len()),
            declared_len,
        })
    })
    .take(MAX_FRAMES)
}

/// The routing key of a method frame's payload, when the method is one of the `basic` class
/// that a message's content follows, its arguments as the method lays them out.
fn routing_key(b: &[u8], payload: Range<usize>) -> Option<Range<usize>> {
    let u16_at = |at: usize| Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?));
    let (class, method) = (u16_at(payload.start)?, u16_at(payload.start + 2)?);
    if class != BASIC {
        return None;
    }
    let mut at = payload.start + 4;
    let short_string = |at: &mut usize| {
        let len = usize::from(*b.get(*at)?);
        let text = *at + 1..*at + 1 + len;
        (text.end <= payload.end).then(|| {
            *at = text.end;
            text
        })
    };
    let key = match method {
        // Reserved short, exchange, routing key, then the mandatory and immediate bits.
        PUBLISH => {
            at += 2;
            short_string(&mut at)?;
            let key = short_string(&mut at)?;
            (at + 1 == payload.end).then_some(key)?
        }
        // Reply code, reply text, exchange, routing key.
        RETURN => {
            at += 2;
            short_string(&mut at)?;
            short_string(&mut at)?;
            let key = short_string(&mut at)?;
            (at == payload.end).then_some(key)?
        }
        // Consumer tag, delivery tag, the redelivered bit, exchange, routing key.
        DELIVER => {
            short_string(&mut at)?;
            at += 9;
            short_string(&mut at)?;
            let key = short_string(&mut at)?;
            (at == payload.end).then_some(key)?
        }
        // Delivery tag, the redelivered bit, exchange, routing key, message count.
        GET_OK => {
            at += 9;
            short_string(&mut at)?;
            let key = short_string(&mut at)?;
            (at + 4 == payload.end).then_some(key)?
        }
        _ => return None,
    };
    (!key.is_empty()).then_some(key)
}

/// Property flags of the `basic` class's content header, in the order the properties follow
/// them: the content type and encoding (short strings), then the application headers.
const CONTENT_TYPE: u16 = 1 << 15;
const CONTENT_ENCODING: u16 = 1 << 14;
const HEADERS: u16 = 1 << 13;

/// The string values of a content header's application headers, each a field under its name.
fn header_fields(b: &[u8], payload: Range<usize>, out: &mut Vec<Field>) {
    let Some(flags) = b
        .get(payload.start + 12..payload.start + 14)
        .map(|f| u16::from_be_bytes([f[0], f[1]]))
    else {
        return;
    };
    if flags & HEADERS == 0 || content_size(b, payload.start).is_none() {
        return;
    }
    let mut at = payload.start + 14;
    for flag in [CONTENT_TYPE, CONTENT_ENCODING] {
        if flags & flag != 0 {
            let Some(&len) = b.get(at) else {
                return;
            };
            at += 1 + usize::from(len);
        }
    }
    let Some(len) = b
        .get(at..at + 4)
        .and_then(|l| usize::try_from(u32::from_be_bytes(l.try_into().ok()?)).ok())
    else {
        return;
    };
    let table = at + 4..(at + 4).saturating_add(len);
    if table.end > payload.end {
        return;
    }
    let mut at = table.start;
    while at < table.end && out.len() < MAX_FIELDS {
        let Some(&name_len) = b.get(at) else {
            return;
        };
        let name = at + 1..at + 1 + usize::from(name_len);
        let Some(&kind) = b.get(name.end) else {
            return;
        };
        let value_at = name.end + 1;
        let u32_at = |i: usize| {
            b.get(i..i + 4)
                .and_then(|l| usize::try_from(u32::from_be_bytes(l.try_into().ok()?)).ok())
        };
        // Each value's size by its type (RabbitMQ's field types).
        let size = match kind {
            b'V' => 0,
            b't' | b'b' | b'B' => 1,
            b's' | b'u' => 2,
            b'I' | b'i' | b'f' => 4,
            b'D' => 5,
            b'l' | b'L' | b'd' | b'T' => 8,
            b'S' | b'x' | b'F' | b'A' => match u32_at(value_at) {
                Some(len) => 4 + len,
                None => return,
            },
            _ => return,
        };
        let end = value_at + size;
        if end > table.end {
            return;
        }
        let seen = |i: Option<usize>| i.and_then(|i| b.get(i)).copied();
        let name_seen = !name.is_empty()
            && !seen(name.start.checked_sub(1)).is_some_and(|c| c.is_ascii_alphanumeric())
            && !seen(name.end.checked_sub(1)).is_some_and(|c| c.is_ascii_uppercase());
        let value = value_at + 4..end;
        if kind == b'S' && name_seen && !value.is_empty() {
            out.push(Field {
                key: name,
                kind_hint: None,
                label: None,
                parent: None,
                value,
                syntax: super::Syntax::Raw,
            });
        }
        at = end;
    }
}

/// The body size a content header of the `basic` class gives (class, weight, then the size).
fn content_size(b: &[u8], at: usize) -> Option<u64> {
    let class = u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?);
    let size = u64::from_be_bytes(b.get(at + 4..at + 12)?.try_into().ok()?);
    (class == BASIC).then_some(size)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::fields::path::tests::{Named, named, read_with};

    /// One frame of `kind` on `channel`.
    fn frame(kind: u8, channel: u16, payload: &[u8]) -> Vec<u8> {
        let len = u32::try_from(payload.len()).expect("short").to_be_bytes();
        [
            &[kind][..],
            &channel.to_be_bytes(),
            &len,
            payload,
            &[FRAME_END],
        ]
        .concat()
    }

    fn short_string(text: &str) -> Vec<u8> {
        [
            &[u8::try_from(text.len()).expect("short")][..],
            text.as_bytes(),
        ]
        .concat()
    }

    /// A content header of the `basic` class for a body of `size` bytes, with a content type
    /// (property flag bit 15) as `amqp-publish -C` sends it.
    fn content_header(channel: u16, size: usize) -> Vec<u8> {
        content_header_with(channel, size, &[])
    }

    /// [`content_header`] with application `headers` of string values (property flag bit 13),
    /// and a delivery mode after them (bit 12), as `amqp-publish -H` sends them.
    fn content_header_with(channel: u16, size: usize, headers: &[(&str, &str)]) -> Vec<u8> {
        let mut payload = [BASIC.to_be_bytes(), [0, 0]].concat();
        payload.extend(u64::try_from(size).expect("small").to_be_bytes());
        let flags = if headers.is_empty() {
            CONTENT_TYPE
        } else {
            CONTENT_TYPE | HEADERS | 1 << 12
        };
        payload.extend(flags.to_be_bytes());
        payload.extend(short_string("text/plain"));
        if !headers.is_empty() {
            let mut table = Vec::new();
            for (name, value) in headers {
                table.extend(short_string(name));
                table.push(b'S');
                table.extend(u32::try_from(value.len()).expect("short").to_be_bytes());
                table.extend(value.as_bytes());
            }
            payload.extend(u32::try_from(table.len()).expect("short").to_be_bytes());
            payload.extend(table);
            payload.push(2);
        }
        frame(FRAME_HEADER, channel, &payload)
    }

    /// [`publish_bytes`] with application `headers`.
    pub(crate) fn publish_with_headers(
        key: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Vec<u8> {
        let mut method = [BASIC.to_be_bytes(), PUBLISH.to_be_bytes(), [0, 0]].concat();
        method.extend(short_string(""));
        method.extend(short_string(key));
        method.push(0);
        [
            frame(FRAME_METHOD, 1, &method),
            content_header_with(1, body.len(), headers),
            frame(FRAME_BODY, 1, body),
        ]
        .concat()
    }

    /// A client's `basic.publish` of `body` to the default exchange with `key`: the method,
    /// the content header and the body in one write, as librabbitmq and pika send them.
    pub(crate) fn publish_bytes(key: &str, body: &[u8]) -> Vec<u8> {
        publish_with_headers(key, &[], body)
    }

    /// The broker's `basic.deliver` of `body`, published with `key`, to a consumer.
    pub(crate) fn deliver_bytes(key: &str, body: &[u8]) -> Vec<u8> {
        let mut method = [BASIC.to_be_bytes(), DELIVER.to_be_bytes()].concat();
        method.extend(short_string("amq.ctag-Qx1"));
        method.extend(7_u64.to_be_bytes());
        method.push(0);
        method.extend(short_string("crm"));
        method.extend(short_string(key));
        [
            frame(FRAME_METHOD, 2, &method),
            content_header(2, body.len()),
            frame(FRAME_BODY, 2, body),
        ]
        .concat()
    }

    fn read(b: &[u8]) -> Vec<Named> {
        read_with(b, amqp_fields)
    }

    #[test]
    fn bodies_are_fields_under_the_routing_key() {
        let name = "Ottilie Wennerström";
        for bytes in [
            publish_bytes("crm.customers.17.full_name", name.as_bytes()),
            deliver_bytes("crm.customers.17.full_name", name.as_bytes()),
            [
                PROTOCOL_HEADER,
                &publish_bytes("crm.customers.17.full_name", name.as_bytes()),
            ]
            .concat(),
        ] {
            assert_eq!(
                read(&bytes),
                vec![named("full_name", Some("customers"), name)],
                "{bytes:?}"
            );
        }
        // Two messages on two channels, their frames interleaved as a broker may send them.
        let first = publish_bytes("crm.customers.17.full_name", b"Anna Berg");
        let second = deliver_bytes("crm.customers.18.date_of_birth", b"1985-04-12");
        let (a1, a2) = first.split_at(first.len() - 17);
        let both = [a1, &second, a2].concat();
        assert_eq!(
            read(&both),
            vec![
                named("date_of_birth", Some("customers"), "1985-04-12"),
                named("full_name", Some("customers"), "Anna Berg"),
            ]
        );
    }

    #[test]
    fn application_headers_are_fields_under_their_names() {
        let bytes = publish_with_headers(
            "billing.invoices.created",
            &[
                ("x-customer-name", "Anna Berg"),
                ("x-retries", ""),
                ("X-TRACE-ID", "9f2c"),
                ("trace", "00-4bf9"),
            ],
            b"{}",
        );
        let mut out = Vec::new();
        amqp_fields(&bytes, &mut out, &mut PathParents::default());
        let pairs: Vec<(&[u8], &[u8])> = out
            .iter()
            .map(|f| (&bytes[f.key.clone()], &bytes[f.value.clone()]))
            .collect();
        // An empty value names nothing; a name ending in a capital runs on into its type byte
        // (`X-TRACE-IDS`) where the quiet check sees no word end.
        assert_eq!(
            pairs,
            vec![
                (&b"x-customer-name"[..], &b"Anna Berg"[..]),
                (b"trace", b"00-4bf9")
            ]
        );
        let found = crate::Engine::new(crate::EngineConfig::default())
            .expect("default config")
            .scan(&bytes);
        assert_eq!(
            found.iter().map(|f| f.data_type).collect::<Vec<_>>(),
            [crate::DataType::PersonName]
        );
    }

    #[test]
    fn other_frames_and_broken_ones_name_nothing() {
        let good = publish_bytes("crm.customers.17.full_name", b"Anna Berg");
        // A body whose size disagrees with its header's.
        let mut wrong_size = good.clone();
        let header_size_at = good.len() - (7 + 9 + 1) - 1 - 11 - 2 - 8;
        wrong_size[header_size_at + 7] = 8;
        // A frame without its frame-end byte, a method of another class.
        let mut no_end = good.clone();
        no_end[(7 + 4 + 2 + 1 + 27 + 1 + 1) - 1] = 0;
        let queue_declare = [
            frame(
                FRAME_METHOD,
                1,
                &[0, 50, 0, 10, 0, 0, 4, b'n', b'a', b'm', b'e', 0],
            ),
            content_header(1, 9),
            frame(FRAME_BODY, 1, b"Anna Berg"),
        ]
        .concat();
        for bytes in [
            &wrong_size[..],
            &no_end,
            &queue_declare,
            &good[1..],
            b"AMQP\x00\x00\x09\x01",
        ] {
            assert_eq!(read(bytes), vec![], "{bytes:?}");
        }
    }

    #[test]
    fn a_structured_body_gives_its_fields_the_key_as_parent() {
        let b = publish_bytes("crm.users.17", br#"{"name":"Anna Berg","plan":"pro"}"#);
        assert!(read(&b).is_empty());
        let fields = crate::fields::extract(&b);
        let name = fields
            .iter()
            .find(|f| &b[f.key.clone()] == b"name")
            .expect("the JSON field");
        assert_eq!(name.parent.clone().map(|p| &b[p]), Some(&b"users"[..]));
    }
}
