//! Synthetic patients for the demo practice: diverse names, NHS numbers only from the never-issued 999
//! range, well-formed postcodes near the two sites, about 5% with communication needs, about 8% preferring
//! a language other than English, some carers and proxies, a few deceased and deregistered. Deterministic,
//! so every demo looks the same.

use crate::patients::record::row_for_import;
use crate::{App, Result};
use domain::patients::ais::CATALOGUE;
use domain::patients::nhs_number::check_digit;
use domain::patients::record::{PatientInput, PhoneInput};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use store::Ts;
use store::patients as patient_store;

const GIVEN_F: &[&str] = &[
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Mia",
    "Sophia",
    "Grace",
    "Zoë",
    "Siân",
    "Carys",
    "Ffion",
    "Megan",
    "Aisha",
    "Fatima",
    "Maryam",
    "Zainab",
    "Priya",
    "Ananya",
    "Agnieszka",
    "Zofia",
    "Ioana",
    "Elena",
    "Amina",
    "Hodan",
    "Chiamaka",
    "Ngozi",
    "Mei",
    "Xiu",
    "Linh",
    "Thảo",
    "Saoirse",
    "Niamh",
    "Eilidh",
    "Margaret",
    "Joan",
    "Patricia",
    "Hannah",
    "Leila",
];
const GIVEN_M: &[&str] = &[
    "Oliver", "George", "Noah", "Arthur", "Harry", "Leo", "Jack", "Dafydd", "Rhys", "Gareth", "Iwan", "Mohammed",
    "Ali", "Omar", "Yusuf", "Arjun", "Rohan", "Piotr", "Jakub", "Andrei", "Mihai", "Abdi", "Chidi", "Emeka", "Tunde",
    "Wei", "Jun", "Minh", "Duc", "Seán", "Ciarán", "Callum", "Peter", "David", "John", "Brian", "Kwame", "Tomasz",
];
const FAMILY: &[&str] = &[
    "Smith",
    "Jones",
    "Williams",
    "Taylor",
    "Brown",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Roberts",
    "Johnson",
    "Lewis",
    "Walker",
    "Robinson",
    "Wood",
    "Thompson",
    "White",
    "Hughes",
    "Edwards",
    "Green",
    "Hall",
    "Wright",
    "Morgan",
    "Price",
    "O'Brien",
    "O'Connor",
    "McDonald",
    "Smith-Jones",
    "Khan",
    "Ahmed",
    "Hussain",
    "Begum",
    "Patel",
    "Shah",
    "Singh",
    "Kaur",
    "Nowak",
    "Kowalski",
    "Wiśniewska",
    "Popescu",
    "Ionescu",
    "Mohamed",
    "Abdullahi",
    "Okafor",
    "Adeyemi",
    "Nwosu",
    "Nguyễn",
    "Trần",
    "Chen",
    "Wang",
    "Li",
    "Murphy",
    "Kelly",
    "MacLeod",
    "ʻAkana",
    "Ó Súilleabháin",
];
const STREETS: &[&str] = &[
    "High Street",
    "Station Road",
    "Church Lane",
    "Mill Lane",
    "Victoria Road",
    "Heol y Bont",
    "Park Avenue",
    "Queen Street",
];
const BRISTOL: &[&str] = &["BS1", "BS2", "BS3", "BS4", "BS5", "BS6", "BS7", "BS8", "BS13", "BS16"];
const CARDIFF: &[&str] = &["CF10", "CF11", "CF14", "CF23", "CF24"];
const OTHER_LANGUAGES: &[&str] = &["pl", "ro", "ur", "cy", "bn", "so", "pa", "ar", "pt", "lt"];
const INWARD_LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";

/// The next valid NHS number in the 999 test range after `*counter` (sequential, so never repeated).
fn test_nhs_number(counter: &mut u32) -> String {
    loop {
        *counter += 1;
        let six = format!("{:06}", *counter % 1_000_000);
        let mut d = [9u8, 9, 9, 0, 0, 0, 0, 0, 0];
        for (x, c) in d.iter_mut().skip(3).zip(six.bytes()) {
            *x = c - b'0';
        }
        if let Some(c) = check_digit(&d) {
            return d.iter().chain(std::iter::once(&c)).map(|x| char::from(b'0' + x)).collect();
        }
    }
}

fn pick<'a>(rng: &mut StdRng, xs: &[&'a str]) -> &'a str {
    xs[rng.random_range(0..xs.len())]
}

/// The demo's synthetic patient details, `count` of them.
pub fn synthetic_patients(count: usize) -> Vec<(PatientInput, Extras)> {
    let mut rng = StdRng::seed_from_u64(20261122);
    let mut nhs_counter = 400_000u32;
    let today = crate::patients::today();
    (0..count)
        .map(|i| {
            let female = rng.random_bool(0.52);
            let given = pick(&mut rng, if female { GIVEN_F } else { GIVEN_M });
            let middle = rng.random_bool(0.3).then(|| pick(&mut rng, if female { GIVEN_F } else { GIVEN_M }));
            let family = pick(&mut rng, FAMILY);
            let age_days = rng.random_range(0..(95 * 365));
            let dob = today.checked_sub(jiff::Span::new().days(age_days)).unwrap_or(today);
            let welsh = rng.random_bool(0.35);
            let outward = pick(&mut rng, if welsh { CARDIFF } else { BRISTOL });
            let inward = format!(
                "{}{}{}",
                rng.random_range(0..10),
                char::from(INWARD_LETTERS[rng.random_range(0..INWARD_LETTERS.len())]),
                char::from(INWARD_LETTERS[rng.random_range(0..INWARD_LETTERS.len())])
            );
            let deceased = i % 97 == 13;
            let deregistered = i % 83 == 7 && !deceased;
            // About 8% prefer a language other than English (Welsh near the Welsh site).
            let language = match (rng.random_bool(0.08), welsh) {
                (true, true) => "cy",
                (true, false) => pick(&mut rng, OTHER_LANGUAGES),
                (false, _) => "en",
            };
            let input = PatientInput {
                nhs_number: rng.random_bool(0.95).then(|| test_nhs_number(&mut nhs_counter)),
                nhs_number_status: Some("01".into()),
                local_number: Some(format!("RHP{:06}", i + 1)),
                title: None,
                given_names: match middle {
                    Some(m) if m != given => format!("{given} {m}"),
                    _ => given.to_owned(),
                },
                family_name: family.to_owned(),
                // Some people go by their middle name.
                preferred_name: middle.filter(|m| *m != given && rng.random_bool(0.3)).map(str::to_owned),
                pronouns: None,
                date_of_birth: dob.to_string(),
                gender: Some(if female { "female" } else { "male" }.into()),
                date_of_death: deceased.then(|| {
                    today
                        .checked_sub(jiff::Span::new().days(rng.random_range(1..400)))
                        .unwrap_or(today)
                        .max(dob)
                        .to_string()
                }),
                registration_status: Some(if deregistered { "deregistered" } else { "registered" }.into()),
                deregistered_on: deregistered.then(|| {
                    today
                        .checked_sub(jiff::Span::new().days(rng.random_range(30..1500)))
                        .unwrap_or(today)
                        .max(dob)
                        .to_string()
                }),
                deregistered_reason: deregistered.then(|| "Moved away".into()),
                address_lines: vec![format!("{} {}", rng.random_range(1..200), pick(&mut rng, STREETS))],
                town: Some(if welsh { "Cardiff" } else { "Bristol" }.into()),
                postcode: Some(format!("{outward} {inward}")),
                country: None,
                phones: if rng.random_bool(0.85) {
                    vec![PhoneInput { number: format!("07700 9{:05}", i), kind: None }]
                } else {
                    vec![PhoneInput { number: format!("0117 496 {:04}", i % 10_000), kind: None }]
                },
                email: rng.random_bool(0.5).then(|| format!("patient{}@example.com", i + 1)),
                preferred_language: Some(language.into()),
                interpreter_language: (language != "en" && language != "cy" && rng.random_bool(0.5))
                    .then(|| language.into()),
                contact_times: None,
            };
            let needs =
                if rng.random_bool(0.05) { vec![CATALOGUE[rng.random_range(0..CATALOGUE.len())].code] } else { vec![] };
            // The first demo patient reads Braille, so the demo's outbox has a task for staff (`seed_demo`).
            let needs = if i == 0 { vec![BRAILLE_GRADE_2] } else { needs };
            let carer = (i % 31 == 5).then(|| {
                (
                    format!("{} {}", pick(&mut rng, GIVEN_F), family),
                    if rng.random_bool(0.5) { "carer" } else { "parent" },
                    rng.random_bool(0.6),
                )
            });
            (input, Extras { needs, carer })
        })
        .collect()
}

/// "Requires information in Braille grade 2" (AIS).
pub const BRAILLE_GRADE_2: &str = "936661000000109";

/// Extra demo facts about one patient.
pub struct Extras {
    pub needs: Vec<&'static str>,
    /// (name, relationship, consented proxy)
    pub carer: Option<(String, &'static str, bool)>,
}

/// What the rest of the demo (appointments, waiting list) needs to know about a seeded patient.
#[derive(Debug, Clone)]
pub struct DemoPatient {
    pub id: uuid::Uuid,
    /// Lives near the Welsh site.
    pub welsh: bool,
    pub age_years: i16,
    /// Alive and registered, so can be booked.
    pub bookable: bool,
    pub interpreter_language: Option<String>,
    /// Needs a double-length appointment (an interpreter or the AIS "longer appointment" need).
    pub longer: bool,
}

impl App {
    /// Add the synthetic patients in one transaction (the demo is seeded once, on an empty database).
    pub async fn seed_demo_patients(&self, organisation_id: uuid::Uuid, count: usize) -> Result<Vec<DemoPatient>> {
        let now = Ts(domain::time::now());
        let today = crate::patients::today();
        let mut tx = self.db().begin().await?;
        let mut added = Vec::with_capacity(count);
        for (input, extras) in synthetic_patients(count) {
            let details = input.validate(today)?;
            let (row, phones) = row_for_import(&details, domain::new_id(), organisation_id, now);
            let longer = domain::scheduling::booking::LengthNeeds::from_record(
                extras.needs.iter().copied(),
                row.interpreter_language.as_deref(),
            )
            .multiplier()
                > 1;
            added.push(DemoPatient {
                id: row.id,
                welsh: row.town.as_deref() == Some("Cardiff"),
                age_years: details.date_of_birth.until(today).map(|s| (s.get_days() / 365) as i16).unwrap_or(0),
                bookable: row.date_of_death.is_none() && row.registration_status == "registered",
                interpreter_language: row.interpreter_language.clone(),
                longer,
            });
            patient_store::insert(&mut tx, &row).await?;
            patient_store::replace_phones(&mut tx, row.id, &phones).await?;
            patient_store::name_index::reindex_record(&mut tx, &row).await?;
            for code in extras.needs {
                let kind = domain::patients::ais::need(code).map_err(crate::AppError::Internal)?;
                patient_store::add_need(&mut tx, row.id, code, &format!("{:?}", kind.category), None, None, now)
                    .await?;
            }
            if let Some((name, relationship, proxy)) = extras.carer {
                patient_store::add_related_person(
                    &mut tx,
                    &patient_store::RelatedPersonRow {
                        id: domain::new_id(),
                        patient_id: row.id,
                        name,
                        relationship: relationship.into(),
                        phone: Some("07700 900999".into()),
                        email: None,
                        may_book: proxy,
                        may_receive_messages: proxy,
                        consent_recorded_at: proxy.then_some(now),
                        consent_source: proxy.then(|| "patient, at the desk".into()),
                        valid_from: None,
                        valid_to: None,
                        created_at: now,
                    },
                )
                .await?;
            }
        }
        let mut e = crate::governance::access::entry(
            &crate::Ctx::command_line(),
            "seed_demo_patients",
            "patient",
            None,
            domain::governance::audit::Outcome::Allowed,
        );
        e.reason = Some(format!("{} synthetic patients added for the demo", added.len()));
        store::governance::audit::append(&mut tx, e).await?;
        tx.commit().await?;
        Ok(added)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_patients_are_valid_and_varied() {
        let today = crate::patients::today();
        let people = synthetic_patients(2000);
        let mut nhs = std::collections::HashSet::new();
        let mut other_language = 0;
        let mut with_needs = 0;
        for (p, extras) in &people {
            let d = p.validate(today).unwrap_or_else(|e| panic!("{p:?}: {e}"));
            if let Some(n) = d.nhs_number {
                assert!(n.is_test_number(), "only the 999 test range");
                assert!(nhs.insert(n), "NHS numbers are unique");
            }
            other_language += usize::from(d.preferred_language != "en");
            with_needs += usize::from(!extras.needs.is_empty());
        }
        assert!((100..250).contains(&other_language), "about 8% prefer another language: {other_language}");
        assert!((60..160).contains(&with_needs), "about 5% have needs: {with_needs}");
        assert!(people.iter().any(|(p, _)| p.date_of_death.is_some()));
        assert!(people.iter().any(|(p, _)| p.registration_status.as_deref() == Some("deregistered")));
    }
}
