//! Contract checks shared by the integration tests and the demo. Each returns
//! `Err(reason)` while (or when) the expectation does not hold, so it can serve both as a
//! polling probe and as a final assertion.

use crate::alertmanager::Alert;
use crate::contract::{Finding, Flow};
use crate::fixtures::Planted;
use crate::lab::ALERT_NAME;
use crate::netns::CLIENT_IP;

/// The IP part of "ip:port" (or the whole string when there is no port).
#[must_use]
pub fn ip_of(endpoint: &str) -> &str {
    match endpoint.rsplit_once(':') {
        Some((ip, port)) if port.chars().all(|c| c.is_ascii_digit()) && !ip.is_empty() => ip,
        _ => endpoint,
    }
}

/// For each planted value, an unencrypted HTTP finding of its type sent from the client
/// to `server` ("ip:port").
///
/// # Errors
/// Names the data types still missing and what the findings were.
pub fn cleartext_findings(
    findings: &[Finding],
    planted: &[Planted],
    server: &str,
) -> Result<Vec<Finding>, String> {
    let mut hits = Vec::new();
    let mut missing = Vec::new();
    for p in planted {
        match findings.iter().find(|f| {
            f.has_type(p.data_type)
                && f.dst == server
                && ip_of(&f.src) == CLIENT_IP
                && f.protocol == "http"
                && !f.encrypted
        }) {
            Some(f) => hits.push(f.clone()),
            None => missing.push(p.data_type),
        }
    }
    if missing.is_empty() {
        Ok(hits)
    } else {
        Err(format!(
            "no http/unencrypted finding {CLIENT_IP} -> {server} for {missing:?}; findings: {findings:?}"
        ))
    }
}

/// Field-level checks of a cleartext HTTP finding beyond what selected it.
///
/// # Errors
/// Lists every contract violation found.
pub fn cleartext_finding_fields(f: &Finding) -> Result<(), String> {
    let mut problems = Vec::new();
    if f.tls_version.is_some() {
        problems.push(format!("tls_version {:?} on plain HTTP", f.tls_version));
    }
    if f.count == 0 {
        problems.push("count is 0".to_owned());
    }
    if f.first_seen.is_null() || f.last_seen.is_null() {
        problems.push("first_seen/last_seen missing".to_owned());
    }
    let evidence_empty = match &f.evidence {
        serde_json::Value::String(s) => s.is_empty(),
        serde_json::Value::Array(a) => a.is_empty(),
        serde_json::Value::Null => true,
        _ => false,
    };
    if evidence_empty {
        problems.push("evidence is empty".to_owned());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{problems:?} in {f:?}"))
    }
}

/// A flow with `server` on one side, of `protocol`, with the given encryption and version.
///
/// # Errors
/// When none matches; lists the flows seen for `server`.
pub fn flow<'a>(
    flows: &'a [Flow],
    server: &str,
    protocol: &str,
    encrypted: bool,
    tls_version: Option<&str>,
) -> Result<&'a Flow, String> {
    flows
        .iter()
        .find(|f| {
            f.involves(server)
                && f.protocol == protocol
                && f.encrypted == encrypted
                && f.tls_version.as_deref() == tls_version
                && f.bytes > 0
                && f.packets > 0
        })
        .ok_or_else(|| {
            let seen: Vec<&Flow> = flows.iter().filter(|f| f.involves(server)).collect();
            format!(
                "no flow {server} protocol={protocol} encrypted={encrypted} tls_version={tls_version:?} \
                 with bytes and packets; flows with {server}: {seen:?} (of {} total)",
                flows.len()
            )
        })
}

/// Whether `a` is the contract's alert for `data_type` sent from the client to `server`.
#[must_use]
pub fn is_alert_for(a: &Alert, data_type: &str, server: &str) -> bool {
    a.label("alertname") == ALERT_NAME
        && a.label("data_type") == data_type
        && a.label("destination") == server
}

/// Label and annotation checks of a `PersonalDataUnencrypted` alert over HTTP.
///
/// # Errors
/// Lists every contract violation found.
pub fn alert_fields(a: &Alert, protocol: &str) -> Result<(), String> {
    let mut problems = Vec::new();
    if a.label("protocol") != protocol {
        problems.push(format!(
            "protocol label {:?}, want {protocol:?}",
            a.label("protocol")
        ));
    }
    if ip_of(a.label("source")) != CLIENT_IP {
        problems.push(format!(
            "source {:?}, want {CLIENT_IP} (optionally with port)",
            a.label("source")
        ));
    }
    if a.label("severity").is_empty() {
        problems.push("severity label missing".to_owned());
    }
    for key in ["summary", "description"] {
        if a.annotations.get(key).is_none_or(|v| v.trim().is_empty()) {
            problems.push(format!("annotation {key} missing"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{problems:?} in {a:?}"))
    }
}

/// For each planted type, the alert for it (see [`is_alert_for`]).
///
/// # Errors
/// Names the types without alert.
pub fn alerts_for(
    alerts: &[Alert],
    planted: &[Planted],
    server: &str,
) -> Result<Vec<Alert>, String> {
    let mut hits = Vec::new();
    let mut missing = Vec::new();
    for p in planted {
        match alerts.iter().find(|a| is_alert_for(a, p.data_type, server)) {
            Some(a) => hits.push(a.clone()),
            None => missing.push(p.data_type),
        }
    }
    if missing.is_empty() {
        Ok(hits)
    } else {
        Err(format!(
            "no {ALERT_NAME} alert to {server} for {missing:?}; alertmanager has: {alerts:?}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_of_strips_only_a_port() {
        assert_eq!(ip_of("198.18.0.1:40000"), "198.18.0.1");
        assert_eq!(ip_of("198.18.0.1"), "198.18.0.1");
        assert_eq!(ip_of("[::1]:80"), "[::1]");
    }
}

/// Which way a payload travelled, seen from the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Sent by the client to the server (a command, a publish, bound parameters).
    ToServer,
    /// Sent by the server (rows, replies, forwarded messages).
    FromServer,
}

/// For each `(data_type, direction)`, an unencrypted finding of that type sent that way
/// between the lab's client and `server` ("ip:port").
///
/// # Errors
/// Names what is still missing and what the findings were.
pub fn findings_by_direction(
    findings: &[Finding],
    server: &str,
    wanted: &[(&str, Direction)],
) -> Result<(), String> {
    let missing: Vec<&(&str, Direction)> = wanted
        .iter()
        .filter(|(data_type, direction)| {
            !findings.iter().any(|f| {
                f.has_type(data_type)
                    && !f.encrypted
                    && match direction {
                        Direction::ToServer => f.dst == server,
                        Direction::FromServer => f.src == server,
                    }
            })
        })
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("missing {missing:?}; findings: {findings:?}"))
    }
}
