//! MQTT (3.1.1 and 5), in clear text on port 1883 wherever a broker has no TLS listener: a
//! `PUBLISH` names its payload by its topic, read as a path (see [`super::path`]):
//! `crm/customers/17/date_of_birth`, `vehicles/42/driver/name`.
//!
//! Packets are read from the buffer's first byte on, as a segment of an MQTT connection starts
//! with one, each fixed header checked against the flags its type requires, up to the first
//! that is none. A sample that starts inside a packet gives nothing here. MQTT 5 puts
//! properties before the payload; the protocol level comes from a `CONNECT` in the buffer, else
//! the properties are read when they parse exactly.

use std::ops::Range;

use super::{
    Field, MAX_FIELDS,
    path::{self, PathParents},
};

/// Most packets of one buffer read.
const MAX_PACKETS: usize = 256;

/// The fields of the `PUBLISH` packets from the start of `b` (see the module docs).
pub(super) fn mqtt_fields(b: &[u8], out: &mut Vec<Field>, parents: &mut PathParents) {
    for publish in publishes_in(b) {
        // A single-level topic follows its length's low byte, which the quiet check sees as
        // part of the word when it is alphanumeric (a topic of 48 bytes or more).
        let glued_start = !b
            .get(publish.topic.clone())
            .unwrap_or_default()
            .contains(&b'/')
            && publish
                .topic
                .start
                .checked_sub(1)
                .and_then(|i| b.get(i))
                .is_some_and(u8::is_ascii_alphanumeric);
        path::push_named(
            b,
            &publish.topic,
            b"/",
            publish.payload,
            !glued_start,
            out,
            parents,
        );
        if out.len() >= MAX_FIELDS {
            break;
        }
    }
}

/// Whether the packets from the start of `b` hold a `PUBLISH`.
pub(crate) fn has_publish(b: &[u8]) -> bool {
    publishes_in(b).next().is_some()
}

/// The `PUBLISH` packets among the packets from the start of `b`.
fn publishes_in(b: &[u8]) -> impl Iterator<Item = Publish> + '_ {
    let mut version5 = None;
    packets(b).filter_map(move |(kind, flags, body)| match kind {
        1 => {
            version5 = connect_level(b, body).map(|level| level == 5);
            None
        }
        3 => publish(b, body, flags, version5),
        _ => None,
    })
}

/// The packets from the start of `b`, each as its type, flags and body (the last one possibly
/// cut by the end of the sample), up to the first whose fixed header is none.
fn packets(b: &[u8]) -> impl Iterator<Item = (u8, u8, Range<usize>)> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        let &first = b.get(at)?;
        let (kind, flags) = (first >> 4, first & 0x0f);
        if !valid_fixed_header(kind, flags) {
            return None;
        }
        let (len, used) = remaining_length(b, at + 1)?;
        let start = at + 1 + used;
        at = start + len;
        Some((kind, flags, start..(start + len).min(b.len())))
    })
    .take(MAX_PACKETS)
}

/// Whether a `PUBLISH` from the start of `b` has a topic whose last level runs on into the
/// bytes after it, with no byte that ends a word between them: its payload (MQTT 3.1.1 at
/// `QoS` 0: `.../date_of_birth1979-05-23`), a packet ID or MQTT 5's property length of such a
/// byte. The quiet check, which finds field names at word ends, sends such a payload to the
/// full scan. Each `PUBLISH` is asked only where its topic ends (by its length, valid or not:
/// a superset of the publishes read, at no cost for the topic's UTF-8), as every payload is
/// asked.
pub(crate) fn has_glued_topic(b: &[u8]) -> bool {
    packets(b).any(|(kind, _, body)| {
        let (Some(&high), Some(&low)) = (b.get(body.start), b.get(body.start + 1)) else {
            return false;
        };
        let end = body.start + 2 + usize::from(u16::from_be_bytes([high, low]));
        let last = b.get(end - 1).filter(|_| end > body.start + 2);
        let next = b.get(end);
        kind == 3
            && last.is_some_and(u8::is_ascii_alphanumeric)
            && next.is_some_and(|&c| {
                c.is_ascii_alphanumeric() || c >= 0x80 || matches!(c, b'_' | b'-' | b'.' | b' ')
            })
    })
}

/// Whether a fixed header's type and flags are ones MQTT allows: `PUBLISH` any but `QoS` 3;
/// `PUBREL`, `SUBSCRIBE` and `UNSUBSCRIBE` 2; every other type 0 (type 0 is reserved).
const fn valid_fixed_header(kind: u8, flags: u8) -> bool {
    match kind {
        3 => flags & 0x06 != 0x06,
        6 | 8 | 10 => flags == 2,
        1..=15 => flags == 0,
        _ => false,
    }
}

/// A variable byte integer (the remaining length, MQTT 5's property lengths) at `at`: its
/// value and the bytes it took (1 to 4).
fn remaining_length(b: &[u8], at: usize) -> Option<(usize, usize)> {
    let mut value = 0_usize;
    for k in 0..4 {
        let byte = *b.get(at + k)?;
        value |= usize::from(byte & 0x7f) << (7 * k);
        if byte & 0x80 == 0 {
            return Some((value, k + 1));
        }
    }
    None
}

/// The protocol level of a `CONNECT` body (`MQTT`, then the level: 4 for 3.1.1, 5 for 5).
fn connect_level(b: &[u8], body: Range<usize>) -> Option<u8> {
    let bytes = b.get(body)?;
    (bytes.get(..6)? == b"\0\x04MQTT").then(|| bytes.get(6).copied())?
}

/// One `PUBLISH`: its topic and payload.
struct Publish {
    topic: Range<usize>,
    payload: Range<usize>,
}

/// The `PUBLISH` whose body (after the fixed header) is `body`: the topic (a 2-byte length and
/// UTF-8 without wildcards or control bytes), the packet ID when `QoS` is above 0, MQTT 5's
/// properties, then the payload.
fn publish(b: &[u8], body: Range<usize>, flags: u8, version5: Option<bool>) -> Option<Publish> {
    let len = usize::from(u16::from_be_bytes([
        *b.get(body.start)?,
        *b.get(body.start + 1)?,
    ]));
    let topic = body.start + 2..body.start + 2 + len;
    let text = std::str::from_utf8(b.get(topic.clone())?).ok()?;
    if text.is_empty()
        || text
            .chars()
            .any(|c| c.is_control() || matches!(c, '+' | '#'))
    {
        return None;
    }
    let mut at = topic.end + if flags & 0x06 == 0 { 0 } else { 2 };
    let properties = properties_end(b, at, body.end);
    match (version5, properties) {
        (Some(true) | None, Some(end)) => at = end,
        (Some(true), None) => return None,
        _ => {}
    }
    (at <= body.end).then_some(Publish {
        topic,
        payload: at..body.end,
    })
}

/// Where MQTT 5's `PUBLISH` properties at `at` end, when they parse exactly within `end`: a
/// length, then properties of the identifiers a `PUBLISH` may carry, each with its value.
fn properties_end(b: &[u8], at: usize, end: usize) -> Option<usize> {
    let (len, used) = remaining_length(b, at)?;
    let stop = at + used + len;
    if stop > end {
        return None;
    }
    let mut i = at + used;
    let two = |i: usize| {
        Some(usize::from(u16::from_be_bytes([
            *b.get(i)?,
            *b.get(i + 1)?,
        ])))
    };
    while i < stop {
        i += 1 + match *b.get(i)? {
            // Payload format indicator; message expiry; topic alias.
            0x01 => 1,
            0x02 => 4,
            0x23 => 2,
            // Content type, response topic, correlation data: a 2-byte length and bytes.
            0x03 | 0x08 | 0x09 => 2 + two(i + 1)?,
            // Subscription identifier: a variable byte integer.
            0x0b => remaining_length(b, i + 1)?.1,
            // User property: two strings.
            0x26 => {
                let name = 2 + two(i + 1)?;
                name + 2 + two(i + 1 + name)?
            }
            _ => return None,
        };
    }
    (i == stop).then_some(stop)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::fields::extract;
    use crate::fields::path::tests::{Named, named, read_with};

    /// A `PUBLISH` of `payload` to `topic` (`QoS` 0, or 1 with a packet ID), with MQTT 5's
    /// `properties` (their bytes after the length) when given.
    pub(crate) fn publish_bytes(
        topic: &str,
        payload: &[u8],
        packet_id: Option<[u8; 2]>,
        properties: Option<&[u8]>,
    ) -> Vec<u8> {
        let mut body = u16::try_from(topic.len())
            .expect("short")
            .to_be_bytes()
            .to_vec();
        body.extend(topic.as_bytes());
        let qos1 = packet_id.is_some();
        if let Some(id) = packet_id {
            body.extend(id);
        }
        if let Some(properties) = properties {
            body.push(u8::try_from(properties.len()).expect("short"));
            body.extend(properties);
        }
        body.extend(payload);
        let mut packet = vec![if qos1 { 0x32 } else { 0x30 }];
        let mut len = body.len();
        loop {
            let byte = u8::try_from(len & 0x7f).expect("7 bits");
            len >>= 7;
            packet.push(if len > 0 { byte | 0x80 } else { byte });
            if len == 0 {
                break;
            }
        }
        packet.extend(body);
        packet
    }

    fn read(b: &[u8]) -> Vec<Named> {
        read_with(b, mqtt_fields)
    }

    #[test]
    fn plain_payloads_are_fields_under_the_last_level() {
        let mut b = publish_bytes("crm/customers/17/date_of_birth", b"1979-05-23", None, None);
        b.extend(publish_bytes(
            "crm/customers/17/name",
            b"Anna Berg",
            Some([0, 0x2a]),
            None,
        ));
        // MQTT 5: a payload format indicator and a content type before the payload.
        b.extend(publish_bytes(
            "crm/customers/17/phone",
            b"030 1234567",
            Some([0, 0x2a]),
            Some(b"\x01\x01\x03\x00\x0atext/plain"),
        ));
        assert_eq!(
            read(&b),
            [
                named("date_of_birth", Some("customers"), "1979-05-23"),
                named("name", Some("customers"), "Anna Berg"),
                named("phone", Some("customers"), "030 1234567"),
            ]
        );
    }

    #[test]
    fn version_5_properties_follow_the_connect() {
        // A CONNECT of level 5 (no properties, client ID `c`), then a publish with none: its
        // empty property length is no payload byte.
        let mut b = vec![
            0x10, 0x0e, 0, 4, b'M', b'Q', b'T', b'T', 5, 2, 0, 60, 0, 0, 1, b'c',
        ];
        b.extend(publish_bytes(
            "users/7/email_verified_at",
            b"2026-11-24",
            None,
            Some(b""),
        ));
        assert_eq!(
            read(&b),
            [named("email_verified_at", Some("users"), "2026-11-24")]
        );
    }

    #[test]
    fn structured_payloads_give_their_fields_the_topic_as_parent() {
        let b = publish_bytes(
            "crm/users/17",
            br#"{"name":"Anna Berg","plan":"pro"}"#,
            None,
            None,
        );
        assert!(read(&b).is_empty());
        let fields = extract(&b);
        let name = fields
            .iter()
            .find(|f| &b[f.key.clone()] == b"name")
            .expect("the JSON field");
        assert_eq!(name.parent.clone().map(|p| &b[p]), Some(&b"users"[..]));
    }

    #[test]
    fn what_is_no_publish_gives_nothing() {
        for b in [
            // Text that opens with `0` (a PUBLISH's type and flags) but holds no topic.
            &b"0123 readings ok"[..],
            // A wildcard in the topic: a subscription filter, not a publish.
            &publish_bytes("crm/+/name", b"Anna Berg", None, None),
            // QoS 3 is no QoS.
            &[
                0x36, 0x0c, 0x00, 0x04, b'n', b'a', b'm', b'e', 0, 1, b'A', b'n', b'n', b'a',
            ],
        ] {
            assert!(read(b).is_empty(), "{:?}", String::from_utf8_lossy(b));
        }
    }

    #[test]
    fn a_payload_cut_by_the_sample_is_read_as_far_as_it_goes() {
        let b = publish_bytes(
            "fleet/drivers/9/full_name",
            b"Ottilie Wennerstr\xc3\xb6m",
            None,
            None,
        );
        let cut = &b[..b.len() - 3];
        assert_eq!(
            read(cut),
            [named("full_name", Some("drivers"), "Ottilie Wennerstr")]
        );
    }
}
