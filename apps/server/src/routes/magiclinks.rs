//! Credentials API endpoint 15: magic links.

use super::org_path;
use crate::http::auth::Caller;
use crate::http::endpoint::Endpoint;
use crate::http::error::{ApiError, ErrorBody};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_flows::{MAGIC_LINK_PATH, token_link};
use serde::{Deserialize, Serialize};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::api("/v1/orgs/{org}/magiclinks").get(get));
}

#[derive(Debug, Deserialize)]
struct MagicLinkQuery {
    username: Option<String>,
}

/// A magic-link token and the login-server link that uses it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MagicLinkDto {
    /// `<uuid>@<org>@<secret>`: single use, 15 minutes by default.
    #[schema(
        example = "ed7f4ab1-6234-46e6-a4de-fd3d4de3d414@masmovil@h7sn381lTBopU7pLIljv36pWzPTEy-FlswJznI_JqVo="
    )]
    pub token: String,
    /// The login server's page that signs the customer in with the token.
    #[schema(
        example = "https://login.example.com/magiclink?token=ed7f4ab1-6234-46e6-a4de-fd3d4de3d414%40masmovil%40h7sn381lTBopU7pLIljv36pWzPTEy-FlswJznI_JqVo%3D"
    )]
    pub link: String,
}

/// 15. A token to sign in without a password, and its link. A service token names the
/// credential with `?username=`; a customer's own token may leave it out (its own credential).
#[utoipa::path(get, operation_id = "magiclinks_get", path = "/v1/orgs/{org}/magiclinks", tag = "Magic links",
    params(("org" = String, Path, description = "Org id"),
           ("username" = Option<String>, Query, description = "The credential: required with a service token (else 400 `request.missing_username`); a customer's own token may leave it out and gets its own credential's link")),
    responses(
        (status = 200, description = "The token and its link", body = MagicLinkDto),
        (status = 400, description = "`request.missing_username`: a service token without `?username=`; or an invalid username", body = ErrorBody),
        (status = 401, description = "Missing or invalid token; a customer's own token whose sign-in is older than 300 s, or lacks the second factor the credential requires (`auth.reauthentication_required`, with `WWW-Authenticate: Bearer error=\"insufficient_user_authentication\", max_age=\"300\"`)", body = ErrorBody),
        (status = 403, description = "No `tokens` scope, or org not covered", body = ErrorBody),
        (status = 404, description = "No such tenant or credential", body = ErrorBody),
        (status = 409, description = "The credential is disabled", body = ErrorBody)),
    security(("bearerAuth" = ["tokens"])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    org: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let org = org_path(&org)?;
    let query: MagicLinkQuery = serde_urlencoded::from_str(req.query_string())
        .map_err(|e| ApiError::bad_request("request.invalid_query", e.to_string()))?;
    let username = query.username.filter(|u| !u.trim().is_empty());
    if username.is_none() && caller.credential.is_none() {
        return Err(ApiError::bad_request(
            "request.missing_username",
            "A service token must name the credential with ?username=.",
        ));
    }
    let token = state
        .credentials
        .magic_link(&caller, &org, username.as_deref())
        .await?;
    let link = token_link(&state.public_url, MAGIC_LINK_PATH, token.expose());
    let token = token.expose().to_owned();
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(MagicLinkDto { token, link }))
}
