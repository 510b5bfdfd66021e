//! Reception measures: how late a practitioner is running, when patients are told, and the third next
//! available appointment (domain-rules.md §8).

use super::appointment::AppointmentStatus;
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

/// One of a practitioner's appointments today, as the running-late rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayAppointment {
    /// Booked start and end.
    pub start: Timestamp,
    pub end: Timestamp,
    pub status: AppointmentStatus,
    pub arrived_at: Option<Timestamp>,
    pub called_at: Option<Timestamp>,
}

impl DayAppointment {
    fn in_room(&self) -> bool {
        self.status == AppointmentStatus::Arrived && self.called_at.is_some()
    }

    fn waiting(&self) -> bool {
        self.status == AppointmentStatus::Arrived && self.called_at.is_none()
    }

    /// Still to be seen later today, so told when the practitioner runs late.
    pub fn to_be_told_of_delay(&self, now: Timestamp) -> bool {
        self.start > now && (self.status == AppointmentStatus::Booked || self.waiting())
    }
}

/// How far behind schedule the practitioner is running now, never negative. The larger of:
/// - the patient in the room: how late their consultation will end against its booked end, taking it
///   to run its booked length from the call (or until now, if it has overrun);
/// - the longest a checked-in patient has waited past their booked start without being called.
///
/// Patients who are late themselves (not checked in) do not make the practitioner late.
pub fn current_delay(today: &[DayAppointment], now: Timestamp) -> SignedDuration {
    let in_room = today.iter().filter(|a| a.in_room()).max_by_key(|a| a.called_at).map(|a| {
        let called = a.called_at.expect("in the room means called");
        let expected_end = (called + a.end.duration_since(a.start)).max(now);
        expected_end.duration_since(a.end)
    });
    let waiting = today.iter().filter(|a| a.waiting() && a.start < now).map(|a| now.duration_since(a.start)).max();
    [in_room, waiting].into_iter().flatten().fold(SignedDuration::ZERO, SignedDuration::max)
}

/// When "running late" notices go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LateNoticePolicy {
    /// No notice below this delay.
    pub threshold: SignedDuration,
    /// A patient is told again only when the delay reaches a further step.
    pub step: SignedDuration,
}

impl Default for LateNoticePolicy {
    fn default() -> Self {
        Self { threshold: SignedDuration::from_mins(20), step: SignedDuration::from_mins(15) }
    }
}

/// The step to notify a patient at, if a notice is due: the delay has passed the threshold and reached
/// a higher step (`delay / step`) than the one they were last told of. At most one notice per patient
/// per step; the caller records the step returned.
pub fn late_notice_due(
    delay: SignedDuration,
    policy: &LateNoticePolicy,
    last_notified_step: Option<u32>,
) -> Option<u32> {
    if delay < policy.threshold || policy.step <= SignedDuration::ZERO {
        return None;
    }
    let step = u32::try_from(delay.as_secs() / policy.step.as_secs().max(1)).unwrap_or(u32::MAX);
    (Some(step) > last_notified_step).then_some(step)
}

/// Third next available appointment: days from `requested` to the date of the third free slot on or
/// after it (three free slots the same day give 0). The caller passes free slots only, not held ones.
/// `None` when fewer than three are free.
pub fn third_next_available(requested: Date, free_slot_dates: impl IntoIterator<Item = Date>) -> Option<i32> {
    let mut dates: Vec<Date> = free_slot_dates.into_iter().filter(|d| *d >= requested).collect();
    if dates.len() < 3 {
        return None;
    }
    let (_, third, _) = dates.select_nth_unstable(2);
    Some((*third - requested).get_days())
}

#[cfg(test)]
mod tests {
    use super::*;
    use AppointmentStatus as S;

    fn t(hm: &str) -> Timestamp {
        format!("2027-06-07T{hm}:00Z").parse().unwrap()
    }

    fn appt(start: &str, end: &str, status: S, arrived: Option<&str>, called: Option<&str>) -> DayAppointment {
        DayAppointment { start: t(start), end: t(end), status, arrived_at: arrived.map(t), called_at: called.map(t) }
    }

    fn mins(d: SignedDuration) -> i64 {
        d.as_mins()
    }

    #[test]
    fn delay_follows_calls_and_waiting_patients() {
        let mut day = vec![
            appt("09:00", "09:10", S::Fulfilled, Some("08:55"), Some("09:00")),
            appt("09:10", "09:20", S::Arrived, Some("09:05"), Some("09:35")),
            appt("09:20", "09:30", S::Arrived, Some("09:15"), None),
            appt("09:30", "09:40", S::Booked, None, None),
        ];
        // In the room 25 minutes late; the waiting patient has waited 20 past their time.
        assert_eq!(mins(current_delay(&day, t("09:40"))), 25);
        // The consultation overruns: at 09:55 it will end no earlier than now, 35 minutes late.
        assert_eq!(mins(current_delay(&day, t("09:55"))), 35);
        // Finished and nobody checked in waiting: the practitioner is free, no delay.
        day[1].status = S::Fulfilled;
        day[2].status = S::Noshow;
        assert_eq!(current_delay(&day, t("09:50")), SignedDuration::ZERO);
        // A patient who has not arrived does not make the practitioner late.
        assert_eq!(current_delay(&day[3..], t("09:50")), SignedDuration::ZERO);
        // Before the first call, checked-in patients waiting past their time count.
        let early = [appt("09:00", "09:10", S::Arrived, Some("08:50"), None)];
        assert_eq!(mins(current_delay(&early, t("09:12"))), 12);
        assert_eq!(current_delay(&early, t("08:59")), SignedDuration::ZERO);
    }

    #[test]
    fn who_is_told() {
        let now = t("10:00");
        assert!(appt("10:30", "10:40", S::Booked, None, None).to_be_told_of_delay(now));
        assert!(appt("10:30", "10:40", S::Arrived, Some("09:55"), None).to_be_told_of_delay(now));
        assert!(!appt("09:30", "09:40", S::Booked, None, None).to_be_told_of_delay(now));
        assert!(!appt("10:30", "10:40", S::Cancelled, None, None).to_be_told_of_delay(now));
    }

    #[test]
    fn late_notices_once_per_step() {
        let p = LateNoticePolicy::default();
        let m = SignedDuration::from_mins;
        assert_eq!(late_notice_due(m(19), &p, None), None);
        assert_eq!(late_notice_due(m(20), &p, None), Some(1));
        assert_eq!(late_notice_due(m(29), &p, Some(1)), None);
        assert_eq!(late_notice_due(m(30), &p, Some(1)), Some(2));
        assert_eq!(late_notice_due(m(50), &p, Some(1)), Some(3));
        assert_eq!(late_notice_due(m(25), &p, Some(3)), None, "the delay fell back: no new notice");
        let low = LateNoticePolicy { threshold: m(5), ..p };
        assert_eq!(late_notice_due(m(6), &low, None), Some(0));
        assert_eq!(late_notice_due(m(10), &low, Some(0)), None);
    }

    #[test]
    fn third_next_available_counts_slots_not_days() {
        let d = |day| jiff::civil::date(2027, 6, day);
        assert_eq!(third_next_available(d(7), [d(7), d(7), d(7)]), Some(0));
        assert_eq!(third_next_available(d(7), [d(10), d(8), d(4), d(9), d(8)]), Some(2));
        assert_eq!(third_next_available(d(7), [d(21), d(14), d(9)]), Some(14));
        assert_eq!(third_next_available(d(7), [d(8), d(9), d(1)]), None);
    }
}
