//! PostgreSQL in clear text, through the kernel path: the values a driver binds to a statement
//! and the rows the server returns are found by their column names (a name and a birth date
//! carry no pattern of their own), with a real server, `psql` and a driver-style client. No
//! planted value reaches any output.

use tests::expect::Direction;
use tests::fixtures::{CUSTOMER_BIRTH_DATE, CUSTOMER_NAME, CUSTOMER_NEEDLES};
use tests::lab::{Lab, Options, TestLab};
use tests::postgres::{self, Postgres};
use tests::preflight;

const PG_PORT: u16 = 5432;

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
    let server = Lab::server_addr(PG_PORT);
    postgres::psql(
        &client,
        server,
        "CREATE TABLE customers (customer_id serial PRIMARY KEY, full_name text, \
         birth_date date, plan text)",
    )
    .expect("CREATE TABLE");

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

    lab.assert_no_leaks(CUSTOMER_NEEDLES);
}
