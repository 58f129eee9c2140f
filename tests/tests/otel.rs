//! OpenTelemetry spans exported over OTLP/HTTP (protobuf), through the kernel path, with the
//! real SDK and exporter: span attributes are protobuf key/value pairs, so a customer's name and
//! birth date, which carry no pattern of their own, are found only by their attribute keys
//! (`user.full_name`, OpenTelemetry's own, was also read as a login before). No planted value
//! reaches any output.

use tests::expect::Direction;
use tests::fixtures::{CUSTOMER_BIRTH_DATE, CUSTOMER_NAME, CUSTOMER_NEEDLES, EMAIL};
use tests::lab::{HTTP_PORT, Lab, Options, TestLab};
use tests::{otel, preflight};

#[test]
fn otlp_span_attributes_are_read_by_their_keys() {
    let python = otel::python();
    if !preflight::require("otel", &[python.as_str()]) {
        return;
    }
    let Some(mut lab) = TestLab::start("otel", Options::default()) else {
        return;
    };
    let client = lab.topo.client.handle();
    // The lab's HTTP server answers every POST with 200, as a collector accepting a batch.
    let collector = Lab::server_addr(HTTP_PORT);
    lab.drive_until_found(
        "findings from the exported span's attributes",
        HTTP_PORT,
        |_| {
            otel::export_span(
                &client,
                collector,
                &[
                    ("user.full_name", CUSTOMER_NAME),
                    ("customer.birth_date", CUSTOMER_BIRTH_DATE),
                    ("user.email", EMAIL.raw),
                    ("http.route", "/customers/{id}"),
                ],
            )
        },
        &[
            ("person_name", Direction::ToServer),
            ("date_of_birth", Direction::ToServer),
            ("email", Direction::ToServer),
        ],
    )
    .expect("findings from the span");

    lab.assert_protocol_labels(HTTP_PORT, "http");
    lab.assert_no_leaks(CUSTOMER_NEEDLES);
    let email: Vec<&str> = std::iter::once(EMAIL.raw)
        .chain(EMAIL.variants.iter().copied())
        .collect();
    lab.assert_no_leaks(&email);
}
