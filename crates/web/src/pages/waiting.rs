//! Staff pages for the waiting list (with each offer chain) and referrals.

use crate::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
}
