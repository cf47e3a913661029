//! An operator's API keys: `GET/POST/PUT/DELETE /apiKey/{userId}`, and `GET /validateApiKey`
//! for sibling services. A key is shown once, in the answer that creates it; only its hash is
//! kept. `X-API-KEY: <key>` then acts as its operator on every endpoint of the plane (`auth`).

use crate::http::endpoint::Endpoint;
use crate::security::auth::{OperatorCaller, ServiceCaller};
use crate::security::dto::{AclTemplate, TokenValidationResult, UserInfo, WebTokenResult};
use crate::security::error::{Denial, Detail, SecurityError, SecurityErrorBody};
use crate::security::wire::{self, Json, Params};
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use latchkey_core::{ExposeSecret as _, Timestamp};
use latchkey_operator::{API_KEY_NAME_MAX, AccessRight, ApiKey, ApiKeyAccess, OperatorError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        Endpoint::security("/apiKey/{userId}")
            .get(list)
            .post(create)
            .put(modify)
            .delete(delete),
    )
    .service(Endpoint::security("/validateApiKey").get(validate));
}

/// One right of a key.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ApiKeyAccessRight {
    /// The service it applies to (`owsec`, `owgw`, ...).
    pub service: String,
    /// `read`, `modify`, `create`, `delete` or `noaccess`.
    pub access: String,
}

/// `{acls: [ApiKeyAccessRight]}`.
#[derive(Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ApiKeyAccessRightList {
    #[serde(default)]
    pub acls: Vec<ApiKeyAccessRight>,
}

/// A key as listed: never its secret.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyEntry {
    pub id: Uuid,
    /// The operator it acts as.
    pub user_uuid: Uuid,
    pub name: String,
    pub description: String,
    /// Seconds since the epoch.
    #[schema(format = Int64)]
    pub created: i64,
    /// Seconds since the epoch; the key is refused from then on.
    #[schema(format = Int64)]
    pub expires_on: i64,
    /// Seconds since the epoch; 0 when never used.
    #[schema(format = Int64)]
    pub last_use: i64,
    pub rights: ApiKeyAccessRightList,
}

/// `{apiKeys: [ApiKeyEntry]}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyEntryList {
    pub api_keys: Vec<ApiKeyEntry>,
}

/// The answer that creates a key: the definition's `ApiKeyCreationAnswer` (`UUID`, `apiKey`)
/// and the entry's fields (what owsec answers), the key's secret shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiKeyCreationAnswer {
    #[serde(rename = "UUID")]
    pub uuid: Uuid,
    /// The key: send it as `X-API-KEY`. Not shown again.
    #[serde(rename = "apiKey")]
    pub api_key: String,
    #[serde(flatten)]
    pub entry: ApiKeyEntry,
}

/// What `POST` (a new key) and `PUT` (a key's description) read.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyInput {
    /// `PUT`: the key to change (else `?name=` names it).
    pub id: Option<Uuid>,
    /// `POST`: required, unique among the operator's keys.
    pub name: Option<String>,
    pub description: Option<String>,
    /// `POST`: required, seconds since the epoch, in the future.
    #[schema(format = Int64)]
    pub expires_on: Option<i64>,
    pub rights: Option<ApiKeyAccessRightList>,
}

fn seconds(t: Timestamp) -> i64 {
    t.unix_timestamp()
}

impl From<ApiKey> for ApiKeyEntry {
    fn from(k: ApiKey) -> Self {
        Self {
            id: k.id,
            user_uuid: k.operator,
            name: k.name,
            description: k.description,
            created: seconds(k.created),
            expires_on: seconds(k.expires),
            last_use: k.last_use.map_or(0, seconds),
            rights: ApiKeyAccessRightList {
                acls: k
                    .rights
                    .into_iter()
                    .map(|r| ApiKeyAccessRight {
                        service: r.service,
                        access: r.access.as_str().to_owned(),
                    })
                    .collect(),
            },
        }
    }
}

fn bad(detail: Detail) -> SecurityError {
    SecurityError::bad_request(detail)
}

/// The `{userId}` segment: an operator id (404 otherwise: no operator has it).
fn user_path(raw: &str) -> Result<Uuid, SecurityError> {
    Uuid::parse_str(raw.trim()).map_err(|_| SecurityError::not_found())
}

fn rights(sent: Option<ApiKeyAccessRightList>) -> Result<Vec<AccessRight>, SecurityError> {
    sent.unwrap_or_default()
        .acls
        .into_iter()
        .map(|r| {
            let access = ApiKeyAccess::parse(&r.access)
                .ok_or_else(|| bad(Detail::MissingOrInvalidParameters))?;
            Ok(AccessRight {
                service: r.service,
                access,
            })
        })
        .collect()
}

/// A key's name the domain accepts: 1 to [`API_KEY_NAME_MAX`] ASCII letters and digits.
fn well_formed(name: &str) -> bool {
    let name = name.trim();
    !name.is_empty()
        && name.len() <= API_KEY_NAME_MAX
        && name.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The detail codes owsec answers for a key it does not create: too many keys (1148), a name
/// taken (1147: the domain refuses a well-formed name only when the operator has it already).
fn creation_error(error: OperatorError, name: &str) -> SecurityError {
    match error {
        OperatorError::Invalid("apiKeys") => bad(Detail::TooManyApiKeys),
        OperatorError::Invalid("name") if well_formed(name) => bad(Detail::ApiKeyNameAlreadyExists),
        other => other.into(),
    }
}

/// The keys of an operator: its own, or any operator's for a `root`.
#[utoipa::path(get, operation_id = "api_keys_list", path = "/api/v1/apiKey/{userId}",
    tag = "Security service",
    params(("userId" = Uuid, Path, description = "The operator's id")),
    responses(
        (status = 200, description = "Its keys, oldest first, without their secrets", body = ApiKeyEntryList),
        (status = 403, description = "Not signed in (8, 9), or not the caller's own keys and not a root (7)", body = SecurityErrorBody),
        (status = 404, description = "No such operator", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: OperatorCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, SecurityError> {
    let operator = user_path(&path)?;
    let keys = state
        .operators
        .api_keys
        .list(caller.operator(), operator)
        .await?;
    let api_keys = keys.into_iter().map(ApiKeyEntry::from).collect();
    Ok(wire::ok(&ApiKeyEntryList { api_keys }))
}

/// Creates a key for an operator: its own, or any operator's for a `root`.
#[utoipa::path(post, operation_id = "api_keys_create", path = "/api/v1/apiKey/{userId}",
    tag = "Security service",
    params(("userId" = Uuid, Path, description = "The operator's id")),
    request_body = ApiKeyInput,
    responses(
        (status = 200, description = "The key, its secret shown this once", body = ApiKeyCreationAnswer),
        (status = 400, description = "`1003`/`1018`: no name, an expiry in the past, an unknown access; `1147`: the name is taken; `1148`: too many keys", body = SecurityErrorBody),
        (status = 403, description = "Not signed in (8, 9), or not the caller's own keys and not a root (7)", body = SecurityErrorBody),
        (status = 404, description = "No such operator", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    caller: OperatorCaller,
    path: web::Path<String>,
    Json(input): Json<ApiKeyInput>,
) -> Result<HttpResponse, SecurityError> {
    let operator = user_path(&path)?;
    let name = input
        .name
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| bad(Detail::MissingOrInvalidParameters))?;
    let expires = input
        .expires_on
        .and_then(|s| Timestamp::from_unix_timestamp(s).ok())
        .ok_or_else(|| bad(Detail::MissingOrInvalidParameters))?;
    let rights = rights(input.rights)?;
    let description = input.description.unwrap_or_default();
    let (key, secret) = state
        .operators
        .api_keys
        .create(
            caller.operator(),
            operator,
            name.clone(),
            description,
            expires,
            rights,
        )
        .await
        .map_err(|e| creation_error(e, &name))?;
    Ok(wire::ok(&ApiKeyCreationAnswer {
        uuid: key.id,
        api_key: secret.expose_secret().to_owned(),
        entry: ApiKeyEntry::from(key),
    }))
}

/// Changes a key's description, the only thing of a key that changes (as owsec). The key is
/// the body's `id`, else `?name=`, else the body's `name`.
#[utoipa::path(put, operation_id = "api_keys_modify", path = "/api/v1/apiKey/{userId}",
    tag = "Security service",
    params(
        ("userId" = Uuid, Path, description = "The operator's id"),
        ("name" = Option<String>, Query, description = "The key's name, when the body has no `id`"),
    ),
    request_body = ApiKeyInput,
    responses(
        (status = 200, description = "The key as it is now, without its secret", body = ApiKeyEntry),
        (status = 400, description = "`1018`: no key named, or an unusable description; `1150`: the operator has no such key", body = SecurityErrorBody),
        (status = 403, description = "Not signed in (8, 9), or not the caller's own keys and not a root (7)", body = SecurityErrorBody),
        (status = 404, description = "No such operator", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn modify(
    state: web::Data<AppState>,
    caller: OperatorCaller,
    path: web::Path<String>,
    params: Params,
    Json(input): Json<ApiKeyInput>,
) -> Result<HttpResponse, SecurityError> {
    let operator = user_path(&path)?;
    let keys = &state.operators.api_keys;
    let existing = keys.list(caller.operator(), operator).await?;
    let key = match (input.id, params.text("name").or(input.name.as_deref())) {
        (Some(id), _) => existing.into_iter().find(|k| k.id == id),
        (None, Some(name)) => existing
            .into_iter()
            .find(|k| k.name.eq_ignore_ascii_case(name.trim())),
        (None, None) => return Err(bad(Detail::MissingOrInvalidParameters)),
    }
    .ok_or_else(|| bad(Detail::ApiKeyDoesNotExist))?;
    let key = match input.description {
        Some(description) => match keys
            .describe(caller.operator(), operator, key.id, &description)
            .await
        {
            // Deleted meanwhile.
            Err(OperatorError::NotFound) => return Err(bad(Detail::ApiKeyDoesNotExist)),
            other => other?,
        },
        None => key,
    };
    Ok(wire::ok(&ApiKeyEntry::from(key)))
}

/// Deletes a key (`?keyUuid=`): from then on it authenticates nothing.
#[utoipa::path(delete, operation_id = "api_keys_delete", path = "/api/v1/apiKey/{userId}",
    tag = "Security service",
    params(
        ("userId" = Uuid, Path, description = "The operator's id"),
        ("keyUuid" = Uuid, Query, description = "The key's id"),
    ),
    responses(
        (status = 200, description = "Deleted: an empty body"),
        (status = 400, description = "`1018`: no `keyUuid`", body = SecurityErrorBody),
        (status = 403, description = "Not signed in (8, 9), or not the caller's own keys and not a root (7)", body = SecurityErrorBody),
        (status = 404, description = "No such operator, or no such key of it", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn delete(
    state: web::Data<AppState>,
    caller: OperatorCaller,
    path: web::Path<String>,
    params: Params,
) -> Result<HttpResponse, SecurityError> {
    let operator = user_path(&path)?;
    let key = params
        .text("keyUuid")
        .filter(|k| !k.trim().is_empty())
        .ok_or_else(|| bad(Detail::MissingOrInvalidParameters))?;
    let key = Uuid::parse_str(key.trim()).map_err(|_| SecurityError::not_found())?;
    state
        .operators
        .api_keys
        .delete(caller.operator(), operator, key)
        .await?;
    Ok(wire::deleted())
}

/// What `/validateApiKey` answers: the key's operator and a token description of the key
/// (`TokenValidationResult`), and when the key expires.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiKeyValidation {
    #[serde(flatten)]
    pub result: TokenValidationResult,
    /// Seconds since the epoch.
    #[serde(rename = "expiresOn")]
    #[schema(format = Int64)]
    pub expires_on: i64,
}

/// Whether a key is live, for a sibling service (`X-API-KEY` + `X-INTERNAL-NAME`): its operator
/// and its expiry. The key is read from `apikey` (what owsec reads) or `token` (what the
/// definition names); it is never echoed.
#[utoipa::path(get, operation_id = "api_keys_validate", path = "/api/v1/validateApiKey",
    tag = "Security service",
    params(
        ("apikey" = Option<String>, Query, description = "The key"),
        ("token" = Option<String>, Query, description = "The key, when `apikey` is not given"),
    ),
    responses(
        (status = 200, description = "The key is live: its operator, `tokenInfo` (`expires_in`: seconds left) and `expiresOn`", body = ApiKeyValidation),
        (status = 403, description = "Not a sibling service's call (8), or no live key of a usable operator (7)", body = SecurityErrorBody),
        (status = 404, description = "Neither `apikey` nor `token` given (as owsec answers)", body = SecurityErrorBody)),
    security(("bearerAuth" = ["tokens:validate"]), ("internalService" = [])))]
pub async fn validate(
    state: web::Data<AppState>,
    _service: ServiceCaller,
    params: Params,
) -> Result<HttpResponse, SecurityError> {
    // No key at all: 404, as owsec answers; an empty one is no live key.
    let secret = params
        .text("apikey")
        .or_else(|| params.text("token"))
        .map(str::trim)
        .ok_or_else(SecurityError::not_found)?;
    let Some((operator, key)) = state.operators.api_keys.authenticate(secret).await? else {
        return Err(SecurityError::denied(Denial::AccessDenied));
    };
    let now = time::OffsetDateTime::now_utc();
    let token_info = WebTokenResult {
        // The key is the caller's already; it is not repeated.
        access_token: String::new(),
        refresh_token: String::new(),
        token_type: "Bearer",
        expires_in: (key.expires - now).whole_seconds().max(0),
        idle_timeout: 0,
        username: operator.email.to_string(),
        created: seconds(key.created),
        user_must_change_password: operator.change_password,
        error_code: 0,
        acl_template: AclTemplate::all(),
        last_refresh: key.last_use.map_or(0, seconds),
    };
    Ok(wire::ok(&ApiKeyValidation {
        result: TokenValidationResult {
            user_info: UserInfo::from(&operator),
            token_info,
        },
        expires_on: seconds(key.expires),
    }))
}
