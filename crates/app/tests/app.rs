//! The app crate's integration tests, as one binary: the use-cases on both backends (`name::sqlite` and
//! `name::postgres`), the outbox worker, the SMS drivers and the demo practice. `support` holds the
//! practice, staff and patients the modules set up.
//!
//! `patients.rs` is still a binary of its own, to be folded in here.

#[path = "app/support.rs"]
mod support;

#[path = "app/demo.rs"]
mod demo;
#[path = "app/messaging.rs"]
mod messaging;
#[path = "app/reception.rs"]
mod reception;
#[path = "app/referrals.rs"]
mod referrals;
#[path = "app/scheduling.rs"]
mod scheduling;
#[path = "app/sms.rs"]
mod sms;
