//! The replay guard for time-based one-time passwords (RFC 6238). A code is accepted for a 30-second time
//! step only when that step is later than the last step accepted for the same user, so a code seen over
//! someone's shoulder cannot be used again, even inside its validity window.

/// Seconds per TOTP step.
pub const STEP_SECONDS: u64 = 30;

/// Steps either side of now that a code may come from, to allow for clock drift.
pub const SKEW_STEPS: u64 = 1;

/// The steps a code presented at `unix_seconds` may belong to, latest first (a code matching a later
/// step is preferred so the guard moves forward as far as it can).
pub fn candidate_steps(unix_seconds: u64) -> impl Iterator<Item = u64> {
    let now = unix_seconds / STEP_SECONDS;
    (now.saturating_sub(SKEW_STEPS)..=now + SKEW_STEPS).rev()
}

/// Whether a code that matched `step` may be accepted given the last accepted step.
pub fn step_is_fresh(last_accepted: Option<u64>, step: u64) -> bool {
    last_accepted.is_none_or(|last| step > last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn candidates_cover_the_previous_current_and_next_step() {
        let steps: Vec<u64> = candidate_steps(90).collect();
        assert_eq!(steps, vec![4, 3, 2]);
        assert_eq!(candidate_steps(0).collect::<Vec<_>>(), vec![1, 0]);
    }

    proptest! {
        #[test]
        fn a_step_is_never_accepted_twice(first in 0u64..1_000_000, later in 0u64..1_000_000) {
            prop_assert!(step_is_fresh(None, first));
            // After accepting `first`, the same step or any earlier step is refused.
            prop_assert_eq!(step_is_fresh(Some(first), later), later > first);
            prop_assert!(!step_is_fresh(Some(first), first));
        }
    }
}
