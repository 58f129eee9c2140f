//! HTTP/1.x message framing: where the messages of a payload start, where each head ends and
//! which bytes are its body.
//!
//! One payload may hold several messages: requests on a kept-alive connection, pipelined ones,
//! a response after the body of the one before. Each message's body is framed by its own head
//! (RFC 9112, section 6.3): a chunked body ends after its last chunk and trailers, a body with a
//! `Content-Length` after that many bytes, a request with neither has none, and so have 1xx,
//! 204 and 304 responses; any other response runs to the end of the payload. A body ends there
//! only when another message starts right after it, or when the engine decodes it (chunked or
//! compressed: the bytes after it are then scanned on their own). Otherwise the body runs to the
//! end of the payload, as a wrong `Content-Length` or a sampled, cut message would have it.

use std::ops::Range;

use crate::decode::framing;

/// How an HTTP body is framed: what the engine undoes before scanning it, and where it ends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct BodyFraming {
    /// `Transfer-Encoding: chunked`.
    pub chunked: bool,
    /// The `Content-Encoding` the engine undoes, if any.
    pub compressed: Option<Coding>,
    /// The first `Content-Length`, when it is a plain decimal number.
    pub length: Option<usize>,
    /// A request without a length, or a 1xx, 204 or 304 response: no body.
    pub bodyless: bool,
}

impl BodyFraming {
    /// Whether the engine decodes the body (de-chunks or inflates it) before scanning it.
    pub(crate) const fn is_decoded(&self) -> bool {
        self.chunked || self.compressed.is_some()
    }

    /// From the start line and the first `Transfer-Encoding`, `Content-Encoding` and
    /// `Content-Length` headers (case-insensitive names), read in one pass over the head's lines.
    pub(crate) fn of_head(head: &[u8]) -> Self {
        let mut transfer_encoding = None;
        let mut content_encoding = None;
        let mut content_length = None;
        let mut lines = head.split(|&b| b == b'\n');
        let start_line = lines.next().unwrap_or_default();
        for line in lines {
            let Some(colon) = memchr::memchr(b':', line) else {
                continue;
            };
            let (Some(name), Some(value)) = (line.get(..colon), line.get(colon + 1..)) else {
                continue;
            };
            let name = name.trim_ascii();
            let slot = if name.eq_ignore_ascii_case(b"transfer-encoding") {
                &mut transfer_encoding
            } else if name.eq_ignore_ascii_case(b"content-encoding") {
                &mut content_encoding
            } else if name.eq_ignore_ascii_case(b"content-length") {
                &mut content_length
            } else {
                continue;
            };
            slot.get_or_insert(value.trim_ascii());
            if transfer_encoding.is_some() && content_encoding.is_some() && content_length.is_some()
            {
                break;
            }
        }
        let chunked = transfer_encoding.is_some_and(|v| contains_ci(v, b"chunked"));
        let length = content_length.and_then(decimal);
        let bodyless = !chunked
            && length.is_none()
            && match start_line.strip_prefix(b"HTTP/1.") {
                // A status line: `HTTP/1.1 204 No Content`.
                Some(rest) => matches!(rest.get(2..5), Some([b'1', _, _] | b"204" | b"304")),
                // A request line.
                None => true,
            };
        Self {
            chunked,
            compressed: content_encoding.and_then(Coding::of),
            length,
            bodyless,
        }
    }
}

/// A content coding the engine decodes (RFC 9110, section 8.4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Coding {
    /// `gzip` or `deflate` (zlib or raw: `decode::inflate` tells them apart by their bytes).
    Deflate,
    /// `snappy`: the block format Prometheus remote write and Loki push send, or the framing
    /// format.
    Snappy,
}

impl Coding {
    /// The coding named by a `Content-Encoding` value.
    fn of(value: &[u8]) -> Option<Self> {
        if contains_ci(value, b"gzip") || contains_ci(value, b"deflate") {
            Some(Self::Deflate)
        } else if contains_ci(value, b"snappy") {
            Some(Self::Snappy)
        } else {
            None
        }
    }
}

/// A `Content-Length` value: decimal digits only, at most 15 of them.
fn decimal(value: &[u8]) -> Option<usize> {
    if value.is_empty() || value.len() > 15 || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    value.iter().try_fold(0_usize, |acc, &d| {
        acc.checked_mul(10)?.checked_add(usize::from(d - b'0'))
    })
}

fn contains_ci(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// End of the HTTP head (after the blank line), when `payload` starts with an HTTP message.
pub(crate) fn head_end(payload: &[u8]) -> Option<usize> {
    let first_line = payload.get(..payload.len().min(16))?;
    let is_http = first_line.starts_with(b"HTTP/1.")
        || [
            &b"GET "[..],
            b"POST ",
            b"PUT ",
            b"PATCH ",
            b"DELETE ",
            b"HEAD ",
            b"OPTIONS ",
        ]
        .iter()
        .any(|m| first_line.starts_with(m));
    if !is_http {
        return None;
    }
    memchr::memmem::find(payload, b"\r\n\r\n")
        .map(|p| p + 4)
        .or_else(|| memchr::memmem::find(payload, b"\n\n").map(|p| p + 2))
}

/// One message of a payload: ranges index the payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Message {
    /// The start line and headers, up to and including the blank line.
    pub head: Range<usize>,
    /// The body as framed on the wire (chunk-size lines included); may be empty.
    pub body: Range<usize>,
    pub framing: BodyFraming,
}

/// A part of a payload that starts with an HTTP message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    Message(Message),
    /// Bytes after a decoded body that start no message: scanned as they are.
    Rest(Range<usize>),
}

/// Most messages split out of one payload; the bytes after them are one rest.
const MAX_MESSAGES: usize = 64;

/// The messages of `payload`, in order, when it starts with an HTTP message; `None` otherwise.
pub(crate) fn parts(payload: &[u8]) -> Option<Parts<'_>> {
    let first_head = head_end(payload)?;
    Some(Parts {
        payload,
        pos: 0,
        messages: 0,
        next_head: Some(first_head),
    })
}

/// Iterator over the [`Part`]s of a payload (see [`parts`]).
pub(crate) struct Parts<'p> {
    payload: &'p [u8],
    /// Start of the next part; the payload's length when done.
    pos: usize,
    messages: usize,
    /// The head length at `pos`, when already known.
    next_head: Option<usize>,
}

impl Iterator for Parts<'_> {
    type Item = Part;

    fn next(&mut self) -> Option<Part> {
        let len = self.payload.len();
        let rest = self.payload.get(self.pos..).filter(|r| !r.is_empty())?;
        let start = self.pos;
        let known = self.next_head.take();
        let head_len = (self.messages < MAX_MESSAGES)
            .then(|| known.or_else(|| head_end(rest)))
            .flatten();
        let Some(head_len) = head_len else {
            self.pos = len;
            return Some(Part::Rest(start..len));
        };
        self.messages += 1;
        let head = start..start + head_len;
        let framing = BodyFraming::of_head(self.payload.get(head.clone()).unwrap_or_default());
        let body_start = head.end;
        let after_body = self.payload.get(body_start..).unwrap_or_default();
        let framed_len = if framing.chunked {
            framing::chunked_len(after_body)
        } else if let Some(length) = framing.length {
            Some(length.min(after_body.len()))
        } else if framing.bodyless {
            Some(0)
        } else {
            None
        };
        let body_end = match framed_len {
            Some(n) => {
                let end = body_start + n;
                self.next_head = self.payload.get(end..).and_then(head_end);
                if self.next_head.is_some() || framing.is_decoded() {
                    end
                } else {
                    len
                }
            }
            None => len,
        };
        self.pos = body_end;
        Some(Part::Message(Message {
            head,
            body: body_start..body_end,
            framing,
        }))
    }
}

/// Where the last message of `payload` starts, when the engine decodes its body (chunked or
/// compressed) and the body has not all arrived: a chunked body before its last chunk, a
/// compressed one shorter than its `Content-Length` or, without one, read until the connection
/// closes.
pub(crate) fn unfinished_decoded_message(payload: &[u8]) -> Option<usize> {
    let Some(Part::Message(last)) = parts(payload)?.last() else {
        return None;
    };
    if !last.framing.is_decoded() || last.framing.bodyless || last.body.end != payload.len() {
        return None;
    }
    let body = payload.get(last.body.clone()).unwrap_or_default();
    let finished = if last.framing.chunked {
        framing::chunked_len(body).is_some()
    } else {
        last.framing
            .length
            .is_some_and(|length| body.len() >= length)
    };
    (!finished).then_some(last.head.start)
}

/// A test message: `head` (the start line and any headers, each ending in CRLF), a
/// `Content-Length` for `body`, the blank line and `body`; and where the body starts.
#[cfg(test)]
pub(crate) fn message_with_body(head: &str, body: &[u8]) -> (Vec<u8>, usize) {
    let mut message = format!("{head}Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    let body_start = message.len();
    message.extend_from_slice(body);
    (message, body_start)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn split(payload: &[u8]) -> Vec<Part> {
        parts(payload).map(Iterator::collect).unwrap_or_default()
    }

    fn message(head: Range<usize>, body: Range<usize>, framing: BodyFraming) -> Part {
        Part::Message(Message {
            head,
            body,
            framing,
        })
    }

    #[test]
    fn reads_the_first_of_each_header() {
        let framing = BodyFraming::of_head(
            b"HTTP/1.1 200 OK\r\ncontent-ENCODING:  GZIP \r\nX: y\r\nTransfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\nContent-Length: 12\r\nContent-Length: 13\r\n\r\n",
        );
        assert_eq!(framing.compressed, Some(Coding::Deflate));
        assert!(!framing.chunked);
        assert_eq!(framing.length, Some(12));
        let framing =
            BodyFraming::of_head(b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
        assert!(framing.chunked);
        assert_eq!(framing.compressed, None);
        let framing =
            BodyFraming::of_head(b"POST /api/v1/push HTTP/1.1\r\nContent-Encoding: snappy\r\n\r\n");
        assert_eq!(framing.compressed, Some(Coding::Snappy));
    }

    #[test]
    fn bodyless_messages() {
        let bodyless = |head: &[u8]| BodyFraming::of_head(head).bodyless;
        assert!(bodyless(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
        assert!(bodyless(b"HTTP/1.1 204 No Content\r\n\r\n"));
        assert!(bodyless(b"HTTP/1.1 304 Not Modified\r\n\r\n"));
        assert!(bodyless(b"HTTP/1.1 100 Continue\r\n\r\n"));
        assert!(!bodyless(b"HTTP/1.1 200 OK\r\n\r\n"));
        assert!(!bodyless(b"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n"));
        assert!(!bodyless(
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        ));
        assert_eq!(
            BodyFraming::of_head(b"POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n").length,
            None
        );
        assert_eq!(
            BodyFraming::of_head(
                b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n"
            )
            .length,
            None
        );
    }

    #[test]
    fn splits_kept_alive_messages() {
        let a = b"POST /a HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}";
        let b = b"GET /b HTTP/1.1\r\nHost: x\r\n\r\n";
        let c = b"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n";
        let d = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nto the end";
        let payload = [&a[..], b, c, d].concat();
        let at = |n: usize| {
            [a.len(), b.len(), c.len(), d.len()]
                .iter()
                .take(n)
                .sum::<usize>()
        };
        let got = split(&payload);
        assert_eq!(got.len(), 4, "{got:?}");
        let Part::Message(first) = &got[0] else {
            panic!("{got:?}")
        };
        assert_eq!(
            (first.head.clone(), first.body.clone()),
            (0..a.len() - 2, a.len() - 2..at(1))
        );
        let Part::Message(second) = &got[1] else {
            panic!("{got:?}")
        };
        assert_eq!(
            (second.head.clone(), second.body.clone()),
            (at(1)..at(2), at(2)..at(2))
        );
        let Part::Message(third) = &got[2] else {
            panic!("{got:?}")
        };
        assert!(third.framing.chunked);
        assert_eq!(third.body.end, at(3));
        let Part::Message(fourth) = &got[3] else {
            panic!("{got:?}")
        };
        assert_eq!(fourth.body.end, payload.len());
    }

    #[test]
    fn bytes_after_a_plain_body_belong_to_it() {
        // A wrong length (or a cut message) must not split the body's bytes from it.
        let payload = b"POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\n{\"a\":\"b\"}";
        let head_len = payload.len() - 9;
        assert_eq!(
            split(payload),
            vec![message(
                0..head_len,
                head_len..payload.len(),
                BodyFraming {
                    length: Some(3),
                    ..BodyFraming::default()
                }
            )]
        );
    }

    #[test]
    fn bytes_after_a_decoded_body_are_a_rest() {
        let payload =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\ntrailing";
        let got = split(payload);
        assert_eq!(got.len(), 2);
        assert_eq!(got[1], Part::Rest(payload.len() - 8..payload.len()));
    }

    #[test]
    fn unfinished_decoded_bodies() {
        let plain = b"POST /a HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}";
        let gzip_head = b"POST /b HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: 10\r\n\r\n";
        // Plain bodies are never held; a compressed one until its length has arrived.
        assert_eq!(
            unfinished_decoded_message(b"POST /a HTTP/1.1\r\nContent-Length: 9\r\n\r\n{}"),
            None
        );
        let cut = [&plain[..], gzip_head, b"\x1f\x8b\x08"].concat();
        assert_eq!(unfinished_decoded_message(&cut), Some(plain.len()));
        let whole = [&plain[..], gzip_head, b"\x1f\x8b\x08\0\0\0\0\0\0\x03"].concat();
        assert_eq!(unfinished_decoded_message(&whole), None);
        // A chunked body until its last chunk and the blank line after it.
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n";
        assert_eq!(unfinished_decoded_message(chunked), Some(0));
        assert_eq!(
            unfinished_decoded_message(&[&chunked[..], b"0\r\n\r\n"].concat()),
            None
        );
        // A compressed response without a length runs until the connection closes.
        assert_eq!(
            unfinished_decoded_message(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n\x1f"),
            Some(0)
        );
        assert_eq!(unfinished_decoded_message(b"not http"), None);
        // A 304 has no body, whatever encoding its head names.
        assert_eq!(
            unfinished_decoded_message(
                b"HTTP/1.1 304 Not Modified\r\nContent-Encoding: gzip\r\n\r\n"
            ),
            None
        );
    }

    #[test]
    fn not_http() {
        assert!(parts(b"{\"GET \": 1}").is_none());
        assert!(parts(b"").is_none());
    }

    proptest! {
        #[test]
        fn parts_tile_the_payload(
            pieces in proptest::collection::vec(
                "(GET /a HTTP/1.1\r\n\r\n|POST /b HTTP/1.1\r\nContent-Length: [0-9]{1,2}\r\n\r\n|HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n|[0-9a-f]{1,2}\r\n|0\r\n\r\n|HTTP/1.1 204 No Content\r\n\r\n|[a-z{}\":,]{0,12})",
                1..12,
            )
        ) {
            let payload = pieces.concat();
            let Some(parts) = parts(payload.as_bytes()) else {
                return Ok(());
            };
            let mut pos = 0;
            for part in parts {
                match part {
                    Part::Message(m) => {
                        prop_assert_eq!(m.head.start, pos);
                        prop_assert!(m.head.end <= m.body.start && m.body.start <= m.body.end);
                        pos = m.body.end;
                    }
                    Part::Rest(r) => {
                        prop_assert_eq!(r.start, pos);
                        prop_assert!(r.start < r.end);
                        pos = r.end;
                    }
                }
            }
            prop_assert_eq!(pos, payload.len());
        }
    }
}
