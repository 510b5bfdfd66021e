//! The waiting list, and filling freed slots from it: when an appointment is cancelled, the slot is held
//! for the best-matching waiting patient and an offer goes to the outbox with a link that needs no login.
//! Declined or expired, the slot goes to the next patient; nobody is offered the same slot twice.

use super::site_calendar;
use crate::governance::access::{Access, entry};
use crate::patients::{actor, default_purpose};
use crate::{App, AppError, Ctx, Result};
use base64::Engine;
use domain::governance::audit::Outcome;
use domain::governance::{Action, Purpose};
use domain::scheduling::rota::TimeRange;
use domain::scheduling::waiting::{EntrySource, Preferences, Priority, SlotFit, WaitingEntry, offer_order};
use jiff::civil::{Date, Time, Weekday};
use jiff::{SignedDuration, Timestamp};
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use store::scheduling::waiting::{self as waiting_store, OfferRow, WaitingRow};
use store::scheduling::{self as schedule_store, AppointmentEventRow, AppointmentRow, OutboxRow};
use store::{Ts, Tx};
use uuid::Uuid;

/// How long an offered slot is held for the patient to answer.
pub const OFFER_HOURS: i64 = 2;

/// A waiting-list entry as entered.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WaitingInput {
    pub patient_id: Uuid,
    pub service_id: Uuid,
    /// `urgent`, `soon` or `routine`.
    pub priority: String,
    /// Days that suit (`monday` …); none means any day.
    #[serde(default)]
    pub preferred_days: Vec<String>,
    /// Local time windows that suit (`09:00-12:00`); none means any time.
    #[serde(default)]
    pub preferred_times: Vec<String>,
    pub preferred_practitioner_id: Option<Uuid>,
    #[serde(default)]
    pub only_preferred_practitioner: bool,
    /// Date they should be seen by (`YYYY-MM-DD`).
    pub target_date: Option<String>,
    /// `referral`, `request` or `clinician`.
    pub source: String,
}

/// What the patient's answer to an offer did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfferAnswer {
    Accepted(Box<AppointmentRow>),
    Declined,
}

fn weekday(s: &str) -> Option<Weekday> {
    Some(match s.trim().to_ascii_lowercase().as_str() {
        "monday" | "1" => Weekday::Monday,
        "tuesday" | "2" => Weekday::Tuesday,
        "wednesday" | "3" => Weekday::Wednesday,
        "thursday" | "4" => Weekday::Thursday,
        "friday" | "5" => Weekday::Friday,
        "saturday" | "6" => Weekday::Saturday,
        "sunday" | "7" => Weekday::Sunday,
        _ => return None,
    })
}

fn window(s: &str) -> Option<TimeRange> {
    let (a, b) = s.trim().split_once('-')?;
    TimeRange::new(a.trim().parse::<Time>().ok()?, b.trim().parse::<Time>().ok()?).ok()
}

/// The domain's view of a stored entry.
fn entry_of(w: &WaitingRow) -> WaitingEntry {
    WaitingEntry {
        id: w.id,
        patient: w.patient_id,
        service: w.service_id,
        priority: Priority::parse(&w.priority).unwrap_or(Priority::Routine),
        preferences: Preferences {
            days: w.preferred_days.split(',').filter_map(weekday).collect(),
            times: w.preferred_times.split(',').filter_map(window).collect(),
            practitioner: w.preferred_practitioner_id,
            only_preferred_practitioner: w.only_preferred_practitioner,
        },
        added: w.created_at.0,
        target: w.target_date.as_deref().and_then(|d| d.parse().ok()),
        source: EntrySource::parse(&w.source).unwrap_or(EntrySource::Request),
    }
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl App {
    pub async fn add_to_waiting_list(&self, ctx: &Ctx, input: &WaitingInput) -> Result<WaitingRow> {
        let db = self.db();
        let (patient, grant) =
            self.patient_grant(ctx, input.patient_id, Action::BookAppointment, "waiting_list", None).await?;
        let mut e = domain::validation::Errors::new();
        if schedule_store::service(db, input.service_id).await?.is_none() {
            e.add("service_id", "No service has this id");
        }
        let priority = Priority::parse(&input.priority).map_err(|m| e.add("priority", m)).ok();
        let source = EntrySource::parse(&input.source).map_err(|m| e.add("source", m)).ok();
        let mut days = Vec::new();
        for (i, d) in input.preferred_days.iter().enumerate() {
            match weekday(d) {
                Some(w) => days.push(w.to_monday_one_offset().to_string()),
                None => e.add(format!("preferred_days[{i}]"), "Enter a day of the week, such as monday"),
            }
        }
        let mut times = Vec::new();
        for (i, t) in input.preferred_times.iter().enumerate() {
            match window(t) {
                Some(w) => times.push(format!("{}-{}", hhmm(w.start()), hhmm(w.end()))),
                None => e.add(format!("preferred_times[{i}]"), "Enter a time window such as 09:00-12:00"),
            }
        }
        if let Some(p) = input.preferred_practitioner_id
            && schedule_store::practitioner(db, p).await?.is_none()
        {
            e.add("preferred_practitioner_id", "No practitioner has this id");
        }
        let today = jiff::Zoned::now().date();
        let target = match input.target_date.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(d) => match d.parse::<Date>() {
                Ok(d) if d >= today => Some(d),
                Ok(_) => {
                    e.add("target_date", "The target date must be today or later");
                    None
                }
                Err(_) => {
                    e.add("target_date", "Enter a date such as 2027-01-04");
                    None
                }
            },
        };
        if patient.date_of_death.is_some() || patient.registration_status == "deceased" {
            e.add("patient_id", "This patient has died and cannot be added to a waiting list");
        }
        e.finish()?;
        let row = WaitingRow {
            id: domain::new_id(),
            patient_id: patient.id,
            service_id: input.service_id,
            priority: priority.map(|p| p.as_str()).unwrap_or("routine").into(),
            preferred_days: days.join(","),
            preferred_times: times.join(","),
            preferred_practitioner_id: input.preferred_practitioner_id,
            only_preferred_practitioner: input.only_preferred_practitioner,
            added_on: today.to_string(),
            target_date: target.map(|d| d.to_string()),
            source: source.map(|s| s.as_str()).unwrap_or("request").into(),
            referral_id: None,
            status: "waiting".into(),
            appointment_id: None,
            created_at: Ts(Timestamp::now()),
        };
        let mut tx = db.begin().await?;
        waiting_store::insert_waiting(&mut tx, &row).await?;
        grant.with_resource(row.id).named("add_to_waiting_list").record(&mut tx).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The waiting list (optionally one service), with every entry's status.
    pub async fn waiting_list(&self, ctx: &Ctx, service: Option<Uuid>) -> Result<Vec<WaitingRow>> {
        let who = actor(ctx)?;
        let grant = self
            .authorize(ctx, Access::general(Action::ViewDayList, default_purpose(who.role), "waiting_list"))
            .await?;
        let rows = waiting_store::waiting_entries(self.db(), service, None).await?;
        let mut tx = self.db().begin().await?;
        grant.named("view_waiting_list").with_reason(format!("{} entries", rows.len())).record(&mut tx).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Offer a freed slot (the times of `freed`) to the best-matching waiting patient who has not been
    /// offered it yet, inside the caller's transaction. Returns the offer, if anyone suits.
    pub(crate) async fn offer_freed_slot(
        &self,
        tx: &mut Tx,
        freed: &AppointmentRow,
        slot_freed_at: Ts,
        chain_position: i32,
    ) -> Result<Option<OfferRow>> {
        let now = Timestamp::now();
        if freed.starts_at.0 <= now + SignedDuration::from_mins(30) {
            return Ok(None); // too soon for anyone to get there
        }
        let site = store::organisation::sites(&mut *tx)
            .await?
            .into_iter()
            .find(|s| s.id == freed.site_id)
            .ok_or(AppError::NotFound { what: "site" })?;
        let (tz, _) = site_calendar(&site)?;
        let start = tz.to_datetime(freed.starts_at.0);
        let fit = SlotFit {
            service: freed.service_id,
            practitioner: freed.practitioner_id,
            date: start.date(),
            start: start.time(),
            end: start.time().checked_add(freed.ends_at.0.duration_since(freed.starts_at.0)).unwrap_or(Time::MAX),
        };
        let already = waiting_store::offered_in_chain(&mut *tx, slot_freed_at).await?;
        let waiting: Vec<WaitingEntry> =
            waiting_store::waiting_entries(&mut *tx, Some(freed.service_id), Some("waiting"))
                .await?
                .iter()
                .filter(|w| !already.contains(&w.id))
                .map(entry_of)
                .collect();
        for (candidate, _) in offer_order(&waiting, &fit) {
            let clashes = schedule_store::clashes(
                &mut *tx,
                freed.practitioner_id,
                freed.room_id,
                candidate.patient,
                freed.starts_at,
                freed.ends_at,
                Ts(now),
                None,
            )
            .await?;
            if !clashes.is_empty() {
                continue; // they are busy then (or someone took the slot meanwhile)
            }
            // A patient who needs a longer appointment (or an interpreter) is not offered a single slot.
            let Some(patient) = store::patients::by_id(&mut *tx, candidate.patient).await? else { continue };
            if patient.date_of_death.is_some() || patient.merged_into.is_some() {
                continue;
            }
            let needs = store::patients::needs_of(&mut *tx, patient.id).await?;
            let needs = domain::scheduling::booking::LengthNeeds::from_record(
                needs.iter().map(|n| n.code.as_str()),
                patient.interpreter_language.as_deref(),
            );
            if needs.multiplier() > 1 && !freed.longer {
                continue;
            }
            let hold_until = Ts(now + SignedDuration::from_hours(OFFER_HOURS));
            let hold = AppointmentRow {
                id: domain::new_id(),
                patient_id: candidate.patient,
                status: "pending".into(),
                active: true,
                hold_expires_at: Some(hold_until),
                channel: "waiting_list_offer".into(),
                booked_by: None,
                interpreter_language: patient.interpreter_language.clone(),
                overbooked: false,
                overbook_reason: None,
                cancelled_by: None,
                cancel_reason: None,
                arrived_at: None,
                called_at: None,
                finished_at: None,
                sequence: 0,
                rescheduled_from: None,
                version: 1,
                created_at: Ts(now),
                updated_at: Ts(now),
                ..freed.clone()
            };
            schedule_store::insert_appointment(tx, &hold).await?;
            let mut secret = [0u8; 16]; // 128 bits: short enough for a text message
            rand::rng().fill_bytes(&mut secret);
            let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
            let offer = OfferRow {
                id: domain::new_id(),
                waiting_id: candidate.id,
                appointment_id: hold.id,
                offered_at: Ts(now),
                expires_at: hold_until,
                outcome: "open".into(),
                decided_at: None,
                slot_freed_at,
                chain_position,
                token_hash: Some(token_hash(&token)),
            };
            waiting_store::insert_offer(tx, &offer).await?;
            waiting_store::set_waiting_status(tx, candidate.id, "waiting", "offered", Some(hold.id)).await?;
            schedule_store::add_event(
                tx,
                &AppointmentEventRow {
                    id: domain::new_id(),
                    appointment_id: hold.id,
                    at: Ts(now),
                    actor: "carefront".into(),
                    action: "offered".into(),
                    detail: Some(format!("offer {} of a freed slot, held until {}", chain_position, hold_until.0)),
                },
            )
            .await?;
            // The link's token travels to the messaging worker in the job; only its hash is kept elsewhere.
            schedule_store::enqueue(
                tx,
                &OutboxRow {
                    id: domain::new_id(),
                    kind: "waiting-list-offer".into(),
                    dedupe_key: format!("offer:{}", offer.id),
                    patient_id: Some(candidate.patient),
                    appointment_id: Some(hold.id),
                    payload: serde_json::json!({ "offer_id": offer.id, "token": token, "expires_at": hold_until.0 })
                        .to_string(),
                    due_at: Ts(now),
                    state: "queued".into(),
                    attempts: 0,
                    created_at: Ts(now),
                },
            )
            .await?;
            let mut e =
                entry(&Ctx::system(), "offer_freed_slot", "offer", Some(offer.id.to_string()), Outcome::Allowed);
            e.patient_id = Some(candidate.patient);
            e.purpose = Some(Purpose::DirectCare.as_str().into());
            e.reason = Some(format!("slot of appointment {} offered from the waiting list", freed.id));
            store::governance::audit::append(tx, e).await?;
            return Ok(Some(offer));
        }
        Ok(None)
    }

    /// The offer a link's token is for, if any (nothing is read about the patient).
    pub(crate) async fn offer_of_token(&self, token: &str) -> Result<Option<OfferRow>> {
        if token.trim().is_empty() || token.len() > 100 {
            return Ok(None);
        }
        Ok(waiting_store::offer_by_token(self.db(), &token_hash(token.trim())).await?)
    }

    /// The patient's answer from the offer link (no login: the token is the authority).
    pub async fn answer_offer(&self, ctx: &Ctx, token: &str, accept: bool) -> Result<OfferAnswer> {
        let offer = waiting_store::offer_by_token(self.db(), &token_hash(token.trim()))
            .await?
            .ok_or(AppError::NotFound { what: "offer" })?;
        let now = Ts(Timestamp::now());
        if offer.outcome != "open" || offer.expires_at <= now {
            return Err(AppError::invalid("offer", "This offer has ended. Please contact the practice to book"));
        }
        let mut tx = self.db().begin().await?;
        let hold = schedule_store::appointment(&mut tx, offer.appointment_id)
            .await?
            .ok_or(AppError::NotFound { what: "appointment" })?;
        if !waiting_store::close_offer(&mut tx, offer.id, if accept { "accepted" } else { "declined" }, now).await? {
            return Err(AppError::invalid("offer", "This offer has ended. Please contact the practice to book"));
        }
        let mut e = entry(
            ctx,
            if accept { "accept_offer" } else { "decline_offer" },
            "offer",
            Some(offer.id.to_string()),
            Outcome::Allowed,
        );
        e.patient_id = Some(hold.patient_id);
        e.purpose = Some(Purpose::PatientRequest.as_str().into());
        e.reason = Some("answered from the offer link".into());
        store::governance::audit::append(&mut tx, e).await?;
        let answer = if accept {
            let mut a = hold.clone();
            a.status = "booked".into();
            a.hold_expires_at = None;
            a.version += 1;
            a.updated_at = now;
            if !schedule_store::update_appointment(&mut tx, &a, hold.version).await? {
                return Err(AppError::Conflict { message: "The offer changed. Please try the link again".into() });
            }
            waiting_store::set_waiting_status(&mut tx, offer.waiting_id, "offered", "booked", Some(a.id)).await?;
            // A referral waiting on this entry is booked now too (it leaves the warning list). One that
            // staff changed meanwhile (closed, booked another way) is left as they made it.
            if let Some(referral) =
                waiting_store::waiting_entry(&mut tx, offer.waiting_id).await?.and_then(|w| w.referral_id)
            {
                store::scheduling::referrals::set_booked(&mut tx, referral, "waiting", None, a.id).await?;
            }
            self.note(&mut tx, &a, "booked", "offer accepted").await?;
            schedule_store::enqueue(&mut tx, &super::booking::confirmation(&a, now)).await?;
            // The reminders, now that the time is booked.
            let service = schedule_store::service(&mut tx, a.service_id).await?;
            let site = store::messaging::outbox::site_contact(&mut tx, a.site_id).await?;
            if let (Some(service), Some(Ok(tz))) = (service, site.map(|s| jiff::tz::TimeZone::get(&s.time_zone))) {
                let reminders = crate::messaging::reminders::reminder_jobs(&a, &service, &tz, now.0);
                schedule_store::enqueue_many(&mut tx, &reminders).await?;
            }
            OfferAnswer::Accepted(Box::new(a))
        } else {
            self.release_offer(&mut tx, &offer, &hold, "offer declined").await?;
            OfferAnswer::Declined
        };
        tx.commit().await?;
        Ok(answer)
    }

    /// Close offers nobody answered in time and offer their slots on. Returns how many expired.
    pub async fn expire_offers(&self) -> Result<usize> {
        let now = Ts(Timestamp::now());
        let due = waiting_store::offers_due(self.db(), now).await?;
        for offer in &due {
            let mut tx = self.db().begin().await?;
            if !waiting_store::close_offer(&mut tx, offer.id, "expired", now).await? {
                continue; // answered meanwhile
            }
            if let Some(hold) = schedule_store::appointment(&mut tx, offer.appointment_id).await? {
                self.release_offer(&mut tx, offer, &hold, "offer not answered in time").await?;
            }
            tx.commit().await?;
        }
        Ok(due.len())
    }

    /// Let go of an offer's hold, put the patient back on the list, and offer the slot to the next one.
    async fn release_offer(&self, tx: &mut Tx, offer: &OfferRow, hold: &AppointmentRow, why: &str) -> Result<()> {
        let now = Ts(Timestamp::now());
        let mut released = hold.clone();
        released.status = "cancelled".into();
        released.active = false;
        released.cancelled_by = Some("patient".into());
        released.cancel_reason = Some(why.into());
        released.version += 1;
        released.updated_at = now;
        schedule_store::update_appointment(tx, &released, hold.version).await?;
        self.diary().released(hold.practitioner_id);
        waiting_store::set_waiting_status(tx, offer.waiting_id, "offered", "waiting", None).await?;
        self.note(tx, &released, "released", why).await?;
        self.offer_freed_slot(tx, hold, offer.slot_freed_at, offer.chain_position + 1).await?;
        Ok(())
    }

    async fn note(&self, tx: &mut Tx, a: &AppointmentRow, action: &str, detail: &str) -> Result<()> {
        schedule_store::add_event(
            tx,
            &AppointmentEventRow {
                id: domain::new_id(),
                appointment_id: a.id,
                at: Ts(Timestamp::now()),
                actor: "carefront".into(),
                action: action.into(),
                detail: Some(detail.into()),
            },
        )
        .await?;
        Ok(())
    }
}

fn hhmm(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}
