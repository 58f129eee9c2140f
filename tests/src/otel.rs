//! OpenTelemetry's Python SDK with its OTLP/HTTP exporter, as services export spans to a
//! collector: protobuf over HTTP, in clear text to port 4318 inside many clusters. No Debian
//! package holds it: `cargo xtask setup` installs it (pinned) in a virtual environment of
//! Debian's Python, at the path below.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::Result;
use crate::netns::NsRef;
use crate::process::run_ok;

/// How long the client may take (the exporter's own timeout is 10 s).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// The environment's interpreter (`xtask::setup::otel_env` makes it).
#[must_use]
pub fn python() -> String {
    let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
    PathBuf::from(home)
        .join(".cache/m2m-privacy-monitor/otel-python/bin/python")
        .to_string_lossy()
        .into_owned()
}

/// Exports one span whose attributes are `name=value` arguments; fails unless the collector
/// accepts it.
const CLIENT: &str = r#"
import sys
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SpanExportResult
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
endpoint, pairs = sys.argv[1], sys.argv[2:]
attributes = dict(pair.split("=", 1) for pair in pairs)
provider = TracerProvider(resource=Resource.create({"service.name": "crm-api"}))
span = provider.get_tracer("crm").start_span("update customer", attributes=attributes)
span.end()
result = OTLPSpanExporter(endpoint=endpoint, timeout=10).export([span])
sys.exit(0 if result == SpanExportResult.SUCCESS else 1)
"#;

/// Exports a span with `attributes` from `ns` to `collector` (`/v1/traces`).
///
/// # Errors
/// When the client fails or the collector does not accept the span.
pub fn export_span(ns: &NsRef, collector: SocketAddr, attributes: &[(&str, &str)]) -> Result<()> {
    let mut cmd = ns.exec(&python())?;
    cmd.args(["-c", CLIENT, &format!("http://{collector}/v1/traces")]);
    for (name, value) in attributes {
        cmd.arg(format!("{name}={value}"));
    }
    run_ok(&mut cmd, COMMAND_TIMEOUT).map(drop)
}
