//! The outbox as the sending worker sees it: claims with leases, results, retries, dead letters; and the
//! messages each job sent (the patient's communications history, and the letters waiting to be printed).
//!
//! A claim is one statement that moves due jobs to `sending` with a lease (`locked_by`, `locked_until`) and
//! counts the attempt. PostgreSQL picks them with `FOR UPDATE SKIP LOCKED`, so workers on several nodes
//! take different jobs without waiting on each other; SQLite has one writer, so the claim's
//! `BEGIN IMMEDIATE` transaction alone keeps two workers from taking one job. A job whose lease ran out
//! (its worker died or stalled) is claimed again like a due one. Every result is written only while the
//! lease is still the writer's ([`Lease`]): a worker that lost its job to another cannot overwrite what
//! the other recorded.

use crate::{Backend, Conn, Db, Result, Ts, Tx, on_conn, on_db, on_tx};
use uuid::Uuid;

/// Outbox states.
pub mod state {
    pub const QUEUED: &str = "queued";
    pub const SENDING: &str = "sending";
    pub const SENT: &str = "sent";
    pub const FAILED: &str = "failed";
    pub const DEAD: &str = "dead";
    pub const CANCELLED: &str = "cancelled";
    pub const NEEDS_STAFF: &str = "needs_staff";
    pub const TO_PRINT: &str = "to_print";
    pub const ALL: [&str; 8] = [QUEUED, SENDING, SENT, FAILED, DEAD, CANCELLED, NEEDS_STAFF, TO_PRINT];
}

/// One outbox job with the worker's columns.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct JobRow {
    pub id: Uuid,
    pub kind: String,
    pub dedupe_key: String,
    pub patient_id: Option<Uuid>,
    pub appointment_id: Option<Uuid>,
    pub payload: String,
    pub due_at: Ts,
    pub state: String,
    pub attempts: i32,
    pub created_at: Ts,
    pub locked_by: Option<String>,
    pub locked_until: Option<Ts>,
    pub last_error: Option<String>,
    pub channel: Option<String>,
    pub language: Option<String>,
    pub variant: Option<String>,
    pub fell_back: bool,
    pub provider_id: Option<String>,
    pub sent_at: Option<Ts>,
    pub updated_at: Option<Ts>,
}

const JOB_COLUMNS: &str = "id, kind, dedupe_key, patient_id, appointment_id, payload, due_at, state, attempts, \
    created_at, locked_by, locked_until, last_error, channel, language, variant, fell_back, provider_id, sent_at, \
    updated_at";

/// Who holds a claimed job: the worker and the attempt number its claim made. A result is recorded only
/// while both still match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub worker: String,
    pub attempt: i32,
}

impl JobRow {
    /// The lease this (claimed) row was returned with.
    pub fn lease(&self) -> Lease {
        Lease { worker: self.locked_by.clone().unwrap_or_default(), attempt: self.attempts }
    }
}

/// Claim up to `limit` jobs due at `now` (queued and due, or `sending` with an expired lease) for
/// `worker` until `lease_until`, counting an attempt on each. Committed before it returns, so the caller
/// sends outside any transaction.
pub async fn claim(db: &Db, worker: &str, now: Ts, lease_until: Ts, limit: i64) -> Result<Vec<JobRow>> {
    match db.backend() {
        Backend::Postgres => {
            let sql = sqlx::AssertSqlSafe(format!(
                "UPDATE outbox SET state = 'sending', locked_by = $1, locked_until = $2, attempts = attempts + 1, \
                 updated_at = $3 WHERE id IN (SELECT id FROM outbox WHERE (state = 'queued' AND due_at <= $3) \
                 OR (state = 'sending' AND locked_until <= $3) ORDER BY due_at LIMIT $4 FOR UPDATE SKIP LOCKED) \
                 RETURNING {JOB_COLUMNS}"
            ));
            Ok(on_db!(db, p => sqlx::query_as(sql).bind(worker).bind(lease_until).bind(now).bind(limit)
                .fetch_all(p).await)?)
        }
        Backend::Sqlite => {
            // Two index range reads (due jobs, expired leases) rather than one OR over the table.
            let sql = sqlx::AssertSqlSafe(format!(
                "UPDATE outbox SET state = 'sending', locked_by = $1, locked_until = $2, attempts = attempts + 1, \
                 updated_at = $3 WHERE id IN (SELECT id FROM (SELECT id, due_at FROM outbox WHERE state = 'queued' \
                 AND due_at <= $3 UNION ALL SELECT id, due_at FROM outbox WHERE state = 'sending' AND locked_until <= $3) \
                 ORDER BY due_at LIMIT $4) RETURNING {JOB_COLUMNS}"
            ));
            let mut tx = db.begin().await?;
            let rows = on_tx!(&mut tx, c => sqlx::query_as(sql).bind(worker).bind(lease_until).bind(now).bind(limit)
                .fetch_all(c).await)?;
            tx.commit().await?;
            Ok(rows)
        }
    }
}

/// Keep a claimed job's lease for longer (a slow batch); false when the lease is no longer ours.
pub async fn extend_lease(db: &Db, id: Uuid, lease: &Lease, until: Ts) -> Result<bool> {
    let n = on_db!(db, p => sqlx::query(
        "UPDATE outbox SET locked_until = $4 WHERE id = $1 AND state = 'sending' AND locked_by = $2 AND attempts = $3")
        .bind(id).bind(&lease.worker).bind(lease.attempt).bind(until).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// How a claimed job ends this time round.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settle {
    /// The new state (`queued` for a retry or a deferral).
    pub state: String,
    /// When it is next due (retries and deferrals).
    pub due_at: Option<Ts>,
    /// A deferral is not a failed attempt: give back the one the claim counted.
    pub uncount_attempt: bool,
    pub last_error: Option<String>,
    pub channel: Option<String>,
    pub language: Option<String>,
    pub variant: Option<String>,
    pub fell_back: bool,
    pub provider_id: Option<String>,
    pub sent_at: Option<Ts>,
}

/// Record how a claimed job ended, if the lease is still ours (false: another worker took it over).
pub async fn settle(db: &Db, id: Uuid, lease: &Lease, s: &Settle, now: Ts) -> Result<bool> {
    let n = on_db!(db, p => sqlx::query(
        "UPDATE outbox SET state = $4, due_at = COALESCE($5, due_at), attempts = attempts - $6, last_error = $7, \
         channel = COALESCE($8, channel), language = COALESCE($9, language), variant = COALESCE($10, variant), \
         fell_back = $11, provider_id = COALESCE($12, provider_id), sent_at = COALESCE($13, sent_at), \
         locked_by = NULL, locked_until = NULL, updated_at = $14 \
         WHERE id = $1 AND state = 'sending' AND locked_by = $2 AND attempts = $3")
        .bind(id).bind(&lease.worker).bind(lease.attempt).bind(&s.state).bind(s.due_at)
        .bind(i32::from(s.uncount_attempt)).bind(&s.last_error).bind(&s.channel).bind(&s.language).bind(&s.variant)
        .bind(s.fell_back).bind(&s.provider_id).bind(s.sent_at).bind(now)
        .execute(p).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn job(conn: impl Into<Conn<'_>>, id: Uuid) -> Result<Option<JobRow>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {JOB_COLUMNS} FROM outbox WHERE id = $1"));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
}

pub async fn job_by_key(conn: impl Into<Conn<'_>>, dedupe_key: &str) -> Result<Option<JobRow>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {JOB_COLUMNS} FROM outbox WHERE dedupe_key = $1"));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(dedupe_key).fetch_optional(c).await)?)
}

/// Jobs in one state (or all), the most recently due first, at most `limit`.
pub async fn jobs(conn: impl Into<Conn<'_>>, state: Option<&str>, limit: i64) -> Result<Vec<JobRow>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {JOB_COLUMNS} FROM outbox WHERE ($1 IS NULL OR state = $1) ORDER BY due_at DESC, id LIMIT $2"
    ));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(state).bind(limit).fetch_all(c).await)?)
}

/// How many jobs are in each state, and the oldest due instant among queued jobs already due.
pub async fn depth(db: &Db, now: Ts) -> Result<(Vec<(String, i64)>, Option<Ts>)> {
    let counts: Vec<(String, i64)> = on_db!(db, c => sqlx::query_as(
        "SELECT state, COUNT(*) FROM outbox GROUP BY state ORDER BY state").fetch_all(c).await)?;
    let oldest: Option<Ts> = on_db!(db, c => sqlx::query_scalar(
        "SELECT MIN(due_at) FROM outbox WHERE state = 'queued' AND due_at <= $1").bind(now).fetch_one(c).await)?;
    Ok((counts, oldest))
}

/// Put a job that gave up (dead), or was left for staff, back in the queue, due now, with its attempts
/// reset. False when it is in neither state.
pub async fn requeue(tx: &mut Tx, id: Uuid, now: Ts) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE outbox SET state = 'queued', due_at = $2, attempts = 0, locked_by = NULL, locked_until = NULL, \
         updated_at = $2 WHERE id = $1 AND state IN ('dead', 'failed', 'needs_staff')")
        .bind(id).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    if n == 1 {
        // Staff asked for another go: channels that refused before are tried again (the refusal stays
        // on the message row, no longer marked permanent).
        on_tx!(tx, c => sqlx::query(
            "UPDATE messages SET status = 'failed', error = 'before a retry by staff: ' || COALESCE(error, ''), \
             updated_at = $2 WHERE outbox_id = $1 AND status IN ('failed', 'not_delivered')")
            .bind(id).bind(now).execute(c).await.map(|_| ()))?;
    }
    Ok(n == 1)
}

/// Close a job staff dealt with by hand (a Braille letter sent, the patient phoned). False when it is not
/// waiting for staff or dead.
pub async fn close_by_staff(tx: &mut Tx, id: Uuid, note: &str, now: Ts) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE outbox SET state = 'sent', last_error = $3, sent_at = $2, updated_at = $2 \
         WHERE id = $1 AND state IN ('needs_staff', 'dead', 'failed')")
        .bind(id).bind(now).bind(note).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

// ------------------------------------------------------------------------------------------- messages

/// Message statuses.
pub mod status {
    pub const SENDING: &str = "sending";
    pub const SENT: &str = "sent";
    pub const DELIVERED: &str = "delivered";
    pub const NOT_DELIVERED: &str = "not_delivered";
    pub const FAILED: &str = "failed";
    pub const TO_PRINT: &str = "to_print";
    pub const PRINTED: &str = "printed";
    /// The message reached (or is on its way to) the recipient: never send it again.
    pub fn is_done(s: &str) -> bool {
        matches!(s, SENT | DELIVERED | TO_PRINT | PRINTED)
    }
}

/// One message to one recipient on one channel.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MessageRow {
    pub id: Uuid,
    pub outbox_id: Uuid,
    pub patient_id: Option<Uuid>,
    pub appointment_id: Option<Uuid>,
    pub kind: String,
    /// `patient`, or `related:{id}`.
    pub recipient: String,
    pub recipient_name: String,
    pub channel: String,
    pub address: String,
    pub language: String,
    pub fell_back_to_english: bool,
    pub variant: String,
    pub subject: Option<String>,
    pub body_text: String,
    pub body_html: Option<String>,
    pub status: String,
    pub reference: String,
    pub provider: Option<String>,
    pub provider_id: Option<String>,
    pub error: Option<String>,
    pub print_batch: Option<String>,
    pub printed_at: Option<Ts>,
    pub created_at: Ts,
    pub sent_at: Option<Ts>,
    pub updated_at: Ts,
}

const MESSAGE_COLUMNS: &str = "id, outbox_id, patient_id, appointment_id, kind, recipient, recipient_name, channel, \
    address, language, fell_back_to_english, variant, subject, body_text, body_html, status, reference, provider, \
    provider_id, error, print_batch, printed_at, created_at, sent_at, updated_at";

/// The messages one job made so far (each recipient and channel tried).
pub async fn messages_of_job(conn: impl Into<Conn<'_>>, outbox_id: Uuid) -> Result<Vec<MessageRow>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE outbox_id = $1 ORDER BY created_at, id"
    ));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(outbox_id).fetch_all(c).await)?)
}

/// Write a message about to be sent (status `sending`), or the rendered letter (`to_print`). An earlier
/// row for the same job, recipient and channel (a failed or interrupted attempt) is replaced, keeping its
/// id; returns the row's id.
pub async fn upsert_message(db: &Db, m: &MessageRow) -> Result<Uuid> {
    let mut tx = db.begin().await?;
    let existing: Option<Uuid> = on_tx!(&mut tx, c => sqlx::query_scalar(
        "SELECT id FROM messages WHERE outbox_id = $1 AND recipient = $2 AND channel = $3")
        .bind(m.outbox_id).bind(&m.recipient).bind(&m.channel).fetch_optional(c).await)?;
    let id = match existing {
        Some(id) => {
            on_tx!(&mut tx, c => sqlx::query(
                "UPDATE messages SET address = $2, language = $3, fell_back_to_english = $4, variant = $5, subject = $6, \
                 body_text = $7, body_html = $8, status = $9, reference = $10, provider = $11, error = NULL, \
                 updated_at = $12, recipient_name = $13 WHERE id = $1")
                .bind(id).bind(&m.address).bind(&m.language).bind(m.fell_back_to_english).bind(&m.variant)
                .bind(&m.subject).bind(&m.body_text).bind(&m.body_html).bind(&m.status).bind(&m.reference)
                .bind(&m.provider).bind(m.updated_at).bind(&m.recipient_name)
                .execute(c).await.map(|_| ()))?;
            id
        }
        None => {
            let sql = sqlx::AssertSqlSafe(format!(
                "INSERT INTO messages ({MESSAGE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
                 $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)"
            ));
            on_tx!(&mut tx, c => sqlx::query(sql).bind(m.id).bind(m.outbox_id).bind(m.patient_id).bind(m.appointment_id)
                .bind(&m.kind).bind(&m.recipient).bind(&m.recipient_name).bind(&m.channel).bind(&m.address)
                .bind(&m.language).bind(m.fell_back_to_english).bind(&m.variant).bind(&m.subject).bind(&m.body_text)
                .bind(&m.body_html).bind(&m.status).bind(&m.reference).bind(&m.provider).bind(&m.provider_id)
                .bind(&m.error).bind(&m.print_batch).bind(m.printed_at).bind(m.created_at).bind(m.sent_at)
                .bind(m.updated_at).execute(c).await.map(|_| ()))?;
            m.id
        }
    };
    tx.commit().await?;
    Ok(id)
}

/// Record what the provider said about a message being sent.
pub async fn finish_message(
    db: &Db,
    id: Uuid,
    status: &str,
    provider_id: Option<&str>,
    error: Option<&str>,
    now: Ts,
) -> Result<()> {
    let sent_at = status::is_done(status).then_some(now);
    on_db!(db, p => sqlx::query(
        "UPDATE messages SET status = $2, provider_id = COALESCE($3, provider_id), error = $4, \
         sent_at = COALESCE($5, sent_at), updated_at = $6 WHERE id = $1")
        .bind(id).bind(status).bind(provider_id).bind(error).bind(sent_at).bind(now)
        .execute(p).await.map(|_| ()))?;
    Ok(())
}

/// A delivery receipt: the message with this provider id was delivered (or not). Returns the message when
/// one was found, so the caller can fall back to another channel after `not_delivered`. Idempotent.
pub async fn record_receipt(
    tx: &mut Tx,
    provider_id: &str,
    delivered: bool,
    detail: Option<&str>,
    now: Ts,
) -> Result<Option<MessageRow>> {
    let new = if delivered { status::DELIVERED } else { status::NOT_DELIVERED };
    on_tx!(tx, c => sqlx::query(
        "UPDATE messages SET status = $2, error = COALESCE($3, error), updated_at = $4 \
         WHERE provider_id = $1 AND status IN ('sending', 'sent', 'delivered', 'not_delivered')")
        .bind(provider_id).bind(new).bind(detail).bind(now).execute(c).await.map(|_| ()))?;
    let sql = sqlx::AssertSqlSafe(format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE provider_id = $1"));
    Ok(on_tx!(tx, c => sqlx::query_as(sql).bind(provider_id).fetch_optional(c).await)?)
}

/// A patient's messages (their own and copies sent to their carers), newest first.
pub async fn messages_of_patient(conn: impl Into<Conn<'_>>, patient: Uuid, limit: i64) -> Result<Vec<MessageRow>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE patient_id = $1 ORDER BY created_at DESC, id LIMIT $2"
    ));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(patient).bind(limit).fetch_all(c).await)?)
}

/// How many distinct jobs of these kinds reached the patient (any channel) in `[from, to)`, not
/// counting `except`: the daily limit on non-urgent messages.
pub async fn jobs_reaching_patient(
    conn: impl Into<Conn<'_>>,
    patient: Uuid,
    from: Ts,
    to: Ts,
    except: Uuid,
    kinds: &[&str],
) -> Result<i64> {
    if kinds.is_empty() {
        return Ok(0);
    }
    let list = (0..kinds.len()).map(|i| format!("${}", i + 5)).collect::<Vec<_>>().join(", ");
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(DISTINCT outbox_id) FROM messages WHERE patient_id = $1 AND recipient = 'patient' \
         AND created_at >= $2 AND created_at < $3 AND outbox_id <> $4 AND kind IN ({list}) \
         AND status IN ('sending', 'sent', 'delivered', 'to_print', 'printed')"
    ));
    Ok(on_conn!(conn.into(), c => {
        let mut q = sqlx::query_scalar(sql).bind(patient).bind(from).bind(to).bind(except);
        for k in kinds { q = q.bind(*k); }
        q.fetch_one(c).await
    })?)
}

// -------------------------------------------------------------------------------------------- letters

/// A rendered letter waiting to be printed.
pub type LetterRow = MessageRow;

/// Letters waiting to be printed, oldest first.
pub async fn letters_to_print(conn: impl Into<Conn<'_>>) -> Result<Vec<LetterRow>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE status = 'to_print' AND channel = 'letter' ORDER BY created_at, id"
    ));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).fetch_all(c).await)?)
}

/// Mark these letters printed in one batch (its name or id as the caller chooses); their jobs, once no
/// letter of theirs is left to print, become `sent`. Letters already printed are left alone. Returns how
/// many were marked.
pub async fn mark_printed(tx: &mut Tx, ids: &[Uuid], batch: &str, now: Ts) -> Result<u64> {
    let mut marked = 0;
    for id in ids {
        let job: Option<Uuid> = on_tx!(tx, c => sqlx::query_scalar(
            "UPDATE messages SET status = 'printed', print_batch = $2, printed_at = $3, sent_at = $3, updated_at = $3 \
             WHERE id = $1 AND status = 'to_print' AND channel = 'letter' RETURNING outbox_id")
            .bind(*id).bind(batch).bind(now).fetch_optional(c).await)?;
        if let Some(job) = job {
            marked += 1;
            on_tx!(tx, c => sqlx::query(
                "UPDATE outbox SET state = 'sent', sent_at = $2, updated_at = $2 WHERE id = $1 AND state = 'to_print' \
                 AND NOT EXISTS (SELECT 1 FROM messages WHERE outbox_id = $1 AND status = 'to_print')")
                .bind(job).bind(now).execute(c).await.map(|_| ()))?;
        }
    }
    Ok(marked)
}

// ------------------------------------------------------------------------------- what a message needs

/// A site's details as messages quote them.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SiteContactRow {
    pub id: Uuid,
    pub name: String,
    pub time_zone: String,
    pub address_lines: String,
    pub town: String,
    pub postcode: String,
    pub phone: Option<String>,
}

pub async fn site_contact(conn: impl Into<Conn<'_>>, site: Uuid) -> Result<Option<SiteContactRow>> {
    Ok(on_conn!(conn.into(), c => sqlx::query_as(
        "SELECT id, name, time_zone, address_lines, town, postcode, phone FROM sites WHERE id = $1")
        .bind(site).fetch_optional(c).await)?)
}

/// The first site (for messages not about one appointment, such as a referral received).
pub async fn first_site_contact(conn: impl Into<Conn<'_>>) -> Result<Option<SiteContactRow>> {
    Ok(on_conn!(conn.into(), c => sqlx::query_as(
        "SELECT id, name, time_zone, address_lines, town, postcode, phone FROM sites ORDER BY created_at, id LIMIT 1")
        .fetch_optional(c).await)?)
}
