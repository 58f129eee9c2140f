//! Kafka with a real client, Debian's `kcat` (librdkafka), producing to and consuming from a
//! minimal broker of the harness's own: no Kafka broker is packaged. The broker speaks just
//! enough of the protocol for a producer and a consumer that names its partition (no group):
//! `ApiVersions` (0 to 3), `Metadata` 0 (every topic asked for has one partition, led by this
//! broker), `Produce` 3 to 7 (record batches, magic 2), `ListOffsets` 1 and `Fetch` 4 to 10. It
//! lists the versions a Kafka 2.1 broker has for `Produce`, `Fetch` and `FindCoordinator`,
//! which librdkafka reads as the features it needs to compress (gzip, snappy and lz4 from 0.9,
//! zstd from 2.1). It keeps each produced partition's record batches, so a test can tell that a
//! message arrived, and serves a partition's last batch to a consumer, as it was produced. The
//! bytes on the wire are librdkafka's, and the broker's as Kafka lays them out.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::error::Context as _;
use crate::netns::NsRef;
use crate::process::{Proc, run_ok};
use crate::{Error, Result};

/// The program the producer needs.
pub const TOOLS: &[&str] = &["kcat"];

/// How long a produce may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the broker may take to listen.
const READY_TIMEOUT: Duration = Duration::from_secs(20);
/// The largest request the broker reads.
const MAX_REQUEST: usize = 16 << 20;
/// The broker's node id in metadata.
const NODE_ID: i32 = 1;

const PRODUCE: i16 = 0;
const FETCH: i16 = 1;
const LIST_OFFSETS: i16 = 2;
const METADATA: i16 = 3;
const FIND_COORDINATOR: i16 = 10;
const API_VERSIONS: i16 = 18;
/// The versions the broker lists: key, lowest, highest.
const SUPPORTED: [(i16, i16, i16); 6] = [
    (PRODUCE, 0, 7),
    (FETCH, 0, 10),
    (LIST_OFFSETS, 0, 1),
    (METADATA, 0, 0),
    (FIND_COORDINATOR, 0, 0),
    (API_VERSIONS, 0, 3),
];
/// Kafka's `UNSUPPORTED_VERSION` error code.
const UNSUPPORTED_VERSION: i16 = 35;

/// Record batches produced to one topic's partition, as they arrived.
#[derive(Clone, Debug)]
pub struct Produced {
    pub topic: String,
    pub partition: i32,
    pub records: Vec<u8>,
    /// The whole `Produce` request they came in, with its size, as sent.
    pub request: Vec<u8>,
}

/// The broker, a thread in its namespace listening on every address; stopped when dropped.
pub struct Broker {
    produced: Arc<Mutex<Vec<Produced>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Result<()>>>,
}

impl Broker {
    /// Listens in `ns` on `port`; `advertised` is the address metadata names for the broker.
    ///
    /// # Errors
    /// When binding fails.
    pub fn start(ns: &NsRef, port: u16, advertised: SocketAddr) -> Result<Self> {
        let produced = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<()>>();
        let (sink, stopped) = (produced.clone(), stop.clone());
        let thread = ns.spawn_in(move || {
            let listener = match TcpListener::bind(("0.0.0.0", port))
                .context(format!("binding TCP {port}"))
                .and_then(|l| {
                    l.set_nonblocking(true)
                        .context("nonblocking listener")
                        .map(|()| l)
                }) {
                Ok(l) => {
                    let _ = ready_tx.send(Ok(()));
                    l
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(Error(e.0.clone())));
                    return Err(e);
                }
            };
            serve(&listener, advertised, &sink, &stopped);
            Ok(())
        })?;
        ready_rx
            .recv_timeout(READY_TIMEOUT)
            .map_err(|e| Error(format!("broker did not start: {e}")))??;
        Ok(Self {
            produced,
            stop,
            thread: Some(thread),
        })
    }

    /// What was produced so far.
    #[must_use]
    pub fn produced(&self) -> Vec<Produced> {
        self.produced.lock().map(|p| p.clone()).unwrap_or_default()
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Accepts connections until `stop` (or an hour), each served on a thread of its own; joins
/// them before returning.
fn serve(
    listener: &TcpListener,
    advertised: SocketAddr,
    produced: &Arc<Mutex<Vec<Produced>>>,
    stop: &Arc<AtomicBool>,
) {
    let deadline = Instant::now() + Duration::from_hours(1);
    let mut connections = Vec::new();
    while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
        while let Ok((conn, _)) = listener.accept() {
            let (produced, stop) = (produced.clone(), stop.clone());
            connections.push(std::thread::spawn(move || {
                if let Err(e) = connection(conn, advertised, &produced, &stop) {
                    eprintln!("kafka broker: {e}");
                }
            }));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    for c in connections {
        let _ = c.join();
    }
}

/// Answers one connection's requests until it closes or `stop`.
fn connection(
    mut conn: TcpStream,
    advertised: SocketAddr,
    produced: &Mutex<Vec<Produced>>,
    stop: &AtomicBool,
) -> Result<()> {
    conn.set_nonblocking(false).context("blocking connection")?;
    conn.set_read_timeout(Some(Duration::from_millis(200)))
        .context("read timeout")?;
    while !stop.load(Ordering::Relaxed) {
        let mut size = [0_u8; 4];
        match conn.read_exact(&mut size) {
            Ok(()) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue;
            }
            Err(_) => return Ok(()),
        }
        let size = usize::try_from(u32::from_be_bytes(size)).unwrap_or(usize::MAX);
        if size > MAX_REQUEST {
            return Err(Error(format!("request of {size} bytes")));
        }
        let mut request = vec![0_u8; size];
        read_all(&mut conn, &mut request, stop)?;
        let answer = answer(&request, advertised, produced)?;
        let mut framed = u32::try_from(answer.len())
            .map_err(|_| Error::msg("answer too long"))?
            .to_be_bytes()
            .to_vec();
        framed.extend_from_slice(&answer);
        conn.write_all(&framed).context("writing a response")?;
    }
    Ok(())
}

/// Reads `buf` whole, through read timeouts, until `stop`.
fn read_all(conn: &mut TcpStream, buf: &mut [u8], stop: &AtomicBool) -> Result<()> {
    let mut filled = 0;
    while filled < buf.len() {
        if stop.load(Ordering::Relaxed) {
            return Err(Error::msg("stopped mid-request"));
        }
        match conn.read(buf.get_mut(filled..).unwrap_or_default()) {
            Ok(0) => return Err(Error::msg("connection closed mid-request")),
            Ok(n) => filled += n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => return Err(Error(format!("reading a request: {e}"))),
        }
    }
    Ok(())
}

/// Reads a request's fields in order.
struct Reader<'a> {
    /// The whole request, after its size.
    whole: &'a [u8],
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.rest.len() < n {
            return Err(Error::msg("request cut short"));
        }
        let (head, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(head)
    }

    fn i16(&mut self) -> Result<i16> {
        Ok(i16::from_be_bytes(
            self.take(2)?.try_into().unwrap_or_default(),
        ))
    }

    fn i32(&mut self) -> Result<i32> {
        Ok(i32::from_be_bytes(
            self.take(4)?.try_into().unwrap_or_default(),
        ))
    }

    fn i64(&mut self) -> Result<i64> {
        Ok(i64::from_be_bytes(
            self.take(8)?.try_into().unwrap_or_default(),
        ))
    }

    /// A `STRING` or `NULLABLE_STRING` (-1: none).
    fn string(&mut self) -> Result<Option<String>> {
        let len = self.i16()?;
        let Ok(len) = usize::try_from(len) else {
            return Ok(None);
        };
        Ok(Some(String::from_utf8_lossy(self.take(len)?).into_owned()))
    }

    /// An `ARRAY`'s length (-1, null, as none).
    fn count(&mut self) -> Result<usize> {
        Ok(usize::try_from(self.i32()?).unwrap_or(0))
    }

    /// `BYTES`/`NULLABLE_BYTES`.
    fn bytes(&mut self) -> Result<&'a [u8]> {
        let len = usize::try_from(self.i32()?).unwrap_or(0);
        self.take(len)
    }
}

/// Writes a response's fields.
#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn i16(&mut self, v: i16) -> &mut Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }

    fn i32(&mut self, v: i32) -> &mut Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }

    fn i64(&mut self, v: i64) -> &mut Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }

    fn count(&mut self, n: usize) -> &mut Self {
        self.i32(i32::try_from(n).unwrap_or(i32::MAX))
    }

    fn string(&mut self, s: &str) -> &mut Self {
        self.i16(i16::try_from(s.len()).unwrap_or(i16::MAX));
        self.0.extend_from_slice(s.as_bytes());
        self
    }

    /// An unsigned varint: compact lengths and tagged-field counts.
    fn uvarint(&mut self, mut v: u32) -> &mut Self {
        while v >= 0x80 {
            self.0.push(u8::try_from(v & 0x7f).unwrap_or(0) | 0x80);
            v >>= 7;
        }
        self.0.push(u8::try_from(v).unwrap_or(0));
        self
    }
}

/// The response (after its size) to one request.
fn answer(
    request: &[u8],
    advertised: SocketAddr,
    produced: &Mutex<Vec<Produced>>,
) -> Result<Vec<u8>> {
    let mut r = Reader {
        whole: request,
        rest: request,
    };
    let (key, version, correlation) = (r.i16()?, r.i16()?, r.i32()?);
    let _client_id = r.string()?;
    let mut w = Writer::default();
    w.i32(correlation);
    match key {
        API_VERSIONS => api_versions(&mut w, version),
        METADATA if version == 0 => metadata(&mut r, &mut w, advertised)?,
        PRODUCE if (3..=7).contains(&version) => produce(&mut r, &mut w, version, produced)?,
        LIST_OFFSETS if version == 1 => list_offsets(&mut r, &mut w, produced)?,
        FETCH if (4..=10).contains(&version) => fetch(&mut r, &mut w, version, produced)?,
        _ => return Err(Error(format!("unsupported request {key} v{version}"))),
    }
    Ok(w.0)
}

/// `ApiVersions`: the flexible form from version 3 (its response header stays version 0).
fn api_versions(w: &mut Writer, version: i16) {
    let flexible = version >= 3;
    let known = (0..=3).contains(&version);
    w.i16(if known { 0 } else { UNSUPPORTED_VERSION });
    if flexible {
        w.uvarint(u32::try_from(SUPPORTED.len() + 1).unwrap_or(0));
    } else {
        w.count(SUPPORTED.len());
    }
    for (key, min, max) in SUPPORTED {
        w.i16(key).i16(min).i16(max);
        if flexible {
            w.uvarint(0);
        }
    }
    if version >= 1 {
        w.i32(0);
    }
    if flexible {
        w.uvarint(0);
    }
}

/// `Metadata` 0: this broker, and each topic asked for with one partition it leads.
fn metadata(r: &mut Reader<'_>, w: &mut Writer, advertised: SocketAddr) -> Result<()> {
    let mut topics = Vec::new();
    for _ in 0..r.count()? {
        topics.extend(r.string()?);
    }
    w.count(1)
        .i32(NODE_ID)
        .string(&advertised.ip().to_string())
        .i32(i32::from(advertised.port()));
    w.count(topics.len());
    for topic in &topics {
        w.i16(0).string(topic).count(1);
        w.i16(0).i32(0).i32(NODE_ID);
        w.count(1).i32(NODE_ID).count(1).i32(NODE_ID);
    }
    Ok(())
}

/// `Produce` 3 to 7 (one layout; from 5 each partition's answer has its log start offset):
/// keeps each partition's records and acknowledges them at offset 0.
fn produce(
    r: &mut Reader<'_>,
    w: &mut Writer,
    version: i16,
    produced: &Mutex<Vec<Produced>>,
) -> Result<()> {
    let mut framed = u32::try_from(r.whole.len())
        .unwrap_or(u32::MAX)
        .to_be_bytes()
        .to_vec();
    framed.extend_from_slice(r.whole);
    let _transactional_id = r.string()?;
    let (acks, _timeout) = (r.i16()?, r.i32()?);
    if acks == 0 {
        return Err(Error::msg("acks=0 wants no response"));
    }
    per_partition(
        r,
        w,
        |r, topic| {
            let partition = r.i32()?;
            let records = r.bytes()?.to_vec();
            if let Ok(mut all) = produced.lock() {
                all.push(Produced {
                    topic: topic.to_owned(),
                    partition,
                    records,
                    request: framed.clone(),
                });
            }
            Ok(partition)
        },
        |w, &partition| {
            w.i32(partition).i16(0).i64(0).i64(-1);
            if version >= 5 {
                w.i64(0);
            }
        },
    )?;
    w.i32(0);
    Ok(())
}

/// Reads a request's topics and their partitions, each partition's fields by `read` (given its
/// topic), and writes the answer in the same shape, each partition's by `write`.
fn per_partition<'a, T>(
    r: &mut Reader<'a>,
    w: &mut Writer,
    mut read: impl FnMut(&mut Reader<'a>, &str) -> Result<T>,
    write: impl Fn(&mut Writer, &T),
) -> Result<()> {
    let mut answers = Vec::new();
    for _ in 0..r.count()? {
        let topic = r.string()?.unwrap_or_default();
        let mut partitions = Vec::new();
        for _ in 0..r.count()? {
            partitions.push(read(r, &topic)?);
        }
        answers.push((topic, partitions));
    }
    w.count(answers.len());
    for (topic, partitions) in &answers {
        w.string(topic).count(partitions.len());
        for partition in partitions {
            write(w, partition);
        }
    }
    Ok(())
}

/// The last batch produced to `topic`'s `partition`, and the offset after it (its record
/// count: every batch is kept as produced, from offset 0).
fn last_batch(produced: &Mutex<Vec<Produced>>, topic: &str, partition: i32) -> (Vec<u8>, i64) {
    let Ok(all) = produced.lock() else {
        return (Vec::new(), 0);
    };
    all.iter()
        .rev()
        .find(|p| p.topic == topic && p.partition == partition)
        .map_or((Vec::new(), 0), |p| {
            let last_delta = p
                .records
                .get(23..27)
                .and_then(|b| <[u8; 4]>::try_from(b).ok())
                .map_or(0, i32::from_be_bytes);
            (p.records.clone(), i64::from(last_delta) + 1)
        })
}

/// `ListOffsets` 1: offset 0 for the earliest (-2), the end of the last batch for the latest.
fn list_offsets(r: &mut Reader<'_>, w: &mut Writer, produced: &Mutex<Vec<Produced>>) -> Result<()> {
    let _replica = r.i32()?;
    per_partition(
        r,
        w,
        |r, topic| {
            let (partition, timestamp) = (r.i32()?, r.i64()?);
            let (_, end) = last_batch(produced, topic, partition);
            Ok((partition, if timestamp == -2 { 0 } else { end }))
        },
        |w, &(partition, offset)| {
            w.i32(partition).i16(0).i64(-1).i64(offset);
        },
    )
}

/// `Fetch` 4 to 10: a partition's last batch when the consumer asks from before its end, else
/// no records (at once: the broker keeps no consumer waiting).
fn fetch(
    r: &mut Reader<'_>,
    w: &mut Writer,
    version: i16,
    produced: &Mutex<Vec<Produced>>,
) -> Result<()> {
    let (_replica, _max_wait, _min_bytes, _max_bytes) = (r.i32()?, r.i32()?, r.i32()?, r.i32()?);
    let _isolation = r.take(1)?;
    if version >= 7 {
        let (_session, _epoch) = (r.i32()?, r.i32()?);
    }
    w.i32(0);
    if version >= 7 {
        w.i16(0).i32(0);
    }
    per_partition(
        r,
        w,
        |r, topic| {
            let partition = r.i32()?;
            if version >= 9 {
                let _leader_epoch = r.i32()?;
            }
            let offset = r.i64()?;
            if version >= 5 {
                let _log_start = r.i64()?;
            }
            let _max = r.i32()?;
            let (batch, end) = last_batch(produced, topic, partition);
            let records = if offset < end { batch } else { Vec::new() };
            Ok((partition, end, records))
        },
        |w, (partition, end, records)| {
            w.i32(*partition).i16(0).i64(*end).i64(*end);
            if version >= 5 {
                w.i64(0);
            }
            w.count(0);
            w.count(records.len());
            w.0.extend_from_slice(records);
        },
    )
}

/// A codec librdkafka compresses record batches with (`compression.codec`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    None,
    Gzip,
    Snappy,
    Lz4,
    Zstd,
}

impl Codec {
    /// Every codec.
    pub const ALL: [Self; 5] = [Self::None, Self::Gzip, Self::Snappy, Self::Lz4, Self::Zstd];

    /// Its id in a record batch's attributes (their low three bits).
    #[must_use]
    pub fn attribute_bits(self) -> u8 {
        match self {
            Self::None => 0,
            Self::Gzip => 1,
            Self::Snappy => 2,
            Self::Lz4 => 3,
            Self::Zstd => 4,
        }
    }

    /// Its name for librdkafka's `compression.codec`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Gzip => "gzip",
            Self::Snappy => "snappy",
            Self::Lz4 => "lz4",
            Self::Zstd => "zstd",
        }
    }
}

/// `kcat` in `ns` in `mode` (`-P` produce, `-C` consume) on partition 0 of `topic` at `server`.
fn kcat(ns: &NsRef, mode: &str, server: SocketAddr, topic: &str) -> Result<Command> {
    let mut cmd: Command = ns.exec("kcat")?;
    cmd.args([mode, "-b", &server.to_string(), "-t", topic, "-p", "0"]);
    Ok(cmd)
}

/// From `ns`, produces the contents of `message` (one message) to partition 0 of `topic` at
/// `server` with `codec`, and waits for its delivery.
///
/// # Errors
/// When `kcat` fails or the message is not delivered in time.
pub fn produce_file(
    ns: &NsRef,
    server: SocketAddr,
    topic: &str,
    codec: Codec,
    message: &Path,
) -> Result<()> {
    let mut cmd = kcat(ns, "-P", server, topic)?;
    cmd.args(["-X", &format!("compression.codec={}", codec.name())])
        .args(["-X", "message.timeout.ms=10000"])
        .args(["-X", "socket.timeout.ms=10000"])
        .arg(message);
    run_ok(&mut cmd, COMMAND_TIMEOUT).map(drop)
}

/// From `ns`, starts a producer of `message` to `topic` at `server` that waits 20 s before it
/// sends its batch (`linger.ms`): its connection, set up at once, stays open meanwhile. Stopped
/// (by PID) when dropped.
///
/// # Errors
/// When `kcat` cannot start.
pub fn lingering_producer(
    ns: &NsRef,
    server: SocketAddr,
    topic: &str,
    message: &Path,
    log_dir: &Path,
) -> Result<Proc> {
    let mut cmd = kcat(ns, "-P", server, topic)?;
    cmd.args(["-X", "linger.ms=20000"]).arg(message);
    Proc::spawn("kcat-lingering", &mut cmd, log_dir)
}

/// From `ns`, consumes the first message of partition 0 of `topic` at `server` and returns it.
///
/// # Errors
/// When `kcat` fails or gets no message in time.
pub fn consume_first(ns: &NsRef, server: SocketAddr, topic: &str) -> Result<String> {
    let mut cmd = kcat(ns, "-C", server, topic)?;
    cmd.args(["-o", "beginning", "-c", "1", "-e"])
        .args(["-X", "socket.timeout.ms=10000"]);
    run_ok(&mut cmd, COMMAND_TIMEOUT)
}
