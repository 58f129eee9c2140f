//! Addresses written as a server's. Clients learn where to connect from their servers: Kafka's
//! `Metadata` answer lists the brokers, a Redis cluster answers `CLUSTER SLOTS` and
//! `CLUSTER NODES` with its nodes and redirects with `MOVED` and `ASK`, a NATS server opens each
//! connection with an `INFO` naming itself, its cluster's `connect_urls` and the client's own
//! address as the server sees it, and MySQL's and MariaDB's clients name the server they connect
//! to in their handshake (the connection attribute `_server_host`). Where those name the
//! servers by IP address, each answer held what the pattern scan takes for an IPv4 or IPv6
//! address, a person's device's; a client refreshes them on connecting and every few minutes.
//! The address a server listens on is no person's. Each check reads only the bytes framing
//! the address, as its protocol writes them.

use std::ops::Range;

/// Whether the address at `span` of `b` is framed as a server's by one of the protocols above.
pub(crate) fn is_server_address(b: &[u8], span: &Range<usize>) -> bool {
    is_kafka_broker(b, span)
        || is_redis_cluster_node(b, span)
        || is_cluster_bus_address(b, span)
        || is_redis_redirection(b, span)
        || is_nats_info(b, span)
        || is_mysql_server_host(b, span)
}

/// The `_server_host` connection attribute of a MySQL or MariaDB client's handshake response
/// (libmysqlclient, Connector/C): length-prefixed key, then the value's length.
fn is_mysql_server_host(b: &[u8], span: &Range<usize>) -> bool {
    const KEY: &[u8] = b"\x0c_server_host";
    let Ok(len) = u8::try_from(span.len()) else {
        return false;
    };
    span.start
        .checked_sub(KEY.len() + 1)
        .and_then(|at| b.get(at..span.start))
        .is_some_and(|before| before.starts_with(KEY) && before.last() == Some(&len))
}

/// The line before `at`, if it starts within `reach` bytes: each check looks back at most that
/// far, however long a line and however many addresses it holds.
fn line_before(b: &[u8], at: usize, reach: usize) -> Option<&[u8]> {
    let from = at.saturating_sub(reach);
    let window = b.get(from..at)?;
    match window.iter().rposition(|&c| c == b'\n') {
        Some(nl) => window.get(nl + 1..),
        None => (from == 0).then_some(window),
    }
}

/// How far back a NATS `INFO` line's start is looked for: the server's JSON, with its cluster's
/// URLs, is a few hundred bytes.
const INFO_REACH: usize = 4096;
/// How far back a redirection's start is: `-MOVED 16383 ` is 13 bytes.
const REDIRECTION_REACH: usize = 16;

/// An address in a NATS server's `INFO` line, whose JSON opens with the server's id (a log
/// line at level `INFO` may open with JSON too).
fn is_nats_info(b: &[u8], span: &Range<usize>) -> bool {
    line_before(b, span.start, INFO_REACH)
        .is_some_and(|line| line.starts_with(br#"INFO {"server_id":""#))
}

/// A Kafka broker's in a `Metadata` answer: a host string after a node id (32 bits, below
/// 65,536) and its length (16 bits, or a compact length plus one from version 9), then the port
/// (32 bits).
fn is_kafka_broker(b: &[u8], span: &Range<usize>) -> bool {
    let Ok(len) = u8::try_from(span.len()) else {
        return false;
    };
    let port = b.get(span.end..span.end + 4);
    if !port.is_some_and(|p| p[..2] == [0, 0] && p[2..] != [0, 0]) {
        return false;
    }
    let node_id_before = |length_bytes: usize| {
        span.start
            .checked_sub(length_bytes + 4)
            .and_then(|at| b.get(at..at + 2))
            == Some(&[0, 0][..])
    };
    let before = |n: usize| {
        span.start
            .checked_sub(n)
            .and_then(|at| b.get(at..span.start))
    };
    (before(2) == Some(&[0, len][..]) && node_id_before(2))
        || (before(1) == Some(&[len.saturating_add(1)][..]) && node_id_before(1))
}

/// Whether `b` at `at` holds a RESP integer (`:6379\r\n`) or a bulk string of digits
/// (`$4\r\n6379\r\n`) that can be a port.
fn resp_port_at(b: &[u8], at: usize) -> bool {
    let rest = b.get(at..).unwrap_or_default();
    let digits = |s: &[u8]| {
        let n = s.iter().take_while(|c| c.is_ascii_digit()).count();
        (1..=5).contains(&n) && s.get(n..n + 2) == Some(b"\r\n")
    };
    match rest.split_first() {
        Some((b':', number)) => digits(number),
        Some((b'$', bulk)) => {
            let Some(body) = bulk.iter().position(|&c| c == b'\n').map(|nl| nl + 1) else {
                return false;
            };
            digits(bulk.get(..body).unwrap_or_default()) && digits(&bulk[body..])
        }
        _ => false,
    }
}

/// A node's in a Redis cluster's `CLUSTER SLOTS` answer (and a Sentinel's
/// `get-master-addr-by-name`): a bulk string of the address alone, then its port.
fn is_redis_cluster_node(b: &[u8], span: &Range<usize>) -> bool {
    use std::io::Write as _;
    // `$<length>\r\n`, written without allocating: this runs for every address candidate.
    let mut buffer = [0_u8; 24];
    let mut cursor = &mut buffer[..];
    if write!(cursor, "${}\r\n", span.len()).is_err() {
        return false;
    }
    let written = 24 - cursor.len();
    let header = buffer.get(..written).unwrap_or_default();
    span.start
        .checked_sub(header.len())
        .and_then(|at| b.get(at..span.start))
        == Some(header)
        && b.get(span.end..span.end + 2) == Some(b"\r\n")
        && resp_port_at(b, span.end + 2)
}

/// A Redis cluster node's in `CLUSTER NODES` (and `CLUSTER SHARDS`' text form): the address,
/// its port and its cluster bus port, `10.0.0.51:30004@31004`.
fn is_cluster_bus_address(b: &[u8], span: &Range<usize>) -> bool {
    let rest = b.get(span.end..).unwrap_or_default();
    let port_len = |s: &[u8]| s.iter().take_while(|c| c.is_ascii_digit()).count();
    let Some(after_colon) = rest.strip_prefix(b":") else {
        return false;
    };
    let port = port_len(after_colon);
    (1..=5).contains(&port)
        && after_colon.get(port) == Some(&b'@')
        && (1..=5).contains(&port_len(after_colon.get(port + 1..).unwrap_or_default()))
}

/// The node a Redis cluster redirects a command to: `-MOVED 3999 10.0.0.51:6381` and `-ASK`.
fn is_redis_redirection(b: &[u8], span: &Range<usize>) -> bool {
    let line = line_before(b, span.start, REDIRECTION_REACH).unwrap_or_default();
    let Some(slot) = line
        .strip_prefix(b"-MOVED ")
        .or_else(|| line.strip_prefix(b"-ASK "))
    else {
        return false;
    };
    slot.strip_suffix(b" ")
        .is_some_and(|n| !n.is_empty() && n.len() <= 5 && n.iter().all(u8::is_ascii_digit))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The span of `address` in `b`.
    fn at(b: &[u8], address: &[u8]) -> Range<usize> {
        let start = memchr::memmem::find(b, address).expect("present");
        start..start + address.len()
    }

    #[test]
    fn servers_addresses_as_their_protocols_write_them() {
        let cases: [&[u8]; 10] = [
            // Kafka's broker list, classic and compact strings.
            b"\x00\x00\x00\x01\x00\x0a198.18.0.2\x00\x00\x23\x84",
            b"\x00\x00\x00\x01\x0b198.18.0.2\x00\x00\x23\x84",
            // CLUSTER SLOTS; a Sentinel's master address.
            b"*3\r\n:0\r\n:5460\r\n*3\r\n$10\r\n198.18.0.2\r\n:30001\r\n$40\r\n",
            b"*2\r\n$10\r\n198.18.0.2\r\n$4\r\n6379\r\n",
            // CLUSTER NODES; redirections.
            b"07c37dfe 198.18.0.2:30004@31004 slave e7d1eecc 0 1426238317239 4 connected\n",
            b"-MOVED 3999 198.18.0.2:6381\r\n",
            b"-ASK 3999 198.18.0.2:6381\r\n",
            // NATS: the client's address, a cluster member's.
            br#"INFO {"server_id":"N1","client_ip":"198.18.0.2","port":4222}"#,
            b"+OK\r\nINFO {\"server_id\":\"N1\",\"connect_urls\":[\"198.18.0.2:4222\"]}\r\n",
            // The MariaDB client's connection attributes.
            b"\x0c_client_name\x0alibmariadb\x0c_server_host\x0a198.18.0.2\x04_pid\x041234",
        ];
        for b in cases {
            assert!(
                is_server_address(b, &at(b, b"198.18.0.2")),
                "{}",
                String::from_utf8_lossy(b)
            );
        }
    }

    #[test]
    fn other_addresses_are_not_servers() {
        let cases: [&[u8]; 9] = [
            // A value among others, a client's address and port, a log line.
            b"*2\r\n$10\r\n198.18.0.2\r\n$5\r\nhello\r\n",
            b"$10\r\n198.18.0.2\r\n",
            b"client=198.18.0.2:54321 user=u-17",
            b"198.18.0.2:30004 @31004",
            b"-ERR 3999 198.18.0.2:6381\r\n",
            b"-MOVED slot 198.18.0.2:6381\r\n",
            b"PUB audit 27\r\nINFO {\"ip\":\"198.18.0.2\"} at 10:00\r\n",
            b"\x0c_client_host\x0a198.18.0.2",
            // A length before, no port after; no node id.
            b"\x00\x00\x00\x01\x00\x0a198.18.0.2 and more",
        ];
        for b in cases {
            assert!(
                !is_server_address(b, &at(b, b"198.18.0.2")),
                "{}",
                String::from_utf8_lossy(b)
            );
        }
    }
}
