//! M2M Privacy Monitor: library behind the `monitor` binary.
//!
//! Data path: kernel capture (`capture`) -> flow assembly (`flow`) -> protocol decoding
//! (`protocol`) -> detection (`monitor_detect`) -> findings and policy -> sinks (store, metrics,
//! API, alerts). Every stage after capture works on bytes and plain values alone.

pub mod api;
pub mod capture;
pub mod cli;
pub mod flow;
pub mod model;
pub mod pipeline;
pub mod protocol;
pub mod sinks;
