//! A credential service over fresh memory stores (behind the recorders), with the tenants
//! `masmovil`, `yoigo` and `llamaya` enabled and `pepephone` disabled.

use crate::recorders::{IssuedTokens, WrittenCredentials};
use latchkey_core::testing::{FixedClock, HeardRevocations, SeededRandom, T0};
use latchkey_core::{OrgId, SecureRandom};
use latchkey_credential::{
    Credential, CredentialAttrs, CredentialError, CredentialService, Password, SecurityTokens,
};
use latchkey_memory::MemTenantDirectory;
use latchkey_tenancy::{
    OrgAccess, Principal, Scope, ScopeSet, Tenant, TenantDirectory, TenantName, TenantService,
};
use latchkey_testkit::fakes::FastHasher;
use std::sync::Arc;
use time::Duration;

pub const GOOD_PASSWORD: &str = "correct horse battery staple";

/// The seed of the hasher's salts: a hasher seeded alike makes the same hashes in the same order.
pub const HASHER_SEED: u64 = 11;

pub struct Fixture {
    pub credentials: Arc<WrittenCredentials>,
    pub tokens: Arc<IssuedTokens>,
    pub clock: Arc<FixedClock>,
    pub security: SecurityTokens,
    pub service: CredentialService,
    /// What the service announced (credentials that can no longer sign in).
    pub revocations: Arc<HeardRevocations>,
}

pub async fn fixture() -> Fixture {
    let directory = Arc::new(MemTenantDirectory::default());
    for (id, enabled) in [
        ("masmovil", true),
        ("yoigo", true),
        ("llamaya", true),
        ("pepephone", false),
    ] {
        let tenant = Tenant {
            id: org(id),
            name: TenantName::parse(id).unwrap(),
            enabled,
            created_at: T0,
            updated_at: T0,
        };
        directory.put(tenant).await.unwrap();
    }
    let clock = Arc::new(FixedClock::at(T0));
    let random: Arc<dyn SecureRandom> = Arc::new(SeededRandom::new(7));
    let credentials = Arc::new(WrittenCredentials::default());
    let tokens = Arc::new(IssuedTokens::default());
    let revocations = Arc::new(HeardRevocations::default());
    let security = SecurityTokens::new(
        tokens.clone(),
        clock.clone(),
        random.clone(),
        Duration::hours(1),
    );
    let service = CredentialService::new(
        credentials.clone(),
        Arc::new(hasher()),
        TenantService::new(directory, clock.clone()),
        security.clone(),
        clock.clone(),
        random,
        revocations.clone(),
    );
    Fixture {
        credentials,
        tokens,
        clock,
        security,
        service,
        revocations,
    }
}

/// A hasher like the service's, whose salts start where the service's did.
pub fn hasher() -> FastHasher {
    FastHasher::new(Arc::new(SeededRandom::new(HASHER_SEED)))
}

pub fn org(raw: &str) -> OrgId {
    OrgId::parse(raw).unwrap()
}

/// Every credentials scope and `tokens`, on the listed orgs (`["*"]` for all).
pub fn caller(orgs: &[&str]) -> Principal {
    let scopes: ScopeSet = [
        Scope::CredentialsRead,
        Scope::CredentialsWrite,
        Scope::CredentialsAdmin,
        Scope::Tokens,
    ]
    .into_iter()
    .collect();
    Principal {
        subject: "crm".to_owned(),
        scopes,
        orgs: OrgAccess::parse(orgs).unwrap(),
        credential: None,
        sign_in: None,
    }
}

impl Fixture {
    /// Creates `username` in `masmovil`; returns its set-password token.
    pub async fn create(&self, username: &str) -> String {
        let issued = self
            .service
            .create(
                &caller(&["*"]),
                &org("masmovil"),
                username,
                CredentialAttrs::default(),
            )
            .await
            .unwrap();
        issued.expose().to_owned()
    }

    pub async fn set_password(
        &self,
        username: &str,
        token: &str,
        password: &str,
    ) -> Result<(), CredentialError> {
        self.service
            .set_password(
                &caller(&["*"]),
                &org("masmovil"),
                username,
                token,
                &Password::new(password),
            )
            .await
    }

    /// The live credential of `username` in `masmovil`.
    pub fn live(&self, username: &str) -> Option<Credential> {
        let rows = self.credentials.rows(&org("masmovil"), username);
        rows.into_iter().find(Credential::is_live)
    }
}
