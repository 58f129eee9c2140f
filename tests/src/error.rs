//! One error type for the harness: a message that says what failed and why.

use std::fmt;

/// A harness failure, carrying a human-readable message.
#[derive(Debug)]
pub struct Error(pub String);

/// Result of harness operations.
pub type Result<T> = std::result::Result<T, Error>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl Error {
    /// Builds an error from any message.
    pub fn msg(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// Adds context to errors of foreign types (io, serde, ...).
pub trait Context<T> {
    /// Prefixes the error with `what` (e.g. "starting alertmanager").
    ///
    /// # Errors
    ///
    /// The original error, as this crate's error with `what` in front.
    fn context(self, what: impl fmt::Display) -> Result<T>;
}

impl<T, E: fmt::Display> Context<T> for std::result::Result<T, E> {
    fn context(self, what: impl fmt::Display) -> Result<T> {
        self.map_err(|e| Error(format!("{what}: {e}")))
    }
}

/// Returns early with a formatted [`Error`].
#[macro_export]
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err($crate::Error(format!($($arg)*)))
    };
}
