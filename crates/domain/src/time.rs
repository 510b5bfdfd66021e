//! Instants are UTC and kept to whole microseconds: that is what PostgreSQL's `timestamptz` keeps, so a
//! value read back from either backend is equal to the value written (the audit hash depends on it).

use jiff::Timestamp;

/// Truncate an instant to whole microseconds.
pub fn to_micros(ts: Timestamp) -> Timestamp {
    Timestamp::from_microsecond(ts.as_microsecond()).expect("a truncated timestamp is in range")
}

/// The current instant, truncated to microseconds. The only clock read in the domain crate, kept here so
/// callers can inject their own instant instead where a test needs it.
pub fn now() -> Timestamp {
    to_micros(Timestamp::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_drops_nanoseconds_only() {
        let ts = Timestamp::from_nanosecond(1_700_000_000_123_456_789).unwrap();
        assert_eq!(to_micros(ts).as_nanosecond(), 1_700_000_000_123_456_000);
    }
}
