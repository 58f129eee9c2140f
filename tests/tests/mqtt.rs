//! MQTT in clear text, through the kernel path, with a real broker (Mosquitto) and its own
//! clients: a value published to a topic whose last level names it
//! (`crm/customers/17/date_of_birth`) is found by that name, in MQTT 3.1.1, where the topic
//! runs straight into the payload, and in MQTT 5, where properties sit between them; both in
//! the client's publish and in the broker's delivery to a subscriber. No planted value reaches
//! any output.

use tests::brokers::{self, Mosquitto};
use tests::expect::Direction;
use tests::fixtures::{CUSTOMER_BIRTH_DATE, CUSTOMER_NAME, CUSTOMER_NEEDLES};
use tests::lab::{Lab, Options, TestLab};
use tests::preflight;

const PORT: u16 = 1883;

#[test]
fn mqtt_topics_name_their_payloads() {
    if !preflight::require("mqtt", brokers::MQTT_TOOLS) {
        return;
    }
    let Some(mut lab) = TestLab::start("mqtt", Options::default()) else {
        return;
    };
    let (client, server_ns) = (lab.topo.client.handle(), lab.topo.server.handle());
    let logs = lab.dir().join("logs");
    let _broker = Mosquitto::start(&server_ns, PORT, &logs).expect("Mosquitto starts");
    let broker = Lab::server_addr(PORT);
    // A subscriber in the client's namespace: the broker delivers each publish to it.
    let _subscriber =
        brokers::mqtt_subscriber(&client, broker, "crm/#", &logs).expect("mosquitto_sub starts");
    lab.drive_until_found(
        "findings by topic from the publisher and from the broker",
        PORT,
        |_| {
            brokers::mqtt_publish(
                &client,
                broker,
                "mqttv311",
                "crm/customers/17/date_of_birth",
                CUSTOMER_BIRTH_DATE,
            )?;
            brokers::mqtt_publish(
                &client,
                broker,
                "mqttv5",
                "crm/customers/17/full_name",
                CUSTOMER_NAME,
            )
        },
        &[
            ("date_of_birth", Direction::ToServer),
            ("person_name", Direction::ToServer),
            ("date_of_birth", Direction::FromServer),
            ("person_name", Direction::FromServer),
        ],
    )
    .expect("findings by topic in both directions");

    lab.assert_protocol_labels(PORT, "mqtt");
    lab.assert_no_leaks(CUSTOMER_NEEDLES);
}
