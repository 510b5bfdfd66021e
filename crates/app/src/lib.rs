//! Carefront use-cases. Each public action is one transaction that asks the access policy, makes its
//! change and appends its audit event together, so the record of an action exists exactly when the action
//! does. Nothing here knows about HTTP.

pub mod context;
pub mod demo;
pub mod demo_patients;
pub mod demo_scheduling;
pub mod error;
pub mod governance;
pub mod messaging;
pub mod patients;
pub mod scheduling;
#[cfg(feature = "testkit")]
pub mod testkit;

pub use context::{Actor, Ctx, Via};
pub use error::AppError;

use domain::governance::Role;
use std::sync::Arc;
use std::time::Duration;
use store::Db;

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// Settings the use-cases depend on.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// A session ends after this long without a request.
    pub session_idle: Duration,
    /// A session ends this long after sign-in, however active.
    pub session_absolute: Duration,
    /// Failed sign-ins within `lockout_window` that lock an account.
    pub lockout_threshold: i64,
    pub lockout_window: Duration,
    pub lockout_duration: Duration,
    /// Roles that must use a second factor (TOTP) to sign in.
    pub totp_required_roles: Vec<Role>,
    /// How long a verified API token is trusted before it is looked up again. Revoking a token takes
    /// effect at once on the node that revoked it and within this time on the others.
    pub token_cache_ttl: Duration,
    /// Sending messages: email, links, the outbox worker's retries, quiet hours, the daily limit.
    pub messaging: messaging::MessagingConfig,
    /// The bank holidays sessions close on: the file shipped with Carefront, or a newer one of the same
    /// shape (`--bank-holidays`).
    pub bank_holidays: Arc<domain::scheduling::calendar::BankHolidays>,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            session_idle: Duration::from_secs(30 * 60),
            session_absolute: Duration::from_secs(12 * 3600),
            lockout_threshold: 5,
            lockout_window: Duration::from_secs(15 * 60),
            lockout_duration: Duration::from_secs(15 * 60),
            totp_required_roles: Vec::new(),
            token_cache_ttl: Duration::from_secs(5),
            messaging: messaging::MessagingConfig::default(),
            bank_holidays: Arc::new(domain::scheduling::calendar::BankHolidays::bundled()),
        }
    }
}

/// The application: a database and the settings. Cheap to clone.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    config: AppConfig,
    tokens: governance::tokens::TokenCache,
    /// Started on the first booking (it needs the async runtime).
    bookings: std::sync::OnceLock<scheduling::booking::BookingWriter>,
    /// What this node remembers of rotas and taken times between requests.
    diary: Arc<scheduling::diary::Diary>,
    /// Where email goes (an SMTP server, the demo's catcher, or nowhere).
    mailer: messaging::email::Mailer,
    /// The SMS provider, once one is set ([`App::set_sms_sender`]).
    sms: std::sync::RwLock<Option<Arc<dyn messaging::sms::SmsSender>>>,
    /// The secret that signs links in messages, read from the database on first use.
    link_key: tokio::sync::OnceCell<ring::hmac::Key>,
}

impl App {
    pub fn new(db: Db, config: AppConfig) -> Self {
        let mailer = messaging::email::Mailer::new(&config.messaging.email);
        Self {
            inner: Arc::new(Inner {
                mailer,
                sms: Default::default(),
                db,
                config,
                tokens: Default::default(),
                bookings: Default::default(),
                diary: Default::default(),
                link_key: Default::default(),
            }),
        }
    }

    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    pub fn config(&self) -> &AppConfig {
        &self.inner.config
    }

    pub(crate) fn diary(&self) -> &scheduling::diary::Diary {
        &self.inner.diary
    }

    /// Send text messages through this provider from now on.
    pub fn set_sms_sender(&self, sender: Arc<dyn messaging::sms::SmsSender>) {
        *self.inner.sms.write().unwrap_or_else(|e| e.into_inner()) = Some(sender);
    }

    /// As [`App::set_sms_sender`], for building an `App` in one expression.
    pub fn with_sms(self, sender: Arc<dyn messaging::sms::SmsSender>) -> Self {
        self.set_sms_sender(sender);
        self
    }

    /// The SMS provider, if one is set.
    pub fn sms_sender(&self) -> Option<Arc<dyn messaging::sms::SmsSender>> {
        self.inner.sms.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn mailer(&self) -> &messaging::email::Mailer {
        &self.inner.mailer
    }

    /// Whether email can be sent (an SMTP server, or the demo's catcher).
    pub fn email_available(&self) -> bool {
        self.inner.mailer.is_available()
    }

    /// The mail the demo's catcher kept (no SMTP server set up), newest first; empty otherwise.
    pub fn caught_mail(&self) -> Vec<messaging::email::CaughtMail> {
        self.inner.mailer.caught()
    }
}
