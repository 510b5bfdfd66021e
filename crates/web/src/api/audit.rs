//! `GET /api/v1/audit`: the audit log with filters (Caldicott guardian and admin only).

use crate::AppState;
use crate::auth::ApiCaller;
use axum::Json;
use axum::extract::{Query, State};
use domain::Invalid;
use domain::governance::audit::AuditEvent;
use domain::validation::Errors;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;
use std::collections::HashMap;
use store::Ts;
use store::governance::audit::AuditFilter;
use utoipa::{IntoParams, ToSchema};

/// One audit event as shown to people and programs.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventView {
    pub seq: i64,
    /// UTC, RFC 3339.
    pub at: String,
    /// For display: UTC, to the second.
    #[serde(skip)]
    pub at_display: String,
    /// The acting user's id, or `command_line` / `anonymous`.
    pub actor: String,
    /// The acting user's name and username, when the actor is a user.
    pub actor_name: Option<String>,
    pub actor_role: Option<String>,
    pub action: String,
    pub resource_type: String,
    pub resource_id: Option<String>,
    /// `resource_type/resource_id`, for display.
    #[serde(skip)]
    pub resource: String,
    pub patient_id: Option<uuid::Uuid>,
    /// The patient's name, where the listing names patients (break-glass review).
    #[serde(skip)]
    pub patient_name: Option<String>,
    pub purpose: String,
    /// `allowed` or `denied`.
    pub outcome: String,
    pub reason: String,
    pub break_glass: bool,
    pub operation_id: uuid::Uuid,
    pub client_addr: Option<String>,
    pub hash: String,
}

impl AuditEventView {
    pub fn new(ev: AuditEvent, names: &HashMap<uuid::Uuid, String>) -> Self {
        let e = ev.entry;
        Self {
            seq: ev.seq,
            at: e.at.to_string(),
            at_display: e.at.strftime("%Y-%m-%d %H:%M:%S").to_string(),
            actor_name: e.actor_id.and_then(|id| names.get(&id).cloned()),
            actor: e.actor_id.map(|u| u.to_string()).unwrap_or_else(|| e.actor_role.clone().unwrap_or_default()),
            actor_role: e.actor_role,
            resource: match &e.resource_id {
                Some(id) => format!("{}/{}", e.resource_type, id),
                None => e.resource_type.clone(),
            },
            action: e.action,
            resource_type: e.resource_type,
            resource_id: e.resource_id,
            patient_name: e.patient_id.and_then(|p| names.get(&p).cloned()),
            patient_id: e.patient_id,
            purpose: e.purpose.unwrap_or_default(),
            outcome: e.outcome.as_str().to_owned(),
            reason: e.reason.unwrap_or_default(),
            break_glass: e.break_glass,
            operation_id: e.operation_id,
            client_addr: e.client_addr,
            hash: ev.hash,
        }
    }
}

/// Query parameters of `GET /api/v1/audit` (also the staff audit page).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct AuditQuery {
    /// Only events about this patient (id).
    patient: Option<uuid::Uuid>,
    /// Only events by this user (id).
    actor: Option<uuid::Uuid>,
    /// From this date (UTC, `YYYY-MM-DD`), inclusive.
    from: Option<String>,
    /// To this date (UTC, `YYYY-MM-DD`), inclusive.
    to: Option<String>,
    /// Only events older than this sequence number (for the next page).
    before: Option<i64>,
    /// At most this many events (1–1000, default 100).
    limit: Option<i64>,
}

const KNOWN: [&str; 6] = ["patient", "actor", "from", "to", "before", "limit"];

fn date_start(s: &str) -> Result<Ts, String> {
    let d: Date = s.trim().parse().map_err(|_| "Enter a real date in the form 2026-11-01".to_owned())?;
    let z = d.to_zoned(TimeZone::UTC).map_err(|_| "Enter a real date in the form 2026-11-01".to_owned())?;
    Ok(Ts(z.timestamp()))
}

/// Parse and check the filter; every bad parameter is reported. Unknown parameters are refused so a
/// typo is not silently ignored.
pub fn parse_filter(params: &HashMap<String, String>, default_limit: i64) -> Result<AuditFilter, Invalid> {
    let mut errors = Errors::new();
    let mut f = AuditFilter { limit: default_limit, ..Default::default() };
    for key in params.keys() {
        if !KNOWN.contains(&key.as_str()) {
            errors.add(key, format!("Unknown filter '{key}'. Use one of: {}", KNOWN.join(", ")));
        }
    }
    let present = |k: &str| params.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    if let Some(v) = present("patient") {
        f.patient_id = errors.check("patient", v.parse().map_err(|_| "Enter a patient id (a UUID)".to_owned()));
    }
    if let Some(v) = present("actor") {
        f.actor_id = errors.check("actor", v.parse().map_err(|_| "Enter a staff user id (a UUID)".to_owned()));
    }
    if let Some(v) = present("from") {
        f.from = errors.check("from", date_start(v));
    }
    if let Some(v) = present("to") {
        // Inclusive: up to the start of the next day.
        f.to = errors.check("to", date_start(v)).map(|t| Ts(t.0 + jiff::SignedDuration::from_hours(24)));
    }
    if let (Some(a), Some(b)) = (f.from, f.to)
        && a >= b
    {
        errors.add("to", "The 'to' date must be the same as or after the 'from' date");
    }
    if let Some(v) = present("before") {
        f.before_seq = errors.check("before", v.parse::<i64>().map_err(|_| "Enter a whole number".to_owned()));
    }
    if let Some(v) = present("limit") {
        match v.parse::<i64>() {
            Ok(n) if (1..=1000).contains(&n) => f.limit = n,
            _ => errors.add("limit", "Limit must be a whole number from 1 to 1000"),
        }
    }
    errors.finish()?;
    Ok(f)
}

/// Audit events, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "governance", params(AuditQuery),
    responses(
        (status = 200, body = Vec<AuditEventView>),
        (status = 401, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Vec<AuditEventView>>, crate::errors::ApiError> {
    let filter = parse_filter(&params, 100).map_err(|inv| caller.fail(inv.into()))?;
    let listing = state.app.list_audit(&caller.ctx, &filter).await.map_err(|e| caller.fail(e))?;
    Ok(Json(listing.events.into_iter().map(|e| AuditEventView::new(e, &listing.names)).collect()))
}
