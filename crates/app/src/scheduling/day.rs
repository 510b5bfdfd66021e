//! What reception's pages show about the patients on them: the day list with each patient's name, date of
//! birth and communication needs; one appointment with its patient and history; and the patient being
//! booked for. Each read goes through the access policy and leaves an audit event, like the use-cases
//! it builds on.

use crate::{App, AppError, Ctx, Result};
use domain::governance::Action;
use domain::scheduling::booking::LengthNeeds;
use jiff::Timestamp;
use std::collections::HashMap;
use store::patients::{NeedRow, PatientRow};
use store::scheduling::{self as schedule_store, AppointmentEventRow, AppointmentRow};
use uuid::Uuid;

/// Just enough about a patient for reception to know who they are and what they need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientBrief {
    pub id: Uuid,
    pub given_names: String,
    pub family_name: String,
    pub preferred_name: Option<String>,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
    /// Communication needs (Accessible Information Standard) as staff words.
    pub needs: Vec<String>,
    /// Spoken-language interpreter needed, in this language (BCP 47).
    pub interpreter_language: Option<String>,
    /// Registration status: `registered`, `temporary`, `deregistered`, `deceased`.
    pub registration_status: String,
    /// Whether their appointments are double length (longer-appointment need or an interpreter).
    pub length: LengthNeeds,
}

impl PatientBrief {
    fn of(p: &PatientRow, needs: &[NeedRow]) -> Self {
        Self {
            id: p.id,
            given_names: p.given_names.clone(),
            family_name: p.family_name.clone(),
            preferred_name: p.preferred_name.clone(),
            date_of_birth: p.date_of_birth.clone(),
            needs: needs
                .iter()
                .map(|n| {
                    let label = domain::patients::ais::need(&n.code)
                        .map(|k| k.label.to_owned())
                        .unwrap_or_else(|_| n.code.clone());
                    match n.detail.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
                        Some(d) => format!("{label} ({d})"),
                        None => label,
                    }
                })
                .collect(),
            interpreter_language: p.interpreter_language.clone().filter(|l| !l.trim().is_empty()),
            registration_status: p.registration_status.clone(),
            length: LengthNeeds::from_record(needs.iter().map(|n| n.code.as_str()), p.interpreter_language.as_deref()),
        }
    }
}

/// One line of the day list.
#[derive(Debug, Clone)]
pub struct DayEntry {
    pub appointment: AppointmentRow,
    /// `None` only if the patient's record cannot be read (it always should be).
    pub patient: Option<PatientBrief>,
}

/// An appointment with its patient and what has happened to it, oldest first.
#[derive(Debug, Clone)]
pub struct AppointmentSheet {
    pub appointment: AppointmentRow,
    pub patient: PatientBrief,
    pub events: Vec<AppointmentEventRow>,
}

impl App {
    /// The day list: appointments starting in `[from, to)` with who each patient is and what they need.
    pub async fn day_sheet(
        &self,
        ctx: &Ctx,
        from: Timestamp,
        to: Timestamp,
        site: Option<Uuid>,
        practitioner: Option<Uuid>,
    ) -> Result<Vec<DayEntry>> {
        // The policy check and the audit event are the day list's own.
        let rows = self.appointments_between(ctx, from, to, site, practitioner).await?;
        let mut ids: Vec<Uuid> = rows.iter().map(|a| a.patient_id).collect();
        ids.sort();
        ids.dedup();
        let db = self.db();
        let mut patients: HashMap<Uuid, PatientBrief> = HashMap::new();
        for chunk in ids.chunks(500) {
            for p in store::patients::by_ids(db, chunk).await? {
                let needs = store::patients::needs_of(db, p.id).await?;
                patients.insert(p.id, PatientBrief::of(&p, &needs));
            }
        }
        Ok(rows
            .into_iter()
            .map(|a| {
                let patient = patients.get(&a.patient_id).cloned();
                DayEntry { appointment: a, patient }
            })
            .collect())
    }

    /// One appointment, its patient and its history, for someone who may see the day list.
    pub async fn appointment_sheet(&self, ctx: &Ctx, id: Uuid) -> Result<AppointmentSheet> {
        let db = self.db();
        let a = schedule_store::appointment(db, id).await?.ok_or(AppError::NotFound { what: "appointment" })?;
        let (p, grant) = self.patient_grant(ctx, a.patient_id, Action::ViewDayList, "appointment", Some(a.id)).await?;
        let needs = store::patients::needs_of(db, p.id).await?;
        let events = schedule_store::events_of(db, id).await?;
        let mut tx = db.begin().await?;
        grant.named("view_appointment").record(&mut tx).await?;
        tx.commit().await?;
        Ok(AppointmentSheet { appointment: a, patient: PatientBrief::of(&p, &needs), events })
    }

    /// The patient someone is booking for: who they are and the needs that lengthen their appointments.
    pub async fn booking_patient(&self, ctx: &Ctx, patient: Uuid) -> Result<PatientBrief> {
        let (p, grant) = self.patient_grant(ctx, patient, Action::BookAppointment, "appointment", None).await?;
        if let Some(into) = p.merged_into {
            return Err(AppError::invalid(
                "patient_id",
                format!("This record was merged into record {into}. Book on that record"),
            ));
        }
        let needs = store::patients::needs_of(self.db(), p.id).await?;
        let mut tx = self.db().begin().await?;
        grant.named("read_patient_for_booking").record(&mut tx).await?;
        tx.commit().await?;
        Ok(PatientBrief::of(&p, &needs))
    }
}
