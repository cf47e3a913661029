//! `GET /validateSubToken?token=`: sibling services check a subscriber's access token (from
//! `/suboauth2`, or the login server's: both are Latchkey customer tokens). A live token
//! answers its subscriber and the token (`TokenValidationResult`); any other 403 code 8 (9 when
//! it expired). The verification is the Credentials API's (cached, revocations heard from every
//! instance); the subscriber is read to answer it, and one suspended, blacklisted or deleted is
//! code 8.

use crate::http::endpoint::Endpoint;
use crate::security::auth::ServiceCaller;
use crate::security::dto::{TokenValidationResult, UserInfo};
use crate::security::error::{SecurityError, SecurityErrorBody};
use crate::security::validate::{LiveToken, token_param};
use crate::security::wire::{self, Params};
use crate::state::AppState;
use actix_web::{HttpResponse, web};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::security("/validateSubToken").get(validate_sub_token));
}

#[utoipa::path(get, operation_id = "security_validate_sub_token", path = "/api/v1/validateSubToken",
    tag = "Security service",
    params(("token" = String, Query, description = "A subscriber's access token")),
    responses(
        (status = 200, description = "The token is live: its subscriber (without any secret) and the token (no refresh token)", body = TokenValidationResult),
        (status = 400, description = "`1018`: no `token`", body = SecurityErrorBody),
        (status = 403, description = "8: the token (or the caller's credential) is not live, or is no subscriber's; 9: it expired; 7: a service token without `tokens:validate`", body = SecurityErrorBody),
        (status = 503, description = "13: a storage is down", body = SecurityErrorBody)),
    security(("bearerAuth" = ["tokens:validate"]), ("internalService" = [], "apiKeyAuth" = [])))]
pub async fn validate_sub_token(
    _caller: ServiceCaller,
    state: web::Data<AppState>,
    params: Params,
) -> Result<HttpResponse, SecurityError> {
    let token = token_param(&params)?;
    let valid = state.subscriber_sign_in.validate(token).await?;
    let subscriber = &valid.subscriber;
    Ok(wire::ok(&TokenValidationResult {
        user_info: UserInfo::subscriber(subscriber),
        token_info: LiveToken {
            token,
            issued_at: valid.claims.issued_at,
            expires_in: valid.expires_in,
            idle_timeout: valid.expires_in,
            username: subscriber.credential.username.as_str().to_owned(),
            user_must_change_password: false,
        }
        .into(),
    }))
}
