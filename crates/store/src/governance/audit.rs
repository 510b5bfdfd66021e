//! The audit log: append in the caller's transaction, list with filters, stream for verification.

use crate::{Conn, Result, StoreError, Ts, Tx, on_conn, on_tx};
use domain::governance::audit::{AuditEntry, AuditEvent, Outcome, seal};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
struct AuditRow {
    seq: i64,
    at: Ts,
    actor_id: Option<Uuid>,
    actor_role: Option<String>,
    action: String,
    resource_type: String,
    resource_id: Option<String>,
    patient_id: Option<Uuid>,
    purpose: Option<String>,
    reason: Option<String>,
    outcome: String,
    break_glass: bool,
    operation_id: Uuid,
    client_addr: Option<String>,
    prev_hash: String,
    hash: String,
}

const COLUMNS: &str = "seq, at, actor_id, actor_role, action, resource_type, resource_id, patient_id, purpose, \
                       reason, outcome, break_glass, operation_id, client_addr, prev_hash, hash";

impl TryFrom<AuditRow> for AuditEvent {
    type Error = StoreError;
    fn try_from(r: AuditRow) -> Result<Self> {
        let outcome = Outcome::parse(&r.outcome)
            .ok_or_else(|| StoreError::Corrupt(format!("audit event {} has outcome '{}'", r.seq, r.outcome)))?;
        Ok(AuditEvent {
            seq: r.seq,
            entry: AuditEntry {
                at: r.at.0,
                actor_id: r.actor_id,
                actor_role: r.actor_role,
                action: r.action,
                resource_type: r.resource_type,
                resource_id: r.resource_id,
                patient_id: r.patient_id,
                purpose: r.purpose,
                reason: r.reason,
                outcome,
                break_glass: r.break_glass,
                operation_id: r.operation_id,
                client_addr: r.client_addr,
            },
            prev_hash: r.prev_hash,
            hash: r.hash,
        })
    }
}

/// Append one event to the chain inside the caller's transaction, so the event exists exactly when the
/// change it records does. On PostgreSQL the head row is locked, which orders appends from every node.
pub async fn append(tx: &mut Tx, entry: AuditEntry) -> Result<AuditEvent> {
    let head_sql = match tx.backend() {
        crate::Backend::Sqlite => "SELECT seq, hash FROM audit_head WHERE id = 1",
        crate::Backend::Postgres => "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE",
    };
    let (seq, hash): (i64, String) = on_tx!(tx, c => sqlx::query_as(head_sql).fetch_one(c).await)?;
    let ev = seal(entry, (seq > 0).then_some((seq, hash.as_str())));
    let e = &ev.entry;
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO audit_events (seq, at, actor_id, actor_role, action, resource_type, resource_id, patient_id, \
         purpose, reason, outcome, break_glass, operation_id, client_addr, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)")
        .bind(ev.seq).bind(Ts(e.at)).bind(e.actor_id).bind(&e.actor_role).bind(&e.action).bind(&e.resource_type)
        .bind(&e.resource_id).bind(e.patient_id).bind(&e.purpose).bind(&e.reason).bind(e.outcome.as_str())
        .bind(e.break_glass).bind(e.operation_id).bind(&e.client_addr).bind(&ev.prev_hash).bind(&ev.hash)
        .execute(c).await.map(|r| r.rows_affected()))?;
    on_tx!(tx, c => sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(ev.seq).bind(&ev.hash).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(ev)
}

/// Append several events in order, with one read and one update of the chain head (a batch of
/// bookings commits its audit events together).
pub async fn append_many(tx: &mut Tx, entries: Vec<AuditEntry>) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let head_sql = match tx.backend() {
        crate::Backend::Sqlite => "SELECT seq, hash FROM audit_head WHERE id = 1",
        crate::Backend::Postgres => "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE",
    };
    let (mut seq, mut hash): (i64, String) = on_tx!(tx, c => sqlx::query_as(head_sql).fetch_one(c).await)?;
    let mut sealed = Vec::with_capacity(entries.len());
    for entry in entries {
        let ev = seal(entry, (seq > 0).then_some((seq, hash.as_str())));
        seq = ev.seq;
        hash = ev.hash.clone();
        sealed.push(ev);
    }
    // 16 columns: 500 rows stay under both backends' bind-parameter limits.
    for chunk in sealed.chunks(500) {
        on_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO audit_events (seq, at, actor_id, actor_role, action, resource_type, resource_id, \
                 patient_id, purpose, reason, outcome, break_glass, operation_id, client_addr, prev_hash, hash) ");
            qb.push_values(chunk, |mut b, ev| {
                let e = &ev.entry;
                b.push_bind(ev.seq).push_bind(Ts(e.at)).push_bind(e.actor_id).push_bind(&e.actor_role)
                    .push_bind(&e.action).push_bind(&e.resource_type).push_bind(&e.resource_id).push_bind(e.patient_id)
                    .push_bind(&e.purpose).push_bind(&e.reason).push_bind(e.outcome.as_str()).push_bind(e.break_glass)
                    .push_bind(e.operation_id).push_bind(&e.client_addr).push_bind(&ev.prev_hash).push_bind(&ev.hash);
            });
            qb.build().execute(c).await.map(|_| ())
        })?;
    }
    on_tx!(tx, c => sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(seq).bind(&hash).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The recorded head of the chain: (newest sequence, its hash); (0, genesis) for an empty log.
pub async fn head(conn: impl Into<Conn<'_>>) -> Result<(i64, String)> {
    Ok(on_conn!(conn.into(), c => sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(c).await)?)
}

/// Up to `limit` events after `after_seq`, oldest first: verification walks the log in pages.
pub async fn page_after(conn: impl Into<Conn<'_>>, after_seq: i64, limit: i64) -> Result<Vec<AuditEvent>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2"));
    let rows: Vec<AuditRow> =
        on_conn!(conn.into(), c => sqlx::query_as(sql).bind(after_seq).bind(limit).fetch_all(c).await)?;
    rows.into_iter().map(AuditEvent::try_from).collect()
}

/// Filters for listing the log; all optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub patient_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub from: Option<Ts>,
    pub to: Option<Ts>,
    pub break_glass_only: bool,
    /// Only events older than this sequence (for paging newest-first).
    pub before_seq: Option<i64>,
    pub limit: i64,
}

/// Matching events, newest first.
pub async fn list(conn: impl Into<Conn<'_>>, f: &AuditFilter) -> Result<Vec<AuditEvent>> {
    // The optional filters are written as `($n IS NULL OR col = $n)` so one statement (and one prepared
    // plan) serves every combination on both backends.
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM audit_events \
         WHERE ($1 IS NULL OR patient_id = $1) AND ($2 IS NULL OR actor_id = $2) \
         AND ($3 IS NULL OR at >= $3) AND ($4 IS NULL OR at < $4) AND ($5 = FALSE OR break_glass = TRUE) \
         AND ($6 IS NULL OR seq < $6) ORDER BY seq DESC LIMIT $7"
    ));
    let rows: Vec<AuditRow> = on_conn!(conn.into(), c => sqlx::query_as(sql)
        .bind(f.patient_id).bind(f.actor_id).bind(f.from).bind(f.to).bind(f.break_glass_only)
        .bind(f.before_seq).bind(f.limit.clamp(1, 1000)).fetch_all(c).await)?;
    rows.into_iter().map(AuditEvent::try_from).collect()
}

/// Break-glass events no guardian has reviewed yet, oldest first.
pub async fn unreviewed_break_glass(conn: impl Into<Conn<'_>>, limit: i64) -> Result<Vec<AuditEvent>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM audit_events e WHERE break_glass = TRUE \
         AND NOT EXISTS (SELECT 1 FROM break_glass_reviews r WHERE r.audit_seq = e.seq) ORDER BY seq LIMIT $1"
    ));
    let rows: Vec<AuditRow> = on_conn!(conn.into(), c => sqlx::query_as(sql).bind(limit).fetch_all(c).await)?;
    rows.into_iter().map(AuditEvent::try_from).collect()
}

/// Record a guardian's review of a break-glass event; false if it was already reviewed.
pub async fn record_break_glass_review(tx: &mut Tx, seq: i64, reviewer: Uuid, at: Ts, note: &str) -> Result<bool> {
    let done = on_tx!(tx, c => sqlx::query(
        "INSERT INTO break_glass_reviews (audit_seq, reviewer_id, reviewed_at, note) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (audit_seq) DO NOTHING")
        .bind(seq).bind(reviewer).bind(at).bind(note).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// Whether an event with this sequence exists and is a break-glass event.
pub async fn is_break_glass(conn: impl Into<Conn<'_>>, seq: i64) -> Result<Option<bool>> {
    Ok(on_conn!(conn.into(), c => sqlx::query_scalar("SELECT break_glass FROM audit_events WHERE seq = $1")
        .bind(seq).fetch_optional(c).await)?)
}
