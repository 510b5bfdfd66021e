//! Reception API: running late, the waiting-room display state, site display settings, and the secret
//! addresses that need no sign-in (the waiting-room screen's key, a practitioner's calendar feed).

use super::ApiJson;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::errors::ApiError;
use app::scheduling::reception::{DisplayState, PractitionerDelay, SiteSettings, SiteSettingsInput};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api.routes(routes!(delays))
        .routes(routes!(display_state))
        .routes(routes!(read_settings, change_settings))
        .routes(routes!(rotate_display_key))
        .routes(routes!(create_feed_token))
}

/// A secret address, shown once only: only a hash of its secret is kept.
#[derive(Serialize, ToSchema)]
pub struct SecretLink {
    /// The address to open (absolute when Carefront knows its public URL). Shown once only: store it
    /// safely. Making a new one stops the old one working.
    pub url: String,
    /// The same address as a path on this server.
    pub path: String,
}

fn link(state: &AppState, path: String) -> SecretLink {
    let url = match &state.config.public_url {
        Some(base) => format!("{}{path}", base.trim_end_matches('/')),
        None => path.clone(),
    };
    SecretLink { url, path }
}

/// Each practitioner's current delay at the site today: how far behind schedule their calls are
/// running, and whether it has reached the site's running-late threshold.
#[utoipa::path(get, path = "/api/v1/sites/{site}/delays", tag = "reception", params(("site" = Uuid, Path)),
    responses(
        (status = 200, body = Vec<PractitionerDelay>),
        (status = 403, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn delays(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(site): Path<Uuid>,
) -> Result<Json<Vec<PractitionerDelay>>, ApiError> {
    let rows = state.app.current_delays(&caller.ctx, site, jiff::Timestamp::now()).await.map_err(|e| caller.fail(e))?;
    Ok(Json(rows))
}

/// What the site's waiting-room screen shows now: patients called (by ticket number or initials, never
/// by name) and where to go, and each clinician's delay.
#[utoipa::path(get, path = "/api/v1/sites/{site}/display", tag = "reception", params(("site" = Uuid, Path)),
    responses(
        (status = 200, body = DisplayState),
        (status = 403, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn display_state(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(site): Path<Uuid>,
) -> Result<Json<DisplayState>, ApiError> {
    let s = state.app.display_site_for_staff(&caller.ctx, site).await.map_err(|e| caller.fail(e))?;
    let view = state.app.display_state(s.id, None, jiff::Timestamp::now()).await.map_err(|e| caller.fail(e))?;
    Ok(Json(view))
}

/// The site's reception settings.
#[utoipa::path(get, path = "/api/v1/sites/{site}/settings", tag = "reception", params(("site" = Uuid, Path)),
    responses(
        (status = 200, body = SiteSettings),
        (status = 403, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn read_settings(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(site): Path<Uuid>,
) -> Result<Json<SiteSettings>, ApiError> {
    Ok(Json(state.app.site_settings(&caller.ctx, site).await.map_err(|e| caller.fail(e))?))
}

/// Change what the waiting-room screen shows (`ticket` or `initials`) and the running-late threshold
/// (5–240 minutes). Practice managers. Fields left out stay as they are; a bad field changes nothing.
#[utoipa::path(patch, path = "/api/v1/sites/{site}/settings", tag = "reception", params(("site" = Uuid, Path)),
    request_body = SiteSettingsInput,
    responses(
        (status = 200, body = SiteSettings),
        (status = 403, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn change_settings(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(site): Path<Uuid>,
    ApiJson(body): ApiJson<SiteSettingsInput>,
) -> Result<Json<SiteSettings>, ApiError> {
    Ok(Json(state.app.change_site_settings(&caller.ctx, site, &body).await.map_err(|e| caller.fail(e))?))
}

/// Make a new secret address for the site's waiting-room screen (a TV needs no sign-in). Practice
/// managers. The old address stops working, and any screen showing it goes blank.
#[utoipa::path(post, path = "/api/v1/sites/{site}/display-key", tag = "reception", params(("site" = Uuid, Path)),
    responses(
        (status = 201, body = SecretLink),
        (status = 403, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn rotate_display_key(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(site): Path<Uuid>,
) -> Result<(StatusCode, Json<SecretLink>), ApiError> {
    let made = state.app.rotate_display_key(&caller.ctx, site).await.map_err(|e| caller.fail(e))?;
    Ok((StatusCode::CREATED, Json(link(&state, made.path))))
}

/// Make a new private calendar (iCalendar) feed address for a practitioner: their appointments from a
/// week ago to twelve weeks ahead, naming the service and place, never the patient. A practice manager,
/// or the clinician themselves. The old address stops working.
#[utoipa::path(post, path = "/api/v1/practitioners/{id}/feed-token", tag = "reception", params(("id" = Uuid, Path)),
    responses(
        (status = 201, body = SecretLink),
        (status = 403, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn create_feed_token(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
) -> Result<(StatusCode, Json<SecretLink>), ApiError> {
    let made = state.app.create_feed_token(&caller.ctx, id).await.map_err(|e| caller.fail(e))?;
    Ok((StatusCode::CREATED, Json(link(&state, made.path))))
}
