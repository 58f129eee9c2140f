//! The per-direction decoder: classifies the stream from its first bytes, then hands the stream
//! to that protocol's reader.

use std::{fmt, mem, ops::Range};

use crate::{
    model::Protocol,
    protocol::{
        CLASSIFY_PREFIX_LEN, Classification, ProtocolError, Signature, classify, http, signatures,
        tls,
    },
};

/// Something the start of a stream revealed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeEvent {
    TlsHello(tls::Hello),
    HttpHead(http::HttpHead),
}

/// What decoding one chunk produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// The direction's protocol after this chunk (`Unknown` while still classifying).
    pub protocol: Protocol,
    /// The part of the chunk (indices into it) that is clear text and may be scanned.
    pub clear_text: Range<usize>,
    pub event: Option<DecodeEvent>,
    /// A decoding failure; reported once, the direction keeps its protocol.
    pub error: Option<ProtocolError>,
}

/// The protocol-specific state once a direction is classified. One variant per protocol.
enum Stage {
    /// Fewer bytes than classification needs; they are kept (at most [`CLASSIFY_PREFIX_LEN`]).
    Classifying {
        pending: Vec<u8>,
    },
    Tls(tls::HelloReader),
    /// A clear-text direction of `from` that started a chunk with a TLS handshake record, until
    /// its hello is read: a record that holds no hello turns it back.
    Upgrading {
        reader: tls::HelloReader,
        from: Protocol,
    },
    Http(http::HeadReader),
    /// A protocol known by its signature only, or an unknown one: clear text, nothing to parse,
    /// until a TLS handshake record starts a chunk.
    Plain(Protocol),
}

impl Stage {
    const fn for_protocol(protocol: Protocol) -> Self {
        match protocol {
            Protocol::Tls => Self::Tls(tls::HelloReader::new()),
            Protocol::Http => Self::Http(http::HeadReader::new()),
            other => Self::Plain(other),
        }
    }

    const fn protocol(&self) -> Protocol {
        match self {
            Self::Classifying { .. } => Protocol::Unknown,
            Self::Plain(protocol) => *protocol,
            Self::Tls(_) | Self::Upgrading { .. } => Protocol::Tls,
            Self::Http(_) => Protocol::Http,
        }
    }
}

/// Decodes one direction of one flow from contiguous chunks of its byte stream.
///
/// Assumes chunks arrive in stream order (as reassembly emits them). A chunk whose offset does
/// not follow the previous one is treated as coming after a gap even if not flagged so.
///
/// Which bytes are clear text: all of them for HTTP, the protocols known by signature and unknown
/// ones; none for TLS, except the few bytes (under [`CLASSIFY_PREFIX_LEN`]) that arrive before the
/// direction is classified, which are a record header and a handshake header when it turns out
/// to be TLS.
///
/// A direction of a protocol known by signature, or of an unknown one, that starts a chunk with
/// a TLS handshake record turns into TLS there: the STARTTLS of SMTP and LDAP, PostgreSQL's and
/// MySQL's SSL requests (PostgreSQL's server answers `S` first, in the same chunk or the one
/// before), NATS and any other protocol that upgrades in place. So does an HTTP direction whose
/// head opened a tunnel (a `CONNECT` to a proxy, the proxy's 2xx answer): an HTTPS request
/// through a proxy is TLS, not HTTP. From that record on nothing is clear text, and the hello
/// is read for its version and cipher. A handshake record that holds no hello (a malformed or
/// unexpected handshake message) turns the direction back: its bytes are clear text again.
pub struct StreamDecoder {
    stage: Stage,
    next_offset: Option<u64>,
}

impl Default for StreamDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for StreamDecoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stage = match &self.stage {
            Stage::Classifying { pending } => format!("classifying ({} bytes)", pending.len()),
            Stage::Tls(r) => format!("{r:?}"),
            Stage::Upgrading { reader, from } => {
                format!("upgrading from {} ({reader:?})", from.as_str())
            }
            Stage::Http(r) => format!("{r:?}"),
            Stage::Plain(protocol) => format!("plain ({})", protocol.as_str()),
        };
        f.debug_struct("StreamDecoder")
            .field("stage", &stage)
            .finish_non_exhaustive()
    }
}

impl StreamDecoder {
    #[must_use]
    pub const fn new() -> Self {
        Self {
            stage: Stage::Classifying {
                pending: Vec::new(),
            },
            next_offset: None,
        }
    }

    /// The protocol so far (`Unknown` while still classifying).
    #[must_use]
    pub const fn protocol(&self) -> Protocol {
        self.stage.protocol()
    }

    /// Feeds the chunk of the stream starting at `offset`; `after_gap` says bytes before it were
    /// lost.
    pub fn feed(&mut self, offset: u64, bytes: &[u8], after_gap: bool) -> Decoded {
        let gap = after_gap || self.next_offset.is_some_and(|next| next != offset);
        let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        self.next_offset = Some(offset.saturating_add(len));

        if let Stage::Classifying { pending } = &mut self.stage {
            if gap {
                pending.clear();
            }
            let leading = bytes.get(..CLASSIFY_PREFIX_LEN).unwrap_or(bytes);
            let mut probe = mem::take(pending);
            probe.extend_from_slice(leading);
            match classify(&probe) {
                Classification::NeedMore => {
                    // `leading` was all of `bytes`: classification needs more than it had.
                    *pending = probe;
                    return Decoded {
                        protocol: Protocol::Unknown,
                        clear_text: 0..bytes.len(),
                        event: None,
                        error: None,
                    };
                }
                Classification::Decided(protocol) => {
                    self.stage = Stage::for_protocol(protocol);
                    // The bytes held back belong before this chunk; feed them together.
                    let held = probe.len().saturating_sub(leading.len());
                    if held > 0 {
                        probe.truncate(held);
                        probe.extend_from_slice(bytes);
                        let mut decoded = self.feed_classified(&probe, false);
                        decoded.clear_text = restrict(&decoded.clear_text, held, bytes.len());
                        return decoded;
                    }
                    return self.feed_classified(bytes, false);
                }
            }
        }
        self.feed_classified(bytes, gap)
    }

    fn feed_classified(&mut self, bytes: &[u8], gap: bool) -> Decoded {
        let upgrade = match &self.stage {
            Stage::Plain(protocol) => tls_upgrade_at(*protocol, bytes),
            // After a `CONNECT` and the proxy's answer, the tunnel's first bytes.
            Stage::Http(reader) if reader.opens_tunnel() => tls_upgrade_at(Protocol::Http, bytes),
            _ => None,
        };
        if let Some(at) = upgrade {
            let from = self.stage.protocol();
            self.stage = Stage::Upgrading {
                reader: tls::HelloReader::new(),
                from,
            };
            let rest = bytes.get(at..).unwrap_or_default();
            let mut decoded = self.feed_classified(rest, false);
            if decoded.protocol == Protocol::Tls {
                decoded.clear_text = 0..at;
            } else {
                decoded.clear_text = 0..bytes.len();
            }
            return decoded;
        }
        if let Stage::Upgrading { reader, from } = &mut self.stage {
            let from = *from;
            return match reader.feed(bytes, gap) {
                // Not a hello after all: the direction stays what it was, and these bytes are
                // its clear text.
                Err(_) => {
                    self.stage = Stage::Plain(from);
                    Decoded {
                        protocol: from,
                        clear_text: 0..bytes.len(),
                        event: None,
                        error: None,
                    }
                }
                Ok(hello) => {
                    if hello.is_some() || reader.is_finished() {
                        let reader = std::mem::replace(reader, tls::HelloReader::new());
                        self.stage = Stage::Tls(reader);
                    }
                    Decoded {
                        protocol: Protocol::Tls,
                        clear_text: 0..0,
                        event: hello.map(DecodeEvent::TlsHello),
                        error: None,
                    }
                }
            };
        }
        let protocol = self.stage.protocol();
        let (clear_text, result) = match &mut self.stage {
            Stage::Classifying { .. } | Stage::Plain(_) => (0..bytes.len(), Ok(None)),
            Stage::Upgrading { .. } => (0..0, Ok(None)),
            Stage::Tls(reader) => (
                0..0,
                reader
                    .feed(bytes, gap)
                    .map(|h| h.map(DecodeEvent::TlsHello)),
            ),
            Stage::Http(reader) => (
                0..bytes.len(),
                reader
                    .feed(bytes, gap)
                    .map(|h| h.map(DecodeEvent::HttpHead)),
            ),
        };
        let (event, error) = match result {
            Ok(event) => (event, None),
            Err(e) => (None, Some(e)),
        };
        Decoded {
            protocol,
            clear_text,
            event,
            error,
        }
    }
}

/// Where a TLS handshake starts in a chunk of a clear-text direction of `protocol`: at its first
/// byte, or, for PostgreSQL, after the server's one-byte `S` (SSL accepted). A whole record
/// header is needed, so a chunk of under 5 bytes (6 with the `S`) never turns a stream.
fn tls_upgrade_at(protocol: Protocol, bytes: &[u8]) -> Option<usize> {
    let header_at = |at: usize| {
        bytes
            .get(at..at + 5)
            .is_some_and(|header| signatures::handshake_record(header) == Signature::Match)
    };
    if header_at(0) {
        Some(0)
    } else if protocol == Protocol::Postgresql && bytes.first() == Some(&b'S') && header_at(1) {
        Some(1)
    } else {
        None
    }
}

/// `range` (into held bytes followed by the chunk) as a range into the chunk alone.
fn restrict(range: &Range<usize>, held: usize, chunk_len: usize) -> Range<usize> {
    let start = range.start.saturating_sub(held).min(chunk_len);
    let end = range.end.saturating_sub(held).min(chunk_len);
    start..end.max(start)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const TLS13_CLIENT: &[u8] = include_bytes!("testdata/tls13_client_flight.bin");
    const GET: &[u8] = b"GET /status HTTP/1.1\r\nHost: gw\r\n\r\n";

    fn feed_all(decoder: &mut StreamDecoder, chunks: &[&[u8]]) -> Vec<Decoded> {
        let mut offset = 0u64;
        chunks
            .iter()
            .map(|c| {
                let d = decoder.feed(offset, c, false);
                offset += c.len() as u64;
                d
            })
            .collect()
    }

    #[test]
    fn tls_is_never_clear_text_and_reports_its_hello_once() {
        let mut decoder = StreamDecoder::new();
        let out = feed_all(&mut decoder, &[&TLS13_CLIENT[..200], &TLS13_CLIENT[200..]]);
        assert!(
            out.iter()
                .all(|d| d.protocol == Protocol::Tls && d.clear_text.is_empty())
        );
        assert!(out[0].event.is_none());
        let Some(DecodeEvent::TlsHello(tls::Hello::Client(hello))) = &out[1].event else {
            panic!("expected the ClientHello, got {:?}", out[1].event);
        };
        assert_eq!(hello.sni.as_deref(), Some("sensor-gw.example.test"));
        assert_eq!(decoder.protocol(), Protocol::Tls);
    }

    #[test]
    fn a_tiny_first_chunk_waits_for_classification() {
        let mut decoder = StreamDecoder::new();
        let out = feed_all(&mut decoder, &[&TLS13_CLIENT[..2], &TLS13_CLIENT[2..]]);
        assert_eq!(out[0].protocol, Protocol::Unknown);
        assert_eq!(out[0].clear_text, 0..2, "undecided bytes are scanned");
        assert_eq!(out[1].protocol, Protocol::Tls);
        assert!(out[1].clear_text.is_empty());
        assert!(
            matches!(out[1].event, Some(DecodeEvent::TlsHello(_))),
            "held bytes were kept"
        );
    }

    #[test]
    fn http_is_clear_text_and_reports_its_head() {
        let mut decoder = StreamDecoder::new();
        let out = feed_all(&mut decoder, &[&GET[..3], &GET[3..10], &GET[10..]]);
        assert_eq!(out[0].clear_text, 0..3);
        assert_eq!(out[1].protocol, Protocol::Http);
        assert_eq!(out[1].clear_text, 0..7);
        assert_eq!(out[2].clear_text, 0..GET.len() - 10);
        let Some(DecodeEvent::HttpHead(http::HttpHead::Request(head))) = &out[2].event else {
            panic!("expected the request head");
        };
        assert_eq!(head.method, http::Method::Get);
    }

    #[test]
    fn protocols_known_by_signature_and_unknown_ones_are_clear_text() {
        let mut decoder = StreamDecoder::new();
        let mqtt_connect = b"\x10\x1a\x00\x04MQTT\x04\x02\x00\x3c\x00\x0esensor-0000042";
        let d = decoder.feed(0, mqtt_connect, false);
        assert_eq!(d.protocol, Protocol::Mqtt);
        assert_eq!(d.clear_text, 0..mqtt_connect.len());
        assert_eq!(decoder.feed(26, b"more", false).clear_text, 0..4);

        let mut decoder = StreamDecoder::new();
        let d = decoder.feed(0, b"\x01\x02 telemetry of no known protocol", false);
        assert_eq!((d.protocol, d.clear_text), (Protocol::Unknown, 0..33));
    }

    #[test]
    fn a_tls_handshake_after_starttls_turns_the_direction_into_tls() {
        // SMTP: commands in clear text, then the ClientHello after `STARTTLS`.
        let mut decoder = StreamDecoder::new();
        let out = feed_all(
            &mut decoder,
            &[
                b"EHLO client\r\n",
                b"STARTTLS\r\n",
                TLS13_CLIENT,
                b"\x17\x03\x03\x00\x01x",
            ],
        );
        assert_eq!(out[0].protocol, Protocol::Smtp);
        assert_eq!(
            (out[1].protocol, out[1].clear_text.clone()),
            (Protocol::Smtp, 0..10)
        );
        assert_eq!(out[2].protocol, Protocol::Tls);
        assert!(out[2].clear_text.is_empty());
        let Some(DecodeEvent::TlsHello(tls::Hello::Client(hello))) = &out[2].event else {
            panic!("expected the ClientHello, got {:?}", out[2].event);
        };
        assert_eq!(hello.sni.as_deref(), Some("sensor-gw.example.test"));
        assert!(out[3].clear_text.is_empty());

        // PostgreSQL's server: `S` alone, then the handshake; or both in one chunk.
        let server_hello = &[22, 3, 3, 0, 122, 2, 0, 0, 118];
        let mut decoder = StreamDecoder::new();
        let out = feed_all(&mut decoder, &[b"S", server_hello]);
        assert_eq!(out[0].clear_text, 0..1);
        assert_eq!(
            (out[1].protocol, out[1].clear_text.clone()),
            (Protocol::Tls, 0..0)
        );
        let mut joined = b"S".to_vec();
        joined.extend_from_slice(server_hello);
        let mut decoder = StreamDecoder::new();
        let d = decoder.feed(0, &joined, false);
        assert_eq!((d.protocol, d.clear_text), (Protocol::Tls, 0..1));

        // An unknown protocol upgrades the same way; a record that is no handshake does not.
        let mut decoder = StreamDecoder::new();
        let out = feed_all(
            &mut decoder,
            &[b"\x01\x02 hello", b"\x17\x03\x03\x00\x05", TLS13_CLIENT],
        );
        assert_eq!(out[1].protocol, Protocol::Unknown);
        assert_eq!(out[2].protocol, Protocol::Tls);
    }

    #[test]
    fn an_upgrade_waits_for_its_hello_and_turns_back_without_one() {
        // A hello split over two chunks; a handshake record that holds no hello turns back.
        let mut decoder = StreamDecoder::new();
        let out = feed_all(
            &mut decoder,
            &[
                b"EHLO client\r\n",
                &TLS13_CLIENT[..100],
                &TLS13_CLIENT[100..],
            ],
        );
        assert_eq!(
            (out[1].protocol, out[1].clear_text.clone()),
            (Protocol::Tls, 0..0)
        );
        assert!(matches!(out[2].event, Some(DecodeEvent::TlsHello(_))));
        let certificate = [22, 3, 1, 0, 8, 11, 0, 0, 4, 0, 0, 0, 0];
        let mut decoder = StreamDecoder::new();
        let out = feed_all(
            &mut decoder,
            &[
                b"EHLO client\r\n",
                &certificate,
                b"MAIL FROM:<a@b.example>\r\n",
            ],
        );
        assert_eq!(
            (out[1].protocol, out[1].clear_text.clone()),
            (Protocol::Smtp, 0..13)
        );
        assert_eq!(out[1].error, None);
        assert_eq!(
            (out[2].protocol, out[2].clear_text.clone()),
            (Protocol::Smtp, 0..25)
        );
        assert_eq!(decoder.protocol(), Protocol::Smtp);
    }

    #[test]
    fn http_turns_into_tls_only_after_a_tunnel_opens() {
        // A body may hold any bytes.
        let mut decoder = StreamDecoder::new();
        let out = feed_all(
            &mut decoder,
            &[
                b"POST /up HTTP/1.1\r\nContent-Length: 600\r\n\r\n",
                TLS13_CLIENT,
            ],
        );
        assert_eq!(out[1].protocol, Protocol::Http);
        // A `CONNECT` through a proxy, and the proxy's answer; a 200 with content does not.
        for (head, tunnel) in [
            (
                &b"CONNECT api.example:443 HTTP/1.1\r\nHost: api.example:443\r\n\r\n"[..],
                true,
            ),
            (
                b"HTTP/1.0 200 Connection established\r\nProxy-agent: tinyproxy\r\n\r\n",
                true,
            ),
            (b"HTTP/1.1 200 OK\r\nContent-Length: 600\r\n\r\n", false),
            (b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n", false),
        ] {
            let mut decoder = StreamDecoder::new();
            let out = feed_all(&mut decoder, &[head, TLS13_CLIENT]);
            let expected = if tunnel {
                Protocol::Tls
            } else {
                Protocol::Http
            };
            assert_eq!(
                out[1].protocol,
                expected,
                "{}",
                String::from_utf8_lossy(head)
            );
            assert_eq!(out[1].clear_text.is_empty(), tunnel);
        }
    }

    #[test]
    fn a_gap_while_classifying_restarts_classification() {
        let mut decoder = StreamDecoder::new();
        assert_eq!(decoder.feed(0, b"GE", false).protocol, Protocol::Unknown);
        let d = decoder.feed(5000, TLS13_CLIENT, true);
        assert_eq!(d.protocol, Protocol::Tls);
        assert!(matches!(d.event, Some(DecodeEvent::TlsHello(_))));
    }

    #[test]
    fn an_offset_jump_counts_as_a_gap() {
        let mut decoder = StreamDecoder::new();
        let _ = decoder.feed(0, &TLS13_CLIENT[..100], false);
        let d = decoder.feed(150, &TLS13_CLIENT[150..], false);
        assert_eq!(d.protocol, Protocol::Tls);
        assert_eq!(d.event, None, "a hello missing bytes is abandoned");
        assert_eq!(d.error, None);
    }

    #[test]
    fn a_malformed_hello_is_reported_once_and_stays_tls() {
        let mut decoder = StreamDecoder::new();
        let bad = [22, 3, 1, 0, 8, 11, 0, 0, 4, 0, 0, 0, 0];
        let d = decoder.feed(0, &bad, false);
        assert_eq!(
            d.error,
            Some(ProtocolError::TlsUnexpectedHandshake { msg_type: 11 })
        );
        assert_eq!(d.protocol, Protocol::Tls);
        let later = decoder.feed(13, &[23, 3, 3, 0, 1, 0], false);
        assert_eq!((later.error, later.protocol), (None, Protocol::Tls));
        assert!(later.clear_text.is_empty());
    }

    proptest! {
        #[test]
        fn arbitrary_chunks_never_panic_and_ranges_stay_inside(
            chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..10),
            gaps in proptest::collection::vec(any::<bool>(), 10),
        ) {
            let mut decoder = StreamDecoder::new();
            let mut offset = 0u64;
            for (chunk, gap) in chunks.iter().zip(gaps) {
                let d = decoder.feed(offset, chunk, gap);
                prop_assert!(d.clear_text.start <= d.clear_text.end);
                prop_assert!(d.clear_text.end <= chunk.len());
                offset += chunk.len() as u64 + u64::from(gap);
            }
        }
    }
}
