//! Delivery receipts from SMS providers: find the message a receipt is about (by the provider's id, or
//! by the reference Carefront gave the provider), record what happened to it, and put the outbox job back
//! in the queue when the patient's text did not arrive, so the worker tries the next channel.

use crate::{Result, Ts, Tx, on_tx};
use uuid::Uuid;

/// A text message as a receipt sees it, with its outbox job's state.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReceiptTarget {
    pub message_id: Uuid,
    pub outbox_id: Uuid,
    /// `patient`, or `related:{id}` for a carer's copy.
    pub recipient: String,
    pub status: String,
    pub provider_id: Option<String>,
    pub job_state: String,
    pub job_channel: Option<String>,
}

const TARGET: &str = "SELECT m.id AS message_id, m.outbox_id, m.recipient, m.status, m.provider_id, \
    o.state AS job_state, o.channel AS job_channel FROM messages m JOIN outbox o ON o.id = m.outbox_id \
    WHERE m.channel = 'sms' AND (m.provider IS NULL OR m.provider = $1)";

/// The text message a provider calls `provider_id`, or failing that (a receipt that overtook the worker's
/// record of the id) the one Carefront sent with `reference`. Locks the row on PostgreSQL.
pub async fn find(
    tx: &mut Tx,
    provider: &str,
    provider_id: &str,
    reference: Option<&str>,
) -> Result<Option<ReceiptTarget>> {
    let lock = match tx.backend() {
        crate::Backend::Postgres => " FOR UPDATE OF m",
        crate::Backend::Sqlite => "",
    };
    let by_id =
        sqlx::AssertSqlSafe(format!("{TARGET} AND m.provider_id = $2 ORDER BY m.created_at DESC LIMIT 1{lock}"));
    let found: Option<ReceiptTarget> =
        on_tx!(tx, c => sqlx::query_as(by_id).bind(provider).bind(provider_id).fetch_optional(c).await)?;
    if found.is_some() {
        return Ok(found);
    }
    let Some(reference) = reference.filter(|r| !r.is_empty()) else { return Ok(None) };
    // By reference only a message whose provider id is unknown or the same: a reference reused by a later
    // attempt must not take another message's receipt.
    let by_ref = sqlx::AssertSqlSafe(format!(
        "{TARGET} AND m.reference = $2 AND (m.provider_id IS NULL OR m.provider_id = $3) \
         ORDER BY m.created_at DESC LIMIT 1{lock}"
    ));
    Ok(on_tx!(tx, c => sqlx::query_as(by_ref).bind(provider).bind(reference).bind(provider_id)
        .fetch_optional(c).await)?)
}

/// Set a message's status from a receipt (and its provider id, when it was not recorded yet). `error` is
/// the provider's status or error code for a message that did not arrive.
pub async fn set_status(
    tx: &mut Tx,
    message_id: Uuid,
    status: &str,
    provider_id: &str,
    error: Option<&str>,
    now: Ts,
) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE messages SET status = $2, provider_id = COALESCE(provider_id, $3), error = COALESCE($4, error), \
         sent_at = COALESCE(sent_at, $5), updated_at = $5 WHERE id = $1")
        .bind(message_id).bind(status).bind(provider_id).bind(error).bind(now).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// The patient's text did not arrive: queue the job again, due now, so the worker falls back to the next
/// channel (email, then a letter). Only a job that had finished by text (`sent` over `sms`) is moved; a
/// job already queued, cancelled or handled otherwise is left alone. True when it was queued.
pub async fn requeue_for_fallback(tx: &mut Tx, outbox_id: Uuid, reason: &str, now: Ts) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE outbox SET state = 'queued', due_at = $2, last_error = $3, locked_by = NULL, locked_until = NULL, \
         updated_at = $2 WHERE id = $1 AND state = 'sent' AND (channel IS NULL OR channel = 'sms')")
        .bind(outbox_id).bind(now).bind(reason).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}
