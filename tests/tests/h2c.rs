//! HTTP/2 in clear text, through the kernel path, with a real server (`nghttpd`) and `curl`
//! speaking HTTP/2 without TLS: the request's header block is HPACK-compressed, its strings in
//! Huffman code, yet the bearer JWT, the e-mail address and the phone number it carries are
//! found. No planted value reaches any output.

use tests::expect::Direction;
use tests::h2c::{self, H2cServer};
use tests::lab::{Lab, Options, TestLab};
use tests::preflight;

const PORT: u16 = 8082;
const EMAIL: &str = "ottilie.wennerstrom@m2m-fixture.example";
const PHONE: &str = "+49 30 98765432";
/// A JWT (HS256, signature not checked) whose claims hold the e-mail address.
const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.\
    eyJzdWIiOiI0MiIsImVtYWlsIjoib3R0aWxpZS53ZW5uZXJzdHJvbUBtMm0tZml4dHVyZS5leGFtcGxlIn0.\
    c2lnbmF0dXJlLWxhYg";
const NEEDLES: &[&str] = &[
    EMAIL,
    "ottilie.wennerstrom",
    PHONE,
    "98765432",
    JWT,
    "eyJzdWIiOiI0Mi",
];

#[test]
fn http2_cleartext_header_blocks_are_read() {
    if !preflight::require("h2c", h2c::TOOLS) {
        return;
    }
    let Some(mut lab) = TestLab::start("h2c", Options::default()) else {
        return;
    };
    let (client, server_ns) = (lab.topo.client.handle(), lab.topo.server.handle());
    let _server =
        H2cServer::start(&server_ns, PORT, &lab.dir().join("logs")).expect("nghttpd starts");
    let server = Lab::server_addr(PORT);
    let headers = [
        format!("authorization: Bearer {JWT}"),
        format!("x-user-email: {EMAIL}"),
        format!("x-customer-phone: {PHONE}"),
    ];
    lab.drive_until_found(
        "findings from the HPACK-coded request headers",
        PORT,
        |_| {
            let body = h2c::get(&client, server, &headers)?;
            if body.contains("ok") {
                Ok(())
            } else {
                Err(tests::Error::msg(format!("unexpected body {body:?}")))
            }
        },
        &[
            ("jwt", Direction::ToServer),
            ("email", Direction::ToServer),
            ("phone", Direction::ToServer),
        ],
    )
    .expect("findings from the header block");

    lab.assert_protocol_labels(PORT, "http2");
    // `:authority` names the server by its address, as `Host` does in HTTP/1.
    lab.assert_no_address_findings(PORT);
    lab.assert_no_leaks(NEEDLES);
}
