//! The tenant's security-service client: the `client_id` of every `/suboauth2` token of that
//! tenant. A customer's access token must name a live client (the Credentials API refuses a
//! token whose client is gone, or was re-created after the token was issued), so the sign-in
//! registers one per tenant on first use.
//!
//! It can do nothing on its own: its only grant is `refresh_token` (no `/authorize`, no
//! `client_credentials`), no redirect URI, and a secret of 256 random bits that is never kept
//! in clear nor shown, so no request to `/token` can authenticate as it. Only this sign-in
//! mints and refreshes its tokens, in process.

use super::SubscriberSignIn;
use crate::operator::SignInError;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_core::{OrgId, SecretHash, StoreError};
use latchkey_tenancy::{
    ApiClient, ClientId, ClientName, Grant, GrantSet, LoginSettings, OrgAccess,
};

/// The id of the security-service client of `org`: `security-service.<org>` (an org id is at
/// most 40 characters, a client id 64).
pub fn client_id(org: &OrgId) -> String {
    format!("security-service.{org}")
}

/// The registered name of those clients.
const CLIENT_NAME: &str = "security service (subscribers' sign-in)";

impl SubscriberSignIn {
    /// The security-service client of `org`, registered now when it is not (of two instances
    /// registering it at once, one inserts and the other reads it back).
    pub(super) async fn client(&self, org: &OrgId) -> Result<ApiClient, SignInError> {
        let id = ClientId::parse(&client_id(org)).map_err(SignInError::unavailable)?;
        if let Some(client) = self.ports.clients.get(&id).await? {
            return Ok(client);
        }
        let secret = URL_SAFE_NO_PAD.encode(self.ports.random.secret_bytes());
        let client = ApiClient {
            id: id.clone(),
            name: ClientName::parse(CLIENT_NAME).map_err(SignInError::unavailable)?,
            secret_hash: SecretHash::of(secret.as_bytes()),
            scopes: super::subscriber_scopes(),
            orgs: OrgAccess::Only([org.clone()].into()),
            created_at: self.now(),
            grants: [Grant::RefreshToken].into_iter().collect::<GrantSet>(),
            login: LoginSettings::default(),
        };
        match self.ports.clients.insert(client.clone()).await {
            Ok(()) => Ok(client),
            Err(StoreError::Conflict) => self
                .ports
                .clients
                .get(&id)
                .await?
                .ok_or_else(|| SignInError::unavailable("the client vanished as it was made")),
            Err(e) => Err(e.into()),
        }
    }
}
