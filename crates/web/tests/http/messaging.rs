//! The outbox API (list by state, summary, retry a dead letter, mark a task done), the outbox monitor
//! and a patient's messages as staff pages, a patient's communications history, and the outbox's metrics
//! on `/metrics`, with mail going to a real SMTP server in-process.

#[allow(unused_imports)]
use super::*;
use app::messaging::MessagingConfig;
use app::messaging::email::EmailConfig;
use app::messaging::smtp_sink::{SinkMode, SmtpSink};
use jiff::Timestamp;

struct Office {
    app: App,
    router: Router,
    desk: String,
    sink: SmtpSink,
}

async fn office(db: Db) -> Office {
    let sink = SmtpSink::start().await.unwrap();
    let config = AppConfig {
        messaging: MessagingConfig {
            email: EmailConfig::smtp(&sink.url(), "Test Practice <reception@practice.example>"),
            public_url: Some("https://carefront.example".into()),
            ..MessagingConfig::default()
        },
        ..AppConfig::default()
    };
    let (app, router) = setup_with(db, config).await;
    add_site(&app).await;
    let desk = token_for(&app, "reception").await;
    Office { app, router, desk, sink }
}

/// A patient with only an email address, and a "referral received" message queued for them.
async fn patient_with_message(o: &Office, key: &str) -> (String, uuid::Uuid) {
    let body = r#"{"given_names":"Wren","family_name":"Hale","date_of_birth":"1980-02-01","email":"wren@example.org"}"#;
    queue_for(o, body, key).await
}

/// A patient with no way to reach them at all (no phone, email or address): their message waits for staff.
async fn unreachable_patient_with_message(o: &Office, key: &str) -> (String, uuid::Uuid) {
    queue_for(o, r#"{"given_names":"Ash","family_name":"Moor","date_of_birth":"1975-05-05"}"#, key).await
}

/// Register the patient in `body` and queue a "referral received" message for them.
async fn queue_for(o: &Office, body: &str, key: &str) -> (String, uuid::Uuid) {
    let res = api(&o.router, Method::POST, "/api/v1/patients", Some(&o.desk), Some(("application/json", body))).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let patient = res.json()["id"].as_str().unwrap().to_owned();
    let now = store::Ts(Timestamp::now());
    let job = store::scheduling::OutboxRow {
        id: domain::new_id(),
        kind: "referral-received".into(),
        dedupe_key: key.into(),
        patient_id: Some(patient.parse().unwrap()),
        appointment_id: None,
        payload: "{}".into(),
        due_at: now,
        state: "queued".into(),
        attempts: 0,
        created_at: now,
    };
    let mut tx = o.app.db().begin().await.unwrap();
    store::scheduling::enqueue(&mut tx, &job).await.unwrap();
    tx.commit().await.unwrap();
    (patient, job.id)
}

/// The value of the first line of `/metrics` for `name` with all these labels.
fn metric(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
        .find(|l| labels.iter().all(|want| l.contains(want)))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// Daytime tomorrow, London: no quiet hours.
fn daytime() -> Timestamp {
    let day = jiff::Zoned::now().date().tomorrow().unwrap();
    day.at(11, 0, 0, 0).in_tz("Europe/London").unwrap().timestamp()
}

both_backends! {
    async fn a_task_for_staff_is_marked_done_through_the_api_and_bad_notes_change_nothing(db: Db) {
        let o = office(db).await;
        let (_, job) = unreachable_patient_with_message(&o, "referral-received:ash").await;
        o.app.run_outbox_once("test", daytime()).await.unwrap();
        let summary = api(&o.router, Method::GET, "/api/v1/outbox/summary", Some(&o.desk), None).await;
        assert_eq!(summary.status, StatusCode::OK, "{}", summary.body);
        let s = summary.json();
        assert_eq!((s["jobs"]["needs_staff"].as_i64(), s["jobs"]["dead"].as_i64(), s["due_now"].as_i64()), (Some(1), Some(0), Some(0)), "{s}");
        assert_eq!(s["messages"]["delivered"], 0, "every status is listed: {s}");

        let uri = format!("/api/v1/outbox/{job}/done");
        for (body, field) in [(r#"{"note":"   "}"#, "note"), (&*format!(r#"{{"note":"{}"}}"#, "x".repeat(501)), "note")] {
            let bad = api(&o.router, Method::POST, &uri, Some(&o.desk), Some(("application/json", body))).await;
            let p = assert_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");
            assert_eq!(p["errors"][0]["field"], field, "{p}");
        }
        let unknown = api(&o.router, Method::POST, &uri, Some(&o.desk), Some(("application/json", r#"{"note":"ok","colour":"red"}"#))).await;
        assert!(unknown.status.is_client_error(), "{}", unknown.body);
        let still = store::messaging::outbox::job(o.app.db(), job).await.unwrap().unwrap();
        assert_eq!(still.state, "needs_staff", "a refused note changes nothing");

        let done = api(&o.router, Method::POST, &uri, Some(&o.desk), Some(("application/json", r#"{"note":"Phoned the patient"}"#))).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert_eq!(done.json()["state"], "sent");
        assert!(done.json()["last_error"].as_str().unwrap().ends_with("Phoned the patient"), "{}", done.body);
        let again = api(&o.router, Method::POST, &uri, Some(&o.desk), Some(("application/json", r#"{"note":"Again"}"#))).await;
        assert_problem(&again, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");
        let missing = api(&o.router, Method::POST, &format!("/api/v1/outbox/{}/done", uuid::Uuid::now_v7()), Some(&o.desk), Some(("application/json", r#"{"note":"x"}"#))).await;
        assert_problem(&missing, StatusCode::NOT_FOUND, "not-found");
        let gp = token_for(&o.app, "clinician").await;
        let refused = api(&o.router, Method::GET, "/api/v1/outbox/summary", Some(&gp), None).await;
        assert_problem(&refused, StatusCode::FORBIDDEN, "forbidden");
        assert!(audit_actions(&o.app).await.iter().any(|(a, outcome, _)| a == "close_outbox_task" && outcome == "allowed"));
    }

    async fn the_outbox_page_lists_what_needs_a_person_and_staff_retry_or_close_it(db: Db) {
        let o = office(db).await;
        let (ash, stuck) = unreachable_patient_with_message(&o, "referral-received:ash").await;
        let (_, dead) = patient_with_message(&o, "referral-received:wren").await;
        o.sink.set_mode(SinkMode::RefusePermanently);
        o.app.run_outbox_once("test", daytime()).await.unwrap();
        o.sink.set_mode(SinkMode::Accept);

        let mut desk = Client::new(&o.router);
        let csrf = desk.signed_in("reception").await;
        let page = desk.get("/staff/messages/outbox").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("Needs attention (2)") && page.body.contains("Waiting for staff") && page.body.contains("Dead letter"), "{}", page.body);
        assert!(page.body.contains("No way to reach the patient"), "the task says what to do");
        assert!(page.body.contains(&format!("href=\"/staff/patients/{ash}\"")), "links to the record");
        assert!(!page.body.contains("Ash") && !page.body.contains("MOOR"), "no patient names in the outbox list");
        assert!(page.body.contains(&format!("action=\"/staff/messages/outbox/{dead}/retry\"")));

        // Try again: the dead letter goes back in the queue and is sent.
        let retried = desk.post_form(&format!("/staff/messages/outbox/{dead}/retry"), &[("csrf_token", &csrf)]).await;
        assert_eq!((retried.status, retried.location()), (StatusCode::SEE_OTHER, "/staff/messages/outbox"));
        assert!(desk.get("/staff/messages/outbox").await.body.contains("put back in the queue"));
        o.app.run_outbox_once("test", Timestamp::now()).await.unwrap();
        assert_eq!(o.sink.count(), 1);
        let sent = desk.get("/staff/messages/outbox?state=sent").await;
        assert!(sent.body.contains("aria-current=\"page\"><strong>Sent (1)"), "{}", sent.body);

        // Mark done: an empty note is refused with an error summary and changes nothing.
        let form = desk.get(&format!("/staff/messages/outbox/{stuck}/done")).await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        let empty = desk.post_form(&format!("/staff/messages/outbox/{stuck}/done"), &[("csrf_token", &csrf), ("note", " ")]).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(empty.body.contains("app-error-summary") && empty.body.contains("href=\"#note\""), "{}", empty.body);
        assert_eq!(store::messaging::outbox::job(o.app.db(), stuck).await.unwrap().unwrap().state, "needs_staff");
        let no_csrf = desk.post_form(&format!("/staff/messages/outbox/{stuck}/done"), &[("note", "Phoned")]).await;
        assert!(no_csrf.status.is_client_error());
        let done = desk.post_form(&format!("/staff/messages/outbox/{stuck}/done"), &[("csrf_token", &csrf), ("note", "Phoned the patient")]).await;
        assert_eq!((done.status, done.location()), (StatusCode::SEE_OTHER, "/staff/messages/outbox"));
        let after = desk.get("/staff/messages/outbox").await;
        assert!(after.body.contains("marked done") && after.body.contains("Needs attention (0)"), "{}", after.body);
        // Done twice (another tab): nothing changes, and the outbox says so.
        let twice = desk.post_form(&format!("/staff/messages/outbox/{stuck}/done"), &[("csrf_token", &csrf), ("note", "Again")]).await;
        assert_eq!(twice.status, StatusCode::SEE_OTHER);
        assert!(desk.get("/staff/messages/outbox").await.body.contains("Nothing changed"));

        let bad = desk.get("/staff/messages/outbox?state=lost").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        let mut gp = Client::new(&o.router);
        gp.signed_in("clinician").await;
        assert_eq!(gp.get("/staff/messages/outbox").await.status, StatusCode::FORBIDDEN);
    }

    async fn a_patients_messages_page_shows_each_message_with_the_banner(db: Db) {
        let o = office(db).await;
        let (patient, _) = patient_with_message(&o, "referral-received:wren").await;
        o.app.run_outbox_once("test", daytime()).await.unwrap();
        let mut desk = Client::new(&o.router);
        desk.signed_in("reception").await;
        let record = desk.get(&format!("/staff/patients/{patient}")).await;
        assert!(record.body.contains(&format!("href=\"/staff/patients/{patient}/messages\"")));
        let page = desk.get(&format!("/staff/patients/{patient}/messages")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("app-banner") && page.body.contains("HALE"), "the patient banner");
        assert!(page.body.contains("Referral received") && page.body.contains("wren@example.org") && page.body.contains(">Sent<"), "{}", page.body);
        assert!(page.body.contains("<details"), "the text is there to read");
        let missing = desk.get(&format!("/staff/patients/{}/messages", uuid::Uuid::now_v7())).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        let mut admin = Client::new(&o.router);
        admin.signed_in("admin").await;
        assert_eq!(admin.get(&format!("/staff/patients/{patient}/messages")).await.status, StatusCode::FORBIDDEN);
        assert!(audit_actions(&o.app).await.iter().filter(|(a, outcome, _)| a == "view_patient_messages" && outcome == "allowed").count() >= 1);
    }

    async fn staff_see_the_outbox_by_state_and_bad_queries_are_refused(db: Db) {
        let o = office(db).await;
        let (_, job) = patient_with_message(&o, "referral-received:wren").await;
        let queued = api(&o.router, Method::GET, "/api/v1/outbox?state=queued", Some(&o.desk), None).await;
        assert_eq!(queued.status, StatusCode::OK, "{}", queued.body);
        assert_eq!(queued.json()[0]["id"], job.to_string());
        assert_eq!(o.app.run_outbox_once("test", daytime()).await.unwrap(), 1);
        assert_eq!(o.sink.count(), 1);
        let sent = api(&o.router, Method::GET, "/api/v1/outbox?state=sent&limit=10", Some(&o.desk), None).await.json();
        assert_eq!(sent[0]["id"], job.to_string());
        assert_eq!(sent[0]["channel"], "email");
        assert_eq!(sent[0]["attempts"], 1);
        assert!(sent[0].get("body_text").is_none(), "no message text in the outbox list");

        let bad = api(&o.router, Method::GET, "/api/v1/outbox?state=lost", Some(&o.desk), None).await;
        assert_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");
        let bad = api(&o.router, Method::GET, "/api/v1/outbox?limit=lots&colour=red", Some(&o.desk), None).await;
        let p = assert_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");
        assert_eq!(p["errors"].as_array().unwrap().len(), 2, "{p}");
        let gp = token_for(&o.app, "clinician").await;
        let refused = api(&o.router, Method::GET, "/api/v1/outbox", Some(&gp), None).await;
        assert_problem(&refused, StatusCode::FORBIDDEN, "forbidden");
        // The system administrator looks after the outbox too (under system administration).
        let admin = token_for(&o.app, "admin").await;
        let listed = api(&o.router, Method::GET, "/api/v1/outbox", Some(&admin), None).await;
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
        let summary = api(&o.router, Method::GET, "/api/v1/outbox/summary", Some(&admin), None).await;
        assert_eq!(summary.status, StatusCode::OK, "{}", summary.body);
        let anonymous = api(&o.router, Method::GET, "/api/v1/outbox", None, None).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    }

    async fn a_dead_letter_is_retried_through_the_api(db: Db) {
        let o = office(db).await;
        let (_, job) = patient_with_message(&o, "referral-received:wren").await;
        o.sink.set_mode(SinkMode::RefusePermanently);
        o.app.run_outbox_once("test", daytime()).await.unwrap();
        let dead = api(&o.router, Method::GET, "/api/v1/outbox?state=dead", Some(&o.desk), None).await.json();
        assert_eq!(dead[0]["id"], job.to_string());
        assert!(dead[0]["last_error"].as_str().unwrap().contains("refused"), "{dead}");

        o.sink.set_mode(SinkMode::Accept);
        let uri = format!("/api/v1/outbox/{job}/retry");
        let retried = api(&o.router, Method::POST, &uri, Some(&o.desk), None).await;
        assert_eq!(retried.status, StatusCode::OK, "{}", retried.body);
        assert_eq!((retried.json()["state"].as_str(), retried.json()["attempts"].as_i64()), (Some("queued"), Some(0)));
        let again = api(&o.router, Method::POST, &uri, Some(&o.desk), None).await;
        assert_problem(&again, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");
        let missing = api(&o.router, Method::POST, &format!("/api/v1/outbox/{}/retry", uuid::Uuid::now_v7()), Some(&o.desk), None).await;
        assert_problem(&missing, StatusCode::NOT_FOUND, "not-found");
        let junk = api(&o.router, Method::POST, "/api/v1/outbox/not-an-id/retry", Some(&o.desk), None).await;
        assert!(junk.status.is_client_error(), "{}", junk.status);
        o.app.run_outbox_once("test", Timestamp::now()).await.unwrap();
        let after = store::messaging::outbox::job(o.app.db(), job).await.unwrap().unwrap();
        assert_eq!(o.sink.count(), 1, "{after:?}");
        assert!(audit_actions(&o.app).await.iter().any(|(a, outcome, _)| a == "retry_outbox_job" && outcome == "allowed"));
    }

    async fn a_patients_messages_are_read_with_the_access_policy_and_audited(db: Db) {
        let o = office(db).await;
        let (patient, _) = patient_with_message(&o, "referral-received:wren").await;
        o.app.run_outbox_once("test", daytime()).await.unwrap();
        let uri = format!("/api/v1/patients/{patient}/messages");
        let res = api(&o.router, Method::GET, &uri, Some(&o.desk), None).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let m = &res.json()[0];
        assert_eq!((m["channel"].as_str(), m["status"].as_str(), m["address"].as_str()), (Some("email"), Some("sent"), Some("wren@example.org")));
        assert_eq!(m["language"], "en");
        assert!(m["body_text"].as_str().unwrap().contains("Wren"));
        assert!(audit_actions(&o.app).await.iter().any(|(a, outcome, _)| a == "view_patient_messages" && outcome == "allowed"));
        // The system administrator does not read patients' records; the refusal is audited.
        let admin = token_for(&o.app, "admin").await;
        let refused = api(&o.router, Method::GET, &uri, Some(&admin), None).await;
        assert_problem(&refused, StatusCode::FORBIDDEN, "forbidden");
        let missing = api(&o.router, Method::GET, &format!("/api/v1/patients/{}/messages", uuid::Uuid::now_v7()), Some(&o.desk), None).await;
        assert_problem(&missing, StatusCode::NOT_FOUND, "not-found");
        assert!(audit_actions(&o.app).await.iter().any(|(a, outcome, _)| a == "view_patient" && outcome == "denied"));
    }

    async fn metrics_count_messages_by_kind_channel_and_outcome_and_show_the_queue(db: Db) {
        let o = office(db).await;
        let (patient, _) = patient_with_message(&o, "referral-received:wren").await;
        // Scraping reads the queue: one job queued and due (other tests in this process may add to the
        // counters, never to this database's queue).
        let before = api(&o.router, Method::GET, "/metrics", None, None).await;
        assert_eq!(before.status, StatusCode::OK);
        assert_eq!(metric(&before.body, "outbox_jobs", &["state=\"queued\""]), Some(1.0), "{}", before.body);
        assert_eq!(metric(&before.body, "outbox_due_jobs", &[]), Some(1.0), "{}", before.body);
        let waited = metric(&before.body, "outbox_oldest_due_seconds", &[]).unwrap();
        assert!((0.0..120.0).contains(&waited), "{waited}");

        assert_eq!(o.app.run_outbox_once("test", daytime()).await.unwrap(), 1);
        // A second message for her, which the mail server refuses for good: a dead letter.
        o.sink.set_mode(SinkMode::RefusePermanently);
        let now = store::Ts(Timestamp::now());
        let again = store::scheduling::OutboxRow {
            id: domain::new_id(),
            kind: "referral-received".into(),
            dedupe_key: "referral-received:wren-again".into(),
            patient_id: Some(patient.parse().unwrap()),
            appointment_id: None,
            payload: "{}".into(),
            due_at: now,
            state: "queued".into(),
            attempts: 0,
            created_at: now,
        };
        let mut tx = o.app.db().begin().await.unwrap();
        store::scheduling::enqueue(&mut tx, &again).await.unwrap();
        tx.commit().await.unwrap();
        o.app.run_outbox_once("test", daytime()).await.unwrap();
        let after = api(&o.router, Method::GET, "/metrics", None, None).await.body;
        let kind = "kind=\"referral-received\"";
        let sent = metric(&after, "outbox_messages_total", &[kind, "channel=\"email\"", "outcome=\"sent\""]);
        assert!(sent.is_some_and(|n| n >= 1.0), "{after}");
        let refused = metric(&after, "outbox_messages_total", &[kind, "channel=\"email\"", "outcome=\"failed_permanent\""]);
        assert!(refused.is_some_and(|n| n >= 1.0), "{after}");
        assert!(metric(&after, "outbox_jobs_total", &[kind, "outcome=\"sent\""]).is_some_and(|n| n >= 1.0), "{after}");
        assert!(metric(&after, "outbox_jobs_total", &[kind, "outcome=\"dead\""]).is_some_and(|n| n >= 1.0), "{after}");
        assert_eq!(metric(&after, "outbox_jobs", &["state=\"dead\""]), Some(1.0), "{after}");
        assert_eq!(metric(&after, "outbox_jobs", &["state=\"queued\""]), Some(0.0), "{after}");
        assert_eq!(metric(&after, "outbox_due_jobs", &[]), Some(0.0), "{after}");
        assert_eq!(metric(&after, "outbox_oldest_due_seconds", &[]), Some(0.0), "{after}");
        assert!(!after.contains("wren") && !after.contains("Wren"), "no patient data in metrics");
    }
}
