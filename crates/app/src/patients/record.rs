//! Registering, viewing and changing a patient's record.

use super::{actor, default_purpose, relationship, today};
use crate::governance::access::Access;
use crate::{App, AppError, Ctx, Result};
use domain::governance::{Action, Purpose};
use domain::patients::PhoneKind;
use domain::patients::names::{fold, within_one_edit};
use domain::patients::record::{PatientDetails, PatientInput};
use serde::Serialize;
use store::Ts;
use store::patients::{self as patient_store, ExactColumn, PatientRow, PhoneRow};
use uuid::Uuid;

/// An existing record that a new one may duplicate, named for the member of staff deciding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PossibleDuplicate {
    pub id: Uuid,
    pub name: String,
    pub date_of_birth: String,
    pub nhs_number: Option<String>,
    /// Why it may be the same person: "same NHS number", "same date of birth and similar name", …
    pub reason: String,
}

/// A patient's record as a member of staff sees it.
#[derive(Debug, Clone)]
pub struct PatientRecord {
    pub row: PatientRow,
    pub phones: Vec<PhoneRow>,
    /// Set when the id asked for was merged into this record.
    pub resolved_from: Option<Uuid>,
    pub break_glass: bool,
    pub needs: Vec<store::patients::NeedRow>,
    pub related_people: Vec<store::patients::RelatedPersonRow>,
    pub alerts: super::parts::Alerts,
    pub contact_preferences: Vec<store::patients::ContactPreferenceRow>,
    pub identifiers: Vec<store::patients::IdentifierRow>,
    pub disagreements: Vec<store::patients::DisagreementRow>,
}

#[derive(Debug, Clone)]
pub struct Registered {
    pub id: Uuid,
}

fn display_name(p: &PatientRow) -> String {
    format!("{} {}", p.given_names, p.family_name)
}

fn nhs_display(digits: &str) -> String {
    domain::patients::NhsNumber::parse(digits).map(|n| n.to_string()).unwrap_or_else(|_| digits.to_owned())
}

pub(crate) fn duplicate_of(p: &PatientRow, reason: &str) -> PossibleDuplicate {
    PossibleDuplicate {
        id: p.id,
        name: display_name(p),
        date_of_birth: p.date_of_birth.clone(),
        nhs_number: p.nhs_number.as_deref().map(nhs_display),
        reason: reason.to_owned(),
    }
}

/// The row for validated details (a new record when `existing` is `None`).
fn row_from(d: &PatientDetails, id: Uuid, organisation_id: Uuid, now: Ts, existing: Option<&PatientRow>) -> PatientRow {
    PatientRow {
        id,
        organisation_id,
        nhs_number: d.nhs_number.map(|n| n.digits()),
        nhs_number_status: d.nhs_number_status.clone(),
        local_number: d.local_number.clone(),
        title: d.title.clone(),
        given_names: d.given_names.clone(),
        family_name: d.family_name.clone(),
        preferred_name: d.preferred_name.clone(),
        pronouns: d.pronouns.clone(),
        date_of_birth: d.date_of_birth.to_string(),
        gender: d.gender.as_str().to_owned(),
        date_of_death: d.date_of_death.map(|x| x.to_string()),
        registration_status: d.registration_status.as_str().to_owned(),
        // A patient already deregistered keeps the date they left unless a new one is given.
        deregistered_on: match (d.deregistered_on, existing.and_then(|e| e.deregistered_on.clone())) {
            (Some(_), Some(kept)) if existing.is_some_and(|e| e.registration_status == "deregistered") => Some(kept),
            (new, _) => new.map(|x| x.to_string()),
        },
        deregistered_reason: d.deregistered_reason.clone(),
        address_lines: d.address_lines.join("\n"),
        town: d.town.clone(),
        postcode: d.postcode.as_ref().map(|p| p.to_string()),
        postcode_abroad: d.postcode_abroad.clone(),
        country: d.country.clone(),
        email: d.email.as_ref().map(|e| e.to_string()),
        preferred_language: d.preferred_language.clone(),
        interpreter_language: d.interpreter_language.clone(),
        contact_times: d.contact_times.clone(),
        merged_into: None,
        version: existing.map(|e| e.version).unwrap_or(1),
        created_at: existing.map(|e| e.created_at).unwrap_or(now),
        updated_at: now,
    }
}

fn phone_rows(d: &PatientDetails, patient_id: Uuid) -> Vec<PhoneRow> {
    d.phones
        .iter()
        .enumerate()
        .map(|(i, p)| PhoneRow {
            patient_id,
            position: i as i32,
            e164: p.number.e164().to_owned(),
            kind: p.kind.as_str().to_owned(),
        })
        .collect()
}

/// The row and phone rows for a new record (bulk paths: demo seeding and import).
pub(crate) fn row_for_import(
    d: &PatientDetails,
    id: Uuid,
    organisation_id: Uuid,
    now: Ts,
) -> (PatientRow, Vec<PhoneRow>) {
    (row_from(d, id, organisation_id, now, None), phone_rows(d, id))
}

/// Whether two people's names are alike enough to ask "is this the same person?".
fn similar_names(a: &PatientRow, b: &PatientRow) -> bool {
    let fam = |p: &PatientRow| fold(&p.family_name).split_whitespace().collect::<String>();
    let first = |p: &PatientRow| fold(&p.given_names).split_whitespace().next().unwrap_or("").to_owned();
    let (fa, fb, ga, gb) = (fam(a), fam(b), first(a), first(b));
    within_one_edit(&fa, &fb) && (within_one_edit(&ga, &gb) || ga.starts_with(&gb) || gb.starts_with(&ga))
}

impl App {
    async fn possible_duplicates(&self, new: &PatientRow, mobiles: &[String]) -> Result<Vec<PossibleDuplicate>> {
        let mut found: Vec<PossibleDuplicate> = Vec::new();
        let mut push = |p: &PatientRow, reason: &str| {
            if p.id != new.id && !found.iter().any(|f| f.id == p.id) {
                found.push(duplicate_of(p, reason));
            }
        };
        let same_dob = patient_store::ids_where(self.db(), ExactColumn::DateOfBirth, &new.date_of_birth, 500).await?;
        for p in patient_store::by_ids(self.db(), &same_dob).await? {
            if similar_names(&p, new) {
                push(&p, "same date of birth and a similar name");
            }
        }
        for m in mobiles {
            let ids = patient_store::ids_by_phone(self.db(), m, 20).await?;
            for p in patient_store::by_ids(self.db(), &ids).await? {
                push(&p, "same mobile number");
            }
        }
        if let Some(email) = &new.email {
            let ids = patient_store::ids_where(self.db(), ExactColumn::Email, email, 20).await?;
            for p in patient_store::by_ids(self.db(), &ids).await? {
                push(&p, "same email address");
            }
        }
        Ok(found)
    }

    /// Register a new patient. A record with the same NHS or local number is refused and named; one that
    /// may be the same person (same date of birth and a similar name, or the same mobile or email) must be
    /// confirmed with `confirmed_not_duplicate`.
    pub async fn register_patient(
        &self,
        ctx: &Ctx,
        input: &PatientInput,
        confirmed_not_duplicate: bool,
    ) -> Result<Registered> {
        let who = actor(ctx)?;
        let grant =
            self.authorize(ctx, Access::general(Action::RegisterPatient, default_purpose(who.role), "patient")).await?;
        let details = input.validate(today())?;
        let org = store::organisation::first_organisation(self.db())
            .await?
            .ok_or_else(|| AppError::Internal("no organisation is set up".into()))?;
        let now = Ts(domain::time::now());
        let id = domain::new_id();
        let row = row_from(&details, id, org.id, now, None);
        self.refuse_clashes(&row).await?;
        let mobiles: Vec<String> =
            details.phones.iter().filter(|p| p.kind == PhoneKind::Mobile).map(|p| p.number.e164().to_owned()).collect();
        if !confirmed_not_duplicate {
            let dups = self.possible_duplicates(&row, &mobiles).await?;
            if !dups.is_empty() {
                return Err(AppError::Duplicate {
                    code: "possible-duplicate",
                    message: "This patient may already be registered. Check the records listed, then confirm to register anyway".into(),
                    existing: dups,
                });
            }
        }
        let mut tx = self.db().begin().await?;
        if let Err(e) = patient_store::insert(&mut tx, &row).await {
            // Another registration with the same number won the race.
            return Err(if e.is_unique_violation() { self.clash_error(&row).await? } else { e.into() });
        }
        patient_store::replace_phones(&mut tx, id, &phone_rows(&details, id)).await?;
        patient_store::name_index::reindex_record(&mut tx, &row).await?;
        grant.with_resource(id).about_patient(id).named("register_patient").record(&mut tx).await?;
        tx.commit().await?;
        Ok(Registered { id })
    }

    async fn refuse_clashes(&self, row: &PatientRow) -> Result<()> {
        match self.clash_error(row).await? {
            AppError::Internal(_) => Ok(()),
            e => Err(e),
        }
    }

    /// The error for a record clashing with an existing NHS or local number (`Internal` when none does).
    async fn clash_error(&self, row: &PatientRow) -> Result<AppError> {
        if let Some(nhs) = &row.nhs_number
            && let Some(existing) = patient_store::by_nhs_number(self.db(), nhs).await?
            && existing.id != row.id
        {
            return Ok(AppError::Duplicate {
                code: "duplicate-nhs-number",
                message: format!("A patient with NHS number {} is already registered", nhs_display(nhs)),
                existing: vec![duplicate_of(&existing, "same NHS number")],
            });
        }
        if let Some(local) = &row.local_number
            && let Some(existing) = patient_store::by_local_number(self.db(), row.organisation_id, local).await?
            && existing.id != row.id
        {
            return Ok(AppError::Duplicate {
                code: "duplicate-local-number",
                message: format!("Local number {local} is already used by another patient"),
                existing: vec![duplicate_of(&existing, "same local number")],
            });
        }
        Ok(AppError::Internal("no clash".into()))
    }

    /// Open a patient's record. Merged ids resolve to the surviving record. The look is audited with its
    /// purpose; a clinician outside the care relationship must give a break-glass reason.
    pub async fn view_patient(
        &self,
        ctx: &Ctx,
        id: Uuid,
        purpose: Option<Purpose>,
        break_glass_reason: Option<&str>,
    ) -> Result<PatientRecord> {
        let who = actor(ctx)?;
        let (row, resolved_from) = self.resolve(id).await?;
        let access = Access::patient(
            Action::ViewPatient,
            purpose.unwrap_or_else(|| default_purpose(who.role)),
            relationship(who, &row),
            row.id,
            "patient",
            break_glass_reason,
        );
        let grant = self.authorize(ctx, access).await?;
        let break_glass = grant.decision.is_break_glass();
        let parts = self.record_parts(ctx, &row).await?;
        let mut tx = self.db().begin().await?;
        let phones = patient_store::phones_of(&mut tx, &[row.id]).await?;
        grant.record(&mut tx).await?;
        tx.commit().await?;
        Ok(parts.into_record(row, phones, resolved_from, break_glass))
    }

    /// Follow merges to the live record; `NotFound` for an unknown id.
    pub(crate) async fn resolve(&self, id: Uuid) -> Result<(PatientRow, Option<Uuid>)> {
        let mut current = patient_store::by_id(self.db(), id).await?.ok_or(AppError::NotFound { what: "patient" })?;
        for _ in 0..16 {
            match current.merged_into {
                Some(next) => {
                    current =
                        patient_store::by_id(self.db(), next).await?.ok_or(AppError::NotFound { what: "patient" })?
                }
                None => return Ok((current.clone(), (current.id != id).then_some(id))),
            }
        }
        Err(AppError::Internal("merge chain too long".into()))
    }

    /// Replace a record's demographic details. `expected_version` guards against overwriting someone
    /// else's change; every changed field is kept in the history with the reason.
    pub async fn update_patient(
        &self,
        ctx: &Ctx,
        id: Uuid,
        input: &PatientInput,
        expected_version: i64,
        reason: Option<&str>,
        break_glass_reason: Option<&str>,
    ) -> Result<PatientRecord> {
        let who = actor(ctx)?;
        let (current, _) = self.resolve(id).await?;
        let access = Access::patient(
            Action::EditPatient,
            default_purpose(who.role),
            relationship(who, &current),
            current.id,
            "patient",
            break_glass_reason,
        );
        let grant = self.authorize(ctx, access).await?;
        let details = input.validate(today())?;
        let reason =
            domain::patients::record::text(reason, 500, "Reason").map_err(|m| AppError::invalid("reason", m))?;
        let now = Ts(domain::time::now());
        let updated = row_from(&details, current.id, current.organisation_id, now, Some(&current));
        self.refuse_clashes(&updated).await?;
        let changes = changed_fields(&current, &updated);
        let old_phones = patient_store::phones_of(self.db(), &[current.id]).await?;
        let new_phones = phone_rows(&details, current.id);
        let phones_changed = old_phones != new_phones;
        let mut tx = self.db().begin().await?;
        if !patient_store::update(&mut tx, &updated, expected_version).await? {
            return Err(AppError::Conflict {
                message:
                    "Someone else changed this record while you were editing it. Reload it and make your change again"
                        .into(),
            });
        }
        for (field, old, new) in &changes {
            patient_store::record_history(
                &mut tx,
                current.id,
                field,
                old.as_deref(),
                new.as_deref(),
                who.user_id.into(),
                ctx.operation_id,
                now,
                reason.as_deref(),
            )
            .await?;
        }
        if phones_changed {
            let show = |ps: &[PhoneRow]| ps.iter().map(|p| p.e164.clone()).collect::<Vec<_>>().join(", ");
            patient_store::record_history(
                &mut tx,
                current.id,
                "phones",
                Some(&show(&old_phones)),
                Some(&show(&new_phones)),
                who.user_id.into(),
                ctx.operation_id,
                now,
                reason.as_deref(),
            )
            .await?;
            patient_store::replace_phones(&mut tx, current.id, &new_phones).await?;
        }
        if (current.given_names.as_str(), current.family_name.as_str())
            != (updated.given_names.as_str(), updated.family_name.as_str())
        {
            patient_store::add_previous_name(&mut tx, current.id, &current.given_names, &current.family_name, now)
                .await?;
        }
        patient_store::name_index::reindex_record(&mut tx, &updated).await?;
        grant.named("edit_patient").record(&mut tx).await?;
        tx.commit().await?;
        let row = patient_store::by_id(self.db(), current.id).await?.ok_or(AppError::NotFound { what: "patient" })?;
        let parts = self.record_parts(ctx, &row).await?;
        Ok(parts.into_record(row, new_phones, None, false))
    }
}

/// (field, old, new) for every demographic field that differs.
fn changed_fields(a: &PatientRow, b: &PatientRow) -> Vec<(&'static str, Option<String>, Option<String>)> {
    let mut out = Vec::new();
    let mut cmp = |name: &'static str, x: Option<&str>, y: Option<&str>| {
        if x != y {
            out.push((name, x.map(str::to_owned), y.map(str::to_owned)));
        }
    };
    cmp("nhs_number", a.nhs_number.as_deref(), b.nhs_number.as_deref());
    cmp("nhs_number_status", a.nhs_number_status.as_deref(), b.nhs_number_status.as_deref());
    cmp("local_number", a.local_number.as_deref(), b.local_number.as_deref());
    cmp("title", a.title.as_deref(), b.title.as_deref());
    cmp("given_names", Some(&a.given_names), Some(&b.given_names));
    cmp("family_name", Some(&a.family_name), Some(&b.family_name));
    cmp("preferred_name", a.preferred_name.as_deref(), b.preferred_name.as_deref());
    cmp("pronouns", a.pronouns.as_deref(), b.pronouns.as_deref());
    cmp("date_of_birth", Some(&a.date_of_birth), Some(&b.date_of_birth));
    cmp("gender", Some(&a.gender), Some(&b.gender));
    cmp("date_of_death", a.date_of_death.as_deref(), b.date_of_death.as_deref());
    cmp("registration_status", Some(&a.registration_status), Some(&b.registration_status));
    cmp("deregistered_on", a.deregistered_on.as_deref(), b.deregistered_on.as_deref());
    cmp("deregistered_reason", a.deregistered_reason.as_deref(), b.deregistered_reason.as_deref());
    cmp("address_lines", Some(&a.address_lines), Some(&b.address_lines));
    cmp("town", a.town.as_deref(), b.town.as_deref());
    cmp("postcode", a.postcode.as_deref(), b.postcode.as_deref());
    cmp("postcode_abroad", a.postcode_abroad.as_deref(), b.postcode_abroad.as_deref());
    cmp("country", Some(&a.country), Some(&b.country));
    cmp("email", a.email.as_deref(), b.email.as_deref());
    cmp("preferred_language", Some(&a.preferred_language), Some(&b.preferred_language));
    cmp("interpreter_language", a.interpreter_language.as_deref(), b.interpreter_language.as_deref());
    cmp("contact_times", a.contact_times.as_deref(), b.contact_times.as_deref());
    out
}

/// The record as an input document: what a merge patch is applied to.
pub fn input_of(row: &PatientRow, phones: &[PhoneRow]) -> PatientInput {
    PatientInput {
        nhs_number: row.nhs_number.clone(),
        nhs_number_status: row.nhs_number_status.clone(),
        local_number: row.local_number.clone(),
        title: row.title.clone(),
        given_names: row.given_names.clone(),
        family_name: row.family_name.clone(),
        preferred_name: row.preferred_name.clone(),
        pronouns: row.pronouns.clone(),
        date_of_birth: row.date_of_birth.clone(),
        gender: Some(row.gender.clone()),
        date_of_death: row.date_of_death.clone(),
        registration_status: Some(row.registration_status.clone()),
        deregistered_on: row.deregistered_on.clone(),
        deregistered_reason: row.deregistered_reason.clone(),
        address_lines: row.address_lines.lines().map(str::to_owned).collect(),
        town: row.town.clone(),
        postcode: row.postcode.clone().or_else(|| row.postcode_abroad.clone()),
        country: Some(row.country.clone()),
        phones: phones
            .iter()
            .map(|p| domain::patients::record::PhoneInput { number: p.e164.clone(), kind: Some(p.kind.clone()) })
            .collect(),
        email: row.email.clone(),
        preferred_language: Some(row.preferred_language.clone()),
        interpreter_language: row.interpreter_language.clone(),
        contact_times: row.contact_times.clone(),
    }
}

/// Apply an RFC 7396 JSON merge patch to a document.
fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    match (target, patch) {
        (serde_json::Value::Object(t), serde_json::Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(serde_json::Value::Null), v);
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

impl App {
    /// Change some fields of a record (JSON merge patch). `if_version`, when given, must be the version
    /// the client last saw.
    pub async fn patch_patient(
        &self,
        ctx: &Ctx,
        id: Uuid,
        patch: &serde_json::Value,
        if_version: Option<i64>,
        reason: Option<&str>,
    ) -> Result<PatientRecord> {
        if !patch.is_object() {
            return Err(AppError::invalid("body", "Send a JSON object with the fields to change"));
        }
        let (current, _) = self.resolve(id).await?;
        let phones = patient_store::phones_of(self.db(), &[current.id]).await?;
        let mut doc =
            serde_json::to_value(input_of(&current, &phones)).map_err(|e| AppError::Internal(e.to_string()))?;
        merge_patch(&mut doc, patch);
        let input: PatientInput = serde_json::from_value(doc).map_err(|e| {
            let message = e.to_string();
            let field = message.split('`').nth(1).unwrap_or("body").to_owned();
            AppError::invalid(&field, message)
        })?;
        self.update_patient(ctx, current.id, &input, if_version.unwrap_or(current.version), reason, None).await
    }
}

/// One change to a record, for people to read.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub changed_by: String,
    pub changed_at: jiff::Timestamp,
    pub reason: Option<String>,
}

impl App {
    /// A record's history of changes, newest first (clinicians, managers and the guardian).
    pub async fn patient_history(
        &self,
        ctx: &Ctx,
        id: Uuid,
        break_glass_reason: Option<&str>,
    ) -> Result<(PatientRecord, Vec<HistoryEntry>)> {
        let who = actor(ctx)?;
        let (row, _) = self.resolve(id).await?;
        let access = Access::patient(
            Action::ViewPatientHistory,
            default_purpose(who.role),
            super::relationship(who, &row),
            row.id,
            "patient_history",
            break_glass_reason,
        );
        let grant = self.authorize(ctx, access).await?;
        let break_glass = grant.decision.is_break_glass();
        let parts = self.record_parts(ctx, &row).await?;
        let mut tx = self.db().begin().await?;
        let phones = patient_store::phones_of(&mut tx, &[row.id]).await?;
        let rows = patient_store::history(&mut tx, row.id).await?;
        let names = crate::governance::audit::staff_names(&mut tx).await?;
        grant.record(&mut tx).await?;
        tx.commit().await?;
        let entries = rows
            .into_iter()
            .map(|h| HistoryEntry {
                field: h.field,
                old_value: h.old_value,
                new_value: h.new_value,
                changed_by: h.changed_by.and_then(|u| names.get(&u).cloned()).unwrap_or_else(|| "system".into()),
                changed_at: h.changed_at.0,
                reason: h.reason,
            })
            .collect();
        let record = parts.into_record(row, phones, None, break_glass);
        Ok((record, entries))
    }
}
