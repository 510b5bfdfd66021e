//! The service editor: every appointment type with its length, mode, booking window, cut-off, price and
//! who delivers it; practice managers add and change them (the same checks as the API), others read.

use crate::AppState;
use crate::auth::{CsrfForm, Staff};
use crate::errors::{PageError, see_other};
use crate::pages::{Shell, ok, render, set_flash, take_flash};
use app::AppError;
use app::scheduling::setup::{DEFAULT_REMINDER_HOURS, ServiceInput};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::FieldError;
use domain::governance::{Action, policy::role_may};
use domain::scheduling::{Funding, Mode};
use store::scheduling::{PractitionerRow, ServiceRow};
use uuid::Uuid;

/// One service in the list.
pub struct ServiceLine {
    id: Uuid,
    name: String,
    length: String,
    mode: &'static str,
    online: bool,
    funding: String,
    delivered_by: String,
}

#[derive(Template)]
#[template(path = "staff/schedule/services.html")]
struct ServicesPage {
    shell: Shell,
    flash: Option<String>,
    can_manage: bool,
    services: Vec<ServiceLine>,
}

/// The form as typed (numbers stay text so a mistake can be shown back as it was typed).
#[derive(Debug, Clone, Default)]
pub struct ServiceForm {
    name: String,
    description: String,
    duration_minutes: String,
    buffer_minutes: String,
    mode: String,
    bookable_online: bool,
    min_notice_minutes: String,
    max_days_ahead: String,
    cancel_cutoff_minutes: String,
    price: String,
    funding: String,
    preparation: String,
    aftercare: String,
    practitioners: Vec<String>,
    /// Hours before the start, comma separated: `168, 48`.
    reminders: String,
}

impl ServiceForm {
    fn of(s: &ServiceRow, practitioners: &[Uuid]) -> Self {
        ServiceForm {
            name: s.name.clone(),
            description: s.description.clone(),
            duration_minutes: s.duration_minutes.to_string(),
            buffer_minutes: s.buffer_minutes.to_string(),
            mode: s.mode.clone(),
            bookable_online: s.bookable_online,
            min_notice_minutes: s.min_notice_minutes.to_string(),
            max_days_ahead: s.max_days_ahead.to_string(),
            cancel_cutoff_minutes: s.cancel_cutoff_minutes.to_string(),
            price: s.price_pence.map(pounds).unwrap_or_default(),
            funding: s.funding.clone(),
            preparation: s.preparation.clone(),
            aftercare: s.aftercare.clone(),
            practitioners: practitioners.iter().map(Uuid::to_string).collect(),
            reminders: app::messaging::reminders::offsets(s).iter().map(i64::to_string).collect::<Vec<_>>().join(", "),
        }
    }

    fn blank() -> Self {
        ServiceForm {
            duration_minutes: "10".into(),
            buffer_minutes: "0".into(),
            mode: Mode::FaceToFace.as_str().into(),
            bookable_online: true,
            min_notice_minutes: "0".into(),
            max_days_ahead: "28".into(),
            cancel_cutoff_minutes: "0".into(),
            funding: Funding::Nhs.as_str().into(),
            reminders: DEFAULT_REMINDER_HOURS.iter().map(i64::to_string).collect::<Vec<_>>().join(", "),
            ..Default::default()
        }
    }

    /// From the posted pairs (checkboxes repeat `practitioners`).
    fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut f = ServiceForm::default();
        for (k, v) in pairs {
            let v = v.clone();
            match k.as_str() {
                "name" => f.name = v,
                "description" => f.description = v,
                "duration_minutes" => f.duration_minutes = v,
                "buffer_minutes" => f.buffer_minutes = v,
                "mode" => f.mode = v,
                "bookable_online" => f.bookable_online = v == "yes",
                "min_notice_minutes" => f.min_notice_minutes = v,
                "max_days_ahead" => f.max_days_ahead = v,
                "cancel_cutoff_minutes" => f.cancel_cutoff_minutes = v,
                "price" => f.price = v,
                "funding" => f.funding = v,
                "preparation" => f.preparation = v,
                "aftercare" => f.aftercare = v,
                "practitioners" => f.practitioners.push(v),
                "reminders" => f.reminders = v,
                _ => {}
            }
        }
        f
    }

    /// The use-case's input, or what cannot even be read as a number or an id.
    fn input(&self) -> Result<ServiceInput, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut whole = |field: &str, raw: &str| match raw.trim().parse::<i64>() {
            Ok(n) => n,
            Err(_) => {
                errors.push(FieldError::new(field, "Enter a whole number, like 10"));
                0
            }
        };
        let duration_minutes = whole("duration_minutes", &self.duration_minutes);
        let buffer_minutes = whole("buffer_minutes", &self.buffer_minutes);
        let min_notice_minutes = whole("min_notice_minutes", &self.min_notice_minutes);
        let max_days_ahead = whole("max_days_ahead", &self.max_days_ahead);
        let cancel_cutoff_minutes = whole("cancel_cutoff_minutes", &self.cancel_cutoff_minutes);
        let price_pence = match self.price.trim().trim_start_matches('£') {
            "" => None,
            raw => match pence(raw) {
                Some(p) => Some(p),
                None => {
                    errors.push(FieldError::new("price", "Enter the price in pounds, like 45 or 45.50"));
                    None
                }
            },
        };
        let reminder_hours: Option<Vec<i64>> =
            self.reminders.split([',', ' ']).filter(|h| !h.trim().is_empty()).map(|h| h.trim().parse().ok()).collect();
        if reminder_hours.is_none() {
            errors.push(FieldError::new("reminders", "Enter hours before the appointment, like 168, 48"));
        }
        let practitioners: Vec<Uuid> = self.practitioners.iter().filter_map(|p| p.parse().ok()).collect();
        if practitioners.len() != self.practitioners.len() {
            errors.push(FieldError::new("practitioners", "Choose practitioners from the list"));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ServiceInput {
            name: self.name.clone(),
            description: self.description.clone(),
            duration_minutes,
            buffer_minutes,
            mode: self.mode.clone(),
            bookable_online: self.bookable_online,
            min_notice_minutes,
            max_days_ahead,
            cancel_cutoff_minutes,
            price_pence,
            funding: self.funding.clone(),
            preparation: self.preparation.clone(),
            aftercare: self.aftercare.clone(),
            practitioners,
            reminder_hours,
        })
    }
}

/// `4550` → `45.50`.
fn pounds(p: i64) -> String {
    format!("{}.{:02}", p / 100, p % 100)
}

/// `45`, `45.5`, `45.50` → pence; anything else (three decimals, letters, negative) → `None`.
fn pence(raw: &str) -> Option<i64> {
    let (whole, frac) = raw.split_once('.').unwrap_or((raw, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 2 {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac = format!("{frac:0<2}");
    whole.parse::<i64>().ok()?.checked_mul(100)?.checked_add(frac.parse::<i64>().ok()?)
}

#[derive(Template)]
#[template(path = "staff/schedule/service_form.html")]
struct ServiceFormPage {
    shell: Shell,
    csrf: String,
    heading: String,
    action: String,
    form: ServiceForm,
    modes: Vec<(&'static str, &'static str)>,
    fundings: Vec<(&'static str, &'static str)>,
    /// Each practitioner, and whether they give this service.
    practitioners: Vec<(PractitionerRow, bool)>,
    /// The two texts for patients: field, label, hint, value.
    texts: Vec<(&'static str, &'static str, &'static str, String)>,
    button: &'static str,
}

fn may_manage(staff: &Staff) -> bool {
    role_may(staff.actor.role, Action::ManageRotas)
}

fn refused(staff: &Staff) -> Response {
    PageError(AppError::forbidden("only a practice manager can change services"), staff.op()).into_response()
}

pub async fn list(State(state): State<AppState>, staff: Staff) -> Response {
    let (services, practitioners, _, delivered) = match state.app.booking_catalogue(&staff.ctx).await {
        Ok(c) => c,
        Err(e) => return PageError(e, staff.op()).into_response(),
    };
    let mut lines = Vec::with_capacity(services.len());
    for (s, (_, who)) in services.iter().zip(&delivered) {
        let names: Vec<&str> =
            practitioners.iter().filter(|p| who.contains(&p.id)).map(|p| p.display_name.as_str()).collect();
        lines.push(ServiceLine {
            id: s.id,
            name: s.name.clone(),
            length: if s.buffer_minutes > 0 {
                format!("{} minutes (then {} minutes free)", s.duration_minutes, s.buffer_minutes)
            } else {
                format!("{} minutes", s.duration_minutes)
            },
            mode: Mode::parse(&s.mode).map_or("Unknown", |m| m.label()),
            online: s.bookable_online,
            funding: match (Funding::parse(&s.funding).map_or("Unknown", |f| f.label()), s.price_pence) {
                (f, Some(p)) => format!("{f}, £{}", pounds(p)),
                (f, None) => f.to_owned(),
            },
            delivered_by: if names.is_empty() { "Nobody yet".into() } else { names.join(", ") },
        });
    }
    ok(&ServicesPage {
        shell: Shell::staff("Services", &staff),
        flash: take_flash(&staff).await,
        can_manage: may_manage(&staff),
        services: lines,
    })
}

async fn form_page(
    state: &AppState,
    staff: &Staff,
    editing: Option<Uuid>,
    form: ServiceForm,
    errors: Vec<FieldError>,
) -> Response {
    let practitioners = match store::scheduling::practitioners(state.app.db()).await {
        Ok(p) => p,
        Err(e) => return PageError(e.into(), staff.op()).into_response(),
    };
    let (heading, action, button) = match editing {
        Some(id) => (format!("Change {}", form.name), format!("/staff/services/{id}"), "Save changes"),
        None => ("Add a service".to_owned(), "/staff/services/new".to_owned(), "Add service"),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let practitioners = practitioners
        .into_iter()
        .map(|p| {
            let chosen = form.practitioners.contains(&p.id.to_string());
            (p, chosen)
        })
        .collect();
    let texts = vec![
        (
            "preparation",
            "Before the appointment (told to the patient)",
            "What to bring or do beforehand.",
            form.preparation.clone(),
        ),
        ("aftercare", "After the appointment (sent as a follow-up)", "What to do afterwards.", form.aftercare.clone()),
    ];
    render(
        &ServiceFormPage {
            shell: Shell::staff(&heading, staff).with_errors(errors),
            csrf: staff.csrf.clone(),
            heading,
            action,
            form,
            modes: Mode::ALL.iter().map(|m| (m.as_str(), m.label())).collect(),
            fundings: Funding::ALL.iter().map(|f| (f.as_str(), f.label())).collect(),
            practitioners,
            texts,
            button,
        },
        status,
    )
}

pub async fn new_form(State(state): State<AppState>, staff: Staff) -> Response {
    if !may_manage(&staff) {
        return refused(&staff);
    }
    form_page(&state, &staff, None, ServiceForm::blank(), Vec::new()).await
}

pub async fn edit_form(State(state): State<AppState>, staff: Staff, Path(raw): Path<String>) -> Response {
    if !may_manage(&staff) {
        return refused(&staff);
    }
    let Some(id) = raw.parse::<Uuid>().ok() else { return not_found(&staff) };
    let db = state.app.db();
    let (service, who) =
        match (store::scheduling::service(db, id).await, store::scheduling::practitioners_for(db, id).await) {
            (Ok(Some(s)), Ok(w)) => (s, w),
            (Ok(None), _) => return not_found(&staff),
            (Err(e), _) | (_, Err(e)) => return PageError(e.into(), staff.op()).into_response(),
        };
    form_page(&state, &staff, Some(id), ServiceForm::of(&service, &who), Vec::new()).await
}

fn not_found(staff: &Staff) -> Response {
    PageError(AppError::NotFound { what: "service" }, staff.op()).into_response()
}

pub async fn create(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Response {
    save(&state, &staff, None, ServiceForm::from_pairs(&pairs)).await
}

pub async fn update(
    State(state): State<AppState>,
    staff: Staff,
    Path(raw): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let Some(id) = raw.parse::<Uuid>().ok() else { return not_found(&staff) };
    save(&state, &staff, Some(id), ServiceForm::from_pairs(&pairs)).await
}

async fn save(state: &AppState, staff: &Staff, editing: Option<Uuid>, form: ServiceForm) -> Response {
    if !may_manage(staff) {
        return refused(staff);
    }
    let input = match form.input() {
        Ok(i) => i,
        Err(errors) => return form_page(state, staff, editing, form, errors).await,
    };
    let result = match editing {
        Some(id) => state.app.update_service(&staff.ctx, id, &input).await,
        None => state.app.create_service(&staff.ctx, &input).await,
    };
    match result {
        Ok(row) => {
            let done = if editing.is_some() { "saved" } else { "added" };
            set_flash(staff, &format!("{} {done}.", row.name)).await;
            see_other("/staff/services")
        }
        Err(AppError::Invalid(inv)) => {
            // "practitioners[2]" points at the group of checkboxes; a price in pence is the price box.
            let errors = inv
                .0
                .into_iter()
                .map(|e| {
                    let field = match e.field.as_str() {
                        f if f.starts_with("practitioners") => "practitioners".to_owned(),
                        "price_pence" => "price".to_owned(),
                        "reminder_hours" => "reminders".to_owned(),
                        f => f.to_owned(),
                    };
                    FieldError::new(field, e.message)
                })
                .collect();
            form_page(state, staff, editing, form, errors).await
        }
        Err(e) => PageError(e, staff.op()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_read_in_pounds_and_shown_back() {
        assert_eq!(pence("45"), Some(4500));
        assert_eq!(pence("45.5"), Some(4550));
        assert_eq!(pence("45.05"), Some(4505));
        assert_eq!(pence("0.99"), Some(99));
        for bad in ["", ".5", "45.505", "-3", "4a", "45.x", "1e3"] {
            assert_eq!(pence(bad), None, "{bad}");
        }
        assert_eq!(pounds(4550), "45.50");
        assert_eq!(pounds(7), "0.07");
    }
}
