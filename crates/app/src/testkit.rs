//! Load for the messaging benchmark and the outbox crash test (feature `testkit`; not part of the
//! product): a practice written straight to the store in bulk, with many reminders due at once, and the
//! tally of what the sinks received against what was due.
//!
//! The practice: one organisation and site (Europe/London, with a phone number), `practitioners`
//! clinicians, one 10-minute GP service, `patients` patients and two future appointments each (weekdays
//! 09:00–17:00 from three days ahead, never overlapping), and one reminder per appointment, due now. The
//! patients are a mix: 35 % email only, 25 % a mobile only, 40 % both (of those, 30 % prefer email, 8 %
//! opted out of texts, the rest prefer texts or said nothing, which means texts first); 84 % English,
//! 4 % each Welsh, Polish, Urdu and Romanian; 3 % need easy read, 2 % large print. So every reminder goes
//! to exactly one sink (SMTP or the SMS provider), in its language and format, and the tally counts each
//! job's arrivals wherever they land.

use crate::Result;
use crate::messaging::email::message_id;
use domain::messaging::Kind;
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use store::organisation::{OrganisationRow, SiteRow};
use store::patients::{ContactPreferenceRow, PatientRow, PhoneRow};
use store::scheduling::{AppointmentRow, OutboxRow, PractitionerRow, ServiceRow};
use store::{Db, Ts};

/// The sender the load's email is checked against (`--mail-from`).
pub const MAIL_FROM: &str = "Riverside Surgery <reception@riverside.example>";

/// How much to load.
#[derive(Debug, Clone)]
pub struct DueReminders {
    pub patients: usize,
    /// Reminders due now (one per appointment; appointments are spread over the patients).
    pub reminders: usize,
    pub seed: u64,
}

/// What was loaded.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The dedupe key of every reminder (the SMS reference; the email Message-ID is made from it).
    pub keys: Vec<String>,
    pub patients: usize,
    pub practitioners: usize,
    /// Reminders whose patient should be reached by email (the rest by SMS).
    pub by_email: usize,
}

const GIVEN: [&str; 24] = [
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Freya", "Noah", "Oliver", "George", "Arthur", "Muhammad",
    "Leo", "Harry", "Oscar", "Dafydd", "Siân", "Zofia", "Jakub", "Andrei", "Ioana", "Ayesha", "Imran",
];
const FAMILY: [&str; 20] = [
    "Smith", "Jones", "Williams", "Taylor", "Davies", "Evans", "Brown", "Wilson", "Thomas", "Roberts", "Johnson",
    "Lewis", "Walker", "Khan", "Ahmed", "Nowak", "Kowalski", "Popescu", "Hughes", "Patel",
];

/// Write the practice and its due reminders. `now` is when they are due (each a few minutes before).
pub async fn load_due_reminders(db: &Db, spec: &DueReminders, now: Timestamp) -> Result<Loaded> {
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let at = Ts(now);
    let tz = TimeZone::get("Europe/London").map_err(|e| crate::AppError::Internal(e.to_string()))?;
    let org =
        OrganisationRow { id: domain::new_id(), name: "Riverside Surgery".into(), ods_code: None, created_at: at };
    let site = SiteRow {
        id: domain::new_id(),
        organisation_id: org.id,
        name: "Riverside".into(),
        time_zone: "Europe/London".into(),
        bank_holiday_division: "england-and-wales".into(),
        address_lines: "1 High Street".into(),
        town: "Bristol".into(),
        postcode: "BS1 4DJ".into(),
        default_language: "en".into(),
        created_at: at,
    };
    let service = ServiceRow {
        id: domain::new_id(),
        organisation_id: org.id,
        name: "GP appointment".into(),
        description: String::new(),
        duration_minutes: 10,
        buffer_minutes: 0,
        mode: "face_to_face".into(),
        bookable_online: true,
        min_notice_minutes: 0,
        max_days_ahead: 120,
        cancel_cutoff_minutes: 0,
        price_pence: None,
        funding: "nhs".into(),
        room_features: String::new(),
        preparation: "Please bring a list of the medicines you take.".into(),
        aftercare: String::new(),
        reminder_offsets: "168,48".into(),
        active: true,
        created_at: at,
    };
    // 48 ten-minute slots a weekday each; about ten weeks of diaries.
    let practitioners = spec.reminders.div_ceil(48 * 50).max(4);
    let people: Vec<PractitionerRow> = (0..practitioners)
        .map(|i| PractitionerRow {
            id: domain::new_id(),
            organisation_id: org.id,
            user_id: None,
            display_name: format!("Dr {} {}", GIVEN[i % GIVEN.len()], FAMILY[(i * 7) % FAMILY.len()]),
            profession: "GP".into(),
            languages: "en".into(),
            feed_token_hash: None,
            active: true,
            created_at: at,
        })
        .collect();
    let mut tx = db.begin().await?;
    store::organisation::insert_organisation(&mut tx, &org).await?;
    store::organisation::insert_site(&mut tx, &site).await?;
    store::organisation::set_site_phone(&mut tx, site.id, "0117 496 0000").await?;
    store::scheduling::insert_service(&mut tx, &service).await?;
    for p in &people {
        store::scheduling::insert_practitioner(&mut tx, p).await?;
        store::scheduling::link_service(&mut tx, service.id, p.id).await?;
    }
    tx.commit().await?;

    // Patients, their phones, preferences and needs.
    let n = spec.patients.max(1);
    let mut patients = Vec::with_capacity(n);
    let mut phones = Vec::new();
    let mut prefs = Vec::new();
    let mut needs = Vec::new();
    let mut email_first = Vec::with_capacity(n);
    for i in 0..n {
        let given = GIVEN[rng.random_range(0..GIVEN.len())];
        let family = FAMILY[rng.random_range(0..FAMILY.len())];
        let id = domain::new_id();
        let roll: f64 = rng.random();
        let (email, mobile) = match roll {
            r if r < 0.35 => (true, false),
            r if r < 0.60 => (false, true),
            _ => (true, true),
        };
        let language = match rng.random_range(0..100) {
            0..84 => "en",
            84..88 => "cy",
            88..92 => "pl",
            92..96 => "ur",
            _ => "ro",
        };
        let mut by_email = email && !mobile;
        if email && mobile {
            let r: f64 = rng.random();
            let changed = |channel: &str, opted_in: bool, rank: i32| ContactPreferenceRow {
                channel: channel.into(),
                opted_in,
                rank,
                changed_at: at,
                source: "patient, at the desk".into(),
            };
            if r < 0.30 {
                prefs.push((id, changed("email", true, 1)));
                prefs.push((id, changed("sms", true, 2)));
                by_email = true;
            } else if r < 0.38 {
                prefs.push((id, changed("sms", false, 1)));
                by_email = true;
            } else if r < 0.70 {
                prefs.push((id, changed("sms", true, 1)));
            }
            // Otherwise no preference recorded: texts first.
        }
        email_first.push(by_email);
        match rng.random_range(0..100) {
            0..3 => needs.push((id, crate::messaging::choose::needs::EASY_READ)),
            3..5 => needs.push((id, crate::messaging::choose::needs::LARGE_PRINT_20)),
            _ => {}
        }
        if mobile {
            phones.push(PhoneRow {
                patient_id: id,
                position: 0,
                e164: format!("+4477{:08}", 10_000_000 + i % 90_000_000),
                kind: "mobile".into(),
            });
        }
        patients.push(PatientRow {
            id,
            organisation_id: org.id,
            nhs_number: None,
            nhs_number_status: None,
            local_number: Some(format!("RS{:07}", i + 1)),
            title: None,
            given_names: given.into(),
            family_name: family.into(),
            preferred_name: None,
            pronouns: None,
            date_of_birth: format!(
                "{}-{:02}-{:02}",
                1930 + rng.random_range(0..90),
                rng.random_range(1..13),
                rng.random_range(1..29)
            ),
            gender: ["female", "male", "other", "unknown"][rng.random_range(0..4)].into(),
            date_of_death: None,
            registration_status: "registered".into(),
            deregistered_on: None,
            deregistered_reason: None,
            address_lines: format!("{} Mill Lane", 1 + i % 200),
            town: Some("Bristol".into()),
            postcode: Some("BS1 5AA".into()),
            postcode_abroad: None,
            country: "GB".into(),
            // ASCII local parts (an address like siân@… needs SMTPUTF8, which few servers offer).
            email: email.then(|| format!("{}.{}{}@example.org", ascii(given), ascii(family), i)),
            preferred_language: language.into(),
            interpreter_language: None,
            contact_times: None,
            merged_into: None,
            version: 1,
            created_at: at,
            updated_at: at,
        });
    }
    for chunk in patients.chunks(5000) {
        let mut tx = db.begin().await?;
        for rows in chunk.chunks(500) {
            store::patients::insert_batch(&mut tx, rows).await?;
        }
        tx.commit().await?;
    }
    let mut tx = db.begin().await?;
    store::patients::insert_phones_batch(&mut tx, &phones).await?;
    store::patients::insert_contact_preferences_batch(&mut tx, &prefs).await?;
    for (patient, code) in &needs {
        let kind = domain::patients::ais::need(code).map_err(crate::AppError::Internal)?;
        let category = crate::patients::parts::category_code(kind.category);
        store::patients::add_need(&mut tx, *patient, code, category, None, None, at).await?;
    }
    tx.commit().await?;
    // The registry's name index, as an import leaves it (a server would otherwise rebuild it at start).
    store::patients::name_index::rebuild(db, |_| ()).await?;

    // Appointments: weekday slots from three days ahead, practitioner by practitioner in each slot.
    let first_day = now.to_zoned(tz.clone()).date().checked_add(jiff::Span::new().days(3)).unwrap_or(Date::MIN);
    let mut day = first_day;
    let mut slot = 0usize;
    let mut appointments = Vec::with_capacity(spec.reminders);
    let mut jobs = Vec::with_capacity(spec.reminders);
    let mut keys = Vec::with_capacity(spec.reminders);
    let mut by_email = 0;
    for j in 0..spec.reminders {
        let who = j % practitioners;
        if who == 0 && j > 0 {
            slot += 1;
            if slot == 48 {
                slot = 0;
                day = next_weekday(day);
            }
        }
        if j == 0 {
            while matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
                day = day.tomorrow().unwrap_or(day);
            }
        }
        let start = day
            .at(9 + (slot / 6) as i8, ((slot % 6) * 10) as i8, 0, 0)
            .to_zoned(tz.clone())
            .map_err(|e| crate::AppError::Internal(e.to_string()))?
            .timestamp();
        // Patients in a scattered order, each twice.
        let patient = (j.wrapping_mul(7919)) % n;
        let id = domain::new_id();
        appointments.push(AppointmentRow {
            id,
            patient_id: patients[patient].id,
            practitioner_id: people[who].id,
            service_id: service.id,
            site_id: site.id,
            room_id: None,
            starts_at: Ts(start),
            ends_at: Ts(start + SignedDuration::from_mins(10)),
            mode: "face_to_face".into(),
            status: "booked".into(),
            active: true,
            hold_expires_at: None,
            channel: "desk".into(),
            booked_by: None,
            overbooked: false,
            overbook_reason: None,
            interpreter_language: None,
            longer: false,
            cancelled_by: None,
            cancel_reason: None,
            arrived_at: None,
            called_at: None,
            finished_at: None,
            sequence: 0,
            rescheduled_from: None,
            version: 1,
            created_at: at,
            updated_at: at,
        });
        let key = format!("reminder:{id}:48h");
        jobs.push(OutboxRow {
            id: domain::new_id(),
            kind: Kind::Reminder.slug().into(),
            dedupe_key: key.clone(),
            patient_id: Some(patients[patient].id),
            appointment_id: Some(id),
            payload: serde_json::json!({ "starts_at": start.to_string(), "offset": "48h" }).to_string(),
            // Due over the last ten minutes.
            due_at: Ts(now - SignedDuration::from_secs((j % 600) as i64 + 1)),
            state: "queued".into(),
            attempts: 0,
            created_at: at,
        });
        keys.push(key);
        by_email += usize::from(email_first[patient]);
    }
    for (a, o) in appointments.chunks(5000).zip(jobs.chunks(5000)) {
        let mut tx = db.begin().await?;
        store::scheduling::insert_appointments(&mut tx, a).await?;
        store::scheduling::enqueue_many(&mut tx, o).await?;
        tx.commit().await?;
    }
    db.analyze(&[
        "patients",
        "patient_phones",
        "patient_contact_preferences",
        "patient_needs",
        "related_people",
        "appointments",
        "outbox",
        "messages",
    ])
    .await?;
    Ok(Loaded { keys, patients: n, practitioners, by_email })
}

/// Lower case, accents dropped (â → a), anything else left out.
fn ascii(name: &str) -> String {
    name.chars()
        .filter_map(|c| match c {
            'á' | 'â' | 'à' | 'ä' | 'ă' => Some('a'),
            'é' | 'ê' | 'è' | 'ë' => Some('e'),
            'í' | 'î' | 'ì' | 'ï' => Some('i'),
            'ó' | 'ô' | 'ò' | 'ö' => Some('o'),
            'ú' | 'û' | 'ù' | 'ü' | 'ŵ' => Some('u'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

fn next_weekday(d: Date) -> Date {
    let mut next = d.tomorrow().unwrap_or(d);
    while matches!(next.weekday(), Weekday::Saturday | Weekday::Sunday) {
        next = next.tomorrow().unwrap_or(next);
    }
    next
}

/// What the sinks received, against what was due.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub expected: usize,
    /// Jobs that arrived at least once (at either sink).
    pub arrived: usize,
    /// Jobs that never arrived.
    pub lost: usize,
    /// Arrivals beyond the first, summed over jobs (a job sent twice counts 1).
    pub duplicates: usize,
    /// Jobs that arrived more than once.
    pub jobs_duplicated: usize,
    /// Arrivals the load did not ask for.
    pub unexpected: usize,
    pub emails: usize,
    pub texts: usize,
    /// The dedupe keys of the jobs that arrived more than once, and of those lost (for a test's message).
    pub duplicated_keys: Vec<String>,
    pub lost_keys: Vec<String>,
}

/// Count each job's arrivals: an email by its Message-ID (made from the dedupe key and the sender's
/// domain), a text by its reference (the dedupe key).
pub fn tally(keys: &[String], mail_from: &str, email_ids: &[String], sms_references: &[String]) -> Tally {
    let from: lettre::message::Mailbox = mail_from.parse().expect("a valid sender");
    let mut index: HashMap<String, usize> = HashMap::with_capacity(keys.len() * 2);
    for (i, k) in keys.iter().enumerate() {
        index.insert(message_id(k, &from).trim_matches(['<', '>']).to_owned(), i);
    }
    let mut arrivals = vec![0usize; keys.len()];
    let mut unexpected = 0;
    for id in email_ids {
        match index.get(id.as_str()) {
            Some(i) => arrivals[*i] += 1,
            None => unexpected += 1,
        }
    }
    let by_key: HashMap<&str, usize> = keys.iter().enumerate().map(|(i, k)| (k.as_str(), i)).collect();
    for r in sms_references {
        match by_key.get(r.as_str()) {
            Some(i) => arrivals[*i] += 1,
            None => unexpected += 1,
        }
    }
    Tally {
        expected: keys.len(),
        arrived: arrivals.iter().filter(|a| **a > 0).count(),
        lost: arrivals.iter().filter(|a| **a == 0).count(),
        duplicates: arrivals.iter().map(|a| a.saturating_sub(1)).sum(),
        jobs_duplicated: arrivals.iter().filter(|a| **a > 1).count(),
        unexpected,
        emails: email_ids.len(),
        texts: sms_references.len(),
        duplicated_keys: keys.iter().zip(&arrivals).filter(|(_, a)| **a > 1).map(|(k, _)| k.clone()).collect(),
        lost_keys: keys.iter().zip(&arrivals).filter(|(_, a)| **a == 0).map(|(k, _)| k.clone()).collect(),
    }
}
