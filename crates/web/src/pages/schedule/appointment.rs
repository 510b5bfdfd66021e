//! One appointment: its details, the status actions its state allows (check in, call in, finish, did not
//! attend and undo, cancel with who and why, entered in error), moving it, its history and its calendar
//! file. Row buttons on the day list post here too and return to the list.

use super::day::{from_back, render_day};
use super::{
    BriefView, Catalogue, channel_label, clock, language_name, longer_because, mode_label, page_errors, parse_id,
    reference, set_done, status_label, take_done, when_words,
};
use crate::AppState;
use crate::auth::{CsrfForm, Staff};
use crate::errors::{PageError, see_other};
use crate::pages::{Shell, render};
use app::AppError;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::FieldError;
use domain::scheduling::appointment::{AppointmentEvent, AppointmentStatus, CancelledBy, Reason, apply};
use serde::Deserialize;
use uuid::Uuid;

pub struct HistoryRow {
    when: String,
    what: String,
    who: String,
    detail: String,
}

/// What was typed into the forms, kept when one is refused.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ActForm {
    version: String,
    back: String,
    by: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "staff/schedule/appointment.html")]
struct AppointmentPage {
    shell: Shell,
    csrf: String,
    flash: Option<String>,
    id: Uuid,
    heading: String,
    patient: BriefView,
    longer_note: Option<String>,
    details: Vec<(&'static str, String)>,
    status: &'static str,
    version: i64,
    can_check_in: bool,
    can_call: bool,
    can_finish: bool,
    can_dna: bool,
    can_undo_dna: bool,
    can_cancel: bool,
    can_enter_in_error: bool,
    can_reschedule: bool,
    history: Vec<HistoryRow>,
    day_link: String,
    typed: ActForm,
    /// Which form `typed` came from.
    typed_action: String,
}

pub async fn page(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> Response {
    let Some(id) = parse_id(&id) else {
        return PageError(AppError::NotFound { what: "appointment" }, staff.op()).into_response();
    };
    render_appointment(&state, &staff, id, Vec::new(), StatusCode::OK, ActForm::default(), "").await
}

fn history_words(action: &str) -> String {
    match action {
        "booked" => "Booked",
        "held" => "Held while the patient confirms",
        "overbooked" => "Booked as an overbooking",
        "rescheduled" => "Moved",
        "check_in" => "Checked in",
        "call_in" => "Called in",
        "finish" => "Finished",
        "cancel" => "Cancelled",
        "mark_dna" => "Marked as did not attend",
        "undo_dna" => "Did not attend undone",
        "enter_in_error" => "Marked as entered in error",
        other => return other.replace('_', " "),
    }
    .to_owned()
}

pub(super) async fn render_appointment(
    state: &AppState,
    staff: &Staff,
    id: Uuid,
    errors: Vec<FieldError>,
    status: StatusCode,
    typed: ActForm,
    typed_action: &str,
) -> Response {
    let sheet = match state.app.appointment_sheet(&staff.ctx, id).await {
        Ok(s) => s,
        Err(e) => return PageError(e, staff.op()).into_response(),
    };
    let cat = match Catalogue::load(state, staff).await {
        Ok(c) => c,
        Err(e) => return PageError(e, staff.op()).into_response(),
    };
    let a = &sheet.appointment;
    let tz = cat.zone(a.site_id);
    let local = a.starts_at.0.to_zoned(tz.clone());
    let service = cat.service(a.service_id);
    let service_name = service.map(|s| s.name.clone()).unwrap_or_else(|| "Appointment".into());
    let minutes = a.ends_at.0.duration_since(a.starts_at.0).as_mins();
    let current = AppointmentStatus::parse(&a.status).ok();
    let legal = |event: AppointmentEvent| current.is_some_and(|s| apply(s, &event).is_ok());
    let reason = Reason::parse("x").expect("a valid reason");
    let mut details = vec![
        ("Reference", reference(a.id)),
        ("Date and time", format!("{} ({})", when_words(a.starts_at.0, &tz), local.strftime("%Z"))),
        (
            "Length",
            if a.longer {
                format!("{minutes} minutes (double length for the patient’s needs)")
            } else {
                format!("{minutes} minutes")
            },
        ),
        ("Service", service_name.clone()),
        ("Practitioner", cat.practitioner_name(a.practitioner_id)),
        ("Site", cat.site_name(a.site_id)),
    ];
    if let Some(room) = a.room_id {
        let rooms = store::scheduling::rooms(state.app.db()).await.unwrap_or_default();
        if let Some(r) = rooms.iter().find(|r| r.id == room) {
            details.push(("Room", r.name.clone()));
        }
    }
    details.push(("How", mode_label(&a.mode).to_owned()));
    details.push(("Booked", format!("{}, {}", channel_label(&a.channel), when_words(a.created_at.0, &tz))));
    if let Some(l) = &a.interpreter_language {
        details.push(("Interpreter", format!("{} interpreter booked", language_name(l))));
    }
    if a.overbooked {
        details.push(("Overbooked", a.overbook_reason.clone().unwrap_or_else(|| "Yes".into())));
    }
    if let Some(by) = &a.cancelled_by {
        let why = a.cancel_reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default();
        details
            .push(("Cancelled by", format!("{}{why}", if by == "patient" { "The patient" } else { "The practice" })));
    }
    for (label, at) in [("Arrived", a.arrived_at), ("Called in", a.called_at), ("Finished", a.finished_at)] {
        if let Some(t) = at {
            details.push((label, clock(t.0, &tz)));
        }
    }
    let history = sheet
        .events
        .iter()
        .map(|e| HistoryRow {
            when: format!("{}, {}", clock(e.at.0, &tz), e.at.0.to_zoned(tz.clone()).date().strftime("%-d %b %Y")),
            what: history_words(&e.action),
            who: e.actor.clone(),
            detail: e.detail.clone().unwrap_or_default(),
        })
        .collect();
    let done = take_done(staff).await.filter(|(done_id, _)| *done_id == a.id);
    let heading = format!("{service_name}: {}", when_words(a.starts_at.0, &tz));
    let page = AppointmentPage {
        shell: Shell::staff(&heading, staff).with_errors(errors),
        csrf: staff.csrf.clone(),
        flash: done.map(|(_, verb)| format!("The appointment is {verb}.")),
        id: a.id,
        heading,
        longer_note: if a.longer { longer_because(&sheet.patient) } else { None },
        patient: BriefView::of(&sheet.patient),
        details,
        status: status_label(&a.status, a.called_at.is_some()),
        version: a.version,
        can_check_in: legal(AppointmentEvent::CheckIn),
        can_call: legal(AppointmentEvent::CallIn),
        can_finish: legal(AppointmentEvent::Finish),
        can_dna: legal(AppointmentEvent::MarkDna),
        can_undo_dna: legal(AppointmentEvent::UndoDna { reason: reason.clone() }),
        can_cancel: legal(AppointmentEvent::Cancel { by: CancelledBy::Practice, reason: None }),
        can_enter_in_error: legal(AppointmentEvent::EnterInError { reason }),
        can_reschedule: a.status == "booked",
        history,
        day_link: super::day::day_url(local.date(), a.site_id, None),
        typed,
        typed_action: typed_action.to_owned(),
    };
    render(&page, status)
}

/// A status action from the appointment page or a day-list row.
pub async fn act(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, action)): Path<(String, String)>,
    CsrfForm(f): CsrfForm<ActForm>,
) -> Response {
    let Some(id) = parse_id(&id) else {
        return PageError(AppError::NotFound { what: "appointment" }, staff.op()).into_response();
    };
    let mut errors = Vec::new();
    let (event, verb) = match action.as_str() {
        "check-in" => (Some(AppointmentEvent::CheckIn), "checked in"),
        "call" => (Some(AppointmentEvent::CallIn), "called in"),
        "finish" => (Some(AppointmentEvent::Finish), "finished"),
        "dna" => (Some(AppointmentEvent::MarkDna), "marked as did not attend"),
        "undo-dna" => match Reason::parse(&f.reason) {
            Ok(reason) => (Some(AppointmentEvent::UndoDna { reason }), "booked again (did not attend undone)"),
            Err(m) => {
                errors.push(FieldError::new(
                    "undo_reason",
                    m.replace("Enter a reason", "Enter why the did-not-attend is wrong"),
                ));
                (None, "")
            }
        },
        "entered-in-error" => match Reason::parse(&f.reason) {
            Ok(reason) => (Some(AppointmentEvent::EnterInError { reason }), "marked as entered in error"),
            Err(m) => {
                errors.push(FieldError::new(
                    "error_reason",
                    m.replace("Enter a reason", "Enter why the appointment was entered in error"),
                ));
                (None, "")
            }
        },
        "cancel" => {
            let by = CancelledBy::parse(&f.by)
                .map_err(|_| errors.push(FieldError::new("by", "Select who cancelled the appointment")))
                .ok();
            let reason = match f.reason.trim() {
                "" => None,
                r => Reason::parse(r).map_err(|m| errors.push(FieldError::new("cancel_reason", m))).ok(),
            };
            match (by, errors.is_empty()) {
                (Some(by), true) => (Some(AppointmentEvent::Cancel { by, reason }), "cancelled"),
                _ => (None, ""),
            }
        }
        _ => return PageError(AppError::NotFound { what: "page" }, staff.op()).into_response(),
    };
    let Some(event) = event else {
        return render_appointment(&state, &staff, id, errors, StatusCode::UNPROCESSABLE_ENTITY, f, &action).await;
    };
    let version = f.version.trim().parse::<i64>().ok();
    let from_day = from_back(&f.back);
    match state.app.appointment_event(&staff.ctx, id, version, event).await {
        Ok(a) => {
            set_done(&staff, a.id, verb).await;
            match from_day {
                Some(_) => see_other(&f.back),
                None => see_other(&format!("/staff/appointments/{}", a.id)),
            }
        }
        Err(e) => {
            let status = match e {
                AppError::Conflict { .. } => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            match from_day {
                Some(params) => match page_errors(&e, &format!("appt-{id}")) {
                    Some(errors) => render_day(&state, &staff, &params, errors, status).await,
                    None => PageError(e, staff.op()).into_response(),
                },
                None => match page_errors(&e, "actions") {
                    Some(errors) => render_appointment(&state, &staff, id, errors, status, f, &action).await,
                    None => PageError(e, staff.op()).into_response(),
                },
            }
        }
    }
}
