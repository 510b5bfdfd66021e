//! The outbox monitor: how many messages wait, are scheduled, went, were delivered or failed; the jobs
//! that need a person (waiting for staff, dead letters, failures waiting to retry) with "try again" and
//! "mark done"; and every other state on its own tab. Rows link to the patient's record and messages
//! rather than naming the patient: the record view is where a look at a patient is justified and audited.

use super::when;
use crate::AppState;
use crate::auth::{CsrfForm, Staff};
use crate::errors::{PageError, see_other};
use crate::pages::{Shell, ok, render, set_flash, take_flash};
use app::AppError;
use app::messaging::compose::kind_of;
use app::messaging::monitor::{MAX_DONE_NOTE, OutboxEntry, OutboxSummary, OutboxView};
use app::messaging::replies::ReplyEntry;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::FieldError;
use jiff::Timestamp;
use serde::Deserialize;
use uuid::Uuid;

/// Jobs listed on one tab.
const LIMIT: i64 = 200;

/// States a person can act on from the monitor.
const RETRYABLE: [&str; 3] = ["dead", "failed", "needs_staff"];
const CLOSABLE: [&str; 3] = ["needs_staff", "dead", "failed"];

/// A state in staff's words, and the tag colour that goes with it.
fn state_label(state: &str, scheduled: bool) -> (&'static str, &'static str) {
    match state {
        "queued" if scheduled => ("Scheduled", "app-tag--grey"),
        "queued" => ("Waiting to send", "app-tag--blue"),
        "sending" => ("Sending", "app-tag--blue"),
        "sent" => ("Sent", "app-tag--green"),
        "failed" => ("Failed, will try again", "app-tag--yellow"),
        "dead" => ("Dead letter", "app-tag--red"),
        "cancelled" => ("Cancelled", "app-tag--grey"),
        "needs_staff" => ("Waiting for staff", "app-tag--red"),
        "to_print" => ("Letter to print", "app-tag--purple"),
        _ => ("Unknown", "app-tag--grey"),
    }
}

fn kind_label(kind: &str) -> &'static str {
    kind_of(kind).map_or("Message", |k| k.label())
}

fn parse_time(s: &str) -> Option<Timestamp> {
    s.parse().ok()
}

pub struct JobView {
    id: Uuid,
    kind: &'static str,
    state: &'static str,
    tag: &'static str,
    due: String,
    attempts: i32,
    channel: String,
    what_happened: String,
    patient: Option<Uuid>,
    can_retry: bool,
    can_close: bool,
}

fn job_view(j: &OutboxEntry, now: Timestamp) -> JobView {
    let due = parse_time(&j.due_at);
    let (state, tag) = state_label(&j.state, due.is_some_and(|d| d > now));
    let channel = match (j.channel.as_deref(), j.fell_back) {
        (Some(c), true) => format!("{} (fallback)", channel_label(c)),
        (Some(c), false) => channel_label(c).to_owned(),
        (None, _) => String::new(),
    };
    JobView {
        id: j.id,
        kind: kind_label(&j.kind),
        state,
        tag,
        due: due.map(when).unwrap_or_default(),
        attempts: j.attempts,
        channel,
        what_happened: j.last_error.clone().unwrap_or_default(),
        patient: j.patient_id,
        can_retry: RETRYABLE.contains(&j.state.as_str()),
        can_close: CLOSABLE.contains(&j.state.as_str()),
    }
}

fn channel_label(c: &str) -> &'static str {
    match c {
        "sms" => "Text message",
        "email" => "Email",
        "letter" => "Letter",
        _ => "Other",
    }
}

/// A tab: its query value, label and how many jobs it holds.
pub struct Tab {
    name: &'static str,
    label: &'static str,
    count: i64,
    current: bool,
}

/// A row of the summary.
pub struct Count {
    label: &'static str,
    count: i64,
    hint: &'static str,
}

fn counts(s: &OutboxSummary) -> Vec<Count> {
    let job = |k: &str| s.jobs.get(k).copied().unwrap_or(0);
    let msg = |k: &str| s.messages.get(k).copied().unwrap_or(0);
    vec![
        Count { label: "Waiting to send now", count: s.due_now, hint: "Due, waiting for the next round of sending." },
        Count { label: "Scheduled", count: s.scheduled, hint: "Reminders and texts held until their time." },
        Count { label: "Sending", count: job("sending"), hint: "Being sent now." },
        Count { label: "Sent", count: job("sent"), hint: "Handed to the mail server or text provider." },
        Count {
            label: "Delivered",
            count: msg("delivered"),
            hint: "Messages the text provider says reached the phone.",
        },
        Count {
            label: "Not delivered",
            count: msg("not_delivered"),
            hint: "Messages the provider could not deliver. Carefront tried the next way to reach the patient.",
        },
        Count { label: "Failed, will try again", count: job("failed"), hint: "Carefront tries again on its own." },
        Count {
            label: "Dead letters",
            count: job("dead"),
            hint: "Carefront gave up after several tries. Try again, or deal with them by hand.",
        },
        Count {
            label: "Waiting for staff",
            count: job("needs_staff"),
            hint: "A person must act: for example Braille to arrange, or no way to reach the patient.",
        },
        Count { label: "Letters to print", count: job("to_print"), hint: "In the next batch of letters to print." },
        Count {
            label: "Cancelled",
            count: job("cancelled"),
            hint: "Not needed any more: for example the appointment was cancelled.",
        },
    ]
}

fn tabs(s: &OutboxSummary, view: OutboxView) -> Vec<Tab> {
    let job = |k: &str| s.jobs.get(k).copied().unwrap_or(0);
    let attention = job("needs_staff") + job("dead") + job("failed");
    let all: i64 = s.jobs.values().sum();
    [
        ("attention", "Needs attention", attention),
        ("needs_staff", "Waiting for staff", job("needs_staff")),
        ("dead", "Dead letters", job("dead")),
        ("failed", "Failed", job("failed")),
        ("queued", "Queued and scheduled", job("queued")),
        ("sending", "Sending", job("sending")),
        ("sent", "Sent", job("sent")),
        ("to_print", "Letters to print", job("to_print")),
        ("cancelled", "Cancelled", job("cancelled")),
        ("all", "All", all),
    ]
    .into_iter()
    .map(|(name, label, count)| Tab { name, label, count, current: name == view.name() })
    .collect()
}

#[derive(Template)]
#[template(path = "staff/messages/outbox.html")]
struct OutboxPage {
    shell: Shell,
    csrf: String,
    flash: Option<String>,
    counts: Vec<Count>,
    oldest_waiting: Option<String>,
    tabs: Vec<Tab>,
    heading: &'static str,
    jobs: Vec<JobView>,
    limit: i64,
    replies: Vec<ReplyView>,
}

/// A text reply Carefront could not act on, in staff's words. The patient's words are not kept.
pub struct ReplyView {
    received: String,
    why: &'static str,
    patient: Option<Uuid>,
}

fn reply_view(r: &ReplyEntry) -> ReplyView {
    ReplyView {
        received: parse_time(&r.received_at).map(when).unwrap_or_default(),
        why: match r.action.as_str() {
            "unknown_number" => "From a number that is not on any record.",
            "ambiguous" => "From a number on more than one record, so Carefront could not tell whose it was.",
            "not_understood" => "Not CANCEL or STOP. The patient may want to talk to the practice.",
            "no_appointment" => "CANCEL, but the patient has no appointment coming up.",
            "too_late" => "CANCEL, but too close to the appointment to cancel by text. Please phone the patient.",
            _ => "Needs a look.",
        },
        patient: r.patient_id,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OutboxQuery {
    state: Option<String>,
}

pub async fn list(State(state): State<AppState>, staff: Staff, Query(q): Query<OutboxQuery>) -> Response {
    let view = match OutboxView::parse(q.state.as_deref()) {
        Ok(v) => v,
        Err(e) => return PageError(e, staff.op()).into_response(),
    };
    let monitor = match state.app.outbox_monitor(&staff.ctx, view, LIMIT).await {
        Ok(r) => r,
        Err(e) => return PageError(e, staff.op()).into_response(),
    };
    let (summary, jobs) = (monitor.summary, monitor.jobs);
    let now = Timestamp::now();
    let tabs = tabs(&summary, view);
    let heading = tabs.iter().find(|t| t.current).map_or("Needs attention", |t| t.label);
    ok(&OutboxPage {
        shell: Shell::staff("Outbox", &staff),
        csrf: staff.csrf.clone(),
        flash: take_flash(&staff).await,
        counts: counts(&summary),
        oldest_waiting: summary.oldest_due_at.as_deref().and_then(parse_time).map(|t| waited(now, t)),
        tabs,
        heading,
        jobs: jobs.iter().map(|j| job_view(j, now)).collect(),
        limit: LIMIT,
        replies: monitor.replies.iter().map(reply_view).collect(),
    })
}

/// "3 minutes", "2 hours" since `since`.
fn waited(now: Timestamp, since: Timestamp) -> String {
    let secs = now.duration_since(since).as_secs().max(0);
    let (n, unit) = match secs {
        s if s < 120 => (s, "second"),
        s if s < 2 * 3600 => (s / 60, "minute"),
        s if s < 2 * 86_400 => (s / 3600, "hour"),
        s => (s / 86_400, "day"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

pub async fn retry(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Response {
    match state.app.retry_dead(&staff.ctx, id).await {
        Ok(job) => {
            set_flash(
                &staff,
                &format!("{} put back in the queue. It will be sent in the next round.", kind_label(&job.kind)),
            )
            .await;
            see_other("/staff/messages/outbox")
        }
        Err(AppError::Invalid(inv)) => {
            let message = inv.0.into_iter().map(|e| e.message).collect::<Vec<_>>().join(" ");
            set_flash(&staff, &format!("Nothing changed. {message}")).await;
            see_other("/staff/messages/outbox")
        }
        Err(e) => PageError(e, staff.op()).into_response(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Empty {}

#[derive(Template)]
#[template(path = "staff/messages/outbox_done.html")]
struct DonePage {
    shell: Shell,
    csrf: String,
    job: JobView,
    note: String,
    max: usize,
}

async fn done_page(state: &AppState, staff: &Staff, id: Uuid, note: String, errors: Vec<FieldError>) -> Response {
    let job = match state.app.outbox_job(&staff.ctx, id).await {
        Ok(j) => job_view(&j, Timestamp::now()),
        Err(e) => return PageError(e, staff.op()).into_response(),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(
        &DonePage {
            shell: Shell::staff("Mark a message done", staff).with_errors(errors),
            csrf: staff.csrf.clone(),
            job,
            note,
            max: MAX_DONE_NOTE,
        },
        status,
    )
}

pub async fn done_form(State(state): State<AppState>, staff: Staff, Path(id): Path<Uuid>) -> Response {
    done_page(&state, &staff, id, String::new(), Vec::new()).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DoneForm {
    note: String,
}

pub async fn done(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<Uuid>,
    CsrfForm(form): CsrfForm<DoneForm>,
) -> Response {
    match state.app.close_outbox_task(&staff.ctx, id, &form.note).await {
        Ok(job) => {
            set_flash(&staff, &format!("{} marked done.", kind_label(&job.kind))).await;
            see_other("/staff/messages/outbox")
        }
        Err(AppError::Invalid(inv)) if inv.0.iter().all(|e| e.field == "note") => {
            let errors = inv.0.into_iter().map(|e| FieldError::new("note", e.message)).collect();
            done_page(&state, &staff, id, form.note, errors).await
        }
        // Someone else dealt with it meanwhile (or it was retried): say so on the outbox.
        Err(AppError::Invalid(inv)) => {
            let message = inv.0.into_iter().map(|e| e.message).collect::<Vec<_>>().join(" ");
            set_flash(&staff, &format!("Nothing changed. {message}")).await;
            see_other("/staff/messages/outbox")
        }
        Err(e) => PageError(e, staff.op()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiting_times_read_naturally() {
        let now: Timestamp = "2026-03-03T12:00:00Z".parse().unwrap();
        let ago = |s: i64| now - jiff::SignedDuration::from_secs(s);
        assert_eq!(waited(now, ago(1)), "1 second");
        assert_eq!(waited(now, ago(90)), "90 seconds");
        assert_eq!(waited(now, ago(600)), "10 minutes");
        assert_eq!(waited(now, ago(3 * 3600)), "3 hours");
        assert_eq!(waited(now, ago(3 * 86_400)), "3 days");
        assert_eq!(waited(now, now + jiff::SignedDuration::from_secs(5)), "0 seconds");
    }
}
