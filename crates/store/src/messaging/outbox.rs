//! The outbox as the sending worker sees it: claims with leases, results, retries, dead letters; and the
//! messages each job sent (the patient's communications history, and the letters waiting to be printed).
//!
//! A claim is one statement that moves due jobs to `sending` with a lease (`locked_by`, `locked_until`) and
//! counts the attempt. PostgreSQL picks them with `FOR UPDATE SKIP LOCKED`, so workers on several nodes
//! take different jobs without waiting on each other; SQLite has one writer, so the claim's
//! `BEGIN IMMEDIATE` transaction alone keeps two workers from taking one job. A job whose lease ran out
//! (its worker died or stalled) is claimed again like a due one. Every result is written only while the
//! lease is still the writer's ([`Lease`]): a worker that lost its job to another cannot overwrite what
//! the other recorded. The worker's writes come as [`Write`]s, and many jobs' are committed together
//! ([`write_many`]: a few multi-row statements in one transaction).

use crate::{Backend, Conn, Db, Result, Ts, Tx, on_conn, on_db, on_tx};
use std::collections::HashMap;
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
///
/// Both backends read the two kinds of job from their own index, in order, at most `limit` of each, and
/// take the `limit` due first of those: a claim costs the same with a hundred thousand jobs waiting as
/// with ten (one `OR` over the table, or one sort of every due job, made each claim read them all).
pub async fn claim(db: &Db, worker: &str, now: Ts, lease_until: Ts, limit: i64) -> Result<Vec<JobRow>> {
    match db.backend() {
        Backend::Postgres => {
            let sql = sqlx::AssertSqlSafe(format!(
                "WITH expired AS (SELECT id, due_at FROM outbox WHERE state = 'sending' AND locked_until <= $3 \
                 ORDER BY locked_until LIMIT $4 FOR UPDATE SKIP LOCKED), \
                 due AS (SELECT id, due_at FROM outbox WHERE state = 'queued' AND due_at <= $3 \
                 ORDER BY due_at LIMIT $4 FOR UPDATE SKIP LOCKED), \
                 picked AS (SELECT id FROM (SELECT id, due_at FROM expired UNION ALL SELECT id, due_at FROM due) c \
                 ORDER BY due_at LIMIT $4) \
                 UPDATE outbox SET state = 'sending', locked_by = $1, locked_until = $2, attempts = attempts + 1, \
                 updated_at = $3 WHERE id IN (SELECT id FROM picked) RETURNING {JOB_COLUMNS}"
            ));
            Ok(on_db!(db, p => sqlx::query_as(sql).bind(worker).bind(lease_until).bind(now).bind(limit)
                .fetch_all(p).await)?)
        }
        Backend::Sqlite => {
            let sql = sqlx::AssertSqlSafe(format!(
                "UPDATE outbox SET state = 'sending', locked_by = $1, locked_until = $2, attempts = attempts + 1, \
                 updated_at = $3 WHERE id IN (SELECT id FROM ( \
                 SELECT id, due_at FROM (SELECT id, due_at FROM outbox WHERE state = 'queued' AND due_at <= $3 \
                 ORDER BY due_at LIMIT $4) \
                 UNION ALL SELECT id, due_at FROM (SELECT id, due_at FROM outbox WHERE state = 'sending' \
                 AND locked_until <= $3 ORDER BY locked_until LIMIT $4)) ORDER BY due_at LIMIT $4) \
                 RETURNING {JOB_COLUMNS}"
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
    let mut tx = db.begin().await?;
    let recorded = settle_in(&mut tx, id, lease, s, now).await?;
    tx.commit().await?;
    Ok(recorded)
}

/// [`settle`] inside a transaction.
pub async fn settle_in(tx: &mut Tx, id: Uuid, lease: &Lease, s: &Settle, now: Ts) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE outbox SET state = $4, due_at = COALESCE($5, due_at), attempts = attempts - $6, last_error = $7, \
         channel = COALESCE($8, channel), language = COALESCE($9, language), variant = COALESCE($10, variant), \
         fell_back = $11, provider_id = COALESCE($12, provider_id), sent_at = COALESCE($13, sent_at), \
         locked_by = NULL, locked_until = NULL, updated_at = $14 \
         WHERE id = $1 AND state = 'sending' AND locked_by = $2 AND attempts = $3")
        .bind(id).bind(&lease.worker).bind(lease.attempt).bind(&s.state).bind(s.due_at)
        .bind(i32::from(s.uncount_attempt)).bind(&s.last_error).bind(&s.channel).bind(&s.language).bind(&s.variant)
        .bind(s.fell_back).bind(&s.provider_id).bind(s.sent_at).bind(now)
        .execute(c).await.map(|r| r.rows_affected()))?;
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
    match state {
        Some(one) => jobs_in_states(conn, &[one], limit).await,
        None => jobs_in_states(conn, &state::ALL, limit).await,
    }
}

/// Jobs in any of these states, the most recently due first, at most `limit`.
pub async fn jobs_in_states(conn: impl Into<Conn<'_>>, states: &[&str], limit: i64) -> Result<Vec<JobRow>> {
    if states.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (2..states.len() + 2).map(|i| format!("${i}")).collect();
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {JOB_COLUMNS} FROM outbox WHERE state IN ({}) ORDER BY due_at DESC, id LIMIT $1",
        marks.join(", ")
    ));
    Ok(on_conn!(conn.into(), c => {
        let mut q = sqlx::query_as(sql).bind(limit);
        for s in states {
            q = q.bind(*s);
        }
        q.fetch_all(c).await
    })?)
}

/// How many jobs are in each state, and the oldest due instant among queued jobs already due.
pub async fn depth(db: &Db, now: Ts) -> Result<(Vec<(String, i64)>, Option<Ts>)> {
    let counts: Vec<(String, i64)> = on_db!(db, c => sqlx::query_as(
        "SELECT state, COUNT(*) FROM outbox GROUP BY state ORDER BY state").fetch_all(c).await)?;
    let oldest: Option<Ts> = on_db!(db, c => sqlx::query_scalar(
        "SELECT MIN(due_at) FROM outbox WHERE state = 'queued' AND due_at <= $1").bind(now).fetch_one(c).await)?;
    Ok((counts, oldest))
}

/// The queue as metrics show it: jobs in each state still in the outbox's hands (not `sent` or
/// `cancelled`, which only grow), how many queued jobs are due, and the oldest due instant. Read from the
/// state index, so it costs the size of the queue, not of the history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueDepth {
    pub by_state: Vec<(String, i64)>,
    pub due: i64,
    pub oldest_due: Option<Ts>,
}

/// States counted by [`queue_depth`].
pub const QUEUE_STATES: [&str; 6] =
    [state::QUEUED, state::SENDING, state::FAILED, state::DEAD, state::NEEDS_STAFF, state::TO_PRINT];

pub async fn queue_depth(db: &Db, now: Ts) -> Result<QueueDepth> {
    let mut by_state = Vec::with_capacity(QUEUE_STATES.len());
    for s in QUEUE_STATES {
        let n: i64 = on_db!(db, c => sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE state = $1")
            .bind(s).fetch_one(c).await)?;
        by_state.push((s.to_owned(), n));
    }
    let (due, oldest_due) = due(db, now).await?;
    Ok(QueueDepth { by_state, due, oldest_due })
}

/// How many queued jobs are due at `now`, and when the oldest of them became due.
pub async fn due(db: &Db, now: Ts) -> Result<(i64, Option<Ts>)> {
    Ok(on_db!(db, c => sqlx::query_as(
        "SELECT COUNT(*), MIN(due_at) FROM outbox WHERE state = 'queued' AND due_at <= $1").bind(now).fetch_one(c).await)?)
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
    pub const ALL: [&str; 7] = [SENDING, SENT, DELIVERED, NOT_DELIVERED, FAILED, TO_PRINT, PRINTED];
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

/// The messages these jobs made so far, in one read per 500 jobs (a claimed batch).
pub async fn messages_of_jobs(db: &Db, outbox_ids: &[Uuid]) -> Result<Vec<MessageRow>> {
    let mut out = Vec::new();
    for chunk in outbox_ids.chunks(500) {
        let list = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE outbox_id IN ({list}) ORDER BY created_at, id"
        ));
        let rows: Vec<MessageRow> = on_db!(db, c => {
            let mut q = sqlx::query_as(sql);
            for id in chunk { q = q.bind(*id); }
            q.fetch_all(c).await
        })?;
        out.extend(rows);
    }
    Ok(out)
}

/// Write a message about to be sent (status `sending`), or the rendered letter (`to_print`). An earlier
/// row for the same job, recipient and channel (a failed or interrupted attempt) is replaced, keeping its
/// id; returns the row's id.
pub async fn upsert_message(db: &Db, m: &MessageRow) -> Result<Uuid> {
    let mut tx = db.begin().await?;
    let id = upsert_message_in(&mut tx, m).await?;
    tx.commit().await?;
    Ok(id)
}

/// What an upsert of a message row replaces when the row for its job, recipient and channel exists: all
/// but the id, the times it was created and sent, and what the provider and printing recorded.
const UPSERT_MESSAGE_TAIL: &str = " ON CONFLICT (outbox_id, recipient, channel) DO UPDATE SET address = excluded.address, \
     language = excluded.language, fell_back_to_english = excluded.fell_back_to_english, \
     variant = excluded.variant, subject = excluded.subject, body_text = excluded.body_text, \
     body_html = excluded.body_html, status = excluded.status, reference = excluded.reference, \
     provider = excluded.provider, error = NULL, updated_at = excluded.updated_at, \
     recipient_name = excluded.recipient_name";

/// [`upsert_message`] inside a transaction: one statement.
pub async fn upsert_message_in(tx: &mut Tx, m: &MessageRow) -> Result<Uuid> {
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO messages ({MESSAGE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
         $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25){UPSERT_MESSAGE_TAIL} RETURNING id"
    ));
    Ok(on_tx!(tx, c => sqlx::query_scalar(sql).bind(m.id).bind(m.outbox_id).bind(m.patient_id).bind(m.appointment_id)
        .bind(&m.kind).bind(&m.recipient).bind(&m.recipient_name).bind(&m.channel).bind(&m.address)
        .bind(&m.language).bind(m.fell_back_to_english).bind(&m.variant).bind(&m.subject).bind(&m.body_text)
        .bind(&m.body_html).bind(&m.status).bind(&m.reference).bind(&m.provider).bind(&m.provider_id)
        .bind(&m.error).bind(&m.print_batch).bind(m.printed_at).bind(m.created_at).bind(m.sent_at)
        .bind(m.updated_at).fetch_one(c).await)?)
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
    let mut tx = db.begin().await?;
    finish_message_in(&mut tx, id, status, provider_id, error, now).await?;
    tx.commit().await
}

/// [`finish_message`] inside a transaction.
pub async fn finish_message_in(
    tx: &mut Tx,
    id: Uuid,
    status: &str,
    provider_id: Option<&str>,
    error: Option<&str>,
    now: Ts,
) -> Result<()> {
    let sent_at = status::is_done(status).then_some(now);
    on_tx!(tx, c => sqlx::query(
        "UPDATE messages SET status = $2, provider_id = COALESCE($3, provider_id), error = $4, \
         sent_at = COALESCE($5, sent_at), updated_at = $6 WHERE id = $1")
        .bind(id).bind(status).bind(provider_id).bind(error).bind(sent_at).bind(now)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// One of the worker's writes. The worker hands them to one writer, which commits many in one
/// transaction ([`write_in`] each, in order) and answers each when the commit is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// A message about to be sent, or a letter filed ([`upsert_message`]).
    Message(Box<MessageRow>),
    /// What the provider said about a message ([`finish_message`]).
    Finish { id: Uuid, status: String, provider_id: Option<String>, error: Option<String>, at: Ts },
    /// How a claimed job ended, if the lease is still the writer's ([`settle`]).
    Settle { id: Uuid, lease: Lease, settle: Box<Settle>, at: Ts },
}

/// What one [`Write`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// The message row's id.
    Message(Uuid),
    Finished,
    /// Whether the lease was still the writer's (false: nothing was written).
    Settled(bool),
}

/// Carry out one write inside a transaction.
pub async fn write_in(tx: &mut Tx, w: &Write) -> Result<Written> {
    Ok(match w {
        Write::Message(m) => Written::Message(upsert_message_in(tx, m).await?),
        Write::Finish { id, status, provider_id, error, at } => {
            finish_message_in(tx, *id, status, provider_id.as_deref(), error.as_deref(), *at).await?;
            Written::Finished
        }
        Write::Settle { id, lease, settle, at } => Written::Settled(settle_in(tx, *id, lease, settle, *at).await?),
    })
}

/// Carry out the writes of many jobs in one transaction, in a few statements: every provider answer in
/// one update, then every message row in one upsert, then every job's result in one update (per 200
/// rows). `units` are different jobs' writes; the writes of one job touch different rows, so their order
/// within the unit does not matter. Returns what each write did, in the same shape as `units`.
pub async fn write_many(tx: &mut Tx, units: &[Vec<Write>]) -> Result<Vec<Vec<Written>>> {
    const CHUNK: usize = 200;
    let mut out: Vec<Vec<Option<Written>>> = units.iter().map(|u| vec![None; u.len()]).collect();
    let of_kind = |f: fn(&Write) -> bool| -> Vec<(usize, usize)> {
        units
            .iter()
            .enumerate()
            .flat_map(|(u, ws)| ws.iter().enumerate().filter(|(_, w)| f(w)).map(move |(i, _)| (u, i)))
            .collect()
    };
    let finishes = of_kind(|w| matches!(w, Write::Finish { .. }));
    for chunk in finishes.chunks(CHUNK) {
        finish_many(tx, chunk.iter().map(|(u, i)| &units[*u][*i]).collect()).await?;
        for (u, i) in chunk {
            out[*u][*i] = Some(Written::Finished);
        }
    }
    let messages = of_kind(|w| matches!(w, Write::Message(_)));
    for chunk in messages.chunks(CHUNK) {
        let rows: Vec<&MessageRow> = chunk
            .iter()
            .filter_map(|(u, i)| match &units[*u][*i] {
                Write::Message(m) => Some(&**m),
                _ => None,
            })
            .collect();
        let ids = upsert_messages(tx, &rows).await?;
        for ((u, i), m) in chunk.iter().zip(&rows) {
            let key = (m.outbox_id, m.recipient.clone(), m.channel.clone());
            let id = ids
                .get(&key)
                .copied()
                .ok_or_else(|| crate::StoreError::Corrupt("a message row was not written".into()))?;
            out[*u][*i] = Some(Written::Message(id));
        }
    }
    let settles = of_kind(|w| matches!(w, Write::Settle { .. }));
    for chunk in settles.chunks(CHUNK) {
        let recorded = settle_many(tx, chunk.iter().map(|(u, i)| &units[*u][*i]).collect()).await?;
        for (u, i) in chunk {
            let Write::Settle { id, .. } = &units[*u][*i] else { continue };
            out[*u][*i] = Some(Written::Settled(recorded.contains(id)));
        }
    }
    Ok(out.into_iter().map(|u| u.into_iter().map(|w| w.unwrap_or(Written::Finished)).collect()).collect())
}

/// Several [`Write::Finish`] in one statement.
async fn finish_many(tx: &mut Tx, writes: Vec<&Write>) -> Result<()> {
    if let [one] = writes[..] {
        return write_in(tx, one).await.map(|_| ());
    }
    on_tx!(tx, c => {
        let mut qb = sqlx::QueryBuilder::new("WITH v (id, status, provider_id, error, sent_at, updated_at) AS (");
        qb.push_values(writes.iter().filter_map(|w| match w {
            Write::Finish { id, status, provider_id, error, at } => Some((id, status, provider_id, error, at)),
            _ => None,
        }), |mut b, (id, status, provider_id, error, at)| {
            let sent_at = status::is_done(status).then_some(*at);
            b.push_bind(*id).push_bind(status.clone()).push_bind(provider_id.clone()).push_bind(error.clone())
                .push_bind(sent_at).push_bind(*at);
        });
        qb.push(") UPDATE messages SET status = v.status, provider_id = COALESCE(v.provider_id, messages.provider_id), \
                 error = v.error, sent_at = COALESCE(v.sent_at, messages.sent_at), updated_at = v.updated_at \
                 FROM v WHERE messages.id = v.id");
        qb.build().persistent(false).execute(c).await.map(|_| ())
    })?;
    Ok(())
}

/// Several message rows in one upsert; their ids by (job, recipient, channel).
async fn upsert_messages(tx: &mut Tx, rows: &[&MessageRow]) -> Result<HashMap<(Uuid, String, String), Uuid>> {
    if let [one] = rows[..] {
        let id = upsert_message_in(tx, one).await?;
        return Ok(HashMap::from([((one.outbox_id, one.recipient.clone(), one.channel.clone()), id)]));
    }
    let written: Vec<(Uuid, Uuid, String, String)> = on_tx!(tx, c => {
        let mut qb = sqlx::QueryBuilder::new(format!("INSERT INTO messages ({MESSAGE_COLUMNS}) "));
        qb.push_values(rows, |mut b, m| {
            b.push_bind(m.id).push_bind(m.outbox_id).push_bind(m.patient_id).push_bind(m.appointment_id)
                .push_bind(m.kind.clone()).push_bind(m.recipient.clone()).push_bind(m.recipient_name.clone())
                .push_bind(m.channel.clone()).push_bind(m.address.clone()).push_bind(m.language.clone())
                .push_bind(m.fell_back_to_english).push_bind(m.variant.clone()).push_bind(m.subject.clone())
                .push_bind(m.body_text.clone()).push_bind(m.body_html.clone()).push_bind(m.status.clone())
                .push_bind(m.reference.clone()).push_bind(m.provider.clone()).push_bind(m.provider_id.clone())
                .push_bind(m.error.clone()).push_bind(m.print_batch.clone()).push_bind(m.printed_at)
                .push_bind(m.created_at).push_bind(m.sent_at).push_bind(m.updated_at);
        });
        qb.push(UPSERT_MESSAGE_TAIL).push(" RETURNING id, outbox_id, recipient, channel");
        qb.build_query_as().persistent(false).fetch_all(c).await
    })?;
    Ok(written.into_iter().map(|(id, job, recipient, channel)| ((job, recipient, channel), id)).collect())
}

/// Several [`Write::Settle`] in one statement; the ids of the jobs whose lease still held (recorded).
async fn settle_many(tx: &mut Tx, writes: Vec<&Write>) -> Result<Vec<Uuid>> {
    if let [one @ Write::Settle { id, .. }] = writes[..] {
        return Ok(match write_in(tx, one).await? {
            Written::Settled(true) => vec![*id],
            _ => Vec::new(),
        });
    }
    Ok(on_tx!(tx, c => {
        let mut qb = sqlx::QueryBuilder::new(
            "WITH v (id, worker, attempt, state, due_at, uncount, last_error, channel, language, variant, fell_back, \
             provider_id, sent_at, updated_at) AS (");
        qb.push_values(writes.iter().filter_map(|w| match w {
            Write::Settle { id, lease, settle, at } => Some((id, lease, settle, at)),
            _ => None,
        }), |mut b, (id, lease, s, at)| {
            b.push_bind(*id).push_bind(lease.worker.clone()).push_bind(lease.attempt).push_bind(s.state.clone())
                .push_bind(s.due_at).push_bind(i32::from(s.uncount_attempt)).push_bind(s.last_error.clone())
                .push_bind(s.channel.clone()).push_bind(s.language.clone()).push_bind(s.variant.clone())
                .push_bind(s.fell_back).push_bind(s.provider_id.clone()).push_bind(s.sent_at).push_bind(*at);
        });
        qb.push(") UPDATE outbox SET state = v.state, due_at = COALESCE(v.due_at, outbox.due_at), \
                 attempts = outbox.attempts - v.uncount, last_error = v.last_error, \
                 channel = COALESCE(v.channel, outbox.channel), language = COALESCE(v.language, outbox.language), \
                 variant = COALESCE(v.variant, outbox.variant), fell_back = v.fell_back, \
                 provider_id = COALESCE(v.provider_id, outbox.provider_id), sent_at = COALESCE(v.sent_at, outbox.sent_at), \
                 locked_by = NULL, locked_until = NULL, updated_at = v.updated_at \
                 FROM v WHERE outbox.id = v.id AND outbox.state = 'sending' AND outbox.locked_by = v.worker \
                 AND outbox.attempts = v.attempt RETURNING outbox.id");
        qb.build_query_scalar::<Uuid>().persistent(false).fetch_all(c).await
    })?)
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

/// How many messages are in each status (the outbox monitor's "delivered", "not delivered"…).
pub async fn message_counts(conn: impl Into<Conn<'_>>) -> Result<Vec<(String, i64)>> {
    Ok(on_conn!(conn.into(), c => sqlx::query_as(
        "SELECT status, COUNT(*) FROM messages GROUP BY status ORDER BY status").fetch_all(c).await)?)
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

/// For the daily limit of a batch: the messages of these kinds that reached any of these patients
/// (their own, any channel, not failed) created in `[from, to)`, as (patient, job, created) — one read
/// for a claimed batch instead of [`jobs_reaching_patient`] per job.
pub async fn messages_reaching_patients(
    db: &Db,
    patients: &[Uuid],
    from: Ts,
    to: Ts,
    kinds: &[&str],
) -> Result<Vec<(Uuid, Uuid, Ts)>> {
    let mut out = Vec::new();
    if kinds.is_empty() {
        return Ok(out);
    }
    for chunk in patients.chunks(500) {
        let kind_list = (0..kinds.len()).map(|i| format!("${}", i + 3)).collect::<Vec<_>>().join(", ");
        let first = 3 + kinds.len();
        let patient_list = (0..chunk.len()).map(|i| format!("${}", i + first)).collect::<Vec<_>>().join(", ");
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT patient_id, outbox_id, created_at FROM messages WHERE recipient = 'patient' \
             AND created_at >= $1 AND created_at < $2 AND kind IN ({kind_list}) \
             AND status IN ('sending', 'sent', 'delivered', 'to_print', 'printed') AND patient_id IN ({patient_list})"
        ));
        let rows: Vec<(Uuid, Uuid, Ts)> = on_db!(db, c => {
            let mut q = sqlx::query_as(sql).bind(from).bind(to);
            for k in kinds { q = q.bind(*k); }
            for p in chunk { q = q.bind(*p); }
            q.fetch_all(c).await
        })?;
        out.extend(rows);
    }
    Ok(out)
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
