//! Storage for scheduling's referrals (owned by the referrals work).
