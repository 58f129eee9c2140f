//! The client side of the API, for the CLI verbs: fetch a document, keep it both typed (to check
//! it against the contract) and as received (to print it unchanged with `--output json`).

use std::time::Duration;

use serde::de::DeserializeOwned;

/// How long a CLI verb waits for the daemon.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Errors of talking to the daemon. Causes are `source`s, not repeated in the message: the CLI
/// prints the whole chain.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("invalid endpoint `{endpoint}`: {reason}")]
    InvalidEndpoint { endpoint: String, reason: String },
    #[error("building the HTTP client")]
    Client(#[source] reqwest::Error),
    #[error("cannot reach the monitor daemon at {endpoint} (is `monitor run` running?)")]
    Unreachable {
        endpoint: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("{url} answered HTTP {status}: {body}")]
    Status {
        url: String,
        status: u16,
        body: String,
    },
    #[error("{url} did not answer with the expected JSON")]
    Decode {
        url: String,
        #[source]
        source: serde_json::Error,
    },
}

/// A document as typed and as received.
#[derive(Debug)]
pub struct Fetched<T> {
    pub typed: T,
    pub raw: serde_json::Value,
}

/// `GET {endpoint}{path}` and decodes the JSON answer.
///
/// # Errors
/// [`ClientError`] naming the endpoint or URL.
pub async fn fetch<T: DeserializeOwned>(
    endpoint: &str,
    path: &str,
) -> Result<Fetched<T>, ClientError> {
    let base = endpoint.trim().trim_end_matches('/');
    let url = reqwest::Url::parse(&format!("{base}{path}")).map_err(|error| {
        ClientError::InvalidEndpoint {
            endpoint: endpoint.to_owned(),
            reason: error.to_string(),
        }
    })?;
    if url.scheme() != "http" {
        return Err(ClientError::InvalidEndpoint {
            endpoint: endpoint.to_owned(),
            reason: "only http:// endpoints are supported".to_owned(),
        });
    }
    let http = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .map_err(ClientError::Client)?;
    let unreachable = |source| ClientError::Unreachable {
        endpoint: base.to_owned(),
        source,
    };
    let response = http.get(url.clone()).send().await.map_err(unreachable)?;
    let status = response.status();
    let body = response.bytes().await.map_err(unreachable)?;
    if !status.is_success() {
        let body = String::from_utf8_lossy(&body).chars().take(256).collect();
        return Err(ClientError::Status {
            url: url.to_string(),
            status: status.as_u16(),
            body,
        });
    }
    let decode = |source| ClientError::Decode {
        url: url.to_string(),
        source,
    };
    let raw: serde_json::Value = serde_json::from_slice(&body).map_err(decode)?;
    let typed = serde_json::from_value(raw.clone()).map_err(decode)?;
    Ok(Fetched { typed, raw })
}

/// Runs `future` on a small current-thread runtime: the client verbs are synchronous.
///
/// # Errors
/// When the runtime cannot be built.
pub fn block_on<F: Future>(future: F) -> std::io::Result<F::Output> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(runtime.block_on(future))
}

/// Renders rows as a left-aligned text table with a header line.
#[must_use]
pub fn render_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut push_line = |cells: &mut dyn Iterator<Item = &str>| {
        let line: Vec<String> = cells
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    };
    push_line(&mut headers.iter().copied());
    for row in rows {
        push_line(&mut row.iter().map(String::as_str));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns() {
        let table = render_table(
            &["A", "LONG"],
            &[
                vec!["xyz".to_owned(), "1".to_owned()],
                vec!["q".to_owned(), "22".to_owned()],
            ],
        );
        assert_eq!(table, "A    LONG\nxyz  1\nq    22\n");
    }

    #[test]
    fn an_unreachable_daemon_is_named() {
        // Port 9 on loopback (discard) is closed on any test machine.
        let result = block_on(fetch::<serde_json::Value>(
            "http://127.0.0.1:9",
            "/api/v1/status",
        ))
        .expect("runtime");
        let error = result.expect_err("nothing listens there");
        assert!(matches!(error, ClientError::Unreachable { .. }), "{error}");
        assert!(
            error
                .to_string()
                .contains("cannot reach the monitor daemon at http://127.0.0.1:9"),
            "{error}"
        );
        let invalid =
            block_on(fetch::<serde_json::Value>("https://127.0.0.1:9", "/x")).expect("runtime");
        assert!(matches!(invalid, Err(ClientError::InvalidEndpoint { .. })));
    }
}
