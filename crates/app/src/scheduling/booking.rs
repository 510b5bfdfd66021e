//! Booking: check the request against the rota, the booking window and the patient's needs, then write it
//! through the booking writer, which commits bookings that arrive together in one transaction.
//!
//! Why a writer that batches: at 8am hundreds of patients try for the same few slots at once. One
//! transaction per booking means one fsync per booking (SQLite with `synchronous=FULL`), so bookings/s
//! would be capped by the disk's commit rate. The writer takes every booking waiting in its queue, checks
//! and inserts each one inside a savepoint of one transaction (a booking that finds its slot taken is
//! rolled back alone), commits once and then answers each caller. A booking is answered only after the
//! commit that holds it, so every 201 is on disk. On PostgreSQL exclusion constraints also refuse an
//! overlap written by any other node.

use super::availability::{FreeSlot, SlotQuery};
use super::diary::{AlternativesKey, Diary, Loading, TakenTime};
use super::site_calendar;
use crate::governance::access::Grant;
use crate::patients::actor;
use crate::{App, AppError, Ctx, Result};
use domain::governance::Action;
use domain::patients::record::RegistrationStatus;
use domain::scheduling::appointment::{BookingChannel, Mode};
use domain::scheduling::booking::{BookingWindow, appointment_length, check_patient_bookable};
use domain::scheduling::rota::{SlotProblem, SlotRules, check_slot_start};
use jiff::{SignedDuration, Timestamp};
use std::sync::Arc;
use store::scheduling::{self as schedule_store, AppointmentEventRow, AppointmentRow, OutboxRow};
use store::{Ts, Tx};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

/// Bookings one transaction carries at most.
const BATCH: usize = 128;
/// Alternatives offered when the slot asked for is taken.
const ALTERNATIVES: usize = 5;
/// How long an online hold keeps a slot while the patient confirms.
pub const HOLD_MINUTES: i64 = 5;

/// A booking as asked for.
#[derive(Debug, Clone)]
pub struct BookRequest {
    pub patient_id: Uuid,
    pub service_id: Uuid,
    pub practitioner_id: Uuid,
    pub start: Timestamp,
    pub room_id: Option<Uuid>,
    pub channel: BookingChannel,
    /// A deliberate double booking (urgent patient), with why. Clinicians and practice managers only.
    pub overbook_reason: Option<String>,
    /// Hold the slot for a few minutes instead of booking it (online booking, before the patient confirms).
    pub hold: bool,
}

/// One booking ready to write, and who is waiting for the answer.
struct Job {
    row: AppointmentRow,
    /// Appointment to cancel in the same savepoint (a reschedule), with the version read.
    replaces: Option<(AppointmentRow, i64)>,
    grant: Grant,
    /// History entries (the new appointment's, and the old one's on a reschedule).
    events: Vec<AppointmentEventRow>,
    outbox: Vec<OutboxRow>,
    reply: oneshot::Sender<Result<AppointmentRow, WriteError>>,
}

#[derive(Debug)]
enum WriteError {
    /// The time is taken (found before insert, or refused by a PostgreSQL constraint), with the
    /// practitioner's times found in the way.
    Taken(Vec<TakenTime>),
    /// The appointment being replaced changed since it was read.
    Stale,
    Other(AppError),
}

/// The queue in front of the booking writer.
#[derive(Clone)]
pub(crate) struct BookingWriter {
    queue: mpsc::Sender<Job>,
}

impl BookingWriter {
    pub(crate) fn start(db: store::Db, diary: Arc<Diary>) -> Self {
        let (queue, rx) = mpsc::channel(4096);
        tokio::spawn(run_writer(db, diary, rx));
        Self { queue }
    }
}

async fn run_writer(db: store::Db, diary: Arc<Diary>, mut rx: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut jobs, BATCH).await > 0 {
        write_batch(&db, &diary, &mut jobs).await;
        jobs.clear();
    }
}

/// The practitioner's time a booking takes.
fn taken_by(a: &AppointmentRow) -> TakenTime {
    TakenTime {
        practitioner: a.practitioner_id,
        start: a.starts_at.0,
        end: a.ends_at.0,
        hold_expires: a.hold_expires_at.map(|t| t.0),
    }
}

/// Write a batch in one transaction; answer every job.
///
/// - A booking for a time the diary knows is taken is refused without asking the database.
/// - Moves and deliberate overbookings are written one at a time.
/// - The rest are checked together: one read of everything their practitioners, rooms and patients
///   already have in the batch's span, then each is checked in order against that and the ones accepted
///   before it, and the accepted ones are inserted in one statement. On PostgreSQL an overlap written
///   meanwhile by another node makes the insert fail as a whole; the batch then falls back to one
///   booking at a time.
/// - The history, outbox and audit rows of all the written bookings go in together at the end.
async fn write_batch(db: &store::Db, diary: &Diary, jobs: &mut Vec<Job>) {
    let mut results: Vec<Option<Result<AppointmentRow, WriteError>>> = (0..jobs.len()).map(|_| None).collect();
    let mut learned: Vec<TakenTime> = Vec::new();
    let outcome: Result<()> = async {
        let mut tx = db.begin().await?;
        let now = Ts(Timestamp::now());
        schedule_store::expire_holds(&mut tx, now).await?;
        let mut plain = Vec::new();
        for (i, job) in jobs.iter().enumerate() {
            let a = &job.row;
            if job.replaces.is_some() || a.overbooked {
                let r = write_one(&mut tx, job, now).await;
                learn(&mut learned, &r);
                results[i] = Some(r);
            } else if diary.is_taken(a.practitioner_id, a.starts_at.0, a.ends_at.0) {
                results[i] = Some(Err(WriteError::Taken(Vec::new())));
            } else {
                plain.push(i);
            }
        }
        write_together(&mut tx, jobs, &plain, now, &mut results, &mut learned).await?;
        let written = || jobs.iter().zip(&results).filter(|(_, r)| matches!(r, Some(Ok(_)))).map(|(j, _)| j);
        let events: Vec<AppointmentEventRow> = written().flat_map(|j| j.events.iter().cloned()).collect();
        let outbox: Vec<OutboxRow> = written().flat_map(|j| j.outbox.iter().cloned()).collect();
        let grants: Vec<Grant> = written().map(|j| j.grant.clone()).collect();
        schedule_store::add_events(&mut tx, &events).await?;
        schedule_store::enqueue_many(&mut tx, &outbox).await?;
        Grant::record_all(&mut tx, grants).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    if outcome.is_ok() {
        diary.taken(&learned);
        for (job, r) in jobs.iter().zip(&results) {
            if let (Some((old, _)), Some(Ok(_))) = (&job.replaces, r) {
                diary.released(old.practitioner_id);
            }
        }
    }
    for (job, r) in jobs.drain(..).zip(results) {
        let answer = match &outcome {
            Ok(()) => r.unwrap_or(Err(WriteError::Other(AppError::Internal("no result".into())))),
            Err(e) => Err(WriteError::Other(AppError::Internal(format!("the booking could not be saved: {e}")))),
        };
        let _ = job.reply.send(answer);
    }
}

/// Keep what a booking's outcome says about who has which time.
fn learn(learned: &mut Vec<TakenTime>, r: &Result<AppointmentRow, WriteError>) {
    match r {
        Ok(a) => learned.push(taken_by(a)),
        Err(WriteError::Taken(found)) => learned.extend(found.iter().copied()),
        Err(_) => {}
    }
}

/// Check and insert plain bookings (the `plain` indexes of `jobs`) together; see [`write_batch`].
async fn write_together(
    tx: &mut Tx,
    jobs: &[Job],
    plain: &[usize],
    now: Ts,
    results: &mut [Option<Result<AppointmentRow, WriteError>>],
    learned: &mut Vec<TakenTime>,
) -> Result<()> {
    if plain.is_empty() {
        return Ok(());
    }
    let ids = |f: &dyn Fn(&AppointmentRow) -> Option<Uuid>| {
        let mut v: Vec<Uuid> = plain.iter().filter_map(|&i| f(&jobs[i].row)).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let practitioners = ids(&|a| Some(a.practitioner_id));
    let rooms = ids(&|a| a.room_id);
    let patients = ids(&|a| Some(a.patient_id));
    let from = plain.iter().map(|&i| jobs[i].row.starts_at).min().unwrap_or(now);
    let to = plain.iter().map(|&i| jobs[i].row.ends_at).max().unwrap_or(now);
    let existing = schedule_store::clashes_many(&mut *tx, &practitioners, &rooms, &patients, from, to, now).await?;
    let mut accepted: Vec<usize> = Vec::new();
    for &i in plain {
        let a = &jobs[i].row;
        let in_the_way = |b: &&AppointmentRow| {
            b.starts_at < a.ends_at
                && b.ends_at > a.starts_at
                && (b.practitioner_id == a.practitioner_id
                    || b.patient_id == a.patient_id
                    || (a.room_id.is_some() && b.room_id == a.room_id))
        };
        let found: Vec<&AppointmentRow> =
            existing.iter().chain(accepted.iter().map(|&j| &jobs[j].row)).filter(in_the_way).collect();
        if found.is_empty() {
            accepted.push(i);
        } else {
            let r = Err(WriteError::Taken(
                found.iter().filter(|b| b.practitioner_id == a.practitioner_id).map(|b| taken_by(b)).collect(),
            ));
            learn(learned, &r);
            results[i] = Some(r);
        }
    }
    let rows: Vec<AppointmentRow> = accepted.iter().map(|&i| jobs[i].row.clone()).collect();
    let inserted = if tx.backend() == store::Backend::Postgres {
        schedule_store::savepoint(tx, "together").await?;
        match schedule_store::insert_appointments(tx, &rows).await {
            Ok(()) => {
                schedule_store::release_savepoint(tx, "together").await?;
                true
            }
            Err(e) if e.is_overlap() => {
                schedule_store::rollback_to_savepoint(tx, "together").await?;
                schedule_store::release_savepoint(tx, "together").await?;
                false
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        schedule_store::insert_appointments(tx, &rows).await?;
        true
    };
    for &i in &accepted {
        let r = if inserted { Ok(jobs[i].row.clone()) } else { write_one(tx, &jobs[i], now).await };
        learn(learned, &r);
        results[i] = Some(r);
    }
    Ok(())
}

/// Check one booking and insert it. The overlap check reads only, so a refusal has nothing to undo. A
/// savepoint is needed only where a failed statement would leave something behind: on PostgreSQL (an
/// error aborts the transaction) and for a move (the old time is released first). On SQLite a failed
/// INSERT undoes itself.
async fn write_one(tx: &mut Tx, job: &Job, now: Ts) -> Result<AppointmentRow, WriteError> {
    let guarded = job.replaces.is_some() || tx.backend() == store::Backend::Postgres;
    if guarded {
        schedule_store::savepoint(tx, "booking").await.map_err(|e| WriteError::Other(e.into()))?;
    }
    let r = write_guarded(tx, job, now).await;
    if guarded {
        let undo = async {
            if r.is_err() {
                schedule_store::rollback_to_savepoint(tx, "booking").await?;
            }
            schedule_store::release_savepoint(tx, "booking").await
        };
        undo.await.map_err(|e| WriteError::Other(e.into()))?;
    }
    r
}

async fn write_guarded(tx: &mut Tx, job: &Job, now: Ts) -> Result<AppointmentRow, WriteError> {
    let store_err =
        |e: store::StoreError| if e.is_overlap() { WriteError::Taken(Vec::new()) } else { WriteError::Other(e.into()) };
    if let Some((old, expected)) = &job.replaces {
        // Release the old time first (inside the savepoint): if the new one cannot be had, both roll back.
        if !schedule_store::update_appointment(tx, old, *expected).await.map_err(store_err)? {
            return Err(WriteError::Stale);
        }
    }
    let a = &job.row;
    if !a.overbooked {
        let except = job.replaces.as_ref().map(|(o, _)| o.id);
        let clashes = schedule_store::clashes(
            &mut *tx,
            a.practitioner_id,
            a.room_id,
            a.patient_id,
            a.starts_at,
            a.ends_at,
            now,
            except,
        )
        .await
        .map_err(store_err)?;
        if !clashes.is_empty() {
            // Remember the practitioner's times in the way (a clash of the room or the patient's own
            // diary says nothing about this practitioner's other bookers).
            let found = clashes.iter().filter(|c| c.practitioner_id == a.practitioner_id).map(taken_by).collect();
            return Err(WriteError::Taken(found));
        }
    }
    schedule_store::insert_appointment(tx, a).await.map_err(store_err)?;
    Ok(a.clone())
}

impl App {
    /// Book (or hold) an appointment. A taken time is [`AppError::SlotUnavailable`] with alternatives.
    pub async fn book(&self, ctx: &Ctx, req: &BookRequest) -> Result<AppointmentRow> {
        if req.overbook_reason.is_none() {
            // At the 8am rush most attempts are for times already gone: say so before reading anything
            // about the patient or queueing for the writer.
            self.may(ctx, Action::BookAppointment).await?;
            if let Some(taken) = self.known_taken(req).await? {
                return Err(taken);
            }
        }
        let (row, grant, event, outbox) = self.plan_booking(ctx, req, None).await?;
        self.write_booking(req, row, None, grant, vec![event], outbox).await
    }

    /// Move an appointment to a new time: the new time is secured in the same transaction that releases
    /// the old, so the patient never ends up with neither.
    pub async fn reschedule(
        &self,
        ctx: &Ctx,
        id: Uuid,
        expected_version: Option<i64>,
        start: Timestamp,
        practitioner: Option<Uuid>,
    ) -> Result<AppointmentRow> {
        let old =
            schedule_store::appointment(self.db(), id).await?.ok_or(AppError::NotFound { what: "appointment" })?;
        if let Some(v) = expected_version
            && v != old.version
        {
            return Err(AppError::Conflict {
                message: "The appointment was changed by someone else. Reload it and try again".into(),
            });
        }
        if !matches!(old.status.as_str(), "booked" | "pending") {
            return Err(AppError::invalid("status", format!("A {} appointment cannot be moved", old.status)));
        }
        let req = BookRequest {
            patient_id: old.patient_id,
            service_id: old.service_id,
            practitioner_id: practitioner.unwrap_or(old.practitioner_id),
            start,
            room_id: if practitioner.is_none_or(|p| p == old.practitioner_id) { old.room_id } else { None },
            channel: BookingChannel::parse(&old.channel).unwrap_or(BookingChannel::Desk),
            overbook_reason: None,
            hold: false,
        };
        let (mut row, grant, mut event, mut outbox) = self.plan_booking(ctx, &req, Some(&old)).await?;
        row.rescheduled_from = Some(old.id);
        row.sequence = old.sequence + 1;
        // "Your appointment has moved" (with the calendar update) instead of a new confirmation; the old
        // appointment's reminders stop on their own, since it is no longer booked.
        for job in outbox.iter_mut().filter(|j| j.kind == "booking-confirmation") {
            job.kind = "reschedule".into();
            job.dedupe_key = format!("reschedule:{}", row.id);
            job.payload = serde_json::json!({ "starts_at": row.starts_at.0.to_string() }).to_string();
        }
        event.action = "rescheduled".into();
        event.detail = Some(format!("moved from {}", old.starts_at.0));
        let now = Ts(Timestamp::now());
        let mut released = old.clone();
        released.status = "cancelled".into();
        released.active = false;
        released.cancelled_by = Some("practice".into());
        released.cancel_reason = Some("rescheduled".into());
        released.sequence += 1;
        released.version += 1;
        released.updated_at = now;
        let moved_to = AppointmentEventRow {
            id: domain::new_id(),
            appointment_id: old.id,
            at: now,
            actor: event.actor.clone(),
            action: "rescheduled".into(),
            detail: Some(format!("moved to {} (appointment {})", row.starts_at.0, row.id)),
        };
        let grant = grant.named("reschedule_appointment").with_reason(format!("from appointment {}", old.id));
        self.write_booking(&req, row, Some((released, old.version)), grant, vec![event, moved_to], outbox).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn write_booking(
        &self,
        req: &BookRequest,
        row: AppointmentRow,
        replaces: Option<(AppointmentRow, i64)>,
        grant: Grant,
        events: Vec<AppointmentEventRow>,
        outbox: Vec<OutboxRow>,
    ) -> Result<AppointmentRow> {
        let (reply, answer) = oneshot::channel();
        let _in_flight = self.diary().in_flight(row.practitioner_id, row.starts_at.0);
        self.booking_writer()
            .queue
            .send(Job { row: row.clone(), replaces, grant, events, outbox, reply })
            .await
            .map_err(|_| AppError::Internal("the booking writer has stopped".into()))?;
        match answer.await.map_err(|_| AppError::Internal("the booking writer has stopped".into()))? {
            Ok(a) => Ok(a),
            Err(WriteError::Other(e)) => Err(e),
            Err(WriteError::Stale) => Err(AppError::Conflict {
                message: "The appointment was changed by someone else. Reload it and try again".into(),
            }),
            Err(WriteError::Taken(_)) => {
                let multiplier = if row.longer { 2 } else { 1 };
                Err(self.slot_unavailable(req.service_id, row.site_id, row.starts_at.0, multiplier).await)
            }
        }
    }

    /// A booking for a time this node knows is taken: the 409 to answer, without reading the patient.
    async fn known_taken(&self, req: &BookRequest) -> Result<Option<AppError>> {
        let day = req.start.to_zoned(jiff::tz::TimeZone::UTC).date();
        let (from, to) = (day.yesterday().unwrap_or(day), day.tomorrow().unwrap_or(day));
        let cal = match self.calendar(req.service_id, Some(req.practitioner_id), None, from, to).await {
            Ok(cal) => cal,
            Err(_) => return Ok(None), // the full check gives the right error
        };
        let Some(slot) = cal.slots.iter().find(|s| s.practitioner == req.practitioner_id && s.start == req.start)
        else {
            return Ok(None);
        };
        if !self.diary().is_taken(slot.practitioner, slot.start, slot.end) {
            return Ok(None);
        }
        let Some(site) = cal.site_of(slot) else { return Ok(None) };
        Ok(Some(self.slot_unavailable(req.service_id, site.id, slot.start, 1).await))
    }

    /// "That time has just been taken", with the nearest free times: the same day first (what the
    /// patient wanted), then the week after. The lists are kept for a moment in the diary, since at the
    /// 8am rush everyone asks for the same day.
    async fn slot_unavailable(&self, service: Uuid, site: Uuid, start: Timestamp, multiplier: u16) -> AppError {
        let day = start.to_zoned(jiff::tz::TimeZone::UTC).date();
        let mut free = Vec::new();
        for days in [0, 7] {
            let to = day.checked_add(jiff::Span::new().days(days)).unwrap_or(day);
            let key = AlternativesKey { service, site, from: day, to, multiplier };
            free = match self.diary().alternatives(&key) {
                Some(free) => free,
                None => {
                    // One read for everyone who missed together; the others find its answer.
                    let _gate = self.diary().gate(Loading::Alternatives(key)).await;
                    match self.diary().alternatives(&key) {
                        Some(free) => free,
                        None => {
                            let q = SlotQuery {
                                service,
                                practitioner: None,
                                site: Some(site),
                                from: day,
                                to,
                                patient: None,
                                limit: 200,
                            };
                            let found = self.free_slots_unchecked(&q, multiplier).await.unwrap_or_default();
                            self.diary().keep_alternatives(key, found.clone());
                            found
                        }
                    }
                }
            };
            if free.len() >= ALTERNATIVES {
                break;
            }
        }
        AppError::SlotUnavailable {
            message: "That time has just been taken. Choose another time".into(),
            alternatives: nearest(free, start, ALTERNATIVES),
        }
    }

    /// Everything about a booking that can be checked before writing it.
    async fn plan_booking(
        &self,
        ctx: &Ctx,
        req: &BookRequest,
        moving: Option<&AppointmentRow>,
    ) -> Result<(AppointmentRow, Grant, AppointmentEventRow, Vec<OutboxRow>)> {
        let who = actor(ctx)?;
        let db = self.db();
        let (patient, grant) =
            self.patient_grant(ctx, req.patient_id, Action::BookAppointment, "appointment", None).await?;
        if patient.merged_into.is_some() {
            return Err(AppError::invalid("patient_id", "This record was merged into another. Book on that record"));
        }
        let status = RegistrationStatus::parse(&patient.registration_status).unwrap_or(RegistrationStatus::Registered);
        let died = patient.date_of_death.as_deref().and_then(|d| d.parse().ok());
        if let Err(p) = check_patient_bookable(status, died) {
            return Err(AppError::invalid("patient_id", p.message()));
        }
        let overbook_reason = match req.overbook_reason.as_deref().map(str::trim) {
            Some("") => {
                return Err(AppError::invalid("overbook_reason", "Enter why this patient must be double-booked"));
            }
            Some(r) if r.chars().count() > 500 => {
                return Err(AppError::invalid("overbook_reason", "Reason must be 500 characters or fewer"));
            }
            Some(r) => {
                self.may(ctx, Action::Overbook).await?;
                Some(r.to_owned())
            }
            None => None,
        };
        let needs = store::patients::needs_of(db, patient.id).await?;
        let needs = domain::scheduling::booking::LengthNeeds::from_record(
            needs.iter().map(|n| n.code.as_str()),
            patient.interpreter_language.as_deref(),
        );

        // The rota around the requested start (a day either side covers any time zone).
        let day = req.start.to_zoned(jiff::tz::TimeZone::UTC).date();
        let (from, to) = (day.yesterday().unwrap_or(day), day.tomorrow().unwrap_or(day));
        // Only this practitioner's rota (kept in the diary: at the 8am rush every booking reads it).
        let cal = self.calendar(req.service_id, Some(req.practitioner_id), None, from, to).await?;
        if !cal.delivers.contains(&req.practitioner_id) {
            return Err(AppError::invalid("practitioner_id", "This practitioner does not offer this service"));
        }
        let mine: Vec<_> = cal.slots.iter().filter(|s| s.practitioner == req.practitioner_id).collect();
        let Some(slot) = mine.iter().find(|s| s.start == req.start) else {
            return Err(AppError::invalid("start", self.why_not_a_slot(req, &cal).await?.message()));
        };
        let site = cal.site_of(slot).ok_or_else(|| AppError::Internal("slot without a site".into()))?.clone();
        let (tz, _) = site_calendar(&site)?;
        let now = Timestamp::now();
        let window = BookingWindow {
            min_notice: SignedDuration::from_mins(i64::from(cal.service.min_notice_minutes.max(0))),
            max_days_ahead: cal.service.max_days_ahead.clamp(0, u16::MAX as i32) as u16,
        };
        // Staff may book inside the notice period (a same-day emergency); nobody books in the past.
        let window = if who.role == domain::governance::Role::Patient {
            window
        } else {
            BookingWindow { min_notice: SignedDuration::ZERO, ..window }
        };
        if moving.is_none_or(|m| m.starts_at.0 != req.start)
            && let Err(p) = window.check(now, req.start, &tz)
        {
            return Err(AppError::invalid("start", p.message()));
        }
        if req.channel == BookingChannel::Online && !cal.service.bookable_online {
            return Err(AppError::invalid(
                "service_id",
                "This service cannot be booked online. Please phone the practice",
            ));
        }
        let length = appointment_length(cal.length, needs);
        let end = req.start + length.duration();
        if needs.multiplier() > 1 {
            let step = cal.length.duration() + SignedDuration::from_mins(i64::from(cal.service.buffer_minutes));
            let next_ok = mine.iter().any(|s| s.start == req.start + step && s.session == slot.session);
            if !next_ok {
                return Err(AppError::invalid(
                    "start",
                    "This patient needs a double-length appointment, and this is the last slot of the session. Choose an earlier time",
                ));
            }
        }
        let room_id = req.room_id.or(slot.room);
        let now_ts = Ts(now);
        let id = domain::new_id();
        let (status, hold) = if req.hold {
            ("pending", Some(Ts(now + SignedDuration::from_mins(HOLD_MINUTES))))
        } else {
            ("booked", None)
        };
        let row = AppointmentRow {
            id,
            patient_id: patient.id,
            practitioner_id: req.practitioner_id,
            service_id: cal.service.id,
            site_id: site.id,
            room_id,
            starts_at: Ts(req.start),
            ends_at: Ts(end),
            mode: Mode::parse(&cal.service.mode).map(|m| m.as_str()).unwrap_or("face_to_face").into(),
            status: status.into(),
            active: true,
            hold_expires_at: hold,
            channel: req.channel.as_str().into(),
            booked_by: Some(who.user_id),
            overbooked: overbook_reason.is_some(),
            overbook_reason: overbook_reason.clone(),
            interpreter_language: patient.interpreter_language.clone(),
            longer: needs.multiplier() > 1,
            cancelled_by: None,
            cancel_reason: None,
            arrived_at: None,
            called_at: None,
            finished_at: None,
            sequence: 0,
            rescheduled_from: None,
            version: 1,
            created_at: now_ts,
            updated_at: now_ts,
        };
        let action = if req.hold {
            "held"
        } else if overbook_reason.is_some() {
            "overbooked"
        } else {
            "booked"
        };
        let event = AppointmentEventRow {
            id: domain::new_id(),
            appointment_id: id,
            at: now_ts,
            actor: who.username.clone(),
            action: action.into(),
            detail: overbook_reason.clone(),
        };
        let mut grant = grant.with_resource(id).about_patient(patient.id).named(if req.hold {
            "hold_appointment"
        } else if overbook_reason.is_some() {
            "overbook_appointment"
        } else {
            "book_appointment"
        });
        if let Some(r) = overbook_reason {
            grant = grant.with_reason(r);
        }
        // The confirmation and the reminders are queued with the booking (a hold gets them when confirmed).
        let outbox = if req.hold {
            Vec::new()
        } else {
            let mut jobs = vec![confirmation(&row, now_ts)];
            jobs.extend(crate::messaging::reminders::reminder_jobs(&row, &cal.service, &tz, now));
            jobs
        };
        Ok((row, grant, event, outbox))
    }

    /// Why a requested start is not one of the practitioner's slots, for the field message.
    async fn why_not_a_slot(&self, req: &BookRequest, cal: &super::availability::Calendar) -> Result<SlotProblem> {
        let db = self.db();
        let day = req.start.to_zoned(jiff::tz::TimeZone::UTC).date();
        let (f, t) = (day.yesterday().unwrap_or(day).to_string(), day.tomorrow().unwrap_or(day).to_string());
        let sessions: Vec<_> = schedule_store::sessions_of(db, &[req.practitioner_id], &f, &t)
            .await?
            .iter()
            .map(super::session_of)
            .collect::<Result<_>>()?;
        let exceptions: Vec<_> = schedule_store::exceptions_of(db, &[req.practitioner_id], &f, &t)
            .await?
            .iter()
            .map(super::exception_of)
            .collect::<Result<_>>()?;
        let mut problem = SlotProblem::OutsideSession;
        for site in cal.sites.values() {
            let here: Vec<_> = sessions.iter().filter(|s| s.site == site.id).cloned().collect();
            if here.is_empty() {
                continue;
            }
            let (tz, division) = site_calendar(site)?;
            let rules = SlotRules {
                time_zone: &tz,
                division,
                holidays: &self.config().bank_holidays,
                service: cal.service.id,
                length: cal.length,
                buffer_minutes: cal.service.buffer_minutes as u16,
            };
            match check_slot_start(&here, &exceptions, &rules, req.practitioner_id, req.start) {
                Err(SlotProblem::OutsideSession) | Ok(_) => {}
                Err(p) => problem = p,
            }
        }
        Ok(problem)
    }

    /// Confirm a hold (online booking, once the patient says yes) before it expires.
    pub async fn confirm_hold(&self, ctx: &Ctx, id: Uuid) -> Result<AppointmentRow> {
        let who = actor(ctx)?;
        let db = self.db();
        let held = schedule_store::appointment(db, id).await?.ok_or(AppError::NotFound { what: "appointment" })?;
        let (_, grant) = self.patient_grant(ctx, held.patient_id, Action::BookAppointment, "appointment", None).await?;
        let now = Ts(Timestamp::now());
        if held.status != "pending" || !held.active {
            return Err(AppError::invalid("status", "Only a held time can be confirmed"));
        }
        if held.hold_expires_at.is_some_and(|t| t <= now) {
            return Err(AppError::invalid("status", "The hold on this time has run out. Choose a time again"));
        }
        let mut a = held.clone();
        a.status = "booked".into();
        a.hold_expires_at = None;
        a.version += 1;
        a.updated_at = now;
        let mut tx = db.begin().await?;
        if !schedule_store::update_appointment(&mut tx, &a, held.version).await? {
            return Err(AppError::Conflict {
                message: "The appointment was changed by someone else. Reload it and try again".into(),
            });
        }
        schedule_store::add_event(
            &mut tx,
            &AppointmentEventRow {
                id: domain::new_id(),
                appointment_id: a.id,
                at: now,
                actor: who.username.clone(),
                action: "booked".into(),
                detail: Some("hold confirmed".into()),
            },
        )
        .await?;
        schedule_store::enqueue(&mut tx, &confirmation(&a, now)).await?;
        grant.with_resource(a.id).named("confirm_hold").record(&mut tx).await?;
        tx.commit().await?;
        Ok(a)
    }

    fn booking_writer(&self) -> &BookingWriter {
        self.inner.bookings.get_or_init(|| BookingWriter::start(self.db().clone(), self.inner.diary.clone()))
    }
}

/// The "your appointment is booked" message, queued with the booking.
pub(crate) fn confirmation(a: &AppointmentRow, now: Ts) -> OutboxRow {
    OutboxRow {
        id: domain::new_id(),
        kind: "booking-confirmation".into(),
        dedupe_key: format!("confirmation:{}", a.id),
        patient_id: Some(a.patient_id),
        appointment_id: Some(a.id),
        payload: "{}".into(),
        due_at: now,
        state: "queued".into(),
        attempts: 0,
        created_at: now,
    }
}

/// The `n` free slots nearest to a time, soonest first.
fn nearest(mut free: Vec<FreeSlot>, to: Timestamp, n: usize) -> Vec<FreeSlot> {
    free.sort_by_key(|s| s.start.duration_since(to).abs());
    free.truncate(n);
    free.sort_by_key(|s| s.start);
    free
}
