//! Reminders and follow-ups, as outbox jobs queued in the same transaction as the booking (or the DNA, or
//! the finish) that causes them.
//!
//! Reminders go the service's offsets before the start (`services.reminder_offsets`: hours, comma
//! separated; default `168,48` — a week and two days before), and at 08:00 site time on the morning of
//! the appointment when it was booked less than a week ahead. None is queued for a time already past.
//! Each carries the start it was made for: the worker cancels a reminder whose appointment is no longer
//! booked or has moved, which is how reminders are "cancelled or re-timed" — a rescheduled appointment is a
//! new appointment with reminders of its own.

use domain::messaging::Kind;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use store::Ts;
use store::scheduling::{AppointmentRow, OutboxRow, ServiceRow};

/// The morning-of reminder's local time.
pub const MORNING_HOUR: i8 = 8;

/// Offsets (hours before the start) from a service's `reminder_offsets`; bad entries are ignored.
pub fn offsets(service: &ServiceRow) -> Vec<i64> {
    let mut v: Vec<i64> = service
        .reminder_offsets
        .split(',')
        .filter_map(|s| s.trim().parse::<i64>().ok())
        .filter(|h| (1..=24 * 60).contains(h))
        .collect();
    v.sort_unstable_by(|a, b| b.cmp(a));
    v.dedup();
    v
}

/// The reminders for a booked appointment, due in the future only.
pub fn reminder_jobs(
    appointment: &AppointmentRow,
    service: &ServiceRow,
    site_tz: &TimeZone,
    now: Timestamp,
) -> Vec<OutboxRow> {
    let start = appointment.starts_at.0;
    let mut due: Vec<(String, Timestamp)> =
        offsets(service).into_iter().map(|h| (format!("{h}h"), start - SignedDuration::from_hours(h))).collect();
    // Booked within the week: also remind on the morning of the day.
    if start.duration_since(now) < SignedDuration::from_hours(24 * 7) {
        let day = start.to_zoned(site_tz.clone()).date();
        if let Ok(morning) = day.at(MORNING_HOUR, 0, 0, 0).to_zoned(site_tz.clone()) {
            // Not when the appointment is within the hour after it (the reminder would arrive too late).
            if morning.timestamp() + SignedDuration::from_hours(1) <= start {
                due.push(("morning".into(), morning.timestamp()));
            }
        }
    }
    due.into_iter()
        .filter(|(_, at)| *at > now && *at < start)
        .map(|(offset, at)| OutboxRow {
            id: domain::new_id(),
            kind: Kind::Reminder.slug().into(),
            dedupe_key: format!("reminder:{}:{offset}", appointment.id),
            patient_id: Some(appointment.patient_id),
            appointment_id: Some(appointment.id),
            payload: serde_json::json!({ "starts_at": start.to_string(), "offset": offset }).to_string(),
            due_at: Ts(at),
            state: "queued".into(),
            attempts: 0,
            created_at: Ts(now),
        })
        .collect()
}

/// Which follow-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUp {
    /// "We missed you — book again", after a DNA.
    Missed,
    /// The service's aftercare text, after the appointment is finished.
    PostVisit,
}

/// How long after the DNA or the finish the follow-up goes.
pub const FOLLOW_UP_DELAY: SignedDuration = SignedDuration::from_hours(1);

/// A follow-up job, or `None` for a post-visit message when the service has no aftercare text. The worker
/// drops a missed-appointment message if the DNA is undone before it goes (and a post-visit message if
/// the appointment is no longer finished).
pub fn follow_up_job(
    kind: FollowUp,
    appointment: &AppointmentRow,
    service: &ServiceRow,
    now: Timestamp,
) -> Option<OutboxRow> {
    let (kind, key) = match kind {
        FollowUp::Missed => (Kind::MissedAppointment, "missed"),
        FollowUp::PostVisit if service.aftercare.trim().is_empty() => return None,
        FollowUp::PostVisit => (Kind::PostVisit, "post-visit"),
    };
    Some(OutboxRow {
        id: domain::new_id(),
        kind: kind.slug().into(),
        dedupe_key: format!("{key}:{}", appointment.id),
        patient_id: Some(appointment.patient_id),
        appointment_id: Some(appointment.id),
        payload: serde_json::json!({ "starts_at": appointment.starts_at.0.to_string() }).to_string(),
        due_at: Ts(now + FOLLOW_UP_DELAY),
        state: "queued".into(),
        attempts: 0,
        created_at: Ts(now),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn appointment(start: &str) -> AppointmentRow {
        let t = Ts(start.parse().unwrap());
        AppointmentRow {
            id: Uuid::from_u128(7),
            patient_id: Uuid::from_u128(8),
            practitioner_id: Uuid::nil(),
            service_id: Uuid::nil(),
            site_id: Uuid::nil(),
            room_id: None,
            starts_at: t,
            ends_at: Ts(t.0 + SignedDuration::from_mins(10)),
            mode: "face_to_face".into(),
            status: "booked".into(),
            active: true,
            hold_expires_at: None,
            channel: "desk".into(),
            booked_by: None,
            overbooked: false,
            overbook_reason: None,
            interpreter_language: None,
            longer: false,
            cancelled_by: None,
            cancel_reason: None,
            arrived_at: None,
            called_at: None,
            finished_at: None,
            sequence: 0,
            rescheduled_from: None,
            version: 1,
            created_at: t,
            updated_at: t,
        }
    }

    fn service(offsets: &str, aftercare: &str) -> ServiceRow {
        ServiceRow {
            id: Uuid::nil(),
            organisation_id: Uuid::nil(),
            name: "GP".into(),
            description: String::new(),
            duration_minutes: 10,
            buffer_minutes: 0,
            mode: "face_to_face".into(),
            bookable_online: true,
            min_notice_minutes: 0,
            max_days_ahead: 28,
            cancel_cutoff_minutes: 0,
            price_pence: None,
            funding: "nhs".into(),
            room_features: String::new(),
            preparation: String::new(),
            aftercare: aftercare.into(),
            reminder_offsets: offsets.into(),
            active: true,
            created_at: Ts(Timestamp::UNIX_EPOCH),
        }
    }

    fn london() -> TimeZone {
        TimeZone::get("Europe/London").unwrap()
    }

    #[test]
    fn a_week_and_two_days_before_for_a_booking_far_ahead() {
        // 09:10 BST on Tuesday 13 April 2027, booked a month before.
        let a = appointment("2027-04-13T08:10:00Z");
        let jobs = reminder_jobs(&a, &service("168,48", ""), &london(), "2027-03-13T10:00:00Z".parse().unwrap());
        let keys: Vec<_> = jobs.iter().map(|j| j.dedupe_key.as_str()).collect();
        assert_eq!(keys, [format!("reminder:{}:168h", a.id), format!("reminder:{}:48h", a.id)]);
        assert_eq!(jobs[0].due_at.0, "2027-04-06T08:10:00Z".parse::<Timestamp>().unwrap());
        assert!(jobs[0].payload.contains("2027-04-13T08:10:00Z"));
        assert!(jobs.iter().all(|j| j.kind == "reminder" && j.state == "queued"));
    }

    #[test]
    fn same_week_bookings_get_the_morning_of_and_nothing_in_the_past() {
        let a = appointment("2027-04-13T13:00:00Z"); // 14:00 BST
        let jobs = reminder_jobs(&a, &service("168,48", ""), &london(), "2027-04-12T10:00:00Z".parse().unwrap());
        let keys: Vec<_> = jobs.iter().map(|j| j.dedupe_key.rsplit(':').next().unwrap().to_owned()).collect();
        assert_eq!(keys, ["morning"]);
        assert_eq!(jobs[0].due_at.0, "2027-04-13T07:00:00Z".parse::<Timestamp>().unwrap(), "08:00 BST");
        // Booked at 07:30 for 08:30: too close for a morning reminder.
        let early = appointment("2027-04-13T07:30:00Z");
        assert!(
            reminder_jobs(&early, &service("168,48", ""), &london(), "2027-04-13T06:30:00Z".parse().unwrap())
                .is_empty()
        );
    }

    #[test]
    fn offsets_per_service() {
        assert_eq!(offsets(&service("48, 168,x,,0,24", "")), [168, 48, 24]);
        let a = appointment("2027-04-13T08:10:00Z");
        let jobs = reminder_jobs(&a, &service("24", ""), &london(), "2027-03-01T10:00:00Z".parse().unwrap());
        assert_eq!(jobs.len(), 1);
        assert!(jobs[0].dedupe_key.ends_with(":24h"));
    }

    #[test]
    fn follow_ups() {
        let a = appointment("2027-04-13T08:10:00Z");
        let now: Timestamp = "2027-04-13T09:00:00Z".parse().unwrap();
        let missed = follow_up_job(FollowUp::Missed, &a, &service("", ""), now).unwrap();
        assert_eq!(
            (missed.kind.as_str(), missed.dedupe_key.clone()),
            ("missed-appointment", format!("missed:{}", a.id))
        );
        assert_eq!(missed.due_at.0, now + FOLLOW_UP_DELAY);
        assert!(follow_up_job(FollowUp::PostVisit, &a, &service("", " "), now).is_none());
        let after = follow_up_job(FollowUp::PostVisit, &a, &service("", "Rest your arm"), now).unwrap();
        assert_eq!(after.kind, "post-visit");
    }
}
