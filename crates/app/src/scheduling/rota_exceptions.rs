//! Exceptions to a practitioner's weekly rota (practice managers): time away (leave, training,
//! sickness, other), all day or part of each day, and one-off extra sessions. An extra session may not
//! overlap a weekly session or another extra session of the same practitioner on its date.

use crate::governance::access::Access;
use crate::patients::today;
use crate::{App, AppError, Ctx, Result};
use domain::governance::{Action, Purpose};
use domain::scheduling::rota::{ClosureReason, DateRange, ExtraSession, TimeRange, extra_overlaps_session};
use domain::validation::Errors;
use jiff::civil::{Date, Time};
use serde::Deserialize;
use store::Ts;
use store::organisation;
use store::scheduling::{self as schedule_store, ExceptionRow};
use uuid::Uuid;

/// The longest time away one exception covers.
const MAX_DAYS_AWAY: i32 = 366;

/// A rota exception as entered: local dates and times at the practitioner's site.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RotaExceptionInput {
    /// `leave`, `training`, `sickness` or `other` (the practitioner is away), or `extra` (a one-off
    /// extra session).
    pub kind: String,
    /// First date (`YYYY-MM-DD`).
    pub date_from: String,
    /// Last date away (default: `date_from`). An extra session is on one date only.
    #[serde(default)]
    pub date_until: Option<String>,
    /// Local time `HH:MM`: part of each day away (both or neither), or the extra session's times (both
    /// required).
    #[serde(default)]
    pub starts: Option<String>,
    #[serde(default)]
    pub ends: Option<String>,
    /// Extra sessions: where, in which room, offering which services.
    #[serde(default)]
    pub site_id: Option<Uuid>,
    #[serde(default)]
    pub room_id: Option<Uuid>,
    #[serde(default)]
    pub services: Vec<Uuid>,
}

fn date(e: &mut Errors, field: &str, raw: &str) -> Option<Date> {
    let raw = raw.trim();
    let d = raw.parse::<Date>().ok().filter(|_| raw.len() == 10);
    if d.is_none() {
        e.add(field, "Enter a real date as YYYY-MM-DD, such as 2027-03-29");
    }
    d
}

fn time(e: &mut Errors, field: &str, raw: Option<&str>) -> Option<Time> {
    let raw = raw?.trim();
    let t = raw.parse::<Time>().ok().filter(|t| t.second() == 0 && t.subsec_nanosecond() == 0 && raw.len() == 5);
    if t.is_none() {
        e.add(field, "Enter a time such as 08:30");
    }
    t
}

fn hhmm(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

impl App {
    /// Add an exception to a practitioner's rota.
    pub async fn add_rota_exception(
        &self,
        ctx: &Ctx,
        practitioner: Uuid,
        input: &RotaExceptionInput,
    ) -> Result<ExceptionRow> {
        let grant = self
            .authorize_or_operator(ctx, Access::general(Action::ManageRotas, Purpose::Administration, "rota_exception"))
            .await?;
        let db = self.db();
        if schedule_store::practitioner(db, practitioner).await?.is_none() {
            return Err(AppError::NotFound { what: "practitioner" });
        }
        let mut e = Errors::new();
        let kind = input.kind.trim();
        let extra = kind == "extra";
        let reason = if extra {
            None
        } else {
            match ClosureReason::parse(kind) {
                Ok(r) => Some(r),
                Err(_) => {
                    e.add("kind", "Kind must be leave, training, sickness, other or extra");
                    None
                }
            }
        };
        let from = date(&mut e, "date_from", &input.date_from);
        let until =
            input.date_until.as_deref().filter(|s| !s.trim().is_empty()).and_then(|u| date(&mut e, "date_until", u));
        let starts = time(&mut e, "starts", input.starts.as_deref().filter(|s| !s.trim().is_empty()));
        let ends = time(&mut e, "ends", input.ends.as_deref().filter(|s| !s.trim().is_empty()));
        if let (Some(f), Some(u)) = (from, until) {
            if u < f {
                e.add("date_until", "The last date must be the same as or after the first date");
            } else if extra && u != f {
                e.add("date_until", "An extra session is on one date. Add one for each date");
            } else if (u - f).get_days() >= MAX_DAYS_AWAY {
                e.add("date_until", format!("One exception covers {MAX_DAYS_AWAY} days at most"));
            }
        }
        let times = match (starts, ends) {
            (Some(s), Some(t)) => match TimeRange::new(s, t) {
                Ok(r) => Some(r),
                Err(inv) => {
                    for fe in inv.0 {
                        let field = if fe.field == "start" { "starts" } else { "ends" };
                        e.add(field, fe.message);
                    }
                    None
                }
            },
            _ => {
                let given = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
                match (given(&input.starts), given(&input.ends)) {
                    (true, false) => e.add("ends", "Enter an end time as well as a start time"),
                    (false, true) => e.add("starts", "Enter a start time as well as an end time"),
                    (false, false) if extra => e.add("starts", "Enter the extra session's start and end times"),
                    _ => {}
                }
                None
            }
        };
        let services = schedule_store::services(db).await?;
        let mut delivered = Vec::new();
        for s in &input.services {
            if schedule_store::practitioners_for(db, *s).await?.contains(&practitioner) {
                delivered.push(*s);
            }
        }
        if extra {
            if from.is_some_and(|f| f < today()) {
                e.add("date_from", "An extra session must be today or later");
            }
            match input.site_id {
                None => e.add("site_id", "Choose the site of the extra session"),
                Some(site) => {
                    if !organisation::sites(db).await?.iter().any(|s| s.id == site) {
                        e.add("site_id", "No site has this id");
                    } else if let Some(room) = input.room_id
                        && !schedule_store::rooms(db).await?.iter().any(|r| r.id == room && r.site_id == site)
                    {
                        e.add("room_id", "No room at this site has this id");
                    }
                }
            }
            if input.services.is_empty() {
                e.add("services", "Choose at least one service offered in the extra session");
            }
            for (i, s) in input.services.iter().enumerate() {
                if !services.iter().any(|x| x.id == *s) {
                    e.add(format!("services[{i}]"), "No service has this id");
                } else if !delivered.contains(s) {
                    e.add(format!("services[{i}]"), "This practitioner does not offer this service");
                }
            }
        } else {
            for (field, given) in [
                ("site_id", input.site_id.is_some()),
                ("room_id", input.room_id.is_some()),
                ("services", !input.services.is_empty()),
            ] {
                if given {
                    e.add(field, "Only an extra session has a site, room or services");
                }
            }
        }
        e.finish()?;
        let Some(from) = from else { return Err(AppError::invalid("date_from", "Enter the first date")) };
        let until = if extra { from } else { until.unwrap_or(from) };
        let dates = DateRange::new(from, Some(until)).map_err(|_| {
            AppError::invalid("date_until", "The last date must be the same as or after the first date")
        })?;
        let now = Ts(domain::time::now());
        let mut services_sorted = input.services.clone();
        services_sorted.sort_unstable();
        services_sorted.dedup();
        let row = ExceptionRow {
            id: domain::new_id(),
            practitioner_id: practitioner,
            kind: if extra { "extra" } else { "closure" }.into(),
            reason: reason.map(|r| r.as_str().to_owned()),
            date_from: dates.from().to_string(),
            date_until: until.to_string(),
            starts: times.map(|t| hhmm(t.start())),
            ends: times.map(|t| hhmm(t.end())),
            site_id: if extra { input.site_id } else { None },
            room_id: if extra { input.room_id } else { None },
            services: services_sorted.iter().map(Uuid::to_string).collect::<Vec<_>>().join(","),
            created_at: now,
        };
        let day = from.to_string();
        let mut tx = db.begin().await?;
        if extra {
            let Some(times) = times else { return Err(AppError::invalid("starts", "Enter the session's times")) };
            let candidate = ExtraSession {
                id: row.id,
                practitioner,
                site: input.site_id.unwrap_or_default(),
                date: from,
                times,
                services: services_sorted.clone(),
                room: input.room_id,
            };
            let sessions = schedule_store::sessions_of(&mut tx, &[practitioner], &day, &day).await?;
            for s in &sessions {
                let s = super::session_of(s)?;
                if extra_overlaps_session(&candidate, &s) {
                    return Err(AppError::invalid(
                        "starts",
                        format!(
                            "This overlaps the practitioner's weekly session {}–{} on that day. Change the times",
                            hhmm(s.times.start()),
                            hhmm(s.times.end())
                        ),
                    ));
                }
            }
            for x in schedule_store::exceptions_of(&mut tx, &[practitioner], &day, &day).await? {
                if let domain::scheduling::SessionException::Extra(other) = super::exception_of(&x)?
                    && other.date == from
                    && other.times.overlaps(&times)
                {
                    return Err(AppError::invalid(
                        "starts",
                        format!(
                            "This overlaps the practitioner's extra session {}–{} on that day. Change the times",
                            hhmm(other.times.start()),
                            hhmm(other.times.end())
                        ),
                    ));
                }
            }
        }
        schedule_store::insert_exception(&mut tx, &row).await?;
        grant
            .with_resource(row.id)
            .named("add_rota_exception")
            .with_reason(format!(
                "{} for practitioner {practitioner} from {} to {}",
                row.reason.as_deref().unwrap_or("extra session"),
                row.date_from,
                row.date_until
            ))
            .record(&mut tx)
            .await?;
        store::scheduling::bump_rota_version(&mut tx).await?;
        tx.commit().await?;
        // Slots cut from the rota change: this node forgets its calendars at once.
        self.diary().rota_changed();
        Ok(row)
    }
}
