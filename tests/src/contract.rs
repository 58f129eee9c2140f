//! The daemon's output contract, parsed strictly enough that a missing or mistyped field
//! fails the test with a clear message.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::Context as _;
use crate::{Error, Result};

/// One entry of `GET /api/v1/flows` / `monitor flows --output json`.
#[derive(Debug, Clone, Deserialize)]
pub struct Flow {
    /// "ip:port" of one side.
    pub src: String,
    /// "ip:port" of the other side.
    pub dst: String,
    /// "tls", "http", a protocol known by its signature ("postgresql", "redis", ...) or
    /// "unknown".
    pub protocol: String,
    /// Whether the payload is encrypted.
    pub encrypted: bool,
    /// "1.0".."1.3" or null.
    pub tls_version: Option<String>,
    /// Bytes seen.
    pub bytes: u64,
    /// Packets seen.
    pub packets: u64,
}

impl Flow {
    /// Whether either side of the flow is `endpoint` ("ip:port").
    #[must_use]
    pub fn involves(&self, endpoint: &str) -> bool {
        self.src == endpoint || self.dst == endpoint
    }
}

/// One entry of `GET /api/v1/findings` / `monitor findings --output json`.
#[derive(Debug, Clone, Deserialize)]
pub struct Finding {
    /// Data type names, e.g. `["email", "phone"]`.
    pub data_types: Vec<String>,
    /// "tls", "http", a protocol known by its signature ("postgresql", "redis", ...) or
    /// "unknown".
    pub protocol: String,
    /// Whether the carrying flow is encrypted.
    pub encrypted: bool,
    /// "1.0".."1.3" or null.
    pub tls_version: Option<String>,
    /// Sending side.
    pub src: String,
    /// Receiving side.
    pub dst: String,
    /// How often it was seen.
    pub count: u64,
    /// Timestamp of the first sighting (format not fixed by the contract).
    pub first_seen: serde_json::Value,
    /// Timestamp of the last sighting.
    pub last_seen: serde_json::Value,
    /// Redacted evidence (string or list; never a raw value).
    pub evidence: serde_json::Value,
}

impl Finding {
    /// Whether the finding names `data_type`.
    #[must_use]
    pub fn has_type(&self, data_type: &str) -> bool {
        self.data_types.iter().any(|t| t == data_type)
    }

    /// Whether either side is `endpoint` ("ip:port").
    #[must_use]
    pub fn involves(&self, endpoint: &str) -> bool {
        self.src == endpoint || self.dst == endpoint
    }
}

/// Every data type name of the contract.
pub const DATA_TYPES: &[&str] = &[
    "email",
    "phone",
    "iban",
    "credit_card",
    "ipv4",
    "ipv6",
    "mac_address",
    "imei",
    "gps_coordinates",
    "person_name",
    "date_of_birth",
    "national_id",
    "jwt",
    "postal_address",
];

/// Parses a JSON array of flows.
///
/// # Errors
/// When the JSON does not match the flow contract.
pub fn parse_flows(json: &str) -> Result<Vec<Flow>> {
    serde_json::from_str(json).context(format!(
        "flows JSON does not match the contract: {json:.400}"
    ))
}

/// Parses a JSON array of findings and checks that every data type name is known.
///
/// # Errors
/// When the JSON does not match the finding contract.
pub fn parse_findings(json: &str) -> Result<Vec<Finding>> {
    let findings: Vec<Finding> = serde_json::from_str(json).context(format!(
        "findings JSON does not match the contract: {json:.400}"
    ))?;
    for f in &findings {
        if let Some(bad) = f
            .data_types
            .iter()
            .find(|t| !DATA_TYPES.contains(&t.as_str()))
        {
            return Err(Error(format!(
                "finding has unknown data type {bad:?}: {f:?}"
            )));
        }
    }
    Ok(findings)
}

/// One sample line of the Prometheus text format.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Metric name, e.g. `monitor_findings_total`.
    pub name: String,
    /// Label pairs.
    pub labels: BTreeMap<String, String>,
    /// The value.
    pub value: f64,
}

/// Parses Prometheus/OpenMetrics text exposition (comments skipped).
///
/// # Errors
/// On a line that is neither a comment nor a sample.
pub fn parse_metrics(text: &str) -> Result<Vec<Sample>> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            parse_sample(line).ok_or_else(|| Error(format!("unparsable metrics line {line:?}")))
        })
        .collect()
}

fn parse_sample(line: &str) -> Option<Sample> {
    let (name, labels, rest) = if let Some(open) = line.find('{') {
        let close = line.rfind('}')?;
        (
            &line[..open],
            parse_labels(&line[open + 1..close])?,
            &line[close + 1..],
        )
    } else {
        let (name, rest) = line.split_once(char::is_whitespace)?;
        (name, BTreeMap::new(), rest)
    };
    let value = rest.split_whitespace().next()?.parse().ok()?;
    Some(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

fn parse_labels(text: &str) -> Option<BTreeMap<String, String>> {
    let mut labels = BTreeMap::new();
    let mut rest = text.trim();
    // Each iteration consumes one `key="value"` pair, so the input length bounds the loop.
    for _ in 0..=text.len() {
        rest = rest.trim_start_matches([',', ' ']);
        if rest.is_empty() {
            return Some(labels);
        }
        let (key, after) = rest.split_once('=')?;
        let after = after.strip_prefix('"')?;
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next()? {
                (i, '"') => break i,
                (_, '\\') => match chars.next()?.1 {
                    'n' => value.push('\n'),
                    c => value.push(c),
                },
                (_, c) => value.push(c),
            }
        };
        labels.insert(key.trim().to_owned(), value);
        rest = &after[end + 1..];
    }
    None
}

/// Sum of all samples named `name` whose labels include every pair of `want`.
#[must_use]
pub fn metric_sum(samples: &[Sample], name: &str, want: &[(&str, &str)]) -> Option<f64> {
    let hits: Vec<f64> = samples
        .iter()
        .filter(|s| {
            s.name == name
                && want
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).is_some_and(|x| x == v))
        })
        .map(|s| s.value)
        .collect();
    (!hits.is_empty()).then(|| hits.iter().sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_prometheus_and_openmetrics_lines() {
        let text = "# HELP x y\n# TYPE monitor_findings_total counter\n\
            monitor_findings_total{data_type=\"email\",protocol=\"http\",encrypted=\"false\"} 3\n\
            monitor_samples_total 17 1700000000\n# EOF\n";
        let samples = parse_metrics(text).expect("valid exposition");
        assert_eq!(samples.len(), 2);
        assert_eq!(
            metric_sum(
                &samples,
                "monitor_findings_total",
                &[("data_type", "email"), ("encrypted", "false")]
            ),
            Some(3.0)
        );
        assert_eq!(
            metric_sum(&samples, "monitor_samples_total", &[]),
            Some(17.0)
        );
        assert_eq!(
            metric_sum(&samples, "monitor_findings_total", &[("data_type", "iban")]),
            None
        );
        assert!(parse_metrics("what is this").is_err());
    }

    #[test]
    fn rejects_findings_missing_fields_or_unknown_types() {
        let ok = r#"[{"data_types":["email"],"protocol":"http","encrypted":false,"tls_version":null,
            "src":"198.18.0.1:40000","dst":"198.18.0.2:8080","count":1,"first_seen":"t","last_seen":"t",
            "evidence":"j***@e***.com"}]"#;
        assert_eq!(parse_findings(ok).expect("valid finding").len(), 1);
        assert!(parse_findings(&ok.replace("\"email\"", "\"mail\"")).is_err());
        assert!(parse_findings(&ok.replace("\"count\":1,", "")).is_err());
    }
}
