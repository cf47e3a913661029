//! Client-initiated backchannel authentication, poll mode (OpenID CIBA Core 1.0): the client's
//! `POST /bc-authorize`. The customer's approval page is one of the pages (`web::ciba`); the
//! polls are grants of `/token`.

use super::error::{OAuthError, OAuthErrorBody};
use super::form::{client_credentials, read_form};
use crate::http::endpoint::Endpoint;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::oauth("/bc-authorize").post(bc_authorize));
}

/// `bcAuthorizeResponse` (CIBA Core §7.3).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BcAuthorizeResponse {
    /// Poll `/token` with it (`grant_type=urn:openid:params:grant-type:ciba`).
    pub auth_req_id: String,
    /// Seconds the request waits for the customer.
    pub expires_in: i64,
    /// Seconds to wait between polls.
    pub interval: i64,
}

/// The form of `/bc-authorize`.
#[derive(Debug, utoipa::ToSchema)]
#[expect(
    dead_code,
    reason = "documents the form for OpenAPI; the handler reads it by hand"
)]
pub struct BcAuthorizeForm {
    /// The customer: an e-mail address or an MSISDN (their username).
    login_hint: String,
    /// Space-delimited; default: the client's customer scopes.
    scope: Option<String>,
    /// Shown on both devices (at most 100 characters).
    binding_message: Option<String>,
    /// `client_secret_post` only (RFC 6749 §2.3.1); prefer HTTP Basic, never both.
    client_id: Option<String>,
    /// `client_secret_post` only (RFC 6749 §2.3.1); prefer HTTP Basic, never both.
    client_secret: Option<String>,
}

/// Asks to sign a customer in: they get a message with the binding message and a link to
/// approve or deny.
#[utoipa::path(post, operation_id = "ciba_bc_authorize", path = "/bc-authorize", tag = "Login",
    request_body(content = BcAuthorizeForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The request is waiting for the customer", body = BcAuthorizeResponse),
        (status = 400, description = "`invalid_request`, `unknown_user_id`, `unauthorized_client`, `invalid_scope`, `invalid_binding_message`", body = OAuthErrorBody),
        (status = 401, description = "`invalid_client`", body = OAuthErrorBody),
        (status = 503, description = "The message could not be delivered, or storage failed", body = OAuthErrorBody)),
    security(("clientBasic" = []), ()))]
pub async fn bc_authorize(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, OAuthError> {
    let form = read_form(&req, payload).await?;
    let client = state
        .client_auth
        .authenticate(&client_credentials(&req, &form)?)
        .await?;
    let get = |k: &str| form.get(k).map(String::as_str);
    let started = state
        .backchannel
        .start(
            &client,
            get("login_hint"),
            get("scope"),
            get("binding_message"),
        )
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(BcAuthorizeResponse {
            auth_req_id: started.auth_req_id,
            expires_in: started.expires_in,
            interval: started.interval,
        }))
}
