//! `/oauth2`: the operators' sign-in, as owsec's table has it. `POST /oauth2` reads its flags
//! from the query (`requirements`, `forgotPassword`, `resendMFACode`, `completeMFAChallenge`,
//! `grant_type=refresh_token`), else signs in with `{userId, password[, newPassword]}`; it
//! ignores any `Authorization` header (clients send `Bearer ` with an empty token).
//! `GET /oauth2?me=true` is the caller's `UserInfo`; `DELETE /oauth2/{token}` signs that
//! session out (the bearer must be that token).
//!
//! The password grant exists for first-party consoles only (RFC 9700 §2.4 forbids it to third
//! parties); it keeps the login server's slowed guessing and dummy-hash timing (in
//! `latchkey_login::operator`).

use crate::http::endpoint::Endpoint;
use crate::security::auth::{OperatorCaller, Proof};
use crate::security::avatars;
use crate::security::dto::{AclTemplate, UserInfo, WebTokenResult};
use crate::security::error::{Denial, Detail, SecurityError, SecurityErrorBody};
use crate::security::wire::{self, Completed, OptionalJson, Params};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_core::{ExposeSecret as _, ct_eq};
use latchkey_credential::Password;
use latchkey_login::operator::{MfaChallenge, SignedIn, WebToken};
use serde::{Deserialize, Serialize};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::security("/oauth2").post(post).get(me))
        .service(Endpoint::security("/oauth2/{token}").delete(sign_out));
}

/// Every body `POST /oauth2` reads (`WebTokenRequest`, `MFAChallengeResponse`,
/// `WebTokenRefreshRequest`): which fields count depends on the flags.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SignInBody {
    /// The operator's e-mail (case-insensitive).
    #[serde(rename = "userId")]
    pub user_id: Option<String>,
    pub password: Option<String>,
    /// The new password: a forced change, or a change at will.
    #[serde(rename = "newPassword")]
    pub new_password: Option<String>,
    /// `grant_type=refresh_token`: the refresh token (also read as `refresh_token`).
    #[serde(rename = "refreshToken", alias = "refresh_token")]
    pub refresh_token: Option<String>,
    /// `completeMFAChallenge` and `resendMFACode`: the challenge.
    pub uuid: Option<String>,
    /// `completeMFAChallenge`: the code received.
    pub answer: Option<String>,
}

/// A second factor to answer (`MFAChallengeRequest`): a code was sent.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MfaChallengeBody {
    #[schema(format = Uuid)]
    pub uuid: String,
    /// When the challenge started, in seconds since the epoch.
    pub created: i64,
    /// Always `mfa challenge`.
    pub question: &'static str,
    /// `sms` or `email`.
    pub method: &'static str,
}

impl From<&MfaChallenge> for MfaChallengeBody {
    fn from(c: &MfaChallenge) -> Self {
        Self {
            uuid: c.uuid.to_string(),
            created: c.created,
            question: "mfa challenge",
            method: c.method.as_str(),
        }
    }
}

/// `?requirements=true`: what a password must be.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Requirements {
    /// A regular expression every acceptable password matches.
    pub password_pattern: &'static str,
    /// Where the access policy is published (none: empty).
    pub access_policy: &'static str,
    /// Where the password policy is published (none: empty).
    pub password_policy: &'static str,
}

/// What `POST /oauth2` answers, by its flags: tokens, a challenge to answer, the password
/// requirements, or `Command completed.` (`forgotPassword`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum SignInAnswer {
    Tokens(Box<WebTokenResult>),
    Challenge(MfaChallengeBody),
    Requirements(Requirements),
    Completed(Completed),
}

impl From<&WebToken> for WebTokenResult {
    fn from(t: &WebToken) -> Self {
        Self {
            access_token: t.access_token.expose_secret().to_owned(),
            refresh_token: t.refresh_token.expose_secret().to_owned(),
            token_type: "Bearer",
            expires_in: t.expires_in,
            idle_timeout: t.idle_timeout,
            username: t.username.clone(),
            created: t.created,
            user_must_change_password: t.user_must_change_password,
            error_code: 0,
            acl_template: AclTemplate::all(),
            last_refresh: t.last_refresh,
        }
    }
}

/// The answer of a sign-in, an answered challenge or a refresh (`/oauth2` and `/suboauth2`).
pub(crate) fn tokens(token: &WebToken) -> HttpResponse {
    wire::ok(&SignInAnswer::Tokens(Box::new(WebTokenResult::from(token))))
}

/// The answer of a sign-in that needs a second factor (`/oauth2` and `/suboauth2`).
pub(crate) fn challenge(challenge: &MfaChallenge) -> HttpResponse {
    wire::ok(&SignInAnswer::Challenge(MfaChallengeBody::from(challenge)))
}

/// `?requirements=true` on `/oauth2` and `/suboauth2`: the operators' password policy, which
/// the Credentials API's (the subscribers') shares.
pub(crate) fn requirements() -> HttpResponse {
    wire::ok(&SignInAnswer::Requirements(Requirements {
        password_pattern: latchkey_operator::PASSWORD_PATTERN,
        access_policy: "",
        password_policy: "",
    }))
}

/// A field of [`SignInBody`] the flags call for: missing or blank is 400 `1018`.
pub(crate) fn required(value: Option<&String>) -> Result<&str, SecurityError> {
    value
        .map(String::as_str)
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| SecurityError::bad_request(Detail::MissingOrInvalidParameters))
}

/// `grant_type`: `None` without one, `Some(refresh token)` for `refresh_token` (its token
/// required), 400 `1018` for any other grant.
pub(crate) fn refresh_grant<'a>(
    params: &Params,
    body: &'a SignInBody,
) -> Result<Option<&'a str>, SecurityError> {
    match params.text("grant_type") {
        None => Ok(None),
        Some("refresh_token") => required(body.refresh_token.as_ref()).map(Some),
        Some(_) => Err(SecurityError::bad_request(
            Detail::MissingOrInvalidParameters,
        )),
    }
}

/// The new password of a password sign-in: the body's `newPassword`, else the query's; an
/// empty one is none.
pub(crate) fn new_password(body: &SignInBody, params: &Params) -> Option<Password> {
    body.new_password
        .as_deref()
        .or(params.text("newPassword"))
        .filter(|p| !p.is_empty())
        .map(Password::new)
}

/// The client's address, which guesses (and, on `/suboauth2`, logins started) are counted
/// against.
pub(crate) fn address(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default()
}

#[utoipa::path(post, operation_id = "security_oauth2", path = "/api/v1/oauth2",
    tag = "Security service",
    params(
        ("requirements" = Option<bool>, Query, description = "Answer what a password must be (no body, no token)"),
        ("forgotPassword" = Option<bool>, Query, description = "E-mail a reset link to `userId`: the same answer whether it exists or not"),
        ("resendMFACode" = Option<bool>, Query, description = "Send the code of challenge `uuid` again"),
        ("completeMFAChallenge" = Option<bool>, Query, description = "Answer challenge `uuid` with `answer`"),
        ("grant_type" = Option<String>, Query, description = "`refresh_token`: new tokens for `refreshToken` (rotating: the old one dies)"),
        ("newPassword" = Option<String>, Query, description = "The new password, when not in the body"),
    ),
    request_body(content = Option<SignInBody>, description = "`{userId, password[, newPassword]}`, `{uuid, answer}`, `{uuid}`, `{userId}` or `{refreshToken}` as the flags say (none with `requirements=true`); read whatever the Content-Type"),
    responses(
        (status = 200, description = "Tokens (`WebTokenResult`), a second factor to answer (`MFAChallengeRequest`), the requirements, or `Command completed.` (`forgotPassword`)", body = SignInAnswer),
        (status = 400, description = "`1003`: not JSON; `1018`: a field missing or a flag not a boolean", body = SecurityErrorBody),
        (status = 403, description = "1 password change required, 2 invalid credentials, 3 password already used, 4 pending verification, 5 password invalid, 11 unknown or expired challenge, 12 wrong answer, 14 cannot refresh, 15 suspended", body = SecurityErrorBody),
        (status = 429, description = "10: too many failures; `Retry-After`", body = SecurityErrorBody),
        (status = 503, description = "13: a storage, the SMTP server or the SMS gateway is down", body = SecurityErrorBody)),
    security(()))]
pub async fn post(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: Params,
    body: OptionalJson<SignInBody>,
) -> Result<HttpResponse, SecurityError> {
    let sign_in = &state.operators.sign_in;
    // Every flag is read (and a malformed one refused) whichever one decides.
    let requirements = params.flag("requirements")?;
    let forgot_password = params.flag("forgotPassword")?;
    let resend = params.flag("resendMFACode")?;
    let complete = params.flag("completeMFAChallenge")?;
    if requirements {
        return Ok(self::requirements());
    }
    // Every other request says something in its body.
    let body = body
        .0
        .ok_or_else(|| SecurityError::bad_request(Detail::InvalidJson))?;
    if forgot_password {
        sign_in
            .forgot_password(required(body.user_id.as_ref())?)
            .await?;
        return Ok(wire::ok(&SignInAnswer::Completed(wire::Completed::new())));
    }
    if resend {
        let found = sign_in.resend_mfa(required(body.uuid.as_ref())?).await?;
        return Ok(challenge(&found));
    }
    if complete {
        let uuid = required(body.uuid.as_ref())?;
        let answer = required(body.answer.as_ref())?;
        let token = sign_in.complete_mfa(uuid, answer, &address(&req)).await?;
        return Ok(tokens(&token));
    }
    if let Some(refresh_token) = refresh_grant(&params, &body)? {
        return Ok(tokens(&sign_in.refresh(refresh_token).await?));
    }
    let user_id = required(body.user_id.as_ref())?;
    let password = Password::new(required(body.password.as_ref())?);
    let new_password = new_password(&body, &params);
    match sign_in
        .sign_in(user_id, &password, new_password.as_ref(), &address(&req))
        .await?
    {
        SignedIn::Tokens(token) => Ok(tokens(&token)),
        SignedIn::Challenge(started) => Ok(challenge(&started)),
    }
}

#[utoipa::path(get, operation_id = "security_oauth2_me", path = "/api/v1/oauth2",
    tag = "Security service",
    params(("me" = bool, Query, description = "`true`: the caller's own `UserInfo`")),
    responses(
        (status = 200, description = "The caller, without any secret", body = UserInfo),
        (status = 400, description = "`1018`: `me` missing or not `true`", body = SecurityErrorBody),
        (status = 403, description = "8 invalid token, 9 expired token", body = SecurityErrorBody),
        (status = 503, description = "13: a storage is down", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn me(
    state: web::Data<AppState>,
    caller: OperatorCaller,
    params: Params,
) -> Result<HttpResponse, SecurityError> {
    if !params.flag("me")? {
        return Err(SecurityError::bad_request(
            Detail::MissingOrInvalidParameters,
        ));
    }
    let info = avatars::operator_info(&state, caller.operator()).await?;
    Ok(wire::ok(&info))
}

#[utoipa::path(delete, operation_id = "security_oauth2_sign_out", path = "/api/v1/oauth2/{token}",
    tag = "Security service",
    params(("token" = String, Path, description = "The access token to sign out: the bearer's own")),
    responses(
        (status = 204, description = "Signed out: the session's access and refresh tokens are dead on every instance"),
        (status = 403, description = "8 invalid token, 9 expired token; 7 when the caller is not that token (another token, or an API key: it authenticates its operator but signs out no session)", body = SecurityErrorBody),
        (status = 503, description = "13: a storage is down", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn sign_out(
    state: web::Data<AppState>,
    caller: OperatorCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, SecurityError> {
    let token = path.into_inner();
    let Proof::Token { token: bearer, .. } = &caller.proof else {
        return Err(SecurityError::denied(Denial::AccessDenied));
    };
    if !ct_eq(bearer.expose_secret().as_bytes(), token.as_bytes()) {
        return Err(SecurityError::denied(Denial::AccessDenied));
    }
    state.operators.sign_in.sign_out(&token).await?;
    Ok(HttpResponse::NoContent().finish())
}
