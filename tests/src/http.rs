//! A tiny HTTP/1.0 client over `std::net`, enough for JSON APIs and /metrics.
//!
//! HTTP/1.0 with `Connection: close` means the server ends the body by closing; chunked
//! bodies are decoded anyway in case a server uses them.

use std::fmt::Write as _;
use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::error::Context as _;
use crate::{Error, Result};

/// Per-request connect/read/write timeout.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A received response.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code, e.g. 200.
    pub status: u16,
    /// Header names (lower-cased) and values.
    pub headers: Vec<(String, String)>,
    /// The decoded body as text (lossy UTF-8).
    pub body: String,
}

impl Response {
    /// The body parsed as JSON.
    ///
    /// # Errors
    /// When the body is not valid JSON.
    pub fn json(&self) -> Result<serde_json::Value> {
        serde_json::from_str(&self.body)
            .context(format!("response body is not JSON: {:.300}", self.body))
    }

    /// An error unless the status is 2xx.
    ///
    /// # Errors
    /// For a non-2xx status.
    pub fn ok(self) -> Result<Self> {
        if (200..300).contains(&self.status) {
            Ok(self)
        } else {
            Err(Error(format!("HTTP {}: {:.300}", self.status, self.body)))
        }
    }
}

/// Sends one request to `addr` and reads the whole response.
///
/// # Errors
/// On connect/IO failures, timeouts or an unparsable response.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<(&str, &[u8])>,
) -> Result<Response> {
    let mut stream =
        TcpStream::connect_timeout(&addr, TIMEOUT).context(format!("connecting to {addr}"))?;
    stream
        .set_read_timeout(Some(TIMEOUT))
        .context("set_read_timeout")?;
    stream
        .set_write_timeout(Some(TIMEOUT))
        .context("set_write_timeout")?;
    let mut head =
        format!("{method} {path} HTTP/1.0\r\nHost: {addr}\r\nConnection: close\r\nAccept: */*\r\n");
    if let Some((content_type, bytes)) = body {
        let _ = write!(
            head,
            "Content-Type: {content_type}\r\nContent-Length: {}\r\n",
            bytes.len()
        );
    }
    head.push_str("\r\n");
    stream
        .write_all(head.as_bytes())
        .context(format!("sending {method} {path} to {addr}"))?;
    if let Some((_, bytes)) = body {
        stream
            .write_all(bytes)
            .context(format!("sending body to {addr}"))?;
    }
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .context(format!("reading response of {method} {path} from {addr}"))?;
    parse(&raw).map_err(|e| Error(format!("{method} http://{addr}{path}: {e}")))
}

/// `GET path`.
///
/// # Errors
/// See [`request`].
pub fn get(addr: SocketAddr, path: &str) -> Result<Response> {
    request(addr, "GET", path, None)
}

/// `POST path` with a JSON body.
///
/// # Errors
/// See [`request`].
pub fn post_json(addr: SocketAddr, path: &str, json: &str) -> Result<Response> {
    request(
        addr,
        "POST",
        path,
        Some(("application/json", json.as_bytes())),
    )
}

fn parse(raw: &[u8]) -> Result<Response> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| Error(format!("no end of headers in {} bytes", raw.len())))?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Error(format!("bad status line {status_line:?}")))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"))
    {
        body = dechunk(&body)?;
    }
    Ok(Response {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    // Each chunk has at least its size line, so this bounds the loop by the input length.
    for _ in 0..=data.len() {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| Error::msg("truncated chunk size"))?;
        let size_text = String::from_utf8_lossy(&data[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|e| Error(format!("bad chunk size {size_text:?}: {e}")))?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        let chunk = data
            .get(..size)
            .ok_or_else(|| Error::msg("truncated chunk"))?;
        out.extend_from_slice(chunk);
        data = data.get(size + 2..).unwrap_or_default();
    }
    Err(Error::msg("chunked body without terminating chunk"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_chunked() {
        let plain = parse(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello")
            .expect("valid response");
        assert_eq!((plain.status, plain.body.as_str()), (200, "hello"));
        let chunked = parse(b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
            .expect("valid chunked response");
        assert_eq!((chunked.status, chunked.body.as_str()), (404, "abcde"));
        assert!(parse(b"garbage").is_err());
    }
}
