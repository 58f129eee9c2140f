//! Signatures of the protocols whose payloads the detection engine reads field by field but
//! whose stream start the daemon does not parse: databases, caches, brokers, a directory, HTTP/2
//! in clear text and mail. Each tells, from at most [`CLASSIFY_PREFIX_LEN`] first bytes of one
//! direction, whether it speaks the protocol, from the client's side or the server's: the first
//! message either side sends is fixed by the protocol (a startup packet, a greeting, a command).
//!
//! A signature names the flow's protocol in findings, metrics and alerts; it never decides what
//! is scanned (every byte of these protocols is clear text), except that a stream labelled here
//! may later turn into TLS (see [`super::StreamDecoder`]).

use super::{CLASSIFY_PREFIX_LEN, Signature, SignatureFn};
use crate::protocol::tls;

/// Reads a prefix byte by byte; running out of bytes is [`Signature::NeedMore`], a byte that
/// does not fit is [`Signature::NoMatch`].
struct Cursor<'a> {
    rest: &'a [u8],
}

type Step<T> = Result<T, Signature>;

impl Cursor<'_> {
    fn byte(&mut self, fits: impl Fn(u8) -> bool) -> Step<u8> {
        let (&b, rest) = self.rest.split_first().ok_or(Signature::NeedMore)?;
        if !fits(b) {
            return Err(Signature::NoMatch);
        }
        self.rest = rest;
        Ok(b)
    }

    fn literal(&mut self, text: &[u8]) -> Step<()> {
        text.iter()
            .try_for_each(|&t| self.byte(|b| b == t).map(drop))
    }

    /// A big-endian `u32` of at most `max` for which `fits` holds. Each byte read is checked
    /// against `max` at once, so a prefix too short to hold the number is told apart early.
    fn u32_be(&mut self, max: u32, fits: impl Fn(u32) -> bool) -> Step<u32> {
        let mut value = 0_u64;
        for left in (0..4).rev() {
            let so_far = value;
            value = so_far << 8
                | u64::from(
                    self.byte(|b| (so_far << 8 | u64::from(b)) << (8 * left) <= u64::from(max))?,
                );
        }
        let value = u32::try_from(value).map_err(|_| Signature::NoMatch)?;
        if fits(value) {
            Ok(value)
        } else {
            Err(Signature::NoMatch)
        }
    }
}

/// Runs `steps` over `prefix`: a match when they all succeed.
fn matches(prefix: &[u8], steps: impl FnOnce(&mut Cursor<'_>) -> Step<()>) -> Signature {
    let mut cursor = Cursor { rest: prefix };
    match steps(&mut cursor) {
        Ok(()) => Signature::Match,
        Err(outcome) => outcome,
    }
}

/// A match when one of `outcomes` (tried in order, lazily) is one; else more bytes when one of
/// them may still match.
fn first_match(outcomes: impl IntoIterator<Item = Signature>) -> Signature {
    let mut outcome = Signature::NoMatch;
    for next in outcomes {
        match next {
            Signature::Match => return Signature::Match,
            Signature::NeedMore => outcome = Signature::NeedMore,
            Signature::NoMatch => {}
        }
    }
    outcome
}

/// The first of `alternatives` that matches; else more bytes when one may still match.
fn any_of(prefix: &[u8], alternatives: &[SignatureFn]) -> Signature {
    first_match(alternatives.iter().map(|alternative| alternative(prefix)))
}

/// Whether `prefix` starts with one of `literals`, each being all a match needs.
fn any_literal(prefix: &[u8], literals: &[&[u8]]) -> Signature {
    first_match(
        literals
            .iter()
            .map(|literal| matches(prefix, |c| c.literal(literal))),
    )
}

// Every signature decides within the classification prefix.
const _: () = assert!(CLASSIFY_PREFIX_LEN >= 13);

/// HTTP/2 with prior knowledge: the client's connection preface (`PRI * HTTP/2.0`), or the
/// server's first frame, a SETTINGS frame (type 4) on stream 0 with no flags, whose length is a
/// multiple of 6 (one setting each; at most 16 settings).
pub(crate) fn http2(prefix: &[u8]) -> Signature {
    any_of(
        prefix,
        &[
            |p| matches(p, |c| c.literal(b"PRI * HTTP/2")),
            |p| {
                matches(p, |c| {
                    c.literal(&[0, 0])?;
                    c.byte(|len| len % 6 == 0 && len <= 96)?;
                    c.literal(&[4, 0, 0, 0, 0, 0])
                })
            },
        ],
    )
}

/// PostgreSQL (protocol 3.0 and 3.2): the client's startup packet, SSL or GSS request, or
/// cancel request (a length, then the protocol version or the request's code); the server's
/// authentication request (`R`, a length, a known method), or its one-byte answer to an SSL
/// request: `S` before the TLS handshake, `N` before authentication.
pub(crate) fn postgresql(prefix: &[u8]) -> Signature {
    /// Protocol 3.0 and 3.2, then `SSLRequest`, `GSSENCRequest` and `CancelRequest`.
    const STARTUP_CODES: [u32; 5] = [0x0003_0000, 0x0003_0002, 80_877_103, 80_877_104, 80_877_102];
    /// Ok, Kerberos, cleartext, MD5, GSS, GSS continue, SSPI, SASL, SASL continue, SASL final.
    const AUTH_METHODS: [u32; 10] = [0, 2, 3, 5, 7, 8, 9, 10, 11, 12];
    fn authentication(c: &mut Cursor<'_>) -> Step<()> {
        c.literal(b"R")?;
        c.u32_be(2048, |len| len >= 8)?;
        c.u32_be(12, |method| AUTH_METHODS.contains(&method))
            .map(drop)
    }
    any_of(
        prefix,
        &[
            |p| {
                matches(p, |c| {
                    c.u32_be(10_000, |len| len >= 8)?;
                    c.u32_be(80_877_104, |code| STARTUP_CODES.contains(&code))
                        .map(drop)
                })
            },
            |p| matches(p, authentication),
            |p| {
                matches(p, |c| {
                    c.literal(b"N")?;
                    authentication(c)
                })
            },
            |p| match p.split_first() {
                Some((b'S', rest)) => handshake_record(rest),
                Some(_) => Signature::NoMatch,
                None => Signature::NeedMore,
            },
        ],
    )
}

/// The header of a TLS handshake record: what a stream turns into after a STARTTLS exchange.
pub(crate) fn handshake_record(prefix: &[u8]) -> Signature {
    match prefix.first() {
        None => Signature::NeedMore,
        Some(&tls::CONTENT_HANDSHAKE) => tls::signature(prefix),
        Some(_) => Signature::NoMatch,
    }
}

/// MySQL and MariaDB: the server's greeting (packet 0, protocol version 10, then the server's
/// version string), or the client's first packet (packet 1: the handshake response or SSL
/// request, whose capabilities have `CLIENT_PROTOCOL_41` and `CLIENT_SECURE_CONNECTION`, as
/// every client since MySQL 4.1 sends). Both packets are longer than 32 bytes.
pub(crate) fn mysql(prefix: &[u8]) -> Signature {
    fn packet_head(c: &mut Cursor<'_>, sequence: u8) -> Step<()> {
        let low = c.byte(|_| true)?;
        c.byte(|high| low >= 32 || high > 0)?;
        c.literal(&[0, sequence])
    }
    any_of(
        prefix,
        &[
            |p| {
                matches(p, |c| {
                    packet_head(c, 0)?;
                    c.literal(&[10])?;
                    c.byte(|b| b.is_ascii_digit()).map(drop)
                })
            },
            |p| {
                matches(p, |c| {
                    packet_head(c, 1)?;
                    c.byte(|_| true)?;
                    c.byte(|b| b & 0x82 == 0x82).map(drop)
                })
            },
        ],
    )
}

/// Redis: a command as clients send it (RESP: an array of bulk strings, `*3\r\n$3\r\nSET`), or a
/// reply: a status (`+OK\r\n`: capitals, then the line end), an error of Redis's own kinds, a
/// bulk string, an integer, or an array or RESP3 map of bulk strings.
pub(crate) fn redis(prefix: &[u8]) -> Signature {
    /// `digits\r\n` (1 to 4 digits), then what `after` needs.
    fn counted(c: &mut Cursor<'_>, after: &[u8]) -> Step<()> {
        c.byte(|b| b.is_ascii_digit())?;
        for _ in 0..3 {
            if c.byte(|b| b.is_ascii_digit() || b == b'\r')? == b'\r' {
                c.literal(b"\n")?;
                return c.literal(after);
            }
        }
        c.literal(b"\r\n")?;
        c.literal(after)
    }
    any_of(
        prefix,
        &[
            |p| {
                matches(p, |c| {
                    c.literal(b"*")?;
                    counted(c, b"$")
                })
            },
            |p| {
                matches(p, |c| {
                    c.byte(|b| matches!(b, b'$' | b':' | b'%'))?;
                    counted(c, b"")
                })
            },
            |p| {
                matches(p, |c| {
                    c.literal(b"+")?;
                    c.byte(|b| b.is_ascii_uppercase())?;
                    // `+OK`, `+PONG`, `+QUEUED`: a short word.
                    for _ in 0..10 {
                        if c.byte(|b| b.is_ascii_uppercase() || b == b'\r')? == b'\r' {
                            return c.literal(b"\n");
                        }
                    }
                    Err(Signature::NoMatch)
                })
            },
            |p| {
                any_literal(
                    p,
                    &[
                        b"-ERR ",
                        b"-WRONGTYPE ",
                        b"-NOAUTH ",
                        b"-NOPERM ",
                        b"-MOVED ",
                    ],
                )
            },
        ],
    )
}

/// memcached's text protocol: a client's command (storage, retrieval, meta commands), or a
/// server's reply line. Lowercase commands part it from HTTP's methods.
pub(crate) fn memcached(prefix: &[u8]) -> Signature {
    any_literal(
        prefix,
        &[
            b"get ",
            b"gets ",
            b"gat ",
            b"gats ",
            b"set ",
            b"add ",
            b"replace ",
            b"append ",
            b"prepend ",
            b"cas ",
            b"delete ",
            b"incr ",
            b"decr ",
            b"touch ",
            b"stats\r\n",
            b"stats ",
            b"version\r\n",
            b"flush_all",
            b"mg ",
            b"ms ",
            b"md ",
            b"ma ",
            b"VALUE ",
            b"STORED\r\n",
            b"NOT_STORED\r\n",
            b"EXISTS\r\n",
            b"NOT_FOUND\r\n",
            b"END\r\n",
            b"DELETED\r\n",
            b"TOUCHED\r\n",
            b"VERSION ",
            b"STAT ",
            b"VA ",
        ],
    )
}

/// MQTT: the client's CONNECT (type 1, a remaining length of 1 to 4 bytes, then the protocol
/// name, `MQTT` for 3.1.1 and 5 or `MQIsdp` for 3.1), or the server's CONNACK (type 2, a short
/// length, the session-present flag and a reason code of 3.1.1 or 5).
pub(crate) fn mqtt(prefix: &[u8]) -> Signature {
    any_of(
        prefix,
        &[
            |p| {
                matches(p, |c| {
                    c.literal(&[0x10])?;
                    for _ in 0..3 {
                        if c.byte(|_| true)? < 0x80 {
                            break;
                        }
                    }
                    c.literal(&[0])?;
                    let len = c.byte(|b| b == 4 || b == 6)?;
                    c.literal(if len == 4 { b"MQTT" } else { b"MQIs" })
                })
            },
            |p| {
                matches(p, |c| {
                    c.literal(&[0x20])?;
                    c.byte(|len| (2..0x80).contains(&len))?;
                    c.byte(|flags| flags <= 1)?;
                    c.byte(|code| code <= 5 || (0x80..=0x9f).contains(&code))
                        .map(drop)
                })
            },
        ],
    )
}

/// NATS: the server's `INFO {` (it speaks first), the client's `CONNECT {`.
pub(crate) fn nats(prefix: &[u8]) -> Signature {
    any_literal(prefix, &[b"INFO {", b"CONNECT {"])
}

/// AMQP: the client's protocol header (0-9-1, 1.0, 1.0 SASL), or the server's first frame in
/// 0-9-1, a method frame on channel 0 carrying `connection.start` (class 10, method 10).
pub(crate) fn amqp(prefix: &[u8]) -> Signature {
    any_of(
        prefix,
        &[
            |p| {
                any_literal(
                    p,
                    &[
                        b"AMQP\x00\x00\x09\x01",
                        b"AMQP\x00\x01\x00\x00",
                        b"AMQP\x03\x01\x00\x00",
                    ],
                )
            },
            |p| {
                matches(p, |c| {
                    c.literal(&[1, 0, 0])?;
                    c.u32_be(1 << 20, |size| size >= 4)?;
                    c.literal(&[0, 10, 0, 10])
                })
            },
        ],
    )
}

/// LDAP: a BER `LDAPMessage` (a SEQUENCE, a message ID of 1 to 4 bytes), whose operation is one
/// of LDAP's application tags: a request from the client, a response from the server.
pub(crate) fn ldap(prefix: &[u8]) -> Signature {
    /// Bind, unbind, search, modify, add, delete, modify DN, compare, abandon and extended
    /// requests; bind, search entry, reference and done, modify, add, delete, modify DN,
    /// compare, extended and intermediate responses.
    const OPERATIONS: [u8; 21] = [
        0x60, 0x42, 0x63, 0x66, 0x68, 0x4a, 0x6c, 0x6e, 0x50, 0x77, 0x61, 0x64, 0x73, 0x65, 0x67,
        0x69, 0x6b, 0x6d, 0x6f, 0x78, 0x79,
    ];
    matches(prefix, |c| {
        c.literal(&[0x30])?;
        let len = c.byte(|b| b < 0x80 || (0x81..=0x84).contains(&b))?;
        for _ in 0..len.saturating_sub(0x80) {
            c.byte(|_| true)?;
        }
        c.literal(&[0x02])?;
        let id_len = c.byte(|b| (1..=4).contains(&b))?;
        for _ in 0..id_len {
            c.byte(|_| true)?;
        }
        c.byte(|op| OPERATIONS.contains(&op)).map(drop)
    })
}

/// SMTP (and LMTP): the client's greeting, `EHLO`, `HELO` or `LHLO` in any case. The server's
/// `220` greeting is shared with FTP and left unnamed.
pub(crate) fn smtp(prefix: &[u8]) -> Signature {
    matches(prefix, |c| {
        let first = c.byte(|b| matches!(b | 0x20, b'e' | b'h' | b'l'))?;
        c.byte(|b| b | 0x20 == if first | 0x20 == b'h' { b'e' } else { b'h' })?;
        c.byte(|b| b | 0x20 == b'l')?;
        c.byte(|b| b | 0x20 == b'o')?;
        c.literal(b" ")
    })
}

/// DICOM's upper layer (PS3.8, 9.3): the client's A-ASSOCIATE-RQ (PDU type 1) or the server's
/// A-ASSOCIATE-AC (type 2): a reserved zero byte, the PDU's length (at least the 68 bytes of
/// its fixed fields), protocol version 1, two reserved zero bytes, then the called AE title's
/// first characters (ASCII, padded with spaces).
pub(crate) fn dicom(prefix: &[u8]) -> Signature {
    matches(prefix, |c| {
        c.byte(|b| b == 1 || b == 2)?;
        c.literal(&[0])?;
        c.u32_be(1 << 20, |len| len >= 68)?;
        c.literal(&[0, 1, 0, 0])?;
        for _ in 0..6 {
            c.byte(|b| (0x20..0x7f).contains(&b))?;
        }
        Ok(())
    })
}

/// MongoDB: a message header (little-endian: its length, a request id, the id it answers, an
/// opcode), the opcode one a driver or a server sends: `OP_MSG` (2013, MongoDB 3.6 on),
/// `OP_QUERY` (2004, the handshake of older drivers), `OP_REPLY` (1, its answer) or
/// `OP_COMPRESSED` (2012). The first message of either side, the handshake and its answer, is
/// shorter than 64 KiB (and at least the header's 16 bytes): its length's two high bytes are 0,
/// which parts it early from most other binary starts.
pub(crate) fn mongodb(prefix: &[u8]) -> Signature {
    matches(prefix, |c| {
        let low = c.byte(|_| true)?;
        let high = c.byte(|_| true)?;
        c.literal(&[0, 0])?;
        if u16::from_le_bytes([low, high]) < 16 {
            return Err(Signature::NoMatch);
        }
        for _ in 0..8 {
            c.byte(|_| true)?;
        }
        let opcode_low = c.byte(|b| matches!(b, 0xdd | 0xd4 | 0x01 | 0xdc))?;
        c.byte(|b| b == if opcode_low == 0x01 { 0x00 } else { 0x07 })?;
        c.literal(&[0, 0])
    })
}

/// Kafka: the client's first request (`ApiVersions` for every client since Kafka 0.10, any
/// API for older ones): a size, an API key and version Kafka defines (at most 100 and 20), a
/// correlation id, then a client id that is null, empty or printable. The broker's answer to
/// `ApiVersions`, which lists `Produce` (key 0, from version 0) first: a size, a correlation id
/// below 256, no error (or `UNSUPPORTED_VERSION`, with the list all the same), then the list's
/// length, as a compact varint (version 3 on) then the first entry's key, 0, and lowest
/// version (0, or 3 from Kafka 4.0), or as a 32-bit count then the first key.
pub(crate) fn kafka(prefix: &[u8]) -> Signature {
    any_of(
        prefix,
        &[
            |p| {
                matches(p, |c| {
                    c.u32_be(100 << 20, |size| size >= 10)?;
                    c.literal(&[0])?;
                    c.byte(|key| key <= 100)?;
                    c.literal(&[0])?;
                    c.byte(|version| version <= 20)?;
                    for _ in 0..4 {
                        c.byte(|_| true)?;
                    }
                    let high = c.byte(|b| b == 0 || b == 0xff)?;
                    let len = c.byte(|b| (high == 0xff) == (b == 0xff))?;
                    if high == 0 {
                        for _ in 0..len.min(2) {
                            c.byte(|b| (0x20..0x7f).contains(&b))?;
                        }
                    }
                    Ok(())
                })
            },
            |p| {
                matches(p, |c| {
                    c.u32_be(1 << 20, |size| size >= 10)?;
                    c.literal(&[0, 0, 0])?;
                    c.byte(|_| true)?;
                    c.literal(&[0])?;
                    c.byte(|error| error == 0 || error == 35)?;
                    if c.byte(|b| b == 0 || (2..0x80).contains(&b))? == 0 {
                        // A 32-bit count (versions 0 to 2) and the first key: 16 bytes.
                        c.literal(&[0, 0])?;
                        c.byte(|count| count > 0)?;
                        c.literal(&[0, 0])
                    } else {
                        c.literal(&[0, 0, 0])?;
                        c.byte(|min| min <= 20).map(drop)
                    }
                })
            },
        ],
    )
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const ALL: [SignatureFn; 13] = [
        http2, postgresql, mysql, redis, memcached, mqtt, nats, amqp, ldap, smtp, dicom, kafka,
        mongodb,
    ];

    proptest! {
        /// A decided prefix stays decided the same way whatever follows, and asking for more
        /// bytes happens only within the classification prefix (or the decoder would wait on
        /// a stream forever).
        #[test]
        fn outcomes_only_settle_as_bytes_arrive(
            seed in prop::sample::select(vec![
                &b"PRI * HTTP/2"[..], b"\x00\x00\x00\x08\x04\xd2\x16\x2f", b"R\x00\x00\x00\x08",
                b"\x5b\x00\x00\x00\x0a5", b"*3\r\n$", b"+OK", b"set ", b"\x10\x1a\x00\x04MQ",
                b"INFO {", b"AMQP", b"\x30\x84\x00", b"EHLO", b"S\x16\x03", b"\x01\x00\x00\x00\x25",
                b"\x00\x00\x00\x24\x00\x12\x00\x03", b"\x00\x00\x00\x20\x00\x00\x00\x01\x00",
                b"\x10\x01\x00\x00\xc6\x23", b"",
            ]),
            tail in proptest::collection::vec(any::<u8>(), 0..20),
        ) {
            let bytes = [seed, &tail[..]].concat();
            for signature in ALL {
                let mut settled = None;
                for n in 0..=bytes.len() {
                    let outcome = signature(&bytes[..n]);
                    if let Some(earlier) = settled {
                        prop_assert_eq!(outcome, earlier, "{:?} at {}", bytes, n);
                    } else if outcome == Signature::NeedMore {
                        prop_assert!(n < CLASSIFY_PREFIX_LEN, "{:?} still undecided at {}", bytes, n);
                    } else {
                        settled = Some(outcome);
                    }
                }
            }
        }
    }

    fn decide(signature: fn(&[u8]) -> Signature, bytes: &[u8]) -> Signature {
        // Every shorter prefix of a match asks for more bytes.
        let outcome = signature(bytes);
        if outcome == Signature::Match {
            let decided_at = (0..=bytes.len())
                .find(|&n| signature(&bytes[..n]) == Signature::Match)
                .unwrap_or(bytes.len());
            assert!(
                decided_at <= CLASSIFY_PREFIX_LEN,
                "{bytes:?} needs {decided_at}"
            );
            for n in 0..decided_at {
                assert_eq!(
                    signature(&bytes[..n]),
                    Signature::NeedMore,
                    "{bytes:?} at {n}"
                );
            }
        }
        outcome
    }

    #[test]
    fn first_messages_of_each_side_match() {
        let cases: &[(SignatureFn, &[u8])] = &[
            (http2, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
            (http2, &[0, 0, 18, 4, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 100]),
            (http2, &[0, 0, 0, 4, 0, 0, 0, 0, 0]),
            // libpq's SSL request, its startup packet (protocol 3.0), the server's answers.
            (postgresql, &[0, 0, 0, 8, 4, 210, 22, 47]),
            (
                postgresql,
                b"\x00\x00\x00\x54\x00\x03\x00\x00user\x00app\x00",
            ),
            (
                postgresql,
                b"R\x00\x00\x00\x17\x00\x00\x00\x0aSCRAM-SHA-256\x00\x00",
            ),
            (postgresql, b"NR\x00\x00\x00\x08\x00\x00\x00\x00"),
            (postgresql, &[b'S', 22, 3, 3, 0, 122, 2]),
            // MariaDB 10.11's greeting, a Connector/C handshake response.
            (mysql, b"\x5b\x00\x00\x00\x0a5.5.5-10.11.6-MariaDB"),
            (mysql, &[0xb8, 0, 0, 1, 0x8d, 0xa6, 0xff, 0x01, 0, 0, 0, 1]),
            (redis, b"*3\r\n$4\r\nHSET\r\n"),
            (redis, b"*12\r\n$7\r\n"),
            (redis, b"%7\r\n$6\r\nserver\r\n"),
            (redis, b"+OK\r\n"),
            (redis, b"+PONG\r\n"),
            (redis, b":2\r\n"),
            (redis, b"$5\r\nhello\r\n"),
            (redis, b"-ERR unknown command"),
            (memcached, b"set customer:17:full_name 0 0 20\r\n"),
            (memcached, b"VALUE customer:17 0 5\r\n"),
            (memcached, b"STORED\r\n"),
            (mqtt, b"\x10\x1a\x00\x04MQTT\x04\x02\x00\x3c"),
            (mqtt, b"\x10\xc8\x01\x00\x04MQTT\x05"),
            (mqtt, b"\x10\x20\x00\x06MQIsdp\x03"),
            (mqtt, &[0x20, 2, 0, 0]),
            (mqtt, &[0x20, 9, 0, 0, 6, 0x22, 0, 10]),
            (nats, b"INFO {\"server_id\":\"x\"}\r\n"),
            (nats, b"CONNECT {\"verbose\":false}\r\n"),
            (amqp, b"AMQP\x00\x00\x09\x01"),
            (amqp, &[1, 0, 0, 0, 0, 1, 0xf8, 0, 10, 0, 10, 0, 9]),
            // ldapadd's simple bind; slapd's bind response; a long-form length.
            (
                ldap,
                &[0x30, 0x0c, 0x02, 0x01, 0x01, 0x60, 0x07, 0x02, 0x01, 0x03],
            ),
            (
                ldap,
                &[0x30, 0x0c, 0x02, 0x01, 0x01, 0x61, 0x07, 0x0a, 0x01, 0x00],
            ),
            (
                ldap,
                &[0x30, 0x84, 0, 0, 0, 0x30, 0x02, 0x04, 0, 0, 0, 2, 0x64],
            ),
            (ldap, &[0x30, 0x81, 0x9a, 0x02, 0x01, 0x02, 0x68, 0x81]),
            (smtp, b"EHLO client.example\r\n"),
            (smtp, b"helo x\r\n"),
            (smtp, b"LHLO lmtp\r\n"),
            // dcmtk's storescu association request, storescp's acceptance.
            (dicom, b"\x01\x00\x00\x00\x25\x89\x00\x01\x00\x00ANY-SCP  "),
            (dicom, b"\x02\x00\x00\x00\x10\x1b\x00\x01\x00\x00ANY-SCP  "),
            // librdkafka's `ApiVersions` request (v3) and the harness broker's answer; the Java
            // client's (v3, client id `producer-1`); Kafka 0.10's answer (v0, 32-bit count).
            (
                kafka,
                b"\x00\x00\x00\x24\x00\x12\x00\x03\x00\x00\x00\x01\x00\x07rdkafka",
            ),
            (
                kafka,
                b"\x00\x00\x00\x20\x00\x00\x00\x01\x00\x00\x06\x00\x00\x00\x00\x00\x07",
            ),
            (
                kafka,
                b"\x00\x00\x00\x31\x00\x12\x00\x03\x00\x00\x00\x00\x00\x0aproducer-1",
            ),
            (
                kafka,
                b"\x00\x00\x00\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00\x15\x00\x00",
            ),
            // Kafka 4.0's answer: `Produce` from version 3.
            (
                kafka,
                b"\x00\x00\x00\x20\x00\x00\x00\x01\x00\x00\x06\x00\x00\x00\x03\x00\x0c",
            ),
            // PyMongo's handshake (`OP_QUERY` `isMaster`) and the server's `OP_REPLY`; an
            // `insert` in `OP_MSG`.
            (
                mongodb,
                b"\x10\x01\x00\x00\xc6\x23\x7b\x32\x00\x00\x00\x00\xd4\x07\x00\x00",
            ),
            (
                mongodb,
                b"\xcd\x00\x00\x00\x01\x00\x00\x00\xc6\x23\x7b\x32\x01\x00\x00\x00",
            ),
            (
                mongodb,
                b"\x07\x01\x00\x00\x69\x98\x3c\x64\x00\x00\x00\x00\xdd\x07\x00\x00",
            ),
            // A request with a null client id.
            (
                kafka,
                b"\x00\x00\x00\x0e\x00\x03\x00\x00\x00\x00\x00\x09\xff\xff",
            ),
        ];
        for (signature, bytes) in cases {
            assert_eq!(decide(*signature, bytes), Signature::Match, "{bytes:?}");
        }
    }

    #[test]
    fn near_misses_do_not_match() {
        let cases: &[(SignatureFn, &[u8])] = &[
            (http2, b"PRI * HTTP/1.1"),
            (http2, &[0, 0, 7, 4, 0, 0, 0, 0, 0]),
            (http2, &[0, 0, 6, 4, 1, 0, 0, 0, 0]),
            (postgresql, &[0, 0, 0, 8, 0, 2, 0, 0]),
            (postgresql, &[0, 1, 0, 8, 0, 3, 0, 0]),
            (postgresql, b"R\x00\x00\x00\x08\x00\x00\x00\x04"),
            (postgresql, b"SSH-2.0-OpenSSH"),
            (postgresql, &[b'S', 23, 3, 3, 0, 122]),
            (mysql, b"\x5b\x00\x00\x00\x09"),
            (mysql, b"\x10\x00\x00\x00\x0a5"),
            (mysql, &[0xb8, 0, 0, 1, 0x8d, 0x04]),
            (redis, b"*3 items"),
            (redis, b"+OK ready"),
            (redis, b"+ok\r\n"),
            (redis, b"+ABCDEFGHIJKLMNOP"),
            (redis, b"$12345\r\n"),
            (memcached, b"GET / HTTP/1.1"),
            (memcached, b"settings"),
            (mqtt, b"\x10\x1a\x00\x04MQTX"),
            (mqtt, &[0x20, 2, 2, 0]),
            (mqtt, b"  a"),
            (nats, b"CONNECT host:443 HTTP/1.1"),
            (amqp, b"AMQP\x00\x00\x08\x00"),
            (ldap, &[0x30, 0x0c, 0x02, 0x05]),
            (ldap, &[0x30, 0x0c, 0x02, 0x01, 0x01, 0x30]),
            (smtp, b"EHLOX"),
            (smtp, b"HELP\r\n"),
            (dicom, b"\x01\x00\x00\x00\x00\x10\x00\x01\x00\x00ANY-SCP"),
            (dicom, b"\x04\x00\x00\x00\x25\x89\x00\x01\x00\x00ANY-SCP"),
            (dicom, b"\x01\x00\x00\x00\x25\x89\x00\x02\x00\x00ANY-SCP"),
            // An API key or version Kafka does not have, a client id that is no text, a size
            // past 100 MiB; an answer with another error, or whose list opens with no `Produce`.
            (
                kafka,
                b"\x00\x00\x00\x24\x00\x99\x00\x03\x00\x00\x00\x01\x00\x07rd",
            ),
            (
                kafka,
                b"\x00\x00\x00\x24\x00\x12\x00\x30\x00\x00\x00\x01\x00\x07rd",
            ),
            (
                kafka,
                b"\x00\x00\x00\x24\x00\x12\x00\x03\x00\x00\x00\x01\x00\x07\x01\x02",
            ),
            (
                kafka,
                b"\x07\x00\x00\x24\x00\x12\x00\x03\x00\x00\x00\x01\x00\x07rd",
            ),
            (
                kafka,
                b"\x00\x00\x00\x20\x00\x00\x00\x30\x00\x03\x06\x00\x00\x00\x00\x00",
            ),
            (
                kafka,
                b"\x00\x00\x00\x20\x00\x00\x00\x30\x00\x00\x06\x00\x00\x00\x30\x00",
            ),
            (
                kafka,
                b"\x00\x00\x00\x20\x00\x00\x00\x01\x00\x00\x06\x00\x03\x00\x00\x00",
            ),
            // Another opcode (`OP_INSERT`, removed in MongoDB 6), a first message of 64 KiB or
            // more, or shorter than the header.
            (
                mongodb,
                b"\x10\x01\x00\x00\xc6\x23\x7b\x32\x00\x00\x00\x00\xd2\x07\x00\x00",
            ),
            (
                mongodb,
                b"\x10\x01\x01\x00\xc6\x23\x7b\x32\x00\x00\x00\x00\xdd\x07\x00\x00",
            ),
            (
                mongodb,
                b"\x0f\x00\x00\x00\xc6\x23\x7b\x32\x00\x00\x00\x00\xdd\x07\x00\x00",
            ),
        ];
        for (signature, bytes) in cases {
            assert_eq!(signature(bytes), Signature::NoMatch, "{bytes:?}");
        }
    }
}
