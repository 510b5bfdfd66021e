//! The waiting-room screen (`/display/{site}`): who is called to which room, and each clinician's delay.
//!
//! A TV is not signed in: each site has a secret screen key (made by a practice manager, kept hashed),
//! and the screen lives at `/display/{site}/{key}`; a wrong key is a plain 404. Signed-in staff can
//! look at `/display/{site}`. The screen updates live through server-sent events
//! (`…/events`): each stream reads the screen's state from the database every couple of seconds and
//! sends the changed part of the page only when it changed, so it works the same with several
//! Carefront nodes on one PostgreSQL. Without JavaScript the page reloads itself every 15 seconds.
//! Patients are never named: ticket numbers or initials, by the site's setting.

mod feeds;
mod settings;

use super::render;
use crate::AppState;
use crate::auth::Staff;
use crate::errors::{PageError, error_page};
use crate::observe::OperationId;
use app::AppError;
use app::scheduling::reception::DisplayState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::stream::{self, Stream};
use std::convert::Infallible;
use std::time::{Duration, Instant};
use uuid::Uuid;

const DISPLAY_CSS: &str = include_str!("../../static/display.css");
const DISPLAY_JS: &str = include_str!("../../static/display.js");
/// How often a live screen's state is read again.
const POLL: Duration = Duration::from_secs(2);
/// How often a screen without JavaScript reloads.
const REFRESH_SECONDS: u32 = 15;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/static/display.css", get(|| async { asset(DISPLAY_CSS, "text/css; charset=utf-8") }))
        .route("/static/display.js", get(|| async { asset(DISPLAY_JS, "text/javascript; charset=utf-8") }))
        .route("/display/{site}", get(staff_screen))
        .route("/display/{site}/events", get(staff_events))
        .route("/display/{site}/{key}", get(screen))
        .route("/display/{site}/{key}/events", get(events))
        .merge(settings::routes())
        .merge(feeds::routes())
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut res = body.into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    res
}

#[derive(Template)]
#[template(path = "display/screen.html")]
struct ScreenPage<'a> {
    state: &'a DisplayState,
    events_path: String,
    refresh_seconds: u32,
}

#[derive(Template)]
#[template(path = "display/state.html")]
struct StatePart<'a> {
    state: &'a DisplayState,
}

fn not_found(op: OperationId) -> Response {
    error_page(StatusCode::NOT_FOUND, "Page not found", "If you typed the web address, check it is correct.", op)
}

fn op_of(parts: &axum::http::request::Parts) -> OperationId {
    crate::auth::operation_id(parts)
}

/// The screen's page: never cached (it shows who is being called now).
fn screen_response(state: &DisplayState, events_path: String) -> Response {
    let mut res = render(&ScreenPage { state, events_path, refresh_seconds: REFRESH_SECONDS }, StatusCode::OK);
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// An address's site and key, or `None` (a 404) when the site is not an id.
fn site_id(raw: &str) -> Option<Uuid> {
    raw.parse().ok()
}

/// `/display/{site}/{key}`: the screen for a TV (no sign-in; the key is the permission).
async fn screen(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    Path((site, key)): Path<(String, String)>,
) -> Response {
    let op = op_of(&parts);
    let Some(site) = site_id(&site) else { return not_found(op) };
    let found = match state.app.display_site(site, &key).await {
        Ok(s) => s,
        Err(AppError::NotFound { .. }) => return not_found(op),
        Err(e) => return PageError(e, op).into_response(),
    };
    let hash = found.display_key_hash.clone();
    match state.app.display_state(site, hash.as_deref(), jiff::Timestamp::now()).await {
        Ok(view) => screen_response(&view, format!("/display/{site}/{key}/events")),
        Err(AppError::NotFound { .. }) => not_found(op),
        Err(e) => PageError(e, op).into_response(),
    }
}

/// `/display/{site}`: the same screen for signed-in staff.
async fn staff_screen(State(state): State<AppState>, staff: Staff, Path(site): Path<String>) -> Response {
    let Some(site) = site_id(&site) else { return not_found(staff.op()) };
    let found = match state.app.display_site_for_staff(&staff.ctx, site).await {
        Ok(s) => s,
        Err(e) => return PageError(e, staff.op()).into_response(),
    };
    match state.app.display_state(found.id, None, jiff::Timestamp::now()).await {
        Ok(view) => screen_response(&view, format!("/display/{site}/events")),
        Err(e) => PageError(e, staff.op()).into_response(),
    }
}

/// `/display/{site}/{key}/events`: the live updates. A wrong key is a 404 (the browser stops trying).
async fn events(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    Path((site, key)): Path<(String, String)>,
) -> Response {
    let op = op_of(&parts);
    let Some(site) = site_id(&site) else { return not_found(op) };
    match state.app.display_site(site, &key).await {
        Ok(found) => live(state, site, found.display_key_hash),
        Err(AppError::NotFound { .. }) => not_found(op),
        Err(e) => PageError(e, op).into_response(),
    }
}

/// `/display/{site}/events`: the live updates for signed-in staff.
async fn staff_events(State(state): State<AppState>, staff: Staff, Path(site): Path<String>) -> Response {
    let Some(site) = site_id(&site) else { return not_found(staff.op()) };
    match state.app.display_site_for_staff(&staff.ctx, site).await {
        Ok(found) => live(state, found.id, None),
        Err(e) => PageError(e, staff.op()).into_response(),
    }
}

/// Where a live stream is.
struct Live {
    state: AppState,
    site: Uuid,
    /// The key hash the stream was opened with; the stream ends once it is no longer the site's.
    key_hash: Option<String>,
    last: Option<DisplayState>,
    started: Instant,
    first: bool,
    done: bool,
}

/// A stream of the screen's changing part. Each stream ends after the request timeout (the browser
/// reconnects at once and is sent the whole state again), so a server shutting down is not held up by
/// screens, and screens spread over the nodes again after one restarts.
fn live(state: AppState, site: Uuid, key_hash: Option<String>) -> Response {
    let lifetime = state.config.request_timeout.max(POLL * 2);
    let start = Live { state, site, key_hash, last: None, started: Instant::now(), first: true, done: false };
    let updates = stream::unfold(start, move |mut live| async move {
        if live.done {
            return None;
        }
        loop {
            if !live.first {
                if live.started.elapsed() + POLL > lifetime {
                    return None;
                }
                tokio::time::sleep(POLL).await;
            }
            live.first = false;
            match live.state.app.display_state(live.site, live.key_hash.as_deref(), jiff::Timestamp::now()).await {
                Ok(view) if live.last.as_ref() == Some(&view) => continue,
                Ok(view) => {
                    let html = match (StatePart { state: &view }).render() {
                        Ok(h) => h.replace('\r', ""),
                        Err(e) => {
                            tracing::error!(error = %e, "waiting-room screen failed to render");
                            continue;
                        }
                    };
                    live.last = Some(view);
                    let event = Event::default().event("state").retry(POLL).data(html);
                    return Some((Ok::<_, Infallible>(event), live));
                }
                Err(AppError::NotFound { .. }) => {
                    live.done = true;
                    return Some((Ok(Event::default().event("gone").data("gone")), live));
                }
                Err(e) => {
                    // A passing database problem: keep the screen as it is and try again.
                    tracing::warn!(code = e.code(), "reading the waiting-room screen failed");
                }
            }
        }
    });
    sse(updates)
}

fn sse<S>(updates: S) -> Response
where
    S: Stream<Item = Result<Event, Infallible>> + Send + 'static,
{
    let mut res = Sse::new(updates).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Tell proxies (nginx) not to hold the stream back.
    res.headers_mut().insert("x-accel-buffering", HeaderValue::from_static("no"));
    res
}
