//! Unit tests of security tokens: parsing, and the issue / find / consume cycle over an in-test
//! store, a clock the tests advance and counter-based "randomness".

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use time::macros::datetime;

#[test]
fn parses_the_documented_shape() {
    let raw = "ed7f4ab1-6234-46e6-a4de-fd3d4de3d414@masmovil@h7sn381lTBopU7pLIljv36pWzPTEy-FlswJznI_JqVoxbUXi40XJP8ekJ_1Owtrvzo4FOqIXCtABHhLPJ7rrHAa2UchVqWHuYQZyBCcutP_ryfegNNjC8OWYNc0Mf-mAg1O_GEA50pEXh9UkXINuCikK_XmgDonQhOmRwHC_qiU=";
    let token = TokenString::parse(raw);
    assert!(matches!(&token, Ok(t) if t.org.as_str() == "masmovil"));
}

#[test]
fn rejects_malformed_tokens() {
    for bad in [
        "",
        "abc",
        "not-a-uuid@masmovil@secret",
        "ed7f4ab1-6234-46e6-a4de-fd3d4de3d414@Bad Org@secret",
        "ed7f4ab1-6234-46e6-a4de-fd3d4de3d414@masmovil@",
        "ed7f4ab1-6234-46e6-a4de-fd3d4de3d414@masmovil@sec ret",
        "ed7f4ab1-6234-46e6-a4de-fd3d4de3d414@masmovil@a@b",
    ] {
        assert!(
            matches!(TokenString::parse(bad), Err(SecurityTokenError::Malformed)),
            "{bad:?}"
        );
    }
}

#[test]
fn debug_output_does_not_leak_the_secret() {
    let token = TokenString::parse("ed7f4ab1-6234-46e6-a4de-fd3d4de3d414@masmovil@TOPSECRETvalue");
    assert!(matches!(token, Ok(t) if !format!("{t:?}").contains("TOPSECRET")));
}

const T0: Timestamp = datetime!(2024-01-01 00:00:00 UTC);
const TTL: Duration = Duration::hours(1);

#[derive(Debug)]
struct FixedClock(Mutex<Timestamp>);

impl FixedClock {
    fn set(&self, now: Timestamp) {
        *self.0.lock().unwrap() = now;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
}

/// Each 8-byte word is the next value of a counter: distinct ids and secrets, same every run.
#[derive(Debug, Default)]
struct CountingRandom(AtomicU64);

impl SecureRandom for CountingRandom {
    fn fill(&self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let word = self.0.fetch_add(1, Ordering::Relaxed) + 1;
            chunk.copy_from_slice(&word.to_le_bytes()[..chunk.len()]);
        }
    }
}

#[derive(Debug, Default)]
struct FakeStore(Mutex<HashMap<(OrgId, Uuid), SecurityToken>>);

impl FakeStore {
    fn stored(&self, org: &OrgId, id: Uuid) -> Option<SecurityToken> {
        self.0.lock().unwrap().get(&(org.clone(), id)).cloned()
    }
}

#[async_trait::async_trait]
impl SecurityTokenStore for FakeStore {
    async fn insert(&self, org: &OrgId, token: SecurityToken) -> Result<(), StoreError> {
        let mut all = self.0.lock().unwrap();
        let key = (org.clone(), token.id);
        if all.contains_key(&key) {
            return Err(StoreError::Conflict);
        }
        all.insert(key, token);
        Ok(())
    }

    async fn get(&self, org: &OrgId, id: Uuid) -> Result<Option<SecurityToken>, StoreError> {
        Ok(self.stored(org, id))
    }

    async fn take(&self, org: &OrgId, id: Uuid) -> Result<Option<SecurityToken>, StoreError> {
        Ok(self.0.lock().unwrap().remove(&(org.clone(), id)))
    }

    async fn delete_for_subject(
        &self,
        org: &OrgId,
        subject: &str,
        purposes: &[TokenPurpose],
    ) -> Result<u64, StoreError> {
        let mut all = self.0.lock().unwrap();
        let before = all.len();
        all.retain(|(o, _), t| {
            !(o == org && t.subject == subject && purposes.contains(&t.purpose))
        });
        Ok((before - all.len()) as u64)
    }
}

struct Fixture {
    store: Arc<FakeStore>,
    clock: Arc<FixedClock>,
    tokens: SecurityTokens,
}

fn fixture() -> Fixture {
    let store = Arc::new(FakeStore::default());
    let clock = Arc::new(FixedClock(Mutex::new(T0)));
    let tokens = SecurityTokens::new(
        store.clone(),
        clock.clone(),
        Arc::new(CountingRandom::default()),
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
    let record = f.store.stored(&org("masmovil"), issued.id).unwrap();
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
    assert_eq!(issued.expires_at, T0 + crate::DEFAULT_MAGIC_LINK_TTL);
    let f = Fixture {
        tokens: f
            .tokens
            .clone()
            .with_magic_link_ttl(time::Duration::minutes(5)),
        ..f
    };
    let (issued, _) = issue(&f, TokenPurpose::MagicLink).await;
    assert_eq!(issued.expires_at, T0 + time::Duration::minutes(5));
    let (issued, _) = issue(&f, TokenPurpose::ChangePassword).await;
    assert_eq!(
        issued.expires_at,
        T0 + TTL,
        "other purposes keep the general lifetime"
    );
}
