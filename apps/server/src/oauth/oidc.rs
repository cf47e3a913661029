//! OpenID Connect around the login: Discovery (`/.well-known/openid-configuration`) and
//! `/userinfo` (Core §5.3).

use super::error::OAuthError;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_access::AuthError;
use latchkey_oauth::TokenError;
use latchkey_tenancy::{Scope, ScopeSet};
use serde_json::json;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/.well-known/openid-configuration").route(web::get().to(discovery)))
        .service(
            web::resource("/userinfo")
                .route(web::get().to(userinfo))
                .route(web::post().to(userinfo)),
        );
}

/// The provider's metadata (OpenID Connect Discovery 1.0 §3, RFC 8414).
#[utoipa::path(get, operation_id = "oidc_discovery", path = "/.well-known/openid-configuration", tag = "Login",
    responses((status = 200, description = "Provider metadata", content_type = "application/json", body = Object)))]
pub async fn discovery(state: web::Data<AppState>) -> HttpResponse {
    let base = &state.public_url;
    let scopes: Vec<&str> = ScopeSet::CUSTOMER.names();
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(json!({
            "issuer": base,
            "authorization_endpoint": format!("{base}/authorize"),
            "token_endpoint": format!("{base}/token"),
            "userinfo_endpoint": format!("{base}/userinfo"),
            "jwks_uri": format!("{base}/jwks.json"),
            "revocation_endpoint": format!("{base}/revoke"),
            "introspection_endpoint": format!("{base}/introspect"),
            "end_session_endpoint": format!("{base}/logout"),
            "backchannel_authentication_endpoint": format!("{base}/bc-authorize"),
            "backchannel_token_delivery_modes_supported": ["poll"],
            "backchannel_user_code_parameter_supported": false,
            "response_types_supported": ["code", "token"],
            "response_modes_supported": ["query", "fragment"],
            "grant_types_supported": [
                "authorization_code", "refresh_token", "client_credentials", "implicit",
                "urn:openid:params:grant-type:ciba"
            ],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256", "plain"],
            "scopes_supported": scopes,
            "claims_supported": [
                "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "amr", "at_hash", "azp",
                "preferred_username", "updated_at", "email", "email_verified", "phone_number",
                "phone_number_verified"
            ],
            "prompt_values_supported": ["none", "login"],
            "ui_locales_supported": ["es", "en"],
            "claims_parameter_supported": false,
            "request_parameter_supported": false,
            "request_uri_parameter_supported": false,
            "authorization_response_iss_parameter_supported": true,
        }))
}

/// The signed-in customer's claims, by the scopes of the access token (`openid` required).
#[utoipa::path(get, operation_id = "oidc_userinfo", path = "/userinfo", tag = "Login",
    responses(
        (status = 200, description = "`sub`, and by scope `preferred_username`, `email`, `phone_number` ...", content_type = "application/json", body = Object),
        (status = 401, description = "No valid customer access token (`WWW-Authenticate: Bearer`)"),
        (status = 403, description = "The token lacks the `openid` scope")),
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
