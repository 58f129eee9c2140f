//! A kept-alive HTTP connection: each request's body is framed by its own head, so a gzip body
//! sent after another request is inflated and scanned, whole although it spans two packets.

use tests::expect;
use tests::fixtures::{self, EMAIL};
use tests::lab::{FINDINGS_TIMEOUT, HTTP_PORT, Lab, Options, TestLab};
use tests::privacy;

#[test]
fn a_gzip_body_after_another_request_on_the_connection_is_scanned() {
    let Some(mut lab) = TestLab::start("http_keepalive", Options::default()) else {
        return;
    };
    let server = Lab::server_endpoint(HTTP_PORT);
    // The first request carries no personal data and is longer than the tail the scanner
    // carries over, and the e-mail address travels only compressed, at the end of a body that
    // spans two packets: a finding means the second request's body was framed by its own head,
    // held until it was whole, and inflated.
    let findings = lab
        .drive_until(
            "an e-mail finding from the compressed body",
            FINDINGS_TIMEOUT,
            Lab::send_kept_alive_gzip_request,
            |lab| {
                expect::cleartext_findings(
                    &lab.daemon.findings().map_err(|e| e.0)?,
                    &[EMAIL],
                    &server,
                )
            },
        )
        .expect("the e-mail address in the gzip body of the second request is found");
    for f in &findings {
        expect::cleartext_finding_fields(f).expect("finding fields follow the contract");
    }
    // Nothing else: the plain request holds no personal data.
    let all = lab.daemon.findings().expect("findings");
    assert!(
        all.iter()
            .all(|f| f.data_types.iter().all(|t| t == EMAIL.data_type)),
        "{all:?}"
    );

    let outputs = lab.collect_outputs().expect("collect outputs");
    let leaks = privacy::scan(&outputs, &fixtures::needles());
    assert!(leaks.is_empty(), "raw personal data leaked: {leaks:#?}");
}
