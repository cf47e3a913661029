//! OAuth 2.0 error responses for the token endpoint (RFC 6749 §5.2).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use latchkey_access::GrantError;
use serde::Serialize;
use std::fmt;

/// An OAuth error (`{"error", "error_description"}`).
#[derive(Debug)]
pub struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

/// The OAuth error body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OAuthErrorBody {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`,
    /// `unsupported_grant_type` or `invalid_scope`.
    pub error: String,
    pub error_description: String,
}

impl OAuthError {
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
            description: description.into(),
        }
    }

    pub fn invalid_client(description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: description.into(),
        }
    }

    pub fn unsupported_grant_type(grant: &str) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error: "unsupported_grant_type",
            description: format!("the grant type '{grant}' is not supported"),
        }
    }

    /// Any other 400 error code (CIBA's `unknown_user_id`, `invalid_binding_message` ...).
    pub fn bad_request(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error,
            description: description.into(),
        }
    }

    /// RFC 6749 §5.2 `unauthorized_client` (400): the client may not do this with this token.
    pub fn unauthorized_client(description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error: "unauthorized_client",
            description: description.into(),
        }
    }

    /// A backing service failed (RFC 6749 §4.1.2.1's `temporarily_unavailable`), 503.
    pub fn temporarily_unavailable() -> Self {
        Self {
            status: StatusCode::SERVICE_UNAVAILABLE,
            error: "temporarily_unavailable",
            description: "the service is temporarily unavailable".to_owned(),
        }
    }

    fn server_error(status: StatusCode, description: &str) -> Self {
        Self {
            status,
            error: "server_error",
            description: description.to_owned(),
        }
    }
}

impl From<GrantError> for OAuthError {
    fn from(e: GrantError) -> Self {
        match e {
            GrantError::InvalidClient => Self::invalid_client("client authentication failed"),
            GrantError::UnauthorizedClient => Self::unauthorized_client(e.to_string()),
            GrantError::InvalidScope => Self {
                status: StatusCode::BAD_REQUEST,
                error: "invalid_scope",
                description: e.to_string(),
            },
            GrantError::Signing(source) => {
                tracing::error!(error = %source, "signing an access token failed");
                Self::server_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the token could not be issued",
                )
            }
            GrantError::Unavailable(source) => {
                tracing::error!(error = %source, "client lookup failed");
                Self::temporarily_unavailable()
            }
        }
    }
}

/// A resource for an OAuth endpoint that accepts POST only: other methods get 405 with
/// `Allow: POST` and an OAuth error body naming the endpoint.
pub fn post_only(path: &str, endpoint: &'static str) -> actix_web::Resource {
    actix_web::web::resource(path).default_service(actix_web::web::to(move || async move {
        HttpResponse::MethodNotAllowed()
            .insert_header(("Allow", "POST"))
            .json(OAuthErrorBody {
                error: "invalid_request".into(),
                error_description: format!("the {endpoint} endpoint accepts POST only"),
            })
    }))
}

impl From<latchkey_oauth::TokenError> for OAuthError {
    fn from(e: latchkey_oauth::TokenError) -> Self {
        use latchkey_oauth::TokenError;
        match e {
            TokenError::Store(source) => {
                tracing::error!(error = %source, "login server storage failed");
                Self::temporarily_unavailable()
            }
            TokenError::InvalidClient => Self::invalid_client("client authentication failed"),
            other => Self {
                status: StatusCode::BAD_REQUEST,
                error: other.code(),
                description: other.to_string(),
            },
        }
    }
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error, self.description)
    }
}

impl ResponseError for OAuthError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        // RFC 6749 §5.2: a 401 for a failed client authentication carries a challenge.
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"latchkey\""),
            ));
        }
        response
            .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
            .insert_header((header::PRAGMA, HeaderValue::from_static("no-cache")))
            .json(OAuthErrorBody {
                error: self.error.to_owned(),
                error_description: self.description.clone(),
            })
    }
}
