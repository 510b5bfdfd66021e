//! The pages patients reach from links in their messages, without signing in: confirm or cancel an
//! appointment, answer a waiting-list offer. Opening a link changes nothing; the form acts once; a bad,
//! tampered or used-up link gets a clear page and changes nothing; pages are in the patient's language.

use super::schedule_pages::{instant, practice_with, tomorrow};
#[allow(unused_imports)]
use super::*;
use app::messaging::links::LinkPurpose;
use uuid::Uuid;

fn events(actions: &[store::scheduling::AppointmentEventRow]) -> Vec<String> {
    actions.iter().map(|e| e.action.clone()).collect()
}

/// The same token with its last character changed.
fn tampered(token: &str) -> String {
    let mut t = token.to_owned();
    let last = t.pop().unwrap();
    t.push(if last == 'A' { 'B' } else { 'A' });
    t
}

both_backends! {
    async fn a_patient_confirms_and_cancels_from_the_links_in_a_message(db: Db) {
        // Cancelling online closes two days before the appointment.
        let p = practice_with(db, r#","cancel_cutoff_minutes":2880"#).await;
        let ann = p.patient("Annabel", r#","preferred_language":"ur""#).await;
        let later = tomorrow().checked_add(jiff::Span::new().days(4)).unwrap();
        let a = p.book(&ann, &instant(later, 9, 0)).await;
        let id: Uuid = a.parse().unwrap();
        let confirm = p.app.appointment_link(LinkPurpose::Confirm, id).await.unwrap();
        let cancel = p.app.appointment_link(LinkPurpose::Cancel, id).await.unwrap();
        assert_eq!(confirm.len(), 34);
        assert_ne!(confirm, cancel, "one link per purpose");
        let mut patient = Client::new(&p.router);

        // Opening the confirm link shows when and where, in Urdu, and asks; nothing changes yet.
        let page = patient.get(&format!("/l/{confirm}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("lang=\"ur\" dir=\"rtl\""), "{}", page.body);
        assert!(page.body.contains(&format!("action=\"/l/{confirm}\"")));
        assert!(page.body.contains(&format!("href=\"/l/{cancel}\"")), "a confirm page offers the way to cancel");
        assert!(!page.body.contains("Annabel") && !page.body.contains("TESTING"), "no name on a link page");
        assert_eq!(page.headers[header::CACHE_CONTROL], "no-store");
        assert_eq!(page.headers[header::REFERRER_POLICY], "no-referrer");
        let stored = store::scheduling::events_of(p.app.db(), id).await.unwrap();
        assert!(!events(&stored).contains(&"confirmed".to_owned()));
        let audit = audit_actions(&p.app).await;
        assert!(audit.iter().any(|(action, outcome, reason)| action == "open_appointment_link" && outcome == "allowed" && reason == "own record"), "{audit:?}");

        // A changed token is refused on sight and when sent, and reads nothing.
        for bad in [tampered(&confirm), "not-a-token".into(), "A".repeat(34), "%F0%9F%98%80".into()] {
            let res = patient.get(&format!("/l/{bad}")).await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{bad}");
            assert!(res.body.contains("This link does not work"), "{}", res.body);
            let res = patient.post_form(&format!("/l/{bad}"), &[]).await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{bad}");
        }
        // We cannot know whose link it was, so the browser's language decides; the reference is the
        // operation id in the log, and the page is a patient page (no way into the staff pages).
        let req = axum::http::Request::get(format!("/l/{}", tampered(&confirm)))
            .header(header::ACCEPT_LANGUAGE, "ur-PK,ur;q=0.9,en;q=0.8")
            .body(axum::body::Body::empty())
            .unwrap();
        let res = patient.send(req).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        assert!(res.body.contains("lang=\"ur\" dir=\"rtl\"") && res.body.contains("یہ لنک کام نہیں کرتا"), "{}", res.body);
        let op = res.headers["x-operation-id"].to_str().unwrap();
        assert!(res.body.contains(&format!("\u{2066}{op}\u{2069}")), "reference {op} in {}", res.body);
        assert!(!res.body.contains("/staff"), "{}", res.body);

        // Confirm: once, then the page thanks them.
        let done = patient.post_form(&format!("/l/{confirm}"), &[]).await;
        assert_eq!((done.status, done.location()), (StatusCode::SEE_OTHER, format!("/l/{confirm}").as_str()));
        let again = patient.post_form(&format!("/l/{confirm}"), &[]).await;
        assert_eq!(again.status, StatusCode::SEE_OTHER, "a second press changes nothing and explains");
        let stored = store::scheduling::events_of(p.app.db(), id).await.unwrap();
        assert_eq!(events(&stored).iter().filter(|a| *a == "confirmed").count(), 1, "{:?}", events(&stored));
        let thanks = patient.get(&format!("/l/{confirm}")).await;
        assert!(thanks.body.contains("app-inset--success"), "{}", thanks.body);
        assert!(!thanks.body.contains("<form method=\"post\""), "nothing left to press");
        assert_eq!(p.stored(&a).await.status, "booked", "a confirm link never cancels");

        // Cancel: the page warns and asks; the POST cancels, as the patient, and queues the message.
        let page = patient.get(&format!("/l/{cancel}")).await;
        assert!(page.body.contains("app-button--warning"), "{}", page.body);
        let done = patient.post_form(&format!("/l/{cancel}"), &[]).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER);
        let cancelled = p.stored(&a).await;
        assert_eq!((cancelled.status.as_str(), cancelled.cancelled_by.as_deref()), ("cancelled", Some("patient")));
        let jobs = store::scheduling::outbox_for_appointment(p.app.db(), id).await.unwrap();
        assert!(jobs.iter().any(|j| j.kind == "cancellation-by-patient"), "the patient is told it is cancelled");
        let version = cancelled.version;
        let again = patient.post_form(&format!("/l/{cancel}"), &[]).await;
        assert_eq!(again.status, StatusCode::SEE_OTHER);
        assert_eq!(p.stored(&a).await.version, version, "a used cancel link changes nothing");
        for link in [&cancel, &confirm] {
            let page = patient.get(&format!("/l/{link}")).await;
            assert_eq!(page.status, StatusCode::OK);
            assert!(!page.body.contains("<form method=\"post\""), "a cancelled appointment offers nothing to press");
        }
        let audit = audit_actions(&p.app).await;
        for action in ["confirm_appointment", "appointment_cancel"] {
            assert!(audit.iter().any(|(a, o, _)| a == action && o == "allowed"), "{action} audited: {audit:?}");
        }
    }

    async fn too_close_to_the_appointment_the_page_gives_the_phone_number(db: Db) {
        let p = practice_with(db, r#","cancel_cutoff_minutes":2880"#).await;
        let bea = p.patient("Bea", "").await;
        let a = p.book(&bea, &instant(tomorrow(), 9, 30)).await;
        let cancel = p.app.appointment_link(LinkPurpose::Cancel, a.parse().unwrap()).await.unwrap();
        let mut patient = Client::new(&p.router);
        let page = patient.get(&format!("/l/{cancel}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("lang=\"en\" dir=\"ltr\""));
        assert!(page.body.contains("It is too late to cancel online"), "{}", page.body);
        assert!(!page.body.contains("<form method=\"post\""));
        let res = patient.post_form(&format!("/l/{cancel}"), &[]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(p.stored(&a).await.status, "booked", "inside the cut-off a link cannot cancel");
    }

    async fn a_waiting_list_offer_is_answered_from_its_page(db: Db) {
        let p = practice_with(db, "").await;
        let day = tomorrow().checked_add(jiff::Span::new().days(2)).unwrap();
        let ann = p.patient("Ann", "").await;
        let cat = p.patient("Cat", r#","preferred_language":"pl""#).await;
        let dan = p.patient("Dan", "").await;
        let booked = p.book(&ann, &instant(day, 9, 0)).await;
        let desk = Ctx::anonymous(domain::new_id(), None).with_actor(reception_actor(&p.app).await);
        for who in [&cat, &dan] {
            let input = app::scheduling::waiting::WaitingInput {
                patient_id: who.parse().unwrap(),
                service_id: p.stored(&booked).await.service_id,
                priority: "routine".into(),
                source: "request".into(),
                ..Default::default()
            };
            p.app.add_to_waiting_list(&desk, &input).await.unwrap();
        }
        let cancel = domain::scheduling::appointment::AppointmentEvent::Cancel {
            by: domain::scheduling::appointment::CancelledBy::Practice,
            reason: None,
        };
        p.app.appointment_event(&desk, booked.parse().unwrap(), None, cancel).await.unwrap();
        // The token travels only in the offer message's job.
        let token_for = |patient: String| {
            let (app, desk) = (p.app.clone(), desk.clone());
            async move {
                let list = app.waiting_list(&desk, None).await.unwrap();
                let entry = list.iter().find(|w| w.patient_id.to_string() == patient && w.status == "offered").expect("offered");
                let jobs = store::scheduling::outbox_for_appointment(app.db(), entry.appointment_id.unwrap()).await.unwrap();
                let job = jobs.iter().find(|j| j.kind == "waiting-list-offer").expect("offer queued");
                serde_json::from_str::<Value>(&job.payload).unwrap()["token"].as_str().unwrap().to_owned()
            }
        };
        let first = token_for(cat.clone()).await;
        assert_eq!(first.len(), 22, "16 random bytes");
        let mut patient = Client::new(&p.router);
        let page = patient.get(&format!("/o/{first}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("lang=\"pl\""));
        assert!(page.body.contains(&format!("action=\"/o/{first}/accept\"")) && page.body.contains(&format!("action=\"/o/{first}/decline\"")));
        let decline_first = patient.get(&format!("/o/{first}/decline")).await;
        let (accept_at, decline_at) = (decline_first.body.find("/accept\"").unwrap(), decline_first.body.find("/decline\"").unwrap());
        assert!(decline_at < accept_at, "the answer clicked in the message comes first");

        // Cat says no: she stays on the list and Dan is offered the time.
        let res = patient.post_form(&format!("/o/{first}/decline"), &[]).await;
        assert_eq!((res.status, res.location()), (StatusCode::SEE_OTHER, format!("/o/{first}").as_str()));
        let after = patient.get(&format!("/o/{first}")).await;
        assert!(!after.body.contains("<form method=\"post\""), "an answered offer has nothing to press");
        let late = patient.post_form(&format!("/o/{first}/accept"), &[]).await;
        assert_eq!(late.status, StatusCode::SEE_OTHER, "answering twice changes nothing");
        let second = token_for(dan.clone()).await;
        let res = patient.post_form(&format!("/o/{second}/accept"), &[]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let booked_now = patient.get(&format!("/o/{second}")).await;
        assert!(booked_now.body.contains("app-inset--success"), "{}", booked_now.body);
        let list = p.app.waiting_list(&desk, None).await.unwrap();
        let status = |who: &str| list.iter().find(|w| w.patient_id.to_string() == who).unwrap().status.clone();
        assert_eq!((status(&cat).as_str(), status(&dan).as_str()), ("waiting", "booked"));
        let bad = patient.get(&format!("/o/{}/accept", tampered(&second))).await;
        assert_eq!(bad.status, StatusCode::NOT_FOUND);
        assert!(bad.body.contains("This link does not work"));
    }
}

/// The receptionist as an actor, for calls straight to the app.
async fn reception_actor(app: &App) -> app::Actor {
    let user = store::governance::users::by_username(app.db(), "reception").await.unwrap().unwrap();
    app::Actor {
        user_id: user.id,
        username: user.username,
        display_name: user.display_name,
        role: domain::governance::Role::Receptionist,
        via: app::Via::Session,
    }
}
