//! Tenant and client use cases, with the authorization rule applied first.

use crate::{
    AccessDenied, ApiClient, ClientError, ClientId, ClientName, ClientRegistry, ClientSecret,
    Grant, GrantSet, LoginSettings, NewClient, OrgAccess, Principal, Scope, ScopeSet, Tenant,
    TenantDirectory, TenantError, TenantName,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_core::{
    Clock, OrgId, Revocation, Revocations, SecretHash, SecretString, SecureRandom, StoreError,
};
use std::sync::{Arc, PoisonError, RwLock};

/// Tenant use cases.
#[derive(Debug, Clone)]
pub struct TenantService {
    tenants: Arc<dyn TenantDirectory>,
    clock: Arc<dyn Clock>,
}

impl TenantService {
    pub fn new(tenants: Arc<dyn TenantDirectory>, clock: Arc<dyn Clock>) -> Self {
        Self { tenants, clock }
    }

    /// Creates or updates a tenant; returns it and whether it was created.
    pub async fn put(
        &self,
        caller: &Principal,
        org: OrgId,
        name: TenantName,
        enabled: bool,
    ) -> Result<(Tenant, bool), TenantError> {
        caller.require_on(Scope::TenantsAdmin, &org)?;
        self.put_unchecked(org, name, enabled).await
    }

    /// Creates or updates a tenant without an access check: for start-up provisioning.
    pub async fn put_unchecked(
        &self,
        org: OrgId,
        name: TenantName,
        enabled: bool,
    ) -> Result<(Tenant, bool), TenantError> {
        let now = self.clock.now();
        let tenant = Tenant {
            id: org,
            name,
            enabled,
            created_at: now,
            updated_at: now,
        };
        self.tenants.put(tenant).await.map_err(TenantError::Store)
    }

    pub async fn get(&self, caller: &Principal, org: &OrgId) -> Result<Tenant, TenantError> {
        caller.require_on(Scope::TenantsAdmin, org)?;
        self.find(org)
            .await?
            .ok_or_else(|| TenantError::NotFound(org.clone()))
    }

    /// The tenants the caller covers.
    pub async fn list(&self, caller: &Principal) -> Result<Vec<Tenant>, TenantError> {
        caller.require(Scope::TenantsAdmin)?;
        let all = self.tenants.list().await.map_err(TenantError::Store)?;
        Ok(all
            .into_iter()
            .filter(|t| caller.orgs.covers(&t.id))
            .collect())
    }

    /// The tenant, if it exists and is enabled: a disabled tenant answers as if it did not exist.
    pub async fn require_enabled(&self, org: &OrgId) -> Result<Tenant, TenantError> {
        match self.find(org).await? {
            Some(tenant) if tenant.enabled => Ok(tenant),
            _ => Err(TenantError::NotFound(org.clone())),
        }
    }

    /// The ids of every enabled tenant.
    pub async fn enabled_orgs(&self) -> Result<Vec<OrgId>, TenantError> {
        let all = self.tenants.list().await.map_err(TenantError::Store)?;
        Ok(all
            .into_iter()
            .filter(|t| t.enabled)
            .map(|t| t.id)
            .collect())
    }

    /// Creates the tenant `org` unless it exists (a configured tenant at start); an existing
    /// one is left as it is.
    pub async fn provision(&self, org: OrgId, name: TenantName) -> Result<(), TenantError> {
        if self.find(&org).await?.is_none() {
            self.put_unchecked(org, name, true).await?;
        }
        Ok(())
    }

    /// The tenant, enabled or not; `Ok(None)` when it does not exist.
    pub async fn find(&self, org: &OrgId) -> Result<Option<Tenant>, TenantError> {
        self.tenants.get(org).await.map_err(TenantError::Store)
    }
}

/// The shortest secret a configured bootstrap client may have.
const MIN_BOOTSTRAP_SECRET: usize = 16;

/// What [`ClientService::provision_bootstrap`] did.
#[derive(Debug)]
pub enum Bootstrapped {
    /// The client existed and no secret was configured: kept as it was.
    Kept,
    /// Created or reset to the configured secret.
    Configured,
    /// Created with this generated secret, shown only now.
    Generated(SecretString),
}

/// API-client use cases.
#[derive(Debug, Clone)]
pub struct ClientService {
    clients: Arc<dyn ClientRegistry>,
    tenants: Arc<dyn TenantDirectory>,
    clock: Arc<dyn Clock>,
    random: Arc<dyn SecureRandom>,
    /// Told when a client is deleted: its tokens stop being trusted at once.
    revocations: Arc<dyn Revocations>,
    /// The bootstrap client, once provisioned (shared by every clone of the service).
    bootstrap_id: Arc<RwLock<Option<ClientId>>>,
}

impl ClientService {
    pub fn new(
        clients: Arc<dyn ClientRegistry>,
        tenants: Arc<dyn TenantDirectory>,
        clock: Arc<dyn Clock>,
        random: Arc<dyn SecureRandom>,
        revocations: Arc<dyn Revocations>,
    ) -> Self {
        Self {
            clients,
            tenants,
            clock,
            random,
            revocations,
            bootstrap_id: Arc::default(),
        }
    }

    /// Registers a client. The caller may only grant scopes it holds and orgs it covers, and
    /// every named org must exist. Returns the client and its secret, which is never shown again.
    pub async fn create(
        &self,
        caller: &Principal,
        new: NewClient,
    ) -> Result<(ApiClient, ClientSecret), ClientError> {
        caller.require(Scope::ClientsAdmin)?;
        if new.scopes.is_empty() {
            return Err(ClientError::NoScopes);
        }
        if new.orgs.is_empty() {
            return Err(ClientError::NoOrgs);
        }
        check_grants(&new)?;
        // The OpenID Connect scopes grant nothing on the API: anyone who registers clients may
        // give them.
        let privileges = new.scopes.without(ScopeSet::OIDC);
        if !privileges.is_subset_of(caller.scopes) || !caller.orgs.covers_all(&new.orgs) {
            return Err(AccessDenied::Escalation.into());
        }
        if let OrgAccess::Only(orgs) = &new.orgs {
            for org in orgs {
                if self
                    .tenants
                    .get(org)
                    .await
                    .map_err(ClientError::Store)?
                    .is_none()
                {
                    return Err(ClientError::UnknownOrg(org.clone()));
                }
            }
        }
        let id = ClientId::parse(&self.random.uuid().to_string())?;
        let secret = URL_SAFE_NO_PAD.encode(self.random.secret_bytes());
        let client = ApiClient {
            id,
            name: new.name,
            secret_hash: SecretHash::of(secret.as_bytes()),
            scopes: new.scopes,
            orgs: new.orgs,
            created_at: self.clock.now(),
            grants: new.grants,
            login: new.login,
        };
        self.clients
            .insert(client.clone())
            .await
            .map_err(|e| match e {
                StoreError::Conflict => ClientError::AlreadyExists,
                e @ (StoreError::NotFound | StoreError::Unavailable(_)) => ClientError::Store(e),
            })?;
        Ok((client, SecretString::from(secret)))
    }

    /// The bootstrap client at start. With a `configured` secret (at least 16 characters) it is
    /// created, or reset to it; without one, an existing client is kept (its secret was shown
    /// when it was made, maybe by another instance on the same storage), else it is made with a
    /// fresh 256-bit secret, answered this once.
    pub async fn provision_bootstrap(
        &self,
        id: ClientId,
        configured: Option<&str>,
    ) -> Result<Bootstrapped, ClientError> {
        self.remember_bootstrap(&id);
        match configured {
            Some(secret) if secret.len() < MIN_BOOTSTRAP_SECRET => Err(ClientError::WeakSecret),
            Some(secret) => {
                self.bootstrap(id, secret.as_bytes()).await?;
                Ok(Bootstrapped::Configured)
            }
            None if self.get(&id).await.map_err(ClientError::Store)?.is_some() => {
                Ok(Bootstrapped::Kept)
            }
            None => {
                let secret = URL_SAFE_NO_PAD.encode(self.random.secret_bytes());
                self.bootstrap(id, secret.as_bytes()).await?;
                Ok(Bootstrapped::Generated(SecretString::from(secret)))
            }
        }
    }

    /// Creates (or resets) the bootstrap client: every scope, every org.
    ///
    /// A client that already has this id, secret and full grant is left as it is: re-creating
    /// it would give it a new `created_at` and so revoke every token it holds (see
    /// `AccessTokenVerifier`) each time a server starts.
    pub async fn bootstrap(&self, id: ClientId, secret: &[u8]) -> Result<ApiClient, ClientError> {
        self.remember_bootstrap(&id);
        if let Some(existing) = self.get(&id).await.map_err(ClientError::Store)? {
            let unchanged = existing.secret_hash.matches(secret)
                && existing.scopes == ScopeSet::all()
                && existing.orgs == OrgAccess::All
                && existing.grants == bootstrap_grants()
                && existing.login == LoginSettings::default();
            if unchanged {
                return Ok(existing);
            }
        }
        let client = ApiClient {
            id,
            name: ClientName::parse("bootstrap")?,
            secret_hash: SecretHash::of(secret),
            scopes: ScopeSet::all(),
            orgs: OrgAccess::All,
            created_at: self.clock.now(),
            grants: bootstrap_grants(),
            login: LoginSettings::default(),
        };
        self.clients
            .upsert(client.clone())
            .await
            .map_err(ClientError::Store)?;
        Ok(client)
    }

    /// From now on `id` is the bootstrap client, which the API never deletes.
    fn remember_bootstrap(&self, id: &ClientId) {
        *self
            .bootstrap_id
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(id.clone());
    }

    fn is_bootstrap(&self, id: &ClientId) -> bool {
        self.bootstrap_id
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            == Some(id)
    }

    /// The clients whose orgs the caller covers.
    pub async fn list(&self, caller: &Principal) -> Result<Vec<ApiClient>, ClientError> {
        caller.require(Scope::ClientsAdmin)?;
        let all = self.clients.list().await.map_err(ClientError::Store)?;
        Ok(all
            .into_iter()
            .filter(|c| caller.orgs.covers_all(&c.orgs))
            .collect())
    }

    /// Deletes a client the caller covers; its tokens (service tokens and its customers'
    /// tokens) stop working on every server instance (announced to the revocations, so no
    /// cached verification outlives it). Never the caller's own client (`SelfDelete`: every
    /// call after it would fail) nor the bootstrap client (`Bootstrap`: the operator's way in).
    pub async fn delete(&self, caller: &Principal, id: &ClientId) -> Result<(), ClientError> {
        caller.require(Scope::ClientsAdmin)?;
        let client = self
            .get(id)
            .await
            .map_err(ClientError::Store)?
            .ok_or(ClientError::NotFound)?;
        let privileges = client.scopes.without(ScopeSet::OIDC);
        if !caller.orgs.covers_all(&client.orgs) || !privileges.is_subset_of(caller.scopes) {
            return Err(AccessDenied::Escalation.into());
        }
        if self.is_bootstrap(id) {
            return Err(ClientError::Bootstrap);
        }
        // A service token's subject is its client; a customer's token never holds
        // `clients:admin`, and its subject is a credential.
        if caller.credential.is_none() && caller.subject == id.as_str() {
            return Err(ClientError::SelfDelete);
        }
        // Revoked first: should the delete then fail, the client stays but none of the tokens
        // it had does (never the other way round).
        self.revocations
            .revoked(&Revocation::Client(id.as_str().to_owned()))
            .await
            .map_err(ClientError::Store)?;
        self.clients.delete(id).await.map_err(|e| match e {
            StoreError::NotFound => ClientError::NotFound,
            e @ (StoreError::Conflict | StoreError::Unavailable(_)) => ClientError::Store(e),
        })?;
        Ok(())
    }

    /// Looks a client up by id (no principal: for the token endpoints and verification).
    pub async fn get(&self, id: &ClientId) -> Result<Option<ApiClient>, StoreError> {
        self.clients.get(id).await
    }

    /// Checks a client id and secret. Returns `Ok(None)` for an unknown client, a wrong secret
    /// or a public client (which has none): the caller must not be told which, and each case
    /// hashes, so they cost the same.
    pub async fn authenticate(
        &self,
        id: &str,
        secret: &[u8],
    ) -> Result<Option<ApiClient>, StoreError> {
        let client = match ClientId::parse(id) {
            Ok(id) => self.get(&id).await?,
            Err(_) => None,
        };
        let unknown = SecretHash::from_bytes([0; 32]);
        let hash = client.as_ref().map_or(&unknown, |c| &c.secret_hash);
        let matches = hash.matches(secret);
        Ok(client.filter(|c| matches && !c.login.public))
    }
}

/// The bootstrap client's grants: service tokens only.
fn bootstrap_grants() -> GrantSet {
    [Grant::ClientCredentials].into_iter().collect()
}

/// The registration rules of grants, redirect URIs and public clients.
fn check_grants(new: &NewClient) -> Result<(), ClientError> {
    let grants = &new.grants;
    if grants.is_empty() {
        return Err(ClientError::NoGrants);
    }
    let redirects = grants.contains(Grant::AuthorizationCode) || grants.contains(Grant::Implicit);
    if redirects && new.login.redirect_uris.is_empty() {
        return Err(ClientError::NoRedirectUri);
    }
    if grants.any_login() && !matches!(&new.orgs, OrgAccess::Only(orgs) if orgs.len() == 1) {
        return Err(ClientError::LoginNeedsOneOrg);
    }
    // A public client has no secret to protect a token in the browser's history with: no
    // implicit grant for it (RFC 9700 §2.1.2), nor anything that needs client authentication.
    if new.login.public
        && (grants.contains(Grant::ClientCredentials)
            || grants.contains(Grant::Ciba)
            || grants.contains(Grant::Implicit))
    {
        return Err(ClientError::PublicGrant);
    }
    if grants.contains(Grant::RefreshToken)
        && !grants.contains(Grant::AuthorizationCode)
        && !grants.contains(Grant::Ciba)
    {
        return Err(ClientError::RefreshAlone);
    }
    Ok(())
}
