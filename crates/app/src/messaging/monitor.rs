//! What staff see of messaging: the outbox monitor (jobs in each state, dead letters and tasks for staff,
//! retry, "done"), and a patient's communications history. Sending is in [`super::outbox`].

use super::replies::ReplyEntry;
use crate::governance::access::{Access, Grant};
use crate::patients::PatientRecord;
use crate::{App, AppError, Ctx, Result};
use domain::governance::{Action, Purpose};
use serde::Serialize;
use std::collections::BTreeMap;
use store::Ts;
use store::messaging::outbox::{self as outbox_store, JobRow, MessageRow, state};
use store::patients as patient_store;
use uuid::Uuid;

/// Longest note staff may leave when they close a task by hand.
pub const MAX_DONE_NOTE: usize = 500;

/// One outbox job as staff see it (no message text: that is patient data, shown on the patient's record).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxEntry {
    pub id: Uuid,
    pub kind: String,
    pub state: String,
    pub patient_id: Option<Uuid>,
    pub appointment_id: Option<Uuid>,
    /// RFC 3339, UTC.
    pub due_at: String,
    pub attempts: i32,
    /// Why the last attempt failed, or what staff need to do.
    pub last_error: Option<String>,
    pub channel: Option<String>,
    pub language: Option<String>,
    pub variant: Option<String>,
    /// Sent on a fallback channel (the first choice did not work).
    pub fell_back: bool,
    pub sent_at: Option<String>,
}

impl From<JobRow> for OutboxEntry {
    fn from(j: JobRow) -> Self {
        OutboxEntry {
            id: j.id,
            kind: j.kind,
            state: j.state,
            patient_id: j.patient_id,
            appointment_id: j.appointment_id,
            due_at: j.due_at.0.to_string(),
            attempts: j.attempts,
            last_error: j.last_error,
            channel: j.channel,
            language: j.language,
            variant: j.variant,
            fell_back: j.fell_back,
            sent_at: j.sent_at.map(|t| t.0.to_string()),
        }
    }
}

/// One message in a patient's communications history.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PatientMessage {
    pub id: Uuid,
    pub outbox_id: Uuid,
    pub appointment_id: Option<Uuid>,
    pub kind: String,
    /// `patient`, or `related:{id}` for a copy to a carer or proxy.
    pub recipient: String,
    pub recipient_name: String,
    pub channel: String,
    pub address: String,
    pub language: String,
    pub fell_back_to_english: bool,
    pub variant: String,
    pub subject: Option<String>,
    pub body_text: String,
    /// sending, sent, delivered, not_delivered, failed, to_print, printed.
    pub status: String,
    pub error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

impl From<MessageRow> for PatientMessage {
    fn from(m: MessageRow) -> Self {
        PatientMessage {
            id: m.id,
            outbox_id: m.outbox_id,
            appointment_id: m.appointment_id,
            kind: m.kind,
            recipient: m.recipient,
            recipient_name: m.recipient_name,
            channel: m.channel,
            address: m.address,
            language: m.language,
            fell_back_to_english: m.fell_back_to_english,
            variant: m.variant,
            subject: m.subject,
            body_text: m.body_text,
            status: m.status,
            error: m.error,
            created_at: m.created_at.0.to_string(),
            sent_at: m.sent_at.map(|t| t.0.to_string()),
        }
    }
}

/// The outbox at a glance: jobs in every state, what became of the messages sent, and how long the
/// oldest due job has waited.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxSummary {
    /// Jobs in each state (queued, sending, sent, failed, dead, cancelled, needs_staff, to_print); every
    /// state is present.
    pub jobs: BTreeMap<String, i64>,
    /// Queued jobs already due, waiting for a worker.
    pub due_now: i64,
    /// Queued jobs due later (reminders, texts held for the morning).
    pub scheduled: i64,
    /// When the oldest due job became due (RFC 3339, UTC); null when none is waiting.
    pub oldest_due_at: Option<String>,
    /// Messages by what became of them (sending, sent, delivered, not_delivered, failed, to_print,
    /// printed); every status is present.
    pub messages: BTreeMap<String, i64>,
}

/// Looking after the outbox is administration (system administration for the admin role); the policy says
/// which roles may.
pub(crate) fn outbox_access(ctx: &Ctx, resource: &'static str) -> Access<'static> {
    let purpose = ctx.actor.as_ref().map_or(Purpose::Administration, |a| crate::patients::default_purpose(a.role));
    Access::general(Action::ViewOutbox, purpose, resource)
}

/// What the outbox monitor page shows.
#[derive(Debug, Clone)]
pub struct OutboxMonitor {
    pub summary: OutboxSummary,
    pub jobs: Vec<OutboxEntry>,
    /// Recent text replies that need a person (a shared or unknown number, words Carefront does not act
    /// on, a cancel too late), newest first.
    pub replies: Vec<ReplyEntry>,
}

/// Which jobs the outbox monitor lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxView {
    /// What a person must act on: jobs waiting for staff, dead letters and failures waiting to retry.
    Attention,
    /// One state (`state::ALL`).
    State(&'static str),
    All,
}

impl OutboxView {
    /// `attention` (or nothing), `all`, or a state's name.
    pub fn parse(s: Option<&str>) -> Result<OutboxView> {
        match s.map(str::trim).filter(|s| !s.is_empty()) {
            None | Some("attention") => Ok(OutboxView::Attention),
            Some("all") => Ok(OutboxView::All),
            Some(wanted) => state::ALL.iter().find(|s| **s == wanted).map(|s| OutboxView::State(s)).ok_or_else(|| {
                AppError::invalid("state", format!("Show one of: attention, all, {}", state::ALL.join(", ")))
            }),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            OutboxView::Attention => "attention",
            OutboxView::State(s) => s,
            OutboxView::All => "all",
        }
    }

    fn states(self) -> Vec<&'static str> {
        match self {
            OutboxView::Attention => vec![state::NEEDS_STAFF, state::DEAD, state::FAILED],
            OutboxView::State(s) => vec![s],
            OutboxView::All => state::ALL.to_vec(),
        }
    }
}

impl App {
    /// The outbox for staff: jobs in one state (or all), newest due first.
    pub async fn outbox_jobs(&self, ctx: &Ctx, state: Option<&str>, limit: i64) -> Result<Vec<OutboxEntry>> {
        if let Some(s) = state
            && !state::ALL.contains(&s)
        {
            return Err(AppError::invalid("state", format!("State must be one of: {}", state::ALL.join(", "))));
        }
        let grant = self.authorize(ctx, outbox_access(ctx, "outbox")).await?;
        let rows = outbox_store::jobs(self.db(), state, limit.clamp(1, 1000)).await?;
        let mut tx = self.db().begin().await?;
        grant.named("view_outbox").record(&mut tx).await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(OutboxEntry::from).collect())
    }

    /// Put a dead (or staff-held) job back in the queue, due now, with its attempts reset.
    pub async fn retry_dead(&self, ctx: &Ctx, id: Uuid) -> Result<OutboxEntry> {
        let grant = self.authorize(ctx, outbox_access(ctx, "outbox").on(id)).await?;
        let job = outbox_store::job(self.db(), id).await?.ok_or(AppError::NotFound { what: "outbox job" })?;
        let mut tx = self.db().begin().await?;
        if !outbox_store::requeue(&mut tx, id, Ts(domain::time::now())).await? {
            return Err(AppError::invalid(
                "state",
                format!("Only a dead, failed or waiting-for-staff message can be retried; this one is {}", job.state),
            ));
        }
        let mut grant = grant.named("retry_outbox_job");
        if let Some(p) = job.patient_id {
            grant = grant.about_patient(p);
        }
        grant.record(&mut tx).await?;
        tx.commit().await?;
        let job = outbox_store::job(self.db(), id).await?.ok_or(AppError::NotFound { what: "outbox job" })?;
        Ok(job.into())
    }

    /// The outbox monitor's counts (the API's outbox status).
    pub async fn outbox_summary(&self, ctx: &Ctx) -> Result<OutboxSummary> {
        let grant = self.authorize(ctx, outbox_access(ctx, "outbox")).await?;
        let summary = self.summary_counts().await?;
        let mut tx = self.db().begin().await?;
        grant.named("view_outbox").record(&mut tx).await?;
        tx.commit().await?;
        Ok(summary)
    }

    /// The outbox monitor page: the counts, the jobs one view lists (at most `limit`), and recent text
    /// replies Carefront could not act on by itself.
    pub async fn outbox_monitor(&self, ctx: &Ctx, view: OutboxView, limit: i64) -> Result<OutboxMonitor> {
        let grant = self.authorize(ctx, outbox_access(ctx, "outbox")).await?;
        let summary = self.summary_counts().await?;
        let rows = outbox_store::jobs_in_states(self.db(), &view.states(), limit.clamp(1, 1000)).await?;
        let replies = store::messaging::replies::recent(self.db(), 200).await?;
        let mut tx = self.db().begin().await?;
        grant.named("view_outbox").record(&mut tx).await?;
        tx.commit().await?;
        Ok(OutboxMonitor {
            summary,
            jobs: rows.into_iter().map(OutboxEntry::from).collect(),
            replies: replies.into_iter().map(ReplyEntry::from).filter(|r| r.needs_staff).take(50).collect(),
        })
    }

    async fn summary_counts(&self) -> Result<OutboxSummary> {
        let now = Ts(domain::time::now());
        let (by_state, _) = outbox_store::depth(self.db(), now).await?;
        let (due_now, oldest_due) = outbox_store::due(self.db(), now).await?;
        let by_status = outbox_store::message_counts(self.db()).await?;
        let mut jobs: BTreeMap<String, i64> = state::ALL.iter().map(|s| (s.to_string(), 0)).collect();
        jobs.extend(by_state);
        let mut messages: BTreeMap<String, i64> =
            outbox_store::status::ALL.iter().map(|s| (s.to_string(), 0)).collect();
        messages.extend(by_status);
        let queued = jobs.get(state::QUEUED).copied().unwrap_or(0);
        Ok(OutboxSummary {
            due_now,
            scheduled: (queued - due_now).max(0),
            oldest_due_at: oldest_due.map(|t| t.0.to_string()),
            jobs,
            messages,
        })
    }

    /// One outbox job (the "mark done" page).
    pub async fn outbox_job(&self, ctx: &Ctx, id: Uuid) -> Result<OutboxEntry> {
        let grant = self.authorize(ctx, outbox_access(ctx, "outbox").on(id)).await?;
        let job = outbox_store::job(self.db(), id).await?.ok_or(AppError::NotFound { what: "outbox job" })?;
        let mut tx = self.db().begin().await?;
        grant.named("view_outbox").record(&mut tx).await?;
        tx.commit().await?;
        Ok(job.into())
    }

    /// Close a job staff dealt with by hand (a Braille letter sent, the patient phoned): it counts as sent,
    /// with the note saying what was done and by whom. Only a job waiting for staff, or a dead letter.
    pub async fn close_outbox_task(&self, ctx: &Ctx, id: Uuid, note: &str) -> Result<OutboxEntry> {
        let grant = self.authorize(ctx, outbox_access(ctx, "outbox").on(id)).await?;
        let note = note.trim();
        if note.is_empty() {
            return Err(AppError::invalid("note", "Enter what was done, for example \"Phoned the patient\""));
        }
        if note.chars().count() > MAX_DONE_NOTE {
            return Err(AppError::invalid(
                "note",
                format!("What was done must be {MAX_DONE_NOTE} characters or fewer"),
            ));
        }
        let job = outbox_store::job(self.db(), id).await?.ok_or(AppError::NotFound { what: "outbox job" })?;
        let who = crate::patients::actor(ctx)?;
        let by = format!("{} ({})", who.display_name, who.username);
        let mut tx = self.db().begin().await?;
        let recorded = format!("Done by hand ({by}): {note}");
        if !outbox_store::close_by_staff(&mut tx, id, &recorded, Ts(domain::time::now())).await? {
            return Err(AppError::invalid(
                "state",
                format!(
                    "Only a message waiting for staff, or a dead letter, can be marked done; this one is {}",
                    job.state
                ),
            ));
        }
        let mut grant = grant.named("close_outbox_task");
        if let Some(p) = job.patient_id {
            grant = grant.about_patient(p);
        }
        grant.record(&mut tx).await?;
        tx.commit().await?;
        let job = outbox_store::job(self.db(), id).await?.ok_or(AppError::NotFound { what: "outbox job" })?;
        Ok(job.into())
    }

    /// The messages sent to a patient (and copies to their carers), newest first. A merged record's id
    /// leads to the survivor, as on the staff page.
    pub async fn patient_messages(&self, ctx: &Ctx, patient: Uuid) -> Result<Vec<PatientMessage>> {
        let (row, _, grant) = self.messages_grant(ctx, patient, None).await?;
        let rows = outbox_store::messages_of_patient(self.db(), row.id, 500).await?;
        let mut tx = self.db().begin().await?;
        grant.named("view_patient_messages").record(&mut tx).await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(PatientMessage::from).collect())
    }

    /// A patient's communications history with their record (for the banner on the staff page): like
    /// viewing the record, a merged record's id leads to the survivor, and a look outside the care
    /// relationship needs a reason.
    pub async fn patient_message_history(
        &self,
        ctx: &Ctx,
        id: Uuid,
        break_glass_reason: Option<&str>,
    ) -> Result<(PatientRecord, Vec<PatientMessage>)> {
        let (row, resolved_from, grant) = self.messages_grant(ctx, id, break_glass_reason).await?;
        let break_glass = grant.decision.is_break_glass();
        let parts = self.record_parts(ctx, &row).await?;
        let rows = outbox_store::messages_of_patient(self.db(), row.id, 500).await?;
        let mut tx = self.db().begin().await?;
        let phones = patient_store::phones_of(&mut tx, &[row.id]).await?;
        grant.named("view_patient_messages").record(&mut tx).await?;
        tx.commit().await?;
        let record = parts.into_record(row, phones, resolved_from, break_glass);
        Ok((record, rows.into_iter().map(PatientMessage::from).collect()))
    }

    /// May this person read this patient's messages: the live record (following merges), and the
    /// policy's answer for looking at it.
    async fn messages_grant(
        &self,
        ctx: &Ctx,
        id: Uuid,
        break_glass_reason: Option<&str>,
    ) -> Result<(store::patients::PatientRow, Option<Uuid>, Grant)> {
        let who = crate::patients::actor(ctx)?;
        let (row, resolved_from) = self.resolve(id).await?;
        let access = Access::patient(
            Action::ViewPatient,
            crate::patients::default_purpose(who.role),
            crate::patients::relationship(who, &row),
            row.id,
            "patient_messages",
            break_glass_reason,
        );
        let grant = self.authorize(ctx, access).await?;
        Ok((row, resolved_from, grant))
    }
}
