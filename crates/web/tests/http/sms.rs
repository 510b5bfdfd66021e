//! Delivery receipts from SMS providers: Twilio's signed status callback and Notify's callback with its
//! bearer token, on both backends. A good receipt moves the message on (a text that did not arrive sends
//! its job back to the queue for the next channel); a bad signature or token, an unknown message or a
//! malformed body changes nothing and is answered with problem+json.

#[allow(unused_imports)]
use super::*;
use app::messaging::receipts::{ReceiptKeys, twilio_signature};
use store::messaging::outbox::{self as outbox_store, MessageRow};

pub(super) const PUBLIC_URL: &str = "https://carefront.example.nhs.uk";
pub(super) const TWILIO_TOKEN: &str = "twilio-auth-token-for-tests";
pub(super) const NOTIFY_TOKEN: &str = "notify-callback-token-for-tests";
const TWILIO_PATH: &str = "/api/v1/receipts/twilio";
const NOTIFY_PATH: &str = "/api/v1/receipts/notify";

pub(super) fn receipts_router(app: &App, keys: Option<ReceiptKeys>) -> Router {
    let config = WebConfig { public_url: Some(PUBLIC_URL.into()), ..WebConfig::default() };
    let router = web::router(app.clone(), config);
    let router = match keys {
        Some(k) => router.layer(Extension(k)),
        None => router,
    };
    router.layer(Extension(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000)))))
}

pub(super) fn keys() -> ReceiptKeys {
    ReceiptKeys::new(Some(NOTIFY_TOKEN), Some(TWILIO_TOKEN))
}

/// A job whose patient's text went out (`sent`), as the worker leaves it; the message's provider id is
/// left out when `provider_id` is `None` (a receipt that overtook the worker's record).
async fn sent_text(app: &App, provider: &str, provider_id: Option<&str>) -> (uuid::Uuid, uuid::Uuid, String) {
    let now = store::Ts(domain::time::now());
    let job = uuid::Uuid::now_v7();
    let dedupe_key = format!("reminder:{job}:P2D");
    let mut tx = app.db().begin().await.unwrap();
    store::scheduling::enqueue(
        &mut tx,
        &store::scheduling::OutboxRow {
            id: job,
            kind: "reminder".into(),
            dedupe_key: dedupe_key.clone(),
            patient_id: None,
            appointment_id: None,
            payload: "{}".into(),
            due_at: now,
            state: "sent".into(),
            attempts: 1,
            created_at: now,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let message = MessageRow {
        id: uuid::Uuid::now_v7(),
        outbox_id: job,
        patient_id: None,
        appointment_id: None,
        kind: "reminder".into(),
        recipient: "patient".into(),
        recipient_name: "Test Patient".into(),
        channel: "sms".into(),
        address: "+447700900123".into(),
        language: "en".into(),
        fell_back_to_english: false,
        variant: "standard".into(),
        subject: None,
        body_text: "Reminder".into(),
        body_html: None,
        status: "sent".into(),
        reference: dedupe_key.clone(),
        provider: Some(provider.into()),
        provider_id: provider_id.map(str::to_owned),
        error: None,
        print_batch: None,
        printed_at: None,
        created_at: now,
        sent_at: Some(now),
        updated_at: now,
    };
    let id = outbox_store::upsert_message(app.db(), &message).await.unwrap();
    (job, id, dedupe_key)
}

async fn message(app: &App, job: uuid::Uuid) -> MessageRow {
    outbox_store::messages_of_job(app.db(), job).await.unwrap().remove(0)
}

async fn job_state(app: &App, job: uuid::Uuid) -> String {
    outbox_store::job(app.db(), job).await.unwrap().unwrap().state
}

fn form(fields: &[(&str, &str)]) -> (String, Vec<(String, String)>) {
    let params: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    (serde_urlencoded::to_string(&params).unwrap(), params)
}

/// Twilio's status callback as Twilio sends it, signed with `token` (`None`: no signature header).
async fn twilio_callback(router: &Router, fields: &[(&str, &str)], token: Option<&str>) -> Resp {
    let (body, params) = form(fields);
    let mut req = Request::post(TWILIO_PATH).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(t) = token {
        req = req.header("X-Twilio-Signature", twilio_signature(t, &format!("{PUBLIC_URL}{TWILIO_PATH}"), &params));
    }
    Client::new(router).send(req.body(Body::from(body)).unwrap()).await
}

fn twilio_fields<'a>(sid: &'a str, status: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("AccountSid", "AC0123456789abcdef0123456789abcdef"),
        ("ApiVersion", "2010-04-01"),
        ("From", "+441234567890"),
        ("MessageSid", sid),
        ("MessageStatus", status),
        ("SmsSid", sid),
        ("SmsStatus", status),
        ("To", "+447700900123"),
    ]
}

async fn notify_callback(router: &Router, body: &Value, token: Option<&str>) -> Resp {
    api(router, Method::POST, NOTIFY_PATH, token, Some(("application/json", &body.to_string()))).await
}

fn notify_body(id: &str, reference: &str, status: &str) -> Value {
    json!({
        "id": id, "reference": reference, "to": "07700900123", "status": status,
        "created_at": "2026-11-22T10:00:00.000000Z", "completed_at": "2026-11-22T10:00:05.000000Z",
        "sent_at": "2026-11-22T10:00:01.000000Z", "notification_type": "sms",
        "template_id": "f33517ff-2a88-4f6e-b855-c550268ce08a", "template_version": 1,
    })
}

both_backends! {
    async fn a_signed_twilio_delivery_receipt_marks_the_text_delivered_once(db: Db) {
        let app = App::new(db, AppConfig::default());
        let router = receipts_router(&app, Some(keys()));
        let sid = "SM0123456789abcdef0123456789abcdef";
        let (job, _, _) = sent_text(&app, "twilio", Some(sid)).await;

        let res = twilio_callback(&router, &twilio_fields(sid, "sent"), Some(TWILIO_TOKEN)).await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        assert_eq!(message(&app, job).await.status, "sent");
        let res = twilio_callback(&router, &twilio_fields(sid, "delivered"), Some(TWILIO_TOKEN)).await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        assert_eq!(message(&app, job).await.status, "delivered");
        // Replayed, and a late "sent" after "delivered": nothing moves back.
        for status in ["delivered", "sent", "undelivered"] {
            let res = twilio_callback(&router, &twilio_fields(sid, status), Some(TWILIO_TOKEN)).await;
            assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        }
        assert_eq!(message(&app, job).await.status, "delivered");
        assert_eq!(job_state(&app, job).await, "sent");
    }

    async fn an_undelivered_twilio_text_sends_the_job_back_for_the_next_channel(db: Db) {
        let app = App::new(db, AppConfig::default());
        let router = receipts_router(&app, Some(keys()));
        let sid = "SMfedcba9876543210fedcba9876543210";
        let (job, _, _) = sent_text(&app, "twilio", Some(sid)).await;
        let mut fields = twilio_fields(sid, "undelivered");
        fields.push(("ErrorCode", "30003"));
        let res = twilio_callback(&router, &fields, Some(TWILIO_TOKEN)).await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        let m = message(&app, job).await;
        assert_eq!(m.status, "not_delivered");
        assert!(m.error.as_deref().is_some_and(|e| e.contains("30003") && !e.contains("7700900123")), "{:?}", m.error);
        let j = outbox_store::job(app.db(), job).await.unwrap().unwrap();
        assert_eq!(j.state, "queued");
        assert!(j.last_error.as_deref().is_some_and(|e| e.contains("not delivered")), "{:?}", j.last_error);
        // A replay does not queue it again once the worker has moved on.
        let res = twilio_callback(&router, &fields, Some(TWILIO_TOKEN)).await;
        assert_eq!(res.status, StatusCode::NO_CONTENT);
    }

    async fn a_twilio_receipt_with_a_bad_or_missing_signature_is_refused_and_changes_nothing(db: Db) {
        let app = App::new(db, AppConfig::default());
        let router = receipts_router(&app, Some(keys()));
        let sid = "SM11111111111111111111111111111111";
        let (job, _, _) = sent_text(&app, "twilio", Some(sid)).await;
        let fields = twilio_fields(sid, "undelivered");
        for token in [Some("someone-elses-token"), None] {
            let res = twilio_callback(&router, &fields, token).await;
            assert_problem(&res, StatusCode::FORBIDDEN, "bad-signature");
        }
        // Signed, then changed on the way.
        let (_, params) = form(&twilio_fields(sid, "delivered"));
        let signature = twilio_signature(TWILIO_TOKEN, &format!("{PUBLIC_URL}{TWILIO_PATH}"), &params);
        let (body, _) = form(&fields);
        let req = Request::post(TWILIO_PATH)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("X-Twilio-Signature", signature)
            .body(Body::from(body))
            .unwrap();
        assert_problem(&Client::new(&router).send(req).await, StatusCode::FORBIDDEN, "bad-signature");
        // Signed for another address.
        let (body, params) = form(&fields);
        let signature = twilio_signature(TWILIO_TOKEN, &format!("https://elsewhere.example{TWILIO_PATH}"), &params);
        let req = Request::post(TWILIO_PATH)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("X-Twilio-Signature", signature)
            .body(Body::from(body))
            .unwrap();
        assert_problem(&Client::new(&router).send(req).await, StatusCode::FORBIDDEN, "bad-signature");
        assert_eq!(message(&app, job).await.status, "sent");
        assert_eq!(job_state(&app, job).await, "sent");
        // No auth token set up: every Twilio receipt is refused.
        let unset = receipts_router(&app, Some(ReceiptKeys::new(Some(NOTIFY_TOKEN), None)));
        let res = twilio_callback(&unset, &fields, Some(TWILIO_TOKEN)).await;
        assert_problem(&res, StatusCode::FORBIDDEN, "receipts-not-configured");
        let res = twilio_callback(&receipts_router(&app, None), &fields, Some(TWILIO_TOKEN)).await;
        assert_problem(&res, StatusCode::FORBIDDEN, "receipts-not-configured");
        assert_eq!(message(&app, job).await.status, "sent");
    }

    async fn twilio_receipts_for_unknown_messages_or_of_the_wrong_shape_are_problems(db: Db) {
        let app = App::new(db, AppConfig::default());
        let router = receipts_router(&app, Some(keys()));
        let unknown = twilio_fields("SM99999999999999999999999999999999", "delivered");
        let res = twilio_callback(&router, &unknown, Some(TWILIO_TOKEN)).await;
        assert_problem(&res, StatusCode::NOT_FOUND, "not-found");
        let res = twilio_callback(&router, &[("MessageSid", "SM1")], Some(TWILIO_TOKEN)).await;
        let p = assert_problem(&res, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");
        assert_eq!(p["errors"][0]["field"], "MessageStatus", "{p}");
        let res = twilio_callback(&router, &[("MessageStatus", "exploded")], Some(TWILIO_TOKEN)).await;
        let p = assert_problem(&res, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");
        assert_eq!(p["errors"].as_array().unwrap().len(), 2, "{p}");
        let req =
            Request::post(TWILIO_PATH).header(header::CONTENT_TYPE, "application/json").body(Body::from("{}")).unwrap();
        let res = Client::new(&router).send(req).await;
        assert_problem(&res, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
    }

    async fn a_notify_receipt_with_the_callback_token_updates_the_message(db: Db) {
        let app = App::new(db, AppConfig::default());
        let router = receipts_router(&app, Some(keys()));
        let id = "740e5834-3a29-46b4-9a6f-16142fde533a";
        let (job, _, reference) = sent_text(&app, "notify", Some(id)).await;
        let res = notify_callback(&router, &notify_body(id, &reference, "delivered"), Some(NOTIFY_TOKEN)).await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        assert_eq!(message(&app, job).await.status, "delivered");
        let res = notify_callback(&router, &notify_body(id, &reference, "delivered"), Some(NOTIFY_TOKEN)).await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "a replay is fine: {}", res.body);

        // A receipt that overtook the worker's record of Notify's id finds the message by reference.
        let (job, _, reference) = sent_text(&app, "notify", None).await;
        let id = "0f7e1e6e-9a54-4c4b-9a7c-8a4c5b1d2e3f";
        let res = notify_callback(&router, &notify_body(id, &reference, "permanent-failure"), Some(NOTIFY_TOKEN)).await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        let m = message(&app, job).await;
        assert_eq!((m.status.as_str(), m.provider_id.as_deref()), ("not_delivered", Some(id)));
        assert_eq!(job_state(&app, job).await, "queued");

        // The worker timed out waiting for Notify and marked the attempt a temporary failure, but Notify
        // had taken it: the receipt marks it delivered, so the retry does not send it again.
        let (job, message_id, reference) = sent_text(&app, "notify", None).await;
        let later = store::Ts(domain::time::now());
        outbox_store::finish_message(app.db(), message_id, "failed", None, Some("temporary: timed out"), later)
            .await
            .unwrap();
        let id = "9d2b6c1a-5e4f-4a3b-8c7d-6e5f4a3b2c1d";
        let res = notify_callback(&router, &notify_body(id, &reference, "delivered"), Some(NOTIFY_TOKEN)).await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        let m = message(&app, job).await;
        assert_eq!((m.status.as_str(), m.provider_id.as_deref()), ("delivered", Some(id)));
    }

    async fn a_notify_receipt_without_the_right_token_is_refused_and_changes_nothing(db: Db) {
        let app = App::new(db, AppConfig::default());
        let router = receipts_router(&app, Some(keys()));
        let id = "5b1c0d3e-1111-4a4a-8b8b-0123456789ab";
        let (job, _, reference) = sent_text(&app, "notify", Some(id)).await;
        let body = notify_body(id, &reference, "permanent-failure");
        for token in [Some("not-the-token"), Some(TWILIO_TOKEN), None] {
            let res = notify_callback(&router, &body, token).await;
            assert_problem(&res, StatusCode::UNAUTHORIZED, "unauthenticated");
            assert!(res.headers.contains_key(header::WWW_AUTHENTICATE));
        }
        // Unauthenticated and malformed: still 401, the body is not looked at.
        let res = api(&router, Method::POST, NOTIFY_PATH, None, Some(("application/json", "{not json"))).await;
        assert_problem(&res, StatusCode::UNAUTHORIZED, "unauthenticated");
        let unset = receipts_router(&app, Some(ReceiptKeys::new(None, Some(TWILIO_TOKEN))));
        let res = notify_callback(&unset, &body, Some(NOTIFY_TOKEN)).await;
        assert_problem(&res, StatusCode::FORBIDDEN, "receipts-not-configured");
        assert_eq!(message(&app, job).await.status, "sent");
        assert_eq!(job_state(&app, job).await, "sent");
    }

    async fn notify_receipts_for_unknown_messages_or_malformed_are_problems(db: Db) {
        let app = App::new(db, AppConfig::default());
        let router = receipts_router(&app, Some(keys()));
        let body = notify_body("a8a3bd2c-0000-4000-8000-000000000000", "reminder:nobody:P2D", "delivered");
        let res = notify_callback(&router, &body, Some(NOTIFY_TOKEN)).await;
        assert_problem(&res, StatusCode::NOT_FOUND, "not-found");
        let malformed = Some(("application/json", "{not json"));
        let res = api(&router, Method::POST, NOTIFY_PATH, Some(NOTIFY_TOKEN), malformed).await;
        assert_problem(&res, StatusCode::BAD_REQUEST, "malformed-json");
        let res = notify_callback(&router, &json!({ "id": "x" }), Some(NOTIFY_TOKEN)).await;
        let p = assert_problem(&res, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");
        assert_eq!(p["errors"][0]["field"], "body", "{p}");
        let res = notify_callback(&router, &json!({ "id": 7, "status": "delivered" }), Some(NOTIFY_TOKEN)).await;
        let p = assert_problem(&res, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");
        assert_eq!(p["errors"][0]["field"], "id", "{p}");
        let res = notify_callback(&router, &notify_body("x", "y", "exploded"), Some(NOTIFY_TOKEN)).await;
        let p = assert_problem(&res, StatusCode::UNPROCESSABLE_ENTITY, "validation-failed");
        assert_eq!(p["errors"][0]["field"], "status", "{p}");
        let res = api(&router, Method::POST, NOTIFY_PATH, Some(NOTIFY_TOKEN), Some(("text/plain", "delivered"))).await;
        assert_problem(&res, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
    }
}
