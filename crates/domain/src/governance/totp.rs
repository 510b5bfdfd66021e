//! The replay guard for time-based one-time passwords (RFC 6238 §5.2). A code is accepted for its time
//! step only when that step is later than the last step accepted for the same user, so a code seen over
//! someone's shoulder cannot be used again, even inside its validity window.

/// Whether a code that matched `step` may be accepted given the last accepted step.
pub fn step_is_fresh(last_accepted: Option<u64>, step: u64) -> bool {
    last_accepted.is_none_or(|last| step > last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
