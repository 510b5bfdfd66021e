//! Staff pages for the waiting list (with each offer chain) and referrals: the referrals list with the
//! warning list on top, recording a referral (found by NHS number, so nothing about the patient goes in
//! an address), a referral's page (book it, mark it seen or close it).

use super::{Shell, ok, render, set_flash, take_flash};
use crate::AppState;
use crate::auth::{CsrfForm, Staff};
use crate::errors::{PageError, see_other};
use app::AppError;
use app::scheduling::offer_chains::{BoardEntry, OfferLine};
use app::scheduling::referrals::{
    PatientRef, ReferralInput, ReferralOutcome, ReferralState, ReferralSummary, SlotChoice,
};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use domain::FieldError;
use domain::governance::policy::role_may;
use domain::governance::{Action, Role};
use domain::scheduling::waiting::{Priority, ReferralPriority, TargetStatus};
use jiff::Timestamp;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/staff/waiting-list", get(waiting_list))
        .route("/staff/referrals", get(referrals))
        .route("/staff/referrals/new", get(new_form).post(record))
        .route("/staff/referrals/{id}", get(referral))
        .route("/staff/referrals/{id}/book", post(book))
        .route("/staff/referrals/{id}/close", post(close))
}

// ---------------------------------------------------------------------------------------------------
// Words for dates, times and targets

fn london() -> TimeZone {
    TimeZone::get("Europe/London").unwrap_or(TimeZone::UTC)
}

/// `2027-06-03` as `3 June 2027`.
fn day_words(iso: &str) -> String {
    iso.parse::<Date>().map(|d| d.strftime("%-d %B %Y").to_string()).unwrap_or_else(|_| iso.to_owned())
}

/// An instant as `Thursday 3 June 2027 at 09:20` in a zone.
fn when(t: Timestamp, tz: &TimeZone) -> String {
    t.to_zoned(tz.clone()).strftime("%A %-d %B %Y at %H:%M").to_string()
}

/// An instant as `3 June, 10:02` in a zone (for events around now).
fn short_when(t: Timestamp, tz: &TimeZone) -> String {
    t.to_zoned(tz.clone()).strftime("%-d %B, %H:%M").to_string()
}

fn plural(n: i32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A target date in words, and its class: `past`, `approaching` or empty.
fn target_words(t: TargetStatus) -> (String, &'static str) {
    match t {
        TargetStatus::OnTrack => ("On track".into(), ""),
        TargetStatus::Approaching { days_left: 0 } => ("Due today".into(), "approaching"),
        TargetStatus::Approaching { days_left } => {
            (format!("Due in {}", plural(days_left, "day", "days")), "approaching")
        }
        TargetStatus::Past { days_over } => (format!("Past target by {}", plural(days_over, "day", "days")), "past"),
    }
}

// ---------------------------------------------------------------------------------------------------
// The waiting list

pub struct ChainView {
    position: i32,
    name: String,
    outcome: String,
    this_patient: bool,
}

pub struct OfferView {
    slot: String,
    offered: String,
    answer_by: String,
    outcome: String,
    position: i32,
    chain: Vec<ChainView>,
}

pub struct EntryView {
    patient_id: Uuid,
    patient_name: String,
    service: String,
    status: &'static str,
    added: String,
    target: Option<String>,
    target_text: Option<String>,
    target_kind: &'static str,
    preferences: String,
    source: String,
    offers: Vec<OfferView>,
}

pub struct PriorityGroup {
    id: &'static str,
    label: &'static str,
    waiting: usize,
    entries: Vec<EntryView>,
}

#[derive(Template)]
#[template(path = "staff/waiting/list.html")]
struct WaitingListPage {
    shell: Shell,
    groups: Vec<PriorityGroup>,
    total_waiting: usize,
}

fn outcome_words(outcome: &str, decided: Option<Timestamp>, tz: &TimeZone) -> String {
    let at = decided.map(|t| format!(" ({})", short_when(t, tz))).unwrap_or_default();
    match outcome {
        "accepted" => format!("Accepted{at}"),
        "declined" => format!("Declined{at}"),
        "expired" => format!("Expired, not answered in time{at}"),
        "withdrawn" => format!("Withdrawn{at}"),
        _ => "Waiting for an answer".into(),
    }
}

fn waiting_status(s: &str) -> &'static str {
    match s {
        "waiting" => "Waiting",
        "offered" => "Offered a slot",
        "booked" => "Booked",
        "removed" => "Taken off the list",
        _ => "Unknown",
    }
}

fn weekday_names(days: &str) -> Vec<&'static str> {
    days.split(',')
        .filter_map(|d| match d.trim() {
            "1" => Some("Mon"),
            "2" => Some("Tue"),
            "3" => Some("Wed"),
            "4" => Some("Thu"),
            "5" => Some("Fri"),
            "6" => Some("Sat"),
            "7" => Some("Sun"),
            _ => None,
        })
        .collect()
}

fn offer_view(l: &OfferLine, entry: Uuid, zones: &HashMap<Uuid, TimeZone>) -> OfferView {
    let tz = l.slot.as_ref().and_then(|s| zones.get(&s.site_id)).cloned().unwrap_or_else(london);
    let o = &l.offer;
    OfferView {
        slot: match &l.slot {
            Some(s) => format!(
                "{}{}",
                when(s.starts_at.0, &tz),
                l.practitioner_name.as_deref().map(|p| format!(" with {p}")).unwrap_or_default()
            ),
            None => "Slot no longer recorded".into(),
        },
        offered: short_when(o.offered_at.0, &tz),
        answer_by: short_when(o.expires_at.0, &tz),
        outcome: outcome_words(&o.outcome, o.decided_at.map(|t| t.0), &tz),
        position: o.chain_position,
        chain: l
            .chain
            .iter()
            .map(|c| ChainView {
                position: c.offer.chain_position,
                name: c.patient_name.clone(),
                outcome: outcome_words(&c.offer.outcome, None, &tz),
                this_patient: c.offer.waiting_id == entry,
            })
            .collect(),
    }
}

fn entry_view(e: BoardEntry, zones: &HashMap<Uuid, TimeZone>) -> EntryView {
    let (target_text, target_kind) = match e.target {
        Some(t) => {
            let (text, kind) = target_words(t);
            (Some(text), kind)
        }
        None => (None, ""),
    };
    let mut prefs = Vec::new();
    let days = weekday_names(&e.row.preferred_days);
    if !days.is_empty() {
        prefs.push(days.join(", "));
    }
    if !e.row.preferred_times.is_empty() {
        prefs.push(e.row.preferred_times.replace(',', ", ").replace('-', "–"));
    }
    if let Some(p) = &e.preferred_practitioner {
        prefs.push(if e.row.only_preferred_practitioner { format!("only {p}") } else { format!("prefers {p}") });
    }
    let source = match e.row.source.as_str() {
        "referral" => "Referral",
        "clinician" => "Clinician",
        _ => "Patient request",
    };
    EntryView {
        patient_id: e.row.patient_id,
        patient_name: e.patient_name.clone(),
        service: e.service_name.clone(),
        status: waiting_status(&e.row.status),
        added: day_words(&e.row.added_on),
        target: e.row.target_date.as_deref().map(day_words),
        target_text,
        target_kind,
        preferences: if prefs.is_empty() { "Any time".into() } else { prefs.join("; ") },
        source: source.into(),
        offers: e.offers.iter().map(|l| offer_view(l, e.row.id, zones)).collect(),
    }
}

async fn zones(state: &AppState) -> HashMap<Uuid, TimeZone> {
    store::organisation::sites(state.app.db())
        .await
        .unwrap_or_default()
        .into_iter()
        .filter_map(|s| TimeZone::get(&s.time_zone).ok().map(|tz| (s.id, tz)))
        .collect()
}

pub async fn waiting_list(State(state): State<AppState>, staff: Staff) -> Response {
    let entries = match state.app.waiting_board(&staff.ctx).await {
        Ok(e) => e,
        Err(e) => return PageError(e, staff.op()).into_response(),
    };
    let zones = zones(&state).await;
    let mut groups: Vec<PriorityGroup> = Priority::ALL
        .iter()
        .map(|p| PriorityGroup { id: p.as_str(), label: p.label(), waiting: 0, entries: Vec::new() })
        .collect();
    for e in entries {
        if let Some(g) = groups.iter_mut().find(|g| g.id == e.priority.as_str()) {
            if matches!(e.row.status.as_str(), "waiting" | "offered") {
                g.waiting += 1;
            }
            g.entries.push(entry_view(e, &zones));
        }
    }
    let total_waiting = groups.iter().map(|g| g.waiting).sum();
    ok(&WaitingListPage { shell: Shell::staff("Waiting list", &staff), groups, total_waiting })
}

// ---------------------------------------------------------------------------------------------------
// Referrals

pub struct ReferralRowView {
    id: Uuid,
    patient_name: String,
    source: String,
    priority: &'static str,
    urgent_cancer: bool,
    received: String,
    target: String,
    target_text: String,
    target_kind: &'static str,
    state: &'static str,
}

fn referral_row(s: &ReferralSummary) -> ReferralRowView {
    let (target_text, target_kind) =
        if s.state.needs_action() { target_words(s.target) } else { (s.state.label().to_owned(), "") };
    ReferralRowView {
        id: s.row.id,
        patient_name: s.patient_name.clone(),
        source: s.row.source_organisation.clone(),
        priority: s.priority.label(),
        urgent_cancer: s.priority == ReferralPriority::UrgentSuspectedCancer,
        received: day_words(&s.row.received_on),
        target: day_words(&s.row.target_date),
        target_text,
        target_kind,
        state: s.state.label(),
    }
}

#[derive(Template)]
#[template(path = "staff/waiting/referrals.html")]
struct ReferralsPage {
    shell: Shell,
    flash: Option<String>,
    warnings: Vec<ReferralRowView>,
    all: Vec<ReferralRowView>,
    warn_days: u16,
    targets: String,
    can_record: bool,
}

pub async fn referrals(State(state): State<AppState>, staff: Staff) -> Response {
    let o = match state.app.referrals_overview(&staff.ctx).await {
        Ok(o) => o,
        Err(e) => return PageError(e, staff.op()).into_response(),
    };
    let t = o.targets;
    ok(&ReferralsPage {
        shell: Shell::staff("Referrals", &staff),
        flash: take_flash(&staff).await,
        warnings: o.warnings.iter().map(referral_row).collect(),
        all: o.all.iter().map(referral_row).collect(),
        warn_days: t.warn_days,
        targets: format!(
            "Target dates: urgent suspected cancer {} days after the referral is received, urgent {} days, routine {} days.",
            t.urgent_suspected_cancer_days, t.urgent_days, t.routine_days
        ),
        can_record: role_may(staff.actor.role, Action::BookAppointment),
    })
}

/// The new-referral form, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReferralForm {
    nhs_number: String,
    source_organisation: String,
    referrer: String,
    priority: String,
    received_on: String,
    reason: String,
    service_id: String,
}

#[derive(Template)]
#[template(path = "staff/waiting/referral_new.html")]
struct NewReferralPage {
    shell: Shell,
    csrf: String,
    form: ReferralForm,
    services: Vec<(String, String)>,
    priorities: Vec<(&'static str, &'static str)>,
}

async fn new_page(state: &AppState, staff: &Staff, form: ReferralForm, errors: Vec<FieldError>) -> Response {
    let services = match state.app.booking_catalogue(&staff.ctx).await {
        Ok((services, ..)) => services.into_iter().filter(|s| s.active).map(|s| (s.id.to_string(), s.name)).collect(),
        Err(e) => return PageError(e, staff.op()).into_response(),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(
        &NewReferralPage {
            shell: Shell::staff("Record a referral", staff).with_errors(errors),
            csrf: staff.csrf.clone(),
            form,
            services,
            priorities: ReferralPriority::ALL.iter().map(|p| (p.as_str(), p.label())).collect(),
        },
        status,
    )
}

pub async fn new_form(State(state): State<AppState>, staff: Staff) -> Response {
    if let Err(e) = state.app.may(&staff.ctx, Action::BookAppointment).await {
        return PageError(e, staff.op()).into_response();
    }
    let form =
        ReferralForm { received_on: app::patients::today().strftime("%d/%m/%Y").to_string(), ..Default::default() };
    new_page(&state, &staff, form, Vec::new()).await
}

/// The form's fields in the order they are shown, so the error summary follows the page.
const FORM_ORDER: [&str; 7] =
    ["nhs_number", "source_organisation", "referrer", "priority", "received_on", "reason", "service_id"];

fn in_form_order(mut errors: Vec<FieldError>, order: &[&str]) -> Vec<FieldError> {
    errors.sort_by_key(|e| order.iter().position(|f| *f == e.field).unwrap_or(order.len()));
    errors
}

pub async fn record(State(state): State<AppState>, staff: Staff, CsrfForm(form): CsrfForm<ReferralForm>) -> Response {
    let mut errors = Vec::new();
    if form.nhs_number.trim().is_empty() {
        errors.push(FieldError::new("nhs_number", "Enter the patient’s NHS number"));
    }
    let service_id = match form.service_id.trim() {
        "" => None,
        s => match s.parse::<Uuid>() {
            Ok(id) => Some(id),
            Err(_) => {
                errors.push(FieldError::new("service_id", "Choose a service from the list"));
                None
            }
        },
    };
    if !errors.is_empty() {
        return new_page(&state, &staff, form, errors).await;
    }
    let input = ReferralInput {
        patient: PatientRef::NhsNumber(form.nhs_number.clone()),
        source_organisation: form.source_organisation.clone(),
        referrer: form.referrer.clone(),
        priority: form.priority.clone(),
        received_on: form.received_on.clone(),
        reason: form.reason.clone(),
        service_id,
        appointment: None,
    };
    match state.app.record_referral(&staff.ctx, &input).await {
        Ok(made) => {
            set_flash(
                &staff,
                &format!(
                    "Referral recorded. The patient is on the waiting list; target date {}.",
                    day_words(&made.referral.target_date)
                ),
            )
            .await;
            see_other(&format!("/staff/referrals/{}", made.referral.id))
        }
        Err(AppError::Invalid(inv)) => {
            let errors = inv
                .0
                .into_iter()
                .map(|mut e| {
                    if e.field == "patient_id" {
                        e.field = "nhs_number".into();
                    }
                    e
                })
                .collect();
            new_page(&state, &staff, form, in_form_order(errors, &FORM_ORDER)).await
        }
        Err(AppError::NotFound { what: "patient" }) => {
            new_page(&state, &staff, form, vec![FieldError::new("nhs_number", "No patient has this NHS number")]).await
        }
        Err(e) => PageError(e, staff.op()).into_response(),
    }
}

// ---------------------------------------------------------------------------------------------------
// One referral

/// The booking form on a referral's page, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BookForm {
    practitioner_id: String,
    date: String,
    time: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CloseForm {
    outcome: String,
    note: String,
}

#[derive(Template)]
#[template(path = "staff/waiting/referral.html")]
struct ReferralPage {
    shell: Shell,
    csrf: String,
    flash: Option<String>,
    id: Uuid,
    patient_id: Uuid,
    patient_name: String,
    rows: Vec<(&'static str, String)>,
    target_text: Option<String>,
    target_kind: &'static str,
    can_book: bool,
    can_close: bool,
    practitioners: Vec<(String, String)>,
    book: BookForm,
    close: CloseForm,
    outcomes: Vec<(&'static str, &'static str)>,
    alternatives: Vec<String>,
}

async fn referral_page(
    state: &AppState,
    staff: &Staff,
    id: Uuid,
    book: BookForm,
    close: CloseForm,
    errors: Vec<FieldError>,
    alternatives: Vec<String>,
) -> Response {
    let s = match state.app.referral(&staff.ctx, id).await {
        Ok(s) => s,
        Err(e) => return PageError(e, staff.op()).into_response(),
    };
    let zones = zones(state).await;
    let mut rows = vec![
        ("Patient", s.patient_name.clone()),
        ("NHS number", s.nhs_number.clone().unwrap_or_else(|| "Not recorded".into())),
        ("Priority", s.priority.label().to_owned()),
        ("From", s.row.source_organisation.clone()),
        ("Referrer", s.row.referrer.clone()),
        ("Received", day_words(&s.row.received_on)),
        ("Target date", day_words(&s.row.target_date)),
        ("Service", s.service_name.clone().unwrap_or_else(|| "Not named".into())),
        (
            "Reason",
            if s.reason_visible {
                s.row.reason.clone()
            } else {
                "Shown to clinicians and practice managers only".into()
            },
        ),
        ("Status", s.state.label().to_owned()),
    ];
    if let Some(a) = &s.appointment {
        let tz = zones.get(&a.site_id).cloned().unwrap_or_else(london);
        let status = match a.status.as_str() {
            "pending" => "held for the patient while they answer an offer",
            "booked" => "booked",
            "arrived" => "arrived",
            "fulfilled" => "attended",
            "cancelled" => "cancelled",
            "noshow" => "did not attend",
            _ => "entered in error",
        };
        rows.push(("Appointment", format!("{} ({status})", when(a.starts_at.0, &tz))));
    }
    if let Some(w) = &s.waiting {
        rows.push(("Waiting list", format!("{} since {}", waiting_status(&w.status), day_words(&w.added_on))));
    }
    if let Some(c) = &s.closure
        && let Some(outcome) = c.outcome.as_deref().and_then(|o| ReferralOutcome::parse(o).ok())
    {
        let at =
            c.closed_at.map(|t| format!(" on {}", t.0.to_zoned(london()).strftime("%-d %B %Y"))).unwrap_or_default();
        let note = c.outcome_note.as_deref().map(|n| format!(": {n}")).unwrap_or_default();
        rows.push(("Outcome", format!("{}{at}{note}", outcome.label())));
    }
    let (target_text, target_kind) = if s.state.needs_action() {
        let (t, k) = target_words(s.target);
        (Some(t), k)
    } else {
        (None, "")
    };
    let may_book = role_may(staff.actor.role, Action::BookAppointment) && staff.actor.role != Role::Patient;
    let can_book = may_book
        && matches!(s.state, ReferralState::Open | ReferralState::Waiting | ReferralState::NeedsRebooking)
        && s.row.service_id.is_some();
    let can_close =
        may_book && !matches!(s.state, ReferralState::Seen | ReferralState::Closed | ReferralState::Offered);
    let practitioners = match (can_book, s.row.service_id) {
        (true, Some(service)) => match state.app.booking_catalogue(&staff.ctx).await {
            Ok((_, people, _, delivered)) => {
                let who: Vec<Uuid> =
                    delivered.into_iter().find(|(sid, _)| *sid == service).map(|(_, p)| p).unwrap_or_default();
                people.into_iter().filter(|p| who.contains(&p.id)).map(|p| (p.id.to_string(), p.display_name)).collect()
            }
            Err(e) => return PageError(e, staff.op()).into_response(),
        },
        _ => Vec::new(),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let status = if alternatives.is_empty() { status } else { StatusCode::CONFLICT };
    render(
        &ReferralPage {
            shell: Shell::staff(&format!("Referral for {}", s.patient_name), staff).with_errors(errors),
            csrf: staff.csrf.clone(),
            flash: take_flash(staff).await,
            id,
            patient_id: s.row.patient_id,
            patient_name: s.patient_name.clone(),
            rows,
            target_text,
            target_kind,
            can_book,
            can_close,
            practitioners,
            book,
            close,
            outcomes: ReferralOutcome::ALL.iter().map(|o| (o.as_str(), o.label())).collect(),
            alternatives,
        },
        status,
    )
}

pub async fn referral(State(state): State<AppState>, staff: Staff, Path(id): Path<Uuid>) -> Response {
    referral_page(&state, &staff, id, BookForm::default(), CloseForm::default(), Vec::new(), Vec::new()).await
}

pub async fn book(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<Uuid>,
    CsrfForm(form): CsrfForm<BookForm>,
) -> Response {
    let mut errors = Vec::new();
    let practitioner = form.practitioner_id.trim().parse::<Uuid>().ok();
    if practitioner.is_none() {
        errors.push(FieldError::new("practitioner_id", "Choose who the patient will see"));
    }
    let date = match form.date.trim() {
        "" => {
            errors.push(FieldError::new("date", "Enter the date of the appointment"));
            None
        }
        raw => {
            let d = domain::patients::dates::parse_date(raw);
            if d.is_none() {
                errors.push(FieldError::new("date", "Enter a real date, such as 27/03/2027"));
            }
            d
        }
    };
    let time = match form.time.trim() {
        "" => {
            errors.push(FieldError::new("time", "Enter the time of the appointment"));
            None
        }
        raw => {
            let t = raw.replace('.', ":").parse::<Time>().ok().filter(|t| t.second() == 0);
            if t.is_none() {
                errors.push(FieldError::new("time", "Enter a time such as 09:20"));
            }
            t
        }
    };
    let (Some(practitioner), Some(date), Some(time)) = (practitioner, date, time) else {
        return referral_page(&state, &staff, id, form, CloseForm::default(), errors, Vec::new()).await;
    };
    let result = match state.app.practitioner_local_start(practitioner, date.to_datetime(time)).await {
        Ok(start) => state.app.book_referral(&staff.ctx, id, SlotChoice { practitioner_id: practitioner, start }).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => {
            set_flash(&staff, "Appointment booked for this referral.").await;
            see_other(&format!("/staff/referrals/{id}"))
        }
        Err(AppError::Invalid(inv)) => {
            let errors = inv
                .0
                .into_iter()
                .map(|mut e| {
                    e.field = match e.field.as_str() {
                        "start" => "time".into(),
                        "date" | "time" => e.field,
                        _ => "practitioner_id".into(),
                    };
                    e
                })
                .collect();
            referral_page(&state, &staff, id, form, CloseForm::default(), errors, Vec::new()).await
        }
        Err(AppError::SlotUnavailable { message, alternatives }) => {
            let zones = zones(&state).await;
            let alts: Vec<String> = alternatives
                .iter()
                .map(|a| {
                    let tz = zones.get(&a.site_id).cloned().unwrap_or_else(london);
                    format!("{} with {}", when(a.start, &tz), a.practitioner)
                })
                .collect();
            let errors = vec![FieldError::new("time", message)];
            referral_page(&state, &staff, id, form, CloseForm::default(), errors, alts).await
        }
        Err(e) => PageError(e, staff.op()).into_response(),
    }
}

pub async fn close(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<Uuid>,
    CsrfForm(form): CsrfForm<CloseForm>,
) -> Response {
    if form.outcome.trim().is_empty() {
        let errors = vec![FieldError::new("outcome", "Choose how the referral ended")];
        return referral_page(&state, &staff, id, BookForm::default(), form, errors, Vec::new()).await;
    }
    match state.app.close_referral(&staff.ctx, id, &form.outcome, Some(&form.note)).await {
        Ok(s) => {
            let message = if s.state == ReferralState::Seen { "Referral marked as seen." } else { "Referral closed." };
            set_flash(&staff, message).await;
            see_other(&format!("/staff/referrals/{id}"))
        }
        Err(AppError::Invalid(inv)) => {
            let errors = inv
                .0
                .into_iter()
                .map(|mut e| {
                    if e.field != "note" {
                        e.field = "outcome".into();
                    }
                    e
                })
                .collect();
            referral_page(&state, &staff, id, BookForm::default(), form, errors, Vec::new()).await
        }
        Err(e) => PageError(e, staff.op()).into_response(),
    }
}
