//! Clients in the client namespace: `curl`, `openssl s_client`, and raw TCP/UDP senders.

use std::io::Write as _;
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::Path;
use std::time::Duration;

use crate::error::Context as _;
use crate::netns::NsRef;
use crate::process::{run_bounded, run_ok};
use crate::servers::TlsVersion;
use crate::{Error, Result};

/// Upper bound for one client command.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(20);

/// Options of every `curl` transfer: `--noproxy`, never leave the lab; `--max-time`, every
/// request is bounded; only the status code is printed.
const CURL_TRANSFER: [&str; 9] = [
    "-sS",
    "--noproxy",
    "*",
    "--max-time",
    "10",
    "-o",
    "/dev/null",
    "-w",
    "%{http_code}",
];

fn curl(ns: &NsRef) -> Result<std::process::Command> {
    let mut cmd = ns.exec("curl")?;
    cmd.args(CURL_TRANSFER);
    Ok(cmd)
}

fn expect_200(out: &str, what: &str) -> Result<()> {
    if out.trim() == "200" {
        Ok(())
    } else {
        Err(Error(format!("{what}: HTTP status {:?}", out.trim())))
    }
}

/// `curl -X POST` of a JSON body over plain HTTP; expects status 200.
///
/// # Errors
/// When curl fails or the status is not 200.
pub fn post_json(ns: &NsRef, url: &str, json: &str) -> Result<()> {
    let mut cmd = curl(ns)?;
    cmd.args(json_post(url, json));
    expect_200(&run_ok(&mut cmd, CLIENT_TIMEOUT)?, &format!("POST {url}"))
}

/// The `curl` arguments of one transfer POSTing `json` to `url`.
const fn json_post<'a>(url: &'a str, json: &'a str) -> [&'a str; 5] {
    [
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        json,
        url,
    ]
}

/// Two POSTs over one kept-alive connection (one `curl` run, `--next`): `json` as it is to
/// `first_url`, then the file `gzip_body` with `Content-Encoding: gzip` to `second_url`;
/// expects status 200 for both.
///
/// # Errors
/// When curl fails or a status is not 200.
pub fn post_json_then_gzip(
    ns: &NsRef,
    first_url: &str,
    json: &str,
    second_url: &str,
    gzip_body: &Path,
) -> Result<()> {
    let mut cmd = curl(ns)?;
    cmd.args(json_post(first_url, json));
    // Options apply per transfer: the second repeats them; curl keeps the connection.
    cmd.arg("--next");
    cmd.args(CURL_TRANSFER);
    cmd.args([
        "-H",
        "Content-Type: application/json",
        "-H",
        "Content-Encoding: gzip",
        "--data-binary",
    ]);
    cmd.arg(format!("@{}", gzip_body.display()));
    cmd.arg(second_url);
    let out = run_ok(&mut cmd, CLIENT_TIMEOUT)?;
    if out.trim() == "200200" {
        Ok(())
    } else {
        Err(Error(format!(
            "POST {first_url} then {second_url}: HTTP statuses {:?}",
            out.trim()
        )))
    }
}

/// `curl` GET over plain HTTP; expects status 200.
///
/// # Errors
/// When curl fails or the status is not 200.
pub fn get(ns: &NsRef, url: &str) -> Result<()> {
    let mut cmd = curl(ns)?;
    cmd.arg(url);
    expect_200(&run_ok(&mut cmd, CLIENT_TIMEOUT)?, &format!("GET {url}"))
}

/// `curl -k` GET over HTTPS pinned to `version`, with `headers` (which travel encrypted);
/// expects status 200 (`openssl s_server -www` answers GET with a status page).
///
/// # Errors
/// When the handshake or request fails.
pub fn https_get(ns: &NsRef, url: &str, version: TlsVersion, headers: &[&str]) -> Result<()> {
    https_get_through(ns, None, url, version, headers)
}

/// [`https_get`] through the forward proxy at `proxy` (`http://ip:port`): curl opens the tunnel
/// with `CONNECT`, then speaks TLS inside it.
///
/// # Errors
/// When the proxy, the handshake or the request fails.
pub fn https_get_via(
    ns: &NsRef,
    proxy: &str,
    url: &str,
    version: TlsVersion,
    headers: &[&str],
) -> Result<()> {
    https_get_through(ns, Some(proxy), url, version, headers)
}

fn https_get_through(
    ns: &NsRef,
    proxy: Option<&str>,
    url: &str,
    version: TlsVersion,
    headers: &[&str],
) -> Result<()> {
    let mut cmd = curl(ns)?;
    cmd.arg("-k").args(version.curl_flags());
    if let Some(proxy) = proxy {
        // The lab's own proxy: it overrides the `--noproxy *` every transfer starts with.
        cmd.args(["--noproxy", "", "--proxy", proxy]);
    }
    for h in headers {
        cmd.args(["-H", h]);
    }
    cmd.arg(url);
    let via = proxy.map(|p| format!(" through {p}")).unwrap_or_default();
    expect_200(
        &run_ok(&mut cmd, CLIENT_TIMEOUT)?,
        &format!("GET {url}{via} over TLS {}", version.label()),
    )
}

/// `openssl s_client` handshake pinned to `version`; closes after the handshake (stdin is
/// empty). Checks that the negotiated protocol is the requested one.
///
/// # Errors
/// When the handshake fails or negotiates another version.
pub fn s_client(ns: &NsRef, addr: SocketAddr, version: TlsVersion) -> Result<()> {
    let mut cmd = ns.exec("openssl")?;
    cmd.args([
        "s_client",
        "-connect",
        &addr.to_string(),
        version.openssl_flag(),
        "-brief",
    ]);
    let out = run_bounded(&mut cmd, CLIENT_TIMEOUT)?;
    // -brief prints "Protocol version: TLSv1.x" on stderr.
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let want = format!("TLSv{}", version.label());
    if text
        .lines()
        .any(|l| l.contains("Protocol version") && l.trim_end().ends_with(&want))
    {
        Ok(())
    } else {
        Err(Error(format!(
            "s_client to {addr} did not negotiate {want}: {}",
            text.trim()
        )))
    }
}

/// Opens a TCP connection from inside `ns`, writes `payload` and closes.
///
/// # Errors
/// When connecting or writing fails.
pub fn tcp_send(ns: &NsRef, addr: SocketAddr, payload: Vec<u8>) -> Result<()> {
    ns.run_in(move || -> Result<()> {
        let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
            .context(format!("connect {addr}"))?;
        s.set_write_timeout(Some(Duration::from_secs(5)))
            .context("write timeout")?;
        s.write_all(&payload).context(format!("write to {addr}"))?;
        // Give the sink a moment to read before the FIN, so the bytes are on the wire as data.
        std::thread::sleep(Duration::from_millis(50));
        Ok(())
    })?
}

/// Sends one UDP datagram from inside `ns`.
///
/// # Errors
/// When binding or sending fails.
pub fn udp_send(ns: &NsRef, addr: SocketAddr, payload: Vec<u8>) -> Result<()> {
    ns.run_in(move || -> Result<()> {
        let s = UdpSocket::bind(("0.0.0.0", 0)).context("bind udp")?;
        s.send_to(&payload, addr)
            .context(format!("send to {addr}"))?;
        Ok(())
    })?
}

/// Deterministic pseudo-random bytes (xorshift64*), so a failing run can be replayed.
///
/// The first byte is forced away from printable ASCII and from 0x14..=0x17 (TLS record
/// types), so the payload looks like neither HTTP nor TLS.
#[must_use]
pub fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed | 1;
    let mut out: Vec<u8> = (0..len)
        .map(|_| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect();
    if let Some(first) = out.first_mut() {
        *first = 0x80 | (*first & 0x7f);
    }
    out
}

/// A TLS record that announces a 512-byte ClientHello but stops after the handshake header
/// and two more bytes: the version inside the hello is cut off.
#[must_use]
pub fn truncated_client_hello() -> Vec<u8> {
    vec![
        0x16, 0x03, 0x01, 0x02, 0x00, // record: handshake, TLS 1.0 record version, length 512
        0x01, 0x00, 0x01, 0xfc, // handshake: ClientHello, length 508
        0x03, // first byte of legacy_version, then nothing
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_bytes_are_deterministic_and_not_protocol_like() {
        let a = random_bytes(7, 64);
        assert_eq!(a, random_bytes(7, 64));
        assert_ne!(a, random_bytes(8, 64));
        assert!(
            a[0] >= 0x80,
            "first byte {:#x} must not be ASCII or a TLS record type",
            a[0]
        );
    }
}
