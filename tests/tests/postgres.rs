//! PostgreSQL in clear text, through the kernel path: the values a driver binds to a statement
//! and the rows the server returns are found by their column names (a name and a birth date
//! carry no pattern of their own), with a real server, `psql` and a driver-style client. No
//! planted value reaches any output. A statement prepared once under a name names the
//! parameters of its executions in later segments, as drivers with a statement cache send them.
//! A client that asks for TLS with an SSL request
//! (`sslmode=require`) is seen to turn its connection into TLS: the flow is labelled TLS 1.3,
//! encrypted, and nothing of its rows is scanned.

use tests::expect::{self, Direction};
use tests::fixtures::{CUSTOMER_BIRTH_DATE, CUSTOMER_NAME, CUSTOMER_NEEDLES};
use tests::lab::{FINDINGS_TIMEOUT, Lab, Options, TestLab};
use tests::netns::NsRef;
use tests::postgres::{self, Postgres};
use tests::preflight;
use tests::servers::Cert;

const PG_PORT: u16 = 5432;
/// The server with TLS on.
const PG_TLS_PORT: u16 = 5433;
/// An insert as an ORM with `sqlcommenter` sends it: the comment makes its `Parse` message
/// longer than the tail of a segment the monitor carries into the next one.
const INSERT_WITH_COMMENT: &str = "INSERT INTO customers (full_name, birth_date, plan) \
    VALUES ($1, $2, $3) RETURNING customer_id /*action='create',application='crm-api',\
    controller='customers',db_driver='pgx',framework='chi',route='/v1/customers',\
    traceparent='00-5bd66ef5095369c7b0d1f8f4bd33716a-c532cb4098ac3dd2-01'*/";

fn server_bin() -> String {
    postgres::server_bin().map_or_else(|| "postgres".to_owned(), |p| p.display().to_string())
}

/// A lab named `test` with a PostgreSQL server in clear text and an empty `customers` table;
/// `None` when the test is skipped (no root or no server here, outside CI).
fn lab_with_customers(test: &str) -> Option<(TestLab, NsRef, Postgres)> {
    if !preflight::require(test, &["psql", "setpriv", &server_bin()]) {
        return None;
    }
    let lab = TestLab::start(test, Options::default())?;
    let (client, server_ns) = (lab.topo.client.handle(), lab.topo.server.handle());
    let postgres =
        Postgres::start(&server_ns, PG_PORT, &lab.dir().join("logs")).expect("PostgreSQL starts");
    postgres::psql(
        &client,
        Lab::server_addr(PG_PORT),
        "CREATE TABLE customers (customer_id serial PRIMARY KEY, full_name text, \
         birth_date date, plan text)",
    )
    .expect("CREATE TABLE");
    Some((lab, client, postgres))
}

#[test]
fn postgres_bound_parameters_and_rows_give_findings_by_column() {
    let Some((mut lab, client, _postgres)) = lab_with_customers("postgres") else {
        return;
    };
    let server = Lab::server_addr(PG_PORT);

    lab.drive_until_found(
        "findings by column in both directions",
        PG_PORT,
        |_| {
            postgres::extended_query(
                &client,
                server,
                "INSERT INTO customers (full_name, birth_date, plan) VALUES ($1, $2, $3)",
                &[CUSTOMER_NAME, CUSTOMER_BIRTH_DATE, "pro"],
            )?;
            let row = postgres::psql(
                &client,
                server,
                "SELECT full_name, birth_date, plan FROM customers \
                 ORDER BY customer_id DESC LIMIT 1",
            )?;
            // The server stored what was bound, so its rows carry the values back.
            if row.trim() == format!("{CUSTOMER_NAME}|{CUSTOMER_BIRTH_DATE}|pro") {
                Ok(())
            } else {
                Err(tests::Error::msg(format!("unexpected row {row:?}")))
            }
        },
        &[
            ("person_name", Direction::ToServer),
            ("date_of_birth", Direction::ToServer),
            ("person_name", Direction::FromServer),
            ("date_of_birth", Direction::FromServer),
        ],
    )
    .expect("person_name and date_of_birth from the parameters and from the rows");

    lab.assert_protocol_labels(PG_PORT, "postgresql");
    lab.assert_no_leaks(CUSTOMER_NEEDLES);
}

#[test]
fn postgres_statements_prepared_once_name_the_parameters_of_later_executions() {
    let Some((mut lab, client, _postgres)) = lab_with_customers("postgres-prepared") else {
        return;
    };
    let server = Lab::server_addr(PG_PORT);
    // The values travel only in executions, each in a segment after the statement's `Parse`
    // (longer than the tail a scanner carries from one segment into the next); the server
    // answers with no row.
    lab.drive_until_found(
        "findings by column from executions of a statement prepared before",
        PG_PORT,
        |_| {
            postgres::prepared_then_bound(
                &client,
                server,
                "stmtcache_customers_insert",
                INSERT_WITH_COMMENT,
                &[
                    &["Jonas Berg", "1985-04-12", "free"],
                    &[CUSTOMER_NAME, CUSTOMER_BIRTH_DATE, "pro"],
                ],
            )
        },
        &[
            ("person_name", Direction::ToServer),
            ("date_of_birth", Direction::ToServer),
        ],
    )
    .expect("person_name and date_of_birth from the executions");
    lab.assert_protocol_labels(PG_PORT, "postgresql");
    lab.assert_no_leaks(CUSTOMER_NEEDLES);
}

#[test]
fn postgres_ssl_request_turns_the_connection_into_tls() {
    if !preflight::require("postgres", &["psql", "setpriv", "openssl", &server_bin()]) {
        return;
    }
    let Some(mut lab) = TestLab::start("postgres-tls", Options::default()) else {
        return;
    };
    let (client, server_ns) = (lab.topo.client.handle(), lab.topo.server.handle());
    let cert = Cert::generate(&lab.dir()).expect("test certificate");
    let _postgres = Postgres::start_with(
        &server_ns,
        PG_TLS_PORT,
        &lab.dir().join("logs"),
        Some(&cert),
    )
    .expect("PostgreSQL starts with TLS");
    let server = Lab::server_addr(PG_TLS_PORT);
    let endpoint = Lab::server_endpoint(PG_TLS_PORT);
    let query = format!(
        "SELECT '{CUSTOMER_NAME}' AS full_name, DATE '{CUSTOMER_BIRTH_DATE}' AS birth_date, \
         ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
    );
    lab.drive_until_flows(
        "the connection labelled TLS 1.3 after its SSL request",
        FINDINGS_TIMEOUT,
        |_| {
            let row = postgres::psql_with(&client, server, "require", &query)?;
            // The server itself says the session is encrypted.
            if row.trim() == format!("{CUSTOMER_NAME}|{CUSTOMER_BIRTH_DATE}|t") {
                Ok(())
            } else {
                Err(tests::Error::msg(format!("unexpected row {row:?}")))
            }
        },
        |flows| expect::flow(flows, &endpoint, "tls", true, Some("1.3")).map(drop),
    )
    .expect("the flow is TLS 1.3, encrypted");
    let flows = lab.daemon.flows().expect("flows");
    let clear: Vec<_> = flows
        .iter()
        .filter(|f| f.involves(&endpoint) && !f.encrypted)
        .collect();
    assert!(clear.is_empty(), "flows left in clear text: {clear:?}");
    let findings = lab.daemon.findings().expect("findings");
    assert!(
        findings
            .iter()
            .all(|f| f.src != endpoint && f.dst != endpoint),
        "findings in encrypted traffic: {findings:?}"
    );
    lab.assert_no_leaks(CUSTOMER_NEEDLES);
}
