//! M2M Privacy Monitor: library behind the `monitor` binary.

pub mod model;
