//! Referrals API: inbound referrals, and the warning list of referrals near or past their target date.

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;

pub fn routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api
}
