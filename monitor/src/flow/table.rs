//! The flow table: one entry per flow direction, bounded in size, expired when idle.
//!
//! Each entry assembles its direction's samples into a stream, decodes the stream's start and
//! scans its clear text with the detection engine. What one direction learns about the
//! connection (the sender's role, TLS details) is shared with the reverse direction's entry.

use std::{
    collections::{BTreeMap, HashMap},
    fmt,
    time::{Duration, SystemTime},
};

use monitor_detect::{Engine, Finding, StreamScanner};

use crate::{
    flow::{
        reassembly::{Chunk, Reassembler, ReassemblyConfig, ReassemblyStats},
        role::{self, InferredRole},
    },
    model::{Attribution, DetectionEvent, FlowKey, FlowView, PacketSample, TlsInfo},
    protocol::{DecodeEvent, ProtocolError, StreamDecoder, tls::Hello},
};

const TCP_FIN: u8 = 0x01;
const TCP_RST: u8 = 0x04;

/// Bounds and timeouts of a [`FlowTable`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowTableConfig {
    /// Most flow directions tracked; when full, the least recently updated one is evicted.
    pub max_entries: usize,
    /// A direction with no new packet for this long is expired.
    pub idle_timeout: Duration,
    /// Shorter timeout once a direction sent FIN or the connection was reset.
    pub closed_timeout: Duration,
    /// Bounds on what one direction holds back for reassembly.
    pub reassembly: ReassemblyConfig,
    /// Most payload bytes all directions together hold back: out of order for reassembly, HTTP
    /// messages whose decoded body is still arriving, and database schema kept for later
    /// segments (result set heads, prepared statements). Each direction is bounded on its own
    /// too, but `max_entries` of them could hold gigabytes; beyond this budget the directions
    /// updated least recently release theirs first (scanned as after a gap, so nothing goes
    /// unscanned).
    pub max_held_bytes: usize,
}

impl Default for FlowTableConfig {
    fn default() -> Self {
        Self {
            max_entries: 65_536,
            idle_timeout: Duration::from_mins(2),
            closed_timeout: Duration::from_secs(10),
            reassembly: ReassemblyConfig::default(),
            max_held_bytes: 64 << 20,
        }
    }
}

/// Counters of a [`FlowTable`] since it was created.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlowTableStats {
    /// Directions tracked now.
    pub entries: usize,
    /// Directions dropped to make room for new ones.
    pub evictions: u64,
    /// Directions removed by idle expiry.
    pub expired: u64,
    /// Holes in reassembled streams (lost or unsampled bytes).
    pub gaps: u64,
    /// Retransmitted or overlapping bytes dropped by reassembly.
    pub duplicate_bytes: u64,
    /// Protocol decoding failures by [`ProtocolError::kind`](crate::protocol::ProtocolError::kind).
    pub parse_errors: BTreeMap<&'static str, u64>,
    /// Payload bytes all directions hold back now (reassembly and HTTP messages).
    pub held_bytes: usize,
    /// Directions made to release what they held before their time, to keep the table within
    /// [`FlowTableConfig::max_held_bytes`].
    pub budget_releases: u64,
}

/// What ingesting one sample (or one direction's kernel counters) produced.
#[derive(Debug, Default)]
pub struct Ingested {
    /// The sample's direction was not tracked before: its view after this sample.
    pub new_flow: Option<FlowView>,
    /// Findings in the clear text the sample completed, and in what other directions released
    /// (evicted, or over the table's budget); spans and redacted evidence only.
    pub detections: Vec<DetectionEvent>,
}

/// What expiry produced.
#[derive(Debug, Default)]
pub struct Expired {
    /// The last views of the directions removed, ordered by key.
    pub views: Vec<FlowView>,
    /// Findings in the bytes they and the directions whose holes waited too long held back.
    pub detections: Vec<DetectionEvent>,
}

/// One flow direction.
struct Direction {
    role: InferredRole,
    packets: u64,
    bytes: u64,
    /// Counters come from the kernel's per-flow map: samples no longer add to them.
    kernel_counters: bool,
    first_seen: SystemTime,
    last_seen: SystemTime,
    attribution: Attribution,
    /// TLS details of the connection (kept equal on both directions).
    tls: Option<TlsInfo>,
    /// FIN sent on this direction, or the connection was reset.
    closing: bool,
    reassembler: Reassembler,
    decoder: StreamDecoder,
    scanner: StreamScanner,
    /// Stream offset the scanner expects next; a chunk elsewhere restarts it.
    scanner_next: Option<u64>,
    /// Position in the table's recency order.
    recency: u64,
}

impl Direction {
    fn view(&self, key: FlowKey) -> FlowView {
        FlowView {
            key,
            sender_role: self.role.role,
            protocol: self.decoder.protocol(),
            tls: self.tls.clone(),
            packets: self.packets,
            bytes: self.bytes,
            first_seen: self.first_seen,
            last_seen: self.last_seen,
            attribution: self.attribution,
        }
    }

    fn touch_time(&mut self, now: SystemTime) {
        self.last_seen = self.last_seen.max(now);
    }

    /// Takes one sample of this direction: counts it, reassembles, decodes and scans.
    fn absorb(&mut self, sample: &PacketSample, engine: &Engine) -> Absorbed {
        let mut absorbed = Absorbed::default();
        self.touch_time(sample.at);
        if !self.kernel_counters {
            // The parts of one large packet add up to its bytes; only its first is a packet.
            self.packets = self.packets.saturating_add(u64::from(sample.part == 0));
            self.bytes = self.bytes.saturating_add(u64::from(sample.wire_len));
        }
        let mut closing_now = false;
        if let Some(tcp) = sample.tcp {
            if let Some(inferred) = role::from_tcp_flags(tcp.flags) {
                self.role.update(inferred);
                absorbed.update.role = Some(inferred);
            }
            closing_now = tcp.flags & (TCP_FIN | TCP_RST) != 0;
            absorbed.update.reset = tcp.flags & TCP_RST != 0;
            self.closing |= closing_now;
        }
        let before = self.reassembler.stats();
        let mut chunks = self.reassembler.push(sample);
        if closing_now {
            // No later sample of this direction will fill a hole.
            chunks.extend(self.reassembler.flush());
        }
        self.scan_chunks(&chunks, before, engine, &mut absorbed);
        absorbed
    }

    /// Payload bytes held: out-of-order bytes reassembly holds back, an HTTP message the
    /// scanner keeps until its chunked or compressed body has arrived, and the database schema
    /// it keeps for later segments (a result set's head, prepared statements).
    fn held(&self) -> usize {
        self.reassembler
            .pending_bytes()
            .saturating_add(self.scanner.held_bytes())
    }

    /// Releases what reassembly holds back, decoded and scanned: everything, or with
    /// `stale_at` only what has waited too long by then. Releasing everything also lets go of
    /// what the scanner keeps (a message scanned as far as it arrived, database schema).
    fn release(&mut self, stale_at: Option<SystemTime>, engine: &Engine) -> Absorbed {
        let mut absorbed = Absorbed::default();
        let before = self.reassembler.stats();
        let chunks = match stale_at {
            Some(now) => self.reassembler.release_stale(now),
            None => self.reassembler.flush(),
        };
        self.scan_chunks(&chunks, before, engine, &mut absorbed);
        if stale_at.is_none() {
            self.scanner.release_held(engine);
        }
        absorbed
    }

    /// Decodes and scans the `chunks` reassembly emitted, and counts the gaps and duplicates it
    /// found since its stats were `before`.
    fn scan_chunks(
        &mut self,
        chunks: &[Chunk],
        before: ReassemblyStats,
        engine: &Engine,
        absorbed: &mut Absorbed,
    ) {
        for chunk in chunks {
            self.decode_and_scan(chunk, engine, absorbed);
        }
        let after = self.reassembler.stats();
        absorbed.gaps = after.gaps.saturating_sub(before.gaps);
        absorbed.duplicate_bytes = after.duplicate_bytes.saturating_sub(before.duplicate_bytes);
    }

    fn decode_and_scan(&mut self, chunk: &Chunk, engine: &Engine, absorbed: &mut Absorbed) {
        let decoded = self
            .decoder
            .feed(chunk.offset, &chunk.bytes, chunk.after_gap);
        absorbed.errors.extend(decoded.error);
        if let Some(event) = &decoded.event {
            self.role.update(role::from_event(event));
            absorbed.update.role = Some(self.role);
            if let Some(tls) = tls_update(self.tls.clone(), event) {
                self.tls = Some(tls.clone());
                absorbed.update.tls = Some(tls);
            }
        }
        let clear = chunk
            .bytes
            .get(decoded.clear_text.clone())
            .unwrap_or_default();
        if clear.is_empty() {
            return;
        }
        let start = chunk
            .offset
            .saturating_add(len_u64(decoded.clear_text.start));
        if chunk.after_gap || self.scanner_next != Some(start) {
            // The scanner must not join bytes across a hole.
            self.scanner = StreamScanner::new();
        }
        self.scanner_next = Some(start.saturating_add(len_u64(clear.len())));
        absorbed
            .findings
            .extend(self.scanner.feed(engine, start, clear));
    }
}

/// What one sample produced, for the table to account and share.
#[derive(Default)]
struct Absorbed {
    update: ConnectionUpdate,
    errors: Vec<ProtocolError>,
    findings: Vec<Finding>,
    gaps: u64,
    duplicate_bytes: u64,
}

/// What one sample taught about the whole connection, applied to the reverse direction too.
#[derive(Default)]
struct ConnectionUpdate {
    role: Option<InferredRole>,
    tls: Option<TlsInfo>,
    reset: bool,
}

/// Flow directions by key, bounded, with least-recently-updated eviction and idle expiry.
pub struct FlowTable {
    config: FlowTableConfig,
    flows: HashMap<FlowKey, Direction>,
    /// Keys by last update, oldest first.
    recency: BTreeMap<u64, FlowKey>,
    /// The directions holding bytes back for reassembly, by last update, oldest first.
    holders: BTreeMap<u64, FlowKey>,
    next_recency: u64,
    stats: FlowTableStats,
}

impl fmt::Debug for FlowTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Entries hold payload bytes (reassembly buffers, scanner windows): counts only.
        f.debug_struct("FlowTable")
            .field("config", &self.config)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl FlowTable {
    /// A table with `config`; a `max_entries` of 0 is taken as 1.
    #[must_use]
    pub fn new(config: FlowTableConfig) -> Self {
        let config = FlowTableConfig {
            max_entries: config.max_entries.max(1),
            ..config
        };
        Self {
            config,
            flows: HashMap::new(),
            recency: BTreeMap::new(),
            holders: BTreeMap::new(),
            next_recency: 0,
            stats: FlowTableStats::default(),
        }
    }

    /// Ingests one sample: assembles its direction's stream, decodes it, and scans its clear
    /// text with `engine`.
    #[expect(
        clippy::needless_pass_by_value,
        reason = "the table takes the sample over: its payload is dropped once scanned"
    )]
    pub fn ingest(&mut self, sample: PacketSample, engine: &Engine) -> Ingested {
        let key = sample.key;
        let mut detections = Vec::new();
        let created = self
            .ensure(key, sample.at, engine, &mut detections)
            .is_some();
        self.touch(key);
        let Some(dir) = self.flows.get_mut(&key) else {
            return Ingested {
                new_flow: None,
                detections,
            };
        };
        let held_before = dir.held();
        let absorbed = dir.absorb(&sample, engine);
        let view = dir.view(key);
        self.held_changed(key, held_before);
        detections.extend(self.account(&view, absorbed, sample.at));
        self.keep_within_budget(sample.at, engine, &mut detections);
        Ingested {
            new_flow: created.then_some(view),
            detections,
        }
    }

    /// Sets a direction's counters from the kernel's per-flow map (cumulative packets and
    /// bytes, which from then on replace sample counting) and merges its socket attribution.
    /// Creates the entry if missing, so flows without payload samples show too; returns its
    /// view when it was created.
    ///
    /// A direction evicted to make room releases what it held, scanned with `engine`.
    pub fn update_counters(
        &mut self,
        key: FlowKey,
        counters: (u64, u64),
        attribution: Option<Attribution>,
        now: SystemTime,
        engine: &Engine,
    ) -> Ingested {
        let (packets, bytes) = counters;
        let mut detections = Vec::new();
        let created = self.ensure(key, now, engine, &mut detections);
        let Some(dir) = self.flows.get_mut(&key) else {
            return Ingested {
                new_flow: None,
                detections,
            };
        };
        let changed = !dir.kernel_counters || dir.packets != packets || dir.bytes != bytes;
        dir.kernel_counters = true;
        dir.packets = packets;
        dir.bytes = bytes;
        if let Some(a) = attribution {
            dir.attribution.socket_cookie = a.socket_cookie.or(dir.attribution.socket_cookie);
            dir.attribution.cgroup_id = a.cgroup_id.or(dir.attribution.cgroup_id);
        }
        let attribution = dir.attribution;
        // An unchanged counter is not activity: polling must not keep idle flows alive.
        if changed {
            dir.touch_time(now);
            self.touch(key);
        }
        Ingested {
            new_flow: created.map(|view| FlowView {
                packets,
                bytes,
                attribution,
                ..view
            }),
            detections,
        }
    }

    /// Views of every tracked direction, ordered by key.
    #[must_use]
    pub fn snapshot(&self) -> Vec<FlowView> {
        let mut views: Vec<FlowView> = self.flows.iter().map(|(k, d)| d.view(*k)).collect();
        views.sort_by_key(|v| v.key);
        views
    }

    /// Removes directions idle for their timeout at `now`, and releases what directions have
    /// held back for longer than reassembly waits when no sample came to release it. Both are
    /// scanned with `engine` first: nothing held back is dropped unscanned.
    pub fn expire(&mut self, now: SystemTime, engine: &Engine) -> Expired {
        let mut detections = Vec::new();
        let waiting: Vec<FlowKey> = self.holders.values().copied().collect();
        for key in waiting {
            if let Some(dir) = self.flows.get_mut(&key) {
                let held_before = dir.held();
                let absorbed = dir.release(Some(now), engine);
                let view = dir.view(key);
                self.held_changed(key, held_before);
                detections.extend(self.account(&view, absorbed, now));
            }
        }
        let (idle, closed) = (self.config.idle_timeout, self.config.closed_timeout);
        let expired: Vec<FlowKey> = self
            .flows
            .iter()
            .filter(|(_, d)| {
                let timeout = if d.closing { closed.min(idle) } else { idle };
                now.duration_since(d.last_seen)
                    .is_ok_and(|idle_for| idle_for >= timeout)
            })
            .map(|(k, _)| *k)
            .collect();
        let mut views = Vec::with_capacity(expired.len());
        for key in expired {
            if let Some((view, released)) = self.retire(key, now, engine) {
                detections.extend(released);
                views.push(view);
            }
        }
        self.stats.expired = self.stats.expired.saturating_add(len_u64(views.len()));
        views.sort_by_key(|v| v.key);
        Expired { views, detections }
    }

    #[must_use]
    pub fn stats(&self) -> FlowTableStats {
        FlowTableStats {
            entries: self.flows.len(),
            ..self.stats.clone()
        }
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.flows.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }

    /// Creates the entry for `key` if missing (evicting the least recently updated one when
    /// full); returns its view when created. A new direction inherits what the reverse
    /// direction knows about the connection.
    ///
    /// An evicted direction's held bytes are scanned with `engine` into `detections`.
    fn ensure(
        &mut self,
        key: FlowKey,
        now: SystemTime,
        engine: &Engine,
        detections: &mut Vec<DetectionEvent>,
    ) -> Option<FlowView> {
        if self.flows.contains_key(&key) {
            return None;
        }
        while self.flows.len() >= self.config.max_entries {
            let Some((_, oldest)) = self.recency.first_key_value() else {
                break;
            };
            let oldest = *oldest;
            if let Some((_, released)) = self.retire(oldest, now, engine) {
                detections.extend(released);
            }
            self.stats.evictions = self.stats.evictions.saturating_add(1);
        }
        let reverse = self.flows.get(&key.reversed());
        let mut inferred = role::from_ports(&key);
        let mut tls = None;
        if let Some(reverse) = reverse {
            inferred.update(reverse.role.opposite());
            tls.clone_from(&reverse.tls);
        }
        let dir = Direction {
            role: inferred,
            packets: 0,
            bytes: 0,
            kernel_counters: false,
            first_seen: now,
            last_seen: now,
            attribution: Attribution::default(),
            tls,
            closing: false,
            reassembler: Reassembler::new(key.transport, self.config.reassembly),
            decoder: StreamDecoder::new(),
            scanner: StreamScanner::new(),
            scanner_next: None,
            recency: 0,
        };
        let view = dir.view(key);
        self.flows.insert(key, dir);
        self.touch(key);
        Some(view)
    }

    /// Marks `key` as the most recently updated direction.
    fn touch(&mut self, key: FlowKey) {
        if let Some(dir) = self.flows.get_mut(&key) {
            self.recency.remove(&dir.recency);
            let holds = self.holders.remove(&dir.recency).is_some();
            self.next_recency = self.next_recency.saturating_add(1);
            dir.recency = self.next_recency;
            self.recency.insert(dir.recency, key);
            if holds {
                self.holders.insert(dir.recency, key);
            }
        }
    }

    /// Accounts for a change in what `key` holds back, from `before` bytes.
    fn held_changed(&mut self, key: FlowKey, before: usize) {
        let Some(dir) = self.flows.get(&key) else {
            return;
        };
        let now = dir.held();
        if before == 0 && now == 0 {
            // The common case per sample: held nothing, holds nothing, is no holder.
            return;
        }
        self.stats.held_bytes = self
            .stats
            .held_bytes
            .saturating_sub(before)
            .saturating_add(now);
        if now > 0 {
            self.holders.insert(dir.recency, key);
        } else {
            self.holders.remove(&dir.recency);
        }
    }

    /// Releases what the least recently updated directions hold until the table is within its
    /// budget.
    fn keep_within_budget(
        &mut self,
        now: SystemTime,
        engine: &Engine,
        detections: &mut Vec<DetectionEvent>,
    ) {
        // Each pass empties one holder.
        while self.stats.held_bytes > self.config.max_held_bytes {
            let Some((_, &key)) = self.holders.first_key_value() else {
                break;
            };
            let Some(dir) = self.flows.get_mut(&key) else {
                self.holders.pop_first();
                continue;
            };
            let held_before = dir.held();
            let absorbed = dir.release(None, engine);
            let view = dir.view(key);
            self.held_changed(key, held_before);
            self.stats.budget_releases = self.stats.budget_releases.saturating_add(1);
            detections.extend(self.account(&view, absorbed, now));
        }
    }

    /// Removes `key` after scanning what it held back; returns its last view and the findings.
    fn retire(
        &mut self,
        key: FlowKey,
        now: SystemTime,
        engine: &Engine,
    ) -> Option<(FlowView, Vec<DetectionEvent>)> {
        let mut dir = self.remove(&key)?;
        let absorbed = dir.release(None, engine);
        let view = dir.view(key);
        let detections = self.account(&view, absorbed, now);
        Some((view, detections))
    }

    fn remove(&mut self, key: &FlowKey) -> Option<Direction> {
        let dir = self.flows.remove(key)?;
        self.recency.remove(&dir.recency);
        self.holders.remove(&dir.recency);
        self.stats.held_bytes = self.stats.held_bytes.saturating_sub(dir.held());
        Some(dir)
    }

    /// Counts what absorbing did in the direction of `view` and turns its findings into
    /// events at `at`; shares what it learned with the reverse direction.
    fn account(
        &mut self,
        view: &FlowView,
        absorbed: Absorbed,
        at: SystemTime,
    ) -> Vec<DetectionEvent> {
        self.stats.gaps = self.stats.gaps.saturating_add(absorbed.gaps);
        self.stats.duplicate_bytes = self
            .stats
            .duplicate_bytes
            .saturating_add(absorbed.duplicate_bytes);
        for error in absorbed.errors {
            let count = self.stats.parse_errors.entry(error.kind()).or_default();
            *count = count.saturating_add(1);
        }
        self.apply_to_reverse(view.key, absorbed.update);
        absorbed
            .findings
            .into_iter()
            .map(|finding| DetectionEvent {
                flow: view.clone(),
                finding,
                at,
            })
            .collect()
    }

    /// Shares what one direction learned with the reverse direction, if tracked.
    fn apply_to_reverse(&mut self, key: FlowKey, update: ConnectionUpdate) {
        let Some(reverse) = self.flows.get_mut(&key.reversed()) else {
            return;
        };
        if let Some(inferred) = update.role {
            reverse.role.update(inferred.opposite());
        }
        if let Some(tls) = update.tls {
            let merged = reverse.tls.get_or_insert_default();
            merged.version = tls.version.or(merged.version);
            merged.cipher_suite = tls.cipher_suite.or(merged.cipher_suite.take());
            merged.sni = tls.sni.or(merged.sni.take());
        }
        reverse.closing |= update.reset;
    }
}

/// The connection's TLS details after `event`: SNI from a `ClientHello`, version and cipher
/// suite from a `ServerHello`; `None` when the event is not a TLS hello.
fn tls_update(current: Option<TlsInfo>, event: &DecodeEvent) -> Option<TlsInfo> {
    let DecodeEvent::TlsHello(hello) = event else {
        return None;
    };
    let mut info = current.unwrap_or_default();
    match hello {
        Hello::Client(client) => info.sni.clone_from(&client.sni),
        Hello::Server(server) => {
            info.version = server.version;
            info.cipher_suite = Some(server.cipher_suite.to_string());
        }
    }
    Some(info)
}

fn len_u64(len: usize) -> u64 {
    u64::try_from(len).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use monitor_detect::EngineConfig;
    use proptest::prelude::*;

    use super::*;
    use crate::model::{Protocol, Role, SampleKind, TcpMeta, TlsVersion, Transport};

    const TLS13_CLIENT: &[u8] = include_bytes!("../protocol/testdata/tls13_client_flight.bin");
    const TLS13_SERVER: &[u8] = include_bytes!("../protocol/testdata/tls13_server_flight.bin");
    const SYN: u8 = 0x02;
    const ACK: u8 = 0x10;
    const PSH_ACK: u8 = 0x18;
    const FIN_ACK: u8 = 0x11;
    const RST: u8 = 0x04;

    fn engine() -> Engine {
        Engine::new(EngineConfig::default()).expect("default config is valid")
    }

    fn t(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000 + secs)
    }

    fn key(src: &str, dst: &str) -> FlowKey {
        FlowKey {
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            transport: Transport::Tcp,
        }
    }

    fn sample(key: FlowKey, seq: u32, flags: u8, payload: &[u8], at: SystemTime) -> PacketSample {
        PacketSample {
            key,
            at,
            tcp: Some(TcpMeta { seq, flags }),
            wire_len: u32::try_from(payload.len()).unwrap(),
            payload: Bytes::copy_from_slice(payload),
            kind: SampleKind::Head,
            part: 0,
        }
    }

    fn view(table: &FlowTable, key: FlowKey) -> FlowView {
        table
            .snapshot()
            .into_iter()
            .find(|v| v.key == key)
            .expect("tracked")
    }

    #[test]
    fn syn_and_syn_ack_name_client_and_server() {
        let (e, mut table) = (engine(), FlowTable::new(FlowTableConfig::default()));
        // Both ports ephemeral: only the handshake can tell.
        let c2s = key("10.1.0.1:40000", "10.1.0.2:45000");
        let first = table.ingest(sample(c2s, 7, SYN, b"", t(0)), &e);
        assert_eq!(first.new_flow.map(|v| v.sender_role), Some(Role::Client));
        table.ingest(sample(c2s.reversed(), 900, SYN | ACK, b"", t(0)), &e);
        assert_eq!(view(&table, c2s).sender_role, Role::Client);
        assert_eq!(view(&table, c2s.reversed()).sender_role, Role::Server);
        // A response-looking payload does not overrule the handshake.
        table.ingest(
            sample(c2s, 8, PSH_ACK, b"HTTP/1.1 200 OK\r\n\r\n", t(1)),
            &e,
        );
        assert_eq!(view(&table, c2s).sender_role, Role::Client);
        assert!(
            table
                .ingest(sample(c2s, 8, ACK, b"", t(1)), &e)
                .new_flow
                .is_none()
        );
    }

    #[test]
    fn hellos_name_the_roles_when_ports_cannot() {
        let (e, mut table) = (engine(), FlowTable::new(FlowTableConfig::default()));
        let c2s = key("10.1.0.1:40000", "10.1.0.2:45000");
        let created = table.ingest(sample(c2s, 1, PSH_ACK, TLS13_CLIENT, t(0)), &e);
        assert_eq!(created.new_flow.map(|v| v.sender_role), Some(Role::Client));
        // The reverse direction, created later, inherits the opposite role.
        let reverse = table.update_counters(c2s.reversed(), (3, 1400), None, t(1), &e);
        assert_eq!(reverse.new_flow.map(|v| v.sender_role), Some(Role::Server));
    }

    #[test]
    fn ports_name_the_roles_without_a_handshake_or_hello() {
        let (e, mut table) = (engine(), FlowTable::new(FlowTableConfig::default()));
        let c2s = key("10.1.0.1:51000", "10.1.0.2:1883");
        table.ingest(
            sample(
                c2s,
                1,
                PSH_ACK,
                b"\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c",
                t(0),
            ),
            &e,
        );
        let v = view(&table, c2s);
        assert_eq!((v.sender_role, v.protocol), (Role::Client, Protocol::Mqtt));
    }

    #[test]
    fn tls_details_are_shared_by_both_directions() {
        let (e, mut table) = (engine(), FlowTable::new(FlowTableConfig::default()));
        let c2s = key("10.1.0.1:51000", "10.1.0.2:8883");
        // Server flight first: the client direction does not exist yet.
        table.ingest(sample(c2s.reversed(), 1, PSH_ACK, TLS13_SERVER, t(0)), &e);
        table.ingest(sample(c2s, 1, PSH_ACK, &TLS13_CLIENT[..120], t(0)), &e);
        let server_side = view(&table, c2s.reversed())
            .tls
            .expect("from the ServerHello");
        assert_eq!(server_side.version, Some(TlsVersion::V1_3));
        assert_eq!(server_side.sni, None, "the ClientHello is not complete yet");
        table.ingest(sample(c2s, 121, PSH_ACK, &TLS13_CLIENT[120..], t(1)), &e);
        for k in [c2s, c2s.reversed()] {
            let v = view(&table, k);
            assert_eq!(v.protocol, Protocol::Tls);
            let tls = v.tls.expect("shared");
            assert_eq!(tls.version, Some(TlsVersion::V1_3));
            assert_eq!(tls.cipher_suite.as_deref(), Some("TLS_AES_256_GCM_SHA384"));
            assert_eq!(tls.sni.as_deref(), Some("sensor-gw.example.test"));
        }
    }

    #[test]
    fn a_full_table_evicts_the_least_recently_updated_direction() {
        let e = engine();
        let mut table = FlowTable::new(FlowTableConfig {
            max_entries: 2,
            ..Default::default()
        });
        let a = key("10.1.0.1:50001", "10.1.0.9:80");
        let b = key("10.1.0.1:50002", "10.1.0.9:80");
        let c = key("10.1.0.1:50003", "10.1.0.9:80");
        table.ingest(sample(a, 1, PSH_ACK, b"x", t(0)), &e);
        table.ingest(sample(b, 1, PSH_ACK, b"x", t(1)), &e);
        table.ingest(sample(a, 2, PSH_ACK, b"y", t(2)), &e);
        table.ingest(sample(c, 1, PSH_ACK, b"x", t(3)), &e);
        let keys: Vec<FlowKey> = table.snapshot().into_iter().map(|v| v.key).collect();
        assert_eq!(keys, vec![a, c]);
        let stats = table.stats();
        assert_eq!((stats.entries, stats.evictions), (2, 1));
    }

    #[test]
    fn idle_directions_expire_and_closed_ones_sooner() {
        let e = engine();
        let mut table = FlowTable::new(FlowTableConfig::default());
        let idle = key("10.1.0.1:50001", "10.1.0.9:80");
        let closed = key("10.1.0.1:50002", "10.1.0.9:80");
        table.ingest(
            sample(idle, 1, PSH_ACK, b"GET / HTTP/1.1\r\n\r\n", t(0)),
            &e,
        );
        table.ingest(
            sample(closed, 1, PSH_ACK, b"GET / HTTP/1.1\r\n\r\n", t(0)),
            &e,
        );
        table.ingest(sample(closed, 19, FIN_ACK, b"", t(0)), &e);
        assert!(table.expire(t(9), &e).views.is_empty());
        let gone: Vec<FlowKey> = table
            .expire(t(10), &e)
            .views
            .into_iter()
            .map(|v| v.key)
            .collect();
        assert_eq!(gone, vec![closed]);
        assert!(table.expire(t(119), &e).views.is_empty());
        assert_eq!(table.expire(t(120), &e).views.len(), 1);
        assert!(table.is_empty());
        assert_eq!(table.stats().expired, 2);
        // A clock that went backwards expires nothing.
        table.ingest(sample(idle, 1, PSH_ACK, b"x", t(500)), &e);
        assert!(table.expire(t(0), &e).views.is_empty());
    }

    #[test]
    fn a_reset_closes_both_directions() {
        let (e, mut table) = (engine(), FlowTable::new(FlowTableConfig::default()));
        let c2s = key("10.1.0.1:50001", "10.1.0.9:80");
        table.ingest(sample(c2s, 1, PSH_ACK, b"x", t(0)), &e);
        table.ingest(sample(c2s.reversed(), 1, PSH_ACK, b"y", t(0)), &e);
        table.ingest(sample(c2s.reversed(), 2, RST, b"", t(0)), &e);
        assert_eq!(table.expire(t(10), &e).views.len(), 2);
    }

    #[test]
    fn kernel_counters_replace_sample_counts_and_polling_is_not_activity() {
        let (e, mut table) = (engine(), FlowTable::new(FlowTableConfig::default()));
        let k = key("10.1.0.1:50001", "10.1.0.9:443");
        table.ingest(sample(k, 1, PSH_ACK, b"abc", t(0)), &e);
        assert_eq!((view(&table, k).packets, view(&table, k).bytes), (1, 3));
        let attribution = Attribution {
            socket_cookie: Some(42),
            cgroup_id: None,
        };
        assert!(
            table
                .update_counters(k, (10, 5000), Some(attribution), t(1), &e)
                .new_flow
                .is_none()
        );
        let cgroup = Attribution {
            socket_cookie: None,
            cgroup_id: Some(7),
        };
        table.update_counters(k, (10, 5000), Some(cgroup), t(100), &e);
        table.ingest(sample(k, 4, PSH_ACK, b"def", t(2)), &e);
        let v = view(&table, k);
        assert_eq!((v.packets, v.bytes), (10, 5000), "samples no longer count");
        assert_eq!(
            v.attribution,
            Attribution {
                socket_cookie: Some(42),
                cgroup_id: Some(7)
            }
        );
        assert_eq!(
            v.last_seen,
            t(2),
            "an unchanged poll at t(100) is not activity"
        );
        assert_eq!(table.expire(t(122), &e).views.len(), 1);

        let counted_only = key("10.1.0.1:50002", "10.1.0.9:443");
        let created = table
            .update_counters(counted_only, (4, 240), None, t(200), &e)
            .new_flow
            .expect("new");
        assert_eq!(
            (created.packets, created.bytes, created.protocol),
            (4, 240, Protocol::Unknown)
        );
        assert_eq!(created.sender_role, Role::Client);
    }

    #[test]
    fn parse_errors_and_gaps_are_counted() {
        let (e, mut table) = (engine(), FlowTable::new(FlowTableConfig::default()));
        let k = key("10.1.0.1:50001", "10.1.0.9:443");
        table.ingest(sample(k, 0, SYN, b"", t(0)), &e);
        table.ingest(
            sample(
                k,
                1,
                PSH_ACK,
                &[22, 3, 1, 0, 8, 11, 0, 0, 4, 0, 0, 0, 0],
                t(0),
            ),
            &e,
        );
        let mut late = sample(k, 90_001, PSH_ACK, &[23, 3, 3, 0, 1, 0], t(1));
        late.kind = SampleKind::Periodic;
        table.ingest(late, &e);
        let stats = table.stats();
        assert_eq!(stats.parse_errors.get("tls_unexpected_handshake"), Some(&1));
        assert_eq!(stats.gaps, 1);
        assert_eq!(view(&table, k).protocol, Protocol::Tls);
    }

    const EMAIL: &[u8] = b"jane.doe@example.com";

    fn post_with_email() -> Vec<u8> {
        let body = [
            &b"{\"device\":\"th-7\",\"owner_email\":\""[..],
            EMAIL,
            b"\"}",
        ]
        .concat();
        let head = format!(
            "POST /v1/telemetry HTTP/1.1\r\nHost: ingest.example.test\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        [head.as_bytes(), &body].concat()
    }

    fn position(haystack: &[u8], needle: &[u8]) -> usize {
        haystack
            .windows(needle.len())
            .position(|w| w == needle)
            .expect("present")
    }

    #[test]
    fn clear_text_split_over_packets_is_scanned_as_one_stream() {
        let (e, mut table) = (engine(), FlowTable::new(FlowTableConfig::default()));
        let k = key("10.1.0.1:50001", "10.1.0.9:80");
        let request = post_with_email();
        let at = position(&request, EMAIL);
        // Inside the domain: neither side alone is an address.
        let cut = at + 12;
        table.ingest(sample(k, 0, SYN, b"", t(0)), &e);
        let first = table.ingest(sample(k, 1, PSH_ACK, &request[..cut], t(0)), &e);
        let second = table.ingest(
            sample(
                k,
                1 + u32::try_from(cut).unwrap(),
                PSH_ACK,
                &request[cut..],
                t(0),
            ),
            &e,
        );
        let found: Vec<_> = first
            .detections
            .iter()
            .chain(&second.detections)
            .map(|d| &d.finding)
            .collect();
        let email = found
            .iter()
            .find(|f| f.data_type == monitor_detect::DataType::Email)
            .expect("the address straddling two packets is found");
        assert_eq!(
            (email.start, email.end),
            (at, at + EMAIL.len()),
            "absolute stream offsets"
        );
        assert!(!email.evidence.contains("jane.doe"), "evidence is redacted");
        let event = second
            .detections
            .first()
            .expect("reported with the completing packet");
        assert_eq!(
            (event.flow.protocol, event.flow.sender_role),
            (Protocol::Http, Role::Client)
        );
    }

    #[test]
    fn a_gap_keeps_the_scanner_from_joining_the_two_sides() {
        let (e, mut table) = (engine(), FlowTable::new(FlowTableConfig::default()));
        let k = key("10.1.0.1:50001", "10.1.0.9:80");
        let request = post_with_email();
        // Inside the domain: neither side alone is an address.
        let cut = position(&request, EMAIL) + 12;
        table.ingest(sample(k, 0, SYN, b"", t(0)), &e);
        let first = table.ingest(sample(k, 1, PSH_ACK, &request[..cut], t(0)), &e);
        // The rest arrives as a periodic sample after 1000 unsampled bytes.
        let mut rest = sample(
            k,
            1001 + u32::try_from(cut).unwrap(),
            PSH_ACK,
            &request[cut..],
            t(1),
        );
        rest.kind = SampleKind::Periodic;
        let second = table.ingest(rest, &e);
        let emails = first
            .detections
            .iter()
            .chain(&second.detections)
            .filter(|d| d.finding.data_type == monitor_detect::DataType::Email)
            .count();
        assert_eq!(emails, 0);
        assert_eq!(table.stats().gaps, 1);
    }

    #[test]
    fn tls_records_are_never_scanned() {
        let e = engine();
        let record = [
            &[23u8, 3, 3, 0, 40][..],
            b"contact: ",
            EMAIL,
            b" ...........",
        ]
        .concat();
        // Control: the same bytes on a stream of unknown protocol are scanned and found.
        let mut table = FlowTable::new(FlowTableConfig::default());
        let plain = key("10.1.0.1:50002", "10.1.0.9:9000");
        let bare = [&b"contact: "[..], EMAIL, b" ..........."].concat();
        let found = table
            .ingest(sample(plain, 1, PSH_ACK, &bare, t(0)), &e)
            .detections;
        assert!(
            found
                .iter()
                .any(|d| d.finding.data_type == monitor_detect::DataType::Email)
        );

        let tls = key("10.1.0.1:50001", "10.1.0.9:443");
        table.ingest(sample(tls, 0, SYN, b"", t(0)), &e);
        let hello = table.ingest(sample(tls, 1, PSH_ACK, TLS13_CLIENT, t(0)), &e);
        let next = 1 + u32::try_from(TLS13_CLIENT.len()).unwrap();
        let data = table.ingest(sample(tls, next, PSH_ACK, &record, t(0)), &e);
        assert!(hello.detections.is_empty());
        assert!(data.detections.is_empty());
        assert_eq!(view(&table, tls).protocol, Protocol::Tls);
    }

    #[test]
    fn udp_datagrams_are_scanned_one_by_one() {
        let (e, mut table) = (engine(), FlowTable::new(FlowTableConfig::default()));
        let mut k = key("10.1.0.1:50001", "10.1.0.9:5683");
        k.transport = Transport::Udp;
        let datagram = |payload: &[u8]| PacketSample {
            key: k,
            at: t(0),
            tcp: None,
            wire_len: u32::try_from(payload.len()).unwrap(),
            payload: Bytes::copy_from_slice(payload),
            kind: SampleKind::Head,
            part: 0,
        };
        let whole = table
            .ingest(datagram(&[b"to=", EMAIL].concat()), &e)
            .detections;
        assert_eq!(whole.len(), 1);
        assert_eq!(
            (whole[0].finding.start, whole[0].finding.end),
            (3, 3 + EMAIL.len())
        );
        let first = table.ingest(datagram(&EMAIL[..12]), &e).detections;
        let second = table.ingest(datagram(&EMAIL[12..]), &e).detections;
        assert!(
            first.is_empty() && second.is_empty(),
            "datagrams are not joined"
        );
        assert_eq!(view(&table, k).sender_role, Role::Client);
    }

    #[test]
    fn debug_output_holds_no_payload() {
        let (e, mut table) = (engine(), FlowTable::new(FlowTableConfig::default()));
        let k = key("10.1.0.1:50001", "10.1.0.9:80");
        let mut s = sample(
            k,
            1,
            PSH_ACK,
            b"POST /u/jane.doe@example.com HTTP/1.1\r\n",
            t(0),
        );
        s.kind = SampleKind::Head;
        table.ingest(s, &e);
        let text = format!("{table:?}");
        assert!(!text.contains("jane"), "{text}");
        assert!(text.contains("entries: 1"), "{text}");
    }

    /// A segment with an e-mail address, 1000 bytes past the stream's start: reassembly holds
    /// it, waiting for the hole before it.
    fn held_segment(k: FlowKey, at: SystemTime) -> PacketSample {
        let payload = [&b"note: "[..], EMAIL, &[b' '; 300]].concat();
        sample(k, 1001, PSH_ACK, &payload, at)
    }

    fn emails_of(detections: &[DetectionEvent]) -> Vec<FlowKey> {
        detections
            .iter()
            .filter(|d| d.finding.data_type == monitor_detect::DataType::Email)
            .map(|d| d.flow.key)
            .collect()
    }

    /// The table's held-bytes count against what its directions hold.
    fn assert_held_consistent(table: &FlowTable) {
        let held: usize = table.flows.values().map(Direction::held).sum();
        assert_eq!(table.stats().held_bytes, held);
        let holders: Vec<FlowKey> = table.holders.values().copied().collect();
        let mut expected: Vec<(u64, FlowKey)> = table
            .flows
            .iter()
            .filter(|(_, d)| d.held() > 0)
            .map(|(k, d)| (d.recency, *k))
            .collect();
        expected.sort_unstable_by_key(|(recency, _)| *recency);
        let expected: Vec<FlowKey> = expected.into_iter().map(|(_, k)| k).collect();
        assert_eq!(holders, expected, "holders, least recently updated first");
    }

    #[test]
    fn the_table_budget_releases_the_least_recently_updated_holders_first() {
        let e = engine();
        let mut table = FlowTable::new(FlowTableConfig {
            max_held_bytes: 900,
            ..Default::default()
        });
        let flows: Vec<FlowKey> = (0..3)
            .map(|i| key(&format!("10.1.0.1:{}", 50_001 + i), "10.1.0.9:80"))
            .collect();
        let mut released = Vec::new();
        for (i, &k) in flows.iter().enumerate() {
            table.ingest(sample(k, 0, SYN, b"", t(0)), &e);
            let ingested = table.ingest(held_segment(k, t(0)), &e);
            assert_held_consistent(&table);
            if i < 2 {
                assert!(ingested.detections.is_empty(), "held, not scanned yet");
            }
            if i == 1 {
                // New kernel counters update the first flow: the second is now the oldest.
                table.update_counters(flows[0], (9, 9000), None, t(1), &e);
                assert_held_consistent(&table);
            }
            released.extend(ingested.detections);
        }
        // 3 x 326 bytes are over the budget: the least recently updated flow's are released
        // and scanned.
        assert_eq!(emails_of(&released), vec![flows[1]]);
        let stats = table.stats();
        assert_eq!((stats.held_bytes, stats.budget_releases), (652, 1));
        assert_eq!(stats.gaps, 1, "released after its hole");
    }

    /// A request whose gzip body ends with [`EMAIL`] behind bytes that hardly compress: the
    /// address is inflated only from the whole body.
    fn post_with_gzip_body() -> Vec<u8> {
        use std::{fmt::Write as _, io::Write as _};
        let filler = (0_u32..500).fold(String::new(), |mut filler, i| {
            let _ = write!(filler, "{:08x}", i.wrapping_mul(0x9E37_79B1));
            filler
        });
        let json = format!(
            r#"{{"trace":"{filler}","owner_email":"{}"}}"#,
            String::from_utf8_lossy(EMAIL)
        );
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(json.as_bytes()).unwrap();
        let body = enc.finish().unwrap();
        let head = format!(
            "POST /v1/upload HTTP/1.1\r\nHost: ingest.example.test\r\n\
             Content-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        [head.as_bytes(), &body].concat()
    }

    #[test]
    fn a_compressed_body_over_several_packets_is_held_whole_within_the_budget() {
        let request = post_with_gzip_body();
        let packets: Vec<&[u8]> = request.chunks(1000).collect();
        assert!(packets.len() >= 3);
        let k = key("10.1.0.1:50001", "10.1.0.9:80");
        let feed = |table: &mut FlowTable, e: &Engine| {
            table.ingest(sample(k, 0, SYN, b"", t(0)), e);
            let mut found = Vec::new();
            let mut seq = 1;
            for packet in &packets {
                let ingested = table.ingest(sample(k, seq, PSH_ACK, packet, t(0)), e);
                assert_held_consistent(table);
                found.extend(emails_of(&ingested.detections));
                seq += u32::try_from(packet.len()).unwrap();
            }
            found
        };
        let e = engine();
        let mut table = FlowTable::new(FlowTableConfig::default());
        assert_eq!(
            feed(&mut table, &e),
            vec![k],
            "found once the body is whole"
        );
        assert_eq!(table.stats().held_bytes, 0, "a whole message is let go");

        // Within a budget smaller than the message, it is let go before it is whole.
        let mut table = FlowTable::new(FlowTableConfig {
            max_held_bytes: 1500,
            ..Default::default()
        });
        assert!(feed(&mut table, &e).is_empty());
        let stats = table.stats();
        assert_eq!((stats.held_bytes, stats.budget_releases), (0, 1));
    }

    #[test]
    fn kept_database_statements_count_against_the_budget() {
        let e = engine();
        // A PostgreSQL client's `Parse` of a statement it will bind later: kept by the
        // direction's scanner, and held within the table's budget.
        let query = b"INSERT INTO customers (full_name, birth_date) VALUES ($1, $2)\0";
        let body = [&b"stmtcache_1\0"[..], query, &[0, 0]].concat();
        let len = u32::try_from(body.len() + 4).unwrap().to_be_bytes();
        let parse = [&b"P"[..], &len, &body, b"S\0\0\0\x04"].concat();
        let parse_len = 1 + body.len() + 4;
        for (budget, held, releases) in [(1 << 20, parse_len, 0), (parse_len - 1, 0, 1)] {
            let mut table = FlowTable::new(FlowTableConfig {
                max_held_bytes: budget,
                ..Default::default()
            });
            let k = key("10.1.0.1:50001", "10.1.0.9:5432");
            table.ingest(sample(k, 1, PSH_ACK, &parse, t(0)), &e);
            let stats = table.stats();
            assert_eq!((stats.held_bytes, stats.budget_releases), (held, releases));
            assert_held_consistent(&table);
        }
    }

    #[test]
    fn bytes_held_behind_a_lost_sample_are_scanned_when_their_wait_is_over() {
        let e = engine();
        let mut table = FlowTable::new(FlowTableConfig::default());
        let k = key("10.1.0.1:50001", "10.1.0.9:80");
        table.ingest(sample(k, 0, SYN, b"", t(0)), &e);
        assert!(
            table
                .ingest(held_segment(k, t(0)), &e)
                .detections
                .is_empty()
        );
        // Within reassembly's wait (500 ms) nothing is released; no sample comes after it.
        let early = table.expire(t(0) + Duration::from_millis(400), &e);
        assert!(early.detections.is_empty() && early.views.is_empty());
        assert_eq!(table.stats().held_bytes, 326);
        let later = table.expire(t(1), &e);
        assert_eq!(emails_of(&later.detections), vec![k]);
        assert!(later.views.is_empty(), "released, not expired");
        assert_eq!(table.stats().held_bytes, 0);
        assert_held_consistent(&table);
    }

    #[test]
    fn evicted_and_expired_directions_scan_what_they_held() {
        let e = engine();
        let mut table = FlowTable::new(FlowTableConfig {
            max_entries: 1,
            ..Default::default()
        });
        let (a, b) = (
            key("10.1.0.1:50001", "10.1.0.9:80"),
            key("10.1.0.1:50002", "10.1.0.9:80"),
        );
        table.ingest(sample(a, 0, SYN, b"", t(0)), &e);
        table.ingest(held_segment(a, t(0)), &e);
        let evicting = table.ingest(sample(b, 0, SYN, b"", t(0)), &e);
        assert_eq!(emails_of(&evicting.detections), vec![a]);
        assert_eq!(table.stats().evictions, 1);
        table.ingest(held_segment(b, t(0)), &e);
        // Expiry comes before reassembly's wait would be over by the clock: it releases anyway.
        let expired = table.expire(t(0) + Duration::from_mins(3), &e);
        assert_eq!(emails_of(&expired.detections), vec![b]);
        assert_eq!(expired.views.len(), 1);
        assert!(table.is_empty());
        assert_held_consistent(&table);
    }

    proptest! {
        #[test]
        fn held_bytes_stay_counted_and_within_the_budget(
            samples in proptest::collection::vec(
                (0u8..6, 0u32..3000, any::<bool>(), proptest::collection::vec(any::<u8>(), 1..200), 0u64..2000),
                0..80,
            ),
        ) {
            let e = engine();
            let config = FlowTableConfig {
                max_entries: 4,
                max_held_bytes: 500,
                ..Default::default()
            };
            let mut table = FlowTable::new(config);
            for (which, seq, syn, payload, ms) in samples {
                let port = 50_000 + u16::from(which / 2);
                let mut k = key(&format!("10.1.0.1:{port}"), "10.1.0.9:80");
                if which % 2 == 1 {
                    k = k.reversed();
                }
                let flags = if syn { SYN } else { PSH_ACK };
                let at = SystemTime::UNIX_EPOCH + Duration::from_millis(ms);
                table.ingest(sample(k, seq, flags, &payload, at), &e);
                assert_held_consistent(&table);
                prop_assert!(table.stats().held_bytes <= 500);
            }
            table.expire(t(10_000), &e);
            prop_assert_eq!(table.stats().held_bytes, 0);
        }

        #[test]
        fn arbitrary_samples_keep_the_table_bounded(
            samples in proptest::collection::vec(
                (0u8..6, any::<u32>(), any::<u8>(), proptest::collection::vec(any::<u8>(), 0..200), 0u64..200),
                0..80,
            ),
        ) {
            let e = engine();
            let config = FlowTableConfig { max_entries: 4, ..Default::default() };
            let mut table = FlowTable::new(config);
            for (which, seq, flags, payload, secs) in samples {
                let port = 50_000 + u16::from(which / 2);
                let mut k = key(&format!("10.1.0.1:{port}"), "10.1.0.9:443");
                if which % 2 == 1 {
                    k = k.reversed();
                }
                table.ingest(sample(k, seq, flags, &payload, t(secs)), &e);
                prop_assert!(table.len() <= 4);
            }
            let stats = table.stats();
            prop_assert_eq!(stats.entries, table.snapshot().len());
            table.expire(t(10_000), &e);
            prop_assert!(table.is_empty());
        }
    }
}
