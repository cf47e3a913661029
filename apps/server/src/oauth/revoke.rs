//! `POST /revoke`: token revocation (RFC 7009) for the access and refresh tokens Latchkey
//! issues.

use super::error::{OAuthError, OAuthErrorBody};
use super::form::{presented_client, read_form};
use crate::http::endpoint::Endpoint;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::oauth("/revoke").post(revoke));
}

/// The form of a revocation request.
#[derive(Debug, utoipa::ToSchema)]
#[expect(
    dead_code,
    reason = "documents the form for OpenAPI; the handler parses it by hand"
)]
pub struct RevocationForm {
    /// The access or refresh token to revoke.
    token: String,
    /// A public client names itself so, without a secret; a confidential client uses HTTP
    /// Basic (or adds `client_secret`).
    client_id: Option<String>,
    /// `access_token` or `refresh_token`; ignored (RFC 7009 §2.1: the server tells them
    /// apart itself).
    token_type_hint: Option<String>,
    /// A confidential client's secret with `client_id` (`client_secret_post`, RFC 6749 §2.3.1);
    /// prefer HTTP Basic, never both.
    client_secret: Option<String>,
}

/// Revokes a token the calling client obtained (RFC 7009). An access token is refused from then
/// on (401 `auth.revoked_token`) and introspects as inactive; a refresh token stops working at
/// the refresh grant (its device session stays). An invalid, expired or already revoked token
/// answers 200 all the same (RFC 7009 §2.2). A confidential client authenticates as at
/// `/token`; a public client names itself by `client_id` alone, and revokes only its own tokens
/// (RFC 7009 §5).
#[utoipa::path(post, operation_id = "oauth_revoke", path = "/revoke", tag = "OAuth",
    request_body(content = RevocationForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Revoked, or nothing to revoke"),
        (status = 400, description = "`invalid_request` (no `token`, not a form), or `unauthorized_client` (a live token of another client)", body = OAuthErrorBody),
        (status = 401, description = "`invalid_client`, with `WWW-Authenticate: Basic` (a confidential client's `client_id` without its secret too)", body = OAuthErrorBody),
        (status = 503, description = "`temporarily_unavailable`: storage failed", body = OAuthErrorBody)),
    security(("clientBasic" = []), ()))]
pub async fn revoke(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, OAuthError> {
    let form = read_form(&req, payload).await?;
    let client = state
        .client_auth
        .identify(presented_client(&req, &form)?)
        .await?;
    let token = form
        .get("token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| OAuthError::invalid_request("token is required"))?;
    state.tokens.revoke(&client, token).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .finish())
}
