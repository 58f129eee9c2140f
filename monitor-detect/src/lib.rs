//! Personal-data detection engine.
//!
//! Bytes (and optionally the field context they came from) in, [`Finding`]s out. This crate is the
//! only place where detection lives: the daemon, the CLI (`monitor scan`) and the benchmarks all
//! call it. It never needs the kernel and never stores a raw value: a [`Finding`] carries a byte
//! span into the caller's input and a redacted `evidence` string.

#[cfg(feature = "bench-corpus")]
pub mod bench_corpus;
mod config;
mod context;
mod decode;
mod detect;
mod engine;
mod error;
pub mod eval;
mod fields;
mod keywords;
mod patterns;
mod redact;
mod stream;
mod text;
mod types;

pub use config::EngineConfig;
pub use context::FieldContext;
pub use engine::Engine;
pub use error::EngineError;
pub use redact::redact;
pub use stream::StreamScanner;
pub use types::{DataType, Finding, GdprCategory, ParseDataTypeError};
