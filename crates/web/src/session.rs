//! Staff sessions: tower-sessions with our own store on [`store::Db`], so sessions are shared by every
//! node and can all be ended for one user. The cookie holds only a random id.

use app::App;
use async_trait::async_trait;
use std::collections::HashMap;
use store::governance::sessions::{self, SessionRow};
use store::{Db, Ts};
use tower_sessions::cookie::SameSite;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions::{Expiry, SessionManagerLayer};

pub const COOKIE: &str = "carefront_session";

/// Keys in the session data.
pub mod keys {
    pub const USER_ID: &str = "user_id";
    /// Unix milliseconds.
    pub const SIGNED_IN_AT: &str = "signed_in_at_ms";
    /// Unix milliseconds.
    pub const LAST_SEEN: &str = "last_seen_ms";
    pub const CSRF: &str = "csrf";
    pub const PENDING_TOTP_USER: &str = "pending_totp_user";
    pub const MUST_ENROL: &str = "must_enrol_totp";
    pub const TOTP_OFFER: &str = "totp_offer";
    pub const FLASH: &str = "flash";
}

#[derive(Debug, Clone)]
pub struct DbSessionStore {
    db: Db,
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn to_ts(t: time::OffsetDateTime) -> Ts {
    let us = (t.unix_timestamp_nanos() / 1000) as i64;
    Ts(jiff::Timestamp::from_microsecond(us).unwrap_or(jiff::Timestamp::MAX))
}

fn from_ts(t: Ts) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(t.0.as_microsecond()) * 1000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

fn row(record: &Record) -> session_store::Result<SessionRow> {
    let user_id = record.data.get(keys::USER_ID).and_then(|v| v.as_str()).and_then(|s| s.parse().ok());
    Ok(SessionRow {
        id: record.id.to_string(),
        user_id,
        data: serde_json::to_string(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))?,
        expires_at: to_ts(record.expiry_date),
    })
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A clash of 128-bit random ids is vanishingly unlikely, but never reuse one.
        while !sessions::create(&self.db, &row(record)?).await.map_err(backend)? {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        sessions::save(&self.db, &row(record)?).await.map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = Ts(domain::time::now());
        let Some(r) = sessions::load(&self.db, &id.to_string(), now).await.map_err(backend)? else { return Ok(None) };
        let data: HashMap<String, serde_json::Value> =
            serde_json::from_str(&r.data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record { id: *id, data, expiry_date: from_ts(r.expires_at) }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sessions::delete(&self.db, &id.to_string()).await.map_err(backend)
    }
}

pub fn layer(app: App, config: &crate::WebConfig) -> SessionManagerLayer<DbSessionStore> {
    let idle = time::Duration::try_from(app.config().session_idle).unwrap_or(time::Duration::minutes(30));
    SessionManagerLayer::new(DbSessionStore::new(app.db().clone()))
        .with_name(COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies())
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle))
}
