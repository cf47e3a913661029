//! The one error table of the OAuth and OpenID Connect endpoints: every error of a grant, a
//! client authentication, a backchannel request or a revocation becomes an OAuth error
//! (`{"error", "error_description"}`, RFC 6749 §5.2) in an exhaustive `match`, and a failure on
//! our side is logged once, when the response is written.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use latchkey_access::GrantError;
use latchkey_core::BoxError;
use latchkey_login::{AbuseError, BackchannelError, ClientAuthError, RevocationRefused};
use latchkey_oauth::TokenError;
use serde::Serialize;
use std::fmt;

/// An OAuth error (`{"error", "error_description"}`).
#[derive(Debug)]
pub struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
    /// Our failure behind a 5xx, logged with the response.
    cause: Option<(&'static str, BoxError)>,
    /// The failure is a peer's (a gateway that refused a message): logged as a warning.
    peer_failure: bool,
    /// The `WWW-Authenticate` challenge of a 401 or 403.
    challenge: Challenge,
    /// Seconds, for `Retry-After` (a 429).
    retry_after: Option<i64>,
}

/// Which authentication a 401 (or 403) asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Challenge {
    /// The client's credentials (RFC 6749 §5.2): `Basic` on a 401.
    Client,
    /// A bearer token (RFC 6750 §3): `Bearer`, with the error code when a token was presented.
    Bearer { with_error: bool },
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
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            description: description.into(),
            cause: None,
            peer_failure: false,
            challenge: Challenge::Client,
            retry_after: None,
        }
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    pub fn invalid_client(description: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_client", description)
    }

    pub fn unsupported_grant_type(grant: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!("the grant type '{grant}' is not supported"),
        )
    }

    /// RFC 6749 §5.2 `unauthorized_client` (400): the client may not do this with this token.
    pub fn unauthorized_client(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "unauthorized_client", description)
    }

    /// A backing service failed (RFC 6749 §4.1.2.1's `temporarily_unavailable`), 503; `what`
    /// failed is logged with its cause.
    pub fn unavailable(what: &'static str, cause: impl Into<BoxError>) -> Self {
        Self {
            cause: Some((what, cause.into())),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "the service is temporarily unavailable",
            )
        }
    }

    /// Too many requests (429, `temporarily_unavailable`, with `Retry-After`): a limit on abuse.
    pub fn too_many_requests(retry_after: time::Duration, description: &str) -> Self {
        Self {
            retry_after: Some(retry_after.whole_seconds().max(1)),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "temporarily_unavailable",
                description,
            )
        }
    }

    /// A bearer-token error of a resource (RFC 6750 §3.1): `invalid_token` (401) or
    /// `insufficient_scope` (403), with its `WWW-Authenticate: Bearer` challenge.
    pub fn bearer(status: StatusCode, error: &'static str, description: &str) -> Self {
        Self {
            challenge: Challenge::Bearer { with_error: true },
            ..Self::new(status, error, description)
        }
    }

    /// No bearer token at all: a bare `WWW-Authenticate: Bearer` (RFC 6750 §3.1).
    pub fn bearer_required() -> Self {
        Self {
            challenge: Challenge::Bearer { with_error: false },
            ..Self::new(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "a bearer token is required",
            )
        }
    }

    fn log(&self) {
        let Some((what, cause)) = &self.cause else {
            return;
        };
        let chain = crate::error_chain(cause.as_ref());
        if self.peer_failure {
            tracing::warn!(error = %chain, "{what}");
        } else {
            tracing::error!(error = %chain, "{what}");
        }
    }
}

impl From<GrantError> for OAuthError {
    fn from(e: GrantError) -> Self {
        match e {
            GrantError::InvalidClient => Self::invalid_client("client authentication failed"),
            GrantError::UnauthorizedClient => Self::unauthorized_client(e.to_string()),
            GrantError::InvalidScope => {
                Self::new(StatusCode::BAD_REQUEST, "invalid_scope", e.to_string())
            }
            GrantError::Signing(source) => Self {
                cause: Some(("signing an access token failed", source)),
                ..Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "the token could not be issued",
                )
            },
            GrantError::Unavailable(source) => Self::unavailable("client lookup failed", source),
        }
    }
}

impl From<TokenError> for OAuthError {
    fn from(e: TokenError) -> Self {
        let code = e.code();
        match e {
            TokenError::Store(source) => Self::unavailable("login server storage failed", source),
            TokenError::InvalidClient(description) => Self::invalid_client(description),
            TokenError::InvalidRequest(_)
            | TokenError::InvalidGrant(_)
            | TokenError::CodeReplayed { .. }
            | TokenError::UnauthorizedClient(_)
            | TokenError::UnsupportedGrantType
            | TokenError::InvalidScope(_)
            | TokenError::AuthorizationPending
            | TokenError::SlowDown
            | TokenError::AccessDenied
            | TokenError::ExpiredToken => Self::new(StatusCode::BAD_REQUEST, code, e.to_string()),
        }
    }
}

impl From<ClientAuthError> for OAuthError {
    fn from(e: ClientAuthError) -> Self {
        match e {
            ClientAuthError::Required
            | ClientAuthError::Failed
            | ClientAuthError::SecretRequired => Self::invalid_client(e.to_string()),
            ClientAuthError::Unavailable(source) => {
                Self::unavailable("client lookup failed", source)
            }
        }
    }
}

impl From<BackchannelError> for OAuthError {
    fn from(e: BackchannelError) -> Self {
        let code = e.code();
        match e {
            BackchannelError::Delivery(source) => Self {
                peer_failure: true,
                ..Self::unavailable("the CIBA message could not be delivered", source)
            },
            BackchannelError::Unavailable(source) => {
                Self::unavailable("CIBA storage failed", source)
            }
            BackchannelError::InvalidRequest(_)
            | BackchannelError::UnknownUserId
            | BackchannelError::UnauthorizedClient(_)
            | BackchannelError::InvalidScope(_)
            | BackchannelError::InvalidBindingMessage => {
                Self::new(StatusCode::BAD_REQUEST, code, e.to_string())
            }
        }
    }
}

impl From<RevocationRefused> for OAuthError {
    fn from(e: RevocationRefused) -> Self {
        match e {
            RevocationRefused::OtherClient => Self::unauthorized_client(e.to_string()),
            RevocationRefused::Unavailable(source) => {
                Self::unavailable("revocation: storage failed", source)
            }
        }
    }
}

impl From<AbuseError> for OAuthError {
    fn from(e: AbuseError) -> Self {
        match e {
            AbuseError::Limited { retry_after } => Self::too_many_requests(
                retry_after,
                "too many requests (or failed client authentications): retry later",
            ),
            AbuseError::Unavailable(source) => Self::unavailable("the rate limiter failed", source),
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
        self.log();
        let mut response = HttpResponse::build(self.status);
        match self.challenge {
            // RFC 6749 §5.2: a 401 for a failed client authentication carries a challenge.
            Challenge::Client if self.status == StatusCode::UNAUTHORIZED => {
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"latchkey\""),
                ));
            }
            Challenge::Client => {}
            Challenge::Bearer { with_error: false } => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            Challenge::Bearer { with_error: true } => {
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    format!(
                        "Bearer error=\"{}\", error_description=\"{}\"",
                        self.error, self.description
                    ),
                ));
            }
        }
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if matches!(self.challenge, Challenge::Client) {
            response.insert_header((header::PRAGMA, HeaderValue::from_static("no-cache")));
        }
        response
            .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
            .json(OAuthErrorBody {
                error: self.error.to_owned(),
                error_description: self.description.clone(),
            })
    }
}
