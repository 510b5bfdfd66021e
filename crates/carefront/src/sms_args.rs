//! Text-message settings: which SMS driver sends (`log`, `notify`, `twilio`), its credentials, and the
//! secrets delivery receipts are checked with. Secrets are best given through the environment (a flag
//! shows in the process list); they are never logged.

use anyhow::{Result, bail};
use app::messaging::receipts::ReceiptKeys;
use app::messaging::sms::{DEFAULT_SMS_TIMEOUT, NotifyConfig, SmsConfig, TwilioConfig};
use clap::{Args, ValueEnum};
use secrecy::SecretString;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SmsDriverName {
    /// Log that a message was sent (its size only) and send nothing: demos and development.
    Log,
    /// GOV.UK Notify.
    Notify,
    /// Twilio.
    Twilio,
}

fn parse_secret(s: &str) -> Result<SecretString, String> {
    if s.trim().is_empty() { Err("must not be empty".into()) } else { Ok(SecretString::from(s.trim().to_owned())) }
}

#[derive(Args, Debug, Clone)]
pub struct SmsArgs {
    /// Which SMS driver sends text messages.
    #[arg(long, env = "CAREFRONT_SMS_DRIVER", value_enum, default_value_t = SmsDriverName::Log)]
    pub sms_driver: SmsDriverName,
    /// The provider's API address, for tests and on-premise gateways (default: the provider's own).
    #[arg(long, env = "CAREFRONT_SMS_BASE_URL", visible_aliases = ["notify-base-url", "twilio-base-url"])]
    pub sms_base_url: Option<String>,
    /// Seconds a call to the SMS provider may take before it is given up (and retried later).
    #[arg(
        long,
        env = "CAREFRONT_SMS_TIMEOUT_SECONDS",
        default_value_t = DEFAULT_SMS_TIMEOUT.as_secs(),
        value_parser = clap::value_parser!(u64).range(1..=120)
    )]
    pub sms_timeout_seconds: u64,
    /// GOV.UK Notify API key (`{key_name}-{service_id}-{secret_key}`). Prefer the environment variable.
    #[arg(long, env = "CAREFRONT_NOTIFY_API_KEY", hide_env_values = true, value_parser = parse_secret)]
    pub notify_api_key: Option<SecretString>,
    /// The Notify SMS template whose whole body is `((body))`.
    #[arg(long, env = "CAREFRONT_NOTIFY_TEMPLATE_ID")]
    pub notify_template_id: Option<String>,
    /// The bearer token Notify sends with delivery receipts (set the same in Notify's callback settings).
    #[arg(long, env = "CAREFRONT_NOTIFY_CALLBACK_TOKEN", hide_env_values = true, value_parser = parse_secret)]
    pub notify_callback_token: Option<SecretString>,
    /// Twilio account SID (`AC…`).
    #[arg(long, env = "CAREFRONT_TWILIO_ACCOUNT_SID")]
    pub twilio_account_sid: Option<String>,
    /// Twilio auth token: authenticates sending and checks Twilio's signed status callbacks.
    #[arg(long, env = "CAREFRONT_TWILIO_AUTH_TOKEN", hide_env_values = true, value_parser = parse_secret)]
    pub twilio_auth_token: Option<SecretString>,
    /// Who Twilio messages come from: a number (E.164), an alphanumeric sender id, or a Messaging
    /// Service SID (`MG…`).
    #[arg(long, env = "CAREFRONT_TWILIO_FROM")]
    pub twilio_from: Option<String>,
}

impl SmsArgs {
    /// The driver's settings. Twilio's status callbacks go to the public URL, which is required for it.
    pub fn config(&self, public_url: Option<&str>) -> Result<SmsConfig> {
        let timeout = Duration::from_secs(self.sms_timeout_seconds);
        let config = match self.sms_driver {
            SmsDriverName::Log => SmsConfig::Log,
            SmsDriverName::Notify => {
                let (Some(api_key), Some(template_id)) = (&self.notify_api_key, &self.notify_template_id) else {
                    bail!("--sms-driver notify needs CAREFRONT_NOTIFY_API_KEY and --notify-template-id");
                };
                if self.notify_callback_token.is_none() {
                    tracing::warn!("no Notify callback token: delivery receipts from Notify will be refused");
                }
                SmsConfig::Notify(NotifyConfig {
                    api_key: api_key.clone(),
                    template_id: template_id.clone(),
                    base_url: self.sms_base_url.clone(),
                    timeout,
                })
            }
            SmsDriverName::Twilio => {
                let (Some(sid), Some(token), Some(from)) =
                    (&self.twilio_account_sid, &self.twilio_auth_token, &self.twilio_from)
                else {
                    bail!(
                        "--sms-driver twilio needs --twilio-account-sid, CAREFRONT_TWILIO_AUTH_TOKEN and --twilio-from"
                    );
                };
                let Some(public_url) = public_url else {
                    bail!("--sms-driver twilio needs --public-url: Twilio posts delivery receipts there");
                };
                SmsConfig::Twilio(TwilioConfig {
                    account_sid: sid.clone(),
                    auth_token: token.clone(),
                    from: from.clone(),
                    base_url: self.sms_base_url.clone(),
                    status_callback_url: Some(format!("{}/api/v1/receipts/twilio", public_url.trim_end_matches('/'))),
                    timeout,
                })
            }
        };
        config.validate()?;
        Ok(config)
    }

    /// The secrets delivery receipts are checked with.
    pub fn receipt_keys(&self) -> ReceiptKeys {
        ReceiptKeys {
            notify_callback_token: self.notify_callback_token.clone(),
            twilio_auth_token: self.twilio_auth_token.clone(),
        }
    }
}
