//! [`ApiJson`]: a JSON body that must be `application/json`, well-formed, and of the documented shape.
//! Malformed JSON is 400; a body of the wrong shape (wrong type, missing or unknown field) is 422 naming
//! the field; another content type is 415. All as problem+json.

use crate::AppState;
use crate::auth::operation_id;
use crate::errors::problem;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::Response;
use domain::FieldError;
use serde::de::DeserializeOwned;
use serde_json::error::Category;

pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let op = operation_id(&parts);
        let is_json = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
            .is_some_and(|v| v == "application/json" || v.ends_with("+json"));
        if !is_json {
            return Err(problem(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Send the body as application/json",
                op,
                vec![],
            ));
        }
        let bytes = axum::body::to_bytes(body, state.config.body_limit_bytes).await.map_err(|_| {
            problem(StatusCode::PAYLOAD_TOO_LARGE, "body-too-large", "The request body is too large", op, vec![])
        })?;
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize::<_, T>(de) {
            Ok(v) => Ok(ApiJson(v)),
            Err(err) => {
                let path = err.path().to_string();
                let inner = err.into_inner();
                match inner.classify() {
                    Category::Syntax | Category::Eof | Category::Io => Err(problem(
                        StatusCode::BAD_REQUEST,
                        "malformed-json",
                        format!("The body is not valid JSON: {inner}"),
                        op,
                        vec![],
                    )),
                    Category::Data => {
                        let field = if path == "." { "body".to_owned() } else { path };
                        let message = inner.to_string();
                        let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
                        Err(problem(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            "validation-failed",
                            "Some of the information given is not valid",
                            op,
                            vec![FieldError::new(field, message)],
                        ))
                    }
                }
            }
        }
    }
}
