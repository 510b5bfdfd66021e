//! Staff pages for a record's other identifiers (other systems' numbers for the patient) and the
//! patient's notes of disagreement (the rectification rule: the recorded value stays, the patient's view
//! is kept beside it). Each page opens the record as the summary does (audited) and each change goes
//! through the same use-case as the API.

use super::{Banner, field_label, london_date, open_record};
use crate::AppState;
use crate::auth::{CsrfForm, Staff};
use crate::errors::{PageError, see_other};
use crate::pages::{Shell, render, set_flash, take_flash};
use app::AppError;
use app::patients::parts::DISAGREEABLE_FIELDS;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::FieldError;
use domain::governance::Action;
use domain::governance::policy::role_may;
use serde::Deserialize;
use uuid::Uuid;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct IdentifierForm {
    system: String,
    value: String,
}

#[derive(Template)]
#[template(path = "staff/patients/identifiers.html")]
struct IdentifiersPage {
    shell: Shell,
    csrf: String,
    banner: Banner,
    id: Uuid,
    flash: Option<String>,
    can_edit: bool,
    /// (system, value)
    identifiers: Vec<(String, String)>,
    form: IdentifierForm,
}

async fn identifiers_page(
    state: &AppState,
    staff: &Staff,
    id: Uuid,
    form: IdentifierForm,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    match open_record(state, staff, id).await {
        Ok(r) => {
            let flash = take_flash(staff).await;
            render(
                &IdentifiersPage {
                    shell: Shell::staff("Other identifiers", staff).with_errors(errors),
                    csrf: staff.csrf.clone(),
                    banner: Banner::of(&r),
                    id: r.row.id,
                    flash,
                    can_edit: role_may(staff.actor.role, Action::EditPatient),
                    identifiers: r.identifiers.iter().map(|i| (i.system.clone(), i.value.clone())).collect(),
                    form,
                },
                status,
            )
        }
        Err(page) => page,
    }
}

pub async fn identifiers(State(state): State<AppState>, staff: Staff, Path(id): Path<Uuid>) -> Response {
    identifiers_page(&state, &staff, id, IdentifierForm::default(), vec![], StatusCode::OK).await
}

pub async fn add_identifier(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<IdentifierForm>,
) -> Response {
    match state.app.add_identifier(&staff.ctx, id, &f.system, &f.value).await {
        Ok(_) => {
            set_flash(&staff, "The identifier has been added.").await;
            see_other(&format!("/staff/patients/{id}/identifiers"))
        }
        Err(AppError::Invalid(inv)) => {
            identifiers_page(&state, &staff, id, f, inv.0, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(AppError::Conflict { message }) => {
            let errors = vec![FieldError::new("value", message)];
            identifiers_page(&state, &staff, id, f, errors, StatusCode::CONFLICT).await
        }
        Err(e) => PageError(e, staff.op()).into_response(),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DisagreementForm {
    field: String,
    note: String,
}

pub struct NoteView {
    pub(super) field: String,
    pub(super) note: String,
    pub(super) recorded: String,
}

#[derive(Template)]
#[template(path = "staff/patients/disagreements.html")]
struct DisagreementsPage {
    shell: Shell,
    csrf: String,
    banner: Banner,
    id: Uuid,
    flash: Option<String>,
    can_edit: bool,
    notes: Vec<NoteView>,
    /// (field, label) the patient can disagree with.
    fields: Vec<(&'static str, String)>,
    form: DisagreementForm,
}

/// The record's notes of disagreement, oldest first, as people read them.
pub fn note_views(r: &app::patients::PatientRecord) -> Vec<NoteView> {
    r.disagreements
        .iter()
        .map(|d| NoteView {
            field: field_label(&d.field),
            note: d.note.clone(),
            recorded: london_date(d.recorded_at.0),
        })
        .collect()
}

async fn disagreements_page(
    state: &AppState,
    staff: &Staff,
    id: Uuid,
    form: DisagreementForm,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    match open_record(state, staff, id).await {
        Ok(r) => {
            let flash = take_flash(staff).await;
            render(
                &DisagreementsPage {
                    shell: Shell::staff("Notes of disagreement", staff).with_errors(errors),
                    csrf: staff.csrf.clone(),
                    banner: Banner::of(&r),
                    id: r.row.id,
                    flash,
                    can_edit: role_may(staff.actor.role, Action::EditPatient),
                    notes: note_views(&r),
                    fields: DISAGREEABLE_FIELDS
                        .iter()
                        .map(|f| (*f, if *f == "other" { "Something else".to_owned() } else { field_label(f) }))
                        .collect(),
                    form,
                },
                status,
            )
        }
        Err(page) => page,
    }
}

pub async fn disagreements(State(state): State<AppState>, staff: Staff, Path(id): Path<Uuid>) -> Response {
    disagreements_page(&state, &staff, id, DisagreementForm::default(), vec![], StatusCode::OK).await
}

pub async fn add_disagreement(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<DisagreementForm>,
) -> Response {
    match state.app.add_disagreement(&staff.ctx, id, &f.field, &f.note).await {
        Ok(_) => {
            set_flash(&staff, "The patient's note of disagreement has been recorded.").await;
            see_other(&format!("/staff/patients/{id}"))
        }
        Err(AppError::Invalid(inv)) => {
            let errors = inv
                .0
                .into_iter()
                .map(|mut e| {
                    if e.field == "field" {
                        e.message = "Choose what the patient disagrees with".into();
                    }
                    e
                })
                .collect();
            disagreements_page(&state, &staff, id, f, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => PageError(e, staff.op()).into_response(),
    }
}
