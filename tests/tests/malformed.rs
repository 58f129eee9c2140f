//! (f) Malformed traffic (random bytes over TCP and UDP, a truncated TLS ClientHello) does
//! not take the daemon down; such flows are `unknown`, and detection still works after.

use std::net::SocketAddr;

use tests::clients;
use tests::expect;
use tests::fixtures::ALL;
use tests::lab::{
    FINDINGS_TIMEOUT, HTTP_PORT, Lab, Options, SINK_TCP_PORT, SINK_TCP_PORT_2, SINK_UDP_PORT,
    TestLab,
};

fn sink(port: u16) -> SocketAddr {
    SocketAddr::from(([198, 18, 0, 2], port))
}

fn send_garbage(lab: &Lab, round: u64) -> tests::Result<()> {
    let client = lab.topo.client.handle();
    for i in 0..3 {
        clients::tcp_send(
            &client,
            sink(SINK_TCP_PORT),
            clients::random_bytes(round * 10 + i, 1400),
        )?;
        clients::udp_send(
            &client,
            sink(SINK_UDP_PORT),
            clients::random_bytes(round * 10 + i + 100, 512),
        )?;
    }
    clients::tcp_send(
        &client,
        sink(SINK_TCP_PORT_2),
        clients::truncated_client_hello(),
    )
}

#[test]
fn malformed_traffic_is_unknown_and_harmless() {
    let Some(mut lab) = TestLab::start("malformed", Options::default()) else {
        return;
    };
    let random_tcp = Lab::server_endpoint(SINK_TCP_PORT);
    let truncated = Lab::server_endpoint(SINK_TCP_PORT_2);
    let udp = Lab::server_endpoint(SINK_UDP_PORT);
    let mut round = 0;
    let flows = lab
        .drive_until_flows(
            "flows of the random and truncated traffic",
            FINDINGS_TIMEOUT,
            |lab| {
                round += 1;
                send_garbage(lab, round)
            },
            |flows| {
                expect::flow(flows, &random_tcp, "unknown", false, None)?;
                expect::flow(flows, &udp, "unknown", false, None)?;
                if flows.iter().any(|f| f.involves(&truncated)) {
                    Ok(flows.to_vec())
                } else {
                    Err(format!("no flow with {truncated}"))
                }
            },
        )
        .expect("random TCP and UDP listed as unknown, truncated hello listed");
    assert!(
        lab.sink.received() > 0,
        "the sink received nothing: traffic did not flow"
    );

    for f in flows
        .iter()
        .filter(|f| f.involves(&random_tcp) || f.involves(&udp))
    {
        assert!(
            f.protocol == "unknown" && !f.encrypted && f.tls_version.is_none(),
            "random bytes misclassified: {f:?}"
        );
    }
    for f in flows.iter().filter(|f| f.involves(&truncated)) {
        assert!(
            f.tls_version.is_none(),
            "a hello cut before its version cannot have a TLS version: {f:?}"
        );
        assert!(
            f.protocol == "unknown" || f.protocol == "tls",
            "truncated hello as {:?}: {f:?}",
            f.protocol
        );
    }

    // Still alive, healthy, and still detecting.
    lab.daemon
        .check_alive()
        .expect("daemon survives malformed traffic");
    let health = lab.daemon.get("/healthz").expect("GET /healthz");
    assert_eq!(
        health.status, 200,
        "/healthz after malformed traffic: {health:?}"
    );
    let server = Lab::server_endpoint(HTTP_PORT);
    lab.drive_until(
        "findings after malformed traffic",
        FINDINGS_TIMEOUT,
        tests::lab::Lab::send_cleartext_personal_data,
        |lab| expect::cleartext_findings(&lab.daemon.findings().map_err(|e| e.0)?, &ALL, &server),
    )
    .expect("detection still works after malformed traffic");
    let findings = lab.daemon.findings().expect("findings");
    let on_garbage: Vec<_> = findings
        .iter()
        .filter(|f| f.involves(&random_tcp) || f.involves(&truncated))
        .collect();
    assert!(
        on_garbage.is_empty(),
        "findings on random bytes: {on_garbage:?}"
    );
    let logs = lab.daemon.logs();
    assert!(
        !logs.contains("panicked"),
        "panic in daemon logs:\n{}",
        tests::process::tail(&logs, 40)
    );
}
