//! The outbox worker: [`App::run_outbox_once`] claims due jobs, sends each, and records what happened.
//!
//! ## Nothing lost, nothing twice
//! - Jobs are created in the same transaction as their cause, with a unique dedupe key (enqueueing the
//!   same job twice is a no-op).
//! - A claim moves due jobs to `sending` under a lease (worker id + attempt number, `locked_until`) and is
//!   committed before anything is sent; PostgreSQL's `FOR UPDATE SKIP LOCKED` (or SQLite's single
//!   writer) means two workers — on one node or several — never claim the same job. No transaction is
//!   held across a network call.
//! - Each message (recipient × channel) is written as `sending`, and committed, before the provider is
//!   called, and as `sent` after, so a job retried after a partial failure skips what already went (a
//!   carer's copy, or the patient's message before a carer's copy failed).
//! - A worker that dies mid-job leaves it `sending`; once the lease expires another worker claims it again.
//! - Results are written only while the lease is still the writer's, and a job is only started while
//!   most of its lease is left: one a large batch did not reach before half the lease had gone (slow
//!   providers) is handed back to the queue, its attempt not counted, instead of being sent late.
//!
//! **Writes are committed in groups.** The jobs of a pass run side by side, and each hands its writes to
//! the pass's one writer and waits until they are committed; the writer commits everything that queued up
//! meanwhile in one transaction (a group commit: one fsync for dozens of jobs instead of three per job,
//! and on SQLite one turn of the single writer). Waiting for the commit keeps every rule above: a
//! `sending` row is on disk before its provider call. What a provider that can be asked about a
//! reference (GOV.UK Notify) answered is not written on its own: it goes in the same transaction as the
//! job's next write — the next message's `sending` row, or the job's result — so such a job costs two
//! writes, both shared with other jobs. What SMTP (or Twilio) answered is committed at once, as before.
//!
//! **The remaining window.** If a worker dies after the provider accepted a message but before `sent` was
//! committed (one group commit, milliseconds; for Notify the rest of the job too), the job is claimed
//! again after its lease and finds that message still `sending`. A text goes to the provider with the
//! dedupe key as its `reference`; a provider that can look a reference up (GOV.UK Notify:
//! `SmsSender::lookup`) is asked first, and a message it already has is recorded as sent, not sent again.
//! A provider that cannot (Twilio) gets it a second time. An email is sent again with the same Message-ID
//! (made from the dedupe key), which mail clients show once; SMTP itself has no way to ask. So the window
//! is closed for Notify and narrowed to a visible duplicate for email. A worker that stalls longer than the
//! lease (default 5 minutes, `--outbox-lease-seconds`; SMTP and SMS calls time out well before) can lose
//! its job to another worker in the same way. Receipts and staff see both attempts on the message row.
//!
//! ## Retries
//! A temporary failure (server down, 4xx from SMTP, 429/5xx from an SMS provider) is retried after
//! `backoff_base × 2^(attempt−1)`, capped at `backoff_cap`; after `max_attempts` the job is `dead` (the
//! dead letters), and [`App::retry_dead`] puts it back. A permanent refusal of one channel falls back to the
//! next (SMS → email → letter to print). Deferrals (quiet hours, the daily limit) do not count as attempts.
//!
//! ## Metrics
//! `outbox_messages_total{kind, channel, outcome}` counts each message tried (`sent`, `found` at the
//! provider after an interrupted attempt, `filed` to print, `failed_temporary`, `failed_permanent`);
//! `outbox_jobs_total{kind, outcome}` each job's attempt (`sent`, `to_print`, `cancelled`, `deferred`,
//! `needs_staff`, `retry`, `dead`, `handed_back`, `taken_over`). [`App::observe_outbox`] sets the queue gauges
//! (`outbox_jobs{state}`, `outbox_due_jobs`, `outbox_oldest_due_seconds`); `/metrics` calls it. Labels
//! are fixed words: never an address, a name or an id.

use super::choose::{Address, Choice, Plan, choose};
use super::compose::{Composed, Prefetched, Prepared, URGENT, prepare_with};
use super::email::{CalendarPart, EmailError, OutgoingEmail};
use super::sms::{OutgoingSms, SmsError};
use crate::{App, AppError, Result};
use domain::messaging::{Channel, Kind, Renderer};
use domain::scheduling::ics::{Party, render_appointment};
use jiff::civil::Time;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;
use std::sync::Arc;
use store::messaging::outbox::{self as outbox_store, JobRow, MessageRow, Settle, Write, Written, state, status};
use store::{Db, Ts};
use tokio::sync::{mpsc, oneshot};
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

impl Outcome {
    /// The `outcome` label of `outbox_jobs_total`.
    fn label(&self) -> &'static str {
        match self {
            Outcome::Sent { channel: Channel::Letter, .. } => "to_print",
            Outcome::Sent { .. } => "sent",
            Outcome::Cancelled(_) => "cancelled",
            Outcome::Deferred { .. } => "deferred",
            Outcome::Staff(_) => "needs_staff",
            Outcome::Retry(_) => "retry",
            Outcome::Dead(_) => "dead",
        }
    }
}

/// The writes of one pass. Every job hands its writes to [`Writer::write`] and waits; the writer task
/// commits whatever has queued up meanwhile in one transaction and then answers each (a group commit).
/// If a group fails, its writes are tried again one job at a time, so one bad write fails only its job.
#[derive(Clone)]
struct Writer {
    queue: mpsc::Sender<Unit>,
}

/// One job's writes, in order, and who waits for them.
struct Unit {
    writes: Vec<Write>,
    reply: oneshot::Sender<Result<Vec<Written>>>,
}

/// The most jobs' writes committed together.
const GROUP: usize = 256;

impl Writer {
    fn start(db: Db) -> (Writer, tokio::task::JoinHandle<()>) {
        let (queue, rx) = mpsc::channel(GROUP);
        (Writer { queue }, tokio::spawn(run_writer(db, rx)))
    }

    /// Write these, in order, and return once they are committed: what the last one did.
    async fn write(&self, writes: Vec<Write>) -> Result<Written> {
        let stopped = || AppError::Internal("the outbox writer stopped".into());
        let (reply, answer) = oneshot::channel();
        self.queue.send(Unit { writes, reply }).await.map_err(|_| stopped())?;
        let written = answer.await.map_err(|_| stopped())??;
        written.last().copied().ok_or_else(|| AppError::Internal("nothing to write".into()))
    }
}

async fn run_writer(db: Db, mut rx: mpsc::Receiver<Unit>) {
    let mut units = Vec::with_capacity(GROUP);
    while rx.recv_many(&mut units, GROUP).await > 0 {
        let (writes, replies): (Vec<Vec<Write>>, Vec<_>) = units.drain(..).map(|u| (u.writes, u.reply)).unzip();
        match commit_group(&db, &writes).await {
            Ok(all) => {
                for (reply, written) in replies.into_iter().zip(all) {
                    let _ = reply.send(Ok(written));
                }
            }
            Err(e) if replies.len() == 1 => {
                if let Some(reply) = replies.into_iter().next() {
                    let _ = reply.send(Err(e));
                }
            }
            Err(e) => {
                tracing::warn!(code = e.code(), error = %e, jobs = replies.len(), "a group of outbox writes failed; writing them one job at a time");
                for (w, reply) in writes.into_iter().zip(replies) {
                    let result = commit_group(&db, std::slice::from_ref(&w)).await.map(|mut all| all.remove(0));
                    let _ = reply.send(result);
                }
            }
        }
    }
}

/// Every job's writes in one transaction, in a few multi-row statements.
async fn commit_group(db: &Db, writes: &[Vec<Write>]) -> Result<Vec<Vec<Written>>> {
    let mut tx = db.begin().await?;
    let all = outbox_store::write_many(&mut tx, writes).await?;
    tx.commit().await?;
    Ok(all)
}

/// What every job of one pass shares.
struct Pass {
    renderer: Renderer,
    writer: Writer,
    now: Timestamp,
    /// When the claim was made (real time, whatever `now` says) and for how long it holds: a job not
    /// started before half the lease has gone is handed back rather than sent late.
    claimed: std::time::Instant,
    lease: std::time::Duration,
    /// Text messages in flight to the provider.
    sms_slots: tokio::sync::Semaphore,
    /// The messages the claimed jobs made in earlier attempts, by job (read once for the batch: while the
    /// lease holds, only this worker writes them).
    earlier: HashMap<Uuid, Vec<MessageRow>>,
    /// For the daily limit: the non-urgent jobs that reached each of the batch's patients around today,
    /// as (job, when), read once for the batch and added to as this pass reaches them. A patient's jobs
    /// run one after another in one task, so each sees the one before.
    reached: std::sync::Mutex<HashMap<Uuid, Vec<(Uuid, Timestamp)>>>,
    prefetched: Prefetched,
}

/// Kinds the daily limit counts.
fn limited_kinds() -> Vec<&'static str> {
    Kind::ALL.iter().filter(|k| !URGENT.contains(k)).map(|k| k.slug()).collect()
}

impl Pass {
    /// Jobs other than `except` that reached `patient` in `[from, to)`, when the batch read says
    /// (`None`: not read for this patient, e.g. a record merged into another).
    fn reached(&self, patient: Uuid, from: Timestamp, to: Timestamp, except: Uuid) -> Option<i64> {
        let reached = self.reached.lock().unwrap_or_else(|e| e.into_inner());
        let jobs = reached.get(&patient)?;
        let mut seen: Vec<Uuid> =
            jobs.iter().filter(|(j, at)| *j != except && *at >= from && *at < to).map(|(j, _)| *j).collect();
        seen.sort_unstable();
        seen.dedup();
        Some(seen.len() as i64)
    }

    fn reach(&self, patient: Uuid, job: Uuid) {
        let mut reached = self.reached.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(jobs) = reached.get_mut(&patient) {
            jobs.push((job, self.now));
        }
    }
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

impl App {
    /// One pass of the worker: claim due jobs (and jobs whose lease ran out) for `worker_id`, send them,
    /// record the results. Returns how many jobs were claimed. `now` is the clock (tests move it).
    pub async fn run_outbox_once(&self, worker_id: &str, now: Timestamp) -> Result<usize> {
        let cfg = &self.config().messaging;
        let claimed_at = std::time::Instant::now();
        let lease_until = now + SignedDuration::try_from(cfg.lease).unwrap_or(SignedDuration::from_mins(5));
        let jobs = outbox_store::claim(self.db(), worker_id, Ts(now), Ts(lease_until), cfg.batch.max(1) as i64).await?;
        let claimed = jobs.len();
        if claimed == 0 {
            return Ok(0);
        }
        // The practice's own wording, and what earlier attempts sent, read once for the batch.
        let renderer = self.renderer().await?;
        let ids: Vec<Uuid> = jobs.iter().map(|j| j.id).collect();
        let mut earlier: HashMap<Uuid, Vec<MessageRow>> = HashMap::new();
        for m in outbox_store::messages_of_jobs(self.db(), &ids).await? {
            earlier.entry(m.outbox_id).or_default().push(m);
        }
        // The daily limit's count for every patient of the batch, over a window wide enough for any
        // site's day (each job then counts within its own site's day).
        let mut patients: Vec<Uuid> = jobs.iter().filter_map(|j| j.patient_id).collect();
        patients.sort_unstable();
        patients.dedup();
        let (from, to) = (now - SignedDuration::from_hours(27), now + SignedDuration::from_hours(27));
        let mut reached: HashMap<Uuid, Vec<(Uuid, Timestamp)>> = patients.iter().map(|p| (*p, Vec::new())).collect();
        for (patient, job, at) in
            outbox_store::messages_reaching_patients(self.db(), &patients, Ts(from), Ts(to), &limited_kinds()).await?
        {
            reached.entry(patient).or_default().push((job, at.0));
        }
        let prefetched = Prefetched::read(self, &jobs).await?;
        let (writer, writing) = Writer::start(self.db().clone());
        let pass = Arc::new(Pass {
            renderer,
            writer,
            now,
            claimed: claimed_at,
            lease: cfg.lease,
            sms_slots: tokio::sync::Semaphore::new(cfg.sms_concurrency.max(1)),
            earlier,
            reached: std::sync::Mutex::new(reached),
            prefetched,
        });
        // One patient's jobs one after another (so the daily limit sees each message the one before
        // sent); different patients' at the same time.
        let mut by_patient: Vec<Vec<JobRow>> = Vec::new();
        let mut index: HashMap<Option<Uuid>, usize> = HashMap::new();
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
                let (app, pass) = (self.clone(), pass.clone());
                running.spawn(async move {
                    for job in group {
                        // A job whose result could not be recorded is claimed again when its lease ends.
                        let done = if pass.claimed.elapsed() > pass.lease / 2 {
                            app.hand_back(job, &pass).await
                        } else {
                            app.process(job, &pass).await
                        };
                        if let Err(e) = done {
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
        // The last holder of the writer's queue: the writer ends once it has answered everything.
        drop(pass);
        if let Err(e) = writing.await {
            tracing::error!(error = %e, "the outbox writer panicked");
        }
        Ok(claimed)
    }

    /// Give back a claimed job this pass did not get to in time (providers slow, a large batch): queued
    /// again as it was, the claim's attempt not counted, so it is never sent after its lease has run out.
    async fn hand_back(&self, job: JobRow, pass: &Pass) -> Result<()> {
        let settle = Settle {
            state: state::QUEUED.into(),
            uncount_attempt: true,
            last_error: job.last_error.clone(),
            ..Settle::default()
        };
        let write = Write::Settle { id: job.id, lease: job.lease(), settle: Box::new(settle), at: Ts(pass.now) };
        let recorded = matches!(pass.writer.write(vec![write]).await?, Written::Settled(true));
        let kind = super::compose::kind_of(&job.kind).map_or("unknown", |k| k.slug());
        let outcome = if recorded { "handed_back" } else { "taken_over" };
        metrics::counter!("outbox_jobs_total", "kind" => kind, "outcome" => outcome).increment(1);
        tracing::info!(job = %job.id, "outbox job handed back: half its lease had gone before it could be started");
        Ok(())
    }

    /// Attempt one claimed job and record the outcome.
    async fn process(&self, job: JobRow, pass: &Pass) -> Result<()> {
        let now = pass.now;
        // What providers answered, not yet written: it goes with the next write.
        let mut pending = Vec::new();
        let outcome = match self.attempt(&job, pass, &mut pending).await {
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
        let label = match (&outcome, s.state.as_str()) {
            (Outcome::Retry(_), state::DEAD) => "dead",
            (o, _) => o.label(),
        };
        pending.push(Write::Settle { id: job.id, lease: job.lease(), settle: Box::new(s.clone()), at: Ts(now) });
        let recorded = matches!(pass.writer.write(pending).await?, Written::Settled(true));
        let kind = super::compose::kind_of(&job.kind).map_or("unknown", |k| k.slug());
        if recorded {
            metrics::counter!("outbox_jobs_total", "kind" => kind, "outcome" => label).increment(1);
            tracing::info!(job = %job.id, kind = %job.kind, state = %s.state, attempt = job.attempts, "outbox job");
        } else {
            metrics::counter!("outbox_jobs_total", "kind" => kind, "outcome" => "taken_over").increment(1);
            tracing::warn!(job = %job.id, "outbox job was taken over by another worker before its result was recorded");
        }
        Ok(())
    }

    async fn attempt(&self, job: &JobRow, pass: &Pass, pending: &mut Vec<Write>) -> Result<Outcome> {
        let now = pass.now;
        let composed = match prepare_with(self, job, now, Some(&pass.prefetched)).await? {
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
        let existing: &[MessageRow] = pass.earlier.get(&job.id).map_or(&[], Vec::as_slice);
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
            let today = match pass.reached(composed.patient.id, day_start, day_end, job.id) {
                Some(n) => n,
                None => {
                    let (from, to) = (Ts(day_start), Ts(day_end));
                    let kinds = limited_kinds();
                    outbox_store::jobs_reaching_patient(self.db(), composed.patient.id, from, to, job.id, &kinds)
                        .await?
                }
            };
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
                match self.deliver(job, pass, &composed, &plan, &to, address, pending).await? {
                    Delivery::Done { provider_id } => {
                        sent = Some((address.channel(), provider_id));
                        if !URGENT.contains(&composed.kind) {
                            pass.reach(composed.patient.id, job.id);
                        }
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
            match self.deliver(job, pass, &composed, &plan, &to, &copy.address, pending).await? {
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

    /// Render and send (or file for printing) one message: its row is committed (`sending`, or
    /// `to_print`) together with `pending` before the provider is called; what the provider answered is
    /// added to `pending`, for the job's next write.
    #[allow(clippy::too_many_arguments)]
    async fn deliver(
        &self,
        job: &JobRow,
        pass: &Pass,
        c: &Composed,
        plan: &Plan,
        to: &Recipient<'_>,
        address: &Address,
        pending: &mut Vec<Write>,
    ) -> Result<Delivery> {
        let now = pass.now;
        let (recipient, recipient_name, reference, to_interrupted) = (to.key, to.name, to.reference, to.interrupted);
        let channel = address.channel();
        let count = |outcome: &'static str| {
            metrics::counter!("outbox_messages_total", "kind" => c.kind.slug(), "channel" => channel.as_str(), "outcome" => outcome)
                .increment(1);
        };
        let variant = plan.variant(channel);
        let rendered = match pass.renderer.render(c.kind, channel, plan.language, variant, &c.data) {
            Ok(r) => r,
            Err(e) => {
                count("failed_permanent");
                return Ok(Delivery::Refused(format!("permanent: the message could not be written ({e})")));
            }
        };
        let provider = match channel {
            Channel::Sms => self.sms_sender().map(|s| s.name().to_owned()),
            Channel::Email => Some("smtp".to_owned()),
            Channel::Letter => None,
        };
        let row = MessageRow {
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
        let mut writes: Vec<Write> = std::mem::take(pending);
        writes.push(Write::Message(Box::new(row)));
        let Written::Message(id) = pass.writer.write(writes).await? else {
            return Err(AppError::Internal("the message row was not written".into()));
        };
        if channel == Channel::Letter {
            count("filed");
            return Ok(Delivery::Done { provider_id: None });
        }
        // Committed as `sending`; outside any transaction from here to the result.
        let mut found_earlier = false;
        let result: std::result::Result<Option<String>, (bool, String)> = match address {
            Address::Sms(to) => {
                let Some(sender) = self.sms_sender() else {
                    count("failed_permanent");
                    return Ok(Delivery::Refused("permanent: no SMS provider is set up".into()));
                };
                let Ok(_slot) = pass.sms_slots.acquire().await else {
                    count("failed_temporary");
                    return Ok(Delivery::Later("temporary: the worker is stopping".into()));
                };
                // An earlier attempt was cut off after calling the provider: ask it first, where it can say.
                let found = match (to_interrupted, sender.lookup()) {
                    (true, Some(lookup)) => match lookup.find_by_reference(reference).await {
                        Ok(found) => found,
                        Err(e) => {
                            count("failed_temporary");
                            return Ok(Delivery::Later(format!("temporary: looking up an earlier attempt: {e}")));
                        }
                    },
                    _ => None,
                };
                let sms = OutgoingSms { to: to.clone(), body: rendered.text.clone(), reference: reference.to_owned() };
                found_earlier = found.is_some();
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
        let at = Ts(Timestamp::now().max(now));
        let (finish, delivery) = match result {
            Ok(provider_id) => {
                count(if found_earlier { "found" } else { "sent" });
                let (status, error) = (status::SENT.to_owned(), None);
                (
                    Write::Finish { id, status, provider_id: provider_id.clone(), error, at },
                    Delivery::Done { provider_id },
                )
            }
            Err((permanent, e)) => {
                count(if permanent { "failed_permanent" } else { "failed_temporary" });
                let error = format!("{}: {e}", if permanent { "permanent" } else { "temporary" });
                let status = status::FAILED.to_owned();
                let finish = Write::Finish { id, status, provider_id: None, error: Some(error.clone()), at };
                (finish, if permanent { Delivery::Refused(error) } else { Delivery::Later(error) })
            }
        };
        // A provider that can be asked about a reference (Notify) closes the window after a crash by
        // itself: its answer waits for the job's next write. One that cannot (SMTP, Twilio) would send
        // again, so its answer is committed now, narrowing that window to one commit.
        let can_be_asked =
            matches!(address, Address::Sms(_)) && self.sms_sender().is_some_and(|s| s.lookup().is_some());
        pending.push(finish);
        if !can_be_asked {
            pass.writer.write(std::mem::take(pending)).await?;
        }
        Ok(delivery)
    }

    /// Set the outbox gauges from the database (`/metrics` calls this on each scrape): jobs in each state
    /// still in the queue (`outbox_jobs{state}`), how many queued jobs are due (`outbox_due_jobs`), and
    /// how long the oldest due job has waited (`outbox_oldest_due_seconds`, 0 when none is waiting).
    pub async fn observe_outbox(&self) -> Result<()> {
        let now = domain::time::now();
        let d = outbox_store::queue_depth(self.db(), Ts(now)).await?;
        for (state, n) in d.by_state {
            metrics::gauge!("outbox_jobs", "state" => state).set(n as f64);
        }
        metrics::gauge!("outbox_due_jobs").set(d.due as f64);
        let waited = d.oldest_due.map_or(0.0, |t| now.duration_since(t.0).as_secs_f64().max(0.0));
        metrics::gauge!("outbox_oldest_due_seconds").set(waited);
        Ok(())
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
