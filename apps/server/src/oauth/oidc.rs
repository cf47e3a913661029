//! OpenID Connect around the login: `/userinfo` (Core §5.3). Discovery is `metadata`.

use super::error::{OAuthError, OAuthErrorBody};
use crate::http::endpoint::Endpoint;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_access::AuthError;
use latchkey_oauth::TokenError;
use latchkey_tenancy::Scope;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        Endpoint::oauth("/userinfo")
            .get(userinfo)
            .post(userinfo_form),
    );
}

/// `/userinfo` by `POST` (OpenID Connect Core §5.3.1): as the `GET`, the access token in the
/// `Authorization` header.
#[utoipa::path(post, operation_id = "oidc_userinfo_post", path = "/userinfo", tag = "Login",
    responses(
        (status = 200, description = "As for `GET`", content_type = "application/json", body = Object),
        (status = 401, description = "`invalid_token`: no valid customer access token (`WWW-Authenticate: Bearer`)", body = OAuthErrorBody),
        (status = 403, description = "`insufficient_scope`: the token lacks the `openid` scope", body = OAuthErrorBody),
        (status = 503, description = "`temporarily_unavailable`: storage failed", body = OAuthErrorBody)),
    security(("bearerAuth" = ["openid"])))]
pub async fn userinfo_form(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, OAuthError> {
    userinfo(state, req).await
}

/// The signed-in customer's claims, by the scopes of the access token (`openid` required).
#[utoipa::path(get, operation_id = "oidc_userinfo", path = "/userinfo", tag = "Login",
    responses(
        (status = 200, description = "`sub`, and by scope `preferred_username`, `email`, `phone_number` ...", content_type = "application/json", body = Object),
        (status = 401, description = "`invalid_token`: no valid customer access token (`WWW-Authenticate: Bearer`)", body = OAuthErrorBody),
        (status = 403, description = "`insufficient_scope`: the token lacks the `openid` scope", body = OAuthErrorBody),
        (status = 503, description = "`temporarily_unavailable`: storage failed", body = OAuthErrorBody)),
    security(("bearerAuth" = ["openid"])))]
pub async fn userinfo(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, OAuthError> {
    let invalid =
        |description| OAuthError::bearer(StatusCode::UNAUTHORIZED, "invalid_token", description);
    let token = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned())
        .ok_or_else(OAuthError::bearer_required)?;
    let claims = match state.access.verify(&token).await {
        Ok(verified) => verified.claims,
        Err(AuthError::Unavailable(e)) => {
            return Err(OAuthError::unavailable("token verification failed", e));
        }
        Err(
            AuthError::Missing | AuthError::Invalid(_) | AuthError::Expired | AuthError::Revoked,
        ) => {
            return Err(invalid("the access token is not valid"));
        }
    };
    if claims.credential.is_none() {
        return Err(invalid("not a customer's access token"));
    }
    if !claims.scopes.contains(Scope::Openid) {
        return Err(OAuthError::bearer(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            "the openid scope is required",
        ));
    }
    match state.grants.userinfo(&claims).await {
        Ok(info) => Ok(HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .json(info)),
        Err(TokenError::Store(e)) => Err(OAuthError::unavailable("userinfo failed", e)),
        Err(
            TokenError::InvalidRequest(_)
            | TokenError::InvalidClient(_)
            | TokenError::InvalidGrant(_)
            | TokenError::CodeReplayed { .. }
            | TokenError::UnauthorizedClient(_)
            | TokenError::UnsupportedGrantType
            | TokenError::InvalidScope(_)
            | TokenError::AuthorizationPending
            | TokenError::SlowDown
            | TokenError::AccessDenied
            | TokenError::ExpiredToken,
        ) => Err(invalid("the customer's credential is no longer active")),
    }
}
