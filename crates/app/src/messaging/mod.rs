//! Messaging: the outbox worker that sends what use-cases queued, the channels (email over SMTP, SMS
//! through a provider, letters to print), choosing how to reach each patient, reminders, and practice
//! edits to the shipped templates (`domain::messaging`).

pub mod sms;
