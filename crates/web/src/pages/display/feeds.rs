//! A practitioner's private calendar feed: `/feeds/practitioners/{id}/{token}.ics`, no sign-in (calendar
//! apps cannot sign in; the token is the permission, kept only as its hash). A wrong token is a 404.

use crate::AppState;
use crate::auth::anonymous_ctx;
use crate::errors::{PageError, error_page};
use app::AppError;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use uuid::Uuid;

pub fn routes() -> Router<AppState> {
    Router::new().route("/feeds/practitioners/{id}/{file}", get(feed))
}

async fn feed(State(state): State<AppState>, parts: Parts, Path((id, file)): Path<(String, String)>) -> Response {
    let ctx = anonymous_ctx(&parts);
    let op = crate::auth::operation_id(&parts);
    let not_found = || {
        error_page(StatusCode::NOT_FOUND, "Page not found", "If you typed the web address, check it is correct.", op)
    };
    let (Ok(id), Some(token)) = (id.parse::<Uuid>(), file.strip_suffix(".ics")) else { return not_found() };
    match state.app.practitioner_feed(&ctx, id, token, jiff::Timestamp::now()).await {
        Ok(ics) => {
            let mut res = ics.into_response();
            let h = res.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/calendar; charset=utf-8"));
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
            h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("inline; filename=\"appointments.ics\""));
            res
        }
        Err(AppError::NotFound { .. }) => not_found(),
        Err(e) => PageError(e, op).into_response(),
    }
}
