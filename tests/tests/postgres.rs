//! PostgreSQL in clear text, through the kernel path: the values a driver binds to a statement
//! and the rows the server returns are found by their column names (a name and a birth date
//! carry no pattern of their own), with a real server, `psql` and a driver-style client. No
//! planted value reaches any output.

use std::net::SocketAddr;

use tests::contract::Finding;
use tests::lab::{FINDINGS_TIMEOUT, Lab, Options, TestLab};
use tests::netns::SERVER_IP;
use tests::postgres::{self, Postgres};
use tests::{preflight, privacy};

const PG_PORT: u16 = 5432;
/// A customer's name and birth date: found only by their columns.
const NAME: &str = "Ottilie Wennerström";
const BIRTH_DATE: &str = "1979-05-23";
/// Spellings of the planted values that would be a leak too.
const NEEDLES: &[&str] = &[
    NAME,
    "Wennerstr",
    "Ottilie",
    BIRTH_DATE,
    "19790523",
    "23.05.1979",
];

/// For each direction, a finding of each type: the client's bound parameters (to the server)
/// and the server's rows (from it).
fn by_column(findings: &[Finding], server: &str) -> Result<(), String> {
    let mut missing = Vec::new();
    for (direction, sent_by_server) in [("client -> server", false), ("server -> client", true)] {
        for data_type in ["person_name", "date_of_birth"] {
            let found = findings.iter().any(|f| {
                f.has_type(data_type)
                    && !f.encrypted
                    && if sent_by_server {
                        f.src == server
                    } else {
                        f.dst == server
                    }
            });
            if !found {
                missing.push(format!("{data_type} {direction}"));
            }
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("missing {missing:?}; findings: {findings:?}"))
    }
}

#[test]
fn postgres_bound_parameters_and_rows_give_findings_by_column() {
    let server_bin =
        postgres::server_bin().map_or_else(|| "postgres".to_owned(), |p| p.display().to_string());
    if !preflight::require("postgres", &["psql", "setpriv", &server_bin]) {
        return;
    }
    let Some(mut lab) = TestLab::start("postgres", Options::default()) else {
        return;
    };
    let (client, server_ns) = (lab.topo.client.handle(), lab.topo.server.handle());
    let _postgres =
        Postgres::start(&server_ns, PG_PORT, &lab.dir().join("logs")).expect("PostgreSQL starts");
    let server = SocketAddr::from((
        SERVER_IP.parse::<std::net::Ipv4Addr>().expect("server IP"),
        PG_PORT,
    ));
    postgres::psql(
        &client,
        server,
        "CREATE TABLE customers (customer_id serial PRIMARY KEY, full_name text, \
         birth_date date, plan text)",
    )
    .expect("CREATE TABLE");

    let endpoint = Lab::server_endpoint(PG_PORT);
    lab.drive_until(
        "findings by column in both directions",
        FINDINGS_TIMEOUT,
        |_| {
            postgres::extended_query(
                &client,
                server,
                "INSERT INTO customers (full_name, birth_date, plan) VALUES ($1, $2, $3)",
                &[NAME, BIRTH_DATE, "pro"],
            )?;
            let row = postgres::psql(
                &client,
                server,
                "SELECT full_name, birth_date, plan FROM customers \
                 ORDER BY customer_id DESC LIMIT 1",
            )?;
            // The server stored what was bound, so its rows carry the values back.
            if row.trim() == format!("{NAME}|{BIRTH_DATE}|pro") {
                Ok(())
            } else {
                Err(tests::Error::msg(format!("unexpected row {row:?}")))
            }
        },
        |lab| by_column(&lab.daemon.findings().map_err(|e| e.0)?, &endpoint),
    )
    .expect("person_name and date_of_birth from the parameters and from the rows");

    let outputs = lab.collect_outputs().expect("collect outputs");
    let leaks = privacy::scan(&outputs, NEEDLES);
    assert!(leaks.is_empty(), "raw personal data leaked: {leaks:#?}");
}
