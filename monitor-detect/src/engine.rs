//! The engine: built once from an [`EngineConfig`], shared by reference or `Arc`.

use crate::{EngineConfig, EngineError, FieldContext, Finding};

/// The detection engine. Immutable after [`Engine::new`], so `Send + Sync` and cheap to share.
#[derive(Debug)]
pub struct Engine {
    config: EngineConfig,
}

impl Engine {
    /// Builds an engine.
    ///
    /// # Errors
    /// [`EngineError::InvalidConfig`] when a setting is out of range.
    pub fn new(config: EngineConfig) -> Result<Self, EngineError> {
        if !(0.0..=1.0).contains(&config.min_confidence) {
            return Err(EngineError::InvalidConfig {
                field: "min_confidence",
                reason: "must be within 0.0 ..= 1.0",
            });
        }
        Ok(Self { config })
    }

    /// The configuration the engine was built with.
    #[must_use]
    pub const fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Scans one whole payload: raw wire bytes of any M2M protocol. Offsets index `payload`.
    #[must_use]
    pub fn scan(&self, payload: &[u8]) -> Vec<Finding> {
        let _ = payload;
        Vec::new()
    }

    /// Scans one field value whose context is already known. Offsets index `value`.
    #[must_use]
    pub fn scan_field(&self, value: &[u8], context: &FieldContext<'_>) -> Vec<Finding> {
        let _ = (value, context);
        Vec::new()
    }
}
