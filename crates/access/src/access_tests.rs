//! Unit tests of the client-credentials grant and of bearer-token verification, over in-test
//! fakes: a client registry, a codec that records what it signs and answers what it is told, a
//! clock that stands still and counter-based "randomness".

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::VerifyError;
use async_trait::async_trait;
use latchkey_core::{BoxError, OrgId, SecretHash, StoreError, Timestamp};
use latchkey_tenancy::{
    ApiClient, ClientName, ClientRegistry, Grant, LoginSettings, Scope, Tenant, TenantDirectory,
};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use time::macros::datetime;

const T0: Timestamp = datetime!(2024-01-01 00:00:00 UTC);
const TTL: Duration = Duration::minutes(15);
const ISSUER: &str = "https://latchkey.test";
const AUDIENCE: &str = "latchkey-api";

#[derive(Debug)]
struct FixedClock(Mutex<Timestamp>);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
}

/// Each 8-byte word is the next value of a counter: distinct ids, same every run.
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
struct FakeClients(Mutex<BTreeMap<ClientId, ApiClient>>);

#[async_trait]
impl ClientRegistry for FakeClients {
    async fn insert(&self, client: ApiClient) -> Result<(), StoreError> {
        self.upsert(client).await
    }

    async fn upsert(&self, client: ApiClient) -> Result<(), StoreError> {
        self.0.lock().unwrap().insert(client.id.clone(), client);
        Ok(())
    }

    async fn get(&self, id: &ClientId) -> Result<Option<ApiClient>, StoreError> {
        Ok(self.0.lock().unwrap().get(id).cloned())
    }

    async fn list(&self) -> Result<Vec<ApiClient>, StoreError> {
        Ok(self.0.lock().unwrap().values().cloned().collect())
    }

    async fn delete(&self, id: &ClientId) -> Result<(), StoreError> {
        let removed = self.0.lock().unwrap().remove(id);
        removed.map(drop).ok_or(StoreError::NotFound)
    }
}

/// Neither the grant nor the verifier looks tenants up.
#[derive(Debug)]
struct NoTenants;

#[async_trait]
impl TenantDirectory for NoTenants {
    async fn put(&self, tenant: Tenant) -> Result<(Tenant, bool), StoreError> {
        Ok((tenant, true))
    }

    async fn get(&self, _: &OrgId) -> Result<Option<Tenant>, StoreError> {
        Ok(None)
    }

    async fn list(&self) -> Result<Vec<Tenant>, StoreError> {
        Ok(Vec::new())
    }
}

/// Records the claims it signs; `verify` answers whatever the test put in `verifies_as`.
#[derive(Debug)]
struct FakeCodec {
    signed: Mutex<Vec<AccessClaims>>,
    verifies_as: Mutex<Result<AccessClaims, VerifyError>>,
}

impl AccessTokenCodec for FakeCodec {
    fn jwks(&self) -> serde_json::Value {
        serde_json::json!({"keys": []})
    }

    fn load(&self, _: &[crate::SigningKey]) -> Result<(), BoxError> {
        Ok(())
    }

    fn sign(&self, claims: &AccessClaims) -> Result<String, BoxError> {
        self.signed.lock().unwrap().push(claims.clone());
        Ok(format!("signed.{}", claims.jwt_id))
    }

    fn verify(&self, _: &str) -> Result<AccessClaims, VerifyError> {
        self.verifies_as.lock().unwrap().clone()
    }
}

/// Revoked ids in a map.
#[derive(Debug, Default)]
struct FakeRevoked(Mutex<BTreeMap<Uuid, Timestamp>>);

#[async_trait]
impl RevokedTokens for FakeRevoked {
    async fn revoke(&self, jti: Uuid, expires_at: Timestamp) -> Result<(), StoreError> {
        self.0.lock().unwrap().insert(jti, expires_at);
        Ok(())
    }

    async fn is_revoked(&self, jti: Uuid, now: Timestamp) -> Result<bool, StoreError> {
        Ok(self.0.lock().unwrap().get(&jti).is_some_and(|e| *e > now))
    }
}

struct Fixture {
    clients: Arc<FakeClients>,
    codec: Arc<FakeCodec>,
    issuer: ServiceTokenIssuer,
    verifier: AccessTokenVerifier,
}

fn fixture() -> Fixture {
    let clients = Arc::new(FakeClients::default());
    let codec = Arc::new(FakeCodec {
        signed: Mutex::default(),
        verifies_as: Mutex::new(Err(VerifyError::Malformed)),
    });
    let clock: Arc<dyn Clock> = Arc::new(FixedClock(Mutex::new(T0)));
    let random: Arc<dyn SecureRandom> = Arc::new(CountingRandom::default());
    let service = ClientService::new(
        clients.clone(),
        Arc::new(NoTenants),
        clock.clone(),
        random.clone(),
        Arc::new(crate::TokenCache::default()),
    );
    Fixture {
        issuer: ServiceTokenIssuer::new(
            service.clone(),
            codec.clone(),
            clock.clone(),
            random,
            ISSUER.to_owned(),
            AUDIENCE.to_owned(),
            TTL,
        ),
        verifier: AccessTokenVerifier::new(
            service,
            codec.clone(),
            Arc::new(FakeRevoked::default()),
            clock,
        ),
        clients,
        codec,
    }
}

fn scopes(list: &[Scope]) -> ScopeSet {
    list.iter().copied().collect()
}

fn yoigo() -> OrgAccess {
    OrgAccess::parse(&["yoigo"]).unwrap()
}

/// Registers `billing` (secret `s3cret`) with the `tokens` and `credentials:read` scopes on
/// `yoigo`, created at `created_at`.
fn register_billing(f: &Fixture, created_at: Timestamp) -> ApiClient {
    let client = ApiClient {
        id: ClientId::parse("billing").unwrap(),
        name: ClientName::parse("Billing").unwrap(),
        secret_hash: SecretHash::of(b"s3cret"),
        scopes: scopes(&[Scope::Tokens, Scope::CredentialsRead]),
        orgs: yoigo(),
        created_at,
        grants: [Grant::ClientCredentials].into_iter().collect(),
        login: LoginSettings::default(),
    };
    let mut all = f.clients.0.lock().unwrap();
    all.insert(client.id.clone(), client.clone());
    client
}

/// Claims the codec will hand back for any token: `billing`'s, issued at `iat`, expiring at `exp`.
fn verifies_as(f: &Fixture, iat: Timestamp, exp: Timestamp) {
    *f.codec.verifies_as.lock().unwrap() = Ok(AccessClaims {
        issuer: ISSUER.to_owned(),
        subject: "billing".to_owned(),
        audience: AUDIENCE.to_owned(),
        client_id: "billing".to_owned(),
        issued_at: iat.unix_timestamp(),
        expires_at: exp.unix_timestamp(),
        jwt_id: Uuid::nil(),
        scopes: scopes(&[Scope::Tokens]),
        orgs: yoigo(),
        credential: None,
    });
}

async fn grant(f: &Fixture, requested: Option<&str>) -> Result<IssuedAccessToken, GrantError> {
    f.issuer
        .client_credentials("billing", b"s3cret", requested)
        .await
}

#[tokio::test]
async fn requested_scopes_are_narrowed_to_the_clients_scopes() {
    let f = fixture();
    register_billing(&f, T0);
    let issued = grant(&f, Some("tokens otp")).await.unwrap();
    assert_eq!(issued.scopes, scopes(&[Scope::Tokens]));
    let signed = f.codec.signed.lock().unwrap();
    assert_eq!(signed.len(), 1);
    assert_eq!(signed[0].scopes, scopes(&[Scope::Tokens]));
}

#[tokio::test]
async fn unknown_scope_name_is_invalid_scope() {
    let f = fixture();
    register_billing(&f, T0);
    let result = grant(&f, Some("tokens credentials:delete")).await;
    assert!(
        matches!(result, Err(GrantError::InvalidScope)),
        "{result:?}"
    );
    assert!(f.codec.signed.lock().unwrap().is_empty());
}

#[tokio::test]
async fn nothing_left_after_narrowing_is_invalid_scope() {
    let f = fixture();
    register_billing(&f, T0);
    let result = grant(&f, Some("otp keys:admin")).await;
    assert!(
        matches!(result, Err(GrantError::InvalidScope)),
        "{result:?}"
    );
    assert!(f.codec.signed.lock().unwrap().is_empty());
}

#[tokio::test]
async fn no_requested_scope_grants_every_client_scope() {
    let f = fixture();
    let client = register_billing(&f, T0);
    for requested in [None, Some(""), Some("   ")] {
        let issued = grant(&f, requested).await.unwrap();
        assert_eq!(issued.scopes, client.scopes, "{requested:?}");
    }
}

#[tokio::test]
async fn wrong_secret_is_invalid_client() {
    let f = fixture();
    register_billing(&f, T0);
    let result = f.issuer.client_credentials("billing", b"guess", None).await;
    assert!(
        matches!(result, Err(GrantError::InvalidClient)),
        "{result:?}"
    );
}

#[tokio::test]
async fn claims_carry_issuer_audience_client_times_and_orgs() {
    let f = fixture();
    register_billing(&f, T0);
    let issued = grant(&f, None).await.unwrap();
    let claims = f.codec.signed.lock().unwrap()[0].clone();
    assert_eq!(claims.issuer, ISSUER);
    assert_eq!(claims.audience, AUDIENCE);
    assert_eq!(claims.subject, "billing");
    assert_eq!(claims.client_id, "billing");
    assert_eq!(claims.issued_at, T0.unix_timestamp());
    assert_eq!(claims.expires_at, (T0 + TTL).unix_timestamp());
    assert_eq!(claims.orgs, yoigo());
    assert_eq!(issued.expires_in, TTL.whole_seconds());
    assert_eq!(issued.token, format!("signed.{}", claims.jwt_id));
}

#[tokio::test]
async fn verify_returns_the_principal_of_a_live_token() {
    let f = fixture();
    register_billing(&f, T0);
    verifies_as(&f, T0, T0 + Duration::seconds(1));
    let (principal, expires_at) = f.verifier.verify("any").await.unwrap();
    assert_eq!(principal.subject, "billing");
    assert_eq!(principal.scopes, scopes(&[Scope::Tokens]));
    assert_eq!(principal.orgs, yoigo());
    assert_eq!(expires_at, (T0 + Duration::seconds(1)).unix_timestamp());
}

#[tokio::test]
async fn token_expiring_now_or_earlier_is_expired() {
    let f = fixture();
    register_billing(&f, T0 - TTL);
    for exp in [T0, T0 - Duration::seconds(1)] {
        verifies_as(&f, T0 - TTL, exp);
        let result = f.verifier.verify("any").await;
        assert!(
            matches!(result, Err(AuthError::Expired)),
            "{exp}: {result:?}"
        );
    }
}

#[tokio::test]
async fn token_of_a_deleted_client_is_revoked() {
    let f = fixture();
    verifies_as(&f, T0, T0 + TTL);
    let result = f.verifier.verify("any").await;
    assert!(matches!(result, Err(AuthError::Revoked)), "{result:?}");
}

#[tokio::test]
async fn token_issued_before_its_client_was_recreated_is_revoked() {
    let f = fixture();
    register_billing(&f, T0 + Duration::seconds(1));
    verifies_as(&f, T0, T0 + TTL);
    let result = f.verifier.verify("any").await;
    assert!(matches!(result, Err(AuthError::Revoked)), "{result:?}");
}

#[tokio::test]
async fn codec_error_passes_through_as_invalid() {
    let f = fixture();
    register_billing(&f, T0);
    *f.codec.verifies_as.lock().unwrap() = Err(VerifyError::BadSignature);
    let result = f.verifier.verify("any").await;
    assert!(
        matches!(result, Err(AuthError::Invalid(VerifyError::BadSignature))),
        "{result:?}"
    );
}
