//! Merging two records of the same person (practice managers). The surviving record takes the values
//! chosen field by field; everything pointing at the merged record moves to the survivor; the merged id
//! stays as an alias that resolves to the survivor. Fully audited and kept in the history.

use super::actor;
use super::record::PatientRecord;
use crate::governance::access::Access;
use crate::{App, AppError, Ctx, Result};
use domain::governance::{Action, Purpose};
use store::Ts;
use store::patients::{self as patient_store, PatientRow};
use uuid::Uuid;

/// Fields (or groups of fields) whose value can be taken from the merged record.
pub const MERGE_FIELDS: [&str; 12] = [
    "nhs_number",
    "local_number",
    "name",
    "preferred_name",
    "date_of_birth",
    "gender",
    "address",
    "phones",
    "email",
    "preferred_language",
    "interpreter_language",
    "registration_status",
];

fn take(survivor: &mut PatientRow, merged: &PatientRow, field: &str) {
    match field {
        "nhs_number" => {
            survivor.nhs_number = merged.nhs_number.clone();
            survivor.nhs_number_status = merged.nhs_number_status.clone();
        }
        "local_number" => survivor.local_number = merged.local_number.clone(),
        "name" => {
            survivor.title = merged.title.clone();
            survivor.given_names = merged.given_names.clone();
            survivor.family_name = merged.family_name.clone();
        }
        "preferred_name" => survivor.preferred_name = merged.preferred_name.clone(),
        "date_of_birth" => survivor.date_of_birth = merged.date_of_birth.clone(),
        "gender" => survivor.gender = merged.gender.clone(),
        "address" => {
            survivor.address_lines = merged.address_lines.clone();
            survivor.town = merged.town.clone();
            survivor.postcode = merged.postcode.clone();
            survivor.postcode_abroad = merged.postcode_abroad.clone();
            survivor.country = merged.country.clone();
        }
        "email" => survivor.email = merged.email.clone(),
        "preferred_language" => survivor.preferred_language = merged.preferred_language.clone(),
        "interpreter_language" => survivor.interpreter_language = merged.interpreter_language.clone(),
        "registration_status" => {
            survivor.registration_status = merged.registration_status.clone();
            survivor.date_of_death = merged.date_of_death.clone();
        }
        _ => {}
    }
}

impl App {
    /// Merge `merged_id` into `survivor_id`, taking the listed fields from the merged record.
    pub async fn merge_patients(
        &self,
        ctx: &Ctx,
        survivor_id: Uuid,
        merged_id: Uuid,
        take_from_merged: &[String],
        reason: Option<&str>,
    ) -> Result<PatientRecord> {
        actor(ctx)?;
        let grant = self
            .authorize(ctx, Access::general(Action::MergePatients, Purpose::Administration, "patient").on(survivor_id))
            .await?;
        let mut errors = domain::validation::Errors::new();
        if survivor_id == merged_id {
            errors.add("merge_from", "A record cannot be merged into itself");
        }
        for f in take_from_merged {
            if !MERGE_FIELDS.contains(&f.as_str()) {
                errors.add(
                    "take_from_merged",
                    format!("'{f}' is not a field that can be merged. Use: {}", MERGE_FIELDS.join(", ")),
                );
            }
        }
        let reason =
            domain::patients::record::text(reason, 500, "Reason").map_err(|m| AppError::invalid("reason", m))?;
        errors.finish()?;
        let survivor =
            patient_store::by_id(self.db(), survivor_id).await?.ok_or(AppError::NotFound { what: "patient" })?;
        let merged =
            patient_store::by_id(self.db(), merged_id).await?.ok_or(AppError::NotFound { what: "patient to merge" })?;
        if survivor.merged_into.is_some() {
            return Err(AppError::Conflict {
                message: "The surviving record has itself been merged into another; merge into that one".into(),
            });
        }
        if merged.merged_into.is_some() {
            return Err(AppError::Conflict { message: "That record has already been merged".into() });
        }
        let now = Ts(domain::time::now());
        let mut updated = survivor.clone();
        for f in take_from_merged {
            take(&mut updated, &merged, f);
        }
        updated.updated_at = now;
        let take_phones = take_from_merged.iter().any(|f| f == "phones");
        let merged_phones = patient_store::phones_of(self.db(), &[merged.id]).await?;

        let mut tx = self.db().begin().await?;
        // Mark the merged record first: it leaves the unique NHS and local number indexes, so the
        // survivor can take its numbers.
        if !patient_store::mark_merged(&mut tx, merged.id, survivor.id, now).await? {
            return Err(AppError::Conflict { message: "That record has already been merged".into() });
        }
        if !patient_store::update(&mut tx, &updated, survivor.version).await? {
            return Err(AppError::Conflict { message: "The surviving record changed while merging; try again".into() });
        }
        patient_store::move_belongings(&mut tx, merged.id, survivor.id).await?;
        if take_phones {
            let phones: Vec<_> = merged_phones
                .into_iter()
                .map(|mut p| {
                    p.patient_id = survivor.id;
                    p
                })
                .collect();
            patient_store::replace_phones(&mut tx, survivor.id, &phones).await?;
        }
        // Both people's names stay findable: whichever name is not kept becomes a previous name.
        let dropped = if take_from_merged.iter().any(|f| f == "name") { &survivor } else { &merged };
        if (dropped.given_names.as_str(), dropped.family_name.as_str())
            != (updated.given_names.as_str(), updated.family_name.as_str())
        {
            patient_store::add_previous_name(&mut tx, survivor.id, &dropped.given_names, &dropped.family_name, now)
                .await?;
        }
        patient_store::name_index::reindex_record(&mut tx, &updated).await?;
        let note = format!(
            "merged record {} into this one; took {}",
            merged.id,
            if take_from_merged.is_empty() { "nothing".to_owned() } else { take_from_merged.join(", ") }
        );
        patient_store::record_history(
            &mut tx,
            survivor.id,
            "merge",
            None,
            Some(&note),
            ctx.actor_id(),
            ctx.operation_id,
            now,
            reason.as_deref(),
        )
        .await?;
        grant.named("merge_patients").about_patient(survivor.id).with_reason(note).record(&mut tx).await?;
        tx.commit().await?;
        self.view_patient(ctx, survivor.id, None, None).await
    }
}
