//! The engine: built once from an [`EngineConfig`], shared by reference or `Arc`.
//!
//! One scan: split the payload into the buffers worth scanning (each HTTP message's head and
//! de-chunked or inflated body, AMQP bodies), then for each buffer run the context-free pattern scan, extract
//! fields, judge each candidate by its field context, run the field-decided detectors (names,
//! birth dates, addresses, national-format phones, coordinates), and decode nested encodings
//! (escaped values, base64 runs) into further buffers. Overlapping findings are resolved by
//! confidence.

use std::{ops::Range, sync::LazyLock};

use crate::{
    DataType, EngineConfig, EngineError, FieldContext, Finding,
    decode::{base64, escapes, framing, http2, inflate, kafka, mime, mongodb},
    detect::{dates, gps, names, national_id, network, phone, server_address},
    fields::{self, Field, Syntax},
    http::{self, Coding, Part},
    keywords::{self, FieldKind},
    patterns::{self, Candidate, Strength},
    quiet,
    redact::redact,
    text::{SpanMap, Text},
};

/// The detection engine. Immutable after [`Engine::new`], so `Send + Sync` and cheap to share.
#[derive(Debug)]
pub struct Engine {
    config: EngineConfig,
}

impl Engine {
    /// Builds an engine.
    ///
    /// # Errors
    /// [`EngineError::InvalidConfig`] when a setting is out of range.
    pub fn new(config: EngineConfig) -> Result<Self, EngineError> {
        if !(0.0..=1.0).contains(&config.min_confidence) {
            return Err(EngineError::InvalidConfig {
                field: "min_confidence",
                reason: "must be within 0.0 ..= 1.0",
            });
        }
        if config.max_decode_depth > 16 {
            return Err(EngineError::InvalidConfig {
                field: "max_decode_depth",
                reason: "must be at most 16",
            });
        }
        phone::warm_up();
        Ok(Self { config })
    }

    /// The configuration the engine was built with.
    #[must_use]
    pub const fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Scans one whole payload: raw wire bytes of any M2M protocol. Offsets index `payload`.
    #[must_use]
    pub fn scan(&self, payload: &[u8]) -> Vec<Finding> {
        // Most machine-to-machine payloads hold nothing to report; proving that is far cheaper
        // than the full scan (see `quiet`).
        if quiet::is_quiet(payload) {
            return Vec::new();
        }
        self.scan_full(payload)
    }

    /// [`Engine::scan`] without the quiet check: the reference the quiet check is tested
    /// (and fuzzed) against. Returns what [`Engine::scan`] returns, only slower.
    #[doc(hidden)]
    #[must_use]
    pub fn scan_full(&self, payload: &[u8]) -> Vec<Finding> {
        let mut scan = Scan::new(self);
        scan.payload(payload);
        scan.finish()
    }

    /// Scans one field value whose context is already known. Offsets index `value`.
    #[must_use]
    pub fn scan_field(&self, value: &[u8], context: &FieldContext<'_>) -> Vec<Finding> {
        let mut scan = Scan::new(self);
        if let Some(country) = context.country {
            scan.add_region(country);
        }
        let kind = context.name.map_or(FieldKind::Other, |name| {
            keywords::classify(name, context.parent)
        });
        let text = Text::root(value);
        let mut candidates = Vec::new();
        let mut runs = Vec::new();
        patterns::scan(&text.bytes, &mut candidates, &mut runs);
        for candidate in &candidates {
            scan.judge(&text, candidate, kind, context.name);
        }
        let hints = FieldHints {
            sibling: false,
            person_parent: context.parent.is_some_and(keywords::is_person_record),
        };
        scan.whole_value(
            &text,
            0..value.len(),
            kind,
            context.name,
            Syntax::Raw,
            hints,
        );
        scan.base64_runs(&text, &runs);
        scan.finish()
    }
}

/// State of one scan.
struct Scan<'e> {
    engine: &'e Engine,
    found: Vec<Finding>,
    /// Wire spans of phone numbers already reported, so that a number found twice (pattern
    /// scan and field) is validated once.
    seen_phones: std::collections::HashSet<(usize, usize)>,
    /// Names under a bare `name` key, kept when the payload is about a person.
    needs_person: Vec<Finding>,
    /// National IDs under a bare `id` key, kept when a person's name or birth date is near.
    pending_ids: Vec<Finding>,
    /// Findings inside compressed bodies (all spanning the body), kept apart from overlap
    /// resolution.
    opaque: Vec<Finding>,
    /// Decoded bytes still allowed for this payload.
    budget: usize,
    /// Countries seen in the payload (e-mail TLDs, IBANs, `+CC` phones, country fields).
    regions: Vec<String>,
}

impl<'e> Scan<'e> {
    fn new(engine: &'e Engine) -> Self {
        Self {
            engine,
            found: Vec::new(),
            opaque: Vec::new(),
            pending_ids: Vec::new(),
            needs_person: Vec::new(),
            seen_phones: std::collections::HashSet::new(),
            budget: engine.config.max_decoded_bytes,
            regions: Vec::new(),
        }
    }

    fn add_region(&mut self, region: &str) {
        let region = region.to_ascii_uppercase();
        if region.len() == 2
            && region.bytes().all(|b| b.is_ascii_uppercase())
            && !self.regions.contains(&region)
            && self.regions.len() < 8
        {
            self.regions.push(region);
        }
    }

    /// The regions learnt from the payload, then the default ones not among them.
    fn region_list(&self) -> Vec<&str> {
        let learnt = self.regions.iter().map(String::as_str);
        let defaults = phone::DEFAULT_REGIONS
            .iter()
            .copied()
            .filter(|r| !self.regions.iter().any(|learnt| learnt == r));
        learnt.chain(defaults).collect()
    }

    fn payload(&mut self, payload: &[u8]) {
        // HTTP/2 in clear text: its header blocks, HPACK-decoded into header lines. Before the
        // HTTP/1 framing, which reads the client's connection preface as a request head.
        if let Some((bytes, map)) = http2::header_lines(payload, self.budget) {
            self.budget = self.budget.saturating_sub(bytes.len());
            let lines = Text::root(payload).derive(bytes, &map);
            self.text(&lines);
        }
        // Its gzip-compressed gRPC messages, inflated: findings in one span the message.
        for message in http2::grpc_compressed_messages(payload) {
            let limit = self.engine.config.max_gzip_output.min(self.budget);
            let compressed = Text::window(payload, message);
            if let Some(inflated) = inflate::inflate(&compressed.bytes, limit) {
                self.opaque_text(&compressed, inflated);
            }
        }
        if let Some(parts) = http::parts(payload) {
            for part in parts {
                match part {
                    Part::Message(message) => self.http_message(payload, &message),
                    Part::Rest(rest) => self.text(&Text::window(payload, rest)),
                }
            }
            return;
        }
        // Regions a protocol names compressed (Kafka's record batches, MongoDB's
        // `OP_COMPRESSED`): their wire bytes are no text, blanked for the payload's own scan;
        // decompressed, they are read as the protocol's uncompressed bytes are, each finding
        // spanning the region.
        let compressed: Vec<inflate::Compressed> = kafka::compressed_batches(payload)
            .chain(mongodb::compressed_messages(payload))
            .collect();
        let root = if compressed.is_empty() {
            Text::root(payload)
        } else {
            Text::root_blanked(payload, compressed.iter().map(|c| c.range.clone()))
        };
        self.text(&root);
        for region in compressed {
            let limit = self.engine.config.max_gzip_output.min(self.budget);
            let wire = Text::window(payload, region.range);
            if let Some(bytes) = inflate::decompress(region.codec, &wire.bytes, limit) {
                self.opaque_text(&wire, bytes);
            }
        }
        let joined = framing::amqp_bodies(payload, self.budget)
            .or_else(|| framing::websocket_payloads(payload, self.budget));
        if let Some((bytes, map)) = joined {
            self.budget = self.budget.saturating_sub(bytes.len());
            let mut joined = root.derive(bytes, &map);
            // Inflated messages (`permessage-deflate`) map every byte to their whole wire span,
            // as a compressed body does: findings inside them share it.
            joined.opaque |= map.starts.windows(2).any(|pair| pair[0] == pair[1]);
            self.text(&joined);
        }
        // Mail (SMTP's `DATA`): each body in a transfer encoding, decoded whole.
        if root.depth < self.engine.config.max_decode_depth {
            let limit = self.budget.min(self.engine.config.max_decoded_bytes);
            for (bytes, map) in mime::transfer_decoded_parts(payload, limit) {
                self.budget = self.budget.saturating_sub(bytes.len());
                let body = root.derive(bytes, &map);
                self.text(&body);
            }
        }
    }

    /// Scans one HTTP message: its head, then its body de-chunked and inflated as its head says.
    fn http_message(&mut self, payload: &[u8], message: &http::Message) {
        self.text(&Text::window(payload, message.head.clone()));
        if message.body.is_empty() {
            return;
        }
        let body = payload.get(message.body.clone()).unwrap_or_default();
        let body_text = Text::window(payload, message.body.clone());
        let limit = self.budget.min(self.engine.config.max_decoded_bytes);
        let dechunked = if message.framing.chunked {
            framing::dechunk(body, limit).map(|(bytes, map)| body_text.derive(bytes, &map))
        } else {
            None
        };
        let body_text = dechunked.unwrap_or(body_text);
        let limit = self.engine.config.max_gzip_output.min(self.budget);
        let decompressed = message.framing.compressed.and_then(|coding| match coding {
            Coding::Deflate => inflate::inflate(&body_text.bytes, limit),
            Coding::Snappy => inflate::unsnappy(&body_text.bytes, limit),
        });
        let Some(inflated) = decompressed else {
            // Not compressed, or not as its head says (mislabelled, or a snappy block cut by
            // sampling, whose literals are plain bytes): scanned as it is.
            self.text(&body_text);
            return;
        };
        self.opaque_text(&body_text, inflated);
    }

    /// Scans `inflated`, the decompressed bytes of `compressed`: each byte maps to all of
    /// `compressed`, which findings inside it share.
    fn opaque_text(&mut self, compressed: &Text<'_>, inflated: Vec<u8>) {
        self.budget = self.budget.saturating_sub(inflated.len());
        let mut map = SpanMap::with_capacity(inflated.len());
        for _ in 0..inflated.len() {
            map.push(0..compressed.bytes.len());
        }
        let mut text = compressed.derive(inflated, &map);
        text.opaque = true;
        self.text(&text);
    }

    /// Scans one buffer.
    fn text(&mut self, text: &Text<'_>) {
        self.text_in(text, None);
    }

    /// Scans one buffer; `outer` is the field the whole buffer is the value of (a decoded JSON
    /// string, form value or base64 field), which gives context to values outside inner fields.
    fn text_in(&mut self, text: &Text<'_>, outer: Option<(FieldKind, &str)>) {
        let bytes: &[u8] = &text.bytes;
        let mut candidates = Vec::new();
        let mut runs = Vec::new();
        // Binary framing glued to values (LDAP's BER tags, protobuf's) is blanked for the
        // pattern scan, at the same offsets.
        let framing = fields::binary_framing(bytes);
        if framing.is_empty() {
            patterns::scan(bytes, &mut candidates, &mut runs);
        } else {
            let mut blanked = bytes.to_vec();
            for range in framing {
                if let Some(framing) = blanked.get_mut(range) {
                    framing.fill(0);
                }
            }
            patterns::scan(&blanked, &mut candidates, &mut runs);
        }
        let fields = fields::extract(bytes);
        self.learn_regions(text, &candidates, &fields);
        // Each field's name is decoded once and reused for its kind, its candidates and its
        // field-decided detectors.
        let keys: Vec<std::borrow::Cow<'_, str>> = fields
            .iter()
            .map(|f| {
                f.label.map_or_else(
                    || key_name(text.get(f.key.clone())),
                    std::borrow::Cow::Borrowed,
                )
            })
            .collect();
        // Siblings share their parent: its name is decoded once per run of siblings.
        let mut last_parent: Option<(Range<usize>, std::borrow::Cow<'_, str>)> = None;
        let mut kinds: Vec<FieldKind> = fields
            .iter()
            .zip(&keys)
            .map(|(f, key)| {
                if let Some(kind) = f.kind_hint {
                    return kind;
                }
                let parent = f.parent.clone().map(|p| {
                    match &last_parent {
                        Some((range, name)) if *range == p => {}
                        _ => last_parent = Some((p.clone(), key_name(text.get(p)))),
                    }
                    last_parent.as_ref().map_or("", |(_, name)| &**name)
                });
                keywords::classify(key, parent)
            })
            .collect();
        labelled_values(text, &fields, &keys, &mut kinds);
        for candidate in &candidates {
            let field = fields::field_around(&fields, &candidate.span);
            let (kind, key) = match field.and_then(|i| keys.get(i).zip(kinds.get(i))) {
                Some((key, &kind)) => (kind, Some(&**key)),
                None => outer.map_or((FieldKind::Other, None), |(k, name)| (k, Some(name))),
            };
            let kind = refine_kind(bytes, candidate, kind);
            self.judge(text, candidate, kind, key);
        }
        for ((field, &kind), key) in fields.iter().zip(&kinds).zip(&keys) {
            self.field(text, &fields, field, kind, key);
        }
        self.free_text_names(text, &candidates);
        self.base64_runs(text, &runs);
        self.settle_pending_ids();
    }

    /// Keeps pending national IDs that sit within a person record.
    fn settle_pending_ids(&mut self) {
        /// How far (bytes) a name or birth date may be from the ID.
        const NEAR: usize = 160;
        for id in std::mem::take(&mut self.pending_ids) {
            let person_near = self.found.iter().any(|f| {
                matches!(f.data_type, DataType::PersonName | DataType::DateOfBirth)
                    && f.start < id.end + NEAR
                    && id.start < f.end + NEAR
            });
            if person_near {
                self.found.push(id);
            }
        }
    }

    /// Names next to an e-mail address (`Anna Schmidt <anna@...>`, a CSV cell before the
    /// address), before a SIP URI (`"Anna Schmidt" <sip:+4930...@pbx>`, the display name of
    /// RFC 3261's name-addr) and after a greeting (`Hallo Gilles,`).
    fn free_text_names(&mut self, text: &Text<'_>, candidates: &[Candidate]) {
        /// Built once: every buffer the full scan reads is asked.
        static SIP_URI: LazyLock<memchr::memmem::Finder<'static>> =
            LazyLock::new(|| memchr::memmem::Finder::new("<sip"));
        let bytes: &[u8] = &text.bytes;
        for c in candidates.iter().filter(|c| c.data_type == DataType::Email) {
            if let Some(span) = names::name_before(bytes, c.span.start) {
                self.push(text, DataType::PersonName, span, 0.8, None, None);
            }
        }
        for at in SIP_URI.find_iter(bytes) {
            let scheme = bytes.get(at + 4..).unwrap_or_default();
            if (scheme.starts_with(b":") || scheme.starts_with(b"s:"))
                && let Some(span) = names::name_before(bytes, at + 1)
            {
                self.push(text, DataType::PersonName, span, 0.8, None, None);
            }
        }
        for span in names::greeted_names(bytes) {
            self.push(text, DataType::PersonName, span, 0.8, None, None);
        }
    }

    fn learn_regions(&mut self, text: &Text<'_>, candidates: &[Candidate], fields: &[Field]) {
        /// Field names whose value ends in a country code.
        const COUNTRY_KEYS: [&[u8]; 10] = [
            b"country",
            b"country_code",
            b"countrycode",
            b"land",
            b"pays",
            b"pais",
            b"locale",
            b"lang",
            b"language",
            b"nationality",
        ];
        for c in candidates {
            match c.data_type {
                DataType::Iban | DataType::Phone => {
                    if let Some(r) = &c.country {
                        self.add_region(r);
                    }
                }
                DataType::Email => {
                    let value = text.get(c.span.clone());
                    let tld = value.rsplit(|&b| b == b'.').next().unwrap_or_default();
                    let region = match tld {
                        b"uk" => Some("GB"),
                        b"com" | b"net" | b"org" | b"biz" | b"info" | b"io" | b"eu" => None,
                        t if t.len() == 2 => std::str::from_utf8(t).ok(),
                        _ => None,
                    };
                    if let Some(r) = region {
                        self.add_region(r);
                    }
                }
                _ => {}
            }
        }
        for f in fields {
            if f.label == Some(fields::COUNTRY_CODE) {
                let code = text.get(f.value.clone());
                if code.len() == 2 {
                    self.add_region(&String::from_utf8_lossy(code));
                } else if let Some(region) = fields::alpha2_of(code) {
                    self.add_region(region);
                }
                continue;
            }
            if f.label == Some(fields::X12_IMPLIED_US) {
                self.add_region("US");
                continue;
            }
            let key = text.get(f.key.clone());
            if (4..=12).contains(&key.len())
                && COUNTRY_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
            {
                let v = text.get(f.value.clone());
                if let Some(cc) = v.get(v.len().saturating_sub(2)..)
                    && let Ok(cc) = std::str::from_utf8(cc)
                {
                    self.add_region(cc);
                }
            }
        }
    }

    fn push(
        &mut self,
        text: &Text<'_>,
        data_type: DataType,
        span: Range<usize>,
        confidence: f32,
        context: Option<String>,
        country: Option<String>,
    ) {
        let value = text.get(span.clone());
        let evidence = redact(data_type, value);
        let wire = text.to_payload(span);
        if wire.is_empty() {
            return;
        }
        if data_type == DataType::Phone {
            self.seen_phones.insert((wire.start, wire.end));
        }
        let finding = Finding {
            data_type,
            start: wire.start,
            end: wire.end,
            confidence,
            context,
            country,
            evidence,
        };
        if text.opaque {
            /// Findings kept per payload from compressed bodies (they all share a span).
            const MAX_OPAQUE: usize = 256;
            if self.opaque.len() < MAX_OPAQUE
                && !self
                    .opaque
                    .iter()
                    .any(|f| f.data_type == finding.data_type && f.evidence == finding.evidence)
            {
                self.opaque.push(finding);
            }
        } else {
            self.found.push(finding);
        }
    }

    /// Decides a pattern candidate by its field context.
    #[expect(
        clippy::too_many_lines,
        reason = "one rule table: each type with its context rules"
    )]
    fn judge(&mut self, text: &Text<'_>, c: &Candidate, kind: FieldKind, key: Option<&str>) {
        // Built only for a finding: most candidates are judged away.
        let context = || key.filter(|k| !k.is_empty()).map(str::to_owned);
        let conf = match c.data_type {
            DataType::Email => Some(if kind == FieldKind::Email { 0.99 } else { 0.95 }),
            DataType::Iban => Some(0.97),
            DataType::MacAddress => Some(if kind == FieldKind::Mac { 0.97 } else { 0.9 }),
            DataType::Jwt => {
                let claims = c.claims.join(",");
                self.push(
                    text,
                    DataType::Jwt,
                    c.span.clone(),
                    0.95,
                    Some(claims),
                    None,
                );
                None
            }
            DataType::Ipv4 | DataType::Ipv6
                if network::names_no_device(text.get(c.span.clone())) =>
            {
                None
            }
            DataType::Ipv4 | DataType::Ipv6 => match kind {
                FieldKind::Version | FieldKind::Server => None,
                FieldKind::Ip => Some(0.97),
                _ => Some(0.85),
            },
            DataType::CreditCard => match kind {
                FieldKind::Card => Some(0.99),
                FieldKind::BusinessId
                | FieldKind::Imei
                | FieldKind::Phone
                | FieldKind::NationalId
                | FieldKind::Version
                | FieldKind::Sensor
                | FieldKind::OtherDate => None,
                _ => Some(0.9),
            },
            DataType::Imei => match kind {
                FieldKind::Card => {
                    self.push(
                        text,
                        DataType::CreditCard,
                        c.span.clone(),
                        0.9,
                        context(),
                        None,
                    );
                    None
                }
                FieldKind::Imei => Some(0.97),
                FieldKind::BusinessId
                | FieldKind::Phone
                | FieldKind::NationalId
                | FieldKind::Version
                | FieldKind::Sensor => None,
                _ => Some(0.8),
            },
            DataType::Phone => match (c.strength, kind) {
                (_, FieldKind::Phone) => {
                    let wire = text.to_payload(c.span.clone());
                    if self.seen_phones.contains(&(wire.start, wire.end)) {
                        return;
                    }
                    let value = text.get(c.span.clone());
                    let regions = self.region_list();
                    let region = c
                        .country
                        .clone()
                        .or_else(|| phone::valid_phone(value, &regions));
                    if region.is_some() {
                        self.push(
                            text,
                            DataType::Phone,
                            c.span.clone(),
                            0.95,
                            context(),
                            region,
                        );
                    }
                    None
                }
                (
                    Strength::Strong,
                    FieldKind::Other
                    | FieldKind::FullName
                    | FieldKind::Email
                    | FieldKind::Address
                    | FieldKind::ThingName,
                ) => Some(0.85),
                _ => None,
            },
            DataType::NationalId => match (c.strength, kind) {
                (_, FieldKind::NationalId) => Some(0.95),
                (Strength::Strong, FieldKind::Other | FieldKind::FullName) => Some(0.85),
                // A bare `id` holding a checksum-valid national ID: believed only in a record
                // about a person (a name or birth date nearby), decided after the buffer.
                // A JSON number (`"id": 654459431`) is a database key, not a national ID.
                (_, FieldKind::BusinessId)
                    if key.is_some_and(keywords::is_bare_id_key)
                        && !is_json_number(&text.bytes, &c.span) =>
                {
                    let wire = text.to_payload(c.span.clone());
                    let evidence = redact(DataType::NationalId, text.get(c.span.clone()));
                    if self.pending_ids.len() >= 64 {
                        return;
                    }
                    self.pending_ids.push(Finding {
                        data_type: DataType::NationalId,
                        start: wire.start,
                        end: wire.end,
                        confidence: 0.8,
                        context: context(),
                        country: c.country.clone(),
                        evidence,
                    });
                    return;
                }
                _ => None,
            },
            DataType::GpsCoordinates => match kind {
                FieldKind::Sensor => None,
                FieldKind::Coordinates | FieldKind::Latitude | FieldKind::Longitude => Some(0.95),
                _ => Some(0.8),
            },
            _ => None,
        };
        if let Some(conf) = conf {
            self.push(
                text,
                c.data_type,
                c.span.clone(),
                conf,
                context(),
                c.country.clone(),
            );
        }
    }

    /// Field-decided detection on one field's value.
    fn field(
        &mut self,
        text: &Text<'_>,
        fields: &[Field],
        field: &Field,
        kind: FieldKind,
        key: &str,
    ) {
        let value = text.get(field.value.clone());
        // Escaped values: decode, then scan the decoded form with this field's context.
        let decoded = match field.syntax {
            Syntax::JsonString => escapes::json_unescape(value),
            Syntax::KeyValue { quote: None } => {
                escapes::url_decode(value).or_else(|| escapes::xml_unescape(value))
            }
            Syntax::KeyValue { quote: Some(q) } => escapes::unquote(value, q),
            Syntax::Csv { quoted: true } => escapes::unquote(value, b'"'),
            Syntax::Xml => escapes::xml_unescape(value),
            Syntax::Header => {
                escapes::rfc2047_q_decode(value).or_else(|| escapes::stomp_unescape(value))
            }
            Syntax::Edi {
                release: Some(release),
            } => escapes::release_unescape(value, release),
            Syntax::Base64 => base64::decode_value(value, self.engine.config.max_base64_field),
            Syntax::VCard => escapes::vcard_unescape(value),
            Syntax::Hl7 { escape } => escapes::hl7_unescape(value, escape),
            Syntax::MysqlDate => fields::mysql::date_text(value),
            _ => None,
        };
        if let Some((bytes, local)) = decoded
            && text.depth < self.engine.config.max_decode_depth
            && bytes.len() <= self.budget
        {
            self.budget -= bytes.len();
            let mut shifted = SpanMap::with_capacity(bytes.len());
            for (s, e) in local.starts.iter().zip(&local.ends) {
                shifted.push(field.value.start + s..field.value.start + e);
            }
            let view = text.derive(bytes, &shifted);
            self.text_in(&view, Some((kind, key)));
            let whole = 0..view.bytes.len();
            let hints = FieldHints::of(text, fields, field, kind);
            self.whole_value(&view, whole, kind, Some(key), field.syntax, hints);
            return;
        }
        let hints = FieldHints::of(text, fields, field, kind);
        self.whole_value(
            text,
            field.value.clone(),
            kind,
            Some(key),
            field.syntax,
            hints,
        );
    }

    /// Detectors that the field name decides, on a whole value.
    #[expect(
        clippy::too_many_lines,
        reason = "one dispatch over field kinds, each arm short"
    )]
    fn whole_value(
        &mut self,
        text: &Text<'_>,
        span: Range<usize>,
        kind: FieldKind,
        key: Option<&str>,
        syntax: Syntax,
        hints: FieldHints,
    ) {
        let sibling = hints.sibling;
        let raw = text.get(span.clone());
        let lead = raw.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let trail = raw
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
        if lead + trail >= raw.len() {
            return;
        }
        let span = span.start + lead..span.end - trail;
        let value = text.get(span.clone());
        // Built only for a finding: most values are not personal data.
        let context = || key.filter(|k| !k.is_empty()).map(str::to_owned);
        let positional = matches!(
            syntax,
            Syntax::Hl7 { .. } | Syntax::Edi { .. } | Syntax::Dicom
        );
        match kind {
            // A bare `name` is a person's only in a record about a person: under a person-ish
            // parent (`customer`, `user`), or in a payload that also holds an e-mail address,
            // phone number, birth date or similar (decided at the end of the scan). Otherwise it
            // names a room, device or metric ("Living Room").
            FieldKind::FullName
                if key.is_some_and(keywords::is_bare_name_key) && !hints.person_parent =>
            {
                let one_word = names::name_shape(value, 1, 1) && value.len() >= 3;
                if (names::name_shape(value, 2, 4) || one_word) && self.needs_person.len() < 64 {
                    let before = self.found.len();
                    self.push(text, DataType::PersonName, span, 0.8, context(), None);
                    if self.found.len() > before
                        && let Some(f) = self.found.pop()
                    {
                        self.needs_person.push(f);
                    }
                }
            }
            FieldKind::FullName if names::name_shape(value, 2, 4) => {
                self.push(text, DataType::PersonName, span, 0.9, context(), None);
            }
            FieldKind::FullName
                if key.is_some_and(keywords::is_bare_name_key)
                    && names::name_shape(value, 1, 1)
                    && value.len() >= 3 =>
            {
                self.push(text, DataType::PersonName, span, 0.8, context(), None);
            }
            // A position that holds a person's name (HL7, X12, EDIFACT) takes it in capitals too,
            // as these interchanges often write names (`LINDQVIST^ANNIKA`).
            FieldKind::FullName if positional && names::capitals_name_shape(value, 2, 4) => {
                self.push(text, DataType::PersonName, span, 0.9, context(), None);
            }
            FieldKind::FirstName | FieldKind::LastName
                if names::name_shape(value, 1, 3)
                    || (positional && names::capitals_name_shape(value, 1, 3)) =>
            {
                self.push(text, DataType::PersonName, span, 0.9, context(), None);
            }
            // EDIFACT writes a birth date as `YYMMDD` too (`DTM+329:840312`, format 101).
            FieldKind::DateOfBirth
                if dates::is_birth_date(value)
                    || (matches!(syntax, Syntax::Edi { .. })
                        && dates::is_short_birth_date(value)) =>
            {
                self.push(text, DataType::DateOfBirth, span, 0.95, context(), None);
            }
            FieldKind::Address
                if names::address_shape(value) || names::street_name_shape(value) =>
            {
                self.push(text, DataType::PostalAddress, span, 0.85, context(), None);
            }
            FieldKind::Phone => {
                // The pattern scan may have validated this very number already.
                let wire = text.to_payload(span.clone());
                if self.seen_phones.contains(&(wire.start, wire.end)) {
                    return;
                }
                let regions = self.region_list();
                if let Some(region) = phone::valid_phone(value, &regions) {
                    self.push(text, DataType::Phone, span, 0.95, context(), Some(region));
                }
            }
            FieldKind::NationalId => {
                let hint = self.regions.first().cloned();
                if let Some(id) = national_id::identify(value, hint.as_deref()) {
                    self.push(
                        text,
                        DataType::NationalId,
                        span,
                        0.95,
                        context(),
                        Some(id.scheme.to_owned()),
                    );
                }
            }
            FieldKind::Latitude | FieldKind::Longitude if sibling => {
                if let Some((v, len)) = gps::degrees(value)
                    && len == value.len()
                    && (if kind == FieldKind::Latitude {
                        gps::is_latitude(v)
                    } else {
                        gps::is_longitude(v)
                    })
                {
                    self.push(text, DataType::GpsCoordinates, span, 0.92, context(), None);
                }
            }
            FieldKind::Coordinates => {
                let lon_first = matches!(syntax, Syntax::JsonNumberArray | Syntax::GeoPair);
                let pair = if syntax == Syntax::GeoPair {
                    Some(value.len())
                } else {
                    gps::pair_len(value, lon_first).or_else(|| gps::pair_len(value, !lon_first))
                };
                if pair == Some(value.len()) {
                    self.push(text, DataType::GpsCoordinates, span, 0.95, context(), None);
                }
            }
            FieldKind::Passport => {
                let ok = (6..=12).contains(&value.len())
                    && value.iter().all(u8::is_ascii_alphanumeric)
                    && value.iter().any(u8::is_ascii_digit);
                if ok {
                    self.push(text, DataType::PassportNumber, span, 0.9, context(), None);
                }
            }
            _ => {}
        }
    }

    /// Decodes base64 runs that hold text and scans them as further buffers.
    fn base64_runs(&mut self, text: &Text<'_>, runs: &[Range<usize>]) {
        if text.depth >= self.engine.config.max_decode_depth {
            return;
        }
        for run in runs {
            let bytes = text.get(run.clone());
            let Some((decoded, local)) =
                base64::decode_text_run(bytes, self.engine.config.max_base64_field)
            else {
                continue;
            };
            if decoded.len() > self.budget {
                return;
            }
            self.budget -= decoded.len();
            let mut shifted = SpanMap::with_capacity(decoded.len());
            for (s, e) in local.starts.iter().zip(&local.ends) {
                shifted.push(run.start + s..run.start + e);
            }
            let inner = text.derive(decoded, &shifted);
            self.text(&inner);
        }
    }

    /// Resolves overlaps (higher confidence, then longer span, wins) and applies the threshold.
    fn finish(mut self) -> Vec<Finding> {
        let about_person = self.found.iter().chain(&self.opaque).any(|f| {
            matches!(
                f.data_type,
                DataType::Email
                    | DataType::Phone
                    | DataType::DateOfBirth
                    | DataType::NationalId
                    | DataType::Iban
                    | DataType::PostalAddress
                    | DataType::CreditCard
                    | DataType::PassportNumber
            )
        });
        if about_person {
            self.found.append(&mut self.needs_person);
        }
        let min = self.engine.config.min_confidence;
        self.found.retain(|f| f.confidence >= min);
        self.found.sort_by(|a, b| {
            b.confidence
                .total_cmp(&a.confidence)
                .then((b.end - b.start).cmp(&(a.end - a.start)))
                .then(a.start.cmp(&b.start))
        });
        // Kept spans never overlap, so the one starting last before `f.end` is the only one
        // that can overlap `f`.
        let mut taken: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
        let mut kept: Vec<Finding> = Vec::with_capacity(self.found.len());
        for f in self.found {
            let overlaps = taken
                .range(..f.end)
                .next_back()
                .is_some_and(|(_, &end)| end > f.start);
            if !overlaps {
                taken.insert(f.start, f.end);
                kept.push(f);
            }
        }
        kept.extend(self.opaque.into_iter().filter(|f| f.confidence >= min));
        kept.sort_by_key(|f| (f.start, f.end));
        kept
    }
}

/// Looks at the words before a candidate where its field alone does not decide.
fn refine_kind(bytes: &[u8], c: &Candidate, kind: FieldKind) -> FieldKind {
    let generic = matches!(
        kind,
        FieldKind::Other | FieldKind::FullName | FieldKind::ThingName
    );
    let ask = match c.data_type {
        DataType::Ipv4 | DataType::Ipv6 => kind != FieldKind::Ip,
        DataType::Phone | DataType::NationalId => c.strength == Strength::NeedsContext && generic,
        _ => false,
    };
    // Framed as a server's address by its protocol, whatever its field is named (a NATS
    // `INFO`'s `client_ip`).
    if matches!(c.data_type, DataType::Ipv4 | DataType::Ipv6)
        && server_address::is_server_address(bytes, &c.span)
    {
        return FieldKind::Server;
    }
    if !ask {
        return kind;
    }
    match keywords::preceding_kind(bytes, c.span.start) {
        FieldKind::Other => kind,
        found => found,
    }
}

/// What a field's neighbourhood says about its value.
#[derive(Clone, Copy, Debug, Default)]
struct FieldHints {
    /// A latitude has a longitude sibling nearby (or the reverse).
    sibling: bool,
    /// The enclosing object is a person record (`customer`, `user`, `contact`...).
    person_parent: bool,
}

impl FieldHints {
    fn of(text: &Text<'_>, fields: &[Field], field: &Field, kind: FieldKind) -> Self {
        // Only a bare `name` field asks whether its parent is a person record.
        let person_parent = kind == FieldKind::FullName
            && field
                .parent
                .clone()
                .is_some_and(|p| keywords::is_person_record(&key_name(text.get(p))));
        Self {
            sibling: has_sibling(text, fields, field, kind),
            person_parent,
        }
    }
}

/// Gives a generic value field (`value`, `val`, `v`) the kind its label names: a field near
/// it (up to three fields away) in the same object (`key`, `name`, `system`, `type`, `field`, `attribute`, `label`, `k`,
/// `n`) whose short string value classifies as a field name does. Name and value come as a pair
/// in FHIR contact points (`{"system":"phone","value":"+49 ..."}`), tag and attribute lists
/// (`{"Key":"msisdn","Value":...}`), headers carried as pairs and `SenML` records (`n`, `v`).
/// OpenTelemetry's JSON wraps the value in an `AnyValue` object
/// (`{"key":"user.full_name","value":{"stringValue":"Anna Berg"}}`): its `stringValue` (or
/// `intValue`, a 64-bit integer written as a string) is the value, the label a sibling of the
/// object.
///
/// Only the label's kind is taken, never its text: a finding's context stays the value
/// field's own name.
fn labelled_values(
    text: &Text<'_>,
    fields: &[Field],
    keys: &[std::borrow::Cow<'_, str>],
    kinds: &mut [FieldKind],
) {
    /// Longest label read, in bytes.
    const MAX_LABEL: usize = 48;
    let is_value = |key: &str| {
        ["value", "val", "v"]
            .iter()
            .any(|name| key.eq_ignore_ascii_case(name))
    };
    let is_label = |key: &str| {
        [
            "key",
            "name",
            "system",
            "type",
            "field",
            "attribute",
            "label",
            "k",
            "n",
        ]
        .iter()
        .any(|name| key.eq_ignore_ascii_case(name))
    };
    // An `AnyValue`'s text, in an object that is the value of a `value` field.
    let is_any_value = |field: &Field, key: &str| {
        ["stringValue", "intValue"].contains(&key)
            && field
                .parent
                .as_ref()
                .is_some_and(|parent| is_value(&String::from_utf8_lossy(text.get(parent.clone()))))
    };
    for (i, field) in fields.iter().enumerate() {
        // The generic names' own kinds: `value` and `val` none, `v` a version (SenML's value
        // is `v`).
        let generic = matches!(kinds.get(i), Some(FieldKind::Other | FieldKind::Version));
        let Some(key) = keys.get(i) else { continue };
        let wrapped = is_any_value(field, key);
        if !generic || !(is_value(key) || wrapped) {
            continue;
        }
        // The nearest fields on either side first: a label may sit one or two fields away
        // (`{"system":"phone","use":"home","value":...}`).
        let mut nearest = [1, 2, 3]
            .into_iter()
            .flat_map(|d| [i.wrapping_sub(d), i + d]);
        let label = nearest.find_map(|j| {
            let other = fields.get(j)?;
            let (start, end) = if j < i {
                (other.value.end, field.value.start)
            } else {
                (field.value.end, other.value.start)
            };
            // Siblings: the same parent, and no object opens or closes between them; or, for a
            // wrapped value, the label a sibling of its object, which opens or closes between
            // them alone.
            let between = text.bytes.get(start..end)?;
            let count = |brace: u8| memchr::memchr_iter(brace, between).count();
            let same_object = if wrapped {
                let (opens, closes) = (count(b'{'), count(b'}'));
                other.parent != field.parent
                    && if j < i {
                        (opens, closes) == (1, 0)
                    } else {
                        (opens, closes) == (0, 1)
                    }
            } else {
                other.parent == field.parent && count(b'{') + count(b'}') == 0
            };
            (same_object && is_label(keys.get(j)?) && other.value.len() <= MAX_LABEL)
                .then(|| std::str::from_utf8(text.get(other.value.clone())).ok())
                .flatten()
        });
        let named = label.map_or(FieldKind::Other, |label| keywords::classify(label, None));
        if let Some(kind) = kinds.get_mut(i).filter(|_| named != FieldKind::Other) {
            *kind = named;
        }
    }
}

/// Whether a latitude field has a longitude sibling nearby (or the reverse).
fn has_sibling(text: &Text<'_>, fields: &[Field], field: &Field, kind: FieldKind) -> bool {
    /// Fields looked at on each side (fields are sorted by position).
    const WINDOW: usize = 16;
    let want = match kind {
        FieldKind::Latitude => FieldKind::Longitude,
        FieldKind::Longitude => FieldKind::Latitude,
        _ => return false,
    };
    let at = fields.partition_point(|f| f.value.start < field.value.start);
    let lo = at.saturating_sub(WINDOW);
    let hi = (at + WINDOW).min(fields.len());
    fields.get(lo..hi).unwrap_or_default().iter().any(|f| {
        f.value.start.abs_diff(field.value.start) < 160
            && f.value != field.value
            && keywords::classify(&key_name(text.get(f.key.clone())), None) == want
    })
}

/// Whether `span` is an unquoted JSON number value (`"key": 123`).
fn is_json_number(bytes: &[u8], span: &Range<usize>) -> bool {
    let before = bytes.get(..span.start).unwrap_or_default();
    let prev = before.iter().rev().find(|b| !b.is_ascii_whitespace());
    prev == Some(&b':')
        && bytes
            .get(span.end)
            .is_none_or(|&b| matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r'))
}

/// A field name as text, URL-decoded (`customer%5Bemail%5D` reads `customer[email]`).
fn key_name(raw: &[u8]) -> std::borrow::Cow<'_, str> {
    let raw = raw.get(..raw.len().min(128)).unwrap_or_default();
    // Most names have nothing to decode: one pass instead of two decoder probes.
    if !raw.iter().any(|&b| matches!(b, b'%' | b'+' | b'\\')) {
        return String::from_utf8_lossy(raw);
    }
    // JSON keys may be escaped too (`"Stra\u00dfe"`).
    match escapes::url_decode(raw).or_else(|| escapes::json_unescape(raw)) {
        Some((decoded, _)) => {
            std::borrow::Cow::Owned(String::from_utf8_lossy(&decoded).into_owned())
        }
        None => String::from_utf8_lossy(raw),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each finding's type, the bytes it spans and the context that decided it.
    fn in_context<'a>(
        payload: &'a [u8],
        found: &'a [Finding],
    ) -> Vec<(DataType, &'a [u8], Option<&'a str>)> {
        found
            .iter()
            .map(|f| (f.data_type, &payload[f.start..f.end], f.context.as_deref()))
            .collect()
    }

    /// `payload`'s findings are `want` (type, bytes, context), with and without the quiet check.
    fn assert_found(engine: &Engine, payload: &[u8], want: &[(DataType, &[u8], Option<&str>)]) {
        let found = engine.scan(payload);
        assert_eq!(in_context(payload, &found), want);
        assert_eq!(found, engine.scan_full(payload));
    }

    fn types(payload: &str) -> Vec<(DataType, String)> {
        let engine = Engine::new(EngineConfig::default()).unwrap();
        engine
            .scan(payload.as_bytes())
            .into_iter()
            .map(|f| (f.data_type, payload[f.start..f.end].to_owned()))
            .collect()
    }

    #[test]
    fn json_customer_record() {
        let got = types(
            r#"{"firstname":"Paloma","surname":"Cortés","user_email":"paloma.cortes@gmail.com","birthdate":"1949-12-07","national_id":"Z4783093H","order_id":"4111111111111111"}"#,
        );
        assert!(got.contains(&(DataType::PersonName, "Paloma".into())));
        assert!(got.contains(&(DataType::PersonName, "Cortés".into())));
        assert!(got.contains(&(DataType::Email, "paloma.cortes@gmail.com".into())));
        assert!(got.contains(&(DataType::DateOfBirth, "1949-12-07".into())));
        assert!(got.contains(&(DataType::NationalId, "Z4783093H".into())));
        assert!(
            !got.iter().any(|(t, _)| *t == DataType::CreditCard),
            "order ids are not cards"
        );
    }

    #[test]
    fn url_encoded_form_maps_to_wire_bytes() {
        let got = types(
            "POST /f HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nuser_email=livia.j%40lindahl.com&vorname=Livia",
        );
        assert!(got.contains(&(DataType::Email, "livia.j%40lindahl.com".into())));
        assert!(got.contains(&(DataType::PersonName, "Livia".into())));
    }

    fn spans(payload: &[u8]) -> Vec<(DataType, std::ops::Range<usize>)> {
        let engine = Engine::new(EngineConfig::default()).unwrap();
        engine
            .scan(payload)
            .into_iter()
            .map(|f| (f.data_type, f.start..f.end))
            .collect()
    }

    /// A request with the e-mail address `{name}@example.com` in a JSON body of its length.
    fn plain_request(name: &str) -> Vec<u8> {
        let body = format!(r#"{{"contact":"{name}@example.com"}}"#);
        format!(
            "POST /v1/users HTTP/1.1\r\nHost: api\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    }

    /// Where `needle` sits in `haystack`.
    fn find(haystack: &[u8], needle: &str) -> std::ops::Range<usize> {
        let at = memchr::memmem::find(haystack, needle.as_bytes()).unwrap();
        at..at + needle.len()
    }

    #[test]
    fn each_kept_alive_message_is_framed_by_its_own_head() {
        // A chunked body, then a plain request: the second was dropped with the first's framing.
        let mut payload =
            b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
                .to_vec();
        payload.extend(plain_request("anna.schmidt"));
        assert_eq!(
            spans(&payload),
            vec![(DataType::Email, find(&payload, "anna.schmidt@example.com"))]
        );

        // A plain request, then one with a gzip body: the second body is inflated.
        let body = inflate::gzip(br#"{"contact":"bert.meier@example.com"}"#);
        let mut payload = plain_request("anna.schmidt");
        let (second, second_body_start) =
            http::message_with_body("POST /b HTTP/1.1\r\nContent-Encoding: gzip\r\n", &body);
        let body_start = payload.len() + second_body_start;
        payload.extend(second);
        assert_eq!(
            spans(&payload),
            vec![
                (DataType::Email, find(&payload, "anna.schmidt@example.com")),
                (DataType::Email, body_start..payload.len()),
            ]
        );

        // A gzip body, then a plain request: the bytes after the compressed body are scanned.
        let (mut payload, body_start) =
            http::message_with_body("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n", &body);
        let body_end = payload.len();
        payload.extend(plain_request("carla.rossi"));
        assert_eq!(
            spans(&payload),
            vec![
                (DataType::Email, body_start..body_end),
                (DataType::Email, find(&payload, "carla.rossi@example.com")),
            ]
        );
    }

    #[test]
    fn chunked_value_is_found() {
        let got = types(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\n{\"ip\":\"22\r\na\r\n2.4.1.10\"}\r\n0\r\n\r\n",
        );
        assert!(
            got.contains(&(DataType::Ipv4, "22\r\na\r\n2.4.1.10".into())),
            "{got:?}"
        );
    }

    #[test]
    fn version_quads_are_not_addresses() {
        let got = types(
            "GET / HTTP/1.1\r\nUser-Agent: sidecar/17.9.13.237\r\nX-Real-IP: 10.1.2.3\r\n\r\n{\"fw\":\"10.2.3.4\"}",
        );
        assert_eq!(got, vec![(DataType::Ipv4, "10.1.2.3".into())]);
    }

    #[test]
    fn phone_under_phone_key_only() {
        let got = types(r#"{"tel":"030 901820","order_id":"030 901820"}"#);
        assert_eq!(got, vec![(DataType::Phone, "030 901820".into())]);
    }

    #[test]
    fn base64_field_span_is_aligned() {
        let inner = r#"{"eMail":"radoslaw_glapiak@onet.pl"}"#;
        let b64 = ::base64::Engine::encode(&::base64::engine::general_purpose::STANDARD, inner);
        let payload = format!(r#"{{"data_base64":"{b64}"}}"#);
        let got = types(&payload);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, DataType::Email);
        let start = payload.find(&b64).unwrap();
        let (s, e) = (payload.find(&got[0].1).unwrap() - start, got[0].1.len());
        assert_eq!((s % 4, e % 4), (0, 0));
    }

    #[test]
    fn scan_field_uses_context() {
        let engine = Engine::new(EngineConfig::default()).unwrap();
        let f = engine.scan_field(b"1990-01-01", &FieldContext::named("geburtsdatum"));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].data_type, DataType::DateOfBirth);
        assert!(
            engine
                .scan_field(b"1990-01-01", &FieldContext::named("created_at"))
                .is_empty()
        );
    }

    #[test]
    fn gzip_body_findings_span_the_body() {
        let body = inflate::gzip(br#"{"full_name":"Jean Dupont","email":"jean.dupont@orange.fr"}"#);
        let mut payload = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n".to_vec();
        let body_start = payload.len();
        payload.extend_from_slice(&body);
        let engine = Engine::new(EngineConfig::default()).unwrap();
        let found = engine.scan(&payload);
        let types: Vec<DataType> = found.iter().map(|f| f.data_type).collect();
        assert!(
            types.contains(&DataType::Email) && types.contains(&DataType::PersonName),
            "{types:?}"
        );
        assert!(
            found
                .iter()
                .all(|f| f.start == body_start && f.end == payload.len())
        );
    }

    #[test]
    fn snappy_body_is_decompressed() {
        // A Prometheus remote-write request: a snappy block of protobuf, whose label values are
        // plain bytes inside it.
        let mut series = Vec::new();
        for (name, value) in [
            ("__name__", "logins_total"),
            ("user", "anna.schmidt@example.com"),
            ("instance", "gw-1:9100"),
        ] {
            for field in [name, value] {
                series.push(0x0a);
                series.push(u8::try_from(field.len()).unwrap());
                series.extend_from_slice(field.as_bytes());
            }
        }
        let body = snap::raw::Encoder::new().compress_vec(&series).unwrap();
        let (payload, body_start) = http::message_with_body(
            "POST /api/v1/write HTTP/1.1\r\nContent-Encoding: snappy\r\nContent-Type: application/x-protobuf\r\n",
            &body,
        );
        assert!(
            !quiet::is_quiet(&payload),
            "a body to decompress is never quiet"
        );
        assert_eq!(
            spans(&payload),
            vec![(DataType::Email, body_start..payload.len())]
        );
        // Cut short by sampling, the block decodes as far as it goes: the address is found in
        // it, spanning what is left of the body.
        let cut = &payload[..payload.len() - 3];
        assert_eq!(spans(cut), vec![(DataType::Email, body_start..cut.len())]);
        // A body that is no snappy block at all (mislabelled) is scanned as it is.
        let (plain, _) = http::message_with_body(
            "POST /api/v1/write HTTP/1.1\r\nContent-Encoding: snappy\r\n",
            b"{\"user\":\"anna.schmidt@example.com\"}",
        );
        let email = memchr::memmem::find(&plain, b"anna.schmidt@example.com").unwrap();
        assert_eq!(spans(&plain), vec![(DataType::Email, email..email + 24)]);
    }

    #[test]
    fn other_protocol_shapes() {
        let got = types(
            "<Customer><FirstName>J&#252;rgen</FirstName><Geburtsdatum>12.03.1980</Geburtsdatum></Customer>",
        );
        assert!(
            got.contains(&(DataType::PersonName, "J&#252;rgen".into())),
            "{got:?}"
        );
        assert!(got.contains(&(DataType::DateOfBirth, "12.03.1980".into())));
        let got = types("customer:\n  name: Anna Schmidt\n  phone: \"+49 30 901820\"\n");
        assert!(
            got.contains(&(DataType::PersonName, "Anna Schmidt".into())),
            "{got:?}"
        );
        assert!(got.contains(&(DataType::Phone, "+49 30 901820".into())));
        let got = types(
            "--XyZ\r\nContent-Disposition: form-data; name=\"birthday\"\r\n\r\n1985-01-02\r\n--XyZ--\r\n",
        );
        assert_eq!(got, vec![(DataType::DateOfBirth, "1985-01-02".into())]);
        let got = types(
            "*5\r\n$6\r\nGEOADD\r\n$6\r\nfleet1\r\n$9\r\n13.404954\r\n$9\r\n52.520008\r\n$2\r\nt7\r\n",
        );
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, DataType::GpsCoordinates);
        let got = types(
            "Received: from mx.example.net (mx.example.net [203.0.113.5])\r\nFrom: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <j.m@web.de>\r\n",
        );
        assert!(
            !got.iter().any(|(t, _)| *t == DataType::Ipv4),
            "relays are servers: {got:?}"
        );
        assert!(
            got.contains(&(DataType::PersonName, "J=C3=BCrgen_M=C3=BCller".into())),
            "{got:?}"
        );
        // A tunnel's target through a proxy is a server, as `Host` is; a client's address
        // in the same head is not.
        let got = types(
            "CONNECT 203.0.113.7:443 HTTP/1.1\r\nHost: 203.0.113.7:443\r\nX-Forwarded-For: 198.51.100.23\r\n\r\n",
        );
        assert_eq!(got, vec![(DataType::Ipv4, "198.51.100.23".into())]);
        assert_eq!(
            types("CONNECT [2001:db8::7]:443 HTTP/1.1\r\n\r\n"),
            vec![],
            "an IPv6 target"
        );
    }

    #[test]
    fn msgpack_map_fields() {
        let payload =
            b"\x83\xa4name\xaaLena Vogel\xa5email\xb1lena.vogel@web.de\xa3dob\xaa1990-02-03";
        let engine = Engine::new(EngineConfig::default()).unwrap();
        let types: Vec<DataType> = engine.scan(payload).iter().map(|f| f.data_type).collect();
        assert_eq!(
            types,
            vec![DataType::PersonName, DataType::Email, DataType::DateOfBirth]
        );
    }

    #[test]
    fn bare_id_needs_a_person_record() {
        let got = types("kyc check passed name=\"Hanna Peters\" id=154019410 dob=1971-12-21");
        assert!(
            got.contains(&(DataType::NationalId, "154019410".into())),
            "{got:?}"
        );
        let got = types(r#"{"id":154019410,"name":"Hanna Peters"}"#);
        assert!(
            !got.iter().any(|(t, _)| *t == DataType::NationalId),
            "{got:?}"
        );
        let got = types("job done id=154019410 status=ok");
        assert!(got.is_empty(), "{got:?}");
    }

    #[test]
    fn one_word_name_needs_a_person() {
        let got = types(r#"{"to":"isa@web.de","vars":{"name":"Isabella"}}"#);
        assert!(
            got.contains(&(DataType::PersonName, "Isabella".into())),
            "{got:?}"
        );
        let got = types(r#"{"name":"Kitchen","value":21.5}"#);
        assert!(got.is_empty(), "{got:?}");
    }

    #[test]
    fn cbor_fields_are_read() {
        // {"name": "Anna Berg", "phone": "0151 23456789"} in CBOR, as a CoAP device sends it.
        let mut cbor = vec![0xa2, 0x64];
        cbor.extend(b"name");
        cbor.push(0x69);
        cbor.extend(b"Anna Berg");
        cbor.push(0x65);
        cbor.extend(b"phone");
        cbor.push(0x6d);
        cbor.extend(b"0151 23456789");
        assert!(!quiet::is_quiet(&cbor));
        let engine = Engine::new(EngineConfig::default()).expect("default config");
        let found: Vec<DataType> = engine.scan(&cbor).iter().map(|f| f.data_type).collect();
        assert_eq!(found, vec![DataType::PersonName, DataType::Phone]);
    }

    #[test]
    fn hl7_fields_are_read_by_position() {
        // An ADT message as a hospital system sends it over MLLP: no field names, positions.
        let message = b"\x0bMSH|^~\\&|ADT|HOSP|||20240101120000||ADT^A01|1|P|2.5\r\
            PID|1||4711^^^HOSP^MR||Berg^Anna||19850312|F|||Hauptstr. 5^^Berlin^^10115||\
            0151 23456789\r\
            NK1|1|Berg^Jonas|SPO\r\
            PV1|1|I|W^389^1||||004777^ATTEND^AARON^A|||SUR\r\
            OBX|1|NM|8867-4^Heart rate||72|/min\r\x1c\r";
        assert!(!quiet::is_quiet(message));
        let engine = Engine::new(EngineConfig::default()).expect("default config");
        assert_found(
            &engine,
            message,
            &[
                (
                    DataType::PersonName,
                    &b"Berg"[..],
                    Some("PID-5 patient name"),
                ),
                (DataType::PersonName, b"Anna", Some("PID-5 patient name")),
                (
                    DataType::DateOfBirth,
                    b"19850312",
                    Some("PID-7 date of birth"),
                ),
                (
                    DataType::PostalAddress,
                    b"Hauptstr. 5",
                    Some("PID-11 patient address"),
                ),
                (DataType::Phone, b"0151 23456789", Some("PID-13 home phone")),
                (
                    DataType::PersonName,
                    b"Berg",
                    Some("NK1-2 next of kin name"),
                ),
                (
                    DataType::PersonName,
                    b"Jonas",
                    Some("NK1-2 next of kin name"),
                ),
                (
                    DataType::PersonName,
                    b"ATTEND",
                    Some("PV1-7 attending doctor"),
                ),
                (
                    DataType::PersonName,
                    b"AARON",
                    Some("PV1-7 attending doctor"),
                ),
            ],
        );
        // The country an address or the header (`MSH-17`) gives decides a national number's
        // region; without one, the default regions are tried in order.
        for (header, country, region) in
            [("", "", "DE"), ("", "^USA", "US"), ("|||||USA", "", "US")]
        {
            let us = format!(
                "MSH|^~\\&|ADT|HOSP|||20240101||ADT^A01|1|P|2.5{header}\r\
                 PID|1||4711||Doe^John||19610615|M|||2222 Home Street^^Greensboro^NC^27401{country}\
                 ||(336) 379-5503\r"
            );
            let found = engine.scan(us.as_bytes());
            let phone = found.iter().find(|f| f.data_type == DataType::Phone);
            assert_eq!(
                phone.and_then(|f| f.country.as_deref()),
                Some(region),
                "{found:?}"
            );
        }
        // The same segments with other positions filled: no finding from a coded field.
        let coded = b"PID|1||4711^^^HOSP^MR||||||||||||||||\rNK1|1||SPO|";
        assert!(engine.scan(coded).is_empty());
    }

    #[test]
    fn hl7_names_in_capitals_and_escapes_are_read() {
        let engine = Engine::new(EngineConfig::default()).expect("default config");
        // Names in capitals, as many hospital systems write them.
        assert_found(
            &engine,
            b"PID|1||4711||LINDQVIST^ANNIKA||19610615|M\r",
            &[
                (
                    DataType::PersonName,
                    &b"LINDQVIST"[..],
                    Some("PID-5 patient name"),
                ),
                (DataType::PersonName, b"ANNIKA", Some("PID-5 patient name")),
                (
                    DataType::DateOfBirth,
                    b"19610615",
                    Some("PID-7 date of birth"),
                ),
            ],
        );
        // Characters beyond ASCII as HL7 escapes them (`\XFC\`, ISO 8859-1): the name found
        // whole, its span the escaped bytes.
        assert_found(
            &engine,
            b"PID|1||4711||M\\XFC\\ller^Anna||19610615|M\r",
            &[
                (
                    DataType::PersonName,
                    &b"M\\XFC\\ller"[..],
                    Some("PID-5 patient name"),
                ),
                (DataType::PersonName, b"Anna", Some("PID-5 patient name")),
                (
                    DataType::DateOfBirth,
                    b"19610615",
                    Some("PID-7 date of birth"),
                ),
            ],
        );
    }

    #[test]
    fn x12_and_edifact_segments_are_read_by_position() {
        let engine = Engine::new(EngineConfig::default()).expect("default config");
        // A HIPAA enrolment (834) as a payroll system sends it to an insurer: capitals, no
        // field names, no country (X12's addresses are in the United States unless one is
        // named).
        let enrolment = b"ST*834*0001~INS*Y*18*021*28*A~REF*0F*152239999~\
            NM1*IL*1*LINDQVIST*ANNIKA*M***34*536228726~PER*IP**HP*3125551234~\
            N3*1200 MAIN STREET~N4*CHICAGO*IL*60601~DMG*D8*19840312*F~SE*9*0001~";
        assert!(!quiet::is_quiet(enrolment));
        assert_found(
            &engine,
            enrolment,
            &[
                (
                    DataType::PersonName,
                    &b"LINDQVIST"[..],
                    Some("X12 NM103 last name"),
                ),
                (
                    DataType::PersonName,
                    b"ANNIKA",
                    Some("X12 NM104 first name"),
                ),
                (DataType::NationalId, b"536228726", Some("X12 NM109 SSN")),
                (DataType::Phone, b"3125551234", Some("X12 PER phone")),
                (
                    DataType::PostalAddress,
                    b"1200 MAIN STREET",
                    Some("X12 N301 address"),
                ),
                (
                    DataType::DateOfBirth,
                    b"19840312",
                    Some("X12 DMG02 date of birth"),
                ),
            ],
        );
        let found = engine.scan(enrolment);
        let country = |t: DataType| found.iter().find(|f| f.data_type == t)?.country.clone();
        assert_eq!(country(DataType::Phone).as_deref(), Some("US"));
        assert_eq!(country(DataType::NationalId).as_deref(), Some("US_SSN"));
        // An airline's passenger list (PAXLST): a released `'` inside the surname, a birth date
        // as `YYMMDD`, a passport, and the passenger's country for the number's region.
        let passengers = b"UNA:+.? 'UNH+1+PAXLST:D:05B:UN:IATA'\
            NAD+FL+++O?'BRIEN:ANNIKA+HAUPTSTRASSE 5+BERLIN++10115+DE'DTM+329:840312'\
            DOC+P:110:111+C01X00T47'COM+030 12345678:TE'UNT+8+1'";
        assert!(!quiet::is_quiet(passengers));
        assert_found(
            &engine,
            passengers,
            &[
                (
                    DataType::PersonName,
                    &b"O?'BRIEN"[..],
                    Some("EDIFACT NAD surname"),
                ),
                (
                    DataType::PersonName,
                    b"ANNIKA",
                    Some("EDIFACT NAD given name"),
                ),
                (
                    DataType::PostalAddress,
                    b"HAUPTSTRASSE 5",
                    Some("EDIFACT NAD street"),
                ),
                (
                    DataType::DateOfBirth,
                    b"840312",
                    Some("EDIFACT DTM 329 date of birth"),
                ),
                (
                    DataType::PassportNumber,
                    b"C01X00T47",
                    Some("EDIFACT DOC passport number"),
                ),
                (DataType::Phone, b"030 12345678", Some("EDIFACT COM phone")),
            ],
        );
        // Separators an interchange header declares (here `|` and `>`): the quiet check sees the
        // header, whose segments it cannot tell from other text.
        let declared = b"ISA|00|          |00|          |ZZ|SUBMITTER      |ZZ|RECEIVER       \
            |230101|1253|^|00501|000000905|0|T|>~NM1|QC|1|Berg|Anna~";
        assert!(!quiet::is_quiet(declared));
        assert_found(
            &engine,
            declared,
            &[
                (
                    DataType::PersonName,
                    &b"Berg"[..],
                    Some("X12 NM103 last name"),
                ),
                (DataType::PersonName, b"Anna", Some("X12 NM104 first name")),
            ],
        );
        // Trade between companies: parties, addresses, a department's numbers and dates that are
        // no person's, and a birth-date qualifier on no date.
        for trade in [
            &b"UNH+1+ORDERS:D:96A:UN'BGM+220+PO4711+9'DTM+137:20230101:102'\
              NAD+BY+5412345000013::9++ACME RETAIL:STORE 12+MAIN STREET 5+BERLIN++10115+DE'\
              CTA+PD+:PURCHASING'COM+030 12345678:TE'DTM+329:ABCDEF'UNT+6+1'"[..],
            b"ST*850*0001~BEG*00*SA*PO-4711**20230101~NM1*BY*2*ACME RETAIL*****92*1234~\
              N3*1 INDUSTRY WAY~PER*BD*PURCHASING*TE*3125551234~SE*6*0001~",
        ] {
            assert_found(&engine, trade, &[]);
        }
    }

    #[test]
    fn websocket_messages_are_read_unmasked() {
        let engine = Engine::new(EngineConfig::default()).expect("default config");
        // An EV charger's OCPP call over `ws://`: a client masks every frame with a key, which
        // hides the text; the spans are the masked bytes on the wire.
        let call = br#"[2,"19223201","DataTransfer",{"vendorId":"acme","data":{"name":"Anna Berg","email":"anna.berg@example.de"}}]"#;
        let key = Some([0x37, 0xfa, 0x21, 0x3d]);
        let frame = crate::decode::framing::tests::ws_frame;
        let masked = frame(0x81, call, key);
        assert!(!quiet::is_quiet(&masked));
        let at = |value: &[u8]| {
            let start = 6 + call.windows(value.len()).position(|w| w == value).unwrap();
            &masked[start..start + value.len()]
        };
        assert_found(
            &engine,
            &masked,
            &[
                (DataType::PersonName, at(b"Anna Berg"), Some("name")),
                (DataType::Email, at(b"anna.berg@example.de"), Some("email")),
            ],
        );
        // The same message in two fragments, unmasked (a server's): the name split by the
        // framing is found whole.
        let split = call.windows(4).position(|w| w == b"Berg").unwrap();
        let mut fragments = frame(0x01, &call[..split], None);
        fragments.extend(frame(0x80, &call[split..], None));
        let found = engine.scan(&fragments);
        assert_eq!(
            found.iter().map(|f| f.data_type).collect::<Vec<_>>(),
            [DataType::PersonName, DataType::Email]
        );
        assert_eq!(found[0].end - found[0].start, b"Anna Berg".len() + 2);
        assert_eq!(found, engine.scan_full(&fragments));
        // Compressed (`permessage-deflate`, as browsers negotiate it): nothing of the text shows
        // on the wire; both values are found, each spanning the message.
        let compressed = crate::decode::framing::tests::deflate_messages(&[call]);
        let deflated = frame(0xc1, &compressed[0], key);
        assert!(!quiet::is_quiet(&deflated));
        let found = engine.scan(&deflated);
        assert_eq!(
            found
                .iter()
                .map(|f| (f.data_type, f.start, f.end))
                .collect::<Vec<_>>(),
            [
                (DataType::Email, 6, deflated.len()),
                (DataType::PersonName, 6, deflated.len())
            ]
        );
    }

    #[test]
    fn mail_bodies_in_a_transfer_encoding_are_read_decoded() {
        let engine = Engine::new(EngineConfig::default()).expect("default config");
        // A shop's notification handed to its relay: the greeting's name written as
        // quoted-printable, an address cut by a soft line break.
        let mail = b"DATA\r\nFrom: Shop <noreply@shop.example>\r\nSubject: Bestellung\r\n\
            Content-Type: text/plain; charset=UTF-8\r\n\
            Content-Transfer-Encoding: quoted-printable\r\n\r\n\
            Hallo Anna M=C3=BCller,\r\nR=C3=BCckfragen an service@exa=\r\nmple.de\r\n.\r\n";
        assert!(!quiet::is_quiet(mail));
        assert_found(
            &engine,
            mail,
            &[
                (DataType::Email, &b"noreply@shop.example"[..], Some("From")),
                (DataType::PersonName, b"Anna M=C3=BCller", None),
                (DataType::Email, b"service@exa=\r\nmple.de", None),
            ],
        );
        // A base64 body: a value across two of its lines, found whole.
        let text = "Sehr geehrte Kundin, bei Fragen zum Vertrag: kundenservice.team@example.de oder telefonisch.";
        let encoded = ::base64::Engine::encode(&::base64::engine::general_purpose::STANDARD, text);
        let (first, second) = encoded.split_at(76);
        // 76 characters a line are 57 bytes: the address runs from one line into the next.
        let address = text.find("kunden").unwrap()..text.find(" oder").unwrap();
        assert!(address.start < 57 && address.end > 57);
        let mail = format!(
            "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n{first}\r\n{second}\r\n"
        );
        let found = engine.scan(mail.as_bytes());
        assert_eq!(
            found.iter().map(|f| f.data_type).collect::<Vec<_>>(),
            [DataType::Email],
            "{found:?}"
        );
        // Whole: from the first line into the second (each line alone gives `am@example.de`).
        let line_break = mail.find(second).unwrap() - 2;
        assert!(
            found[0].start < line_break && found[0].end > line_break + 2,
            "{found:?}"
        );
        assert_eq!(found, engine.scan_full(mail.as_bytes()));
    }

    #[test]
    fn vcard_properties_are_read() {
        // A CardDAV sync: property codes, no field-name vocabulary but the vCard's own.
        let card = b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Berg;Anna;;;\r\nFN:Anna Berg\r\n\
            TEL;TYPE=CELL:0151 23456789\r\nEND:VCARD\r\n";
        assert!(!quiet::is_quiet(card));
        let engine = Engine::new(EngineConfig::default()).expect("default config");
        assert_found(
            &engine,
            card,
            &[
                (DataType::PersonName, &b"Berg"[..], Some("N")),
                (DataType::PersonName, b"Anna", Some("N")),
                (DataType::PersonName, b"Anna Berg", Some("FN")),
                (DataType::Phone, b"0151 23456789", Some("TEL")),
            ],
        );
        // Names alone: the declaration is the only word that keeps the card from being quiet.
        let names = b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Berg;Anna;;;\r\nEND:VCARD\r\n";
        assert!(!quiet::is_quiet(names));
        assert_eq!(engine.scan(names).len(), 2);
        // Lines folded at 75 bytes (a line break before a space) are one value, escapes
        // decoded; the span runs over the fold.
        let folded = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Anna-Katharina von Berg\r\n  zu Lindqvist\r\n\
            ADR;TYPE=home:;;Hauptstra\r\n ße 5;Berlin;;10115;Germany\r\n\
            TEL;VALUE=uri:tel:+49-30-1234\r\n 5678\r\nNOTE:Kunde seit 2019\\, VIP\r\nEND:VCARD\r\n";
        assert_found(
            &engine,
            folded.as_bytes(),
            &[
                (
                    DataType::PersonName,
                    &b"Anna-Katharina von Berg\r\n  zu Lindqvist"[..],
                    Some("FN"),
                ),
                (
                    DataType::PostalAddress,
                    "Hauptstra\r\n ße 5".as_bytes(),
                    Some("ADR"),
                ),
                (DataType::Phone, b"+49-30-1234\r\n 5678", Some("TEL")),
            ],
        );
    }

    #[test]
    fn ldap_entries_are_read() {
        // A directory's answer to a search, as an application reads it on port 389.
        let message = fields::tests::ldap_entry(
            "uid=aberg,ou=people,dc=example,dc=com",
            &[
                ("objectClass", &["top", "inetOrgPerson"]),
                ("cn", &["Anna Berg"]),
                ("sn", &["Berg"]),
                ("mail", &["anna.berg@example.com"]),
                ("telephoneNumber", &["030 1234567"]),
                ("postalAddress", &["Hauptstr. 5"]),
            ],
        );
        assert!(!quiet::is_quiet(&message));
        let engine = Engine::new(EngineConfig::default()).expect("default config");
        assert_found(
            &engine,
            &message,
            &[
                (DataType::PersonName, &b"Anna Berg"[..], Some("cn")),
                (DataType::PersonName, b"Berg", Some("sn")),
                (DataType::Email, b"anna.berg@example.com", Some("mail")),
                (DataType::Phone, b"030 1234567", Some("telephoneNumber")),
                (
                    DataType::PostalAddress,
                    b"Hauptstr. 5",
                    Some("postalAddress"),
                ),
            ],
        );
        // Names alone, which no word gives away: still not quiet.
        let names = fields::tests::ldap_entry("cn=x", &[("cn", &["Anna Berg"])]);
        assert!(!quiet::is_quiet(&names));
        assert_eq!(engine.scan(&names).len(), 1);
    }

    #[test]
    fn postgres_rows_and_parameters_are_read() {
        let engine = Engine::new(EngineConfig::default()).expect("default config");
        // A server's answer to `SELECT`: the name and the birth date are known by their columns
        // only.
        let result = fields::tests::pg_result(
            &["customer_id", "full_name", "birth_date", "phone", "country"],
            &[&[
                Some("1042"),
                Some("Anna Berg"),
                Some("1984-03-12"),
                Some("030 1234567"),
                None,
            ]],
        );
        assert_found(
            &engine,
            &result,
            &[
                (DataType::PersonName, &b"Anna Berg"[..], Some("full_name")),
                (DataType::DateOfBirth, b"1984-03-12", Some("birth_date")),
                (DataType::Phone, b"030 1234567", Some("phone")),
            ],
        );
        // A driver's insert with parameters: the statement names them.
        let insert = fields::tests::pg_extended_query(
            "",
            "INSERT INTO customers (first_name, last_name, date_of_birth, email) \
             VALUES ($1, $2, $3, $4)",
            &[
                Some("Anna"),
                Some("Berg"),
                Some("1984-03-12"),
                Some("anna.berg@example.com"),
            ],
        );
        assert_found(
            &engine,
            &insert,
            &[
                (DataType::PersonName, &b"Anna"[..], Some("first_name")),
                (DataType::PersonName, b"Berg", Some("last_name")),
                (DataType::DateOfBirth, b"1984-03-12", Some("date_of_birth")),
                (DataType::Email, b"anna.berg@example.com", Some("email")),
            ],
        );
        // The same columns holding telemetry: nothing.
        let telemetry = fields::tests::pg_result(
            &["device_id", "temperature", "recorded_at"],
            &[&[Some("gw-17"), Some("21.5"), Some("2026-11-24 10:00:00+00")]],
        );
        assert!(engine.scan(&telemetry).is_empty());
    }

    #[test]
    fn postgres_column_glued_to_its_count_is_not_read() {
        // 65 columns: the count's low byte `A` sits glued to the first name (`Apassport`),
        // where the quiet check sees no word; the full scan must not read the column either.
        let engine = Engine::new(EngineConfig::default()).expect("default config");
        for (first, value) in [("passport", "C01X00T47"), ("nombre", "Anna Berg")] {
            let names: Vec<String> = std::iter::once(first.to_owned())
                .chain((1..65).map(|i| format!("c{i}")))
                .collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let row: Vec<Option<&str>> = std::iter::once(Some(value))
                .chain((1..65).map(|_| Some("x")))
                .collect();
            let result = fields::tests::pg_result(&names, &[&row]);
            assert!(quiet::is_quiet(&result), "{first}");
            assert!(engine.scan_full(&result).is_empty(), "{first}");
        }
    }

    #[test]
    fn sip_uris_give_phones_and_display_names() {
        let engine = Engine::new(EngineConfig::default()).expect("default config");
        // A VoIP call's INVITE (RFC 3261): telephone subscribers are phone numbers, not
        // mailboxes; the display names before the URIs are the parties' names.
        let invite = b"INVITE sip:+4930123456@voip.example.net SIP/2.0\r\n\
            From: \"Anna Berg\" <sip:+4930987654@voip.example.net;user=phone>;tag=1\r\n\
            To: Bob Schneider <sips:bob.schneider@example.org>\r\n\
            Contact: <sip:1001@pbx.example.net>\r\n\r\n";
        let found = engine.scan(invite);
        assert_eq!(
            in_context(invite, &found)
                .into_iter()
                .map(|(t, value, _)| (t, value))
                .collect::<Vec<_>>(),
            vec![
                (DataType::Phone, &b"+4930123456"[..]),
                (DataType::PersonName, b"Anna Berg"),
                (DataType::Phone, b"+4930987654"),
                (DataType::PersonName, b"Bob Schneider"),
                (DataType::Email, b"bob.schneider@example.org"),
            ]
        );
        assert_eq!(found, engine.scan_full(invite));
        // The same shapes outside a SIP URI stay what they were.
        let mail = b"reply-to: +4930987654@mail.example.net";
        assert_eq!(
            types(std::str::from_utf8(mail).expect("ASCII")),
            vec![(DataType::Email, "4930987654@mail.example.net".to_owned())]
        );
    }

    #[test]
    fn mongodb_documents_are_read() {
        let engine = Engine::new(EngineConfig::default()).expect("default config");
        let customer = bson::doc! {
            "first_name": "Anna",
            "last_name": "Berg",
            "birth_date": "1984-03-12",
            "address": { "street": "Hauptstr. 5", "city": "Berlin" },
            "loyalty_points": 1200,
        };
        let insert = fields::tests::mongo_insert("customers", &[customer]);
        assert_found(
            &engine,
            &insert,
            &[
                (DataType::PersonName, &b"Anna"[..], Some("first_name")),
                (DataType::PersonName, b"Berg", Some("last_name")),
                (DataType::DateOfBirth, b"1984-03-12", Some("birth_date")),
                (DataType::PostalAddress, b"Hauptstr. 5", Some("street")),
            ],
        );
        // A device's readings: nothing.
        let reading = bson::doc! {
            "device_id": "gw-17",
            "firmware": "10.2.3.4",
            "readings": [{ "sensor": "temp", "value": 21.5 }],
            "recorded_at": "2026-11-24T10:00:00Z",
        };
        assert!(
            engine
                .scan(&fields::tests::mongo_insert("readings", &[reading]))
                .is_empty()
        );
    }

    #[test]
    fn mysql_rows_are_read() {
        let engine = Engine::new(EngineConfig::default()).expect("default config");
        let result = fields::mysql::tests::result(
            &["customer_id", "first_name", "last_name", "dob", "plan"],
            &[&[
                Some("7"),
                Some("Anna"),
                Some("Berg"),
                Some("1984-03-12"),
                Some("pro"),
            ]],
            false,
        );
        assert_found(
            &engine,
            &result,
            &[
                (DataType::PersonName, &b"Anna"[..], Some("first_name")),
                (DataType::PersonName, b"Berg", Some("last_name")),
                (DataType::DateOfBirth, b"1984-03-12", Some("dob")),
            ],
        );
        let readings = fields::mysql::tests::result(
            &["device_id", "temperature", "recorded_at"],
            &[&[Some("gw-17"), Some("21.5"), Some("2026-11-24 10:00:00")]],
            true,
        );
        assert!(engine.scan(&readings).is_empty());
    }

    #[test]
    fn ldif_entries_are_read() {
        let engine = Engine::new(EngineConfig::default()).expect("default config");
        // An LDAP export: `cn` and `sn` are codes, `dn` the only word that tells.
        for entry in [
            &b"dn: uid=aberg,ou=people,dc=example,dc=com\ncn: Anna Berg\nsn: Berg\n"[..],
            b"version: 1\r\n\r\ndn: uid=x\r\ncn: Anna Berg\r\n",
        ] {
            assert!(!quiet::is_quiet(entry), "{entry:?}");
            let found = engine.scan(entry);
            assert!(
                found.iter().any(|f| f.data_type == DataType::PersonName
                    && &entry[f.start..f.end] == b"Anna Berg"
                    && f.context.as_deref() == Some("cn")),
                "{found:?}"
            );
            assert_eq!(found, engine.scan_full(entry));
        }
        // Without an entry, `cn` is no name (an X.509 subject, a config key).
        assert!(engine.scan(b"cn: Build Server\nou: Lab\n").is_empty());
        // A value that is not plain ASCII is base64 (`Müller`): read decoded, under its
        // attribute's name, the span its 4-byte groups.
        let encoded = b"dn:: dWlkPWFtdWVsbGVy\ncn:: QW5uYSBNw7xsbGVy\nsn::TcO8bGxlcg==\n\
            birthDate:: MTk4NS0wMy0xMg==\ndescription:: w7xiZXIgdW5z\n";
        assert!(!quiet::is_quiet(encoded));
        assert_found(
            &engine,
            encoded,
            &[
                (DataType::PersonName, &b"QW5uYSBNw7xsbGVy"[..], Some("cn")),
                (DataType::PersonName, b"TcO8bGxlcg==", Some("sn")),
                (
                    DataType::DateOfBirth,
                    b"MTk4NS0wMy0xMg==",
                    Some("birthDate"),
                ),
            ],
        );
        // Base64 that is no text, or no base64: nothing.
        assert!(
            engine
                .scan(b"dn: uid=x\ncn:: AAEC/wD+\nsn:: not base64!\n")
                .is_empty()
        );
    }

    #[test]
    fn a_value_takes_the_kind_its_label_names() {
        let engine = Engine::new(EngineConfig::default()).expect("default config");
        // A national-format number is a phone only where a field says so: here its label.
        let fhir = r#"{"telecom":[{"system":"phone","value":"0151 23456789"}]}"#;
        let found = engine.scan(fhir.as_bytes());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].data_type, DataType::Phone);
        // The context is the value field's own name, never the label's text.
        assert_eq!(found[0].context.as_deref(), Some("value"));
        let tags =
            r#"[{"Key":"birthdate","Value":"1985-03-12"},{"Key":"created","Value":"2024-01-02"}]"#;
        assert_eq!(
            types(tags),
            vec![(DataType::DateOfBirth, "1985-03-12".to_owned())]
        );
        // SenML names its value `v`.
        let senml = r#"[{"n":"phone","v":"0151 23456789"},{"n":"fw","v":"10.2.3.4"}]"#;
        assert_eq!(
            types(senml),
            vec![(DataType::Phone, "0151 23456789".to_owned())]
        );
        // A label that names no kind gives none.
        let kitchen = r#"{"name":"Kitchen","value":"0151 23456789"}"#;
        assert!(types(kitchen).is_empty(), "{kitchen}");
        // A label two fields away in the same object still names the value.
        let apart = r#"{"telecom":[{"system":"phone","use":"home","value":"0151 23456789"}]}"#;
        assert_eq!(
            types(apart),
            vec![(DataType::Phone, "0151 23456789".to_owned())]
        );
        // OpenTelemetry's JSON wraps the value in an `AnyValue`, before or after its key.
        let otlp = r#"{"attributes":[{"key":"user.full_name","value":{"stringValue":"Anna Berg"}},{"value":{"stringValue":"0151 23456789"},"key":"user.phone"},{"key":"http.route","value":{"stringValue":"Anna Berg"}},{"key":"created","value":{"stringValue":"1985-03-12"}}]}"#;
        assert_eq!(
            types(otlp),
            vec![
                (DataType::PersonName, "Anna Berg".to_owned()),
                (DataType::Phone, "0151 23456789".to_owned())
            ]
        );
    }

    /// What `payload` holds at each finding: type, text and context.
    fn found_in(payload: &[u8]) -> Vec<(DataType, String, String)> {
        let engine = Engine::new(EngineConfig::default()).unwrap();
        let found = engine.scan(payload);
        assert_eq!(found, engine.scan_full(payload));
        found
            .iter()
            .map(|f| {
                (
                    f.data_type,
                    String::from_utf8_lossy(&payload[f.start..f.end]).into_owned(),
                    f.context.clone().unwrap_or_default(),
                )
            })
            .collect()
    }

    /// What OpenTelemetry's Python SDK (1.45.2) and its OTLP/HTTP exporter sent for a span with
    /// four attributes: a request head, then the protobuf body.
    const OTLP_HTTP: &[u8] = include_bytes!("testdata/otlp_http_traces.bin");

    /// The findings of [`OTLP_HTTP`]'s span.
    fn otlp_span_findings() -> Vec<(DataType, String, String)> {
        [
            (DataType::PersonName, "Anna Berg", "user.full_name"),
            // The next attribute's tag, `J`, glued to the address, is framing, not its domain.
            (DataType::Email, "anna.berg@example.com", "user.email"),
            (DataType::DateOfBirth, "1985-03-12", "enduser.birth_date"),
            (DataType::Phone, "+49 30 1234567", "user.phone"),
        ]
        .map(|(t, v, c)| (t, v.to_owned(), c.to_owned()))
        .to_vec()
    }

    #[test]
    fn otlp_protobuf_attributes_are_named_by_their_keys() {
        assert_eq!(found_in(OTLP_HTTP), otlp_span_findings());
    }

    #[test]
    fn otlp_over_grpc_is_read_in_its_data_frame() {
        use crate::decode::http2::tests::{client_preface, frame, headers_frame};
        // The same export over OTLP/gRPC in clear text (h2c): the protobuf body in a DATA frame,
        // behind gRPC's five-byte prefix (not compressed, then the message's length).
        let body_start = OTLP_HTTP.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        let message = &OTLP_HTTP[body_start..];
        let mut data = vec![0];
        data.extend(u32::try_from(message.len()).unwrap().to_be_bytes());
        data.extend_from_slice(message);
        let headers = headers_frame(
            &[("content-type", "application/grpc"), ("te", "trailers")],
            true,
        );
        let payload = [client_preface(), headers, frame(0x0, 0x1, 1, &data)].concat();
        assert_eq!(found_in(&payload), otlp_span_findings());
    }

    #[test]
    fn dicom_patient_elements_are_named_by_their_tags() {
        // What dcmtk's `storescu` (3.6.7) sent `storescp` to store an image: the association
        // request (its UIDs once gave 260 "national IDs"), the C-STORE command and data set.
        let payload = include_bytes!("testdata/dicom_c_store.bin");
        let got = found_in(payload);
        let want = [
            (
                DataType::PersonName,
                "Berg",
                "(0008,0090) ReferringPhysicianName",
            ),
            (
                DataType::PersonName,
                "Anna",
                "(0008,0090) ReferringPhysicianName",
            ),
            (
                DataType::PersonName,
                "Wennerström",
                "(0010,0010) PatientName",
            ),
            (DataType::PersonName, "Ottilie", "(0010,0010) PatientName"),
            (
                DataType::DateOfBirth,
                "19790523",
                "(0010,0030) PatientBirthDate",
            ),
            (
                DataType::PostalAddress,
                "Hauptstraße 5, 10115 Berlin",
                "(0010,1040) PatientAddress",
            ),
        ]
        .map(|(t, v, c)| (t, v.to_owned(), c.to_owned()));
        assert_eq!(got, want);
    }

    #[test]
    fn mongodb_documents_are_read_and_the_driver_is_no_person() {
        // What PyMongo (3.11) sent a server and got back: its handshake (`isMaster`, whose
        // client metadata names the driver `PyMongo`), an `insert` (the document in a
        // sequence of its own), and the answer to a `find`.
        let handshake = include_bytes!("testdata/mongodb_is_master.bin");
        assert_eq!(found_in(handshake), []);
        let customer = [
            (DataType::PersonName, "Ottilie", "first_name"),
            (DataType::PersonName, "Wennerström", "last_name"),
            (DataType::Email, "ottilie.w@example.org", "email"),
            (DataType::DateOfBirth, "1979-05-23", "date_of_birth"),
        ]
        .map(|(t, v, c)| (t, v.to_owned(), c.to_owned()));
        assert_eq!(
            found_in(include_bytes!("testdata/mongodb_insert.bin")),
            customer
        );
        assert_eq!(
            found_in(include_bytes!("testdata/mongodb_find_reply.bin")),
            customer
        );
        // The same with `compressors="zlib"`: `OP_COMPRESSED`, each finding spanning the
        // compressed message.
        let kinds = |found: Vec<(DataType, String, String)>| -> Vec<(DataType, String)> {
            found.into_iter().map(|(t, _, c)| (t, c)).collect()
        };
        let want = kinds(customer.to_vec());
        for message in [
            &include_bytes!("testdata/mongodb_insert_zlib.bin")[..],
            include_bytes!("testdata/mongodb_find_reply_zlib.bin"),
        ] {
            assert!(!quiet::is_quiet(message));
            let mut got = kinds(found_in(message));
            got.sort_by(|a, b| (a.0.as_str(), &a.1).cmp(&(b.0.as_str(), &b.1)));
            let mut want = want.clone();
            want.sort_by(|a, b| (a.0.as_str(), &a.1).cmp(&(b.0.as_str(), &b.1)));
            assert_eq!(got, want);
        }
    }

    #[test]
    fn servers_addresses_in_topology_answers_are_no_persons() {
        // A Kafka `Metadata` answer's broker list (version 0, and the compact strings of
        // version 9 on): node id, host, port.
        let mut metadata = vec![0, 0, 0, 0x2a, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 1, 0, 10];
        metadata.extend_from_slice(b"198.18.0.2");
        metadata.extend([0, 0, 0x23, 0x84, 0, 0, 0, 1]);
        assert_eq!(found_in(&metadata), []);
        let mut compact = vec![0, 0, 0, 0x2a, 0, 0, 0, 7, 0, 0, 0, 0, 0, 2, 0, 0, 0, 1, 11];
        compact.extend_from_slice(b"198.18.0.2");
        compact.extend([0, 0, 0x23, 0x84, 0, 0]);
        assert_eq!(found_in(&compact), []);
        // A MongoDB replica set member's answer to a driver's monitor.
        let hello = crate::fields::tests::bson_bytes(&bson::doc! {
            "ismaster": true,
            "setName": "rs0",
            "hosts": ["10.0.0.5:27017", "10.0.0.6:27017"],
            "arbiters": ["10.0.0.7:27017"],
            "primary": "10.0.0.5:27017",
            "me": "10.0.0.6:27017",
            "ok": 1.0,
        });
        assert_eq!(found_in(&hello), []);
        // A Redis cluster's answers to `CLUSTER SLOTS` and `CLUSTER NODES`, and a redirection.
        let slots = b"*1\r\n*4\r\n:0\r\n:16383\r\n*3\r\n$9\r\n10.0.0.51\r\n:6379\r\n$40\r\n09dbe9720cda62f7865eabc5fd8857c5d2678366\r\n*3\r\n$9\r\n10.0.0.52\r\n:6379\r\n$40\r\n8a87e0bd0a45d2a60b4c4b9b0e5fb16d5ec5bd43\r\n";
        assert_eq!(found_in(slots), []);
        let nodes = b"$178\r\n07c37dfeb235213a872192d90877d0cd55635b91 10.0.0.51:30004@31004,,shard-id=69bc slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 1426238317239 4 connected\r\n";
        assert_eq!(found_in(nodes), []);
        assert_eq!(found_in(b"-MOVED 3999 10.0.0.51:6381\r\n"), []);
        // HTTP/2's `:authority` (its `Host`), MariaDB's client naming the server it connects to.
        assert_eq!(
            found_in(b":method: GET\r\n:authority: 10.0.0.51:8082\r\nuser-agent: curl\r\n"),
            []
        );
        assert_eq!(
            found_in(
                b"\x0c_client_name\x0alibmariadb\x0c_server_host\x0910.0.0.51\x04_pid\x041234"
            ),
            []
        );
        // Where a server binds, listens and publishes (Elasticsearch's node info), and
        // addresses no person's device has (this network, loopback, multicast).
        let node = br#"{"http":{"bound_address":["0.0.0.0:9200"],"publish_address":"10.0.0.5:9200"},"listen_addr":"10.0.0.5:80"}"#;
        assert_eq!(found_in(node), []);
        assert_eq!(
            found_in(
                b"from 127.0.0.1, 0.0.0.0, 224.0.0.251 and 255.255.255.255; client 81.2.69.160"
            ),
            [(DataType::Ipv4, "81.2.69.160".to_owned(), String::new())]
        );
        // A NATS server's `INFO`, under names that are an IP's anywhere else.
        let info =
            br#"INFO {"server_id":"NAB","client_ip":"10.0.0.9","connect_urls":["10.0.0.5:4222"]}"#;
        assert_eq!(found_in(info), []);
        assert_eq!(
            found_in(br#"INFO {"user":"u-17","client_ip":"10.0.0.9"}"#),
            [(
                DataType::Ipv4,
                "10.0.0.9".to_owned(),
                "client_ip".to_owned()
            )]
        );
        // The same addresses elsewhere are still a person's device's.
        let login = crate::fields::tests::bson_bytes(&bson::doc! {
            "user": "u-17",
            "last_login_ip": "10.0.0.5",
        });
        assert_eq!(
            found_in(&login),
            [(
                DataType::Ipv4,
                "10.0.0.5".to_owned(),
                "last_login_ip".to_owned()
            )]
        );
        assert_eq!(
            found_in(b"\x00\x00\x00\x01\x00\x0a198.18.0.2 connected"),
            [(DataType::Ipv4, "198.18.0.2".to_owned(), String::new())]
        );
    }

    #[test]
    fn kafka_record_batches_are_read_with_every_codec() {
        // What librdkafka (2.0.2, `kcat`) sent a broker to produce one message, six customers
        // in a JSON array, with each of Kafka's codecs.
        let requests: [(&str, &[u8]); 5] = [
            ("none", include_bytes!("testdata/kafka_produce_none.bin")),
            ("gzip", include_bytes!("testdata/kafka_produce_gzip.bin")),
            (
                "snappy",
                include_bytes!("testdata/kafka_produce_snappy.bin"),
            ),
            ("lz4", include_bytes!("testdata/kafka_produce_lz4.bin")),
            ("zstd", include_bytes!("testdata/kafka_produce_zstd.bin")),
        ];
        let engine = Engine::new(EngineConfig::default()).unwrap();
        let want = |found: &[Finding]| {
            let mut kinds: Vec<(DataType, String)> = found
                .iter()
                .map(|f| (f.data_type, f.context.clone().unwrap_or_default()))
                .collect();
            kinds.sort_by(|a, b| (a.0.as_str(), &a.1).cmp(&(b.0.as_str(), &b.1)));
            kinds.dedup();
            kinds
        };
        let (_, plain) = requests[0];
        let plain_found = engine.scan(plain);
        assert_eq!(plain_found.len(), 36, "six customers of six findings");
        for (codec, request) in requests {
            let found = engine.scan(request);
            assert_eq!(found, engine.scan_full(request), "{codec}");
            assert_eq!(want(&found), want(&plain_found), "{codec}");
            if codec == "none" {
                continue;
            }
            // Each finding spans the batch's compressed records, to the request's end; none
            // comes from the compressed bytes read as text.
            let records = crate::decode::kafka::compressed_batches(request)
                .next()
                .unwrap()
                .range;
            assert_eq!(records.end, request.len(), "{codec}");
            assert!(
                found
                    .iter()
                    .all(|f| (f.start, f.end) == (records.start, records.end)),
                "{codec}"
            );
        }
    }

    #[test]
    fn gzip_grpc_messages_are_inflated() {
        use crate::decode::http2::tests::frame;
        use crate::decode::inflate::gzip;
        // The export of `otlp_over_grpc_is_read_in_its_data_frame` as the OpenTelemetry
        // Collector forwards it by default: `grpc-encoding: gzip`, the message compressed. A
        // sample of a later call on the connection: its DATA frame alone (its headers, from
        // HPACK's tables, show no string).
        let body_start = OTLP_HTTP.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        let message = gzip(&OTLP_HTTP[body_start..]);
        let mut data = vec![1];
        data.extend(u32::try_from(message.len()).unwrap().to_be_bytes());
        data.extend_from_slice(&message);
        let payload = frame(0x0, 0x1, 1, &data);
        let message_at = payload.len() - message.len();
        let engine = Engine::new(EngineConfig::default()).unwrap();
        let found = engine.scan(&payload);
        assert_eq!(found, engine.scan_full(&payload));
        let mut types: Vec<DataType> = found.iter().map(|f| f.data_type).collect();
        types.sort_by_key(|t| t.as_str());
        assert_eq!(
            types,
            [
                DataType::DateOfBirth,
                DataType::Email,
                DataType::PersonName,
                DataType::Phone
            ]
        );
        // Each spans the compressed message: no byte of it says where the value is.
        assert!(
            found
                .iter()
                .all(|f| (f.start, f.end) == (message_at, payload.len()))
        );
        // Without the compressed flag the bytes are taken as they are: nothing to read.
        let mut flagless = payload.clone();
        flagless[message_at - 5] = 0;
        assert!(engine.scan(&flagless).is_empty());
    }

    #[test]
    fn bare_name_needs_a_person_record() {
        let got = types(r#"{"name":"Living Room","temperature":21.5}"#);
        assert!(got.is_empty(), "{got:?}");
        let got = types(r#"{"customer":{"name":"Anna Berg"}}"#);
        assert!(
            got.contains(&(DataType::PersonName, "Anna Berg".into())),
            "{got:?}"
        );
        let got = types(r#"{"name":"Anna Berg","dob":"1980-01-02"}"#);
        assert!(
            got.contains(&(DataType::PersonName, "Anna Berg".into())),
            "{got:?}"
        );
    }

    #[test]
    fn threshold_filters() {
        let engine = Engine::new(EngineConfig {
            min_confidence: 0.99,
            ..EngineConfig::default()
        })
        .unwrap();
        let found = engine.scan(br#"{"email":"a.b@web.de","note":"x c.d@web.de"}"#);
        assert_eq!(found.len(), 1);
        assert!(
            Engine::new(EngineConfig {
                min_confidence: 1.5,
                ..EngineConfig::default()
            })
            .is_err()
        );
    }

    proptest::proptest! {
        #[test]
        fn scan_never_panics_and_spans_are_in_bounds(input in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            let engine = Engine::new(EngineConfig::default()).unwrap();
            for f in engine.scan(&input) {
                proptest::prop_assert!(f.start < f.end && f.end <= input.len());
            }
        }

        #[test]
        fn scan_never_panics_on_structured_noise(input in "(POST /a\\?x=1 HTTP/1.1\r\n|Transfer-Encoding: chunked\r\n|\r\n|[0-9a-f]{1,3}\r\n|\\{\"[a-z_]{1,8}\":\"|[A-Za-z0-9@.+%= -]{0,12}|\"[,}]|\\\\u00|\\*3\r\n\\$[0-9]\r\n|eyJ[A-Za-z0-9]{0,10}\\.){0,40}") {
            let engine = Engine::new(EngineConfig::default()).unwrap();
            for f in engine.scan(input.as_bytes()) {
                proptest::prop_assert!(f.start < f.end && f.end <= input.len());
            }
        }
    }

    /// Inputs built to trigger quadratic or exponential work in naive scanners.
    fn hostile_inputs(size: usize) -> Vec<Vec<u8>> {
        let repeat = |unit: &[u8]| unit.iter().copied().cycle().take(size).collect::<Vec<u8>>();
        vec![
            repeat(b"a="),
            repeat(b"a='a="),
            repeat(b"{"),
            repeat(b"[1,"),
            repeat(b"{\"a\":\""),
            repeat(b"\""),
            repeat(b"eyJ."),
            repeat(b"x@y.de;"),
            repeat(b"aaaaaaaaaa@"),
            repeat(b"QUJDRGVmZ2hpams+/"),
            repeat(b"4111 "),
            repeat(b"1."),
            repeat(b"<a>"),
            repeat(b"*9\r\n$1\r\n"),
            repeat(b"Hallo Anna, "),
            repeat(b"\\u00fc"),
            repeat(b"%41"),
            repeat(b"a;b;c\n"),
            repeat(b"name,email\nA B,a@b.de\n"),
            repeat(b"::"),
            repeat(b"0"),
            repeat(b"GET / HTTP/1.1\r\n\r\n"),
            repeat(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
            repeat(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n"),
            repeat(b"PUT / HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: 1\r\n\r\n\x1f"),
        ]
    }

    #[test]
    fn hostile_inputs_stay_linear() {
        let engine = Engine::new(EngineConfig::default()).unwrap();
        for input in hostile_inputs(64 << 10) {
            let started = std::time::Instant::now();
            let found = engine.scan(&input);
            let took = started.elapsed();
            // Generous even for a debug build on a busy machine; quadratic work takes minutes.
            assert!(
                took.as_secs() < 20,
                "{:?}... took {took:?}",
                String::from_utf8_lossy(&input[..12])
            );
            assert!(found.iter().all(|f| f.end <= input.len()));
        }
    }
}
