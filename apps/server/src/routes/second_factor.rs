//! Credentials API endpoints 16-21: one-time codes (OTP) and TOTP.

use super::org_path;
use crate::http::auth::Caller;
use crate::http::body;
use crate::http::endpoint::Endpoint;
use crate::http::error::{ApiError, ErrorBody};
use crate::qr::png as qr_png;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_core::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};

const BASE: &str = "/v1/orgs/{org}/credentials/{username}";

type OrgUser = web::Path<(String, String)>;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        Endpoint::api(&format!("{BASE}/otp"))
            .post(send_otp)
            .put(check_otp),
    )
    .service(
        Endpoint::api(&format!("{BASE}/totp"))
            .get(totp_qr)
            .post(enroll_totp)
            .put(check_totp),
    )
    .service(Endpoint::api(&format!("{BASE}/totp/passcode")).post(passcode));
}

/// Where and how to send a code.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct SendBody {
    /// `es` (default) or `en`.
    #[schema(example = "es")]
    pub language: Option<String>,
    /// One of the credential's own contacts (its e-mail username or MSISDN); default: the first.
    #[schema(example = "user@masmovil.com")]
    pub hint: Option<String>,
}

/// A new authenticator (endpoint 19).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[expect(
    dead_code,
    reason = "`language` and `hint` are the spec's fields: accepted, documented, not used"
)]
pub struct EnrollBody {
    /// Accepted and not used.
    #[schema(example = "es")]
    pub language: Option<String>,
    /// Accepted and not used.
    pub hint: Option<String>,
    /// With a customer's token over an active authenticator: a current code of that
    /// authenticator (not needed when the customer's sign-in used the second factor).
    #[schema(example = "280597")]
    pub code: Option<String>,
}

/// A code to check.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CodeBody {
    /// 6 digits.
    #[schema(example = "280597")]
    pub code: String,
}

impl std::fmt::Debug for CodeBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeBody([REDACTED])")
    }
}

/// How long the code sent lives.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExpiresIn {
    /// Seconds.
    #[schema(example = 300)]
    pub expires_in: i64,
}

/// The current TOTP code.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PasscodeDto {
    /// Seconds the code stays valid (the rest of its 30-second step).
    #[schema(example = 30)]
    pub expires_in: u64,
    #[schema(example = "280597")]
    pub passcode: String,
}

/// 16. Generates a 6-digit code (valid 300 s, 5 tries) and sends it to the contact the hint names:
/// by SMS to an MSISDN, by e-mail to an address.
#[utoipa::path(post, operation_id = "otp_send", path = "/v1/orgs/{org}/credentials/{username}/otp", tag = "OTP",
    params(("org" = String, Path, description = "Org id"), ("username" = String, Path, description = "Username")),
    request_body(content = SendBody, description = "Optional"),
    responses(
        (status = 201, description = "Sent", body = ExpiresIn),
        (status = 400, description = "Invalid username, or the hint is not one of the credential's contacts (`flow.invalid_hint`)", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "No `otp` scope, or org not covered", body = ErrorBody),
        (status = 404, description = "No such tenant or credential", body = ErrorBody),
        (status = 409, description = "A code was sent less than 30 s ago (`otp.already_sent`, with `Retry-After`), the credential is disabled, or has no contact", body = ErrorBody),
        (status = 429, description = "Too many requests for this credential; see `Retry-After`", body = ErrorBody),
        (status = 502, description = "The SMTP server or SMS gateway did not take the message", body = ErrorBody),
        (status = 503, description = "Redis or storage unavailable, or no gateway for the channel", body = ErrorBody)),
    security(("bearerAuth" = ["otp"])))]
pub async fn send_otp(
    state: web::Data<AppState>,
    caller: Caller,
    path: OrgUser,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let org = org_path(&path.0)?;
    let input: SendBody = body::optional_json(&req, payload)
        .await?
        .unwrap_or_default();
    let ttl = state
        .second_factors
        .send_otp(
            &caller,
            &org,
            &path.1,
            input.language.as_deref(),
            input.hint.as_deref(),
        )
        .await?;
    Ok(HttpResponse::Created().json(ExpiresIn {
        expires_in: ttl.whole_seconds(),
    }))
}

/// 17. Checks a code sent by endpoint 16: used up when right; the fifth wrong try burns it.
#[utoipa::path(put, operation_id = "otp_check", path = "/v1/orgs/{org}/credentials/{username}/otp", tag = "OTP",
    params(("org" = String, Path, description = "Org id"), ("username" = String, Path, description = "Username")),
    request_body = CodeBody,
    responses(
        (status = 204, description = "The code is right"),
        (status = 400, description = "Not 6 digits (`otp.invalid_code`), or invalid username", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Wrong code (`otp.mismatch`, the message says the tries left; `otp.burnt` on the last), no `otp` scope, or org not covered", body = ErrorBody),
        (status = 404, description = "No such tenant or credential", body = ErrorBody),
        (status = 409, description = "No code pending: expired, used, burnt or never sent (`otp.not_pending`)", body = ErrorBody),
        (status = 503, description = "Redis unavailable", body = ErrorBody)),
    security(("bearerAuth" = ["otp"])))]
pub async fn check_otp(
    state: web::Data<AppState>,
    caller: Caller,
    path: OrgUser,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let org = org_path(&path.0)?;
    let input: CodeBody = body::json(&req, payload).await?;
    state
        .second_factors
        .check_otp(&caller, &org, &path.1, &input.code)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// 18. The QR code (PNG) of the credential's TOTP secret: the pending one being set up, else the
/// active one. A customer's own token sees only a pending one, and needs a recent sign-in
/// (`auth.reauthentication_required` otherwise): an active secret is never read back with a
/// token. A service token with `totp` reads the active secret: grant that scope only to a
/// service trusted with every customer's authenticator.
#[utoipa::path(get, operation_id = "totp_qr", path = "/v1/orgs/{org}/credentials/{username}/totp", tag = "TOTP",
    params(("org" = String, Path, description = "Org id"), ("username" = String, Path, description = "Username")),
    responses(
        (status = 201, description = "The otpauth:// URI as a QR code", content_type = "image/png"),
        (status = 400, description = "Invalid username", body = ErrorBody),
        (status = 401, description = "Missing or invalid token; a customer's token whose sign-in is not recent (`auth.reauthentication_required`, with `WWW-Authenticate: Bearer error=\"insufficient_user_authentication\", max_age=\"300\"`)", body = ErrorBody),
        (status = 403, description = "No `totp` scope, or org not covered", body = ErrorBody),
        (status = 404, description = "No such tenant or credential", body = ErrorBody),
        (status = 409, description = "No TOTP enrollment (`totp.not_enrolled`); a customer's token and no enrollment in progress (`totp.not_pending`)", body = ErrorBody),
        (status = 503, description = "Storage unavailable, or no data key", body = ErrorBody)),
    security(("bearerAuth" = ["totp"])))]
pub async fn totp_qr(
    state: web::Data<AppState>,
    caller: Caller,
    path: OrgUser,
) -> Result<HttpResponse, ApiError> {
    let org = org_path(&path.0)?;
    let uri = state
        .second_factors
        .totp_uri(&caller, &org, &path.1)
        .await?;
    png_response(&uri)
}

/// 19. A new pending TOTP secret (160 bits, encrypted at rest), as a QR code; the first valid code
/// (endpoint 20) makes it the active one, and until then the active one keeps working.
/// `language` and `hint` are accepted and not used: nothing is sent. A customer's own token
/// needs a recent full sign-in and, over an active authenticator, `code` from it (unless the
/// sign-in used the second factor).
#[utoipa::path(post, operation_id = "totp_enroll", path = "/v1/orgs/{org}/credentials/{username}/totp", tag = "TOTP",
    params(("org" = String, Path, description = "Org id"), ("username" = String, Path, description = "Username")),
    request_body(content = EnrollBody, description = "Optional"),
    responses(
        (status = 201, description = "The new otpauth:// URI as a QR code", content_type = "image/png"),
        (status = 400, description = "Invalid username; `code` not 6 digits (`otp.invalid_code`)", body = ErrorBody),
        (status = 401, description = "Missing or invalid token; a customer's token whose sign-in is not recent, or lacks the second factor the credential requires (`auth.reauthentication_required`)", body = ErrorBody),
        (status = 403, description = "No `totp` scope, or org not covered; a customer's token over an active authenticator without its code (`totp.code_required`), or a wrong or used code (`totp.mismatch`, `totp.replayed`)", body = ErrorBody),
        (status = 404, description = "No such tenant or credential", body = ErrorBody),
        (status = 503, description = "Storage unavailable, or no data key", body = ErrorBody)),
    security(("bearerAuth" = ["totp"])))]
pub async fn enroll_totp(
    state: web::Data<AppState>,
    caller: Caller,
    path: OrgUser,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let org = org_path(&path.0)?;
    let input: Option<EnrollBody> = body::optional_json(&req, payload).await?;
    let code = input.and_then(|b| b.code);
    let uri = state
        .second_factors
        .enroll_totp_replacing(&caller, &org, &path.1, code.as_deref())
        .await?;
    png_response(&uri)
}

/// 20. Checks a TOTP code (±30 s) against the active secret and the pending one. A code is
/// accepted once, and never one older than the last accepted; the first valid code of the
/// pending secret makes it the active one (with a customer's own token, only after a recent
/// full sign-in).
#[utoipa::path(put, operation_id = "totp_check", path = "/v1/orgs/{org}/credentials/{username}/totp", tag = "TOTP",
    params(("org" = String, Path, description = "Org id"), ("username" = String, Path, description = "Username")),
    request_body = CodeBody,
    responses(
        (status = 204, description = "The code is valid"),
        (status = 400, description = "Not 6 digits (`otp.invalid_code`), or invalid username", body = ErrorBody),
        (status = 401, description = "Missing or invalid token; a customer's token activating a pending secret without a recent sign-in (`auth.reauthentication_required`)", body = ErrorBody),
        (status = 403, description = "Wrong code (`totp.mismatch`), a code used already (`totp.replayed`), no `totp` scope, or org not covered", body = ErrorBody),
        (status = 404, description = "No such tenant or credential", body = ErrorBody),
        (status = 409, description = "No TOTP enrollment (`totp.not_enrolled`)", body = ErrorBody),
        (status = 429, description = "Too many tries for this credential; see `Retry-After`", body = ErrorBody),
        (status = 503, description = "Redis or storage unavailable, or no data key", body = ErrorBody)),
    security(("bearerAuth" = ["totp"])))]
pub async fn check_totp(
    state: web::Data<AppState>,
    caller: Caller,
    path: OrgUser,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let org = org_path(&path.0)?;
    let input: CodeBody = body::json(&req, payload).await?;
    state
        .second_factors
        .check_totp(&caller, &org, &path.1, &input.code)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// 21. The current TOTP code and the seconds it stays valid (scope `totp:passcode` only).
#[utoipa::path(post, operation_id = "totp_passcode", path = "/v1/orgs/{org}/credentials/{username}/totp/passcode", tag = "TOTP",
    params(("org" = String, Path, description = "Org id"), ("username" = String, Path, description = "Username")),
    responses(
        (status = 201, description = "The current code", body = PasscodeDto),
        (status = 400, description = "Invalid username", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "No `totp:passcode` scope, or org not covered", body = ErrorBody),
        (status = 404, description = "No such tenant or credential", body = ErrorBody),
        (status = 409, description = "No TOTP enrollment (`totp.not_enrolled`)", body = ErrorBody),
        (status = 503, description = "Storage unavailable, or no data key", body = ErrorBody)),
    security(("bearerAuth" = ["totp:passcode"])))]
pub async fn passcode(
    state: web::Data<AppState>,
    caller: Caller,
    path: OrgUser,
) -> Result<HttpResponse, ApiError> {
    let org = org_path(&path.0)?;
    let current = state
        .second_factors
        .totp_passcode(&caller, &org, &path.1)
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(PasscodeDto {
            expires_in: current.expires_in,
            passcode: current.code.expose_secret().to_owned(),
        }))
}

fn png_response(uri: &SecretString) -> Result<HttpResponse, ApiError> {
    let png = qr_png(uri.expose_secret()).map_err(|e| ApiError::internal("otp: QR code", e))?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .content_type("image/png")
        .body(png))
}
