//! Who is calling. Pages use [`Staff`] (no session → redirect to sign-in); the API uses [`ApiCaller`]
//! (a bearer token, or a staff session plus the `X-CSRF-Token` header for changes; otherwise 401
//! problem+json). Forms are read with [`CsrfForm`], which refuses a post without the session's token.

use crate::AppState;
use crate::errors::{ApiError, PageError, error_page, see_other};
use crate::observe::OperationId;
use crate::session::keys;
use app::{Actor, AppError, Ctx};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::de::DeserializeOwned;
use std::net::SocketAddr;
use tower_sessions::Session;
use uuid::Uuid;

/// How often a session's idle timer is pushed forward (a write), at most.
const TOUCH_EVERY_MS: i64 = 60_000;

pub fn operation_id(parts: &Parts) -> OperationId {
    parts.extensions.get::<OperationId>().copied().unwrap_or(OperationId(Uuid::nil()))
}

pub fn client_addr(parts: &Parts) -> Option<String> {
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string())
}

/// A context with no actor yet (sign-in pages).
pub fn anonymous_ctx(parts: &Parts) -> Ctx {
    Ctx::anonymous(operation_id(parts).0, client_addr(parts))
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// The CSRF token of this session, created on first use.
pub async fn csrf_token(session: &Session) -> Result<String, AppError> {
    if let Some(t) = session.get::<String>(keys::CSRF).await.map_err(internal)? {
        return Ok(t);
    }
    let mut bytes = [0u8; 32];
    rand_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    session.insert(keys::CSRF, &token).await.map_err(internal)?;
    Ok(token)
}

fn rand_bytes(buf: &mut [u8]) {
    use rand::RngCore;
    rand::rng().fill_bytes(buf);
}

pub fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("session: {e}"))
}

/// Start a signed-in session: a new session id (so an id fixed before sign-in is useless), the user,
/// the sign-in time for the absolute timeout, and a fresh CSRF token.
pub async fn begin_session(session: &Session, actor: &Actor, must_enrol: bool) -> Result<(), AppError> {
    session.cycle_id().await.map_err(internal)?;
    session.clear().await;
    let now = now_ms();
    session.insert(keys::USER_ID, actor.user_id.to_string()).await.map_err(internal)?;
    session.insert(keys::SIGNED_IN_AT, now).await.map_err(internal)?;
    session.insert(keys::LAST_SEEN, now).await.map_err(internal)?;
    if must_enrol {
        session.insert(keys::MUST_ENROL, true).await.map_err(internal)?;
    }
    csrf_token(session).await?;
    Ok(())
}

/// The signed-in actor of a session, enforcing the absolute timeout and pushing the idle timer on.
async fn session_actor(session: &Session, state: &AppState) -> Result<Option<Actor>, AppError> {
    let Some(user_id) = session.get::<String>(keys::USER_ID).await.map_err(internal)? else { return Ok(None) };
    let Ok(user_id) = user_id.parse::<Uuid>() else { return Ok(None) };
    let now = now_ms();
    let signed_in_at = session.get::<i64>(keys::SIGNED_IN_AT).await.map_err(internal)?.unwrap_or(0);
    let absolute = state.app.config().session_absolute.as_millis() as i64;
    if now - signed_in_at >= absolute {
        session.flush().await.map_err(internal)?;
        return Ok(None);
    }
    let last_seen = session.get::<i64>(keys::LAST_SEEN).await.map_err(internal)?.unwrap_or(0);
    if now - last_seen >= TOUCH_EVERY_MS {
        session.insert(keys::LAST_SEEN, now).await.map_err(internal)?;
    }
    match state.app.session_actor(user_id).await? {
        Some(actor) => Ok(Some(actor)),
        None => {
            session.flush().await.map_err(internal)?;
            Ok(None)
        }
    }
}

/// A signed-in member of staff, for pages.
pub struct Staff {
    pub actor: Actor,
    pub ctx: Ctx,
    pub session: Session,
    pub csrf: String,
}

impl Staff {
    pub fn op(&self) -> OperationId {
        OperationId(self.ctx.operation_id)
    }
}

/// Pages a person who must still set up a second factor may see.
const ENROLMENT_PATHS: [&str; 2] = ["/staff/account/totp", "/staff/sign-out"];

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let op = operation_id(parts);
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(s, m)| error_page(s, "There is a problem", m, op))?;
        let actor = match session_actor(&session, state).await {
            Ok(Some(a)) => a,
            Ok(None) => return Err(see_other("/staff/login")),
            Err(e) => return Err(PageError(e, op).into_response()),
        };
        let must_enrol = session.get::<bool>(keys::MUST_ENROL).await.ok().flatten().unwrap_or(false);
        if must_enrol && !ENROLMENT_PATHS.contains(&parts.uri.path()) {
            return Err(see_other("/staff/account/totp"));
        }
        let csrf = csrf_token(&session).await.map_err(|e| PageError(e, op).into_response())?;
        let ctx = Ctx::anonymous(op.0, client_addr(parts)).with_actor(actor.clone());
        Ok(Staff { actor, ctx, session, csrf })
    }
}

/// An authenticated API caller.
pub struct ApiCaller {
    pub ctx: Ctx,
    pub actor: Actor,
}

impl ApiCaller {
    pub fn op(&self) -> OperationId {
        OperationId(self.ctx.operation_id)
    }

    pub fn fail(&self, e: AppError) -> ApiError {
        ApiError(e, self.op())
    }
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let op = operation_id(parts);
        let ctx = Ctx::anonymous(op.0, client_addr(parts));
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim);
        if let Some(secret) = bearer {
            return match state.app.authenticate_token(secret).await {
                Ok(Some(actor)) => Ok(ApiCaller { ctx: ctx.with_actor(actor.clone()), actor }),
                Ok(None) => Err(ApiError(AppError::Unauthenticated, op)),
                Err(e) => Err(ApiError(e, op)),
            };
        }
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, m)| ApiError(AppError::Internal(m.to_owned()), op))?;
        let actor = match session_actor(&session, state).await {
            Ok(Some(a)) => a,
            Ok(None) => return Err(ApiError(AppError::Unauthenticated, op)),
            Err(e) => return Err(ApiError(e, op)),
        };
        if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
            let sent = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
            let expected = csrf_token(&session).await.map_err(|e| ApiError(e, op))?;
            if !constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
                return Err(ApiError(
                    AppError::forbidden("a change made with a session cookie needs the X-CSRF-Token header"),
                    op,
                ));
            }
        }
        Ok(ApiCaller { ctx: ctx.with_actor(actor.clone()), actor })
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A form post carrying the session's CSRF token in `csrf_token`.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let op = operation_id(&parts);
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(error_page(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "There is a problem",
                "Send this form from the Carefront page.",
                op,
            ));
        }
        let session = Session::from_request_parts(&mut parts, state)
            .await
            .map_err(|(s, m)| error_page(s, "There is a problem", m, op))?;
        let bytes = axum::body::to_bytes(body, state.config.body_limit_bytes).await.map_err(|_| {
            error_page(StatusCode::PAYLOAD_TOO_LARGE, "There is a problem", "The form is too large.", op)
        })?;
        #[derive(serde::Deserialize)]
        struct Token {
            csrf_token: Option<String>,
        }
        let sent = serde_urlencoded::from_bytes::<Token>(&bytes).ok().and_then(|t| t.csrf_token).unwrap_or_default();
        let expected = session.get::<String>(keys::CSRF).await.ok().flatten().unwrap_or_default();
        if expected.is_empty() || !constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
            return Err(error_page(
                StatusCode::FORBIDDEN,
                "This form has expired",
                "The form was out of date or did not come from Carefront, so nothing was changed. Go back, reload the page and try again.",
                op,
            ));
        }
        let form = serde_urlencoded::from_bytes::<T>(&bytes).map_err(|_| {
            error_page(
                StatusCode::BAD_REQUEST,
                "There is a problem",
                "The form could not be read. Go back and try again.",
                op,
            )
        })?;
        Ok(CsrfForm(form))
    }
}
