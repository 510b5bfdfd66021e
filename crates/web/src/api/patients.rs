//! The patient registry over JSON: register, search, read, change.

use super::ApiJson;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::errors::ApiError;
use app::AppError;
use app::patients::PatientRecord;
use app::patients::parts::{Alerts, ContactPreferenceInput, RelatedPersonInput};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::governance::Purpose;
use domain::patients::NhsNumber;
use domain::patients::record::PatientInput;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct PhoneView {
    /// E.164.
    pub number: String,
    /// As written in the UK.
    pub display: String,
    /// mobile, landline or unknown.
    pub kind: String,
}

#[derive(Serialize, ToSchema)]
pub struct AddressView {
    pub lines: Vec<String>,
    pub town: Option<String>,
    pub postcode: Option<String>,
    pub country: String,
}

/// A patient's record.
#[derive(Serialize, ToSchema)]
pub struct PatientView {
    pub id: Uuid,
    /// Shown 3 3 4.
    pub nhs_number: Option<String>,
    pub nhs_number_status: Option<String>,
    pub local_number: Option<String>,
    pub title: Option<String>,
    pub given_names: String,
    pub family_name: String,
    pub preferred_name: Option<String>,
    pub pronouns: Option<String>,
    pub date_of_birth: String,
    pub age: i16,
    pub gender: String,
    pub date_of_death: Option<String>,
    pub registration_status: String,
    pub deregistered_on: Option<String>,
    pub deregistered_reason: Option<String>,
    pub address: AddressView,
    pub phones: Vec<PhoneView>,
    pub email: Option<String>,
    pub preferred_language: String,
    pub interpreter_language: Option<String>,
    pub contact_times: Option<String>,
    /// Send as `If-Match` when changing the record.
    pub version: i64,
    /// The id asked for, when it was merged into this record.
    pub merged_id: Option<Uuid>,
    /// Opened outside a care relationship with a recorded reason.
    pub break_glass: bool,
    /// Accessible Information Standard communication needs.
    pub communication_needs: Vec<NeedView>,
    pub related_people: Vec<RelatedPersonView>,
    /// `none`, `restricted` (the caller may not read them) or `visible` (then listed in `alerts`).
    pub restricted_alerts: String,
    pub alerts: Vec<AlertView>,
    /// Channel consent in the patient's order of preference.
    pub contact_preferences: Vec<ContactPreferenceView>,
    /// Other systems' identifiers for the patient.
    pub identifiers: Vec<IdentifierView>,
    pub notes_of_disagreement: Vec<DisagreementView>,
}

#[derive(Serialize, ToSchema)]
pub struct ContactPreferenceView {
    pub channel: String,
    pub opted_in: bool,
    pub rank: i32,
    pub source: String,
    pub changed_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct IdentifierView {
    pub system: String,
    pub value: String,
}

#[derive(Serialize, ToSchema)]
pub struct DisagreementView {
    pub field: String,
    pub note: String,
    pub recorded_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct NeedView {
    pub id: Uuid,
    /// SNOMED CT code (UK edition), or a local code where none is confirmed.
    pub code: String,
    pub system: String,
    pub label: String,
    /// contact_method, information_format, communication_professional, communication_support or longer_appointment.
    pub category: String,
    pub detail: Option<String>,
    pub recorded_at: String,
    pub reviewed_on: Option<String>,
}

impl NeedView {
    fn of(n: &store::patients::NeedRow) -> Self {
        NeedView {
            id: n.id,
            code: n.code.clone(),
            system: if n.code.chars().all(|c| c.is_ascii_digit()) {
                domain::patients::ais::SNOMED.into()
            } else {
                "https://carefront.example/local-codes".into()
            },
            label: domain::patients::ais::need(&n.code).map(|k| k.label.to_owned()).unwrap_or_else(|_| n.code.clone()),
            category: n.category.clone(),
            detail: n.detail.clone(),
            recorded_at: n.recorded_at.0.to_string(),
            reviewed_on: n.reviewed_on.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RelatedPersonView {
    pub id: Uuid,
    pub name: String,
    pub relationship: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub may_book: bool,
    pub may_receive_messages: bool,
    pub consent_source: Option<String>,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AlertView {
    pub id: Uuid,
    pub kind: String,
    pub text: String,
    pub created_at: String,
}

impl From<PatientRecord> for PatientView {
    fn from(r: PatientRecord) -> Self {
        let communication_needs = r.needs.iter().map(NeedView::of).collect();
        let related_people = r
            .related_people
            .iter()
            .map(|x| RelatedPersonView {
                id: x.id,
                name: x.name.clone(),
                relationship: x.relationship.clone(),
                phone: x.phone.clone(),
                email: x.email.clone(),
                may_book: x.may_book,
                may_receive_messages: x.may_receive_messages,
                consent_source: x.consent_source.clone(),
                valid_from: x.valid_from.clone(),
                valid_to: x.valid_to.clone(),
            })
            .collect();
        let (restricted_alerts, alerts) = match &r.alerts {
            Alerts::None => ("none", Vec::new()),
            Alerts::Restricted => ("restricted", Vec::new()),
            Alerts::Visible(a) => (
                "visible",
                a.iter()
                    .map(|x| AlertView {
                        id: x.id,
                        kind: x.kind.clone(),
                        text: x.text.clone(),
                        created_at: x.created_at.0.to_string(),
                    })
                    .collect(),
            ),
        };
        let contact_preferences = r
            .contact_preferences
            .iter()
            .map(|c| ContactPreferenceView {
                channel: c.channel.clone(),
                opted_in: c.opted_in,
                rank: c.rank,
                source: c.source.clone(),
                changed_at: c.changed_at.0.to_string(),
            })
            .collect();
        let identifiers =
            r.identifiers.iter().map(|i| IdentifierView { system: i.system.clone(), value: i.value.clone() }).collect();
        let notes_of_disagreement = r
            .disagreements
            .iter()
            .map(|d| DisagreementView {
                field: d.field.clone(),
                note: d.note.clone(),
                recorded_at: d.recorded_at.0.to_string(),
            })
            .collect();
        let p = r.row;
        let age =
            app::patients::age_span(&p).map(|(born, until)| domain::patients::dates::age_on(born, until)).unwrap_or(0);
        Self {
            id: p.id,
            nhs_number: p
                .nhs_number
                .as_deref()
                .map(|n| NhsNumber::parse(n).map(|n| n.to_string()).unwrap_or_else(|_| n.to_owned())),
            nhs_number_status: p.nhs_number_status,
            local_number: p.local_number,
            title: p.title,
            given_names: p.given_names,
            family_name: p.family_name,
            preferred_name: p.preferred_name,
            pronouns: p.pronouns,
            date_of_birth: p.date_of_birth,
            age,
            gender: p.gender,
            date_of_death: p.date_of_death,
            registration_status: p.registration_status,
            deregistered_on: p.deregistered_on,
            deregistered_reason: p.deregistered_reason,
            address: AddressView {
                lines: p.address_lines.lines().map(str::to_owned).collect(),
                town: p.town,
                postcode: p.postcode.or(p.postcode_abroad),
                country: p.country,
            },
            phones: r
                .phones
                .into_iter()
                .map(|ph| PhoneView {
                    display: domain::patients::PhoneNumber::parse(&ph.e164)
                        .map(|n| n.to_string())
                        .unwrap_or_else(|_| ph.e164.clone()),
                    number: ph.e164,
                    kind: ph.kind,
                })
                .collect(),
            email: p.email,
            preferred_language: p.preferred_language,
            interpreter_language: p.interpreter_language,
            contact_times: p.contact_times,
            version: p.version,
            merged_id: r.resolved_from,
            break_glass: r.break_glass,
            communication_needs,
            related_people,
            restricted_alerts: restricted_alerts.to_owned(),
            alerts,
            contact_preferences,
            identifiers,
            notes_of_disagreement,
        }
    }
}

/// One search result: enough to tell people apart.
#[derive(Serialize, ToSchema)]
pub struct PatientSummary {
    pub id: Uuid,
    pub name: String,
    pub preferred_name: Option<String>,
    pub date_of_birth: String,
    pub nhs_number: Option<String>,
    pub postcode: Option<String>,
    pub registration_status: String,
}

#[derive(Serialize, ToSchema)]
pub struct SearchPage {
    /// How the query was read: nhs_number, date_of_birth, date_of_birth_and_name, phone, postcode, email or name.
    pub understood_as: String,
    pub total: usize,
    pub page: usize,
    pub page_size: usize,
    /// More records matched than were considered: add to the search.
    pub truncated: bool,
    pub results: Vec<PatientSummary>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct SearchQuery {
    /// Name, NHS number, date of birth, phone, postcode or email.
    q: String,
    /// Page number from 1.
    page: Option<usize>,
    /// Why you are searching: direct_care, administration, complaint_handling or audit (default by role).
    purpose: Option<String>,
}

fn purpose_param(params: &HashMap<String, String>) -> Result<Option<Purpose>, AppError> {
    match params.get("purpose").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(p) => Purpose::parse(p).map(Some).ok_or_else(|| {
            AppError::invalid(
                "purpose",
                "Purpose must be direct_care, administration, complaint_handling, audit or patient_request",
            )
        }),
    }
}

fn only_known(params: &HashMap<String, String>, known: &[&str]) -> Result<(), AppError> {
    let mut errors = domain::validation::Errors::new();
    for k in params.keys().filter(|k| !known.contains(&k.as_str())) {
        errors.add(k, format!("Unknown parameter '{k}'. Use: {}", known.join(", ")));
    }
    Ok(errors.finish()?)
}

fn with_etag(view: PatientView, status: StatusCode) -> Response {
    let etag = format!("\"{}\"", view.version);
    let mut res = (status, Json(view)).into_response();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res
}

/// Register a patient. A possible duplicate is 409 `possible-duplicate` naming the records; resend with
/// `?confirm_possible_duplicate=true` once checked. The same NHS or local number is 409 and cannot be
/// confirmed.
#[utoipa::path(post, path = "/api/v1/patients", tag = "patients", request_body = PatientInput,
    params(("confirm_possible_duplicate" = Option<bool>, Query, description = "Register even though similar records exist")),
    responses(
        (status = 201, body = PatientView),
        (status = 409, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn register(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(params): Query<HashMap<String, String>>,
    ApiJson(input): ApiJson<PatientInput>,
) -> Result<Response, ApiError> {
    only_known(&params, &["confirm_possible_duplicate"]).map_err(|e| caller.fail(e))?;
    let confirm = match params.get("confirm_possible_duplicate").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(caller.fail(AppError::invalid("confirm_possible_duplicate", "Use true or false"))),
    };
    let registered = state.app.register_patient(&caller.ctx, &input, confirm).await.map_err(|e| caller.fail(e))?;
    let record = state.app.view_patient(&caller.ctx, registered.id, None, None).await.map_err(|e| caller.fail(e))?;
    let mut res = with_etag(record.into(), StatusCode::CREATED);
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/patients/{}", registered.id)) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// Search for patients.
#[utoipa::path(get, path = "/api/v1/patients", tag = "patients", params(SearchQuery),
    responses((status = 200, body = SearchPage), (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn search(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<SearchPage>, ApiError> {
    only_known(&params, &["q", "page", "purpose"]).map_err(|e| caller.fail(e))?;
    let purpose = purpose_param(&params).map_err(|e| caller.fail(e))?;
    let page = match params.get("page") {
        None => 1,
        Some(p) => p
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=10_000).contains(n))
            .ok_or_else(|| caller.fail(AppError::invalid("page", "Page must be a whole number from 1")))?,
    };
    let q = params.get("q").cloned().unwrap_or_default();
    let r = state.app.search_patients(&caller.ctx, &q, purpose, page).await.map_err(|e| caller.fail(e))?;
    Ok(Json(SearchPage {
        understood_as: r.kind.as_str().to_owned(),
        total: r.total,
        page: r.page,
        page_size: app::patients::search::PAGE_SIZE,
        truncated: r.truncated,
        results: r
            .patients
            .into_iter()
            .map(|p| PatientSummary {
                id: p.id,
                name: format!("{} {}", p.given_names, p.family_name),
                preferred_name: p.preferred_name,
                date_of_birth: p.date_of_birth,
                nhs_number: p.nhs_number.as_deref().and_then(|n| NhsNumber::parse(n).ok()).map(|n| n.to_string()),
                postcode: p.postcode,
                registration_status: p.registration_status,
            })
            .collect(),
    }))
}

/// Read a patient's record. A merged id answers with the surviving record. Clinicians outside the
/// care relationship send their reason in `X-Break-Glass-Reason`.
#[utoipa::path(get, path = "/api/v1/patients/{id}", tag = "patients",
    params(("id" = Uuid, Path), ("purpose" = Option<String>, Query, description = "Why you are looking (default by role)")),
    responses(
        (status = 200, body = PatientView),
        (status = 403, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn read(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    only_known(&params, &["purpose"]).map_err(|e| caller.fail(e))?;
    let purpose = purpose_param(&params).map_err(|e| caller.fail(e))?;
    let reason = headers.get("x-break-glass-reason").and_then(|v| v.to_str().ok());
    let record = state.app.view_patient(&caller.ctx, id, purpose, reason).await.map_err(|e| caller.fail(e))?;
    Ok(with_etag(record.into(), StatusCode::OK))
}

/// Change some of a record's details (JSON merge patch: send only the fields to change; `null` clears
/// one). Send the version you saw as `If-Match` to refuse the change if someone else changed the record
/// first; give the reason in `X-Change-Reason`.
#[utoipa::path(patch, path = "/api/v1/patients/{id}", tag = "patients", params(("id" = Uuid, Path)),
    request_body(content = Object, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, body = PatientView),
        (status = 409, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn change(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    ApiJson(patch): ApiJson<serde_json::Value>,
) -> Result<Response, ApiError> {
    let if_version = match headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok()) {
        None => None,
        Some(v) => Some(v.trim().trim_matches('"').parse::<i64>().map_err(|_| {
            caller.fail(AppError::invalid("If-Match", "If-Match must be the record's version, as in its ETag"))
        })?),
    };
    let reason = headers.get("x-change-reason").and_then(|v| v.to_str().ok());
    let record =
        state.app.patch_patient(&caller.ctx, id, &patch, if_version, reason).await.map_err(|e| caller.fail(e))?;
    Ok(with_etag(record.into(), StatusCode::OK))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedInput {
    /// A code from the Accessible Information Standard list (SNOMED CT).
    pub code: String,
    #[serde(default)]
    pub detail: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: Uuid,
}

/// Record a communication need.
#[utoipa::path(post, path = "/api/v1/patients/{id}/needs", tag = "patients", params(("id" = Uuid, Path)), request_body = NeedInput,
    responses((status = 201, body = Created), (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn add_need(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<NeedInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let need =
        state.app.add_need(&caller.ctx, id, &body.code, body.detail.as_deref()).await.map_err(|e| caller.fail(e))?;
    Ok((StatusCode::CREATED, Json(Created { id: need })))
}

/// Remove a communication need that no longer applies (kept in the history).
#[utoipa::path(delete, path = "/api/v1/patients/{id}/needs/{need_id}", tag = "patients", params(("id" = Uuid, Path), ("need_id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn remove_need(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((id, need_id)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    state.app.remove_need(&caller.ctx, id, need_id).await.map_err(|e| caller.fail(e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mark a communication need as reviewed today (who reviewed it is kept in the record's history). An
/// unknown or removed need, or another patient's, is 404 and nothing changes.
#[utoipa::path(post, path = "/api/v1/patients/{id}/needs/{need_id}/review", tag = "patients", params(("id" = Uuid, Path), ("need_id" = Uuid, Path)),
    responses(
        (status = 200, body = NeedView),
        (status = 403, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn review_need(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((id, need_id)): Path<(Uuid, Uuid)>,
) -> Result<Json<NeedView>, ApiError> {
    let need = state.app.review_need(&caller.ctx, id, need_id).await.map_err(|e| caller.fail(e))?;
    Ok(Json(NeedView::of(&need)))
}

/// Add a carer, next of kin, parent, guardian or proxy. Rights to act for the patient need
/// `consent_source`.
#[utoipa::path(post, path = "/api/v1/patients/{id}/related-people", tag = "patients", params(("id" = Uuid, Path)), request_body = RelatedPersonInput,
    responses((status = 201, body = Created), (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn add_related_person(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<RelatedPersonInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let person = state.app.add_related_person(&caller.ctx, id, &body).await.map_err(|e| caller.fail(e))?;
    Ok((StatusCode::CREATED, Json(Created { id: person })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertInput {
    /// safeguarding or other.
    pub kind: String,
    pub text: String,
}

/// Add a restricted alert (clinicians and practice managers).
#[utoipa::path(post, path = "/api/v1/patients/{id}/alerts", tag = "patients", params(("id" = Uuid, Path)), request_body = AlertInput,
    responses((status = 201, body = Created), (status = 403, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn add_alert(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<AlertInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let alert = state.app.add_alert(&caller.ctx, id, &body.kind, &body.text).await.map_err(|e| caller.fail(e))?;
    Ok((StatusCode::CREATED, Json(Created { id: alert })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The duplicate record to merge into this one. Its id keeps working and resolves to this record.
    pub merge_from: Uuid,
    /// Fields to take from the merged record instead of this one: nhs_number, local_number, name,
    /// preferred_name, date_of_birth, gender, address, phones, email, preferred_language,
    /// interpreter_language, registration_status.
    #[serde(default)]
    pub take_from_merged: Vec<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// Merge a duplicate record into this one (practice managers).
#[utoipa::path(post, path = "/api/v1/patients/{id}/merge", tag = "patients", params(("id" = Uuid, Path)), request_body = MergeRequest,
    responses(
        (status = 200, body = PatientView),
        (status = 403, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn merge(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<MergeRequest>,
) -> Result<Response, ApiError> {
    let record = state
        .app
        .merge_patients(&caller.ctx, id, body.merge_from, &body.take_from_merged, body.reason.as_deref())
        .await
        .map_err(|e| caller.fail(e))?;
    Ok(with_etag(record.into(), StatusCode::OK))
}

/// Set the patient's channel choices, in order of preference (replaces the previous list).
#[utoipa::path(put, path = "/api/v1/patients/{id}/contact-preferences", tag = "patients", params(("id" = Uuid, Path)),
    request_body = Vec<ContactPreferenceInput>,
    responses((status = 204), (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn set_contact_preferences(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<Vec<ContactPreferenceInput>>,
) -> Result<StatusCode, ApiError> {
    state.app.set_contact_preferences(&caller.ctx, id, &body).await.map_err(|e| caller.fail(e))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentifierInput {
    /// A URI naming the issuing system.
    pub system: String,
    pub value: String,
}

/// Add another system's identifier for the patient.
#[utoipa::path(post, path = "/api/v1/patients/{id}/identifiers", tag = "patients", params(("id" = Uuid, Path)), request_body = IdentifierInput,
    responses((status = 201, body = Created), (status = 409, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn add_identifier(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<IdentifierInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let created =
        state.app.add_identifier(&caller.ctx, id, &body.system, &body.value).await.map_err(|e| caller.fail(e))?;
    Ok((StatusCode::CREATED, Json(Created { id: created })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisagreementInput {
    /// The field the patient disagrees with (e.g. date_of_birth, address, other).
    pub field: String,
    pub note: String,
}

/// Attach the patient's note of disagreement to a recorded value. The value itself is not changed.
#[utoipa::path(post, path = "/api/v1/patients/{id}/disagreements", tag = "patients", params(("id" = Uuid, Path)), request_body = DisagreementInput,
    responses((status = 201, body = Created), (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn add_disagreement(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<DisagreementInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let created =
        state.app.add_disagreement(&caller.ctx, id, &body.field, &body.note).await.map_err(|e| caller.fail(e))?;
    Ok((StatusCode::CREATED, Json(Created { id: created })))
}
