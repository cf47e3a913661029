//! API clients: `POST/GET /v1/clients`, `DELETE /v1/clients/{id}` (scope `clients:admin`).

use super::rfc3339;
use crate::http::auth::Caller;
use crate::http::body;
use crate::http::error::{ApiError, ErrorBody};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_core::ExposeSecret as _;
use latchkey_tenancy::{ApiClient, ClientId, ClientName, NewClient, OrgAccess, Scope, ScopeSet};
use serde::{Deserialize, Serialize};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::resource("/v1/clients")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(super::resource("/v1/clients/{id}").route(web::delete().to(delete)));
}

/// Registers a client.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CreateClient {
    #[schema(example = "crm-sync")]
    pub name: String,
    /// Scopes the client may request; the caller must hold them itself.
    #[schema(example = json!(["credentials:read", "credentials:write"]))]
    pub scopes: Vec<String>,
    /// Org ids, or `["*"]` for all; the caller must cover them itself.
    #[schema(example = json!(["masmovil"]))]
    pub orgs: Vec<String>,
}

/// A registered client (its secret is never shown again after creation).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClientDto {
    pub client_id: String,
    pub name: String,
    pub scopes: Vec<&'static str>,
    pub orgs: Vec<String>,
    pub created_at: String,
}

/// A client just created, with its secret: the only time it is shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedClient {
    pub client_id: String,
    /// Keep it safe: only its hash is stored.
    pub client_secret: String,
    pub name: String,
    pub scopes: Vec<&'static str>,
    pub orgs: Vec<String>,
}

impl From<ApiClient> for ClientDto {
    fn from(c: ApiClient) -> Self {
        Self {
            client_id: c.id.to_string(),
            name: c.name.as_str().to_owned(),
            scopes: c.scopes.names(),
            orgs: c.orgs.to_strings(),
            created_at: rfc3339(c.created_at),
        }
    }
}

/// Registers a client and shows its secret once.
#[utoipa::path(post, operation_id = "clients_create", path = "/v1/clients", tag = "Clients",
    request_body = CreateClient,
    responses(
        (status = 201, description = "Created; the secret is shown this once", body = CreatedClient),
        (status = 400, description = "Invalid name, scope or org", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "No `clients:admin` scope, or granting more than the caller holds", body = ErrorBody)),
    security(("bearerAuth" = ["clients:admin"])))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let input: CreateClient = body::json(&req, payload).await?;
    let scopes = input
        .scopes
        .iter()
        .map(|s| Scope::parse(s))
        .collect::<Result<ScopeSet, _>>()
        .map_err(|e| ApiError::bad_request("client.unknown_scope", e.to_string()))?;
    let orgs = OrgAccess::parse(&input.orgs).map_err(|_| {
        ApiError::bad_request(
            "client.invalid_org",
            "orgs must be [\"*\"] alone or a list of valid org ids",
        )
    })?;
    let new = NewClient {
        name: ClientName::parse(&input.name)?,
        scopes,
        orgs,
    };
    let (client, secret) = state.clients.create(&caller, new).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(CreatedClient {
            client_id: client.id.to_string(),
            client_secret: secret.expose_secret().to_owned(),
            name: client.name.as_str().to_owned(),
            scopes: client.scopes.names(),
            orgs: client.orgs.to_strings(),
        }))
}

/// The clients whose orgs the token covers.
#[utoipa::path(get, operation_id = "clients_list", path = "/v1/clients", tag = "Clients",
    responses(
        (status = 200, description = "Clients ordered by id", body = [ClientDto]),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "No `clients:admin` scope", body = ErrorBody)),
    security(("bearerAuth" = ["clients:admin"])))]
pub async fn list(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let clients = state.clients.list(&caller).await?;
    Ok(HttpResponse::Ok().json(clients.into_iter().map(ClientDto::from).collect::<Vec<_>>()))
}

/// Deletes a client; its tokens stop working.
#[utoipa::path(delete, operation_id = "clients_delete", path = "/v1/clients/{id}", tag = "Clients",
    params(("id" = String, Path, description = "Client id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Invalid client id", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "No `clients:admin` scope, or the client has orgs the caller does not cover", body = ErrorBody),
        (status = 404, description = "No such client", body = ErrorBody)),
    security(("bearerAuth" = ["clients:admin"])))]
pub async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = ClientId::parse(&path)?;
    state.clients.delete(&caller, &id).await?;
    state.auth_cache.forget_subject(id.as_str());
    Ok(HttpResponse::NoContent().finish())
}
