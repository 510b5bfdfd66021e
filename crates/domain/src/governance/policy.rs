//! The one access policy. Every route and use-case asks [`decide`] before it touches data; nothing else
//! in Carefront grants or refuses access. The decision carries a reason that is written to the audit log.
//!
//! Three questions, in order (Caldicott principles 1, 3 and 4):
//! 1. may this role ever do this action (the role table)?
//! 2. for patient data: does the actor have a legitimate relationship with this patient, or has a
//!    clinician broken the glass with a reason?
//! 3. is the stated purpose one this role may use for this action?

use super::role::Role;
use serde::{Deserialize, Serialize};

/// What the actor wants to do. Named in the field's words; grouped by capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    // governance
    ManageUsers,
    ManageApiTokens,
    ViewAuditLog,
    ReviewBreakGlass,
    // patients
    SearchPatients,
    ViewPatient,
    RegisterPatient,
    EditPatient,
    ViewPatientHistory,
    ViewRestrictedAlerts,
    EditRestrictedAlerts,
    MergePatients,
    // scheduling
    ViewDayList,
    BookAppointment,
    Overbook,
    ManageRotas,
    // messaging
    ViewOutbox,
    EditTemplates,
    // voice
    ManageComplaints,
    // reports
    ViewReports,
}

impl Action {
    pub const ALL: [Action; 20] = [
        Action::ManageUsers,
        Action::ManageApiTokens,
        Action::ViewAuditLog,
        Action::ReviewBreakGlass,
        Action::SearchPatients,
        Action::ViewPatient,
        Action::RegisterPatient,
        Action::EditPatient,
        Action::ViewPatientHistory,
        Action::ViewRestrictedAlerts,
        Action::EditRestrictedAlerts,
        Action::MergePatients,
        Action::ViewDayList,
        Action::BookAppointment,
        Action::Overbook,
        Action::ManageRotas,
        Action::ViewOutbox,
        Action::EditTemplates,
        Action::ManageComplaints,
        Action::ViewReports,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::ManageUsers => "manage_users",
            Action::ManageApiTokens => "manage_api_tokens",
            Action::ViewAuditLog => "view_audit_log",
            Action::ReviewBreakGlass => "review_break_glass",
            Action::SearchPatients => "search_patients",
            Action::ViewPatient => "view_patient",
            Action::RegisterPatient => "register_patient",
            Action::EditPatient => "edit_patient",
            Action::ViewPatientHistory => "view_patient_history",
            Action::ViewRestrictedAlerts => "view_restricted_alerts",
            Action::EditRestrictedAlerts => "edit_restricted_alerts",
            Action::MergePatients => "merge_patients",
            Action::ViewDayList => "view_day_list",
            Action::BookAppointment => "book_appointment",
            Action::Overbook => "overbook",
            Action::ManageRotas => "manage_rotas",
            Action::ViewOutbox => "view_outbox",
            Action::EditTemplates => "edit_templates",
            Action::ManageComplaints => "manage_complaints",
            Action::ViewReports => "view_reports",
        }
    }

    /// Actions on one identified patient's data, which need a relationship with that patient.
    pub fn concerns_one_patient(self) -> bool {
        matches!(
            self,
            Action::ViewPatient
                | Action::EditPatient
                | Action::ViewPatientHistory
                | Action::ViewRestrictedAlerts
                | Action::EditRestrictedAlerts
                | Action::BookAppointment
        )
    }
}

/// How the actor stands to the patient whose data is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    /// The action is not about one patient (a search, a report, a setting).
    NotApplicable,
    /// No known relationship.
    None,
    /// The patient is registered with (or being seen by) this organisation: reception and management
    /// work on their record as part of running the practice.
    Registered,
    /// The actor is in the patient's care team: an appointment, referral or waiting-list entry with them.
    CareTeam,
    /// The actor is the patient.
    Own,
    /// The actor is a proxy the patient has consented to, with the right to act for them.
    Proxy,
}

/// Why the data is wanted (Caldicott principle 1: justify the purpose). Recorded on every audit event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    DirectCare,
    Administration,
    ComplaintHandling,
    Audit,
    SystemAdministration,
    PatientRequest,
}

impl Purpose {
    pub const ALL: [Purpose; 6] = [
        Purpose::DirectCare,
        Purpose::Administration,
        Purpose::ComplaintHandling,
        Purpose::Audit,
        Purpose::SystemAdministration,
        Purpose::PatientRequest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::DirectCare => "direct_care",
            Purpose::Administration => "administration",
            Purpose::ComplaintHandling => "complaint_handling",
            Purpose::Audit => "audit",
            Purpose::SystemAdministration => "system_administration",
            Purpose::PatientRequest => "patient_request",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Purpose::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// One question put to the policy.
#[derive(Debug, Clone, Copy)]
pub struct AccessRequest<'a> {
    pub role: Role,
    pub action: Action,
    pub relationship: Relationship,
    pub purpose: Purpose,
    /// A clinician's reason for opening a record outside their care relationship.
    pub break_glass_reason: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow { reason: &'static str, break_glass: bool },
    Deny { reason: &'static str },
}

impl Decision {
    pub fn is_allowed(self) -> bool {
        matches!(self, Decision::Allow { .. })
    }

    pub fn reason(self) -> &'static str {
        match self {
            Decision::Allow { reason, .. } | Decision::Deny { reason } => reason,
        }
    }

    pub fn is_break_glass(self) -> bool {
        matches!(self, Decision::Allow { break_glass: true, .. })
    }
}

/// Question 1: may this role ever do this action?
pub fn role_may(role: Role, action: Action) -> bool {
    use Action::*;
    use Role::*;
    match action {
        ManageUsers | ManageApiTokens => role == Admin,
        ViewAuditLog => matches!(role, CaldicottGuardian | Admin),
        ReviewBreakGlass => role == CaldicottGuardian,
        SearchPatients => {
            matches!(role, Receptionist | Clinician | PracticeManager | ComplaintsLead | CaldicottGuardian)
        }
        ViewPatient => {
            matches!(role, Receptionist | Clinician | PracticeManager | ComplaintsLead | CaldicottGuardian | Patient)
        }
        RegisterPatient | EditPatient => matches!(role, Receptionist | Clinician | PracticeManager),
        ViewPatientHistory => matches!(role, Clinician | PracticeManager | CaldicottGuardian),
        ViewRestrictedAlerts | EditRestrictedAlerts => matches!(role, Clinician | PracticeManager),
        MergePatients => role == PracticeManager,
        ViewDayList => matches!(role, Receptionist | Clinician | PracticeManager),
        BookAppointment => matches!(role, Receptionist | Clinician | PracticeManager | Patient),
        Overbook => matches!(role, Clinician | PracticeManager),
        ManageRotas | EditTemplates => role == PracticeManager,
        ViewOutbox => matches!(role, Receptionist | PracticeManager | Admin),
        ManageComplaints => role == ComplaintsLead,
        ViewReports => matches!(role, PracticeManager | ComplaintsLead | CaldicottGuardian),
    }
}

/// Question 3: the purposes a role may give.
pub fn purpose_fits(role: Role, purpose: Purpose) -> bool {
    use Purpose::*;
    use Role::*;
    match role {
        Receptionist => matches!(purpose, DirectCare | Administration),
        Clinician => matches!(purpose, DirectCare | Administration),
        PracticeManager => matches!(purpose, DirectCare | Administration | ComplaintHandling),
        ComplaintsLead => matches!(purpose, ComplaintHandling | Administration),
        CaldicottGuardian => matches!(purpose, Audit | Administration),
        Admin => matches!(purpose, SystemAdministration),
        Patient => matches!(purpose, PatientRequest),
    }
}

/// The reason given when a clinician has no care relationship and must break the glass to go on.
pub const NEEDS_BREAK_GLASS: &str = "no care relationship: break-glass with a reason is needed";

/// The policy.
pub fn decide(req: &AccessRequest<'_>) -> Decision {
    if !role_may(req.role, req.action) {
        return Decision::Deny { reason: "role does not permit this action" };
    }
    if !purpose_fits(req.role, req.purpose) {
        return Decision::Deny { reason: "purpose is not one this role may use" };
    }
    if !req.action.concerns_one_patient() {
        return Decision::Allow { reason: "role permits this action", break_glass: false };
    }
    relationship_decision(req)
}

/// Question 2, for actions on one patient's data.
fn relationship_decision(req: &AccessRequest<'_>) -> Decision {
    use Relationship as R;
    let allow = |reason| Decision::Allow { reason, break_glass: false };
    match (req.role, req.relationship) {
        (Role::Patient, R::Own) => allow("own record"),
        (Role::Patient, R::Proxy) => allow("consented proxy"),
        (Role::Patient, _) => Decision::Deny { reason: "not this patient's record or proxy" },
        (Role::Clinician, R::CareTeam) => allow("in the patient's care team"),
        (Role::Clinician, _) => match req.break_glass_reason.map(str::trim) {
            Some(reason) if !reason.is_empty() => {
                Decision::Allow { reason: "break-glass with a recorded reason", break_glass: true }
            }
            _ => Decision::Deny { reason: NEEDS_BREAK_GLASS },
        },
        (_, R::Registered | R::CareTeam) => allow("patient of this organisation"),
        (_, R::NotApplicable) => Decision::Deny { reason: "a patient must be named" },
        _ => Decision::Deny { reason: "no legitimate relationship with this patient" },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(role: Role, action: Action, relationship: Relationship, purpose: Purpose) -> Decision {
        decide(&AccessRequest { role, action, relationship, purpose, break_glass_reason: None })
    }

    fn usual_purpose(role: Role) -> Purpose {
        match role {
            Role::Receptionist | Role::Clinician | Role::PracticeManager => Purpose::DirectCare,
            Role::ComplaintsLead => Purpose::ComplaintHandling,
            Role::CaldicottGuardian => Purpose::Audit,
            Role::Admin => Purpose::SystemAdministration,
            Role::Patient => Purpose::PatientRequest,
        }
    }

    fn usual_relationship(role: Role, action: Action) -> Relationship {
        match (action.concerns_one_patient(), role) {
            (false, _) => Relationship::NotApplicable,
            (true, Role::Patient) => Relationship::Own,
            (true, Role::Clinician) => Relationship::CareTeam,
            (true, _) => Relationship::Registered,
        }
    }

    /// The whole role × action table, as a person reviewing the policy would read it. Any change to who
    /// may do what shows up as a change to this table.
    #[test]
    fn policy_table_for_every_role_and_action() {
        let mut table = String::new();
        for action in Action::ALL {
            let row: Vec<&str> = Role::ALL
                .iter()
                .map(|&role| {
                    let d = ask(role, action, usual_relationship(role, action), usual_purpose(role));
                    if d.is_allowed() { "allow" } else { "-" }
                })
                .collect();
            table.push_str(&format!("{:<24}{}\n", action.as_str(), row.join(" ")));
        }
        let expected = "\
manage_users            - - - - - allow -
manage_api_tokens       - - - - - allow -
view_audit_log          - - - - allow allow -
review_break_glass      - - - - allow - -
search_patients         allow allow allow allow allow - -
view_patient            allow allow allow allow allow - allow
register_patient        allow allow allow - - - -
edit_patient            allow allow allow - - - -
view_patient_history    - allow allow - allow - -
view_restricted_alerts  - allow allow - - - -
edit_restricted_alerts  - allow allow - - - -
merge_patients          - - allow - - - -
view_day_list           allow allow allow - - - -
book_appointment        allow allow allow - - - allow
overbook                - allow allow - - - -
manage_rotas            - - allow - - - -
view_outbox             allow - allow - - allow -
edit_templates          - - allow - - - -
manage_complaints       - - - allow - - -
view_reports            - - allow allow allow - -
";
        assert_eq!(table, expected, "columns: {:?}", Role::ALL.map(Role::as_str));
    }

    #[test]
    fn every_denial_and_allowance_has_a_reason() {
        for role in Role::ALL {
            for action in Action::ALL {
                for purpose in Purpose::ALL {
                    let d = ask(role, action, usual_relationship(role, action), purpose);
                    assert!(!d.reason().is_empty());
                }
            }
        }
    }

    #[test]
    fn a_clinician_outside_the_care_team_needs_to_break_the_glass() {
        let mut req = AccessRequest {
            role: Role::Clinician,
            action: Action::ViewPatient,
            relationship: Relationship::Registered,
            purpose: Purpose::DirectCare,
            break_glass_reason: None,
        };
        assert!(!decide(&req).is_allowed());
        req.break_glass_reason = Some("   ");
        assert!(!decide(&req).is_allowed(), "a blank reason is no reason");
        req.break_glass_reason = Some("Patient collapsed in waiting room");
        let d = decide(&req);
        assert!(d.is_allowed() && d.is_break_glass());
    }

    #[test]
    fn only_clinicians_can_break_the_glass() {
        let req = AccessRequest {
            role: Role::Receptionist,
            action: Action::ViewPatient,
            relationship: Relationship::None,
            purpose: Purpose::Administration,
            break_glass_reason: Some("curious"),
        };
        assert!(!decide(&req).is_allowed());
    }

    #[test]
    fn a_wrong_purpose_is_refused_even_with_the_right_role() {
        let d = ask(Role::Receptionist, Action::ViewPatient, Relationship::Registered, Purpose::Audit);
        assert_eq!(d, Decision::Deny { reason: "purpose is not one this role may use" });
    }

    #[test]
    fn patients_see_only_their_own_record_or_one_they_are_proxy_for() {
        let own = ask(Role::Patient, Action::ViewPatient, Relationship::Own, Purpose::PatientRequest);
        let proxy = ask(Role::Patient, Action::ViewPatient, Relationship::Proxy, Purpose::PatientRequest);
        let other = ask(Role::Patient, Action::ViewPatient, Relationship::Registered, Purpose::PatientRequest);
        assert!(own.is_allowed() && proxy.is_allowed() && !other.is_allowed());
    }
}
