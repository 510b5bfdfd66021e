//! Reception use-cases: running-late notices, the waiting-room display, the site settings they use, ticket
//! numbers at check-in, and each practitioner's private calendar feed.
//!
//! Running late: a practitioner's current delay is [`current_delay`] over their appointments at the site
//! today. When a call-in (in its own transaction) or the periodic [`App::running_late_tick`] finds it
//! at or past the site's threshold, each later patient today gets a `running-late` outbox job, at most
//! once per patient per 15-minute step (the step told is remembered, and the job's dedupe key
//! `late:{appointment}:{step}` makes a second node's attempt a no-op).

use crate::governance::access::{Access, entry};
use crate::governance::tokens::hash_token;
use crate::patients::{actor, default_purpose};
use crate::{App, AppError, Ctx, Result};
use base64::Engine;
use domain::governance::audit::Outcome;
use domain::governance::{Action, Purpose};
use domain::scheduling::appointment::{AppointmentEvent, AppointmentStatus};
use domain::scheduling::ics::{IcsAppointment, render_feed};
use domain::scheduling::reception::{DayAppointment, LateNoticePolicy, current_delay, late_notice_due};
use domain::validation::Errors;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use store::scheduling::reception::{self as reception_store, DayRow, SiteSettingsRow};
use store::scheduling::{self as schedule_store, AppointmentRow, OutboxRow};
use store::{Ts, Tx};
use uuid::Uuid;

/// The outbox kind of a running-late notice.
pub const RUNNING_LATE: &str = "running-late";
/// Allowed running-late thresholds, in minutes.
pub const THRESHOLD_RANGE: std::ops::RangeInclusive<i64> = 5..=240;
/// How far back and ahead a practitioner's calendar feed reaches.
const FEED_DAYS_BACK: i64 = 7;
const FEED_DAYS_AHEAD: i64 = 12 * 7;
/// The screen shows at most this many calls.
const MAX_CALLS: usize = 6;

/// What the waiting-room screen shows instead of patients' names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DisplayNames {
    /// The ticket number handed out at check-in.
    Ticket,
    /// The patient's initials.
    Initials,
}

impl DisplayNames {
    pub fn as_str(self) -> &'static str {
        match self {
            DisplayNames::Ticket => "ticket",
            DisplayNames::Initials => "initials",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim() {
            "ticket" | "tickets" => Ok(DisplayNames::Ticket),
            "initials" => Ok(DisplayNames::Initials),
            _ => Err("Choose what the screen shows: ticket or initials".into()),
        }
    }
}

/// A site's reception settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SiteSettings {
    pub site_id: Uuid,
    pub site_name: String,
    pub time_zone: String,
    pub display_names_as: DisplayNames,
    /// "Running late" notices go out once a practitioner is this many minutes behind.
    pub late_threshold_minutes: i64,
    /// Whether a waiting-room screen key has been made (the key itself is shown once only).
    pub display_key_set: bool,
    /// The number messages and link pages tell patients to call (to cancel, change or ask).
    pub phone: Option<String>,
}

impl SiteSettings {
    fn of(s: &SiteSettingsRow) -> Self {
        Self {
            site_id: s.id,
            site_name: s.name.clone(),
            time_zone: s.time_zone.clone(),
            display_names_as: DisplayNames::parse(&s.display_names_as).unwrap_or(DisplayNames::Ticket),
            late_threshold_minutes: i64::from(s.late_threshold_minutes),
            display_key_set: s.display_key_hash.is_some(),
            phone: s.phone.clone(),
        }
    }
}

/// A change to a site's reception settings; fields left out stay as they are.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SiteSettingsInput {
    /// `ticket` or `initials`.
    #[serde(default)]
    pub display_names_as: Option<String>,
    /// Whole minutes from 5 to 240.
    #[serde(default)]
    pub late_threshold_minutes: Option<i64>,
    /// The number patients are told to call (a UK or international number), e.g. `0117 496 0123`.
    #[serde(default)]
    pub phone: Option<String>,
}

/// One practitioner's current delay at a site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PractitionerDelay {
    pub practitioner_id: Uuid,
    pub practitioner: String,
    /// How far behind schedule their calls are running, in whole minutes (0 when on time).
    pub delay_minutes: i64,
    /// The delay has reached the site's running-late threshold.
    pub running_late: bool,
}

/// A patient called in, as the screen shows them: never by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DisplayCall {
    /// What the screen shows for the patient: `Ticket 12`, or initials such as `A S`.
    pub label: String,
    /// Where to go: the room, or the practitioner when the appointment has no room.
    pub to: String,
    pub practitioner: String,
    /// Local time of the call, `HH:MM`.
    pub called_at: String,
}

/// A clinician's line on the screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DisplayClinician {
    pub practitioner: String,
    /// The delay rounded down to 5 minutes (0 is "on time"), so the screen does not flicker by the minute.
    pub delay_minutes: i64,
}

/// Everything the waiting-room screen shows. Equal states render the same screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DisplayState {
    pub site_name: String,
    pub display_names_as: DisplayNames,
    /// Patients called in and still with the clinician, latest first.
    pub calls: Vec<DisplayCall>,
    /// Clinicians with patients at the site today, by name.
    pub clinicians: Vec<DisplayClinician>,
}

/// A secret made for a link that needs no sign-in: shown once, kept only as its hash.
#[derive(Debug, Clone)]
pub struct NewSecret {
    pub secret: String,
    /// The path it opens, e.g. `/display/{site}/{key}`.
    pub path: String,
}

fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn zone(s: &SiteSettingsRow) -> TimeZone {
    TimeZone::get(&s.time_zone).unwrap_or(TimeZone::UTC)
}

/// The site's local day around `now`, as instants `[start, next start)`, and its date.
fn local_day(tz: &TimeZone, now: Timestamp) -> Result<(Ts, Ts, String)> {
    let date = now.to_zoned(tz.clone()).date();
    let start = date.to_zoned(tz.clone()).map_err(|e| AppError::Internal(format!("start of day: {e}")))?;
    let next = date
        .tomorrow()
        .and_then(|d| d.to_zoned(tz.clone()))
        .map_err(|e| AppError::Internal(format!("start of next day: {e}")))?;
    Ok((Ts(start.timestamp()), Ts(next.timestamp()), date.to_string()))
}

fn day_appointment(r: &DayRow) -> Option<DayAppointment> {
    Some(DayAppointment {
        start: r.starts_at.0,
        end: r.ends_at.0,
        status: AppointmentStatus::parse(&r.status).ok()?,
        arrived_at: r.arrived_at.map(|t| t.0),
        called_at: r.called_at.map(|t| t.0),
    })
}

/// Each practitioner's rows, and their current delay.
fn delays(rows: &[DayRow], now: Timestamp) -> BTreeMap<Uuid, (SignedDuration, Vec<&DayRow>)> {
    let mut by: BTreeMap<Uuid, Vec<&DayRow>> = BTreeMap::new();
    for r in rows {
        by.entry(r.practitioner_id).or_default().push(r);
    }
    by.into_iter()
        .map(|(p, rows)| {
            let day: Vec<DayAppointment> = rows.iter().filter_map(|r| day_appointment(r)).collect();
            (p, (current_delay(&day, now), rows))
        })
        .collect()
}

fn policy_of(site: &SiteSettingsRow) -> LateNoticePolicy {
    LateNoticePolicy {
        threshold: SignedDuration::from_mins(i64::from(site.late_threshold_minutes)),
        ..LateNoticePolicy::default()
    }
}

/// The notices due for one practitioner's later patients: (row, step).
fn notices_due<'a>(
    site: &SiteSettingsRow,
    delay: SignedDuration,
    rows: &[&'a DayRow],
    now: Timestamp,
) -> Vec<(&'a DayRow, u32)> {
    let policy = policy_of(site);
    rows.iter()
        .filter(|r| day_appointment(r).is_some_and(|d| d.to_be_told_of_delay(now)))
        .filter_map(|r| {
            let last = r.late_step.and_then(|s| u32::try_from(s).ok());
            late_notice_due(delay, &policy, last).map(|step| (*r, step))
        })
        .collect()
}

fn initials(given: &str, family: &str) -> String {
    let first = |s: &str| s.trim().chars().next().map(|c| c.to_uppercase().collect::<String>());
    [first(given), first(family)].into_iter().flatten().collect::<Vec<_>>().join(" ")
}

impl App {
    // ------------------------------------------------------------------------------- site settings

    async fn settings_row(&self, site: Uuid) -> Result<SiteSettingsRow> {
        reception_store::site_settings(self.db(), site).await?.ok_or(AppError::NotFound { what: "site" })
    }

    /// A site's reception settings (anyone who works the day list).
    pub async fn site_settings(&self, ctx: &Ctx, site: Uuid) -> Result<SiteSettings> {
        self.may(ctx, Action::ViewDayList).await?;
        Ok(SiteSettings::of(&self.settings_row(site).await?))
    }

    /// Change what the screen shows and the running-late threshold (practice managers). Every bad field
    /// is reported and nothing is changed.
    pub async fn change_site_settings(&self, ctx: &Ctx, site: Uuid, input: &SiteSettingsInput) -> Result<SiteSettings> {
        let grant = self
            .authorize_or_operator(ctx, Access::general(Action::ManageRotas, Purpose::Administration, "site").on(site))
            .await?;
        let row = self.settings_row(site).await?;
        let mut e = Errors::new();
        if input.display_names_as.is_none() && input.late_threshold_minutes.is_none() && input.phone.is_none() {
            e.add("body", "Send at least one of display_names_as, late_threshold_minutes and phone");
        }
        let phone = match input.phone.as_deref().map(str::trim) {
            None => row.phone.clone(),
            Some("") => {
                e.add("phone", "Enter the phone number patients should call, like 0117 496 0123");
                None
            }
            Some(p) => match domain::patients::PhoneNumber::parse(p) {
                // Kept as the practice writes it (spaces where they put them), once it is a real number.
                Ok(_) => Some(p.split_whitespace().collect::<Vec<_>>().join(" ")),
                Err(m) => {
                    e.add("phone", m);
                    None
                }
            },
        };
        let names = match &input.display_names_as {
            Some(v) => e.check("display_names_as", DisplayNames::parse(v)),
            None => DisplayNames::parse(&row.display_names_as).ok(),
        };
        let threshold = match input.late_threshold_minutes {
            Some(m) if THRESHOLD_RANGE.contains(&m) => Some(m),
            Some(_) => {
                e.add(
                    "late_threshold_minutes",
                    format!(
                        "Enter the running-late threshold as whole minutes from {} to {}",
                        THRESHOLD_RANGE.start(),
                        THRESHOLD_RANGE.end()
                    ),
                );
                None
            }
            None => Some(i64::from(row.late_threshold_minutes)),
        };
        e.finish()?;
        let (Some(names), Some(threshold)) = (names, threshold) else {
            return Err(AppError::Internal("checked settings missing".into()));
        };
        let threshold = i32::try_from(threshold).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut tx = self.db().begin().await?;
        if !reception_store::update_site_settings(&mut tx, site, names.as_str(), threshold).await? {
            return Err(AppError::NotFound { what: "site" });
        }
        if let Some(p) = phone.as_deref().filter(|p| Some(*p) != row.phone.as_deref()) {
            store::organisation::set_site_phone(&mut tx, site, p).await?;
        }
        let changed = format!(
            "display_names_as={}, late_threshold_minutes={threshold}, phone={}",
            names.as_str(),
            phone.as_deref().unwrap_or("none")
        );
        grant.named("change_site_settings").with_reason(changed).record(&mut tx).await?;
        tx.commit().await?;
        Ok(SiteSettings::of(&SiteSettingsRow {
            display_names_as: names.as_str().into(),
            late_threshold_minutes: threshold,
            phone,
            ..row
        }))
    }

    /// Make a new key for the site's waiting-room screen (practice managers): the old one stops working.
    /// The key is returned once; only its hash is kept.
    pub async fn rotate_display_key(&self, ctx: &Ctx, site: Uuid) -> Result<NewSecret> {
        let grant = self
            .authorize_or_operator(ctx, Access::general(Action::ManageRotas, Purpose::Administration, "site").on(site))
            .await?;
        self.settings_row(site).await?;
        let key = new_secret();
        let mut tx = self.db().begin().await?;
        if !reception_store::set_display_key(&mut tx, site, &hash_token(&key)).await? {
            return Err(AppError::NotFound { what: "site" });
        }
        grant.named("rotate_display_key").record(&mut tx).await?;
        tx.commit().await?;
        Ok(NewSecret { path: format!("/display/{site}/{key}"), secret: key })
    }

    // --------------------------------------------------------------------------------- the screen

    /// The site behind a waiting-room screen's address; `NotFound` for an unknown site or a key that
    /// is not (or no longer) the site's. Needs no sign-in: the key is the permission.
    pub async fn display_site(&self, site: Uuid, key: &str) -> Result<SiteSettingsRow> {
        let row = reception_store::site_settings(self.db(), site).await?;
        let hash = hash_token(key);
        row.filter(|r| r.display_key_hash.as_deref().is_some_and(|h| crate_eq(h, &hash)))
            .ok_or(AppError::NotFound { what: "page" })
    }

    /// The site for a signed-in member of staff looking at the screen (anyone who works the day list).
    pub async fn display_site_for_staff(&self, ctx: &Ctx, site: Uuid) -> Result<SiteSettingsRow> {
        self.may(ctx, Action::ViewDayList).await?;
        self.settings_row(site).await
    }

    /// What the screen shows now. Reads the site's settings afresh (so a changed display mode or a
    /// rotated key takes effect) and today's appointments in one query; `NotFound` once `key_hash`, when
    /// given, is no longer the site's.
    pub async fn display_state(&self, site: Uuid, key_hash: Option<&str>, now: Timestamp) -> Result<DisplayState> {
        let s = reception_store::site_settings(self.db(), site).await?.ok_or(AppError::NotFound { what: "page" })?;
        if let Some(h) = key_hash
            && !s.display_key_hash.as_deref().is_some_and(|k| crate_eq(k, h))
        {
            return Err(AppError::NotFound { what: "page" });
        }
        let tz = zone(&s);
        let names = DisplayNames::parse(&s.display_names_as).unwrap_or(DisplayNames::Ticket);
        let (from, to, _) = local_day(&tz, now)?;
        let rows = reception_store::day_rows(self.db(), s.id, from, to, None, names == DisplayNames::Initials).await?;
        let mut called: Vec<&DayRow> =
            rows.iter().filter(|r| r.status == AppointmentStatus::Arrived.as_str() && r.called_at.is_some()).collect();
        called.sort_by(|a, b| b.called_at.cmp(&a.called_at).then(b.id.cmp(&a.id)));
        let calls = called
            .into_iter()
            .take(MAX_CALLS)
            .map(|r| {
                let label = match names {
                    DisplayNames::Ticket => r.ticket.map(|n| format!("Ticket {n}")),
                    DisplayNames::Initials => {
                        Some(initials(r.given_names.as_deref().unwrap_or(""), r.family_name.as_deref().unwrap_or("")))
                            .filter(|i| !i.is_empty())
                    }
                };
                DisplayCall {
                    label: label.unwrap_or_else(|| "Next patient".into()),
                    to: r.room.clone().unwrap_or_else(|| r.practitioner.clone()),
                    practitioner: r.practitioner.clone(),
                    called_at: r
                        .called_at
                        .map(|t| t.0.to_zoned(tz.clone()).strftime("%H:%M").to_string())
                        .unwrap_or_default(),
                }
            })
            .collect();
        let mut clinicians: Vec<DisplayClinician> = delays(&rows, now)
            .into_values()
            .filter_map(|(delay, rows)| {
                let name = rows.first()?.practitioner.clone();
                Some(DisplayClinician { practitioner: name, delay_minutes: delay.as_mins().max(0) / 5 * 5 })
            })
            .collect();
        clinicians.sort_by(|a, b| a.practitioner.cmp(&b.practitioner));
        Ok(DisplayState { site_name: s.name, display_names_as: names, calls, clinicians })
    }

    /// Each practitioner's current delay at the site today (anyone who works the day list).
    pub async fn current_delays(&self, ctx: &Ctx, site: Uuid, now: Timestamp) -> Result<Vec<PractitionerDelay>> {
        self.may(ctx, Action::ViewDayList).await?;
        let s = self.settings_row(site).await?;
        let (from, to, _) = local_day(&zone(&s), now)?;
        let rows = reception_store::day_rows(self.db(), site, from, to, None, false).await?;
        let threshold = SignedDuration::from_mins(i64::from(s.late_threshold_minutes));
        let mut out: Vec<PractitionerDelay> = delays(&rows, now)
            .into_iter()
            .filter_map(|(p, (delay, rows))| {
                Some(PractitionerDelay {
                    practitioner_id: p,
                    practitioner: rows.first()?.practitioner.clone(),
                    delay_minutes: delay.as_mins().max(0),
                    running_late: delay >= threshold,
                })
            })
            .collect();
        out.sort_by(|a, b| a.practitioner.cmp(&b.practitioner).then(a.practitioner_id.cmp(&b.practitioner_id)));
        Ok(out)
    }

    /// The ticket number a checked-in patient was given, if any.
    pub async fn ticket_of(&self, ctx: &Ctx, appointment: Uuid) -> Result<Option<i32>> {
        self.appointment(ctx, appointment).await?;
        Ok(reception_store::ticket_of(self.db(), appointment).await?)
    }

    // ------------------------------------------------------------------------------ running late

    /// Reception's part of an appointment event, in the event's own transaction: a ticket number at
    /// check-in; running-late notices after a call-in (the call is what shows how late the practitioner
    /// is running).
    pub(crate) async fn after_appointment_event(
        &self,
        tx: &mut Tx,
        a: &AppointmentRow,
        event: &AppointmentEvent,
        now: Timestamp,
    ) -> Result<()> {
        if !matches!(event, AppointmentEvent::CheckIn | AppointmentEvent::CallIn) {
            return Ok(());
        }
        let Some(site) = reception_store::site_settings(&mut *tx, a.site_id).await? else { return Ok(()) };
        let (from, to, day) = local_day(&zone(&site), now)?;
        match event {
            AppointmentEvent::CheckIn => {
                reception_store::assign_ticket(tx, a.id, a.site_id, &day).await?;
            }
            _ => {
                let rows =
                    reception_store::day_rows(&mut *tx, a.site_id, from, to, Some(a.practitioner_id), false).await?;
                self.send_late_notices(tx, &site, &rows, now).await?;
            }
        }
        Ok(())
    }

    /// Queue the running-late notices due among these rows (one site's day). Returns how many.
    async fn send_late_notices(
        &self,
        tx: &mut Tx,
        site: &SiteSettingsRow,
        rows: &[DayRow],
        now: Timestamp,
    ) -> Result<usize> {
        let mut sent = 0;
        for (practitioner, (delay, day)) in delays(rows, now) {
            for (r, step) in notices_due(site, delay, &day, now) {
                let step_i32 = i32::try_from(step).unwrap_or(i32::MAX);
                let delay_minutes = i32::try_from(delay.as_mins()).unwrap_or(i32::MAX);
                let payload = serde_json::json!({
                    "site_id": site.id,
                    "practitioner_id": practitioner,
                    "practitioner": r.practitioner,
                    "delay_minutes": delay_minutes,
                    "step": step,
                    "starts_at": r.starts_at.0.to_string(),
                });
                schedule_store::enqueue(
                    tx,
                    &OutboxRow {
                        id: domain::new_id(),
                        kind: RUNNING_LATE.into(),
                        dedupe_key: format!("late:{}:{step}", r.id),
                        patient_id: Some(r.patient_id),
                        appointment_id: Some(r.id),
                        payload: payload.to_string(),
                        due_at: Ts(now),
                        state: "queued".into(),
                        attempts: 0,
                        created_at: Ts(now),
                    },
                )
                .await?;
                reception_store::record_late_step(tx, r.id, step_i32, delay_minutes, Ts(now)).await?;
                sent += 1;
            }
        }
        Ok(sent)
    }

    /// The periodic check: a patient not yet called makes the delay grow with time, with no call to
    /// notice it. For every site, queue the running-late notices now due. Returns how many were queued.
    /// Safe to run on several nodes at once (the dedupe keys keep each notice single).
    pub async fn running_late_tick(&self, now: Timestamp) -> Result<usize> {
        let mut sent = 0;
        for site in reception_store::all_site_settings(self.db()).await? {
            let (from, to, _) = local_day(&zone(&site), now)?;
            let rows = reception_store::day_rows(self.db(), site.id, from, to, None, false).await?;
            let any_due =
                delays(&rows, now).values().any(|(delay, day)| !notices_due(&site, *delay, day, now).is_empty());
            if !any_due {
                continue;
            }
            // Read again inside the write transaction, so what is sent follows what is stored.
            let mut tx = self.db().begin().await?;
            let rows = reception_store::day_rows(&mut tx, site.id, from, to, None, false).await?;
            sent += self.send_late_notices(&mut tx, &site, &rows, now).await?;
            tx.commit().await?;
        }
        Ok(sent)
    }

    // ------------------------------------------------------------------------------- the ics feed

    /// Make a new private calendar feed address for a practitioner (a practice manager, or the
    /// clinician themselves): the old one stops working. The token is returned once; only its hash is
    /// kept.
    pub async fn create_feed_token(&self, ctx: &Ctx, practitioner: Uuid) -> Result<NewSecret> {
        let who = actor(ctx)?;
        let p = schedule_store::practitioner(self.db(), practitioner)
            .await?
            .ok_or(AppError::NotFound { what: "practitioner" })?;
        let own = p.user_id == Some(who.user_id);
        let access = if own {
            Access::general(Action::ViewDayList, default_purpose(who.role), "practitioner_feed")
        } else {
            Access::general(Action::ManageRotas, Purpose::Administration, "practitioner_feed")
        };
        let grant = self.authorize(ctx, access.on(p.id)).await?;
        let token = new_secret();
        let mut tx = self.db().begin().await?;
        if !schedule_store::set_feed_token(&mut tx, p.id, &hash_token(&token)).await? {
            return Err(AppError::NotFound { what: "practitioner" });
        }
        grant.named("create_feed_token").record(&mut tx).await?;
        tx.commit().await?;
        Ok(NewSecret { path: format!("/feeds/practitioners/{}/{token}.ics", p.id), secret: token })
    }

    /// A practitioner's appointments from a week ago to twelve weeks ahead as an iCalendar feed, for the
    /// holder of the feed's token (no sign-in). `NotFound` for an unknown practitioner or a wrong token.
    /// Events name the service and place, never the patient. Each read is audited.
    pub async fn practitioner_feed(
        &self,
        ctx: &Ctx,
        practitioner: Uuid,
        token: &str,
        now: Timestamp,
    ) -> Result<String> {
        let not_found = AppError::NotFound { what: "page" };
        if token.is_empty() || token.len() > 100 {
            return Err(not_found);
        }
        let p = schedule_store::practitioner_by_feed_token(self.db(), &hash_token(token))
            .await?
            .filter(|p| p.id == practitioner)
            .ok_or(not_found)?;
        let from = now - SignedDuration::from_hours(24 * FEED_DAYS_BACK);
        let to = now + SignedDuration::from_hours(24 * FEED_DAYS_AHEAD);
        let rows = schedule_store::appointments_between(self.db(), Ts(from), Ts(to), None, Some(p.id)).await?;
        let services: HashMap<Uuid, String> =
            schedule_store::services(self.db()).await?.into_iter().map(|s| (s.id, s.name)).collect();
        let rooms: HashMap<Uuid, String> =
            schedule_store::rooms(self.db()).await?.into_iter().map(|r| (r.id, r.name)).collect();
        let sites: HashMap<Uuid, String> =
            store::organisation::sites(self.db()).await?.into_iter().map(|s| (s.id, s.name)).collect();
        let events: Vec<IcsAppointment> = rows
            .iter()
            .filter(|a| !matches!(a.status.as_str(), "pending" | "entered-in-error"))
            .map(|a| {
                let service = services.get(&a.service_id).cloned().unwrap_or_else(|| "Appointment".into());
                let summary = match a.status.as_str() {
                    "noshow" => format!("{service} (did not attend)"),
                    _ => service,
                };
                let location = [a.room_id.and_then(|r| rooms.get(&r).cloned()), sites.get(&a.site_id).cloned()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", ");
                IcsAppointment {
                    appointment: a.id,
                    sequence: a.sequence.max(0) as u32,
                    stamp: a.updated_at.0,
                    start: a.starts_at.0,
                    end: a.ends_at.0,
                    summary,
                    location: Some(location).filter(|l| !l.is_empty()),
                    description: Some("The patient's details are in Carefront.".into()),
                    cancelled: a.status == "cancelled",
                    organizer: None,
                    attendee: None,
                }
            })
            .collect();
        let mut e = entry(ctx, "read_practitioner_feed", "practitioner", Some(p.id.to_string()), Outcome::Allowed);
        e.reason = Some(format!("{} appointments in the private calendar feed", events.len()));
        self.audit_alone(e).await?;
        Ok(render_feed(&format!("{} – appointments", p.display_name), &events))
    }
}

/// Equal hashes, compared without an early exit.
fn crate_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_are_capital_first_letters() {
        assert_eq!(initials("amina", "Shah"), "A S");
        assert_eq!(initials(" Élodie Marie", "du Pont"), "É D");
        assert_eq!(initials("", ""), "");
    }

    #[test]
    fn display_modes_parse() {
        assert_eq!(DisplayNames::parse("tickets"), Ok(DisplayNames::Ticket));
        assert_eq!(DisplayNames::parse("initials"), Ok(DisplayNames::Initials));
        assert!(DisplayNames::parse("names").is_err());
    }
}
