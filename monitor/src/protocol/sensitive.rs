//! A string that may hold personal data and must stay out of logs.

use std::fmt;

/// A value taken from traffic (a URL path, a header value) that may carry personal data. Its
/// `Debug` shows the length only and it has no `Display`, so it cannot reach a log by accident;
/// reading it takes an explicit [`Sensitive::expose`].
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Sensitive(String);

impl Sensitive {
    #[must_use]
    pub const fn new(value: String) -> Self {
        Self(value)
    }

    /// The value itself: for matching and classification, never for logging.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    #[must_use]
    pub const fn len(&self) -> usize {
        self.0.len()
    }

    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Sensitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<redacted {} bytes>", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::Sensitive;

    #[test]
    fn debug_shows_the_length_not_the_value() {
        let s = Sensitive::new("/users/jane.doe@example.com".to_owned());
        assert_eq!(format!("{s:?}"), "<redacted 27 bytes>");
        assert_eq!(s.expose(), "/users/jane.doe@example.com");
    }
}
