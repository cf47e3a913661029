//! A request id for every request: generated here, carried in a task-local so that error bodies
//! can quote it as `sentryCode`, attached to the tracing span of every log line, and returned in
//! the `X-Request-Id` header. Every request also runs under a timeout.

use crate::http::error::ApiError;
use actix_web::Error;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use std::time::{Duration, Instant};
use tracing::Instrument as _;
use uuid::Uuid;

tokio::task_local! {
    static REQUEST_ID: Uuid;
}

/// The id of the request being served (a fresh one outside any request).
pub fn current() -> Uuid {
    REQUEST_ID
        .try_with(|id| *id)
        .unwrap_or_else(|_| Uuid::new_v4())
}

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The path as it may be logged: a security token in it (`.../tokens/{token}`) or an
/// operator's access token (`/api/v1/oauth2/{token}`) is a secret.
pub fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    for mark in ["/tokens/", "/api/v1/oauth2/"] {
        if let Some(i) = path.find(mark) {
            let start = i + mark.len();
            let end = path[start..].find('/').map_or(path.len(), |j| start + j);
            return format!("{}[REDACTED]{}", &path[..start], &path[end..]).into();
        }
    }
    path.into()
}

/// The request timeout, set once at start.
#[derive(Debug, Clone, Copy)]
pub struct RequestTimeout(pub Duration);

/// Middleware: request id, span, access log line, timeout.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let id = Uuid::new_v4();
    let timeout = req
        .app_data::<actix_web::web::Data<RequestTimeout>>()
        .map_or(Duration::from_secs(30), |t| t.0);
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %loggable_path(req.path()),
    );
    let started = Instant::now();
    // The security service's plane answers its timeouts in its own body.
    let plane = (req.path() == "/api/v1" || req.path().starts_with("/api/v1/"))
        .then(|| req.method().clone());
    let work = async move {
        let header = HeaderValue::from_str(&id.to_string()).ok();
        let mut response = match tokio::time::timeout(timeout, next.call(req)).await {
            Ok(result) => result?.map_into_boxed_body(),
            Err(_) => {
                // The request was handed to the router, so no response can be built from it:
                // answer through an error that carries a ready response (id header included).
                let mut response = match &plane {
                    Some(method) => crate::security::wire::answer_for(
                        method.clone(),
                        crate::security::error::SecurityError::timeout(),
                    ),
                    None => ApiError::timeout().into_response(),
                };
                if let Some(value) = header {
                    response.headers_mut().insert(HEADER, value);
                }
                crate::http::headers::secure_error(response.headers_mut());
                tracing::warn!(
                    elapsed_us = started.elapsed().as_micros() as u64,
                    "timed out"
                );
                return Err(InternalError::from_response("request timeout", response).into());
            }
        };
        let status = response.status();
        if let Some(value) = header {
            response.headers_mut().insert(HEADER, value);
        }
        tracing::info!(
            status = status.as_u16(),
            elapsed_us = started.elapsed().as_micros() as u64,
            "served"
        );
        Ok(response)
    };
    REQUEST_ID.scope(id, work.instrument(span)).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::{RequestTimeout, loggable_path};
    use actix_web::middleware::from_fn;
    use actix_web::test::{TestRequest, init_service, try_call_service};
    use actix_web::{App, HttpResponse, web};
    use std::time::Duration;

    #[actix_web::test]
    async fn a_timeout_answers_in_the_shape_of_the_face() {
        async fn slow() -> HttpResponse {
            tokio::time::sleep(Duration::from_millis(500)).await;
            HttpResponse::Ok().finish()
        }
        let app = init_service(
            App::new()
                .app_data(web::Data::new(RequestTimeout(Duration::from_millis(20))))
                .wrap(from_fn(super::middleware))
                .route("/api/v1/slow", web::post().to(slow))
                .route("/v1/slow", web::post().to(slow)),
        )
        .await;
        // The middleware answers through an error that carries its response.
        let answer = |uri: &'static str| {
            let app = &app;
            async move {
                let error = try_call_service(app, TestRequest::post().uri(uri).to_request())
                    .await
                    .unwrap_err();
                let response = error.error_response();
                assert_eq!(response.status().as_u16(), 503);
                let bytes = actix_web::body::to_bytes(response.into_body())
                    .await
                    .unwrap();
                serde_json::from_slice::<serde_json::Value>(&bytes).unwrap()
            }
        };
        let plane = answer("/api/v1/slow").await;
        assert_eq!(plane["ErrorCode"], 13, "{plane}");
        assert_eq!(plane["ErrorDetails"], "POST", "{plane}");
        let api = answer("/v1/slow").await;
        assert_eq!(api["id"], "service.timeout", "{api}");
    }

    #[test]
    fn security_tokens_in_paths_are_not_logged() {
        assert_eq!(
            loggable_path(
                "/v1/orgs/masmovil/tokens/ed7f4ab1-6234-46e6-a4de-fd3d4de3d414@masmovil@c2VjcmV0"
            ),
            "/v1/orgs/masmovil/tokens/[REDACTED]"
        );
        assert_eq!(
            loggable_path("/v1/orgs/masmovil/tokens/abc/x"),
            "/v1/orgs/masmovil/tokens/[REDACTED]/x"
        );
        assert_eq!(
            loggable_path("/api/v1/oauth2/eyJhbGciOi.eyJzdWIi.c2ln"),
            "/api/v1/oauth2/[REDACTED]"
        );
        assert_eq!(
            loggable_path("/v1/orgs/masmovil/credentials/a@b.com"),
            "/v1/orgs/masmovil/credentials/a@b.com"
        );
    }
}
