//! Reception API: running late, the waiting-room display state, site display settings.

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;

pub fn routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api
}
