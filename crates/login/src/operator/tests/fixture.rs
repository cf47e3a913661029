//! The operators' sign-in wired as the server wires it, on the memory adapters: a clock that
//! moves only when a test moves it, seeded randomness, the real argon2id hasher and JWS codec,
//! and one instance's token cache listening to the revocations. The store of operators and the
//! revoked tokens count their reads, so a test can tell what a validation costs.

use crate::guessing::SlowGuessing;
use crate::operator::{
    OperatorSignIn, OperatorSignInPorts, OperatorSignInSettings, SignInError, SignedIn, WebToken,
};
use async_trait::async_trait;
use latchkey_access::{AccessClaims, KeyService, RevokedTokens, TokenCache};
use latchkey_core::testing::{FixedClock, HeardRevocations, SeededRandom};
use latchkey_core::{ExposeSecret as _, OrgId, StoreError, Timestamp};
use latchkey_credential::Password;
use latchkey_crypto::{Argon2Hasher, EcKeyGenerator, JwtCodec};
use latchkey_memory::{
    MemEphemeralStore, MemNotifier, MemOperators, MemOtpStore, MemRevocations, MemRevokedTokens,
    MemSigningKeyStore,
};
use latchkey_notify::{Message, Notifier};
use latchkey_operator::{
    Operator, OperatorEmail, OperatorPorts, OperatorQuery, OperatorService, OperatorStore, Role,
    Write,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use uuid::Uuid;

pub(super) const ANA: &str = "ana@example.com";
pub(super) const PASSWORD: &str = "Pistachio-Lantern-42";
pub(super) const WRONG: &str = "Pistachio-Lantern-43";
pub(super) const NEW_PASSWORD: &str = "Marmalade-Compass-77";
pub(super) const ADDRESS: &str = "198.51.100.7";
pub(super) const ISSUER: &str = "https://latchkey.example";
pub(super) const AUDIENCE: &str = "latchkey";
pub(super) const PUBLIC_URL: &str = "https://security.example:16001/";

/// The operators' store, counting its reads of one operator.
#[derive(Debug, Default)]
pub(super) struct CountingOperators {
    pub inner: MemOperators,
    pub gets: AtomicUsize,
}

#[async_trait]
impl OperatorStore for CountingOperators {
    async fn insert(&self, operator: &Operator) -> Result<Write, StoreError> {
        self.inner.insert(operator).await
    }
    async fn get(&self, id: Uuid) -> Result<Option<Operator>, StoreError> {
        self.gets.fetch_add(1, Ordering::SeqCst);
        OperatorStore::get(&self.inner, id).await
    }
    async fn by_email(&self, email: &OperatorEmail) -> Result<Option<Operator>, StoreError> {
        self.inner.by_email(email).await
    }
    async fn update(&self, operator: &Operator) -> Result<Write, StoreError> {
        self.inner.update(operator).await
    }
    async fn record_login(&self, id: Uuid, at: Timestamp) -> Result<bool, StoreError> {
        self.inner.record_login(id, at).await
    }
    async fn delete(&self, id: Uuid) -> Result<Write, StoreError> {
        OperatorStore::delete(&self.inner, id).await
    }
    async fn list(&self, query: &OperatorQuery) -> Result<Vec<Operator>, StoreError> {
        OperatorStore::list(&self.inner, query).await
    }
    async fn count(&self, query: &OperatorQuery) -> Result<u64, StoreError> {
        self.inner.count(query).await
    }
}

/// Revoked tokens, counting the checks.
#[derive(Debug, Default)]
pub(super) struct CountingRevoked {
    pub inner: Arc<MemRevokedTokens>,
    pub checks: AtomicUsize,
}

#[async_trait]
impl RevokedTokens for CountingRevoked {
    async fn revoke(&self, jti: Uuid, expires_at: Timestamp) -> Result<(), StoreError> {
        self.inner.revoke(jti, expires_at).await
    }
    async fn revoke_all(
        &self,
        whose: &latchkey_access::TokensOf,
        at: Timestamp,
        until: Timestamp,
    ) -> Result<(), StoreError> {
        self.inner.revoke_all(whose, at, until).await
    }
    async fn is_revoked(&self, claims: &AccessClaims, now: Timestamp) -> Result<bool, StoreError> {
        self.checks.fetch_add(1, Ordering::SeqCst);
        self.inner.is_revoked(claims, now).await
    }
}

pub(super) struct Fixture {
    pub sign_in: OperatorSignIn,
    /// Another server instance on the same stores, with its own caches.
    pub other: OperatorSignIn,
    /// What `sign_in` is made of, for a test that makes another one.
    pub ports: OperatorSignInPorts,
    pub settings: OperatorSignInSettings,
    pub key_store: Arc<MemSigningKeyStore>,
    pub operators: OperatorService,
    pub store: Arc<CountingOperators>,
    pub revoked: Arc<CountingRevoked>,
    pub codec: Arc<JwtCodec>,
    pub clock: Arc<FixedClock>,
    pub outbox: Arc<MemNotifier>,
}

impl Fixture {
    pub async fn new() -> Self {
        Self::with_notifier(None).await
    }

    /// Messages go to `notifier` when given, else to [`Fixture::outbox`].
    pub async fn with_notifier(notifier: Option<Arc<dyn Notifier>>) -> Self {
        let clock = Arc::new(FixedClock::default());
        let random = Arc::new(SeededRandom::new(17));
        let store = Arc::new(CountingOperators::default());
        let revoked = Arc::new(CountingRevoked::default());
        let cache = Arc::new(TokenCache::default());
        let other_cache = Arc::new(TokenCache::default());
        let revocations = Arc::new(
            MemRevocations::new(revoked.inner.clone(), clock.clone())
                .with_listener(cache.clone())
                .with_listener(other_cache.clone()),
        );
        let codec = Arc::new(JwtCodec::new(ISSUER.to_owned(), AUDIENCE.to_owned()));
        let key_store = Arc::new(MemSigningKeyStore::default());
        KeyService::new(
            key_store.clone(),
            Arc::new(EcKeyGenerator),
            codec.clone(),
            clock.clone(),
            random.clone(),
            Arc::new(HeardRevocations::default()),
        )
        .ensure_key()
        .await
        .unwrap();
        let directory = OperatorPorts {
            operators: store.clone(),
            sessions: Arc::new(store.inner.clone()),
            api_keys: Arc::new(store.inner.clone()),
            hasher: Arc::new(Argon2Hasher::new(2, random.clone()).unwrap()),
            revocations,
            clock: clock.clone(),
            random,
        };
        let operators = OperatorService::new(directory.clone());
        let ephemeral = Arc::new(MemEphemeralStore::new(clock.clone()));
        let outbox = Arc::new(MemNotifier::default());
        let settings = OperatorSignInSettings::new(
            PUBLIC_URL.to_owned(),
            ISSUER.to_owned(),
            AUDIENCE.to_owned(),
        );
        let ports = OperatorSignInPorts {
            operators: operators.clone(),
            directory,
            ephemeral: ephemeral.clone(),
            guessing: SlowGuessing::new(ephemeral, clock.clone()),
            codes: Arc::new(MemOtpStore::new(clock.clone())),
            notifier: notifier.unwrap_or_else(|| outbox.clone()),
            codec: codec.clone(),
            revoked: revoked.clone(),
            cache,
        };
        let other = OperatorSignIn::new(
            OperatorSignInPorts {
                cache: other_cache,
                ..ports.clone()
            },
            settings.clone(),
        );
        Self {
            sign_in: OperatorSignIn::new(ports.clone(), settings.clone()),
            other,
            ports,
            settings,
            key_store,
            operators,
            store,
            revoked,
            codec,
            clock,
            outbox,
        }
    }

    /// An operator with [`PASSWORD`], changed by `edit` before it is stored back.
    pub async fn operator(&self, email: &str, edit: impl FnOnce(&mut Operator)) -> Operator {
        let mut operator = self
            .operators
            .bootstrap(
                OperatorEmail::parse(email).unwrap(),
                &Password::new(PASSWORD),
                Role::Admin,
                Some(OrgId::parse("yoigo").unwrap()),
                false,
                "test",
            )
            .await
            .unwrap();
        edit(&mut operator);
        assert_eq!(
            self.store.inner.update(&operator).await.unwrap(),
            Write::Done
        );
        operator
    }

    /// Ana, an admin of `yoigo` without a second factor.
    pub async fn ana(&self) -> Operator {
        self.operator(ANA, |_| {}).await
    }

    pub async fn attempt(&self, user: &str, password: &str) -> Result<SignedIn, SignInError> {
        self.sign_in
            .sign_in(user, &Password::new(password), None, ADDRESS)
            .await
    }

    /// A sign-in that must end with tokens.
    pub async fn tokens(&self, user: &str, password: &str) -> WebToken {
        match self.attempt(user, password).await {
            Ok(SignedIn::Tokens(tokens)) => tokens,
            other => panic!("expected tokens, got {other:?}"),
        }
    }

    /// The messages sent so far.
    pub fn sent(&self) -> Vec<Message> {
        self.outbox.sent().into_iter().map(|(m, _)| m).collect()
    }

    /// The last message's parameter `name`.
    pub fn last_param(&self, name: &str) -> String {
        self.sent().last().unwrap().params[name].clone()
    }

    /// What the store holds of `id` now.
    pub async fn reload(&self, id: Uuid) -> Operator {
        OperatorStore::get(&self.store.inner, id)
            .await
            .unwrap()
            .unwrap()
    }
}

pub(super) fn access(tokens: &WebToken) -> &str {
    tokens.access_token.expose_secret()
}

pub(super) fn refresh(tokens: &WebToken) -> &str {
    tokens.refresh_token.expose_secret()
}
