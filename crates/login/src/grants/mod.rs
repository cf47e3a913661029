//! The login server's token grants for customers: an authorization code (with PKCE) or a
//! refresh token becomes an access token for the customer's own credential, an ID token
//! (OpenID Connect Core §2) and, offline, a rotating refresh token of the device session.

mod mint;
mod userinfo;

pub use mint::at_hash;

use latchkey_access::{AccessTokenCodec, RevokedTokens};
use latchkey_core::{
    Clock, OrgId, Revocation as Revoked, Revocations, SecureRandom, StoreError, Timestamp,
};
use latchkey_credential::{Credential, CredentialError, CredentialService};
use latchkey_device::{Device, DeviceError, DeviceService, RefreshToken, Revocation};
use latchkey_oauth::{AuthCode, CodeService, IdTokenSigner, Issued, Redeemed, TokenError};
use latchkey_tenancy::{ApiClient, Grant, ScopeSet, TenantError};
use std::sync::Arc;
use time::Duration;
use uuid::Uuid;

/// What a grant answers (RFC 6749 §5.1, OpenID Connect Core §3.1.3.3). Its tokens never print.
#[derive(Clone)]
pub struct TokenSet {
    pub access_token: String,
    pub expires_in: i64,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
    pub scope: ScopeSet,
    /// The access token's `jti` and expiry (Unix seconds).
    pub jti: Uuid,
    pub expires_at: i64,
}

impl std::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &"[REDACTED]")
            .field("expires_in", &self.expires_in)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[REDACTED]"),
            )
            .field("id_token", &self.id_token.as_ref().map(|_| "[REDACTED]"))
            .field("scope", &self.scope)
            .field("jti", &self.jti)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A completed authentication, ready to become tokens.
#[derive(Debug, Clone)]
pub struct Authenticated<'a> {
    pub org: &'a OrgId,
    pub credential: &'a Credential,
    pub scope: ScopeSet,
    pub nonce: Option<&'a str>,
    pub auth_time: i64,
    pub amr: &'a [String],
    /// The device session, when a refresh token is to be issued for it.
    pub offline_device: Option<&'a Device>,
}

/// The ports and settings of [`Grants`].
#[derive(Debug, Clone)]
pub struct GrantPorts {
    pub codes: CodeService,
    pub devices: DeviceService,
    pub access: Arc<dyn AccessTokenCodec>,
    pub id_tokens: Arc<dyn IdTokenSigner>,
    pub revoked: Arc<dyn RevokedTokens>,
    /// Told when a replayed code revokes what it issued.
    pub revocations: Arc<dyn Revocations>,
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn SecureRandom>,
    /// `iss` of every token.
    pub issuer: String,
    /// `aud` of access tokens (the Credentials API).
    pub audience: String,
    pub access_ttl: Duration,
    pub id_token_ttl: Duration,
}

/// Customer token grants.
#[derive(Debug, Clone)]
pub struct Grants {
    credentials: CredentialService,
    ports: GrantPorts,
}

impl Grants {
    pub fn new(credentials: CredentialService, ports: GrantPorts) -> Self {
        Self { credentials, ports }
    }

    pub fn codes(&self) -> &CodeService {
        &self.ports.codes
    }

    pub fn devices(&self) -> &DeviceService {
        &self.ports.devices
    }

    pub fn issuer(&self) -> &str {
        &self.ports.issuer
    }

    /// The claims of an ID token this server issued (an `id_token_hint`): signed by one of
    /// its keys, `iss` its issuer; expired or not. `None` for anything else.
    pub(crate) fn id_token_claims(&self, token: &str) -> Option<serde_json::Value> {
        self.ports
            .id_tokens
            .verify_id_token(token, &self.ports.issuer)
            .ok()
    }

    /// The `authorization_code` grant (RFC 6749 §4.1.3, RFC 7636 §4.6). A replayed code is
    /// refused and what its first redemption issued is revoked (RFC 6749 §4.1.2).
    pub async fn exchange_code(
        &self,
        client: &ApiClient,
        code: &str,
        redirect_uri: Option<&str>,
        verifier: Option<&str>,
    ) -> Result<TokenSet, TokenError> {
        if !client.grants.contains(Grant::AuthorizationCode) {
            return Err(TokenError::UnauthorizedClient(
                "the client may not use the authorization_code grant",
            ));
        }
        let grant = match self
            .ports
            .codes
            .redeem(code, client.id.as_str(), redirect_uri, verifier)
            .await?
        {
            Redeemed::Fresh(grant) => grant,
            Redeemed::Replayed(issued) => {
                self.revoke_issued(&issued).await?;
                if let Some((jti, _)) = issued.access {
                    // What the first use issued must not outlive it in any instance's cache.
                    self.ports
                        .revocations
                        .revoked(&Revoked::Token(jti))
                        .await
                        .map_err(TokenError::Store)?;
                }
                return Err(TokenError::CodeReplayed {
                    subject: issued.subject,
                });
            }
        };
        let AuthCode {
            org,
            credential,
            device,
            ..
        } = &grant;
        let credential = self.live_credential(org, *credential).await?;
        let device = self
            .ports
            .devices
            .get(org, *device)
            .await
            .map_err(device_error)?
            .ok_or(TokenError::InvalidGrant("the device session has ended"))?;
        let scope = ScopeSet::parse_space_delimited(&grant.scope).unwrap_or_default();
        let set = self
            .mint_in_session(
                client,
                Authenticated {
                    org,
                    credential: &credential,
                    scope,
                    nonce: grant.nonce.as_deref(),
                    auth_time: grant.auth_time,
                    amr: &grant.amr,
                    offline_device: grant.offline.then_some(&device),
                },
                Some(device.id),
            )
            .await?;
        let issued = Issued {
            access: Some((set.jti, set.expires_at)),
            device: Some((org.clone(), device.id)),
            subject: Some(credential.id.to_string()),
        };
        self.ports.codes.record_issued(code, &issued).await?;
        Ok(set)
    }

    /// The `refresh_token` grant (RFC 6749 §6): the token rotates; a rotated one presented
    /// again ends its device session. `scope` may narrow, never widen, what was granted; a
    /// scope that cannot be given is refused before the rotation, so the token still works.
    pub async fn refresh(
        &self,
        client: &ApiClient,
        token: &str,
        scope: Option<&str>,
    ) -> Result<TokenSet, TokenError> {
        if !client.grants.contains(Grant::RefreshToken) {
            return Err(TokenError::UnauthorizedClient(
                "the client may not use the refresh_token grant",
            ));
        }
        if self.live_refresh_org(token).await?.is_none() {
            return Err(device_error(DeviceError::InvalidToken));
        }
        let asked = match scope.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => Some(
                ScopeSet::parse_space_delimited(raw)
                    .map_err(|_| TokenError::InvalidScope("unknown scope"))?,
            ),
        };
        if let Some(asked) = asked {
            self.check_narrowing(client, token, asked).await?;
        }
        let refreshed = self
            .ports
            .devices
            .refresh(token, client.id.as_str())
            .await
            .map_err(device_error)?;
        let granted = ScopeSet::parse_space_delimited(&refreshed.rotated.scope).unwrap_or_default();
        let scope = match asked {
            None => granted,
            Some(asked) if asked.is_subset_of(granted) => asked,
            Some(_) => return Err(widened()),
        };
        // A live session implies a live, enabled credential: deleting, disabling or moving a
        // credential ends its device sessions, and with them their refresh tokens.
        self.refreshed_access(client, refreshed, scope).await
    }

    /// Refuses `asked` when it is wider than what the live token `token` of `client` was
    /// granted, before anything rotates (RFC 6749 §6: an invalid request must not spend the
    /// token, nor make its next use look like a reuse that ends the session). A token that is
    /// not live, or not the client's, is left to the rotation, which refuses it as it must
    /// (a reuse still ends its session).
    async fn check_narrowing(
        &self,
        client: &ApiClient,
        token: &str,
        asked: ScopeSet,
    ) -> Result<(), TokenError> {
        let live = self
            .ports
            .devices
            .inspect_refresh(token)
            .await
            .map_err(device_error)?;
        match live {
            Some((_, t)) if t.client_id == client.id.as_str() => {
                let granted = ScopeSet::parse_space_delimited(&t.scope).unwrap_or_default();
                if asked.is_subset_of(granted) {
                    Ok(())
                } else {
                    Err(widened())
                }
            }
            Some(_) | None => Ok(()),
        }
    }

    /// Revokes a refresh token the calling client holds (RFC 7009 §2.1): from then on the
    /// refresh grant refuses it; the device session stays. Anything else is `NotLive`.
    pub async fn revoke_refresh(
        &self,
        client: &ApiClient,
        token: &str,
    ) -> Result<Revocation, TokenError> {
        if self.live_refresh_org(token).await?.is_none() {
            return Ok(Revocation::NotLive);
        }
        self.ports
            .devices
            .revoke_refresh(token, client.id.as_str())
            .await
            .map_err(device_error)
    }

    /// The live refresh token `token` is (RFC 7662 introspection), with its org, if it is one.
    pub async fn introspect_refresh(
        &self,
        token: &str,
    ) -> Result<Option<(OrgId, RefreshToken)>, TokenError> {
        if self.live_refresh_org(token).await?.is_none() {
            return Ok(None);
        }
        self.ports
            .devices
            .inspect_refresh(token)
            .await
            .map_err(device_error)
    }

    /// The org a refresh token names, when it is an enabled tenant (the token names it, so a
    /// made-up or disabled org is no token, never a storage failure).
    async fn live_refresh_org(&self, token: &str) -> Result<Option<OrgId>, TokenError> {
        let Some(org) = DeviceService::refresh_org(token) else {
            return Ok(None);
        };
        match self.credentials.login_tenant(&org).await {
            Ok(_) => Ok(Some(org)),
            Err(e) => match storage_failure(e) {
                None => Ok(None),
                Some(e) => Err(TokenError::Store(e)),
            },
        }
    }

    /// The live, enabled credential `id` (a token for a deleted or disabled one is refused).
    async fn live_credential(&self, org: &OrgId, id: Uuid) -> Result<Credential, TokenError> {
        let gone = || TokenError::InvalidGrant("the customer's credential is no longer active");
        match self.credentials.by_id(org, id).await {
            Ok(c) if c.enabled => Ok(c),
            Ok(_) => Err(gone()),
            Err(e) => Err(storage_failure(e).map_or_else(gone, TokenError::Store)),
        }
    }

    /// Revokes what a replayed code's first redemption issued: its access token and its
    /// device session (with the session's refresh tokens).
    async fn revoke_issued(&self, issued: &Issued) -> Result<(), TokenError> {
        if let Some((jti, exp)) = issued.access
            && let Ok(expires_at) = Timestamp::from_unix_timestamp(exp)
        {
            self.ports
                .revoked
                .revoke(jti, expires_at)
                .await
                .map_err(TokenError::Store)?;
        }
        if let Some((org, device)) = &issued.device {
            self.ports
                .devices
                .end(org, *device)
                .await
                .map_err(device_error)?;
        }
        Ok(())
    }
}

/// Why a grant's lookup of a credential (or its tenant) failed: `None` when it is gone (deleted,
/// disabled, its tenant disabled), else the storage failure.
pub(crate) fn storage_failure(e: CredentialError) -> Option<StoreError> {
    match e {
        CredentialError::NotFound
        | CredentialError::Disabled
        | CredentialError::Tenant(TenantError::NotFound(_)) => None,
        CredentialError::Store(s) | CredentialError::Tenant(TenantError::Store(s)) => Some(s),
        // A lookup by id validates nothing: anything else is a fault on our side.
        CredentialError::Tenant(TenantError::InvalidName | TenantError::Denied(_))
        | CredentialError::Denied(_)
        | CredentialError::InvalidUsername(_)
        | CredentialError::InvalidMsisdn
        | CredentialError::InvalidAttribute(_)
        | CredentialError::Required(_)
        | CredentialError::AlreadyExists
        | CredentialError::WrongPassword
        | CredentialError::Policy(_)
        | CredentialError::InvalidToken(_)
        | CredentialError::TokenNotFound
        | CredentialError::InvalidDestination
        | CredentialError::SameOrg
        | CredentialError::DestinationDisabled(_)
        | CredentialError::DestinationNotFound(_)
        | CredentialError::Hashing(_) => Some(StoreError::Unavailable(Box::new(e))),
    }
}

fn widened() -> TokenError {
    TokenError::InvalidScope("a refresh may narrow the scope, never widen it")
}

pub(crate) fn device_error(e: DeviceError) -> TokenError {
    match e {
        DeviceError::InvalidToken => TokenError::InvalidGrant("the refresh token is not valid"),
        DeviceError::Reused => TokenError::InvalidGrant(
            "the refresh token was already used: the device session is ended",
        ),
        DeviceError::NotFound => TokenError::InvalidGrant("the device session has ended"),
        DeviceError::Store(e) => TokenError::Store(e),
    }
}
