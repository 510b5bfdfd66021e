//! The signed-in person's own account: password, two-step sign-in, sign out everywhere.

use super::{Shell, render, set_flash, take_flash};
use crate::AppState;
use crate::auth::{CsrfForm, Staff};
use crate::errors::{PageError, see_other};
use crate::session::keys;
use app::AppError;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::FieldError;
use qrcodegen::{QrCode, QrCodeEcc};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "staff/account.html")]
struct AccountPage {
    shell: Shell,
    csrf: String,
    username: String,
    role_label: &'static str,
    has_totp: bool,
    flash: Option<String>,
}

#[derive(Template)]
#[template(path = "staff/totp.html")]
struct TotpPage {
    shell: Shell,
    csrf: String,
    secret: String,
    qr_svg: String,
    must_enrol: bool,
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn account_page(state: &AppState, staff: &Staff, errors: Vec<FieldError>, status: StatusCode) -> Response {
    let has_totp = match state.app.has_totp(staff.actor.user_id).await {
        Ok(v) => v,
        Err(e) => return PageError(e, staff.op()).into_response(),
    };
    let flash = take_flash(staff).await;
    render(
        &AccountPage {
            shell: Shell::staff("Your account", staff).with_errors(errors),
            csrf: staff.csrf.clone(),
            username: staff.actor.username.clone(),
            role_label: staff.actor.role.label(),
            has_totp,
            flash,
        },
        status,
    )
}

pub async fn page(State(state): State<AppState>, staff: Staff) -> Response {
    account_page(&state, &staff, vec![], StatusCode::OK).await
}

pub async fn change_password(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(f): CsrfForm<PasswordForm>,
) -> Response {
    match state.app.change_password(&staff.ctx, &f.current_password, &f.new_password, &f.confirm_password).await {
        Ok(()) => {
            set_flash(&staff, "Your password has been changed.").await;
            see_other("/staff/account")
        }
        Err(AppError::Invalid(inv)) => account_page(&state, &staff, inv.0, StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => PageError(e, staff.op()).into_response(),
    }
}

pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Response {
    match state.app.sign_out_everywhere(&staff.ctx).await {
        Ok(_) => {
            let _ = staff.session.flush().await;
            see_other("/staff/signed-out")
        }
        Err(e) => PageError(e, staff.op()).into_response(),
    }
}

/// The otpauth URI as an inline SVG QR code (no image request, no script).
fn qr_svg(uri: &str) -> String {
    let Ok(qr) = QrCode::encode_text(uri, QrCodeEcc::Medium) else { return String::new() };
    let border = 4;
    let size = qr.size() + border * 2;
    let mut path = String::new();
    for y in 0..qr.size() {
        for x in 0..qr.size() {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + border, y + border));
            }
        }
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" width=\"220\" height=\"220\" role=\"img\" aria-label=\"QR code for your authenticator app\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    )
}

async fn totp_page(state: &AppState, staff: &Staff, errors: Vec<FieldError>, status: StatusCode) -> Response {
    // Keep the offered secret in the session until it is confirmed, so a reload shows the same code.
    let offered = staff.session.get::<String>(keys::TOTP_OFFER).await.ok().flatten();
    let secret = match offered {
        Some(s) => s,
        None => match state.app.new_totp_secret(&staff.ctx) {
            Ok(offer) => {
                let _ = staff.session.insert(keys::TOTP_OFFER, &offer.secret_base32).await;
                offer.secret_base32
            }
            Err(e) => return PageError(e, staff.op()).into_response(),
        },
    };
    let uri = match app::governance::auth::otpauth_uri(&secret, &staff.actor.username) {
        Ok(u) => u,
        Err(e) => return PageError(e, staff.op()).into_response(),
    };
    let must_enrol = staff.session.get::<bool>(keys::MUST_ENROL).await.ok().flatten().unwrap_or(false);
    render(
        &TotpPage {
            shell: Shell::staff("Set up two-step sign-in", staff).with_errors(errors),
            csrf: staff.csrf.clone(),
            secret,
            qr_svg: qr_svg(&uri),
            must_enrol,
        },
        status,
    )
}

pub async fn totp_form(State(state): State<AppState>, staff: Staff) -> Response {
    totp_page(&state, &staff, vec![], StatusCode::OK).await
}

pub async fn totp_confirm(State(state): State<AppState>, staff: Staff, CsrfForm(f): CsrfForm<CodeForm>) -> Response {
    let Some(secret) = staff.session.get::<String>(keys::TOTP_OFFER).await.ok().flatten() else {
        return see_other("/staff/account/totp");
    };
    match state.app.confirm_totp(&staff.ctx, &secret, &f.code).await {
        Ok(()) => {
            let _ = staff.session.remove::<String>(keys::TOTP_OFFER).await;
            let _ = staff.session.remove::<bool>(keys::MUST_ENROL).await;
            set_flash(&staff, "Two-step sign-in is now on. You will need your phone each time you sign in.").await;
            see_other("/staff/account")
        }
        Err(AppError::Invalid(inv)) => totp_page(&state, &staff, inv.0, StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => PageError(e, staff.op()).into_response(),
    }
}
