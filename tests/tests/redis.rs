//! Redis in clear text, through the kernel path, with a real server and `redis-cli`: a hash
//! written with `HSET` (the client's command) and read back with `HGETALL` (the server's
//! reply, in RESP2 an array of names and values, in RESP3 a map) gives findings by field name
//! in both directions, where a name, a birth date and a national-format phone number carry no
//! pattern of their own. No planted value reaches any output.

use tests::brokers::{self, Redis};
use tests::expect::Direction;
use tests::fixtures::{CUSTOMER_BIRTH_DATE, CUSTOMER_NAME, CUSTOMER_NEEDLES};
use tests::lab::{Lab, Options, TestLab};
use tests::preflight;

/// The port of the one-node cluster.
const CLUSTER_PORT: u16 = 7379;

const PORT: u16 = 6379;
/// A German number in national format: a phone only by its field's name.
const PHONE: &str = "030 98765432";
/// Spellings of the owner's phone number that would be a leak too.
const PHONE_NEEDLES: &[&str] = &[PHONE, "98765432", "3098765432"];

#[test]
fn redis_commands_and_replies_give_findings_by_field_name() {
    if !preflight::require("redis", brokers::REDIS_TOOLS) {
        return;
    }
    let Some(mut lab) = TestLab::start("redis", Options::default()) else {
        return;
    };
    let (client, server_ns) = (lab.topo.client.handle(), lab.topo.server.handle());
    let _redis = Redis::start(&server_ns, PORT, &lab.dir().join("logs")).expect("Redis starts");
    let server = Lab::server_addr(PORT);
    lab.drive_until_found(
        "findings from the commands and from both kinds of reply",
        PORT,
        |_| {
            let cli = |resp3: bool, args: &[&str]| brokers::redis_cli(&client, server, resp3, args);
            cli(
                false,
                &[
                    "HSET",
                    "customer:17",
                    "full_name",
                    CUSTOMER_NAME,
                    "birth_date",
                    CUSTOMER_BIRTH_DATE,
                ],
            )?;
            cli(false, &["HSET", "owner:9", "phone", PHONE, "plan", "pro"])?;
            // The customer comes back as a RESP2 array, the owner as a RESP3 map: the phone
            // number from the server can only come from the map.
            let customer = cli(false, &["HGETALL", "customer:17"])?;
            let owner = cli(true, &["HGETALL", "owner:9"])?;
            if customer.contains(CUSTOMER_NAME) && owner.contains(PHONE) {
                Ok(())
            } else {
                Err(tests::Error::msg(format!(
                    "unexpected replies {customer:?} {owner:?}"
                )))
            }
        },
        &[
            ("person_name", Direction::ToServer),
            ("date_of_birth", Direction::ToServer),
            ("phone", Direction::ToServer),
            ("person_name", Direction::FromServer),
            ("date_of_birth", Direction::FromServer),
            ("phone", Direction::FromServer),
        ],
    )
    .expect("findings by field name in both directions");

    lab.assert_protocol_labels(PORT, "redis");
    lab.assert_no_leaks(CUSTOMER_NEEDLES);
    lab.assert_no_leaks(PHONE_NEEDLES);
}

/// A cluster's topology answers (`CLUSTER SLOTS`, `CLUSTER NODES`) name its nodes by the address
/// they announce: a server's, which gives no finding, while a customer written to the same
/// node is found.
#[test]
fn cluster_topology_names_no_person() {
    if !preflight::require("redis", brokers::REDIS_TOOLS) {
        return;
    }
    let Some(mut lab) = TestLab::start("redis-cluster", Options::default()) else {
        return;
    };
    let (client, server_ns) = (lab.topo.client.handle(), lab.topo.server.handle());
    let server = Lab::server_addr(CLUSTER_PORT);
    let _redis = Redis::start_cluster(&server_ns, CLUSTER_PORT, server, &lab.dir().join("logs"))
        .expect("the cluster starts");
    lab.drive_until_found(
        "findings from the customer written after the topology",
        CLUSTER_PORT,
        |_| {
            let cli = |args: &[&str]| brokers::redis_cli(&client, server, false, args);
            let slots = cli(&["CLUSTER", "SLOTS"])?;
            let nodes = cli(&["CLUSTER", "NODES"])?;
            let address = server.ip().to_string();
            if !slots.contains(&address) || !nodes.contains(&address) {
                return Err(tests::Error::msg(format!(
                    "the topology names no {address}: {slots:?} {nodes:?}"
                )));
            }
            cli(&["HSET", "customer:17", "full_name", CUSTOMER_NAME]).map(drop)
        },
        &[("person_name", Direction::ToServer)],
    )
    .expect("findings from the customer");
    lab.assert_no_address_findings(CLUSTER_PORT);
    lab.assert_no_leaks(CUSTOMER_NEEDLES);
}
