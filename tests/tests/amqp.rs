//! AMQP 0-9-1 in clear text, through the kernel path, with a real broker (RabbitMQ) and
//! librabbitmq's clients: a value published to a topic exchange with a routing key whose last
//! segment names it (`crm.customers.17.full_name`) is found by that name, both in the client's
//! `basic.publish` and in the broker's `basic.deliver` to a consumer, where a name carries no
//! pattern of its own; so is a birth date sent in an application header named for it
//! (`x-birth-date`). No planted value reaches any output.

use tests::brokers::{self, RabbitMq};
use tests::expect::Direction;
use tests::fixtures::{CUSTOMER_BIRTH_DATE, CUSTOMER_NAME, CUSTOMER_NEEDLES};
use tests::lab::{Lab, Options, TestLab};
use tests::preflight;

const PORT: u16 = 5672;

#[test]
fn amqp_routing_keys_name_their_messages() {
    let tools = [brokers::AMQP_TOOLS, &[brokers::RABBITMQ_SERVER]].concat();
    if !preflight::require("amqp", &tools) {
        return;
    }
    // `amqp-publish` opens a connection per message, whose set-up takes the client's first
    // five packets; the publish, its sixth, comes after the head by count and is copied as one
    // of the flow's leading bytes (the daemon's defaults).
    let Some(mut lab) = TestLab::start("amqp", Options::default()) else {
        return;
    };
    let (client, server_ns) = (lab.topo.client.handle(), lab.topo.server.handle());
    let logs = lab.dir().join("logs");
    let _broker = RabbitMq::start(&server_ns, PORT, &logs).expect("RabbitMQ starts");
    let broker = Lab::server_addr(PORT);
    // A consumer in the client's namespace: the broker delivers each message to it.
    let _consumer =
        brokers::amqp_consumer(&client, broker, "crm.#", &logs).expect("amqp-consume starts");
    lab.drive_until_found(
        "findings by routing key from the publisher and from the broker",
        PORT,
        |_| {
            brokers::amqp_publish(
                &client,
                broker,
                "crm.customers.17.full_name",
                &[],
                CUSTOMER_NAME,
            )?;
            // The birth date travels only in an application header, under its name.
            brokers::amqp_publish(
                &client,
                broker,
                "crm.customers.17.plan",
                &[("x-birth-date", CUSTOMER_BIRTH_DATE)],
                "pro",
            )
        },
        &[
            ("person_name", Direction::ToServer),
            ("date_of_birth", Direction::ToServer),
            ("person_name", Direction::FromServer),
            ("date_of_birth", Direction::FromServer),
        ],
    )
    .expect("findings by routing key in both directions");

    lab.assert_protocol_labels(PORT, "amqp");
    lab.assert_no_leaks(CUSTOMER_NEEDLES);
}
