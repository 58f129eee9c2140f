//! Bounded polling: every wait in the harness has a deadline and a clear error.

use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::{Error, Result};

/// Prefix of a probe's reason that ends the wait at once (e.g. the awaited process died).
pub const FATAL: &str = "fatal: ";

/// Marks `reason` as fatal for [`until`]: waiting longer cannot help.
#[must_use]
pub fn fatal(reason: impl std::fmt::Display) -> String {
    format!("{FATAL}{reason}")
}

/// Calls `probe` every `interval` until it returns `Ok`, or fails after `timeout`.
///
/// `probe` returns `Err(reason)` while the condition does not hold yet; the last reason is
/// part of the timeout error, so a failing test says what it saw last. A reason made with
/// [`fatal`] fails at once.
///
/// # Errors
/// When `timeout` passes without `probe` succeeding.
pub fn until<T>(
    what: &str,
    timeout: Duration,
    interval: Duration,
    mut probe: impl FnMut() -> std::result::Result<T, String>,
) -> Result<T> {
    let start = Instant::now();
    let mut attempts = 0_u32;
    loop {
        attempts += 1;
        match probe() {
            Ok(value) => return Ok(value),
            Err(reason) => {
                if let Some(reason) = reason.strip_prefix(FATAL) {
                    return Err(Error(format!("gave up waiting for {what}: {reason}")));
                }
                if start.elapsed() >= timeout {
                    return Err(Error(format!(
                        "timed out after {:.1}s ({attempts} attempts) waiting for {what}; last: {reason}",
                        start.elapsed().as_secs_f64()
                    )));
                }
            }
        }
        sleep(
            interval
                .min(timeout.saturating_sub(start.elapsed()))
                .max(Duration::from_millis(10)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn succeeds_once_probe_holds() {
        let mut n = 0;
        let got = until(
            "n to reach 3",
            Duration::from_secs(5),
            Duration::from_millis(1),
            || {
                n += 1;
                if n >= 3 { Ok(n) } else { Err(format!("n={n}")) }
            },
        );
        assert_eq!(got.expect("probe holds on the third call"), 3);
    }

    #[test]
    fn fatal_reason_stops_at_once() {
        let mut calls = 0;
        let err = until::<()>(
            "x",
            Duration::from_secs(30),
            Duration::from_millis(1),
            || {
                calls += 1;
                Err(fatal("process died"))
            },
        )
        .expect_err("fatal");
        assert_eq!(calls, 1);
        assert!(err.0.contains("process died"), "{err}");
    }

    #[test]
    fn times_out_with_last_reason() {
        let err = until::<()>(
            "never",
            Duration::from_millis(30),
            Duration::from_millis(5),
            || Err("still false".into()),
        )
        .expect_err("probe never holds");
        assert!(
            err.0.contains("never") && err.0.contains("still false"),
            "{err}"
        );
    }
}
