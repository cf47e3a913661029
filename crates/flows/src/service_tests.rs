//! Unit tests of the flows, over the memory adapters, a fixed clock, seeded randomness, testkit's
//! fast password hasher (these tests are about the flows, not about argon2) and its doubles of
//! a notifier and a rate limiter that are down.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use latchkey_core::{SecureRandom, StoreError};
use latchkey_credential::SecurityTokens;
use latchkey_memory::{
    MemCredentialStore, MemNotifier, MemRateLimiter, MemSecurityTokenStore, MemTenantDirectory,
};
use latchkey_notify::Channel;
use latchkey_tenancy::{OrgAccess, ScopeSet, TenantName};
use latchkey_testkit::fakes::FastHasher;
use latchkey_testkit::faults::{DownLimiter, DownNotifier};
use latchkey_testkit::{FixedClock, SeededRandom};
use time::Duration;

const OLD: &str = "correct horse battery staple";
const NEW: &str = "a brand new passphrase";
const LOGIN: &str = "https://login.example.com";

struct Fixture {
    flows: FlowService,
    credentials: CredentialService,
    outbox: Arc<MemNotifier>,
    hasher: Arc<FastHasher>,
    clock: Arc<FixedClock>,
}

fn org() -> OrgId {
    OrgId::parse("yoigo").unwrap()
}

fn admin() -> Principal {
    Principal {
        subject: "crm".to_owned(),
        scopes: [Scope::CredentialsRead, Scope::CredentialsWrite]
            .into_iter()
            .collect::<ScopeSet>(),
        orgs: OrgAccess::parse(&["*"]).unwrap(),
        credential: None,
        sign_in: None,
    }
}

fn limits(per_credential: &str, per_tenant: &str) -> FlowLimits {
    FlowLimits {
        per_credential: per_credential.parse().unwrap(),
        per_tenant: per_tenant.parse().unwrap(),
    }
}

async fn fixture_with(
    notifier: Option<Arc<dyn Notifier>>,
    limiter: Arc<dyn RateLimiter>,
    limits: FlowLimits,
) -> Fixture {
    let clock = Arc::new(FixedClock::default());
    let random: Arc<dyn SecureRandom> = Arc::new(SeededRandom::new(7));
    let directory = Arc::new(MemTenantDirectory::default());
    let tenants = TenantService::new(directory, clock.clone());
    tenants
        .put_unchecked(org(), TenantName::parse("Yoigo").unwrap(), true)
        .await
        .unwrap();
    let security = SecurityTokens::new(
        Arc::new(MemSecurityTokenStore::default()),
        clock.clone(),
        random.clone(),
        Duration::hours(24),
    );
    let hasher = Arc::new(FastHasher::default());
    let credentials = CredentialService::new(
        Arc::new(MemCredentialStore::default()),
        hasher.clone(),
        tenants.clone(),
        security,
        clock.clone(),
        random,
        Arc::new(latchkey_testkit::HeardRevocations::default()),
    );
    let outbox = Arc::new(MemNotifier::default());
    let flows = FlowService::new(
        credentials.clone(),
        tenants,
        notifier.unwrap_or_else(|| outbox.clone()),
        limiter,
        clock.clone(),
        limits,
        LOGIN.to_owned(),
    );
    Fixture {
        flows,
        credentials,
        outbox,
        hasher,
        clock,
    }
}

async fn fixture() -> Fixture {
    fixture_with(
        None,
        Arc::new(MemRateLimiter::default()),
        limits("100/1m", "1000/1m"),
    )
    .await
}

impl Fixture {
    /// Creates `username` (with `msisdn` when given) and activates it with the password `OLD`.
    async fn active(&self, username: &str, msisdn: Option<&str>) {
        let token = self.created(username, msisdn).await;
        self.credentials
            .set_password(&admin(), &org(), username, &token, &Password::new(OLD))
            .await
            .unwrap();
    }

    /// Creates `username`, not activated; answers its set-password token.
    async fn created(&self, username: &str, msisdn: Option<&str>) -> String {
        let attrs = CredentialAttrs::parse(None, None, msisdn).unwrap();
        let issued = self
            .credentials
            .create(&admin(), &org(), username, attrs)
            .await
            .unwrap();
        issued.expose().to_owned()
    }

    async fn change(&self, username: &str, old: &str, new: &str) -> Result<Notice, FlowError> {
        let input = ChangePassword {
            username,
            old_password: Password::new(old),
            new_password: Password::new(new),
            language: Some("en"),
        };
        self.flows.change_password(&admin(), &org(), input).await
    }

    async fn reset(&self, username: &str, hint: Option<&str>) -> Result<(), FlowError> {
        let input = ResetPassword {
            username,
            language: Some("en"),
            hint,
        };
        self.flows.reset_password(&admin(), &org(), input).await
    }

    /// The token in the link of the last message sent.
    fn last_link_token(&self) -> String {
        let (message, _) = self.outbox.sent().pop().expect("a message was sent");
        let link = &message.params["link"];
        let encoded = link
            .strip_prefix(&format!("{LOGIN}{SET_PASSWORD_PATH}?token="))
            .unwrap_or_else(|| panic!("unexpected link {link}"));
        encoded.replace("%40", "@").replace("%3D", "=")
    }
}

#[tokio::test]
async fn change_password_replaces_the_password_and_sends_the_notice() {
    let f = fixture().await;
    f.active("ana@example.com", None).await;
    let notice = f.change("ana@example.com", OLD, NEW).await.unwrap();
    assert!(matches!(notice, Notice::Sent), "{notice:?}");
    let sent = f.outbox.sent();
    let (message, rendered) = sent.last().unwrap();
    assert_eq!(message.template, TemplateId::PasswordChanged);
    assert_eq!(message.channel, Channel::Email);
    assert_eq!(message.recipient, "ana@example.com");
    assert_eq!(message.language, Language::En);
    assert!(rendered.text.contains("Yoigo"), "{}", rendered.text);

    // The old password no longer works; the new one does.
    assert!(matches!(
        f.change("ana@example.com", OLD, "yet another passphrase")
            .await,
        Err(FlowError::Credential(CredentialError::WrongPassword))
    ));
    f.change("ana@example.com", NEW, "yet another passphrase")
        .await
        .unwrap();
}

#[tokio::test]
async fn change_password_refusals() {
    let f = fixture().await;
    f.active("ana@example.com", None).await;
    f.created("bob@example.com", None).await;
    let wrong = f.change("ana@example.com", "not the password", NEW).await;
    assert!(matches!(
        wrong,
        Err(FlowError::Credential(CredentialError::WrongPassword))
    ));
    let never_set = f.change("bob@example.com", OLD, NEW).await;
    assert!(matches!(
        never_set,
        Err(FlowError::Credential(CredentialError::WrongPassword))
    ));
    let weak = f.change("ana@example.com", OLD, "short").await;
    assert!(matches!(
        weak,
        Err(FlowError::Credential(CredentialError::Policy(_)))
    ));
    assert!(
        f.outbox
            .sent()
            .iter()
            .all(|(m, _)| m.template != TemplateId::PasswordChanged)
    );
}

#[tokio::test]
async fn an_unknown_username_costs_one_verification_like_a_known_one() {
    let f = fixture().await;
    f.active("ana@example.com", None).await;
    let before = f.hasher.verifications();
    let unknown = f.change("nobody@example.com", OLD, NEW).await;
    assert!(matches!(
        unknown,
        Err(FlowError::Credential(CredentialError::NotFound))
    ));
    assert_eq!(f.hasher.verifications(), before + 1);
    let _ = f.change("ana@example.com", "wrong password", NEW).await;
    assert_eq!(f.hasher.verifications(), before + 2);
}

#[tokio::test]
async fn a_change_stands_when_its_notice_fails() {
    let f = fixture_with(
        Some(Arc::new(DownNotifier::default())),
        Arc::new(MemRateLimiter::default()),
        limits("100/1m", "1000/1m"),
    )
    .await;
    f.active("ana@example.com", None).await;
    let notice = f.change("ana@example.com", OLD, NEW).await.unwrap();
    assert!(matches!(notice, Notice::Failed(NotifyError::Transient(_))));
    f.change("ana@example.com", NEW, OLD).await.unwrap();
}

#[tokio::test]
async fn a_plain_username_without_msisdn_changes_without_notice() {
    let f = fixture().await;
    f.active("customer-42", None).await;
    let notice = f.change("customer-42", OLD, NEW).await.unwrap();
    assert!(matches!(notice, Notice::NoContact));
}

#[tokio::test]
async fn reset_sends_a_link_whose_token_sets_the_password() {
    let f = fixture().await;
    f.active("ana@example.com", Some("+34600111222")).await;
    f.reset("ana@example.com", Some("+34600111222"))
        .await
        .unwrap();
    let (message, rendered) = f.outbox.sent().pop().unwrap();
    assert_eq!(message.template, TemplateId::ResetPassword);
    assert_eq!(message.channel, Channel::Sms);
    assert_eq!(message.recipient, "+34600111222");
    assert!(rendered.text.contains(&message.params["link"]));

    let token = f.last_link_token();
    f.credentials
        .set_password(
            &admin(),
            &org(),
            "ana@example.com",
            &token,
            &Password::new(NEW),
        )
        .await
        .unwrap();
    assert!(matches!(
        f.change("ana@example.com", OLD, "another passphrase here")
            .await,
        Err(FlowError::Credential(CredentialError::WrongPassword))
    ));
    f.change("ana@example.com", NEW, "another passphrase here")
        .await
        .unwrap();
}

#[tokio::test]
async fn reset_of_a_never_activated_credential_sends_the_activation_message() {
    let f = fixture().await;
    f.created("ana@example.com", None).await;
    f.reset("ana@example.com", None).await.unwrap();
    let (message, _) = f.outbox.sent().pop().unwrap();
    assert_eq!(message.template, TemplateId::SetPassword);
    assert_eq!(message.channel, Channel::Email);
}

#[tokio::test]
async fn reset_refuses_foreign_hints_missing_contacts_and_disabled_credentials() {
    let f = fixture().await;
    f.active("ana@example.com", None).await;
    f.active("customer-42", None).await;
    assert!(matches!(
        f.reset("ana@example.com", Some("eve@example.com")).await,
        Err(FlowError::InvalidHint)
    ));
    assert!(matches!(
        f.reset("customer-42", None).await,
        Err(FlowError::NoContact)
    ));
    f.credentials
        .patch(&admin(), &org(), "ana@example.com", false, None)
        .await
        .unwrap();
    assert!(matches!(
        f.reset("ana@example.com", None).await,
        Err(FlowError::Credential(CredentialError::Disabled))
    ));
    assert!(f.outbox.sent().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn a_reset_whose_delivery_fails_leaves_no_usable_token() {
    let down = Arc::new(DownNotifier::default());
    let f = fixture_with(
        Some(down.clone()),
        Arc::new(MemRateLimiter::default()),
        limits("100/1m", "1000/1m"),
    )
    .await;
    f.active("ana@example.com", None).await;
    assert!(matches!(
        f.reset("ana@example.com", None).await,
        Err(FlowError::Delivery(NotifyError::Transient(_)))
    ));
    let link = down.tried().pop().unwrap().params["link"].clone();
    let token = link
        .rsplit("token=")
        .next()
        .unwrap()
        .replace("%40", "@")
        .replace("%3D", "=");
    let used = f
        .credentials
        .set_password(
            &admin(),
            &org(),
            "ana@example.com",
            &token,
            &Password::new(NEW),
        )
        .await;
    assert!(
        matches!(used, Err(CredentialError::InvalidToken(_))),
        "{used:?}"
    );
}

#[tokio::test]
async fn resets_are_limited_per_credential_then_per_tenant() {
    let f = fixture_with(
        None,
        Arc::new(MemRateLimiter::default()),
        limits("2/10m", "3/10m"),
    )
    .await;
    f.active("ana@example.com", None).await;
    f.active("bob@example.com", None).await;
    f.reset("ana@example.com", None).await.unwrap();
    f.reset("ana@example.com", None).await.unwrap();
    match f.reset("ana@example.com", None).await {
        Err(FlowError::RateLimited {
            scope: LimitScope::Credential,
            retry_after,
        }) => assert_eq!(retry_after, Duration::minutes(5)),
        other => panic!("{other:?}"),
    }
    f.reset("bob@example.com", None).await.unwrap();
    match f.reset("bob@example.com", None).await {
        Err(FlowError::RateLimited {
            scope: LimitScope::Tenant,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(f.outbox.sent().len(), 3);
    f.clock.advance(Duration::minutes(5));
    f.reset("ana@example.com", None).await.unwrap();
}

#[tokio::test]
async fn password_changes_are_limited_per_credential_wrong_tries_included() {
    let f = fixture_with(
        None,
        Arc::new(MemRateLimiter::default()),
        limits("3/1h", "100/1h"),
    )
    .await;
    f.active("ana@example.com", None).await;
    for _ in 0..3 {
        let _ = f.change("ana@example.com", "guess", NEW).await;
    }
    assert!(matches!(
        f.change("ana@example.com", OLD, NEW).await,
        Err(FlowError::RateLimited {
            scope: LimitScope::Credential,
            ..
        })
    ));
}

#[tokio::test]
async fn a_rate_limiter_outage_is_reported_not_ignored() {
    let f = fixture_with(None, Arc::new(DownLimiter), limits("3/1h", "100/1h")).await;
    f.active("ana@example.com", None).await;
    assert!(matches!(
        f.reset("ana@example.com", None).await,
        Err(FlowError::RateLimiter(StoreError::Unavailable(_)))
    ));
    assert!(f.outbox.sent().is_empty());
}
