//! Inbound referrals: recorded with their priority and target date; each becomes a waiting-list entry or an
//! appointment; a warning list shows those near or past their target.
//!
//! **Targets** are an organisation setting (table `referral_targets`, set with
//! [`App::set_referral_targets`] or `PUT /api/v1/referrals/targets`): calendar days from receipt to the
//! target date per priority, and how many days before the target a referral counts as approaching. An
//! organisation that has set none gets [`ReferralTargets::default`]: urgent suspected cancer 14 days,
//! urgent 28, routine 126 (18 weeks), warning 3 days before.
//!
//! A referral's **state** is read from the referral and what it led to: its waiting-list entry (which
//! may have been offered a freed slot, or booked one by accepting an offer) and its appointment (which
//! may since have been cancelled or missed, so the patient needs booking again). Referrals open, waiting,
//! offered or needing rebooking are the ones that can be late; those are on the warning list when their
//! target is near or past.
//!
//! The reason for a referral is clinical free text: only clinicians and practice managers see it.

use super::booking::BookRequest;
use crate::governance::access::Access;
use crate::patients::{actor, default_purpose, today};
use crate::{App, AppError, Ctx, Result};
use domain::governance::{Action, Purpose, Role};
use domain::patients::NhsNumber;
use domain::scheduling::appointment::BookingChannel;
use domain::scheduling::waiting::{ReferralPriority, ReferralTargets, TargetStatus};
use domain::validation::Errors;
use jiff::Timestamp;
use jiff::civil::Date;
use std::collections::HashMap;
use store::Ts;
use store::scheduling::referrals::{self as referral_store, ReferralClosure, ReferralRow, TargetsRow};
use store::scheduling::waiting::{self as waiting_store, WaitingRow};
use store::scheduling::{self as schedule_store, AppointmentRow, OutboxRow};
use uuid::Uuid;

/// Whose referral: a record id (the API) or an NHS number typed from the letter (the staff form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatientRef {
    Id(Uuid),
    NhsNumber(String),
}

/// A referral as entered.
#[derive(Debug, Clone)]
pub struct ReferralInput {
    pub patient: PatientRef,
    pub source_organisation: String,
    pub referrer: String,
    /// `urgent_suspected_cancer`, `urgent` or `routine`.
    pub priority: String,
    /// The date the referral arrived (`YYYY-MM-DD`, or `27/03/2027`).
    pub received_on: String,
    pub reason: String,
    /// The service the patient is to be seen in.
    pub service_id: Option<Uuid>,
    /// Book this time at once instead of adding the patient to the waiting list.
    pub appointment: Option<SlotChoice>,
}

/// A time to book for a referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotChoice {
    pub practitioner_id: Uuid,
    pub start: Timestamp,
}

/// How a referral ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferralOutcome {
    Seen,
    Declined,
    NotNeeded,
    Other,
}

impl ReferralOutcome {
    pub const ALL: [ReferralOutcome; 4] =
        [ReferralOutcome::Seen, ReferralOutcome::Declined, ReferralOutcome::NotNeeded, ReferralOutcome::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            ReferralOutcome::Seen => "seen",
            ReferralOutcome::Declined => "declined",
            ReferralOutcome::NotNeeded => "not_needed",
            ReferralOutcome::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReferralOutcome::Seen => "Seen",
            ReferralOutcome::Declined => "The patient declined",
            ReferralOutcome::NotNeeded => "No longer needed",
            ReferralOutcome::Other => "Closed for another reason",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| "Outcome must be seen, declined, not_needed or other".into())
    }
}

/// Where a referral has got to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralState {
    /// Recorded, not yet on the waiting list or booked.
    Open,
    Waiting,
    /// Its waiting-list entry holds an offer of a freed slot.
    Offered,
    Booked,
    /// It was booked, but the appointment was cancelled, missed or entered in error.
    NeedsRebooking,
    Seen,
    Closed,
}

impl ReferralState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReferralState::Open => "open",
            ReferralState::Waiting => "waiting",
            ReferralState::Offered => "offered",
            ReferralState::Booked => "booked",
            ReferralState::NeedsRebooking => "needs_rebooking",
            ReferralState::Seen => "seen",
            ReferralState::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReferralState::Open => "Not yet booked",
            ReferralState::Waiting => "On the waiting list",
            ReferralState::Offered => "Offered a slot",
            ReferralState::Booked => "Booked",
            ReferralState::NeedsRebooking => "Appointment cancelled or missed – book again",
            ReferralState::Seen => "Seen",
            ReferralState::Closed => "Closed",
        }
    }

    /// Still waiting to be seen: the referral can be late.
    pub fn needs_action(self) -> bool {
        matches!(
            self,
            ReferralState::Open | ReferralState::Waiting | ReferralState::Offered | ReferralState::NeedsRebooking
        )
    }
}

/// A referral with what it led to, for lists, pages and the API.
#[derive(Debug, Clone)]
pub struct ReferralSummary {
    /// The stored referral; `reason` is empty when [`ReferralSummary::reason_visible`] is false.
    pub row: ReferralRow,
    pub reason_visible: bool,
    pub priority: ReferralPriority,
    pub state: ReferralState,
    pub target_date: Option<Date>,
    pub target: TargetStatus,
    pub patient_name: String,
    pub nhs_number: Option<String>,
    pub service_name: Option<String>,
    /// The waiting-list entry made from it (the latest, if several).
    pub waiting: Option<WaitingRow>,
    /// The appointment it was booked into (directly, or by accepting an offer).
    pub appointment: Option<AppointmentRow>,
    pub closure: Option<ReferralClosure>,
}

/// The referrals page and `GET /api/v1/referrals`: every referral, and those near or past target.
#[derive(Debug, Clone)]
pub struct ReferralsOverview {
    pub targets: ReferralTargets,
    pub today: Date,
    pub warnings: Vec<ReferralSummary>,
    pub all: Vec<ReferralSummary>,
}

/// What recording a referral made.
#[derive(Debug, Clone)]
pub struct ReferralRecorded {
    pub referral: ReferralRow,
    pub waiting: Option<WaitingRow>,
    pub appointment: Option<AppointmentRow>,
}

/// New referral target days.
#[derive(Debug, Clone, Copy, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TargetsInput {
    pub urgent_suspected_cancer_days: i64,
    pub urgent_days: i64,
    pub routine_days: i64,
    /// A referral is "approaching" its target this many days before it.
    pub warn_days: i64,
}

/// A patient's name as lists show it: `FAMILY, Given`.
pub(crate) fn list_name(p: &store::patients::PatientRow) -> String {
    format!("{}, {}", p.family_name.to_uppercase(), p.given_names)
}

fn may_see_reason(role: Role) -> bool {
    matches!(role, Role::Clinician | Role::PracticeManager)
}

fn text(e: &mut Errors, field: &str, value: &str, max: usize, empty: &str) -> String {
    let v = value.trim();
    if v.is_empty() {
        e.add(field, empty);
    } else if v.chars().count() > max {
        e.add(field, format!("Must be {max} characters or fewer"));
    }
    v.to_owned()
}

/// A referral's state from what it led to.
fn state_of(r: &ReferralRow, waiting: Option<&WaitingRow>, appointment: Option<&AppointmentRow>) -> ReferralState {
    match r.status.as_str() {
        "closed" => ReferralState::Closed,
        "booked" => match appointment.map(|a| a.status.as_str()) {
            Some("cancelled" | "noshow" | "entered-in-error") => ReferralState::NeedsRebooking,
            _ => ReferralState::Booked,
        },
        "waiting" => match waiting.map(|w| w.status.as_str()) {
            Some("offered") => ReferralState::Offered,
            Some("booked") => match appointment.map(|a| a.status.as_str()) {
                Some("cancelled" | "noshow" | "entered-in-error") => ReferralState::NeedsRebooking,
                _ => ReferralState::Booked,
            },
            Some("removed") => ReferralState::Open,
            _ => ReferralState::Waiting,
        },
        _ => ReferralState::Open,
    }
}

/// The outbox job telling messaging a referral arrived (ids and dates only; the worker reads the rest).
fn received_job(r: &ReferralRow, waiting: Option<Uuid>, now: Ts) -> OutboxRow {
    OutboxRow {
        id: domain::new_id(),
        kind: "referral-received".into(),
        dedupe_key: format!("referral-received:{}", r.id),
        patient_id: Some(r.patient_id),
        appointment_id: r.appointment_id,
        payload: serde_json::json!({
            "referral_id": r.id,
            "priority": r.priority,
            "target_date": r.target_date,
            "waiting_list_entry_id": waiting,
            "appointment_id": r.appointment_id,
        })
        .to_string(),
        due_at: now,
        state: "queued".into(),
        attempts: 0,
        created_at: now,
    }
}

impl App {
    /// The organisation's referral targets (the defaults when it has set none).
    pub async fn current_referral_targets(&self) -> Result<ReferralTargets> {
        let Some(org) = store::organisation::first_organisation(self.db()).await? else {
            return Ok(ReferralTargets::default());
        };
        Ok(match referral_store::targets(self.db(), org.id).await? {
            Some(t) => ReferralTargets {
                urgent_suspected_cancer_days: t.urgent_suspected_cancer_days.clamp(1, 730) as u16,
                urgent_days: t.urgent_days.clamp(1, 730) as u16,
                routine_days: t.routine_days.clamp(1, 730) as u16,
                warn_days: t.warn_days.clamp(0, 60) as u16,
            },
            None => ReferralTargets::default(),
        })
    }

    /// The instant a local wall-clock time means for a practitioner: read at the site of their session
    /// that day (or any site they work at, or the first site). A time the clocks skip is refused.
    pub async fn practitioner_local_start(
        &self,
        practitioner: Uuid,
        local: jiff::civil::DateTime,
    ) -> Result<Timestamp> {
        let db = self.db();
        let sites = store::organisation::sites(db).await?;
        let day = local.date().to_string();
        let sessions = schedule_store::sessions_of(db, &[practitioner], &day, &day).await?;
        let weekday = i32::from(local.date().weekday().to_monday_one_offset());
        let site = sessions
            .iter()
            .find(|s| s.weekday == weekday)
            .or(sessions.first())
            .map(|s| s.site_id)
            .or(sites.first().map(|s| s.id));
        let tz = site
            .and_then(|id| sites.iter().find(|s| s.id == id))
            .and_then(|s| jiff::tz::TimeZone::get(&s.time_zone).ok())
            .unwrap_or_else(|| jiff::tz::TimeZone::get("Europe/London").unwrap_or(jiff::tz::TimeZone::UTC));
        domain::scheduling::rota::resolve_local_start(&tz, local).map_err(|p| AppError::invalid("start", p.message()))
    }

    /// The referral targets, for anyone who works with referrals.
    pub async fn referral_targets(&self, ctx: &Ctx) -> Result<ReferralTargets> {
        actor(ctx)?;
        self.may(ctx, Action::ViewDayList).await?;
        self.current_referral_targets().await
    }

    /// Change the organisation's referral targets (practice managers).
    pub async fn set_referral_targets(&self, ctx: &Ctx, input: &TargetsInput) -> Result<ReferralTargets> {
        let grant = self
            .authorize_or_operator(
                ctx,
                Access::general(Action::ManageRotas, Purpose::Administration, "referral_targets"),
            )
            .await?;
        let mut e = Errors::new();
        for (field, v, lo, hi) in [
            ("urgent_suspected_cancer_days", input.urgent_suspected_cancer_days, 1, 730),
            ("urgent_days", input.urgent_days, 1, 730),
            ("routine_days", input.routine_days, 1, 730),
            ("warn_days", input.warn_days, 0, 60),
        ] {
            if !(lo..=hi).contains(&v) {
                e.add(field, format!("Must be a whole number of days from {lo} to {hi}"));
            }
        }
        e.finish()?;
        let org = store::organisation::first_organisation(self.db())
            .await?
            .ok_or_else(|| AppError::Internal("no organisation is set up".into()))?;
        let row = TargetsRow {
            organisation_id: org.id,
            urgent_suspected_cancer_days: input.urgent_suspected_cancer_days as i32,
            urgent_days: input.urgent_days as i32,
            routine_days: input.routine_days as i32,
            warn_days: input.warn_days as i32,
            updated_at: Ts(domain::time::now()),
            updated_by: ctx.actor_id(),
        };
        let mut tx = self.db().begin().await?;
        referral_store::set_targets(&mut tx, &row).await?;
        grant
            .with_resource(org.id)
            .named("set_referral_targets")
            .with_reason(format!(
                "urgent suspected cancer {} days, urgent {}, routine {}, warn {} days before",
                row.urgent_suspected_cancer_days, row.urgent_days, row.routine_days, row.warn_days
            ))
            .record(&mut tx)
            .await?;
        tx.commit().await?;
        self.current_referral_targets().await
    }

    /// Record an inbound referral. With a service it goes on the waiting list (source referral, its
    /// priority mapped, the referral's target date) or, given a time, is booked straight away through
    /// [`App::book`]; a `referral-received` job for messaging is queued in the same transaction as the
    /// referral. A time that cannot be booked changes nothing.
    pub async fn record_referral(&self, ctx: &Ctx, input: &ReferralInput) -> Result<ReferralRecorded> {
        let who = actor(ctx)?;
        let db = self.db();
        let patient_id = match &input.patient {
            PatientRef::Id(id) => *id,
            PatientRef::NhsNumber(raw) => {
                let nhs = NhsNumber::parse(raw).map_err(|m| AppError::invalid("nhs_number", m))?;
                match store::patients::by_nhs_number(db, &nhs.digits()).await? {
                    Some(p) => p.id,
                    None => {
                        // Asked about, so recorded: someone looked for a patient by NHS number.
                        self.may(ctx, Action::BookAppointment).await?;
                        return Err(AppError::invalid("nhs_number", "No patient has this NHS number"));
                    }
                }
            }
        };
        let patient_field = match input.patient {
            PatientRef::Id(_) => "patient_id",
            PatientRef::NhsNumber(_) => "nhs_number",
        };
        let (patient, grant) = self.patient_grant(ctx, patient_id, Action::BookAppointment, "referral", None).await?;
        let mut e = Errors::new();
        if patient.merged_into.is_some() {
            e.add(patient_field, "This record was merged into another. Record the referral on that record");
        } else if patient.date_of_death.is_some() || patient.registration_status == "deceased" {
            e.add(patient_field, "This patient has died. A referral cannot be recorded for them");
        }
        let source =
            text(&mut e, "source_organisation", &input.source_organisation, 200, "Enter where the referral came from");
        let referrer = text(&mut e, "referrer", &input.referrer, 200, "Enter who made the referral");
        let priority = if input.priority.trim().is_empty() {
            e.add("priority", "Choose the referral’s priority");
            None
        } else {
            e.check("priority", ReferralPriority::parse(&input.priority))
        };
        let today = today();
        let received = match input.received_on.trim() {
            "" => {
                e.add("received_on", "Enter the date the referral was received");
                None
            }
            raw => match domain::patients::dates::parse_date(raw) {
                None => {
                    e.add("received_on", "Enter a real date, such as 27/03/2027");
                    None
                }
                Some(d) if d > today => {
                    e.add("received_on", "The date received must be today or in the past");
                    None
                }
                Some(d) if (today - d).get_days() > 366 || d.year() < 2000 => {
                    e.add("received_on", "The date received must be within the last year");
                    None
                }
                Some(d) => Some(d),
            },
        };
        let reason = text(&mut e, "reason", &input.reason, 2000, "Enter the reason for the referral");
        let service = match input.service_id {
            None => {
                e.add("service_id", "Choose the service the patient is to be seen in");
                None
            }
            Some(s) => {
                let found = schedule_store::service(db, s).await?;
                if found.is_none() {
                    e.add("service_id", "No service has this id");
                }
                found
            }
        };
        e.finish()?;
        let (Some(priority), Some(received), Some(service)) = (priority, received, service) else {
            return Err(AppError::Internal("checked referral fields missing".into()));
        };
        let targets = self.current_referral_targets().await?;
        let target = targets.target_date(received, priority);
        let now = Ts(domain::time::now());
        let id = domain::new_id();

        // A time asked for is booked first: if it cannot be had, nothing is recorded.
        let appointment = match input.appointment {
            Some(slot) => Some(
                self.book(
                    ctx,
                    &BookRequest {
                        patient_id: patient.id,
                        service_id: service.id,
                        practitioner_id: slot.practitioner_id,
                        start: slot.start,
                        room_id: None,
                        channel: BookingChannel::Desk,
                        overbook_reason: None,
                        hold: false,
                    },
                )
                .await?,
            ),
            None => None,
        };
        let row = ReferralRow {
            id,
            patient_id: patient.id,
            source_organisation: source,
            referrer,
            priority: priority.as_str().into(),
            received_on: received.to_string(),
            target_date: target.to_string(),
            reason,
            service_id: Some(service.id),
            status: if appointment.is_some() { "booked" } else { "waiting" }.into(),
            appointment_id: appointment.as_ref().map(|a| a.id),
            created_at: now,
        };
        let waiting = appointment.is_none().then(|| WaitingRow {
            id: domain::new_id(),
            patient_id: patient.id,
            service_id: service.id,
            priority: priority.waiting_priority().as_str().into(),
            preferred_days: String::new(),
            preferred_times: String::new(),
            preferred_practitioner_id: None,
            only_preferred_practitioner: false,
            added_on: today.to_string(),
            target_date: Some(target.to_string()),
            source: "referral".into(),
            referral_id: Some(id),
            status: "waiting".into(),
            appointment_id: None,
            created_at: now,
        });
        let mut tx = db.begin().await?;
        referral_store::insert_referral(&mut tx, &row).await?;
        if let Some(w) = &waiting {
            waiting_store::insert_waiting(&mut tx, w).await?;
        }
        schedule_store::enqueue(&mut tx, &received_job(&row, waiting.as_ref().map(|w| w.id), now)).await?;
        grant
            .with_resource(id)
            .named("record_referral")
            .with_reason(format!(
                "{} referral, target {}; {}",
                priority.as_str(),
                target,
                match (&appointment, &waiting) {
                    (Some(a), _) => format!("booked as appointment {}", a.id),
                    (None, Some(w)) => format!("added to the waiting list as entry {}", w.id),
                    _ => "recorded".into(),
                }
            ))
            .record(&mut tx)
            .await?;
        tx.commit().await?;
        tracing::info!(operation_id = %ctx.operation_id, referral = %id, by = %who.user_id, "referral recorded");
        Ok(ReferralRecorded { referral: row, waiting, appointment })
    }

    /// Book an appointment for a referral (open, on the waiting list, or whose appointment was cancelled
    /// or missed). Its waiting-list entry, if still waiting, is marked booked.
    pub async fn book_referral(&self, ctx: &Ctx, id: Uuid, slot: SlotChoice) -> Result<ReferralSummary> {
        let r = referral_store::referral(self.db(), id).await?.ok_or(AppError::NotFound { what: "referral" })?;
        let (_, grant) = self.patient_grant(ctx, r.patient_id, Action::BookAppointment, "referral", Some(id)).await?;
        let summary = self.summarise(ctx, vec![r.clone()]).await?.pop();
        let Some(summary) = summary else { return Err(AppError::NotFound { what: "referral" }) };
        self.check_open(&summary)?;
        let Some(service) = r.service_id else {
            return Err(AppError::invalid("service_id", "This referral names no service to book"));
        };
        let appointment = self
            .book(
                ctx,
                &BookRequest {
                    patient_id: r.patient_id,
                    service_id: service,
                    practitioner_id: slot.practitioner_id,
                    start: slot.start,
                    room_id: None,
                    channel: BookingChannel::Desk,
                    overbook_reason: None,
                    hold: false,
                },
            )
            .await?;
        let mut tx = self.db().begin().await?;
        if !referral_store::set_booked(&mut tx, id, &r.status, r.appointment_id, appointment.id).await? {
            return Err(AppError::Conflict {
                message: format!(
                    "The referral was changed by someone else while booking. Appointment {} was booked: check the referral",
                    appointment.id
                ),
            });
        }
        if let Some(w) = summary.waiting.as_ref().filter(|w| w.status == "waiting") {
            waiting_store::set_waiting_status(&mut tx, w.id, "waiting", "booked", Some(appointment.id)).await?;
        }
        grant
            .with_resource(id)
            .named("book_referral")
            .with_reason(format!("booked as appointment {}", appointment.id))
            .record(&mut tx)
            .await?;
        tx.commit().await?;
        self.referral(ctx, id).await
    }

    /// Mark a referral seen, or close it for another reason (with a note). Its waiting-list entry, if
    /// still waiting, is taken off the list.
    pub async fn close_referral(
        &self,
        ctx: &Ctx,
        id: Uuid,
        outcome: &str,
        note: Option<&str>,
    ) -> Result<ReferralSummary> {
        let r = referral_store::referral(self.db(), id).await?.ok_or(AppError::NotFound { what: "referral" })?;
        let (_, grant) = self.patient_grant(ctx, r.patient_id, Action::BookAppointment, "referral", Some(id)).await?;
        let mut e = Errors::new();
        let outcome = e.check("outcome", ReferralOutcome::parse(outcome));
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        if note.is_some_and(|n| n.chars().count() > 500) {
            e.add("note", "Must be 500 characters or fewer");
        }
        if outcome == Some(ReferralOutcome::Other) && note.is_none() {
            e.add("note", "Say why the referral is being closed");
        }
        e.finish()?;
        let Some(outcome) = outcome else { return Err(AppError::invalid("outcome", "Choose an outcome")) };
        let summary = self.summarise(ctx, vec![r.clone()]).await?.pop();
        let Some(summary) = summary else { return Err(AppError::NotFound { what: "referral" }) };
        if matches!(summary.state, ReferralState::Seen | ReferralState::Closed) {
            return Err(AppError::invalid("outcome", "This referral is already closed"));
        }
        if summary.state == ReferralState::Offered {
            return Err(self.offered_problem(&summary, "outcome"));
        }
        let now = Ts(domain::time::now());
        let mut tx = self.db().begin().await?;
        if !referral_store::close(&mut tx, id, &r.status, outcome.as_str(), note, now, ctx.actor_id()).await? {
            return Err(AppError::Conflict {
                message: "The referral was changed by someone else. Reload it and try again".into(),
            });
        }
        if let Some(w) = summary.waiting.as_ref().filter(|w| w.status == "waiting") {
            waiting_store::set_waiting_status(&mut tx, w.id, "waiting", "removed", None).await?;
        }
        grant.with_resource(id).named("close_referral").with_reason(outcome.as_str().into()).record(&mut tx).await?;
        tx.commit().await?;
        self.referral(ctx, id).await
    }

    /// One referral with what it led to.
    pub async fn referral(&self, ctx: &Ctx, id: Uuid) -> Result<ReferralSummary> {
        let r = referral_store::referral(self.db(), id).await?.ok_or(AppError::NotFound { what: "referral" })?;
        let (_, grant) = self.patient_grant(ctx, r.patient_id, Action::ViewPatient, "referral", Some(id)).await?;
        let summary = self.summarise(ctx, vec![r]).await?.pop();
        let mut tx = self.db().begin().await?;
        grant.with_resource(id).named("view_referral").record(&mut tx).await?;
        tx.commit().await?;
        summary.ok_or(AppError::NotFound { what: "referral" })
    }

    /// Every referral (soonest target first) and the warning list: those still waiting to be seen whose
    /// target is within the warning period or past, most overdue first.
    pub async fn referrals_overview(&self, ctx: &Ctx) -> Result<ReferralsOverview> {
        let who = actor(ctx)?;
        let grant =
            self.authorize(ctx, Access::general(Action::ViewDayList, default_purpose(who.role), "referral")).await?;
        let rows = referral_store::referrals(self.db()).await?;
        let all = self.summarise(ctx, rows).await?;
        let mut warnings: Vec<ReferralSummary> =
            all.iter().filter(|s| s.state.needs_action() && s.target != TargetStatus::OnTrack).cloned().collect();
        warnings.sort_by_key(|s| (s.target_date, s.priority, s.row.id));
        let mut tx = self.db().begin().await?;
        grant
            .named("view_referrals")
            .with_reason(format!("{} referrals, {} near or past target", all.len(), warnings.len()))
            .record(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(ReferralsOverview { targets: self.current_referral_targets().await?, today: today(), warnings, all })
    }

    /// Refuse to act on a referral that is done, booked, or holding an offer.
    fn check_open(&self, s: &ReferralSummary) -> Result<()> {
        match s.state {
            ReferralState::Seen | ReferralState::Closed => Err(AppError::invalid("status", "This referral is closed")),
            ReferralState::Booked => Err(AppError::invalid(
                "status",
                "This referral is already booked. Reschedule the appointment to change the time",
            )),
            ReferralState::Offered => Err(self.offered_problem(s, "status")),
            _ => Ok(()),
        }
    }

    fn offered_problem(&self, s: &ReferralSummary, field: &str) -> AppError {
        let until = s.appointment.as_ref().and_then(|a| a.hold_expires_at).map(|t| {
            let tz = jiff::tz::TimeZone::get("Europe/London").unwrap_or(jiff::tz::TimeZone::UTC);
            t.0.to_zoned(tz).strftime(" until %H:%M on %-d %B").to_string()
        });
        AppError::invalid(
            field,
            format!(
                "This patient has been offered a freed slot{}. Wait for their answer before changing the referral",
                until.unwrap_or_default()
            ),
        )
    }

    /// Referrals with their state, patient, service, waiting-list entry and appointment.
    async fn summarise(&self, ctx: &Ctx, rows: Vec<ReferralRow>) -> Result<Vec<ReferralSummary>> {
        let who = actor(ctx)?;
        let db = self.db();
        let targets = self.current_referral_targets().await?;
        let today = today();
        let waiting: Vec<WaitingRow> = if rows.len() == 1 {
            referral_store::waiting_for_referral(db, rows[0].id).await?
        } else {
            referral_store::waiting_from_referrals(db).await?
        };
        // Newest first, so the first seen per referral is its latest entry.
        let mut entry_of: HashMap<Uuid, WaitingRow> = HashMap::new();
        for w in waiting {
            if let Some(r) = w.referral_id {
                entry_of.entry(r).or_insert(w);
            }
        }
        let mut appointment_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.appointment_id).collect();
        for r in &rows {
            if r.appointment_id.is_none()
                && let Some(a) = entry_of.get(&r.id).and_then(|w| w.appointment_id)
            {
                appointment_ids.push(a);
            }
        }
        appointment_ids.sort_unstable();
        appointment_ids.dedup();
        let appointments: HashMap<Uuid, AppointmentRow> =
            referral_store::appointments_by_ids(db, &appointment_ids).await?.into_iter().map(|a| (a.id, a)).collect();
        let mut patient_ids: Vec<Uuid> = rows.iter().map(|r| r.patient_id).collect();
        patient_ids.sort_unstable();
        patient_ids.dedup();
        let patients: HashMap<Uuid, store::patients::PatientRow> =
            store::patients::by_ids(db, &patient_ids).await?.into_iter().map(|p| (p.id, p)).collect();
        let services: HashMap<Uuid, String> =
            schedule_store::services(db).await?.into_iter().map(|s| (s.id, s.name)).collect();
        let mut closures: HashMap<Uuid, ReferralClosure> = if rows.len() == 1 {
            let id = rows[0].id;
            referral_store::closure(db, id).await?.into_iter().map(|c| (id, c)).collect()
        } else {
            referral_store::closures(db).await?.into_iter().collect()
        };
        let reason_visible = may_see_reason(who.role);
        let mut out = Vec::with_capacity(rows.len());
        for mut r in rows {
            let entry = entry_of.remove(&r.id);
            let appointment_id = r.appointment_id.or(entry.as_ref().and_then(|w| w.appointment_id));
            let appointment = appointment_id.and_then(|a| appointments.get(&a).cloned());
            let closure = closures.remove(&r.id);
            let state = match (&closure, state_of(&r, entry.as_ref(), appointment.as_ref())) {
                (Some(c), ReferralState::Closed) if c.outcome.as_deref() == Some("seen") => ReferralState::Seen,
                (_, s) => s,
            };
            let target_date = r.target_date.parse::<Date>().ok();
            let priority = ReferralPriority::parse(&r.priority).unwrap_or(ReferralPriority::Routine);
            let patient = patients.get(&r.patient_id);
            if !reason_visible {
                r.reason = String::new();
            }
            out.push(ReferralSummary {
                reason_visible,
                priority,
                state,
                target_date,
                target: target_date.map(|t| targets.status(t, today)).unwrap_or(TargetStatus::OnTrack),
                patient_name: patient.map(list_name).unwrap_or_else(|| "Unknown patient".into()),
                nhs_number: patient
                    .and_then(|p| p.nhs_number.as_deref())
                    .map(|n| NhsNumber::parse(n).map(|x| x.to_string()).unwrap_or_else(|_| n.to_owned())),
                service_name: r.service_id.and_then(|s| services.get(&s).cloned()),
                waiting: entry,
                appointment,
                closure,
                row: r,
            });
        }
        Ok(out)
    }
}
