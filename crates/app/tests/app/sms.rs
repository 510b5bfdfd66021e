//! The SMS drivers against a local HTTP server that speaks GOV.UK Notify's and Twilio's documented request
//! and response shapes: the Notify JWT checked independently (header, `iss`, `iat`, HS256 signature), the
//! Twilio form and basic auth, the dedupe key as the reference, and how each provider's refusals and
//! silences map to permanent and temporary failures. Also Twilio's request signature against the example
//! in Twilio's own libraries.

use app::messaging::receipts::{DeliveryStatus, ReceiptKeys, twilio_signature, twilio_signature_valid};
use app::messaging::sms::{
    LogDriver, NotifyConfig, NotifyDriver, OutgoingSms, SmsConfig, SmsError, SmsSender, TwilioConfig, TwilioDriver,
    sms_sender, try_sms_sender,
};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use carefront_app as app;
use secrecy::SecretString;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SERVICE_ID: &str = "26785a09-ab16-4eb0-8407-a37497a57506";
const SECRET_KEY: &str = "3d844edf-8d35-48ac-975b-e847b4f122b0";
const TEMPLATE_ID: &str = "f33517ff-2a88-4f6e-b855-c550268ce08a";
const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
const AUTH_TOKEN: &str = "twilio-auth-token-for-tests";
const NUMBER: &str = "+447700900123";

/// What the fake provider should answer next.
#[derive(Clone)]
enum Answer {
    Normal,
    Status(u16, Value),
    Slow(Duration),
    /// 201 with a body that is not the documented shape.
    Garbled,
}

/// One request the fake provider received.
#[derive(Debug, Clone)]
struct Seen {
    authorization: String,
    content_type: String,
    body: String,
}

#[derive(Clone)]
struct Fake {
    answer: Arc<Mutex<Answer>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// Notify's notifications by reference (for `GET /v2/notifications?reference=`).
    sent: Arc<Mutex<Vec<(String, String)>>>,
}

impl Fake {
    fn answer(&self, a: Answer) {
        *self.answer.lock().unwrap() = a;
    }
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn answer_now(fake: &Fake) -> Option<Response> {
    let a = fake.answer.lock().unwrap().clone();
    match a {
        Answer::Normal => None,
        Answer::Status(code, body) => Some((StatusCode::from_u16(code).unwrap(), axum::Json(body)).into_response()),
        Answer::Slow(d) => {
            tokio::time::sleep(d).await;
            None
        }
        Answer::Garbled => Some((StatusCode::CREATED, "<html>ok</html>").into_response()),
    }
}

fn record(fake: &Fake, headers: &HeaderMap, body: &str) {
    let h = |n: header::HeaderName| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    fake.seen.lock().unwrap().push(Seen {
        authorization: h(header::AUTHORIZATION),
        content_type: h(header::CONTENT_TYPE),
        body: body.to_owned(),
    });
}

/// `POST /v2/notifications/sms`, as documented: 201 with the notification.
async fn notify_send(State(fake): State<Fake>, headers: HeaderMap, body: String) -> Response {
    record(&fake, &headers, &body);
    if let Some(r) = answer_now(&fake).await {
        return r;
    }
    let req: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let id = uuid::Uuid::now_v7().to_string();
    let reference = req["reference"].as_str().unwrap_or_default().to_owned();
    fake.sent.lock().unwrap().push((reference.clone(), id.clone()));
    let template = req["template_id"].as_str().unwrap_or_default().to_owned();
    let created = json!({
        "id": id,
        "reference": reference,
        "content": { "body": req["personalisation"]["body"], "from_number": "GOVUK" },
        "uri": format!("https://api.notifications.service.gov.uk/v2/notifications/{id}"),
        "template": { "id": req["template_id"], "version": 1,
            "uri": format!("https://api.notifications.service.gov.uk/v2/template/{template}") },
    });
    (StatusCode::CREATED, axum::Json(created)).into_response()
}

/// `GET /v2/notifications?reference=…`.
async fn notify_list(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    record(&fake, &headers, "");
    let wanted = q.get("reference").cloned().unwrap_or_default();
    let found: Vec<Value> = fake
        .sent
        .lock()
        .unwrap()
        .iter()
        .filter(|(r, _)| *r == wanted)
        .map(|(r, id)| json!({ "id": id, "reference": r, "type": "sms", "status": "delivered" }))
        .collect();
    axum::Json(json!({ "notifications": found, "links": { "current": "…" } })).into_response()
}

/// `POST /2010-04-01/Accounts/{sid}/Messages.json`, as documented: 201 with the message resource.
async fn twilio_send(State(fake): State<Fake>, Path(sid): Path<String>, headers: HeaderMap, body: String) -> Response {
    record(&fake, &headers, &body);
    if let Some(r) = answer_now(&fake).await {
        return r;
    }
    let form: HashMap<String, String> = serde_urlencoded::from_str(&body).unwrap_or_default();
    let message_sid = format!("SM{}", uuid::Uuid::now_v7().simple());
    let created = json!({
        "account_sid": sid, "api_version": "2010-04-01", "body": form.get("Body"),
        "from": form.get("From"), "to": form.get("To"), "messaging_service_sid": form.get("MessagingServiceSid"),
        "num_segments": "1", "sid": message_sid, "status": "queued", "error_code": null, "error_message": null,
        "uri": format!("/2010-04-01/Accounts/{sid}/Messages/{message_sid}.json"),
    });
    (StatusCode::CREATED, axum::Json(created)).into_response()
}

async fn fake_provider() -> (String, Fake) {
    let fake =
        Fake { answer: Arc::new(Mutex::new(Answer::Normal)), seen: Default::default(), sent: Default::default() };
    let router = Router::new()
        .route("/v2/notifications/sms", post(notify_send))
        .route("/v2/notifications", get(notify_list))
        .route("/2010-04-01/Accounts/{sid}/Messages.json", post(twilio_send))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}"), fake)
}

fn notify_config(base: &str) -> NotifyConfig {
    NotifyConfig {
        // Key names may contain hyphens.
        api_key: SecretString::from(format!("carefront-live-key-{SERVICE_ID}-{SECRET_KEY}")),
        template_id: TEMPLATE_ID.into(),
        base_url: Some(base.to_owned()),
        timeout: Duration::from_millis(800),
    }
}

fn twilio_config(base: &str, from: &str) -> TwilioConfig {
    TwilioConfig {
        account_sid: ACCOUNT_SID.into(),
        auth_token: SecretString::from(AUTH_TOKEN),
        from: from.into(),
        base_url: Some(base.to_owned()),
        status_callback_url: Some("https://carefront.example.nhs.uk/api/v1/receipts/twilio".into()),
        timeout: Duration::from_millis(800),
    }
}

fn sms(reference: &str) -> OutgoingSms {
    OutgoingSms {
        to: NUMBER.into(),
        body: "Reminder: GP appointment on Tuesday 3 March at 9:10am. To cancel, reply CANCEL.".into(),
        reference: reference.into(),
    }
}

/// Checks a Notify token the way Notify does, written apart from the driver: split, decode, recompute.
fn verify_notify_jwt(token: &str, secret: &str) -> Value {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWT has three parts: {token}");
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header, json!({ "typ": "JWT", "alg": "HS256" }));
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    ring::hmac::verify(&key, format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .expect("the JWT is signed with the API key's secret");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap()
}

// ------------------------------------------------------------------------------------------------ Notify

#[tokio::test]
async fn notify_sends_a_signed_templated_message_with_the_dedupe_key_as_reference() {
    let (base, fake) = fake_provider().await;
    let driver = NotifyDriver::new(&notify_config(&base)).unwrap();
    assert_eq!(driver.name(), "notify");
    let before = jiff::Timestamp::now().as_second();
    let accepted = driver.send(&sms("reminder:0190a1b2:P7D")).await.unwrap();
    let after = jiff::Timestamp::now().as_second();
    assert!(uuid::Uuid::parse_str(&accepted.provider_id).is_ok(), "Notify's id: {}", accepted.provider_id);

    let seen = fake.seen();
    assert_eq!(seen.len(), 1);
    let token = seen[0].authorization.strip_prefix("Bearer ").expect("a bearer token");
    let claims = verify_notify_jwt(token, SECRET_KEY);
    assert_eq!(claims["iss"], SERVICE_ID);
    let iat = claims["iat"].as_i64().expect("iat in seconds");
    assert!((before..=after).contains(&iat), "iat {iat} not within {before}..={after}");
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let wrong = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"not-the-secret");
    assert!(ring::hmac::verify(&wrong, signed.as_bytes(), &URL_SAFE_NO_PAD.decode(signature).unwrap()).is_err());

    assert!(seen[0].content_type.starts_with("application/json"));
    let body: Value = serde_json::from_str(&seen[0].body).unwrap();
    assert_eq!(
        body,
        json!({
            "phone_number": NUMBER,
            "template_id": TEMPLATE_ID,
            "personalisation": { "body": sms("x").body },
            "reference": "reminder:0190a1b2:P7D",
        })
    );
}

#[tokio::test]
async fn notify_finds_a_message_already_sent_by_its_reference() {
    let (base, _fake) = fake_provider().await;
    let driver = NotifyDriver::new(&notify_config(&base)).unwrap();
    let lookup = driver.lookup().expect("Notify can look messages up by reference");
    assert_eq!(lookup.find_by_reference("reminder:a:P2D").await.unwrap(), None);
    let accepted = driver.send(&sms("reminder:a:P2D")).await.unwrap();
    assert_eq!(lookup.find_by_reference("reminder:a:P2D").await.unwrap(), Some(accepted));
    assert!(TwilioDriver::new(&twilio_config(&base, "+441234567890")).unwrap().lookup().is_none());
}

#[tokio::test]
async fn notify_refusals_are_permanent_and_limits_and_outages_temporary() {
    let (base, fake) = fake_provider().await;
    let driver = NotifyDriver::new(&notify_config(&base)).unwrap();
    let cases = [
        (400, "BadRequestError", "phone_number Not a UK mobile number +447700900123", true),
        (403, "AuthError", "Invalid token: API key not found", true),
        (429, "RateLimitError", "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds", false),
        (500, "Exception", "Internal server error", false),
        (503, "Exception", "Service unavailable", false),
    ];
    for (code, error, message, permanent) in cases {
        fake.answer(Answer::Status(
            code,
            json!({ "status_code": code, "errors": [{ "error": error, "message": message }] }),
        ));
        let e = driver.send(&sms("r")).await.unwrap_err();
        match (&e, permanent) {
            (SmsError::Permanent(m), true) | (SmsError::Temporary(m), false) => {
                assert!(m.contains(&code.to_string()) && m.contains(error), "{code}: {m}");
                assert!(!m.contains("7700900123"), "the phone number must not be kept: {m}");
            }
            _ => panic!("{code} mapped to {e:?}"),
        }
    }
    // Too slow: given up, and worth another try.
    fake.answer(Answer::Slow(Duration::from_secs(3)));
    assert!(matches!(driver.send(&sms("r")).await, Err(SmsError::Temporary(m)) if m.contains("timed out")));
    // Taken, but the answer cannot be read: not "refused" (that would fall back and double up).
    fake.answer(Answer::Garbled);
    assert!(matches!(driver.send(&sms("r")).await, Err(SmsError::Temporary(_))));
}

#[tokio::test]
async fn an_unreachable_provider_is_a_temporary_failure() {
    // A port that was just free: nothing listens there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let notify = NotifyDriver::new(&notify_config(&base)).unwrap();
    assert!(matches!(notify.send(&sms("r")).await, Err(SmsError::Temporary(_))));
    let twilio = TwilioDriver::new(&twilio_config(&base, "+441234567890")).unwrap();
    assert!(matches!(twilio.send(&sms("r")).await, Err(SmsError::Temporary(_))));
}

#[test]
fn notify_settings_are_checked() {
    let good = notify_config("https://api.notifications.service.gov.uk");
    assert!(SmsConfig::Notify(good.clone()).validate().is_ok());
    for key in [
        "",
        "not-a-key",
        &format!("name-{SERVICE_ID}"),
        &format!("name-{SERVICE_ID}-not-a-uuid-at-all-not-a-uuid-at-al"),
    ] {
        let c = NotifyConfig { api_key: SecretString::from(key.to_owned()), ..good.clone() };
        let e = SmsConfig::Notify(c).validate().unwrap_err();
        assert!(e.to_string().contains("{key_name}-{service_id}-{secret_key}"), "{key}: {e}");
        assert!(!e.to_string().contains(SECRET_KEY));
    }
    let c = NotifyConfig { template_id: "reminders".into(), ..good.clone() };
    assert!(SmsConfig::Notify(c).validate().is_err());
    let c = NotifyConfig { base_url: Some("ftp://example".into()), ..good };
    assert!(SmsConfig::Notify(c).validate().is_err());
}

// ------------------------------------------------------------------------------------------------ Twilio

#[tokio::test]
async fn twilio_posts_the_form_with_basic_auth_and_the_status_callback() {
    let (base, fake) = fake_provider().await;
    let driver = TwilioDriver::new(&twilio_config(&base, "+441234567890")).unwrap();
    assert_eq!(driver.name(), "twilio");
    let accepted = driver.send(&sms("reminder:0190a1b2:P7D")).await.unwrap();
    assert!(accepted.provider_id.starts_with("SM") && accepted.provider_id.len() == 34, "{}", accepted.provider_id);

    let seen = fake.seen();
    assert_eq!(seen.len(), 1);
    let basic = seen[0].authorization.strip_prefix("Basic ").expect("basic auth");
    assert_eq!(String::from_utf8(STANDARD.decode(basic).unwrap()).unwrap(), format!("{ACCOUNT_SID}:{AUTH_TOKEN}"));
    assert_eq!(seen[0].content_type, "application/x-www-form-urlencoded");
    let form: HashMap<String, String> = serde_urlencoded::from_str(&seen[0].body).unwrap();
    assert_eq!(
        form,
        HashMap::from([
            ("To".to_owned(), NUMBER.to_owned()),
            ("From".to_owned(), "+441234567890".to_owned()),
            ("Body".to_owned(), sms("x").body),
            ("StatusCallback".to_owned(), "https://carefront.example.nhs.uk/api/v1/receipts/twilio".to_owned()),
        ])
    );
}

#[tokio::test]
async fn twilio_can_send_through_a_messaging_service() {
    let (base, fake) = fake_provider().await;
    let service = "MG0123456789abcdef0123456789abcdef";
    let driver = TwilioDriver::new(&twilio_config(&base, service)).unwrap();
    driver.send(&sms("r")).await.unwrap();
    let form: HashMap<String, String> = serde_urlencoded::from_str(&fake.seen()[0].body).unwrap();
    assert_eq!(form.get("MessagingServiceSid").map(String::as_str), Some(service));
    assert!(!form.contains_key("From"));
}

#[tokio::test]
async fn twilio_refusals_are_permanent_and_limits_and_outages_temporary() {
    let (base, fake) = fake_provider().await;
    let driver = TwilioDriver::new(&twilio_config(&base, "+441234567890")).unwrap();
    let cases = [
        (400, 21211, "The 'To' number +447700900123 is not a valid phone number.", true),
        (401, 20003, "Authenticate", true),
        (404, 20404, "The requested resource was not found", true),
        (429, 20429, "Too Many Requests", false),
        (500, 20500, "Internal Server Error", false),
    ];
    for (code, twilio_code, message, permanent) in cases {
        fake.answer(Answer::Status(
            code,
            json!({
                "code": twilio_code,
                "message": message,
                "more_info": format!("https://www.twilio.com/docs/errors/{twilio_code}"),
                "status": code,
            }),
        ));
        let e = driver.send(&sms("r")).await.unwrap_err();
        match (&e, permanent) {
            (SmsError::Permanent(m), true) | (SmsError::Temporary(m), false) => {
                assert!(m.contains(&twilio_code.to_string()), "{code}: {m}");
                assert!(!m.contains("7700900123"), "the phone number must not be kept: {m}");
            }
            _ => panic!("{code} mapped to {e:?}"),
        }
    }
    fake.answer(Answer::Slow(Duration::from_secs(3)));
    assert!(matches!(driver.send(&sms("r")).await, Err(SmsError::Temporary(_))));
}

#[test]
fn twilio_settings_are_checked() {
    let good = twilio_config("https://api.twilio.com", "+441234567890");
    assert!(SmsConfig::Twilio(good.clone()).validate().is_ok());
    assert!(SmsConfig::Twilio(TwilioConfig { account_sid: "AC123".into(), ..good.clone() }).validate().is_err());
    assert!(SmsConfig::Twilio(TwilioConfig { from: " ".into(), ..good.clone() }).validate().is_err());
    assert!(SmsConfig::Twilio(TwilioConfig { auth_token: SecretString::from(""), ..good }).validate().is_err());
}

// --------------------------------------------------------------------------------------------------- log

#[tokio::test]
async fn the_log_driver_sends_nothing_and_answers_with_a_made_up_id() {
    let sender = sms_sender(&SmsConfig::default());
    assert_eq!(sender.name(), "log");
    let a = sender.send(&sms("r")).await.unwrap();
    let b = LogDriver.send(&sms("r")).await.unwrap();
    assert!(a.provider_id.starts_with("log-") && a.provider_id != b.provider_id);
}

#[tokio::test]
async fn settings_that_do_not_work_give_a_driver_that_keeps_messages_waiting() {
    let bad = SmsConfig::Notify(NotifyConfig {
        api_key: SecretString::from("nonsense"),
        ..notify_config("https://api.notifications.service.gov.uk")
    });
    assert!(try_sms_sender(&bad).is_err());
    let sender = sms_sender(&bad);
    assert_eq!(sender.name(), "notify");
    assert!(matches!(sender.send(&sms("r")).await, Err(SmsError::Temporary(m)) if m.contains("not set up")));
}

// ------------------------------------------------------------------------------------------- receipts

#[test]
fn twilio_signatures_match_twilios_own_example() {
    // The example in Twilio's request-validator tests.
    let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
    let params: Vec<(String, String)> = [
        ("CallSid", "CA1234567890ABCDE"),
        ("Caller", "+14158675309"),
        ("Digits", "1234"),
        ("From", "+14158675309"),
        ("To", "+18005551212"),
    ]
    .iter()
    .rev() // order received does not matter
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(twilio_signature("12345", url, &params), "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
    assert!(twilio_signature_valid("12345", url, &params, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
    assert!(!twilio_signature_valid("12346", url, &params, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
    assert!(!twilio_signature_valid(
        "12345",
        "https://mycompany.com/myapp.php",
        &params,
        "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    ));
    assert!(!twilio_signature_valid("12345", url, &params[1..], "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
    assert!(!twilio_signature_valid("12345", url, &params, "not base64 !"));
    assert!(!twilio_signature_valid("12345", url, &params, ""));
    let keys = ReceiptKeys { twilio_auth_token: Some(SecretString::from("12345")), ..Default::default() };
    assert_eq!(keys.twilio_signature_ok(url, &params, "RSOYDt4T1cUTdK1PDd93/VVr8B8="), Some(true));
    assert_eq!(ReceiptKeys::default().twilio_signature_ok(url, &params, "RSOYDt4T1cUTdK1PDd93/VVr8B8="), None);
}

#[test]
fn notify_callback_tokens_are_compared_whole() {
    let keys = ReceiptKeys { notify_callback_token: Some(SecretString::from("s3cret-callback")), ..Default::default() };
    assert_eq!(keys.notify_token_ok("s3cret-callback"), Some(true));
    for wrong in ["", "s3cret", "s3cret-callback ", "S3CRET-CALLBACK"] {
        assert_eq!(keys.notify_token_ok(wrong), Some(false), "{wrong:?}");
    }
    assert_eq!(ReceiptKeys::default().notify_token_ok("anything"), None);
}

#[test]
fn provider_statuses_map_to_delivery() {
    use DeliveryStatus::{Delivered, InProgress, NotDelivered};
    for (s, d) in [
        ("delivered", Delivered),
        ("permanent-failure", NotDelivered),
        ("temporary-failure", NotDelivered),
        ("technical-failure", NotDelivered),
        ("sending", InProgress),
    ] {
        assert_eq!(DeliveryStatus::from_notify(s), Some(d), "{s}");
    }
    for (s, d) in [
        ("queued", InProgress),
        ("sent", InProgress),
        ("delivered", Delivered),
        ("undelivered", NotDelivered),
        ("failed", NotDelivered),
    ] {
        assert_eq!(DeliveryStatus::from_twilio(s), Some(d), "{s}");
    }
    assert_eq!(DeliveryStatus::from_notify("exploded"), None);
    assert_eq!(DeliveryStatus::from_twilio("permanent-failure"), None);
}
