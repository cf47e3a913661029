//! Unit tests of what a customer's own token may do to its authenticator, over the memory
//! adapters, a fixed clock and testkit's fast hasher and cipher.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::{CodeRefusal, FlowError, FlowLimits, SecondFactorPorts, SecondFactors};
use latchkey_core::{Clock as _, ExposeSecret as _, OrgId, SecretString, SecureRandom, Timestamp};
use latchkey_credential::{CredentialAttrs, CredentialError, CredentialService, SecurityTokens};
use latchkey_memory::{
    MemCredentialStore, MemNotifier, MemOtpStore, MemRateLimiter, MemSecurityTokenStore,
    MemTenantDirectory, MemTotpStore,
};
use latchkey_otp::{TotpSecret, code_at, step_of};
use latchkey_tenancy::{
    AccessDenied, OrgAccess, Principal, Scope, ScopeSet, SignIn, TenantName, TenantService,
};
use latchkey_testkit::fakes::{FastCipher, FastHasher};
use latchkey_testkit::{FixedClock, HeardRevocations, SeededRandom};
use std::sync::Arc;
use time::Duration;
use time::macros::datetime;

/// The start of a 30-second step.
const NOW: Timestamp = datetime!(2025-01-15 10:30:00 UTC);
const ANA: &str = "ana@example.com";

struct Fixture {
    factors: SecondFactors,
    clock: Arc<FixedClock>,
    ana: uuid::Uuid,
}

fn org() -> OrgId {
    OrgId::parse("yoigo").unwrap()
}

fn service() -> Principal {
    Principal {
        subject: "crm".to_owned(),
        scopes: [Scope::CredentialsWrite, Scope::Totp, Scope::TotpPasscode]
            .into_iter()
            .collect::<ScopeSet>(),
        orgs: OrgAccess::All,
        credential: None,
        sign_in: None,
    }
}

async fn fixture() -> Fixture {
    let clock = Arc::new(FixedClock::at(NOW));
    let random: Arc<dyn SecureRandom> = Arc::new(SeededRandom::new(5));
    let tenants = TenantService::new(Arc::new(MemTenantDirectory::default()), clock.clone());
    tenants
        .put_unchecked(org(), TenantName::parse("Yoigo").unwrap(), true)
        .await
        .unwrap();
    let security = SecurityTokens::new(
        Arc::new(MemSecurityTokenStore::default()),
        clock.clone(),
        random.clone(),
        Duration::hours(1),
    );
    let credentials = CredentialService::new(
        Arc::new(MemCredentialStore::default()),
        Arc::new(FastHasher::default()),
        tenants,
        security,
        clock.clone(),
        random.clone(),
        Arc::new(HeardRevocations::default()),
    );
    let factors = SecondFactors::new(
        credentials.clone(),
        SecondFactorPorts {
            codes: Arc::new(MemOtpStore::new(clock.clone())),
            totp: Arc::new(MemTotpStore::default()),
            cipher: Arc::new(FastCipher::new([7; 32])),
            notifier: Arc::new(MemNotifier::default()),
            limiter: Arc::new(MemRateLimiter::default()),
            limits: FlowLimits {
                per_credential: "100/1m".parse().unwrap(),
                per_tenant: "1000/1m".parse().unwrap(),
            },
            clock: clock.clone(),
            random,
        },
    );
    credentials
        .create(&service(), &org(), ANA, CredentialAttrs::default())
        .await
        .unwrap();
    let ana = credentials
        .patch(&service(), &org(), ANA, true, None)
        .await
        .unwrap()
        .id;
    Fixture {
        factors,
        clock,
        ana,
    }
}

/// The code of the otpauth URI's secret now.
fn code_of(uri: &SecretString, now: Timestamp) -> String {
    let encoded = uri
        .expose_secret()
        .split("secret=")
        .nth(1)
        .and_then(|rest| rest.split('&').next())
        .unwrap()
        .to_owned();
    let secret = TotpSecret::from_bytes(
        data_encoding::BASE32_NOPAD
            .decode(encoded.as_bytes())
            .unwrap(),
    )
    .unwrap();
    code_at(
        &secret,
        step_of(u64::try_from(now.unix_timestamp()).unwrap()),
    )
}

impl Fixture {
    /// Ana's own token, signed in `ago` seconds ago with `amr`.
    fn ana_token(&self, ago: i64, amr: &[&str]) -> Principal {
        Principal {
            subject: self.ana.to_string(),
            scopes: [Scope::Totp].into_iter().collect(),
            orgs: OrgAccess::Only([org()].into()),
            credential: Some(self.ana),
            sign_in: Some(SignIn {
                auth_time: self.clock.now().unix_timestamp() - ago,
                amr: amr.iter().map(|m| (*m).to_owned()).collect(),
                session: None,
            }),
        }
    }

    /// An active authenticator, enrolled by a service: its URI.
    async fn active(&self) -> SecretString {
        let uri = self
            .factors
            .enroll_totp(&service(), &org(), ANA)
            .await
            .unwrap();
        let code = code_of(&uri, self.clock.now());
        self.factors
            .check_totp(&service(), &org(), ANA, &code)
            .await
            .unwrap();
        self.clock.advance(Duration::seconds(30));
        uri
    }
}

fn refused<T: std::fmt::Debug>(result: Result<T, FlowError>) -> String {
    match result {
        Err(FlowError::Code(CodeRefusal::TotpNotPending)) => "not_pending".to_owned(),
        Err(FlowError::Code(CodeRefusal::TotpCodeRequired)) => "code_required".to_owned(),
        Err(FlowError::Code(CodeRefusal::TotpMismatch)) => "mismatch".to_owned(),
        Err(FlowError::Credential(CredentialError::Denied(
            AccessDenied::ReauthenticationRequired,
        ))) => "reauthenticate".to_owned(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_customer_token_never_reads_the_active_secret_a_service_token_does() {
    let f = fixture().await;
    let active = f.active().await;
    let fresh = f.ana_token(10, &["pwd"]);
    assert_eq!(
        refused(f.factors.totp_uri(&fresh, &org(), ANA).await),
        "not_pending"
    );
    let shown = f.factors.totp_uri(&service(), &org(), ANA).await.unwrap();
    assert_eq!(shown.expose_secret(), active.expose_secret());
}

#[tokio::test]
async fn a_stale_customer_token_changes_nothing() {
    let f = fixture().await;
    let stale = f.ana_token(301, &["pwd", "otp", "mfa"]);
    assert_eq!(
        refused(f.factors.enroll_totp(&stale, &org(), ANA).await),
        "reauthenticate"
    );
    let pending = f
        .factors
        .enroll_totp(&service(), &org(), ANA)
        .await
        .unwrap();
    assert_eq!(
        refused(f.factors.totp_uri(&stale, &org(), ANA).await),
        "reauthenticate",
        "not even a pending secret"
    );
    let code = code_of(&pending, f.clock.now());
    assert_eq!(
        refused(f.factors.check_totp(&stale, &org(), ANA, &code).await),
        "reauthenticate",
        "activating it replaces the authenticator"
    );
    let fresh = f.ana_token(10, &["pwd"]);
    f.factors
        .check_totp(&fresh, &org(), ANA, &code)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_stale_customer_token_still_checks_a_code_of_its_active_authenticator() {
    let f = fixture().await;
    let active = f.active().await;
    let stale = f.ana_token(3600, &["pwd"]);
    let code = code_of(&active, f.clock.now());
    f.factors
        .check_totp(&stale, &org(), ANA, &code)
        .await
        .unwrap();
}

#[tokio::test]
async fn replacing_an_active_authenticator_needs_a_code_from_it_or_a_second_factor_sign_in() {
    let f = fixture().await;
    let active = f.active().await;
    let password_only = f.ana_token(10, &["pwd"]);
    assert_eq!(
        refused(f.factors.enroll_totp(&password_only, &org(), ANA).await),
        "code_required"
    );
    assert_eq!(
        refused(
            f.factors
                .enroll_totp_replacing(&password_only, &org(), ANA, Some("000000"))
                .await
        ),
        "mismatch"
    );
    let code = code_of(&active, f.clock.now());
    let new = f
        .factors
        .enroll_totp_replacing(&password_only, &org(), ANA, Some(&code))
        .await
        .unwrap();
    assert_ne!(new.expose_secret(), active.expose_secret());
    let shown = f
        .factors
        .totp_uri(&password_only, &org(), ANA)
        .await
        .unwrap();
    assert_eq!(
        shown.expose_secret(),
        new.expose_secret(),
        "the pending one"
    );
    let with_factor = f.ana_token(10, &["pwd", "otp", "mfa"]);
    f.factors
        .enroll_totp(&with_factor, &org(), ANA)
        .await
        .unwrap();
}
