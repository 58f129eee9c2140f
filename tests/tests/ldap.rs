//! LDAP in clear text, through the kernel path, with a real directory (`slapd`) and the
//! clients of the same project: a person's entry added with `ldapadd` (the client's BER-encoded add
//! request) and read back with `ldapsearch` (the server's search result entry) gives findings
//! by attribute in both directions, where `cn`, `sn` and `givenName` name a person only by the
//! schema's attribute names, and a national-format number and a postal address carry no
//! pattern of their own. No planted value reaches any output.

use tests::expect::Direction;
use tests::fixtures::{CUSTOMER_NAME, CUSTOMER_NEEDLES};
use tests::lab::{Lab, Options, TestLab};
use tests::ldap::{self, Slapd};
use tests::preflight;

const PORT: u16 = 389;
const UID: &str = "owennerstrom";
const PHONE: &str = "030 98765432";
/// An address in LDAP's postal syntax (`$` between lines).
const ADDRESS: &str = "Lindenstraße 12$10115 Berlin";
/// Spellings of the phone number and the address that would be a leak too.
const CONTACT_NEEDLES: &[&str] = &[PHONE, "98765432", "Lindenstra", "10115 Berlin"];

#[test]
fn ldap_adds_and_search_results_give_findings_by_attribute() {
    if !preflight::require("ldap", ldap::TOOLS) {
        return;
    }
    let Some(mut lab) = TestLab::start("ldap", Options::default()) else {
        return;
    };
    let (client, server_ns) = (lab.topo.client.handle(), lab.topo.server.handle());
    let _slapd = Slapd::start(&server_ns, PORT, &lab.dir().join("logs")).expect("slapd starts");
    let server = Lab::server_addr(PORT);
    let dn = format!("uid={UID},{}", ldap::PEOPLE);
    let (given, family) = CUSTOMER_NAME.split_once(' ').expect("two names");
    let entry = format!(
        "dn: {dn}\nobjectClass: inetOrgPerson\nuid: {UID}\ncn: {CUSTOMER_NAME}\nsn: {family}\n\
         givenName: {given}\ntelephoneNumber: {PHONE}\nhomePostalAddress: {ADDRESS}\n"
    );
    lab.drive_until_found(
        "findings by attribute from the add and from the search result",
        PORT,
        |_| {
            ldap::replace_entry(&client, server, &dn, &entry)?;
            let found = ldap::search(&client, server, ldap::PEOPLE, &format!("(uid={UID})"))?;
            // The server returned the entry (LDIF writes non-ASCII values in base64).
            if found.contains(&format!("telephoneNumber: {PHONE}")) {
                Ok(())
            } else {
                Err(tests::Error::msg(format!(
                    "unexpected search result {found:?}"
                )))
            }
        },
        &[
            ("person_name", Direction::ToServer),
            ("phone", Direction::ToServer),
            ("postal_address", Direction::ToServer),
            ("person_name", Direction::FromServer),
            ("phone", Direction::FromServer),
            ("postal_address", Direction::FromServer),
        ],
    )
    .expect("findings by attribute in both directions");

    lab.assert_protocol_labels(PORT, "ldap");
    lab.assert_no_leaks(CUSTOMER_NEEDLES);
    lab.assert_no_leaks(CONTACT_NEEDLES);
}
