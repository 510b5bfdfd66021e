//! Inbound referrals: recorded with their priority and target date; each becomes a waiting-list entry or an
//! appointment; a warning list shows those near or past their target.
