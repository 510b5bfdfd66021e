//! Staff pages for messaging: template previews and practice edits, letters to print, the outbox and
//! its dead letters.

use crate::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
}
