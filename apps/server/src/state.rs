//! Wiring: the adapters chosen at start and the services built on them.

use crate::config::ServerConfig;
use crate::http::auth::AuthCache;
use crate::infra::{Argon2Hasher, EcKeyGenerator, JwtCodec, SystemClock, ThreadRandom};
use latchkey_core::{Clock, SecureRandom};
use latchkey_credential::CredentialService;
use latchkey_memory::{
    MemClientRegistry, MemCredentialStore, MemSecurityTokenStore, MemSigningKeyStore,
    MemTenantDirectory,
};
use latchkey_tenancy::{ClientRegistry, ClientService, TenantDirectory, TenantService};
use latchkey_token::{AccessTokenVerifier, KeyService, SecurityTokens, ServiceTokenIssuer};
use std::sync::Arc;

/// Everything a request handler needs; cheap to clone (all `Arc`s inside).
#[derive(Debug)]
pub struct AppState {
    pub clock: Arc<dyn Clock>,
    pub tenants: TenantService,
    pub clients: ClientService,
    pub credentials: CredentialService,
    pub issuer: ServiceTokenIssuer,
    pub verifier: AccessTokenVerifier,
    pub keys: KeyService,
    pub codec: Arc<JwtCodec>,
    pub auth_cache: AuthCache,
    pub public_url: String,
}

impl AppState {
    /// Builds the services on the in-memory adapters (dev mode: nothing is kept).
    pub fn in_memory(config: &ServerConfig) -> anyhow::Result<Self> {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let random: Arc<dyn SecureRandom> = Arc::new(ThreadRandom);
        let tenant_dir: Arc<dyn TenantDirectory> = Arc::new(MemTenantDirectory::default());
        let client_registry: Arc<dyn ClientRegistry> = Arc::new(MemClientRegistry::default());
        let public_url = config.public_url();
        let codec = Arc::new(JwtCodec::new(public_url.clone(), config.audience.clone()));

        let tenants = TenantService::new(tenant_dir.clone(), clock.clone());
        let clients =
            ClientService::new(client_registry, tenant_dir, clock.clone(), random.clone());
        let security_tokens = SecurityTokens::new(
            Arc::new(MemSecurityTokenStore::default()),
            clock.clone(),
            random.clone(),
            time::Duration::seconds(i64::from(config.security_token_ttl)),
        );
        let hasher = Argon2Hasher::new(config.hash_concurrency(), random.clone())
            .map_err(anyhow::Error::from_boxed)?;
        let credentials = CredentialService::new(
            Arc::new(MemCredentialStore::default()),
            Arc::new(hasher),
            tenants.clone(),
            security_tokens,
            clock.clone(),
            random.clone(),
        );
        let issuer = ServiceTokenIssuer::new(
            clients.clone(),
            codec.clone(),
            clock.clone(),
            random.clone(),
            public_url.clone(),
            config.audience.clone(),
            time::Duration::seconds(i64::from(config.access_token_ttl)),
        );
        let verifier = AccessTokenVerifier::new(clients.clone(), codec.clone(), clock.clone());
        let keys = KeyService::new(
            Arc::new(MemSigningKeyStore::default()),
            Arc::new(EcKeyGenerator),
            codec.clone(),
            clock.clone(),
            random,
        );
        Ok(Self {
            clock,
            tenants,
            clients,
            credentials,
            issuer,
            verifier,
            keys,
            codec,
            auth_cache: AuthCache::default(),
            public_url,
        })
    }
}
