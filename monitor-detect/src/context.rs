//! Field context: the names around a value (JSON key, form field, header, CSV column, MQTT topic).

/// Where a value came from, as far as the caller knows. Names only, never values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FieldContext<'a> {
    /// The field's own name: JSON key, form field, header name, CSV or SQL column, XML tag.
    pub name: Option<&'a str>,
    /// The enclosing object or topic (`customer`, `billing_address`, `devices/42/location`).
    pub parent: Option<&'a str>,
    /// ISO 3166 alpha-2 country hint for numbers written in national format (`DE`, `FR`).
    pub country: Option<&'a str>,
}

impl<'a> FieldContext<'a> {
    /// A context with only a field name.
    #[must_use]
    pub const fn named(name: &'a str) -> Self {
        Self {
            name: Some(name),
            parent: None,
            country: None,
        }
    }
}
