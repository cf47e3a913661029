//! The credential use cases of self-registration (the security service's `/signup`): the
//! registering party is anonymous, so no principal enters here. What authorises each step is
//! the step itself: registering creates only a disabled credential without a password, and
//! activating it needs the set-password token that was e-mailed to the address that is the
//! username (as [`CredentialService::redeem_magic_link`] needs its token).

use super::{
    CredentialService, TOKEN_CLOCK_SKEW, conflict_as_exists, missing_as_not_found, token_lookup,
};
use crate::{
    Credential, CredentialAttrs, CredentialError, Password, SecurityToken, TokenPurpose,
    TokenString, Username,
};
use latchkey_core::OrgId;
use uuid::Uuid;

impl CredentialService {
    /// Creates the credential of `username` in `org` for a self-registration: disabled and
    /// without a password, as every new credential. The tenant must exist and be enabled;
    /// `AlreadyExists` when `org` has a live credential with that username.
    pub async fn register(
        &self,
        org: &OrgId,
        username: &str,
    ) -> Result<Credential, CredentialError> {
        self.tenants.require_enabled(org).await?;
        let username = Username::parse(username)?;
        let credential = Credential::new(
            self.random.uuid(),
            username,
            CredentialAttrs::default(),
            self.clock.now(),
        );
        self.store
            .insert(org, credential.clone())
            .await
            .map_err(conflict_as_exists)?;
        Ok(credential)
    }

    /// The org and the live credential a live set-password token names, when the token was
    /// e-mailed to the address that is the username (`proves_email`), without using it up.
    /// `TokenNotFound` for anything else: another purpose, a token not sent by e-mail, one
    /// older than its credential, unknown, used or expired.
    pub async fn email_token_target(
        &self,
        raw: &str,
    ) -> Result<(OrgId, Credential), CredentialError> {
        let (org, _, credential) = self.email_token(raw).await?;
        Ok((org, credential))
    }

    /// Uses up a token that [`Self::email_token_target`] accepts and sets `password` with it:
    /// the credential is enabled, its address proven, every device session ended and every
    /// other password token and magic link revoked (as endpoint 3 does). The policy is checked
    /// before the token is used, so a refused password leaves the link usable.
    pub async fn activate_by_email(
        &self,
        raw: &str,
        password: &Password,
    ) -> Result<(OrgId, Credential), CredentialError> {
        let (org, record, mut credential) = self.email_token(raw).await?;
        password.check_policy(&credential.username)?;
        let hash = self
            .hasher
            .hash(password)
            .await
            .map_err(CredentialError::Hashing)?;
        self.tokens
            .consume(&org, &record)
            .await
            .map_err(token_lookup)?;
        let now = self.clock.now();
        credential.password_hash = Some(hash);
        credential.enabled = true;
        credential.updated_at = now;
        credential.email_verified_at = credential.email_verified_at.or(Some(now));
        self.store
            .update_ending_sessions(&org, credential.clone(), None)
            .await
            .map_err(missing_as_not_found)?;
        self.revoke_everything(&org, &credential.username).await?;
        Ok((org, credential))
    }

    /// Removes a registration that was never completed: the live credential `id` of `org`,
    /// which must never have had a password (`Disabled` otherwise: a credential someone
    /// activated is an account, not a pending registration). As endpoint 5's soft delete: its
    /// tokens revoked, the username free again. `NotFound` when there is no live one.
    pub async fn withdraw_registration(
        &self,
        org: &OrgId,
        id: Uuid,
    ) -> Result<Credential, CredentialError> {
        let credential = self.by_id(org, id).await?;
        if credential.password_hash.is_some() {
            return Err(CredentialError::Disabled);
        }
        self.revoke_everything(org, &credential.username).await?;
        let deleted = credential.deleted(self.clock.now());
        self.store
            .update(org, deleted.clone())
            .await
            .map_err(missing_as_not_found)?;
        self.revoke_access(deleted.id).await?;
        Ok(deleted)
    }

    async fn email_token(
        &self,
        raw: &str,
    ) -> Result<(OrgId, SecurityToken, Credential), CredentialError> {
        let token = TokenString::parse(raw).map_err(|_| CredentialError::TokenNotFound)?;
        let org = token.org.clone();
        self.tenants.require_enabled(&org).await?;
        let record = self
            .tokens
            .find(&org, &token, &[TokenPurpose::SetPassword])
            .await
            .map_err(token_lookup)?;
        if !record.proves_email {
            return Err(CredentialError::TokenNotFound);
        }
        let username =
            Username::parse(&record.subject).map_err(|_| CredentialError::TokenNotFound)?;
        let credential = self
            .store
            .find(&org, &username)
            .await
            .map_err(CredentialError::Store)?
            .ok_or(CredentialError::TokenNotFound)?;
        // A token older than the credential was issued for an earlier one with that username.
        if record.created_at + TOKEN_CLOCK_SKEW < credential.created_at {
            return Err(CredentialError::TokenNotFound);
        }
        Ok((org, record, credential))
    }
}
