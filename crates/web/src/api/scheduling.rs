//! Scheduling over JSON: the booking catalogue (services, practitioners, sites) and rota set-up, free
//! slots, booking, the day list, and an appointment's life (check in, call, finish, cancel, DNA,
//! reschedule), with its history and an iCalendar copy.
//!
//! Times go out as UTC instants (`start`, `end`) plus the start in the site's local time with its offset
//! (`local_start`). A `start` sent without an offset is read as the site's local time; a time the clocks
//! skip (the spring-forward hour) is refused.

use super::ApiJson;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::errors::ApiError;
use app::AppError;
use app::scheduling::availability::{FreeSlot, SlotQuery};
use app::scheduling::booking::BookRequest;
use app::scheduling::setup::{PractitionerInput, ServiceInput, SessionInput};
use axum::Json;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::governance::Role;
use domain::scheduling::appointment::{AppointmentEvent, BookingChannel, CancelledBy, Reason};
use domain::scheduling::ics::{IcsAppointment, render_appointment};
use domain::scheduling::rota::resolve_local_start;
use domain::validation::Errors;
use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use store::Ts;
use store::organisation::SiteRow;
use store::scheduling::{AppointmentEventRow, AppointmentRow, PractitionerRow, ServiceRow, SessionRow};
use utoipa::ToSchema;
use uuid::Uuid;

/// Free slots answered when no `limit` is given, and the most one search answers.
const DEFAULT_SLOTS: usize = 50;
const MAX_SLOTS: usize = 500;

// ---------------------------------------------------------------------------------------------------
// Views

/// A service (appointment type).
#[derive(Serialize, ToSchema)]
pub struct ServiceView {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub duration_minutes: i32,
    pub buffer_minutes: i32,
    /// `face_to_face`, `home_visit`, `telephone` or `video`.
    pub mode: String,
    pub bookable_online: bool,
    pub min_notice_minutes: i32,
    pub max_days_ahead: i32,
    pub cancel_cutoff_minutes: i32,
    /// Price in pence, for private services.
    pub price_pence: Option<i64>,
    /// `nhs`, `private` or `insurer`.
    pub funding: String,
    pub preparation: String,
    pub aftercare: String,
    /// Practitioners who deliver it.
    pub practitioners: Vec<Uuid>,
    /// Reminders, in hours before the start, longest first.
    pub reminder_hours: Vec<i64>,
    pub active: bool,
}

impl ServiceView {
    fn of(s: ServiceRow, practitioners: Vec<Uuid>) -> Self {
        let reminder_hours = app::messaging::reminders::offsets(&s);
        Self {
            id: s.id,
            name: s.name,
            description: s.description,
            duration_minutes: s.duration_minutes,
            buffer_minutes: s.buffer_minutes,
            mode: s.mode,
            bookable_online: s.bookable_online,
            min_notice_minutes: s.min_notice_minutes,
            max_days_ahead: s.max_days_ahead,
            cancel_cutoff_minutes: s.cancel_cutoff_minutes,
            price_pence: s.price_pence,
            funding: s.funding,
            preparation: s.preparation,
            reminder_hours,
            aftercare: s.aftercare,
            practitioners,
            active: s.active,
        }
    }
}

/// A clinician who sees patients.
#[derive(Serialize, ToSchema)]
pub struct PractitionerView {
    pub id: Uuid,
    pub display_name: String,
    pub profession: String,
    /// BCP 47 tags of the languages they speak.
    pub languages: Vec<String>,
    pub user_id: Option<Uuid>,
    pub active: bool,
}

impl From<PractitionerRow> for PractitionerView {
    fn from(p: PractitionerRow) -> Self {
        Self {
            id: p.id,
            display_name: p.display_name,
            profession: p.profession,
            languages: list(&p.languages),
            user_id: p.user_id,
            active: p.active,
        }
    }
}

/// A building where patients are seen.
#[derive(Serialize, ToSchema)]
pub struct SiteView {
    pub id: Uuid,
    pub name: String,
    /// IANA time zone, e.g. `Europe/London`.
    pub time_zone: String,
    /// `england-and-wales`, `scotland` or `northern-ireland`.
    pub bank_holiday_division: String,
    pub address_lines: Vec<String>,
    pub town: String,
    pub postcode: String,
    pub default_language: String,
}

impl From<SiteRow> for SiteView {
    fn from(s: SiteRow) -> Self {
        Self {
            id: s.id,
            name: s.name,
            time_zone: s.time_zone,
            bank_holiday_division: s.bank_holiday_division,
            address_lines: s.address_lines.lines().map(str::to_owned).collect(),
            town: s.town,
            postcode: s.postcode,
            default_language: s.default_language,
        }
    }
}

/// A weekly rota session: local times at the site.
#[derive(Serialize, ToSchema)]
pub struct SessionView {
    pub id: Uuid,
    pub practitioner_id: Uuid,
    pub site_id: Uuid,
    pub room_id: Option<Uuid>,
    /// `monday` … `sunday`.
    pub weekday: String,
    /// Local time `HH:MM`.
    pub starts: String,
    pub ends: String,
    pub valid_from: String,
    pub valid_until: Option<String>,
    pub opens_on_bank_holidays: bool,
    pub services: Vec<Uuid>,
}

impl From<SessionRow> for SessionView {
    fn from(s: SessionRow) -> Self {
        let weekday = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
            .get((s.weekday - 1).clamp(0, 6) as usize)
            .copied()
            .unwrap_or("monday");
        Self {
            id: s.id,
            practitioner_id: s.practitioner_id,
            site_id: s.site_id,
            room_id: s.room_id,
            weekday: weekday.to_owned(),
            starts: s.starts,
            ends: s.ends,
            valid_from: s.valid_from,
            valid_until: s.valid_until,
            opens_on_bank_holidays: s.opens_on_bank_holidays,
            services: list(&s.services).iter().filter_map(|x| x.parse().ok()).collect(),
        }
    }
}

/// A time that can be booked.
#[derive(Serialize, ToSchema)]
pub struct SlotView {
    /// UTC instant (RFC 3339).
    pub start: String,
    pub end: String,
    /// The start in the site's local time with its offset, e.g. `2027-03-29T09:00:00+01:00`.
    pub local_start: String,
    pub practitioner_id: Uuid,
    pub practitioner: String,
    pub site_id: Uuid,
    pub room_id: Option<Uuid>,
}

impl From<FreeSlot> for SlotView {
    fn from(s: FreeSlot) -> Self {
        Self {
            start: s.start.to_string(),
            end: s.end.to_string(),
            local_start: s.local_start,
            practitioner_id: s.practitioner_id,
            practitioner: s.practitioner,
            site_id: s.site_id,
            room_id: s.room_id,
        }
    }
}

/// An appointment.
#[derive(Serialize, ToSchema)]
pub struct AppointmentView {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub practitioner_id: Uuid,
    pub service_id: Uuid,
    pub site_id: Uuid,
    pub room_id: Option<Uuid>,
    /// UTC instant (RFC 3339).
    pub start: String,
    pub end: String,
    /// The start in the site's local time with its offset.
    pub local_start: String,
    /// `face_to_face`, `home_visit`, `telephone` or `video`.
    pub mode: String,
    /// `pending` (held), `booked`, `arrived`, `fulfilled`, `cancelled`, `noshow` or `entered-in-error`.
    pub status: String,
    /// `desk`, `phone`, `online` or `waiting_list_offer`.
    pub channel: String,
    /// A deliberate double booking.
    pub overbooked: bool,
    pub overbook_reason: Option<String>,
    /// An interpreter is needed, in this language.
    pub interpreter_language: Option<String>,
    /// Double length for the patient's needs.
    pub longer: bool,
    /// `patient` or `practice`.
    pub cancelled_by: Option<String>,
    pub cancel_reason: Option<String>,
    pub arrived_at: Option<String>,
    pub called_at: Option<String>,
    pub finished_at: Option<String>,
    /// iCalendar SEQUENCE: bumped on every change the patient should see.
    pub sequence: i32,
    /// Send back as `version` to refuse a change if someone else changed the appointment first.
    pub version: i64,
    /// The appointment this one replaced (a reschedule).
    pub rescheduled_from: Option<Uuid>,
    /// When a hold lapses unless confirmed.
    pub hold_expires_at: Option<String>,
}

fn ts(t: Ts) -> String {
    t.0.to_string()
}

fn local(t: Timestamp, tz: &TimeZone) -> String {
    t.to_zoned(tz.clone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

impl AppointmentView {
    fn of(a: AppointmentRow, zones: &Zones) -> Self {
        Self {
            local_start: local(a.starts_at.0, &zones.of(a.site_id)),
            id: a.id,
            patient_id: a.patient_id,
            practitioner_id: a.practitioner_id,
            service_id: a.service_id,
            site_id: a.site_id,
            room_id: a.room_id,
            start: ts(a.starts_at),
            end: ts(a.ends_at),
            mode: a.mode,
            status: a.status,
            channel: a.channel,
            overbooked: a.overbooked,
            overbook_reason: a.overbook_reason,
            interpreter_language: a.interpreter_language,
            longer: a.longer,
            cancelled_by: a.cancelled_by,
            cancel_reason: a.cancel_reason,
            arrived_at: a.arrived_at.map(ts),
            called_at: a.called_at.map(ts),
            finished_at: a.finished_at.map(ts),
            sequence: a.sequence,
            version: a.version,
            rescheduled_from: a.rescheduled_from,
            hold_expires_at: a.hold_expires_at.map(ts),
        }
    }
}

/// Something that happened to an appointment.
#[derive(Serialize, ToSchema)]
pub struct AppointmentEventView {
    pub id: Uuid,
    pub at: String,
    /// Who did it (username).
    pub actor: String,
    /// e.g. `booked`, `checkin`, `callin`, `finish`, `cancel`, `rescheduled`.
    pub action: String,
    pub detail: Option<String>,
}

impl From<AppointmentEventRow> for AppointmentEventView {
    fn from(e: AppointmentEventRow) -> Self {
        Self { id: e.id, at: ts(e.at), actor: e.actor, action: e.action, detail: e.detail }
    }
}

fn list(s: &str) -> Vec<String> {
    s.split(',').map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned).collect()
}

// ---------------------------------------------------------------------------------------------------
// Sites' time zones

/// Each site's time zone; the first site's (or Europe/London) when none is named.
struct Zones {
    sites: Vec<SiteRow>,
    by_id: HashMap<Uuid, TimeZone>,
}

impl Zones {
    async fn load(state: &AppState) -> Result<Self, AppError> {
        let sites = store::organisation::sites(state.app.db()).await?;
        let by_id = sites.iter().filter_map(|s| TimeZone::get(&s.time_zone).ok().map(|tz| (s.id, tz))).collect();
        Ok(Self { sites, by_id })
    }

    fn default_zone(&self) -> TimeZone {
        self.sites
            .first()
            .and_then(|s| self.by_id.get(&s.id).cloned())
            .unwrap_or_else(|| TimeZone::get("Europe/London").unwrap_or(TimeZone::UTC))
    }

    fn of(&self, site: Uuid) -> TimeZone {
        self.by_id.get(&site).cloned().unwrap_or_else(|| self.default_zone())
    }
}

/// A `start` as sent: an instant (with an offset or `Z`) or a local wall-clock time at the site.
enum StartInput {
    Instant(Timestamp),
    Local(DateTime),
}

const START_HELP: &str = "Enter the start as a date and time, such as 2027-03-29T09:00:00+01:00 or 2027-03-29T09:00";

fn read_start(raw: &str) -> Result<StartInput, AppError> {
    let raw = raw.trim();
    if let Ok(t) = raw.parse::<Timestamp>() {
        return Ok(StartInput::Instant(t));
    }
    // A date alone is not a start time.
    if raw.len() > 10
        && let Ok(dt) = raw.parse::<DateTime>()
    {
        return Ok(StartInput::Local(dt));
    }
    Err(AppError::invalid("start", START_HELP))
}

/// The instant a `start` means for this practitioner (a local time is read at the site of their
/// session that day).
pub(super) async fn resolve_start(
    state: &AppState,
    raw: &str,
    practitioner: Option<Uuid>,
) -> Result<Timestamp, AppError> {
    match (read_start(raw)?, practitioner) {
        (StartInput::Instant(t), _) => Ok(t),
        (StartInput::Local(dt), Some(p)) => state.app.practitioner_local_start(p, dt).await,
        (StartInput::Local(dt), None) => {
            let tz = Zones::load(state).await?.default_zone();
            resolve_local_start(&tz, dt).map_err(|p| AppError::invalid("start", p.message()))
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Query parameters (read by hand so that a malformed value is a 422 naming the field)

fn only_known(params: &HashMap<String, String>, known: &[&str], errors: &mut Errors) {
    let mut unknown: Vec<&String> = params.keys().filter(|k| !known.contains(&k.as_str())).collect();
    unknown.sort();
    for k in unknown {
        errors.add(k, format!("Unknown parameter '{k}'. Use: {}", known.join(", ")));
    }
}

fn param<'a>(params: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    params.get(name).map(|s| s.trim()).filter(|s| !s.is_empty())
}

fn date_param(params: &HashMap<String, String>, name: &str, required: bool, errors: &mut Errors) -> Option<Date> {
    match param(params, name) {
        None => {
            if required {
                errors.add(name, "Enter a date such as 2027-03-29");
            }
            None
        }
        Some(v) => {
            let d = v.parse::<Date>().ok().filter(|_| v.len() == 10);
            if d.is_none() {
                errors.add(name, "Enter a real date as YYYY-MM-DD, such as 2027-03-29");
            }
            d
        }
    }
}

fn id_param(params: &HashMap<String, String>, name: &str, required: bool, errors: &mut Errors) -> Option<Uuid> {
    match param(params, name) {
        None => {
            if required {
                errors.add(name, "Enter an id");
            }
            None
        }
        Some(v) => {
            let id = v.parse::<Uuid>().ok();
            if id.is_none() {
                errors.add(name, "Enter an id such as 0193a5b2-7c1d-7e0f-8a9b-0c1d2e3f4a5b");
            }
            id
        }
    }
}

fn fail(caller: &ApiCaller) -> impl Fn(AppError) -> ApiError + '_ {
    |e| caller.fail(e)
}

fn finish(errors: Errors) -> Result<(), AppError> {
    Ok(errors.finish()?)
}

// ---------------------------------------------------------------------------------------------------
// Catalogue and set-up

/// The practice's services (appointment types).
#[utoipa::path(get, path = "/api/v1/services", tag = "scheduling",
    responses((status = 200, body = Vec<ServiceView>), (status = 403, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn list_services(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<ServiceView>>, ApiError> {
    let (services, _, _, delivered) = state.app.booking_catalogue(&caller.ctx).await.map_err(fail(&caller))?;
    let mut by: HashMap<Uuid, Vec<Uuid>> = delivered.into_iter().collect();
    Ok(Json(
        services
            .into_iter()
            .map(|s| {
                let delivered = by.remove(&s.id).unwrap_or_default();
                ServiceView::of(s, delivered)
            })
            .collect(),
    ))
}

/// Add a service (practice managers).
#[utoipa::path(post, path = "/api/v1/services", tag = "scheduling", request_body = ServiceInput,
    responses(
        (status = 201, body = ServiceView),
        (status = 403, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn create_service(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<ServiceInput>,
) -> Result<(StatusCode, Json<ServiceView>), ApiError> {
    let row = state.app.create_service(&caller.ctx, &body).await.map_err(fail(&caller))?;
    let mut practitioners = body.practitioners.clone();
    practitioners.dedup();
    Ok((StatusCode::CREATED, Json(ServiceView::of(row, practitioners))))
}

/// Change a service (practice managers): every setting and who delivers it, as when adding one.
/// Appointments already booked keep their times.
#[utoipa::path(put, path = "/api/v1/services/{id}", tag = "scheduling", params(("id" = Uuid, Path)),
    request_body = ServiceInput,
    responses(
        (status = 200, body = ServiceView),
        (status = 403, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn update_service(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<ServiceInput>,
) -> Result<Json<ServiceView>, ApiError> {
    let row = state.app.update_service(&caller.ctx, id, &body).await.map_err(fail(&caller))?;
    let mut practitioners = body.practitioners.clone();
    practitioners.sort_unstable();
    practitioners.dedup();
    Ok(Json(ServiceView::of(row, practitioners)))
}

/// The practice's practitioners.
#[utoipa::path(get, path = "/api/v1/practitioners", tag = "scheduling",
    responses((status = 200, body = Vec<PractitionerView>), (status = 403, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn list_practitioners(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<PractitionerView>>, ApiError> {
    let (_, practitioners, _, _) = state.app.booking_catalogue(&caller.ctx).await.map_err(fail(&caller))?;
    Ok(Json(practitioners.into_iter().map(Into::into).collect()))
}

/// Add a practitioner (practice managers).
#[utoipa::path(post, path = "/api/v1/practitioners", tag = "scheduling", request_body = PractitionerInput,
    responses(
        (status = 201, body = PractitionerView),
        (status = 403, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn create_practitioner(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<PractitionerInput>,
) -> Result<(StatusCode, Json<PractitionerView>), ApiError> {
    let row = state.app.create_practitioner(&caller.ctx, &body).await.map_err(fail(&caller))?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// The practice's sites.
#[utoipa::path(get, path = "/api/v1/sites", tag = "scheduling",
    responses((status = 200, body = Vec<SiteView>), (status = 403, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn list_sites(State(state): State<AppState>, caller: ApiCaller) -> Result<Json<Vec<SiteView>>, ApiError> {
    let (_, _, sites, _) = state.app.booking_catalogue(&caller.ctx).await.map_err(fail(&caller))?;
    Ok(Json(sites.into_iter().map(Into::into).collect()))
}

/// Add a weekly session to a practitioner's rota (practice managers). A session overlapping another of
/// the same practitioner's sessions is refused.
#[utoipa::path(post, path = "/api/v1/rota-sessions", tag = "scheduling", request_body = SessionInput,
    responses(
        (status = 201, body = SessionView),
        (status = 403, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn add_session(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<SessionInput>,
) -> Result<(StatusCode, Json<SessionView>), ApiError> {
    let row = state.app.add_session(&caller.ctx, &body).await.map_err(fail(&caller))?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// The last day of a weekly session.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndSessionInput {
    /// `YYYY-MM-DD`: today or later, not before the session started.
    pub valid_until: String,
}

/// End a weekly session after a day (practice managers): no slots after it. Appointments already booked
/// later stay booked.
#[utoipa::path(post, path = "/api/v1/rota-sessions/{id}/end", tag = "scheduling", params(("id" = Uuid, Path)),
    request_body = EndSessionInput,
    responses(
        (status = 200, body = SessionView),
        (status = 403, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn end_session(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<EndSessionInput>,
) -> Result<Json<SessionView>, ApiError> {
    let row = state.app.end_session(&caller.ctx, id, &body.valid_until).await.map_err(fail(&caller))?;
    Ok(Json(row.into()))
}

// ---------------------------------------------------------------------------------------------------
// Slots and booking

/// Free slots for a service, soonest first, in local dates `from`..=`to` at each site (92 days at most).
/// With `patient`, their needs are respected (a longer appointment or an interpreter doubles the length).
#[utoipa::path(get, path = "/api/v1/slots", tag = "scheduling",
    params(
        ("service" = Uuid, Query),
        ("from" = String, Query, description = "First local date, YYYY-MM-DD"),
        ("to" = String, Query, description = "Last local date, YYYY-MM-DD (inclusive)"),
        ("practitioner" = Option<Uuid>, Query),
        ("site" = Option<Uuid>, Query),
        ("patient" = Option<Uuid>, Query, description = "Whose needs to respect"),
        ("limit" = Option<usize>, Query, description = "At most this many slots (1–500, default 50)")),
    responses(
        (status = 200, body = Vec<SlotView>),
        (status = 404, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn slots(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Vec<SlotView>>, ApiError> {
    let mut e = Errors::new();
    only_known(&params, &["service", "from", "to", "practitioner", "site", "patient", "limit"], &mut e);
    let service = id_param(&params, "service", true, &mut e);
    let from = date_param(&params, "from", true, &mut e);
    let to = date_param(&params, "to", true, &mut e);
    let practitioner = id_param(&params, "practitioner", false, &mut e);
    let site = id_param(&params, "site", false, &mut e);
    let patient = id_param(&params, "patient", false, &mut e);
    let limit = match param(&params, "limit") {
        None => Some(DEFAULT_SLOTS),
        Some(v) => {
            let n = v.parse::<usize>().ok().filter(|n| (1..=MAX_SLOTS).contains(n));
            if n.is_none() {
                e.add("limit", format!("Limit must be a whole number from 1 to {MAX_SLOTS}"));
            }
            n
        }
    };
    finish(e).map_err(fail(&caller))?;
    let (Some(service), Some(from), Some(to), Some(limit)) = (service, from, to, limit) else {
        return Err(caller.fail(AppError::Internal("checked parameters missing".into())));
    };
    let q = SlotQuery { service, practitioner, site, from, to, patient, limit };
    let free = state.app.free_slots(&caller.ctx, &q).await.map_err(fail(&caller))?;
    Ok(Json(free.into_iter().map(Into::into).collect()))
}

/// A booking as asked for.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingInput {
    pub patient_id: Uuid,
    pub service_id: Uuid,
    pub practitioner_id: Uuid,
    /// RFC 3339 with an offset or `Z` (`2027-03-29T09:00:00+01:00`), or a local time at the site without
    /// one (`2027-03-29T09:00`). A local time the clocks skip is refused.
    pub start: String,
    /// A room other than the session's.
    #[serde(default)]
    pub room_id: Option<Uuid>,
    /// `desk`, `phone`, `online` or `waiting_list_offer` (default `desk`; `online` for patients).
    #[serde(default)]
    pub channel: Option<String>,
    /// Book even though the time is taken (urgent patient), with why. Clinicians and practice managers.
    #[serde(default)]
    pub overbook_reason: Option<String>,
    /// Hold the slot for a few minutes while the patient confirms, instead of booking it.
    #[serde(default)]
    pub hold: bool,
}

fn with_location(view: AppointmentView, status: StatusCode) -> Response {
    let location = format!("/api/v1/appointments/{}", view.id);
    let mut res = (status, Json(view)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// Book (or hold) an appointment. A time already taken is 409 `slot-unavailable` with the nearest free
/// `alternatives`; a start that is not one of the practitioner's slots is 422 on `start`.
#[utoipa::path(post, path = "/api/v1/appointments", tag = "scheduling", request_body = BookingInput,
    responses(
        (status = 201, body = AppointmentView, headers(("Location" = String, description = "The appointment's address"))),
        (status = 403, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn book(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<BookingInput>,
) -> Result<Response, ApiError> {
    let channel = match body.channel.as_deref() {
        Some(c) => BookingChannel::parse(c).map_err(|m| caller.fail(AppError::invalid("channel", m)))?,
        None if caller.actor.role == Role::Patient => BookingChannel::Online,
        None => BookingChannel::Desk,
    };
    let start = resolve_start(&state, &body.start, Some(body.practitioner_id)).await.map_err(fail(&caller))?;
    let req = BookRequest {
        patient_id: body.patient_id,
        service_id: body.service_id,
        practitioner_id: body.practitioner_id,
        start,
        room_id: body.room_id,
        channel,
        overbook_reason: body.overbook_reason,
        hold: body.hold,
    };
    let row = state.app.book(&caller.ctx, &req).await.map_err(fail(&caller))?;
    let zones = Zones::load(&state).await.map_err(fail(&caller))?;
    Ok(with_location(AppointmentView::of(row, &zones), StatusCode::CREATED))
}

/// The day list: appointments starting on a local day at the site (or the first site), soonest first.
#[utoipa::path(get, path = "/api/v1/appointments", tag = "scheduling",
    params(
        ("date" = String, Query, description = "Local date at the site, YYYY-MM-DD"),
        ("practitioner" = Option<Uuid>, Query),
        ("site" = Option<Uuid>, Query)),
    responses(
        (status = 200, body = Vec<AppointmentView>),
        (status = 403, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn day_list(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Vec<AppointmentView>>, ApiError> {
    let mut e = Errors::new();
    only_known(&params, &["date", "practitioner", "site"], &mut e);
    let date = date_param(&params, "date", true, &mut e);
    let practitioner = id_param(&params, "practitioner", false, &mut e);
    let site = id_param(&params, "site", false, &mut e);
    finish(e).map_err(fail(&caller))?;
    let Some(date) = date else {
        return Err(caller.fail(AppError::Internal("checked parameters missing".into())));
    };
    let zones = Zones::load(&state).await.map_err(fail(&caller))?;
    let tz = site.map(|s| zones.of(s)).unwrap_or_else(|| zones.default_zone());
    let day = |d: Date| d.to_zoned(tz.clone()).map(|z| z.timestamp());
    let bounds = date.tomorrow().ok().and_then(|next| Some((day(date).ok()?, day(next).ok()?)));
    let Some((from, to)) = bounds else {
        return Err(caller.fail(AppError::invalid("date", "Enter a date such as 2027-03-29")));
    };
    let rows =
        state.app.appointments_between(&caller.ctx, from, to, site, practitioner).await.map_err(fail(&caller))?;
    Ok(Json(rows.into_iter().map(|a| AppointmentView::of(a, &zones)).collect()))
}

/// One appointment.
#[utoipa::path(get, path = "/api/v1/appointments/{id}", tag = "scheduling", params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = AppointmentView),
        (status = 403, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn read_appointment(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
) -> Result<Json<AppointmentView>, ApiError> {
    let row = state.app.appointment(&caller.ctx, id).await.map_err(fail(&caller))?;
    let zones = Zones::load(&state).await.map_err(fail(&caller))?;
    Ok(Json(AppointmentView::of(row, &zones)))
}

/// What happened to an appointment, oldest first.
#[utoipa::path(get, path = "/api/v1/appointments/{id}/events", tag = "scheduling", params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = Vec<AppointmentEventView>),
        (status = 403, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn appointment_events(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<AppointmentEventView>>, ApiError> {
    let rows = state.app.appointment_events(&caller.ctx, id).await.map_err(fail(&caller))?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

/// The appointment as an iCalendar file: a stable UID, SEQUENCE bumped on every change, and
/// `METHOD:CANCEL` once cancelled.
#[utoipa::path(get, path = "/api/v1/appointments/{id}/ics", tag = "scheduling", params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = String, content_type = "text/calendar"),
        (status = 403, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn appointment_ics(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let a = state.app.appointment(&caller.ctx, id).await.map_err(fail(&caller))?;
    let db = state.app.db();
    let service = store::scheduling::service(db, a.service_id).await.map_err(|e| caller.fail(e.into()))?;
    let practitioner =
        store::scheduling::practitioner(db, a.practitioner_id).await.map_err(|e| caller.fail(e.into()))?;
    let zones = Zones::load(&state).await.map_err(fail(&caller))?;
    let site = zones.sites.iter().find(|s| s.id == a.site_id);
    let what = service.as_ref().map(|s| s.name.clone()).unwrap_or_else(|| "Appointment".into());
    let summary = match &practitioner {
        Some(p) => format!("{what} with {}", p.display_name),
        None => what,
    };
    let remote = domain::scheduling::appointment::Mode::parse(&a.mode).is_ok_and(|m| m.is_remote());
    let location = site.filter(|_| !remote).map(|s| {
        let mut parts = vec![s.name.clone()];
        parts.extend(s.address_lines.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned));
        parts.extend([s.town.clone(), s.postcode.clone()].into_iter().filter(|x| !x.trim().is_empty()));
        parts.join(", ")
    });
    let description = service.as_ref().map(|s| s.preparation.trim().to_owned()).filter(|p| !p.is_empty());
    let cal = IcsAppointment {
        appointment: a.id,
        sequence: a.sequence.max(0) as u32,
        stamp: a.updated_at.0,
        start: a.starts_at.0,
        end: a.ends_at.0,
        summary,
        location,
        description,
        cancelled: a.status == "cancelled",
        organizer: None,
        attendee: None,
    };
    let content_type = format!("text/calendar; charset=utf-8; method={}", domain::scheduling::ics::method(&cal));
    let mut res = render_appointment(&cal).into_response();
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        res.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    res.headers_mut()
        .insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"appointment.ics\""));
    Ok(res)
}

// ---------------------------------------------------------------------------------------------------
// The appointment's life

/// A JSON body that may be left out altogether (no body and no `Content-Type`): then the default.
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Default + Send> FromRequest<AppState> for OptionalJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let h = req.headers();
        let empty = !h.contains_key(header::CONTENT_TYPE)
            && h.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).is_none_or(|v| v.trim() == "0")
            && !h.contains_key(header::TRANSFER_ENCODING);
        if empty {
            return Ok(OptionalJson(T::default()));
        }
        ApiJson::<T>::from_request(req, state).await.map(|ApiJson(v)| OptionalJson(v))
    }
}

/// Optionally, the version last seen.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct VersionInput {
    /// The appointment's `version` as last seen: the change is refused (409) if it has changed since.
    #[serde(default)]
    pub version: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelInput {
    /// `patient` or `practice`.
    pub by: String,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub version: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonInput {
    pub reason: String,
    #[serde(default)]
    pub version: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleInput {
    /// The new start, as for booking.
    pub start: String,
    /// Another practitioner who offers the service.
    #[serde(default)]
    pub practitioner_id: Option<Uuid>,
    #[serde(default)]
    pub version: Option<i64>,
}

fn reason(raw: &str) -> Result<Reason, AppError> {
    Reason::parse(raw).map_err(|m| AppError::invalid("reason", m))
}

async fn move_on(
    state: &AppState,
    caller: &ApiCaller,
    id: Uuid,
    version: Option<i64>,
    event: AppointmentEvent,
) -> Result<Json<AppointmentView>, ApiError> {
    let row = state.app.appointment_event(&caller.ctx, id, version, event).await.map_err(fail(caller))?;
    let zones = Zones::load(state).await.map_err(fail(caller))?;
    Ok(Json(AppointmentView::of(row, &zones)))
}

/// Cancel an appointment (booked or arrived). Patients cannot cancel inside the service's cut-off.
#[utoipa::path(post, path = "/api/v1/appointments/{id}/cancel", tag = "scheduling", params(("id" = Uuid, Path)),
    request_body = CancelInput,
    responses(
        (status = 200, body = AppointmentView),
        (status = 404, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<CancelInput>,
) -> Result<Json<AppointmentView>, ApiError> {
    let mut e = Errors::new();
    let by = e.check("by", CancelledBy::parse(&body.by));
    let why = match body.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        None => None,
        Some(r) => e.check("reason", Reason::parse(r)),
    };
    finish(e).map_err(fail(&caller))?;
    let Some(by) = by else { return Err(caller.fail(AppError::invalid("by", "Say who cancelled"))) };
    move_on(&state, &caller, id, body.version, AppointmentEvent::Cancel { by, reason: why }).await
}

/// Check the patient in (they have arrived).
#[utoipa::path(post, path = "/api/v1/appointments/{id}/check-in", tag = "scheduling", params(("id" = Uuid, Path)),
    request_body(content = Option<VersionInput>, description = "Optional"),
    responses(
        (status = 200, body = AppointmentView),
        (status = 404, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn check_in(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
    OptionalJson(body): OptionalJson<VersionInput>,
) -> Result<Json<AppointmentView>, ApiError> {
    move_on(&state, &caller, id, body.version, AppointmentEvent::CheckIn).await
}

/// Confirm a held time (online booking) before the hold runs out.
#[utoipa::path(post, path = "/api/v1/appointments/{id}/confirm", tag = "scheduling", params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = AppointmentView),
        (status = 404, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn confirm(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
) -> Result<Json<AppointmentView>, ApiError> {
    let row = state.app.confirm_hold(&caller.ctx, id).await.map_err(fail(&caller))?;
    let zones = Zones::load(&state).await.map_err(fail(&caller))?;
    Ok(Json(AppointmentView::of(row, &zones)))
}

/// Call the patient in (after check-in).
#[utoipa::path(post, path = "/api/v1/appointments/{id}/call", tag = "scheduling", params(("id" = Uuid, Path)),
    request_body(content = Option<VersionInput>, description = "Optional"),
    responses(
        (status = 200, body = AppointmentView),
        (status = 404, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn call(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
    OptionalJson(body): OptionalJson<VersionInput>,
) -> Result<Json<AppointmentView>, ApiError> {
    move_on(&state, &caller, id, body.version, AppointmentEvent::CallIn).await
}

/// Finish the appointment (fulfilled).
#[utoipa::path(post, path = "/api/v1/appointments/{id}/finish", tag = "scheduling", params(("id" = Uuid, Path)),
    request_body(content = Option<VersionInput>, description = "Optional"),
    responses(
        (status = 200, body = AppointmentView),
        (status = 404, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn finish_appointment(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
    OptionalJson(body): OptionalJson<VersionInput>,
) -> Result<Json<AppointmentView>, ApiError> {
    move_on(&state, &caller, id, body.version, AppointmentEvent::Finish).await
}

/// Mark the patient as did not attend (DNA).
#[utoipa::path(post, path = "/api/v1/appointments/{id}/dna", tag = "scheduling", params(("id" = Uuid, Path)),
    request_body(content = Option<VersionInput>, description = "Optional"),
    responses(
        (status = 200, body = AppointmentView),
        (status = 404, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn dna(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
    OptionalJson(body): OptionalJson<VersionInput>,
) -> Result<Json<AppointmentView>, ApiError> {
    move_on(&state, &caller, id, body.version, AppointmentEvent::MarkDna).await
}

/// Undo a DNA (back to booked), with why.
#[utoipa::path(post, path = "/api/v1/appointments/{id}/undo-dna", tag = "scheduling", params(("id" = Uuid, Path)),
    request_body = ReasonInput,
    responses(
        (status = 200, body = AppointmentView),
        (status = 404, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn undo_dna(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<ReasonInput>,
) -> Result<Json<AppointmentView>, ApiError> {
    let reason = reason(&body.reason).map_err(fail(&caller))?;
    move_on(&state, &caller, id, body.version, AppointmentEvent::UndoDna { reason }).await
}

/// Mark the appointment as entered in error, with why.
#[utoipa::path(post, path = "/api/v1/appointments/{id}/entered-in-error", tag = "scheduling", params(("id" = Uuid, Path)),
    request_body = ReasonInput,
    responses(
        (status = 200, body = AppointmentView),
        (status = 404, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn entered_in_error(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<ReasonInput>,
) -> Result<Json<AppointmentView>, ApiError> {
    let reason = reason(&body.reason).map_err(fail(&caller))?;
    move_on(&state, &caller, id, body.version, AppointmentEvent::EnterInError { reason }).await
}

/// Move an appointment to a new time (and optionally another practitioner). The new time is secured in
/// the same transaction that releases the old; the answer is the new appointment (201, with its
/// address), and the old one is cancelled with `rescheduled_from` linking them.
#[utoipa::path(post, path = "/api/v1/appointments/{id}/reschedule", tag = "scheduling", params(("id" = Uuid, Path)),
    request_body = RescheduleInput,
    responses(
        (status = 201, body = AppointmentView, headers(("Location" = String, description = "The new appointment's address"))),
        (status = 404, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn reschedule(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<RescheduleInput>,
) -> Result<Response, ApiError> {
    // Only to know whose site a local time is read at; the use-case reads (and checks) it again.
    let practitioner = match body.practitioner_id {
        Some(p) => Some(p),
        None => store::scheduling::appointment(state.app.db(), id)
            .await
            .map_err(|e| caller.fail(e.into()))?
            .map(|a| a.practitioner_id),
    };
    let start = resolve_start(&state, &body.start, practitioner).await.map_err(fail(&caller))?;
    let row = state
        .app
        .reschedule(&caller.ctx, id, body.version, start, body.practitioner_id)
        .await
        .map_err(fail(&caller))?;
    let zones = Zones::load(&state).await.map_err(fail(&caller))?;
    Ok(with_location(AppointmentView::of(row, &zones), StatusCode::CREATED))
}

// ------------------------------------------------------------------------------------------ waiting list

/// A waiting-list entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct WaitingView {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub service_id: Uuid,
    pub priority: String,
    /// ISO weekday numbers (Monday 1); empty means any day.
    pub preferred_days: Vec<String>,
    /// Local `HH:MM-HH:MM` windows; empty means any time.
    pub preferred_times: Vec<String>,
    pub preferred_practitioner_id: Option<Uuid>,
    pub only_preferred_practitioner: bool,
    pub added_on: String,
    pub target_date: Option<String>,
    pub source: String,
    /// `waiting`, `offered`, `booked` or `removed`.
    pub status: String,
    pub appointment_id: Option<Uuid>,
}

impl From<store::scheduling::waiting::WaitingRow> for WaitingView {
    fn from(w: store::scheduling::waiting::WaitingRow) -> Self {
        let list = |s: &str| s.split(',').filter(|x| !x.is_empty()).map(str::to_owned).collect();
        WaitingView {
            id: w.id,
            patient_id: w.patient_id,
            service_id: w.service_id,
            priority: w.priority,
            preferred_days: list(&w.preferred_days),
            preferred_times: list(&w.preferred_times),
            preferred_practitioner_id: w.preferred_practitioner_id,
            only_preferred_practitioner: w.only_preferred_practitioner,
            added_on: w.added_on,
            target_date: w.target_date,
            source: w.source,
            status: w.status,
            appointment_id: w.appointment_id,
        }
    }
}

/// Add a patient to the waiting list for a service. A freed slot that suits them is offered automatically.
#[utoipa::path(post, path = "/api/v1/waiting-list", tag = "scheduling",
    request_body = app::scheduling::waiting::WaitingInput,
    responses(
        (status = 201, body = WaitingView),
        (status = 404, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn add_waiting(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<app::scheduling::waiting::WaitingInput>,
) -> Result<(StatusCode, Json<WaitingView>), ApiError> {
    let row = state.app.add_to_waiting_list(&caller.ctx, &body).await.map_err(fail(&caller))?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WaitingQuery {
    /// Only this service.
    pub service: Option<Uuid>,
}

/// The waiting list, oldest first, with each entry's status.
#[utoipa::path(get, path = "/api/v1/waiting-list", tag = "scheduling", params(WaitingQuery),
    responses((status = 200, body = Vec<WaitingView>)))]
pub async fn list_waiting(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<WaitingQuery>,
) -> Result<Json<Vec<WaitingView>>, ApiError> {
    let rows = state.app.waiting_list(&caller.ctx, q.service).await.map_err(fail(&caller))?;
    Ok(Json(rows.into_iter().map(WaitingView::from).collect()))
}

/// The token from an offer message.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferAnswerInput {
    pub token: String,
    /// `true` to take the offered time, `false` to let it go to the next patient.
    pub accept: bool,
}

/// The outcome of answering an offer.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfferAnswerView {
    /// `accepted` or `declined`.
    pub outcome: String,
    pub appointment_id: Option<Uuid>,
    /// UTC instant (RFC 3339).
    pub start: Option<String>,
}

/// Answer a waiting-list offer from the link in its message. Needs no sign-in: the token is the
/// authority, and it works once.
#[utoipa::path(post, path = "/api/v1/offers/answer", tag = "scheduling", request_body = OfferAnswerInput,
    security(()),
    responses(
        (status = 200, body = OfferAnswerView),
        (status = 404, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn answer_offer(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    ApiJson(input): ApiJson<OfferAnswerInput>,
) -> Result<Json<OfferAnswerView>, ApiError> {
    let ctx = crate::auth::anonymous_ctx(&parts);
    let op = crate::observe::OperationId(ctx.operation_id);
    let answer = state.app.answer_offer(&ctx, &input.token, input.accept).await.map_err(|e| ApiError(e, op))?;
    Ok(Json(match answer {
        app::scheduling::waiting::OfferAnswer::Accepted(a) => OfferAnswerView {
            outcome: "accepted".into(),
            appointment_id: Some(a.id),
            start: Some(a.starts_at.0.to_string()),
        },
        app::scheduling::waiting::OfferAnswer::Declined => {
            OfferAnswerView { outcome: "declined".into(), appointment_id: None, start: None }
        }
    }))
}
