//! The outbox worker: [`App::run_outbox_once`] claims due jobs, sends each, and records what happened.
//!
//! ## Nothing lost, nothing twice
//! - Jobs are created in the same transaction as their cause, with a unique dedupe key (enqueueing the
//!   same job twice is a no-op).
//! - A claim moves due jobs to `sending` under a lease (worker id + attempt number, `locked_until`) and is
//!   committed before anything is sent; PostgreSQL's `FOR UPDATE SKIP LOCKED` (or SQLite's single
//!   writer) means two workers — on one node or several — never claim the same job. No transaction is
//!   held across a network call.
//! - Each message (recipient × channel) is written as `sending` before the provider is called and as
//!   `sent` after, so a job retried after a partial failure skips what already went (a carer's copy, or the
//!   patient's message before a carer's copy failed).
//! - A worker that dies mid-job leaves it `sending`; once the lease expires another worker claims it again.
//! - Results are written only while the lease is still the writer's.
//!
//! **The remaining window.** If a worker dies after the provider accepted a message but before `sent` was
//! written (milliseconds), the job is claimed again after its lease and finds that message still
//! `sending`. A text goes to the provider with the dedupe key as its `reference`; a provider that can look a
//! reference up (GOV.UK Notify: `SmsSender::lookup`) is asked first, and a message it already has is
//! recorded as sent, not sent again. A provider that cannot (Twilio) gets it a second time. An email is sent
//! again with the same Message-ID (made from the dedupe key), which mail clients show once; SMTP itself has
//! no way to ask. So the window is closed for Notify and narrowed to a visible duplicate for email. A worker that stalls longer than the
//! lease (default 5 minutes; SMTP and SMS calls time out well before) can lose its job to another worker
//! in the same way. Receipts and staff see both attempts on the message row.
//!
//! ## Retries
//! A temporary failure (server down, 4xx from SMTP, 429/5xx from an SMS provider) is retried after
//! `backoff_base × 2^(attempt−1)`, capped at `backoff_cap`; after `max_attempts` the job is `dead` (the
//! dead letters), and [`App::retry_dead`] puts it back. A permanent refusal of one channel falls back to the
//! next (SMS → email → letter to print). Deferrals (quiet hours, the daily limit) do not count as attempts.

use super::choose::{Address, Choice, Plan, choose};
use super::compose::{Composed, Prepared, URGENT, prepare};
use super::email::{CalendarPart, EmailError, OutgoingEmail};
use super::sms::{OutgoingSms, SmsError};
use crate::governance::access::Access;
use crate::{App, AppError, Ctx, Result};
use domain::governance::{Action, Purpose};
use domain::messaging::{Channel, Kind, Renderer};
use domain::scheduling::ics::{Party, render_appointment};
use jiff::civil::Time;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use store::Ts;
use store::messaging::outbox::{self as outbox_store, JobRow, MessageRow, Settle, state, status};
use uuid::Uuid;

/// How one attempt at a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Sent {
        channel: Channel,
        language: String,
        variant: String,
        fell_back: bool,
        provider_id: Option<String>,
        note: Option<String>,
    },
    Cancelled(String),
    Deferred {
        until: Timestamp,
        why: String,
    },
    Staff(String),
    Retry(String),
    Dead(String),
}

/// What happened to one message.
enum Delivery {
    Done {
        provider_id: Option<String>,
    },
    /// This channel will not work for this recipient (refused, bad address, cannot render).
    Refused(String),
    /// Worth trying again later.
    Later(String),
}

/// Whether `local` is within the quiet hours `[start, end)` (which may run over midnight).
pub fn in_quiet_hours(local: Time, start: Time, end: Time) -> bool {
    if start <= end { local >= start && local < end } else { local >= start || local < end }
}

/// The next `at` (site time) after `now`.
pub fn next_local(now: Timestamp, tz: &TimeZone, at: Time) -> Timestamp {
    let today = now.to_zoned(tz.clone()).date();
    for day in [today, today.tomorrow().unwrap_or(today)] {
        if let Ok(z) = day.to_datetime(at).to_zoned(tz.clone())
            && z.timestamp() > now
        {
            return z.timestamp();
        }
    }
    now + SignedDuration::from_hours(24)
}

/// The wait before attempt `attempt + 1`, after `attempt` failures.
pub fn backoff(attempt: u32, base: std::time::Duration, cap: std::time::Duration) -> std::time::Duration {
    let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(30));
    base.saturating_mul(factor).min(cap)
}

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

impl App {
    /// One pass of the worker: claim due jobs (and jobs whose lease ran out) for `worker_id`, send them,
    /// record the results. Returns how many jobs were claimed. `now` is the clock (tests move it).
    pub async fn run_outbox_once(&self, worker_id: &str, now: Timestamp) -> Result<usize> {
        let cfg = &self.config().messaging;
        let lease_until = now + SignedDuration::try_from(cfg.lease).unwrap_or(SignedDuration::from_mins(5));
        let jobs = outbox_store::claim(self.db(), worker_id, Ts(now), Ts(lease_until), cfg.batch.max(1) as i64).await?;
        let claimed = jobs.len();
        if claimed == 0 {
            return Ok(0);
        }
        // The practice's own wording, read once for the batch.
        let renderer = std::sync::Arc::new(self.renderer().await?);
        // One patient's jobs one after another (so the daily limit sees each message the one before
        // sent); different patients' at the same time.
        let mut by_patient: Vec<Vec<JobRow>> = Vec::new();
        let mut index: std::collections::HashMap<Option<Uuid>, usize> = std::collections::HashMap::new();
        for job in jobs {
            let i = *index.entry(job.patient_id).or_insert_with(|| {
                by_patient.push(Vec::new());
                by_patient.len() - 1
            });
            by_patient[i].push(job);
        }
        let mut running = tokio::task::JoinSet::new();
        let mut queue = by_patient.into_iter();
        loop {
            while running.len() < cfg.concurrency.max(1) {
                let Some(group) = queue.next() else { break };
                let (app, renderer) = (self.clone(), renderer.clone());
                running.spawn(async move {
                    for job in group {
                        // A job whose result could not be recorded is claimed again when its lease ends.
                        if let Err(e) = app.process(job, &renderer, now).await {
                            tracing::warn!(code = e.code(), error = %e, "recording an outbox result failed");
                        }
                    }
                });
            }
            match running.join_next().await {
                Some(Ok(())) => {}
                Some(Err(e)) => tracing::error!(error = %e, "an outbox task panicked"),
                None => break,
            }
        }
        Ok(claimed)
    }

    /// Attempt one claimed job and record the outcome.
    async fn process(&self, job: JobRow, renderer: &Renderer, now: Timestamp) -> Result<()> {
        let outcome = match self.attempt(&job, renderer, now).await {
            Ok(o) => o,
            // Storage trouble while sending: try again later (the message rows say what already went).
            Err(e) => Outcome::Retry(format!("internal error ({})", e.code())),
        };
        let cfg = &self.config().messaging;
        let mut s = Settle::default();
        match &outcome {
            Outcome::Sent { channel, language, variant, fell_back, provider_id, note } => {
                s.state = if *channel == Channel::Letter { state::TO_PRINT } else { state::SENT }.into();
                s.channel = Some(channel.as_str().into());
                s.language = Some(language.clone());
                s.variant = Some(variant.clone());
                s.fell_back = *fell_back;
                s.provider_id = provider_id.clone();
                s.sent_at = Some(Ts(now));
                s.last_error = note.clone();
            }
            Outcome::Cancelled(why) => {
                s.state = state::CANCELLED.into();
                s.last_error = Some(why.clone());
            }
            Outcome::Deferred { until, why } => {
                s.state = state::QUEUED.into();
                s.due_at = Some(Ts(*until));
                s.uncount_attempt = true;
                s.last_error = Some(why.clone());
            }
            Outcome::Staff(task) => {
                s.state = state::NEEDS_STAFF.into();
                s.last_error = Some(task.clone());
            }
            Outcome::Retry(error) if (job.attempts.max(0) as u32) < cfg.max_attempts => {
                let wait = backoff(job.attempts.max(1) as u32, cfg.backoff_base, cfg.backoff_cap);
                s.state = state::QUEUED.into();
                s.due_at = Some(Ts(now + SignedDuration::try_from(wait).unwrap_or(SignedDuration::from_hours(1))));
                s.last_error = Some(error.clone());
            }
            Outcome::Retry(error) | Outcome::Dead(error) => {
                s.state = state::DEAD.into();
                s.last_error = Some(error.clone());
            }
        }
        let recorded = outbox_store::settle(self.db(), job.id, &job.lease(), &s, Ts(now)).await?;
        if recorded {
            tracing::info!(job = %job.id, kind = %job.kind, state = %s.state, attempt = job.attempts, "outbox job");
        } else {
            tracing::warn!(job = %job.id, "outbox job was taken over by another worker before its result was recorded");
        }
        Ok(())
    }

    async fn attempt(&self, job: &JobRow, renderer: &Renderer, now: Timestamp) -> Result<Outcome> {
        let composed = match prepare(self, job, now).await? {
            Prepared::Ready(c) => c,
            Prepared::Cancel(why) => return Ok(Outcome::Cancelled(why)),
            Prepared::Broken(why) => return Ok(Outcome::Dead(why)),
        };
        let plan = match choose(&composed.facts) {
            Choice::Cancel { reason } => return Ok(Outcome::Cancelled(reason)),
            Choice::Staff { task } => return Ok(Outcome::Staff(task)),
            Choice::Send(plan) => plan,
        };
        let cfg = &self.config().messaging;
        let existing = outbox_store::messages_of_job(self.db(), job.id).await?;
        let row_for = |recipient: &str, channel: Channel| {
            existing.iter().find(|m| m.recipient == recipient && m.channel == channel.as_str())
        };
        let done =
            |recipient: &str, channel: Channel| row_for(recipient, channel).is_some_and(|m| status::is_done(&m.status));
        // A channel that refused this recipient for good (or whose message was not delivered).
        let refused = |recipient: &str, channel: Channel| {
            row_for(recipient, channel).is_some_and(|m| {
                m.status == status::NOT_DELIVERED
                    || (m.status == status::FAILED && m.error.as_deref().is_some_and(|e| e.starts_with("permanent")))
            })
        };
        let patient_done = plan.patient.iter().position(|a| done("patient", a.channel()));
        let patient_next: Vec<&Address> = match patient_done {
            Some(_) => Vec::new(),
            None => plan.patient.iter().filter(|a| !refused("patient", a.channel())).collect(),
        };
        let copies_next: Vec<_> =
            plan.copies.iter().filter(|c| !done(&copy_recipient(c.carer), c.address.channel())).collect();

        // Quiet hours: no text message between quiet_start and quiet_end, site time.
        let local = now.to_zoned(composed.tz.clone()).time();
        let sms_next = patient_next.first().is_some_and(|a| a.channel() == Channel::Sms)
            || copies_next.iter().any(|c| c.address.channel() == Channel::Sms);
        if sms_next && in_quiet_hours(local, cfg.quiet_start, cfg.quiet_end) {
            return Ok(Outcome::Deferred {
                until: next_local(now, &composed.tz, cfg.quiet_end),
                why: "quiet hours: waiting until morning to send a text message".into(),
            });
        }
        // The daily limit on non-urgent messages to one patient.
        if patient_done.is_none() && !plan.patient.is_empty() && !URGENT.contains(&composed.kind) {
            let zoned = now.to_zoned(composed.tz.clone());
            let day_start = zoned.start_of_day().map(|z| z.timestamp()).unwrap_or(now);
            let tomorrow = zoned.date().tomorrow().unwrap_or(zoned.date());
            let day_end = tomorrow.to_zoned(composed.tz.clone()).map(|z| z.timestamp()).unwrap_or(now);
            let kinds: Vec<&str> = Kind::ALL.iter().filter(|k| !URGENT.contains(k)).map(|k| k.slug()).collect();
            let today = outbox_store::jobs_reaching_patient(
                self.db(),
                composed.patient.id,
                Ts(day_start),
                Ts(day_end),
                job.id,
                &kinds,
            )
            .await?;
            if today >= i64::from(cfg.daily_limit) {
                let until = tomorrow
                    .to_datetime(cfg.quiet_end)
                    .to_zoned(composed.tz.clone())
                    .map(|z| z.timestamp())
                    .unwrap_or(day_end);
                return Ok(Outcome::Deferred {
                    until,
                    why: format!("daily limit: {today} messages already sent to this patient today"),
                });
            }
        }

        // The patient's own message: the first channel that takes it.
        let mut sent: Option<(Channel, Option<String>)> = patient_done.map(|i| {
            let channel = plan.patient[i].channel();
            (channel, row_for("patient", channel).and_then(|m| m.provider_id.clone()))
        });
        let mut refusals = Vec::new();
        if sent.is_none() {
            for address in &patient_next {
                let name = composed.full_name.clone();
                let interrupted = row_for("patient", address.channel()).is_some_and(|m| m.status == status::SENDING);
                let to = Recipient { key: "patient", name: &name, reference: &job.dedupe_key, interrupted };
                match self.deliver(job, renderer, &composed, &plan, &to, address, now).await? {
                    Delivery::Done { provider_id } => {
                        sent = Some((address.channel(), provider_id));
                        break;
                    }
                    Delivery::Refused(why) => refusals.push(format!("{}: {why}", address.channel().as_str())),
                    Delivery::Later(why) => {
                        return Ok(Outcome::Retry(format!("{}: {why}", address.channel().as_str())));
                    }
                }
            }
        }
        if sent.is_none() && !plan.patient.is_empty() {
            let why =
                if refusals.is_empty() { "every channel was refused before".to_owned() } else { refusals.join("; ") };
            return Ok(Outcome::Dead(format!("no channel could take the message: {why}")));
        }
        // Copies for carers and proxies with consent.
        let mut copy_channel = None;
        for copy in copies_next {
            let recipient = copy_recipient(copy.carer);
            let reference = format!("{}:copy:{}", job.dedupe_key, copy.carer);
            let interrupted = row_for(&recipient, copy.address.channel()).is_some_and(|m| m.status == status::SENDING);
            let to = Recipient { key: &recipient, name: &copy.name, reference: &reference, interrupted };
            match self.deliver(job, renderer, &composed, &plan, &to, &copy.address, now).await? {
                Delivery::Done { .. } => copy_channel = copy_channel.or(Some(copy.address.channel())),
                Delivery::Refused(why) => {
                    tracing::info!(job = %job.id, channel = copy.address.channel().as_str(), "a carer's copy was refused: {why}")
                }
                Delivery::Later(why) => return Ok(Outcome::Retry(format!("carer's copy: {why}"))),
            }
        }
        let (channel, provider_id) = match (sent, copy_channel) {
            (Some(s), _) => s,
            (None, Some(c)) => (c, None),
            (None, None)
                if plan.copies.iter().all(|c| done(&copy_recipient(c.carer), c.address.channel()))
                    && !plan.copies.is_empty() =>
            {
                (plan.copies[0].address.channel(), None)
            }
            (None, None) => return Ok(Outcome::Dead("no carer's copy could be sent".into())),
        };
        let fell_back = plan.patient.first().is_some_and(|first| first.channel() != channel);
        Ok(Outcome::Sent {
            channel,
            language: plan.language.as_str().into(),
            variant: plan.variant(channel).as_str().into(),
            fell_back,
            provider_id,
            note: plan.language_note.clone(),
        })
    }

    /// Render and send (or file for printing) one message, recording it before and after.
    #[allow(clippy::too_many_arguments)]
    async fn deliver(
        &self,
        job: &JobRow,
        renderer: &Renderer,
        c: &Composed,
        plan: &Plan,
        to: &Recipient<'_>,
        address: &Address,
        now: Timestamp,
    ) -> Result<Delivery> {
        let (recipient, recipient_name, reference, to_interrupted) = (to.key, to.name, to.reference, to.interrupted);
        let channel = address.channel();
        let variant = plan.variant(channel);
        let rendered = match renderer.render(c.kind, channel, plan.language, variant, &c.data) {
            Ok(r) => r,
            Err(e) => return Ok(Delivery::Refused(format!("permanent: the message could not be written ({e})"))),
        };
        let provider = match channel {
            Channel::Sms => self.sms_sender().map(|s| s.name().to_owned()),
            Channel::Email => Some("smtp".to_owned()),
            Channel::Letter => None,
        };
        let mut row = MessageRow {
            id: domain::new_id(),
            outbox_id: job.id,
            patient_id: Some(c.patient.id),
            appointment_id: job.appointment_id,
            kind: job.kind.clone(),
            recipient: recipient.to_owned(),
            recipient_name: recipient_name.to_owned(),
            channel: channel.as_str().into(),
            address: address.as_text(),
            language: rendered.language.as_str().into(),
            fell_back_to_english: rendered.fell_back_to_english || plan.language_note.is_some(),
            variant: variant.as_str().into(),
            subject: rendered.subject.clone(),
            body_text: rendered.text.clone(),
            body_html: rendered.html.clone(),
            status: if channel == Channel::Letter { status::TO_PRINT } else { status::SENDING }.into(),
            reference: reference.to_owned(),
            provider,
            provider_id: None,
            error: None,
            print_batch: None,
            printed_at: None,
            created_at: Ts(now),
            sent_at: None,
            updated_at: Ts(now),
        };
        if channel == Channel::Letter {
            row.sent_at = None;
            outbox_store::upsert_message(self.db(), &row).await?;
            return Ok(Delivery::Done { provider_id: None });
        }
        let id = outbox_store::upsert_message(self.db(), &row).await?;
        // Outside any transaction from here to the result.
        let result: std::result::Result<Option<String>, (bool, String)> = match address {
            Address::Sms(to) => {
                let Some(sender) = self.sms_sender() else {
                    return Ok(Delivery::Refused("permanent: no SMS provider is set up".into()));
                };
                // An earlier attempt was cut off after calling the provider: ask it first, where it can say.
                let found = match (to_interrupted, sender.lookup()) {
                    (true, Some(lookup)) => match lookup.find_by_reference(reference).await {
                        Ok(found) => found,
                        Err(e) => return Ok(Delivery::Later(format!("temporary: looking up an earlier attempt: {e}"))),
                    },
                    _ => None,
                };
                let sms = OutgoingSms { to: to.clone(), body: rendered.text.clone(), reference: reference.to_owned() };
                let sent = match found {
                    Some(accepted) => Ok(accepted),
                    None => sender.send(&sms).await,
                };
                match sent {
                    Ok(accepted) => Ok(Some(accepted.provider_id)),
                    Err(SmsError::Temporary(e)) => Err((false, e)),
                    Err(SmsError::Permanent(e)) => Err((true, e)),
                }
            }
            Address::Email(to) => {
                let calendar = c.calendar.as_ref().map(|cal| {
                    let mut cal = cal.clone();
                    cal.attendee = Some(Party { name: recipient_name.to_owned(), email: to.clone() });
                    CalendarPart { method: domain::scheduling::ics::method(&cal), ics: render_appointment(&cal) }
                });
                let mail = OutgoingEmail {
                    to_name: recipient_name.to_owned(),
                    to_address: to.clone(),
                    subject: rendered.subject.clone().unwrap_or_else(|| c.data.practice.clone()),
                    text: rendered.text.clone(),
                    html: rendered.html.clone().unwrap_or_default(),
                    language: rendered.language,
                    calendar,
                    reference: reference.to_owned(),
                };
                match self.mailer().send(&mail).await {
                    Ok(message_id) => Ok(Some(message_id)),
                    Err(EmailError::Temporary(e)) => Err((false, e)),
                    Err(EmailError::Permanent(e)) => Err((true, e)),
                }
            }
            Address::Letter(_) => unreachable!("letters are filed above"),
        };
        let later = Ts(Timestamp::now().max(now));
        Ok(match result {
            Ok(provider_id) => {
                outbox_store::finish_message(self.db(), id, status::SENT, provider_id.as_deref(), None, later).await?;
                Delivery::Done { provider_id }
            }
            Err((permanent, e)) => {
                let error = format!("{}: {e}", if permanent { "permanent" } else { "temporary" });
                outbox_store::finish_message(self.db(), id, status::FAILED, None, Some(&error), later).await?;
                if permanent { Delivery::Refused(error) } else { Delivery::Later(error) }
            }
        })
    }

    /// The outbox for staff: jobs in one state (or all), newest due first.
    pub async fn outbox_jobs(&self, ctx: &Ctx, state: Option<&str>, limit: i64) -> Result<Vec<OutboxEntry>> {
        if let Some(s) = state
            && !state::ALL.contains(&s)
        {
            return Err(AppError::invalid("state", format!("State must be one of: {}", state::ALL.join(", "))));
        }
        let grant = self.authorize(ctx, Access::general(Action::ViewOutbox, Purpose::Administration, "outbox")).await?;
        let rows = outbox_store::jobs(self.db(), state, limit.clamp(1, 1000)).await?;
        let mut tx = self.db().begin().await?;
        grant.named("view_outbox").record(&mut tx).await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(OutboxEntry::from).collect())
    }

    /// Put a dead (or staff-held) job back in the queue, due now, with its attempts reset.
    pub async fn retry_dead(&self, ctx: &Ctx, id: Uuid) -> Result<OutboxEntry> {
        let grant =
            self.authorize(ctx, Access::general(Action::ViewOutbox, Purpose::Administration, "outbox").on(id)).await?;
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

    /// The messages sent to a patient (and copies to their carers), newest first.
    pub async fn patient_messages(&self, ctx: &Ctx, patient: Uuid) -> Result<Vec<PatientMessage>> {
        let (p, grant) = self.patient_grant(ctx, patient, Action::ViewPatient, "patient_messages", None).await?;
        let rows = outbox_store::messages_of_patient(self.db(), p.id, 500).await?;
        let mut tx = self.db().begin().await?;
        grant.named("view_patient_messages").record(&mut tx).await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(PatientMessage::from).collect())
    }
}

/// Who one message is for.
struct Recipient<'a> {
    /// `patient` or `related:{id}`.
    key: &'a str,
    name: &'a str,
    /// The provider reference / Message-ID seed.
    reference: &'a str,
    /// An earlier attempt at this message was cut off while `sending`.
    interrupted: bool,
}

fn copy_recipient(carer: Uuid) -> String {
    format!("related:{carer}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn quiet_hours_run_over_midnight() {
        let (start, end) = (Time::constant(20, 0, 0, 0), Time::constant(8, 0, 0, 0));
        assert!(in_quiet_hours(Time::constant(20, 0, 0, 0), start, end));
        assert!(in_quiet_hours(Time::constant(23, 59, 0, 0), start, end));
        assert!(in_quiet_hours(Time::constant(7, 59, 0, 0), start, end));
        assert!(!in_quiet_hours(Time::constant(8, 0, 0, 0), start, end));
        assert!(!in_quiet_hours(Time::constant(19, 59, 0, 0), start, end));
        assert!(in_quiet_hours(Time::constant(13, 0, 0, 0), Time::constant(12, 0, 0, 0), Time::constant(14, 0, 0, 0)));
    }

    #[test]
    fn next_morning_across_the_clock_change() {
        let london = TimeZone::get("Europe/London").unwrap();
        // 21:00 GMT on Saturday 27 March 2027; the clocks go forward overnight: 08:00 BST is 07:00 UTC.
        let now: Timestamp = "2027-03-27T21:00:00Z".parse().unwrap();
        assert_eq!(
            next_local(now, &london, Time::constant(8, 0, 0, 0)),
            "2027-03-28T07:00:00Z".parse::<Timestamp>().unwrap()
        );
        // 06:00 BST: later the same morning.
        let early: Timestamp = "2027-06-01T05:00:00Z".parse().unwrap();
        assert_eq!(
            next_local(early, &london, Time::constant(8, 0, 0, 0)),
            "2027-06-01T07:00:00Z".parse::<Timestamp>().unwrap()
        );
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let (base, cap) = (Duration::from_secs(60), Duration::from_secs(3600));
        assert_eq!(backoff(1, base, cap), Duration::from_secs(60));
        assert_eq!(backoff(2, base, cap), Duration::from_secs(120));
        assert_eq!(backoff(3, base, cap), Duration::from_secs(240));
        assert_eq!(backoff(10, base, cap), cap);
        assert_eq!(backoff(200, base, cap), cap);
    }
}
