//! The rota editor: each practitioner's weekly sessions (from today on) and time away or extra sessions
//! in the next 12 weeks; practice managers add a weekly session, end one, and add time away or an extra
//! session, with the same checks as the API (an overlapping session is refused). Others read.
//!
//! The three forms share one page. Each form's fields have their own names (`x_` for an exception,
//! `end_{session}` for ending one) so a mistake is shown next to the box it is about.

use crate::AppState;
use crate::auth::{CsrfForm, Staff};
use crate::errors::{PageError, see_other};
use crate::pages::{Shell, ok, render, set_flash, take_flash};
use app::AppError;
use app::scheduling::rota_exceptions::RotaExceptionInput;
use app::scheduling::setup::SessionInput;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::FieldError;
use domain::governance::{Action, policy::role_may};
use jiff::ToSpan;
use store::organisation::SiteRow;
use store::scheduling::{PractitionerRow, ServiceRow};
use uuid::Uuid;

const WEEKDAYS: [(&str, &str); 7] = [
    ("monday", "Monday"),
    ("tuesday", "Tuesday"),
    ("wednesday", "Wednesday"),
    ("thursday", "Thursday"),
    ("friday", "Friday"),
    ("saturday", "Saturday"),
    ("sunday", "Sunday"),
];

const AWAY_KINDS: [(&str, &str); 5] = [
    ("leave", "Leave"),
    ("training", "Training"),
    ("sickness", "Sickness"),
    ("other", "Other time away"),
    ("extra", "An extra session"),
];

/// What was typed into one of the forms, to show back after a mistake.
#[derive(Debug, Clone, Default)]
pub struct Typed(Vec<(String, String)>);

impl Typed {
    pub fn value(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }

    pub fn has(&self, name: &str, value: &str) -> bool {
        self.0.iter().any(|(k, v)| k == name && v == value)
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }

    fn optional(&self, name: &str) -> Option<String> {
        Some(self.value(name).trim().to_owned()).filter(|v| !v.is_empty())
    }
}

pub struct SessionLine {
    id: Uuid,
    day: &'static str,
    times: String,
    site: String,
    services: String,
    from: String,
    until: String,
    bank_holidays: &'static str,
}

pub struct AwayLine {
    what: String,
    dates: String,
    times: String,
}

#[derive(Template)]
#[template(path = "staff/schedule/rota.html")]
struct RotaPage {
    shell: Shell,
    csrf: String,
    flash: Option<String>,
    can_manage: bool,
    practitioner: PractitionerRow,
    sessions: Vec<SessionLine>,
    away: Vec<AwayLine>,
    sites: Vec<SiteRow>,
    services: Vec<ServiceRow>,
    weekdays: [(&'static str, &'static str); 7],
    kinds: [(&'static str, &'static str); 5],
    typed: Typed,
    today: String,
}

#[derive(Template)]
#[template(path = "staff/schedule/rotas.html")]
struct RotasPage {
    shell: Shell,
    practitioners: Vec<PractitionerRow>,
}

fn may_manage(staff: &Staff) -> bool {
    role_may(staff.actor.role, Action::ManageRotas)
}

fn fail(staff: &Staff, e: AppError) -> Response {
    PageError(e, staff.op()).into_response()
}

pub async fn list(State(state): State<AppState>, staff: Staff) -> Response {
    if let Err(e) = state.app.may(&staff.ctx, Action::ViewDayList).await {
        return fail(&staff, e);
    }
    match store::scheduling::practitioners(state.app.db()).await {
        Ok(practitioners) => ok(&RotasPage { shell: Shell::staff("Rotas", &staff), practitioners }),
        Err(e) => fail(&staff, e.into()),
    }
}

fn names(ids: &str, services: &[ServiceRow]) -> String {
    let names: Vec<&str> = ids
        .split(',')
        .filter_map(|id| id.trim().parse::<Uuid>().ok())
        .filter_map(|id| services.iter().find(|s| s.id == id).map(|s| s.name.as_str()))
        .collect();
    if names.is_empty() { "None".into() } else { names.join(", ") }
}

async fn show(state: &AppState, staff: &Staff, raw: &str, typed: Typed, errors: Vec<FieldError>) -> Response {
    if let Err(e) = state.app.may(&staff.ctx, Action::ViewDayList).await {
        return fail(staff, e);
    }
    let Some(id) = raw.parse::<Uuid>().ok() else { return fail(staff, AppError::NotFound { what: "practitioner" }) };
    let db = state.app.db();
    let practitioner = match store::scheduling::practitioner(db, id).await {
        Ok(Some(p)) => p,
        Ok(None) => return fail(staff, AppError::NotFound { what: "practitioner" }),
        Err(e) => return fail(staff, e.into()),
    };
    let today = app::patients::today();
    let (from, until) = (today.to_string(), (today + 365.days()).to_string());
    let away_until = (today + 84.days()).to_string();
    let read = async {
        Ok::<_, store::StoreError>((
            store::scheduling::sessions_of(db, &[id], &from, &until).await?,
            store::scheduling::exceptions_of(db, &[id], &from, &away_until).await?,
            store::organisation::sites(db).await?,
            store::scheduling::services(db).await?,
        ))
    };
    let (sessions, exceptions, sites, services) = match read.await {
        Ok(r) => r,
        Err(e) => return fail(staff, e.into()),
    };
    let site_name = |s: Option<Uuid>| sites.iter().find(|x| Some(x.id) == s).map_or(String::new(), |x| x.name.clone());
    let sessions = sessions
        .iter()
        .map(|s| SessionLine {
            id: s.id,
            day: WEEKDAYS.get((s.weekday - 1).clamp(0, 6) as usize).map_or("", |d| d.1),
            times: format!("{} to {}", s.starts, s.ends),
            site: site_name(Some(s.site_id)),
            services: names(&s.services, &services),
            from: s.valid_from.clone(),
            until: s.valid_until.clone().unwrap_or_else(|| "No end date".into()),
            bank_holidays: if s.opens_on_bank_holidays { "Open" } else { "Closed" },
        })
        .collect();
    let away = exceptions
        .iter()
        .map(|x| AwayLine {
            what: match (x.kind.as_str(), x.reason.as_deref()) {
                ("extra", _) => format!("Extra session at {}: {}", site_name(x.site_id), names(&x.services, &services)),
                (_, Some(r)) => AWAY_KINDS.iter().find(|k| k.0 == r).map_or(r.to_owned(), |k| k.1.to_owned()),
                _ => "Time away".into(),
            },
            dates: if x.date_from == x.date_until {
                x.date_from.clone()
            } else {
                format!("{} to {}", x.date_from, x.date_until)
            },
            times: match (&x.starts, &x.ends) {
                (Some(s), Some(e)) => format!("{s} to {e}"),
                _ => "All day".into(),
            },
        })
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let title = format!("Rota: {}", practitioner.display_name);
    let page = RotaPage {
        shell: Shell::staff(&title, staff).with_errors(errors),
        csrf: staff.csrf.clone(),
        flash: take_flash(staff).await,
        can_manage: may_manage(staff),
        practitioner,
        sessions,
        away,
        sites,
        services,
        weekdays: WEEKDAYS,
        kinds: AWAY_KINDS,
        typed,
        today: today.to_string(),
    };
    if status == StatusCode::OK { ok(&page) } else { render(&page, status) }
}

pub async fn page(State(state): State<AppState>, staff: Staff, Path(raw): Path<String>) -> Response {
    show(&state, &staff, &raw, Typed::default(), Vec::new()).await
}

/// After a change, back to the rota with a notice; after a mistake, the page with what was typed.
async fn answer<T>(
    state: &AppState,
    staff: &Staff,
    raw: &str,
    typed: Typed,
    result: app::Result<T>,
    done: &str,
    field: impl Fn(&str) -> String,
) -> Response {
    match result {
        Ok(_) => {
            set_flash(staff, done).await;
            see_other(&format!("/staff/rota/{raw}"))
        }
        Err(AppError::Invalid(inv)) => {
            let errors = inv.0.into_iter().map(|e| FieldError::new(field(&e.field), e.message)).collect();
            show(state, staff, raw, typed, errors).await
        }
        Err(e) => fail(staff, e),
    }
}

/// A change to a rota: only practice managers, and only for a practitioner id in the address.
fn change(staff: &Staff, raw: &str, pairs: Vec<(String, String)>) -> Result<(Typed, Uuid), AppError> {
    if !may_manage(staff) {
        return Err(AppError::forbidden("only a practice manager can change rotas"));
    }
    let practitioner = raw.parse::<Uuid>().map_err(|_| AppError::NotFound { what: "practitioner" })?;
    Ok((Typed(pairs), practitioner))
}

pub async fn add_session(
    State(state): State<AppState>,
    staff: Staff,
    Path(raw): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let (typed, practitioner) = match change(&staff, &raw, pairs) {
        Ok(x) => x,
        Err(e) => return fail(&staff, e),
    };
    let mut errors = Vec::new();
    let site = typed.value("site_id").parse::<Uuid>().ok();
    if site.is_none() {
        errors.push(FieldError::new("site_id", "Choose the site"));
    }
    let services: Vec<Uuid> = typed.all("services").iter().filter_map(|s| s.parse().ok()).collect();
    if services.is_empty() {
        errors.push(FieldError::new("services", "Choose at least one service offered in this session"));
    }
    if !errors.is_empty() {
        return show(&state, &staff, &raw, typed, errors).await;
    }
    let input = SessionInput {
        practitioner_id: practitioner,
        site_id: site.unwrap_or_default(),
        room_id: None,
        weekday: typed.value("weekday").into(),
        starts: typed.value("starts").trim().into(),
        ends: typed.value("ends").trim().into(),
        valid_from: typed.value("valid_from").trim().into(),
        valid_until: typed.optional("valid_until"),
        opens_on_bank_holidays: typed.has("opens_on_bank_holidays", "yes"),
        services,
    };
    let result = state.app.add_session(&staff.ctx, &input).await;
    let field = |f: &str| if f.starts_with("services") { "services".to_owned() } else { f.to_owned() };
    answer(&state, &staff, &raw, typed, result, "Weekly session added.", field).await
}

pub async fn add_exception(
    State(state): State<AppState>,
    staff: Staff,
    Path(raw): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let (typed, practitioner) = match change(&staff, &raw, pairs) {
        Ok(x) => x,
        Err(e) => return fail(&staff, e),
    };
    let input = RotaExceptionInput {
        kind: typed.value("x_kind").into(),
        date_from: typed.value("x_date_from").into(),
        date_until: typed.optional("x_date_until"),
        starts: typed.optional("x_starts"),
        ends: typed.optional("x_ends"),
        site_id: typed.value("x_site_id").parse().ok(),
        room_id: None,
        services: typed.all("x_services").iter().filter_map(|s| s.parse().ok()).collect(),
    };
    let result = state.app.add_rota_exception(&staff.ctx, practitioner, &input).await;
    let field = |f: &str| format!("x_{}", if f.starts_with("services") { "services" } else { f });
    answer(&state, &staff, &raw, typed, result, "Added to the rota.", field).await
}

pub async fn end_session(
    State(state): State<AppState>,
    staff: Staff,
    Path((raw, session)): Path<(String, String)>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let (typed, _) = match change(&staff, &raw, pairs) {
        Ok(x) => x,
        Err(e) => return fail(&staff, e),
    };
    let Some(session) = session.parse::<Uuid>().ok() else {
        return fail(&staff, AppError::NotFound { what: "rota session" });
    };
    let name = format!("end_{session}");
    let result = state.app.end_session(&staff.ctx, session, typed.value(&name)).await;
    answer(&state, &staff, &raw, typed, result, "Session ended.", |_| name.clone()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_was_typed_is_found_again() {
        let t = Typed(vec![
            ("services".into(), "a".into()),
            ("services".into(), "b".into()),
            ("starts".into(), " 09:00 ".into()),
        ]);
        assert_eq!(t.all("services"), ["a", "b"]);
        assert!(t.has("services", "b") && !t.has("services", "c"));
        assert_eq!(t.optional("starts").as_deref(), Some("09:00"));
        assert_eq!((t.value("ends"), t.optional("ends")), ("", None));
    }
}
