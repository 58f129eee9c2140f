//! Planted personal data: distinctive raw values, the payloads that carry them, and the
//! variants a leak might take (so the privacy test searches for more than the exact form).

use std::fmt::Write as _;

/// A planted value with its data type name and the forms to search for.
#[derive(Debug, Clone, Copy)]
pub struct Planted {
    /// Contract data type name.
    pub data_type: &'static str,
    /// The raw value as sent.
    pub raw: &'static str,
    /// Other spellings that would also be a leak (digits only, no spaces, local part...).
    pub variants: &'static [&'static str],
}

/// An email address; the local part alone is distinctive too.
pub const EMAIL: Planted = Planted {
    data_type: "email",
    raw: "quintus.vandermolen@m2m-fixture.example",
    variants: &[
        "quintus.vandermolen",
        "vandermolen@m2m",
        "quintus.vandermolen%40m2m-fixture.example",
    ],
};

/// A customer the database and broker tests store and read back: a name and a birth date
/// that carry no pattern of their own, found only by their field names.
pub const CUSTOMER_NAME: &str = "Ottilie Wennerström";
/// The customer's birth date.
pub const CUSTOMER_BIRTH_DATE: &str = "1979-05-23";
/// Spellings of the customer's values that would be a leak too.
pub const CUSTOMER_NEEDLES: &[&str] = &[
    CUSTOMER_NAME,
    "Wennerstr",
    "Ottilie",
    CUSTOMER_BIRTH_DATE,
    "19790523",
    "23.05.1979",
];

/// A Luhn-valid Visa-like card number.
pub const CARD: Planted = Planted {
    data_type: "credit_card",
    raw: "4532 7190 4418 3055",
    variants: &[
        "4532719044183055",
        "4532-7190-4418-3055",
        "71904418305",
        "7190 4418",
    ],
};

/// A German IBAN with a valid mod-97 check.
pub const IBAN: Planted = Planted {
    data_type: "iban",
    raw: "DE77 5007 0010 0938 4715 62",
    variants: &[
        "DE77500700100938471562",
        "500700100938471562",
        "0938 4715",
        "09384715",
    ],
};

/// A UK mobile number from the range reserved for drama (never assigned).
pub const PHONE: Planted = Planted {
    data_type: "phone",
    raw: "+44 7700 900461",
    variants: &[
        "+447700900461",
        "447700900461",
        "07700900461",
        "7700 900461",
        "7700900461",
    ],
};

/// Everything planted in clear text.
pub const ALL: [Planted; 4] = [EMAIL, CARD, IBAN, PHONE];

/// Every string whose presence in an output is a leak: raw values and variants.
#[must_use]
pub fn needles() -> Vec<&'static str> {
    ALL.iter()
        .flat_map(|p| std::iter::once(p.raw).chain(p.variants.iter().copied()))
        .collect()
}

/// `IoT` telemetry carrying a customer's email and phone.
#[must_use]
pub fn iot_telemetry_json() -> String {
    serde_json::json!({
        "device_id": "thermo-0042",
        "temperature_c": 21.5,
        "firmware": "2.4.1",
        "owner": { "email": EMAIL.raw, "phone": PHONE.raw },
    })
    .to_string()
}

/// A payment webhook carrying an IBAN and a card number.
#[must_use]
pub fn payment_webhook_json() -> String {
    serde_json::json!({
        "event": "payment.succeeded",
        "amount": { "value": 4999, "currency": "EUR" },
        "payer": { "iban": IBAN.raw, "card_number": CARD.raw, "email": EMAIL.raw },
    })
    .to_string()
}

/// Telemetry without personal data.
#[must_use]
pub fn plain_telemetry_json() -> String {
    serde_json::json!({ "device_id": "pump-7", "rpm": 1450, "status": "ok", "uptime_s": 86_400 })
        .to_string()
}

/// A batch of readings without personal data, longer than the tail the daemon's scanner carries
/// from one chunk of a stream into the next (256 bytes).
#[must_use]
pub fn plain_telemetry_batch_json() -> String {
    let readings: Vec<serde_json::Value> = (0..24)
        .map(|i| serde_json::json!({ "t": 1_700_000_000 + i * 60, "rpm": 1400 + i }))
        .collect();
    serde_json::json!({ "device_id": "pump-7", "readings": readings }).to_string()
}

/// A user record carrying the planted e-mail address after a trace of hex digits that hardly
/// compresses: gzip-compressed, the record spans two packets and the address sits in the second.
#[must_use]
pub fn user_record_json() -> String {
    let trace = (0_u32..500).fold(String::new(), |mut trace, i| {
        let _ = write!(trace, "{:08x}", i.wrapping_mul(0x9E37_79B1));
        trace
    });
    serde_json::json!({ "trace": trace, "user": { "id": 4711, "email": EMAIL.raw } }).to_string()
}

/// Luhn check of the digits in `s`.
#[must_use]
pub fn luhn_valid(s: &str) -> bool {
    let digits: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    digits.len() >= 12 && sum.is_multiple_of(10)
}

/// ISO 13616 mod-97 check of an IBAN (spaces ignored).
#[must_use]
pub fn iban_valid(s: &str) -> bool {
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() < 15 || !compact.is_ascii() {
        return false;
    }
    let rearranged = format!("{}{}", &compact[4..], &compact[..4]);
    let mut rem = 0_u32;
    for c in rearranged.chars() {
        let Some(v) = c.to_digit(36) else {
            return false;
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planted_values_are_valid_instances_of_their_types() {
        assert!(luhn_valid(CARD.raw), "card must pass Luhn");
        assert!(
            !luhn_valid("4532 7190 4418 3056"),
            "Luhn check must reject a wrong digit"
        );
        assert!(iban_valid(IBAN.raw), "IBAN must pass mod-97");
        assert!(iban_valid("GB82 WEST 1234 5698 7654 32"), "reference IBAN");
        assert!(
            !iban_valid("DE78 5007 0010 0938 4715 62"),
            "mod-97 must reject a wrong check"
        );
    }

    #[test]
    fn payloads_carry_the_planted_values() {
        let iot = iot_telemetry_json();
        let pay = payment_webhook_json();
        for p in [EMAIL, PHONE] {
            assert!(
                iot.contains(p.raw),
                "{} missing from telemetry",
                p.data_type
            );
        }
        for p in [IBAN, CARD] {
            assert!(pay.contains(p.raw), "{} missing from webhook", p.data_type);
        }
        assert!(
            needles()
                .iter()
                .all(|n| !plain_telemetry_json().contains(n))
        );
    }
}
