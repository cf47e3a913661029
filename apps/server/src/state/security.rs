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
use latchkey_subscriber::{
    AvatarStore, PreferenceStore, SubscriberPorts, SubscriberProfileStore, SubscriberService,
};
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
    /// Subscribers: the tenants' credentials with their profiles (`/subusers`, `/subuser/{id}`).
    pub subscribers: SubscriberService,
    /// The org subscriber calls address when nothing else names one (`security::tenant`).
    pub subscriber_org: Option<latchkey_core::OrgId>,
    /// Self-registration (`/signup` and its e-mailed link).
    pub signups: latchkey_subscriber::Signups,
    /// Test messages, and the proof of mobile numbers (`/email`, `/sms`).
    pub messages: latchkey_messages::MessageService,
    /// Authenticator apps of operators (`/totp`) and subscribers (`/subtotp`): the one TOTP
    /// implementation, on the Credentials API's enrollments for subscribers.
    pub authenticators: latchkey_otp::Authenticators,
    /// The codes that prove a subscriber's second-factor channel (`/submfa`).
    pub mfa_codes: latchkey_subscriber::MfaCodes,
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
    /// Operators' authenticator enrollments.
    pub totp: Arc<dyn latchkey_otp::OperatorTotpStore>,
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
    /// The Credentials API's use cases: subscribers are its credentials.
    pub credentials: latchkey_credential::CredentialService,
    /// Device sessions, ended when a subscriber is suspended or deleted.
    pub devices: latchkey_device::DeviceService,
    /// Rate limits (self-registrations per address and per client).
    pub rate_limits: Arc<dyn latchkey_core::RateLimiter>,
    /// The tenants (their display names in messages).
    pub tenants: latchkey_tenancy::TenantService,
    /// The tenants' TOTP enrollments (subscribers' authenticators are their credentials').
    pub totp_secrets: Arc<dyn latchkey_otp::TotpStore>,
    /// Seals TOTP secrets at rest: the Credentials API's cipher.
    pub cipher: Arc<dyn latchkey_otp::SecretCipher>,
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
        let subscribers = SubscriberService::new(SubscriberPorts {
            credentials: shared.credentials,
            devices: shared.devices,
            profiles: stores.profiles.clone(),
            avatars: stores.avatars.clone(),
            preferences: stores.preferences.clone(),
            clock: shared.clock.clone(),
        });
        let signups = latchkey_subscriber::Signups::new(
            subscribers.clone(),
            latchkey_subscriber::SignupPorts {
                notifier: shared.notifier.clone(),
                limiter: shared.rate_limits.clone(),
                tenants: shared.tenants,
                random: ports.random.clone(),
                rates: latchkey_subscriber::SignupRates {
                    per_address: config.security.signup_rate_per_address,
                    per_client: config.security.signup_rate_per_client,
                },
                link_base: crate::security::signup_page::link_base(&shared.public_url),
                // A malformed list stops the start (`crate::start`) before any request.
                listener: crate::security::signup_listener::ProvisioningListener::from_services(
                    &crate::security::services::SystemServices::from_config(config)
                        .unwrap_or_default(),
                    &shared.public_url,
                ),
            },
        );
        let api_keys = ApiKeyService::new(ports.clone());
        let messages = latchkey_messages::MessageService::new(
            latchkey_messages::MessagePorts {
                notifier: shared.notifier.clone(),
                codes: shared.codes.clone(),
                limiter: shared.rate_limits.clone(),
                operators: directory.clone(),
                clock: ports.clock.clone(),
                random: ports.random.clone(),
            },
            latchkey_login::operator::OPERATOR_BRAND,
        );
        let authenticators = latchkey_otp::Authenticators::new(latchkey_otp::AuthenticatorPorts {
            credentials: shared.totp_secrets,
            cipher: shared.cipher,
            steps: shared.codes.clone(),
            clock: ports.clock.clone(),
            random: ports.random.clone(),
        })
        .with_operators(stores.totp.clone())
        .with_setup_limit(shared.rate_limits.clone());
        let mfa_codes = latchkey_subscriber::MfaCodes {
            codes: shared.codes.clone(),
            notifier: shared.notifier.clone(),
            random: ports.random.clone(),
        };
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
        .with_key_reload(shared.keys)
        .with_authenticators(authenticators.clone());
        Self {
            directory,
            api_keys,
            sign_in,
            idle_timeout,
            profiles: stores.profiles.clone(),
            avatars: stores.avatars.clone(),
            preferences: stores.preferences.clone(),
            subscribers,
            subscriber_org: config.security.subscriber_org.clone(),
            signups,
            messages,
            authenticators,
            mfa_codes,
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
            totp: Arc::new(latchkey_memory::MemOperatorTotpStore::default()),
        }
    }

    /// On PostgreSQL, shared by every instance: operators and their avatars and preferences in
    /// `public`, subscribers' in their tenant's schema.
    pub fn postgres(db: &latchkey_postgres::PgDatabase) -> Self {
        let store = db.operators();
        Self {
            operators: Arc::new(store.clone()),
            api_keys: Arc::new(store.clone()),
            sessions: Arc::new(store),
            profiles: Arc::new(latchkey_postgres::PgSubscriberProfiles::new(db.clone())),
            avatars: Arc::new(latchkey_postgres::PgAvatars::new(db.clone())),
            preferences: Arc::new(latchkey_postgres::PgPreferences::new(db.clone())),
            totp: Arc::new(db.operator_totp_secrets()),
        }
    }
}
