//! Messaging API: the outbox and dead letters, delivery receipts and replies from SMS providers, template previews.

mod outbox;
mod receipts;
mod replies;
mod templates;

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;

pub fn routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    let api = outbox::routes(api);
    let api = receipts::routes(api);
    let api = replies::routes(api);
    templates::routes(api)
}
