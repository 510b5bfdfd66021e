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

    /// Whether this provider can find a message by its reference (see [`SmsLookup`]); most cannot.
    fn lookup(&self) -> Option<&dyn SmsLookup> {
        None
    }
}

mod log;
mod notify;
mod twilio;

pub use log::LogDriver;
pub use notify::{NOTIFY_BASE_URL, NotifyDriver};
pub use twilio::{TWILIO_BASE_URL, TwilioDriver, TwilioSender};

use secrecy::SecretString;
use std::sync::Arc;
use std::time::Duration;

/// What a provider answered when asked whether it already has a message with a given reference.
pub type SmsLookupFuture<'a> = Pin<Box<dyn Future<Output = Result<Option<SmsAccepted>, SmsError>> + Send + 'a>>;

/// Looking a message up by its reference, for providers that can (GOV.UK Notify). A worker that finds a
/// job whose earlier attempt may have reached the provider (its lease ran out while `sending`) asks this
/// first: `Some` means the message was taken already and must not be sent again.
pub trait SmsLookup: Send + Sync {
    fn find_by_reference<'a>(&'a self, reference: &'a str) -> SmsLookupFuture<'a>;
}

/// Which SMS driver to use and its settings (`--sms-driver` and friends).
#[derive(Debug, Clone, Default)]
pub enum SmsConfig {
    /// Demos and development: nothing leaves the machine.
    #[default]
    Log,
    Notify(NotifyConfig),
    Twilio(TwilioConfig),
}

/// GOV.UK Notify. Carefront renders each message itself and sends it through one Notify template whose
/// whole body is `((body))`; the rendered text goes in the personalisation field `body`.
#[derive(Debug, Clone)]
pub struct NotifyConfig {
    /// `{key_name}-{service_id}-{secret_key}` as Notify shows it.
    pub api_key: SecretString,
    /// The id of the template whose body is `((body))`.
    pub template_id: String,
    /// Default `https://api.notifications.service.gov.uk`.
    pub base_url: Option<String>,
    pub timeout: Duration,
}

/// Twilio Programmable Messaging.
#[derive(Debug, Clone)]
pub struct TwilioConfig {
    pub account_sid: String,
    pub auth_token: SecretString,
    /// A sending number (E.164) or alphanumeric sender id, or a Messaging Service SID (`MG…`).
    pub from: String,
    /// Default `https://api.twilio.com`.
    pub base_url: Option<String>,
    /// Where Twilio posts status callbacks: the public URL + `/api/v1/receipts/twilio`.
    pub status_callback_url: Option<String>,
    pub timeout: Duration,
}

/// Why a driver could not be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SMS settings are not valid: {0}")]
pub struct SmsConfigError(pub String);

/// How long a provider call may take in all (connecting is allowed a third of it, at most 5 seconds).
pub const DEFAULT_SMS_TIMEOUT: Duration = Duration::from_secs(15);

impl SmsConfig {
    /// Check the settings at startup (API key shape, ids, URLs), so a mistake stops `serve` with a clear
    /// message instead of failing every message later.
    pub fn validate(&self) -> Result<(), SmsConfigError> {
        try_sms_sender(self).map(|_| ())
    }

    /// The driver's name: `log`, `notify` or `twilio`.
    pub fn driver_name(&self) -> &'static str {
        match self {
            SmsConfig::Log => "log",
            SmsConfig::Notify(_) => "notify",
            SmsConfig::Twilio(_) => "twilio",
        }
    }
}

/// The driver the configuration names, ready for the outbox worker. Settings that do not work (which
/// [`SmsConfig::validate`] reports at startup) give a driver that refuses every message as a temporary
/// failure naming the problem, so messages wait, visibly, instead of being lost.
pub fn sms_sender(config: &SmsConfig) -> Arc<dyn SmsSender> {
    match try_sms_sender(config) {
        Ok(sender) => sender,
        Err(e) => {
            let driver = config.driver_name();
            tracing::error!(driver, error = %e, "SMS driver not usable; text messages will wait");
            Arc::new(Unusable { name: config.driver_name(), problem: e.0 })
        }
    }
}

/// As [`sms_sender`], with the problem if the settings do not work.
pub fn try_sms_sender(config: &SmsConfig) -> Result<Arc<dyn SmsSender>, SmsConfigError> {
    Ok(match config {
        SmsConfig::Log => Arc::new(LogDriver),
        SmsConfig::Notify(c) => Arc::new(NotifyDriver::new(c)?),
        SmsConfig::Twilio(c) => Arc::new(TwilioDriver::new(c)?),
    })
}

struct Unusable {
    name: &'static str,
    problem: String,
}

impl SmsSender for Unusable {
    fn name(&self) -> &'static str {
        self.name
    }

    fn send<'a>(&'a self, _sms: &'a OutgoingSms) -> SmsFuture<'a> {
        Box::pin(async move { Err(SmsError::Temporary(format!("the SMS driver is not set up: {}", self.problem))) })
    }
}

/// An HTTP client for a provider: rustls (ring) with the system's root certificates, timeouts, no
/// redirects (a provider API never redirects; following one could send credentials elsewhere).
pub(crate) fn http_client(timeout: Duration) -> Result<reqwest::Client, SmsConfigError> {
    // reqwest is built without a bundled crypto provider; use ring, as the rest of Carefront does. Another
    // part of the process may have installed one already, which is as good.
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout((timeout / 3).min(Duration::from_secs(5)))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("carefront/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| SmsConfigError(format!("cannot build the HTTP client: {e}")))
}

/// A provider that could not be reached, or did not answer in time, may try again later. (A timeout after
/// the request was sent may mean the message went: see each driver for what that means.)
/// A base URL from the settings (or the default), without a trailing slash.
pub(crate) fn base_url(given: Option<&str>, default: &str) -> Result<String, SmsConfigError> {
    let url = given.map(str::trim).filter(|s| !s.is_empty()).unwrap_or(default);
    match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "https" | "http") && u.host().is_some() => {
            Ok(url.trim_end_matches('/').to_owned())
        }
        _ => Err(SmsConfigError(format!("'{url}' is not an http(s) URL"))),
    }
}

pub(crate) fn network_error(provider: &str, e: reqwest::Error) -> SmsError {
    let e = e.without_url();
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    SmsError::Temporary(format!("{provider}: {what} ({e})"))
}

/// How an HTTP status from a provider maps to a retry decision: 429 and 5xx are worth retrying; any other
/// refusal will be refused again.
pub(crate) fn refusal(provider: &str, status: reqwest::StatusCode, detail: &str) -> SmsError {
    let message = format!("{provider} answered {}: {}", status.as_u16(), redact_numbers(detail));
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS
        || status == reqwest::StatusCode::REQUEST_TIMEOUT
        || status.is_server_error()
    {
        SmsError::Temporary(message)
    } else {
        SmsError::Permanent(message)
    }
}

/// Provider error messages can quote the phone number ("The 'To' number +4477… is not valid"); error
/// text is stored and shown, so runs of digits long enough to be part of a number are blanked out, and
/// the text is cut short.
pub(crate) fn redact_numbers(text: &str) -> String {
    fn flush(run: &mut String, out: &mut String) {
        if run.chars().filter(char::is_ascii_digit).count() >= 6 {
            out.push_str("[number]");
            // Keep the space that followed the number.
            out.extend(run.chars().rev().take_while(|c| *c == ' '));
        } else {
            out.push_str(run);
        }
        run.clear();
    }
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() || c == '+' || (matches!(c, ' ' | '-' | '(' | ')') && !run.is_empty()) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out.chars().take(300).collect()
}
