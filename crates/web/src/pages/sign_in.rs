//! Signing in and out.

use super::{Shell, ok, render};
use crate::AppState;
use crate::auth::{CsrfForm, Staff, anonymous_ctx, begin_session, csrf_token};
use crate::errors::{PageError, see_other};
use crate::observe::OperationId;
use crate::session::keys;
use app::AppError;
use app::governance::auth::SignIn;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use domain::FieldError;
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

#[derive(Template)]
#[template(path = "staff/login.html")]
struct LoginPage {
    shell: Shell,
    csrf: String,
    username: String,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "staff/login_code.html")]
struct CodePage {
    shell: Shell,
    csrf: String,
}

#[derive(Template)]
#[template(path = "staff/signed_out.html")]
struct SignedOutPage {
    shell: Shell,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

fn login_page(csrf: String, username: &str, errors: Vec<FieldError>, notice: Option<String>) -> LoginPage {
    LoginPage { shell: Shell::public("Sign in").with_errors(errors), csrf, username: username.to_owned(), notice }
}

pub async fn form(parts: Parts, session: Session) -> Response {
    let op = crate::auth::operation_id(&parts);
    match csrf_token(&session).await {
        Ok(csrf) => ok(&login_page(csrf, "", vec![], None)),
        Err(e) => PageError(e, op).into_response(),
    }
}

pub async fn submit(
    State(state): State<AppState>,
    parts: Parts,
    session: Session,
    CsrfForm(f): CsrfForm<LoginForm>,
) -> Response {
    let op = crate::auth::operation_id(&parts);
    let ctx = anonymous_ctx(&parts);
    let csrf = match csrf_token(&session).await {
        Ok(t) => t,
        Err(e) => return PageError(e, op).into_response(),
    };
    let mut errors = Vec::new();
    if f.username.trim().is_empty() {
        errors.push(FieldError::new("username", "Enter your username"));
    }
    if f.password.is_empty() {
        errors.push(FieldError::new("password", "Enter your password"));
    }
    if !errors.is_empty() {
        return render(&login_page(csrf, &f.username, errors, None), StatusCode::UNPROCESSABLE_ENTITY);
    }
    match state.app.sign_in(&ctx, &f.username, &f.password).await {
        Ok(SignIn::Done(actor)) => signed_in(&session, &actor, false, op).await,
        Ok(SignIn::MustEnrol(actor)) => signed_in(&session, &actor, true, op).await,
        Ok(SignIn::NeedsCode { user_id }) => {
            if let Err(e) = session.insert(keys::PENDING_TOTP_USER, user_id.to_string()).await {
                return PageError(crate::auth::internal(e), op).into_response();
            }
            see_other("/staff/login/code")
        }
        Err(AppError::BadCredentials) => {
            let errors = vec![FieldError::new("username", "Enter a correct username and password")];
            render(&login_page(csrf, &f.username, errors, None), StatusCode::UNAUTHORIZED)
        }
        Err(AppError::AccountLocked { until }) => {
            let minutes = (until.as_second() - jiff::Timestamp::now().as_second()).max(60) / 60;
            let message = format!(
                "Your account is locked because of too many failed sign-in attempts. Try again in {minutes} minutes, or ask an administrator to help."
            );
            render(&login_page(csrf, &f.username, vec![FieldError::new("username", message)], None), StatusCode::LOCKED)
        }
        Err(e) => PageError(e, op).into_response(),
    }
}

async fn signed_in(session: &Session, actor: &app::Actor, must_enrol: bool, op: OperationId) -> Response {
    match begin_session(session, actor, must_enrol).await {
        Ok(()) if must_enrol => see_other("/staff/account/totp"),
        Ok(()) => see_other("/staff"),
        Err(e) => PageError(e, op).into_response(),
    }
}

pub async fn code_form(parts: Parts, session: Session) -> Response {
    let op = crate::auth::operation_id(&parts);
    let pending = session.get::<String>(keys::PENDING_TOTP_USER).await.ok().flatten();
    if pending.is_none() {
        return see_other("/staff/login");
    }
    match csrf_token(&session).await {
        Ok(csrf) => ok(&CodePage { shell: Shell::public("Enter your security code"), csrf }),
        Err(e) => PageError(e, op).into_response(),
    }
}

pub async fn submit_code(
    State(state): State<AppState>,
    parts: Parts,
    session: Session,
    CsrfForm(f): CsrfForm<CodeForm>,
) -> Response {
    let op = crate::auth::operation_id(&parts);
    let ctx = anonymous_ctx(&parts);
    let pending =
        session.get::<String>(keys::PENDING_TOTP_USER).await.ok().flatten().and_then(|s| s.parse::<Uuid>().ok());
    let Some(user_id) = pending else { return see_other("/staff/login") };
    let csrf = csrf_token(&session).await.unwrap_or_default();
    let again = |message: &str, status| {
        render(
            &CodePage {
                shell: Shell::public("Enter your security code").with_errors(vec![FieldError::new("code", message)]),
                csrf: csrf.clone(),
            },
            status,
        )
    };
    if f.code.trim().is_empty() {
        return again("Enter the 6-digit code from your authenticator app", StatusCode::UNPROCESSABLE_ENTITY);
    }
    match state.app.sign_in_second_factor(&ctx, user_id, &f.code).await {
        Ok(actor) => signed_in(&session, &actor, false, op).await,
        Err(AppError::BadSecondFactor) => again(
            "The code is not right, or has already been used. Wait for a new code and try again",
            StatusCode::UNAUTHORIZED,
        ),
        Err(AppError::AccountLocked { .. }) => {
            let _ = session.remove::<String>(keys::PENDING_TOTP_USER).await;
            again("Your account is locked because of too many failed attempts. Try again later", StatusCode::LOCKED)
        }
        Err(e) => PageError(e, op).into_response(),
    }
}

pub async fn sign_out(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Response {
    let op = staff.op();
    if let Err(e) = state.app.signed_out(&staff.ctx, "signed out").await {
        return PageError(e, op).into_response();
    }
    if let Err(e) = staff.session.flush().await {
        return PageError(crate::auth::internal(e), op).into_response();
    }
    see_other("/staff/signed-out")
}

pub async fn signed_out() -> Response {
    ok(&SignedOutPage { shell: Shell::public("You have signed out") })
}
