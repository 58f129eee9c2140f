//! Flow assembly: payload samples in, per-direction streams, decoded and scanned, out.
//!
//! [`FlowTable`] keeps one entry per flow direction; each entry reassembles its samples
//! ([`reassembly`]), decodes the stream's start ([`crate::protocol`]) and scans its clear text
//! with the detection engine.

pub mod reassembly;
mod role;
pub mod table;

pub use reassembly::{Chunk, Reassembler, ReassemblyConfig, ReassemblyStats, TcpReassembler};
pub use table::{Expired, FlowTable, FlowTableConfig, FlowTableStats, Ingested};
