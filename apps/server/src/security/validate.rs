//! `GET /validateToken?token=`: sibling services (owgw, owprov...) check an operator's access
//! token on every request they serve. A live token answers its operator and the token
//! (`TokenValidationResult`); any other 403 code 8 (or 9 when it expired). The check is
//! `OperatorSignIn::validate`'s: cached verification, the revocations every instance hears, no
//! database round trip for a token already seen.

use crate::http::endpoint::Endpoint;
use crate::security::auth::ServiceCaller;
use crate::security::dto::{AclTemplate, TokenValidationResult, UserInfo, WebTokenResult};
use crate::security::error::{Detail, SecurityError, SecurityErrorBody};
use crate::security::wire::{self, Params};
use crate::state::AppState;
use actix_web::{HttpResponse, web};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::security("/validateToken").get(validate_token));
}

#[utoipa::path(get, operation_id = "security_validate_token", path = "/api/v1/validateToken",
    tag = "Security service",
    params(("token" = String, Query, description = "An operator's access token")),
    responses(
        (status = 200, description = "The token is live: its operator (without any secret) and the token (no refresh token)", body = TokenValidationResult),
        (status = 400, description = "`1018`: no `token`", body = SecurityErrorBody),
        (status = 403, description = "8: the token (or the caller's credential) is not live; 9: it expired; 7: a service token without `tokens:validate`", body = SecurityErrorBody),
        (status = 503, description = "13: a storage is down", body = SecurityErrorBody)),
    security(("bearerAuth" = ["tokens:validate"]), ("internalService" = [], "apiKeyAuth" = [])))]
pub async fn validate_token(
    _caller: ServiceCaller,
    state: web::Data<AppState>,
    params: Params,
) -> Result<HttpResponse, SecurityError> {
    let token = token_param(&params)?;
    let valid = state.operators.sign_in.validate(token).await?;
    let operator = &*valid.operator;
    Ok(wire::ok(&TokenValidationResult {
        user_info: UserInfo::from(operator),
        token_info: LiveToken {
            token,
            issued_at: valid.claims.issued_at,
            expires_in: valid.expires_in,
            idle_timeout: state.operators.idle_timeout,
            username: operator.email.to_string(),
            user_must_change_password: operator.change_password,
        }
        .into(),
    }))
}

/// The `token` parameter of `/validateToken` and `/validateSubToken`. Only a missing one is a
/// bad request (400 `1018`): any value, empty included, is a token that is live or not (8).
pub(crate) fn token_param(params: &Params) -> Result<&str, SecurityError> {
    params
        .text("token")
        .ok_or_else(|| SecurityError::bad_request(Detail::MissingOrInvalidParameters))
}

/// A token a sibling service validated (an operator's or a subscriber's), as the
/// `tokenInfo` of its `TokenValidationResult` shows it.
pub(crate) struct LiveToken<'a> {
    pub token: &'a str,
    pub issued_at: i64,
    pub expires_in: i64,
    pub idle_timeout: i64,
    pub username: String,
    pub user_must_change_password: bool,
}

impl From<LiveToken<'_>> for WebTokenResult {
    fn from(live: LiveToken<'_>) -> Self {
        Self {
            access_token: live.token.to_owned(),
            // The session's refresh token is its holder's alone.
            refresh_token: String::new(),
            token_type: "Bearer",
            expires_in: live.expires_in,
            idle_timeout: live.idle_timeout,
            username: live.username,
            created: live.issued_at,
            user_must_change_password: live.user_must_change_password,
            error_code: 0,
            acl_template: AclTemplate::all(),
            last_refresh: live.issued_at,
        }
    }
}
