//! TLS: the record layer at the start of a stream and the hello message it carries.
//!
//! Only the clear-text start of a connection is read: the `ClientHello` (offered versions, SNI,
//! ALPN) and the `ServerHello` (negotiated version, including the `supported_versions` extension
//! that TLS 1.3 negotiates through, and the cipher suite). Everything after the hello is
//! encrypted or uninteresting and is never parsed. SSLv2-compatible hellos are not TLS records
//! and are left to classification (they come out as unknown).

use std::fmt;

use crate::{
    model::TlsVersion,
    protocol::{ProtocolError, Signature, reader::Reader},
};

/// How many bytes of a stream are kept while waiting for a complete hello. A hello with a few
/// dozen extensions fits in 2 KiB; 16 KiB leaves room for post-quantum key shares and padding.
pub const MAX_HELLO_PREFIX: usize = 16 * 1024;

/// The largest record any TLS version allows (`TLSCiphertext`: 2^14 + 2048, RFC 5246 6.2.3).
const MAX_RECORD_LEN: usize = (1 << 14) + 2048;
const RECORD_HEADER_LEN: usize = 5;

const CONTENT_CHANGE_CIPHER_SPEC: u8 = 20;
const CONTENT_HEARTBEAT: u8 = 24;
pub(crate) const CONTENT_HANDSHAKE: u8 = 22;

const HANDSHAKE_CLIENT_HELLO: u8 = 1;
const HANDSHAKE_SERVER_HELLO: u8 = 2;

const EXT_SERVER_NAME: u16 = 0;
const EXT_ALPN: u16 = 16;
const EXT_SUPPORTED_VERSIONS: u16 = 43;

/// `ServerHello.random` of a `HelloRetryRequest` (RFC 8446 4.1.3).
const HELLO_RETRY_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// At most this many ALPN names are kept from one `ClientHello`.
const MAX_ALPN_NAMES: usize = 8;

/// A cipher suite code point; displays as its IANA name when it is a common one, else `0xNNNN`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CipherSuite(pub u16);

impl CipherSuite {
    /// The IANA name of the suites seen in practice (TLS 1.3, ECDHE/DHE AEAD, legacy RSA/CBC, and
    /// the PSK/CCM suites constrained devices use).
    #[must_use]
    pub const fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0x1301 => "TLS_AES_128_GCM_SHA256",
            0x1302 => "TLS_AES_256_GCM_SHA384",
            0x1303 => "TLS_CHACHA20_POLY1305_SHA256",
            0x1304 => "TLS_AES_128_CCM_SHA256",
            0x1305 => "TLS_AES_128_CCM_8_SHA256",
            0xc02b => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            0xc02c => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            0xc02f => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            0xc030 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            0xcca8 => "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            0xcca9 => "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            0xccaa => "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            0x009e => "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
            0x009f => "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
            0xc023 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
            0xc024 => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
            0xc027 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
            0xc028 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
            0xc009 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
            0xc00a => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
            0xc013 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
            0xc014 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
            0xc0ac => "TLS_ECDHE_ECDSA_WITH_AES_128_CCM",
            0xc0ae => "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8",
            0x009c => "TLS_RSA_WITH_AES_128_GCM_SHA256",
            0x009d => "TLS_RSA_WITH_AES_256_GCM_SHA384",
            0x002f => "TLS_RSA_WITH_AES_128_CBC_SHA",
            0x0035 => "TLS_RSA_WITH_AES_256_CBC_SHA",
            0x003c => "TLS_RSA_WITH_AES_128_CBC_SHA256",
            0x003d => "TLS_RSA_WITH_AES_256_CBC_SHA256",
            0x000a => "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
            0x0005 => "TLS_RSA_WITH_RC4_128_SHA",
            0x00a8 => "TLS_PSK_WITH_AES_128_GCM_SHA256",
            0x00a9 => "TLS_PSK_WITH_AES_256_GCM_SHA384",
            0x00ae => "TLS_PSK_WITH_AES_128_CBC_SHA256",
            0xc0a4 => "TLS_PSK_WITH_AES_128_CCM",
            0xc0a8 => "TLS_PSK_WITH_AES_128_CCM_8",
            0xc037 => "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256",
            _ => return None,
        })
    }
}

impl fmt::Display for CipherSuite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "0x{:04X}", self.0),
        }
    }
}

/// What a `ClientHello` offers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientHello {
    /// `legacy_version`: the highest version a pre-1.3 client offers.
    pub legacy_version: u16,
    /// Versions from `supported_versions` (GREASE and unknown values dropped), else the one
    /// `legacy_version` names.
    pub offered_versions: Vec<TlsVersion>,
    /// `server_name` of type `host_name`, when it is printable ASCII.
    pub sni: Option<String>,
    /// Offered ALPN protocol names that are printable ASCII, in order, at most eight.
    pub alpn: Vec<String>,
    /// How many cipher suites were offered.
    pub cipher_suite_count: usize,
}

/// What a `ServerHello` (or `HelloRetryRequest`) selects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerHello {
    /// The negotiated version: `supported_versions` when present (TLS 1.3), else `legacy_version`.
    pub version: Option<TlsVersion>,
    pub legacy_version: u16,
    pub cipher_suite: CipherSuite,
    /// The ALPN protocol the server selected, when printable ASCII.
    pub alpn: Option<String>,
    /// The message is a `HelloRetryRequest`: the client must send a second `ClientHello`.
    pub hello_retry_request: bool,
}

/// The first handshake message of one direction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hello {
    Client(ClientHello),
    Server(ServerHello),
}

/// How far the start of a stream got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrefixStatus {
    /// The first handshake message is complete.
    Hello(Hello),
    /// The bytes so far are a valid beginning; the hello needs more of them.
    NeedMore,
    /// The stream starts with a non-handshake record: it was first seen after its handshake.
    NoHello,
}

/// Whether `prefix` starts like a TLS record: a known content type, version 3.0 ..= 3.4 and a
/// length TLS allows. Any content type is accepted, so connections first seen mid-stream (an
/// application-data record) are still recognised.
pub(crate) fn signature(prefix: &[u8]) -> Signature {
    let mut r = Reader::new(prefix);
    match r.u8() {
        None => return Signature::NeedMore,
        Some(CONTENT_CHANGE_CIPHER_SPEC..=CONTENT_HEARTBEAT) => {}
        Some(_) => return Signature::NoMatch,
    }
    match r.u8() {
        None => return Signature::NeedMore,
        Some(3) => {}
        Some(_) => return Signature::NoMatch,
    }
    match r.u8() {
        None => return Signature::NeedMore,
        Some(0..=4) => {}
        Some(_) => return Signature::NoMatch,
    }
    match r.u16() {
        None => Signature::NeedMore,
        Some(len) if (1..=MAX_RECORD_LEN).contains(&usize::from(len)) => Signature::Match,
        Some(_) => Signature::NoMatch,
    }
}

/// Parses the first records of one direction of a connection, `stream` starting at a record
/// boundary (offset 0 of the stream, or the first byte seen of a mid-stream flow).
///
/// A hello split over several records is joined. Incomplete input is `NeedMore`, never an error.
///
/// # Errors
/// A [`ProtocolError`] naming the first malformed record header or hello field.
pub fn parse_stream_prefix(stream: &[u8]) -> Result<PrefixStatus, ProtocolError> {
    // Handshake fragments so far; kept only when the hello spans several records.
    let mut joined: Vec<u8> = Vec::new();
    let mut offset = 0usize;
    let mut records = Reader::new(stream);
    while let Some(header) = records.take(RECORD_HEADER_LEN) {
        let (content_type, body_len) = record_header(header, offset)?;
        let Some(body) = records.take(body_len) else {
            break;
        };
        if content_type != CONTENT_HANDSHAKE {
            // Hellos precede every other record, so the stream was picked up mid-connection;
            // unless a hello had begun, which a non-handshake record cannot interrupt.
            return if joined.is_empty() {
                Ok(PrefixStatus::NoHello)
            } else {
                Err(malformed("handshake_fragment"))
            };
        }
        let hello = if joined.is_empty() {
            first_hello(body)?
        } else {
            joined.extend_from_slice(body);
            first_hello(&joined)?
        };
        match hello {
            Some(hello) => return Ok(PrefixStatus::Hello(hello)),
            None if joined.is_empty() => joined.extend_from_slice(body),
            None => {}
        }
        offset = offset
            .saturating_add(RECORD_HEADER_LEN)
            .saturating_add(body_len);
    }
    Ok(PrefixStatus::NeedMore)
}

/// Validates one record header; returns its content type and body length.
fn record_header(header: &[u8], offset: usize) -> Result<(u8, usize), ProtocolError> {
    let mut r = Reader::new(header);
    let (Some(content_type), Some(major), Some(minor), Some(len)) =
        (r.u8(), r.u8(), r.u8(), r.u16())
    else {
        return Err(ProtocolError::TlsRecordHeader { offset });
    };
    if !(CONTENT_CHANGE_CIPHER_SPEC..=CONTENT_HEARTBEAT).contains(&content_type)
        || major != 3
        || minor > 4
    {
        return Err(ProtocolError::TlsRecordHeader { offset });
    }
    let len = usize::from(len);
    if len > MAX_RECORD_LEN {
        return Err(ProtocolError::TlsRecordTooLong { offset });
    }
    Ok((content_type, len))
}

/// The first handshake message of `handshake` (joined handshake-record bodies), when complete.
fn first_hello(handshake: &[u8]) -> Result<Option<Hello>, ProtocolError> {
    let mut r = Reader::new(handshake);
    let Some(msg_type) = r.u8() else {
        return Ok(None);
    };
    if !matches!(msg_type, HANDSHAKE_CLIENT_HELLO | HANDSHAKE_SERVER_HELLO) {
        return Err(ProtocolError::TlsUnexpectedHandshake { msg_type });
    }
    let Some(len) = r.u24() else {
        return Ok(None);
    };
    let len = usize::try_from(len).unwrap_or(usize::MAX);
    if len > MAX_HELLO_PREFIX {
        return Err(ProtocolError::TlsHelloTooLarge {
            limit: MAX_HELLO_PREFIX,
        });
    }
    let Some(body) = r.take(len) else {
        return Ok(None);
    };
    if msg_type == HANDSHAKE_CLIENT_HELLO {
        parse_client_hello(body).map(|h| Some(Hello::Client(h)))
    } else {
        parse_server_hello(body).map(|h| Some(Hello::Server(h)))
    }
}

const fn malformed(field: &'static str) -> ProtocolError {
    ProtocolError::TlsMalformedHello { field }
}

/// Parses the body of a `ClientHello` (after the four-byte handshake header).
///
/// # Errors
/// [`ProtocolError::TlsMalformedHello`] naming the first field that does not fit.
pub fn parse_client_hello(body: &[u8]) -> Result<ClientHello, ProtocolError> {
    let mut r = Reader::new(body);
    let legacy_version = r.u16().ok_or(malformed("legacy_version"))?;
    r.take(32).ok_or(malformed("random"))?;
    let session_id = r.vec_u8().ok_or(malformed("session_id"))?;
    if session_id.remaining() > 32 {
        return Err(malformed("session_id"));
    }
    let suites = r.vec_u16().ok_or(malformed("cipher_suites"))?;
    if suites.is_empty() || suites.remaining() % 2 != 0 {
        return Err(malformed("cipher_suites"));
    }
    let compression = r.vec_u8().ok_or(malformed("compression_methods"))?;
    if compression.is_empty() {
        return Err(malformed("compression_methods"));
    }
    let mut hello = ClientHello {
        legacy_version,
        offered_versions: Vec::new(),
        sni: None,
        alpn: Vec::new(),
        cipher_suite_count: suites.remaining() / 2,
    };
    for (ext_type, mut data) in extensions(r)? {
        match ext_type {
            EXT_SERVER_NAME => hello.sni = server_name(&mut data)?,
            EXT_ALPN => hello.alpn = alpn_names(&mut data)?,
            EXT_SUPPORTED_VERSIONS => {
                let mut list = data.vec_u8().ok_or(malformed("supported_versions"))?;
                while let Some(v) = list.u16() {
                    hello.offered_versions.extend(TlsVersion::from_wire(v));
                }
                if !list.is_empty() {
                    return Err(malformed("supported_versions"));
                }
            }
            _ => {}
        }
    }
    if hello.offered_versions.is_empty() {
        hello
            .offered_versions
            .extend(TlsVersion::from_wire(legacy_version));
    }
    Ok(hello)
}

/// Parses the body of a `ServerHello` (after the four-byte handshake header).
///
/// # Errors
/// [`ProtocolError::TlsMalformedHello`] naming the first field that does not fit.
pub fn parse_server_hello(body: &[u8]) -> Result<ServerHello, ProtocolError> {
    let mut r = Reader::new(body);
    let legacy_version = r.u16().ok_or(malformed("legacy_version"))?;
    let random = r.take(32).ok_or(malformed("random"))?;
    let session_id = r.vec_u8().ok_or(malformed("session_id"))?;
    if session_id.remaining() > 32 {
        return Err(malformed("session_id"));
    }
    let cipher_suite = CipherSuite(r.u16().ok_or(malformed("cipher_suite"))?);
    r.u8().ok_or(malformed("compression_method"))?;
    let mut selected_version = None;
    let mut alpn = None;
    for (ext_type, mut data) in extensions(r)? {
        match ext_type {
            EXT_SUPPORTED_VERSIONS => {
                selected_version = Some(data.u16().ok_or(malformed("supported_versions"))?);
            }
            EXT_ALPN => alpn = alpn_names(&mut data)?.into_iter().next(),
            _ => {}
        }
    }
    Ok(ServerHello {
        version: TlsVersion::from_wire(selected_version.unwrap_or(legacy_version)),
        legacy_version,
        cipher_suite,
        alpn,
        hello_retry_request: random == HELLO_RETRY_RANDOM,
    })
}

/// The extensions block that ends a hello: absent (pre-TLS 1.2 hellos may omit it) or a
/// two-byte-length list that must fill the rest of the message.
fn extensions(mut r: Reader<'_>) -> Result<Vec<(u16, Reader<'_>)>, ProtocolError> {
    if r.is_empty() {
        return Ok(Vec::new());
    }
    let mut block = r.vec_u16().ok_or(malformed("extensions"))?;
    if !r.is_empty() {
        return Err(malformed("extensions"));
    }
    // Each pass consumes at least four bytes, so this ends within the hello's length.
    let mut out = Vec::new();
    while !block.is_empty() {
        let ext_type = block.u16().ok_or(malformed("extension"))?;
        let data = block.vec_u16().ok_or(malformed("extension"))?;
        out.push((ext_type, data));
    }
    Ok(out)
}

/// The first `host_name` of a `server_name` extension, when printable ASCII.
fn server_name(data: &mut Reader<'_>) -> Result<Option<String>, ProtocolError> {
    let mut list = data.vec_u16().ok_or(malformed("server_name"))?;
    let mut found = None;
    while !list.is_empty() {
        let name_type = list.u8().ok_or(malformed("server_name"))?;
        let name = list.vec_u16().ok_or(malformed("server_name"))?;
        if name_type == 0 && found.is_none() {
            found = printable(name.rest());
        }
    }
    Ok(found)
}

/// The names of an ALPN extension that are printable ASCII.
fn alpn_names(data: &mut Reader<'_>) -> Result<Vec<String>, ProtocolError> {
    let mut list = data.vec_u16().ok_or(malformed("alpn"))?;
    let mut names = Vec::new();
    while !list.is_empty() {
        let name = list.vec_u8().ok_or(malformed("alpn"))?;
        if names.len() < MAX_ALPN_NAMES {
            names.extend(printable(name.rest()));
        }
    }
    Ok(names)
}

/// `bytes` as a string when it is non-empty printable ASCII (as host names and ALPN ids are).
fn printable(bytes: &[u8]) -> Option<String> {
    let ok = !bytes.is_empty() && bytes.iter().all(u8::is_ascii_graphic);
    ok.then(|| bytes.iter().copied().map(char::from).collect())
}

/// Accumulates the start of one direction until its hello is complete, within
/// [`MAX_HELLO_PREFIX`] bytes. After the hello (or anything that rules one out) it drops the
/// buffer and ignores further bytes: what follows is encrypted.
#[derive(Default)]
pub struct HelloReader {
    prefix: Vec<u8>,
    finished: bool,
}

impl fmt::Debug for HelloReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HelloReader")
            .field("buffered", &self.prefix.len())
            .field("finished", &self.finished)
            .finish()
    }
}

impl HelloReader {
    #[must_use]
    pub const fn new() -> Self {
        Self {
            prefix: Vec::new(),
            finished: false,
        }
    }

    /// Whether the reader is done (hello found, ruled out, failed or abandoned after a gap).
    #[must_use]
    pub const fn is_finished(&self) -> bool {
        self.finished
    }

    /// Feeds the next contiguous bytes of the direction. `after_gap` says bytes were lost
    /// before them: a hello in progress cannot be completed then and is abandoned.
    ///
    /// # Errors
    /// The first malformed record or hello, once; the reader is finished afterwards.
    pub fn feed(&mut self, bytes: &[u8], after_gap: bool) -> Result<Option<Hello>, ProtocolError> {
        if self.finished {
            return Ok(None);
        }
        if after_gap && !self.prefix.is_empty() {
            self.finish();
            return Ok(None);
        }
        let room = MAX_HELLO_PREFIX.saturating_sub(self.prefix.len());
        self.prefix
            .extend_from_slice(bytes.get(..room).unwrap_or(bytes));
        match parse_stream_prefix(&self.prefix) {
            Ok(PrefixStatus::Hello(hello)) => {
                self.finish();
                Ok(Some(hello))
            }
            Ok(PrefixStatus::NoHello) => {
                self.finish();
                Ok(None)
            }
            Ok(PrefixStatus::NeedMore) if self.prefix.len() >= MAX_HELLO_PREFIX => {
                self.finish();
                Err(ProtocolError::TlsHelloTooLarge {
                    limit: MAX_HELLO_PREFIX,
                })
            }
            Ok(PrefixStatus::NeedMore) => Ok(None),
            Err(e) => {
                self.finish();
                Err(e)
            }
        }
    }

    fn finish(&mut self) {
        self.finished = true;
        self.prefix = Vec::new();
    }
}

#[cfg(test)]
mod tests {
    //! Fixtures under `testdata/` are real OpenSSL 3.0 handshakes captured on loopback; see
    //! `testdata/README.md` for how they were made.

    use proptest::prelude::*;

    use super::*;

    const TLS12_CLIENT: &[u8] = include_bytes!("testdata/tls12_client_flight.bin");
    const TLS12_SERVER: &[u8] = include_bytes!("testdata/tls12_server_flight.bin");
    const TLS13_CLIENT: &[u8] = include_bytes!("testdata/tls13_client_flight.bin");
    const TLS13_SERVER: &[u8] = include_bytes!("testdata/tls13_server_flight.bin");
    const SNI: &str = "sensor-gw.example.test";

    fn hello(stream: &[u8]) -> Hello {
        match parse_stream_prefix(stream) {
            Ok(PrefixStatus::Hello(h)) => h,
            other => panic!("expected a hello, got {other:?}"),
        }
    }

    fn client(stream: &[u8]) -> ClientHello {
        match hello(stream) {
            Hello::Client(c) => c,
            Hello::Server(_) => panic!("expected a ClientHello"),
        }
    }

    fn server(stream: &[u8]) -> ServerHello {
        match hello(stream) {
            Hello::Server(s) => s,
            Hello::Client(_) => panic!("expected a ServerHello"),
        }
    }

    /// The first record of a fixture: its length and its body (the hello message).
    fn first_record(stream: &[u8]) -> (usize, &[u8]) {
        let len = usize::from(u16::from_be_bytes([stream[3], stream[4]]));
        (
            RECORD_HEADER_LEN + len,
            &stream[RECORD_HEADER_LEN..RECORD_HEADER_LEN + len],
        )
    }

    /// Frames handshake bytes as handshake records of at most `fragment` bytes each.
    fn records(handshake: &[u8], fragment: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for piece in handshake.chunks(fragment) {
            out.extend_from_slice(&[CONTENT_HANDSHAKE, 3, 1]);
            out.extend_from_slice(&u16::try_from(piece.len()).unwrap().to_be_bytes());
            out.extend_from_slice(piece);
        }
        out
    }

    /// A handshake message: type, 24-bit length, body.
    fn message(msg_type: u8, body: &[u8]) -> Vec<u8> {
        let len = u32::try_from(body.len()).unwrap().to_be_bytes();
        let mut out = vec![msg_type, len[1], len[2], len[3]];
        out.extend_from_slice(body);
        out
    }

    #[test]
    fn tls12_client_hello_offers_1_2_with_sni_and_alpn() {
        let c = client(TLS12_CLIENT);
        assert_eq!(c.legacy_version, 0x0303);
        assert_eq!(c.offered_versions, vec![TlsVersion::V1_2]);
        assert_eq!(c.sni.as_deref(), Some(SNI));
        assert_eq!(c.alpn, vec!["mqtt".to_owned(), "http/1.1".to_owned()]);
        assert!(c.cipher_suite_count > 10);
    }

    #[test]
    fn tls13_client_hello_offers_1_3_through_supported_versions() {
        let c = client(TLS13_CLIENT);
        assert_eq!(
            c.legacy_version, 0x0303,
            "1.3 clients keep legacy_version at 1.2"
        );
        assert_eq!(c.offered_versions, vec![TlsVersion::V1_3]);
        assert_eq!(c.sni.as_deref(), Some(SNI));
        assert_eq!(c.alpn, vec!["mqtt".to_owned(), "http/1.1".to_owned()]);
    }

    #[test]
    fn tls12_server_hello_selects_ecdhe_ecdsa_aes256_gcm() {
        let s = server(TLS12_SERVER);
        assert_eq!(s.version, Some(TlsVersion::V1_2));
        assert_eq!(s.cipher_suite, CipherSuite(0xc02c));
        assert_eq!(
            s.cipher_suite.to_string(),
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
        );
        assert!(!s.hello_retry_request);
    }

    #[test]
    fn tls13_server_hello_version_comes_from_supported_versions() {
        let s = server(TLS13_SERVER);
        assert_eq!(s.legacy_version, 0x0303);
        assert_eq!(s.version, Some(TlsVersion::V1_3));
        assert_eq!(s.cipher_suite.to_string(), "TLS_AES_256_GCM_SHA384");
        assert!(!s.hello_retry_request);
    }

    #[test]
    fn every_strict_prefix_of_a_hello_needs_more() {
        for fixture in [TLS12_CLIENT, TLS13_CLIENT, TLS12_SERVER, TLS13_SERVER] {
            let (end, _) = first_record(fixture);
            for n in 0..end {
                assert_eq!(
                    parse_stream_prefix(&fixture[..n]),
                    Ok(PrefixStatus::NeedMore),
                    "{n}"
                );
            }
            assert!(matches!(
                parse_stream_prefix(&fixture[..end]),
                Ok(PrefixStatus::Hello(_))
            ));
        }
    }

    #[test]
    fn a_hello_fragmented_over_records_is_joined() {
        let (_, body) = first_record(TLS13_CLIENT);
        let whole = client(TLS13_CLIENT);
        for fragment in [1, 7, 50, 100, 270] {
            assert_eq!(
                client(&records(body, fragment)),
                whole,
                "fragment {fragment}"
            );
        }
    }

    #[test]
    fn the_reader_finds_the_hello_whatever_the_packet_split() {
        let (end, _) = first_record(TLS12_SERVER);
        for split in 1..end {
            let mut reader = HelloReader::new();
            assert_eq!(reader.feed(&TLS12_SERVER[..split], false), Ok(None));
            let found = reader.feed(&TLS12_SERVER[split..], false).expect("valid");
            assert!(matches!(found, Some(Hello::Server(_))), "split {split}");
            assert!(reader.is_finished());
            assert_eq!(reader.feed(TLS12_SERVER, false), Ok(None), "reports once");
        }
    }

    #[test]
    fn a_gap_inside_the_hello_abandons_it_without_error() {
        let mut reader = HelloReader::new();
        assert_eq!(reader.feed(&TLS13_CLIENT[..100], false), Ok(None));
        assert_eq!(reader.feed(&TLS13_CLIENT[150..], true), Ok(None));
        assert!(reader.is_finished());
    }

    #[test]
    fn a_stream_first_seen_mid_connection_has_no_hello() {
        let (end, _) = first_record(TLS13_SERVER);
        // Skip the ServerHello and ChangeCipherSpec: application data records follow.
        let app_data = &TLS13_SERVER[end + 6..];
        assert_eq!(app_data[0], 23);
        assert_eq!(parse_stream_prefix(app_data), Ok(PrefixStatus::NoHello));
        let mut reader = HelloReader::new();
        assert_eq!(reader.feed(app_data, false), Ok(None));
        assert!(reader.is_finished());
    }

    #[test]
    fn malformed_record_headers_are_typed_errors_with_offsets() {
        let mut bad_version = TLS12_CLIENT.to_vec();
        bad_version[1] = 2;
        assert_eq!(
            parse_stream_prefix(&bad_version),
            Err(ProtocolError::TlsRecordHeader { offset: 0 })
        );
        let (_, body) = first_record(TLS12_CLIENT);
        let mut split = records(&body[..100], 100);
        let second = split.len();
        split.extend_from_slice(&[0x99, 3, 3, 0, 4, 0, 0, 0, 0]);
        assert_eq!(
            parse_stream_prefix(&split),
            Err(ProtocolError::TlsRecordHeader { offset: second })
        );
        assert_eq!(
            parse_stream_prefix(&[22, 3, 3, 0x48, 0x01]),
            Err(ProtocolError::TlsRecordTooLong { offset: 0 })
        );
    }

    #[test]
    fn malformed_hellos_name_the_field() {
        let (_, body) = first_record(TLS12_CLIENT);
        // Handshake header (4) + legacy_version (2) + random (32), then the session id length.
        let mut long_session = body.to_vec();
        long_session[38] = 33;
        assert_eq!(
            parse_stream_prefix(&records(&long_session, 1000)),
            Err(ProtocolError::TlsMalformedHello {
                field: "session_id"
            })
        );
        let mut short_extensions = body[4..].to_vec();
        short_extensions.push(0);
        assert_eq!(
            parse_client_hello(&short_extensions),
            Err(ProtocolError::TlsMalformedHello {
                field: "extensions"
            })
        );
        assert_eq!(
            parse_stream_prefix(&records(&message(11, &[0; 8]), 100)),
            Err(ProtocolError::TlsUnexpectedHandshake { msg_type: 11 })
        );
        // A hello interrupted by a non-handshake record.
        let mut interrupted = records(&body[..50], 50);
        interrupted.extend_from_slice(&[21, 3, 3, 0, 2, 2, 40]);
        assert_eq!(
            parse_stream_prefix(&interrupted),
            Err(ProtocolError::TlsMalformedHello {
                field: "handshake_fragment"
            })
        );
    }

    #[test]
    fn hellos_beyond_the_prefix_bound_are_rejected() {
        let huge = [
            CONTENT_HANDSHAKE,
            3,
            1,
            0,
            4,
            HANDSHAKE_CLIENT_HELLO,
            0x01,
            0x00,
            0x00,
        ];
        assert_eq!(
            parse_stream_prefix(&huge),
            Err(ProtocolError::TlsHelloTooLarge {
                limit: MAX_HELLO_PREFIX
            })
        );
        // Within the message bound, but record headers push the stream past the reader's bound.
        let declared = MAX_HELLO_PREFIX - 4;
        let mut handshake = message(HANDSHAKE_CLIENT_HELLO, &vec![0; declared]);
        handshake.truncate(MAX_HELLO_PREFIX - 10);
        let stream = records(&handshake, 512);
        let mut reader = HelloReader::new();
        let mut results = stream
            .chunks(1400)
            .map(|c| reader.feed(c, false))
            .collect::<Vec<_>>();
        let last_err = results.iter().rposition(Result::is_err);
        assert_eq!(
            last_err.map(|i| results.swap_remove(i)),
            Some(Err(ProtocolError::TlsHelloTooLarge {
                limit: MAX_HELLO_PREFIX
            }))
        );
        assert!(reader.is_finished());
    }

    #[test]
    fn hello_retry_request_is_flagged_and_still_reports_1_3() {
        let mut body = vec![0x03, 0x03];
        body.extend_from_slice(&HELLO_RETRY_RANDOM);
        body.extend_from_slice(&[0, 0x13, 0x01, 0, 0, 6, 0, 43, 0, 2, 3, 4]);
        let s = server(&records(&message(HANDSHAKE_SERVER_HELLO, &body), 100));
        assert!(s.hello_retry_request);
        assert_eq!(s.version, Some(TlsVersion::V1_3));
        assert_eq!(s.cipher_suite.to_string(), "TLS_AES_128_GCM_SHA256");
    }

    #[test]
    fn unknown_cipher_suites_display_as_hex() {
        assert_eq!(CipherSuite(0x1234).to_string(), "0x1234");
        assert_eq!(CipherSuite(0xc0af).to_string(), "0xC0AF");
        assert_eq!(
            CipherSuite(0x1303).name(),
            Some("TLS_CHACHA20_POLY1305_SHA256")
        );
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
            let _ = parse_stream_prefix(&bytes);
            let _ = parse_client_hello(&bytes);
            let _ = parse_server_hello(&bytes);
            let _ = signature(&bytes);
        }

        #[test]
        fn arbitrary_records_never_panic(
            pieces in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..600), 0..8),
            fragment in 1usize..300,
        ) {
            let handshake: Vec<u8> = pieces.concat();
            let stream = records(&handshake, fragment);
            let mut reader = HelloReader::new();
            for (i, chunk) in stream.chunks(fragment + 3).enumerate() {
                let _ = reader.feed(chunk, i % 5 == 4);
            }
        }

        #[test]
        fn mutated_fixtures_never_panic(
            which in 0usize..4,
            edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        ) {
            let mut bytes = [TLS12_CLIENT, TLS12_SERVER, TLS13_CLIENT, TLS13_SERVER][which].to_vec();
            for (at, value) in edits {
                let at = at % bytes.len();
                bytes[at] = value;
            }
            let _ = parse_stream_prefix(&bytes);
        }

        #[test]
        fn any_packet_split_gives_the_same_hello(cuts in proptest::collection::vec(1usize..400, 0..6)) {
            let mut reader = HelloReader::new();
            let mut rest = TLS13_CLIENT;
            let mut found = None;
            for cut in cuts {
                let (now, later) = rest.split_at(cut.min(rest.len()));
                if let Some(h) = reader.feed(now, false).expect("valid") {
                    found = Some(h);
                }
                rest = later;
            }
            if let Some(h) = reader.feed(rest, false).expect("valid") {
                found = Some(h);
            }
            prop_assert_eq!(found, Some(Hello::Client(client(TLS13_CLIENT))));
        }
    }
}
