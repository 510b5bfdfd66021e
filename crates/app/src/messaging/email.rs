//! Email over SMTP with lettre (rustls): multipart plain text + HTML, with an `.ics` part
//! (`text/calendar; method=REQUEST`, or `METHOD:CANCEL` for a cancellation) where the message is about a
//! booked or cancelled time. The Message-ID is made from the outbox dedupe key, so a message sent again
//! after a crash carries the same id and mail clients show it once.
//!
//! Settings: `--smtp-url` in lettre's URL form — `smtp://host:25` (plain), `smtp://host:587?tls=required`
//! (STARTTLS), `smtps://user:pass@host:465` (TLS) — with the password optionally kept out of the URL in
//! `CAREFRONT_SMTP_PASSWORD`; `--mail-from`. Without an SMTP URL the demo keeps mail in memory
//! ([`Mailer::Catcher`], shown at `/staff/dev/mail`), and a real server sends no email at all.

use domain::messaging::Language;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// Email settings.
#[derive(Debug, Clone)]
pub struct EmailConfig {
    /// lettre's SMTP URL; may carry credentials, hence secret.
    pub smtp_url: Option<SecretString>,
    /// The SMTP password, when it is not in the URL (the URL must then name the user).
    pub smtp_password: Option<SecretString>,
    /// The sender, e.g. `Riverside Surgery <reception@riverside.example>`.
    pub from: String,
    /// Keep mail in memory when there is no SMTP URL (the demo).
    pub catch_without_smtp: bool,
    /// How long one SMTP conversation may take.
    pub timeout: Duration,
    /// SMTP connections used at once, and kept open between messages. Sends beyond it wait for a
    /// connection (rather than opening more: a burst of reminders should not open hundreds of
    /// connections to the mail server, nor close them again one by one).
    pub connections: u32,
}

impl Default for EmailConfig {
    fn default() -> Self {
        Self {
            smtp_url: None,
            smtp_password: None,
            from: "Carefront <no-reply@carefront.invalid>".into(),
            catch_without_smtp: false,
            timeout: Duration::from_secs(30),
            connections: 16,
        }
    }
}

impl EmailConfig {
    /// Sending through the SMTP server at `url` (lettre's URL form) as `from`.
    pub fn smtp(url: &str, from: &str) -> EmailConfig {
        EmailConfig {
            smtp_url: Some(SecretString::from(url.to_owned())),
            from: from.to_owned(),
            ..EmailConfig::default()
        }
    }
}

/// Check the settings without connecting (at start-up, so a typo stops the server with a clear message).
pub fn check_config(c: &EmailConfig) -> Result<(), String> {
    c.from.parse::<Mailbox>().map_err(|e| format!("--mail-from is not a valid address: {e}"))?;
    if let Some(url) = &c.smtp_url {
        AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
            .map_err(|e| format!("--smtp-url is not a valid SMTP URL: {e}"))?;
    }
    Ok(())
}

/// A calendar part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarPart {
    /// `REQUEST` or `CANCEL`.
    pub method: &'static str,
    pub ics: String,
}

/// One email ready to send.
#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    pub to_name: String,
    pub to_address: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub language: Language,
    pub calendar: Option<CalendarPart>,
    /// The outbox dedupe key (plus the recipient, for a carer's copy).
    pub reference: String,
}

/// Why an email was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("temporary: {0}")]
    Temporary(String),
    #[error("permanent: {0}")]
    Permanent(String),
}

/// A mail kept by the demo's catcher.
#[derive(Debug, Clone)]
pub struct CaughtMail {
    pub to: String,
    pub subject: String,
    pub message_id: String,
    /// The whole message as it would have gone over SMTP.
    pub raw: String,
    pub at: jiff::Timestamp,
}

/// How many mails the catcher keeps.
const CATCHER_KEEPS: usize = 200;

/// Where email goes.
pub enum Mailer {
    /// No email (no SMTP server set up): the channel is not offered.
    Off,
    /// Kept in memory for the demo's mail page.
    Catcher { from: Mailbox, kept: Arc<Mutex<VecDeque<CaughtMail>>> },
    /// A real SMTP server. The transport (with its connection pool) is built on first use, inside the
    /// async runtime; `slots` holds sends to the pool's size.
    Smtp {
        from: Mailbox,
        config: EmailConfig,
        transport: OnceLock<Result<AsyncSmtpTransport<Tokio1Executor>, String>>,
        slots: tokio::sync::Semaphore,
    },
}

impl Mailer {
    pub fn new(c: &EmailConfig) -> Mailer {
        let from = match c.from.parse::<Mailbox>() {
            Ok(f) => f,
            Err(_) => {
                tracing::error!("the mail-from address is not valid; email is switched off");
                return Mailer::Off;
            }
        };
        match &c.smtp_url {
            Some(_) => Mailer::Smtp {
                from,
                config: c.clone(),
                transport: OnceLock::new(),
                slots: tokio::sync::Semaphore::new(c.connections.max(1) as usize),
            },
            None if c.catch_without_smtp => Mailer::Catcher { from, kept: Default::default() },
            None => Mailer::Off,
        }
    }

    pub fn is_available(&self) -> bool {
        !matches!(self, Mailer::Off)
    }

    /// The mails the demo's catcher holds, newest first.
    pub fn caught(&self) -> Vec<CaughtMail> {
        match self {
            Mailer::Catcher { kept, .. } => kept.lock().expect("catcher").iter().rev().cloned().collect(),
            _ => Vec::new(),
        }
    }

    fn transport(&self) -> Result<&AsyncSmtpTransport<Tokio1Executor>, EmailError> {
        let Mailer::Smtp { config, transport, .. } = self else {
            return Err(EmailError::Permanent("no SMTP server is set up".into()));
        };
        transport
            .get_or_init(|| {
                let url = config.smtp_url.as_ref().ok_or("no SMTP URL")?;
                let pool = lettre::transport::smtp::PoolConfig::new().max_size(config.connections.max(1));
                let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .map_err(|e| format!("the SMTP URL is not valid: {e}"))?
                    .timeout(Some(config.timeout))
                    .pool_config(pool);
                if let Some(password) = &config.smtp_password {
                    let user = percent_decode(&url_user(url.expose_secret()));
                    builder = builder.credentials(Credentials::new(user, password.expose_secret().to_owned()));
                }
                Ok(builder.build())
            })
            .as_ref()
            .map_err(|e| EmailError::Permanent(e.clone()))
    }

    /// Send one email. Returns its Message-ID.
    pub async fn send(&self, mail: &OutgoingEmail) -> Result<String, EmailError> {
        let from = match self {
            Mailer::Off => return Err(EmailError::Permanent("email is not set up".into())),
            Mailer::Catcher { from, .. } | Mailer::Smtp { from, .. } => from,
        };
        let id = message_id(&mail.reference, from);
        let message = build(mail, from, &id)?;
        match self {
            Mailer::Off => unreachable!(),
            Mailer::Catcher { kept, .. } => {
                let mut kept = kept.lock().expect("catcher");
                if kept.len() >= CATCHER_KEEPS {
                    kept.pop_front();
                }
                kept.push_back(CaughtMail {
                    to: mail.to_address.clone(),
                    subject: mail.subject.clone(),
                    message_id: id.clone(),
                    raw: String::from_utf8_lossy(&message.formatted()).into_owned(),
                    at: jiff::Timestamp::now(),
                });
                Ok(id)
            }
            Mailer::Smtp { slots, .. } => {
                let transport = self.transport()?;
                let _slot =
                    slots.acquire().await.map_err(|_| EmailError::Temporary("email is shutting down".into()))?;
                transport.send(message).await.map_err(classify)?;
                Ok(id)
            }
        }
    }
}

/// lettre's errors: a 5xx answer will be refused again; anything else (4xx, timeouts, no connection)
/// may work later. The message says what happened without quoting addresses.
fn classify(e: lettre::transport::smtp::Error) -> EmailError {
    let code = e.status().map(|c| c.to_string()).unwrap_or_default();
    if e.is_permanent() {
        EmailError::Permanent(format!("the mail server refused the message ({code})"))
    } else if e.is_timeout() {
        EmailError::Temporary("the mail server did not answer in time".into())
    } else if e.is_transient() {
        EmailError::Temporary(format!("the mail server asked to try later ({code})"))
    } else if e.is_tls() {
        EmailError::Temporary("a secure connection to the mail server could not be made".into())
    } else {
        EmailError::Temporary("the mail server could not be reached".into())
    }
}

/// The user named in `scheme://user[:password]@host…`, or empty.
fn url_user(url: &str) -> String {
    let Some((_, rest)) = url.split_once("://") else { return String::new() };
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    match authority.rsplit_once('@') {
        Some((creds, _)) => creds.split(':').next().unwrap_or_default().to_owned(),
        None => String::new(),
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `<reminder.0193….168h@riverside.example>` from the dedupe key and the sender's domain: the same key
/// always gives the same id.
pub fn message_id(reference: &str, from: &Mailbox) -> String {
    let left: String = reference
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '_' | '.' | '+' | '=' => c,
            _ => '.',
        })
        .collect();
    let left = left.trim_matches('.').replace("..", ".");
    format!("<{left}@{}>", from.email.domain())
}

fn build(mail: &OutgoingEmail, from: &Mailbox, id: &str) -> Result<Message, EmailError> {
    let bad = |what: &str| EmailError::Permanent(format!("the {what} address is not valid"));
    let to_address = mail.to_address.trim().parse().map_err(|_| bad("recipient's"))?;
    let to = Mailbox::new(Some(mail.to_name.clone()), to_address);
    let alternative = MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone());
    let builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .message_id(Some(id.to_owned()))
        .user_agent(concat!("Carefront ", env!("CARGO_PKG_VERSION")).to_owned());
    let built = match &mail.calendar {
        Some(c) => {
            let content_type = ContentType::parse(&format!("text/calendar; method={}; charset=UTF-8", c.method))
                .map_err(|e| EmailError::Permanent(format!("calendar part: {e}")))?;
            let invite = Attachment::new("appointment.ics".into()).body(c.ics.clone(), content_type);
            builder.multipart(MultiPart::mixed().multipart(alternative).singlepart(invite))
        }
        None => builder.multipart(alternative),
    };
    let mut message = built.map_err(|e| EmailError::Permanent(format!("the message could not be built: {e}")))?;
    if let Ok(name) = HeaderName::new_from_ascii("Content-Language".into()) {
        message.headers_mut().insert_raw(HeaderValue::new(name, mail.language.as_str().to_owned()));
    }
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_come_from_the_dedupe_key() {
        let from: Mailbox = "Riverside <reception@riverside.example>".parse().unwrap();
        let id = message_id("reminder:0193aa:168h", &from);
        assert_eq!(id, "<reminder.0193aa.168h@riverside.example>");
        assert_eq!(id, message_id("reminder:0193aa:168h", &from));
        assert_ne!(id, message_id("reminder:0193aa:48h", &from));
    }

    #[test]
    fn passwords_in_urls_are_decoded() {
        assert_eq!(percent_decode("a%40b"), "a@b");
        assert_eq!(percent_decode("plain"), "plain");
        assert_eq!(percent_decode("bad%z"), "bad%z");
        assert_eq!(url_user("smtps://mail%40x:pw@host:465"), "mail%40x");
        assert_eq!(url_user("smtp://host:25"), "");
    }
}
