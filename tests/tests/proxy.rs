//! HTTPS through a forward proxy (Debian's `tinyproxy`, curl with `--proxy`), through the kernel
//! path: curl's `CONNECT` and the proxy's answer are HTTP, everything after them is the TLS
//! session curl opens inside the tunnel. The flow to the proxy is listed as TLS 1.3 and
//! encrypted in both directions, not as clear-text HTTP, and the personal data curl sends in
//! its request headers, inside the tunnel, gives no finding and reaches no output.

use tests::clients;
use tests::expect;
use tests::fixtures;
use tests::lab::{FINDINGS_TIMEOUT, Lab, Options, TLS13_PORT, TestLab};
use tests::netns::SERVER_IP;
use tests::preflight;
use tests::proxy::{PROXY_TOOLS, Tinyproxy};
use tests::servers::TlsVersion;

const PROXY_PORT: u16 = 8888;

#[test]
fn https_through_a_proxy_is_tls_not_http() {
    if !preflight::require("proxy", PROXY_TOOLS) {
        return;
    }
    let Some(mut lab) = TestLab::start("proxy", Options::default()) else {
        return;
    };
    let (client, server_ns) = (lab.topo.client.handle(), lab.topo.server.handle());
    let _proxy = Tinyproxy::start(&server_ns, PROXY_PORT, TLS13_PORT, &lab.dir().join("logs"))
        .expect("tinyproxy starts");
    let proxy = format!("http://{SERVER_IP}:{PROXY_PORT}");
    let target = format!("https://{SERVER_IP}:{TLS13_PORT}/");
    let endpoint = Lab::server_endpoint(PROXY_PORT);
    let email = format!("X-Customer-Email: {}", fixtures::EMAIL.raw);
    let card = format!("X-Card: {}", fixtures::CARD.raw);
    lab.drive_until_flows(
        "the tunnel to the proxy listed as TLS 1.3",
        FINDINGS_TIMEOUT,
        |_| clients::https_get_via(&client, &proxy, &target, TlsVersion::V1_3, &[&email, &card]),
        |flows| {
            let to_proxy: Vec<_> = flows.iter().filter(|f| f.involves(&endpoint)).collect();
            if to_proxy.iter().any(|f| !f.encrypted) {
                return Err(format!("flows to the proxy in clear text: {to_proxy:?}"));
            }
            expect::flow(flows, &endpoint, "tls", true, Some("1.3")).map(drop)
        },
    )
    .expect("the proxied flow is TLS 1.3, encrypted");
    let findings = lab.daemon.findings().expect("findings");
    assert!(
        findings
            .iter()
            .all(|f| f.src != endpoint && f.dst != endpoint),
        "findings in the tunnel: {findings:?}"
    );
    lab.assert_no_leaks(&fixtures::needles());
}
