//! Self-tests of the harness itself (no daemon needed): namespaces, veth, servers, clients,
//! Alertmanager and cleanup. Run as root.

use std::net::SocketAddr;
use std::time::Duration;

use tests::alertmanager::Alertmanager;
use tests::netns::{self, Netns, SERVER_IP, Topology};
use tests::servers::{Cert, HttpServer, Sink, TlsServer, TlsVersion};
use tests::{clients, fixtures, lab, preflight, wait};

fn server_addr(port: u16) -> SocketAddr {
    SocketAddr::from(([198, 18, 0, 2], port))
}

#[test]
fn veth_carries_http_and_pinned_tls_and_namespaces_are_removed_on_drop() {
    if !preflight::require("veth_carries_http_and_pinned_tls", &[]) {
        return;
    }
    let _serial = lab::serial();
    let dir = tempfile::tempdir().expect("temp dir");
    let names;
    {
        let topo = Topology::create().expect("topology");
        names = [topo.client.name().to_owned(), topo.server.name().to_owned()];
        let (client, server) = (topo.client.handle(), topo.server.handle());
        let cert = Cert::generate(dir.path()).expect("certificate");
        let http = HttpServer::start(&server, 8080, dir.path()).expect("http server");
        let _tls12 = TlsServer::start(&server, 8443, TlsVersion::V1_2, &cert, dir.path())
            .expect("tls 1.2 server");
        let _tls13 = TlsServer::start(&server, 9443, TlsVersion::V1_3, &cert, dir.path())
            .expect("tls 1.3 server");

        clients::post_json(
            &client,
            &format!("http://{SERVER_IP}:8080/v1/telemetry"),
            &fixtures::iot_telemetry_json(),
        )
        .expect("curl POST over the veth");
        clients::get(&client, &format!("http://{SERVER_IP}:8080/v1/config"))
            .expect("curl GET over the veth");
        let logged = wait::until(
            "http server to log both requests",
            Duration::from_secs(5),
            Duration::from_millis(100),
            || {
                let log = http.proc.stderr();
                if log.contains("POST /v1/telemetry") && log.contains("GET /v1/config") {
                    Ok(())
                } else {
                    Err(log)
                }
            },
        );
        logged.expect("server saw the requests");

        for (port, version) in [(8443, TlsVersion::V1_2), (9443, TlsVersion::V1_3)] {
            clients::https_get(
                &client,
                &format!("https://{SERVER_IP}:{port}/"),
                version,
                &["X-Test: 1"],
            )
            .unwrap_or_else(|e| panic!("curl TLS {}: {e}", version.label()));
            clients::s_client(&client, server_addr(port), version)
                .unwrap_or_else(|e| panic!("s_client TLS {}: {e}", version.label()));
        }
        // Pinning is real: a 1.2-only client cannot talk to the 1.3-only server.
        assert!(
            clients::s_client(&client, server_addr(9443), TlsVersion::V1_2).is_err(),
            "TLS 1.3 server accepted TLS 1.2"
        );
    }
    let left = netns::list_ours().expect("ip netns list");
    for name in names {
        assert!(
            !left.contains(&name),
            "namespace {name} still exists after drop: {left:?}"
        );
    }
}

#[test]
fn alertmanager_accepts_and_lists_alerts() {
    if !preflight::require(
        "alertmanager_accepts_and_lists_alerts",
        &[tests::alertmanager::BINARY],
    ) {
        return;
    }
    let _serial = lab::serial();
    let dir = tempfile::tempdir().expect("temp dir");
    let ns = Netns::create("am").expect("namespace");
    let am = Alertmanager::start(&ns.handle(), 9093, dir.path()).expect("alertmanager starts");
    assert!(
        am.alerts().expect("list alerts").is_empty(),
        "fresh alertmanager has no alerts"
    );
    am.post_alert(
        &[
            ("alertname", "HarnessSelfTest"),
            ("data_type", "email"),
            ("destination", "198.18.0.2:8080"),
        ],
        &[("summary", "self test")],
    )
    .expect("post alert");
    let got = am
        .wait_alert("the self-test alert", Duration::from_secs(15), |a| {
            a.label("alertname") == "HarnessSelfTest"
        })
        .expect("alert listed");
    assert_eq!(got[0].label("destination"), "198.18.0.2:8080");
    assert_eq!(
        got[0].annotations.get("summary").map(String::as_str),
        Some("self test")
    );
    let pid = am.proc.pid();
    drop(am);
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "alertmanager pid {pid} survived drop"
    );
}

#[test]
fn sink_receives_raw_tcp_udp_and_truncated_tls() {
    if !preflight::require("sink_receives_raw_tcp_udp", &[]) {
        return;
    }
    let _serial = lab::serial();
    let topo = Topology::create().expect("topology");
    let sink = Sink::start(&topo.server.handle(), &[7000], 7001).expect("sink");
    let client = topo.client.handle();
    clients::tcp_send(&client, server_addr(7000), clients::random_bytes(1, 1000)).expect("tcp");
    clients::tcp_send(
        &client,
        server_addr(7000),
        clients::truncated_client_hello(),
    )
    .expect("truncated hello");
    clients::udp_send(&client, server_addr(7001), clients::random_bytes(2, 300)).expect("udp");
    let want = 1000 + clients::truncated_client_hello().len() as u64 + 300;
    wait::until(
        "sink to receive everything",
        Duration::from_secs(5),
        Duration::from_millis(50),
        || {
            if sink.received() == want {
                Ok(())
            } else {
                Err(format!("{} of {want} bytes", sink.received()))
            }
        },
    )
    .expect("all bytes arrive");
}

#[test]
fn stale_namespaces_of_dead_runs_are_removed() {
    if !preflight::require("stale_namespaces_of_dead_runs_are_removed", &[]) {
        return;
    }
    let _serial = lab::serial();
    // A PID that surely belongs to no live process: a child we started and reaped.
    let mut child = std::process::Command::new("true")
        .spawn()
        .expect("spawn true");
    let dead = child.id();
    child.wait().expect("reap");
    let stale = format!("{}{dead}-0-stale", netns::PREFIX);
    let live = Netns::create("live").expect("live namespace");
    let ip = preflight::tool("ip").expect("ip");
    tests::process::run_ok(
        std::process::Command::new(ip).args(["netns", "add", &stale]),
        Duration::from_secs(10),
    )
    .expect("create stale namespace");
    let removed = netns::cleanup_stale().expect("cleanup");
    let left = netns::list_ours().expect("list");
    assert!(
        removed >= 1 && !left.contains(&stale),
        "stale {stale} not removed: {left:?}"
    );
    assert!(
        left.contains(&live.name().to_owned()),
        "live namespace {} was removed",
        live.name()
    );
}
