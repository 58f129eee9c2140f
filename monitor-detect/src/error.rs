//! Errors of the detection engine.

/// Why an [`Engine`](crate::Engine) could not be built.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A configuration value is out of its range.
    #[error("invalid engine configuration: `{field}` {reason}")]
    InvalidConfig {
        field: &'static str,
        reason: &'static str,
    },
}
