//! NATS in clear text, through the kernel path, with a real server (`nats-server`): a value
//! published to a subject whose last token names it (`crm.customers.17.date_of_birth`) is found
//! by that name in the client's `PUB` and in the server's `MSG` delivery to a subscriber. The
//! addresses in the server's `INFO` give no finding. No planted value reaches any output.

use tests::brokers::{self, Nats};
use tests::expect::Direction;
use tests::fixtures::{CUSTOMER_BIRTH_DATE, CUSTOMER_NAME, CUSTOMER_NEEDLES};
use tests::lab::{Lab, Options, TestLab};
use tests::preflight;

const PORT: u16 = 4222;

#[test]
fn nats_subjects_name_their_payloads() {
    if !preflight::require("nats", brokers::NATS_TOOLS) {
        return;
    }
    let Some(mut lab) = TestLab::start("nats", Options::default()) else {
        return;
    };
    let (client, server_ns) = (lab.topo.client.handle(), lab.topo.server.handle());
    let _nats = Nats::start(&server_ns, PORT, &lab.dir().join("logs")).expect("nats starts");
    let server = Lab::server_addr(PORT);
    lab.drive_until_found(
        "findings by subject from the publish and the delivery",
        PORT,
        |_| {
            for (subject, payload) in [
                ("crm.customers.17.full_name", CUSTOMER_NAME),
                ("crm.customers.17.date_of_birth", CUSTOMER_BIRTH_DATE),
            ] {
                let delivered = brokers::nats_round_trip(&client, server, subject, payload)?;
                if delivered != payload {
                    return Err(tests::Error::msg(format!("{subject}: got {delivered:?}")));
                }
            }
            Ok(())
        },
        &[
            ("person_name", Direction::ToServer),
            ("date_of_birth", Direction::ToServer),
            ("person_name", Direction::FromServer),
            ("date_of_birth", Direction::FromServer),
        ],
    )
    .expect("findings by subject in both directions");

    lab.assert_protocol_labels(PORT, "nats");
    // The server's `INFO` on each connection names its own address, its cluster's and the
    // client's as the server sees it: a server's metadata, no finding.
    lab.assert_no_address_findings(PORT);
    lab.assert_no_leaks(CUSTOMER_NEEDLES);
}
