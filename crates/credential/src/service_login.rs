//! The credential use cases of the login server: check a customer's password, look a credential
//! up by id (tokens carry ids), and stamp `last_login_at`. The caller is the login server itself,
//! not an API client: no principal.

use super::{CredentialService, missing_as_not_found, token_lookup};
use crate::{Credential, CredentialError, Password, Username};
use crate::{TokenPurpose, TokenString};
use latchkey_core::OrgId;
use latchkey_tenancy::Tenant;
use uuid::Uuid;

impl CredentialService {
    /// The tenant, when it exists and is enabled (login pages show its name).
    pub async fn login_tenant(&self, org: &OrgId) -> Result<Tenant, CredentialError> {
        Ok(self.tenants.require_enabled(org).await?)
    }

    /// A customer signs in: the live credential of `username` when `password` is its password.
    ///
    /// Every refusal is `WrongPassword` (unknown username, no password yet, wrong password), and
    /// each costs one verification (an unknown username against a dummy hash), so neither the
    /// answer nor its time tells whether the username exists. Only with the right password is a
    /// disabled credential told apart (`Disabled`).
    pub async fn authenticate(
        &self,
        org: &OrgId,
        username: &str,
        password: &Password,
    ) -> Result<Credential, CredentialError> {
        let found = match Username::parse(username) {
            Ok(username) => self
                .store
                .find(org, &username)
                .await
                .map_err(CredentialError::Store)?,
            Err(_) => None,
        };
        let hash = match found.as_ref().and_then(|c| c.password_hash.as_ref()) {
            Some(hash) => hash.clone(),
            None => self.dummy_hash().await?,
        };
        let matches = self
            .hasher
            .verify(password, &hash)
            .await
            .map_err(CredentialError::Hashing)?;
        let credential = found
            .filter(|c| matches && c.password_hash.is_some())
            .ok_or(CredentialError::WrongPassword)?;
        if !credential.enabled {
            return Err(CredentialError::Disabled);
        }
        Ok(credential)
    }

    /// Uses up a magic-link token (single use, unexpired): answers its org and the live, enabled
    /// credential it was issued for. `TokenNotFound` for anything but a live magic-link token.
    pub async fn redeem_magic_link(
        &self,
        raw: &str,
    ) -> Result<(OrgId, Credential), CredentialError> {
        let token = TokenString::parse(raw).map_err(|_| CredentialError::TokenNotFound)?;
        let org = token.org.clone();
        self.tenants.require_enabled(&org).await?;
        let record = self
            .tokens
            .find(&org, &token, &[TokenPurpose::MagicLink])
            .await
            .map_err(token_lookup)?;
        self.tokens
            .consume(&org, &record)
            .await
            .map_err(token_lookup)?;
        let username = Username::parse(&record.subject)?;
        let credential = self.live(&org, &username).await?;
        if !credential.enabled {
            return Err(CredentialError::Disabled);
        }
        Ok((org, credential))
    }

    /// The org and the live, enabled credential a live magic-link token was issued for, without
    /// using it up (the page that asks "continue as ...?" before the customer signs in).
    /// `TokenNotFound` for anything but a live magic-link token.
    pub async fn peek_magic_link(&self, raw: &str) -> Result<(OrgId, Credential), CredentialError> {
        let token = TokenString::parse(raw).map_err(|_| CredentialError::TokenNotFound)?;
        let org = token.org.clone();
        self.tenants.require_enabled(&org).await?;
        let record = self
            .tokens
            .find(&org, &token, &[TokenPurpose::MagicLink])
            .await
            .map_err(token_lookup)?;
        let username = Username::parse(&record.subject)?;
        let credential = self.live(&org, &username).await?;
        if !credential.enabled {
            return Err(CredentialError::Disabled);
        }
        Ok((org, credential))
    }

    /// The live credential of `org` with that id (`NotFound` otherwise).
    pub async fn by_id(&self, org: &OrgId, id: Uuid) -> Result<Credential, CredentialError> {
        self.store
            .find_by_id(org, id)
            .await
            .map_err(CredentialError::Store)?
            .ok_or(CredentialError::NotFound)
    }

    /// The live credential of `org` with that username (`NotFound` otherwise), for the login
    /// server (CIBA's `login_hint`, magic links).
    pub async fn by_username(
        &self,
        org: &OrgId,
        username: &str,
    ) -> Result<Credential, CredentialError> {
        let username = Username::parse(username)?;
        self.live(org, &username).await
    }

    /// Records that the customer proved the e-mail address that is their username (a code sent
    /// there was used); answers the credential as stored. Nothing is written when it was
    /// proven before, or when the username is not an e-mail address.
    pub async fn prove_email(
        &self,
        org: &OrgId,
        mut credential: Credential,
    ) -> Result<Credential, CredentialError> {
        if credential.email_verified_at.is_some()
            || credential.username.kind() != crate::UsernameKind::Email
        {
            return Ok(credential);
        }
        credential.email_verified_at = Some(self.clock.now());
        self.store
            .update(org, credential.clone())
            .await
            .map_err(missing_as_not_found)?;
        Ok(credential)
    }

    /// Records a successful login: `last_login_at` becomes now. Returns the updated credential.
    pub async fn stamp_login(
        &self,
        org: &OrgId,
        mut credential: Credential,
    ) -> Result<Credential, CredentialError> {
        credential.last_login_at = Some(self.clock.now());
        self.store
            .update(org, credential.clone())
            .await
            .map_err(missing_as_not_found)?;
        Ok(credential)
    }
}
