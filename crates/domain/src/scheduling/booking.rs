//! Pure checks made when booking or cancelling: the booking window, the cancellation cut-off, who can
//! be booked, how long the appointment must be, overlaps, and alternatives to offer when a slot is taken.

use super::rota::{ServiceLength, Slot};
use crate::patients::ais::{self, NeedCategory};
use crate::patients::record::RegistrationStatus;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};

/// A half-open span of time `[start, end)`, `start < end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Interval {
    start: Timestamp,
    end: Timestamp,
}

impl Interval {
    /// Refuses an end that is not after the start, for the `end` field.
    pub fn new(start: Timestamp, end: Timestamp) -> Result<Self, String> {
        if end > start { Ok(Self { start, end }) } else { Err("End must be after the start".into()) }
    }

    pub fn start(&self) -> Timestamp {
        self.start
    }

    pub fn end(&self) -> Timestamp {
        self.end
    }

    pub fn duration(&self) -> SignedDuration {
        self.end.duration_since(self.start)
    }

    /// Appointments that touch (one ends at 09:10, the next starts at 09:10) do not overlap.
    pub fn overlaps(&self, other: &Interval) -> bool {
        self.start < other.end && other.start < self.end
    }

    pub fn contains(&self, t: Timestamp) -> bool {
        self.start <= t && t < self.end
    }
}

/// Anything with a place in time; lets the helpers here take slots or plain intervals.
pub trait Timed {
    fn interval(&self) -> Interval;
}

impl Timed for Interval {
    fn interval(&self) -> Interval {
        *self
    }
}

impl Timed for Slot {
    fn interval(&self) -> Interval {
        Interval { start: self.start, end: self.end }
    }
}

/// Whether `[start, end)` overlaps `[other_start, other_end)`, for callers holding raw instants.
pub fn overlaps(start: Timestamp, end: Timestamp, other_start: Timestamp, other_end: Timestamp) -> bool {
    start < other_end && other_start < end
}

/// A booking or cancellation rule broken. Each has a field and a message for the page or problem+json.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BookingProblem {
    InPast,
    /// Less notice than the service needs (e.g. online bookings close 2 hours before).
    TooSoon {
        min_notice: SignedDuration,
    },
    /// Beyond how far ahead the service can be booked.
    TooFarAhead {
        max_days_ahead: u16,
    },
    PatientDeceased,
    /// The appointment has already started or passed, so it cannot be cancelled (mark DNA instead).
    CancelAfterStart,
    /// Inside the cancellation cut-off; the patient is asked to phone the practice.
    CancelWithinCutOff {
        cut_off: SignedDuration,
    },
}

impl BookingProblem {
    /// The field the problem belongs to.
    pub fn field(&self) -> &'static str {
        match self {
            BookingProblem::PatientDeceased => "patient",
            _ => "start",
        }
    }

    /// A stable code for problem+json.
    pub fn code(&self) -> &'static str {
        match self {
            BookingProblem::InPast => "start-in-past",
            BookingProblem::TooSoon { .. } => "too-soon",
            BookingProblem::TooFarAhead { .. } => "beyond-booking-window",
            BookingProblem::PatientDeceased => "patient-deceased",
            BookingProblem::CancelAfterStart => "appointment-started",
            BookingProblem::CancelWithinCutOff { .. } => "within-cancellation-cut-off",
        }
    }

    /// Plain words for the page or the problem+json field error.
    pub fn message(&self) -> String {
        match self {
            BookingProblem::InPast => "The start time is in the past. Choose a later time".into(),
            BookingProblem::TooSoon { min_notice } => {
                format!("This appointment must be booked at least {} ahead. Choose a later time", words(*min_notice))
            }
            BookingProblem::TooFarAhead { max_days_ahead } => {
                format!("This appointment can be booked up to {max_days_ahead} days ahead. Choose an earlier date")
            }
            BookingProblem::PatientDeceased => "This patient has died, so appointments cannot be booked".into(),
            BookingProblem::CancelAfterStart => {
                "This appointment has already started, so it cannot be cancelled".into()
            }
            BookingProblem::CancelWithinCutOff { cut_off } => {
                format!(
                    "Appointments cannot be cancelled online less than {} before they start. Phone the practice",
                    words(*cut_off)
                )
            }
        }
    }
}

fn words(d: SignedDuration) -> String {
    let mins = d.as_mins();
    let plural = |n: i64, one: &str| if n == 1 { format!("1 {one}") } else { format!("{n} {one}s") };
    if mins % (24 * 60) == 0 && mins > 0 {
        plural(mins / (24 * 60), "day")
    } else if mins % 60 == 0 && mins > 0 {
        plural(mins / 60, "hour")
    } else {
        plural(mins, "minute")
    }
}

/// How soon and how far ahead a service can be booked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingWindow {
    /// Least notice; zero allows booking up to the start.
    pub min_notice: SignedDuration,
    /// Last bookable local date is today + this many days.
    pub max_days_ahead: u16,
}

impl BookingWindow {
    /// `start` must be now or later, at least `min_notice` ahead, and on or before the last bookable
    /// local date (days count in the site's time zone, as patients read them).
    pub fn check(&self, now: Timestamp, start: Timestamp, tz: &TimeZone) -> Result<(), BookingProblem> {
        if start < now {
            return Err(BookingProblem::InPast);
        }
        if start.duration_since(now) < self.min_notice {
            return Err(BookingProblem::TooSoon { min_notice: self.min_notice });
        }
        let today = tz.to_datetime(now).date();
        let last: Date = today.checked_add(i64::from(self.max_days_ahead).days()).unwrap_or(Date::MAX);
        if tz.to_datetime(start).date() > last {
            return Err(BookingProblem::TooFarAhead { max_days_ahead: self.max_days_ahead });
        }
        Ok(())
    }
}

/// Whether an appointment can still be cancelled by the patient: not once it has started, and not
/// within `cut_off` of the start. Staff cancelling for the practice skip the cut-off (`cut_off` zero).
pub fn check_cancellation(now: Timestamp, start: Timestamp, cut_off: SignedDuration) -> Result<(), BookingProblem> {
    if now >= start {
        Err(BookingProblem::CancelAfterStart)
    } else if start.duration_since(now) < cut_off {
        Err(BookingProblem::CancelWithinCutOff { cut_off })
    } else {
        Ok(())
    }
}

/// Deceased patients cannot be booked (a recorded date of death counts even if the status lags).
pub fn check_patient_bookable(status: RegistrationStatus, date_of_death: Option<Date>) -> Result<(), BookingProblem> {
    if status == RegistrationStatus::Deceased || date_of_death.is_some() {
        Err(BookingProblem::PatientDeceased)
    } else {
        Ok(())
    }
}

/// The communication needs that make an appointment double length.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LengthNeeds {
    /// The AIS "longer appointment" need.
    pub longer_appointment: bool,
    /// A spoken-language or sign-language interpreter.
    pub interpreter: bool,
}

/// AIS codes for interpreters (sign languages); spoken-language interpreters are recorded with a
/// language instead.
const INTERPRETER_CODES: [&str; 3] = ["204331000000107", "204341000000103", "936761000000104"];

impl LengthNeeds {
    /// From the patient's recorded AIS need codes and spoken-language interpreter, if any.
    pub fn from_record<'a>(need_codes: impl IntoIterator<Item = &'a str>, interpreter_language: Option<&str>) -> Self {
        let mut n =
            LengthNeeds { interpreter: interpreter_language.is_some_and(|l| !l.trim().is_empty()), ..Self::default() };
        for code in need_codes {
            let code = code.trim();
            if ais::need(code).is_ok_and(|k| k.category == NeedCategory::LongerAppointment) {
                n.longer_appointment = true;
            }
            if INTERPRETER_CODES.contains(&code) {
                n.interpreter = true;
            }
        }
        n
    }

    /// 2 when either need applies (they do not stack), else 1.
    pub fn multiplier(self) -> u16 {
        if self.longer_appointment || self.interpreter { 2 } else { 1 }
    }
}

/// The appointment length for a service and a patient's needs, capped at the longest length.
pub fn appointment_length(service: ServiceLength, needs: LengthNeeds) -> ServiceLength {
    let m = service.get().saturating_mul(needs.multiplier()).min(super::rota::MAX_LENGTH_MINUTES);
    ServiceLength::minutes(m).expect("a positive length within the maximum")
}

/// Consecutive free time for a longer appointment: the free slots, starting with the one at `start`
/// and each starting where the last ended or later without a gap, that together cover `length`.
/// `free` need not be sorted. `None` when the time is not free from `start` for that long.
pub fn consecutive_free<T: Timed + Clone>(free: &[T], start: Timestamp, length: ServiceLength) -> Option<Vec<T>> {
    let want_end = start + length.duration();
    let mut sorted: Vec<&T> = free.iter().filter(|s| s.interval().start >= start).collect();
    sorted.sort_by_key(|s| s.interval().start);
    let mut out = Vec::new();
    let mut reached = start;
    for s in sorted {
        if reached >= want_end {
            break;
        }
        let iv = s.interval();
        if iv.start > reached {
            return None;
        }
        if iv.start == reached {
            reached = iv.end;
            out.push(s.clone());
        }
    }
    (reached >= want_end).then_some(out)
}

/// The next few free alternatives to a requested start that was taken: the `n` free ones at or after
/// `requested` first, then the closest earlier ones if too few, in time order. Never `requested` itself.
pub fn alternatives<T: Timed + Clone>(free: &[T], requested: Timestamp, n: usize) -> Vec<T> {
    let mut later: Vec<&T> = free.iter().filter(|s| s.interval().start > requested).collect();
    later.sort_by_key(|s| s.interval().start);
    later.truncate(n);
    if later.len() < n {
        let mut earlier: Vec<&T> = free.iter().filter(|s| s.interval().start < requested).collect();
        earlier.sort_by_key(|s| std::cmp::Reverse(s.interval().start));
        earlier.truncate(n - later.len());
        later.extend(earlier);
    }
    let mut out: Vec<T> = later.into_iter().cloned().collect();
    out.sort_by_key(|s| s.interval().start);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patients::ais::LONGER_APPOINTMENT;

    fn t(s: &str) -> Timestamp {
        format!("2027-06-07T{s}:00Z").parse().unwrap()
    }

    fn iv(a: &str, b: &str) -> Interval {
        Interval::new(t(a), t(b)).unwrap()
    }

    #[test]
    fn half_open_overlap() {
        assert!(iv("09:00", "09:10").overlaps(&iv("09:05", "09:15")));
        assert!(!iv("09:00", "09:10").overlaps(&iv("09:10", "09:20")));
        assert!(iv("09:00", "10:00").overlaps(&iv("09:10", "09:20")));
        assert!(overlaps(t("09:10"), t("09:20"), t("09:00"), t("10:00")));
        assert!(Interval::new(t("09:00"), t("09:00")).is_err());
        assert!(iv("09:00", "09:10").contains(t("09:00")) && !iv("09:00", "09:10").contains(t("09:10")));
    }

    #[test]
    fn booking_window() {
        let tz = TimeZone::get("Europe/London").unwrap();
        let w = BookingWindow { min_notice: SignedDuration::from_hours(2), max_days_ahead: 28 };
        let now = t("08:00");
        assert_eq!(w.check(now, t("07:59"), &tz), Err(BookingProblem::InPast));
        assert_eq!(
            w.check(now, t("09:59"), &tz),
            Err(BookingProblem::TooSoon { min_notice: SignedDuration::from_hours(2) })
        );
        assert_eq!(w.check(now, t("10:00"), &tz), Ok(()));
        // 28 days after 7 June is 5 July: the whole local day is bookable, the next is not.
        let late: Timestamp = "2027-07-05T22:30:00Z".parse().unwrap(); // 23:30 BST
        assert_eq!(w.check(now, late, &tz), Ok(()));
        let too_late: Timestamp = "2027-07-05T23:30:00Z".parse().unwrap(); // 00:30 BST on 6 July
        assert_eq!(w.check(now, too_late, &tz), Err(BookingProblem::TooFarAhead { max_days_ahead: 28 }));
        assert!(BookingProblem::TooSoon { min_notice: SignedDuration::from_hours(2) }.message().contains("2 hours"));
    }

    #[test]
    fn cancellation_cut_off() {
        let day = SignedDuration::from_hours(24);
        let start: Timestamp = "2027-06-08T09:00:00Z".parse().unwrap();
        assert_eq!(check_cancellation(t("08:59"), start, day), Ok(()));
        assert_eq!(
            check_cancellation(t("09:01"), start, day),
            Err(BookingProblem::CancelWithinCutOff { cut_off: day })
        );
        assert_eq!(check_cancellation(start, start, SignedDuration::ZERO), Err(BookingProblem::CancelAfterStart));
        assert!(BookingProblem::CancelWithinCutOff { cut_off: day }.message().contains("1 day"));
    }

    #[test]
    fn deceased_patients_cannot_be_booked() {
        assert_eq!(check_patient_bookable(RegistrationStatus::Registered, None), Ok(()));
        assert_eq!(check_patient_bookable(RegistrationStatus::Deceased, None), Err(BookingProblem::PatientDeceased));
        let died = jiff::civil::date(2027, 1, 1);
        assert_eq!(
            check_patient_bookable(RegistrationStatus::Registered, Some(died)),
            Err(BookingProblem::PatientDeceased)
        );
        assert_eq!(BookingProblem::PatientDeceased.field(), "patient");
    }

    #[test]
    fn needs_double_the_length_once() {
        let ten = ServiceLength::minutes(10).unwrap();
        assert_eq!(appointment_length(ten, LengthNeeds::from_record([], None)).get(), 10);
        assert_eq!(appointment_length(ten, LengthNeeds::from_record([LONGER_APPOINTMENT], None)).get(), 20);
        assert_eq!(appointment_length(ten, LengthNeeds::from_record(["204331000000107"], None)).get(), 20);
        assert_eq!(appointment_length(ten, LengthNeeds::from_record([], Some("pl"))).get(), 20);
        let both = LengthNeeds::from_record([LONGER_APPOINTMENT], Some("pl"));
        assert_eq!(appointment_length(ten, both).get(), 20);
        // Large print does not change the length.
        assert_eq!(LengthNeeds::from_record(["957331000000109"], Some(" ")).multiplier(), 1);
        let long = ServiceLength::minutes(300).unwrap();
        assert_eq!(appointment_length(long, both).get(), 480);
    }

    #[test]
    fn consecutive_free_time() {
        let ten = ServiceLength::minutes(10).unwrap();
        let twenty = ServiceLength::minutes(20).unwrap();
        let free = [iv("09:20", "09:30"), iv("09:00", "09:10"), iv("09:10", "09:20"), iv("09:40", "09:50")];
        assert_eq!(consecutive_free(&free, t("09:00"), twenty), Some(vec![iv("09:00", "09:10"), iv("09:10", "09:20")]));
        assert_eq!(consecutive_free(&free, t("09:20"), twenty), None, "09:30 is taken");
        assert_eq!(consecutive_free(&free, t("09:40"), ten), Some(vec![iv("09:40", "09:50")]));
        assert_eq!(consecutive_free(&free, t("09:30"), ten), None);
    }

    #[test]
    fn alternatives_prefer_later_then_closest_earlier() {
        let free: Vec<Interval> = ["08:00", "08:30", "09:00", "09:10", "09:20", "10:00"]
            .map(|s| Interval::new(t(s), t(s) + SignedDuration::from_mins(10)).unwrap())
            .to_vec();
        let starts = |v: Vec<Interval>| v.iter().map(|i| i.start()).collect::<Vec<_>>();
        assert_eq!(starts(alternatives(&free, t("09:00"), 3)), [t("09:10"), t("09:20"), t("10:00")]);
        assert_eq!(starts(alternatives(&free, t("09:20"), 3)), [t("09:00"), t("09:10"), t("10:00")]);
        assert!(alternatives(&free, t("09:00"), 0).is_empty());
    }
}
