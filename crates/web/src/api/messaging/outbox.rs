//! The outbox for staff (queued, sending, sent, failed, dead letters, jobs waiting for staff, letters to
//! print) with retry, and a patient's communications history.

use crate::AppState;
use crate::api::ApiJson;
use crate::auth::ApiCaller;
use crate::errors::ApiError;
use app::messaging::monitor::{OutboxEntry, OutboxSummary, PatientMessage};
use axum::Json;
use axum::extract::{Path, Query, State};
use domain::validation::Errors;
use serde::Deserialize;
use std::collections::HashMap;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

type Problem = crate::errors::Problem;

pub fn routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api.routes(routes!(list))
        .routes(routes!(summary))
        .routes(routes!(retry))
        .routes(routes!(done))
        .routes(routes!(patient_messages))
}

/// Outbox jobs, the most recently due first: all of them, or those in one state. Messages' text is not
/// included (it is on the patient's record).
#[utoipa::path(get, path = "/api/v1/outbox", tag = "messaging",
    params(
        ("state" = Option<String>, Query, description = "queued, sending, sent, failed, dead, cancelled, needs_staff or to_print"),
        ("limit" = Option<i64>, Query, description = "At most this many (1–1000, default 200)")),
    responses(
        (status = 200, body = Vec<OutboxEntry>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Vec<OutboxEntry>>, ApiError> {
    let mut e = Errors::new();
    let mut unknown: Vec<&String> = params.keys().filter(|k| !matches!(k.as_str(), "state" | "limit")).collect();
    unknown.sort();
    for k in unknown {
        e.add(k, format!("Unknown parameter '{k}'. Use: state, limit"));
    }
    let limit = match params.get("limit").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => 200,
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => {
                e.add("limit", "Limit must be a whole number from 1 to 1000");
                200
            }
        },
    };
    e.finish().map_err(|inv| caller.fail(inv.into()))?;
    let wanted = params.get("state").map(|s| s.trim()).filter(|s| !s.is_empty());
    let rows = state.app.outbox_jobs(&caller.ctx, wanted, limit).await.map_err(|e| caller.fail(e))?;
    Ok(Json(rows))
}

/// The outbox at a glance: jobs in every state, queued jobs due now and scheduled for later, the oldest
/// due job, and messages by what became of them (delivered, not delivered…).
#[utoipa::path(get, path = "/api/v1/outbox/summary", tag = "messaging",
    responses(
        (status = 200, body = OutboxSummary),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn summary(State(state): State<AppState>, caller: ApiCaller) -> Result<Json<OutboxSummary>, ApiError> {
    Ok(Json(state.app.outbox_summary(&caller.ctx).await.map_err(|e| caller.fail(e))?))
}

/// What staff did by hand for a job waiting for them (or a dead letter).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DoneRequest {
    /// What was done, e.g. "Braille letter posted" (1–500 characters).
    pub note: String,
}

/// Mark a job waiting for staff (or a dead letter) done by hand: it counts as sent, with the note.
#[utoipa::path(post, path = "/api/v1/outbox/{id}/done", tag = "messaging", params(("id" = Uuid, Path)),
    request_body = DoneRequest,
    responses(
        (status = 200, body = OutboxEntry),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn done(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<DoneRequest>,
) -> Result<Json<OutboxEntry>, ApiError> {
    Ok(Json(state.app.close_outbox_task(&caller.ctx, id, &body.note).await.map_err(|e| caller.fail(e))?))
}

/// Put a dead letter (or a job waiting for staff) back in the queue, due now, with its attempts reset.
#[utoipa::path(post, path = "/api/v1/outbox/{id}/retry", tag = "messaging", params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = OutboxEntry),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn retry(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
) -> Result<Json<OutboxEntry>, ApiError> {
    Ok(Json(state.app.retry_dead(&caller.ctx, id).await.map_err(|e| caller.fail(e))?))
}

/// The messages sent to a patient and copies sent to their carers, newest first: channel, address,
/// language, format, text and what became of each.
#[utoipa::path(get, path = "/api/v1/patients/{id}/messages", tag = "messaging", params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = Vec<PatientMessage>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn patient_messages(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<PatientMessage>>, ApiError> {
    Ok(Json(state.app.patient_messages(&caller.ctx, id).await.map_err(|e| caller.fail(e))?))
}
