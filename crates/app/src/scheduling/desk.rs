//! An appointment's life after booking: check in, call in, finish, cancel, DNA and undo, entered in
//! error; and the lists reception works from.

use crate::governance::access::Access;
use crate::messaging::reminders::{FollowUp, follow_up_job};
use crate::patients::{actor, default_purpose};
use crate::{App, AppError, Ctx, Result};
use domain::governance::{Action, Role};
use domain::scheduling::appointment::{AppointmentEvent, AppointmentStatus, CancelledBy, apply};
use jiff::{SignedDuration, Timestamp};
use store::Ts;
use store::scheduling::{self as schedule_store, AppointmentEventRow, AppointmentRow, OutboxRow};
use uuid::Uuid;

impl App {
    /// One appointment, for someone allowed to book for its patient.
    pub async fn appointment(&self, ctx: &Ctx, id: Uuid) -> Result<AppointmentRow> {
        let a = schedule_store::appointment(self.db(), id).await?.ok_or(AppError::NotFound { what: "appointment" })?;
        let grant = self.appointment_access(ctx, &a, Action::ViewDayList).await?;
        let mut tx = self.db().begin().await?;
        grant.named("view_appointment").record(&mut tx).await?;
        tx.commit().await?;
        Ok(a)
    }

    /// What happened to an appointment, oldest first.
    pub async fn appointment_events(&self, ctx: &Ctx, id: Uuid) -> Result<Vec<AppointmentEventRow>> {
        let a = schedule_store::appointment(self.db(), id).await?.ok_or(AppError::NotFound { what: "appointment" })?;
        let grant = self.appointment_access(ctx, &a, Action::ViewDayList).await?;
        let events = schedule_store::events_of(self.db(), id).await?;
        let mut tx = self.db().begin().await?;
        grant.named("view_appointment_history").record(&mut tx).await?;
        tx.commit().await?;
        Ok(events)
    }

    /// Appointments starting in `[from, to)`, for the day list; optionally one site or practitioner.
    pub async fn appointments_between(
        &self,
        ctx: &Ctx,
        from: Timestamp,
        to: Timestamp,
        site: Option<Uuid>,
        practitioner: Option<Uuid>,
    ) -> Result<Vec<AppointmentRow>> {
        let who = actor(ctx)?;
        if to <= from || to.duration_since(from) > SignedDuration::from_hours(24 * 31) {
            return Err(AppError::invalid("date", "Ask for 31 days or fewer at a time"));
        }
        let grant =
            self.authorize(ctx, Access::general(Action::ViewDayList, default_purpose(who.role), "day_list")).await?;
        let rows = schedule_store::appointments_between(self.db(), Ts(from), Ts(to), site, practitioner).await?;
        let mut tx = self.db().begin().await?;
        grant.named("view_day_list").with_reason(format!("{} appointments", rows.len())).record(&mut tx).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Move an appointment on: the event must be legal from its status. `expected_version`, when given,
    /// refuses the change if someone else changed the appointment since it was read.
    pub async fn appointment_event(
        &self,
        ctx: &Ctx,
        id: Uuid,
        expected_version: Option<i64>,
        event: AppointmentEvent,
    ) -> Result<AppointmentRow> {
        let who = actor(ctx)?;
        let current =
            schedule_store::appointment(self.db(), id).await?.ok_or(AppError::NotFound { what: "appointment" })?;
        let grant = self.appointment_access(ctx, &current, Action::BookAppointment).await?;
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(stale());
        }
        let status = AppointmentStatus::parse(&current.status)
            .map_err(|_| AppError::invalid("status", "A hold is confirmed or released, not moved on"))?;
        let next = apply(status, &event).map_err(|e| AppError::invalid("status", e.message()))?;
        let now = Timestamp::now();
        if who.role == Role::Patient
            && let AppointmentEvent::Cancel { .. } = event
        {
            let service = schedule_store::service(self.db(), current.service_id)
                .await?
                .ok_or(AppError::NotFound { what: "service" })?;
            let cut_off = SignedDuration::from_mins(i64::from(service.cancel_cutoff_minutes.max(0)));
            if let Err(p) = domain::scheduling::booking::check_cancellation(now, current.starts_at.0, cut_off) {
                return Err(AppError::invalid("status", p.message()));
            }
        }
        let mut a = current.clone();
        a.status = next.as_str().into();
        a.active = next.is_active();
        a.version += 1;
        a.updated_at = Ts(now);
        let mut detail = None;
        match &event {
            AppointmentEvent::CheckIn => a.arrived_at = Some(Ts(now)),
            AppointmentEvent::CallIn => a.called_at = Some(Ts(now)),
            AppointmentEvent::Finish => a.finished_at = Some(Ts(now)),
            AppointmentEvent::Cancel { by, reason } => {
                a.cancelled_by = Some(match by {
                    CancelledBy::Patient => "patient".into(),
                    CancelledBy::Practice => "practice".into(),
                });
                a.cancel_reason = reason.as_ref().map(|r| r.as_str().to_owned());
                a.sequence += 1;
                detail = a.cancel_reason.clone();
            }
            AppointmentEvent::MarkDna => {}
            AppointmentEvent::UndoDna { reason } | AppointmentEvent::EnterInError { reason } => {
                detail = Some(reason.as_str().to_owned());
            }
        }
        let action = event.kind().as_str().to_owned();
        let mut tx = self.db().begin().await?;
        if !schedule_store::update_appointment(&mut tx, &a, current.version).await? {
            return Err(stale());
        }
        schedule_store::add_event(
            &mut tx,
            &AppointmentEventRow {
                id: domain::new_id(),
                appointment_id: a.id,
                at: Ts(now),
                actor: who.username.clone(),
                action: action.clone(),
                detail: detail.clone(),
            },
        )
        .await?;
        self.after_appointment_event(&mut tx, &a, &event, now).await?;
        if let AppointmentEvent::Cancel { by, .. } = &event {
            let kind = match by {
                CancelledBy::Patient => "cancellation-by-patient",
                CancelledBy::Practice => "cancellation-by-practice",
            };
            schedule_store::enqueue(
                &mut tx,
                &OutboxRow {
                    id: domain::new_id(),
                    kind: kind.into(),
                    dedupe_key: format!("cancellation:{}:{}", a.id, a.sequence),
                    patient_id: Some(a.patient_id),
                    appointment_id: Some(a.id),
                    payload: "{}".into(),
                    due_at: Ts(now),
                    state: "queued".into(),
                    attempts: 0,
                    created_at: Ts(now),
                },
            )
            .await?;
            // The freed time goes to the waiting list, in the same transaction.
            self.offer_freed_slot(&mut tx, &current, Ts(now), 1).await?;
        }
        // "We missed you" after a DNA; the service's aftercare after the visit.
        let follow_up = match &event {
            AppointmentEvent::MarkDna => Some(FollowUp::Missed),
            AppointmentEvent::Finish => Some(FollowUp::PostVisit),
            _ => None,
        };
        if let Some(kind) = follow_up
            && let Some(service) = schedule_store::service(&mut tx, a.service_id).await?
            && let Some(job) = follow_up_job(kind, &a, &service, now)
        {
            schedule_store::enqueue(&mut tx, &job).await?;
        }
        let mut grant = grant.named(&format!("appointment_{action}"));
        if let Some(d) = detail {
            grant = grant.with_reason(d);
        }
        grant.record(&mut tx).await?;
        tx.commit().await?;
        if current.active && !a.active {
            self.diary().released(a.practitioner_id);
        }
        Ok(a)
    }

    /// Ask the policy about an appointment's patient.
    async fn appointment_access(
        &self,
        ctx: &Ctx,
        a: &AppointmentRow,
        action: Action,
    ) -> Result<crate::governance::access::Grant> {
        Ok(self.patient_grant(ctx, a.patient_id, action, "appointment", Some(a.id)).await?.1)
    }
}

fn stale() -> AppError {
    AppError::Conflict { message: "The appointment was changed by someone else. Reload it and try again".into() }
}
