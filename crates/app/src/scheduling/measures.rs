//! Access measures for a period (waiting time in the surgery, lead time, missed appointments by lead
//! time) and each service's third next available appointment today.

use super::availability::SlotQuery;
use super::offer_chains::MAX_REPORT_DAYS;
use crate::governance::access::Access;
use crate::patients::{actor, default_purpose};
use crate::{App, AppError, Ctx, Result};
use domain::governance::Action;
use domain::scheduling::appointment::AppointmentStatus;
use domain::scheduling::measures::{AccessMeasures, Attendance, summarise};
use domain::scheduling::reception::third_next_available;
use domain::validation::Errors;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;
use store::Ts;
use store::scheduling as schedule_store;
use uuid::Uuid;

/// Days ahead a third-next-available search looks.
const TNA_HORIZON_DAYS: i64 = 92;

/// One service's third next available appointment, in days from today (`None`: fewer than three free in
/// the next 92 days).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceAvailability {
    pub service_id: Uuid,
    pub service: String,
    pub third_next_available_days: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccessReport {
    pub from: Date,
    pub to: Date,
    pub measures: AccessMeasures,
    /// Measured now, whatever the period.
    pub today: Date,
    pub third_next_available: Vec<ServiceAvailability>,
}

impl App {
    /// Access measures for appointments on `from`..=`to` (local dates at the practice). Practice managers
    /// (the policy's `ViewReports`); audited.
    pub async fn access_report(&self, ctx: &Ctx, from: Date, to: Date) -> Result<AccessReport> {
        let who = actor(ctx)?;
        let mut e = Errors::new();
        if to < from {
            e.add("to", "The end date must be the same as or after the start date");
        } else if (to - from).get_days() >= MAX_REPORT_DAYS {
            e.add("to", format!("A report covers {MAX_REPORT_DAYS} days at most"));
        }
        e.finish()?;
        let grant = self
            .authorize(ctx, Access::general(Action::ViewReports, default_purpose(who.role), "access_report"))
            .await?;
        let tz = super::practice_zone(self).await?;
        let start = |d: Date| d.to_zoned(tz.clone()).map(|z| Ts(z.timestamp()));
        let bounds = to.tomorrow().ok().and_then(|next| Some((start(from).ok()?, start(next).ok()?)));
        let Some((lo, hi)) = bounds else { return Err(AppError::invalid("to", "Enter a date such as 2027-03-29")) };
        let rows = schedule_store::appointments_between(self.db(), lo, hi, None, None).await?;
        let attendances: Vec<Attendance> = rows
            .iter()
            .filter_map(|a| {
                Some(Attendance {
                    booked_at: a.created_at.0,
                    start: a.starts_at.0,
                    status: AppointmentStatus::parse(&a.status).ok()?, // a hold is not an appointment yet
                    arrived_at: a.arrived_at.map(|t| t.0),
                    called_at: a.called_at.map(|t| t.0),
                })
            })
            .collect();
        let measures = summarise(&attendances);

        let today = Timestamp::now().to_zoned(tz.clone()).date();
        let horizon = today.checked_add(jiff::Span::new().days(TNA_HORIZON_DAYS)).unwrap_or(today);
        let mut services = Vec::new();
        for service in schedule_store::services(self.db()).await?.into_iter().filter(|s| s.active) {
            let q = SlotQuery {
                service: service.id,
                practitioner: None,
                site: None,
                from: today,
                to: horizon,
                patient: None,
                limit: 3,
            };
            let free = self.free_slots_unchecked(&q, 1).await?;
            let dates = free.iter().map(|s| s.start.to_zoned(tz.clone()).date());
            services.push(ServiceAvailability {
                service_id: service.id,
                service: service.name,
                third_next_available_days: third_next_available(today, dates),
            });
        }
        let mut tx = self.db().begin().await?;
        grant
            .named("view_access_report")
            .with_reason(format!("{from} to {to}: {} appointments", measures.attended + measures.missed))
            .record(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(AccessReport { from, to, measures, today, third_next_available: services })
    }
}
