//! The waiting list (who is offered a freed slot first) and inbound referrals' target dates.

use super::rota::{Slot, TimeRange};
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use uuid::Uuid;

code_enum! {
    /// Waiting-list priority; sorts most urgent first.
    Priority {
        Urgent = "urgent", "Urgent";
        Soon = "soon", "Soon";
        Routine = "routine", "Routine";
    }
    "Priority must be urgent, soon or routine"
}

code_enum! {
    /// Why the patient is on the waiting list.
    EntrySource {
        Referral = "referral", "Referral";
        Request = "request", "Patient request";
        Clinician = "clinician", "Clinician";
    }
    "Source must be referral, request or clinician"
}

/// When a patient can come. Empty lists mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preferences {
    pub days: Vec<Weekday>,
    /// Local times of day the whole appointment must fall within (any one of them).
    pub times: Vec<TimeRange>,
    pub practitioner: Option<Uuid>,
    /// Only the preferred practitioner will do (continuity of care); otherwise they are just preferred.
    pub only_preferred_practitioner: bool,
}

/// A patient waiting for a slot of one service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingEntry {
    pub id: Uuid,
    pub patient: Uuid,
    pub service: Uuid,
    pub priority: Priority,
    pub preferences: Preferences,
    pub added: Timestamp,
    /// Date they should be seen by, if any.
    pub target: Option<Date>,
    pub source: EntrySource,
}

/// A freed slot as a waiting patient sees it: in the site's local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotFit {
    pub service: Uuid,
    pub practitioner: Uuid,
    pub date: Date,
    pub start: Time,
    /// `start` plus the slot's length (23:59:59.999… if that passes midnight).
    pub end: Time,
}

impl SlotFit {
    /// A generated slot read in the site's time zone.
    pub fn from_slot(slot: &Slot, service: Uuid, tz: &TimeZone) -> Self {
        let start = tz.to_datetime(slot.start).time();
        Self {
            service,
            practitioner: slot.practitioner,
            date: slot.date,
            start,
            // Wall-clock start plus real length, so a slot across a clock change still reads sensibly.
            end: start.checked_add(slot.end.duration_since(slot.start)).unwrap_or(Time::MAX),
        }
    }
}

/// How well a slot suits a waiting patient, higher is better; `None` when it does not suit (another
/// service, a day or time they cannot come, or not their practitioner when only theirs will do).
pub fn match_score(entry: &WaitingEntry, slot: &SlotFit) -> Option<u32> {
    let p = &entry.preferences;
    if entry.service != slot.service {
        return None;
    }
    if !p.days.is_empty() && !p.days.contains(&slot.date.weekday()) {
        return None;
    }
    if !p.times.is_empty() && !p.times.iter().any(|w| w.start() <= slot.start && slot.end <= w.end()) {
        return None;
    }
    let same_practitioner = p.practitioner == Some(slot.practitioner);
    if p.only_preferred_practitioner && p.practitioner.is_some() && !same_practitioner {
        return None;
    }
    let mut score = 1;
    if same_practitioner {
        score += 10;
    }
    score += u32::from(!p.days.is_empty()) + u32::from(!p.times.is_empty());
    Some(score)
}

/// The entries a slot suits, in the order they are offered it: priority, then target date (none
/// last), then date added, then better match, then id (so the order never depends on storage order).
pub fn offer_order<'a>(entries: &'a [WaitingEntry], slot: &SlotFit) -> Vec<(&'a WaitingEntry, u32)> {
    let mut out: Vec<(&WaitingEntry, u32)> = entries.iter().filter_map(|e| Some((e, match_score(e, slot)?))).collect();
    out.sort_by_key(|(e, score)| (e.priority, e.target.is_none(), e.target, e.added, Reverse(*score), e.id));
    out
}

code_enum! {
    /// An inbound referral's priority.
    ReferralPriority {
        UrgentSuspectedCancer = "urgent_suspected_cancer", "Urgent suspected cancer";
        Urgent = "urgent", "Urgent";
        Routine = "routine", "Routine";
    }
    "Referral priority must be urgent_suspected_cancer, urgent or routine"
}

impl ReferralPriority {
    /// The waiting-list priority a referral starts with.
    pub fn waiting_priority(self) -> Priority {
        match self {
            ReferralPriority::UrgentSuspectedCancer | ReferralPriority::Urgent => Priority::Urgent,
            ReferralPriority::Routine => Priority::Routine,
        }
    }
}

/// Calendar days from receipt to the target date, per priority, and how early to warn. Configurable
/// per organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralTargets {
    pub urgent_suspected_cancer_days: u16,
    pub urgent_days: u16,
    pub routine_days: u16,
    /// A referral is "approaching" its target this many days before it.
    pub warn_days: u16,
}

impl Default for ReferralTargets {
    /// Urgent suspected cancer 14 days (the two-week wait); routine 18 weeks (referral to treatment);
    /// urgent 28 days and a 3-day warning are local defaults *(check)*.
    fn default() -> Self {
        Self { urgent_suspected_cancer_days: 14, urgent_days: 28, routine_days: 126, warn_days: 3 }
    }
}

impl ReferralTargets {
    /// Calendar days to the target for a priority.
    pub fn days(&self, priority: ReferralPriority) -> u16 {
        match priority {
            ReferralPriority::UrgentSuspectedCancer => self.urgent_suspected_cancer_days,
            ReferralPriority::Urgent => self.urgent_days,
            ReferralPriority::Routine => self.routine_days,
        }
    }

    /// The date a referral received on `received` should be seen by.
    pub fn target_date(&self, received: Date, priority: ReferralPriority) -> Date {
        received.checked_add(i64::from(self.days(priority)).days()).unwrap_or(Date::MAX)
    }

    /// Where a referral stands against its target on `today`.
    pub fn status(&self, target: Date, today: Date) -> TargetStatus {
        let days_left = (target - today).get_days();
        if days_left < 0 {
            TargetStatus::Past { days_over: -days_left }
        } else if days_left <= i32::from(self.warn_days) {
            TargetStatus::Approaching { days_left }
        } else {
            TargetStatus::OnTrack
        }
    }
}

/// A referral against its target date, for the warning list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum TargetStatus {
    OnTrack,
    /// Due within the warning period; 0 means due today.
    Approaching {
        days_left: i32,
    },
    Past {
        days_over: i32,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};

    const GP: Uuid = Uuid::from_u128(1);
    const DR_A: Uuid = Uuid::from_u128(10);
    const DR_B: Uuid = Uuid::from_u128(11);

    fn entry(n: u128, priority: Priority, target: Option<Date>, added: &str) -> WaitingEntry {
        WaitingEntry {
            id: Uuid::from_u128(n),
            patient: Uuid::from_u128(1000 + n),
            service: GP,
            priority,
            preferences: Preferences::default(),
            added: format!("2027-05-{added}T09:00:00Z").parse().unwrap(),
            target,
            source: EntrySource::Request,
        }
    }

    fn slot(practitioner: Uuid, d: Date, h: i8, m: i8) -> SlotFit {
        SlotFit { service: GP, practitioner, date: d, start: time(h, m, 0, 0), end: time(h, m + 10, 0, 0) }
    }

    #[test]
    fn preferences_decide_whether_a_slot_suits() {
        let mon = date(2027, 6, 7);
        let tue = date(2027, 6, 8);
        let mut e = entry(1, Priority::Routine, None, "01");
        assert_eq!(match_score(&e, &slot(DR_A, mon, 9, 0)), Some(1));
        e.preferences.days = vec![Weekday::Monday, Weekday::Friday];
        e.preferences.times = vec![TimeRange::new(time(9, 0, 0, 0), time(9, 30, 0, 0)).unwrap()];
        assert_eq!(match_score(&e, &slot(DR_A, mon, 9, 20)), Some(3));
        assert_eq!(match_score(&e, &slot(DR_A, mon, 9, 25)), None, "ends after the window");
        assert_eq!(match_score(&e, &slot(DR_A, tue, 9, 0)), None);
        e.preferences.practitioner = Some(DR_A);
        assert_eq!(match_score(&e, &slot(DR_A, mon, 9, 0)), Some(13));
        assert_eq!(match_score(&e, &slot(DR_B, mon, 9, 0)), Some(3));
        e.preferences.only_preferred_practitioner = true;
        assert_eq!(match_score(&e, &slot(DR_B, mon, 9, 0)), None);
        let mut other = slot(DR_A, mon, 9, 0);
        other.service = Uuid::from_u128(2);
        assert_eq!(match_score(&e, &other), None);
    }

    #[test]
    fn offers_go_by_priority_then_target_then_date_added() {
        let d = |day| Some(date(2027, 6, day));
        let entries = [
            entry(1, Priority::Routine, d(1), "01"),
            entry(2, Priority::Urgent, None, "01"),
            entry(3, Priority::Urgent, d(20), "05"),
            entry(4, Priority::Urgent, d(10), "09"),
            entry(5, Priority::Soon, None, "02"),
            entry(6, Priority::Soon, None, "01"),
        ];
        let mut unsuited = entry(7, Priority::Urgent, d(1), "01");
        unsuited.preferences.days = vec![Weekday::Sunday];
        let mut all = entries.to_vec();
        all.push(unsuited);
        let order: Vec<u128> =
            offer_order(&all, &slot(DR_A, date(2027, 6, 7), 9, 0)).iter().map(|(e, _)| e.id.as_u128()).collect();
        assert_eq!(order, [4, 3, 2, 6, 5, 1]);
    }

    #[test]
    fn referral_targets() {
        let t = ReferralTargets::default();
        let received = date(2027, 6, 1);
        let target = t.target_date(received, ReferralPriority::UrgentSuspectedCancer);
        assert_eq!(target, date(2027, 6, 15));
        assert_eq!(t.target_date(received, ReferralPriority::Routine), date(2027, 10, 5));
        assert_eq!(t.status(target, date(2027, 6, 11)), TargetStatus::OnTrack);
        assert_eq!(t.status(target, date(2027, 6, 12)), TargetStatus::Approaching { days_left: 3 });
        assert_eq!(t.status(target, date(2027, 6, 15)), TargetStatus::Approaching { days_left: 0 });
        assert_eq!(t.status(target, date(2027, 6, 17)), TargetStatus::Past { days_over: 2 });
        let custom = ReferralTargets { urgent_days: 7, ..t };
        assert_eq!(custom.target_date(received, ReferralPriority::Urgent), date(2027, 6, 8));
        assert_eq!(ReferralPriority::UrgentSuspectedCancer.waiting_priority(), Priority::Urgent);
        for p in ReferralPriority::ALL {
            assert_eq!(ReferralPriority::parse(p.as_str()), Ok(*p));
        }
        assert_eq!(
            serde_json::to_value(TargetStatus::Past { days_over: 2 }).unwrap(),
            serde_json::json!({"status": "past", "days_over": 2})
        );
    }
}
