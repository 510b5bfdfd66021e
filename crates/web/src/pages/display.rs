//! The waiting-room screen (`/display/{site}`): who is called to which room, and each clinician's delay.

use crate::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
}
