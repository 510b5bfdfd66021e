//! Email and outbox-worker settings: the SMTP server (lettre's URL form), the sender, how often the worker
//! looks for due messages, retries, quiet hours and the daily limit. The SMTP password is best given
//! through the environment (`CAREFRONT_SMTP_PASSWORD`, or in the URL in `CAREFRONT_SMTP_URL`); it is
//! never logged.

use anyhow::{Result, bail};
use app::messaging::MessagingConfig;
use app::messaging::email::{EmailConfig, check_config};
use clap::Args;
use jiff::civil::Time;
use secrecy::SecretString;
use std::time::Duration;

fn parse_secret(s: &str) -> Result<SecretString, String> {
    if s.trim().is_empty() { Err("must not be empty".into()) } else { Ok(SecretString::from(s.trim().to_owned())) }
}

/// `20:00-08:00`.
fn parse_quiet_hours(s: &str) -> Result<(Time, Time), String> {
    let err = || "Quiet hours look like 20:00-08:00 (site time; use 00:00-00:00 for none)".to_owned();
    let (a, b) = s.trim().split_once('-').ok_or_else(err)?;
    let t = |x: &str| x.trim().parse::<Time>().map_err(|_| err());
    Ok((t(a)?, t(b)?))
}

#[derive(Args, Debug, Clone)]
pub struct MailArgs {
    /// SMTP server in lettre's URL form: smtp://HOST:25 (plain), smtp://HOST:587?tls=required
    /// (STARTTLS), smtps://USER:PASSWORD@HOST:465 (TLS). Without it `serve` sends no email and `demo`
    /// keeps mail in memory (shown at /staff/dev/mail).
    #[arg(long, env = "CAREFRONT_SMTP_URL", hide_env_values = true, value_parser = parse_secret)]
    pub smtp_url: Option<SecretString>,
    /// The SMTP password, when the URL names the user but not the password (environment only).
    #[arg(long, env = "CAREFRONT_SMTP_PASSWORD", hide = true, hide_env_values = true, value_parser = parse_secret)]
    pub smtp_password: Option<SecretString>,
    /// SMTP connections used at once, and kept open between messages.
    #[arg(long, env = "CAREFRONT_SMTP_CONNECTIONS", default_value_t = EmailConfig::default().connections, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub smtp_connections: u32,
    /// Who email comes from, e.g. "Riverside Surgery <reception@riverside.example>".
    #[arg(long, env = "CAREFRONT_MAIL_FROM", default_value = "Carefront <no-reply@carefront.invalid>")]
    pub mail_from: String,
    /// Seconds between the outbox worker's looks for due messages.
    #[arg(long, env = "CAREFRONT_OUTBOX_INTERVAL_SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub outbox_interval_seconds: u64,
    /// Seconds a worker holds the messages it claimed; if it dies, another worker (or this one, restarted)
    /// takes them back after this long. Keep it well above the SMTP and SMS timeouts.
    #[arg(long, env = "CAREFRONT_OUTBOX_LEASE_SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub outbox_lease_seconds: u64,
    /// Messages the outbox worker claims at once.
    #[arg(long, env = "CAREFRONT_OUTBOX_BATCH", default_value_t = MessagingConfig::default().batch as u64, value_parser = clap::value_parser!(u64).range(1..=5000))]
    pub outbox_batch: u64,
    /// Messages of a batch worked on at the same time (most of that is waiting for the database or a
    /// provider; what reaches the providers at once is --smtp-connections and --outbox-sms-concurrency).
    #[arg(long, env = "CAREFRONT_OUTBOX_CONCURRENCY", default_value_t = MessagingConfig::default().concurrency as u64, value_parser = clap::value_parser!(u64).range(1..=2000))]
    pub outbox_concurrency: u64,
    /// Text messages sent to the SMS provider at once.
    #[arg(long, env = "CAREFRONT_OUTBOX_SMS_CONCURRENCY", default_value_t = MessagingConfig::default().sms_concurrency as u64, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub outbox_sms_concurrency: u64,
    /// Failed attempts before a message goes to the dead letters (backoff: 1 minute, doubling, at most
    /// 6 hours).
    #[arg(long, env = "CAREFRONT_OUTBOX_MAX_ATTEMPTS", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=50))]
    pub outbox_max_attempts: u32,
    /// No text messages in these hours, site time; they wait until the end.
    #[arg(long, env = "CAREFRONT_QUIET_HOURS", default_value = "20:00-08:00", value_parser = parse_quiet_hours)]
    pub quiet_hours: (Time, Time),
    /// Non-urgent messages one patient may get in a day (running-late notices, waiting-list offers and
    /// cancellations by the practice are not limited).
    #[arg(long, env = "CAREFRONT_DAILY_MESSAGE_LIMIT", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub daily_message_limit: u32,
}

impl MailArgs {
    /// The messaging settings, checked (a bad SMTP URL or sender stops start-up with a clear message).
    pub fn config(&self, public_url: Option<&str>, demo: bool) -> Result<MessagingConfig> {
        let email = EmailConfig {
            smtp_url: self.smtp_url.clone(),
            smtp_password: self.smtp_password.clone(),
            from: self.mail_from.trim().to_owned(),
            catch_without_smtp: demo,
            connections: self.smtp_connections,
            ..EmailConfig::default()
        };
        if let Err(e) = check_config(&email) {
            bail!(e);
        }
        Ok(MessagingConfig {
            email,
            public_url: public_url.map(str::to_owned),
            max_attempts: self.outbox_max_attempts,
            lease: Duration::from_secs(self.outbox_lease_seconds),
            batch: self.outbox_batch as usize,
            concurrency: self.outbox_concurrency as usize,
            sms_concurrency: self.outbox_sms_concurrency as usize,
            quiet_start: self.quiet_hours.0,
            quiet_end: self.quiet_hours.1,
            daily_limit: self.daily_message_limit,
            ..MessagingConfig::default()
        })
    }

    pub fn interval(&self) -> Duration {
        Duration::from_secs(self.outbox_interval_seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_hours_parse() {
        assert_eq!(
            parse_quiet_hours("20:00-08:00").unwrap(),
            (Time::constant(20, 0, 0, 0), Time::constant(8, 0, 0, 0))
        );
        assert!(parse_quiet_hours("8pm").is_err());
    }
}
