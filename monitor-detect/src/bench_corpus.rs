//! Deterministic synthetic machine-to-machine traffic for benchmarks (feature `bench-corpus`).
//!
//! One generator feeds the criterion benchmark (`benches/engine.rs`), the side-by-side run
//! against Presidio (`cargo xtask bench --detect-only`) and the fuzz seeds, so every figure is
//! measured on the same bytes. The output depends only on the [`Spec`]: a small in-module PRNG
//! (`SplitMix64`) is used instead of `rand` so that a dependency upgrade can never change the
//! corpus behind a published number.
//!
//! Records look like what a sampler sees on a machine-to-machine link: MQTT publishes with JSON
//! sensor readings, Prometheus text exposition, Kafka/AMQP-style JSON events, HTTP requests and
//! responses with headers, SQL statements, application logs and a few binary (protobuf-like)
//! messages. Clean records are full of near misses on purpose: epoch-millisecond timestamps,
//! 19-digit trace ids, UUIDs, hex digests, offsets and version strings.
//!
//! In [`Mix::Mixed`] a share of the records ([`DEFAULT_PERSONAL_SHARE`]) carry personal data:
//! names, emails, phone numbers, IBANs and card numbers with valid check digits, dates of birth,
//! Dutch BSNs, IMEIs, MAC and IP addresses, GPS positions, and JWTs whose claims hold an email.
//! All values are synthetic (emails use the reserved `example.*` domains), yet structurally valid,
//! so a validating detector has to do its full work on them.

use std::{
    fmt::Write as _,
    io::{self, Write},
};

/// Seed of the published figures; change it only together with them.
pub const DEFAULT_SEED: u64 = 0x4d32_4d5f_5052_4956;
/// Size of one generated corpus (per [`Mix`]) in the benchmarks: a few MB.
pub const DEFAULT_BYTES: usize = 3 << 20;
/// Share of records carrying personal data in [`Mix::Mixed`].
pub const DEFAULT_PERSONAL_SHARE: f64 = 0.15;

/// Which kind of traffic to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mix {
    /// Mostly telemetry; [`Spec::personal_share`] of the records carry personal data.
    Mixed,
    /// The same kinds of payloads, none carrying personal data.
    Clean,
}

impl Mix {
    /// Stable name, used in file names and benchmark ids.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Mixed => "mixed",
            Self::Clean => "clean",
        }
    }
}

/// What to generate. Equal specs give byte-identical corpora.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spec {
    pub seed: u64,
    /// The corpus grows record by record until it holds at least this many bytes.
    pub target_bytes: usize,
    pub mix: Mix,
    /// 0.0 ..= 1.0; ignored for [`Mix::Clean`].
    pub personal_share: f64,
}

impl Spec {
    /// The default corpus of the given mix ([`DEFAULT_SEED`], [`DEFAULT_BYTES`],
    /// [`DEFAULT_PERSONAL_SHARE`]).
    #[must_use]
    pub const fn new(mix: Mix) -> Self {
        Self {
            seed: DEFAULT_SEED,
            target_bytes: DEFAULT_BYTES,
            mix,
            personal_share: DEFAULT_PERSONAL_SHARE,
        }
    }

    /// The default corpus's spec with the `k`-th seed after [`DEFAULT_SEED`] (`k` from 1): the
    /// same shapes with other values, which the engine's memos have not met (the unseen-values
    /// figures of the benchmarks).
    #[must_use]
    pub const fn unseen(mix: Mix, k: u64) -> Self {
        Self {
            seed: DEFAULT_SEED.wrapping_add(k),
            ..Self::new(mix)
        }
    }
}

/// The shape of one record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordKind {
    /// An MQTT 3.1.1 PUBLISH packet (fixed header, topic, JSON payload).
    Mqtt,
    /// Prometheus text exposition format, as scraped over HTTP.
    Prometheus,
    /// A Kafka/AMQP-style JSON event envelope.
    Event,
    /// An HTTP/1.1 request with headers and body.
    HttpRequest,
    /// An HTTP/1.1 response with headers and body.
    HttpResponse,
    /// A SQL statement as sent to a database.
    Sql,
    /// Application log lines (plain and JSON).
    Log,
    /// A protobuf-encoded message.
    Binary,
}

impl RecordKind {
    /// All kinds with their relative weights in a corpus: telemetry dominates.
    pub const WEIGHTS: [(Self, u32); 8] = [
        (Self::Mqtt, 24),
        (Self::Prometheus, 10),
        (Self::Event, 16),
        (Self::HttpRequest, 12),
        (Self::HttpResponse, 10),
        (Self::Sql, 8),
        (Self::Log, 16),
        (Self::Binary, 4),
    ];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Mqtt => "mqtt",
            Self::Prometheus => "prometheus",
            Self::Event => "event",
            Self::HttpRequest => "http_request",
            Self::HttpResponse => "http_response",
            Self::Sql => "sql",
            Self::Log => "log",
            Self::Binary => "binary",
        }
    }
}

/// One payload, as one sampled message of one flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub kind: RecordKind,
    /// Whether the generator put personal data into it.
    pub personal: bool,
    pub bytes: Vec<u8>,
}

/// A generated corpus: records in generation order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Corpus {
    pub records: Vec<Record>,
}

impl Corpus {
    /// Generates the corpus described by `spec`.
    #[must_use]
    pub fn generate(spec: &Spec) -> Self {
        let mut g = Generator {
            rng: SplitMix64(spec.seed ^ (spec.mix as u64).wrapping_mul(0x9e37_79b9)),
        };
        let share = match spec.mix {
            Mix::Mixed => spec.personal_share.clamp(0.0, 1.0),
            Mix::Clean => 0.0,
        };
        let mut records = Vec::new();
        let mut total = 0;
        while total < spec.target_bytes {
            let personal = g.rng.chance(share);
            let kind = g.kind();
            let bytes = g.record(kind, personal);
            total += bytes.len();
            records.push(Record {
                kind,
                personal,
                bytes,
            });
        }
        Self { records }
    }

    /// Total payload bytes.
    #[must_use]
    pub fn total_bytes(&self) -> usize {
        self.records.iter().map(|r| r.bytes.len()).sum()
    }

    /// Number of records that carry personal data.
    #[must_use]
    pub fn personal_records(&self) -> usize {
        self.records.iter().filter(|r| r.personal).count()
    }

    /// All payloads back to back, as one stream (for stream-scanner benchmarks).
    #[must_use]
    pub fn concatenated(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.total_bytes());
        for r in &self.records {
            out.extend_from_slice(&r.bytes);
        }
        out
    }

    /// Writes the payloads framed as `u32` little-endian length + bytes, the format that
    /// [`read_framed`] and `xtask/presidio_bench.py` read.
    ///
    /// # Errors
    /// Any error of `w`.
    pub fn write_framed<W: Write>(&self, mut w: W) -> io::Result<()> {
        for r in &self.records {
            let len = u32::try_from(r.bytes.len())
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "record over 4 GiB"))?;
            w.write_all(&len.to_le_bytes())?;
            w.write_all(&r.bytes)?;
        }
        w.flush()
    }
}

/// Splits a buffer written by [`Corpus::write_framed`] back into payloads.
///
/// # Errors
/// If the buffer is truncated.
pub fn read_framed(mut buf: &[u8]) -> io::Result<Vec<&[u8]>> {
    let mut out = Vec::new();
    while !buf.is_empty() {
        let truncated = || io::Error::new(io::ErrorKind::UnexpectedEof, "truncated framed corpus");
        let (len, rest) = buf.split_first_chunk::<4>().ok_or_else(truncated)?;
        let len = usize::try_from(u32::from_le_bytes(*len)).map_err(|_| truncated())?;
        if rest.len() < len {
            return Err(truncated());
        }
        let (payload, rest) = rest.split_at(len);
        out.push(payload);
        buf = rest;
    }
    Ok(out)
}

/// `SplitMix64`: tiny, fast, and fixed forever (see the module docs).
#[derive(Clone, Debug)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..hi` (`hi > lo`); the modulo bias is irrelevant here.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }

    fn index(&mut self, len: usize) -> usize {
        // Slices here are tiny, so the conversions cannot truncate.
        usize::try_from(self.next() % len as u64).unwrap_or(0)
    }

    fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.index(items.len())]
    }

    fn chance(&mut self, p: f64) -> bool {
        #[expect(
            clippy::cast_precision_loss,
            reason = "53 random bits are plenty for a share"
        )]
        let unit = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        unit < p
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + (self.next() % 10) as u8))
            .collect()
    }

    fn hex(&mut self, n: usize) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        (0..n)
            .map(|_| char::from(HEX[(self.next() % 16) as usize]))
            .collect()
    }

    fn uuid(&mut self) -> String {
        let h = self.hex(32);
        format!(
            "{}-{}-4{}-a{}-{}",
            &h[..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..]
        )
    }

    /// A float with `decimals` decimals in `lo..hi`, as text.
    fn float(&mut self, lo: i64, hi: i64, decimals: u32) -> String {
        let scale = 10i64.pow(decimals);
        let span = u64::try_from((hi - lo) * scale).unwrap_or(1).max(1);
        let v = lo * scale + i64::try_from(self.next() % span).unwrap_or(0);
        let (sign, v) = if v < 0 { ("-", -v) } else { ("", v) };
        if decimals == 0 {
            return format!("{sign}{v}");
        }
        let d = usize::try_from(decimals).unwrap_or(0);
        format!("{sign}{}.{:0d$}", v / scale, v % scale)
    }
}

const FIRST_NAMES: &[&str] = &[
    "Anna",
    "Lukas",
    "Sophie",
    "Jan",
    "Emma",
    "Noah",
    "Marie",
    "Luca",
    "Julia",
    "Daan",
    "Sanne",
    "Léa",
    "Mateo",
    "Chiara",
    "Jürgen",
    "Inès",
    "Pieter",
    "Katarzyna",
    "Mikkel",
    "Aoife",
];
const LAST_NAMES: &[&str] = &[
    "Schmidt", "Müller", "de Vries", "Jansen", "Dubois", "Rossi", "García", "Nowak", "Novak",
    "Hansen", "Murphy", "Bakker", "Lefèvre", "Fischer", "Bianchi", "Kowalski", "Svensson",
];
const EMAIL_DOMAINS: &[&str] = &[
    "example.com",
    "example.org",
    "example.net",
    "mail.example.com",
];
const CITIES: &[(&str, &str, &str)] = &[
    ("Berlin", "10115", "Torstraße"),
    ("Amsterdam", "1012 AB", "Prinsengracht"),
    ("Lyon", "69002", "Rue de la République"),
    ("Milano", "20121", "Via Manzoni"),
    ("Dublin", "D02 X285", "Grafton Street"),
];
const SERVICES: &[&str] = &[
    "ingest",
    "billing",
    "fleet-api",
    "auth",
    "orders",
    "telemetry-gw",
    "scheduler",
    "notifier",
];
const METRICS: &[&str] = &[
    "temperature_celsius",
    "humidity_percent",
    "pressure_hpa",
    "voltage_volts",
    "rpm",
    "vibration_mm_s",
    "co2_ppm",
    "flow_l_min",
];

/// The personal data of one synthetic person, generated on demand.
struct Person {
    first: &'static str,
    last: &'static str,
    email: String,
    phone: String,
    iban: String,
    card: String,
    dob: String,
    street: String,
    postcode: &'static str,
    city: &'static str,
    bsn: String,
    ipv4: String,
    mac: String,
    imei: String,
    lat: String,
    lon: String,
}

struct Generator {
    rng: SplitMix64,
}

impl Generator {
    fn kind(&mut self) -> RecordKind {
        let total: u32 = RecordKind::WEIGHTS.iter().map(|(_, w)| w).sum();
        let mut pick = u32::try_from(self.rng.range(0, u64::from(total))).unwrap_or(0);
        for (kind, w) in RecordKind::WEIGHTS {
            if pick < w {
                return kind;
            }
            pick -= w;
        }
        RecordKind::Mqtt
    }

    fn record(&mut self, kind: RecordKind, personal: bool) -> Vec<u8> {
        let person = personal.then(|| self.person());
        let p = person.as_ref();
        match kind {
            RecordKind::Mqtt => self.mqtt(p),
            RecordKind::Prometheus => self.prometheus(p).into_bytes(),
            RecordKind::Event => self.event(p).into_bytes(),
            RecordKind::HttpRequest => self.http_request(p).into_bytes(),
            RecordKind::HttpResponse => self.http_response(p).into_bytes(),
            RecordKind::Sql => self.sql(p).into_bytes(),
            RecordKind::Log => self.log(p).into_bytes(),
            RecordKind::Binary => self.binary(p),
        }
    }

    fn person(&mut self) -> Person {
        let r = &mut self.rng;
        let first = r.pick(FIRST_NAMES);
        let last = r.pick(LAST_NAMES);
        let local = ascii_fold(&format!("{first}.{last}"))
            .to_lowercase()
            .replace(' ', "");
        let email = format!("{local}{}@{}", r.range(1, 99), r.pick(EMAIL_DOMAINS));
        let (city, postcode, street) = CITIES[r.index(CITIES.len())];
        Person {
            first,
            last,
            email,
            phone: phone(r),
            iban: iban(r),
            card: card(r),
            dob: format!(
                "{}-{:02}-{:02}",
                r.range(1950, 2006),
                r.range(1, 13),
                r.range(1, 29)
            ),
            street: format!("{street} {}", r.range(1, 180)),
            postcode,
            city,
            bsn: bsn(r),
            ipv4: format!(
                "{}.{}.{}.{}",
                r.range(81, 213),
                r.range(0, 256),
                r.range(0, 256),
                r.range(1, 255)
            ),
            mac: (0..6).map(|_| r.hex(2)).collect::<Vec<_>>().join(":"),
            imei: luhn_complete(&format!("35{}", r.digits(12))),
            lat: r.float(36, 60, 6),
            lon: r.float(-9, 24, 6),
        }
    }

    fn device(&mut self) -> String {
        format!(
            "{}-{:04}",
            self.rng.pick(&["th", "pm", "gw", "vb", "fl"]),
            self.rng.range(1, 4000)
        )
    }

    fn epoch_ms(&mut self) -> u64 {
        1_760_000_000_000 + self.rng.range(0, 40_000_000_000)
    }

    fn iso_time(&mut self) -> String {
        let r = &mut self.rng;
        format!(
            "2026-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            r.range(1, 13),
            r.range(1, 29),
            r.range(0, 24),
            r.range(0, 60),
            r.range(0, 60),
            r.range(0, 1000)
        )
    }

    /// An HTTP `Date` header value (IMF-fixdate). Weekday and day need not agree: nobody checks.
    fn http_date(&mut self) -> String {
        let r = &mut self.rng;
        format!(
            "{}, {:02} {} 2026 {:02}:{:02}:{:02} GMT",
            r.pick(&["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]),
            r.range(1, 29),
            r.pick(&[
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
            ]),
            r.range(0, 24),
            r.range(0, 60),
            r.range(0, 60)
        )
    }

    fn sensor_json(&mut self, device: &str) -> String {
        let ts = self.epoch_ms();
        let r = &mut self.rng;
        format!(
            r#"{{"ts":{ts},"device":"{device}","seq":{},"temp_c":{},"rh":{},"pressure_hpa":{},"battery_v":{},"rssi":-{},"fw":"{}.{}.{}","status":"{}"}}"#,
            r.range(0, 1_000_000),
            r.float(-20, 60, 2),
            r.float(10, 99, 1),
            r.float(950, 1050, 1),
            r.float(2, 4, 2),
            r.range(30, 110),
            r.range(1, 4),
            r.range(0, 20),
            r.range(0, 50),
            r.pick(&["ok", "ok", "ok", "degraded", "calibrating"]),
        )
    }

    fn mqtt(&mut self, p: Option<&Person>) -> Vec<u8> {
        let (topic, payload) = match p {
            None => {
                let site = self.rng.range(1, 40);
                let line = self.rng.range(1, 12);
                let device = self.device();
                (
                    format!("plants/site-{site}/line-{line}/{device}/telemetry"),
                    self.sensor_json(&device),
                )
            }
            Some(p) => match self.rng.range(0, 3) {
                0 => {
                    let ts = self.epoch_ms();
                    let vin = format!("WVW{}", self.rng.digits(14));
                    (
                        format!("fleet/vehicles/{vin}/position"),
                        format!(
                            r#"{{"ts":{ts},"driver":{{"name":"{} {}","phone":"{}"}},"lat":{},"lon":{},"speed_kmh":{}}}"#,
                            p.first,
                            p.last,
                            p.phone,
                            p.lat,
                            p.lon,
                            self.rng.range(0, 130)
                        ),
                    )
                }
                1 => {
                    let ts = self.epoch_ms();
                    (
                        format!("health/wearables/{}/heart_rate", p.imei),
                        format!(
                            r#"{{"ts":{ts},"imei":"{}","user_email":"{}","bpm":{},"spo2":{}}}"#,
                            p.imei,
                            p.email,
                            self.rng.range(48, 160),
                            self.rng.range(90, 100)
                        ),
                    )
                }
                _ => {
                    let ts = self.epoch_ms();
                    (
                        format!("home/{}/doorbell/events", p.mac.replace(':', "")),
                        format!(
                            r#"{{"ts":{ts},"mac":"{}","owner":"{} {}","owner_phone":"{}","event":"ring"}}"#,
                            p.mac, p.first, p.last, p.phone
                        ),
                    )
                }
            },
        };
        mqtt_publish(&topic, payload.as_bytes())
    }

    fn prometheus(&mut self, p: Option<&Person>) -> String {
        let mut out = String::new();
        let n = self.rng.range(3, 9);
        for _ in 0..n {
            let metric = self.rng.pick(METRICS);
            let _ = writeln!(
                out,
                "# HELP plant_{metric} Current {metric} reading.\n# TYPE plant_{metric} gauge"
            );
            for _ in 0..self.rng.range(2, 6) {
                let device = self.device();
                let r = &mut self.rng;
                let _ = writeln!(
                    out,
                    r#"plant_{metric}{{site="site-{}",device="{device}",line="{}"}} {} {}"#,
                    r.range(1, 40),
                    r.range(1, 12),
                    r.float(0, 2000, 3),
                    1_760_000_000_000 + r.range(0, 40_000_000_000)
                );
            }
        }
        let svc = self.rng.pick(SERVICES);
        let _ = writeln!(out, "# TYPE http_requests_total counter");
        for code in ["200", "404", "500"] {
            let count = self.rng.range(0, 9_000_000);
            match p {
                // A classic leak: a user id label that turns out to be an email address.
                Some(p) => {
                    let _ = writeln!(
                        out,
                        r#"http_requests_total{{service="{svc}",code="{code}",user="{}"}} {count}"#,
                        p.email
                    );
                }
                None => {
                    let _ = writeln!(
                        out,
                        r#"http_requests_total{{service="{svc}",code="{code}"}} {count}"#
                    );
                }
            }
        }
        out
    }

    fn event(&mut self, p: Option<&Person>) -> String {
        let id = self.rng.uuid();
        let at = self.iso_time();
        let svc = self.rng.pick(SERVICES);
        let trace = self.rng.hex(32);
        let body = match p {
            None => {
                let order = self.rng.range(100_000, 99_999_999);
                let r = &mut self.rng;
                format!(
                    r#"{{"order_id":{order},"sku":"SKU-{}","qty":{},"warehouse":"WH-{}","amount_cents":{},"currency":"EUR","carrier":"{}","tracking":"{}"}}"#,
                    r.digits(8),
                    r.range(1, 20),
                    r.range(1, 30),
                    r.range(100, 500_000),
                    r.pick(&["dhl", "ups", "postnl", "gls"]),
                    r.hex(20).to_uppercase()
                )
            }
            Some(p) => format!(
                r#"{{"customer":{{"first_name":"{}","last_name":"{}","email":"{}","phone":"{}","date_of_birth":"{}","address":{{"street":"{}","postcode":"{}","city":"{}"}}}},"payment":{{"iban":"{}","card_number":"{}"}},"amount_cents":{}}}"#,
                p.first,
                p.last,
                p.email,
                p.phone,
                p.dob,
                p.street,
                p.postcode,
                p.city,
                p.iban,
                p.card,
                self.rng.range(100, 500_000)
            ),
        };
        let kind = self.rng.pick(&[
            "order.created",
            "order.shipped",
            "invoice.issued",
            "customer.updated",
        ]);
        format!(
            r#"{{"specversion":"1.0","id":"{id}","type":"{kind}","source":"/{svc}","time":"{at}","traceparent":"00-{trace}-{}-01","partition":{},"offset":{},"data":{body}}}"#,
            self.rng.hex(16),
            self.rng.range(0, 64),
            self.rng.range(0, 900_000_000)
        )
    }

    fn http_request(&mut self, p: Option<&Person>) -> String {
        let svc = self.rng.pick(SERVICES);
        let req_id = self.rng.uuid();
        let (method, path, content_type, auth, body) = match p {
            None => {
                let device = self.device();
                let key = self.rng.hex(40);
                let body = format!(
                    "[{},{}]",
                    self.sensor_json(&device),
                    self.sensor_json(&device)
                );
                (
                    "POST",
                    format!("/api/v2/devices/{device}/telemetry"),
                    "application/json",
                    format!("X-Api-Key: {key}"),
                    body,
                )
            }
            Some(p) => match self.rng.range(0, 3) {
                0 => (
                    "POST",
                    "/signup".to_owned(),
                    "application/x-www-form-urlencoded",
                    format!("Cookie: session={}", self.rng.hex(32)),
                    format!(
                        "first_name={}&last_name={}&email={}&phone={}&birthdate={}",
                        url_encode(p.first),
                        url_encode(p.last),
                        url_encode(&p.email),
                        url_encode(&p.phone),
                        p.dob
                    ),
                ),
                1 => (
                    "PUT",
                    format!("/api/v1/customers/{}", self.rng.range(1000, 9_999_999)),
                    "application/json",
                    format!("X-Api-Key: {}", self.rng.hex(40)),
                    format!(
                        r#"{{"fullName":"{} {}","iban":"{}","bsn":"{}","homeAddress":"{}, {} {}"}}"#,
                        p.first, p.last, p.iban, p.bsn, p.street, p.postcode, p.city
                    ),
                ),
                _ => {
                    let jwt = self.jwt(p);
                    let device = self.device();
                    let body = self.sensor_json(&device);
                    (
                        "POST",
                        format!("/api/v2/devices/{device}/telemetry"),
                        "application/json",
                        format!("Authorization: Bearer {jwt}\r\nX-Forwarded-For: {}", p.ipv4),
                        body,
                    )
                }
            },
        };
        format!(
            "{method} {path} HTTP/1.1\r\nHost: {svc}.internal.svc.cluster.local\r\nUser-Agent: edge-agent/{}.{}.{} (linux; arm64)\r\nAccept: application/json\r\nContent-Type: {content_type}\r\n{auth}\r\nX-Request-Id: {req_id}\r\nContent-Length: {}\r\n\r\n{body}",
            self.rng.range(1, 4),
            self.rng.range(0, 20),
            self.rng.range(0, 50),
            body.len()
        )
    }

    fn http_response(&mut self, p: Option<&Person>) -> String {
        let body = match p {
            None => {
                let device = self.device();
                let r = &mut self.rng;
                format!(
                    r#"{{"device":"{device}","config":{{"interval_s":{},"threshold":{},"ota_url":"/firmware/{}/{}.bin","sha256":"{}"}},"etag":"{}"}}"#,
                    r.range(5, 600),
                    r.float(0, 100, 2),
                    r.hex(8),
                    r.range(100, 999),
                    r.hex(64),
                    r.hex(16)
                )
            }
            Some(p) => format!(
                r#"{{"id":{},"name":"{} {}","email":"{}","mobile":"{}","card":{{"number":"{}","expiry":"{:02}/{}"}},"last_login_ip":"{}"}}"#,
                self.rng.range(1000, 9_999_999),
                p.first,
                p.last,
                p.email,
                p.phone,
                p.card,
                self.rng.range(1, 13),
                self.rng.range(27, 32),
                p.ipv4
            ),
        };
        let date = self.http_date();
        format!(
            "HTTP/1.1 200 OK\r\nDate: {date}\r\nContent-Type: application/json; charset=utf-8\r\nCache-Control: no-store\r\nX-Trace-Id: {}\r\nContent-Length: {}\r\n\r\n{body}",
            self.rng.digits(19),
            body.len()
        )
    }

    fn sql(&mut self, p: Option<&Person>) -> String {
        match p {
            None => {
                let mut rows = Vec::new();
                for _ in 0..self.rng.range(2, 8) {
                    let device = self.device();
                    let ts = self.epoch_ms();
                    let metric = self.rng.pick(METRICS);
                    rows.push(format!(
                        "('{device}', {ts}, '{metric}', {})",
                        self.rng.float(0, 2000, 3)
                    ));
                }
                if self.rng.chance(0.5) {
                    format!(
                        "INSERT INTO readings (device_id, ts_ms, metric, value) VALUES {};",
                        rows.join(", ")
                    )
                } else {
                    let device = self.device();
                    format!(
                        "SELECT device_id, avg(value) FROM readings WHERE device_id = '{device}' AND ts_ms > {} GROUP BY device_id LIMIT {};",
                        self.epoch_ms(),
                        self.rng.range(1, 500)
                    )
                }
            }
            Some(p) => format!(
                "INSERT INTO customers (first_name, last_name, email, phone, iban, birth_date, street, postcode, city) VALUES ('{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}') RETURNING id;",
                p.first.replace('\'', "''"),
                p.last.replace('\'', "''"),
                p.email,
                p.phone,
                p.iban,
                p.dob,
                p.street,
                p.postcode,
                p.city
            ),
        }
    }

    fn log(&mut self, p: Option<&Person>) -> String {
        let mut out = String::new();
        for _ in 0..self.rng.range(2, 7) {
            let at = self.iso_time();
            let svc = self.rng.pick(SERVICES);
            let r = &mut self.rng;
            if r.chance(0.5) {
                let _ = writeln!(
                    out,
                    "{at} INFO [{svc}] batch committed partition={} offset={} records={} latency_ms={} dd.trace_id={}",
                    r.range(0, 64),
                    r.range(0, 900_000_000),
                    r.range(1, 1024),
                    r.range(1, 900),
                    r.digits(19)
                );
            } else {
                let _ = writeln!(
                    out,
                    r#"{{"ts":"{at}","level":"debug","svc":"{svc}","msg":"cache refresh","keys":{},"hit_ratio":{},"sha":"{}"}}"#,
                    r.range(0, 100_000),
                    r.float(0, 1, 4),
                    r.hex(40)
                );
            }
        }
        if let Some(p) = p {
            let at = self.iso_time();
            let line = match self.rng.range(0, 3) {
                0 => format!(
                    "{at} INFO [auth] login ok user={} ip={} mfa=sms:{}",
                    p.email, p.ipv4, p.phone
                ),
                1 => format!(
                    "{at} WARN [billing] payment declined card={} holder=\"{} {}\" iban={}",
                    p.card, p.first, p.last, p.iban
                ),
                _ => format!(
                    r#"{{"ts":"{at}","level":"error","svc":"kyc","msg":"verification failed","name":"{} {}","dob":"{}","bsn":"{}","device_mac":"{}"}}"#,
                    p.first, p.last, p.dob, p.bsn, p.mac
                ),
            };
            let _ = writeln!(out, "{line}");
        }
        out
    }

    /// A protobuf message: varints, fixed64s, and length-delimited strings/bytes.
    fn binary(&mut self, p: Option<&Person>) -> Vec<u8> {
        let mut out = Vec::new();
        let device = self.device();
        proto_bytes(&mut out, 1, device.as_bytes());
        proto_varint_field(&mut out, 2, self.epoch_ms());
        for _ in 0..self.rng.range(4, 24) {
            // Packed readings as fixed64 doubles: arbitrary-looking bytes, as on the wire.
            out.push(3 << 3 | 1);
            out.extend_from_slice(&self.rng.next().to_le_bytes());
        }
        let blob: Vec<u8> = (0..self.rng.range(16, 96))
            .map(|_| self.rng.next().to_le_bytes()[0])
            .collect();
        proto_bytes(&mut out, 4, &blob);
        if let Some(p) = p {
            proto_bytes(&mut out, 5, format!("{} {}", p.first, p.last).as_bytes());
            proto_bytes(&mut out, 6, p.email.as_bytes());
            proto_bytes(&mut out, 7, p.phone.as_bytes());
        }
        out
    }

    /// An unsigned-looking JWT (header.claims.signature) whose claims carry the person's email.
    fn jwt(&mut self, p: &Person) -> String {
        let header = r#"{"alg":"RS256","typ":"JWT","kid":"k1"}"#;
        let claims = format!(
            r#"{{"sub":"{}","email":"{}","name":"{} {}","iat":{},"exp":{}}}"#,
            self.rng.uuid(),
            p.email,
            p.first,
            p.last,
            1_760_000_000 + self.rng.range(0, 40_000_000),
            1_800_000_000 + self.rng.range(0, 40_000_000)
        );
        let sig: Vec<u8> = (0..64).map(|_| self.rng.next().to_le_bytes()[0]).collect();
        format!(
            "{}.{}.{}",
            base64url(header.as_bytes()),
            base64url(claims.as_bytes()),
            base64url(&sig)
        )
    }
}

fn phone(r: &mut SplitMix64) -> String {
    match r.range(0, 6) {
        0 => format!(
            "+49 {} {}",
            r.pick(&["151", "152", "157", "176", "179"]),
            r.digits(8)
        ),
        1 => format!("+4917{}{}", r.range(0, 10), r.digits(8)),
        2 => {
            let d = r.digits(8);
            format!(
                "+33 {} {} {} {} {}",
                r.range(6, 8),
                &d[..2],
                &d[2..4],
                &d[4..6],
                &d[6..]
            )
        }
        3 => format!("+31 6 {}", r.digits(8)),
        4 => format!("+39 3{}{} {}", r.range(20, 50), r.range(0, 10), r.digits(7)),
        _ => format!("+34 6{} {} {}", r.digits(2), r.digits(3), r.digits(3)),
    }
}

/// An IBAN with a valid ISO 13616 check (mod 97).
fn iban(r: &mut SplitMix64) -> String {
    let (country, bban) = match r.range(0, 4) {
        0 => ("DE", r.digits(18)),
        1 => {
            let bank = r.pick(&["ABNA", "INGB", "RABO", "TRIO"]);
            ("NL", format!("{bank}{}", r.digits(10)))
        }
        2 => ("FR", r.digits(23)),
        _ => ("IT", format!("X{}", r.digits(22))),
    };
    let rearranged = format!("{bban}{country}00");
    let check = 98 - mod97(&rearranged);
    format!("{country}{check:02}{bban}")
}

fn mod97(s: &str) -> u32 {
    s.chars().fold(0, |acc, c| {
        let v = c.to_digit(36).unwrap_or(0);
        if v >= 10 {
            (acc * 100 + v) % 97
        } else {
            (acc * 10 + v) % 97
        }
    })
}

/// A Visa or Mastercard number with a valid Luhn digit, grouped or not.
fn card(r: &mut SplitMix64) -> String {
    let prefix = if r.chance(0.5) {
        "4".to_owned()
    } else {
        format!("5{}", r.range(1, 6))
    };
    let body = format!("{prefix}{}", r.digits(15 - prefix.len()));
    let number = luhn_complete(&body);
    if r.chance(0.5) {
        let b = number.as_bytes();
        b.chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        number
    }
}

/// Appends the Luhn check digit to `digits`.
fn luhn_complete(digits: &str) -> String {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let d2 = d * 2;
                if d2 > 9 { d2 - 9 } else { d2 }
            } else {
                d
            }
        })
        .sum();
    format!("{digits}{}", (10 - sum % 10) % 10)
}

/// A Dutch BSN that passes the "11-proof".
fn bsn(r: &mut SplitMix64) -> String {
    loop {
        let d: Vec<u32> = (0..8)
            .map(|_| u32::try_from(r.range(0, 10)).unwrap_or(0))
            .collect();
        if d[0] == 0 {
            continue;
        }
        let s: u32 = d.iter().zip((2..=9).rev()).map(|(d, w)| d * w).sum();
        let last = s % 11;
        if last < 10 {
            return d
                .iter()
                .chain(std::iter::once(&last))
                .map(u32::to_string)
                .collect();
        }
    }
}

fn ascii_fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'ï' => 'i',
            'ó' | 'ò' | 'ö' => 'o',
            'ú' | 'ù' | 'ü' => 'u',
            other => other,
        })
        .collect()
}

fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else if b == b' ' {
            out.push('+');
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v & 0x7f) as u8 | 0x80);
        v >>= 7;
    }
    out.push(u8::try_from(v).unwrap_or(0x7f));
}

fn proto_varint_field(out: &mut Vec<u8>, field: u64, v: u64) {
    varint(out, field << 3);
    varint(out, v);
}

fn proto_bytes(out: &mut Vec<u8>, field: u64, bytes: &[u8]) {
    varint(out, field << 3 | 2);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// An MQTT 3.1.1 PUBLISH packet, `QoS` 1.
fn mqtt_publish(topic: &str, payload: &[u8]) -> Vec<u8> {
    let packet_id: u16 = 1;
    let remaining = 2 + topic.len() + 2 + payload.len();
    let mut out = vec![0x32];
    // MQTT's remaining length is the same base-128 encoding as a protobuf varint.
    varint(&mut out, remaining as u64);
    out.extend_from_slice(&u16::try_from(topic.len()).unwrap_or(u16::MAX).to_be_bytes());
    out.extend_from_slice(topic.as_bytes());
    out.extend_from_slice(&packet_id.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(mix: Mix) -> Corpus {
        Corpus::generate(&Spec {
            target_bytes: 256 << 10,
            ..Spec::new(mix)
        })
    }

    #[test]
    fn deterministic_and_sized() {
        let a = small(Mix::Mixed);
        assert_eq!(a, small(Mix::Mixed));
        assert!(a.total_bytes() >= 256 << 10);
        assert_ne!(a.records[0].bytes, small(Mix::Clean).records[0].bytes);
    }

    #[test]
    fn personal_share_is_in_range() {
        let mixed = small(Mix::Mixed);
        #[expect(clippy::cast_precision_loss, reason = "record counts are small")]
        let share = mixed.personal_records() as f64 / mixed.records.len() as f64;
        assert!((0.10..=0.20).contains(&share), "share {share}");
        assert_eq!(small(Mix::Clean).personal_records(), 0);
    }

    #[test]
    fn framing_round_trips() {
        let c = small(Mix::Mixed);
        let mut buf = Vec::new();
        c.write_framed(&mut buf).unwrap();
        let back = read_framed(&buf).unwrap();
        assert_eq!(back.len(), c.records.len());
        assert!(
            back.iter()
                .zip(&c.records)
                .all(|(b, r)| *b == r.bytes.as_slice())
        );
        assert!(read_framed(&buf[..buf.len() - 1]).is_err());
    }

    #[test]
    fn check_digits_are_valid() {
        let mut rng = SplitMix64(7);
        for _ in 0..200 {
            let account = iban(&mut rng);
            let rearranged = format!("{}{}", &account[4..], &account[..4]);
            assert_eq!(mod97(&rearranged), 1, "{account}");
            let number: String = card(&mut rng)
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            assert_eq!(luhn_complete(&number[..number.len() - 1]), number);
            let digits: Vec<u32> = bsn(&mut rng)
                .chars()
                .map(|c| c.to_digit(10).unwrap())
                .collect();
            let sum: u32 = digits[..8]
                .iter()
                .zip((2..=9).rev())
                .map(|(d, w)| d * w)
                .sum();
            assert_eq!(sum % 11, digits[8]);
        }
    }

    #[test]
    fn base64url_matches_known_vectors() {
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(b"foob"), "Zm9vYg");
    }
}
