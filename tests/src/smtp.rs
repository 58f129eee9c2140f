//! Mail handed to a relay over SMTP in clear text: a minimal relay (RFC 5321, the replies a
//! client needs to hand over a message) in a namespace, and `curl` (Debian's, which speaks
//! SMTP) as the client that sends a message through it.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::error::Context as _;
use crate::netns::NsRef;
use crate::process::run_ok;
use crate::{Error, Result};

/// How long a client may stay silent before the relay drops it.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long `curl` may take to hand a message over.
const SEND_TIMEOUT: Duration = Duration::from_secs(20);
/// The longest line or message the relay reads: a bound on a client's bytes.
const MAX_MESSAGE: usize = 1 << 20;

/// A relay that accepts every message and keeps none: it counts them. Runs as a thread in its
/// namespace and stops when dropped (or after an hour at most).
#[derive(Debug)]
pub struct SmtpRelay {
    /// The port it listens on.
    pub port: u16,
    delivered: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Result<()>>>,
}

impl SmtpRelay {
    /// Binds `port` in `ns` (0.0.0.0) and starts answering.
    ///
    /// # Errors
    /// When binding fails.
    pub fn start(ns: &NsRef, port: u16) -> Result<Self> {
        let delivered = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<()>>();
        let (count, stopped) = (delivered.clone(), stop.clone());
        let thread = ns.spawn_in(move || {
            let listener = match TcpListener::bind(("0.0.0.0", port))
                .and_then(|l| l.set_nonblocking(true).map(|()| l))
                .context(format!("binding SMTP {port}"))
            {
                Ok(listener) => {
                    let _ = ready_tx.send(Ok(()));
                    listener
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(Error(e.0.clone())));
                    return Err(e);
                }
            };
            let deadline = Instant::now() + Duration::from_hours(1);
            while !stopped.load(Ordering::Relaxed) && Instant::now() < deadline {
                match listener.accept() {
                    // One client at a time: a failed conversation ends only its own.
                    Ok((conn, _)) => {
                        if let Ok(messages) = converse(conn) {
                            count.fetch_add(messages, Ordering::Relaxed);
                        }
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
            Ok(())
        })?;
        ready_rx
            .recv_timeout(Duration::from_secs(20))
            .map_err(|e| Error(format!("SMTP relay did not start: {e}")))??;
        Ok(Self {
            port,
            delivered,
            stop,
            thread: Some(thread),
        })
    }

    /// Messages accepted so far.
    #[must_use]
    pub fn delivered(&self) -> u64 {
        self.delivered.load(Ordering::Relaxed)
    }
}

impl Drop for SmtpRelay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One client's session: the greeting, then a reply to each command; a message's data up to
/// the line with a single `.`. Returns the messages accepted.
fn converse(conn: TcpStream) -> std::io::Result<u64> {
    conn.set_nonblocking(false)?;
    conn.set_read_timeout(Some(CLIENT_TIMEOUT))?;
    let mut writer = conn.try_clone()?;
    let mut reader = BufReader::new(conn);
    writer.write_all(b"220 relay.lab ESMTP\r\n")?;
    let mut delivered = 0;
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 || line.len() > MAX_MESSAGE {
            return Ok(delivered);
        }
        let verb = line
            .get(..4)
            .map(<[u8]>::to_ascii_uppercase)
            .unwrap_or_default();
        match verb.as_slice() {
            b"EHLO" | b"HELO" => writer.write_all(b"250 relay.lab\r\n")?,
            b"DATA" => {
                writer.write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n")?;
                let mut read = 0;
                loop {
                    line.clear();
                    let n = reader.read_until(b'\n', &mut line)?;
                    read += n;
                    if n == 0 || read > MAX_MESSAGE {
                        return Ok(delivered);
                    }
                    if line == b".\r\n" || line == b".\n" {
                        break;
                    }
                }
                delivered += 1;
                writer.write_all(b"250 queued\r\n")?;
            }
            b"QUIT" => {
                writer.write_all(b"221 bye\r\n")?;
                return Ok(delivered);
            }
            _ => writer.write_all(b"250 ok\r\n")?,
        }
    }
}

/// Sends the message in `file` (headers and body, CRLF line ends) from `ns` to the relay at
/// `relay` with `curl`, from `from` to `to`.
///
/// # Errors
/// When `curl` is missing, fails, or the relay refuses the message.
pub fn send(ns: &NsRef, relay: SocketAddr, from: &str, to: &str, file: &Path) -> Result<()> {
    let mut cmd = ns.exec("curl")?;
    cmd.args(["--silent", "--show-error", "--max-time", "15"])
        .arg("--url")
        .arg(format!("smtp://{relay}/lab.client"))
        .args(["--mail-from", from, "--mail-rcpt", to, "--upload-file"])
        .arg(file);
    run_ok(&mut cmd, SEND_TIMEOUT).map(drop)
}
