//! Delivery receipts from SMS providers: GOV.UK Notify's callback and Twilio's status callback. Each says
//! what happened to a text Carefront sent; the message's status follows (`delivered`, or `not_delivered`),
//! and a text to the patient that did not arrive puts its outbox job back in the queue so the worker falls
//! back to the next channel (email, then a letter).
//!
//! Receipts are not signed-in requests: they are authenticated by each provider's own scheme, checked
//! here so the web layer stays thin —
//! - **Notify** calls back with `Authorization: Bearer <token>`, a token the practice chose and gave Notify
//!   when setting up the callback (`--notify-callback-token`). Compared in constant time.
//! - **Twilio** signs each callback: `X-Twilio-Signature` is base64(HMAC-SHA1(auth token, the full URL
//!   Twilio called + every POST parameter, sorted by name, as name followed by value)).
//!
//! Replays are harmless: a receipt that does not move a message forward changes nothing. Receipts are
//! not audit events: they change no record of the patient's, only the state of a message.

use crate::{App, AppError, Result};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};
use store::Ts;
use store::messaging::receipts as receipts_store;
use subtle::ConstantTimeEq;
use uuid::Uuid;

/// Which provider a receipt came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsProvider {
    Notify,
    Twilio,
}

impl SmsProvider {
    /// As the driver names itself (`SmsSender::name`) and as the message records it.
    pub fn as_str(self) -> &'static str {
        match self {
            SmsProvider::Notify => "notify",
            SmsProvider::Twilio => "twilio",
        }
    }
}

/// What a receipt says about a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// The provider has it, or passed it on; no news of delivery yet.
    InProgress,
    /// It reached the phone.
    Delivered,
    /// It did not reach the phone and the provider has stopped trying.
    NotDelivered,
}

impl DeliveryStatus {
    /// Notify's SMS statuses: `delivered`, `permanent-failure` (not a working mobile), `temporary-failure`
    /// (phone off or inbox full for 72 hours: Notify has stopped trying), `technical-failure` (not sent);
    /// `created`, `sending`, `pending` and `sent` (international, no receipt to come) are on the way.
    pub fn from_notify(status: &str) -> Option<Self> {
        match status {
            "delivered" => Some(Self::Delivered),
            "permanent-failure" | "temporary-failure" | "technical-failure" => Some(Self::NotDelivered),
            "created" | "sending" | "pending" | "sent" => Some(Self::InProgress),
            _ => None,
        }
    }

    /// Twilio's `MessageStatus`: `delivered` (or `read`), `undelivered`, `failed` or `canceled`; `accepted`,
    /// `scheduled`, `queued`, `sending`, `sent` and `partially_delivered` are on the way.
    pub fn from_twilio(status: &str) -> Option<Self> {
        match status {
            "delivered" | "read" => Some(Self::Delivered),
            "undelivered" | "failed" | "canceled" => Some(Self::NotDelivered),
            "accepted" | "scheduled" | "queued" | "sending" | "sent" | "partially_delivered" => Some(Self::InProgress),
            _ => None,
        }
    }
}

/// One receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsReceipt {
    pub provider: SmsProvider,
    /// The provider's id for the message (Notify's notification `id`, Twilio's `MessageSid`).
    pub provider_id: String,
    /// The reference Carefront gave the provider, when the receipt carries it (Notify does): it finds a
    /// message whose provider id was not recorded yet.
    pub reference: Option<String>,
    pub status: DeliveryStatus,
    /// The provider's own word for it, and an error code if any (`permanent-failure`, `undelivered 30003`):
    /// kept on a message that did not arrive.
    pub detail: String,
}

/// What a receipt did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptOutcome {
    pub message_id: Uuid,
    pub outbox_id: Uuid,
    /// The message's status now.
    pub status: String,
    /// False for a replay or a receipt overtaken by a later one.
    pub changed: bool,
    /// The job went back in the queue for the next channel.
    pub requeued: bool,
}

impl App {
    /// Record a delivery receipt (the caller has checked the provider's signature or token). An unknown
    /// message is `NotFound`.
    pub async fn record_sms_receipt(&self, receipt: &SmsReceipt) -> Result<ReceiptOutcome> {
        if receipt.provider_id.trim().is_empty() {
            return Err(AppError::invalid("id", "The message id is missing"));
        }
        let now = Ts(jiff::Timestamp::now());
        let mut tx = self.db().begin().await?;
        let target = receipts_store::find(
            &mut tx,
            receipt.provider.as_str(),
            &receipt.provider_id,
            receipt.reference.as_deref(),
        )
        .await?
        .ok_or(AppError::NotFound { what: "the text message" })?;
        let new_status = match (receipt.status, target.status.as_str()) {
            // Taken by the provider while the worker had not yet recorded that it was sent, or after the
            // worker gave the attempt up as a temporary failure (a timeout): marking it stops a retry
            // sending it again, if the receipt comes first.
            (DeliveryStatus::InProgress, "sending" | "failed") => Some("sent"),
            (DeliveryStatus::Delivered, "sending" | "sent" | "failed" | "not_delivered") => Some("delivered"),
            (DeliveryStatus::NotDelivered, "sending" | "sent" | "failed") => Some("not_delivered"),
            // A replay, news older than what is known, or a message the worker already marked failed.
            _ => None,
        };
        let mut outcome = ReceiptOutcome {
            message_id: target.message_id,
            outbox_id: target.outbox_id,
            status: new_status.unwrap_or(&target.status).to_owned(),
            changed: new_status.is_some(),
            requeued: false,
        };
        if let Some(status) = new_status {
            let error = (status == "not_delivered").then(|| {
                format!("{}: {}", receipt.provider.as_str(), crate::messaging::sms::redact_numbers(&receipt.detail))
            });
            receipts_store::set_status(&mut tx, target.message_id, status, &receipt.provider_id, error.as_deref(), now)
                .await?;
            if status == "not_delivered" && target.recipient == "patient" {
                let reason = format!(
                    "The text message was not delivered ({}); trying the next way to reach the patient",
                    error.as_deref().unwrap_or_default()
                );
                outcome.requeued =
                    receipts_store::requeue_for_fallback(&mut tx, target.outbox_id, &reason, now).await?;
            }
        }
        tx.commit().await?;
        tracing::info!(
            provider = receipt.provider.as_str(),
            message_id = %outcome.message_id,
            status = %outcome.status,
            changed = outcome.changed,
            requeued = outcome.requeued,
            "delivery receipt"
        );
        Ok(outcome)
    }
}

/// The secrets receipts are checked with. A provider without one has its receipts refused.
#[derive(Debug, Clone, Default)]
pub struct ReceiptKeys {
    /// The bearer token Notify presents on its callbacks.
    pub notify_callback_token: Option<SecretString>,
    /// Twilio's auth token, which signs its callbacks.
    pub twilio_auth_token: Option<SecretString>,
}

impl ReceiptKeys {
    pub fn new(notify_callback_token: Option<&str>, twilio_auth_token: Option<&str>) -> Self {
        let secret = |s: &str| SecretString::from(s.to_owned());
        Self {
            notify_callback_token: notify_callback_token.map(secret),
            twilio_auth_token: twilio_auth_token.map(secret),
        }
    }

    /// Whether Notify's callback token is right; `None` when no token is set (receipts refused).
    pub fn notify_token_ok(&self, presented: &str) -> Option<bool> {
        self.notify_callback_token.as_ref().map(|t| token_matches(t, presented))
    }

    /// Whether Twilio's signature is right for this URL and these POST parameters; `None` when no auth
    /// token is set (receipts refused).
    pub fn twilio_signature_ok(&self, url: &str, params: &[(String, String)], signature: &str) -> Option<bool> {
        self.twilio_auth_token.as_ref().map(|t| twilio_signature_valid(t.expose_secret(), url, params, signature))
    }
}

/// Whether a presented bearer token is the expected one, in constant time (for tokens of equal length).
pub fn token_matches(expected: &SecretString, presented: &str) -> bool {
    let expected = expected.expose_secret().as_bytes();
    !expected.is_empty() && bool::from(expected.ct_eq(presented.as_bytes()))
}

/// Twilio's signature over a request: base64(HMAC-SHA1(auth token, url + sorted name/value pairs)).
pub fn twilio_signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, auth_token.as_bytes());
    STANDARD.encode(ring::hmac::sign(&key, &twilio_signed_data(url, params)).as_ref())
}

fn twilio_signed_data(url: &str, params: &[(String, String)]) -> Vec<u8> {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut data = url.as_bytes().to_vec();
    for (k, v) in sorted {
        data.extend_from_slice(k.as_bytes());
        data.extend_from_slice(v.as_bytes());
    }
    data
}

/// Whether `X-Twilio-Signature` is right for this URL and these POST parameters (constant time).
pub fn twilio_signature_valid(auth_token: &str, url: &str, params: &[(String, String)], signature: &str) -> bool {
    let Ok(tag) = STANDARD.decode(signature.trim()) else { return false };
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, auth_token.as_bytes());
    !auth_token.is_empty() && ring::hmac::verify(&key, &twilio_signed_data(url, params), &tag).is_ok()
}
