//! The parts of a record beyond demographics: communication needs (AIS), related people, and restricted
//! alerts. Each change is checked, audited and kept in the record's history.

use super::{actor, default_purpose, relationship};
use crate::governance::access::Access;
use crate::{App, AppError, Ctx, Result};
use domain::governance::policy::{AccessRequest, decide};
use domain::governance::{Action, Role};
use domain::patients::ais;
use domain::patients::record::text;
use domain::patients::{EmailAddress, PhoneNumber};
use serde::Deserialize;
use store::Ts;
use store::patients::{self as patient_store, AlertRow, NeedRow, PatientRow, RelatedPersonRow};
use uuid::Uuid;

/// Restricted alerts as the viewer may see them.
#[derive(Debug, Clone)]
pub enum Alerts {
    None,
    /// The viewer may not read them: "restricted alert — speak to the duty clinician".
    Restricted,
    Visible(Vec<AlertRow>),
}

/// A related person as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RelatedPersonInput {
    pub name: String,
    /// carer, next_of_kin, parent, guardian, proxy or other.
    pub relationship: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// May book and cancel appointments for the patient.
    #[serde(default)]
    pub may_book: bool,
    /// May receive the patient's messages.
    #[serde(default)]
    pub may_receive_messages: bool,
    /// How the patient's consent to this was given (required when either right is given).
    #[serde(default)]
    pub consent_source: Option<String>,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub valid_from: Option<String>,
    #[serde(default)]
    pub valid_to: Option<String>,
}

pub const RELATIONSHIPS: [&str; 6] = ["carer", "next_of_kin", "parent", "guardian", "proxy", "other"];
pub const ALERT_KINDS: [&str; 2] = ["safeguarding", "other"];

impl App {
    async fn edit_access(
        &self,
        ctx: &Ctx,
        row: &PatientRow,
        action: Action,
        resource_type: &'static str,
    ) -> Result<crate::governance::access::Grant> {
        let who = actor(ctx)?;
        self.authorize(
            ctx,
            Access {
                action,
                purpose: default_purpose(who.role),
                relationship: relationship(who, row),
                break_glass_reason: None,
                resource_type,
                resource_id: Some(row.id.to_string()),
                patient_id: Some(row.id),
            },
        )
        .await
    }

    /// Record a communication need from the AIS catalogue.
    pub async fn add_need(&self, ctx: &Ctx, patient_id: Uuid, code: &str, detail: Option<&str>) -> Result<Uuid> {
        let (row, _) = self.resolve(patient_id).await?;
        let grant = self.edit_access(ctx, &row, Action::EditPatient, "patient_need").await?;
        let kind = ais::need(code).map_err(|m| AppError::invalid("code", m))?;
        let detail = text(detail, 500, "Detail").map_err(|m| AppError::invalid("detail", m))?;
        if patient_store::needs_of(self.db(), row.id).await?.iter().any(|n| n.code == kind.code) {
            return Err(AppError::Conflict { message: format!("'{}' is already recorded", kind.label) });
        }
        let now = Ts(domain::time::now());
        let mut tx = self.db().begin().await?;
        let id = patient_store::add_need(
            &mut tx,
            row.id,
            kind.code,
            category_code(kind.category),
            detail.as_deref(),
            ctx.actor_id(),
            now,
        )
        .await?;
        patient_store::record_history(
            &mut tx,
            row.id,
            "communication_needs",
            None,
            Some(kind.label),
            ctx.actor_id(),
            ctx.operation_id,
            now,
            None,
        )
        .await?;
        grant.named("add_need").record(&mut tx).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn remove_need(&self, ctx: &Ctx, patient_id: Uuid, need_id: Uuid) -> Result<()> {
        let (row, _) = self.resolve(patient_id).await?;
        let grant = self.edit_access(ctx, &row, Action::EditPatient, "patient_need").await?;
        let needs = patient_store::needs_of(self.db(), row.id).await?;
        let need = needs.iter().find(|n| n.id == need_id).ok_or(AppError::NotFound { what: "communication need" })?;
        let label = ais::need(&need.code).map(|k| k.label).unwrap_or(&need.code).to_owned();
        let now = Ts(domain::time::now());
        let mut tx = self.db().begin().await?;
        patient_store::remove_need(&mut tx, row.id, need_id, now).await?;
        patient_store::record_history(
            &mut tx,
            row.id,
            "communication_needs",
            Some(&label),
            None,
            ctx.actor_id(),
            ctx.operation_id,
            now,
            None,
        )
        .await?;
        grant.named("remove_need").record(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Add a carer, next of kin, parent, guardian or proxy. Rights to act for the patient need the
    /// patient's recorded consent.
    pub async fn add_related_person(&self, ctx: &Ctx, patient_id: Uuid, input: &RelatedPersonInput) -> Result<Uuid> {
        let (row, _) = self.resolve(patient_id).await?;
        let grant = self.edit_access(ctx, &row, Action::EditPatient, "related_person").await?;
        let mut e = domain::validation::Errors::new();
        let name = e.check("name", domain::patients::record::required_name(&input.name, "Name"));
        let rel = input.relationship.trim().to_lowercase();
        if !RELATIONSHIPS.contains(&rel.as_str()) {
            e.add("relationship", format!("Relationship must be one of: {}", RELATIONSHIPS.join(", ")));
        }
        let phone = match input.phone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(p) => e.check("phone", PhoneNumber::parse(p)).map(|p| p.e164().to_owned()),
            None => None,
        };
        let email = match input.email.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(m) => e.check("email", EmailAddress::parse(m)).map(|m| m.to_string()),
            None => None,
        };
        let consent = e.check("consent_source", text(input.consent_source.as_deref(), 200, "Consent")).flatten();
        if (input.may_book || input.may_receive_messages) && consent.is_none() {
            e.add(
                "consent_source",
                "Record how the patient agreed to this person acting for them (for example, 'patient, at the desk')",
            );
        }
        let dates: Vec<Option<String>> = [("valid_from", &input.valid_from), ("valid_to", &input.valid_to)]
            .into_iter()
            .map(|(field, v)| match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                Some(d) => e.check(
                    field,
                    domain::patients::dates::parse_date(d)
                        .map(|d| d.to_string())
                        .ok_or_else(|| "Enter a real date, like 2026-11-22".to_owned()),
                ),
                None => None,
            })
            .collect();
        if let (Some(f), Some(t)) = (&dates[0], &dates[1])
            && t < f
        {
            e.add("valid_to", "The end date must be after the start date");
        }
        e.finish()?;
        let now = Ts(domain::time::now());
        let person = RelatedPersonRow {
            id: domain::new_id(),
            patient_id: row.id,
            name: name.expect("checked"),
            relationship: rel,
            phone,
            email,
            may_book: input.may_book,
            may_receive_messages: input.may_receive_messages,
            consent_recorded_at: consent.is_some().then_some(now),
            consent_source: consent,
            valid_from: dates[0].clone(),
            valid_to: dates[1].clone(),
            created_at: now,
        };
        let mut tx = self.db().begin().await?;
        patient_store::add_related_person(&mut tx, &person).await?;
        let summary = format!("{} ({})", person.name, person.relationship);
        patient_store::record_history(
            &mut tx,
            row.id,
            "related_people",
            None,
            Some(&summary),
            ctx.actor_id(),
            ctx.operation_id,
            now,
            None,
        )
        .await?;
        grant.named("add_related_person").record(&mut tx).await?;
        tx.commit().await?;
        Ok(person.id)
    }

    /// Add a restricted alert (clinicians and practice managers).
    pub async fn add_alert(&self, ctx: &Ctx, patient_id: Uuid, kind: &str, body: &str) -> Result<Uuid> {
        let (row, _) = self.resolve(patient_id).await?;
        let grant = self.edit_access(ctx, &row, Action::EditRestrictedAlerts, "patient_alert").await?;
        let mut e = domain::validation::Errors::new();
        let kind = kind.trim().to_lowercase();
        if !ALERT_KINDS.contains(&kind.as_str()) {
            e.add("kind", "Alert kind must be safeguarding or other");
        }
        let body = e
            .check("text", text(Some(body), 2000, "Alert").and_then(|t| t.ok_or_else(|| "Enter the alert".to_owned())));
        e.finish()?;
        let now = Ts(domain::time::now());
        let mut tx = self.db().begin().await?;
        let id = patient_store::add_alert(&mut tx, row.id, &kind, &body.expect("checked"), ctx.actor_id(), now).await?;
        // The history says an alert was added, never what it says.
        patient_store::record_history(
            &mut tx,
            row.id,
            "restricted_alerts",
            None,
            Some("alert added"),
            ctx.actor_id(),
            ctx.operation_id,
            now,
            None,
        )
        .await?;
        grant.named("add_alert").record(&mut tx).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The needs, related people and alerts shown with a record the actor has been allowed to open.
    pub(crate) async fn record_parts(
        &self,
        ctx: &Ctx,
        row: &PatientRow,
    ) -> Result<(Vec<NeedRow>, Vec<RelatedPersonRow>, Alerts)> {
        let who = actor(ctx)?;
        let needs = patient_store::needs_of(self.db(), row.id).await?;
        let related = patient_store::related_people_of(self.db(), row.id).await?;
        let alerts = patient_store::alerts_of(self.db(), row.id).await?;
        let may_read = decide(&AccessRequest {
            role: who.role,
            action: Action::ViewRestrictedAlerts,
            relationship: relationship(who, row),
            purpose: default_purpose(who.role),
            break_glass_reason: None,
        })
        .is_allowed()
            || who.role == Role::Clinician;
        let alerts = match (alerts.is_empty(), may_read) {
            (true, _) => Alerts::None,
            (false, true) => Alerts::Visible(alerts),
            (false, false) => Alerts::Restricted,
        };
        Ok((needs, related, alerts))
    }
}

pub fn category_code(c: ais::NeedCategory) -> &'static str {
    match c {
        ais::NeedCategory::ContactMethod => "contact_method",
        ais::NeedCategory::InformationFormat => "information_format",
        ais::NeedCategory::CommunicationProfessional => "communication_professional",
        ais::NeedCategory::CommunicationSupport => "communication_support",
        ais::NeedCategory::LongerAppointment => "longer_appointment",
    }
}
