//! The JSON API under `/api/v1`, described by the OpenAPI 3.1 document at `/api/v1/openapi.json`.
//! Errors are RFC 9457 problem+json with a stable `code` and field-level `errors`.

pub mod audit;
mod json;
mod me;
mod messaging;
mod patients;
mod reception;
mod referrals;
mod reports;
mod scheduling;
mod tokens;

pub use json::ApiJson;

use crate::AppState;
use crate::errors::Problem;
use axum::Router;
use axum::response::IntoResponse;
use axum::routing::get;
use std::sync::Arc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Carefront API", version = "1", description = "The front office of a clinic or GP practice. Authenticate with `Authorization: Bearer <token>`."),
    components(schemas(Problem)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// The API routes and the OpenAPI document describing them.
pub fn router_and_doc() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let api = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(me::me))
        .routes(routes!(audit::list))
        .routes(routes!(tokens::list, tokens::create))
        .routes(routes!(tokens::revoke))
        .routes(routes!(patients::register, patients::search))
        .routes(routes!(patients::read, patients::change))
        .routes(routes!(patients::add_need))
        .routes(routes!(patients::remove_need))
        .routes(routes!(patients::review_need))
        .routes(routes!(patients::add_related_person))
        .routes(routes!(patients::add_alert))
        .routes(routes!(patients::merge))
        .routes(routes!(patients::set_contact_preferences))
        .routes(routes!(patients::add_identifier))
        .routes(routes!(patients::add_disagreement))
        .routes(routes!(scheduling::list_services, scheduling::create_service))
        .routes(routes!(scheduling::list_practitioners, scheduling::create_practitioner))
        .routes(routes!(scheduling::list_sites))
        .routes(routes!(scheduling::update_service))
        .routes(routes!(scheduling::add_session))
        .routes(routes!(scheduling::end_session))
        .routes(routes!(scheduling::slots))
        .routes(routes!(scheduling::add_waiting, scheduling::list_waiting))
        .routes(routes!(scheduling::answer_offer))
        .routes(routes!(scheduling::book, scheduling::day_list))
        .routes(routes!(scheduling::read_appointment))
        .routes(routes!(scheduling::appointment_events))
        .routes(routes!(scheduling::appointment_ics))
        .routes(routes!(scheduling::cancel))
        .routes(routes!(scheduling::confirm))
        .routes(routes!(scheduling::check_in))
        .routes(routes!(scheduling::call))
        .routes(routes!(scheduling::finish_appointment))
        .routes(routes!(scheduling::dna))
        .routes(routes!(scheduling::undo_dna))
        .routes(routes!(scheduling::entered_in_error))
        .routes(routes!(scheduling::reschedule));
    let api = reception::routes(api);
    let api = referrals::routes(api);
    let api = reports::routes(api);
    let api = messaging::routes(api);
    api.split_for_parts()
}

/// The OpenAPI document as JSON (snapshot-tested).
pub fn openapi_json() -> String {
    router_and_doc().1.to_pretty_json().unwrap_or_default()
}

pub fn routes() -> Router<AppState> {
    let (router, doc) = router_and_doc();
    let doc = Arc::new(doc.to_pretty_json().unwrap_or_default());
    router.route(
        "/api/v1/openapi.json",
        get(move || {
            let doc = doc.clone();
            async move { ([(axum::http::header::CONTENT_TYPE, "application/json")], (*doc).clone()).into_response() }
        }),
    )
}
