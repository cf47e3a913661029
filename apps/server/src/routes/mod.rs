//! The Credentials API and the admin API (JSON): request/response types and the translation
//! between HTTP and use cases. No business rule lives here. The OAuth endpoints are in
//! `crate::oauth`, the login pages in `crate::web`.

pub mod clients;
pub mod credentials;
pub mod devices;
pub mod flows;
pub mod keys;
pub mod magiclinks;
pub mod orgs;
pub mod second_factor;
pub mod system;
pub mod tokens;

use crate::http::error::ApiError;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_core::{OrgId, Timestamp};

/// Registers every route.
///
/// actix-router tries resources in registration order and matches every dynamic pattern with a
/// regex, so order is speed: static paths first (a string compare each), then the busiest
/// dynamic ones, the Credentials API's.
pub fn configure(cfg: &mut web::ServiceConfig) {
    system::configure(cfg);
    crate::oauth::configure(cfg);
    crate::security::configure(cfg);
    crate::web::configure(cfg);
    credentials::configure(cfg);
    second_factor::configure(cfg);
    devices::configure(cfg);
    flows::configure(cfg);
    tokens::configure(cfg);
    magiclinks::configure(cfg);
    orgs::configure(cfg);
    clients::configure(cfg);
    keys::configure(cfg);
}

/// The answer for any path no route serves.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    ApiError::not_found("route.not_found", "No such endpoint.")
        .component(format!("{} {}", req.method(), req.path()))
        .into_response()
}

/// Parses the `{org}` path segment.
pub fn org_path(raw: &str) -> Result<OrgId, ApiError> {
    OrgId::parse(raw).map_err(|e| ApiError::bad_request("request.invalid_org", e.to_string()))
}

/// A query string the handler's type could not read (a repeated field, say): a 400 in the
/// API's error shape, not actix's plain-text answer.
pub fn query<T>(parsed: Result<web::Query<T>, actix_web::Error>) -> Result<T, ApiError> {
    parsed.map(web::Query::into_inner).map_err(|e| {
        ApiError::bad_request(
            "request.invalid_query",
            format!("the query is not valid: {e}"),
        )
    })
}

/// RFC 3339 in UTC with whole seconds, as the Credentials API shows times.
pub fn rfc3339(t: Timestamp) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_utc_whole_seconds() {
        let t = time::macros::datetime!(2025-01-15 10:30:00.123 +02:00);
        assert_eq!(rfc3339(t), "2025-01-15T08:30:00Z");
    }
}
