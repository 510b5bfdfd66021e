//! The audit log page and the guardian's break-glass reviews.

use super::{Shell, render, set_flash, take_flash};
use crate::AppState;
use crate::api::audit::{AuditEventView, parse_filter};
use crate::auth::{CsrfForm, Staff};
use crate::errors::{PageError, see_other};
use app::AppError;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::HashMap;

/// The filter as typed, to show back in the form.
#[derive(Default)]
struct FilterEcho {
    patient: String,
    actor: String,
    from: String,
    to: String,
}

#[derive(Template)]
#[template(path = "staff/audit.html")]
struct AuditPage {
    shell: Shell,
    filter: FilterEcho,
    events: Vec<AuditEventView>,
    next_page: Option<String>,
}

#[derive(Template)]
#[template(path = "staff/break_glass.html")]
struct BreakGlassPage {
    shell: Shell,
    csrf: String,
    flash: Option<String>,
    events: Vec<AuditEventView>,
}

const PAGE_SIZE: i64 = 50;

pub async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| params.get(k).cloned().unwrap_or_default();
    let echo = FilterEcho { patient: get("patient"), actor: get("actor"), from: get("from"), to: get("to") };
    let mut filter = match parse_filter(&params, PAGE_SIZE) {
        Ok(f) => f,
        Err(inv) => {
            let page = AuditPage {
                shell: Shell::staff("Audit log", &staff).with_errors(inv.0),
                filter: echo,
                events: vec![],
                next_page: None,
            };
            return render(&page, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    filter.limit = PAGE_SIZE;
    match state.app.list_audit(&staff.ctx, &filter).await {
        Ok(listing) => {
            let events = listing.events;
            let next_page = (events.len() as i64 == PAGE_SIZE).then(|| {
                let last = events.last().map(|e| e.seq).unwrap_or(0);
                let mut q = vec![format!("before={last}")];
                for (k, v) in
                    [("patient", &echo.patient), ("actor", &echo.actor), ("from", &echo.from), ("to", &echo.to)]
                {
                    if !v.is_empty() {
                        q.push(format!("{k}={}", urlencode(v)));
                    }
                }
                format!("/staff/audit?{}", q.join("&"))
            });
            let events = events.into_iter().map(|e| AuditEventView::new(e, &listing.names)).collect();
            render(
                &AuditPage { shell: Shell::staff("Audit log", &staff), filter: echo, events, next_page },
                StatusCode::OK,
            )
        }
        Err(e) => PageError(e, staff.op()).into_response(),
    }
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("v", s)]).map(|e| e.trim_start_matches("v=").to_owned()).unwrap_or_default()
}

pub async fn break_glass(State(state): State<AppState>, staff: Staff) -> Response {
    match state.app.unreviewed_break_glass(&staff.ctx).await {
        Ok(listing) => {
            let flash = take_flash(&staff).await;
            let events = listing.events.into_iter().map(|e| AuditEventView::new(e, &listing.names)).collect();
            render(
                &BreakGlassPage {
                    shell: Shell::staff("Break-glass reviews", &staff),
                    csrf: staff.csrf.clone(),
                    flash,
                    events,
                },
                StatusCode::OK,
            )
        }
        Err(e) => PageError(e, staff.op()).into_response(),
    }
}

#[derive(Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    note: String,
}

pub async fn review(
    State(state): State<AppState>,
    staff: Staff,
    Path(seq): Path<i64>,
    CsrfForm(f): CsrfForm<ReviewForm>,
) -> Response {
    match state.app.review_break_glass(&staff.ctx, seq, &f.note).await {
        Ok(()) => set_flash(&staff, &format!("Your review of event {seq} has been recorded.")).await,
        Err(AppError::Invalid(inv)) => {
            set_flash(
                &staff,
                &format!("Event {seq}: {}", inv.0.first().map(|e| e.message.as_str()).unwrap_or("not valid")),
            )
            .await
        }
        Err(AppError::Conflict { message }) => set_flash(&staff, &message).await,
        Err(e) => return PageError(e, staff.op()).into_response(),
    }
    see_other("/staff/audit/break-glass")
}
