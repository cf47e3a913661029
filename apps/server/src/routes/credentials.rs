//! Credentials API endpoints 1-9 under `/v1/orgs/{org}/credentials`.

use super::{org_path, rfc3339};
use crate::http::auth::Caller;
use crate::http::body;
use crate::http::endpoint::Endpoint;
use crate::http::error::{ApiError, ErrorBody};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_credential::IssuedToken;
use latchkey_credential::{Credential, CredentialAttrs, Password, Transfer};
use serde::{Deserialize, Serialize};

const BASE: &str = "/v1/orgs/{org}/credentials";

pub fn configure(cfg: &mut web::ServiceConfig) {
    // `{username}` is one path segment, and `move`, `copy` and `discover` are not usernames, so
    // the busiest resource can come first. `{username}/change_password` comes after the fixed
    // paths: `move/change_password` moves the user `change_password`.
    cfg.service(
        Endpoint::api(&format!("{BASE}/{{username}}"))
            .get(get)
            .post(create)
            .put(set_password)
            .patch(patch)
            .delete(delete),
    )
    .service(Endpoint::api(&format!("{BASE}/move/{{username}}")).post(move_credential))
    .service(Endpoint::api(&format!("{BASE}/copy/{{username}}")).post(copy_credential))
    .service(Endpoint::api(&format!("{BASE}/discover/{{username}}")).get(discover))
    .service(Endpoint::api(&format!("{BASE}/{{username}}/change_password")).post(change_password));
}

/// Go's `sql.NullTime` shape.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NullTime {
    #[serde(rename = "Time")]
    #[schema(example = "0001-01-01T00:00:00Z")]
    pub time: String,
    #[serde(rename = "Valid")]
    pub valid: bool,
}

/// A credential (never its password).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CredentialDto {
    #[schema(example = "123e4567-e89b-12d3-a456-426614174000")]
    pub id: String,
    #[schema(example = "heimdall@masmovil.com")]
    pub username: String,
    pub enabled: bool,
    pub require2fa: bool,
    #[schema(example = "qvantel")]
    pub crm: String,
    #[schema(example = "2025-01-15T10:30:00Z")]
    pub created_at: String,
    pub updated_at: String,
    /// `null` until the first login.
    pub last_login_at: Option<String>,
    pub deleted_at: NullTime,
}

impl From<Credential> for CredentialDto {
    fn from(c: Credential) -> Self {
        Self {
            id: c.id.to_string(),
            username: c.username.to_string(),
            enabled: c.enabled,
            require2fa: c.require2fa,
            crm: c.attrs.crm,
            created_at: rfc3339(c.created_at),
            updated_at: rfc3339(c.updated_at),
            last_login_at: c.last_login_at.map(rfc3339),
            deleted_at: match c.deleted_at {
                Some(t) => NullTime {
                    time: rfc3339(t),
                    valid: true,
                },
                None => NullTime {
                    time: "0001-01-01T00:00:00Z".into(),
                    valid: false,
                },
            },
        }
    }
}

/// A credential found by discover.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DiscoveredCredential {
    #[schema(example = "masmovil")]
    pub org: String,
    pub id: String,
    pub created_at: String,
    pub enabled: bool,
    pub require2fa: bool,
    pub last_login_at: Option<String>,
    pub updated_at: String,
    pub username: String,
    pub crm: String,
}

/// Optional attributes of a new credential.
#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
pub struct CreateCredential {
    #[schema(example = "qvantel")]
    pub crm: Option<String>,
    pub customer_id: Option<String>,
    /// E.164, e.g. `+34600111222`.
    pub msisdn: Option<String>,
}

/// A security token to set or change a password.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SecurityTokenDto {
    /// `<uuid>@<org>@<secret>`.
    #[schema(
        example = "ed7f4ab1-6234-46e6-a4de-fd3d4de3d414@masmovil@h7sn381lTBopU7pLIljv36pWzPTEy-FlswJznI_JqVo="
    )]
    pub token: String,
}

impl From<IssuedToken> for SecurityTokenDto {
    fn from(t: IssuedToken) -> Self {
        Self {
            token: t.expose().to_owned(),
        }
    }
}

/// Password and security token.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SetPassword {
    /// 8 to 128 characters; not a common password; not the username.
    pub password: String,
    /// A set-password or change-password token issued for this username.
    pub token: String,
}

/// Enable or disable; optionally require a second factor.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PatchCredential {
    pub enabled: bool,
    pub require2fa: Option<bool>,
}

/// The destination of a move or copy.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TransferRequest {
    #[serde(rename = "destinationOrg")]
    #[schema(example = "yoigo")]
    pub destination_org: String,
}

/// The result of a move or copy.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TransferResult {
    #[schema(example = "credential moved successfully")]
    pub message: &'static str,
    pub username: String,
    pub from: String,
    pub to: String,
}

type OrgUser = web::Path<(String, String)>;

/// 1. A credential, without its password.
#[utoipa::path(get, operation_id = "credentials_get", path = "/v1/orgs/{org}/credentials/{username}", tag = "Credentials",
    params(("org" = String, Path, description = "Org id"), ("username" = String, Path, description = "Username")),
    responses(
        (status = 200, description = "The credential", body = CredentialDto),
        (status = 400, description = "Invalid org id or username", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "No `credentials:read` scope, or org not covered", body = ErrorBody),
        (status = 404, description = "No such tenant or credential", body = ErrorBody)),
    security(("bearerAuth" = ["credentials:read"])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    path: OrgUser,
) -> Result<HttpResponse, ApiError> {
    let org = org_path(&path.0)?;
    let credential = state.credentials.get(&caller, &org, &path.1).await?;
    Ok(HttpResponse::Ok().json(CredentialDto::from(credential)))
}

/// 2. Creates the credential disabled and without password; answers a set-password token.
#[utoipa::path(post, operation_id = "credentials_create", path = "/v1/orgs/{org}/credentials/{username}", tag = "Credentials",
    params(("org" = String, Path, description = "Org id"), ("username" = String, Path, description = "An e-mail address, an E.164 MSISDN or a plain identifier")),
    request_body(content = CreateCredential, description = "Optional"),
    responses(
        (status = 201, description = "Created; the token sets the password (endpoint 3)", body = SecurityTokenDto),
        (status = 400, description = "Invalid username or attribute", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "No `credentials:write` scope, or org not covered", body = ErrorBody),
        (status = 404, description = "No such tenant", body = ErrorBody),
        (status = 409, description = "The username exists", body = ErrorBody)),
    security(("bearerAuth" = ["credentials:write"])))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    path: OrgUser,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let org = org_path(&path.0)?;
    let input: CreateCredential = body::optional_json(&req, payload)
        .await?
        .unwrap_or_default();
    let attrs = CredentialAttrs::parse(
        input.crm.as_deref(),
        input.customer_id.as_deref(),
        input.msisdn.as_deref(),
    )?;
    let token = state
        .credentials
        .create(&caller, &org, &path.1, attrs)
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(SecurityTokenDto::from(token)))
}

/// 3. Sets the password with a set- or change-password token; enables the credential.
#[utoipa::path(put, operation_id = "credentials_set_password", path = "/v1/orgs/{org}/credentials/{username}", tag = "Credentials",
    params(("org" = String, Path, description = "Org id"), ("username" = String, Path, description = "Username")),
    request_body = SetPassword,
    responses(
        (status = 204, description = "Password set; the token is used up"),
        (status = 400, description = "Password refused by the policy (`password.*`), or token invalid, expired or for another username (`token.*`)", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "No `credentials:write` scope, or org not covered", body = ErrorBody),
        (status = 404, description = "No such tenant or credential", body = ErrorBody)),
    security(("bearerAuth" = ["credentials:write"])))]
pub async fn set_password(
    state: web::Data<AppState>,
    caller: Caller,
    path: OrgUser,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let org = org_path(&path.0)?;
    let input: SetPassword = body::json(&req, payload).await?;
    let password = Password::new(&input.password);
    state
        .credentials
        .set_password(&caller, &org, &path.1, &input.token, &password)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// 4. Enables or disables; optionally sets `require2fa`.
#[utoipa::path(patch, operation_id = "credentials_patch", path = "/v1/orgs/{org}/credentials/{username}", tag = "Credentials",
    params(("org" = String, Path, description = "Org id"), ("username" = String, Path, description = "Username")),
    request_body = PatchCredential,
    responses(
        (status = 204, description = "Updated"),
        (status = 400, description = "Invalid body (`enabled` is required)", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "No `credentials:write` scope, or org not covered", body = ErrorBody),
        (status = 404, description = "No such tenant or credential", body = ErrorBody)),
    security(("bearerAuth" = ["credentials:write"])))]
pub async fn patch(
    state: web::Data<AppState>,
    caller: Caller,
    path: OrgUser,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let org = org_path(&path.0)?;
    let input: PatchCredential = body::json(&req, payload).await?;
    // A disabled customer is signed out everywhere (the store ends the device sessions).
    state
        .credentials
        .patch(&caller, &org, &path.1, input.enabled, input.require2fa)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// 5. Soft delete: disabled, password erased, tokens revoked; the username can be created again.
#[utoipa::path(delete, operation_id = "credentials_delete", path = "/v1/orgs/{org}/credentials/{username}", tag = "Credentials",
    params(("org" = String, Path, description = "Org id"), ("username" = String, Path, description = "Username")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Invalid org id or username", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "No `credentials:admin` scope, or org not covered", body = ErrorBody),
        (status = 404, description = "No such tenant or credential", body = ErrorBody)),
    security(("bearerAuth" = ["credentials:admin"])))]
pub async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    path: OrgUser,
) -> Result<HttpResponse, ApiError> {
    let org = org_path(&path.0)?;
    // Its device sessions (and their refresh tokens) end with it, in the same step.
    state.credentials.delete(&caller, &org, &path.1).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn transfer(
    state: web::Data<AppState>,
    caller: Caller,
    path: OrgUser,
    req: HttpRequest,
    payload: web::Payload,
    kind: Transfer,
) -> Result<HttpResponse, ApiError> {
    let org = org_path(&path.0)?;
    let input: TransferRequest = body::json(&req, payload).await?;
    // A move deletes the origin's credential: its device sessions end with it, atomically.
    let username = state
        .credentials
        .transfer(&caller, &org, &path.1, &input.destination_org, kind)
        .await?;
    Ok(HttpResponse::Ok().json(TransferResult {
        message: match kind {
            Transfer::Move => "credential moved successfully",
            Transfer::Copy => "credential copied successfully",
        },
        username: username.to_string(),
        from: org.to_string(),
        to: input.destination_org,
    }))
}

/// 6. Moves the credential to another org, atomically.
#[utoipa::path(post, operation_id = "credentials_move_credential", path = "/v1/orgs/{org}/credentials/move/{username}", tag = "Credentials",
    params(("org" = String, Path, description = "Origin org id"), ("username" = String, Path, description = "Username")),
    request_body = TransferRequest,
    responses(
        (status = 200, description = "Moved", body = TransferResult),
        (status = 400, description = "Invalid input, same org, or disabled destination", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "No `credentials:admin` scope on both orgs", body = ErrorBody),
        (status = 404, description = "No such tenant, destination or credential", body = ErrorBody),
        (status = 409, description = "The destination has that username", body = ErrorBody)),
    security(("bearerAuth" = ["credentials:admin"])))]
pub async fn move_credential(
    state: web::Data<AppState>,
    caller: Caller,
    path: OrgUser,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    transfer(state, caller, path, req, payload, Transfer::Move).await
}

/// 7. Copies the credential (same password hash) to another org.
#[utoipa::path(post, operation_id = "credentials_copy_credential", path = "/v1/orgs/{org}/credentials/copy/{username}", tag = "Credentials",
    params(("org" = String, Path, description = "Origin org id"), ("username" = String, Path, description = "Username")),
    request_body = TransferRequest,
    responses(
        (status = 200, description = "Copied", body = TransferResult),
        (status = 400, description = "Invalid input, same org, or disabled destination", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "No `credentials:admin` scope on both orgs", body = ErrorBody),
        (status = 404, description = "No such tenant, destination or credential", body = ErrorBody),
        (status = 409, description = "The destination has that username", body = ErrorBody)),
    security(("bearerAuth" = ["credentials:admin"])))]
pub async fn copy_credential(
    state: web::Data<AppState>,
    caller: Caller,
    path: OrgUser,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    transfer(state, caller, path, req, payload, Transfer::Copy).await
}

/// 8. The credentials with that username in every enabled tenant the token covers.
#[utoipa::path(get, operation_id = "credentials_discover", path = "/v1/orgs/{org}/credentials/discover/{username}", tag = "Credentials",
    params(("org" = String, Path, description = "Org id (context of the request)"), ("username" = String, Path, description = "Username")),
    responses(
        (status = 200, description = "Found credentials, possibly none", body = [DiscoveredCredential]),
        (status = 400, description = "Invalid org id or username", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "No `credentials:admin` scope, or org not covered", body = ErrorBody),
        (status = 404, description = "No such tenant (the context org)", body = ErrorBody)),
    security(("bearerAuth" = ["credentials:admin"])))]
pub async fn discover(
    state: web::Data<AppState>,
    caller: Caller,
    path: OrgUser,
) -> Result<HttpResponse, ApiError> {
    let org = org_path(&path.0)?;
    let found = state.credentials.discover(&caller, &org, &path.1).await?;
    let found: Vec<_> = found
        .into_iter()
        .map(|(org, c)| DiscoveredCredential {
            org: org.to_string(),
            id: c.id.to_string(),
            created_at: rfc3339(c.created_at),
            enabled: c.enabled,
            require2fa: c.require2fa,
            last_login_at: c.last_login_at.map(rfc3339),
            updated_at: rfc3339(c.updated_at),
            username: c.username.to_string(),
            crm: c.attrs.crm,
        })
        .collect();
    Ok(HttpResponse::Ok().json(found))
}

/// 9. A token to change the password through endpoint 3 (a set-password token when the
/// credential never had a password).
#[utoipa::path(post, operation_id = "credentials_change_password", path = "/v1/orgs/{org}/credentials/{username}/change_password", tag = "Credentials",
    params(("org" = String, Path, description = "Org id"), ("username" = String, Path, description = "Username")),
    responses(
        (status = 201, description = "A change-password token", body = SecurityTokenDto),
        (status = 400, description = "Invalid org id or username", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "No `credentials:write` scope, or org not covered", body = ErrorBody),
        (status = 404, description = "No such tenant or credential", body = ErrorBody)),
    security(("bearerAuth" = ["credentials:write"])))]
pub async fn change_password(
    state: web::Data<AppState>,
    caller: Caller,
    path: OrgUser,
) -> Result<HttpResponse, ApiError> {
    let org = org_path(&path.0)?;
    let token = state
        .credentials
        .change_password_token(&caller, &org, &path.1)
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(SecurityTokenDto::from(token)))
}
