//! Wiring: the adapters chosen at start, and the use-case services built on them. Handlers see
//! only the services.

use crate::config::ServerConfig;
use crate::web::Cookies;
use latchkey_access::{
    AccessTokenVerifier, CachedVerifier, KeyService, RevokedTokens, ServiceTokenIssuer,
    SigningKeyStore, TokenCache,
};
use latchkey_core::{Clock, RateLimiter, SecureRandom};
use latchkey_credential::{
    CredentialService, CredentialStore, PasswordHasher, SecurityTokenStore, SecurityTokens,
};
use latchkey_crypto::{
    AesGcmCipher, Argon2Hasher, EcKeyGenerator, JwtCodec, NoDataKey, SystemClock, ThreadRandom,
};
use latchkey_device::{DeviceService, DeviceStore};
use latchkey_flows::{FlowLimits, FlowService, SecondFactorPorts, SecondFactors};
use latchkey_login::subscriber::{SubscriberSignIn, SubscriberSignInPorts};
use latchkey_login::{
    AbuseLimits, AbuseRates, Backchannel, ClientAuthenticator, GrantPorts, Grants, LoginPorts,
    LoginService, TokenInspector,
};
use latchkey_memory::{
    MemClientRegistry, MemCredentialStore, MemDeviceStore, MemEphemeralStore, MemOtpStore,
    MemRateLimiter, MemRevokedTokens, MemSecurityTokenStore, MemSigningKeyStore,
    MemTenantDirectory, MemTotpStore,
};
use latchkey_oauth::{CibaService, CodeService, EphemeralStore};
use latchkey_otp::{OtpStore, SecretCipher, TotpStore};
use latchkey_postgres::{PgConfig, PgDatabase, PgRevocations};
use latchkey_redis::RedisDatabase;
use latchkey_tenancy::{
    CachedClientRegistry, CachedTenantDirectory, ClientRegistry, ClientService, TenantDirectory,
    TenantService,
};
use std::sync::Arc;
use std::time::Duration;

mod announcer;
mod health;
mod security;
pub use announcer::Announcer;
pub use health::{Health, Unready};
pub use security::{OperatorPlane, OperatorStores};

/// The use cases a request handler calls; cheap to clone (all `Arc`s inside).
#[derive(Debug)]
pub struct AppState {
    pub tenants: TenantService,
    pub clients: ClientService,
    pub credentials: CredentialService,
    /// The Credentials API's flows.
    pub flows: FlowService,
    pub second_factors: SecondFactors,
    /// Device sessions (Credentials API endpoints 22-24).
    pub devices: DeviceService,
    /// The login server: pages, sessions, logout.
    pub login: LoginService,
    /// Customer token grants (authorization code, refresh token), `/userinfo`.
    pub grants: Grants,
    /// CIBA: backchannel requests and their polls.
    pub backchannel: Backchannel,
    /// Which client a token request comes from.
    pub client_auth: ClientAuthenticator,
    /// Introspection and revocation.
    pub tokens: TokenInspector,
    /// Limits on abuse: failed client authentication, message bombing, logins started.
    pub abuse: AbuseLimits,
    /// Service tokens (client credentials).
    pub issuer: ServiceTokenIssuer,
    /// Bearer verification, through the verified-token cache.
    pub access: CachedVerifier,
    pub keys: KeyService,
    /// The login pages' cookies.
    pub cookies: Cookies,
    pub public_url: String,
    /// What `/readyz` checks.
    pub health: Health,
    /// On a database: this instance's ear for every instance's revocations, to run beside the
    /// server ([`PgRevocations::listen`]).
    pub revocation_listener: Option<PgRevocations>,
    /// The security service's operator plane (`/api/v1`).
    pub operators: OperatorPlane,
    /// The subscribers' sign-in (`/suboauth2`, `/validateSubToken`).
    pub subscriber_sign_in: SubscriberSignIn,
}

/// The adapters of every storage port, chosen once at start.
#[derive(Debug, Clone)]
pub struct Stores {
    pub tenants: Arc<dyn TenantDirectory>,
    pub clients: Arc<dyn ClientRegistry>,
    pub signing_keys: Arc<dyn SigningKeyStore>,
    pub credentials: Arc<dyn CredentialStore>,
    pub security_tokens: Arc<dyn SecurityTokenStore>,
    pub totp_secrets: Arc<dyn TotpStore>,
    /// Access tokens revoked before their expiry (RFC 7009).
    pub revoked_tokens: Arc<dyn RevokedTokens>,
    /// Where revocations are recorded and announced: this process, or every instance on the
    /// database.
    pub announcer: Announcer,
    /// One-time codes, resend throttles and TOTP replay markers: Redis, or this process.
    pub otp_codes: Arc<dyn OtpStore>,
    /// Rate-limit state: Redis, or this process.
    pub rate_limits: Arc<dyn RateLimiter>,
    /// Logins in progress, authorization codes, CIBA requests, failure counters: Redis, or
    /// this process.
    pub ephemeral: Arc<dyn EphemeralStore>,
    /// Device sessions and refresh tokens.
    pub devices: Arc<dyn DeviceStore>,
    /// The security service's operators, their API keys and sign-in sessions.
    pub operators: OperatorStores,
    /// The database behind them, when there is one (readiness checks it).
    pub database: Option<PgDatabase>,
    /// Redis, when it holds the short-lived state (readiness checks it).
    pub redis: Option<RedisDatabase>,
}

impl Stores {
    /// In-memory storage (dev mode: nothing is kept).
    pub fn in_memory() -> Self {
        let credentials = Arc::new(MemCredentialStore::default());
        let revoked = Arc::new(MemRevokedTokens::default());
        Self {
            tenants: Arc::new(MemTenantDirectory::default()),
            clients: Arc::new(MemClientRegistry::default()),
            signing_keys: Arc::new(MemSigningKeyStore::default()),
            credentials: credentials.clone(),
            security_tokens: Arc::new(MemSecurityTokenStore::default()),
            totp_secrets: Arc::new(MemTotpStore::default()),
            revoked_tokens: revoked.clone(),
            announcer: Announcer::Memory(revoked),
            otp_codes: Arc::new(MemOtpStore::new(Arc::new(SystemClock))),
            rate_limits: Arc::new(MemRateLimiter::default()),
            ephemeral: Arc::new(MemEphemeralStore::new(Arc::new(SystemClock))),
            devices: Arc::new(MemDeviceStore::with_credentials(credentials.clone())),
            operators: OperatorStores::in_memory(credentials),
            database: None,
            redis: None,
        }
    }

    /// PostgreSQL: `public` for the directory, one schema per tenant.
    pub fn postgres(db: PgDatabase) -> Self {
        let (clock, ttl) = (Arc::new(SystemClock), TENANT_CACHE_TTL);
        let tenants = Arc::new(CachedTenantDirectory::new(
            Arc::new(db.tenant_directory()),
            clock.clone(),
            ttl,
        ));
        let clients = Arc::new(CachedClientRegistry::new(
            Arc::new(db.client_registry()),
            clock,
            ttl,
        ));
        Self {
            tenants: tenants.clone(),
            clients: clients.clone(),
            signing_keys: Arc::new(db.signing_keys()),
            credentials: Arc::new(db.credentials()),
            security_tokens: Arc::new(db.security_tokens()),
            totp_secrets: Arc::new(db.totp_secrets()),
            revoked_tokens: Arc::new(db.revoked_tokens()),
            announcer: Announcer::Postgres(db.clone(), vec![tenants, clients]),
            otp_codes: Arc::new(MemOtpStore::new(Arc::new(SystemClock))),
            rate_limits: Arc::new(MemRateLimiter::default()),
            ephemeral: Arc::new(MemEphemeralStore::new(Arc::new(SystemClock))),
            devices: Arc::new(db.devices()),
            operators: OperatorStores::postgres(&db),
            database: Some(db),
            redis: None,
        }
    }

    /// Short-lived state (codes, throttles, replay markers, rate limits) on Redis instead of
    /// this process.
    #[must_use]
    pub fn with_redis(mut self, redis: &RedisDatabase) -> Self {
        self.otp_codes = Arc::new(redis.otp_store());
        self.rate_limits = Arc::new(redis.rate_limiter());
        self.ephemeral = Arc::new(redis.ephemeral_store());
        self.redis = Some(redis.clone());
        self
    }
}

/// How long a server on PostgreSQL trusts what it read of tenants and clients (and of an id
/// found unknown). A change through another instance reaches it at once through the database's
/// notification; this bounds the wait should a notification be lost.
pub const TENANT_CACHE_TTL: time::Duration = time::Duration::seconds(1);

/// The PostgreSQL settings of `config`, when a database URL is configured.
pub fn pg_config(config: &ServerConfig) -> Option<PgConfig> {
    config.database_url.as_ref().map(|url| PgConfig {
        url: url.expose().to_owned(),
        pool_size: config.database_pool_size(),
        threads: config.workers(),
        connect_timeout: Duration::from_millis(config.database_connect_timeout_ms),
        statement_timeout: Duration::from_millis(config.database_statement_timeout_ms),
    })
}

impl AppState {
    /// Builds the services on the in-memory adapters (dev mode: nothing is kept).
    pub fn in_memory(config: &ServerConfig) -> anyhow::Result<Self> {
        Self::new(config, Stores::in_memory())
    }

    /// Builds the services on the given adapters.
    pub fn new(config: &ServerConfig, stores: Stores) -> anyhow::Result<Self> {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let random: Arc<dyn SecureRandom> = Arc::new(ThreadRandom);
        let public_url = config.public_url();
        let codec = Arc::new(JwtCodec::new(public_url.clone(), config.audience.clone()));
        // Verified tokens: every revocation empties it at once.
        let token_cache = Arc::new(TokenCache::default());
        let (revocations, revocation_listener) =
            stores.announcer.build(clock.clone(), token_cache.clone());

        let tenants = TenantService::new(stores.tenants.clone(), clock.clone());
        let clients = ClientService::new(
            stores.clients.clone(),
            stores.tenants.clone(),
            clock.clone(),
            random.clone(),
            revocations.clone(),
        );
        let security_tokens = SecurityTokens::new(
            stores.security_tokens.clone(),
            clock.clone(),
            random.clone(),
            seconds(config.security_token_ttl),
        )
        .with_magic_link_ttl(seconds(config.magic_link_ttl));
        // One hasher for customers and operators: one bound on the memory argon2id takes.
        let hasher: Arc<dyn PasswordHasher> = Arc::new(
            Argon2Hasher::new(config.hash_concurrency(), random.clone())
                .map_err(anyhow::Error::from_boxed)?,
        );
        let credentials = CredentialService::new(
            stores.credentials.clone(),
            hasher.clone(),
            tenants.clone(),
            security_tokens,
            clock.clone(),
            random.clone(),
            revocations.clone(),
        );
        let dev_mode = stores.database.is_none();
        let notifier = crate::notifier::build(config, dev_mode)?;
        let limits = FlowLimits {
            per_credential: config.flow_rate_per_credential,
            per_tenant: config.flow_rate_per_tenant,
        };
        let flows = FlowService::new(
            credentials.clone(),
            tenants.clone(),
            notifier.clone(),
            stores.rate_limits.clone(),
            clock.clone(),
            limits,
            public_url.clone(),
        );
        // One cipher for every face: a dev-mode key is generated once, and what the
        // Credentials API seals `/subtotp` opens.
        let cipher = data_cipher(config, dev_mode, random.as_ref())?;
        let second_factors = SecondFactors::new(
            credentials.clone(),
            SecondFactorPorts {
                codes: stores.otp_codes.clone(),
                totp: stores.totp_secrets.clone(),
                cipher: cipher.clone(),
                notifier: notifier.clone(),
                limiter: stores.rate_limits.clone(),
                limits,
                clock: clock.clone(),
                random: random.clone(),
            },
        );
        let issuer = ServiceTokenIssuer::new(
            clients.clone(),
            codec.clone(),
            clock.clone(),
            random.clone(),
            public_url.clone(),
            config.audience.clone(),
            seconds(config.access_token_ttl),
        );
        let keys = KeyService::new(
            stores.signing_keys.clone(),
            Arc::new(EcKeyGenerator),
            codec.clone(),
            clock.clone(),
            random.clone(),
            revocations.clone(),
        );
        let devices = DeviceService::new(
            stores.devices.clone(),
            clock.clone(),
            random.clone(),
            seconds(config.session_ttl),
        );
        let operators = OperatorPlane::new(
            config,
            &stores.operators,
            security::Shared {
                hasher,
                revocations: revocations.clone(),
                codec: codec.clone(),
                revoked: stores.revoked_tokens.clone(),
                cache: token_cache.clone(),
                keys: keys.clone(),
                notifier: notifier.clone(),
                ephemeral: stores.ephemeral.clone(),
                codes: stores.otp_codes.clone(),
                clock: clock.clone(),
                random: random.clone(),
                public_url: public_url.clone(),
                credentials: credentials.clone(),
                devices: devices.clone(),
                rate_limits: stores.rate_limits.clone(),
                tenants: tenants.clone(),
                totp_secrets: stores.totp_secrets.clone(),
                cipher,
            },
        );
        let access = CachedVerifier::new(
            AccessTokenVerifier::new(
                clients.clone(),
                codec.clone(),
                stores.revoked_tokens.clone(),
                clock.clone(),
            ),
            keys.clone(),
            token_cache,
            revocations.clone(),
            clock.clone(),
        );
        let access_ttl = seconds(config.access_token_ttl);
        let grants = Grants::new(
            credentials.clone(),
            GrantPorts {
                codes: CodeService::new(stores.ephemeral.clone(), random.clone()),
                devices: devices.clone(),
                access: codec.clone(),
                id_tokens: codec,
                revoked: stores.revoked_tokens.clone(),
                revocations: revocations.clone(),
                clock: clock.clone(),
                random: random.clone(),
                issuer: public_url.clone(),
                audience: config.audience.clone(),
                access_ttl,
                id_token_ttl: access_ttl,
            },
        );
        let ciba = CibaService::new(stores.ephemeral.clone(), clock.clone(), random.clone());
        let backchannel = Backchannel::new(
            credentials.clone(),
            ciba.clone(),
            grants.clone(),
            notifier.clone(),
            public_url.clone(),
        );
        let abuse = AbuseLimits::new(
            stores.rate_limits.clone(),
            ClientAuthenticator::new(clients.clone()),
            clock.clone(),
            AbuseRates {
                client_failures_per_client: config.client_auth_failures_per_client,
                client_failures_per_address: config.client_auth_failures_per_address,
                backchannel_per_customer: config.ciba_rate_per_customer,
                logins_per_address: config.login_rate_per_address,
            },
        );
        let login = LoginService::new(
            credentials.clone(),
            clients.clone(),
            second_factors.clone(),
            grants.clone(),
            LoginPorts {
                store: stores.ephemeral.clone(),
                ciba,
                notifier: notifier.clone(),
                clock: clock.clone(),
                random: random.clone(),
                landing_urls: config.landing_url_map()?,
            },
        );
        let subscriber_sign_in = SubscriberSignIn::new(SubscriberSignInPorts {
            login: login.clone(),
            subscribers: operators.subscribers.clone(),
            flows: flows.clone(),
            clients: stores.clients.clone(),
            ephemeral: stores.ephemeral.clone(),
            codes: stores.otp_codes.clone(),
            notifier: notifier.clone(),
            revoked: stores.revoked_tokens.clone(),
            revocations: revocations.clone(),
            access: access.clone(),
            clock,
            random,
        });
        Ok(Self {
            abuse,
            client_auth: ClientAuthenticator::new(clients.clone()),
            tokens: TokenInspector::new(grants.clone(), access.clone()),
            health: Health {
                database: stores.database,
                redis: stores.redis,
                tenants: tenants.clone(),
            },
            tenants,
            clients,
            credentials,
            flows,
            second_factors,
            devices,
            login,
            grants,
            backchannel,
            issuer,
            access,
            keys,
            cookies: Cookies::new(config.cookie_secure, &public_url),
            revocation_listener,
            public_url,
            operators,
            subscriber_sign_in,
        })
    }
}

fn seconds(n: u32) -> time::Duration {
    time::Duration::seconds(i64::from(n))
}

/// The cipher of TOTP secrets: the configured data key; in dev mode a generated one (and a
/// warning); on a database without a key, none (the TOTP endpoints answer 503).
fn data_cipher(
    config: &ServerConfig,
    dev_mode: bool,
    random: &dyn SecureRandom,
) -> anyhow::Result<Arc<dyn SecretCipher>> {
    Ok(match (&config.data_key, dev_mode) {
        (Some(key), _) => Arc::new(AesGcmCipher::from_base64(key.expose())?),
        (None, true) => {
            tracing::warn!(
                "LATCHKEY_DATA_KEY is not set: TOTP secrets are encrypted with a key generated \
                 for this run (dev mode: they die with the process)"
            );
            Arc::new(AesGcmCipher::from_bytes(&random.secret_bytes())?)
        }
        (None, false) => {
            tracing::warn!("LATCHKEY_DATA_KEY is not set: the TOTP endpoints answer 503");
            Arc::new(NoDataKey)
        }
    })
}
