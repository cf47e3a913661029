//! Unit tests of the second factors over the memory adapters, a fixed clock, seeded randomness,
//! and testkit's fast password hasher and cipher (each runs its port's contract suite).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use latchkey_core::{ExposeSecret as _, Timestamp};
use latchkey_credential::CredentialAttrs;
use latchkey_credential::SecurityTokens;
use latchkey_memory::{
    MemCredentialStore, MemNotifier, MemOtpStore, MemRateLimiter, MemSecurityTokenStore,
    MemTenantDirectory, MemTotpStore,
};
use latchkey_notify::{Channel, TemplateId};
use latchkey_otp::{TotpEnrollment, TotpSecret};
use latchkey_tenancy::{OrgAccess, ScopeSet, TenantName, TenantService};
use latchkey_testkit::fakes::{FastCipher, FastHasher};
use latchkey_testkit::faults::DownNotifier;
use latchkey_testkit::{FixedClock, SeededRandom};
use time::macros::datetime;

/// 2025-01-15 10:30:00 UTC: the start of a 30-second step.
const NOW: Timestamp = datetime!(2025-01-15 10:30:00 UTC);

struct Fixture {
    factors: SecondFactors,
    credentials: CredentialService,
    outbox: Arc<MemNotifier>,
    totp: Arc<MemTotpStore>,
    clock: Arc<FixedClock>,
}

fn org() -> OrgId {
    OrgId::parse("yoigo").unwrap()
}

fn admin() -> Principal {
    Principal {
        subject: "crm".to_owned(),
        scopes: [
            Scope::CredentialsWrite,
            Scope::CredentialsRead,
            Scope::Otp,
            Scope::Totp,
            Scope::TotpPasscode,
        ]
        .into_iter()
        .collect::<ScopeSet>(),
        orgs: OrgAccess::parse(&["*"]).unwrap(),
        credential: None,
        sign_in: None,
    }
}

async fn fixture_with(notifier: Option<Arc<dyn Notifier>>) -> Fixture {
    let clock = Arc::new(FixedClock::at(NOW));
    let random: Arc<dyn SecureRandom> = Arc::new(SeededRandom::new(3));
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
        tenants.clone(),
        security,
        clock.clone(),
        random.clone(),
        Arc::new(latchkey_testkit::HeardRevocations::default()),
    );
    let outbox = Arc::new(MemNotifier::default());
    let totp = Arc::new(MemTotpStore::default());
    let factors = SecondFactors::new(
        credentials.clone(),
        SecondFactorPorts {
            codes: Arc::new(MemOtpStore::new(clock.clone())),
            totp: totp.clone(),
            cipher: Arc::new(FastCipher::new([7; 32])),
            notifier: notifier.unwrap_or_else(|| outbox.clone()),
            limiter: Arc::new(MemRateLimiter::default()),
            limits: FlowLimits {
                per_credential: "100/1m".parse().unwrap(),
                per_tenant: "1000/1m".parse().unwrap(),
            },
            clock: clock.clone(),
            random,
        },
    );
    let f = Fixture {
        factors,
        credentials,
        outbox,
        totp,
        clock,
    };
    let attrs = CredentialAttrs::parse(None, None, Some("+34600111222")).unwrap();
    f.credentials
        .create(&admin(), &org(), "ana@example.com", attrs)
        .await
        .unwrap();
    f.credentials
        .patch(&admin(), &org(), "ana@example.com", true, None)
        .await
        .unwrap();
    f
}

impl Fixture {
    async fn secret(&self) -> TotpSecret {
        let uri = self
            .factors
            .totp_uri(&admin(), &org(), "ana@example.com")
            .await
            .unwrap();
        let uri = uri.expose_secret();
        let encoded = uri
            .split("secret=")
            .nth(1)
            .unwrap()
            .split('&')
            .next()
            .unwrap();
        TotpSecret::from_bytes(
            data_encoding::BASE32_NOPAD
                .decode(encoded.as_bytes())
                .unwrap(),
        )
        .unwrap()
    }

    fn step(&self) -> u64 {
        step_of(u64::try_from(self.clock.now().unix_timestamp()).unwrap())
    }

    async fn check_totp(&self, code: &str) -> Result<(), FlowError> {
        self.factors
            .check_totp(&admin(), &org(), "ana@example.com", code)
            .await
    }

    async fn send(&self, hint: Option<&str>) -> Result<Duration, FlowError> {
        self.factors
            .send_otp(&admin(), &org(), "ana@example.com", Some("en"), hint)
            .await
    }

    async fn check_otp(&self, code: &str) -> Result<(), FlowError> {
        self.factors
            .check_otp(&admin(), &org(), "ana@example.com", code)
            .await
    }

    fn last_code(&self) -> String {
        self.outbox.sent().pop().unwrap().0.params["code"].clone()
    }
}

fn refusal(result: Result<(), FlowError>) -> CodeRefusal {
    match result {
        Err(FlowError::Code(refusal)) => refusal,
        other => panic!("expected a refused code, got {other:?}"),
    }
}

#[tokio::test]
async fn the_first_valid_code_activates_a_pending_enrollment() {
    let f = fixture_with(None).await;
    assert_eq!(
        refusal(f.check_totp("123456").await),
        CodeRefusal::TotpNotEnrolled
    );
    let uri = f
        .factors
        .enroll_totp(&admin(), &org(), "ana@example.com")
        .await
        .unwrap();
    assert!(
        uri.expose_secret()
            .starts_with("otpauth://totp/Yoigo:ana@example.com?secret=")
    );
    let secret = f.secret().await;
    let id = f
        .credentials
        .get(&admin(), &org(), "ana@example.com")
        .await
        .unwrap()
        .id;
    let pending: TotpEnrollment = f.totp.get(&org(), id).await.unwrap().unwrap();
    assert!(pending.active.is_none() && pending.pending.is_some());

    f.check_totp(&code_at(&secret, f.step())).await.unwrap();
    let active = f.totp.get(&org(), id).await.unwrap().unwrap();
    assert_eq!(active.active.unwrap().at, NOW);
    assert!(active.pending.is_none());
}

#[tokio::test]
async fn enrolling_again_keeps_the_old_app_working_until_the_new_one_proves_itself() {
    let f = fixture_with(None).await;
    f.factors
        .enroll_totp(&admin(), &org(), "ana@example.com")
        .await
        .unwrap();
    let old = f.secret().await;
    f.check_totp(&code_at(&old, f.step())).await.unwrap();

    f.factors
        .enroll_totp(&admin(), &org(), "ana@example.com")
        .await
        .unwrap();
    let new = f.secret().await;
    assert_ne!(new.expose(), old.expose(), "GET shows the pending secret");
    f.clock.advance(Duration::seconds(30));
    f.check_totp(&code_at(&old, f.step()))
        .await
        .expect("the old app still works while the new secret is pending");
    // The new app's first code may use the step the old app just used: each secret has its own.
    f.check_totp(&code_at(&new, f.step())).await.unwrap();
    f.clock.advance(Duration::seconds(30));
    assert_eq!(
        refusal(f.check_totp(&code_at(&old, f.step())).await),
        CodeRefusal::TotpMismatch,
        "once the new secret is active, the old one is gone"
    );
    f.check_totp(&code_at(&new, f.step())).await.unwrap();
}

#[tokio::test]
async fn steps_are_accepted_once_and_only_forward_within_one_step_of_now() {
    let f = fixture_with(None).await;
    f.factors
        .enroll_totp(&admin(), &org(), "ana@example.com")
        .await
        .unwrap();
    let secret = f.secret().await;
    let now = f.step();
    f.check_totp(&code_at(&secret, now)).await.unwrap();
    assert_eq!(
        refusal(f.check_totp(&code_at(&secret, now)).await),
        CodeRefusal::TotpReplayed
    );
    assert_eq!(
        refusal(f.check_totp(&code_at(&secret, now - 1)).await),
        CodeRefusal::TotpReplayed,
        "an older step after a newer one"
    );
    f.check_totp(&code_at(&secret, now + 1)).await.unwrap();
    assert_eq!(
        refusal(f.check_totp(&code_at(&secret, now + 2)).await),
        CodeRefusal::TotpMismatch,
        "two steps ahead"
    );
    assert!(matches!(
        f.check_totp("12345").await,
        Err(FlowError::MalformedCode)
    ));
}

#[tokio::test]
async fn the_passcode_is_the_current_code_and_its_seconds_left() {
    let f = fixture_with(None).await;
    f.factors
        .enroll_totp(&admin(), &org(), "ana@example.com")
        .await
        .unwrap();
    let secret = f.secret().await;
    f.clock.advance(Duration::seconds(12));
    let passcode = f
        .factors
        .totp_passcode(&admin(), &org(), "ana@example.com")
        .await
        .unwrap();
    assert_eq!(passcode.code.expose_secret(), code_at(&secret, f.step()));
    assert_eq!(passcode.expires_in, 18);
}

#[tokio::test]
async fn an_otp_goes_to_the_hinted_contact_and_validates_once() {
    let f = fixture_with(None).await;
    assert_eq!(
        f.send(Some("+34600111222")).await.unwrap(),
        Duration::seconds(300)
    );
    let (message, rendered) = f.outbox.sent().pop().unwrap();
    assert_eq!(message.template, TemplateId::OtpCode);
    assert_eq!(message.channel, Channel::Sms);
    assert_eq!(message.recipient, "+34600111222");
    let code = f.last_code();
    assert!(rendered.text.contains(&code));

    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(
        refusal(f.check_otp(wrong).await),
        CodeRefusal::OtpMismatch { tries_left: 4 }
    );
    f.check_otp(&code).await.unwrap();
    assert_eq!(
        refusal(f.check_otp(&code).await),
        CodeRefusal::OtpNotPending
    );
}

#[tokio::test]
async fn a_new_otp_waits_30_seconds_and_replaces_the_old_one() {
    let f = fixture_with(None).await;
    f.send(None).await.unwrap();
    let first = f.last_code();
    f.clock.advance(Duration::seconds(10));
    match f.send(None).await {
        Err(FlowError::Code(CodeRefusal::OtpTooSoon { retry_after })) => {
            assert_eq!(retry_after, Duration::seconds(20));
        }
        other => panic!("{other:?}"),
    }
    f.clock.advance(Duration::seconds(20));
    f.send(None).await.unwrap();
    let second = f.last_code();
    if first != second {
        assert!(matches!(
            refusal(f.check_otp(&first).await),
            CodeRefusal::OtpMismatch { .. }
        ));
    }
    f.check_otp(&second).await.unwrap();
}

#[tokio::test]
async fn an_otp_expires_after_300_seconds() {
    let f = fixture_with(None).await;
    f.send(None).await.unwrap();
    let code = f.last_code();
    f.clock.advance(Duration::seconds(300));
    assert_eq!(
        refusal(f.check_otp(&code).await),
        CodeRefusal::OtpNotPending
    );
}

#[tokio::test]
async fn a_failed_delivery_withdraws_the_code_so_it_can_be_sent_again() {
    let f = fixture_with(Some(Arc::new(DownNotifier::default()))).await;
    assert!(matches!(f.send(None).await, Err(FlowError::Delivery(_))));
    assert!(
        matches!(f.send(None).await, Err(FlowError::Delivery(_))),
        "no 30-second wait after a failed delivery"
    );
}

#[tokio::test]
async fn disabled_credentials_get_no_code_and_hints_must_be_contacts() {
    let f = fixture_with(None).await;
    assert!(matches!(
        f.send(Some("eve@example.com")).await,
        Err(FlowError::InvalidHint)
    ));
    f.credentials
        .patch(&admin(), &org(), "ana@example.com", false, None)
        .await
        .unwrap();
    assert!(matches!(
        f.send(None).await,
        Err(FlowError::Credential(CredentialError::Disabled))
    ));
    assert!(f.outbox.sent().is_empty());
}

/// ASVS V6.6.2: a code is bound to its purpose. A code sent through the API does not complete a
/// login's second factor, a login's code does not pass the API's check, and each purpose has
/// its own slot (sending one neither replaces nor waits behind the other).
#[tokio::test]
async fn codes_of_the_api_and_of_a_login_are_not_interchangeable() {
    let f = fixture_with(None).await;
    let login = |code: String| {
        let factors = f.factors.clone();
        async move {
            factors
                .check_login_otp(&admin(), &org(), "ana@example.com", &code)
                .await
        }
    };
    f.send(None).await.unwrap();
    let api_code = f.last_code();
    assert_eq!(
        refusal(login(api_code.clone()).await),
        CodeRefusal::OtpNotPending
    );
    f.factors
        .send_login_otp(&admin(), &org(), "ana@example.com", Some("en"), None)
        .await
        .unwrap();
    let login_code = f.last_code();
    if login_code != api_code {
        assert!(matches!(
            refusal(f.check_otp(&login_code).await),
            CodeRefusal::OtpMismatch { .. }
        ));
    }
    login(login_code).await.unwrap();
    f.check_otp(&api_code).await.unwrap();
}
