//! Reports over a period: access measures (waiting time, lead time, missed appointments by lead time,
//! third next available). The waiting-list offers report sits with the waiting list (`referrals.rs`).

use crate::AppState;
use crate::auth::ApiCaller;
use crate::errors::{ApiError, Problem};
use app::AppError;
use app::scheduling::measures::AccessReport;
use axum::Json;
use axum::extract::{Query, State};
use domain::validation::Errors;
use jiff::civil::Date;
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api.routes(routes!(access_report))
}

/// A report's `from` and `to` query parameters (local dates, inclusive); unknown parameters and bad
/// dates are field errors.
pub(crate) fn period(params: &HashMap<String, String>) -> Result<(Date, Date), AppError> {
    let mut e = Errors::new();
    let mut unknown: Vec<&String> = params.keys().filter(|k| !matches!(k.as_str(), "from" | "to")).collect();
    unknown.sort();
    for k in unknown {
        e.add(k, format!("Unknown parameter '{k}'. Use: from, to"));
    }
    let mut date = |name: &str| match params.get(name).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => {
            e.add(name, "Enter a date such as 2027-03-29");
            None
        }
        Some(v) => {
            let d = v.parse::<Date>().ok().filter(|_| v.len() == 10);
            if d.is_none() {
                e.add(name, "Enter a real date as YYYY-MM-DD, such as 2027-03-29");
            }
            d
        }
    };
    let (from, to) = (date("from"), date("to"));
    e.finish()?;
    match (from, to) {
        (Some(from), Some(to)) => Ok((from, to)),
        _ => Err(AppError::Internal("checked parameters missing".into())),
    }
}

/// Missed appointments among those booked this far ahead.
#[derive(Serialize, ToSchema)]
pub struct LeadBandView {
    /// e.g. "same day", "3 to 7 days".
    pub band: String,
    /// Appointments whose day came (attended or missed).
    pub due: u32,
    pub missed: u32,
    pub missed_rate: Option<f64>,
}

/// A service's third next available appointment.
#[derive(Serialize, ToSchema)]
pub struct ServiceAvailabilityView {
    pub service_id: Uuid,
    pub service: String,
    /// Days from today to the third free slot; `null` when fewer than three are free in 92 days.
    pub third_next_available_days: Option<i32>,
}

/// Access measures for appointments in a period.
#[derive(Serialize, ToSchema)]
pub struct AccessReportView {
    pub from: String,
    pub to: String,
    pub attended: u32,
    /// Did not attend (DNA).
    pub missed: u32,
    /// Missed ÷ (attended + missed).
    pub missed_rate: Option<f64>,
    pub cancelled: u32,
    /// Minutes from arrival to being called in.
    pub waiting_minutes_median: Option<f64>,
    pub waiting_minutes_p90: Option<f64>,
    /// Days from booking to the appointment.
    pub lead_days_median: Option<f64>,
    pub lead_days_mean: Option<f64>,
    pub by_lead_time: Vec<LeadBandView>,
    /// The date the third-next-available figures were measured on (today at the practice).
    pub today: String,
    pub third_next_available: Vec<ServiceAvailabilityView>,
}

impl From<AccessReport> for AccessReportView {
    fn from(r: AccessReport) -> Self {
        let m = r.measures;
        Self {
            from: r.from.to_string(),
            to: r.to.to_string(),
            attended: m.attended,
            missed: m.missed,
            missed_rate: m.missed_rate,
            cancelled: m.cancelled,
            waiting_minutes_median: m.waiting_minutes_median,
            waiting_minutes_p90: m.waiting_minutes_p90,
            lead_days_median: m.lead_days_median,
            lead_days_mean: m.lead_days_mean,
            by_lead_time: m
                .by_lead_time
                .into_iter()
                .map(|b| LeadBandView { band: b.band.into(), due: b.due, missed: b.missed, missed_rate: b.missed_rate })
                .collect(),
            today: r.today.to_string(),
            third_next_available: r
                .third_next_available
                .into_iter()
                .map(|s| ServiceAvailabilityView {
                    service_id: s.service_id,
                    service: s.service,
                    third_next_available_days: s.third_next_available_days,
                })
                .collect(),
        }
    }
}

/// Access measures for appointments from `from` to `to` (local dates at the practice, inclusive; a year
/// at most): waiting time in the surgery, lead time, missed appointments (DNA) by lead time, and each
/// service's third next available appointment today. Practice managers.
#[utoipa::path(get, path = "/api/v1/reports/access", tag = "reports",
    params(
        ("from" = String, Query, description = "First date, YYYY-MM-DD"),
        ("to" = String, Query, description = "Last date, YYYY-MM-DD (inclusive)")),
    responses(
        (status = 200, body = AccessReportView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn access_report(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<AccessReportView>, ApiError> {
    let (from, to) = period(&params).map_err(|e| caller.fail(e))?;
    let r = state.app.access_report(&caller.ctx, from, to).await.map_err(|e| caller.fail(e))?;
    Ok(Json(r.into()))
}
