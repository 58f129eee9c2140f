//! Policy: rules that turn findings into alerts.
//!
//! A rule looks at one aggregate (after a detection was folded in) and may report a
//! [`Violation`]. The [`Policy`] adds the labels every alert shares (data type, protocol, sides,
//! severity), so a new rule — for example "data sent to a destination outside its declared
//! purposes" — is one more [`Rule`] implementation pushed with [`Policy::with_rule`], not a
//! rewrite.
//!
//! Severity follows the data type's GDPR category: financial data, identity data (names, dates of
//! birth, national IDs, passports), special-category data and bearer tokens (JWTs grant access to
//! an account) are `critical`; contact, location, online and device identifiers are `warning`.

use std::{collections::BTreeMap, fmt, time::SystemTime};

use monitor_detect::{DataType, GdprCategory};

use crate::sinks::{alerts::Alert, findings::FindingAggregate, timefmt};

/// How urgent an alert is; the `severity` label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Critical,
}

impl Severity {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Warning => "warning",
            Self::Critical => "critical",
        }
    }

    /// The severity of exposing a value of `data_type`.
    #[must_use]
    pub const fn of(data_type: DataType) -> Self {
        match (data_type, data_type.category()) {
            (DataType::NationalId | DataType::Jwt, _)
            | (
                _,
                GdprCategory::Financial | GdprCategory::Identity | GdprCategory::SpecialCategory,
            ) => Self::Critical,
            _ => Self::Warning,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a rule found wrong with an aggregate. Texts must not hold raw values; the aggregate has
/// none, so texts built from it cannot either.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The `alertname` label, stable (dashboards and routes match on it).
    pub alertname: &'static str,
    pub severity: Severity,
    pub summary: String,
    pub description: String,
}

/// One policy rule.
pub trait Rule: Send + Sync + fmt::Debug {
    fn evaluate(&self, finding: &FindingAggregate) -> Option<Violation>;
}

/// Personal data travelling in clear text.
#[derive(Clone, Copy, Debug, Default)]
pub struct PersonalDataUnencrypted;

impl PersonalDataUnencrypted {
    pub const ALERTNAME: &'static str = "PersonalDataUnencrypted";
}

impl Rule for PersonalDataUnencrypted {
    fn evaluate(&self, finding: &FindingAggregate) -> Option<Violation> {
        if finding.encrypted {
            return None;
        }
        let key = &finding.key;
        let data_type = key.data_type.as_str();
        let protocol = key.protocol.as_str();
        Some(Violation {
            alertname: Self::ALERTNAME,
            severity: Severity::of(key.data_type),
            summary: format!(
                "{data_type} sent unencrypted ({protocol}) from {} to {}",
                key.source, key.destination
            ),
            description: format!(
                "Personal data of type {data_type} (GDPR category {}) was seen {} time(s) in \
                 unencrypted {protocol} traffic from {} to {}, first at {}, last at {}. \
                 Redacted evidence: {}. Highest confidence: {:.2}.",
                finding.category.as_str(),
                finding.count,
                key.source,
                key.destination,
                timefmt::seconds(finding.first_seen),
                timefmt::seconds(finding.last_seen),
                finding.evidence,
                finding.max_confidence,
            ),
        })
    }
}

/// The set of rules in force.
#[derive(Debug)]
pub struct Policy {
    rules: Vec<Box<dyn Rule>>,
}

impl Default for Policy {
    /// The rules in force today: [`PersonalDataUnencrypted`].
    fn default() -> Self {
        Self {
            rules: vec![Box::new(PersonalDataUnencrypted)],
        }
    }
}

impl Policy {
    /// A policy without rules.
    #[must_use]
    pub fn empty() -> Self {
        Self { rules: Vec::new() }
    }

    /// This policy plus `rule`.
    #[must_use]
    pub fn with_rule(mut self, rule: impl Rule + 'static) -> Self {
        self.rules.push(Box::new(rule));
        self
    }

    /// The alerts `finding` raises, one per violated rule, stamped with `at`.
    #[must_use]
    pub fn evaluate(&self, finding: &FindingAggregate, at: SystemTime) -> Vec<Alert> {
        self.rules
            .iter()
            .filter_map(|rule| rule.evaluate(finding))
            .map(|violation| alert_for(finding, violation, at))
            .collect()
    }
}

fn alert_for(finding: &FindingAggregate, violation: Violation, at: SystemTime) -> Alert {
    let key = &finding.key;
    let labels = BTreeMap::from([
        ("alertname".to_owned(), violation.alertname.to_owned()),
        (
            "severity".to_owned(),
            violation.severity.as_str().to_owned(),
        ),
        ("data_type".to_owned(), key.data_type.as_str().to_owned()),
        ("protocol".to_owned(), key.protocol.as_str().to_owned()),
        ("source".to_owned(), key.source.clone()),
        ("destination".to_owned(), key.destination.clone()),
    ]);
    let annotations = BTreeMap::from([
        ("summary".to_owned(), violation.summary),
        ("description".to_owned(), violation.description),
    ]);
    Alert {
        labels,
        annotations,
        occurred_at: at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        model::Protocol,
        sinks::findings::{
            FindingsTable,
            tests::{at, event, flow},
        },
    };

    fn aggregate(protocol: Protocol, data_type: DataType) -> FindingAggregate {
        let mut table = FindingsTable::new(4);
        let src = "10.1.2.3:45000";
        let dst = if protocol == Protocol::Tls {
            "10.9.9.9:443"
        } else {
            "10.9.9.9:80"
        };
        table
            .record(&event(
                flow(src, dst, protocol),
                data_type,
                "j***@e***.com",
                7,
            ))
            .aggregate
    }

    #[test]
    fn unencrypted_personal_data_raises_one_alert_with_the_contract_labels() {
        let alerts = Policy::default().evaluate(&aggregate(Protocol::Http, DataType::Email), at(9));
        assert_eq!(alerts.len(), 1);
        let alert = &alerts[0];
        let labels: Vec<(&str, &str)> = alert
            .labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            labels,
            [
                ("alertname", "PersonalDataUnencrypted"),
                ("data_type", "email"),
                ("destination", "10.9.9.9:80"),
                ("protocol", "http"),
                ("severity", "warning"),
                ("source", "10.1.2.3"),
            ]
        );
        let description = &alert.annotations["description"];
        assert!(description.contains("j***@e***.com"), "{description}");
        assert!(description.contains("1 time(s)"), "{description}");
        assert!(alert.annotations["summary"].contains("email sent unencrypted (http)"));
        assert_eq!(alert.occurred_at, at(9));
    }

    #[test]
    fn encrypted_traffic_raises_nothing() {
        assert!(
            Policy::default()
                .evaluate(&aggregate(Protocol::Tls, DataType::Iban), at(9))
                .is_empty()
        );
    }

    #[test]
    fn unknown_protocols_count_as_unencrypted() {
        assert_eq!(
            Policy::default()
                .evaluate(&aggregate(Protocol::Unknown, DataType::Phone), at(9))
                .len(),
            1
        );
    }

    #[test]
    fn severity_follows_the_category() {
        let critical: Vec<DataType> = DataType::ALL
            .into_iter()
            .filter(|t| Severity::of(*t) == Severity::Critical)
            .collect();
        assert_eq!(
            critical,
            [
                DataType::Iban,
                DataType::CreditCard,
                DataType::PersonName,
                DataType::DateOfBirth,
                DataType::NationalId,
                DataType::Jwt,
                DataType::PassportNumber,
            ]
        );
        let alerts =
            Policy::default().evaluate(&aggregate(Protocol::Http, DataType::CreditCard), at(1));
        assert_eq!(alerts[0].labels["severity"], "critical");
    }

    #[derive(Debug)]
    struct EveryFinding;

    impl Rule for EveryFinding {
        fn evaluate(&self, _finding: &FindingAggregate) -> Option<Violation> {
            Some(Violation {
                alertname: "PersonalDataUndeclared",
                severity: Severity::Warning,
                summary: "s".to_owned(),
                description: "d".to_owned(),
            })
        }
    }

    #[test]
    fn a_new_rule_is_one_more_rule() {
        let policy = Policy::default().with_rule(EveryFinding);
        let names: Vec<String> = policy
            .evaluate(&aggregate(Protocol::Http, DataType::Email), at(1))
            .into_iter()
            .map(|a| a.labels["alertname"].clone())
            .collect();
        assert_eq!(names, ["PersonalDataUnencrypted", "PersonalDataUndeclared"]);
        assert_eq!(
            Policy::empty()
                .with_rule(EveryFinding)
                .evaluate(&aggregate(Protocol::Tls, DataType::Email), at(1))
                .len(),
            1
        );
    }
}
