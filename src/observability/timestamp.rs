//! Points in time as the artifacts need them: Unix nanoseconds for OpenTelemetry and
//! ISO 8601 / RFC 3339 text for the reports.

use std::fmt;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// A UTC instant with nanosecond precision, at or after the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    unix_nanos: u64,
}

impl Timestamp {
    pub fn from_unix_nanos(unix_nanos: u64) -> Self {
        Timestamp { unix_nanos }
    }

    pub fn from_unix_seconds(seconds: u64) -> Option<Self> {
        seconds
            .checked_mul(1_000_000_000)
            .map(Timestamp::from_unix_nanos)
    }

    pub fn now() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        Timestamp::from_unix_nanos(nanos)
    }

    pub fn unix_nanos(self) -> u64 {
        self.unix_nanos
    }

    /// Parses RFC 3339 text such as `2026-11-24T20:45:12.173461+00:00` (what Python's
    /// `isoformat()` writes for aware times). Instants before 1970 are refused.
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        let parsed = OffsetDateTime::parse(text.trim(), &Rfc3339).ok()?;
        let nanos = parsed.unix_timestamp_nanos();
        u64::try_from(nanos).ok().map(Timestamp::from_unix_nanos)
    }
}

impl fmt::Display for Timestamp {
    /// `2026-11-24T20:51:13.978864+00:00`: UTC, microseconds, as dpone writes `generated_at`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Ok(at) = OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.unix_nanos)) else {
            return Err(fmt::Error);
        };
        let at = at.to_offset(UtcOffset::UTC);
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+00:00",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second(),
            at.microsecond()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_python_isoformat() {
        let t = Timestamp::parse_rfc3339("2026-11-24T20:45:12.173461+00:00").unwrap();
        assert_eq!(t.to_string(), "2026-11-24T20:45:12.173461+00:00");
        let z = Timestamp::parse_rfc3339("2026-11-24T22:45:12.173461+02:00").unwrap();
        assert_eq!(z, t);
    }

    #[test]
    fn rejects_garbage_and_pre_epoch() {
        assert!(Timestamp::parse_rfc3339("yesterday").is_none());
        assert!(Timestamp::parse_rfc3339("1969-12-31T23:59:59Z").is_none());
    }

    #[test]
    fn epoch_seconds() {
        let t = Timestamp::from_unix_seconds(1_700_000_000).unwrap();
        assert_eq!(t.unix_nanos(), 1_700_000_000_000_000_000);
        assert_eq!(t.to_string(), "2023-11-14T22:13:20.000000+00:00");
    }
}
