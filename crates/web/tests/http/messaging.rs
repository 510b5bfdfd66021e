//! The outbox API (list by state, retry a dead letter), a patient's communications history, and the
//! outbox's metrics on `/metrics`, with mail going to a real SMTP server in-process.

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
