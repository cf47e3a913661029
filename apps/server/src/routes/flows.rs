//! The Credentials API's flows (`/v1/orgs/{org}/flows/...`): endpoints 10, 11 and 12.

use crate::http::auth::Caller;
use crate::http::body;
use crate::http::endpoint::Endpoint;
use crate::http::error::{ApiError, ErrorBody};
use crate::routes::credentials::SecurityTokenDto;
use crate::routes::org_path;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_credential::Password;
use latchkey_flows::{ChangePassword, CreateUsername, Notice, ResetPassword};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::api("/v1/orgs/{org}/flows/change_password").post(change_password))
        .service(Endpoint::api("/v1/orgs/{org}/flows/create_username").post(create_username))
        .service(Endpoint::api("/v1/orgs/{org}/flows/reset_password").post(reset_password));
}

/// The body of `POST /flows/change_password`.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ChangePasswordBody {
    #[schema(example = "ana@example.com")]
    pub username: String,
    /// The current password.
    #[schema(example = "correct horse battery staple")]
    pub old_password: String,
    /// The new password (8 to 128 characters, not a common password, not the username).
    #[schema(example = "a brand new passphrase")]
    pub new_password: String,
    /// The language of the "password changed" notice: `es` (default) or `en`.
    #[schema(example = "es")]
    pub language: Option<String>,
}

impl std::fmt::Debug for ChangePasswordBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangePasswordBody")
            .field("username", &self.username)
            .field("language", &self.language)
            .finish_non_exhaustive()
    }
}

/// The body of `POST /flows/reset_password`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ResetPasswordBody {
    #[schema(example = "ana@example.com")]
    pub username: String,
    /// The language of the message: `es` (default) or `en`.
    #[schema(example = "es")]
    pub language: Option<String>,
    /// Where to send the link: one of the credential's own contacts (its e-mail username or its
    /// MSISDN). Default: the e-mail username, else the MSISDN.
    #[schema(example = "ana@example.com")]
    pub hint: Option<String>,
}

/// 10. Changes the password, given the current one, and sends a "password changed" notice to
/// the credential's first contact (its e-mail username, else its MSISDN). The change stands
/// even when the notice cannot be delivered (that is logged).
#[utoipa::path(post, operation_id = "flows_change_password", path = "/v1/orgs/{org}/flows/change_password", tag = "Flows",
    params(("org" = String, Path, description = "Org id")),
    request_body = ChangePasswordBody,
    responses(
        (status = 204, description = "Changed"),
        (status = 400, description = "Invalid username, or the new password breaks the policy", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Wrong current password (`credential.wrong_password`), no `credentials:write` scope, or org not covered", body = ErrorBody),
        (status = 404, description = "No such tenant or credential", body = ErrorBody),
        (status = 409, description = "The credential is disabled", body = ErrorBody),
        (status = 429, description = "Too many requests for this credential or tenant; see `Retry-After`", body = ErrorBody),
        (status = 503, description = "Storage unavailable", body = ErrorBody)),
    security(("bearerAuth" = ["credentials:write"])))]
pub async fn change_password(
    state: web::Data<AppState>,
    caller: Caller,
    org: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let org = org_path(&org)?;
    let input: ChangePasswordBody = body::json(&req, payload).await?;
    let notice = state
        .flows
        .change_password(
            &caller,
            &org,
            ChangePassword {
                username: &input.username,
                old_password: Password::new(&input.old_password),
                new_password: Password::new(&input.new_password),
                language: input.language.as_deref(),
            },
        )
        .await?;
    if let Notice::Failed(e) = notice {
        tracing::warn!(
            org = %org,
            error = %crate::error_chain(&e),
            "password changed, but its notice was not delivered"
        );
    }
    Ok(HttpResponse::NoContent().finish())
}

/// 12. Issues a set-password token and sends its link (`{LATCHKEY_PUBLIC_URL}/password/set?token=...`)
/// through the channel of `hint`: e-mail to an address, SMS to an MSISDN. A credential never
/// activated gets the activation message. If delivery fails the answer is 502 and the token
/// is withdrawn.
#[utoipa::path(post, operation_id = "flows_reset_password", path = "/v1/orgs/{org}/flows/reset_password", tag = "Flows",
    params(("org" = String, Path, description = "Org id")),
    request_body = ResetPasswordBody,
    responses(
        (status = 204, description = "The link was sent"),
        (status = 400, description = "Invalid username, or the hint is not one of the credential's contacts (`flow.invalid_hint`)", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "No `credentials:write` scope, or org not covered", body = ErrorBody),
        (status = 404, description = "No such tenant or credential", body = ErrorBody),
        (status = 409, description = "The credential is disabled, or has no contact (`credential.no_contact`)", body = ErrorBody),
        (status = 429, description = "Too many requests for this credential or tenant; see `Retry-After`", body = ErrorBody),
        (status = 502, description = "The SMTP server or SMS gateway did not take the message (`notification.failed`)", body = ErrorBody),
        (status = 503, description = "Storage unavailable, or no gateway configured for the channel", body = ErrorBody)),
    security(("bearerAuth" = ["credentials:write"])))]
pub async fn reset_password(
    state: web::Data<AppState>,
    caller: Caller,
    org: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let org = org_path(&org)?;
    let input: ResetPasswordBody = body::json(&req, payload).await?;
    state
        .flows
        .reset_password(
            &caller,
            &org,
            ResetPassword {
                username: &input.username,
                language: input.language.as_deref(),
                hint: input.hint.as_deref(),
            },
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The body of `POST /flows/create_username`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CreateUsernameBody {
    /// An e-mail address, an E.164 MSISDN or a plain identifier.
    #[schema(example = "ana@example.com")]
    pub username: String,
    /// The customer the credential belongs to (not blank).
    #[schema(example = "C-42")]
    pub customer_id: String,
    /// The customer's phone number, E.164.
    #[schema(example = "+34600111222")]
    pub msisdn: String,
}

/// 11. Creates only the username, linked to the customer and the MSISDN; the answered token
/// sets the password (endpoint 3).
#[utoipa::path(post, operation_id = "flows_create_username", path = "/v1/orgs/{org}/flows/create_username", tag = "Flows",
    params(("org" = String, Path, description = "Org id")),
    request_body = CreateUsernameBody,
    responses(
        (status = 201, description = "Created, disabled and without password; the token sets the password", body = SecurityTokenDto),
        (status = 400, description = "Invalid or missing username, customer_id or msisdn", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "No `credentials:write` scope, or org not covered", body = ErrorBody),
        (status = 404, description = "No such tenant", body = ErrorBody),
        (status = 409, description = "The username exists", body = ErrorBody)),
    security(("bearerAuth" = ["credentials:write"])))]
pub async fn create_username(
    state: web::Data<AppState>,
    caller: Caller,
    org: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let org = org_path(&org)?;
    let input: CreateUsernameBody = body::json(&req, payload).await?;
    let token = state
        .flows
        .create_username(
            &caller,
            &org,
            CreateUsername {
                username: &input.username,
                customer_id: &input.customer_id,
                msisdn: &input.msisdn,
            },
        )
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(SecurityTokenDto::from(token)))
}
