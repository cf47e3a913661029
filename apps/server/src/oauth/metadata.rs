//! The provider's metadata, one document at two addresses: OpenID Connect Discovery 1.0
//! (`/.well-known/openid-configuration`) and OAuth 2.0 Authorization Server Metadata
//! (RFC 8414, `/.well-known/oauth-authorization-server`). Both are built by [`document`], so
//! they cannot disagree.

use crate::http::endpoint::Endpoint;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use latchkey_tenancy::ScopeSet;
use serde_json::{Value, json};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::oauth("/.well-known/openid-configuration").get(openid_configuration))
        .service(
            Endpoint::oauth("/.well-known/oauth-authorization-server").get(authorization_server),
        );
}

/// The provider's metadata (OpenID Connect Discovery 1.0 §3).
#[utoipa::path(get, operation_id = "oidc_discovery", path = "/.well-known/openid-configuration", tag = "Login",
    responses((status = 200, description = "Provider metadata: the same document as `/.well-known/oauth-authorization-server`", content_type = "application/json", body = Object)))]
pub async fn openid_configuration(state: web::Data<AppState>) -> HttpResponse {
    answer(&state.public_url)
}

/// The authorization server's metadata (RFC 8414 §3): the same document as OpenID Connect
/// Discovery's.
#[utoipa::path(get, operation_id = "oauth_authorization_server_metadata", path = "/.well-known/oauth-authorization-server", tag = "OAuth",
    responses((status = 200, description = "Authorization server metadata: the same document as `/.well-known/openid-configuration`", content_type = "application/json", body = Object)))]
pub async fn authorization_server(state: web::Data<AppState>) -> HttpResponse {
    answer(&state.public_url)
}

fn answer(base: &str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(document(base))
}

/// The metadata of the server whose issuer is `base` (RFC 8414 §2, OpenID Connect Discovery
/// §3, RP-Initiated Logout §2.1, CIBA Core §4).
pub fn document(base: &str) -> Value {
    let scopes: Vec<&str> = ScopeSet::CUSTOMER.names();
    json!({
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
        // `token` only for a confidential client registered for the implicit grant (legacy).
        "response_types_supported": ["code", "token"],
        "response_modes_supported": ["query", "fragment"],
        "grant_types_supported": [
            "authorization_code", "refresh_token", "client_credentials", "implicit",
            "urn:openid:params:grant-type:ciba"
        ],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        // `none`: a public client revokes its own tokens by its client_id (RFC 7009 §5).
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        // PKCE with S256 for every client of the code flow; plain is refused.
        "code_challenge_methods_supported": ["S256"],
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
    })
}
