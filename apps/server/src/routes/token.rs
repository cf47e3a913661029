//! `POST /token`: the OAuth 2.0 token endpoint: service tokens (client credentials, RFC 6749
//! §4.4) and customers' tokens (authorization code with PKCE, §4.1.3 and RFC 7636; refresh
//! token, §6).

use crate::http::body;
use crate::http::oauth::{OAuthError, OAuthErrorBody, post_only};
use crate::state::AppState;
use actix_web::http::header::{AUTHORIZATION, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use std::collections::HashMap;

/// The grant type of CIBA polls (CIBA Core §10.1).
const CIBA_GRANT: &str = "urn:openid:params:grant-type:ciba";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(post_only("/token", "token").route(web::post().to(token)));
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
    security(("clientBasic" = [])))]
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
        "client_credentials" => {}
        "authorization_code" | "refresh_token" | CIBA_GRANT => {
            return customer_grant(&state, &req, &form, grant_type).await;
        }
        other => return Err(OAuthError::unsupported_grant_type(other)),
    }
    let candidates = client_credentials(&req, &form)?;
    let scope = form.get("scope").map(String::as_str);
    let mut result = Err(latchkey_access::GrantError::InvalidClient);
    for (client_id, secret) in &candidates {
        result = state
            .issuer
            .client_credentials(client_id, secret.as_bytes(), scope)
            .await;
        if !matches!(result, Err(latchkey_access::GrantError::InvalidClient)) {
            break;
        }
    }
    let issued = result?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Pragma", "no-cache"))
        .json(TokenResponse {
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
    form: &HashMap<String, String>,
    grant_type: &str,
) -> Result<HttpResponse, OAuthError> {
    let client = identify_client(state, req, form).await?;
    let required = |name: &str| {
        form.get(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| OAuthError::invalid_request(format!("{name} is required")))
    };
    let set = if grant_type == CIBA_GRANT {
        if client.login.public {
            return Err(OAuthError::invalid_client(
                "CIBA needs client authentication",
            ));
        }
        let id = required("auth_req_id")?;
        state.backchannel.poll(&client, id).await?
    } else if grant_type == "authorization_code" {
        let code = required("code")?;
        let exchanged = state
            .grants
            .exchange_code(
                &client,
                code,
                form.get("redirect_uri").map(String::as_str),
                form.get("code_verifier").map(String::as_str),
            )
            .await;
        if let Err(latchkey_oauth::TokenError::CodeReplayed {
            subject: Some(subject),
        }) = &exchanged
        {
            // The access token the first use issued is revoked: no cached trust outlives it.
            state.auth_cache.forget_subject(subject);
        }
        exchanged?
    } else {
        let token = required("refresh_token")?;
        state
            .grants
            .refresh(&client, token, form.get("scope").map(String::as_str))
            .await?
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Pragma", "no-cache"))
        .json(TokenResponse {
            access_token: set.access_token,
            token_type: "Bearer",
            expires_in: set.expires_in,
            scope: set.scope.to_string(),
            refresh_token: set.refresh_token,
            id_token: set.id_token,
        }))
}

/// The calling client: authenticated (HTTP Basic or `client_secret_post`), or a public client
/// named by `client_id` alone (RFC 6749 §3.2.1; PKCE stands in for its secret).
pub(crate) async fn identify_client(
    state: &AppState,
    req: &HttpRequest,
    form: &HashMap<String, String>,
) -> Result<latchkey_tenancy::ApiClient, OAuthError> {
    let authenticates =
        req.headers().contains_key(AUTHORIZATION) || form.contains_key("client_secret");
    if authenticates {
        return authenticate_client(state, req, form).await;
    }
    let id = form
        .get("client_id")
        .and_then(|id| latchkey_tenancy::ClientId::parse(id).ok())
        .ok_or_else(|| {
            OAuthError::invalid_client("client authentication is required (HTTP Basic)")
        })?;
    match state.clients.get(&id).await {
        Ok(Some(client)) if client.login.public => Ok(client),
        Ok(_) => Err(OAuthError::invalid_client(
            "client authentication failed (only a public client may omit its secret)",
        )),
        Err(e) => {
            tracing::error!(error = %e, "client lookup failed");
            Err(OAuthError::temporarily_unavailable())
        }
    }
}

/// Authenticates the calling client of `/introspect` and `/revoke` as `/token` does: HTTP Basic
/// or `client_secret_post`; `invalid_client` (401) otherwise.
pub(crate) async fn authenticate_client(
    state: &AppState,
    req: &HttpRequest,
    form: &HashMap<String, String>,
) -> Result<latchkey_tenancy::ApiClient, OAuthError> {
    for (id, secret) in client_credentials(req, form)? {
        match state.clients.authenticate(&id, secret.as_bytes()).await {
            Ok(Some(client)) => return Ok(client),
            Ok(None) => {}
            Err(e) => {
                tracing::error!(error = %e, "client lookup failed");
                return Err(OAuthError::temporarily_unavailable());
            }
        }
    }
    Err(OAuthError::invalid_client("client authentication failed"))
}

/// Reads an `application/x-www-form-urlencoded` body; a repeated parameter is an error
/// (RFC 6749 §3.2).
pub(crate) async fn read_form(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<HashMap<String, String>, OAuthError> {
    let mime = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let mime = mime.split(';').next().unwrap_or_default().trim();
    if !mime.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Err(OAuthError::invalid_request(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let bytes = body::read(req, payload)
        .await
        .map_err(|_| OAuthError::invalid_request("the body is too large"))?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
        .map_err(|_| OAuthError::invalid_request("the body is not a valid form"))?;
    let mut form = HashMap::with_capacity(pairs.len());
    for (key, value) in pairs {
        if form.insert(key.clone(), value).is_some() {
            return Err(OAuthError::invalid_request(format!(
                "the parameter '{key}' is repeated"
            )));
        }
    }
    Ok(form)
}

/// The client's id and secret, from HTTP Basic or the form, but not both (RFC 6749 §2.3).
///
/// RFC 6749 §2.3.1 has clients form-urlencode id and secret inside HTTP Basic, but many (curl's
/// `-u`, most HTTP libraries) do not: when decoding changes them, the raw pair is the second try.
fn client_credentials(
    req: &HttpRequest,
    form: &HashMap<String, String>,
) -> Result<Vec<(String, String)>, OAuthError> {
    let in_form = form.contains_key("client_secret");
    match req.headers().get(AUTHORIZATION) {
        Some(header) => {
            if in_form {
                return Err(OAuthError::invalid_request(
                    "use one client authentication method, not two",
                ));
            }
            let malformed = || OAuthError::invalid_client("malformed HTTP Basic credentials");
            let value = header.to_str().map_err(|_| malformed())?;
            let (scheme, encoded) = value.split_once(' ').ok_or_else(malformed)?;
            if !scheme.eq_ignore_ascii_case("basic") {
                return Err(malformed());
            }
            let decoded = STANDARD.decode(encoded.trim()).map_err(|_| malformed())?;
            let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
            let (id, secret) = decoded.split_once(':').ok_or_else(malformed)?;
            // RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
            let decoded = (
                form_decode(id).ok_or_else(malformed)?,
                form_decode(secret).ok_or_else(malformed)?,
            );
            let raw = (id.to_owned(), secret.to_owned());
            Ok(if decoded == raw {
                vec![raw]
            } else {
                vec![decoded, raw]
            })
        }
        None => match (form.get("client_id"), form.get("client_secret")) {
            (Some(id), Some(secret)) => Ok(vec![(id.clone(), secret.clone())]),
            _ => Err(OAuthError::invalid_client(
                "client authentication is required (HTTP Basic)",
            )),
        },
    }
}

fn form_decode(raw: &str) -> Option<String> {
    if !raw.contains(['%', '+']) {
        return Some(raw.to_owned());
    }
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(&format!("v={}", raw.replace('&', "%26"))).ok()?;
    pairs.into_iter().next().map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::form_decode;

    #[test]
    fn basic_credentials_are_form_decoded() {
        assert_eq!(form_decode("a%3Ab+c").as_deref(), Some("a:b c"));
        assert_eq!(
            form_decode("plain-Secret_1").as_deref(),
            Some("plain-Secret_1")
        );
        assert_eq!(form_decode("x&y=z").as_deref(), Some("x&y=z"));
    }
}
