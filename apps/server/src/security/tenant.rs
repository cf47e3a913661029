//! Which tenant a subscriber call addresses. Subscribers are credentials, and credentials live
//! in one tenant each; owsec's clients name no tenant, so the plane decides:
//!
//! 1. an operator's own org (its `owner`): operators reach the subscribers of their org only,
//!    whatever the request says;
//! 2. else (a `root`, which administers every org and has no owner; or a caller that is no
//!    operator: a sign-in, a sign-up) the `X-Latchkey-Org` header;
//! 3. else the server's default org (`LATCHKEY_SUBSCRIBER_ORG`);
//! 4. else 400 `1018`: nothing names a tenant.
//!
//! An org named that does not exist or is disabled is 404: the use cases check it (the
//! Credentials API's `require_enabled`), as they check everything else about the tenant.

use crate::security::error::{Detail, SecurityError};
use crate::state::AppState;
use actix_web::HttpRequest;
use actix_web::http::header::{HeaderName, HeaderValue};
use latchkey_core::OrgId;
use latchkey_operator::Operator;

/// The header that names the tenant of a subscriber call (when the caller is no operator of
/// an org).
pub const X_LATCHKEY_ORG: HeaderName = HeaderName::from_static("x-latchkey-org");

/// The org a subscriber call addresses (see the module's rules). A header that is not an org
/// id is 400 `1018`.
pub fn subscriber_org(
    req: &HttpRequest,
    state: &AppState,
    operator: Option<&Operator>,
) -> Result<OrgId, SecurityError> {
    resolve(
        operator,
        req.headers().get(&X_LATCHKEY_ORG),
        state.operators.subscriber_org.as_ref(),
    )
}

/// The rules, on what they read.
fn resolve(
    operator: Option<&Operator>,
    header: Option<&HeaderValue>,
    default: Option<&OrgId>,
) -> Result<OrgId, SecurityError> {
    if let Some(own) = operator.and_then(|o| o.owner.as_ref()) {
        return Ok(own.clone());
    }
    let bad = || SecurityError::bad_request(Detail::MissingOrInvalidParameters);
    if let Some(value) = header {
        let raw = value.to_str().map_err(|_| bad())?.trim();
        if !raw.is_empty() {
            return OrgId::parse(raw).map_err(|_| bad());
        }
    }
    default.cloned().ok_or_else(bad)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;
    use latchkey_operator::Role;
    use latchkey_testkit::fixtures;
    use uuid::Uuid;

    fn operator(role: Role, owner: Option<&str>) -> Operator {
        let mut op = fixtures::operator(Uuid::nil(), "op@example.com", role);
        op.owner = owner.map(|o| OrgId::parse(o).unwrap());
        op
    }

    fn org(
        operator: Option<&Operator>,
        header: Option<&'static str>,
        default: Option<&str>,
    ) -> String {
        let header = header.map(HeaderValue::from_static);
        let default = default.map(|d| OrgId::parse(d).unwrap());
        match resolve(operator, header.as_ref(), default.as_ref()) {
            Ok(org) => org.as_str().to_owned(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn an_operators_own_org_wins_over_the_header_and_the_default() {
        let admin = operator(Role::Admin, Some("acme"));
        assert_eq!(org(Some(&admin), Some("other"), Some("fallback")), "acme");
    }

    #[test]
    fn a_root_or_no_operator_takes_the_header_then_the_default() {
        let root = operator(Role::Root, None);
        assert_eq!(org(Some(&root), Some(" other "), Some("fallback")), "other");
        assert_eq!(org(None, Some("other"), None), "other");
        assert_eq!(org(Some(&root), None, Some("fallback")), "fallback");
        assert_eq!(org(None, Some(""), Some("fallback")), "fallback");
    }

    #[test]
    fn nothing_or_a_malformed_org_is_1018() {
        assert!(org(None, None, None).starts_with("1018:"));
        assert!(org(None, Some("Not An Org"), Some("fallback")).starts_with("1018:"));
    }
}
