//! The day list: a site's appointments on one day, one column per practitioner, with the needs and
//! interpreter bookings reception must see, and check-in, call-in, finish and did-not-attend buttons.
//!
//! Check-in in two keystrokes: every appointment still waiting for its patient to arrive (booked, in
//! person) has a small number, counted from the earliest, so the patients due next have one-digit
//! numbers. The number field at the top of the list has the focus when the page opens: type the number
//! and press Enter. The numbers the page showed are posted with the form, so a number always means the
//! patient the receptionist saw beside it, even if the list has changed since.

use super::{
    BriefView, Catalogue, clock, day_words, language_name, page_errors, parse_date, parse_id, patient_name, set_done,
    status_label, take_done, today_in,
};
use crate::AppState;
use crate::auth::{CsrfForm, Staff};
use crate::errors::{PageError, see_other};
use crate::pages::{Shell, render};
use app::AppError;
use app::scheduling::day::DayEntry;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::FieldError;
use domain::scheduling::appointment::{AppointmentEvent, Mode};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::Deserialize;
use uuid::Uuid;

/// Which day list: all optional, as typed in the address or the filter form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DayParams {
    pub date: String,
    pub site: String,
    pub practitioner: String,
}

impl DayParams {
    pub(super) fn of(date: &str, site: &str, practitioner: &str) -> Self {
        Self { date: date.to_owned(), site: site.to_owned(), practitioner: practitioner.to_owned() }
    }
}

/// The day list a row action came from (`back`, an address on this site), as parameters.
pub(super) fn from_back(back: &str) -> Option<DayParams> {
    let query = back.strip_prefix("/staff/day?")?;
    serde_urlencoded::from_str::<DayParams>(query).ok()
}

/// The address of a day list.
pub(super) fn day_url(date: Date, site: Uuid, practitioner: Option<Uuid>) -> String {
    let mut url = format!("/staff/day?date={date}&site={site}");
    if let Some(p) = practitioner {
        url.push_str(&format!("&practitioner={p}"));
    }
    url
}

pub struct Choice {
    value: String,
    label: String,
    selected: bool,
}

pub struct Row {
    id: Uuid,
    time: String,
    end: String,
    number: Option<usize>,
    name: String,
    born: String,
    service: String,
    status: &'static str,
    status_class: &'static str,
    mode: Option<&'static str>,
    needs: Vec<String>,
    interpreter: Option<String>,
    longer: bool,
    overbooked: bool,
    overbook_reason: Option<String>,
    waiting_since: Option<String>,
    can_check_in: bool,
    can_call: bool,
    can_finish: bool,
    can_dna: bool,
    version: i64,
    just_changed: bool,
}

pub struct Column {
    id: Uuid,
    name: String,
    profession: String,
    rows: Vec<Row>,
}

pub struct DayView {
    /// This list's address (where row actions come back to).
    here: String,
    date: String,
    date_words: String,
    is_today: bool,
    site: Uuid,
    site_name: String,
    practitioner: String,
    previous: String,
    next: String,
    today: String,
    columns: Vec<Column>,
    total: usize,
    /// Ids of the numbered appointments, in number order (posted back with the check-in number).
    order: String,
    numbered: usize,
}

#[derive(Template)]
#[template(path = "staff/schedule/day.html")]
struct DayPage {
    shell: Shell,
    csrf: String,
    flash: Option<String>,
    date: String,
    sites: Vec<Choice>,
    practitioners: Vec<Choice>,
    day: Option<DayView>,
}

/// The day list as asked for.
pub async fn page(State(state): State<AppState>, staff: Staff, Query(params): Query<DayParams>) -> Response {
    render_day(&state, &staff, &params, Vec::new(), StatusCode::OK).await
}

enum Resolved {
    Day { date: Date, site: Uuid, tz: TimeZone, practitioner: Option<Uuid> },
    Invalid(Vec<FieldError>),
    NotFound(&'static str),
}

fn resolve(cat: &Catalogue, p: &DayParams) -> Resolved {
    let mut errors = Vec::new();
    let site = match p.site.trim() {
        "" => match cat.sites.first() {
            Some(s) => Some(s.id),
            None => return Resolved::NotFound("site"),
        },
        raw => match parse_id(raw) {
            Some(id) if cat.site(id).is_some() => Some(id),
            Some(_) => return Resolved::NotFound("site"),
            None => {
                errors.push(FieldError::new("site", "Choose a site from the list"));
                None
            }
        },
    };
    let practitioner = match p.practitioner.trim() {
        "" => None,
        raw => match parse_id(raw) {
            Some(id) if cat.practitioner(id).is_some() => Some(id),
            Some(_) => return Resolved::NotFound("practitioner"),
            None => {
                errors.push(FieldError::new("practitioner", "Choose a practitioner from the list"));
                None
            }
        },
    };
    let tz = cat.zone(site.unwrap_or_default());
    let date = match p.date.trim() {
        "" => Some(today_in(&tz)),
        raw => {
            let d = parse_date(raw).filter(|d| d.year() >= 2000 && d.year() <= 2100);
            if d.is_none() {
                errors.push(FieldError::new("date", "Enter a real date, for example 2027-03-29"));
            }
            d
        }
    };
    match (date, site) {
        (Some(date), Some(site)) if errors.is_empty() => Resolved::Day { date, site, tz, practitioner },
        _ => Resolved::Invalid(errors),
    }
}

/// Render the day list for `params`, with `errors` (from a refused action) in the error summary.
pub(super) async fn render_day(
    state: &AppState,
    staff: &Staff,
    params: &DayParams,
    mut errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let cat = match Catalogue::load(state, staff).await {
        Ok(c) => c,
        Err(e) => return PageError(e, staff.op()).into_response(),
    };
    let resolved = resolve(&cat, params);
    let (selected_site, selected_practitioner) = match &resolved {
        Resolved::Day { site, practitioner, .. } => (site.to_string(), practitioner.map(|p| p.to_string())),
        _ => (params.site.trim().to_owned(), Some(params.practitioner.trim().to_owned())),
    };
    let selected_practitioner = selected_practitioner.unwrap_or_default();
    let sites = cat
        .sites
        .iter()
        .map(|s| Choice { value: s.id.to_string(), label: s.name.clone(), selected: s.id.to_string() == selected_site })
        .collect();
    let mut people: Vec<_> = cat.practitioners.iter().filter(|p| p.active).collect();
    people.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    let practitioners = people
        .iter()
        .map(|p| Choice {
            value: p.id.to_string(),
            label: format!("{} ({})", p.display_name, p.profession),
            selected: p.id.to_string() == selected_practitioner,
        })
        .collect();
    let done = take_done(staff).await;
    let (day, date_value, status) = match resolved {
        Resolved::NotFound(what) => return PageError(AppError::NotFound { what }, staff.op()).into_response(),
        Resolved::Invalid(mut errs) => {
            errs.append(&mut errors);
            errors = errs;
            (None, params.date.trim().to_owned(), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Resolved::Day { date, site, tz, practitioner } => {
            let bounds = date.tomorrow().ok().and_then(|next| {
                Some((date.to_zoned(tz.clone()).ok()?.timestamp(), next.to_zoned(tz.clone()).ok()?.timestamp()))
            });
            let Some((from, to)) = bounds else {
                errors.push(FieldError::new("date", "Enter a real date, for example 2027-03-29"));
                let date = params.date.trim().to_owned();
                return day_response(staff, errors, None, date, sites, practitioners, None, status);
            };
            match state.app.day_sheet(&staff.ctx, from, to, Some(site), practitioner).await {
                Ok(entries) => {
                    let (view, flash) = build(&cat, &tz, date, site, practitioner, entries, done.as_ref());
                    return day_response(
                        staff,
                        errors,
                        Some(view),
                        date.to_string(),
                        sites,
                        practitioners,
                        flash.or_else(|| done.map(|(_, verb)| format!("The appointment is {verb}."))),
                        status,
                    );
                }
                Err(AppError::Invalid(inv)) => {
                    errors.extend(inv.0);
                    (None, date.to_string(), StatusCode::UNPROCESSABLE_ENTITY)
                }
                Err(e) => return PageError(e, staff.op()).into_response(),
            }
        }
    };
    day_response(staff, errors, day, date_value, sites, practitioners, None, status)
}

#[allow(clippy::too_many_arguments)]
fn day_response(
    staff: &Staff,
    errors: Vec<FieldError>,
    day: Option<DayView>,
    date: String,
    sites: Vec<Choice>,
    practitioners: Vec<Choice>,
    flash: Option<String>,
    status: StatusCode,
) -> Response {
    let title = match &day {
        Some(d) => format!("Day list: {}, {}", d.site_name, d.date_words),
        None => "Day list".to_owned(),
    };
    let status = match status {
        StatusCode::OK if !errors.is_empty() => StatusCode::UNPROCESSABLE_ENTITY,
        s => s,
    };
    render(
        &DayPage {
            shell: Shell::staff(&title, staff).with_errors(errors),
            csrf: staff.csrf.clone(),
            flash,
            date,
            sites,
            practitioners,
            day,
        },
        status,
    )
}

/// The columns, numbers and notice for a day's appointments.
fn build(
    cat: &Catalogue,
    tz: &TimeZone,
    date: Date,
    site: Uuid,
    practitioner: Option<Uuid>,
    entries: Vec<DayEntry>,
    done: Option<&(Uuid, String)>,
) -> (DayView, Option<String>) {
    let now = Timestamp::now();
    let mut order = Vec::new();
    let mut flash = None;
    let mut columns: Vec<Column> = Vec::new();
    if let Some(p) = practitioner.and_then(|p| cat.practitioner(p)) {
        columns.push(Column { id: p.id, name: p.display_name.clone(), profession: p.profession.clone(), rows: vec![] });
    }
    let total = entries.len();
    for e in entries {
        let a = &e.appointment;
        let remote = Mode::parse(&a.mode).is_ok_and(|m| m.is_remote());
        let status = domain::scheduling::appointment::AppointmentStatus::parse(&a.status).ok();
        let legal =
            |event: AppointmentEvent| status.is_some_and(|s| domain::scheduling::appointment::apply(s, &event).is_ok());
        let number = if a.status == "booked" && !remote {
            order.push(a.id.to_string());
            Some(order.len())
        } else {
            None
        };
        let name = e.patient.as_ref().map(patient_name).unwrap_or_else(|| "Patient record not found".into());
        let brief = e.patient.as_ref().map(BriefView::of);
        let service = cat.service(a.service_id).map(|s| s.name.clone()).unwrap_or_else(|| "Appointment".into());
        let just_changed = done.is_some_and(|(id, _)| *id == a.id);
        if let Some((_, verb)) = done.filter(|_| just_changed) {
            flash = Some(format!(
                "{name} ({} with {}) is {verb}.",
                clock(a.starts_at.0, tz),
                cat.practitioner_name(a.practitioner_id)
            ));
        }
        let called = a.called_at.is_some();
        let row = Row {
            id: a.id,
            time: clock(a.starts_at.0, tz),
            end: clock(a.ends_at.0, tz),
            number,
            name,
            born: brief.as_ref().map(|b| b.born.clone()).unwrap_or_default(),
            service,
            status: status_label(&a.status, called),
            status_class: match a.status.as_str() {
                "arrived" => "app-tag--green",
                "fulfilled" => "app-tag--grey",
                "cancelled" | "noshow" | "entered-in-error" => "app-tag--red",
                _ => "app-tag--blue",
            },
            mode: remote.then(|| super::mode_label(&a.mode)),
            needs: brief.as_ref().map(|b| b.needs.clone()).unwrap_or_default(),
            interpreter: a.interpreter_language.as_deref().map(language_name),
            longer: a.longer,
            overbooked: a.overbooked,
            overbook_reason: a.overbook_reason.clone(),
            waiting_since: a
                .arrived_at
                .filter(|_| a.status == "arrived" && !called)
                .map(|t| format!("arrived {}", clock(t.0, tz))),
            can_check_in: legal(AppointmentEvent::CheckIn),
            can_call: legal(AppointmentEvent::CallIn) && !called,
            can_finish: legal(AppointmentEvent::Finish) && called,
            can_dna: legal(AppointmentEvent::MarkDna) && a.starts_at.0 <= now,
            version: a.version,
            just_changed,
        };
        match columns.iter_mut().find(|c| c.id == a.practitioner_id) {
            Some(c) => c.rows.push(row),
            None => {
                let p = cat.practitioner(a.practitioner_id);
                columns.push(Column {
                    id: a.practitioner_id,
                    name: cat.practitioner_name(a.practitioner_id),
                    profession: p.map(|p| p.profession.clone()).unwrap_or_default(),
                    rows: vec![row],
                });
            }
        }
    }
    columns.sort_by(|a, b| a.name.cmp(&b.name));
    let numbered = order.len();
    let view = DayView {
        here: day_url(date, site, practitioner),
        date: date.to_string(),
        date_words: day_words(date),
        is_today: date == today_in(tz),
        site,
        site_name: cat.site_name(site),
        practitioner: practitioner.map(|p| p.to_string()).unwrap_or_default(),
        previous: day_url(date.checked_sub(1.day()).unwrap_or(date), site, practitioner),
        next: day_url(date.checked_add(1.day()).unwrap_or(date), site, practitioner),
        today: day_url(today_in(tz), site, practitioner),
        columns,
        total,
        order: order.join(","),
        numbered,
    };
    (view, flash)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NumberForm {
    date: String,
    site: String,
    practitioner: String,
    number: String,
    order: String,
}

/// Check in the patient with the number the receptionist typed.
pub async fn check_in_by_number(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(f): CsrfForm<NumberForm>,
) -> Response {
    let params = DayParams::of(&f.date, &f.site, &f.practitioner);
    let order: Vec<&str> = f.order.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    let typed = f.number.trim();
    let chosen =
        typed.parse::<usize>().ok().filter(|n| (1..=order.len()).contains(n)).and_then(|n| parse_id(order[n - 1]));
    let Some(id) = chosen else {
        let message = if typed.is_empty() {
            "Enter the number shown beside the patient".to_owned()
        } else {
            format!("There is no number {typed} on this list. Enter the number shown beside the patient")
        };
        return render_day(
            &state,
            &staff,
            &params,
            vec![FieldError::new("number", message)],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    match state.app.appointment_event(&staff.ctx, id, None, AppointmentEvent::CheckIn).await {
        Ok(a) => {
            set_done(&staff, a.id, "checked in").await;
            let back = match (parse_date(&f.date), parse_id(&f.site)) {
                (Some(d), Some(s)) => day_url(d, s, parse_id(&f.practitioner)),
                _ => "/staff/day".to_owned(),
            };
            see_other(&back)
        }
        Err(e) => match page_errors(&e, "number") {
            Some(errors) => {
                let status = if matches!(e, AppError::Conflict { .. }) {
                    StatusCode::CONFLICT
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                };
                render_day(&state, &staff, &params, errors, status).await
            }
            None => PageError(e, staff.op()).into_response(),
        },
    }
}
