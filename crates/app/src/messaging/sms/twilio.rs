//! Twilio Programmable Messaging (<https://www.twilio.com/docs/messaging/api/message-resource>).
//!
//! - **Sending**: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded `To`, `From` (or
//!   `MessagingServiceSid`), `Body` and `StatusCallback`, with HTTP basic authentication
//!   `AccountSid:AuthToken`; `201 Created` with the message's `sid` (`SM…`).
//! - **Receipts**: Twilio posts the message's status (`queued`, `sent`, `delivered`, `undelivered`,
//!   `failed`) to `StatusCallback`, signed with `X-Twilio-Signature` (see `messaging::receipts`).
//! - **Nothing twice — the window that remains**: Twilio has no idempotency key and cannot find a message
//!   by our reference, so a retry after an unanswered request can send a second copy. The outbox keeps the
//!   dedupe key as the job's reference and records Twilio's `sid` as soon as the answer arrives; the
//!   window is a crash (or a timeout) after Twilio took the message and before the `sid` was recorded.
//!   There at-most-once cannot be promised with Twilio: the job is retried, and the patient may get the
//!   text twice. Prefer Notify where that matters.
//! - **Errors**: 400 (bad number, blocked, unverified in trial), 401/403 (credentials) and 404 (account):
//!   permanent. 429 and 5xx, timeouts and network failures: temporary.

use super::{OutgoingSms, SmsAccepted, SmsConfigError, SmsError, SmsFuture, SmsSender};
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Twilio's REST API.
pub const TWILIO_BASE_URL: &str = "https://api.twilio.com";

/// Who a Twilio message comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TwilioSender {
    /// A Twilio number (E.164) or an alphanumeric sender id.
    From(String),
    /// A Messaging Service SID (`MG…`): Twilio picks the number.
    MessagingService(String),
}

impl TwilioSender {
    /// `MG` followed by 32 hex digits is a Messaging Service; anything else is a sender.
    pub fn parse(s: &str) -> Self {
        let s = s.trim();
        if s.len() == 34 && s.starts_with("MG") && s[2..].chars().all(|c| c.is_ascii_hexdigit()) {
            TwilioSender::MessagingService(s.to_owned())
        } else {
            TwilioSender::From(s.to_owned())
        }
    }
}

/// Sends through Twilio.
pub struct TwilioDriver {
    base_url: String,
    account_sid: String,
    auth_token: SecretString,
    from: TwilioSender,
    status_callback_url: Option<String>,
    http: reqwest::Client,
}

impl std::fmt::Debug for TwilioDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioDriver")
            .field("base_url", &self.base_url)
            .field("account_sid", &self.account_sid)
            .field("from", &self.from)
            .field("status_callback_url", &self.status_callback_url)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Created {
    sid: String,
}

/// Twilio's error body: `{"code": 21211, "message": "…", "more_info": "…", "status": 400}`.
#[derive(Deserialize)]
struct Problem {
    code: Option<i64>,
    #[serde(default)]
    message: String,
}

fn describe_problem(body: &str) -> String {
    match serde_json::from_str::<Problem>(body) {
        Ok(p) => match p.code {
            Some(code) => format!("error {code}: {}", p.message),
            None => p.message,
        },
        Err(_) => "no error details".into(),
    }
}

impl TwilioDriver {
    pub fn new(config: &super::TwilioConfig) -> Result<Self, SmsConfigError> {
        let account_sid = config.account_sid.trim().to_owned();
        if !(account_sid.len() == 34 && account_sid.starts_with("AC") && account_sid.is_ascii()) {
            return Err(SmsConfigError("the Twilio account SID should be AC followed by 32 characters".into()));
        }
        if config.auth_token.expose_secret().trim().is_empty() {
            return Err(SmsConfigError("the Twilio auth token is missing".into()));
        }
        let from = TwilioSender::parse(&config.from);
        if matches!(&from, TwilioSender::From(f) if f.is_empty()) {
            return Err(SmsConfigError(
                "say who Twilio messages come from: a number, a sender id or a Messaging Service SID".into(),
            ));
        }
        let status_callback_url = match config.status_callback_url.as_deref() {
            Some(u) => Some(super::base_url(Some(u), "")?),
            None => None,
        };
        Ok(Self {
            base_url: super::base_url(config.base_url.as_deref(), TWILIO_BASE_URL)?,
            account_sid,
            auth_token: config.auth_token.clone(),
            from,
            status_callback_url,
            http: super::http_client(config.timeout)?,
        })
    }

    async fn send_now(&self, sms: &OutgoingSms) -> Result<SmsAccepted, SmsError> {
        let mut form: Vec<(&str, &str)> = vec![("To", &sms.to), ("Body", &sms.body)];
        match &self.from {
            TwilioSender::From(f) => form.push(("From", f)),
            TwilioSender::MessagingService(m) => form.push(("MessagingServiceSid", m)),
        }
        if let Some(cb) = &self.status_callback_url {
            form.push(("StatusCallback", cb));
        }
        let res = self
            .http
            .post(format!("{}/2010-04-01/Accounts/{}/Messages.json", self.base_url, self.account_sid))
            .basic_auth(&self.account_sid, Some(self.auth_token.expose_secret()))
            .form(&form)
            .send()
            .await
            .map_err(|e| super::network_error("Twilio", e))?;
        let status = res.status();
        let text = res.text().await.map_err(|e| super::network_error("Twilio", e))?;
        if status == StatusCode::CREATED || status == StatusCode::OK {
            return match serde_json::from_str::<Created>(&text) {
                Ok(c) => Ok(SmsAccepted { provider_id: c.sid }),
                Err(e) => {
                    Err(SmsError::Temporary(format!("Twilio took the message but its answer was unreadable: {e}")))
                }
            };
        }
        Err(super::refusal("Twilio", status, &describe_problem(&text)))
    }
}

impl SmsSender for TwilioDriver {
    fn name(&self) -> &'static str {
        "twilio"
    }

    fn send<'a>(&'a self, sms: &'a OutgoingSms) -> SmsFuture<'a> {
        Box::pin(self.send_now(sms))
    }
}
