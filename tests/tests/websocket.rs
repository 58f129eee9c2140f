//! WebSocket with `permessage-deflate`, through the kernel path, with a real client and server
//! (`python3-websockets`, which compresses every message by default): a client's messages are
//! masked and compressed, the server's compressed, so no byte of the JSON inside shows on the
//! wire; the e-mail address and the name in it are found in both directions. No planted value
//! reaches any output.

use tests::expect::Direction;
use tests::fixtures::{CUSTOMER_NAME, CUSTOMER_NEEDLES};
use tests::lab::{Lab, Options, TestLab};
use tests::preflight;
use tests::websocket;

const PORT: u16 = 8765;
const EMAIL: &str = "ottilie.wennerstrom@m2m-fixture.example";

#[test]
fn compressed_websocket_messages_are_read() {
    if !preflight::require("websocket", websocket::TOOLS) {
        return;
    }
    let Some(mut lab) = TestLab::start("websocket", Options::default()) else {
        return;
    };
    let (client, server_ns) = (lab.topo.client.handle(), lab.topo.server.handle());
    let _server = websocket::start_echo(&server_ns, PORT, &lab.dir().join("logs"))
        .expect("echo server starts");
    let server = Lab::server_addr(PORT);
    let message = format!(
        "{{\"type\":\"profile_update\",\"email\":\"{EMAIL}\",\"full_name\":\"{CUSTOMER_NAME}\"}}"
    );
    lab.drive_until_found(
        "findings from the compressed messages",
        PORT,
        |_| {
            let answers = websocket::exchange(&client, server, &[&message])?;
            if answers.contains(EMAIL) {
                Ok(())
            } else {
                Err(tests::Error::msg(format!("unexpected answers {answers:?}")))
            }
        },
        &[
            ("email", Direction::ToServer),
            ("person_name", Direction::ToServer),
            ("email", Direction::FromServer),
            ("person_name", Direction::FromServer),
        ],
    )
    .expect("findings in both directions");

    lab.assert_protocol_labels(PORT, "http");
    lab.assert_no_leaks(CUSTOMER_NEEDLES);
    lab.assert_no_leaks(&[EMAIL, "ottilie.wennerstrom"]);
}
