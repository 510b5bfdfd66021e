//! Free slots: cut from the rotas in each site's local time, less what is booked or held.

use super::diary::{CalendarKey, Loading};
use super::{exception_of, session_of, site_calendar};
use crate::patients::actor;
use crate::{App, AppError, Ctx, Result};
use domain::governance::Action;
use domain::scheduling::booking::{LengthNeeds, appointment_length};
use domain::scheduling::rota::{ServiceLength, Slot, SlotRules, generate_slots};
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use store::Ts;
use store::organisation::{self, SiteRow};
use store::scheduling::{self as schedule_store, ServiceRow};
use uuid::Uuid;

/// Searches up to this many days are put together from calendars of one day.
const DAYS_COMPOSED: i32 = 31;

/// Days one availability search may cover.
pub const MAX_SEARCH_DAYS: i32 = 92;

/// What to look for.
#[derive(Debug, Clone)]
pub struct SlotQuery {
    pub service: Uuid,
    pub practitioner: Option<Uuid>,
    pub site: Option<Uuid>,
    /// First and last local dates (inclusive).
    pub from: Date,
    pub to: Date,
    /// Whose needs to respect (a longer appointment or an interpreter doubles the length).
    pub patient: Option<Uuid>,
    pub limit: usize,
}

/// A time that can be booked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FreeSlot {
    pub start: Timestamp,
    pub end: Timestamp,
    /// The start in the site's local time with its offset, e.g. `2027-03-29T09:00:00+01:00`.
    pub local_start: String,
    pub practitioner_id: Uuid,
    pub practitioner: String,
    pub site_id: Uuid,
    pub room_id: Option<Uuid>,
}

/// The services, sessions and bookings a search or a booking needs, read once.
pub(crate) struct Calendar {
    pub service: ServiceRow,
    pub length: ServiceLength,
    pub sites: HashMap<Uuid, SiteRow>,
    pub names: HashMap<Uuid, String>,
    /// The active practitioners who deliver the service (whichever one the calendar is for).
    pub delivers: Vec<Uuid>,
    /// Slots each practitioner's rota offers in the window, by start.
    pub slots: Vec<Slot>,
    /// The site of each session (weekly or extra) the slots were cut from.
    pub session_sites: HashMap<Uuid, Uuid>,
}

impl Calendar {
    /// The site a slot is at.
    pub fn site_of(&self, slot: &Slot) -> Option<&SiteRow> {
        self.session_sites.get(&slot.session).and_then(|id| self.sites.get(id))
    }
}

impl App {
    /// Free slots for a service, soonest first.
    pub async fn free_slots(&self, ctx: &Ctx, q: &SlotQuery) -> Result<Vec<FreeSlot>> {
        actor(ctx)?;
        self.may(ctx, Action::BookAppointment).await?;
        if q.to < q.from {
            return Err(AppError::invalid("to", "The end date must be on or after the start date"));
        }
        if q.from.until(q.to).map(|s| s.get_days()).unwrap_or(i32::MAX) > MAX_SEARCH_DAYS {
            return Err(AppError::invalid("to", format!("Search {MAX_SEARCH_DAYS} days or fewer at a time")));
        }
        let multiplier = match q.patient {
            Some(p) => self.length_needs(ctx, p).await?.multiplier(),
            None => 1,
        };
        self.free_slots_unchecked(q, multiplier).await
    }

    /// The needs that lengthen a patient's appointments (and may be seen by whoever books for them).
    pub(crate) async fn length_needs(&self, ctx: &Ctx, patient: Uuid) -> Result<LengthNeeds> {
        let (p, grant) = self.patient_grant(ctx, patient, Action::BookAppointment, "appointment", None).await?;
        let needs = store::patients::needs_of(self.db(), p.id).await?;
        let mut tx = self.db().begin().await?;
        grant.named("read_needs_for_booking").record(&mut tx).await?;
        tx.commit().await?;
        Ok(LengthNeeds::from_record(needs.iter().map(|n| n.code.as_str()), p.interpreter_language.as_deref()))
    }

    /// The rota's slots for a service in a window, with what is needed to check them. Searches of up to
    /// [`DAYS_COMPOSED`] days are put together from one calendar per day (every practitioner, every site)
    /// kept in the diary (see [`super::diary`]): at the 8am rush every booking and search reads the same
    /// few days, and searches for one practitioner, one site or a week share them.
    pub(crate) async fn calendar(
        &self,
        service: Uuid,
        practitioner: Option<Uuid>,
        site: Option<Uuid>,
        from: Date,
        to: Date,
    ) -> Result<Arc<Calendar>> {
        let key = CalendarKey { service, practitioner, site, from, to };
        let days = from.until(to).map(|s| s.get_days()).unwrap_or(i32::MAX);
        if !(0..DAYS_COMPOSED).contains(&days) {
            return self.cached_calendar(key).await;
        }
        // The same search again (every booking at the rush asks for its practitioner's days).
        if let Some(cal) = self.kept_calendar(&key).await? {
            return Ok(cal);
        }
        let version = self.diary().rota_version();
        let shared = self.shared_rota_version().await?;
        let mut parts = Vec::new();
        let mut day = from;
        while day <= to {
            let key = CalendarKey { service, practitioner: None, site: None, from: day, to: day };
            parts.push(self.cached_calendar(key).await?);
            day = day.tomorrow().map_err(|e| AppError::invalid("to", e.to_string()))?;
        }
        if let ([one], None, None) = (parts.as_slice(), practitioner, site) {
            return Ok(one.clone());
        }
        let Some(last) = parts.last() else { return Err(AppError::invalid("to", "No days to search")) };
        let mut session_sites = HashMap::new();
        for c in &parts {
            session_sites.extend(c.session_sites.iter().map(|(k, v)| (*k, *v)));
        }
        let keep = |s: &&Slot| {
            practitioner.is_none_or(|p| s.practitioner == p)
                && site.is_none_or(|x| session_sites.get(&s.session) == Some(&x))
        };
        let mut slots: Vec<Slot> = parts.iter().flat_map(|c| c.slots.iter().filter(keep).cloned()).collect();
        if !slots.is_sorted_by_key(|s| (s.start, s.practitioner)) {
            slots.sort_by_key(|s| (s.start, s.practitioner)); // sites in different zones interleave
        }
        let names =
            last.names.iter().filter(|(id, _)| practitioner.is_none_or(|p| **id == p)).map(|(k, v)| (*k, v.clone()));
        let cal = Arc::new(Calendar {
            service: last.service.clone(),
            length: last.length,
            sites: last.sites.clone(),
            names: names.collect(),
            delivers: last.delivers.clone(),
            slots,
            session_sites,
        });
        self.diary().keep_calendar(key, version, shared, cal.clone());
        Ok(cal)
    }

    /// One calendar, from the diary or read (once, however many ask at the same moment).
    async fn cached_calendar(&self, key: CalendarKey) -> Result<Arc<Calendar>> {
        if let Some(cal) = self.kept_calendar(&key).await? {
            return Ok(cal);
        }
        let _gate = self.diary().gate(Loading::Calendar(key)).await;
        if let Some(cal) = self.kept_calendar(&key).await? {
            return Ok(cal);
        }
        let version = self.diary().rota_version();
        // Read before the rotas, so a change made meanwhile on another node makes this calendar look old
        // (never the other way round).
        let shared = self.shared_rota_version().await?;
        let cal = Arc::new(self.read_calendar(key.service, key.practitioner, key.site, key.from, key.to).await?);
        self.diary().keep_calendar(key, version, shared, cal.clone());
        Ok(cal)
    }

    /// A kept calendar that is still good: read within [`super::diary::CALENDAR_TTL`], or older but no
    /// node has changed a rota, service, practitioner or site since (the database's rota version, read at
    /// most once a second). So calendars last until something changes, and a change on another node is
    /// seen within the TTL.
    async fn kept_calendar(&self, key: &CalendarKey) -> Result<Option<Arc<Calendar>>> {
        if let Some(cal) = self.diary().calendar(key) {
            return Ok(Some(cal));
        }
        let Some((cal, shared)) = self.diary().stale_calendar(key) else { return Ok(None) };
        if self.shared_rota_version().await? == shared {
            self.diary().renew_calendar(key);
            return Ok(Some(cal));
        }
        Ok(None)
    }

    /// The database's rota version, read at most once a second.
    async fn shared_rota_version(&self) -> Result<i64> {
        if let Some(v) = self.diary().shared_version() {
            return Ok(v);
        }
        let v = schedule_store::rota_version(self.db()).await?;
        self.diary().saw_shared_version(v);
        Ok(v)
    }

    async fn read_calendar(
        &self,
        service: Uuid,
        practitioner: Option<Uuid>,
        site: Option<Uuid>,
        from: Date,
        to: Date,
    ) -> Result<Calendar> {
        let db = self.db();
        let service = schedule_store::service(db, service).await?.ok_or(AppError::NotFound { what: "service" })?;
        let length = ServiceLength::minutes(service.duration_minutes as u16).map_err(AppError::Internal)?;
        let sites: HashMap<Uuid, SiteRow> = organisation::sites(db).await?.into_iter().map(|s| (s.id, s)).collect();
        let names: HashMap<Uuid, String> = schedule_store::practitioners(db)
            .await?
            .into_iter()
            .filter(|p| p.active)
            .map(|p| (p.id, p.display_name))
            .collect();
        let mut delivers = schedule_store::practitioners_for(db, service.id).await?;
        delivers.retain(|p| names.contains_key(p));
        let mut who = delivers.clone();
        if let Some(p) = practitioner {
            who.retain(|x| *x == p);
        }
        let (f, t) = (from.to_string(), to.to_string());
        let sessions: Vec<_> = schedule_store::sessions_of(db, &who, &f, &t)
            .await?
            .iter()
            .filter(|s| site.is_none_or(|x| x == s.site_id))
            .map(session_of)
            .collect::<Result<_>>()?;
        let exceptions: Vec<_> =
            schedule_store::exceptions_of(db, &who, &f, &t).await?.iter().map(exception_of).collect::<Result<_>>()?;
        let mut session_sites: HashMap<Uuid, Uuid> = sessions.iter().map(|s| (s.id, s.site)).collect();
        for e in &exceptions {
            if let domain::scheduling::rota::SessionException::Extra(x) = e {
                session_sites.insert(x.id, x.site);
            }
        }
        let mut slots = Vec::new();
        for (id, s) in &sites {
            if site.is_some_and(|x| x != *id) {
                continue;
            }
            let here: Vec<_> = sessions.iter().filter(|x| x.site == *id).cloned().collect();
            let extras: Vec<_> = exceptions
                .iter()
                .filter(|e| match e {
                    domain::scheduling::rota::SessionException::Extra(x) => x.site == *id,
                    domain::scheduling::rota::SessionException::Closure(_) => true,
                })
                .cloned()
                .collect();
            let (tz, division) = site_calendar(s)?;
            let rules = SlotRules {
                time_zone: &tz,
                division,
                holidays: &self.config().bank_holidays,
                service: service.id,
                length,
                buffer_minutes: service.buffer_minutes as u16,
            };
            slots.extend(generate_slots(&here, &extras, &rules, from, to));
        }
        slots.sort_by_key(|s| (s.start, s.practitioner));
        let names = names.into_iter().filter(|(id, _)| who.contains(id)).collect();
        Ok(Calendar { service, length, sites, names, delivers, slots, session_sites })
    }

    /// Free slots without the access check (the caller has made it). `multiplier` is how many consecutive
    /// slots one appointment takes. What is booked is read a day at a time, soonest first, and reading
    /// stops once `limit` free slots are found: a search over weeks usually reads a day or two.
    pub(crate) async fn free_slots_unchecked(&self, q: &SlotQuery, multiplier: u16) -> Result<Vec<FreeSlot>> {
        let cal = self.calendar(q.service, q.practitioner, q.site, q.from, q.to).await?;
        let now = Timestamp::now();
        let earliest = now + SignedDuration::from_mins(i64::from(cal.service.min_notice_minutes.max(0)));
        let ahead = (cal.service.max_days_ahead.max(0) as i64).days();
        let starts: HashSet<(Uuid, Timestamp)> = cal.slots.iter().map(|s| (s.practitioner, s.start)).collect();
        let step = cal.length.duration() + SignedDuration::from_mins(i64::from(cal.service.buffer_minutes));
        let length = appointment_length(cal.length, multiplier_needs(multiplier));
        let clash = |list: Option<&Vec<(Timestamp, Timestamp)>>, s: Timestamp, e: Timestamp| {
            list.is_some_and(|l| l.iter().any(|(bs, be)| *bs < e && *be > s))
        };
        let mut zones: HashMap<Uuid, jiff::tz::TimeZone> = HashMap::new();
        for (id, site) in &cal.sites {
            zones.insert(*id, site_calendar(site)?.0);
        }
        let mut out = Vec::new();
        let bookable: Vec<&Slot> = cal.slots.iter().filter(|s| s.start >= earliest).collect();
        for day in bookable.chunk_by(|a, b| a.date == b.date) {
            let (Some(first), Some(last)) = (day.first(), day.last()) else { continue };
            let (from, to) = (first.start, last.start + length.duration());
            let who: Vec<Uuid> = {
                let mut w: Vec<Uuid> = day.iter().map(|s| s.practitioner).collect();
                w.sort_unstable();
                w.dedup();
                w
            };
            let rooms: Vec<Uuid> = {
                let mut r: Vec<Uuid> = day.iter().filter_map(|s| s.room).collect();
                r.sort_unstable();
                r.dedup();
                r
            };
            // What is booked is read a stretch of the day at a time, from the first slot on, each stretch
            // twice as long as the one before: most searches have their answer (the limit) early in the
            // day, so a busy day of 50 practitioners is not read whole for the first 50 free times.
            let mut busy_by: HashMap<Uuid, Vec<(Timestamp, Timestamp)>> = HashMap::new();
            let mut room_busy: HashMap<Uuid, Vec<(Timestamp, Timestamp)>> = HashMap::new();
            let (mut read_until, mut stretch) = (from, SignedDuration::from_hours(1));
            for slot in day {
                // A longer appointment needs the following slots of the same session too.
                if (1..multiplier).any(|k| !starts.contains(&(slot.practitioner, slot.start + step * i32::from(k)))) {
                    continue;
                }
                let end = slot.start + length.duration();
                if end > read_until {
                    let next = (end + stretch).min(to).max(end);
                    for (p, _, s, e) in schedule_store::busy(self.db(), &who, Ts(read_until), Ts(next), Ts(now)).await?
                    {
                        busy_by.entry(p).or_default().push((s.0, e.0));
                    }
                    for (r, s, e) in
                        schedule_store::rooms_busy(self.db(), &rooms, Ts(read_until), Ts(next), Ts(now)).await?
                    {
                        room_busy.entry(r).or_default().push((s.0, e.0));
                    }
                    (read_until, stretch) = (next, stretch * 2);
                }
                if clash(busy_by.get(&slot.practitioner), slot.start, end)
                    || slot.room.is_some_and(|r| clash(room_busy.get(&r), slot.start, end))
                {
                    continue;
                }
                let Some(site) = cal.site_of(slot) else { continue };
                let Some(tz) = zones.get(&site.id) else { continue };
                // The booking window counts days at the site, whatever the server's zone.
                if now.to_zoned(tz.clone()).date().checked_add(ahead).is_ok_and(|last| slot.date > last) {
                    continue;
                }
                out.push(FreeSlot {
                    start: slot.start,
                    end,
                    local_start: slot.start.to_zoned(tz.clone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
                    practitioner_id: slot.practitioner,
                    practitioner: cal.names.get(&slot.practitioner).cloned().unwrap_or_default(),
                    site_id: site.id,
                    room_id: slot.room,
                });
                if out.len() >= q.limit {
                    return Ok(out);
                }
            }
        }
        Ok(out)
    }
}

/// Needs that give this multiplier (for [`appointment_length`]).
fn multiplier_needs(m: u16) -> LengthNeeds {
    LengthNeeds { longer_appointment: m > 1, interpreter: false }
}
