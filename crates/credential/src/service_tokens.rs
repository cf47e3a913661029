//! The credential use cases of the security tokens (endpoints 13-15): the username of a
//! password token, its revocation, and a magic link.

use super::{CredentialService, token_lookup};
use crate::{CredentialError, IssuedToken, TokenPurpose, TokenString};
use latchkey_core::OrgId;
use latchkey_tenancy::{Principal, Scope};

impl CredentialService {
    /// Endpoint 15: a magic-link token (it signs the customer in without a password, once) for a
    /// live, enabled credential; `Disabled` otherwise. `username` names the credential: a
    /// service token must give it (`Required("username")` otherwise); a customer's own token may
    /// leave it out, its own credential then (spec: "for a customer's own access token the
    /// subject is the caller"). A customer's own token needs a recent full sign-in (ASVS 5.0
    /// V7.5.1): a magic link is a way in, so a token alone must never mint one;
    /// `ReauthenticationRequired` otherwise.
    pub async fn magic_link(
        &self,
        caller: &Principal,
        org: &OrgId,
        username: Option<&str>,
    ) -> Result<IssuedToken, CredentialError> {
        let credential = match (username, caller.credential) {
            (Some(username), _) => {
                let username = self.enter(caller, Scope::Tokens, org, username).await?;
                self.live(org, &username).await?
            }
            (None, Some(own)) => {
                self.enter_own(caller, Scope::Tokens, org).await?;
                self.store
                    .find_by_id(org, own)
                    .await
                    .map_err(CredentialError::Store)?
                    .ok_or(CredentialError::NotFound)?
            }
            (None, None) => return Err(CredentialError::Required("username")),
        };
        caller.require_credential(credential.id)?;
        caller.require_recent_sign_in(self.clock.now().unix_timestamp(), credential.require2fa)?;
        if !credential.enabled {
            return Err(CredentialError::Disabled);
        }
        Ok(self
            .tokens
            .issue(org, credential.username.as_str(), TokenPurpose::MagicLink)
            .await?)
    }

    /// Endpoint 13: the username a live set- or change-password token was issued for.
    pub async fn token_username(
        &self,
        caller: &Principal,
        org: &OrgId,
        token: &str,
    ) -> Result<String, CredentialError> {
        self.enter_tenant(caller, Scope::Tokens, org).await?;
        let token = TokenString::parse(token).map_err(|_| CredentialError::TokenNotFound)?;
        let record = self
            .tokens
            .find(org, &token, &TokenPurpose::PASSWORD)
            .await
            .map_err(token_lookup)?;
        Ok(record.subject)
    }

    /// Endpoint 14: revokes a live set- or change-password token.
    pub async fn revoke_token(
        &self,
        caller: &Principal,
        org: &OrgId,
        token: &str,
    ) -> Result<(), CredentialError> {
        self.enter_tenant(caller, Scope::Tokens, org).await?;
        let token = TokenString::parse(token).map_err(|_| CredentialError::TokenNotFound)?;
        self.tokens
            .revoke(org, &token, &TokenPurpose::PASSWORD)
            .await
            .map_err(token_lookup)
    }
}
