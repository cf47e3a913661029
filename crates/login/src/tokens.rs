//! Which token `/introspect` (RFC 7662) and `/revoke` (RFC 7009) are looking at: a refresh
//! token (`<id>@<org>@<secret>`, of a device session) or an access token (a JWT), each handled
//! by its owner.

use crate::Grants;
use latchkey_access::{AccessClaims, AuthError, CachedVerifier, RevokeError};
use latchkey_core::{OrgId, StoreError};
use latchkey_device::{DeviceService, RefreshToken, Revocation};
use latchkey_oauth::TokenError;
use latchkey_tenancy::{ApiClient, Grant, OrgAccess};
use std::sync::Arc;

/// What introspection found.
#[derive(Debug, Clone)]
pub enum Introspected {
    /// Unknown, badly signed, expired, of another audience, of a deleted client, a rotated or
    /// revoked refresh token, another client's refresh token, or an access token the caller
    /// may not look at: `{"active": false}`.
    Inactive,
    /// A live access token.
    Access(Arc<AccessClaims>),
    /// A live refresh token of the calling client.
    Refresh { org: OrgId, token: RefreshToken },
}

/// Why a revocation was refused.
#[derive(Debug, thiserror::Error)]
pub enum RevocationRefused {
    /// The token is live but was issued to another client (RFC 7009 §2.1).
    #[error("the token was not issued to this client")]
    OtherClient,
    #[error("revocation could not reach storage")]
    Unavailable(#[source] StoreError),
}

/// Introspection and revocation of the tokens Latchkey issues.
#[derive(Debug, Clone)]
pub struct TokenInspector {
    grants: Grants,
    verifier: CachedVerifier,
}

impl TokenInspector {
    pub fn new(grants: Grants, verifier: CachedVerifier) -> Self {
        Self { grants, verifier }
    }

    /// RFC 7662 for `client`: the live access tokens it may use ([`may_introspect`]), and the
    /// refresh tokens issued to it; anything else is inactive (§4: no token scanning).
    pub async fn introspect(
        &self,
        client: &ApiClient,
        token: &str,
    ) -> Result<Introspected, StoreError> {
        if DeviceService::is_refresh_token(token) {
            return match self.grants.introspect_refresh(token).await {
                Ok(Some((org, t))) if t.client_id == client.id.as_str() => {
                    Ok(Introspected::Refresh { org, token: t })
                }
                Ok(Some(_) | None) => Ok(Introspected::Inactive),
                Err(e) => Err(token_storage(e)),
            };
        }
        match self.verifier.verify(token).await {
            Ok(verified)
                if may_introspect(client, &verified.claims.client_id, &verified.claims.orgs) =>
            {
                Ok(Introspected::Access(verified.claims))
            }
            Ok(_) => Ok(Introspected::Inactive),
            Err(AuthError::Unavailable(e)) => Err(e),
            Err(
                AuthError::Missing
                | AuthError::Invalid(_)
                | AuthError::Expired
                | AuthError::Revoked,
            ) => Ok(Introspected::Inactive),
        }
    }

    /// RFC 7009 for `client`: a live token it obtained is revoked; anything else that is not
    /// live answers as a success (§2.2). An access token is refused from then on; a refresh
    /// token stops working at the refresh grant (its device session stays).
    pub async fn revoke(&self, client: &ApiClient, token: &str) -> Result<(), RevocationRefused> {
        if DeviceService::is_refresh_token(token) {
            return match self.grants.revoke_refresh(client, token).await {
                Ok(Revocation::OtherClient) => Err(RevocationRefused::OtherClient),
                Ok(Revocation::Revoked | Revocation::NotLive) => Ok(()),
                Err(e) => Err(RevocationRefused::Unavailable(token_storage(e))),
            };
        }
        match self.verifier.revoke(client.id.as_str(), token).await {
            Ok(_) => Ok(()),
            Err(RevokeError::NotIssuedToCaller) => Err(RevocationRefused::OtherClient),
            Err(RevokeError::Unavailable(e)) => Err(RevocationRefused::Unavailable(e)),
        }
    }

    /// The issuer of every token (`iss`).
    pub fn issuer(&self) -> &str {
        self.grants.issuer()
    }
}

/// Whether `caller` may learn about an access token issued to `client_id` for `orgs` (RFC 7662
/// §4): a token issued to it, or, for a client of service tokens (a resource server), a token
/// whose orgs its own cover. A login client looks at its own tokens only, never at another
/// client's of its org.
fn may_introspect(caller: &ApiClient, client_id: &str, orgs: &OrgAccess) -> bool {
    client_id == caller.id.as_str()
        || (caller.grants.contains(Grant::ClientCredentials) && caller.orgs.covers_all(orgs))
}

/// What a refresh token's lookup reports is a storage failure, whatever the grant calls it.
fn token_storage(e: TokenError) -> StoreError {
    match e {
        TokenError::Store(s) => s,
        TokenError::InvalidRequest(_)
        | TokenError::InvalidClient(_)
        | TokenError::InvalidGrant(_)
        | TokenError::CodeReplayed { .. }
        | TokenError::UnauthorizedClient(_)
        | TokenError::UnsupportedGrantType
        | TokenError::InvalidScope(_)
        | TokenError::AuthorizationPending
        | TokenError::SlowDown
        | TokenError::AccessDenied
        | TokenError::ExpiredToken => StoreError::Unavailable(Box::new(e)),
    }
}

#[cfg(test)]
#[allow(clippy::panic, reason = "a test fails by panicking")]
mod tests {
    use super::may_introspect;
    use latchkey_core::OrgId;
    use latchkey_tenancy::{
        ApiClient, ClientId, ClientName, Grant, LoginSettings, OrgAccess, ScopeSet,
    };

    fn org(raw: &str) -> OrgAccess {
        OrgAccess::Only([OrgId::parse(raw).unwrap_or_else(|e| panic!("{e}"))].into())
    }

    fn client(id: &str, grant: Grant, orgs: OrgAccess) -> ApiClient {
        ApiClient {
            id: ClientId::parse(id).unwrap_or_else(|e| panic!("{e}")),
            name: ClientName::parse(id).unwrap_or_else(|e| panic!("{e}")),
            secret_hash: latchkey_core::SecretHash::of(b"s"),
            scopes: ScopeSet::all(),
            orgs,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            grants: [grant].into_iter().collect(),
            login: LoginSettings::default(),
        }
    }

    #[test]
    fn a_caller_sees_its_own_tokens_and_a_service_client_those_of_its_orgs() {
        let shop = client("shop", Grant::AuthorizationCode, org("masmovil"));
        assert!(may_introspect(&shop, "shop", &org("masmovil")));
        assert!(
            !may_introspect(&shop, "other-shop", &org("masmovil")),
            "a login client: its own tokens only"
        );
        let api = client("api", Grant::ClientCredentials, org("masmovil"));
        assert!(
            may_introspect(&api, "other-shop", &org("masmovil")),
            "its org"
        );
        assert!(!may_introspect(&api, "x", &org("yoigo")), "another org");
        assert!(!may_introspect(&api, "x", &OrgAccess::All), "every org");
        let all = client("all", Grant::ClientCredentials, OrgAccess::All);
        assert!(may_introspect(&all, "x", &OrgAccess::All));
    }
}
