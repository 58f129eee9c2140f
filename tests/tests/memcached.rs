//! memcached in clear text, through the kernel path, with a real server and libmemcached's
//! clients: a value stored under a key whose last segment names it (`customer:17:full_name`)
//! is found by that name in the client's `set` and in the server's `VALUE` reply. No planted
//! value reaches any output.

use tests::brokers::{self, Memcached};
use tests::expect::Direction;
use tests::fixtures::{CUSTOMER_BIRTH_DATE, CUSTOMER_NAME, CUSTOMER_NEEDLES};
use tests::lab::{Lab, Options, TestLab};
use tests::preflight;

const PORT: u16 = 11211;

#[test]
fn memcached_keys_name_their_values() {
    if !preflight::require("memcached", brokers::MEMCACHED_TOOLS) {
        return;
    }
    let Some(mut lab) = TestLab::start("memcached", Options::default()) else {
        return;
    };
    let (client, server_ns) = (lab.topo.client.handle(), lab.topo.server.handle());
    let _memcached =
        Memcached::start(&server_ns, PORT, &lab.dir().join("logs")).expect("memcached starts");
    let server = Lab::server_addr(PORT);
    lab.drive_until_found(
        "findings by key from the client's set and the server's value",
        PORT,
        |_| {
            for (key, value) in [
                ("customer:17:full_name", CUSTOMER_NAME),
                ("customer:17:date_of_birth", CUSTOMER_BIRTH_DATE),
            ] {
                brokers::memcached_store(&client, server, key, value)?;
                let stored = brokers::memcached_fetch(&client, server, key)?;
                if stored.trim() != value {
                    return Err(tests::Error::msg(format!("{key}: fetched {stored:?}")));
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
    .expect("findings by key in both directions");

    lab.assert_protocol_labels(PORT, "memcached");
    lab.assert_no_leaks(CUSTOMER_NEEDLES);
}
