//! The only place where errors become HTTP responses for the Credentials and admin APIs: the
//! error type and its response here, the table from every domain error in `table`.
//!
//! Every domain error maps with an exhaustive `match` (no `_` arm): a new variant does not
//! compile until someone decides its status. Bodies follow the spec's error shape
//! (`id`, `msg`, `componentMsg`, `sentryCode`, `status`). A 5xx logs the whole cause chain with
//! the request id (here, once) and answers only a generic message.

mod table;

use crate::http::request_id;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use latchkey_core::BoxError;
use serde::Serialize;
use std::borrow::Cow;
use std::fmt;

/// An error answered with the spec's error body.
pub struct ApiError {
    status: StatusCode,
    id: &'static str,
    msg: Cow<'static, str>,
    component_msg: Cow<'static, str>,
    source: Option<BoxError>,
    pub(super) www_authenticate: Option<&'static str>,
    /// Seconds, for the `Retry-After` header of a 429.
    retry_after: Option<u64>,
}

/// The error body of the Credentials API.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Internal detail for operators (component and cause); never a secret.
    #[serde(rename = "componentMsg")]
    pub component_msg: String,
    /// Stable machine-readable error code, e.g. `credential.not_found`.
    pub id: String,
    /// Human-readable message, safe to show to an end user.
    pub msg: String,
    /// Unique id of this occurrence; equals the `X-Request-Id` response header.
    #[serde(rename = "sentryCode")]
    pub sentry_code: String,
    /// The HTTP status, repeated.
    #[schema(format = Int64)]
    pub status: u16,
}

impl ApiError {
    pub fn new(status: StatusCode, id: &'static str, msg: impl Into<Cow<'static, str>>) -> Self {
        Self {
            status,
            id,
            msg: msg.into(),
            component_msg: Cow::Borrowed(""),
            source: None,
            www_authenticate: None,
            retry_after: None,
        }
    }

    /// Sets the operator detail.
    pub fn component(mut self, detail: impl Into<Cow<'static, str>>) -> Self {
        self.component_msg = detail.into();
        self
    }

    /// Sets `Retry-After` (whole seconds, rounded up).
    pub(super) fn retry_after(mut self, after: time::Duration) -> Self {
        self.retry_after = Some(whole_seconds(after));
        self
    }

    pub(super) fn caused_by(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    pub fn bad_request(id: &'static str, msg: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, id, msg)
    }

    pub fn not_found(id: &'static str, msg: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::NOT_FOUND, id, msg)
    }

    pub fn timeout() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service.timeout",
            "The request took too long; try again.",
        )
        .component("server: request timeout reached")
    }

    /// A backing service failed: 503, cause logged.
    pub fn unavailable(component: &'static str, source: impl Into<BoxError>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service.unavailable",
            "The service is temporarily unavailable; try again.",
        )
        .component(component)
        .caused_by(source)
    }

    /// An unexpected failure: 500, cause logged, nothing internal answered.
    pub fn internal(component: &'static str, source: impl Into<BoxError>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Something went wrong on our side.",
        )
        .component(component)
        .caused_by(source)
    }

    pub fn into_response(self) -> HttpResponse {
        self.error_response()
    }

    fn log(&self, sentry_code: &str) {
        if !self.status.is_server_error() {
            return;
        }
        let mut chain = String::new();
        let mut cause: Option<&(dyn std::error::Error + 'static)> =
            self.source.as_deref().map(|e| e as _);
        while let Some(e) = cause {
            chain.push_str(": ");
            chain.push_str(&e.to_string());
            cause = e.source();
        }
        tracing::error!(sentry_code, id = self.id, component = %self.component_msg, "request failed{chain}");
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiError({} {})", self.status.as_u16(), self.id)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.id, self.msg)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let sentry_code = request_id::current().to_string();
        self.log(&sentry_code);
        let body = ErrorBody {
            component_msg: self.component_msg.to_string(),
            id: self.id.to_owned(),
            msg: self.msg.to_string(),
            sentry_code,
            status: self.status.as_u16(),
        };
        let mut response = HttpResponse::build(self.status);
        if let Some(challenge) = self.www_authenticate {
            response.insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            ));
        }
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds));
        }
        response.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
        response.json(body)
    }
}

/// Whole seconds, rounded up, at least 1: a client that waits that long is let in.
pub(super) fn whole_seconds(d: time::Duration) -> u64 {
    let seconds =
        u64::try_from(d.whole_seconds()).unwrap_or(0) + u64::from(d.subsec_nanoseconds() > 0);
    seconds.max(1)
}
