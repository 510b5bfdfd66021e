//! Accessible Information Standard (DAPB1605) communication and information needs, coded in SNOMED CT
//! (UK edition) as listed in `shared/reference/domain-rules.md` §3.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NeedCategory {
    ContactMethod,
    InformationFormat,
    CommunicationProfessional,
    CommunicationSupport,
    LongerAppointment,
}

impl NeedCategory {
    pub fn label(self) -> &'static str {
        match self {
            NeedCategory::ContactMethod => "Specific contact method",
            NeedCategory::InformationFormat => "Specific information format",
            NeedCategory::CommunicationProfessional => "Communication professional",
            NeedCategory::CommunicationSupport => "Communication support",
            NeedCategory::LongerAppointment => "Longer appointment",
        }
    }
}

/// One need in the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NeedKind {
    pub code: &'static str,
    pub label: &'static str,
    pub category: NeedCategory,
}

/// SNOMED CT system URI, for FHIR codings.
pub const SNOMED: &str = "http://snomed.info/sct";

/// The code for "longer appointment": domain-rules.md lists the category but no SNOMED concept, so a
/// local code is used until a confirmed one replaces it *(check)*.
pub const LONGER_APPOINTMENT: &str = "carefront-longer-appointment";

use NeedCategory::*;

pub const CATALOGUE: &[NeedKind] = &[
    NeedKind {
        code: "204331000000107",
        label: "British Sign Language interpreter needed",
        category: CommunicationProfessional,
    },
    NeedKind { code: "204341000000103", label: "Makaton interpreter needed", category: CommunicationProfessional },
    NeedKind {
        code: "936761000000104",
        label: "Sign Supported English interpreter needed",
        category: CommunicationProfessional,
    },
    NeedKind { code: "945911000000109", label: "Lipspeaker needed", category: CommunicationProfessional },
    NeedKind { code: "966401000000100", label: "Speech-to-text reporter needed", category: CommunicationProfessional },
    NeedKind { code: "719563003", label: "Sighted guide needed", category: CommunicationProfessional },
    NeedKind { code: "225835008", label: "Advocate needed", category: CommunicationProfessional },
    NeedKind { code: "936741000000100", label: "Requires contact by email", category: ContactMethod },
    NeedKind { code: "936721000000107", label: "Requires contact by letter", category: ContactMethod },
    NeedKind { code: "936701000000103", label: "Requires contact by SMS text message", category: ContactMethod },
    NeedKind { code: "795661000000104", label: "Requires contact by telephone", category: ContactMethod },
    NeedKind { code: "796081000000106", label: "Requires contact by text relay", category: ContactMethod },
    NeedKind { code: "719561001", label: "Requires contact via carer", category: ContactMethod },
    NeedKind { code: "796161000000101", label: "Requires easy read information", category: InformationFormat },
    NeedKind { code: "936681000000100", label: "Requires information in Braille grade 1", category: InformationFormat },
    NeedKind { code: "936661000000109", label: "Requires information in Braille grade 2", category: InformationFormat },
    NeedKind { code: "936621000000101", label: "Requires information in Moon", category: InformationFormat },
    NeedKind {
        code: "936601000000105",
        label: "Requires information as electronic audio",
        category: InformationFormat,
    },
    NeedKind { code: "936581000000101", label: "Requires information by email", category: InformationFormat },
    NeedKind { code: "957331000000109", label: "Requires large print, 20 point or more", category: InformationFormat },
    NeedKind { code: "957351000000102", label: "Requires large print, 24 point or more", category: InformationFormat },
    NeedKind { code: "957371000000106", label: "Requires large print, 28 point or more", category: InformationFormat },
    NeedKind { code: "415803005", label: "Uses British Sign Language", category: CommunicationSupport },
    NeedKind { code: "415805003", label: "Uses Makaton", category: CommunicationSupport },
    NeedKind { code: "441092009", label: "Lip reads", category: CommunicationSupport },
    NeedKind { code: LONGER_APPOINTMENT, label: "Needs a longer appointment", category: LongerAppointment },
];

/// The catalogue entry for a code, or an error naming the problem.
pub fn need(code: &str) -> Result<&'static NeedKind, String> {
    let code = code.trim();
    CATALOGUE
        .iter()
        .find(|k| k.code == code)
        .ok_or_else(|| format!("'{code}' is not a communication need code Carefront knows. Choose one from the list"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_every_category_has_needs() {
        let mut codes: Vec<&str> = CATALOGUE.iter().map(|k| k.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), CATALOGUE.len());
        for cat in
            [ContactMethod, InformationFormat, CommunicationProfessional, CommunicationSupport, LongerAppointment]
        {
            assert!(CATALOGUE.iter().any(|k| k.category == cat), "{cat:?}");
        }
        assert!(
            CATALOGUE
                .iter()
                .filter(|k| k.code != LONGER_APPOINTMENT)
                .all(|k| k.code.chars().all(|c| c.is_ascii_digit()))
        );
    }

    #[test]
    fn lookups() {
        assert_eq!(need(" 204331000000107 ").unwrap().category, CommunicationProfessional);
        assert!(need("123").unwrap_err().contains("not a communication need"));
    }
}
