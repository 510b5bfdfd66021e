//! Messaging API: the outbox and dead letters, delivery receipts from SMS providers, template previews.

mod outbox;
mod receipts;

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;

pub fn routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    let api = outbox::routes(api);
    receipts::routes(api)
}
