//! Signing keys: `GET/POST /v1/keys`, `DELETE /v1/keys/{kid}` (scope `keys:admin`).

use super::rfc3339;
use crate::http::auth::Caller;
use crate::http::endpoint::Endpoint;
use crate::http::error::{ApiError, ErrorBody};
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use latchkey_access::{KeyService, SigningAlgorithm, SigningKey};
use serde::Serialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::api("/v1/keys").get(list).post(rotate))
        .service(Endpoint::api("/v1/keys/{kid}").delete(remove));
}

/// A signing key (public facts only).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KeyDto {
    pub kid: String,
    #[schema(example = "ES256")]
    pub alg: &'static str,
    pub created_at: String,
    /// Whether this key signs new tokens (the newest does); every listed key verifies.
    pub active: bool,
}

fn dto(key: &SigningKey, active: bool) -> KeyDto {
    KeyDto {
        kid: key.kid.clone(),
        alg: key.algorithm.as_str(),
        created_at: rfc3339(key.created_at),
        active,
    }
}

/// Every signing key, oldest first.
#[utoipa::path(get, operation_id = "keys_list", path = "/v1/keys", tag = "Keys",
    responses(
        (status = 200, description = "Keys, oldest first; the newest of each algorithm is active", body = [KeyDto]),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "No `keys:admin` scope, or the token does not cover every org", body = ErrorBody)),
    security(("bearerAuth" = ["keys:admin"])))]
pub async fn list(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let keys = state.keys.list(&caller).await?;
    Ok(HttpResponse::Ok().json(
        keys.iter()
            .map(|k| dto(k, KeyService::is_active(&keys, k)))
            .collect::<Vec<_>>(),
    ))
}

/// Which key to rotate.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RotateQuery {
    /// `ES256` (access tokens and ES256 ID tokens; the default) or `RS256` (RS256 ID tokens).
    pub alg: Option<String>,
}

/// Rotates: a new key signs from now on; older keys keep verifying until removed.
#[utoipa::path(post, operation_id = "keys_rotate", path = "/v1/keys", tag = "Keys",
    params(RotateQuery),
    responses(
        (status = 400, description = "Unknown algorithm (`key.unknown_alg`), or a query that cannot be read (`request.invalid_query`)", body = ErrorBody),
        (status = 201, description = "The new active key", body = KeyDto),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "No `keys:admin` scope, or the token does not cover every org", body = ErrorBody)),
    security(("bearerAuth" = ["keys:admin"])))]
pub async fn rotate(
    state: web::Data<AppState>,
    caller: Caller,
    query: Result<web::Query<RotateQuery>, actix_web::Error>,
) -> Result<HttpResponse, ApiError> {
    let query = super::query(query)?;
    let algorithm = match query.alg.as_deref() {
        None => SigningAlgorithm::Es256,
        Some(raw) => SigningAlgorithm::parse(raw).ok_or_else(|| {
            ApiError::bad_request("key.unknown_alg", "alg is ES256 (the default) or RS256")
        })?,
    };
    let key = state.keys.rotate(&caller, algorithm).await?;
    Ok(HttpResponse::Created().json(dto(&key, true)))
}

/// Removes a key that no longer signs; tokens it signed stop verifying.
#[utoipa::path(delete, operation_id = "keys_remove", path = "/v1/keys/{kid}", tag = "Keys",
    params(("kid" = String, Path, description = "Key id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "No `keys:admin` scope, or the token does not cover every org", body = ErrorBody),
        (status = 404, description = "No such key", body = ErrorBody),
        (status = 409, description = "The key is the active one: rotate first", body = ErrorBody)),
    security(("bearerAuth" = ["keys:admin"])))]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state.keys.remove(&caller, &path).await?;
    Ok(HttpResponse::NoContent().finish())
}
