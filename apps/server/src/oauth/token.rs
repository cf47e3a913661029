//! `POST /token`: the OAuth 2.0 token endpoint: service tokens (client credentials, RFC 6749
//! §4.4) and customers' tokens (authorization code with PKCE, §4.1.3 and RFC 7636; refresh
//! token, §6).

use super::error::{OAuthError, OAuthErrorBody};
use super::form::{Form, client_credentials, presented_client, read_form};
use crate::http::endpoint::Endpoint;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_access::GrantError;
use latchkey_login::TokenSet;
use serde::Serialize;

/// The grant type of CIBA polls (CIBA Core §10.1).
const CIBA_GRANT: &str = "urn:openid:params:grant-type:ciba";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::oauth("/token").post(token));
}

/// A successful token response (RFC 6749 §5.1, OpenID Connect Core §3.1.3.3).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    /// A JWT (ES256) with `iss`, `sub`, `aud`, `iat`, `exp`, `jti`, `client_id`, `scope` and
    /// `orgs`; a customer's token also has `credential` (its `sub`).
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: i64,
    /// The granted scopes, space-delimited.
    pub scope: String,
    /// Customers' grants with `offline` access: the device session's refresh token, rotated on
    /// every use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// The authorization code grant with the `openid` scope: the ID token (RS256 unless the
    /// client registered ES256).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

/// The form of a token request.
#[derive(Debug, utoipa::ToSchema)]
#[expect(
    dead_code,
    reason = "documents the form for OpenAPI; the handler parses it by hand"
)]
pub struct TokenForm {
    /// `client_credentials`, `authorization_code`, `refresh_token` or
    /// `urn:openid:params:grant-type:ciba`.
    grant_type: String,
    /// CIBA: the `auth_req_id` of `/bc-authorize`.
    auth_req_id: Option<String>,
    /// `authorization_code`: the code `/authorize` returned.
    code: Option<String>,
    /// `authorization_code`: the redirect URI of the authorization request, when it named one.
    redirect_uri: Option<String>,
    /// `authorization_code`: the PKCE verifier (RFC 7636).
    code_verifier: Option<String>,
    /// `refresh_token`: the refresh token.
    refresh_token: Option<String>,
    /// Space-delimited scopes; narrowed to what the client is allowed. Default: all of them.
    scope: Option<String>,
    /// With `client_secret_post` only; prefer HTTP Basic.
    client_id: Option<String>,
    /// With `client_secret_post` only; prefer HTTP Basic.
    client_secret: Option<String>,
}

/// Issues an access token. Authenticate the client with HTTP Basic (`client_secret_basic`, as
/// RFC 6749 §2.3.1 describes) or, alternatively, with `client_id` and `client_secret` in the form.
#[utoipa::path(post, operation_id = "token_token", path = "/token", tag = "OAuth",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "A service token, or a customer's tokens", body = TokenResponse),
        (status = 400, description = "`invalid_request`, `invalid_grant`, `unauthorized_client`, `unsupported_grant_type`, `invalid_scope`; CIBA polls: `authorization_pending`, `slow_down`, `access_denied`, `expired_token`", body = OAuthErrorBody),
        (status = 401, description = "`invalid_client`, with `WWW-Authenticate: Basic`", body = OAuthErrorBody)),
    security(("clientBasic" = []), ()))]
pub async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, OAuthError> {
    let form = read_form(&req, payload).await?;
    let grant_type = form
        .get("grant_type")
        .ok_or_else(|| OAuthError::invalid_request("grant_type is required"))?;
    match grant_type.as_str() {
        "client_credentials" => service_token(&state, &req, &form).await,
        "authorization_code" | "refresh_token" | CIBA_GRANT => {
            customer_grant(&state, &req, &form, grant_type).await
        }
        other => Err(OAuthError::unsupported_grant_type(other)),
    }
}

/// The client-credentials grant (RFC 6749 §4.4): a service token.
async fn service_token(
    state: &AppState,
    req: &HttpRequest,
    form: &Form,
) -> Result<HttpResponse, OAuthError> {
    let candidates = client_credentials(req, form)?;
    let scope = form.get("scope").map(String::as_str);
    let mut result = Err(GrantError::InvalidClient);
    for (client_id, secret) in &candidates {
        result = state
            .issuer
            .client_credentials(client_id, secret.as_bytes(), scope)
            .await;
        if !matches!(result, Err(GrantError::InvalidClient)) {
            break;
        }
    }
    let issued = result?;
    Ok(tokens(TokenResponse {
        access_token: issued.token,
        token_type: "Bearer",
        expires_in: issued.expires_in,
        scope: issued.scopes.to_string(),
        refresh_token: None,
        id_token: None,
    }))
}

/// The grants that give a customer's tokens.
async fn customer_grant(
    state: &AppState,
    req: &HttpRequest,
    form: &Form,
    grant_type: &str,
) -> Result<HttpResponse, OAuthError> {
    let client = state
        .client_auth
        .identify(presented_client(req, form)?)
        .await?;
    let required = |name: &str| {
        form.get(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| OAuthError::invalid_request(format!("{name} is required")))
    };
    let set: TokenSet = match grant_type {
        CIBA_GRANT => {
            let id = required("auth_req_id")?;
            state.backchannel.poll(&client, id).await?
        }
        "authorization_code" => {
            let code = required("code")?;
            state
                .grants
                .exchange_code(
                    &client,
                    code,
                    form.get("redirect_uri").map(String::as_str),
                    form.get("code_verifier").map(String::as_str),
                )
                .await?
        }
        "refresh_token" => {
            let token = required("refresh_token")?;
            state
                .grants
                .refresh(&client, token, form.get("scope").map(String::as_str))
                .await?
        }
        other => return Err(OAuthError::unsupported_grant_type(other)),
    };
    Ok(tokens(TokenResponse {
        access_token: set.access_token,
        token_type: "Bearer",
        expires_in: set.expires_in,
        scope: set.scope.to_string(),
        refresh_token: set.refresh_token,
        id_token: set.id_token,
    }))
}

/// A token response: never cached (RFC 6749 §5.1).
fn tokens(body: TokenResponse) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Pragma", "no-cache"))
        .json(body)
}
