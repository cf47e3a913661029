//! A login server wired as `apps/server/src/state.rs` wires it, on the memory adapters, with a
//! clock that moves only when a test moves it (a wait is passed by `clock.advance`, never by
//! sleeping), seeded randomness, and the real argon2id hasher and JWS codec. The customers and
//! the steps a test drives through it are in `steps`.

use crate::{Backchannel, GrantPorts, Grants, LoginPorts, LoginService};
use async_trait::async_trait;
use latchkey_access::KeyService;
use latchkey_core::BoxError;
use latchkey_core::testing::{FixedClock, HeardRevocations, SeededRandom};
use latchkey_core::{OrgId, SecureRandom};
use latchkey_credential::{
    CredentialService, Password, PasswordHash, PasswordHasher, SecurityTokens,
};
use latchkey_crypto::{AesGcmCipher, Argon2Hasher, EcKeyGenerator, JwtCodec};
use latchkey_device::{DeviceService, DeviceStore};
use latchkey_flows::{FlowLimits, SecondFactorPorts, SecondFactors};
use latchkey_memory::{
    MemClientRegistry, MemCredentialStore, MemDeviceStore, MemEphemeralStore, MemNotifier,
    MemOtpStore, MemRateLimiter, MemRevokedTokens, MemSecurityTokenStore, MemSigningKeyStore,
    MemTenantDirectory, MemTotpStore,
};
use latchkey_oauth::{CibaService, CodeService};
use latchkey_tenancy::{
    ApiClient, ClientName, ClientService, Grant, IdTokenAlg, LoginSettings, NewClient, OrgAccess,
    Principal, RedirectUri, Scope, ScopeSet, TenantName, TenantService,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use time::Duration;

pub(super) const ORG: &str = "yoigo";
pub(super) const TENANT: &str = "Yoigo";
/// A customer with an e-mail username and an MSISDN: two contacts.
pub(super) const ANA: &str = "ana@example.com";
pub(super) const ANA_MSISDN: &str = "+34600111222";
/// Another customer of the same tenant.
pub(super) const BEA: &str = "bea@example.com";
/// Every customer's password.
pub(super) const PASSWORD: &str = "Pistachio-Lantern-42";
pub(super) const WRONG: &str = "Pistachio-Lantern-43";
pub(super) const REDIRECT: &str = "https://shop.example/callback";
pub(super) const STATE: &str = "af0ifjsldkj";
pub(super) const ISSUER: &str = "https://login.example";
const AUDIENCE: &str = "latchkey";
/// The client address every login comes from, unless a test says otherwise.
pub(super) const ADDRESS: &str = "198.51.100.7";
pub(super) const USER_AGENT: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) \
    AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";

/// What varies between fixtures.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Setup {
    /// The tenant's landing URL (`LATCHKEY_LANDING_URLS`).
    pub landing: Option<&'static str>,
    /// Device sessions in a store not tied to the credentials: disabling a credential then
    /// leaves its sessions behind (as a store written before that rule would), so the login's
    /// own check of the credential is what the test sees.
    pub loose_devices: bool,
    /// `LATCHKEY_FLOW_RATE_PER_CREDENTIAL`; by default more than any test reaches.
    pub flow_rate: Option<&'static str>,
}

/// The login server and the services around it, sharing one clock and one outbox.
pub(super) struct Fixture {
    pub login: LoginService,
    pub grants: Grants,
    pub backchannel: Backchannel,
    pub credentials: CredentialService,
    pub factors: SecondFactors,
    pub tenants: TenantService,
    pub devices: DeviceService,
    /// The argon2id hasher the credentials use, counting its verifications.
    pub hasher: Arc<CountingHasher>,
    pub clock: Arc<FixedClock>,
    /// Every message sent (codes, new-device notices, CIBA requests).
    pub outbox: Arc<MemNotifier>,
    /// A confidential client of the tenant with the code and refresh grants.
    pub shop: ApiClient,
    /// A confidential client of the tenant with the CIBA and refresh grants.
    pub desk: ApiClient,
}

pub(super) fn org() -> OrgId {
    OrgId::parse(ORG).unwrap()
}

/// An operator of every org: creates customers, enrolls TOTP, reads passcodes.
pub(super) fn admin() -> Principal {
    Principal {
        subject: "crm".to_owned(),
        scopes: [
            Scope::CredentialsRead,
            Scope::CredentialsWrite,
            Scope::CredentialsAdmin,
            Scope::Tokens,
            Scope::Otp,
            Scope::Totp,
            Scope::TotpPasscode,
            Scope::Devices,
            Scope::ClientsAdmin,
        ]
        .into_iter()
        .collect(),
        orgs: OrgAccess::All,
        credential: None,
        sign_in: None,
    }
}

/// The real argon2id hasher, counting the verifications it makes.
#[derive(Debug)]
pub(super) struct CountingHasher {
    inner: Argon2Hasher,
    verifications: AtomicUsize,
}

impl CountingHasher {
    /// How many passwords were verified so far.
    pub fn verifications(&self) -> usize {
        self.verifications.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl PasswordHasher for CountingHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, BoxError> {
        self.inner.hash(password).await
    }

    async fn verify(&self, password: &Password, hash: &PasswordHash) -> Result<bool, BoxError> {
        self.verifications.fetch_add(1, Ordering::SeqCst);
        self.inner.verify(password, hash).await
    }
}

/// What every service of a fixture shares.
struct Shared {
    clock: Arc<FixedClock>,
    random: Arc<dyn SecureRandom>,
    heard: Arc<HeardRevocations>,
    outbox: Arc<MemNotifier>,
    /// Logins in progress, codes, CIBA requests, failure counts.
    store: Arc<MemEphemeralStore>,
}

impl Fixture {
    pub async fn new() -> Self {
        Self::with(Setup::default()).await
    }

    pub async fn with(setup: Setup) -> Self {
        let clock = Arc::new(FixedClock::default());
        let shared = Shared {
            random: Arc::new(SeededRandom::new(7)),
            heard: Arc::new(HeardRevocations::default()),
            outbox: Arc::new(MemNotifier::default()),
            store: Arc::new(MemEphemeralStore::new(clock.clone())),
            clock,
        };
        let (tenants, clients) = tenancy(&shared).await;
        let credential_store = Arc::new(MemCredentialStore::default());
        let hasher = Arc::new(CountingHasher {
            inner: Argon2Hasher::new(1, shared.random.clone()).unwrap(),
            verifications: AtomicUsize::new(0),
        });
        let credentials =
            credential_service(&shared, credential_store.clone(), hasher.clone(), &tenants);
        let factors = second_factors(&shared, setup, &credentials);
        let devices = device_service(&shared, setup, credential_store);
        let grants = grants(&shared, &credentials, &devices).await;
        let ciba = CibaService::new(
            shared.store.clone(),
            shared.clock.clone(),
            shared.random.clone(),
        );
        let backchannel = Backchannel::new(
            credentials.clone(),
            ciba.clone(),
            grants.clone(),
            shared.outbox.clone(),
            ISSUER.to_owned(),
        );
        let login = LoginService::new(
            credentials.clone(),
            clients.clone(),
            factors.clone(),
            grants.clone(),
            login_ports(&shared, setup, ciba),
        );
        let code_grants = [Grant::AuthorizationCode, Grant::RefreshToken];
        Self {
            shop: register(&clients, "web shop", &code_grants).await,
            desk: register(
                &clients,
                "call-centre desk",
                &[Grant::Ciba, Grant::RefreshToken],
            )
            .await,
            login,
            grants,
            backchannel,
            credentials,
            factors,
            tenants,
            devices,
            hasher,
            clock: shared.clock,
            outbox: shared.outbox,
        }
    }
}

/// The tenant [`ORG`], enabled, and the client registry.
async fn tenancy(shared: &Shared) -> (TenantService, ClientService) {
    let directory = Arc::new(MemTenantDirectory::default());
    let tenants = TenantService::new(directory.clone(), shared.clock.clone());
    tenants
        .put_unchecked(org(), TenantName::parse(TENANT).unwrap(), true)
        .await
        .unwrap();
    let clients = ClientService::new(
        Arc::new(MemClientRegistry::default()),
        directory,
        shared.clock.clone(),
        shared.random.clone(),
        shared.heard.clone(),
    );
    (tenants, clients)
}

fn credential_service(
    shared: &Shared,
    store: Arc<MemCredentialStore>,
    hasher: Arc<CountingHasher>,
    tenants: &TenantService,
) -> CredentialService {
    let security = SecurityTokens::new(
        Arc::new(MemSecurityTokenStore::default()),
        shared.clock.clone(),
        shared.random.clone(),
        Duration::hours(1),
    );
    CredentialService::new(
        store,
        hasher,
        tenants.clone(),
        security,
        shared.clock.clone(),
        shared.random.clone(),
        shared.heard.clone(),
    )
}

/// One-time codes and TOTP.
fn second_factors(shared: &Shared, setup: Setup, credentials: &CredentialService) -> SecondFactors {
    SecondFactors::new(
        credentials.clone(),
        SecondFactorPorts {
            codes: Arc::new(MemOtpStore::new(shared.clock.clone())),
            totp: Arc::new(MemTotpStore::default()),
            cipher: Arc::new(AesGcmCipher::from_bytes(&[7; 32]).unwrap()),
            notifier: shared.outbox.clone(),
            limiter: Arc::new(MemRateLimiter::default()),
            limits: FlowLimits {
                per_credential: setup.flow_rate.unwrap_or("1000/1m").parse().unwrap(),
                per_tenant: "10000/1m".parse().unwrap(),
            },
            clock: shared.clock.clone(),
            random: shared.random.clone(),
        },
    )
}

/// Device sessions, tied to the credentials as the tables of one schema are, unless `setup`
/// says otherwise.
fn device_service(
    shared: &Shared,
    setup: Setup,
    credentials: Arc<MemCredentialStore>,
) -> DeviceService {
    let store: Arc<dyn DeviceStore> = if setup.loose_devices {
        Arc::new(MemDeviceStore::default())
    } else {
        Arc::new(MemDeviceStore::with_credentials(credentials))
    };
    DeviceService::new(
        store,
        shared.clock.clone(),
        shared.random.clone(),
        Duration::days(30),
    )
}

fn login_ports(shared: &Shared, setup: Setup, ciba: CibaService) -> LoginPorts {
    LoginPorts {
        store: shared.store.clone(),
        ciba,
        notifier: shared.outbox.clone(),
        clock: shared.clock.clone(),
        random: shared.random.clone(),
        landing_urls: setup
            .landing
            .map(|url| (org(), url.to_owned()))
            .into_iter()
            .collect(),
    }
}

/// The grants, signing with a key ring made at start as the server makes it.
async fn grants(
    shared: &Shared,
    credentials: &CredentialService,
    devices: &DeviceService,
) -> Grants {
    let codec = Arc::new(JwtCodec::new(ISSUER.to_owned(), AUDIENCE.to_owned()));
    KeyService::new(
        Arc::new(MemSigningKeyStore::default()),
        Arc::new(EcKeyGenerator),
        codec.clone(),
        shared.clock.clone(),
        shared.random.clone(),
        shared.heard.clone(),
    )
    .ensure_key()
    .await
    .unwrap();
    Grants::new(
        credentials.clone(),
        GrantPorts {
            codes: CodeService::new(shared.store.clone(), shared.random.clone()),
            devices: devices.clone(),
            access: codec.clone(),
            id_tokens: codec,
            revoked: Arc::new(MemRevokedTokens::default()),
            revocations: shared.heard.clone(),
            clock: shared.clock.clone(),
            random: shared.random.clone(),
            issuer: ISSUER.to_owned(),
            audience: AUDIENCE.to_owned(),
            access_ttl: Duration::minutes(15),
            id_token_ttl: Duration::minutes(15),
        },
    )
}

/// Registers a confidential client of the tenant with `grants`.
async fn register(clients: &ClientService, name: &str, grants: &[Grant]) -> ApiClient {
    let redirects = grants.contains(&Grant::AuthorizationCode);
    let new = NewClient {
        name: ClientName::parse(name).unwrap(),
        scopes: ScopeSet::CUSTOMER,
        orgs: OrgAccess::Only([org()].into()),
        grants: grants.iter().copied().collect(),
        login: LoginSettings {
            public: false,
            redirect_uris: if redirects {
                vec![RedirectUri::parse(REDIRECT).unwrap()]
            } else {
                Vec::new()
            },
            id_token_alg: IdTokenAlg::Rs256,
            post_logout_redirect_uris: Vec::new(),
        },
    };
    clients.create(&admin(), new).await.unwrap().0
}
