//! `/suboauth2`: the subscribers' sign-in, with every flag of `/oauth2`, on the subscriber's
//! tenant (`security::tenant`: the `X-Latchkey-Org` header, else the default org). `POST
//! /suboauth2` reads its flags from the query (`requirements`, `forgotPassword`,
//! `resendMFACode`, `completeMFAChallenge`, `grant_type=refresh_token`), else signs in with
//! `{userId, password[, newPassword]}`; it ignores any `Authorization` header. `GET
//! /suboauth2?me=true` is the caller's `UserInfo`; `DELETE /suboauth2/{token}` signs that
//! session out (the bearer must be that token).
//!
//! A subscriber is a credential: the use cases are the login server's
//! (`latchkey_login::subscriber`), and the tokens are Latchkey customer tokens that the
//! Credentials API accepts for the subscriber's own credential. As for `/oauth2`, the password
//! grant exists for first-party apps only (RFC 9700 §2.4 forbids it to third parties); a
//! password sign-in counts against the login server's limit of logins started per address.

use crate::http::endpoint::Endpoint;
use crate::security::avatars;
use crate::security::dto::UserInfo;
use crate::security::error::{Denial, Detail, SecurityError, SecurityErrorBody};
use crate::security::oauth2::{
    self, SignInAnswer, SignInBody, address, challenge, new_password, refresh_grant, required,
    tokens,
};
use crate::security::subscriber_auth::SubscriberCaller;
use crate::security::tenant::subscriber_org;
use crate::security::wire::{self, Completed, OptionalJson, Params};
use crate::state::AppState;
use actix_web::http::header::USER_AGENT;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_core::{ExposeSecret as _, OrgId, ct_eq};
use latchkey_credential::{CredentialError, Password};
use latchkey_login::AbuseError;
use latchkey_login::operator::SignedIn;
use latchkey_login::subscriber::Caller;
use latchkey_tenancy::TenantError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::security("/suboauth2").post(post).get(me))
        .service(Endpoint::security("/suboauth2/{token}").delete(sign_out));
}

/// The client's address (guesses are counted against it) and user agent (the device session
/// is named after it).
fn caller(req: &HttpRequest) -> (String, String) {
    let address = address(req);
    let agent = req
        .headers()
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (address, agent)
}

/// The subscriber's tenant, which must exist and be enabled (404 otherwise).
async fn tenant(req: &HttpRequest, state: &AppState) -> Result<OrgId, SecurityError> {
    let org = subscriber_org(req, state, None)?;
    match state.credentials.login_tenant(&org).await {
        Ok(_) => Ok(org),
        Err(CredentialError::Tenant(TenantError::NotFound(_))) => Err(SecurityError::not_found()),
        Err(CredentialError::Store(e) | CredentialError::Tenant(TenantError::Store(e))) => {
            Err(SecurityError::from(e))
        }
        Err(e) => Err(SecurityError::internal(e)),
    }
}

#[utoipa::path(post, operation_id = "security_suboauth2", path = "/api/v1/suboauth2",
    tag = "Security service",
    params(
        ("X-Latchkey-Org" = Option<String>, Header, description = "The subscriber's tenant; the server's default org (`LATCHKEY_SUBSCRIBER_ORG`) without it"),
        ("requirements" = Option<bool>, Query, description = "Answer what a password must be (no body, no token)"),
        ("forgotPassword" = Option<bool>, Query, description = "Send the Credentials API's password-reset message to `userId`: the same answer whether it exists or not"),
        ("resendMFACode" = Option<bool>, Query, description = "Send the code of challenge `uuid` again"),
        ("completeMFAChallenge" = Option<bool>, Query, description = "Answer challenge `uuid` with `answer`"),
        ("grant_type" = Option<String>, Query, description = "`refresh_token`: new tokens for `refreshToken` (rotating: the old one dies)"),
        ("newPassword" = Option<String>, Query, description = "The new password, when not in the body"),
    ),
    request_body(content = Option<SignInBody>, description = "`{userId, password[, newPassword]}`, `{uuid, answer}`, `{uuid}`, `{userId}` or `{refreshToken}` as the flags say (none with `requirements=true`); read whatever the Content-Type"),
    responses(
        (status = 200, description = "Tokens (`WebTokenResult`: a Latchkey customer access token the Credentials API accepts for the subscriber's own credential, and the device session's refresh token), a second factor to answer (`MFAChallengeRequest`), the requirements, or `Command completed.` (`forgotPassword`)", body = SignInAnswer),
        (status = 400, description = "`1003`: not JSON; `1018`: a field missing, a flag not a boolean, or no tenant named (no `X-Latchkey-Org` and no default org)", body = SecurityErrorBody),
        (status = 403, description = "2 invalid credentials, 3 the new password is the current one, 4 pending verification, 5 password invalid, 11 unknown or expired challenge, 12 wrong answer, 14 cannot refresh, 15 suspended or blacklisted", body = SecurityErrorBody),
        (status = 404, description = "The tenant does not exist or is disabled", body = SecurityErrorBody),
        (status = 429, description = "10: too many failures, too many sign-ins from the address (`LATCHKEY_LOGIN_RATE_PER_ADDRESS`, with the login server's), or a code asked again within 30 s; `Retry-After`", body = SecurityErrorBody),
        (status = 503, description = "13: a storage, the SMTP server or the SMS gateway is down", body = SecurityErrorBody)),
    security(()))]
pub async fn post(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: Params,
    body: OptionalJson<SignInBody>,
) -> Result<HttpResponse, SecurityError> {
    let sign_in = &state.subscriber_sign_in;
    // Every flag is read (and a malformed one refused) whichever one decides.
    let requirements = params.flag("requirements")?;
    let forgot_password = params.flag("forgotPassword")?;
    let resend = params.flag("resendMFACode")?;
    let complete = params.flag("completeMFAChallenge")?;
    if requirements {
        return Ok(oauth2::requirements());
    }
    let body = body
        .0
        .ok_or_else(|| SecurityError::bad_request(Detail::InvalidJson))?;
    let (address, agent) = caller(&req);
    let caller = Caller {
        address: &address,
        user_agent: &agent,
    };
    if forgot_password {
        let user_id = required(body.user_id.as_ref())?.to_owned();
        let org = tenant(&req, &state).await?;
        // Detached: whether a message goes out (and how long it takes) is not in the answer.
        let sign_in = sign_in.clone();
        actix_web::rt::spawn(async move {
            if let Err(e) = sign_in.forgot_password(&org, &user_id).await {
                tracing::warn!(error = %e, org = %org, "a subscriber's password reset failed");
            }
        });
        return Ok(wire::ok(&SignInAnswer::Completed(Completed::new())));
    }
    if resend {
        let found = sign_in.resend_mfa(required(body.uuid.as_ref())?).await?;
        return Ok(challenge(&found));
    }
    if complete {
        let uuid = required(body.uuid.as_ref())?;
        let answer = required(body.answer.as_ref())?;
        let token = sign_in.complete_mfa(uuid, answer, caller).await?;
        return Ok(tokens(&token));
    }
    if let Some(refresh_token) = refresh_grant(&params, &body)? {
        return Ok(tokens(&sign_in.refresh(refresh_token).await?));
    }
    let user_id = required(body.user_id.as_ref())?;
    let password = Password::new(required(body.password.as_ref())?);
    let new_password = new_password(&body, &params);
    // A password sign-in is a login started: counted per address with the login server's.
    state
        .abuse
        .login_start(&address)
        .await
        .map_err(|e| match e {
            AbuseError::Limited { retry_after } => SecurityError::rate_limited(
                std::time::Duration::try_from(retry_after).unwrap_or_default(),
            ),
            AbuseError::Unavailable(source) => SecurityError::from(source),
        })?;
    let org = tenant(&req, &state).await?;
    match sign_in
        .sign_in(&org, user_id, &password, new_password.as_ref(), caller)
        .await?
    {
        SignedIn::Tokens(token) => Ok(tokens(&token)),
        SignedIn::Challenge(started) => Ok(challenge(&started)),
    }
}

#[utoipa::path(get, operation_id = "security_suboauth2_me", path = "/api/v1/suboauth2",
    tag = "Security service",
    params(("me" = bool, Query, description = "`true`: the calling subscriber's own `UserInfo`")),
    responses(
        (status = 200, description = "The subscriber, without any secret", body = UserInfo),
        (status = 400, description = "`1018`: `me` missing or not `true`", body = SecurityErrorBody),
        (status = 403, description = "8 invalid token (also a subscriber suspended, blacklisted or deleted), 9 expired token", body = SecurityErrorBody),
        (status = 503, description = "13: a storage is down", body = SecurityErrorBody)),
    security(("bearerAuth" = [])))]
pub async fn me(
    state: web::Data<AppState>,
    caller: SubscriberCaller,
    params: Params,
) -> Result<HttpResponse, SecurityError> {
    if !params.flag("me")? {
        return Err(SecurityError::bad_request(
            Detail::MissingOrInvalidParameters,
        ));
    }
    let valid = state
        .subscriber_sign_in
        .validate(caller.token.expose_secret())
        .await?;
    let info = avatars::subscriber_info(&state, &valid.subscriber).await?;
    Ok(wire::ok(&info))
}

#[utoipa::path(delete, operation_id = "security_suboauth2_sign_out", path = "/api/v1/suboauth2/{token}",
    tag = "Security service",
    params(("token" = String, Path, description = "The access token to sign out: the bearer's own")),
    responses(
        (status = 204, description = "Signed out: the device session (and its refresh token) is over, and the access token is refused on every instance"),
        (status = 403, description = "8 invalid token, 9 expired token; 7 when the bearer is another token", body = SecurityErrorBody),
        (status = 503, description = "13: a storage is down", body = SecurityErrorBody)),
    security(("bearerAuth" = [])))]
pub async fn sign_out(
    state: web::Data<AppState>,
    caller: SubscriberCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, SecurityError> {
    let token = path.into_inner();
    if !ct_eq(caller.token.expose_secret().as_bytes(), token.as_bytes()) {
        return Err(SecurityError::denied(Denial::AccessDenied));
    }
    state.subscriber_sign_in.sign_out(&token).await?;
    Ok(HttpResponse::NoContent().finish())
}
