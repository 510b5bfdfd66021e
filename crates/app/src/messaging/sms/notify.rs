//! GOV.UK Notify (<https://docs.notifications.service.gov.uk/rest-api.html>).
//!
//! - **Authentication**: every request carries `Authorization: Bearer <JWT>`, a JSON Web Token signed with
//!   HMAC-SHA256. Its header is `{"typ":"JWT","alg":"HS256"}`, its claims `{"iss": service id, "iat": now
//!   in seconds}`; Notify refuses tokens more than 30 seconds from its clock, so one is made per request.
//!   The API key Notify issues is `{key_name}-{service_id}-{secret_key}` (both ids are UUIDs, the name may
//!   contain hyphens): the service id is the issuer and the secret key, as text, is the HMAC key.
//! - **Sending**: `POST /v2/notifications/sms` with `{"phone_number", "template_id", "personalisation",
//!   "reference"}`; `201 Created` with the notification's `id`.
//! - **Templates**: Notify only sends templated messages. Carefront renders every message itself (language,
//!   format, plain-language checks), so the practice creates **one** SMS template in Notify whose whole
//!   body is `((body))` and gives its id as `--notify-template-id`; the rendered text goes in the
//!   personalisation field `body`.
//! - **Nothing twice**: `reference` is the outbox job's dedupe key. Notify does not refuse a second message
//!   with the same reference, but it can be asked for messages by reference (`GET /v2/notifications
//!   ?reference=…`): [`SmsLookup::find_by_reference`] does that, so a worker retrying a job whose earlier
//!   attempt may have reached Notify (it crashed between sending and recording) can find the message
//!   instead of sending it again. What remains is the moment between Notify accepting a message and
//!   listing it, which Notify documents as immediate.
//! - **Errors**: 400 (bad number, bad template, trial-mode recipient) and 403 (bad key or token) will not
//!   get better: permanent. 429 (rate or daily limit) and 5xx, timeouts and network failures: temporary.

use super::{OutgoingSms, SmsAccepted, SmsConfigError, SmsError, SmsFuture, SmsLookup, SmsLookupFuture, SmsSender};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;

/// Notify's API.
pub const NOTIFY_BASE_URL: &str = "https://api.notifications.service.gov.uk";

/// Sends through GOV.UK Notify.
pub struct NotifyDriver {
    base_url: String,
    service_id: String,
    secret_key: SecretString,
    template_id: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for NotifyDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifyDriver")
            .field("base_url", &self.base_url)
            .field("service_id", &self.service_id)
            .field("template_id", &self.template_id)
            .finish_non_exhaustive()
    }
}

/// The service id and secret key inside a Notify API key.
pub fn split_api_key(api_key: &str) -> Result<(String, SecretString), SmsConfigError> {
    let key = api_key.trim();
    // `{name}-{uuid 36}-{uuid 36}`: the last 73 characters are the two ids and the hyphen between them.
    let bad = || {
        SmsConfigError(
            "the Notify API key should look like {key_name}-{service_id}-{secret_key}, as Notify shows it".into(),
        )
    };
    if key.len() < 74 || !key.is_char_boundary(key.len() - 74) {
        return Err(bad());
    }
    let tail = &key[key.len() - 74..];
    let (sep, service_id, dash, secret) = (&tail[..1], &tail[1..37], &tail[37..38], &tail[38..]);
    if sep != "-" || dash != "-" || uuid::Uuid::parse_str(service_id).is_err() || uuid::Uuid::parse_str(secret).is_err()
    {
        return Err(bad());
    }
    Ok((service_id.to_owned(), SecretString::from(secret.to_owned())))
}

/// A Notify bearer token: HS256 over `{"iss": service_id, "iat": issued_at}`.
pub fn notify_jwt(service_id: &str, secret_key: &str, issued_at: i64) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"HS256"}"#);
    let claims = URL_SAFE_NO_PAD.encode(json!({ "iss": service_id, "iat": issued_at }).to_string());
    let signing_input = format!("{header}.{claims}");
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret_key.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(ring::hmac::sign(&key, signing_input.as_bytes()).as_ref());
    format!("{signing_input}.{signature}")
}

#[derive(Deserialize)]
struct Created {
    id: String,
}

#[derive(Deserialize)]
struct Listed {
    notifications: Vec<Created>,
}

/// Notify's error body: `{"status_code": 400, "errors": [{"error": "BadRequestError", "message": "…"}]}`.
#[derive(Deserialize)]
struct Problem {
    #[serde(default)]
    errors: Vec<ProblemItem>,
}

#[derive(Deserialize)]
struct ProblemItem {
    #[serde(default)]
    error: String,
    #[serde(default)]
    message: String,
}

fn describe_problem(body: &str) -> String {
    match serde_json::from_str::<Problem>(body) {
        Ok(p) if !p.errors.is_empty() => {
            p.errors.iter().map(|e| format!("{}: {}", e.error, e.message)).collect::<Vec<_>>().join("; ")
        }
        _ => "no error details".into(),
    }
}

impl NotifyDriver {
    pub fn new(config: &super::NotifyConfig) -> Result<Self, SmsConfigError> {
        let (service_id, secret_key) = split_api_key(config.api_key.expose_secret())?;
        let template_id = config.template_id.trim().to_owned();
        if uuid::Uuid::parse_str(&template_id).is_err() {
            return Err(SmsConfigError(
                "the Notify template id should be the UUID of a template whose body is ((body))".into(),
            ));
        }
        let base_url = super::base_url(config.base_url.as_deref(), NOTIFY_BASE_URL)?;
        Ok(Self { base_url, service_id, secret_key, template_id, http: super::http_client(config.timeout)? })
    }

    fn bearer(&self) -> String {
        notify_jwt(&self.service_id, self.secret_key.expose_secret(), jiff::Timestamp::now().as_second())
    }

    async fn send_now(&self, sms: &OutgoingSms) -> Result<SmsAccepted, SmsError> {
        let body = json!({
            "phone_number": sms.to,
            "template_id": self.template_id,
            "personalisation": { "body": sms.body },
            "reference": sms.reference,
        });
        let res = self
            .http
            .post(format!("{}/v2/notifications/sms", self.base_url))
            .bearer_auth(self.bearer())
            .json(&body)
            .send()
            .await
            .map_err(|e| super::network_error("Notify", e))?;
        let status = res.status();
        let text = res.text().await.map_err(|e| super::network_error("Notify", e))?;
        if status == StatusCode::CREATED || status == StatusCode::OK {
            return match serde_json::from_str::<Created>(&text) {
                Ok(c) => Ok(SmsAccepted { provider_id: c.id }),
                // Taken, but the answer is unreadable: the reference finds it later (see the module notes).
                Err(e) => {
                    Err(SmsError::Temporary(format!("Notify took the message but its answer was unreadable: {e}")))
                }
            };
        }
        Err(super::refusal("Notify", status, &describe_problem(&text)))
    }

    async fn find(&self, reference: &str) -> Result<Option<SmsAccepted>, SmsError> {
        let res = self
            .http
            .get(format!("{}/v2/notifications", self.base_url))
            .query(&[("reference", reference), ("template_type", "sms")])
            .bearer_auth(self.bearer())
            .send()
            .await
            .map_err(|e| super::network_error("Notify", e))?;
        let status = res.status();
        let text = res.text().await.map_err(|e| super::network_error("Notify", e))?;
        if status != StatusCode::OK {
            return Err(super::refusal("Notify", status, &describe_problem(&text)));
        }
        let listed: Listed = serde_json::from_str(&text)
            .map_err(|e| SmsError::Temporary(format!("Notify's list of messages was unreadable: {e}")))?;
        Ok(listed.notifications.into_iter().next().map(|c| SmsAccepted { provider_id: c.id }))
    }
}

impl SmsSender for NotifyDriver {
    fn name(&self) -> &'static str {
        "notify"
    }

    fn send<'a>(&'a self, sms: &'a OutgoingSms) -> SmsFuture<'a> {
        Box::pin(self.send_now(sms))
    }

    fn lookup(&self) -> Option<&dyn SmsLookup> {
        Some(self)
    }
}

impl SmsLookup for NotifyDriver {
    fn find_by_reference<'a>(&'a self, reference: &'a str) -> SmsLookupFuture<'a> {
        Box::pin(self.find(reference))
    }
}
