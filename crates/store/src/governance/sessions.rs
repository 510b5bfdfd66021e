//! Staff sessions, stored in the database so that every Carefront node sees them and "sign out
//! everywhere" can remove them all. The `user_id` column is copied out of the session data so that one
//! user's sessions can be found.

use crate::{Db, Result, Ts, Tx, on_db, on_tx};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: String,
    pub user_id: Option<Uuid>,
    pub data: String,
    pub expires_at: Ts,
}

/// Insert a new session; false if the id is already taken (the caller picks another).
pub async fn create(db: &Db, s: &SessionRow) -> Result<bool> {
    let done = on_db!(db, p => sqlx::query(
        "INSERT INTO sessions (id, user_id, data, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING")
        .bind(&s.id).bind(s.user_id).bind(&s.data).bind(s.expires_at).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

pub async fn save(db: &Db, s: &SessionRow) -> Result<()> {
    on_db!(db, p => sqlx::query(
        "INSERT INTO sessions (id, user_id, data, expires_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, data = excluded.data, expires_at = excluded.expires_at")
        .bind(&s.id).bind(s.user_id).bind(&s.data).bind(s.expires_at).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// A session that has not expired at `now`.
pub async fn load(db: &Db, id: &str, now: Ts) -> Result<Option<SessionRow>> {
    Ok(on_db!(db, p => sqlx::query_as(
        "SELECT id, user_id, data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2")
        .bind(id).bind(now).fetch_optional(p).await)?)
}

pub async fn delete(db: &Db, id: &str) -> Result<()> {
    on_db!(db, p => sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Remove every session of one user (sign out everywhere, password change, account disabled).
pub async fn delete_for_user(tx: &mut Tx, user_id: Uuid) -> Result<u64> {
    let done = on_tx!(tx, c => sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(done)
}

pub async fn delete_expired(db: &Db, now: Ts) -> Result<u64> {
    let done = on_db!(db, p => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(done)
}
