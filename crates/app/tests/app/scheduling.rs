//! Booking use-cases on both backends: slots from rotas (DST), booking, double booking under concurrency,
//! holds, overbooking, the appointment's state machine.

use super::support::*;
use app::scheduling::availability::SlotQuery;
use app::scheduling::setup::PractitionerInput;
use app::{App, AppError, Ctx};
use carefront_app as app;
use domain::governance::Role;
use domain::patients::record::PatientInput;
use domain::scheduling::appointment::{AppointmentEvent, BookingChannel, CancelledBy};
use jiff::civil::Date;
use store::{Ts, both_backends};
use uuid::Uuid;

fn tomorrow() -> Date {
    jiff::Zoned::now().date().tomorrow().unwrap()
}

/// A bank-holiday file in gov.uk's shape with one made-up holiday on `day` in every division.
fn holidays_on(day: Date) -> String {
    let division = |name: &str| {
        format!(
            r#""{name}":{{"division":"{name}","events":[{{"title":"Extra holiday","date":"{day}","notes":"","bunting":true}}]}}"#
        )
    };
    format!("{{{},{},{}}}", division("england-and-wales"), division("scotland"), division("northern-ireland"))
}

both_backends! {
    async fn a_rota_change_on_another_node_is_seen_and_unchanged_calendars_are_kept(db: Db) {
        // Two nodes on one database: `p.app` and `other`.
        let p = practice_with(App::new(db.clone(), app::AppConfig::default()), Rota::None).await;
        let other = App::new(db, app::AppConfig::default());
        let day = tomorrow().checked_add(jiff::Span::new().days(2)).unwrap();
        let weekday = format!("{:?}", day.weekday()).to_lowercase();
        let session = |starts: &str, ends: &str| app::scheduling::setup::SessionInput {
            practitioner_id: p.gp,
            site_id: p.site,
            room_id: None,
            weekday: weekday.clone(),
            starts: starts.into(),
            ends: ends.into(),
            valid_from: "2026-01-01".into(),
            valid_until: None,
            opens_on_bank_holidays: true,
            services: vec![p.service],
        };
        p.app.add_session(&Ctx::command_line(), &session("09:00", "09:30")).await.unwrap();
        let q = SlotQuery { service: p.service, practitioner: None, site: None, from: day, to: day, patient: None, limit: 500 };
        assert_eq!(p.app.free_slots(&p.desk, &q).await.unwrap().len(), 3);
        // The other node adds an afternoon: this node trusts what it read for a while (CALENDAR_TTL, 10 s),
        // then sees it, since the database's rota version moved.
        let before = store::scheduling::rota_version(p.app.db()).await.unwrap();
        other.add_session(&Ctx::command_line(), &session("14:00", "14:30")).await.unwrap();
        assert_eq!(store::scheduling::rota_version(p.app.db()).await.unwrap(), before + 1);
        tokio::time::sleep(std::time::Duration::from_millis(11_200)).await;
        assert_eq!(p.app.free_slots(&p.desk, &q).await.unwrap().len(), 6, "the other node's session is seen");
        // Nothing changes for longer than the TTL: the calendar is kept, and still right.
        tokio::time::sleep(std::time::Duration::from_millis(11_200)).await;
        assert_eq!(p.app.free_slots(&p.desk, &q).await.unwrap().len(), 6);
    }

    async fn a_newer_bank_holiday_file_closes_sessions_on_its_days(db: Db) {
        use domain::scheduling::calendar::{BankHolidays, Division};
        // A day a month ahead whose following week is an ordinary day (Christmas and Good Friday are
        // holidays whatever the file says).
        let mut day = jiff::Zoned::now().date().checked_add(jiff::Span::new().days(30)).unwrap();
        let week = jiff::Span::new().days(7);
        while BankHolidays::from_json(&holidays_on(day)).unwrap().holiday(Division::EnglandAndWales, day.checked_add(week).unwrap()).is_some() {
            day = day.tomorrow().unwrap();
        }
        let holidays = BankHolidays::from_json(&holidays_on(day)).unwrap();
        let config = app::AppConfig { bank_holidays: std::sync::Arc::new(holidays), ..app::AppConfig::default() };
        let p = practice_with(App::new(db, config), Rota::None).await;
        let weekday = format!("{:?}", day.weekday()).to_lowercase();
        let session = |opens: bool| app::scheduling::setup::SessionInput {
            practitioner_id: p.gp,
            site_id: p.site,
            room_id: None,
            weekday: weekday.clone(),
            starts: if opens { "14:00" } else { "09:00" }.into(),
            ends: if opens { "14:30" } else { "10:00" }.into(),
            valid_from: "2026-01-01".into(),
            valid_until: None,
            opens_on_bank_holidays: opens,
            services: vec![p.service],
        };
        p.app.add_session(&Ctx::command_line(), &session(false)).await.unwrap();
        p.app.add_session(&Ctx::command_line(), &session(true)).await.unwrap();
        let q = |d: Date| SlotQuery { service: p.service, practitioner: None, site: None, from: d, to: d, patient: None, limit: 500 };
        let on_holiday = p.app.free_slots(&p.desk, &q(day)).await.unwrap();
        assert_eq!(on_holiday.len(), 3, "only the session that opens on bank holidays: {on_holiday:?}");
        assert!(on_holiday.iter().all(|s| s.local_start.contains("T14:")), "{on_holiday:?}");
        let a_week_later = p.app.free_slots(&p.desk, &q(day.checked_add(week).unwrap())).await.unwrap();
        assert_eq!(a_week_later.len(), 6 + 3, "an ordinary day has both sessions");
        // Booking the closed morning is refused as a bank holiday.
        let ann = patient(&p, "Ann").await;
        let refused = p.app.book(&p.desk, &request(&p, ann, local(day, 9, 0))).await;
        assert!(matches!(refused, Err(AppError::Invalid(_))), "{refused:?}");
    }

    async fn slots_are_cut_in_local_time_across_the_clock_changes(db: Db) {
        let p = practice(db).await;
        let q = |from: Date, to: Date| SlotQuery { service: p.service, practitioner: None, site: None, from, to, patient: None, limit: 500 };
        // Sunday 28 March 2027: clocks go forward at 01:00; Sunday 31 October 2027: back at 02:00.
        for day in [Date::constant(2027, 3, 27), Date::constant(2027, 3, 28), Date::constant(2027, 10, 31), Date::constant(2027, 11, 1)] {
            let slots = p.app.free_slots(&p.desk, &q(day, day)).await.unwrap();
            assert_eq!(slots.len(), 6, "{day}: six 10-minute slots from 09:00 to 10:00 local");
            assert_eq!(slots[0].start, local(day, 9, 0), "{day}: 09:00 local whatever the offset");
            let offset = if (Date::constant(2027, 3, 28)..Date::constant(2027, 10, 31)).contains(&day) { "+01:00" } else { "+00:00" };
            assert!(slots[0].local_start.ends_with(offset) && slots[0].local_start.contains("T09:00:00"), "{}", slots[0].local_start);
        }
        let bad = p.app.free_slots(&p.desk, &q(tomorrow(), Date::constant(2030, 1, 1))).await;
        assert!(matches!(bad, Err(AppError::Invalid(_))), "a search of years is refused");
    }

    async fn one_slot_is_sold_once_and_the_loser_gets_alternatives(db: Db) {
        let p = practice(db).await;
        let day = tomorrow();
        let start = local(day, 9, 20);
        let ann = patient(&p, "Ann").await;
        let booked = p.app.book(&p.desk, &request(&p, ann, start)).await.unwrap();
        assert_eq!((booked.status.as_str(), booked.starts_at.0, booked.site_id), ("booked", start, p.site));
        let bob = patient(&p, "Bob").await;
        match p.app.book(&p.desk, &request(&p, bob, start)).await {
            Err(AppError::SlotUnavailable { alternatives, .. }) => {
                assert!(!alternatives.is_empty() && alternatives.iter().all(|a| a.start != start), "{alternatives:?}");
                assert!(alternatives.iter().any(|a| a.start == local(day, 9, 10) || a.start == local(day, 9, 30)));
            }
            other => panic!("expected slot-unavailable, got {other:?}"),
        }
        let free = p.app.free_slots(&p.desk, &SlotQuery { service: p.service, practitioner: Some(p.gp), site: None, from: day, to: day, patient: None, limit: 50 }).await.unwrap();
        assert!(free.iter().all(|s| s.start != start), "the booked slot is no longer offered");
        assert_eq!(free.len(), 5);

        // Many people at once for one slot: exactly one gets it.
        let target = local(day, 9, 40);
        let mut patients = Vec::new();
        for i in 0..12 {
            patients.push(patient(&p, &format!("Rush{i}")).await);
        }
        let tasks: Vec<_> = patients
            .iter()
            .map(|pat| {
                let app = p.app.clone();
                let ctx = p.desk.clone();
                let req = request(&p, *pat, target);
                tokio::spawn(async move { app.book(&ctx, &req).await })
            })
            .collect();
        let mut won = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => won += 1,
                Err(AppError::SlotUnavailable { .. }) => {}
                Err(e) => panic!("unexpected {e:?}"),
            }
        }
        assert_eq!(won, 1, "exactly one booking for the slot");
        let day_list = p.app.appointments_between(&p.desk, local(day, 0, 0), local(day, 23, 59), None, None).await.unwrap();
        assert_eq!(day_list.iter().filter(|a| a.starts_at.0 == target && a.active).count(), 1);
    }

    async fn bad_bookings_are_refused_and_change_nothing(db: Db) {
        let p = practice(db).await;
        let day = tomorrow();
        let ann = patient(&p, "Ann").await;
        let field_of = |r: Result<_, AppError>| match r {
            Err(AppError::Invalid(inv)) => inv.0[0].field.clone(),
            other => panic!("expected a field error, got {other:?}"),
        };
        assert_eq!(field_of(p.app.book(&p.desk, &request(&p, ann, local(day, 9, 5))).await), "start", "not aligned");
        assert_eq!(field_of(p.app.book(&p.desk, &request(&p, ann, local(day, 11, 0))).await), "start", "outside the session");
        let past = local(jiff::Zoned::now().date().yesterday().unwrap(), 9, 0);
        assert_eq!(field_of(p.app.book(&p.desk, &request(&p, ann, past)).await), "start", "in the past");
        let far = local(jiff::Zoned::now().date().checked_add(jiff::Span::new().days(400)).unwrap(), 9, 0);
        assert_eq!(field_of(p.app.book(&p.desk, &request(&p, ann, far)).await), "start", "beyond the booking window");
        let other = p.app.create_practitioner(&Ctx::command_line(), &PractitionerInput { display_name: "Nurse".into(), profession: "Nurse".into(), ..Default::default() }).await.unwrap();
        let mut wrong = request(&p, ann, local(day, 9, 0));
        wrong.practitioner_id = other.id;
        assert_eq!(field_of(p.app.book(&p.desk, &wrong).await), "practitioner_id");
        let mut unknown = request(&p, ann, local(day, 9, 0));
        unknown.service_id = Uuid::nil();
        assert!(matches!(p.app.book(&p.desk, &unknown).await, Err(AppError::NotFound { .. })));

        // A deceased patient cannot be booked.
        let mut died = PatientInput { given_names: "Ed".into(), family_name: "Late".into(), date_of_birth: "1930-01-01".into(), ..Default::default() };
        died.date_of_death = Some("2026-01-01".into());
        let ed = p.app.register_patient(&p.desk, &died, true).await.unwrap().id;
        assert_eq!(field_of(p.app.book(&p.desk, &request(&p, ed, local(day, 9, 0))).await), "patient_id");

        // Overbooking needs a reason and a clinician or practice manager.
        p.app.book(&p.desk, &request(&p, ann, local(day, 9, 0))).await.unwrap();
        let bob = patient(&p, "Bob").await;
        let mut urgent = request(&p, bob, local(day, 9, 0));
        urgent.overbook_reason = Some("Chest pain, seen today".into());
        assert!(matches!(p.app.book(&p.desk, &urgent).await, Err(AppError::Forbidden { .. })), "reception cannot overbook");
        let manager = as_role(&p.app, Role::PracticeManager).await;
        let over = p.app.book(&manager, &urgent).await.unwrap();
        assert!(over.overbooked);
        let list = p.app.appointments_between(&p.desk, local(day, 0, 0), local(day, 23, 59), None, None).await.unwrap();
        assert_eq!(list.len(), 2, "the refused bookings left nothing behind");
    }

    async fn a_hold_keeps_the_slot_until_confirmed(db: Db) {
        let p = practice(db).await;
        let day = tomorrow();
        let ann = patient(&p, "Ann").await;
        let mut hold = request(&p, ann, local(day, 9, 10));
        hold.hold = true;
        hold.channel = BookingChannel::Online;
        let held = p.app.book(&p.desk, &hold).await.unwrap();
        assert_eq!((held.status.as_str(), held.hold_expires_at.is_some()), ("pending", true));
        let bob = patient(&p, "Bob").await;
        assert!(matches!(p.app.book(&p.desk, &request(&p, bob, local(day, 9, 10))).await, Err(AppError::SlotUnavailable { .. })), "a held slot is not sold to someone else");
        assert!(store::scheduling::outbox_for_appointment(p.app.db(), held.id).await.unwrap().is_empty(), "no confirmation for a hold");
        let booked = p.app.confirm_hold(&p.desk, held.id).await.unwrap();
        assert_eq!((booked.status.as_str(), booked.hold_expires_at), ("booked", None));
        assert_eq!(store::scheduling::outbox_for_appointment(p.app.db(), held.id).await.unwrap().len(), 1);
        assert!(matches!(p.app.confirm_hold(&p.desk, held.id).await, Err(AppError::Invalid(_))), "confirmed once only");
        let events: Vec<String> = p.app.appointment_events(&p.desk, held.id).await.unwrap().into_iter().map(|e| e.action).collect();
        assert_eq!(events, vec!["held", "booked"]);
    }

    async fn a_cancelled_slot_is_offered_down_the_waiting_list(db: Db) {
        use app::scheduling::waiting::{OfferAnswer, WaitingInput};
        let p = practice(db).await;
        let day = tomorrow();
        let start = local(day, 9, 20);
        let ann = patient(&p, "Ann").await;
        let booked = p.app.book(&p.desk, &request(&p, ann, start)).await.unwrap();
        let wait = |patient: Uuid, priority: &str, days: Vec<String>| WaitingInput {
            patient_id: patient,
            service_id: p.service,
            priority: priority.into(),
            preferred_days: days,
            source: "request".into(),
            ..Default::default()
        };
        let bob = patient(&p, "Bob").await;
        let cara = patient(&p, "Cara").await;
        let dan = patient(&p, "Dan").await;
        p.app.add_to_waiting_list(&p.desk, &wait(bob, "routine", vec![])).await.unwrap();
        let other_day = if day.weekday() == jiff::civil::Weekday::Monday { "tuesday" } else { "monday" };
        p.app.add_to_waiting_list(&p.desk, &wait(cara, "urgent", vec![other_day.into()])).await.unwrap();
        p.app.add_to_waiting_list(&p.desk, &wait(dan, "urgent", vec![])).await.unwrap();
        let bad = p.app.add_to_waiting_list(&p.desk, &wait(dan, "whenever", vec!["someday".into()])).await;
        assert!(matches!(bad, Err(AppError::Invalid(inv)) if inv.0.len() == 2));

        let offered_to = |app: App| async move {
            let list = app.waiting_list(&as_role(&app, Role::Receptionist).await, None).await.unwrap();
            list.into_iter().filter(|w| w.status == "offered").map(|w| w.patient_id).collect::<Vec<_>>()
        };
        let token_of = |app: App, patient: Uuid| async move {
            let day_list = store::scheduling::appointments_between(app.db(), Ts(start), Ts(start + jiff::SignedDuration::from_mins(1)), None, None).await.unwrap();
            let hold = day_list.into_iter().find(|a| a.patient_id == patient && a.status == "pending").expect("a hold for the patient offered");
            let jobs = store::scheduling::outbox_for_appointment(app.db(), hold.id).await.unwrap();
            let offer = jobs.iter().find(|j| j.kind == "waiting-list-offer").expect("an offer message queued");
            serde_json::from_str::<serde_json::Value>(&offer.payload).unwrap()["token"].as_str().unwrap().to_owned()
        };
        let cancel = AppointmentEvent::Cancel { by: CancelledBy::Patient, reason: None };
        p.app.appointment_event(&p.desk, booked.id, None, cancel).await.unwrap();
        assert_eq!(offered_to(p.app.clone()).await, vec![dan], "the urgent patient whose days suit is offered first");
        let eve = patient(&p, "Eve").await;
        assert!(matches!(p.app.book(&p.desk, &request(&p, eve, start)).await, Err(AppError::SlotUnavailable { .. })), "the offered slot is held");

        let dan_token = token_of(p.app.clone(), dan).await;
        let link = Ctx::anonymous(domain::new_id(), Some("127.0.0.1".into()));
        assert_eq!(p.app.answer_offer(&link, &dan_token, false).await.unwrap(), OfferAnswer::Declined);
        assert_eq!(offered_to(p.app.clone()).await, vec![bob], "declined: the next patient is offered");
        assert!(matches!(p.app.answer_offer(&link, &dan_token, true).await, Err(AppError::Invalid(_))), "an answered offer is closed");
        assert!(matches!(p.app.answer_offer(&link, "not-a-token", true).await, Err(AppError::NotFound { .. })));

        let bob_token = token_of(p.app.clone(), bob).await;
        match p.app.answer_offer(&link, &bob_token, true).await.unwrap() {
            OfferAnswer::Accepted(a) => assert_eq!((a.patient_id, a.status.as_str(), a.starts_at.0), (bob, "booked", start)),
            other => panic!("{other:?}"),
        }
        let list = p.app.waiting_list(&p.desk, Some(p.service)).await.unwrap();
        let status = |who: Uuid| list.iter().find(|w| w.patient_id == who).unwrap().status.clone();
        assert_eq!((status(bob).as_str(), status(dan).as_str(), status(cara).as_str()), ("booked", "waiting", "waiting"));
        let offers = store::scheduling::waiting::offers(p.app.db()).await.unwrap();
        let mut outcomes: Vec<(i32, String)> = offers.iter().map(|o| (o.chain_position, o.outcome.clone())).collect();
        outcomes.sort();
        assert_eq!(outcomes, vec![(1, "declined".into()), (2, "accepted".into())]);
    }

    async fn an_appointment_moves_through_its_day_and_refuses_illegal_steps(db: Db) {
        let p = practice(db).await;
        let day = tomorrow();
        let ann = patient(&p, "Ann").await;
        let a = p.app.book(&p.desk, &request(&p, ann, local(day, 9, 0))).await.unwrap();
        let illegal = p.app.appointment_event(&p.desk, a.id, None, AppointmentEvent::Finish).await;
        assert!(matches!(illegal, Err(AppError::Invalid(_))), "cannot finish before arriving");
        let a = p.app.appointment_event(&p.desk, a.id, Some(a.version), AppointmentEvent::CheckIn).await.unwrap();
        assert!(a.arrived_at.is_some());
        let stale = p.app.appointment_event(&p.desk, a.id, Some(a.version - 1), AppointmentEvent::CallIn).await;
        assert!(matches!(stale, Err(AppError::Conflict { .. })));
        let a = p.app.appointment_event(&p.desk, a.id, None, AppointmentEvent::CallIn).await.unwrap();
        let a = p.app.appointment_event(&p.desk, a.id, None, AppointmentEvent::Finish).await.unwrap();
        assert_eq!(a.status, "fulfilled");
        let cancel = AppointmentEvent::Cancel { by: CancelledBy::Patient, reason: None };
        assert!(matches!(p.app.appointment_event(&p.desk, a.id, None, cancel).await, Err(AppError::Invalid(_))), "cannot cancel a finished appointment");

        // Cancelling frees the slot and queues the message.
        let b = p.app.book(&p.desk, &request(&p, ann, local(day, 9, 30))).await.unwrap();
        let cancel = AppointmentEvent::Cancel { by: CancelledBy::Practice, reason: None };
        let b = p.app.appointment_event(&p.desk, b.id, None, cancel).await.unwrap();
        assert_eq!((b.status.as_str(), b.active, b.sequence), ("cancelled", false, 1));
        let jobs = store::scheduling::outbox_for_appointment(p.app.db(), b.id).await.unwrap();
        let kinds: Vec<&str> = jobs.iter().map(|j| j.kind.as_str()).filter(|k| *k != "reminder").collect();
        assert_eq!(kinds, vec!["booking-confirmation", "cancellation-by-practice"]);
        assert!(jobs.iter().any(|j| j.kind == "reminder"), "reminders are queued with the booking");
        let bob = patient(&p, "Bob").await;
        p.app.book(&p.desk, &request(&p, bob, local(day, 9, 30))).await.expect("the cancelled slot can be booked again");

        // Reschedule: the new time is taken before the old is let go.
        let c = p.app.book(&p.desk, &request(&p, ann, local(day, 9, 40))).await.unwrap();
        let taken = p.app.reschedule(&p.desk, c.id, None, local(day, 9, 30), None).await;
        assert!(matches!(taken, Err(AppError::SlotUnavailable { .. })));
        assert!(store::scheduling::appointment(p.app.db(), c.id).await.unwrap().unwrap().active, "the old time is kept");
        let moved = p.app.reschedule(&p.desk, c.id, None, local(day, 9, 50), None).await.unwrap();
        assert_eq!((moved.rescheduled_from, moved.starts_at.0), (Some(c.id), local(day, 9, 50)));
        assert!(!store::scheduling::appointment(p.app.db(), c.id).await.unwrap().unwrap().active);
    }
}
