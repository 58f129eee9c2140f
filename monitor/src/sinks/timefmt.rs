//! RFC 3339 rendering that cannot panic: `humantime` panics on times before 1970 or after 9999,
//! and times here come from clocks and from the state file, so they are clamped first.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The last second `humantime` can render (9999-12-31T23:59:59Z).
const LATEST_SECS: u64 = 253_402_300_799;

/// `time` moved into the range RFC 3339 rendering supports.
#[must_use]
pub fn clamped(time: SystemTime) -> SystemTime {
    let latest = UNIX_EPOCH + Duration::from_secs(LATEST_SECS);
    time.clamp(UNIX_EPOCH, latest)
}

/// `2026-11-23T11:23:24Z`.
#[must_use]
pub fn seconds(time: SystemTime) -> String {
    humantime::format_rfc3339_seconds(clamped(time)).to_string()
}

/// `2026-11-23T11:23:24.123Z`.
#[must_use]
pub fn millis(time: SystemTime) -> String {
    humantime::format_rfc3339_millis(clamped(time)).to_string()
}

/// With as many fractional digits as needed (round-trips through `humantime::parse_rfc3339`).
#[must_use]
pub fn precise(time: SystemTime) -> String {
    humantime::format_rfc3339(clamped(time)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_times_are_clamped_not_panicked_on() {
        let before_epoch = UNIX_EPOCH - Duration::from_secs(5);
        assert_eq!(seconds(before_epoch), "1970-01-01T00:00:00Z");
        let far_future = UNIX_EPOCH + Duration::from_secs(LATEST_SECS * 2);
        assert_eq!(seconds(far_future), "9999-12-31T23:59:59Z");
        let t = UNIX_EPOCH + Duration::new(1_800_000_000, 123_456_789);
        assert_eq!(millis(t), "2027-01-15T08:00:00.123Z");
        assert_eq!(humantime::parse_rfc3339(&precise(t)).ok(), Some(t));
    }
}
