//! Operations endpoints: liveness, readiness and Prometheus metrics. No authentication, no patient data.

use crate::AppState;
use crate::observe::metrics_handle;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz)).route("/metrics", get(metrics))
}

async fn healthz() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], r#"{"status":"ok"}"#).into_response()
}

/// Ready when the database answers and its schema is the one this binary expects.
async fn readyz(State(state): State<AppState>) -> Response {
    let db = state.app.db();
    let reachable = db.ping().await.is_ok();
    let current = reachable && db.schema_is_current().await.unwrap_or(false);
    let status = if current { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = json!({
        "status": if current { "ready" } else { "not-ready" },
        "database": if reachable { "reachable" } else { "unreachable" },
        "migrations": if current { "current" } else { "not-current" },
        "backend": db.backend().as_str(),
    });
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

async fn metrics(State(state): State<AppState>) -> Response {
    let (size, idle) = state.app.db().pool_stats();
    metrics::gauge!("db_pool_connections").set(f64::from(size));
    metrics::gauge!("db_pool_idle_connections").set(idle as f64);
    // The outbox's queue, read now; a slow or failed read leaves the last figures (and is logged).
    match tokio::time::timeout(std::time::Duration::from_secs(2), state.app.observe_outbox()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(code = e.code(), error = %e, "reading the outbox queue for /metrics failed"),
        Err(_) => tracing::warn!("reading the outbox queue for /metrics took more than 2 s"),
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], metrics_handle().render()).into_response()
}
