//! MongoDB through the kernel path: Debian's `PyMongo` inserts a customer into the harness's
//! MongoDB server and finds it again. The documents travel as BSON in `OP_MSG`, named by their
//! keys: the customer's name, e-mail address and birth date are found in the insert and in the
//! server's answer to the find. The driver's handshake names it (`PyMongo`), which is no person,
//! and the server's answer names the replica set's members by address, which are servers'. A
//! driver that compresses its messages (`compressors="zlib"`) is read as well, both ways.
//! Both directions are labelled `mongodb`, and no planted value reaches any output.

use tests::expect::Direction;
use tests::fixtures::{CUSTOMER_BIRTH_DATE, CUSTOMER_NAME, CUSTOMER_NEEDLES, EMAIL};
use tests::lab::{Lab, Options, TestLab};
use tests::{mongodb, preflight};

const PORT: u16 = 27017;
/// The server a compressing driver talks to.
const COMPRESSED_PORT: u16 = 27018;

#[test]
fn documents_are_read_both_ways_and_flows_labelled_mongodb() {
    if !preflight::require("mongodb", mongodb::TOOLS) {
        return;
    }
    let Some(mut lab) = TestLab::start("mongodb", Options::default()) else {
        return;
    };
    let server_ns = lab.topo.server.handle();
    let dir = lab.dir();
    let server = Lab::server_addr(PORT);
    let _server = mongodb::start_server(&server_ns, PORT, server, &dir.join("logs"))
        .expect("the server listens");
    let (first, last) = CUSTOMER_NAME.split_once(' ').expect("two names");
    let document = format!(
        r#"{{"first_name":"{first}","last_name":"{last}","email":"{}","date_of_birth":"{CUSTOMER_BIRTH_DATE}"}}"#,
        EMAIL.raw
    );
    insert_and_find_until_found(&mut lab, PORT, &document, "");

    lab.assert_protocol_labels(PORT, "mongodb");
    let endpoint = Lab::server_endpoint(PORT);
    let findings = lab.daemon.findings().expect("findings");
    // Each insert carries two names and one birth date: a handshake's driver name (`PyMongo`)
    // counted as a person's would tip the balance.
    let count = |data_type: &str| -> u64 {
        findings
            .iter()
            .filter(|f| f.dst == endpoint && f.data_types.iter().any(|t| t == data_type))
            .map(|f| f.count)
            .sum()
    };
    assert_eq!(
        count("person_name"),
        2 * count("date_of_birth"),
        "names beside the customer's: {findings:?}"
    );
    // The server's handshake answers name the replica set's members by address: a server's,
    // no finding.
    lab.assert_no_address_findings(PORT);
    // A driver configured to compress (`compressors="zlib"`), on a server of its own: every
    // message after the handshake is `OP_COMPRESSED`, both ways.
    let compressing = Lab::server_addr(COMPRESSED_PORT);
    let _compressing =
        mongodb::start_server(&server_ns, COMPRESSED_PORT, compressing, &dir.join("logs"))
            .expect("the second server listens");
    insert_and_find_until_found(&mut lab, COMPRESSED_PORT, &document, "zlib");
    lab.assert_protocol_labels(COMPRESSED_PORT, "mongodb");
    lab.assert_no_leaks(CUSTOMER_NEEDLES);
    lab.assert_no_leaks(&[EMAIL.raw]);
}

/// Inserts `document` into the server on `port` and finds it again, with `compressors`, until
/// its name, e-mail address and birth date are found both ways.
fn insert_and_find_until_found(lab: &mut TestLab, port: u16, document: &str, compressors: &str) {
    let client = lab.topo.client.handle();
    let server = Lab::server_addr(port);
    lab.drive_until_found(
        &format!("findings from the inserted and the found customer ({compressors:?})"),
        port,
        |_| {
            let found = mongodb::insert_and_find(&client, server, document, compressors)?;
            if found.contains(EMAIL.raw) {
                Ok(())
            } else {
                Err(tests::Error::msg("the find returned no customer"))
            }
        },
        &[
            ("person_name", Direction::ToServer),
            ("email", Direction::ToServer),
            ("date_of_birth", Direction::ToServer),
            ("person_name", Direction::FromServer),
            ("email", Direction::FromServer),
            ("date_of_birth", Direction::FromServer),
        ],
    )
    .expect("findings from the customer");
}
