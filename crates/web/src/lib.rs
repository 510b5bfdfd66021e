//! Carefront over HTTP: staff pages (`/staff/…`), the JSON API (`/api/v1/…`) and operations endpoints.
//! Handlers are thin: parse the request, call one use-case, render the answer.

pub mod api;
mod auth;
mod errors;
mod i18n;
mod observe;
mod ops;
mod pages;
mod session;

pub use observe::{OperationId, metrics_handle};
pub use session::DbSessionStore;

use app::App;
use axum::Router;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use std::sync::Arc;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

/// HTTP settings.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The address people use to reach Carefront, e.g. `https://carefront.example.nhs.uk`. When it is
    /// https, cookies are marked `Secure` and the origin is trusted for cross-origin checks.
    pub public_url: Option<String>,
    pub request_timeout: Duration,
    pub body_limit_bytes: usize,
    /// Sign-in attempts allowed from one address in a burst, and how many seconds it takes to earn
    /// another attempt.
    pub login_burst: u32,
    pub login_refill_seconds: u64,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            public_url: None,
            request_timeout: Duration::from_secs(30),
            body_limit_bytes: 1024 * 1024,
            login_burst: 20,
            login_refill_seconds: 2,
        }
    }
}

impl WebConfig {
    pub fn secure_cookies(&self) -> bool {
        self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub config: Arc<WebConfig>,
}

/// The whole HTTP application.
pub fn router(app: App, config: WebConfig) -> Router {
    // Install the metrics recorder now, so requests before the first scrape are counted.
    metrics_handle();
    let state = AppState { app: app.clone(), config: Arc::new(config.clone()) };
    let routes = Router::new()
        .merge(ops::routes())
        .merge(pages::routes(&config))
        .merge(api::routes())
        .route_layer(axum::middleware::from_fn(observe::capture_route))
        .fallback(errors::not_found)
        .with_state(state.clone());

    let csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
               font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; \
               object-src 'none'; frame-ancestors 'none'";
    let mut csrf = tower_http::csrf::CsrfLayer::new();
    if let Some(url) = &config.public_url {
        match csrf.clone().add_trusted_origin(url.trim_end_matches('/')) {
            Ok(c) => csrf = c,
            Err(e) => tracing::warn!(error = %e, "public URL is not a valid origin; not trusted for CSRF checks"),
        }
    }
    let session_layer = session::layer(app, &config);

    // Outermost first: a panic becomes a 500 page; every response gets an operation id, a log line and
    // metrics; then security headers, limits, compression, cross-origin protection, sessions.
    routes
        .layer(session_layer)
        .layer(csrf)
        .layer(CompressionLayer::new())
        .layer(RequestBodyLimitLayer::new(config.body_limit_bytes))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, config.request_timeout))
        .layer(SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp)))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        // A page may ask for less (message-link pages send no referrer at all).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        ))
        .layer(axum::middleware::from_fn(observe::operation))
        .layer(CatchPanicLayer::custom(errors::panic_response))
}
