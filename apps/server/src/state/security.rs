//! The security service's operator plane (`/api/v1`): the operators directory, their API keys
//! and their sign-in, built on the adapters chosen at start and on the services the rest of the
//! server shares (the password hasher and its concurrency limit, the revocations every instance
//! hears, the token signer, the notifier, the short-lived store).

use crate::config::ServerConfig;
use latchkey_access::{AccessTokenCodec, KeyService, RevokedTokens, TokenCache};
use latchkey_core::{Clock, Revocations, SecureRandom};
use latchkey_credential::PasswordHasher;
use latchkey_login::guessing::SlowGuessing;
use latchkey_login::operator::{OperatorSignIn, OperatorSignInPorts, OperatorSignInSettings};
use latchkey_notify::Notifier;
use latchkey_oauth::EphemeralStore;
use latchkey_operator::{
    ApiKeyService, ApiKeyStore, OperatorPorts, OperatorService, OperatorSessionStore, OperatorStore,
};
use latchkey_otp::OtpStore;
use latchkey_subscriber::{AvatarStore, PreferenceStore, SubscriberProfileStore};
use std::sync::Arc;

/// The operator plane's use cases; cheap to clone.
#[derive(Debug, Clone)]
pub struct OperatorPlane {
    /// The operators directory (`/users`, `/user/{id}`), the first root.
    pub directory: OperatorService,
    /// API keys (`/apiKey/{userId}`, `X-API-KEY`).
    pub api_keys: ApiKeyService,
    /// `/oauth2`, `/validateToken`, `/actionLink`.
    pub sign_in: OperatorSignIn,
    /// Seconds a refresh token may stay unused (`idle_timeout` of the answers).
    pub idle_timeout: i64,
    /// Subscribers' profiles beside their credentials.
    pub profiles: Arc<dyn SubscriberProfileStore>,
    /// Avatars of operators and subscribers.
    pub avatars: Arc<dyn AvatarStore>,
    /// Preferences of operators and subscribers.
    pub preferences: Arc<dyn PreferenceStore>,
}

/// The storage of the operator plane: one adapter per port.
#[derive(Debug, Clone)]
pub struct OperatorStores {
    pub operators: Arc<dyn OperatorStore>,
    pub api_keys: Arc<dyn ApiKeyStore>,
    pub sessions: Arc<dyn OperatorSessionStore>,
    pub profiles: Arc<dyn SubscriberProfileStore>,
    pub avatars: Arc<dyn AvatarStore>,
    pub preferences: Arc<dyn PreferenceStore>,
}

/// What the plane is built from, besides its stores.
pub(super) struct Shared {
    pub hasher: Arc<dyn PasswordHasher>,
    pub revocations: Arc<dyn Revocations>,
    pub codec: Arc<dyn AccessTokenCodec>,
    pub revoked: Arc<dyn RevokedTokens>,
    pub cache: Arc<TokenCache>,
    /// The signing keys' ring: reloaded when a token names a key rotated on another instance.
    pub keys: KeyService,
    pub notifier: Arc<dyn Notifier>,
    pub ephemeral: Arc<dyn EphemeralStore>,
    pub codes: Arc<dyn OtpStore>,
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn SecureRandom>,
    pub public_url: String,
}

fn seconds(n: u32) -> time::Duration {
    time::Duration::seconds(i64::from(n))
}

impl OperatorPlane {
    pub(super) fn new(config: &ServerConfig, stores: &OperatorStores, shared: Shared) -> Self {
        let ports = OperatorPorts {
            operators: stores.operators.clone(),
            sessions: stores.sessions.clone(),
            api_keys: stores.api_keys.clone(),
            hasher: shared.hasher,
            revocations: shared.revocations,
            clock: shared.clock.clone(),
            random: shared.random,
        };
        let directory = OperatorService::new(ports.clone());
        let api_keys = ApiKeyService::new(ports.clone());
        let mut settings = OperatorSignInSettings::new(
            shared.public_url.clone(),
            shared.public_url,
            config.audience.clone(),
        );
        settings.access_ttl = seconds(config.security.operator_token_ttl);
        settings.session_ttl = seconds(config.security.operator_session_ttl);
        settings.idle_timeout = seconds(config.security.operator_idle_timeout);
        let idle_timeout = settings.idle_timeout.whole_seconds();
        let sign_in = OperatorSignIn::new(
            OperatorSignInPorts {
                operators: directory.clone(),
                directory: ports,
                guessing: SlowGuessing::new(shared.ephemeral.clone(), shared.clock),
                ephemeral: shared.ephemeral,
                codes: shared.codes,
                notifier: shared.notifier,
                codec: shared.codec,
                revoked: shared.revoked,
                cache: shared.cache,
            },
            settings,
        )
        .with_key_reload(shared.keys);
        Self {
            directory,
            api_keys,
            sign_in,
            idle_timeout,
            profiles: stores.profiles.clone(),
            avatars: stores.avatars.clone(),
            preferences: stores.preferences.clone(),
        }
    }
}

impl OperatorStores {
    /// In process memory (dev mode): one store behind the three operator ports, so that a
    /// deleted operator takes its keys and sessions in the same step; subscribers' profiles,
    /// avatars and preferences beside the memory `credentials` (and those operators).
    pub fn in_memory(credentials: Arc<latchkey_memory::MemCredentialStore>) -> Self {
        let store = latchkey_memory::MemOperators::default();
        Self {
            profiles: Arc::new(latchkey_memory::MemSubscriberProfiles::new(
                credentials.clone(),
            )),
            avatars: Arc::new(latchkey_memory::MemAvatars::new(
                credentials.clone(),
                store.clone(),
            )),
            preferences: Arc::new(latchkey_memory::MemPreferences::new(
                credentials,
                store.clone(),
            )),
            operators: Arc::new(store.clone()),
            api_keys: Arc::new(store.clone()),
            sessions: Arc::new(store),
        }
    }

    /// On PostgreSQL (the `public` schema), shared by every instance.
    pub fn postgres(db: &latchkey_postgres::PgDatabase) -> Self {
        let store = db.operators();
        Self {
            operators: Arc::new(store.clone()),
            api_keys: Arc::new(store.clone()),
            sessions: Arc::new(store),
            profiles: Arc::new(pending::NotYetOnPostgres),
            avatars: Arc::new(pending::NotYetOnPostgres),
            preferences: Arc::new(pending::NotYetOnPostgres),
        }
    }
}

/// Interim until the PostgreSQL adapters of subscribers' profiles, avatars and preferences land
/// (issue 18, in progress): every call answers `Unavailable`, so nothing pretends to be kept.
mod pending {
    use async_trait::async_trait;
    use latchkey_core::{OrgId, StoreError};
    use latchkey_subscriber::{
        Avatar, AvatarStore, Holder, PreferenceStore, Preferences, SubscriberProfile,
        SubscriberProfileStore, SubscriberQuery,
    };
    use uuid::Uuid;

    #[derive(Debug)]
    pub(super) struct NotYetOnPostgres;

    fn unavailable<T>() -> Result<T, StoreError> {
        Err(StoreError::Unavailable(
            "subscribers' profiles, avatars and preferences are not yet stored on PostgreSQL"
                .into(),
        ))
    }

    #[async_trait]
    impl SubscriberProfileStore for NotYetOnPostgres {
        async fn get(&self, _: &OrgId, _: Uuid) -> Result<Option<SubscriberProfile>, StoreError> {
            unavailable()
        }
        async fn put(&self, _: &OrgId, _: SubscriberProfile) -> Result<(), StoreError> {
            unavailable()
        }
        async fn delete(&self, _: &OrgId, _: Uuid) -> Result<(), StoreError> {
            unavailable()
        }
        async fn find_by_signup(&self, _: &OrgId, _: Uuid) -> Result<Option<Uuid>, StoreError> {
            unavailable()
        }
        async fn list(&self, _: &OrgId, _: &SubscriberQuery) -> Result<Vec<Uuid>, StoreError> {
            unavailable()
        }
        async fn count(&self, _: &OrgId, _: &SubscriberQuery) -> Result<u64, StoreError> {
            unavailable()
        }
    }

    #[async_trait]
    impl AvatarStore for NotYetOnPostgres {
        async fn get(&self, _: &Holder) -> Result<Option<Avatar>, StoreError> {
            unavailable()
        }
        async fn put(&self, _: &Holder, _: Avatar) -> Result<(), StoreError> {
            unavailable()
        }
        async fn delete(&self, _: &Holder) -> Result<bool, StoreError> {
            unavailable()
        }
    }

    #[async_trait]
    impl PreferenceStore for NotYetOnPostgres {
        async fn get(&self, _: &Holder) -> Result<Option<Preferences>, StoreError> {
            unavailable()
        }
        async fn put(&self, _: &Holder, _: Preferences) -> Result<(), StoreError> {
            unavailable()
        }
        async fn delete(&self, _: &Holder) -> Result<(), StoreError> {
            unavailable()
        }
    }
}
