//! Messaging API: the outbox and dead letters, delivery receipts from SMS providers, template previews.

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;

pub fn routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api
}
