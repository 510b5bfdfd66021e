//! Text messages patients send back: `POST /api/v1/replies/notify` (GOV.UK Notify's inbound SMS callback)
//! and `POST /api/v1/replies/twilio` (Twilio's incoming-message webhook), authenticated like the delivery
//! receipts; and `GET /api/v1/replies` for staff. What a reply does is in `app::messaging::replies`.

use super::receipts::{form_field, invalid, notify_body, op_of, twilio_form};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::errors::ApiError;
use app::messaging::receipts::{ReceiptKeys, SmsProvider};
use app::messaging::replies::{ReplyEntry, SmsReply};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use domain::FieldError;
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

type Problem = crate::errors::Problem;

pub fn routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api.routes(routes!(notify_reply)).routes(routes!(twilio_reply)).routes(routes!(list))
}

/// The inbound text message Notify posts. `destination_number` and `date_received` are accepted and
/// not used.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NotifyInbound {
    /// Notify's id for the incoming message.
    pub id: String,
    /// The sender's number (`447700900123`).
    pub source_number: String,
    #[serde(default)]
    pub destination_number: Option<String>,
    /// What the patient wrote.
    pub content: String,
    #[serde(default)]
    pub date_received: Option<String>,
}

/// A reply from a patient, through GOV.UK Notify.
///
/// Authenticated by `Authorization: Bearer` with the callback token given to Notify. `STOP` opts the
/// number out of texts; `CANCEL` cancels the patient's next appointment; anything else is kept for
/// staff. A replayed callback does nothing twice.
#[utoipa::path(post, path = "/api/v1/replies/notify", tag = "messaging", request_body = NotifyInbound,
    security(()),
    responses(
        (status = 200, body = ReplyEntry),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn notify_reply(
    State(state): State<AppState>,
    keys: Option<Extension<ReceiptKeys>>,
    parts: Parts,
    body: Bytes,
) -> Response {
    let op = op_of(&parts);
    let input: NotifyInbound = match notify_body(keys.as_deref(), &parts, &body, op) {
        Ok(v) => v,
        Err(res) => return *res,
    };
    let reply = SmsReply {
        provider: SmsProvider::Notify,
        provider_id: input.id,
        from: input.source_number,
        body: input.content,
    };
    let ctx = crate::auth::anonymous_ctx(&parts);
    match state.app.handle_sms_reply(&ctx, &reply).await {
        Ok(entry) => Json(entry).into_response(),
        Err(e) => ApiError(e, op).into_response(),
    }
}

/// A reply from a patient, through Twilio.
///
/// Form-encoded (`MessageSid`, `From`, `Body`…), signed with `X-Twilio-Signature` over the public URL +
/// this path. Answered with empty TwiML: Carefront sends any answer through its outbox, not as a reply.
#[utoipa::path(post, path = "/api/v1/replies/twilio", tag = "messaging",
    request_body(content = String, content_type = "application/x-www-form-urlencoded"),
    security(()),
    responses(
        (status = 200, description = "Handled (empty TwiML)", content_type = "text/xml"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn twilio_reply(
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
    let mut errors = Vec::new();
    for name in ["MessageSid", "From"] {
        if form_field(&params, name).is_none() {
            errors.push(FieldError::new(name, "missing"));
        }
    }
    let (Some(sid), Some(from)) = (form_field(&params, "MessageSid"), form_field(&params, "From")) else {
        return invalid(op, errors);
    };
    let reply = SmsReply {
        provider: SmsProvider::Twilio,
        provider_id: sid.to_owned(),
        from: from.to_owned(),
        body: form_field(&params, "Body").unwrap_or_default().to_owned(),
    };
    let ctx = crate::auth::anonymous_ctx(&parts);
    match state.app.handle_sms_reply(&ctx, &reply).await {
        Ok(_) => {
            let mut res =
                (StatusCode::OK, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>").into_response();
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml; charset=utf-8"));
            res
        }
        Err(e) => ApiError(e, op).into_response(),
    }
}

/// Text replies from patients, newest first, with what Carefront did (`needs_staff` marks the ones a
/// person should read). The patients' own words are not included.
#[utoipa::path(get, path = "/api/v1/replies", tag = "messaging",
    params(("limit" = Option<i64>, Query, description = "At most this many (1–500, default 100)")),
    responses(
        (status = 200, body = Vec<ReplyEntry>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Vec<ReplyEntry>>, ApiError> {
    let mut e = domain::validation::Errors::new();
    let mut unknown: Vec<&String> = params.keys().filter(|k| k.as_str() != "limit").collect();
    unknown.sort();
    for k in unknown {
        e.add(k, format!("Unknown parameter '{k}'. Use: limit"));
    }
    let limit = match params.get("limit").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => 100,
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (1..=500).contains(&n) => n,
            _ => {
                e.add("limit", "Limit must be a whole number from 1 to 500");
                100
            }
        },
    };
    e.finish().map_err(|inv| caller.fail(inv.into()))?;
    Ok(Json(state.app.sms_replies(&caller.ctx, limit).await.map_err(|e| caller.fail(e))?))
}
