//! Servers in the server namespace: plain HTTP, TLS 1.2/1.3, and a raw TCP/UDP sink.

use std::io::Read as _;
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::error::Context as _;
use crate::netns::NsRef;
use crate::process::{Proc, run_ok};
use crate::{Error, Result, wait};

/// How long a server may take to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// A TLS protocol version the lab speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsVersion {
    /// TLS 1.2.
    V1_2,
    /// TLS 1.3.
    V1_3,
}

impl TlsVersion {
    /// The daemon's `tls_version` value for this version.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::V1_2 => "1.2",
            Self::V1_3 => "1.3",
        }
    }

    /// The `openssl s_server`/`s_client` flag that pins this version.
    #[must_use]
    pub fn openssl_flag(self) -> &'static str {
        match self {
            Self::V1_2 => "-tls1_2",
            Self::V1_3 => "-tls1_3",
        }
    }

    /// `curl` flags that pin this version.
    #[must_use]
    pub fn curl_flags(self) -> &'static [&'static str] {
        match self {
            Self::V1_2 => &["--tlsv1.2", "--tls-max", "1.2"],
            Self::V1_3 => &["--tlsv1.3", "--tls-max", "1.3"],
        }
    }
}

/// Waits until something accepts TCP connections on `port` inside `ns`.
///
/// # Errors
/// After 20 s, or when `proc` exits first.
pub fn wait_listening(ns: &NsRef, port: u16, mut proc: Option<&mut Proc>) -> Result<()> {
    let what = format!("port {port} to accept connections in {}", ns.name());
    wait::until(&what, READY_TIMEOUT, Duration::from_millis(100), || {
        if let Some(p) = proc.as_deref_mut()
            && let Ok(Some(status)) = p.exit_status()
        {
            return Err(wait::fatal(format!(
                "{} exited with {status}: {}",
                p.name(),
                p.stderr_tail(10)
            )));
        }
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        ns.run_in(move || TcpStream::connect_timeout(&addr, Duration::from_secs(1)).map(drop))
            .map_err(|e| e.0)?
            .map_err(|e| e.to_string())
    })
}

/// Python's `http.server` with a handler that answers POST and GET with 200 and a small
/// JSON body. Real, simple, and it never echoes the request body. It speaks HTTP/1.1, so a
/// client may send several requests over one kept-alive connection.
const HTTP_SERVER_PY: &str = r#"
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self):
        body = b'{"ok":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.reply()

    def do_GET(self):
        self.reply()

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.command, self.path.split("?")[0]))

ThreadingHTTPServer(("0.0.0.0", int(sys.argv[1])), Handler).serve_forever()
"#;

/// A plain-HTTP server (Python) in a namespace.
#[derive(Debug)]
pub struct HttpServer {
    /// The server process.
    pub proc: Proc,
    /// The port it listens on (all addresses of its namespace).
    pub port: u16,
}

impl HttpServer {
    /// Starts the server and waits until it accepts connections.
    ///
    /// # Errors
    /// When it cannot start or does not listen in time.
    pub fn start(ns: &NsRef, port: u16, log_dir: &Path) -> Result<Self> {
        let mut cmd = ns.exec("python3")?;
        cmd.args(["-u", "-c", HTTP_SERVER_PY, &port.to_string()]);
        let mut proc = Proc::spawn(&format!("http-server-{port}"), &mut cmd, log_dir)?;
        wait_listening(ns, port, Some(&mut proc))?;
        Ok(Self { proc, port })
    }
}

/// A throw-away self-signed certificate and key.
#[derive(Debug)]
pub struct Cert {
    /// PEM certificate.
    pub cert: PathBuf,
    /// PEM private key.
    pub key: PathBuf,
}

impl Cert {
    /// Generates a P-256 self-signed certificate for `CN=m2m-lab-server` in `dir`.
    ///
    /// # Errors
    /// When `openssl req` fails.
    pub fn generate(dir: &Path) -> Result<Self> {
        let cert = dir.join("server-cert.pem");
        let key = dir.join("server-key.pem");
        run_ok(
            std::process::Command::new(crate::preflight::tool("openssl")?)
                .args([
                    "req",
                    "-x509",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:prime256v1",
                    "-nodes",
                ])
                .args(["-days", "1", "-subj", "/CN=m2m-lab-server", "-keyout"])
                .arg(&key)
                .arg("-out")
                .arg(&cert),
            Duration::from_secs(30),
        )
        .map_err(|e| Error(format!("generating test certificate: {e}")))?;
        Ok(Self { cert, key })
    }
}

/// `openssl s_server -www` pinned to one TLS version.
#[derive(Debug)]
pub struct TlsServer {
    /// The server process.
    pub proc: Proc,
    /// The port it listens on.
    pub port: u16,
    /// The only version it accepts.
    pub version: TlsVersion,
}

impl TlsServer {
    /// Starts the server and waits until it accepts connections.
    ///
    /// # Errors
    /// When it cannot start or does not listen in time.
    pub fn start(
        ns: &NsRef,
        port: u16,
        version: TlsVersion,
        cert: &Cert,
        log_dir: &Path,
    ) -> Result<Self> {
        let mut cmd = ns.exec("openssl")?;
        cmd.args([
            "s_server",
            "-accept",
            &port.to_string(),
            "-www",
            version.openssl_flag(),
            "-cert",
        ])
        .arg(&cert.cert)
        .arg("-key")
        .arg(&cert.key);
        let mut proc = Proc::spawn(&format!("tls-server-{port}"), &mut cmd, log_dir)?;
        wait_listening(ns, port, Some(&mut proc))?;
        Ok(Self {
            proc,
            port,
            version,
        })
    }
}

/// A TCP and UDP sink: accepts anything, reads and discards it; runs as a thread in the
/// namespace and stops when dropped (or after an hour at most).
#[derive(Debug)]
pub struct Sink {
    /// TCP ports.
    pub tcp_ports: Vec<u16>,
    /// UDP port.
    pub udp_port: u16,
    received: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Result<()>>>,
}

impl Sink {
    /// Binds the ports in `ns` (0.0.0.0) and starts draining them.
    ///
    /// # Errors
    /// When binding fails.
    pub fn start(ns: &NsRef, tcp_ports: &[u16], udp_port: u16) -> Result<Self> {
        let ports = tcp_ports.to_vec();
        let received = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<()>>();
        let (rx_count, rx_stop) = (received.clone(), stop.clone());
        let thread = ns.spawn_in(move || {
            let bound = (|| -> Result<(Vec<TcpListener>, UdpSocket)> {
                let mut tcp = Vec::new();
                for port in ports {
                    let l = TcpListener::bind(("0.0.0.0", port))
                        .context(format!("binding TCP {port}"))?;
                    l.set_nonblocking(true).context("nonblocking listener")?;
                    tcp.push(l);
                }
                let udp = UdpSocket::bind(("0.0.0.0", udp_port))
                    .context(format!("binding UDP {udp_port}"))?;
                udp.set_nonblocking(true).context("nonblocking udp")?;
                Ok((tcp, udp))
            })();
            let (tcp, udp) = match bound {
                Ok(sockets) => {
                    let _ = ready_tx.send(Ok(()));
                    sockets
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(Error(e.0.clone())));
                    return Err(e);
                }
            };
            drain(&tcp, &udp, &rx_count, &rx_stop);
            Ok(())
        })?;
        ready_rx
            .recv_timeout(READY_TIMEOUT)
            .map_err(|e| Error(format!("sink did not start: {e}")))??;
        Ok(Self {
            tcp_ports: tcp_ports.to_vec(),
            udp_port,
            received,
            stop,
            thread: Some(thread),
        })
    }

    /// Bytes received so far over TCP and UDP.
    #[must_use]
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }
}

fn drain(tcp: &[TcpListener], udp: &UdpSocket, received: &AtomicU64, stop: &AtomicBool) {
    let deadline = Instant::now() + Duration::from_hours(1);
    let mut conns: Vec<TcpStream> = Vec::new();
    let mut buf = vec![0_u8; 64 * 1024];
    while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
        for listener in tcp {
            while let Ok((conn, _)) = listener.accept() {
                if conn.set_nonblocking(true).is_ok() {
                    conns.push(conn);
                }
            }
        }
        conns.retain_mut(|c| match c.read(&mut buf) {
            Ok(0) => false,
            Ok(n) => {
                received.fetch_add(n as u64, Ordering::Relaxed);
                true
            }
            Err(e) => e.kind() == std::io::ErrorKind::WouldBlock,
        });
        while let Ok(n) = udp.recv(&mut buf) {
            received.fetch_add(n as u64, Ordering::Relaxed);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
