//! Staff roles (and the patient role the portal uses). A role is what a person does in the practice;
//! what each role may do is decided only by [`crate::governance::policy::decide`].

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Receptionist,
    Clinician,
    PracticeManager,
    ComplaintsLead,
    CaldicottGuardian,
    Admin,
    Patient,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Receptionist,
        Role::Clinician,
        Role::PracticeManager,
        Role::ComplaintsLead,
        Role::CaldicottGuardian,
        Role::Admin,
        Role::Patient,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Receptionist => "receptionist",
            Role::Clinician => "clinician",
            Role::PracticeManager => "practice_manager",
            Role::ComplaintsLead => "complaints_lead",
            Role::CaldicottGuardian => "caldicott_guardian",
            Role::Admin => "admin",
            Role::Patient => "patient",
        }
    }

    /// How the role is named on pages.
    pub fn label(self) -> &'static str {
        match self {
            Role::Receptionist => "Receptionist",
            Role::Clinician => "Clinician",
            Role::PracticeManager => "Practice manager",
            Role::ComplaintsLead => "Complaints lead",
            Role::CaldicottGuardian => "Caldicott guardian",
            Role::Admin => "Administrator",
            Role::Patient => "Patient",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("Unknown role '{s}'. Choose one of: {}", Role::ALL.map(Role::as_str).join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("superuser".parse::<Role>().unwrap_err().contains("receptionist"));
    }
}
