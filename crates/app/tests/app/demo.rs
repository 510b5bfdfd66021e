//! The demo practice on both backends: its diary has the services, the twelve practitioners and their
//! rotas, about 60% of the slots from eight weeks ago to two weeks ahead booked with DNAs and
//! cancellations, never two active appointments at once for a practitioner, room or patient, and a
//! waiting list and referrals.

use carefront_app::{App, AppConfig};
use domain::scheduling::calendar::{BankHolidays, Division};
use domain::scheduling::rota::{
    Closure, ClosureReason, DateRange, ServiceLength, SessionDraft, SessionException, SlotRules, TimeRange,
    generate_slots,
};
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use std::collections::{HashMap, HashSet};
use store::scheduling::AppointmentRow;
use store::{Db, Ts, both_backends};
use uuid::Uuid;

fn ids(s: &str) -> Vec<Uuid> {
    s.split(',').filter(|x| !x.is_empty()).map(|x| x.parse().unwrap()).collect()
}

/// Every (practitioner, start, end) the rotas offer from `from` to `until`, cut independently of the app.
async fn rota_slots(db: &Db, from: Date, until: Date) -> HashSet<(Uuid, Timestamp, Timestamp)> {
    let practitioners: Vec<Uuid> =
        store::scheduling::practitioners(db).await.unwrap().into_iter().map(|p| p.id).collect();
    let (f, t) = (from.to_string(), until.to_string());
    let sessions: Vec<_> = store::scheduling::sessions_of(db, &practitioners, &f, &t)
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            SessionDraft {
                id: r.id,
                practitioner: r.practitioner_id,
                site: r.site_id,
                weekday: Weekday::from_monday_one_offset(r.weekday as i8).unwrap(),
                start: r.starts.parse::<Time>().unwrap(),
                end: r.ends.parse::<Time>().unwrap(),
                valid_from: r.valid_from.parse().unwrap(),
                valid_until: r.valid_until.map(|d| d.parse().unwrap()),
                services: ids(&r.services),
                room: r.room_id,
                opens_on_bank_holidays: r.opens_on_bank_holidays,
            }
            .validate()
            .unwrap()
        })
        .collect();
    let exceptions: Vec<_> = store::scheduling::exceptions_of(db, &practitioners, &f, &t)
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            assert_eq!(e.kind, "closure");
            SessionException::Closure(Closure {
                id: e.id,
                practitioner: e.practitioner_id,
                reason: ClosureReason::parse(e.reason.as_deref().unwrap()).unwrap(),
                dates: DateRange::new(e.date_from.parse().unwrap(), Some(e.date_until.parse().unwrap())).unwrap(),
                part: e
                    .starts
                    .zip(e.ends)
                    .map(|(s, e)| TimeRange::new(s.parse().unwrap(), e.parse().unwrap()).unwrap()),
            })
        })
        .collect();
    let tz = TimeZone::get("Europe/London").unwrap();
    let holidays = BankHolidays::bundled();
    let mut out = HashSet::new();
    for service in store::scheduling::services(db).await.unwrap() {
        let rules = SlotRules {
            time_zone: &tz,
            division: Division::parse("england-and-wales").unwrap(),
            holidays: &holidays,
            service: service.id,
            length: ServiceLength::minutes(service.duration_minutes as u16).unwrap(),
            buffer_minutes: service.buffer_minutes as u16,
        };
        out.extend(
            generate_slots(&sessions, &exceptions, &rules, from, until)
                .into_iter()
                .map(|s| (s.practitioner, s.start, s.end)),
        );
    }
    out
}

/// No two active appointments overlap for the same key.
fn assert_no_overlap(what: &str, active: &[&AppointmentRow], key: impl Fn(&AppointmentRow) -> Option<Uuid>) {
    let mut by: HashMap<Uuid, Vec<(Timestamp, Timestamp)>> = HashMap::new();
    for a in active {
        if let Some(k) = key(a) {
            by.entry(k).or_default().push((a.starts_at.0, a.ends_at.0));
        }
    }
    for (k, mut times) in by {
        times.sort();
        for w in times.windows(2) {
            assert!(w[0].1 <= w[1].0, "two active appointments overlap for {what} {k}: {w:?}");
        }
    }
}

both_backends! {
    async fn the_demo_diary_is_realistic(db: Db) {
        let app = App::new(db.clone(), AppConfig::default());
        app.seed_demo().await.unwrap();

        let practitioners = store::scheduling::practitioners(&db).await.unwrap();
        assert_eq!(practitioners.len(), 12);
        let professions: HashSet<&str> = practitioners.iter().map(|p| p.profession.as_str()).collect();
        for p in ["GP", "Practice nurse", "Phlebotomist", "Physiotherapist"] {
            assert!(professions.contains(p), "{p} missing");
        }
        assert!(practitioners.iter().any(|p| p.languages.split(',').any(|l| l == "cy")));
        assert!(practitioners.iter().any(|p| p.languages.split(',').any(|l| l == "pl")));
        let services = store::scheduling::services(&db).await.unwrap();
        let by_name: HashMap<&str, _> = services.iter().map(|s| (s.name.as_str(), s)).collect();
        assert_eq!(by_name["GP appointment"].duration_minutes, 10);
        assert_eq!(by_name["GP telephone appointment"].mode, "telephone");
        assert_eq!(by_name["GP video appointment"].mode, "video");
        assert_eq!(by_name["Practice nurse appointment"].duration_minutes, 15);
        assert_eq!(by_name["Blood test"].duration_minutes, 5);
        let physio = by_name["Physiotherapy (private)"];
        assert_eq!((physio.duration_minutes, physio.funding.as_str()), (30, "private"));
        assert!(physio.price_pence.is_some_and(|p| p > 0));
        for s in &services {
            assert!(!store::scheduling::practitioners_for(&db, s.id).await.unwrap().is_empty(), "{} has nobody", s.name);
        }
        // Rotas run twelve weeks ahead.
        let today = Timestamp::now().to_zoned(TimeZone::get("Europe/London").unwrap()).date();
        let ids: Vec<Uuid> = practitioners.iter().map(|p| p.id).collect();
        let later = (today + 80.days()).to_string();
        assert!(!store::scheduling::sessions_of(&db, &ids, &later, &later).await.unwrap().is_empty());

        // The appointments from eight weeks ago to two weeks ahead.
        let (from, until) = (today - 56.days(), today + 13.days());
        let all = store::scheduling::appointments_between(
            &db,
            Ts(Timestamp::now() - jiff::SignedDuration::from_hours(24 * 60)),
            Ts(Timestamp::now() + jiff::SignedDuration::from_hours(24 * 16)),
            None,
            None,
        )
        .await
        .unwrap();
        let now = Timestamp::now();
        // Settled: ended over two hours ago; still to come: starts in over an hour (nobody has arrived).
        let hours = |h: i64| jiff::SignedDuration::from_hours(h);
        let past: Vec<_> = all.iter().filter(|a| a.ends_at.0 < now - hours(2)).collect();
        let future: Vec<_> = all.iter().filter(|a| a.starts_at.0 > now + hours(1)).collect();
        assert!(past.len() > 3_000, "{} past appointments", past.len());
        assert!(future.len() > 800, "{} future appointments", future.len());
        let count = |list: &[&AppointmentRow], status: &str| list.iter().filter(|a| a.status == status).count();
        let (fulfilled, dna) = (count(&past, "fulfilled"), count(&past, "noshow"));
        let dna_rate = dna as f64 / (fulfilled + dna) as f64;
        assert!((0.03..0.10).contains(&dna_rate), "DNA rate {dna_rate}");
        assert_eq!(count(&past, "booked"), 0, "the past is settled");
        assert!(future.iter().all(|a| ["booked", "cancelled"].contains(&a.status.as_str())));
        let cancelled: Vec<_> = all.iter().filter(|a| a.status == "cancelled").collect();
        let cancel_rate = cancelled.len() as f64 / all.len() as f64;
        assert!((0.02..0.09).contains(&cancel_rate), "cancellation rate {cancel_rate}");
        assert!(cancelled.iter().all(|a| !a.active));
        assert!(cancelled.iter().any(|a| a.cancelled_by.as_deref() == Some("patient")));
        assert!(cancelled.iter().any(|a| a.cancelled_by.as_deref() == Some("practice")));
        for a in past.iter().filter(|a| a.status == "fulfilled") {
            let (called, finished) = (a.called_at.unwrap().0, a.finished_at.unwrap().0);
            assert!(a.arrived_at.unwrap().0 <= called && called < finished && finished <= now);
        }
        assert!(all.iter().any(|a| a.longer && a.interpreter_language.is_some()));

        // Every appointment starts at a slot of its practitioner, and about 60% of slots are taken.
        let slots = rota_slots(&db, from, until).await;
        let starts: HashSet<(Uuid, Timestamp)> = slots.iter().map(|s| (s.0, s.1)).collect();
        assert!(all.iter().all(|a| starts.contains(&(a.practitioner_id, a.starts_at.0))), "appointments start at slots");
        let mut taken: HashMap<Uuid, Vec<(Timestamp, Timestamp)>> = HashMap::new();
        for a in all.iter().filter(|a| a.status != "cancelled") {
            taken.entry(a.practitioner_id).or_default().push((a.starts_at.0, a.ends_at.0));
        }
        for v in taken.values_mut() {
            v.sort();
        }
        let is_taken = |(p, start, _): &(Uuid, Timestamp, Timestamp)| {
            let list = taken.get(p).map(Vec::as_slice).unwrap_or_default();
            let i = list.partition_point(|(s, _)| s <= start);
            i > 0 && list[i - 1].1 > *start
        };
        for (label, part) in [
            ("past", slots.iter().filter(|s| s.2 < now).collect::<Vec<_>>()),
            ("future", slots.iter().filter(|s| s.1 > now).collect()),
        ] {
            let share = part.iter().filter(|s| is_taken(s)).count() as f64 / part.len() as f64;
            assert!((0.5..0.7).contains(&share), "{share} of the {label} slots are taken");
        }

        // Never two active appointments at once for one practitioner, room or patient.
        let active: Vec<_> = all.iter().filter(|a| a.active).collect();
        assert_no_overlap("practitioner", &active, |a| Some(a.practitioner_id));
        assert_no_overlap("room", &active, |a| a.room_id);
        assert_no_overlap("patient", &active, |a| Some(a.patient_id));

        // A waiting list and referrals, urgent suspected cancer with a 14-day target.
        let waiting = store::scheduling::waiting::waiting_entries(&db, None, None).await.unwrap();
        assert!((25..=40).contains(&waiting.len()), "{} waiting", waiting.len());
        assert!(waiting.iter().filter(|w| w.status == "waiting").count() >= 20);
        let referrals = store::scheduling::referrals(&db).await.unwrap();
        assert!(referrals.len() >= 12);
        let usc: Vec<_> = referrals.iter().filter(|r| r.priority == "urgent_suspected_cancer").collect();
        assert!(usc.len() >= 3);
        for r in usc {
            let received: Date = r.received_on.parse().unwrap();
            assert_eq!(r.target_date, (received + 14.days()).to_string());
        }
        assert!(referrals.iter().any(|r| r.status == "booked" && r.appointment_id.is_some()));
        assert!(waiting.iter().any(|w| w.referral_id.is_some()));
    }
}
