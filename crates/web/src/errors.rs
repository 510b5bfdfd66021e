//! Errors as people and programs see them. The API answers RFC 9457 problem+json with a stable `code`,
//! the `operation_id` (also in the log) and field-level `errors`; pages show a friendly page with the
//! operation id. Internal details are logged, never shown.

use crate::observe::OperationId;
use crate::pages::ErrorPage;
use app::AppError;
use askama::Template;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use domain::FieldError;
use serde::Serialize;
use std::any::Any;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem: `/problems/{code}`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code, e.g. `validation-failed`, `forbidden`, `slot-unavailable`.
    pub code: String,
    /// Quote this when reporting a problem: it finds the request in the logs.
    pub operation_id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<FieldError>,
    /// For duplicate problems: the existing records the request clashes with or may duplicate.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub existing: Vec<serde_json::Value>,
    /// For `slot-unavailable`: the nearest free times instead.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub alternatives: Vec<serde_json::Value>,
}

pub fn problem(
    status: StatusCode,
    code: &str,
    detail: impl Into<String>,
    op: OperationId,
    errors: Vec<FieldError>,
) -> Response {
    problem_with(status, code, detail, op, errors, (Vec::new(), Vec::new()))
}

fn problem_with(
    status: StatusCode,
    code: &str,
    detail: impl Into<String>,
    op: OperationId,
    errors: Vec<FieldError>,
    (existing, alternatives): (Vec<serde_json::Value>, Vec<serde_json::Value>),
) -> Response {
    let body = Problem {
        kind: format!("/problems/{code}"),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail: detail.into(),
        code: code.to_owned(),
        operation_id: op.0.to_string(),
        errors,
        existing,
        alternatives,
    };
    let mut res = (status, serde_json::to_string(&body).unwrap_or_default()).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    res
}

pub fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Unauthenticated | AppError::BadCredentials | AppError::BadSecondFactor => StatusCode::UNAUTHORIZED,
        AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
        AppError::NotFound { .. } => StatusCode::NOT_FOUND,
        AppError::Conflict { .. } | AppError::Duplicate { .. } | AppError::SlotUnavailable { .. } => {
            StatusCode::CONFLICT
        }
        AppError::AccountLocked { .. } => StatusCode::LOCKED,
        AppError::Store(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// What a person may be told about an error: internal details stay in the log.
fn public_detail(e: &AppError) -> String {
    match e {
        AppError::Store(_) | AppError::Internal(_) => {
            "Something went wrong on our side. Nothing was changed. Try again, and quote the operation id if it happens again.".into()
        }
        AppError::Invalid(_) => "Some of the information given is not valid".into(),
        other => other.to_string(),
    }
}

fn log_if_internal(e: &AppError, op: OperationId) {
    if matches!(e, AppError::Store(_) | AppError::Internal(_)) {
        tracing::error!(operation_id = %op.0, code = e.code(), error = %e, "internal error");
    }
}

/// A use-case error answered as problem+json.
#[derive(Debug)]
pub struct ApiError(pub AppError, pub OperationId);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let ApiError(e, op) = self;
        log_if_internal(&e, op);
        let errors = match &e {
            AppError::Invalid(inv) => inv.0.clone(),
            _ => Vec::new(),
        };
        let existing: Vec<serde_json::Value> = match &e {
            AppError::Duplicate { existing, .. } => {
                existing.iter().filter_map(|d| serde_json::to_value(d).ok()).collect()
            }
            _ => Vec::new(),
        };
        let alternatives: Vec<serde_json::Value> = match &e {
            AppError::SlotUnavailable { alternatives, .. } => {
                alternatives.iter().filter_map(|d| serde_json::to_value(d).ok()).collect()
            }
            _ => Vec::new(),
        };
        let mut res = problem_with(status_of(&e), e.code(), public_detail(&e), op, errors, (existing, alternatives));
        if matches!(e, AppError::Unauthenticated) {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"carefront\""));
        }
        res
    }
}

/// A use-case error answered as an error page.
#[derive(Debug)]
pub struct PageError(pub AppError, pub OperationId);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let PageError(e, op) = self;
        log_if_internal(&e, op);
        let status = status_of(&e);
        let (title, message) = match &e {
            AppError::Forbidden { .. } => (
                "You cannot see this page".to_owned(),
                "Your role does not give you access to this page. If you need it, ask your practice manager."
                    .to_owned(),
            ),
            AppError::NotFound { what } => {
                (format!("{} not found", capitalise(what)), "Check the address and try again.".to_owned())
            }
            AppError::Store(_) | AppError::Internal(_) => {
                ("Sorry, there is a problem with the service".to_owned(), public_detail(&e))
            }
            other => ("There is a problem".to_owned(), other.to_string()),
        };
        error_page(status, &title, &message, op)
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

pub fn error_page(status: StatusCode, title: &str, message: &str, op: OperationId) -> Response {
    let page = ErrorPage { title: title.to_owned(), message: message.to_owned(), operation_id: op.0.to_string() };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, format!("{title}. {message} Operation id: {}", op.0)).into_response(),
    }
}

pub async fn not_found(req: axum::extract::Request) -> Response {
    let op = req.extensions().get::<OperationId>().copied().unwrap_or(OperationId(uuid::Uuid::nil()));
    let path = req.uri().path();
    if path.starts_with("/api/") || path.starts_with("/fhir/") {
        problem(StatusCode::NOT_FOUND, "not-found", "There is nothing at this address", op, vec![])
    } else {
        error_page(StatusCode::NOT_FOUND, "Page not found", "If you typed the web address, check it is correct.", op)
    }
}

/// A panic in a handler: logged, answered as a 500, and the server keeps running.
pub fn panic_response(err: Box<dyn Any + Send + 'static>) -> Response {
    let detail = err.downcast_ref::<String>().cloned().or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()));
    tracing::error!(panic = detail.unwrap_or_default(), "handler panicked");
    (StatusCode::INTERNAL_SERVER_ERROR, "Sorry, there is a problem with the service.").into_response()
}

/// Replace a bare error (plain text or empty, from a layer or an extractor rejection) with a proper
/// problem document or page. Errors that are already problem+json or HTML pass through.
pub async fn dress_bare_error(res: Response, op: OperationId, is_api: bool) -> Response {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let content_type = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if content_type.starts_with(PROBLEM_JSON)
        || content_type.starts_with("text/html")
        || content_type.starts_with("application/fhir+json")
    {
        return res;
    }
    let (parts, body) = res.into_parts();
    let text = axum::body::to_bytes(body, 16 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let (code, detail) = match status {
        StatusCode::FORBIDDEN => (
            "cross-origin-request",
            "The request came from another site, so it was refused. Nothing was changed.".to_owned(),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ("body-too-large", "The request is too large".to_owned()),
        StatusCode::REQUEST_TIMEOUT => {
            ("timeout", "The request took too long and was stopped. Nothing was changed.".to_owned())
        }
        StatusCode::METHOD_NOT_ALLOWED => ("method-not-allowed", "This address does not accept that method".to_owned()),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ("unsupported-media-type", "Send the body as application/json".to_owned())
        }
        StatusCode::TOO_MANY_REQUESTS => {
            ("too-many-requests", "Too many attempts. Wait a minute and try again.".to_owned())
        }
        s if s.is_server_error() => ("internal", "Something went wrong on our side. Nothing was changed.".to_owned()),
        _ => ("bad-request", if text.is_empty() { "The request is not valid".to_owned() } else { text.clone() }),
    };
    if status.is_server_error() {
        tracing::error!(operation_id = %op.0, status = status.as_u16(), "server error");
    }
    let mut dressed = if is_api {
        problem(status, code, detail, op, vec![])
    } else {
        let title = match status {
            StatusCode::FORBIDDEN => "This request was refused",
            StatusCode::TOO_MANY_REQUESTS => "Too many attempts",
            s if s.is_server_error() => "Sorry, there is a problem with the service",
            _ => "There is a problem",
        };
        error_page(status, title, &detail, op)
    };
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(v) = parts.headers.get(&name) {
            dressed.headers_mut().insert(name, v.clone());
        }
    }
    *dressed.extensions_mut() = parts.extensions;
    dressed
}

/// Build a response body-less redirect (303, so a POST is followed by a GET).
pub fn see_other(to: &str) -> Response {
    let mut res = Response::new(Body::empty());
    *res.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(v) = HeaderValue::from_str(to) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}
