//! Inbound referrals (with how each one ended), the organisation's referral target days, and the reads
//! the waiting-list pages and the offers report need: an entry's offers, offer chains, the holds behind
//! them.

use super::AppointmentRow;
use super::waiting::{OfferRow, WaitingRow};
use crate::{Conn, Result, Ts, Tx, on_conn, on_tx};
use uuid::Uuid;

/// An inbound referral: another professional asks for the patient to be seen.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReferralRow {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub source_organisation: String,
    pub referrer: String,
    /// `urgent_suspected_cancer`, `urgent` or `routine`.
    pub priority: String,
    pub received_on: String,
    pub target_date: String,
    pub reason: String,
    pub service_id: Option<Uuid>,
    /// `open`, `waiting`, `booked` or `closed`.
    pub status: String,
    pub appointment_id: Option<Uuid>,
    pub created_at: Ts,
}

/// How a closed referral ended.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReferralClosure {
    /// `seen`, `declined`, `not_needed` or `other`.
    pub outcome: Option<String>,
    pub outcome_note: Option<String>,
    pub closed_at: Option<Ts>,
    pub closed_by: Option<Uuid>,
}

/// An organisation's referral target days (see `domain::scheduling::waiting::ReferralTargets`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TargetsRow {
    pub organisation_id: Uuid,
    pub urgent_suspected_cancer_days: i32,
    pub urgent_days: i32,
    pub routine_days: i32,
    pub warn_days: i32,
    pub updated_at: Ts,
    pub updated_by: Option<Uuid>,
}

const REFERRAL_COLUMNS: &str = "id, patient_id, source_organisation, referrer, priority, received_on, target_date, \
    reason, service_id, status, appointment_id, created_at";
// The same columns as store::scheduling::waiting reads (kept in step with its table).
const WAITING_COLUMNS: &str = "id, patient_id, service_id, priority, preferred_days, preferred_times, \
    preferred_practitioner_id, only_preferred_practitioner, added_on, target_date, source, referral_id, status, \
    appointment_id, created_at";
const OFFER_COLUMNS: &str = "id, waiting_id, appointment_id, offered_at, expires_at, outcome, decided_at, \
    slot_freed_at, chain_position, token_hash";
const APPOINTMENT_COLUMNS: &str = "id, patient_id, practitioner_id, service_id, site_id, room_id, starts_at, ends_at, \
    mode, status, active, hold_expires_at, channel, booked_by, overbooked, overbook_reason, interpreter_language, \
    longer, cancelled_by, cancel_reason, arrived_at, called_at, finished_at, sequence, rescheduled_from, version, \
    created_at, updated_at";

/// The same connection again, for a loop of reads.
fn reborrow<'b>(c: &'b mut Conn<'_>) -> Conn<'b> {
    match c {
        Conn::Db(db) => Conn::Db(db),
        Conn::Tx(tx) => Conn::Tx(tx),
    }
}

/// `$from, $from+1, …` for `n` values.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

pub async fn insert_referral(tx: &mut Tx, r: &ReferralRow) -> Result<()> {
    let sql =
        sqlx::AssertSqlSafe(format!("INSERT INTO referrals ({REFERRAL_COLUMNS}) VALUES ({})", placeholders(1, 12)));
    on_tx!(tx, c => sqlx::query(sql)
        .bind(r.id).bind(r.patient_id).bind(&r.source_organisation).bind(&r.referrer).bind(&r.priority)
        .bind(&r.received_on).bind(&r.target_date).bind(&r.reason).bind(r.service_id).bind(&r.status)
        .bind(r.appointment_id).bind(r.created_at).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// All referrals, soonest target first.
pub async fn referrals(conn: impl Into<Conn<'_>>) -> Result<Vec<ReferralRow>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {REFERRAL_COLUMNS} FROM referrals ORDER BY target_date, id"));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).fetch_all(c).await)?)
}

/// Referrals not yet closed (open, on the waiting list, or booked), soonest target first.
pub async fn unclosed_referrals(conn: impl Into<Conn<'_>>) -> Result<Vec<ReferralRow>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {REFERRAL_COLUMNS} FROM referrals WHERE status IN ('open', 'waiting', 'booked') ORDER BY target_date, id"
    ));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).fetch_all(c).await)?)
}

pub async fn referral(conn: impl Into<Conn<'_>>, id: Uuid) -> Result<Option<ReferralRow>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {REFERRAL_COLUMNS} FROM referrals WHERE id = $1"));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
}

pub async fn closure(conn: impl Into<Conn<'_>>, id: Uuid) -> Result<Option<ReferralClosure>> {
    Ok(on_conn!(conn.into(), c => sqlx::query_as(
        "SELECT outcome, outcome_note, closed_at, closed_by FROM referrals WHERE id = $1")
        .bind(id).fetch_optional(c).await)?)
}

/// How each closed referral ended.
pub async fn closures(conn: impl Into<Conn<'_>>) -> Result<Vec<(Uuid, ReferralClosure)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: Uuid,
        #[sqlx(flatten)]
        closure: ReferralClosure,
    }
    let rows: Vec<Row> = on_conn!(conn.into(), c => sqlx::query_as(
        "SELECT id, outcome, outcome_note, closed_at, closed_by FROM referrals WHERE status = 'closed'")
        .fetch_all(c).await)?;
    Ok(rows.into_iter().map(|r| (r.id, r.closure)).collect())
}

/// Link a referral to its appointment (status `booked`) if it is still in `from_status` with the
/// appointment `from_appointment`; false if someone changed it meanwhile.
pub async fn set_booked(
    tx: &mut Tx,
    id: Uuid,
    from_status: &str,
    from_appointment: Option<Uuid>,
    appointment: Uuid,
) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE referrals SET status = 'booked', appointment_id = $4 WHERE id = $1 AND status = $2 \
         AND (appointment_id = $3 OR (appointment_id IS NULL AND $3 IS NULL))")
        .bind(id).bind(from_status).bind(from_appointment).bind(appointment)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Close a referral still in `from_status`, saying how it ended; false if it was not in that status.
pub async fn close(
    tx: &mut Tx,
    id: Uuid,
    from_status: &str,
    outcome: &str,
    note: Option<&str>,
    at: Ts,
    by: Option<Uuid>,
) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE referrals SET status = 'closed', outcome = $3, outcome_note = $4, closed_at = $5, closed_by = $6 \
         WHERE id = $1 AND status = $2")
        .bind(id).bind(from_status).bind(outcome).bind(note).bind(at).bind(by)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Waiting-list entries made from referrals (newest first per referral).
pub async fn waiting_from_referrals(conn: impl Into<Conn<'_>>) -> Result<Vec<WaitingRow>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {WAITING_COLUMNS} FROM waiting_list WHERE referral_id IS NOT NULL ORDER BY created_at DESC"
    ));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).fetch_all(c).await)?)
}

/// The waiting-list entries made from one referral, newest first.
pub async fn waiting_for_referral(conn: impl Into<Conn<'_>>, referral: Uuid) -> Result<Vec<WaitingRow>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {WAITING_COLUMNS} FROM waiting_list WHERE referral_id = $1 ORDER BY created_at DESC"
    ));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(referral).fetch_all(c).await)?)
}

/// The organisation's referral targets, if it has set its own.
pub async fn targets(conn: impl Into<Conn<'_>>, organisation: Uuid) -> Result<Option<TargetsRow>> {
    Ok(on_conn!(conn.into(), c => sqlx::query_as(
        "SELECT organisation_id, urgent_suspected_cancer_days, urgent_days, routine_days, warn_days, updated_at, \
         updated_by FROM referral_targets WHERE organisation_id = $1")
        .bind(organisation).fetch_optional(c).await)?)
}

pub async fn set_targets(tx: &mut Tx, t: &TargetsRow) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO referral_targets (organisation_id, urgent_suspected_cancer_days, urgent_days, routine_days, \
         warn_days, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (organisation_id) DO UPDATE SET urgent_suspected_cancer_days = $2, urgent_days = $3, \
         routine_days = $4, warn_days = $5, updated_at = $6, updated_by = $7")
        .bind(t.organisation_id).bind(t.urgent_suspected_cancer_days).bind(t.urgent_days).bind(t.routine_days)
        .bind(t.warn_days).bind(t.updated_at).bind(t.updated_by).execute(c).await.map(|_| ()))?;
    Ok(())
}

// ------------------------------------------------------------------------------------- offer chains

/// The offers made to these waiting-list entries, oldest first.
pub async fn offers_to(conn: impl Into<Conn<'_>>, waiting: &[Uuid]) -> Result<Vec<OfferRow>> {
    let mut conn = conn.into();
    let mut out = Vec::new();
    for chunk in waiting.chunks(500) {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {OFFER_COLUMNS} FROM offers WHERE waiting_id IN ({}) ORDER BY offered_at, chain_position",
            placeholders(1, chunk.len())
        ));
        let rows: Vec<OfferRow> = on_conn!(reborrow(&mut conn), c => {
            let mut q = sqlx::query_as(sql);
            for w in chunk { q = q.bind(*w); }
            q.fetch_all(c).await
        })?;
        out.extend(rows);
    }
    out.sort_by_key(|o| (o.offered_at, o.chain_position));
    Ok(out)
}

/// Every offer of the slots first freed at these instants (whole chains), in chain order.
pub async fn chains(conn: impl Into<Conn<'_>>, freed_at: &[Ts]) -> Result<Vec<OfferRow>> {
    let mut conn = conn.into();
    let mut out = Vec::new();
    for chunk in freed_at.chunks(500) {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {OFFER_COLUMNS} FROM offers WHERE slot_freed_at IN ({}) ORDER BY slot_freed_at, chain_position",
            placeholders(1, chunk.len())
        ));
        let rows: Vec<OfferRow> = on_conn!(reborrow(&mut conn), c => {
            let mut q = sqlx::query_as(sql);
            for t in chunk { q = q.bind(*t); }
            q.fetch_all(c).await
        })?;
        out.extend(rows);
    }
    out.sort_by_key(|o| (o.slot_freed_at, o.chain_position, o.offered_at));
    out.dedup_by_key(|o| o.id);
    Ok(out)
}

/// Every offer of the slots first freed in `[from, to)`, in chain order (the offers report).
pub async fn chains_freed_between(conn: impl Into<Conn<'_>>, from: Ts, to: Ts) -> Result<Vec<OfferRow>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {OFFER_COLUMNS} FROM offers WHERE slot_freed_at >= $1 AND slot_freed_at < $2 \
         ORDER BY slot_freed_at, chain_position, offered_at"
    ));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(from).bind(to).fetch_all(c).await)?)
}

/// Waiting-list entries by id.
pub async fn waiting_by_ids(conn: impl Into<Conn<'_>>, ids: &[Uuid]) -> Result<Vec<WaitingRow>> {
    let mut conn = conn.into();
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {WAITING_COLUMNS} FROM waiting_list WHERE id IN ({})",
            placeholders(1, chunk.len())
        ));
        let rows: Vec<WaitingRow> = on_conn!(reborrow(&mut conn), c => {
            let mut q = sqlx::query_as(sql);
            for w in chunk { q = q.bind(*w); }
            q.fetch_all(c).await
        })?;
        out.extend(rows);
    }
    Ok(out)
}

/// Appointments (and holds) by id.
pub async fn appointments_by_ids(conn: impl Into<Conn<'_>>, ids: &[Uuid]) -> Result<Vec<AppointmentRow>> {
    let mut conn = conn.into();
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE id IN ({})",
            placeholders(1, chunk.len())
        ));
        let rows: Vec<AppointmentRow> = on_conn!(reborrow(&mut conn), c => {
            let mut q = sqlx::query_as(sql);
            for a in chunk { q = q.bind(*a); }
            q.fetch_all(c).await
        })?;
        out.extend(rows);
    }
    Ok(out)
}
