//! The errors of the login server's domain, with their OAuth 2.0 codes.

use latchkey_core::StoreError;

/// A request to `/authorize` that cannot be answered with a redirect: the client or the
/// redirect URI is not to be trusted, so the user agent is shown an error page (RFC 6749
/// §4.1.2.1, RFC 9700 §4.11.1).
#[derive(Debug, thiserror::Error)]
pub enum AuthorizeError {
    #[error("the client_id is missing or names no client")]
    UnknownClient,
    #[error(
        "the client does not sign customers in (it has no authorization_code or implicit grant)"
    )]
    NotALoginClient,
    #[error("the redirect_uri is missing, or is not exactly one of the client's registered URIs")]
    BadRedirectUri,
    #[error("the client registry failed")]
    Store(#[source] StoreError),
    /// Anything else: sent back to the client's redirect URI.
    #[error(transparent)]
    Redirect(#[from] RedirectError),
}

/// An error sent back to the client's redirect URI as `error` and `error_description`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedirectError {
    #[error("{0}")]
    InvalidRequest(&'static str),
    #[error("{0}")]
    UnauthorizedClient(&'static str),
    #[error("response_type must be 'code' (or 'token' for a client allowed the implicit grant)")]
    UnsupportedResponseType,
    #[error("{0}")]
    InvalidScope(&'static str),
    #[error("the customer denied the request")]
    AccessDenied,
    #[error("no customer is signed in, and prompt=none forbids asking")]
    LoginRequired,
    #[error("the login server could not complete the request")]
    ServerError,
    #[error("the login server is temporarily unavailable")]
    TemporarilyUnavailable,
}

impl RedirectError {
    /// The `error` code (RFC 6749 §4.1.2.1, OpenID Connect Core §3.1.2.6).
    pub fn code(&self) -> &'static str {
        match self {
            RedirectError::InvalidRequest(_) => "invalid_request",
            RedirectError::UnauthorizedClient(_) => "unauthorized_client",
            RedirectError::UnsupportedResponseType => "unsupported_response_type",
            RedirectError::InvalidScope(_) => "invalid_scope",
            RedirectError::AccessDenied => "access_denied",
            RedirectError::LoginRequired => "login_required",
            RedirectError::ServerError => "server_error",
            RedirectError::TemporarilyUnavailable => "temporarily_unavailable",
        }
    }
}

/// An error of the token endpoint (RFC 6749 §5.2; CIBA Core §11).
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("{0}")]
    InvalidRequest(&'static str),
    #[error("{0}")]
    InvalidClient(&'static str),
    #[error("{0}")]
    InvalidGrant(&'static str),
    /// A code used a second time: refused, and what its first use issued to `subject` (the
    /// customer's credential id) was revoked.
    #[error("the code was already used: what it issued is revoked")]
    CodeReplayed { subject: Option<String> },
    #[error("{0}")]
    UnauthorizedClient(&'static str),
    #[error("unsupported grant_type")]
    UnsupportedGrantType,
    #[error("{0}")]
    InvalidScope(&'static str),
    #[error("the customer has not answered yet")]
    AuthorizationPending,
    #[error("polling too fast: wait the interval between requests")]
    SlowDown,
    #[error("the customer denied the request")]
    AccessDenied,
    #[error("the request expired")]
    ExpiredToken,
    #[error("storage failed")]
    Store(#[source] StoreError),
}

impl TokenError {
    /// The `error` code.
    pub fn code(&self) -> &'static str {
        match self {
            TokenError::InvalidRequest(_) => "invalid_request",
            TokenError::InvalidClient(_) => "invalid_client",
            TokenError::InvalidGrant(_) | TokenError::CodeReplayed { .. } => "invalid_grant",
            TokenError::UnauthorizedClient(_) => "unauthorized_client",
            TokenError::UnsupportedGrantType => "unsupported_grant_type",
            TokenError::InvalidScope(_) => "invalid_scope",
            TokenError::AuthorizationPending => "authorization_pending",
            TokenError::SlowDown => "slow_down",
            TokenError::AccessDenied => "access_denied",
            TokenError::ExpiredToken => "expired_token",
            TokenError::Store(_) => "temporarily_unavailable",
        }
    }
}
