//! End-to-end harness of the M2M Privacy Monitor.
//!
//! Builds a throw-away lab per test: two network namespaces ("client" 198.18.0.1/24 and
//! "server" 198.18.0.2/24) joined by a veth pair, real servers (a Python HTTP server,
//! `openssl s_server` for TLS 1.2/1.3, a raw TCP/UDP sink) in the server namespace, real
//! clients (`curl`, `openssl s_client`) in the client namespace, a real Alertmanager and the
//! `monitor run` daemon watching the client's veth end. Everything is owned by RAII guards:
//! processes are killed by PID and namespaces deleted on drop, also when a test panics.
//!
//! All traffic stays on loopback or on 198.18.0.0/24 inside namespaces made here.
//!
//! Modules, bottom-up:
//! - [`error`], [`wait`]: the error type and bounded polling.
//! - [`preflight`]: root and binary checks (fail in CI, skip elsewhere).
//! - [`process`]: child processes with log files, killed by PID on drop.
//! - [`netns`]: namespaces, the veth topology, running code inside a namespace.
//! - [`http`]: a tiny HTTP/1.0 client over `std::net`.
//! - [`servers`], [`clients`], [`proxy`]: traffic endpoints.
//! - [`alertmanager`]: a real Alertmanager and its v2 API.
//! - [`daemon`]: locating, starting and querying `monitor`.
//! - [`contract`]: the daemon's JSON and metrics contract, parsed.
//! - [`expect`]: contract checks shared by tests and demo.
//! - [`fixtures`]: planted personal data and its variants.
//! - [`kernel`]: what is attached to an interface (tc, bpftool, BPF link ids).
//! - [`privacy`]: searching every output for planted raw values.
//! - [`lab`]: all of it assembled, used by the integration tests and the demo.

pub mod alertmanager;
pub mod brokers;
pub mod clients;
pub mod contract;
pub mod daemon;
pub mod dicom;
pub mod error;
pub mod expect;
pub mod fixtures;
pub mod h2c;
pub mod http;
pub mod kafka;
pub mod kernel;
pub mod lab;
pub mod ldap;
pub mod mariadb;
pub mod mongodb;
pub mod netns;
pub mod otel;
pub mod postgres;
pub mod preflight;
pub mod privacy;
pub mod process;
pub mod proxy;
pub mod servers;
pub mod smtp;
pub mod wait;
pub mod websocket;

pub use error::{Error, Result};
