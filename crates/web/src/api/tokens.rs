//! API tokens (admin only): list, create, revoke.

use super::ApiJson;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::errors::ApiError;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct TokenView {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    /// The user the token acts as (it carries their role).
    pub username: String,
    /// What the token is for, e.g. "Lab results feed".
    pub name: String,
    /// Days until it expires (1–3650); none for no expiry.
    pub expires_days: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    pub id: Uuid,
    /// The token itself. Shown once only: store it safely.
    pub token: String,
    pub expires_at: Option<String>,
}

fn ts(t: store::Ts) -> String {
    t.0.to_string()
}

/// All API tokens (never their secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "governance",
    responses((status = 200, body = Vec<TokenView>), (status = 403, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn list(State(state): State<AppState>, caller: ApiCaller) -> Result<Json<Vec<TokenView>>, ApiError> {
    let rows = state.app.list_tokens(&caller.ctx).await.map_err(|e| caller.fail(e))?;
    Ok(Json(
        rows.into_iter()
            .map(|r| TokenView {
                id: r.id,
                user_id: r.user_id,
                name: r.name,
                created_at: ts(r.created_at),
                expires_at: r.expires_at.map(ts),
                revoked_at: r.revoked_at.map(ts),
                last_used_at: r.last_used_at.map(ts),
            })
            .collect(),
    ))
}

/// Create a token.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "governance", request_body = CreateToken,
    responses((status = 201, body = CreatedToken), (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<CreateToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let t = state
        .app
        .create_token(&caller.ctx, &body.username, &body.name, body.expires_days)
        .await
        .map_err(|e| caller.fail(e))?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken { id: t.id, token: t.secret, expires_at: t.expires_at.map(|e| e.to_string()) }),
    ))
}

/// Revoke a token. It stops working at once.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "governance", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    state.app.revoke_token(&caller.ctx, id).await.map_err(|e| caller.fail(e))?;
    Ok(StatusCode::NO_CONTENT)
}
