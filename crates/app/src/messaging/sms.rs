//! Sending text messages through a provider. Drivers: GOV.UK Notify, Twilio, and `log` (demos).

use std::future::Future;
use std::pin::Pin;

/// One text message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingSms {
    /// E.164, e.g. `+447700900123` (a mobile: the caller has checked).
    pub to: String,
    pub body: String,
    /// The outbox job's dedupe key, passed to the provider as its reference so a retry after a crash
    /// can be recognised (and refused, where the provider supports it).
    pub reference: String,
}

/// What the provider said when it took the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsAccepted {
    /// The provider's id for the message (delivery receipts name it).
    pub provider_id: String,
}

/// Why a message was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsError {
    /// Worth trying again later (network, 429, 5xx).
    #[error("temporary: {0}")]
    Temporary(String),
    /// Will never work as sent (bad number, bad credentials, 4xx).
    #[error("permanent: {0}")]
    Permanent(String),
}

pub type SmsFuture<'a> = Pin<Box<dyn Future<Output = Result<SmsAccepted, SmsError>> + Send + 'a>>;

/// A text-message provider.
pub trait SmsSender: Send + Sync {
    /// The driver's name, for logs and the outbox page (`notify`, `twilio`, `log`).
    fn name(&self) -> &'static str;
    fn send<'a>(&'a self, sms: &'a OutgoingSms) -> SmsFuture<'a>;
}
