//! Rotas: weekly repeating sessions, their exceptions (leave, training, one-off extra sessions) and the
//! slots cut from them.
//!
//! Slots are cut in the site's local wall-clock time ("09:00 means 09:00 local all year") and kept as
//! UTC instants. On a day the clocks change:
//! - a wall-clock start in the spring-forward gap does not exist, so no slot starts there;
//! - a wall-clock start in the autumn fold is taken at its first (earlier) occurrence only, so no slot
//!   is produced twice; the repeated hour is not offered again;
//! - every slot lasts exactly the service length in real time, ends by the session's end and never
//!   overlaps another slot of the same practitioner.

use super::calendar::{BankHolidays, Division};
use crate::Invalid;
use crate::validation::Errors;
use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Longest service or session slot Carefront cuts: a whole working day.
pub const MAX_LENGTH_MINUTES: u16 = 8 * 60;

/// How long a service's appointment lasts, in whole minutes (1 to [`MAX_LENGTH_MINUTES`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServiceLength(u16);

impl ServiceLength {
    /// A length in minutes; the error is a field message.
    pub fn minutes(m: u16) -> Result<Self, String> {
        if m == 0 {
            Err("Length must be at least 1 minute".into())
        } else if m > MAX_LENGTH_MINUTES {
            Err(format!("Length must be {MAX_LENGTH_MINUTES} minutes or less"))
        } else {
            Ok(Self(m))
        }
    }

    pub fn get(self) -> u16 {
        self.0
    }

    pub fn duration(self) -> SignedDuration {
        SignedDuration::from_mins(i64::from(self.0))
    }
}

/// Part of a day in local wall-clock time, whole minutes, `start < end` (so never crossing midnight).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeRange {
    start: Time,
    end: Time,
}

impl TimeRange {
    /// Checks `start < end` and whole minutes. Errors name the field (`start` or `end`).
    pub fn new(start: Time, end: Time) -> Result<Self, Invalid> {
        let mut e = Errors::new();
        let whole = |t: Time| t.second() == 0 && t.subsec_nanosecond() == 0;
        if !whole(start) {
            e.add("start", "Start time must be a whole minute, like 08:30");
        }
        if !whole(end) {
            e.add("end", "End time must be a whole minute, like 12:00");
        }
        if end < start {
            e.add("end", "End time must be after the start time");
        } else if end == start {
            e.add("end", "End time must be later than the start time: a session cannot last no time at all");
        }
        e.finish()?;
        Ok(Self { start, end })
    }

    pub fn start(&self) -> Time {
        self.start
    }

    pub fn end(&self) -> Time {
        self.end
    }

    /// Half-open: a session ending at 12:00 does not overlap one starting at 12:00.
    pub fn overlaps(&self, other: &TimeRange) -> bool {
        self.start < other.end && other.start < self.end
    }

    fn minutes(&self) -> (i32, i32) {
        (minute_of_day(self.start), minute_of_day(self.end))
    }
}

/// Dates from `from` to `until`, both included; `until: None` is open-ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateRange {
    from: Date,
    until: Option<Date>,
}

impl DateRange {
    /// `until` must not be before `from`. Errors name the fields `valid_from` / `valid_until`.
    pub fn new(from: Date, until: Option<Date>) -> Result<Self, Invalid> {
        match until {
            Some(u) if u < from => {
                Err(Invalid::one("valid_until", "End date must be the same as or after the start date"))
            }
            _ => Ok(Self { from, until }),
        }
    }

    pub fn from(&self) -> Date {
        self.from
    }

    pub fn until(&self) -> Option<Date> {
        self.until
    }

    pub fn contains(&self, d: Date) -> bool {
        self.from <= d && self.until.is_none_or(|u| d <= u)
    }

    pub fn overlaps(&self, other: &DateRange) -> bool {
        self.until.is_none_or(|u| other.from <= u) && other.until.is_none_or(|u| self.from <= u)
    }
}

/// A session as typed into the rota editor, before it is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDraft {
    pub id: Uuid,
    pub practitioner: Uuid,
    pub site: Uuid,
    pub weekday: Weekday,
    pub start: Time,
    pub end: Time,
    pub valid_from: Date,
    pub valid_until: Option<Date>,
    pub services: Vec<Uuid>,
    pub room: Option<Uuid>,
    pub opens_on_bank_holidays: bool,
}

impl SessionDraft {
    /// Every problem at once, with the draft's field names.
    pub fn validate(self) -> Result<Session, Invalid> {
        let mut errors = Vec::new();
        let times = TimeRange::new(self.start, self.end).map_err(|e| errors.extend(e.0)).ok();
        let dates = DateRange::new(self.valid_from, self.valid_until).map_err(|e| errors.extend(e.0)).ok();
        let mut services = self.services;
        services.sort_unstable();
        services.dedup();
        if services.is_empty() {
            errors.push(crate::FieldError::new("services", "Choose at least one service offered in this session"));
        }
        match (times, dates) {
            (Some(times), Some(dates)) if errors.is_empty() => Ok(Session {
                id: self.id,
                practitioner: self.practitioner,
                site: self.site,
                weekday: self.weekday,
                times,
                dates,
                services,
                room: self.room,
                opens_on_bank_holidays: self.opens_on_bank_holidays,
            }),
            _ => Err(Invalid(errors)),
        }
    }
}

/// A weekly repeating session of one practitioner at one site (e.g. Monday 08:30–12:00, services X
/// and Y), within a date range. Built by [`SessionDraft::validate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: Uuid,
    pub practitioner: Uuid,
    pub site: Uuid,
    pub weekday: Weekday,
    pub times: TimeRange,
    pub dates: DateRange,
    /// Sorted, no duplicates, never empty.
    pub services: Vec<Uuid>,
    pub room: Option<Uuid>,
    /// Bank holidays close a session unless this is set.
    pub opens_on_bank_holidays: bool,
}

impl Session {
    /// Whether the session runs on that local date (bank holidays and closures aside).
    pub fn runs_on(&self, d: Date) -> bool {
        d.weekday() == self.weekday && self.dates.contains(d)
    }

    /// Whether the service can be booked in this session.
    pub fn offers(&self, service: Uuid) -> bool {
        self.services.binary_search(&service).is_ok()
    }
}

/// "A rota that overlaps another session of the same practitioner": same practitioner, same weekday,
/// overlapping dates and times. Different sites still clash: one person cannot be in two places.
pub fn sessions_overlap(a: &Session, b: &Session) -> bool {
    a.id != b.id
        && a.practitioner == b.practitioner
        && a.weekday == b.weekday
        && a.dates.overlaps(&b.dates)
        && a.times.overlaps(&b.times)
}

/// An extra session that clashes with a weekly session of the same practitioner on its date.
pub fn extra_overlaps_session(extra: &ExtraSession, s: &Session) -> bool {
    extra.practitioner == s.practitioner && s.runs_on(extra.date) && extra.times.overlaps(&s.times)
}

/// Refuse a session that overlaps one already on the practitioner's rota, naming the first clash.
pub fn check_no_overlap(candidate: &Session, rota: &[Session]) -> Result<(), Invalid> {
    match rota.iter().find(|s| sessions_overlap(candidate, s)) {
        None => Ok(()),
        Some(s) => Err(Invalid::one(
            "start",
            format!(
                "This overlaps the practitioner's {} session {}–{}. Change the times or dates",
                weekday_name(s.weekday),
                s.times.start.strftime("%H:%M"),
                s.times.end.strftime("%H:%M")
            ),
        )),
    }
}

fn weekday_name(w: Weekday) -> &'static str {
    match w {
        Weekday::Monday => "Monday",
        Weekday::Tuesday => "Tuesday",
        Weekday::Wednesday => "Wednesday",
        Weekday::Thursday => "Thursday",
        Weekday::Friday => "Friday",
        Weekday::Saturday => "Saturday",
        Weekday::Sunday => "Sunday",
    }
}

/// Why a practitioner is away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClosureReason {
    Leave,
    Training,
    Sickness,
    Other,
}

impl ClosureReason {
    pub const ALL: [ClosureReason; 4] =
        [ClosureReason::Leave, ClosureReason::Training, ClosureReason::Sickness, ClosureReason::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            ClosureReason::Leave => "leave",
            ClosureReason::Training => "training",
            ClosureReason::Sickness => "sickness",
            ClosureReason::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        ClosureReason::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| "Reason must be leave, training, sickness or other".into())
    }
}

/// A practitioner away for a date range (`until: None` = until further notice), all day or for
/// `part` of each day. Wins over every session of the practitioner, extra sessions included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closure {
    pub id: Uuid,
    pub practitioner: Uuid,
    pub reason: ClosureReason,
    pub dates: DateRange,
    pub part: Option<TimeRange>,
}

/// A one-off session on one date. It opens even on a bank holiday: someone chose that date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraSession {
    pub id: Uuid,
    pub practitioner: Uuid,
    pub site: Uuid,
    pub date: Date,
    pub times: TimeRange,
    pub services: Vec<Uuid>,
    pub room: Option<Uuid>,
}

/// A change to the weekly rota.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionException {
    Closure(Closure),
    Extra(ExtraSession),
}

/// What slots are cut for: one service at the sites' time zone and bank-holiday division.
#[derive(Debug, Clone, Copy)]
pub struct SlotRules<'a> {
    pub time_zone: &'a TimeZone,
    pub division: Division,
    pub holidays: &'a BankHolidays,
    pub service: Uuid,
    pub length: ServiceLength,
    /// Gap left after each slot (cleaning, notes).
    pub buffer_minutes: u16,
}

/// A bookable start for a service: `[start, end)` in UTC, the local date it falls on, and the session
/// (weekly or extra) it was cut from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slot {
    pub start: Timestamp,
    pub end: Timestamp,
    /// The local date of the session it was cut from.
    pub date: Date,
    /// The weekly [`Session`] or [`ExtraSession`] id.
    pub session: Uuid,
    pub practitioner: Uuid,
    pub room: Option<Uuid>,
}

/// One session as it runs on one date.
struct DaySession<'s> {
    id: Uuid,
    practitioner: Uuid,
    room: Option<Uuid>,
    date: Date,
    times: TimeRange,
    services: &'s [Uuid],
    opens_on_bank_holidays: bool,
}

impl DaySession<'_> {
    fn window(&self, tz: &TimeZone) -> (Timestamp, Timestamp) {
        (wall_clock(tz, self.date.to_datetime(self.times.start)), wall_clock(tz, self.date.to_datetime(self.times.end)))
    }
}

fn day_sessions<'s>(sessions: &'s [Session], exceptions: &'s [SessionException], d: Date) -> Vec<DaySession<'s>> {
    let weekly = sessions.iter().filter(|s| s.runs_on(d)).map(|s| DaySession {
        id: s.id,
        practitioner: s.practitioner,
        room: s.room,
        date: d,
        times: s.times,
        services: &s.services,
        opens_on_bank_holidays: s.opens_on_bank_holidays,
    });
    let extra = exceptions.iter().filter_map(|e| match e {
        SessionException::Extra(x) if x.date == d => Some(DaySession {
            id: x.id,
            practitioner: x.practitioner,
            room: x.room,
            date: d,
            times: x.times,
            services: &x.services,
            opens_on_bank_holidays: true,
        }),
        _ => None,
    });
    weekly.chain(extra).collect()
}

fn closures_on(exceptions: &[SessionException], practitioner: Uuid, d: Date) -> impl Iterator<Item = &Closure> {
    exceptions.iter().filter_map(move |e| match e {
        SessionException::Closure(c) if c.practitioner == practitioner && c.dates.contains(d) => Some(c),
        _ => None,
    })
}

/// The closure covering `[start, end)` of a practitioner on date `d`, if any.
fn closed_by<'e>(
    exceptions: &'e [SessionException],
    tz: &TimeZone,
    practitioner: Uuid,
    d: Date,
    start: Timestamp,
    end: Timestamp,
) -> Option<&'e Closure> {
    closures_on(exceptions, practitioner, d).find(|c| match c.part {
        None => true,
        Some(part) => {
            let (cs, ce) = (wall_clock(tz, d.to_datetime(part.start)), wall_clock(tz, d.to_datetime(part.end)));
            start < ce && cs < end
        }
    })
}

/// A session or closure bound as an instant: when the wall clock first reads `dt` or later. In a gap
/// that is the moment the clocks jump; in a fold, the first occurrence.
fn wall_clock(tz: &TimeZone, dt: DateTime) -> Timestamp {
    let amb = tz.to_ambiguous_timestamp(dt);
    match amb.offset() {
        AmbiguousOffset::Gap { after, .. } => {
            // `dt` read with the later offset falls just before the jump; the next transition is it.
            let before_jump = after.to_timestamp(dt).expect("in range");
            tz.following(before_jump).next().map_or(before_jump, |t| t.timestamp())
        }
        _ => amb.earlier().expect("civil datetimes of 2000-2100 are in range"),
    }
}

/// A wall-clock slot start as an instant: `None` in a gap (it does not exist), the first occurrence in
/// a fold (so it is offered once).
fn slot_start(tz: &TimeZone, dt: DateTime) -> Option<Timestamp> {
    let amb = tz.to_ambiguous_timestamp(dt);
    match amb.offset() {
        AmbiguousOffset::Gap { .. } => None,
        _ => amb.earlier().ok(),
    }
}

fn minute_of_day(t: Time) -> i32 {
    i32::from(t.hour()) * 60 + i32::from(t.minute())
}

fn time_of(m: i32) -> Time {
    Time::new((m / 60) as i8, (m % 60) as i8, 0, 0).expect("minute of day")
}

fn cut_day(out: &mut Vec<Slot>, ds: &DaySession<'_>, exceptions: &[SessionException], rules: &SlotRules<'_>) {
    let tz = rules.time_zone;
    let len = i32::from(rules.length.get());
    let step = len + i32::from(rules.buffer_minutes);
    let (first, last) = ds.times.minutes();
    let (_, session_end) = ds.window(tz);
    let mut prev_end: Option<Timestamp> = None;
    let mut m = first;
    while m + len <= last {
        let local = ds.date.to_datetime(time_of(m));
        m += step;
        let Some(start) = slot_start(tz, local) else { continue };
        let end = start + rules.length.duration();
        // A slot straddling a spring-forward gap can run past the session's end or into the next one.
        if end > session_end || prev_end.is_some_and(|p| start < p) {
            continue;
        }
        prev_end = Some(end);
        if closed_by(exceptions, tz, ds.practitioner, ds.date, start, end).is_some() {
            continue;
        }
        out.push(Slot { start, end, date: ds.date, session: ds.id, practitioner: ds.practitioner, room: ds.room });
    }
}

/// Every slot for `rules.service` from `from` to `until` (local dates, both included), sorted by start
/// then practitioner. Bank holidays close sessions that do not open on them; closures remove slots;
/// if two sessions of one practitioner overlap (the rota editor refuses that), the earlier slot wins.
pub fn generate_slots(
    sessions: &[Session],
    exceptions: &[SessionException],
    rules: &SlotRules<'_>,
    from: Date,
    until: Date,
) -> Vec<Slot> {
    let mut out = Vec::new();
    let mut d = from;
    while d <= until {
        let holiday = rules.holidays.holiday(rules.division, d).is_some();
        for ds in day_sessions(sessions, exceptions, d) {
            if ds.services.contains(&rules.service) && (!holiday || ds.opens_on_bank_holidays) {
                cut_day(&mut out, &ds, exceptions, rules);
            }
        }
        let Ok(next) = d.tomorrow() else { break };
        d = next;
    }
    // Never two overlapping slots for one practitioner, whatever the rota says.
    let mut by_practitioner: BTreeMap<Uuid, Vec<Slot>> = BTreeMap::new();
    for s in out {
        by_practitioner.entry(s.practitioner).or_default().push(s);
    }
    let mut out = Vec::new();
    for (_, mut slots) in by_practitioner {
        slots.sort_by_key(|s| (s.start, s.end));
        let mut last_end: Option<Timestamp> = None;
        for s in slots {
            if last_end.is_none_or(|e| s.start >= e) {
                last_end = Some(s.end);
                out.push(s);
            }
        }
    }
    out.sort_by_key(|s| (s.start, s.practitioner));
    out
}

/// Why a requested start is not a slot. Each maps to a field message for the API and the booking page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotProblem {
    /// The local time does not exist (the clocks went forward past it).
    InDstGap,
    /// The practitioner has no session at that time.
    OutsideSession,
    /// A bank holiday, and no session opens on it.
    BankHoliday { title: String },
    /// The practitioner is away (leave, training…).
    Closed { reason: ClosureReason },
    /// The session at that time does not offer the service.
    ServiceNotOffered,
    /// Inside a session but between slot starts; `nearest` is the closest slot start, if any.
    NotAligned { nearest: Option<Timestamp> },
}

impl SlotProblem {
    /// The field the problem belongs to.
    pub fn field(&self) -> &'static str {
        match self {
            SlotProblem::ServiceNotOffered => "service",
            _ => "start",
        }
    }

    /// A stable code for problem+json.
    pub fn code(&self) -> &'static str {
        match self {
            SlotProblem::InDstGap => "start-in-dst-gap",
            SlotProblem::OutsideSession => "outside-session",
            SlotProblem::BankHoliday { .. } => "bank-holiday",
            SlotProblem::Closed { .. } => "practitioner-away",
            SlotProblem::ServiceNotOffered => "service-not-offered",
            SlotProblem::NotAligned { .. } => "start-not-aligned",
        }
    }

    /// Plain words for the page or the problem+json field error.
    pub fn message(&self) -> String {
        match self {
            SlotProblem::InDstGap => {
                "That time does not exist on that date because the clocks go forward. Choose another time".into()
            }
            SlotProblem::OutsideSession => {
                "The practitioner is not working at that time. Choose a time from the list".into()
            }
            SlotProblem::BankHoliday { title } => format!("That date is a bank holiday ({title}). Choose another date"),
            SlotProblem::Closed { reason } => {
                let why = match reason {
                    ClosureReason::Leave => "on leave",
                    ClosureReason::Training => "at training",
                    ClosureReason::Sickness | ClosureReason::Other => "not available",
                };
                format!("The practitioner is {why} at that time. Choose another time or practitioner")
            }
            SlotProblem::ServiceNotOffered => {
                "The practitioner does not offer this service at that time. Choose another service or time".into()
            }
            SlotProblem::NotAligned { .. } => "The start time must be one of the appointment times in the list".into(),
        }
    }
}

/// A local wall-clock start as an instant. A time in the spring-forward gap is refused; a time in the
/// autumn fold means its first occurrence, as slots are cut.
pub fn resolve_local_start(tz: &TimeZone, local: DateTime) -> Result<Timestamp, SlotProblem> {
    slot_start(tz, local).ok_or(SlotProblem::InDstGap)
}

/// Whether `start` is a slot start for the service with this practitioner, ignoring whether it is
/// already booked. Gives the slot, or the first reason it is not one.
pub fn check_slot_start(
    sessions: &[Session],
    exceptions: &[SessionException],
    rules: &SlotRules<'_>,
    practitioner: Uuid,
    start: Timestamp,
) -> Result<Slot, SlotProblem> {
    let tz = rules.time_zone;
    let d = tz.to_datetime(start).date();
    let today: Vec<DaySession<'_>> =
        day_sessions(sessions, exceptions, d).into_iter().filter(|s| s.practitioner == practitioner).collect();
    let containing: Vec<&DaySession<'_>> = today
        .iter()
        .filter(|s| {
            let (from, to) = s.window(tz);
            from <= start && start < to
        })
        .collect();
    if let Some(title) = rules.holidays.holiday(rules.division, d)
        && !containing.iter().any(|s| s.opens_on_bank_holidays)
    {
        return Err(SlotProblem::BankHoliday { title: title.to_owned() });
    }
    if containing.is_empty() {
        return Err(SlotProblem::OutsideSession);
    }
    if !containing.iter().any(|s| s.services.contains(&rules.service)) {
        return Err(SlotProblem::ServiceNotOffered);
    }
    if let Some(c) = closed_by(exceptions, tz, practitioner, d, start, start + rules.length.duration()) {
        return Err(SlotProblem::Closed { reason: c.reason });
    }
    let mine: Vec<Session> = sessions.iter().filter(|s| s.practitioner == practitioner).cloned().collect();
    let slots = generate_slots(&mine, exceptions, rules, d, d);
    if let Some(slot) = slots.iter().find(|s| s.start == start) {
        return Ok(slot.clone());
    }
    let nearest = slots.iter().map(|s| s.start).min_by_key(|s| s.duration_since(start).abs());
    Err(SlotProblem::NotAligned { nearest })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::ToSpan;
    use jiff::civil::{date, time};
    use proptest::prelude::*;

    fn london() -> TimeZone {
        TimeZone::get("Europe/London").unwrap()
    }

    const GP: Uuid = Uuid::from_u128(1);
    const NURSE: Uuid = Uuid::from_u128(2);
    const DR_A: Uuid = Uuid::from_u128(10);
    const DR_B: Uuid = Uuid::from_u128(11);

    fn draft(id: u128, weekday: Weekday, start: Time, end: Time) -> SessionDraft {
        SessionDraft {
            id: Uuid::from_u128(100 + id),
            practitioner: DR_A,
            site: Uuid::from_u128(50),
            weekday,
            start,
            end,
            valid_from: date(2025, 1, 1),
            valid_until: None,
            services: vec![GP],
            room: None,
            opens_on_bank_holidays: false,
        }
    }

    fn session(weekday: Weekday, start: Time, end: Time) -> Session {
        draft(0, weekday, start, end).validate().unwrap()
    }

    fn rules<'a>(
        tz: &'a TimeZone,
        holidays: &'a BankHolidays,
        division: Division,
        len: u16,
        buffer: u16,
    ) -> SlotRules<'a> {
        SlotRules {
            time_zone: tz,
            division,
            holidays,
            service: GP,
            length: ServiceLength::minutes(len).unwrap(),
            buffer_minutes: buffer,
        }
    }

    fn local_times(tz: &TimeZone, slots: &[Slot]) -> Vec<String> {
        slots.iter().map(|s| s.start.to_zoned(tz.clone()).strftime("%H:%M%:z").to_string()).collect()
    }

    #[test]
    fn validation_names_each_bad_field() {
        let mut d = draft(0, Weekday::Monday, time(12, 0, 0, 0), time(8, 30, 0, 0));
        d.valid_until = Some(date(2024, 12, 31));
        d.services.clear();
        let fields: Vec<String> = d.validate().unwrap_err().0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["end", "valid_until", "services"]);
        let zero = draft(0, Weekday::Monday, time(9, 0, 0, 0), time(9, 0, 0, 0)).validate().unwrap_err();
        assert!(zero.0[0].message.contains("cannot last no time"));
        let secs = draft(0, Weekday::Monday, time(9, 0, 30, 0), time(10, 0, 0, 0)).validate().unwrap_err();
        assert_eq!(secs.0[0].field, "start");
        assert!(ServiceLength::minutes(0).is_err() && ServiceLength::minutes(481).is_err());
    }

    #[test]
    fn overlapping_sessions_of_one_practitioner_are_found() {
        let a = session(Weekday::Monday, time(8, 30, 0, 0), time(12, 0, 0, 0));
        let mut b = draft(1, Weekday::Monday, time(11, 0, 0, 0), time(13, 0, 0, 0)).validate().unwrap();
        assert!(sessions_overlap(&a, &b));
        assert!(!sessions_overlap(&a, &a), "a session does not clash with itself when edited");
        assert!(
            check_no_overlap(&b, std::slice::from_ref(&a)).unwrap_err().0[0]
                .message
                .contains("Monday session 08:30–12:00")
        );
        b.times = TimeRange::new(time(12, 0, 0, 0), time(13, 0, 0, 0)).unwrap();
        assert!(!sessions_overlap(&a, &b), "touching is not overlapping");
        b.times = TimeRange::new(time(11, 0, 0, 0), time(13, 0, 0, 0)).unwrap();
        b.weekday = Weekday::Tuesday;
        assert!(!sessions_overlap(&a, &b));
        b.weekday = Weekday::Monday;
        b.practitioner = DR_B;
        assert!(!sessions_overlap(&a, &b));
        b.practitioner = DR_A;
        let mut a2 = a.clone();
        a2.dates = DateRange::new(date(2025, 1, 1), Some(date(2025, 6, 30))).unwrap();
        b.dates = DateRange::new(date(2025, 7, 1), None).unwrap();
        assert!(!sessions_overlap(&a2, &b), "consecutive date ranges do not overlap");
        b.dates = DateRange::new(date(2025, 6, 30), None).unwrap();
        assert!(sessions_overlap(&a2, &b));
        let extra = ExtraSession {
            id: Uuid::from_u128(900),
            practitioner: DR_A,
            site: Uuid::from_u128(50),
            date: date(2027, 6, 7),
            times: TimeRange::new(time(11, 30, 0, 0), time(12, 30, 0, 0)).unwrap(),
            services: vec![GP],
            room: None,
        };
        assert!(extra_overlaps_session(&extra, &a));
    }

    #[test]
    fn nine_means_nine_local_all_year() {
        let tz = london();
        let h = BankHolidays::bundled();
        let r = rules(&tz, &h, Division::EnglandAndWales, 10, 0);
        let s = [session(Weekday::Monday, time(9, 0, 0, 0), time(9, 30, 0, 0))];
        let winter = generate_slots(&s, &[], &r, date(2027, 1, 11), date(2027, 1, 11));
        let summer = generate_slots(&s, &[], &r, date(2027, 7, 12), date(2027, 7, 12));
        assert_eq!(winter[0].start.to_string(), "2027-01-11T09:00:00Z");
        assert_eq!(summer[0].start.to_string(), "2027-07-12T08:00:00Z");
        assert_eq!(local_times(&tz, &summer), ["09:00+01:00", "09:10+01:00", "09:20+01:00"]);
    }

    #[test]
    fn spring_forward_day_has_no_slot_in_the_missing_hour() {
        let tz = london();
        let h = BankHolidays::bundled();
        let r = rules(&tz, &h, Division::EnglandAndWales, 10, 5);
        let d = date(2027, 3, 28);
        assert_eq!(d.weekday(), Weekday::Sunday);
        let s = [session(Weekday::Sunday, time(0, 30, 0, 0), time(3, 0, 0, 0))];
        let slots = generate_slots(&s, &[], &r, d, d);
        assert_eq!(
            local_times(&tz, &slots),
            ["00:30+00:00", "00:45+00:00", "02:00+01:00", "02:15+01:00", "02:30+01:00", "02:45+01:00"]
        );
        // 00:45 GMT + 10 minutes ends at 00:55 GMT; nothing overlaps.
        assert!(slots.windows(2).all(|w| w[0].end <= w[1].start));
        // A session starting inside the gap starts when the clocks jump.
        let gap = [session(Weekday::Sunday, time(1, 30, 0, 0), time(2, 30, 0, 0))];
        let slots = generate_slots(&gap, &[], &r, d, d);
        assert_eq!(local_times(&tz, &slots), ["02:00+01:00", "02:15+01:00"]);
        assert_eq!(check_slot_start(&gap, &[], &r, DR_A, slots[0].start), Ok(slots[0].clone()));
        let local = date(2027, 3, 28).at(1, 30, 0, 0);
        assert_eq!(resolve_local_start(&tz, local), Err(SlotProblem::InDstGap));
        assert_eq!(SlotProblem::InDstGap.code(), "start-in-dst-gap");
    }

    #[test]
    fn long_slots_straddling_the_gap_never_overlap_or_overrun() {
        let tz = london();
        let h = BankHolidays::bundled();
        let r = rules(&tz, &h, Division::EnglandAndWales, 90, 0);
        let d = date(2027, 3, 28);
        let s = [session(Weekday::Sunday, time(0, 30, 0, 0), time(5, 0, 0, 0))];
        let slots = generate_slots(&s, &[], &r, d, d);
        // 00:30 GMT runs to 03:00 BST, so the 02:00 wall-clock slot would overlap it; 03:30 is next.
        assert_eq!(local_times(&tz, &slots), ["00:30+00:00", "03:30+01:00"]);
    }

    #[test]
    fn fall_back_day_produces_each_slot_once() {
        let tz = london();
        let h = BankHolidays::bundled();
        let r = rules(&tz, &h, Division::EnglandAndWales, 20, 0);
        let d = date(2027, 10, 31);
        assert_eq!(d.weekday(), Weekday::Sunday);
        let s = [session(Weekday::Sunday, time(0, 20, 0, 0), time(3, 0, 0, 0))];
        let slots = generate_slots(&s, &[], &r, d, d);
        assert_eq!(
            local_times(&tz, &slots),
            [
                "00:20+01:00",
                "00:40+01:00",
                "01:00+01:00",
                "01:20+01:00",
                "01:40+01:00",
                "02:00+00:00",
                "02:20+00:00",
                "02:40+00:00"
            ]
        );
        assert!(slots.windows(2).all(|w| w[0].end <= w[1].start));
        assert_eq!(slots[4].end.to_string(), "2027-10-31T01:00:00Z");
        assert_eq!(slots[5].start.to_string(), "2027-10-31T02:00:00Z");
        // A local 01:20 means its first occurrence, which is the slot offered.
        let first = resolve_local_start(&tz, d.at(1, 20, 0, 0)).unwrap();
        assert_eq!(first, slots[3].start);
        assert_eq!(check_slot_start(&s, &[], &r, DR_A, first).unwrap().start, first);
        let second = first + SignedDuration::from_hours(1);
        assert_eq!(
            check_slot_start(&s, &[], &r, DR_A, second),
            Err(SlotProblem::NotAligned { nearest: Some(slots[4].start) })
        );
    }

    #[test]
    fn bank_holidays_close_sessions_unless_they_open() {
        let tz = london();
        let h = BankHolidays::bundled();
        let mut s = session(Weekday::Friday, time(9, 0, 0, 0), time(10, 0, 0, 0));
        let d = date(2026, 1, 2); // Scotland only
        let scot = rules(&tz, &h, Division::Scotland, 15, 0);
        let eng = rules(&tz, &h, Division::EnglandAndWales, 15, 0);
        assert!(generate_slots(std::slice::from_ref(&s), &[], &scot, d, d).is_empty());
        assert_eq!(generate_slots(std::slice::from_ref(&s), &[], &eng, d, d).len(), 4);
        let nine = tz.to_timestamp(d.at(9, 0, 0, 0)).unwrap();
        assert_eq!(
            check_slot_start(std::slice::from_ref(&s), &[], &scot, DR_A, nine),
            Err(SlotProblem::BankHoliday { title: "New Year Holiday".into() })
        );
        assert!(check_slot_start(std::slice::from_ref(&s), &[], &eng, DR_A, nine).is_ok());
        s.opens_on_bank_holidays = true;
        assert_eq!(generate_slots(std::slice::from_ref(&s), &[], &scot, d, d).len(), 4);
        assert!(check_slot_start(std::slice::from_ref(&s), &[], &scot, DR_A, nine).is_ok());
    }

    #[test]
    fn closures_and_extra_sessions() {
        let tz = london();
        let h = BankHolidays::bundled();
        let r = rules(&tz, &h, Division::EnglandAndWales, 15, 0);
        let s = [session(Weekday::Monday, time(9, 0, 0, 0), time(11, 0, 0, 0))];
        let (mon1, mon2) = (date(2027, 6, 7), date(2027, 6, 14));
        let leave = SessionException::Closure(Closure {
            id: Uuid::from_u128(700),
            practitioner: DR_A,
            reason: ClosureReason::Leave,
            dates: DateRange::new(mon1, Some(mon1)).unwrap(),
            part: None,
        });
        let training = SessionException::Closure(Closure {
            id: Uuid::from_u128(701),
            practitioner: DR_A,
            reason: ClosureReason::Training,
            dates: DateRange::new(mon2, Some(mon2)).unwrap(),
            part: Some(TimeRange::new(time(9, 50, 0, 0), time(10, 30, 0, 0)).unwrap()),
        });
        let other_doctor = SessionException::Closure(Closure {
            id: Uuid::from_u128(702),
            practitioner: DR_B,
            reason: ClosureReason::Leave,
            dates: DateRange::new(mon1, None).unwrap(),
            part: None,
        });
        let extra = SessionException::Extra(ExtraSession {
            id: Uuid::from_u128(800),
            practitioner: DR_A,
            site: Uuid::from_u128(50),
            date: date(2027, 8, 30), // Late Summer Bank Holiday
            times: TimeRange::new(time(14, 0, 0, 0), time(14, 30, 0, 0)).unwrap(),
            services: vec![GP],
            room: None,
        });
        let ex = [leave, training, other_doctor, extra];
        let slots = generate_slots(&s, &ex, &r, mon1, mon2);
        assert!(slots.iter().all(|s| s.date == mon2));
        // 09:45 ends at 10:00, overlapping training from 09:50: gone; 10:30 onwards stays.
        assert_eq!(
            local_times(&tz, &slots),
            ["09:00+01:00", "09:15+01:00", "09:30+01:00", "10:30+01:00", "10:45+01:00"]
        );
        let at = |d: Date, h: i8, m: i8| tz.to_timestamp(d.at(h, m, 0, 0)).unwrap();
        assert_eq!(
            check_slot_start(&s, &ex, &r, DR_A, at(mon1, 9, 0)),
            Err(SlotProblem::Closed { reason: ClosureReason::Leave })
        );
        assert_eq!(
            check_slot_start(&s, &ex, &r, DR_A, at(mon2, 10, 0)),
            Err(SlotProblem::Closed { reason: ClosureReason::Training })
        );
        assert!(SlotProblem::Closed { reason: ClosureReason::Training }.message().contains("at training"));
        let holiday = date(2027, 8, 30);
        let extra_slots = generate_slots(&s, &ex, &r, holiday, holiday);
        assert_eq!(local_times(&tz, &extra_slots), ["14:00+01:00", "14:15+01:00"]);
        assert_eq!(extra_slots[0].session, Uuid::from_u128(800));
        // The weekly Monday session is still closed that bank holiday.
        assert_eq!(
            check_slot_start(&s, &ex, &r, DR_A, at(holiday, 9, 0)),
            Err(SlotProblem::BankHoliday { title: "Late Summer Bank Holiday".into() })
        );
        assert!(check_slot_start(&s, &ex, &r, DR_A, at(holiday, 14, 15)).is_ok());
    }

    #[test]
    fn start_checks_give_a_typed_reason() {
        let tz = london();
        let h = BankHolidays::bundled();
        let r = rules(&tz, &h, Division::EnglandAndWales, 10, 0);
        let s = [session(Weekday::Monday, time(9, 0, 0, 0), time(10, 0, 0, 0))];
        let at = |h: i8, m: i8| tz.to_timestamp(date(2027, 6, 7).at(h, m, 0, 0)).unwrap();
        assert_eq!(check_slot_start(&s, &[], &r, DR_A, at(9, 20)).unwrap().end, at(9, 30));
        assert_eq!(
            check_slot_start(&s, &[], &r, DR_A, at(9, 23)),
            Err(SlotProblem::NotAligned { nearest: Some(at(9, 20)) })
        );
        assert_eq!(check_slot_start(&s, &[], &r, DR_A, at(10, 0)), Err(SlotProblem::OutsideSession));
        assert_eq!(check_slot_start(&s, &[], &r, DR_B, at(9, 0)), Err(SlotProblem::OutsideSession));
        let nurse = SlotRules { service: NURSE, ..r };
        let p = check_slot_start(&s, &[], &nurse, DR_A, at(9, 0)).unwrap_err();
        assert_eq!((p.field(), p.code()), ("service", "service-not-offered"));
        // A slot that would run past the session's end is not a slot.
        let long = rules(&tz, &h, Division::EnglandAndWales, 25, 0);
        assert_eq!(generate_slots(&s, &[], &long, date(2027, 6, 7), date(2027, 6, 7)).len(), 2);
        assert!(matches!(check_slot_start(&s, &[], &long, DR_A, at(9, 50)), Err(SlotProblem::NotAligned { .. })));
    }

    #[test]
    fn overlapping_sessions_never_give_overlapping_slots() {
        let tz = london();
        let h = BankHolidays::bundled();
        let r = rules(&tz, &h, Division::EnglandAndWales, 15, 0);
        let a = session(Weekday::Monday, time(9, 0, 0, 0), time(10, 0, 0, 0));
        let b = draft(1, Weekday::Monday, time(9, 10, 0, 0), time(10, 10, 0, 0)).validate().unwrap();
        let slots = generate_slots(&[a, b], &[], &r, date(2027, 6, 7), date(2027, 6, 7));
        assert!(slots.windows(2).all(|w| w[0].end <= w[1].start));
        assert_eq!(local_times(&tz, &slots), ["09:00+01:00", "09:15+01:00", "09:30+01:00", "09:45+01:00"]);
    }

    fn weekday_of(i: i64) -> Weekday {
        Weekday::from_monday_one_offset((i % 7) as i8 + 1).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Slots across 2025–2028: inside the session, aligned to the wall-clock grid, exact
        /// length, no duplicates or overlaps, none on a closed bank holiday, and complete away from a
        /// clock change.
        #[test]
        fn slots_are_right_across_dst_and_bank_holidays(
            day in 0i64..1461,
            // Bias towards the small hours so clock changes are exercised often.
            start_min in prop_oneof![0i32..240, 0i32..1400],
            span in 1i32..600,
            len in 1u16..90,
            buffer in 0u16..20,
            opens in any::<bool>(),
            div in 0usize..3,
            // Mostly London; also a 30-minute shift (Lord Howe) and clocks changing at midnight (Santiago).
            zone in prop_oneof![4 => Just("Europe/London"), 1 => Just("America/New_York"), 1 => Just("Australia/Lord_Howe"), 1 => Just("America/Santiago")],
        ) {
            let tz = TimeZone::get(zone).unwrap();
            let h = BankHolidays::bundled();
            let division = Division::ALL[div];
            let end_min = (start_min + span).min(24 * 60 - 1);
            prop_assume!(end_min > start_min);
            let from = date(2025, 1, 1) + day.days();
            let until = from + 6.days();
            // Make it a clock-change day often: the zone's next transition after `from`.
            let mut d0 = from;
            let mut s = draft(0, weekday_of(day), time_of(start_min), time_of(end_min));
            if day % 3 == 0
                && let Some(t) = tz.following(tz.to_timestamp(from.at(0, 0, 0, 0)).unwrap()).next()
            {
                d0 = tz.to_datetime(t.timestamp()).date();
                s.weekday = d0.weekday();
            }
            let until = if d0 == from { until } else { d0 };
            s.opens_on_bank_holidays = opens;
            let s = s.validate().unwrap();
            let r = SlotRules { time_zone: &tz, division, holidays: &h, service: GP, length: ServiceLength::minutes(len).unwrap(), buffer_minutes: buffer };
            let slots = generate_slots(std::slice::from_ref(&s), &[], &r, d0, until);
            let step = i32::from(len + buffer);
            let mut seen = std::collections::HashSet::new();
            for w in slots.windows(2) {
                prop_assert!(w[0].end <= w[1].start, "overlap {:?}", w);
            }
            for slot in &slots {
                prop_assert!(seen.insert(slot.start), "duplicate {:?}", slot);
                let local = tz.to_datetime(slot.start);
                prop_assert_eq!(local.date(), slot.date);
                prop_assert_eq!(slot.date.weekday(), s.weekday);
                let m = minute_of_day(local.time());
                prop_assert!(start_min <= m && m < end_min);
                prop_assert_eq!((m - start_min) % step, 0, "not on the wall-clock grid");
                prop_assert_eq!(slot.end.duration_since(slot.start), r.length.duration());
                // The local start exists and maps back to the same instant (first occurrence in a fold).
                prop_assert_eq!(resolve_local_start(&tz, local), Ok(slot.start));
                let session_end = tz.to_ambiguous_timestamp(slot.date.to_datetime(time_of(end_min))).compatible().unwrap();
                prop_assert!(slot.end <= session_end);
                prop_assert!(opens || h.holiday(division, slot.date).is_none());
                prop_assert_eq!(check_slot_start(std::slice::from_ref(&s), &[], &r, DR_A, slot.start), Ok(slot.clone()));
            }
            // Completeness: each wall-clock candidate untouched by a clock change is a slot.
            let mut d = d0;
            while d <= until {
                if s.runs_on(d) && (opens || h.holiday(division, d).is_none()) {
                    let mut m = start_min;
                    while m + i32::from(len) <= end_min {
                        let a = tz.to_ambiguous_timestamp(d.to_datetime(time_of(m)));
                        let b = tz.to_ambiguous_timestamp(d.to_datetime(time_of(m + i32::from(len))));
                        if let (AmbiguousOffset::Unambiguous { offset: o1 }, AmbiguousOffset::Unambiguous { offset: o2 }) = (a.offset(), b.offset())
                            && o1 == o2
                        {
                            let t = a.compatible().unwrap();
                            let e = t + r.length.duration();
                            // Unless a slot straddling the gap already covers part of it.
                            let blocked = slots.iter().any(|x| x.start != t && x.start < e && t < x.end);
                            prop_assert!(blocked || slots.iter().any(|x| x.start == t), "missing {}", d.to_datetime(time_of(m)));
                        }
                        m += step;
                    }
                }
                d = d.tomorrow().unwrap();
            }
        }
    }
}
