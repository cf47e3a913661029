//! API clients: `POST/GET /v1/clients`, `DELETE /v1/clients/{id}` (scope `clients:admin`).

use super::rfc3339;
use crate::http::auth::Caller;
use crate::http::body;
use crate::http::endpoint::Endpoint;
use crate::http::error::{ApiError, ErrorBody};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_core::ExposeSecret as _;
use latchkey_tenancy::{
    ApiClient, ClientId, ClientName, Grant, GrantSet, IdTokenAlg, LoginSettings, NewClient,
    OrgAccess, RedirectUri, Scope, ScopeSet,
};
use serde::{Deserialize, Serialize};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::api("/v1/clients").get(list).post(create))
        .service(Endpoint::api("/v1/clients/{id}").delete(delete));
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
    /// What the client may do at `/token` and `/authorize`: `client_credentials` (the
    /// default), `authorization_code`, `refresh_token`, `urn:openid:params:grant-type:ciba`
    /// (or `ciba`), `implicit`. A client with any grant but `client_credentials` signs customers
    /// in and belongs to exactly one org.
    #[schema(example = json!(["authorization_code", "refresh_token"]))]
    pub grant_types: Option<Vec<String>>,
    /// Where `/authorize` may send the customer back, compared exactly (needed by
    /// `authorization_code` and `implicit`). Absolute, no fragment; `https`, `http` on a
    /// loopback host, or a private-use scheme with a dot; written as a WHATWG URL parser
    /// serializes it (lower-case host, no default port, a path).
    #[schema(example = json!(["https://app.example/callback"]))]
    pub redirect_uris: Option<Vec<String>>,
    /// Where `/logout` may send the browser afterwards (OpenID RP-Initiated Logout 1.0),
    /// compared exactly; the same rules as `redirect_uris`.
    #[schema(example = json!(["https://app.example/signed-out"]))]
    pub post_logout_redirect_uris: Option<Vec<String>>,
    /// A public client (browser or mobile app) has no secret and must use PKCE with S256; it
    /// may not have `client_credentials`, `ciba` or `implicit`.
    #[serde(default)]
    pub public: bool,
    /// `RS256` (the default) or `ES256`.
    pub id_token_signed_response_alg: Option<String>,
}

/// A registered client (its secret is never shown again after creation).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClientDto {
    pub client_id: String,
    pub name: String,
    pub scopes: Vec<&'static str>,
    pub orgs: Vec<String>,
    pub grant_types: Vec<&'static str>,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub public: bool,
    pub id_token_signed_response_alg: &'static str,
    pub created_at: String,
}

/// A client just created, with its secret: the only time it is shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedClient {
    /// Keep it safe: only its hash is stored. Absent for a public client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(flatten)]
    pub client: ClientDto,
}

impl From<ApiClient> for ClientDto {
    fn from(c: ApiClient) -> Self {
        Self {
            client_id: c.id.to_string(),
            name: c.name.as_str().to_owned(),
            scopes: c.scopes.names(),
            orgs: c.orgs.to_strings(),
            grant_types: c.grants.names(),
            redirect_uris: c
                .login
                .redirect_uris
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect(),
            post_logout_redirect_uris: c
                .login
                .post_logout_redirect_uris
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect(),
            public: c.login.public,
            id_token_signed_response_alg: c.login.id_token_alg.as_str(),
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
    let grants = match &input.grant_types {
        None => [Grant::ClientCredentials].into_iter().collect(),
        Some(names) => names
            .iter()
            .map(|g| Grant::parse(g))
            .collect::<Result<GrantSet, _>>()?,
    };
    let redirect_uris = input
        .redirect_uris
        .iter()
        .flatten()
        .map(|r| RedirectUri::parse(r))
        .collect::<Result<Vec<_>, _>>()?;
    let post_logout_redirect_uris = input
        .post_logout_redirect_uris
        .iter()
        .flatten()
        .map(|r| RedirectUri::parse(r))
        .collect::<Result<Vec<_>, _>>()?;
    let id_token_alg = input
        .id_token_signed_response_alg
        .as_deref()
        .map(IdTokenAlg::parse)
        .transpose()?
        .unwrap_or_default();
    let new = NewClient {
        name: ClientName::parse(&input.name)?,
        scopes,
        orgs,
        grants,
        login: LoginSettings {
            public: input.public,
            redirect_uris,
            id_token_alg,
            post_logout_redirect_uris,
        },
    };
    let (client, secret) = state.clients.create(&caller, new).await?;
    let client_secret = (!client.login.public).then(|| secret.expose_secret().to_owned());
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(CreatedClient {
            client_secret,
            client: client.into(),
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

/// Deletes a client; its tokens stop working on every instance. Neither the caller's own
/// client nor the bootstrap client can be deleted (409).
#[utoipa::path(delete, operation_id = "clients_delete", path = "/v1/clients/{id}", tag = "Clients",
    params(("id" = String, Path, description = "Client id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Invalid client id", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "No `clients:admin` scope, or the client has orgs the caller does not cover", body = ErrorBody),
        (status = 404, description = "No such client", body = ErrorBody),
        (status = 409, description = "`client.self_delete`: the caller's own client (a client cannot delete itself); `client.bootstrap`: the bootstrap client, which is never deleted through the API", body = ErrorBody)),
    security(("bearerAuth" = ["clients:admin"])))]
pub async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = ClientId::parse(&path)?;
    state.clients.delete(&caller, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
