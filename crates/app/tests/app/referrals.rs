//! Referrals, the waiting list's offer chains and report, and rota exceptions, on both backends.

use super::support::*;
use app::scheduling::availability::SlotQuery;
use app::scheduling::referrals::{PatientRef, ReferralInput, ReferralState, SlotChoice, TargetsInput};
use app::scheduling::rota_exceptions::RotaExceptionInput;
use app::scheduling::waiting::OfferAnswer;
use app::{App, AppError, Ctx};
use carefront_app as app;
use domain::governance::Role;
use domain::patients::record::PatientInput;
use domain::scheduling::appointment::{AppointmentEvent, CancelledBy};
use domain::scheduling::waiting::TargetStatus;
use jiff::ToSpan;
use jiff::civil::Date;
use store::{Ts, both_backends};
use uuid::Uuid;

async fn patient(p: &Practice, given: &str, nhs: Option<&str>) -> Uuid {
    register(p, &PatientInput { nhs_number: nhs.map(str::to_owned), ..person(given) }).await
}

fn today() -> Date {
    app::patients::today()
}

fn input(p: &Practice, patient: Uuid, priority: &str, received: Date) -> ReferralInput {
    ReferralInput {
        patient: PatientRef::Id(patient),
        source_organisation: "Bristol Royal Infirmary".into(),
        referrer: "Dr Helen Marsh".into(),
        priority: priority.into(),
        received_on: received.to_string(),
        reason: "Chest pain, troponin negative; please review".into(),
        service_id: Some(p.service),
        appointment: None,
    }
}

fn fields(e: AppError) -> Vec<String> {
    match e {
        AppError::Invalid(inv) => inv.0.into_iter().map(|f| f.field).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

async fn outbox_kinds(app: &App, patient: Uuid) -> Vec<String> {
    store::on_conn!(store::Conn::from(app.db()), c => sqlx::query_scalar(
        "SELECT kind FROM outbox WHERE patient_id = $1 ORDER BY created_at").bind(patient).fetch_all(c).await)
    .unwrap()
}

async fn audit_actions(app: &App) -> Vec<String> {
    store::governance::audit::page_after(app.db(), 0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.entry.action)
        .collect()
}

both_backends! {
    async fn a_referral_goes_on_the_waiting_list_with_its_target_and_a_message_job(db: Db) {
        let p = practice(db).await;
        let ann = patient(&p, "Ann", Some("9434765919")).await;
        let received = today() - 2.days();
        let made = p.app.record_referral(&p.desk, &input(&p, ann, "urgent_suspected_cancer", received)).await.unwrap();
        let r = &made.referral;
        assert_eq!(r.target_date, (received + 14.days()).to_string(), "two-week wait by default");
        assert_eq!((r.status.as_str(), r.appointment_id), ("waiting", None));
        let w = made.waiting.expect("a waiting-list entry");
        assert_eq!((w.priority.as_str(), w.source.as_str(), w.referral_id), ("urgent", "referral", Some(r.id)));
        assert_eq!(w.target_date.as_deref(), Some(r.target_date.as_str()));
        let listed = p.app.waiting_list(&p.desk, None).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(outbox_kinds(&p.app, ann).await, ["referral-received"]);
        assert!(audit_actions(&p.app).await.iter().any(|a| a == "record_referral"));

        // Found by NHS number too (the staff form), in any spacing.
        let by_nhs = ReferralInput { patient: PatientRef::NhsNumber("943 476 5919".into()), ..input(&p, ann, "routine", today()) };
        let again = p.app.record_referral(&p.desk, &by_nhs).await.unwrap();
        assert_eq!(again.referral.patient_id, ann);
        assert_eq!(again.referral.target_date, (today() + 126.days()).to_string());

        // The reason is clinical: reception does not see it, a clinician does.
        let s = p.app.referral(&p.desk, r.id).await.unwrap();
        assert_eq!((s.reason_visible, s.row.reason.as_str(), s.state), (false, "", ReferralState::Waiting));
        let gp = as_role(&p.app, Role::Clinician).await;
        assert!(p.app.referral(&gp, r.id).await.unwrap().row.reason.starts_with("Chest pain"));
    }

    async fn bad_referrals_are_refused_field_by_field_and_change_nothing(db: Db) {
        let p = practice(db).await;
        let ann = patient(&p, "Ann", None).await;
        let mut bad = input(&p, ann, "asap", today() + 1.days());
        bad.source_organisation = "  ".into();
        bad.reason = "x".repeat(2001);
        bad.service_id = Some(Uuid::now_v7());
        let err = p.app.record_referral(&p.desk, &bad).await.unwrap_err();
        assert_eq!(fields(err), ["source_organisation", "priority", "received_on", "reason", "service_id"]);
        let malformed = ReferralInput { received_on: "2027-02-30".into(), ..input(&p, ann, "routine", today()) };
        assert_eq!(fields(p.app.record_referral(&p.desk, &malformed).await.unwrap_err()), ["received_on"]);
        let old = input(&p, ann, "routine", today() - 400.days());
        assert_eq!(fields(p.app.record_referral(&p.desk, &old).await.unwrap_err()), ["received_on"]);
        let nobody = input(&p, Uuid::now_v7(), "routine", today());
        assert!(matches!(p.app.record_referral(&p.desk, &nobody).await, Err(AppError::NotFound { what: "patient" })));
        let unknown_nhs = ReferralInput { patient: PatientRef::NhsNumber("9434765919".into()), ..input(&p, ann, "routine", today()) };
        assert_eq!(fields(p.app.record_referral(&p.desk, &unknown_nhs).await.unwrap_err()), ["nhs_number"]);
        let not_nhs = ReferralInput { patient: PatientRef::NhsNumber("1234567890".into()), ..input(&p, ann, "routine", today()) };
        assert_eq!(fields(p.app.record_referral(&p.desk, &not_nhs).await.unwrap_err()), ["nhs_number"]);
        // A patient cannot record referrals, even about themselves.
        let complaints = as_role(&p.app, Role::ComplaintsLead).await;
        assert!(matches!(p.app.record_referral(&complaints, &input(&p, ann, "routine", today())).await, Err(AppError::Forbidden { .. })));
        assert!(store::scheduling::referrals(p.app.db()).await.unwrap().is_empty(), "nothing recorded");
        assert!(p.app.waiting_list(&p.desk, None).await.unwrap().is_empty());
        assert!(outbox_kinds(&p.app, ann).await.is_empty());
    }

    async fn a_referral_is_booked_and_the_warning_list_follows_what_happens(db: Db) {
        let p = practice(db).await;
        let day = today() + 1.days();
        let ann = patient(&p, "Ann", None).await;
        let bob = patient(&p, "Bob", None).await;
        let cat = patient(&p, "Cat", None).await;
        let dan = patient(&p, "Dan", None).await;

        // Booked straight away: no waiting-list entry; the slot taken refuses a second booking and records nothing.
        let mut now_booked = input(&p, ann, "urgent", today());
        now_booked.appointment = Some(SlotChoice { practitioner_id: p.gp, start: local(day, 9, 0) });
        let made = p.app.record_referral(&p.desk, &now_booked).await.unwrap();
        let a = made.appointment.expect("booked");
        assert_eq!((made.referral.status.as_str(), made.referral.appointment_id, made.waiting), ("booked", Some(a.id), None));
        assert_eq!(a.starts_at.0, local(day, 9, 0));
        let mut clash = input(&p, bob, "urgent", today());
        clash.appointment = Some(SlotChoice { practitioner_id: p.gp, start: local(day, 9, 0) });
        assert!(matches!(p.app.record_referral(&p.desk, &clash).await, Err(AppError::SlotUnavailable { .. })));
        assert_eq!(store::scheduling::referrals(p.app.db()).await.unwrap().len(), 1, "the refused referral was not recorded");

        // Two-week-wait referrals: one due tomorrow, one overdue, one on track.
        let due = p.app.record_referral(&p.desk, &input(&p, bob, "urgent_suspected_cancer", today() - 13.days())).await.unwrap().referral;
        let late = p.app.record_referral(&p.desk, &input(&p, cat, "urgent_suspected_cancer", today() - 16.days())).await.unwrap().referral;
        let fine = p.app.record_referral(&p.desk, &input(&p, dan, "urgent_suspected_cancer", today())).await.unwrap().referral;
        let o = p.app.referrals_overview(&p.desk).await.unwrap();
        let warned: Vec<(Uuid, TargetStatus)> = o.warnings.iter().map(|s| (s.row.id, s.target)).collect();
        assert_eq!(warned, [(late.id, TargetStatus::Past { days_over: 2 }), (due.id, TargetStatus::Approaching { days_left: 1 })]);
        assert_eq!(o.all.len(), 4);
        assert!(o.all.iter().any(|s| s.row.id == fine.id && s.target == TargetStatus::OnTrack));

        // Booking the late one takes it off the warning list and its entry off the waiting list.
        let booked = p.app.book_referral(&p.desk, late.id, SlotChoice { practitioner_id: p.gp, start: local(day, 9, 30) }).await.unwrap();
        assert_eq!(booked.state, ReferralState::Booked);
        assert_eq!(booked.waiting.as_ref().map(|w| w.status.as_str()), Some("booked"));
        let again = p.app.book_referral(&p.desk, late.id, SlotChoice { practitioner_id: p.gp, start: local(day, 9, 40) }).await;
        assert_eq!(fields(again.unwrap_err()), ["status"]);
        let o = p.app.referrals_overview(&p.desk).await.unwrap();
        assert_eq!(o.warnings.iter().map(|s| s.row.id).collect::<Vec<_>>(), [due.id]);

        // Its appointment cancelled, it needs booking again and is back on the warning list.
        let appt = booked.appointment.unwrap();
        p.app.appointment_event(&p.desk, appt.id, None, AppointmentEvent::Cancel { by: CancelledBy::Patient, reason: None }).await.unwrap();
        let s = p.app.referral(&p.desk, late.id).await.unwrap();
        assert_eq!(s.state, ReferralState::NeedsRebooking);
        let o = p.app.referrals_overview(&p.desk).await.unwrap();
        assert_eq!(o.warnings.iter().map(|s| s.row.id).collect::<Vec<_>>(), [late.id, due.id]);
        let rebooked = p.app.book_referral(&p.desk, late.id, SlotChoice { practitioner_id: p.gp, start: local(day, 9, 50) }).await.unwrap();
        assert_eq!(rebooked.state, ReferralState::Booked);

        // The freed 09:30 went to the waiting list: the two-week-wait referral due tomorrow holds an offer,
        // and cannot be closed or booked meanwhile (it stays on the warning list until answered).
        assert_eq!(p.app.referral(&p.desk, due.id).await.unwrap().state, ReferralState::Offered);
        assert_eq!(fields(p.app.close_referral(&p.desk, due.id, "seen", None).await.unwrap_err()), ["outcome"]);

        // Seen, or closed with a reason; the waiting entry leaves the list.
        assert_eq!(fields(p.app.close_referral(&p.desk, fine.id, "other", None).await.unwrap_err()), ["note"]);
        assert_eq!(fields(p.app.close_referral(&p.desk, fine.id, "done", None).await.unwrap_err()), ["outcome"]);
        let closed = p.app.close_referral(&p.desk, fine.id, "seen", Some("Seen in the urgent clinic")).await.unwrap();
        assert_eq!(closed.state, ReferralState::Seen);
        assert_eq!(closed.waiting.as_ref().map(|w| w.status.as_str()), Some("removed"));
        assert_eq!(closed.closure.as_ref().and_then(|c| c.outcome.as_deref()), Some("seen"));
        assert!(p.app.close_referral(&p.desk, fine.id, "seen", None).await.is_err(), "closed once");
        let o = p.app.referrals_overview(&p.desk).await.unwrap();
        assert_eq!(o.warnings.iter().map(|s| s.row.id).collect::<Vec<_>>(), [due.id]);
        assert!(o.all.iter().any(|s| s.row.id == fine.id && s.state == ReferralState::Seen), "seen in the list too");
        let actions = audit_actions(&p.app).await;
        for a in ["record_referral", "book_referral", "close_referral", "view_referrals", "view_referral"] {
            assert!(actions.iter().any(|x| x == a), "{a} audited");
        }
    }

    async fn referral_targets_are_an_organisation_setting(db: Db) {
        let p = practice(db).await;
        let ann = patient(&p, "Ann", None).await;
        let t = TargetsInput { urgent_suspected_cancer_days: 10, urgent_days: 7, routine_days: 56, warn_days: 5 };
        assert!(matches!(p.app.set_referral_targets(&p.desk, &t).await, Err(AppError::Forbidden { .. })));
        let bad = TargetsInput { urgent_days: 0, warn_days: 90, ..t };
        assert_eq!(fields(p.app.set_referral_targets(&p.manager, &bad).await.unwrap_err()), ["urgent_days", "warn_days"]);
        let set = p.app.set_referral_targets(&p.manager, &t).await.unwrap();
        assert_eq!((set.urgent_days, set.warn_days), (7, 5));
        assert_eq!(p.app.referral_targets(&p.desk).await.unwrap(), set);
        let r = p.app.record_referral(&p.desk, &input(&p, ann, "urgent", today() - 2.days())).await.unwrap().referral;
        assert_eq!(r.target_date, (today() + 5.days()).to_string());
        let o = p.app.referrals_overview(&p.desk).await.unwrap();
        assert_eq!(o.warnings.first().map(|s| s.target), Some(TargetStatus::Approaching { days_left: 5 }), "warned 5 days ahead");
    }

    async fn offer_chains_are_shown_and_reported(db: Db) {
        let p = practice(db).await;
        let day = today() + 2.days();
        let ann = patient(&p, "Ann", None).await;
        let bob = patient(&p, "Bob", None).await;
        let cat = patient(&p, "Cat", None).await;
        let booked = p.app.book(&p.desk, &app::scheduling::booking::BookRequest {
            patient_id: ann,
            service_id: p.service,
            practitioner_id: p.gp,
            start: local(day, 9, 20),
            room_id: None,
            channel: domain::scheduling::appointment::BookingChannel::Desk,
            overbook_reason: None,
            hold: false,
        }).await.unwrap();
        let bob_entry = p.app.record_referral(&p.desk, &input(&p, bob, "urgent_suspected_cancer", today())).await.unwrap().waiting.unwrap();
        let cat_entry = p.app.record_referral(&p.desk, &input(&p, cat, "routine", today())).await.unwrap().waiting.unwrap();
        p.app.appointment_event(&p.desk, booked.id, None, AppointmentEvent::Cancel { by: CancelledBy::Patient, reason: None }).await.unwrap();

        let token = |patient: Uuid| {
            let app = p.app.clone();
            async move {
                let (from, to) = (Ts("2000-01-01T00:00:00Z".parse().unwrap()), Ts("2100-01-01T00:00:00Z".parse().unwrap()));
                let hold = store::scheduling::appointments_between(app.db(), from, to, None, None).await.unwrap()
                    .into_iter().find(|a| a.patient_id == patient && a.status == "pending").expect("a hold");
                let jobs = store::scheduling::outbox_for_appointment(app.db(), hold.id).await.unwrap();
                let job = jobs.iter().find(|j| j.kind == "waiting-list-offer").expect("an offer message");
                serde_json::from_str::<serde_json::Value>(&job.payload).unwrap()["token"].as_str().unwrap().to_owned()
            }
        };
        // The urgent referral is offered the slot first; the referral shows it.
        assert_eq!(p.app.referral(&p.desk, bob_entry.referral_id.unwrap()).await.unwrap().state, ReferralState::Offered);
        let refused = p.app.book_referral(&p.desk, bob_entry.referral_id.unwrap(), SlotChoice { practitioner_id: p.gp, start: local(day, 9, 40) }).await;
        assert_eq!(fields(refused.unwrap_err()), ["status"], "not booked twice while an offer holds a slot");
        let link = Ctx::anonymous(domain::new_id(), None);
        assert_eq!(p.app.answer_offer(&link, &token(bob).await, false).await.unwrap(), OfferAnswer::Declined);
        assert!(matches!(p.app.answer_offer(&link, &token(cat).await, true).await.unwrap(), OfferAnswer::Accepted(_)));

        let (_, bob_offers) = p.app.offer_chain(&p.desk, bob_entry.id).await.unwrap();
        assert_eq!(bob_offers.len(), 1);
        let chain: Vec<(i32, Uuid, &str)> =
            bob_offers[0].chain.iter().map(|c| (c.offer.chain_position, c.patient_id, c.offer.outcome.as_str())).collect();
        assert_eq!(chain, [(1, bob, "declined"), (2, cat, "accepted")]);
        assert_eq!(bob_offers[0].slot.as_ref().map(|s| s.starts_at.0), Some(local(day, 9, 20)));
        assert_eq!(bob_offers[0].practitioner_name.as_deref(), Some("Dr Amina Shah"));
        let board = p.app.waiting_board(&p.desk).await.unwrap();
        let cat_row = board.iter().find(|e| e.row.id == cat_entry.id).unwrap();
        assert_eq!((cat_row.row.status.as_str(), cat_row.offers.len()), ("booked", 1));
        assert_eq!(board.first().map(|e| e.row.id), Some(bob_entry.id), "urgent first");
        // Accepting the offer books the referral (read from its entry).
        assert_eq!(p.app.referral(&p.desk, cat_entry.referral_id.unwrap()).await.unwrap().state, ReferralState::Booked);
        let stored = store::scheduling::referrals::referral(p.app.db(), cat_entry.referral_id.unwrap()).await.unwrap().unwrap();
        assert_eq!((stored.status.as_str(), stored.appointment_id.is_some()), ("booked", true), "the referral row itself is booked");
        assert!(matches!(p.app.offer_chain(&p.desk, Uuid::now_v7()).await, Err(AppError::NotFound { .. })));

        let r = p.app.offers_report(&p.manager, today(), today()).await.unwrap();
        assert_eq!((r.slots_offered, r.offers_made, r.accepted, r.declined, r.expired, r.open), (1, 2, 1, 1, 0, 0));
        assert_eq!((r.slots_filled, r.fill_rate), (1, Some(1.0)));
        assert!(r.median_minutes_to_fill.is_some_and(|m| (0.0..5.0).contains(&m)));
        let none = p.app.offers_report(&p.manager, today() - 10.days(), today() - 5.days()).await.unwrap();
        assert_eq!((none.slots_offered, none.fill_rate), (0, None));
        assert_eq!(fields(p.app.offers_report(&p.manager, today(), today() - 1.days()).await.unwrap_err()), ["to"]);
        assert!(matches!(p.app.offers_report(&p.desk, today(), today()).await, Err(AppError::Forbidden { .. })));
    }

    async fn rota_exceptions_are_checked_and_change_the_slots(db: Db) {
        let p = practice(db).await;
        let slots = |day: Date| {
            let (app, desk, service) = (p.app.clone(), p.desk.clone(), p.service);
            async move {
                app.free_slots(&desk, &SlotQuery { service, practitioner: None, site: None, from: day, to: day, patient: None, limit: 500 })
                    .await
                    .unwrap()
            }
        };
        let (leave_day, extra_day) = (today() + 10.days(), today() + 11.days());
        let ex = |kind: &str, from: Date| RotaExceptionInput { kind: kind.into(), date_from: from.to_string(), ..Default::default() };

        assert!(matches!(p.app.add_rota_exception(&p.desk, p.gp, &ex("leave", leave_day)).await, Err(AppError::Forbidden { .. })));
        assert!(matches!(p.app.add_rota_exception(&p.manager, Uuid::now_v7(), &ex("leave", leave_day)).await, Err(AppError::NotFound { .. })));
        let backwards = RotaExceptionInput { date_until: Some((leave_day - 1.days()).to_string()), starts: Some("12:00".into()), ends: Some("09:00".into()), ..ex("holiday", leave_day) };
        assert_eq!(fields(p.app.add_rota_exception(&p.manager, p.gp, &backwards).await.unwrap_err()), ["kind", "date_until", "ends"]);
        let malformed = RotaExceptionInput { date_from: "2027-13-01".into(), starts: Some("9am".into()), ..ex("leave", leave_day) };
        assert_eq!(fields(p.app.add_rota_exception(&p.manager, p.gp, &malformed).await.unwrap_err()), ["date_from", "starts", "ends"]);
        let overlapping = RotaExceptionInput { starts: Some("09:30".into()), ends: Some("11:00".into()), site_id: Some(p.site), services: vec![p.service], ..ex("extra", extra_day) };
        assert_eq!(fields(p.app.add_rota_exception(&p.manager, p.gp, &overlapping).await.unwrap_err()), ["starts"]);
        let incomplete = ex("extra", extra_day);
        assert_eq!(fields(p.app.add_rota_exception(&p.manager, p.gp, &incomplete).await.unwrap_err()), ["starts", "site_id", "services"]);
        assert!(store::scheduling::exceptions_of(p.app.db(), &[p.gp], "2000-01-01", "2100-01-01").await.unwrap().is_empty(), "nothing added");

        let leave = p.app.add_rota_exception(&p.manager, p.gp, &RotaExceptionInput { date_until: Some(leave_day.to_string()), ..ex("leave", leave_day) }).await.unwrap();
        assert_eq!((leave.kind.as_str(), leave.reason.as_deref()), ("closure", Some("leave")));
        assert!(slots(leave_day).await.is_empty(), "no slots while on leave");
        let extra = RotaExceptionInput { starts: Some("14:00".into()), ends: Some("14:30".into()), site_id: Some(p.site), services: vec![p.service], ..ex("extra", extra_day) };
        p.app.add_rota_exception(&p.manager, p.gp, &extra).await.unwrap();
        assert_eq!(slots(extra_day).await.len(), 9, "six in the weekly session and three in the extra one");
        let again = RotaExceptionInput { starts: Some("14:20".into()), ends: Some("15:00".into()), ..extra };
        assert_eq!(fields(p.app.add_rota_exception(&p.manager, p.gp, &again).await.unwrap_err()), ["starts"], "extra sessions do not overlap either");
        let training = RotaExceptionInput { starts: Some("09:00".into()), ends: Some("09:30".into()), ..ex("training", extra_day) };
        p.app.add_rota_exception(&p.manager, p.gp, &training).await.unwrap();
        assert_eq!(slots(extra_day).await.len(), 6, "part of a day away");
        assert!(audit_actions(&p.app).await.iter().filter(|a| *a == "add_rota_exception").count() == 3);
    }
}
