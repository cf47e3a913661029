//! OpenID Connect around the login: Discovery (`/.well-known/openid-configuration`),
//! `/userinfo` (Core §5.3) and `/logout` (RP-Initiated Logout 1.0).

use crate::http::auth::verified;
use crate::pages::{self, Lang};
use crate::state::AppState;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_core::OrgId;
use latchkey_flows::LoginService;
use latchkey_oauth::TokenError;
use latchkey_tenancy::{ClientId, Scope, ScopeSet};
use minijinja::context;
use serde::Deserialize;
use serde_json::json;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/.well-known/openid-configuration").route(web::get().to(discovery)))
        .service(
            web::resource("/userinfo")
                .route(web::get().to(userinfo))
                .route(web::post().to(userinfo)),
        )
        .service(web::resource("/logout").route(web::get().to(logout)));
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
pub async fn userinfo(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let challenge = |status: StatusCode, error: &str, description: &str| {
        HttpResponse::build(status)
            .insert_header((
                "WWW-Authenticate",
                format!("Bearer error=\"{error}\", error_description=\"{description}\""),
            ))
            .insert_header(("Cache-Control", "no-store"))
            .json(json!({"error": error, "error_description": description}))
    };
    let token = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned());
    let Some(token) = token else {
        return HttpResponse::Unauthorized()
            .insert_header(("WWW-Authenticate", "Bearer"))
            .json(json!({"error": "invalid_token", "error_description": "a bearer token is required"}));
    };
    let claims = match verified(&state, &token).await {
        Ok((_, claims)) => claims,
        Err(latchkey_access::AuthError::Unavailable(e)) => {
            tracing::error!(error = %e, "token verification failed");
            return HttpResponse::ServiceUnavailable().finish();
        }
        Err(_) => {
            return challenge(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "the access token is not valid",
            );
        }
    };
    if claims.credential.is_none() {
        return challenge(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "not a customer's access token",
        );
    }
    if !claims.scopes.contains(Scope::Openid) {
        return challenge(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            "the openid scope is required",
        );
    }
    match state.grants.userinfo(&claims).await {
        Ok(info) => HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .json(info),
        Err(TokenError::Store(e)) => {
            tracing::error!(error = %e, "userinfo failed");
            HttpResponse::ServiceUnavailable().finish()
        }
        Err(_) => challenge(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "the customer's credential is no longer active",
        ),
    }
}

/// The query of `/logout`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct LogoutQuery {
    /// The client to go back to (its redirect URIs are the allowed destinations).
    pub client_id: Option<String>,
    /// Where to go afterwards: one of the client's registered redirect URIs.
    pub post_logout_redirect_uri: Option<String>,
    /// Returned unchanged to `post_logout_redirect_uri`.
    pub state: Option<String>,
    pub ui_locales: Option<String>,
}

/// Signs the browser out: every device session its cookies name ends (refresh tokens included),
/// then back to the client when `post_logout_redirect_uri` is one of its redirect URIs.
#[utoipa::path(get, operation_id = "oidc_logout", path = "/logout", tag = "Login",
    params(LogoutQuery),
    responses(
        (status = 200, description = "Signed out (HTML)"),
        (status = 302, description = "Signed out, back to the client")))]
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<LogoutQuery>,
) -> HttpResponse {
    let lang = Lang::choose(query.ui_locales.as_deref(), &req);
    let mut removals = Vec::new();
    for cookie in req.cookies().map(|c| c.clone()).unwrap_or_default() {
        let Some(org) = cookie
            .name()
            .strip_prefix("latchkey_session_")
            .and_then(|o| OrgId::parse(o).ok())
        else {
            continue;
        };
        match state.devices.resume(&org, cookie.value()).await {
            Ok(Some(device)) => {
                if let Err(e) = state.devices.end(&org, device.id).await {
                    tracing::error!(error = %e, "ending a device session failed");
                    return HttpResponse::ServiceUnavailable().finish();
                }
            }
            Ok(None) => {}
            Err(e) => {
                tracing::error!(error = %e, "ending a device session failed");
                return HttpResponse::ServiceUnavailable().finish();
            }
        }
        let mut gone = Cookie::build(LoginService::session_cookie_name(&org), "")
            .path("/")
            .http_only(true)
            .secure(state.cookie_secure)
            .same_site(SameSite::Lax)
            .finish();
        gone.make_removal();
        removals.push(gone);
    }
    let destination = match (&query.client_id, &query.post_logout_redirect_uri) {
        (Some(id), Some(uri)) => match ClientId::parse(id) {
            Ok(id) => state
                .clients
                .get(&id)
                .await
                .ok()
                .flatten()
                .filter(|c| c.has_redirect_uri(uri))
                .map(|_| uri.clone()),
            Err(_) => None,
        },
        _ => None,
    };
    let add_cookies = |b: &mut actix_web::HttpResponseBuilder| {
        for c in &removals {
            b.cookie(c.clone());
        }
    };
    if let Some(uri) = destination {
        let location = match &query.state {
            Some(s) => {
                let sep = if uri.contains('?') { '&' } else { '?' };
                let encoded = serde_urlencoded::to_string([("state", s)]).unwrap_or_default();
                format!("{uri}{sep}{encoded}")
            }
            None => uri,
        };
        let mut b = HttpResponse::Found();
        b.insert_header(("Location", location))
            .insert_header(("Cache-Control", "no-store"));
        add_cookies(&mut b);
        return b.finish();
    }
    let said = match lang {
        Lang::Es => "Has cerrado la sesión.",
        Lang::En => "You are signed out.",
    };
    pages::render(
        StatusCode::OK,
        "message.html",
        lang,
        "",
        "sign_in_title",
        context! { message => said },
        add_cookies,
    )
}
