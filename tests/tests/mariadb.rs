//! MariaDB in clear text, through the kernel path, with a real server and real clients on
//! MariaDB Connector/C: the rows the server returns are found by their column names (a name
//! and a birth date carry no pattern of their own), both in text result sets (the `mariadb`
//! command) and in binary ones (a prepared statement, `DBD::MariaDB`), where the birth date is
//! four binary bytes and the column names came in the answer to `COM_STMT_PREPARE`, an earlier
//! segment (the client caches them, so the server does not send them again). The customer is
//! stored over the server's Unix socket, so only the server's rows carry the values across
//! the lab's network. No planted value reaches any output.

use std::net::SocketAddr;

use tests::expect::Direction;
use tests::fixtures::{CUSTOMER_BIRTH_DATE, CUSTOMER_NAME, CUSTOMER_NEEDLES};
use tests::lab::{Lab, Options, TestLab};
use tests::mariadb::{self, MariaDb};
use tests::preflight;

const PORT: u16 = 3306;

/// Runs `read` (a client's query of the stored customer) until the server's rows give both
/// findings, then checks every output for the planted values.
fn rows_give_findings(
    test: &str,
    options: Options,
    read: fn(&tests::netns::NsRef, SocketAddr) -> tests::Result<String>,
) {
    if !preflight::require(test, mariadb::TOOLS) {
        return;
    }
    let Some(mut lab) = TestLab::start(test, options) else {
        return;
    };
    let (client, server_ns) = (lab.topo.client.handle(), lab.topo.server.handle());
    let database =
        MariaDb::start(&server_ns, PORT, &lab.dir().join("logs")).expect("MariaDB starts");
    database
        .admin(&format!(
            "CREATE TABLE {db}.customers (customer_id INT AUTO_INCREMENT PRIMARY KEY, \
             full_name VARCHAR(80), birth_date DATE, plan VARCHAR(10), created_at DATETIME); \
             INSERT INTO {db}.customers (full_name, birth_date, plan, created_at) \
             VALUES ('{CUSTOMER_NAME}', '{CUSTOMER_BIRTH_DATE}', 'pro', '2026-11-24 10:11:12');",
            db = mariadb::DATABASE
        ))
        .expect("the customers table");
    let server = Lab::server_addr(PORT);
    lab.drive_until_found(
        "person_name and date_of_birth from the server",
        PORT,
        |_| {
            let rows = read(&client, server)?;
            // The client got the stored row, so the server's answer carried it.
            if rows.contains(CUSTOMER_NAME) && rows.contains(CUSTOMER_BIRTH_DATE) {
                Ok(())
            } else {
                Err(tests::Error::msg(format!("unexpected rows {rows:?}")))
            }
        },
        &[
            ("person_name", Direction::FromServer),
            ("date_of_birth", Direction::FromServer),
        ],
    )
    .expect("person_name and date_of_birth from the server's rows");

    lab.assert_protocol_labels(PORT, "mysql");
    // The client's handshake names the server by its address (`_server_host`).
    lab.assert_no_address_findings(PORT);
    lab.assert_no_leaks(CUSTOMER_NEEDLES);
}

#[test]
fn mariadb_text_rows_give_findings_by_column() {
    rows_give_findings("mariadb_text", Options::default(), |client, server| {
        mariadb::query(
            client,
            server,
            "SELECT customer_id, full_name, birth_date, plan FROM customers WHERE plan = 'pro'",
        )
    });
}

#[test]
fn mariadb_prepared_statement_rows_give_findings_by_column() {
    // `DBD::MariaDB`'s connection set-up takes the server's first six answers; the statement's
    // come after the head by count and are copied as leading bytes (the daemon's defaults).
    rows_give_findings("mariadb_prepared", Options::default(), |client, server| {
        mariadb::prepared(
            client,
            server,
            "SELECT customer_id, full_name, birth_date, plan FROM customers WHERE plan = ?",
            &["pro"],
        )
    });
}
