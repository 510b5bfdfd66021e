//! The booking flow, one thing per page: choose the service (and how the patient is booking) → pick a time
//! from a week view of free slots (optionally one practitioner's) → check your answers → book → the
//! confirmation with a reference. Moving an appointment uses the same week view and check page.
//!
//! The choices travel in the address (service, practitioner, start time and week are not patient data);
//! the patient's id is in the path. A time taken meanwhile shows the error summary and the nearest free
//! times instead.

use super::{
    BriefView, Catalogue, longer_because, mode_label, parse_date, parse_id, price, reference, set_done, take_done,
    today_in, when_words,
};
use crate::AppState;
use crate::auth::{CsrfForm, Staff};
use crate::errors::{PageError, see_other};
use crate::pages::{Shell, render};
use app::AppError;
use app::scheduling::availability::{FreeSlot, SlotQuery};
use app::scheduling::booking::BookRequest;
use app::scheduling::day::PatientBrief;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::FieldError;
use domain::governance::{Action, policy::role_may};
use domain::scheduling::appointment::BookingChannel;
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use serde::Deserialize;
use store::scheduling::AppointmentRow;
use uuid::Uuid;

/// Free slots one week view shows at most.
const WEEK_LIMIT: usize = 5_000;

/// Booking a new appointment, or moving one.
#[derive(Clone)]
enum Flow {
    Book { patient: Uuid, channel: &'static str },
    Move { appointment: Box<AppointmentRow> },
}

impl Flow {
    fn week_url(&self, service: Uuid, week: Date, practitioner: Option<Uuid>) -> String {
        let filter = practitioner.map(|p| format!("&practitioner={p}")).unwrap_or_default();
        match self {
            Flow::Book { patient, channel } => {
                format!("/staff/book/{patient}/time?service={service}&channel={channel}&week={week}{filter}")
            }
            Flow::Move { appointment } => {
                format!("/staff/appointments/{}/reschedule?week={week}{filter}", appointment.id)
            }
        }
    }

    fn check_url(&self, service: Uuid, practitioner: Uuid, start: Timestamp) -> String {
        match self {
            Flow::Book { patient, channel } => format!(
                "/staff/book/{patient}/check?service={service}&channel={channel}&practitioner={practitioner}&start={start}"
            ),
            Flow::Move { appointment } => format!(
                "/staff/appointments/{}/reschedule/check?practitioner={practitioner}&start={start}",
                appointment.id
            ),
        }
    }

    fn moving(&self) -> Option<&AppointmentRow> {
        match self {
            Flow::Move { appointment } => Some(appointment),
            Flow::Book { .. } => None,
        }
    }
}

fn channel_of(raw: &str) -> &'static str {
    match raw.trim() {
        "phone" => "phone",
        _ => "desk",
    }
}

fn fail(staff: &Staff, e: AppError) -> Response {
    PageError(e, staff.op()).into_response()
}

fn not_found(staff: &Staff, what: &'static str) -> Response {
    fail(staff, AppError::NotFound { what })
}

/// The patient in the path, read for booking (policy and audit in the use-case).
async fn patient(state: &AppState, staff: &Staff, raw: &str) -> Result<PatientBrief, Response> {
    let id = parse_id(raw).ok_or_else(|| not_found(staff, "patient"))?;
    state.app.booking_patient(&staff.ctx, id).await.map_err(|e| fail(staff, e))
}

// ------------------------------------------------------------------------------------------ service

pub struct ServiceChoice {
    id: Uuid,
    name: String,
    hint: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "staff/schedule/service.html")]
struct ServicePage {
    shell: Shell,
    csrf: String,
    patient: BriefView,
    services: Vec<ServiceChoice>,
    channel: String,
    longer_note: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ServiceParams {
    service: String,
    channel: String,
}

fn service_page(
    staff: &Staff,
    brief: &PatientBrief,
    cat: &Catalogue,
    chosen: &ServiceParams,
    errors: Vec<FieldError>,
) -> ServicePage {
    let services = cat
        .services
        .iter()
        .filter(|s| s.active && !cat.delivering(s.id).is_empty())
        .map(|s| {
            let mut hint = vec![format!("{} minutes", s.duration_minutes), mode_label(&s.mode).to_owned()];
            if let Some(p) = price(s.price_pence) {
                hint.push(p);
            }
            if !s.bookable_online {
                hint.push("staff booking only".into());
            }
            let mut hint = hint.join(", ");
            if !s.description.trim().is_empty() {
                hint = format!("{} {hint}.", s.description.trim());
            }
            ServiceChoice { id: s.id, name: s.name.clone(), hint, selected: s.id.to_string() == chosen.service.trim() }
        })
        .collect();
    ServicePage {
        shell: Shell::staff("What type of appointment?", staff).with_errors(errors),
        csrf: staff.csrf.clone(),
        patient: BriefView::of(brief),
        services,
        channel: channel_of(&chosen.channel).to_owned(),
        longer_note: longer_because(brief),
    }
}

/// Step 1: the service.
pub async fn service_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(raw): Path<String>,
    Query(chosen): Query<ServiceParams>,
) -> Response {
    let brief = match patient(&state, &staff, &raw).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let cat = match Catalogue::load(&state, &staff).await {
        Ok(c) => c,
        Err(e) => return fail(&staff, e),
    };
    render(&service_page(&staff, &brief, &cat, &chosen, Vec::new()), StatusCode::OK)
}

pub async fn choose_service(
    State(state): State<AppState>,
    staff: Staff,
    Path(raw): Path<String>,
    CsrfForm(chosen): CsrfForm<ServiceParams>,
) -> Response {
    let brief = match patient(&state, &staff, &raw).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let cat = match Catalogue::load(&state, &staff).await {
        Ok(c) => c,
        Err(e) => return fail(&staff, e),
    };
    let mut errors = Vec::new();
    let service = parse_id(&chosen.service).and_then(|id| cat.service(id)).filter(|s| s.active);
    if service.is_none() {
        errors.push(FieldError::new("service", "Select the type of appointment"));
    }
    if !matches!(chosen.channel.trim(), "desk" | "phone") {
        errors.push(FieldError::new("channel", "Select how the patient is booking"));
    }
    match service {
        Some(s) if errors.is_empty() => see_other(&format!(
            "/staff/book/{}/time?service={}&channel={}",
            brief.id,
            s.id,
            channel_of(&chosen.channel)
        )),
        _ => render(&service_page(&staff, &brief, &cat, &chosen, errors), StatusCode::UNPROCESSABLE_ENTITY),
    }
}

// ------------------------------------------------------------------------------------------ week view

pub struct SlotLink {
    time: String,
    href: String,
    label: String,
}

pub struct PractitionerSlots {
    name: String,
    site: String,
    slots: Vec<SlotLink>,
}

pub struct DaySlots {
    id: String,
    words: String,
    past: bool,
    people: Vec<PractitionerSlots>,
}

pub struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "staff/schedule/week.html")]
struct WeekPage {
    shell: Shell,
    patient: BriefView,
    heading: String,
    service: String,
    /// The form's address and hidden fields for the practitioner filter.
    filter_action: String,
    hidden: Vec<(&'static str, String)>,
    practitioners: Vec<Choice>,
    week_words: String,
    previous: Option<String>,
    next: Option<String>,
    days: Vec<DaySlots>,
    longer_note: Option<String>,
    moving_from: Option<String>,
    back: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WeekParams {
    service: String,
    channel: String,
    week: String,
    practitioner: String,
}

/// Step 2: a time, from a week of free slots.
pub async fn week(
    State(state): State<AppState>,
    staff: Staff,
    Path(raw): Path<String>,
    Query(q): Query<WeekParams>,
) -> Response {
    let brief = match patient(&state, &staff, &raw).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(service) = parse_id(&q.service) else {
        return see_other(&format!("/staff/book/{}", brief.id));
    };
    let flow = Flow::Book { patient: brief.id, channel: channel_of(&q.channel) };
    week_view(&state, &staff, flow, brief, service, &q).await
}

/// Moving an appointment: a week of free slots for its service.
pub async fn reschedule_week(
    State(state): State<AppState>,
    staff: Staff,
    Path(raw): Path<String>,
    Query(q): Query<WeekParams>,
) -> Response {
    let (appointment, brief) = match movable(&state, &staff, &raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let service = appointment.service_id;
    week_view(&state, &staff, Flow::Move { appointment: Box::new(appointment) }, brief, service, &q).await
}

/// The appointment to move (it must still be booked) and its patient.
async fn movable(state: &AppState, staff: &Staff, raw: &str) -> Result<(AppointmentRow, PatientBrief), Response> {
    let id = parse_id(raw).ok_or_else(|| not_found(staff, "appointment"))?;
    let sheet = state.app.appointment_sheet(&staff.ctx, id).await.map_err(|e| fail(staff, e))?;
    if sheet.appointment.status != "booked" {
        return Err(fail(
            staff,
            AppError::invalid(
                "status",
                "Only a booked appointment can be moved. This one has already started, finished or been cancelled",
            ),
        ));
    }
    Ok((sheet.appointment, sheet.patient))
}

async fn week_view(
    state: &AppState,
    staff: &Staff,
    flow: Flow,
    brief: PatientBrief,
    service_id: Uuid,
    q: &WeekParams,
) -> Response {
    let cat = match Catalogue::load(state, staff).await {
        Ok(c) => c,
        Err(e) => return fail(staff, e),
    };
    let Some(service) = cat.service(service_id) else { return not_found(staff, "service") };
    let mut errors = Vec::new();
    let delivering = cat.delivering(service.id);
    let practitioner = match q.practitioner.trim() {
        "" => None,
        raw => match parse_id(raw) {
            None => {
                errors.push(FieldError::new("practitioner", "Choose a practitioner from the list"));
                None
            }
            Some(id) if cat.practitioner(id).is_none() => return not_found(staff, "practitioner"),
            Some(id) if !delivering.iter().any(|p| p.id == id) => {
                errors.push(FieldError::new(
                    "practitioner",
                    format!(
                        "{} does not offer {}. Choose another practitioner",
                        cat.practitioner_name(id),
                        service.name
                    ),
                ));
                None
            }
            Some(id) => Some(id),
        },
    };
    let tz = cat
        .zone(flow.moving().map(|a| a.site_id).unwrap_or_else(|| cat.sites.first().map(|s| s.id).unwrap_or_default()));
    let today = today_in(&tz);
    let asked = match q.week.trim() {
        "" => today,
        raw => match parse_date(raw).filter(|d| d.year() >= 2000 && d.year() <= 2100) {
            Some(d) => d,
            None => {
                errors.push(FieldError::new(
                    "week",
                    "The week in the address is not a real date. Choose a week with the links",
                ));
                today
            }
        },
    };
    let week_of = |d: Date| d.checked_sub(i32::from(d.weekday().to_monday_zero_offset()).days()).unwrap_or(d);
    let this_monday = week_of(today);
    let mut monday = week_of(asked);
    let mut free = Vec::new();
    // With no week asked for, the first week with a free time (this one, or the next when this one is
    // over or full).
    for attempt in 0..2 {
        let sunday = monday.checked_add(6.days()).unwrap_or(monday);
        if sunday >= today && errors.is_empty() {
            let query = SlotQuery {
                service: service.id,
                practitioner,
                site: None,
                from: monday.max(today),
                to: sunday,
                patient: Some(brief.id),
                limit: WEEK_LIMIT,
            };
            match state.app.free_slots(&staff.ctx, &query).await {
                Ok(f) => free = f,
                Err(AppError::Invalid(inv)) => errors.extend(inv.0),
                Err(e) => return fail(staff, e),
            }
        }
        if attempt > 0 || !free.is_empty() || !q.week.trim().is_empty() || !errors.is_empty() {
            break;
        }
        monday = monday.checked_add(7.days()).unwrap_or(monday);
    }
    let sunday = monday.checked_add(6.days()).unwrap_or(monday);
    let days = group_by_day(&cat, &flow, service.id, monday, today, &free);
    let mut hidden = Vec::new();
    let filter_action = match &flow {
        Flow::Book { patient, channel } => {
            hidden.push(("service", service.id.to_string()));
            hidden.push(("channel", (*channel).to_owned()));
            format!("/staff/book/{patient}/time")
        }
        Flow::Move { appointment } => format!("/staff/appointments/{}/reschedule", appointment.id),
    };
    hidden.push(("week", monday.to_string()));
    let last_bookable = today.checked_add((service.max_days_ahead.max(0) as i64).days()).unwrap_or(today);
    let minutes = if brief.length.multiplier() > 1 { service.duration_minutes * 2 } else { service.duration_minutes };
    let page = WeekPage {
        shell: Shell::staff(if flow.moving().is_some() { "Choose a new time" } else { "Choose a time" }, staff)
            .with_errors(errors),
        patient: BriefView::of(&brief),
        heading: if flow.moving().is_some() { "Choose a new time".into() } else { "Choose a time".into() },
        service: format!("{} ({minutes} minutes)", service.name),
        filter_action,
        hidden,
        practitioners: delivering
            .iter()
            .map(|p| Choice {
                value: p.id.to_string(),
                label: format!("{} ({})", p.display_name, p.profession),
                selected: Some(p.id) == practitioner,
            })
            .collect(),
        week_words: format!("{} to {}", monday.strftime("%-d %B"), sunday.strftime("%-d %B %Y")),
        previous: (monday > this_monday)
            .then(|| flow.week_url(service.id, monday.checked_sub(7.days()).unwrap_or(monday), practitioner)),
        next: (monday.checked_add(7.days()).is_ok_and(|d| d <= last_bookable))
            .then(|| flow.week_url(service.id, monday.checked_add(7.days()).unwrap_or(monday), practitioner)),
        days,
        longer_note: longer_because(&brief).map(|why| {
            format!("This patient needs a double-length appointment ({minutes} minutes) because {why}. Only times with {minutes} minutes free are shown.")
        }),
        moving_from: flow.moving().map(|a| {
            format!("{} with {}", when_words(a.starts_at.0, &cat.zone(a.site_id)), cat.practitioner_name(a.practitioner_id))
        }),
        back: match &flow {
            Flow::Book { patient, channel } => format!("/staff/book/{patient}?service={}&channel={channel}", service.id),
            Flow::Move { appointment } => format!("/staff/appointments/{}", appointment.id),
        },
    };
    let status = if page.shell.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(&page, status)
}

/// Free slots as days (Monday to Sunday), each with its practitioners (by name) and their times.
fn group_by_day(
    cat: &Catalogue,
    flow: &Flow,
    service: Uuid,
    monday: Date,
    today: Date,
    free: &[FreeSlot],
) -> Vec<DaySlots> {
    (0..7)
        .filter_map(|i| monday.checked_add(i.days()).ok())
        .map(|day| {
            let key = day.to_string();
            let mut people: Vec<PractitionerSlots> = Vec::new();
            let mut here: Vec<&FreeSlot> = free.iter().filter(|s| s.local_start.starts_with(&key)).collect();
            here.sort_by(|a, b| a.practitioner.cmp(&b.practitioner).then(a.start.cmp(&b.start)));
            for s in here {
                let site = cat.site_name(s.site_id);
                let time = s.local_start.get(11..16).unwrap_or("").to_owned();
                let link = SlotLink {
                    label: format!(" on {} with {} at {}", day.strftime("%A %-d %B"), s.practitioner, site),
                    href: flow.check_url(service, s.practitioner_id, s.start),
                    time,
                };
                match people.iter_mut().find(|p| p.name == s.practitioner && p.site == site) {
                    Some(p) => p.slots.push(link),
                    None => people.push(PractitionerSlots { name: s.practitioner.clone(), site, slots: vec![link] }),
                }
            }
            DaySlots {
                id: format!("day-{key}"),
                words: day.strftime("%A %-d %B").to_string(),
                past: day < today,
                people,
            }
        })
        .collect()
}

// ------------------------------------------------------------------------------------------ check answers

pub struct Alternative {
    href: String,
    label: String,
}

#[derive(Template)]
#[template(path = "staff/schedule/check.html")]
struct CheckPage {
    shell: Shell,
    csrf: String,
    patient: BriefView,
    heading: String,
    rows: Vec<CheckRow>,
    action: String,
    hidden: Vec<(&'static str, String)>,
    button: String,
    alternatives: Vec<Alternative>,
    longer_note: Option<String>,
    /// The form to book the time anyway, with the reason typed so far: shown to those who may overbook
    /// once the time turned out to be taken.
    overbook: Option<String>,
}

pub struct CheckRow {
    id: &'static str,
    label: &'static str,
    value: String,
    change: Option<(String, String)>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CheckParams {
    service: String,
    channel: String,
    practitioner: String,
    start: String,
    version: String,
    /// `yes` from the overbook form.
    overbook: String,
    overbook_reason: String,
}

/// What the check page needs, once the address has been read.
struct Chosen {
    service: Uuid,
    practitioner: Uuid,
    start: Timestamp,
}

fn read_choice(cat: &Catalogue, service: Uuid, q: &CheckParams) -> Result<Chosen, &'static str> {
    let service = cat.service(service).ok_or("service")?.id;
    let practitioner = parse_id(&q.practitioner).ok_or("practitioner")?;
    cat.practitioner(practitioner).ok_or("practitioner")?;
    let start = q.start.trim().parse::<Timestamp>().map_err(|_| "time")?;
    Ok(Chosen { service, practitioner, start })
}

#[allow(clippy::too_many_arguments)]
fn check_page(
    staff: &Staff,
    cat: &Catalogue,
    flow: &Flow,
    brief: &PatientBrief,
    c: &Chosen,
    errors: Vec<FieldError>,
    alternatives: &[FreeSlot],
) -> CheckPage {
    let service = cat.service(c.service);
    let service_name = service.map(|s| s.name.clone()).unwrap_or_default();
    let minutes = service.map(|s| s.duration_minutes).unwrap_or(0) * i32::from(brief.length.multiplier());
    let site = cat.sites.first().map(|s| s.id).unwrap_or_default();
    let tz = cat.zone(flow.moving().map(|a| a.site_id).unwrap_or(site));
    let week = c.start.to_zoned(tz.clone()).date();
    let time_url = flow.week_url(c.service, week, None);
    let mut rows = vec![CheckRow {
        id: "patient_id",
        label: "Patient",
        value: format!("{}, born {}", super::patient_name(brief), super::birth_date(&brief.date_of_birth)),
        change: None,
    }];
    if let Some(a) = flow.moving() {
        rows.push(CheckRow {
            id: "from",
            label: "Moving from",
            value: format!(
                "{} with {}",
                when_words(a.starts_at.0, &cat.zone(a.site_id)),
                cat.practitioner_name(a.practitioner_id)
            ),
            change: None,
        });
    }
    let (channel, patient_id) = match flow {
        Flow::Book { channel, patient } => (Some(*channel), Some(*patient)),
        Flow::Move { .. } => (None, None),
    };
    rows.push(CheckRow {
        id: "service_id",
        label: "Appointment type",
        value: service_name.clone(),
        change: patient_id.map(|p| {
            (
                format!("/staff/book/{p}?service={}&channel={}", c.service, channel.unwrap_or("desk")),
                "appointment type".into(),
            )
        }),
    });
    rows.push(CheckRow {
        id: "start",
        label: if flow.moving().is_some() { "New date and time" } else { "Date and time" },
        value: when_words(c.start, &tz),
        change: Some((time_url.clone(), "date and time".into())),
    });
    rows.push(CheckRow {
        id: "length",
        label: "Length",
        value: if brief.length.multiplier() > 1 {
            format!("{minutes} minutes (double length)")
        } else {
            format!("{minutes} minutes")
        },
        change: None,
    });
    rows.push(CheckRow {
        id: "practitioner_id",
        label: "Practitioner",
        value: cat.practitioner_name(c.practitioner),
        change: Some((time_url, "practitioner".into())),
    });
    if let Some(i) = &brief.interpreter_language {
        rows.push(CheckRow {
            id: "interpreter",
            label: "Interpreter",
            value: format!("{} interpreter (recorded on the appointment)", super::language_name(i)),
            change: None,
        });
    }
    if let Some(ch) = channel {
        rows.push(CheckRow {
            id: "channel",
            label: "Booked",
            value: super::channel_label(ch).to_owned(),
            change: patient_id.map(|p| {
                (format!("/staff/book/{p}?service={}&channel={ch}", c.service), "how the patient is booking".into())
            }),
        });
    }
    let mut hidden = vec![("practitioner", c.practitioner.to_string()), ("start", c.start.to_string())];
    let action = match flow {
        Flow::Book { patient, channel } => {
            hidden.push(("service", c.service.to_string()));
            hidden.push(("channel", (*channel).to_owned()));
            format!("/staff/book/{patient}/confirm")
        }
        Flow::Move { appointment } => {
            hidden.push(("version", appointment.version.to_string()));
            format!("/staff/appointments/{}/reschedule", appointment.id)
        }
    };
    let alternatives = alternatives
        .iter()
        .map(|s| Alternative {
            href: flow.check_url(c.service, s.practitioner_id, s.start),
            label: format!(
                "{} with {} at {}",
                when_words(s.start, &cat.zone(s.site_id)),
                s.practitioner,
                cat.site_name(s.site_id)
            ),
        })
        .collect();
    let heading = if flow.moving().is_some() {
        "Check the new time before moving the appointment"
    } else {
        "Check the details before booking"
    };
    CheckPage {
        shell: Shell::staff(heading, staff).with_errors(errors),
        csrf: staff.csrf.clone(),
        patient: BriefView::of(brief),
        heading: heading.to_owned(),
        rows,
        action,
        hidden,
        button: if flow.moving().is_some() { "Move appointment".into() } else { "Book appointment".into() },
        alternatives,
        longer_note: longer_because(brief)
            .map(|why| format!("This will be a double-length appointment because {why}.")),
        overbook: None,
    }
}

/// Step 3: check your answers.
pub async fn check(
    State(state): State<AppState>,
    staff: Staff,
    Path(raw): Path<String>,
    Query(q): Query<CheckParams>,
) -> Response {
    let brief = match patient(&state, &staff, &raw).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let flow = Flow::Book { patient: brief.id, channel: channel_of(&q.channel) };
    let Some(service) = parse_id(&q.service) else { return see_other(&format!("/staff/book/{}", brief.id)) };
    show_check(&state, &staff, flow, brief, service, &q).await
}

pub async fn reschedule_check(
    State(state): State<AppState>,
    staff: Staff,
    Path(raw): Path<String>,
    Query(q): Query<CheckParams>,
) -> Response {
    let (appointment, brief) = match movable(&state, &staff, &raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let service = appointment.service_id;
    show_check(&state, &staff, Flow::Move { appointment: Box::new(appointment) }, brief, service, &q).await
}

async fn show_check(
    state: &AppState,
    staff: &Staff,
    flow: Flow,
    brief: PatientBrief,
    service: Uuid,
    q: &CheckParams,
) -> Response {
    let cat = match Catalogue::load(state, staff).await {
        Ok(c) => c,
        Err(e) => return fail(staff, e),
    };
    match read_choice(&cat, service, q) {
        Ok(c) => render(&check_page(staff, &cat, &flow, &brief, &c, Vec::new(), &[]), StatusCode::OK),
        Err("service") => not_found(staff, "service"),
        Err("practitioner") if parse_id(&q.practitioner).is_some() => not_found(staff, "practitioner"),
        // A time or practitioner that is not in the address: choose again.
        Err(_) => see_other(&flow.week_url(service, today_in(&cat.zone(Uuid::nil())), None)),
    }
}

/// Step 4: book, then the confirmation; a time taken meanwhile offers the nearest free times.
pub async fn confirm(
    State(state): State<AppState>,
    staff: Staff,
    Path(raw): Path<String>,
    CsrfForm(f): CsrfForm<CheckParams>,
) -> Response {
    let brief = match patient(&state, &staff, &raw).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let flow = Flow::Book { patient: brief.id, channel: channel_of(&f.channel) };
    let Some(service) = parse_id(&f.service) else { return see_other(&format!("/staff/book/{}", brief.id)) };
    let cat = match Catalogue::load(&state, &staff).await {
        Ok(c) => c,
        Err(e) => return fail(&staff, e),
    };
    let c = match read_choice(&cat, service, &f) {
        Ok(c) => c,
        Err("service") => return not_found(&staff, "service"),
        Err(_) => return see_other(&flow.week_url(service, today_in(&cat.zone(Uuid::nil())), None)),
    };
    let req = BookRequest {
        patient_id: brief.id,
        service_id: c.service,
        practitioner_id: c.practitioner,
        start: c.start,
        room_id: None,
        channel: if channel_of(&f.channel) == "phone" { BookingChannel::Phone } else { BookingChannel::Desk },
        // The overbook form sends the reason; the use-case checks it and who may overbook.
        overbook_reason: (f.overbook == "yes").then(|| f.overbook_reason.clone()),
        hold: false,
    };
    match state.app.book(&staff.ctx, &req).await {
        Ok(a) => see_other(&format!("/staff/appointments/{}/booked", a.id)),
        Err(e) => refused(&staff, &cat, &flow, &brief, &c, e, &f.overbook_reason),
    }
}

/// Moving an appointment, once checked.
pub async fn reschedule_confirm(
    State(state): State<AppState>,
    staff: Staff,
    Path(raw): Path<String>,
    CsrfForm(f): CsrfForm<CheckParams>,
) -> Response {
    let (appointment, brief) = match movable(&state, &staff, &raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let cat = match Catalogue::load(&state, &staff).await {
        Ok(c) => c,
        Err(e) => return fail(&staff, e),
    };
    let service = appointment.service_id;
    let id = appointment.id;
    let flow = Flow::Move { appointment: Box::new(appointment) };
    let c = match read_choice(&cat, service, &f) {
        Ok(c) => c,
        Err(_) => return see_other(&flow.week_url(service, today_in(&cat.zone(Uuid::nil())), None)),
    };
    let version = f.version.trim().parse::<i64>().ok();
    match state.app.reschedule(&staff.ctx, id, version, c.start, Some(c.practitioner)).await {
        Ok(a) => {
            set_done(&staff, a.id, "moved to this time").await;
            see_other(&format!("/staff/appointments/{}", a.id))
        }
        Err(e) => refused(&staff, &cat, &flow, &brief, &c, e, ""),
    }
}

/// A booking or move refused: the check page again with the error summary (and the nearest free times
/// when the time was taken); anything else is an error page.
fn refused(
    staff: &Staff,
    cat: &Catalogue,
    flow: &Flow,
    brief: &PatientBrief,
    c: &Chosen,
    e: AppError,
    overbook_reason: &str,
) -> Response {
    let anchor = |field: &str| match field {
        "patient_id" | "start" | "service_id" | "practitioner_id" | "overbook_reason" => field.to_owned(),
        _ => "start".to_owned(),
    };
    // Who may overbook is offered it when a booking (not a move) finds the time taken.
    let may_overbook = matches!(flow, Flow::Book { .. }) && role_may(staff.actor.role, Action::Overbook);
    let page = |errors: Vec<FieldError>, alternatives: &[FreeSlot], overbook: bool| {
        let mut page = check_page(staff, cat, flow, brief, c, errors, alternatives);
        page.overbook = (overbook && may_overbook).then(|| overbook_reason.to_owned());
        page
    };
    match e {
        AppError::SlotUnavailable { message, alternatives } => {
            let field = if alternatives.is_empty() { "start" } else { "alternatives" };
            let errors = vec![FieldError::new(field, message)];
            render(&page(errors, &alternatives, true), StatusCode::CONFLICT)
        }
        AppError::Invalid(inv) => {
            let overbooking = inv.0.iter().any(|f| f.field == "overbook_reason");
            let errors = inv.0.into_iter().map(|f| FieldError::new(anchor(&f.field), f.message)).collect();
            render(&page(errors, &[], overbooking), StatusCode::UNPROCESSABLE_ENTITY)
        }
        AppError::Conflict { message } => {
            render(&page(vec![FieldError::new("start", message)], &[], false), StatusCode::CONFLICT)
        }
        e => fail(staff, e),
    }
}

// ------------------------------------------------------------------------------------------ confirmation

#[derive(Template)]
#[template(path = "staff/schedule/booked.html")]
struct BookedPage {
    shell: Shell,
    patient: BriefView,
    id: Uuid,
    reference: String,
    rows: Vec<(&'static str, String)>,
    longer_note: Option<String>,
    preparation: Option<String>,
    day_link: String,
}

/// Step 5: the confirmation, with the reference.
pub async fn booked(State(state): State<AppState>, staff: Staff, Path(raw): Path<String>) -> Response {
    let Some(id) = parse_id(&raw) else { return not_found(&staff, "appointment") };
    let sheet = match state.app.appointment_sheet(&staff.ctx, id).await {
        Ok(s) => s,
        Err(e) => return fail(&staff, e),
    };
    let cat = match Catalogue::load(&state, &staff).await {
        Ok(c) => c,
        Err(e) => return fail(&staff, e),
    };
    let _ = take_done(&staff).await;
    let a = &sheet.appointment;
    let tz = cat.zone(a.site_id);
    let service = cat.service(a.service_id);
    let minutes = a.ends_at.0.duration_since(a.starts_at.0).as_mins();
    let mut rows = vec![
        ("Appointment type", service.map(|s| s.name.clone()).unwrap_or_default()),
        ("Date and time", when_words(a.starts_at.0, &tz)),
        ("Length", if a.longer { format!("{minutes} minutes (double length)") } else { format!("{minutes} minutes") }),
        ("Practitioner", cat.practitioner_name(a.practitioner_id)),
        ("Site", cat.site_name(a.site_id)),
        ("Status", super::status_label(&a.status, false).to_owned()),
    ];
    if let Some(l) = &a.interpreter_language {
        rows.push(("Interpreter", format!("{} interpreter booked", super::language_name(l))));
    }
    let page = BookedPage {
        shell: Shell::staff("Appointment booked", &staff),
        patient: BriefView::of(&sheet.patient),
        id: a.id,
        reference: reference(a.id),
        rows,
        longer_note: if a.longer { longer_because(&sheet.patient) } else { None },
        preparation: service.map(|s| s.preparation.trim().to_owned()).filter(|p| !p.is_empty()),
        day_link: super::day::day_url(a.starts_at.0.to_zoned(tz.clone()).date(), a.site_id, None),
    };
    render(&page, StatusCode::OK)
}
