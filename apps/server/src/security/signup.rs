//! `/signup`: subscriber self-registration (`latchkey_subscriber::Signups`).
//!
//! - `POST ?email=&signupUUID=` needs no credential: the registering party (a portal, a
//!   provisioning service such as owprov) calls it for a person who has no account yet. The
//!   tenant is `X-Latchkey-Org`, else the default org (`security::tenant`). The answer is the
//!   registered subscriber's `UserInfo` whether or not the address already had an account. A
//!   sibling service that names itself (`X-INTERNAL-NAME` + `X-API-KEY`, as owprov calls)
//!   registers for many people from one address: the per-client limit does not hold for it.
//! - `PUT ?signupUUID=&operation=` reads (`poll`) or moves the registration. Only a sibling
//!   service may: `X-INTERNAL-NAME` + `X-API-KEY` of a configured service, or a Latchkey
//!   service token with `credentials:write` on the tenant; or an operator whose profile may
//!   modify that tenant's subscribers. Anyone else would learn from it whether a registration
//!   exists.

use crate::http::endpoint::Endpoint;
use crate::security::auth::{self, X_API_KEY, X_INTERNAL_NAME};
use crate::security::context::SystemContext;
use crate::security::dto::UserInfo;
use crate::security::error::{Denial, Detail, SecurityError, SecurityErrorBody};
use crate::security::tenant::subscriber_org;
use crate::security::wire::{self, OptionalJson, Params};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_access::AuthError;
use latchkey_core::OrgId;
use latchkey_notify::Language;
use latchkey_operator::ProfileAccess;
use latchkey_subscriber::{Registration, Signup, SignupStatus};
use latchkey_tenancy::Scope;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::security("/signup").post(register).put(modify));
}

/// The optional body of `PUT /signup`: why the registering party ends a registration. Kept as
/// a note on the subscriber (`reason`, with `errorCode` when given).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignupNote {
    /// At most 1024 characters, no control characters.
    pub reason: Option<String>,
    /// When the registering party decided (seconds since the epoch); not kept.
    pub time: Option<i64>,
    /// The registering party's own code for the outcome.
    pub error_code: Option<i32>,
}

/// The `operation` of `PUT /signup`, as the definition lists them (for the document).
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
pub enum SignupOperation {
    #[serde(rename = "cancel")]
    Cancel,
    #[serde(rename = "success")]
    Success,
    #[serde(rename = "inprogress")]
    InProgress,
    #[serde(rename = "failed")]
    Failed,
    #[serde(rename = "poll")]
    Poll,
    #[serde(rename = "emailVerified")]
    EmailVerified,
}

/// What `PUT /signup` answers: `Command completed.` with the registration as it stands after
/// the operation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignupAnswer {
    /// Always 0.
    #[serde(rename = "Code")]
    pub code: u16,
    /// `PUT`.
    #[serde(rename = "Operation")]
    pub operation: String,
    /// `Command completed.`.
    #[serde(rename = "Details")]
    pub details: &'static str,
    #[serde(rename = "signupUUID")]
    #[schema(format = Uuid)]
    pub signup_uuid: String,
    /// The subscriber's id (its credential's; a withdrawn registration's credential is gone).
    #[serde(rename = "userId")]
    #[schema(format = Uuid)]
    pub user_id: String,
    /// `inprogress`, `emailVerified`, `success`, `failed` or `cancel`.
    pub status: String,
    /// Seconds since the epoch.
    pub created: i64,
    /// Seconds since the epoch: the last change of status.
    pub modified: i64,
}

impl SignupAnswer {
    fn new(signup: &Signup, user: Uuid) -> Self {
        let completed = wire::Completed::new();
        Self {
            code: completed.code,
            operation: completed.operation,
            details: completed.details,
            signup_uuid: signup.uuid.to_string(),
            user_id: user.to_string(),
            status: signup.status.as_str().to_owned(),
            created: signup.created.unix_timestamp(),
            modified: signup.updated.unix_timestamp(),
        }
    }
}

fn bad() -> SecurityError {
    SecurityError::bad_request(Detail::MissingOrInvalidParameters)
}

/// The `signupUUID` parameter: required, a UUID.
fn signup_uuid(params: &Params) -> Result<Uuid, SecurityError> {
    params
        .text("signupUUID")
        .and_then(|raw| Uuid::parse_str(raw.trim()).ok())
        .ok_or_else(bad)
}

/// The client's address, for the per-client limit.
fn client(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default()
}

#[utoipa::path(post, operation_id = "security_signup", path = "/api/v1/signup",
    tag = "Security service",
    params(
        ("email" = String, Query, format = "email", description = "The address to register: it becomes the subscriber's username, and the link goes there"),
        ("signupUUID" = String, Query, format = Uuid, description = "The registering party's id for this registration (`PUT` names it)"),
        ("X-Latchkey-Org" = Option<String>, Header, description = "The tenant (default: the server's subscriber org)"),
    ),
    responses(
        (status = 200, description = "The subscriber as registered (`waitingForEmailCheck`, `signupUUID`); the same answer when the address already has an account (its owner is told by e-mail, nothing is registered, and the `id` names nothing)", body = UserInfo),
        (status = 400, description = "`1018`: `email` or `signupUUID` missing, a `signupUUID` that is no UUID or names another registration, or no tenant named; `1040`: not an e-mail address", body = SecurityErrorBody),
        (status = 403, description = "`X-INTERNAL-NAME` and `X-API-KEY` that are no configured service's (8)", body = SecurityErrorBody),
        (status = 404, description = "The tenant does not exist or is disabled", body = SecurityErrorBody),
        (status = 429, description = "Too many registrations for that address, or from that client (a sibling service that names itself with `X-INTERNAL-NAME` and `X-API-KEY` is not limited per client) (`Retry-After`)", body = SecurityErrorBody),
        (status = 503, description = "The e-mail could not be sent (nothing is registered), or a storage is down", body = SecurityErrorBody)))]
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    params: Params,
) -> Result<HttpResponse, SecurityError> {
    let email = params
        .text("email")
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .ok_or_else(bad)?;
    let signup = signup_uuid(&params)?;
    let org = subscriber_org(&req, &state, None)?;
    let accept = req
        .headers()
        .get("accept-language")
        .and_then(|v| v.to_str().ok());
    // A sibling service registers for many people from one address: only the per-address
    // limit holds for it.
    let client = match sibling(&req)? {
        true => None,
        false => Some(client(&req)),
    };
    let subscriber = state
        .operators
        .signups
        .register(
            &org,
            Registration {
                email,
                signup,
                client: client.as_deref(),
                language: Language::negotiate(None, accept),
            },
        )
        .await?;
    Ok(wire::ok(&UserInfo::subscriber(&subscriber)))
}

#[utoipa::path(put, operation_id = "security_signup_modify", path = "/api/v1/signup",
    tag = "Security service",
    params(
        ("signupUUID" = String, Query, format = Uuid, description = "The registration"),
        ("operation" = inline(SignupOperation), Query, description = "`poll` reads it; `success`, `failed`, `cancel` end it (`inprogress` and `emailVerified` only confirm the state it is in: the e-mailed link alone proves the address)"),
        ("X-Latchkey-Org" = Option<String>, Header, description = "The tenant (default: the server's subscriber org; an operator's own org)"),
    ),
    request_body(content = Option<SignupNote>, description = "Optional: why (`reason`, `errorCode`), kept as a note on the subscriber"),
    responses(
        (status = 200, description = "The registration after the operation", body = SignupAnswer),
        (status = 400, description = "`1018`: a parameter missing or invalid, or a `reason` too long; `1031`: a move the state machine refuses", body = SecurityErrorBody),
        (status = 403, description = "Not a sibling service or an operator who may modify the tenant's subscribers (7, 8, 9)", body = SecurityErrorBody),
        (status = 404, description = "No such registration in the tenant", body = SecurityErrorBody)),
    security(("bearerAuth" = ["credentials:write"]), ("internalService" = [], "apiKeyAuth" = []), ("apiKeyAuth" = [])))]
pub async fn modify(
    state: web::Data<AppState>,
    req: HttpRequest,
    params: Params,
    body: OptionalJson<SignupNote>,
) -> Result<HttpResponse, SecurityError> {
    let signup = signup_uuid(&params)?;
    let operation = params.text("operation").map(str::trim).ok_or_else(bad)?;
    let target = if operation.eq_ignore_ascii_case("poll") {
        None
    } else {
        Some(SignupStatus::parse(operation).ok_or_else(bad)?)
    };
    let operator = authorize(&state, &req).await?;
    let org = subscriber_org(&req, &state, operator.as_ref().map(|o| &*o.operator))?;
    if let Some(caller) = &operator {
        latchkey_subscriber::principal(caller.operator(), &org, ProfileAccess::Modify)
            .map_err(|_| SecurityError::denied(Denial::AccessDenied))?;
    } else {
        require_service(&state, &req, &org).await?;
    }
    let note = body.0.unwrap_or_default();
    let reason = match (note.reason.as_deref().map(str::trim), note.error_code) {
        (Some(reason), Some(code)) if !reason.is_empty() => {
            Some(format!("{reason} (errorCode {code})"))
        }
        (_, Some(code)) => Some(format!("errorCode {code}")),
        (reason, None) => reason.map(str::to_owned),
    };
    let signups = &state.operators.signups;
    let (state_now, user) = match target {
        None => signups.poll(&org, signup).await?,
        Some(to) => signups.advance(&org, signup, to, reason.as_deref()).await?,
    };
    Ok(wire::ok(&SignupAnswer::new(&state_now, user)))
}

/// The operator calling, when the request authenticates as one (`X-API-KEY` without
/// `X-INTERNAL-NAME`, or a bearer token that is an operator's); `None` for anything else,
/// which must then be a sibling service.
async fn authorize(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Option<auth::OperatorCaller>, SecurityError> {
    let internal = req.headers().contains_key(X_INTERNAL_NAME);
    let api_key = header(req, &X_API_KEY)?;
    if !internal && let Some(key) = api_key {
        return auth::operator(state, None, Some(key)).await.map(Some);
    }
    let Some(token) = auth::bearer(req)?.map(str::to_owned) else {
        return Ok(None);
    };
    match state.access.verify(&token).await {
        // A service token: checked by `require_service`.
        Ok(_) => Ok(None),
        Err(AuthError::Expired) => Err(SecurityError::denied(Denial::ExpiredToken)),
        Err(AuthError::Unavailable(source)) => Err(SecurityError::from(source)),
        // Not a service token: an operator's, or nothing.
        Err(AuthError::Missing | AuthError::Invalid(_) | AuthError::Revoked) => {
            auth::operator(state, Some(token), None).await.map(Some)
        }
    }
}

/// Whether a configured sibling service calls, by `X-INTERNAL-NAME` and `X-API-KEY` (both
/// absent: `false`; a pair that is no service's: 403 code 8).
fn sibling(req: &HttpRequest) -> Result<bool, SecurityError> {
    let (Some(name), Some(key)) = (header(req, &X_INTERNAL_NAME)?, header(req, &X_API_KEY)?) else {
        return Ok(false);
    };
    let context = req
        .app_data::<web::Data<SystemContext>>()
        .ok_or_else(|| SecurityError::internal("system context missing"))?;
    match context.services.authenticate(&name, &key) {
        Some(_) => Ok(true),
        None => Err(SecurityError::denied(Denial::InvalidToken)),
    }
}

/// Requires a sibling service: a configured one by `X-INTERNAL-NAME` and `X-API-KEY`, or a
/// service token with `credentials:write` on `org` (tenant-wide: never a customer's token).
async fn require_service(
    state: &AppState,
    req: &HttpRequest,
    org: &OrgId,
) -> Result<(), SecurityError> {
    let invalid = || SecurityError::denied(Denial::InvalidToken);
    if sibling(req)? {
        return Ok(());
    }
    let token = auth::bearer(req)?.ok_or_else(invalid)?;
    let verified = state.access.verify(token).await.map_err(|e| match e {
        AuthError::Expired => SecurityError::denied(Denial::ExpiredToken),
        AuthError::Unavailable(source) => SecurityError::from(source),
        AuthError::Missing | AuthError::Invalid(_) | AuthError::Revoked => invalid(),
    })?;
    verified
        .principal
        .require_tenant_wide(Scope::CredentialsWrite, org)
        .map_err(|_| SecurityError::denied(Denial::AccessDenied))
}

/// A header's value, trimmed; absent or empty is `None`, unreadable is code 8.
fn header(
    req: &HttpRequest,
    name: &actix_web::http::header::HeaderName,
) -> Result<Option<String>, SecurityError> {
    let Some(value) = req.headers().get(name) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| SecurityError::denied(Denial::InvalidToken))?
        .trim();
    Ok(Some(value.to_owned()).filter(|v| !v.is_empty()))
}
