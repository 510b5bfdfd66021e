//! A local HTTP server that speaks GOV.UK Notify's SMS API, for tests and benchmarks (feature
//! `testkit`; never part of the product). It checks what Notify checks — the bearer JWT (HS256 over
//! `{"iss": service id, "iat": seconds}` with the API key's secret, at most 30 seconds off), the template
//! id, a phone number — and keeps what it took, so a test or the benchmark can count every text at the
//! sink: `POST /v2/notifications/sms` answers `201` with the notification, `GET /v2/notifications
//! ?reference=…` lists the notifications with that reference (what [`super::sms::SmsLookup`] asks).
//!
//! Point the Notify driver at it with `--sms-base-url` [`NotifySink::url`], `CAREFRONT_NOTIFY_API_KEY`
//! [`NotifySink::api_key`] and `--notify-template-id` [`NotifySink::template_id`].

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The sink's Notify service id (the JWT's issuer).
pub const SINK_SERVICE_ID: &str = "7d4b3c1e-2f6a-4e8b-9c0d-1a2b3c4d5e6f";
/// The sink's secret key (the JWT's HMAC key).
pub const SINK_SECRET_KEY: &str = "0f1e2d3c-4b5a-4968-8776-655443322110";
/// The one template the sink knows, whose body is `((body))`.
pub const SINK_TEMPLATE_ID: &str = "5c2a1f0e-9d8c-4b7a-8e6f-5d4c3b2a1f0e";

/// One text the sink took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakenSms {
    pub id: String,
    pub reference: String,
    pub phone_number: String,
    pub body: String,
}

#[derive(Default)]
struct Inner {
    taken: Vec<TakenSms>,
    /// Positions in `taken` by reference.
    by_reference: HashMap<String, Vec<usize>>,
    /// Requests refused (bad token, bad body), for tests that expect none.
    refused: usize,
    lookups: usize,
}

#[derive(Clone, Default)]
struct Shared {
    inner: Arc<Mutex<Inner>>,
    /// Keep bodies (tests) or not (the benchmark's hundred thousand texts).
    keep_bodies: bool,
    /// How long to wait between taking a text and answering (a slow provider), in milliseconds.
    delay_ms: Arc<std::sync::atomic::AtomicU64>,
    arrived: Arc<tokio::sync::Notify>,
}

/// A running sink; it stops when the runtime does.
#[derive(Clone)]
pub struct NotifySink {
    addr: SocketAddr,
    shared: Shared,
}

impl NotifySink {
    /// Listen on a free port on 127.0.0.1, keeping every text whole.
    pub async fn start() -> std::io::Result<NotifySink> {
        Self::listen(true).await
    }

    /// As [`NotifySink::start`], without the message bodies (for large runs).
    pub async fn start_counting() -> std::io::Result<NotifySink> {
        Self::listen(false).await
    }

    async fn listen(keep_bodies: bool) -> std::io::Result<NotifySink> {
        let shared = Shared { keep_bodies, ..Shared::default() };
        let router = Router::new()
            .route("/v2/notifications/sms", post(send))
            .route("/v2/notifications", get(list))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(NotifySink { addr, shared })
    }

    /// The base URL for `--sms-base-url`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// An API key in Notify's form (`{key_name}-{service_id}-{secret_key}`) that the sink accepts.
    pub fn api_key(&self) -> String {
        format!("carefront-sink-{SINK_SERVICE_ID}-{SINK_SECRET_KEY}")
    }

    pub fn template_id(&self) -> &'static str {
        SINK_TEMPLATE_ID
    }

    /// Every text taken so far, in order (bodies empty when only counting).
    pub fn taken(&self) -> Vec<TakenSms> {
        self.shared.inner.lock().expect("sink").taken.clone()
    }

    /// The reference of every text taken so far, in order; a text sent twice appears twice.
    pub fn references(&self) -> Vec<String> {
        self.shared.inner.lock().expect("sink").taken.iter().map(|t| t.reference.clone()).collect()
    }

    pub fn count(&self) -> usize {
        self.shared.inner.lock().expect("sink").taken.len()
    }

    /// Answer each text this long after taking it (it is counted, and found by a look-up, at once): a
    /// slow provider, so that a worker killed meanwhile leaves texts the provider already has.
    pub fn set_delay(&self, delay: Duration) {
        self.shared.delay_ms.store(delay.as_millis() as u64, std::sync::atomic::Ordering::Relaxed);
    }

    /// Requests refused (bad token, unknown template, no number).
    pub fn refused(&self) -> usize {
        self.shared.inner.lock().expect("sink").refused
    }

    /// Look-ups by reference answered.
    pub fn lookups(&self) -> usize {
        self.shared.inner.lock().expect("sink").lookups
    }

    /// Wait until at least `n` texts have arrived, or the time runs out; returns how many there are.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> usize {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.arrived.notified();
            let count = self.count();
            if count >= n {
                return count;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.count();
            }
        }
    }
}

/// Notify's error shape.
fn problem(status: StatusCode, error: &str, message: &str) -> Response {
    let body = json!({ "status_code": status.as_u16(), "errors": [{ "error": error, "message": message }] });
    (status, axum::Json(body)).into_response()
}

/// Check the bearer token as Notify does; the reason when it does not pass.
fn check_token(headers: &HeaderMap) -> Result<(), String> {
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let token = auth.strip_prefix("Bearer ").ok_or("Unauthorized: authentication token must be provided")?;
    let parts: Vec<&str> = token.split('.').collect();
    let [head, claims, signature] = parts[..] else { return Err("Invalid token: not a JWT".into()) };
    let decode = |p: &str| URL_SAFE_NO_PAD.decode(p).map_err(|_| "Invalid token: bad encoding".to_owned());
    let header: Value = serde_json::from_slice(&decode(head)?).map_err(|_| "Invalid token: bad header")?;
    if header["alg"] != "HS256" || header["typ"] != "JWT" {
        return Err("Invalid token: algorithm not allowed".into());
    }
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, SINK_SECRET_KEY.as_bytes());
    ring::hmac::verify(&key, format!("{head}.{claims}").as_bytes(), &decode(signature)?)
        .map_err(|_| "Invalid token: API key not found")?;
    let claims: Value = serde_json::from_slice(&decode(claims)?).map_err(|_| "Invalid token: bad claims")?;
    if claims["iss"] != SINK_SERVICE_ID {
        return Err("Invalid token: service id not found".into());
    }
    let iat = claims["iat"].as_i64().ok_or("Invalid token: no iat")?;
    if (jiff::Timestamp::now().as_second() - iat).abs() > 30 {
        return Err("Error: Your system clock must be accurate to within 30 seconds".into());
    }
    Ok(())
}

async fn send(State(s): State<Shared>, headers: HeaderMap, body: String) -> Response {
    let refuse = |status, error: &str, message: &str| {
        s.inner.lock().expect("sink").refused += 1;
        problem(status, error, message)
    };
    if let Err(e) = check_token(&headers) {
        return refuse(StatusCode::FORBIDDEN, "AuthError", &e);
    }
    let Ok(req) = serde_json::from_str::<Value>(&body) else {
        return refuse(StatusCode::BAD_REQUEST, "ValidationError", "body is not JSON");
    };
    if req["template_id"] != SINK_TEMPLATE_ID {
        return refuse(StatusCode::BAD_REQUEST, "BadRequestError", "Template not found");
    }
    let phone_number = req["phone_number"].as_str().unwrap_or_default().to_owned();
    if phone_number.is_empty() {
        return refuse(StatusCode::BAD_REQUEST, "ValidationError", "phone_number is a required property");
    }
    let reference = req["reference"].as_str().unwrap_or_default().to_owned();
    let text = req["personalisation"]["body"].as_str().unwrap_or_default();
    let id = uuid::Uuid::now_v7().to_string();
    {
        let mut inner = s.inner.lock().expect("sink");
        let at = inner.taken.len();
        inner.by_reference.entry(reference.clone()).or_default().push(at);
        inner.taken.push(TakenSms {
            id: id.clone(),
            reference: reference.clone(),
            phone_number,
            body: if s.keep_bodies { text.to_owned() } else { String::new() },
        });
    }
    s.arrived.notify_waiters();
    let delay = s.delay_ms.load(std::sync::atomic::Ordering::Relaxed);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let created = json!({
        "id": id,
        "reference": reference,
        "content": { "body": text, "from_number": "GOVUK" },
        "uri": format!("https://api.notifications.service.gov.uk/v2/notifications/{id}"),
        "template": { "id": SINK_TEMPLATE_ID, "version": 1,
            "uri": format!("https://api.notifications.service.gov.uk/v2/template/{SINK_TEMPLATE_ID}") },
    });
    (StatusCode::CREATED, axum::Json(created)).into_response()
}

async fn list(State(s): State<Shared>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    if let Err(e) = check_token(&headers) {
        s.inner.lock().expect("sink").refused += 1;
        return problem(StatusCode::FORBIDDEN, "AuthError", &e);
    }
    let wanted = q.get("reference").cloned().unwrap_or_default();
    let mut inner = s.inner.lock().expect("sink");
    inner.lookups += 1;
    let found: Vec<Value> = inner
        .by_reference
        .get(&wanted)
        .into_iter()
        .flatten()
        .map(|i| &inner.taken[*i])
        .map(|t| json!({ "id": t.id, "reference": t.reference, "type": "sms", "status": "delivered" }))
        .collect();
    axum::Json(json!({ "notifications": found, "links": { "current": "/v2/notifications" } })).into_response()
}
