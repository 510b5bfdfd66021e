//! What the modules set up: a practice (one site in Europe/London, one GP, a 10-minute service), staff
//! users by role, patients, and booking requests.

use carefront_app::governance::users::NewUser;
use carefront_app::scheduling::booking::BookRequest;
use carefront_app::scheduling::setup::{PractitionerInput, ServiceInput, SessionInput};
use carefront_app::{Actor, App, AppConfig, Ctx, Via};
use domain::governance::Role;
use domain::patients::record::PatientInput;
use domain::scheduling::appointment::BookingChannel;
use jiff::Timestamp;
use jiff::civil::Date;
use store::{Db, Ts};
use uuid::Uuid;

pub struct Practice {
    pub app: App,
    /// A receptionist.
    pub desk: Ctx,
    /// A practice manager.
    pub manager: Ctx,
    /// "GP appointment", 10 minutes face to face, offered by the GP.
    pub service: Uuid,
    /// Dr Amina Shah, the clinician user's practitioner record.
    pub gp: Uuid,
    pub site: Uuid,
    /// The clinician user (`as_role(&app, Role::Clinician)`).
    pub clinician_user: Uuid,
}

/// The GP's rota.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Rota {
    /// 09:00–10:00 every day of the week, bank holidays too, the service bookable online.
    Daily,
    /// No sessions (appointments are written straight to the store); the service not bookable online.
    None,
}

/// The user with this role (made the first time it is asked for), signed in with a session.
pub async fn as_role(app: &App, role: Role) -> Ctx {
    let username = format!("t.{}", role.as_str().replace('_', "."));
    let user = match store::governance::users::by_username(app.db(), &username).await.unwrap() {
        Some(u) => u,
        None => app
            .create_user(
                &Ctx::command_line(),
                NewUser {
                    username,
                    display_name: "Test".into(),
                    role: role.as_str().into(),
                    password: "violet kettle harbour 42".into(),
                },
            )
            .await
            .unwrap(),
    };
    Ctx::anonymous(domain::new_id(), Some("127.0.0.1".into())).with_actor(Actor {
        user_id: user.id,
        username: user.username,
        display_name: user.display_name,
        role,
        via: Via::Session,
    })
}

/// A practice with the default configuration and the daily rota.
pub async fn practice(db: Db) -> Practice {
    practice_with(App::new(db, AppConfig::default()), Rota::Daily).await
}

/// Riverside Surgery (one site, Riverside, in Europe/London), its GP on `rota`, a receptionist, a practice
/// manager and a clinician user.
pub async fn practice_with(app: App, rota: Rota) -> Practice {
    let now = Ts(Timestamp::now());
    let org = store::organisation::OrganisationRow {
        id: domain::new_id(),
        name: "Riverside Surgery".into(),
        ods_code: None,
        created_at: now,
    };
    let site = store::organisation::SiteRow {
        id: domain::new_id(),
        organisation_id: org.id,
        name: "Riverside".into(),
        time_zone: "Europe/London".into(),
        bank_holiday_division: "england-and-wales".into(),
        address_lines: "1 High Street".into(),
        town: "Bristol".into(),
        postcode: "BS1 4DJ".into(),
        default_language: "en".into(),
        created_at: now,
    };
    let mut tx = app.db().begin().await.unwrap();
    store::organisation::insert_organisation(&mut tx, &org).await.unwrap();
    store::organisation::insert_site(&mut tx, &site).await.unwrap();
    // Every message tells patients how to reach the practice.
    store::organisation::set_site_phone(&mut tx, site.id, "0117 496 0123").await.unwrap();
    tx.commit().await.unwrap();
    let clinician = as_role(&app, Role::Clinician).await;
    let op = Ctx::command_line();
    let gp = app
        .create_practitioner(
            &op,
            &PractitionerInput {
                display_name: "Dr Amina Shah".into(),
                profession: "GP".into(),
                user_id: clinician.actor_id(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let service = app
        .create_service(
            &op,
            &ServiceInput {
                name: "GP appointment".into(),
                duration_minutes: 10,
                mode: "face_to_face".into(),
                max_days_ahead: 366,
                funding: "nhs".into(),
                bookable_online: rota == Rota::Daily,
                practitioners: vec![gp.id],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    if rota == Rota::Daily {
        for day in ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] {
            app.add_session(
                &op,
                &SessionInput {
                    practitioner_id: gp.id,
                    site_id: site.id,
                    room_id: None,
                    weekday: day.into(),
                    starts: "09:00".into(),
                    ends: "10:00".into(),
                    valid_from: "2026-01-01".into(),
                    valid_until: None,
                    opens_on_bank_holidays: true,
                    services: vec![service.id],
                },
            )
            .await
            .unwrap();
        }
    }
    let desk = as_role(&app, Role::Receptionist).await;
    let manager = as_role(&app, Role::PracticeManager).await;
    Practice {
        app,
        desk,
        manager,
        service: service.id,
        gp: gp.id,
        site: site.id,
        clinician_user: clinician.actor_id().unwrap(),
    }
}

/// `given` Testing, born 1980-01-01, and nothing else.
pub fn person(given: &str) -> PatientInput {
    PatientInput {
        given_names: given.into(),
        family_name: "Testing".into(),
        date_of_birth: "1980-01-01".into(),
        ..Default::default()
    }
}

/// Registered at the desk (a possible duplicate confirmed).
pub async fn register(p: &Practice, input: &PatientInput) -> Uuid {
    p.app.register_patient(&p.desk, input, true).await.unwrap().id
}

/// [`person`], registered.
pub async fn patient(p: &Practice, given: &str) -> Uuid {
    register(p, &person(given)).await
}

/// A London wall-clock time on `date`.
pub fn local(date: Date, h: i8, m: i8) -> Timestamp {
    date.at(h, m, 0, 0).in_tz("Europe/London").unwrap().timestamp()
}

/// The GP's service at `start`, booked at the desk.
pub fn request(p: &Practice, patient: Uuid, start: Timestamp) -> BookRequest {
    BookRequest {
        patient_id: patient,
        service_id: p.service,
        practitioner_id: p.gp,
        start,
        room_id: None,
        channel: BookingChannel::Desk,
        overbook_reason: None,
        hold: false,
    }
}
