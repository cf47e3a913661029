//! Credentials API endpoints 13 and 14: security-token lookup and revocation.

use super::org_path;
use crate::http::auth::Caller;
use crate::http::endpoint::Endpoint;
use crate::http::error::{ApiError, ErrorBody};
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use serde::Serialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        Endpoint::api("/v1/orgs/{org}/tokens/{token}")
            .get(get)
            .delete(delete),
    );
}

/// The username a token was issued for.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenOwner {
    #[schema(example = "myemail@gmail.com")]
    pub username: String,
}

/// 13. The username a live set- or change-password token was issued for.
#[utoipa::path(get, operation_id = "tokens_get", path = "/v1/orgs/{org}/tokens/{token}", tag = "Tokens",
    params(("org" = String, Path, description = "Org id"), ("token" = String, Path, description = "Security token")),
    responses(
        (status = 200, description = "The token's username", body = TokenOwner),
        (status = 400, description = "Invalid org id", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "No `tokens` scope, or org not covered", body = ErrorBody),
        (status = 404, description = "No such tenant, or the token is unknown, used, revoked or expired", body = ErrorBody)),
    security(("bearerAuth" = ["tokens"])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let org = org_path(&path.0)?;
    let username = state
        .credentials
        .token_username(&caller, &org, &path.1)
        .await?;
    Ok(HttpResponse::Ok().json(TokenOwner { username }))
}

/// 14. Revokes a set- or change-password token.
#[utoipa::path(delete, operation_id = "tokens_delete", path = "/v1/orgs/{org}/tokens/{token}", tag = "Tokens",
    params(("org" = String, Path, description = "Org id"), ("token" = String, Path, description = "Security token")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 400, description = "Invalid org id", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "No `tokens` scope, or org not covered", body = ErrorBody),
        (status = 404, description = "No such tenant, or the token is unknown, used, revoked or expired", body = ErrorBody)),
    security(("bearerAuth" = ["tokens"])))]
pub async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let org = org_path(&path.0)?;
    state
        .credentials
        .revoke_token(&caller, &org, &path.1)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
