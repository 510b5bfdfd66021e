//! Scheduling use-cases: the practice's services, practitioners and rotas; free slots; booking without
//! double booking; and the appointment's life at reception (check in, call in, finish, DNA, cancel).

pub mod availability;
pub mod booking;
pub mod day;
pub mod desk;
pub(crate) mod diary;
pub mod measures;
pub mod offer_chains;
pub mod reception;
pub mod referrals;
pub mod rota_exceptions;
pub mod setup;
pub mod waiting;

use crate::governance::access::{Access, Grant};
use crate::patients::{actor, default_purpose, relationship};
use crate::{App, AppError, Ctx, Result};
use domain::governance::Action;
use domain::scheduling::calendar::Division;
use domain::scheduling::rota::{
    Closure, ClosureReason, DateRange, ExtraSession, Session, SessionDraft, SessionException, TimeRange,
};
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use store::organisation::SiteRow;
use store::patients::PatientRow;
use store::scheduling::{ExceptionRow, SessionRow};
use uuid::Uuid;

/// A stored value that should have been valid when it was written.
fn corrupt(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("stored {what} is not valid: {e}"))
}

fn parse_date(s: &str) -> Result<Date> {
    s.parse().map_err(|e| corrupt("date", e))
}

fn parse_time(s: &str) -> Result<Time> {
    s.parse().map_err(|e| corrupt("time", e))
}

fn parse_ids(s: &str) -> Result<Vec<Uuid>> {
    s.split(',').filter(|x| !x.trim().is_empty()).map(|x| x.trim().parse().map_err(|e| corrupt("id", e))).collect()
}

/// The zone reports count days in: the first site's (Europe/London when there is none).
pub(crate) async fn practice_zone(app: &App) -> Result<TimeZone> {
    let sites = store::organisation::sites(app.db()).await?;
    Ok(sites
        .first()
        .and_then(|s| site_calendar(s).ok())
        .map(|(tz, _)| tz)
        .unwrap_or_else(|| TimeZone::get("Europe/London").unwrap_or(TimeZone::UTC)))
}

/// The site's zone and bank-holiday division.
pub(crate) fn site_calendar(site: &SiteRow) -> Result<(TimeZone, Division)> {
    let tz = TimeZone::get(&site.time_zone).map_err(|e| corrupt("time zone", e))?;
    let division = Division::parse(&site.bank_holiday_division).map_err(|e| corrupt("division", e))?;
    Ok((tz, division))
}

pub(crate) fn session_of(r: &SessionRow) -> Result<Session> {
    let weekday = Weekday::from_monday_one_offset(r.weekday as i8).map_err(|e| corrupt("weekday", e))?;
    SessionDraft {
        id: r.id,
        practitioner: r.practitioner_id,
        site: r.site_id,
        weekday,
        start: parse_time(&r.starts)?,
        end: parse_time(&r.ends)?,
        valid_from: parse_date(&r.valid_from)?,
        valid_until: r.valid_until.as_deref().map(parse_date).transpose()?,
        services: parse_ids(&r.services)?,
        room: r.room_id,
        opens_on_bank_holidays: r.opens_on_bank_holidays,
    }
    .validate()
    .map_err(|e| corrupt("session", e))
}

pub(crate) fn exception_of(r: &ExceptionRow) -> Result<SessionException> {
    let times = match (&r.starts, &r.ends) {
        (Some(s), Some(e)) => Some(TimeRange::new(parse_time(s)?, parse_time(e)?).map_err(|e| corrupt("times", e))?),
        _ => None,
    };
    let from = parse_date(&r.date_from)?;
    if r.kind == "extra" {
        let site = r.site_id.ok_or_else(|| corrupt("extra session", "no site"))?;
        let times = times.ok_or_else(|| corrupt("extra session", "no times"))?;
        return Ok(SessionException::Extra(ExtraSession {
            id: r.id,
            practitioner: r.practitioner_id,
            site,
            date: from,
            times,
            services: parse_ids(&r.services)?,
            room: r.room_id,
        }));
    }
    Ok(SessionException::Closure(Closure {
        id: r.id,
        practitioner: r.practitioner_id,
        reason: ClosureReason::parse(r.reason.as_deref().unwrap_or("other")).unwrap_or(ClosureReason::Other),
        dates: DateRange::new(from, Some(parse_date(&r.date_until)?)).map_err(|e| corrupt("dates", e))?,
        part: times,
    }))
}

impl App {
    /// A patient's record and the policy's answer for acting on it (booking, the waiting list), naming
    /// `resource` (e.g. the appointment) in the audit event when given, the patient otherwise.
    pub(crate) async fn patient_grant(
        &self,
        ctx: &Ctx,
        patient: Uuid,
        action: Action,
        resource_type: &'static str,
        resource: Option<Uuid>,
    ) -> Result<(PatientRow, Grant)> {
        let who = actor(ctx)?;
        let p = store::patients::by_id(self.db(), patient).await?.ok_or(AppError::NotFound { what: "patient" })?;
        let mut access =
            Access::patient(action, default_purpose(who.role), relationship(who, &p), p.id, resource_type, None);
        if let Some(r) = resource {
            access = access.on(r);
        }
        let grant = self.authorize(ctx, access).await?;
        Ok((p, grant))
    }
}
