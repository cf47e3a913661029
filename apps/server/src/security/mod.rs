//! The security service's operator plane (`/api/v1`): the face that existing OpenWiFi clients
//! (owsec's curl CLI, the consoles, the sibling microservices) speak, unchanged. Its wire rules
//! are its own and hold on every path under `/api/v1`: the `ErrorCode` body from one table
//! (`error`), JSON read whatever the content type, query flags, the success bodies (`wire`),
//! operators or sibling services as callers (`auth`), and the definition's shapes (`dto`).
//!
//! Handlers parse, call one use case of `latchkey_operator` or `latchkey_login::operator`,
//! render its outcome. Every path is an [`Endpoint::security`](crate::http::endpoint::Endpoint)
//! (405 with `Allow` and this plane's body); an unknown path under `/api/v1` is 404 with
//! `ErrorCode` 404.

pub mod action_link;
pub mod api_keys;
pub mod auth;
pub mod avatars;
pub mod context;
pub mod dto;
pub mod dto_subscriber;
pub mod error;
pub mod messages;
pub mod oauth2;
pub mod preferences;
pub mod profiles;
pub mod services;
pub mod signup;
pub mod signup_listener;
pub mod signup_page;
pub mod submfa;
pub mod suboauth2;
pub mod subscriber_auth;
pub mod subuser_input;
pub mod subusers;
pub mod system;
pub mod tenant;
pub mod totp;
pub mod upload;
pub mod user_input;
pub mod users;
pub mod validate;
pub mod validate_sub;
pub mod wire;

use actix_web::middleware::from_fn;
use actix_web::{HttpResponse, web};
use error::SecurityError;

/// Mounts the plane under `/api/v1`. Each module registers its endpoints here, with paths
/// relative to `/api/v1`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .wrap(from_fn(wire::middleware))
            .configure(oauth2::configure)
            .configure(validate::configure)
            .configure(suboauth2::configure)
            .configure(validate_sub::configure)
            .configure(action_link::configure)
            .configure(users::configure)
            .configure(signup::configure)
            .configure(subusers::configure)
            .configure(api_keys::configure)
            .configure(profiles::configure)
            .configure(system::configure)
            .configure(avatars::configure)
            .configure(preferences::configure)
            .configure(totp::configure)
            .configure(submfa::configure)
            .configure(messages::configure)
            .default_service(web::to(not_found)),
    );
}

/// Any path under `/api/v1` that no endpoint serves.
async fn not_found() -> HttpResponse {
    SecurityError::not_found().into_response()
}
