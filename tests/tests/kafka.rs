//! Kafka through the kernel path: Debian's `kcat` (librdkafka) produces a customer event to the
//! harness's broker, its record batch compressed with each of Kafka's codecs in turn (gzip,
//! snappy, lz4, zstd), as producers mostly send them, and consumes it back. Compressed, the
//! record shows nothing to a pattern: the findings come from the batch decompressed, in the
//! producer's request and in the broker's answer to the consumer, and from a batch too long for
//! a packet's copy, whose cut LZ4 block still gives its first records. Both directions of each
//! connection are labelled `kafka`, and no planted value reaches any output.

use std::fmt::Write as _;
use std::time::Duration;

use tests::expect::Direction;
use tests::fixtures::{CUSTOMER_BIRTH_DATE, CUSTOMER_NAME, CUSTOMER_NEEDLES, EMAIL};
use tests::kafka::{self, Broker, Codec};
use tests::lab::{Lab, Options, TestLab};
use tests::{preflight, wait};

const PORT: u16 = 9092;

#[test]
fn compressed_record_batches_are_read_and_flows_labelled_kafka() {
    if !preflight::require("kafka", kafka::TOOLS) {
        return;
    }
    let Some(mut lab) = TestLab::start("kafka", Options::default()) else {
        return;
    };
    let (client, server_ns) = (lab.topo.client.handle(), lab.topo.server.handle());
    let broker_addr = Lab::server_addr(PORT);
    let broker = Broker::start(&server_ns, PORT, broker_addr).expect("broker listens");
    let event = customer_event();
    let message = lab.dir().join("event.json");
    std::fs::write(&message, &event).expect("writing the event");

    for codec in [Codec::Gzip, Codec::Snappy, Codec::Lz4, Codec::Zstd] {
        lab.drive_until_found(
            &format!("findings from a {} batch", codec.name()),
            PORT,
            |_| kafka::produce_file(&client, broker_addr, "customers", codec, &message),
            &[
                ("person_name", Direction::ToServer),
                ("email", Direction::ToServer),
                ("date_of_birth", Direction::ToServer),
            ],
        )
        .expect("findings from the produced event");
        // The broker got the batch, compressed as asked (the attributes' low bits).
        let produced = broker.produced();
        let last_batch = produced.last().expect("a produced batch");
        let attributes = last_batch.records.get(22).copied().unwrap_or(0);
        assert_eq!(attributes & 7, codec.attribute_bits(), "{codec:?}");
        // A compressed batch holds none of the record's text as sent.
        assert!(
            !String::from_utf8_lossy(&last_batch.records).contains(EMAIL.raw),
            "{codec:?} sent the address in clear"
        );
    }

    // A consumer reads the event back: the broker's `Fetch` answer carries the batch as it was
    // produced (zstd, the last codec), and findings come from it in the broker's direction.
    lab.drive_until_found(
        "findings from the fetched batch",
        PORT,
        |_| {
            let got = kafka::consume_first(&client, broker_addr, "customers")?;
            if got.trim_end() == event {
                Ok(())
            } else {
                Err(tests::Error::msg(format!(
                    "consumed {} other bytes",
                    got.len()
                )))
            }
        },
        &[
            ("person_name", Direction::FromServer),
            ("email", Direction::FromServer),
            ("date_of_birth", Direction::FromServer),
        ],
    )
    .expect("findings from the consumed event");
    lab.assert_protocol_labels(PORT, "kafka");
    // Every `Metadata` answer advertises the broker by its address: a server's, no finding.
    lab.assert_no_address_findings(PORT);
    assert_open_connection_labelled(&lab, broker_addr);
    assert_cut_lz4_batch_is_read(&mut lab, &event);
    lab.assert_no_leaks(CUSTOMER_NEEDLES);
    lab.assert_no_leaks(&[EMAIL.raw]);
}

/// An event a signup service publishes: the customer, then device telemetry that a producer
/// batches with it.
fn customer_event() -> String {
    let (first, last) = CUSTOMER_NAME.split_once(' ').expect("two names");
    let mut event = format!(
        r#"{{"type":"customer.created","customer":{{"first_name":"{first}","last_name":"{last}","email":"{}","date_of_birth":"{CUSTOMER_BIRTH_DATE}"}},"readings":["#,
        EMAIL.raw
    );
    for i in 0..12 {
        let sep = if i == 0 { "" } else { "," };
        let _ = write!(
            event,
            r#"{sep}{{"device":"th-{}","temp_c":{}.5,"rh":{}}}"#,
            2800 + i,
            18 + i,
            40 + i
        );
    }
    event.push_str("]}");
    event
}

/// While a producer holds its batch back, its connection is open: each direction has been
/// named by its first bytes (`ApiVersions` and its answer), both `kafka`.
fn assert_open_connection_labelled(lab: &TestLab, broker_addr: std::net::SocketAddr) {
    let client = lab.topo.client.handle();
    let telemetry = lab.dir().join("telemetry.json");
    std::fs::write(&telemetry, r#"{"device":"th-2829","temp_c":21.5}"#).expect("writing");
    let _producer = kafka::lingering_producer(
        &client,
        broker_addr,
        "telemetry",
        &telemetry,
        &lab.dir().join("logs"),
    )
    .expect("kcat starts");
    let server = Lab::server_endpoint(PORT);
    // A direction is named once its first bytes are decoded, a moment after they are counted:
    // wait for a connection whose two directions are both named.
    wait::until(
        "an open connection to the broker, both directions labelled kafka",
        Duration::from_secs(15),
        Duration::from_millis(200),
        || {
            let flows = lab.daemon.flows().map_err(|e| e.0)?;
            let named = flows.iter().any(|to_broker| {
                to_broker.dst == server
                    && to_broker.protocol == "kafka"
                    && flows.iter().any(|from_broker| {
                        from_broker.src == server
                            && from_broker.dst == to_broker.src
                            && from_broker.protocol == "kafka"
                    })
            });
            let of_broker: Vec<_> = flows.iter().filter(|f| f.involves(&server)).collect();
            if named {
                Ok(())
            } else {
                Err(format!("flows of the broker: {of_broker:?}"))
            }
        },
    )
    .expect("an open connection labelled kafka both ways");
}

/// A busy producer's batch, longer than the 12,000 bytes a packet is copied in: an LZ4 block cut
/// there still gives the records before the cut (the customer's come first). On a broker of its
/// own, so that the findings are its batch's alone.
fn assert_cut_lz4_batch_is_read(lab: &mut TestLab, event: &str) {
    const BIG_PORT: u16 = PORT + 1;
    let (client, server_ns) = (lab.topo.client.handle(), lab.topo.server.handle());
    let addr = Lab::server_addr(BIG_PORT);
    let broker = Broker::start(&server_ns, BIG_PORT, addr).expect("broker listens");
    let mut big = event.trim_end_matches("]}").to_owned();
    // Readings that differ enough not to compress to a few bytes.
    for i in 0_u32..1500 {
        let _ = write!(
            big,
            r#",{{"device":"th-{}","temp_c":{}.{},"seq":{}}}"#,
            i.wrapping_mul(2_654_435_761) % 100_000,
            i % 40,
            i.wrapping_mul(7) % 10,
            i.wrapping_mul(40_503)
        );
    }
    big.push_str("]}");
    let message = lab.dir().join("big-event.json");
    std::fs::write(&message, &big).expect("writing the event");
    lab.drive_until_found(
        "findings from a cut lz4 batch",
        BIG_PORT,
        |_| kafka::produce_file(&client, addr, "customers", Codec::Lz4, &message),
        &[
            ("person_name", Direction::ToServer),
            ("email", Direction::ToServer),
            ("date_of_birth", Direction::ToServer),
        ],
    )
    .expect("findings from the cut batch");
    let produced = broker.produced();
    let batch = produced.last().expect("a produced batch");
    assert!(
        batch.records.len() > 12_000,
        "the batch fits a copied packet: {} bytes",
        batch.records.len()
    );
}
