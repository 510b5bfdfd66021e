//! Delivery receipts from SMS providers: `POST /api/v1/receipts/notify` and `POST /api/v1/receipts/twilio`.
//! Not signed-in requests: each provider is checked by its own scheme (see `app::messaging::receipts`),
//! before the body is even read as a receipt. The secrets come from the `ReceiptKeys` extension the
//! binary layers onto the router; without it, or without the provider's secret, receipts are refused.

use crate::AppState;
use crate::errors::{ApiError, problem};
use crate::observe::OperationId;
use app::AppError;
use app::messaging::receipts::{DeliveryStatus, ReceiptKeys, SmsProvider, SmsReceipt};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::FieldError;
use serde::Deserialize;
use serde_json::error::Category;
use utoipa::ToSchema;

/// The callback GOV.UK Notify posts when a text message is delivered or fails. Other fields Notify sends
/// (`created_at`, `completed_at`, `sent_at`, `notification_type`, `template_id`, `template_version`) are
/// accepted and ignored.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NotifyReceipt {
    /// Notify's id for the message.
    pub id: String,
    /// The reference Carefront gave (the message's reference).
    #[serde(default)]
    pub reference: Option<String>,
    /// The phone number the message went to (not used).
    #[serde(default)]
    pub to: Option<String>,
    /// `delivered`, `permanent-failure`, `temporary-failure` or `technical-failure`.
    pub status: String,
}

/// The status callback Twilio posts (form-encoded) as a message moves on. Other parameters Twilio sends
/// (`AccountSid`, `From`, `To`, `SmsSid`, `SmsStatus`, `ApiVersion`…) are signed and otherwise ignored.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(non_snake_case, dead_code)]
pub struct TwilioReceipt {
    /// Twilio's id for the message (`SM…`).
    pub MessageSid: String,
    /// `queued`, `sent`, `delivered`, `undelivered` or `failed` (also `accepted`, `sending`, `read`,
    /// `canceled`).
    pub MessageStatus: String,
    /// Twilio's error code for a message that did not arrive.
    pub ErrorCode: Option<String>,
}

pub(super) fn op_of(parts: &Parts) -> OperationId {
    crate::auth::operation_id(parts)
}

fn refused(op: OperationId, provider: &str) -> Response {
    tracing::warn!(provider, "delivery receipt refused: Carefront has no secret to check it with");
    problem(
        StatusCode::FORBIDDEN,
        "receipts-not-configured",
        format!("Carefront is not set up to take delivery receipts from {provider}"),
        op,
        vec![],
    )
}

/// A delivery receipt from GOV.UK Notify.
///
/// Authenticated by `Authorization: Bearer` with the callback token given to Notify
/// (`--notify-callback-token`), not by a Carefront API token. A text that did not arrive sends its job
/// back to the queue for the next channel. A replayed receipt changes nothing.
#[utoipa::path(post, path = "/api/v1/receipts/notify", tag = "messaging", request_body = NotifyReceipt,
    security(()),
    responses(
        (status = 204, description = "Recorded (or already known)"),
        (status = 400, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn notify_receipt(
    State(state): State<AppState>,
    keys: Option<Extension<ReceiptKeys>>,
    parts: Parts,
    body: Bytes,
) -> Response {
    let op = op_of(&parts);
    let input: NotifyReceipt = match notify_body(keys.as_deref(), &parts, &body, op) {
        Ok(v) => v,
        Err(res) => return *res,
    };
    let Some(status) = DeliveryStatus::from_notify(&input.status) else {
        return invalid(op, vec![FieldError::new("status", "not a status Notify sends for text messages")]);
    };
    record(
        &state,
        op,
        SmsReceipt {
            provider: SmsProvider::Notify,
            provider_id: input.id,
            reference: input.reference,
            status,
            detail: input.status,
        },
    )
    .await
}

/// A status callback from Twilio.
///
/// Form-encoded, as Twilio posts it. Authenticated by `X-Twilio-Signature`, checked against the public URL
/// (`--public-url`) + this path; a bad signature is refused with 403 and changes nothing. A text that did
/// not arrive sends its job back to the queue for the next channel. A replayed callback changes nothing.
#[utoipa::path(post, path = "/api/v1/receipts/twilio", tag = "messaging",
    request_body(content = TwilioReceipt, content_type = "application/x-www-form-urlencoded"),
    security(()),
    responses(
        (status = 204, description = "Recorded (or already known)"),
        (status = 400, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::errors::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::errors::Problem, content_type = "application/problem+json")))]
pub async fn twilio_receipt(
    State(state): State<AppState>,
    keys: Option<Extension<ReceiptKeys>>,
    parts: Parts,
    body: Bytes,
) -> Response {
    let op = op_of(&parts);
    let params = match twilio_form(&state, keys.as_deref(), &parts, &body, op) {
        Ok(p) => p,
        Err(res) => return *res,
    };
    let field = |name: &str| form_field(&params, name);
    let mut errors = Vec::new();
    let sid = field("MessageSid");
    if sid.is_none() {
        errors.push(FieldError::new("MessageSid", "missing"));
    }
    let status_word = field("MessageStatus");
    let status = status_word.and_then(DeliveryStatus::from_twilio);
    if status.is_none() {
        errors.push(FieldError::new("MessageStatus", "missing, or not a status Twilio sends for messages"));
    }
    let (Some(sid), Some(status_word), Some(status)) = (sid, status_word, status) else { return invalid(op, errors) };
    let detail = match field("ErrorCode") {
        Some(code) => format!("{status_word} (error {code})"),
        None => status_word.to_owned(),
    };
    record(
        &state,
        op,
        SmsReceipt { provider: SmsProvider::Twilio, provider_id: sid.to_owned(), reference: None, status, detail },
    )
    .await
}

/// A Notify callback's JSON body, once its bearer token is checked: the shared front door of Notify's
/// receipts and replies. `Err` is the response to give.
pub(super) fn notify_body<T: serde::de::DeserializeOwned>(
    keys: Option<&ReceiptKeys>,
    parts: &Parts,
    body: &[u8],
    op: OperationId,
) -> Result<T, Box<Response>> {
    let presented = bearer(&parts.headers).unwrap_or_default();
    match keys.and_then(|k| k.notify_token_ok(presented)) {
        None => return Err(Box::new(refused(op, "Notify"))),
        Some(false) => {
            let mut res = problem(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "The callback token is missing or not right",
                op,
                vec![],
            );
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"carefront\""));
            return Err(Box::new(res));
        }
        Some(true) => {}
    }
    if !has_content_type(&parts.headers, |ct| ct == "application/json" || ct.ends_with("+json")) {
        return Err(Box::new(problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Send the body as application/json",
            op,
            vec![],
        )));
    }
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|err| -> Box<Response> {
        let path = err.path().to_string();
        let inner = err.into_inner();
        Box::new(match inner.classify() {
            Category::Data => {
                let field = if path == "." { "body".to_owned() } else { path };
                let message = inner.to_string();
                let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
                invalid(op, vec![FieldError::new(field, message)])
            }
            _ => problem(StatusCode::BAD_REQUEST, "malformed-json", "The body is not valid JSON", op, vec![]),
        })
    })
}

/// A Twilio webhook's form, once its `X-Twilio-Signature` is checked against the public URL + this path:
/// the shared front door of Twilio's status callbacks and incoming messages. `Err` is the response to give.
pub(super) fn twilio_form(
    state: &AppState,
    keys: Option<&ReceiptKeys>,
    parts: &Parts,
    body: &[u8],
    op: OperationId,
) -> Result<Vec<(String, String)>, Box<Response>> {
    let Some(keys) = keys.filter(|k| k.twilio_auth_token.is_some()) else {
        return Err(Box::new(refused(op, "Twilio")));
    };
    let Some(public_url) = state.config.public_url.as_deref() else {
        tracing::warn!("Twilio callback refused: its signature covers the public URL, and --public-url is not set");
        return Err(Box::new(refused(op, "Twilio (set the public URL)")));
    };
    if !has_content_type(&parts.headers, |ct| ct == "application/x-www-form-urlencoded") {
        return Err(Box::new(problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Send the body as application/x-www-form-urlencoded",
            op,
            vec![],
        )));
    }
    let Ok(params) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(body) else {
        return Err(Box::new(problem(
            StatusCode::BAD_REQUEST,
            "malformed-form",
            "The body is not a valid form",
            op,
            vec![],
        )));
    };
    let path = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or_default();
    let url = format!("{}{path}", public_url.trim_end_matches('/'));
    let signature = parts.headers.get("x-twilio-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if keys.twilio_signature_ok(&url, &params, signature) != Some(true) {
        tracing::warn!("Twilio callback refused: bad or missing X-Twilio-Signature");
        return Err(Box::new(problem(
            StatusCode::FORBIDDEN,
            "bad-signature",
            "The X-Twilio-Signature header is missing or not right",
            op,
            vec![],
        )));
    }
    Ok(params)
}

/// A form field, when present and not empty.
pub(super) fn form_field<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
}

async fn record(state: &AppState, op: OperationId, receipt: SmsReceipt) -> Response {
    match state.app.record_sms_receipt(&receipt).await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ApiError(e, op).into_response(),
    }
}

pub(super) fn invalid(op: OperationId, errors: Vec<FieldError>) -> Response {
    ApiError(AppError::Invalid(domain::Invalid(errors)), op).into_response()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn has_content_type(headers: &HeaderMap, ok: impl Fn(&str) -> bool) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .is_some_and(|v| ok(&v))
}

pub fn routes(api: utoipa_axum::router::OpenApiRouter<AppState>) -> utoipa_axum::router::OpenApiRouter<AppState> {
    api.routes(utoipa_axum::routes!(notify_receipt)).routes(utoipa_axum::routes!(twilio_receipt))
}
