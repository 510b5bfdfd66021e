//! Staff user accounts, their failed sign-ins and second factors.

use crate::{Conn, Result, Ts, Tx, on_conn, on_tx};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: Uuid,
    pub organisation_id: Option<Uuid>,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub password_hash: String,
    pub totp_secret: Option<String>,
    pub totp_last_step: Option<i64>,
    pub locked_until: Option<Ts>,
    pub disabled: bool,
    pub created_at: Ts,
    pub password_changed_at: Ts,
}

const COLUMNS: &str = "id, organisation_id, username, display_name, role, password_hash, totp_secret, \
                       totp_last_step, locked_until, disabled, created_at, password_changed_at";

pub async fn insert(tx: &mut Tx, u: &UserRow) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO users (id, organisation_id, username, display_name, role, password_hash, totp_secret, \
         totp_last_step, locked_until, disabled, created_at, password_changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
        .bind(u.id).bind(u.organisation_id).bind(&u.username).bind(&u.display_name).bind(&u.role)
        .bind(&u.password_hash).bind(&u.totp_secret).bind(u.totp_last_step).bind(u.locked_until)
        .bind(u.disabled).bind(u.created_at).bind(u.password_changed_at)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn by_username(conn: impl Into<Conn<'_>>, username: &str) -> Result<Option<UserRow>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM users WHERE username = $1"));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(username).fetch_optional(c).await)?)
}

pub async fn by_id(conn: impl Into<Conn<'_>>, id: Uuid) -> Result<Option<UserRow>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM users WHERE id = $1"));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
}

pub async fn list(conn: impl Into<Conn<'_>>) -> Result<Vec<UserRow>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM users ORDER BY role, username"));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).fetch_all(c).await)?)
}

pub async fn count(conn: impl Into<Conn<'_>>) -> Result<i64> {
    Ok(on_conn!(conn.into(), c => sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(c).await)?)
}

pub async fn set_password(tx: &mut Tx, id: Uuid, hash: &str, at: Ts) -> Result<()> {
    on_tx!(tx, c => sqlx::query("UPDATE users SET password_hash = $2, password_changed_at = $3 WHERE id = $1")
        .bind(id).bind(hash).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Enrol (or remove, with `None`) a TOTP secret. The replay guard starts again with a new secret.
pub async fn set_totp_secret(tx: &mut Tx, id: Uuid, secret: Option<&str>) -> Result<()> {
    on_tx!(tx, c => sqlx::query("UPDATE users SET totp_secret = $2, totp_last_step = NULL WHERE id = $1")
        .bind(id).bind(secret).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Move the replay guard forward to `step`. Returns false when a step this late or later was already
/// used: the check and the update are one statement, so two nodes cannot both accept the same code.
pub async fn advance_totp_step(tx: &mut Tx, id: Uuid, step: i64) -> Result<bool> {
    let done = on_tx!(tx, c => sqlx::query(
        "UPDATE users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)")
        .bind(id).bind(step).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

pub async fn record_login_failure(tx: &mut Tx, user_id: Uuid, at: Ts) -> Result<()> {
    on_tx!(tx, c => sqlx::query("INSERT INTO login_failures (id, user_id, at) VALUES ($1, $2, $3)")
        .bind(domain::new_id()).bind(user_id).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn login_failures_since(tx: &mut Tx, user_id: Uuid, since: Ts) -> Result<i64> {
    Ok(on_tx!(tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE user_id = $1 AND at >= $2")
        .bind(user_id).bind(since).fetch_one(c).await)?)
}

pub async fn clear_login_failures(tx: &mut Tx, user_id: Uuid) -> Result<()> {
    on_tx!(tx, c => sqlx::query("DELETE FROM login_failures WHERE user_id = $1").bind(user_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn set_locked_until(tx: &mut Tx, user_id: Uuid, until: Option<Ts>) -> Result<()> {
    on_tx!(tx, c => sqlx::query("UPDATE users SET locked_until = $2 WHERE id = $1")
        .bind(user_id).bind(until).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}
