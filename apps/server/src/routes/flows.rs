//! The Credentials API's flows (`/v1/orgs/{org}/flows/...`).

use crate::http::auth::Caller;
use crate::http::body;
use crate::http::error::{ApiError, ErrorBody};
use crate::routes::credentials::SecurityTokenDto;
use crate::routes::org_path;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_flows::CreateUsername;
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::resource("/v1/orgs/{org}/flows/create_username")
            .route(web::post().to(create_username)),
    );
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
