//! Staff pages: server-rendered HTML that works without JavaScript, with GOV.UK / NHS patterns (error
//! summary at the top, field errors beside fields, one h1, skip link).

mod account;
mod audit;
mod display;
mod home;
mod links;
mod messages;
pub(crate) mod patients;
mod schedule;
mod sign_in;
mod waiting;

use crate::auth::Staff;
use crate::i18n::Lang;
use crate::{AppState, WebConfig};
use askama::Template;
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use domain::FieldError;
use domain::governance::{Action, policy::role_may};
use std::sync::Arc;
use tower_governor::GovernorLayer;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::PeerIpKeyExtractor;

/// The signed-in person, as the page header shows them.
#[derive(Debug, Clone)]
pub struct NavUser {
    pub display_name: String,
    pub role_label: &'static str,
    pub csrf: String,
    pub can_view_audit: bool,
    pub can_review_break_glass: bool,
    pub can_search_patients: bool,
    /// The day list, the waiting list and referrals.
    pub can_view_day_list: bool,
    pub can_view_waiting_list: bool,
    pub can_view_referrals: bool,
    pub can_book: bool,
    /// Message templates (preview) and letters to print.
    pub can_view_messages: bool,
}

impl NavUser {
    pub fn of(staff: &Staff) -> Self {
        let role = staff.actor.role;
        Self {
            display_name: staff.actor.display_name.clone(),
            role_label: role.label(),
            csrf: staff.csrf.clone(),
            can_view_audit: role_may(role, Action::ViewAuditLog),
            can_review_break_glass: role_may(role, Action::ReviewBreakGlass),
            can_search_patients: role_may(role, Action::SearchPatients),
            can_view_day_list: role_may(role, Action::ViewDayList),
            can_view_waiting_list: role_may(role, Action::ViewDayList),
            can_view_referrals: role_may(role, Action::ViewDayList),
            can_book: role_may(role, Action::BookAppointment),
            can_view_messages: role_may(role, Action::ViewOutbox),
        }
    }
}

/// What the base layout needs from every page.
#[derive(Debug, Clone, Default)]
pub struct Shell {
    pub title: String,
    pub lang: Lang,
    pub staff: Option<NavUser>,
    pub errors: Vec<FieldError>,
    /// A page for patients: the practice's name heads it, and there is no way into the staff pages.
    pub practice: Option<String>,
}

impl Shell {
    pub fn public(title: &str) -> Self {
        Self { title: title.to_owned(), ..Default::default() }
    }

    /// A page for patients, in their language, headed with the practice's name.
    pub fn patient(title: &str, lang: Lang, practice: &str) -> Self {
        Self { title: title.to_owned(), lang, practice: Some(practice.to_owned()), ..Default::default() }
    }

    /// A patient page when we do not know whose practice it is (a link that does not work). The header
    /// names the service without linking to the staff sign-in.
    pub fn for_anyone(title: &str, lang: Lang) -> Self {
        let service = lang.t("service-name");
        Self::patient(title, lang, &service)
    }

    pub fn staff(title: &str, staff: &Staff) -> Self {
        Self { title: title.to_owned(), staff: Some(NavUser::of(staff)), ..Default::default() }
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    pub fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub title: String,
    pub message: String,
    pub operation_id: String,
}

/// Render a page template; a template error is an internal error with an operation id.
pub fn render<T: Template>(page: &T, status: axum::http::StatusCode) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed to render");
            (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "Sorry, there is a problem with the service.")
                .into_response()
        }
    }
}

pub fn ok<T: Template>(page: &T) -> Response {
    render(page, axum::http::StatusCode::OK)
}

const APP_CSS: &str = include_str!("../../static/app.css");
const APP_JS: &str = include_str!("../../static/app.js");

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut res = body.into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    res
}

pub fn routes(config: &WebConfig) -> Router<AppState> {
    let governor = GovernorConfigBuilder::default()
        .per_second(config.login_refill_seconds.max(1))
        .burst_size(config.login_burst.max(1))
        .key_extractor(PeerIpKeyExtractor)
        .finish()
        .expect("valid rate limit settings");
    let rate_limited_sign_in = Router::new()
        .route("/staff/login", post(sign_in::submit))
        .route("/staff/login/code", post(sign_in::submit_code))
        .layer(GovernorLayer::new(Arc::new(governor)));
    Router::new()
        .route("/", get(|| async { crate::errors::see_other("/staff") }))
        .route("/static/app.css", get(|| async { asset(APP_CSS, "text/css; charset=utf-8") }))
        .route("/static/app.js", get(|| async { asset(APP_JS, "text/javascript; charset=utf-8") }))
        .route("/staff/login", get(sign_in::form))
        .route("/staff/login/code", get(sign_in::code_form))
        .merge(rate_limited_sign_in)
        .route("/staff/sign-out", post(sign_in::sign_out))
        .route("/staff/signed-out", get(sign_in::signed_out))
        .route("/staff", get(home::page))
        .route("/staff/account", get(account::page))
        .route("/staff/account/password", post(account::change_password))
        .route("/staff/account/sign-out-everywhere", post(account::sign_out_everywhere))
        .route("/staff/account/totp", get(account::totp_form).post(account::totp_confirm))
        .route("/staff/patients", get(patients::search_form))
        .route("/staff/patients/search", post(patients::search))
        .route("/staff/patients/results", get(patients::results))
        .route("/staff/patients/new", get(patients::register_form).post(patients::register))
        .route("/staff/patients/new/confirm", post(patients::register_confirmed))
        .route("/staff/patients/{id}", get(patients::record))
        .route("/staff/patients/{id}/break-glass", post(patients::break_glass))
        .route("/staff/patients/{id}/edit", get(patients::edit_form).post(patients::edit))
        .route("/staff/patients/{id}/history", get(patients::history))
        .route("/staff/patients/{id}/merge", get(patients::merge_form).post(patients::merge))
        .route("/staff/patients/{id}/merge/review", post(patients::merge_review))
        .route("/staff/patients/{id}/needs", get(patients::needs).post(patients::add_need))
        .route("/staff/patients/{id}/needs/{need_id}/remove", post(patients::remove_need))
        .route("/staff/patients/{id}/needs/{need_id}/review", post(patients::review_need))
        .route(
            "/staff/patients/{id}/identifiers",
            get(patients::notes::identifiers).post(patients::notes::add_identifier),
        )
        .route(
            "/staff/patients/{id}/disagreements",
            get(patients::notes::disagreements).post(patients::notes::add_disagreement),
        )
        .route("/staff/patients/{id}/related-people", get(patients::related_form).post(patients::add_related))
        .route("/staff/patients/{id}/alerts", get(patients::alert_form).post(patients::add_alert))
        .route("/staff/audit", get(audit::page))
        .route("/staff/audit/break-glass", get(audit::break_glass))
        .route("/staff/audit/break-glass/{seq}", post(audit::review))
        .merge(schedule::routes())
        .merge(display::routes())
        .merge(waiting::routes())
        .merge(messages::routes())
        .merge(links::routes())
}

/// A one-time message shown on the next page (after a redirect).
pub async fn take_flash(staff: &Staff) -> Option<String> {
    staff.session.remove::<String>(crate::session::keys::FLASH).await.ok().flatten()
}

pub async fn set_flash(staff: &Staff, message: &str) {
    let _ = staff.session.insert(crate::session::keys::FLASH, message).await;
}
