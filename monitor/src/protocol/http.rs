//! HTTP/1.x message heads, parsed with `httparse`, for classification and metadata.
//!
//! Bodies are not decoded here: the detection engine scans the clear-text bytes itself. Paths and
//! the `Host` value are kept as [`Sensitive`] since they may carry personal data.

use std::fmt;

use crate::protocol::{ProtocolError, Sensitive, Signature};

/// The longest head kept while waiting for its end.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;

/// Headers beyond this count make the head malformed (`httparse::Error::TooManyHeaders`).
const MAX_HEADERS: usize = 64;

/// Longest media type kept from `Content-Type`.
const MAX_MEDIA_TYPE_LEN: usize = 127;

/// The request methods classification accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Head,
    Post,
    Put,
    Patch,
    Delete,
    Options,
    Connect,
    Trace,
}

impl Method {
    const ALL: [Self; 9] = [
        Self::Get,
        Self::Head,
        Self::Post,
        Self::Put,
        Self::Patch,
        Self::Delete,
        Self::Options,
        Self::Connect,
        Self::Trace,
    ];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Head => "HEAD",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
            Self::Options => "OPTIONS",
            Self::Connect => "CONNECT",
            Self::Trace => "TRACE",
        }
    }

    fn from_token(token: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == token)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The framing `Transfer-Encoding` announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransferEncoding {
    /// The final coding is `chunked`.
    Chunked,
    /// Present, but not ending in `chunked` (the body then runs to the end of the connection).
    Other,
}

/// Body metadata shared by requests and responses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BodyMeta {
    /// The media type of `Content-Type` (lowercase `type/subtype`, parameters dropped).
    pub content_type: Option<String>,
    pub content_length: Option<u64>,
    pub transfer_encoding: Option<TransferEncoding>,
}

/// A request line and the headers that matter here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestHead {
    pub method: Method,
    /// The request target; may carry personal data (`/users/jane@example.com`).
    pub path: Sensitive,
    /// `HTTP/1.x` minor version.
    pub minor_version: u8,
    pub host: Option<Sensitive>,
    pub body: BodyMeta,
    /// Length of the head including the blank line.
    pub head_len: usize,
}

/// A status line and the headers that matter here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponseHead {
    pub status: u16,
    pub minor_version: u8,
    pub body: BodyMeta,
    pub head_len: usize,
}

/// Either kind of HTTP/1.x head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HttpHead {
    Request(RequestHead),
    Response(ResponseHead),
}

impl HttpHead {
    /// Whether the connection becomes a tunnel after this head (RFC 9110, 9.3.6): a `CONNECT`
    /// request, or a 2xx response without content framing (no `Content-Length`, no
    /// `Transfer-Encoding`), as a proxy answers one. What follows is the tunnelled protocol's,
    /// most often a TLS handshake to the proxy's target.
    #[must_use]
    pub fn opens_tunnel(&self) -> bool {
        match self {
            Self::Request(request) => request.method == Method::Connect,
            Self::Response(response) => {
                (200..300).contains(&response.status)
                    && response.body.content_length.is_none()
                    && response.body.transfer_encoding.is_none()
            }
        }
    }
}

const RESPONSE_PREFIX: &[u8] = b"HTTP/1.";

/// Whether `prefix` starts like an HTTP/1.x request (`METHOD ` of a known method) or response
/// (`HTTP/1.`).
pub(crate) fn signature(prefix: &[u8]) -> Signature {
    let candidates = Method::ALL
        .iter()
        .map(|m| m.as_str().as_bytes())
        .chain([RESPONSE_PREFIX]);
    let mut need_more = false;
    for candidate in candidates {
        let request = candidate != RESPONSE_PREFIX;
        let matched = match prefix.strip_prefix(candidate) {
            Some(rest) if request => match rest.first() {
                Some(b' ') => true,
                Some(_) => false,
                None => {
                    need_more = true;
                    false
                }
            },
            Some(_) => true,
            None => {
                need_more |= candidate.starts_with(prefix);
                false
            }
        };
        if matched {
            return Signature::Match;
        }
    }
    if need_more {
        Signature::NeedMore
    } else {
        Signature::NoMatch
    }
}

/// Parses the head at the start of `bytes`. `Ok(None)` means the head is not complete yet.
///
/// # Errors
/// A [`ProtocolError`] when `httparse` rejects the head, the method is unknown, or
/// `Content-Length` is invalid.
pub fn parse_head(bytes: &[u8]) -> Result<Option<HttpHead>, ProtocolError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    if bytes.starts_with(RESPONSE_PREFIX) {
        let mut response = httparse::Response::new(&mut headers);
        let httparse::Status::Complete(head_len) =
            response.parse(bytes).map_err(ProtocolError::HttpHead)?
        else {
            return Ok(None);
        };
        return Ok(Some(HttpHead::Response(ResponseHead {
            status: response.code.unwrap_or_default(),
            minor_version: response.version.unwrap_or_default(),
            body: body_meta(response.headers)?,
            head_len,
        })));
    }
    let mut request = httparse::Request::new(&mut headers);
    let status = request.parse(bytes).map_err(ProtocolError::HttpHead)?;
    // The method is known as soon as its token is complete; reject unknown ones early.
    if let Some(token) = request.method {
        Method::from_token(token).ok_or(ProtocolError::HttpUnknownMethod)?;
    }
    let httparse::Status::Complete(head_len) = status else {
        return Ok(None);
    };
    let method = request
        .method
        .and_then(Method::from_token)
        .ok_or(ProtocolError::HttpUnknownMethod)?;
    let host = request
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("host"))
        .map(|h| Sensitive::new(String::from_utf8_lossy(h.value).trim().to_owned()));
    Ok(Some(HttpHead::Request(RequestHead {
        method,
        path: Sensitive::new(request.path.unwrap_or_default().to_owned()),
        minor_version: request.version.unwrap_or_default(),
        host,
        body: body_meta(request.headers)?,
        head_len,
    })))
}

fn body_meta(headers: &[httparse::Header<'_>]) -> Result<BodyMeta, ProtocolError> {
    let mut meta = BodyMeta::default();
    for header in headers {
        if header.name.eq_ignore_ascii_case("content-length") {
            let length = content_length(header.value)?;
            if meta.content_length.is_some_and(|seen| seen != length) {
                return Err(ProtocolError::HttpContentLength);
            }
            meta.content_length = Some(length);
        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
            // Several headers are one comma-separated list; the last coding decides framing.
            let last = header
                .value
                .rsplit(|&b| b == b',')
                .next()
                .unwrap_or_default();
            meta.transfer_encoding = Some(if last.trim_ascii().eq_ignore_ascii_case(b"chunked") {
                TransferEncoding::Chunked
            } else {
                TransferEncoding::Other
            });
        } else if header.name.eq_ignore_ascii_case("content-type") && meta.content_type.is_none() {
            meta.content_type = media_type(header.value);
        }
    }
    Ok(meta)
}

fn content_length(value: &[u8]) -> Result<u64, ProtocolError> {
    let digits = value.trim_ascii();
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(ProtocolError::HttpContentLength);
    }
    std::str::from_utf8(digits)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or(ProtocolError::HttpContentLength)
}

/// `type/subtype` of a `Content-Type` value, lowercase, when both are RFC 9110 tokens.
fn media_type(value: &[u8]) -> Option<String> {
    let essence = value.split(|&b| b == b';').next()?.trim_ascii();
    let is_token = |part: &[u8]| {
        !part.is_empty()
            && part
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    };
    let (kind, subtype) = essence.split_at_checked(essence.iter().position(|&b| b == b'/')?)?;
    let subtype = subtype.get(1..)?;
    let ok = essence.len() <= MAX_MEDIA_TYPE_LEN && is_token(kind) && is_token(subtype);
    ok.then(|| String::from_utf8_lossy(essence).to_ascii_lowercase())
}

/// Accumulates the start of one direction until its first head is complete, within
/// [`MAX_HEAD_BYTES`]; then drops the buffer and ignores further bytes.
#[derive(Default)]
pub struct HeadReader {
    buffered: Vec<u8>,
    finished: bool,
    /// The head read opens a tunnel ([`HttpHead::opens_tunnel`]).
    tunnel: bool,
}

impl fmt::Debug for HeadReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeadReader")
            .field("buffered", &self.buffered.len())
            .field("finished", &self.finished)
            .field("tunnel", &self.tunnel)
            .finish()
    }
}

impl HeadReader {
    #[must_use]
    pub const fn new() -> Self {
        Self {
            buffered: Vec::new(),
            finished: false,
            tunnel: false,
        }
    }

    #[must_use]
    pub const fn is_finished(&self) -> bool {
        self.finished
    }

    /// Whether the head read opens a tunnel ([`HttpHead::opens_tunnel`]).
    #[must_use]
    pub const fn opens_tunnel(&self) -> bool {
        self.tunnel
    }

    /// Feeds the next contiguous bytes of the direction. A head cut by a gap is abandoned.
    ///
    /// # Errors
    /// The head's [`ProtocolError`], once; the reader is finished afterwards.
    pub fn feed(
        &mut self,
        bytes: &[u8],
        after_gap: bool,
    ) -> Result<Option<HttpHead>, ProtocolError> {
        if self.finished {
            return Ok(None);
        }
        if after_gap && !self.buffered.is_empty() {
            self.finish();
            return Ok(None);
        }
        let room = MAX_HEAD_BYTES.saturating_sub(self.buffered.len());
        self.buffered
            .extend_from_slice(bytes.get(..room).unwrap_or(bytes));
        match parse_head(&self.buffered) {
            Ok(Some(head)) => {
                self.finish();
                self.tunnel = head.opens_tunnel();
                Ok(Some(head))
            }
            Ok(None) if self.buffered.len() >= MAX_HEAD_BYTES => {
                self.finish();
                Err(ProtocolError::HttpHeadTooLarge {
                    limit: MAX_HEAD_BYTES,
                })
            }
            Ok(None) => Ok(None),
            Err(e) => {
                self.finish();
                Err(e)
            }
        }
    }

    fn finish(&mut self) {
        self.finished = true;
        self.buffered = Vec::new();
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const POST: &[u8] =
        b"POST /v1/devices/4711/telemetry?owner=jane.doe%40example.com HTTP/1.1\r\n\
        Host: ingest.example.test:8443\r\n\
        Content-Type: Application/JSON; charset=utf-8\r\n\
        Content-Length: 42\r\n\
        \r\n\
        {\"email\":\"jane.doe@example.com\",\"t\":21.5}";

    fn request(bytes: &[u8]) -> RequestHead {
        match parse_head(bytes) {
            Ok(Some(HttpHead::Request(r))) => r,
            other => panic!("expected a request head, got {other:?}"),
        }
    }

    fn response(bytes: &[u8]) -> ResponseHead {
        match parse_head(bytes) {
            Ok(Some(HttpHead::Response(r))) => r,
            other => panic!("expected a response head, got {other:?}"),
        }
    }

    #[test]
    fn a_request_head_yields_method_path_host_and_body_meta() {
        let r = request(POST);
        assert_eq!(r.method, Method::Post);
        assert_eq!(
            r.path.expose(),
            "/v1/devices/4711/telemetry?owner=jane.doe%40example.com"
        );
        assert_eq!(
            r.host.as_ref().map(Sensitive::expose),
            Some("ingest.example.test:8443")
        );
        assert_eq!(r.minor_version, 1);
        assert_eq!(r.body.content_type.as_deref(), Some("application/json"));
        assert_eq!(r.body.content_length, Some(42));
        assert_eq!(r.body.transfer_encoding, None);
        assert_eq!(&POST[r.head_len..r.head_len + 9], b"{\"email\":");
    }

    #[test]
    fn debug_output_keeps_path_and_host_out() {
        let text = format!("{:?}", request(POST));
        assert!(!text.contains("jane"), "{text}");
        assert!(!text.contains("ingest.example"), "{text}");
        assert!(text.contains("Post"));
    }

    #[test]
    fn response_heads_yield_status_and_framing() {
        let r = response(
            b"HTTP/1.1 201 Created\r\nTransfer-Encoding: gzip, chunked\r\ncontent-type: text/plain\r\n\r\n",
        );
        assert_eq!(r.status, 201);
        assert_eq!(r.body.transfer_encoding, Some(TransferEncoding::Chunked));
        assert_eq!(r.body.content_type.as_deref(), Some("text/plain"));
        let other = response(b"HTTP/1.0 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n");
        assert_eq!(other.body.transfer_encoding, Some(TransferEncoding::Other));
        assert_eq!(other.minor_version, 0);
    }

    #[test]
    fn incomplete_heads_need_more() {
        let end = request(POST).head_len;
        for n in 0..end {
            assert_eq!(parse_head(&POST[..n]), Ok(None), "{n}");
        }
    }

    #[test]
    fn malformed_heads_are_typed_errors() {
        assert_eq!(
            parse_head(b"POST / HTTP/1.1\r\nContent-Length: 12abc\r\n\r\n"),
            Err(ProtocolError::HttpContentLength)
        );
        assert_eq!(
            parse_head(b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
            Err(ProtocolError::HttpContentLength)
        );
        assert_eq!(
            parse_head(b"BREW /pot HTTP/1.1\r\n\r\n"),
            Err(ProtocolError::HttpUnknownMethod)
        );
        assert_eq!(
            parse_head(b"BREW /po"),
            Err(ProtocolError::HttpUnknownMethod)
        );
        assert!(matches!(
            parse_head(b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n"),
            Err(ProtocolError::HttpHead(_))
        ));
        let mut many = b"GET / HTTP/1.1\r\n".to_vec();
        for i in 0..=MAX_HEADERS {
            many.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
        }
        many.extend_from_slice(b"\r\n");
        assert_eq!(
            parse_head(&many),
            Err(ProtocolError::HttpHead(httparse::Error::TooManyHeaders))
        );
    }

    #[test]
    fn odd_content_types_are_dropped_not_kept() {
        assert_eq!(media_type(b"text/html"), Some("text/html".to_owned()));
        assert_eq!(
            media_type(b" multipart/form-data; boundary=x"),
            Some("multipart/form-data".to_owned())
        );
        assert_eq!(media_type(b"text"), None);
        assert_eq!(media_type(b"text/"), None);
        assert_eq!(media_type(b"te xt/html"), None);
    }

    #[test]
    fn the_reader_joins_a_head_split_over_packets() {
        for split in 1..POST.len() {
            let mut reader = HeadReader::new();
            let first = reader.feed(&POST[..split], false).expect("valid");
            let head = match first {
                Some(h) => h,
                None => reader
                    .feed(&POST[split..], false)
                    .expect("valid")
                    .expect("complete"),
            };
            assert!(matches!(head, HttpHead::Request(_)), "{split}");
            assert!(reader.is_finished());
        }
    }

    #[test]
    fn the_reader_gives_up_on_gaps_and_endless_heads() {
        let mut reader = HeadReader::new();
        assert_eq!(reader.feed(&POST[..20], false), Ok(None));
        assert_eq!(reader.feed(&POST[40..], true), Ok(None));
        assert!(reader.is_finished());

        let mut reader = HeadReader::new();
        assert_eq!(reader.feed(b"GET / HTTP/1.1\r\n", false), Ok(None));
        let filler = b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
        let mut outcome = Ok(None);
        for _ in 0..(MAX_HEAD_BYTES / filler.len() + 2) {
            outcome = reader.feed(filler, false);
            if outcome.is_err() {
                break;
            }
        }
        // Either too many headers or too large; both end the reader with a typed error.
        assert!(outcome.is_err());
        assert!(reader.is_finished());
    }

    #[test]
    fn an_oversized_head_is_reported_as_such() {
        let mut reader = HeadReader::new();
        let mut head = b"GET / HTTP/1.1\r\nX-Big: ".to_vec();
        head.resize(MAX_HEAD_BYTES + 10, b'a');
        assert_eq!(
            reader.feed(&head, false),
            Err(ProtocolError::HttpHeadTooLarge {
                limit: MAX_HEAD_BYTES
            })
        );
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = parse_head(&bytes);
            let _ = signature(&bytes);
            let mut reader = HeadReader::new();
            for chunk in bytes.chunks(97) {
                let _ = reader.feed(chunk, false);
            }
        }

        #[test]
        fn heads_with_arbitrary_header_values_never_panic(
            method in 0usize..9,
            values in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 0..6),
        ) {
            let mut head = format!("{} /x HTTP/1.1\r\n", Method::ALL[method]).into_bytes();
            for (name, value) in ["Host", "Content-Length", "Transfer-Encoding", "Content-Type", "X"]
                .iter()
                .zip(values)
            {
                head.extend_from_slice(name.as_bytes());
                head.extend_from_slice(b": ");
                head.extend_from_slice(&value);
                head.extend_from_slice(b"\r\n");
            }
            head.extend_from_slice(b"\r\n");
            let _ = parse_head(&head);
        }
    }
}
