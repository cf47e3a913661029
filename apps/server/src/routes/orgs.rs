//! Tenants: `PUT/GET /v1/orgs/{org}`, `GET /v1/orgs` (scope `tenants:admin`).

use super::{org_path, rfc3339};
use crate::http::auth::Caller;
use crate::http::body;
use crate::http::endpoint::Endpoint;
use crate::http::error::{ApiError, ErrorBody};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_tenancy::{Tenant, TenantName};
use serde::{Deserialize, Serialize};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::api("/v1/orgs").get(list))
        .service(Endpoint::api("/v1/orgs/{org}").get(get).put(put));
}

/// A tenant (brand).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TenantDto {
    /// The org id, e.g. `masmovil`.
    #[schema(example = "masmovil")]
    pub id: String,
    /// Display name, shown to customers.
    #[schema(example = "MásMóvil")]
    pub name: String,
    /// A disabled tenant keeps its data, but its endpoints answer 404 and discover skips it.
    pub enabled: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl From<Tenant> for TenantDto {
    fn from(t: Tenant) -> Self {
        Self {
            id: t.id.to_string(),
            name: t.name.as_str().to_owned(),
            enabled: t.enabled,
            created_at: rfc3339(t.created_at),
            updated_at: rfc3339(t.updated_at),
        }
    }
}

/// Creates or replaces a tenant.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PutTenant {
    /// Display name: 1 to 100 characters.
    #[schema(example = "MásMóvil")]
    pub name: String,
    /// Default `true`.
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
}

fn enabled_by_default() -> bool {
    true
}

/// Creates (201) or updates (200) a tenant.
#[utoipa::path(put, operation_id = "orgs_put", path = "/v1/orgs/{org}", tag = "Tenants",
    params(("org" = String, Path, description = "Org id: `^[a-z][a-z0-9_-]{1,39}$`")),
    request_body = PutTenant,
    responses(
        (status = 201, description = "Created", body = TenantDto),
        (status = 200, description = "Updated", body = TenantDto),
        (status = 400, description = "Invalid org id or body", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "No `tenants:admin` scope, or org not covered", body = ErrorBody)),
    security(("bearerAuth" = ["tenants:admin"])))]
pub async fn put(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let org = org_path(&path)?;
    let input: PutTenant = body::json(&req, payload).await?;
    let name = TenantName::parse(&input.name)?;
    let (tenant, created) = state.tenants.put(&caller, org, name, input.enabled).await?;
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response.json(TenantDto::from(tenant)))
}

/// One tenant.
#[utoipa::path(get, operation_id = "orgs_get", path = "/v1/orgs/{org}", tag = "Tenants",
    params(("org" = String, Path, description = "Org id")),
    responses(
        (status = 200, description = "The tenant", body = TenantDto),
        (status = 400, description = "Invalid org id", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "No `tenants:admin` scope, or org not covered", body = ErrorBody),
        (status = 404, description = "No such tenant", body = ErrorBody)),
    security(("bearerAuth" = ["tenants:admin"])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let org = org_path(&path)?;
    let tenant = state.tenants.get(&caller, &org).await?;
    Ok(HttpResponse::Ok().json(TenantDto::from(tenant)))
}

/// The tenants the token covers, enabled or not.
#[utoipa::path(get, operation_id = "orgs_list", path = "/v1/orgs", tag = "Tenants",
    responses(
        (status = 200, description = "Tenants ordered by id", body = [TenantDto]),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "No `tenants:admin` scope", body = ErrorBody)),
    security(("bearerAuth" = ["tenants:admin"])))]
pub async fn list(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let tenants = state.tenants.list(&caller).await?;
    Ok(HttpResponse::Ok().json(tenants.into_iter().map(TenantDto::from).collect::<Vec<_>>()))
}
