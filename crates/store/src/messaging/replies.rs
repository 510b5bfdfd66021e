//! Text messages patients send back (see `app::messaging::replies`).

use crate::{Conn, Result, Ts, Tx, on_conn, on_tx};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReplyRow {
    pub id: Uuid,
    pub provider: String,
    pub provider_id: String,
    pub from_number: String,
    pub body: String,
    pub received_at: Ts,
    pub patient_id: Option<Uuid>,
    pub appointment_id: Option<Uuid>,
    pub action: String,
    pub outcome: String,
}

const COLUMNS: &str =
    "id, provider, provider_id, from_number, body, received_at, patient_id, appointment_id, action, outcome";

/// Keep a reply. `false` when the provider's id is known already (a replayed callback).
pub async fn insert(tx: &mut Tx, r: &ReplyRow) -> Result<bool> {
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO sms_replies ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (provider, provider_id) DO NOTHING"
    ));
    let n = on_tx!(tx, c => sqlx::query(sql)
        .bind(r.id).bind(&r.provider).bind(&r.provider_id).bind(&r.from_number).bind(&r.body).bind(r.received_at)
        .bind(r.patient_id).bind(r.appointment_id).bind(&r.action).bind(&r.outcome)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A reply already received, by the provider's id.
pub async fn by_provider_id(conn: impl Into<Conn<'_>>, provider: &str, provider_id: &str) -> Result<Option<ReplyRow>> {
    let sql =
        sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM sms_replies WHERE provider = $1 AND provider_id = $2"));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(provider).bind(provider_id).fetch_optional(c).await)?)
}

/// The newest replies first.
pub async fn recent(conn: impl Into<Conn<'_>>, limit: i64) -> Result<Vec<ReplyRow>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM sms_replies ORDER BY received_at DESC LIMIT $1"));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(limit).fetch_all(c).await)?)
}

/// Live records (not merged away, not deceased) with this mobile number.
pub async fn patients_with_mobile(conn: impl Into<Conn<'_>>, e164: &str) -> Result<Vec<Uuid>> {
    Ok(on_conn!(conn.into(), c => sqlx::query_scalar(
        "SELECT DISTINCT ph.patient_id FROM patient_phones ph JOIN patients p ON p.id = ph.patient_id \
         WHERE ph.e164 = $1 AND ph.kind = 'mobile' AND p.merged_into IS NULL AND p.date_of_death IS NULL \
         ORDER BY ph.patient_id")
        .bind(e164).fetch_all(c).await)?)
}
