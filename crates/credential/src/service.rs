//! The credential use cases of the Credentials API (endpoints 1-9, 13 and 14).
//!
//! Every method checks, in this order: the caller's scope and org (403), that the tenant exists
//! and is enabled (404), the input (400), then the state (404/409).

use crate::{
    Credential, CredentialAttrs, CredentialError, CredentialStore, DummyHash, Password,
    PasswordHasher, Username,
};
use crate::{IssuedToken, SecurityTokens, TokenPurpose, TokenString};
use latchkey_core::{Clock, OrgId, Revocation, Revocations, SecureRandom, StoreError};
use latchkey_tenancy::{AccessDenied, Principal, Scope, ScopeSet, TenantService};
use std::sync::Arc;

/// How far the clocks of two server instances may disagree when a token's age is compared with
/// its credential's.
const TOKEN_CLOCK_SKEW: time::Duration = time::Duration::minutes(1);

/// Whether a transfer between orgs removes the credential from its origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transfer {
    Move,
    Copy,
}

/// Credential use cases.
#[derive(Debug, Clone)]
pub struct CredentialService {
    store: Arc<dyn CredentialStore>,
    hasher: Arc<dyn PasswordHasher>,
    tenants: TenantService,
    tokens: SecurityTokens,
    clock: Arc<dyn Clock>,
    random: Arc<dyn SecureRandom>,
    /// Told when a credential can no longer sign in (disabled, deleted, moved): its access
    /// tokens stop working on every server instance at once.
    revocations: Arc<dyn Revocations>,
    /// The hash an unknown username's password is verified against (see `service_passwords`).
    dummy: DummyHash,
}

impl CredentialService {
    pub fn new(
        store: Arc<dyn CredentialStore>,
        hasher: Arc<dyn PasswordHasher>,
        tenants: TenantService,
        tokens: SecurityTokens,
        clock: Arc<dyn Clock>,
        random: Arc<dyn SecureRandom>,
        revocations: Arc<dyn Revocations>,
    ) -> Self {
        Self {
            store,
            hasher,
            tenants,
            tokens,
            clock,
            random,
            revocations,
            dummy: DummyHash::default(),
        }
    }

    /// Endpoint 1: the live credential.
    pub async fn get(
        &self,
        caller: &Principal,
        org: &OrgId,
        username: &str,
    ) -> Result<Credential, CredentialError> {
        let username = self
            .enter(caller, Scope::CredentialsRead, org, username)
            .await?;
        self.live(org, &username).await
    }

    /// Endpoint 2: creates the credential disabled and without a password, and returns a
    /// set-password token for it.
    pub async fn create(
        &self,
        caller: &Principal,
        org: &OrgId,
        username: &str,
        attrs: CredentialAttrs,
    ) -> Result<IssuedToken, CredentialError> {
        let username = self
            .enter(caller, Scope::CredentialsWrite, org, username)
            .await?;
        let credential = Credential::new(
            self.random.uuid(),
            username.clone(),
            attrs,
            self.clock.now(),
        );
        self.store
            .insert(org, credential)
            .await
            .map_err(conflict_as_exists)?;
        Ok(self
            .tokens
            .issue(org, username.as_str(), TokenPurpose::SetPassword)
            .await?)
    }

    /// Endpoint 3: sets the password with a set- or change-password token issued for this
    /// username. The token is used up and the credential is enabled; every device session of
    /// the credential (but the caller's own, for a customer's token) ends with its refresh
    /// tokens, and every outstanding password token and magic link is revoked (ASVS 5.0
    /// V7.4.3: a new password is the end of whatever the old one opened).
    pub async fn set_password(
        &self,
        caller: &Principal,
        org: &OrgId,
        username: &str,
        token: &str,
        password: &Password,
    ) -> Result<(), CredentialError> {
        let username = self
            .enter(caller, Scope::CredentialsWrite, org, username)
            .await?;
        let token = TokenString::parse(token)?;
        let mut credential = self.live(org, &username).await?;
        let record = self
            .tokens
            .find(org, &token, &TokenPurpose::PASSWORD)
            .await?;
        // A token older than the credential was issued for an earlier credential with the same
        // username (deleted, with its tokens' revocation cut short by a storage failure). The
        // margin allows for clocks of server instances that disagree a little.
        let stale = record.created_at + TOKEN_CLOCK_SKEW < credential.created_at;
        if record.subject != username.as_str() || stale {
            return Err(CredentialError::InvalidToken(
                crate::SecurityTokenError::Invalid,
            ));
        }
        password.check_policy(&username)?;
        let hash = self
            .hasher
            .hash(password)
            .await
            .map_err(CredentialError::Hashing)?;
        self.tokens.consume(org, &record).await?;
        credential.password_hash = Some(hash);
        credential.enabled = true;
        credential.updated_at = self.clock.now();
        if record.proves_email && credential.email_verified_at.is_none() {
            // The link reached the address that is the username.
            credential.email_verified_at = Some(credential.updated_at);
        }
        self.store
            .update_ending_sessions(org, credential, own_session(caller))
            .await
            .map_err(missing_as_not_found)?;
        self.revoke_everything(org, &username).await?;
        Ok(())
    }

    /// Endpoint 4: enables or disables, and optionally sets `require2fa`. Disabling ends the
    /// credential's device sessions in the same step (`CredentialStore::update`) and revokes
    /// its access tokens on every server instance (ASVS 5.0 V7.4.2).
    pub async fn patch(
        &self,
        caller: &Principal,
        org: &OrgId,
        username: &str,
        enabled: bool,
        require2fa: Option<bool>,
    ) -> Result<Credential, CredentialError> {
        let username = self
            .enter(caller, Scope::CredentialsWrite, org, username)
            .await?;
        let mut credential = self.live(org, &username).await?;
        credential.enabled = enabled;
        if let Some(require2fa) = require2fa {
            credential.require2fa = require2fa;
        }
        credential.updated_at = self.clock.now();
        self.store
            .update(org, credential.clone())
            .await
            .map_err(missing_as_not_found)?;
        if !credential.enabled {
            self.revoke_access(credential.id).await?;
        }
        Ok(credential)
    }

    /// Endpoint 5: soft delete. The credential is disabled, its password erased, its security
    /// tokens revoked, its device sessions ended and its access tokens revoked on every server
    /// instance; the username can be created again.
    pub async fn delete(
        &self,
        caller: &Principal,
        org: &OrgId,
        username: &str,
    ) -> Result<Credential, CredentialError> {
        let username = self
            .enter(caller, Scope::CredentialsAdmin, org, username)
            .await?;
        let credential = self.live(org, &username).await?;
        // Tokens first: if storage fails between the two steps, the credential is still there
        // (the delete can be retried) rather than gone with live tokens naming its username.
        self.revoke_everything(org, &username).await?;
        let now = self.clock.now();
        let deleted = credential.deleted(now);
        self.store
            .update(org, deleted.clone())
            .await
            .map_err(missing_as_not_found)?;
        self.revoke_access(deleted.id).await?;
        Ok(deleted)
    }

    /// Endpoints 6 and 7: moves or copies the credential (same password hash) to `destination`,
    /// atomically; a move ends the credential's device sessions in the origin with it. Returns
    /// the normalised username.
    pub async fn transfer(
        &self,
        caller: &Principal,
        org: &OrgId,
        username: &str,
        destination: &str,
        kind: Transfer,
    ) -> Result<Username, CredentialError> {
        let username = self
            .enter(caller, Scope::CredentialsAdmin, org, username)
            .await?;
        let destination = OrgId::parse(destination)
            .map_err(|_| CredentialError::InvalidDestination)
            .and_then(|d| {
                if &d == org {
                    Err(CredentialError::SameOrg)
                } else {
                    Ok(d)
                }
            })?;
        caller.require_on(Scope::CredentialsAdmin, &destination)?;
        self.require_destination(&destination).await?;
        let credential = self.live(org, &username).await?;
        let now = self.clock.now();
        match kind {
            Transfer::Move => {
                let id = credential.id;
                let mut moved = credential.clone();
                moved.updated_at = now;
                let removed = credential.deleted(now);
                self.store
                    .move_credential(org, removed, &destination, moved)
                    .await
                    .map_err(conflict_as_exists)?;
                self.revoke_everything(org, &username).await?;
                // Its tokens name the origin's org: they are over too.
                self.revoke_access(id).await?;
            }
            Transfer::Copy => {
                let mut copy = credential;
                copy.id = self.random.uuid();
                copy.created_at = now;
                copy.updated_at = now;
                copy.last_login_at = None;
                self.store
                    .insert(&destination, copy)
                    .await
                    .map_err(conflict_as_exists)?;
            }
        }
        Ok(username)
    }

    /// Endpoint 8: the live credentials with that username in every enabled tenant the caller
    /// covers (`org` is only the request's context).
    pub async fn discover(
        &self,
        caller: &Principal,
        org: &OrgId,
        username: &str,
    ) -> Result<Vec<(OrgId, Credential)>, CredentialError> {
        let username = self
            .enter(caller, Scope::CredentialsAdmin, org, username)
            .await?;
        let mut orgs = self.tenants.enabled_orgs().await?;
        orgs.retain(|o| caller.orgs.covers(o));
        self.store
            .discover(&orgs, &username)
            .await
            .map_err(CredentialError::Store)
    }

    /// Endpoint 9: a token for endpoint 3. For a credential that never had a password (not yet
    /// activated, or moved or copied before activation) it is a set-password token, so no
    /// credential is ever left without a way to get one.
    pub async fn change_password_token(
        &self,
        caller: &Principal,
        org: &OrgId,
        username: &str,
    ) -> Result<IssuedToken, CredentialError> {
        let username = self
            .enter(caller, Scope::CredentialsWrite, org, username)
            .await?;
        let credential = self.live(org, &username).await?;
        let purpose = match credential.password_hash {
            Some(_) => TokenPurpose::ChangePassword,
            None => TokenPurpose::SetPassword,
        };
        Ok(self.tokens.issue(org, username.as_str(), purpose).await?)
    }

    async fn enter(
        &self,
        caller: &Principal,
        scope: Scope,
        org: &OrgId,
        username: &str,
    ) -> Result<Username, CredentialError> {
        // A customer's token may enter a credential operation (its credential is checked once
        // found) but only with a scope customers may hold.
        if caller.credential.is_some() && !ScopeSet::CUSTOMER.contains(scope) {
            return Err(AccessDenied::MissingScope(scope).into());
        }
        caller.require_on(scope, org)?;
        self.tenants.require_enabled(org).await?;
        Ok(Username::parse(username)?)
    }

    /// As [`Self::enter`], for a customer's token acting on its own credential without naming
    /// it.
    async fn enter_own(
        &self,
        caller: &Principal,
        scope: Scope,
        org: &OrgId,
    ) -> Result<(), CredentialError> {
        if !ScopeSet::CUSTOMER.contains(scope) {
            return Err(AccessDenied::MissingScope(scope).into());
        }
        caller.require_on(scope, org)?;
        self.tenants.require_enabled(org).await?;
        Ok(())
    }

    async fn enter_tenant(
        &self,
        caller: &Principal,
        scope: Scope,
        org: &OrgId,
    ) -> Result<(), CredentialError> {
        caller.require_tenant_wide(scope, org)?;
        self.tenants.require_enabled(org).await?;
        Ok(())
    }

    async fn require_destination(&self, destination: &OrgId) -> Result<(), CredentialError> {
        match self.tenants.find(destination).await? {
            Some(tenant) if tenant.enabled => Ok(()),
            Some(_) => Err(CredentialError::DestinationDisabled(destination.clone())),
            None => Err(CredentialError::DestinationNotFound(destination.clone())),
        }
    }

    async fn live(&self, org: &OrgId, username: &Username) -> Result<Credential, CredentialError> {
        self.store
            .find(org, username)
            .await
            .map_err(CredentialError::Store)?
            .ok_or(CredentialError::NotFound)
    }

    /// Revokes every access token of `credential` issued until now, on every server instance.
    async fn revoke_access(&self, id: uuid::Uuid) -> Result<(), CredentialError> {
        self.revocations
            .revoked(&Revocation::Subject(id.to_string()))
            .await
            .map_err(CredentialError::Store)
    }

    async fn revoke_everything(
        &self,
        org: &OrgId,
        username: &Username,
    ) -> Result<(), CredentialError> {
        let all = [
            TokenPurpose::SetPassword,
            TokenPurpose::ChangePassword,
            TokenPurpose::MagicLink,
        ];
        self.tokens.revoke_all(org, username.as_str(), &all).await?;
        Ok(())
    }
}

/// The device session of a customer's own token, which a change of its password lets live.
fn own_session(caller: &Principal) -> Option<uuid::Uuid> {
    caller.sign_in.as_ref().and_then(|s| s.session)
}

fn conflict_as_exists(e: StoreError) -> CredentialError {
    match e {
        StoreError::Conflict => CredentialError::AlreadyExists,
        StoreError::NotFound => CredentialError::NotFound,
        e @ StoreError::Unavailable(_) => CredentialError::Store(e),
    }
}

fn missing_as_not_found(e: StoreError) -> CredentialError {
    match e {
        StoreError::NotFound => CredentialError::NotFound,
        e @ (StoreError::Conflict | StoreError::Unavailable(_)) => CredentialError::Store(e),
    }
}

fn token_lookup(e: crate::SecurityTokenError) -> CredentialError {
    match e {
        crate::SecurityTokenError::Store(s) => CredentialError::Store(s),
        crate::SecurityTokenError::Malformed
        | crate::SecurityTokenError::Invalid
        | crate::SecurityTokenError::Expired => CredentialError::TokenNotFound,
    }
}

#[path = "service_login.rs"]
mod login;

#[path = "service_passwords.rs"]
mod passwords;

#[path = "service_tokens.rs"]
mod tokens;

#[path = "service_signup.rs"]
mod signup;
