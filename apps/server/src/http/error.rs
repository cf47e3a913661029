//! The only place where errors become HTTP responses for the Credentials and admin APIs.
//!
//! Every domain error maps here with an exhaustive `match` (no `_` arm): a new variant does not
//! compile until someone decides its status. Bodies follow the spec's error shape
//! (`id`, `msg`, `componentMsg`, `sentryCode`, `status`). A 5xx logs the whole cause chain with
//! the request id and answers only a generic message.

use crate::http::request_id;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use latchkey_access::{AuthError, KeyError, VerifyError};
use latchkey_core::{BoxError, StoreError};
use latchkey_credential::SecurityTokenError as TokenError;
use latchkey_credential::{CredentialError, UsernameError};
use latchkey_flows::{CodeRefusal, FlowError};
use latchkey_notify::NotifyError;
use latchkey_tenancy::{AccessDenied, ClientError, TenantError};
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
    www_authenticate: Option<&'static str>,
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
    fn retry_after(mut self, after: time::Duration) -> Self {
        self.retry_after = Some(whole_seconds(after));
        self
    }

    fn caused_by(mut self, source: impl Into<BoxError>) -> Self {
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

fn store_error(component: &'static str, e: StoreError) -> ApiError {
    match e {
        StoreError::Unavailable(source) => ApiError::unavailable(component, source),
        StoreError::NotFound | StoreError::Conflict => ApiError::internal(component, e),
    }
}

impl From<AccessDenied> for ApiError {
    fn from(e: AccessDenied) -> Self {
        let id = match &e {
            AccessDenied::MissingScope(_) => "auth.insufficient_scope",
            AccessDenied::Org(_) => "auth.org_not_allowed",
            AccessDenied::Escalation => "auth.escalation",
            AccessDenied::AllOrgsRequired => "auth.all_orgs_required",
            AccessDenied::CustomerToken | AccessDenied::OtherCredential => {
                "auth.not_own_credential"
            }
        };
        ApiError::new(
            StatusCode::FORBIDDEN,
            id,
            "The token does not allow this operation.",
        )
        .component(e.to_string())
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        const BARE: &str = "Bearer realm=\"latchkey\"";
        const INVALID: &str = "Bearer realm=\"latchkey\", error=\"invalid_token\"";
        let detail = format!("auth: {e}");
        let (id, msg, challenge) = match e {
            AuthError::Unavailable(s) => return store_error("auth: client lookup failed", s),
            AuthError::Missing => ("auth.missing_token", "A bearer token is required.", BARE),
            AuthError::Invalid(VerifyError::Malformed) => (
                "auth.malformed_token",
                "The bearer token is malformed.",
                INVALID,
            ),
            AuthError::Invalid(
                VerifyError::UnknownKey
                | VerifyError::BadSignature
                | VerifyError::WrongAudience
                | VerifyError::InvalidClaims,
            ) => (
                "auth.invalid_token",
                "The bearer token is not valid.",
                INVALID,
            ),
            AuthError::Expired => (
                "auth.expired_token",
                "The bearer token has expired.",
                INVALID,
            ),
            AuthError::Revoked => (
                "auth.revoked_token",
                "The bearer token has been revoked.",
                INVALID,
            ),
        };
        let mut error = ApiError::new(StatusCode::UNAUTHORIZED, id, msg).component(detail);
        error.www_authenticate = Some(challenge);
        error
    }
}

impl From<TenantError> for ApiError {
    fn from(e: TenantError) -> Self {
        match e {
            TenantError::InvalidName => ApiError::bad_request("tenant.invalid_name", e.to_string()),
            TenantError::NotFound(_) => ApiError::not_found("tenant.not_found", e.to_string()),
            TenantError::Denied(denied) => denied.into(),
            TenantError::Store(s) => store_error("tenancy: tenant store", s),
        }
    }
}

impl From<ClientError> for ApiError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::InvalidId => ApiError::bad_request("client.invalid_id", e.to_string()),
            ClientError::InvalidName => ApiError::bad_request("client.invalid_name", e.to_string()),
            ClientError::NoScopes => ApiError::bad_request("client.no_scopes", e.to_string()),
            ClientError::NoOrgs => ApiError::bad_request("client.no_orgs", e.to_string()),
            ClientError::UnknownOrg(_) => {
                ApiError::bad_request("client.unknown_org", e.to_string())
            }
            ClientError::NotFound => ApiError::not_found("client.not_found", e.to_string()),
            ClientError::UnknownGrant(_) => {
                ApiError::bad_request("client.unknown_grant", e.to_string())
            }
            ClientError::NoGrants => ApiError::bad_request("client.no_grants", e.to_string()),
            ClientError::InvalidRedirectUri(_) | ClientError::NoRedirectUri => {
                ApiError::bad_request("client.invalid_redirect_uri", e.to_string())
            }
            ClientError::UnknownIdTokenAlg(_) => {
                ApiError::bad_request("client.unknown_id_token_alg", e.to_string())
            }
            ClientError::LoginNeedsOneOrg
            | ClientError::PublicGrant
            | ClientError::RefreshAlone => {
                ApiError::bad_request("client.invalid_grants", e.to_string())
            }
            ClientError::AlreadyExists => {
                ApiError::new(StatusCode::CONFLICT, "client.already_exists", e.to_string())
            }
            ClientError::Denied(denied) => denied.into(),
            ClientError::Store(s) => store_error("tenancy: client registry", s),
        }
    }
}

impl From<KeyError> for ApiError {
    fn from(e: KeyError) -> Self {
        match e {
            KeyError::NotFound => ApiError::not_found("key.not_found", e.to_string()),
            KeyError::Active => ApiError::new(StatusCode::CONFLICT, "key.active", e.to_string()),
            KeyError::Crypto(source) => ApiError::internal("token: signing keys", source),
            KeyError::Denied(denied) => denied.into(),
            KeyError::Store(s) => store_error("token: signing key store", s),
        }
    }
}

impl From<latchkey_device::DeviceError> for ApiError {
    fn from(e: latchkey_device::DeviceError) -> Self {
        use latchkey_device::DeviceError;
        match e {
            DeviceError::NotFound => ApiError::not_found("device.not_found", e.to_string()),
            DeviceError::InvalidToken | DeviceError::Reused => {
                ApiError::bad_request("device.invalid_token", e.to_string())
            }
            DeviceError::Store(s) => store_error("device: device store", s),
        }
    }
}

impl From<CredentialError> for ApiError {
    fn from(e: CredentialError) -> Self {
        let conflict =
            |id, e: &CredentialError| ApiError::new(StatusCode::CONFLICT, id, e.to_string());
        match e {
            CredentialError::Denied(denied) => denied.into(),
            CredentialError::Tenant(t) => t.into(),
            CredentialError::InvalidUsername(u) => {
                let id = match u {
                    UsernameError::Empty
                    | UsernameError::InvalidIdentifier
                    | UsernameError::Reserved(_) => "credential.invalid_username",
                    UsernameError::InvalidEmail => "credential.invalid_email",
                    UsernameError::InvalidMsisdn => "credential.invalid_msisdn",
                };
                ApiError::bad_request(id, u.to_string())
            }
            CredentialError::InvalidMsisdn => {
                ApiError::bad_request("credential.invalid_msisdn", e.to_string())
            }
            CredentialError::InvalidAttribute(_) | CredentialError::Required(_) => {
                ApiError::bad_request("request.invalid_field", e.to_string())
            }
            CredentialError::NotFound => ApiError::not_found("credential.not_found", e.to_string()),
            CredentialError::AlreadyExists => conflict("credential.already_exists", &e),
            CredentialError::Disabled => conflict("credential.disabled", &e),
            CredentialError::WrongPassword => ApiError::new(
                StatusCode::FORBIDDEN,
                "credential.wrong_password",
                e.to_string(),
            ),
            CredentialError::Policy(violation) => {
                ApiError::bad_request(violation.code(), violation.to_string())
            }
            CredentialError::InvalidToken(t) => {
                let id = match t {
                    TokenError::Expired => "token.expired",
                    TokenError::Malformed => "token.malformed",
                    TokenError::Invalid => "token.invalid",
                    TokenError::Store(s) => return store_error("token: security token store", s),
                };
                ApiError::bad_request(id, t.to_string())
            }
            CredentialError::TokenNotFound => ApiError::not_found("token.not_found", e.to_string()),
            CredentialError::InvalidDestination => {
                ApiError::bad_request("request.invalid_destination", e.to_string())
            }
            CredentialError::SameOrg => ApiError::bad_request("credential.same_org", e.to_string()),
            CredentialError::DestinationDisabled(_) => {
                ApiError::bad_request("tenant.disabled", e.to_string())
            }
            CredentialError::DestinationNotFound(_) => {
                ApiError::not_found("tenant.not_found", e.to_string())
            }
            CredentialError::Hashing(source) => {
                ApiError::internal("credential: password hashing", source)
            }
            CredentialError::Store(s) => store_error("credential: credential store", s),
        }
    }
}

impl From<FlowError> for ApiError {
    fn from(e: FlowError) -> Self {
        match e {
            FlowError::Credential(c) => c.into(),
            FlowError::InvalidHint => ApiError::bad_request("flow.invalid_hint", e.to_string()),
            FlowError::NoContact => {
                ApiError::new(StatusCode::CONFLICT, "credential.no_contact", e.to_string())
            }
            FlowError::RateLimited { retry_after, .. } => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "request.rate_limited",
                format!(
                    "Too many requests; try again in {} seconds.",
                    whole_seconds(retry_after)
                ),
            )
            .component(format!("flows: {e}"))
            .retry_after(retry_after),
            FlowError::MalformedCode => ApiError::bad_request("otp.invalid_code", e.to_string()),
            FlowError::Code(refusal) => refusal.into(),
            FlowError::SecondFactorStore(s) => store_error("otp: code store", s),
            FlowError::Cipher(source) => {
                ApiError::unavailable("otp: TOTP secret encryption (LATCHKEY_DATA_KEY)", source)
            }
            FlowError::Delivery(NotifyError::Render(r)) => {
                ApiError::internal("notify: rendering", r)
            }
            FlowError::Delivery(NotifyError::Unconfigured(setting)) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "notification.unavailable",
                "Messages cannot be sent through this channel now; try again later.",
            )
            .component(format!("notify: {setting} is not set")),
            FlowError::Delivery(
                cause @ (NotifyError::Transient(_) | NotifyError::Permanent(_)),
            ) => {
                let detail = match cause {
                    NotifyError::Permanent(_) => "notify: the gateway refused the message",
                    NotifyError::Transient(_)
                    | NotifyError::Render(_)
                    | NotifyError::Unconfigured(_) => {
                        "notify: the gateway did not accept the message in time"
                    }
                };
                ApiError::new(
                    StatusCode::BAD_GATEWAY,
                    "notification.failed",
                    "The message could not be delivered; nothing was changed. Try again later.",
                )
                .component(detail)
                .caused_by(cause)
            }
            FlowError::RateLimiter(s) => store_error("flows: rate limiter", s),
        }
    }
}

impl From<CodeRefusal> for ApiError {
    fn from(e: CodeRefusal) -> Self {
        let (status, id) = match e {
            CodeRefusal::OtpMismatch { .. } => (StatusCode::FORBIDDEN, "otp.mismatch"),
            CodeRefusal::OtpBurnt => (StatusCode::FORBIDDEN, "otp.burnt"),
            CodeRefusal::OtpNotPending => (StatusCode::CONFLICT, "otp.not_pending"),
            CodeRefusal::OtpTooSoon { retry_after } => {
                return ApiError::new(
                    StatusCode::CONFLICT,
                    "otp.already_sent",
                    format!(
                        "A code was sent less than 30 seconds ago; try again in {} seconds.",
                        whole_seconds(retry_after)
                    ),
                )
                .retry_after(retry_after);
            }
            CodeRefusal::TotpMismatch => (StatusCode::FORBIDDEN, "totp.mismatch"),
            CodeRefusal::TotpReplayed => (StatusCode::FORBIDDEN, "totp.replayed"),
            CodeRefusal::TotpNotEnrolled => (StatusCode::CONFLICT, "totp.not_enrolled"),
        };
        ApiError::new(status, id, e.to_string())
    }
}

/// Whole seconds, rounded up, at least 1: a client that waits that long is let in.
fn whole_seconds(d: time::Duration) -> u64 {
    let seconds =
        u64::try_from(d.whole_seconds()).unwrap_or(0) + u64::from(d.subsec_nanoseconds() > 0);
    seconds.max(1)
}
