//! The waiting list, the offers made from it, and inbound referrals.

use crate::{Conn, Result, Ts, Tx, on_conn, on_tx};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WaitingRow {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub service_id: Uuid,
    /// `urgent`, `soon` or `routine`.
    pub priority: String,
    /// Comma-separated ISO weekday numbers; empty means any day.
    pub preferred_days: String,
    /// Comma-separated `HH:MM-HH:MM` local windows; empty means any time.
    pub preferred_times: String,
    pub preferred_practitioner_id: Option<Uuid>,
    pub only_preferred_practitioner: bool,
    pub added_on: String,
    pub target_date: Option<String>,
    /// `referral`, `request` or `clinician`.
    pub source: String,
    pub referral_id: Option<Uuid>,
    /// `waiting`, `offered`, `booked` or `removed`.
    pub status: String,
    pub appointment_id: Option<Uuid>,
    pub created_at: Ts,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OfferRow {
    pub id: Uuid,
    pub waiting_id: Uuid,
    /// The hold (a pending appointment) keeping the slot for this patient.
    pub appointment_id: Uuid,
    pub offered_at: Ts,
    pub expires_at: Ts,
    /// `open`, `accepted`, `declined`, `expired` or `withdrawn`.
    pub outcome: String,
    pub decided_at: Option<Ts>,
    pub slot_freed_at: Ts,
    pub chain_position: i32,
    pub token_hash: Option<String>,
}

const WAITING_COLUMNS: &str = "id, patient_id, service_id, priority, preferred_days, preferred_times, \
    preferred_practitioner_id, only_preferred_practitioner, added_on, target_date, source, referral_id, status, \
    appointment_id, created_at";
const OFFER_COLUMNS: &str = "id, waiting_id, appointment_id, offered_at, expires_at, outcome, decided_at, \
    slot_freed_at, chain_position, token_hash";

pub async fn insert_waiting(tx: &mut Tx, w: &WaitingRow) -> Result<()> {
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO waiting_list ({WAITING_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
    ));
    on_tx!(tx, c => sqlx::query(sql).bind(w.id).bind(w.patient_id).bind(w.service_id).bind(&w.priority)
        .bind(&w.preferred_days).bind(&w.preferred_times).bind(w.preferred_practitioner_id)
        .bind(w.only_preferred_practitioner).bind(&w.added_on).bind(&w.target_date).bind(&w.source)
        .bind(w.referral_id).bind(&w.status).bind(w.appointment_id).bind(w.created_at)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Entries with this status (all when `None`), optionally for one service, oldest first.
pub async fn waiting_entries(
    conn: impl Into<Conn<'_>>,
    service: Option<Uuid>,
    status: Option<&str>,
) -> Result<Vec<WaitingRow>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {WAITING_COLUMNS} FROM waiting_list WHERE ($1 IS NULL OR service_id = $1) \
         AND ($2 IS NULL OR status = $2) ORDER BY added_on, created_at"
    ));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(service).bind(status).fetch_all(c).await)?)
}

pub async fn waiting_entry(conn: impl Into<Conn<'_>>, id: Uuid) -> Result<Option<WaitingRow>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {WAITING_COLUMNS} FROM waiting_list WHERE id = $1"));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
}

/// Move an entry on, if it is still in `from`; false if it was not.
pub async fn set_waiting_status(
    tx: &mut Tx,
    id: Uuid,
    from: &str,
    to: &str,
    appointment: Option<Uuid>,
) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE waiting_list SET status = $3, appointment_id = $4 WHERE id = $1 AND status = $2")
        .bind(id).bind(from).bind(to).bind(appointment).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn insert_offer(tx: &mut Tx, o: &OfferRow) -> Result<()> {
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO offers ({OFFER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    ));
    on_tx!(tx, c => sqlx::query(sql).bind(o.id).bind(o.waiting_id).bind(o.appointment_id).bind(o.offered_at)
        .bind(o.expires_at).bind(&o.outcome).bind(o.decided_at).bind(o.slot_freed_at).bind(o.chain_position)
        .bind(&o.token_hash).execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn offer_by_token(conn: impl Into<Conn<'_>>, hash: &str) -> Result<Option<OfferRow>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {OFFER_COLUMNS} FROM offers WHERE token_hash = $1"));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(hash).fetch_optional(c).await)?)
}

/// Open offers whose time is up.
pub async fn offers_due(conn: impl Into<Conn<'_>>, now: Ts) -> Result<Vec<OfferRow>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {OFFER_COLUMNS} FROM offers WHERE outcome = 'open' AND expires_at <= $1 ORDER BY expires_at"
    ));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(now).fetch_all(c).await)?)
}

/// All offers, newest first (the offer chain and the fill-rate report).
pub async fn offers(conn: impl Into<Conn<'_>>) -> Result<Vec<OfferRow>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {OFFER_COLUMNS} FROM offers ORDER BY offered_at DESC"));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).fetch_all(c).await)?)
}

/// Who has already been offered the slot freed at this instant (one offer chain).
pub async fn offered_in_chain(conn: impl Into<Conn<'_>>, slot_freed_at: Ts) -> Result<Vec<Uuid>> {
    Ok(on_conn!(conn.into(), c => sqlx::query_scalar("SELECT waiting_id FROM offers WHERE slot_freed_at = $1")
        .bind(slot_freed_at).fetch_all(c).await)?)
}

/// Close an open offer; false if it was already closed.
pub async fn close_offer(tx: &mut Tx, id: Uuid, outcome: &str, at: Ts) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE offers SET outcome = $2, decided_at = $3 WHERE id = $1 AND outcome = 'open'")
        .bind(id).bind(outcome).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}
