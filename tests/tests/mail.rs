//! Mail a service hands its relay over SMTP in clear text, through the kernel path: a body in
//! quoted-printable writes every letter beyond ASCII as `=XX`, so the greeting's name is no
//! name until the body is decoded. A real client (`curl`) sends the message; no planted value
//! reaches any output.

use std::net::SocketAddr;

use tests::contract::Finding;
use tests::lab::{FINDINGS_TIMEOUT, Lab, Options, TestLab};
use tests::netns::SERVER_IP;
use tests::preflight;
use tests::smtp::{self, SmtpRelay};

const SMTP_PORT: u16 = 2525;
/// The customer the notification greets: each word holds a letter beyond ASCII.
const NAME: &str = "Jürgen Müller";
/// Spellings of the planted name that would be a leak too.
const NEEDLES: &[&str] = &[NAME, "Jürgen", "Müller", "J=C3=BCrgen", "M=C3=BCller"];

/// A shop's order notification: no display name in its headers, the body in quoted-printable.
const MESSAGE: &str = "From: noreply@shop.example\r\n\
    To: orders@shop.example\r\n\
    Subject: Bestellung 4711\r\n\
    MIME-Version: 1.0\r\n\
    Content-Type: text/plain; charset=UTF-8\r\n\
    Content-Transfer-Encoding: quoted-printable\r\n\
    \r\n\
    Hallo J=C3=BCrgen M=C3=BCller,\r\n\
    \r\n\
    Ihre Bestellung 4711 ist unterwegs.\r\n";

fn name_to_relay(findings: &[Finding], relay: &str) -> Result<(), String> {
    findings
        .iter()
        .any(|f| f.has_type("person_name") && !f.encrypted && f.dst == relay)
        .then_some(())
        .ok_or_else(|| format!("no person_name to {relay}; findings: {findings:?}"))
}

#[test]
fn a_name_in_a_quoted_printable_mail_body_is_found_decoded() {
    if !preflight::require("mail", &["curl"]) {
        return;
    }
    let Some(mut lab) = TestLab::start("mail", Options::default()) else {
        return;
    };
    let (client, server_ns) = (lab.topo.client.handle(), lab.topo.server.handle());
    let relay_server = SmtpRelay::start(&server_ns, SMTP_PORT).expect("SMTP relay starts");
    let relay = SocketAddr::from((
        SERVER_IP.parse::<std::net::Ipv4Addr>().expect("server IP"),
        SMTP_PORT,
    ));
    let message = lab.dir().join("notification.eml");
    std::fs::write(&message, MESSAGE).expect("write the message");

    let endpoint = Lab::server_endpoint(SMTP_PORT);
    lab.drive_until(
        "a person_name from the decoded body",
        FINDINGS_TIMEOUT,
        |_| {
            smtp::send(
                &client,
                relay,
                "noreply@shop.example",
                "orders@shop.example",
                &message,
            )
        },
        |lab| name_to_relay(&lab.daemon.findings().map_err(|e| e.0)?, &endpoint),
    )
    .expect("person_name from the quoted-printable body");
    assert!(
        relay_server.delivered() > 0,
        "the relay accepted the message"
    );

    lab.assert_protocol_labels(SMTP_PORT, "smtp");
    lab.assert_no_leaks(NEEDLES);
}
