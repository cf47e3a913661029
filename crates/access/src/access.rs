//! Access tokens: the client-credentials grant that issues them and the check every API call
//! makes.

use crate::{AccessTokenCodec, AuthError, GrantError, RevokeError, RevokedTokens};
use latchkey_core::{Clock, SecureRandom, StoreError, Timestamp};
use latchkey_tenancy::{ClientId, ClientService, Grant, OrgAccess, Principal, ScopeSet, SignIn};
use std::sync::Arc;
use time::Duration;
use uuid::Uuid;

/// The claims of a Latchkey access token (RFC 9068 profile, plus `scope` and `orgs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessClaims {
    pub issuer: String,
    pub subject: String,
    pub audience: String,
    pub client_id: String,
    /// Unix seconds.
    pub issued_at: i64,
    /// Unix seconds.
    pub expires_at: i64,
    pub jwt_id: Uuid,
    pub scopes: ScopeSet,
    pub orgs: OrgAccess,
    /// A customer's token: the credential it belongs to (its `sub` too). `None` for a service
    /// token.
    pub credential: Option<Uuid>,
    /// A customer's token: when and how the customer signed in, and the device session
    /// (`auth_time`, `amr`, `sid`: RFC 9068 §2.2.1). `None` for a service token.
    pub sign_in: Option<SignIn>,
}

/// A signed access token and what the token endpoint says about it. The token never prints.
#[derive(Clone)]
pub struct IssuedAccessToken {
    pub token: String,
    pub expires_in: i64,
    pub scopes: ScopeSet,
}

impl std::fmt::Debug for IssuedAccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedAccessToken")
            .field("token", &"[REDACTED]")
            .field("expires_in", &self.expires_in)
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// Issues service tokens through the client-credentials grant (RFC 6749 §4.4).
#[derive(Debug, Clone)]
pub struct ServiceTokenIssuer {
    clients: ClientService,
    codec: Arc<dyn AccessTokenCodec>,
    clock: Arc<dyn Clock>,
    random: Arc<dyn SecureRandom>,
    issuer: String,
    audience: String,
    ttl: Duration,
}

impl ServiceTokenIssuer {
    pub fn new(
        clients: ClientService,
        codec: Arc<dyn AccessTokenCodec>,
        clock: Arc<dyn Clock>,
        random: Arc<dyn SecureRandom>,
        issuer: String,
        audience: String,
        ttl: Duration,
    ) -> Self {
        Self {
            clients,
            codec,
            clock,
            random,
            issuer,
            audience,
            ttl,
        }
    }

    /// Authenticates the client and issues a token. A requested scope is narrowed to what the
    /// client is allowed; unknown scope names, or nothing left after narrowing, is `InvalidScope`.
    pub async fn client_credentials(
        &self,
        client_id: &str,
        secret: &[u8],
        requested: Option<&str>,
    ) -> Result<IssuedAccessToken, GrantError> {
        let client = self
            .clients
            .authenticate(client_id, secret)
            .await
            .map_err(GrantError::Unavailable)?
            .ok_or(GrantError::InvalidClient)?;
        if !client.grants.contains(Grant::ClientCredentials) {
            return Err(GrantError::UnauthorizedClient);
        }
        // The OpenID Connect scopes describe a customer's login, never a service token.
        let allowed = client.scopes.without(ScopeSet::OIDC);
        let scopes = match requested.map(str::trim).filter(|s| !s.is_empty()) {
            None => allowed,
            Some(raw) => ScopeSet::parse_space_delimited(raw)
                .map_err(|_| GrantError::InvalidScope)?
                .intersection(allowed),
        };
        if scopes.is_empty() {
            return Err(GrantError::InvalidScope);
        }
        let now = self.clock.now().unix_timestamp();
        let claims = AccessClaims {
            issuer: self.issuer.clone(),
            subject: client.id.to_string(),
            audience: self.audience.clone(),
            client_id: client.id.to_string(),
            issued_at: now,
            expires_at: now + self.ttl.whole_seconds(),
            jwt_id: self.random.uuid(),
            scopes,
            orgs: client.orgs,
            credential: None,
            sign_in: None,
        };
        let token = self.codec.sign(&claims).map_err(GrantError::Signing)?;
        Ok(IssuedAccessToken {
            token,
            expires_in: self.ttl.whole_seconds(),
            scopes,
        })
    }
}

/// Turns a bearer token into the `Principal` that presented it.
#[derive(Debug, Clone)]
pub struct AccessTokenVerifier {
    clients: ClientService,
    codec: Arc<dyn AccessTokenCodec>,
    revoked: Arc<dyn RevokedTokens>,
    clock: Arc<dyn Clock>,
}

impl AccessTokenVerifier {
    pub fn new(
        clients: ClientService,
        codec: Arc<dyn AccessTokenCodec>,
        revoked: Arc<dyn RevokedTokens>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            clients,
            codec,
            revoked,
            clock,
        }
    }

    /// RFC 7009 for the access tokens this server signs: revokes `token` when it is live and
    /// was issued to `client`, and answers its claims. `Ok(None)` when there is nothing to
    /// revoke (malformed, badly signed, expired, already revoked: RFC 7009 §2.2 answers those
    /// like a success); `NotIssuedToCaller` for a live token of another client.
    pub async fn revoke(
        &self,
        client: &str,
        token: &str,
    ) -> Result<Option<AccessClaims>, RevokeError> {
        let claims = match self.claims(token).await {
            Ok(claims) => claims,
            Err(AuthError::Unavailable(e)) => return Err(RevokeError::Unavailable(e)),
            Err(
                AuthError::Missing
                | AuthError::Invalid(_)
                | AuthError::Expired
                | AuthError::Revoked,
            ) => {
                return Ok(None);
            }
        };
        if claims.client_id != client {
            return Err(RevokeError::NotIssuedToCaller);
        }
        let expires_at = Timestamp::from_unix_timestamp(claims.expires_at)
            .map_err(|_| RevokeError::Unavailable(StoreError::NotFound))?;
        self.revoked
            .revoke(claims.jwt_id, expires_at)
            .await
            .map_err(RevokeError::Unavailable)?;
        Ok(Some(claims))
    }

    /// Checks signature, issuer, audience and expiry (the codec's part), then that the token's
    /// client still exists. Returns the principal and the token's expiry (Unix seconds).
    pub async fn verify(&self, token: &str) -> Result<(Principal, i64), AuthError> {
        let claims = self.claims(token).await?;
        let expires_at = claims.expires_at;
        let principal = Principal {
            subject: claims.subject,
            scopes: claims.scopes,
            orgs: claims.orgs,
            credential: claims.credential,
            sign_in: claims.sign_in,
        };
        Ok((principal, expires_at))
    }

    /// The claims of a token that [`AccessTokenVerifier::verify`] would accept (RFC 7662
    /// introspection shows them).
    pub async fn claims(&self, token: &str) -> Result<AccessClaims, AuthError> {
        let claims = self.codec.verify(token)?;
        self.check_expiry(claims.expires_at)?;
        let client_id = ClientId::parse(&claims.client_id)
            .map_err(|_| AuthError::Invalid(crate::VerifyError::InvalidClaims))?;
        let client = self
            .clients
            .get(&client_id)
            .await
            .map_err(AuthError::Unavailable)?;
        // A token outlives neither its client nor a client re-created under the same id.
        match client {
            Some(c) if c.created_at.unix_timestamp() <= claims.issued_at => {}
            _ => return Err(AuthError::Revoked),
        }
        // Nor its revocation (RFC 7009), nor that of its subject or client (a credential
        // disabled or deleted, a client deleted), wherever it was made. The store's failure is
        // the registry's kind of failure: verification could not reach storage.
        let revoked = self
            .revoked
            .is_revoked(&claims, self.clock.now())
            .await
            .map_err(AuthError::Unavailable)?;
        if revoked {
            return Err(AuthError::Revoked);
        }
        Ok(claims)
    }

    /// Fails with `Expired` when `expires_at` (Unix seconds) is not in the future.
    pub fn check_expiry(&self, expires_at: i64) -> Result<(), AuthError> {
        if expires_at <= self.clock.now().unix_timestamp() {
            Err(AuthError::Expired)
        } else {
            Ok(())
        }
    }
}
