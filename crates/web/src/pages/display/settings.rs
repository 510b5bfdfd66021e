//! Staff pages for a site's reception settings: what the waiting-room screen shows, the running-late
//! threshold, the phone number patients are told to call, and making the screen's secret address (practice managers change them; anyone who works
//! the day list can read them).

use super::super::{Shell, ok, render, set_flash, take_flash};
use crate::AppState;
use crate::auth::{CsrfForm, Staff};
use crate::errors::{PageError, see_other};
use app::AppError;
use app::scheduling::reception::{SiteSettings, SiteSettingsInput};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use domain::FieldError;
use domain::governance::{Action, policy::role_may};
use serde::Deserialize;
use store::organisation::SiteRow;
use uuid::Uuid;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/staff/sites", get(list))
        .route("/staff/sites/{site}/settings", get(page).post(save))
        .route("/staff/sites/{site}/display-key", post(new_key))
}

#[derive(Template)]
#[template(path = "display/sites.html")]
struct SitesPage {
    shell: Shell,
    sites: Vec<SiteRow>,
}

#[derive(Template)]
#[template(path = "display/settings.html")]
struct SettingsPage {
    shell: Shell,
    csrf: String,
    site: SiteSettings,
    can_manage: bool,
    names_value: String,
    threshold_value: String,
    phone_value: String,
    /// A screen address just made: shown this once.
    new_link: Option<String>,
    flash: Option<String>,
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    display_names_as: Option<String>,
    #[serde(default)]
    late_threshold_minutes: String,
    #[serde(default)]
    phone: String,
}

/// A site id from the address; an address that is not one is answered like an unknown site.
fn site_id(raw: &str) -> Option<Uuid> {
    raw.parse().ok()
}

fn no_site(staff: &Staff) -> Response {
    PageError(AppError::NotFound { what: "site" }, staff.op()).into_response()
}

async fn list(State(state): State<AppState>, staff: Staff) -> Response {
    if let Err(e) = state.app.may(&staff.ctx, Action::ViewDayList).await {
        return PageError(e, staff.op()).into_response();
    }
    match store::organisation::sites(state.app.db()).await {
        Ok(sites) => ok(&SitesPage { shell: Shell::staff("Sites", &staff), sites }),
        Err(e) => PageError(e.into(), staff.op()).into_response(),
    }
}

struct Shown {
    errors: Vec<FieldError>,
    names: Option<String>,
    threshold: Option<String>,
    phone: Option<String>,
    new_link: Option<String>,
    status: StatusCode,
}

async fn show(state: &AppState, staff: &Staff, site: Uuid, shown: Shown) -> Response {
    let settings = match state.app.site_settings(&staff.ctx, site).await {
        Ok(s) => s,
        Err(e) => return PageError(e, staff.op()).into_response(),
    };
    let shell = Shell::staff(&format!("{}: reception settings", settings.site_name), staff).with_errors(shown.errors);
    let flash = take_flash(staff).await;
    let page = SettingsPage {
        csrf: staff.csrf.clone(),
        can_manage: role_may(staff.actor.role, Action::ManageRotas),
        names_value: shown.names.unwrap_or_else(|| settings.display_names_as.as_str().to_owned()),
        threshold_value: shown.threshold.unwrap_or_else(|| settings.late_threshold_minutes.to_string()),
        phone_value: shown.phone.unwrap_or_else(|| settings.phone.clone().unwrap_or_default()),
        new_link: shown.new_link,
        flash,
        site: settings,
        shell,
    };
    let mut res = render(&page, shown.status);
    res.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    res
}

async fn page(State(state): State<AppState>, staff: Staff, Path(site): Path<String>) -> Response {
    let Some(site) = site_id(&site) else { return no_site(&staff) };
    let shown =
        Shown { errors: vec![], names: None, threshold: None, phone: None, new_link: None, status: StatusCode::OK };
    show(&state, &staff, site, shown).await
}

async fn save(
    State(state): State<AppState>,
    staff: Staff,
    Path(site): Path<String>,
    CsrfForm(f): CsrfForm<SettingsForm>,
) -> Response {
    let Some(site) = site_id(&site) else { return no_site(&staff) };
    let raw = f.late_threshold_minutes.trim().to_owned();
    let (threshold, mut errors) = match raw.parse::<i64>() {
        Ok(m) => (Some(m), vec![]),
        Err(_) => (
            None,
            vec![FieldError::new(
                "late_threshold_minutes",
                "Enter the running-late threshold as whole minutes from 5 to 240",
            )],
        ),
    };
    let names = f.display_names_as.clone().filter(|n| !n.trim().is_empty());
    if names.is_none() {
        errors.push(FieldError::new("display_names_as", "Choose what the screen shows: ticket numbers or initials"));
    }
    if errors.is_empty() {
        let input = SiteSettingsInput {
            display_names_as: names.clone(),
            late_threshold_minutes: threshold,
            phone: Some(f.phone.clone()),
        };
        match state.app.change_site_settings(&staff.ctx, site, &input).await {
            Ok(_) => {
                set_flash(&staff, "Settings saved.").await;
                return see_other(&format!("/staff/sites/{site}/settings"));
            }
            Err(AppError::Invalid(inv)) => errors = inv.0,
            Err(e) => return PageError(e, staff.op()).into_response(),
        }
    }
    let shown = Shown {
        errors,
        names: Some(names.unwrap_or_default()),
        threshold: Some(raw),
        phone: Some(f.phone),
        new_link: None,
        status: StatusCode::UNPROCESSABLE_ENTITY,
    };
    show(&state, &staff, site, shown).await
}

/// Make a new screen address and show it once, on this response (it is not kept anywhere to show again).
async fn new_key(
    State(state): State<AppState>,
    staff: Staff,
    Path(site): Path<String>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Response {
    let Some(site) = site_id(&site) else { return no_site(&staff) };
    let made = match state.app.rotate_display_key(&staff.ctx, site).await {
        Ok(m) => m,
        Err(e) => return PageError(e, staff.op()).into_response(),
    };
    let link = match &state.config.public_url {
        Some(base) => format!("{}{}", base.trim_end_matches('/'), made.path),
        None => made.path,
    };
    let shown = Shown {
        errors: vec![],
        names: None,
        threshold: None,
        phone: None,
        new_link: Some(link),
        status: StatusCode::OK,
    };
    show(&state, &staff, site, shown).await
}
