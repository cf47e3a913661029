//! `POST /introspect`: token introspection (RFC 7662) for the access and refresh tokens
//! Latchkey issues.

use super::error::{OAuthError, OAuthErrorBody};
use super::form::{client_credentials, read_form};
use crate::http::endpoint::Endpoint;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_login::Introspected;
use serde::Serialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::oauth("/introspect").post(introspect));
}

/// What introspection says about a token (RFC 7662 §2.2). An inactive token (unknown, badly
/// signed, expired, of another audience, of a deleted client, a rotated or revoked refresh
/// token, another client's refresh token, or an access token the caller may not use) is
/// `{"active": false}` and nothing else.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Introspection {
    pub active: bool,
    /// Space-delimited scopes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// `Bearer` for an access token, `refresh_token` for a refresh token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<&'static str>,
    /// Unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// Unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// The orgs the token covers (`["*"]` for all): Latchkey's own claim. A refresh token's
    /// is its customer's org.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orgs: Option<Vec<String>>,
}

/// The form of an introspection request.
#[derive(Debug, utoipa::ToSchema)]
#[expect(
    dead_code,
    reason = "documents the form for OpenAPI; the handler parses it by hand"
)]
pub struct IntrospectionForm {
    /// The token to look at.
    token: String,
    /// `access_token` or `refresh_token`; ignored (RFC 7662 §2.1: the server tells them apart
    /// itself).
    token_type_hint: Option<String>,
    /// `client_secret_post` only (RFC 6749 §2.3.1); prefer HTTP Basic, never both.
    client_id: Option<String>,
    /// `client_secret_post` only (RFC 6749 §2.3.1); prefer HTTP Basic, never both.
    client_secret: Option<String>,
}

/// Tells a registered client whether a token is active, and its claims (RFC 7662), for the
/// tokens it may use (§4): the access tokens issued to it and, for a client with the
/// `client_credentials` grant, those whose orgs its own cover; the refresh tokens issued to it.
/// Any other token is `{"active": false}`. The caller authenticates as at `/token` (HTTP Basic,
/// or `client_id` and `client_secret` in the form).
#[utoipa::path(post, operation_id = "oauth_introspect", path = "/introspect", tag = "OAuth",
    request_body(content = IntrospectionForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "`{\"active\": false}`, or `active: true` with the token's claims", body = Introspection),
        (status = 400, description = "`invalid_request`: no `token`, or not a form", body = OAuthErrorBody),
        (status = 401, description = "`invalid_client`, with `WWW-Authenticate: Basic`", body = OAuthErrorBody),
        (status = 503, description = "`temporarily_unavailable`: storage failed", body = OAuthErrorBody)),
    security(("clientBasic" = []), ()))]
pub async fn introspect(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, OAuthError> {
    let form = read_form(&req, payload).await?;
    let client = state
        .client_auth
        .authenticate(&client_credentials(&req, &form)?)
        .await?;
    let token = form
        .get("token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| OAuthError::invalid_request("token is required"))?;
    let found = state
        .tokens
        .introspect(&client, token)
        .await
        .map_err(|e| OAuthError::unavailable("introspection: storage failed", e))?;
    let answer = match found {
        Introspected::Inactive => Introspection::default(),
        Introspected::Access(claims) => Introspection {
            active: true,
            scope: Some(claims.scopes.to_string()),
            client_id: Some(claims.client_id.clone()),
            token_type: Some("Bearer"),
            exp: Some(claims.expires_at),
            iat: Some(claims.issued_at),
            sub: Some(claims.subject.clone()),
            aud: Some(claims.audience.clone()),
            iss: Some(claims.issuer.clone()),
            jti: Some(claims.jwt_id.to_string()),
            orgs: Some(claims.orgs.to_strings()),
        },
        Introspected::Refresh { org, token: t } => Introspection {
            active: true,
            scope: Some(t.scope),
            client_id: Some(t.client_id),
            token_type: Some("refresh_token"),
            exp: Some(t.expires_at.unix_timestamp()),
            iat: Some(t.rotated_at.unwrap_or(t.created_at).unix_timestamp()),
            sub: Some(t.credential.to_string()),
            iss: Some(state.tokens.issuer().to_owned()),
            orgs: Some(vec![org.to_string()]),
            ..Introspection::default()
        },
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Pragma", "no-cache"))
        .json(answer))
}
