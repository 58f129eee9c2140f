//! Findings aggregation: one aggregate per (sending side, receiving side, protocol, data type).
//!
//! The sides are the flow's human labels ([`source_label`], [`destination_label`]): a server
//! keeps its `ip:port`, a client is its IP alone. So a device that reconnects every minute from
//! a new ephemeral port to the same server accumulates into one aggregate instead of one per
//! connection. Aggregates hold names, counts, times and the engine's redacted evidence only,
//! never a raw value, so they are safe to store and export.
//!
//! [`source_label`]: crate::model::FlowView::source_label
//! [`destination_label`]: crate::model::FlowView::destination_label

use std::{
    collections::{BTreeSet, HashMap},
    time::SystemTime,
};

use monitor_detect::{DataType, GdprCategory};
use serde::{Deserialize, Serialize};

use crate::model::{DetectionEvent, Protocol, TlsVersion, Transport};

/// Most field-context names one aggregate remembers; the set only has to tell a human where the
/// value travelled, not every field it ever appeared in.
const MAX_CONTEXT_NAMES: usize = 8;
/// Longest field-context name kept; longer ones are cut on a character boundary.
const MAX_CONTEXT_NAME_LEN: usize = 64;

/// What identifies an aggregate.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FindingKey {
    /// The sending side, as [`FlowView::source_label`](crate::model::FlowView::source_label).
    pub source: String,
    /// The receiving side, as [`FlowView::destination_label`](crate::model::FlowView::destination_label).
    pub destination: String,
    pub protocol: Protocol,
    pub data_type: DataType,
}

/// One personal-data type seen travelling from one side to another.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FindingAggregate {
    pub key: FindingKey,
    pub transport: Transport,
    /// Detections folded into this aggregate.
    pub count: u64,
    pub first_seen: SystemTime,
    pub last_seen: SystemTime,
    /// Whether the most recent detection travelled encrypted.
    pub encrypted: bool,
    pub tls_version: Option<TlsVersion>,
    pub max_confidence: f32,
    pub category: GdprCategory,
    /// Field-context names (JSON keys, header names, topics), bounded.
    pub contexts: BTreeSet<String>,
    pub country: Option<String>,
    /// Redacted evidence of the most recent detection.
    pub evidence: String,
}

/// What [`FindingsTable::record`] did with a detection.
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    /// The aggregate after the detection was folded in.
    pub aggregate: FindingAggregate,
    /// Whether the detection opened a new aggregate.
    pub is_new: bool,
    /// Whether opening it evicted the least recently seen aggregate to stay within bounds.
    pub evicted_one: bool,
}

/// The bounded set of aggregates.
#[derive(Debug)]
pub struct FindingsTable {
    max_findings: usize,
    entries: HashMap<FindingKey, FindingAggregate>,
    evicted: u64,
}

impl FindingsTable {
    /// An empty table holding at most `max_findings` aggregates (at least one).
    #[must_use]
    pub fn new(max_findings: usize) -> Self {
        Self {
            max_findings: max_findings.max(1),
            entries: HashMap::new(),
            evicted: 0,
        }
    }

    /// A table filled from persisted aggregates; the most recently seen are kept when there are
    /// more than `max_findings`.
    #[must_use]
    pub fn from_aggregates(max_findings: usize, aggregates: Vec<FindingAggregate>) -> Self {
        let mut table = Self::new(max_findings);
        let mut aggregates = aggregates;
        aggregates.sort_by_key(|aggregate| std::cmp::Reverse(aggregate.last_seen));
        for aggregate in aggregates {
            if table.entries.len() >= table.max_findings {
                table.evicted += 1;
                continue;
            }
            table.entries.insert(aggregate.key.clone(), aggregate);
        }
        table
    }

    /// Folds one detection in. When the table is full, a new key evicts the least recently seen
    /// aggregate: a new leak matters more to an operator than the oldest one, which the metrics
    /// and alerts have already reported.
    pub fn record(&mut self, event: &DetectionEvent) -> Recorded {
        let flow = &event.flow;
        let finding = &event.finding;
        let key = FindingKey {
            source: flow.source_label(),
            destination: flow.destination_label(),
            protocol: flow.protocol,
            data_type: finding.data_type,
        };
        let tls_version = flow.tls.as_ref().and_then(|tls| tls.version);
        let mut evicted_one = false;
        let is_new = !self.entries.contains_key(&key);
        if is_new && self.entries.len() >= self.max_findings {
            evicted_one = self.evict_least_recent();
        }
        let aggregate = self
            .entries
            .entry(key.clone())
            .or_insert_with(|| FindingAggregate {
                key,
                transport: flow.key.transport,
                count: 0,
                first_seen: event.at,
                last_seen: event.at,
                encrypted: flow.encrypted(),
                tls_version,
                max_confidence: finding.confidence,
                category: finding.data_type.category(),
                contexts: BTreeSet::new(),
                country: None,
                evidence: finding.evidence.clone(),
            });
        aggregate.count = aggregate.count.saturating_add(1);
        aggregate.first_seen = aggregate.first_seen.min(event.at);
        if event.at >= aggregate.last_seen {
            aggregate.last_seen = event.at;
            aggregate.encrypted = flow.encrypted();
            aggregate.evidence.clone_from(&finding.evidence);
            if tls_version.is_some() {
                aggregate.tls_version = tls_version;
            }
        }
        if finding.confidence > aggregate.max_confidence {
            aggregate.max_confidence = finding.confidence;
        }
        if let Some(context) = &finding.context
            && aggregate.contexts.len() < MAX_CONTEXT_NAMES
        {
            aggregate
                .contexts
                .insert(truncate_chars(context, MAX_CONTEXT_NAME_LEN));
        }
        if let Some(country) = &finding.country {
            aggregate.country = Some(country.clone());
        }
        Recorded {
            aggregate: aggregate.clone(),
            is_new,
            evicted_one,
        }
    }

    fn evict_least_recent(&mut self) -> bool {
        let oldest = self
            .entries
            .values()
            .min_by_key(|aggregate| aggregate.last_seen)
            .map(|aggregate| aggregate.key.clone());
        match oldest {
            Some(key) => {
                self.entries.remove(&key);
                self.evicted += 1;
                true
            }
            None => false,
        }
    }

    /// All aggregates, most recently seen first.
    #[must_use]
    pub fn snapshot(&self) -> Vec<FindingAggregate> {
        let mut all: Vec<FindingAggregate> = self.entries.values().cloned().collect();
        all.sort_by(|a, b| {
            b.last_seen
                .cmp(&a.last_seen)
                .then_with(|| a.key.cmp(&b.key))
        });
        all
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Aggregates evicted (or not reloaded) to stay within `max_findings`, since start.
    #[must_use]
    pub const fn evicted(&self) -> u64 {
        self.evicted
    }
}

fn truncate_chars(text: &str, max_len: usize) -> String {
    match text.char_indices().nth(max_len) {
        Some((cut, _)) => text[..cut].to_owned(),
        None => text.to_owned(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::time::Duration;

    use monitor_detect::Finding;

    use super::*;
    use crate::model::{Attribution, FlowKey, FlowView, Role, TlsInfo};

    pub(crate) fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000 + secs)
    }

    pub(crate) fn flow(src: &str, dst: &str, protocol: Protocol) -> FlowView {
        FlowView {
            key: FlowKey {
                src: src.parse().expect("test address"),
                dst: dst.parse().expect("test address"),
                transport: Transport::Tcp,
            },
            sender_role: Role::Client,
            protocol,
            tls: (protocol == Protocol::Tls).then(|| TlsInfo {
                version: Some(TlsVersion::V1_3),
                cipher_suite: Some("TLS_AES_128_GCM_SHA256".to_owned()),
                sni: Some("api.example.net".to_owned()),
            }),
            packets: 3,
            bytes: 900,
            first_seen: at(0),
            last_seen: at(1),
            attribution: Attribution::default(),
        }
    }

    pub(crate) fn event(
        flow: FlowView,
        data_type: DataType,
        evidence: &str,
        secs: u64,
    ) -> DetectionEvent {
        DetectionEvent {
            flow,
            finding: Finding {
                data_type,
                start: 10,
                end: 30,
                confidence: 0.8,
                context: Some("user.email".to_owned()),
                country: None,
                evidence: evidence.to_owned(),
            },
            at: at(secs),
        }
    }

    #[test]
    fn reconnections_from_new_ports_fold_into_one_aggregate() {
        let mut table = FindingsTable::new(16);
        let first = event(
            flow("10.0.0.5:40001", "10.0.0.9:8080", Protocol::Http),
            DataType::Email,
            "j***@e***.com",
            1,
        );
        let mut second = event(
            flow("10.0.0.5:40777", "10.0.0.9:8080", Protocol::Http),
            DataType::Email,
            "k***@e***.com",
            5,
        );
        second.finding.confidence = 0.95;
        second.finding.context = Some("contact".to_owned());
        assert!(table.record(&first).is_new);
        let recorded = table.record(&second);
        assert!(!recorded.is_new);
        let aggregate = recorded.aggregate;
        assert_eq!(table.len(), 1);
        assert_eq!(aggregate.key.source, "10.0.0.5");
        assert_eq!(aggregate.key.destination, "10.0.0.9:8080");
        assert_eq!(aggregate.count, 2);
        assert_eq!(aggregate.first_seen, at(1));
        assert_eq!(aggregate.last_seen, at(5));
        assert!((aggregate.max_confidence - 0.95).abs() < f32::EPSILON);
        assert_eq!(aggregate.evidence, "k***@e***.com");
        assert_eq!(
            aggregate
                .contexts
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
            ["contact", "user.email"]
        );
        assert_eq!(aggregate.category, GdprCategory::Contact);
        assert!(!aggregate.encrypted);
    }

    #[test]
    fn different_types_servers_and_protocols_stay_apart() {
        let mut table = FindingsTable::new(16);
        table.record(&event(
            flow("10.0.0.5:40001", "10.0.0.9:8080", Protocol::Http),
            DataType::Email,
            "e",
            1,
        ));
        table.record(&event(
            flow("10.0.0.5:40001", "10.0.0.9:8080", Protocol::Http),
            DataType::Iban,
            "i",
            1,
        ));
        table.record(&event(
            flow("10.0.0.5:40001", "10.0.0.9:8081", Protocol::Http),
            DataType::Email,
            "e",
            1,
        ));
        let tls = table.record(&event(
            flow("10.0.0.5:40001", "10.0.0.9:443", Protocol::Tls),
            DataType::Email,
            "e",
            1,
        ));
        assert_eq!(table.len(), 4);
        assert!(tls.aggregate.encrypted);
        assert_eq!(tls.aggregate.tls_version, Some(TlsVersion::V1_3));
    }

    #[test]
    fn a_full_table_evicts_the_least_recently_seen() {
        let mut table = FindingsTable::new(2);
        table.record(&event(
            flow("10.0.0.1:1000", "10.0.0.9:80", Protocol::Http),
            DataType::Email,
            "e",
            1,
        ));
        table.record(&event(
            flow("10.0.0.2:1000", "10.0.0.9:80", Protocol::Http),
            DataType::Email,
            "e",
            3,
        ));
        let third = table.record(&event(
            flow("10.0.0.3:1000", "10.0.0.9:80", Protocol::Http),
            DataType::Email,
            "e",
            5,
        ));
        assert!(third.evicted_one);
        assert_eq!(table.len(), 2);
        assert_eq!(table.evicted(), 1);
        let sources: Vec<String> = table.snapshot().into_iter().map(|a| a.key.source).collect();
        assert_eq!(sources, ["10.0.0.3", "10.0.0.2"]);
    }

    #[test]
    fn context_names_are_bounded() {
        let mut table = FindingsTable::new(4);
        for i in 0..20 {
            let mut e = event(
                flow("10.0.0.1:1000", "10.0.0.9:80", Protocol::Http),
                DataType::Phone,
                "p",
                i,
            );
            e.finding.context = Some(format!("field{i}{}", "x".repeat(100)));
            table.record(&e);
        }
        let aggregate = &table.snapshot()[0];
        assert_eq!(aggregate.contexts.len(), MAX_CONTEXT_NAMES);
        assert!(
            aggregate
                .contexts
                .iter()
                .all(|c| c.chars().count() == MAX_CONTEXT_NAME_LEN)
        );
        assert_eq!(aggregate.count, 20);
    }

    #[test]
    fn reload_keeps_the_most_recent() {
        let mut table = FindingsTable::new(8);
        for i in 0..5 {
            table.record(&event(
                flow(&format!("10.0.0.{i}:1000"), "10.0.0.9:80", Protocol::Http),
                DataType::Email,
                "e",
                i,
            ));
        }
        let reloaded = FindingsTable::from_aggregates(3, table.snapshot());
        assert_eq!(reloaded.len(), 3);
        assert_eq!(reloaded.evicted(), 2);
        assert_eq!(reloaded.snapshot()[0].key.source, "10.0.0.4");
    }
}
