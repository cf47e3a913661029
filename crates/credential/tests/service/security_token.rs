//! Security tokens: the issue / find / consume cycle over the memory store, a clock the tests
//! advance and seeded randomness.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE;
use latchkey_core::testing::{FixedClock, SeededRandom, T0};
use latchkey_core::{OrgId, SecretHash};
use latchkey_credential::{
    DEFAULT_MAGIC_LINK_TTL, IssuedToken, SecurityToken, SecurityTokenError,
    SecurityTokenStore as _, SecurityTokens, TokenPurpose, TokenString,
};
use latchkey_memory::MemSecurityTokenStore;
use std::sync::Arc;
use time::Duration;

const TTL: Duration = Duration::hours(1);

struct Fixture {
    store: Arc<MemSecurityTokenStore>,
    clock: Arc<FixedClock>,
    tokens: SecurityTokens,
}

fn fixture() -> Fixture {
    let store = Arc::new(MemSecurityTokenStore::default());
    let clock = Arc::new(FixedClock::at(T0));
    let tokens = SecurityTokens::new(
        store.clone(),
        clock.clone(),
        Arc::new(SeededRandom::new(5)),
        TTL,
    );
    Fixture {
        store,
        clock,
        tokens,
    }
}

fn org(raw: &str) -> OrgId {
    OrgId::parse(raw).unwrap()
}

/// Issues a `purpose` token for `alice` in `masmovil` and parses it back.
async fn issue(f: &Fixture, purpose: TokenPurpose) -> (IssuedToken, TokenString) {
    let issued = f
        .tokens
        .issue(&org("masmovil"), "alice", purpose)
        .await
        .unwrap();
    let parsed = TokenString::parse(issued.expose()).unwrap();
    (issued, parsed)
}

async fn find(
    f: &Fixture,
    org_id: &str,
    token: &TokenString,
) -> Result<SecurityToken, SecurityTokenError> {
    f.tokens
        .find(&org(org_id), token, &TokenPurpose::PASSWORD)
        .await
}

#[tokio::test]
async fn issue_returns_id_org_secret_and_stores_only_the_hash_of_the_secret() {
    let f = fixture();
    let (issued, _) = issue(&f, TokenPurpose::SetPassword).await;
    let parts: Vec<&str> = issued.expose().splitn(3, '@').collect();
    assert_eq!(parts[..2], [issued.id.to_string().as_str(), "masmovil"]);
    let secret = parts[2];
    assert_eq!(URL_SAFE.decode(secret).unwrap().len(), 32);
    let record = f
        .store
        .get(&org("masmovil"), issued.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.secret_hash, SecretHash::of(secret.as_bytes()));
    assert_eq!(record.subject, "alice");
    assert_eq!(record.purpose, TokenPurpose::SetPassword);
    assert_eq!(record.created_at, T0);
    assert_eq!(record.expires_at, T0 + TTL);
    assert_eq!(issued.expires_at, T0 + TTL);
    assert!(!format!("{record:?}{issued:?}").contains(secret));
}

#[tokio::test]
async fn find_accepts_a_live_token_of_its_org_and_purpose() {
    let f = fixture();
    let (issued, token) = issue(&f, TokenPurpose::ChangePassword).await;
    let record = find(&f, "masmovil", &token).await.unwrap();
    assert_eq!(record.id, issued.id);
    assert_eq!(record.subject, "alice");
}

#[tokio::test]
async fn find_refuses_a_token_of_another_org() {
    let f = fixture();
    let (issued, token) = issue(&f, TokenPurpose::SetPassword).await;
    let result = find(&f, "yoigo", &token).await;
    assert!(
        matches!(result, Err(SecurityTokenError::Invalid)),
        "{result:?}"
    );
    // The same id and secret, relabelled with the other org, find nothing there either.
    let relabelled = issued.expose().replacen("@masmovil@", "@yoigo@", 1);
    let relabelled = TokenString::parse(&relabelled).unwrap();
    let result = find(&f, "yoigo", &relabelled).await;
    assert!(
        matches!(result, Err(SecurityTokenError::Invalid)),
        "{result:?}"
    );
}

#[tokio::test]
async fn find_refuses_a_wrong_secret() {
    let f = fixture();
    let (issued, _) = issue(&f, TokenPurpose::SetPassword).await;
    let forged = TokenString::parse(&format!("{}@masmovil@{}", issued.id, "A".repeat(44))).unwrap();
    let result = find(&f, "masmovil", &forged).await;
    assert!(
        matches!(result, Err(SecurityTokenError::Invalid)),
        "{result:?}"
    );
}

#[tokio::test]
async fn find_refuses_a_token_of_another_purpose() {
    let f = fixture();
    let (_, token) = issue(&f, TokenPurpose::MagicLink).await;
    let result = find(&f, "masmovil", &token).await;
    assert!(
        matches!(result, Err(SecurityTokenError::Invalid)),
        "{result:?}"
    );
}

#[tokio::test]
async fn find_refuses_a_token_once_it_expires() {
    let f = fixture();
    let (_, token) = issue(&f, TokenPurpose::SetPassword).await;
    f.clock.set(T0 + TTL - Duration::seconds(1));
    assert!(find(&f, "masmovil", &token).await.is_ok());
    for later in [T0 + TTL, T0 + TTL + Duration::days(1)] {
        f.clock.set(later);
        let result = find(&f, "masmovil", &token).await;
        assert!(
            matches!(result, Err(SecurityTokenError::Expired)),
            "{later}: {result:?}"
        );
    }
}

#[tokio::test]
async fn consume_succeeds_once_then_the_token_is_invalid() {
    let f = fixture();
    let (_, token) = issue(&f, TokenPurpose::SetPassword).await;
    let masmovil = org("masmovil");
    let record = find(&f, "masmovil", &token).await.unwrap();
    f.tokens.consume(&masmovil, &record).await.unwrap();
    let again = f.tokens.consume(&masmovil, &record).await;
    assert!(
        matches!(again, Err(SecurityTokenError::Invalid)),
        "{again:?}"
    );
    let result = find(&f, "masmovil", &token).await;
    assert!(
        matches!(result, Err(SecurityTokenError::Invalid)),
        "{result:?}"
    );
}

#[tokio::test]
async fn magic_link_tokens_live_their_own_shorter_lifetime() {
    let f = fixture();
    let (issued, _) = issue(&f, TokenPurpose::MagicLink).await;
    assert_eq!(issued.expires_at, T0 + DEFAULT_MAGIC_LINK_TTL);
    let f = Fixture {
        tokens: f.tokens.clone().with_magic_link_ttl(Duration::minutes(5)),
        ..f
    };
    let (issued, _) = issue(&f, TokenPurpose::MagicLink).await;
    assert_eq!(issued.expires_at, T0 + Duration::minutes(5));
    let (issued, _) = issue(&f, TokenPurpose::ChangePassword).await;
    assert_eq!(
        issued.expires_at,
        T0 + TTL,
        "other purposes keep the general lifetime"
    );
}
