//! Operation ids, request logs and metrics. Routes are named by their matched pattern
//! (`/api/v1/patients/{id}`), never by the raw URI, so no patient data reaches logs or metric labels.

use crate::errors;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;
use tracing::Instrument;
use uuid::Uuid;

/// The id of one request, in its log lines, its error pages and the audit events it writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationId(pub Uuid);

/// The matched route, carried from the router back out to [`operation`] on the response.
#[derive(Debug, Clone)]
struct RouteName(String);

/// The process-wide Prometheus recorder (installed once; later calls return the same handle).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &buckets)
                .expect("valid buckets")
                .build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be installed (several routers in one test process): then this
            // handle renders nothing, which only matters to /metrics in that process.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// Inner middleware (route layer): note which route matched.
pub async fn capture_route(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned());
    let mut res = next.run(req).await;
    if let Some(r) = route {
        res.extensions_mut().insert(RouteName(r));
    }
    res
}

/// Outer middleware: give the request an operation id, log it, count it, and turn bare error responses
/// from lower layers (timeouts, body limits, cross-origin refusals, bad JSON) into problem+json for the
/// API or an error page for people.
pub async fn operation(mut req: Request, next: Next) -> Response {
    let op = OperationId(Uuid::now_v7());
    req.extensions_mut().insert(op);
    let method = req.method().clone();
    let is_api = req.uri().path().starts_with("/api/") || req.uri().path().starts_with("/fhir/");
    let span = tracing::info_span!("request", operation_id = %op.0, method = %method);
    let started = Instant::now();
    let res = next.run(req).instrument(span.clone()).await;
    let mut res = errors::dress_bare_error(res, op, is_api).await;
    let route = res.extensions().get::<RouteName>().map(|r| r.0.clone()).unwrap_or_else(|| "unmatched".into());
    let status = res.status().as_u16();
    let elapsed = started.elapsed().as_secs_f64();
    metrics::counter!("http_requests_total", "method" => method.to_string(), "route" => route.clone(), "status" => status.to_string())
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method.to_string(), "route" => route.clone())
        .record(elapsed);
    span.in_scope(|| {
        if status >= 500 {
            tracing::error!(%route, status, latency_ms = elapsed * 1000.0, "request failed");
        } else {
            tracing::debug!(%route, status, latency_ms = elapsed * 1000.0, "request");
        }
    });
    if let Ok(v) = HeaderValue::from_str(&op.0.to_string()) {
        res.headers_mut().insert("x-operation-id", v);
    }
    if !res.headers().contains_key(header::CACHE_CONTROL) {
        // Pages and API answers can hold patient data: never keep them in shared or browser caches.
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}
