//! Minting a completed authentication's tokens: the access token (the customer's own
//! credential, with how and when the customer signed in: `auth_time`, `amr` and the device
//! session `sid`, RFC 9068 §2.2.1), the ID token (OpenID Connect Core §2) and, offline, a
//! refresh token of the device session.

use super::{Authenticated, Grants, TokenSet, device_error};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_access::AccessClaims;
use latchkey_core::OrgId;
use latchkey_device::Refreshed;
use latchkey_oauth::TokenError;
use latchkey_tenancy::{ApiClient, OrgAccess, Scope, ScopeSet, SignIn};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

impl Grants {
    /// Tokens for a completed authentication: the access token, an ID token when `openid`
    /// was granted, and a refresh token when the device session is given (the access token's
    /// `sid` is then that session).
    pub async fn mint(
        &self,
        client: &ApiClient,
        auth: Authenticated<'_>,
    ) -> Result<TokenSet, TokenError> {
        let session = auth.offline_device.map(|d| d.id);
        self.mint_in_session(client, auth, session).await
    }

    /// [`Grants::mint`] for a sign-in of the device session `session` (the access token's
    /// `sid`).
    pub async fn mint_in_session(
        &self,
        client: &ApiClient,
        auth: Authenticated<'_>,
        session: Option<Uuid>,
    ) -> Result<TokenSet, TokenError> {
        let sign_in = SignIn {
            auth_time: auth.auth_time,
            amr: auth.amr.to_vec(),
            session,
        };
        let mut set = self
            .access_only(client, auth.org, auth.credential.id, auth.scope, sign_in)
            .map_err(|_| TokenError::InvalidRequest("signing failed"))?;
        if let Some(device) = auth.offline_device {
            let refresh = self
                .ports
                .devices
                .issue_refresh(
                    auth.org,
                    device,
                    client.id.as_str(),
                    &auth.scope.to_string(),
                    auth.auth_time,
                )
                .await
                .map_err(device_error)?;
            set.refresh_token = Some(refresh.0);
        }
        if auth.scope.contains(Scope::Openid) {
            let now = self.ports.clock.now().unix_timestamp();
            let mut claims = json!({
                "iss": self.ports.issuer,
                "sub": auth.credential.id.to_string(),
                "aud": client.id.as_str(),
                "azp": client.id.as_str(),
                "iat": now,
                "exp": now + self.ports.id_token_ttl.whole_seconds(),
                "auth_time": auth.auth_time,
                "amr": auth.amr,
                "at_hash": at_hash(&set.access_token),
            });
            if let Some(nonce) = auth.nonce {
                claims["nonce"] = json!(nonce);
            }
            let id_token = self
                .ports
                .id_tokens
                .sign_id_token(client.login.id_token_alg, &claims)
                .map_err(|_| TokenError::InvalidRequest("signing failed"))?;
            set.id_token = Some(id_token);
        }
        Ok(set)
    }

    /// The access token of a refresh: the session's sign-in (its `auth_time` and `amr`, as
    /// the device session recorded them, and the session as `sid`) and the new refresh token.
    pub(super) async fn refreshed_access(
        &self,
        client: &ApiClient,
        refreshed: Refreshed,
        scope: ScopeSet,
    ) -> Result<TokenSet, TokenError> {
        let device = self
            .ports
            .devices
            .get(&refreshed.org, refreshed.rotated.device)
            .await
            .map_err(device_error)?
            .ok_or(TokenError::InvalidGrant("the device session has ended"))?;
        let sign_in = SignIn {
            auth_time: device.auth_time.unix_timestamp(),
            amr: device.amr,
            session: Some(device.id),
        };
        let mut set = self
            .access_only(client, &refreshed.org, refreshed.credential, scope, sign_in)
            .map_err(|_| TokenError::InvalidRequest("signing failed"))?;
        set.refresh_token = Some(refreshed.token.0);
        Ok(set)
    }

    fn access_only(
        &self,
        client: &ApiClient,
        org: &OrgId,
        credential: Uuid,
        scope: ScopeSet,
        sign_in: SignIn,
    ) -> Result<TokenSet, latchkey_core::BoxError> {
        let now = self.ports.clock.now().unix_timestamp();
        let ttl = self.ports.access_ttl.whole_seconds();
        let jti = self.ports.random.uuid();
        let claims = AccessClaims {
            issuer: self.ports.issuer.clone(),
            subject: credential.to_string(),
            audience: self.ports.audience.clone(),
            client_id: client.id.to_string(),
            issued_at: now,
            expires_at: now + ttl,
            jwt_id: jti,
            scopes: scope,
            orgs: OrgAccess::Only([org.clone()].into()),
            credential: Some(credential),
            sign_in: Some(sign_in),
        };
        Ok(TokenSet {
            access_token: self.ports.access.sign(&claims)?,
            expires_in: ttl,
            refresh_token: None,
            id_token: None,
            scope,
            jti,
            expires_at: now + ttl,
        })
    }
}

/// `at_hash`: the base64url of the left half of SHA-256 of the access token (OpenID Connect
/// Core §3.1.3.6, for RS256 and ES256 alike).
pub fn at_hash(access_token: &str) -> String {
    let digest = Sha256::digest(access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}
