//! The JSON of the HTTP API: a public contract that other tools parse. These structs are the only
//! definition of it; the daemon serialises them and the CLI verbs deserialise them. Add fields,
//! never rename or remove one. Times are RFC 3339 strings (UTC).

use std::{collections::BTreeMap, time::SystemTime};

use monitor_detect::{DataType, GdprCategory};
use serde::{Deserialize, Serialize};

use crate::{
    model::{Protocol, Role, TlsVersion, Transport},
    sinks::{findings::FindingAggregate, flows::ListedFlow, policy::Severity},
};

/// One element of `GET /api/v1/flows`: one flow direction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowJson {
    /// Sender, `ip:port`.
    pub src: String,
    /// Receiver, `ip:port`.
    pub dst: String,
    pub transport: Transport,
    pub protocol: Protocol,
    pub encrypted: bool,
    /// `"1.0"` .. `"1.3"`, or null when not TLS or not negotiated yet.
    pub tls_version: Option<TlsVersion>,
    pub cipher_suite: Option<String>,
    pub sni: Option<String>,
    pub bytes: u64,
    pub packets: u64,
    #[serde(with = "rfc3339")]
    pub first_seen: SystemTime,
    #[serde(with = "rfc3339")]
    pub last_seen: SystemTime,
    pub sender_role: Role,
    pub cgroup_id: Option<u64>,
    pub socket_cookie: Option<u64>,
    /// Whether the flow is still tracked (false: expired recently).
    pub active: bool,
}

impl From<&ListedFlow> for FlowJson {
    fn from(listed: &ListedFlow) -> Self {
        let view = &listed.view;
        let tls = view.tls.as_ref();
        Self {
            src: view.key.src.to_string(),
            dst: view.key.dst.to_string(),
            transport: view.key.transport,
            protocol: view.protocol,
            encrypted: view.encrypted(),
            tls_version: tls.and_then(|t| t.version),
            cipher_suite: tls.and_then(|t| t.cipher_suite.clone()),
            sni: tls.and_then(|t| t.sni.clone()),
            bytes: view.bytes,
            packets: view.packets,
            first_seen: view.first_seen,
            last_seen: view.last_seen,
            sender_role: view.sender_role,
            cgroup_id: view.attribution.cgroup_id,
            socket_cookie: view.attribution.socket_cookie,
            active: listed.active,
        }
    }
}

/// One element of `GET /api/v1/findings`: one personal-data type seen travelling from `src` to
/// `dst`. `data_types` is an array so that a finding may later group types; today it holds one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FindingJson {
    pub data_types: Vec<DataType>,
    pub category: GdprCategory,
    /// `warning` or `critical`, as the alert for it would be.
    pub severity: String,
    pub protocol: Protocol,
    pub transport: Transport,
    pub encrypted: bool,
    pub tls_version: Option<TlsVersion>,
    /// Sending side: a server as `ip:port`, a client as its IP alone.
    pub src: String,
    /// Receiving side, written like `src`.
    pub dst: String,
    pub count: u64,
    #[serde(with = "rfc3339")]
    pub first_seen: SystemTime,
    #[serde(with = "rfc3339")]
    pub last_seen: SystemTime,
    /// Redacted, never the value.
    pub evidence: String,
    /// Highest confidence seen, 0.0 ..= 1.0.
    pub confidence: f32,
    /// Field-context names (JSON keys, headers, topics) the type was found under.
    pub context: Vec<String>,
    pub country: Option<String>,
}

impl From<&FindingAggregate> for FindingJson {
    fn from(aggregate: &FindingAggregate) -> Self {
        Self {
            data_types: vec![aggregate.key.data_type],
            category: aggregate.category,
            severity: Severity::of(aggregate.key.data_type).as_str().to_owned(),
            protocol: aggregate.key.protocol,
            transport: aggregate.transport,
            encrypted: aggregate.encrypted,
            tls_version: aggregate.tls_version,
            src: aggregate.key.source.clone(),
            dst: aggregate.key.destination.clone(),
            count: aggregate.count,
            first_seen: aggregate.first_seen,
            last_seen: aggregate.last_seen,
            evidence: aggregate.evidence.clone(),
            confidence: aggregate.max_confidence,
            context: aggregate.contexts.iter().cloned().collect(),
            country: aggregate.country.clone(),
        }
    }
}

/// `GET /api/v1/status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusJson {
    pub version: String,
    #[serde(with = "rfc3339")]
    pub started_at: SystemTime,
    pub uptime_seconds: u64,
    /// Kernel programs attached (what `/readyz` reports).
    pub ready: bool,
    pub kernel_version: Option<String>,
    pub interfaces: Vec<String>,
    pub programs_attached: Vec<String>,
    pub flows: FlowCountsJson,
    pub findings: FindingCountsJson,
    pub samples: SampleCountsJson,
    pub alerts: AlertStatusJson,
    pub store: StoreStatusJson,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowCountsJson {
    pub active: u64,
    pub total: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingCountsJson {
    /// Aggregates held.
    pub stored: u64,
    /// Aggregates evicted to stay within bounds.
    pub evicted: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleCountsJson {
    /// Delivered to userspace.
    pub delivered: u64,
    /// Produced by the kernel programs.
    pub kernel: u64,
    /// Dropped in the kernel, by reason.
    pub dropped: BTreeMap<String, u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertStatusJson {
    /// Alertmanager base URLs.
    pub alertmanagers: Vec<String>,
    /// Deduplicated alerts held.
    pub active: u64,
    /// Alerts some Alertmanager has not accepted yet.
    pub pending: u64,
    pub sends_succeeded: u64,
    pub sends_failed: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreStatusJson {
    pub state_dir: String,
    #[serde(with = "rfc3339_option")]
    pub last_saved: Option<SystemTime>,
    pub last_error: Option<String>,
    pub errors: u64,
}

/// `SystemTime` as an RFC 3339 string.
pub mod rfc3339 {
    use std::time::SystemTime;

    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    /// # Errors
    /// Never for times after 1970; the serializer's own errors otherwise.
    pub fn serialize<S: Serializer>(time: &SystemTime, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&crate::sinks::timefmt::precise(*time))
    }

    /// # Errors
    /// When the string is not an RFC 3339 time.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<SystemTime, D::Error> {
        let text = String::deserialize(deserializer)?;
        humantime::parse_rfc3339(&text).map_err(D::Error::custom)
    }
}

/// `Option<SystemTime>` as an RFC 3339 string or null.
pub mod rfc3339_option {
    use std::time::SystemTime;

    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    /// # Errors
    /// The serializer's own errors.
    pub fn serialize<S: Serializer>(
        time: &Option<SystemTime>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match time {
            Some(time) => serializer.collect_str(&crate::sinks::timefmt::precise(*time)),
            None => serializer.serialize_none(),
        }
    }

    /// # Errors
    /// When the value is neither null nor an RFC 3339 time.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<SystemTime>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|text| humantime::parse_rfc3339(&text).map_err(D::Error::custom))
            .transpose()
    }
}
