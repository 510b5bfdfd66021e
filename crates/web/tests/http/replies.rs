//! Text replies from patients through the providers' callbacks: `CANCEL` cancels the sender's next
//! appointment as the patient, `STOP` opts their number out of texts, and anything the number or words
//! do not make clear changes nothing and is left for staff. Bad tokens and signatures change nothing;
//! a replayed callback does nothing twice.

use super::schedule_pages::{instant, practice_with, tomorrow};
use super::sms::{NOTIFY_TOKEN, PUBLIC_URL, TWILIO_TOKEN, keys, receipts_router};
#[allow(unused_imports)]
use super::*;
use app::messaging::receipts::twilio_signature;

async fn notify(router: &Router, token: &str, id: &str, from: &str, content: &str) -> Resp {
    let body = serde_json::json!({ "id": id, "source_number": from, "destination_number": "07984404008", "content": content, "date_received": "2026-11-22T10:00:00.000000Z" });
    let mut c = Client::new(router);
    c.send(
        Request::post("/api/v1/replies/notify")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

async fn twilio(router: &Router, sid: &str, from: &str, text: &str, sign_with: &str) -> Resp {
    let params = vec![
        ("MessageSid".to_owned(), sid.to_owned()),
        ("From".to_owned(), from.to_owned()),
        ("To".to_owned(), "+441234567890".to_owned()),
        ("Body".to_owned(), text.to_owned()),
    ];
    let url = format!("{PUBLIC_URL}/api/v1/replies/twilio");
    let signature = twilio_signature(sign_with, &url, &params);
    let mut c = Client::new(router);
    c.send(
        Request::post("/api/v1/replies/twilio")
            .header("x-twilio-signature", signature)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(serde_urlencoded::to_string(&params).unwrap()))
            .unwrap(),
    )
    .await
}

both_backends! {
    async fn cancel_and_stop_by_text_reply(db: Db) {
        let p = practice_with(db, "").await;
        let router = receipts_router(&p.app, Some(keys()));
        let day = tomorrow().checked_add(jiff::Span::new().days(3)).unwrap();
        let ann = p.patient("Ann", r#","phones":[{"number":"07700 900111"}]"#).await;
        let first = p.book(&ann, &instant(day, 9, 0)).await;
        let second = p.book(&ann, &instant(day.tomorrow().unwrap(), 9, 0)).await;
        let bob = p.patient("Bob", r#","phones":[{"number":"07700 900222"}]"#).await;
        let cat = p.patient("Cat", r#","phones":[{"number":"07700 900222"}]"#).await;
        let b1 = p.book(&bob, &instant(day, 9, 20)).await;
        let c1 = p.book(&cat, &instant(day, 9, 40)).await;

        // A wrong token is refused and nothing is kept.
        let res = notify(&router, "wrong", "n-0", "447700900111", "CANCEL").await;
        assert_problem(&res, StatusCode::UNAUTHORIZED, "unauthenticated");
        assert_eq!(p.stored(&first).await.status, "booked");

        // CANCEL from Ann's own number cancels her next appointment only, as the patient.
        let res = notify(&router, NOTIFY_TOKEN, "n-1", "447700900111", "Cancel please").await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["action"], "cancelled");
        assert!(res.json().get("body").is_none(), "the patient's words are not echoed");
        let cancelled = p.stored(&first).await;
        assert_eq!((cancelled.status.as_str(), cancelled.cancelled_by.as_deref()), ("cancelled", Some("patient")));
        assert_eq!(p.stored(&second).await.status, "booked", "only the next one");
        let jobs = store::scheduling::outbox_for_appointment(p.app.db(), cancelled.id).await.unwrap();
        assert!(jobs.iter().any(|j| j.kind == "cancellation-by-patient"), "the patient is told");
        // The same callback again does nothing more.
        let again = notify(&router, NOTIFY_TOKEN, "n-1", "447700900111", "Cancel please").await;
        assert_eq!((again.status, again.json()["action"].as_str()), (StatusCode::OK, Some("cancelled")));
        assert_eq!(p.stored(&second).await.status, "booked", "a replay cancels nothing else");

        // A number two patients share, both with appointments: nothing is guessed.
        let res = notify(&router, NOTIFY_TOKEN, "n-2", "447700900222", "CANCEL").await;
        assert_eq!(res.json()["action"], "ambiguous");
        assert_eq!(res.json()["needs_staff"], true);
        assert_eq!((p.stored(&b1).await.status.as_str(), p.stored(&c1).await.status.as_str()), ("booked", "booked"));

        // An unknown number, and words Carefront does not act on.
        let res = notify(&router, NOTIFY_TOKEN, "n-3", "447700900999", "CANCEL").await;
        assert_eq!(res.json()["action"], "unknown_number");
        let res = notify(&router, NOTIFY_TOKEN, "n-4", "447700900111", "Can I come at 10 instead?").await;
        assert_eq!(res.json()["action"], "not_understood");
        assert_eq!(p.stored(&second).await.status, "booked");
        let res = notify(&router, NOTIFY_TOKEN, "", "447700900111", "CANCEL").await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);

        // STOP through Twilio: a bad signature changes nothing; a good one opts Ann out of texts.
        let res = twilio(&router, "SM1", "+447700900111", "STOP", "not-the-token").await;
        assert_problem(&res, StatusCode::FORBIDDEN, "bad-signature");
        let prefs = store::patients::contact_preferences_of(p.app.db(), ann.parse().unwrap()).await.unwrap();
        assert!(prefs.iter().all(|c| c.channel != "sms" || c.opted_in));
        let res = twilio(&router, "SM1", "+447700900111", "STOP", TWILIO_TOKEN).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert!(res.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/xml"));
        assert!(res.body.contains("<Response></Response>"));
        let prefs = store::patients::contact_preferences_of(p.app.db(), ann.parse().unwrap()).await.unwrap();
        let sms = prefs.iter().find(|c| c.channel == "sms").expect("an SMS preference");
        assert!(!sms.opted_in);
        let history = store::patients::history(p.app.db(), ann.parse().unwrap()).await.unwrap();
        assert!(history.iter().any(|h| h.field == "contact_preferences.sms" && h.reason.as_deref() == Some("the patient texted STOP")));
        let audit = audit_actions(&p.app).await;
        assert!(audit.iter().any(|(a, o, _)| a == "sms_opt_out" && o == "allowed"));
        assert!(audit.iter().any(|(a, o, _)| a == "appointment_cancel" && o == "allowed"));

        // Staff see what came in and what was done, newest first, without the words.
        let list = api(&router, Method::GET, "/api/v1/replies", Some(&p.token), None).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        let rows = list.json();
        let actions: Vec<&str> = rows.as_array().unwrap().iter().map(|r| r["action"].as_str().unwrap()).collect();
        assert_eq!(actions.len(), 5, "{actions:?}");
        assert!(actions.contains(&"opted_out") && actions.contains(&"ambiguous"));
        assert!(!list.body.contains("Can I come"), "the patient's words stay out of the list");
        let bad = api(&router, Method::GET, "/api/v1/replies?limit=0&x=1", Some(&p.token), None).await;
        assert_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");

        // The outbox page lists the three that need a person, in words, and links to a known patient.
        let mut desk = Client::new(&router);
        desk.signed_in("reception").await;
        let page = desk.get("/staff/messages/outbox").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let table = &page.body[page.body.find("id=\"replies\"").expect("a replies table")..];
        let table = &table[..table.find("</table>").unwrap()];
        assert_eq!(table.matches("<tr>").count(), 1 + 3, "a header and three replies: {table}");
        assert!(table.contains("not on any record") && table.contains("more than one record") && table.contains("Not CANCEL or STOP"), "{table}");
        assert!(table.contains(&format!("href=\"/staff/patients/{ann}\"")), "{table}");
        assert!(!page.body.contains("Can I come") && !page.body.contains("900111"), "no words, no numbers");
    }
}
