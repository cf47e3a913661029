//! `POST /revoke`: token revocation (RFC 7009) for the access and refresh tokens Latchkey
//! issues.

use crate::http::oauth::{OAuthError, OAuthErrorBody, post_only};
use crate::routes::token::{authenticate_client, read_form};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_access::RevokeError;
use latchkey_device::{DeviceService, Revocation};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(post_only("/revoke", "revocation").route(web::post().to(revoke)));
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
    /// `access_token` or `refresh_token`; ignored (RFC 7009 §2.1: the server tells them
    /// apart itself).
    token_type_hint: Option<String>,
}

/// Revokes a token the calling client obtained (RFC 7009). An access token is refused from then
/// on (401 `auth.revoked_token`) and introspects as inactive; a refresh token stops working at
/// the refresh grant (its device session stays). An invalid, expired or already revoked token
/// answers 200 all the same (RFC 7009 §2.2).
#[utoipa::path(post, operation_id = "oauth_revoke", path = "/revoke", tag = "OAuth",
    request_body(content = RevocationForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Revoked, or nothing to revoke"),
        (status = 400, description = "`invalid_request` (no `token`, not a form), or `unauthorized_client` (a live token of another client)", body = OAuthErrorBody),
        (status = 401, description = "`invalid_client`, with `WWW-Authenticate: Basic`", body = OAuthErrorBody),
        (status = 503, description = "`temporarily_unavailable`: storage failed", body = OAuthErrorBody)),
    security(("clientBasic" = [])))]
pub async fn revoke(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, OAuthError> {
    let form = read_form(&req, payload).await?;
    let client = authenticate_client(&state, &req, &form).await?;
    let token = form
        .get("token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| OAuthError::invalid_request("token is required"))?;
    if DeviceService::is_refresh_token(token) {
        return match state.grants.revoke_refresh(&client, token).await {
            Ok(Revocation::OtherClient) => Err(OAuthError::unauthorized_client(
                "the token was not issued to this client",
            )),
            Ok(Revocation::Revoked | Revocation::NotLive) => Ok(HttpResponse::Ok()
                .insert_header(("Cache-Control", "no-store"))
                .finish()),
            Err(e) => {
                tracing::error!(error = %e, "revocation: storage failed");
                Err(OAuthError::temporarily_unavailable())
            }
        };
    }
    match state.verifier.revoke(client.id.as_str(), token).await {
        Ok(_) => {}
        Err(RevokeError::NotIssuedToCaller) => {
            return Err(OAuthError::unauthorized_client(
                "the token was not issued to this client",
            ));
        }
        Err(RevokeError::Unavailable(e)) => {
            tracing::error!(error = %e, "revocation: storage failed");
            return Err(OAuthError::temporarily_unavailable());
        }
    }
    // This instance stops trusting its cached verification at once; others within 30 s.
    state.auth_cache.forget_token(token);
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .finish())
}
