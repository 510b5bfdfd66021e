//! Who am I: the cheapest authenticated call (integrations use it to check their token).

use crate::auth::ApiCaller;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub user_id: uuid::Uuid,
    pub username: String,
    pub display_name: String,
    /// One of receptionist, clinician, practice_manager, complaints_lead, caldicott_guardian, admin.
    pub role: String,
}

/// The authenticated caller.
#[utoipa::path(get, path = "/api/v1/me", tag = "governance",
    responses((status = 200, body = Me), (status = 401, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn me(caller: ApiCaller) -> Json<Me> {
    let a = caller.actor;
    Json(Me {
        user_id: a.user_id,
        username: a.username,
        display_name: a.display_name,
        role: a.role.as_str().to_owned(),
    })
}
