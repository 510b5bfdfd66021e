//! The patient record's demographic core, as typed by staff or sent by another system, and its validated
//! form. Validation reports every bad field at once, with the JSON path of the field as its name.

use super::dates::{check_date_of_birth, parse_date};
use super::{EmailAddress, NhsNumber, PhoneKind, PhoneNumber, Postcode};
use crate::validation::Errors;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

pub const NAME_MAX: usize = 100;
pub const TEXT_MAX: usize = 500;

/// FHIR administrative gender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
    Other,
    Unknown,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
            Gender::Other => "other",
            Gender::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim().to_lowercase().as_str() {
            "male" => Ok(Gender::Male),
            "female" => Ok(Gender::Female),
            "other" => Ok(Gender::Other),
            "unknown" | "" => Ok(Gender::Unknown),
            _ => Err("Gender must be male, female, other or unknown".into()),
        }
    }
}

/// Registration with the practice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    Registered,
    Temporary,
    Deregistered,
    Deceased,
}

impl RegistrationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationStatus::Registered => "registered",
            RegistrationStatus::Temporary => "temporary",
            RegistrationStatus::Deregistered => "deregistered",
            RegistrationStatus::Deceased => "deceased",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim() {
            "registered" | "" => Ok(RegistrationStatus::Registered),
            "temporary" => Ok(RegistrationStatus::Temporary),
            "deregistered" => Ok(RegistrationStatus::Deregistered),
            "deceased" => Ok(RegistrationStatus::Deceased),
            _ => Err("Registration status must be registered, temporary, deregistered or deceased".into()),
        }
    }
}

/// NHS number verification status (UK Core, codes 01–08).
pub const NHS_NUMBER_STATUSES: [(&str, &str); 8] = [
    ("01", "Number present and verified"),
    ("02", "Number present but not traced"),
    ("03", "Trace required"),
    ("04", "Trace attempted - no match or multiple match found"),
    ("05", "Trace needs to be resolved (NHS number or patient detail conflict)"),
    ("06", "Trace in progress"),
    ("07", "Number not present and trace not required"),
    ("08", "Trace postponed (baby under six weeks old)"),
];

/// A phone number as sent.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PhoneInput {
    pub number: String,
    /// `mobile` or `landline`; worked out for UK numbers when left out.
    #[serde(default)]
    pub kind: Option<String>,
}

/// The demographic part of a patient record as sent (strings as typed; everything is checked).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PatientInput {
    /// 10 digits, spaces allowed.
    #[serde(default)]
    pub nhs_number: Option<String>,
    /// UK Core verification status code, `01`–`08`.
    #[serde(default)]
    pub nhs_number_status: Option<String>,
    /// The practice's or hospital's own number (unique in the organisation).
    #[serde(default)]
    pub local_number: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    pub given_names: String,
    pub family_name: String,
    /// What we call the patient in every message and at the desk.
    #[serde(default)]
    pub preferred_name: Option<String>,
    #[serde(default)]
    pub pronouns: Option<String>,
    /// `YYYY-MM-DD` or `DD/MM/YYYY`.
    pub date_of_birth: String,
    /// male, female, other or unknown.
    #[serde(default)]
    pub gender: Option<String>,
    #[serde(default)]
    pub date_of_death: Option<String>,
    #[serde(default)]
    pub registration_status: Option<String>,
    /// When the patient left the list (deregistered); today when left out.
    #[serde(default)]
    pub deregistered_on: Option<String>,
    /// Why the patient left the list, e.g. "moved away".
    #[serde(default)]
    pub deregistered_reason: Option<String>,
    #[serde(default)]
    pub address_lines: Vec<String>,
    #[serde(default)]
    pub town: Option<String>,
    /// A UK postcode (required for UK addresses) …
    #[serde(default)]
    pub postcode: Option<String>,
    /// … or an ISO 3166 country code for an address abroad (default GB).
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub phones: Vec<PhoneInput>,
    #[serde(default)]
    pub email: Option<String>,
    /// BCP 47, e.g. `en`, `cy`, `pl`, `ur`.
    #[serde(default)]
    pub preferred_language: Option<String>,
    /// Language of a spoken-language interpreter, if one is needed (BCP 47).
    #[serde(default)]
    pub interpreter_language: Option<String>,
    /// Free text, e.g. "weekday mornings".
    #[serde(default)]
    pub contact_times: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Phone {
    pub number: PhoneNumber,
    pub kind: PhoneKind,
}

/// A checked, normalised patient record core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientDetails {
    pub nhs_number: Option<NhsNumber>,
    pub nhs_number_status: Option<String>,
    pub local_number: Option<String>,
    pub title: Option<String>,
    pub given_names: String,
    pub family_name: String,
    pub preferred_name: Option<String>,
    pub pronouns: Option<String>,
    pub date_of_birth: Date,
    pub gender: Gender,
    pub date_of_death: Option<Date>,
    pub registration_status: RegistrationStatus,
    pub deregistered_on: Option<Date>,
    pub deregistered_reason: Option<String>,
    pub address_lines: Vec<String>,
    pub town: Option<String>,
    pub postcode: Option<Postcode>,
    /// The postal code of an address outside the UK, as written there.
    pub postcode_abroad: Option<String>,
    pub country: String,
    pub phones: Vec<Phone>,
    pub email: Option<EmailAddress>,
    pub preferred_language: String,
    pub interpreter_language: Option<String>,
    pub contact_times: Option<String>,
}

impl PatientDetails {
    /// The name to use when speaking or writing to the patient.
    pub fn called(&self) -> &str {
        self.preferred_name.as_deref().unwrap_or_else(|| self.given_names.split_whitespace().next().unwrap_or(""))
    }
}

/// Trim a text field; refuse control characters and over-long values. `None` for blank.
pub fn text(value: Option<&str>, max: usize, label: &str) -> Result<Option<String>, String> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else { return Ok(None) };
    if v.chars().count() > max {
        return Err(format!("{label} must be {max} characters or fewer"));
    }
    if v.chars().any(|c| c.is_control() && c != '\n') {
        return Err(format!("{label} must not contain control characters"));
    }
    Ok(Some(v.to_owned()))
}

/// A required name part.
pub fn required_name(value: &str, label: &str) -> Result<String, String> {
    text(Some(value), NAME_MAX, label)?.ok_or_else(|| format!("Enter the {}", label.to_lowercase()))
}

/// A BCP 47 language tag, normalised (`en`, `pt-BR`, `zh-Hant`).
pub fn language_tag(raw: &str) -> Result<String, String> {
    let parts: Vec<&str> = raw.trim().split(['-', '_']).collect();
    let bad = || format!("'{}' is not a language code. Use a code like en, cy, pl, ro or ur", raw.trim());
    let primary = parts
        .first()
        .filter(|p| (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()))
        .ok_or_else(bad)?;
    let mut out = primary.to_ascii_lowercase();
    for sub in &parts[1..] {
        if sub.is_empty() || sub.len() > 8 || !sub.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(bad());
        }
        out.push('-');
        out.push_str(&match sub.len() {
            2 => sub.to_ascii_uppercase(),
            4 => {
                let mut s = sub.to_ascii_lowercase();
                s[..1].make_ascii_uppercase();
                s
            }
            _ => sub.to_ascii_lowercase(),
        });
    }
    Ok(out)
}

fn country(raw: Option<&str>) -> Result<String, String> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok("GB".into()),
        Some(c) if c.len() == 2 && c.chars().all(|ch| ch.is_ascii_alphabetic()) => Ok(c.to_ascii_uppercase()),
        Some(_) => Err("Country must be a 2-letter code, like GB, IE or PL".into()),
    }
}

impl PatientInput {
    /// Check every field against `today`; all problems are reported together.
    pub fn validate(&self, today: Date) -> Result<PatientDetails, crate::Invalid> {
        let mut e = Errors::new();
        let nhs_number = match self.nhs_number.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(n) => e.check("nhs_number", NhsNumber::parse(n)).map(Some).unwrap_or(None),
            None => None,
        };
        let nhs_number_status = match self.nhs_number_status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) if NHS_NUMBER_STATUSES.iter().any(|(c, _)| *c == s) => Some(s.to_owned()),
            Some(_) => {
                e.add("nhs_number_status", "NHS number status must be a code from 01 to 08");
                None
            }
            None => None,
        };
        let local_number = e.check("local_number", text(self.local_number.as_deref(), 50, "Local number")).flatten();
        let title = e.check("title", text(self.title.as_deref(), 30, "Title")).flatten();
        let given_names = e.check("given_names", required_name(&self.given_names, "Given names"));
        let family_name = e.check("family_name", required_name(&self.family_name, "Family name"));
        let preferred_name =
            e.check("preferred_name", text(self.preferred_name.as_deref(), NAME_MAX, "Preferred name")).flatten();
        let pronouns = e.check("pronouns", text(self.pronouns.as_deref(), 30, "Pronouns")).flatten();
        let date_of_birth = if self.date_of_birth.trim().is_empty() {
            e.add("date_of_birth", "Enter a date of birth");
            None
        } else {
            match parse_date(&self.date_of_birth) {
                Some(d) => e.check("date_of_birth", check_date_of_birth(d, today)),
                None => {
                    e.add("date_of_birth", "Date of birth must be a real date, like 27/03/2007 or 2007-03-27");
                    None
                }
            }
        };
        let gender = e.check("gender", Gender::parse(self.gender.as_deref().unwrap_or("")));
        let date_of_death = match self.date_of_death.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(raw) => match parse_date(raw) {
                Some(d) if d > today => {
                    e.add("date_of_death", "Date of death must be today or in the past");
                    None
                }
                Some(d) if date_of_birth.is_some_and(|b| d < b) => {
                    e.add("date_of_death", "Date of death must be on or after the date of birth");
                    None
                }
                Some(d) => Some(d),
                None => {
                    e.add("date_of_death", "Date of death must be a real date");
                    None
                }
            },
            None => None,
        };
        let mut registration_status = e
            .check("registration_status", RegistrationStatus::parse(self.registration_status.as_deref().unwrap_or("")));
        if date_of_death.is_some() {
            registration_status = Some(RegistrationStatus::Deceased);
        } else if registration_status == Some(RegistrationStatus::Deceased) {
            e.add("date_of_death", "Enter the date of death for a patient recorded as deceased");
        }
        let deregistered = registration_status == Some(RegistrationStatus::Deregistered);
        let deregistered_on = match self.deregistered_on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            _ if !deregistered => None,
            Some(raw) => match parse_date(raw) {
                Some(d) if d <= today => Some(d),
                Some(_) => {
                    e.add("deregistered_on", "The date the patient left must be today or in the past");
                    None
                }
                None => {
                    e.add("deregistered_on", "Enter a real date");
                    None
                }
            },
            None => Some(today),
        };
        let deregistered_reason = if deregistered {
            e.check("deregistered_reason", text(self.deregistered_reason.as_deref(), 200, "Reason")).flatten()
        } else {
            None
        };
        if self.address_lines.len() > 5 {
            e.add("address_lines", "Use at most 5 address lines");
        }
        let mut address_lines = Vec::new();
        for (i, line) in self.address_lines.iter().enumerate() {
            if let Some(Some(l)) = e.check(&format!("address_lines[{i}]"), text(Some(line), 100, "Address line")) {
                address_lines.push(l);
            }
        }
        let town = e.check("town", text(self.town.as_deref(), 100, "Town")).flatten();
        let country = e.check("country", country(self.country.as_deref()));
        let (postcode, postcode_abroad) =
            match (self.postcode.as_deref().map(str::trim).filter(|s| !s.is_empty()), country.as_deref()) {
                (Some(p), Some("GB") | None) => (e.check("postcode", Postcode::parse(p)), None),
                (Some(p), Some(_)) => (None, e.check("postcode", text(Some(p), 20, "Postcode")).flatten()),
                (None, _) => (None, None),
            };
        if self.phones.len() > 5 {
            e.add("phones", "Record at most 5 phone numbers");
        }
        let mut phones = Vec::new();
        for (i, p) in self.phones.iter().enumerate() {
            let Some(number) = e.check(&format!("phones[{i}].number"), PhoneNumber::parse(&p.number)) else { continue };
            let detected = number.kind();
            let kind = match p.kind.as_deref().map(str::trim) {
                None | Some("") => detected,
                Some("mobile") if detected == PhoneKind::Landline => {
                    e.add(format!("phones[{i}].kind"), "This is a UK landline number, so it cannot be a mobile");
                    continue;
                }
                Some("mobile") => PhoneKind::Mobile,
                Some("landline") => PhoneKind::Landline,
                Some(_) => {
                    e.add(format!("phones[{i}].kind"), "Phone kind must be mobile or landline");
                    continue;
                }
            };
            phones.push(Phone { number, kind });
        }
        let email = match self.email.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(m) => e.check("email", EmailAddress::parse(m)),
            None => None,
        };
        let preferred_language = match self.preferred_language.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(l) => e.check("preferred_language", language_tag(l)),
            None => Some("en".to_owned()),
        };
        let interpreter_language = match self.interpreter_language.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(l) => e.check("interpreter_language", language_tag(l)),
            None => None,
        };
        let contact_times =
            e.check("contact_times", text(self.contact_times.as_deref(), 200, "Contact times")).flatten();
        e.finish()?;
        Ok(PatientDetails {
            nhs_number,
            nhs_number_status,
            local_number,
            title,
            given_names: given_names.expect("checked"),
            family_name: family_name.expect("checked"),
            preferred_name,
            pronouns,
            date_of_birth: date_of_birth.expect("checked"),
            gender: gender.expect("checked"),
            date_of_death,
            registration_status: registration_status.expect("checked"),
            deregistered_on,
            deregistered_reason,
            address_lines,
            town,
            postcode,
            postcode_abroad,
            country: country.expect("checked"),
            phones,
            email,
            preferred_language: preferred_language.expect("checked"),
            interpreter_language,
            contact_times,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const TODAY: Date = date(2026, 11, 22);

    fn zoe() -> PatientInput {
        PatientInput {
            nhs_number: Some("943 476 5919".into()),
            given_names: " Zoë ".into(),
            family_name: "O'Brien".into(),
            preferred_name: Some("Zo".into()),
            date_of_birth: "01/02/1980".into(),
            gender: Some("female".into()),
            address_lines: vec!["1 High Street".into()],
            town: Some("Bristol".into()),
            postcode: Some("bs1 4dj".into()),
            phones: vec![
                PhoneInput { number: "07700 900123".into(), kind: None },
                PhoneInput { number: "0117 496 0000".into(), kind: None },
            ],
            email: Some("zoe@example.com".into()),
            preferred_language: Some("PL".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_record_is_normalised() {
        let d = zoe().validate(TODAY).unwrap();
        assert_eq!(d.given_names, "Zoë");
        assert_eq!(d.called(), "Zo");
        assert_eq!(d.postcode.unwrap().as_str(), "BS1 4DJ");
        assert_eq!(d.phones[0].kind, PhoneKind::Mobile);
        assert_eq!(d.phones[1].kind, PhoneKind::Landline);
        assert_eq!(d.preferred_language, "pl");
        assert_eq!(d.registration_status, RegistrationStatus::Registered);
        assert_eq!(d.country, "GB");
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let bad = PatientInput {
            nhs_number: Some("943 476 5918".into()),
            given_names: "   ".into(),
            family_name: "x".repeat(10_000),
            date_of_birth: "30/02/1980".into(),
            postcode: Some("NOT A CODE".into()),
            phones: vec![
                PhoneInput { number: "12".into(), kind: None },
                PhoneInput { number: "020 7946 0000".into(), kind: Some("mobile".into()) },
            ],
            email: Some("zoe@".into()),
            preferred_language: Some("english please".into()),
            ..Default::default()
        };
        let err = bad.validate(TODAY).unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "nhs_number",
                "given_names",
                "family_name",
                "date_of_birth",
                "postcode",
                "phones[0].number",
                "phones[1].kind",
                "email",
                "preferred_language"
            ]
        );
    }

    #[test]
    fn dates_of_birth_and_death_are_checked_together() {
        let mut p = zoe();
        p.date_of_birth = "2027-01-01".into();
        assert_eq!(p.validate(TODAY).unwrap_err().0[0].field, "date_of_birth");
        p.date_of_birth = "1800-01-01".into();
        assert!(p.validate(TODAY).unwrap_err().0[0].message.contains("130 years"));
        let mut p = zoe();
        p.date_of_death = Some("1970-01-01".into());
        assert_eq!(p.validate(TODAY).unwrap_err().0[0].field, "date_of_death");
        p.date_of_death = Some("2026-11-01".into());
        assert_eq!(p.validate(TODAY).unwrap().registration_status, RegistrationStatus::Deceased);
        let mut p = zoe();
        p.registration_status = Some("deceased".into());
        assert_eq!(p.validate(TODAY).unwrap_err().0[0].field, "date_of_death");
    }

    #[test]
    fn addresses_abroad_need_no_uk_postcode() {
        let mut p = zoe();
        p.country = Some("pl".into());
        p.postcode = Some("00-950".into());
        let d = p.validate(TODAY).unwrap();
        assert_eq!((d.country.as_str(), d.postcode, d.postcode_abroad.as_deref()), ("PL", None, Some("00-950")));
    }

    #[test]
    fn language_tags() {
        assert_eq!(language_tag("pt_br").unwrap(), "pt-BR");
        assert_eq!(language_tag("zh-hant").unwrap(), "zh-Hant");
        assert_eq!(language_tag("CY").unwrap(), "cy");
        assert!(language_tag("welsh").is_err());
        assert!(language_tag("e").is_err());
    }

    #[test]
    fn html_is_kept_as_text() {
        let mut p = zoe();
        p.family_name = "<script>alert(1)</script>".into();
        assert_eq!(p.validate(TODAY).unwrap().family_name, "<script>alert(1)</script>");
    }
}
