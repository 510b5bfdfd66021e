//! The patient registry's use-cases. Every look at a record and every search is checked by the policy
//! and audited with its purpose; every change keeps the previous value in the record's history.

pub mod import;
pub mod merge;
pub mod parts;
pub(crate) mod record;
pub mod search;

pub use record::{HistoryEntry, PatientRecord, PossibleDuplicate, Registered, input_of};

use crate::{Actor, Ctx};
use domain::governance::{Purpose, Relationship, Role};
use store::patients::PatientRow;

/// The purpose a role acts under when none is given.
pub fn default_purpose(role: Role) -> Purpose {
    match role {
        Role::Clinician => Purpose::DirectCare,
        Role::ComplaintsLead => Purpose::ComplaintHandling,
        Role::CaldicottGuardian => Purpose::Audit,
        Role::Admin => Purpose::SystemAdministration,
        Role::Patient => Purpose::PatientRequest,
        Role::Receptionist | Role::PracticeManager => Purpose::Administration,
    }
}

/// How the actor stands to this patient. One organisation runs each Carefront database, so staff have a
/// legitimate relationship with its patients; a clinician's care relationship covers registered and
/// temporary patients, and anyone else's record needs the glass broken.
pub fn relationship(actor: &Actor, p: &PatientRow) -> Relationship {
    match actor.role {
        Role::Clinician if matches!(p.registration_status.as_str(), "registered" | "temporary") => {
            Relationship::CareTeam
        }
        Role::Clinician => Relationship::Registered,
        // A message link, or a text from the record's own mobile number, proves the holder is the patient.
        Role::Patient
            if matches!(actor.via, crate::context::Via::MessageLink | crate::context::Via::SmsReply)
                && actor.user_id == p.id =>
        {
            Relationship::Own
        }
        Role::Patient => Relationship::None,
        _ => Relationship::Registered,
    }
}

pub(crate) fn actor(ctx: &Ctx) -> crate::Result<&Actor> {
    ctx.actor.as_ref().ok_or(crate::AppError::Unauthenticated)
}

/// Date of birth and the day to count age to (date of death, or today), for a record.
pub fn age_span(p: &PatientRow) -> Option<(jiff::civil::Date, jiff::civil::Date)> {
    let born = p.date_of_birth.parse().ok()?;
    let until = p.date_of_death.as_deref().and_then(|d| d.parse().ok()).unwrap_or_else(today);
    Some((born, until))
}

/// Today in the UK, for date-of-birth checks.
pub fn today() -> jiff::civil::Date {
    jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::get("Europe/London").unwrap_or(jiff::tz::TimeZone::UTC)).date()
}
