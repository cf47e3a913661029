//! The credential use cases behind the password flows (endpoints 10 and 12): change a password
//! knowing the old one, and issue a reset token. The flows crate adds delivery and rate limits.

use super::{CredentialService, missing_as_not_found};
use crate::{Credential, CredentialError, Password, PasswordHash, Username};
use crate::{IssuedToken, TokenPurpose};
use latchkey_core::OrgId;
use latchkey_tenancy::{Principal, Scope, Tenant};

impl CredentialService {
    /// Endpoint 10's rule: replaces the password of the live credential when `old` is its
    /// current password, ending every other device session with its refresh tokens (all of
    /// them but a customer caller's own) in the same step, then revokes its set- and
    /// change-password tokens and magic links (ASVS 5.0 V7.4.3). Returns the updated
    /// credential.
    ///
    /// An unknown username costs one password verification too (against a dummy hash), so the
    /// answer time does not tell whether it exists. The order of refusals: `NotFound` (unknown
    /// or deleted), `WrongPassword` (also for a credential that has no password yet),
    /// `Disabled`, then the policy for `new`.
    pub async fn change_password(
        &self,
        caller: &Principal,
        org: &OrgId,
        username: &str,
        old: &Password,
        new: &Password,
    ) -> Result<Credential, CredentialError> {
        let username = self
            .enter(caller, Scope::CredentialsWrite, org, username)
            .await?;
        let found = self
            .store
            .find(org, &username)
            .await
            .map_err(CredentialError::Store)?;
        let hash = match found.as_ref().and_then(|c| c.password_hash.as_ref()) {
            Some(hash) => hash.clone(),
            None => self.dummy_hash().await?,
        };
        let matches = self
            .hasher
            .verify(old, &hash)
            .await
            .map_err(CredentialError::Hashing)?;
        let mut credential = found.ok_or(CredentialError::NotFound)?;
        if !matches || credential.password_hash.is_none() {
            return Err(CredentialError::WrongPassword);
        }
        if !credential.enabled {
            return Err(CredentialError::Disabled);
        }
        new.check_policy(&username)?;
        let hash = self
            .hasher
            .hash(new)
            .await
            .map_err(CredentialError::Hashing)?;
        credential.password_hash = Some(hash);
        credential.updated_at = self.clock.now();
        self.store
            .update_ending_sessions(org, credential.clone(), super::own_session(caller))
            .await
            .map_err(missing_as_not_found)?;
        self.revoke_everything(org, &username).await?;
        Ok(credential)
    }

    /// Endpoint 12's rule, first half: the live credential whose password is to be reset. A
    /// credential an operator disabled after it had a password is `Disabled`: a reset must not
    /// re-enable it. One never activated (no password yet) may be: its reset is its activation.
    pub async fn reset_target(
        &self,
        caller: &Principal,
        org: &OrgId,
        username: &str,
    ) -> Result<Credential, CredentialError> {
        let username = self
            .enter(caller, Scope::CredentialsWrite, org, username)
            .await?;
        let credential = self.live(org, &username).await?;
        if !credential.enabled && credential.password_hash.is_some() {
            return Err(CredentialError::Disabled);
        }
        Ok(credential)
    }

    /// Endpoint 12's rule, second half: a set-password token (for endpoint 3) for a credential
    /// that [`CredentialService::reset_target`] answered. `to_username`: it goes by e-mail to
    /// the address that is the username, so using it proves the address (`email_verified`).
    pub async fn reset_token(
        &self,
        org: &OrgId,
        credential: &Credential,
        to_username: bool,
    ) -> Result<IssuedToken, CredentialError> {
        let subject = credential.username.as_str();
        let purpose = TokenPurpose::SetPassword;
        Ok(if to_username {
            self.tokens.issue_for_email(org, subject, purpose).await?
        } else {
            self.tokens.issue(org, subject, purpose).await?
        })
    }

    /// The tenant (for its display name) and the live credential, for an operation that needs
    /// `scope` (second factors, devices): `Denied`, tenant errors, `InvalidUsername` or `NotFound`
    /// otherwise. One check of each, in the order every credential endpoint uses.
    pub async fn live_for(
        &self,
        caller: &Principal,
        scope: Scope,
        org: &OrgId,
        username: &str,
    ) -> Result<(Tenant, Credential), CredentialError> {
        caller.require_on(scope, org)?;
        let tenant = self.tenants.require_enabled(org).await?;
        let username = Username::parse(username)?;
        let credential = self.live(org, &username).await?;
        caller.require_credential(credential.id)?;
        Ok((tenant, credential))
    }

    /// Makes a token issued by this service unusable (a reset whose message was not delivered).
    pub async fn withdraw_token(
        &self,
        org: &OrgId,
        token: &IssuedToken,
    ) -> Result<(), CredentialError> {
        self.tokens.withdraw(org, token).await?;
        Ok(())
    }

    /// The hash an unknown username's password is verified against ([`crate::DummyHash`]).
    pub(super) async fn dummy_hash(&self) -> Result<PasswordHash, CredentialError> {
        self.dummy
            .get(&*self.hasher)
            .await
            .map_err(CredentialError::Hashing)
    }
}
