//! API tokens. Only the SHA-256 of a token is stored: a token is high-entropy, so a fast hash is enough and
//! checking one is an indexed lookup rather than an Argon2 run.

use crate::{Conn, Db, Result, Ts, Tx, on_conn, on_db, on_tx};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub created_at: Ts,
    pub expires_at: Option<Ts>,
    pub revoked_at: Option<Ts>,
    pub last_used_at: Option<Ts>,
}

/// A token found by its hash, with what is needed to authorise the request it came with.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenOwner {
    pub token_id: Uuid,
    pub user_id: Uuid,
    pub username: String,
    pub role: String,
    pub disabled: bool,
    pub expires_at: Option<Ts>,
    pub revoked_at: Option<Ts>,
    pub last_used_at: Option<Ts>,
}

pub async fn insert(tx: &mut Tx, t: &TokenRow, token_hash: &str) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(t.id).bind(t.user_id).bind(&t.name).bind(token_hash).bind(t.created_at).bind(t.expires_at)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn by_hash(db: &Db, token_hash: &str) -> Result<Option<TokenOwner>> {
    Ok(on_db!(db, p => sqlx::query_as(
        "SELECT t.id AS token_id, u.id AS user_id, u.username, u.role, u.disabled, t.expires_at, t.revoked_at, \
         t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1")
        .bind(token_hash).fetch_optional(p).await)?)
}

pub async fn by_id(conn: impl Into<Conn<'_>>, id: Uuid) -> Result<Option<TokenRow>> {
    Ok(on_conn!(conn.into(), c => sqlx::query_as(
        "SELECT id, user_id, name, created_at, expires_at, revoked_at, last_used_at FROM api_tokens WHERE id = $1")
        .bind(id).fetch_optional(c).await)?)
}

pub async fn list(conn: impl Into<Conn<'_>>) -> Result<Vec<TokenRow>> {
    Ok(on_conn!(conn.into(), c => sqlx::query_as(
        "SELECT id, user_id, name, created_at, expires_at, revoked_at, last_used_at FROM api_tokens ORDER BY created_at DESC")
        .fetch_all(c).await)?)
}

/// Revoke a token; false when it was unknown or already revoked.
pub async fn revoke(tx: &mut Tx, id: Uuid, at: Ts) -> Result<bool> {
    let done = on_tx!(tx, c => sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
        .bind(id).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// Record use. Callers write this lazily (at most once a minute per token), not on every request.
pub async fn touch(db: &Db, id: Uuid, at: Ts) -> Result<()> {
    on_db!(db, p => sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1").bind(id).bind(at).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(())
}
