//! Messaging: the outbox worker that sends what use-cases queued, the channels (email over SMTP, SMS
//! through a provider, letters to print), choosing how to reach each patient, reminders, and practice
//! edits to the shipped templates (`domain::messaging`).

pub mod choose;
pub mod compose;
pub mod email;
pub mod links;
pub mod monitor;
#[cfg(feature = "testkit")]
pub mod notify_sink;
pub mod outbox;
pub mod receipts;
pub mod reminders;
pub mod replies;
pub mod sms;
pub mod smtp_sink;
pub mod templates;

use jiff::civil::Time;
use std::time::Duration;

/// Settings for sending messages.
#[derive(Debug, Clone)]
pub struct MessagingConfig {
    pub email: email::EmailConfig,
    /// The address patients use to reach Carefront, for links in messages (`--public-url`).
    pub public_url: Option<String>,
    /// Failed attempts before a job goes to the dead letters.
    pub max_attempts: u32,
    /// The wait after the first failure; doubled after each further one, up to `backoff_cap`.
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// How long a worker holds a claimed job; after that another worker may take it back.
    pub lease: Duration,
    /// Jobs claimed at once.
    pub batch: usize,
    /// Jobs of one batch worked on at the same time (reading what each needs, rendering, sending). Most
    /// of a job's time is spent waiting (for the database, for a provider), so this is far more than the
    /// cores; what reaches providers at once is limited separately (`email.connections`,
    /// `sms_concurrency`).
    pub concurrency: usize,
    /// Text messages sent to the SMS provider at once.
    pub sms_concurrency: usize,
    /// No text messages from `quiet_start` to `quiet_end`, site time; they wait until the end.
    pub quiet_start: Time,
    pub quiet_end: Time,
    /// Non-urgent messages a patient may get in one day (site time); more wait for the next day.
    pub daily_limit: u32,
}

impl Default for MessagingConfig {
    fn default() -> Self {
        Self {
            email: email::EmailConfig::default(),
            public_url: None,
            max_attempts: 5,
            backoff_base: Duration::from_secs(60),
            backoff_cap: Duration::from_secs(6 * 3600),
            lease: Duration::from_secs(5 * 60),
            batch: 1000,
            concurrency: 256,
            sms_concurrency: 16,
            quiet_start: Time::constant(20, 0, 0, 0),
            quiet_end: Time::constant(8, 0, 0, 0),
            daily_limit: 3,
        }
    }
}
