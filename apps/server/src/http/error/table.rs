//! The table: every domain error of the JSON APIs, variant by variant, to its status and id.

use super::{ApiError, whole_seconds};
use actix_web::http::StatusCode;
use latchkey_access::{AuthError, KeyError, VerifyError};
use latchkey_core::StoreError;
use latchkey_credential::SecurityTokenError as TokenError;
use latchkey_credential::{CredentialError, UsernameError};
use latchkey_flows::{CodeRefusal, FlowError};
use latchkey_notify::NotifyError;
use latchkey_tenancy::{AccessDenied, ClientError, REAUTHENTICATION_MAX_AGE, TenantError};
use std::sync::LazyLock;

fn store_error(component: &'static str, e: StoreError) -> ApiError {
    match e {
        StoreError::Unavailable(source) => ApiError::unavailable(component, source),
        StoreError::NotFound | StoreError::Conflict => ApiError::internal(component, e),
    }
}

/// The challenge of a customer's token too old (or without the second factor) for what it asks
/// (RFC 9470 §3): sign in again, at most `max_age` seconds before the next token.
static REAUTHENTICATE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "Bearer realm=\"latchkey\", error=\"insufficient_user_authentication\", \
         error_description=\"A recent sign-in is required\", max_age=\"{REAUTHENTICATION_MAX_AGE}\""
    )
});

impl From<AccessDenied> for ApiError {
    fn from(e: AccessDenied) -> Self {
        let id = match &e {
            AccessDenied::ReauthenticationRequired => {
                let mut error = ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "auth.reauthentication_required",
                    "Sign in again to do this: it needs a recent sign-in (with your second \
                     factor, if your account uses one).",
                )
                .component(format!("auth: {e}"));
                error.www_authenticate = Some(REAUTHENTICATE.as_str());
                return error;
            }
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
                | VerifyError::InvalidClaims
                | VerifyError::WrongType,
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
            ClientError::WeakSecret => ApiError::bad_request("client.weak_secret", e.to_string()),
            ClientError::SelfDelete => {
                ApiError::new(StatusCode::CONFLICT, "client.self_delete", e.to_string())
            }
            ClientError::Bootstrap => {
                ApiError::new(StatusCode::CONFLICT, "client.bootstrap", e.to_string())
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
                    UsernameError::Confusable => "credential.confusable_username",
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
            CodeRefusal::TotpCodeRequired => (StatusCode::FORBIDDEN, "totp.code_required"),
            CodeRefusal::TotpNotPending => (StatusCode::CONFLICT, "totp.not_pending"),
        };
        ApiError::new(status, id, e.to_string())
    }
}
