//! What this node remembers about the diary between requests, so the 8am rush is answered from memory:
//!
//! - **Calendars**: the slots a rota offers for a service in a window (and the service and sites they
//!   came from). They change only when a rota, service, practitioner or site changes: on this node that
//!   drops them at once; another node's change is seen within [`CALENDAR_TTL`]. A calendar older than
//!   that is kept if the database's rota version (bumped with every such change, on any node) has not
//!   moved since it was read, so calendars last until something changes.
//! - **Taken times**: practitioners' times this node knows are booked or held, learned from its own
//!   booking writer (what it wrote, and what it found in the way). A booking for a time known to be taken
//!   is refused without queueing for the writer. Knowledge is kept for [`TAKEN_TTL`] at most (a hold's
//!   only until it expires) and dropped for a practitioner as soon as this node frees one of their times,
//!   so it is only ever a little out of date in one direction: a time freed on another node may be
//!   refused here for a few seconds (and a freed time goes to the waiting list first anyway).
//! - **Alternatives**: the free times offered with a 409, per service, site and day, for
//!   [`ALTERNATIVES_TTL`]; always filtered through the taken times before they are offered.
//!
//! None of this decides whether a booking is written: the writer checks the database (and PostgreSQL's
//! exclusion constraints) for every booking it writes. The memory only answers "no" sooner.

use super::availability::{Calendar, FreeSlot};
use jiff::Timestamp;
use jiff::civil::Date;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How long a calendar is trusted without a change seen on this node.
pub const CALENDAR_TTL: Duration = Duration::from_secs(10);
/// How long the database's rota version, once read, is taken as current.
pub const SHARED_VERSION_TTL: Duration = Duration::from_secs(1);
/// How long a taken time is trusted (a hold: until it expires, if sooner).
pub const TAKEN_TTL: Duration = Duration::from_secs(5);
/// How long a list of alternatives is reused.
pub const ALTERNATIVES_TTL: Duration = Duration::from_secs(2);
/// Cached calendars or alternative lists kept at most (all are dropped when there are more).
const MAX_CACHED: usize = 2048;

/// Which calendar: the arguments of [`crate::App::calendar`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct CalendarKey {
    pub service: Uuid,
    pub practitioner: Option<Uuid>,
    pub site: Option<Uuid>,
    pub from: Date,
    pub to: Date,
}

/// Which alternatives: a service at a site over some days, for appointments `multiplier` slots long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct AlternativesKey {
    pub service: Uuid,
    pub site: Uuid,
    pub from: Date,
    pub to: Date,
    pub multiplier: u16,
}

struct Kept<T> {
    at: Instant,
    version: u64,
    /// The database's rota version it was read under (calendars; 0 otherwise).
    shared: i64,
    value: T,
}

#[derive(Debug, Clone, Copy)]
struct Taken {
    start: Timestamp,
    end: Timestamp,
    until: Instant,
}

/// A time known to be taken: a practitioner's appointment or hold.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TakenTime {
    pub practitioner: Uuid,
    pub start: Timestamp,
    pub end: Timestamp,
    /// When a hold lets go of the time on its own.
    pub hold_expires: Option<Timestamp>,
}

#[derive(Default)]
pub(crate) struct Diary {
    /// Bumped by every change to rotas, services, practitioners or sites made on this node.
    rota_version: AtomicU64,
    calendars: Mutex<HashMap<CalendarKey, Kept<Arc<Calendar>>>>,
    taken: Mutex<HashMap<Uuid, Vec<Taken>>>,
    alternatives: Mutex<HashMap<AlternativesKey, Kept<Arc<Vec<FreeSlot>>>>>,
    /// Times a booking is being written for right now (practitioner, start → bookings in flight): not
    /// offered as alternatives, since at the rush they are nearly always gone a moment later.
    in_flight: Mutex<HashMap<(Uuid, Timestamp), u32>>,
    /// One reader per calendar or list being read: when one expires at the rush, hundreds of requests
    /// miss at once, and one database read should answer them all.
    loading: Mutex<HashMap<Loading, Arc<tokio::sync::Mutex<()>>>>,
    /// The database's rota version (changes made on any node) and when it was read.
    shared: Mutex<Option<(Instant, i64)>>,
}

/// What is being read from the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Loading {
    Calendar(CalendarKey),
    Alternatives(AlternativesKey),
}

/// A booking in the writer's queue; dropping it (answered, or the caller went away) forgets it.
pub(crate) struct InFlight<'a> {
    diary: &'a Diary,
    key: (Uuid, Timestamp),
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let mut m = lock(&self.diary.in_flight);
        if let Some(n) = m.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.key);
            }
        }
    }
}

/// A poisoned lock only means another request panicked while holding it; the maps stay usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Diary {
    /// The version to read a calendar under (pass it back to [`Diary::keep_calendar`]).
    pub fn rota_version(&self) -> u64 {
        self.rota_version.load(Ordering::Acquire)
    }

    pub fn calendar(&self, key: &CalendarKey) -> Option<Arc<Calendar>> {
        let version = self.rota_version();
        let kept = lock(&self.calendars);
        kept.get(key).filter(|k| k.version == version && k.at.elapsed() < CALENDAR_TTL).map(|k| k.value.clone())
    }

    /// A calendar past [`CALENDAR_TTL`] but read under this node's current rota version, with the database's
    /// rota version it was read under: still good if that has not moved since.
    pub fn stale_calendar(&self, key: &CalendarKey) -> Option<(Arc<Calendar>, i64)> {
        let version = self.rota_version();
        let kept = lock(&self.calendars);
        kept.get(key).filter(|k| k.version == version).map(|k| (k.value.clone(), k.shared))
    }

    /// Trust a kept calendar for another [`CALENDAR_TTL`] (nothing changed anywhere since it was read).
    pub fn renew_calendar(&self, key: &CalendarKey) {
        if let Some(k) = lock(&self.calendars).get_mut(key) {
            k.at = Instant::now();
        }
    }

    /// The database's rota version as read within the last [`SHARED_VERSION_TTL`], if it was.
    pub fn shared_version(&self) -> Option<i64> {
        lock(&self.shared).filter(|(at, _)| at.elapsed() < SHARED_VERSION_TTL).map(|(_, v)| v)
    }

    pub fn saw_shared_version(&self, version: i64) {
        *lock(&self.shared) = Some((Instant::now(), version));
    }

    /// Keep a calendar read under `version` (and the database's rota version `shared`), unless the rota
    /// changed meanwhile.
    pub fn keep_calendar(&self, key: CalendarKey, version: u64, shared: i64, calendar: Arc<Calendar>) {
        let mut kept = lock(&self.calendars);
        if version != self.rota_version() {
            return;
        }
        if kept.len() >= MAX_CACHED {
            kept.clear();
        }
        kept.insert(key, Kept { at: Instant::now(), version, shared, value: calendar });
    }

    /// A rota, service, practitioner or site changed: forget every calendar and alternative.
    pub fn rota_changed(&self) {
        self.rota_version.fetch_add(1, Ordering::AcqRel);
        *lock(&self.shared) = None;
        lock(&self.calendars).clear();
        lock(&self.alternatives).clear();
    }

    /// Whether `[start, end)` overlaps a time this node knows the practitioner has taken.
    pub fn is_taken(&self, practitioner: Uuid, start: Timestamp, end: Timestamp) -> bool {
        let now = Instant::now();
        let taken = lock(&self.taken);
        taken.get(&practitioner).is_some_and(|l| l.iter().any(|t| t.until > now && t.start < end && t.end > start))
    }

    /// Remember times found taken (or just booked).
    pub fn taken(&self, times: &[TakenTime]) {
        if times.is_empty() {
            return;
        }
        let now = Instant::now();
        let wall = Timestamp::now();
        let mut taken = lock(&self.taken);
        for t in times {
            let mut trust = TAKEN_TTL;
            if let Some(expires) = t.hold_expires {
                let left = expires.duration_since(wall).as_millis().max(0) as u64;
                trust = trust.min(Duration::from_millis(left));
            }
            let list = taken.entry(t.practitioner).or_default();
            list.retain(|x| x.until > now);
            list.push(Taken { start: t.start, end: t.end, until: now + trust });
        }
    }

    /// This node freed one of the practitioner's times (a cancellation, a released hold, a move):
    /// forget what it knew of them, and every list of alternatives.
    pub fn released(&self, practitioner: Uuid) {
        lock(&self.taken).remove(&practitioner);
        lock(&self.alternatives).clear();
    }

    /// Wait for whoever is reading this now; the caller then looks in the cache again before reading.
    pub async fn gate(&self, what: Loading) -> tokio::sync::OwnedMutexGuard<()> {
        let gate = lock(&self.loading).entry(what).or_default().clone();
        let guard = gate.lock_owned().await;
        // The last one through lets the gate go, so the map holds only reads in progress.
        let mut loading = lock(&self.loading);
        if loading.get(&what).is_some_and(|g| Arc::strong_count(g) <= 2) {
            loading.remove(&what);
        }
        guard
    }

    /// Note a booking on its way to the writer.
    pub fn in_flight(&self, practitioner: Uuid, start: Timestamp) -> InFlight<'_> {
        *lock(&self.in_flight).entry((practitioner, start)).or_default() += 1;
        InFlight { diary: self, key: (practitioner, start) }
    }

    /// Cached alternatives, less the times known to be taken since and those being booked now.
    pub fn alternatives(&self, key: &AlternativesKey) -> Option<Vec<FreeSlot>> {
        let list = {
            let kept = lock(&self.alternatives);
            let k = kept.get(key).filter(|k| k.at.elapsed() < ALTERNATIVES_TTL)?;
            k.value.clone()
        };
        let busy = lock(&self.in_flight);
        Some(
            list.iter()
                .filter(|s| !busy.contains_key(&(s.practitioner_id, s.start)))
                .filter(|s| !self.is_taken(s.practitioner_id, s.start, s.end))
                .cloned()
                .collect(),
        )
    }

    pub fn keep_alternatives(&self, key: AlternativesKey, free: Vec<FreeSlot>) {
        let mut kept = lock(&self.alternatives);
        if kept.len() >= MAX_CACHED {
            kept.clear();
        }
        kept.insert(key, Kept { at: Instant::now(), version: 0, shared: 0, value: Arc::new(free) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(min: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + min * 60).unwrap()
    }

    #[test]
    fn a_taken_time_is_remembered_until_released() {
        let d = Diary::default();
        let p = Uuid::now_v7();
        assert!(!d.is_taken(p, at(0), at(10)));
        d.taken(&[TakenTime { practitioner: p, start: at(0), end: at(10), hold_expires: None }]);
        assert!(d.is_taken(p, at(5), at(15)), "overlapping");
        assert!(!d.is_taken(p, at(10), at(20)), "touching is not overlapping");
        assert!(!d.is_taken(Uuid::now_v7(), at(0), at(10)), "another practitioner");
        d.released(p);
        assert!(!d.is_taken(p, at(0), at(10)));
    }

    #[test]
    fn an_expired_hold_is_not_taken() {
        let d = Diary::default();
        let p = Uuid::now_v7();
        let gone = Timestamp::now() - jiff::SignedDuration::from_secs(1);
        d.taken(&[TakenTime { practitioner: p, start: at(0), end: at(10), hold_expires: Some(gone) }]);
        assert!(!d.is_taken(p, at(0), at(10)));
    }

    #[test]
    fn a_time_being_booked_is_not_offered_as_an_alternative() {
        let d = Diary::default();
        let p = Uuid::now_v7();
        let slot = |start| FreeSlot {
            start,
            end: start + jiff::SignedDuration::from_mins(10),
            local_start: String::new(),
            practitioner_id: p,
            practitioner: "Dr A".into(),
            site_id: Uuid::nil(),
            room_id: None,
        };
        let key =
            AlternativesKey { service: Uuid::nil(), site: Uuid::nil(), from: Date::MIN, to: Date::MIN, multiplier: 1 };
        d.keep_alternatives(key, vec![slot(at(0)), slot(at(10))]);
        let booking = d.in_flight(p, at(0));
        assert_eq!(d.alternatives(&key).unwrap().len(), 1);
        drop(booking);
        assert_eq!(d.alternatives(&key).unwrap().len(), 2);
        d.taken(&[TakenTime { practitioner: p, start: at(10), end: at(20), hold_expires: None }]);
        assert_eq!(d.alternatives(&key).unwrap().iter().map(|s| s.start).collect::<Vec<_>>(), vec![at(0)]);
    }

    #[test]
    fn a_rota_change_drops_calendars_read_before_it() {
        let d = Diary::default();
        let v = d.rota_version();
        d.rota_changed();
        assert_ne!(v, d.rota_version());
    }
}
