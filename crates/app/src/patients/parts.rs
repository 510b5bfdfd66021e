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

/// Everything shown with a record beyond its demographics.
pub(crate) struct RecordParts {
    needs: Vec<NeedRow>,
    related: Vec<RelatedPersonRow>,
    alerts: Alerts,
    contact_preferences: Vec<patient_store::ContactPreferenceRow>,
    identifiers: Vec<patient_store::IdentifierRow>,
    disagreements: Vec<patient_store::DisagreementRow>,
}

impl RecordParts {
    pub(crate) fn into_record(
        self,
        row: PatientRow,
        phones: Vec<patient_store::PhoneRow>,
        resolved_from: Option<Uuid>,
        break_glass: bool,
    ) -> super::PatientRecord {
        super::PatientRecord {
            row,
            phones,
            resolved_from,
            break_glass,
            needs: self.needs,
            related_people: self.related,
            alerts: self.alerts,
            contact_preferences: self.contact_preferences,
            identifiers: self.identifiers,
            disagreements: self.disagreements,
        }
    }
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
        let access =
            Access::patient(action, default_purpose(who.role), relationship(who, row), row.id, resource_type, None);
        self.authorize(ctx, access).await
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

    /// Mark a communication need as reviewed today (the Accessible Information Standard asks for needs
    /// to be reviewed). Who reviewed it is kept in the history; an unknown, removed or another patient's
    /// need is not found and nothing changes.
    pub async fn review_need(&self, ctx: &Ctx, patient_id: Uuid, need_id: Uuid) -> Result<NeedRow> {
        let (row, _) = self.resolve(patient_id).await?;
        let grant = self.edit_access(ctx, &row, Action::EditPatient, "patient_need").await?;
        let needs = patient_store::needs_of(self.db(), row.id).await?;
        let need =
            needs.into_iter().find(|n| n.id == need_id).ok_or(AppError::NotFound { what: "communication need" })?;
        let label = ais::need(&need.code).map(|k| k.label).unwrap_or(&need.code).to_owned();
        let today = super::today().to_string();
        let before = match &need.reviewed_on {
            Some(on) => format!("{label}: reviewed on {on}"),
            None => format!("{label}: not reviewed"),
        };
        let now = Ts(domain::time::now());
        let mut tx = self.db().begin().await?;
        if !patient_store::review_need(&mut tx, row.id, need_id, &today).await? {
            return Err(AppError::NotFound { what: "communication need" });
        }
        patient_store::record_history(
            &mut tx,
            row.id,
            "communication_need_reviewed",
            Some(&before),
            Some(&format!("{label}: reviewed on {today}")),
            ctx.actor_id(),
            ctx.operation_id,
            now,
            None,
        )
        .await?;
        grant.named("review_need").record(&mut tx).await?;
        tx.commit().await?;
        Ok(NeedRow { reviewed_on: Some(today), ..need })
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

    /// The parts shown with a record the actor has been allowed to open.
    pub(crate) async fn record_parts(&self, ctx: &Ctx, row: &PatientRow) -> Result<RecordParts> {
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
        Ok(RecordParts {
            needs,
            related,
            alerts,
            contact_preferences: patient_store::contact_preferences_of(self.db(), row.id).await?,
            identifiers: patient_store::identifiers_of(self.db(), row.id).await?,
            disagreements: patient_store::disagreements_of(self.db(), row.id).await?,
        })
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

/// Channels a patient can be reached on.
pub const CHANNELS: [&str; 4] = ["sms", "email", "letter", "phone"];

/// One channel's consent, as sent; the order of the list is the patient's order of preference.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactPreferenceInput {
    /// sms, email, letter or phone.
    pub channel: String,
    pub opted_in: bool,
    /// Where the choice came from, e.g. "patient, by phone".
    pub source: String,
}

/// Fields a note of disagreement can be attached to.
pub const DISAGREEABLE_FIELDS: [&str; 12] = [
    "nhs_number",
    "given_names",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "gender",
    "address",
    "phones",
    "email",
    "preferred_language",
    "communication_needs",
    "other",
];

impl App {
    /// Record the patient's channel choices (opt in or out, with the source and date) in order of
    /// preference. SMS needs a mobile number on the record; email needs an email address.
    pub async fn set_contact_preferences(
        &self,
        ctx: &Ctx,
        patient_id: Uuid,
        prefs: &[ContactPreferenceInput],
    ) -> Result<()> {
        let (row, _) = self.resolve(patient_id).await?;
        let grant = self.edit_access(ctx, &row, Action::EditPatient, "contact_preferences").await?;
        let phones = patient_store::phones_of(self.db(), &[row.id]).await?;
        let mut e = domain::validation::Errors::new();
        let mut seen = Vec::new();
        for (i, p) in prefs.iter().enumerate() {
            let channel = p.channel.trim().to_lowercase();
            if !CHANNELS.contains(&channel.as_str()) {
                e.add(format!("[{i}].channel"), format!("Channel must be one of: {}", CHANNELS.join(", ")));
                continue;
            }
            if seen.contains(&channel) {
                e.add(format!("[{i}].channel"), format!("'{channel}' is listed twice"));
            }
            if p.opted_in && channel == "sms" && !phones.iter().any(|ph| ph.kind == "mobile") {
                e.add(
                    format!("[{i}].opted_in"),
                    "Text messages need a mobile number. This record has no mobile, so SMS cannot be switched on",
                );
            }
            if p.opted_in && channel == "email" && row.email.is_none() {
                e.add(format!("[{i}].opted_in"), "Record an email address before switching email on");
            }
            if text(Some(&p.source), 200, "Source").ok().flatten().is_none() {
                e.add(format!("[{i}].source"), "Say where this choice came from, for example 'patient, by phone'");
            }
            seen.push(channel);
        }
        e.finish()?;
        let now = Ts(domain::time::now());
        let rows: Vec<patient_store::ContactPreferenceRow> = prefs
            .iter()
            .enumerate()
            .map(|(i, p)| patient_store::ContactPreferenceRow {
                channel: p.channel.trim().to_lowercase(),
                opted_in: p.opted_in,
                rank: i as i32 + 1,
                changed_at: now,
                source: p.source.trim().to_owned(),
            })
            .collect();
        let show = |rs: &[patient_store::ContactPreferenceRow]| {
            rs.iter()
                .map(|r| format!("{} {}", r.channel, if r.opted_in { "yes" } else { "no" }))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let before = patient_store::contact_preferences_of(self.db(), row.id).await?;
        let mut tx = self.db().begin().await?;
        patient_store::set_contact_preferences(&mut tx, row.id, &rows).await?;
        patient_store::record_history(
            &mut tx,
            row.id,
            "contact_preferences",
            Some(&show(&before)),
            Some(&show(&rows)),
            ctx.actor_id(),
            ctx.operation_id,
            now,
            None,
        )
        .await?;
        grant.named("set_contact_preferences").record(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Add another identifier (another system's number for the patient), named by a system URI.
    pub async fn add_identifier(&self, ctx: &Ctx, patient_id: Uuid, system: &str, value: &str) -> Result<Uuid> {
        let (row, _) = self.resolve(patient_id).await?;
        let grant = self.edit_access(ctx, &row, Action::EditPatient, "patient_identifier").await?;
        let mut e = domain::validation::Errors::new();
        let system = system.trim();
        let uri_like = (system.starts_with("https://") || system.starts_with("http://") || system.starts_with("urn:"))
            && system.len() <= 200
            && !system.chars().any(char::is_whitespace);
        if !uri_like {
            e.add("system", "The system must be a URI, for example https://fhir.nhs.uk/Id/local-patient-identifier");
        }
        if system == "https://fhir.nhs.uk/Id/nhs-number" {
            e.add("system", "Record the NHS number in the nhs_number field");
        }
        let value = e.check(
            "value",
            text(Some(value), 100, "Value").and_then(|v| v.ok_or_else(|| "Enter the identifier".to_owned())),
        );
        e.finish()?;
        let mut tx = self.db().begin().await?;
        let id =
            match patient_store::add_identifier(&mut tx, row.id, system, value.as_deref().unwrap_or_default()).await {
                Ok(id) => id,
                Err(err) if err.is_unique_violation() => {
                    return Err(AppError::Conflict { message: "Another patient already has this identifier".into() });
                }
                Err(err) => return Err(err.into()),
            };
        let now = Ts(domain::time::now());
        patient_store::record_history(
            &mut tx,
            row.id,
            "identifiers",
            None,
            Some(&format!("{system}|{}", value.unwrap_or_default())),
            ctx.actor_id(),
            ctx.operation_id,
            now,
            None,
        )
        .await?;
        grant.named("add_identifier").record(&mut tx).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Attach the patient's note of disagreement to a recorded value (the value itself stays).
    pub async fn add_disagreement(&self, ctx: &Ctx, patient_id: Uuid, field: &str, note: &str) -> Result<Uuid> {
        let (row, _) = self.resolve(patient_id).await?;
        let grant = self.edit_access(ctx, &row, Action::EditPatient, "note_of_disagreement").await?;
        let mut e = domain::validation::Errors::new();
        let field = field.trim().to_lowercase();
        if !DISAGREEABLE_FIELDS.contains(&field.as_str()) {
            e.add("field", format!("Field must be one of: {}", DISAGREEABLE_FIELDS.join(", ")));
        }
        let note = e.check(
            "note",
            text(Some(note), 2000, "Note")
                .and_then(|v| v.ok_or_else(|| "Enter what the patient disagrees with and why".to_owned())),
        );
        e.finish()?;
        let now = Ts(domain::time::now());
        let mut tx = self.db().begin().await?;
        let id =
            patient_store::add_disagreement(&mut tx, row.id, &field, &note.unwrap_or_default(), ctx.actor_id(), now)
                .await?;
        patient_store::record_history(
            &mut tx,
            row.id,
            "note_of_disagreement",
            None,
            Some(&field),
            ctx.actor_id(),
            ctx.operation_id,
            now,
            None,
        )
        .await?;
        grant.named("add_disagreement").record(&mut tx).await?;
        tx.commit().await?;
        Ok(id)
    }
}
