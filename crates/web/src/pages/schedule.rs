//! Staff scheduling pages: the day list, the appointment page and the booking flow.

use crate::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
}
