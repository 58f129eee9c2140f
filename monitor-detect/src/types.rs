use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

/// A kind of personal data. The names (`as_str`) are a public contract: CLI, API, metrics labels,
/// alerts and the labelled corpus all use them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataType {
    Email,
    Phone,
    Iban,
    CreditCard,
    Ipv4,
    Ipv6,
    MacAddress,
    Imei,
    GpsCoordinates,
    PersonName,
    DateOfBirth,
    NationalId,
    Jwt,
    PostalAddress,
    PassportNumber,
}

/// GDPR-oriented category of a [`DataType`], used by policy and reporting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GdprCategory {
    Contact,
    Identity,
    Financial,
    Location,
    OnlineIdentifier,
    DeviceIdentifier,
    SpecialCategory,
}

impl DataType {
    pub const ALL: [Self; 15] = [
        Self::Email,
        Self::Phone,
        Self::Iban,
        Self::CreditCard,
        Self::Ipv4,
        Self::Ipv6,
        Self::MacAddress,
        Self::Imei,
        Self::GpsCoordinates,
        Self::PersonName,
        Self::DateOfBirth,
        Self::NationalId,
        Self::Jwt,
        Self::PostalAddress,
        Self::PassportNumber,
    ];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Iban => "iban",
            Self::CreditCard => "credit_card",
            Self::Ipv4 => "ipv4",
            Self::Ipv6 => "ipv6",
            Self::MacAddress => "mac_address",
            Self::Imei => "imei",
            Self::GpsCoordinates => "gps_coordinates",
            Self::PersonName => "person_name",
            Self::DateOfBirth => "date_of_birth",
            Self::NationalId => "national_id",
            Self::Jwt => "jwt",
            Self::PostalAddress => "postal_address",
            Self::PassportNumber => "passport_number",
        }
    }

    #[must_use]
    pub const fn category(self) -> GdprCategory {
        match self {
            Self::Email | Self::Phone | Self::PostalAddress => GdprCategory::Contact,
            Self::PersonName | Self::DateOfBirth | Self::NationalId | Self::PassportNumber => {
                GdprCategory::Identity
            }
            Self::Iban | Self::CreditCard => GdprCategory::Financial,
            Self::GpsCoordinates => GdprCategory::Location,
            Self::Ipv4 | Self::Ipv6 | Self::Jwt => GdprCategory::OnlineIdentifier,
            Self::MacAddress | Self::Imei => GdprCategory::DeviceIdentifier,
        }
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown data type `{0}`")]
pub struct ParseDataTypeError(String);

impl FromStr for DataType {
    type Err = ParseDataTypeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| ParseDataTypeError(s.to_owned()))
    }
}

impl GdprCategory {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Contact => "contact",
            Self::Identity => "identity",
            Self::Financial => "financial",
            Self::Location => "location",
            Self::OnlineIdentifier => "online_identifier",
            Self::DeviceIdentifier => "device_identifier",
            Self::SpecialCategory => "special_category",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in DataType::ALL {
            assert_eq!(t.as_str().parse::<DataType>().unwrap(), t);
            assert_eq!(serde_json_name(t), t.as_str());
        }
        assert!("nope".parse::<DataType>().is_err());
    }

    fn serde_json_name(t: DataType) -> String {
        // serde's rename_all must agree with as_str.
        format!("{t:?}")
            .chars()
            .enumerate()
            .flat_map(|(i, c)| {
                let lower = c.to_ascii_lowercase();
                if c.is_ascii_uppercase() && i > 0 {
                    vec!['_', lower]
                } else {
                    vec![lower]
                }
            })
            .collect::<String>()
            .replace("ipv_4", "ipv4")
            .replace("ipv_6", "ipv6")
    }
}

/// One detected personal value. It never holds the raw value: `start..end` is a byte span into
/// the input the caller passed (the value's wire form), and `evidence` is a redacted rendering
/// (for example `j***@e***.com`) that is safe to log, store, export and alert on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub data_type: DataType,
    /// Byte offset of the first byte of the value in the scanned input.
    pub start: usize,
    /// Byte offset one past the last byte of the value in the scanned input.
    pub end: usize,
    /// 0.0 ..= 1.0.
    pub confidence: f32,
    /// The field context that decided or raised the confidence (a JSON key, header or form field
    /// name, MQTT topic, JWT claim names...). Names only, never values.
    pub context: Option<String>,
    /// Country or scheme, where the type has one (`DE_STEUER_ID`, `NL_BSN`, or a phone region).
    pub country: Option<String>,
    /// Redacted evidence, safe for every output.
    pub evidence: String,
}
