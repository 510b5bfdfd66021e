//! The demo practice: one organisation, two sites (one in England, one in Wales so Welsh is exercised
//! later), one staff user per role with a random password, and an API token for the admin. Passwords are
//! generated per database and only ever printed or written in demo mode.

use crate::governance::users::NewUser;
use crate::{App, Ctx, Result};
use base64::Engine;
use domain::governance::Role;
use rand::RngCore;
use serde::Serialize;
use store::Ts;
use store::organisation::{self, OrganisationRow, SiteRow};

#[derive(Debug, Clone, Serialize)]
pub struct DemoLogin {
    pub role: String,
    pub username: String,
    pub password: String,
}

/// What `demo` prints and writes to `demo-credentials.json`.
#[derive(Debug, Clone, Serialize)]
pub struct DemoCredentials {
    pub staff: Vec<DemoLogin>,
    pub api_token: String,
}

/// How many synthetic patients the demo practice has.
pub const DEMO_PATIENTS: usize = 2_000;

const STAFF: [(Role, &str, &str); 6] = [
    (Role::Receptionist, "reception", "Rosa Reception"),
    (Role::Clinician, "clinician", "Dr Chidi Okafor"),
    (Role::PracticeManager, "manager", "Priya Manager"),
    (Role::ComplaintsLead, "complaints", "Colm Complaints"),
    (Role::CaldicottGuardian, "guardian", "Gwen Guardian"),
    (Role::Admin, "admin", "Alex Admin"),
];

fn random_password() -> String {
    let mut bytes = [0u8; 15];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl App {
    /// Whether the database has no organisation yet (a fresh database `demo` should seed).
    pub async fn is_empty(&self) -> Result<bool> {
        Ok(organisation::first_organisation(self.db()).await?.is_none())
    }

    /// Seed the demo practice. Call only on an empty database.
    pub async fn seed_demo(&self) -> Result<DemoCredentials> {
        let now = Ts(domain::time::now());
        let org = OrganisationRow {
            id: domain::new_id(),
            name: "Riverside Health Partnership".into(),
            ods_code: Some("Y99999".into()),
            created_at: now,
        };
        let sites = [
            // One site in England, one in Wales (so Welsh is exercised); both are in the
            // england-and-wales bank-holiday division.
            // Phone numbers from Ofcom's range kept for drama and demonstrations.
            ("Riverside Surgery", "12 River Street", "Bristol", "BS1 4DJ", "en", "0117 496 0123"),
            ("Meddygfa'r Bont", "3 Heol y Bont", "Cardiff", "CF10 1EP", "cy", "029 2018 0123"),
        ];
        let mut tx = self.db().begin().await?;
        organisation::insert_organisation(&mut tx, &org).await?;
        let mut site_rows = Vec::new();
        for (name, street, town, postcode, lang, phone) in sites {
            let site = SiteRow {
                id: domain::new_id(),
                organisation_id: org.id,
                name: name.into(),
                time_zone: "Europe/London".into(),
                bank_holiday_division: "england-and-wales".into(),
                address_lines: street.into(),
                town: town.into(),
                postcode: postcode.into(),
                default_language: lang.into(),
                created_at: now,
            };
            organisation::insert_site(&mut tx, &site).await?;
            // Messages tell patients how to reach the practice.
            organisation::set_site_phone(&mut tx, site.id, phone).await?;
            site_rows.push(site);
        }
        tx.commit().await?;
        let patients = self.seed_demo_patients(org.id, DEMO_PATIENTS).await?;
        self.seed_demo_scheduling(&site_rows, &patients).await?;
        // A referral has just arrived for the first demo patient, who reads Braille: the outbox worker turns
        // its "referral received" message into a task for staff (arrange it in Braille), so the outbox
        // page has something that needs a person.
        if let Some(first) = patients.first() {
            let mut tx = self.db().begin().await?;
            let job = store::scheduling::OutboxRow {
                id: domain::new_id(),
                kind: "referral-received".into(),
                dedupe_key: format!("referral-received:demo:{}", first.id),
                patient_id: Some(first.id),
                appointment_id: None,
                payload: "{}".into(),
                due_at: now,
                state: "queued".into(),
                attempts: 0,
                created_at: now,
            };
            store::scheduling::enqueue(&mut tx, &job).await?;
            tx.commit().await?;
        }

        let operator = Ctx::command_line();
        let mut staff = Vec::new();
        for (role, username, display_name) in STAFF {
            let password = random_password();
            self.create_user(
                &operator,
                NewUser {
                    username: username.into(),
                    display_name: display_name.into(),
                    role: role.as_str().into(),
                    password: password.clone(),
                },
            )
            .await?;
            staff.push(DemoLogin { role: role.as_str().into(), username: username.into(), password });
        }
        let token = self.create_token(&operator, "admin", "Demo integration token", Some(365)).await?;
        Ok(DemoCredentials { staff, api_token: token.secret })
    }
}
