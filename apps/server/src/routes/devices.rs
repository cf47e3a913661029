//! Credentials API endpoints 22-24: the devices a customer signed in on (device sessions), and
//! unlinking them (their refresh tokens die at once). Scope `devices`; a customer's own token
//! may act on its own credential.

use super::org_path;
use crate::http::auth::Caller;
use crate::http::endpoint::Endpoint;
use crate::http::error::{ApiError, ErrorBody};
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use latchkey_tenancy::Scope;
use serde::{Deserialize, Serialize};

const BASE: &str = "/v1/orgs/{org}/credentials/{username}/devices";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::api(BASE).get(list).delete(unlink_all))
        .service(Endpoint::api(&format!("{BASE}/{{device_id}}")).delete(unlink));
}

/// A device with a live session.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeviceDto {
    pub device_id: String,
    pub user_agent: String,
    /// A readable name, e.g. "Chrome on macOS".
    #[schema(example = "Chrome on macOS")]
    pub user_agent_alias: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds: the session (and its refresh tokens) ends then.
    pub expires_at: i64,
}

/// The devices of a credential.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeviceList {
    pub devices: Vec<DeviceDto>,
}

/// `?scope=all`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnlinkAllQuery {
    /// Must be `all`: unlinking every device is never implied.
    #[param(required = true)]
    pub scope: Option<String>,
}

/// Endpoint 22: every device with a live session, oldest first.
#[utoipa::path(get, operation_id = "devices_list", path = "/v1/orgs/{org}/credentials/{username}/devices", tag = "Devices",
    params(("org" = String, Path), ("username" = String, Path)),
    responses(
        (status = 200, description = "The devices", body = DeviceList),
        (status = 400, description = "Invalid org id (`request.invalid_org`) or username", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "No `devices` scope, org not covered, or another customer's credential", body = ErrorBody),
        (status = 404, description = "Unknown org or credential", body = ErrorBody)),
    security(("bearerAuth" = ["devices"])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let org = org_path(&path.0)?;
    let (_, credential) = state
        .credentials
        .live_for(&caller, Scope::Devices, &org, &path.1)
        .await?;
    let devices = state.devices.list(&org, credential.id).await?;
    Ok(HttpResponse::Ok().json(DeviceList {
        devices: devices
            .into_iter()
            .map(|d| DeviceDto {
                device_id: d.id.to_string(),
                user_agent: d.user_agent,
                user_agent_alias: d.alias,
                created_at: d.created_at.unix_timestamp(),
                expires_at: d.expires_at.unix_timestamp(),
            })
            .collect(),
    }))
}

/// Endpoint 23: unlinks every device at once (`?scope=all`).
#[utoipa::path(delete, operation_id = "devices_unlink_all", path = "/v1/orgs/{org}/credentials/{username}/devices", tag = "Devices",
    params(("org" = String, Path), ("username" = String, Path), UnlinkAllQuery),
    responses(
        (status = 204, description = "Every device unlinked; their refresh tokens no longer work"),
        (status = 400, description = "Invalid org id (`request.invalid_org`) or username, or `scope=all` missing (`device.scope_required`)", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "No `devices` scope, org not covered, or another customer's credential", body = ErrorBody),
        (status = 404, description = "Unknown org or credential", body = ErrorBody)),
    security(("bearerAuth" = ["devices"])))]
pub async fn unlink_all(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    query: Result<web::Query<UnlinkAllQuery>, actix_web::Error>,
) -> Result<HttpResponse, ApiError> {
    let org = org_path(&path.0)?;
    let (_, credential) = state
        .credentials
        .live_for(&caller, Scope::Devices, &org, &path.1)
        .await?;
    let query = super::query(query)?;
    if query.scope.as_deref() != Some("all") {
        return Err(ApiError::bad_request(
            "device.scope_required",
            "unlinking every device needs ?scope=all",
        ));
    }
    state.devices.unlink_all(&org, credential.id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Endpoint 24: unlinks one device.
#[utoipa::path(delete, operation_id = "devices_unlink", path = "/v1/orgs/{org}/credentials/{username}/devices/{device_id}", tag = "Devices",
    params(("org" = String, Path), ("username" = String, Path), ("device_id" = String, Path)),
    responses(
        (status = 204, description = "Unlinked; its refresh tokens no longer work"),
        (status = 400, description = "Invalid org id (`request.invalid_org`) or username", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "No `devices` scope, org not covered, or another customer's credential", body = ErrorBody),
        (status = 404, description = "Unknown org, credential or device", body = ErrorBody)),
    security(("bearerAuth" = ["devices"])))]
pub async fn unlink(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let org = org_path(&path.0)?;
    let (_, credential) = state
        .credentials
        .live_for(&caller, Scope::Devices, &org, &path.1)
        .await?;
    let id = uuid::Uuid::try_parse(&path.2)
        .map_err(|_| ApiError::not_found("device.not_found", "no such device"))?;
    state.devices.unlink(&org, credential.id, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
