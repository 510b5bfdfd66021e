//! Setting the practice up for booking: services, practitioners, rooms and rota sessions (practice
//! managers), and reading them back (anyone who books).

use super::session_of;
use crate::governance::access::Access;
use crate::patients::actor;
use crate::{App, AppError, Ctx, Result};
use domain::governance::{Action, Purpose};
use domain::scheduling::appointment::{Funding, Mode};
use domain::scheduling::rota::{SessionDraft, check_no_overlap};
use domain::validation::Errors;
use jiff::civil::{Date, Time, Weekday};
use serde::Deserialize;
use store::Ts;
use store::organisation::{self, SiteRow};
use store::scheduling::{self as schedule_store, PractitionerRow, RoomRow, ServiceRow, SessionRow};
use uuid::Uuid;

/// A service (appointment type) as entered.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ServiceInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub duration_minutes: i64,
    #[serde(default)]
    pub buffer_minutes: i64,
    /// `face_to_face`, `home_visit`, `telephone` or `video`.
    pub mode: String,
    #[serde(default = "yes")]
    pub bookable_online: bool,
    #[serde(default)]
    pub min_notice_minutes: i64,
    #[serde(default = "four_weeks")]
    pub max_days_ahead: i64,
    #[serde(default)]
    pub cancel_cutoff_minutes: i64,
    /// Price in pence, for private services.
    pub price_pence: Option<i64>,
    /// `nhs`, `private` or `insurer`.
    #[serde(default = "nhs")]
    pub funding: String,
    #[serde(default)]
    pub preparation: String,
    #[serde(default)]
    pub aftercare: String,
    /// Practitioners who deliver it.
    #[serde(default)]
    pub practitioners: Vec<Uuid>,
    /// Reminders, in hours before the start (1 to 1440, at most 5). Left out: a week and two days before
    /// (168, 48). Empty: none before the day (the morning-of reminder for late bookings still goes).
    #[serde(default)]
    pub reminder_hours: Option<Vec<i64>>,
}

/// Reminders a week and two days before, when a service does not say.
pub const DEFAULT_REMINDER_HOURS: [i64; 2] = [168, 48];

fn yes() -> bool {
    true
}
fn four_weeks() -> i64 {
    28
}
fn nhs() -> String {
    "nhs".into()
}

/// A practitioner as entered.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PractitionerInput {
    pub display_name: String,
    /// e.g. "GP", "Practice nurse", "Physiotherapist".
    pub profession: String,
    /// BCP 47 tags of the languages they speak.
    #[serde(default)]
    pub languages: Vec<String>,
    /// Their staff account, if they have one.
    pub user_id: Option<Uuid>,
}

/// A weekly rota session as entered: local times at the site.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SessionInput {
    pub practitioner_id: Uuid,
    pub site_id: Uuid,
    pub room_id: Option<Uuid>,
    /// `monday` … `sunday`.
    pub weekday: String,
    /// Local time `HH:MM`.
    pub starts: String,
    pub ends: String,
    /// First and last dates (`YYYY-MM-DD`); no last date means until changed.
    pub valid_from: String,
    pub valid_until: Option<String>,
    #[serde(default)]
    pub opens_on_bank_holidays: bool,
    pub services: Vec<Uuid>,
}

fn text(errors: &mut Errors, field: &str, value: &str, max: usize) -> String {
    let v = value.trim();
    if v.is_empty() {
        errors.add(field, "Enter this");
    } else if v.chars().count() > max {
        errors.add(field, format!("Must be {max} characters or fewer"));
    }
    v.to_owned()
}

fn ranged(errors: &mut Errors, field: &str, v: i64, lo: i64, hi: i64) -> i32 {
    if !(lo..=hi).contains(&v) {
        errors.add(field, format!("Must be from {lo} to {hi}"));
    }
    v.clamp(lo, hi) as i32
}

fn weekday(s: &str) -> Option<Weekday> {
    Some(match s.trim().to_ascii_lowercase().as_str() {
        "monday" | "mon" => Weekday::Monday,
        "tuesday" | "tue" => Weekday::Tuesday,
        "wednesday" | "wed" => Weekday::Wednesday,
        "thursday" | "thu" => Weekday::Thursday,
        "friday" | "fri" => Weekday::Friday,
        "saturday" | "sat" => Weekday::Saturday,
        "sunday" | "sun" => Weekday::Sunday,
        _ => return None,
    })
}

/// A second service with the same name is refused on the name.
fn name_taken(err: store::StoreError) -> AppError {
    if err.is_unique_violation() {
        AppError::invalid("name", "There is already a service with this name")
    } else {
        err.into()
    }
}

/// Which settings a change touched, for the audit log (names of settings, not their values).
fn changed_fields(old: &ServiceRow, new: &ServiceRow) -> String {
    let mut changed = Vec::new();
    let mut check = |name: &'static str, same: bool| {
        if !same {
            changed.push(name);
        }
    };
    check("name", old.name == new.name);
    check("description", old.description == new.description);
    check("duration_minutes", old.duration_minutes == new.duration_minutes);
    check("buffer_minutes", old.buffer_minutes == new.buffer_minutes);
    check("mode", old.mode == new.mode);
    check("bookable_online", old.bookable_online == new.bookable_online);
    check("min_notice_minutes", old.min_notice_minutes == new.min_notice_minutes);
    check("max_days_ahead", old.max_days_ahead == new.max_days_ahead);
    check("cancel_cutoff_minutes", old.cancel_cutoff_minutes == new.cancel_cutoff_minutes);
    check("price_pence", old.price_pence == new.price_pence);
    check("funding", old.funding == new.funding);
    check("preparation", old.preparation == new.preparation);
    check("aftercare", old.aftercare == new.aftercare);
    check("reminder_hours", old.reminder_offsets == new.reminder_offsets);
    if changed.is_empty() { "practitioners or nothing".into() } else { format!("changed: {}", changed.join(", ")) }
}

impl App {
    async fn organisation_id(&self) -> Result<Uuid> {
        Ok(organisation::first_organisation(self.db())
            .await?
            .ok_or_else(|| AppError::Internal("no organisation is set up".into()))?
            .id)
    }

    pub async fn create_service(&self, ctx: &Ctx, input: &ServiceInput) -> Result<ServiceRow> {
        let grant = self
            .authorize_or_operator(ctx, Access::general(Action::ManageRotas, Purpose::Administration, "service"))
            .await?;
        let now = Ts(jiff::Timestamp::now());
        let row = self.service_row(input, domain::new_id(), now).await?;
        let mut tx = self.db().begin().await?;
        if let Err(err) = schedule_store::insert_service(&mut tx, &row).await {
            return Err(name_taken(err));
        }
        for p in &input.practitioners {
            schedule_store::link_service(&mut tx, row.id, *p).await?;
        }
        grant.with_resource(row.id).named("create_service").record(&mut tx).await?;
        store::scheduling::bump_rota_version(&mut tx).await?;
        tx.commit().await?;
        self.diary().rota_changed();
        Ok(row)
    }

    /// Change a service (practice managers): every setting and who delivers it. Appointments already
    /// booked keep their times; new bookings and searches use the new settings at once.
    pub async fn update_service(&self, ctx: &Ctx, id: Uuid, input: &ServiceInput) -> Result<ServiceRow> {
        let grant = self
            .authorize_or_operator(ctx, Access::general(Action::ManageRotas, Purpose::Administration, "service").on(id))
            .await?;
        let old = schedule_store::service(self.db(), id).await?.ok_or(AppError::NotFound { what: "service" })?;
        let mut row = self.service_row(input, id, old.created_at).await?;
        (row.organisation_id, row.room_features) = (old.organisation_id, old.room_features.clone());
        let mut tx = self.db().begin().await?;
        match schedule_store::update_service(&mut tx, &row).await {
            Ok(true) => {}
            Ok(false) => return Err(AppError::NotFound { what: "service" }),
            Err(err) => return Err(name_taken(err)),
        }
        schedule_store::set_service_practitioners(&mut tx, id, &input.practitioners).await?;
        grant.named("update_service").with_reason(changed_fields(&old, &row)).record(&mut tx).await?;
        store::scheduling::bump_rota_version(&mut tx).await?;
        tx.commit().await?;
        self.diary().rota_changed();
        Ok(row)
    }

    /// A service row from what was entered, every problem named by its field.
    async fn service_row(&self, input: &ServiceInput, id: Uuid, created_at: Ts) -> Result<ServiceRow> {
        let mut e = Errors::new();
        let name = text(&mut e, "name", &input.name, 100);
        if input.description.chars().count() > 2000 {
            e.add("description", "Must be 2000 characters or fewer");
        }
        let duration_minutes = ranged(&mut e, "duration_minutes", input.duration_minutes, 1, 480);
        let buffer_minutes = ranged(&mut e, "buffer_minutes", input.buffer_minutes, 0, 120);
        let min_notice_minutes = ranged(&mut e, "min_notice_minutes", input.min_notice_minutes, 0, 60 * 24 * 28);
        let max_days_ahead = ranged(&mut e, "max_days_ahead", input.max_days_ahead, 0, 366);
        let cancel_cutoff_minutes =
            ranged(&mut e, "cancel_cutoff_minutes", input.cancel_cutoff_minutes, 0, 60 * 24 * 14);
        let mode = Mode::parse(&input.mode).map_err(|m| e.add("mode", m)).ok();
        let funding = Funding::parse(&input.funding).map_err(|m| e.add("funding", m)).ok();
        if input.price_pence.is_some_and(|p| !(0..=10_000_000).contains(&p)) {
            e.add("price_pence", "Enter a price from 0 to 100000 pounds, in pence");
        }
        for (field, v) in [("preparation", &input.preparation), ("aftercare", &input.aftercare)] {
            if v.chars().count() > 2000 {
                e.add(field, "Must be 2000 characters or fewer");
            }
        }
        let known: Vec<Uuid> = schedule_store::practitioners(self.db()).await?.into_iter().map(|p| p.id).collect();
        for (i, p) in input.practitioners.iter().enumerate() {
            if !known.contains(p) {
                e.add(format!("practitioners[{i}]"), "No practitioner has this id");
            }
        }
        let mut reminders = input.reminder_hours.clone().unwrap_or_else(|| DEFAULT_REMINDER_HOURS.to_vec());
        reminders.sort_unstable_by(|a, b| b.cmp(a));
        reminders.dedup();
        if reminders.len() > 5 {
            e.add("reminder_hours", "Give at most 5 reminders");
        }
        if reminders.iter().any(|h| !(1..=24 * 60).contains(h)) {
            e.add("reminder_hours", "Give each reminder in whole hours before the start, from 1 to 1440 (60 days)");
        }
        e.finish()?;
        Ok(ServiceRow {
            id,
            organisation_id: self.organisation_id().await?,
            name,
            description: input.description.trim().to_owned(),
            duration_minutes,
            buffer_minutes,
            mode: mode.map(|m| m.as_str()).unwrap_or("face_to_face").into(),
            bookable_online: input.bookable_online,
            min_notice_minutes,
            max_days_ahead,
            cancel_cutoff_minutes,
            price_pence: input.price_pence,
            funding: funding.map(|f| f.as_str()).unwrap_or("nhs").into(),
            room_features: String::new(),
            preparation: input.preparation.trim().to_owned(),
            aftercare: input.aftercare.trim().to_owned(),
            reminder_offsets: reminders.iter().map(i64::to_string).collect::<Vec<_>>().join(","),
            active: true,
            created_at,
        })
    }

    pub async fn create_practitioner(&self, ctx: &Ctx, input: &PractitionerInput) -> Result<PractitionerRow> {
        let grant = self
            .authorize_or_operator(ctx, Access::general(Action::ManageRotas, Purpose::Administration, "practitioner"))
            .await?;
        let mut e = Errors::new();
        let display_name = text(&mut e, "display_name", &input.display_name, 100);
        let profession = text(&mut e, "profession", &input.profession, 60);
        let mut languages = Vec::new();
        for (i, l) in input.languages.iter().enumerate() {
            let l = l.trim();
            if l.is_empty() || l.len() > 35 || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                e.add(format!("languages[{i}]"), "Enter a language tag such as en, cy or pl");
            } else {
                languages.push(l.to_owned());
            }
        }
        if languages.is_empty() {
            languages.push("en".into());
        }
        e.finish()?;
        let row = PractitionerRow {
            id: domain::new_id(),
            organisation_id: self.organisation_id().await?,
            user_id: input.user_id,
            display_name,
            profession,
            languages: languages.join(","),
            feed_token_hash: None,
            active: true,
            created_at: Ts(jiff::Timestamp::now()),
        };
        let mut tx = self.db().begin().await?;
        schedule_store::insert_practitioner(&mut tx, &row).await?;
        grant.with_resource(row.id).named("create_practitioner").record(&mut tx).await?;
        store::scheduling::bump_rota_version(&mut tx).await?;
        tx.commit().await?;
        self.diary().rota_changed();
        Ok(row)
    }

    pub async fn create_room(&self, ctx: &Ctx, site_id: Uuid, name: &str, features: &[String]) -> Result<RoomRow> {
        let grant = self
            .authorize_or_operator(ctx, Access::general(Action::ManageRotas, Purpose::Administration, "room"))
            .await?;
        let mut e = Errors::new();
        let name = text(&mut e, "name", name, 60);
        if !organisation::sites(self.db()).await?.iter().any(|s| s.id == site_id) {
            e.add("site_id", "No site has this id");
        }
        e.finish()?;
        let row = RoomRow { id: domain::new_id(), site_id, name, features: features.join(",") };
        let mut tx = self.db().begin().await?;
        schedule_store::insert_room(&mut tx, &row).await?;
        grant.with_resource(row.id).named("create_room").record(&mut tx).await?;
        store::scheduling::bump_rota_version(&mut tx).await?;
        tx.commit().await?;
        self.diary().rota_changed();
        Ok(row)
    }

    /// End a weekly session after `last_date` (practice managers): it offers no slots after that day.
    /// Appointments already booked later stay booked (the day list and the appointment show them); the
    /// last date may not be before the session started, nor before today (the past is history).
    pub async fn end_session(&self, ctx: &Ctx, id: Uuid, last_date: &str) -> Result<SessionRow> {
        let grant = self
            .authorize_or_operator(
                ctx,
                Access::general(Action::ManageRotas, Purpose::Administration, "rota_session").on(id),
            )
            .await?;
        let session =
            schedule_store::session(self.db(), id).await?.ok_or(AppError::NotFound { what: "rota session" })?;
        let raw = last_date.trim();
        let Some(last) = raw.parse::<jiff::civil::Date>().ok().filter(|_| raw.len() == 10) else {
            return Err(AppError::invalid("valid_until", "Enter a real date as YYYY-MM-DD, such as 2027-03-29"));
        };
        let from: jiff::civil::Date =
            session.valid_from.parse().map_err(|_| AppError::Internal("stored date".into()))?;
        if last < from {
            return Err(AppError::invalid(
                "valid_until",
                format!("The last day cannot be before the session started ({from})"),
            ));
        }
        if last < crate::patients::today() {
            return Err(AppError::invalid("valid_until", "The last day cannot be in the past"));
        }
        if session.valid_until.as_deref().and_then(|d| d.parse::<jiff::civil::Date>().ok()).is_some_and(|u| u < last) {
            return Err(AppError::invalid("valid_until", "The session already ends before then"));
        }
        let mut tx = self.db().begin().await?;
        if !schedule_store::end_session(&mut tx, id, &last.to_string()).await? {
            return Err(AppError::NotFound { what: "rota session" });
        }
        grant.named("end_rota_session").with_reason(format!("last day {last}")).record(&mut tx).await?;
        store::scheduling::bump_rota_version(&mut tx).await?;
        tx.commit().await?;
        self.diary().rota_changed();
        Ok(SessionRow { valid_until: Some(last.to_string()), ..session })
    }

    /// Add a weekly session to a practitioner's rota; refused if it overlaps one of their sessions.
    pub async fn add_session(&self, ctx: &Ctx, input: &SessionInput) -> Result<SessionRow> {
        let grant = self
            .authorize_or_operator(ctx, Access::general(Action::ManageRotas, Purpose::Administration, "rota_session"))
            .await?;
        let db = self.db();
        let mut e = Errors::new();
        let day = weekday(&input.weekday);
        if day.is_none() {
            e.add("weekday", "Enter a day of the week, such as monday");
        }
        let time = |e: &mut Errors, field: &str, v: &str| -> Option<Time> {
            let t = v.trim().parse::<Time>().ok().filter(|t| t.second() == 0 && t.subsec_nanosecond() == 0);
            if t.is_none() {
                e.add(field, "Enter a time such as 08:30");
            }
            t
        };
        let starts = time(&mut e, "starts", &input.starts);
        let ends = time(&mut e, "ends", &input.ends);
        let date = |e: &mut Errors, field: &str, v: &str| -> Option<Date> {
            let d = v.trim().parse::<Date>().ok();
            if d.is_none() {
                e.add(field, "Enter a date such as 2027-01-04");
            }
            d
        };
        let valid_from = date(&mut e, "valid_from", &input.valid_from);
        let valid_until = input.valid_until.as_deref().and_then(|v| date(&mut e, "valid_until", v));
        if schedule_store::practitioner(db, input.practitioner_id).await?.is_none() {
            e.add("practitioner_id", "No practitioner has this id");
        }
        let sites: Vec<SiteRow> = organisation::sites(db).await?;
        if !sites.iter().any(|s| s.id == input.site_id) {
            e.add("site_id", "No site has this id");
        }
        if let Some(room) = input.room_id
            && !schedule_store::rooms(db).await?.iter().any(|r| r.id == room && r.site_id == input.site_id)
        {
            e.add("room_id", "No room at this site has this id");
        }
        let services = schedule_store::services(db).await?;
        if input.services.is_empty() {
            e.add("services", "Choose at least one service");
        }
        for (i, s) in input.services.iter().enumerate() {
            if !services.iter().any(|x| x.id == *s) {
                e.add(format!("services[{i}]"), "No service has this id");
            }
        }
        e.finish()?;
        let (Some(day), Some(starts), Some(ends), Some(valid_from)) = (day, starts, ends, valid_from) else {
            return Err(AppError::invalid("weekday", "Enter the session's day and times"));
        };
        let session = SessionDraft {
            id: domain::new_id(),
            practitioner: input.practitioner_id,
            site: input.site_id,
            weekday: day,
            start: starts,
            end: ends,
            valid_from,
            valid_until,
            services: input.services.clone(),
            room: input.room_id,
            opens_on_bank_holidays: input.opens_on_bank_holidays,
        }
        .validate()?;
        let far = Date::constant(9999, 12, 31).to_string();
        let mut tx = db.begin().await?;
        let existing: Vec<_> = schedule_store::sessions_of(&mut tx, &[input.practitioner_id], "0001-01-01", &far)
            .await?
            .iter()
            .map(session_of)
            .collect::<Result<_>>()?;
        check_no_overlap(&session, &existing)?;
        let hhmm = |t: Time| format!("{:02}:{:02}", t.hour(), t.minute());
        let row = SessionRow {
            id: session.id,
            practitioner_id: input.practitioner_id,
            site_id: input.site_id,
            room_id: input.room_id,
            weekday: i32::from(day.to_monday_one_offset()),
            starts: hhmm(starts),
            ends: hhmm(ends),
            valid_from: valid_from.to_string(),
            valid_until: valid_until.map(|d| d.to_string()),
            opens_on_bank_holidays: input.opens_on_bank_holidays,
            services: input.services.iter().map(Uuid::to_string).collect::<Vec<_>>().join(","),
            created_at: Ts(jiff::Timestamp::now()),
        };
        schedule_store::insert_session(&mut tx, &row).await?;
        grant.with_resource(row.id).named("add_rota_session").record(&mut tx).await?;
        store::scheduling::bump_rota_version(&mut tx).await?;
        tx.commit().await?;
        self.diary().rota_changed();
        Ok(row)
    }

    /// The practice's services, practitioners and sites, for anyone who books.
    pub async fn booking_catalogue(
        &self,
        ctx: &Ctx,
    ) -> Result<(Vec<ServiceRow>, Vec<PractitionerRow>, Vec<SiteRow>, Vec<(Uuid, Vec<Uuid>)>)> {
        actor(ctx)?;
        self.may(ctx, Action::BookAppointment).await?;
        let db = self.db();
        let services = schedule_store::services(db).await?;
        // Who delivers what, in one read rather than one per service.
        let mut by_service: std::collections::HashMap<Uuid, Vec<Uuid>> = std::collections::HashMap::new();
        for (service, practitioner) in schedule_store::service_practitioners(db).await? {
            by_service.entry(service).or_default().push(practitioner);
        }
        let delivered = services.iter().map(|s| (s.id, by_service.remove(&s.id).unwrap_or_default())).collect();
        Ok((services, schedule_store::practitioners(db).await?, organisation::sites(db).await?, delivered))
    }
}
