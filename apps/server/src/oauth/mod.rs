//! The OAuth 2.0 and OpenID Connect face: the token endpoint (`/token`: service tokens and the
//! customers' grants), introspection and revocation, CIBA's `/bc-authorize`, discovery and
//! `/userinfo`. Forms in, JSON out; every error through the one table of `error`. The
//! provider's metadata (`metadata`) is published for OpenID Connect and RFC 8414 alike.

pub mod backchannel;
pub mod error;
mod form;
pub mod introspect;
pub mod metadata;
pub mod oidc;
pub mod revoke;
pub mod token;

/// Registers the endpoints.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    token::configure(cfg);
    backchannel::configure(cfg);
    oidc::configure(cfg);
    metadata::configure(cfg);
    introspect::configure(cfg);
    revoke::configure(cfg);
}
