//! Access measures kept for reports: waiting time in the surgery (arrival → called in), lead time (booked
//! → appointment), missed appointments (DNA) by lead time. Third next available is in [`super::reception`].

use super::appointment::AppointmentStatus;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// What the measures need of one appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attendance {
    pub booked_at: Timestamp,
    pub start: Timestamp,
    pub status: AppointmentStatus,
    pub arrived_at: Option<Timestamp>,
    pub called_at: Option<Timestamp>,
}

/// Lead-time bands, in whole days from booking to appointment (upper bound inclusive; the last is open).
pub const LEAD_BANDS: [(&str, i64, i64); 6] = [
    ("same day", 0, 0),
    ("1 to 2 days", 1, 2),
    ("3 to 7 days", 3, 7),
    ("8 to 14 days", 8, 14),
    ("15 to 28 days", 15, 28),
    ("over 28 days", 29, i64::MAX),
];

/// Missed appointments among those booked this far ahead.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeadBand {
    pub band: &'static str,
    /// Appointments whose day came: attended or missed.
    pub due: u32,
    pub missed: u32,
    /// `missed / due`, when any were due.
    pub missed_rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccessMeasures {
    /// Attended (arrived or fulfilled) and missed appointments.
    pub attended: u32,
    pub missed: u32,
    pub missed_rate: Option<f64>,
    pub cancelled: u32,
    /// Minutes from arrival to being called in, for those called.
    pub waiting_minutes_median: Option<f64>,
    pub waiting_minutes_p90: Option<f64>,
    /// Days from booking to the appointment, over attended and missed appointments.
    pub lead_days_median: Option<f64>,
    pub lead_days_mean: Option<f64>,
    pub by_lead_time: Vec<LeadBand>,
}

fn rate(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| f64::from(part) / f64::from(whole))
}

/// The `q` quantile (0..=1) of sorted values, by the nearest-rank method.
fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted.get(rank.min(sorted.len()) - 1).copied()
}

fn minutes(d: SignedDuration) -> f64 {
    d.as_secs_f64() / 60.0
}

/// Summarise appointments. Booked (still to come) and entered-in-error ones count in nothing.
pub fn summarise(appointments: &[Attendance]) -> AccessMeasures {
    let mut waits = Vec::new();
    let mut leads = Vec::new();
    let mut bands: Vec<LeadBand> =
        LEAD_BANDS.iter().map(|(band, _, _)| LeadBand { band, due: 0, missed: 0, missed_rate: None }).collect();
    let (mut attended, mut missed, mut cancelled) = (0, 0, 0);
    for a in appointments {
        let was_missed = match a.status {
            AppointmentStatus::Arrived | AppointmentStatus::Fulfilled => false,
            AppointmentStatus::Noshow => true,
            AppointmentStatus::Cancelled => {
                cancelled += 1;
                continue;
            }
            AppointmentStatus::Booked | AppointmentStatus::EnteredInError => continue,
        };
        if was_missed {
            missed += 1;
        } else {
            attended += 1;
        }
        if let (Some(arrived), Some(called)) = (a.arrived_at, a.called_at)
            && called >= arrived
        {
            waits.push(minutes(called.duration_since(arrived)));
        }
        let lead = a.start.duration_since(a.booked_at);
        let days = (lead.as_secs() / 86_400).max(0);
        leads.push(lead.as_secs_f64().max(0.0) / 86_400.0);
        if let Some(b) = LEAD_BANDS.iter().position(|(_, lo, hi)| (*lo..=*hi).contains(&days)) {
            bands[b].due += 1;
            bands[b].missed += u32::from(was_missed);
        }
    }
    for b in &mut bands {
        b.missed_rate = rate(b.missed, b.due);
    }
    waits.sort_by(f64::total_cmp);
    leads.sort_by(f64::total_cmp);
    AccessMeasures {
        attended,
        missed,
        missed_rate: rate(missed, attended + missed),
        cancelled,
        waiting_minutes_median: quantile(&waits, 0.5),
        waiting_minutes_p90: quantile(&waits, 0.9),
        lead_days_median: quantile(&leads, 0.5),
        lead_days_mean: (!leads.is_empty()).then(|| leads.iter().sum::<f64>() / leads.len() as f64),
        by_lead_time: bands,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AppointmentStatus as S;
    use proptest::prelude::*;

    fn at(day: i64, min: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + day * 86_400 + min * 60).unwrap()
    }

    fn appt(booked_day: i64, day: i64, status: S, wait: Option<i64>) -> Attendance {
        Attendance {
            booked_at: at(booked_day, 0),
            start: at(day, 600),
            status,
            arrived_at: wait.map(|_| at(day, 595)),
            called_at: wait.map(|w| at(day, 595 + w)),
        }
    }

    #[test]
    fn waiting_time_lead_time_and_missed_appointments_by_lead_time() {
        let m = summarise(&[
            appt(0, 0, S::Fulfilled, Some(5)),
            appt(0, 0, S::Fulfilled, Some(15)),
            appt(0, 10, S::Noshow, None),
            appt(0, 10, S::Fulfilled, Some(25)),
            appt(0, 40, S::Cancelled, None),
            appt(0, 40, S::Booked, None),
            appt(0, 40, S::EnteredInError, None),
        ]);
        assert_eq!((m.attended, m.missed, m.cancelled), (3, 1, 1));
        assert_eq!(m.missed_rate, Some(0.25));
        assert_eq!(m.waiting_minutes_median, Some(15.0));
        assert_eq!(m.waiting_minutes_p90, Some(25.0));
        let band = |name: &str| m.by_lead_time.iter().find(|b| b.band == name).unwrap().clone();
        assert_eq!((band("same day").due, band("same day").missed), (2, 0));
        assert_eq!((band("8 to 14 days").due, band("8 to 14 days").missed_rate), (2, Some(0.5)));
        assert_eq!(band("over 28 days").due, 0, "cancelled, booked and entered in error count nowhere");
    }

    #[test]
    fn nothing_to_measure_gives_no_figures() {
        let m = summarise(&[]);
        assert_eq!((m.missed_rate, m.waiting_minutes_median, m.lead_days_mean), (None, None, None));
    }

    proptest! {
        #[test]
        fn bands_add_up_to_what_was_due(
            xs in proptest::collection::vec((0i64..60, 0i64..60, 0usize..6, proptest::option::of(0i64..90)), 0..60)
        ) {
            let list: Vec<Attendance> =
                xs.iter().map(|(b, d, s, w)| appt(*b.min(d), *d.max(b), S::ALL[*s], *w)).collect();
            let m = summarise(&list);
            let due: u32 = m.by_lead_time.iter().map(|b| b.due).sum();
            let missed: u32 = m.by_lead_time.iter().map(|b| b.missed).sum();
            prop_assert_eq!(due, m.attended + m.missed);
            prop_assert_eq!(missed, m.missed);
            if let (Some(med), Some(p90)) = (m.waiting_minutes_median, m.waiting_minutes_p90) {
                prop_assert!(med <= p90);
            }
        }
    }
}
