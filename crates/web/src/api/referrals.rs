//! Referrals API: inbound referrals, and the warning list of referrals near or past their target date;
//! with them the waiting list's offer chains, the offers report, and rota exceptions (leave, training,
//! one-off extra sessions).

use super::ApiJson;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::errors::ApiError;
use app::AppError;
use app::scheduling::offer_chains::{OfferLine, OffersReport};
use app::scheduling::referrals::{PatientRef, ReferralInput, ReferralSummary, SlotChoice, TargetsInput};
use app::scheduling::rota_exceptions::RotaExceptionInput;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::scheduling::waiting::{ReferralTargets, TargetStatus};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use store::Ts;
use store::scheduling::ExceptionRow;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api.routes(routes!(record, list))
        .routes(routes!(warnings))
        .routes(routes!(targets, set_targets))
        .routes(routes!(read))
        .routes(routes!(book))
        .routes(routes!(close))
        .routes(routes!(offers))
        .routes(routes!(offers_report))
        .routes(routes!(add_rota_exception))
}

type Problem = crate::errors::Problem;

// ---------------------------------------------------------------------------------------------------
// Views

/// An inbound referral and what it led to.
#[derive(Serialize, ToSchema)]
pub struct ReferralView {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub source_organisation: String,
    pub referrer: String,
    /// `urgent_suspected_cancer`, `urgent` or `routine`.
    pub priority: String,
    /// `YYYY-MM-DD`.
    pub received_on: String,
    pub target_date: String,
    /// Clinical free text: shown to clinicians and practice managers only (`null` for others).
    pub reason: Option<String>,
    pub service_id: Option<Uuid>,
    /// Where it has got to: `open`, `waiting`, `offered`, `booked`, `needs_rebooking`, `seen` or `closed`.
    pub state: String,
    /// The state in words.
    pub state_label: String,
    /// Against the target date: `on_track`, `approaching` or `past`.
    pub target_status: String,
    /// Days until the target date (0 on the day; negative once past).
    pub days_to_target: i32,
    pub waiting_list_entry_id: Option<Uuid>,
    pub appointment_id: Option<Uuid>,
    /// UTC instant of the appointment, if booked.
    pub appointment_start: Option<String>,
    /// For closed referrals: `seen`, `declined`, `not_needed` or `other`.
    pub outcome: Option<String>,
    pub outcome_note: Option<String>,
    pub closed_at: Option<String>,
    pub created_at: String,
}

fn target_parts(t: TargetStatus, target: Option<Date>, today: Date) -> (String, i32) {
    let days = target.map(|d| (d - today).get_days()).unwrap_or(0);
    let status = match t {
        TargetStatus::OnTrack => "on_track",
        TargetStatus::Approaching { .. } => "approaching",
        TargetStatus::Past { .. } => "past",
    };
    (status.into(), days)
}

impl ReferralView {
    fn of(s: ReferralSummary, today: Date) -> Self {
        let (target_status, days_to_target) = target_parts(s.target, s.target_date, today);
        let r = s.row;
        Self {
            id: r.id,
            patient_id: r.patient_id,
            source_organisation: r.source_organisation,
            referrer: r.referrer,
            priority: r.priority,
            received_on: r.received_on,
            target_date: r.target_date,
            reason: s.reason_visible.then_some(r.reason),
            service_id: r.service_id,
            state: s.state.as_str().into(),
            state_label: s.state.label().into(),
            target_status,
            days_to_target,
            waiting_list_entry_id: s.waiting.as_ref().map(|w| w.id),
            appointment_id: s.appointment.as_ref().map(|a| a.id),
            appointment_start: s.appointment.as_ref().map(|a| a.starts_at.0.to_string()),
            outcome: s.closure.as_ref().and_then(|c| c.outcome.clone()),
            outcome_note: s.closure.as_ref().and_then(|c| c.outcome_note.clone()),
            closed_at: s.closure.as_ref().and_then(|c| c.closed_at).map(|t| t.0.to_string()),
            created_at: r.created_at.0.to_string(),
        }
    }
}

/// Calendar days from receipt to the target date per priority, and how early a referral counts as
/// approaching its target.
#[derive(Serialize, ToSchema)]
pub struct TargetsView {
    pub urgent_suspected_cancer_days: u16,
    pub urgent_days: u16,
    pub routine_days: u16,
    pub warn_days: u16,
}

impl From<ReferralTargets> for TargetsView {
    fn from(t: ReferralTargets) -> Self {
        Self {
            urgent_suspected_cancer_days: t.urgent_suspected_cancer_days,
            urgent_days: t.urgent_days,
            routine_days: t.routine_days,
            warn_days: t.warn_days,
        }
    }
}

/// One offer of a freed slot in its chain.
#[derive(Serialize, ToSchema)]
pub struct ChainLinkView {
    pub offer_id: Uuid,
    pub waiting_list_entry_id: Uuid,
    pub patient_id: Uuid,
    /// 1 for the first patient offered the slot, 2 for the next…
    pub chain_position: i32,
    pub offered_at: String,
    /// `open`, `accepted`, `declined`, `expired` or `withdrawn`.
    pub outcome: String,
    pub decided_at: Option<String>,
}

/// The time an offer held.
#[derive(Serialize, ToSchema)]
pub struct OfferedSlotView {
    /// The hold (a pending appointment, booked once accepted).
    pub appointment_id: Uuid,
    /// UTC instants.
    pub start: String,
    pub end: String,
    pub practitioner_id: Uuid,
    pub practitioner: Option<String>,
    pub site_id: Uuid,
    pub service_id: Uuid,
}

/// An offer made to a waiting patient, with its slot's whole chain.
#[derive(Serialize, ToSchema)]
pub struct OfferView {
    pub id: Uuid,
    pub waiting_list_entry_id: Uuid,
    pub offered_at: String,
    /// The slot is held for the patient until then.
    pub expires_at: String,
    /// `open`, `accepted`, `declined`, `expired` or `withdrawn`.
    pub outcome: String,
    pub decided_at: Option<String>,
    /// When the slot was first freed (the chain's start).
    pub slot_freed_at: String,
    pub chain_position: i32,
    pub slot: Option<OfferedSlotView>,
    /// Every offer of the same slot, in order.
    pub chain: Vec<ChainLinkView>,
}

fn ts(t: Ts) -> String {
    t.0.to_string()
}

impl From<OfferLine> for OfferView {
    fn from(l: OfferLine) -> Self {
        let o = l.offer;
        Self {
            id: o.id,
            waiting_list_entry_id: o.waiting_id,
            offered_at: ts(o.offered_at),
            expires_at: ts(o.expires_at),
            outcome: o.outcome,
            decided_at: o.decided_at.map(ts),
            slot_freed_at: ts(o.slot_freed_at),
            chain_position: o.chain_position,
            slot: l.slot.map(|a| OfferedSlotView {
                appointment_id: a.id,
                start: ts(a.starts_at),
                end: ts(a.ends_at),
                practitioner_id: a.practitioner_id,
                practitioner: l.practitioner_name.clone(),
                site_id: a.site_id,
                service_id: a.service_id,
            }),
            chain: l
                .chain
                .into_iter()
                .map(|c| ChainLinkView {
                    offer_id: c.offer.id,
                    waiting_list_entry_id: c.offer.waiting_id,
                    patient_id: c.patient_id,
                    chain_position: c.offer.chain_position,
                    offered_at: ts(c.offer.offered_at),
                    outcome: c.offer.outcome,
                    decided_at: c.offer.decided_at.map(ts),
                })
                .collect(),
        }
    }
}

/// Offers of slots freed in a period.
#[derive(Serialize, ToSchema)]
pub struct OffersReportView {
    pub from: String,
    pub to: String,
    /// Freed slots offered to the waiting list.
    pub slots_offered: usize,
    /// Offers made (a declined or expired offer is made again to the next patient).
    pub offers_made: usize,
    pub accepted: usize,
    pub declined: usize,
    pub expired: usize,
    pub withdrawn: usize,
    /// Offers still waiting for an answer.
    pub open: usize,
    /// Slots taken by a waiting patient.
    pub slots_filled: usize,
    /// Slots filled ÷ slots offered (0–1); `null` when none were offered.
    pub fill_rate: Option<f64>,
    /// Minutes from the slot being freed to an offer of it being accepted.
    pub median_minutes_to_fill: Option<f64>,
    pub mean_minutes_to_fill: Option<f64>,
}

impl From<OffersReport> for OffersReportView {
    fn from(r: OffersReport) -> Self {
        Self {
            from: r.from.to_string(),
            to: r.to.to_string(),
            slots_offered: r.slots_offered,
            offers_made: r.offers_made,
            accepted: r.accepted,
            declined: r.declined,
            expired: r.expired,
            withdrawn: r.withdrawn,
            open: r.open,
            slots_filled: r.slots_filled,
            fill_rate: r.fill_rate,
            median_minutes_to_fill: r.median_minutes_to_fill,
            mean_minutes_to_fill: r.mean_minutes_to_fill,
        }
    }
}

/// An exception to a practitioner's weekly rota.
#[derive(Serialize, ToSchema)]
pub struct RotaExceptionView {
    pub id: Uuid,
    pub practitioner_id: Uuid,
    /// `leave`, `training`, `sickness`, `other` or `extra`.
    pub kind: String,
    pub date_from: String,
    pub date_until: String,
    /// Local times `HH:MM` (part of a day away, or the extra session); `null` for whole days.
    pub starts: Option<String>,
    pub ends: Option<String>,
    pub site_id: Option<Uuid>,
    pub room_id: Option<Uuid>,
    pub services: Vec<Uuid>,
}

impl From<ExceptionRow> for RotaExceptionView {
    fn from(x: ExceptionRow) -> Self {
        Self {
            id: x.id,
            practitioner_id: x.practitioner_id,
            kind: if x.kind == "extra" { "extra".into() } else { x.reason.unwrap_or_else(|| "other".into()) },
            date_from: x.date_from,
            date_until: x.date_until,
            starts: x.starts,
            ends: x.ends,
            site_id: x.site_id,
            room_id: x.room_id,
            services: x.services.split(',').filter_map(|s| s.trim().parse().ok()).collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Inputs

/// A time to book: RFC 3339 with an offset or `Z`, or a local time at the practitioner's site without one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralBookingInput {
    pub practitioner_id: Uuid,
    /// `2027-03-29T09:00:00+01:00`, or `2027-03-29T09:00` (local).
    pub start: String,
}

/// An inbound referral as received.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralCreateInput {
    pub patient_id: Uuid,
    /// Where it came from, e.g. "Bristol Royal Infirmary, Emergency Department".
    pub source_organisation: String,
    /// Who made it.
    pub referrer: String,
    /// `urgent_suspected_cancer`, `urgent` or `routine`.
    pub priority: String,
    /// The date it arrived, `YYYY-MM-DD` (today or earlier).
    pub received_on: String,
    pub reason: String,
    /// The service the patient is to be seen in.
    pub service_id: Uuid,
    /// Book this time now instead of adding the patient to the waiting list.
    #[serde(default)]
    pub appointment: Option<ReferralBookingInput>,
}

/// How a referral ended.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralCloseInput {
    /// `seen`, `declined` (the patient declined), `not_needed` or `other` (say why in `note`).
    pub outcome: String,
    #[serde(default)]
    pub note: Option<String>,
}

// ---------------------------------------------------------------------------------------------------
// Helpers

fn fail(caller: &ApiCaller) -> impl Fn(AppError) -> ApiError + '_ {
    |e| caller.fail(e)
}

/// The instant a `start` means for this practitioner: as given with an offset, or a local time read at
/// their site.
fn with_location(body: impl Serialize, location: String) -> Response {
    let mut res = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

fn today() -> Date {
    app::patients::today()
}

// ---------------------------------------------------------------------------------------------------
// Referrals

/// Record an inbound referral. The patient goes on the waiting list for the service (source
/// `referral`, the referral's priority and target date), or with `appointment` is booked at once (a time
/// already taken is 409 `slot-unavailable` and nothing is recorded). The target date comes from the
/// organisation's referral targets (urgent suspected cancer: 14 days by default).
#[utoipa::path(post, path = "/api/v1/referrals", tag = "referrals", request_body = ReferralCreateInput,
    responses(
        (status = 201, body = ReferralView, headers(("Location" = String, description = "The referral's address"))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn record(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<ReferralCreateInput>,
) -> Result<Response, ApiError> {
    let appointment = match &body.appointment {
        Some(a) => Some(SlotChoice {
            practitioner_id: a.practitioner_id,
            start: super::scheduling::resolve_start(&state, &a.start, Some(a.practitioner_id)).await.map_err(|e| {
                match e {
                    AppError::Invalid(mut inv) => {
                        for f in &mut inv.0 {
                            f.field = format!("appointment.{}", f.field);
                        }
                        caller.fail(AppError::Invalid(inv))
                    }
                    e => caller.fail(e),
                }
            })?,
        }),
        None => None,
    };
    let input = ReferralInput {
        patient: PatientRef::Id(body.patient_id),
        source_organisation: body.source_organisation,
        referrer: body.referrer,
        priority: body.priority,
        received_on: body.received_on,
        reason: body.reason,
        service_id: Some(body.service_id),
        appointment,
    };
    let made = state.app.record_referral(&caller.ctx, &input).await.map_err(fail(&caller))?;
    let summary = state.app.referral(&caller.ctx, made.referral.id).await.map_err(fail(&caller))?;
    let id = summary.row.id;
    Ok(with_location(ReferralView::of(summary, today()), format!("/api/v1/referrals/{id}")))
}

/// Every referral, soonest target first, with where each has got to.
#[utoipa::path(get, path = "/api/v1/referrals", tag = "referrals",
    responses(
        (status = 200, body = Vec<ReferralView>),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn list(State(state): State<AppState>, caller: ApiCaller) -> Result<Json<Vec<ReferralView>>, ApiError> {
    let o = state.app.referrals_overview(&caller.ctx).await.map_err(fail(&caller))?;
    Ok(Json(o.all.into_iter().map(|s| ReferralView::of(s, o.today)).collect()))
}

/// The warning list: referrals not yet booked or seen whose target date is within the warning period
/// (3 days by default) or past, most overdue first.
#[utoipa::path(get, path = "/api/v1/referrals/warnings", tag = "referrals",
    responses(
        (status = 200, body = Vec<ReferralView>),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn warnings(State(state): State<AppState>, caller: ApiCaller) -> Result<Json<Vec<ReferralView>>, ApiError> {
    let o = state.app.referrals_overview(&caller.ctx).await.map_err(fail(&caller))?;
    Ok(Json(o.warnings.into_iter().map(|s| ReferralView::of(s, o.today)).collect()))
}

/// The organisation's referral targets (the defaults until changed).
#[utoipa::path(get, path = "/api/v1/referrals/targets", tag = "referrals",
    responses(
        (status = 200, body = TargetsView),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn targets(State(state): State<AppState>, caller: ApiCaller) -> Result<Json<TargetsView>, ApiError> {
    let t = state.app.referral_targets(&caller.ctx).await.map_err(fail(&caller))?;
    Ok(Json(t.into()))
}

/// Change the organisation's referral targets (practice managers). Applies to referrals recorded
/// from now on; the warning period applies at once.
#[utoipa::path(put, path = "/api/v1/referrals/targets", tag = "referrals", request_body = TargetsInput,
    responses(
        (status = 200, body = TargetsView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn set_targets(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<TargetsInput>,
) -> Result<Json<TargetsView>, ApiError> {
    let t = state.app.set_referral_targets(&caller.ctx, &body).await.map_err(fail(&caller))?;
    Ok(Json(t.into()))
}

/// One referral.
#[utoipa::path(get, path = "/api/v1/referrals/{id}", tag = "referrals", params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = ReferralView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn read(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
) -> Result<Json<ReferralView>, ApiError> {
    let s = state.app.referral(&caller.ctx, id).await.map_err(fail(&caller))?;
    Ok(Json(ReferralView::of(s, today())))
}

/// Book an appointment for a referral not yet booked (or whose appointment was cancelled or missed).
/// Its waiting-list entry is marked booked. A time already taken is 409 `slot-unavailable`.
#[utoipa::path(post, path = "/api/v1/referrals/{id}/book", tag = "referrals", params(("id" = Uuid, Path)),
    request_body = ReferralBookingInput,
    responses(
        (status = 200, body = ReferralView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn book(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<ReferralBookingInput>,
) -> Result<Json<ReferralView>, ApiError> {
    let start = super::scheduling::resolve_start(&state, &body.start, Some(body.practitioner_id))
        .await
        .map_err(fail(&caller))?;
    let slot = SlotChoice { practitioner_id: body.practitioner_id, start };
    let s = state.app.book_referral(&caller.ctx, id, slot).await.map_err(fail(&caller))?;
    Ok(Json(ReferralView::of(s, today())))
}

/// Mark a referral seen, or close it for another reason. Its waiting-list entry leaves the list.
#[utoipa::path(post, path = "/api/v1/referrals/{id}/close", tag = "referrals", params(("id" = Uuid, Path)),
    request_body = ReferralCloseInput,
    responses(
        (status = 200, body = ReferralView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn close(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<ReferralCloseInput>,
) -> Result<Json<ReferralView>, ApiError> {
    let s =
        state.app.close_referral(&caller.ctx, id, &body.outcome, body.note.as_deref()).await.map_err(fail(&caller))?;
    Ok(Json(ReferralView::of(s, today())))
}

// ---------------------------------------------------------------------------------------------------
// Offer chains and the offers report

/// The offers made to one waiting-list entry, oldest first: which slot, when, held until when, and the
/// answer; each with its slot's whole chain (everyone offered that slot, in turn).
#[utoipa::path(get, path = "/api/v1/waiting-list/{id}/offers", tag = "scheduling", params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = Vec<OfferView>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn offers(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<OfferView>>, ApiError> {
    let (_, lines) = state.app.offer_chain(&caller.ctx, id).await.map_err(fail(&caller))?;
    Ok(Json(lines.into_iter().map(Into::into).collect()))
}

/// Waiting-list offers of slots freed from `from` to `to` (local dates at the practice, inclusive; a
/// year at most): slots offered, offers accepted, declined and expired, the fill rate, and the median
/// and mean time from a slot being freed to an offer of it being accepted.
#[utoipa::path(get, path = "/api/v1/reports/offers", tag = "reports",
    params(
        ("from" = String, Query, description = "First date, YYYY-MM-DD"),
        ("to" = String, Query, description = "Last date, YYYY-MM-DD (inclusive)")),
    responses(
        (status = 200, body = OffersReportView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn offers_report(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<OffersReportView>, ApiError> {
    let (from, to) = super::reports::period(&params).map_err(|e| caller.fail(e))?;
    let r = state.app.offers_report(&caller.ctx, from, to).await.map_err(fail(&caller))?;
    Ok(Json(r.into()))
}

// ---------------------------------------------------------------------------------------------------
// Rota exceptions

/// Add an exception to a practitioner's rota (practice managers): leave, training, sickness or other
/// time away (whole days, or `starts`–`ends` of each day), or a one-off `extra` session. An extra session
/// that overlaps another session of the same practitioner is refused (422).
#[utoipa::path(post, path = "/api/v1/practitioners/{id}/rota-exceptions", tag = "scheduling",
    params(("id" = Uuid, Path)), request_body = RotaExceptionInput,
    responses(
        (status = 201, body = RotaExceptionView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn add_rota_exception(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<RotaExceptionInput>,
) -> Result<(StatusCode, Json<RotaExceptionView>), ApiError> {
    let row = state.app.add_rota_exception(&caller.ctx, id, &body).await.map_err(fail(&caller))?;
    Ok((StatusCode::CREATED, Json(row.into())))
}
