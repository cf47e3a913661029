//! Which token `/introspect` (RFC 7662) and `/revoke` (RFC 7009) are looking at: a refresh
//! token (`<id>@<org>@<secret>`, of a device session) or an access token (a JWT), each handled
//! by its owner.

use crate::Grants;
use latchkey_access::{AccessClaims, AuthError, CachedVerifier, RevokeError};
use latchkey_core::{OrgId, StoreError};
use latchkey_device::{DeviceService, RefreshToken, Revocation};
use latchkey_oauth::TokenError;
use latchkey_tenancy::ApiClient;
use std::sync::Arc;

/// What introspection found.
#[derive(Debug, Clone)]
pub enum Introspected {
    /// Unknown, badly signed, expired, of another audience, of a deleted client, a rotated or
    /// revoked refresh token, or another client's refresh token: `{"active": false}`.
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

    /// RFC 7662 for `client`: any live access token, and the refresh tokens issued to it.
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
            Ok(verified) => Ok(Introspected::Access(verified.claims)),
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
